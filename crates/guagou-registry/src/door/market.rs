//! The transfer market through the door. Listings (公告) are public announcements: every
//! signed-in principal reads every listing. Offers are read by the seller's jurisdiction and
//! the offering government's; agreements by the seller's and the buyer's (audit reads all).
//! Writes are the land bureau's, each checked again inside its transaction.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::market::ListingState;

use super::Door;
use crate::error::RegistryError;
use crate::market::{
    Agreement, ListingDetail, MarketListing, NewAgreement, NewListing, NewOffer, Offer,
};

fn reads_code(door: &Door<'_>, code: &str) -> bool {
    DivisionCode::parse(code).is_ok_and(|c| door.actor.reads(&c))
}

impl Door<'_> {
    /// Every listing (newest first), optionally in one state.
    pub async fn market_listings(
        &self,
        state: Option<ListingState>,
    ) -> Result<Vec<MarketListing>, RegistryError> {
        self.registry.market_listings(state).await
    }

    /// One listing.
    pub async fn market_listing(&self, id: &str) -> Result<MarketListing, RegistryError> {
        self.registry.market_listing(id).await
    }

    /// Whether this principal may see `offer` on `listing`.
    pub fn sees_offer(&self, listing: &MarketListing, offer: &Offer) -> bool {
        reads_code(self, &listing.seller) || reads_code(self, &offer.buyer)
    }

    /// Whether this principal may read `agreement`.
    pub fn reads_agreement(&self, agreement: &Agreement) -> bool {
        reads_code(self, &agreement.seller) || reads_code(self, &agreement.buyer)
    }

    /// Whether this principal acts for the seller of `listing` (accept, withdraw, settle).
    pub fn acts_for_seller(&self, listing: &MarketListing) -> bool {
        DivisionCode::parse(&listing.seller).is_ok_and(|s| self.actor.may_act_for(&s))
    }

    /// A listing with the offers and agreements this principal may read.
    pub async fn market_listing_detail(&self, id: &str) -> Result<ListingDetail, RegistryError> {
        let mut detail = self.registry.market_listing_detail(id).await?;
        let listing = detail.listing.clone();
        detail.offers.retain(|o| self.sees_offer(&listing, o));
        detail.agreements.retain(|a| self.reads_agreement(a));
        Ok(detail)
    }

    /// An agreement this principal may read (not found otherwise).
    pub async fn market_agreement(&self, id: &str) -> Result<Agreement, RegistryError> {
        let agreement = self.registry.market_agreement(id).await?;
        if self.reads_agreement(&agreement) {
            Ok(agreement)
        } else {
            Err(RegistryError::NotFound {
                what: "协议/agreement",
                id: id.to_owned(),
            })
        }
    }

    /// Signed agreements this principal may read, with their schedules (instalments due).
    pub async fn signed_agreements(&self) -> Result<Vec<Agreement>, RegistryError> {
        let mut agreements = self.registry.signed_agreements().await?;
        agreements.retain(|a| self.reads_agreement(a));
        Ok(agreements)
    }

    /// Every agreement this principal may read (the seller's or the buyer's jurisdiction).
    pub async fn agreements(&self) -> Result<Vec<Agreement>, RegistryError> {
        let mut agreements = self.registry.agreements_in(None).await?;
        agreements.retain(|a| self.reads_agreement(a));
        Ok(agreements)
    }

    /// Publishes a listing of this principal's own division.
    pub async fn publish_listing(
        &self,
        new: &NewListing,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<MarketListing, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .publish_listing(&self.actor, new, as_of, key)
            .await
    }

    /// An offer on an open listing by this principal's government.
    pub async fn make_offer(
        &self,
        listing_id: &str,
        new: &NewOffer,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Offer, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .make_offer(&self.actor, listing_id, new, as_of, key)
            .await
    }

    /// The seller signs an agreement on one offer.
    pub async fn sign_agreement(
        &self,
        listing_id: &str,
        new: &NewAgreement,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .sign_agreement(&self.actor, listing_id, new, as_of, key)
            .await
    }

    /// The seller cancels a signed agreement.
    pub async fn cancel_agreement(
        &self,
        agreement_id: &str,
        reason: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        self.land_write(as_of)?;
        self.market_agreement(agreement_id).await?;
        self.registry
            .cancel_agreement(&self.actor, agreement_id, reason, as_of, key)
            .await
    }

    /// The seller settles a signed agreement: the quota moves to the buyer.
    pub async fn settle_agreement(
        &self,
        agreement_id: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        self.land_write(as_of)?;
        self.market_agreement(agreement_id).await?;
        self.registry
            .settle_agreement(&self.actor, agreement_id, as_of, key)
            .await
    }

    /// Records money received against one instalment.
    #[allow(clippy::too_many_arguments)] // the payment's fields and the request key
    pub async fn record_payment(
        &self,
        agreement_id: &str,
        instalment: i64,
        amount_fen: i64,
        paid_on: NaiveDate,
        note: &str,
        key: &str,
    ) -> Result<Agreement, RegistryError> {
        self.land_write(paid_on)?;
        self.market_agreement(agreement_id).await?;
        self.registry
            .record_payment(
                &self.actor,
                agreement_id,
                instalment,
                amount_fen,
                paid_on,
                note,
                key,
            )
            .await
    }

    /// The seller withdraws an open listing.
    pub async fn withdraw_listing(
        &self,
        listing_id: &str,
        reason: &str,
        as_of: NaiveDate,
        key: &str,
    ) -> Result<MarketListing, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .withdraw_listing(&self.actor, listing_id, reason, as_of, key)
            .await
    }

    /// Expires the open listings of this principal's jurisdiction whose period closed.
    pub async fn expire_listings(&self, as_of: NaiveDate) -> Result<Vec<String>, RegistryError> {
        self.land_write(as_of)?;
        self.registry.expire_listings(&self.actor, as_of).await
    }
}
