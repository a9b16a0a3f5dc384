//! Why a storage call failed. Every variant has its row of the error table (`code()`) and a
//! Chinese and an English message built from its fields (`Display` joins them for logs);
//! domain refusals are wrapped whole so their rule ID survives. This module only classifies
//! errors: it must never retry or swallow one.

use guagou_domain::ledger::LedgerError;
use guagou_domain::ledger::verify::VerifyError;
use guagou_domain::{ErrorCode, RuleId};

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
    /// The row of the error table: a ledger refusal keeps the engine's code (a rule refusal
    /// its rule ID); the failures of the store itself are server errors (500, 503 when busy).
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Database(_) => ErrorCode::Database,
            StoreError::Busy(_) => ErrorCode::DatabaseBusy,
            StoreError::Io { .. } => ErrorCode::DataDirectory,
            StoreError::UnsupportedUrl(_) => ErrorCode::UnsupportedDatabaseUrl,
            StoreError::Migration { .. } => ErrorCode::MigrationFailed,
            StoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            StoreError::Ledger(e) => e.code(),
            StoreError::ProjectAlreadyRegistered(_) => ErrorCode::ProjectAlreadyRegistered,
            StoreError::LotAlreadyConsumed { .. } => ErrorCode::LotAlreadyConsumed,
            StoreError::TransactionPoisoned(_) => ErrorCode::TransactionPoisoned,
            StoreError::EmptyJournal => ErrorCode::EmptyJournal,
            StoreError::Corrupt(_) => ErrorCode::CorruptData,
            StoreError::Unsupported(_) => ErrorCode::Unsupported,
            StoreError::TargetNotEmpty { .. } => ErrorCode::TargetNotEmpty,
            StoreError::SchemaDiffers(_) => ErrorCode::SchemaDiffers,
            StoreError::Encode(_) => ErrorCode::EncodeFailed,
            StoreError::Verify(_) => ErrorCode::JournalVerificationFailed,
            StoreError::RowMismatch { .. } => ErrorCode::JournalRowMismatch,
            StoreError::BalanceMismatch { .. } => ErrorCode::BalanceMismatch,
            StoreError::LotMismatch { .. } => ErrorCode::LotMismatch,
            StoreError::AuditBroken { .. } => ErrorCode::AuditChainBroken,
        }
    }

    /// The Chinese message, from the fields (the same words as the `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            StoreError::Database(e) => format!("数据库错误：{e}"),
            StoreError::Busy(e) => format!("数据库忙，等待写锁超时：{e}"),
            StoreError::Io { path, source } => format!("无法使用数据目录 {path}：{source}"),
            StoreError::UnsupportedUrl(url) => {
                format!("不支持的数据库地址 {url}（只支持 sqlite:// 与 postgres://）")
            }
            StoreError::Migration {
                version,
                name,
                source,
            } => format!("数据库迁移 {version} {name} 失败：{source}"),
            StoreError::SchemaTooNew { found, known } => {
                format!("数据库架构版本 {found} 高于本程序所知的 {known}")
            }
            StoreError::Ledger(e) => e.message_zh(),
            StoreError::ProjectAlreadyRegistered(project) => {
                format!("项目 {project} 已在台账中登记")
            }
            StoreError::LotAlreadyConsumed { lot, seq } => {
                format!("指标块 {lot} 已被消耗，条目 {seq} 不能再消耗它")
            }
            StoreError::TransactionPoisoned(why) => {
                format!("写事务中此前的写入失败，只能回滚：{why}")
            }
            StoreError::EmptyJournal => "台账为空，无法导出检查点".to_owned(),
            StoreError::Corrupt(what) => format!("存储数据无法解读：{what}"),
            StoreError::Unsupported(what) => format!("此数据库不支持：{what}"),
            StoreError::TargetNotEmpty { table, rows } => {
                format!("目标数据库不为空（表 {table} 有 {rows} 行），复制不会合并两个登记簿")
            }
            StoreError::SchemaDiffers(what) => format!("源库与目标库的结构不同：{what}"),
            StoreError::Encode(what) => format!("数据无法编码：{what}"),
            StoreError::Verify(e) => format!("台账条目 {} 校验失败：{}", e.seq, e.problem_zh),
            StoreError::RowMismatch { seq, detail_zh, .. } => {
                format!("台账条目 {seq} 的存储行与条目内容不符：{detail_zh}")
            }
            StoreError::BalanceMismatch {
                account,
                stored,
                rebuilt,
            } => format!("账户 {account} 存储余额 {stored} m² 与台账重算的 {rebuilt} m² 不符"),
            StoreError::LotMismatch { account, detail } => {
                format!("账户 {account} 的未消耗指标块与台账重算不符：{detail}")
            }
            StoreError::AuditBroken {
                seq, problem_zh, ..
            } => format!("审计日志第 {seq} 条校验失败：{problem_zh}"),
        }
    }

    /// The English message, from the fields.
    pub fn message_en(&self) -> String {
        match self {
            StoreError::Database(e) => format!("database error: {e}"),
            StoreError::Busy(e) => {
                format!("the database is busy: timed out waiting for the write lock: {e}")
            }
            StoreError::Io { path, source } => {
                format!("cannot use the data directory {path}: {source}")
            }
            StoreError::UnsupportedUrl(url) => {
                format!("unsupported database URL {url} (only sqlite:// and postgres://)")
            }
            StoreError::Migration {
                version,
                name,
                source,
            } => format!("migration {version} {name} failed: {source}"),
            StoreError::SchemaTooNew { found, known } => format!(
                "the database schema version {found} is newer than this program knows ({known})"
            ),
            StoreError::Ledger(e) => e.message_en(),
            StoreError::ProjectAlreadyRegistered(project) => {
                format!("project {project} is already registered in the ledger")
            }
            StoreError::LotAlreadyConsumed { lot, seq } => {
                format!("lot {lot} was already consumed; entry {seq} cannot consume it again")
            }
            StoreError::TransactionPoisoned(why) => format!(
                "an earlier write in this transaction failed; it can only be rolled back: {why}"
            ),
            StoreError::EmptyJournal => "the journal is empty: there is no head to export".into(),
            StoreError::Corrupt(what) => format!("stored data cannot be read: {what}"),
            StoreError::Unsupported(what) => format!("not supported on this database: {what}"),
            StoreError::TargetNotEmpty { table, rows } => format!(
                "the target database is not empty (table {table} has {rows} rows): a copy never merges two registries"
            ),
            StoreError::SchemaDiffers(what) => {
                format!("the source and target schemas differ: {what}")
            }
            StoreError::Encode(what) => format!("data cannot be encoded: {what}"),
            StoreError::Verify(e) => format!(
                "journal entry {} fails verification: {}",
                e.seq, e.problem_en
            ),
            StoreError::RowMismatch { seq, detail_en, .. } => {
                format!("stored rows of journal entry {seq} differ from the entry: {detail_en}")
            }
            StoreError::BalanceMismatch {
                account,
                stored,
                rebuilt,
            } => format!(
                "stored balance of {account} is {stored} m², the journal gives {rebuilt} m²"
            ),
            StoreError::LotMismatch { account, detail } => {
                format!("open lots of {account} differ from the journal: {detail}")
            }
            StoreError::AuditBroken {
                seq, problem_en, ..
            } => format!("audit record {seq} fails verification: {problem_en}"),
        }
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
