//! The supervision page (SPEC §8, §9): deadlines as of a date, sanctions due and applied,
//! obligations and suspensions of the user's jurisdiction; the scan (city or province) and the
//! lifting of a suspension (the city) as forms.

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

pub(crate) fn obligation_kind(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "farmland_balance" => ("占补平衡", "farmland balance"),
        "taxes_and_fees" => ("相关税费", "taxes and fees"),
        "annual_plan_deduction_outstanding" => {
            ("尚未扣减的年度计划指标", "annual plan deduction still owed")
        }
        "quota_owed_to_city" => (
            "县欠市的节余指标（预支超过县分成，二(六)）",
            "quota the county owes the city (advances beyond its part, 二(六))",
        ),
        _ => ("其他", "other"),
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
                lang.t(&zh, &en),
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
        ("规则", "Rule"),
        ("条款", "Clause"),
        ("措施", "Measure"),
        ("项目", "Project"),
        ("县", "County"),
        ("面积", "Area"),
        ("逾期起始", "Overdue since"),
    ];
    if applied {
        headers.push(("实施日期", "Applied on"));
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
            let (zh, en) = obligation_kind(&text(o, "kind"));
            let closed = text(o, "closed_on");
            vec![
                lang.t(zh, en),
                division(names, &text(o, "county")),
                esc(&text(o, "project")),
                amount_cell(o),
                esc(&text(o, "opened_on")),
                if closed.is_empty() {
                    format!("<span class=\"fail\">{}</span>", lang.t("未履行", "open"))
                } else {
                    esc(&closed)
                },
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            ("义务", "Obligation"),
            ("县", "County"),
            ("项目", "Project"),
            ("面积", "Area"),
            ("产生日期", "Opened"),
            ("履行日期", "Closed"),
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
                    reason = lang.t("决定理由", "Reason for the decision"),
                    button = lang.t("解除暂停", "Lift the suspension"),
                )
            } else {
                String::new()
            };
            vec![division(names, county), lift]
        })
        .collect();
    table_in(
        lang,
        &[("县", "County"), ("市局决定", "City decision")],
        &rows,
    )
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
        title = lang.t("逾期扫描", "Scan for overdue items"),
        explain = lang.t(
            "按基准日实施到期的制裁（二(四)）；已实施的不会重复实施",
            "Applies the sanctions due on the date (二(四)); what was applied is never applied again"
        ),
        csrf = esc(&user.csrf),
        confirm = lang.one(
            "确认实施到期的制裁？逾期县的预支资格将被暂停，并扣减其年度计划指标、开列占补平衡和税费义务（先看上面的预览）。",
            "Apply the sanctions due? Overdue counties lose their advance right, their annual plan is deducted and obligations are opened (see the preview above)."
        ),
        date = lang.t("基准日", "As of"),
        as_of = esc(as_of),
        button = lang.t("运行扫描", "Run the scan"),
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
        date = lang.t("基准日", "As of"),
        as_of = esc(&view.as_of),
        show = lang.t("查看", "Show"),
        summary = lang.t(
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
            lang.t(
                "期限（预支归还、项目完成）",
                "Deadlines (advance repayment, completion)",
            ),
            deadlines,
        ),
        (
            "pending",
            lang.t(
                "到期未处理的制裁（运行扫描后实施）",
                "Sanctions due, not yet applied (a scan applies them)",
            ),
            sanction_table(lang, &names, &view.pending_sanctions, false),
        ),
        (
            "sanctions",
            lang.t("已实施的制裁", "Sanctions applied"),
            sanction_table(lang, &names, &view.sanctions, true),
        ),
        (
            "obligations",
            lang.t("义务", "Obligations"),
            obligations_table(lang, &names, &view.obligations),
        ),
        (
            "suspensions",
            lang.t("暂停预支", "Advance suspensions"),
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
    Ok(Html(page("监管", "Supervision", Some(&user), &body)))
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
                lang.t(&text(a, "detail_zh"), &text(a, "detail_en"))
            )
        })
        .collect();
    let as_of = report.as_of.format("%Y-%m-%d").to_string();
    format!(
        "<p id=\"scan-summary\">{summary}</p>{table}<ul>{details}</ul>{expired}<p>{again}</p>\
         <p><a href=\"/supervision?as_of={as_of}\">{back}</a></p>",
        expired = expired_listings_html(lang, &report.expired_listings),
        summary = lang.t(
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
        again = lang.t(
            "同一基准日再次运行扫描不会改变任何数据",
            "Running the scan again for the same date changes nothing"
        ),
        back = lang.t("返回监管", "Back to supervision"),
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
        summary = lang.t(
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
        back = lang.t("返回监管", "Back to supervision"),
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
        lang.t(
            "本次到期的挂牌（指标已退回转让方）：",
            "Listings expired by this run (quota returned to the seller):"
        ),
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
                "扫描结果",
                "Scan report",
                Some(&user),
                &report_body(&user, &names, &report),
            ))
            .into_response(),
            Ok(write::ScanOutcome::Preview(preview)) => Html(page(
                "扫描预览（未写入）",
                "Scan preview (nothing written)",
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
