//! Rules checked by the registry (not by the package check): special plans, planning approval
//! of projects, land supply and planning adjustments. Each returns a SPEC §6 `RuleResult`.

use crate::check::{Quantity, RuleResult, Subject, SubjectKind, verdict};
use crate::division::DivisionCode;
use crate::ledger::LandUse;
use crate::lifecycle::PlanState;
use crate::profile::Profile;
use crate::rules::RuleId;

/// PLAN_CONSULTED: an opinion from every consultation department of the profile.
pub fn plan_consulted(profile: &Profile, departments_with_opinion: &[String]) -> RuleResult {
    let rule = RuleId::PlanConsulted;
    let required = &profile.consultation.departments;
    let missing: Vec<Subject> = required
        .value
        .iter()
        .filter(|d| !departments_with_opinion.contains(d))
        .map(|d| Subject::new(SubjectKind::Department, d.as_str()))
        .collect();
    let measured = Quantity::Count(missing.len() as u64);
    verdict(
        rule,
        &required.clause,
        missing.is_empty(),
        measured,
        Quantity::Count(required.value.len() as u64),
        missing,
    )
}

/// PLAN_COVERS_POOR_VILLAGES: the plan's scope includes every poor and relocation village.
pub fn plan_covers_poor_villages(
    scope: &[DivisionCode],
    poor_or_relocation_villages: &[DivisionCode],
) -> RuleResult {
    let rule = RuleId::PlanCoversPoorVillages;
    let missing: Vec<Subject> = poor_or_relocation_villages
        .iter()
        .filter(|v| !scope.contains(v))
        .map(|v| Subject::new(SubjectKind::Village, v.as_str()))
        .collect();
    let measured = Quantity::Count(missing.len() as u64);
    let limit = Quantity::Count(poor_or_relocation_villages.len() as u64);
    verdict(
        rule,
        rule.def().clause,
        missing.is_empty(),
        measured,
        limit,
        missing,
    )
}

/// A special plan as PLAN_APPROVED sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInForce {
    pub id: String,
    pub state: PlanState,
    pub scope: Vec<DivisionCode>,
}

/// PLAN_APPROVED: an approved and filed plan of the county covers every village of the project.
pub fn plan_approved(plans: &[PlanInForce], project_villages: &[DivisionCode]) -> RuleResult {
    let rule = RuleId::PlanApproved;
    let in_force: Vec<&PlanInForce> = plans.iter().filter(|p| p.state.in_force()).collect();
    let uncovered: Vec<Subject> = project_villages
        .iter()
        .filter(|v| !in_force.iter().any(|p| p.scope.contains(v)))
        .map(|v| {
            Subject::new(SubjectKind::Village, v.as_str()).detail(
                "不在已批准并备案的专项规划范围内",
                "not in an approved and filed special plan",
            )
        })
        .collect();
    let mut subjects = uncovered;
    if in_force.is_empty() {
        subjects.insert(
            0,
            Subject::new(SubjectKind::Plan, "—").detail(
                "该县没有已批准并备案的专项规划",
                "the county has no approved and filed special plan",
            ),
        );
    }
    let passed = subjects.is_empty() && !project_villages.is_empty();
    if project_villages.is_empty() {
        subjects.push(
            Subject::new(SubjectKind::Project, "villages")
                .detail("项目未列出所在村", "the project lists no villages"),
        );
    }
    let measured = Quantity::Count(in_force.len() as u64);
    verdict(
        rule,
        rule.def().clause,
        passed,
        measured,
        Quantity::Count(1),
        subjects,
    )
}

/// What backs a land supply: the surplus quota (ledger `use`) or the annual plan quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backing {
    SurplusQuota,
    AnnualPlan,
}

/// OPERATIONAL_LAND_USES_QUOTA: land of an operational use (the profile's list: 二(五) 商业、旅游、
/// 娱乐和商品住宅等) is backed by surplus quota, never by annual plan quota.
pub fn operational_land_uses_quota(
    profile: &Profile,
    land_use: LandUse,
    backing: Backing,
    supply: &str,
) -> RuleResult {
    let rule = RuleId::OperationalLandUsesQuota;
    let operational = &profile.operational_land.land_uses;
    let passed = !(profile.operational_land.includes(land_use) && backing == Backing::AnnualPlan);
    let subjects = if passed {
        Vec::new()
    } else {
        let (use_zh, use_en) = crate::report::land_use_label(land_use);
        let (list_zh, list_en) = crate::rules::profile_figures(profile, rule).unwrap_or_default();
        vec![Subject::new(SubjectKind::Project, supply).detail(
            format!(
                "{use_zh}用地属经营性用地（{list_zh}，{}），使用了年度计划指标",
                operational.clause
            ),
            format!(
                "{use_en} land is operational land ({list_en}, {}) but is backed by annual plan quota",
                operational.clause
            ),
        )]
    };
    let measured = Quantity::Text(format!("{backing:?}"));
    verdict(
        rule,
        &operational.clause,
        passed,
        measured,
        Quantity::Text("SurplusQuota".into()),
        subjects,
    )
}

/// ADJUSTMENT_ONCE_A_YEAR: `applications_this_year` counts the new one too.
pub fn adjustment_once_a_year(
    profile: &Profile,
    county: &DivisionCode,
    applications_this_year: u32,
) -> RuleResult {
    let rule = RuleId::AdjustmentOnceAYear;
    let param = &profile.adjustment.max_per_county_per_year;
    let passed = applications_this_year <= param.value;
    let subjects = if passed {
        Vec::new()
    } else {
        vec![Subject::new(SubjectKind::Division, county.as_str())]
    };
    verdict(
        rule,
        &param.clause,
        passed,
        Quantity::Count(u64::from(applications_this_year)),
        Quantity::Count(u64::from(param.value)),
        subjects,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> DivisionCode {
        DivisionCode::parse(c).unwrap_or_else(|e| panic!("{e}"))
    }

    fn profile() -> Profile {
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn consultation_needs_every_department() {
        let p = profile();
        let all = p.consultation.departments.value.clone();
        assert!(plan_consulted(&p, &all).passed);
        let r = plan_consulted(&p, &all[1..]);
        assert!(!r.passed);
        assert_eq!(r.subjects[0].id, "市委农工委");
        assert_eq!(r.clause, "二(一)");
    }

    #[test]
    fn scope_and_approval() {
        let v1 = code("511722104201");
        let v2 = code("511722104202");
        assert!(
            plan_covers_poor_villages(&[v1.clone(), v2.clone()], std::slice::from_ref(&v2)).passed
        );
        assert!(
            !plan_covers_poor_villages(std::slice::from_ref(&v1), std::slice::from_ref(&v2)).passed
        );
        let approved = PlanInForce {
            id: "P".into(),
            state: PlanState::Approved,
            scope: vec![v1.clone()],
        };
        assert!(
            !plan_approved(std::slice::from_ref(&approved), std::slice::from_ref(&v1)).passed,
            "approved but not filed"
        );
        let filed = PlanInForce {
            state: PlanState::Filed,
            ..approved
        };
        assert!(plan_approved(std::slice::from_ref(&filed), std::slice::from_ref(&v1)).passed);
        assert!(!plan_approved(&[filed], &[v1, v2]).passed);
    }

    #[test]
    fn operational_land_and_adjustments() {
        let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let operational_land_uses_quota =
            |u, b, s| super::operational_land_uses_quota(&profile, u, b, s);
        assert!(
            !operational_land_uses_quota(LandUse::CommercialHousing, Backing::AnnualPlan, "S1")
                .passed
        );
        assert!(
            operational_land_uses_quota(LandUse::CommercialHousing, Backing::SurplusQuota, "S1")
                .passed
        );
        assert!(operational_land_uses_quota(LandUse::Industrial, Backing::AnnualPlan, "S1").passed);
        let refused = operational_land_uses_quota(LandUse::Tourism, Backing::AnnualPlan, "S1");
        assert!(
            refused.subjects[0].detail_zh.as_deref().is_some_and(
                |d| d.contains("旅游用地属经营性用地（商业、旅游、娱乐、商品住宅，二(五)）")
            ),
            "{refused:?}"
        );
        // "等": a profile that lists industrial land makes it operational, with no code change.
        let mut extended = profile.clone();
        extended
            .operational_land
            .land_uses
            .value
            .push(LandUse::Industrial);
        let industrial = super::operational_land_uses_quota(
            &extended,
            LandUse::Industrial,
            Backing::AnnualPlan,
            "S2",
        );
        assert!(!industrial.passed);
        assert!(
            industrial.message_zh.contains("工业用地属经营性用地"),
            "{}",
            industrial.message_zh
        );
        let p = &profile;
        assert!(adjustment_once_a_year(p, &code("511722"), 1).passed);
        assert!(!adjustment_once_a_year(p, &code("511722"), 2).passed);
    }
}
