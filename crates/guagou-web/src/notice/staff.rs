//! The staff pages of a project's notice: what was published, every objection with the
//! objector's name and contact, its due day and whether it is overdue; the answer forms and the
//! publish form for the county land bureau of the project's county.
//!
//! Reads: readers of the project (404 otherwise). Writes: `User::require_land` (audit 403,
//! other departments 403) and the session's CSRF token; the registry checks the county level
//! and the jurisdiction again and audits.

use crate::catalogue::k;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use guagou_domain::lifecycle::Level;
use guagou_domain::notice::parse_standards;
use guagou_registry::notice::NoticeInput;
use serde::Deserialize;

use super::fail::{Fail, PageFail};
use super::view::{PublicNotice, StaffNotice, notice_html, staff_objections_html};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::WebError;
use crate::html::{Lang, page};
use crate::view::readable_project;

/// Whether `user` may publish notices and answer objections of `county`'s projects: the land
/// bureau of that county (the registry checks again).
pub fn may_write(user: &User, county: &str) -> bool {
    user.is_land_writer() && user.actor.level == Level::County && user.reads(county)
}

/// The staff view of project `code`, if `user` reads the project.
pub async fn staff_view(state: &AppState, user: &User, code: &str) -> Result<StaffNotice, Fail> {
    readable_project(&state.registry, user, code).await?;
    let notice = user.door(&state.registry).project_notice(code).await?;
    let objections = user.door(&state.registry).notice_objections(code).await?;
    let today = user.door(&state.registry).notice_today()?;
    let durations = &user.door(&state.registry).profile().notice;
    Ok(StaffNotice::of(code, notice, objections, today, durations))
}

#[derive(askama::Template)]
#[template(path = "notice/staff_page.html")]
struct StaffPage<'a> {
    lang: Lang,
    code: &'a str,
    notice: Option<&'a guagou_registry::notice::Notice>,
    published_at: String,
    households_source: String,
    version: String,
    /// The published notice's body (rendered by its own template).
    notice_body: String,
    /// The objections table (rendered by its own template).
    objections: String,
    /// The publish form's token, for a county land bureau that may publish.
    publish_csrf: Option<&'a str>,
    today: NaiveDate,
    min_days: String,
}

/// Where the households of a notice came from, by name.
fn households_source(lang: Lang, source: &str) -> String {
    match source {
        "package" => lang.text(k::HOUSEHOLDS_FROM_PACKAGE).to_owned(),
        "upload" => lang.text(k::HOUSEHOLDS_FROM_UPLOAD).to_owned(),
        other => other.to_owned(),
    }
}

/// Handles GET /notices/{code}
pub async fn notice_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageFail> {
    let lang = user.lang;
    let view = staff_view(&state, &user, &code).await?;
    let project = readable_project(&state.registry, &user, &code).await?;
    let writer = may_write(&user, &project.county);
    let notice = view.notice.as_ref();
    let min_days = user.door(&state.registry).profile().notice.min_days.value;
    let staff_page = StaffPage {
        lang,
        code: &code,
        notice,
        published_at: notice.map_or_else(String::new, |n| crate::html::local_time(&n.published_at)),
        households_source: notice.map_or_else(String::new, |n| {
            households_source(lang, &n.households_source)
        }),
        version: notice.map_or_else(String::new, |n| {
            lang.fill(k::NOTICE_VERSION, &[("version", &n.version.to_string())])
        }),
        notice_body: notice.map_or_else(String::new, |n| {
            notice_html(lang, &PublicNotice::of(n, &[], view.today))
        }),
        objections: staff_objections_html(lang, &view, writer.then_some(user.csrf.as_str())),
        publish_csrf: writer.then_some(user.csrf.as_str()),
        today: view.today,
        min_days: lang.fill(k::NOTICE_MIN_DAYS, &[("days", &min_days.to_string())]),
    };
    let body = askama::Template::render(&staff_page).map_err(|e| {
        PageFail::from(Fail::from(crate::error::WebError::Internal(format!(
            "notice page template: {e}"
        ))))
    })?;
    Ok(Html(page(k::NOTICE_AND_OBJECTIONS, Some(&user), &body)))
}

/// The fields of the publish form or API call, read from a multipart body.
#[derive(Debug, Default)]
pub struct PublishFields {
    pub csrf: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub standards: String,
    pub standards_text: String,
    pub contact: String,
    pub households_csv: Option<Vec<u8>>,
}

fn bad_body(detail: &str) -> WebError {
    WebError::invalid_text(
        "body",
        format!("请求体应为 multipart/form-data 表单：{detail}"),
        format!("the body should be a multipart/form-data form: {detail}"),
    )
}

/// Reads the publish form (text fields and the optional `households` file).
pub async fn read_publish_form(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<PublishFields, WebError> {
    let mut multipart = multipart.map_err(|e| bad_body(&e.body_text()))?;
    let mut out = PublishFields::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_body(&e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| bad_body(&e.body_text()))?;
        if name == "households" {
            if !bytes.is_empty() {
                out.households_csv = Some(bytes.to_vec());
            }
            continue;
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| bad_body(&format!("field {name} is not UTF-8 text")))?;
        match name.as_str() {
            "csrf" => out.csrf = Some(text),
            "starts_on" => out.starts_on = text,
            "ends_on" => out.ends_on = text,
            "standards" => out.standards = text,
            "standards_text" => out.standards_text = text,
            "contact" => out.contact = text,
            _ => {}
        }
    }
    Ok(out)
}

/// Parses a `YYYY-MM-DD` date (empty: none).
pub fn parse_date(field: &'static str, text: &str) -> Result<Option<NaiveDate>, WebError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            WebError::invalid_text(
                field,
                format!("{field}：'{t}' 不是 YYYY-MM-DD 日期"),
                format!("{field}: '{t}' is not a YYYY-MM-DD date"),
            )
        })
}

impl PublishFields {
    /// The registry's input (standards parsed from their lines).
    pub fn input(self) -> Result<NoticeInput, Fail> {
        let standards = parse_standards(&self.standards)
            .map_err(|e| Fail::from(guagou_registry::notice::NoticeError::Rule(e)))?;
        Ok(NoticeInput {
            starts_on: parse_date("starts_on", &self.starts_on)?,
            ends_on: parse_date("ends_on", &self.ends_on)?,
            standards,
            standards_text: self.standards_text,
            contact: self.contact,
            households_csv: self.households_csv,
        })
    }
}

/// Checks the rights to write on project `code`: readable (404), land bureau (403).
pub async fn require_writer(state: &AppState, user: &User, code: &str) -> Result<(), Fail> {
    readable_project(&state.registry, user, code).await?;
    user.actor.require_land()?;
    Ok(())
}

/// Handles POST /notices/{code}
pub async fn notice_publish(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageFail> {
    let fields = read_publish_form(multipart).await?;
    user.require_csrf(fields.csrf.as_deref())?;
    require_writer(&state, &user, &code).await?;
    let input = fields.input()?;
    user.door(&state.registry)
        .publish_notice(&code, &input)
        .await?;
    Ok(Redirect::to(&format!("/notices/{code}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    as_of: String,
}

/// Answers objection `receipt` for `user` (rights checked here and in the registry).
pub async fn answer(
    state: &AppState,
    user: &User,
    receipt: &str,
    text: &str,
    as_of: &str,
) -> Result<guagou_registry::notice::Objection, Fail> {
    let objection = match user.door(&state.registry).notice_objection(receipt).await {
        Ok(o) => o,
        Err(e) => return Err(e.into()),
    };
    require_writer(state, user, &objection.code).await?;
    let on = match parse_date("as_of", as_of)? {
        Some(d) => d,
        None => user.door(&state.registry).notice_today()?,
    };
    Ok(user
        .door(&state.registry)
        .answer_objection(receipt, text, on)
        .await?)
}

/// Handles POST /notices/objections/{receipt}/answer
pub async fn answer_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(receipt): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, PageFail> {
    user.require_csrf(form.csrf.as_deref())?;
    let objection = answer(&state, &user, &receipt, &form.answer, &form.as_of).await?;
    Ok(Redirect::to(&format!("/notices/{}", objection.code)).into_response())
}
