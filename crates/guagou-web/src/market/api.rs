//! The market's JSON API (paths relative to `/api`). Reads: listings for every signed-in user;
//! a listing's export with the offers the user may see; an agreement's export for the seller's
//! and the buyer's jurisdictions. Writes need the land bureau and the session's CSRF token in
//! `x-csrf-token`; the registry checks level and jurisdiction and audits.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use guagou_registry::market::{Agreement, MarketListing, Offer};
use serde::Serialize;
use utoipa::ToSchema;

use super::read::{self, AgreementExport, ListingExport};
use super::write::{
    self, AgreementBody, ExpireBody, ListingBody, OfferBody, PaymentBody, ReasonBody, SettleBody,
};
use crate::AppState;
use crate::auth::{ApiUser, User};
use crate::error::{ApiError, WebError};

fn csrf(user: &User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    crate::api::json_body(body, "JSON")
}

/// Handles GET /api/market/listings
#[utoipa::path(get, path = "/market/listings", tag = "market",
    responses(
        (status = 200, description = "全部公告（市场信息，新的在前）/ every listing, newest first (market data)", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn listings_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<MarketListing>>, ApiError> {
    Ok(Json(
        user.door(&state.registry).market_listings(None).await?,
    ))
}

/// Handles GET /api/market/listings/{id}
#[utoipa::path(get, path = "/market/listings/{id}", tag = "market",
    params(("id" = String, Path, description = "公告编号 / listing id")),
    responses(
        (status = 200, description = "公告导出（guagou.market.listing/1）/ listing export", body = ListingExport),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在 / not found", body = crate::error::Problem),
    ))]
pub async fn listing_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ListingExport>, ApiError> {
    Ok(Json(
        read::listing_export(&state.registry, &user, &id).await?,
    ))
}

/// Handles GET /api/market/agreements/{id}
#[utoipa::path(get, path = "/market/agreements/{id}", tag = "market",
    params(("id" = String, Path, description = "协议编号 / agreement id")),
    responses(
        (status = 200, description = "协议导出（guagou.market.agreement/1）/ agreement export", body = AgreementExport),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn agreement_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AgreementExport>, ApiError> {
    Ok(Json(
        read::agreement_export(&state.registry, &user, &id).await?,
    ))
}

/// Handles POST /api/market/listings
#[utoipa::path(post, path = "/market/listings", tag = "market",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = ListingBody,
    responses(
        (status = 200, description = "已挂牌（台账 list）/ listed (ledger `list`)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、部门或级别不符 / CSRF, read-only, department or level", body = crate::error::Problem),
        (status = 409, description = "余额不足 / balance too low", body = crate::error::Problem),
        (status = 422, description = "TRANSFER_PRICE_FLOOR、LOCAL_NEEDS_FIRST 或输入无效 / a rule failed or invalid input", body = crate::error::Problem),
    ))]
pub async fn listing_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<ListingBody>, JsonRejection>,
) -> Result<Json<MarketListing>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::publish(&state.registry, &user, &request).await?,
    ))
}

/// Handles POST /api/market/listings/{id}/offers
#[utoipa::path(post, path = "/market/listings/{id}/offers", tag = "market",
    params(
        ("id" = String, Path, description = "公告编号 / listing id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = OfferBody,
    responses(
        (status = 200, description = "已登记意向 / offer recorded", body = Object),
        (status = 403, description = "CSRF、只读、部门或级别不符 / CSRF, read-only, department or level", body = crate::error::Problem),
        (status = 404, description = "公告不存在 / no such listing", body = crate::error::Problem),
        (status = 409, description = "公告不在挂牌中 / the listing is not open", body = crate::error::Problem),
        (status = 422, description = "受让方、面积、价格或日期无效 / buyer, amount, price or date refused", body = crate::error::Problem),
    ))]
pub async fn offer_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<OfferBody>, JsonRejection>,
) -> Result<Json<Offer>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::offer(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles POST /api/market/listings/{id}/agreements
#[utoipa::path(post, path = "/market/listings/{id}/agreements", tag = "market",
    params(
        ("id" = String, Path, description = "公告编号 / listing id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = AgreementBody,
    responses(
        (status = 200, description = "已签订协议 / agreement signed", body = Object),
        (status = 403, description = "CSRF、只读、部门或辖区不符 / CSRF, read-only, department or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "公告或意向不存在 / no such listing or offer", body = crate::error::Problem),
        (status = 409, description = "状态不允许 / the state does not allow it", body = crate::error::Problem),
        (status = 422, description = "TRANSFER_PRICE_FLOOR、付款计划合计不符或输入无效 / price floor, schedule sum or invalid input", body = crate::error::Problem),
    ))]
pub async fn agreement_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<AgreementBody>, JsonRejection>,
) -> Result<Json<Agreement>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::sign(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles POST /api/market/listings/{id}/withdraw
#[utoipa::path(post, path = "/market/listings/{id}/withdraw", tag = "market",
    params(
        ("id" = String, Path, description = "公告编号 / listing id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "已撤牌，指标退回 / withdrawn, quota returned", body = Object),
        (status = 403, description = "CSRF、只读、部门或辖区不符 / CSRF, read-only, department or jurisdiction", body = crate::error::Problem),
        (status = 409, description = "已签协议或已结束 / agreed or closed", body = crate::error::Problem),
    ))]
pub async fn withdraw_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<ReasonBody>, JsonRejection>,
) -> Result<Json<MarketListing>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::withdraw(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles POST /api/market/agreements/{id}/settle
#[utoipa::path(post, path = "/market/agreements/{id}/settle", tag = "market",
    params(
        ("id" = String, Path, description = "协议编号 / agreement id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = SettleBody,
    responses(
        (status = 200, description = "已结算（台账 transfer）/ settled (ledger `transfer`)", body = Object),
        (status = 403, description = "CSRF、只读、部门或辖区不符 / CSRF, read-only, department or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "状态不允许 / the state does not allow it", body = crate::error::Problem),
        (status = 422, description = "TRANSFER_PRICE_FLOOR 或日期无效 / price floor or date", body = crate::error::Problem),
    ))]
pub async fn settle_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<SettleBody>, JsonRejection>,
) -> Result<Json<Agreement>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::settle(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles POST /api/market/agreements/{id}/payments
#[utoipa::path(post, path = "/market/agreements/{id}/payments", tag = "market",
    params(
        ("id" = String, Path, description = "协议编号 / agreement id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = PaymentBody,
    responses(
        (status = 200, description = "已登记到账 / payment recorded", body = Object),
        (status = 403, description = "CSRF、只读、部门或辖区不符 / CSRF, read-only, department or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "协议已解除 / the agreement was cancelled", body = crate::error::Problem),
        (status = 422, description = "期次或金额无效 / instalment or amount refused", body = crate::error::Problem),
    ))]
pub async fn payment_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<PaymentBody>, JsonRejection>,
) -> Result<Json<Agreement>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::payment(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles POST /api/market/agreements/{id}/cancel
#[utoipa::path(post, path = "/market/agreements/{id}/cancel", tag = "market",
    params(
        ("id" = String, Path, description = "协议编号 / agreement id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "已解除，公告恢复挂牌 / cancelled, the listing is open again", body = Object),
        (status = 403, description = "CSRF、只读、部门或辖区不符 / CSRF, read-only, department or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "已结算或已解除 / settled or already cancelled", body = crate::error::Problem),
        (status = 422, description = "须说明理由 / a reason is required", body = crate::error::Problem),
    ))]
pub async fn cancel_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<ReasonBody>, JsonRejection>,
) -> Result<Json<Agreement>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    Ok(Json(
        write::cancel(&state.registry, &user, &id, &request).await?,
    ))
}

/// What an expiry scan did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpireReport {
    pub as_of: String,
    /// 已到期的公告（指标已退回转让方）/ listings expired (quota returned to the seller)
    pub expired: Vec<String>,
}

/// Handles POST /api/market/expire
#[utoipa::path(post, path = "/market/expire", tag = "market",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = ExpireBody,
    responses(
        (status = 200, description = "到期扫描结果（本辖区）/ listings of the jurisdiction expired", body = ExpireReport),
        (status = 403, description = "CSRF、只读或部门不符 / CSRF, read-only or department", body = crate::error::Problem),
        (status = 422, description = "日期无效 / invalid date", body = crate::error::Problem),
    ))]
pub async fn expire_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<ExpireBody>, JsonRejection>,
) -> Result<Json<ExpireReport>, ApiError> {
    csrf(&user, &headers)?;
    let request = body(request)?;
    let expired = write::expire(&state.registry, &user, &request).await?;
    Ok(Json(ExpireReport {
        as_of: request.as_of.trim().to_owned(),
        expired,
    }))
}
