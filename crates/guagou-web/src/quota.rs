//! The quota ledger (SPEC §8) and supervision (deadlines, scans, sanctions) in the browser and
//! the API: accounts with their lots and history, journal entries with legs and hashes, the
//! ledger operations as forms, the supervision page with the scan and the lifting of a
//! suspension, and the dashboard's panel of what is overdue or due soon.
//!
//! Rights (SPEC §1) are checked here for every read: a county reads only the accounts of its
//! own county and its projects (and the listings it sells); accounts of no county (the
//! provincial grant) are read above the county level; audit reads all. An account or entry the
//! user may not read answers 404. Every write goes through `Registry::post`,
//! `record_land_supply`, `apply_adjustment`, `scan` or `lift_suspension` with the session's
//! actor (the registry checks level and jurisdiction again and audits); this module never
//! writes the store itself.

pub(crate) mod access;
mod api;
pub(crate) mod deadlines;
mod entries_list;
mod ledger_pages;
mod panels;
mod read;
mod supervision;
mod write;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use panels::{failed_panel, overdue_html, project_ledger_html, project_ledger_panel};
pub use write::{
    AdjustmentBody, BackingInput, LandSupplyBody, LandUseInput, LiftBody, OperationBody,
    OperationInput, ScanBody,
};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(ledger_pages::ledger_index))
        .route("/ledger/accounts/{key}", get(ledger_pages::account_show))
        .route("/ledger/entries", get(entries_list::entries_index))
        .route("/ledger/entries/{seq}", get(ledger_pages::entry_show))
        .route("/ledger/lots/{id}", get(ledger_pages::lot_show))
        .route("/ledger/projects/{code}", get(ledger_pages::project_show))
        .route("/ledger/operations", post(ledger_pages::operation_submit))
        .route(
            "/ledger/land-supplies",
            post(ledger_pages::land_supply_submit),
        )
        .route("/ledger/adjustments", post(ledger_pages::adjustment_submit))
        .route("/supervision", get(supervision::supervision_show))
        .route("/supervision/scan", post(supervision::scan_submit))
        .route("/supervision/lift", post(supervision::lift_submit))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::accounts_list))
        .routes(routes!(api::account_show))
        .routes(routes!(api::entry_show))
        .routes(routes!(api::operation_post))
        .routes(routes!(api::land_supply_post))
        .routes(routes!(api::adjustment_post))
        .routes(routes!(api::supervision_show))
        .routes(routes!(api::scan_post))
        .routes(routes!(api::lift_post))
}
