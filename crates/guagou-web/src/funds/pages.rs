//! The funds pages: balances by county, an account's history, an entry with its legs and
//! hashes, the verifier, and the finance forms. Forms carry the session's CSRF token and a
//! fresh random idempotency key per render, so a double submit posts once; amounts are typed
//! in 元 (two decimals) and stored in 分.
//!
//! The page bodies are askama templates (`templates/funds/`, auto-escaped) built from the
//! shared partials (`templates/partials/`, see [`crate::partials`]).

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::funds::{
    FundAccount, FundingSource, FundsEntry, FundsOperation, PaidFrom, SpendCategory,
};
use serde::Deserialize;

use super::api::{readable_account, readable_balances, readable_entry};
use super::shared::{
    CompensationBody, Failure, InvestmentBody, ReverseBody, SpendingBody, account_url, form_amount,
    is_finance_writer, may_verify, refusal_page, require_finance, yuan,
};
use crate::AppState;
use crate::auth::{PageUser, User, random_hex};
use crate::html::{Lang, page};
use crate::partials::{Cell, Choice, PostForm, render};

type PageResult = Result<Response, Response>;

fn fail(user: &User, failure: impl Into<Failure>) -> Response {
    refusal_page(Some(user), failure.into())
}

fn kind_text(lang: Lang, kind: &str) -> String {
    let name = match kind {
        "proceeds" => k::TRANSFER_PROCEEDS_RECEIVED,
        "invest" => k::CITY_INVESTMENT_RECEIVED,
        "spend" => k::SPENDING,
        "compensate" => k::HOUSEHOLD_COMPENSATION,
        "reverse" => k::REVERSAL,
        other => return other.to_owned(),
    };
    lang.text(name).to_owned()
}

/// A county by name with its code in the tooltip; the code when the name is unknown.
fn county_cell(names: &BTreeMap<String, String>, code: &str) -> Cell {
    match names.get(code) {
        Some(name) => Cell::text(name).titled(code),
        None => Cell::text(code),
    }
}

/// How a funds account's balance moves, by name: a holding never goes below zero; a source
/// is negative by what was received from it.
fn nature_text(lang: Lang, nature: &str) -> String {
    match nature {
        "holding" => lang.text(k::HOLDING_NEVER_NEGATIVE).to_owned(),
        "source" => lang.text(k::SOURCE_NEGATIVE_RECEIVED).to_owned(),
        other => other.to_owned(),
    }
}

/// An account by name, linked, with its key in the tooltip.
fn account_cell(key: &str, label: &str) -> Cell {
    Cell::link(label, account_url(key)).titled(key)
}

fn entry_cell(seq: impl std::fmt::Display) -> Cell {
    Cell::link(format!("#{seq}"), format!("/funds/entries/{seq}"))
}

/// A finance form's opening: the CSRF token and a fresh idempotency key (`idempotency_key`).
fn post_form(user: &User, action: String, id: &str) -> Result<PostForm, Failure> {
    Ok(PostForm {
        action,
        id: id.to_owned(),
        confirm: None,
        csrf: user.csrf.clone(),
        key_name: "idempotency_key",
        key: random_hex(16)?,
    })
}

/// The newest entries the list reads (filters, sorting and export work on these).
const ENTRIES_LISTED: u32 = 5_000;

const ENTRY_COLUMNS: &[crate::lists::Column] = &[
    crate::lists::Column {
        key: "seq",
        name: k::ENTRY_2,
        numeric: true,
    },
    crate::lists::Column {
        key: "date",
        name: k::DATE_2,
        numeric: false,
    },
    crate::lists::Column {
        key: "kind",
        name: k::OPERATION_3,
        numeric: false,
    },
    crate::lists::Column {
        key: "county",
        name: k::COUNTY,
        numeric: false,
    },
    crate::lists::Column {
        key: "project",
        name: k::PROJECT_2,
        numeric: false,
    },
    crate::lists::Column {
        key: "amount",
        name: k::AMOUNT_7,
        numeric: true,
    },
    crate::lists::Column {
        key: "actor",
        name: k::BY_4,
        numeric: false,
    },
];

/// The kinds of entries: (stored name, name).
const ENTRY_KINDS: &[(&str, Key)] = &[
    ("proceeds", k::TRANSFER_PROCEEDS_RECEIVED),
    ("invest", k::CITY_INVESTMENT_RECEIVED),
    ("spend", k::SPENDING),
    ("compensate", k::HOUSEHOLD_COMPENSATION),
    ("reverse", k::REVERSAL),
];

fn entries_spec(
    entries: &[guagou_registry::funds::FundsEntrySummary],
    names: &BTreeMap<String, String>,
) -> crate::lists::ListSpec {
    let counties = entries.iter().map(|e| e.county.clone());
    crate::lists::ListSpec {
        id: "funds-entries",
        path: "/funds",
        columns: ENTRY_COLUMNS,
        counties: crate::lists::county_choices(counties, names),
        states: ENTRY_KINDS
            .iter()
            .map(|(stored, name)| ((*stored).to_owned(), (*name).into()))
            .collect(),
        date_label: k::DATE_2,
        sheet: "资金条目",
    }
}

fn entry_row(
    lang: Lang,
    e: &guagou_registry::funds::FundsEntrySummary,
    names: &BTreeMap<String, String>,
) -> crate::lists::ListRow {
    use crate::lists::Cell;
    let county = names
        .get(&e.county)
        .cloned()
        .unwrap_or_else(|| e.county.clone());
    let kind = ENTRY_KINDS
        .iter()
        .find(|(stored, _)| *stored == e.kind)
        .map_or(e.kind.as_str(), |(_, name)| lang.text(*name));
    crate::lists::ListRow {
        cells: vec![
            Cell::number(e.seq).link(format!("/funds/entries/{}", e.seq)),
            Cell::text(&e.effective),
            Cell::text(kind),
            Cell::text(county).titled(&e.county),
            match &e.project {
                Some(code) => Cell::text(code).link(format!("/projects/{code}")),
                None => Cell::text(""),
            },
            Cell::yuan(e.amount_fen),
            Cell::text(&e.actor),
        ],
        county: Some(e.county.clone()),
        state: Some(e.kind.clone()),
        date: crate::lists::day(&e.effective),
    }
}

/// `templates/funds/index.html`
#[derive(Template)]
#[template(path = "funds/index.html")]
struct FundsPage {
    lang: Lang,
    may_verify: bool,
    counties: Vec<CountyBalances>,
    /// The list of entries (`lists::render`, a template).
    list: String,
    /// The finance forms, for a finance writer.
    forms: Option<FinanceForms>,
}

/// A county's accounts with their balances.
struct CountyBalances {
    code: String,
    name: Cell,
    rows: Vec<Vec<Cell>>,
}

/// Handles GET /funds: balances by county, the entries as a list (search, filters by county,
/// kind and date, sorting, paging, Excel export) and the finance forms.
pub async fn funds_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::extract::Query(query): axum::extract::Query<crate::lists::ListQuery>,
) -> PageResult {
    let lang = user.lang;
    let balances = readable_balances(&state, &user)
        .await
        .map_err(|e| fail(&user, e))?;
    let names = user
        .door(&state.registry)
        .division_names()
        .await
        .map_err(|e| fail(&user, e))?;
    let mut by_county: BTreeMap<&str, Vec<Vec<Cell>>> = BTreeMap::new();
    for b in &balances {
        by_county.entry(b.county.as_str()).or_default().push(vec![
            account_cell(&b.account, &account_name(lang, &b.account)),
            Cell::code(&b.account),
            Cell::text(nature_text(lang, &b.nature)),
            Cell::text(&b.balance_yuan).with_class("yuan"),
        ]);
    }
    let counties = by_county
        .into_iter()
        .map(|(county, rows)| CountyBalances {
            code: county.to_owned(),
            name: county_cell(&names, county),
            rows,
        })
        .collect();
    let entries = user
        .door(&state.registry)
        .funds_entries(ENTRIES_LISTED)
        .await
        .map_err(|e| fail(&user, e))?;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| user.reads(&e.county))
        .collect();
    let spec = entries_spec(&entries, &names);
    let rows = crate::lists::apply(
        &query,
        entries.iter().map(|e| entry_row(lang, e, &names)).collect(),
        ENTRY_COLUMNS,
    );
    if query.wants_xlsx() {
        return Ok(crate::lists::xlsx(lang, &spec, &rows));
    }
    let forms = if is_finance_writer(&user) {
        Some(forms(&user).map_err(|e| fail(&user, e))?)
    } else {
        None
    };
    let view = FundsPage {
        lang,
        may_verify: may_verify(&user),
        counties,
        list: crate::lists::render(lang, &spec, &query, &rows),
        forms,
    };
    let body = render(&view, "funds").map_err(|e| fail(&user, e))?;
    Ok(Html(page(k::FUNDS_LEDGER, Some(&user), &body)).into_response())
}

/// The finance forms of the funds page, each with the CSRF token and a fresh idempotency key.
struct FinanceForms {
    investment: PostForm,
    spending: PostForm,
    compensation: PostForm,
    sources: Vec<Choice>,
    categories: Vec<Choice>,
    paid_from: Vec<Choice>,
    today: String,
}

fn choices(pairs: &[(&str, Key)], lang: Lang) -> Vec<Choice> {
    pairs
        .iter()
        .map(|(value, name)| Choice::new(*value, lang.text(*name)))
        .collect()
}

/// A funds account's kind by its stored key, in the reader's language (empty for a key that
/// does not parse).
fn account_name(lang: Lang, key: &str) -> String {
    FundAccount::from_key(key)
        .map(|a| crate::names::fund_account(lang, &a))
        .unwrap_or_default()
}

/// The finance forms, each with the CSRF token and a fresh idempotency key.
fn forms(user: &User) -> Result<FinanceForms, Failure> {
    let lang = user.lang;
    let sources: Vec<(&str, Key)> = FundingSource::ALL
        .iter()
        .map(|s| (s.as_str(), crate::names::funding_source(*s)))
        .collect();
    let categories: Vec<(&str, Key)> = SpendCategory::ALL
        .iter()
        .filter(|c| **c != SpendCategory::Compensation)
        .map(|c| (c.as_str(), crate::names::spend_category(*c)))
        .collect();
    Ok(FinanceForms {
        investment: post_form(user, "/funds/investments".to_owned(), "form-investment")?,
        spending: post_form(user, "/funds/spending".to_owned(), "form-spending")?,
        compensation: post_form(user, "/funds/compensation".to_owned(), "form-compensation")?,
        sources: choices(&sources, lang),
        categories: choices(&categories, lang),
        paid_from: choices(
            &[("project", k::PROJECT_FUND), ("county", k::COUNTY_FUND)],
            lang,
        ),
        today: user.today.format("%Y-%m-%d").to_string(),
    })
}

/// `templates/funds/account.html`
#[derive(Template)]
#[template(path = "funds/account.html")]
struct AccountPage {
    lang: Lang,
    key: String,
    label: String,
    nature: String,
    county: String,
    balance: String,
    rows: Vec<Vec<Cell>>,
}

/// Handles GET /funds/accounts/{key}
pub async fn account_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(key): Path<String>,
) -> PageResult {
    let lang = user.lang;
    let account = readable_account(&state, &user, &key)
        .await
        .map_err(|e| fail(&user, e))?;
    let rows = account
        .history
        .iter()
        .map(|l| {
            vec![
                entry_cell(l.seq),
                Cell::text(&l.effective),
                Cell::text(kind_text(lang, &l.kind)),
                Cell::text(yuan(l.amount_fen)),
                Cell::text(yuan(l.balance_fen)),
                Cell::text(&l.actor),
                Cell::text(&l.reason),
            ]
        })
        .collect();
    let view = AccountPage {
        lang,
        key: account.account.clone(),
        label: account_name(lang, &account.account),
        nature: nature_text(lang, &account.nature),
        county: account.county.clone(),
        balance: account.balance_yuan.clone(),
        rows,
    };
    let body = render(&view, "fund account").map_err(|e| fail(&user, e))?;
    Ok(Html(page(k::FUND_ACCOUNT, Some(&user), &body)).into_response())
}

/// What an entry records, as (label, value) rows in the reader's language.
fn operation_rows(lang: Lang, entry: &FundsEntry) -> Vec<(&'static str, String)> {
    let mut rows = vec![(lang.text(k::OPERATION), {
        lang.text(crate::names::funds_operation(&entry.operation))
            .to_owned()
    })];
    let mut add = |label: Key, value: String| rows.push((lang.text(label), value));
    match &entry.operation {
        FundsOperation::Proceeds {
            agreement,
            instalment,
            ..
        } => {
            add(k::AGREEMENT_3, agreement.clone());
            add(k::INSTALMENT_2, instalment.to_string());
        }
        FundsOperation::Invest { source, .. } => add(
            k::SOURCE,
            lang.text(crate::names::funding_source(*source)).to_owned(),
        ),
        FundsOperation::Spend {
            category,
            payee,
            voucher,
            paid_from,
            ..
        } => {
            add(
                k::CATEGORY,
                lang.text(crate::names::spend_category(*category))
                    .to_owned(),
            );
            add(k::PAYEE, payee.clone());
            add(k::VOUCHER_2, voucher.clone());
            let fund = match paid_from {
                PaidFrom::Project => k::PROJECT_FUND,
                PaidFrom::County => k::COUNTY_FUND,
            };
            add(k::PAID_FROM, lang.text(fund).to_owned());
        }
        FundsOperation::Compensate {
            household, voucher, ..
        } => {
            add(k::HOUSEHOLD, household.clone());
            add(k::VOUCHER_2, voucher.clone());
        }
        FundsOperation::Reverse { seq } => add(k::REVERSES_ENTRY, format!("#{seq}")),
    }
    if let Some(project) = entry.operation.project() {
        add(k::PROJECT_3, project.to_owned());
    }
    add(k::EFFECTIVE, entry.meta.effective.to_string());
    add(
        k::RECORDED_AT,
        crate::html::local_time(&entry.meta.recorded_at),
    );
    add(k::BY_2, entry.meta.actor.clone());
    add(k::REASON_3, entry.meta.reason.clone());
    // The idempotency key stays in the JSON export: it means nothing to a reader.
    rows
}

/// `templates/funds/entry.html`
#[derive(Template)]
#[template(path = "funds/entry.html")]
struct EntryPage {
    lang: Lang,
    details: Vec<(&'static str, String)>,
    legs: Vec<Vec<Cell>>,
    hash: String,
    prev_hash: String,
    /// The previous entry, when the reader may open it.
    prev: Option<u64>,
    /// The reversal form, for a finance writer.
    reverse: Option<PostForm>,
    today: String,
}

/// Handles GET /funds/entries/{seq}
pub async fn entry_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(seq): Path<String>,
) -> PageResult {
    let lang = user.lang;
    let entry = readable_entry(&state, &user, &seq)
        .await
        .map_err(|e| fail(&user, e))?;
    let legs = entry
        .legs
        .iter()
        .map(|l| {
            vec![
                account_cell(
                    &l.account.key(),
                    &crate::names::fund_account(lang, &l.account),
                ),
                Cell::code(l.account.key()),
                Cell::text(yuan(l.amount_fen)),
            ]
        })
        .collect();
    // The chain's previous entry is linked only when this user may read it (it can be
    // another county's); its hash is shown either way.
    let prev_readable = entry.seq > 1
        && user
            .door(&state.registry)
            .funds_entry(entry.seq - 1)
            .await
            .is_ok();
    let reverse = if is_finance_writer(&user)
        && !matches!(
            entry.operation,
            FundsOperation::Reverse { .. } | FundsOperation::Proceeds { .. }
        ) {
        let action = format!("/funds/entries/{}/reverse", entry.seq);
        Some(post_form(&user, action, "form-reverse").map_err(|e| fail(&user, e))?)
    } else {
        None
    };
    let view = EntryPage {
        lang,
        details: operation_rows(lang, &entry),
        legs,
        hash: entry.hash.clone(),
        prev_hash: entry.prev_hash.clone(),
        prev: prev_readable.then(|| entry.seq - 1),
        reverse,
        today: user.today.format("%Y-%m-%d").to_string(),
    };
    let body = render(&view, "funds entry").map_err(|e| fail(&user, e))?;
    let title = format!("资金台账条目 #{}", entry.seq);
    let title_en = format!("Funds entry #{}", entry.seq);
    Ok(Html(page((&title, &title_en), Some(&user), &body)).into_response())
}

/// `templates/funds/verify.html`
#[derive(Template)]
#[template(path = "funds/verify.html")]
struct VerifyPage {
    lang: Lang,
    entries: u64,
    accounts: usize,
    head: String,
    /// Where the check failed; `None` when the chain is intact.
    failed: Option<VerifyFailure>,
}

struct VerifyFailure {
    /// The first bad entry.
    seq: Option<u64>,
    /// The account whose balance is wrong (linked), when no entry is bad.
    account: Option<Cell>,
    zh: String,
    en: String,
}

/// Handles GET /funds/verify
pub async fn verify_show(State(state): State<AppState>, PageUser(user): PageUser) -> PageResult {
    if !may_verify(&user) {
        return Err(fail(
            &user,
            guagou_registry::RegistryError::Forbidden {
                actor: user.actor.to_string(),
                what: "资金台账校验 / the funds verifier".into(),
            },
        ));
    }
    let check = user
        .door(&state.registry)
        .verify_funds()
        .await
        .map_err(|e| fail(&user, e))?;
    let failed = (!check.ok).then(|| VerifyFailure {
        seq: check.bad_seq,
        account: check
            .bad_account
            .as_deref()
            .map(|account| Cell::link(account, account_url(account))),
        zh: check.problem_zh.clone().unwrap_or_default(),
        en: check.problem_en.clone().unwrap_or_default(),
    });
    let view = VerifyPage {
        lang: user.lang,
        entries: check.entries,
        accounts: check.accounts,
        head: check.head_hash.clone(),
        failed,
    };
    let body = render(&view, "funds verification").map_err(|e| fail(&user, e))?;
    Ok(Html(page(k::FUNDS_VERIFICATION, Some(&user), &body)).into_response())
}

/// The investment form (amount in 元).
#[derive(Debug, Deserialize)]
pub struct InvestmentForm {
    #[serde(default)]
    csrf: String,
    project: String,
    source: String,
    amount_yuan: String,
    received_on: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    idempotency_key: String,
}

/// The spending form (amount in 元).
#[derive(Debug, Deserialize)]
pub struct SpendingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    county: Option<String>,
    #[serde(default)]
    project: Option<String>,
    category: String,
    paid_from: String,
    payee: String,
    voucher: String,
    amount_yuan: String,
    paid_on: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    idempotency_key: String,
}

/// The compensation form (amount in 元).
#[derive(Debug, Deserialize)]
pub struct CompensationForm {
    #[serde(default)]
    csrf: String,
    project: String,
    household: String,
    paid_from: String,
    voucher: String,
    amount_yuan: String,
    paid_on: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    idempotency_key: String,
}

/// The reversal form.
#[derive(Debug, Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    as_of: String,
    #[serde(default)]
    idempotency_key: String,
}

fn check_form(user: &User, csrf: &str) -> Result<(), Failure> {
    user.require_csrf(Some(csrf))?;
    require_finance(user)
}

fn to_entry(user: &User, result: Result<FundsEntry, Failure>) -> Response {
    match result {
        Ok(entry) => Redirect::to(&format!("/funds/entries/{}", entry.seq)).into_response(),
        Err(e) => fail(user, e),
    }
}

/// Handles POST /funds/investments
pub async fn investment_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<InvestmentForm>,
) -> Response {
    let result = async {
        check_form(&user, &form.csrf)?;
        let body = InvestmentBody {
            project: form.project,
            source: form.source,
            amount_fen: form_amount(&form.amount_yuan)?,
            received_on: form.received_on,
            reason: form.reason,
            idempotency_key: form.idempotency_key,
        };
        let (investment, request) = body.request()?;
        Ok(user
            .door(&state.registry)
            .record_investment(&investment, &request)
            .await?)
    }
    .await;
    to_entry(&user, result)
}

/// Handles POST /funds/spending
pub async fn spending_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<SpendingForm>,
) -> Response {
    let result = async {
        check_form(&user, &form.csrf)?;
        let body = SpendingBody {
            county: form.county,
            project: form.project,
            category: form.category,
            paid_from: form.paid_from,
            payee: form.payee,
            voucher: form.voucher,
            amount_fen: form_amount(&form.amount_yuan)?,
            paid_on: form.paid_on,
            reason: form.reason,
            idempotency_key: form.idempotency_key,
        };
        let (spending, request) = body.request()?;
        Ok(user
            .door(&state.registry)
            .record_spending(&spending, &request)
            .await?)
    }
    .await;
    to_entry(&user, result)
}

/// Handles POST /funds/compensation
pub async fn compensation_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<CompensationForm>,
) -> Response {
    let result = async {
        check_form(&user, &form.csrf)?;
        let body = CompensationBody {
            project: form.project,
            household: form.household,
            paid_from: form.paid_from,
            voucher: form.voucher,
            amount_fen: form_amount(&form.amount_yuan)?,
            paid_on: form.paid_on,
            reason: form.reason,
            idempotency_key: form.idempotency_key,
        };
        let (compensation, request) = body.request()?;
        Ok(user
            .door(&state.registry)
            .record_compensation(&compensation, &request)
            .await?)
    }
    .await;
    to_entry(&user, result)
}

/// Handles POST /funds/entries/{seq}/reverse
pub async fn reverse_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(seq): Path<String>,
    Form(form): Form<ReverseForm>,
) -> Response {
    let result = async {
        check_form(&user, &form.csrf)?;
        let target = readable_entry(&state, &user, &seq).await?;
        let body = ReverseBody {
            reason: form.reason,
            as_of: form.as_of,
            idempotency_key: form.idempotency_key,
        };
        Ok(user
            .door(&state.registry)
            .reverse_funds(target.seq, &body.request()?)
            .await?)
    }
    .await;
    to_entry(&user, result)
}
