//! What a user reads of the market, and the stable export for the provincial platform.
//!
//! Listings are market data: every signed-in user reads every listing. Offers are read by the
//! seller's jurisdiction and by the offering government; agreements by the seller's and the
//! buyer's jurisdictions (audit reads all). Anything else answers 404, as if missing.

use std::collections::BTreeMap;

use guagou_domain::ledger::Account;
use guagou_registry::Registry;
use guagou_registry::market::{Agreement, ListingDetail, MarketListing, Offer};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::User;
use crate::error::WebError;

/// The format name of a listing export (changes only with a new version number).
pub const LISTING_FORMAT: &str = "guagou.market.listing/1";
/// The format name of an agreement export.
pub const AGREEMENT_FORMAT: &str = "guagou.market.agreement/1";

/// Whether the user's side is the seller of `listing` (may accept, withdraw, settle).
pub fn is_seller_side(registry: &Registry, user: &User, listing: &MarketListing) -> bool {
    user.door(registry).acts_for_seller(listing)
}

/// A listing with the offers and agreements the user may read.
pub async fn listing(
    registry: &Registry,
    user: &User,
    id: &str,
) -> Result<ListingDetail, WebError> {
    Ok(user.door(registry).market_listing_detail(id).await?)
}

/// An agreement the user may read (404 otherwise).
pub async fn agreement(registry: &Registry, user: &User, id: &str) -> Result<Agreement, WebError> {
    Ok(user.door(registry).market_agreement(id).await?)
}

/// 公告导出 / a listing as exported to the provincial platform (`guagou.market.listing/1`).
/// Dates `YYYY-MM-DD`; areas whole m²; prices 分 per 亩; money 分.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingExport {
    /// `guagou.market.listing/1`
    pub format: &'static str,
    /// id, seller, amount_m2, reserve_price_fen_per_mu, opens_on, closes_on, contact,
    /// state (open | agreed | settled | expired | withdrawn), published_on, published_by,
    /// closed_on, close_reason
    #[schema(value_type = Object)]
    pub listing: MarketListing,
    pub seller_name: String,
    /// What the listing's escrow account (`listed:<id>`) holds now, m²
    pub listed_balance_m2: i64,
    /// Offers the reader may see: id, listing, buyer, amount_m2, price_fen_per_mu, contact,
    /// offered_on, offered_by, state (open | accepted | declined)
    #[schema(value_type = Vec<Object>)]
    pub offers: Vec<Offer>,
    /// Ids of the agreements the reader may see
    pub agreements: Vec<String>,
}

/// One block of quota serials the buyer received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LotExport {
    /// `<project>:<first>-<last>`
    pub serial: String,
    /// The project that produced the quota
    pub project: String,
    pub m2: i64,
}

/// The ledger side of a settled agreement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferExport {
    pub seq: u64,
    pub hash: String,
    pub money_fen: Option<i64>,
    pub lots: Vec<LotExport>,
}

/// 协议导出 / an agreement as exported to the provincial platform
/// (`guagou.market.agreement/1`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementExport {
    /// `guagou.market.agreement/1`
    pub format: &'static str,
    /// id, listing, offer, seller, buyer, amount_m2, price_fen_per_mu, total_fen, signed_on,
    /// signed_by, state (signed | settled | cancelled), settled_on, transfer_seq, cancelled_on,
    /// cancel_reason, schedule [{number, due_on, amount_fen, received_fen}], payments [{seq,
    /// instalment, paid_on, amount_fen, recorded_by, note}], received_fen
    #[schema(value_type = Object)]
    pub agreement: Agreement,
    pub seller_name: String,
    pub buyer_name: String,
    /// The guide price in force on the signing date, 分 per 亩 (TRANSFER_PRICE_FLOOR, 二(三))
    pub guide_price_fen_per_mu: Option<i64>,
    pub transfer: Option<TransferExport>,
}

async fn names(registry: &Registry, user: &User) -> Result<BTreeMap<String, String>, WebError> {
    Ok(user.door(registry).division_names().await?)
}

fn name_of(names: &BTreeMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_owned())
}

pub async fn listing_export(
    registry: &Registry,
    user: &User,
    id: &str,
) -> Result<ListingExport, WebError> {
    let detail = listing(registry, user, id).await?;
    let names = names(registry, user).await?;
    Ok(ListingExport {
        format: LISTING_FORMAT,
        seller_name: name_of(&names, &detail.listing.seller),
        listed_balance_m2: detail.listed_balance_m2,
        agreements: detail.agreements.iter().map(|a| a.id.clone()).collect(),
        offers: detail.offers,
        listing: detail.listing,
    })
}

pub async fn agreement_export(
    registry: &Registry,
    user: &User,
    id: &str,
) -> Result<AgreementExport, WebError> {
    let agreement = agreement(registry, user, id).await?;
    let names = names(registry, user).await?;
    let guide_price_fen_per_mu =
        match chrono::NaiveDate::parse_from_str(&agreement.signed_on, "%Y-%m-%d") {
            Ok(signed) => user
                .door(registry)
                .guide_price_on(signed)
                .await?
                .and_then(|g| g.fen_per_mu())
                .map(|f| f.0),
            Err(_) => None,
        };
    let door = user.door(registry);
    let scope = door.read_scope().await?;
    let transfer = match agreement.transfer_seq.and_then(|s| u64::try_from(s).ok()) {
        Some(seq) => door.entry(&scope, seq).await.ok().map(|entry| {
            let buyer_account = guagou_domain::DivisionCode::parse(&agreement.buyer)
                .ok()
                .map(|division| Account::Holding { division });
            TransferExport {
                seq: entry.seq,
                hash: entry.hash.clone(),
                money_fen: entry.money_fen,
                lots: entry
                    .lots_created
                    .iter()
                    .filter(|l| Some(&l.holder) == buyer_account.as_ref())
                    .map(|l| LotExport {
                        serial: l.serial(),
                        project: l.project.clone(),
                        m2: l.size(),
                    })
                    .collect(),
            }
        }),
        None => None,
    };
    Ok(AgreementExport {
        format: AGREEMENT_FORMAT,
        seller_name: name_of(&names, &agreement.seller),
        buyer_name: name_of(&names, &agreement.buyer),
        guide_price_fen_per_mu,
        transfer,
        agreement,
    })
}
