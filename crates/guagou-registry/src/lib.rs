//! The registry's use cases: what a county, the city or the province does, each as one
//! transaction that checks the rules, writes the state, posts to the ledger where quota moves,
//! and records who did what, when and why in the audit log.
//!
//! The rules and lifecycles live in `guagou-domain` (pure); storage in `guagou-store`. This
//! crate loads the facts a rule needs, asks the domain, and writes the outcome. It never reads
//! the system clock: every call takes the as-of date, and `Clock` gives the recording time.

pub mod actor;
pub mod backup;
pub mod base_layers;
pub mod demo;
pub mod divisions;
pub mod error;
pub mod funds;
pub mod inspections;
pub mod jurisdiction;
pub mod ledger_ops;
pub mod ledger_view;
pub mod market;
pub mod migrate;
pub mod notice;
pub mod packages;
pub mod plans;
pub mod projects;
pub mod reports;
pub mod scan;

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_store::Store;

pub use actor::Actor;
pub use error::RegistryError;

/// Where recording times come from (RFC 3339 strings). Tests pass a fixed clock.
pub trait Clock: Send + Sync {
    fn now_rfc3339(&self) -> String;
}

/// A clock that always says the same time.
#[derive(Debug, Clone)]
pub struct FixedClock(pub String);

impl Clock for FixedClock {
    fn now_rfc3339(&self) -> String {
        self.0.clone()
    }
}

/// The registry: storage, the policy profile in force and the land-class table.
pub struct Registry {
    pub store: Store,
    pub profile: Profile,
    pub land_classes: LandClassTable,
    pub clock: Box<dyn Clock>,
    /// Where stored base layers live (`<data>/base`); `None`: the land-use rules are not
    /// checked from stored layers.
    pub base_dir: Option<std::path::PathBuf>,
    /// The facts of the last report and the chain heads they were read at (`reports.rs`).
    report_cache: reports::ReportCache,
}

impl Registry {
    pub fn new(
        store: Store,
        profile: Profile,
        land_classes: LandClassTable,
        clock: Box<dyn Clock>,
    ) -> Self {
        Registry {
            store,
            profile,
            land_classes,
            clock,
            base_dir: None,
            report_cache: reports::ReportCache::default(),
        }
    }
}
