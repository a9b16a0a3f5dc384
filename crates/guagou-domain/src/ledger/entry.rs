//! Journal entries: what was asked (`Operation`), who asked and why (`Meta`), and what it did
//! (`legs`, lots created and consumed), chained by hash.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::account::Account;
use super::lot::Lot;
use crate::division::DivisionCode;

/// Land-use category of a land supply (二(五)): operational land must use surplus quota; which
/// categories are operational is the profile's (`operational_land.land_uses`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandUse {
    /// 商业
    Commercial,
    /// 旅游
    Tourism,
    /// 娱乐
    Entertainment,
    /// 商品住宅
    CommercialHousing,
    /// 工业
    Industrial,
    /// 公共管理与公共服务、基础设施
    Public,
    /// 其他
    Other,
}

/// What a ledger write asks for. Amounts are whole m²; prices 分 per 亩.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Operation {
    /// 预支: up to the profile share of the planned surplus; due within the profile's years of
    /// the entry's effective date.
    Advance { project: String, amount_m2: i64 },
    /// 验收核发: confirmed surplus = reclaimed − resettlement. A city-invested project's split
    /// (二(六)) applies to the whole confirmed surplus; open advances are settled from it, and
    /// count toward the county's part first (see `engine::IssueSplit`).
    Issue {
        project: String,
        confirmed_m2: i64,
        reclaimed_farmland_m2: i64,
        resettlement_farmland_m2: i64,
    },
    /// 归还预支: the project's county settles `amount_m2` of its open advance from quota it
    /// holds (the project's own advanced quota first, then confirmed quota); the lots are
    /// retired. How a shortfall found at acceptance is repaid before the advance's due date.
    Repay { project: String, amount_m2: i64 },
    /// 预留本地需求 (二(三)).
    Reserve {
        division: DivisionCode,
        amount_m2: i64,
        purpose: String,
    },
    /// Returns reserved quota to the holding account.
    Release {
        division: DivisionCode,
        amount_m2: i64,
    },
    /// 挂牌公告: moves quota into the listing's escrow.
    List {
        division: DivisionCode,
        listing: String,
        amount_m2: i64,
    },
    /// A listing expired or was cancelled: quota back to the seller.
    Withdraw { listing: String, amount_m2: i64 },
    /// 流转: settles an agreement; quota to the buyer, money recorded.
    Transfer {
        listing: String,
        buyer: DivisionCode,
        amount_m2: i64,
        price_fen_per_mu: i64,
        /// The date the price was agreed (the agreement's signing date): the price floor is
        /// the guide price in force then, not on settlement (二(三) "当年"). `None`: the
        /// entry's effective date. Omitted from the JSON when `None`, so entries written
        /// before this field existed keep their exact JSON and hashes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priced_on: Option<NaiveDate>,
    },
    /// 使用: retired against a construction zone or land supply.
    Use {
        division: DivisionCode,
        amount_m2: i64,
        zone: String,
        land_use: LandUse,
    },
    /// Annual land-use plan quota allocated to a county for a year.
    GrantAnnualPlan {
        county: DivisionCode,
        year: i32,
        amount_m2: i64,
    },
    /// 扣减年度计划指标 (sanction, 二(四)). With a project, the deduction settles that
    /// project's open advance (it is repaid from plan quota), so a later issue does not settle
    /// it again; what exceeds the open advance goes to the county's deducted account.
    Deduct {
        county: DivisionCode,
        year: i32,
        amount_m2: i64,
        project: Option<String>,
    },
    /// 冲正: a correcting entry that undoes `seq`; nothing is edited.
    Reverse { seq: u64 },
}

impl Operation {
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Advance { .. } => "advance",
            Operation::Issue { .. } => "issue",
            Operation::Repay { .. } => "repay",
            Operation::Reserve { .. } => "reserve",
            Operation::Release { .. } => "release",
            Operation::List { .. } => "list",
            Operation::Withdraw { .. } => "withdraw",
            Operation::Transfer { .. } => "transfer",
            Operation::Use { .. } => "use",
            Operation::GrantAnnualPlan { .. } => "grant_annual_plan",
            Operation::Deduct { .. } => "deduct",
            Operation::Reverse { .. } => "reverse",
        }
    }
}

/// Who, when and why: recorded with every entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Idempotency key: the same request twice posts once.
    pub key: String,
    pub actor: String,
    pub reason: String,
    /// The date the entry takes effect (Asia/Shanghai civil date).
    pub effective: NaiveDate,
    /// When it was recorded (RFC 3339, from the caller's clock).
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub account: Account,
    pub amount_m2: i64,
}

/// One journal entry. `hash` = SHA-256 over `prev_hash` and the canonical JSON of every other
/// field, so editing any past entry breaks every later hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub operation: Operation,
    pub meta: Meta,
    pub legs: Vec<Leg>,
    pub lots_created: Vec<Lot>,
    pub lots_consumed: Vec<u64>,
    /// Money moved by a transfer, 分.
    pub money_fen: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the empty journal.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    operation: &'a Operation,
    meta: &'a Meta,
    legs: &'a [Leg],
    lots_created: &'a [Lot],
    lots_consumed: &'a [u64],
    money_fen: Option<i64>,
    prev_hash: &'a str,
}

impl Entry {
    /// The hash this entry should have given its content.
    pub fn compute_hash(&self) -> String {
        let body = Hashed {
            seq: self.seq,
            operation: &self.operation,
            meta: &self.meta,
            legs: &self.legs,
            lots_created: &self.lots_created,
            lots_consumed: &self.lots_consumed,
            money_fen: self.money_fen,
            prev_hash: &self.prev_hash,
        };
        // serde_json writes struct fields in declaration order and maps are not used in the
        // hashed body, so the text is canonical.
        let text = serde_json::to_string(&body).unwrap_or_default();
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    pub fn sum_of_legs(&self) -> i128 {
        self.legs.iter().map(|l| i128::from(l.amount_m2)).sum()
    }
}
