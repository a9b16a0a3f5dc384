//! Deadlines and sanctions (二(四), SPEC §8): which advances are overdue and which projects
//! missed completion on a given day, and what follows. Pure: the scan command loads the facts,
//! calls `scan`, and applies what is not applied yet (each sanction has a stable key, so running
//! the scan twice changes nothing the second time).

use chrono::NaiveDate;
use serde::Serialize;

use crate::dates::{is_overdue, last_day_within_years};
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
    pub advances: Vec<AdvanceFact>,
    /// The surplus issued at acceptance, if any.
    pub issued_m2: Option<i64>,
    /// Advance still owed (advanced − settled by the issue, repayments and sanction
    /// deductions), m²: the project's advance account.
    pub outstanding_m2: i64,
}

/// An advance, or the part of it still owed, with its own due date.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// The advances a project still owes, oldest first, each with its own due date (二(四) "预支
/// 部分的节余指标须在1年内验收归还"). Settlements (the issue, repayments, a sanction's
/// deduction) do not name an advance: they are applied to the oldest first, the one due first,
/// so what is still owed sits on the newest. A shortfall found at acceptance (confirmed <
/// advanced) is therefore owed from its advance's own due date, not from the acceptance: until
/// then the county may repay it from quota it holds (`repay`).
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
        if let Some(due) = advance_due(profile, advance.effective) {
            out.push(OpenAdvance {
                seq: advance.seq,
                effective: advance.effective,
                owed_m2: owed,
                due,
                shortfall: project.issued_m2.is_some(),
            });
        }
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
        .filter(|a| as_of > a.due)
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

fn completion(
    as_of: NaiveDate,
    profile: &Profile,
    project: &ProjectFacts,
    out: &mut Vec<Sanction>,
) {
    let years = profile.completion.within_years.value;
    let done = matches!(
        project.state,
        ProjectState::Accepted
            | ProjectState::Closed
            | ProjectState::Terminated
            | ProjectState::Withdrawn
    );
    let Some(approved) = project.approved_on else {
        return;
    };
    if done || !is_overdue(approved, years, as_of) {
        return;
    }
    let Some(since) = last_day_within_years(approved, years).and_then(|d| d.succ_opt()) else {
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

/// The completion deadline of a project approved on `approved_on` (last valid day).
pub fn completion_deadline(profile: &Profile, approved_on: NaiveDate) -> Option<NaiveDate> {
    last_day_within_years(approved_on, profile.completion.within_years.value)
}

/// The repayment deadline of an advance made on `effective` (last valid day).
pub fn advance_due(profile: &Profile, effective: NaiveDate) -> Option<NaiveDate> {
    last_day_within_years(effective, profile.advance.repay_within_years.value)
}

/// An extension request is always refused under a profile that forbids extensions (二(四)).
pub fn refuse_extension(profile: &Profile) -> Option<(RuleId, String)> {
    (!profile.completion.extension_allowed.value).then(|| {
        (
            RuleId::CompletionDeadline,
            profile.completion.extension_allowed.clause.clone(),
        )
    })
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
        assert_eq!(advance_due(&p, d(2018, 4, 10)), Some(d(2019, 4, 9)));
        assert!(scan(d(2019, 4, 9), &p, &[project()]).is_empty());
        let sanctions = scan(d(2019, 4, 10), &p, &[project()]);
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
        // The same day twice gives the same keys: applying them again is a no-op.
        let again = scan(d(2019, 4, 10), &p, &[project()]);
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
        let sanctions = scan(d(2019, 4, 10), &p, &[facts.clone()]);
        assert!(sanctions.is_empty(), "{sanctions:?}");
        let later = advance_due(&p, d(2018, 9, 1))
            .and_then(|d| d.succ_opt())
            .unwrap_or_default();
        let sanctions = scan(later, &p, &[facts]);
        assert_eq!(sanctions[1].key, "P1:advance9:deduct");
        assert_eq!(sanctions[1].amount_m2, 10_000);
    }

    #[test]
    fn completion_deadline_and_no_extension() {
        let p = profile();
        let mut facts = project();
        facts.advances.clear();
        assert_eq!(completion_deadline(&p, d(2018, 3, 1)), Some(d(2021, 2, 28)));
        assert!(scan(d(2021, 2, 28), &p, &[facts.clone()]).is_empty());
        let sanctions = scan(d(2021, 3, 1), &p, &[facts.clone()]);
        assert_eq!(sanctions.len(), 1);
        assert_eq!(sanctions[0].rule, RuleId::CompletionDeadline);
        facts.state = ProjectState::Accepted;
        assert!(scan(d(2022, 1, 1), &p, &[facts]).is_empty());
        assert_eq!(
            refuse_extension(&p),
            Some((RuleId::CompletionDeadline, "二(四)".into()))
        );
    }
}
