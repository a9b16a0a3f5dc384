//! Schema migrations: plain portable SQL files embedded in the binary, applied in order inside
//! the single write transaction and recorded in `schema_migrations`. A migration, once
//! released, must never be edited: append a new file and a new line to `MIGRATIONS`.

use sqlx::Row;

use crate::error::StoreError;
use crate::store::Store;

/// `(version, name, SQL)`, in the order they are applied. Versions only ever grow.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "ledger", include_str!("../migrations/0001_ledger.sql")),
    (
        2,
        "registry",
        include_str!("../migrations/0002_registry.sql"),
    ),
    (3, "users", include_str!("../migrations/0003_users.sql")),
    (
        4,
        "packages",
        include_str!("../migrations/0004_packages.sql"),
    ),
    (5, "market", include_str!("../migrations/0005_market.sql")),
    (
        6,
        "supervision",
        include_str!("../migrations/0006_supervision.sql"),
    ),
    (7, "notice", include_str!("../migrations/0007_notice.sql")),
    (8, "funds", include_str!("../migrations/0008_funds.sql")),
    (
        9,
        "login_address",
        include_str!("../migrations/0009_login_address.sql"),
    ),
    (
        10,
        "base_layers",
        include_str!("../migrations/0010_base_layers.sql"),
    ),
    (
        11,
        "entry_kind_index",
        include_str!("../migrations/0011_entry_kind_index.sql"),
    ),
    (
        12,
        "one_door",
        include_str!("../migrations/0012_one_door.sql"),
    ),
    (
        13,
        "market_sequences",
        include_str!("../migrations/0013_market_sequences.sql"),
    ),
    (
        14,
        "advanced_lots",
        include_str!("../migrations/0014_advanced_lots.sql"),
    ),
    (
        15,
        "policy_facts",
        include_str!("../migrations/0015_policy_facts.sql"),
    ),
    (
        16,
        "reviews_findings",
        include_str!("../migrations/0016_reviews_findings.sql"),
    ),
    (
        17,
        "completion_extensions",
        include_str!("../migrations/0017_completion_extensions.sql"),
    ),
    (
        18,
        "user_admin",
        include_str!("../migrations/0018_user_admin.sql"),
    ),
    (
        19,
        "open_advanced_lots",
        include_str!("../migrations/0019_open_advanced_lots.sql"),
    ),
];

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// Applies every migration not yet recorded. Runs under the write lock so that two processes
/// opening a new database at once do not both apply it.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    let conn = tx.connection();
    sqlx::query(CREATE_MIGRATIONS_TABLE)
        .execute(&mut *conn)
        .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    if let Some(&found) = applied.iter().max()
        && found > known
    {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    let mut changed = false;
    for &(version, name, sql) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        let failed = |source| StoreError::Migration {
            version,
            name: name.to_owned(),
            source,
        };
        // raw_sql runs a multi-statement script on both backends (no prepared statement).
        sqlx::raw_sql(sql)
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
        changed = true;
    }
    if changed {
        tx.commit().await
    } else {
        tx.rollback().await
    }
}

/// The wall clock in RFC 3339 UTC. Only migrations read the clock: ledger and audit times come
/// from the caller.
fn now_rfc3339() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
