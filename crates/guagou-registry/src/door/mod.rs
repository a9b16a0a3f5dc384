//! The one door: the only way the web application and the command line read or write the
//! registry. A door is scoped to one principal (`Registry::as_principal`, modelled on lldap's
//! capability handles) or to the anonymous public (`Registry::public`, the villagers' notice
//! pages); its reads are already filtered to what that principal may see, and each of its
//! writes checks, in this crate and nowhere else:
//!
//! 1. the department (audit is read-only; the land bureau runs plans, projects, quota, market
//!    and supervision; finance records money; reviewers give opinions) — `Actor`;
//! 2. that the write is not dated after today in Asia/Shanghai (a what-if is a read);
//! 3. the jurisdiction of the record it touches, decided inside the write transaction from the
//!    state loaded there (the use-case modules, with `owners.rs`).
//!
//! Something a principal may not read answers `NotFound`, exactly like something that does not
//! exist, so codes of other counties cannot be probed.

mod ledger;
mod market;
mod other;
mod projects;
mod users;

use chrono::NaiveDate;
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;

use crate::error::RegistryError;
use crate::owners::{Owners, ReadScope};
use crate::{Actor, Registry};

pub use ledger::ScanPreview;
pub use other::AuditChain;
pub use projects::{AdvancePosition, ProjectDetail};

/// The registry as one principal sees it.
pub struct Door<'r> {
    registry: &'r Registry,
    actor: Actor,
}

/// The registry as the public (villagers, no sign-in) sees it: published notices and their
/// objections.
pub struct PublicDoor<'r> {
    registry: &'r Registry,
}

impl Registry {
    /// The door scoped to `actor`.
    pub fn as_principal(&self, actor: &Actor) -> Door<'_> {
        Door {
            registry: self,
            actor: actor.clone(),
        }
    }

    /// The door of the public.
    pub fn public(&self) -> PublicDoor<'_> {
        PublicDoor { registry: self }
    }
}

impl<'r> Door<'r> {
    /// The principal this door is scoped to.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The policy profile in force (public policy data).
    pub fn profile(&self) -> &'r Profile {
        &self.registry.profile
    }

    /// The land-class table (public reference data).
    pub fn land_classes(&self) -> &'r LandClassTable {
        &self.registry.land_classes
    }

    /// Today in Asia/Shanghai by the registry's clock: the default as-of date of a form and
    /// the last date a write may carry.
    pub fn today(&self) -> NaiveDate {
        self.registry.clock.today()
    }

    /// Refuses a write dated after today (SPEC §3: a write may be dated in the past, never
    /// after today; a what-if is a read that writes nothing).
    pub(crate) fn not_after_today(&self, as_of: NaiveDate) -> Result<(), RegistryError> {
        let today = self.today();
        if as_of > today {
            return Err(RegistryError::FutureDate { as_of, today });
        }
        Ok(())
    }

    /// A write of the land bureau dated `as_of`.
    pub(crate) fn land_write(&self, as_of: NaiveDate) -> Result<(), RegistryError> {
        self.actor.require_land()?;
        self.not_after_today(as_of)
    }

    /// What this principal may read of the ledger, with the owners of project and listing
    /// accounts and the division names (three small queries): pages ask it which accounts,
    /// entries and projects to show or link.
    pub async fn read_scope(&self) -> Result<ReadScope, RegistryError> {
        Ok(ReadScope::new(
            self.actor.clone(),
            Owners::load(self.registry).await?,
            self.registry.division_names().await?,
        ))
    }

    /// Refuses (as not found) unless this principal reads what `owner` owns.
    pub(crate) fn readable(
        &self,
        owner: &str,
        what: &'static str,
        id: &str,
    ) -> Result<(), RegistryError> {
        match guagou_domain::DivisionCode::parse(owner) {
            Ok(owner) if self.actor.reads(&owner) => Ok(()),
            _ => Err(RegistryError::NotFound {
                what,
                id: id.to_owned(),
            }),
        }
    }
}
