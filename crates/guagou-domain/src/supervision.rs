//! Supervision (SPEC §9, policy 三(二)): inspections with findings and their rectification,
//! public criticism (通报批评) and commendation (通报表扬), and the city's yearly allocation of
//! its linkage plan (增减挂钩指标计划) across its counties.
//!
//! Pure: no storage, no clock. Callers pass the facts and the dates. The allocation is exact
//! integer arithmetic (no float anywhere): each county's exact quota is `total × weight / Σ
//! weights`, the integer parts are given first and the remaining square metres go one each to
//! the largest fractional remainders (ties: lower county code first), so the result always sums
//! to the total and anyone can recompute it from the table it returns.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lifecycle::LifecycleError;

/// The clause every supervision measure cites (三(二) 强化监督考核).
pub const SUPERVISION_CLAUSE: &str = "三(二)";

/// What an inspection looked at (三(二): "突出招投标、工程建设、资金使用等环节的检查").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 招投标
    Bidding,
    /// 施工（工程建设）
    Construction,
    /// 资金使用
    FundUse,
}

impl InspectionKind {
    pub const ALL: [InspectionKind; 3] = [
        InspectionKind::Bidding,
        InspectionKind::Construction,
        InspectionKind::FundUse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            InspectionKind::Bidding => "bidding",
            InspectionKind::Construction => "construction",
            InspectionKind::FundUse => "fund_use",
        }
    }

    pub fn parse(text: &str) -> Option<InspectionKind> {
        InspectionKind::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// 一般
    Minor,
    /// 较重
    Major,
    /// 严重
    Serious,
}

impl FindingSeverity {
    pub const ALL: [FindingSeverity; 3] = [
        FindingSeverity::Minor,
        FindingSeverity::Major,
        FindingSeverity::Serious,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingSeverity::Minor => "minor",
            FindingSeverity::Major => "major",
            FindingSeverity::Serious => "serious",
        }
    }

    pub fn parse(text: &str) -> Option<FindingSeverity> {
        FindingSeverity::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// A finding's lifecycle: open → rectified (the county records what it did) → closed (the
/// city accepts the rectification). Nothing is closed without a rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    Open,
    Rectified,
    Closed,
}

impl FindingState {
    /// Every variant (names and pickers walk them).
    pub const ALL: [FindingState; 3] = [
        FindingState::Open,
        FindingState::Rectified,
        FindingState::Closed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Rectified => "rectified",
            FindingState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<FindingState> {
        FindingState::ALL.into_iter().find(|s| s.name() == text)
    }

    fn refuse(self, action: &str) -> LifecycleError {
        LifecycleError::NotAllowed {
            state: self.name().to_owned(),
            action: action.to_owned(),
        }
    }

    /// The county records its rectification of an open finding.
    pub fn rectify(self) -> Result<FindingState, LifecycleError> {
        match self {
            FindingState::Open => Ok(FindingState::Rectified),
            _ => Err(self.refuse("rectify")),
        }
    }

    /// The city closes a finding, only after its rectification was recorded.
    pub fn close(self) -> Result<FindingState, LifecycleError> {
        match self {
            FindingState::Rectified => Ok(FindingState::Closed),
            _ => Err(self.refuse("close")),
        }
    }
}

/// An inspection is closed when every finding is closed (one without findings has nothing
/// to rectify and is closed when recorded).
pub fn inspection_closed(findings: &[FindingState]) -> bool {
    findings.iter().all(|s| *s == FindingState::Closed)
}

/// A rectification is overdue when the finding is still open after its deadline (the
/// deadline is the last valid day).
pub fn rectification_overdue(state: FindingState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state == FindingState::Open && today > deadline
}

/// 通报批评 or 通报表扬.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 通报批评: suspends the county's allocation (三(二) "暂停该地区增减挂钩指标计划安排").
    Criticism,
    /// 通报表扬: weight in next year's allocation (三(二) "下一年度…分配上予以重点倾斜").
    Commendation,
}

impl NoticeKind {
    /// Every variant (names and pickers walk them).
    pub const ALL: [NoticeKind; 2] = [NoticeKind::Criticism, NoticeKind::Commendation];

    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Criticism => "criticism",
            NoticeKind::Commendation => "commendation",
        }
    }

    pub fn parse(text: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.name() == text)
    }
}

// ---------------------------------------------------------------------------------------------
// The yearly allocation of the city's linkage plan.
//
// The policy says who is favoured, not by how much: the weights are the profile's
// (`[allocation]`, each with its clause and a note that the size is guagou's reading), and the
// allocation table shows every factor so the city can see and explain them. A poverty county
// keeps its tilt after its exit for the profile's transition period (`priority.transition_until`),
// exactly as in the ranking (`crate::poverty`).
// ---------------------------------------------------------------------------------------------

pub use crate::poverty::PovertyLevel;
use crate::poverty::{Designation, Standing, standing_on};
use crate::profile::Profile;

/// What the allocation needs to know about a county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyStanding {
    pub code: String,
    pub name: String,
    pub poverty_level: Option<PovertyLevel>,
    pub designated_on: Option<NaiveDate>,
    pub exited_on: Option<NaiveDate>,
}

impl CountyStanding {
    /// The designation as recorded.
    pub fn designation(&self) -> Option<Designation> {
        self.poverty_level.map(|level| Designation {
            level,
            designated_on: self.designated_on,
            exited_on: self.exited_on,
        })
    }

    /// The priority on 1 January of `year` (designated by then and not yet exited, or exited
    /// and 1 January still within the transition period).
    pub fn poverty_in(&self, year: i32, transition_until: NaiveDate) -> Option<Standing> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
        standing_on(self.designation(), first, transition_until)
    }
}

/// A recorded criticism or commendation, as the allocation reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFact {
    pub id: String,
    pub county: String,
    pub kind: NoticeKind,
    pub decided_on: NaiveDate,
    /// The city's decision lifting a criticism, if any.
    pub lifted_on: Option<NaiveDate>,
}

impl NoticeFact {
    /// A criticism suspends the allocation of every year after the year it was decided, until
    /// the year after it was lifted: only decisions made before 1 January of `year` count, so
    /// the allocation of a year does not change with the day it is computed.
    pub fn suspends(&self, year: i32) -> bool {
        self.kind == NoticeKind::Criticism
            && self.decided_on.year() < year
            && self.lifted_on.is_none_or(|d| d.year() >= year)
    }

    /// A commendation weighs in the allocation of the next year only.
    pub fn commends(&self, year: i32) -> bool {
        self.kind == NoticeKind::Commendation && self.decided_on.year() == year - 1
    }
}

/// One county's line of the calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationRow {
    pub county: String,
    pub name: String,
    /// The designation counted (in force on 1 January of the year, or in its transition period).
    pub poverty_level: Option<PovertyLevel>,
    /// When the designation counted only by the transition period after the county's exit:
    /// the exit date (calculations recorded before the transition was counted lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poverty_exited_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poverty_transition_until: Option<NaiveDate>,
    pub base_weight: u32,
    pub poverty_weight: u32,
    /// Commendations of the previous year that weigh in.
    pub commendations: Vec<String>,
    pub commendation_weight: u32,
    /// Criticisms in force: any suspends the county (weight 0).
    pub suspended_by: Vec<String>,
    /// base + poverty + commendations, or 0 when suspended.
    pub weight: u32,
    /// weight ÷ total weight as a percentage with 4 decimals (display only).
    pub share_percent: String,
    /// The exact quota total × weight ÷ total weight, as a decimal with 4 places (display only).
    pub exact_m2: String,
    /// Its integer part.
    pub floor_m2: i64,
    /// The remainder total × weight mod total weight (compared for the largest remainder).
    pub remainder: u64,
    /// 1 when this county received one of the remaining square metres.
    pub extra_m2: i64,
    pub allocated_m2: i64,
}

/// The computed allocation of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub year: i32,
    pub total_m2: i64,
    pub total_weight: u64,
    /// Square metres left after the integer parts, given to the largest remainders.
    pub remaining_m2: i64,
    pub rows: Vec<AllocationRow>,
}

/// Why an allocation cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("分配总量不能为负数 / the total to allocate must not be negative ({0} m²)")]
    NegativeTotal(i64),
    #[error(
        "{year} 年没有可分配的县（全部暂停或无县）/ no county may receive an allocation in {year} (all suspended or none)"
    )]
    NoEligibleCounty { year: i32 },
}

/// `numerator / denominator` as a decimal with `places` places, truncated (display only).
fn decimal(numerator: u128, denominator: u128, places: u32) -> String {
    if denominator == 0 {
        return "0".to_owned();
    }
    let scale = 10u128.pow(places);
    let scaled = numerator.saturating_mul(scale) / denominator;
    format!(
        "{}.{:0width$}",
        scaled / scale,
        scaled % scale,
        width = places as usize
    )
}

/// Allocates `total_m2` of the city's linkage plan of `year` across `counties`, with the
/// profile's weights and transition period.
pub fn allocate(
    profile: &Profile,
    year: i32,
    total_m2: i64,
    counties: &[CountyStanding],
    notices: &[NoticeFact],
) -> Result<Allocation, AllocationError> {
    let Ok(total) = u128::try_from(total_m2) else {
        return Err(AllocationError::NegativeTotal(total_m2));
    };
    let mut counties: Vec<&CountyStanding> = counties.iter().collect();
    counties.sort_by(|a, b| a.code.cmp(&b.code));
    let mut rows: Vec<AllocationRow> = counties
        .iter()
        .map(|c| weigh(profile, year, c, notices))
        .collect();
    let total_weight: u64 = rows.iter().map(|r| u64::from(r.weight)).sum();
    if total_weight == 0 {
        if total_m2 == 0 {
            return Ok(Allocation {
                year,
                total_m2,
                total_weight,
                remaining_m2: 0,
                rows,
            });
        }
        return Err(AllocationError::NoEligibleCounty { year });
    }
    let w_total = u128::from(total_weight);
    let mut given: u128 = 0;
    for row in &mut rows {
        let product = total * u128::from(row.weight);
        let floor = product / w_total;
        // Below the total weight, a u64.
        row.remainder = u64::try_from(product % w_total).unwrap_or(u64::MAX);
        // floor ≤ total ≤ i64::MAX, so the conversion cannot fail.
        row.floor_m2 = i64::try_from(floor).unwrap_or(i64::MAX);
        row.exact_m2 = decimal(product, w_total, 4);
        row.share_percent = decimal(u128::from(row.weight) * 100, w_total, 4);
        given += floor;
    }
    // Fewer than the number of counties with a weight: each gets at most one.
    let remaining = total - given;
    let mut order: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].weight > 0).collect();
    order.sort_by(|&a, &b| match rows[b].remainder.cmp(&rows[a].remainder) {
        Ordering::Equal => rows[a].county.cmp(&rows[b].county),
        other => other,
    });
    let extra = usize::try_from(remaining).unwrap_or(usize::MAX);
    for &i in order.iter().take(extra) {
        rows[i].extra_m2 = 1;
    }
    for row in &mut rows {
        row.allocated_m2 = row.floor_m2 + row.extra_m2;
    }
    Ok(Allocation {
        year,
        total_m2,
        total_weight,
        remaining_m2: i64::try_from(remaining).unwrap_or(i64::MAX),
        rows,
    })
}

/// A county's weight and the factors behind it.
fn weigh(
    profile: &Profile,
    year: i32,
    county: &CountyStanding,
    notices: &[NoticeFact],
) -> AllocationRow {
    let weights = &profile.allocation;
    let own = notices.iter().filter(|n| n.county == county.code);
    let suspended_by: Vec<String> = own
        .clone()
        .filter(|n| n.suspends(year))
        .map(|n| n.id.clone())
        .collect();
    let commendations: Vec<String> = own
        .filter(|n| n.commends(year))
        .map(|n| n.id.clone())
        .collect();
    let standing = county.poverty_in(year, profile.priority.transition_until.value);
    let poverty_weight = match standing.map(|s| s.level) {
        Some(PovertyLevel::National) => weights.national_poverty.value,
        Some(PovertyLevel::Provincial) => weights.provincial_poverty.value,
        None => 0,
    };
    let count = u32::try_from(commendations.len()).unwrap_or(u32::MAX);
    let commendation_weight = weights.commendation.value.saturating_mul(count);
    let base = weights.base.value;
    let weight = if suspended_by.is_empty() {
        base.saturating_add(poverty_weight)
            .saturating_add(commendation_weight)
    } else {
        0
    };
    AllocationRow {
        county: county.code.clone(),
        name: county.name.clone(),
        poverty_level: standing.map(|s| s.level),
        poverty_exited_on: standing.and_then(|s| s.exited_on),
        poverty_transition_until: standing.and_then(|s| s.transition_until),
        base_weight: base,
        poverty_weight,
        commendations,
        commendation_weight,
        suspended_by,
        weight,
        share_percent: "0.0000".to_owned(),
        exact_m2: "0.0000".to_owned(),
        floor_m2: 0,
        remainder: 0,
        extra_m2: 0,
        allocated_m2: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn dazhou() -> Profile {
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
    }

    /// `allocate` under the Dazhou profile (weights 10 / 10 / 5 / 5, transition to 2020-12-31).
    fn allocate(
        year: i32,
        total_m2: i64,
        counties: &[CountyStanding],
        notices: &[NoticeFact],
    ) -> Result<Allocation, AllocationError> {
        super::allocate(&dazhou(), year, total_m2, counties, notices)
    }

    fn county(
        code: &str,
        level: Option<PovertyLevel>,
        exited: Option<NaiveDate>,
    ) -> CountyStanding {
        CountyStanding {
            code: code.to_owned(),
            name: code.to_owned(),
            poverty_level: level,
            designated_on: None,
            exited_on: exited,
        }
    }

    fn notice(id: &str, county: &str, kind: NoticeKind, on: NaiveDate) -> NoticeFact {
        NoticeFact {
            id: id.to_owned(),
            county: county.to_owned(),
            kind,
            decided_on: on,
            lifted_on: None,
        }
    }

    fn three() -> Vec<CountyStanding> {
        vec![
            county("511722", Some(PovertyLevel::National), Some(d(2020, 2, 18))),
            county(
                "511723",
                Some(PovertyLevel::Provincial),
                Some(d(2019, 12, 31)),
            ),
            county("511725", None, None),
        ]
    }

    #[test]
    fn findings_close_only_after_rectification() {
        assert!(FindingState::Open.close().is_err());
        let rectified = FindingState::Open.rectify();
        assert_eq!(rectified, Ok(FindingState::Rectified));
        assert!(FindingState::Rectified.rectify().is_err());
        assert_eq!(FindingState::Rectified.close(), Ok(FindingState::Closed));
        assert!(FindingState::Closed.close().is_err());
        assert!(!inspection_closed(&[
            FindingState::Closed,
            FindingState::Rectified
        ]));
        assert!(inspection_closed(&[
            FindingState::Closed,
            FindingState::Closed
        ]));
        assert!(rectification_overdue(
            FindingState::Open,
            d(2019, 9, 30),
            d(2019, 10, 1)
        ));
        assert!(!rectification_overdue(
            FindingState::Open,
            d(2019, 9, 30),
            d(2019, 9, 30)
        ));
        assert!(!rectification_overdue(
            FindingState::Rectified,
            d(2019, 9, 30),
            d(2020, 1, 1)
        ));
    }

    #[test]
    fn poverty_counts_on_the_first_of_january_with_the_transition_period() {
        let c = three();
        let until = d(2020, 12, 31);
        let level = |c: &CountyStanding, year| c.poverty_in(year, until).map(|s| s.level);
        assert_eq!(level(&c[1], 2019), Some(PovertyLevel::Provincial));
        // Exited on 2019-12-31: in 2020 the tilt continues by the transition period (摘帽不摘
        // 政策), and it ends with the period.
        assert_eq!(level(&c[1], 2020), Some(PovertyLevel::Provincial));
        assert!(
            c[1].poverty_in(2020, until)
                .is_some_and(|s| s.in_transition())
        );
        assert_eq!(level(&c[1], 2021), None);
        assert_eq!(level(&c[0], 2020), Some(PovertyLevel::National));
        assert_eq!(level(&c[0], 2021), None);
        // A profile without a transition (ending before the exit) drops the tilt on exit.
        assert_eq!(c[1].poverty_in(2020, d(2019, 1, 1)), None);
    }

    #[test]
    fn weights_are_the_profiles_and_the_row_shows_the_transition() -> Result<(), AllocationError> {
        // 2020: 511722 exited 2020-02-18 (in force on 1 January), 511723 exited 2019-12-31
        // (transition): 20 + 15 + 10.
        let a = allocate(2020, 45, &three(), &[])?;
        let got: Vec<u32> = a.rows.iter().map(|r| r.weight).collect();
        assert_eq!(got, [20, 15, 10]);
        assert_eq!(a.rows[0].poverty_exited_on, None);
        assert_eq!(a.rows[1].poverty_exited_on, Some(d(2019, 12, 31)));
        assert_eq!(a.rows[1].poverty_transition_until, Some(d(2020, 12, 31)));
        // Another city's weights: no code change.
        let mut profile = dazhou();
        profile.allocation.national_poverty.value = 30;
        profile.allocation.base.value = 5;
        let b = super::allocate(&profile, 2021, 10, &three(), &[])?;
        let got: Vec<u32> = b.rows.iter().map(|r| r.weight).collect();
        assert_eq!(got, [5, 5, 5]);
        let c = super::allocate(&profile, 2019, 45, &three(), &[])?;
        assert_eq!(c.rows[0].weight, 35);
        assert_eq!(c.rows[0].base_weight, 5);
        Ok(())
    }

    #[test]
    fn a_calculation_recorded_before_the_transition_fields_still_reads() {
        let old = serde_json::json!({
            "county": "511723", "name": "开江县", "poverty_level": "provincial",
            "base_weight": 10, "poverty_weight": 5, "commendations": [], "commendation_weight": 0,
            "suspended_by": [], "weight": 15, "share_percent": "1", "exact_m2": "1",
            "floor_m2": 1, "remainder": 0, "extra_m2": 0, "allocated_m2": 1
        });
        let row: Result<AllocationRow, _> = serde_json::from_value(old);
        assert!(row.is_ok_and(|r| r.poverty_exited_on.is_none()));
    }

    #[test]
    fn weights_and_exact_shares() -> Result<(), AllocationError> {
        // 2019: weights 20, 15, 10 → 45. 100 000 × 20/45 = 44 444.44…, × 15/45 = 33 333.33…,
        // × 10/45 = 22 222.22…; one square metre left, to the largest remainder (511722).
        let a = allocate(2019, 100_000, &three(), &[])?;
        let got: Vec<(u32, i64)> = a.rows.iter().map(|r| (r.weight, r.allocated_m2)).collect();
        assert_eq!(got, [(20, 44_445), (15, 33_333), (10, 22_222)]);
        assert_eq!(a.total_weight, 45);
        assert_eq!(a.remaining_m2, 1);
        assert_eq!(a.rows[0].exact_m2, "44444.4444");
        assert_eq!(a.rows[0].share_percent, "44.4444");
        Ok(())
    }

    #[test]
    fn criticism_suspends_next_year_until_lifted_and_commendation_weighs_once()
    -> Result<(), AllocationError> {
        let mut criticism = notice("C1", "511723", NoticeKind::Criticism, d(2018, 11, 1));
        let praise = notice("P1", "511725", NoticeKind::Commendation, d(2018, 12, 1));
        let a = allocate(2019, 90_000, &three(), &[criticism.clone(), praise.clone()])?;
        assert_eq!(a.rows[1].weight, 0);
        assert_eq!(a.rows[1].allocated_m2, 0);
        assert_eq!(a.rows[1].suspended_by, ["C1"]);
        assert_eq!(a.rows[2].weight, 15);
        // 20 + 0 + 15 = 35: 90 000 × 20/35 = 51 428.57…, × 15/35 = 38 571.42…
        assert_eq!(a.rows[0].allocated_m2, 51_429);
        assert_eq!(a.rows[2].allocated_m2, 38_571);
        // Still suspended the year after; the commendation no longer counts.
        let b = allocate(2020, 90_000, &three(), &[criticism.clone(), praise.clone()])?;
        assert_eq!(b.rows[1].weight, 0);
        assert_eq!(b.rows[2].weight, 10);
        // Lifted in 2019: 2020 is allocated again (with its provincial tilt, continuing by the
        // transition period after its 2019-12-31 exit); lifted in 2020: 2020 stays suspended.
        criticism.lifted_on = Some(d(2019, 6, 1));
        assert_eq!(
            allocate(2020, 9, &three(), &[criticism.clone()])?.rows[1].weight,
            15
        );
        criticism.lifted_on = Some(d(2020, 1, 1));
        assert_eq!(allocate(2020, 9, &three(), &[criticism])?.rows[1].weight, 0);
        // A criticism decided in the year itself first counts the next year.
        let fresh = notice("C2", "511722", NoticeKind::Criticism, d(2019, 3, 1));
        assert_eq!(allocate(2019, 9, &three(), &[fresh])?.rows[0].weight, 20);
        Ok(())
    }

    #[test]
    fn nobody_eligible_or_negative_is_refused() {
        let all: Vec<NoticeFact> = three()
            .iter()
            .map(|c| notice(&c.code, &c.code, NoticeKind::Criticism, d(2018, 1, 1)))
            .collect();
        assert_eq!(
            allocate(2019, 10, &three(), &all),
            Err(AllocationError::NoEligibleCounty { year: 2019 })
        );
        assert!(allocate(2019, 0, &three(), &all).is_ok());
        assert_eq!(
            allocate(2019, -1, &three(), &[]),
            Err(AllocationError::NegativeTotal(-1))
        );
    }

    #[test]
    fn ties_go_to_the_lower_code() -> Result<(), AllocationError> {
        let same = vec![
            county("511725", None, None),
            county("511702", None, None),
            county("511703", None, None),
        ];
        let a = allocate(2019, 2, &same, &[])?;
        let got: Vec<(&str, i64)> = a
            .rows
            .iter()
            .map(|r| (r.county.as_str(), r.allocated_m2))
            .collect();
        assert_eq!(got, [("511702", 1), ("511703", 1), ("511725", 0)]);
        Ok(())
    }

    proptest! {
        #[test]
        fn allocation_sums_exactly_to_the_total(
            total in prop_oneof![0i64..1_000, 0i64..i64::MAX, Just(i64::MAX), Just(1_000_003)],
            flags in proptest::collection::vec((0u8..3, any::<bool>(), 0u8..3), 1..9),
        ) {
            let profile = dazhou();
            let counties: Vec<CountyStanding> = flags.iter().enumerate().map(|(i, (level, _, _))| {
                let level = match level { 0 => None, 1 => Some(PovertyLevel::Provincial), _ => Some(PovertyLevel::National) };
                county(&format!("5117{:02}", i + 1), level, None)
            }).collect();
            let mut notices = Vec::new();
            for (i, (_, criticised, praised)) in flags.iter().enumerate() {
                let code = format!("5117{:02}", i + 1);
                if *criticised {
                    notices.push(notice(&format!("C{i}"), &code, NoticeKind::Criticism, d(2018, 5, 1)));
                }
                for p in 0..*praised {
                    notices.push(notice(&format!("P{i}-{p}"), &code, NoticeKind::Commendation, d(2018, 6, 1)));
                }
            }
            match super::allocate(&profile, 2019, total, &counties, &notices) {
                Ok(a) => {
                    let sum: i128 = a.rows.iter().map(|r| i128::from(r.allocated_m2)).sum();
                    prop_assert_eq!(sum, i128::from(total));
                    for r in &a.rows {
                        prop_assert!(r.allocated_m2 >= 0);
                        prop_assert!(r.extra_m2 <= 1);
                        if r.weight == 0 { prop_assert_eq!(r.allocated_m2, 0); }
                        // Never more than one square metre from the exact quota.
                        let exact = i128::from(total) * i128::from(r.weight);
                        let w = i128::from(a.total_weight);
                        prop_assert!((i128::from(r.allocated_m2) * w - exact).abs() < w);
                    }
                }
                Err(AllocationError::NoEligibleCounty { .. }) => {
                    prop_assert!(flags.iter().all(|(_, c, _)| *c) && total > 0);
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
