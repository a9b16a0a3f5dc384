//! Deadlines and sanctions (二(四), SPEC §8): which advances are overdue and which projects
//! missed completion on a given day, and what follows. Pure: the scan command loads the facts,
//! calls `scan`, and applies what is not applied yet (each sanction has a stable key, so running
//! the scan twice changes nothing the second time).
//!
//! How the clock runs (docs/readings/deadlines.md):
//! - Periods count as 民法典 arts. 201–203 (`dates`), with the profile's calendar.
//! - "预支指标项目须在3年内实施完成，不得延期" binds only projects that took an advance. A project
//!   without one has the same standard period but no sanction, and may be extended by a recorded
//!   city decision.
//! - "实施完成" and "验收归还" are the county's acceptance application: one dated on or before the
//!   last day stops the clock while it is pending and when it is later accepted; a returned
//!   (refused) application does not count.

use chrono::NaiveDate;
use serde::Serialize;

use crate::check::{Quantity, RuleResult, Subject, SubjectKind, verdict};
use crate::dates::last_day_within_years;
use crate::division::DivisionCode;
use crate::lifecycle::ProjectState;
use crate::profile::Profile;
use crate::rules::RuleId;

/// One advance still counted against a project (not reversed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvanceFact {
    pub seq: u64,
    pub amount_m2: i64,
    pub effective: NaiveDate,
}

/// What the scan needs to know of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    pub code: String,
    pub county: DivisionCode,
    pub state: ProjectState,
    pub approved_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    /// The date of the county's acceptance application that still counts: pending, or later
    /// accepted. A returned (refused) application is not here.
    pub acceptance_applied_on: Option<NaiveDate>,
    /// The completion deadline set by a granted extension (projects without an advance only).
    pub extended_to: Option<NaiveDate>,
    pub advances: Vec<AdvanceFact>,
    /// The surplus issued at acceptance, if any.
    pub issued_m2: Option<i64>,
    /// Advance still owed (advanced − settled by the issue, repayments and sanction
    /// deductions), m²: the project's advance account.
    pub outstanding_m2: i64,
}

impl ProjectFacts {
    /// A 预支指标项目: the project took an advance that was not reversed.
    pub fn took_advance(&self) -> bool {
        !self.advances.is_empty()
    }

    /// The day the clock stopped for "实施完成" / "验收归还": the application that counts (or,
    /// for a project accepted without a recorded application date, its acceptance).
    pub fn clock_stopped_on(&self) -> Option<NaiveDate> {
        self.acceptance_applied_on.or(self.accepted_on)
    }

    /// Whether an application on or before `last_day` is pending (not yet decided).
    fn pending_in_time(&self, last_day: NaiveDate) -> bool {
        self.accepted_on.is_none()
            && self
                .acceptance_applied_on
                .is_some_and(|applied| applied <= last_day)
    }
}

/// An advance, or the part of it still owed, with its own due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenAdvance {
    /// The advance entry.
    pub seq: u64,
    pub effective: NaiveDate,
    /// Still owed of this advance, m².
    pub owed_m2: i64,
    /// The last day to repay it.
    pub due: NaiveDate,
    /// Whether the project's surplus was issued: what is owed is a shortfall at acceptance.
    pub shortfall: bool,
    /// The county applied for acceptance by the due date and the city has not decided: the
    /// clock is stopped (验收归还 counts from the application).
    pub awaiting_acceptance: bool,
}

/// The advances a project still owes, oldest first, each with its own due date (二(四) "预支
/// 部分的节余指标须在1年内验收归还"). Settlements (the issue, repayments, a sanction's
/// deduction) do not name an advance: they are applied to the oldest first, the one due first,
/// so what is still owed sits on the newest.
///
/// An acceptance application dated on or before an advance's due date stops its clock while
/// pending (`awaiting_acceptance`). A shortfall found at acceptance (confirmed < advanced) is
/// owed from its advance's own due date (until then the county may repay it from quota it
/// holds, `repay`); when the application was in time but the city accepted after that date,
/// the shortfall was not final before the acceptance, so it is due on the acceptance day and
/// overdue from the next day.
pub fn open_advances(profile: &Profile, project: &ProjectFacts) -> Vec<OpenAdvance> {
    let advanced: i64 = project.advances.iter().map(|a| a.amount_m2).sum();
    let mut settled = (advanced - project.outstanding_m2.max(0)).max(0);
    let mut out = Vec::new();
    for advance in &project.advances {
        let from_this = settled.min(advance.amount_m2);
        settled -= from_this;
        let owed = advance.amount_m2 - from_this;
        if owed <= 0 {
            continue;
        }
        let Some(own_due) = advance_due(profile, advance.effective) else {
            continue;
        };
        let shortfall = project.issued_m2.is_some();
        let applied_in_time = project
            .clock_stopped_on()
            .is_some_and(|applied| applied <= own_due);
        let due = match project.accepted_on {
            Some(accepted) if shortfall && applied_in_time => own_due.max(accepted),
            _ => own_due,
        };
        out.push(OpenAdvance {
            seq: advance.seq,
            effective: advance.effective,
            owed_m2: owed,
            due,
            shortfall,
            awaiting_acceptance: !shortfall && project.pending_in_time(own_due),
        });
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SanctionKind {
    /// 暂停该地预支政策.
    SuspendAdvances,
    /// 扣减土地利用年度计划指标 of `year`.
    DeductAnnualPlan { year: i32 },
    /// 依法履行占补平衡义务 for the area.
    FarmlandBalanceObligation,
    /// 补齐相关税费 for the area.
    TaxesAndFeesObligation,
    /// 预支指标项目须在 3 年内实施完成，不得延期.
    CompletionOverdue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sanction {
    /// Stable and unique: applying the same key twice is a no-op.
    pub key: String,
    pub rule: RuleId,
    pub clause: String,
    pub kind: SanctionKind,
    pub project: String,
    pub county: DivisionCode,
    /// The area concerned, m² (0 for a completion sanction).
    pub amount_m2: i64,
    /// The first day the obligation was overdue.
    pub overdue_since: NaiveDate,
}

/// Everything overdue on `as_of`, as sanctions with stable keys.
pub fn scan(as_of: NaiveDate, profile: &Profile, projects: &[ProjectFacts]) -> Vec<Sanction> {
    let mut out = Vec::new();
    for project in projects {
        overdue_advances(as_of, profile, project, &mut out);
        completion(as_of, profile, project, &mut out);
    }
    out
}

fn overdue_advances(
    as_of: NaiveDate,
    profile: &Profile,
    project: &ProjectFacts,
    out: &mut Vec<Sanction>,
) {
    let clause = profile.advance.repay_within_years.clause.clone();
    // Overdue tranches: what each advance still owes after its due date (before acceptance or
    // as a shortfall after it), keyed by the advance so that it is charged once.
    let tranches: Vec<(String, i64, NaiveDate)> = open_advances(profile, project)
        .into_iter()
        .filter(|a| !a.awaiting_acceptance && as_of > a.due)
        .filter_map(|a| Some((format!("advance{}", a.seq), a.owed_m2, a.due.succ_opt()?)))
        .collect();
    for (tranche, amount, since) in tranches {
        if since > as_of {
            continue;
        }
        let key = |what: &str| format!("{}:{tranche}:{what}", project.code);
        let sanction = |kind: SanctionKind, what: &str, amount_m2: i64| Sanction {
            key: key(what),
            rule: RuleId::AdvanceRepaid,
            clause: clause.clone(),
            kind,
            project: project.code.clone(),
            county: project.county.clone(),
            amount_m2,
            overdue_since: since,
        };
        out.push(sanction(SanctionKind::SuspendAdvances, "suspend", 0));
        out.push(sanction(
            SanctionKind::DeductAnnualPlan {
                year: crate::dates::year_of(since),
            },
            "deduct",
            amount,
        ));
        out.push(sanction(
            SanctionKind::FarmlandBalanceObligation,
            "farmland",
            amount,
        ));
        out.push(sanction(
            SanctionKind::TaxesAndFeesObligation,
            "taxes",
            amount,
        ));
    }
}

/// A project's completion deadline as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletionDeadline {
    /// The last day to apply for acceptance.
    pub last_day: NaiveDate,
    /// A 预支指标项目: missing the last day is sanctioned (COMPLETION_DEADLINE) and no extension
    /// is possible (under a profile that forbids it).
    pub binding: bool,
    /// The last day was set by a granted extension.
    pub extended: bool,
    /// The county applied for acceptance on or before the last day (pending or accepted): the
    /// deadline is met.
    pub met: bool,
}

/// The completion deadline of a project (`None` before approval, or once it was terminated or
/// withdrawn). A project that took an advance has the profile's period, fixed; one that did not
/// has the same standard period, replaced by a granted extension's date.
pub fn project_completion(profile: &Profile, project: &ProjectFacts) -> Option<CompletionDeadline> {
    if matches!(
        project.state,
        ProjectState::Terminated | ProjectState::Withdrawn
    ) {
        return None;
    }
    let standard = completion_deadline(profile, project.approved_on?)?;
    let binding = project.took_advance();
    let (last_day, extended) = match project.extended_to {
        Some(until) if !binding => (until, true),
        _ => (standard, false),
    };
    let met = project
        .clock_stopped_on()
        .is_some_and(|applied| applied <= last_day);
    Some(CompletionDeadline {
        last_day,
        binding,
        extended,
        met,
    })
}

fn completion(
    as_of: NaiveDate,
    profile: &Profile,
    project: &ProjectFacts,
    out: &mut Vec<Sanction>,
) {
    let Some(deadline) = project_completion(profile, project) else {
        return;
    };
    if !deadline.binding || deadline.met || as_of <= deadline.last_day {
        return;
    }
    let Some(since) = deadline.last_day.succ_opt() else {
        return;
    };
    out.push(Sanction {
        key: format!("{}:completion", project.code),
        rule: RuleId::CompletionDeadline,
        clause: profile.completion.within_years.clause.clone(),
        kind: SanctionKind::CompletionOverdue,
        project: project.code.clone(),
        county: project.county.clone(),
        amount_m2: 0,
        overdue_since: since,
    });
}

/// The standard completion deadline of a project approved on `approved_on` (last valid day).
pub fn completion_deadline(profile: &Profile, approved_on: NaiveDate) -> Option<NaiveDate> {
    last_day_within_years(
        approved_on,
        profile.completion.within_years.value,
        &profile.deadline_calendar(),
    )
}

/// The repayment deadline of an advance made on `effective` (last valid day).
pub fn advance_due(profile: &Profile, effective: NaiveDate) -> Option<NaiveDate> {
    last_day_within_years(
        effective,
        profile.advance.repay_within_years.value,
        &profile.deadline_calendar(),
    )
}

/// Why an extension of the completion deadline cannot be asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionRefused {
    /// A 预支指标项目 under a profile that forbids extensions (二(四) "不得延期"): the rule's
    /// result, its message from the rule table and the profile.
    Rule(Box<RuleResult>),
    /// Nothing to extend: not approved yet, already applied for acceptance, or ended.
    NoDeadline,
    /// The requested day is not after the deadline as it stands.
    NotLater { last_day: NaiveDate },
}

/// Whether the county may ask to move the completion deadline of `project` to `until`.
/// Projects that took an advance are refused with COMPLETION_DEADLINE while the profile forbids
/// extensions; others go to the city's decision (the normal procedure).
pub fn extension_request(
    profile: &Profile,
    project: &ProjectFacts,
    until: NaiveDate,
) -> Result<CompletionDeadline, ExtensionRefused> {
    let deadline = project_completion(profile, project).ok_or(ExtensionRefused::NoDeadline)?;
    if deadline.binding && !profile.completion.extension_allowed.value {
        return Err(ExtensionRefused::Rule(Box::new(refusal(
            profile, project, &deadline,
        ))));
    }
    if deadline.met || project.accepted_on.is_some() {
        return Err(ExtensionRefused::NoDeadline);
    }
    if until <= deadline.last_day {
        return Err(ExtensionRefused::NotLater {
            last_day: deadline.last_day,
        });
    }
    Ok(deadline)
}

/// The city grants an extension to `until`: the same conditions as the request, checked again
/// on the facts at the time of the decision.
pub fn extension_grant(
    profile: &Profile,
    project: &ProjectFacts,
    until: NaiveDate,
) -> Result<CompletionDeadline, ExtensionRefused> {
    extension_request(profile, project, until)
}

fn refusal(profile: &Profile, project: &ProjectFacts, deadline: &CompletionDeadline) -> RuleResult {
    let subject = Subject::new(SubjectKind::Project, project.code.clone()).detail(
        crate::rules::title_zh(profile, RuleId::CompletionDeadline),
        crate::rules::title_en(profile, RuleId::CompletionDeadline),
    );
    verdict(
        RuleId::CompletionDeadline,
        &profile.completion.extension_allowed.clause,
        false,
        Quantity::Text(project.code.clone()),
        Quantity::Date(deadline.last_day),
        vec![subject],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn profile() -> Profile {
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
    }

    fn project() -> ProjectFacts {
        ProjectFacts {
            code: "P1".into(),
            county: DivisionCode::parse("511722").unwrap_or_else(|e| panic!("{e}")),
            state: ProjectState::Implementing,
            approved_on: Some(d(2018, 3, 1)),
            accepted_on: None,
            acceptance_applied_on: None,
            extended_to: None,
            advances: vec![AdvanceFact {
                seq: 7,
                amount_m2: 30_000,
                effective: d(2018, 4, 10),
            }],
            issued_m2: None,
            outstanding_m2: 30_000,
        }
    }

    #[test]
    fn advance_due_on_the_last_day_is_not_overdue() {
        let p = profile();
        assert_eq!(advance_due(&p, d(2018, 4, 10)), Some(d(2019, 4, 10)));
        assert!(scan(d(2019, 4, 10), &p, &[project()]).is_empty());
        let sanctions = scan(d(2019, 4, 11), &p, &[project()]);
        let kinds: Vec<&SanctionKind> = sanctions.iter().map(|s| &s.kind).collect();
        assert_eq!(
            kinds,
            [
                &SanctionKind::SuspendAdvances,
                &SanctionKind::DeductAnnualPlan { year: 2019 },
                &SanctionKind::FarmlandBalanceObligation,
                &SanctionKind::TaxesAndFeesObligation
            ]
        );
        assert!(
            sanctions
                .iter()
                .all(|s| s.rule == RuleId::AdvanceRepaid && s.clause == "二(四)")
        );
        assert_eq!(sanctions[1].amount_m2, 30_000);
        assert_eq!(sanctions[0].overdue_since, d(2019, 4, 11));
        // The same day twice gives the same keys: applying them again is a no-op.
        let again = scan(d(2019, 4, 11), &p, &[project()]);
        assert_eq!(sanctions, again);
    }

    /// A shortfall found at acceptance (confirmed < advanced) is overdue only from the
    /// advance's own due date (二(四)), for the difference; repaid before then, it is not.
    #[test]
    fn shortfall_at_acceptance_is_overdue_from_the_advance_due_date() {
        let mut facts = project();
        facts.state = ProjectState::Accepted;
        facts.accepted_on = Some(d(2019, 1, 20));
        facts.issued_m2 = Some(25_000);
        facts.outstanding_m2 = 5_000;
        let p = profile();
        let due = advance_due(&p, d(2018, 4, 10)).unwrap_or_default();
        assert!(scan(d(2019, 1, 20), &p, &[facts.clone()]).is_empty());
        assert!(scan(due, &p, &[facts.clone()]).is_empty());
        let open = open_advances(&p, &facts);
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].owed_m2, open[0].due, open[0].shortfall),
            (5_000, due, true)
        );
        let sanctions = scan(due.succ_opt().unwrap_or_default(), &p, &[facts.clone()]);
        assert_eq!(sanctions.len(), 4);
        assert_eq!(sanctions[1].amount_m2, 5_000);
        assert_eq!(sanctions[1].key, "P1:advance7:deduct");
        assert_eq!(
            sanctions[1].overdue_since,
            due.succ_opt().unwrap_or_default()
        );
        // Repaid (or settled by a deduction): nothing is owed, nothing is charged.
        facts.outstanding_m2 = 0;
        assert!(scan(d(2022, 1, 1), &p, &[facts]).is_empty());
    }

    /// Settlements go to the oldest advance first: a repayment of the first advance's amount
    /// leaves only the second one owed, from its own due date.
    #[test]
    fn settlements_go_to_the_oldest_advance_first() {
        let p = profile();
        let mut facts = project();
        facts.advances.push(AdvanceFact {
            seq: 9,
            amount_m2: 10_000,
            effective: d(2018, 9, 1),
        });
        facts.outstanding_m2 = 12_000;
        let open = open_advances(&p, &facts);
        let owed: Vec<(u64, i64)> = open.iter().map(|a| (a.seq, a.owed_m2)).collect();
        assert_eq!(owed, [(7, 2_000), (9, 10_000)]);
        facts.outstanding_m2 = 10_000;
        let sanctions = scan(d(2019, 4, 11), &p, &[facts.clone()]);
        assert!(sanctions.is_empty(), "{sanctions:?}");
        let later = advance_due(&p, d(2018, 9, 1))
            .and_then(|d| d.succ_opt())
            .unwrap_or_default();
        let sanctions = scan(later, &p, &[facts]);
        assert_eq!(sanctions[1].key, "P1:advance9:deduct");
        assert_eq!(sanctions[1].amount_m2, 10_000);
    }

    /// The example: an advance on 2018-07-15 is due on 2019-07-15 (not counting the
    /// day of the advance, 民法典 art. 201): no sanction that day, sanctions the day after.
    #[test]
    fn an_advance_of_2018_07_15_is_overdue_from_2019_07_16() {
        let p = profile();
        let mut facts = project();
        facts.advances[0].effective = d(2018, 7, 15);
        assert_eq!(advance_due(&p, d(2018, 7, 15)), Some(d(2019, 7, 15)));
        assert!(scan(d(2019, 7, 15), &p, &[facts.clone()]).is_empty());
        let sanctions = scan(d(2019, 7, 16), &p, &[facts]);
        assert_eq!(sanctions.len(), 4);
        assert!(sanctions.iter().all(|s| s.overdue_since == d(2019, 7, 16)));
    }

    /// A due day on a holiday of the profile's calendar moves to the next working day
    /// (民法典 art. 203): 2018-10-02 + 1 year is National Day 2019, due on 2019-10-08.
    #[test]
    fn a_due_day_on_a_holiday_moves_to_the_next_working_day() {
        let p = profile();
        let mut facts = project();
        facts.advances[0].effective = d(2018, 10, 2);
        assert_eq!(advance_due(&p, d(2018, 10, 2)), Some(d(2019, 10, 8)));
        assert!(scan(d(2019, 10, 8), &p, &[facts.clone()]).is_empty());
        assert_eq!(scan(d(2019, 10, 9), &p, &[facts.clone()]).len(), 4);
        // Without a calendar the day does not move.
        let mut bare = p.clone();
        bare.calendar = None;
        assert_eq!(advance_due(&bare, d(2018, 10, 2)), Some(d(2019, 10, 2)));
        assert_eq!(scan(d(2019, 10, 3), &bare, &[facts]).len(), 4);
    }

    /// 二(四) "预支指标项目须在3年内实施完成": a project that took an advance and did not apply
    /// for acceptance by the last day is sanctioned from the next day; one that never took an
    /// advance never is, however late.
    #[test]
    fn completion_binds_only_projects_that_took_an_advance() {
        let p = profile();
        let mut facts = project();
        // Approved 2018-03-01: three years end on Monday 2021-03-01.
        assert_eq!(completion_deadline(&p, d(2018, 3, 1)), Some(d(2021, 3, 1)));
        // The advance was repaid so only the completion rule speaks.
        facts.outstanding_m2 = 0;
        assert!(scan(d(2021, 3, 1), &p, &[facts.clone()]).is_empty());
        let sanctions = scan(d(2021, 3, 2), &p, &[facts.clone()]);
        assert_eq!(sanctions.len(), 1);
        assert_eq!(sanctions[0].rule, RuleId::CompletionDeadline);
        assert_eq!(sanctions[0].overdue_since, d(2021, 3, 2));
        let mut no_advance = facts.clone();
        no_advance.advances.clear();
        for day in [d(2021, 3, 2), d(2022, 1, 1), d(2030, 1, 1)] {
            assert!(scan(day, &p, &[no_advance.clone()]).is_empty());
        }
        let deadline = project_completion(&p, &no_advance);
        assert_eq!(
            deadline.map(|c| (c.last_day, c.binding)),
            Some((d(2021, 3, 1), false))
        );
        // Ended projects have no deadline.
        facts.state = ProjectState::Terminated;
        assert!(scan(d(2022, 1, 1), &p, &[facts]).is_empty());
    }

    /// 实施完成 counts from the county's application: one on the last day stops the clock even
    /// if the city decides later (pending or accepted); one the day after does not; a returned
    /// application (absent from the facts) does not.
    #[test]
    fn completion_counts_from_the_acceptance_application() {
        let p = profile();
        let mut facts = project();
        facts.outstanding_m2 = 0;
        facts.state = ProjectState::AcceptanceApplied;
        facts.acceptance_applied_on = Some(d(2021, 3, 1));
        assert!(scan(d(2021, 6, 1), &p, &[facts.clone()]).is_empty());
        // Accepted late: still no sanction.
        facts.state = ProjectState::Accepted;
        facts.accepted_on = Some(d(2021, 5, 20));
        assert!(scan(d(2021, 6, 1), &p, &[facts.clone()]).is_empty());
        // Applied a day late: sanctioned from the day after the last day, accepted or not.
        facts.acceptance_applied_on = Some(d(2021, 3, 2));
        let late = scan(d(2021, 6, 1), &p, &[facts.clone()]);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].overdue_since, d(2021, 3, 2));
        // Returned: the application no longer counts and the clock ran on.
        facts.state = ProjectState::Implementing;
        facts.accepted_on = None;
        facts.acceptance_applied_on = None;
        assert_eq!(scan(d(2021, 3, 2), &p, &[facts]).len(), 1);
    }

    /// 验收归还 counts from the application too: an advance whose project applied by its due
    /// date is not overdue while the application is pending; returned, the clock was never
    /// stopped and the advance is overdue from the day after its due date.
    #[test]
    fn a_pending_application_in_time_stops_the_repayment_clock() {
        let p = profile();
        let mut facts = project();
        let due = advance_due(&p, d(2018, 4, 10)).unwrap_or_default();
        assert_eq!(due, d(2019, 4, 10));
        facts.state = ProjectState::AcceptanceApplied;
        facts.acceptance_applied_on = Some(due);
        let open = open_advances(&p, &facts);
        assert!(open[0].awaiting_acceptance);
        assert!(scan(d(2019, 9, 1), &p, &[facts.clone()]).is_empty());
        // Applied the day after the due date: overdue as if there were no application.
        facts.acceptance_applied_on = due.succ_opt();
        let sanctions = scan(d(2019, 9, 1), &p, &[facts.clone()]);
        assert_eq!(sanctions.len(), 4);
        assert_eq!(sanctions[0].overdue_since, d(2019, 4, 11));
        // Returned (no application counts): overdue from the day after the due date.
        facts.acceptance_applied_on = None;
        facts.state = ProjectState::Implementing;
        let sanctions = scan(d(2019, 9, 1), &p, &[facts]);
        assert_eq!(sanctions[0].overdue_since, d(2019, 4, 11));
    }

    /// A shortfall at acceptance of an application made in time, accepted after the advance's
    /// due date, is due on the acceptance day and overdue from the next day.
    #[test]
    fn a_shortfall_known_after_the_due_date_is_due_on_the_acceptance_day() {
        let p = profile();
        let mut facts = project();
        facts.state = ProjectState::Accepted;
        facts.acceptance_applied_on = Some(d(2019, 3, 1));
        facts.accepted_on = Some(d(2019, 6, 3));
        facts.issued_m2 = Some(25_000);
        facts.outstanding_m2 = 5_000;
        let open = open_advances(&p, &facts);
        assert_eq!((open[0].due, open[0].shortfall), (d(2019, 6, 3), true));
        assert!(scan(d(2019, 6, 3), &p, &[facts.clone()]).is_empty());
        let sanctions = scan(d(2019, 6, 4), &p, &[facts.clone()]);
        assert_eq!(sanctions.len(), 4);
        assert_eq!(sanctions[1].amount_m2, 5_000);
        assert_eq!(sanctions[1].overdue_since, d(2019, 6, 4));
        // Applied late: the shortfall keeps the advance's own due date.
        facts.acceptance_applied_on = Some(d(2019, 4, 11));
        assert_eq!(open_advances(&p, &facts)[0].due, d(2019, 4, 10));
    }

    /// An extension: refused with COMPLETION_DEADLINE for a project that took an advance (the
    /// message from the rule table with the project's deadline); for one that did not, it must
    /// ask for a later day than the deadline as it stands, and a granted one moves it.
    #[test]
    fn extensions_for_projects_without_an_advance_only() {
        let p = profile();
        let facts = project();
        let refused = extension_request(&p, &facts, d(2022, 3, 1));
        let Err(ExtensionRefused::Rule(result)) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(result.rule, RuleId::CompletionDeadline);
        assert_eq!(result.clause, "二(四)");
        assert!(
            result.message_zh.contains("2021-03-01"),
            "{}",
            result.message_zh
        );
        assert!(
            result.message_zh.contains("不得延期"),
            "{}",
            result.message_zh
        );
        assert!(
            result.message_en.contains("2021-03-01"),
            "{}",
            result.message_en
        );
        let mut plain = facts.clone();
        plain.advances.clear();
        assert_eq!(
            extension_request(&p, &plain, d(2021, 3, 1)),
            Err(ExtensionRefused::NotLater {
                last_day: d(2021, 3, 1)
            })
        );
        assert!(extension_request(&p, &plain, d(2021, 3, 2)).is_ok());
        plain.extended_to = Some(d(2021, 9, 1));
        let extended = project_completion(&p, &plain);
        assert_eq!(
            extended.map(|c| (c.last_day, c.extended)),
            Some((d(2021, 9, 1), true))
        );
        assert!(extension_grant(&p, &plain, d(2021, 9, 1)).is_err());
        // An extension recorded on a project that later took an advance does not count.
        let mut both = facts.clone();
        both.extended_to = Some(d(2021, 9, 1));
        assert_eq!(
            project_completion(&p, &both).map(|c| c.last_day),
            Some(d(2021, 3, 1))
        );
        // A profile that allows extensions lets an advance project ask too.
        let mut lenient = p.clone();
        lenient.completion.extension_allowed.value = true;
        assert!(extension_request(&lenient, &facts, d(2022, 3, 1)).is_ok());
        // Applied for acceptance: nothing left to extend.
        plain.acceptance_applied_on = Some(d(2021, 2, 1));
        assert_eq!(
            extension_request(&p, &plain, d(2022, 3, 1)),
            Err(ExtensionRefused::NoDeadline)
        );
    }
}
