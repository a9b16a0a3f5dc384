//! The ledger pages: accounts by county, one account (open lots, history, the operations a
//! user does on it), one entry (legs, lots, hashes), one lot's lineage, a project's ledger, and
//! the form posts of ledger operations, land supplies and adjustments.
//!
//! Forms carry the session's CSRF token and a fresh random idempotency key per render, so a
//! double submit posts once. A refusal answers with its status and shows the bilingual message
//! with the error code and the refusing rule ID.

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::division::DivisionLevel;
use guagou_domain::ledger::{Account, Entry, Lot};
use guagou_domain::lifecycle::Level;
use guagou_registry::ledger_view::LotRecord;
use serde::Deserialize;

use super::access::{
    Scope, above_county, account_kind, account_link, area_text, division_label, entry_link, none,
    operation_kind, project_link, segment,
};
use super::read::{self, AccountDetail, EntryDetail, HistoryQuery};
use super::write::{
    self, AdjustmentBody, BackingInput, LandSupplyBody, LandUseInput, OperationInput, yuan_to_fen,
};
use crate::AppState;
use crate::auth::{PageUser, User, random_hex};
use crate::error::{PageError, WebError};
use crate::html::{Lang, esc, page, table_in};
use crate::view;

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

/// The opening of a write form: CSRF token, a fresh idempotency key, where to go back.
pub(crate) fn form_open(
    user: &User,
    action: &str,
    id: &str,
    back: &str,
) -> Result<String, WebError> {
    Ok(format!(
        "<form method=\"post\" action=\"{action}\" class=\"action\" id=\"{id}\" data-confirm=\"{confirm}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"key\" value=\"{key}\">\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">",
        action = esc(action),
        id = esc(id),
        confirm = user.lang.t(k::POST_TO_THE_LEDGER_A_POSTED),
        csrf = esc(&user.csrf),
        key = random_hex(16)?,
        back = esc(back),
    ))
}

/// The as-of date (today in Asia/Shanghai by default), the reason and the button.
pub(crate) fn form_close(lang: Lang, today: chrono::NaiveDate, button: Key) -> String {
    format!(
        "<label>{as_of} <input type=\"date\" name=\"as_of\" value=\"{today}\" max=\"{today}\" required></label> \
         <label>{reason} <input name=\"reason\" required></label> \
         <button>{button}</button></form>",
        as_of = lang.t(k::AS_OF_2),
        today = today.format("%Y-%m-%d"),
        reason = lang.t(k::REASON),
        button = lang.t(button),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

fn input(lang: Lang, label: Key, name: &str, kind: &str, extra: &str) -> String {
    format!(
        "<label>{} <input name=\"{}\" type=\"{}\" {extra}></label> ",
        lang.t(label),
        esc(name),
        esc(kind)
    )
}

fn amount_input(lang: Lang, name: &str) -> String {
    input(
        lang,
        k::AREA_M_2,
        name,
        "text",
        "inputmode=\"decimal\" required",
    )
}

fn land_use_select(lang: Lang) -> String {
    let mut out = format!("<label>{} <select name=\"land_use\">", lang.t(k::LAND_USE));
    for (value, name) in LandUseInput::ALL {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            value.name(),
            lang.t(name)
        );
    }
    out.push_str("</select></label> ");
    out
}

fn section(id: &str, title: String, body: &str) -> String {
    format!(
        "<section id=\"{}\"><h2>{title}</h2>{body}</section>",
        esc(id)
    )
}

/// The chain status line: head sequence number and hash.
async fn chain_status(state: &AppState, lang: Lang) -> Result<String, WebError> {
    let (seq, hash) = state.registry.public().journal_head().await?;
    Ok(format!(
        "<p id=\"chain\">{} <strong>#{seq}</strong> · {} <code>{}</code></p>",
        lang.t(k::JOURNAL_HEAD),
        lang.t(k::HASH),
        esc(&hash)
    ))
}

fn area_cells(m2: i64) -> [String; 3] {
    let area = guagou_domain::SquareMetres(m2);
    [m2.to_string(), area.hectares_text(), area.mu_text()]
}

// ---------------------------------------------------------------------------------------------
// GET /ledger

/// Handles GET /ledger
pub async fn ledger_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let registry = &state.registry;
    let scope = user.door(registry).read_scope().await?;
    let accounts = read::readable_accounts(registry, &scope, &user).await?;
    let listings = user.door(registry).open_listings().await?;
    let mut groups: BTreeMap<Option<String>, Vec<Vec<String>>> = BTreeMap::new();
    for a in &accounts {
        let [m2, ha, mu] = area_cells(a.balance.m2);
        groups.entry(a.county.clone()).or_default().push(vec![
            account_link(lang, &scope, &a.detail),
            lang.pair(&a.kind_zh, &a.kind_en),
            format!(
                "<span class=\"m2\" data-account=\"{}\">{m2}</span>",
                esc(&a.account)
            ),
            ha,
            mu,
        ]);
    }
    let headers = [k::ACCOUNT_2, k::KIND, k::BALANCE_M, k::HA, k::MU];
    let mut body = chain_status(&state, lang).await?;
    let mut own = String::new();
    if user.is_land_writer() && user.actor.level == Level::County {
        let holding = Account::Holding {
            division: user.actor.division.clone(),
        };
        let _ = write!(
            own,
            "<p><a id=\"own-operations\" href=\"{}\">{}</a></p>",
            esc(&super::access::account_url(&holding)),
            lang.t(k::QUOTA_OPERATIONS_OF_MY_COUNTY_RESERVE)
        );
    }
    body.push_str(&own);
    let _ = write!(
        body,
        "<p><a id=\"ledger-entries-link\" href=\"/ledger/entries\">{}</a></p>",
        lang.t(k::LEDGER_ALL_JOURNAL_ENTRIES)
    );
    if groups.is_empty() {
        body.push_str(&none(lang));
    }
    for (county, rows) in &groups {
        let title = match county {
            Some(code) => esc(&division_label(&scope, code)),
            None => lang.t(k::PROVINCE),
        };
        let id = format!("county-{}", county.as_deref().unwrap_or("province"));
        body.push_str(&section(&id, title, &table_in(lang, &headers, rows)));
    }
    body.push_str(&listings_section(&scope, &user, &listings));
    if user.is_land_writer() && above_county(&user) {
        body.push_str(&grant_form(&user, &scope)?);
    }
    let _ = write!(
        body,
        "<p><a href=\"/supervision\">{}</a></p>",
        lang.t(k::SUPERVISION_OVERDUE_ITEMS_SCANS_AND_SANCTIONS)
    );
    Ok(Html(page(k::QUOTA_LEDGER, Some(&user), &body)))
}

/// Open listings (公告): market data every signed-in user of the province sees (seller,
/// listing, amount still offered); the escrow account's history stays with the seller's
/// jurisdiction.
fn listings_section(
    scope: &Scope,
    user: &User,
    listings: &[(String, guagou_domain::DivisionCode, i64)],
) -> String {
    let lang = user.lang;
    let mut rows = Vec::new();
    for (listing, seller, open) in listings {
        let account = Account::Listed {
            listing: listing.clone(),
        };
        rows.push(vec![
            account_link(lang, scope, &account),
            esc(&division_label(scope, seller.as_str())),
            esc(&area_text(*open)),
        ]);
    }
    let table = if rows.is_empty() {
        none(lang)
    } else {
        table_in(lang, &[k::LISTING_2, k::SELLER, k::AMOUNT_LISTED], &rows)
    };
    section("listings", lang.t(k::OPEN_LISTINGS), &table)
}

fn grant_form(user: &User, scope: &Scope) -> Result<String, WebError> {
    let lang = user.lang;
    let mut form = form_open(user, "/ledger/operations", "form-grant", "/ledger")?;
    form.push_str(&hidden("kind", "grant_annual_plan"));
    // The counties of the user's jurisdiction by name; the field still sends the code.
    form.push_str(&input(
        lang,
        k::COUNTY,
        "county",
        "text",
        "pattern=\"[0-9]{6}\" required list=\"picker-grant-counties\" autocomplete=\"off\"",
    ));
    form.push_str(&crate::pickers::datalist(
        "picker-grant-counties",
        &crate::pickers::own_counties(user, scope.names()),
    ));
    form.push_str(&input(lang, k::YEAR, "year", "number", "required"));
    form.push_str(&amount_input(lang, "amount_m2"));
    form.push_str(&form_close(lang, user.today, k::GRANT));
    Ok(section("grant", lang.t(k::GRANT_ANNUAL_PLAN_QUOTA), &form))
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

pub(crate) fn lot_rows(lang: Lang, scope: &Scope, lots: &[Lot]) -> Vec<Vec<String>> {
    lots.iter()
        .map(|lot| {
            vec![
                format!("<a href=\"/ledger/lots/{id}\">{id}</a>", id = lot.id),
                if lot.advanced {
                    // Advanced quota: local use only until acceptance confirms it (二(四)).
                    format!(
                        "<code>{}</code> <span class=\"warn\" title=\"{}\">{}</span>",
                        esc(&lot.serial()),
                        lang.t(k::ADVANCED_QUOTA_LOCAL_USE_ONLY_UNTIL),
                        lang.t(k::ADVANCED)
                    )
                } else {
                    format!("<code>{}</code>", esc(&lot.serial()))
                },
                project_link(scope, &lot.project),
                esc(&area_text(lot.size())),
                account_link(lang, scope, &lot.holder),
                lot.parent
                    .map(|p| format!("<a href=\"/ledger/lots/{p}\">{p}</a>"))
                    .unwrap_or_default(),
                entry_link(lot.created_by),
            ]
        })
        .collect()
}

pub(crate) const LOT_HEADERS: &[Key] = &[
    k::LOT,
    k::SERIALS,
    k::PRODUCING_PROJECT,
    k::AMOUNT_3,
    k::HOLDER,
    k::PARENT,
    k::CREATED_BY,
];

fn history_table(scope: &Scope, user: &User, detail: &AccountDetail) -> String {
    let lang = user.lang;
    if detail.history.is_empty() {
        return none(lang);
    }
    let rows: Vec<Vec<String>> = detail
        .history
        .iter()
        .map(|h| {
            let name = operation_kind(&h.kind);
            let counter = h
                .counter_accounts
                .iter()
                .map(|key| match Account::from_key(key) {
                    Some(a) => account_link(lang, scope, &a),
                    None => esc(key),
                })
                .collect::<Vec<_>>()
                .join("<br>");
            vec![
                entry_link(h.seq),
                esc(&h.effective),
                lang.t(name),
                format!("<span class=\"m2\">{:+}</span>", h.amount_m2),
                counter,
                esc(&h.actor),
                esc(&h.reason),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::ENTRY_2,
            k::DATE_2,
            k::KIND,
            k::CHANGE_M,
            k::COUNTER_ACCOUNT,
            k::ACTOR_2,
            k::REASON,
        ],
        &rows,
    )
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
    let mut body = format!(
        "<p>{kind} · {owner}</p><p id=\"balance\">{label} <strong>{area}</strong></p>",
        kind = lang.pair(&detail.account.kind_zh, &detail.account.kind_en),
        owner = esc(&owner),
        label = lang.t(k::BALANCE_2),
        area = esc(&area_text(detail.account.balance.m2)),
    );
    if account.has_lots() {
        let lots = if detail.open_lots.is_empty() {
            none(lang)
        } else {
            table_in(
                lang,
                LOT_HEADERS,
                &lot_rows(lang, &scope, &detail.open_lots),
            )
        };
        body.push_str(&section("lots", lang.t(k::OPEN_LOTS), &lots));
    }
    let mut pager = String::new();
    if query.before.is_some() {
        let _ = write!(
            pager,
            "<a href=\"{}\">{}</a> ",
            esc(&url),
            lang.t(k::NEWEST)
        );
    }
    if let Some(before) = detail.older_before {
        let _ = write!(
            pager,
            "<a id=\"older\" href=\"{}?before={before}\">{}</a>",
            esc(&url),
            lang.t(k::OLDER)
        );
    }
    body.push_str(&section(
        "history",
        lang.pair(
            &format!("流水（共 {} 条，新的在前）", detail.entries_total),
            &format!("History ({} entries, newest first)", detail.entries_total),
        ),
        &format!("{}<p>{pager}</p>", history_table(&scope, &user, &detail)),
    ));
    body.push_str(&account_forms(&state, &scope, &user, account).await?);
    body.push_str(&chain_status(&state, lang).await?);
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
    let mut out = String::new();
    match account {
        Account::Holding { division } if user.actor.may_act_for(division) => {
            let code = division.as_str();
            let mut reserve = form_open(user, "/ledger/operations", "form-reserve", &back)?;
            reserve.push_str(&hidden("kind", "reserve"));
            reserve.push_str(&hidden("division", code));
            reserve.push_str(&amount_input(lang, "amount_m2"));
            reserve.push_str(&input(lang, k::PURPOSE_2, "purpose", "text", "required"));
            reserve.push_str(&form_close(lang, user.today, k::RESERVE_2));
            out.push_str(&section(
                "reserve",
                lang.t(k::RESERVE_FOR_LOCAL_NEEDS),
                &reserve,
            ));

            let mut list = form_open(user, "/ledger/operations", "form-list", &back)?;
            list.push_str(&hidden("kind", "list"));
            list.push_str(&hidden("division", code));
            list.push_str(&input(lang, k::LISTING_ID, "listing", "text", "required"));
            list.push_str(&amount_input(lang, "amount_m2"));
            list.push_str(&form_close(lang, user.today, k::LIST_2));
            out.push_str(&section(
                "list",
                lang.t(k::LIST_FOR_TRANSFER_WHAT_IS_NOT),
                &list,
            ));

            out.push_str(&land_supply_form(user, code, &back)?);

            let mut use_form = form_open(user, "/ledger/operations", "form-use", &back)?;
            use_form.push_str(&hidden("kind", "use"));
            use_form.push_str(&hidden("division", code));
            use_form.push_str(&input(
                lang,
                k::CONSTRUCTION_ZONE,
                "zone",
                "text",
                "required",
            ));
            use_form.push_str(&land_use_select(lang));
            use_form.push_str(&amount_input(lang, "amount_m2"));
            use_form.push_str(&form_close(lang, user.today, k::USE_2));
            out.push_str(&section(
                "use",
                lang.t(k::USE_AGAINST_A_CONSTRUCTION_ZONE),
                &use_form,
            ));

            if user.actor.level == Level::County && division.level() == DivisionLevel::County {
                let mut adjust = form_open(user, "/ledger/adjustments", "form-adjustment", &back)?;
                adjust.push_str(&hidden("county", code));
                adjust.push_str(&form_close(lang, user.today, k::APPLY_FOR_AN_ADJUSTMENT));
                out.push_str(&section(
                    "adjustment",
                    lang.t(k::PLANNING_ADJUSTMENT_AFTER_A_TRANSFER_ONCE),
                    &adjust,
                ));
            }
            out.push_str(&supplies_and_adjustments(state, user, code).await?);
        }
        Account::Reserved { division } if user.actor.may_act_for(division) => {
            let mut release = form_open(user, "/ledger/operations", "form-release", &back)?;
            release.push_str(&hidden("kind", "release"));
            release.push_str(&hidden("division", division.as_str()));
            release.push_str(&amount_input(lang, "amount_m2"));
            release.push_str(&form_close(lang, user.today, k::RELEASE_2));
            out.push_str(&section(
                "release",
                lang.t(k::RELEASE_A_RESERVATION),
                &release,
            ));
        }
        Account::Listed { listing } => {
            let seller = scope.listing_seller(listing);
            if !seller.is_some_and(|s| user.actor.reads(s)) {
                return Ok(out);
            }
            let mut withdraw = form_open(user, "/ledger/operations", "form-withdraw", &back)?;
            withdraw.push_str(&hidden("kind", "withdraw"));
            withdraw.push_str(&hidden("listing", listing));
            withdraw.push_str(&amount_input(lang, "amount_m2"));
            withdraw.push_str(&form_close(lang, user.today, k::WITHDRAW));
            out.push_str(&section("withdraw", lang.t(k::WITHDRAW), &withdraw));

            let mut transfer = form_open(user, "/ledger/operations", "form-transfer", &back)?;
            transfer.push_str(&hidden("kind", "transfer"));
            transfer.push_str(&hidden("listing", listing));
            transfer.push_str(&input(
                lang,
                k::BUYER_A_CITY_OR_COUNTY_OF,
                "buyer",
                "text",
                "pattern=\"[0-9]{6}\" required list=\"picker-buyers\" autocomplete=\"off\"",
            ));
            // Any city or county of the province may buy: all of them by name.
            transfer.push_str(&crate::pickers::datalist(
                "picker-buyers",
                &crate::pickers::divisions(
                    scope.names(),
                    &[DivisionLevel::City, DivisionLevel::County],
                    |_| true,
                ),
            ));
            transfer.push_str(&amount_input(lang, "amount_m2"));
            transfer.push_str(&input(
                lang,
                k::PRICE_YUAN_PER_MU_AT_LEAST,
                "price_yuan_per_mu",
                "text",
                "inputmode=\"decimal\" required",
            ));
            transfer.push_str(&form_close(lang, user.today, k::SETTLE_THE_TRANSFER));
            out.push_str(&section(
                "transfer",
                lang.t(k::SETTLE_A_TRANSFER),
                &transfer,
            ));
        }
        _ => {}
    }
    Ok(out)
}

fn land_supply_form(user: &User, county: &str, back: &str) -> Result<String, WebError> {
    let lang = user.lang;
    let mut form = form_open(user, "/ledger/land-supplies", "form-land-supply", back)?;
    form.push_str(&hidden("county", county));
    form.push_str(&input(lang, k::SUPPLY_ID, "id", "text", "required"));
    form.push_str(&input(lang, k::PARCEL_ZONE, "zone", "text", "required"));
    form.push_str(&land_use_select(lang));
    form.push_str(&amount_input(lang, "area_m2"));
    let _ = write!(
        form,
        "<label>{} <select name=\"backing\"><option value=\"surplus_quota\">{}</option>\
         <option value=\"annual_plan\">{}</option></select></label> ",
        lang.t(k::BACKED_BY),
        lang.t(k::SURPLUS_QUOTA),
        lang.t(k::ANNUAL_PLAN_QUOTA),
    );
    form.push_str(&form_close(lang, user.today, k::RECORD_THE_SUPPLY));
    Ok(section(
        "land-supply",
        lang.t(k::LAND_SUPPLY_OPERATIONAL_LAND_MUST_USE),
        &form,
    ))
}

async fn supplies_and_adjustments(
    state: &AppState,
    user: &User,
    county: &str,
) -> Result<String, WebError> {
    let lang = user.lang;
    let door = user.door(&state.registry);
    let supplies: Vec<Vec<String>> = door
        .land_supplies()
        .await?
        .iter()
        .filter(|s| s.county == county)
        .map(|s| {
            vec![
                esc(&s.id),
                esc(&s.recorded_on),
                esc(&s.zone),
                esc(&s.land_use),
                esc(&area_text(s.area_m2)),
                match s.backing.as_str() {
                    "surplus_quota" => lang.t(k::SURPLUS_QUOTA),
                    "annual_plan" => lang.t(k::ANNUAL_PLAN_QUOTA),
                    other => format!("<code>{}</code>", esc(other)),
                },
                s.ledger_seq.map(entry_link).unwrap_or_default(),
            ]
        })
        .collect();
    let adjustments: Vec<Vec<String>> = door
        .adjustments()
        .await?
        .iter()
        .filter(|a| a.county == county)
        .map(|a| {
            vec![
                esc(&a.id),
                esc(&a.applied_on),
                esc(&a.year.to_string()),
                esc(&a.reason),
            ]
        })
        .collect();
    let supplies = if supplies.is_empty() {
        none(lang)
    } else {
        table_in(
            lang,
            &[
                k::ID_2,
                k::DATE_2,
                k::ZONE,
                k::LAND_USE,
                k::AREA,
                k::BACKING,
                k::ENTRY_2,
            ],
            &supplies,
        )
    };
    let adjustments = if adjustments.is_empty() {
        none(lang)
    } else {
        table_in(
            lang,
            &[k::ID_2, k::DATE_2, k::YEAR, k::REASON],
            &adjustments,
        )
    };
    Ok(
        section("land-supplies", lang.t(k::LAND_SUPPLIES), &supplies)
            + &section(
                "adjustments",
                lang.t(k::ADJUSTMENT_APPLICATIONS),
                &adjustments,
            ),
    )
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/entries/{seq}

fn operation_details(lang: Lang, entry: &Entry) -> String {
    // The operation's own fields (project, division, listing, buyer, price …) as text.
    let value = serde_json::to_value(&entry.operation).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(fields) = value.as_object() {
        for (name, v) in fields.iter().filter(|(name, _)| *name != "kind") {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let label = crate::names::operation_field(lang, name)
                .map_or_else(|| format!("<code>{}</code>", esc(name)), |n| esc(&n));
            parts.push(format!("{label}: {}", esc(&text)));
        }
    }
    parts.join("<br>")
}

fn entry_body(scope: &Scope, user: &User, detail: &EntryDetail) -> String {
    let lang = user.lang;
    let entry = &detail.entry;
    let name = operation_kind(entry.operation.kind());
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let mut facts = vec![
        row(k::SEQUENCE, format!("#{}", entry.seq)),
        row(k::KIND, lang.t(name)),
        row(k::OPERATION_2, operation_details(lang, entry)),
        row(
            k::EFFECTIVE_2,
            esc(&entry.meta.effective.format("%Y-%m-%d").to_string()),
        ),
        row(
            k::RECORDED,
            esc(&crate::html::local_time(&entry.meta.recorded_at)),
        ),
        row(k::ACTOR_2, esc(&entry.meta.actor)),
        row(k::REASON, esc(&entry.meta.reason)),
    ];
    if let Some(fen) = entry.money_fen {
        facts.push(row(
            k::MONEY,
            format!("{} 元", esc(&guagou_domain::units::Fen(fen).yuan_text())),
        ));
    }
    let legs: Vec<Vec<String>> = entry
        .legs
        .iter()
        .map(|leg| {
            let (kzh, ken) = account_kind(&leg.account);
            let [m2, ha, mu] = area_cells(leg.amount_m2);
            vec![
                account_link(lang, scope, &leg.account),
                lang.pair(&kzh, &ken),
                format!("<span class=\"m2\">{}</span>", esc(&m2)),
                ha,
                mu,
            ]
        })
        .collect();
    let created = if entry.lots_created.is_empty() {
        none(lang)
    } else {
        table_in(
            lang,
            LOT_HEADERS,
            &lot_rows(lang, scope, &entry.lots_created),
        )
    };
    let consumed_lots: Vec<Lot> = detail.lots_consumed.iter().map(|l| l.lot.clone()).collect();
    let consumed = if consumed_lots.is_empty() {
        none(lang)
    } else {
        table_in(lang, LOT_HEADERS, &lot_rows(lang, scope, &consumed_lots))
    };
    let verified = if detail.hash_verified {
        format!("<span class=\"ok\">{}</span>", lang.t(k::HASH_VERIFIED))
    } else {
        format!(
            "<span class=\"fail\">{}</span>",
            lang.t(k::HASH_DOES_NOT_MATCH_THE_CONTENT)
        )
    };
    // The neighbouring entries are usually another county's: a county user moves through
    // its accounts' histories instead of dead links.
    let sees_all = user.actor.level != Level::County || user.actor.department.reads_everything();
    let neighbours = {
        let mut links = String::new();
        if sees_all && entry.seq > 1 {
            let _ = write!(
                links,
                "<a href=\"/ledger/entries/{}\">{}</a> ",
                entry.seq - 1,
                lang.t(k::PREVIOUS)
            );
        }
        if sees_all && entry.seq < detail.head_seq {
            let _ = write!(
                links,
                "<a href=\"/ledger/entries/{}\">{}</a>",
                entry.seq + 1,
                lang.t(k::NEXT)
            );
        }
        links
    };
    format!(
        "{facts}{legs}{created}{consumed}{hashes}<p>{neighbours}</p>",
        facts = table_in(lang, &[k::FIELD_2, k::VALUE_2], &facts),
        legs = section(
            "legs",
            lang.t(k::LEGS),
            &table_in(
                lang,
                &[k::ACCOUNT_2, k::KIND, k::AMOUNT_M, k::HA, k::MU],
                &legs
            )
        ),
        created = section("lots-created", lang.t(k::LOTS_CREATED), &created),
        consumed = section("lots-consumed", lang.t(k::LOTS_CONSUMED), &consumed),
        hashes = section(
            "hashes",
            lang.t(k::HASH_CHAIN),
            &format!(
                "<p>{prev_label} <code id=\"prev-hash\">{prev}</code></p>\
                 <p>{hash_label} <code id=\"hash\">{hash}</code></p><p>{verified}</p>",
                prev_label = lang.t(k::PREVIOUS_HASH_2),
                prev = esc(&entry.prev_hash),
                hash_label = lang.t(k::HASH_2),
                hash = esc(&entry.hash),
            )
        ),
    )
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
    let mut body = entry_body(&scope, &user, &detail);
    // A correcting entry (冲正) is the city's or province's decision; nothing is edited.
    if user.is_land_writer() && above_county(&user) && detail.entry.operation.kind() != "reverse" {
        let back = format!("/ledger/entries/{}", detail.entry.seq);
        let mut form = form_open(&user, "/ledger/operations", "form-reverse", &back)?;
        form.push_str(&hidden("kind", "reverse"));
        form.push_str(&hidden("seq", &detail.entry.seq.to_string()));
        form.push_str(&form_close(lang, user.today, k::REVERSE));
        body.push_str(&section(
            "reverse",
            lang.t(k::REVERSE_POST_A_CORRECTING_ENTRY),
            &form,
        ));
    }
    body.push_str(&chain_status(&state, lang).await?);
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

fn lineage_rows(lang: Lang, scope: &Scope, lineage: &[LotRecord]) -> Vec<Vec<String>> {
    let lots: Vec<Lot> = lineage.iter().map(|l| l.lot.clone()).collect();
    lot_rows(lang, scope, &lots)
        .into_iter()
        .zip(lineage)
        .map(|(mut row, record)| {
            row.push(record.consumed_by.map(entry_link).unwrap_or_default());
            row
        })
        .collect()
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
    let mut headers = LOT_HEADERS.to_vec();
    headers.push(k::CONSUMED_BY);
    let body = format!(
        "<p>{}</p>{}",
        lang.t(k::THIS_LOT_AND_WHERE_IT_CAME),
        table_in(lang, &headers, &lineage_rows(lang, &scope, &lineage)),
    );
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

/// Handles GET /ledger/projects/{code}: the project's ledger panel on a page of its own (the
/// advance form lives here).
pub async fn project_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    let panel = super::panels::project_ledger(&state, &user, &project).await?;
    let body = format!(
        "<p><a href=\"/projects/{}\">{}</a></p>{panel}",
        esc(&segment(&project.code)),
        user.lang.t(k::BACK_TO_THE_PROJECT),
    );
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
