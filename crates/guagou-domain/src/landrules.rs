//! Which land counts for the two land-use rules (issue 13, items 8 and 9), read from the
//! profile's `[land_use]` section:
//!
//! - `DEMOLITION_IS_CONSTRUCTION_LAND` (二(七) 确保拆旧图斑的合法性): a demolition parcel is
//!   **rural** construction land — 三调 0702 农村宅基地 or 二调 072 / 203 村庄 outright, or a
//!   construction class inside a village (城镇村属性码 `CZCSXM` 203/203A). Urban land (201,
//!   202, 0701 outside a village), roads (1003), water works (1103, 1109), 盐田 0603 do not.
//! - `RECLAIMED_IS_FARMLAND` (二(七), 三(一)): a reclaimed parcel is 耕地 in the updated layer,
//!   where the 田坎, 农村道路 and 沟渠 built by the reclamation count as supporting land up to a
//!   profile share; the 新增耕地 a layer shows is the 耕地 area net of the profile's 田坎系数,
//!   and an acceptance figure that differs from it by more than the tolerance is reported.
//!
//! A layer's land use under a parcel is a list of (class key, area). A class key is the
//! land-class code, followed by the 城镇村属性码 in parentheses when the layer has one:
//! `0601(203)`; a key without parentheses is a layer without the attribute (or a blank value).
//!
//! Pure: no files, no SQL. Unknown codes are returned to the caller, never guessed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::landclass::LandClassTable;
use crate::profile::Param;

/// The class key of a layer feature: `code`, or `code(attribute)` when the layer gives a
/// 城镇村属性码.
pub fn class_key(code: &str, village_attribute: Option<&str>) -> String {
    let code = code.trim();
    match village_attribute.map(str::trim).filter(|a| !a.is_empty()) {
        Some(attribute) => format!("{code}({attribute})"),
        None => code.to_owned(),
    }
}

/// The code and the 城镇村属性码 of a class key (see [`class_key`]).
pub fn split_class_key(key: &str) -> (&str, Option<&str>) {
    let key = key.trim();
    match key.split_once('(') {
        Some((code, rest)) => {
            let attribute = rest.trim_end_matches(')').trim();
            (code.trim(), (!attribute.is_empty()).then_some(attribute))
        }
        None => (key, None),
    }
}

/// The profile's `[land_use]` section: which classes and attributes count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandUseRules {
    /// Rural construction land whatever the 城镇村属性码 says (三调 0702, 二调 072 and 203).
    pub rural_construction_classes: Param<Vec<String>>,
    /// Construction classes that are rural only inside a village: their 城镇村属性码 must be one
    /// of `village_attribute_values`.
    pub village_construction_classes: Param<Vec<String>>,
    /// 城镇村属性码 values of a village (203 村庄, 203A).
    pub village_attribute_values: Param<Vec<String>>,
    /// Attribute names tried, in order, for the 城镇村属性码 when a layer is read or imported.
    pub village_attribute_fields: Param<Vec<String>>,
    /// 耕地 in the updated layer: counts whole toward the reclaimed share, and net of the 田坎
    /// coefficient toward 新增耕地.
    pub cultivated_classes: Param<Vec<String>>,
    /// Land a farmland reclamation builds (田坎, 农村道路, 沟渠): counts toward the reclaimed
    /// share up to `max_supporting_share` of the parcel, never toward 新增耕地.
    pub supporting_classes: Param<Vec<String>>,
    pub max_supporting_share: Param<f64>,
    /// 田坎系数: the share of a 耕地 polygon's area that is 田坎, deducted for 新增耕地.
    pub tiankan_coefficient: Param<f64>,
    /// An acceptance's 新增耕地 may differ from the layer's figure by this share of the
    /// layer's figure before the difference is reported.
    pub new_farmland_tolerance: Param<f64>,
}

/// What a reclaimed class is for RECLAIMED_IS_FARMLAND.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReclaimedRole {
    /// 耕地.
    Cultivated,
    /// 田坎, 农村道路, 沟渠: part of the reclamation work.
    Supporting,
    /// Anything else: not reclaimed farmland.
    Other,
}

/// How much of a parcel counts for a land-use rule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Counted {
    /// Area that counts, m².
    pub matching_m2: f64,
    /// Codes the class table does not know.
    pub unknown_codes: Vec<String>,
}

/// The 新增耕地 of an acceptance against what the updated layer shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFarmlandComparison {
    /// The acceptance's figure (竣工验收 新增耕地), m².
    pub declared_m2: i64,
    /// From the layer: 耕地 under the reclaimed parcels, net of the 田坎 coefficient, m².
    pub layer_m2: i64,
    /// `declared − layer`, m².
    pub difference_m2: i64,
    /// Largest difference not reported, m².
    pub tolerance_m2: i64,
    pub within_tolerance: bool,
    pub clause: String,
    pub message_zh: String,
    pub message_en: String,
}

impl LandUseRules {
    /// Whether `list` holds the table's class `code`: exactly, or as its two-digit group
    /// (`01` holds `0103`; groups apply to four-digit 三调 codes only).
    fn holds(list: &[String], code: &str) -> bool {
        list.iter().any(|entry| {
            let entry = entry.trim();
            entry == code || (entry.len() == 2 && code.len() == 4 && code.starts_with(entry))
        })
    }

    /// Whether land of `key` is rural construction land; `None` when the code is unknown.
    pub fn is_rural_construction(&self, table: &LandClassTable, key: &str) -> Option<bool> {
        let (code, attribute) = split_class_key(key);
        let class = table.lookup(code)?;
        if Self::holds(&self.rural_construction_classes.value, &class.code) {
            return Some(true);
        }
        if Self::holds(&self.village_construction_classes.value, &class.code) {
            return Some(attribute.is_some_and(|a| {
                self.village_attribute_values
                    .value
                    .iter()
                    .any(|v| v.trim() == a)
            }));
        }
        Some(false)
    }

    /// What land of `key` is for RECLAIMED_IS_FARMLAND; `None` when the code is unknown.
    pub fn reclaimed_role(&self, table: &LandClassTable, key: &str) -> Option<ReclaimedRole> {
        let (code, _) = split_class_key(key);
        let class = table.lookup(code)?;
        Some(
            if Self::holds(&self.cultivated_classes.value, &class.code) {
                ReclaimedRole::Cultivated
            } else if Self::holds(&self.supporting_classes.value, &class.code) {
                ReclaimedRole::Supporting
            } else {
                ReclaimedRole::Other
            },
        )
    }

    /// Rural construction land under a parcel (`classes`: class key and area).
    pub fn rural_construction(&self, table: &LandClassTable, classes: &[(String, f64)]) -> Counted {
        let mut counted = Counted::default();
        let mut unknown = BTreeSet::new();
        for (key, area) in classes {
            match self.is_rural_construction(table, key) {
                Some(true) => counted.matching_m2 += area,
                Some(false) => {}
                None => {
                    unknown.insert(split_class_key(key).0.to_owned());
                }
            }
        }
        counted.unknown_codes = unknown.into_iter().collect();
        counted
    }

    /// Reclaimed farmland under a parcel of `parcel_area_m2`: 耕地, plus supporting land up to
    /// `max_supporting_share` of the parcel.
    pub fn reclaimed_farmland(
        &self,
        table: &LandClassTable,
        parcel_area_m2: f64,
        classes: &[(String, f64)],
    ) -> Counted {
        let (mut cultivated, mut supporting) = (0.0, 0.0);
        let mut unknown = BTreeSet::new();
        for (key, area) in classes {
            match self.reclaimed_role(table, key) {
                Some(ReclaimedRole::Cultivated) => cultivated += area,
                Some(ReclaimedRole::Supporting) => supporting += area,
                Some(ReclaimedRole::Other) => {}
                None => {
                    unknown.insert(split_class_key(key).0.to_owned());
                }
            }
        }
        let cap = parcel_area_m2.max(0.0) * self.max_supporting_share.value;
        Counted {
            matching_m2: cultivated + f64::min(supporting, cap),
            unknown_codes: unknown.into_iter().collect(),
        }
    }

    /// 新增耕地 the layer shows under reclaimed parcels: 耕地 net of the 田坎 coefficient.
    pub fn new_farmland_m2(&self, table: &LandClassTable, classes: &[(String, f64)]) -> f64 {
        let cultivated: f64 = classes
            .iter()
            .filter(|(key, _)| self.reclaimed_role(table, key) == Some(ReclaimedRole::Cultivated))
            .map(|(_, area)| area)
            .sum();
        cultivated * (1.0 - self.tiankan_coefficient.value)
    }

    /// Compares an acceptance's 新增耕地 with the layer's (`layer_m2`, unrounded). A difference
    /// above `new_farmland_tolerance` × the layer's figure is outside the tolerance; at it, within.
    pub fn compare_new_farmland(&self, declared_m2: i64, layer_m2: f64) -> NewFarmlandComparison {
        let layer = crate::units::SquareMetres::from_measured(layer_m2)
            .map(|a| a.m2())
            .unwrap_or(0);
        let tolerance = crate::units::SquareMetres::from_measured(
            layer as f64 * self.new_farmland_tolerance.value,
        )
        .map(|a| a.m2())
        .unwrap_or(0);
        let difference = declared_m2 - layer;
        let within = difference.abs() <= tolerance;
        let coefficient = self.tiankan_coefficient.value;
        let (message_zh, message_en) = if within {
            (
                format!(
                    "验收新增耕地 {declared_m2} m² 与更新后底图 {layer} m²（耕地扣除田坎系数 {coefficient}）相差 {difference} m²，在容差 {tolerance} m² 之内"
                ),
                format!(
                    "the acceptance's new farmland {declared_m2} m² differs from the updated layer's {layer} m² (farmland net of the 田坎 coefficient {coefficient}) by {difference} m², within the tolerance of {tolerance} m²"
                ),
            )
        } else {
            (
                format!(
                    "验收新增耕地 {declared_m2} m² 与更新后底图 {layer} m²（耕地扣除田坎系数 {coefficient}）相差 {difference} m²，超过容差 {tolerance} m²，请核实"
                ),
                format!(
                    "the acceptance's new farmland {declared_m2} m² differs from the updated layer's {layer} m² (farmland net of the 田坎 coefficient {coefficient}) by {difference} m², more than the tolerance of {tolerance} m²: to be verified"
                ),
            )
        };
        NewFarmlandComparison {
            declared_m2,
            layer_m2: layer,
            difference_m2: difference,
            tolerance_m2: tolerance,
            within_tolerance: within,
            clause: self.new_farmland_tolerance.clause.clone(),
            message_zh,
            message_en,
        }
    }

    /// Checks the values on load; the error names the field.
    pub(crate) fn problem(&self) -> Option<(&'static str, &'static str)> {
        let share = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if self.rural_construction_classes.value.is_empty() {
            return Some((
                "land_use.rural_construction_classes",
                "must name at least one class",
            ));
        }
        if self.cultivated_classes.value.is_empty() {
            return Some((
                "land_use.cultivated_classes",
                "must name at least one class",
            ));
        }
        if !self.village_construction_classes.value.is_empty()
            && (self.village_attribute_values.value.is_empty()
                || self.village_attribute_fields.value.is_empty())
        {
            return Some((
                "land_use.village_attribute_values",
                "village construction classes need attribute values and field names",
            ));
        }
        if !share(self.max_supporting_share.value) {
            return Some(("land_use.max_supporting_share", "must be within 0..=1"));
        }
        if !(self.tiankan_coefficient.value.is_finite()
            && (0.0..1.0).contains(&self.tiankan_coefficient.value))
        {
            return Some(("land_use.tiankan_coefficient", "must be within 0..1"));
        }
        if !share(self.new_farmland_tolerance.value) {
            return Some(("land_use.new_farmland_tolerance", "must be within 0..=1"));
        }
        None
    }
}

#[cfg(test)]
mod tests;
