//! The city's ranking of pooled projects (二(二)).
//!
//! "优先保障国家扶贫开发工作重点县（市）申报项目，以及将贫困村和易地扶贫搬迁户多的村纳入实施范围的项目
//! 入库、转报": two groups, not one strict order. A project is in the priority group when its
//! county is a national key poverty county on the ranking date (in force, or in the profile's
//! transition period after its exit: 摘帽不摘政策), or it covers a poor village, or a village
//! with at least the profile's number of relocation households; the rest follow. Inside a
//! group a transparent score: points per poor village, per relocation household and per poor
//! household (the profile's), every part shown so anyone can recompute the order. Equal
//! scores go by submission date, then code, so the order is total.

use std::cmp::Reverse;

use chrono::NaiveDate;
use serde::Serialize;

use crate::poverty::{Designation, PovertyLevel, Standing, standing_on};
use crate::profile::Profile;

/// A village a project covers, as the ranking reads it (the divisions table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VillageFacts {
    pub code: String,
    pub poor_village: bool,
    pub relocation_households: u32,
}

/// What the registry knows of a pooled project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub code: String,
    /// The county's poverty designation as recorded, if any.
    pub county_designation: Option<Designation>,
    pub villages: Vec<VillageFacts>,
    /// Relocation and poor households of the project (its current version).
    pub relocation_households: u32,
    pub poor_households: u32,
    /// Submission date `YYYY-MM-DD` (earlier first among equals).
    pub submitted_on: String,
}

/// The two groups of 二(二).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// 优先保障: national key county, poor village or village with many relocation households.
    Priority,
    Other,
}

impl Group {
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Group::Priority => ("优先组", "priority group"),
            Group::Other => ("其他项目", "other projects"),
        }
    }
}

/// The facts of a project's score and group, each shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreParts {
    pub code: String,
    /// The county is a national key poverty county (国家扶贫开发工作重点县) on the ranking date,
    /// in force or in the transition period after its exit.
    pub national_poverty_county: bool,
    /// The county's poverty standing on the ranking date (national or provincial), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county_standing: Option<Standing>,
    /// Poor villages covered (codes).
    pub poor_village_codes: Vec<String>,
    pub poor_villages: u32,
    /// Villages covered with at least `priority.many_relocation_households` relocation
    /// households (codes).
    pub many_relocation_village_codes: Vec<String>,
    pub many_relocation_villages: u32,
    pub relocation_households: u32,
    pub poor_households: u32,
    pub submitted_on: String,
}

/// The score inside a group: each part is count × the profile's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    pub poor_village_points: u64,
    pub relocation_household_points: u64,
    pub poor_household_points: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub rank: usize,
    pub group: Group,
    /// Why the project is in its group.
    pub group_reason_zh: String,
    pub group_reason_en: String,
    pub score: Score,
    pub parts: ScoreParts,
    /// What placed this project before the next one, for the explanation.
    pub explanation_zh: String,
    pub explanation_en: String,
}

/// Ranks `candidates` on `as_of` under the profile's priority rules; each row says which part
/// decided its place against the next one.
pub fn rank(profile: &Profile, as_of: NaiveDate, candidates: Vec<Candidate>) -> Vec<Ranked> {
    let mut rows: Vec<Ranked> = candidates
        .into_iter()
        .map(|c| place(profile, as_of, c))
        .collect();
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
    let explanations: Vec<(String, String)> = (0..rows.len())
        .map(|i| match rows.get(i + 1) {
            None => ("末位".to_owned(), "last".to_owned()),
            Some(next) => decided_by(&rows[i], next),
        })
        .collect();
    for (i, (row, (zh, en))) in rows.iter_mut().zip(explanations).enumerate() {
        row.rank = i + 1;
        row.explanation_zh = zh;
        row.explanation_en = en;
    }
    rows
}

type RankKey<'a> = (Group, Reverse<u64>, &'a str, &'a str);

fn key(r: &Ranked) -> RankKey<'_> {
    (
        r.group,
        Reverse(r.score.total),
        r.parts.submitted_on.as_str(),
        r.parts.code.as_str(),
    )
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One project's group, score and parts (its place is set by `rank`).
fn place(profile: &Profile, as_of: NaiveDate, c: Candidate) -> Ranked {
    let priority = &profile.priority;
    let standing = standing_on(c.county_designation, as_of, priority.transition_until.value);
    let national = standing.is_some_and(|s| s.level == PovertyLevel::National);
    let poor: Vec<String> = c
        .villages
        .iter()
        .filter(|v| v.poor_village)
        .map(|v| v.code.clone())
        .collect();
    let many: Vec<String> = c
        .villages
        .iter()
        .filter(|v| v.relocation_households >= priority.many_relocation_households.value)
        .map(|v| v.code.clone())
        .collect();
    let parts = ScoreParts {
        code: c.code,
        national_poverty_county: national,
        county_standing: standing,
        poor_villages: count(poor.len()),
        poor_village_codes: poor,
        many_relocation_villages: count(many.len()),
        many_relocation_village_codes: many,
        relocation_households: c.relocation_households,
        poor_households: c.poor_households,
        submitted_on: c.submitted_on,
    };
    let points = |n: u32, per: u32| u64::from(n).saturating_mul(u64::from(per));
    let poor_village_points = points(parts.poor_villages, priority.points_per_poor_village.value);
    let relocation_household_points = points(
        parts.relocation_households,
        priority.points_per_relocation_household.value,
    );
    let poor_household_points = points(
        parts.poor_households,
        priority.points_per_poor_household.value,
    );
    let score = Score {
        poor_village_points,
        relocation_household_points,
        poor_household_points,
        total: poor_village_points
            .saturating_add(relocation_household_points)
            .saturating_add(poor_household_points),
    };
    let (group, group_reason_zh, group_reason_en) = group_of(&parts);
    Ranked {
        rank: 0,
        group,
        group_reason_zh,
        group_reason_en,
        score,
        parts,
        explanation_zh: String::new(),
        explanation_en: String::new(),
    }
}

/// The group and why: every reason that puts the project in the priority group, or none.
fn group_of(parts: &ScoreParts) -> (Group, String, String) {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if parts.national_poverty_county
        && let Some(standing) = parts.county_standing
    {
        zh.push(standing.text_zh());
        en.push(standing.text_en());
    }
    if parts.poor_villages > 0 {
        zh.push(format!(
            "覆盖贫困村 {}",
            parts.poor_village_codes.join("、")
        ));
        en.push(format!(
            "covers poor village(s) {}",
            parts.poor_village_codes.join(", ")
        ));
    }
    if parts.many_relocation_villages > 0 {
        zh.push(format!(
            "覆盖易地扶贫搬迁户多的村 {}",
            parts.many_relocation_village_codes.join("、")
        ));
        en.push(format!(
            "covers village(s) with many relocation households {}",
            parts.many_relocation_village_codes.join(", ")
        ));
    }
    if zh.is_empty() {
        (
            Group::Other,
            "非国家扶贫开发工作重点县，未覆盖贫困村或易地扶贫搬迁户多的村".to_owned(),
            "not a national key poverty county; covers no poor village and no village with many relocation households".to_owned(),
        )
    } else {
        (Group::Priority, zh.join("；"), en.join("; "))
    }
}

fn decided_by(a: &Ranked, b: &Ranked) -> (String, String) {
    if a.group != b.group {
        (
            format!("优先组先于其他项目（{}）", a.group_reason_zh),
            format!("priority group first ({})", a.group_reason_en),
        )
    } else if a.score.total != b.score.total {
        (
            format!("得分 {} 高于 {}", a.score.total, b.score.total),
            format!("score {} vs {}", a.score.total, b.score.total),
        )
    } else if a.parts.submitted_on != b.parts.submitted_on {
        (
            "同分，按报送先后".into(),
            "tie: earlier submission first".into(),
        )
    } else {
        (
            "同分同日，按项目编号".into(),
            "tie on the same day: by project code".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn profile() -> Profile {
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
    }

    fn village(code: &str, poor: bool, relocation: u32) -> VillageFacts {
        VillageFacts {
            code: code.into(),
            poor_village: poor,
            relocation_households: relocation,
        }
    }

    fn national(exited_on: Option<NaiveDate>) -> Option<Designation> {
        Some(Designation {
            level: PovertyLevel::National,
            designated_on: Some(d(2012, 3, 19)),
            exited_on,
        })
    }

    fn candidate(
        code: &str,
        county: Option<Designation>,
        villages: Vec<VillageFacts>,
        relocation: u32,
        poor: u32,
        on: &str,
    ) -> Candidate {
        Candidate {
            code: code.into(),
            county_designation: county,
            villages,
            relocation_households: relocation,
            poor_households: poor,
            submitted_on: on.into(),
        }
    }

    fn order(ranked: &[Ranked]) -> Vec<&str> {
        ranked.iter().map(|r| r.parts.code.as_str()).collect()
    }

    #[test]
    fn two_groups_then_a_score_not_one_strict_order() {
        let plain = || vec![village("511723001001", false, 0)];
        let ranked = rank(
            &profile(),
            d(2018, 6, 1),
            vec![
                // Not in a priority county, no poor village: the other group, however many
                // households it covers.
                candidate("A", None, plain(), 90, 900, "2018-01-01"),
                // A national key county: priority, with a small score.
                candidate("B", national(None), plain(), 1, 1, "2018-02-01"),
                // A poor village: priority, score 10 + 2×5 + 10 = 30.
                candidate(
                    "C",
                    None,
                    vec![village("511723001002", true, 0)],
                    5,
                    10,
                    "2018-03-01",
                ),
                // A village with 12 relocation households (≥ 10): priority, score 2×3 = 6.
                candidate(
                    "D",
                    None,
                    vec![village("511723001003", false, 12)],
                    3,
                    0,
                    "2018-01-15",
                ),
                // A village with 9: not "many"; the other group.
                candidate(
                    "E",
                    None,
                    vec![village("511723001004", false, 9)],
                    9,
                    0,
                    "2018-01-10",
                ),
            ],
        );
        assert_eq!(order(&ranked), ["C", "D", "B", "A", "E"]);
        let groups: Vec<Group> = ranked.iter().map(|r| r.group).collect();
        use Group::{Other, Priority};
        assert_eq!(groups, [Priority, Priority, Priority, Other, Other]);
        // Every part of the score is shown and adds up.
        let c = &ranked[0];
        assert_eq!(c.score.poor_village_points, 10);
        assert_eq!(c.score.relocation_household_points, 10);
        assert_eq!(c.score.poor_household_points, 10);
        assert_eq!(c.score.total, 30);
        assert_eq!(c.explanation_en, "score 30 vs 6");
        assert!(ranked[2].explanation_zh.starts_with("优先组先于其他项目"));
        assert!(ranked[2].group_reason_zh.contains("国家扶贫开发工作重点县"));
        assert!(ranked[1].group_reason_zh.contains("511723001003"));
        // A is the other group although its score (2×90 + 900) is far higher than B's.
        assert_eq!(ranked[3].score.total, 1_080);
        assert_eq!(ranked[3].parts.poor_villages, 0);
    }

    #[test]
    fn priority_continues_through_the_transition_period_after_exit() {
        // 宣汉县 exited 2020-02-18; the Dazhou transition runs to 2020-12-31.
        let exited = || national(Some(d(2020, 2, 18)));
        let plain = || vec![village("511722001001", false, 0)];
        let rank_on = |date| {
            rank(
                &profile(),
                date,
                vec![
                    candidate("X", exited(), plain(), 0, 0, "2020-01-01"),
                    candidate("Y", None, plain(), 50, 50, "2020-01-01"),
                ],
            )
        };
        for date in [d(2020, 2, 17), d(2020, 2, 18), d(2020, 12, 31)] {
            let ranked = rank_on(date);
            assert_eq!(order(&ranked), ["X", "Y"], "{date}");
            assert!(ranked[0].parts.national_poverty_county);
        }
        let in_transition = rank_on(d(2020, 12, 31));
        assert!(
            in_transition[0]
                .group_reason_zh
                .contains("过渡期至 2020-12-31"),
            "{}",
            in_transition[0].group_reason_zh
        );
        // From 2021-01-01 the county's priority has ended: the score decides.
        let after = rank_on(d(2021, 1, 1));
        assert_eq!(order(&after), ["Y", "X"]);
        assert_eq!(after[0].group, Group::Other);
    }

    #[test]
    fn ties_go_by_submission_then_code() {
        let v = || vec![village("511722001001", true, 0)];
        let ranked = rank(
            &profile(),
            d(2019, 1, 1),
            vec![
                candidate("P2", None, v(), 1, 1, "2018-05-01"),
                candidate("P3", None, v(), 1, 1, "2018-04-01"),
                candidate("P1", None, v(), 1, 1, "2018-05-01"),
            ],
        );
        assert_eq!(order(&ranked), ["P3", "P1", "P2"]);
        assert_eq!(ranked[0].explanation_en, "tie: earlier submission first");
        assert_eq!(
            ranked[1].explanation_en,
            "tie on the same day: by project code"
        );
        assert_eq!(ranked[2].explanation_en, "last");
        assert_eq!(ranked[2].rank, 3);
    }

    #[test]
    fn the_points_are_the_profiles() {
        let mut p = profile();
        p.priority.points_per_poor_household.value = 0;
        p.priority.points_per_relocation_household.value = 7;
        let v = || vec![village("511722001001", true, 0)];
        let ranked = rank(
            &p,
            d(2019, 1, 1),
            vec![
                candidate("R", None, v(), 0, 100, "2018-01-01"),
                candidate("S", None, v(), 1, 0, "2018-02-01"),
            ],
        );
        assert_eq!(order(&ranked), ["S", "R"]);
        assert_eq!(ranked[0].score.total, 17);
    }
}
