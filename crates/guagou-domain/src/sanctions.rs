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
    /// Advance still owed after acceptance (advanced − settled), m².
    pub outstanding_after_issue_m2: i64,
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
    let years = profile.advance.repay_within_years.value;
    let clause = profile.advance.repay_within_years.clause.clone();
    // Overdue tranches: each advance past its due date, or the shortfall at acceptance.
    let tranches: Vec<(String, i64, NaiveDate)> = match (project.issued_m2, project.accepted_on) {
        (Some(_), Some(accepted)) if project.outstanding_after_issue_m2 > 0 => {
            vec![(
                "shortfall".to_owned(),
                project.outstanding_after_issue_m2,
                accepted,
            )]
        }
        (Some(_), _) => Vec::new(),
        (None, _) => project
            .advances
            .iter()
            .filter(|a| is_overdue(a.effective, years, as_of))
            .filter_map(|a| {
                let due = last_day_within_years(a.effective, years)?;
                Some((format!("advance{}", a.seq), a.amount_m2, due.succ_opt()?))
            })
            .collect(),
    };
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
            outstanding_after_issue_m2: 0,
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

    #[test]
    fn shortfall_at_acceptance_is_overdue_for_the_difference() {
        let mut facts = project();
        facts.state = ProjectState::Accepted;
        facts.accepted_on = Some(d(2019, 1, 20));
        facts.issued_m2 = Some(25_000);
        facts.outstanding_after_issue_m2 = 5_000;
        let sanctions = scan(d(2019, 1, 20), &profile(), &[facts.clone()]);
        assert_eq!(sanctions.len(), 4);
        assert_eq!(sanctions[1].amount_m2, 5_000);
        assert_eq!(sanctions[1].key, "P1:shortfall:deduct");
        facts.outstanding_after_issue_m2 = 0;
        assert!(scan(d(2022, 1, 1), &profile(), &[facts]).is_empty());
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
