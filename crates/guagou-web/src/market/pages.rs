//! The market pages: `/market` (open listings for everyone signed in, the user's own listings
//! with their offers, the publish and expiry forms), one listing (offers, the offer form, the
//! accept-offer form with its payment schedule, withdraw), one agreement (schedule, payments,
//! settle, record payment, cancel), the JSON exports (`….json`) and the agreement PDF
//! (`….pdf`). Every form carries the session's CSRF token; a refusal answers with its status
//! and shows the bilingual message, the error code and the refusing rule.
//!
//! The page bodies are askama templates (`templates/market/`, auto-escaped) built from the
//! shared partials (`templates/partials/`, see [`crate::partials`]).

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;

use askama::Template;
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
use crate::html::{Lang, page};
use crate::partials::{Cell, PostForm, render};

/// An area in m² and mu (亩), the unit in the reader's language.
fn area(lang: Lang, m2: i64) -> String {
    let a = SquareMetres(m2);
    format!(
        "{} m² ({} {})",
        crate::lists::thousands(m2),
        a.mu_text(),
        lang.text(k::MU)
    )
}

/// A price per mu (`300000.00 元/亩`, `300000.00 yuan/mu`).
fn price(lang: Lang, fen_per_mu: i64) -> String {
    lang.fill(
        k::PRICE_YUAN_PER_MU_VALUE,
        &[("price", &Fen(fen_per_mu).yuan_text())],
    )
}

/// Money in 元 (`yuan` in English).
fn money(lang: Lang, fen: i64) -> String {
    format!("{} {}", Fen(fen).yuan_text(), lang.text(k::YUAN))
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

fn listing_state(lang: Lang, s: ListingState) -> &'static str {
    lang.text(crate::names::listing_state(s))
}

fn agreement_state(lang: Lang, s: AgreementState) -> &'static str {
    lang.text(crate::names::agreement_state(s))
}

/// A refused write: its status and the bilingual message with the code and the rule.
fn refusal(user: &User, error: WebError, back: &str) -> Response {
    let problem = error.problem();
    let body = crate::html::refusal_html(user.lang, &problem, back);
    (problem.status, Html(page(k::NOT_DONE, Some(user), &body))).into_response()
}

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

/// Opens a write form with the CSRF token and a fresh random idempotency key (`key`), so a
/// double submit of the same rendered form posts once (SPEC §8), asking before the step is
/// taken. Should the system's random source fail, the key is left empty and the registry
/// refuses the post (no double write).
fn post_form(user: &User, action: String, id: &str) -> PostForm {
    PostForm {
        action,
        id: id.to_owned(),
        confirm: Some(user.lang.text(confirmation(id))),
        csrf: user.csrf.clone(),
        key_name: "key",
        key: random_hex(16).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// GET /market

/// `templates/market/index.html`
#[derive(Template)]
#[template(path = "market/index.html")]
struct MarketPage {
    lang: Lang,
    /// The list of every listing (`lists::render`, a template).
    list: String,
    own: Vec<OwnListing>,
    /// The publish and expiry forms, for a trader.
    trade: Option<TradeForms>,
}

/// A listing the user's jurisdiction sells, with the offers received.
struct OwnListing {
    id: String,
    seller: String,
    amount: String,
    state: &'static str,
    offers: Vec<Vec<Cell>>,
}

struct TradeForms {
    publish: PostForm,
    expire: PostForm,
    /// The guide price in force (元/亩), the reserve price offered.
    guide: String,
    today: String,
}

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
    let trade = if trader(&user) {
        Some(TradeForms {
            publish: post_form(&user, "/market/listings".to_owned(), "publish-form"),
            expire: post_form(&user, "/market/expire".to_owned(), "expire-form"),
            guide: Fen(guide_fen(&state, &user).await?).yuan_text(),
            today: user.today.to_string(),
        })
    } else {
        None
    };
    let view = MarketPage {
        lang,
        list: crate::lists::render(lang, &spec, &query, &rows),
        own: own_listings(&state, &user, &all, &names).await?,
        trade,
    };
    let body = render(&view, "market")?;
    Ok(Html(page(k::TRANSFER_MARKET, Some(&user), &body)).into_response())
}

/// `templates/market/agreements.html`
#[derive(Template)]
#[template(path = "market/agreements.html")]
struct AgreementsPage {
    lang: Lang,
    /// The list of agreements (`lists::render`, a template).
    list: String,
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
    let view = AgreementsPage {
        lang,
        list: crate::lists::render(lang, &spec, &query, &rows),
    };
    let body = render(&view, "agreements")?;
    Ok(Html(page(k::AGREEMENTS_2, Some(&user), &body)).into_response())
}

/// The listings the user's jurisdiction sells, each with the offers received.
async fn own_listings(
    state: &AppState,
    user: &User,
    all: &[MarketListing],
    names: &BTreeMap<String, String>,
) -> Result<Vec<OwnListing>, WebError> {
    let lang = user.lang;
    let mut out = Vec::new();
    for l in all.iter().filter(|l| user.reads(&l.seller)) {
        let detail = read::listing(&state.registry, user, &l.id).await?;
        let offers = detail
            .offers
            .iter()
            .map(|o| {
                vec![
                    Cell::text(&o.id),
                    Cell::text(name(names, &o.buyer)),
                    Cell::text(area(lang, o.amount_m2)),
                    Cell::text(price(lang, o.price_fen_per_mu)),
                    Cell::text(&o.offered_on),
                    Cell::text(lang.text(crate::names::offer_state(o.state))),
                ]
            })
            .collect();
        out.push(OwnListing {
            id: l.id.clone(),
            seller: name(names, &l.seller),
            amount: area(lang, l.amount_m2),
            state: listing_state(lang, l.state),
            offers,
        });
    }
    Ok(out)
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

// ---------------------------------------------------------------------------------------------
// GET /market/listings/{id}[.json]

/// `templates/market/listing.html`
#[derive(Template)]
#[template(path = "market/listing.html")]
struct ListingPage {
    lang: Lang,
    id: String,
    seller: String,
    amount: String,
    reserve: String,
    period: String,
    contact: String,
    state: Cell,
    published: String,
    balance: Cell,
    closed: String,
    /// The seller's side: the escrow account is linked.
    seller_side: bool,
    offers: Vec<OfferRow>,
    agreements: Vec<Vec<Cell>>,
    /// The withdraw form (the seller, while the listing is open).
    withdraw: Option<PostForm>,
    /// The offer form (a buyer, while the listing is open).
    offer: Option<OfferForm>,
    today: String,
}

/// An offer received, with the form accepting it (the seller, while both are open).
struct OfferRow {
    cells: Vec<Cell>,
    accept: Option<AcceptForm>,
}

struct AcceptForm {
    form: PostForm,
    offer: String,
    amount: String,
    price: String,
    /// The schedule offered: everything today.
    schedule: String,
}

struct OfferForm {
    form: PostForm,
    amount: String,
    price: String,
}

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
    let agreements = detail
        .agreements
        .iter()
        .map(|a| {
            vec![
                Cell::link(&a.id, format!("/market/agreements/{}", a.id)),
                Cell::text(name(&names, &a.buyer)),
                Cell::text(area(lang, a.amount_m2)),
                Cell::text(price(lang, a.price_fen_per_mu)),
                Cell::text(&a.signed_on),
                Cell::text(agreement_state(lang, a.state)),
            ]
        })
        .collect();
    let open = trader(&user) && l.state == ListingState::Open;
    let withdraw = (open && seller_side).then(|| {
        post_form(
            &user,
            format!("/market/listings/{}/withdraw", l.id),
            "withdraw-form",
        )
    });
    let offer = (open && !seller_side).then(|| OfferForm {
        form: post_form(
            &user,
            format!("/market/listings/{}/offers", l.id),
            "offer-form",
        ),
        amount: l.amount_m2.to_string(),
        price: Fen(l.reserve_price_fen_per_mu).yuan_text(),
    });
    let view = ListingPage {
        lang,
        id: l.id.clone(),
        seller: name(&names, &l.seller),
        amount: area(lang, l.amount_m2),
        reserve: price(lang, l.reserve_price_fen_per_mu),
        period: format!("{} — {}", l.opens_on, l.closes_on),
        contact: l.contact.clone(),
        state: Cell::text(listing_state(lang, l.state)).with_id("listing-state"),
        published: format!("{} · {}", l.published_on, l.published_by),
        balance: Cell::text(area(lang, detail.listed_balance_m2)).with_id("listed-balance"),
        closed: format!(
            "{} {}",
            l.closed_on.clone().unwrap_or_default(),
            l.close_reason.clone().unwrap_or_default()
        ),
        seller_side,
        offers: offer_rows(&user, &detail, &names, seller_side),
        agreements,
        withdraw,
        offer,
        today: user.today.to_string(),
    };
    let body = render(&view, "listing")?;
    Ok(Html(page(
        (&format!("公告 {}", l.id), &format!("Listing {}", l.id)),
        Some(&user),
        &body,
    ))
    .into_response())
}

/// The offers of a listing, each with the accept form where the seller may sign it.
fn offer_rows(
    user: &User,
    detail: &guagou_registry::market::ListingDetail,
    names: &BTreeMap<String, String>,
    seller_side: bool,
) -> Vec<OfferRow> {
    let lang = user.lang;
    let l = &detail.listing;
    detail
        .offers
        .iter()
        .map(|o| {
            let acceptable = seller_side
                && trader(user)
                && l.state == ListingState::Open
                && o.state == OfferState::Open;
            let accept = acceptable.then(|| {
                let total =
                    guagou_domain::market::agreement_total_fen(o.amount_m2, o.price_fen_per_mu)
                        .unwrap_or(0);
                AcceptForm {
                    form: post_form(
                        user,
                        format!("/market/listings/{}/agreements", l.id),
                        &format!("accept-{}", o.id),
                    ),
                    offer: o.id.clone(),
                    amount: o.amount_m2.to_string(),
                    price: Fen(o.price_fen_per_mu).yuan_text(),
                    schedule: format!("{} {}", user.today, Fen(total).yuan_text()),
                }
            });
            OfferRow {
                cells: vec![
                    Cell::text(&o.id),
                    Cell::text(name(names, &o.buyer)),
                    Cell::text(area(lang, o.amount_m2)),
                    Cell::text(price(lang, o.price_fen_per_mu)),
                    Cell::text(&o.contact),
                    Cell::text(&o.offered_on),
                    Cell::text(lang.text(crate::names::offer_state(o.state))),
                ],
                accept,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// GET /market/agreements/{id}[.json|.pdf]

/// `templates/market/agreement.html`
#[derive(Template)]
#[template(path = "market/agreement.html")]
struct AgreementPage {
    lang: Lang,
    id: String,
    listing: Cell,
    seller: String,
    buyer: String,
    amount: String,
    price: String,
    total: Cell,
    signed: String,
    state: Cell,
    settled: Cell,
    cancelled: String,
    received: Cell,
    schedule: Vec<Vec<Cell>>,
    payments: Vec<Vec<Cell>>,
    /// The settle form (the seller, while signed).
    settle: Option<PostForm>,
    /// The record-payment form (the seller, while an instalment is unpaid).
    payment: Option<PaymentForm>,
    /// The cancel form (while signed).
    cancel: Option<PostForm>,
    today: String,
}

/// The record-payment form, filled with the next unpaid instalment.
struct PaymentForm {
    form: PostForm,
    instalment: String,
    amount: String,
}

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
    let schedule = a
        .schedule
        .iter()
        .map(|i| {
            vec![
                Cell::text(i.number.to_string()),
                Cell::text(&i.due_on),
                Cell::text(money(lang, i.amount_fen)),
                Cell::text(money(lang, i.received_fen)),
            ]
        })
        .collect();
    let payments = a
        .payments
        .iter()
        .map(|p| {
            vec![
                Cell::text(p.seq.to_string()),
                Cell::text(p.instalment.to_string()),
                Cell::text(&p.paid_on),
                Cell::text(money(lang, p.amount_fen)),
                Cell::text(&p.recorded_by),
                Cell::text(&p.note),
            ]
        })
        .collect();
    let settled = match (&a.settled_on, a.transfer_seq) {
        (Some(d), Some(seq)) => {
            Cell::link(format!("#{seq}"), format!("/ledger/entries/{seq}")).after(format!("{d} · "))
        }
        _ => Cell::default(),
    };
    let (settle, payment, cancel) = agreement_forms(&user, &a);
    let view = AgreementPage {
        lang,
        id: a.id.clone(),
        listing: Cell::link(&a.listing, format!("/market/listings/{}", a.listing)),
        seller: name(&names, &a.seller),
        buyer: name(&names, &a.buyer),
        amount: area(lang, a.amount_m2),
        price: price(lang, a.price_fen_per_mu),
        total: Cell::text(money(lang, a.total_fen)).with_id("total"),
        signed: format!("{} · {}", a.signed_on, a.signed_by),
        state: Cell::text(agreement_state(lang, a.state)).with_id("agreement-state"),
        settled,
        cancelled: format!(
            "{} {}",
            a.cancelled_on.clone().unwrap_or_default(),
            a.cancel_reason.clone().unwrap_or_default()
        ),
        received: Cell::text(money(lang, a.received_fen)).with_id("received"),
        schedule,
        payments,
        settle,
        payment,
        cancel,
        today: user.today.to_string(),
    };
    let body = render(&view, "agreement")?;
    Ok(Html(page(
        (&format!("协议 {}", a.id), &format!("Agreement {}", a.id)),
        Some(&user),
        &body,
    ))
    .into_response())
}

/// The settle, record-payment and cancel forms the user may use on the agreement.
fn agreement_forms(
    user: &User,
    a: &Agreement,
) -> (Option<PostForm>, Option<PaymentForm>, Option<PostForm>) {
    if !trader(user) || a.state == AgreementState::Cancelled {
        return (None, None, None);
    }
    let seller_side =
        guagou_domain::DivisionCode::parse(&a.seller).is_ok_and(|s| user.actor.may_act_for(&s));
    let base = format!("/market/agreements/{}", a.id);
    let signed = a.state == AgreementState::Signed;
    let settle =
        (seller_side && signed).then(|| post_form(user, format!("{base}/settle"), "settle-form"));
    let payment = a
        .schedule
        .iter()
        .find(|i| i.received_fen < i.amount_fen)
        .filter(|_| seller_side)
        .map(|next| PaymentForm {
            form: post_form(user, format!("{base}/payments"), "payment-form"),
            instalment: next.number.to_string(),
            amount: Fen(next.amount_fen - next.received_fen).yuan_text(),
        });
    let cancel = signed.then(|| post_form(user, format!("{base}/cancel"), "cancel-form"));
    (settle, payment, cancel)
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

/// `templates/market/expired.html`
#[derive(Template)]
#[template(path = "market/expired.html")]
struct ExpiredPage {
    lang: Lang,
    expired: Vec<String>,
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
    Ok(match write::expire(&state.registry, &user, &body).await {
        Ok(expired) => {
            let view = ExpiredPage {
                lang: user.lang,
                expired,
            };
            let body = render(&view, "expired")?;
            Html(page(k::LISTING_EXPIRY, Some(&user), &body)).into_response()
        }
        Err(e) => refusal(&user, e, "/market"),
    })
}
