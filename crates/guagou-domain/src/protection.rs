//! 三区三线 screening (issue 19): the protection layers of a county — 永久基本农田, 生态保护红线,
//! 城镇开发边界 — and the rules that read them.
//!
//! SPEC.md has no clause for these rules: they read national texts (docs/policy-reading.md,
//! "三区三线"), and the profile's `[protection]` section carries each tolerance with its source.
//!
//! - `RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND`, `CONSTRUCTION_NOT_ON_PERMANENT_FARMLAND` (error):
//!   a resettlement site or construction-zone parcel must not overlap 永久基本农田 by more than
//!   the profile's tolerance (八不准: 不准占用永久基本农田建房; 自然资发〔2020〕128号).
//! - `RESETTLEMENT_NOT_IN_ECOLOGICAL_REDLINE`, `CONSTRUCTION_NOT_IN_ECOLOGICAL_REDLINE` (error):
//!   the same against 生态保护红线 (三区三线 划定规则: no development or production construction
//!   inside the red line).
//! - `RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY` (warning): a resettlement site inside the 城镇开发边界
//!   needs a written justification — the linkage serves villages.
//! - `DEMOLITION_IN_ECOLOGICAL_REDLINE` (information): a demolition parcel inside 生态保护红线
//!   is reported; its reclamation may be to ecological land rather than farmland.
//!
//! Pure: the caller overlays the parcels on the layers and passes what lies under each parcel.
//! An overlap counts in whole m² (rounded half away from zero, as every area of guagou), and a
//! parcel fails when its overlap with the layer is above the tolerance: a shared edge (0 m²)
//! passes. An overlap that could not be measured (NaN) is reported, never passed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::{Quantity, RuleResult, Subject, SubjectKind, clause_of, verdict};
use crate::profile::{Param, Profile};
use crate::rules::RuleId;
use crate::units::SquareMetres;

/// Which protection layer (三区三线) a stored layer or a fact is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionKind {
    /// 永久基本农田.
    PermanentFarmland,
    /// 生态保护红线.
    EcologicalRedline,
    /// 城镇开发边界.
    UrbanBoundary,
}

impl ProtectionKind {
    pub const ALL: [ProtectionKind; 3] = [
        ProtectionKind::PermanentFarmland,
        ProtectionKind::EcologicalRedline,
        ProtectionKind::UrbanBoundary,
    ];

    /// The stable name: `permanent_farmland`, `ecological_redline`, `urban_boundary` (the CLI's
    /// `--kind`, the registry's layer kind).
    pub fn as_str(self) -> &'static str {
        match self {
            ProtectionKind::PermanentFarmland => "permanent_farmland",
            ProtectionKind::EcologicalRedline => "ecological_redline",
            ProtectionKind::UrbanBoundary => "urban_boundary",
        }
    }

    pub fn parse(text: &str) -> Option<ProtectionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProtectionKind::PermanentFarmland => "永久基本农田",
            ProtectionKind::EcologicalRedline => "生态保护红线",
            ProtectionKind::UrbanBoundary => "城镇开发边界",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProtectionKind::PermanentFarmland => "permanent basic farmland",
            ProtectionKind::EcologicalRedline => "ecological protection red line",
            ProtectionKind::UrbanBoundary => "urban development boundary",
        }
    }

    /// The rules that read this layer.
    pub fn rules(self) -> Vec<RuleId> {
        SCREENS
            .iter()
            .filter(|s| s.kind == self)
            .map(|s| s.rule)
            .collect()
    }

    /// Why its rules were not run when no layer was given (offline: the `guagou check` option).
    pub fn not_given(self) -> (String, String) {
        (
            format!(
                "未提供{}图层（--{}）",
                self.label_zh(),
                self.as_str().replace('_', "-")
            ),
            format!(
                "no {} layer was given (--{})",
                self.label_en(),
                self.as_str().replace('_', "-")
            ),
        )
    }
}

/// Which parcels of a package a screening rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenedRole {
    Demolition,
    Resettlement,
    Construction,
}

/// A protection-layer feature under a parcel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerHit {
    /// How the report names the feature: its source id and name (`BSM 5117222019001 某某红线`).
    pub feature: String,
    /// Overlap area on the profile's plane, m².
    pub area_m2: f64,
}

/// A parcel of the package and what of one protection layer lies under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreenedParcel {
    pub role: ScreenedRole,
    pub name: String,
    /// Only features with a positive (or unmeasurable) overlap; a touch is not listed.
    pub hits: Vec<LayerHit>,
}

impl ScreenedParcel {
    fn overlap_m2(&self) -> f64 {
        self.hits.iter().map(|h| h.area_m2).sum()
    }
}

/// The profile's `[protection]` section: the tolerances of the screening rules, each with the
/// national text it reads as its clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectionRules {
    /// Largest overlap of a resettlement site or construction parcel with 永久基本农田 that
    /// passes (digitising slivers), m².
    pub permanent_farmland_tolerance_m2: Param<i64>,
    /// The same with 生态保护红线, m².
    pub ecological_redline_tolerance_m2: Param<i64>,
    /// Largest overlap of a resettlement site with the 城镇开发边界 that is not "inside", m².
    pub urban_boundary_tolerance_m2: Param<i64>,
    /// Largest overlap of a demolition parcel with 生态保护红线 that is not reported, m².
    pub demolition_redline_tolerance_m2: Param<i64>,
}

impl ProtectionRules {
    pub(crate) fn problem(&self) -> Option<(&'static str, &'static str)> {
        for (field, param) in [
            (
                "protection.permanent_farmland_tolerance_m2",
                &self.permanent_farmland_tolerance_m2,
            ),
            (
                "protection.ecological_redline_tolerance_m2",
                &self.ecological_redline_tolerance_m2,
            ),
            (
                "protection.urban_boundary_tolerance_m2",
                &self.urban_boundary_tolerance_m2,
            ),
            (
                "protection.demolition_redline_tolerance_m2",
                &self.demolition_redline_tolerance_m2,
            ),
        ] {
            if param.value < 0 {
                return Some((field, "must not be negative"));
            }
            if param.clause.trim().is_empty() {
                return Some((field, "must name its source (clause)"));
            }
        }
        None
    }
}

/// One screening rule: the layer it reads, the parcels it reads, its tolerance.
struct Screen {
    rule: RuleId,
    kind: ProtectionKind,
    role: ScreenedRole,
    tolerance: fn(&ProtectionRules) -> &Param<i64>,
}

impl Screen {
    const fn new(
        rule: RuleId,
        kind: ProtectionKind,
        role: ScreenedRole,
        tolerance: fn(&ProtectionRules) -> &Param<i64>,
    ) -> Screen {
        Screen {
            rule,
            kind,
            role,
            tolerance,
        }
    }
}

fn farmland(p: &ProtectionRules) -> &Param<i64> {
    &p.permanent_farmland_tolerance_m2
}

fn redline(p: &ProtectionRules) -> &Param<i64> {
    &p.ecological_redline_tolerance_m2
}

fn urban(p: &ProtectionRules) -> &Param<i64> {
    &p.urban_boundary_tolerance_m2
}

fn demolition_redline(p: &ProtectionRules) -> &Param<i64> {
    &p.demolition_redline_tolerance_m2
}

use ProtectionKind::{EcologicalRedline, PermanentFarmland, UrbanBoundary};
use ScreenedRole::{Construction, Demolition, Resettlement};

#[rustfmt::skip]
const SCREENS: &[Screen] = &[
    Screen::new(RuleId::ResettlementNotOnPermanentFarmland, PermanentFarmland, Resettlement, farmland),
    Screen::new(RuleId::ConstructionNotOnPermanentFarmland, PermanentFarmland, Construction, farmland),
    Screen::new(RuleId::ResettlementNotInEcologicalRedline, EcologicalRedline, Resettlement, redline),
    Screen::new(RuleId::ConstructionNotInEcologicalRedline, EcologicalRedline, Construction, redline),
    Screen::new(RuleId::DemolitionInEcologicalRedline, EcologicalRedline, Demolition, demolition_redline),
    Screen::new(RuleId::ResettlementOutsideUrbanBoundary, UrbanBoundary, Resettlement, urban),
];

/// The tolerance of a screening rule (`None` for other rules).
pub fn tolerance_of(profile: &Profile, rule: RuleId) -> Option<&Param<i64>> {
    SCREENS
        .iter()
        .find(|s| s.rule == rule)
        .map(|s| (s.tolerance)(&profile.protection))
}

/// The results of every rule that reads `kind`, from what lies under each parcel of the
/// package (`parcels`: every parcel of the roles the rules read, with or without hits).
pub fn screen(
    profile: &Profile,
    kind: ProtectionKind,
    parcels: &[ScreenedParcel],
) -> Vec<RuleResult> {
    SCREENS
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| screen_one(profile, s, parcels))
        .collect()
}

fn screen_one(profile: &Profile, screen: &Screen, parcels: &[ScreenedParcel]) -> RuleResult {
    let param = (screen.tolerance)(&profile.protection);
    let kind = screen.kind;
    let mut total = 0_i64;
    let mut subjects = Vec::new();
    for parcel in parcels.iter().filter(|p| p.role == screen.role) {
        let overlap = parcel.overlap_m2();
        let rounded = SquareMetres::from_measured(overlap).map(|a| a.m2());
        let offending = match rounded {
            Some(m2) => m2 > param.value,
            None => true,
        };
        if !offending {
            continue;
        }
        total = total.saturating_add(rounded.unwrap_or(0));
        let (features_zh, features_en) = describe_hits(&parcel.hits);
        let kind_of_subject = match parcel.role {
            ScreenedRole::Resettlement => SubjectKind::Site,
            ScreenedRole::Demolition | ScreenedRole::Construction => SubjectKind::Parcel,
        };
        let area = rounded.map_or_else(|| "?".to_owned(), |m2| m2.to_string());
        subjects.push(Subject::new(kind_of_subject, &parcel.name).detail(
            format!("与{}重叠 {area} m²：{features_zh}", kind.label_zh()),
            format!("overlaps {} by {area} m²: {features_en}", kind.label_en()),
        ));
    }
    verdict(
        screen.rule,
        &clause_of(param, screen.rule),
        subjects.is_empty(),
        Quantity::M2(total),
        Quantity::M2(param.value),
        subjects,
    )
}

/// The features under a parcel with their overlap, largest first.
fn describe_hits(hits: &[LayerHit]) -> (String, String) {
    let mut hits: Vec<&LayerHit> = hits.iter().collect();
    hits.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
    let text = |separator: &str| {
        hits.iter()
            .map(|h| format!("{} {:.1} m²", h.feature, h.area_m2))
            .collect::<Vec<_>>()
            .join(separator)
    };
    (text("、"), text(", "))
}

/// What lies under each parcel, by layer kind: the facts of [`screen`] for a whole package.
pub type ScreeningFacts = BTreeMap<ProtectionKind, Vec<ScreenedParcel>>;

#[cfg(test)]
mod tests;
