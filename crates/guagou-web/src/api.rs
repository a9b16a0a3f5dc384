//! The JSON API. Errors are JSON (`error::ApiError`); writes need the session's CSRF token in
//! the `x-csrf-token` header. Every handler carries its OpenAPI description
//! (`#[utoipa::path]`); `routes()` registers handler and description together, so the served
//! document (`/api/openapi.json`) cannot drift from the routes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use guagou_registry::projects::Project;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};
use crate::view::{self, Balance, ProjectDetail};

/// The project and ledger routes of the API (paths relative to `/api`).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(projects_list))
        .routes(routes!(project_show))
        .routes(routes!(balances_list))
        .routes(routes!(project_action))
}

/// Handles GET /api/projects
#[utoipa::path(get, path = "/projects", tag = "projects",
    responses(
        (status = 200, description = "项目列表（本辖区） / projects of the user's jurisdiction", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn projects_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(view::readable_projects(&state.registry, &user).await?))
}

/// Handles GET /api/projects/{code}
#[utoipa::path(get, path = "/projects/{code}", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "项目、版本与检查结果 / project, versions and check results", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn project_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<ProjectDetail>, ApiError> {
    Ok(Json(
        view::project_detail(&state.registry, &user, &code).await?,
    ))
}

/// Handles GET /api/ledger/balances
#[utoipa::path(get, path = "/ledger/balances", tag = "ledger",
    responses(
        (status = 200, description = "本辖区账户余额 / balances of the jurisdiction's accounts", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn balances_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Balance>>, ApiError> {
    Ok(Json(view::readable_balances(&state.registry, &user).await?))
}

/// The body of a lifecycle step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionBody {
    /// 基准日 / the date the step takes effect, `YYYY-MM-DD`
    #[schema(example = "2019-07-15")]
    pub as_of: String,
    /// 理由 / why
    #[serde(default)]
    pub reason: String,
}

/// Handles POST /api/projects/{code}/actions/{action}
#[utoipa::path(post, path = "/projects/{code}/actions/{action}", tag = "projects",
    params(
        ("code" = String, Path, description = "项目编号 / project code"),
        ("action" = String, Path, description = "submit | pool | forward | approve | start | accept | close | return | withdraw | terminate"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = ActionBody,
    responses(
        (status = 200, description = "新状态的项目 / the project in its new state", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、级别或辖区不符 / CSRF, read-only, level or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "当前状态不允许 / the state does not allow it", body = crate::error::Problem),
        (status = 422, description = "规则未通过或输入无效 / a rule failed or invalid input", body = crate::error::Problem),
    ))]
pub async fn project_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((code, action)): Path<(String, String)>,
    body: Result<Json<ActionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Project>, ApiError> {
    user.require_csrf_header(&headers)?;
    let body = body
        .map_err(|e| {
            WebError::invalid_text(
                "body",
                format!("请求体应为 {{\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}}：{e}"),
                format!("the body should be {{\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}}: {e}"),
            )
        })?
        .0;
    let project = view::take_action(
        &state.registry,
        &user,
        &code,
        &action,
        &body.as_of,
        &body.reason,
    )
    .await?;
    Ok(Json(project))
}

/// A JSON request body, or a 422 naming the shape that was expected (every API module).
pub(crate) fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
    shape: &str,
) -> Result<T, WebError> {
    body.map(|Json(b)| b).map_err(|e| {
        // A body over the limit is not a malformed body: it gets its own status and code.
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return WebError::BodyTooLarge;
        }
        WebError::invalid_text(
            "body",
            format!("请求体应为 {shape}：{e}"),
            format!("the body should be {shape}: {e}"),
        )
    })
}

/// Answers 404 for unknown API paths, as JSON.
pub async fn not_found() -> ApiError {
    ApiError(WebError::NotFound)
}
