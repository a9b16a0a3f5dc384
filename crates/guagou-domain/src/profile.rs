//! The policy profile: the parameters of one city's policy, each with the clause it comes from.
//!
//! A profile is data (`policy/*.toml`), so another city's policy is a new file, not new code.
//! Unknown keys are errors, and every value is checked on load, so a `Profile` that exists is
//! usable as it is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{Calendar, DateSpan};
use crate::division::DivisionCode;
use crate::ledger::LandUse;
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

/// Which days rest when a deadline's last day moves (民法典 art. 203, SPEC §3). Optional: a
/// profile without it moves no day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSection {
    /// Saturdays and Sundays are rest days (公休日), unless listed in `working_days`.
    pub weekends_rest: Param<bool>,
    /// Statutory holidays and the rest days the State Council adds to them: dates or inclusive
    /// ranges (`2019-10-01..2019-10-07`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Param<Vec<DateSpan>>>,
    /// Adjusted working days (调休): working even on a weekend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<Param<Vec<DateSpan>>>,
}

impl CalendarSection {
    pub fn calendar(&self) -> Calendar {
        let spans = |p: &Option<Param<Vec<DateSpan>>>| {
            p.as_ref().map(|p| p.value.clone()).unwrap_or_default()
        };
        let working_days = spans(&self.working_days)
            .iter()
            .flat_map(|s| s.first.iter_days().take_while(move |d| *d <= s.last))
            .collect();
        Calendar {
            weekends_rest: self.weekends_rest.value,
            holidays: spans(&self.holidays),
            working_days,
        }
    }
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

/// The provincial guide price in force from a date (TRANSFER_PRICE_FLOOR, 二(三) "不低于省上指导
/// 价格"). A dated fact: `source` is the document that sets the price, `from_source` the one
/// that sets the date it applies from, and `from_status` says whether that date is confirmed
/// or a stand-in (待核) until the city records the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidePrice {
    #[serde(with = "toml_date")]
    pub from: NaiveDate,
    pub yuan_per_mu: i64,
    pub scope: String,
    pub clause: String,
    pub source: String,
    pub from_status: FactStatus,
    pub from_source: String,
}

impl GuidePrice {
    /// The price per 亩 in 分.
    pub fn fen_per_mu(&self) -> Option<Fen> {
        Fen::from_yuan(self.yuan_per_mu)
    }

    /// Why this price cannot be used, naming the field (`None`: it can).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.yuan_per_mu <= 0 || self.fen_per_mu().is_none() {
            return Some(("guide_price.yuan_per_mu", "must be a positive amount"));
        }
        let blank = |text: &str| text.trim().is_empty();
        if blank(&self.source) {
            return Some((
                "guide_price.source",
                "must name the document that sets the price",
            ));
        }
        if blank(&self.from_source) {
            return Some((
                "guide_price.from_source",
                "must name the document that sets the date (or say why it is 待核)",
            ));
        }
        if blank(&self.clause) || blank(&self.scope) {
            return Some(("guide_price.clause", "clause and scope must not be empty"));
        }
        None
    }
}

/// Whether a dated fact's date is fixed by a document (`confirmed`) or a stand-in awaiting it
/// (`pending`, 待核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactStatus {
    Confirmed,
    Pending,
}

impl FactStatus {
    /// Every variant (names and pickers walk them).
    pub const ALL: [FactStatus; 2] = [FactStatus::Confirmed, FactStatus::Pending];

    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            FactStatus::Confirmed => ("已核实", "confirmed"),
            FactStatus::Pending => ("待核", "to be verified"),
        }
    }

    pub fn parse(text: &str) -> Option<FactStatus> {
        match text.trim() {
            "confirmed" | "已核实" => Some(FactStatus::Confirmed),
            "pending" | "待核" => Some(FactStatus::Pending),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FactStatus::Confirmed => "confirmed",
            FactStatus::Pending => "pending",
        }
    }
}

/// No guide price is in force on a date: the floor of TRANSFER_PRICE_FLOOR cannot be shown to
/// hold, so the step is refused and the city is told to record the price with its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", self.message_zh(), self.message_en())]
pub struct NoGuidePrice {
    pub date: NaiveDate,
    /// The first date a price is in force from, if any.
    pub first_from: Option<NaiveDate>,
}

impl NoGuidePrice {
    pub fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::NoGuidePrice
    }

    pub fn message_zh(&self) -> String {
        let first = match self.first_from {
            Some(d) => format!("现有最早的指导价自 {d} 起生效"),
            None => "尚未录入任何指导价".to_owned(),
        };
        format!(
            "{} 没有生效的省指导价（二(三) 流转价格不低于省上指导价），{first}：请市国土资源局按来源文件录入自该日或更早起生效的指导价（“省指导价”页面或 guagou guide-price add，注明来源文件），再办理",
            self.date
        )
    }

    pub fn message_en(&self) -> String {
        let first = match self.first_from {
            Some(d) => format!("the earliest price on record applies from {d}"),
            None => "no guide price is recorded yet".to_owned(),
        };
        format!(
            "no provincial guide price is in force on {} (二(三): the transfer price may not be below the provincial guide price) and {first}: the city land bureau must record the price in force on that date with its source document (the guide price page or `guagou guide-price add`) first",
            self.date
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Poverty priority, allocation weights, the township tolerance, notice durations and the
// operational land uses (issue 13, items 11 and 13). Each value names its clause; where the
// seed gives no figure, `note` says the value is guagou's reading.
// ---------------------------------------------------------------------------------------------

/// A dated parameter (a TOML date or a quoted `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateParam {
    #[serde(with = "toml_date")]
    pub value: NaiveDate,
    pub clause: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// 二(二): which projects the city puts first when it ranks pooled projects, and the score
/// inside each group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priority {
    /// 摘帽不摘政策: a poverty county's priority continues after its exit until this date
    /// (ranking and allocation weights alike).
    pub transition_until: DateParam,
    /// A village with at least this many relocation households on record is one of the
    /// "易地扶贫搬迁户多的村".
    pub many_relocation_households: Param<u32>,
    /// Points of the score inside a group, per poor village covered.
    pub points_per_poor_village: Param<u32>,
    /// Per relocation household of the project.
    pub points_per_relocation_household: Param<u32>,
    /// Per poor household of the project.
    pub points_per_poor_household: Param<u32>,
}

/// 二(二), 三(二): the weights of the city's yearly allocation of its linkage plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationWeights {
    /// Every county not suspended.
    pub base: Param<u32>,
    /// A national poverty county (in force, or in the transition period after its exit).
    pub national_poverty: Param<u32>,
    /// A provincial poverty county (likewise).
    pub provincial_poverty: Param<u32>,
    /// Each commendation of the previous year.
    pub commendation: Param<u32>,
}

/// 二(一) "拆旧区控制在 1 个乡镇": how much of a parcel may lie across a township line before
/// it counts as lying in that township too (digitising slivers do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownshipTolerance {
    pub crossing_min_m2: Param<f64>,
    pub crossing_min_share: Param<f64>,
}

impl TownshipTolerance {
    /// The tolerance for a parcel of `parcel_area_m2` (plane area): the larger of the two.
    pub fn tolerance_m2(&self, parcel_area_m2: f64) -> f64 {
        (parcel_area_m2 * self.crossing_min_share.value).max(self.crossing_min_m2.value)
    }
}

/// 二(七) 保障农户的知情权、参与权: the public notice of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeDurations {
    /// Shortest notice period: `ends_on ≥ starts_on + min_days`.
    pub min_days: Param<u32>,
    /// Days staff have to answer an objection; later it is overdue.
    pub answer_within_days: Param<u32>,
}

/// 二(五) "商业、旅游、娱乐和商品住宅等经营性土地": the land uses that must be backed by surplus
/// quota. "等": the list is the profile's, so a city may add a use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationalLand {
    pub land_uses: Param<Vec<LandUse>>,
}

impl OperationalLand {
    pub fn includes(&self, land_use: LandUse) -> bool {
        self.land_uses.value.contains(&land_use)
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
    /// Rest days for moving a deadline's last day (民法典 art. 203).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarSection>,
    pub adjustment: Adjustment,
    pub consultation: Consultation,
    #[serde(default)]
    pub guide_price: Vec<GuidePrice>,
    /// What each department reviews on a project (三(一)): the topics, their leading and
    /// assisting departments.
    #[serde(default)]
    pub project_reviews: Vec<crate::review::ReviewTopic>,
    // Issue 13, items 11 and 13 (policyfacts).
    pub priority: Priority,
    pub allocation: AllocationWeights,
    pub township: TownshipTolerance,
    pub notice: NoticeDurations,
    pub operational_land: OperationalLand,
    // Issue 13, items 8 and 9 (landrules): which classes and attributes the land-use rules count.
    pub land_use: crate::landrules::LandUseRules,
    // Issue 19 (三区三线 screening): tolerances of the protection-layer rules, each with the
    // national text it reads.
    pub protection: crate::protection::ProtectionRules,
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
            if let Some((field, reason)) = price.problem() {
                return Err(invalid(field, reason));
            }
            if previous.is_some_and(|p| p >= price.from) {
                return Err(invalid(
                    "guide_price.from",
                    "entries must be in increasing date order",
                ));
            }
            previous = Some(price.from);
        }
        if let Some((field, reason)) = self.land_use.problem() {
            return Err(invalid(field, reason));
        }
        if let Some((field, reason)) = self.protection.problem() {
            return Err(invalid(field, reason));
        }
        self.validate_policyfacts(source_name)
    }

    /// The sections of issue 13, items 11 and 13.
    fn validate_policyfacts(&self, source_name: &str) -> Result<(), ProfileError> {
        let invalid = |field: &str, reason: &str| ProfileError::Invalid {
            source_name: source_name.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let t = &self.township;
        if !(t.crossing_min_m2.value.is_finite() && t.crossing_min_m2.value >= 0.0) {
            return Err(invalid("township.crossing_min_m2", "must be ≥ 0"));
        }
        if !(0.0..1.0).contains(&t.crossing_min_share.value) {
            return Err(invalid(
                "township.crossing_min_share",
                "must be within 0..1",
            ));
        }
        if self.notice.min_days.value == 0 {
            return Err(invalid("notice.min_days", "must be at least 1"));
        }
        if self.notice.answer_within_days.value == 0 {
            return Err(invalid("notice.answer_within_days", "must be at least 1"));
        }
        if self.allocation.base.value == 0 {
            // With a zero base, a county with no tilt would get nothing: not what 二(三) says.
            return Err(invalid("allocation.base", "must be at least 1"));
        }
        if let Some(section) = &self.calendar {
            let calendar = section.calendar();
            let clash = calendar
                .working_days
                .iter()
                .find(|d| calendar.holidays.iter().any(|h| h.contains(**d)));
            if let Some(day) = clash {
                return Err(invalid(
                    "calendar.working_days",
                    &format!("{day} is listed both as a holiday and as a working day"),
                ));
            }
        }
        if self.operational_land.land_uses.value.is_empty() {
            return Err(invalid(
                "operational_land.land_uses",
                "must name at least one land use",
            ));
        }
        Ok(())
    }

    /// The rest days deadlines are counted with (no day moves without a `[calendar]`).
    pub fn deadline_calendar(&self) -> Calendar {
        self.calendar
            .as_ref()
            .map(CalendarSection::calendar)
            .unwrap_or_default()
    }

    /// The guide price in force on `date`, if any.
    pub fn guide_price_on(&self, date: NaiveDate) -> Option<&GuidePrice> {
        self.guide_price.iter().rev().find(|p| p.from <= date)
    }

    /// The guide price in force on `date`, or the error that tells the city to record one.
    pub fn guide_price_for(&self, date: NaiveDate) -> Result<&GuidePrice, NoGuidePrice> {
        self.guide_price_on(date).ok_or(NoGuidePrice {
            date,
            first_from: self.guide_price.first().map(|p| p.from),
        })
    }

    /// This profile with `added` guide prices (those the city recorded) merged into its table,
    /// in date order. Two prices from the same date are refused: a date has one price.
    pub fn with_guide_prices(&self, added: &[GuidePrice]) -> Result<Profile, ProfileError> {
        if added.is_empty() {
            return Ok(self.clone());
        }
        let mut merged = self.clone();
        merged.guide_price.extend(added.iter().cloned());
        merged.guide_price.sort_by_key(|p| p.from);
        merged.validate("guide_prices")?;
        Ok(merged)
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

    /// The calendar of 民法典 art. 203: weekends rest, listed holidays rest, 调休 days work; a
    /// profile without `[calendar]` moves no day.
    #[test]
    fn the_deadline_calendar_comes_from_the_profile() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        let calendar = profile.deadline_calendar();
        assert!(calendar.is_rest_day(day(2019, 10, 3)));
        assert!(calendar.is_rest_day(day(2019, 7, 13)));
        assert!(!calendar.is_rest_day(day(2019, 7, 15)));
        assert!(!calendar.is_rest_day(day(2019, 9, 29)));
        assert_eq!(
            calendar.next_working_day(day(2019, 10, 1)),
            Some(day(2019, 10, 8))
        );
        // 2025 and 2026 (国务院办公厅 notices, 待核 like the rest): 国庆中秋 2025 runs to 10-08,
        // 调休 Sundays and Saturdays work, 2026's 国庆 ends on 10-07 and 10-10 (a Saturday) works.
        assert_eq!(
            calendar.next_working_day(day(2025, 10, 1)),
            Some(day(2025, 10, 9))
        );
        assert!(!calendar.is_rest_day(day(2025, 1, 26)));
        assert!(calendar.is_rest_day(day(2026, 2, 23)));
        assert!(!calendar.is_rest_day(day(2026, 2, 14)));
        assert_eq!(
            calendar.next_working_day(day(2026, 10, 1)),
            Some(day(2026, 10, 8))
        );
        assert!(!calendar.is_rest_day(day(2026, 10, 10)));
        let start = profile.profile.issued;
        let text = DAZHOU_2017_TOML.replace("[calendar]", "[calendar_unused]");
        assert!(Profile::from_toml("x.toml", &text).is_err());
        let bare = {
            let mut p = profile.clone();
            p.calendar = None;
            p
        };
        assert_eq!(bare.deadline_calendar(), crate::dates::Calendar::default());
        assert!(!bare.deadline_calendar().is_rest_day(start));
        // A day both resting and working is refused.
        let text = DAZHOU_2017_TOML.replace("\"2019-10-12\",", "\"2019-10-12\", \"2019-10-03\",");
        let err = Profile::from_toml("x.toml", &text);
        assert!(
            matches!(err, Err(ProfileError::Invalid { ref field, .. }) if field == "calendar.working_days"),
            "{err:?}"
        );
        let text =
            DAZHOU_2017_TOML.replace("\"2019-06-07..2019-06-09\"", "\"2019-06-09..2019-06-07\"");
        assert!(Profile::from_toml("x.toml", &text).is_err());
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
            "{DAZHOU_2017_TOML}\n[[guide_price]]\nfrom = 2020-01-01\nyuan_per_mu = 350000\nscope = \"x\"\nclause = \"二(三)\"\nsource = \"test\"\nfrom_status = \"confirmed\"\nfrom_source = \"test\"\n"
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

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_guide_price_is_a_dated_fact_with_its_sources() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        let price = &profile.guide_price[0];
        assert_eq!(price.yuan_per_mu, 300_000);
        assert!(price.source.contains("30 万元/亩"), "{}", price.source);
        assert!(price.source.contains("2019 年 1 月"), "{}", price.source);
        assert_eq!(price.from_status, FactStatus::Pending);
        assert!(price.from_source.contains("待核"));
        // A price without its source, or without what fixes its date, is refused.
        let text = DAZHOU_2017_TOML.replace("source = \"四川省国土资源厅", "source = \" \"#");
        let err = Profile::from_toml("x.toml", &text);
        assert!(
            matches!(err, Err(ProfileError::Invalid { ref field, .. }) if field == "guide_price.source"),
            "{err:?}"
        );
        let text = DAZHOU_2017_TOML.replace("from_status = \"pending\"\n", "");
        assert!(matches!(
            Profile::from_toml("x.toml", &text),
            Err(ProfileError::Parse { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_date_before_every_price_names_what_to_do() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        // The policy's own date (2017-11-27) to 2017-12-31 has no price on record.
        for date in [day(2017, 11, 27), day(2017, 12, 31)] {
            let err = profile.guide_price_for(date).err();
            let err = err.unwrap_or_else(|| panic!("{date} has a price"));
            assert_eq!(err.code(), crate::ErrorCode::NoGuidePrice);
            assert_eq!(err.first_from, Some(day(2018, 1, 1)));
            assert!(
                err.message_zh().contains("来源文件"),
                "{}",
                err.message_zh()
            );
            assert!(err.message_zh().contains(&date.to_string()));
            assert!(err.message_en().contains("source document"));
        }
        assert!(profile.guide_price_for(day(2018, 1, 1)).is_ok());
        Ok(())
    }

    #[test]
    fn added_prices_merge_in_date_order_and_one_price_a_date() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        let mut early = profile.guide_price[0].clone();
        early.from = day(2017, 11, 27);
        early.from_status = FactStatus::Confirmed;
        early.from_source = "test document".into();
        let merged = profile.with_guide_prices(std::slice::from_ref(&early))?;
        assert_eq!(merged.guide_price.len(), 2);
        assert_eq!(merged.guide_price[0].from, day(2017, 11, 27));
        assert!(merged.guide_price_for(day(2017, 12, 1)).is_ok());
        // The shipped profile itself is unchanged.
        assert!(profile.guide_price_for(day(2017, 12, 1)).is_err());
        let mut same_day = early.clone();
        same_day.from = day(2018, 1, 1);
        assert!(profile.with_guide_prices(&[same_day]).is_err());
        Ok(())
    }

    #[test]
    fn policy_constants_are_profile_values_with_clauses() -> Result<(), ProfileError> {
        let profile = Profile::dazhou_2017()?;
        assert_eq!(profile.priority.transition_until.value, day(2020, 12, 31));
        assert_eq!(profile.priority.transition_until.clause, "二(二)");
        assert_eq!(profile.allocation.national_poverty.value, 10);
        assert_eq!(profile.notice.min_days.value, 7);
        assert_eq!(profile.notice.answer_within_days.value, 15);
        assert_eq!(profile.township.tolerance_m2(100.0), 1.0);
        assert_eq!(profile.township.tolerance_m2(100_000.0), 100.0);
        assert!(
            profile
                .operational_land
                .includes(LandUse::CommercialHousing)
        );
        assert!(!profile.operational_land.includes(LandUse::Industrial));
        assert_eq!(profile.operational_land.land_uses.clause, "二(五)");
        // "等": a city may extend the list without a code change.
        let text = DAZHOU_2017_TOML.replace(
            "\"commercial_housing\"]",
            "\"commercial_housing\", \"industrial\"]",
        );
        let extended = Profile::from_toml("x.toml", &text)?;
        assert!(extended.operational_land.includes(LandUse::Industrial));
        // An unknown land use is a parse error, not a silent skip.
        let text = DAZHOU_2017_TOML.replace("\"tourism\"", "\"casino\"");
        assert!(Profile::from_toml("x.toml", &text).is_err());
        let text = DAZHOU_2017_TOML.replace("min_days = { value = 7", "min_days = { value = 0");
        assert!(Profile::from_toml("x.toml", &text).is_err());
        Ok(())
    }
}
