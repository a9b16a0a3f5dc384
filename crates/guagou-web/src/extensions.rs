//! Extensions of a project's completion deadline (二(四), docs/readings/deadlines.md), on the
//! project page and in the API.
//!
//! The page shows the project's completion deadline as it stands (binding with
//! COMPLETION_DEADLINE for a project that took an advance; otherwise the standard period, moved
//! by a granted extension) and every request with the city's decision. The county land bureau
//! asks for a later day with a reason; the city land bureau grants (with the day) or refuses.
//! The door decides who may and the domain whether the request can be made; this module reads
//! forms and bodies and renders.

use crate::catalogue::k;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use guagou_domain::lifecycle::Level;
use guagou_domain::sanctions::project_completion;
use guagou_registry::extensions::{Extension, ExtensionDecision, ExtensionState};
use guagou_registry::projects::Project;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::Lang;

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{code}/extensions", post(extension_submit))
        .route(
            "/projects/{code}/extensions/{seq}/decision",
            post(decision_submit),
        )
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(extensions_list, extension_post))
        .routes(routes!(decision_post))
}

fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

/// 延期申请 / the county's request to extend the completion deadline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExtensionBody {
    /// 申请延至 / the requested last day, `YYYY-MM-DD`
    #[schema(example = "2023-06-30")]
    pub until: String,
    /// 申请日期 / date of the request, `YYYY-MM-DD` (default: today)
    #[serde(default)]
    pub requested_on: Option<String>,
    /// 理由 / the reason
    pub reason: String,
}

/// 市局决定 / the city's decision on a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// grant | refuse
    #[schema(example = "grant")]
    pub decision: String,
    /// 批准延至（批准时必填）/ the new last day when granting, `YYYY-MM-DD`
    #[serde(default)]
    pub until: Option<String>,
    /// 决定日期 / date of the decision, `YYYY-MM-DD` (default: today)
    #[serde(default)]
    pub decided_on: Option<String>,
    /// 理由 / the reason
    pub reason: String,
}

fn date_or_today(
    field: &'static str,
    text: Option<&str>,
    today: NaiveDate,
) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => parse_date(field, t),
        None => Ok(today),
    }
}

impl DecisionBody {
    fn decision(&self) -> Result<ExtensionDecision, WebError> {
        match self.decision.trim() {
            "grant" => {
                let until = self.until.as_deref().unwrap_or("");
                Ok(ExtensionDecision::Grant(parse_date("until", until)?))
            }
            "refuse" => Ok(ExtensionDecision::Refuse),
            other => Err(WebError::invalid_text(
                "decision",
                format!("决定 {other} 应为 grant 或 refuse"),
                format!("decision {other} should be grant or refuse"),
            )),
        }
    }
}

/// Handles GET /api/projects/{code}/extensions
#[utoipa::path(get, path = "/projects/{code}/extensions", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "延期申请及市局决定（旧→新）/ extension requests with the city's decisions, oldest first", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn extensions_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<Extension>>, ApiError> {
    Ok(Json(user.door(&state.registry).extensions(&code).await?))
}

/// Handles POST /api/projects/{code}/extensions
#[utoipa::path(post, path = "/projects/{code}/extensions", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = ExtensionBody,
    responses(
        (status = 200, description = "记录的延期申请（记入审计日志），待市局决定 / the request recorded (audited), awaiting the city's decision", body = Object),
        (status = 403, description = "CSRF、只读或辖区不符 / CSRF, read-only or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 409, description = "已有待决定的申请，或没有可延长的期限 / a request is pending, or there is no deadline to extend", body = crate::error::Problem),
        (status = 422, description = "预支指标项目不得延期（COMPLETION_DEADLINE）、输入无效或日期晚于今日 / a project that took an advance cannot be extended (COMPLETION_DEADLINE), invalid input or dated after today", body = crate::error::Problem),
    ))]
pub async fn extension_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    input: Result<Json<ExtensionBody>, JsonRejection>,
) -> Result<Json<Extension>, ApiError> {
    user.require_csrf_header(&headers)?;
    let b = crate::api::json_body(input, "JSON")?;
    let until = parse_date("until", &b.until)?;
    let on = date_or_today("requested_on", b.requested_on.as_deref(), user.today)?;
    Ok(Json(
        user.door(&state.registry)
            .request_extension(&code, until, on, &b.reason)
            .await?,
    ))
}

/// Handles POST /api/projects/{code}/extensions/{seq}/decision
#[utoipa::path(post, path = "/projects/{code}/extensions/{seq}/decision", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code"),
        ("seq" = i64, Path, description = "申请序号 / the request's number"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "记录的决定（记入审计日志）/ the decision recorded (audited)", body = Object),
        (status = 403, description = "CSRF、只读、非市局或辖区不符 / CSRF, read-only, not the city, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 409, description = "申请已被决定（state_changed）/ the request was decided already (state_changed)", body = crate::error::Problem),
        (status = 422, description = "输入无效或日期晚于今日 / invalid input or dated after today", body = crate::error::Problem),
    ))]
pub async fn decision_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, seq)): Path<(String, i64)>,
    headers: HeaderMap,
    input: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<Extension>, ApiError> {
    user.require_csrf_header(&headers)?;
    let b = crate::api::json_body(input, "JSON")?;
    let decision = b.decision()?;
    let on = date_or_today("decided_on", b.decided_on.as_deref(), user.today)?;
    Ok(Json(
        user.door(&state.registry)
            .decide_extension(&code, seq, decision, on, &b.reason)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExtensionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

/// Handles POST /projects/{code}/extensions
pub async fn extension_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<ExtensionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let until = parse_date("until", &form.until)?;
    let asked = user
        .door(&state.registry)
        .request_extension(&code, until, user.today, &form.reason)
        .await?;
    Ok(Redirect::to(&format!("/projects/{}#extension-{}", asked.code, asked.seq)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Handles POST /projects/{code}/extensions/{seq}/decision
pub async fn decision_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((code, seq)): Path<(String, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let decision = DecisionBody {
        decision: form.decision,
        until: form.until,
        decided_on: None,
        reason: form.reason.clone(),
    }
    .decision()?;
    let decided = user
        .door(&state.registry)
        .decide_extension(&code, seq, decision, user.today, &form.reason)
        .await?;
    Ok(Redirect::to(&format!(
        "/projects/{}#extension-{}",
        decided.code, decided.seq
    ))
    .into_response())
}

/// An extension request as the project page lists it.
struct ExtensionLine<'a> {
    extension: &'a Extension,
    class: &'static str,
    state: &'static str,
    /// The decision taken (its day, how long and why), if any.
    decided: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "extensions/section.html")]
struct Section<'a> {
    lang: Lang,
    code: &'a str,
    csrf: &'a str,
    standing: String,
    rows: Vec<ExtensionLine<'a>>,
    /// Whether the reader decides the requests (the city's land bureau).
    decides: bool,
    /// The first day a new request may ask for, when the reader may ask.
    request_min: Option<NaiveDate>,
}

/// Where the project stands against its completion deadline, in the reader's language.
fn standing(lang: Lang, deadline: Option<&guagou_domain::sanctions::CompletionDeadline>) -> String {
    let Some(c) = deadline else {
        return lang.text(k::NOT_APPROVED_OR_ENDED_NO_COMPLETION).to_owned();
    };
    let key = if c.binding {
        k::COMPLETION_BINDING
    } else if c.extended {
        k::COMPLETION_EXTENDED
    } else {
        k::COMPLETION_PERIOD
    };
    let mut text = lang.fill(key, &[("day", &c.last_day.to_string())]);
    if c.met {
        text.push_str(lang.text(k::ACCEPTANCE_APPLIED_FOR_IN_TIME));
    }
    text
}

fn extension_line(lang: Lang, e: &Extension) -> ExtensionLine<'_> {
    ExtensionLine {
        extension: e,
        class: match e.state {
            ExtensionState::Requested => "warn",
            ExtensionState::Granted => "ok",
            ExtensionState::Refused => "fail",
        },
        state: lang.text(crate::names::extension_state(e.state)),
        decided: e.decided_on.map(|on| {
            let until = e
                .granted_until
                .map(|u| lang.fill(k::EXTENSION_GRANTED_UNTIL, &[("day", &u.to_string())]))
                .unwrap_or_default();
            format!("{on} {until}{}", e.decision_reason.as_deref().unwrap_or(""))
        }),
    }
}

/// The completion deadline and extensions section of a project page, with the forms this user
/// may use.
pub async fn project_section_html(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<String, WebError> {
    let lang = user.lang;
    let door = user.door(&state.registry);
    let profile = door.profile();
    let facts = door.project_deadline_facts(&project.code).await?;
    let deadline = facts.as_ref().and_then(|f| project_completion(profile, f));
    let extensions = door.extensions(&project.code).await?;
    let pending = extensions
        .iter()
        .any(|e| e.state == ExtensionState::Requested);
    let may_request = user.is_land_writer()
        && user.actor.level == Level::County
        && !pending
        && deadline.as_ref().is_some_and(|c| !c.binding && !c.met);
    let section = Section {
        lang,
        code: &project.code,
        csrf: &user.csrf,
        standing: standing(lang, deadline.as_ref()),
        rows: extensions.iter().map(|e| extension_line(lang, e)).collect(),
        decides: user.is_land_writer() && user.actor.level == Level::City,
        request_min: deadline
            .as_ref()
            .filter(|_| may_request)
            .map(|c| c.last_day.succ_opt().unwrap_or(c.last_day)),
    };
    askama::Template::render(&section)
        .map_err(|e| WebError::Internal(format!("extensions template: {e}")))
}
