//! Who is signed in: the session cookie, the sign-in form's pre-login cookie, and the
//! extractors that turn a request into a `User` (a principal of the registry's door, with the
//! session's CSRF token and the page language).
//!
//! Passwords, sessions, throttling and the form's token live in the registry
//! (`guagou_registry::accounts`); this module only carries cookies. It never logs a password
//! or a token, and it decides no right: it asks the principal.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use guagou_registry::{Actor, Door, Registry};

use crate::AppState;
use crate::error::{ApiError, WebError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "guagou_session";
/// The pre-login cookie: the nonce the sign-in form's token is bound to.
pub const LOGIN_COOKIE: &str = "guagou_prelogin";
/// The header the API uses for the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
pub use guagou_registry::accounts::{
    ADMIN_DIVISION, ADMIN_NAME, MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_ADDRESS, SESSION_HOURS,
};

/// A signed-in user: the principal, the session's CSRF token and the page language.
#[derive(Debug, Clone)]
pub struct User {
    pub actor: Actor,
    /// Whether the account administers users (the navigation shows 用户管理).
    pub is_admin: bool,
    /// The CSRF token of this session.
    pub csrf: String,
    /// The language the user reads pages in (cookie `guagou_lang`).
    pub lang: crate::html::Lang,
    /// Today by the registry's clock (Asia/Shanghai): forms' default date.
    pub today: chrono::NaiveDate,
    /// How many things wait for the user (the to-do centre), for the navigation of pages;
    /// `None` for API calls, or when it could not be counted.
    pub todo: Option<usize>,
    /// The audit log's head hash when the page request began (it names the registry's state:
    /// every write appends a record); `None` for API calls or when it could not be read.
    pub audit_head: Option<String>,
    /// The path of the request (`/projects/511722-2018-003`): the page's place in the
    /// breadcrumbs.
    pub path: String,
}

impl User {
    /// The registry as this user may see and change it.
    pub fn door<'r>(&self, registry: &'r Registry) -> Door<'r> {
        registry.as_principal(&self.actor)
    }

    /// Whether the user reads the non-public records of division `code` (asks the principal).
    pub fn reads(&self, code: &str) -> bool {
        guagou_domain::DivisionCode::parse(code).is_ok_and(|c| self.actor.reads(&c))
    }

    /// Whether the user is of the land bureau and may write (for showing forms and buttons;
    /// the door decides when the step is taken).
    pub fn is_land_writer(&self) -> bool {
        self.actor.require_land().is_ok()
    }

    /// Whether the user may write anything at all (audit reads only).
    pub fn is_writer(&self) -> bool {
        self.actor.require_writer().is_ok()
    }

    /// Refuses unless `token` is this session's CSRF token.
    /// Refuses an API write without this session's CSRF token in the `x-csrf-token` header.
    pub fn require_csrf_header(&self, headers: &HeaderMap) -> Result<(), WebError> {
        self.require_csrf(headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()))
    }

    pub fn require_csrf(&self, token: Option<&str>) -> Result<(), WebError> {
        match token {
            Some(t) if constant_time_eq(t.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(WebError::Csrf),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `n` random bytes as lowercase hex (idempotency keys of forms).
pub fn random_hex(n: usize) -> Result<String, WebError> {
    Ok(guagou_registry::accounts::random_hex(n)?)
}

/// Creates a user (the demo and tests; an operator's step).
pub async fn create_user(
    registry: &Registry,
    name: &str,
    division: &str,
    department: &str,
    password: &str,
) -> Result<Actor, WebError> {
    Ok(registry
        .create_user(name, division, department, password)
        .await?)
}

/// If no user exists, creates the first administrator and returns its password, once.
pub async fn ensure_admin(registry: &Registry) -> Result<Option<String>, WebError> {
    Ok(registry.ensure_admin().await?)
}

/// The value of cookie `name` in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether cookies carry `Secure` (the service is reached over HTTPS, e.g. behind a TLS
/// proxy). Off by default: on plain HTTP a browser would drop a `Secure` cookie.
static SECURE_COOKIES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks every cookie set from now on `Secure` (`guagou serve --secure-cookies`).
pub fn set_secure_cookies(on: bool) {
    SECURE_COOKIES.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, and Secure when served over
/// HTTPS (`set_secure_cookies`).
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if SECURE_COOKIES.load(std::sync::atomic::Ordering::Relaxed) {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}")
}

/// The session cookie for a new session.
pub fn session_cookie(token: &str) -> String {
    set_cookie(SESSION_COOKIE, token, SESSION_HOURS * 3600)
}

async fn user_from_parts(parts: &Parts, state: &AppState) -> Result<Option<User>, WebError> {
    let session = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => state.registry.session(token).await?,
        None => None,
    };
    let lang = cookie(&parts.headers, crate::html::LANG_COOKIE)
        .map(crate::html::Lang::from_code)
        .unwrap_or_default();
    Ok(session.map(|s| User {
        actor: s.actor,
        is_admin: s.is_admin,
        csrf: s.csrf,
        lang,
        today: state.registry.today(),
        todo: None,
        audit_head: None,
        path: parts.uri.path().to_owned(),
    }))
}

/// The signed-in user of a page request; without one, a redirect to the login page.
pub struct PageUser(pub User);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match user_from_parts(parts, state).await {
            Ok(Some(mut user)) => {
                user.audit_head = match user.door(&state.registry).audit_head_hash().await {
                    Ok(head) => Some(head),
                    Err(e) => {
                        tracing::warn!(error = %e, "page request: audit head not read");
                        None
                    }
                };
                user.todo = crate::todo::count(state, &user).await;
                Ok(PageUser(user))
            }
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(crate::error::PageError(e).into_response()),
        }
    }
}

/// The signed-in user of an API request; without one, 401.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match user_from_parts(parts, state).await? {
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError(WebError::Unauthorized)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            axum::http::HeaderValue::from_static("a=1; guagou_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
