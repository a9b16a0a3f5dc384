//! The funds pages: balances by county, an account's history, an entry with its legs and
//! hashes, the verifier, and the finance forms. Forms carry the session's CSRF token and a
//! fresh random idempotency key per render, so a double submit posts once; amounts are typed
//! in 元 (two decimals) and stored in 分.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::funds::{FundingSource, FundsEntry, FundsOperation, SpendCategory};
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
    let (zh, en) = match kind {
        "proceeds" => ("流转收益到账", "transfer proceeds received"),
        "invest" => ("市级投资到位", "city investment received"),
        "spend" => ("支出", "spending"),
        "compensate" => ("农户补偿", "household compensation"),
        "reverse" => ("冲正", "reversal"),
        other => (other, other),
    };
    lang.t(zh, en)
}

fn county_label(names: &BTreeMap<String, String>, code: &str) -> String {
    crate::names::division(names, code)
}

/// How a funds account's balance moves, by name: a holding never goes below zero; a source
/// is negative by what was received from it.
fn nature_text(lang: Lang, nature: &str) -> String {
    match nature {
        "holding" => lang.t("持有（不得为负）", "holding (never negative)"),
        "source" => lang.t("来源（负数为累计到账）", "source (negative: received)"),
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

/// The kinds of entries: (stored name, Chinese, English).
const ENTRY_KINDS: &[(&str, &str, &str)] = &[
    ("proceeds", "流转收益到账", "transfer proceeds received"),
    ("invest", "市级投资到位", "city investment received"),
    ("spend", "支出", "spending"),
    ("compensate", "农户补偿", "household compensation"),
    ("reverse", "冲正", "reversal"),
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
            .map(|(k, zh, en)| ((*k).to_owned(), *zh, *en))
            .collect(),
        date_label: ("日期", "Date"),
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
    let (kind_zh, kind_en) = ENTRY_KINDS
        .iter()
        .find(|(k, _, _)| *k == e.kind)
        .map_or((e.kind.as_str(), e.kind.as_str()), |(_, zh, en)| (*zh, *en));
    crate::lists::ListRow {
        cells: vec![
            Cell::number(e.seq).link(format!("/funds/entries/{}", e.seq)),
            Cell::text(&e.effective),
            Cell::text(if lang == Lang::En { kind_en } else { kind_zh }),
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
        lang.t(
            "金额单位：元（按分记账）。来源账户为负数，表示累计到账。",
            "Amounts in 元 (kept in 分). Source accounts are negative: what was received from them."
        )
    );
    if may_verify(&user) {
        let _ = write!(
            body,
            "<p><a id=\"verify-link\" href=\"/funds/verify\">{}</a></p>",
            lang.t("校验资金台账", "Verify the funds journal")
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
                lang.t(zh, en)
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
            lang.t("暂无资金记录", "No money recorded yet")
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
                &[
                    ("账户", "account"),
                    ("账户编号", "account key"),
                    ("性质", "nature"),
                    ("余额（元）", "balance (元)")
                ],
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
        lang.t("资金条目", "Entries"),
        crate::lists::render(lang, &spec, &query, &rows)
    );
    if is_finance_writer(&user) {
        body.push_str(&forms(&user).map_err(|e| fail(&user, e))?);
    }
    Ok(Html(page("资金台账", "Funds ledger", Some(&user), &body)).into_response())
}

fn options(pairs: &[(&str, (&str, &str))], lang: Lang) -> String {
    pairs
        .iter()
        .map(|(value, (zh, en))| format!("<option value=\"{value}\">{}</option>", lang.one(zh, en)))
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
            ("project", ("项目资金", "project fund")),
            ("county", ("县级专户", "county fund")),
        ],
        lang,
    );
    let amount = lang.t("金额（元）", "amount (元)");
    let date = lang.t("日期", "date");
    let project = lang.t("项目编号", "project code");
    let note = lang.t("说明", "note");
    let voucher = lang.t("凭证号", "voucher no.");
    let from = lang.t("支付来源", "paid from");
    let submit = lang.one("登记", "Record");
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
        h_invest = lang.t("登记市级投资到位", "Record city investment received"),
        h_spend = lang.t("登记支出", "Record spending"),
        h_comp = lang.t("登记农户补偿", "Record household compensation"),
        hidden_i = hidden(&random_hex(16)?),
        hidden_s = hidden(&random_hex(16)?),
        hidden_c = hidden(&random_hex(16)?),
        l_source = lang.t("资金来源", "source"),
        sources = options(&sources, lang),
        l_county = lang.t("县（无项目时）", "county (without a project)"),
        l_category = lang.t("类别", "category"),
        categories = options(&categories, lang),
        l_payee = lang.t("收款单位", "payee"),
        l_household = lang.t("农户编号或姓名（脱敏）", "household id or name (masked)"),
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
        label = lang.t(&account.label_zh, &account.label_en),
        nature = nature_text(lang, &account.nature),
        county = esc(&account.county),
        balance_label = lang.t("余额（元）", "balance (元)"),
        balance = esc(&account.balance_yuan),
        table = table_in(
            lang,
            &[
                ("条目", "entry"),
                ("日期", "date"),
                ("业务", "operation"),
                ("发生额（元）", "amount (元)"),
                ("余额（元）", "balance (元)"),
                ("经办", "by"),
                ("说明", "note"),
            ],
            &rows
        ),
        back = lang.t("返回资金台账", "Back to funds"),
    );
    Ok(Html(page("资金账户", "Fund account", Some(&user), &body)).into_response())
}

fn operation_rows(lang: Lang, entry: &FundsEntry) -> Vec<Vec<String>> {
    let mut rows = vec![vec![lang.t("业务", "operation"), {
        let (zh, en) = entry.operation.kind_label();
        lang.t(zh, en)
    }]];
    let mut add = |zh: &str, en: &str, value: String| rows.push(vec![lang.t(zh, en), esc(&value)]);
    match &entry.operation {
        FundsOperation::Proceeds {
            agreement,
            instalment,
            ..
        } => {
            add("协议", "agreement", agreement.clone());
            add("期次", "instalment", instalment.to_string());
        }
        FundsOperation::Invest { source, .. } => {
            let (zh, en) = source.label();
            add("资金来源", "source", lang.one(zh, en))
        }
        FundsOperation::Spend {
            category,
            payee,
            voucher,
            paid_from,
            ..
        } => {
            add("类别", "category", category.as_str().into());
            add("收款单位", "payee", payee.clone());
            add("凭证号", "voucher", voucher.clone());
            add(
                "支付来源",
                "paid from",
                format!("{paid_from:?}").to_lowercase(),
            );
        }
        FundsOperation::Compensate {
            household, voucher, ..
        } => {
            add("农户", "household", household.clone());
            add("凭证号", "voucher", voucher.clone());
        }
        FundsOperation::Reverse { seq } => add("冲正条目", "reverses entry", format!("#{seq}")),
    }
    if let Some(project) = entry.operation.project() {
        add("项目", "project", project.to_owned());
    }
    add("生效日期", "effective", entry.meta.effective.to_string());
    add(
        "记录时间",
        "recorded at",
        crate::html::local_time(&entry.meta.recorded_at),
    );
    add("经办", "by", entry.meta.actor.clone());
    add("说明", "reason", entry.meta.reason.clone());
    add("幂等键", "idempotency key", entry.meta.key.clone());
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
                    lang.t(&zh, &en)
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
        details = table_in(
            lang,
            &[("项", "field"), ("内容", "value")],
            &operation_rows(lang, &entry)
        ),
        h_legs = lang.t(
            "分录（元，借正贷负，合计为零）",
            "Legs (元; they sum to zero)"
        ),
        legs = table_in(
            lang,
            &[
                ("账户", "account"),
                ("账户编号", "account key"),
                ("金额（元）", "amount (元)")
            ],
            &legs
        ),
        l_hash = lang.t("哈希", "hash"),
        hash = esc(&entry.hash),
        l_prev = lang.t("前一哈希", "previous hash"),
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
            h = lang.t("冲正此条目", "Reverse this entry"),
            seq = entry.seq,
            csrf = esc(&user.csrf),
            key = esc(&key),
            today = user.today.format("%Y-%m-%d"),
            l_reason = lang.t("理由", "reason"),
            submit = lang.one("冲正", "Reverse"),
        );
    }
    let title = format!("资金台账条目 #{}", entry.seq);
    let title_en = format!("Funds entry #{}", entry.seq);
    Ok(Html(page(&title, &title_en, Some(&user), &body)).into_response())
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
            ok = lang.t(
                "校验通过：哈希链完整，余额与日志重算一致",
                "Verified: the hash chain is intact and the balances match the journal"
            ),
            l_entries = lang.t("条目", "entries"),
            entries = check.entries,
            l_accounts = lang.t("账户", "accounts"),
            accounts = check.accounts,
            l_head = lang.t("链头哈希", "head hash"),
            head = esc(&check.head_hash),
        )
    } else {
        let at = match (check.bad_seq, check.bad_account.as_deref()) {
            (Some(seq), _) => format!(
                "{} {}",
                lang.t("第一条有问题的条目", "first bad entry"),
                entry_link(seq)
            ),
            (None, Some(account)) => format!(
                "{} <a href=\"{}\">{}</a>",
                lang.t("余额不符的账户", "account with a wrong balance"),
                esc(&account_url(account)),
                esc(account)
            ),
            _ => String::new(),
        };
        format!(
            "<div id=\"verify-failed\"><p class=\"fail\">{failed}</p><p>{at}</p><p>{zh}</p><p class=\"en\">{en}</p></div>",
            failed = lang.t("校验未通过", "Verification failed"),
            zh = esc(check.problem_zh.as_deref().unwrap_or("")),
            en = esc(check.problem_en.as_deref().unwrap_or("")),
        )
    };
    Ok(Html(page(
        "资金台账校验",
        "Funds verification",
        Some(&user),
        &body,
    ))
    .into_response())
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
