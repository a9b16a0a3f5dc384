//! (being written)

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
