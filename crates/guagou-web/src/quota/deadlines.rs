//! Deadlines as of a date (二(四)): each advance to repay within the profile's period of the
//! advance, the shortfall found at acceptance, and each project's completion deadline (binding,
//! with COMPLETION_DEADLINE, only for a project that took an advance; a granted extension moves
//! another project's), with whether it is overdue. Dates come from the domain functions
//! (`open_advances`, `project_completion`), counted as 民法典 arts. 201–203 with the profile's
//! calendar. The supervision page, its API and the dashboard panel read the same list, filtered
//! by the user's jurisdiction. Pure apart from `supervision_view`, which loads the facts.

use crate::catalogue::{Key, k};
use chrono::NaiveDate;
use guagou_domain::Profile;
use guagou_domain::sanctions::{ProjectFacts, open_advances, project_completion, scan};
use guagou_registry::Registry;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::User;
use crate::error::WebError;

/// One deadline.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeadlineItem {
    /// `advance_repayment` | `advance_shortfall` | `completion`
    pub kind: String,
    pub project: String,
    pub county: String,
    /// 涉及面积 / area concerned, m² (0 for a completion)
    pub amount_m2: i64,
    /// 起算日 / the day the period started (advance, acceptance or approval), `YYYY-MM-DD`
    pub started_on: String,
    /// 最后期限 / the last valid day, `YYYY-MM-DD`
    pub due_on: String,
    /// 已逾期且受制裁 / past the last valid day, and sanctioned (a binding deadline whose clock
    /// was not stopped by an acceptance application)
    pub overdue: bool,
    /// 受制裁期限 / missing it is sanctioned (advances; completion of a project that took an
    /// advance); `false`: the standard completion period of a project without an advance
    pub binding: bool,
    /// 已批准延期 / the last day was set by a granted extension
    pub extended: bool,
    /// 已按期申请验收，待验收 / the county applied for acceptance by the last day and the city has
    /// not decided: the clock is stopped
    pub awaiting_acceptance: bool,
    /// 距期限天数（逾期为负）/ days until the last valid day (negative when overdue)
    pub days_left: i64,
    /// 预支条目 / the advance entry, for an advance
    pub entry: Option<u64>,
}

impl DeadlineItem {
    /// The Chinese and English name of the kind.
    pub fn kind_label(&self) -> Key {
        match self.kind.as_str() {
            "advance_repayment" => k::ADVANCE_REPAYMENT,
            "advance_shortfall" => k::ADVANCE_SHORTFALL_AT_ACCEPTANCE,
            _ if self.binding => k::COMPLETION_OF_A_PROJECT_THAT_TOOK,
            _ => k::PROJECT_COMPLETION_PERIOD_NO_ADVANCE_NO,
        }
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// How a deadline stands.
#[derive(Clone, Copy)]
struct Standing {
    binding: bool,
    extended: bool,
    awaiting_acceptance: bool,
}

#[allow(clippy::too_many_arguments)]
fn item(
    kind: &str,
    facts: &ProjectFacts,
    amount_m2: i64,
    started: NaiveDate,
    due: NaiveDate,
    as_of: NaiveDate,
    entry: Option<u64>,
    standing: Standing,
) -> DeadlineItem {
    DeadlineItem {
        kind: kind.to_owned(),
        project: facts.code.clone(),
        county: facts.county.to_string(),
        amount_m2,
        started_on: day(started),
        due_on: day(due),
        overdue: standing.binding && !standing.awaiting_acceptance && as_of > due,
        binding: standing.binding,
        extended: standing.extended,
        awaiting_acceptance: standing.awaiting_acceptance,
        days_left: (due - as_of).num_days(),
        entry,
    }
}

/// Every open deadline of `projects` on `as_of`: what each advance still owes (before
/// acceptance, or as a shortfall after it), and the completion of projects that have not applied
/// for acceptance in time and have not ended.
pub fn open_deadlines(
    profile: &Profile,
    projects: &[ProjectFacts],
    as_of: NaiveDate,
) -> Vec<DeadlineItem> {
    let mut out = Vec::new();
    for facts in projects {
        // The scan's own reading (`open_advances`): settled advances are gone, what is still
        // owed is due on its advance's date.
        for advance in open_advances(profile, facts) {
            let kind = if advance.shortfall {
                "advance_shortfall"
            } else {
                "advance_repayment"
            };
            out.push(item(
                kind,
                facts,
                advance.owed_m2,
                advance.effective,
                advance.due,
                as_of,
                Some(advance.seq),
                Standing {
                    binding: true,
                    extended: false,
                    awaiting_acceptance: advance.awaiting_acceptance,
                },
            ));
        }
        // Completion: until the county applies for acceptance in time (a pending application
        // in time meets it; the city's later decision does not matter).
        if let (None, Some(approved)) = (facts.accepted_on, facts.approved_on)
            && let Some(deadline) = project_completion(profile, facts)
            && !deadline.met
        {
            out.push(item(
                "completion",
                facts,
                0,
                approved,
                deadline.last_day,
                as_of,
                None,
                Standing {
                    binding: deadline.binding,
                    extended: deadline.extended,
                    awaiting_acceptance: false,
                },
            ));
        }
    }
    out.sort_by(|a, b| (&a.due_on, &a.project).cmp(&(&b.due_on, &b.project)));
    out
}

/// What supervision shows a user on a date: deadlines, sanctions due but not applied yet,
/// sanctions applied, obligations and suspensions, all of the user's jurisdiction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionView {
    pub as_of: String,
    pub deadlines: Vec<DeadlineItem>,
    /// 到期未处理的制裁（运行扫描后生效）/ sanctions due on `as_of` that no scan applied yet
    #[schema(value_type = Vec<Object>)]
    pub pending_sanctions: Vec<serde_json::Value>,
    /// 已实施的制裁 / sanctions applied (rule, clause, project, county, amount, dates)
    #[schema(value_type = Vec<Object>)]
    pub sanctions: Vec<serde_json::Value>,
    /// 义务（占补平衡、税费、尚欠扣减）/ obligations (farmland balance, taxes, deductions owed)
    #[schema(value_type = Vec<Object>)]
    pub obligations: Vec<serde_json::Value>,
    /// 暂停预支的县 / counties whose advance right is suspended
    pub suspended: Vec<String>,
}

fn county_field(value: &serde_json::Value) -> &str {
    value
        .get("county")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

pub(crate) async fn supervision_view(
    registry: &Registry,
    user: &User,
    as_of: NaiveDate,
) -> Result<SupervisionView, WebError> {
    let facts: Vec<ProjectFacts> = user
        .door(registry)
        .deadline_facts()
        .await?
        .into_iter()
        .filter(|f| user.reads(f.county.as_str()))
        .collect();
    let sanctions: Vec<serde_json::Value> = user
        .door(registry)
        .sanctions()
        .await?
        .into_iter()
        .filter(|s| user.reads(county_field(s)))
        .collect();
    let applied: std::collections::BTreeSet<&str> = sanctions
        .iter()
        .filter_map(|s| s.get("key").and_then(serde_json::Value::as_str))
        .collect();
    let pending = scan(as_of, &registry.profile, &facts)
        .into_iter()
        .filter(|s| !applied.contains(s.key.as_str()))
        .map(|s| serde_json::to_value(&s).unwrap_or_default())
        .collect();
    let obligations = user
        .door(registry)
        .obligations()
        .await?
        .into_iter()
        .filter(|o| user.reads(county_field(o)))
        .collect();
    let suspended = user
        .door(registry)
        .suspended_counties()
        .await?
        .into_iter()
        .filter(|c| user.reads(c.as_str()))
        .map(|c| c.to_string())
        .collect();
    Ok(SupervisionView {
        as_of: day(as_of),
        deadlines: open_deadlines(&registry.profile, &facts, as_of),
        pending_sanctions: pending,
        sanctions,
        obligations,
        suspended,
    })
}

#[cfg(test)]
mod tests {
    use guagou_domain::DivisionCode;
    use guagou_domain::lifecycle::ProjectState;
    use guagou_domain::sanctions::AdvanceFact;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn facts() -> ProjectFacts {
        ProjectFacts {
            code: "P1".into(),
            county: DivisionCode::parse("511722").unwrap_or_else(|e| panic!("{e}")),
            state: ProjectState::Implementing,
            approved_on: Some(d(2018, 6, 15)),
            accepted_on: None,
            acceptance_applied_on: None,
            extended_to: None,
            advances: vec![AdvanceFact {
                seq: 9,
                amount_m2: 30_000,
                effective: d(2018, 7, 10),
            }],
            issued_m2: None,
            outstanding_m2: 30_000,
        }
    }

    /// 民法典 art. 201: an advance of 2018-07-10 is due on 2019-07-10 (the day of the advance
    /// is not counted), overdue from 2019-07-11; the completion of a project that took an
    /// advance, approved on 2018-06-15, is due on 2021-06-15 and binding.
    #[test]
    fn the_last_valid_day_is_not_overdue() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let items = open_deadlines(&profile, &[facts()], d(2019, 7, 10));
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind, "advance_repayment");
        assert_eq!(items[0].due_on, "2019-07-10");
        assert!(!items[0].overdue);
        assert_eq!(items[0].days_left, 0);
        assert_eq!(items[0].entry, Some(9));
        assert_eq!(items[1].kind, "completion");
        assert_eq!(items[1].due_on, "2021-06-15");
        assert!(items[1].binding);
        let later = open_deadlines(&profile, &[facts()], d(2019, 7, 11));
        assert!(later[0].overdue);
        assert_eq!(later[0].days_left, -1);
    }

    /// A project without an advance: its completion period is shown, not binding, never
    /// overdue; a granted extension moves it. An application in time takes it off the list.
    #[test]
    fn completion_without_an_advance_is_not_binding() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let mut plain = facts();
        plain.advances.clear();
        plain.outstanding_m2 = 0;
        let items = open_deadlines(&profile, std::slice::from_ref(&plain), d(2022, 1, 1));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].due_on, "2021-06-15");
        assert!(!items[0].binding && !items[0].overdue);
        assert!(items[0].kind_label().pair().0.contains("可申请延期"));
        plain.extended_to = Some(d(2022, 6, 30));
        let items = open_deadlines(&profile, std::slice::from_ref(&plain), d(2022, 1, 1));
        assert_eq!(items[0].due_on, "2022-06-30");
        assert!(items[0].extended);
        plain.acceptance_applied_on = Some(d(2022, 6, 30));
        assert!(open_deadlines(&profile, &[plain], d(2022, 7, 1)).is_empty());
    }

    /// An acceptance application by the advance's due date stops its clock while pending.
    #[test]
    fn a_pending_application_in_time_is_not_overdue() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let mut applied = facts();
        applied.state = ProjectState::AcceptanceApplied;
        applied.acceptance_applied_on = Some(d(2019, 7, 10));
        let items = open_deadlines(&profile, &[applied], d(2019, 9, 1));
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(items[0].awaiting_acceptance);
        assert!(!items[0].overdue);
    }

    /// A shortfall left after acceptance is due on its advance's own date (二(四)), not on
    /// the acceptance; a settled advance has no deadline.
    #[test]
    fn an_issue_settles_advances_and_a_shortfall_is_due_on_the_advance_date() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let accepted = ProjectFacts {
            state: ProjectState::Accepted,
            accepted_on: Some(d(2019, 6, 20)),
            issued_m2: Some(20_000),
            outstanding_m2: 10_000,
            ..facts()
        };
        let items = open_deadlines(&profile, std::slice::from_ref(&accepted), d(2019, 6, 20));
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].kind, "advance_shortfall");
        assert_eq!(items[0].amount_m2, 10_000);
        assert_eq!(items[0].due_on, items_due(&profile));
        assert!(!items[0].overdue);
        let later = open_deadlines(&profile, std::slice::from_ref(&accepted), d(2019, 7, 11));
        assert!(later[0].overdue);
        let repaid = ProjectFacts {
            outstanding_m2: 0,
            ..accepted
        };
        assert!(open_deadlines(&profile, &[repaid], d(2019, 7, 10)).is_empty());
    }

    fn items_due(profile: &Profile) -> String {
        guagou_domain::sanctions::advance_due(profile, d(2018, 7, 10))
            .map(day)
            .unwrap_or_default()
    }
}
