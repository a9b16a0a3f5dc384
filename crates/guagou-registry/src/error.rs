//! Registry errors: one enum, a stable code for each, the rule ID where a policy rule refused.

use guagou_check::PackageError;
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
        code: &'static str,
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

    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        RegistryError::Conflict {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A compare-and-set that changed no row: `what` (e.g. "项目/project") `id` left the
    /// state `expected` before this step could write.
    pub fn state_changed(what: &str, id: &str, expected: &str) -> Self {
        RegistryError::conflict(
            "state_changed",
            format!("{what} {id} 已不在 {expected} 状态（已被其他操作改变），请刷新后重试"),
            format!(
                "{what} {id} is no longer {expected} (another request changed it); reload and try again"
            ),
        )
    }

    /// Stable snake_case code (or the rule ID of a refusing rule).
    pub fn code(&self) -> String {
        match self {
            RegistryError::Store(e) => e
                .rule()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_else(|| e.code().to_owned()),
            RegistryError::Ledger(LedgerError::Rule { rule, .. }) => rule.as_str().to_owned(),
            RegistryError::Ledger(_) => "ledger_refused".to_owned(),
            RegistryError::Lifecycle(LifecycleError::RulesFailed(rules)) => rules
                .first()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_else(|| "rule_failed".into()),
            RegistryError::Lifecycle(_) => "not_allowed".to_owned(),
            RegistryError::Package(e) => e.code().to_owned(),
            RegistryError::Rules(results) => results
                .first()
                .map(|r| r.rule.as_str().to_owned())
                .unwrap_or_else(|| "rule_failed".into()),
            RegistryError::NotFound { .. } => "not_found".to_owned(),
            RegistryError::Forbidden { .. } | RegistryError::ReadOnly { .. } => {
                "forbidden".to_owned()
            }
            RegistryError::Department { .. } => "department".to_owned(),
            RegistryError::FutureDate { .. } => "future_date".to_owned(),
            RegistryError::LoginThrottled => "login_throttled".to_owned(),
            RegistryError::BadLogin => "bad_login".to_owned(),
            RegistryError::LoginFormExpired => "csrf".to_owned(),
            RegistryError::Internal(_) => "internal".to_owned(),
            RegistryError::Invalid { .. } => "invalid".to_owned(),
            RegistryError::Conflict { code, .. } => (*code).to_owned(),
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
