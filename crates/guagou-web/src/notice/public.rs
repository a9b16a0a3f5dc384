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
use super::view::{PublicObjection, answered_html, notice_html};
use crate::AppState;
use crate::error::Problem;
use crate::html::{LANG_COOKIE, Lang, page_in};
use crate::print::PUBLIC_PAGE_CSS;
use askama::Template;

/// The reader's language (cookie), Chinese by default.
pub(super) fn lang_of(headers: &HeaderMap) -> Lang {
    crate::auth::cookie(headers, LANG_COOKIE)
        .map(Lang::from_code)
        .unwrap_or_default()
}

/// A refusal on a public page: the message in the reader's language and a way back.
pub(super) fn public_failure(lang: Lang, problem: &Problem, back: &str) -> Response {
    let page = PublicFailure {
        lang,
        css: PUBLIC_PAGE_CSS,
        message: match lang {
            Lang::Zh => &problem.message_zh,
            Lang::En => &problem.message_en,
        },
        back: if back.starts_with('/') && !back.starts_with("//") {
            back
        } else {
            "/public"
        },
    };
    (
        problem.status,
        Html(page_in(lang, k::NOT_ACCEPTED, None, &render(&page))),
    )
        .into_response()
}

/// A template of ours rendered; one that fails is a bug: logged, and the part stays empty.
fn render(template: &impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "public page template failed");
        String::new()
    })
}

#[derive(Template)]
#[template(path = "public/failure.html")]
struct PublicFailure<'a> {
    lang: Lang,
    css: &'static str,
    message: &'a str,
    back: &'a str,
}

#[derive(Template)]
#[template(path = "public/index.html")]
struct PublicIndex {
    lang: Lang,
    css: &'static str,
    sections: Vec<NoticeSection>,
}

struct NoticeSection {
    id: &'static str,
    title: Key,
    rows: Vec<NoticeRow>,
}

struct NoticeRow {
    code: String,
    name: String,
    township: String,
    period: String,
    status: String,
    households: i64,
}

#[derive(Template)]
#[template(path = "public/objection_form.html")]
struct ObjectionFormView<'a> {
    lang: Lang,
    status: PeriodStatus,
    code: &'a str,
    token: &'a str,
    max_name: usize,
    max_contact: usize,
    max_text: usize,
}

#[derive(Template)]
#[template(path = "public/receipt.html")]
struct ReceiptView<'a> {
    lang: Lang,
    css: &'static str,
    receipt: &'a str,
    code: &'a str,
    project: &'a str,
    filed_on: String,
    by: String,
    text: &'a str,
    status: Key,
    answer: Option<(&'a str, String)>,
}

#[derive(Template)]
#[template(path = "public/notice_page.html")]
struct NoticePage<'a> {
    lang: Lang,
    css: &'static str,
    code: &'a str,
    /// The notice, the objection form and the answers (each from its own template).
    notice: String,
    form: String,
    answered: String,
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
    let row = |n: &&guagou_registry::notice::Notice| NoticeRow {
        code: n.code.clone(),
        name: n.project_name.clone(),
        township: n
            .township
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        period: format!("{} — {}", n.period.starts_on, n.period.ends_on),
        status: lang
            .text(crate::names::period_status(n.period.status(today)))
            .to_owned(),
        households: n.households_count,
    };
    let (current, closed): (Vec<_>, Vec<_>) = notices
        .iter()
        .partition(|n| n.period.status(today) != PeriodStatus::Closed);
    let page = PublicIndex {
        lang,
        css: PUBLIC_PAGE_CSS,
        sections: vec![
            NoticeSection {
                id: "current-notices",
                title: k::OPEN_AND_UPCOMING,
                rows: current.iter().map(row).collect(),
            },
            NoticeSection {
                id: "closed-notices",
                title: k::CLOSED_4,
                rows: closed.iter().map(row).collect(),
            },
        ],
    };
    let body = render(&page);
    Ok(Html(page_in(lang, k::PUBLIC_NOTICES, None, &body)).into_response())
}

/// The objection form of an open notice, or why there is none.
fn objection_form_html(lang: Lang, code: &str, status: PeriodStatus, token: &str) -> String {
    render(&ObjectionFormView {
        lang,
        status,
        code,
        token,
        max_name: MAX_NAME_CHARS,
        max_contact: MAX_CONTACT_CHARS,
        max_text: MAX_OBJECTION_CHARS,
    })
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
    let body = render(&NoticePage {
        lang,
        css: PUBLIC_PAGE_CSS,
        code: &view.project,
        notice: notice_html(lang, &view),
        form: objection_form_html(lang, &view.project, view.status, &token),
        answered: answered_html(lang, &view),
    });
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
    let page = ReceiptView {
        lang,
        css: PUBLIC_PAGE_CSS,
        receipt: &view.receipt,
        code: &view.project,
        project: &project_name,
        filed_on: view.filed_on.to_string(),
        by: if view.anonymous {
            lang.text(k::ANONYMOUS).to_owned()
        } else {
            view.objector.clone()
        },
        text: &view.text,
        status: if view.answer.is_some() {
            k::ANSWERED
        } else {
            k::WAITING_FOR_AN_ANSWER_2
        },
        answer: match (&view.answer, view.answered_on) {
            (Some(text), Some(on)) => Some((text.as_str(), on.to_string())),
            _ => None,
        },
    };
    let body = render(&page);
    Ok(Html(page_in(lang, k::OBJECTION_RECEIPT, None, &body)).into_response())
}
