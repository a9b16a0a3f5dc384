//! The quota ledger through the door: balances, accounts, entries and lots the principal may
//! read (each checked against a `ReadScope` the same door made), deadlines, sanctions and
//! obligations of its jurisdiction, and the ledger operations.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::{Account, Entry, LandUse, Lot, Operation};
use guagou_domain::lifecycle::Level;
use guagou_domain::registry_rules::Backing;
use guagou_domain::sanctions::{ProjectFacts, Sanction};
use serde::Serialize;
use sqlx::Row;

use super::Door;
use crate::error::RegistryError;
use crate::ledger_view::{
    Adjustment, EntrySummary, JournalFilter, JournalList, LandSupply, LotRecord,
};
use crate::owners::ReadScope;
use crate::scan::ScanReport;

/// What a deadline scan would do on a date, written nowhere (a what-if).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanPreview {
    pub as_of: NaiveDate,
    /// Sanctions that a scan on `as_of` would apply now.
    pub would_apply: Vec<Sanction>,
    /// Sanctions due on `as_of` that are applied already.
    pub already_applied: usize,
}

fn entry_not_found(seq: u64) -> RegistryError {
    RegistryError::NotFound {
        what: "台账条目/journal entry",
        id: seq.to_string(),
    }
}

fn account_not_found(key: &str) -> RegistryError {
    RegistryError::NotFound {
        what: "账户/account",
        id: key.to_owned(),
    }
}

impl Door<'_> {
    /// Refuses a scope made by another door.
    fn own_scope(&self, scope: &ReadScope) -> Result<(), RegistryError> {
        if scope.actor() == &self.actor {
            Ok(())
        } else {
            Err(RegistryError::Internal(
                "a read scope of another principal".to_owned(),
            ))
        }
    }

    /// The account `key` if this principal reads it; not found otherwise.
    pub fn account(&self, scope: &ReadScope, key: &str) -> Result<Account, RegistryError> {
        self.own_scope(scope)?;
        match Account::from_key(key) {
            Some(account) if scope.may_read(&account) => Ok(account),
            _ => Err(account_not_found(key)),
        }
    }

    fn readable_account(&self, scope: &ReadScope, account: &Account) -> Result<(), RegistryError> {
        self.own_scope(scope)?;
        if scope.may_read(account) {
            Ok(())
        } else {
            Err(account_not_found(&account.key()))
        }
    }

    /// Every account this principal reads, with its balance, in account order.
    pub async fn balances(&self, scope: &ReadScope) -> Result<Vec<(Account, i64)>, RegistryError> {
        self.own_scope(scope)?;
        Ok(self
            .registry
            .store
            .balances()
            .await?
            .into_iter()
            .filter(|(account, _)| scope.may_read(account))
            .collect())
    }

    /// The balance of a readable account.
    pub async fn balance(
        &self,
        scope: &ReadScope,
        account: &Account,
    ) -> Result<i64, RegistryError> {
        self.readable_account(scope, account)?;
        Ok(self.registry.store.balance(account).await?)
    }

    /// The open lots of a readable account (oldest first).
    pub async fn open_lots(
        &self,
        scope: &ReadScope,
        account: &Account,
    ) -> Result<Vec<Lot>, RegistryError> {
        self.readable_account(scope, account)?;
        if !account.has_lots() {
            return Ok(Vec::new());
        }
        Ok(self.registry.store.open_lots(account).await?)
    }

    /// A page of the entries touching a readable account, newest first.
    pub async fn entries_touching(
        &self,
        scope: &ReadScope,
        account: &Account,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Entry>, RegistryError> {
        self.readable_account(scope, account)?;
        self.registry.entries_touching(account, before, limit).await
    }

    /// How many entries touch a readable account.
    pub async fn count_entries_touching(
        &self,
        scope: &ReadScope,
        account: &Account,
    ) -> Result<u64, RegistryError> {
        self.readable_account(scope, account)?;
        self.registry.count_entries_touching(account).await
    }

    /// Journal entry `seq` if this principal reads one of its accounts.
    pub async fn entry(&self, scope: &ReadScope, seq: u64) -> Result<Entry, RegistryError> {
        self.own_scope(scope)?;
        self.registry
            .store
            .entry(seq)
            .await?
            .filter(|e| scope.may_read_entry(e))
            .ok_or_else(|| entry_not_found(seq))
    }

    /// The lots a readable entry consumed.
    pub async fn lots_consumed_by(
        &self,
        scope: &ReadScope,
        entry: &Entry,
    ) -> Result<Vec<LotRecord>, RegistryError> {
        self.own_scope(scope)?;
        if !scope.may_read_entry(entry) {
            return Err(entry_not_found(entry.seq));
        }
        self.registry.lots_by_id(&entry.lots_consumed).await
    }

    /// A lot and its ancestors, if this principal reads one of their holders or the project
    /// that produced the quota.
    pub async fn lot_lineage(
        &self,
        scope: &ReadScope,
        id: u64,
    ) -> Result<Vec<LotRecord>, RegistryError> {
        self.own_scope(scope)?;
        let lineage = self.registry.lot_lineage(id).await?;
        let readable = lineage
            .iter()
            .any(|l| scope.may_read(&l.lot.holder) || scope.may_read_project(&l.lot.project));
        if lineage.is_empty() || !readable {
            return Err(RegistryError::NotFound {
                what: "指标块/lot",
                id: id.to_string(),
            });
        }
        Ok(lineage)
    }

    /// The listings whose escrow still holds quota, with their seller and the amount: market
    /// data every signed-in principal sees (the escrow's history stays with the seller's
    /// jurisdiction).
    pub async fn open_listings(&self) -> Result<Vec<(String, DivisionCode, i64)>, RegistryError> {
        let sellers = self.registry.listings().await?;
        let mut out = Vec::new();
        for (account, balance) in self.registry.store.balances().await? {
            if let Account::Listed { listing } = account
                && balance > 0
                && let Some(info) = sellers.get(&listing)
                && let Ok(seller) = DivisionCode::parse(&info.seller)
            {
                out.push((listing, seller, balance));
            }
        }
        Ok(out)
    }

    /// Every journal entry this principal reads (one of its accounts), in order.
    pub async fn journal_entries(&self, scope: &ReadScope) -> Result<Vec<Entry>, RegistryError> {
        self.own_scope(scope)?;
        Ok(self
            .registry
            .all_entries()
            .await?
            .into_iter()
            .filter(|e| scope.may_read_entry(e))
            .collect())
    }

    /// The newest journal entries this principal reads (at least one leg on an account of its
    /// jurisdiction; above the county also the provincial grant), filtered by `filter` in SQL,
    /// newest first, at most `limit` (`capped` says when older ones matched too). Decodes at
    /// most `limit` entries per 500 readable accounts, never the whole journal.
    pub async fn journal_list(
        &self,
        scope: &ReadScope,
        filter: &JournalFilter,
        limit: u32,
    ) -> Result<JournalList, RegistryError> {
        self.own_scope(scope)?;
        let accounts: Vec<Account> = self.registry.store.balances().await?.into_keys().collect();
        let total = accounts.len();
        let readable: Vec<&Account> = accounts.iter().filter(|a| scope.may_read(a)).collect();
        let mut counties: Vec<String> =
            readable.iter().filter_map(|a| scope.county_of(a)).collect();
        counties.sort();
        counties.dedup();
        let chosen: Vec<String> = readable
            .iter()
            .filter(|a| {
                filter
                    .county
                    .as_ref()
                    .is_none_or(|c| scope.county_of(a).as_ref() == Some(c))
            })
            .map(|a| a.key())
            .collect();
        if chosen.is_empty() {
            return Ok(JournalList {
                entries: Vec::new(),
                capped: false,
                counties,
            });
        }
        // Every account readable and no county asked for: no account condition at all.
        let accounts = (chosen.len() < total).then_some(chosen.as_slice());
        let mut entries = self
            .registry
            .entries_on_accounts(accounts, filter, limit.saturating_add(1))
            .await?;
        let capped = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let entries = entries
            .iter()
            .filter(|e| scope.may_read_entry(e))
            .map(|e| {
                let mut owners: Vec<String> = Vec::new();
                for leg in e.legs.iter().filter(|l| scope.may_read(&l.account)) {
                    if let Some(owner) = scope.county_of(&leg.account)
                        && !owners.contains(&owner)
                    {
                        owners.push(owner);
                    }
                }
                EntrySummary::of(e, owners)
            })
            .collect();
        Ok(JournalList {
            entries,
            capped,
            counties,
        })
    }

    /// The history of the lots holding serial `serial` of project `project`, if this principal
    /// reads the project or one of the lots' holders.
    pub async fn lot_history(
        &self,
        scope: &ReadScope,
        project: &str,
        serial: i64,
    ) -> Result<Vec<Lot>, RegistryError> {
        self.own_scope(scope)?;
        let lots = self.registry.store.lot_history(project, serial).await?;
        let readable =
            scope.may_read_project(project) || lots.iter().any(|l| scope.may_read(&l.holder));
        if lots.is_empty() || !readable {
            return Err(RegistryError::NotFound {
                what: "指标序号/serial",
                id: format!("{project}:{serial}"),
            });
        }
        Ok(lots)
    }

    /// The head of the quota journal (sequence number and hash; not secret).
    pub async fn journal_head(&self) -> Result<(u64, String), RegistryError> {
        Ok(self.registry.store.head().await?)
    }

    /// A land supply of this principal's jurisdiction.
    pub async fn land_supply(&self, id: &str) -> Result<Option<LandSupply>, RegistryError> {
        Ok(self
            .registry
            .land_supply(id)
            .await?
            .filter(|s| self.readable(&s.county, "供地/land supply", id).is_ok()))
    }

    /// The land supplies of this principal's jurisdiction.
    pub async fn land_supplies(&self) -> Result<Vec<LandSupply>, RegistryError> {
        Ok(self
            .registry
            .land_supplies(self.scope_prefix())
            .await?
            .into_iter()
            .filter(|s| self.readable(&s.county, "供地/land supply", &s.id).is_ok())
            .collect())
    }

    /// The planning adjustments of this principal's jurisdiction.
    pub async fn adjustments(&self) -> Result<Vec<Adjustment>, RegistryError> {
        Ok(self
            .registry
            .adjustments(self.scope_prefix())
            .await?
            .into_iter()
            .filter(|a| self.readable(&a.county, "调整/adjustment", &a.id).is_ok())
            .collect())
    }

    /// The counties of this principal's jurisdiction whose advance right is suspended.
    pub async fn suspended_counties(&self) -> Result<Vec<DivisionCode>, RegistryError> {
        Ok(self
            .registry
            .suspended_counties()
            .await?
            .into_iter()
            .filter(|c| self.actor.reads(c))
            .collect())
    }

    /// The deadline facts of the approved projects this principal reads.
    pub async fn deadline_facts(&self) -> Result<Vec<ProjectFacts>, RegistryError> {
        Ok(self
            .registry
            .deadline_facts()
            .await?
            .into_iter()
            .filter(|f| self.actor.reads(&f.county))
            .collect())
    }

    /// The deadline facts of one readable project, if approved.
    pub async fn project_deadline_facts(
        &self,
        code: &str,
    ) -> Result<Option<ProjectFacts>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.project_deadline_facts(&project.code).await
    }

    /// Sanctions on record in this principal's jurisdiction, newest first.
    pub async fn sanctions(&self) -> Result<Vec<serde_json::Value>, RegistryError> {
        Ok(self
            .registry
            .sanctions()
            .await?
            .into_iter()
            .filter(|s| self.reads_county_field(s))
            .collect())
    }

    /// Open and closed obligations in this principal's jurisdiction.
    pub async fn obligations(&self) -> Result<Vec<serde_json::Value>, RegistryError> {
        Ok(self
            .registry
            .obligations()
            .await?
            .into_iter()
            .filter(|o| self.reads_county_field(o))
            .collect())
    }

    fn reads_county_field(&self, record: &serde_json::Value) -> bool {
        record
            .get("county")
            .and_then(serde_json::Value::as_str)
            .and_then(|c| DivisionCode::parse(c).ok())
            .is_some_and(|c| self.actor.reads(&c))
    }

    /// The part of the division tree this principal's list queries read ("" for audit); the
    /// rows are still filtered one by one.
    pub(crate) fn scope_prefix(&self) -> &str {
        if self.actor.department.reads_everything() {
            ""
        } else {
            self.actor.division.descendant_prefix()
        }
    }

    // -----------------------------------------------------------------------------------------
    // Writes

    /// Posts one ledger operation (land bureau; the registry checks level and jurisdiction of
    /// every account the operation touches).
    pub async fn post(
        &self,
        operation: Operation,
        key: &str,
        reason: &str,
        as_of: NaiveDate,
    ) -> Result<Entry, RegistryError> {
        self.land_write(as_of)?;
        self.require_visible(&operation).await?;
        self.registry
            .post(&self.actor, operation, key, reason, as_of)
            .await
    }

    /// Refuses (as not found) an operation naming a project, listing or entry this principal
    /// may not read, so that a refusal never tells another county's codes apart.
    async fn require_visible(&self, operation: &Operation) -> Result<(), RegistryError> {
        match operation {
            Operation::Advance { project, .. } | Operation::Repay { project, .. } => {
                self.project(project).await?;
            }
            Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } => {
                let scope = self.read_scope().await?;
                let readable = scope
                    .listing_seller(listing)
                    .is_some_and(|seller| self.actor.reads(seller));
                if !readable {
                    return Err(RegistryError::NotFound {
                        what: "公告/listing",
                        id: listing.clone(),
                    });
                }
            }
            Operation::Reverse { seq } => {
                let scope = self.read_scope().await?;
                self.entry(&scope, *seq).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Records a land supply (供地), retiring quota when it is quota-backed.
    #[allow(clippy::too_many_arguments)] // the supply's fields
    pub async fn record_land_supply(
        &self,
        id: &str,
        county: &DivisionCode,
        zone: &str,
        land_use: LandUse,
        area_m2: i64,
        backing: Backing,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(RuleResult, Option<Entry>), RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .record_land_supply(
                &self.actor,
                id,
                county,
                zone,
                land_use,
                area_m2,
                backing,
                as_of,
                reason,
            )
            .await
    }

    /// A planning adjustment application (二(七)).
    pub async fn apply_adjustment(
        &self,
        county: &DivisionCode,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<RuleResult, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .apply_adjustment(&self.actor, county, as_of, reason)
            .await
    }

    /// Lifts a county's advance suspension (a recorded city decision).
    pub async fn lift_suspension(
        &self,
        county: &DivisionCode,
        reason: &str,
    ) -> Result<(), RegistryError> {
        self.actor.require_land()?;
        self.registry
            .lift_suspension(&self.actor, county, reason)
            .await
    }

    /// Runs the deadline scan on `as_of` (city or province land bureau): applies the
    /// sanctions due and expires listings. A date after today is refused: ask for a preview.
    pub async fn scan(&self, as_of: NaiveDate) -> Result<ScanReport, RegistryError> {
        self.land_write(as_of)?;
        self.registry.scan(&self.actor, as_of).await
    }

    /// What a scan on `as_of` (any date) would apply in this principal's jurisdiction,
    /// writing nothing.
    pub async fn scan_preview(&self, as_of: NaiveDate) -> Result<ScanPreview, RegistryError> {
        if self.actor.level == Level::County && !self.actor.department.reads_everything() {
            return Err(RegistryError::Forbidden {
                actor: self.actor.to_string(),
                what: "scan".into(),
            });
        }
        let facts = self.deadline_scan_facts().await?;
        let due = guagou_domain::sanctions::scan(as_of, &self.registry.profile, &facts);
        let applied: std::collections::BTreeSet<String> = sqlx::query("SELECT key FROM sanctions")
            .fetch_all(self.registry.store.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("key"))
            .collect::<Result<_, _>>()?;
        let (already, would): (Vec<Sanction>, Vec<Sanction>) =
            due.into_iter().partition(|s| applied.contains(&s.key));
        Ok(ScanPreview {
            as_of,
            would_apply: would,
            already_applied: already.len(),
        })
    }

    async fn deadline_scan_facts(&self) -> Result<Vec<ProjectFacts>, RegistryError> {
        Ok(self
            .registry
            .sanction_facts()
            .await?
            .into_iter()
            .filter(|f| self.actor.reads(&f.county))
            .collect())
    }
}
