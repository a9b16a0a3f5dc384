//! The package checks: from what was measured of a project package to SPEC §6 results.
//!
//! The caller (the `guagou-check` crate, or the server) reads files and measures geometry; this
//! module only compares measurements with the profile. Each check returns one `RuleResult` with
//! the measured value, the limit, the clause and the subjects (parcels, households) at fault.
//! A check whose input was not supplied (no base layer, no other projects) is not run and is
//! listed in `CheckReport::not_checked` instead, so nothing passes by default.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::division::DivisionCode;
use crate::profile::{Param, Profile};
use crate::rules::{RuleId, Severity};
use crate::units::SquareMetres;

/// A measured value or a limit, with its unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Quantity {
    /// Square metres (integer).
    M2(i64),
    /// An inclusive range of square metres.
    M2Range {
        min: i64,
        max: i64,
    },
    /// Metres.
    M(f64),
    /// Square metres per person.
    M2PerPerson(f64),
    /// A share between 0 and 1.
    Share(f64),
    Count(u64),
    Date(NaiveDate),
    Text(String),
}

impl Quantity {
    pub fn text_zh(&self) -> String {
        match self {
            Quantity::M2(m2) => area_text(*m2, "公顷", "亩"),
            Quantity::M2Range { min, max } => format!(
                "{}—{} 公顷",
                SquareMetres(*min).hectares_text(),
                SquareMetres(*max).hectares_text()
            ),
            Quantity::M(m) => format!("{m:.1} 米"),
            Quantity::M2PerPerson(v) => format!("{v:.2} m²/人"),
            Quantity::Share(s) => format!("{:.2}%", s * 100.0),
            Quantity::Count(n) => n.to_string(),
            Quantity::Date(d) => d.format("%Y-%m-%d").to_string(),
            Quantity::Text(t) => t.clone(),
        }
    }

    pub fn text_en(&self) -> String {
        match self {
            Quantity::M2(m2) => area_text(*m2, "ha", "mu"),
            Quantity::M2Range { min, max } => format!(
                "{}–{} ha",
                SquareMetres(*min).hectares_text(),
                SquareMetres(*max).hectares_text()
            ),
            Quantity::M(m) => format!("{m:.1} m"),
            Quantity::M2PerPerson(v) => format!("{v:.2} m²/person"),
            Quantity::Share(s) => format!("{:.2}%", s * 100.0),
            Quantity::Count(n) => n.to_string(),
            Quantity::Date(d) => d.format("%Y-%m-%d").to_string(),
            Quantity::Text(t) => t.clone(),
        }
    }
}

fn area_text(m2: i64, ha: &str, mu: &str) -> String {
    let area = SquareMetres(m2);
    format!(
        "{m2} m² ({} {ha}, {} {mu})",
        area.hectares_text(),
        area.mu_text()
    )
}

/// What a result is about: a parcel, a site, a household, a township, a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_en: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Parcel,
    Site,
    Household,
    Township,
    Survey,
    Package,
    Village,
    Department,
    Plan,
    Project,
    Division,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: impl Into<String>) -> Self {
        Subject {
            kind,
            id: id.into(),
            detail_zh: None,
            detail_en: None,
        }
    }
    pub fn detail(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.detail_zh = Some(zh.into());
        self.detail_en = Some(en.into());
        self
    }
    fn short_zh(&self) -> String {
        match &self.detail_zh {
            Some(d) => format!("{}（{d}）", self.id),
            None => self.id.clone(),
        }
    }
    fn short_en(&self) -> String {
        match &self.detail_en {
            Some(d) => format!("{} ({d})", self.id),
            None => self.id.clone(),
        }
    }
}

/// One rule's verdict, exactly the SPEC §6 object (plus an optional stored justification).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule: RuleId,
    pub severity: Severity,
    pub passed: bool,
    pub measured: Quantity,
    pub limit: Quantity,
    pub clause: String,
    pub message_zh: String,
    pub message_en: String,
    pub subjects: Vec<Subject>,
    /// For a failed warning: the written justification supplied with the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

impl RuleResult {
    /// Whether this result stops the step: a failed error-level rule.
    pub fn blocks(&self) -> bool {
        !self.passed && self.severity == Severity::Error
    }
}

/// A rule that was not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotChecked {
    pub rule: RuleId,
    pub reason_zh: String,
    pub reason_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub results: Vec<RuleResult>,
    pub not_checked: Vec<NotChecked>,
}

impl CheckReport {
    pub fn blocking(&self) -> usize {
        self.results.iter().filter(|r| r.blocks()).count()
    }
    pub fn warnings(&self) -> usize {
        self.results
            .iter()
            .filter(|r| !r.passed && r.severity == Severity::Warning)
            .count()
    }
    pub fn passed(&self) -> bool {
        self.blocking() == 0
    }
}

// ---- facts -------------------------------------------------------------------------------

/// A demolition parcel as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct DemolitionParcel {
    pub name: String,
    /// The township the parcel lies in; `None` when the package does not say.
    pub township: Option<DivisionCode>,
    /// Area on the profile's basis (planar or ellipsoidal), m².
    pub area_m2: f64,
}

/// A resettlement site as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ResettlementSite {
    pub name: String,
    pub area_m2: f64,
    /// Distance to the nearest demolition parcel the site serves, m; `None` if it serves none.
    pub distance_to_served_m: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Consented,
    Refused,
    Pending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResettlementMethod {
    /// 集中安置
    Concentrated,
    /// 货币安置
    Monetary,
    /// 自主安置 / 自建
    SelfArranged,
    /// 分散安置
    Dispersed,
}

impl Consent {
    /// Every variant (names walk them).
    pub const ALL: [Consent; 3] = [Consent::Consented, Consent::Refused, Consent::Pending];
}

impl ResettlementMethod {
    /// Every variant (names walk them).
    pub const ALL: [ResettlementMethod; 4] = [
        ResettlementMethod::Concentrated,
        ResettlementMethod::Monetary,
        ResettlementMethod::SelfArranged,
        ResettlementMethod::Dispersed,
    ];
}

/// A household whose house is demolished (拆迁农户).
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub id: String,
    pub name: String,
    pub consent: Consent,
    pub method: Option<ResettlementMethod>,
}

/// A relocation household (易地扶贫搬迁户) of the project's villages.
#[derive(Debug, Clone, PartialEq)]
pub struct RelocationHousehold {
    pub id: String,
    pub name: String,
    pub village: String,
    /// Whether it lies in the demolition zone (its id is among the demolished households).
    pub in_demolition_zone: bool,
}

/// An overlap between a demolition parcel and a parcel of another project (or of this one).
#[derive(Debug, Clone, PartialEq)]
pub struct OverlapFact {
    pub parcel: String,
    /// Where the other parcel comes from: a file path or a project code.
    pub other_source: String,
    pub other_parcel: String,
    pub area_m2: f64,
}

/// How much of a parcel is of the land category a rule asks for in a base layer: construction
/// land for a demolition parcel before, farmland for the same parcel reclaimed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassShare {
    pub parcel: String,
    pub parcel_area_m2: f64,
    /// Area of the category the rule asks for.
    pub matching_m2: f64,
    /// Area per land-class code inside the parcel, for the report.
    pub classes: Vec<(String, f64)>,
    /// Codes found that the class table does not know.
    pub unknown_codes: Vec<String>,
    /// The layer features under the parcel, as the report names them (id, code, area).
    pub features: Vec<String>,
}

/// Everything the package checks read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PackageFacts {
    pub demolition: Vec<DemolitionParcel>,
    pub resettlement: Vec<ResettlementSite>,
    /// Persons resettled (declared, or counted from the household table).
    pub persons_resettled: Option<u64>,
    pub potential_survey_date: Option<NaiveDate>,
    pub willingness_survey_date: Option<NaiveDate>,
    /// `None` when the package has no household table.
    pub households: Option<Vec<Household>>,
    /// `None` when the package has no relocation-household list.
    pub relocation_households: Option<Vec<RelocationHousehold>>,
    /// `None` when no other projects were given.
    pub overlaps: Option<Vec<OverlapFact>>,
    /// `None` when no base layer was given.
    pub construction_shares: Option<Vec<ClassShare>>,
    /// Farmland under each reclaimed parcel in the updated layer; `None` before acceptance.
    pub farmland_shares: Option<Vec<ClassShare>>,
    /// What lies under the parcels in each protection layer given (三区三线); a kind absent:
    /// its rules are not checked.
    pub protection: crate::protection::ScreeningFacts,
    /// Written justifications for warnings, keyed by rule.
    pub justifications: BTreeMap<RuleId, String>,
}

// ---- the checks --------------------------------------------------------------------------

/// Runs every package rule against `facts`. `as_of` is "today" (surveys must not be dated later).
pub fn check_package(profile: &Profile, facts: &PackageFacts, as_of: NaiveDate) -> CheckReport {
    let mut report = CheckReport {
        results: Vec::new(),
        not_checked: Vec::new(),
    };
    report.results.push(survey_done(facts, as_of));
    report
        .results
        .push(demolition_single_township(profile, facts));
    report.results.push(demolition_area_range(profile, facts));
    report.results.push(resettlement_per_capita(profile, facts));
    report.results.push(resettlement_adjacent(profile, facts));
    report.results.push(household_consent(facts));
    match relocation_households_covered(facts) {
        Some(result) => report.results.push(result),
        None => report.not_checked.push(not_checked(
            RuleId::RelocationHouseholdsCovered,
            "项目包未提供易地扶贫搬迁户名单",
            "the package has no relocation-household list",
        )),
    }
    match no_double_counting(profile, facts) {
        Some(result) => report.results.push(result),
        None => report.not_checked.push(not_checked(
            RuleId::NoDoubleCounting,
            "未提供其他项目的地块（--others）",
            "no other projects' parcels were given (--others)",
        )),
    }
    match demolition_is_construction_land(profile, facts) {
        Some(result) => report.results.push(result),
        None => report.not_checked.push(not_checked(
            RuleId::DemolitionIsConstructionLand,
            "未提供土地利用现状底图（--base）",
            "no land-use base layer was given (--base)",
        )),
    }
    match reclaimed_is_farmland(profile, facts) {
        Some(result) => report.results.push(result),
        None => report.not_checked.push(not_checked(
            RuleId::ReclaimedIsFarmland,
            "验收时对照更新后的土地利用现状底图检查（--reclaimed-base）",
            "checked at acceptance against the updated land-use layer (--reclaimed-base)",
        )),
    }
    for kind in crate::protection::ProtectionKind::ALL {
        match facts.protection.get(&kind) {
            Some(parcels) => report
                .results
                .extend(crate::protection::screen(profile, kind, parcels)),
            None => {
                let (zh, en) = kind.not_given();
                for rule in kind.rules() {
                    report.not_checked.push(not_checked(rule, &zh, &en));
                }
            }
        }
    }
    for result in &mut report.results {
        if !result.passed && result.severity == Severity::Warning {
            result.justification = facts.justifications.get(&result.rule).cloned();
        }
    }
    report
}

fn not_checked(rule: RuleId, zh: &str, en: &str) -> NotChecked {
    NotChecked {
        rule,
        reason_zh: zh.to_owned(),
        reason_en: en.to_owned(),
    }
}

/// Builds a result, filling the rule's message templates from the table.
pub(crate) fn verdict(
    rule: RuleId,
    clause: &str,
    passed: bool,
    measured: Quantity,
    limit: Quantity,
    subjects: Vec<Subject>,
) -> RuleResult {
    let def = rule.def();
    let (template_zh, template_en) = if passed {
        (def.pass_zh, def.pass_en)
    } else {
        (def.fail_zh, def.fail_en)
    };
    let detail_zh = message_detail(&subjects, Subject::short_zh, "；", |n| {
        format!("……另有 {n} 项（见明细）")
    });
    let detail_en = message_detail(&subjects, Subject::short_en, "; ", |n| {
        format!("… and {n} more (see subjects)")
    });
    let fill = |template: &str, measured: String, limit: String, detail: &str| {
        template
            .replace("{measured}", &measured)
            .replace("{limit}", &limit)
            .replace("{detail}", detail)
    };
    RuleResult {
        rule,
        severity: def.severity,
        passed,
        message_zh: fill(template_zh, measured.text_zh(), limit.text_zh(), &detail_zh),
        message_en: fill(template_en, measured.text_en(), limit.text_en(), &detail_en),
        measured,
        limit,
        clause: clause.to_owned(),
        subjects,
        justification: None,
    }
}

/// Subjects named in a rule's message: a message is read by people, so past
/// [`MESSAGE_SUBJECTS`] it says how many more there are; `subjects` always holds them all.
const MESSAGE_SUBJECTS: usize = 20;

fn message_detail(
    subjects: &[Subject],
    short: fn(&Subject) -> String,
    separator: &str,
    more: fn(usize) -> String,
) -> String {
    let mut parts: Vec<String> = subjects.iter().take(MESSAGE_SUBJECTS).map(short).collect();
    if subjects.len() > MESSAGE_SUBJECTS {
        parts.push(more(subjects.len() - MESSAGE_SUBJECTS));
    }
    parts.join(separator)
}

/// The clause of a profile parameter, falling back to the rule table's.
pub(crate) fn clause_of<T>(param: &Param<T>, rule: RuleId) -> String {
    if param.clause.trim().is_empty() {
        rule.def().clause.to_owned()
    } else {
        param.clause.clone()
    }
}

fn rounded_total(areas: impl Iterator<Item = f64>) -> i64 {
    SquareMetres::from_measured(areas.sum())
        .map(|a| a.m2())
        .unwrap_or(i64::MAX)
}

fn survey_done(facts: &PackageFacts, as_of: NaiveDate) -> RuleResult {
    let rule = RuleId::SurveyDone;
    let mut subjects = Vec::new();
    let surveys = [
        (
            "整治潜力调查",
            "potential survey",
            facts.potential_survey_date,
        ),
        (
            "农户意愿调查",
            "household willingness survey",
            facts.willingness_survey_date,
        ),
    ];
    for (zh, en, date) in surveys {
        match date {
            None => subjects.push(
                Subject::new(SubjectKind::Survey, zh)
                    .detail("未填写日期", format!("{en}: no date")),
            ),
            Some(d) if d > as_of => subjects.push(Subject::new(SubjectKind::Survey, zh).detail(
                format!("日期 {d} 晚于 {as_of}"),
                format!("{en}: dated {d}, after {as_of}"),
            )),
            Some(_) => {}
        }
    }
    let done = 2 - subjects.len() as u64;
    verdict(
        rule,
        rule.def().clause,
        subjects.is_empty(),
        Quantity::Count(done),
        Quantity::Count(2),
        subjects,
    )
}

fn demolition_single_township(profile: &Profile, facts: &PackageFacts) -> RuleResult {
    let rule = RuleId::DemolitionSingleTownship;
    let param = &profile.demolition.max_townships;
    let mut by_township: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for parcel in &facts.demolition {
        match &parcel.township {
            Some(code) => by_township
                .entry(code.to_string())
                .or_default()
                .push(&parcel.name),
            None => unknown.push(
                Subject::new(SubjectKind::Parcel, &parcel.name)
                    .detail("所在乡镇不明", "township unknown"),
            ),
        }
    }
    let count = by_township.len() as u64;
    let too_many = count > u64::from(param.value);
    let mut subjects = unknown;
    if too_many {
        for (township, parcels) in &by_township {
            subjects.push(Subject::new(SubjectKind::Township, township).detail(
                format!("拆旧地块 {}", parcels.join("、")),
                format!("demolition parcels {}", parcels.join(", ")),
            ));
        }
    }
    if facts.demolition.is_empty() {
        subjects.push(
            Subject::new(SubjectKind::Package, "demolition")
                .detail("没有拆旧地块", "no demolition parcels"),
        );
    }
    let passed = subjects.is_empty();
    verdict(
        rule,
        &clause_of(param, rule),
        passed,
        Quantity::Count(count),
        Quantity::Count(u64::from(param.value)),
        subjects,
    )
}

fn demolition_area_range(profile: &Profile, facts: &PackageFacts) -> RuleResult {
    let rule = RuleId::DemolitionAreaRange;
    let (min, max) = (
        profile.demolition.min_total_area_m2.value,
        profile.demolition.max_total_area_m2.value,
    );
    let total = rounded_total(facts.demolition.iter().map(|p| p.area_m2));
    let passed = (min..=max).contains(&total);
    verdict(
        rule,
        &clause_of(&profile.demolition.min_total_area_m2, rule),
        passed,
        Quantity::M2(total),
        Quantity::M2Range { min, max },
        Vec::new(),
    )
}

fn resettlement_per_capita(profile: &Profile, facts: &PackageFacts) -> RuleResult {
    let rule = RuleId::ResettlementPerCapita;
    let param = &profile.resettlement.min_m2_per_person;
    let total = rounded_total(facts.resettlement.iter().map(|s| s.area_m2));
    let limit = Quantity::M2PerPerson(param.value);
    let clause = clause_of(param, rule);
    if let Some(result) = resettlement_not_applicable(facts, &clause, limit.clone()) {
        return result;
    }
    match facts.persons_resettled {
        Some(persons) if persons > 0 => {
            // Compare total ≥ min × persons rather than a rounded quotient, so 50.00 passes and
            // 49.99 fails exactly.
            let passed = total as f64 >= param.value * persons as f64;
            let per_person = total as f64 / persons as f64;
            let subjects = if passed {
                Vec::new()
            } else {
                vec![Subject::new(SubjectKind::Package, "resettlement").detail(
                    format!("安置区合计 {total} m²，安置 {persons} 人"),
                    format!("{total} m² of sites for {persons} persons"),
                )]
            };
            verdict(
                rule,
                &clause,
                passed,
                Quantity::M2PerPerson(per_person),
                limit,
                subjects,
            )
        }
        _ => {
            let subjects = vec![
                Subject::new(SubjectKind::Package, "persons_resettled")
                    .detail("未填写安置人数", "number of persons resettled not given"),
            ];
            verdict(
                rule,
                &clause,
                false,
                Quantity::M2PerPerson(0.0),
                limit,
                subjects,
            )
        }
    }
}

/// 二(七) "由群众自主选择安置方式": when the household table shows that nobody chose
/// concentrated resettlement (and no persons are declared for a site), there is nobody to
/// divide the sites by: the rule is reported as not applicable and passes.
fn resettlement_not_applicable(
    facts: &PackageFacts,
    clause: &str,
    limit: Quantity,
) -> Option<RuleResult> {
    let rule = RuleId::ResettlementPerCapita;
    let households = facts.households.as_ref()?;
    let nobody_concentrated = !households.is_empty()
        && households
            .iter()
            .all(|h| h.method != Some(ResettlementMethod::Concentrated));
    if !nobody_concentrated || facts.persons_resettled.is_some_and(|p| p > 0) {
        return None;
    }
    let (template_zh, template_en) = rule.not_applicable_text()?;
    let mut by_method: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for household in households {
        *by_method.entry(method_label(household.method)).or_insert(0) += 1;
    }
    let zh = by_method
        .iter()
        .map(|((zh, _), n)| format!("{zh} {n} 户"))
        .collect::<Vec<_>>()
        .join("、");
    let en = by_method
        .iter()
        .map(|((_, en), n)| format!("{en}: {n} household(s)"))
        .collect::<Vec<_>>()
        .join(", ");
    let subject = Subject::new(SubjectKind::Package, "households").detail(zh, en);
    // The rule's own templates say "passed"; this one says "not applicable".
    let (message_zh, message_en) = (
        template_zh.replace("{detail}", &subject.short_zh()),
        template_en.replace("{detail}", &subject.short_en()),
    );
    let mut result = verdict(rule, clause, true, Quantity::Count(0), limit, vec![subject]);
    result.message_zh = message_zh;
    result.message_en = message_en;
    Some(result)
}

fn method_label(method: Option<ResettlementMethod>) -> (&'static str, &'static str) {
    match method {
        Some(ResettlementMethod::Concentrated) => ("集中安置", "concentrated"),
        Some(ResettlementMethod::Monetary) => ("货币安置", "monetary"),
        Some(ResettlementMethod::SelfArranged) => ("自主安置", "self-arranged"),
        Some(ResettlementMethod::Dispersed) => ("分散安置", "dispersed"),
        None => ("未选择", "none chosen"),
    }
}

fn resettlement_adjacent(profile: &Profile, facts: &PackageFacts) -> RuleResult {
    let rule = RuleId::ResettlementAdjacent;
    let param = &profile.resettlement.max_distance_m;
    let mut farthest: f64 = 0.0;
    let mut subjects = Vec::new();
    for site in &facts.resettlement {
        match site.distance_to_served_m {
            Some(d) => {
                farthest = farthest.max(d);
                if d > param.value {
                    subjects.push(Subject::new(SubjectKind::Site, &site.name).detail(
                        format!("距拆旧地块 {d:.1} 米"),
                        format!("{d:.1} m from its demolition parcels"),
                    ));
                }
            }
            None => subjects.push(
                Subject::new(SubjectKind::Site, &site.name)
                    .detail("未对应任何拆旧地块", "serves no demolition parcel"),
            ),
        }
    }
    let passed = subjects.is_empty();
    verdict(
        rule,
        &clause_of(param, rule),
        passed,
        Quantity::M(farthest),
        Quantity::M(param.value),
        subjects,
    )
}

fn household_consent(facts: &PackageFacts) -> RuleResult {
    let rule = RuleId::HouseholdConsent;
    let Some(households) = &facts.households else {
        let subjects = vec![
            Subject::new(SubjectKind::Package, "households")
                .detail("项目包没有拆迁农户表", "the package has no household table"),
        ];
        return verdict(
            rule,
            rule.def().clause,
            false,
            Quantity::Count(0),
            Quantity::Count(0),
            subjects,
        );
    };
    let mut subjects = Vec::new();
    for household in households {
        let problem = match (household.consent, household.method) {
            (Consent::Consented, Some(_)) => None,
            (Consent::Consented, None) => Some(("未选择安置方式", "no resettlement method chosen")),
            (Consent::Refused, _) => Some(("不同意拆迁", "refused")),
            (Consent::Pending, _) => Some(("尚未表态", "consent pending")),
        };
        if let Some((zh, en)) = problem {
            subjects.push(Subject::new(SubjectKind::Household, &household.id).detail(
                format!("{} {zh}", household.name),
                format!("{} {en}", household.name),
            ));
        }
    }
    let passed = subjects.is_empty() && !households.is_empty();
    if households.is_empty() {
        subjects.push(
            Subject::new(SubjectKind::Package, "households")
                .detail("拆迁农户表为空", "the household table is empty"),
        );
    }
    let measured = Quantity::Count(subjects.len() as u64);
    verdict(
        rule,
        rule.def().clause,
        passed,
        measured,
        Quantity::Count(households.len() as u64),
        subjects,
    )
}

fn relocation_households_covered(facts: &PackageFacts) -> Option<RuleResult> {
    let rule = RuleId::RelocationHouseholdsCovered;
    let list = facts.relocation_households.as_ref()?;
    let subjects: Vec<Subject> = list
        .iter()
        .filter(|h| !h.in_demolition_zone)
        .map(|h| {
            Subject::new(SubjectKind::Household, &h.id).detail(
                format!("{}（{}）不在拆旧区", h.name, h.village),
                format!("{} ({}) is outside the demolition zone", h.name, h.village),
            )
        })
        .collect();
    let measured = Quantity::Count(subjects.len() as u64);
    Some(verdict(
        rule,
        rule.def().clause,
        subjects.is_empty(),
        measured,
        Quantity::Count(list.len() as u64),
        subjects,
    ))
}

fn no_double_counting(profile: &Profile, facts: &PackageFacts) -> Option<RuleResult> {
    let rule = RuleId::NoDoubleCounting;
    let overlaps = facts.overlaps.as_ref()?;
    let param = &profile.demolition.double_counting_tolerance_m2;
    // An overlap that could not be measured (NaN) is reported, never passed.
    let offending: Vec<&OverlapFact> = overlaps
        .iter()
        .filter(|o| o.area_m2 > param.value || o.area_m2.is_nan())
        .collect();
    let total = rounded_total(
        offending
            .iter()
            .map(|o| o.area_m2)
            .filter(|a| a.is_finite()),
    );
    let subjects = offending
        .iter()
        .map(|o| {
            Subject::new(SubjectKind::Parcel, &o.parcel).detail(
                format!(
                    "与 {} 的地块 {} 重叠 {:.2} m²",
                    o.other_source, o.other_parcel, o.area_m2
                ),
                format!(
                    "overlaps parcel {} of {} by {:.2} m²",
                    o.other_parcel, o.other_source, o.area_m2
                ),
            )
        })
        .collect::<Vec<_>>();
    let limit = SquareMetres::from_measured(param.value)
        .map(|a| a.m2())
        .unwrap_or(0);
    Some(verdict(
        rule,
        &clause_of(param, rule),
        subjects.is_empty(),
        Quantity::M2(total),
        Quantity::M2(limit),
        subjects,
    ))
}

fn demolition_is_construction_land(profile: &Profile, facts: &PackageFacts) -> Option<RuleResult> {
    let shares = facts.construction_shares.as_ref()?;
    Some(share_rule(
        RuleId::DemolitionIsConstructionLand,
        &profile.demolition.min_construction_share,
        shares,
        ("农村建设用地", "rural construction"),
    ))
}

fn reclaimed_is_farmland(profile: &Profile, facts: &PackageFacts) -> Option<RuleResult> {
    let shares = facts.farmland_shares.as_ref()?;
    Some(share_rule(
        RuleId::ReclaimedIsFarmland,
        &profile.demolition.min_farmland_share,
        shares,
        ("耕地", "farmland"),
    ))
}

/// Every parcel's share of the asked-for category at or above the parameter; the failing
/// parcels are listed with their classes and the layer features under them.
fn share_rule(
    rule: RuleId,
    param: &crate::profile::Param<f64>,
    shares: &[ClassShare],
    (category_zh, category_en): (&str, &str),
) -> RuleResult {
    let mut lowest: f64 = 1.0;
    let mut subjects = Vec::new();
    for share in shares {
        let ratio = if share.parcel_area_m2 > 0.0 {
            share.matching_m2 / share.parcel_area_m2
        } else {
            0.0
        };
        lowest = lowest.min(ratio);
        if ratio < param.value {
            let classes = share
                .classes
                .iter()
                .map(|(code, area)| format!("{code}: {area:.1} m²"))
                .collect::<Vec<_>>()
                .join(", ");
            let classes = if classes.is_empty() {
                "—".to_owned()
            } else {
                classes
            };
            let unknown = if share.unknown_codes.is_empty() {
                String::new()
            } else {
                format!("; unknown codes {}", share.unknown_codes.join(","))
            };
            let features = if share.features.is_empty() {
                String::new()
            } else {
                format!("; {}", share.features.join(", "))
            };
            subjects.push(Subject::new(SubjectKind::Parcel, &share.parcel).detail(
                format!(
                    "{category_zh}占比 {:.2}%，地类 {classes}{unknown}{features}",
                    ratio * 100.0
                ),
                format!(
                    "{category_en} share {:.2}%, classes {classes}{unknown}{features}",
                    ratio * 100.0
                ),
            ));
        }
    }
    let clause = clause_of(param, rule);
    verdict(
        rule,
        &clause,
        subjects.is_empty(),
        Quantity::Share(lowest),
        Quantity::Share(param.value),
        subjects,
    )
}

#[cfg(test)]
mod tests;
