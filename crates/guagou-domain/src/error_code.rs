//! The one table of error codes (modelled on meilisearch's `Code`): every stable code the
//! system answers with, its HTTP status and what it means in Chinese and English.
//!
//! Each error type that reaches a user names its row with `code()` and builds its own
//! messages from its fields (`message_zh()`, `message_en()`); the messages here are the
//! defaults, for the OpenAPI document and the table in `crates/guagou-web/README.md`. A refusal
//! by a policy rule answers the rule ID itself (`TRANSFER_PRICE_FLOOR`), so there is one row
//! per rule of `rules::RULES`.
//!
//! The status lives here, in the pure domain, as a plain number: it is part of what a code
//! means to a client (the web answers it, the command line does not), and keeping it beside
//! the code means a code cannot answer two statuses depending on who raised it.

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::rules::{RULES, RuleId};

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $status:literal, $zh:literal, $en:literal;)+) => {
        /// A stable error code. `as_str()` is what clients match on; it never changes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
            /// A policy rule refused: the code is the rule ID (SPEC §6), status 422.
            Rule(RuleId),
        }

        /// Every code but the rules', in table order.
        const PLAIN: &[ErrorCode] = &[$(ErrorCode::$variant),+];

        impl ErrorCode {
            /// The code as clients see it: snake_case, or a rule ID.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                    ErrorCode::Rule(rule) => rule.as_str(),
                }
            }

            /// The HTTP status a web client gets with this code.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)+
                    ErrorCode::Rule(_) => 422,
                }
            }

            /// What the code means, in Chinese (an error's own message says more).
            pub fn message_zh(self) -> Cow<'static, str> {
                match self {
                    $(ErrorCode::$variant => Cow::Borrowed($zh),)+
                    ErrorCode::Rule(rule) => {
                        Cow::Owned(format!("规则未通过：{}", rule.def().title_zh))
                    }
                }
            }

            /// What the code means, in English.
            pub fn message_en(self) -> Cow<'static, str> {
                match self {
                    $(ErrorCode::$variant => Cow::Borrowed($en),)+
                    ErrorCode::Rule(rule) => {
                        Cow::Owned(format!("rule failed: {}", rule.def().title_en))
                    }
                }
            }
        }
    };
}

codes! {
    // Who may do what.
    /// No session: sign in first.
    Unauthorized = "unauthorized", 401, "请先登录", "please sign in";
    /// A wrong name or password.
    BadLogin = "bad_login", 401, "用户名或密码错误", "wrong name or password";
    /// A form whose CSRF token is missing or not the session's (or an expired sign-in form).
    Csrf = "csrf", 403, "表单已失效，请刷新页面后重试", "the form expired (CSRF token missing or wrong); reload and try again";
    /// The record is outside the user's jurisdiction (a write; a read answers `not_found`).
    Forbidden = "forbidden", 403, "无权操作此记录（辖区不符）", "may not act on this record (jurisdiction)";
    /// An audit (read-only) user tried to write.
    ReadOnly = "read_only", 403, "只读用户不能执行此操作", "a read-only user may not do this";
    /// The step belongs to another department.
    Department = "department", 403, "本部门无权执行此操作", "this department may not do this";
    /// The step belongs to another level (county, city, province).
    WrongLevel = "wrong_level", 403, "本级无权执行此操作", "this level may not take this step";
    /// Does not exist, or the user may not read it (the two are not told apart).
    NotFound = "not_found", 404, "不存在或无权查看", "not found";
    /// A right password for an account an administrator disabled.
    AccountDisabled = "account_disabled", 403, "账号已停用，请联系系统管理员", "this account is disabled; ask an administrator";
    /// User administration by someone who is not an administrator.
    NotAdmin = "not_admin", 403, "仅系统管理员可以管理用户", "only an administrator may manage users";
    /// An administrator disabling, demoting or moving their own account.
    OwnAccount = "own_account", 409, "不能停用、降级或调动自己的账号，请由其他管理员办理", "you may not disable, demote or move your own account; ask another administrator";
    /// Too many failed sign-ins for a name or from an address.
    LoginThrottled = "login_throttled", 429, "登录失败次数过多，请 15 分钟后再试", "too many failed sign-ins; try again in 15 minutes";
    /// Too many objections from one address to one notice within an hour.
    ObjectionRateLimited = "objection_rate_limited", 429, "提交过于频繁，请稍后再试", "too many objections; please try again later";

    // The request itself.
    /// A request the server cannot read (not the expected encoding or shape).
    BadRequest = "bad_request", 400, "请求无法处理", "the request cannot be handled";
    /// A request refused before any handler ran, for another reason.
    RequestRefused = "request_refused", 400, "请求被拒绝", "the request was refused";
    /// The path does not take this method.
    MethodNotAllowed = "method_not_allowed", 405, "不支持此请求方法", "this method is not allowed here";
    /// The body is larger than the operation accepts.
    BodyTooLarge = "body_too_large", 413, "请求内容过大，超过本接口的上限；项目包请压缩后上传（上限见接口说明）", "the request body is larger than this operation accepts; see the API description for the limit";
    /// The body's content type is not one the operation reads.
    UnsupportedMediaType = "unsupported_media_type", 415, "不支持的内容类型", "unsupported content type";
    /// The body does not have the expected shape.
    InvalidBody = "invalid_body", 422, "请求体格式无效", "the request body does not have the expected shape";
    /// An input field is invalid (`field` names it).
    Invalid = "invalid", 422, "输入无效", "invalid input";
    /// A write dated after today (Asia/Shanghai); a what-if is a preview.
    FutureDate = "future_date", 422, "日期晚于今日，不能记录将来的事项", "a write cannot be dated in the future";

    // The state of a record.
    /// The record's state does not allow the step.
    NotAllowed = "not_allowed", 409, "当前状态不允许此操作", "the current state does not allow this step";
    /// Another request changed the record first; reload and try again.
    StateChanged = "state_changed", 409, "记录已被其他操作改变，请刷新后重试", "another request changed the record; reload and try again";
    /// The project has a newer current version than the step was prepared for.
    VersionChanged = "version_changed", 409, "项目已有新的当前版本", "the project has a new current version";
    /// A sequence found no unused id.
    IdsExhausted = "ids_exhausted", 409, "编号序列找不到未用的编号", "the id sequence found no unused id";
    /// A listing's escrow holds less than the step needs (emptied behind the market's back).
    EscrowShort = "escrow_short", 409, "公告托管账户的指标少于协议面积", "the listing's escrow holds less than the agreement";
    /// A refusal of a rule with no rule named.
    RuleFailed = "rule_failed", 422, "规则未通过", "a rule failed";

    // The quota ledger (m²).
    /// An amount that is zero or negative.
    NonPositiveAmount = "non_positive_amount", 422, "金额必须为正整数平方米", "the amount must be a positive whole number of m²";
    /// A project that is not in the ledger.
    UnknownProject = "unknown_project", 409, "项目不在台账中", "the project is not in the ledger";
    /// A listing that does not exist.
    UnknownListing = "unknown_listing", 409, "公告不存在", "the listing does not exist";
    /// A listing that already exists.
    DuplicateListing = "duplicate_listing", 409, "公告已存在", "the listing already exists";
    /// The account holds less than the step needs.
    InsufficientBalance = "insufficient_balance", 409, "余额不足", "the balance is insufficient";
    /// The project's surplus was already issued.
    AlreadyIssued = "already_issued", 409, "节余指标已核发", "the surplus was already issued";
    /// Advanced quota not yet confirmed at acceptance: for local use only (二(四)).
    AdvancedQuotaLocalOnly = "advanced_quota_local_only", 409, "预支指标在验收确认前只能本地使用，不能挂牌或流转", "advanced quota is for local use until acceptance confirms it: it cannot be listed or transferred";
    /// A repayment larger than the advance still owed.
    RepayExceedsAdvance = "repay_exceeds_advance", 409, "归还量超过尚欠的预支指标", "the repayment exceeds the advance still owed";
    /// The cultivated-land balance would be negative.
    NegativeFarmlandBalance = "negative_farmland_balance", 409, "新增耕地为负", "the cultivated-land balance is negative";
    /// The entry cannot be reversed (proceeds, or reversed already).
    NotReversible = "not_reversible", 409, "条目无法冲正", "the entry cannot be reversed";
    /// The idempotency key was used for a different request.
    IdempotencyConflict = "idempotency_conflict", 409, "幂等键已用于不同的请求", "the idempotency key was used for a different request";
    /// An amount beyond what the ledger counts.
    Overflow = "overflow", 422, "数值溢出", "arithmetic overflow";
    /// The project is already registered in the ledger.
    ProjectAlreadyRegistered = "project_already_registered", 409, "项目已在台账中登记", "the project is already registered in the ledger";
    /// A lot consumed a second time.
    LotAlreadyConsumed = "lot_already_consumed", 409, "指标块已被消耗", "the lot was already consumed";

    // The funds ledger (分).
    /// An amount of money that is zero or negative.
    FundsNonPositiveAmount = "funds_non_positive_amount", 422, "金额必须为正整数分", "the amount must be a positive whole number of 分";
    /// The paying fund holds less than the payment.
    FundsInsufficient = "funds_insufficient", 409, "可用资金不足", "the fund holds less than the payment";
    /// The entry cannot be reversed (proceeds, or reversed already).
    FundsNotReversible = "funds_not_reversible", 409, "条目无法冲正", "the entry cannot be reversed";
    /// The idempotency key was used for a different funds request.
    FundsIdempotencyConflict = "funds_idempotency_conflict", 409, "幂等键已用于不同的请求", "the idempotency key was used for a different request";
    /// An amount of money beyond what the ledger counts.
    FundsOverflow = "funds_overflow", 422, "数值溢出", "arithmetic overflow";

    // The public notice.
    /// The notice period is shorter than the minimum.
    NoticePeriodTooShort = "notice_period_too_short", 422, "公示期过短", "the notice period is too short";
    /// The notice period has not started.
    NoticeNotOpen = "notice_not_open", 409, "公示尚未开始，暂不受理异议", "the notice period has not started; objections are not accepted yet";
    /// The notice period is over.
    NoticeClosed = "notice_closed", 409, "公示期已结束，不再受理异议", "the notice period is over; objections are no longer accepted";
    /// The objection is already answered.
    AlreadyAnswered = "already_answered", 409, "异议已答复", "the objection is already answered";
    /// A receipt number collided; try again.
    ReceiptTaken = "receipt_taken", 409, "回执号冲突，请重试", "receipt number collision; please try again";

    // Policy facts (dated, with their sources).
    /// No provincial guide price is in force on the date: the city records one with its source.
    NoGuidePrice = "no_guide_price", 409, "该日没有生效的省指导价：请市国土资源局按来源文件录入指导价", "no provincial guide price is in force on that date: the city land bureau records it with its source document";
    /// A guide price from that date is already on record (a date has one price).
    GuidePriceExists = "guide_price_exists", 409, "该日起生效的指导价已有记录", "a guide price from that date is already on record";

    // A project package and its files (the message names the file, record and field).
    /// A file cannot be read.
    Io = "io", 422, "无法读取文件", "cannot read the file";
    /// A file does not follow its format.
    Syntax = "syntax", 422, "格式错误", "syntax error";
    /// A field of a record is invalid.
    InvalidField = "invalid_field", 422, "字段无效", "invalid field";
    /// The policy profile cannot be used.
    InvalidProfile = "invalid_profile", 422, "规则配置无效", "invalid policy profile";
    /// A path outside the package (absolute, a drive, or `..`).
    PathOutsidePackage = "path_outside_package", 422, "路径须位于项目包目录内", "the path must stay inside the package folder";
    /// A symbolic link inside the package.
    SymlinkInPackage = "symlink_in_package", 422, "项目包不得包含符号链接", "a package may not hold symbolic links";
    /// A directory, FIFO, device or socket where a file was expected.
    NotARegularFile = "not_a_regular_file", 422, "不是普通文件", "not a regular file";
    /// A file larger than its limit.
    FileTooLarge = "file_too_large", 422, "文件超过上限", "the file is larger than its limit";
    /// A file replaced while it was read.
    FileChanged = "file_changed", 422, "读取时文件被替换", "the file was replaced while being read";
    /// Text neither UTF-8 nor GBK.
    Encoding = "encoding", 422, "文本编码既不是 UTF-8 也不是 GBK", "the text is neither UTF-8 nor GBK";
    /// A format guagou does not read.
    UnsupportedFormat = "unsupported_format", 422, "不支持的格式", "unsupported format";
    /// A required part of a file is missing.
    Missing = "missing", 422, "缺少必需的内容", "a required part is missing";
    /// A ring that does not end at its first point.
    UnclosedRing = "unclosed_ring", 422, "圈未闭合", "a ring is not closed";
    /// A ring with fewer than 3 distinct points.
    TooFewPoints = "too_few_points", 422, "圈的点数不足 3 个", "a ring has fewer than 3 distinct points";
    /// A ring that crosses itself.
    SelfIntersection = "self_intersection", 422, "圈自相交", "a ring intersects itself";
    /// A hole outside its exterior ring.
    HoleOutsideShell = "hole_outside_shell", 422, "内环不在外环之内", "a hole lies outside its exterior ring";
    /// Two rings of a parcel that cross or overlap.
    CrossingRings = "crossing_rings", 422, "圈相交或重叠", "rings cross or overlap";
    /// A parcel or ring of zero area.
    ZeroArea = "zero_area", 422, "面积为零", "zero area";
    /// A coordinate outside the declared zone or valid range.
    OutsideZone = "outside_zone", 422, "坐标超出声明的投影带或有效范围", "a coordinate is outside the declared zone or valid range";
    /// Parcels or files of one input in different coordinate systems.
    MixedCrs = "mixed_crs", 422, "坐标系不一致", "mixed coordinate systems";
    /// A coordinate system guagou does not handle.
    UnsupportedCrs = "unsupported_crs", 422, "不支持的坐标系", "unsupported coordinate system";
    /// The easting's zone prefix disagrees with the declared zone.
    ZoneMismatch = "zone_mismatch", 422, "横坐标带号前缀与声明的带号不一致", "the easting zone prefix disagrees with the declared zone";
    /// No zone can be determined.
    ZoneUnknown = "zone_unknown", 422, "无法确定投影带", "cannot tell the zone";
    /// A coordinate transformation failed.
    Projection = "projection", 422, "坐标转换失败", "coordinate transformation failed";
    /// An input over a size limit (file, parcels, points, zip entries).
    TooLarge = "too_large", 422, "输入超出限制", "the input exceeds a limit";

    // The server (a 500 logs its cause and shows none; the command line shows the code).
    /// A failure inside the server.
    Internal = "internal", 500, "服务器内部错误", "internal server error";
    /// Another writer held the database's write lock too long.
    DatabaseBusy = "database_busy", 503, "数据库忙，请稍后再试", "the database is busy; try again later";
    /// No Chinese font on the server: no PDF can be made.
    CjkFontMissing = "cjk_font_missing", 503, "服务器未安装中文字体，无法生成 PDF", "no Chinese (CJK) font is installed on the server, so the PDF cannot be made";
    /// The database failed.
    Database = "database", 500, "数据库错误", "database error";
    /// The data directory cannot be used.
    DataDirectory = "data_directory", 500, "无法使用数据目录", "cannot use the data directory";
    /// A database URL other than sqlite:// or postgres://.
    UnsupportedDatabaseUrl = "unsupported_database_url", 500, "不支持的数据库地址", "unsupported database URL";
    /// A migration failed.
    MigrationFailed = "migration_failed", 500, "数据库迁移失败", "a migration failed";
    /// The database's schema is newer than this program.
    SchemaTooNew = "schema_too_new", 500, "数据库架构版本高于本程序所知", "the database schema is newer than this program knows";
    /// An earlier write of the transaction failed.
    TransactionPoisoned = "transaction_poisoned", 500, "写事务中此前的写入失败，只能回滚", "an earlier write in this transaction failed";
    /// The journal is empty: no checkpoint to export.
    EmptyJournal = "empty_journal", 500, "台账为空", "the journal is empty";
    /// Stored data that cannot be read.
    CorruptData = "corrupt_data", 500, "存储数据无法解读", "stored data cannot be read";
    /// An operation this database does not support.
    Unsupported = "unsupported", 500, "此数据库不支持", "not supported on this database";
    /// A copy into a database that is not empty.
    TargetNotEmpty = "target_not_empty", 500, "目标数据库不为空", "the target database is not empty";
    /// The source and target schemas of a copy differ.
    SchemaDiffers = "schema_differs", 500, "源库与目标库的结构不同", "the source and target schemas differ";
    /// Data that cannot be encoded.
    EncodeFailed = "encode_failed", 500, "数据无法编码", "data cannot be encoded";
    /// The ledger's state as loaded is incomplete.
    LedgerSnapshotIncomplete = "ledger_snapshot_incomplete", 500, "台账状态不完整", "ledger snapshot incomplete";
    /// A journal entry fails verification.
    JournalVerificationFailed = "journal_verification_failed", 500, "台账校验失败", "the journal fails verification";
    /// The stored rows of a journal entry differ from the entry.
    JournalRowMismatch = "journal_row_mismatch", 500, "台账条目的存储行与条目内容不符", "stored rows of a journal entry differ from the entry";
    /// A stored balance differs from the journal's.
    BalanceMismatch = "balance_mismatch", 500, "存储余额与台账重算不符", "a stored balance differs from the journal";
    /// Stored open lots differ from the journal's.
    LotMismatch = "lot_mismatch", 500, "未消耗指标块与台账重算不符", "open lots differ from the journal";
    /// An audit record fails verification.
    AuditChainBroken = "audit_chain_broken", 500, "审计日志校验失败", "the audit log fails verification";
}

impl ErrorCode {
    /// Every code: the table's rows in order, then one per policy rule.
    pub fn all() -> Vec<ErrorCode> {
        PLAIN
            .iter()
            .copied()
            .chain(RULES.iter().map(|r| ErrorCode::Rule(r.id)))
            .collect()
    }

    /// The code whose `as_str()` is `text`.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        Self::all().into_iter().find(|c| c.as_str() == text)
    }

    /// The refusing rule, when a rule refused.
    pub fn rule(self) -> Option<RuleId> {
        match self {
            ErrorCode::Rule(rule) => Some(rule),
            _ => None,
        }
    }

    /// The code of a refusal by `rules` (the first one), or `rule_failed` when none is named.
    pub fn of_rules(rules: &[RuleId]) -> ErrorCode {
        rules
            .first()
            .map_or(ErrorCode::RuleFailed, |r| ErrorCode::Rule(*r))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Lets a test say `assert_eq!(error.code(), "funds_insufficient")`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn snake_case(text: &str) -> bool {
        !text.is_empty()
            && !text.starts_with('_')
            && !text.ends_with('_')
            && !text.contains("__")
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }

    #[test]
    fn every_code_is_distinct_with_a_status_and_both_messages() {
        let all = ErrorCode::all();
        let texts: BTreeSet<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(texts.len(), all.len(), "two codes share a text");
        for code in &all {
            match code.rule() {
                Some(rule) => assert_eq!(code.as_str(), rule.as_str()),
                None => assert!(snake_case(code.as_str()), "{code} is not snake_case"),
            }
            assert!(
                (400..600).contains(&code.status()),
                "{code}: {}",
                code.status()
            );
            assert!(!code.message_zh().trim().is_empty(), "{code}: no Chinese");
            assert!(!code.message_en().trim().is_empty(), "{code}: no English");
            assert!(
                code.message_zh().chars().any(|c| c > '\u{2e80}'),
                "{code}: the Chinese message has no Chinese"
            );
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(all.len(), PLAIN.len() + RULES.len());
    }

    #[test]
    fn a_rule_refusal_answers_its_rule_id_with_422() {
        let code = ErrorCode::Rule(RuleId::TransferPriceFloor);
        assert_eq!(code, "TRANSFER_PRICE_FLOOR");
        assert_eq!(code.status(), 422);
        assert!(
            code.message_zh().contains("流转价格"),
            "{}",
            code.message_zh()
        );
        assert_eq!(ErrorCode::of_rules(&[]), ErrorCode::RuleFailed);
        assert_eq!(
            serde_json::to_value(ErrorCode::FundsInsufficient).ok(),
            Some(serde_json::json!("funds_insufficient"))
        );
    }
}
