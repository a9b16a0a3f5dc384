//! The city's ranking of pooled projects (二(二)): national poverty counties first, then the
//! number of poor villages, relocation households and poor households a project covers. The
//! score is lexicographic and every part is shown, so anyone can recompute the order.

use std::cmp::Reverse;

use serde::Serialize;

/// The parts of a project's score, in order of precedence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreParts {
    pub code: String,
    /// The project's county is a national-level poverty county (国家扶贫开发工作重点县).
    pub national_poverty_county: bool,
    pub poor_villages: u32,
    pub relocation_households: u32,
    pub poor_households: u32,
    /// Submission date (earlier first among equals), then code, make the order total.
    pub submitted_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub rank: usize,
    pub parts: ScoreParts,
    /// The rule that ordered this project before the next one, for the explanation.
    pub explanation_zh: String,
    pub explanation_en: String,
}

/// The sort key: each part in order of precedence (larger counts first).
type RankKey<'a> = (
    Reverse<bool>,
    Reverse<u32>,
    Reverse<u32>,
    Reverse<u32>,
    &'a str,
    &'a str,
);

fn key(p: &ScoreParts) -> RankKey<'_> {
    (
        Reverse(p.national_poverty_county),
        Reverse(p.poor_villages),
        Reverse(p.relocation_households),
        Reverse(p.poor_households),
        p.submitted_on.as_str(),
        p.code.as_str(),
    )
}

/// Ranks projects; each row says which part decided its place against the next one.
pub fn rank(mut projects: Vec<ScoreParts>) -> Vec<Ranked> {
    projects.sort_by(|a, b| key(a).cmp(&key(b)));
    let mut out = Vec::with_capacity(projects.len());
    for (i, parts) in projects.iter().enumerate() {
        let (zh, en) = match projects.get(i + 1) {
            None => ("末位".to_owned(), "last".to_owned()),
            Some(next) => decided_by(parts, next),
        };
        out.push(Ranked {
            rank: i + 1,
            parts: parts.clone(),
            explanation_zh: zh,
            explanation_en: en,
        });
    }
    out
}

fn decided_by(a: &ScoreParts, b: &ScoreParts) -> (String, String) {
    if a.national_poverty_county != b.national_poverty_county {
        (
            "国家扶贫开发工作重点县优先".into(),
            "national poverty county first".into(),
        )
    } else if a.poor_villages != b.poor_villages {
        (
            format!("贫困村 {} 个多于 {} 个", a.poor_villages, b.poor_villages),
            format!("{} poor villages vs {}", a.poor_villages, b.poor_villages),
        )
    } else if a.relocation_households != b.relocation_households {
        (
            format!(
                "易地扶贫搬迁户 {} 户多于 {} 户",
                a.relocation_households, b.relocation_households
            ),
            format!(
                "{} relocation households vs {}",
                a.relocation_households, b.relocation_households
            ),
        )
    } else if a.poor_households != b.poor_households {
        (
            format!(
                "贫困户 {} 户多于 {} 户",
                a.poor_households, b.poor_households
            ),
            format!(
                "{} poor households vs {}",
                a.poor_households, b.poor_households
            ),
        )
    } else {
        (
            "同分，按申报先后".into(),
            "tie: earlier submission first".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        code: &str,
        national: bool,
        villages: u32,
        relocation: u32,
        poor: u32,
        on: &str,
    ) -> ScoreParts {
        ScoreParts {
            code: code.into(),
            national_poverty_county: national,
            poor_villages: villages,
            relocation_households: relocation,
            poor_households: poor,
            submitted_on: on.into(),
        }
    }

    #[test]
    fn national_county_first_then_counts() {
        let ranked = rank(vec![
            parts("A", false, 9, 90, 900, "2018-01-01"),
            parts("B", true, 1, 1, 1, "2018-02-01"),
            parts("C", false, 9, 95, 10, "2018-03-01"),
            parts("D", false, 9, 95, 10, "2018-01-15"),
        ]);
        let order: Vec<&str> = ranked.iter().map(|r| r.parts.code.as_str()).collect();
        assert_eq!(order, ["B", "D", "C", "A"]);
        assert_eq!(ranked[0].explanation_en, "national poverty county first");
        assert_eq!(ranked[1].explanation_en, "tie: earlier submission first");
        assert_eq!(ranked[2].explanation_en, "95 relocation households vs 90");
    }
}
