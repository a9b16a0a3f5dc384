//! Supervision writes and reads shared by the pages and the API: the request bodies (in the
//! OpenAPI document), their parsing, the read filters and the calls into the registry.
//!
//! Input is parsed once here and refused with a bilingual message; the registry then checks
//! level, jurisdiction and state, and audits. Something the user may not read (another county's
//! inspection or notice) answers 404 before the registry is asked, so a write cannot probe what
//! a read would hide.

use chrono::{Datelike, NaiveDate};
use guagou_domain::DivisionCode;
use guagou_domain::profile::{Param, Profile};
use guagou_domain::supervision::{AllocationRow, FindingSeverity, InspectionKind, NoticeKind};
use guagou_registry::Registry;
use guagou_registry::inspections::{
    DecidedAllocation, Inspection, NewFinding, NewInspection, NewNotice, Notice,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::User;
use crate::error::WebError;
use crate::view;

/// 检查中发现的问题 / a finding of an inspection.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FindingBody {
    /// 问题描述 / what was found
    pub description: String,
    /// 严重程度 / severity: `minor` 一般, `major` 较重, `serious` 严重
    #[schema(example = "major")]
    pub severity: String,
    /// 整改期限（最后一天）/ rectification deadline (last valid day), `YYYY-MM-DD`
    #[schema(example = "2019-09-30")]
    pub deadline: String,
}

/// 记录检查（市、省国土部门）/ record an inspection (city or province land department).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct InspectionBody {
    /// 被检查的县（指定项目时可省略）/ the county inspected (may be omitted with a project)
    #[schema(example = "511722")]
    pub county: Option<String>,
    /// 被检查的项目区编号（可选）/ the project inspected (optional)
    pub project: Option<String>,
    /// 检查类型 / kind: `bidding` 招投标, `construction` 施工, `fund_use` 资金使用
    #[schema(example = "construction")]
    pub kind: String,
    /// 检查日期 / date of the inspection, `YYYY-MM-DD`
    #[schema(example = "2019-08-01")]
    pub inspected_on: String,
    /// 检查人 `姓名@行政区划代码`（默认本人）/ inspector `name@division` (default: the user)
    pub inspector: Option<String>,
    /// 检查内容 / what was inspected
    pub summary: String,
    #[serde(default)]
    pub findings: Vec<FindingBody>,
    /// 记录理由（审计日志）/ reason (audit log)
    #[serde(default)]
    pub reason: String,
}

/// 整改情况（县国土部门）/ a rectification (the county land department).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RectificationBody {
    /// 整改措施 / what was done
    pub rectification: String,
    /// 整改完成日期 / date, `YYYY-MM-DD`
    #[schema(example = "2019-08-20")]
    pub rectified_on: String,
}

/// 销号（市、省国土部门；须先整改）/ closure (city or province; only after rectification).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ClosureBody {
    /// 销号意见 / the closure opinion
    pub note: String,
    /// 销号日期 / date, `YYYY-MM-DD`
    #[schema(example = "2019-09-01")]
    pub closed_on: String,
}

/// 通报批评或表扬（市国土部门）/ a criticism or commendation (the city land department).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NoticeBody {
    #[schema(example = "511725")]
    pub county: String,
    /// `criticism` 通报批评 or `commendation` 通报表扬
    #[schema(example = "criticism")]
    pub kind: String,
    /// 通报日期 / date of the decision, `YYYY-MM-DD`
    #[schema(example = "2019-11-20")]
    pub decided_on: String,
    /// 理由 / reason
    pub reason: String,
    /// 依据条款（默认 三(二)）/ clause (default 三(二))
    pub clause: Option<String>,
}

/// 解除通报批评（市国土部门）/ lift a criticism (the city land department).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LiftNoticeBody {
    /// 解除日期 / date, `YYYY-MM-DD`
    #[schema(example = "2019-12-20")]
    pub lifted_on: String,
    /// 决定理由 / reason for the decision
    pub reason: String,
}

/// 年度指标计划分配的参数 / the year and the total to allocate.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// 分配年度（默认明年）/ the year allocated (default: next year)
    pub year: Option<String>,
    /// 全市分配总量 m²（默认：已决定的总量，或 0）/ the city's total in m² (default: the decided
    /// total, or 0)
    pub total_m2: Option<String>,
}

/// 决定年度分配（市国土部门，每年一次）/ decide a year's allocation (the city, once a year).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DecideBody {
    #[schema(example = 2020)]
    pub year: i32,
    #[schema(example = 1_000_000)]
    pub total_m2: i64,
    /// 决定日期 / date of the decision, `YYYY-MM-DD`
    #[schema(example = "2020-01-15")]
    pub decided_on: String,
    /// 决定依据 / basis of the decision
    pub reason: String,
}

/// A weight of the allocation and the clause behind it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeightRule {
    pub factor: &'static str,
    pub weight: u32,
    pub clause: String,
    pub note_zh: String,
    pub note_en: String,
}

/// The weights of the profile in force (`[allocation]`), each with its clause.
pub fn weight_rules(profile: &Profile) -> Vec<WeightRule> {
    let w = &profile.allocation;
    let until = profile.priority.transition_until.value;
    let rule = |factor, param: &Param<u32>, zh: String, en: String| WeightRule {
        factor,
        weight: param.value,
        clause: param.clause.clone(),
        note_zh: zh,
        note_en: match &param.note {
            Some(note) => format!("{en} ({note})"),
            None => en,
        },
    };
    vec![
        rule(
            "base",
            &w.base,
            "未被暂停的县均参与分配（本系统的理解）".into(),
            "every county not suspended takes part".into(),
        ),
        rule(
            "national_poverty_county",
            &w.national_poverty,
            format!(
                "向国家扶贫开发工作重点县重点倾斜（以当年 1 月 1 日是否在册为准；退出后过渡期至 {until}）"
            ),
            format!(
                "tilt toward national poverty counties (designated on 1 January of the year; after exit until {until})"
            ),
        ),
        rule(
            "provincial_poverty_county",
            &w.provincial_poverty,
            format!("省定贫困县（退出后过渡期至 {until}）"),
            format!("provincial poverty counties (after exit until {until})"),
        ),
        rule(
            "commendation",
            &w.commendation,
            "上一年度每次通报表扬（下一年度分配予以重点倾斜）".into(),
            "each commendation of the previous year".into(),
        ),
        WeightRule {
            factor: "criticism",
            weight: 0,
            clause: "三(二)".into(),
            note_zh: "通报批评在解除前暂停该县分配（份额为 0；次年起算）".into(),
            note_en: "a criticism suspends the county (share 0) from the next year until lifted"
                .into(),
        },
    ]
}

/// The allocation as a user may read it: a county sees its own row; totals stay whole so it
/// can check its share (total × weight ÷ total weight).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationView {
    pub year: i32,
    pub total_m2: i64,
    pub total_weight: u64,
    pub remaining_m2: i64,
    /// 每县计算过程 / one row per county: factors, weight, share, exact quota, remainder, m²
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<AllocationRow>,
    /// Rows of counties the user may not read (left out).
    pub rows_hidden: usize,
    pub weights: Vec<WeightRule>,
    /// 市局已决定的本年度分配 / the allocation the city recorded for the year, if any
    #[schema(value_type = Option<Object>)]
    pub decided: Option<DecidedAllocation>,
}

pub(crate) fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

pub(crate) fn parse_county(field: &'static str, text: &str) -> Result<DivisionCode, WebError> {
    DivisionCode::parse(text.trim()).map_err(|e| {
        WebError::invalid_text(
            field,
            format!("行政区划代码 {text} 无效：{e}"),
            format!("invalid division code {text}: {e}"),
        )
    })
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn parse_finding(i: usize, body: &FindingBody) -> Result<NewFinding, WebError> {
    let severity = FindingSeverity::parse(body.severity.trim()).ok_or_else(|| {
        WebError::invalid_text(
            "findings.severity",
            format!(
                "第 {} 条问题的严重程度 {} 应为 minor、major 或 serious",
                i + 1,
                body.severity
            ),
            format!(
                "severity {} of finding {} should be minor, major or serious",
                body.severity,
                i + 1
            ),
        )
    })?;
    Ok(NewFinding {
        description: body.description.clone(),
        severity,
        deadline: parse_date("findings.deadline", &body.deadline)?,
    })
}

/// Parses an inspection body.
pub(crate) fn parse_inspection(body: &InspectionBody) -> Result<NewInspection, WebError> {
    let kind = InspectionKind::parse(body.kind.trim()).ok_or_else(|| {
        WebError::invalid_text(
            "kind",
            format!(
                "检查类型 {} 应为 bidding、construction 或 fund_use",
                body.kind
            ),
            format!(
                "kind {} should be bidding, construction or fund_use",
                body.kind
            ),
        )
    })?;
    Ok(NewInspection {
        county: non_empty(body.county.as_deref())
            .map(|c| parse_county("county", c))
            .transpose()?,
        project: non_empty(body.project.as_deref()).map(str::to_owned),
        kind,
        inspected_on: parse_date("inspected_on", &body.inspected_on)?,
        inspector: non_empty(body.inspector.as_deref()).map(str::to_owned),
        summary: body.summary.clone(),
        findings: body
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| parse_finding(i, f))
            .collect::<Result<_, _>>()?,
    })
}

/// Inspections of the user's jurisdiction (audit: all), newest first.
pub(crate) async fn readable_inspections(
    registry: &Registry,
    user: &User,
) -> Result<Vec<Inspection>, WebError> {
    Ok(user.door(registry).inspections().await?)
}

/// One inspection, or 404 when missing or not readable.
pub(crate) async fn readable_inspection(
    registry: &Registry,
    user: &User,
    id: &str,
) -> Result<Inspection, WebError> {
    Ok(user.door(registry).inspection(id).await?)
}

/// Records an inspection (the land department; the registry checks the level).
pub(crate) async fn record_inspection(
    registry: &Registry,
    user: &User,
    body: &InspectionBody,
) -> Result<Inspection, WebError> {
    user.actor.require_land()?;
    let new = parse_inspection(body)?;
    if let Some(code) = &new.project {
        view::readable_project(registry, user, code).await?;
    }
    if let Some(county) = &new.county
        && !user.reads(county.as_str())
    {
        return Err(WebError::NotFound);
    }
    let reason = match body.reason.trim() {
        "" => "记录检查 / inspection recorded",
        text => text,
    };
    Ok(user.door(registry).record_inspection(&new, reason).await?)
}

pub(crate) fn parse_seq(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

/// Records the county's rectification of a finding.
pub(crate) async fn rectify(
    registry: &Registry,
    user: &User,
    id: &str,
    seq: &str,
    body: &RectificationBody,
) -> Result<Inspection, WebError> {
    user.actor.require_land()?;
    readable_inspection(registry, user, id).await?;
    let seq = parse_seq(seq)?;
    let on = parse_date("rectified_on", &body.rectified_on)?;
    Ok(user
        .door(registry)
        .rectify_finding(id, seq, &body.rectification, on)
        .await?)
}

/// Closes a rectified finding (the city or province).
pub(crate) async fn close(
    registry: &Registry,
    user: &User,
    id: &str,
    seq: &str,
    body: &ClosureBody,
) -> Result<Inspection, WebError> {
    user.actor.require_land()?;
    readable_inspection(registry, user, id).await?;
    let seq = parse_seq(seq)?;
    let on = parse_date("closed_on", &body.closed_on)?;
    Ok(user
        .door(registry)
        .close_finding(id, seq, &body.note, on)
        .await?)
}

/// Criticisms and commendations of the user's jurisdiction (audit: all), newest first.
pub(crate) async fn readable_notices(
    registry: &Registry,
    user: &User,
) -> Result<Vec<Notice>, WebError> {
    Ok(user.door(registry).supervision_notices().await?)
}

/// Records a criticism or commendation (the city).
pub(crate) async fn record_notice(
    registry: &Registry,
    user: &User,
    body: &NoticeBody,
) -> Result<Notice, WebError> {
    user.actor.require_land()?;
    let kind = NoticeKind::parse(body.kind.trim()).ok_or_else(|| {
        WebError::invalid_text(
            "kind",
            format!("通报类型 {} 应为 criticism 或 commendation", body.kind),
            format!("kind {} should be criticism or commendation", body.kind),
        )
    })?;
    let new = NewNotice {
        county: parse_county("county", &body.county)?,
        kind,
        decided_on: parse_date("decided_on", &body.decided_on)?,
        reason: body.reason.clone(),
        clause: body.clause.clone().unwrap_or_default(),
    };
    if !user.reads(new.county.as_str()) {
        return Err(WebError::NotFound);
    }
    Ok(user.door(registry).record_supervision_notice(&new).await?)
}

/// Lifts a criticism (the city).
pub(crate) async fn lift_notice(
    registry: &Registry,
    user: &User,
    id: &str,
    body: &LiftNoticeBody,
) -> Result<Notice, WebError> {
    let on = parse_date("lifted_on", &body.lifted_on)?;
    Ok(user
        .door(registry)
        .lift_criticism(id, on, &body.reason)
        .await?)
}

/// The year and total of an allocation query (defaults: next year; the decided total or 0).
pub(crate) async fn allocation_view(
    registry: &Registry,
    user: &User,
    query: &AllocationQuery,
) -> Result<AllocationView, WebError> {
    let year = match non_empty(query.year.as_deref()) {
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .ok_or_else(|| {
                WebError::invalid_text(
                    "year",
                    format!("年度 {text} 无效"),
                    format!("invalid year {text}"),
                )
            })?,
        None => user.today.year() + 1,
    };
    let decided = user.door(registry).decided_allocation(year).await?;
    let total_m2 = match non_empty(query.total_m2.as_deref()) {
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|t| *t >= 0)
            .ok_or_else(|| {
                WebError::invalid_text(
                    "total_m2",
                    format!("分配总量 {text} 应为非负整数 m²"),
                    format!("total {text} should be a whole number of m², not negative"),
                )
            })?,
        None => decided.as_ref().map_or(0, |d| d.total_m2),
    };
    let (computed, rows_hidden) = user
        .door(registry)
        .compute_allocation(year, total_m2)
        .await?;
    let rows = computed.rows.clone();
    Ok(AllocationView {
        year,
        total_m2,
        total_weight: computed.total_weight,
        remaining_m2: computed.remaining_m2,
        rows,
        rows_hidden,
        weights: weight_rules(user.door(registry).profile()),
        decided,
    })
}

/// Records the allocation of a year as decided (the city).
pub(crate) async fn decide(
    registry: &Registry,
    user: &User,
    body: &DecideBody,
) -> Result<DecidedAllocation, WebError> {
    user.actor.require_land()?;
    let on = parse_date("decided_on", &body.decided_on)?;
    Ok(user
        .door(registry)
        .decide_allocation(body.year, body.total_m2, on, &body.reason)
        .await?)
}
