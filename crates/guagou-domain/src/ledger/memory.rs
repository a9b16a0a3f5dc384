//! An in-memory ledger: the same plan/apply cycle storage runs, without a database. Used by
//! tests, property tests and as the model the SQL store is compared against.

use std::collections::{BTreeMap, BTreeSet};

use super::account::Account;
use super::engine::{
    Effects, Listing, ProjectLedger, ReversalTarget, Snapshot, needs, needs_for_reversal, plan,
};
use super::entry::{Entry, GENESIS_HASH, Meta, Operation};
use super::error::LedgerError;
use super::lot::Lot;
use crate::division::DivisionCode;
use crate::profile::Profile;

#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    pub entries: Vec<Entry>,
    pub balances: BTreeMap<Account, i64>,
    /// Every lot ever created, with the entry that consumed it (if any).
    pub lots: BTreeMap<u64, (Lot, Option<u64>)>,
    pub projects: BTreeMap<String, ProjectLedger>,
    pub listings: BTreeMap<String, Listing>,
    pub suspended: BTreeSet<DivisionCode>,
    keys: BTreeMap<String, u64>,
    reversed: BTreeSet<u64>,
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a project with the ledger (the registry does this on approval).
    pub fn register_project(
        &mut self,
        code: &str,
        county: DivisionCode,
        city: DivisionCode,
        city_share_percent: u8,
        planned_surplus_m2: i64,
    ) {
        self.projects.insert(
            code.to_owned(),
            ProjectLedger {
                code: code.to_owned(),
                county,
                city,
                city_share_percent,
                planned_surplus_m2,
                advanced_m2: 0,
                issued_m2: None,
                next_serial: 1,
            },
        );
    }

    pub fn balance(&self, account: &Account) -> i64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    pub fn open_lots(&self, account: &Account) -> Vec<Lot> {
        self.lots
            .values()
            .filter(|(lot, consumed)| consumed.is_none() && &lot.holder == account)
            .map(|(lot, _)| lot.clone())
            .collect()
    }

    pub fn head_hash(&self) -> String {
        self.entries
            .last()
            .map(|e| e.hash.clone())
            .unwrap_or_else(|| GENESIS_HASH.to_owned())
    }

    /// Posts a request; the same idempotency key with the same request returns the first entry.
    pub fn post(
        &mut self,
        operation: Operation,
        meta: Meta,
        profile: &Profile,
    ) -> Result<Entry, LedgerError> {
        if let Some(seq) = self.keys.get(&meta.key) {
            let existing = &self.entries[(*seq - 1) as usize];
            return if existing.operation == operation {
                Ok(existing.clone())
            } else {
                Err(LedgerError::IdempotencyConflict(meta.key.clone()))
            };
        }
        let snapshot = self.snapshot_for(&operation);
        let (entry, effects) = plan(&operation, &meta, &snapshot, profile)?;
        self.apply(&entry, effects);
        Ok(entry)
    }

    fn snapshot_for(&self, operation: &Operation) -> Snapshot {
        let mut needs = needs(operation, &self.projects);
        let mut reversal = None;
        if let Some(seq) = needs.reversal
            && let Some(target) = seq
                .checked_sub(1)
                .and_then(|i| self.entries.get(i as usize))
        {
            let more = needs_for_reversal(target);
            needs.accounts.extend(more.accounts);
            needs.projects.extend(more.projects);
            needs.listings.extend(more.listings);
            let created_open = target
                .lots_created
                .iter()
                .filter(|l| {
                    self.lots
                        .get(&l.id)
                        .is_some_and(|(_, consumed)| consumed.is_none())
                })
                .cloned()
                .collect();
            let consumed = target
                .lots_consumed
                .iter()
                .filter_map(|id| self.lots.get(id).map(|(lot, _)| lot.clone()))
                .collect();
            reversal = Some(ReversalTarget {
                entry: target.clone(),
                created_open,
                consumed,
                already_reversed: self.reversed.contains(&seq),
            });
        }
        let next_lot_id = self.lots.keys().next_back().map(|id| id + 1).unwrap_or(1);
        Snapshot {
            head_seq: self.entries.len() as u64,
            head_hash: self.head_hash(),
            next_lot_id,
            balances: needs
                .accounts
                .iter()
                .map(|a| (a.clone(), self.balance(a)))
                .collect(),
            open_lots: needs
                .lot_accounts
                .iter()
                .map(|(a, _)| (a.clone(), self.open_lots(a)))
                .collect(),
            projects: needs
                .projects
                .iter()
                .filter_map(|p| self.projects.get(p).map(|v| (p.clone(), v.clone())))
                .collect(),
            listings: needs
                .listings
                .iter()
                .filter_map(|l| self.listings.get(l).map(|v| (l.clone(), v.clone())))
                .collect(),
            suspended: self.suspended.clone(),
            reversal,
        }
    }

    fn apply(&mut self, entry: &Entry, effects: Effects) {
        for leg in &entry.legs {
            *self.balances.entry(leg.account.clone()).or_insert(0) += leg.amount_m2;
        }
        for id in &entry.lots_consumed {
            if let Some((_, consumed)) = self.lots.get_mut(id) {
                *consumed = Some(entry.seq);
            }
        }
        for lot in &entry.lots_created {
            self.lots.insert(lot.id, (lot.clone(), None));
        }
        for project in effects.project_updates {
            self.projects.insert(project.code.clone(), project);
        }
        if let Some(listing) = effects.listing_opened {
            self.listings.insert(listing.listing.clone(), listing);
        }
        if let Some(listing) = effects.listing_removed {
            self.listings.remove(&listing);
        }
        if let Some(seq) = effects.reversed_seq {
            self.reversed.insert(seq);
        }
        self.keys.insert(entry.meta.key.clone(), entry.seq);
        self.entries.push(entry.clone());
    }

    /// The history of one square metre: every lot that held it, oldest first.
    pub fn history(&self, project: &str, serial: i64) -> Vec<Lot> {
        let mut out: Vec<Lot> = self
            .lots
            .values()
            .map(|(l, _)| l)
            .filter(|l| l.contains(project, serial))
            .cloned()
            .collect();
        out.sort_by_key(|l| l.id);
        out
    }
}
