//! The funds ledger (资金台账) in the browser and the API: balances by county and account in
//! 元 (from integer 分), an account's history, an entry with its legs and hashes, the finance
//! forms (city investment received, spending, household compensation, reversal) and the
//! verifier.
//!
//! Rights (SPEC §1): every signed-in user reads the funds of its jurisdiction (audit reads
//! all); only the finance department records money (`require_finance`), each user only for its
//! own jurisdiction (the registry checks that again and audits every write); audit writes
//! nothing; the verifier runs for audit and for city or province users. An account or entry
//! the user may not read answers 404. This module never writes the store itself.

mod api;
mod pages;
pub(crate) mod shared;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub use shared::{CompensationBody, InvestmentBody, ReverseBody, SpendingBody};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/funds", get(pages::funds_index))
        .route("/funds/accounts/{key}", get(pages::account_show))
        .route("/funds/entries/{seq}", get(pages::entry_show))
        .route("/funds/entries/{seq}/reverse", post(pages::reverse_submit))
        .route("/funds/verify", get(pages::verify_show))
        .route("/funds/investments", post(pages::investment_submit))
        .route("/funds/spending", post(pages::spending_submit))
        .route("/funds/compensation", post(pages::compensation_submit))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::balances_list))
        .routes(routes!(api::account_show))
        .routes(routes!(api::entry_show))
        .routes(routes!(api::verify_run))
        .routes(routes!(api::investment_post))
        .routes(routes!(api::spending_post))
        .routes(routes!(api::compensation_post))
        .routes(routes!(api::reverse_post))
}
