//! The public pages (no login): the list of notices, a project's notice with the objection
//! form and the answered objections, and an objection by its receipt number.
//!
//! Nothing here reads a session. The objection form carries a double-submit CSRF token (cookie
//! `guagou_public_csrf`, like the login form); objections are limited per client address and
//! notice (`client.rs`) and accepted only within the notice period.

use crate::catalogue::{Key, k};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::notice::{MAX_CONTACT_CHARS, MAX_NAME_CHARS, MAX_OBJECTION_CHARS, PeriodStatus};
use guagou_registry::notice::ObjectionInput;
use serde::Deserialize;

use super::client::{self, ClientKey};
use super::fail::Fail;
use super::view::{PublicObjection, answered_html, notice_html, objector_html};
use crate::AppState;
use crate::error::Problem;
use crate::html::{LANG_COOKIE, Lang, esc, page_in, table_in};
use crate::print::{public_page_style, scroll};

/// The reader's language (cookie), Chinese by default.
pub(super) fn lang_of(headers: &HeaderMap) -> Lang {
    crate::auth::cookie(headers, LANG_COOKIE)
        .map(Lang::from_code)
        .unwrap_or_default()
}

/// A refusal on a public page: the message in both languages and a way back.
pub(super) fn public_failure(lang: Lang, problem: &Problem, back: &str) -> Response {
    let body = format!(
        "{}<div id=\"public-error\" class=\"fail\" role=\"alert\"><p>{}</p><p class=\"en\">{}</p></div>\
         <p><a id=\"back\" href=\"{}\">{}</a></p>",
        public_page_style(),
        lang.pair(&problem.message_zh, &problem.message_en),
        esc(problem.code.as_str()),
        esc(back),
        lang.t(k::BACK),
    );
    (
        problem.status,
        Html(page_in(lang, k::NOT_ACCEPTED, None, &body)),
    )
        .into_response()
}

fn footer(lang: Lang) -> String {
    format!(
        "<p class=\"en\"><a href=\"/public\">{}</a> · <a href=\"/lang/zh\">中文</a> · \
         <a href=\"/lang/en\">English</a></p>",
        lang.t(k::ALL_NOTICES)
    )
}

/// Handles GET /public
pub async fn public_index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let lang = lang_of(&headers);
    let fail = |f: Fail| public_failure(lang, &f.0, "/public");
    let today = state
        .registry
        .public()
        .notice_today()
        .map_err(|e| fail(e.into()))?;
    let notices = state
        .registry
        .public()
        .public_notices()
        .await
        .map_err(|e| fail(e.into()))?;
    let row = |n: &guagou_registry::notice::Notice| {
        let (zh, en) = n.period.status(today).label();
        vec![
            format!(
                "<a href=\"/public/projects/{c}\">{name}</a>",
                c = esc(&n.code),
                name = esc(&n.project_name)
            ),
            n.township
                .as_ref()
                .map(|t| esc(&t.name))
                .unwrap_or_default(),
            format!("{} — {}", n.period.starts_on, n.period.ends_on),
            lang.pair(zh, en),
            n.households_count.to_string(),
        ]
    };
    let headers_row = [
        k::PROJECT,
        k::TOWNSHIP,
        k::PERIOD_3,
        k::STATUS,
        k::HOUSEHOLDS,
    ];
    let (current, closed): (Vec<_>, Vec<_>) = notices
        .iter()
        .partition(|n| n.period.status(today) != PeriodStatus::Closed);
    let section = |id: &str, label: Key, list: &[&guagou_registry::notice::Notice]| {
        let rows: Vec<Vec<String>> = list.iter().map(|n| row(n)).collect();
        let table = if rows.is_empty() {
            format!("<p class=\"none\">{}</p>", lang.t(k::NONE))
        } else {
            scroll(&table_in(lang, &headers_row, &rows))
        };
        format!(
            "<section id=\"{id}\"><h2>{}</h2>{table}</section>",
            lang.t(label)
        )
    };
    let body = format!(
        "{}<p>{}</p>{}{}<form method=\"get\" action=\"/public/objections\" id=\"receipt-lookup\">\
         <label>{} <input name=\"receipt\" required></label> <button>{}</button></form>{}",
        public_page_style(),
        lang.t(k::PUBLIC_NOTICES_OF_LAND_LINKAGE_PROJECTS),
        section("current-notices", k::OPEN_AND_UPCOMING, &current),
        section("closed-notices", k::CLOSED_4, &closed),
        lang.t(k::LOOK_UP_AN_OBJECTION_BY_RECEIPT),
        lang.t(k::LOOK_UP),
        footer(lang),
    );
    Ok(Html(page_in(lang, k::PUBLIC_NOTICES, None, &body)).into_response())
}

/// The objection form of an open notice, or why there is none.
fn objection_form_html(lang: Lang, code: &str, status: PeriodStatus, token: &str) -> String {
    match status {
        PeriodStatus::Open => format!(
            "<section id=\"objection\"><h2>{title}</h2>\
             <p class=\"en\">{note}</p>\
             <form method=\"post\" action=\"/public/projects/{code}/objections\" id=\"objection-form\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
             <p><label>{name_l} <input name=\"name\" id=\"objection-name\" maxlength=\"{max_name}\"></label></p>\
             <p><label>{contact_l} <input name=\"contact\" id=\"objection-contact\" maxlength=\"{max_contact}\"></label></p>\
             <p><label>{text_l}<br><textarea name=\"text\" id=\"objection-text\" rows=\"5\" cols=\"60\" maxlength=\"{max_text}\" required></textarea></label></p>\
             <p><button id=\"objection-submit\">{submit}</button></p></form></section>",
            title = lang.t(k::FILE_AN_OBJECTION),
            note = lang.t(k::NAME_OPTIONAL_ANONYMOUS_THE_CONTACT_IS),
            code = esc(code),
            token = esc(token),
            name_l = lang.t(k::NAME_OPTIONAL),
            max_name = MAX_NAME_CHARS,
            contact_l = lang.t(k::CONTACT_OPTIONAL),
            max_contact = MAX_CONTACT_CHARS,
            text_l = lang.t(k::OBJECTION),
            max_text = MAX_OBJECTION_CHARS,
            submit = lang.t(k::SUBMIT),
        ),
        PeriodStatus::Upcoming => format!(
            "<p id=\"objection-closed\" class=\"warn\">{}</p>",
            lang.t(k::THE_NOTICE_PERIOD_HAS_NOT_STARTED)
        ),
        PeriodStatus::Closed => format!(
            "<p id=\"objection-closed\" class=\"none\">{}</p>",
            lang.t(k::THE_NOTICE_PERIOD_HAS_ENDED_OBJECTIONS)
        ),
    }
}

/// Handles GET /public/projects/{code}
pub async fn public_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let lang = lang_of(&headers);
    let fail = |f: Fail| public_failure(lang, &f.0, "/public");
    let view = super::public_view(&state, &code).await.map_err(fail)?;
    let (token, new_token) = client::form_token(&headers).map_err(|e| fail(e.into()))?;
    let print_link = format!(
        "<p class=\"print-link\"><a id=\"notice-print\" href=\"/public/projects/{}/print\">{}</a></p>",
        esc(&view.project),
        lang.t(k::PRINT_THE_NOTICE_A4_FOR_POSTING),
    );
    let body = format!(
        "{}{print_link}{}{}{}{}",
        public_page_style(),
        notice_html(lang, &view),
        objection_form_html(lang, &view.project, view.status, &token),
        answered_html(lang, &view),
        footer(lang),
    );
    let html = Html(page_in(lang, k::PUBLIC_NOTICE, None, &body));
    Ok(if new_token {
        ([(SET_COOKIE, client::token_cookie(&token))], html).into_response()
    } else {
        html.into_response()
    })
}

#[derive(Debug, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    text: String,
}

/// Random hex nonces for a receipt number (the registry takes the first one not yet used).
fn nonces() -> Result<Vec<String>, Fail> {
    (0..3)
        .map(|_| crate::auth::random_hex(4).map_err(Fail::from))
        .collect()
}

/// Handles POST /public/projects/{code}/objections
pub async fn objection_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientKey(client): ClientKey,
    Path(code): Path<String>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, Response> {
    let lang = lang_of(&headers);
    let back = format!("/public/projects/{code}");
    let fail = |f: Fail| public_failure(lang, &f.0, &back);
    client::require_form_token(&headers, &form.csrf).map_err(|e| fail(e.into()))?;
    let input = ObjectionInput {
        objector: form.name,
        contact: form.contact,
        text: form.text,
    };
    let objection = state
        .registry
        .public()
        .file_objection(&code, &input, &client, &nonces().map_err(fail)?)
        .await
        .map_err(|e| fail(e.into()))?;
    tracing::info!(project = %code, receipt = %objection.receipt, "objection filed");
    Ok(Redirect::to(&format!("/public/objections/{}", objection.receipt)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    receipt: String,
}

/// Handles GET /public/objections (the lookup form): to the receipt's page.
pub async fn objection_lookup(Query(query): Query<LookupQuery>) -> Response {
    let receipt = query.receipt.trim().to_ascii_uppercase();
    if guagou_domain::notice::receipt_looks_valid(&receipt) {
        Redirect::to(&format!("/public/objections/{receipt}")).into_response()
    } else {
        Redirect::to("/public").into_response()
    }
}

/// Handles GET /public/objections/{receipt}
pub async fn objection_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(receipt): Path<String>,
) -> Result<Response, Response> {
    let lang = lang_of(&headers);
    let fail = |f: Fail| public_failure(lang, &f.0, "/public");
    let objection = state
        .registry
        .public()
        .objection(&receipt)
        .await
        .map_err(|e| fail(e.into()))?;
    let view = PublicObjection::of(&objection);
    let project_name = state
        .registry
        .public()
        .public_notice(&objection.code)
        .await
        .map_err(|e| fail(e.into()))?
        .map(|n| n.project_name)
        .unwrap_or_default();
    let name = if view.answer.is_some() {
        k::ANSWERED
    } else {
        k::WAITING_FOR_AN_ANSWER_2
    };
    let answer = match (&view.answer, view.answered_on) {
        (Some(text), Some(on)) => format!(
            "<tr><th>{}</th><td id=\"objection-answer\">{}</td></tr><tr><th>{}</th><td>{}</td></tr>",
            lang.t(k::ANSWER),
            esc(text),
            lang.t(k::ANSWERED_ON),
            on
        ),
        _ => String::new(),
    };
    let body = format!(
        "{style}<p>{keep}</p><div class=\"table-scroll\"><table id=\"objection-receipt\"><tbody>\
         <tr><th>{receipt_l}</th><td id=\"receipt\">{receipt}</td></tr>\
         <tr><th>{project_l}</th><td><a href=\"/public/projects/{code}\">{project}</a></td></tr>\
         <tr><th>{filed_l}</th><td>{filed}</td></tr>\
         <tr><th>{by_l}</th><td>{by}</td></tr>\
         <tr><th>{text_l}</th><td>{text}</td></tr>\
         <tr><th>{status_l}</th><td id=\"objection-status\">{status}</td></tr>{answer}\
         </tbody></table></div>{footer}",
        style = public_page_style(),
        keep = lang.t(k::KEEP_THE_RECEIPT_NUMBER_TO_LOOK),
        receipt_l = lang.t(k::RECEIPT),
        receipt = esc(&view.receipt),
        project_l = lang.t(k::PROJECT),
        code = esc(&view.project),
        project = esc(&project_name),
        filed_l = lang.t(k::FILED_ON),
        filed = view.filed_on,
        by_l = lang.t(k::BY),
        by = objector_html(lang, &view),
        text_l = lang.t(k::OBJECTION),
        text = esc(&view.text),
        status_l = lang.t(k::STATUS),
        status = lang.t(name),
        footer = footer(lang),
    );
    Ok(Html(page_in(lang, k::OBJECTION_RECEIPT, None, &body)).into_response())
}
