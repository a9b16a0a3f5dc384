//! The quota ledger (SPEC §8): double-entry, append-only, integer m², with lots that carry each
//! square metre's provenance, and a hash chain over the journal.
//!
//! Functional core: `engine::plan` takes a request and a `Snapshot` of exactly the state it
//! touches and returns the `Entry` to append (legs, lots created and consumed, hash). Storage
//! loads the snapshot and writes the entry in one transaction; `memory::MemoryLedger` does the
//! same in memory (tests, `verify`). `verify::verify_journal` rebuilds every balance and lot from
//! the journal alone. Nothing here reads a clock: callers pass the effective date and the
//! recording time.

pub mod account;
pub mod engine;
pub mod entry;
pub mod error;
pub mod lot;
pub mod memory;
pub mod verify;

pub use account::Account;
pub use engine::{Snapshot, plan};
pub use entry::{Entry, LandUse, Leg, Meta, Operation};
pub use error::LedgerError;
pub use lot::Lot;
pub use memory::MemoryLedger;

#[cfg(test)]
mod tests;
