//! What the funds pages and the API share: the failure type (funds refusals keep their own
//! stable codes of the error table, e.g. `funds_insufficient`), rights, request bodies and
//! their conversion into registry requests, and money formatting.

use crate::catalogue::k;
use axum::Json;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use guagou_domain::Fen;
use guagou_domain::funds::{FundAccount, FundingSource, FundsError, PaidFrom, SpendCategory};
use guagou_domain::lifecycle::Level;
use guagou_registry::funds::{
    FundsFailure, FundsRequest, NewCompensation, NewInvestment, NewSpending,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::User;
use crate::error::{Problem, WebError};
use crate::html::page;

/// A failed funds request: a web or registry error, a refusal of the funds rules, or a user
/// of another department trying to record money.
#[derive(Debug)]
pub enum Failure {
    Web(WebError),
    Refused(FundsError),
}

impl From<WebError> for Failure {
    fn from(e: WebError) -> Self {
        Failure::Web(e)
    }
}

impl From<guagou_registry::RegistryError> for Failure {
    fn from(e: guagou_registry::RegistryError) -> Self {
        Failure::Web(e.into())
    }
}

impl From<FundsFailure> for Failure {
    fn from(e: FundsFailure) -> Self {
        match e {
            FundsFailure::Refused(e) => Failure::Refused(e),
            FundsFailure::Registry(e) => Failure::Web(e.into()),
        }
    }
}

impl Failure {
    /// The problem, through the one table: a funds refusal's code is its answer.
    pub fn problem(&self) -> Problem {
        match self {
            Failure::Web(e) => e.problem(),
            Failure::Refused(e) => Problem::of(e),
        }
    }
}

/// A failure answered as JSON.
#[derive(Debug)]
pub struct ApiFail(pub Failure);

impl<E: Into<Failure>> From<E> for ApiFail {
    fn from(e: E) -> Self {
        ApiFail(e.into())
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        let problem = self.0.problem();
        (problem.status, Json(problem)).into_response()
    }
}

/// A failure answered as a page (with the user's navigation when known).
pub fn refusal_page(user: Option<&User>, failure: Failure) -> Response {
    let problem = failure.problem();
    let lang = user.map(|u| u.lang).unwrap_or_default();
    let body = crate::html::refusal_html(lang, &problem, "/funds");
    (problem.status, Html(page(k::NOT_DONE, user, &body))).into_response()
}

/// Refuses unless the user may record money (asks the principal: audit is read-only, other
/// departments are not finance); the door checks again, with the jurisdiction.
pub fn require_finance(user: &User) -> Result<(), Failure> {
    user.actor
        .require_department(&guagou_domain::Department::Finance)?;
    Ok(())
}

/// Whether the user sees the finance forms.
pub fn is_finance_writer(user: &User) -> bool {
    user.actor
        .require_department(&guagou_domain::Department::Finance)
        .is_ok()
}

/// Audit and the city (or province) run the verifier.
pub fn may_verify(user: &User) -> bool {
    user.actor.department.reads_everything()
        || matches!(user.actor.level, Level::City | Level::Province)
}

/// Whether the user may read an account (its county is in the user's jurisdiction).
pub fn reads_account(user: &User, account: &FundAccount) -> bool {
    user.reads(account.county().as_str())
}

/// 分 as 元 with two decimals.
pub fn yuan(fen: i64) -> String {
    Fen(fen).yuan_text()
}

/// Percent-encodes a path segment (keys carry project codes).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn account_url(key: &str) -> String {
    format!("/funds/accounts/{}", segment(key))
}

fn date(field: &'static str, text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("the date {text} should be YYYY-MM-DD"),
        )
        .into()
    })
}

fn source(text: &str) -> Result<FundingSource, Failure> {
    FundingSource::parse(text.trim())
        .ok_or_else(|| WebError::invalid("source", k::THE_SOURCE_MUST_BE_CITY_BUDGET).into())
}

fn category(text: &str) -> Result<SpendCategory, Failure> {
    match SpendCategory::parse(text.trim()) {
        Some(c) if c != SpendCategory::Compensation => Ok(c),
        _ => Err(
            WebError::invalid("category", k::THE_CATEGORY_MUST_BE_RESETTLEMENT_RECLAMATION).into(),
        ),
    }
}

fn paid_from(text: &str) -> Result<PaidFrom, Failure> {
    PaidFrom::parse(text.trim())
        .ok_or_else(|| WebError::invalid("paid_from", k::PAID_FROM_MUST_BE_COUNTY_THE).into())
}

fn key(text: &str) -> Result<String, Failure> {
    let text = text.trim();
    if text.is_empty() || text.len() > 200 {
        return Err(
            WebError::invalid("idempotency_key", k::THE_IDEMPOTENCY_KEY_IS_MISSING_OR).into(),
        );
    }
    Ok(text.to_owned())
}

fn optional(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A form amount in 元 (up to two decimals) as 分.
pub fn form_amount(text: &str) -> Result<i64, Failure> {
    Ok(crate::amount::form_money_fen("amount_yuan", text)?)
}

/// City investment received (市级投资到位).
#[derive(Debug, Deserialize, ToSchema)]
pub struct InvestmentBody {
    /// 项目编号 / the city-invested project
    #[schema(example = "511702-2019-001")]
    pub project: String,
    /// city_budget | investment_attraction | social_capital (must be the project's source)
    pub source: String,
    /// 金额（分） / amount in 分
    pub amount_fen: i64,
    /// 到账日期 / date received, `YYYY-MM-DD`
    pub received_on: String,
    /// 说明 / note
    #[serde(default)]
    pub reason: String,
    /// 幂等键 / idempotency key: the same request twice posts once
    pub idempotency_key: String,
}

impl InvestmentBody {
    pub fn request(&self) -> Result<(NewInvestment, FundsRequest), Failure> {
        Ok((
            NewInvestment {
                project: self.project.trim().to_owned(),
                source: source(&self.source)?,
                amount_fen: self.amount_fen,
            },
            FundsRequest {
                key: key(&self.idempotency_key)?,
                effective: date("received_on", &self.received_on)?,
                reason: self.reason.trim().to_owned(),
            },
        ))
    }
}

/// Money spent for resettlement, reclamation or poverty relief.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SpendingBody {
    /// 县（未指明项目时必填） / the county (required without a project)
    #[serde(default)]
    pub county: Option<String>,
    /// 项目编号 / the project, where the spending is for one
    #[serde(default)]
    pub project: Option<String>,
    /// resettlement | reclamation | poverty_relief
    pub category: String,
    /// county | project: which fund pays
    pub paid_from: String,
    /// 收款单位 / payee
    pub payee: String,
    /// 凭证号 / voucher number
    pub voucher: String,
    /// 金额（分） / amount in 分
    pub amount_fen: i64,
    /// 支付日期 / date paid, `YYYY-MM-DD`
    pub paid_on: String,
    #[serde(default)]
    pub reason: String,
    pub idempotency_key: String,
}

impl SpendingBody {
    pub fn request(&self) -> Result<(NewSpending, FundsRequest), Failure> {
        Ok((
            NewSpending {
                county: optional(self.county.as_deref()),
                project: optional(self.project.as_deref()),
                category: category(&self.category)?,
                paid_from: paid_from(&self.paid_from)?,
                payee: self.payee.clone(),
                voucher: self.voucher.clone(),
                amount_fen: self.amount_fen,
            },
            FundsRequest {
                key: key(&self.idempotency_key)?,
                effective: date("paid_on", &self.paid_on)?,
                reason: self.reason.trim().to_owned(),
            },
        ))
    }
}

/// Compensation paid to a household.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CompensationBody {
    pub project: String,
    /// 农户编号或姓名（姓名脱敏保存） / household id, or a name (stored masked)
    pub household: String,
    /// county | project
    pub paid_from: String,
    pub voucher: String,
    pub amount_fen: i64,
    pub paid_on: String,
    #[serde(default)]
    pub reason: String,
    pub idempotency_key: String,
}

impl CompensationBody {
    pub fn request(&self) -> Result<(NewCompensation, FundsRequest), Failure> {
        Ok((
            NewCompensation {
                project: self.project.trim().to_owned(),
                household: self.household.clone(),
                paid_from: paid_from(&self.paid_from)?,
                voucher: self.voucher.clone(),
                amount_fen: self.amount_fen,
            },
            FundsRequest {
                key: key(&self.idempotency_key)?,
                effective: date("paid_on", &self.paid_on)?,
                reason: self.reason.trim().to_owned(),
            },
        ))
    }
}

/// A reversal (冲正) of an entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReverseBody {
    /// 理由（必填） / why (required)
    pub reason: String,
    /// `YYYY-MM-DD`
    pub as_of: String,
    pub idempotency_key: String,
}

impl ReverseBody {
    pub fn request(&self) -> Result<FundsRequest, Failure> {
        Ok(FundsRequest {
            key: key(&self.idempotency_key)?,
            effective: date("as_of", &self.as_of)?,
            reason: self.reason.trim().to_owned(),
        })
    }
}
