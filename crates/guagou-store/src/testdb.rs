//! Databases for tests, on either backend: SQLite in the test's directory by default, or a
//! fresh PostgreSQL database per test when `GUAGOU_TEST_DATABASE` names a server
//! (`scripts/test` starts one and runs the storage, registry and web suites a second time with
//! it). Tests write `TestDb::create(dir)` and `db.open()` instead of `Store::open(dir)`, so the
//! same test body proves the same behaviour on both databases.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

use crate::error::StoreError;
use crate::store::{Backend, SQLITE_FILE, Store};

/// Names the PostgreSQL server the tests create their databases on, e.g.
/// `postgres://postgres@127.0.0.1:55433/postgres`. Unset, empty or `sqlite`: SQLite.
pub const TEST_DATABASE_ENV: &str = "GUAGOU_TEST_DATABASE";

/// One test's database. SQLite lives in `dir`; a PostgreSQL database is left on the
/// throwaway server when the test ends (the server is deleted with its cluster).
#[derive(Debug, Clone)]
pub struct TestDb {
    dir: PathBuf,
    /// `None` for SQLite (opened through `Store::open(dir)`, as `guagou --data` does).
    postgres_url: Option<String>,
}

impl TestDb {
    /// The backend the tests of this process run on.
    pub fn backend() -> Backend {
        match server_url() {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        }
    }

    /// A new, empty database for one test (not yet migrated: `open` migrates).
    pub async fn create(dir: &Path) -> Result<TestDb, StoreError> {
        let postgres_url = match server_url() {
            Some(server) => Some(create_postgres_database(&server).await?),
            None => None,
        };
        Ok(TestDb {
            dir: dir.to_path_buf(),
            postgres_url,
        })
    }

    /// Opens (or reopens) the store, migrating it.
    pub async fn open(&self) -> Result<Store, StoreError> {
        match &self.postgres_url {
            Some(url) => Store::connect(url).await,
            None => Store::open(&self.dir).await,
        }
    }

    /// A URL for a raw connection of the test's own (tampering, schema checks).
    pub fn url(&self) -> String {
        match &self.postgres_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.dir.join(SQLITE_FILE).display()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn backend_of(&self) -> Backend {
        match self.postgres_url {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        }
    }

    /// A raw connection to the test's database, outside the store.
    pub async fn raw_connection(&self) -> Result<AnyConnection, StoreError> {
        sqlx::any::install_default_drivers();
        Ok(AnyConnection::connect(&self.url()).await?)
    }
}

fn server_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_ENV) {
        Ok(url) if !url.is_empty() && url != "sqlite" => Some(url),
        _ => None,
    }
}

/// Creates `guagou_t_<pid>_<n>` on the server and returns its URL.
async fn create_postgres_database(server: &str) -> Result<String, StoreError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    sqlx::any::install_default_drivers();
    let options: AnyConnectOptions = server
        .parse()
        .map_err(|_| StoreError::UnsupportedUrl(format!("{TEST_DATABASE_ENV}={server}")))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "guagou_t_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = options.connect().await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    admin.close().await?;
    let mut url = options.database_url;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
