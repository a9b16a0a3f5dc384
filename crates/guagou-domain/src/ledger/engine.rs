//! Planning a ledger write: request + snapshot → the entry to append, or the reason it is
//! refused. Pure: the same inputs always give the same entry (and hash).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::account::{Account, Nature};
use super::entry::{Entry, Leg, Meta, Operation};
use super::error::LedgerError;
use super::lot::Lot;
use crate::division::DivisionCode;
use crate::profile::Profile;
use crate::rules::RuleId;
use crate::units::SquareMetres;

/// What the ledger knows of a project (registry facts plus what the journal did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectLedger {
    pub code: String,
    pub county: DivisionCode,
    /// The city that takes `city_share_percent` of a city-invested project's surplus (二(六)).
    pub city: DivisionCode,
    pub city_share_percent: u8,
    pub planned_surplus_m2: i64,
    /// Total advanced, net of reversals.
    pub advanced_m2: i64,
    /// Confirmed surplus issued at acceptance.
    pub issued_m2: Option<i64>,
    /// Next unused serial of the project's surplus (serials start at 1 and are never reused).
    pub next_serial: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub listing: String,
    pub seller: DivisionCode,
}

/// The entry a reversal undoes, with the current state of its lots.
#[derive(Debug, Clone, PartialEq)]
pub struct ReversalTarget {
    pub entry: Entry,
    /// Lots the target created that are still open.
    pub created_open: Vec<Lot>,
    /// Whether a reversal of the target was already posted.
    pub already_reversed: bool,
}

/// Exactly the state a request touches, loaded by storage inside its write transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub head_seq: u64,
    pub head_hash: String,
    pub next_lot_id: u64,
    /// Balances of touched accounts (missing = 0).
    pub balances: BTreeMap<Account, i64>,
    /// Open lots of accounts the request debits, oldest first.
    pub open_lots: BTreeMap<Account, Vec<Lot>>,
    pub projects: BTreeMap<String, ProjectLedger>,
    pub listings: BTreeMap<String, Listing>,
    /// Counties whose advance right is suspended (二(四)).
    pub suspended: BTreeSet<DivisionCode>,
    pub reversal: Option<ReversalTarget>,
}

/// What storage must load for a request (before `plan`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Needs {
    pub accounts: Vec<Account>,
    pub lot_accounts: Vec<Account>,
    pub projects: Vec<String>,
    pub listings: Vec<String>,
    pub reversal: Option<u64>,
}

/// The state changes an entry implies beyond balances and lots, applied by every store alike.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Effects {
    pub project_updates: Vec<ProjectLedger>,
    pub listing_opened: Option<Listing>,
    pub listing_removed: Option<String>,
    pub reversed_seq: Option<u64>,
}

/// What storage must load for `operation`. For a reversal, load the target entry first, then
/// call `needs_for_reversal`.
pub fn needs(operation: &Operation, snapshot_projects: &BTreeMap<String, ProjectLedger>) -> Needs {
    let mut needs = Needs::default();
    match operation {
        Operation::Advance { project, .. } | Operation::Issue { project, .. } => {
            needs.projects.push(project.clone());
            needs.accounts.push(Account::Surplus {
                project: project.clone(),
            });
            needs.accounts.push(Account::Advance {
                project: project.clone(),
            });
            if let Some(p) = snapshot_projects.get(project) {
                needs.accounts.push(Account::Holding {
                    division: p.county.clone(),
                });
                needs.accounts.push(Account::Holding {
                    division: p.city.clone(),
                });
            }
        }
        Operation::Reserve { division, .. } | Operation::Release { division, .. } => {
            let holding = Account::Holding {
                division: division.clone(),
            };
            let reserved = Account::Reserved {
                division: division.clone(),
            };
            needs.accounts.extend([holding.clone(), reserved.clone()]);
            needs.lot_accounts.extend([holding, reserved]);
        }
        Operation::List {
            division, listing, ..
        } => {
            let holding = Account::Holding {
                division: division.clone(),
            };
            needs.accounts.extend([
                holding.clone(),
                Account::Reserved {
                    division: division.clone(),
                },
                Account::Listed {
                    listing: listing.clone(),
                },
            ]);
            needs.lot_accounts.push(holding);
            needs.listings.push(listing.clone());
        }
        Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } => {
            let listed = Account::Listed {
                listing: listing.clone(),
            };
            needs.accounts.push(listed.clone());
            needs.lot_accounts.push(listed);
            needs.listings.push(listing.clone());
            if let Operation::Transfer { buyer, .. } = operation {
                needs.accounts.push(Account::Holding {
                    division: buyer.clone(),
                });
            }
        }
        Operation::Use { division, .. } => {
            let holding = Account::Holding {
                division: division.clone(),
            };
            needs.accounts.extend([
                holding.clone(),
                Account::Used {
                    division: division.clone(),
                },
            ]);
            needs.lot_accounts.push(holding);
        }
        Operation::GrantAnnualPlan { county, year, .. } => {
            needs.accounts.extend([
                Account::AnnualPlanGrant,
                Account::AnnualPlan {
                    county: county.clone(),
                    year: *year,
                },
            ]);
        }
        Operation::Deduct { county, year, .. } => {
            needs.accounts.extend([
                Account::AnnualPlan {
                    county: county.clone(),
                    year: *year,
                },
                Account::Deducted {
                    county: county.clone(),
                },
            ]);
        }
        Operation::Reverse { seq } => needs.reversal = Some(*seq),
    }
    needs
}

/// The second stage for a reversal: the target's accounts and projects.
pub fn needs_for_reversal(target: &Entry) -> Needs {
    let mut needs = Needs::default();
    for leg in &target.legs {
        needs.accounts.push(leg.account.clone());
    }
    if let Operation::Advance { project, .. } | Operation::Issue { project, .. } = &target.operation
    {
        needs.projects.push(project.clone());
    }
    if let Operation::List { listing, .. } = &target.operation {
        needs.listings.push(listing.clone());
    }
    needs
}

/// Plans `operation`: checks every rule and invariant and returns the entry to append.
pub fn plan(
    operation: &Operation,
    meta: &Meta,
    snapshot: &Snapshot,
    profile: &Profile,
) -> Result<(Entry, Effects), LedgerError> {
    let mut work = Work::new(snapshot);
    match operation {
        Operation::Advance { project, amount_m2 } => {
            advance(&mut work, project, *amount_m2, profile)?
        }
        Operation::Issue {
            project,
            confirmed_m2,
            reclaimed_farmland_m2,
            resettlement_farmland_m2,
        } => {
            let new_farmland = reclaimed_farmland_m2
                .checked_sub(*resettlement_farmland_m2)
                .ok_or(LedgerError::Overflow)?;
            if new_farmland < 0 {
                return Err(LedgerError::NegativeFarmlandBalance(new_farmland));
            }
            issue(&mut work, project, *confirmed_m2)?
        }
        Operation::Reserve {
            division,
            amount_m2,
            ..
        } => {
            positive(*amount_m2)?;
            let from = Account::Holding {
                division: division.clone(),
            };
            let to = Account::Reserved {
                division: division.clone(),
            };
            work.move_lots(&from, &to, *amount_m2)?;
        }
        Operation::Release {
            division,
            amount_m2,
        } => {
            positive(*amount_m2)?;
            let from = Account::Reserved {
                division: division.clone(),
            };
            let to = Account::Holding {
                division: division.clone(),
            };
            work.move_lots(&from, &to, *amount_m2)?;
        }
        Operation::List {
            division,
            listing,
            amount_m2,
        } => list(&mut work, division, listing, *amount_m2)?,
        Operation::Withdraw { listing, amount_m2 } => {
            positive(*amount_m2)?;
            let seller = work.listing(listing)?.seller.clone();
            work.move_lots(
                &Account::Listed {
                    listing: listing.clone(),
                },
                &Account::Holding { division: seller },
                *amount_m2,
            )?;
        }
        Operation::Transfer {
            listing,
            buyer,
            amount_m2,
            price_fen_per_mu,
            priced_on,
        } => transfer(
            &mut work,
            listing,
            buyer,
            *amount_m2,
            *price_fen_per_mu,
            priced_on.unwrap_or(meta.effective),
            profile,
        )?,
        Operation::Use {
            division,
            amount_m2,
            ..
        } => {
            positive(*amount_m2)?;
            let from = Account::Holding {
                division: division.clone(),
            };
            work.move_lots(
                &from,
                &Account::Used {
                    division: division.clone(),
                },
                *amount_m2,
            )?;
        }
        Operation::GrantAnnualPlan {
            county,
            year,
            amount_m2,
        } => {
            positive(*amount_m2)?;
            work.leg(Account::AnnualPlanGrant, -amount_m2)?;
            work.leg(
                Account::AnnualPlan {
                    county: county.clone(),
                    year: *year,
                },
                *amount_m2,
            )?;
        }
        Operation::Deduct {
            county,
            year,
            amount_m2,
            ..
        } => {
            positive(*amount_m2)?;
            work.leg(
                Account::AnnualPlan {
                    county: county.clone(),
                    year: *year,
                },
                -amount_m2,
            )?;
            work.leg(
                Account::Deducted {
                    county: county.clone(),
                },
                *amount_m2,
            )?;
        }
        Operation::Reverse { seq } => reverse(&mut work, *seq)?,
    }
    work.finish(operation, meta)
}

fn positive(amount: i64) -> Result<(), LedgerError> {
    if amount > 0 {
        Ok(())
    } else {
        Err(LedgerError::NonPositiveAmount(amount))
    }
}

fn rule_error(rule: RuleId, zh: String, en: String) -> LedgerError {
    LedgerError::Rule {
        rule,
        message_zh: zh,
        message_en: en,
    }
}

/// The advance limit: ⌊planned × share⌋ with the share taken in basis points, so 0.30 of
/// 100 000 m² is exactly 30 000 m².
pub fn advance_limit_m2(planned_surplus_m2: i64, max_share: f64) -> i64 {
    let basis_points = (max_share * 10_000.0).round() as i128;
    (i128::from(planned_surplus_m2) * basis_points / 10_000) as i64
}

fn advance(
    work: &mut Work,
    project: &str,
    amount: i64,
    profile: &Profile,
) -> Result<(), LedgerError> {
    positive(amount)?;
    let p = work.project(project)?.clone();
    if work.snapshot.suspended.contains(&p.county) {
        let def = RuleId::AdvanceNotSuspended.def();
        return Err(rule_error(
            RuleId::AdvanceNotSuspended,
            def.fail_zh.replace("{detail}", p.county.as_str()),
            def.fail_en.replace("{detail}", p.county.as_str()),
        ));
    }
    if p.issued_m2.is_some() {
        return Err(LedgerError::AlreadyIssued(project.to_owned()));
    }
    let limit = advance_limit_m2(p.planned_surplus_m2, profile.advance.max_share.value);
    let total = p
        .advanced_m2
        .checked_add(amount)
        .ok_or(LedgerError::Overflow)?;
    if total > limit {
        let def = RuleId::AdvanceLimit.def();
        let (m, l) = (SquareMetres(total), SquareMetres(limit));
        return Err(rule_error(
            RuleId::AdvanceLimit,
            def.fail_zh
                .replace("{measured}", &m.to_string())
                .replace("{limit}", &l.to_string()),
            def.fail_en
                .replace("{measured}", &m.to_string())
                .replace("{limit}", &l.to_string()),
        ));
    }
    work.leg(
        Account::Advance {
            project: project.to_owned(),
        },
        -amount,
    )?;
    let holder = Account::Holding {
        division: p.county.clone(),
    };
    work.leg(holder.clone(), amount)?;
    let first = work.mint(&p, amount, holder)?;
    work.project_update(ProjectLedger {
        advanced_m2: total,
        next_serial: first + amount,
        ..p
    });
    Ok(())
}

fn issue(work: &mut Work, project: &str, confirmed: i64) -> Result<(), LedgerError> {
    if confirmed < 0 {
        return Err(LedgerError::NonPositiveAmount(confirmed));
    }
    let p = work.project(project)?.clone();
    if p.issued_m2.is_some() {
        return Err(LedgerError::AlreadyIssued(project.to_owned()));
    }
    let advance_account = Account::Advance {
        project: project.to_owned(),
    };
    let outstanding = -work.balance(&advance_account);
    let settle = outstanding.min(confirmed);
    let rest = confirmed - settle;
    let city_part = (i128::from(rest) * i128::from(p.city_share_percent) / 100) as i64;
    let county_part = rest - city_part;
    work.leg(
        Account::Surplus {
            project: project.to_owned(),
        },
        -confirmed,
    )?;
    work.leg(advance_account, settle)?;
    let mut next = p.next_serial;
    for (division, part) in [(&p.county, county_part), (&p.city, city_part)] {
        if part > 0 {
            let holder = Account::Holding {
                division: division.clone(),
            };
            work.leg(holder.clone(), part)?;
            let first = work.mint(
                &ProjectLedger {
                    next_serial: next,
                    ..p.clone()
                },
                part,
                holder,
            )?;
            next = first + part;
        }
    }
    work.project_update(ProjectLedger {
        issued_m2: Some(confirmed),
        next_serial: next,
        ..p
    });
    Ok(())
}

fn list(
    work: &mut Work,
    division: &DivisionCode,
    listing: &str,
    amount: i64,
) -> Result<(), LedgerError> {
    positive(amount)?;
    if work.snapshot.listings.contains_key(listing) {
        return Err(LedgerError::DuplicateListing(listing.to_owned()));
    }
    let holding = Account::Holding {
        division: division.clone(),
    };
    let available = work.balance(&holding);
    let reserved = work.balance(&Account::Reserved {
        division: division.clone(),
    });
    if amount > available && amount <= available + reserved {
        // Only what is left after the local reservation may be listed (二(三)).
        let def = RuleId::LocalNeedsFirst.def();
        let (m, l) = (
            SquareMetres(amount).to_string(),
            SquareMetres(available).to_string(),
        );
        return Err(rule_error(
            RuleId::LocalNeedsFirst,
            def.fail_zh.replace("{measured}", &m).replace("{limit}", &l),
            def.fail_en.replace("{measured}", &m).replace("{limit}", &l),
        ));
    }
    work.move_lots(
        &holding,
        &Account::Listed {
            listing: listing.to_owned(),
        },
        amount,
    )?;
    work.effects.listing_opened = Some(Listing {
        listing: listing.to_owned(),
        seller: division.clone(),
    });
    Ok(())
}

/// Money for `amount_m2` at `price_fen_per_mu`: amount × price × 15 / 10000, rounded half away
/// from zero to whole 分.
pub fn transfer_money_fen(amount_m2: i64, price_fen_per_mu: i64) -> Option<i64> {
    let numerator = i128::from(amount_m2)
        .checked_mul(i128::from(price_fen_per_mu))?
        .checked_mul(15)?;
    let rounded = (numerator + 5_000) / 10_000;
    i64::try_from(rounded).ok()
}

fn transfer(
    work: &mut Work,
    listing: &str,
    buyer: &DivisionCode,
    amount: i64,
    price_fen_per_mu: i64,
    priced_on: chrono::NaiveDate,
    profile: &Profile,
) -> Result<(), LedgerError> {
    positive(amount)?;
    let seller = work.listing(listing)?.seller.clone();
    if &seller == buyer {
        return Err(rule_error(
            RuleId::TransferPriceFloor,
            "受让方与转让方相同".into(),
            "the buyer is the seller".into(),
        ));
    }
    let def = RuleId::TransferPriceFloor.def();
    // The guide price of the date the price was agreed: an agreement signed at the old guide
    // price stays valid when it settles after a rise.
    let guide = profile
        .guide_price_for(priced_on)
        .map_err(LedgerError::NoGuidePrice)?;
    let floor = guide.fen_per_mu().map(|f| f.0).unwrap_or(i64::MAX);
    if price_fen_per_mu < floor {
        let (m, l) = (
            format!("{} 元/亩", crate::units::Fen(price_fen_per_mu).yuan_text()),
            format!("{} 元/亩", crate::units::Fen(floor).yuan_text()),
        );
        return Err(rule_error(
            RuleId::TransferPriceFloor,
            def.fail_zh.replace("{measured}", &m).replace("{limit}", &l),
            def.fail_en.replace("{measured}", &m).replace("{limit}", &l),
        ));
    }
    work.move_lots(
        &Account::Listed {
            listing: listing.to_owned(),
        },
        &Account::Holding {
            division: buyer.clone(),
        },
        amount,
    )?;
    work.money_fen =
        Some(transfer_money_fen(amount, price_fen_per_mu).ok_or(LedgerError::Overflow)?);
    Ok(())
}

fn reverse(work: &mut Work, seq: u64) -> Result<(), LedgerError> {
    let target = work
        .snapshot
        .reversal
        .clone()
        .filter(|t| t.entry.seq == seq)
        .ok_or_else(|| LedgerError::NotReversible(seq, "条目不存在 / no such entry".into()))?;
    if target.already_reversed {
        return Err(LedgerError::NotReversible(
            seq,
            "已冲正 / already reversed".into(),
        ));
    }
    if matches!(target.entry.operation, Operation::Reverse { .. }) {
        return Err(LedgerError::NotReversible(
            seq,
            "冲正条目不能再冲正 / a reversal cannot be reversed".into(),
        ));
    }
    if target.created_open.len() != target.entry.lots_created.len() {
        return Err(LedgerError::NotReversible(
            seq,
            "其产生的指标已被后续条目使用 / quota it created was moved by later entries".into(),
        ));
    }
    for leg in &target.entry.legs {
        work.leg(leg.account.clone(), -leg.amount_m2)?;
    }
    // Consumed parents come back as new lots with the same serials, linked to the parent.
    for lot in &target.created_open {
        work.consumed.push(lot.id);
    }
    for parent_id in &target.entry.lots_consumed {
        let parent = find_parent(&target.entry, *parent_id, work)?;
        let restored = Lot {
            id: work.next_lot_id,
            parent: Some(parent.id),
            created_by: work.seq,
            ..parent
        };
        work.next_lot_id += 1;
        work.created.push(restored);
    }
    match &target.entry.operation {
        Operation::Advance { project, amount_m2 } => {
            let p = work.project(project)?.clone();
            work.project_update(ProjectLedger {
                advanced_m2: p.advanced_m2 - amount_m2,
                ..p
            });
        }
        Operation::Issue { project, .. } => {
            let p = work.project(project)?.clone();
            work.project_update(ProjectLedger {
                issued_m2: None,
                ..p
            });
        }
        Operation::List { listing, .. } => work.effects.listing_removed = Some(listing.clone()),
        _ => {}
    }
    work.effects.reversed_seq = Some(seq);
    Ok(())
}

/// A lot consumed by the target: rebuilt from the target's children (same project, the
/// children's span, the holder the debit came from).
fn find_parent(target: &Entry, parent_id: u64, work: &Work) -> Result<Lot, LedgerError> {
    let children: Vec<&Lot> = target
        .lots_created
        .iter()
        .filter(|l| l.parent == Some(parent_id))
        .collect();
    let first = children.iter().map(|l| l.first).min();
    let last = children.iter().map(|l| l.last).max();
    let debited = target
        .legs
        .iter()
        .find(|l| l.amount_m2 < 0 && l.account.has_lots())
        .map(|l| l.account.clone());
    match (children.first(), first, last, debited) {
        (Some(child), Some(first), Some(last), Some(holder)) => Ok(Lot {
            id: parent_id,
            project: child.project.clone(),
            first,
            last,
            holder,
            parent: None,
            created_by: work.seq,
        }),
        _ => Err(LedgerError::Snapshot(format!(
            "parent lot {parent_id} of entry {}",
            target.seq
        ))),
    }
}

/// Working state while planning one entry.
struct Work<'a> {
    snapshot: &'a Snapshot,
    seq: u64,
    next_lot_id: u64,
    balances: BTreeMap<Account, i64>,
    open_lots: BTreeMap<Account, Vec<Lot>>,
    legs: Vec<Leg>,
    created: Vec<Lot>,
    consumed: Vec<u64>,
    money_fen: Option<i64>,
    effects: Effects,
}

impl<'a> Work<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        Work {
            snapshot,
            seq: snapshot.head_seq + 1,
            next_lot_id: snapshot.next_lot_id,
            balances: snapshot.balances.clone(),
            open_lots: snapshot.open_lots.clone(),
            legs: Vec::new(),
            created: Vec::new(),
            consumed: Vec::new(),
            money_fen: None,
            effects: Effects::default(),
        }
    }

    fn balance(&self, account: &Account) -> i64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    fn project(&self, code: &str) -> Result<&ProjectLedger, LedgerError> {
        self.effects
            .project_updates
            .iter()
            .rev()
            .find(|p| p.code == code)
            .or_else(|| self.snapshot.projects.get(code))
            .ok_or_else(|| LedgerError::UnknownProject(code.to_owned()))
    }

    fn listing(&self, listing: &str) -> Result<&Listing, LedgerError> {
        self.snapshot
            .listings
            .get(listing)
            .ok_or_else(|| LedgerError::UnknownListing(listing.to_owned()))
    }

    fn project_update(&mut self, project: ProjectLedger) {
        self.effects
            .project_updates
            .retain(|p| p.code != project.code);
        self.effects.project_updates.push(project);
    }

    /// Adds a leg, checking the account's nature after it.
    fn leg(&mut self, account: Account, amount: i64) -> Result<(), LedgerError> {
        if amount == 0 {
            return Ok(());
        }
        let before = self.balance(&account);
        let after = before.checked_add(amount).ok_or(LedgerError::Overflow)?;
        let refused = match account.nature() {
            Nature::Holding => after < 0,
            Nature::Source => after > 0,
        };
        if refused {
            return Err(LedgerError::InsufficientBalance {
                account: account.key(),
                balance: before,
                needed: -amount,
            });
        }
        self.balances.insert(account.clone(), after);
        match self.legs.iter_mut().find(|l| l.account == account) {
            Some(leg) => leg.amount_m2 += amount,
            None => self.legs.push(Leg {
                account,
                amount_m2: amount,
            }),
        }
        Ok(())
    }

    /// New lots for `amount` m² of a project's surplus, from its next serial. Returns the first.
    fn mint(
        &mut self,
        project: &ProjectLedger,
        amount: i64,
        holder: Account,
    ) -> Result<i64, LedgerError> {
        let first = project.next_serial;
        let last = first.checked_add(amount - 1).ok_or(LedgerError::Overflow)?;
        self.created.push(Lot {
            id: self.next_lot_id,
            project: project.code.clone(),
            first,
            last,
            holder,
            parent: None,
            created_by: self.seq,
        });
        self.next_lot_id += 1;
        Ok(first)
    }

    /// Moves `amount` m² from one lot account to another, oldest lots first; the last lot is
    /// split when only part of it is needed.
    fn move_lots(&mut self, from: &Account, to: &Account, amount: i64) -> Result<(), LedgerError> {
        self.leg(from.clone(), -amount)?;
        self.leg(to.clone(), amount)?;
        let lots = self.open_lots.get(from).cloned().unwrap_or_default();
        let mut remaining = amount;
        for lot in lots {
            if remaining == 0 {
                break;
            }
            self.consumed.push(lot.id);
            let take = remaining.min(lot.size());
            let moved = Lot {
                id: self.next_lot_id,
                first: lot.first,
                last: lot.first + take - 1,
                holder: to.clone(),
                parent: Some(lot.id),
                created_by: self.seq,
                project: lot.project.clone(),
            };
            self.next_lot_id += 1;
            self.created.push(moved);
            if take < lot.size() {
                let kept = Lot {
                    id: self.next_lot_id,
                    first: lot.first + take,
                    last: lot.last,
                    holder: from.clone(),
                    parent: Some(lot.id),
                    created_by: self.seq,
                    project: lot.project.clone(),
                };
                self.next_lot_id += 1;
                self.created.push(kept);
            }
            remaining -= take;
        }
        if remaining > 0 {
            // The balance allowed the debit but the lots do not cover it: storage is inconsistent.
            return Err(LedgerError::Snapshot(format!(
                "lots of {from} cover less than its balance"
            )));
        }
        Ok(())
    }

    fn finish(self, operation: &Operation, meta: &Meta) -> Result<(Entry, Effects), LedgerError> {
        let mut entry = Entry {
            seq: self.seq,
            operation: operation.clone(),
            meta: meta.clone(),
            legs: self.legs,
            lots_created: self.created,
            lots_consumed: self.consumed,
            money_fen: self.money_fen,
            prev_hash: self.snapshot.head_hash.clone(),
            hash: String::new(),
        };
        if entry.sum_of_legs() != 0 {
            return Err(LedgerError::Snapshot(format!(
                "entry legs sum to {}",
                entry.sum_of_legs()
            )));
        }
        entry.hash = entry.compute_hash();
        Ok((entry, self.effects))
    }
}
