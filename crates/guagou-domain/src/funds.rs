//! The funds ledger (资金台账): the money of the linkage policy in integer 分 — transfer
//! proceeds received by the selling county, city investment received for city-invested projects
//! (市级投资县级实施, 二(六): city budget, investment attraction, social capital), and money spent
//! on resettlement, reclamation, poverty relief and household compensation.
//!
//! Same shape and integrity as the quota ledger (`crate::ledger`), leaner: a double-entry,
//! append-only journal whose entries are hash-chained; `plan` turns a request and a `Snapshot`
//! of the balances it touches into the entry to append (or a refusal), and `verify_journal`
//! rebuilds every balance from the journal alone and names the first entry that breaks an
//! invariant. It is cash-based: it records money that moved, not money promised (what a buyer
//! still owes is the market agreement's schedule minus what it received).
//!
//! Account natures (the sign convention, documented in docs/funds.md):
//! - holding accounts never go below zero: a county's fund (`county`), a project's fund
//!   (`project`), and the spending sinks (`spent`), which only grow except by reversal;
//! - source accounts are negative by design and never go above zero: they record where money
//!   came from (`proceeds` of a county, `invest` of a project by funding source), as −(received).
//!
//! Nothing here reads a clock, a file or a database.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::division::DivisionCode;
use crate::error_code::ErrorCode;
pub use crate::ledger::Meta;
pub use crate::ledger::entry::GENESIS_HASH;

#[cfg(test)]
mod tests;

/// Where the city's money for a city-invested project comes from (二(六)); the same words as
/// the project's `funding_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// 市级财政预算
    CityBudget,
    /// 招商引资
    InvestmentAttraction,
    /// 社会资本（投资—建设—复垦）
    SocialCapital,
}

impl FundingSource {
    pub const ALL: [FundingSource; 3] = [
        FundingSource::CityBudget,
        FundingSource::InvestmentAttraction,
        FundingSource::SocialCapital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FundingSource::CityBudget => "city_budget",
            FundingSource::InvestmentAttraction => "investment_attraction",
            FundingSource::SocialCapital => "social_capital",
        }
    }

    pub fn parse(text: &str) -> Option<FundingSource> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// (Chinese, English) label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            FundingSource::CityBudget => ("市级财政预算", "city budget"),
            FundingSource::InvestmentAttraction => ("招商引资", "investment attraction"),
            FundingSource::SocialCapital => ("社会资本", "social capital"),
        }
    }
}

/// What money was spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendCategory {
    /// 农民集中安置
    Resettlement,
    /// 拆旧复垦
    Reclamation,
    /// 扶贫（脱贫攻坚）
    PovertyRelief,
    /// 农户拆迁补偿 (only through `Compensate`, which names the household)
    Compensation,
}

impl SpendCategory {
    pub const ALL: [SpendCategory; 4] = [
        SpendCategory::Resettlement,
        SpendCategory::Reclamation,
        SpendCategory::PovertyRelief,
        SpendCategory::Compensation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpendCategory::Resettlement => "resettlement",
            SpendCategory::Reclamation => "reclamation",
            SpendCategory::PovertyRelief => "poverty_relief",
            SpendCategory::Compensation => "compensation",
        }
    }

    pub fn parse(text: &str) -> Option<SpendCategory> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// (Chinese, English) label.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            SpendCategory::Resettlement => ("安置支出", "resettlement"),
            SpendCategory::Reclamation => ("复垦支出", "reclamation"),
            SpendCategory::PovertyRelief => ("扶贫支出", "poverty relief"),
            SpendCategory::Compensation => ("农户补偿", "household compensation"),
        }
    }
}

/// Which fund pays a spending: the county's fund or the project's fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaidFrom {
    County,
    Project,
}

impl PaidFrom {
    pub fn parse(text: &str) -> Option<PaidFrom> {
        match text {
            "county" => Some(PaidFrom::County),
            "project" => Some(PaidFrom::Project),
            _ => None,
        }
    }
}

/// A funds account. Every account belongs to one county (or the city, by its code), which is
/// what jurisdiction checks read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FundAccount {
    /// 增减挂钩资金专户 of a county: transfer proceeds and the money it pays from. Holding.
    County { county: DivisionCode },
    /// Money received for one project (city investment). Holding.
    Project {
        county: DivisionCode,
        project: String,
    },
    /// Where transfer proceeds come from: −(received). Source.
    TransferProceeds { county: DivisionCode },
    /// Where a project's city investment comes from, by funding source: −(received). Source.
    CityInvestment {
        county: DivisionCode,
        project: String,
        source: FundingSource,
    },
    /// Money spent, by category, per project where it applies. Holding (a sink).
    Spent {
        county: DivisionCode,
        category: SpendCategory,
        project: Option<String>,
    },
}

/// How an account's balance may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    /// Never below zero.
    Holding,
    /// Never above zero.
    Source,
}

impl Nature {
    pub fn as_str(self) -> &'static str {
        match self {
            Nature::Holding => "holding",
            Nature::Source => "source",
        }
    }

    /// Whether `balance` is allowed for an account of this nature.
    pub fn allows(self, balance: i64) -> bool {
        match self {
            Nature::Holding => balance >= 0,
            Nature::Source => balance <= 0,
        }
    }
}

impl FundAccount {
    pub fn nature(&self) -> Nature {
        match self {
            FundAccount::TransferProceeds { .. } | FundAccount::CityInvestment { .. } => {
                Nature::Source
            }
            _ => Nature::Holding,
        }
    }

    pub fn county(&self) -> &DivisionCode {
        match self {
            FundAccount::County { county }
            | FundAccount::Project { county, .. }
            | FundAccount::TransferProceeds { county }
            | FundAccount::CityInvestment { county, .. }
            | FundAccount::Spent { county, .. } => county,
        }
    }

    pub fn project(&self) -> Option<&str> {
        match self {
            FundAccount::Project { project, .. } | FundAccount::CityInvestment { project, .. } => {
                Some(project)
            }
            FundAccount::Spent { project, .. } => project.as_deref(),
            _ => None,
        }
    }

    /// A stable text key (the storage key, and the path segment of the account page).
    pub fn key(&self) -> String {
        match self {
            FundAccount::County { county } => format!("county:{county}"),
            FundAccount::Project { county, project } => format!("project:{county}:{project}"),
            FundAccount::TransferProceeds { county } => format!("proceeds:{county}"),
            FundAccount::CityInvestment {
                county,
                project,
                source,
            } => format!("invest:{}:{county}:{project}", source.as_str()),
            FundAccount::Spent {
                county,
                category,
                project: None,
            } => format!("spent:{}:{county}", category.as_str()),
            FundAccount::Spent {
                county,
                category,
                project: Some(project),
            } => format!("spent:{}:{county}:{project}", category.as_str()),
        }
    }

    /// Parses `key()` back; `None` for anything else.
    pub fn from_key(key: &str) -> Option<FundAccount> {
        let parts: Vec<&str> = key.split(':').collect();
        let code = |text: &str| DivisionCode::parse(text).ok();
        let project = |text: &str| valid_project(text).then(|| text.to_owned());
        Some(match parts.as_slice() {
            ["county", c] => FundAccount::County { county: code(c)? },
            ["project", c, p] => FundAccount::Project {
                county: code(c)?,
                project: project(p)?,
            },
            ["proceeds", c] => FundAccount::TransferProceeds { county: code(c)? },
            ["invest", s, c, p] => FundAccount::CityInvestment {
                county: code(c)?,
                project: project(p)?,
                source: FundingSource::parse(s)?,
            },
            ["spent", k, c] => FundAccount::Spent {
                county: code(c)?,
                category: SpendCategory::parse(k)?,
                project: None,
            },
            ["spent", k, c, p] => FundAccount::Spent {
                county: code(c)?,
                category: SpendCategory::parse(k)?,
                project: Some(project(p)?),
            },
            _ => return None,
        })
    }

    /// (Chinese, English) description of the account's kind.
    pub fn label(&self) -> (String, String) {
        match self {
            FundAccount::County { .. } => ("县级挂钩资金专户".into(), "county fund".into()),
            FundAccount::Project { .. } => ("项目资金".into(), "project fund".into()),
            FundAccount::TransferProceeds { .. } => (
                "指标流转收益（来源）".into(),
                "transfer proceeds (source)".into(),
            ),
            FundAccount::CityInvestment { source, .. } => {
                let (zh, en) = source.label();
                (
                    format!("市级投资：{zh}（来源）"),
                    format!("city investment: {en} (source)"),
                )
            }
            FundAccount::Spent { category, .. } => {
                let (zh, en) = category.label();
                (zh.to_owned(), format!("spent: {en}"))
            }
        }
    }
}

impl fmt::Display for FundAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// A project code usable inside an account key.
fn valid_project(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What a funds write asks for. Amounts are 分, positive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FundsOperation {
    /// 流转收益到账: a payment received against a market agreement, credited to the selling
    /// county's fund.
    Proceeds {
        county: DivisionCode,
        agreement: String,
        instalment: i64,
        amount_fen: i64,
    },
    /// 市级投资到位: city investment received for a city-invested project.
    Invest {
        county: DivisionCode,
        project: String,
        source: FundingSource,
        amount_fen: i64,
    },
    /// 支出: money paid out for resettlement, reclamation or poverty relief.
    Spend {
        county: DivisionCode,
        project: Option<String>,
        category: SpendCategory,
        paid_from: PaidFrom,
        payee: String,
        voucher: String,
        amount_fen: i64,
    },
    /// 农户补偿: compensation paid to a household of a project (id or masked name only).
    Compensate {
        county: DivisionCode,
        project: String,
        household: String,
        paid_from: PaidFrom,
        voucher: String,
        amount_fen: i64,
    },
    /// 冲正: undoes entry `seq` (its legs negated); nothing is edited.
    Reverse { seq: u64 },
}

impl FundsOperation {
    pub fn kind(&self) -> &'static str {
        match self {
            FundsOperation::Proceeds { .. } => "proceeds",
            FundsOperation::Invest { .. } => "invest",
            FundsOperation::Spend { .. } => "spend",
            FundsOperation::Compensate { .. } => "compensate",
            FundsOperation::Reverse { .. } => "reverse",
        }
    }

    /// The county the operation is for (`None` for a reversal: the target's).
    pub fn county(&self) -> Option<&DivisionCode> {
        match self {
            FundsOperation::Proceeds { county, .. }
            | FundsOperation::Invest { county, .. }
            | FundsOperation::Spend { county, .. }
            | FundsOperation::Compensate { county, .. } => Some(county),
            FundsOperation::Reverse { .. } => None,
        }
    }

    pub fn project(&self) -> Option<&str> {
        match self {
            FundsOperation::Invest { project, .. } | FundsOperation::Compensate { project, .. } => {
                Some(project)
            }
            FundsOperation::Spend { project, .. } => project.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsLeg {
    pub account: FundAccount,
    pub amount_fen: i64,
}

/// One journal entry. `hash` = SHA-256 over the JSON of every other field including
/// `prev_hash` (struct fields in declaration order, no maps: the text is canonical), so editing
/// any past entry breaks its hash and every later link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsEntry {
    pub seq: u64,
    pub operation: FundsOperation,
    pub meta: Meta,
    pub legs: Vec<FundsLeg>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize)]
struct Hashed<'a> {
    domain: &'static str,
    seq: u64,
    operation: &'a FundsOperation,
    meta: &'a Meta,
    legs: &'a [FundsLeg],
    prev_hash: &'a str,
}

impl FundsEntry {
    /// The hash this entry should have given its content.
    pub fn compute_hash(&self) -> String {
        let body = Hashed {
            // Keeps a funds entry's hash distinct from a quota entry with the same text.
            domain: "guagou.funds/1",
            seq: self.seq,
            operation: &self.operation,
            meta: &self.meta,
            legs: &self.legs,
            prev_hash: &self.prev_hash,
        };
        let text = serde_json::to_string(&body).unwrap_or_default();
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    pub fn sum_of_legs(&self) -> i128 {
        self.legs.iter().map(|l| i128::from(l.amount_fen)).sum()
    }

    /// The county of the entry: its operation's, or (a reversal) that of its first leg.
    pub fn county(&self) -> Option<&DivisionCode> {
        self.operation
            .county()
            .or_else(|| self.legs.first().map(|l| l.account.county()))
    }

    /// Total money moved (the positive side), 分.
    pub fn amount_fen(&self) -> i64 {
        self.legs
            .iter()
            .filter(|l| l.amount_fen > 0)
            .map(|l| l.amount_fen)
            .sum()
    }
}

/// Why a funds request is refused. Each has a stable code (`code()`); there is no SPEC rule ID
/// for money, so these codes are what clients match on. Displayed as "中文 / English" for logs;
/// users get `message_zh()` and `message_en()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundsError {
    NonPositiveAmount(i64),
    Insufficient {
        account: String,
        balance: i64,
        needed: i64,
    },
    Invalid {
        field: &'static str,
        zh: String,
        en: String,
    },
    NotReversible(u64, String),
    IdempotencyConflict(String),
    Overflow,
}

impl fmt::Display for FundsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let FundsError::Invalid { field, .. } = self {
            write!(f, "{field}: ")?;
        }
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}

impl FundsError {
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FundsError::Invalid {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The row of the error table.
    pub fn code(&self) -> ErrorCode {
        match self {
            FundsError::NonPositiveAmount(_) => ErrorCode::FundsNonPositiveAmount,
            FundsError::Insufficient { .. } => ErrorCode::FundsInsufficient,
            FundsError::Invalid { .. } => ErrorCode::Invalid,
            FundsError::NotReversible(..) => ErrorCode::FundsNotReversible,
            FundsError::IdempotencyConflict(_) => ErrorCode::FundsIdempotencyConflict,
            FundsError::Overflow => ErrorCode::FundsOverflow,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            FundsError::NonPositiveAmount(amount) => format!("金额必须为正整数分：{amount}"),
            FundsError::Insufficient {
                account,
                balance,
                needed,
            } => format!("{account} 可用资金 {balance} 分不足支付 {needed} 分"),
            FundsError::Invalid { zh, .. } => zh.clone(),
            FundsError::NotReversible(seq, why) => format!("条目 {seq} 无法冲正：{why}"),
            FundsError::IdempotencyConflict(key) => format!("幂等键 {key} 已用于不同的请求"),
            FundsError::Overflow => "数值溢出".to_owned(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            FundsError::NonPositiveAmount(amount) => {
                format!("the amount must be a positive whole number of 分: {amount}")
            }
            FundsError::Insufficient {
                account,
                balance,
                needed,
            } => format!("{account} holds {balance} 分, less than the {needed} 分 to pay"),
            FundsError::Invalid { en, .. } => en.clone(),
            FundsError::NotReversible(seq, why) => format!("entry {seq} cannot be reversed: {why}"),
            FundsError::IdempotencyConflict(key) => {
                format!("idempotency key {key} was used for a different request")
            }
            FundsError::Overflow => "arithmetic overflow".to_owned(),
        }
    }

    /// The Chinese and the English message.
    pub fn messages(&self) -> (String, String) {
        (self.message_zh(), self.message_en())
    }

    /// The input field at fault, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            FundsError::NonPositiveAmount(_) | FundsError::Insufficient { .. } => {
                Some("amount_fen")
            }
            FundsError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A reversal's target as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReversalTarget {
    pub entry: FundsEntry,
    pub already_reversed: bool,
}

/// Exactly the state a request touches: the journal head, the balances of the accounts its
/// legs move (missing = 0), and the target of a reversal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub head_seq: u64,
    pub head_hash: String,
    pub balances: BTreeMap<FundAccount, i64>,
    pub reversal: Option<ReversalTarget>,
}

fn positive(amount: i64) -> Result<(), FundsError> {
    if amount > 0 {
        Ok(())
    } else {
        Err(FundsError::NonPositiveAmount(amount))
    }
}

fn text_field(field: &'static str, text: &str, max: usize) -> Result<(), FundsError> {
    let len = text.trim().chars().count();
    if len == 0 || len > max || text.trim() != text {
        return Err(FundsError::invalid(
            field,
            format!("{field} 不能为空、不能超过 {max} 个字符、不能首尾留空"),
            format!("{field} must be 1–{max} characters without surrounding spaces"),
        ));
    }
    Ok(())
}

fn project_field(project: &str) -> Result<(), FundsError> {
    if valid_project(project) {
        Ok(())
    } else {
        Err(FundsError::invalid(
            "project",
            format!("项目编号 {project} 无效"),
            format!("invalid project code {project}"),
        ))
    }
}

/// The fund that pays: the county's, or the project's (which then must be named).
fn payer(
    county: &DivisionCode,
    project: Option<&str>,
    paid_from: PaidFrom,
) -> Result<FundAccount, FundsError> {
    match (paid_from, project) {
        (PaidFrom::County, _) => Ok(FundAccount::County {
            county: county.clone(),
        }),
        (PaidFrom::Project, Some(p)) => Ok(FundAccount::Project {
            county: county.clone(),
            project: p.to_owned(),
        }),
        (PaidFrom::Project, None) => Err(FundsError::invalid(
            "paid_from",
            "由项目资金支付时必须指明项目",
            "paying from a project fund needs the project",
        )),
    }
}

fn pair(credit: FundAccount, debit: FundAccount, amount: i64) -> Vec<FundsLeg> {
    vec![
        FundsLeg {
            account: credit,
            amount_fen: amount,
        },
        FundsLeg {
            account: debit,
            amount_fen: -amount,
        },
    ]
}

/// The legs an operation posts (validating its input). A reversal needs its target entry.
/// The verifier calls this too, so a stored entry whose legs differ from its operation is
/// caught.
pub fn legs(
    operation: &FundsOperation,
    target: Option<&FundsEntry>,
) -> Result<Vec<FundsLeg>, FundsError> {
    match operation {
        FundsOperation::Proceeds {
            county,
            agreement,
            instalment,
            amount_fen,
        } => {
            positive(*amount_fen)?;
            text_field("agreement", agreement, 64)?;
            if *instalment < 1 {
                return Err(FundsError::invalid(
                    "instalment",
                    "期次应从 1 起",
                    "instalments count from 1",
                ));
            }
            Ok(pair(
                FundAccount::County {
                    county: county.clone(),
                },
                FundAccount::TransferProceeds {
                    county: county.clone(),
                },
                *amount_fen,
            ))
        }
        FundsOperation::Invest {
            county,
            project,
            source,
            amount_fen,
        } => {
            positive(*amount_fen)?;
            project_field(project)?;
            Ok(pair(
                FundAccount::Project {
                    county: county.clone(),
                    project: project.clone(),
                },
                FundAccount::CityInvestment {
                    county: county.clone(),
                    project: project.clone(),
                    source: *source,
                },
                *amount_fen,
            ))
        }
        FundsOperation::Spend {
            county,
            project,
            category,
            paid_from,
            payee,
            voucher,
            amount_fen,
        } => {
            positive(*amount_fen)?;
            if *category == SpendCategory::Compensation {
                return Err(FundsError::invalid(
                    "category",
                    "农户补偿请用补偿登记（需指明农户）",
                    "record household compensation with its own form (it names the household)",
                ));
            }
            if let Some(p) = project {
                project_field(p)?;
            }
            text_field("payee", payee, 200)?;
            text_field("voucher", voucher, 64)?;
            let from = payer(county, project.as_deref(), *paid_from)?;
            Ok(pair(
                FundAccount::Spent {
                    county: county.clone(),
                    category: *category,
                    project: project.clone(),
                },
                from,
                *amount_fen,
            ))
        }
        FundsOperation::Compensate {
            county,
            project,
            household,
            paid_from,
            voucher,
            amount_fen,
        } => {
            positive(*amount_fen)?;
            project_field(project)?;
            if household_label(household).as_deref() != Ok(household.as_str()) {
                return Err(FundsError::invalid(
                    "household",
                    "农户应为农户编号或脱敏姓名（如 张**）",
                    "the household must be a household id or a masked name (e.g. 张**)",
                ));
            }
            text_field("voucher", voucher, 64)?;
            let from = payer(county, Some(project), *paid_from)?;
            Ok(pair(
                FundAccount::Spent {
                    county: county.clone(),
                    category: SpendCategory::Compensation,
                    project: Some(project.clone()),
                },
                from,
                *amount_fen,
            ))
        }
        FundsOperation::Reverse { seq } => {
            let target = target.ok_or_else(|| {
                FundsError::NotReversible(*seq, "条目不存在 / no such entry".into())
            })?;
            if target.seq != *seq {
                return Err(FundsError::NotReversible(
                    *seq,
                    "冲正目标不符 / wrong target".into(),
                ));
            }
            match target.operation {
                FundsOperation::Reverse { .. } => Err(FundsError::NotReversible(
                    *seq,
                    "冲正条目不能再冲正 / a reversal is not reversed".into(),
                )),
                FundsOperation::Proceeds { .. } => Err(FundsError::NotReversible(
                    *seq,
                    "流转收益随市场到账记录，不单独冲正 / proceeds follow the market's payments"
                        .into(),
                )),
                _ => target
                    .legs
                    .iter()
                    .map(|l| {
                        Ok(FundsLeg {
                            account: l.account.clone(),
                            amount_fen: l.amount_fen.checked_neg().ok_or(FundsError::Overflow)?,
                        })
                    })
                    .collect(),
            }
        }
    }
}

/// A household as the funds ledger may show it: a household id (ASCII letters, digits, `-`,
/// `_`) is kept; a name is masked to its first character (张三丰 → 张**); text already holding
/// `*` is taken as masked. Money records are read by many offices: no full names in them.
pub fn household_label(text: &str) -> Result<String, FundsError> {
    let text = text.trim();
    let count = text.chars().count();
    if count == 0 || count > 64 {
        return Err(FundsError::invalid(
            "household",
            "农户不能为空，且不超过 64 个字符",
            "the household must be 1–64 characters",
        ));
    }
    let is_id = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if is_id || text.contains('*') {
        return Ok(text.to_owned());
    }
    let mut chars = text.chars();
    let first = chars.next().unwrap_or('*');
    Ok(std::iter::once(first)
        .chain(chars.map(|_| '*'))
        .collect::<String>())
}

/// Plans the entry for `operation`: checks the input, that every holding account stays at or
/// above zero (`funds_insufficient`), and that a reversal's target exists and was not reversed.
pub fn plan(
    operation: &FundsOperation,
    meta: &Meta,
    snapshot: &Snapshot,
) -> Result<FundsEntry, FundsError> {
    text_field("key", &meta.key, 200)?;
    let target = snapshot.reversal.as_ref();
    if let (FundsOperation::Reverse { seq }, Some(t)) = (operation, target)
        && t.already_reversed
    {
        return Err(FundsError::NotReversible(
            *seq,
            "已冲正 / already reversed".into(),
        ));
    }
    let legs = legs(operation, target.map(|t| &t.entry))?;
    let mut after: BTreeMap<&FundAccount, i64> = BTreeMap::new();
    for leg in &legs {
        let balance = match after.get(&leg.account) {
            Some(b) => *b,
            None => snapshot.balances.get(&leg.account).copied().unwrap_or(0),
        };
        let next = balance
            .checked_add(leg.amount_fen)
            .ok_or(FundsError::Overflow)?;
        after.insert(&leg.account, next);
    }
    for (account, balance) in &after {
        if !account.nature().allows(*balance) {
            let before = snapshot.balances.get(*account).copied().unwrap_or(0);
            return Err(FundsError::Insufficient {
                account: account.key(),
                balance: before,
                needed: before.saturating_sub(*balance).saturating_abs(),
            });
        }
    }
    let mut entry = FundsEntry {
        seq: snapshot.head_seq + 1,
        operation: operation.clone(),
        meta: meta.clone(),
        legs,
        prev_hash: snapshot.head_hash.clone(),
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    Ok(entry)
}

/// The first problem found by `verify_journal`, with the entry's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "资金台账条目 {seq} 校验失败：{problem_zh} / funds entry {seq} fails verification: {problem_en}"
)]
pub struct FundsVerifyError {
    pub seq: u64,
    pub problem_zh: String,
    pub problem_en: String,
}

/// What a clean journal adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsReport {
    pub entries: u64,
    pub head_hash: String,
    /// Account key → balance in 分, rebuilt from the journal alone.
    pub balances: BTreeMap<String, i64>,
}

fn broken(seq: u64, zh: impl Into<String>, en: impl Into<String>) -> FundsVerifyError {
    FundsVerifyError {
        seq,
        problem_zh: zh.into(),
        problem_en: en.into(),
    }
}

/// Verifies a whole journal in order: consecutive sequence numbers, the hash chain, each
/// entry's hash, legs that balance and are exactly what its operation posts, and every account
/// within its bounds after every entry. Shares no code with `plan` beyond `legs` and the types.
pub fn verify_journal(
    entries: impl IntoIterator<Item = FundsEntry>,
) -> Result<FundsReport, FundsVerifyError> {
    let mut balances: BTreeMap<FundAccount, i64> = BTreeMap::new();
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    // Entries kept for reversals, and which were reversed.
    let mut seen: BTreeMap<u64, FundsEntry> = BTreeMap::new();
    let mut reversed: std::collections::BTreeSet<u64> = Default::default();
    for entry in entries {
        let seq = entry.seq;
        count += 1;
        if seq != count {
            return Err(broken(
                seq,
                format!("序号应为 {count}（条目缺失或重复）"),
                format!("sequence number should be {count} (entry missing or repeated)"),
            ));
        }
        if entry.prev_hash != prev_hash {
            return Err(broken(
                seq,
                "前一条目哈希不符（历史被改动）",
                "previous-hash link broken (history was altered)",
            ));
        }
        if entry.compute_hash() != entry.hash {
            return Err(broken(
                seq,
                "条目内容与哈希不符（条目被改动）",
                "content does not match its hash (entry was altered)",
            ));
        }
        if entry.sum_of_legs() != 0 {
            return Err(broken(
                seq,
                format!("借贷不平：合计 {} 分", entry.sum_of_legs()),
                format!("legs do not balance: sum {} 分", entry.sum_of_legs()),
            ));
        }
        let target = match &entry.operation {
            FundsOperation::Reverse { seq: t } => {
                if *t >= seq || !reversed.insert(*t) {
                    return Err(broken(
                        seq,
                        "冲正指向后续条目或重复冲正",
                        "reversal points forward or reverses twice",
                    ));
                }
                seen.get(t)
            }
            _ => None,
        };
        match legs(&entry.operation, target) {
            Ok(expected) if expected == entry.legs => {}
            _ => {
                return Err(broken(
                    seq,
                    "分录与业务不符",
                    "legs differ from what the operation posts",
                ));
            }
        }
        for leg in &entry.legs {
            let balance = balances.entry(leg.account.clone()).or_insert(0);
            *balance = balance
                .checked_add(leg.amount_fen)
                .ok_or_else(|| broken(seq, "数值溢出", "arithmetic overflow"))?;
        }
        for leg in &entry.legs {
            let balance = balances.get(&leg.account).copied().unwrap_or(0);
            if !leg.account.nature().allows(balance) {
                return Err(broken(
                    seq,
                    format!("{} 余额越界：{balance} 分", leg.account),
                    format!("balance of {} out of bounds: {balance} 分", leg.account),
                ));
            }
        }
        prev_hash = entry.hash.clone();
        seen.insert(seq, entry);
    }
    Ok(FundsReport {
        entries: count,
        head_hash: prev_hash,
        balances: balances.iter().map(|(a, b)| (a.key(), *b)).collect(),
    })
}

/// Parses an amount in 元 with at most two decimals ("1234", "1234.5", "1234.56") into 分,
/// exactly (no float). `None` for anything else.
pub fn parse_yuan(text: &str) -> Option<i64> {
    crate::units::parse_money_fen(text)
}

/// An in-memory funds ledger (tests and the property test): the same `plan` as storage.
#[derive(Debug, Clone, Default)]
pub struct MemoryFunds {
    pub entries: Vec<FundsEntry>,
    pub balances: BTreeMap<FundAccount, i64>,
    keys: BTreeMap<String, usize>,
    reversed: std::collections::BTreeSet<u64>,
}

impl MemoryFunds {
    /// Posts like storage does: an idempotency key seen before returns its entry (or a
    /// conflict), a refusal changes nothing.
    pub fn post(
        &mut self,
        operation: &FundsOperation,
        meta: &Meta,
    ) -> Result<FundsEntry, FundsError> {
        if let Some(&idx) = self.keys.get(&meta.key) {
            let existing = &self.entries[idx];
            return if existing.operation == *operation {
                Ok(existing.clone())
            } else {
                Err(FundsError::IdempotencyConflict(meta.key.clone()))
            };
        }
        let reversal = match operation {
            FundsOperation::Reverse { seq } => usize::try_from(*seq)
                .ok()
                .and_then(|s| s.checked_sub(1))
                .and_then(|i| self.entries.get(i))
                .map(|e| ReversalTarget {
                    entry: e.clone(),
                    already_reversed: self.reversed.contains(seq),
                }),
            _ => None,
        };
        let target = reversal.as_ref().map(|t| &t.entry);
        let touched = legs(operation, target)?;
        let snapshot = Snapshot {
            head_seq: self.entries.len() as u64,
            head_hash: self
                .entries
                .last()
                .map(|e| e.hash.clone())
                .unwrap_or_else(|| GENESIS_HASH.to_owned()),
            balances: touched
                .iter()
                .map(|l| {
                    let b = self.balances.get(&l.account).copied().unwrap_or(0);
                    (l.account.clone(), b)
                })
                .collect(),
            reversal,
        };
        let entry = plan(operation, meta, &snapshot)?;
        for leg in &entry.legs {
            *self.balances.entry(leg.account.clone()).or_insert(0) += leg.amount_fen;
        }
        if let FundsOperation::Reverse { seq } = operation {
            self.reversed.insert(*seq);
        }
        self.keys.insert(meta.key.clone(), self.entries.len());
        self.entries.push(entry.clone());
        Ok(entry)
    }
}

/// City investment may be recorded only for a city-invested project (二(六)), and only from the
/// funding source the project recorded.
pub fn check_investment(
    project: &str,
    city_invested: bool,
    recorded_source: Option<&str>,
    source: FundingSource,
) -> Result<(), FundsError> {
    if !city_invested {
        return Err(FundsError::invalid(
            "project",
            format!("项目 {project} 不是市级投资项目"),
            format!("project {project} is not city-invested"),
        ));
    }
    if recorded_source != Some(source.as_str()) {
        let recorded = recorded_source.unwrap_or("-");
        return Err(FundsError::invalid(
            "source",
            format!("资金来源应为项目登记的 {recorded}"),
            format!("the source must be the project's recorded {recorded}"),
        ));
    }
    Ok(())
}

/// The county money is spent for: the project's when a project is named (and the given county,
/// if any, must agree), else the given county.
pub fn spending_county(
    given: Option<DivisionCode>,
    of_project: Option<DivisionCode>,
) -> Result<DivisionCode, FundsError> {
    match (given, of_project) {
        (Some(g), Some(p)) if g != p => Err(FundsError::invalid(
            "county",
            format!("项目属于 {p}，不属于 {g}"),
            format!("the project belongs to {p}, not {g}"),
        )),
        (_, Some(p)) => Ok(p),
        (Some(g), None) => Ok(g),
        (None, None) => Err(FundsError::invalid(
            "county",
            "未指明项目时须指明县",
            "name the county when no project is named",
        )),
    }
}

/// A reversal needs a reason.
pub fn check_reversal_reason(reason: &str) -> Result<(), FundsError> {
    if reason.trim().is_empty() {
        return Err(FundsError::invalid(
            "reason",
            "冲正须说明理由",
            "a reversal needs a reason",
        ));
    }
    Ok(())
}
