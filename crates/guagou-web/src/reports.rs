//! Reports (SPEC §10): the numbers of the linkage programme per county and year, and for the
//! city, as tables and charts, as an Excel workbook, and as JSON.
//!
//! - `GET /reports?county=&year=&as_of=` — the page: a filter form, bar charts (Chart.js,
//!   embedded under `/assets/`, fed by `data-` attributes; no inline script) and the tables.
//! - `GET /reports.xlsx?county=&year=&as_of=` — the same tables as an Excel workbook, one sheet
//!   per table, Chinese sheet names and headers, numbers as numbers with units in the headers.
//! - `GET /api/reports?county=&year=&as_of=` — the report as JSON.
//! - `GET /reports/reports.js` — the script that draws the charts.
//!
//! Rights (SPEC §1): a county user sees its own county only (asking for another county answers
//! 404, as for a missing one); the city sees its counties and itself; the province and audit
//! see all. The numbers come from `Registry::report` (pure aggregation in
//! `guagou_domain::report`), the same call `guagou report` makes; the definitions of every
//! number are in that module and in docs/reports.md.

mod access;
mod api;
pub(crate) mod columns;
mod page;
mod xlsx;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use access::ReportParams;
pub use page::file_name;
pub use xlsx::{XLSX_CONTENT_TYPE, workbook};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/reports", get(page::reports_show))
        .route("/reports.xlsx", get(page::reports_xlsx))
        .route("/reports/reports.js", get(page::script))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::reports_show))
}
