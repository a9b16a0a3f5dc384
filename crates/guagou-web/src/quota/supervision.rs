//! The supervision page (SPEC §8, §9): deadlines as of a date, sanctions due and applied,
//! obligations and suspensions of the user's jurisdiction; the scan (city or province) and the
//! lifting of a suspension (the city) as forms.

use crate::catalogue::{Key, k};

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::lifecycle::Level;
use guagou_registry::scan::ScanReport;
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::{above_county, area_text};
use super::deadlines::supervision_view;
use super::ledger_pages::refusal;
use super::panels::deadline_table;
use super::write::{self, LiftBody, parse_date};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, page};
use crate::names::DivisionNames;
use crate::partials::{Cell, render};

/// The date supervision looks at.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// 基准日（默认今日，上海时间）/ the as-of date, `YYYY-MM-DD` (default: today in Shanghai)
    pub as_of: Option<String>,
}

/// The as-of date of a query: given, or today in Asia/Shanghai.
pub(crate) fn as_of_of(
    query: Result<Query<AsOfQuery>, QueryRejection>,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, WebError> {
    let query = query.map(|q| q.0).unwrap_or_default();
    match query.as_of.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => parse_date("as_of", text),
        _ => Ok(today),
    }
}

fn text(value: &serde_json::Value, key: &str) -> String {
    match value.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The name of a sanction kind (`{"kind": …, "year": …}`) in the reader's language.
fn sanction_kind(lang: Lang, kind: &serde_json::Value) -> String {
    let year = text(kind, "year");
    let key = match text(kind, "kind").as_str() {
        "suspend_advances" => k::SUPERVISION_SUSPEND_ADVANCES,
        "deduct_annual_plan" => {
            return lang.fill(k::SUPERVISION_DEDUCT_ANNUAL_PLAN, &[("year", &year)]);
        }
        "farmland_balance_obligation" => k::SUPERVISION_FARMLAND_BALANCE_OBLIGATION,
        "taxes_and_fees_obligation" => k::SUPERVISION_TAXES_AND_FEES_OBLIGATION,
        "completion_overdue" => k::SUPERVISION_COMPLETION_OVERDUE,
        other => return other.to_owned(),
    };
    lang.text(key).to_owned()
}

pub(crate) fn obligation_kind(kind: &str) -> Key {
    match kind {
        "farmland_balance" => k::FARMLAND_BALANCE,
        "taxes_and_fees" => k::TAXES_AND_FEES,
        "annual_plan_deduction_outstanding" => k::ANNUAL_PLAN_DEDUCTION_STILL_OWED,
        "quota_owed_to_city" => k::QUOTA_THE_COUNTY_OWES_THE_CITY,
        _ => k::OTHER_2,
    }
}

fn amount_cell(lang: Lang, value: &serde_json::Value) -> Cell {
    match value.get("amount_m2").and_then(serde_json::Value::as_i64) {
        Some(m2) if m2 > 0 => Cell::text(area_text(lang, m2)),
        _ => Cell::default(),
    }
}

/// A county by name, its code in the tooltip (by code when the name is unknown).
fn division(names: &DivisionNames, code: &str) -> Cell {
    match names.get(code) {
        Some(name) => Cell::text(name.clone()).titled(code),
        None => Cell::text(code),
    }
}

/// A table of sanctions (due, or applied with the day they were), for `table::data_table`.
struct SanctionTable {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

fn sanction_table(
    lang: Lang,
    names: &DivisionNames,
    sanctions: &[serde_json::Value],
    applied: bool,
) -> SanctionTable {
    let mut headers = vec![
        k::RULE,
        k::CLAUSE,
        k::MEASURE,
        k::PROJECT_2,
        k::COUNTY,
        k::AREA,
        k::OVERDUE_SINCE,
    ];
    if applied {
        headers.push(k::APPLIED_ON_2);
    }
    let rows = sanctions
        .iter()
        .map(|s| {
            let kind = s.get("kind").cloned().unwrap_or_default();
            let mut row = vec![
                Cell::code(text(s, "rule")),
                Cell::text(text(s, "clause")),
                Cell::text(sanction_kind(lang, &kind)),
                Cell::text(text(s, "project")),
                division(names, &text(s, "county")),
                amount_cell(lang, s),
                Cell::text(text(s, "overdue_since")),
            ];
            if applied {
                row.push(Cell::text(text(s, "applied_on")));
            }
            row
        })
        .collect();
    SanctionTable {
        headers: headers.into_iter().map(|h| lang.text(h)).collect(),
        rows,
    }
}

fn obligation_rows(
    lang: Lang,
    names: &DivisionNames,
    obligations: &[serde_json::Value],
) -> Vec<Vec<Cell>> {
    obligations
        .iter()
        .map(|o| {
            let name = obligation_kind(&text(o, "kind"));
            let closed = text(o, "closed_on");
            vec![
                Cell::text(lang.text(name)),
                division(names, &text(o, "county")),
                Cell::text(text(o, "project")),
                amount_cell(lang, o),
                Cell::text(text(o, "opened_on")),
                if closed.is_empty() {
                    Cell::text(lang.text(k::OPEN)).with_class("fail")
                } else {
                    Cell::text(closed)
                },
            ]
        })
        .collect()
}

/// `templates/supervision/overview.html`
#[derive(Template)]
#[template(path = "supervision/overview.html")]
struct OverviewPage {
    lang: Lang,
    csrf: String,
    today: String,
    as_of: String,
    summary: String,
    /// The deadlines table (`panels::deadline_table`, escaped HTML); none when there are none.
    deadlines: Option<String>,
    pending: SanctionTable,
    sanctions: SanctionTable,
    obligations: Vec<Vec<Cell>>,
    suspended: Vec<Suspended>,
    /// The city's land bureau may lift a suspension.
    may_lift: bool,
    /// The land bureau above the county may run the scan.
    scan: bool,
}

/// A county whose advances are suspended: its code and its cell.
struct Suspended {
    code: String,
    county: Cell,
}

/// Handles GET /supervision
pub async fn supervision_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    query: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let as_of = as_of_of(query, user.today)?;
    let view = supervision_view(&state.registry, &user, as_of).await?;
    let names = user.door(&state.registry).division_names().await?;
    let overdue = view.deadlines.iter().filter(|d| d.overdue).count();
    let page_view = OverviewPage {
        lang,
        csrf: user.csrf.clone(),
        today: user.today.to_string(),
        as_of: view.as_of.clone(),
        summary: lang.fill(
            k::SUPERVISION_SUMMARY,
            &[
                ("as_of", &view.as_of),
                ("overdue", &overdue.to_string()),
                ("pending", &view.pending_sanctions.len().to_string()),
                ("applied", &view.sanctions.len().to_string()),
                ("suspended", &view.suspended.len().to_string()),
            ],
        ),
        deadlines: (!view.deadlines.is_empty())
            .then(|| deadline_table(lang, &user, &names, &view.deadlines, true)),
        pending: sanction_table(lang, &names, &view.pending_sanctions, false),
        sanctions: sanction_table(lang, &names, &view.sanctions, true),
        obligations: obligation_rows(lang, &names, &view.obligations),
        suspended: view
            .suspended
            .iter()
            .map(|c| Suspended {
                code: c.clone(),
                county: division(&names, c),
            })
            .collect(),
        may_lift: user.is_land_writer() && user.actor.level == Level::City,
        scan: user.is_land_writer() && above_county(&user),
    };
    let body = render(&page_view, "supervision")?;
    Ok(Html(page(k::SUPERVISION, Some(&user), &body)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    csrf: Option<String>,
    as_of: String,
}

/// `templates/supervision/scan_report.html`
#[derive(Template)]
#[template(path = "supervision/scan_report.html")]
struct ScanReportPage {
    lang: Lang,
    as_of: String,
    summary: String,
    applied: SanctionTable,
    /// What each applied sanction did, in the reader's language.
    details: Vec<String>,
    /// The listings the scan expired (ids).
    expired: Vec<String>,
}

fn report_body(
    user: &User,
    names: &DivisionNames,
    report: &ScanReport,
) -> Result<String, WebError> {
    let lang = user.lang;
    let applied: Vec<serde_json::Value> = report
        .applied
        .iter()
        .filter(|a| user.reads(a.sanction.county.as_str()))
        .map(|a| {
            let mut value = serde_json::to_value(&a.sanction).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                map.insert("detail_zh".into(), a.detail_zh.clone().into());
                map.insert("detail_en".into(), a.detail_en.clone().into());
            }
            value
        })
        .collect();
    let details = applied
        .iter()
        .map(|a| crate::print::tr(lang, &text(a, "detail_zh"), &text(a, "detail_en")).to_owned())
        .collect();
    let as_of = report.as_of.format("%Y-%m-%d").to_string();
    let view = ScanReportPage {
        lang,
        summary: lang.fill(
            k::SUPERVISION_SCAN_SUMMARY,
            &[
                ("as_of", &as_of),
                ("applied", &report.applied.len().to_string()),
                ("before", &report.already_applied.to_string()),
            ],
        ),
        as_of,
        applied: sanction_table(lang, names, &applied, false),
        details,
        expired: report.expired_listings.clone(),
    };
    render(&view, "scan report")
}

/// `templates/supervision/scan_preview.html`
#[derive(Template)]
#[template(path = "supervision/scan_preview.html")]
struct ScanPreviewPage {
    lang: Lang,
    summary: String,
    would: SanctionTable,
}

/// A scan dated after today: what it would apply, and that nothing was written.
fn preview_body(
    user: &User,
    names: &DivisionNames,
    preview: &guagou_registry::door::ScanPreview,
) -> Result<String, WebError> {
    let lang = user.lang;
    let would: Vec<serde_json::Value> = preview
        .would_apply
        .iter()
        .map(|s| serde_json::to_value(s).unwrap_or_default())
        .collect();
    let as_of = preview.as_of.format("%Y-%m-%d").to_string();
    let view = ScanPreviewPage {
        lang,
        summary: lang.fill(
            k::SUPERVISION_SCAN_PREVIEW,
            &[
                ("as_of", &as_of),
                ("would", &preview.would_apply.len().to_string()),
                ("before", &preview.already_applied.to_string()),
            ],
        ),
        would: sanction_table(lang, names, &would, false),
    };
    render(&view, "scan preview")
}

/// Handles POST /supervision/scan
pub async fn scan_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<ScanForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let names = user.door(&state.registry).division_names().await?;
    Ok(
        match write::run_scan(&state.registry, &user, &form.as_of).await {
            Ok(write::ScanOutcome::Applied(report)) => Html(page(
                k::SCAN_REPORT,
                Some(&user),
                &report_body(&user, &names, &report)?,
            ))
            .into_response(),
            Ok(write::ScanOutcome::Preview(preview)) => Html(page(
                k::SCAN_PREVIEW_NOTHING_WRITTEN,
                Some(&user),
                &preview_body(&user, &names, &preview)?,
            ))
            .into_response(),
            Err(e) => refusal(&user, e, "/supervision"),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiftForm {
    csrf: Option<String>,
    county: String,
    reason: String,
}

/// Handles POST /supervision/lift
pub async fn lift_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<LiftForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = LiftBody {
        county: form.county,
        reason: form.reason,
    };
    Ok(
        match write::lift_suspension(&state.registry, &user, &body).await {
            Ok(()) => Redirect::to("/supervision#suspensions").into_response(),
            Err(e) => refusal(&user, e, "/supervision"),
        },
    )
}
