//! Which division owns a record, for reads: `Account::owner` (the one answer every read filter
//! and every right asks, SPEC §1) resolved from maps of project counties and listing sellers
//! loaded once per request. Writes resolve the same answer inside their transaction
//! (`jurisdiction.rs`). Only the provincial grant belongs to no county.

use std::collections::BTreeMap;

use guagou_domain::DivisionCode;
use guagou_domain::ledger::account::AccountOwner;
use guagou_domain::ledger::{Account, Entry};

use crate::Actor;
use crate::Registry;
use crate::error::RegistryError;
use crate::ledger_view::ListingInfo;

/// The owners of project and listing accounts, loaded once per request (two small queries).
#[derive(Debug, Clone, Default)]
pub struct Owners {
    projects: BTreeMap<String, DivisionCode>,
    listings: BTreeMap<String, DivisionCode>,
}

impl Owners {
    pub(crate) async fn load(registry: &Registry) -> Result<Owners, RegistryError> {
        let mut projects = BTreeMap::new();
        for (code, county) in registry.project_counties().await? {
            if let Ok(county) = DivisionCode::parse(&county) {
                projects.insert(code, county);
            }
        }
        let mut listings = BTreeMap::new();
        for (id, ListingInfo { seller, .. }) in registry.listings().await? {
            if let Ok(seller) = DivisionCode::parse(&seller) {
                listings.insert(id, seller);
            }
        }
        Ok(Owners { projects, listings })
    }

    /// The division an account belongs to; `None` for the provincial grant and for a listing
    /// or project the registry does not know.
    pub fn owner_of(&self, account: &Account) -> Option<DivisionCode> {
        match account.owner() {
            AccountOwner::Division(division) => Some(division.clone()),
            AccountOwner::ProjectCounty(project) => self.projects.get(project).cloned(),
            AccountOwner::ListingSeller(listing) => self.listings.get(listing).cloned(),
            // Read above the county level (`ReadScope::may_read`).
            AccountOwner::Province => None,
        }
    }

    /// The county of a project, if the registry knows the project.
    pub fn project_county(&self, code: &str) -> Option<&DivisionCode> {
        self.projects.get(code)
    }

    /// The seller of a listing, if the registry knows the listing.
    pub fn listing_seller(&self, listing: &str) -> Option<&DivisionCode> {
        self.listings.get(listing)
    }
}

/// What one principal may read of the ledger: the owners and the principal together.
#[derive(Debug, Clone)]
pub struct ReadScope {
    actor: Actor,
    owners: Owners,
    names: BTreeMap<String, String>,
}

impl ReadScope {
    pub(crate) fn new(actor: Actor, owners: Owners, names: BTreeMap<String, String>) -> Self {
        ReadScope {
            actor,
            owners,
            names,
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the principal reads `account` (SPEC §1): accounts of its jurisdiction; what
    /// belongs to no county above the county level.
    pub fn may_read(&self, account: &Account) -> bool {
        match self.owners.owner_of(account) {
            Some(owner) => self.actor.reads(&owner),
            None => self.actor.reads_above_county(),
        }
    }

    /// Whether the principal reads `entry`: at least one of its accounts.
    pub fn may_read_entry(&self, entry: &Entry) -> bool {
        entry.legs.iter().any(|leg| self.may_read(&leg.account))
    }

    /// Whether the principal reads project `code`'s non-public records.
    pub fn may_read_project(&self, code: &str) -> bool {
        self.owners
            .project_county(code)
            .is_some_and(|county| self.actor.reads(county))
    }

    /// The listings this principal reads (its own jurisdiction's sellers; all above the
    /// county), with their sellers.
    pub fn listings(&self) -> impl Iterator<Item = (&str, &DivisionCode)> {
        self.owners
            .listings
            .iter()
            .filter(|(_, seller)| self.actor.reads(seller))
            .map(|(id, seller)| (id.as_str(), seller))
    }

    /// The seller of a listing, if known.
    pub fn listing_seller(&self, listing: &str) -> Option<&DivisionCode> {
        self.owners.listing_seller(listing)
    }

    /// The county (or city) code an account belongs to, as text.
    pub fn county_of(&self, account: &Account) -> Option<String> {
        self.owners.owner_of(account).map(|c| c.to_string())
    }

    /// The name of a division, if known.
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// Every division's name by code.
    pub fn names(&self) -> &BTreeMap<String, String> {
        &self.names
    }
}
