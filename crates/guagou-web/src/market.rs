//! The transfer market (SPEC §8 "Market", 二(三)) in the browser and the API: listings (公告)
//! published from a county's (or the city's) holding, offers from the other county and city
//! governments of the province, the seller's acceptance as an agreement with its payment
//! schedule, settlement (the ledger `transfer`, lots keep their provenance), payments received,
//! cancellation, withdrawal and expiry; the JSON exports for the provincial platform and the
//! agreement as a PDF in Chinese.
//!
//! Rights (SPEC §1): every signed-in user reads the listings (market data); offers are read by
//! the seller's jurisdiction and the offering government; agreements by the seller's and the
//! buyer's jurisdictions; audit reads all and writes nothing. Writes need the land bureau and
//! the CSRF token, and go through `guagou_registry::market` with the session's actor, which
//! checks jurisdiction again and audits. This module never writes the store itself.

mod api;
mod document;
mod linebreak;
mod list;
mod pages;
pub mod pdf;
pub mod read;
pub mod write;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use api::ExpireReport;
pub use document::agreement_lines;

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/market", get(pages::market_index))
        .route("/market/listings", post(pages::publish_submit))
        // `{id}` also answers `{id}.json` (the export).
        .route("/market/listings/{id}", get(pages::listing_show))
        .route("/market/listings/{id}/offers", post(pages::offer_submit))
        .route(
            "/market/listings/{id}/agreements",
            post(pages::agreement_submit),
        )
        .route(
            "/market/listings/{id}/withdraw",
            post(pages::withdraw_submit),
        )
        .route("/market/agreements", get(pages::agreements_index))
        // `{id}` also answers `{id}.json` (the export) and `{id}.pdf` (the agreement).
        .route("/market/agreements/{id}", get(pages::agreement_show))
        .route("/market/agreements/{id}/settle", post(pages::settle_submit))
        .route(
            "/market/agreements/{id}/payments",
            post(pages::payment_submit),
        )
        .route("/market/agreements/{id}/cancel", post(pages::cancel_submit))
        .route("/market/expire", post(pages::expire_submit))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::listings_list, api::listing_post))
        .routes(routes!(api::listing_show))
        .routes(routes!(api::agreement_show))
        .routes(routes!(api::offer_post))
        .routes(routes!(api::agreement_post))
        .routes(routes!(api::withdraw_post))
        .routes(routes!(api::settle_post))
        .routes(routes!(api::payment_post))
        .routes(routes!(api::cancel_post))
        .routes(routes!(api::expire_post))
}
