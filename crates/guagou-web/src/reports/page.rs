//! The reports page, the Excel download and the chart script.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use guagou_domain::report::state_label_en;
use guagou_domain::report::{FigureRow, Figures, Report, ReportQuery, STATES, land_use_label};
use guagou_registry::Registry;
use serde_json::json;

use super::access::{ReportParams, query_for, query_string, report_for};
use super::columns::{Column, GROUPS, Group};
use super::xlsx::{XLSX_CONTENT_TYPE, workbook};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, esc, page, table_in};
use crate::map::{CHART_EMBEDDED, asset_version};

/// The script that draws the charts from the canvases' `data-chart` attributes.
const REPORTS_JS: &str = include_str!("reports.js");

/// Handles GET /reports
pub async fn reports_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let query = query_for(&user, params)?;
    let report = report_for(&state.registry, &user, &query).await?;
    let choices = county_choices(&state.registry, &user).await?;
    let mut body = filter_form(user.lang, &query, &choices);
    body.push_str(&charts(user.lang, &report));
    body.push_str(&tables(user.lang, &report));
    Ok(Html(page(k::REPORTS, Some(&user), &body)))
}

/// Handles GET /reports.xlsx
pub async fn reports_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query_for(&user, params)?;
    let report = report_for(&state.registry, &user, &query).await?;
    let bytes = workbook(&report).map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
    let name = file_name(&query);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `guagou-report-<county|all>-<year|all>-<as_of>.xlsx` (ASCII only: codes and digits).
pub fn file_name(query: &ReportQuery) -> String {
    format!(
        "guagou-report-{}-{}-{}.xlsx",
        query.county.as_deref().unwrap_or("all"),
        query
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "all".into()),
        query.as_of.format("%Y-%m-%d")
    )
}

/// Handles GET /reports/reports.js
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        REPORTS_JS,
    )
        .into_response()
}

/// A version for the script URL: changes with the script and with the embedded libraries.
fn script_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a, stable across builds (as for the other assets).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in REPORTS_JS.bytes().chain(asset_version().bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{:012x}", hash >> 16)
    })
}

/// The counties (and the city) the user may pick: (code, name).
async fn county_choices(
    registry: &Registry,
    user: &User,
) -> Result<Vec<(String, String)>, WebError> {
    Ok(user
        .door(registry)
        .division_names()
        .await?
        .into_iter()
        .filter(|(code, _)| !code.ends_with("0000") && user.reads(code))
        .collect())
}

fn filter_form(lang: Lang, query: &ReportQuery, choices: &[(String, String)]) -> String {
    let mut options = format!("<option value=\"\">{}</option>", lang.t(k::ALL));
    for (code, name) in choices {
        let selected = if query.county.as_deref() == Some(code.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            options,
            "<option value=\"{code}\"{selected}>{name} ({code})</option>",
            code = esc(code),
            name = esc(name),
        );
    }
    let qs = query_string(query);
    format!(
        "<form method=\"get\" action=\"/reports\" id=\"report-filter\">\
         <label>{county} <select name=\"county\">{options}</select></label> \
         <label>{year} <input type=\"number\" name=\"year\" min=\"1990\" max=\"2100\" value=\"{year_value}\"></label> \
         <label>{as_of} <input type=\"date\" name=\"as_of\" value=\"{as_of_value}\"></label> \
         <button>{show}</button></form>\
         <p><a id=\"report-xlsx\" href=\"/reports.xlsx?{qs}\">{xlsx}</a> · \
         <a id=\"report-json\" href=\"/api/reports?{qs}\">JSON</a></p>\
         <p class=\"en\">{note}</p>",
        county = lang.t(k::COUNTY_2),
        year = lang.t(k::YEAR),
        year_value = query.year.map(|y| y.to_string()).unwrap_or_default(),
        as_of = lang.t(k::AS_OF),
        as_of_value = query.as_of.format("%Y-%m-%d"),
        show = lang.t(k::SHOW_2),
        qs = esc(&qs),
        xlsx = lang.t(k::DOWNLOAD_EXCEL),
        note = lang.t(k::NUMBERS_FALL_IN_THE_YEAR_OF),
    )
}

/// A chart's data for reports.js, as an escaped attribute value.
fn chart_attribute(spec: &serde_json::Value) -> String {
    esc(&spec.to_string())
}

fn charts(lang: Lang, report: &Report) -> String {
    if !CHART_EMBEDDED {
        return format!(
            "<p class=\"warn\" id=\"report-charts-missing\">{}</p>",
            lang.t(k::THE_CHART_LIBRARY_WAS_NOT_BUILT)
        );
    }
    let label = |row: &FigureRow| {
        if row.name.is_empty() {
            row.division.clone()
        } else {
            row.name.clone()
        }
    };
    let labels: Vec<String> = report.by_division.iter().map(label).collect();
    let series = |value: fn(&Figures) -> i64| -> Vec<i64> {
        report
            .by_division
            .iter()
            .map(|r| value(&r.figures))
            .collect()
    };
    let quota = json!({
        "title": lang.t(k::SURPLUS_QUOTA_ISSUED_USED_TRANSFERRED_OUT),
        "labels": labels,
        "datasets": [
            { "label": lang.t(k::ISSUED), "color": "#2a6f97", "data": series(|f| f.issued_m2) },
            { "label": lang.t(k::USED), "color": "#e07a1f", "data": series(|f| f.used_m2) },
            { "label": lang.t(k::TRANSFERRED_OUT), "color": "#4a9d5b", "data": series(|f| f.transferred_out_m2) },
        ],
    });
    let state_labels: Vec<String> = STATES
        .iter()
        .map(|s| match lang {
            Lang::Zh => s.label_zh().to_owned(),
            Lang::En => state_label_en(*s),
        })
        .collect();
    let state_counts: Vec<u64> = STATES
        .iter()
        .map(|s| report.state_totals.get(s).copied().unwrap_or(0))
        .collect();
    let states = json!({
        "title": lang.t(k::PROJECTS_BY_STATE),
        "labels": state_labels,
        "datasets": [
            { "label": lang.t(k::PROJECTS_2), "color": "#6c5b7b", "data": state_counts },
        ],
    });
    let v = asset_version();
    format!(
        "<section id=\"report-charts\" style=\"display:flex;flex-wrap:wrap;gap:1em\">\
         <div style=\"width:min(100%,640px)\"><canvas id=\"chart-quota\" data-chart=\"{quota}\"></canvas></div>\
         <div style=\"width:min(100%,640px)\"><canvas id=\"chart-states\" data-chart=\"{states}\"></canvas></div>\
         </section>\
         <script src=\"/assets/chart.umd.js?v={v}\" defer></script>\
         <script src=\"/reports/reports.js?v={sv}\" defer></script>",
        quota = chart_attribute(&quota),
        states = chart_attribute(&states),
        sv = script_version(),
    )
}

/// `名称 (code)`.
fn division_cell(row: &FigureRow) -> String {
    if row.name.is_empty() {
        esc(&row.division)
    } else {
        format!("{} ({})", esc(&row.name), esc(&row.division))
    }
}

fn number_cell(column: &Column, figures: &Figures) -> String {
    match column.title(figures) {
        Some(title) => format!(
            "<span title=\"{}\">{}</span>",
            esc(&title),
            esc(&column.text(figures))
        ),
        None => esc(&column.text(figures)),
    }
}

fn headers_of(group: &Group, leading: &[Key]) -> Vec<(String, String)> {
    leading
        .iter()
        .map(|name| (name.pair().0.to_owned(), name.pair().1.to_owned()))
        .chain(group.columns.iter().map(|c| (c.header_zh(), c.header_en())))
        .collect()
}

fn table_owned(lang: Lang, headers: &[(String, String)], rows: &[Vec<String>]) -> String {
    let texts: Vec<&str> = headers
        .iter()
        .map(|(zh, en)| crate::print::tr(lang, zh, en))
        .collect();
    crate::html::table_headed(&texts, rows)
}

fn tables(lang: Lang, report: &Report) -> String {
    let mut out = format!("<h2>{}</h2>", lang.t(k::BY_COUNTY));
    for (index, group) in GROUPS.iter().enumerate() {
        let headers = headers_of(group, &[k::DIVISION]);
        let mut rows: Vec<Vec<String>> = report
            .by_division
            .iter()
            .map(|r| {
                std::iter::once(division_cell(r))
                    .chain(group.columns.iter().map(|c| number_cell(c, &r.figures)))
                    .collect()
            })
            .collect();
        rows.push(
            std::iter::once(format!("<strong>{}</strong>", lang.t(k::TOTAL_2)))
                .chain(
                    group
                        .columns
                        .iter()
                        .map(|c| format!("<strong>{}</strong>", number_cell(c, &report.total))),
                )
                .collect(),
        );
        let _ = write!(
            out,
            "<h3>{}</h3><div id=\"report-county-{index}\">{}</div>",
            lang.pair(group.zh, group.en),
            table_owned(lang, &headers, &rows)
        );
    }
    let _ = write!(out, "<h2>{}</h2>", lang.t(k::BY_YEAR));
    for (index, group) in GROUPS.iter().enumerate() {
        let headers = headers_of(group, &[k::DIVISION, k::YEAR]);
        let rows: Vec<Vec<String>> = report
            .by_year
            .iter()
            .map(|r| {
                [
                    division_cell(r),
                    r.year.map(|y| y.to_string()).unwrap_or_default(),
                ]
                .into_iter()
                .chain(group.columns.iter().map(|c| number_cell(c, &r.figures)))
                .collect()
            })
            .collect();
        let _ = write!(
            out,
            "<h3>{}</h3><div id=\"report-year-{index}\">{}</div>",
            lang.pair(group.zh, group.en),
            table_owned(lang, &headers, &rows)
        );
    }
    out.push_str(&states_table(lang, report));
    out.push_str(&uses_table(lang, report));
    out
}

fn states_table(lang: Lang, report: &Report) -> String {
    let mut headers = vec![("行政区".to_owned(), "Division".to_owned())];
    headers.extend(
        STATES
            .iter()
            .map(|s| (s.label_zh().to_owned(), state_label_en(*s))),
    );
    headers.push(("合计".to_owned(), "Total".to_owned()));
    let mut rows: Vec<Vec<String>> = report
        .states
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                esc(&r.division)
            } else {
                format!("{} ({})", esc(&r.name), esc(&r.division))
            };
            std::iter::once(name)
                .chain(
                    STATES
                        .iter()
                        .map(|s| r.counts.get(s).copied().unwrap_or(0).to_string()),
                )
                .chain(std::iter::once(r.total.to_string()))
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once(format!("<strong>{}</strong>", lang.t(k::TOTAL_2)))
            .chain(
                STATES
                    .iter()
                    .map(|s| report.state_totals.get(s).copied().unwrap_or(0).to_string()),
            )
            .chain(std::iter::once(
                report.state_totals.values().sum::<u64>().to_string(),
            ))
            .collect(),
    );
    format!(
        "<h2>{}</h2><p class=\"en\">{}</p><div id=\"report-states\">{}</div>",
        lang.t(k::PROJECTS_BY_STATE),
        lang.t(k::CURRENT_STATES_THE_YEAR_AND_AS),
        table_owned(lang, &headers, &rows)
    )
}

fn uses_table(lang: Lang, report: &Report) -> String {
    let headers = [k::DIVISION, k::YEAR, k::LAND_USE_2, k::AREA_USED_M];
    let rows: Vec<Vec<String>> = report
        .uses
        .iter()
        .map(|u| {
            let (zh, en) = land_use_label(u.land_use);
            let name = if u.name.is_empty() {
                esc(&u.division)
            } else {
                format!("{} ({})", esc(&u.name), esc(&u.division))
            };
            vec![
                name,
                u.year.to_string(),
                lang.pair(zh, en),
                u.amount_m2.to_string(),
            ]
        })
        .collect();
    format!(
        "<h2>{}</h2><div id=\"report-uses\">{}</div>",
        lang.t(k::USE_BY_LAND_USE_CATEGORY),
        table_in(lang, &headers, &rows)
    )
}
