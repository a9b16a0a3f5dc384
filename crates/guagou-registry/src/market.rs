//! The transfer market (SPEC §8 "Market", 二(三)) as registry records around the ledger:
//! a listing (公告) escrows the seller's quota with a ledger `list`; offers come from other
//! county or city governments of the province; the seller accepts one offer by signing an
//! agreement (amount, price ≥ the guide price of the signing date, payment schedule);
//! settlement posts the ledger `transfer` (lots keep their provenance) and returns any unsold
//! rest with a `withdraw`; payments received are recorded per instalment, in 分.
//!
//! Every write is one transaction: the market rows, the ledger postings and the audit record
//! commit together or not at all. The rules (states, price floor, schedule sums) are in
//! `guagou_domain::market`; this module checks rights (SPEC §1: the seller's jurisdiction for
//! the seller's steps, the buyer's own division for offers) and loads and stores the records.
//! Departments (land bureau, audit read-only) are the web layer's to check.

use chrono::{Datelike, NaiveDate};
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{Account, LedgerError, Operation};
use guagou_domain::lifecycle::Level;
use guagou_domain::market::{
    self as rules, AgreementState, Instalment, ListingEvent, ListingState, MarketError, OfferState,
};
use guagou_store::{StoreError, WriteTx};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::RegistryError;
use crate::projects::code_of;
use crate::{Actor, Registry};

impl From<MarketError> for RegistryError {
    fn from(e: MarketError) -> Self {
        match e {
            MarketError::State(l) => RegistryError::Lifecycle(l),
            MarketError::Invalid { field, zh, en } => RegistryError::invalid(field, zh, en),
            MarketError::Rule(result) => RegistryError::Rules(vec![*result]),
        }
    }
}

/// A listing (公告) as the provincial platform shows it. Dates `YYYY-MM-DD`; price 分/亩.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketListing {
    pub id: String,
    pub seller: String,
    pub amount_m2: i64,
    pub reserve_price_fen_per_mu: i64,
    pub opens_on: String,
    pub closes_on: String,
    pub contact: String,
    pub state: ListingState,
    pub published_on: String,
    pub published_by: String,
    pub closed_on: Option<String>,
    pub close_reason: Option<String>,
}

/// An offer (意向受让) of a county or city government.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub id: String,
    pub listing: String,
    pub buyer: String,
    pub amount_m2: i64,
    pub price_fen_per_mu: i64,
    pub contact: String,
    pub offered_on: String,
    pub offered_by: String,
    pub state: OfferState,
}

/// A payment received (到账), in 分.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub seq: i64,
    pub instalment: i64,
    pub paid_on: String,
    pub amount_fen: i64,
    pub recorded_by: String,
    pub note: String,
}

/// One instalment of the schedule with what was received against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledInstalment {
    pub number: i64,
    pub due_on: String,
    pub amount_fen: i64,
    pub received_fen: i64,
}

/// An agreement (流转协议) with its schedule and payments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub id: String,
    pub listing: String,
    pub offer: String,
    pub seller: String,
    pub buyer: String,
    pub amount_m2: i64,
    pub price_fen_per_mu: i64,
    pub total_fen: i64,
    pub signed_on: String,
    pub signed_by: String,
    pub state: AgreementState,
    pub settled_on: Option<String>,
    pub transfer_seq: Option<i64>,
    pub cancelled_on: Option<String>,
    pub cancel_reason: Option<String>,
    pub schedule: Vec<ScheduledInstalment>,
    pub payments: Vec<Payment>,
    pub received_fen: i64,
}

/// A listing with its offers and agreements (cancelled ones included) and what its escrow
/// account holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListingDetail {
    pub listing: MarketListing,
    pub listed_balance_m2: i64,
    pub offers: Vec<Offer>,
    pub agreements: Vec<Agreement>,
}

/// What a seller publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewListing {
    pub amount_m2: i64,
    pub reserve_price_fen_per_mu: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub contact: String,
}

/// What a buyer offers.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOffer {
    pub amount_m2: i64,
    pub price_fen_per_mu: i64,
    pub contact: String,
}

/// What the seller signs on accepting an offer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgreement {
    pub offer: String,
    pub amount_m2: i64,
    pub price_fen_per_mu: i64,
    pub schedule: Vec<Instalment>,
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, RegistryError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        RegistryError::invalid(
            field,
            format!("日期 {text} 无效"),
            format!("invalid date {text}"),
        )
    })
}

fn stored<T>(field: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T, RegistryError> {
    parse(text).ok_or_else(|| {
        RegistryError::invalid(
            field,
            format!("未知状态 {text}"),
            format!("unknown state {text}"),
        )
    })
}

fn not_found(what: &'static str, id: &str) -> RegistryError {
    RegistryError::NotFound {
        what,
        id: id.to_owned(),
    }
}

/// Buyers and sellers are governments: a county or the city, never the province itself.
fn require_government(actor: &Actor) -> Result<(), RegistryError> {
    if actor.level == Level::Province {
        return Err(RegistryError::Forbidden {
            actor: actor.to_string(),
            what: "市场交易 / market trade".into(),
        });
    }
    Ok(())
}

fn require_reason(reason: &str) -> Result<(), RegistryError> {
    if reason.trim().is_empty() {
        return Err(RegistryError::invalid(
            "reason",
            "须说明理由",
            "a reason is required",
        ));
    }
    Ok(())
}

/// Checks the caller's idempotency key (SPEC §8): present, at most 100 visible characters.
fn check_key(key: &str) -> Result<&str, RegistryError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || key.chars().any(char::is_control) {
        return Err(RegistryError::invalid(
            "idempotency_key",
            "幂等键须为 1–100 个可见字符",
            "the idempotency key must be 1–100 visible characters",
        ));
    }
    Ok(key)
}

/// One market write as its idempotency record sees it: who, under which key, and the hash of
/// what was asked (the action, its target and every request field), so that the same key with
/// another request is told apart from a plain repeat.
struct Request {
    actor: String,
    key: String,
    action: &'static str,
    hash: String,
}

impl Request {
    fn new(
        actor: &Actor,
        key: &str,
        action: &'static str,
        body: serde_json::Value,
    ) -> Result<Self, RegistryError> {
        let key = check_key(key)?.to_owned();
        let canonical = serde_json::json!({ "action": action, "request": body }).to_string();
        Ok(Request {
            actor: actor.to_string(),
            key,
            action,
            hash: crate::packages::sha256_hex(canonical.as_bytes()),
        })
    }

    fn conflict(&self) -> RegistryError {
        RegistryError::Store(StoreError::Ledger(LedgerError::IdempotencyConflict(
            self.key.clone(),
        )))
    }

    /// The record a earlier identical request produced (`Some(id)`), `None` if the key is
    /// new; the same key with another request is a conflict (409 `idempotency_conflict`).
    async fn replayed(&self, registry: &Registry) -> Result<Option<String>, RegistryError> {
        let row = sqlx::query(
            "SELECT request_hash, result_id FROM market_requests WHERE actor = $1 AND request_key = $2",
        )
        .bind(&self.actor)
        .bind(&self.key)
        .fetch_optional(registry.store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get("request_hash")?;
        if hash != self.hash {
            return Err(self.conflict());
        }
        Ok(Some(row.try_get("result_id")?))
    }

    /// Records the key in the write's transaction. A concurrent request with the same key
    /// that committed first makes this a conflict, and the caller's transaction rolls back, so
    /// the write still posts once.
    async fn remember(&self, tx: &mut WriteTx, result_id: &str) -> Result<(), RegistryError> {
        let done = sqlx::query(
            "INSERT INTO market_requests (actor, request_key, action, request_hash, result_id) \
             VALUES ($1,$2,$3,$4,$5) ON CONFLICT (actor, request_key) DO NOTHING",
        )
        .bind(&self.actor)
        .bind(&self.key)
        .bind(self.action)
        .bind(&self.hash)
        .bind(result_id)
        .execute(tx.connection())
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.conflict());
        }
        Ok(())
    }
}

const LISTING_COLUMNS: &str = "id, seller, amount_m2, reserve_price_fen_per_mu, opens_on, closes_on, contact, state, \
     published_on, published_by, closed_on, close_reason";

fn listing_from(row: &AnyRow) -> Result<MarketListing, RegistryError> {
    Ok(MarketListing {
        id: row.try_get("id")?,
        seller: row.try_get("seller")?,
        amount_m2: row.try_get("amount_m2")?,
        reserve_price_fen_per_mu: row.try_get("reserve_price_fen_per_mu")?,
        opens_on: row.try_get("opens_on")?,
        closes_on: row.try_get("closes_on")?,
        contact: row.try_get("contact")?,
        state: stored(
            "market_listings.state",
            &row.try_get::<String, _>("state")?,
            ListingState::parse,
        )?,
        published_on: row.try_get("published_on")?,
        published_by: row.try_get("published_by")?,
        closed_on: row.try_get("closed_on")?,
        close_reason: row.try_get("close_reason")?,
    })
}

const OFFER_COLUMNS: &str =
    "id, listing, buyer, amount_m2, price_fen_per_mu, contact, offered_on, offered_by, state";

fn offer_from(row: &AnyRow) -> Result<Offer, RegistryError> {
    Ok(Offer {
        id: row.try_get("id")?,
        listing: row.try_get("listing")?,
        buyer: row.try_get("buyer")?,
        amount_m2: row.try_get("amount_m2")?,
        price_fen_per_mu: row.try_get("price_fen_per_mu")?,
        contact: row.try_get("contact")?,
        offered_on: row.try_get("offered_on")?,
        offered_by: row.try_get("offered_by")?,
        state: stored(
            "market_offers.state",
            &row.try_get::<String, _>("state")?,
            OfferState::parse,
        )?,
    })
}

const AGREEMENT_COLUMNS: &str = "id, listing, offer, seller, buyer, amount_m2, price_fen_per_mu, total_fen, signed_on, \
     signed_by, state, settled_on, transfer_seq, cancelled_on, cancel_reason";

fn agreement_from(row: &AnyRow) -> Result<Agreement, RegistryError> {
    Ok(Agreement {
        id: row.try_get("id")?,
        listing: row.try_get("listing")?,
        offer: row.try_get("offer")?,
        seller: row.try_get("seller")?,
        buyer: row.try_get("buyer")?,
        amount_m2: row.try_get("amount_m2")?,
        price_fen_per_mu: row.try_get("price_fen_per_mu")?,
        total_fen: row.try_get("total_fen")?,
        signed_on: row.try_get("signed_on")?,
        signed_by: row.try_get("signed_by")?,
        state: stored(
            "market_agreements.state",
            &row.try_get::<String, _>("state")?,
            AgreementState::parse,
        )?,
        settled_on: row.try_get("settled_on")?,
        transfer_seq: row.try_get("transfer_seq")?,
        cancelled_on: row.try_get("cancelled_on")?,
        cancel_reason: row.try_get("cancel_reason")?,
        schedule: Vec::new(),
        payments: Vec::new(),
        received_fen: 0,
    })
}

impl Registry {
    // -----------------------------------------------------------------------------------------
    // Reads (market data: every signed-in user may read listings; the web decides who sees
    // offers and agreements)

    /// Every listing, newest first; `state` filters (`None`: all).
    pub(crate) async fn market_listings(
        &self,
        state: Option<ListingState>,
    ) -> Result<Vec<MarketListing>, RegistryError> {
        let rows = sqlx::query(&format!(
            "SELECT {LISTING_COLUMNS} FROM market_listings ORDER BY published_on DESC, id DESC"
        ))
        .fetch_all(self.store.pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let listing = listing_from(row)?;
            if state.is_none_or(|s| s == listing.state) {
                out.push(listing);
            }
        }
        Ok(out)
    }

    /// One listing.
    pub(crate) async fn market_listing(&self, id: &str) -> Result<MarketListing, RegistryError> {
        let row = sqlx::query(&format!(
            "SELECT {LISTING_COLUMNS} FROM market_listings WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| not_found("公告/listing", id))?;
        listing_from(&row)
    }

    /// A listing with its offers, agreements and escrow balance.
    pub(crate) async fn market_listing_detail(
        &self,
        id: &str,
    ) -> Result<ListingDetail, RegistryError> {
        let listing = self.market_listing(id).await?;
        let offers = sqlx::query(&format!(
            "SELECT {OFFER_COLUMNS} FROM market_offers WHERE listing = $1 ORDER BY id"
        ))
        .bind(id)
        .fetch_all(self.store.pool())
        .await?
        .iter()
        .map(offer_from)
        .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<String> =
            sqlx::query("SELECT id FROM market_agreements WHERE listing = $1 ORDER BY id")
                .bind(id)
                .fetch_all(self.store.pool())
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
        let mut agreements = Vec::new();
        for agreement in ids {
            agreements.push(self.market_agreement(&agreement).await?);
        }
        let listed_balance_m2 = self
            .store
            .balance(&Account::Listed {
                listing: id.to_owned(),
            })
            .await?;
        Ok(ListingDetail {
            listing,
            listed_balance_m2,
            offers,
            agreements,
        })
    }

    /// One offer.
    pub(crate) async fn market_offer(&self, id: &str) -> Result<Offer, RegistryError> {
        let row = sqlx::query(&format!(
            "SELECT {OFFER_COLUMNS} FROM market_offers WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| not_found("意向/offer", id))?;
        offer_from(&row)
    }

    /// One agreement with its schedule and payments.
    pub(crate) async fn market_agreement(&self, id: &str) -> Result<Agreement, RegistryError> {
        let row = sqlx::query(&format!(
            "SELECT {AGREEMENT_COLUMNS} FROM market_agreements WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| not_found("协议/agreement", id))?;
        let mut agreement = agreement_from(&row)?;
        agreement.payments = sqlx::query(
            "SELECT seq, instalment, paid_on, amount_fen, recorded_by, note FROM market_payments \
             WHERE agreement = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.store.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Payment {
                seq: r.try_get("seq")?,
                instalment: r.try_get("instalment")?,
                paid_on: r.try_get("paid_on")?,
                amount_fen: r.try_get("amount_fen")?,
                recorded_by: r.try_get("recorded_by")?,
                note: r.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT number, due_on, amount_fen FROM market_instalments WHERE agreement = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(self.store.pool())
        .await?;
        for r in &rows {
            let number: i64 = r.try_get("number")?;
            let received_fen = agreement
                .payments
                .iter()
                .filter(|p| p.instalment == number)
                .map(|p| p.amount_fen)
                .sum();
            agreement.schedule.push(ScheduledInstalment {
                number,
                due_on: r.try_get("due_on")?,
                amount_fen: r.try_get("amount_fen")?,
                received_fen,
            });
        }
        agreement.received_fen = agreement.payments.iter().map(|p| p.amount_fen).sum();
        Ok(agreement)
    }

    // -----------------------------------------------------------------------------------------
    // Writes

    /// Publishes a listing (挂牌公告) of the actor's own division from its holding: the reserve
    /// price must be at least the guide price in force on `as_of` (TRANSFER_PRICE_FLOOR), and
    /// only quota not reserved for local needs may be listed (LOCAL_NEEDS_FIRST, in the ledger).
    pub(crate) async fn publish_listing(
        &self,
        actor: &Actor,
        new: &NewListing,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<MarketListing, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "publish",
            serde_json::json!({
                "amount_m2": new.amount_m2,
                "reserve_price_fen_per_mu": new.reserve_price_fen_per_mu,
                "opens_on": day(new.opens_on), "closes_on": day(new.closes_on),
                "contact": new.contact.trim(), "as_of": day(as_of),
            }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_listing(&id).await;
        }
        require_government(actor)?;
        let seller = actor.division.clone();
        rules::check_amount("amount_m2", new.amount_m2)?;
        rules::check_period(new.opens_on, new.closes_on)?;
        rules::require_price_floor(
            &self.profile,
            as_of,
            new.reserve_price_fen_per_mu,
            seller.as_str(),
            rules::Priced::Reserve,
        )?;
        if new.contact.trim().is_empty() {
            return Err(RegistryError::invalid(
                "contact",
                "须填写联系人及联系方式",
                "a contact is required",
            ));
        }
        let mut tx = self.store.begin_write().await?;
        let prefix = format!("GP-{seller}-{}-", as_of.year());
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM market_listings WHERE seller = $1 AND id LIKE $2",
        )
        .bind(seller.as_str())
        .bind(format!("{prefix}%"))
        .fetch_one(tx.connection())
        .await?
        .try_get("n")?;
        let id = format!("{prefix}{:03}", count + 1);
        let operation = Operation::List {
            division: seller.clone(),
            listing: id.clone(),
            amount_m2: new.amount_m2,
        };
        let reason = format!("挂牌公告 {id} / listing {id}");
        let meta = self.meta(actor, &format!("market:list:{id}"), &reason, as_of);
        tx.post_ledger(&operation, &meta, &self.profile).await?;
        sqlx::query(
            "INSERT INTO market_listings (id, seller, amount_m2, reserve_price_fen_per_mu, opens_on, closes_on, \
             contact, state, published_on, published_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(&id)
        .bind(seller.as_str())
        .bind(new.amount_m2)
        .bind(new.reserve_price_fen_per_mu)
        .bind(day(new.opens_on))
        .bind(day(new.closes_on))
        .bind(new.contact.trim())
        .bind(ListingState::Open.as_str())
        .bind(day(as_of))
        .bind(actor.to_string())
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "amount_m2": new.amount_m2,
            "reserve_price_fen_per_mu": new.reserve_price_fen_per_mu,
            "opens_on": day(new.opens_on),
            "closes_on": day(new.closes_on),
        });
        request.remember(&mut tx, &id).await?;
        self.audit(&mut tx, actor, "market.publish", &id, &reason, payload)
            .await?;
        tx.commit().await?;
        self.market_listing(&id).await
    }

    /// An offer on an open listing by the actor's own government (a county or the city of the
    /// province, not the seller), within the period, at least the reserve price.
    pub(crate) async fn make_offer(
        &self,
        actor: &Actor,
        listing_id: &str,
        new: &NewOffer,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Offer, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "offer",
            serde_json::json!({
                "listing": listing_id, "amount_m2": new.amount_m2,
                "price_fen_per_mu": new.price_fen_per_mu, "contact": new.contact.trim(),
                "as_of": day(as_of),
            }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_offer(&id).await;
        }
        require_government(actor)?;
        let listing = self.market_listing(listing_id).await?;
        let seller = code_of(&listing.seller)?;
        let buyer = actor.division.clone();
        rules::check_buyer(&self.profile.profile.region, &seller, &buyer)?;
        if listing.state != ListingState::Open {
            return Err(RegistryError::Lifecycle(
                guagou_domain::lifecycle::LifecycleError::NotAllowed {
                    state: listing.state.to_string(),
                    action: "offer".into(),
                },
            ));
        }
        rules::check_offer(
            listing.amount_m2,
            listing.reserve_price_fen_per_mu,
            (
                parse_day("opens_on", &listing.opens_on)?,
                parse_day("closes_on", &listing.closes_on)?,
            ),
            new.amount_m2,
            new.price_fen_per_mu,
            as_of,
        )?;
        let mut tx = self.store.begin_write().await?;
        let count = count_of(&mut tx, "market_offers", listing_id).await?;
        let id = format!("{listing_id}-O{}", count + 1);
        sqlx::query(
            "INSERT INTO market_offers (id, listing, buyer, amount_m2, price_fen_per_mu, contact, offered_on, offered_by, state) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(listing_id)
        .bind(buyer.as_str())
        .bind(new.amount_m2)
        .bind(new.price_fen_per_mu)
        .bind(new.contact.trim())
        .bind(day(as_of))
        .bind(actor.to_string())
        .bind(OfferState::Open.as_str())
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "listing": listing_id, "buyer": buyer,
            "amount_m2": new.amount_m2, "price_fen_per_mu": new.price_fen_per_mu,
        });
        request.remember(&mut tx, &id).await?;
        self.audit(
            &mut tx,
            actor,
            "market.offer",
            &id,
            "意向受让 / offer",
            payload,
        )
        .await?;
        tx.commit().await?;
        self.market_offer(&id).await
    }

    /// The seller accepts an offer and signs the agreement on `as_of`: amount ≤ listed, price ≥
    /// the guide price of the signing date (TRANSFER_PRICE_FLOOR), a schedule summing exactly
    /// to amount × price.
    pub(crate) async fn sign_agreement(
        &self,
        actor: &Actor,
        listing_id: &str,
        new: &NewAgreement,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "sign",
            serde_json::json!({
                "listing": listing_id, "offer": new.offer, "amount_m2": new.amount_m2,
                "price_fen_per_mu": new.price_fen_per_mu, "schedule": new.schedule,
                "as_of": day(as_of),
            }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_agreement(&id).await;
        }
        let listing = self.market_listing(listing_id).await?;
        let seller = code_of(&listing.seller)?;
        actor.require_jurisdiction(&seller)?;
        let offer = self.market_offer(&new.offer).await?;
        if offer.listing != listing_id {
            return Err(not_found("意向/offer", &new.offer));
        }
        if offer.state != OfferState::Open {
            return Err(RegistryError::Lifecycle(
                guagou_domain::lifecycle::LifecycleError::NotAllowed {
                    state: offer.state.to_string(),
                    action: "accept".into(),
                },
            ));
        }
        let next = rules::listing_next(listing.state, ListingEvent::Sign)?;
        if as_of < parse_day("offered_on", &offer.offered_on)? {
            return Err(RegistryError::invalid(
                "signed_on",
                "签订日早于报价日",
                "the agreement is signed before the offer was made",
            ));
        }
        let total = rules::check_agreement(
            &self.profile,
            listing.amount_m2,
            new.amount_m2,
            new.price_fen_per_mu,
            as_of,
            &new.schedule,
            seller.as_str(),
        )?;
        let mut tx = self.store.begin_write().await?;
        let count = count_of(&mut tx, "market_agreements", listing_id).await?;
        let id = format!("{listing_id}-A{}", count + 1);
        sqlx::query(
            "INSERT INTO market_agreements (id, listing, offer, seller, buyer, amount_m2, price_fen_per_mu, total_fen, \
             signed_on, signed_by, state) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        )
        .bind(&id)
        .bind(listing_id)
        .bind(&offer.id)
        .bind(seller.as_str())
        .bind(&offer.buyer)
        .bind(new.amount_m2)
        .bind(new.price_fen_per_mu)
        .bind(total)
        .bind(day(as_of))
        .bind(actor.to_string())
        .bind(AgreementState::Signed.as_str())
        .execute(tx.connection())
        .await?;
        for instalment in &new.schedule {
            sqlx::query(
                "INSERT INTO market_instalments (agreement, number, due_on, amount_fen) VALUES ($1,$2,$3,$4)",
            )
            .bind(&id)
            .bind(i64::from(instalment.number))
            .bind(day(instalment.due_on))
            .bind(instalment.amount_fen)
            .execute(tx.connection())
            .await?;
        }
        set_state(
            &mut tx,
            "market_offers",
            &offer.id,
            OfferState::Accepted.as_str(),
        )
        .await?;
        set_state(&mut tx, "market_listings", listing_id, next.as_str()).await?;
        request.remember(&mut tx, &id).await?;
        let payload = serde_json::json!({
            "listing": listing_id, "offer": offer.id, "buyer": offer.buyer,
            "amount_m2": new.amount_m2, "price_fen_per_mu": new.price_fen_per_mu,
            "total_fen": total, "schedule": new.schedule,
        });
        self.audit(
            &mut tx,
            actor,
            "market.sign",
            &id,
            "签订流转协议 / agreement signed",
            payload,
        )
        .await?;
        tx.commit().await?;
        self.market_agreement(&id).await
    }

    /// Cancels an unsettled agreement (either party), with the reason recorded; the listing is
    /// open again and the accepted offer is declined.
    pub(crate) async fn cancel_agreement(
        &self,
        actor: &Actor,
        agreement_id: &str,
        reason: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "cancel",
            serde_json::json!({ "agreement": agreement_id, "reason": reason.trim(), "as_of": day(as_of) }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_agreement(&id).await;
        }
        require_reason(reason)?;
        let agreement = self.market_agreement(agreement_id).await?;
        let seller = code_of(&agreement.seller)?;
        let buyer = code_of(&agreement.buyer)?;
        if !actor.may_act_for(&seller) && !actor.may_act_for(&buyer) {
            actor.require_jurisdiction(&seller)?;
        }
        let state = rules::agreement_next(agreement.state, false)?;
        let listing = self.market_listing(&agreement.listing).await?;
        let listing_state = rules::listing_next(listing.state, ListingEvent::CancelAgreement)?;
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "UPDATE market_agreements SET state = $1, cancelled_on = $2, cancel_reason = $3 WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(day(as_of))
        .bind(reason.trim())
        .bind(agreement_id)
        .execute(tx.connection())
        .await?;
        set_state(
            &mut tx,
            "market_offers",
            &agreement.offer,
            OfferState::Declined.as_str(),
        )
        .await?;
        set_state(
            &mut tx,
            "market_listings",
            &listing.id,
            listing_state.as_str(),
        )
        .await?;
        request.remember(&mut tx, agreement_id).await?;
        self.audit(
            &mut tx,
            actor,
            "market.cancel",
            agreement_id,
            reason,
            serde_json::json!({ "listing": listing.id, "cancelled_on": day(as_of) }),
        )
        .await?;
        tx.commit().await?;
        self.market_agreement(agreement_id).await
    }

    /// Settles a signed agreement on `as_of`: the ledger `transfer` moves the agreed quota
    /// from the listing's escrow to the buyer (lots keep their provenance), a `withdraw`
    /// returns any unsold rest to the seller, and the listing is settled.
    pub(crate) async fn settle_agreement(
        &self,
        actor: &Actor,
        agreement_id: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "settle",
            serde_json::json!({ "agreement": agreement_id, "as_of": day(as_of) }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_agreement(&id).await;
        }
        let agreement = self.market_agreement(agreement_id).await?;
        let seller = code_of(&agreement.seller)?;
        actor.require_jurisdiction(&seller)?;
        let buyer = code_of(&agreement.buyer)?;
        let state = rules::agreement_next(agreement.state, true)?;
        let listing = self.market_listing(&agreement.listing).await?;
        let listing_state = rules::listing_next(listing.state, ListingEvent::Settle)?;
        let signed_on = parse_day("signed_on", &agreement.signed_on)?;
        if as_of < signed_on {
            return Err(RegistryError::invalid(
                "as_of",
                "结算日早于协议签订日",
                "settlement before the agreement was signed",
            ));
        }
        let reason = format!("流转协议 {agreement_id} 结算 / agreement {agreement_id} settled");
        let mut tx = self.store.begin_write().await?;
        let transfer = Operation::Transfer {
            listing: listing.id.clone(),
            buyer,
            amount_m2: agreement.amount_m2,
            price_fen_per_mu: agreement.price_fen_per_mu,
            // The floor is the guide price of the year the price was agreed (二(三)), checked
            // at signing; a rise between signing and settlement does not void the agreement.
            priced_on: Some(signed_on),
        };
        let meta = self.meta(
            actor,
            &format!("market:transfer:{agreement_id}"),
            &reason,
            as_of,
        );
        let entry = tx.post_ledger(&transfer, &meta, &self.profile).await?;
        let rest = listing.amount_m2 - agreement.amount_m2;
        if rest > 0 {
            let back = Operation::Withdraw {
                listing: listing.id.clone(),
                amount_m2: rest,
            };
            let meta = self.meta(
                actor,
                &format!("market:rest:{agreement_id}"),
                "协议未受让部分退回转让方 / the unsold rest returns to the seller",
                as_of,
            );
            tx.post_ledger(&back, &meta, &self.profile).await?;
        }
        sqlx::query(
            "UPDATE market_agreements SET state = $1, settled_on = $2, transfer_seq = $3 WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(day(as_of))
        .bind(i64::try_from(entry.seq).unwrap_or(i64::MAX))
        .bind(agreement_id)
        .execute(tx.connection())
        .await?;
        close_listing(&mut tx, &listing.id, listing_state, as_of, &reason).await?;
        sqlx::query("UPDATE market_offers SET state = $1 WHERE listing = $2 AND state = $3")
            .bind(OfferState::Declined.as_str())
            .bind(&listing.id)
            .bind(OfferState::Open.as_str())
            .execute(tx.connection())
            .await?;
        let payload = serde_json::json!({
            "listing": listing.id, "transfer_seq": entry.seq, "money_fen": entry.money_fen,
            "returned_m2": rest.max(0),
        });
        request.remember(&mut tx, agreement_id).await?;
        self.audit(
            &mut tx,
            actor,
            "market.settle",
            agreement_id,
            &reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.market_agreement(agreement_id).await
    }

    /// Records money received (到账) against one instalment of a signed or settled agreement,
    /// by the seller's side.
    #[allow(clippy::too_many_arguments)] // the payment's fields, the actor and the request key
    pub(crate) async fn record_payment(
        &self,
        actor: &Actor,
        agreement_id: &str,
        instalment: i64,
        amount_fen: i64,
        paid_on: NaiveDate,
        note: &str,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "payment",
            serde_json::json!({
                "agreement": agreement_id, "instalment": instalment, "amount_fen": amount_fen,
                "paid_on": day(paid_on), "note": note.trim(),
            }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_agreement(&id).await;
        }
        let agreement = self.market_agreement(agreement_id).await?;
        actor.require_jurisdiction(&code_of(&agreement.seller)?)?;
        if agreement.state == AgreementState::Cancelled {
            return Err(RegistryError::Lifecycle(
                guagou_domain::lifecycle::LifecycleError::NotAllowed {
                    state: agreement.state.to_string(),
                    action: "record_payment".into(),
                },
            ));
        }
        let scheduled = agreement
            .schedule
            .iter()
            .find(|i| i.number == instalment)
            .ok_or_else(|| {
                RegistryError::invalid(
                    "instalment",
                    format!("协议没有第 {instalment} 期"),
                    format!("the agreement has no instalment {instalment}"),
                )
            })?;
        let as_domain = Instalment {
            number: u32::try_from(scheduled.number).unwrap_or(0),
            due_on: parse_day("due_on", &scheduled.due_on)?,
            amount_fen: scheduled.amount_fen,
        };
        rules::check_payment(&as_domain, scheduled.received_fen, amount_fen)?;
        if paid_on < parse_day("signed_on", &agreement.signed_on)? {
            return Err(RegistryError::invalid(
                "paid_on",
                "到账日早于协议签订日",
                "the payment date is before the agreement was signed",
            ));
        }
        let mut tx = self.store.begin_write().await?;
        let seq: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM market_payments WHERE agreement = $1")
                .bind(agreement_id)
                .fetch_one(tx.connection())
                .await?
                .try_get("n")?;
        sqlx::query(
            "INSERT INTO market_payments (agreement, seq, instalment, paid_on, amount_fen, recorded_by, note) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(agreement_id)
        .bind(seq + 1)
        .bind(instalment)
        .bind(day(paid_on))
        .bind(amount_fen)
        .bind(actor.to_string())
        .bind(note.trim())
        .execute(tx.connection())
        .await?;
        request.remember(&mut tx, agreement_id).await?;
        self.audit(&mut tx, actor,
            "market.payment",
            agreement_id,
            note,
            serde_json::json!({ "instalment": instalment, "amount_fen": amount_fen, "paid_on": day(paid_on) })).await?;
        // The money received is the seller's transfer proceeds in the funds ledger, posted in
        // this same transaction so the market and the funds journal cannot disagree.
        self.post_payment_proceeds(
            &mut tx,
            actor,
            &code_of(&agreement.seller)?,
            agreement_id,
            instalment,
            seq + 1,
            amount_fen,
            paid_on,
        )
        .await?;
        tx.commit().await?;
        self.market_agreement(agreement_id).await
    }

    /// The seller withdraws an open listing (no agreement signed): the quota returns to its
    /// holding by a ledger `withdraw`.
    pub(crate) async fn withdraw_listing(
        &self,
        actor: &Actor,
        listing_id: &str,
        reason: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<MarketListing, RegistryError> {
        let request = Request::new(
            actor,
            key,
            "withdraw",
            serde_json::json!({ "listing": listing_id, "reason": reason.trim(), "as_of": day(as_of) }),
        )?;
        if let Some(id) = request.replayed(self).await? {
            return self.market_listing(&id).await;
        }
        require_reason(reason)?;
        let listing = self.market_listing(listing_id).await?;
        actor.require_jurisdiction(&code_of(&listing.seller)?)?;
        let next = rules::listing_next(listing.state, ListingEvent::Withdraw)?;
        let mut tx = self.store.begin_write().await?;
        self.return_quota(&mut tx, actor, &listing, "withdraw", reason, as_of)
            .await?;
        close_listing(&mut tx, listing_id, next, as_of, reason).await?;
        request.remember(&mut tx, listing_id).await?;
        self.audit(
            &mut tx,
            actor,
            "market.withdraw",
            listing_id,
            reason,
            serde_json::json!({ "amount_m2": listing.amount_m2 }),
        )
        .await?;
        tx.commit().await?;
        self.market_listing(listing_id).await
    }

    /// Expires every open listing of the actor's jurisdiction whose period closed before
    /// `as_of` with no agreement: the quota returns to the seller by a ledger `withdraw`.
    /// Idempotent (an expired listing is not open). Returns the ids expired.
    pub(crate) async fn expire_listings(
        &self,
        actor: &Actor,
        as_of: NaiveDate,
    ) -> Result<Vec<String>, RegistryError> {
        let open = self.market_listings(Some(ListingState::Open)).await?;
        let mut due = Vec::new();
        for listing in open {
            let seller = code_of(&listing.seller)?;
            let closes = parse_day("closes_on", &listing.closes_on)?;
            if actor.may_act_for(&seller) && rules::is_expired(listing.state, closes, as_of) {
                due.push(listing);
            }
        }
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin_write().await?;
        let mut expired = Vec::new();
        for listing in due {
            let next = rules::listing_next(listing.state, ListingEvent::Expire)?;
            let reason = format!(
                "公告期于 {} 届满，无协议 / the period closed on {} with no agreement",
                listing.closes_on, listing.closes_on
            );
            self.return_quota(&mut tx, actor, &listing, "expire", &reason, as_of)
                .await?;
            close_listing(&mut tx, &listing.id, next, as_of, &reason).await?;
            self.audit(
                &mut tx,
                actor,
                "market.expire",
                &listing.id,
                &reason,
                serde_json::json!({ "amount_m2": listing.amount_m2, "as_of": day(as_of) }),
            )
            .await?;
            expired.push(listing.id);
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Posts the ledger `withdraw` of what the listing's escrow holds back to the seller.
    async fn return_quota(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        listing: &MarketListing,
        why: &str,
        reason: &str,
        as_of: NaiveDate,
    ) -> Result<(), RegistryError> {
        let held = sqlx::query("SELECT balance_m2 FROM ledger_balances WHERE account = $1")
            .bind(
                Account::Listed {
                    listing: listing.id.clone(),
                }
                .key(),
            )
            .fetch_optional(tx.connection())
            .await?
            .map(|r| r.try_get::<i64, _>("balance_m2"))
            .transpose()?
            .unwrap_or(0);
        if held > 0 {
            let operation = Operation::Withdraw {
                listing: listing.id.clone(),
                amount_m2: held,
            };
            let meta = self.meta(
                actor,
                &format!("market:{why}:{}", listing.id),
                reason,
                as_of,
            );
            tx.post_ledger(&operation, &meta, &self.profile).await?;
        }
        Ok(())
    }

    /// The demo's market (the last step of `build_demo`): 宣汉县 (511722), which holds the
    /// surplus of its accepted project, lists 6 000 m² at the guide price, and the city of
    /// 成都 (510100) offers for all of it, so `/market` shows a live listing with an offer.
    pub(crate) async fn demo_market(&self) -> Result<(), RegistryError> {
        let seller = Actor::parse("县局经办人@511722")?;
        let date = |y, m, d| {
            NaiveDate::from_ymd_opt(y, m, d)
                .ok_or_else(|| RegistryError::invalid("date", "无效日期", "invalid date"))
        };
        let guide = self
            .profile
            .guide_price_on(date(2019, 7, 12)?)
            .and_then(|g| g.fen_per_mu())
            .map(|f| f.0)
            .ok_or_else(|| {
                RegistryError::invalid("guide_price", "无指导价", "no guide price in force")
            })?;
        let listing = self
            .publish_listing(
                &seller,
                &NewListing {
                    amount_m2: 6_000,
                    reserve_price_fen_per_mu: guide,
                    opens_on: date(2019, 7, 12)?,
                    closes_on: date(2019, 12, 31)?,
                    contact: "宣汉县国土资源局 耕保股 0818-0000000".into(),
                },
                date(2019, 7, 12)?,
                "demo:market:publish",
            )
            .await?;
        let buyer = Actor::parse("市局经办人@510100")?;
        self.make_offer(
            &buyer,
            &listing.id,
            &NewOffer {
                amount_m2: 6_000,
                price_fen_per_mu: guide,
                contact: "成都市国土资源局 028-0000000".into(),
            },
            date(2019, 7, 14)?,
            "demo:market:offer",
        )
        .await?;
        Ok(())
    }
}

async fn count_of(tx: &mut WriteTx, table: &str, listing: &str) -> Result<i64, RegistryError> {
    // `table` is one of this module's constants, never input.
    Ok(sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE listing = $1"
    ))
    .bind(listing)
    .fetch_one(tx.connection())
    .await?
    .try_get("n")?)
}

async fn set_state(
    tx: &mut WriteTx,
    table: &str,
    id: &str,
    state: &str,
) -> Result<(), RegistryError> {
    // `table` is one of this module's constants, never input.
    sqlx::query(&format!("UPDATE {table} SET state = $1 WHERE id = $2"))
        .bind(state)
        .bind(id)
        .execute(tx.connection())
        .await?;
    Ok(())
}

async fn close_listing(
    tx: &mut WriteTx,
    id: &str,
    state: ListingState,
    as_of: NaiveDate,
    reason: &str,
) -> Result<(), RegistryError> {
    sqlx::query(
        "UPDATE market_listings SET state = $1, closed_on = $2, close_reason = $3 WHERE id = $4",
    )
    .bind(state.as_str())
    .bind(day(as_of))
    .bind(reason)
    .bind(id)
    .execute(tx.connection())
    .await?;
    Ok(())
}

/// The seller's division of a listing, parsed (for callers that check rights).
pub fn seller_of(listing: &MarketListing) -> Result<DivisionCode, RegistryError> {
    code_of(&listing.seller)
}
