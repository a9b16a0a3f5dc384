//! All integration tests of this crate in one binary: one link instead of one per file,
//! which keeps CI's disk use and build time down (each test binary links the whole stack).

mod backup;
mod boundaries;
mod deadlines;
mod decisions;
mod demo;
mod ledgermoney;
mod verify;
mod walkthrough;
