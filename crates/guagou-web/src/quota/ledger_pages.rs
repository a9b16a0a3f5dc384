//! The ledger pages: accounts by county, one account (open lots, history, the operations a
//! user does on it), one entry (legs, lots, hashes), one lot's lineage, a project's ledger, and
//! the form posts of ledger operations, land supplies and adjustments.
//!
//! Forms carry the session's CSRF token and a fresh random idempotency key per render, so a
//! double submit posts once. A refusal answers with its status and shows the bilingual message
//! with the error code and the refusing rule ID.

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
    (
        problem.status,
        Html(page("操作未完成", "Not done", Some(user), &body)),
    )
        .into_response()
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
        confirm = user.lang.one(
            "确认记账？记入台账后不能修改，只能冲正。",
            "Post to the ledger? A posted entry cannot be edited, only reversed."
        ),
        csrf = esc(&user.csrf),
        key = random_hex(16)?,
        back = esc(back),
    ))
}

/// The as-of date (today in Asia/Shanghai by default), the reason and the button.
pub(crate) fn form_close(
    lang: Lang,
    today: chrono::NaiveDate,
    button_zh: &str,
    button_en: &str,
) -> String {
    format!(
        "<label>{as_of} <input type=\"date\" name=\"as_of\" value=\"{today}\" max=\"{today}\" required></label> \
         <label>{reason} <input name=\"reason\" required></label> \
         <button>{button}</button></form>",
        as_of = lang.t("生效日期", "As of"),
        today = today.format("%Y-%m-%d"),
        reason = lang.t("理由", "Reason"),
        button = lang.t(button_zh, button_en),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

fn input(lang: Lang, zh: &str, en: &str, name: &str, kind: &str, extra: &str) -> String {
    format!(
        "<label>{} <input name=\"{}\" type=\"{}\" {extra}></label> ",
        lang.t(zh, en),
        esc(name),
        esc(kind)
    )
}

fn amount_input(lang: Lang, name: &str) -> String {
    input(
        lang,
        "面积 m²",
        "Area m²",
        name,
        "text",
        "inputmode=\"decimal\" required",
    )
}

fn land_use_select(lang: Lang) -> String {
    let mut out = format!(
        "<label>{} <select name=\"land_use\">",
        lang.t("用地类型", "Land use")
    );
    for (value, zh, en) in LandUseInput::ALL {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            value.name(),
            lang.one(zh, en)
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
        lang.t("台账链头", "Journal head"),
        lang.t("哈希", "hash"),
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
            lang.t(&a.kind_zh, &a.kind_en),
            format!(
                "<span class=\"m2\" data-account=\"{}\">{m2}</span>",
                esc(&a.account)
            ),
            ha,
            mu,
        ]);
    }
    let headers = [
        ("账户", "Account"),
        ("类型", "Kind"),
        ("余额 m²", "Balance m²"),
        ("公顷", "ha"),
        ("亩", "mu"),
    ];
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
            lang.t(
                "本县指标操作（预留、挂牌、供地、调整）",
                "Quota operations of my county (reserve, list, supply land, adjust)"
            )
        );
    }
    body.push_str(&own);
    if groups.is_empty() {
        body.push_str(&none(lang));
    }
    for (county, rows) in &groups {
        let title = match county {
            Some(code) => esc(&division_label(&scope, code)),
            None => lang.t("省级", "Province"),
        };
        let id = format!("county-{}", county.as_deref().unwrap_or("province"));
        body.push_str(&section(&id, title, &table_in(lang, &headers, rows)));
    }
    body.push_str(&listings_section(&scope, &user, &listings));
    if user.is_land_writer() && above_county(&user) {
        body.push_str(&grant_form(&user)?);
    }
    let _ = write!(
        body,
        "<p><a href=\"/supervision\">{}</a></p>",
        lang.t(
            "监管：逾期、扫描与制裁",
            "Supervision: overdue items, scans and sanctions"
        )
    );
    Ok(Html(page("指标台账", "Quota ledger", Some(&user), &body)))
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
        table_in(
            lang,
            &[
                ("公告", "Listing"),
                ("转让方", "Seller"),
                ("挂牌面积", "Amount listed"),
            ],
            &rows,
        )
    };
    section(
        "listings",
        lang.t("市场公告（挂牌中）", "Open listings"),
        &table,
    )
}

fn grant_form(user: &User) -> Result<String, WebError> {
    let lang = user.lang;
    let mut form = form_open(user, "/ledger/operations", "form-grant", "/ledger")?;
    form.push_str(&hidden("kind", "grant_annual_plan"));
    form.push_str(&input(
        lang,
        "县",
        "County",
        "county",
        "text",
        "pattern=\"[0-9]{6}\" required",
    ));
    form.push_str(&input(lang, "年度", "Year", "year", "number", "required"));
    form.push_str(&amount_input(lang, "amount_m2"));
    form.push_str(&form_close(lang, user.today, "下达", "Grant"));
    Ok(section(
        "grant",
        lang.t("下达年度计划指标", "Grant annual plan quota"),
        &form,
    ))
}

// ---------------------------------------------------------------------------------------------
// GET /ledger/accounts/{key}

fn history_query(
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<HistoryQuery, WebError> {
    query.map(|q| q.0).map_err(|_| {
        WebError::invalid(
            "before",
            "翻页参数应为正整数",
            "paging parameters should be whole numbers",
        )
    })
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
                        lang.one(
                            "预支指标：验收确认前只能本地使用",
                            "advanced quota: local use only until acceptance confirms it"
                        ),
                        lang.one("预支", "advanced")
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

pub(crate) const LOT_HEADERS: &[(&str, &str)] = &[
    ("指标块", "Lot"),
    ("序号段", "Serials"),
    ("来源项目", "Producing project"),
    ("面积", "Amount"),
    ("持有账户", "Holder"),
    ("母块", "Parent"),
    ("产生条目", "Created by"),
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
            let (zh, en) = operation_kind(&h.kind);
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
                lang.t(zh, en),
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
            ("条目", "Entry"),
            ("日期", "Date"),
            ("类型", "Kind"),
            ("变动 m²", "Change m²"),
            ("对方账户", "Counter-account"),
            ("经办", "Actor"),
            ("理由", "Reason"),
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
        kind = lang.t(&detail.account.kind_zh, &detail.account.kind_en),
        owner = esc(&owner),
        label = lang.t("余额", "Balance"),
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
        body.push_str(&section(
            "lots",
            lang.t("未消耗的指标块", "Open lots"),
            &lots,
        ));
    }
    let mut pager = String::new();
    if query.before.is_some() {
        let _ = write!(
            pager,
            "<a href=\"{}\">{}</a> ",
            esc(&url),
            lang.t("最新", "Newest")
        );
    }
    if let Some(before) = detail.older_before {
        let _ = write!(
            pager,
            "<a id=\"older\" href=\"{}?before={before}\">{}</a>",
            esc(&url),
            lang.t("更早", "Older")
        );
    }
    body.push_str(&section(
        "history",
        lang.t(
            &format!("流水（共 {} 条，新的在前）", detail.entries_total),
            &format!("History ({} entries, newest first)", detail.entries_total),
        ),
        &format!("{}<p>{pager}</p>", history_table(&scope, &user, &detail)),
    ));
    body.push_str(&account_forms(&state, &scope, &user, account).await?);
    body.push_str(&chain_status(&state, lang).await?);
    // The title names the account: its owner by name and its kind.
    Ok(Html(page(
        &super::access::account_name(Lang::Zh, &scope, account),
        &super::access::account_name(Lang::En, &scope, account),
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
            reserve.push_str(&input(
                lang, "用途", "Purpose", "purpose", "text", "required",
            ));
            reserve.push_str(&form_close(lang, user.today, "预留", "Reserve"));
            out.push_str(&section(
                "reserve",
                lang.t("预留本地需求（二(三)）", "Reserve for local needs (二(三))"),
                &reserve,
            ));

            let mut list = form_open(user, "/ledger/operations", "form-list", &back)?;
            list.push_str(&hidden("kind", "list"));
            list.push_str(&hidden("division", code));
            list.push_str(&input(
                lang,
                "公告编号",
                "Listing ID",
                "listing",
                "text",
                "required",
            ));
            list.push_str(&amount_input(lang, "amount_m2"));
            list.push_str(&form_close(lang, user.today, "挂牌", "List"));
            out.push_str(&section(
                "list",
                lang.t(
                    "挂牌公告（预留以外的指标）",
                    "List for transfer (what is not reserved)",
                ),
                &list,
            ));

            out.push_str(&land_supply_form(user, code, &back)?);

            let mut use_form = form_open(user, "/ledger/operations", "form-use", &back)?;
            use_form.push_str(&hidden("kind", "use"));
            use_form.push_str(&hidden("division", code));
            use_form.push_str(&input(
                lang,
                "建新区",
                "Construction zone",
                "zone",
                "text",
                "required",
            ));
            use_form.push_str(&land_use_select(lang));
            use_form.push_str(&amount_input(lang, "amount_m2"));
            use_form.push_str(&form_close(lang, user.today, "使用", "Use"));
            out.push_str(&section(
                "use",
                lang.t("建新区使用指标", "Use against a construction zone"),
                &use_form,
            ));

            if user.actor.level == Level::County && division.level() == DivisionLevel::County {
                let mut adjust = form_open(user, "/ledger/adjustments", "form-adjustment", &back)?;
                adjust.push_str(&hidden("county", code));
                adjust.push_str(&form_close(
                    lang,
                    user.today,
                    "申请规划调整",
                    "Apply for an adjustment",
                ));
                out.push_str(&section(
                    "adjustment",
                    lang.t(
                        "流转后规划调整申请（每县每年一次，二(七)）",
                        "Planning adjustment after a transfer (once a year per county, 二(七))",
                    ),
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
            release.push_str(&form_close(lang, user.today, "解除预留", "Release"));
            out.push_str(&section(
                "release",
                lang.t("解除预留", "Release a reservation"),
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
            withdraw.push_str(&form_close(lang, user.today, "撤牌", "Withdraw"));
            out.push_str(&section("withdraw", lang.t("撤牌", "Withdraw"), &withdraw));

            let mut transfer = form_open(user, "/ledger/operations", "form-transfer", &back)?;
            transfer.push_str(&hidden("kind", "transfer"));
            transfer.push_str(&hidden("listing", listing));
            transfer.push_str(&input(
                lang,
                "受让方（本省市、县代码）",
                "Buyer (a city or county of the province)",
                "buyer",
                "text",
                "pattern=\"[0-9]{6}\" required",
            ));
            transfer.push_str(&amount_input(lang, "amount_m2"));
            transfer.push_str(&input(
                lang,
                "成交价（元/亩，不低于省指导价）",
                "Price (yuan per mu, at least the guide price)",
                "price_yuan_per_mu",
                "text",
                "inputmode=\"decimal\" required",
            ));
            transfer.push_str(&form_close(
                lang,
                user.today,
                "结算流转",
                "Settle the transfer",
            ));
            out.push_str(&section(
                "transfer",
                lang.t("流转结算（二(三)）", "Settle a transfer (二(三))"),
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
    form.push_str(&input(
        lang,
        "供地编号",
        "Supply ID",
        "id",
        "text",
        "required",
    ));
    form.push_str(&input(
        lang,
        "地块",
        "Parcel / zone",
        "zone",
        "text",
        "required",
    ));
    form.push_str(&land_use_select(lang));
    form.push_str(&amount_input(lang, "area_m2"));
    let _ = write!(
        form,
        "<label>{} <select name=\"backing\"><option value=\"surplus_quota\">{}</option>\
         <option value=\"annual_plan\">{}</option></select></label> ",
        lang.t("指标来源", "Backed by"),
        lang.one("节余指标", "surplus quota"),
        lang.one("年度计划指标", "annual plan quota"),
    );
    form.push_str(&form_close(
        lang,
        user.today,
        "登记供地",
        "Record the supply",
    ));
    Ok(section(
        "land-supply",
        lang.t(
            "供地登记（经营性用地须使用节余指标，二(五)）",
            "Land supply (operational land must use surplus quota, 二(五))",
        ),
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
                    "surplus_quota" => lang.one("节余指标", "surplus quota"),
                    "annual_plan" => lang.one("年度计划指标", "annual plan quota"),
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
                ("编号", "ID"),
                ("日期", "Date"),
                ("地块", "Zone"),
                ("用地类型", "Land use"),
                ("面积", "Area"),
                ("指标来源", "Backing"),
                ("条目", "Entry"),
            ],
            &supplies,
        )
    };
    let adjustments = if adjustments.is_empty() {
        none(lang)
    } else {
        table_in(
            lang,
            &[
                ("编号", "ID"),
                ("日期", "Date"),
                ("年度", "Year"),
                ("理由", "Reason"),
            ],
            &adjustments,
        )
    };
    Ok(section(
        "land-supplies",
        lang.t("供地记录", "Land supplies"),
        &supplies,
    ) + &section(
        "adjustments",
        lang.t("规划调整申请", "Adjustment applications"),
        &adjustments,
    ))
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
    let (zh, en) = operation_kind(entry.operation.kind());
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
    let mut facts = vec![
        row("序号", "Sequence", format!("#{}", entry.seq)),
        row("类型", "Kind", lang.t(zh, en)),
        row("操作内容", "Operation", operation_details(lang, entry)),
        row(
            "生效日期",
            "Effective",
            esc(&entry.meta.effective.format("%Y-%m-%d").to_string()),
        ),
        row(
            "记录时间",
            "Recorded",
            esc(&crate::html::local_time(&entry.meta.recorded_at)),
        ),
        row("经办", "Actor", esc(&entry.meta.actor)),
        row("理由", "Reason", esc(&entry.meta.reason)),
    ];
    if let Some(fen) = entry.money_fen {
        facts.push(row(
            "成交金额",
            "Money",
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
                lang.t(&kzh, &ken),
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
        format!(
            "<span class=\"ok\">{}</span>",
            lang.t("哈希校验一致", "hash verified")
        )
    } else {
        format!(
            "<span class=\"fail\">{}</span>",
            lang.t("哈希与内容不符", "hash does not match the content")
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
                lang.t("上一条", "Previous")
            );
        }
        if sees_all && entry.seq < detail.head_seq {
            let _ = write!(
                links,
                "<a href=\"/ledger/entries/{}\">{}</a>",
                entry.seq + 1,
                lang.t("下一条", "Next")
            );
        }
        links
    };
    format!(
        "{facts}{legs}{created}{consumed}{hashes}<p>{neighbours}</p>",
        facts = table_in(lang, &[("字段", "Field"), ("值", "Value")], &facts),
        legs = section(
            "legs",
            lang.t("分录", "Legs"),
            &table_in(
                lang,
                &[
                    ("账户", "Account"),
                    ("类型", "Kind"),
                    ("金额 m²", "Amount m²"),
                    ("公顷", "ha"),
                    ("亩", "mu")
                ],
                &legs
            )
        ),
        created = section(
            "lots-created",
            lang.t("新建指标块", "Lots created"),
            &created
        ),
        consumed = section(
            "lots-consumed",
            lang.t("消耗指标块", "Lots consumed"),
            &consumed
        ),
        hashes = section(
            "hashes",
            lang.t("哈希链", "Hash chain"),
            &format!(
                "<p>{prev_label} <code id=\"prev-hash\">{prev}</code></p>\
                 <p>{hash_label} <code id=\"hash\">{hash}</code></p><p>{verified}</p>",
                prev_label = lang.t("前一哈希", "Previous hash"),
                prev = esc(&entry.prev_hash),
                hash_label = lang.t("本条哈希", "Hash"),
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
        form.push_str(&form_close(lang, user.today, "冲正", "Reverse"));
        body.push_str(&section(
            "reverse",
            lang.t(
                "冲正（记一笔相反的条目）",
                "Reverse (post a correcting entry)",
            ),
            &form,
        ));
    }
    body.push_str(&chain_status(&state, lang).await?);
    let seq = detail.entry.seq;
    Ok(Html(page(
        &format!("台账条目 #{seq}"),
        &format!("Journal entry #{seq}"),
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
    headers.push(("消耗条目", "Consumed by"));
    let body = format!(
        "<p>{}</p>{}",
        lang.t(
            "本指标块及其来源（从本块到最初产生的指标块）",
            "This lot and where it came from (from this lot back to the minted lot)"
        ),
        table_in(lang, &headers, &lineage_rows(lang, &scope, &lineage)),
    );
    let serial = lineage
        .first()
        .map(|l| l.serial.clone())
        .unwrap_or_default();
    Ok(Html(page(
        &format!("指标块 {serial}"),
        &format!("Lot {serial}"),
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
        user.lang.t("返回项目", "Back to the project"),
    );
    Ok(Html(page(
        &format!("{} 指标台账", project.name),
        &format!("Ledger of {}", project.code),
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
        WebError::invalid(
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
            return Err(WebError::invalid(
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
            "表单缺少有效的防重复提交键，请刷新页面后重试",
            "the form has no valid idempotency key; reload and try again",
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
