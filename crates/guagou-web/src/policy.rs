//! The policy in force, as data (SPEC §5): the profile's rules with the figures of the profile
//! (titles generated from its values, never hard-coded), and the provincial guide price table
//! (二(三)) with every price's sources, where the city records a price published later.
//!
//! Rights: every signed-in user reads the policy (public policy data); the city's (and the
//! province's) land bureau records a guide price through the registry's door, which checks the
//! level and the date again and audits. A date without a price is refused by the market and
//! the ledger with `no_guide_price`, whose message points here.

use crate::catalogue::k;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use guagou_domain::profile::{FactStatus, Profile};
use guagou_domain::rules::{RULES, title_en, title_zh};
use guagou_registry::guide_prices::{GuidePriceRow, NewGuidePrice, PriceOrigin};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::json_body;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, page};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new().route("/policy", get(policy_show).post(guide_price_submit))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(guide_prices_list, guide_price_post))
}

/// A guide price to record (二(三)): the price, what it applies to, and its sources.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct GuidePriceBody {
    /// 生效日期 / the date the price applies from, `YYYY-MM-DD`
    #[schema(example = "2017-11-27")]
    pub from: String,
    /// 指导价（元/亩）/ the price, whole yuan per 亩
    #[schema(example = 300000)]
    pub yuan_per_mu: i64,
    /// 适用范围 / what the price applies to
    pub scope: String,
    /// 规定价格的来源文件 / the document that sets the price
    pub source: String,
    /// `confirmed`（已核实）or `pending`（待核）: whether a document fixes the date
    #[schema(example = "confirmed")]
    pub from_status: String,
    /// 规定生效日期的文件（待核时写明原因）/ the document that sets the date (or why it is 待核)
    pub from_source: String,
    /// 录入日期 / the date of the entry (not after today)
    #[schema(example = "2019-02-01")]
    pub as_of: String,
    /// 录入依据 / basis of the entry
    pub reason: String,
}

fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

impl GuidePriceBody {
    fn parse(&self) -> Result<(NewGuidePrice, NaiveDate), WebError> {
        let from_status = FactStatus::parse(&self.from_status).ok_or_else(|| {
            WebError::invalid_text(
                "from_status",
                format!(
                    "'{}' 应为 confirmed（已核实）或 pending（待核）",
                    self.from_status
                ),
                format!("'{}' should be confirmed or pending", self.from_status),
            )
        })?;
        let new = NewGuidePrice {
            from: parse_date("from", &self.from)?,
            yuan_per_mu: self.yuan_per_mu,
            scope: self.scope.clone(),
            source: self.source.clone(),
            from_status,
            from_source: self.from_source.clone(),
        };
        Ok((new, parse_date("as_of", &self.as_of)?))
    }
}

async fn record(
    state: &AppState,
    user: &User,
    body: &GuidePriceBody,
) -> Result<GuidePriceRow, WebError> {
    user.actor.require_land()?;
    let (new, as_of) = body.parse()?;
    Ok(user
        .door(&state.registry)
        .add_guide_price(&new, as_of, &body.reason)
        .await?)
}

/// Handles GET /api/policy/guide-prices
#[utoipa::path(get, path = "/policy/guide-prices", tag = "policy",
    responses(
        (status = 200, description = "省指导价表（规则配置的与录入的），按生效日期，每项含来源文件 / the guide price table (the profile's and those recorded) in date order, each with its sources", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn guide_prices_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<GuidePriceRow>>, ApiError> {
    Ok(Json(user.door(&state.registry).guide_prices().await?))
}

/// Handles POST /api/policy/guide-prices
#[utoipa::path(post, path = "/policy/guide-prices", tag = "policy",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = GuidePriceBody,
    responses(
        (status = 200, description = "已录入的指导价（记入审计日志）/ the price recorded (audited)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读（审计）、非国土部门或县级用户 / CSRF, read-only, another department or a county user", body = crate::error::Problem),
        (status = 409, description = "该日起生效的指导价已有记录（`guide_price_exists`）/ a price from that date is on record", body = crate::error::Problem),
        (status = 422, description = "输入无效（日期、价格、缺少来源文件）或晚于今日 / invalid input (date, price, missing source) or dated after today", body = crate::error::Problem),
    ))]
pub async fn guide_price_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Result<Json<GuidePriceBody>, JsonRejection>,
) -> Result<Json<GuidePriceRow>, ApiError> {
    user.require_csrf_header(&headers)?;
    let body = json_body(
        request,
        "{\"from\":\"YYYY-MM-DD\",\"yuan_per_mu\":300000,\"scope\":\"…\",\"source\":\"…\",\"from_status\":\"confirmed|pending\",\"from_source\":\"…\",\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}",
    )?;
    Ok(Json(record(&state, &user, &body).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GuidePriceForm {
    csrf: Option<String>,
    from: String,
    yuan_per_mu: String,
    scope: String,
    source: String,
    from_status: String,
    from_source: String,
    as_of: String,
    reason: String,
}

/// Handles POST /policy (the guide price form).
pub async fn guide_price_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<GuidePriceForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    // Whole 元 per 亩, typed as 300000, 300,000 or 30万.
    let whole_yuan = guagou_domain::units::parse_money_fen(&form.yuan_per_mu)
        .filter(|fen| fen % 100 == 0)
        .map(|fen| fen / 100);
    let outcome = match whole_yuan {
        None => Err(WebError::invalid_text(
            "yuan_per_mu",
            format!(
                "指导价 {} 应为整数元/亩（可写 300000 或 30万）",
                form.yuan_per_mu
            ),
            format!(
                "price {} should be whole yuan per mu (300000 or 30万)",
                form.yuan_per_mu
            ),
        )),
        Some(yuan_per_mu) => {
            let body = GuidePriceBody {
                from: form.from,
                yuan_per_mu,
                scope: form.scope,
                source: form.source,
                from_status: form.from_status,
                from_source: form.from_source,
                as_of: form.as_of,
                reason: form.reason,
            };
            record(&state, &user, &body).await
        }
    };
    Ok(match outcome {
        Ok(row) => Redirect::to(&format!("/policy#price-{}", row.price.from)).into_response(),
        Err(e) => refusal(&user, e),
    })
}

fn refusal(user: &User, error: WebError) -> Response {
    let problem = error.problem();
    let body = crate::html::refusal_html(user.lang, &problem, "/policy#guide-prices");
    (problem.status, Html(page(k::REFUSED, Some(user), &body))).into_response()
}

/// Handles GET /policy
pub async fn policy_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let door = user.door(&state.registry);
    let profile = door.profile();
    let prices = door.guide_prices().await?;
    let lang = user.lang;
    let view = PolicyPage {
        lang,
        profile_id: &profile.profile.id,
        document: &profile.profile.document,
        issued: profile.profile.issued.to_string(),
        rules: rule_lines(lang, profile),
        prices: prices.iter().map(|row| price_line(lang, row)).collect(),
        form_csrf: door.records_guide_prices().then_some(user.csrf.as_str()),
        today: user.today,
    };
    let body = askama::Template::render(&view)
        .map_err(|e| WebError::Internal(format!("policy page template: {e}")))?;
    Ok(Html(page(k::POLICY_IN_FORCE, Some(&user), &body)))
}

#[derive(askama::Template)]
#[template(path = "policy/page.html")]
struct PolicyPage<'a> {
    lang: Lang,
    profile_id: &'a str,
    document: &'a str,
    issued: String,
    rules: Vec<RuleLine>,
    prices: Vec<PriceLine<'a>>,
    /// The guide-price form's token, for whoever records guide prices.
    form_csrf: Option<&'a str>,
    today: chrono::NaiveDate,
}

struct RuleLine {
    id: &'static str,
    title: String,
    severity: &'static str,
    clause: &'static str,
}

struct PriceLine<'a> {
    from: String,
    price: String,
    scope: &'a str,
    clause: &'a str,
    source: &'a str,
    status: &'static str,
    from_source: &'a str,
    origin: String,
}

fn rule_lines(lang: Lang, profile: &Profile) -> Vec<RuleLine> {
    RULES
        .iter()
        .map(|r| RuleLine {
            id: r.id.as_str(),
            title: match lang {
                Lang::Zh => title_zh(profile, r.id),
                Lang::En => title_en(profile, r.id),
            },
            severity: lang.text(crate::names::severity(r.severity)),
            clause: r.clause,
        })
        .collect()
}

fn price_line(lang: Lang, row: &GuidePriceRow) -> PriceLine<'_> {
    let p = &row.price;
    PriceLine {
        from: p.from.to_string(),
        price: lang.fill(
            k::PRICE_YUAN_PER_MU_VALUE,
            &[("price", &crate::lists::thousands(p.yuan_per_mu))],
        ),
        scope: &p.scope,
        clause: &p.clause,
        source: &p.source,
        status: lang.text(crate::names::fact_status(p.from_status)),
        from_source: &p.from_source,
        origin: match &row.origin {
            PriceOrigin::Profile { id } => lang.fill(k::PRICE_FROM_PROFILE, &[("id", id)]),
            PriceOrigin::Recorded { by, on, reason, .. } => lang.fill(
                k::PRICE_RECORDED_BY,
                &[("by", by), ("on", &on.to_string()), ("reason", reason)],
            ),
        },
    }
}
