//! HTML of this module's pages: pre-check results, upload errors, version diffs, the ranking.
//! Every value goes through `esc` (or `Lang::t`/`one`, which escape).

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
        lang.t(&problem.message_zh, &problem.message_en),
        esc(problem.code.as_str()),
        rule,
    )
}

const RESULT_HEADERS: &[(&str, &str)] = &[
    ("规则", "Rule"),
    ("条款", "Clause"),
    ("级别", "Severity"),
    ("结果", "Result"),
    ("实测", "Measured"),
    ("限值", "Limit"),
    ("说明", "Message"),
];

/// The rule results as a table: one row per rule (`id="rule-<RULE_ID>"`), failed blocking
/// rules highlighted (`class="blocking"`), the message in the user's language first.
pub fn results_table(lang: Lang, results: &[RuleResult]) -> String {
    let mut out = String::from("<table id=\"check-results\"><thead><tr>");
    for (zh, en) in RESULT_HEADERS {
        let _ = write!(out, "<th>{}</th>", lang.t(zh, en));
    }
    out.push_str("</tr></thead><tbody>");
    for result in results {
        let value = serde_json::to_value(result).unwrap_or_default();
        let warning = !result.passed && !result.blocks();
        let (class, verdict) = if result.passed {
            (
                "passed",
                format!("<span class=\"ok\">{}</span>", lang.t("通过", "pass")),
            )
        } else if warning {
            (
                "warning",
                format!("<span class=\"warn\">{}</span>", lang.t("警告", "warning")),
            )
        } else {
            (
                "blocking",
                format!("<span class=\"fail\">{}</span>", lang.t("未通过", "fail")),
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
                    lang.one("说明", "Justification"),
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
            message = lang.t(&result.message_zh, &result.message_en),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The whole pre-check: summary, verdict, rules, rules not run, reading warnings, parcels.
pub fn precheck_html(lang: Lang, pre: &PreCheck) -> String {
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
    let summary = table_in(
        lang,
        &[("字段", "Field"), ("值", "Value")],
        &[
            row("项目编号", "Code", esc(&pre.code)),
            row("名称", "Name", esc(&pre.name)),
            row("县", "County", esc(&pre.county)),
            row("政策配置", "Profile", esc(&pre.profile)),
            row("基准日", "As of", esc(&pre.as_of)),
            row(
                "拆旧面积",
                "Demolition area",
                esc(&area_text(pre.demolition_m2)),
            ),
            row(
                "安置面积",
                "Resettlement area",
                esc(&area_text(pre.resettlement_m2)),
            ),
            row(
                "计划节余",
                "Planned surplus",
                esc(&area_text(pre.planned_surplus_m2)),
            ),
            row("拆迁农户", "Households", esc(&pre.households.to_string())),
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
            lang.t("没有阻断性规则未通过", "no blocking rule failed")
        )
    } else {
        format!(
            "<p id=\"check-verdict\" class=\"fail\">{}</p>",
            lang.t(
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
                    lang.t(&n.reason_zh, &n.reason_en),
                ]
            })
            .collect();
        format!(
            "<h3>{}</h3>{}",
            lang.t("未检查的规则", "Rules not checked"),
            table_in(lang, &[("规则", "Rule"), ("原因", "Why")], &rows)
        )
    };
    let layers = if pre.base_layers.is_empty() {
        String::new()
    } else {
        format!(
            "<p id=\"base-layers\">{}: {}</p>",
            lang.t("所用底图", "Base layers read"),
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
                    lang.t(&w.message_zh, &w.message_en),
                ]
            })
            .collect();
        format!(
            "<h3>{}</h3>{}",
            lang.t("读取警告", "Reading warnings"),
            table_in(
                lang,
                &[("位置", "Where"), ("代码", "Code"), ("说明", "Message")],
                &rows
            )
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
        sh = lang.t(
            "预检查结果（尚未保存）",
            "Pre-check results (not saved yet)"
        ),
        rh = lang.t("规则", "Rules"),
        results = results_table(lang, &pre.results),
        ph = lang.t("地块", "Parcels"),
        parcels = table_in(
            lang,
            &[
                ("用途", "Role"),
                ("文件", "File"),
                ("地块", "Parcel"),
                ("乡镇", "Township"),
                ("平面面积", "Planar area"),
                ("椭球面积", "Ellipsoidal area"),
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
    let parcel_headers: &[(&str, &str)] = &[
        ("用途", "Role"),
        ("地块", "Parcel"),
        ("平面面积", "Planar area"),
        ("椭球面积", "Ellipsoidal area"),
    ];
    let or_none = |html: String, empty: bool| {
        if empty {
            format!("<p class=\"none\">{}</p>", lang.t("无", "none"))
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
        ah = lang.t("新增地块", "Parcels added"),
        added = or_none(
            table_in(lang, parcel_headers, &parcel_rows(&diff.added)),
            diff.added.is_empty()
        ),
        rh = lang.t("删除地块", "Parcels removed"),
        removed = or_none(
            table_in(lang, parcel_headers, &parcel_rows(&diff.removed)),
            diff.removed.is_empty()
        ),
        ch = lang.t("面积变化的地块", "Parcels whose area changed"),
        changed = or_none(
            table_in(
                lang,
                &[
                    ("用途", "Role"),
                    ("地块", "Parcel"),
                    ("变更前", "Before"),
                    ("变更后", "After"),
                    ("变化", "Change"),
                ],
                &changed
            ),
            changed.is_empty()
        ),
        fh = lang.t("项目字段变化", "Project fields changed"),
        fields = or_none(
            table_in(
                lang,
                &[("字段", "Field"), ("变更前", "Before"), ("变更后", "After")],
                &fields
            ),
            fields.is_empty()
        ),
    )
}
