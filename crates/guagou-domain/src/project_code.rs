//! A project area's code, `<county>-<year>-<serial>` (e.g. `511722-2018-003`): the county's
//! 6-digit GB/T 2260 code, the year of the application and a 3- or 4-digit serial. The code
//! decides rights (its county is the project's), so it is parsed once, at every door, and a
//! text that is not one never reaches a query: no project can be coded like another record
//! (`funds_entry`, `511781-JC-2019-003`) or like another county's project.

use std::fmt;

use serde::Serialize;

use crate::DivisionCode;
use crate::division::DivisionLevel;

/// The years a project code may carry.
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// A valid project code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ProjectCode {
    text: String,
    county: DivisionCode,
    year: i32,
}

/// Why a text is not a project code (the text itself, for the message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "项目编号 {0} 应为 县代码-年度-序号，如 511722-2018-003 / project code {0} should be county-year-serial, e.g. 511722-2018-003"
)]
pub struct InvalidProjectCode(pub String);

impl ProjectCode {
    pub fn parse(text: &str) -> Result<ProjectCode, InvalidProjectCode> {
        let invalid = || InvalidProjectCode(text.to_owned());
        let mut parts = text.split('-');
        let (Some(county), Some(year), Some(serial), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if county.len() != 6 || !digits(county) {
            return Err(invalid());
        }
        let county = DivisionCode::parse(county).map_err(|_| invalid())?;
        if county.level() != DivisionLevel::County {
            return Err(invalid());
        }
        if year.len() != 4 || !digits(year) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        if !YEARS.contains(&year) {
            return Err(invalid());
        }
        if !(3..=4).contains(&serial.len()) || !digits(serial) || serial.bytes().all(|b| b == b'0')
        {
            return Err(invalid());
        }
        Ok(ProjectCode {
            text: text.to_owned(),
            county,
            year,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The county the project belongs to.
    pub fn county(&self) -> &DivisionCode {
        &self.county
    }

    pub fn year(&self) -> i32 {
        self.year
    }
}

impl fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<ProjectCode> for String {
    fn from(code: ProjectCode) -> String {
        code.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_county_year_serial() {
        let code = ProjectCode::parse("511722-2018-003").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code.county().as_str(), "511722");
        assert_eq!(code.year(), 2018);
        assert!(ProjectCode::parse("511722-2019-0099").is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_project_code() {
        for text in [
            "",
            "funds_entry",
            "511781-JC-2019-003",
            "511700-2018-001",
            "510000-2018-001",
            "511722104-2018-001",
            "511722-18-001",
            "511722-2018-01",
            "511722-2018-00001",
            "511722-2018-000",
            "511722-1899-001",
            "511722-2018-001-x",
            "511722-2018-00a",
            " 511722-2018-001",
            "511722-2018-001/../x",
        ] {
            assert!(ProjectCode::parse(text).is_err(), "{text}");
        }
    }
}
