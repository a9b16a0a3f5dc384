//! The rule table (SPEC §6): stable IDs, severities, clauses, and every rule message in Chinese
//! and English. Rule messages come only from here.
//!
//! Message templates use `{measured}`, `{limit}` and `{detail}`; `check` fills them in. No text
//! of the table states a figure of the policy (5—30 公顷, 50 m², 30%, 1 年, 3 年…): those are
//! the profile's, so the table's titles are names, and [`title_zh`] / [`title_en`] add the
//! figures of the profile in force (another city's profile prints its own).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::profile::Profile;
use crate::units::SquareMetres;

/// Stable rule IDs. The serialized form (`DEMOLITION_AREA_RANGE`) never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleId {
    PlanApproved,
    PlanCoversPoorVillages,
    PlanConsulted,
    SurveyDone,
    DemolitionSingleTownship,
    DemolitionAreaRange,
    ResettlementPerCapita,
    ResettlementAdjacent,
    NoDoubleCounting,
    DemolitionIsConstructionLand,
    ReclaimedIsFarmland,
    RelocationHouseholdsCovered,
    HouseholdConsent,
    AdvanceLimit,
    AdvanceNotSuspended,
    AdvanceRepaid,
    CompletionDeadline,
    LocalNeedsFirst,
    TransferPriceFloor,
    OperationalLandUsesQuota,
    AdjustmentOnceAYear,
    // 三区三线 screening (issue 19): national sources, no SPEC clause (crate::protection).
    ResettlementNotOnPermanentFarmland,
    ConstructionNotOnPermanentFarmland,
    ResettlementNotInEcologicalRedline,
    ConstructionNotInEcologicalRedline,
    ResettlementOutsideUrbanBoundary,
    DemolitionInEcologicalRedline,
}

/// `error` blocks the step; `warning` needs a stored written justification; `sanction` triggers
/// the consequences of SPEC §8; `information` is reported and asks for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Sanction,
    Information,
}

impl Severity {
    /// Every variant (names and pickers walk them).
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::Warning,
        Severity::Sanction,
        Severity::Information,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Sanction => "处罚",
            Severity::Information => "提示",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Sanction => "sanction",
            Severity::Information => "information",
        }
    }
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDef {
    pub id: RuleId,
    pub severity: Severity,
    /// The clause of the policy (seed text) the rule comes from.
    pub clause: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub pass_zh: &'static str,
    pub pass_en: &'static str,
    pub fail_zh: &'static str,
    pub fail_en: &'static str,
}

macro_rules! rule {
    ($id:ident, $sev:ident, $clause:expr, $tzh:expr, $ten:expr,
     pass: $pzh:expr, $pen:expr, fail: $fzh:expr, $fen:expr) => {
        RuleDef {
            id: RuleId::$id,
            severity: Severity::$sev,
            clause: $clause,
            title_zh: $tzh,
            title_en: $ten,
            pass_zh: $pzh,
            pass_en: $pen,
            fail_zh: $fzh,
            fail_en: $fen,
        }
    };
}

/// The whole table, in SPEC order.
pub const RULES: &[RuleDef] = &[
    rule!(PlanApproved, Error, "二(一)", "专项规划已批准", "special plan approved",
        pass: "县级增减挂钩专项规划已经市局批准并备案，覆盖项目区所在村", "the county special plan is approved by the city, filed, and covers the project's villages",
        fail: "项目区所在县没有经批准并备案、覆盖项目区所在村的专项规划：{detail}", "no approved and filed special plan covers the project's villages: {detail}"),
    rule!(PlanCoversPoorVillages, Error, "二(一)", "规划覆盖贫困村", "plan covers poor villages",
        pass: "专项规划范围包含全部贫困村和易地扶贫搬迁村", "the plan's scope includes every poor village and relocation village",
        fail: "专项规划范围缺少 {measured} 个贫困村或易地扶贫搬迁村", "the plan's scope misses {measured} poor or relocation villages"),
    rule!(PlanConsulted, Error, "二(一)", "规划已征求部门意见", "plan consulted",
        pass: "已取得全部 {limit} 个部门的意见", "opinions from all {limit} departments are on file",
        fail: "尚缺 {measured} 个部门的意见：{detail}", "{measured} department opinions missing: {detail}"),
    rule!(SurveyDone, Error, "二(一)", "已开展潜力调查和意愿调查", "surveys done",
        pass: "整治潜力调查和农户意愿调查均已完成", "the potential survey and the household willingness survey are done",
        fail: "申报前须完成整治潜力调查和农户意愿调查：{detail}", "both surveys must be done before submission: {detail}"),
    rule!(DemolitionSingleTownship, Error, "二(一)", "拆旧区乡镇数", "demolition townships",
        pass: "拆旧地块位于 {measured} 个乡镇（上限 {limit}）", "demolition parcels lie in {measured} township(s) (limit {limit})",
        fail: "拆旧地块涉及 {measured} 个乡镇，超过上限 {limit}：{detail}", "demolition parcels lie in {measured} townships, more than {limit}: {detail}"),
    rule!(DemolitionAreaRange, Error, "二(一)", "拆旧区规模", "demolition area range",
        pass: "拆旧区面积 {measured}，在 {limit} 之内", "demolition area {measured} is within {limit}",
        fail: "拆旧区面积 {measured}，不在 {limit} 之内", "demolition area {measured} is outside {limit}"),
    rule!(ResettlementPerCapita, Error, "二(一)", "安置区人均综合用地", "resettlement land per person",
        pass: "安置区人均综合用地 {measured}，不小于 {limit}", "resettlement land per person {measured} is at least {limit}",
        fail: "安置区人均综合用地 {measured}，小于 {limit}：{detail}", "resettlement land per person {measured} is below {limit}: {detail}"),
    rule!(ResettlementAdjacent, Warning, "二(一)", "安置区原则与拆旧地块临近", "resettlement near demolition",
        pass: "各安置区距所服务拆旧地块最远 {measured}，不超过 {limit}", "every resettlement site is within {limit} of its demolition parcels (farthest {measured})",
        fail: "安置区距所服务拆旧地块 {measured}，超过 {limit}：{detail}", "resettlement site is {measured} from its demolition parcels, more than {limit}: {detail}"),
    rule!(NoDoubleCounting, Error, "二(二) 封闭运行, 二(七)", "拆旧地块不重复计算", "no double counting",
        pass: "拆旧地块与其他在建项目地块无重叠（容差 {limit}）", "no demolition parcel overlaps another live project (tolerance {limit})",
        fail: "拆旧地块与其他项目地块重叠共 {measured}（容差 {limit}）：{detail}", "demolition parcels overlap other projects' parcels by {measured} (tolerance {limit}): {detail}"),
    rule!(DemolitionIsConstructionLand, Error, "二(七) 合法性", "拆旧地块为农村建设用地", "demolition is rural construction land",
        pass: "各拆旧地块农村建设用地占比不低于 {limit}（最低 {measured}）", "every demolition parcel is at least {limit} rural construction land (lowest {measured})",
        fail: "拆旧地块农村建设用地占比最低 {measured}，低于 {limit}：{detail}", "demolition parcels with rural construction-land share below {limit} (lowest {measured}): {detail}"),
    rule!(ReclaimedIsFarmland, Error, "二(七), 三(一)", "复垦地块为耕地", "reclaimed is farmland",
        pass: "复垦地块在更新后的调查中为耕地（最低 {measured}）", "reclaimed parcels are farmland in the updated survey (lowest {measured})",
        fail: "复垦地块耕地占比最低 {measured}，低于 {limit}：{detail}", "reclaimed parcels with farmland share below {limit} (lowest {measured}): {detail}"),
    rule!(RelocationHouseholdsCovered, Warning, "二(二)", "易地扶贫搬迁户纳入拆旧区", "relocation households covered",
        pass: "项目区所在村的 {limit} 户易地扶贫搬迁户全部纳入拆旧区", "all {limit} relocation households of the project's villages are in the demolition zone",
        fail: "有 {measured} 户易地扶贫搬迁户未纳入拆旧区：{detail}", "{measured} relocation households are not in the demolition zone: {detail}"),
    rule!(HouseholdConsent, Error, "二(七)", "拆迁农户同意并自主选择安置方式", "household consent",
        pass: "{limit} 户拆迁农户均已同意并选择安置方式", "all {limit} demolished households consented and chose a resettlement method",
        fail: "有 {measured} 户拆迁农户未同意或未选择安置方式：{detail}", "{measured} demolished households did not consent or chose no resettlement method: {detail}"),
    rule!(AdvanceLimit, Error, "二(四)", "预支比例", "advance limit",
        pass: "预支合计 {measured}，不超过 {limit}", "advances total {measured}, within {limit}",
        fail: "预支合计 {measured}，超过 {limit}", "advances total {measured}, above {limit}"),
    rule!(AdvanceNotSuspended, Error, "二(四)", "预支政策未被暂停", "advance right not suspended",
        pass: "该县预支政策未被暂停", "the county's advance right is not suspended",
        fail: "该县因未按时归还预支指标已被暂停预支政策：{detail}", "the county's advance right is suspended for an unrepaid advance: {detail}"),
    rule!(AdvanceRepaid, Sanction, "二(四)", "预支指标按期验收归还", "advance repaid in time",
        pass: "预支指标已按期归还", "the advance was repaid in time",
        fail: "预支指标 {measured} 未在 {limit} 前验收归还：暂停预支政策，扣减年度计划指标，履行占补平衡义务并补齐税费", "advance of {measured} not repaid by {limit}: advance right suspended, annual plan quota deducted, farmland balance and taxes owed"),
    rule!(CompletionDeadline, Sanction, "二(四)", "预支指标项目按期实施完成", "completion deadline",
        pass: "预支指标项目在期限 {limit} 内申请验收", "the project that took an advance applied for acceptance by {limit}",
        fail: "预支指标项目须在 {limit} 前实施完成（申请验收），不得延期：{detail}", "a project that took an advance must be completed (acceptance applied for) by {limit}; no extension: {detail}"),
    rule!(LocalNeedsFirst, Error, "二(三)", "优先保障本地需求", "local needs first",
        pass: "挂牌量 {measured} 不超过预留本地需求后的可用量 {limit}", "listed amount {measured} is within what remains after local reserves ({limit})",
        fail: "挂牌量 {measured} 超过预留本地需求后的可用量 {limit}", "listed amount {measured} exceeds what remains after local reserves ({limit})"),
    rule!(TransferPriceFloor, Error, "二(三)", "流转价格不低于省指导价", "transfer price floor",
        pass: "协议价格 {measured} 不低于当年指导价 {limit}", "agreement price {measured} is at least the guide price {limit}",
        fail: "协议价格 {measured} 低于当年指导价 {limit}", "agreement price {measured} is below the guide price {limit}"),
    rule!(OperationalLandUsesQuota, Error, "二(五)", "经营性用地使用节余指标", "operational land uses surplus quota",
        pass: "经营性用地由增减挂钩节余指标保障", "operational land is backed by surplus quota",
        fail: "经营性用地不得使用土地利用年度计划指标：{detail}", "operational land may not use annual plan quota: {detail}"),
    rule!(AdjustmentOnceAYear, Error, "二(七)", "规划调整次数", "planning adjustments a year",
        pass: "本年度第 {measured} 次调整申请（上限 {limit}）", "adjustment application {measured} of at most {limit} this year",
        fail: "本年度已提出 {measured} 次调整申请，超过上限 {limit}", "{measured} adjustment applications this year, more than {limit}"),
    rule!(ResettlementNotOnPermanentFarmland, Error, "八不准; 自然资发〔2020〕128号", "安置区不占永久基本农田", "resettlement not on permanent farmland",
        pass: "各安置区与永久基本农田重叠不超过容差 {limit}", "no resettlement site overlaps permanent basic farmland by more than {limit}",
        fail: "安置区占用永久基本农田共 {measured}（容差 {limit}）：{detail}", "resettlement sites overlap permanent basic farmland by {measured} (tolerance {limit}): {detail}"),
    rule!(ConstructionNotOnPermanentFarmland, Error, "八不准; 三区三线划定规则", "建新地块不占永久基本农田", "construction not on permanent farmland",
        pass: "各建新地块与永久基本农田重叠不超过容差 {limit}", "no construction-zone parcel overlaps permanent basic farmland by more than {limit}",
        fail: "建新地块占用永久基本农田共 {measured}（容差 {limit}）：{detail}", "construction-zone parcels overlap permanent basic farmland by {measured} (tolerance {limit}): {detail}"),
    rule!(ResettlementNotInEcologicalRedline, Error, "三区三线划定规则", "安置区不在生态保护红线内", "resettlement not in the ecological red line",
        pass: "各安置区与生态保护红线重叠不超过容差 {limit}", "no resettlement site overlaps the ecological protection red line by more than {limit}",
        fail: "安置区位于生态保护红线内共 {measured}（容差 {limit}）：{detail}", "resettlement sites lie inside the ecological protection red line by {measured} (tolerance {limit}): {detail}"),
    rule!(ConstructionNotInEcologicalRedline, Error, "三区三线划定规则", "建新地块不在生态保护红线内", "construction not in the ecological red line",
        pass: "各建新地块与生态保护红线重叠不超过容差 {limit}", "no construction-zone parcel overlaps the ecological protection red line by more than {limit}",
        fail: "建新地块位于生态保护红线内共 {measured}（容差 {limit}）：{detail}", "construction-zone parcels lie inside the ecological protection red line by {measured} (tolerance {limit}): {detail}"),
    rule!(ResettlementOutsideUrbanBoundary, Warning, "自然资发〔2020〕128号; 三区三线划定规则", "安置区在城镇开发边界外", "resettlement outside the urban boundary",
        pass: "各安置区位于城镇开发边界外（容差 {limit}）", "every resettlement site lies outside the urban development boundary (tolerance {limit})",
        fail: "安置区位于城镇开发边界内共 {measured}（容差 {limit}），须书面说明理由：{detail}", "resettlement sites lie inside the urban development boundary by {measured} (tolerance {limit}); a written justification is needed: {detail}"),
    rule!(DemolitionInEcologicalRedline, Information, "三区三线划定规则", "拆旧地块位于生态保护红线内", "demolition in the ecological red line",
        pass: "没有拆旧地块位于生态保护红线内（容差 {limit}）", "no demolition parcel lies inside the ecological protection red line (tolerance {limit})",
        fail: "拆旧地块位于生态保护红线内共 {measured}，复垦方向可能为生态用地而非耕地：{detail}", "demolition parcels lie inside the ecological protection red line by {measured}; their reclamation may be to ecological land rather than farmland: {detail}"),
];

/// What a rule says when it does not apply to a package (SPEC §6: RESETTLEMENT_PER_CAPITA "not
/// applicable when nobody chose concentrated resettlement"): reported, passed, never an error.
pub const NOT_APPLICABLE: &[(RuleId, &str, &str)] = &[(
    RuleId::ResettlementPerCapita,
    "不适用：没有农户选择集中安置（由群众自主选择安置方式）：{detail}",
    "not applicable: no household chose concentrated resettlement (households choose their resettlement): {detail}",
)];

impl RuleId {
    /// The "not applicable" message of this rule, if it can be not applicable.
    pub fn not_applicable_text(self) -> Option<(&'static str, &'static str)> {
        NOT_APPLICABLE
            .iter()
            .find(|(id, _, _)| *id == self)
            .map(|(_, zh, en)| (*zh, *en))
    }

    /// This rule's row of the table.
    pub fn def(self) -> &'static RuleDef {
        // Every RuleId has exactly one row; the test below keeps it that way.
        RULES.iter().find(|r| r.id == self).unwrap_or(&RULES[0])
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::PlanApproved => "PLAN_APPROVED",
            RuleId::PlanCoversPoorVillages => "PLAN_COVERS_POOR_VILLAGES",
            RuleId::PlanConsulted => "PLAN_CONSULTED",
            RuleId::SurveyDone => "SURVEY_DONE",
            RuleId::DemolitionSingleTownship => "DEMOLITION_SINGLE_TOWNSHIP",
            RuleId::DemolitionAreaRange => "DEMOLITION_AREA_RANGE",
            RuleId::ResettlementPerCapita => "RESETTLEMENT_PER_CAPITA",
            RuleId::ResettlementAdjacent => "RESETTLEMENT_ADJACENT",
            RuleId::NoDoubleCounting => "NO_DOUBLE_COUNTING",
            RuleId::DemolitionIsConstructionLand => "DEMOLITION_IS_CONSTRUCTION_LAND",
            RuleId::ReclaimedIsFarmland => "RECLAIMED_IS_FARMLAND",
            RuleId::RelocationHouseholdsCovered => "RELOCATION_HOUSEHOLDS_COVERED",
            RuleId::HouseholdConsent => "HOUSEHOLD_CONSENT",
            RuleId::AdvanceLimit => "ADVANCE_LIMIT",
            RuleId::AdvanceNotSuspended => "ADVANCE_NOT_SUSPENDED",
            RuleId::AdvanceRepaid => "ADVANCE_REPAID",
            RuleId::CompletionDeadline => "COMPLETION_DEADLINE",
            RuleId::LocalNeedsFirst => "LOCAL_NEEDS_FIRST",
            RuleId::TransferPriceFloor => "TRANSFER_PRICE_FLOOR",
            RuleId::OperationalLandUsesQuota => "OPERATIONAL_LAND_USES_QUOTA",
            RuleId::AdjustmentOnceAYear => "ADJUSTMENT_ONCE_A_YEAR",
            RuleId::ResettlementNotOnPermanentFarmland => "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND",
            RuleId::ConstructionNotOnPermanentFarmland => "CONSTRUCTION_NOT_ON_PERMANENT_FARMLAND",
            RuleId::ResettlementNotInEcologicalRedline => "RESETTLEMENT_NOT_IN_ECOLOGICAL_REDLINE",
            RuleId::ConstructionNotInEcologicalRedline => "CONSTRUCTION_NOT_IN_ECOLOGICAL_REDLINE",
            RuleId::ResettlementOutsideUrbanBoundary => "RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY",
            RuleId::DemolitionInEcologicalRedline => "DEMOLITION_IN_ECOLOGICAL_REDLINE",
        }
    }

    pub fn parse(text: &str) -> Option<RuleId> {
        RULES.iter().map(|r| r.id).find(|id| id.as_str() == text)
    }
}

/// The rule's title with the profile's figures: "拆旧区规模（5—30 公顷）".
pub fn title_zh(profile: &Profile, rule: RuleId) -> String {
    let name = rule.def().title_zh;
    match profile_figures(profile, rule) {
        Some((zh, _)) => format!("{name}（{zh}）"),
        None => name.to_owned(),
    }
}

/// The rule's title with the profile's figures: "demolition area range (5–30 ha)".
pub fn title_en(profile: &Profile, rule: RuleId) -> String {
    let name = rule.def().title_en;
    match profile_figures(profile, rule) {
        Some((_, en)) => format!("{name} ({en})"),
        None => name.to_owned(),
    }
}

/// Hectares without trailing zeros: 50 000 m² → "5", 12 345 m² → "1.2345".
fn hectares(m2: i64) -> String {
    let text = SquareMetres(m2).hectares_text();
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A share as a percentage without trailing zeros: 0.3 → "30%", 0.125 → "12.5%".
fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// What the profile sets for a rule, in Chinese and English (`None`: the rule has no figure).
pub fn profile_figures(profile: &Profile, rule: RuleId) -> Option<(String, String)> {
    let p = profile;
    Some(match rule {
        RuleId::DemolitionSingleTownship => {
            let n = p.demolition.max_townships.value;
            (
                format!("不超过 {n} 个乡镇"),
                format!("at most {n} township(s)"),
            )
        }
        RuleId::DemolitionAreaRange => {
            let min = hectares(p.demolition.min_total_area_m2.value);
            let max = hectares(p.demolition.max_total_area_m2.value);
            (format!("{min}—{max} 公顷"), format!("{min}–{max} ha"))
        }
        RuleId::ResettlementPerCapita => {
            let m2 = p.resettlement.min_m2_per_person.value;
            (
                format!("不小于 {m2} m²/人"),
                format!("at least {m2} m² per person"),
            )
        }
        RuleId::ResettlementAdjacent => {
            let m = p.resettlement.max_distance_m.value;
            (
                format!("原则上不超过 {m} 米"),
                format!("within {m} m in principle"),
            )
        }
        RuleId::AdvanceLimit => {
            let share = percent(p.advance.max_share.value);
            (
                format!("不超过规划节余指标的 {share}"),
                format!("at most {share} of the planned surplus"),
            )
        }
        RuleId::AdvanceRepaid => {
            let n = p.advance.repay_within_years.value;
            (
                format!("预支后 {n} 年内验收归还"),
                format!("repaid by acceptance within {n} year(s)"),
            )
        }
        RuleId::CompletionDeadline => {
            let n = p.completion.within_years.value;
            let (zh, en) = if p.completion.extension_allowed.value {
                ("", "")
            } else {
                ("，不得延期", "; no extension")
            };
            (
                format!("立项后 {n} 年内实施完成{zh}"),
                format!("completed within {n} year(s) of approval{en}"),
            )
        }
        RuleId::AdjustmentOnceAYear => {
            let n = p.adjustment.max_per_county_per_year.value;
            (
                format!("每县每年至多 {n} 次"),
                format!("at most {n} a year per county"),
            )
        }
        RuleId::PlanConsulted => {
            let departments = &p.consultation.departments.value;
            (
                format!("{} 个部门：{}", departments.len(), departments.join("、")),
                format!(
                    "{} departments: {}",
                    departments.len(),
                    departments.join(", ")
                ),
            )
        }
        RuleId::OperationalLandUsesQuota => {
            let labels = p
                .operational_land
                .land_uses
                .value
                .iter()
                .map(|u| crate::report::land_use_label(*u));
            let (zh, en): (Vec<&str>, Vec<&str>) = labels.unzip();
            (zh.join("、"), en.join(", "))
        }
        RuleId::DemolitionIsConstructionLand => {
            let share = percent(p.demolition.min_construction_share.value);
            (
                format!("农村建设用地占比不低于 {share}"),
                format!("at least {share} rural construction land"),
            )
        }
        RuleId::ReclaimedIsFarmland => {
            let share = percent(p.demolition.min_farmland_share.value);
            let supporting = percent(p.land_use.max_supporting_share.value);
            (
                format!("耕地占比不低于 {share}，配套地类计入不超过 {supporting}"),
                format!(
                    "at least {share} farmland, supporting classes counting up to {supporting}"
                ),
            )
        }
        RuleId::NoDoubleCounting => {
            let m2 = p.demolition.double_counting_tolerance_m2.value;
            (format!("容差 {m2} m²"), format!("tolerance {m2} m²"))
        }
        RuleId::ResettlementNotOnPermanentFarmland
        | RuleId::ConstructionNotOnPermanentFarmland
        | RuleId::ResettlementNotInEcologicalRedline
        | RuleId::ConstructionNotInEcologicalRedline
        | RuleId::ResettlementOutsideUrbanBoundary
        | RuleId::DemolitionInEcologicalRedline => {
            let m2 = crate::protection::tolerance_of(p, rule)?.value;
            (format!("容差 {m2} m²"), format!("tolerance {m2} m²"))
        }
        _ => return None,
    })
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_rule_once_with_the_spec_ids() {
        let spec_ids = [
            "PLAN_APPROVED",
            "PLAN_COVERS_POOR_VILLAGES",
            "PLAN_CONSULTED",
            "SURVEY_DONE",
            "DEMOLITION_SINGLE_TOWNSHIP",
            "DEMOLITION_AREA_RANGE",
            "RESETTLEMENT_PER_CAPITA",
            "RESETTLEMENT_ADJACENT",
            "NO_DOUBLE_COUNTING",
            "DEMOLITION_IS_CONSTRUCTION_LAND",
            "RECLAIMED_IS_FARMLAND",
            "RELOCATION_HOUSEHOLDS_COVERED",
            "HOUSEHOLD_CONSENT",
            "ADVANCE_LIMIT",
            "ADVANCE_NOT_SUSPENDED",
            "ADVANCE_REPAID",
            "COMPLETION_DEADLINE",
            "LOCAL_NEEDS_FIRST",
            "TRANSFER_PRICE_FLOOR",
            "OPERATIONAL_LAND_USES_QUOTA",
            "ADJUSTMENT_ONCE_A_YEAR",
            "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND",
            "CONSTRUCTION_NOT_ON_PERMANENT_FARMLAND",
            "RESETTLEMENT_NOT_IN_ECOLOGICAL_REDLINE",
            "CONSTRUCTION_NOT_IN_ECOLOGICAL_REDLINE",
            "RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY",
            "DEMOLITION_IN_ECOLOGICAL_REDLINE",
        ];
        assert_eq!(RULES.len(), spec_ids.len());
        for (row, id) in RULES.iter().zip(spec_ids) {
            assert_eq!(row.id.as_str(), id);
            assert_eq!(RuleId::parse(id), Some(row.id));
            assert_eq!(row.id.def().id, row.id);
            let json = format!("\"{id}\"");
            assert_eq!(
                serde_json::to_string(&row.id).ok().as_deref(),
                Some(json.as_str())
            );
        }
    }

    #[test]
    fn severities_follow_the_spec() {
        assert_eq!(
            RuleId::ResettlementAdjacent.def().severity,
            Severity::Warning
        );
        assert_eq!(
            RuleId::RelocationHouseholdsCovered.def().severity,
            Severity::Warning
        );
        assert_eq!(RuleId::AdvanceRepaid.def().severity, Severity::Sanction);
        assert_eq!(
            RuleId::CompletionDeadline.def().severity,
            Severity::Sanction
        );
        assert_eq!(RuleId::DemolitionAreaRange.def().severity, Severity::Error);
    }

    /// Whether `text` states a figure (a digit, or 一年 and the like): the table may not.
    fn states_a_figure(text: &str) -> bool {
        let without_placeholders = text
            .replace("{measured}", "")
            .replace("{limit}", "")
            .replace("{detail}", "");
        without_placeholders.chars().any(|c| c.is_ascii_digit())
            || ["一年", "一个", "一次"]
                .iter()
                .any(|w| without_placeholders.contains(w))
    }

    #[test]
    fn no_text_of_the_table_states_a_figure_of_the_policy() {
        for row in RULES {
            for text in [
                row.title_zh,
                row.title_en,
                row.pass_zh,
                row.pass_en,
                row.fail_zh,
                row.fail_en,
            ] {
                assert!(!states_a_figure(text), "{}: {text}", row.id);
            }
        }
    }

    #[test]
    fn titles_carry_the_figures_of_the_profile_in_force() -> Result<(), crate::profile::ProfileError>
    {
        let dazhou = Profile::dazhou_2017()?;
        let t = |id| (title_zh(&dazhou, id), title_en(&dazhou, id));
        assert_eq!(t(RuleId::DemolitionAreaRange).0, "拆旧区规模（5—30 公顷）");
        assert_eq!(
            t(RuleId::DemolitionAreaRange).1,
            "demolition area range (5–30 ha)"
        );
        assert_eq!(
            t(RuleId::ResettlementPerCapita).0,
            "安置区人均综合用地（不小于 50 m²/人）"
        );
        assert_eq!(
            t(RuleId::AdvanceLimit).0,
            "预支比例（不超过规划节余指标的 30%）"
        );
        assert_eq!(
            t(RuleId::AdvanceRepaid).0,
            "预支指标按期验收归还（预支后 1 年内验收归还）"
        );
        assert_eq!(
            t(RuleId::CompletionDeadline).0,
            "预支指标项目按期实施完成（立项后 3 年内实施完成，不得延期）"
        );
        assert_eq!(
            t(RuleId::DemolitionSingleTownship).0,
            "拆旧区乡镇数（不超过 1 个乡镇）"
        );
        assert_eq!(
            t(RuleId::AdjustmentOnceAYear).0,
            "规划调整次数（每县每年至多 1 次）"
        );
        assert!(
            t(RuleId::OperationalLandUsesQuota)
                .0
                .contains("商业、旅游、娱乐、商品住宅")
        );
        assert!(t(RuleId::PlanConsulted).0.contains("10 个部门"));
        assert_eq!(
            t(RuleId::HouseholdConsent).0,
            "拆迁农户同意并自主选择安置方式"
        );
        // Another city's profile: its own figures, no code change.
        let mut other = dazhou.clone();
        other.demolition.min_total_area_m2.value = 30_000;
        other.demolition.max_total_area_m2.value = 200_000;
        other.resettlement.min_m2_per_person.value = 40.0;
        other.advance.max_share.value = 0.2;
        other.advance.repay_within_years.value = 2;
        other.completion.within_years.value = 4;
        other.completion.extension_allowed.value = true;
        other.adjustment.max_per_county_per_year.value = 2;
        let t = |id| title_zh(&other, id);
        assert_eq!(t(RuleId::DemolitionAreaRange), "拆旧区规模（3—20 公顷）");
        assert_eq!(
            t(RuleId::ResettlementPerCapita),
            "安置区人均综合用地（不小于 40 m²/人）"
        );
        assert_eq!(
            t(RuleId::AdvanceLimit),
            "预支比例（不超过规划节余指标的 20%）"
        );
        assert_eq!(
            t(RuleId::AdvanceRepaid),
            "预支指标按期验收归还（预支后 2 年内验收归还）"
        );
        assert_eq!(
            t(RuleId::CompletionDeadline),
            "预支指标项目按期实施完成（立项后 4 年内实施完成）"
        );
        assert_eq!(
            t(RuleId::AdjustmentOnceAYear),
            "规划调整次数（每县每年至多 2 次）"
        );
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(hectares(12_345), "1.2345");
        Ok(())
    }
}
