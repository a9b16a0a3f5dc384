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
use crate::html::{Lang, esc, page};
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

fn publish_form_html(
    lang: Lang,
    code: &str,
    csrf: &str,
    today: NaiveDate,
    min_days: u32,
) -> String {
    format!(
        "<section id=\"publish\"><h2>{title}</h2>\
         <form method=\"post\" action=\"/notices/{code}\" enctype=\"multipart/form-data\" id=\"publish-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label>{start_l} <input type=\"date\" name=\"starts_on\" id=\"publish-starts_on\" value=\"{today}\" required></label> \
         <label>{end_l} <input type=\"date\" name=\"ends_on\" id=\"publish-ends_on\" required></label> \
         <span class=\"en\">{min}</span></p>\
         <p><label>{standards_l}<br><textarea name=\"standards\" id=\"publish-standards\" rows=\"4\" cols=\"60\" \
         placeholder=\"砖混结构房屋补偿, 650, 平方米&#10;搬迁奖励, 5000, 户\"></textarea></label></p>\
         <p><label>{text_l}<br><textarea name=\"standards_text\" id=\"publish-standards_text\" rows=\"3\" cols=\"60\"></textarea></label></p>\
         <p><label>{contact_l} <input name=\"contact\" id=\"publish-contact\" size=\"50\" required></label></p>\
         <p><label>{households_l} <input type=\"file\" name=\"households\" id=\"publish-households\" accept=\".csv\"></label><br>\
         <span class=\"en\">{households_note}</span></p>\
         <p><button id=\"publish-submit\">{submit}</button></p></form></section>",
        title = lang.t(k::PUBLISH_A_NOTICE),
        code = esc(code),
        csrf = esc(csrf),
        start_l = lang.t(k::STARTS_ON),
        end_l = lang.t(k::ENDS_ON),
        today = today,
        min = lang.pair(
            &format!("至少 {min_days} 天"),
            &format!("at least {min_days} days")
        ),
        standards_l = lang.t(k::STANDARDS_ONE_PER_LINE_ITEM_AMOUNT),
        text_l = lang.t(k::STANDARDS_TEXT),
        contact_l = lang.t(k::CONTACT),
        households_l = lang.t(k::HOUSEHOLDS_CSV),
        households_note = lang.t(k::ONLY_WHEN_THE_CURRENT_VERSION_HAS),
        submit = lang.t(k::PUBLISH),
    )
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
    let published = match &view.notice {
        Some(n) => {
            let public = PublicNotice::of(n, &[], view.today);
            format!(
                "<p id=\"notice-meta\" class=\"en\">{} {} · {} {} · {} {} ({}) · <a id=\"public-link\" href=\"/public/projects/{code}\">{}</a> · <a id=\"staff-print-link\" href=\"/public/projects/{code}/print\">{}</a></p>{}",
                lang.t(k::PUBLISHED_BY),
                esc(&n.published_by),
                lang.t(k::AT),
                esc(&crate::html::local_time(&n.published_at)),
                lang.t(k::HOUSEHOLDS_FROM),
                esc(&n.households_source),
                lang.pair(
                    &format!("第 {} 版", n.version),
                    &format!("version {}", n.version)
                ),
                lang.t(k::PUBLIC_PAGE),
                lang.t(k::PRINT_THE_NOTICE_A4_FOR_POSTING),
                notice_html(lang, &public),
                code = esc(&n.code),
            )
        }
        None => format!(
            "<p id=\"no-notice\" class=\"none\">{}</p>",
            lang.t(k::NO_NOTICE_PUBLISHED_FOR_THIS_PROJECT)
        ),
    };
    let body = format!(
        "<p><a href=\"/projects/{code}\">{back}</a></p>{published}{objections}{publish}",
        code = esc(&code),
        back = lang.t(k::BACK_TO_THE_PROJECT),
        objections = staff_objections_html(lang, &view, writer.then_some(user.csrf.as_str())),
        publish = if writer {
            publish_form_html(
                lang,
                &code,
                &user.csrf,
                view.today,
                user.door(&state.registry).profile().notice.min_days.value,
            )
        } else {
            String::new()
        },
    );
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
