//! All integration tests of this crate in one binary: one link instead of one per file,
//! which keeps CI's disk use and build time down (each test binary links the whole stack).

mod base_layers;
mod browser;
mod cli;
mod database;
mod protection;
mod races;
mod registry_cli;
mod report_cli;
mod server;
mod verify_cli;
