//! The report a user asked for and may see: query parameters parsed once, the county filter
//! checked against the user's jurisdiction, and the rows limited to what the user reads.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::lifecycle::Level;
use guagou_domain::report::{Report, ReportQuery};
use guagou_registry::Registry;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::User;
use crate::error::WebError;

/// The filters of a report (every one optional; empty means "all").
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// 县（市、区）代码，空为全部可查看的 / county code; empty for every county the user reads
    pub county: Option<String>,
    /// 年度，空为全部年度 / calendar year; empty for all years
    pub year: Option<String>,
    /// 基准日（默认今日，上海时间），此后的事项不计 / as-of date `YYYY-MM-DD` (default: today in
    /// Shanghai); later events are left out
    pub as_of: Option<String>,
}

/// A parameter's text, `None` when absent or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The years a report may ask for (anything else is a typo).
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Parses the parameters into a domain query, with the county checked against `user`: a
/// county user without a county filter gets its own county; a county the user may not read
/// answers 404 (the same as a missing one).
pub(crate) fn query_for(
    user: &User,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<ReportQuery, WebError> {
    let params = params.map(|q| q.0).map_err(|e| {
        WebError::invalid_text(
            "query",
            format!("查询参数无效：{e}"),
            format!("invalid query parameters: {e}"),
        )
    })?;
    let year = match given(&params.year) {
        None => None,
        Some(text) => Some(
            text.parse::<i32>()
                .ok()
                .filter(|y| YEARS.contains(y))
                .ok_or_else(|| {
                    WebError::invalid_text(
                        "year",
                        format!("年度 {text} 应为 1990—2100 之间的整数"),
                        format!("year {text} should be a whole number from 1990 to 2100"),
                    )
                })?,
        ),
    };
    let as_of = match given(&params.as_of) {
        None => user.today,
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            WebError::invalid_text(
                "as_of",
                format!("日期 {text} 应为 YYYY-MM-DD"),
                format!("date {text} should be YYYY-MM-DD"),
            )
        })?,
    };
    let county = match given(&params.county) {
        Some(text) => {
            let code = DivisionCode::parse(text).map_err(|e| {
                WebError::invalid_text("county", format!("行政区划代码无效：{e}"), e.to_string())
            })?;
            // A county the user may not read answers 404 at the door.
            Some(code.to_string())
        }
        None if user.actor.level == Level::County && !user.actor.department.reads_everything() => {
            Some(user.actor.division.to_string())
        }
        None => None,
    };
    Ok(ReportQuery {
        county,
        year,
        as_of,
    })
}

/// The report of `query` with only the divisions `user` reads.
pub(crate) async fn report_for(
    registry: &Registry,
    user: &User,
    query: &ReportQuery,
) -> Result<Report, WebError> {
    Ok(user.door(registry).report(query).await?)
}

/// The query string that asks for `query` again (for the Excel link and the API).
pub(crate) fn query_string(query: &ReportQuery) -> String {
    let mut parts = Vec::new();
    if let Some(county) = &query.county {
        parts.push(format!("county={county}"));
    }
    if let Some(year) = query.year {
        parts.push(format!("year={year}"));
    }
    parts.push(format!("as_of={}", query.as_of.format("%Y-%m-%d")));
    parts.join("&")
}
