//! The page bodies of this module's pre-check results, upload errors and version diffs: askama
//! templates (`templates/upload/`, auto-escaped) built from the shared partials
//! (`templates/partials/`, see [`crate::partials`]). Here only what they show is gathered.

use crate::catalogue::{Key, k};

use askama::Template;
use guagou_domain::check::RuleResult;
use guagou_registry::RegistryError;
use guagou_registry::packages::PreCheck;
use guagou_registry::projects::{ParcelSummary, VersionDiff};

use crate::error::{Problem, WebError};
use crate::html::{Lang, quantity_text};
use crate::partials::Cell;

/// An area in m² with hectares and mu.
pub fn area_text(lang: Lang, m2: i64) -> String {
    crate::html::area_text(lang, m2)
}

/// A measured (not yet rounded) area: m² with two decimals.
pub fn measured_text(m2: f64) -> String {
    format!("{m2:.2} m²")
}

/// The text of a pair in the reader's language (plain; the template escapes it).
pub fn either<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The problem of a failed upload step: `WebError::problem` (package errors name their file,
/// record and field in both languages), but a package outside the user's jurisdiction says
/// so in the package's words.
pub fn problem_of(error: &WebError) -> Problem {
    match error {
        // The pre-check names the field that put the package outside the user's jurisdiction.
        WebError::Registry(RegistryError::Forbidden { actor, what })
            if what.starts_with("project.toml") =>
        {
            let mut problem = error.problem();
            problem.message_zh = format!("项目包 {what} 不在 {actor} 的辖区内");
            problem.message_en = format!("package {what} is outside the jurisdiction of {actor}");
            problem
        }
        other => other.problem(),
    }
}

/// The body of a page for a failed step: the problem (code and rule shown small) and the way
/// back.
#[derive(Template)]
#[template(path = "upload/problem.html")]
pub struct ProblemBody<'a> {
    pub lang: Lang,
    pub message: &'a str,
    pub code: &'a str,
    pub rule: Option<&'a str>,
    pub back: &'a str,
}

impl<'a> ProblemBody<'a> {
    pub fn new(lang: Lang, problem: &'a Problem, back: &'a str) -> ProblemBody<'a> {
        ProblemBody {
            lang,
            message: either(lang, &problem.message_zh, &problem.message_en),
            code: problem.code.as_str(),
            rule: problem.rule.as_deref(),
            back,
        }
    }
}

const RESULT_HEADERS: &[Key] = &[
    k::RULE,
    k::CLAUSE,
    k::SEVERITY_2,
    k::RESULT,
    k::MEASURED,
    k::LIMIT,
    k::MESSAGE,
];

/// One row of the rule results (`id="rule-<RULE_ID>"`): failed blocking rules highlighted
/// (`class="blocking"`), the message in the user's language.
pub struct RuleRow {
    pub id: String,
    /// `passed`, `warning` or `blocking`.
    pub class: &'static str,
    /// `ok`, `warn` or `fail`.
    pub verdict_class: &'static str,
    pub verdict: Key,
    pub blocks: bool,
    pub clause: String,
    pub severity: String,
    pub measured: String,
    pub limit: String,
    pub message: String,
    pub justification: Option<String>,
}

fn rule_rows(lang: Lang, results: &[RuleResult]) -> Vec<RuleRow> {
    results
        .iter()
        .map(|result| {
            let value = serde_json::to_value(result).unwrap_or_default();
            let (class, verdict_class, verdict) = if result.passed {
                ("passed", "ok", k::PASS)
            } else if result.severity == guagou_domain::Severity::Information {
                // Reported, asks for nothing (DEMOLITION_IN_ECOLOGICAL_REDLINE).
                ("information", "info", k::NOTE_REPORTED)
            } else if !result.blocks() {
                ("warning", "warn", k::WARNING)
            } else {
                ("blocking", "fail", k::FAIL)
            };
            RuleRow {
                id: result.rule.as_str().to_owned(),
                class,
                verdict_class,
                verdict,
                blocks: result.blocks(),
                clause: result.clause.clone(),
                severity: lang
                    .text(crate::names::severity(result.severity))
                    .to_owned(),
                measured: quantity_text(value.get("measured")),
                limit: quantity_text(value.get("limit")),
                message: either(lang, &result.message_zh, &result.message_en).to_owned(),
                justification: result.justification.clone(),
            }
        })
        .collect()
}

/// What the pre-check shows: summary, verdict, rules, rules not run, reading warnings,
/// parcels (`templates/upload/precheck.html`, included by the results page).
pub struct PreCheckView<'a> {
    pub pre: &'a PreCheck,
    pub demolition: String,
    pub resettlement: String,
    pub surplus: String,
    /// The verdict when blocking rules failed (none: none failed).
    pub failed: Option<String>,
    pub result_headers: Vec<&'static str>,
    pub rules: Vec<RuleRow>,
    pub not_checked_headers: Vec<&'static str>,
    pub not_checked: Vec<Vec<Cell>>,
    pub warning_headers: Vec<&'static str>,
    pub warnings: Vec<Vec<Cell>>,
    pub parcel_headers: Vec<&'static str>,
    pub parcels: Vec<Vec<Cell>>,
}

fn texts(lang: Lang, keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|key| lang.text(*key)).collect()
}

/// The pre-check as the results page shows it.
pub fn precheck_view(lang: Lang, pre: &PreCheck) -> PreCheckView<'_> {
    let failed: Vec<&str> = pre
        .results
        .iter()
        .filter(|r| r.blocks())
        .map(|r| r.rule.as_str())
        .collect();
    let failed = (!failed.is_empty()).then(|| {
        lang.fill(
            k::UPLOAD_BLOCKING_RULES_FAILED,
            &[
                ("count", &failed.len().to_string()),
                ("rules", &failed.join(", ")),
            ],
        )
    });
    PreCheckView {
        pre,
        demolition: area_text(lang, pre.demolition_m2),
        resettlement: area_text(lang, pre.resettlement_m2),
        surplus: area_text(lang, pre.planned_surplus_m2),
        failed,
        result_headers: texts(lang, RESULT_HEADERS),
        rules: rule_rows(lang, &pre.results),
        not_checked_headers: texts(lang, &[k::RULE, k::WHY]),
        not_checked: pre
            .not_checked
            .iter()
            .map(|n| {
                vec![
                    Cell::code(n.rule.as_str()),
                    Cell::text(either(lang, &n.reason_zh, &n.reason_en)),
                ]
            })
            .collect(),
        warning_headers: texts(lang, &[k::WHERE, k::CODE, k::MESSAGE]),
        warnings: pre
            .warnings
            .iter()
            .map(|w| {
                vec![
                    Cell::text(w.location.to_string()),
                    Cell::code(w.code),
                    Cell::text(either(lang, &w.message_zh, &w.message_en)),
                ]
            })
            .collect(),
        parcel_headers: texts(
            lang,
            &[
                k::ROLE,
                k::FILE,
                k::PARCEL,
                k::TOWNSHIP,
                k::PLANAR_AREA,
                k::ELLIPSOIDAL_AREA,
            ],
        ),
        parcels: pre
            .parcels
            .iter()
            .map(|p| {
                vec![
                    Cell::text(&p.role),
                    Cell::text(&p.file),
                    Cell::text(&p.name),
                    Cell::text(p.township.as_deref().unwrap_or("")),
                    Cell::text(measured_text(p.planar_m2)),
                    Cell::text(measured_text(p.ellipsoidal_m2)),
                ]
            })
            .collect(),
    }
}

/// The differences between two versions, as tables (`templates/upload/diff.html`).
pub struct DiffView {
    pub parcel_headers: Vec<&'static str>,
    pub added: Vec<Vec<Cell>>,
    pub removed: Vec<Vec<Cell>>,
    pub changed_headers: Vec<&'static str>,
    pub changed: Vec<Vec<Cell>>,
    pub field_headers: Vec<&'static str>,
    pub fields: Vec<Vec<Cell>>,
}

fn parcel_rows(parcels: &[ParcelSummary]) -> Vec<Vec<Cell>> {
    parcels
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.role),
                Cell::text(&p.name),
                Cell::text(measured_text(p.planar_m2)),
                Cell::text(measured_text(p.ellipsoidal_m2)),
            ]
        })
        .collect()
}

/// The diff as the diff page shows it.
pub fn diff_view(lang: Lang, diff: &VersionDiff) -> DiffView {
    DiffView {
        parcel_headers: texts(
            lang,
            &[k::ROLE, k::PARCEL, k::PLANAR_AREA, k::ELLIPSOIDAL_AREA],
        ),
        added: parcel_rows(&diff.added),
        removed: parcel_rows(&diff.removed),
        changed_headers: texts(lang, &[k::ROLE, k::PARCEL, k::BEFORE, k::AFTER, k::CHANGE]),
        changed: diff
            .changed
            .iter()
            .map(|(role, name, before, after)| {
                vec![
                    Cell::text(role),
                    Cell::text(name),
                    Cell::text(measured_text(*before)),
                    Cell::text(measured_text(*after)),
                    Cell::text(format!("{:+.2} m²", after - before)),
                ]
            })
            .collect(),
        field_headers: texts(lang, &[k::FIELD_2, k::BEFORE, k::AFTER]),
        fields: diff
            .fields
            .iter()
            .map(|(field, before, after)| {
                vec![Cell::text(field), Cell::text(before), Cell::text(after)]
            })
            .collect(),
    }
}
