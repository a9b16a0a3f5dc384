//! Supervision in the browser and the API (SPEC §9, policy 三(二)): inspections of bidding,
//! construction and fund use with findings, the county's rectification and the city's closure;
//! public criticism and commendation; the city's yearly allocation of its linkage plan with the
//! calculation shown; and the overdue rectifications for the dashboard's overdue panel.
//!
//! Rights (SPEC §1): the city and province land departments record inspections and close
//! findings; a county reads its own inspections and notices and records the rectification of
//! its own findings; criticisms, commendations, their lifting and the allocation decision are
//! the city land department's; audit reads all and writes nothing. Something the user may not
//! read answers 404. Every write goes through `guagou_registry::inspections` with the session's
//! actor (which checks level and jurisdiction again and audits); this module never writes the
//! store itself.

use crate::catalogue::k;
mod api;
mod input;
mod list;
mod pages;

use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::User;
use crate::html::Lang;

pub use input::{
    AllocationQuery, AllocationView, ClosureBody, DecideBody, FindingBody, InspectionBody,
    LiftNoticeBody, NoticeBody, RectificationBody, WeightRule,
};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route(
            "/supervision/inspections",
            get(pages::inspections_index).post(pages::inspection_submit),
        )
        .route("/supervision/inspections/{id}", get(pages::inspection_show))
        .route(
            "/supervision/inspections/{id}/findings/{seq}/rectify",
            post(pages::rectify_submit),
        )
        .route(
            "/supervision/inspections/{id}/findings/{seq}/close",
            post(pages::close_submit),
        )
        .route(
            "/supervision/notices",
            get(pages::notices_index).post(pages::notice_submit),
        )
        .route("/supervision/notices/{id}/lift", post(pages::lift_submit))
        .route(
            "/supervision/allocation",
            get(pages::allocation_show).post(pages::allocation_submit),
        )
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::inspections_list, api::inspection_post))
        .routes(routes!(api::inspection_show))
        .routes(routes!(api::rectification_post))
        .routes(routes!(api::closure_post))
        .routes(routes!(api::notices_list, api::notice_post))
        .routes(routes!(api::notice_lift_post))
        .routes(routes!(api::allocation_show, api::allocation_post))
}

/// The overdue rectifications of `user`'s jurisdiction on `today` (open findings past their
/// deadline) and the links to the supervision pages, for the dashboard's overdue panel. Never
/// fails the page it sits in: a failure is logged and shown as a short note.
pub async fn overdue_rectifications_html(
    state: &AppState,
    user: &User,
    names: &crate::names::DivisionNames,
    today: NaiveDate,
) -> String {
    let lang = user.lang;
    let (rows, failure) = match user
        .door(&state.registry)
        .overdue_rectifications(today)
        .await
    {
        Ok(items) => {
            let rows = items
                .iter()
                .filter(|i| user.reads(&i.county))
                .map(|i| RectificationLine {
                    inspection: i.inspection.clone(),
                    seq: i.seq,
                    county: i.county.clone(),
                    county_name: names.get(&i.county).cloned().unwrap_or_default(),
                    project: i.project.clone().unwrap_or_default(),
                    kind: format!(
                        "{} · {}",
                        lang.text(crate::names::inspection_kind(i.kind)),
                        lang.text(crate::names::finding_severity(i.severity))
                    ),
                    description: i.description.clone(),
                    deadline: i.deadline.clone(),
                    overdue: lang.fill(
                        k::TODO_OVERDUE_BY_DAYS,
                        &[("days", &i.days_overdue.to_string())],
                    ),
                })
                .collect();
            (rows, None)
        }
        Err(e) => {
            let problem = crate::error::WebError::from(e).problem();
            let message = pick_owned(lang, &problem.message_zh, &problem.message_en);
            (Vec::new(), Some(message))
        }
    };
    let panel = OverdueRectifications {
        lang,
        rows,
        failure,
        nav: pages::nav(lang),
    };
    askama::Template::render(&panel).unwrap_or_else(|e| {
        tracing::error!(error = %e, "overdue rectifications template failed");
        String::new()
    })
}

fn pick_owned(lang: Lang, zh: &str, en: &str) -> String {
    crate::print::tr(lang, zh, en).to_owned()
}

/// An overdue rectification as the dashboard lists it.
struct RectificationLine {
    inspection: String,
    seq: i64,
    county: String,
    county_name: String,
    project: String,
    kind: String,
    description: String,
    deadline: String,
    overdue: String,
}

#[derive(askama::Template)]
#[template(path = "supervision/overdue_rectifications.html")]
struct OverdueRectifications {
    lang: Lang,
    rows: Vec<RectificationLine>,
    /// Why the rectifications could not be read, if they could not.
    failure: Option<String>,
    /// The supervision pages' links (their own template).
    nav: String,
}
