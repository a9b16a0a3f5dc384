//! Why a ledger request is refused, with the rule ID where a policy rule is the reason.

use crate::rules::RuleId;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LedgerError {
    #[error("金额必须为正整数平方米 / amount must be a positive whole number of m²: {0}")]
    NonPositiveAmount(i64),
    #[error("项目 {0} 不在台账中 / project {0} is not in the ledger")]
    UnknownProject(String),
    #[error("公告 {0} 不存在 / listing {0} does not exist")]
    UnknownListing(String),
    #[error("公告 {0} 已存在 / listing {0} already exists")]
    DuplicateListing(String),
    #[error(
        "{account} 余额 {balance} m² 不足 {needed} m² / balance {balance} m² of {account} is less than {needed} m²"
    )]
    InsufficientBalance {
        account: String,
        balance: i64,
        needed: i64,
    },
    #[error("{rule}: {message_zh} / {message_en}")]
    Rule {
        rule: RuleId,
        message_zh: String,
        message_en: String,
    },
    #[error("项目 {0} 已核发节余指标 / surplus of project {0} was already issued")]
    AlreadyIssued(String),
    #[error("新增耕地为负 / the cultivated-land balance is negative: {0} m²")]
    NegativeFarmlandBalance(i64),
    #[error("条目 {0} 无法冲正：{1} / entry {0} cannot be reversed: {1}")]
    NotReversible(u64, String),
    #[error("幂等键 {0} 已用于不同的请求 / idempotency key {0} was used for a different request")]
    IdempotencyConflict(String),
    #[error("台账状态不完整：{0} / ledger snapshot incomplete: {0}")]
    Snapshot(String),
    #[error("数值溢出 / arithmetic overflow")]
    Overflow,
}
