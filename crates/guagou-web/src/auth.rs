//! Users, passwords, sessions and login throttling.
//!
//! Passwords are hashed with Argon2id (default parameters, random salt, PHC string). A session
//! is a random 32-byte token in an HttpOnly, SameSite=Strict cookie; the database keeps only its
//! SHA-256, so a copy of the database does not open sessions. Each session carries its own
//! CSRF token, which every POST must echo. This module never logs a password or a token.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, SecondsFormat, Utc};
use guagou_domain::DivisionCode;
use guagou_registry::{Actor, Registry};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::AppState;
use crate::error::{ApiError, WebError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "guagou_session";
/// The cookie holding the CSRF token of the login form (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "guagou_login_csrf";
/// The header the API uses for the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lives.
const SESSION_HOURS: i64 = 8;
/// Failed logins allowed per name within `THROTTLE_MINUTES`.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// Failed logins allowed from one client address (any names) within `THROTTLE_MINUTES`: an
/// office behind one address gets room for its people's typos, password spraying does not.
pub const MAX_FAILED_LOGINS_PER_ADDRESS: i64 = 20;
const THROTTLE_MINUTES: i64 = 15;
/// The first administrator's name and jurisdiction (the city).
pub const ADMIN_NAME: &str = "admin";
pub const ADMIN_DIVISION: &str = "511700";
/// The department whose users read everything and write nothing (SPEC §1).
pub const AUDIT_DEPARTMENT: &str = "audit";
/// The land bureau (国土资源局/厅): the department that drafts plans and projects, runs the
/// ledger and takes lifecycle steps (SPEC §1). Other departments give opinions and reviews.
pub const LAND_DEPARTMENT: &str = "land";

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub actor: Actor,
    pub department: String,
    /// The CSRF token of this session.
    pub csrf: String,
    /// The language the user reads pages in (cookie `guagou_lang`).
    pub lang: crate::html::Lang,
}

impl User {
    /// Whether the user may read data of `county` (SPEC §1: own jurisdiction; audit reads all).
    pub fn reads(&self, county: &str) -> bool {
        if self.department == AUDIT_DEPARTMENT {
            return true;
        }
        DivisionCode::parse(county).is_ok_and(|c| self.actor.may_act_for(&c))
    }

    /// Whether the user reads every jurisdiction (the audit department, SPEC §1).
    pub fn reads_everything(&self) -> bool {
        self.department == AUDIT_DEPARTMENT
    }

    /// Refuses unless the user may write (audit writes nothing but audit findings).
    pub fn require_writer(&self) -> Result<(), WebError> {
        if self.department == AUDIT_DEPARTMENT {
            Err(WebError::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Refuses unless the user is of the land bureau (lifecycle steps, uploads, quota
    /// operations); audit is refused as read-only, other departments as the wrong department.
    pub fn require_land(&self) -> Result<(), WebError> {
        self.require_writer()?;
        if self.department == LAND_DEPARTMENT {
            Ok(())
        } else {
            Err(WebError::Department {
                department: self.department.clone(),
            })
        }
    }

    /// Refuses unless `token` is this session's CSRF token.
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

/// An audit record for an account event (never carries a password or token).
fn account_event(
    actor: &str,
    action: &str,
    subject: &str,
    reason: &str,
) -> guagou_store::AuditRecord {
    guagou_store::AuditRecord {
        actor: actor.to_owned(),
        at: rfc3339(now()),
        action: action.to_owned(),
        subject: subject.to_owned(),
        reason: reason.to_owned(),
        payload: serde_json::json!({}),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, WebError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with Argon2id (default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| WebError::Internal(format!("argon2: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Creates a user. `division` is a county, the city or the province; `department` e.g.
/// `land`, `finance`, `audit`.
pub async fn create_user(
    registry: &Registry,
    name: &str,
    division: &str,
    department: &str,
    password: &str,
) -> Result<Actor, WebError> {
    let actor = Actor::parse(&format!("{name}@{division}"))?;
    if name.contains('@') || department.trim().is_empty() {
        return Err(WebError::invalid(
            "user",
            "用户名不能含 @，部门不能为空",
            "a user name may not contain @ and the department may not be empty",
        ));
    }
    if password.chars().count() < 8 {
        return Err(WebError::invalid(
            "password",
            "密码至少 8 个字符",
            "a password needs at least 8 characters",
        ));
    }
    let hash = hash_password(password)?;
    let mut tx = registry.store.begin_write().await?;
    sqlx::query(
        "INSERT INTO users (name, division, department, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&actor.name)
    .bind(actor.division.as_str())
    .bind(department.trim())
    .bind(&hash)
    .bind(rfc3339(now()))
    .execute(tx.connection())
    .await?;
    let subject = actor.to_string();
    tx.audit(account_event(
        "system",
        "user.create",
        &subject,
        department.trim(),
    ))
    .await?;
    tx.commit().await?;
    Ok(actor)
}

/// If no user exists, creates `admin@511700` (the city land bureau) with a generated password
/// and returns that password, once, for the binary to print. Otherwise `None`.
pub async fn ensure_admin(registry: &Registry) -> Result<Option<String>, WebError> {
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(registry.store.pool())
        .await?
        .try_get("n")?;
    if count > 0 {
        return Ok(None);
    }
    let password = random_hex(12)?;
    create_user(registry, ADMIN_NAME, ADMIN_DIVISION, "land", &password).await?;
    Ok(Some(password))
}

/// A new session: the cookie token (given to the browser) and the CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// Checks the throttle and the password; on success opens a session.
pub async fn login(
    registry: &Registry,
    name: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
) -> Result<NewSession, WebError> {
    let now = now();
    let since = rfc3339(now - Duration::minutes(THROTTLE_MINUTES));
    let address = address.map(|a| a.to_string());
    let failures: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE name = $1 AND at > $2")
            .bind(name)
            .bind(&since)
            .fetch_one(registry.store.pool())
            .await?
            .try_get("n")?;
    let from_address: i64 = match &address {
        Some(address) => {
            sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE address = $1 AND at > $2")
                .bind(address)
                .bind(&since)
                .fetch_one(registry.store.pool())
                .await?
                .try_get("n")?
        }
        None => 0,
    };
    if failures >= MAX_FAILED_LOGINS || from_address >= MAX_FAILED_LOGINS_PER_ADDRESS {
        tracing::warn!(user = name, address = address.as_deref(), "login throttled");
        return Err(WebError::Throttled);
    }
    let row = sqlx::query("SELECT password_hash FROM users WHERE name = $1")
        .bind(name)
        .fetch_optional(registry.store.pool())
        .await?;
    let stored: Option<String> = row.map(|r| r.try_get("password_hash")).transpose()?;
    // Verify against a dummy hash for unknown names too, so timing does not tell who exists.
    let ok = match &stored {
        Some(phc) => verify_password(password, phc),
        None => {
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    let mut tx = registry.store.begin_write().await?;
    if !ok {
        sqlx::query("INSERT INTO login_attempts (name, at, address) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(rfc3339(now))
            .bind(address.clone())
            .execute(tx.connection())
            .await?;
        tx.audit(account_event(
            name,
            "user.login_failed",
            name,
            "wrong name or password",
        ))
        .await?;
        tx.commit().await?;
        tracing::info!(user = name, "login failed");
        return Err(WebError::BadLogin);
    }
    let session = NewSession {
        token: random_hex(32)?,
        csrf: random_hex(32)?,
    };
    // This name starts afresh; everyone's attempts older than the window are forgotten.
    sqlx::query("DELETE FROM login_attempts WHERE name = $1 OR at <= $2")
        .bind(name)
        .bind(&since)
        .execute(tx.connection())
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(rfc3339(now))
        .execute(tx.connection())
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_digest(&session.token))
    .bind(name)
    .bind(&session.csrf)
    .bind(rfc3339(now))
    .bind(rfc3339(now + Duration::hours(SESSION_HOURS)))
    .execute(tx.connection())
    .await?;
    tx.audit(account_event(name, "user.login", name, ""))
        .await?;
    tx.commit().await?;
    tracing::info!(user = name, "login");
    Ok(session)
}

/// An Argon2id hash of a random string, verified against when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wL2uYQ0BCdqbMxDbRMGfG9N0dO6KGr2UPV1bWQW1Rj0";

/// Ends a session.
pub async fn logout(registry: &Registry, token: &str) -> Result<(), WebError> {
    let mut tx = registry.store.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token = $1")
        .bind(token_digest(token))
        .execute(tx.connection())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The user of a live session token.
pub async fn session_user(registry: &Registry, token: &str) -> Result<Option<User>, WebError> {
    let row = sqlx::query(
        "SELECT u.name AS name, u.division AS division, u.department AS department, s.csrf AS csrf \
         FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.token = $1 AND s.expires_at > $2",
    )
    .bind(token_digest(token))
    .bind(rfc3339(now()))
    .fetch_optional(registry.store.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let name: String = row.try_get("name")?;
    let division: String = row.try_get("division")?;
    Ok(Some(User {
        actor: Actor::parse(&format!("{name}@{division}"))?,
        department: row.try_get("department")?,
        csrf: row.try_get("csrf")?,
        lang: crate::html::Lang::default(),
    }))
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
    let user = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => session_user(&state.registry, token).await?,
        None => None,
    };
    let lang = cookie(&parts.headers, crate::html::LANG_COOKIE)
        .map(crate::html::Lang::from_code)
        .unwrap_or_default();
    Ok(user.map(|u| User { lang, ..u }))
}

/// The signed-in user of a page request; without one, a redirect to the login page.
pub struct PageUser(pub User);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match user_from_parts(parts, state).await {
            Ok(Some(user)) => Ok(PageUser(user)),
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
    fn hashes_verify_and_the_dummy_hash_parses() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        // Unknown names cost a full verification too.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

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
