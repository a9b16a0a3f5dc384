//! The supervision page (SPEC §8, §9): deadlines as of a date, sanctions due and applied,
//! obligations and suspensions of the user's jurisdiction; the scan (city or province) and the
//! lifting of a suspension (the city) as forms.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::lifecycle::Level;
use guagou_registry::scan::ScanReport;
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::{above_county, area_text, none};
use super::deadlines::{SupervisionView, supervision_view};
use super::ledger_pages::refusal;
use super::panels::deadline_table;
use super::write::{self, LiftBody, parse_date};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, esc, page, table_in};
use crate::names::{DivisionNames, division};

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

/// The Chinese and English name of a sanction kind (`{"kind": …, "year": …}`).
fn sanction_kind(kind: &serde_json::Value) -> (String, String) {
    let year = text(kind, "year");
    match text(kind, "kind").as_str() {
        "suspend_advances" => ("暂停预支".into(), "advance right suspended".into()),
        "deduct_annual_plan" => (
            format!("扣减 {year} 年度计划指标"),
            format!("annual plan {year} deducted"),
        ),
        "farmland_balance_obligation" => {
            ("占补平衡义务".into(), "farmland balance obligation".into())
        }
        "taxes_and_fees_obligation" => ("补齐相关税费".into(), "taxes and fees owed".into()),
        "completion_overdue" => ("逾期未完成，不得延期".into(), "completion overdue".into()),
        other => (other.to_owned(), other.to_owned()),
    }
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

fn amount_cell(value: &serde_json::Value) -> String {
    match value.get("amount_m2").and_then(serde_json::Value::as_i64) {
        Some(m2) if m2 > 0 => esc(&area_text(m2)),
        _ => String::new(),
    }
}

fn sanction_rows(
    lang: Lang,
    names: &DivisionNames,
    sanctions: &[serde_json::Value],
    applied: bool,
) -> Vec<Vec<String>> {
    sanctions
        .iter()
        .map(|s| {
            let kind = s.get("kind").cloned().unwrap_or_default();
            let (zh, en) = sanction_kind(&kind);
            let mut row = vec![
                format!("<code>{}</code>", esc(&text(s, "rule"))),
                esc(&text(s, "clause")),
                lang.pair(&zh, &en),
                esc(&text(s, "project")),
                division(names, &text(s, "county")),
                amount_cell(s),
                esc(&text(s, "overdue_since")),
            ];
            if applied {
                row.push(esc(&text(s, "applied_on")));
            }
            row
        })
        .collect()
}

fn sanction_table(
    lang: Lang,
    names: &DivisionNames,
    sanctions: &[serde_json::Value],
    applied: bool,
) -> String {
    if sanctions.is_empty() {
        return none(lang);
    }
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
    table_in(
        lang,
        &headers,
        &sanction_rows(lang, names, sanctions, applied),
    )
}

fn obligations_table(
    lang: Lang,
    names: &DivisionNames,
    obligations: &[serde_json::Value],
) -> String {
    if obligations.is_empty() {
        return none(lang);
    }
    let rows: Vec<Vec<String>> = obligations
        .iter()
        .map(|o| {
            let name = obligation_kind(&text(o, "kind"));
            let closed = text(o, "closed_on");
            vec![
                lang.t(name),
                division(names, &text(o, "county")),
                esc(&text(o, "project")),
                amount_cell(o),
                esc(&text(o, "opened_on")),
                if closed.is_empty() {
                    format!("<span class=\"fail\">{}</span>", lang.t(k::OPEN))
                } else {
                    esc(&closed)
                },
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::OBLIGATION,
            k::COUNTY,
            k::PROJECT_2,
            k::AREA,
            k::OPENED,
            k::CLOSED_2,
        ],
        &rows,
    )
}

fn suspensions(user: &User, names: &DivisionNames, view: &SupervisionView) -> String {
    let lang = user.lang;
    if view.suspended.is_empty() {
        return none(lang);
    }
    let may_lift = user.is_land_writer() && user.actor.level == Level::City;
    let rows: Vec<Vec<String>> = view
        .suspended
        .iter()
        .map(|county| {
            let lift = if may_lift {
                format!(
                    "<form method=\"post\" action=\"/supervision/lift\" class=\"action\" id=\"lift-{c}\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <input type=\"hidden\" name=\"county\" value=\"{c}\">\
                     <label>{reason} <input name=\"reason\" required></label> <button>{button}</button></form>",
                    c = esc(county),
                    csrf = esc(&user.csrf),
                    reason = lang.t(k::REASON_FOR_THE_DECISION),
                    button = lang.t(k::LIFT_THE_SUSPENSION),
                )
            } else {
                String::new()
            };
            vec![division(names, county), lift]
        })
        .collect();
    table_in(lang, &[k::COUNTY, k::CITY_DECISION], &rows)
}

fn scan_form(user: &User, as_of: &str) -> String {
    let lang = user.lang;
    if !user.is_land_writer() || !above_county(user) {
        return String::new();
    }
    format!(
        "<section id=\"scan\"><h2>{title}</h2><p>{explain}</p>\
         <form method=\"post\" action=\"/supervision/scan\" class=\"action\" id=\"form-scan\" data-confirm=\"{confirm}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>{date} <input type=\"date\" name=\"as_of\" value=\"{as_of}\" max=\"{today}\" required></label> \
         <button>{button}</button></form></section>",
        today = user.today,
        title = lang.t(k::SCAN_FOR_OVERDUE_ITEMS),
        explain = lang.t(k::APPLIES_THE_SANCTIONS_DUE_ON_THE),
        csrf = esc(&user.csrf),
        confirm = lang.t(k::APPLY_THE_SANCTIONS_DUE_OVERDUE_COUNTIES),
        date = lang.t(k::AS_OF),
        as_of = esc(as_of),
        button = lang.t(k::RUN_THE_SCAN),
    )
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
    let deadlines = if view.deadlines.is_empty() {
        none(lang)
    } else {
        deadline_table(lang, &user, &names, &view.deadlines, true)
    };
    let overdue = view.deadlines.iter().filter(|d| d.overdue).count();
    let mut body = format!(
        "<form method=\"get\" action=\"/supervision\"><label>{date} \
         <input type=\"date\" name=\"as_of\" value=\"{as_of}\"></label> <button>{show}</button></form>\
         <p id=\"summary\">{summary}</p>",
        date = lang.t(k::AS_OF),
        as_of = esc(&view.as_of),
        show = lang.t(k::SHOW),
        summary = lang.pair(
            &format!(
                "截至 {}：逾期 {overdue} 项，到期未处理的制裁 {} 项，已实施制裁 {} 项，暂停预支的县 {} 个",
                view.as_of,
                view.pending_sanctions.len(),
                view.sanctions.len(),
                view.suspended.len()
            ),
            &format!(
                "As of {}: {overdue} overdue, {} sanctions due but not applied, {} applied, {} counties suspended",
                view.as_of,
                view.pending_sanctions.len(),
                view.sanctions.len(),
                view.suspended.len()
            ),
        ),
    );
    let sections = [
        (
            "deadlines",
            lang.t(k::DEADLINES_ADVANCE_REPAYMENT_COMPLETION),
            deadlines,
        ),
        (
            "pending",
            lang.t(k::SANCTIONS_DUE_NOT_YET_APPLIED_A),
            sanction_table(lang, &names, &view.pending_sanctions, false),
        ),
        (
            "sanctions",
            lang.t(k::SANCTIONS_APPLIED),
            sanction_table(lang, &names, &view.sanctions, true),
        ),
        (
            "obligations",
            lang.t(k::OBLIGATIONS),
            obligations_table(lang, &names, &view.obligations),
        ),
        (
            "suspensions",
            lang.t(k::ADVANCE_SUSPENSIONS),
            suspensions(&user, &names, &view),
        ),
    ];
    body.insert_str(0, &crate::inspect::nav(lang));
    for (id, title, html) in sections {
        let _ = write!(
            body,
            "<section id=\"{id}\"><h2>{title}</h2>{html}</section>"
        );
    }
    body.push_str(&scan_form(&user, &view.as_of));
    Ok(Html(page(k::SUPERVISION, Some(&user), &body)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    csrf: Option<String>,
    as_of: String,
}

fn report_body(user: &User, names: &DivisionNames, report: &ScanReport) -> String {
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
    let details: String = applied
        .iter()
        .map(|a| {
            format!(
                "<li>{}</li>",
                lang.pair(&text(a, "detail_zh"), &text(a, "detail_en"))
            )
        })
        .collect();
    let as_of = report.as_of.format("%Y-%m-%d").to_string();
    format!(
        "<p id=\"scan-summary\">{summary}</p>{table}<ul>{details}</ul>{expired}<p>{again}</p>\
         <p><a href=\"/supervision?as_of={as_of}\">{back}</a></p>",
        expired = expired_listings_html(lang, &report.expired_listings),
        summary = lang.pair(
            &format!(
                "基准日 {as_of}：本次实施 {} 项制裁，{} 项此前已实施（不重复实施）",
                report.applied.len(),
                report.already_applied
            ),
            &format!(
                "As of {as_of}: {} sanctions applied by this run, {} applied before (not applied again)",
                report.applied.len(),
                report.already_applied
            ),
        ),
        table = sanction_table(lang, names, &applied, false),
        again = lang.t(k::RUNNING_THE_SCAN_AGAIN_FOR_THE),
        back = lang.t(k::BACK_TO_SUPERVISION),
    )
}

/// A scan dated after today: what it would apply, and that nothing was written.
fn preview_body(
    user: &User,
    names: &DivisionNames,
    preview: &guagou_registry::door::ScanPreview,
) -> String {
    let lang = user.lang;
    let would: Vec<serde_json::Value> = preview
        .would_apply
        .iter()
        .map(|s| serde_json::to_value(s).unwrap_or_default())
        .collect();
    let as_of = preview.as_of.format("%Y-%m-%d").to_string();
    format!(
        "<p id=\"scan-preview\" class=\"warn\">{summary}</p>{table}\
         <p><a href=\"/supervision\">{back}</a></p>",
        summary = lang.pair(
            &format!(
                "基准日 {as_of} 晚于今日：这是预览，未实施任何制裁、未写入任何数据。届时将实施 {} 项，{} 项此前已实施。",
                preview.would_apply.len(),
                preview.already_applied
            ),
            &format!(
                "{as_of} is after today: this is a preview; no sanction was applied and nothing was written. {} would be applied then, {} were applied before.",
                preview.would_apply.len(),
                preview.already_applied
            ),
        ),
        table = sanction_table(lang, names, &would, false),
        back = lang.t(k::BACK_TO_SUPERVISION),
    )
}

/// The listings a scan expired, linked to the market.
fn expired_listings_html(lang: Lang, listings: &[String]) -> String {
    if listings.is_empty() {
        return String::new();
    }
    let links: Vec<String> = listings
        .iter()
        .map(|id| format!("<a href=\"/market/listings/{id}\">{id}</a>", id = esc(id)))
        .collect();
    format!(
        "<p id=\"scan-expired\">{} {}</p>",
        lang.t(k::LISTINGS_EXPIRED_BY_THIS_RUN_QUOTA),
        links.join(", ")
    )
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
                &report_body(&user, &names, &report),
            ))
            .into_response(),
            Ok(write::ScanOutcome::Preview(preview)) => Html(page(
                k::SCAN_PREVIEW_NOTHING_WRITTEN,
                Some(&user),
                &preview_body(&user, &names, &preview),
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
