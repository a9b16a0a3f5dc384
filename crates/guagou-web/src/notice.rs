//! The public notice (公示) of a project and villagers' objections (issue 5 item 4; SPEC §7
//! household lifecycle; seed 二(七): 保障农户的知情权、参与权).
//!
//! Public, without login: `/public` (the notices), `/public/projects/{code}` (a notice: project,
//! areas in m², 公顷 and 亩, compensation standards, contact, households with MASKED names,
//! answered objections; the objection form while the period is open),
//! `/public/projects/{code}/print` (the notice as an A4 sheet to post in the village, `print.rs`),
//! `/public/objections/{receipt}` (an objection and its answer), and the same as JSON under
//! `/api/public/…`. Staff: `/notices/{code}` (every objection with name and contact, due day,
//! overdue; answer and publish forms) and `/api/notices/…`.
//!
//! The public side never reads a session and never shows a staff field: it renders only the
//! public views of `view.rs`, built field by field. Every write goes through the registry
//! (`publish_notice`, `file_objection`, `answer_objection`), which audits it.

mod client;
mod fail;
mod print;
mod public;
mod rest;
mod staff;
mod view;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::WebError;

pub use client::{ClientKey, PUBLIC_CSRF_COOKIE, TRUST_FORWARDED_ENV, client_key};
pub use view::{PublicNotice, PublicObjection, StaffNotice};

/// The public view of project `code`'s latest notice (404 when none was published).
async fn public_view(state: &AppState, code: &str) -> Result<PublicNotice, fail::Fail> {
    let public = state.registry.public();
    let notice = public
        .public_notice(code)
        .await?
        .ok_or(WebError::NotFound)?;
    let objections = public.objections(code).await?;
    let today = public.notice_today()?;
    Ok(PublicNotice::of(&notice, &objections, today))
}

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/public", get(public::public_index))
        .route("/public/projects/{code}", get(public::public_show))
        .route("/public/projects/{code}/print", get(print::public_print))
        .route(
            "/public/projects/{code}/objections",
            post(public::objection_submit),
        )
        .route("/public/objections", get(public::objection_lookup))
        .route("/public/objections/{receipt}", get(public::objection_show))
        .route(
            "/notices/{code}",
            get(staff::notice_show).post(staff::notice_publish),
        )
        .route(
            "/notices/objections/{receipt}/answer",
            post(staff::answer_submit),
        )
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rest::public_notices))
        .routes(routes!(rest::public_notice))
        .routes(routes!(rest::public_objection))
        .routes(routes!(rest::staff_notice, rest::publish))
        .routes(routes!(rest::answer))
}
