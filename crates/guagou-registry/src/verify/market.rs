//! The transfer market against the ledger, the funds journal and the audit log.
//!
//! - listings: the ledger `list` entry of the listing (seller, amount, date); the escrow
//!   account `listed:<id>` holds the amount while open or agreed and nothing once closed;
//!   state, dates and reasons from the `market.*` records;
//! - offers and agreements: the `market.offer` / `market.sign` records (amount, price, buyer,
//!   schedule, total); `total_fen` is what the domain computes from amount and price; a settled
//!   agreement's `transfer_seq` is the ledger `transfer` of its listing, buyer, amount, price
//!   and money, dated the settlement day;
//! - instalments: the signed schedule, summing to the total;
//! - payments: one `market.payment` record each, never more than their instalment, and
//!   exactly one funds `proceeds` entry each (key `market-payment:<agreement>:<seq>`, same
//!   seller, instalment, amount and date) — and every proceeds entry is such a payment's.

use std::collections::{BTreeMap, BTreeSet};

use guagou_domain::funds::{FundsEntry, FundsOperation};
use guagou_domain::ledger::Operation;
use guagou_domain::market::{AgreementState, ListingState, OfferState, agreement_total_fen};
use guagou_store::AnyConnection;
use sqlx::Row;

use super::{
    AuditRec, Check, Findings, Source, ledger_balance, ledger_entry_by_key, ledger_entry_by_seq,
    show,
};
use crate::RegistryError;

#[derive(Debug, Clone)]
struct ListingReplay {
    seq: u64,
    actor: String,
    seller: String,
    amount_m2: i64,
    reserve: i64,
    opens_on: String,
    closes_on: String,
    state: ListingState,
    /// (closed_on when the record says it, close_reason)
    closed: Option<(Option<String>, String)>,
}

#[derive(Debug, Clone)]
struct OfferReplay {
    seq: u64,
    actor: String,
    listing: String,
    buyer: String,
    amount_m2: i64,
    price: i64,
    state: OfferState,
}

#[derive(Debug, Clone)]
struct PaymentReplay {
    seq: u64,
    actor: String,
    instalment: i64,
    amount_fen: i64,
    paid_on: String,
    note: String,
}

#[derive(Debug, Clone)]
struct AgreementReplay {
    seq: u64,
    actor: String,
    listing: String,
    offer: String,
    buyer: String,
    amount_m2: i64,
    price: i64,
    total_fen: i64,
    /// (number, due_on, amount_fen)
    schedule: Vec<(i64, String, i64)>,
    state: AgreementState,
    transfer_seq: Option<i64>,
    /// (cancelled_on, reason)
    cancelled: Option<(String, String)>,
    payments: Vec<PaymentReplay>,
}

/// The `market.*` records.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    listings: BTreeMap<String, ListingReplay>,
    offers: BTreeMap<String, OfferReplay>,
    agreements: BTreeMap<String, AgreementReplay>,
    /// Records that name a listing, offer or agreement never created (seq, what).
    orphans: Vec<(u64, String)>,
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        match rec.action.as_str() {
            "market.publish" => {
                self.listings.insert(
                    rec.subject.clone(),
                    ListingReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        seller: rec.division(),
                        amount_m2: rec.int("amount_m2").unwrap_or(0),
                        reserve: rec.int("reserve_price_fen_per_mu").unwrap_or(0),
                        opens_on: rec.text("opens_on"),
                        closes_on: rec.text("closes_on"),
                        state: ListingState::Open,
                        closed: None,
                    },
                );
            }
            "market.offer" => {
                self.offers.insert(
                    rec.subject.clone(),
                    OfferReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        listing: rec.text("listing"),
                        buyer: rec.text("buyer"),
                        amount_m2: rec.int("amount_m2").unwrap_or(0),
                        price: rec.int("price_fen_per_mu").unwrap_or(0),
                        state: OfferState::Open,
                    },
                );
            }
            "market.sign" => self.sign(rec),
            "market.cancel" => self.cancel(rec),
            "market.settle" => self.settle(rec),
            "market.payment" => match self.agreements.get_mut(&rec.subject) {
                Some(a) => a.payments.push(PaymentReplay {
                    seq: rec.seq,
                    actor: rec.actor.clone(),
                    instalment: rec.int("instalment").unwrap_or(0),
                    amount_fen: rec.int("amount_fen").unwrap_or(0),
                    paid_on: rec.text("paid_on"),
                    note: rec.reason.trim().to_owned(),
                }),
                None => self.orphans.push((rec.seq, rec.subject.clone())),
            },
            "market.withdraw" | "market.expire" => {
                let (state, on) = if rec.action == "market.withdraw" {
                    (ListingState::Withdrawn, None)
                } else {
                    (ListingState::Expired, rec.opt_text("as_of"))
                };
                match self.listings.get_mut(&rec.subject) {
                    Some(l) => {
                        l.state = state;
                        l.closed = Some((on, rec.reason.clone()));
                    }
                    None => self.orphans.push((rec.seq, rec.subject.clone())),
                }
            }
            _ => {}
        }
    }

    fn sign(&mut self, rec: &AuditRec) {
        let schedule = rec
            .payload
            .get("schedule")
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        (
                            i.get("number")
                                .and_then(serde_json::Value::as_i64)
                                .unwrap_or(0),
                            i.get("due_on")
                                .and_then(serde_json::Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            i.get("amount_fen")
                                .and_then(serde_json::Value::as_i64)
                                .unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let agreement = AgreementReplay {
            seq: rec.seq,
            actor: rec.actor.clone(),
            listing: rec.text("listing"),
            offer: rec.text("offer"),
            buyer: rec.text("buyer"),
            amount_m2: rec.int("amount_m2").unwrap_or(0),
            price: rec.int("price_fen_per_mu").unwrap_or(0),
            total_fen: rec.int("total_fen").unwrap_or(0),
            schedule,
            state: AgreementState::Signed,
            transfer_seq: None,
            cancelled: None,
            payments: Vec::new(),
        };
        if let Some(o) = self.offers.get_mut(&agreement.offer) {
            o.state = OfferState::Accepted;
        }
        match self.listings.get_mut(&agreement.listing) {
            Some(l) => l.state = ListingState::Agreed,
            None => self.orphans.push((rec.seq, agreement.listing.clone())),
        }
        self.agreements.insert(rec.subject.clone(), agreement);
    }

    fn cancel(&mut self, rec: &AuditRec) {
        let Some(a) = self.agreements.get_mut(&rec.subject) else {
            self.orphans.push((rec.seq, rec.subject.clone()));
            return;
        };
        a.state = AgreementState::Cancelled;
        a.cancelled = Some((rec.text("cancelled_on"), rec.reason.trim().to_owned()));
        if let Some(o) = self.offers.get_mut(&a.offer) {
            o.state = OfferState::Declined;
        }
        if let Some(l) = self.listings.get_mut(&a.listing) {
            l.state = ListingState::Open;
        }
    }

    fn settle(&mut self, rec: &AuditRec) {
        let Some(a) = self.agreements.get_mut(&rec.subject) else {
            self.orphans.push((rec.seq, rec.subject.clone()));
            return;
        };
        a.state = AgreementState::Settled;
        a.transfer_seq = rec.int("transfer_seq");
        let listing = a.listing.clone();
        if let Some(l) = self.listings.get_mut(&listing) {
            l.state = ListingState::Settled;
            l.closed = Some((None, rec.reason.clone()));
        }
        for o in self.offers.values_mut() {
            if o.listing == listing && o.state == OfferState::Open {
                o.state = OfferState::Declined;
            }
        }
    }

    pub(crate) async fn check(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<Check>, RegistryError> {
        let mut f = Findings::new();
        for (seq, id) in &self.orphans {
            f.fail(
                "row_missing",
                "market_listings",
                id,
                None,
                format!("审计记录 {seq} 针对的 {id} 从未登记"),
                format!("audit record {seq} acts on {id}, which was never recorded"),
            );
        }
        let sellers = self.check_listings(conn, &mut f).await?;
        self.check_offers(conn, &mut f).await?;
        self.check_agreements(conn, &sellers, &mut f).await?;
        self.check_instalments(conn, &mut f).await?;
        self.check_payments(conn, &sellers, &mut f).await?;
        Ok(vec![f.into_check(
            "market",
            "指标市场（公告、意向、协议、付款计划、到账）对照台账、资金台账与审计记录",
            "the market (listings, offers, agreements, schedules, payments) against the ledger, the funds journal and the audit log",
        )])
    }

    /// Listings; returns each listing's stored seller (for agreements and payments).
    async fn check_listings(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<BTreeMap<String, String>, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, seller, amount_m2, reserve_price_fen_per_mu, opens_on, closes_on, state, \
             published_on, published_by, closed_on, close_reason FROM market_listings ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "market_listings";
        let mut sellers = BTreeMap::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            let seller: String = r.try_get("seller")?;
            let amount: i64 = r.try_get("amount_m2")?;
            let state: String = r.try_get("state")?;
            sellers.insert(id.clone(), seller.clone());
            match self.listings.get(&id) {
                None => f.unrecorded(t, &id, "挂牌审计记录", "publish audit record"),
                Some(l) => {
                    let src = Source::audit(l.seq);
                    f.same(t, &id, "seller", &seller, &l.seller, &src);
                    f.same(t, &id, "amount_m2", &amount, &l.amount_m2, &src);
                    f.same(
                        t,
                        &id,
                        "reserve_price_fen_per_mu",
                        &r.try_get::<i64, _>("reserve_price_fen_per_mu")?,
                        &l.reserve,
                        &src,
                    );
                    f.same(
                        t,
                        &id,
                        "opens_on",
                        &r.try_get::<String, _>("opens_on")?,
                        &l.opens_on,
                        &src,
                    );
                    f.same(
                        t,
                        &id,
                        "closes_on",
                        &r.try_get::<String, _>("closes_on")?,
                        &l.closes_on,
                        &src,
                    );
                    f.same(
                        t,
                        &id,
                        "published_by",
                        &r.try_get::<String, _>("published_by")?,
                        &l.actor,
                        &src,
                    );
                    let trail = Source::text(
                        format!("公告 {id} 的审计记录"),
                        format!("the audit records of listing {id}"),
                    );
                    f.same(
                        t,
                        &id,
                        "state",
                        &state,
                        &l.state.as_str().to_owned(),
                        &trail,
                    );
                    let close_reason: Option<String> = r.try_get("close_reason")?;
                    f.same(
                        t,
                        &id,
                        "close_reason",
                        &close_reason,
                        &l.closed.as_ref().map(|c| c.1.clone()),
                        &trail,
                    );
                    if let Some((Some(on), _)) = &l.closed {
                        f.same(
                            t,
                            &id,
                            "closed_on",
                            &r.try_get::<Option<String>, _>("closed_on")?,
                            &Some(on.clone()),
                            &trail,
                        );
                    }
                }
            }
            // The escrow: the ledger `list` entry, and what `listed:<id>` holds now.
            match ledger_entry_by_key(conn, &format!("market:list:{id}")).await? {
                Some(entry) => {
                    let l = Source::ledger(entry.seq);
                    match &entry.operation {
                        Operation::List {
                            division,
                            listing,
                            amount_m2,
                        } if listing == &id => {
                            f.same(t, &id, "seller", &seller, &division.as_str().to_owned(), &l);
                            f.same(t, &id, "amount_m2", &amount, amount_m2, &l);
                            f.same(
                                t,
                                &id,
                                "published_on",
                                &r.try_get::<String, _>("published_on")?,
                                &entry.meta.effective.to_string(),
                                &l,
                            );
                        }
                        other => f.fail(
                            "field_mismatch",
                            t,
                            &id,
                            None,
                            format!("台账条目 {} 不是本公告的挂牌：{}", entry.seq, show(other)),
                            format!(
                                "ledger entry {} is not this listing's list: {}",
                                entry.seq,
                                show(other)
                            ),
                        ),
                    }
                }
                None => f.fail(
                    "row_unrecorded",
                    t,
                    &id,
                    None,
                    format!("没有挂牌台账条目（market:list:{id}）"),
                    format!("no ledger list entry (market:list:{id})"),
                ),
            }
            let held = ledger_balance(conn, &format!("listed:{id}")).await?;
            let expected = match ListingState::parse(&state) {
                Some(ListingState::Open | ListingState::Agreed) => amount,
                _ => 0,
            };
            if held != expected {
                f.fail(
                    "field_mismatch",
                    t,
                    &id,
                    Some("state"),
                    format!("公告状态为 {state}，应托管 {expected} m²，台账账户 listed:{id} 余额为 {held} m²"),
                    format!("the listing is {state} and should hold {expected} m² in escrow; ledger account listed:{id} holds {held} m²"),
                );
            }
        }
        for (id, l) in &self.listings {
            if !sellers.contains_key(id) {
                f.missing(t, id, &Source::audit(l.seq));
            }
        }
        Ok(sellers)
    }

    async fn check_offers(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let rows = sqlx::query(
            "SELECT id, listing, buyer, amount_m2, price_fen_per_mu, offered_by, state FROM market_offers ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "market_offers";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(o) = self.offers.get(&id) else {
                f.unrecorded(t, &id, "意向审计记录", "offer audit record");
                continue;
            };
            let src = Source::audit(o.seq);
            f.same(
                t,
                &id,
                "listing",
                &r.try_get::<String, _>("listing")?,
                &o.listing,
                &src,
            );
            f.same(
                t,
                &id,
                "buyer",
                &r.try_get::<String, _>("buyer")?,
                &o.buyer,
                &src,
            );
            f.same(
                t,
                &id,
                "amount_m2",
                &r.try_get::<i64, _>("amount_m2")?,
                &o.amount_m2,
                &src,
            );
            f.same(
                t,
                &id,
                "price_fen_per_mu",
                &r.try_get::<i64, _>("price_fen_per_mu")?,
                &o.price,
                &src,
            );
            f.same(
                t,
                &id,
                "offered_by",
                &r.try_get::<String, _>("offered_by")?,
                &o.actor,
                &src,
            );
            let trail = Source::text(
                format!("意向 {id} 的审计记录"),
                format!("the audit records of offer {id}"),
            );
            f.same(
                t,
                &id,
                "state",
                &r.try_get::<String, _>("state")?,
                &o.state.as_str().to_owned(),
                &trail,
            );
        }
        for (id, o) in &self.offers {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(o.seq));
            }
        }
        Ok(())
    }

    async fn check_agreements(
        &self,
        conn: &mut AnyConnection,
        sellers: &BTreeMap<String, String>,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let rows = sqlx::query(
            "SELECT id, listing, offer, seller, buyer, amount_m2, price_fen_per_mu, total_fen, \
             signed_by, state, settled_on, transfer_seq, cancelled_on, cancel_reason \
             FROM market_agreements ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "market_agreements";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let listing: String = r.try_get("listing")?;
            let seller: String = r.try_get("seller")?;
            let buyer: String = r.try_get("buyer")?;
            let amount: i64 = r.try_get("amount_m2")?;
            let price: i64 = r.try_get("price_fen_per_mu")?;
            let total: i64 = r.try_get("total_fen")?;
            let state: String = r.try_get("state")?;
            let transfer_seq: Option<i64> = r.try_get("transfer_seq")?;
            let settled_on: Option<String> = r.try_get("settled_on")?;
            if let Ok(computed) = agreement_total_fen(amount, price) {
                f.same(
                    t,
                    &id,
                    "total_fen",
                    &total,
                    &computed,
                    &Source::text(
                        format!("按 {amount} m² 与 {price} 分/亩的计算"),
                        format!("the total computed from {amount} m² at {price} 分/亩"),
                    ),
                );
            }
            if let Some(s) = sellers.get(&listing) {
                f.same(
                    t,
                    &id,
                    "seller",
                    &seller,
                    s,
                    &Source::text("公告的转让方", "the listing's seller"),
                );
            }
            match self.agreements.get(&id) {
                None => f.unrecorded(t, &id, "签约审计记录", "signing audit record"),
                Some(a) => {
                    let src = Source::audit(a.seq);
                    f.same(t, &id, "listing", &listing, &a.listing, &src);
                    f.same(
                        t,
                        &id,
                        "offer",
                        &r.try_get::<String, _>("offer")?,
                        &a.offer,
                        &src,
                    );
                    f.same(t, &id, "buyer", &buyer, &a.buyer, &src);
                    f.same(t, &id, "amount_m2", &amount, &a.amount_m2, &src);
                    f.same(t, &id, "price_fen_per_mu", &price, &a.price, &src);
                    f.same(t, &id, "total_fen", &total, &a.total_fen, &src);
                    f.same(
                        t,
                        &id,
                        "signed_by",
                        &r.try_get::<String, _>("signed_by")?,
                        &a.actor,
                        &src,
                    );
                    let trail = Source::text(
                        format!("协议 {id} 的审计记录"),
                        format!("the audit records of agreement {id}"),
                    );
                    f.same(
                        t,
                        &id,
                        "state",
                        &state,
                        &a.state.as_str().to_owned(),
                        &trail,
                    );
                    f.same(
                        t,
                        &id,
                        "transfer_seq",
                        &transfer_seq,
                        &a.transfer_seq,
                        &trail,
                    );
                    let (cancelled_on, cancel_reason) = match &a.cancelled {
                        Some((on, why)) => (Some(on.clone()), Some(why.clone())),
                        None => (None, None),
                    };
                    f.same(
                        t,
                        &id,
                        "cancelled_on",
                        &r.try_get::<Option<String>, _>("cancelled_on")?,
                        &cancelled_on,
                        &trail,
                    );
                    f.same(
                        t,
                        &id,
                        "cancel_reason",
                        &r.try_get::<Option<String>, _>("cancel_reason")?,
                        &cancel_reason,
                        &trail,
                    );
                }
            }
            let settled = AgreementState::parse(&state) == Some(AgreementState::Settled);
            match (settled, transfer_seq) {
                (true, Some(seq)) => {
                    check_transfer(
                        conn,
                        f,
                        &id,
                        seq,
                        (&listing, &buyer, amount, price, total),
                        settled_on.as_deref(),
                    )
                    .await?;
                }
                (true, None) => f.fail(
                    "row_unrecorded",
                    t,
                    &id,
                    Some("transfer_seq"),
                    "已结算但没有流转台账条目".to_owned(),
                    "settled, but names no ledger transfer".to_owned(),
                ),
                (false, _) if settled_on.is_some() || transfer_seq.is_some() => f.fail(
                    "field_mismatch",
                    t,
                    &id,
                    Some("state"),
                    format!("状态为 {state}，却有结算日期或流转条目"),
                    format!("{state}, but has a settlement date or ledger transfer"),
                ),
                _ => {}
            }
        }
        for (id, a) in &self.agreements {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(a.seq));
            }
        }
        Ok(())
    }

    async fn check_instalments(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let totals: BTreeMap<String, i64> =
            sqlx::query("SELECT id, total_fen FROM market_agreements")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT agreement, number, due_on, amount_fen FROM market_instalments ORDER BY agreement, number",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "market_instalments";
        let mut stored: BTreeMap<String, Vec<(i64, String, i64)>> = BTreeMap::new();
        for r in &rows {
            f.row();
            stored.entry(r.try_get("agreement")?).or_default().push((
                r.try_get("number")?,
                r.try_get("due_on")?,
                r.try_get("amount_fen")?,
            ));
        }
        let ids: BTreeSet<&String> = stored.keys().chain(self.agreements.keys()).collect();
        for id in ids {
            let rows = stored.get(id).cloned().unwrap_or_default();
            if let Some(a) = self.agreements.get(id) {
                let src = Source::audit(a.seq);
                let by_number: BTreeMap<i64, &(i64, String, i64)> =
                    rows.iter().map(|i| (i.0, i)).collect();
                for expected in &a.schedule {
                    let key = format!("agreement={id} number={}", expected.0);
                    match by_number.get(&expected.0) {
                        None => f.missing(t, &key, &src),
                        Some(row) => {
                            f.same(t, &key, "due_on", &row.1, &expected.1, &src);
                            f.same(t, &key, "amount_fen", &row.2, &expected.2, &src);
                        }
                    }
                }
                for row in &rows {
                    if !a.schedule.iter().any(|e| e.0 == row.0) {
                        f.unrecorded(
                            t,
                            &format!("agreement={id} number={}", row.0),
                            "签约审计记录中的付款期",
                            "instalment in the signing audit record",
                        );
                    }
                }
            } else if !rows.is_empty() {
                f.unrecorded(
                    t,
                    &format!("agreement={id}"),
                    "签约审计记录",
                    "signing audit record",
                );
            }
            if let Some(total) = totals.get(id) {
                let sum: i64 = rows.iter().map(|i| i.2).sum();
                if sum != *total {
                    f.fail(
                        "field_mismatch",
                        t,
                        &format!("agreement={id}"),
                        Some("amount_fen"),
                        format!("协议 {id} 的付款期合计 {sum} 分，协议总价 {total} 分"),
                        format!("the instalments of agreement {id} sum to {sum} 分; its total is {total} 分"),
                    );
                }
            }
        }
        Ok(())
    }

    async fn check_payments(
        &self,
        conn: &mut AnyConnection,
        sellers: &BTreeMap<String, String>,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let agreements: BTreeMap<String, (String, String)> =
            sqlx::query("SELECT id, listing, signed_on FROM market_agreements")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
                .collect::<Result<_, sqlx::Error>>()?;
        let instalments: BTreeMap<(String, i64), i64> =
            sqlx::query("SELECT agreement, number, amount_fen FROM market_instalments")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT agreement, seq, instalment, paid_on, amount_fen, recorded_by, note \
             FROM market_payments ORDER BY agreement, seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let proceeds = read_proceeds(conn).await?;
        let t = "market_payments";
        let mut received: BTreeMap<(String, i64), i64> = BTreeMap::new();
        let mut stored: BTreeSet<(String, i64)> = BTreeSet::new();
        let mut matched: BTreeSet<u64> = BTreeSet::new();
        for r in &rows {
            f.row();
            let agreement: String = r.try_get("agreement")?;
            let seq: i64 = r.try_get("seq")?;
            let instalment: i64 = r.try_get("instalment")?;
            let paid_on: String = r.try_get("paid_on")?;
            let amount: i64 = r.try_get("amount_fen")?;
            let key = format!("agreement={agreement} seq={seq}");
            stored.insert((agreement.clone(), seq));
            *received.entry((agreement.clone(), instalment)).or_default() += amount;
            let audited = self.agreements.get(&agreement).and_then(|a| {
                usize::try_from(seq - 1)
                    .ok()
                    .and_then(|i| a.payments.get(i))
            });
            match audited {
                None => f.unrecorded(t, &key, "到账审计记录", "payment audit record"),
                Some(p) => {
                    let src = Source::audit(p.seq);
                    f.same(t, &key, "instalment", &instalment, &p.instalment, &src);
                    f.same(t, &key, "amount_fen", &amount, &p.amount_fen, &src);
                    f.same(t, &key, "paid_on", &paid_on, &p.paid_on, &src);
                    f.same(
                        t,
                        &key,
                        "recorded_by",
                        &r.try_get::<String, _>("recorded_by")?,
                        &p.actor,
                        &src,
                    );
                    f.same(
                        t,
                        &key,
                        "note",
                        &r.try_get::<String, _>("note")?,
                        &p.note,
                        &src,
                    );
                }
            }
            if let Some((_, signed_on)) = agreements.get(&agreement)
                && paid_on < *signed_on
            {
                f.fail(
                    "rule_broken",
                    t,
                    &key,
                    Some("paid_on"),
                    format!("到账日 {paid_on} 早于签约日 {signed_on}"),
                    format!("paid on {paid_on}, before the agreement was signed on {signed_on}"),
                );
            }
            // Exactly one proceeds entry, under the payment's key.
            let seller = agreements
                .get(&agreement)
                .and_then(|(listing, _)| sellers.get(listing))
                .cloned()
                .unwrap_or_default();
            match proceeds
                .by_key
                .get(&format!("market-payment:{agreement}:{seq}"))
            {
                None => f.fail(
                    "row_unrecorded",
                    t,
                    &key,
                    None,
                    "没有资金台账的流转收益条目".to_owned(),
                    "no transfer-proceeds entry in the funds journal".to_owned(),
                ),
                Some(entry) => {
                    matched.insert(entry.seq);
                    let src = Source::funds(entry.seq);
                    match &entry.operation {
                        FundsOperation::Proceeds {
                            county,
                            agreement: a,
                            instalment: i,
                            amount_fen,
                        } => {
                            f.same(t, &key, "agreement", &agreement, a, &src);
                            f.same(t, &key, "instalment", &instalment, i, &src);
                            f.same(t, &key, "amount_fen", &amount, amount_fen, &src);
                            f.same(
                                t,
                                &key,
                                "seller",
                                &seller,
                                &county.as_str().to_owned(),
                                &src,
                            );
                            f.same(
                                t,
                                &key,
                                "paid_on",
                                &paid_on,
                                &entry.meta.effective.to_string(),
                                &src,
                            );
                        }
                        other => f.fail(
                            "field_mismatch",
                            t,
                            &key,
                            None,
                            format!("资金台账条目 {} 不是流转收益：{}", entry.seq, show(other)),
                            format!(
                                "funds entry {} is not transfer proceeds: {}",
                                entry.seq,
                                show(other)
                            ),
                        ),
                    }
                }
            }
        }
        // Payments the audit log records whose rows are gone.
        for (id, a) in &self.agreements {
            for (i, p) in a.payments.iter().enumerate() {
                let seq = i64::try_from(i + 1).unwrap_or(i64::MAX);
                if !stored.contains(&(id.clone(), seq)) {
                    f.missing(
                        t,
                        &format!("agreement={id} seq={seq}"),
                        &Source::audit(p.seq),
                    );
                }
            }
        }
        // Every proceeds entry is a stored payment's.
        for entry in proceeds.all.iter().filter(|e| !matched.contains(&e.seq)) {
            f.fail(
                "row_missing",
                t,
                &entry.meta.key.strip_prefix("market-payment:").map_or_else(
                    || entry.meta.key.clone(),
                    |rest| match rest.rsplit_once(':') {
                        Some((agreement, seq)) => format!("agreement={agreement} seq={seq}"),
                        None => rest.to_owned(),
                    },
                ),
                None,
                format!(
                    "资金台账条目 {}（流转收益，{}）没有对应的到账记录",
                    entry.seq, entry.meta.key
                ),
                format!(
                    "funds entry {} (transfer proceeds, {}) has no payment row",
                    entry.seq, entry.meta.key
                ),
            );
        }
        // Never more than the instalment.
        for ((agreement, number), sum) in &received {
            let due = instalments
                .get(&(agreement.clone(), *number))
                .copied()
                .unwrap_or(0);
            if *sum > due {
                f.fail(
                    "rule_broken",
                    t,
                    &format!("agreement={agreement} instalment={number}"),
                    Some("amount_fen"),
                    format!("第 {number} 期已到账 {sum} 分，超过应付 {due} 分"),
                    format!("instalment {number} received {sum} 分, more than the {due} 分 due"),
                );
            }
        }
        Ok(())
    }
}

/// A settled agreement's ledger transfer: that listing, buyer, amount, price and money, dated
/// the settlement day.
async fn check_transfer(
    conn: &mut AnyConnection,
    f: &mut Findings,
    id: &str,
    seq: i64,
    (listing, buyer, amount, price, total): (&str, &str, i64, i64, i64),
    settled_on: Option<&str>,
) -> Result<(), RegistryError> {
    let t = "market_agreements";
    let Some(entry) = ledger_entry_by_seq(conn, seq).await? else {
        f.fail(
            "row_missing",
            t,
            id,
            Some("transfer_seq"),
            format!("流转台账条目 {seq} 不存在"),
            format!("its ledger transfer {seq} does not exist"),
        );
        return Ok(());
    };
    let src = Source::ledger(entry.seq);
    match &entry.operation {
        Operation::Transfer {
            listing: l,
            buyer: b,
            amount_m2,
            price_fen_per_mu,
            ..
        } => {
            f.same(t, id, "listing", &listing.to_owned(), l, &src);
            f.same(
                t,
                id,
                "buyer",
                &buyer.to_owned(),
                &b.as_str().to_owned(),
                &src,
            );
            f.same(t, id, "amount_m2", &amount, amount_m2, &src);
            f.same(t, id, "price_fen_per_mu", &price, price_fen_per_mu, &src);
            f.same(t, id, "total_fen", &Some(total), &entry.money_fen, &src);
            f.same(
                t,
                id,
                "settled_on",
                &settled_on.map(str::to_owned),
                &Some(entry.meta.effective.to_string()),
                &src,
            );
        }
        other => f.fail(
            "field_mismatch",
            t,
            id,
            Some("transfer_seq"),
            format!("台账条目 {seq} 不是流转：{}", show(other)),
            format!("ledger entry {seq} is not a transfer: {}", show(other)),
        ),
    }
    Ok(())
}

/// The funds journal's proceeds entries, by idempotency key.
struct Proceeds {
    all: Vec<FundsEntry>,
    by_key: BTreeMap<String, FundsEntry>,
}

async fn read_proceeds(conn: &mut AnyConnection) -> Result<Proceeds, RegistryError> {
    let rows =
        sqlx::query("SELECT entry_json FROM funds_entries WHERE kind = 'proceeds' ORDER BY seq")
            .fetch_all(&mut *conn)
            .await?;
    let mut all = Vec::with_capacity(rows.len());
    for r in &rows {
        // An undecodable entry is the funds check's to report.
        if let Ok(entry) = serde_json::from_str::<FundsEntry>(&r.try_get::<String, _>(0)?) {
            all.push(entry);
        }
    }
    let by_key = all
        .iter()
        .map(|e| (e.meta.key.clone(), e.clone()))
        .collect();
    Ok(Proceeds { all, by_key })
}
