//! The registry's use cases: what a county, the city or the province does, each as one
//! transaction that checks the rules, writes the state, posts to the ledger where quota moves,
//! and records who did what, when and why in the audit log.
//!
//! The rules and lifecycles live in `guagou-domain` (pure); storage in `guagou-store`. This
//! crate loads the facts a rule needs, asks the domain, and writes the outcome. It never reads
//! the system clock: every call takes the as-of date, and `Clock` gives the recording time.

pub mod accounts;
pub mod actor;
pub mod audit_subject;
pub mod backup;
pub mod base_layers;
pub mod demo;
pub mod divisions;
pub mod door;
pub mod error;
pub mod extensions;
pub mod funds;
pub mod guide_prices;
pub mod inspections;
pub mod jurisdiction;
pub mod ledger_ops;
pub mod ledger_view;
pub mod market;
pub mod migrate;
pub mod notice;
pub mod owners;
pub mod packages;
pub mod plans;
pub mod projects;
pub mod reports;
pub mod reviews;
pub mod scan;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod users;
pub mod verify;

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_store::Store;

pub use actor::Actor;
pub use door::{Door, PublicDoor};
pub use error::RegistryError;
/// Storage types the registry's answers carry (records, not access to storage).
pub use guagou_store::{AuditEntry, AuditReport, Backend, Checkpoint, VerifyReport};

/// Where recording times come from (RFC 3339 strings). Tests pass a fixed clock.
pub trait Clock: Send + Sync {
    fn now_rfc3339(&self) -> String;

    /// Today in Asia/Shanghai (SPEC §3: dates are calendar dates in Asia/Shanghai, UTC+8
    /// without daylight saving), the last date a write may carry. A clock that does not speak
    /// RFC 3339 gives the earliest date, so every dated write is refused rather than allowed.
    fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::parse_from_rfc3339(&self.now_rfc3339())
            .map(|t| (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8)).date_naive())
            .unwrap_or(chrono::NaiveDate::MIN)
    }
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
///
/// Its storage is private: people reach it only through a door scoped to them
/// (`as_principal`, `public`), which filters what they read and checks what they write; the
/// operator's commands (demo, backup, verify, migrate) are the registry's own methods.
pub struct Registry {
    store: Store,
    pub profile: Profile,
    pub land_classes: LandClassTable,
    pub clock: Box<dyn Clock>,
    /// Where stored base layers live (`<data>/base`); `None`: the land-use rules are not
    /// checked from stored layers.
    pub base_dir: Option<std::path::PathBuf>,
    /// The facts of the last report and the chain heads they were read at (`reports.rs`).
    report_cache: reports::ReportCache,
    /// The sign-in form key, read once from the database (`accounts.rs`).
    login_key: tokio::sync::OnceCell<Vec<u8>>,
    /// One password check per name at a time (`accounts.rs`).
    sign_in_locks: accounts::SignInLocks,
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
            login_key: tokio::sync::OnceCell::new(),
            sign_in_locks: accounts::SignInLocks::default(),
        }
    }

    /// Today in Asia/Shanghai by the registry's clock: the default date of a form and the last
    /// date a write may carry.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// Which database this registry runs on.
    pub fn backend(&self) -> guagou_store::Backend {
        self.store.backend()
    }

    /// Closes the database connections (waits for running requests).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// How many entries the quota journal holds.
    pub async fn journal_length(&self) -> Result<u64, RegistryError> {
        Ok(self.store.head().await?.0)
    }

    /// The principal of the machine's operator (the command line without `GUAGOU_ACTOR`):
    /// the province's audit department, which reads everything and writes nothing.
    pub fn operator(&self) -> Actor {
        Actor {
            name: "operator".to_owned(),
            division: self.profile.profile.region.clone(),
            level: guagou_domain::lifecycle::Level::Province,
            department: guagou_domain::Department::Audit,
        }
    }

    /// The dated heads of the three chains (the quota ledger, the funds journal and the
    /// audit log), for an auditor to keep.
    pub async fn export_registry_checkpoint(
        &self,
        as_of: chrono::NaiveDate,
    ) -> Result<guagou_store::RegistryCheckpoint, RegistryError> {
        Ok(self.store.export_registry_checkpoint(as_of).await?)
    }

    /// Checks the three chains against a checkpoint exported earlier: a chain shorter than its
    /// checkpointed head, or different at it, fails.
    pub async fn verify_registry_checkpoint(
        &self,
        checkpoint: &guagou_store::RegistryCheckpoint,
    ) -> Result<Vec<guagou_store::HeadCheck>, RegistryError> {
        Ok(self.store.verify_registry_checkpoint(checkpoint).await?)
    }
}
