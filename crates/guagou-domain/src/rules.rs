//! The rule table (SPEC §6): stable IDs, severities, clauses, and every rule message in Chinese
//! and English. Rule messages come only from here.
//!
//! Message templates use `{measured}`, `{limit}` and `{detail}`; `check` fills them in.

use std::fmt;

use serde::{Deserialize, Serialize};

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
}

/// `error` blocks the step; `warning` needs a stored written justification; `sanction` triggers
/// the consequences of SPEC §8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Sanction,
}

impl Severity {
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Sanction => "处罚",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Sanction => "sanction",
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
    rule!(DemolitionSingleTownship, Error, "二(一)", "拆旧区控制在 1 个乡镇", "demolition in one township",
        pass: "拆旧地块位于 {measured} 个乡镇（上限 {limit}）", "demolition parcels lie in {measured} township(s) (limit {limit})",
        fail: "拆旧地块涉及 {measured} 个乡镇，超过上限 {limit}：{detail}", "demolition parcels lie in {measured} townships, more than {limit}: {detail}"),
    rule!(DemolitionAreaRange, Error, "二(一)", "拆旧区规模 5—30 公顷", "demolition area range",
        pass: "拆旧区面积 {measured}，在 {limit} 之内", "demolition area {measured} is within {limit}",
        fail: "拆旧区面积 {measured}，不在 {limit} 之内", "demolition area {measured} is outside {limit}"),
    rule!(ResettlementPerCapita, Error, "二(一)", "人均综合用地不小于 50 m²", "resettlement land per person",
        pass: "安置区人均综合用地 {measured}，不小于 {limit}", "resettlement land per person {measured} is at least {limit}",
        fail: "安置区人均综合用地 {measured}，小于 {limit}：{detail}", "resettlement land per person {measured} is below {limit}: {detail}"),
    rule!(ResettlementAdjacent, Warning, "二(一)", "安置区原则与拆旧地块临近", "resettlement near demolition",
        pass: "各安置区距所服务拆旧地块最远 {measured}，不超过 {limit}", "every resettlement site is within {limit} of its demolition parcels (farthest {measured})",
        fail: "安置区距所服务拆旧地块 {measured}，超过 {limit}：{detail}", "resettlement site is {measured} from its demolition parcels, more than {limit}: {detail}"),
    rule!(NoDoubleCounting, Error, "二(二) 封闭运行, 二(七)", "拆旧地块不重复计算", "no double counting",
        pass: "拆旧地块与其他在建项目地块无重叠（容差 {limit}）", "no demolition parcel overlaps another live project (tolerance {limit})",
        fail: "拆旧地块与其他项目地块重叠共 {measured}（容差 {limit}）：{detail}", "demolition parcels overlap other projects' parcels by {measured} (tolerance {limit}): {detail}"),
    rule!(DemolitionIsConstructionLand, Error, "二(七) 合法性", "拆旧地块为建设用地", "demolition is construction land",
        pass: "各拆旧地块建设用地占比不低于 {limit}（最低 {measured}）", "every demolition parcel is at least {limit} construction land (lowest {measured})",
        fail: "拆旧地块建设用地占比最低 {measured}，低于 {limit}：{detail}", "demolition parcels with construction-land share below {limit} (lowest {measured}): {detail}"),
    rule!(ReclaimedIsFarmland, Error, "二(七), 三(一)", "复垦地块为耕地", "reclaimed is farmland",
        pass: "复垦地块在更新后的调查中为耕地（最低 {measured}）", "reclaimed parcels are farmland in the updated survey (lowest {measured})",
        fail: "复垦地块耕地占比最低 {measured}，低于 {limit}：{detail}", "reclaimed parcels with farmland share below {limit} (lowest {measured}): {detail}"),
    rule!(RelocationHouseholdsCovered, Warning, "二(二)", "易地扶贫搬迁户纳入拆旧区", "relocation households covered",
        pass: "项目区所在村的 {limit} 户易地扶贫搬迁户全部纳入拆旧区", "all {limit} relocation households of the project's villages are in the demolition zone",
        fail: "有 {measured} 户易地扶贫搬迁户未纳入拆旧区：{detail}", "{measured} relocation households are not in the demolition zone: {detail}"),
    rule!(HouseholdConsent, Error, "二(七)", "拆迁农户同意并自主选择安置方式", "household consent",
        pass: "{limit} 户拆迁农户均已同意并选择安置方式", "all {limit} demolished households consented and chose a resettlement method",
        fail: "有 {measured} 户拆迁农户未同意或未选择安置方式：{detail}", "{measured} demolished households did not consent or chose no resettlement method: {detail}"),
    rule!(AdvanceLimit, Error, "二(四)", "预支不超过节余指标的 30%", "advance limit",
        pass: "预支合计 {measured}，不超过 {limit}", "advances total {measured}, within {limit}",
        fail: "预支合计 {measured}，超过 {limit}", "advances total {measured}, above {limit}"),
    rule!(AdvanceNotSuspended, Error, "二(四)", "预支政策未被暂停", "advance right not suspended",
        pass: "该县预支政策未被暂停", "the county's advance right is not suspended",
        fail: "该县因未按时归还预支指标已被暂停预支政策：{detail}", "the county's advance right is suspended for an unrepaid advance: {detail}"),
    rule!(AdvanceRepaid, Sanction, "二(四)", "预支指标 1 年内验收归还", "advance repaid in time",
        pass: "预支指标已按期归还", "the advance was repaid in time",
        fail: "预支指标 {measured} 未在 {limit} 前验收归还：暂停预支政策，扣减年度计划指标，履行占补平衡义务并补齐税费", "advance of {measured} not repaid by {limit}: advance right suspended, annual plan quota deducted, farmland balance and taxes owed"),
    rule!(CompletionDeadline, Sanction, "二(四)", "立项后 3 年内实施完成，不得延期", "completion deadline",
        pass: "项目在期限 {limit} 前完成验收", "the project was accepted before {limit}",
        fail: "项目未在 {limit} 前完成验收，不得延期", "the project was not accepted by {limit}; no extension is allowed"),
    rule!(LocalNeedsFirst, Error, "二(三)", "优先保障本地需求", "local needs first",
        pass: "挂牌量 {measured} 不超过预留本地需求后的可用量 {limit}", "listed amount {measured} is within what remains after local reserves ({limit})",
        fail: "挂牌量 {measured} 超过预留本地需求后的可用量 {limit}", "listed amount {measured} exceeds what remains after local reserves ({limit})"),
    rule!(TransferPriceFloor, Error, "二(三)", "流转价格不低于省指导价", "transfer price floor",
        pass: "协议价格 {measured} 不低于当年指导价 {limit}", "agreement price {measured} is at least the guide price {limit}",
        fail: "协议价格 {measured} 低于当年指导价 {limit}", "agreement price {measured} is below the guide price {limit}"),
    rule!(OperationalLandUsesQuota, Error, "二(五)", "经营性用地使用节余指标", "operational land uses surplus quota",
        pass: "经营性用地由增减挂钩节余指标保障", "operational land is backed by surplus quota",
        fail: "经营性用地（商业、旅游、娱乐、商品住宅）不得使用土地利用年度计划指标：{detail}", "operational land (commercial, tourism, entertainment, housing) may not use annual plan quota: {detail}"),
    rule!(AdjustmentOnceAYear, Error, "二(七)", "规划调整一年一次", "one adjustment a year",
        pass: "本年度第 {measured} 次调整申请（上限 {limit}）", "adjustment application {measured} of at most {limit} this year",
        fail: "本年度已提出 {measured} 次调整申请，超过上限 {limit}", "{measured} adjustment applications this year, more than {limit}"),
];

impl RuleId {
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
        }
    }

    pub fn parse(text: &str) -> Option<RuleId> {
        RULES.iter().map(|r| r.id).find(|id| id.as_str() == text)
    }
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
}
