//! The public notice (公示) of a project to the villagers it affects (SPEC §7 household
//! lifecycle: recorded → informed (notice published) → consented/refused → method chosen →
//! compensated; objections recorded and answered; seed 二(七): 保障农户的知情权、参与权和收益权).
//!
//! Pure: masking of names shown to the public, the notice period, compensation standards in
//! 分, receipt numbers and answer deadlines. No clock: callers pass today.
//!
//! The notice period's minimum and the days staff have to answer an objection are profile
//! values (`[notice]`, 二(七) 保障农户的知情权、参与权; Dazhou: 7 and 15 days, guagou's reading
//! where the seed gives no figure):
//! - the notice period lasts at least `notice.min_days` days: `ends_on ≥ starts_on + min_days`;
//! - an objection is answered within `notice.answer_within_days` days of filing, else it is
//!   overdue on the staff page.
//!
//! Limits against abuse, not policy, stay constants here (documented in crates/guagou-web/README.md):
//! at most `OBJECTIONS_PER_HOUR` (5) objections per client address and notice per hour, and
//! `OBJECTIONS_PER_NOTICE_PER_HOUR` (60) per notice per hour from all addresses together.

use std::fmt;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::check::{Consent, ResettlementMethod};
use crate::error_code::ErrorCode;
use crate::profile::NoticeDurations;
use crate::units::Fen;

/// Objections accepted per client address and notice within one hour.
pub const OBJECTIONS_PER_HOUR: i64 = 5;
/// At most this many objections to one notice per hour from all addresses together (a village
/// files a few; a flood from many addresses is refused, 429, and tried again later).
pub const OBJECTIONS_PER_NOTICE_PER_HOUR: i64 = 60;
/// Longest objection text, answer, name and contact (characters).
pub const MAX_OBJECTION_CHARS: usize = 2_000;
pub const MAX_ANSWER_CHARS: usize = 4_000;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_CONTACT_CHARS: usize = 100;

/// Why a notice or an objection is refused. Displayed as "中文 / English" for logs; users get
/// `message_zh()` and `message_en()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    PeriodTooShort {
        min_days: i64,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
    NotOpenYet {
        starts_on: NaiveDate,
    },
    Closed {
        ends_on: NaiveDate,
    },
    Invalid {
        field: &'static str,
        zh: String,
        en: String,
    },
}

impl fmt::Display for NoticeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let NoticeError::Invalid { field, .. } = self {
            write!(f, "{field}: ")?;
        }
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}

impl NoticeError {
    fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        NoticeError::Invalid {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The row of the error table: outside the period is a conflict (409), a short period
    /// or bad input is invalid (422).
    pub fn code(&self) -> ErrorCode {
        match self {
            NoticeError::PeriodTooShort { .. } => ErrorCode::NoticePeriodTooShort,
            NoticeError::NotOpenYet { .. } => ErrorCode::NoticeNotOpen,
            NoticeError::Closed { .. } => ErrorCode::NoticeClosed,
            NoticeError::Invalid { .. } => ErrorCode::Invalid,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            NoticeError::PeriodTooShort {
                min_days,
                starts_on,
                ends_on,
            } => format!("公示期须至少 {min_days} 天（{starts_on} 至 {ends_on}）"),
            NoticeError::NotOpenYet { starts_on } => {
                format!("公示尚未开始（{starts_on} 开始），暂不受理异议")
            }
            NoticeError::Closed { ends_on } => {
                format!("公示期已于 {ends_on} 结束，不再受理异议")
            }
            NoticeError::Invalid { zh, .. } => zh.clone(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            NoticeError::PeriodTooShort {
                min_days,
                starts_on,
                ends_on,
            } => format!(
                "the notice period must last at least {min_days} days ({starts_on} to {ends_on})"
            ),
            NoticeError::NotOpenYet { starts_on } => {
                format!("the notice period starts on {starts_on}; objections are not accepted yet")
            }
            NoticeError::Closed { ends_on } => {
                format!("the notice period ended on {ends_on}; objections are no longer accepted")
            }
            NoticeError::Invalid { en, .. } => en.clone(),
        }
    }

    /// The Chinese and the English message.
    pub fn messages(&self) -> (String, String) {
        (self.message_zh(), self.message_en())
    }

    /// The input field at fault, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            NoticeError::PeriodTooShort { .. } => Some("ends_on"),
            NoticeError::Invalid { field, .. } => Some(field),
            NoticeError::NotOpenYet { .. } | NoticeError::Closed { .. } => None,
        }
    }
}

/// A name as the public sees it: the first character kept, the rest starred, and for names of
/// three characters or more the last one kept too (张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜).
/// A one-character name becomes `*`. A name in parts (`John Smith`, `买买提·艾力`) is masked
/// part by part, keeping each part's first character. Surrounding spaces are dropped; an empty
/// name stays empty.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let separators = [' ', '·', '•', '・', '.', '-', '\u{3000}'];
    if name.contains(separators) {
        let mut out = String::new();
        let mut part = String::new();
        for c in name.chars() {
            if separators.contains(&c) {
                out.push_str(&mask_part_keep_first(&part));
                out.push(c);
                part.clear();
            } else {
                part.push(c);
            }
        }
        out.push_str(&mask_part_keep_first(&part));
        return out;
    }
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// One part of a multi-part name: its first character, the rest starred.
fn mask_part_keep_first(part: &str) -> String {
    let mut chars = part.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
    }
}

/// The notice period (both days included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePeriod {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Where today lies against a notice period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Upcoming,
    Open,
    Closed,
}

impl PeriodStatus {
    /// Every variant (names and pickers walk them).
    pub const ALL: [PeriodStatus; 3] = [
        PeriodStatus::Upcoming,
        PeriodStatus::Open,
        PeriodStatus::Closed,
    ];
}

impl NoticePeriod {
    /// A period of at least the profile's `notice.min_days` days.
    pub fn new(
        durations: &NoticeDurations,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    ) -> Result<NoticePeriod, NoticeError> {
        let min_days = i64::from(durations.min_days.value);
        if ends_on < starts_on + Duration::days(min_days) {
            return Err(NoticeError::PeriodTooShort {
                min_days,
                starts_on,
                ends_on,
            });
        }
        Ok(NoticePeriod { starts_on, ends_on })
    }

    pub fn status(&self, today: NaiveDate) -> PeriodStatus {
        if today < self.starts_on {
            PeriodStatus::Upcoming
        } else if today > self.ends_on {
            PeriodStatus::Closed
        } else {
            PeriodStatus::Open
        }
    }

    /// Refuses an objection outside the period.
    pub fn require_open(&self, today: NaiveDate) -> Result<(), NoticeError> {
        match self.status(today) {
            PeriodStatus::Open => Ok(()),
            PeriodStatus::Upcoming => Err(NoticeError::NotOpenYet {
                starts_on: self.starts_on,
            }),
            PeriodStatus::Closed => Err(NoticeError::Closed {
                ends_on: self.ends_on,
            }),
        }
    }
}

/// What a compensation amount is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// 元/平方米 (of demolished floor or land area)
    PerM2,
    /// 元/户
    PerHousehold,
    /// 元/人
    PerPerson,
}

impl Basis {
    /// `per_m2` | `per_household` | `per_person`, or the Chinese unit (平方米, m2, 户, 人…).
    pub fn parse(text: &str) -> Option<Basis> {
        let t = text
            .trim()
            .trim_start_matches("元/")
            .trim_start_matches("元每");
        match t {
            "per_m2" | "m2" | "m²" | "平方米" | "㎡" | "平米" => Some(Basis::PerM2),
            "per_household" | "household" | "户" => Some(Basis::PerHousehold),
            "per_person" | "person" | "人" => Some(Basis::PerPerson),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Basis::PerM2 => "per_m2",
            Basis::PerHousehold => "per_household",
            Basis::PerPerson => "per_person",
        }
    }

    /// The unit after an amount in 元: (Chinese, English).
    pub fn unit(self) -> (&'static str, &'static str) {
        match self {
            Basis::PerM2 => ("元/平方米", "yuan per m²"),
            Basis::PerHousehold => ("元/户", "yuan per household"),
            Basis::PerPerson => ("元/人", "yuan per person"),
        }
    }
}

/// One compensation standard (补偿标准) of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standard {
    /// e.g. 砖混结构房屋补偿
    pub item: String,
    pub basis: Basis,
    /// 分 per unit of `basis`
    pub amount_fen: i64,
}

impl Standard {
    /// Refuses an empty item or a negative amount.
    pub fn validate(&self) -> Result<(), NoticeError> {
        if self.item.trim().is_empty() {
            return Err(NoticeError::invalid(
                "standards",
                "补偿标准的项目名称不能为空",
                "a compensation standard needs an item name",
            ));
        }
        if self.amount_fen < 0 {
            return Err(NoticeError::invalid(
                "standards",
                format!("{}：金额不能为负", self.item),
                format!("{}: the amount may not be negative", self.item),
            ));
        }
        Ok(())
    }
}

/// Parses an amount in 元 with at most two decimals into 分, exactly (`"120.5"` → 12 050).
pub fn parse_yuan(text: &str) -> Result<Fen, NoticeError> {
    crate::units::parse_money_fen(text).map(Fen).ok_or_else(|| {
        NoticeError::invalid(
            "standards",
            format!("'{}' 不是以元为单位、至多两位小数的金额", text.trim()),
            format!(
                "'{}' is not an amount in yuan with at most two decimals",
                text.trim()
            ),
        )
    })
}

/// Parses standards written one per line as `item, amount in 元, unit` (commas or tabs; unit
/// `平方米`/`m2`, `户`, `人`). Blank lines are skipped.
pub fn parse_standards(text: &str) -> Result<Vec<Standard>, NoticeError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split([',', '，', '\t', '|']).map(str::trim).collect();
        let [item, amount, unit] = parts.as_slice() else {
            return Err(NoticeError::invalid(
                "standards",
                format!(
                    "第 {} 行应为「项目, 金额（元）, 单位（平方米/户/人）」",
                    i + 1
                ),
                format!(
                    "line {} should be 'item, amount in yuan, unit (m2/household/person)'",
                    i + 1
                ),
            ));
        };
        let basis = Basis::parse(unit).ok_or_else(|| {
            NoticeError::invalid(
                "standards",
                format!("第 {} 行：未知单位 '{unit}'（平方米、户或人）", i + 1),
                format!(
                    "line {}: unknown unit '{unit}' (m2, household or person)",
                    i + 1
                ),
            )
        })?;
        let standard = Standard {
            item: (*item).to_owned(),
            basis,
            amount_fen: parse_yuan(amount)?.0,
        };
        standard.validate()?;
        out.push(standard);
    }
    Ok(out)
}

/// The receipt number of an objection: `GS-<project code>-<nonce>` (nonce: random hex).
pub fn receipt(project_code: &str, nonce: &str) -> String {
    format!("GS-{project_code}-{}", nonce.to_ascii_uppercase())
}

/// Whether `text` could be a receipt (cheap refusal of junk before any lookup).
pub fn receipt_looks_valid(text: &str) -> bool {
    text.starts_with("GS-")
        && text.len() <= 64
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The day an objection filed on `filed_on` must be answered by (`notice.answer_within_days`
/// after filing).
pub fn answer_due(durations: &NoticeDurations, filed_on: NaiveDate) -> NaiveDate {
    filed_on + Duration::days(i64::from(durations.answer_within_days.value))
}

/// An objection not answered after its due day is overdue.
pub fn is_overdue(
    durations: &NoticeDurations,
    filed_on: NaiveDate,
    answered: bool,
    today: NaiveDate,
) -> bool {
    !answered && today > answer_due(durations, filed_on)
}

/// Trims `text` and refuses it when empty (if `required`) or longer than `max` characters.
pub fn bounded_text(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<String, NoticeError> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(NoticeError::invalid(
            field,
            format!("{field} 不能为空"),
            format!("{field} is required"),
        ));
    }
    if t.chars().count() > max {
        return Err(NoticeError::invalid(
            field,
            format!("{field} 不能超过 {max} 个字"),
            format!("{field} may have at most {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// Stable code of a consent status (stored in the snapshot).
pub fn consent_code(consent: Consent) -> &'static str {
    match consent {
        Consent::Consented => "consented",
        Consent::Refused => "refused",
        Consent::Pending => "pending",
    }
}

/// Stable code of a resettlement method (stored in the snapshot).
pub fn method_code(method: ResettlementMethod) -> &'static str {
    match method {
        ResettlementMethod::Concentrated => "concentrated",
        ResettlementMethod::Monetary => "monetary",
        ResettlementMethod::SelfArranged => "self_arranged",
        ResettlementMethod::Dispersed => "dispersed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn masks_han_names_of_every_length() {
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("  李华  "), "李*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn masks_non_han_names_part_by_part() {
        assert_eq!(mask_name("John Smith"), "J*** S****");
        assert_eq!(mask_name("买买提·艾力"), "买**·艾*");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name("Anna"), "A**a");
    }

    #[test]
    fn a_masked_name_never_contains_the_full_name() {
        for name in [
            "张三",
            "张三丰",
            "欧阳娜娜",
            "John Smith",
            "买买提·艾力",
            "Bo",
        ] {
            let masked = mask_name(name);
            assert_ne!(masked, name);
            assert!(!masked.contains(name), "{name} → {masked}");
            assert!(masked.contains('*'), "{name} → {masked}");
        }
    }

    fn durations() -> NoticeDurations {
        crate::Profile::dazhou_2017()
            .map(|p| p.notice)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_period_lasts_at_least_the_minimum() {
        let start = day(2019, 7, 1);
        let dazhou = durations();
        assert!(NoticePeriod::new(&dazhou, start, day(2019, 7, 7)).is_err());
        let err = NoticePeriod::new(&dazhou, start, day(2019, 6, 30));
        assert!(matches!(
            err,
            Err(NoticeError::PeriodTooShort { min_days: 7, .. })
        ));
        let period = NoticePeriod::new(&dazhou, start, day(2019, 7, 8));
        assert!(period.is_ok());
        // Another city's minimum, from its profile.
        let mut longer = durations();
        longer.min_days.value = 10;
        assert!(NoticePeriod::new(&longer, start, day(2019, 7, 10)).is_err());
        assert!(NoticePeriod::new(&longer, start, day(2019, 7, 11)).is_ok());
    }

    #[test]
    fn objections_only_within_the_period() -> Result<(), NoticeError> {
        let period = NoticePeriod::new(&durations(), day(2019, 7, 1), day(2019, 7, 15))?;
        assert_eq!(period.status(day(2019, 6, 30)), PeriodStatus::Upcoming);
        assert_eq!(period.status(day(2019, 7, 1)), PeriodStatus::Open);
        assert_eq!(period.status(day(2019, 7, 15)), PeriodStatus::Open);
        assert_eq!(period.status(day(2019, 7, 16)), PeriodStatus::Closed);
        assert!(period.require_open(day(2019, 7, 15)).is_ok());
        let closed = period.require_open(day(2019, 7, 16));
        assert!(matches!(closed, Err(NoticeError::Closed { .. })));
        let (zh, en) = closed.err().map(|e| e.messages()).unwrap_or_default();
        assert!(zh.contains("已于 2019-07-15 结束"), "{zh}");
        assert!(en.contains("ended on 2019-07-15"), "{en}");
        Ok(())
    }

    #[test]
    fn amounts_parse_exactly_to_fen() {
        assert_eq!(parse_yuan("120"), Ok(Fen(12_000)));
        assert_eq!(parse_yuan("120.5"), Ok(Fen(12_050)));
        assert_eq!(parse_yuan("0.07"), Ok(Fen(7)));
        assert_eq!(parse_yuan("30,000"), Ok(Fen(3_000_000)));
        assert!(parse_yuan("1.234").is_err());
        assert!(parse_yuan("-5").is_err());
        assert!(parse_yuan("abc").is_err());
        assert!(parse_yuan("99999999999999999999").is_err());
    }

    #[test]
    fn standards_parse_one_per_line() -> Result<(), NoticeError> {
        let parsed =
            parse_standards("砖混房屋补偿, 650, 平方米\n\n搬迁奖励，5000，户\n过渡费\t300.5\t人")?;
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].basis, Basis::PerM2);
        assert_eq!(parsed[0].amount_fen, 65_000);
        assert_eq!(parsed[1].basis, Basis::PerHousehold);
        assert_eq!(parsed[2].amount_fen, 30_050);
        assert!(parse_standards("房屋, 650").is_err());
        assert!(parse_standards("房屋, 650, 亩").is_err());
        assert!(parse_standards(", 650, 户").is_err());
        Ok(())
    }

    #[test]
    fn overdue_after_the_answer_window() {
        let filed = day(2019, 7, 1);
        let dazhou = durations();
        assert_eq!(answer_due(&dazhou, filed), day(2019, 7, 16));
        assert!(!is_overdue(&dazhou, filed, false, day(2019, 7, 16)));
        assert!(is_overdue(&dazhou, filed, false, day(2019, 7, 17)));
        assert!(!is_overdue(&dazhou, filed, true, day(2019, 8, 30)));
        let mut quicker = durations();
        quicker.answer_within_days.value = 5;
        assert_eq!(answer_due(&quicker, filed), day(2019, 7, 6));
    }

    #[test]
    fn receipts_have_the_project_code_and_are_checked_before_lookup() {
        let r = receipt("511722-2018-001", "3fa9c21b");
        assert_eq!(r, "GS-511722-2018-001-3FA9C21B");
        assert!(receipt_looks_valid(&r));
        assert!(!receipt_looks_valid("GS-<script>"));
        assert!(!receipt_looks_valid("XX-1"));
    }

    #[test]
    fn texts_are_bounded() {
        assert_eq!(
            bounded_text("text", "  异议  ", 10, true),
            Ok("异议".to_owned())
        );
        assert!(bounded_text("text", "   ", 10, true).is_err());
        assert_eq!(bounded_text("name", "", 10, false), Ok(String::new()));
        assert!(bounded_text("text", &"字".repeat(11), 10, true).is_err());
    }
}
