//! The report as JSON.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use guagou_domain::report::Report;

use super::access::{ReportParams, query_for, report_for};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;

/// Handles GET /api/reports
#[utoipa::path(get, path = "/reports", tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "报表：按县分年度、按县汇总、合计、项目状态、按用途使用（面积 m²，金额 分；定义见 docs/reports.md）/ the report: per county and year, per county, total, project states, use by land-use category (areas in m², money in 分; definitions in docs/reports.md)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "县不存在或无权查看 / county not found or not readable", body = crate::error::Problem),
        (status = 422, description = "年度、日期或代码无效 / invalid year, date or code", body = crate::error::Problem),
    ))]
pub async fn reports_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let query = query_for(&user, params)?;
    Ok(Json(report_for(&state.registry, &user, &query).await?))
}
