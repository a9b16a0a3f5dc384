//! All integration tests of this crate in one binary: one link instead of one per file,
//! which keeps CI's disk use and build time down (each test binary links the whole stack).

mod base_layers;
mod catalogue;
mod common;
mod crawl;
mod dashboard;
mod downloads;
mod errors;
mod extensions;
mod funds;
mod hostile_packages;
mod inspect;
mod ledger_list;
mod lists;
mod map;
mod market;
mod notice;
mod one_door;
mod page_cache;
mod plans;
mod print;
mod protection;
mod quota;
mod reports;
mod reviews;
mod roles;
mod security;
mod todo;
mod upload;
mod users;
mod web;
