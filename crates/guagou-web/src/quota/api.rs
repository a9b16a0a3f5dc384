//! The ledger and supervision API. Reads are filtered exactly like the pages (an account or
//! entry the user may not read is 404); writes need the session's CSRF token in `x-csrf-token`,
//! refuse audit users (403) and go through the registry.

use crate::catalogue::k;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::Entry;
use guagou_registry::scan::ScanReport;
use serde::Serialize;
use utoipa::ToSchema;

use super::deadlines::{SupervisionView, supervision_view};
use super::read::{self, AccountDetail, AccountView, EntryDetail, HistoryQuery};
use super::supervision::{AsOfQuery, as_of_of};
use super::write::{
    self, AdjustmentBody, LandSupplyBody, LandSupplyOutcome, LiftBody, OperationBody, ScanBody,
};
use crate::AppState;
use crate::api::json_body as body;
use crate::auth::{ApiUser, User};
use crate::error::{ApiError, WebError};

/// CSRF first, then the write right: an audit user is refused whatever the body says.
fn writer(user: &User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)?;
    Ok(user.actor.require_land()?)
}

/// Handles GET /api/ledger/accounts
#[utoipa::path(get, path = "/ledger/accounts", tag = "ledger",
    responses(
        (status = 200, description = "本辖区可读账户及余额（m²、公顷、亩）/ the accounts the user may read, with balances (m², ha, mu)", body = Vec<AccountView>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn accounts_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let scope = user.door(&state.registry).read_scope().await?;
    Ok(Json(
        read::readable_accounts(&state.registry, &scope, &user).await?,
    ))
}

/// Handles GET /api/ledger/accounts/{key}
#[utoipa::path(get, path = "/ledger/accounts/{key}", tag = "ledger",
    params(("key" = String, Path, description = "账户键（URL 编码）/ account key (URL-encoded), e.g. `holding:511722`"), HistoryQuery),
    responses(
        (status = 200, description = "余额、未消耗指标块（来源与序号段）与流水（新的在前，分页）/ balance, open lots (provenance and serials) and history (newest first, paged)", body = AccountDetail),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 422, description = "翻页参数无效 / invalid paging parameters", body = crate::error::Problem),
    ))]
pub async fn account_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(key): Path<String>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<AccountDetail>, ApiError> {
    let query = query
        .map(|q| q.0)
        .map_err(|_| WebError::invalid("before", k::PAGING_PARAMETERS_SHOULD_BE_WHOLE_NUMBERS))?;
    let scope = user.door(&state.registry).read_scope().await?;
    Ok(Json(
        read::account_detail(&state.registry, &scope, &user, &key, &query).await?,
    ))
}

/// Handles GET /api/ledger/entries/{seq}
#[utoipa::path(get, path = "/ledger/entries/{seq}", tag = "ledger",
    params(("seq" = String, Path, description = "条目序号 / entry sequence number")),
    responses(
        (status = 200, description = "条目：分录、新建与消耗的指标块、哈希与前一哈希、链头 / the entry: legs, lots created and consumed, hash and previous hash, chain head", body = EntryDetail),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看（须能读取其中至少一个账户）/ not found or not readable (the user must read one of its accounts)", body = crate::error::Problem),
    ))]
pub async fn entry_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(seq): Path<String>,
) -> Result<Json<EntryDetail>, ApiError> {
    let scope = user.door(&state.registry).read_scope().await?;
    Ok(Json(
        read::entry_detail(&state.registry, &scope, &user, &seq).await?,
    ))
}

/// Handles POST /api/ledger/operations
#[utoipa::path(post, path = "/ledger/operations", tag = "ledger",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body(content = OperationBody, description = "按 `operation.kind` 选择操作；同一 `idempotency_key` 重复提交只记账一次 / the operation named by `operation.kind`; the same `idempotency_key` twice posts once"),
    responses(
        (status = 200, description = "记入（或已记入）的台账条目 / the entry posted (or posted before under the same key)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读（审计）、级别或辖区不符 / CSRF, read-only (audit), level or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "项目、公告或条目不存在或无权查看 / project, listing or entry not found or not readable", body = crate::error::Problem),
        (status = 409, description = "余额不足、已核发、幂等键冲突等 / insufficient balance, already issued, idempotency key conflict …", body = crate::error::Problem),
        (status = 422, description = "规则未通过（code = 规则 ID，如 ADVANCE_LIMIT、ADVANCE_NOT_SUSPENDED、LOCAL_NEEDS_FIRST、TRANSFER_PRICE_FLOOR）或输入无效 / a rule refused (code = rule ID) or invalid input", body = crate::error::Problem),
    ))]
pub async fn operation_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<OperationBody>, JsonRejection>,
) -> Result<Json<Entry>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"operation\":{\"kind\":\"advance\",\"project\":\"…\",\"amount_m2\":1},\"idempotency_key\":\"…\",\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    let key = write::idempotency_key("api", &user, &request.idempotency_key)?;
    let entry = write::post_operation(
        &state.registry,
        &user,
        &request.operation,
        &key,
        &request.as_of,
        &request.reason,
    )
    .await?;
    Ok(Json(entry))
}

/// Handles POST /api/ledger/land-supplies
#[utoipa::path(post, path = "/ledger/land-supplies", tag = "ledger",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = LandSupplyBody,
    responses(
        (status = 200, description = "供地记录、规则结果与台账条目（使用节余指标时）/ the supply, the rule result and the ledger entry (when backed by surplus quota)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或辖区不符 / CSRF, read-only or jurisdiction", body = crate::error::Problem),
        (status = 409, description = "节余指标不足 / not enough surplus quota", body = crate::error::Problem),
        (status = 422, description = "OPERATIONAL_LAND_USES_QUOTA 或输入无效（含编号已用于其他供地）/ OPERATIONAL_LAND_USES_QUOTA or invalid input (including an ID used by another supply)", body = crate::error::Problem),
    ))]
pub async fn land_supply_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<LandSupplyBody>, JsonRejection>,
) -> Result<Json<LandSupplyOutcome>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"id\":\"…\",\"county\":\"511722\",\"zone\":\"…\",\"land_use\":\"commercial\",\"area_m2\":1,\"backing\":\"surplus_quota\",\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    Ok(Json(
        write::record_land_supply(&state.registry, &user, &request).await?,
    ))
}

/// Handles POST /api/ledger/adjustments
#[utoipa::path(post, path = "/ledger/adjustments", tag = "ledger",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = AdjustmentBody,
    responses(
        (status = 200, description = "规则结果（ADJUSTMENT_ONCE_A_YEAR 通过）/ the rule result (ADJUSTMENT_ONCE_A_YEAR passed)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非县级或辖区不符 / CSRF, read-only, not a county user or jurisdiction", body = crate::error::Problem),
        (status = 422, description = "ADJUSTMENT_ONCE_A_YEAR 或输入无效 / ADJUSTMENT_ONCE_A_YEAR or invalid input", body = crate::error::Problem),
    ))]
pub async fn adjustment_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<AdjustmentBody>, JsonRejection>,
) -> Result<Json<RuleResult>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"county\":\"511722\",\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    Ok(Json(
        write::apply_adjustment(&state.registry, &user, &request).await?,
    ))
}

/// Handles GET /api/supervision
#[utoipa::path(get, path = "/supervision", tag = "supervision",
    params(AsOfQuery),
    responses(
        (status = 200, description = "本辖区的期限、到期未处理与已实施的制裁、义务、暂停预支 / deadlines, sanctions due and applied, obligations and suspensions of the jurisdiction", body = SupervisionView),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 422, description = "日期无效 / invalid date", body = crate::error::Problem),
    ))]
pub async fn supervision_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Json<SupervisionView>, ApiError> {
    let as_of = as_of_of(query, user.today)?;
    Ok(Json(supervision_view(&state.registry, &user, as_of).await?))
}

/// Handles POST /api/supervision/scan
#[utoipa::path(post, path = "/supervision/scan", tag = "supervision",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = ScanBody,
    responses(
        (status = 200, description = "本次实施的制裁与此前已实施的数量（同一日期再次运行不实施任何制裁）/ sanctions applied by this run and how many were applied before (a second run for the same date applies nothing)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或县级用户 / CSRF, read-only or a county user", body = crate::error::Problem),
        (status = 422, description = "日期无效 / invalid date", body = crate::error::Problem),
    ))]
pub async fn scan_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<ScanBody>, JsonRejection>,
) -> Result<Json<ScanReport>, ApiError> {
    writer(&user, &headers)?;
    let request = body(request, "{\"as_of\":\"YYYY-MM-DD\"}")?;
    match write::run_scan(&state.registry, &user, &request.as_of).await? {
        write::ScanOutcome::Applied(report) => Ok(Json(report)),
        // The API never writes for a date after today: it answers 422 `future_date`, and
        // `GET /api/supervision/scan/preview` tells what such a scan would do.
        write::ScanOutcome::Preview(preview) => Err(WebError::Registry(
            guagou_registry::RegistryError::FutureDate {
                as_of: preview.as_of,
                today: user.door(&state.registry).today(),
            },
        )
        .into()),
    }
}

/// What lifting a suspension answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lifted {
    pub county: String,
    pub suspended: bool,
}

/// Handles POST /api/supervision/lift
#[utoipa::path(post, path = "/supervision/lift", tag = "supervision",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = LiftBody,
    responses(
        (status = 200, description = "已解除暂停（记入审计日志）/ the suspension is lifted (recorded in the audit log)", body = Lifted),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非市局或辖区不符 / CSRF, read-only, not the city or jurisdiction", body = crate::error::Problem),
        (status = 422, description = "缺少理由或代码无效 / no reason or invalid code", body = crate::error::Problem),
    ))]
pub async fn lift_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<LiftBody>, JsonRejection>,
) -> Result<Json<Lifted>, ApiError> {
    writer(&user, &headers)?;
    let request = body(request, "{\"county\":\"511725\",\"reason\":\"…\"}")?;
    write::lift_suspension(&state.registry, &user, &request).await?;
    Ok(Json(Lifted {
        county: request.county.trim().to_owned(),
        suspended: false,
    }))
}
