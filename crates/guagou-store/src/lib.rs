//! Storage adapter of guagou: persists the quota ledger (SPEC §8) and the audit log in SQLite
//! or PostgreSQL, around the pure domain in `guagou_domain::ledger`.
//!
//! The domain decides; this crate only loads the state a request touches into a `Snapshot`,
//! hands it to `guagou_domain::ledger::plan`, and writes what comes back, in one transaction
//! per request, one writer at a time (the hash chains need a total order). It must never make
//! a ledger decision of its own (balance checks, lot choice, rule checks live in the engine) and
//! never edit a journal or audit row after it was written: corrections are reversing entries.
//!
//! Everything goes through sqlx's `Any` driver with runtime-checked SQL, so the same statements
//! run on both backends; `$1` placeholders work on both, and only bool/int/float/text/blob cross
//! the driver, so dates are TEXT and amounts BIGINT.
//!
//! Both backends run the same test suites: `scripts/test` runs the storage, registry and web
//! suites a second time on a throwaway PostgreSQL server (`TestDb`); see docs/postgres.md.

mod audit;
mod chains;
mod copy;
mod error;
mod migrate;
mod read;
mod rows;
mod store;
mod testdb;
mod verify;
mod write;

pub use audit::{
    AUDIT_COLUMNS, AuditEntry, AuditRecord, AuditReport, audit_from_row, canonical_json,
    owners_text,
};
pub use chains::HeadCheck;
pub use copy::{CopyReport, TableDigest};
pub use error::StoreError;
pub use migrate::MIGRATIONS;
pub use store::{Backend, SQLITE_FILE, Store};
pub use testdb::{TEST_DATABASE_ENV, TestDb};
pub use write::WriteTx;

/// Re-exported so callers name the same types the store returns.
pub use guagou_domain::ledger::verify::{
    ChainHead, Checkpoint, RegistryCheckpoint, VerifyError, VerifyReport,
};
pub use sqlx::AnyConnection;
