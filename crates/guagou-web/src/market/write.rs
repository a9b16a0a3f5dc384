//! Market writes shared by the forms and the API: the request bodies (documented in the OpenAPI
//! document), their parsing, and the calls into the registry with the session's actor.
//!
//! Rights (SPEC §1): only the land bureau writes (audit is read-only, other departments are
//! refused); the registry then checks level and jurisdiction (a county acts only for itself)
//! and audits. An agreement the user may not read answers 404 before the registry is asked.

use chrono::NaiveDate;
use guagou_domain::market::Instalment;
use guagou_registry::market::{
    Agreement, MarketListing, NewAgreement, NewListing, NewOffer, Offer,
};
use guagou_registry::{Registry, RegistryError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::User;
use crate::error::WebError;

/// 挂牌公告 / publish a listing of the user's own division from its holding.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ListingBody {
    /// 挂牌面积（整平方米）/ amount listed, whole m²
    #[schema(example = 10000)]
    pub amount_m2: i64,
    /// 挂牌底价（分/亩，不低于当年省指导价）/ reserve price in 分 per 亩, at least the guide
    /// price in force on `as_of` (TRANSFER_PRICE_FLOOR)
    #[schema(example = 30000000)]
    pub reserve_price_fen_per_mu: i64,
    /// 公告期开始 / period opens, `YYYY-MM-DD`
    #[schema(example = "2019-08-01")]
    pub opens_on: String,
    /// 公告期截止（含当日）/ period closes (inclusive), `YYYY-MM-DD`
    #[schema(example = "2019-09-30")]
    pub closes_on: String,
    /// 联系人及联系方式 / contact
    pub contact: String,
    /// 发布日期 / publication date, `YYYY-MM-DD`
    #[schema(example = "2019-08-01")]
    pub as_of: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 意向受让 / an offer of the user's own government (another county or city of the province).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OfferBody {
    #[schema(example = 10000)]
    pub amount_m2: i64,
    /// 报价（分/亩，不低于挂牌底价）/ price in 分 per 亩, at least the reserve price
    #[schema(example = 30000000)]
    pub price_fen_per_mu: i64,
    pub contact: String,
    /// 报价日期（在公告期内）/ offer date, within the period
    #[schema(example = "2019-08-05")]
    pub as_of: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 付款计划的一期 / one instalment of the payment schedule (numbered in the order given).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InstalmentBody {
    #[schema(example = "2019-09-01")]
    pub due_on: String,
    /// 金额（分）/ amount in 分
    #[schema(example = 225000000)]
    pub amount_fen: i64,
}

/// 接受意向、签订协议 / accept an offer and sign the agreement (the seller).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AgreementBody {
    /// 接受的意向编号 / the offer accepted
    pub offer: String,
    /// 协议面积（≤ 挂牌面积）/ amount, at most the amount listed
    pub amount_m2: i64,
    /// 协议价格（分/亩，≥ 签订当年省指导价）/ price in 分 per 亩, at least the guide price in
    /// force on the signing date (TRANSFER_PRICE_FLOOR)
    pub price_fen_per_mu: i64,
    /// 付款计划：合计须等于 面积 × 单价 / schedule summing exactly to amount × price
    pub schedule: Vec<InstalmentBody>,
    /// 签订日期 / signing date
    #[schema(example = "2019-08-20")]
    pub as_of: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 到账登记 / money received against one instalment (the seller).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PaymentBody {
    /// 期次 / instalment number (1, 2, …)
    pub instalment: i64,
    /// 金额（分）/ amount in 分
    pub amount_fen: i64,
    /// 到账日期 / date received
    #[schema(example = "2019-09-01")]
    pub paid_on: String,
    #[serde(default)]
    pub note: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 结算 / settle a signed agreement (the seller).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SettleBody {
    #[schema(example = "2019-09-10")]
    pub as_of: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 解除协议或撤牌（须说明理由）/ cancel an agreement or withdraw a listing, with a reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReasonBody {
    pub reason: String,
    #[schema(example = "2019-08-25")]
    pub as_of: String,
    /// 幂等键：同一键重复提交只记一次；同一键、不同请求 → 409 `idempotency_conflict` /
    /// idempotency key: the same request twice posts once; the same key with another request
    /// is refused (409 `idempotency_conflict`)
    #[schema(example = "9f1c2e4a7b3d5e6f")]
    pub idempotency_key: String,
}

/// 公告到期扫描 / expire listings past their period (run with an as-of date).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExpireBody {
    #[schema(example = "2019-10-01")]
    pub as_of: String,
}

pub(crate) fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

/// The registry's ledger refusals unwrapped, so they keep their rule (422) or read as a
/// conflict with the ledger (409). A reused idempotency key stays as the store reports it, so
/// its code is `idempotency_conflict` (409).
fn refused(error: RegistryError) -> WebError {
    WebError::Registry(error.unwrap_ledger())
}

/// Handles the publication of a listing.
pub async fn publish(
    registry: &Registry,
    user: &User,
    body: &ListingBody,
) -> Result<MarketListing, WebError> {
    user.actor.require_land()?;
    let new = NewListing {
        amount_m2: body.amount_m2,
        reserve_price_fen_per_mu: body.reserve_price_fen_per_mu,
        opens_on: parse_date("opens_on", &body.opens_on)?,
        closes_on: parse_date("closes_on", &body.closes_on)?,
        contact: body.contact.clone(),
    };
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .publish_listing(&new, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

pub async fn offer(
    registry: &Registry,
    user: &User,
    listing: &str,
    body: &OfferBody,
) -> Result<Offer, WebError> {
    user.actor.require_land()?;
    let new = NewOffer {
        amount_m2: body.amount_m2,
        price_fen_per_mu: body.price_fen_per_mu,
        contact: body.contact.clone(),
    };
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .make_offer(listing, &new, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

/// The schedule as the domain numbers it: 1, 2, … in the order given.
fn schedule(items: &[InstalmentBody]) -> Result<Vec<Instalment>, WebError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Ok(Instalment {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                due_on: parse_date("schedule", &item.due_on)?,
                amount_fen: item.amount_fen,
            })
        })
        .collect()
}

pub async fn sign(
    registry: &Registry,
    user: &User,
    listing: &str,
    body: &AgreementBody,
) -> Result<Agreement, WebError> {
    user.actor.require_land()?;
    let new = NewAgreement {
        offer: body.offer.trim().to_owned(),
        amount_m2: body.amount_m2,
        price_fen_per_mu: body.price_fen_per_mu,
        schedule: schedule(&body.schedule)?,
    };
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .sign_agreement(listing, &new, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

pub async fn withdraw(
    registry: &Registry,
    user: &User,
    listing: &str,
    body: &ReasonBody,
) -> Result<MarketListing, WebError> {
    user.actor.require_land()?;
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .withdraw_listing(listing, &body.reason, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

pub async fn settle(
    registry: &Registry,
    user: &User,
    agreement: &str,
    body: &SettleBody,
) -> Result<Agreement, WebError> {
    user.actor.require_land()?;
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .settle_agreement(agreement, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

pub async fn payment(
    registry: &Registry,
    user: &User,
    agreement: &str,
    body: &PaymentBody,
) -> Result<Agreement, WebError> {
    user.actor.require_land()?;
    let paid_on = parse_date("paid_on", &body.paid_on)?;
    user.door(registry)
        .record_payment(
            agreement,
            body.instalment,
            body.amount_fen,
            paid_on,
            &body.note,
            &body.idempotency_key,
        )
        .await
        .map_err(refused)
}

pub async fn cancel(
    registry: &Registry,
    user: &User,
    agreement: &str,
    body: &ReasonBody,
) -> Result<Agreement, WebError> {
    user.actor.require_land()?;
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .cancel_agreement(agreement, &body.reason, as_of, &body.idempotency_key)
        .await
        .map_err(refused)
}

pub async fn expire(
    registry: &Registry,
    user: &User,
    body: &ExpireBody,
) -> Result<Vec<String>, WebError> {
    user.actor.require_land()?;
    let as_of = parse_date("as_of", &body.as_of)?;
    user.door(registry)
        .expire_listings(as_of)
        .await
        .map_err(refused)
}
