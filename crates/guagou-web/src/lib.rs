//! The guagou web application: server-rendered pages (Chinese first, English secondary) and a
//! JSON API around the registry, with sessions, CSRF tokens and login throttling.
//!
//! Rights (SPEC §1) are enforced here on every route: a user reads only projects and ledger
//! accounts of its jurisdiction (audit reads all), and writes go through the registry with the
//! session's `Actor`, which checks level and jurisdiction again. This crate never sets up a
//! tracing subscriber (the binary does) and never reads or writes registry tables directly
//! except its own `users`, `sessions` and `login_attempts`.

pub mod amount;
pub mod api;
pub mod auth;
pub mod catalogue;
pub mod error;
pub mod extensions;
pub mod funds;
pub mod html;
pub mod inspect;
pub mod layout;
pub mod lists;
pub mod map;
pub mod market;
pub mod names;
pub mod notice;
pub mod openapi;
pub mod page_cache;
pub mod pages;
pub mod partials;
pub mod pickers;
pub mod plans;
pub mod policy;
pub mod print;
pub mod quota;
pub mod reports;
pub mod reviews;
pub mod todo;
pub mod upload;
pub mod users;
pub mod view;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use guagou_registry::Registry;

pub use auth::{create_user, ensure_admin};
pub use error::{Problem, WebError};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
}

/// Handles GET /healthz
async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Logs each request: method, path, status and duration (never the query or the body).
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// Headers every response carries: no framing, no MIME sniffing, no caching of pages that hold
/// a user's data (assets set their own long cache), and a content policy that allows only this
/// origin (pages use inline styles).
async fn security_headers(request: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Scripts from this origin only (Leaflet and map.js under /assets/, no inline scripts),
    // images also as data: URLs (Leaflet); see `map::content_security_policy`.
    const FALLBACK_POLICY: &str = "default-src 'self'; script-src 'self'; \
        style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
        frame-ancestors 'none'";
    let policy = HeaderValue::from_str(map::content_security_policy())
        .unwrap_or(HeaderValue::from_static(FALLBACK_POLICY));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// axum's own refusals (a body over the limit, a wrong content type, an unreadable body,
/// a wrong method) are plain English text; they become the application's errors: a JSON
/// problem under `/api`, an error page elsewhere. Error pages are rendered in the reader's
/// language (the language cookie).
async fn bilingual_rejections(request: Request, next: Next) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let api = request.uri().path().starts_with("/api/");
    let lang = auth::cookie(request.headers(), html::LANG_COOKIE)
        .map(html::Lang::from_code)
        .unwrap_or_default();
    let response = next.run(request).await;
    if let Some(error::ErrorPage(problem)) = response.extensions().get::<error::ErrorPage>() {
        if lang == html::Lang::Zh {
            return response;
        }
        let problem = problem.clone();
        let (mut parts, _) = response.into_parts();
        let body = html::error_page_in(lang, &problem);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, axum::body::Body::from(body));
    }
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let original = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let problem = match status {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => WebError::BodyTooLarge.problem(),
        _ => WebError::Rejected {
            status: status.as_u16(),
            original,
        }
        .problem(),
    };
    if api {
        (problem.status, axum::Json(problem)).into_response()
    } else {
        let mut response = error::error_page_response(problem.clone());
        if lang == html::Lang::En {
            *response.body_mut() = axum::body::Body::from(html::error_page_in(lang, &problem));
        }
        response
    }
}

/// The API router of every module, and the OpenAPI document describing exactly those routes.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (api, paths) = utoipa_axum::router::OpenApiRouter::with_openapi(openapi::base())
        .merge(api::routes())
        .merge(plans::api())
        .merge(quota::api())
        .merge(upload::api())
        .merge(map::api())
        .merge(market::api())
        .merge(inspect::api())
        .merge(notice::api())
        .merge(reports::api())
        .merge(funds::api())
        .merge(reviews::api())
        .merge(extensions::api())
        .merge(policy::api())
        .split_for_parts();
    (api, paths)
}

/// The OpenAPI document of the API (served at `/api/openapi.json`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    let (api, document) = api_router();
    let document = Arc::new(document);
    let api = api
        .route(
            "/openapi.json",
            get(move || {
                let document = Arc::clone(&document);
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .fallback(api::not_found);
    Router::new()
        .route("/healthz", get(healthz))
        // Browsers ask for it on every first visit; answer without a 404 in the log.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route("/login", get(pages::login_show).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/lang/{code}", get(pages::set_language))
        .route("/", get(pages::dashboard))
        .route("/projects", get(pages::projects_list))
        .route("/projects/{code}", get(pages::project_show))
        .route(
            "/projects/{code}/actions/{action}",
            post(pages::project_action_submit),
        )
        .merge(plans::pages())
        .merge(quota::pages())
        .merge(upload::pages())
        .merge(map::pages())
        .merge(market::pages())
        .merge(inspect::pages())
        .merge(notice::pages())
        .merge(reports::pages())
        .merge(funds::pages())
        .merge(reviews::pages())
        .merge(extensions::pages())
        .merge(policy::pages())
        .merge(users::pages())
        .nest("/api", api)
        .fallback(pages::not_found)
        .layer(middleware::from_fn(bilingual_rejections))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Serves the application on `listen` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn serve(
    registry: Arc<Registry>,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    // The client address reaches handlers (`ConnectInfo`): the public objection form limits
    // filings per address.
    axum::serve(
        listener,
        router(AppState { registry }).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("stopped");
    Ok(())
}
