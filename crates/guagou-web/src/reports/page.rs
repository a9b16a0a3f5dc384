//! The reports page, the Excel download and the chart script.

use crate::catalogue::{Key, k};
use std::sync::OnceLock;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use guagou_domain::report::{FigureRow, Figures, Report, ReportQuery, STATES};
use guagou_registry::Registry;
use serde_json::json;

use super::access::{ReportParams, query_for, query_string, report_for};
use super::columns::{Column, GROUPS, Group};
use super::xlsx::{XLSX_CONTENT_TYPE, workbook};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, page};
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
    let body = crate::partials::render(
        &report_page(user.lang, &query, &choices, &report),
        "reports",
    )?;
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

/// The two charts' data for reports.js (JSON), when Chart.js is embedded.
fn charts(lang: Lang, report: &Report) -> Option<(String, String)> {
    if !CHART_EMBEDDED {
        return None;
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
        .map(|s| lang.text(crate::names::project_state(*s)).to_owned())
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
    Some((quota.to_string(), states.to_string()))
}

/// A cell of a report table: its text and, where the column rounds, the exact value.
struct NumCell {
    text: String,
    title: Option<String>,
}

impl NumCell {
    fn plain(text: impl Into<String>) -> NumCell {
        NumCell {
            text: text.into(),
            title: None,
        }
    }
}

/// One table of the report: its heading (empty for none), header texts, rows and total.
struct Grouped {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<NumCell>>,
    /// The total row after its first cell (合计).
    total: Option<Vec<NumCell>>,
}

#[derive(askama::Template)]
#[template(path = "reports/page.html")]
struct ReportPage {
    lang: Lang,
    /// (code, name, selected) of the counties the reader may pick.
    choices: Vec<(String, String, bool)>,
    year_value: String,
    as_of_value: String,
    qs: String,
    charts: Option<(String, String)>,
    asset_version: &'static str,
    script_version: &'static str,
    by_county: Vec<Grouped>,
    by_year: Vec<Grouped>,
    states: Grouped,
    uses: Grouped,
}

fn report_page(
    lang: Lang,
    query: &ReportQuery,
    choices: &[(String, String)],
    report: &Report,
) -> ReportPage {
    ReportPage {
        lang,
        choices: choices
            .iter()
            .map(|(code, name)| {
                let selected = query.county.as_deref() == Some(code.as_str());
                (code.clone(), name.clone(), selected)
            })
            .collect(),
        year_value: query.year.map(|y| y.to_string()).unwrap_or_default(),
        as_of_value: query.as_of.format("%Y-%m-%d").to_string(),
        qs: query_string(query),
        charts: charts(lang, report),
        asset_version: asset_version(),
        script_version: script_version(),
        by_county: by_county(lang, report),
        by_year: by_year(lang, report),
        states: states_table(lang, report),
        uses: uses_table(lang, report),
    }
}

/// `名称 (code)`.
fn division_text(name: &str, code: &str) -> String {
    if name.is_empty() {
        code.to_owned()
    } else {
        format!("{name} ({code})")
    }
}

/// The cells of `group`'s columns for one row of `figures`.
fn figure_cells<'a>(
    lang: Lang,
    group: &'a Group,
    figures: &'a Figures,
) -> impl Iterator<Item = NumCell> + 'a {
    group
        .columns
        .iter()
        .map(move |c| number_cell(lang, c, figures))
}

fn number_cell(lang: Lang, column: &Column, figures: &Figures) -> NumCell {
    NumCell {
        text: column.text(figures),
        title: column.title(lang, figures),
    }
}

fn headers_of(lang: Lang, group: &Group, leading: &[Key]) -> Vec<String> {
    leading
        .iter()
        .map(|name| lang.text(name).to_owned())
        .chain(group.columns.iter().map(|c| c.header(lang)))
        .collect()
}

fn by_county(lang: Lang, report: &Report) -> Vec<Grouped> {
    GROUPS
        .iter()
        .map(|group| Grouped {
            title: lang.text(group.name).to_owned(),
            headers: headers_of(lang, group, &[k::DIVISION]),
            rows: report
                .by_division
                .iter()
                .map(|r| {
                    std::iter::once(NumCell::plain(division_text(&r.name, &r.division)))
                        .chain(figure_cells(lang, group, &r.figures))
                        .collect()
                })
                .collect(),
            total: Some(figure_cells(lang, group, &report.total).collect()),
        })
        .collect()
}

fn by_year(lang: Lang, report: &Report) -> Vec<Grouped> {
    GROUPS
        .iter()
        .map(|group| Grouped {
            title: lang.text(group.name).to_owned(),
            headers: headers_of(lang, group, &[k::DIVISION, k::YEAR]),
            rows: report
                .by_year
                .iter()
                .map(|r| {
                    [
                        NumCell::plain(division_text(&r.name, &r.division)),
                        NumCell::plain(r.year.map(|y| y.to_string()).unwrap_or_default()),
                    ]
                    .into_iter()
                    .chain(figure_cells(lang, group, &r.figures))
                    .collect()
                })
                .collect(),
            total: None,
        })
        .collect()
}

fn states_table(lang: Lang, report: &Report) -> Grouped {
    let mut headers = vec![lang.text(k::DIVISION).to_owned()];
    headers.extend(
        STATES
            .iter()
            .map(|s| lang.text(crate::names::project_state(*s)).to_owned()),
    );
    headers.push(lang.text(k::TOTAL_2).to_owned());
    let count = |n: u64| NumCell::plain(n.to_string());
    Grouped {
        title: String::new(),
        headers,
        rows: report
            .states
            .iter()
            .map(|r| {
                std::iter::once(NumCell::plain(division_text(&r.name, &r.division)))
                    .chain(
                        STATES
                            .iter()
                            .map(|s| count(r.counts.get(s).copied().unwrap_or(0))),
                    )
                    .chain(std::iter::once(count(r.total)))
                    .collect()
            })
            .collect(),
        total: Some(
            STATES
                .iter()
                .map(|s| count(report.state_totals.get(s).copied().unwrap_or(0)))
                .chain(std::iter::once(count(report.state_totals.values().sum())))
                .collect(),
        ),
    }
}

fn uses_table(lang: Lang, report: &Report) -> Grouped {
    Grouped {
        title: String::new(),
        headers: [k::DIVISION, k::YEAR, k::LAND_USE_2, k::AREA_USED_M]
            .iter()
            .map(|h| lang.text(h).to_owned())
            .collect(),
        rows: report
            .uses
            .iter()
            .map(|u| {
                vec![
                    NumCell::plain(division_text(&u.name, &u.division)),
                    NumCell::plain(u.year.to_string()),
                    NumCell::plain(lang.text(crate::names::land_use(u.land_use))),
                    NumCell::plain(u.amount_m2.to_string()),
                ]
            })
            .collect(),
        total: None,
    }
}
