//! The supervision API: inspections, findings, rectification and closure; criticisms and
//! commendations; the yearly allocation. Reads are filtered like the pages (another county's
//! inspection or notice is 404); writes need `x-csrf-token`, refuse audit (403) and go through
//! the registry.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use guagou_registry::inspections::{DecidedAllocation, Inspection, Notice};

use super::input::{
    self, AllocationQuery, AllocationView, ClosureBody, DecideBody, InspectionBody, LiftNoticeBody,
    NoticeBody, RectificationBody,
};
use crate::AppState;
use crate::api::json_body as body;
use crate::auth::{ApiUser, User};
use crate::error::{ApiError, WebError};

/// CSRF first, then the write right: an audit user is refused whatever the body says.
fn writer(user: &User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)?;
    Ok(user.actor.require_writer()?)
}

/// Handles GET /api/supervision/inspections
#[utoipa::path(get, path = "/supervision/inspections", tag = "supervision",
    responses(
        (status = 200, description = "本辖区的检查（审计：全部），新的在前，含问题与整改 / inspections of the jurisdiction (audit: all), newest first, with findings", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn inspections_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Inspection>>, ApiError> {
    Ok(Json(
        input::readable_inspections(&state.registry, &user).await?,
    ))
}

/// Handles POST /api/supervision/inspections
#[utoipa::path(post, path = "/supervision/inspections", tag = "supervision",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = InspectionBody,
    responses(
        (status = 200, description = "已记录的检查（编号 `<县>-JC-<年>-<序号>`）/ the inspection recorded (id `<county>-JC-<year>-<n>`)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读（审计）、非国土部门或县级用户 / CSRF, read-only (audit), another department or a county user", body = crate::error::Problem),
        (status = 404, description = "项目或县不存在或无权查看 / project or county not found or not readable", body = crate::error::Problem),
        (status = 422, description = "输入无效（类型、日期、期限早于检查日期、缺少描述）/ invalid input", body = crate::error::Problem),
    ))]
pub async fn inspection_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<InspectionBody>, JsonRejection>,
) -> Result<Json<Inspection>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"county\":\"511722\",\"kind\":\"construction\",\"inspected_on\":\"YYYY-MM-DD\",\"summary\":\"…\",\"findings\":[{\"description\":\"…\",\"severity\":\"major\",\"deadline\":\"YYYY-MM-DD\"}]}",
    )?;
    Ok(Json(
        input::record_inspection(&state.registry, &user, &request).await?,
    ))
}

/// Handles GET /api/supervision/inspections/{id}
#[utoipa::path(get, path = "/supervision/inspections/{id}", tag = "supervision",
    params(("id" = String, Path, description = "检查编号 / inspection id")),
    responses(
        (status = 200, description = "检查、问题、整改与销号 / the inspection, its findings, rectifications and closures", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn inspection_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Inspection>, ApiError> {
    Ok(Json(
        input::readable_inspection(&state.registry, &user, &id).await?,
    ))
}

/// Handles POST /api/supervision/inspections/{id}/findings/{seq}/rectification
#[utoipa::path(post, path = "/supervision/inspections/{id}/findings/{seq}/rectification", tag = "supervision",
    params(
        ("id" = String, Path, description = "检查编号 / inspection id"),
        ("seq" = String, Path, description = "问题序号 / finding number"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = RectificationBody,
    responses(
        (status = 200, description = "记录整改后的检查 / the inspection after the rectification", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非本县国土部门 / CSRF, read-only, or not the county's land department", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看（他县）/ not found or not readable (another county)", body = crate::error::Problem),
        (status = 409, description = "该问题不在待整改状态 / the finding is not open", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn rectification_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((id, seq)): Path<(String, String)>,
    request: Result<Json<RectificationBody>, JsonRejection>,
) -> Result<Json<Inspection>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"rectification\":\"…\",\"rectified_on\":\"YYYY-MM-DD\"}",
    )?;
    Ok(Json(
        input::rectify(&state.registry, &user, &id, &seq, &request).await?,
    ))
}

/// Handles POST /api/supervision/inspections/{id}/findings/{seq}/closure
#[utoipa::path(post, path = "/supervision/inspections/{id}/findings/{seq}/closure", tag = "supervision",
    params(
        ("id" = String, Path, description = "检查编号 / inspection id"),
        ("seq" = String, Path, description = "问题序号 / finding number"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = ClosureBody,
    responses(
        (status = 200, description = "销号后的检查（全部销号则检查办结）/ the inspection after the closure (closed when all findings are)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或县级用户 / CSRF, read-only or a county user", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 409, description = "尚未整改，不能销号 / not rectified yet: closure refused", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn closure_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((id, seq)): Path<(String, String)>,
    request: Result<Json<ClosureBody>, JsonRejection>,
) -> Result<Json<Inspection>, ApiError> {
    writer(&user, &headers)?;
    let request = body(request, "{\"note\":\"…\",\"closed_on\":\"YYYY-MM-DD\"}")?;
    Ok(Json(
        input::close(&state.registry, &user, &id, &seq, &request).await?,
    ))
}

/// Handles GET /api/supervision/notices
#[utoipa::path(get, path = "/supervision/notices", tag = "supervision",
    responses(
        (status = 200, description = "本辖区的通报批评与表扬（审计：全部）/ criticisms and commendations of the jurisdiction (audit: all)", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn notices_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Notice>>, ApiError> {
    Ok(Json(input::readable_notices(&state.registry, &user).await?))
}

/// Handles POST /api/supervision/notices
#[utoipa::path(post, path = "/supervision/notices", tag = "supervision",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = NoticeBody,
    responses(
        (status = 200, description = "已记录的通报（编号 `<县>-TB-<年>-<序号>`）/ the notice recorded", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非市局国土部门 / CSRF, read-only or not the city land department", body = crate::error::Problem),
        (status = 404, description = "县不存在或无权查看 / county not found or not readable", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn notice_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<NoticeBody>, JsonRejection>,
) -> Result<Json<Notice>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"county\":\"511725\",\"kind\":\"criticism\",\"decided_on\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    Ok(Json(
        input::record_notice(&state.registry, &user, &request).await?,
    ))
}

/// Handles POST /api/supervision/notices/{id}/lift
#[utoipa::path(post, path = "/supervision/notices/{id}/lift", tag = "supervision",
    params(
        ("id" = String, Path, description = "通报编号 / notice id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = LiftNoticeBody,
    responses(
        (status = 200, description = "已解除的通报批评（记入审计日志）/ the criticism, lifted (recorded in the audit log)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非市局 / CSRF, read-only or not the city", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 409, description = "不是生效中的通报批评 / not a criticism in force", body = crate::error::Problem),
        (status = 422, description = "缺少理由或日期无效 / no reason or invalid date", body = crate::error::Problem),
    ))]
pub async fn notice_lift_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Result<Json<LiftNoticeBody>, JsonRejection>,
) -> Result<Json<Notice>, ApiError> {
    writer(&user, &headers)?;
    let request = body(request, "{\"lifted_on\":\"YYYY-MM-DD\",\"reason\":\"…\"}")?;
    Ok(Json(
        input::lift_notice(&state.registry, &user, &id, &request).await?,
    ))
}

/// Handles GET /api/supervision/allocation
#[utoipa::path(get, path = "/supervision/allocation", tag = "supervision",
    params(AllocationQuery),
    responses(
        (status = 200, description = "年度分配的计算过程（县级用户只见本县一行，合计保留）与已决定的分配 / the calculation (a county sees its own row; totals kept) and the decided allocation", body = AllocationView),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 422, description = "年度或总量无效，或无可分配的县 / invalid year or total, or no county eligible", body = crate::error::Problem),
    ))]
pub async fn allocation_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<AllocationQuery>, QueryRejection>,
) -> Result<Json<AllocationView>, ApiError> {
    let query = query.map(|q| q.0).unwrap_or_default();
    Ok(Json(
        input::allocation_view(&state.registry, &user, &query).await?,
    ))
}

/// Handles POST /api/supervision/allocation
#[utoipa::path(post, path = "/supervision/allocation", tag = "supervision",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = DecideBody,
    responses(
        (status = 200, description = "记录的决定与其计算过程 / the decision recorded with its calculation", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非市局 / CSRF, read-only or not the city", body = crate::error::Problem),
        (status = 409, description = "该年度已决定 / the year was decided before", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn allocation_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<DecideBody>, JsonRejection>,
) -> Result<Json<DecidedAllocation>, ApiError> {
    writer(&user, &headers)?;
    let request = body(
        request,
        "{\"year\":2020,\"total_m2\":1000000,\"decided_on\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    Ok(Json(input::decide(&state.registry, &user, &request).await?))
}
