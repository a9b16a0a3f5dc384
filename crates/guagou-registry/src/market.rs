//! The transfer market (SPEC §8 "Market", 二(三)) as registry records around the ledger:
//! a listing (公告) escrows the seller's quota with a ledger `list`; offers come from other
//! county or city governments of the province; the seller accepts one offer by signing an
//! agreement (amount, price ≥ the guide price of the signing date, payment schedule);
//! settlement posts the ledger `transfer` (lots keep their provenance) and returns any unsold
//! rest with a `withdraw`; payments received are recorded per instalment, in 分.
//!
//! Every write is one transaction: the market rows, the ledger postings and the audit record
//! commit together or not at all, and everything a write decides on (its idempotency record,
//! the listing, offer and agreement, the escrow balance) is read inside that transaction, so
//! two racing steps are decided one after the other. The rules (states, price floor, schedule
//! sums) are in `guagou_domain::market`; this module checks rights (SPEC §1: the seller's
//! jurisdiction for the seller's steps, the buyer's own division for offers) and loads and
//! stores the records. Listing, offer and agreement ids come from the market's own sequences
//! (`market_sequences`), never from ledger data. Departments (land bureau, audit read-only) are
//! the web layer's to check.

use chrono::{Datelike, NaiveDate};
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{Account, Entry, LedgerError, Operation};
use guagou_domain::lifecycle::Level;
use guagou_domain::market::{
    self as rules, AgreementState, Instalment, ListingFacts, ListingState, MarketError, OfferState,
    Terms,
};
use guagou_store::{StoreError, WriteTx};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::jurisdiction;
use crate::projects::code_of;
use crate::{Actor, Registry};

impl From<MarketError> for RegistryError {
    fn from(e: MarketError) -> Self {
        match e {
            MarketError::State(l) => RegistryError::Lifecycle(l),
            MarketError::Invalid { field, zh, en } => RegistryError::invalid(field, zh, en),
            MarketError::Rule(result) => RegistryError::Rules(vec![*result]),
            MarketError::Conflict { code, zh, en } => RegistryError::Conflict { code, zh, en },
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
    /// Read in the write's own transaction: a repeat that races its first run waits for it
    /// and then finds its record.
    async fn replayed(&self, conn: &mut AnyConnection) -> Result<Option<String>, RegistryError> {
        let row = sqlx::query(
            "SELECT request_hash, result_id FROM market_requests WHERE actor = $1 AND request_key = $2",
        )
        .bind(&self.actor)
        .bind(&self.key)
        .fetch_optional(&mut *conn)
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
    // offers and agreements). Each is a `load_*` function on a connection, so that a write
    // reads the same rows through its own transaction.

    /// Every listing, newest first; `state` filters (`None`: all).
    pub(crate) async fn market_listings(
        &self,
        state: Option<ListingState>,
    ) -> Result<Vec<MarketListing>, RegistryError> {
        load_listings(&mut *self.read_conn().await?, state).await
    }

    /// One listing.
    pub(crate) async fn market_listing(&self, id: &str) -> Result<MarketListing, RegistryError> {
        load_listing(&mut *self.read_conn().await?, id).await
    }

    /// A listing with its offers, agreements and escrow balance.
    pub(crate) async fn market_listing_detail(
        &self,
        id: &str,
    ) -> Result<ListingDetail, RegistryError> {
        let mut conn = self.read_conn().await?;
        let listing = load_listing(&mut conn, id).await?;
        let offers = load_offers_of(&mut conn, id).await?;
        let ids: Vec<String> =
            sqlx::query("SELECT id FROM market_agreements WHERE listing = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
        let mut agreements = Vec::new();
        for agreement in ids {
            agreements.push(load_agreement(&mut conn, &agreement).await?);
        }
        let listed_balance_m2 = escrow_m2(&mut conn, id).await?;
        Ok(ListingDetail {
            listing,
            listed_balance_m2,
            offers,
            agreements,
        })
    }

    /// One offer.
    pub(crate) async fn market_offer(&self, id: &str) -> Result<Offer, RegistryError> {
        load_offer(&mut *self.read_conn().await?, id).await
    }

    /// Signed agreements (not settled or cancelled) with their schedules: the instalments
    /// still to be paid (the to-do centre).
    pub(crate) async fn signed_agreements(&self) -> Result<Vec<Agreement>, RegistryError> {
        self.agreements_in(Some(AgreementState::Signed)).await
    }

    /// Every agreement (optionally in one state), oldest first, with schedules and payments.
    pub(crate) async fn agreements_in(
        &self,
        state: Option<AgreementState>,
    ) -> Result<Vec<Agreement>, RegistryError> {
        let mut conn = self.read_conn().await?;
        let rows = match state {
            Some(state) => {
                sqlx::query("SELECT id FROM market_agreements WHERE state = $1 ORDER BY id")
                    .bind(state.as_str())
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT id FROM market_agreements ORDER BY id")
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
        let mut agreements = Vec::with_capacity(ids.len());
        for id in ids {
            agreements.push(load_agreement(&mut conn, &id).await?);
        }
        Ok(agreements)
    }

    /// One agreement with its schedule and payments.
    pub(crate) async fn market_agreement(&self, id: &str) -> Result<Agreement, RegistryError> {
        load_agreement(&mut *self.read_conn().await?, id).await
    }

    // -----------------------------------------------------------------------------------------
    // Writes. Each begins its write transaction first, checks the idempotency key and loads
    // the records it needs inside it, lets `guagou_domain::market` decide, and writes with
    // compare-and-set state changes (a second guard: a row that left the expected state makes
    // the step a 409 `state_changed`, and the transaction rolls back).

    /// Publishes a listing (挂牌公告) of the actor's own division from its holding: the reserve
    /// price must be at least the guide price in force on `as_of` (TRANSFER_PRICE_FLOOR), and
    /// only quota not reserved for local needs may be listed (LOCAL_NEEDS_FIRST, in the ledger).
    /// The id comes from the market's own sequence.
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_listing(tx.connection(), &id).await;
        }
        require_government(actor)?;
        let seller = actor.division.clone();
        let facts = ListingFacts {
            state: ListingState::Open,
            amount_m2: new.amount_m2,
            reserve_fen_per_mu: new.reserve_price_fen_per_mu,
            opens_on: new.opens_on,
            closes_on: new.closes_on,
        };
        let policy = self.policy_in(tx.connection()).await?;
        rules::decide_publish(&policy, &seller, &facts, &new.contact, as_of)?;
        let id = next_listing_id(tx.connection(), &seller, as_of.year()).await?;
        let operation = Operation::List {
            division: seller.clone(),
            listing: id.clone(),
            amount_m2: new.amount_m2,
        };
        let reason = format!("挂牌公告 {id}");
        self.post_market(
            &mut tx,
            actor,
            &operation,
            &format!("market:list:{id}"),
            &reason,
            as_of,
        )
        .await?;
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_offer(tx.connection(), &id).await;
        }
        require_government(actor)?;
        let listing = load_listing(tx.connection(), listing_id).await?;
        let seller = code_of(&listing.seller)?;
        let buyer = actor.division.clone();
        rules::decide_offer(
            &self.profile.profile.region,
            &seller,
            &buyer,
            &facts_of(&listing)?,
            new.amount_m2,
            new.price_fen_per_mu,
            as_of,
        )?;
        let id = next_child_id(tx.connection(), "offer", listing_id).await?;
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
        self.audit(&mut tx, actor, "market.offer", &id, "意向受让", payload)
            .await?;
        tx.commit().await?;
        self.market_offer(&id).await
    }

    /// The seller accepts an offer and signs the agreement on `as_of`: amount ≤ listed, price ≥
    /// the guide price of the signing date (TRANSFER_PRICE_FLOOR), a schedule summing exactly
    /// to amount × price. One agreement per listing: a second signature finds it agreed (409).
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_agreement(tx.connection(), &id).await;
        }
        let listing = load_listing(tx.connection(), listing_id).await?;
        let seller = code_of(&listing.seller)?;
        actor.require_jurisdiction(&seller)?;
        let offer = load_offer(tx.connection(), &new.offer).await?;
        if offer.listing != listing_id {
            return Err(not_found("意向/offer", &new.offer));
        }
        let policy = self.policy_in(tx.connection()).await?;
        let signing = rules::decide_sign(
            &policy,
            &facts_of(&listing)?,
            (offer.state, parse_day("offered_on", &offer.offered_on)?),
            &Terms {
                amount_m2: new.amount_m2,
                price_fen_per_mu: new.price_fen_per_mu,
                signed_on: as_of,
                schedule: &new.schedule,
            },
            seller.as_str(),
        )?;
        let id = next_child_id(tx.connection(), "agreement", listing_id).await?;
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
        .bind(signing.total_fen)
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
            OFFERS,
            &offer.id,
            offer.state.as_str(),
            OfferState::Accepted.as_str(),
        )
        .await?;
        set_state(
            &mut tx,
            LISTINGS,
            listing_id,
            listing.state.as_str(),
            signing.listing.as_str(),
        )
        .await?;
        request.remember(&mut tx, &id).await?;
        let payload = serde_json::json!({
            "listing": listing_id, "offer": offer.id, "buyer": offer.buyer,
            "amount_m2": new.amount_m2, "price_fen_per_mu": new.price_fen_per_mu,
            "total_fen": signing.total_fen, "schedule": new.schedule,
        });
        self.audit(&mut tx, actor, "market.sign", &id, "签订流转协议", payload)
            .await?;
        tx.commit().await?;
        self.market_agreement(&id).await
    }

    /// Cancels an unsettled agreement (either party), with the reason recorded; the listing is
    /// open again and the accepted offer is declined. A settled agreement cannot be cancelled.
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_agreement(tx.connection(), &id).await;
        }
        require_reason(reason)?;
        let agreement = load_agreement(tx.connection(), agreement_id).await?;
        let seller = code_of(&agreement.seller)?;
        let buyer = code_of(&agreement.buyer)?;
        if !actor.may_act_for(&seller) && !actor.may_act_for(&buyer) {
            actor.require_jurisdiction(&seller)?;
        }
        let listing = load_listing(tx.connection(), &agreement.listing).await?;
        let next = rules::decide_cancel(agreement.state, listing.state)?;
        let done = sqlx::query(
            "UPDATE market_agreements SET state = $1, cancelled_on = $2, cancel_reason = $3 \
             WHERE id = $4 AND state = $5",
        )
        .bind(next.agreement.as_str())
        .bind(day(as_of))
        .bind(reason.trim())
        .bind(agreement_id)
        .bind(agreement.state.as_str())
        .execute(tx.connection())
        .await?;
        require_one(
            done.rows_affected(),
            "协议/agreement",
            agreement_id,
            agreement.state.as_str(),
        )?;
        set_state(
            &mut tx,
            OFFERS,
            &agreement.offer,
            OfferState::Accepted.as_str(),
            OfferState::Declined.as_str(),
        )
        .await?;
        set_state(
            &mut tx,
            LISTINGS,
            &listing.id,
            listing.state.as_str(),
            next.listing.as_str(),
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
    /// returns any unsold rest to the seller, and the listing is settled. Of a settlement and
    /// a cancellation (or two settlements) racing, exactly one wins.
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_agreement(tx.connection(), &id).await;
        }
        let agreement = load_agreement(tx.connection(), agreement_id).await?;
        let seller = code_of(&agreement.seller)?;
        actor.require_jurisdiction(&seller)?;
        let buyer = code_of(&agreement.buyer)?;
        let listing = load_listing(tx.connection(), &agreement.listing).await?;
        let signed_on = parse_day("signed_on", &agreement.signed_on)?;
        let escrow = escrow_m2(tx.connection(), &listing.id).await?;
        let settlement = rules::decide_settle(
            agreement.state,
            listing.state,
            signed_on,
            as_of,
            agreement.amount_m2,
            escrow,
        )?;
        let reason = format!("流转协议 {agreement_id} 结算");
        let transfer = Operation::Transfer {
            listing: listing.id.clone(),
            buyer,
            amount_m2: agreement.amount_m2,
            price_fen_per_mu: agreement.price_fen_per_mu,
            // The floor is the guide price of the year the price was agreed (二(三)), checked
            // at signing; a rise between signing and settlement does not void the agreement.
            priced_on: Some(signed_on),
        };
        let entry = self
            .post_market(
                &mut tx,
                actor,
                &transfer,
                &format!("market:transfer:{agreement_id}"),
                &reason,
                as_of,
            )
            .await?;
        if settlement.rest_m2 > 0 {
            let back = Operation::Withdraw {
                listing: listing.id.clone(),
                amount_m2: settlement.rest_m2,
            };
            self.post_market(
                &mut tx,
                actor,
                &back,
                &format!("market:rest:{agreement_id}"),
                "协议未受让部分退回转让方",
                as_of,
            )
            .await?;
        }
        let done = sqlx::query(
            "UPDATE market_agreements SET state = $1, settled_on = $2, transfer_seq = $3 \
             WHERE id = $4 AND state = $5",
        )
        .bind(settlement.transition.agreement.as_str())
        .bind(day(as_of))
        .bind(i64::try_from(entry.seq).unwrap_or(i64::MAX))
        .bind(agreement_id)
        .bind(agreement.state.as_str())
        .execute(tx.connection())
        .await?;
        require_one(
            done.rows_affected(),
            "协议/agreement",
            agreement_id,
            agreement.state.as_str(),
        )?;
        let closing = Closing {
            from: listing.state,
            to: settlement.transition.listing,
            as_of,
            reason: &reason,
        };
        close_listing(&mut tx, &listing.id, &closing).await?;
        sqlx::query("UPDATE market_offers SET state = $1 WHERE listing = $2 AND state = $3")
            .bind(OfferState::Declined.as_str())
            .bind(&listing.id)
            .bind(OfferState::Open.as_str())
            .execute(tx.connection())
            .await?;
        let payload = serde_json::json!({
            "listing": listing.id, "transfer_seq": entry.seq, "money_fen": entry.money_fen,
            "returned_m2": settlement.rest_m2,
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
    /// by the seller's side. What was received is read inside the write transaction, so
    /// concurrent payments never add up to more than the instalment.
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_agreement(tx.connection(), &id).await;
        }
        let agreement = load_agreement(tx.connection(), agreement_id).await?;
        let seller = code_of(&agreement.seller)?;
        actor.require_jurisdiction(&seller)?;
        let scheduled = match agreement.schedule.iter().find(|i| i.number == instalment) {
            Some(i) => Some((
                Instalment {
                    number: u32::try_from(i.number).unwrap_or(0),
                    due_on: parse_day("due_on", &i.due_on)?,
                    amount_fen: i.amount_fen,
                },
                i.received_fen,
            )),
            None => None,
        };
        rules::decide_payment(
            agreement.state,
            parse_day("signed_on", &agreement.signed_on)?,
            instalment,
            scheduled.as_ref().map(|(i, received)| (i, *received)),
            amount_fen,
            paid_on,
        )?;
        let seq: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM market_payments WHERE agreement = $1",
        )
        .bind(agreement_id)
        .fetch_one(tx.connection())
        .await?
        .try_get("next")?;
        sqlx::query(
            "INSERT INTO market_payments (agreement, seq, instalment, paid_on, amount_fen, recorded_by, note) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(agreement_id)
        .bind(seq)
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
            &seller,
            agreement_id,
            instalment,
            seq,
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
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = request.replayed(tx.connection()).await? {
            return load_listing(tx.connection(), &id).await;
        }
        require_reason(reason)?;
        let listing = load_listing(tx.connection(), listing_id).await?;
        actor.require_jurisdiction(&code_of(&listing.seller)?)?;
        let next = rules::decide_withdraw(listing.state)?;
        let returned = self
            .return_quota(&mut tx, actor, &listing, "withdraw", reason, as_of)
            .await?;
        let closing = Closing {
            from: listing.state,
            to: next,
            as_of,
            reason,
        };
        close_listing(&mut tx, listing_id, &closing).await?;
        request.remember(&mut tx, listing_id).await?;
        self.audit(
            &mut tx,
            actor,
            "market.withdraw",
            listing_id,
            reason,
            serde_json::json!({ "amount_m2": listing.amount_m2, "returned_m2": returned }),
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
        let mut tx = self.store.begin_write().await?;
        let expired = self.expire_in(&mut tx, actor, as_of).await?;
        if expired.is_empty() {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(expired)
    }

    /// `expire_listings` inside `tx` (the deadline scan's own transaction uses it too): the
    /// open listings are read in `tx`, each expiry decided by the domain and written by
    /// compare-and-set.
    pub(crate) async fn expire_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        as_of: NaiveDate,
    ) -> Result<Vec<String>, RegistryError> {
        let open = load_listings(tx.connection(), Some(ListingState::Open)).await?;
        let mut expired = Vec::new();
        for listing in open {
            let seller = code_of(&listing.seller)?;
            let closes = parse_day("closes_on", &listing.closes_on)?;
            if !actor.may_act_for(&seller) {
                continue;
            }
            let Some(next) = rules::decide_expiry(listing.state, closes, as_of) else {
                continue;
            };
            let reason = format!("公告期于 {} 届满，无协议", listing.closes_on);
            self.return_quota(tx, actor, &listing, "expire", &reason, as_of)
                .await?;
            let closing = Closing {
                from: listing.state,
                to: next,
                as_of,
                reason: &reason,
            };
            close_listing(tx, &listing.id, &closing).await?;
            self.audit(
                tx,
                actor,
                "market.expire",
                &listing.id,
                &reason,
                serde_json::json!({ "amount_m2": listing.amount_m2, "as_of": day(as_of) }),
            )
            .await?;
            expired.push(listing.id);
        }
        Ok(expired)
    }

    /// Posts a market operation to the ledger in `tx` and checks every leg the engine planned
    /// against the actor's jurisdiction (the buyer of a transfer excepted).
    async fn post_market(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        operation: &Operation,
        key: &str,
        reason: &str,
        as_of: NaiveDate,
    ) -> Result<Entry, RegistryError> {
        let meta = self.meta(actor, key, reason, as_of);
        let policy = self.policy_for(tx.connection(), operation).await?;
        let entry = tx.post_ledger(operation, &meta, &policy).await?;
        jurisdiction::require_entry(tx.connection(), actor, self.province(), &entry).await?;
        Ok(entry)
    }

    /// Posts the ledger `withdraw` of what the listing's escrow holds back to the seller;
    /// returns the m² returned.
    async fn return_quota(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        listing: &MarketListing,
        why: &str,
        reason: &str,
        as_of: NaiveDate,
    ) -> Result<i64, RegistryError> {
        let held = escrow_m2(tx.connection(), &listing.id).await?;
        if held > 0 {
            let operation = Operation::Withdraw {
                listing: listing.id.clone(),
                amount_m2: held,
            };
            let key = format!("market:{why}:{}", listing.id);
            self.post_market(tx, actor, &operation, &key, reason, as_of)
                .await?;
        }
        Ok(held.max(0))
    }

    /// The demo's market (the last step of `build_demo`): 宣汉县 (511722), which holds the
    /// surplus of its accepted project, lists 6 000 m² at the guide price, and the city of
    /// 成都 (510100) offers for all of it, so `/market` shows a live listing with an offer.
    pub(crate) async fn demo_market(
        &self,
        cal: &crate::demo::DemoCalendar,
    ) -> Result<(), RegistryError> {
        let seller = Actor::parse("县局经办人@511722")?;
        let date = |y, m, d| cal.date(y, m, d);
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

/// The market's tables whose rows have a `state` (constants: never input).
const LISTINGS: &str = "market_listings";
const OFFERS: &str = "market_offers";

/// Moves a row of `table` from state `from` to `to` by compare-and-set: a row that is no
/// longer in `from` (another request changed it first) is a 409 `state_changed`.
async fn set_state(
    tx: &mut WriteTx,
    table: &'static str,
    id: &str,
    from: &str,
    to: &str,
) -> Result<(), RegistryError> {
    let done = sqlx::query(&format!(
        "UPDATE {table} SET state = $1 WHERE id = $2 AND state = $3"
    ))
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(tx.connection())
    .await?;
    let what = if table == LISTINGS {
        "公告/listing"
    } else {
        "意向/offer"
    };
    require_one(done.rows_affected(), what, id, from)
}

/// A compare-and-set changed exactly one row, or the record left `expected` meanwhile.
fn require_one(rows: u64, what: &str, id: &str, expected: &str) -> Result<(), RegistryError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(RegistryError::state_changed(what, id, expected))
    }
}

/// How a listing leaves the market.
struct Closing<'a> {
    from: ListingState,
    to: ListingState,
    as_of: NaiveDate,
    reason: &'a str,
}

async fn close_listing(
    tx: &mut WriteTx,
    id: &str,
    closing: &Closing<'_>,
) -> Result<(), RegistryError> {
    let done = sqlx::query(
        "UPDATE market_listings SET state = $1, closed_on = $2, close_reason = $3 \
         WHERE id = $4 AND state = $5",
    )
    .bind(closing.to.as_str())
    .bind(day(closing.as_of))
    .bind(closing.reason)
    .bind(id)
    .bind(closing.from.as_str())
    .execute(tx.connection())
    .await?;
    require_one(
        done.rows_affected(),
        "公告/listing",
        id,
        closing.from.as_str(),
    )
}

/// What the domain reads of a stored listing.
fn facts_of(listing: &MarketListing) -> Result<ListingFacts, RegistryError> {
    Ok(ListingFacts {
        state: listing.state,
        amount_m2: listing.amount_m2,
        reserve_fen_per_mu: listing.reserve_price_fen_per_mu,
        opens_on: parse_day("opens_on", &listing.opens_on)?,
        closes_on: parse_day("closes_on", &listing.closes_on)?,
    })
}

/// How many numbers a new id may skip (ids taken before the sequence existed) before giving
/// up: far more than any seller lists in a year.
const MAX_SKIPPED_IDS: usize = 100_000;

/// The next number (1, 2, …) of the market's sequence `name`, taken in the caller's write
/// transaction (so it rolls back with it, and no two writers get the same number).
async fn next_number(conn: &mut AnyConnection, name: &str) -> Result<i64, RegistryError> {
    sqlx::query(
        "INSERT INTO market_sequences (name, last_value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET last_value = market_sequences.last_value + 1",
    )
    .bind(name)
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query("SELECT last_value FROM market_sequences WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?
            .try_get("last_value")?,
    )
}

fn ids_exhausted(sequence: &str) -> RegistryError {
    RegistryError::conflict(
        guagou_domain::ErrorCode::IdsExhausted,
        format!("市场编号序列 {sequence} 找不到未用的编号"),
        format!("the market's id sequence {sequence} found no unused id"),
    )
}

/// A new listing id `GP-<seller>-<year>-<nnn>` from the market's sequence. An id already
/// used anywhere (a market listing, a ledger listing or its escrow account, e.g. one listed in
/// the general ledger before its namespace was closed) is skipped, never reused.
async fn next_listing_id(
    conn: &mut AnyConnection,
    seller: &DivisionCode,
    year: i32,
) -> Result<String, RegistryError> {
    let sequence = format!("listing:{seller}:{year}");
    for _ in 0..MAX_SKIPPED_IDS {
        let id = rules::market_listing_id(seller, year, next_number(conn, &sequence).await?);
        let escrow = Account::Listed {
            listing: id.clone(),
        }
        .key();
        let taken = sqlx::query(
            "SELECT 1 AS taken FROM market_listings WHERE id = $1 \
             UNION ALL SELECT 1 FROM ledger_listings WHERE listing = $1 \
             UNION ALL SELECT 1 FROM ledger_balances WHERE account = $2",
        )
        .bind(&id)
        .bind(&escrow)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
        if !taken {
            return Ok(id);
        }
    }
    Err(ids_exhausted(&sequence))
}

/// A new offer (`<listing>-O<n>`) or agreement (`<listing>-A<n>`) id from the market's
/// sequence of that listing, skipping ids already used.
async fn next_child_id(
    conn: &mut AnyConnection,
    kind: &'static str,
    listing: &str,
) -> Result<String, RegistryError> {
    let (table, letter) = match kind {
        "offer" => ("market_offers", 'O'),
        _ => ("market_agreements", 'A'),
    };
    let sequence = format!("{kind}:{listing}");
    for _ in 0..MAX_SKIPPED_IDS {
        let id = format!("{listing}-{letter}{}", next_number(conn, &sequence).await?);
        // `table` is one of the two constants above, never input.
        let taken = sqlx::query(&format!("SELECT 1 AS taken FROM {table} WHERE id = $1"))
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if !taken {
            return Ok(id);
        }
    }
    Err(ids_exhausted(&sequence))
}

/// What the escrow account of a listing holds (m²), read on `conn`.
async fn escrow_m2(conn: &mut AnyConnection, listing: &str) -> Result<i64, RegistryError> {
    let key = Account::Listed {
        listing: listing.to_owned(),
    }
    .key();
    Ok(
        sqlx::query("SELECT balance_m2 FROM ledger_balances WHERE account = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<i64, _>("balance_m2"))
            .transpose()?
            .unwrap_or(0),
    )
}

/// Every listing (in `state`, if given), newest first, read on `conn`.
async fn load_listings(
    conn: &mut AnyConnection,
    state: Option<ListingState>,
) -> Result<Vec<MarketListing>, RegistryError> {
    let rows = sqlx::query(&format!(
        "SELECT {LISTING_COLUMNS} FROM market_listings ORDER BY published_on DESC, id DESC"
    ))
    .fetch_all(&mut *conn)
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

/// One listing, read on `conn` (the pool's or a write transaction's).
async fn load_listing(conn: &mut AnyConnection, id: &str) -> Result<MarketListing, RegistryError> {
    let row = sqlx::query(&format!(
        "SELECT {LISTING_COLUMNS} FROM market_listings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found("公告/listing", id))?;
    listing_from(&row)
}

/// One offer, read on `conn`.
async fn load_offer(conn: &mut AnyConnection, id: &str) -> Result<Offer, RegistryError> {
    let row = sqlx::query(&format!(
        "SELECT {OFFER_COLUMNS} FROM market_offers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found("意向/offer", id))?;
    offer_from(&row)
}

/// The offers on a listing, oldest first, read on `conn`.
async fn load_offers_of(
    conn: &mut AnyConnection,
    listing: &str,
) -> Result<Vec<Offer>, RegistryError> {
    sqlx::query(&format!(
        "SELECT {OFFER_COLUMNS} FROM market_offers WHERE listing = $1 ORDER BY id"
    ))
    .bind(listing)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(offer_from)
    .collect()
}

/// One agreement with its schedule and payments, read on `conn`.
async fn load_agreement(conn: &mut AnyConnection, id: &str) -> Result<Agreement, RegistryError> {
    let row = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM market_agreements WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found("协议/agreement", id))?;
    let mut agreement = agreement_from(&row)?;
    agreement.payments = sqlx::query(
        "SELECT seq, instalment, paid_on, amount_fen, recorded_by, note FROM market_payments \
         WHERE agreement = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
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

/// The seller's division of a listing, parsed (for callers that check rights).
pub fn seller_of(listing: &MarketListing) -> Result<DivisionCode, RegistryError> {
    code_of(&listing.seller)
}
