//! The department a user works for (SPEC §1). Rights follow the department and the
//! jurisdiction together: the land bureau drafts, decides and runs the ledger; finance records
//! money; audit reads everything and writes nothing but its findings; the other departments
//! review and give consultation opinions.
//!
//! A department is parsed once, from a fixed table of the departments SPEC §1 names (by an
//! ASCII code or its Chinese name) or from the consultation departments a profile lists, and is
//! a closed value after that: rights are never decided by matching free text.

use std::fmt;

use serde::Serialize;

/// One department of a city or county government (or the provincial land department).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum Department {
    /// 国土资源局 / 厅: plans, projects, the quota ledger, the market, supervision.
    Land,
    /// 财政局: records funds raised and spent.
    Finance,
    /// 审计局: reads every record and verifies the journals; writes nothing else.
    Audit,
    /// A reviewing department (规划, 住建, 农业, …) by its Chinese name as the profile lists it:
    /// consultation opinions on special plans, reviews.
    Reviewer(String),
}

/// The departments SPEC §1 names: the ASCII code users and scripts may write, and the Chinese
/// name (for reviewers, the name the Dazhou profile lists in its consultation table).
const REVIEWERS: &[(&str, &str, &str)] = &[
    ("rural_affairs", "市委农工委", "rural affairs commission"),
    ("development", "发改", "development and reform"),
    ("economy", "经信", "economy and information"),
    ("planning", "规划", "planning"),
    ("housing", "住建", "housing and construction"),
    ("agriculture", "农业", "agriculture"),
    ("forestry", "林业", "forestry"),
    ("environment", "环保", "environmental protection"),
    ("water", "水务", "water affairs"),
    ("poverty", "扶贫移民局", "poverty relief and resettlement"),
    ("fire", "公安消防", "public security fire service"),
];

/// A department name that is none of the known departments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知部门 {0} / unknown department {0}")]
pub struct UnknownDepartment(pub String);

impl Department {
    /// Parses a department: `land`/`国土`, `finance`/`财政`, `audit`/`审计`, a reviewer's code
    /// or Chinese name from SPEC §1, or one of `profile_reviewers` (the consultation departments
    /// of the profile in force) verbatim.
    pub fn parse(
        text: &str,
        profile_reviewers: &[String],
    ) -> Result<Department, UnknownDepartment> {
        let text = text.trim();
        match text {
            "land" | "国土" | "国土资源局" | "国土资源厅" => {
                return Ok(Department::Land);
            }
            "finance" | "财政" | "财政局" => return Ok(Department::Finance),
            "audit" | "审计" | "审计局" => return Ok(Department::Audit),
            _ => {}
        }
        if let Some((_, zh, _)) = REVIEWERS
            .iter()
            .find(|(code, zh, _)| *code == text || *zh == text)
        {
            return Ok(Department::Reviewer((*zh).to_owned()));
        }
        if profile_reviewers.iter().any(|name| name == text) {
            return Ok(Department::Reviewer(text.to_owned()));
        }
        Err(UnknownDepartment(text.to_owned()))
    }

    /// The stored form: `land`, `finance`, `audit`, or a reviewer's Chinese name.
    pub fn as_str(&self) -> &str {
        match self {
            Department::Land => "land",
            Department::Finance => "finance",
            Department::Audit => "audit",
            Department::Reviewer(name) => name,
        }
    }

    /// The name a user reads, in Chinese.
    pub fn name_zh(&self) -> &str {
        match self {
            Department::Land => "国土资源部门",
            Department::Finance => "财政部门",
            Department::Audit => "审计部门",
            Department::Reviewer(name) => name,
        }
    }

    /// The name a user reads, in English.
    pub fn name_en(&self) -> &str {
        match self {
            Department::Land => "land bureau",
            Department::Finance => "finance bureau",
            Department::Audit => "audit bureau",
            Department::Reviewer(name) => REVIEWERS
                .iter()
                .find(|(_, zh, _)| zh == name)
                .map_or(name.as_str(), |(_, _, en)| en),
        }
    }

    /// Whether this department may write anything at all (audit only reads, SPEC §1).
    pub fn writes(&self) -> bool {
        *self != Department::Audit
    }

    /// Whether this department reads every jurisdiction (audit, SPEC §1).
    pub fn reads_everything(&self) -> bool {
        *self == Department::Audit
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Department> for String {
    fn from(d: Department) -> String {
        d.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_chinese_names_and_profile_names() {
        let none: &[String] = &[];
        assert_eq!(Department::parse("land", none), Ok(Department::Land));
        assert_eq!(Department::parse(" 审计 ", none), Ok(Department::Audit));
        assert_eq!(
            Department::parse("planning", none),
            Ok(Department::Reviewer("规划".into()))
        );
        assert_eq!(
            Department::parse("住建", none),
            Ok(Department::Reviewer("住建".into()))
        );
        assert!(Department::parse("交通", none).is_err());
        assert_eq!(
            Department::parse("交通", &["交通".to_owned()]),
            Ok(Department::Reviewer("交通".into()))
        );
        assert!(Department::parse("", none).is_err());
        assert!(Department::parse("Land", none).is_err());
    }

    #[test]
    fn only_audit_is_read_only_and_reads_everything() {
        assert!(!Department::Audit.writes());
        assert!(Department::Audit.reads_everything());
        assert!(Department::Finance.writes());
        assert!(!Department::Land.reads_everything());
        assert_eq!(Department::Reviewer("规划".into()).name_en(), "planning");
    }
}
