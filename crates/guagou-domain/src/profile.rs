//! The policy profile: the parameters of one city's policy, each with the clause it comes from.
//!
//! A profile is data (`policy/*.toml`), so another city's policy is a new file, not new code.
//! Unknown keys are errors, and every value is checked on load, so a `Profile` that exists is
//! usable as it is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::division::DivisionCode;
use crate::units::Fen;

/// A parameter with its citation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param<T> {
    pub value: T,
    /// The clause of the policy text, e.g. `二(一)`.
    pub clause: String,
    /// Where the value is guagou's reading rather than the text's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaBasis {
    /// Area on the Gauss–Krüger plane.
    Planar,
    /// Area on the CGCS2000 ellipsoid.
    Ellipsoidal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileHeader {
    pub id: String,
    pub version: u32,
    pub title_zh: String,
    pub title_en: String,
    pub document: String,
    #[serde(with = "toml_date")]
    pub issued: NaiveDate,
    pub region: DivisionCode,
    pub city: DivisionCode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spatial {
    pub area_basis: Param<AreaBasis>,
    pub gk_zone: Param<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demolition {
    pub max_townships: Param<u32>,
    pub min_total_area_m2: Param<i64>,
    pub max_total_area_m2: Param<i64>,
    pub min_construction_share: Param<f64>,
    /// Share of each reclaimed (demolition) parcel that must be farmland in the updated layer.
    pub min_farmland_share: Param<f64>,
    pub double_counting_tolerance_m2: Param<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resettlement {
    pub min_m2_per_person: Param<f64>,
    pub max_distance_m: Param<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    pub max_share: Param<f64>,
    pub repay_within_years: Param<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    pub within_years: Param<u32>,
    pub extension_allowed: Param<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub max_per_county_per_year: Param<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consultation {
    pub departments: Param<Vec<String>>,
}

/// The provincial guide price in force from a date (TRANSFER_PRICE_FLOOR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidePrice {
    #[serde(with = "toml_date")]
    pub from: NaiveDate,
    pub yuan_per_mu: i64,
    pub scope: String,
    pub clause: String,
    pub source: String,
}

impl GuidePrice {
    /// The price per 亩 in 分.
    pub fn fen_per_mu(&self) -> Option<Fen> {
        Fen::from_yuan(self.yuan_per_mu)
    }
}

/// A whole profile, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub profile: ProfileHeader,
    pub spatial: Spatial,
    pub demolition: Demolition,
    pub resettlement: Resettlement,
    pub advance: Advance,
    pub completion: Completion,
    pub adjustment: Adjustment,
    pub consultation: Consultation,
    #[serde(default)]
    pub guide_price: Vec<GuidePrice>,
    /// What each department reviews on a project (三(一)): the topics, their leading and
    /// assisting departments.
    #[serde(default)]
    pub project_reviews: Vec<crate::review::ReviewTopic>,
}

/// Why a profile cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "规则配置文件 {source_name} 无法解析 / policy profile {source_name} cannot be parsed: {reason}"
    )]
    Parse { source_name: String, reason: String },
    #[error(
        "规则配置文件 {source_name} 参数 {field} 无效 / policy profile {source_name}: invalid {field}: {reason}"
    )]
    Invalid {
        source_name: String,
        field: String,
        reason: String,
    },
}

/// The Dazhou 2017 profile shipped with guagou.
pub const DAZHOU_2017_TOML: &str = include_str!("../../../policy/dazhou-2017.toml");

impl Profile {
    /// Parses and validates a profile. `source_name` names the file in messages.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| ProfileError::Parse {
            source_name: source_name.to_owned(),
            reason: e.to_string(),
        })?;
        profile.validate(source_name)?;
        Ok(profile)
    }

    /// The built-in Dazhou 2017 profile.
    pub fn dazhou_2017() -> Result<Profile, ProfileError> {
        Profile::from_toml("policy/dazhou-2017.toml", DAZHOU_2017_TOML)
    }

    fn validate(&self, source_name: &str) -> Result<(), ProfileError> {
        let invalid = |field: &str, reason: &str| ProfileError::Invalid {
            source_name: source_name.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let d = &self.demolition;
        if d.max_townships.value == 0 {
            return Err(invalid("demolition.max_townships", "must be at least 1"));
        }
        if d.min_total_area_m2.value < 0 || d.min_total_area_m2.value > d.max_total_area_m2.value {
            return Err(invalid(
                "demolition.min_total_area_m2",
                "must be ≥ 0 and ≤ demolition.max_total_area_m2",
            ));
        }
        let share = d.min_construction_share.value;
        if !(0.0..=1.0).contains(&share) {
            return Err(invalid(
                "demolition.min_construction_share",
                "must be within 0..=1",
            ));
        }
        if !(0.0..=1.0).contains(&d.min_farmland_share.value) {
            return Err(invalid(
                "demolition.min_farmland_share",
                "must be within 0..=1",
            ));
        }
        let tolerance = d.double_counting_tolerance_m2.value;
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(invalid(
                "demolition.double_counting_tolerance_m2",
                "must be ≥ 0",
            ));
        }
        let per_person = self.resettlement.min_m2_per_person.value;
        if !(per_person.is_finite() && per_person >= 0.0) {
            return Err(invalid("resettlement.min_m2_per_person", "must be ≥ 0"));
        }
        let distance = self.resettlement.max_distance_m.value;
        if !(distance.is_finite() && distance >= 0.0) {
            return Err(invalid("resettlement.max_distance_m", "must be ≥ 0"));
        }
        if !(0.0..=1.0).contains(&self.advance.max_share.value) {
            return Err(invalid("advance.max_share", "must be within 0..=1"));
        }
        if !(25..=45).contains(&self.spatial.gk_zone.value) {
            return Err(invalid(
                "spatial.gk_zone",
                "must be a 3-degree zone 25..=45",
            ));
        }
        if self.consultation.departments.value.is_empty() {
            return Err(invalid(
                "consultation.departments",
                "must name at least one department",
            ));
        }
        let mut previous: Option<NaiveDate> = None;
        for price in &self.guide_price {
            if price.yuan_per_mu <= 0 || price.fen_per_mu().is_none() {
                return Err(invalid(
                    "guide_price.yuan_per_mu",
                    "must be a positive amount",
                ));
            }
            if previous.is_some_and(|p| p >= price.from) {
                return Err(invalid(
                    "guide_price.from",
                    "entries must be in increasing date order",
                ));
            }
            previous = Some(price.from);
        }
        Ok(())
    }

    /// The guide price in force on `date`, if any.
    pub fn guide_price_on(&self, date: NaiveDate) -> Option<&GuidePrice> {
        self.guide_price.iter().rev().find(|p| p.from <= date)
    }
}

/// TOML dates (`2017-11-27`, unquoted) and quoted ISO dates both become `NaiveDate`.
pub mod toml_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }

    pub fn parse_text(text: &str) -> Result<NaiveDate, String> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|e| format!("'{text}' is not a date YYYY-MM-DD: {e}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = match Raw::deserialize(deserializer)? {
            Raw::Toml(datetime) => match (datetime.date, datetime.time) {
                (Some(_), None) => datetime.to_string(),
                _ => return Err(serde::de::Error::custom("expected a date without time")),
            },
            Raw::Text(text) => text,
        };
        parse_text(&text).map_err(serde::de::Error::custom)
    }

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&date.format("%Y-%m-%d").to_string())
    }

    /// Optional variant for `Option<NaiveDate>` fields.
    pub mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapper(#[serde(with = "super")] NaiveDate);
            Option::<Wrapper>::deserialize(deserializer).map(|w| w.map(|Wrapper(d)| d))
        }

        pub fn serialize<S: Serializer>(
            date: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match date {
                Some(d) => serializer.serialize_str(&d.format("%Y-%m-%d").to_string()),
                None => serializer.serialize_none(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dazhou_profile_loads() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        assert_eq!(profile.profile.id, "dazhou-2017");
        assert_eq!(profile.demolition.min_total_area_m2.value, 50_000);
        assert_eq!(profile.demolition.max_total_area_m2.value, 300_000);
        assert_eq!(profile.demolition.max_total_area_m2.clause, "二(一)");
        assert_eq!(profile.resettlement.min_m2_per_person.value, 50.0);
        assert_eq!(profile.advance.max_share.value, 0.30);
        assert_eq!(profile.completion.within_years.value, 3);
        assert_eq!(profile.consultation.departments.value.len(), 10);
        let day = NaiveDate::from_ymd_opt(2019, 6, 1).unwrap_or_default();
        let price = profile.guide_price_on(day).map(|p| p.yuan_per_mu);
        assert_eq!(price, Some(300_000));
        let before = NaiveDate::from_ymd_opt(2017, 12, 31).unwrap_or_default();
        assert!(profile.guide_price_on(before).is_none());
        Ok(())
    }

    #[test]
    fn unknown_key_is_an_error() {
        let text = DAZHOU_2017_TOML.replace("[advance]", "[advance]\nmax_shares = 1");
        let err = Profile::from_toml("x.toml", &text);
        assert!(matches!(err, Err(ProfileError::Parse { .. })), "{err:?}");
        let text = DAZHOU_2017_TOML.replace("[profile]", "[profile]\ncolour = \"red\"");
        assert!(Profile::from_toml("x.toml", &text).is_err());
    }

    #[test]
    fn invalid_values_are_errors() {
        let text = DAZHOU_2017_TOML.replace(
            "min_total_area_m2 = { value = 50000",
            "min_total_area_m2 = { value = 500000",
        );
        let err = Profile::from_toml("x.toml", &text);
        assert!(
            matches!(err, Err(ProfileError::Invalid { ref field, .. }) if field == "demolition.min_total_area_m2"),
            "{err:?}"
        );
        let text =
            DAZHOU_2017_TOML.replace("max_share = { value = 0.30", "max_share = { value = 1.30");
        assert!(Profile::from_toml("x.toml", &text).is_err());
    }

    #[test]
    fn later_guide_price_takes_over() -> Result<(), ProfileError> {
        let text = format!(
            "{DAZHOU_2017_TOML}\n[[guide_price]]\nfrom = 2020-01-01\nyuan_per_mu = 350000\nscope = \"x\"\nclause = \"二(三)\"\nsource = \"test\"\n"
        );
        let profile = Profile::from_toml("x.toml", &text)?;
        let d2019 = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap_or_default();
        let d2020 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
        assert_eq!(
            profile.guide_price_on(d2019).map(|p| p.yuan_per_mu),
            Some(300_000)
        );
        assert_eq!(
            profile.guide_price_on(d2020).map(|p| p.yuan_per_mu),
            Some(350_000)
        );
        Ok(())
    }
}
