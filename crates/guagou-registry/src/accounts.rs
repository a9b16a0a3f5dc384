//! Users, passwords, sessions and sign-in: how a person becomes a principal of the door.
//!
//! Passwords are hashed with Argon2id (default parameters, random salt, PHC string). A session
//! is a random 32-byte token; the database keeps only its SHA-256, so a copy of the database
//! opens no session. Each session carries its own CSRF token.
//!
//! The sign-in form is bound to a pre-login session: the server gives the browser a random
//! nonce (a cookie) and the form a token that is the HMAC of that nonce under a key kept in
//! the database, so a client can neither choose the token nor reuse another browser's.
//!
//! Throttling is decided before any password hash is computed: an attempt is reserved (counted
//! per name and per client address) in one write transaction, so concurrent guesses cannot all
//! slip under the limit, and at most one Argon2 check per name runs at a time in this process.
//! This module never logs or stores a password or a token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use guagou_domain::Department;
use guagou_store::AuditRecord;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::RegistryError;
use crate::{Actor, Registry};

/// How long a session lives.
pub const SESSION_HOURS: i64 = 8;
/// How long a sign-in form stays valid.
pub const LOGIN_FORM_SECONDS: i64 = 3600;
/// Failed (or still running) sign-ins allowed per name within `THROTTLE_MINUTES`.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// Failed sign-ins allowed from one client address (any names) within `THROTTLE_MINUTES`: an
/// office behind one address gets room for its people's typos, password spraying does not.
pub const MAX_FAILED_LOGINS_PER_ADDRESS: i64 = 20;
/// The throttling window.
pub const THROTTLE_MINUTES: i64 = 15;
/// The first administrator's name and jurisdiction (the city).
pub const ADMIN_NAME: &str = "admin";
pub const ADMIN_DIVISION: &str = "511700";

/// The key of the sign-in form HMAC in `server_keys`.
const LOGIN_FORM_KEY: &str = "login_form";

/// A new session: the cookie token (given to the browser) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// A live session: who it is and the CSRF token its forms must echo.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    /// Whether the account administers users (用户管理).
    pub is_admin: bool,
    pub csrf: String,
}

/// A sign-in form: the nonce the browser keeps (cookie) and the token the form carries.
#[derive(Debug, Clone)]
pub struct LoginForm {
    pub nonce: String,
    pub token: String,
}

/// One sign-in attempt as the browser sent it.
#[derive(Debug, Clone, Copy)]
pub struct SignIn<'a> {
    pub name: &'a str,
    pub password: &'a str,
    /// The client address, when the server knows it.
    pub address: Option<std::net::IpAddr>,
    /// The pre-login nonce (cookie) and the form's token.
    pub nonce: &'a str,
    pub token: &'a str,
}

/// Per-name locks: at most one Argon2 check per name at a time in this process.
#[derive(Default)]
pub(crate) struct SignInLocks {
    names: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl SignInLocks {
    fn lock_for(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut names = match self.names.lock() {
            Ok(names) => names,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget locks nobody holds, so the map does not grow with every name ever tried.
        names.retain(|_, lock| Arc::strong_count(lock) > 1);
        Arc::clone(names.entry(name.to_owned()).or_default())
    }
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, RegistryError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| RegistryError::Internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn hash_password(password: &str) -> Result<String, RegistryError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| RegistryError::Internal(format!("argon2: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// An Argon2id hash of a random string, verified against when the name is unknown, so that
/// timing does not tell who exists.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wL2uYQ0BCdqbMxDbRMGfG9N0dO6KGr2UPV1bWQW1Rj0";

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Registry {
    /// Now, from the registry's clock, in UTC. A clock that does not speak RFC 3339 reads
    /// as the earliest time, which expires every session and refuses every dated write.
    pub(crate) fn now_utc(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&self.clock.now_rfc3339())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub(crate) fn account_event(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        reason: &str,
    ) -> AuditRecord {
        AuditRecord {
            actor: actor.to_owned(),
            at: self.clock.now_rfc3339(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            reason: reason.to_owned(),
            payload: serde_json::json!({}),
            ..Default::default()
        }
    }

    /// The department of `text` under this registry's profile.
    pub fn department(&self, text: &str) -> Result<Department, RegistryError> {
        Department::parse(text, &self.profile.consultation.departments.value).map_err(|e| {
            RegistryError::invalid(
                "department",
                format!("未知部门 {}", e.0),
                format!("unknown department {}", e.0),
            )
        })
    }

    /// A principal from `name@division[/department]` with this profile's departments.
    pub fn parse_actor(&self, text: &str) -> Result<Actor, RegistryError> {
        Actor::parse_with(text, &self.profile.consultation.departments.value)
    }

    /// Creates a user (an operator's step: `guagou demo`, the first administrator, tests).
    /// `division` is a county, the city or the province; `department` a known department.
    pub async fn create_user(
        &self,
        name: &str,
        division: &str,
        department: &str,
        password: &str,
    ) -> Result<Actor, RegistryError> {
        let actor = Actor::new(name, division, self.department(department)?)?;
        if password.chars().count() < 8 {
            return Err(RegistryError::invalid(
                "password",
                "密码至少 8 个字符",
                "a password needs at least 8 characters",
            ));
        }
        let hash = hash_password(password)?;
        let mut tx = self.store.begin_write().await?;
        let exists = sqlx::query("SELECT 1 AS found FROM users WHERE name = $1")
            .bind(&actor.name)
            .fetch_optional(tx.connection())
            .await?;
        if exists.is_some() {
            return Err(RegistryError::invalid(
                "name",
                format!("用户 {} 已存在", actor.name),
                format!("user {} already exists", actor.name),
            ));
        }
        sqlx::query(
            "INSERT INTO users (name, division, department, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&actor.name)
        .bind(actor.division.as_str())
        .bind(actor.department.as_str())
        .bind(&hash)
        .bind(rfc3339(self.now_utc()))
        .execute(tx.connection())
        .await?;
        let subject = actor.to_string();
        let mut record = self.account_event(
            "system",
            "user.create",
            &actor.name,
            actor.department.as_str(),
        );
        record.payload = serde_json::json!({ "user": subject });
        self.audit_account_event(&mut tx, record).await?;
        tx.commit().await?;
        Ok(actor)
    }

    /// If no user exists, creates `admin@511700` (the city land bureau) with a generated
    /// password and returns that password, once, for the binary to print. Otherwise `None`.
    pub async fn ensure_admin(&self) -> Result<Option<String>, RegistryError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.store.pool())
            .await?
            .try_get("n")?;
        if count > 0 {
            return Ok(None);
        }
        let password = random_hex(12)?;
        self.create_user(ADMIN_NAME, ADMIN_DIVISION, "land", &password)
            .await?;
        self.make_first_admin(ADMIN_NAME).await?;
        Ok(Some(password))
    }

    /// The HMAC key of sign-in forms: created once per database, so that every server process
    /// of a deployment accepts the forms of the others.
    async fn login_form_key(&self) -> Result<Vec<u8>, RegistryError> {
        if let Some(key) = self.login_key.get() {
            return Ok(key.clone());
        }
        let read = |row: Option<sqlx::any::AnyRow>| -> Result<Option<Vec<u8>>, RegistryError> {
            row.map(|r| {
                let text: String = r.try_get("secret")?;
                hex::decode(text).map_err(|_| {
                    RegistryError::Internal("server_keys.secret is not hex".to_owned())
                })
            })
            .transpose()
        };
        let query = "SELECT secret FROM server_keys WHERE name = $1";
        let mut key = read(
            sqlx::query(query)
                .bind(LOGIN_FORM_KEY)
                .fetch_optional(self.store.pool())
                .await?,
        )?;
        if key.is_none() {
            let mut tx = self.store.begin_write().await?;
            sqlx::query(
                "INSERT INTO server_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(LOGIN_FORM_KEY)
            .bind(random_hex(32)?)
            .execute(tx.connection())
            .await?;
            key = read(
                sqlx::query(query)
                    .bind(LOGIN_FORM_KEY)
                    .fetch_optional(tx.connection())
                    .await?,
            )?;
            tx.commit().await?;
        }
        let key = key.ok_or_else(|| RegistryError::Internal("no login form key".to_owned()))?;
        let _ = self.login_key.set(key.clone());
        Ok(key)
    }

    fn form_token(key: &[u8], nonce: &str) -> Result<String, RegistryError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| RegistryError::Internal(format!("hmac: {e}")))?;
        mac.update(b"guagou sign-in form\0");
        mac.update(nonce.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// A new sign-in form: a random nonce for the browser's cookie and the token the form
    /// carries. Nothing is written.
    pub async fn login_form(&self) -> Result<LoginForm, RegistryError> {
        let key = self.login_form_key().await?;
        let nonce = random_hex(32)?;
        let token = Self::form_token(&key, &nonce)?;
        Ok(LoginForm { nonce, token })
    }

    /// The sign-in form of an existing nonce (a reload keeps the browser's cookie), or a new
    /// one when the nonce is not one of ours.
    pub async fn login_form_for(&self, nonce: Option<&str>) -> Result<LoginForm, RegistryError> {
        match nonce.filter(|n| is_hex(n, 64)) {
            Some(nonce) => {
                let key = self.login_form_key().await?;
                Ok(LoginForm {
                    nonce: nonce.to_owned(),
                    token: Self::form_token(&key, nonce)?,
                })
            }
            None => self.login_form().await,
        }
    }

    /// Signs a person in: checks the form, reserves the attempt under the throttle, then the
    /// password; on success opens a session.
    pub async fn sign_in(&self, attempt: SignIn<'_>) -> Result<NewSession, RegistryError> {
        let key = self.login_form_key().await?;
        let expected = Self::form_token(&key, attempt.nonce)?;
        if !is_hex(attempt.nonce, 64)
            || !constant_time_eq(expected.as_bytes(), attempt.token.as_bytes())
        {
            return Err(RegistryError::LoginFormExpired);
        }
        let name = attempt.name.trim();
        let address = attempt.address.map(|a| a.to_string());
        let reservation = self.reserve_attempt(name, address.as_deref()).await?;
        let lock = self.sign_in_locks.lock_for(name);
        let _held = lock.lock().await;
        let row = sqlx::query("SELECT password_hash, disabled_at FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(self.store.pool())
            .await?;
        let stored: Option<String> = row
            .as_ref()
            .map(|r| r.try_get("password_hash"))
            .transpose()?;
        let disabled = row
            .as_ref()
            .map(|r| r.try_get::<Option<String>, _>("disabled_at"))
            .transpose()?
            .flatten()
            .is_some();
        let password = attempt.password.to_owned();
        // Argon2 takes tens of milliseconds of CPU: off the request threads.
        let ok = tokio::task::spawn_blocking(move || match &stored {
            Some(phc) => verify_password(&password, phc),
            None => {
                let _ = verify_password(&password, DUMMY_HASH);
                false
            }
        })
        .await
        .map_err(|e| RegistryError::Internal(format!("password check: {e}")))?;
        if !ok {
            self.fail_attempt(name, &reservation).await?;
            return Err(RegistryError::BadLogin);
        }
        // Only someone who knows the password learns that the account is disabled.
        if disabled {
            self.fail_attempt(name, &reservation).await?;
            return Err(RegistryError::refused(
                guagou_domain::ErrorCode::AccountDisabled,
            ));
        }
        self.open_session(name).await
    }

    /// Reserves one attempt for `name` (and `address`) if the throttle allows it: counted and
    /// written in one write transaction, before any password is checked.
    async fn reserve_attempt(
        &self,
        name: &str,
        address: Option<&str>,
    ) -> Result<String, RegistryError> {
        let now = self.now_utc();
        let since = rfc3339(now - Duration::minutes(THROTTLE_MINUTES));
        let mut tx = self.store.begin_write().await?;
        let by_name: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE name = $1 AND at > $2")
                .bind(name)
                .bind(&since)
                .fetch_one(tx.connection())
                .await?
                .try_get("n")?;
        let by_address: i64 = match address {
            Some(address) => sqlx::query(
                "SELECT COUNT(*) AS n FROM login_attempts WHERE address = $1 AND at > $2",
            )
            .bind(address)
            .bind(&since)
            .fetch_one(tx.connection())
            .await?
            .try_get("n")?,
            None => 0,
        };
        if by_name >= MAX_FAILED_LOGINS || by_address >= MAX_FAILED_LOGINS_PER_ADDRESS {
            return Err(RegistryError::LoginThrottled);
        }
        let id = random_hex(16)?;
        sqlx::query(
            "INSERT INTO login_attempts (name, at, address, attempt, outcome) VALUES ($1, $2, $3, $4, 'pending')",
        )
        .bind(name)
        .bind(rfc3339(now))
        .bind(address)
        .bind(&id)
        .execute(tx.connection())
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Marks a reserved attempt failed and audits it.
    async fn fail_attempt(&self, name: &str, attempt: &str) -> Result<(), RegistryError> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query("UPDATE login_attempts SET outcome = 'failed' WHERE attempt = $1")
            .bind(attempt)
            .execute(tx.connection())
            .await?;
        self.audit_account_event(
            &mut tx,
            self.account_event(name, "user.login_failed", name, "wrong name or password"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a session for `name` after a right password: the name starts afresh, and
    /// everyone's attempts older than the window are forgotten.
    async fn open_session(&self, name: &str) -> Result<NewSession, RegistryError> {
        let now = self.now_utc();
        let since = rfc3339(now - Duration::minutes(THROTTLE_MINUTES));
        let session = NewSession {
            token: random_hex(32)?,
            csrf: random_hex(32)?,
        };
        let mut tx = self.store.begin_write().await?;
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
        self.audit_account_event(&mut tx, self.account_event(name, "user.login", name, ""))
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), RegistryError> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token = $1")
            .bind(token_digest(token))
            .execute(tx.connection())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal and CSRF token of a live session token.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, RegistryError> {
        if !is_hex(token, 64) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT u.name AS name, u.division AS division, u.department AS department, u.is_admin AS is_admin, s.csrf AS csrf \
             FROM sessions s JOIN users u ON u.name = s.user_name \
             WHERE s.token = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_digest(token))
        .bind(rfc3339(self.now_utc()))
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let name: String = row.try_get("name")?;
        let division: String = row.try_get("division")?;
        let department: String = row.try_get("department")?;
        Ok(Some(Session {
            actor: Actor::new(&name, &division, self.department(&department)?)?,
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            csrf: row.try_get("csrf")?,
        }))
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
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn form_tokens_depend_on_key_and_nonce() -> Result<(), RegistryError> {
        let a = Registry::form_token(b"key one", "00")?;
        assert_eq!(a, Registry::form_token(b"key one", "00")?);
        assert_ne!(a, Registry::form_token(b"key two", "00")?);
        assert_ne!(a, Registry::form_token(b"key one", "01")?);
        Ok(())
    }
}
