//! Opening a database (SQLite file or PostgreSQL URL), the connection pool, and the single
//! writer. This module owns the few places where the backends differ (connection settings and
//! write locking); it must never hold a write lock outside a `WriteTx`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Transaction};
use tokio::sync::Mutex;

use crate::error::StoreError;
use crate::migrate;
use crate::write::WriteTx;

/// The file `Store::open` creates inside the data directory.
pub const SQLITE_FILE: &str = "guagou.sqlite";

/// How long a SQLite writer waits for another process's write transaction before giving up
/// with `StoreError::Busy`. Ledger transactions are short; a minute covers a batch import.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 60_000;

/// Key of the PostgreSQL transaction-level advisory lock that makes one writer at a time
/// ("guagou" in ASCII). Any process writing the ledger must take the same lock.
pub(crate) const PG_WRITE_LOCK_KEY: i64 = 0x6775_6167_6f75;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the ledger database. Cheap to clone; clones share the pool and the writer queue.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Writers of this process queue here in FIFO order before taking the database lock, so
    /// they wait without polling; other processes are kept out by the database lock itself.
    writer: Arc<Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) `<data_dir>/guagou.sqlite` in WAL mode and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let io = |source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        // An absolute path keeps the URL unambiguous (a relative first segment would read as
        // a host).
        let dir = std::fs::canonicalize(data_dir).map_err(io)?;
        let url = SqliteConnectOptions::new()
            .filename(dir.join(SQLITE_FILE))
            .create_if_missing(true)
            .to_url_lossy();
        let options = AnyConnectOptions::from_url(&url)?;
        Store::connect_with(options, Backend::Sqlite).await
    }

    /// Connects to `sqlite://…` or `postgres://…` (also `postgresql://…`) and migrates.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|_| StoreError::UnsupportedUrl(redact(url)))?;
        Store::connect_with(options, backend).await
    }

    async fn connect_with(
        options: AnyConnectOptions,
        backend: Backend,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let pool_options = match backend {
            // SQLite has one writer anyway; a few readers suffice on 2 cores.
            Backend::Sqlite => AnyPoolOptions::new().max_connections(4),
            Backend::Postgres => AnyPoolOptions::new().max_connections(8),
        };
        let pool = pool_options
            .acquire_timeout(Duration::from_secs(120))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; foreign keys are per
                        // connection in SQLite and off by default.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
                            .execute(&mut *conn)
                            .await?;
                        // 64 MiB of page cache per connection (default 2 MiB): the lot and
                        // journal indexes of a large ledger stay in memory.
                        sqlx::query("PRAGMA cache_size = -65536")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            backend,
            writer: Arc::new(Mutex::new(())),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// A consistent copy of the whole database at `target` (a file that must not exist),
    /// taken online: SQLite's `VACUUM INTO` reads one snapshot while writers go on. PostgreSQL
    /// is backed up with its own tools (`pg_dump`), not here.
    pub async fn snapshot_to(&self, target: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "在线快照仅支持 SQLite；PostgreSQL 请用 pg_dump / online snapshots are for SQLite; use pg_dump for PostgreSQL"
                    .into(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Io {
                path: target.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "目标已存在 / the target exists",
                ),
            });
        }
        sqlx::query("VACUUM INTO $1")
            .bind(target.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for reads the store does not offer (registry queries of the lead's code).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts the only write transaction: waits for earlier writers of this process, then
    /// takes the database's write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL advisory
    /// transaction lock). Dropping the `WriteTx` without `commit` rolls back.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let guard = Arc::clone(&self.writer).lock_owned().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                // A function returning void cannot cross the Any driver; selecting a
                // constant from it takes the lock and returns a plain integer.
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                    .bind(PG_WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(WriteTx::new(tx, self.backend, guard))
    }

    /// A read-only snapshot for reads that must agree with each other (verification, also the
    /// registry's cross-checks). SQLite: a deferred transaction, whose first read fixes the
    /// snapshot (WAL); PostgreSQL: repeatable read. Callers only read through it and roll it
    /// back (dropping it does too).
    pub async fn begin_read(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        })
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A URL without its password, for error messages.
fn redact(url: &str) -> String {
    match url.parse::<sqlx::any::AnyConnectOptions>() {
        Ok(options) => {
            let mut u = options.database_url;
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => url.split('@').next_back().unwrap_or_default().to_owned(),
    }
}
