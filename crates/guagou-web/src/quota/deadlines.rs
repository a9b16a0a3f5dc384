//! Deadlines as of a date (二(四)): each advance to repay within a year of the advance, the
//! shortfall found at acceptance, and each project to complete within three years of its
//! approval, with whether it is overdue. The supervision page, its API and the dashboard panel
//! read the same list, filtered by the user's jurisdiction. Pure apart from `supervision_view`,
//! which loads the facts.

use chrono::NaiveDate;
use guagou_domain::Profile;
use guagou_domain::lifecycle::ProjectState;
use guagou_domain::sanctions::{ProjectFacts, completion_deadline, open_advances, scan};
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
    pub overdue: bool,
    /// 距期限天数（逾期为负）/ days until the last valid day (negative when overdue)
    pub days_left: i64,
    /// 预支条目 / the advance entry, for an advance
    pub entry: Option<u64>,
}

impl DeadlineItem {
    /// The Chinese and English name of the kind.
    pub fn kind_label(&self) -> (&'static str, &'static str) {
        match self.kind.as_str() {
            "advance_repayment" => ("预支指标归还", "advance repayment"),
            "advance_shortfall" => ("验收后预支差额", "advance shortfall at acceptance"),
            _ => ("项目完成期限", "project completion"),
        }
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn item(
    kind: &str,
    facts: &ProjectFacts,
    amount_m2: i64,
    started: NaiveDate,
    due: NaiveDate,
    as_of: NaiveDate,
    entry: Option<u64>,
) -> DeadlineItem {
    DeadlineItem {
        kind: kind.to_owned(),
        project: facts.code.clone(),
        county: facts.county.to_string(),
        amount_m2,
        started_on: day(started),
        due_on: day(due),
        overdue: as_of > due,
        days_left: (due - as_of).num_days(),
        entry,
    }
}

/// Every open deadline of `projects` on `as_of`: what each advance still owes (before
/// acceptance, or as a shortfall after it, due on the advance's own date), and completions of
/// projects not yet accepted or ended.
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
            ));
        }
        let finished = matches!(
            facts.state,
            ProjectState::Accepted
                | ProjectState::Closed
                | ProjectState::Terminated
                | ProjectState::Withdrawn
        );
        if let (false, Some(approved)) = (finished, facts.approved_on)
            && let Some(due) = completion_deadline(profile, approved)
        {
            out.push(item("completion", facts, 0, approved, due, as_of, None));
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
            advances: vec![AdvanceFact {
                seq: 9,
                amount_m2: 30_000,
                effective: d(2018, 7, 10),
            }],
            issued_m2: None,
            outstanding_m2: 30_000,
        }
    }

    #[test]
    fn the_last_valid_day_is_not_overdue() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let items = open_deadlines(&profile, &[facts()], d(2019, 7, 9));
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind, "advance_repayment");
        assert_eq!(items[0].due_on, "2019-07-09");
        assert!(!items[0].overdue);
        assert_eq!(items[0].days_left, 0);
        assert_eq!(items[0].entry, Some(9));
        assert_eq!(items[1].kind, "completion");
        assert_eq!(items[1].due_on, "2021-06-14");
        let later = open_deadlines(&profile, &[facts()], d(2019, 7, 10));
        assert!(later[0].overdue);
        assert_eq!(later[0].days_left, -1);
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
        let later = open_deadlines(&profile, std::slice::from_ref(&accepted), d(2019, 7, 10));
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
