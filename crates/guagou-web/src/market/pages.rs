//! The market pages: `/market` (open listings for everyone signed in, the user's own listings
//! with their offers, the publish and expiry forms), one listing (offers, the offer form, the
//! accept-offer form with its payment schedule, withdraw), one agreement (schedule, payments,
//! settle, record payment, cancel), the JSON exports (`….json`) and the agreement PDF
//! (`….pdf`). Every form carries the session's CSRF token; a refusal answers with its status
//! and shows the bilingual message, the error code and the refusing rule.

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::lifecycle::Level;
use guagou_domain::market::{AgreementState, ListingState, OfferState};
use guagou_domain::units::{Fen, SquareMetres};
use guagou_registry::market::{Agreement, MarketListing};
use serde::Deserialize;

use super::document;
use super::read;
use super::write::{
    self, AgreementBody, ExpireBody, InstalmentBody, ListingBody, OfferBody, PaymentBody,
    ReasonBody, SettleBody,
};
use crate::AppState;
use crate::auth::{PageUser, User, random_hex};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, esc, page, table_in};

fn area(m2: i64) -> String {
    let a = SquareMetres(m2);
    format!("{} m² ({} 亩)", crate::lists::thousands(m2), a.mu_text())
}

fn price(fen_per_mu: i64) -> String {
    format!("{} 元/亩", Fen(fen_per_mu).yuan_text())
}

fn money(fen: i64) -> String {
    format!("{} 元", Fen(fen).yuan_text())
}

/// Whether the user may write market records at all (land bureau of a county or the city).
fn trader(user: &User) -> bool {
    user.is_land_writer() && user.actor.level != Level::Province
}

/// A division by name (names, not codes); its code when the name is unknown.
fn name(names: &BTreeMap<String, String>, code: &str) -> String {
    match names.get(code) {
        Some(n) => n.clone(),
        None => code.to_owned(),
    }
}

fn listing_link(id: &str) -> String {
    format!(
        "<a href=\"/market/listings/{id}\">{text}</a>",
        id = esc(id),
        text = esc(id)
    )
}

fn agreement_link(id: &str) -> String {
    format!(
        "<a href=\"/market/agreements/{id}\">{text}</a>",
        id = esc(id),
        text = esc(id)
    )
}

fn listing_state(lang: Lang, s: ListingState) -> String {
    lang.t(crate::names::listing_state(s))
}

/// A refused write: its status and the bilingual message with the code and the rule.
fn refusal(user: &User, error: WebError, back: &str) -> Response {
    let problem = error.problem();
    let body = crate::html::refusal_html(user.lang, &problem, back);
    (problem.status, Html(page(k::NOT_DONE, Some(user), &body))).into_response()
}

/// Opens a write form with the CSRF token and a fresh random idempotency key (`key`), so a
/// double submit of the same rendered form posts once (SPEC §8). Should the system's random
/// source fail, the key is left empty and the registry refuses the post (no double write).
/// What a market step will do, asked before it is taken (data-confirm).
fn confirmation(id: &str) -> Key {
    match id.split('-').next().unwrap_or_default() {
        "publish" => k::PUBLISH_THE_LISTING_THE_QUOTA_IS,
        "withdraw" => k::WITHDRAW_THE_LISTING,
        "offer" => k::SUBMIT_THE_OFFER,
        "accept" => k::SIGN_THE_AGREEMENT_ITS_AMOUNT_PRICE,
        "settle" => k::SETTLE_THE_QUOTA_MOVES_TO_THE,
        "payment" => k::RECORD_THIS_PAYMENT,
        "cancel" => k::CANCEL_THE_AGREEMENT_THE_QUOTA_RETURNS,
        _ => k::SUBMIT_2,
    }
}

fn form_open(user: &User, action: &str, id: &str) -> String {
    let confirm = confirmation(id);
    format!(
        "<form method=\"post\" action=\"{action}\" class=\"action\" id=\"{id}\" data-confirm=\"{confirm}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"key\" value=\"{key}\">",
        action = esc(action),
        id = esc(id),
        confirm = user.lang.t(confirm),
        csrf = esc(&user.csrf),
        key = random_hex(16).unwrap_or_default(),
    )
}

fn field(lang: Lang, label: Key, name: &str, kind: &str, value: &str) -> String {
    // The date of a write (today by default) offers no later day (SPEC §3).
    let max = if kind == "date" && matches!(name, "as_of" | "paid_on") {
        format!(" max=\"{}\"", esc(value))
    } else {
        String::new()
    };
    format!(
        "<label>{} <input name=\"{}\" type=\"{}\" value=\"{}\"{max} required></label> ",
        lang.t(label),
        esc(name),
        esc(kind),
        esc(value)
    )
}

fn button(lang: Lang, label: Key) -> String {
    format!("<button>{}</button></form>", lang.t(label))
}

fn section(id: &str, title: String, body: &str) -> String {
    format!("<section id=\"{id}\"><h2>{title}</h2>{body}</section>")
}

fn none(lang: Lang) -> String {
    format!("<p class=\"none\">{}</p>", lang.t(k::NONE))
}

// ---------------------------------------------------------------------------------------------
// GET /market

/// Handles GET /market
pub async fn market_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::extract::Query(query): axum::extract::Query<crate::lists::ListQuery>,
) -> Result<Response, PageError> {
    let registry = &state.registry;
    let lang = user.lang;
    let names = user.door(registry).division_names().await?;
    let all = user.door(registry).market_listings(None).await?;
    let spec = super::list::spec(&all, &names);
    let rows = crate::lists::apply(
        &query,
        all.iter()
            .map(|l| super::list::row(lang, l, &names))
            .collect(),
        super::list::columns(),
    );
    if query.wants_xlsx() {
        return Ok(crate::lists::xlsx(lang, &spec, &rows));
    }
    let mut body = format!(
        "<p><a href=\"/market/agreements\" id=\"agreements-link\">{}</a></p>",
        lang.t(k::AGREEMENTS_OF_MY_JURISDICTION_SIGNED_PAID)
    );
    body += &section(
        "all-listings",
        lang.t(k::LISTINGS_MARKET_DATA),
        &crate::lists::render(lang, &spec, &query, &rows),
    );
    body.push_str(&own_listings(&state, &user, &all, &names).await?);
    if trader(&user) {
        body.push_str(&publish_form(&user, guide_fen(&state, &user).await?));
        body.push_str(&section(
            "expire",
            lang.t(k::EXPIRE_LISTINGS),
            &format!(
                "<p class=\"en\">{}</p>{}{}{}",
                lang.t(k::LISTINGS_OF_THE_JURISDICTION_PAST_THEIR),
                form_open(&user, "/market/expire", "expire-form"),
                field(lang, k::AS_OF, "as_of", "date", &user.today.to_string()),
                button(lang, k::RUN),
            ),
        ));
    }
    Ok(Html(page(k::TRANSFER_MARKET, Some(&user), &body)).into_response())
}

/// Handles GET /market/agreements: the agreements the user reads (its jurisdiction sells or
/// buys), searchable, filtered by seller, state and date of signing, sorted, paged, exported.
pub async fn agreements_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::extract::Query(query): axum::extract::Query<crate::lists::ListQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let door = user.door(&state.registry);
    let names = door.division_names().await?;
    let agreements = door.agreements().await?;
    let spec = super::list::agreement_spec(&agreements, &names);
    let rows = crate::lists::apply(
        &query,
        agreements
            .iter()
            .map(|a| super::list::agreement_row(lang, a, &names))
            .collect(),
        super::list::agreement_columns(),
    );
    if query.wants_xlsx() {
        return Ok(crate::lists::xlsx(lang, &spec, &rows));
    }
    let body = format!(
        "<p><a href=\"/market\">{}</a></p>{}",
        lang.t(k::BACK_TO_THE_MARKET),
        crate::lists::render(lang, &spec, &query, &rows)
    );
    Ok(Html(page(k::AGREEMENTS_2, Some(&user), &body)).into_response())
}

/// The listings the user's jurisdiction sells, each with the offers received.
async fn own_listings(
    state: &AppState,
    user: &User,
    all: &[MarketListing],
    names: &BTreeMap<String, String>,
) -> Result<String, WebError> {
    let lang = user.lang;
    let mut out = String::new();
    for l in all.iter().filter(|l| user.reads(&l.seller)) {
        let detail = read::listing(&state.registry, user, &l.id).await?;
        let offers: Vec<Vec<String>> = detail
            .offers
            .iter()
            .map(|o| {
                vec![
                    esc(&o.id),
                    esc(&name(names, &o.buyer)),
                    esc(&area(o.amount_m2)),
                    esc(&price(o.price_fen_per_mu)),
                    esc(&o.offered_on),
                    lang.t(crate::names::offer_state(o.state)),
                ]
            })
            .collect();
        let _ = write!(
            out,
            "<h3>{link} · {seller} · {amount} · {state}</h3>{offers}",
            link = listing_link(&l.id),
            seller = esc(&name(names, &l.seller)),
            amount = esc(&area(l.amount_m2)),
            state = listing_state(lang, l.state),
            offers = if offers.is_empty() {
                none(lang)
            } else {
                table_in(
                    lang,
                    &[
                        k::OFFER,
                        k::BUYER,
                        k::AMOUNT_3,
                        k::PRICE_2,
                        k::DATE_2,
                        k::STATE,
                    ],
                    &offers,
                )
            },
        );
    }
    if out.is_empty() {
        out = none(lang);
    }
    Ok(section(
        "own-listings",
        lang.t(k::LISTINGS_OF_MY_JURISDICTION_WITH_OFFERS),
        &out,
    ))
}

/// The guide price in force today (the profile's and the recorded ones), 0 when none is.
async fn guide_fen(state: &AppState, user: &User) -> Result<i64, WebError> {
    Ok(user
        .door(&state.registry)
        .guide_price_on(user.today)
        .await?
        .and_then(|g| g.fen_per_mu())
        .map_or(0, |f| f.0))
}

fn publish_form(user: &User, guide_fen: i64) -> String {
    let lang = user.lang;
    let guide = Fen(guide_fen).yuan_text();
    section(
        "publish",
        lang.t(k::PUBLISH_A_LISTING_FROM_MY_HOLDING),
        &format!(
            "{open}{amount}{price}{opens}{closes}{contact}{as_of}{button}\
             <p class=\"en\">{note}</p>",
            open = form_open(user, "/market/listings", "publish-form"),
            amount = field(lang, k::AMOUNT_M_2, "amount_m2", "text", ""),
            price = field(
                lang,
                k::RESERVE_PRICE_YUAN_MU,
                "reserve_price_yuan_per_mu",
                "text",
                &guide
            ),
            opens = field(lang, k::OPENS, "opens_on", "date", &user.today.to_string()),
            closes = field(lang, k::CLOSES, "closes_on", "date", ""),
            contact = field(lang, k::CONTACT, "contact", "text", ""),
            as_of = field(
                lang,
                k::PUBLISHED_ON,
                "as_of",
                "date",
                &user.today.to_string()
            ),
            button = button(lang, k::PUBLISH),
            note = lang.t(k::THE_RESERVE_PRICE_MUST_BE_AT),
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// GET /market/listings/{id}[.json]

/// Handles GET /market/listings/{id} (HTML) and /market/listings/{id}.json (export)
pub async fn listing_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(id) = id.strip_suffix(".json") {
        let export = read::listing_export(&state.registry, &user, id).await?;
        return Ok(Json(export).into_response());
    }
    if let Some(id) = id.strip_suffix(".pdf") {
        let export = read::listing_export(&state.registry, &user, id).await?;
        let file = format!("listing-{}.pdf", export.listing.id);
        return pdf_response(document::listing_pdf(&export), &file);
    }
    let registry = &state.registry;
    let lang = user.lang;
    let names = user.door(registry).division_names().await?;
    let detail = read::listing(registry, &user, &id).await?;
    let l = &detail.listing;
    let seller_side = read::is_seller_side(registry, &user, l);
    let facts = table_in(
        lang,
        &[k::ITEM_2, k::VALUE_2],
        &[
            vec![lang.t(k::LISTING), esc(&l.id)],
            vec![lang.t(k::SELLER), esc(&name(&names, &l.seller))],
            vec![lang.t(k::AMOUNT_2), esc(&area(l.amount_m2))],
            vec![
                lang.t(k::RESERVE_PRICE),
                esc(&price(l.reserve_price_fen_per_mu)),
            ],
            vec![
                lang.t(k::PERIOD),
                esc(&format!("{} — {}", l.opens_on, l.closes_on)),
            ],
            vec![lang.t(k::CONTACT), esc(&l.contact)],
            vec![
                lang.t(k::STATE),
                format!(
                    "<span id=\"listing-state\">{}</span>",
                    listing_state(lang, l.state)
                ),
            ],
            vec![
                lang.t(k::PUBLISHED),
                esc(&format!("{} · {}", l.published_on, l.published_by)),
            ],
            vec![
                lang.t(k::ESCROW_BALANCE),
                format!(
                    "<span id=\"listed-balance\">{}</span>",
                    esc(&area(detail.listed_balance_m2))
                ),
            ],
            vec![
                lang.t(k::CLOSED),
                esc(&format!(
                    "{} {}",
                    l.closed_on.clone().unwrap_or_default(),
                    l.close_reason.clone().unwrap_or_default()
                )),
            ],
        ],
    );
    // The escrow account is the seller's (and the levels above it) to open; a buyer reads the
    // listing here.
    let ledger_link = if seller_side {
        format!(
            " · <a href=\"/ledger/accounts/listed:{id}\">{}</a>",
            lang.t(k::LEDGER_ACCOUNT),
            id = esc(&l.id),
        )
    } else {
        String::new()
    };
    let mut body = format!(
        "{facts}<p><a href=\"/market/listings/{id}.json\">JSON</a> · <a id=\"listing-pdf\" href=\"/market/listings/{id}.pdf\">PDF</a>{ledger_link}</p>",
        id = esc(&l.id),
    );
    body.push_str(&offers_section(&user, &detail, &names, seller_side));
    let agreements: Vec<Vec<String>> = detail
        .agreements
        .iter()
        .map(|a| {
            vec![
                agreement_link(&a.id),
                esc(&name(&names, &a.buyer)),
                esc(&area(a.amount_m2)),
                esc(&price(a.price_fen_per_mu)),
                esc(&a.signed_on),
                lang.pair(a.state.label_zh(), a.state.as_str()),
            ]
        })
        .collect();
    body.push_str(&section(
        "agreements",
        lang.t(k::AGREEMENTS),
        &if agreements.is_empty() {
            none(lang)
        } else {
            table_in(
                lang,
                &[
                    k::AGREEMENT_2,
                    k::BUYER,
                    k::AMOUNT_3,
                    k::PRICE,
                    k::SIGNED,
                    k::STATE,
                ],
                &agreements,
            )
        },
    ));
    if trader(&user) && l.state == ListingState::Open {
        if seller_side {
            body.push_str(&section(
                "withdraw",
                lang.t(k::WITHDRAW),
                &format!(
                    "{}{}{}{}",
                    form_open(
                        &user,
                        &format!("/market/listings/{}/withdraw", l.id),
                        "withdraw-form"
                    ),
                    field(lang, k::REASON, "reason", "text", ""),
                    field(lang, k::AS_OF_3, "as_of", "date", &user.today.to_string()),
                    button(lang, k::WITHDRAW),
                ),
            ));
        } else {
            body.push_str(&section(
                "offer",
                lang.t(k::MAKE_AN_OFFER),
                &format!(
                    "{}{}{}{}{}{}",
                    form_open(
                        &user,
                        &format!("/market/listings/{}/offers", l.id),
                        "offer-form"
                    ),
                    field(
                        lang,
                        k::AMOUNT_M_3,
                        "amount_m2",
                        "text",
                        &l.amount_m2.to_string()
                    ),
                    field(
                        lang,
                        k::PRICE_YUAN_MU,
                        "price_yuan_per_mu",
                        "text",
                        &Fen(l.reserve_price_fen_per_mu).yuan_text()
                    ),
                    field(lang, k::CONTACT, "contact", "text", ""),
                    field(
                        lang,
                        k::OFFER_DATE,
                        "as_of",
                        "date",
                        &user.today.to_string()
                    ),
                    button(lang, k::OFFER_4),
                ),
            ));
        }
    }
    Ok(Html(page(
        (&format!("公告 {}", l.id), &format!("Listing {}", l.id)),
        Some(&user),
        &body,
    ))
    .into_response())
}

fn offers_section(
    user: &User,
    detail: &guagou_registry::market::ListingDetail,
    names: &BTreeMap<String, String>,
    seller_side: bool,
) -> String {
    let lang = user.lang;
    let l = &detail.listing;
    let mut rows = Vec::new();
    for o in &detail.offers {
        let accept = if seller_side
            && trader(user)
            && l.state == ListingState::Open
            && o.state == OfferState::Open
        {
            let total = guagou_domain::market::agreement_total_fen(o.amount_m2, o.price_fen_per_mu)
                .unwrap_or(0);
            format!(
                "{open}<input type=\"hidden\" name=\"offer\" value=\"{offer}\">{amount}{price}\
                 <label>{schedule_label} <textarea name=\"schedule\" rows=\"3\" cols=\"28\" required>{today} {total}</textarea></label> \
                 {signed}{button}",
                open = form_open(
                    user,
                    &format!("/market/listings/{}/agreements", l.id),
                    &format!("accept-{}", o.id)
                ),
                offer = esc(&o.id),
                amount = field(
                    lang,
                    k::AMOUNT_M_4,
                    "amount_m2",
                    "text",
                    &o.amount_m2.to_string()
                ),
                price = field(
                    lang,
                    k::PRICE_YUAN_MU_2,
                    "price_yuan_per_mu",
                    "text",
                    &Fen(o.price_fen_per_mu).yuan_text()
                ),
                schedule_label = lang.t(k::SCHEDULE_ONE_PER_LINE_DATE_AMOUNT),
                today = user.today,
                total = Fen(total).yuan_text(),
                signed = field(lang, k::SIGNED_ON, "as_of", "date", &user.today.to_string()),
                button = button(lang, k::ACCEPT_AND_SIGN),
            )
        } else {
            String::new()
        };
        rows.push(vec![
            esc(&o.id),
            esc(&name(names, &o.buyer)),
            esc(&area(o.amount_m2)),
            esc(&price(o.price_fen_per_mu)),
            esc(&o.contact),
            esc(&o.offered_on),
            lang.t(crate::names::offer_state(o.state)),
            accept,
        ]);
    }
    section(
        "offers",
        lang.t(k::OFFERS),
        &if rows.is_empty() {
            none(lang)
        } else {
            table_in(
                lang,
                &[
                    k::OFFER,
                    k::BUYER,
                    k::AMOUNT_3,
                    k::PRICE_2,
                    k::CONTACT,
                    k::DATE_2,
                    k::STATE,
                    k::ACTIONS,
                ],
                &rows,
            )
        },
    )
}

// ---------------------------------------------------------------------------------------------
// GET /market/agreements/{id}[.json|.pdf]

/// Handles GET /market/agreements/{id}, …/{id}.json (export) and …/{id}.pdf (the agreement)
pub async fn agreement_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(id) = id.strip_suffix(".json") {
        let export = read::agreement_export(&state.registry, &user, id).await?;
        return Ok(Json(export).into_response());
    }
    if let Some(id) = id.strip_suffix(".pdf") {
        return agreement_pdf(&state, &user, id).await;
    }
    let registry = &state.registry;
    let lang = user.lang;
    let names = user.door(registry).division_names().await?;
    let a = read::agreement(registry, &user, &id).await?;
    let facts = table_in(
        lang,
        &[k::ITEM_2, k::VALUE_2],
        &[
            vec![lang.t(k::AGREEMENT), esc(&a.id)],
            vec![lang.t(k::LISTING_2), listing_link(&a.listing)],
            vec![lang.t(k::SELLER), esc(&name(&names, &a.seller))],
            vec![lang.t(k::BUYER), esc(&name(&names, &a.buyer))],
            vec![lang.t(k::AMOUNT_3), esc(&area(a.amount_m2))],
            vec![lang.t(k::PRICE), esc(&price(a.price_fen_per_mu))],
            vec![
                lang.t(k::TOTAL),
                format!("<span id=\"total\">{}</span>", esc(&money(a.total_fen))),
            ],
            vec![
                lang.t(k::SIGNED),
                esc(&format!("{} · {}", a.signed_on, a.signed_by)),
            ],
            vec![
                lang.t(k::STATE),
                format!(
                    "<span id=\"agreement-state\">{}</span>",
                    lang.pair(a.state.label_zh(), a.state.as_str())
                ),
            ],
            vec![
                lang.t(k::SETTLED),
                match (&a.settled_on, a.transfer_seq) {
                    (Some(d), Some(seq)) => {
                        format!("{} · <a href=\"/ledger/entries/{seq}\">#{seq}</a>", esc(d))
                    }
                    _ => String::new(),
                },
            ],
            vec![
                lang.t(k::CANCELLED),
                esc(&format!(
                    "{} {}",
                    a.cancelled_on.clone().unwrap_or_default(),
                    a.cancel_reason.clone().unwrap_or_default()
                )),
            ],
            vec![
                lang.t(k::RECEIVED),
                format!(
                    "<span id=\"received\">{}</span>",
                    esc(&money(a.received_fen))
                ),
            ],
        ],
    );
    let schedule: Vec<Vec<String>> = a
        .schedule
        .iter()
        .map(|i| {
            vec![
                i.number.to_string(),
                esc(&i.due_on),
                esc(&money(i.amount_fen)),
                esc(&money(i.received_fen)),
            ]
        })
        .collect();
    let payments: Vec<Vec<String>> = a
        .payments
        .iter()
        .map(|p| {
            vec![
                p.seq.to_string(),
                p.instalment.to_string(),
                esc(&p.paid_on),
                esc(&money(p.amount_fen)),
                esc(&p.recorded_by),
                esc(&p.note),
            ]
        })
        .collect();
    let mut body = format!(
        "{facts}<p><a href=\"/market/agreements/{id}.json\">JSON</a> · <a href=\"/market/agreements/{id}.pdf\">PDF</a></p>",
        id = esc(&a.id)
    );
    body.push_str(&section(
        "schedule",
        lang.t(k::PAYMENT_SCHEDULE),
        &table_in(
            lang,
            &[k::NO_3, k::DUE, k::AMOUNT_5, k::RECEIVED],
            &schedule,
        ),
    ));
    body.push_str(&section(
        "payments",
        lang.t(k::PAYMENTS_RECEIVED),
        &if payments.is_empty() {
            none(lang)
        } else {
            table_in(
                lang,
                &[
                    k::SERIAL_NUMBER,
                    k::INSTALMENT,
                    k::DATE_2,
                    k::AMOUNT_5,
                    k::BY_3,
                    k::NOTE_2,
                ],
                &payments,
            )
        },
    ));
    body.push_str(&agreement_forms(&user, &a));
    Ok(Html(page(
        (&format!("协议 {}", a.id), &format!("Agreement {}", a.id)),
        Some(&user),
        &body,
    ))
    .into_response())
}

fn agreement_forms(user: &User, a: &Agreement) -> String {
    let lang = user.lang;
    if !trader(user) || a.state == AgreementState::Cancelled {
        return String::new();
    }
    let seller_side =
        guagou_domain::DivisionCode::parse(&a.seller).is_ok_and(|s| user.actor.may_act_for(&s));
    let mut out = String::new();
    let base = format!("/market/agreements/{}", a.id);
    if seller_side && a.state == AgreementState::Signed {
        out.push_str(&section(
            "settle",
            lang.t(k::SETTLE_QUOTA_TO_THE_BUYER),
            &format!(
                "{}{}{}",
                form_open(user, &format!("{base}/settle"), "settle-form"),
                field(lang, k::AS_OF_4, "as_of", "date", &user.today.to_string()),
                button(lang, k::SETTLE),
            ),
        ));
    }
    if seller_side {
        let next = a.schedule.iter().find(|i| i.received_fen < i.amount_fen);
        if let Some(next) = next {
            out.push_str(&section(
                "payment",
                lang.t(k::RECORD_A_PAYMENT),
                &format!(
                    "{}{}{}{}{}{}",
                    form_open(user, &format!("{base}/payments"), "payment-form"),
                    field(
                        lang,
                        k::INSTALMENT,
                        "instalment",
                        "number",
                        &next.number.to_string()
                    ),
                    field(
                        lang,
                        k::AMOUNT_YUAN,
                        "amount_yuan",
                        "text",
                        &Fen(next.amount_fen - next.received_fen).yuan_text()
                    ),
                    field(
                        lang,
                        k::RECEIVED_ON,
                        "paid_on",
                        "date",
                        &user.today.to_string()
                    ),
                    "<label>备注 <span class=\"en\">Note</span> <input name=\"note\"></label> ",
                    button(lang, k::RECORD),
                ),
            ));
        }
    }
    if a.state == AgreementState::Signed {
        out.push_str(&section(
            "cancel",
            lang.t(k::CANCEL_THE_AGREEMENT),
            &format!(
                "{}{}{}{}",
                form_open(user, &format!("{base}/cancel"), "cancel-form"),
                field(lang, k::REASON, "reason", "text", ""),
                field(lang, k::AS_OF_3, "as_of", "date", &user.today.to_string()),
                button(lang, k::CANCEL),
            ),
        ));
    }
    out
}

async fn agreement_pdf(state: &AppState, user: &User, id: &str) -> Result<Response, PageError> {
    let export = read::agreement_export(&state.registry, user, id).await?;
    let file = format!("agreement-{}.pdf", export.agreement.id);
    pdf_response(document::agreement_pdf(&export), &file)
}

/// A PDF answer, or 503 `cjk_font_missing` when the machine has no Chinese font.
fn pdf_response(
    document: Result<Vec<u8>, document::DocumentError>,
    file: &str,
) -> Result<Response, PageError> {
    match document {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}\"", file.replace('"', "")),
                ),
            ],
            bytes,
        )
            .into_response()),
        // A download link: the refusal is the JSON problem, as the API answers it.
        Err(document::DocumentError::FontMissing) => {
            Ok(ApiError(WebError::FontMissing).into_response())
        }
        Err(document::DocumentError::Pdf(e)) => Err(PageError(WebError::Internal(e))),
    }
}

// ---------------------------------------------------------------------------------------------
// Form posts

/// Parses 元 (or 万元) text into 分.
fn yuan_to_fen(field: &'static str, text: &str) -> Result<i64, WebError> {
    crate::amount::form_money_fen(field, text)
}

fn int(field: &'static str, text: &str) -> Result<i64, WebError> {
    text.trim().parse().map_err(|_| {
        WebError::invalid_text(
            field,
            format!("{text} 应为整数"),
            format!("{text} should be a whole number"),
        )
    })
}

/// Schedule lines `YYYY-MM-DD 金额元` (blank lines ignored).
fn parse_schedule(text: &str) -> Result<Vec<InstalmentBody>, WebError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.split([' ', '\t', ',', '，']).filter(|p| !p.is_empty());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(date), Some(amount), None) => Ok(InstalmentBody {
                    due_on: date.to_owned(),
                    amount_fen: yuan_to_fen("schedule", amount)?,
                }),
                _ => Err(WebError::invalid_text(
                    "schedule",
                    format!("付款计划行“{line}”应为：日期 金额（元）"),
                    format!("schedule line '{line}' should be: date amount (yuan)"),
                )),
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MarketForm {
    csrf: Option<String>,
    /// The form's idempotency key (fresh per render).
    key: String,
    amount_m2: String,
    reserve_price_yuan_per_mu: String,
    price_yuan_per_mu: String,
    opens_on: String,
    closes_on: String,
    contact: String,
    as_of: String,
    offer: String,
    schedule: String,
    reason: String,
    instalment: String,
    amount_yuan: String,
    paid_on: String,
    note: String,
}

/// Runs a form's write after the CSRF check; success redirects to `to`, a refusal shows why.
async fn submit<T, F>(
    user: &User,
    form: &MarketForm,
    back: &str,
    write: F,
    to: impl FnOnce(&T) -> String,
) -> Result<Response, PageError>
where
    F: std::future::Future<Output = Result<T, WebError>>,
{
    user.require_csrf(form.csrf.as_deref())?;
    Ok(match write.await {
        Ok(done) => Redirect::to(&to(&done)).into_response(),
        Err(e) => refusal(user, e, back),
    })
}

/// Handles POST /market/listings
pub async fn publish_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let write = async {
        let body = ListingBody {
            amount_m2: crate::amount::form_area_m2("amount_m2", &form.amount_m2)?,
            reserve_price_fen_per_mu: yuan_to_fen(
                "reserve_price_fen_per_mu",
                &form.reserve_price_yuan_per_mu,
            )?,
            opens_on: form.opens_on.clone(),
            closes_on: form.closes_on.clone(),
            contact: form.contact.clone(),
            as_of: form.as_of.clone(),
            idempotency_key: form.key.clone(),
        };
        write::publish(&state.registry, &user, &body).await
    };
    submit(&user, &form, "/market", write, |l: &MarketListing| {
        format!("/market/listings/{}", l.id)
    })
    .await
}

/// Handles POST /market/listings/{id}/offers
pub async fn offer_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/listings/{id}");
    let write = async {
        let body = OfferBody {
            amount_m2: crate::amount::form_area_m2("amount_m2", &form.amount_m2)?,
            price_fen_per_mu: yuan_to_fen("price_fen_per_mu", &form.price_yuan_per_mu)?,
            contact: form.contact.clone(),
            as_of: form.as_of.clone(),
            idempotency_key: form.key.clone(),
        };
        write::offer(&state.registry, &user, &id, &body).await
    };
    submit(&user, &form, &back, write, |_| back.clone()).await
}

/// Handles POST /market/listings/{id}/agreements
pub async fn agreement_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/listings/{id}");
    let write = async {
        let body = AgreementBody {
            offer: form.offer.clone(),
            amount_m2: crate::amount::form_area_m2("amount_m2", &form.amount_m2)?,
            price_fen_per_mu: yuan_to_fen("price_fen_per_mu", &form.price_yuan_per_mu)?,
            schedule: parse_schedule(&form.schedule)?,
            as_of: form.as_of.clone(),
            idempotency_key: form.key.clone(),
        };
        write::sign(&state.registry, &user, &id, &body).await
    };
    submit(&user, &form, &back, write, |a: &Agreement| {
        format!("/market/agreements/{}", a.id)
    })
    .await
}

/// Handles POST /market/listings/{id}/withdraw
pub async fn withdraw_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/listings/{id}");
    let body = ReasonBody {
        reason: form.reason.clone(),
        as_of: form.as_of.clone(),
        idempotency_key: form.key.clone(),
    };
    let write = write::withdraw(&state.registry, &user, &id, &body);
    submit(&user, &form, &back, write, |_| back.clone()).await
}

/// Handles POST /market/agreements/{id}/settle
pub async fn settle_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/agreements/{id}");
    let body = SettleBody {
        as_of: form.as_of.clone(),
        idempotency_key: form.key.clone(),
    };
    let write = write::settle(&state.registry, &user, &id, &body);
    submit(&user, &form, &back, write, |_| back.clone()).await
}

/// Handles POST /market/agreements/{id}/payments
pub async fn payment_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/agreements/{id}");
    let write = async {
        let body = PaymentBody {
            instalment: int("instalment", &form.instalment)?,
            amount_fen: yuan_to_fen("amount_fen", &form.amount_yuan)?,
            paid_on: form.paid_on.clone(),
            note: form.note.clone(),
            idempotency_key: form.key.clone(),
        };
        write::payment(&state.registry, &user, &id, &body).await
    };
    submit(&user, &form, &back, write, |_| back.clone()).await
}

/// Handles POST /market/agreements/{id}/cancel
pub async fn cancel_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    let back = format!("/market/agreements/{id}");
    let body = ReasonBody {
        reason: form.reason.clone(),
        as_of: form.as_of.clone(),
        idempotency_key: form.key.clone(),
    };
    let write = write::cancel(&state.registry, &user, &id, &body);
    submit(&user, &form, &back, write, |_| back.clone()).await
}

/// Handles POST /market/expire
pub async fn expire_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<MarketForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = ExpireBody {
        as_of: form.as_of.clone(),
    };
    let lang = user.lang;
    Ok(match write::expire(&state.registry, &user, &body).await {
        Ok(expired) => {
            let list = if expired.is_empty() {
                none(lang)
            } else {
                format!(
                    "<ul id=\"expired\">{}</ul>",
                    expired
                        .iter()
                        .map(|id| format!("<li>{}</li>", listing_link(id)))
                        .collect::<String>()
                )
            };
            let body = format!(
                "<p>{}</p>{list}<p><a href=\"/market\">{}</a></p>",
                lang.t(k::LISTINGS_EXPIRED_QUOTA_RETURNED_TO_THE),
                lang.t(k::BACK_TO_THE_MARKET_2),
            );
            Html(page(k::LISTING_EXPIRY, Some(&user), &body)).into_response()
        }
        Err(e) => refusal(&user, e, "/market"),
    })
}
