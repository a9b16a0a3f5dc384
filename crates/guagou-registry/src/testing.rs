//! Test support, compiled only with the `test-support` feature (the crate's own tests and the
//! web's enable it as a dev-dependency): the storage behind the door, for tests that tamper
//! with rows to prove that `verify` catches it, or that count rows. A production build has no
//! way around the door.

pub use guagou_store::{AuditRecord, Backend, SQLITE_FILE, Store, TEST_DATABASE_ENV, TestDb};
use sqlx::Row;

use crate::Registry;
use crate::error::RegistryError;

impl Registry {
    /// The door of the operator (the province's audit department): reads everything, writes
    /// nothing (tests only).
    pub fn auditor(&self) -> crate::Door<'_> {
        self.as_principal(&self.operator())
    }

    /// The store behind the door (tests only).
    pub fn store_for_tests(&self) -> &Store {
        &self.store
    }
}

/// Runs one SQL statement with text parameters `$1, $2, …`; returns the rows affected.
pub async fn execute(registry: &Registry, sql: &str, binds: &[&str]) -> Result<u64, RegistryError> {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    Ok(query.execute(registry.store.pool()).await?.rows_affected())
}

/// The first column of the first row of a query that selects one integer (e.g. a count).
pub async fn scalar(registry: &Registry, sql: &str, binds: &[&str]) -> Result<i64, RegistryError> {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    Ok(query.fetch_one(registry.store.pool()).await?.try_get(0)?)
}

/// The first column of the first row of a query that selects one text value.
pub async fn text(registry: &Registry, sql: &str, binds: &[&str]) -> Result<String, RegistryError> {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    Ok(query.fetch_one(registry.store.pool()).await?.try_get(0)?)
}

/// The facts the deadline scan reads, rebuilt from the whole journal (tests compare the cheap
/// per-page facts with them).
pub async fn sanction_facts(
    registry: &Registry,
) -> Result<Vec<guagou_domain::sanctions::ProjectFacts>, RegistryError> {
    registry.sanction_facts().await
}
