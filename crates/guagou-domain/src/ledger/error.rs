//! Why a ledger request is refused, with the rule ID where a policy rule is the reason.

use std::fmt;

use crate::error_code::ErrorCode;
use crate::rules::RuleId;

/// Displayed as "中文 / English" for logs and the command line (a rule refusal with its rule
/// ID first); users get `message_zh()` and `message_en()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LedgerError {
    NonPositiveAmount(i64),
    UnknownProject(String),
    UnknownListing(String),
    DuplicateListing(String),
    InsufficientBalance {
        account: String,
        balance: i64,
        needed: i64,
    },
    Rule {
        rule: RuleId,
        message_zh: String,
        message_en: String,
    },
    AlreadyIssued(String),
    /// The account holds enough, but part of it is advanced quota not yet confirmed at
    /// acceptance, which may only be used locally (二(四)): `usable` m² may be taken here.
    AdvancedQuotaLocalOnly {
        account: String,
        usable: i64,
        needed: i64,
    },
    /// A repayment larger than what the project's advance still owes.
    RepayExceedsAdvance {
        project: String,
        outstanding: i64,
        amount: i64,
    },
    NegativeFarmlandBalance(i64),
    NotReversible(u64, String),
    IdempotencyConflict(String),
    Snapshot(String),
    Overflow,
    /// No guide price in force on the date a transfer was priced (二(三)).
    NoGuidePrice(crate::profile::NoGuidePrice),
}

impl LedgerError {
    /// The row of the error table.
    pub fn code(&self) -> ErrorCode {
        match self {
            LedgerError::NonPositiveAmount(_) => ErrorCode::NonPositiveAmount,
            LedgerError::UnknownProject(_) => ErrorCode::UnknownProject,
            LedgerError::UnknownListing(_) => ErrorCode::UnknownListing,
            LedgerError::DuplicateListing(_) => ErrorCode::DuplicateListing,
            LedgerError::InsufficientBalance { .. } => ErrorCode::InsufficientBalance,
            LedgerError::Rule { rule, .. } => ErrorCode::Rule(*rule),
            LedgerError::AlreadyIssued(_) => ErrorCode::AlreadyIssued,
            LedgerError::AdvancedQuotaLocalOnly { .. } => ErrorCode::AdvancedQuotaLocalOnly,
            LedgerError::RepayExceedsAdvance { .. } => ErrorCode::RepayExceedsAdvance,
            LedgerError::NegativeFarmlandBalance(_) => ErrorCode::NegativeFarmlandBalance,
            LedgerError::NotReversible(..) => ErrorCode::NotReversible,
            LedgerError::IdempotencyConflict(_) => ErrorCode::IdempotencyConflict,
            LedgerError::Snapshot(_) => ErrorCode::LedgerSnapshotIncomplete,
            LedgerError::Overflow => ErrorCode::Overflow,
            LedgerError::NoGuidePrice(_) => ErrorCode::NoGuidePrice,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            LedgerError::NonPositiveAmount(amount) => {
                format!("金额必须为正整数平方米：{amount}")
            }
            LedgerError::UnknownProject(project) => format!("项目 {project} 不在台账中"),
            LedgerError::UnknownListing(listing) => format!("公告 {listing} 不存在"),
            LedgerError::DuplicateListing(listing) => format!("公告 {listing} 已存在"),
            LedgerError::InsufficientBalance {
                account,
                balance,
                needed,
            } => format!("{account} 余额 {balance} m² 不足 {needed} m²"),
            LedgerError::Rule { message_zh, .. } => message_zh.clone(),
            LedgerError::AlreadyIssued(project) => format!("项目 {project} 已核发节余指标"),
            LedgerError::AdvancedQuotaLocalOnly {
                account,
                usable,
                needed,
            } => format!(
                "{account} 中可用于此操作的已确认指标只有 {usable} m²，需要 {needed} m²：预支指标在验收确认前只能本地使用，不能挂牌、流转或归还其他项目的预支"
            ),
            LedgerError::RepayExceedsAdvance {
                project,
                outstanding,
                amount,
            } => format!("项目 {project} 尚欠预支指标 {outstanding} m²，不能归还 {amount} m²"),
            LedgerError::NegativeFarmlandBalance(m2) => format!("新增耕地为负：{m2} m²"),
            LedgerError::NotReversible(seq, why) => format!("条目 {seq} 无法冲正：{why}"),
            LedgerError::IdempotencyConflict(key) => format!("幂等键 {key} 已用于不同的请求"),
            LedgerError::Snapshot(what) => format!("台账状态不完整：{what}"),
            LedgerError::Overflow => "数值溢出".to_owned(),
            LedgerError::NoGuidePrice(missing) => missing.message_zh(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            LedgerError::NonPositiveAmount(amount) => {
                format!("amount must be a positive whole number of m²: {amount}")
            }
            LedgerError::UnknownProject(project) => {
                format!("project {project} is not in the ledger")
            }
            LedgerError::UnknownListing(listing) => format!("listing {listing} does not exist"),
            LedgerError::DuplicateListing(listing) => format!("listing {listing} already exists"),
            LedgerError::InsufficientBalance {
                account,
                balance,
                needed,
            } => format!("balance {balance} m² of {account} is less than {needed} m²"),
            LedgerError::Rule { message_en, .. } => message_en.clone(),
            LedgerError::AlreadyIssued(project) => {
                format!("surplus of project {project} was already issued")
            }
            LedgerError::AdvancedQuotaLocalOnly {
                account,
                usable,
                needed,
            } => format!(
                "only {usable} m² of {account} are confirmed quota this step may take, it needs {needed} m²: advanced quota is for local use until acceptance confirms it (not listed, transferred or used to repay another project's advance)"
            ),
            LedgerError::RepayExceedsAdvance {
                project,
                outstanding,
                amount,
            } => format!(
                "project {project} owes {outstanding} m² of its advance: {amount} m² cannot be repaid"
            ),
            LedgerError::NegativeFarmlandBalance(m2) => {
                format!("the cultivated-land balance is negative: {m2} m²")
            }
            LedgerError::NotReversible(seq, why) => {
                format!("entry {seq} cannot be reversed: {why}")
            }
            LedgerError::IdempotencyConflict(key) => {
                format!("idempotency key {key} was used for a different request")
            }
            LedgerError::Snapshot(what) => format!("ledger snapshot incomplete: {what}"),
            LedgerError::Overflow => "arithmetic overflow".to_owned(),
            LedgerError::NoGuidePrice(missing) => missing.message_en(),
        }
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let LedgerError::Rule { rule, .. } = self {
            write!(f, "{rule}: ")?;
        }
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}
