//! Registry errors: one enum; each error names its row of the error table
//! (`guagou_domain::ErrorCode`: the code, its HTTP status; the rule ID where a policy rule
//! refused) and builds its Chinese and English messages from its fields. The `Display`
//! ("中文 / English") is for logs and the command line; nothing parses it.

use guagou_check::PackageError;
use guagou_domain::ErrorCode;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::LedgerError;
use guagou_domain::lifecycle::LifecycleError;
use guagou_domain::rules::RuleId;
use guagou_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    #[error("{0}")]
    Lifecycle(#[from] LifecycleError),
    #[error("{0}")]
    Package(#[from] PackageError),
    #[error("规则未通过 / rule failed: {}", describe(.0))]
    Rules(Vec<RuleResult>),
    #[error("{what} {id} 不存在 / {what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{actor} 无权操作 {what} / {actor} may not act on {what}")]
    Forbidden { actor: String, what: String },
    /// An audit user tried to write (SPEC §1: audit reads everything and writes nothing).
    #[error("{actor} 为只读用户 / {actor} is a read-only user")]
    ReadOnly { actor: String },
    /// A user of another department tried a step that belongs to `required`.
    #[error(
        "{actor}（{department}）无权执行此操作（仅{required}）/ {actor} ({department}) may not do this ({required} only)"
    )]
    Department {
        actor: String,
        department: guagou_domain::Department,
        required: guagou_domain::Department,
    },
    /// A write dated after today (Asia/Shanghai): writes may be dated in the past, never in
    /// the future; a what-if is a preview that writes nothing.
    #[error(
        "日期 {as_of} 晚于今日 {today}，不能记录将来的事项 / {as_of} is after today, {today}: a write cannot be dated in the future"
    )]
    FutureDate {
        as_of: chrono::NaiveDate,
        today: chrono::NaiveDate,
    },
    /// Too many failed sign-ins for a name or from an address.
    #[error("登录失败次数过多 / too many failed sign-ins")]
    LoginThrottled,
    /// A wrong name or password.
    #[error("用户名或密码错误 / wrong name or password")]
    BadLogin,
    /// A sign-in form whose token is not the one the server issued for its pre-login cookie.
    #[error("登录表单已失效 / the sign-in form expired")]
    LoginFormExpired,
    /// A failure inside the server (never caused by input); its cause is logged, not shown.
    #[error("内部错误 / internal failure: {0}")]
    Internal(String),
    #[error("{field}: {zh} / {en}")]
    Invalid {
        field: String,
        zh: String,
        en: String,
    },
    /// The record is not (or no longer) in the state this step needs: another request changed
    /// it first, or a compare-and-set found it changed. A conflict (409), not bad input.
    #[error("{zh} / {en}")]
    Conflict {
        code: ErrorCode,
        zh: String,
        en: String,
    },
}

fn describe(results: &[RuleResult]) -> String {
    results
        .iter()
        .map(|r| {
            format!(
                "{} [{}] {} / {}",
                r.rule, r.clause, r.message_zh, r.message_en
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl RegistryError {
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        RegistryError::Invalid {
            field: field.to_owned(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A conflict with the state of a record; `code` is its row of the table (409).
    pub fn conflict(code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        RegistryError::Conflict {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A refusal whose row of the error table says it all (status and both messages).
    pub fn refused(code: ErrorCode) -> Self {
        RegistryError::conflict(code, code.message_zh(), code.message_en())
    }

    /// A compare-and-set that changed no row: `what` (e.g. "项目/project") `id` left the
    /// state `expected` before this step could write.
    pub fn state_changed(what: &str, id: &str, expected: &str) -> Self {
        RegistryError::conflict(
            ErrorCode::StateChanged,
            format!("{what} {id} 已不在 {expected} 状态（已被其他操作改变），请刷新后重试"),
            format!(
                "{what} {id} is no longer {expected} (another request changed it); reload and try again"
            ),
        )
    }

    /// The row of the error table: the stable code and its status (a refusing rule's ID).
    pub fn code(&self) -> ErrorCode {
        match self {
            RegistryError::Store(e) => e.code(),
            RegistryError::Ledger(e) => e.code(),
            RegistryError::Lifecycle(e) => e.code(),
            RegistryError::Package(e) => e.code(),
            RegistryError::Rules(results) => results
                .first()
                .map_or(ErrorCode::RuleFailed, |r| ErrorCode::Rule(r.rule)),
            RegistryError::NotFound { .. } => ErrorCode::NotFound,
            RegistryError::Forbidden { .. } => ErrorCode::Forbidden,
            RegistryError::ReadOnly { .. } => ErrorCode::ReadOnly,
            RegistryError::Department { .. } => ErrorCode::Department,
            RegistryError::FutureDate { .. } => ErrorCode::FutureDate,
            RegistryError::LoginThrottled => ErrorCode::LoginThrottled,
            RegistryError::BadLogin => ErrorCode::BadLogin,
            RegistryError::LoginFormExpired => ErrorCode::Csrf,
            RegistryError::Internal(_) => ErrorCode::Internal,
            RegistryError::Invalid { .. } => ErrorCode::Invalid,
            RegistryError::Conflict { code, .. } => *code,
        }
    }

    /// The Chinese message a user is shown.
    pub fn message_zh(&self) -> String {
        match self {
            RegistryError::Store(e) => e.message_zh(),
            RegistryError::Ledger(e) => e.message_zh(),
            RegistryError::Lifecycle(e) => e.message_zh(),
            RegistryError::Package(e) => e.message_zh(),
            RegistryError::Rules(results) => results
                .first()
                .map_or_else(|| "规则未通过".to_owned(), |r| r.message_zh.clone()),
            RegistryError::NotFound { what, id } => format!("{what} {id} 不存在"),
            RegistryError::Forbidden { actor, what } => format!("{actor} 无权操作 {what}"),
            RegistryError::ReadOnly { .. } => "只读用户不能执行此操作".to_owned(),
            RegistryError::Department {
                department,
                required,
                ..
            } => format!(
                "{}无权执行此操作（仅{}）",
                department.name_zh(),
                required.name_zh()
            ),
            RegistryError::FutureDate { as_of, today } => {
                format!("日期 {as_of} 晚于今日（{today}），不能记录将来的事项；如需预估请用预览")
            }
            RegistryError::LoginThrottled => "登录失败次数过多，请 15 分钟后再试".to_owned(),
            RegistryError::BadLogin => "用户名或密码错误".to_owned(),
            RegistryError::LoginFormExpired => "登录表单已失效，请刷新页面后重试".to_owned(),
            RegistryError::Internal(cause) => format!("内部错误：{cause}"),
            RegistryError::Invalid { zh, .. } | RegistryError::Conflict { zh, .. } => zh.clone(),
        }
    }

    /// The English message a user is shown.
    pub fn message_en(&self) -> String {
        match self {
            RegistryError::Store(e) => e.message_en(),
            RegistryError::Ledger(e) => e.message_en(),
            RegistryError::Lifecycle(e) => e.message_en(),
            RegistryError::Package(e) => e.message_en(),
            RegistryError::Rules(results) => results
                .first()
                .map_or_else(|| "rule failed".to_owned(), |r| r.message_en.clone()),
            RegistryError::NotFound { what, id } => format!("{what} {id} does not exist"),
            RegistryError::Forbidden { actor, what } => format!("{actor} may not act on {what}"),
            RegistryError::ReadOnly { .. } => "a read-only user may not do this".to_owned(),
            RegistryError::Department {
                department,
                required,
                ..
            } => format!(
                "the {} may not do this ({} only)",
                department.name_en(),
                required.name_en()
            ),
            RegistryError::FutureDate { as_of, today } => format!(
                "{as_of} is after today ({today}): a write cannot be dated in the future; use a preview for a what-if"
            ),
            RegistryError::LoginThrottled => {
                "too many failed sign-ins; try again in 15 minutes".to_owned()
            }
            RegistryError::BadLogin => "wrong name or password".to_owned(),
            RegistryError::LoginFormExpired => {
                "the sign-in form expired; reload and try again".to_owned()
            }
            RegistryError::Internal(cause) => format!("internal failure: {cause}"),
            RegistryError::Invalid { en, .. } | RegistryError::Conflict { en, .. } => en.clone(),
        }
    }

    /// The input field at fault, if the error names one.
    pub fn field(&self) -> Option<String> {
        match self {
            RegistryError::Invalid { field, .. } => Some(field.clone()),
            RegistryError::Package(e) => e.field_name().map(str::to_owned),
            _ => None,
        }
    }

    /// The journal or audit sequence number a verification failure names.
    pub fn seq(&self) -> Option<u64> {
        match self {
            RegistryError::Store(e) => e.seq(),
            _ => None,
        }
    }

    /// A ledger refusal that came through the store, unwrapped so that it keeps its rule
    /// (422) or reads as a conflict with the ledger (409); an idempotency conflict stays as
    /// the store reports it, so its code is `idempotency_conflict`.
    pub fn unwrap_ledger(self) -> RegistryError {
        match self {
            RegistryError::Store(StoreError::Ledger(LedgerError::IdempotencyConflict(key))) => {
                RegistryError::Store(StoreError::Ledger(LedgerError::IdempotencyConflict(key)))
            }
            RegistryError::Store(StoreError::Ledger(ledger)) => RegistryError::Ledger(ledger),
            other => other,
        }
    }

    /// The rule IDs behind a refusal, if any.
    pub fn rules(&self) -> Vec<RuleId> {
        match self {
            RegistryError::Ledger(LedgerError::Rule { rule, .. }) => vec![*rule],
            RegistryError::Lifecycle(LifecycleError::RulesFailed(rules)) => rules.clone(),
            RegistryError::Rules(results) => results.iter().map(|r| r.rule).collect(),
            RegistryError::Store(e) => e.rule().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Wraps a sqlx error from registry queries.
impl From<sqlx::Error> for RegistryError {
    fn from(e: sqlx::Error) -> Self {
        RegistryError::Store(StoreError::from(e))
    }
}
