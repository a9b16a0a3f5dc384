//! Poverty designations of counties and the priority they carry (二(二), 二(三)), for the
//! ranking of pooled projects and the yearly allocation alike.
//!
//! A designation is a dated fact (designated on, exited on). Priority follows the designation
//! while it is in force and, after the county's exit, until the profile's transition date
//! (`priority.transition_until`: 摘帽不摘政策 — Sichuan, 2018: after exit "在脱贫攻坚期内，国家和
//! 四川省原有扶贫政策保持不变"). Both uses ask [`standing_on`], so they cannot disagree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A poverty designation of a county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PovertyLevel {
    /// 国家扶贫开发工作重点县
    National,
    /// 省定贫困县
    Provincial,
}

impl PovertyLevel {
    pub fn parse(text: &str) -> Option<PovertyLevel> {
        match text {
            "national" => Some(PovertyLevel::National),
            "provincial" => Some(PovertyLevel::Provincial),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PovertyLevel::National => "national",
            PovertyLevel::Provincial => "provincial",
        }
    }

    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            PovertyLevel::National => ("国家扶贫开发工作重点县", "national key poverty county"),
            PovertyLevel::Provincial => ("省定贫困县", "provincial poverty county"),
        }
    }
}

/// A county's designation as recorded (policy/divisions-*.csv, each date with its source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Designation {
    pub level: PovertyLevel,
    /// `None`: designated before anything guagou dates (in force from the start).
    pub designated_on: Option<NaiveDate>,
    /// The day the exit took effect: from that day the county is no longer designated.
    pub exited_on: Option<NaiveDate>,
}

/// The priority a designation gives on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub level: PovertyLevel,
    /// Set when the county has exited and its priority continues for the transition period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_on: Option<NaiveDate>,
    /// The last day of the transition period, when the priority continues by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_until: Option<NaiveDate>,
}

impl Standing {
    /// Whether the priority continues only by the transition period.
    pub fn in_transition(&self) -> bool {
        self.exited_on.is_some()
    }

    /// "国家扶贫开发工作重点县（2019-04-30 退出，过渡期至 2020-12-31）".
    pub fn text_zh(&self) -> String {
        let (zh, _) = self.level.label();
        match (self.exited_on, self.transition_until) {
            (Some(exit), Some(until)) => format!("{zh}（{exit} 退出，过渡期至 {until}）"),
            _ => zh.to_owned(),
        }
    }

    pub fn text_en(&self) -> String {
        let (_, en) = self.level.label();
        match (self.exited_on, self.transition_until) {
            (Some(exit), Some(until)) => {
                format!("{en} (exited {exit}, transition period until {until})")
            }
            _ => en.to_owned(),
        }
    }
}

/// The priority `designation` gives on `date`: in force (designated by then and not yet
/// exited), or continuing after the exit while `date` is on or before `transition_until`.
pub fn standing_on(
    designation: Option<Designation>,
    date: NaiveDate,
    transition_until: NaiveDate,
) -> Option<Standing> {
    let d = designation?;
    if d.designated_on.is_some_and(|on| on > date) {
        return None;
    }
    match d.exited_on {
        Some(exit) if exit <= date => (date <= transition_until).then_some(Standing {
            level: d.level,
            exited_on: Some(exit),
            transition_until: Some(transition_until),
        }),
        _ => Some(Standing {
            level: d.level,
            exited_on: None,
            transition_until: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn dachuan() -> Option<Designation> {
        // 达川区: provincial, exited by the notice published 2019-04-30.
        Some(Designation {
            level: PovertyLevel::Provincial,
            designated_on: None,
            exited_on: Some(d(2019, 4, 30)),
        })
    }

    #[test]
    fn priority_continues_after_exit_until_the_transition_ends() {
        let until = d(2020, 12, 31);
        let before = standing_on(dachuan(), d(2019, 4, 29), until);
        assert_eq!(before.map(|s| s.in_transition()), Some(false));
        let on_exit = standing_on(dachuan(), d(2019, 4, 30), until);
        assert_eq!(on_exit.map(|s| s.in_transition()), Some(true));
        assert_eq!(on_exit.and_then(|s| s.exited_on), Some(d(2019, 4, 30)));
        let last = standing_on(dachuan(), until, until);
        assert!(last.is_some_and(|s| s.in_transition()));
        assert!(
            last.is_some_and(|s| s.text_zh().contains("过渡期至 2020-12-31")),
            "{last:?}"
        );
        assert_eq!(standing_on(dachuan(), d(2021, 1, 1), until), None);
        // No transition period (a profile setting it before the exit): priority ends on exit.
        assert_eq!(
            standing_on(dachuan(), d(2019, 4, 30), d(2018, 12, 31)),
            None
        );
    }

    #[test]
    fn not_yet_designated_or_never_designated_has_no_priority() {
        let later = Some(Designation {
            level: PovertyLevel::National,
            designated_on: Some(d(2012, 3, 19)),
            exited_on: None,
        });
        let until = d(2020, 12, 31);
        assert_eq!(standing_on(later, d(2012, 3, 18), until), None);
        assert!(standing_on(later, d(2012, 3, 19), until).is_some());
        // An exit after the transition's end: priority simply ends on the exit.
        let late_exit = Some(Designation {
            level: PovertyLevel::National,
            designated_on: None,
            exited_on: Some(d(2021, 6, 1)),
        });
        assert!(standing_on(late_exit, d(2021, 5, 31), until).is_some_and(|s| !s.in_transition()));
        assert_eq!(standing_on(late_exit, d(2021, 6, 1), until), None);
        assert_eq!(standing_on(None, d(2019, 1, 1), until), None);
    }
}
