//! The funds pages: balances by county, an account's history, an entry with its legs and
//! hashes, the verifier, and the finance forms. Forms carry the session's CSRF token and a
//! fresh random idempotency key per render, so a double submit posts once; amounts are typed
//! in 元 (two decimals) and stored in 分.

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::funds::{FundingSource, FundsEntry, FundsOperation, PaidFrom, SpendCategory};
use serde::Deserialize;

use super::api::{readable_account, readable_balances, readable_entry};
use super::shared::{
    CompensationBody, Failure, InvestmentBody, ReverseBody, SpendingBody, account_url, form_amount,
    is_finance_writer, may_verify, refusal_page, require_finance, yuan,
};
use crate::AppState;
use crate::auth::{PageUser, User, random_hex};
use crate::html::{Lang, esc, page, table_in};

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
        other => return esc(other),
    };
    lang.t(name)
}

fn county_label(names: &BTreeMap<String, String>, code: &str) -> String {
    crate::names::division(names, code)
}

/// How a funds account's balance moves, by name: a holding never goes below zero; a source
/// is negative by what was received from it.
fn nature_text(lang: Lang, nature: &str) -> String {
    match nature {
        "holding" => lang.t(k::HOLDING_NEVER_NEGATIVE),
        "source" => lang.t(k::SOURCE_NEGATIVE_RECEIVED),
        other => esc(other),
    }
}

fn entry_link(seq: impl std::fmt::Display) -> String {
    format!("<a href=\"/funds/entries/{seq}\">#{seq}</a>")
}

/// The newest entries the list reads (filters, sorting and export work on these).
const ENTRIES_LISTED: u32 = 5_000;

const ENTRY_COLUMNS: &[crate::lists::Column] = &[
    crate::lists::Column {
        key: "seq",
        zh: "条目",
        en: "Entry",
        numeric: true,
    },
    crate::lists::Column {
        key: "date",
        zh: "日期",
        en: "Date",
        numeric: false,
    },
    crate::lists::Column {
        key: "kind",
        zh: "业务",
        en: "Operation",
        numeric: false,
    },
    crate::lists::Column {
        key: "county",
        zh: "县",
        en: "County",
        numeric: false,
    },
    crate::lists::Column {
        key: "project",
        zh: "项目",
        en: "Project",
        numeric: false,
    },
    crate::lists::Column {
        key: "amount",
        zh: "金额（元）",
        en: "Amount (元)",
        numeric: true,
    },
    crate::lists::Column {
        key: "actor",
        zh: "经办",
        en: "By",
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
    let mut body = String::new();
    let _ = write!(
        body,
        "<p>{}</p>",
        lang.t(k::AMOUNTS_IN_KEPT_IN_SOURCE_ACCOUNTS)
    );
    if may_verify(&user) {
        let _ = write!(
            body,
            "<p><a id=\"verify-link\" href=\"/funds/verify\">{}</a></p>",
            lang.t(k::VERIFY_THE_FUNDS_JOURNAL)
        );
    }
    let mut by_county: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for b in &balances {
        let (zh, en) = (&b.label_zh, &b.label_en);
        by_county.entry(b.county.as_str()).or_default().push(vec![
            format!(
                "<a href=\"{}\" title=\"{}\">{}</a>",
                esc(&account_url(&b.account)),
                esc(&b.account),
                lang.pair(zh, en)
            ),
            format!("<code>{}</code>", esc(&b.account)),
            nature_text(lang, &b.nature),
            format!("<span class=\"yuan\">{}</span>", esc(&b.balance_yuan)),
        ]);
    }
    if by_county.is_empty() {
        let _ = write!(
            body,
            "<p class=\"none\">{}</p>",
            lang.t(k::NO_MONEY_RECORDED_YET)
        );
    }
    for (county, rows) in &by_county {
        let _ = write!(
            body,
            "<h2 id=\"county-{c}\">{label}</h2>{table}",
            c = esc(county),
            label = county_label(&names, county),
            table = table_in(
                lang,
                &[k::ACCOUNT, k::ACCOUNT_KEY, k::NATURE, k::BALANCE],
                rows
            )
        );
    }
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
    let _ = write!(
        body,
        "<h2>{}</h2>{}",
        lang.t(k::ENTRIES),
        crate::lists::render(lang, &spec, &query, &rows)
    );
    if is_finance_writer(&user) {
        body.push_str(&forms(&user).map_err(|e| fail(&user, e))?);
    }
    Ok(Html(page(k::FUNDS_LEDGER, Some(&user), &body)).into_response())
}

fn options(pairs: &[(&str, (&str, &str))], lang: Lang) -> String {
    pairs
        .iter()
        .map(|(value, (zh, en))| {
            format!("<option value=\"{value}\">{}</option>", lang.pair(zh, en))
        })
        .collect()
}

/// The finance forms, each with the CSRF token and a fresh idempotency key.
fn forms(user: &User) -> Result<String, Failure> {
    let lang = user.lang;
    let csrf = esc(&user.csrf);
    let today = user.today.format("%Y-%m-%d").to_string();
    let hidden = |key: &str| {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"idempotency_key\" value=\"{}\">",
            esc(key)
        )
    };
    let sources: Vec<(&str, (&str, &str))> = FundingSource::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let categories: Vec<(&str, (&str, &str))> = SpendCategory::ALL
        .iter()
        .filter(|c| **c != SpendCategory::Compensation)
        .map(|c| (c.as_str(), c.label()))
        .collect();
    let paid_from = options(
        &[
            ("project", k::PROJECT_FUND.pair()),
            ("county", k::COUNTY_FUND.pair()),
        ],
        lang,
    );
    let amount = lang.t(k::AMOUNT);
    let date = lang.t(k::DATE);
    let project = lang.t(k::PROJECT_CODE);
    let note = lang.t(k::NOTE);
    let voucher = lang.t(k::VOUCHER_NO);
    let from = lang.t(k::PAID_FROM);
    let submit = lang.t(k::RECORD);
    Ok(format!(
        "<h2>{h_invest}</h2><form method=\"post\" action=\"/funds/investments\" id=\"form-investment\" class=\"action\">{hidden_i}\
         <label>{project} <input name=\"project\" required></label> \
         <label>{l_source} <select name=\"source\">{sources}</select></label> \
         <label>{amount} <input name=\"amount_yuan\" required inputmode=\"decimal\"></label> \
         <label>{date} <input type=\"date\" name=\"received_on\" value=\"{today}\" max=\"{today}\" required></label> \
         <label>{note} <input name=\"reason\"></label> <button>{submit}</button></form>\
         <h2>{h_spend}</h2><form method=\"post\" action=\"/funds/spending\" id=\"form-spending\" class=\"action\">{hidden_s}\
         <label>{l_county} <input name=\"county\" placeholder=\"511722\"></label> \
         <label>{project} <input name=\"project\"></label> \
         <label>{l_category} <select name=\"category\">{categories}</select></label> \
         <label>{from} <select name=\"paid_from\">{paid_from}</select></label> \
         <label>{l_payee} <input name=\"payee\" required></label> \
         <label>{voucher} <input name=\"voucher\" required></label> \
         <label>{amount} <input name=\"amount_yuan\" required inputmode=\"decimal\"></label> \
         <label>{date} <input type=\"date\" name=\"paid_on\" value=\"{today}\" max=\"{today}\" required></label> \
         <label>{note} <input name=\"reason\"></label> <button>{submit}</button></form>\
         <h2>{h_comp}</h2><form method=\"post\" action=\"/funds/compensation\" id=\"form-compensation\" class=\"action\">{hidden_c}\
         <label>{project} <input name=\"project\" required></label> \
         <label>{l_household} <input name=\"household\" required></label> \
         <label>{from} <select name=\"paid_from\">{paid_from}</select></label> \
         <label>{voucher} <input name=\"voucher\" required></label> \
         <label>{amount} <input name=\"amount_yuan\" required inputmode=\"decimal\"></label> \
         <label>{date} <input type=\"date\" name=\"paid_on\" value=\"{today}\" max=\"{today}\" required></label> \
         <label>{note} <input name=\"reason\"></label> <button>{submit}</button></form>",
        h_invest = lang.t(k::RECORD_CITY_INVESTMENT_RECEIVED),
        h_spend = lang.t(k::RECORD_SPENDING),
        h_comp = lang.t(k::RECORD_HOUSEHOLD_COMPENSATION),
        hidden_i = hidden(&random_hex(16)?),
        hidden_s = hidden(&random_hex(16)?),
        hidden_c = hidden(&random_hex(16)?),
        l_source = lang.t(k::SOURCE),
        sources = options(&sources, lang),
        l_county = lang.t(k::COUNTY_WITHOUT_A_PROJECT),
        l_category = lang.t(k::CATEGORY),
        categories = options(&categories, lang),
        l_payee = lang.t(k::PAYEE),
        l_household = lang.t(k::HOUSEHOLD_ID_OR_NAME_MASKED),
    ))
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
    let rows: Vec<Vec<String>> = account
        .history
        .iter()
        .map(|l| {
            vec![
                entry_link(l.seq),
                esc(&l.effective),
                kind_text(lang, &l.kind),
                yuan(l.amount_fen),
                yuan(l.balance_fen),
                esc(&l.actor),
                esc(&l.reason),
            ]
        })
        .collect();
    let body = format!(
        "<p><code>{key}</code> · {label} · {nature} · {county}</p>\
         <p>{balance_label} <strong id=\"balance\">{balance}</strong></p>{table}\
         <p><a href=\"/funds\">{back}</a></p>",
        key = esc(&account.account),
        label = lang.pair(&account.label_zh, &account.label_en),
        nature = nature_text(lang, &account.nature),
        county = esc(&account.county),
        balance_label = lang.t(k::BALANCE),
        balance = esc(&account.balance_yuan),
        table = table_in(
            lang,
            &[
                k::ENTRY,
                k::DATE,
                k::OPERATION,
                k::AMOUNT_4,
                k::BALANCE,
                k::BY_2,
                k::NOTE,
            ],
            &rows
        ),
        back = lang.t(k::BACK_TO_FUNDS),
    );
    Ok(Html(page(k::FUND_ACCOUNT, Some(&user), &body)).into_response())
}

fn operation_rows(lang: Lang, entry: &FundsEntry) -> Vec<Vec<String>> {
    let mut rows = vec![vec![lang.t(k::OPERATION), {
        let (zh, en) = entry.operation.kind_label();
        lang.pair(zh, en)
    }]];
    let mut add = |label: Key, value: String| rows.push(vec![lang.t(label), esc(&value)]);
    match &entry.operation {
        FundsOperation::Proceeds {
            agreement,
            instalment,
            ..
        } => {
            add(k::AGREEMENT_3, agreement.clone());
            add(k::INSTALMENT_2, instalment.to_string());
        }
        FundsOperation::Invest { source, .. } => {
            let (zh, en) = source.label();
            add(k::SOURCE, crate::print::tr(lang, zh, en).to_owned())
        }
        FundsOperation::Spend {
            category,
            payee,
            voucher,
            paid_from,
            ..
        } => {
            let (zh, en) = category.label();
            add(k::CATEGORY, crate::print::tr(lang, zh, en).to_owned());
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
    let legs: Vec<Vec<String>> = entry
        .legs
        .iter()
        .map(|l| {
            let (zh, en) = l.account.label();
            vec![
                format!(
                    "<a href=\"{}\" title=\"{}\">{}</a>",
                    esc(&account_url(&l.account.key())),
                    esc(&l.account.key()),
                    lang.pair(&zh, &en)
                ),
                format!("<code>{}</code>", esc(&l.account.key())),
                yuan(l.amount_fen),
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
    let prev = if prev_readable {
        entry_link(entry.seq - 1)
    } else {
        String::new()
    };
    let mut body = format!(
        "{details}<h2>{h_legs}</h2>{legs}\
         <p>{l_hash} <code id=\"hash\">{hash}</code></p>\
         <p>{l_prev} <code id=\"prev-hash\">{prev_hash}</code> {prev}</p>",
        details = table_in(lang, &[k::FIELD, k::VALUE], &operation_rows(lang, &entry)),
        h_legs = lang.t(k::LEGS_THEY_SUM_TO_ZERO),
        legs = table_in(lang, &[k::ACCOUNT, k::ACCOUNT_KEY, k::AMOUNT], &legs),
        l_hash = lang.t(k::HASH),
        hash = esc(&entry.hash),
        l_prev = lang.t(k::PREVIOUS_HASH),
        prev_hash = esc(&entry.prev_hash),
    );
    if is_finance_writer(&user)
        && !matches!(
            entry.operation,
            FundsOperation::Reverse { .. } | FundsOperation::Proceeds { .. }
        )
    {
        let key = random_hex(16).map_err(|e| fail(&user, e))?;
        let _ = write!(
            body,
            "<h2>{h}</h2><form method=\"post\" action=\"/funds/entries/{seq}/reverse\" id=\"form-reverse\" class=\"action\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"idempotency_key\" value=\"{key}\">\
             <input type=\"hidden\" name=\"as_of\" value=\"{today}\">\
             <label>{l_reason} <input name=\"reason\" required></label> <button>{submit}</button></form>",
            h = lang.t(k::REVERSE_THIS_ENTRY),
            seq = entry.seq,
            csrf = esc(&user.csrf),
            key = esc(&key),
            today = user.today.format("%Y-%m-%d"),
            l_reason = lang.t(k::REASON_2),
            submit = lang.t(k::REVERSE),
        );
    }
    let title = format!("资金台账条目 #{}", entry.seq);
    let title_en = format!("Funds entry #{}", entry.seq);
    Ok(Html(page((&title, &title_en), Some(&user), &body)).into_response())
}

/// Handles GET /funds/verify
pub async fn verify_show(State(state): State<AppState>, PageUser(user): PageUser) -> PageResult {
    let lang = user.lang;
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
    let body = if check.ok {
        format!(
            "<p class=\"ok\" id=\"verify-ok\">{ok}</p><p>{l_entries} {entries} · {l_accounts} {accounts}</p>\
             <p>{l_head} <code>{head}</code></p>",
            ok = lang.t(k::VERIFIED_THE_HASH_CHAIN_IS_INTACT),
            l_entries = lang.t(k::ENTRIES_2),
            entries = check.entries,
            l_accounts = lang.t(k::ACCOUNTS),
            accounts = check.accounts,
            l_head = lang.t(k::HEAD_HASH),
            head = esc(&check.head_hash),
        )
    } else {
        let at = match (check.bad_seq, check.bad_account.as_deref()) {
            (Some(seq), _) => format!("{} {}", lang.t(k::FIRST_BAD_ENTRY), entry_link(seq)),
            (None, Some(account)) => format!(
                "{} <a href=\"{}\">{}</a>",
                lang.t(k::ACCOUNT_WITH_A_WRONG_BALANCE),
                esc(&account_url(account)),
                esc(account)
            ),
            _ => String::new(),
        };
        format!(
            "<div id=\"verify-failed\"><p class=\"fail\">{failed}</p><p>{at}</p><p>{zh}</p><p class=\"en\">{en}</p></div>",
            failed = lang.t(k::VERIFICATION_FAILED),
            zh = esc(check.problem_zh.as_deref().unwrap_or("")),
            en = esc(check.problem_en.as_deref().unwrap_or("")),
        )
    };
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
