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
//! PostgreSQL support is written but not yet exercised by the tests (no server on the build
//! machine when it was written); see docs/ledger-storage.md.

mod audit;
mod error;
mod migrate;
mod read;
mod rows;
mod store;
mod verify;
mod write;

pub use audit::{AuditEntry, AuditRecord, AuditReport, canonical_json};
pub use error::StoreError;
pub use migrate::MIGRATIONS;
pub use store::{Backend, SQLITE_FILE, Store};
pub use write::WriteTx;

/// Re-exported so callers name the same types the store returns.
pub use guagou_domain::ledger::verify::{Checkpoint, VerifyError, VerifyReport};
pub use sqlx::AnyConnection;
