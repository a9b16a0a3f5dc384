//! The public notice as an A4 sheet to post in the village (`GET /public/projects/{code}/print`,
//! no login, like the notice itself): the project by name, areas, the period, compensation
//! standards, households with masked names, where to object and the answered objections, and
//! a place for the seal. Built from the same public view as the notice page (`view.rs`), so a
//! staff field cannot reach it; 404 when no notice was published.

use crate::catalogue::{Key, k};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use guagou_domain::Fen;

use super::fail::Fail;
use super::public::{lang_of, public_failure};
use super::view::{Area, PublicNotice};
use crate::AppState;
use crate::html::Lang;
use crate::print::{PRINT_CSS, script_url, tr};

struct StandardRow {
    item: String,
    amount: String,
    unit: String,
}

struct HouseholdRow {
    number: usize,
    name: String,
    village: String,
    persons: String,
    consent: String,
    method: String,
}

struct AnsweredRow {
    receipt: String,
    filed_on: String,
    by: String,
    text: String,
    answer: String,
    answered_on: String,
}

#[derive(Template)]
#[template(path = "notice_print.html")]
struct NoticePrint {
    lang: Lang,
    css: &'static str,
    script: String,
    back: String,
    project_name: String,
    intro: String,
    township: String,
    villages: String,
    demolition: String,
    resettlement: String,
    households_text: String,
    period: String,
    standards: Vec<StandardRow>,
    standards_text: String,
    households: Vec<HouseholdRow>,
    objection_text: String,
    contact: String,
    waiting_text: String,
    answered: Vec<AnsweredRow>,
    printed_on: NaiveDate,
}

impl NoticePrint {
    /// The text in the reader's language.
    fn t(&self, key: Key) -> &'static str {
        self.lang.text(key)
    }
}

fn area(lang: Lang, a: &Area) -> String {
    lang.fill(
        k::PRINT_AREA,
        &[("m2", &a.m2.to_string()), ("ha", &a.ha), ("mu", &a.mu)],
    )
}

/// The sheet of notice `n`, printed on `today`.
fn sheet(lang: Lang, n: &PublicNotice, today: NaiveDate) -> NoticePrint {
    let t = |key| lang.text(key).to_owned();
    let villages: Vec<&str> = n.villages.iter().map(|v| v.name.as_str()).collect();
    let (starts, ends) = (n.starts_on.to_string(), n.ends_on.to_string());
    let intro = lang.fill(
        k::PRINT_NOTICE_INTRO,
        &[
            ("project", &n.project_name),
            ("starts", &starts),
            ("ends", &ends),
        ],
    );
    NoticePrint {
        lang,
        css: PRINT_CSS,
        script: script_url(),
        back: format!("/public/projects/{}", n.project),
        project_name: n.project_name.clone(),
        intro,
        township: n
            .township
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        villages: villages.join(lang.text(k::LIST_SEPARATOR)),
        demolition: area(lang, &n.demolition),
        resettlement: area(lang, &n.resettlement),
        households_text: lang.fill(
            k::PRINT_HOUSEHOLDS,
            &[
                ("households", &n.households_count.to_string()),
                ("persons", &n.persons.to_string()),
                ("consented", &n.consented.to_string()),
            ],
        ),
        period: format!(
            "{} {} {}（{}）",
            n.starts_on,
            lang.text(k::TO),
            n.ends_on,
            lang.text(crate::names::period_status(n.status))
        ),
        standards: n
            .standards
            .iter()
            .map(|s| StandardRow {
                item: s.item.clone(),
                amount: format!(
                    "{} {}",
                    Fen(s.amount_fen).yuan_grouped_text(),
                    lang.text(k::YUAN)
                ),
                unit: tr(lang, &s.unit_zh, &s.unit_en).to_owned(),
            })
            .collect(),
        standards_text: n.standards_text.clone(),
        households: n
            .households
            .iter()
            .enumerate()
            .map(|(i, h)| HouseholdRow {
                number: i + 1,
                name: h.name.clone(),
                village: h.village_name.clone().unwrap_or_default(),
                persons: h.persons.map(|p| p.to_string()).unwrap_or_default(),
                consent: lang.text(crate::names::consent_code(&h.consent)).to_owned(),
                method: lang
                    .text(crate::names::resettlement_code(h.method.as_deref()))
                    .to_owned(),
            })
            .collect(),
        objection_text: lang.fill(
            k::PRINT_OBJECTIONS_HOW,
            &[("ends", &ends), ("project", &n.project_name)],
        ),
        contact: n.contact.clone(),
        waiting_text: lang.fill(
            k::PRINT_OBJECTIONS_COUNT,
            &[
                ("answered", &n.answered.len().to_string()),
                ("waiting", &n.objections_waiting.to_string()),
            ],
        ),
        answered: n
            .answered
            .iter()
            .map(|o| AnsweredRow {
                receipt: o.receipt.clone(),
                filed_on: o.filed_on.to_string(),
                by: if o.anonymous {
                    t(k::ANONYMOUS)
                } else {
                    o.objector.clone()
                },
                text: o.text.clone(),
                answer: o.answer.clone().unwrap_or_default(),
                answered_on: o.answered_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        printed_on: today,
    }
}

/// Handles GET /public/projects/{code}/print
pub async fn public_print(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let lang = lang_of(&headers);
    let fail = |f: Fail| public_failure(lang, &f.0, "/public");
    let view = super::public_view(&state, &code).await.map_err(fail)?;
    let today = state
        .registry
        .public()
        .notice_today()
        .map_err(|e| fail(e.into()))?;
    let html = sheet(lang, &view, today).render().map_err(|e| {
        fail(Fail::from(crate::error::WebError::Internal(format!(
            "notice print template: {e}"
        ))))
    })?;
    Ok(Html(html).into_response())
}
