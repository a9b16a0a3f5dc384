//! Divisions, special plans and the audit log: pages and their JSON API.
//!
//! - `divisions`: public reference data (every signed-in user reads all of it); the city land
//!   bureau imports townships and villages from a CSV file.
//! - `special`: county special plans (SPEC §7): drafting, consultation opinions per department,
//!   the gating rules PLAN_CONSULTED and PLAN_COVERS_POOR_VILLAGES, approval and filing.
//! - `audit`: the hash-chained audit log, newest first, with the chain status; a county user
//!   reads only the records that concern its county.
//!
//! Every write goes through the registry with the session's actor (which audits it); every POST
//! checks the session's CSRF token first and refuses the read-only audit department.

use crate::catalogue::k;
mod audit;
mod divisions;
mod special;

use axum::http::HeaderMap;
use axum::{Router, http::StatusCode};
use chrono::NaiveDate;
use guagou_registry::RegistryError;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::api::json_body;
use crate::auth::User;
use crate::error::WebError;
use crate::html::{Lang, esc};

pub use audit::{AuditPage, AuditView, ChainStatus};
pub use divisions::{DivisionDetail, DivisionSummary, DivisionsOverview, ImportOutcome};
pub use special::{PlanDetail, ScopeVillage};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(divisions::pages())
        .merge(special::pages())
        .merge(audit::pages())
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(divisions::api())
        .merge(special::api())
        .merge(audit::api())
}

/// Refuses (403) unless the user belongs to the land bureau (asks the principal).
fn require_land(user: &User, _what: &str) -> Result<(), WebError> {
    Ok(user.actor.require_land()?)
}

/// Parses an as-of date `YYYY-MM-DD` from a form or a body.
fn parse_date(text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            "as_of",
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

/// Checks the API's CSRF header.
fn require_api_csrf(user: &User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)
}

/// The hidden CSRF field of every form.
fn csrf_field(user: &User) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&user.csrf)
    )
}

/// A yes/no cell.
fn yes_no(lang: Lang, value: bool) -> String {
    if value {
        format!("<span class=\"warn\">{}</span>", lang.t(k::YES))
    } else {
        format!("<span class=\"none\">{}</span>", lang.t(k::NO))
    }
}

/// A refusal shown above the page it happened on: the bilingual message, the error code and,
/// when rules refused, each rule with its clause and what was measured.
fn error_panel(lang: Lang, error: &WebError) -> (StatusCode, String) {
    let problem = error.problem();
    let mut out = format!(
        "<section id=\"refusal\" class=\"fail\"><p>{}</p><p class=\"en\">{}</p>",
        lang.pair(&problem.message_zh, &problem.message_en),
        esc(problem.code.as_str()),
    );
    if let WebError::Registry(RegistryError::Rules(results)) = error {
        out.push_str("<ul>");
        for r in results {
            out.push_str(&format!(
                "<li><code>{rule}</code> [{clause}] {message}</li>",
                rule = esc(r.rule.as_str()),
                clause = esc(&r.clause),
                message = lang.pair(&r.message_zh, &r.message_en),
            ));
        }
        out.push_str("</ul>");
    } else if let Some(rule) = &problem.rule {
        out.push_str(&format!("<p><code>{}</code></p>", esc(rule)));
    }
    out.push_str("</section>");
    (problem.status, out)
}

/// A line saying a list is empty.
fn none_line(lang: Lang) -> String {
    format!("<p class=\"none\">{}</p>", lang.t(k::NONE))
}
