//! The transfer market (SPEC §8 "Market", policy 二(三)): listings (公告), offers, agreements
//! (协议) with their payment schedules, and settlement.
//!
//! Pure logic only: state transitions, the price floor (TRANSFER_PRICE_FLOOR against the
//! profile's dated guide price), who may buy, and the sums of a payment schedule. No SQL, no
//! HTTP, no clock: every function takes the dates it needs. The registry stores the records and
//! posts the quota movements (List, Withdraw, Transfer) to the ledger.
//!
//! Lifecycles:
//! - listing: `open` → (agreement signed) `agreed` → `settled`; `open` → `expired` (a scan past
//!   its close date) or `withdrawn` (by the seller); a cancelled agreement puts it back to `open`.
//! - offer: `open` → `accepted` (its agreement was signed) | `declined` (another offer was).
//! - agreement: `signed` → `settled` | `cancelled` (with a recorded reason).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::check::{Quantity, RuleResult, Subject, SubjectKind, verdict};
use crate::division::{DivisionCode, DivisionLevel};
use crate::ledger::engine::transfer_money_fen;
use crate::lifecycle::LifecycleError;
use crate::profile::Profile;
use crate::rules::RuleId;
use crate::units::Fen;

/// Why a market step is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    /// The record's state does not allow the step (a conflict, not bad input).
    #[error("{0}")]
    State(#[from] LifecycleError),
    #[error("{field}: {zh} / {en}")]
    Invalid {
        field: &'static str,
        zh: String,
        en: String,
    },
    /// A policy rule refused (TRANSFER_PRICE_FLOOR).
    #[error("{}: {} / {}", .0.rule, .0.message_zh, .0.message_en)]
    Rule(Box<RuleResult>),
    /// The records disagree with what the step needs (a conflict with their state, e.g. an
    /// escrow that holds less than the agreement), with a stable code.
    #[error("{zh} / {en}")]
    Conflict {
        code: crate::ErrorCode,
        zh: String,
        en: String,
    },
}

impl MarketError {
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        MarketError::Invalid {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

macro_rules! states {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal, $zh:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The stored name (`open`, …).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            /// Parses `as_str()` back.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

states!(
    /// The state of a listing (公告).
    ListingState {
        Open => "open", "挂牌中",
        Agreed => "agreed", "已签协议",
        Settled => "settled", "已结算",
        Expired => "expired", "已到期",
        Withdrawn => "withdrawn", "已撤牌",
    }
);

states!(
    /// The state of an offer (意向受让).
    OfferState {
        Open => "open", "待选",
        Accepted => "accepted", "已接受",
        Declined => "declined", "未被接受",
    }
);

states!(
    /// The state of an agreement (流转协议).
    AgreementState {
        Signed => "signed", "已签订",
        Settled => "settled", "已结算",
        Cancelled => "cancelled", "已解除",
    }
);

/// What happens to a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingEvent {
    /// An offer was accepted and the agreement signed.
    Sign,
    /// The agreement was cancelled before settlement.
    CancelAgreement,
    /// The agreement was settled (quota transferred).
    Settle,
    /// Past its close date with no agreement (a scan).
    Expire,
    /// The seller took it back.
    Withdraw,
}

impl ListingEvent {
    fn name(self) -> &'static str {
        match self {
            ListingEvent::Sign => "sign",
            ListingEvent::CancelAgreement => "cancel_agreement",
            ListingEvent::Settle => "settle",
            ListingEvent::Expire => "expire",
            ListingEvent::Withdraw => "withdraw",
        }
    }
}

fn not_allowed(state: impl fmt::Display, action: &str) -> MarketError {
    MarketError::State(LifecycleError::NotAllowed {
        state: state.to_string(),
        action: action.to_owned(),
    })
}

/// The listing's next state, or why the event is not allowed.
pub fn listing_next(state: ListingState, event: ListingEvent) -> Result<ListingState, MarketError> {
    use ListingEvent as E;
    use ListingState as S;
    match (state, event) {
        (S::Open, E::Sign) => Ok(S::Agreed),
        (S::Agreed, E::CancelAgreement) => Ok(S::Open),
        (S::Agreed, E::Settle) => Ok(S::Settled),
        (S::Open, E::Expire) => Ok(S::Expired),
        (S::Open, E::Withdraw) => Ok(S::Withdrawn),
        _ => Err(not_allowed(state, event.name())),
    }
}

/// The agreement's next state: `settle` or `cancel` from `signed` only.
pub fn agreement_next(state: AgreementState, settle: bool) -> Result<AgreementState, MarketError> {
    match (state, settle) {
        (AgreementState::Signed, true) => Ok(AgreementState::Settled),
        (AgreementState::Signed, false) => Ok(AgreementState::Cancelled),
        _ => Err(not_allowed(state, if settle { "settle" } else { "cancel" })),
    }
}

/// Whether a listing is due to expire on `as_of`: still open (no agreement) and `as_of` is
/// after its close date (the close date itself is the last day of the period).
pub fn is_expired(state: ListingState, closes_on: NaiveDate, as_of: NaiveDate) -> bool {
    state == ListingState::Open && as_of > closes_on
}

/// A price in 分 per 亩 as text, `300000.00 元/亩`.
pub fn price_text(fen_per_mu: i64) -> String {
    format!("{} 元/亩", Fen(fen_per_mu).yuan_text())
}

/// What a price floor check is about: the rule's message names an agreement's price (协议价格);
/// a listing's reserve price (挂牌底价) is named as such, under the same rule and clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priced {
    Agreement,
    Reserve,
}

impl Priced {
    /// The rule's message (written for agreements) reworded for what is priced.
    fn reword(self, result: &mut RuleResult) {
        if self == Priced::Reserve {
            result.message_zh = result.message_zh.replacen("协议价格", "挂牌底价", 1);
            result.message_en = result
                .message_en
                .replacen("agreement price", "reserve price", 1);
        }
    }
}

/// TRANSFER_PRICE_FLOOR (二(三)): `price_fen_per_mu` ≥ the provincial guide price in force on
/// `date` (the year of the listing or agreement). Returns the result (passed or not); a date
/// with no guide price in force is refused, since the floor cannot be shown to hold.
pub fn price_floor(
    profile: &Profile,
    date: NaiveDate,
    price_fen_per_mu: i64,
    subject: &str,
    priced: Priced,
) -> Result<RuleResult, MarketError> {
    let rule = RuleId::TransferPriceFloor;
    let guide = profile
        .guide_price_for(date)
        .map_err(|missing| MarketError::Conflict {
            code: missing.code(),
            zh: missing.message_zh(),
            en: missing.message_en(),
        })?;
    let floor = guide.fen_per_mu().map(|f| f.0).unwrap_or(i64::MAX);
    let passed = price_fen_per_mu >= floor;
    let subjects = if passed {
        Vec::new()
    } else {
        vec![Subject::new(SubjectKind::Division, subject)]
    };
    let mut result = verdict(
        rule,
        &guide.clause,
        passed,
        Quantity::Text(price_text(price_fen_per_mu)),
        Quantity::Text(price_text(floor)),
        subjects,
    );
    priced.reword(&mut result);
    // Name the clause and the guide price's source in the message itself (the web shows it).
    result.message_zh = format!(
        "{}（{}；{}）",
        result.message_zh, guide.clause, guide.source
    );
    result.message_en = format!("{} ({}; {})", result.message_en, guide.clause, guide.source);
    Ok(result)
}

/// Refuses unless the price is at least the guide price in force on `date`.
pub fn require_price_floor(
    profile: &Profile,
    date: NaiveDate,
    price_fen_per_mu: i64,
    subject: &str,
    priced: Priced,
) -> Result<RuleResult, MarketError> {
    let result = price_floor(profile, date, price_fen_per_mu, subject, priced)?;
    if result.blocks() {
        Err(MarketError::Rule(Box::new(result)))
    } else {
        Ok(result)
    }
}

/// A listing's period: opens on or before it closes.
pub fn check_period(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<(), MarketError> {
    if opens_on > closes_on {
        return Err(MarketError::invalid(
            "closes_on",
            format!("公告期截止日 {closes_on} 早于开始日 {opens_on}"),
            format!("the period closes ({closes_on}) before it opens ({opens_on})"),
        ));
    }
    Ok(())
}

/// A positive whole number of m².
pub fn check_amount(field: &'static str, amount_m2: i64) -> Result<(), MarketError> {
    if amount_m2 > 0 {
        Ok(())
    } else {
        Err(MarketError::invalid(
            field,
            format!("面积须为正整数平方米：{amount_m2}"),
            format!("the amount must be a positive whole number of m²: {amount_m2}"),
        ))
    }
}

/// Buyers are the county or city governments of the province (SPEC §8), never the seller.
pub fn check_buyer(
    region: &DivisionCode,
    seller: &DivisionCode,
    buyer: &DivisionCode,
) -> Result<(), MarketError> {
    let level_ok = matches!(buyer.level(), DivisionLevel::County | DivisionLevel::City);
    if !level_ok || !region.contains(buyer) {
        return Err(MarketError::invalid(
            "buyer",
            format!("受让方 {buyer} 不是本省（{region}）的市、县人民政府"),
            format!("buyer {buyer} is not a city or county government of the province {region}"),
        ));
    }
    if buyer == seller {
        return Err(MarketError::invalid(
            "buyer",
            "转让方不能受让自己的公告",
            "the seller cannot buy its own listing",
        ));
    }
    Ok(())
}

/// An offer against an open listing: within the period, at most the amount listed, at least
/// the reserve price.
pub fn check_offer(
    listing_amount_m2: i64,
    reserve_fen_per_mu: i64,
    period: (NaiveDate, NaiveDate),
    amount_m2: i64,
    price_fen_per_mu: i64,
    offered_on: NaiveDate,
) -> Result<(), MarketError> {
    check_amount("amount_m2", amount_m2)?;
    if amount_m2 > listing_amount_m2 {
        return Err(MarketError::invalid(
            "amount_m2",
            format!("意向面积 {amount_m2} m² 超过挂牌面积 {listing_amount_m2} m²"),
            format!("the offer of {amount_m2} m² exceeds the {listing_amount_m2} m² listed"),
        ));
    }
    if offered_on < period.0 || offered_on > period.1 {
        return Err(MarketError::invalid(
            "offered_on",
            format!(
                "报价日 {offered_on} 不在公告期 {} 至 {} 内",
                period.0, period.1
            ),
            format!(
                "the offer date {offered_on} is outside the period {} to {}",
                period.0, period.1
            ),
        ));
    }
    if price_fen_per_mu < reserve_fen_per_mu {
        return Err(MarketError::invalid(
            "price_fen_per_mu",
            format!(
                "报价 {} 低于挂牌底价 {}",
                price_text(price_fen_per_mu),
                price_text(reserve_fen_per_mu)
            ),
            format!(
                "the offer {} is below the reserve price {}",
                price_text(price_fen_per_mu),
                price_text(reserve_fen_per_mu)
            ),
        ));
    }
    Ok(())
}

/// One instalment of an agreement's payment schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1, 2, … in date order.
    pub number: u32,
    pub due_on: NaiveDate,
    pub amount_fen: i64,
}

/// The price of an agreement: amount × price per 亩, in whole 分 (the ledger's rounding).
pub fn agreement_total_fen(amount_m2: i64, price_fen_per_mu: i64) -> Result<i64, MarketError> {
    transfer_money_fen(amount_m2, price_fen_per_mu)
        .ok_or_else(|| MarketError::invalid("price_fen_per_mu", "金额溢出", "the total overflows"))
}

/// Checks an agreement's terms: amount ≤ listed, price ≥ the guide price of the signing date
/// (TRANSFER_PRICE_FLOOR), and a schedule of positive instalments, numbered 1.. in date order,
/// none due before signing, summing exactly to the total. Returns the total in 分.
pub fn check_agreement(
    profile: &Profile,
    listing_amount_m2: i64,
    amount_m2: i64,
    price_fen_per_mu: i64,
    signed_on: NaiveDate,
    schedule: &[Instalment],
    subject: &str,
) -> Result<i64, MarketError> {
    check_amount("amount_m2", amount_m2)?;
    if amount_m2 > listing_amount_m2 {
        return Err(MarketError::invalid(
            "amount_m2",
            format!("协议面积 {amount_m2} m² 超过挂牌面积 {listing_amount_m2} m²"),
            format!("the agreement's {amount_m2} m² exceed the {listing_amount_m2} m² listed"),
        ));
    }
    require_price_floor(
        profile,
        signed_on,
        price_fen_per_mu,
        subject,
        Priced::Agreement,
    )?;
    let total = agreement_total_fen(amount_m2, price_fen_per_mu)?;
    check_schedule(total, signed_on, schedule)?;
    Ok(total)
}

/// A payment schedule: non-empty, numbered 1..n, dates not before signing and not decreasing,
/// positive amounts summing exactly to `total_fen`.
pub fn check_schedule(
    total_fen: i64,
    signed_on: NaiveDate,
    schedule: &[Instalment],
) -> Result<(), MarketError> {
    if schedule.is_empty() {
        return Err(MarketError::invalid(
            "schedule",
            "付款计划至少一期",
            "the payment schedule needs at least one instalment",
        ));
    }
    let mut previous = signed_on;
    let mut sum: i128 = 0;
    for (i, instalment) in schedule.iter().enumerate() {
        let n = instalment.number;
        if usize::try_from(n).ok() != Some(i + 1) {
            return Err(MarketError::invalid(
                "schedule",
                format!("付款期次应从 1 连续编号，第 {} 项为 {n}", i + 1),
                format!(
                    "instalments must be numbered 1, 2, …; item {} is {n}",
                    i + 1
                ),
            ));
        }
        if instalment.amount_fen <= 0 {
            return Err(MarketError::invalid(
                "schedule",
                format!("第 {n} 期金额须为正"),
                format!("instalment {n} must be a positive amount"),
            ));
        }
        if instalment.due_on < previous {
            return Err(MarketError::invalid(
                "schedule",
                format!("第 {n} 期付款日 {} 早于签订日或上一期", instalment.due_on),
                format!(
                    "instalment {n} is due {} before signing or the previous instalment",
                    instalment.due_on
                ),
            ));
        }
        previous = instalment.due_on;
        sum += i128::from(instalment.amount_fen);
    }
    if sum != i128::from(total_fen) {
        return Err(MarketError::invalid(
            "schedule",
            format!(
                "付款计划合计 {} 元，应等于协议总价 {} 元（面积 × 单价）",
                yuan_i128(sum),
                Fen(total_fen).yuan_text()
            ),
            format!(
                "the schedule sums to {} yuan; it must equal the agreement total {} yuan (amount × price)",
                yuan_i128(sum),
                Fen(total_fen).yuan_text()
            ),
        ));
    }
    Ok(())
}

fn yuan_i128(fen: i128) -> String {
    i64::try_from(fen)
        .map(|f| Fen(f).yuan_text())
        .unwrap_or_else(|_| fen.to_string())
}

/// A payment received against instalment `number`: positive and, with what was already
/// received for it, not more than the instalment.
pub fn check_payment(
    instalment: &Instalment,
    already_received_fen: i64,
    amount_fen: i64,
) -> Result<(), MarketError> {
    if amount_fen <= 0 {
        return Err(MarketError::invalid(
            "amount_fen",
            "到账金额须为正",
            "the payment must be positive",
        ));
    }
    let after = already_received_fen.saturating_add(amount_fen);
    if after > instalment.amount_fen {
        return Err(MarketError::invalid(
            "amount_fen",
            format!(
                "第 {} 期应付 {} 元，已收 {} 元，本次 {} 元超出",
                instalment.number,
                Fen(instalment.amount_fen).yuan_text(),
                Fen(already_received_fen).yuan_text(),
                Fen(amount_fen).yuan_text()
            ),
            format!(
                "instalment {} is {} yuan, {} received; {} more is too much",
                instalment.number,
                Fen(instalment.amount_fen).yuan_text(),
                Fen(already_received_fen).yuan_text(),
                Fen(amount_fen).yuan_text()
            ),
        ));
    }
    Ok(())
}

/// The market's namespace of listing ids: `GP-<seller>-<year>-<nnn>`, numbered by the
/// market's own sequence. The general ledger may not list under it, so ledger data can never
/// take (or block) a market id.
pub const MARKET_LISTING_PREFIX: &str = "GP-";

/// The id of the `n`th listing of `seller` in `year`.
pub fn market_listing_id(seller: &DivisionCode, year: i32, n: i64) -> String {
    format!("{MARKET_LISTING_PREFIX}{seller}-{year}-{n:03}")
}

/// Whether `id` is in the market's namespace (case does not matter: `gp-…` is refused too).
pub fn is_market_listing_id(id: &str) -> bool {
    id.get(..MARKET_LISTING_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(MARKET_LISTING_PREFIX))
}

/// The longest listing id the general ledger accepts.
pub const MAX_LISTING_ID_CHARS: usize = 64;

/// A listing id of the general ledger (a listing outside the market, e.g. a provincial
/// platform's notice number): 1–64 letters, digits, `-`, `_` or `.`, and not in the market's
/// namespace.
pub fn check_general_listing_id(id: &str) -> Result<(), MarketError> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_LISTING_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !well_formed {
        return Err(MarketError::invalid(
            "listing",
            format!("公告编号 '{id}' 应为 1–64 个字母、数字或 - _ ."),
            format!("listing id '{id}' should be 1–64 letters, digits, '-', '_' or '.'"),
        ));
    }
    if is_market_listing_id(id) {
        return Err(MarketError::invalid(
            "listing",
            format!("公告编号 {id} 属于指标市场（{MARKET_LISTING_PREFIX}…），台账挂牌请用其他编号"),
            format!(
                "listing id {id} is in the market's namespace ({MARKET_LISTING_PREFIX}…); a ledger listing needs another id"
            ),
        ));
    }
    Ok(())
}

/// What a step on a listing reads of it. The registry loads it inside the step's write
/// transaction, so the decision and the write see the same state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingFacts {
    pub state: ListingState,
    pub amount_m2: i64,
    pub reserve_fen_per_mu: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// A listing to publish: a positive amount, a period that opens before it closes, a reserve
/// price of at least the guide price in force on `published_on` (TRANSFER_PRICE_FLOOR) and a
/// contact.
pub fn decide_publish(
    profile: &Profile,
    seller: &DivisionCode,
    listing: &ListingFacts,
    contact: &str,
    published_on: NaiveDate,
) -> Result<(), MarketError> {
    check_amount("amount_m2", listing.amount_m2)?;
    check_period(listing.opens_on, listing.closes_on)?;
    require_price_floor(
        profile,
        published_on,
        listing.reserve_fen_per_mu,
        seller.as_str(),
        Priced::Reserve,
    )?;
    if contact.trim().is_empty() {
        return Err(MarketError::invalid(
            "contact",
            "须填写联系人及联系方式",
            "a contact is required",
        ));
    }
    Ok(())
}

/// An offer of `buyer` on a listing of `seller`: a government of the province other than the
/// seller, on an open listing, within its period, amount and reserve price.
pub fn decide_offer(
    region: &DivisionCode,
    seller: &DivisionCode,
    buyer: &DivisionCode,
    listing: &ListingFacts,
    amount_m2: i64,
    price_fen_per_mu: i64,
    offered_on: NaiveDate,
) -> Result<(), MarketError> {
    check_buyer(region, seller, buyer)?;
    if listing.state != ListingState::Open {
        return Err(not_allowed(listing.state, "offer"));
    }
    check_offer(
        listing.amount_m2,
        listing.reserve_fen_per_mu,
        (listing.opens_on, listing.closes_on),
        amount_m2,
        price_fen_per_mu,
        offered_on,
    )
}

/// The terms the seller signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms<'a> {
    pub amount_m2: i64,
    pub price_fen_per_mu: i64,
    pub signed_on: NaiveDate,
    pub schedule: &'a [Instalment],
}

/// What signing does: the listing's next state and the agreement's total in 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signing {
    pub listing: ListingState,
    pub total_fen: i64,
}

/// Accepting an open offer on an open listing (one agreement per listing: a second signature
/// finds the listing `agreed` and is refused), not before the offer was made, on terms that
/// pass `check_agreement`.
pub fn decide_sign(
    profile: &Profile,
    listing: &ListingFacts,
    offer: (OfferState, NaiveDate),
    terms: &Terms<'_>,
    subject: &str,
) -> Result<Signing, MarketError> {
    let (offer_state, offered_on) = offer;
    if offer_state != OfferState::Open {
        return Err(not_allowed(offer_state, "accept"));
    }
    let next = listing_next(listing.state, ListingEvent::Sign)?;
    if terms.signed_on < offered_on {
        return Err(MarketError::invalid(
            "signed_on",
            "签订日早于报价日",
            "the agreement is signed before the offer was made",
        ));
    }
    let total_fen = check_agreement(
        profile,
        listing.amount_m2,
        terms.amount_m2,
        terms.price_fen_per_mu,
        terms.signed_on,
        terms.schedule,
        subject,
    )?;
    Ok(Signing {
        listing: next,
        total_fen,
    })
}

/// The next states of an agreement and its listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub agreement: AgreementState,
    pub listing: ListingState,
}

/// Cancelling a signed agreement: the listing is open again. A settled (or already
/// cancelled) agreement cannot be cancelled, so a cancellation never reopens a listing whose
/// quota was transferred.
pub fn decide_cancel(
    agreement: AgreementState,
    listing: ListingState,
) -> Result<Transition, MarketError> {
    Ok(Transition {
        agreement: agreement_next(agreement, false)?,
        listing: listing_next(listing, ListingEvent::CancelAgreement)?,
    })
}

/// What settlement does: the next states and the rest of the escrow that returns to the
/// seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    pub transition: Transition,
    pub rest_m2: i64,
}

/// Settling a signed agreement of an agreed listing on `settled_on` (not before signing), from
/// an escrow that still holds at least the agreed amount: a cancelled agreement never
/// transfers quota, and a settled one never settles twice.
pub fn decide_settle(
    agreement: AgreementState,
    listing: ListingState,
    signed_on: NaiveDate,
    settled_on: NaiveDate,
    agreed_m2: i64,
    escrow_m2: i64,
) -> Result<Settlement, MarketError> {
    let transition = Transition {
        agreement: agreement_next(agreement, true)?,
        listing: listing_next(listing, ListingEvent::Settle)?,
    };
    if settled_on < signed_on {
        return Err(MarketError::invalid(
            "as_of",
            "结算日早于协议签订日",
            "settlement before the agreement was signed",
        ));
    }
    if escrow_m2 < agreed_m2 {
        return Err(MarketError::Conflict {
            code: crate::ErrorCode::EscrowShort,
            zh: format!("公告托管账户仅有 {escrow_m2} m²，少于协议的 {agreed_m2} m²"),
            en: format!(
                "the listing's escrow holds {escrow_m2} m², less than the {agreed_m2} m² agreed"
            ),
        });
    }
    Ok(Settlement {
        transition,
        rest_m2: escrow_m2 - agreed_m2,
    })
}

/// A payment of `amount_fen` against instalment `number` of an agreement signed on
/// `signed_on`: not on a cancelled agreement, on an instalment of its schedule (`scheduled`:
/// the instalment and what was received against it so far, `None` if the schedule has no
/// such number), never more than the instalment, not dated before signing.
pub fn decide_payment(
    agreement: AgreementState,
    signed_on: NaiveDate,
    number: i64,
    scheduled: Option<(&Instalment, i64)>,
    amount_fen: i64,
    paid_on: NaiveDate,
) -> Result<(), MarketError> {
    if agreement == AgreementState::Cancelled {
        return Err(not_allowed(agreement, "record_payment"));
    }
    let Some((instalment, received_fen)) = scheduled else {
        return Err(MarketError::invalid(
            "instalment",
            format!("协议没有第 {number} 期"),
            format!("the agreement has no instalment {number}"),
        ));
    };
    check_payment(instalment, received_fen, amount_fen)?;
    if paid_on < signed_on {
        return Err(MarketError::invalid(
            "paid_on",
            "到账日早于协议签订日",
            "the payment date is before the agreement was signed",
        ));
    }
    Ok(())
}

/// Withdrawing a listing: only an open one (no agreement signed).
pub fn decide_withdraw(listing: ListingState) -> Result<ListingState, MarketError> {
    listing_next(listing, ListingEvent::Withdraw)
}

/// The state an open listing expires into on `as_of`, `None` when it is not due.
pub fn decide_expiry(
    listing: ListingState,
    closes_on: NaiveDate,
    as_of: NaiveDate,
) -> Option<ListingState> {
    if is_expired(listing, closes_on, as_of) {
        listing_next(listing, ListingEvent::Expire).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn code(c: &str) -> DivisionCode {
        DivisionCode::parse(c).unwrap_or_else(|e| panic!("{e}"))
    }

    fn profile() -> Profile {
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn listing_lifecycle() {
        use ListingEvent as E;
        use ListingState as S;
        assert_eq!(listing_next(S::Open, E::Sign), Ok(S::Agreed));
        assert_eq!(listing_next(S::Agreed, E::CancelAgreement), Ok(S::Open));
        assert_eq!(listing_next(S::Agreed, E::Settle), Ok(S::Settled));
        assert_eq!(listing_next(S::Open, E::Expire), Ok(S::Expired));
        assert_eq!(listing_next(S::Open, E::Withdraw), Ok(S::Withdrawn));
        assert!(listing_next(S::Agreed, E::Expire).is_err());
        assert!(listing_next(S::Agreed, E::Withdraw).is_err());
        assert!(listing_next(S::Settled, E::CancelAgreement).is_err());
        assert!(listing_next(S::Expired, E::Sign).is_err());
        assert!(listing_next(S::Open, E::Settle).is_err());
        assert_eq!(
            agreement_next(AgreementState::Signed, true),
            Ok(AgreementState::Settled)
        );
        assert_eq!(
            agreement_next(AgreementState::Signed, false),
            Ok(AgreementState::Cancelled)
        );
        assert!(agreement_next(AgreementState::Cancelled, true).is_err());
        assert!(agreement_next(AgreementState::Settled, false).is_err());
        for s in ["open", "agreed", "settled", "expired", "withdrawn"] {
            assert_eq!(ListingState::parse(s).map(ListingState::as_str), Some(s));
        }
    }

    #[test]
    fn expiry_is_after_the_close_date() {
        let closes = d(2019, 9, 30);
        assert!(!is_expired(ListingState::Open, closes, closes));
        assert!(is_expired(ListingState::Open, closes, d(2019, 10, 1)));
        assert!(!is_expired(ListingState::Agreed, closes, d(2019, 10, 1)));
    }

    #[test]
    fn price_floor_uses_the_guide_price_of_the_date() {
        let p = profile();
        let ok = require_price_floor(&p, d(2019, 8, 1), 30_000_000, "511722", Priced::Agreement);
        assert!(ok.is_ok_and(|r| r.passed));
        let low = require_price_floor(&p, d(2019, 8, 1), 29_999_999, "511722", Priced::Agreement);
        match low {
            Err(MarketError::Rule(r)) => {
                assert_eq!(r.rule, RuleId::TransferPriceFloor);
                assert_eq!(r.clause, "二(三)");
                assert!(r.message_zh.contains("二(三)"), "{}", r.message_zh);
                assert!(r.message_zh.contains("300000.00 元/亩"), "{}", r.message_zh);
                assert!(r.message_zh.starts_with("协议价格"), "{}", r.message_zh);
            }
            other => panic!("{other:?}"),
        }
        // A listing's reserve price is named as such, under the same rule and clause.
        match require_price_floor(&p, d(2019, 8, 1), 29_999_999, "511722", Priced::Reserve) {
            Err(MarketError::Rule(r)) => {
                assert_eq!(r.rule, RuleId::TransferPriceFloor);
                assert_eq!(r.clause, "二(三)");
                assert!(r.message_zh.starts_with("挂牌底价"), "{}", r.message_zh);
                assert!(!r.message_zh.contains("协议价格"), "{}", r.message_zh);
                assert!(
                    r.message_en.starts_with("reserve price"),
                    "{}",
                    r.message_en
                );
            }
            other => panic!("{other:?}"),
        }
        // Before the first guide price there is no floor to check against: a clear error that
        // tells the city to record the price with its source (2017-11-27 is the policy's date).
        match require_price_floor(&p, d(2017, 11, 27), 30_000_000, "x", Priced::Agreement) {
            Err(MarketError::Conflict { code, zh, .. }) => {
                assert_eq!(code, crate::ErrorCode::NoGuidePrice);
                assert!(zh.contains("来源文件"), "{zh}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn buyers_are_other_governments_of_the_province() {
        let region = code("510000");
        let seller = code("511722");
        assert!(check_buyer(&region, &seller, &code("511723")).is_ok());
        assert!(check_buyer(&region, &seller, &code("510100")).is_ok());
        assert!(check_buyer(&region, &seller, &seller).is_err());
        assert!(check_buyer(&region, &seller, &code("500101")).is_err());
        assert!(check_buyer(&region, &seller, &code("510000")).is_err());
    }

    #[test]
    fn offers_stay_within_the_listing() {
        let period = (d(2019, 8, 1), d(2019, 9, 30));
        assert!(
            check_offer(
                10_000,
                30_000_000,
                period,
                10_000,
                30_000_000,
                d(2019, 8, 2)
            )
            .is_ok()
        );
        assert!(
            check_offer(
                10_000,
                30_000_000,
                period,
                10_001,
                30_000_000,
                d(2019, 8, 2)
            )
            .is_err()
        );
        assert!(check_offer(10_000, 30_000_000, period, 0, 30_000_000, d(2019, 8, 2)).is_err());
        assert!(check_offer(10_000, 30_000_000, period, 10, 29_000_000, d(2019, 8, 2)).is_err());
        assert!(check_offer(10_000, 30_000_000, period, 10, 30_000_000, d(2019, 10, 1)).is_err());
    }

    fn schedule(parts: &[(NaiveDate, i64)]) -> Vec<Instalment> {
        parts
            .iter()
            .enumerate()
            .map(|(i, (due_on, amount_fen))| Instalment {
                number: u32::try_from(i + 1).unwrap_or(0),
                due_on: *due_on,
                amount_fen: *amount_fen,
            })
            .collect()
    }

    #[test]
    fn schedules_sum_exactly_to_amount_times_price() {
        let p = profile();
        // 10 000 m² = 15 亩; at 300 000 元/亩 that is 4 500 000 元 = 450 000 000 分.
        assert_eq!(agreement_total_fen(10_000, 30_000_000), Ok(450_000_000));
        let signed = d(2019, 8, 20);
        let good = schedule(&[(d(2019, 9, 1), 150_000_000), (d(2019, 12, 1), 300_000_000)]);
        assert_eq!(
            check_agreement(&p, 10_000, 10_000, 30_000_000, signed, &good, "x"),
            Ok(450_000_000)
        );
        let short = schedule(&[(d(2019, 9, 1), 449_999_999)]);
        assert!(check_agreement(&p, 10_000, 10_000, 30_000_000, signed, &short, "x").is_err());
        let early = schedule(&[(d(2019, 8, 1), 450_000_000)]);
        assert!(check_schedule(450_000_000, signed, &early).is_err());
        let backwards = schedule(&[(d(2019, 12, 1), 1), (d(2019, 9, 1), 449_999_999)]);
        assert!(check_schedule(450_000_000, signed, &backwards).is_err());
        assert!(check_schedule(450_000_000, signed, &[]).is_err());
        let mut misnumbered = good.clone();
        misnumbered[1].number = 3;
        assert!(check_schedule(450_000_000, signed, &misnumbered).is_err());
        assert!(check_agreement(&p, 5_000, 10_000, 30_000_000, signed, &good, "x").is_err());
        assert!(matches!(
            check_agreement(&p, 10_000, 10_000, 20_000_000, signed, &good, "x"),
            Err(MarketError::Rule(_))
        ));
    }

    #[test]
    fn payments_do_not_exceed_their_instalment() {
        let i = Instalment {
            number: 1,
            due_on: d(2019, 9, 1),
            amount_fen: 100,
        };
        assert!(check_payment(&i, 0, 100).is_ok());
        assert!(check_payment(&i, 40, 60).is_ok());
        assert!(check_payment(&i, 40, 61).is_err());
        assert!(check_payment(&i, 0, 0).is_err());
    }

    fn facts(state: ListingState) -> ListingFacts {
        ListingFacts {
            state,
            amount_m2: 10_000,
            reserve_fen_per_mu: 30_000_000,
            opens_on: d(2019, 8, 1),
            closes_on: d(2019, 9, 30),
        }
    }

    #[test]
    fn one_signature_per_listing() {
        let p = profile();
        let schedule = schedule(&[(d(2019, 9, 1), 450_000_000)]);
        let terms = Terms {
            amount_m2: 10_000,
            price_fen_per_mu: 30_000_000,
            signed_on: d(2019, 8, 20),
            schedule: &schedule,
        };
        let open = (OfferState::Open, d(2019, 8, 2));
        assert_eq!(
            decide_sign(&p, &facts(ListingState::Open), open, &terms, "x"),
            Ok(Signing {
                listing: ListingState::Agreed,
                total_fen: 450_000_000
            })
        );
        // A second signature finds the listing agreed (or the offer accepted): a conflict.
        for (listing, offer) in [
            (ListingState::Agreed, OfferState::Open),
            (ListingState::Open, OfferState::Accepted),
            (ListingState::Withdrawn, OfferState::Open),
        ] {
            assert!(matches!(
                decide_sign(&p, &facts(listing), (offer, d(2019, 8, 2)), &terms, "x"),
                Err(MarketError::State(_))
            ));
        }
        let early = (OfferState::Open, d(2019, 8, 21));
        assert!(matches!(
            decide_sign(&p, &facts(ListingState::Open), early, &terms, "x"),
            Err(MarketError::Invalid {
                field: "signed_on",
                ..
            })
        ));
    }

    #[test]
    fn settlement_and_cancellation_exclude_each_other() {
        use AgreementState as A;
        use ListingState as L;
        let signed = d(2019, 8, 20);
        let settled = decide_settle(A::Signed, L::Agreed, signed, d(2019, 9, 1), 6_000, 10_000);
        assert_eq!(
            settled,
            Ok(Settlement {
                transition: Transition {
                    agreement: A::Settled,
                    listing: L::Settled
                },
                rest_m2: 4_000
            })
        );
        // Once cancelled it never settles; once settled it never cancels or settles again.
        assert!(
            decide_settle(A::Cancelled, L::Open, signed, d(2019, 9, 1), 6_000, 10_000).is_err()
        );
        assert!(decide_settle(A::Settled, L::Settled, signed, d(2019, 9, 1), 6_000, 0).is_err());
        assert!(decide_cancel(A::Settled, L::Settled).is_err());
        assert!(decide_cancel(A::Cancelled, L::Open).is_err());
        assert_eq!(
            decide_cancel(A::Signed, L::Agreed),
            Ok(Transition {
                agreement: A::Cancelled,
                listing: L::Open
            })
        );
        // An escrow emptied behind the market's back is a conflict, not a transfer.
        assert!(matches!(
            decide_settle(A::Signed, L::Agreed, signed, d(2019, 9, 1), 6_000, 0),
            Err(MarketError::Conflict {
                code: crate::ErrorCode::EscrowShort,
                ..
            })
        ));
        assert!(matches!(
            decide_settle(A::Signed, L::Agreed, signed, d(2019, 8, 1), 6_000, 6_000),
            Err(MarketError::Invalid { field: "as_of", .. })
        ));
    }

    #[test]
    fn payments_are_decided_on_what_was_received() {
        let i = Instalment {
            number: 1,
            due_on: d(2019, 9, 1),
            amount_fen: 100,
        };
        let signed = d(2019, 8, 20);
        let paid = d(2019, 9, 1);
        let pay = |state, received, amount| {
            decide_payment(state, signed, 1, Some((&i, received)), amount, paid)
        };
        assert!(pay(AgreementState::Signed, 0, 100).is_ok());
        assert!(pay(AgreementState::Settled, 40, 60).is_ok());
        assert!(pay(AgreementState::Signed, 100, 100).is_err());
        assert!(matches!(
            pay(AgreementState::Cancelled, 0, 1),
            Err(MarketError::State(_))
        ));
        assert!(decide_payment(AgreementState::Signed, signed, 2, None, 1, paid).is_err());
        assert!(
            decide_payment(
                AgreementState::Signed,
                signed,
                1,
                Some((&i, 0)),
                1,
                d(2019, 8, 1)
            )
            .is_err()
        );
    }

    #[test]
    fn withdrawal_and_expiry_need_an_open_listing() {
        assert_eq!(
            decide_withdraw(ListingState::Open),
            Ok(ListingState::Withdrawn)
        );
        assert!(decide_withdraw(ListingState::Agreed).is_err());
        let closes = d(2019, 9, 30);
        assert_eq!(
            decide_expiry(ListingState::Open, closes, d(2019, 10, 1)),
            Some(ListingState::Expired)
        );
        assert_eq!(decide_expiry(ListingState::Open, closes, closes), None);
        assert_eq!(
            decide_expiry(ListingState::Agreed, closes, d(2019, 10, 1)),
            None
        );
    }

    #[test]
    fn offers_and_listings_are_decided_in_full() {
        let p = profile();
        let region = code("510000");
        let seller = code("511722");
        let open = facts(ListingState::Open);
        assert!(
            decide_offer(
                &region,
                &seller,
                &code("510100"),
                &open,
                10,
                30_000_000,
                d(2019, 8, 2)
            )
            .is_ok()
        );
        assert!(matches!(
            decide_offer(
                &region,
                &seller,
                &code("510100"),
                &facts(ListingState::Agreed),
                10,
                30_000_000,
                d(2019, 8, 2)
            ),
            Err(MarketError::State(_))
        ));
        assert!(
            decide_offer(
                &region,
                &seller,
                &seller,
                &open,
                10,
                30_000_000,
                d(2019, 8, 2)
            )
            .is_err()
        );
        assert!(decide_publish(&p, &seller, &open, "联系人", d(2019, 8, 1)).is_ok());
        assert!(decide_publish(&p, &seller, &open, " ", d(2019, 8, 1)).is_err());
        let cheap = ListingFacts {
            reserve_fen_per_mu: 1,
            ..open
        };
        assert!(matches!(
            decide_publish(&p, &seller, &cheap, "联系人", d(2019, 8, 1)),
            Err(MarketError::Rule(_))
        ));
    }

    #[test]
    fn the_market_namespace_is_the_market_s() {
        assert_eq!(
            market_listing_id(&code("511781"), 2020, 1),
            "GP-511781-2020-001"
        );
        assert!(is_market_listing_id("GP-511781-2020-001"));
        assert!(is_market_listing_id("gp-anything"));
        assert!(!is_market_listing_id("SC-2019-0107"));
        assert!(check_general_listing_id("SC-2019-0107").is_ok());
        assert!(check_general_listing_id("L-1").is_ok());
        for bad in [
            "GP-511781-2020-001",
            "gp-x",
            "",
            "a:b",
            "带中文",
            &"x".repeat(65),
        ] {
            assert!(
                matches!(
                    check_general_listing_id(bad),
                    Err(MarketError::Invalid {
                        field: "listing",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }
}
