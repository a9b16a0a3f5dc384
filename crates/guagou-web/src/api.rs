//! The JSON API. Errors are JSON (`error::ApiError`); writes need the session's CSRF token in
//! the `x-csrf-token` header.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use guagou_registry::projects::Project;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ApiUser, CSRF_HEADER};
use crate::error::{ApiError, WebError};
use crate::view::{self, Balance, ProjectDetail};

/// Handles GET /api/projects
pub async fn projects_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(view::readable_projects(&state.registry, &user).await?))
}

/// Handles GET /api/projects/{code}
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
pub async fn balances_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Balance>>, ApiError> {
    Ok(Json(view::readable_balances(&state.registry, &user).await?))
}

#[derive(Debug, Deserialize)]
pub struct ActionBody {
    pub as_of: String,
    #[serde(default)]
    pub reason: String,
}

/// Handles POST /api/projects/{code}/actions/{action}
pub async fn project_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((code, action)): Path<(String, String)>,
    body: Result<Json<ActionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Project>, ApiError> {
    user.require_csrf(headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()))?;
    let body = body
        .map_err(|e| {
            WebError::invalid(
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

/// Answers 404 for unknown API paths, as JSON.
pub async fn not_found() -> ApiError {
    ApiError(WebError::NotFound)
}
