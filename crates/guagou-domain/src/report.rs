//! Reports (SPEC §10): the numbers of the linkage programme per county and year, and for the
//! city, aggregated from facts the caller loaded (journal entries, projects with their current
//! version and acceptance). Pure: no storage, no clock, no rights — the caller says which
//! divisions the reader may see, and the as-of date.
//!
//! # Definitions (every number, and the date that puts it in a year)
//!
//! A number falls in the calendar year of the date of its event; events after the as-of date
//! are left out. A journal entry's date is its effective date (`meta.effective`).
//!
//! Projects (from the project register):
//! - `projects_submitted` / `projects_approved` / `projects_accepted` — projects whose
//!   submission (申报), approval (立项) or acceptance (验收) date falls in the year; counted in
//!   the project's county.
//! - Project states ([`Report::states`]) are the projects' states when the facts were loaded
//!   (the register keeps no state history): they ignore the year and the as-of date.
//!
//! Planned figures, from the **current version** of each project **approved** (立项) in the
//! year (including projects terminated later; a project never approved counts nowhere):
//! - `planned_demolition_m2` — demolition parcels' area (拆旧区面积) of the version summary;
//! - `planned_resettlement_m2` — resettlement sites' area (安置区面积);
//! - `planned_surplus_m2` — planned surplus (预计节余指标);
//! - `households` / `poor_households` — households and poor households (贫困户) in the
//!   demolition zone, i.e. benefiting from the project.
//!
//! Accepted figures, from the **acceptance application** of each project **accepted** in the
//! year (the figures the city confirmed):
//! - `accepted_demolition_m2` — demolition area reclaimed (拆旧复垦面积, `reclaimed_m2`);
//! - `accepted_farmland_m2` — of which reclaimed to farmland (复垦耕地, `reclaimed_farmland_m2`);
//! - `accepted_resettlement_m2` — resettlement site area (安置区面积, `resettlement_m2`).
//!
//! Quota, from the journal (entries reversed by a reversal dated on or before the as-of date,
//! and the reversals themselves, count nowhere: a correction means the entry did not happen):
//! - `issued_m2` (产生/核发) — `issue` entries' confirmed surplus, in the project's county (the
//!   city's share of a city-invested project included: it was produced there);
//! - `advanced_m2` (预支) — `advance` entries' amount, in the project's county;
//! - `repaid_m2` (归还) — the part of an `issue` entry that settled open advances (its leg on
//!   the project's advance account), and `repay` entries' amount, in the project's county, in
//!   the year of the entry (an advance settled by a sanction's deduction counts in
//!   `deducted_m2`, not here);
//! - `used_m2` (使用) — `use` entries' amount, in the using division; split by land-use
//!   category in [`Report::uses`];
//! - `transferred_out_m2` / `transferred_in_m2` (流转出/入) — `transfer` entries' amount, in the
//!   seller's division (the division of the listing's `list` entry) and in the buyer's;
//! - `transfer_revenue_fen` / `transfer_paid_fen` (流转收入/支出, 分) — for each transfer,
//!   amount × price per 亩 ÷ (10000/15 m² per 亩) = amount_m2 × price_fen_per_mu × 15 ÷ 10000,
//!   in integers, rounded half up to whole 分 per transfer (as the ledger records the money,
//!   [`crate::ledger::engine::transfer_money_fen`]), then summed; revenue in the seller's
//!   division, paid in the buyer's;
//! - `deducted_m2` (扣减) — `deduct` entries' amount (annual-plan quota deducted as a
//!   sanction), in the county, in the year of the entry's date (not the plan year it names).
//!
//! Totals ([`Report::total`]) add the rows the reader may see; for a city user that is the
//! city (its counties and the city's own accounts).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ledger::engine::transfer_money_fen;
use crate::ledger::{Account, Entry, LandUse, Operation};
use crate::lifecycle::ProjectState;

/// Every project state, in lifecycle order (the columns of the state table).
pub const STATES: [ProjectState; 12] = [
    ProjectState::Draft,
    ProjectState::Submitted,
    ProjectState::Pooled,
    ProjectState::Forwarded,
    ProjectState::Approved,
    ProjectState::Implementing,
    ProjectState::AcceptanceApplied,
    ProjectState::Accepted,
    ProjectState::Closed,
    ProjectState::Returned,
    ProjectState::Withdrawn,
    ProjectState::Terminated,
];

/// Every land-use category, in display order.
pub const LAND_USES: [LandUse; 7] = [
    LandUse::Commercial,
    LandUse::Tourism,
    LandUse::Entertainment,
    LandUse::CommercialHousing,
    LandUse::Industrial,
    LandUse::Public,
    LandUse::Other,
];

/// (Chinese, English) label of a land-use category.
pub fn land_use_label(land_use: LandUse) -> (&'static str, &'static str) {
    match land_use {
        LandUse::Commercial => ("商业", "commercial"),
        LandUse::Tourism => ("旅游", "tourism"),
        LandUse::Entertainment => ("娱乐", "entertainment"),
        LandUse::CommercialHousing => ("商品住宅", "commercial housing"),
        LandUse::Industrial => ("工业", "industrial"),
        LandUse::Public => ("公共服务与基础设施", "public"),
        LandUse::Other => ("其他", "other"),
    }
}

/// What a project's current version plans (m², households).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFigures {
    pub demolition_m2: i64,
    pub resettlement_m2: i64,
    pub surplus_m2: i64,
    pub households: u64,
    pub poor_households: u64,
}

/// What the acceptance of a project confirmed (m²).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedFigures {
    pub reclaimed_m2: i64,
    pub reclaimed_farmland_m2: i64,
    pub resettlement_m2: i64,
}

/// One project as reports need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFact {
    pub code: String,
    pub county: String,
    pub state: ProjectState,
    pub submitted_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    /// From the current version.
    pub planned: PlannedFigures,
    /// From the acceptance application, once the project was accepted.
    pub accepted: Option<AcceptedFigures>,
}

/// Everything a report is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFacts {
    /// The whole journal, in sequence order.
    pub entries: Vec<Entry>,
    pub projects: Vec<ProjectFact>,
    /// Divisions that get a row even without any number (the counties and the city), with
    /// their names; other divisions (a buyer elsewhere in the province) appear when they have a
    /// number.
    pub divisions: BTreeMap<String, String>,
}

/// What to report: one county or all, one year or all, as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub county: Option<String>,
    pub year: Option<i32>,
    pub as_of: NaiveDate,
}

/// The numbers of one division (or the total) over one year or the selected years. Areas in
/// m², money in 分, counts of projects and households.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub projects_submitted: u64,
    pub projects_approved: u64,
    pub projects_accepted: u64,
    pub planned_demolition_m2: i64,
    pub planned_resettlement_m2: i64,
    pub planned_surplus_m2: i64,
    pub households: u64,
    pub poor_households: u64,
    pub accepted_demolition_m2: i64,
    pub accepted_farmland_m2: i64,
    pub accepted_resettlement_m2: i64,
    pub issued_m2: i64,
    pub advanced_m2: i64,
    pub repaid_m2: i64,
    pub used_m2: i64,
    pub transferred_out_m2: i64,
    pub transferred_in_m2: i64,
    pub transfer_revenue_fen: i64,
    pub transfer_paid_fen: i64,
    pub deducted_m2: i64,
}

impl Figures {
    /// Adds `other` field by field (saturating: a report never panics on absurd input).
    pub fn add(&mut self, other: &Figures) {
        macro_rules! sum {
            ($($field:ident),*) => { $( self.$field = self.$field.saturating_add(other.$field); )* };
        }
        sum!(
            projects_submitted,
            projects_approved,
            projects_accepted,
            planned_demolition_m2,
            planned_resettlement_m2,
            planned_surplus_m2,
            households,
            poor_households,
            accepted_demolition_m2,
            accepted_farmland_m2,
            accepted_resettlement_m2,
            issued_m2,
            advanced_m2,
            repaid_m2,
            used_m2,
            transferred_out_m2,
            transferred_in_m2,
            transfer_revenue_fen,
            transfer_paid_fen,
            deducted_m2
        );
    }
}

/// The figures of one division in one year (`year` set) or over the selected years (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureRow {
    pub division: String,
    pub name: String,
    pub year: Option<i32>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Quota used by one division in one year for one land-use category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseRow {
    pub division: String,
    pub name: String,
    pub year: i32,
    pub land_use: LandUse,
    pub amount_m2: i64,
}

/// How many projects of a division are in each state (every state listed, zeros included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRow {
    pub division: String,
    pub name: String,
    pub counts: BTreeMap<ProjectState, u64>,
    pub total: u64,
}

/// A report: the query, rows per division and year, per division, the total, project states
/// and use by land-use category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub query: ReportQuery,
    /// One row per division and year with any number, by division then year.
    pub by_year: Vec<FigureRow>,
    /// One row per division over the selected years (known divisions the reader may see
    /// appear even with zeros), by division.
    pub by_division: Vec<FigureRow>,
    /// The sum of `by_division`: the city (or the county) as the reader sees it.
    pub total: Figures,
    pub states: Vec<StateRow>,
    pub state_totals: BTreeMap<ProjectState, u64>,
    /// Use by land-use category, by division, year and category.
    pub uses: Vec<UseRow>,
}

/// Where numbers go: the query's filters and the reader's rights in one place.
struct Sink<'a> {
    query: &'a ReportQuery,
    visible: &'a dyn Fn(&str) -> bool,
    cells: BTreeMap<(String, i32), Figures>,
    uses: BTreeMap<(String, i32, usize), i64>,
}

impl Sink<'_> {
    /// Whether a number of `division` on `date` belongs in this report.
    fn wants(&self, division: &str, date: NaiveDate) -> bool {
        date <= self.query.as_of
            && self.query.year.is_none_or(|y| y == date.year())
            && self
                .query
                .county
                .as_deref()
                .is_none_or(|county| county == division)
            && (self.visible)(division)
    }

    /// The figures of `division` in the year of `date`, if wanted.
    fn cell(&mut self, division: &str, date: NaiveDate) -> Option<&mut Figures> {
        if !self.wants(division, date) {
            return None;
        }
        Some(
            self.cells
                .entry((division.to_owned(), date.year()))
                .or_default(),
        )
    }
}

/// Computes the report of `facts` for `query`, keeping only divisions `visible` says the
/// reader may see.
pub fn build(facts: &ReportFacts, query: &ReportQuery, visible: &dyn Fn(&str) -> bool) -> Report {
    let mut sink = Sink {
        query,
        visible,
        cells: BTreeMap::new(),
        uses: BTreeMap::new(),
    };
    add_projects(&mut sink, &facts.projects);
    add_entries(&mut sink, facts);
    assemble(facts, sink)
}

fn add_projects(sink: &mut Sink<'_>, projects: &[ProjectFact]) {
    for p in projects {
        if let Some(cell) = p.submitted_on.and_then(|d| sink.cell(&p.county, d)) {
            cell.projects_submitted += 1;
        }
        if let Some(cell) = p.approved_on.and_then(|d| sink.cell(&p.county, d)) {
            cell.projects_approved += 1;
            cell.planned_demolition_m2 += p.planned.demolition_m2;
            cell.planned_resettlement_m2 += p.planned.resettlement_m2;
            cell.planned_surplus_m2 += p.planned.surplus_m2;
            cell.households += p.planned.households;
            cell.poor_households += p.planned.poor_households;
        }
        if let Some(cell) = p.accepted_on.and_then(|d| sink.cell(&p.county, d)) {
            cell.projects_accepted += 1;
            if let Some(a) = &p.accepted {
                cell.accepted_demolition_m2 += a.reclaimed_m2;
                cell.accepted_farmland_m2 += a.reclaimed_farmland_m2;
                cell.accepted_resettlement_m2 += a.resettlement_m2;
            }
        }
    }
}

/// The division a project-bound entry counts in: the project's county, or (a project the
/// facts do not know) the first holding account the entry credits.
fn project_division(
    counties: &BTreeMap<&str, &str>,
    project: &str,
    entry: &Entry,
) -> Option<String> {
    if let Some(county) = counties.get(project) {
        return Some((*county).to_owned());
    }
    entry.legs.iter().find_map(|leg| match &leg.account {
        Account::Holding { division } => Some(division.to_string()),
        _ => None,
    })
}

fn add_entries(sink: &mut Sink<'_>, facts: &ReportFacts) {
    let as_of = sink.query.as_of;
    let counties: BTreeMap<&str, &str> = facts
        .projects
        .iter()
        .map(|p| (p.code.as_str(), p.county.as_str()))
        .collect();
    // Entries undone by a reversal in force on the as-of date.
    let reversed: BTreeSet<u64> = facts
        .entries
        .iter()
        .filter(|e| e.meta.effective <= as_of)
        .filter_map(|e| match e.operation {
            Operation::Reverse { seq } => Some(seq),
            _ => None,
        })
        .collect();
    // A listing's seller is the division of the entry that opened it.
    let sellers: BTreeMap<&str, String> = facts
        .entries
        .iter()
        .filter_map(|e| match &e.operation {
            Operation::List {
                division, listing, ..
            } => Some((listing.as_str(), division.to_string())),
            _ => None,
        })
        .collect();
    for entry in &facts.entries {
        if reversed.contains(&entry.seq) {
            continue;
        }
        let date = entry.meta.effective;
        match &entry.operation {
            Operation::Advance { project, amount_m2 } => {
                let division = project_division(&counties, project, entry);
                if let Some(cell) = division.and_then(|d| sink.cell(&d, date)) {
                    cell.advanced_m2 += amount_m2;
                }
            }
            Operation::Issue {
                project,
                confirmed_m2,
                ..
            } => {
                let repaid: i64 = entry
                    .legs
                    .iter()
                    .filter(|leg| {
                        matches!(&leg.account, Account::Advance { project: p } if p == project)
                    })
                    .map(|leg| leg.amount_m2)
                    .sum();
                let division = project_division(&counties, project, entry);
                if let Some(cell) = division.and_then(|d| sink.cell(&d, date)) {
                    cell.issued_m2 += confirmed_m2;
                    cell.repaid_m2 += repaid;
                }
            }
            Operation::Repay { project, amount_m2 } => {
                let division = project_division(&counties, project, entry);
                if let Some(cell) = division.and_then(|d| sink.cell(&d, date)) {
                    cell.repaid_m2 += amount_m2;
                }
            }
            Operation::Use {
                division,
                amount_m2,
                land_use,
                ..
            } => {
                let division = division.to_string();
                if let Some(cell) = sink.cell(&division, date) {
                    cell.used_m2 += amount_m2;
                    let index = LAND_USES.iter().position(|u| u == land_use).unwrap_or(6);
                    *sink.uses.entry((division, date.year(), index)).or_default() += amount_m2;
                }
            }
            Operation::Transfer {
                listing,
                buyer,
                amount_m2,
                price_fen_per_mu,
                ..
            } => {
                // The ledger stores the same amount; computing it here keeps the report's
                // definition explicit (and covers a journal written before money was stored).
                let money = transfer_money_fen(*amount_m2, *price_fen_per_mu)
                    .or(entry.money_fen)
                    .unwrap_or(0);
                if let Some(cell) = sellers
                    .get(listing.as_str())
                    .and_then(|s| sink.cell(s, date))
                {
                    cell.transferred_out_m2 += amount_m2;
                    cell.transfer_revenue_fen += money;
                }
                if let Some(cell) = sink.cell(&buyer.to_string(), date) {
                    cell.transferred_in_m2 += amount_m2;
                    cell.transfer_paid_fen += money;
                }
            }
            Operation::Deduct {
                county, amount_m2, ..
            } => {
                if let Some(cell) = sink.cell(&county.to_string(), date) {
                    cell.deducted_m2 += amount_m2;
                }
            }
            Operation::Reserve { .. }
            | Operation::Release { .. }
            | Operation::List { .. }
            | Operation::Withdraw { .. }
            | Operation::GrantAnnualPlan { .. }
            | Operation::Reverse { .. } => {}
        }
    }
}

fn assemble(facts: &ReportFacts, sink: Sink<'_>) -> Report {
    let query = sink.query;
    let name = |code: &str| facts.divisions.get(code).cloned().unwrap_or_default();
    let shown =
        |code: &str| query.county.as_deref().is_none_or(|c| c == code) && (sink.visible)(code);
    let by_year: Vec<FigureRow> = sink
        .cells
        .iter()
        .map(|((division, year), figures)| FigureRow {
            division: division.clone(),
            name: name(division),
            year: Some(*year),
            figures: *figures,
        })
        .collect();
    let mut per_division: BTreeMap<String, Figures> = facts
        .divisions
        .keys()
        .filter(|code| shown(code))
        .map(|code| (code.clone(), Figures::default()))
        .collect();
    for row in &by_year {
        per_division
            .entry(row.division.clone())
            .or_default()
            .add(&row.figures);
    }
    let mut total = Figures::default();
    for figures in per_division.values() {
        total.add(figures);
    }
    let by_division = per_division
        .into_iter()
        .map(|(division, figures)| FigureRow {
            name: name(&division),
            division,
            year: None,
            figures,
        })
        .collect();
    let (states, state_totals) = state_rows(facts, &shown, &name);
    let uses = sink
        .uses
        .iter()
        .map(|((division, year, index), amount)| UseRow {
            division: division.clone(),
            name: name(division),
            year: *year,
            land_use: LAND_USES.get(*index).copied().unwrap_or(LandUse::Other),
            amount_m2: *amount,
        })
        .collect();
    Report {
        query: query.clone(),
        by_year,
        by_division,
        total,
        states,
        state_totals,
        uses,
    }
}

type StateTable = (Vec<StateRow>, BTreeMap<ProjectState, u64>);

/// Projects per state and county (the states when the facts were loaded).
fn state_rows(
    facts: &ReportFacts,
    shown: &dyn Fn(&str) -> bool,
    name: &dyn Fn(&str) -> String,
) -> StateTable {
    let zero = || {
        STATES
            .iter()
            .map(|s| (*s, 0_u64))
            .collect::<BTreeMap<_, _>>()
    };
    let mut rows: BTreeMap<String, BTreeMap<ProjectState, u64>> = BTreeMap::new();
    for p in facts.projects.iter().filter(|p| shown(&p.county)) {
        *rows
            .entry(p.county.clone())
            .or_insert_with(zero)
            .entry(p.state)
            .or_default() += 1;
    }
    let mut totals = zero();
    for counts in rows.values() {
        for (state, n) in counts {
            *totals.entry(*state).or_default() += n;
        }
    }
    let rows = rows
        .into_iter()
        .map(|(division, counts)| StateRow {
            name: name(&division),
            total: counts.values().sum(),
            division,
            counts,
        })
        .collect();
    (rows, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DivisionCode;
    use crate::ledger::{Leg, Meta};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn entry(seq: u64, date: NaiveDate, operation: Operation, legs: Vec<Leg>) -> Entry {
        Entry {
            seq,
            operation,
            meta: Meta {
                key: format!("k{seq}"),
                actor: "t@511700".into(),
                reason: String::new(),
                effective: date,
                recorded_at: String::new(),
            },
            legs,
            lots_created: Vec::new(),
            lots_consumed: Vec::new(),
            money_fen: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn project(code: &str, county: &str, approved: NaiveDate) -> ProjectFact {
        ProjectFact {
            code: code.into(),
            county: county.into(),
            state: ProjectState::Implementing,
            submitted_on: Some(day(2018, 4, 20)),
            approved_on: Some(approved),
            accepted_on: None,
            planned: PlannedFigures {
                demolition_m2: 60_000,
                resettlement_m2: 10_000,
                surplus_m2: 50_000,
                households: 40,
                poor_households: 7,
            },
            accepted: None,
        }
    }

    fn facts() -> ReportFacts {
        let mut accepted = project("A", "511722", day(2018, 6, 15));
        accepted.state = ProjectState::Accepted;
        accepted.accepted_on = Some(day(2019, 6, 20));
        accepted.accepted = Some(AcceptedFigures {
            reclaimed_m2: 61_000,
            reclaimed_farmland_m2: 59_000,
            resettlement_m2: 9_000,
        });
        let entries = vec![
            entry(
                1,
                day(2018, 7, 10),
                Operation::Advance {
                    project: "A".into(),
                    amount_m2: 15_000,
                },
                vec![],
            ),
            entry(
                2,
                day(2019, 6, 20),
                Operation::Issue {
                    project: "A".into(),
                    confirmed_m2: 52_000,
                    reclaimed_farmland_m2: 59_000,
                    resettlement_farmland_m2: 3_000,
                },
                vec![
                    Leg {
                        account: Account::Surplus {
                            project: "A".into(),
                        },
                        amount_m2: -52_000,
                    },
                    Leg {
                        account: Account::Advance {
                            project: "A".into(),
                        },
                        amount_m2: 15_000,
                    },
                ],
            ),
            entry(
                3,
                day(2019, 7, 5),
                Operation::List {
                    division: code("511722"),
                    listing: "L1".into(),
                    amount_m2: 20_000,
                },
                vec![],
            ),
            entry(
                4,
                day(2019, 9, 1),
                Operation::Transfer {
                    listing: "L1".into(),
                    buyer: code("511723"),
                    amount_m2: 20_000,
                    price_fen_per_mu: 30_000_000,
                    priced_on: None,
                },
                vec![],
            ),
            entry(
                5,
                day(2019, 7, 1),
                Operation::Use {
                    division: code("511722"),
                    amount_m2: 12_000,
                    zone: "Z".into(),
                    land_use: LandUse::Commercial,
                },
                vec![],
            ),
            entry(
                6,
                day(2019, 7, 2),
                Operation::Use {
                    division: code("511722"),
                    amount_m2: 500,
                    zone: "Z2".into(),
                    land_use: LandUse::Industrial,
                },
                vec![],
            ),
            // Undoes 6 in 2020.
            entry(7, day(2020, 1, 3), Operation::Reverse { seq: 6 }, vec![]),
            entry(
                8,
                day(2019, 7, 15),
                Operation::Deduct {
                    county: code("511723"),
                    year: 2019,
                    amount_m2: 4_000,
                    project: None,
                },
                vec![],
            ),
        ];
        ReportFacts {
            entries,
            projects: vec![accepted, project("B", "511723", day(2019, 2, 1))],
            divisions: [
                ("511700", "达州市"),
                ("511722", "宣汉县"),
                ("511723", "开江县"),
            ]
            .into_iter()
            .map(|(c, n)| (c.to_owned(), n.to_owned()))
            .collect(),
        }
    }

    fn query(county: Option<&str>, year: Option<i32>, as_of: NaiveDate) -> ReportQuery {
        ReportQuery {
            county: county.map(str::to_owned),
            year,
            as_of,
        }
    }

    fn row<'a>(report: &'a Report, division: &str) -> &'a Figures {
        &report
            .by_division
            .iter()
            .find(|r| r.division == division)
            .unwrap_or_else(|| panic!("no row {division}"))
            .figures
    }

    #[test]
    fn quota_numbers_per_county_with_money_and_reversals() {
        let report = build(&facts(), &query(None, None, day(2020, 12, 31)), &|_| true);
        let x = row(&report, "511722");
        assert_eq!(x.advanced_m2, 15_000);
        assert_eq!(x.issued_m2, 52_000);
        assert_eq!(x.repaid_m2, 15_000);
        // The industrial use was reversed before the as-of date.
        assert_eq!(x.used_m2, 12_000);
        assert_eq!(x.transferred_out_m2, 20_000);
        // 20000 m² = 30 亩 at 300000 元/亩 = 9 000 000 元.
        assert_eq!(x.transfer_revenue_fen, 900_000_000);
        let k = row(&report, "511723");
        assert_eq!(k.transferred_in_m2, 20_000);
        assert_eq!(k.transfer_paid_fen, 900_000_000);
        assert_eq!(k.deducted_m2, 4_000);
        assert_eq!(
            report.total.transferred_in_m2,
            report.total.transferred_out_m2
        );
        assert_eq!(report.total.issued_m2, 52_000);
        // The city has a row of zeros.
        assert_eq!(row(&report, "511700"), &Figures::default());
        assert_eq!(report.uses.len(), 1);
        assert_eq!(report.uses[0].land_use, LandUse::Commercial);
    }

    #[test]
    fn as_of_and_year_put_events_in_their_year() {
        // Before the reversal, the industrial use counts.
        let before = build(&facts(), &query(None, None, day(2019, 12, 31)), &|_| true);
        assert_eq!(row(&before, "511722").used_m2, 12_500);
        assert_eq!(before.uses.len(), 2);
        // Before the issue, only the advance.
        let early = build(&facts(), &query(None, None, day(2019, 1, 1)), &|_| true);
        assert_eq!(row(&early, "511722").issued_m2, 0);
        assert_eq!(row(&early, "511722").advanced_m2, 15_000);
        assert_eq!(row(&early, "511723").projects_approved, 0);
        // Year 2018: the advance and the approval of A; B was approved in 2019.
        let y2018 = build(&facts(), &query(None, Some(2018), day(2020, 1, 1)), &|_| {
            true
        });
        let x = row(&y2018, "511722");
        assert_eq!((x.advanced_m2, x.issued_m2), (15_000, 0));
        assert_eq!((x.projects_approved, x.planned_surplus_m2), (1, 50_000));
        assert_eq!((x.households, x.poor_households), (40, 7));
        assert_eq!(row(&y2018, "511723").projects_approved, 0);
        assert!(y2018.by_year.iter().all(|r| r.year == Some(2018)));
        let y2019 = build(&facts(), &query(None, Some(2019), day(2020, 1, 1)), &|_| {
            true
        });
        let x = row(&y2019, "511722");
        assert_eq!(x.accepted_demolition_m2, 61_000);
        assert_eq!(x.accepted_farmland_m2, 59_000);
        assert_eq!(x.accepted_resettlement_m2, 9_000);
        assert_eq!(x.projects_accepted, 1);
    }

    #[test]
    fn county_filter_and_visibility_leave_other_counties_out() {
        let one = build(
            &facts(),
            &query(Some("511723"), None, day(2020, 12, 31)),
            &|_| true,
        );
        assert_eq!(one.by_division.len(), 1);
        assert_eq!(one.total.transferred_out_m2, 0);
        assert_eq!(one.total.transferred_in_m2, 20_000);
        assert!(one.states.iter().all(|s| s.division == "511723"));
        let visible = build(&facts(), &query(None, None, day(2020, 12, 31)), &|d| {
            d == "511722"
        });
        assert!(visible.by_division.iter().all(|r| r.division == "511722"));
        assert!(visible.by_year.iter().all(|r| r.division == "511722"));
        assert_eq!(visible.total.deducted_m2, 0);
        assert_eq!(visible.state_totals.values().sum::<u64>(), 1);
        assert_eq!(visible.state_totals.get(&ProjectState::Accepted), Some(&1));
    }

    #[test]
    fn totals_are_the_sum_of_the_rows() {
        let report = build(&facts(), &query(None, None, day(2020, 12, 31)), &|_| true);
        let mut sum = Figures::default();
        for r in &report.by_year {
            sum.add(&r.figures);
        }
        assert_eq!(sum, report.total);
        assert_eq!(report.state_totals.values().sum::<u64>(), 2);
    }
}
