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
    /// The lots the target consumed, as they were: the reversal restores them (a lot a
    /// repayment retired has no child to rebuild it from).
    pub consumed: Vec<Lot>,
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

/// Which open lots of an account a debit takes, in the order it takes them (二(四): advanced
/// quota is for local use until acceptance confirms it). Storage reads an account's lots filter
/// by filter (`filters`), oldest first within each, and may stop once the amount is covered;
/// the engine arranges the snapshot's lots the same way (`arrange`), so a covering prefix read
/// by storage yields the same plan as every lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LotOrder {
    /// Every lot, oldest first.
    Oldest,
    /// Confirmed lots only, oldest first: what may be listed (only confirmed quota goes to
    /// the market).
    Confirmed,
    /// Advanced lots first, then confirmed ones: land supply spends the quota that can only be
    /// used locally before the quota the market could take.
    AdvancedFirst,
    /// The project's own advanced lots first (returned), then confirmed lots: a repayment.
    /// Another project's unconfirmed advance never repays this one.
    Repay { project: String },
    /// Only the project's advanced lots: what its issue confirms.
    AdvancedOf { project: String },
}

/// One pass of a `LotOrder` over an account's lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotFilter<'a> {
    All,
    Advanced,
    Confirmed,
    AdvancedOf(&'a str),
}

impl LotFilter<'_> {
    pub fn matches(&self, lot: &Lot) -> bool {
        match self {
            LotFilter::All => true,
            LotFilter::Advanced => lot.advanced,
            LotFilter::Confirmed => !lot.advanced,
            LotFilter::AdvancedOf(project) => lot.advanced && lot.project == *project,
        }
    }
}

impl LotOrder {
    /// The passes, in order; no lot matches two of them.
    pub fn filters(&self) -> Vec<LotFilter<'_>> {
        match self {
            LotOrder::Oldest => vec![LotFilter::All],
            LotOrder::Confirmed => vec![LotFilter::Confirmed],
            LotOrder::AdvancedFirst => vec![LotFilter::Advanced, LotFilter::Confirmed],
            LotOrder::Repay { project } => {
                vec![LotFilter::AdvancedOf(project), LotFilter::Confirmed]
            }
            LotOrder::AdvancedOf { project } => vec![LotFilter::AdvancedOf(project)],
        }
    }

    /// `lots` (oldest first) in the order a debit takes them, without those it may not take.
    pub fn arrange(&self, lots: &[Lot]) -> Vec<Lot> {
        let mut out = Vec::with_capacity(lots.len());
        for filter in self.filters() {
            out.extend(lots.iter().filter(|l| filter.matches(l)).cloned());
        }
        out
    }
}

/// The order in which `operation` takes the lots of the accounts it debits (for an issue, the
/// advanced lots it confirms).
pub fn debit_order(operation: &Operation) -> LotOrder {
    match operation {
        Operation::List { .. } => LotOrder::Confirmed,
        Operation::Use { .. } => LotOrder::AdvancedFirst,
        Operation::Repay { project, .. } => LotOrder::Repay {
            project: project.clone(),
        },
        Operation::Issue { project, .. } => LotOrder::AdvancedOf {
            project: project.clone(),
        },
        _ => LotOrder::Oldest,
    }
}

/// How an issue divides a project's confirmed surplus. The city/county split of a
/// city-invested project (二(六)) applies to the whole confirmed surplus: the city's part is
/// ⌊confirmed × share⌋, the county's the rest. Open advances are quota the county already
/// received, so they are settled from the county's part first; what exceeds it is settled from
/// the city's part, and the county then owes the city that much (a recorded obligation). An
/// advance larger than the whole surplus stays open for the rest (a shortfall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueSplit {
    pub confirmed_m2: i64,
    pub city_part_m2: i64,
    pub county_part_m2: i64,
    /// Advance settled out of the county's part.
    pub settled_from_county_m2: i64,
    /// Advance settled out of the city's part: what the county owes the city.
    pub settled_from_city_m2: i64,
}

impl IssueSplit {
    /// The split of `confirmed` m² with a city share of `city_share_percent` % while
    /// `outstanding` m² of advance are open.
    pub fn new(confirmed: i64, city_share_percent: u8, outstanding: i64) -> IssueSplit {
        let confirmed = confirmed.max(0);
        let outstanding = outstanding.max(0);
        let share = i128::from(city_share_percent.min(100));
        let city_part = (i128::from(confirmed) * share / 100) as i64;
        let county_part = confirmed - city_part;
        let from_county = outstanding.min(county_part);
        let from_city = (outstanding - from_county).min(city_part);
        IssueSplit {
            confirmed_m2: confirmed,
            city_part_m2: city_part,
            county_part_m2: county_part,
            settled_from_county_m2: from_county,
            settled_from_city_m2: from_city,
        }
    }

    /// Advance the issue settles.
    pub fn settled_m2(&self) -> i64 {
        self.settled_from_county_m2 + self.settled_from_city_m2
    }

    /// New quota credited to the county.
    pub fn county_credit_m2(&self) -> i64 {
        self.county_part_m2 - self.settled_from_county_m2
    }

    /// New quota credited to the city.
    pub fn city_credit_m2(&self) -> i64 {
        self.city_part_m2 - self.settled_from_city_m2
    }

    /// What the county owes the city because its advances exceeded its part.
    pub fn owed_to_city_m2(&self) -> i64 {
        self.settled_from_city_m2
    }

    /// The split an issue entry made, from what it settled (its leg on the project's advance
    /// account) and the project's city share: the same split as when it was planned, since an
    /// issue settles min(open advance, confirmed). `None` for another kind of entry.
    pub fn of_issue(entry: &Entry, city_share_percent: u8) -> Option<IssueSplit> {
        let Operation::Issue {
            project,
            confirmed_m2,
            ..
        } = &entry.operation
        else {
            return None;
        };
        let settled: i64 = entry
            .legs
            .iter()
            .filter(|l| matches!(&l.account, Account::Advance { project: p } if p == project))
            .map(|l| l.amount_m2)
            .sum();
        Some(IssueSplit::new(*confirmed_m2, city_share_percent, settled))
    }
}

/// What storage must load for a request (before `plan`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Needs {
    pub accounts: Vec<Account>,
    /// Accounts whose open lots the request takes, with the order it takes them in.
    pub lot_accounts: Vec<(Account, LotOrder)>,
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
    let order = debit_order(operation);
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
                if let Operation::Issue { .. } = operation {
                    // The advanced lots the issue confirms, wherever the county keeps them.
                    needs.lot_accounts.extend([
                        (
                            Account::Holding {
                                division: p.county.clone(),
                            },
                            order.clone(),
                        ),
                        (
                            Account::Reserved {
                                division: p.county.clone(),
                            },
                            order,
                        ),
                    ]);
                }
            }
        }
        Operation::Repay { project, .. } => {
            needs.projects.push(project.clone());
            needs.accounts.push(Account::Advance {
                project: project.clone(),
            });
            if let Some(p) = snapshot_projects.get(project) {
                let holding = Account::Holding {
                    division: p.county.clone(),
                };
                needs.accounts.push(holding.clone());
                needs.lot_accounts.push((holding, order));
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
            needs
                .lot_accounts
                .extend([(holding, order.clone()), (reserved, order)]);
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
            needs.lot_accounts.push((holding, order));
            needs.listings.push(listing.clone());
        }
        Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } => {
            let listed = Account::Listed {
                listing: listing.clone(),
            };
            needs.accounts.push(listed.clone());
            needs.lot_accounts.push((listed, order));
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
            needs.lot_accounts.push((holding, order));
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
        Operation::Deduct {
            county,
            year,
            project,
            ..
        } => {
            if let Some(project) = project {
                needs.projects.push(project.clone());
                needs.accounts.push(Account::Advance {
                    project: project.clone(),
                });
            }
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
        Operation::Repay { project, amount_m2 } => repay(&mut work, project, *amount_m2)?,
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
            work.move_lots(&from, &to, *amount_m2, &LotOrder::Oldest)?;
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
            work.move_lots(&from, &to, *amount_m2, &LotOrder::Oldest)?;
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
                &LotOrder::Oldest,
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
                &debit_order(operation),
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
            project,
        } => deduct(&mut work, county, *year, *amount_m2, project.as_deref())?,
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
    let first = work.mint(&p, amount, holder, true)?;
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
    let split = IssueSplit::new(confirmed, p.city_share_percent, outstanding);
    let settled = split.settled_m2();
    work.leg(
        Account::Surplus {
            project: project.to_owned(),
        },
        -confirmed,
    )?;
    work.leg(advance_account, settled)?;
    // Before minting, so that the confirmed lots keep their place as the county's oldest.
    work.confirm_advanced(&p, settled, outstanding - settled)?;
    let mut next = p.next_serial;
    for (division, part) in [
        (&p.county, split.county_credit_m2()),
        (&p.city, split.city_credit_m2()),
    ] {
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
                false,
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

fn repay(work: &mut Work, project: &str, amount: i64) -> Result<(), LedgerError> {
    positive(amount)?;
    let p = work.project(project)?.clone();
    let advance_account = Account::Advance {
        project: project.to_owned(),
    };
    let outstanding = -work.balance(&advance_account);
    if amount > outstanding {
        return Err(LedgerError::RepayExceedsAdvance {
            project: project.to_owned(),
            outstanding,
            amount,
        });
    }
    // The repaid quota goes back where the advance came from: its lots are retired.
    work.retire_lots(
        &Account::Holding { division: p.county },
        amount,
        &LotOrder::Repay {
            project: project.to_owned(),
        },
    )?;
    work.leg(advance_account, amount)
}

/// 扣减年度计划指标. A sanction's deduction names the project whose advance was not repaid:
/// the deducted plan quota settles that advance (二(四) reads the deduction as the repayment),
/// so a later issue or scan does not charge it again. What exceeds the open advance, or a
/// deduction naming no project of this county, goes to the county's deducted account.
fn deduct(
    work: &mut Work,
    county: &DivisionCode,
    year: i32,
    amount: i64,
    project: Option<&str>,
) -> Result<(), LedgerError> {
    positive(amount)?;
    work.leg(
        Account::AnnualPlan {
            county: county.clone(),
            year,
        },
        -amount,
    )?;
    let advance = project
        .filter(|code| work.project(code).is_ok_and(|p| &p.county == county))
        .map(|code| Account::Advance {
            project: code.to_owned(),
        });
    let settled = advance
        .as_ref()
        .map_or(0, |a| amount.min(-work.balance(a)).max(0));
    if let Some(advance) = advance {
        work.leg(advance, settled)?;
    }
    work.leg(
        Account::Deducted {
            county: county.clone(),
        },
        amount - settled,
    )
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
        &LotOrder::Confirmed,
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
        &LotOrder::Oldest,
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
        let parent = target
            .consumed
            .iter()
            .find(|l| l.id == *parent_id)
            .cloned()
            .ok_or_else(|| {
                LedgerError::Snapshot(format!("lot {parent_id} consumed by entry {seq}"))
            })?;
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

    /// New lots for `amount` m² of a project's surplus, from its next serial, advanced or
    /// confirmed. Returns the first serial.
    fn mint(
        &mut self,
        project: &ProjectLedger,
        amount: i64,
        holder: Account,
        advanced: bool,
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
            advanced,
        });
        self.next_lot_id += 1;
        Ok(first)
    }

    /// Moves `amount` m² from one lot account to another, taking lots in `order`; the last
    /// lot is split when only part of it is needed.
    fn move_lots(
        &mut self,
        from: &Account,
        to: &Account,
        amount: i64,
        order: &LotOrder,
    ) -> Result<(), LedgerError> {
        self.leg(to.clone(), amount)?;
        self.debit_lots(from, amount, order, |lot| {
            Some(Lot {
                holder: to.clone(),
                ..lot.clone()
            })
        })
    }

    /// Debits `amount` m² from a lot account and retires the lots taken (a repayment).
    fn retire_lots(
        &mut self,
        from: &Account,
        amount: i64,
        order: &LotOrder,
    ) -> Result<(), LedgerError> {
        self.debit_lots(from, amount, order, |_| None)
    }

    /// Debits `amount` m² from `from`, consuming its lots in `order`. Each lot taken is
    /// consumed; the part taken becomes `taken(part)` (a new lot, or retired when `None`) and
    /// the rest of a lot taken in part stays with `from`.
    fn debit_lots(
        &mut self,
        from: &Account,
        amount: i64,
        order: &LotOrder,
        taken: impl Fn(&Lot) -> Option<Lot>,
    ) -> Result<(), LedgerError> {
        self.leg(from.clone(), -amount)?;
        let lots = order.arrange(self.open_lots.get(from).map_or(&[], Vec::as_slice));
        let usable: i64 = lots.iter().map(Lot::size).sum();
        if usable < amount {
            return Err(match order {
                // The balance allowed the debit but the lots do not cover it: storage is
                // inconsistent.
                LotOrder::Oldest => {
                    LedgerError::Snapshot(format!("lots of {from} cover less than its balance"))
                }
                // The rest is advanced quota this step may not take.
                _ => LedgerError::AdvancedQuotaLocalOnly {
                    account: from.key(),
                    usable,
                    needed: amount,
                },
            });
        }
        let mut remaining = amount;
        for lot in lots {
            if remaining == 0 {
                break;
            }
            let take = remaining.min(lot.size());
            let part = Lot {
                last: lot.first + take - 1,
                ..lot.clone()
            };
            let part = taken(&part);
            self.split(&lot, take, part);
            remaining -= take;
        }
        Ok(())
    }

    /// Consumes `lot` and creates its children: the first `take` m² as `taken` (retired when
    /// `None`), the rest kept as it was. Each child links to the lot.
    fn split(&mut self, lot: &Lot, take: i64, taken: Option<Lot>) {
        self.consumed.push(lot.id);
        if let Some(open) = self.open_lots.get_mut(&lot.holder) {
            open.retain(|l| l.id != lot.id);
        }
        if let Some(part) = taken {
            self.created.push(Lot {
                id: self.next_lot_id,
                first: lot.first,
                last: lot.first + take - 1,
                parent: Some(lot.id),
                created_by: self.seq,
                ..part
            });
            self.next_lot_id += 1;
        }
        if take < lot.size() {
            let kept = Lot {
                id: self.next_lot_id,
                first: lot.first + take,
                parent: Some(lot.id),
                created_by: self.seq,
                ..lot.clone()
            };
            self.next_lot_id += 1;
            self.open_lots
                .entry(lot.holder.clone())
                .or_default()
                .push(kept.clone());
            self.created.push(kept);
        }
    }

    /// Confirms the project's advanced lots that its issue settles: they become quota like
    /// any other (the market takes confirmed quota only). As many advanced lots as the advance
    /// still owes stay advanced, so that they can be returned by `repay`; and an issue confirms
    /// at most what it settles, so lots of an advance settled from the annual plan (a
    /// sanction's deduction) stay for local use.
    fn confirm_advanced(
        &mut self,
        project: &ProjectLedger,
        settled: i64,
        still_owed: i64,
    ) -> Result<(), LedgerError> {
        let order = LotOrder::AdvancedOf {
            project: project.code.clone(),
        };
        let accounts = [
            Account::Holding {
                division: project.county.clone(),
            },
            Account::Reserved {
                division: project.county.clone(),
            },
        ];
        let lots: Vec<Lot> = accounts
            .iter()
            .flat_map(|a| order.arrange(self.open_lots.get(a).map_or(&[], Vec::as_slice)))
            .collect();
        let held: i64 = lots.iter().map(Lot::size).sum();
        let mut remaining = settled.min(
            held.checked_sub(still_owed)
                .ok_or(LedgerError::Overflow)?
                .max(0),
        );
        for lot in lots {
            if remaining == 0 {
                break;
            }
            let take = remaining.min(lot.size());
            let confirmed = Lot {
                advanced: false,
                ..lot.clone()
            };
            self.split(&lot, take, Some(confirmed));
            remaining -= take;
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
