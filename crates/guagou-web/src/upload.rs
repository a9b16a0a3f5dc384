//! Registering projects by upload, new versions of the implementation plan, version diffs,
//! acceptance (with change), city investment and the city's ranking of pooled projects:
//! pages and API (issue 4, items 3 and 5).
//!
//! An upload is a package zip (docs/package.md), or the project.toml fields and the files one
//! by one, from which the registry builds the zip. It is checked first, exactly as registration
//! checks it, and nothing is saved: the results page keeps the zip as a pending upload (a day)
//! and offers a "save" form carrying its token; saving registers the project (or adds the
//! version) and stores the zip with the version. A new version may also replace one file of the
//! current version's stored package. The results page links a printable report of the check
//! (`report.rs`, an A4 sheet with the county by name and the time of the check).
//!
//! Rights: uploads, acceptance applications and city investment are land-bureau writes (audit
//! is read-only, other departments are refused), at the level the registry requires (county;
//! city for investment); every POST checks the session's CSRF token (form field `csrf`, or the
//! `x-csrf-token` header on the API). A project the user may not read answers 404. This module
//! never touches registry tables: everything goes through `guagou_registry` (which audits).

mod input;
mod ops;
mod page;
mod panels;
mod render;
mod report;
mod rest;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use panels::project_forms_html;

/// Request bodies these routes accept: a package zip plus the multipart overhead.
const BODY_LIMIT: usize = guagou_registry::packages::MAX_PACKAGE_ZIP_BYTES + (1 << 20);

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/new", get(page::new_project_show))
        .route("/projects/new/check", post(page::new_project_check))
        .route("/projects/new/save", post(page::new_project_save))
        .route(
            "/projects/new/report/{token}",
            get(report::new_project_report),
        )
        .route("/projects/{code}/versions/new", get(page::new_version_show))
        .route(
            "/projects/{code}/versions/check",
            post(page::new_version_check),
        )
        .route(
            "/projects/{code}/versions/save",
            post(page::new_version_save),
        )
        .route(
            "/projects/{code}/versions/report/{token}",
            get(report::new_version_report),
        )
        .route(
            "/projects/{code}/versions/{version}/package.zip",
            get(page::package_download),
        )
        .route("/projects/{code}/diff", get(page::diff_show))
        .route("/projects/{code}/acceptance", post(page::acceptance_submit))
        .route(
            "/projects/{code}/city-investment",
            post(page::city_investment_submit),
        )
        .route("/ranking", get(page::ranking_show))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rest::project_check))
        .routes(routes!(rest::project_register))
        .routes(routes!(rest::version_add))
        .routes(routes!(rest::packages_list))
        .routes(routes!(rest::diff_show))
        .routes(routes!(rest::acceptance_show))
        .routes(routes!(rest::acceptance_apply))
        .routes(routes!(rest::city_investment_set))
        .routes(routes!(rest::ranking_list))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
