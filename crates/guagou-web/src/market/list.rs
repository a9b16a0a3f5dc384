//! The market's listings as a list a clerk can search, filter by seller, state and date of
//! publication, sort, page and export (issue 14 item 7). Listings are public announcements:
//! every signed-in user reads every one.

use crate::catalogue::k;
use std::collections::BTreeMap;

use guagou_domain::market::{AgreementState, ListingState};
use guagou_registry::market::{Agreement, MarketListing};

use crate::html::Lang;
use crate::lists::{Cell, Column, ListRow, ListSpec};

const COLUMNS: &[Column] = &[
    Column {
        key: "id",
        name: k::LISTING,
        numeric: false,
    },
    Column {
        key: "seller",
        name: k::SELLER,
        numeric: false,
    },
    Column {
        key: "amount",
        name: k::AMOUNT_M_2,
        numeric: true,
    },
    Column {
        key: "price",
        name: k::RESERVE_PRICE_YUAN_MU,
        numeric: true,
    },
    Column {
        key: "opens",
        name: k::OPENS,
        numeric: false,
    },
    Column {
        key: "closes",
        name: k::CLOSES,
        numeric: false,
    },
    Column {
        key: "state",
        name: k::STATE,
        numeric: false,
    },
];

const STATES: [ListingState; 5] = [
    ListingState::Open,
    ListingState::Agreed,
    ListingState::Settled,
    ListingState::Expired,
    ListingState::Withdrawn,
];

/// The columns of the list (for `lists::apply`).
pub fn columns() -> &'static [Column] {
    COLUMNS
}

/// The list's spec: sellers among the listings, every state.
pub fn spec(listings: &[MarketListing], names: &BTreeMap<String, String>) -> ListSpec {
    let sellers = listings.iter().map(|l| l.seller.clone());
    ListSpec {
        id: "listings",
        path: "/market",
        columns: COLUMNS,
        counties: crate::lists::county_choices(sellers, names),
        states: STATES
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    crate::names::listing_state(*s).into(),
                )
            })
            .collect(),
        date_label: k::PUBLISHED_2,
        sheet: "挂牌公告",
    }
}

/// A listing as a row: the seller by name (the code in the tooltip), the price in yuan.
pub fn row(lang: Lang, l: &MarketListing, names: &BTreeMap<String, String>) -> ListRow {
    let seller = names
        .get(&l.seller)
        .cloned()
        .unwrap_or_else(|| l.seller.clone());
    let price = Cell::yuan(l.reserve_price_fen_per_mu);
    ListRow {
        cells: vec![
            Cell::text(&l.id).link(format!("/market/listings/{}", l.id)),
            Cell::text(seller).titled(&l.seller),
            Cell::number(l.amount_m2),
            price,
            Cell::text(&l.opens_on),
            Cell::text(&l.closes_on),
            Cell::text(lang.text(crate::names::listing_state(l.state))),
        ],
        county: Some(l.seller.clone()),
        state: Some(l.state.as_str().to_owned()),
        date: crate::lists::day(&l.published_on),
    }
}

const AGREEMENT_COLUMNS: &[Column] = &[
    Column {
        key: "id",
        name: k::AGREEMENT,
        numeric: false,
    },
    Column {
        key: "listing",
        name: k::LISTING_2,
        numeric: false,
    },
    Column {
        key: "seller",
        name: k::SELLER,
        numeric: false,
    },
    Column {
        key: "buyer",
        name: k::BUYER,
        numeric: false,
    },
    Column {
        key: "amount",
        name: k::AREA_M_3,
        numeric: true,
    },
    Column {
        key: "total",
        name: k::TOTAL_3,
        numeric: true,
    },
    Column {
        key: "received",
        name: k::RECEIVED_2,
        numeric: true,
    },
    Column {
        key: "signed",
        name: k::SIGNED_2,
        numeric: false,
    },
    Column {
        key: "state",
        name: k::STATE,
        numeric: false,
    },
];

const AGREEMENT_STATES: [AgreementState; 3] = [
    AgreementState::Signed,
    AgreementState::Settled,
    AgreementState::Cancelled,
];

/// The columns of the agreement list.
pub fn agreement_columns() -> &'static [Column] {
    AGREEMENT_COLUMNS
}

/// The agreement list's spec: the counties on either side, every state.
pub fn agreement_spec(agreements: &[Agreement], names: &BTreeMap<String, String>) -> ListSpec {
    let counties = agreements
        .iter()
        .flat_map(|a| [a.seller.clone(), a.buyer.clone()]);
    ListSpec {
        id: "agreements",
        path: "/market/agreements",
        columns: AGREEMENT_COLUMNS,
        counties: crate::lists::county_choices(counties, names),
        states: AGREEMENT_STATES
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    crate::names::agreement_state(*s).into(),
                )
            })
            .collect(),
        date_label: k::SIGNED_2,
        sheet: "流转协议",
    }
}

/// An agreement as a row. Its county for the filter is the seller's; a buyer's agreements are
/// found with the search words (the buyer's name) or by the buyer filter of the same list.
pub fn agreement_row(lang: Lang, a: &Agreement, names: &BTreeMap<String, String>) -> ListRow {
    let name = |code: &str| {
        Cell::text(names.get(code).cloned().unwrap_or_else(|| code.to_owned())).titled(code)
    };
    ListRow {
        cells: vec![
            Cell::text(&a.id).link(format!("/market/agreements/{}", a.id)),
            Cell::text(&a.listing).link(format!("/market/listings/{}", a.listing)),
            name(&a.seller),
            name(&a.buyer),
            Cell::number(a.amount_m2),
            Cell::yuan(a.total_fen),
            Cell::yuan(a.received_fen),
            Cell::text(&a.signed_on),
            Cell::text(lang.text(crate::names::agreement_state(a.state))),
        ],
        county: Some(a.seller.clone()),
        state: Some(a.state.as_str().to_owned()),
        date: crate::lists::day(&a.signed_on),
    }
}
