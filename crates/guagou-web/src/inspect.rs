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

use std::fmt::Write as _;

use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::User;
use crate::html::{esc, table_in};

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
    let mut out = String::from("<div id=\"overdue-rectifications\">");
    match user
        .door(&state.registry)
        .overdue_rectifications(today)
        .await
    {
        Ok(items) => {
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|i| user.reads(&i.county))
                .map(|i| {
                    let (kzh, ken) = i.kind.label();
                    let (szh, sen) = i.severity.label();
                    vec![
                        lang.t(k::RECTIFICATION),
                        format!(
                            "<a href=\"/supervision/inspections/{id}\">{id}</a> #{}",
                            i.seq,
                            id = esc(&i.inspection)
                        ),
                        crate::names::division(names, &i.county),
                        esc(i.project.as_deref().unwrap_or("")),
                        format!("{} · {}", lang.pair(kzh, ken), lang.pair(szh, sen)),
                        esc(&i.description),
                        esc(&i.deadline),
                        format!(
                            "<span class=\"fail\">{}</span>",
                            lang.pair(
                                &format!("逾期 {} 天", i.days_overdue),
                                &format!("overdue by {} days", i.days_overdue)
                            )
                        ),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                out.push_str(&table_in(
                    lang,
                    &[
                        k::ITEM,
                        k::INSPECTION,
                        k::COUNTY,
                        k::PROJECT_2,
                        k::KIND,
                        k::FINDING_2,
                        k::DEADLINE,
                        k::STATUS,
                    ],
                    &rows,
                ));
            }
        }
        Err(e) => {
            let problem = crate::error::WebError::from(e).problem();
            let _ = write!(
                out,
                "<p class=\"fail\">{}</p>",
                lang.pair(&problem.message_zh, &problem.message_en)
            );
        }
    }
    out.push_str(&pages::nav(lang));
    out.push_str("</div>");
    out
}
