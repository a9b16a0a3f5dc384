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
            RegistryError::Forbidden { .. } => "forbidden".to_owned(),
            RegistryError::Invalid { .. } => "invalid".to_owned(),
            RegistryError::Conflict { code, .. } => (*code).to_owned(),
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
