//! The funds API (JSON). Amounts are integer 分 (`*_fen`) with their 元 text beside them in
//! reads. Writes need the `x-csrf-token` header, the finance department and an idempotency key.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use guagou_domain::funds::{FundAccount, FundsEntry};
use guagou_registry::funds::{FundsCheck, FundsHistoryLine};
use serde::Serialize;

use super::shared::{
    ApiFail, CompensationBody, Failure, InvestmentBody, ReverseBody, SpendingBody, may_verify,
    reads_account, require_finance, yuan,
};
use crate::AppState;
use crate::auth::{ApiUser, User};
use crate::error::WebError;

/// A balance as the API shows it.
#[derive(Debug, Serialize)]
pub struct BalanceView {
    pub account: String,
    pub county: String,
    pub label_zh: String,
    pub label_en: String,
    pub nature: String,
    pub balance_fen: i64,
    pub balance_yuan: String,
}

/// An account with its history.
#[derive(Debug, Serialize)]
pub struct AccountView {
    pub account: String,
    pub county: String,
    pub label_zh: String,
    pub label_en: String,
    pub nature: String,
    pub balance_fen: i64,
    pub balance_yuan: String,
    pub history: Vec<FundsHistoryLine>,
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    crate::api::json_body(body, "JSON").map_err(Failure::from)
}

fn csrf_and_finance(user: &User, headers: &HeaderMap) -> Result<(), Failure> {
    user.require_csrf_header(headers)?;
    require_finance(user)
}

/// Balances the user may read.
pub async fn readable_balances(state: &AppState, user: &User) -> Result<Vec<BalanceView>, Failure> {
    let mut out = Vec::new();
    for b in user.door(&state.registry).funds_balances().await? {
        if !user.reads(&b.county) {
            continue;
        }
        let (label_zh, label_en) = FundAccount::from_key(&b.account)
            .map(|a| a.label())
            .unwrap_or_default();
        out.push(BalanceView {
            balance_yuan: yuan(b.balance_fen),
            account: b.account,
            county: b.county,
            label_zh,
            label_en,
            nature: b.nature,
            balance_fen: b.balance_fen,
        });
    }
    Ok(out)
}

/// An account the user may read (404 otherwise), with its history.
pub async fn readable_account(
    state: &AppState,
    user: &User,
    key: &str,
) -> Result<AccountView, Failure> {
    let account = FundAccount::from_key(key)
        .filter(|a| reads_account(user, a))
        .ok_or(WebError::NotFound)?;
    let history = user
        .door(&state.registry)
        .funds_account_history(&account)
        .await?;
    let balance = history.last().map(|l| l.balance_fen).unwrap_or(0);
    let (label_zh, label_en) = account.label();
    Ok(AccountView {
        account: account.key(),
        county: account.county().to_string(),
        label_zh,
        label_en,
        nature: account.nature().as_str().to_owned(),
        balance_fen: balance,
        balance_yuan: yuan(balance),
        history,
    })
}

/// An entry the user may read (404 otherwise).
pub async fn readable_entry(
    state: &AppState,
    user: &User,
    seq: &str,
) -> Result<FundsEntry, Failure> {
    let seq: u64 = seq.parse().map_err(|_| WebError::NotFound)?;
    let entry = user.door(&state.registry).funds_entry(seq).await?;
    match entry.county() {
        Some(county) if user.reads(county.as_str()) => Ok(entry),
        _ => Err(WebError::NotFound.into()),
    }
}

/// Handles GET /api/funds/balances
#[utoipa::path(get, path = "/funds/balances", tag = "funds",
    responses(
        (status = 200, description = "本辖区资金账户余额（分与元） / balances of the jurisdiction's fund accounts (分 and 元)", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn balances_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<BalanceView>>, ApiFail> {
    Ok(Json(readable_balances(&state, &user).await?))
}

/// Handles GET /api/funds/accounts/{key}
#[utoipa::path(get, path = "/funds/accounts/{key}", tag = "funds",
    params(("key" = String, Path, description = "账户键，如 county:511722 / account key, e.g. county:511722")),
    responses(
        (status = 200, description = "账户及其流水 / the account and its history", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn account_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(key): Path<String>,
) -> Result<Json<AccountView>, ApiFail> {
    Ok(Json(readable_account(&state, &user, &key).await?))
}

/// Handles GET /api/funds/entries/{seq}
#[utoipa::path(get, path = "/funds/entries/{seq}", tag = "funds",
    params(("seq" = u64, Path, description = "条目序号 / entry sequence number")),
    responses(
        (status = 200, description = "条目：业务、分录、哈希与前一哈希 / the entry: operation, legs, hash and previous hash", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn entry_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(seq): Path<String>,
) -> Result<Json<FundsEntry>, ApiFail> {
    Ok(Json(readable_entry(&state, &user, &seq).await?))
}

/// Handles GET /api/funds/verify
#[utoipa::path(get, path = "/funds/verify", tag = "funds",
    responses(
        (status = 200, description = "校验结果：ok，或第一条有问题的条目/账户 / the result: ok, or the first bad entry or account", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "仅审计与市级用户 / audit and city users only", body = crate::error::Problem),
    ))]
pub async fn verify_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<FundsCheck>, ApiFail> {
    if !may_verify(&user) {
        return Err(Failure::from(guagou_registry::RegistryError::Forbidden {
            actor: user.actor.to_string(),
            what: "资金台账校验 / the funds verifier".into(),
        })
        .into());
    }
    Ok(Json(user.door(&state.registry).verify_funds().await?))
}

/// Handles POST /api/funds/investments
#[utoipa::path(post, path = "/funds/investments", tag = "funds",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = InvestmentBody,
    responses(
        (status = 200, description = "记入的条目 / the posted entry", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非财政部门或辖区不符 / CSRF, read-only, not finance, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "项目不存在 / project not found", body = crate::error::Problem),
        (status = 409, description = "幂等键冲突 / idempotency key conflict", body = crate::error::Problem),
        (status = 422, description = "输入无效（非市级投资项目、来源不符） / invalid input", body = crate::error::Problem),
    ))]
pub async fn investment_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    input: Result<Json<InvestmentBody>, JsonRejection>,
) -> Result<Json<FundsEntry>, ApiFail> {
    csrf_and_finance(&user, &headers)?;
    let (investment, request) = body(input)?.request()?;
    Ok(Json(
        user.door(&state.registry)
            .record_investment(&investment, &request)
            .await?,
    ))
}

/// Handles POST /api/funds/spending
#[utoipa::path(post, path = "/funds/spending", tag = "funds",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = SpendingBody,
    responses(
        (status = 200, description = "记入的条目 / the posted entry", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非财政部门或辖区不符 / CSRF, read-only, not finance, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "项目不存在 / project not found", body = crate::error::Problem),
        (status = 409, description = "资金不足（funds_insufficient）或幂等键冲突 / not enough money (funds_insufficient) or idempotency conflict", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn spending_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    input: Result<Json<SpendingBody>, JsonRejection>,
) -> Result<Json<FundsEntry>, ApiFail> {
    csrf_and_finance(&user, &headers)?;
    let (spending, request) = body(input)?.request()?;
    Ok(Json(
        user.door(&state.registry)
            .record_spending(&spending, &request)
            .await?,
    ))
}

/// Handles POST /api/funds/compensation
#[utoipa::path(post, path = "/funds/compensation", tag = "funds",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = CompensationBody,
    responses(
        (status = 200, description = "记入的条目（农户姓名脱敏） / the posted entry (household name masked)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非财政部门或辖区不符 / CSRF, read-only, not finance, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "项目不存在 / project not found", body = crate::error::Problem),
        (status = 409, description = "资金不足（funds_insufficient）或幂等键冲突 / not enough money or idempotency conflict", body = crate::error::Problem),
        (status = 422, description = "输入无效 / invalid input", body = crate::error::Problem),
    ))]
pub async fn compensation_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    input: Result<Json<CompensationBody>, JsonRejection>,
) -> Result<Json<FundsEntry>, ApiFail> {
    csrf_and_finance(&user, &headers)?;
    let (compensation, request) = body(input)?.request()?;
    Ok(Json(
        user.door(&state.registry)
            .record_compensation(&compensation, &request)
            .await?,
    ))
}

/// Handles POST /api/funds/entries/{seq}/reverse
#[utoipa::path(post, path = "/funds/entries/{seq}/reverse", tag = "funds",
    params(
        ("seq" = u64, Path, description = "被冲正的条目 / the entry to reverse"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = ReverseBody,
    responses(
        (status = 200, description = "冲正条目 / the reversing entry", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非财政部门或辖区不符 / CSRF, read-only, not finance, or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "不可冲正、已冲正或资金不足 / not reversible, already reversed, or not enough money", body = crate::error::Problem),
    ))]
pub async fn reverse_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(seq): Path<String>,
    input: Result<Json<ReverseBody>, JsonRejection>,
) -> Result<Json<FundsEntry>, ApiFail> {
    csrf_and_finance(&user, &headers)?;
    let target = readable_entry(&state, &user, &seq).await?;
    let request = body(input)?.request()?;
    Ok(Json(
        user.door(&state.registry)
            .reverse_funds(target.seq, &request)
            .await?,
    ))
}
