//! HTML of this module's pages: pre-check results, upload errors, version diffs, the ranking.
//! Every value goes through `esc` (or `Lang::t`/`one`, which escape).

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

use guagou_domain::check::RuleResult;
use guagou_registry::RegistryError;
use guagou_registry::packages::PreCheck;
use guagou_registry::projects::VersionDiff;

use crate::error::{Problem, WebError};
use crate::html::{Lang, esc, quantity_text, table_in, value_text};

/// An area in m² with hectares and mu.
pub fn area_text(m2: i64) -> String {
    crate::html::area_text(m2)
}

/// A measured (not yet rounded) area: m² with two decimals.
pub fn measured_text(m2: f64) -> String {
    format!("{m2:.2} m²")
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

/// A message box for a problem (code and rule shown small).
pub fn problem_html(lang: Lang, problem: &Problem) -> String {
    let rule = problem
        .rule
        .as_deref()
        .map(|r| format!(" · {}", esc(r)))
        .unwrap_or_default();
    format!(
        "<div id=\"upload-error\" class=\"fail\" role=\"alert\"><p>{}</p><p class=\"en\">{}{}</p></div>",
        lang.pair(&problem.message_zh, &problem.message_en),
        esc(problem.code.as_str()),
        rule,
    )
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

/// The rule results as a table: one row per rule (`id="rule-<RULE_ID>"`), failed blocking
/// rules highlighted (`class="blocking"`), the message in the user's language first.
pub fn results_table(lang: Lang, results: &[RuleResult]) -> String {
    let mut out = String::from("<table id=\"check-results\"><thead><tr>");
    for name in RESULT_HEADERS {
        let _ = write!(out, "<th>{}</th>", lang.t(*name));
    }
    out.push_str("</tr></thead><tbody>");
    for result in results {
        let value = serde_json::to_value(result).unwrap_or_default();
        let warning = !result.passed && !result.blocks();
        let (class, verdict) = if result.passed {
            (
                "passed",
                format!("<span class=\"ok\">{}</span>", lang.t(k::PASS)),
            )
        } else if warning {
            (
                "warning",
                format!("<span class=\"warn\">{}</span>", lang.t(k::WARNING)),
            )
        } else {
            (
                "blocking",
                format!("<span class=\"fail\">{}</span>", lang.t(k::FAIL)),
            )
        };
        let style = if result.blocks() {
            " style=\"background:#fee\""
        } else {
            ""
        };
        let justification = result
            .justification
            .as_deref()
            .map(|j| {
                format!(
                    "<br><span class=\"en\">{}：{}</span>",
                    lang.t(k::JUSTIFICATION),
                    esc(j)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr id=\"rule-{id}\" class=\"{class}\"{style}><td><code>{id}</code></td><td>{clause}</td><td>{severity}</td><td>{verdict}</td><td>{measured}</td><td>{limit}</td><td>{message}{justification}</td></tr>",
            id = esc(result.rule.as_str()),
            clause = esc(&result.clause),
            severity = esc(&value_text(value.get("severity"))),
            measured = esc(&quantity_text(value.get("measured"))),
            limit = esc(&quantity_text(value.get("limit"))),
            message = lang.pair(&result.message_zh, &result.message_en),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The whole pre-check: summary, verdict, rules, rules not run, reading warnings, parcels.
pub fn precheck_html(lang: Lang, pre: &PreCheck) -> String {
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let summary = table_in(
        lang,
        &[k::FIELD_2, k::VALUE_2],
        &[
            row(k::CODE_2, esc(&pre.code)),
            row(k::NAME_2, esc(&pre.name)),
            row(k::COUNTY, esc(&pre.county)),
            row(k::PROFILE, esc(&pre.profile)),
            row(k::AS_OF, esc(&pre.as_of)),
            row(k::DEMOLITION_AREA_2, esc(&area_text(pre.demolition_m2))),
            row(k::RESETTLEMENT_AREA_2, esc(&area_text(pre.resettlement_m2))),
            row(k::PLANNED_SURPLUS, esc(&area_text(pre.planned_surplus_m2))),
            row(k::HOUSEHOLDS_2, esc(&pre.households.to_string())),
        ],
    );
    let failed: Vec<&str> = pre
        .results
        .iter()
        .filter(|r| r.blocks())
        .map(|r| r.rule.as_str())
        .collect();
    let verdict = if failed.is_empty() {
        format!(
            "<p id=\"check-verdict\" class=\"ok\">{}</p>",
            lang.t(k::NO_BLOCKING_RULE_FAILED)
        )
    } else {
        format!(
            "<p id=\"check-verdict\" class=\"fail\">{}</p>",
            lang.pair(
                &format!(
                    "{} 项阻断性规则未通过：{}。可先保存为草稿，修正并上传新版本后才能报送。",
                    failed.len(),
                    failed.join(", ")
                ),
                &format!(
                    "{} blocking rule(s) failed: {}. You may save it as a draft; it can be submitted only after a corrected version.",
                    failed.len(),
                    failed.join(", ")
                ),
            )
        )
    };
    let not_checked = if pre.not_checked.is_empty() {
        String::new()
    } else {
        let rows: Vec<Vec<String>> = pre
            .not_checked
            .iter()
            .map(|n| {
                vec![
                    format!("<code>{}</code>", esc(n.rule.as_str())),
                    lang.pair(&n.reason_zh, &n.reason_en),
                ]
            })
            .collect();
        format!(
            "<h3>{}</h3>{}",
            lang.t(k::RULES_NOT_CHECKED),
            table_in(lang, &[k::RULE, k::WHY], &rows)
        )
    };
    let layers = if pre.base_layers.is_empty() {
        String::new()
    } else {
        format!(
            "<p id=\"base-layers\">{}: {}</p>",
            lang.t(k::BASE_LAYERS_READ),
            pre.base_layers
                .iter()
                .map(|l| format!("<code>{}</code>", esc(l)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let warnings = if pre.warnings.is_empty() {
        String::new()
    } else {
        let rows: Vec<Vec<String>> = pre
            .warnings
            .iter()
            .map(|w| {
                vec![
                    esc(&w.location.to_string()),
                    format!("<code>{}</code>", esc(w.code)),
                    lang.pair(&w.message_zh, &w.message_en),
                ]
            })
            .collect();
        format!(
            "<h3>{}</h3>{}",
            lang.t(k::READING_WARNINGS),
            table_in(lang, &[k::WHERE, k::CODE, k::MESSAGE], &rows)
        )
    };
    let parcels: Vec<Vec<String>> = pre
        .parcels
        .iter()
        .map(|p| {
            vec![
                esc(&p.role),
                esc(&p.file),
                esc(&p.name),
                esc(p.township.as_deref().unwrap_or("")),
                esc(&measured_text(p.planar_m2)),
                esc(&measured_text(p.ellipsoidal_m2)),
            ]
        })
        .collect();
    format!(
        "<section id=\"precheck\"><h2>{sh}</h2>{summary}{verdict}<h3>{rh}</h3>{results}{layers}{not_checked}{warnings}<h3>{ph}</h3>{parcels}</section>",
        sh = lang.t(k::PRE_CHECK_RESULTS_NOT_SAVED_YET),
        rh = lang.t(k::RULES),
        results = results_table(lang, &pre.results),
        ph = lang.t(k::PARCELS),
        parcels = table_in(
            lang,
            &[
                k::ROLE,
                k::FILE,
                k::PARCEL,
                k::TOWNSHIP,
                k::PLANAR_AREA,
                k::ELLIPSOIDAL_AREA,
            ],
            &parcels
        ),
    )
}

/// The differences between two versions.
pub fn diff_html(lang: Lang, diff: &VersionDiff) -> String {
    let parcel_rows = |parcels: &[guagou_registry::projects::ParcelSummary]| -> Vec<Vec<String>> {
        parcels
            .iter()
            .map(|p| {
                vec![
                    esc(&p.role),
                    esc(&p.name),
                    esc(&measured_text(p.planar_m2)),
                    esc(&measured_text(p.ellipsoidal_m2)),
                ]
            })
            .collect()
    };
    let parcel_headers: &[Key] = &[k::ROLE, k::PARCEL, k::PLANAR_AREA, k::ELLIPSOIDAL_AREA];
    let or_none = |html: String, empty: bool| {
        if empty {
            format!("<p class=\"none\">{}</p>", lang.t(k::NONE))
        } else {
            html
        }
    };
    let changed: Vec<Vec<String>> = diff
        .changed
        .iter()
        .map(|(role, name, before, after)| {
            vec![
                esc(role),
                esc(name),
                esc(&measured_text(*before)),
                esc(&measured_text(*after)),
                esc(&format!("{:+.2} m²", after - before)),
            ]
        })
        .collect();
    let fields: Vec<Vec<String>> = diff
        .fields
        .iter()
        .map(|(field, before, after)| vec![esc(field), esc(before), esc(after)])
        .collect();
    format!(
        "<section id=\"diff-added\"><h2>{ah}</h2>{added}</section>\
         <section id=\"diff-removed\"><h2>{rh}</h2>{removed}</section>\
         <section id=\"diff-changed\"><h2>{ch}</h2>{changed}</section>\
         <section id=\"diff-fields\"><h2>{fh}</h2>{fields}</section>",
        ah = lang.t(k::PARCELS_ADDED),
        added = or_none(
            table_in(lang, parcel_headers, &parcel_rows(&diff.added)),
            diff.added.is_empty()
        ),
        rh = lang.t(k::PARCELS_REMOVED),
        removed = or_none(
            table_in(lang, parcel_headers, &parcel_rows(&diff.removed)),
            diff.removed.is_empty()
        ),
        ch = lang.t(k::PARCELS_WHOSE_AREA_CHANGED),
        changed = or_none(
            table_in(
                lang,
                &[k::ROLE, k::PARCEL, k::BEFORE, k::AFTER, k::CHANGE,],
                &changed
            ),
            changed.is_empty()
        ),
        fh = lang.t(k::PROJECT_FIELDS_CHANGED),
        fields = or_none(
            table_in(lang, &[k::FIELD_2, k::BEFORE, k::AFTER], &fields),
            fields.is_empty()
        ),
    )
}
