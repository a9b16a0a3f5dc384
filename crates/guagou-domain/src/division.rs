//! Administrative division codes (GB/T 2260 and the statistical extension): 6 digits for a county
//! (or city), 9 for a township, 12 for a village.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

/// A parsed division code. Only a string of 6, 9 or 12 ASCII digits exists as a `DivisionCode`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "行政区划代码 '{0}' 无效：应为 6、9 或 12 位数字 / invalid division code '{0}': expected 6, 9 or 12 digits"
)]
pub struct InvalidDivisionCode(pub String);

impl DivisionCode {
    pub fn parse(text: &str) -> Result<DivisionCode, InvalidDivisionCode> {
        let text = text.trim();
        let digits_only = text.bytes().all(|b| b.is_ascii_digit());
        if digits_only && matches!(text.len(), 6 | 9 | 12) {
            Ok(DivisionCode(text.to_owned()))
        } else {
            Err(InvalidDivisionCode(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> DivisionLevel {
        match self.0.len() {
            12 => DivisionLevel::Village,
            9 => DivisionLevel::Township,
            _ if self.0.ends_with("0000") => DivisionLevel::Province,
            _ if self.0.ends_with("00") => DivisionLevel::City,
            _ => DivisionLevel::County,
        }
    }

    /// The county (6 digits) this code belongs to.
    pub fn county(&self) -> DivisionCode {
        DivisionCode(self.0[..6].to_owned())
    }

    /// The township (9 digits) of a township or village code.
    pub fn township(&self) -> Option<DivisionCode> {
        (self.0.len() >= 9).then(|| DivisionCode(self.0[..9].to_owned()))
    }

    /// Whether `other` is this division or lies inside it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(self.descendant_prefix())
    }

    /// The digits every code inside this division starts with (GB/T 2260 is hierarchical): a
    /// province's first 2, a city's first 4, otherwise the whole code.
    pub fn descendant_prefix(&self) -> &str {
        match self.level() {
            DivisionLevel::Province => &self.0[..2],
            DivisionLevel::City => &self.0[..4],
            _ => self.0.as_str(),
        }
    }

    /// The digits of the city this division belongs to (the first 4; a province's first 2).
    pub fn city_prefix(&self) -> &str {
        match self.level() {
            DivisionLevel::Province => &self.0[..2],
            _ => &self.0[..4],
        }
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = InvalidDivisionCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&value)
    }
}

impl From<DivisionCode> for String {
    fn from(code: DivisionCode) -> String {
        code.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels() -> Result<(), InvalidDivisionCode> {
        assert_eq!(DivisionCode::parse("511700")?.level(), DivisionLevel::City);
        assert_eq!(
            DivisionCode::parse("511722")?.level(),
            DivisionLevel::County
        );
        assert_eq!(
            DivisionCode::parse("511722104")?.level(),
            DivisionLevel::Township
        );
        let village = DivisionCode::parse("511722104201")?;
        assert_eq!(village.level(), DivisionLevel::Village);
        assert_eq!(village.county().as_str(), "511722");
        assert_eq!(
            village.township().map(|t| t.0),
            Some("511722104".to_owned())
        );
        assert!(DivisionCode::parse("511700")?.contains(&village));
        assert!(!DivisionCode::parse("511723")?.contains(&village));
        Ok(())
    }

    #[test]
    fn rejects_bad_codes() {
        for bad in [
            "",
            "51172",
            "5117221",
            "51172a",
            "５１１７２２",
            "511722104201X",
        ] {
            assert!(DivisionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
