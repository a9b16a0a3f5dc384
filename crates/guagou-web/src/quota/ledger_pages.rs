//! The ledger pages: accounts by county, one account (open lots, history, the operations a
//! user does on it), one entry (legs, lots, hashes), one lot's lineage, a project's ledger, and
//! the form posts of ledger operations, land supplies and adjustments.
//!
//! Forms carry the session's CSRF token and a fresh random idempotency key per render, so a
//! double submit posts once. A refusal answers with its status and shows the bilingual message
//! with the error code and the refusing rule ID.

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;

use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::division::DivisionLevel;
use guagou_domain::ledger::{Account, Entry, Lot};
use guagou_domain::lifecycle::Level;
use serde::Deserialize;

use super::access::{
    Scope, above_county, account_kind, area_text, division_label, operation_kind, segment,
};
use super::read::{self, AccountDetail, EntryDetail, HistoryQuery};
use super::write::{
    self, AdjustmentBody, BackingInput, LandSupplyBody, LandUseInput, OperationInput, yuan_to_fen,
};
use crate::AppState;
use crate::auth::{PageUser, User, random_hex};
use crate::error::{PageError, WebError};
use crate::html::{Lang, page};
use crate::partials::{Cell, Choice, PostForm, render};
use crate::view;
use askama::Template;

// ---------------------------------------------------------------------------------------------
// Shared bits of pages and forms

/// A page answering a refused write: its status, the bilingual message, the code and the rule,
/// and a way back to the form.
pub(crate) fn refusal(user: &User, error: WebError, back: &str) -> Response {
    let problem = error.problem();
    let body = crate::html::refusal_html(user.lang, &problem, &safe_back(back));
    (problem.status, Html(page(k::NOT_DONE, Some(user), &body))).into_response()
}

/// A local path to go back to (never another site).
pub(crate) fn safe_back(back: &str) -> String {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back.to_owned()
    } else {
        "/ledger".to_owned()
    }
}

/// One field of a ledger operation form (`quota/operation_form.html`).
pub(crate) enum Field {
    Hidden {
        name: &'static str,
        value: String,
    },
    /// A required labelled input; `digits`: a 6-digit code; `list`: the datalist it offers.
    Input {
        label: Key,
        name: &'static str,
        kind: &'static str,
        value: String,
        digits: bool,
        decimal: bool,
        list: &'static str,
    },
    Select {
        label: Key,
        name: &'static str,
        options: Vec<Choice>,
    },
    /// HTML another template rendered (a picker's datalist).
    Rendered {
        html: String,
    },
}

#[derive(Template)]
#[template(path = "quota/operation_form.html")]
struct OperationFormView {
    lang: Lang,
    section: Option<(&'static str, Key)>,
    post: PostForm,
    back: String,
    fields: Vec<Field>,
    today: String,
    button: Key,
}

/// A write form: CSRF token, a fresh idempotency key, where to go back, `fields`, the as-of
/// date (today in Asia/Shanghai by default), the reason and the button; in a section when
/// `section` (id, title) is given.
pub(crate) fn operation_form(
    user: &User,
    (action, id, back): (&str, &str, &str),
    section: Option<(&'static str, Key)>,
    fields: Vec<Field>,
    button: Key,
) -> Result<String, WebError> {
    let view = OperationFormView {
        lang: user.lang,
        section,
        post: PostForm {
            action: action.to_owned(),
            id: id.to_owned(),
            confirm: Some(user.lang.text(k::POST_TO_THE_LEDGER_A_POSTED)),
            csrf: user.csrf.clone(),
            key_name: "key",
            key: random_hex(16)?,
        },
        back: back.to_owned(),
        fields,
        today: user.today.format("%Y-%m-%d").to_string(),
        button,
    };
    render(&view, "operation form")
}

pub(crate) fn hidden(name: &'static str, value: &str) -> Field {
    Field::Hidden {
        name,
        value: value.to_owned(),
    }
}

fn input(label: Key, name: &'static str, kind: &'static str) -> Field {
    Field::Input {
        label,
        name,
        kind,
        value: String::new(),
        digits: false,
        decimal: false,
        list: "",
    }
}

/// A 6-digit division code picked by name from the datalist `list`.
fn code_input(label: Key, name: &'static str, list: &'static str) -> Field {
    Field::Input {
        label,
        name,
        kind: "text",
        value: String::new(),
        digits: true,
        decimal: false,
        list,
    }
}

pub(crate) fn decimal_input(label: Key, name: &'static str, value: String) -> Field {
    Field::Input {
        label,
        name,
        kind: "text",
        value,
        digits: false,
        decimal: true,
        list: "",
    }
}

fn amount_input(name: &'static str) -> Field {
    decimal_input(k::AREA_M_2, name, String::new())
}

fn land_use_select(lang: Lang) -> Field {
    Field::Select {
        label: k::LAND_USE,
        name: "land_use",
        options: LandUseInput::ALL
            .iter()
            .map(|(value, name)| Choice::new(value.name(), lang.text(*name)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "quota/chain.html")]
struct ChainView {
    lang: Lang,
    seq: u64,
    hash: String,
}

/// The chain status line: head sequence number and hash.
async fn chain_status(state: &AppState, lang: Lang) -> Result<String, WebError> {
    let (seq, hash) = state.registry.public().journal_head().await?;
    render(&ChainView { lang, seq, hash }, "chain status")
}

fn area_cells(m2: i64) -> [String; 3] {
    let area = guagou_domain::SquareMetres(m2);
    [m2.to_string(), area.hectares_text(), area.mu_text()]
}

/// One of two texts by the reader's language (unescaped: templates escape it).
fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// An account as `quota/links.html` shows it: a link when the reader may read it, its key in
/// the tooltip; a key that names no account (empty `key`) as plain text.
pub(crate) struct AccountRef {
    label: String,
    key: String,
    href: Option<String>,
}

fn account_ref(lang: Lang, scope: &Scope, account: &Account) -> AccountRef {
    AccountRef {
        label: super::access::account_name(lang, scope, account),
        key: account.key(),
        href: scope
            .may_read(account)
            .then(|| super::access::account_url(account)),
    }
}

/// A project code, linked when the reader may read the project.
fn project_cell(scope: &Scope, code: &str) -> Cell {
    if scope.may_read_project(code) {
        Cell::link(code, format!("/projects/{}", segment(code)))
    } else {
        Cell::text(code)
    }
}

// ---------------------------------------------------------------------------------------------
// GET /ledger

struct IndexRow {
    account: AccountRef,
    kind: String,
    m2: String,
    ha: String,
    mu: String,
}

struct CountyGroup {
    id: String,
    title: String,
    rows: Vec<IndexRow>,
}

struct ListingRow {
    account: AccountRef,
    seller: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "quota/ledger_index.html")]
struct IndexPage {
    lang: Lang,
    /// The chain status (its own template).
    chain: String,
    own_href: Option<String>,
    groups: Vec<CountyGroup>,
    listings: Vec<ListingRow>,
    /// The grant form (its own template).
    grant: Option<String>,
}

/// Handles GET /ledger
pub async fn ledger_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let page = crate::page_cache::page(&user, || ledger_index_page(&state, &user)).await?;
    Ok(Html(page.to_string()))
}

/// The ledger's index page for `user` (kept while nothing changed: `page_cache`).
async fn ledger_index_page(state: &AppState, user: &User) -> Result<String, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let scope = user.door(registry).read_scope().await?;
    let accounts = read::readable_accounts(registry, &scope, user).await?;
    let listings = user.door(registry).open_listings().await?;
    let mut by_county: BTreeMap<Option<String>, Vec<IndexRow>> = BTreeMap::new();
    for a in &accounts {
        let [m2, ha, mu] = area_cells(a.balance.m2);
        by_county
            .entry(a.county.clone())
            .or_default()
            .push(IndexRow {
                account: account_ref(lang, &scope, &a.detail),
                kind: pick(lang, &a.kind_zh, &a.kind_en),
                m2,
                ha,
                mu,
            });
    }
    let groups = by_county
        .into_iter()
        .map(|(county, rows)| CountyGroup {
            id: format!("county-{}", county.as_deref().unwrap_or("province")),
            title: match &county {
                Some(code) => division_label(&scope, code),
                None => lang.text(k::PROVINCE).to_owned(),
            },
            rows,
        })
        .collect();
    let own_href = (user.is_land_writer() && user.actor.level == Level::County).then(|| {
        super::access::account_url(&Account::Holding {
            division: user.actor.division.clone(),
        })
    });
    let grant = if user.is_land_writer() && above_county(user) {
        Some(grant_form(user, &scope)?)
    } else {
        None
    };
    let view = IndexPage {
        lang,
        chain: chain_status(state, lang).await?,
        own_href,
        groups,
        listings: listing_rows(&scope, user, &listings),
        grant,
    };
    let body = render(&view, "ledger")?;
    Ok(page(k::QUOTA_LEDGER, Some(user), &body))
}

/// Open listings (公告): market data every signed-in user of the province sees (seller,
/// listing, amount still offered); the escrow account's history stays with the seller's
/// jurisdiction.
fn listing_rows(
    scope: &Scope,
    user: &User,
    listings: &[(String, guagou_domain::DivisionCode, i64)],
) -> Vec<ListingRow> {
    listings
        .iter()
        .map(|(listing, seller, open)| ListingRow {
            account: account_ref(
                user.lang,
                scope,
                &Account::Listed {
                    listing: listing.clone(),
                },
            ),
            seller: division_label(scope, seller.as_str()),
            amount: area_text(user.lang, *open),
        })
        .collect()
}

fn grant_form(user: &User, scope: &Scope) -> Result<String, WebError> {
    // The counties of the user's jurisdiction by name; the field still sends the code.
    let counties = crate::pickers::datalist(
        "picker-grant-counties",
        &crate::pickers::own_counties(user, scope.names()),
    );
    operation_form(
        user,
        ("/ledger/operations", "form-grant", "/ledger"),
        Some(("grant", k::GRANT_ANNUAL_PLAN_QUOTA)),
        vec![
            hidden("kind", "grant_annual_plan"),
            code_input(k::COUNTY, "county", "picker-grant-counties"),
            Field::Rendered { html: counties },
            input(k::YEAR, "year", "number"),
            amount_input("amount_m2"),
        ],
        k::GRANT,
    )
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/accounts/{key}

fn history_query(
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<HistoryQuery, WebError> {
    query
        .map(|q| q.0)
        .map_err(|_| WebError::invalid("before", k::PAGING_PARAMETERS_SHOULD_BE_WHOLE_NUMBERS))
}

/// A lot as a row of `links::lots`.
pub(crate) struct LotRow {
    id: u64,
    serial: String,
    /// Advanced quota: local use only until acceptance confirms it (二(四)).
    advanced: bool,
    project: Cell,
    area: String,
    holder: AccountRef,
    parent: Option<u64>,
    created_by: u64,
    consumed_by: Option<u64>,
}

fn lot_rows(lang: Lang, scope: &Scope, lots: &[Lot]) -> Vec<LotRow> {
    lots.iter()
        .map(|lot| LotRow {
            id: lot.id,
            serial: lot.serial(),
            advanced: lot.advanced,
            project: project_cell(scope, &lot.project),
            area: area_text(lang, lot.size()),
            holder: account_ref(lang, scope, &lot.holder),
            parent: lot.parent,
            created_by: lot.created_by,
            consumed_by: None,
        })
        .collect()
}

struct HistoryLine {
    seq: u64,
    effective: String,
    kind: Key,
    change: String,
    counter: Vec<AccountRef>,
    actor: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "quota/account.html")]
struct AccountPage {
    lang: Lang,
    kind: String,
    owner: String,
    balance: String,
    /// The open lots, for accounts that hold lots.
    open_lots: Option<Vec<LotRow>>,
    history_title: String,
    history: Vec<HistoryLine>,
    newest: Option<String>,
    older: Option<String>,
    /// The operation forms (their own template).
    forms: String,
    /// The chain status (its own template).
    chain: String,
}

fn history_lines(lang: Lang, scope: &Scope, detail: &AccountDetail) -> Vec<HistoryLine> {
    detail
        .history
        .iter()
        .map(|h| HistoryLine {
            seq: h.seq,
            effective: h.effective.clone(),
            kind: operation_kind(&h.kind),
            change: format!("{:+}", h.amount_m2),
            counter: h
                .counter_accounts
                .iter()
                .map(|key| match Account::from_key(key) {
                    Some(a) => account_ref(lang, scope, &a),
                    None => AccountRef {
                        label: key.clone(),
                        key: String::new(),
                        href: None,
                    },
                })
                .collect(),
            actor: h.actor.clone(),
            reason: h.reason.clone(),
        })
        .collect()
}

/// Handles GET /ledger/accounts/{key}
pub async fn account_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(key): Path<String>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let query = history_query(query)?;
    let registry = &state.registry;
    let scope = user.door(registry).read_scope().await?;
    let detail = read::account_detail(registry, &scope, &user, &key, &query).await?;
    let account = &detail.account.detail;
    let url = super::access::account_url(account);
    let owner = detail
        .account
        .county
        .as_deref()
        .map(|c| division_label(&scope, c))
        .unwrap_or_default();
    let view = AccountPage {
        lang,
        kind: pick(lang, &detail.account.kind_zh, &detail.account.kind_en),
        owner,
        balance: area_text(lang, detail.account.balance.m2),
        open_lots: account
            .has_lots()
            .then(|| lot_rows(lang, &scope, &detail.open_lots)),
        history_title: lang.fill(
            k::QUOTA_HISTORY_ENTRIES_NEWEST_FIRST,
            &[("n", &detail.entries_total.to_string())],
        ),
        history: history_lines(lang, &scope, &detail),
        newest: query.before.is_some().then(|| url.clone()),
        older: detail
            .older_before
            .map(|before| format!("{url}?before={before}")),
        forms: account_forms(&state, &scope, &user, account).await?,
        chain: chain_status(&state, lang).await?,
    };
    let body = render(&view, "account")?;
    // The title names the account: its owner by name and its kind.
    Ok(Html(page(
        (
            &super::access::account_name(Lang::Zh, &scope, account),
            &super::access::account_name(Lang::En, &scope, account),
        ),
        Some(&user),
        &body,
    )))
}

/// The operations `user` may do on `account`, as forms (the registry checks again).
async fn account_forms(
    state: &AppState,
    scope: &Scope,
    user: &User,
    account: &Account,
) -> Result<String, WebError> {
    if !user.is_land_writer() {
        return Ok(String::new());
    }
    let lang = user.lang;
    let back = super::access::account_url(account);
    let to = ("/ledger/operations", "", back.as_str());
    // Each form (and the supplies table) rendered by its template, in page order.
    let mut out: Vec<String> = Vec::new();
    match account {
        Account::Holding { division } if user.actor.may_act_for(division) => {
            let code = division.as_str();
            out.push(operation_form(
                user,
                (to.0, "form-reserve", to.2),
                Some(("reserve", k::RESERVE_FOR_LOCAL_NEEDS)),
                vec![
                    hidden("kind", "reserve"),
                    hidden("division", code),
                    amount_input("amount_m2"),
                    input(k::PURPOSE_2, "purpose", "text"),
                ],
                k::RESERVE_2,
            )?);
            out.push(operation_form(
                user,
                (to.0, "form-list", to.2),
                Some(("list", k::LIST_FOR_TRANSFER_WHAT_IS_NOT)),
                vec![
                    hidden("kind", "list"),
                    hidden("division", code),
                    input(k::LISTING_ID, "listing", "text"),
                    amount_input("amount_m2"),
                ],
                k::LIST_2,
            )?);
            out.push(land_supply_form(user, code, &back)?);
            out.push(operation_form(
                user,
                (to.0, "form-use", to.2),
                Some(("use", k::USE_AGAINST_A_CONSTRUCTION_ZONE)),
                vec![
                    hidden("kind", "use"),
                    hidden("division", code),
                    input(k::CONSTRUCTION_ZONE, "zone", "text"),
                    land_use_select(lang),
                    amount_input("amount_m2"),
                ],
                k::USE_2,
            )?);
            if user.actor.level == Level::County && division.level() == DivisionLevel::County {
                out.push(operation_form(
                    user,
                    ("/ledger/adjustments", "form-adjustment", to.2),
                    Some(("adjustment", k::PLANNING_ADJUSTMENT_AFTER_A_TRANSFER_ONCE)),
                    vec![hidden("county", code)],
                    k::APPLY_FOR_AN_ADJUSTMENT,
                )?);
            }
            out.push(supplies_and_adjustments(state, user, code).await?);
        }
        Account::Reserved { division } if user.actor.may_act_for(division) => {
            out.push(operation_form(
                user,
                (to.0, "form-release", to.2),
                Some(("release", k::RELEASE_A_RESERVATION)),
                vec![
                    hidden("kind", "release"),
                    hidden("division", division.as_str()),
                    amount_input("amount_m2"),
                ],
                k::RELEASE_2,
            )?);
        }
        Account::Listed { listing } => {
            let seller = scope.listing_seller(listing);
            if !seller.is_some_and(|s| user.actor.reads(s)) {
                return Ok(String::new());
            }
            out.push(operation_form(
                user,
                (to.0, "form-withdraw", to.2),
                Some(("withdraw", k::WITHDRAW)),
                vec![
                    hidden("kind", "withdraw"),
                    hidden("listing", listing),
                    amount_input("amount_m2"),
                ],
                k::WITHDRAW,
            )?);
            // Any city or county of the province may buy: all of them by name.
            let buyers = crate::pickers::datalist(
                "picker-buyers",
                &crate::pickers::divisions(
                    scope.names(),
                    &[DivisionLevel::City, DivisionLevel::County],
                    |_| true,
                ),
            );
            out.push(operation_form(
                user,
                (to.0, "form-transfer", to.2),
                Some(("transfer", k::SETTLE_A_TRANSFER)),
                vec![
                    hidden("kind", "transfer"),
                    hidden("listing", listing),
                    code_input(k::BUYER_A_CITY_OR_COUNTY_OF, "buyer", "picker-buyers"),
                    Field::Rendered { html: buyers },
                    amount_input("amount_m2"),
                    decimal_input(
                        k::PRICE_YUAN_PER_MU_AT_LEAST,
                        "price_yuan_per_mu",
                        String::new(),
                    ),
                ],
                k::SETTLE_THE_TRANSFER,
            )?);
        }
        _ => {}
    }
    Ok(out.concat())
}

fn land_supply_form(user: &User, county: &str, back: &str) -> Result<String, WebError> {
    let lang = user.lang;
    operation_form(
        user,
        ("/ledger/land-supplies", "form-land-supply", back),
        Some(("land-supply", k::LAND_SUPPLY_OPERATIONAL_LAND_MUST_USE)),
        vec![
            hidden("county", county),
            input(k::SUPPLY_ID, "id", "text"),
            input(k::PARCEL_ZONE, "zone", "text"),
            land_use_select(lang),
            amount_input("area_m2"),
            Field::Select {
                label: k::BACKED_BY,
                name: "backing",
                options: vec![
                    Choice::new("surplus_quota", lang.text(k::SURPLUS_QUOTA)),
                    Choice::new("annual_plan", lang.text(k::ANNUAL_PLAN_QUOTA)),
                ],
            },
        ],
        k::RECORD_THE_SUPPLY,
    )
}

#[derive(Template)]
#[template(path = "quota/supplies.html")]
struct SuppliesView {
    lang: Lang,
    supplies: Vec<Vec<Cell>>,
    adjustments: Vec<Vec<Cell>>,
}

async fn supplies_and_adjustments(
    state: &AppState,
    user: &User,
    county: &str,
) -> Result<String, WebError> {
    let lang = user.lang;
    let door = user.door(&state.registry);
    let supplies = door
        .land_supplies()
        .await?
        .iter()
        .filter(|s| s.county == county)
        .map(|s| {
            vec![
                Cell::text(&s.id),
                Cell::text(&s.recorded_on),
                Cell::text(&s.zone),
                Cell::text(&s.land_use),
                Cell::text(area_text(lang, s.area_m2)),
                match s.backing.as_str() {
                    "surplus_quota" => Cell::text(lang.text(k::SURPLUS_QUOTA)),
                    "annual_plan" => Cell::text(lang.text(k::ANNUAL_PLAN_QUOTA)),
                    other => Cell::code(other),
                },
                s.ledger_seq.map_or_else(Cell::default, |seq| {
                    Cell::link(format!("#{seq}"), format!("/ledger/entries/{seq}"))
                }),
            ]
        })
        .collect();
    let adjustments = door
        .adjustments()
        .await?
        .iter()
        .filter(|a| a.county == county)
        .map(|a| {
            vec![
                Cell::text(&a.id),
                Cell::text(&a.applied_on),
                Cell::text(a.year.to_string()),
                Cell::text(&a.reason),
            ]
        })
        .collect();
    render(
        &SuppliesView {
            lang,
            supplies,
            adjustments,
        },
        "land supplies",
    )
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/entries/{seq}

/// One field of an entry's operation: its name (as `<code>` when it has no label) and value.
struct Detail {
    name: String,
    label: Option<String>,
    value: String,
}

fn operation_details(lang: Lang, entry: &Entry) -> Vec<Detail> {
    // The operation's own fields (project, division, listing, buyer, price …) as text.
    let value = serde_json::to_value(&entry.operation).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(fields) = value.as_object() {
        for (name, v) in fields.iter().filter(|(name, _)| *name != "kind") {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parts.push(Detail {
                name: name.clone(),
                label: crate::names::operation_field(lang, name),
                value: text,
            });
        }
    }
    parts
}

struct LegRow {
    account: AccountRef,
    kind: String,
    m2: String,
    ha: String,
    mu: String,
}

#[derive(Template)]
#[template(path = "quota/entry.html")]
struct EntryPage {
    lang: Lang,
    seq_text: String,
    kind: Key,
    details: Vec<Detail>,
    effective: String,
    recorded: String,
    actor: String,
    reason: String,
    money: Option<String>,
    legs: Vec<LegRow>,
    created: Vec<LotRow>,
    consumed: Vec<LotRow>,
    prev_hash: String,
    hash: String,
    verified: bool,
    previous: Option<u64>,
    next: Option<u64>,
    /// The reverse form (its own template), empty when the reader may not reverse.
    reverse: String,
    /// The chain status (its own template).
    chain: String,
}

fn entry_page(
    scope: &Scope,
    user: &User,
    detail: &EntryDetail,
    reverse: String,
    chain: String,
) -> EntryPage {
    let lang = user.lang;
    let entry = &detail.entry;
    let legs = entry
        .legs
        .iter()
        .map(|leg| {
            let (kzh, ken) = account_kind(&leg.account);
            let [m2, ha, mu] = area_cells(leg.amount_m2);
            LegRow {
                account: account_ref(lang, scope, &leg.account),
                kind: pick(lang, &kzh, &ken),
                m2,
                ha,
                mu,
            }
        })
        .collect();
    let consumed_lots: Vec<Lot> = detail.lots_consumed.iter().map(|l| l.lot.clone()).collect();
    // The neighbouring entries are usually another county's: a county user moves through
    // its accounts' histories instead of dead links.
    let sees_all = user.actor.level != Level::County || user.actor.department.reads_everything();
    EntryPage {
        lang,
        seq_text: format!("#{}", entry.seq),
        kind: operation_kind(entry.operation.kind()),
        details: operation_details(lang, entry),
        effective: entry.meta.effective.format("%Y-%m-%d").to_string(),
        recorded: crate::html::local_time(&entry.meta.recorded_at),
        actor: entry.meta.actor.clone(),
        reason: entry.meta.reason.clone(),
        money: entry
            .money_fen
            .map(|fen| format!("{} 元", guagou_domain::units::Fen(fen).yuan_text())),
        legs,
        created: lot_rows(lang, scope, &entry.lots_created),
        consumed: lot_rows(lang, scope, &consumed_lots),
        prev_hash: entry.prev_hash.clone(),
        hash: entry.hash.clone(),
        verified: detail.hash_verified,
        previous: (sees_all && entry.seq > 1).then(|| entry.seq - 1),
        next: (sees_all && entry.seq < detail.head_seq).then(|| entry.seq + 1),
        reverse,
        chain,
    }
}

/// Handles GET /ledger/entries/{seq}
pub async fn entry_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(seq): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let scope = user.door(&state.registry).read_scope().await?;
    let detail = read::entry_detail(&state.registry, &scope, &user, &seq).await?;
    // A correcting entry (冲正) is the city's or province's decision; nothing is edited.
    let mut reverse = String::new();
    if user.is_land_writer() && above_county(&user) && detail.entry.operation.kind() != "reverse" {
        let back = format!("/ledger/entries/{}", detail.entry.seq);
        let seq = detail.entry.seq.to_string();
        reverse = operation_form(
            &user,
            ("/ledger/operations", "form-reverse", &back),
            Some(("reverse", k::REVERSE_POST_A_CORRECTING_ENTRY)),
            vec![hidden("kind", "reverse"), hidden("seq", &seq)],
            k::REVERSE,
        )?;
    }
    let chain = chain_status(&state, lang).await?;
    let body = render(
        &entry_page(&scope, &user, &detail, reverse, chain),
        "journal entry",
    )?;
    let seq = detail.entry.seq;
    Ok(Html(page(
        (
            &format!("台账条目 #{seq}"),
            &format!("Journal entry #{seq}"),
        ),
        Some(&user),
        &body,
    )))
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/lots/{id}

#[derive(Template)]
#[template(path = "quota/lot.html")]
struct LotPage {
    lang: Lang,
    lineage: Vec<LotRow>,
}

/// Handles GET /ledger/lots/{id}
pub async fn lot_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let scope = user.door(&state.registry).read_scope().await?;
    let lineage = read::lot_lineage(&state.registry, &scope, &user, &id).await?;
    let lots: Vec<Lot> = lineage.iter().map(|l| l.lot.clone()).collect();
    let rows = lot_rows(lang, &scope, &lots)
        .into_iter()
        .zip(&lineage)
        .map(|(row, record)| LotRow {
            consumed_by: record.consumed_by,
            ..row
        })
        .collect();
    let body = render(
        &LotPage {
            lang,
            lineage: rows,
        },
        "lot",
    )?;
    let serial = lineage
        .first()
        .map(|l| l.serial.clone())
        .unwrap_or_default();
    Ok(Html(page(
        (&format!("指标块 {serial}"), &format!("Lot {serial}")),
        Some(&user),
        &body,
    )))
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/projects/{code}

#[derive(Template)]
#[template(path = "quota/project.html")]
struct ProjectPage {
    lang: Lang,
    /// The project code as a path segment.
    code: String,
    /// The project's ledger panel (quota/project_ledger.html).
    panel: String,
}

/// Handles GET /ledger/projects/{code}: the project's ledger panel on a page of its own (the
/// advance form lives here).
pub async fn project_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    let panel = super::panels::project_ledger(&state, &user, &project).await?;
    let body = render(
        &ProjectPage {
            lang: user.lang,
            code: segment(&project.code),
            panel,
        },
        "project ledger",
    )?;
    Ok(Html(page(
        (
            &format!("{} 指标台账", project.name),
            &format!("Ledger of {}", project.code),
        ),
        Some(&user),
        &body,
    )))
}

// ---------------------------------------------------------------------------------------------
// Form posts

/// Every field a ledger operation form may carry (each form sends the ones of its kind).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OperationForm {
    csrf: Option<String>,
    key: String,
    back: String,
    kind: String,
    as_of: String,
    reason: String,
    project: String,
    division: String,
    listing: String,
    buyer: String,
    amount_m2: String,
    purpose: String,
    zone: String,
    land_use: String,
    county: String,
    year: String,
    seq: String,
    price_yuan_per_mu: String,
}

fn form_int<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, WebError> {
    text.trim().parse().map_err(|_| {
        WebError::invalid_text(
            field,
            format!("{field} 应为整数（{text}）"),
            format!("{field} should be a whole number ({text})"),
        )
    })
}

fn form_operation(form: &OperationForm) -> Result<OperationInput, WebError> {
    let amount = || crate::amount::form_area_m2("amount_m2", &form.amount_m2);
    Ok(match form.kind.as_str() {
        "advance" => OperationInput::Advance {
            project: form.project.clone(),
            amount_m2: amount()?,
        },
        "repay" => OperationInput::Repay {
            project: form.project.clone(),
            amount_m2: amount()?,
        },
        "reserve" => OperationInput::Reserve {
            division: form.division.clone(),
            amount_m2: amount()?,
            purpose: form.purpose.clone(),
        },
        "release" => OperationInput::Release {
            division: form.division.clone(),
            amount_m2: amount()?,
        },
        "list" => OperationInput::List {
            division: form.division.clone(),
            listing: form.listing.clone(),
            amount_m2: amount()?,
        },
        "withdraw" => OperationInput::Withdraw {
            listing: form.listing.clone(),
            amount_m2: amount()?,
        },
        "transfer" => OperationInput::Transfer {
            listing: form.listing.clone(),
            buyer: form.buyer.clone(),
            amount_m2: amount()?,
            price_fen_per_mu: yuan_to_fen(&form.price_yuan_per_mu)?,
        },
        "use" => OperationInput::Use {
            division: form.division.clone(),
            amount_m2: amount()?,
            zone: form.zone.clone(),
            land_use: LandUseInput::parse(&form.land_use)?,
        },
        "grant_annual_plan" => OperationInput::GrantAnnualPlan {
            county: form.county.clone(),
            year: form_int("year", &form.year)?,
            amount_m2: amount()?,
        },
        "reverse" => OperationInput::Reverse {
            seq: form_int("seq", &form.seq)?,
        },
        other => {
            return Err(WebError::invalid_text(
                "kind",
                format!("未知操作 {other}"),
                format!("unknown operation {other}"),
            ));
        }
    })
}

/// A form's idempotency key: the random hex the page rendered.
fn form_key(user: &User, key: &str) -> Result<String, WebError> {
    if key.len() != 32 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(WebError::invalid(
            "key",
            k::THE_FORM_HAS_NO_VALID_IDEMPOTENCY,
        ));
    }
    write::idempotency_key("web", user, key)
}

/// Handles POST /ledger/operations
pub async fn operation_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<OperationForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let posted = async {
        let input = form_operation(&form)?;
        let key = form_key(&user, &form.key)?;
        write::post_operation(
            &state.registry,
            &user,
            &input,
            &key,
            &form.as_of,
            &form.reason,
        )
        .await
    }
    .await;
    Ok(match posted {
        Ok(entry) => Redirect::to(&format!("/ledger/entries/{}", entry.seq)).into_response(),
        Err(e) => refusal(&user, e, &form.back),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LandSupplyForm {
    csrf: Option<String>,
    back: String,
    id: String,
    county: String,
    zone: String,
    land_use: String,
    area_m2: String,
    backing: String,
    as_of: String,
    reason: String,
}

/// Handles POST /ledger/land-supplies
pub async fn land_supply_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<LandSupplyForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let recorded = async {
        let body = LandSupplyBody {
            id: form.id.clone(),
            county: form.county.clone(),
            zone: form.zone.clone(),
            land_use: LandUseInput::parse(&form.land_use)?,
            area_m2: crate::amount::form_area_m2("area_m2", &form.area_m2)?,
            backing: BackingInput::parse(&form.backing)?,
            as_of: form.as_of.clone(),
            reason: form.reason.clone(),
        };
        write::record_land_supply(&state.registry, &user, &body).await
    }
    .await;
    Ok(match recorded {
        Ok(outcome) => {
            let to = match &outcome.entry {
                Some(entry) => format!("/ledger/entries/{}", entry.seq),
                None => format!(
                    "/ledger/accounts/holding:{}#land-supplies",
                    segment(form.county.trim())
                ),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => refusal(&user, e, &form.back),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdjustmentForm {
    csrf: Option<String>,
    back: String,
    county: String,
    as_of: String,
    reason: String,
}

/// Handles POST /ledger/adjustments
pub async fn adjustment_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<AdjustmentForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = AdjustmentBody {
        county: form.county.clone(),
        as_of: form.as_of.clone(),
        reason: form.reason.clone(),
    };
    Ok(
        match write::apply_adjustment(&state.registry, &user, &body).await {
            Ok(_) => Redirect::to(&format!(
                "/ledger/accounts/holding:{}#adjustments",
                segment(form.county.trim())
            ))
            .into_response(),
            Err(e) => refusal(&user, e, &form.back),
        },
    )
}
