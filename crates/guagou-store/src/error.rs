//! Why a storage call failed. Every variant carries a Chinese/English message and a stable
//! snake_case `code()` for APIs and logs; domain refusals are wrapped whole so their rule ID
//! survives. This module only classifies errors: it must never retry or swallow one.

use guagou_domain::RuleId;
use guagou_domain::ledger::LedgerError;
use guagou_domain::ledger::verify::VerifyError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("数据库错误 / database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error(
        "数据库忙，等待写锁超时 / the database is busy: timed out waiting for the write lock: {0}"
    )]
    Busy(#[source] sqlx::Error),
    #[error("无法使用数据目录 {path} / cannot use the data directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "不支持的数据库地址 {0}（只支持 sqlite:// 与 postgres://）/ unsupported database URL {0} (only sqlite:// and postgres://)"
    )]
    UnsupportedUrl(String),
    #[error("数据库迁移 {version} {name} 失败 / migration {version} {name} failed: {source}")]
    Migration {
        version: i64,
        name: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "数据库架构版本 {found} 高于本程序所知的 {known} / the database schema version {found} is newer than this program knows ({known})"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// A refusal of the ledger engine (rule, balance, idempotency conflict …), message as the
    /// domain wrote it.
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    #[error("项目 {0} 已在台账中登记 / project {0} is already registered in the ledger")]
    ProjectAlreadyRegistered(String),
    #[error(
        "指标块 {lot} 已被消耗，条目 {seq} 不能再消耗它 / lot {lot} was already consumed; entry {seq} cannot consume it again"
    )]
    LotAlreadyConsumed { lot: u64, seq: u64 },
    #[error(
        "写事务中此前的写入失败，只能回滚 / an earlier write in this transaction failed; it can only be rolled back: {0}"
    )]
    TransactionPoisoned(String),
    #[error("台账为空，无法导出检查点 / the journal is empty: there is no head to export")]
    EmptyJournal,
    #[error("存储数据无法解读：{0} / stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("此数据库不支持：{0} / not supported on this database: {0}")]
    Unsupported(String),
    #[error(
        "目标数据库不为空（表 {table} 有 {rows} 行），复制不会合并两个登记簿 / the target database is not empty (table {table} has {rows} rows): a copy never merges two registries"
    )]
    TargetNotEmpty { table: String, rows: i64 },
    #[error("源库与目标库的结构不同：{0} / the source and target schemas differ: {0}")]
    SchemaDiffers(String),
    #[error("数据无法编码：{0} / data cannot be encoded: {0}")]
    Encode(String),
    /// The journal itself fails verification (names the entry's seq).
    #[error("{0}")]
    Verify(#[from] VerifyError),
    #[error(
        "台账条目 {seq} 的存储行与条目内容不符：{detail_zh} / stored rows of journal entry {seq} differ from the entry: {detail_en}"
    )]
    RowMismatch {
        seq: u64,
        detail_zh: String,
        detail_en: String,
    },
    #[error(
        "账户 {account} 存储余额 {stored} m² 与台账重算的 {rebuilt} m² 不符 / stored balance of {account} is {stored} m², the journal gives {rebuilt} m²"
    )]
    BalanceMismatch {
        account: String,
        stored: i64,
        rebuilt: i64,
    },
    #[error(
        "账户 {account} 的未消耗指标块与台账重算不符：{detail} / open lots of {account} differ from the journal: {detail}"
    )]
    LotMismatch { account: String, detail: String },
    #[error(
        "审计日志第 {seq} 条校验失败：{problem_zh} / audit record {seq} fails verification: {problem_en}"
    )]
    AuditBroken {
        seq: u64,
        problem_zh: String,
        problem_en: String,
    },
}

impl StoreError {
    /// A stable snake_case identifier of the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Database(_) => "database",
            StoreError::Busy(_) => "database_busy",
            StoreError::Io { .. } => "io",
            StoreError::UnsupportedUrl(_) => "unsupported_database_url",
            StoreError::Migration { .. } => "migration_failed",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::Ledger(e) => ledger_code(e),
            StoreError::ProjectAlreadyRegistered(_) => "project_already_registered",
            StoreError::LotAlreadyConsumed { .. } => "lot_already_consumed",
            StoreError::TransactionPoisoned(_) => "transaction_poisoned",
            StoreError::EmptyJournal => "empty_journal",
            StoreError::Corrupt(_) => "corrupt_data",
            StoreError::Unsupported(_) => "unsupported",
            StoreError::TargetNotEmpty { .. } => "target_not_empty",
            StoreError::SchemaDiffers(_) => "schema_differs",
            StoreError::Encode(_) => "encode_failed",
            StoreError::Verify(_) => "journal_verification_failed",
            StoreError::RowMismatch { .. } => "journal_row_mismatch",
            StoreError::BalanceMismatch { .. } => "balance_mismatch",
            StoreError::LotMismatch { .. } => "lot_mismatch",
            StoreError::AuditBroken { .. } => "audit_chain_broken",
        }
    }

    /// Whether this is a refusal of the ledger engine (balance, idempotency conflict, already
    /// issued, …): a conflict with the ledger's state, not a server failure.
    pub fn is_ledger_refusal(&self) -> bool {
        matches!(self, StoreError::Ledger(_))
    }

    /// The policy rule behind a refusal, if a rule is the reason.
    pub fn rule(&self) -> Option<RuleId> {
        match self {
            StoreError::Ledger(LedgerError::Rule { rule, .. }) => Some(*rule),
            _ => None,
        }
    }

    /// The journal or audit sequence number a verification failure names.
    pub fn seq(&self) -> Option<u64> {
        match self {
            StoreError::Verify(e) => Some(e.seq),
            StoreError::RowMismatch { seq, .. }
            | StoreError::AuditBroken { seq, .. }
            | StoreError::LotAlreadyConsumed { seq, .. } => Some(*seq),
            _ => None,
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
        StoreError::Corrupt(what.into())
    }
}

fn ledger_code(error: &LedgerError) -> &'static str {
    match error {
        LedgerError::NonPositiveAmount(_) => "non_positive_amount",
        LedgerError::UnknownProject(_) => "unknown_project",
        LedgerError::UnknownListing(_) => "unknown_listing",
        LedgerError::DuplicateListing(_) => "duplicate_listing",
        LedgerError::InsufficientBalance { .. } => "insufficient_balance",
        LedgerError::Rule { .. } => "rule_violation",
        LedgerError::AlreadyIssued(_) => "already_issued",
        LedgerError::NegativeFarmlandBalance(_) => "negative_farmland_balance",
        LedgerError::NotReversible(..) => "not_reversible",
        LedgerError::IdempotencyConflict(_) => "idempotency_conflict",
        LedgerError::Snapshot(_) => "ledger_snapshot_incomplete",
        LedgerError::Overflow => "overflow",
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_busy(&error) {
            StoreError::Busy(error)
        } else {
            StoreError::Database(error)
        }
    }
}

/// SQLite BUSY/LOCKED (primary or extended codes) and PostgreSQL lock_not_available: another
/// writer held the lock longer than we were willing to wait.
fn is_busy(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return matches!(error, sqlx::Error::PoolTimedOut);
    };
    match db.code() {
        Some(code) => {
            if code == "55P03" {
                return true;
            }
            code.parse::<i64>()
                .map(|c| matches!(c & 0xff, 5 | 6))
                .unwrap_or(false)
        }
        None => false,
    }
}
