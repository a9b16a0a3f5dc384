//! Departments' reviews of a project and the audit bureau's findings (三(一), SPEC §1), on the
//! project page and in the API.
//!
//! Every department named in a topic of the profile's `[[project_reviews]]` (规划 on the site of
//! concentrated residence, 住建 on quality and safety, 农业 on reclaimed soil, 林业 on forest
//! land, with the departments taking part) records its review of a project of its
//! jurisdiction; the audit bureau records findings on a project or a county — the one thing
//! audit writes. The door decides who may; this module reads forms and bodies and renders.

use crate::catalogue::k;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::review::Conclusion;
use guagou_registry::projects::Project;
use guagou_registry::reviews::{AuditFinding, NewFinding, NewReview, ProjectReview};
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
        .route("/projects/{code}/reviews", post(review_submit))
        .route("/projects/{code}/findings", post(finding_submit))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reviews_list, review_post))
        .routes(routes!(findings_list, finding_post))
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

fn parse_conclusion(text: &str) -> Result<Conclusion, WebError> {
    Conclusion::parse(text).ok_or_else(|| {
        WebError::invalid_text(
            "conclusion",
            format!("结论 {text} 应为 agree、conditional 或 disagree"),
            format!("conclusion {text} should be agree, conditional or disagree"),
        )
    })
}

/// 部门审查意见 / a department's review of a project.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// 审查事项代码（规则配置 `[[project_reviews]]`）/ topic code of the profile, e.g. `site`
    #[schema(example = "site")]
    pub topic: String,
    /// agree | conditional | disagree
    #[schema(example = "agree")]
    pub conclusion: String,
    /// 意见全文（有条件同意时写明条件）/ the opinion (the conditions, when conditional)
    pub text: String,
    /// 审查日期 / date of the review, `YYYY-MM-DD`
    #[schema(example = "2019-07-01")]
    pub reviewed_on: String,
}

impl ReviewBody {
    fn parse(&self) -> Result<NewReview, WebError> {
        Ok(NewReview {
            topic: self.topic.trim().to_owned(),
            conclusion: parse_conclusion(&self.conclusion)?,
            text: self.text.clone(),
            reviewed_on: parse_date("reviewed_on", &self.reviewed_on)?,
        })
    }
}

/// 审计发现 / an audit finding on a project or a county.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FindingBody {
    /// 所涉项目编号（可空）/ the project it concerns, if any
    #[serde(default)]
    pub project: Option<String>,
    /// 所涉县代码（无项目时必填）/ the county it concerns (required without a project)
    #[serde(default)]
    pub county: Option<String>,
    pub text: String,
    /// 发现日期 / date of the finding, `YYYY-MM-DD`
    #[schema(example = "2019-07-01")]
    pub found_on: String,
}

impl FindingBody {
    fn parse(&self) -> Result<NewFinding, WebError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let county = given(&self.county)
            .map(|c| {
                DivisionCode::parse(&c).map_err(|_| {
                    WebError::invalid_text(
                        "county",
                        format!("行政区划代码 {c} 无效"),
                        format!("invalid division code {c}"),
                    )
                })
            })
            .transpose()?;
        Ok(NewFinding {
            county,
            project: given(&self.project),
            text: self.text.clone(),
            found_on: parse_date("found_on", &self.found_on)?,
        })
    }
}

fn body<T>(input: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    input.map(|Json(b)| b).map_err(|e| {
        WebError::invalid_text(
            "body",
            format!("请求体无效：{e}"),
            format!("invalid body: {e}"),
        )
    })
}

/// Handles GET /api/projects/{code}/reviews
#[utoipa::path(get, path = "/projects/{code}/reviews", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "各部门审查意见（旧→新）/ the departments' reviews, oldest first", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn reviews_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<ProjectReview>>, ApiError> {
    Ok(Json(
        user.door(&state.registry).project_reviews(&code).await?,
    ))
}

/// Handles POST /api/projects/{code}/reviews
#[utoipa::path(post, path = "/projects/{code}/reviews", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "记录的审查意见（记入审计日志）/ the review recorded (audited)", body = Object),
        (status = 403, description = "CSRF、只读、部门不审查此事项或辖区不符 / CSRF, read-only, the department does not review the topic, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
        (status = 422, description = "输入无效或日期晚于今日 / invalid input or dated after today", body = crate::error::Problem),
    ))]
pub async fn review_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    input: Result<Json<ReviewBody>, JsonRejection>,
) -> Result<Json<ProjectReview>, ApiError> {
    user.require_csrf_header(&headers)?;
    let new = body(input)?.parse()?;
    Ok(Json(
        user.door(&state.registry)
            .record_project_review(&code, &new)
            .await?,
    ))
}

/// Handles GET /api/audit-findings
#[utoipa::path(get, path = "/audit-findings", tag = "audit",
    responses(
        (status = 200, description = "本辖区的审计发现（新→旧）/ the audit findings of the jurisdiction, newest first", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn findings_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<AuditFinding>>, ApiError> {
    Ok(Json(user.door(&state.registry).audit_findings(None).await?))
}

/// Handles POST /api/audit-findings
#[utoipa::path(post, path = "/audit-findings", tag = "audit",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = FindingBody,
    responses(
        (status = 200, description = "记录的审计发现（记入审计日志）/ the finding recorded (audited)", body = Object),
        (status = 403, description = "CSRF、非审计部门或辖区不符 / CSRF, not the audit bureau, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "项目不存在或无权查看 / project not found or not readable", body = crate::error::Problem),
        (status = 422, description = "输入无效或日期晚于今日 / invalid input or dated after today", body = crate::error::Problem),
    ))]
pub async fn finding_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    input: Result<Json<FindingBody>, JsonRejection>,
) -> Result<Json<AuditFinding>, ApiError> {
    user.require_csrf_header(&headers)?;
    let new = body(input)?.parse()?;
    Ok(Json(
        user.door(&state.registry)
            .record_audit_finding(&new)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reviewed_on: String,
}

/// Handles POST /projects/{code}/reviews
pub async fn review_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let new = ReviewBody {
        topic: form.topic,
        conclusion: form.conclusion,
        text: form.text,
        reviewed_on: form.reviewed_on,
    }
    .parse()?;
    let review = user
        .door(&state.registry)
        .record_project_review(&code, &new)
        .await?;
    Ok(Redirect::to(&format!("/projects/{}#review-{}", review.code, review.seq)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    found_on: String,
}

/// Handles POST /projects/{code}/findings
pub async fn finding_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<FindingForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let new = FindingBody {
        project: Some(code.clone()),
        county: None,
        text: form.text,
        found_on: form.found_on,
    }
    .parse()?;
    let finding = user
        .door(&state.registry)
        .record_audit_finding(&new)
        .await?;
    Ok(Redirect::to(&format!("/projects/{code}#finding-{}", finding.id)).into_response())
}

/// A review as the project page lists it, in the reader's language.
struct ReviewLine<'a> {
    seq: i64,
    reviewed_on: &'a str,
    topic: String,
    department: &'a str,
    class: &'static str,
    conclusion: &'static str,
    text: &'a str,
    recorded_by: &'a str,
}

#[derive(askama::Template)]
#[template(path = "reviews/sections.html")]
struct Sections<'a> {
    lang: Lang,
    code: &'a str,
    csrf: &'a str,
    today: NaiveDate,
    reviews: Vec<ReviewLine<'a>>,
    /// The topics the reader's department reviews: (code, name).
    topics: Vec<(String, String)>,
    findings: Vec<guagou_registry::reviews::AuditFinding>,
    records_findings: bool,
}

/// The reviews and findings sections of a project page, with the forms this user may use.
pub async fn project_sections_html(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<String, WebError> {
    let lang = user.lang;
    let door = user.door(&state.registry);
    let topics = &door.profile().project_reviews;
    let reviews = door.project_reviews(&project.code).await?;
    let findings = door.audit_findings(Some(&project.code)).await?;
    let name = |zh: &str, en: &str| crate::print::tr(lang, zh, en).to_owned();
    let sections = Sections {
        lang,
        code: &project.code,
        csrf: &user.csrf,
        today: user.today,
        reviews: reviews
            .iter()
            .map(|r| ReviewLine {
                seq: r.seq,
                reviewed_on: &r.reviewed_on,
                topic: topics
                    .iter()
                    .find(|t| t.code == r.topic)
                    .map_or_else(|| r.topic.clone(), |t| name(&t.name_zh, &t.name_en)),
                department: &r.department,
                class: match r.conclusion {
                    Conclusion::Agree => "ok",
                    Conclusion::Conditional => "warn",
                    Conclusion::Disagree => "fail",
                },
                conclusion: lang.text(crate::names::conclusion(r.conclusion)),
                text: &r.text,
                recorded_by: &r.recorded_by,
            })
            .collect(),
        topics: door
            .my_review_topics()
            .iter()
            .map(|t| (t.code.clone(), name(&t.name_zh, &t.name_en)))
            .collect(),
        findings,
        records_findings: door.records_audit_findings(),
    };
    askama::Template::render(&sections)
        .map_err(|e| WebError::Internal(format!("review sections template: {e}")))
}
