//! The policy in force, as data (SPEC §5): the profile's rules with the figures of the profile
//! (titles generated from its values, never hard-coded), and the provincial guide price table
//! (二(三)) with every price's sources, where the city records a price published later.
//!
//! Rights: every signed-in user reads the policy (public policy data); the city's (and the
//! province's) land bureau records a guide price through the registry's door, which checks the
//! level and the date again and audits. A date without a price is refused by the market and
//! the ledger with `no_guide_price`, whose message points here.

use crate::catalogue::{Key, k};
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
use crate::html::{Lang, esc, page, table_in};

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
    let header = format!(
        "<p id=\"profile\">{} <strong>{}</strong>（{}，{}）</p>",
        lang.t(k::POLICY_PROFILE),
        esc(&profile.profile.id),
        esc(&profile.profile.document),
        profile.profile.issued,
    );
    let form = if door.records_guide_prices() {
        price_form(&user)
    } else {
        String::new()
    };
    let body = format!(
        "{header}<section id=\"rules\"><h2>{rules_title}</h2>{rules}</section>\
         <section id=\"guide-prices\"><h2>{prices_title}</h2><p>{prices_note}</p>{prices}{form}</section>",
        rules_title = lang.t(k::RULES_WITH_THIS_PROFILES_FIGURES),
        rules = rules_table(lang, profile),
        prices_title = lang.t(k::PROVINCIAL_GUIDE_PRICES),
        prices_note = lang.t(k::A_TRANSFER_PRICE_MAY_NOT_BE),
        prices = prices_table(lang, &prices),
    );
    Ok(Html(page(k::POLICY_IN_FORCE, Some(&user), &body)))
}

fn rules_table(lang: Lang, profile: &Profile) -> String {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            vec![
                format!("<code id=\"rule-{id}\">{id}</code>", id = r.id),
                esc(&lang.pair(&title_zh(profile, r.id), &title_en(profile, r.id))),
                lang.pair(r.severity.label_zh(), r.severity.label_en()),
                esc(r.clause),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::RULE,
            k::TITLE_THIS_PROFILES_FIGURES,
            k::SEVERITY_2,
            k::CLAUSE,
        ],
        &rows,
    )
}

fn prices_table(lang: Lang, prices: &[GuidePriceRow]) -> String {
    if prices.is_empty() {
        return format!(
            "<p id=\"no-guide-price\" class=\"none\">{}</p>",
            lang.t(k::NO_GUIDE_PRICE_ON_RECORD)
        );
    }
    let rows: Vec<Vec<String>> = prices
        .iter()
        .map(|row| {
            let p = &row.price;
            let (status_zh, status_en) = p.from_status.label();
            let origin = match &row.origin {
                PriceOrigin::Profile { id } => lang.fill(k::PRICE_FROM_PROFILE, &[("id", id)]),
                PriceOrigin::Recorded { by, on, reason, .. } => lang.fill(
                    k::PRICE_RECORDED_BY,
                    &[("by", by), ("on", &on.to_string()), ("reason", reason)],
                ),
            };
            vec![
                format!("<span id=\"price-{d}\">{d}</span>", d = p.from),
                format!("{} 元/亩", p.yuan_per_mu),
                esc(&p.scope),
                esc(&p.clause),
                esc(&p.source),
                format!(
                    "{}：{}",
                    lang.pair(status_zh, status_en),
                    esc(&p.from_source)
                ),
                esc(&origin),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::FROM,
            k::PRICE_3,
            k::SCOPE_3,
            k::CLAUSE,
            k::SOURCE_OF_THE_PRICE,
            k::SOURCE_OF_THE_DATE,
            k::ORIGIN,
        ],
        &rows,
    )
}

fn price_form(user: &User) -> String {
    let lang = user.lang;
    let input = |name: &str, label: Key, extra: &str| {
        format!(
            "<p><label>{} <input name=\"{name}\" id=\"price-{name}\" {extra}></label></p>",
            lang.t(label)
        )
    };
    format!(
        "<form method=\"post\" action=\"/policy\" id=\"guide-price-form\">\
         <h3>{title}</h3><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{from}{price}{scope}{source}\
         <p><label>{status_l} <select name=\"from_status\" id=\"price-from_status\">\
         <option value=\"confirmed\">{confirmed}</option><option value=\"pending\">{pending}</option></select></label></p>\
         {from_source}{as_of}{reason}<p><button id=\"price-submit\">{submit}</button></p></form>",
        title = lang.t(k::RECORD_A_GUIDE_PRICE),
        csrf = esc(&user.csrf),
        from = input("from", k::APPLIES_FROM, "type=\"date\" required"),
        price = input(
            "yuan_per_mu",
            k::PRICE_YUAN_PER_MU,
            "inputmode=\"numeric\" required"
        ),
        scope = input("scope", k::SCOPE_3, "size=\"60\" required"),
        source = input(
            "source",
            k::DOCUMENT_THAT_SETS_THE_PRICE,
            "size=\"60\" required"
        ),
        status_l = lang.t(k::THE_DATE_IS),
        confirmed = lang.t(k::CONFIRMED_BY_A_DOCUMENT),
        pending = lang.t(k::TO_BE_VERIFIED),
        from_source = input(
            "from_source",
            k::DOCUMENT_THAT_SETS_THE_DATE_OR,
            "size=\"60\" required"
        ),
        as_of = input(
            "as_of",
            k::RECORDED_ON,
            &format!(
                "type=\"date\" value=\"{day}\" max=\"{day}\" required",
                day = user.today
            )
        ),
        reason = input("reason", k::BASIS_OF_THE_ENTRY, "size=\"60\" required"),
        submit = lang.t(k::RECORD_3),
    )
}
