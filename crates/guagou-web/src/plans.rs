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
use crate::html::Lang;

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

/// A yes/no cell.
fn yes_no(lang: Lang, value: bool) -> crate::partials::Cell {
    use crate::partials::Cell;
    if value {
        Cell::text(lang.text(k::YES)).with_class("warn")
    } else {
        Cell::text(lang.text(k::NO)).with_class("none")
    }
}

/// A refusal shown above the page it happened on (`templates/plans/refusal.html`).
#[derive(askama::Template)]
#[template(path = "plans/refusal.html")]
struct RefusalPanel<'a> {
    message: &'a str,
    code: &'a str,
    /// The rules that refused: (rule, clause, message).
    rules: Option<Vec<(&'a str, &'a str, &'a str)>>,
    rule: Option<&'a str>,
}

/// A refusal shown above the page it happened on: the bilingual message, the error code and,
/// when rules refused, each rule with its clause and what was measured.
fn error_panel(lang: Lang, error: &WebError) -> Result<(StatusCode, String), WebError> {
    let problem = error.problem();
    let en = lang == Lang::En;
    let rules = match error {
        WebError::Registry(RegistryError::Rules(results)) => Some(
            results
                .iter()
                .map(|r| {
                    let message = if en { &r.message_en } else { &r.message_zh };
                    (r.rule.as_str(), r.clause.as_str(), message.as_str())
                })
                .collect(),
        ),
        _ => None,
    };
    let panel = RefusalPanel {
        message: if en {
            &problem.message_en
        } else {
            &problem.message_zh
        },
        code: problem.code.as_str(),
        rules,
        rule: problem.rule.as_deref(),
    };
    Ok((
        problem.status,
        crate::partials::render(&panel, "refusal panel")?,
    ))
}
