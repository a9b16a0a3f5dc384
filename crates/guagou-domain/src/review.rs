//! Departments' reviews of a project and the audit bureau's findings (三(一), SPEC §1).
//!
//! 三(一) gives each department its part: 规划 leads the review of the site of concentrated
//! residence (with 市委农工委, 发改, 住建, 水务, 国土); 住建 leads the supervision of the quality and
//! safety of buildings and infrastructure (with 市委农工委, 发改, 规划, 水务, 国土, 公安消防); 农业
//! guides the soil fertility of reclaimed farmland and supervises its later use; 林业 reviews the
//! forest land a concentrated site occupies; 审计 audits and supervises the money. The topics are
//! profile data (`[[project_reviews]]`); this module decides who may record what. Pure.

use serde::{Deserialize, Serialize};

use crate::Department;

/// One topic a department reviews on a project, from the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewTopic {
    /// A stable ASCII code (`site`, `quality_safety`, `reclaimed_soil`, `forest_land`).
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The leading department (its name as SPEC §1 or the profile lists it).
    pub lead: String,
    /// The departments that take part.
    #[serde(default)]
    pub assisting: Vec<String>,
    pub clause: String,
}

impl ReviewTopic {
    /// Whether `department` reviews this topic (leads it or takes part).
    pub fn reviewed_by(&self, department: &Department, reviewers: &[String]) -> bool {
        std::iter::once(&self.lead)
            .chain(&self.assisting)
            .filter_map(|name| Department::parse(name, reviewers).ok())
            .any(|d| &d == department)
    }
}

/// A department's conclusion on its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 同意
    Agree,
    /// 有条件同意 (the conditions are in the text)
    Conditional,
    /// 不同意
    Disagree,
}

impl Conclusion {
    /// Every variant (names and pickers walk them).
    pub const ALL: [Conclusion; 3] = [
        Conclusion::Agree,
        Conclusion::Conditional,
        Conclusion::Disagree,
    ];

    pub fn parse(text: &str) -> Option<Conclusion> {
        match text.trim() {
            "agree" | "同意" => Some(Conclusion::Agree),
            "conditional" | "有条件同意" => Some(Conclusion::Conditional),
            "disagree" | "不同意" => Some(Conclusion::Disagree),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Agree => "agree",
            Conclusion::Conditional => "conditional",
            Conclusion::Disagree => "disagree",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Conclusion::Agree => "同意",
            Conclusion::Conditional => "有条件同意",
            Conclusion::Disagree => "不同意",
        }
    }
}

/// Longest review or finding text accepted (characters).
pub const MAX_TEXT_CHARS: usize = 4000;

/// Why a review or a finding is refused (bilingual, with the field at fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// Checks the text of a review or finding: present, not too long, no control characters but
/// line breaks.
pub fn check_text(field: &'static str, text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal {
            field,
            zh: "须填写内容".into(),
            en: "a text is required".into(),
        });
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Refusal {
            field,
            zh: format!("内容超过 {MAX_TEXT_CHARS} 字"),
            en: format!("the text is longer than {MAX_TEXT_CHARS} characters"),
        });
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Refusal {
            field,
            zh: "内容含控制字符".into(),
            en: "the text holds control characters".into(),
        });
    }
    Ok(text.to_owned())
}

/// The topic `code` of `topics` that `department` may review, or why not.
pub fn topic_for<'a>(
    topics: &'a [ReviewTopic],
    code: &str,
    department: &Department,
    reviewers: &[String],
) -> Result<&'a ReviewTopic, Refusal> {
    let topic = topics
        .iter()
        .find(|t| t.code == code)
        .ok_or_else(|| Refusal {
            field: "topic",
            zh: format!(
                "未知审查事项 {code}（{}）",
                topics
                    .iter()
                    .map(|t| t.code.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            en: format!(
                "unknown review topic {code} ({})",
                topics
                    .iter()
                    .map(|t| t.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    if !topic.reviewed_by(department, reviewers) {
        return Err(Refusal {
            field: "topic",
            zh: format!(
                "{}不审查“{}”（由{}牵头，{}配合，{}）",
                department.name_zh(),
                topic.name_zh,
                topic.lead,
                topic.assisting.join("、"),
                topic.clause
            ),
            en: format!(
                "the {} does not review \"{}\" (led by {}, {})",
                department.name_en(),
                topic.name_en,
                topic.lead,
                topic.clause
            ),
        });
    }
    Ok(topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> ReviewTopic {
        ReviewTopic {
            code: "site".into(),
            name_zh: "农民集中居住区选址".into(),
            name_en: "site of concentrated residence".into(),
            lead: "规划".into(),
            assisting: vec![
                "市委农工委".into(),
                "发改".into(),
                "住建".into(),
                "水务".into(),
                "国土".into(),
            ],
            clause: "三(一)".into(),
        }
    }

    #[test]
    fn the_lead_and_the_assisting_departments_review_their_topic() {
        let topics = [site()];
        let none: &[String] = &[];
        let planning = Department::Reviewer("规划".into());
        assert!(topic_for(&topics, "site", &planning, none).is_ok());
        assert!(topic_for(&topics, "site", &Department::Land, none).is_ok());
        let forestry = Department::Reviewer("林业".into());
        let refused = topic_for(&topics, "site", &forestry, none).err();
        assert!(refused.is_some_and(|r| r.field == "topic" && r.zh.contains("规划")));
        assert!(topic_for(&topics, "quality", &planning, none).is_err());
        assert!(topic_for(&topics, "site", &Department::Audit, none).is_err());
    }

    #[test]
    fn texts_and_conclusions_are_checked() {
        assert!(check_text("text", "  ").is_err());
        assert!(check_text("text", &"字".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(check_text("text", "a\u{7}b").is_err());
        assert_eq!(
            check_text("text", " 同意选址\n ").ok().as_deref(),
            Some("同意选址")
        );
        assert_eq!(
            Conclusion::parse("有条件同意"),
            Some(Conclusion::Conditional)
        );
        assert_eq!(Conclusion::parse("maybe"), None);
    }
}
