//! Row ↔ domain conversions and the small queries shared by the write path and the readers.
//! Everything read from the database is checked on the way in (ranges, account keys, JSON):
//! a bad row becomes `StoreError::Corrupt`, never a panic. Nothing here writes.

use std::collections::BTreeSet;

use guagou_domain::DivisionCode;
use guagou_domain::ledger::engine::{Listing, LotFilter, LotOrder, ProjectLedger};
use guagou_domain::ledger::entry::GENESIS_HASH;
use guagou_domain::ledger::{Account, Entry, Lot};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;

pub(crate) const LOT_COLUMNS: &str =
    "id, project, first_serial, last_serial, holder, parent, created_by, advanced";

pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Encode(format!("{what} {value} > i64::MAX")))
}

pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(format!("{what} is negative: {value}")))
}

pub(crate) fn get_u64(row: &AnyRow, index: usize, what: &str) -> Result<u64, StoreError> {
    to_u64(row.try_get::<i64, _>(index)?, what)
}

pub(crate) fn parse_account(key: &str) -> Result<Account, StoreError> {
    Account::from_key(key).ok_or_else(|| StoreError::corrupt(format!("account key {key:?}")))
}

pub(crate) fn parse_division(code: &str) -> Result<DivisionCode, StoreError> {
    DivisionCode::parse(code).map_err(|e| StoreError::corrupt(format!("division code: {e}")))
}

pub(crate) fn decode_entry(seq: u64, json: &str) -> Result<Entry, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::corrupt(format!("journal entry {seq} JSON: {e}")))
}

pub(crate) fn encode_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode(e.to_string()))
}

/// A lot from a row selected with `LOT_COLUMNS`.
pub(crate) fn lot_from_row(row: &AnyRow) -> Result<Lot, StoreError> {
    let parent = row
        .try_get::<Option<i64>, _>(5)?
        .map(|p| to_u64(p, "lot parent"))
        .transpose()?;
    Ok(Lot {
        id: get_u64(row, 0, "lot id")?,
        project: row.try_get(1)?,
        first: row.try_get(2)?,
        last: row.try_get(3)?,
        holder: parse_account(&row.try_get::<String, _>(4)?)?,
        parent,
        created_by: get_u64(row, 6, "lot created_by")?,
        advanced: match row.try_get::<i64, _>(7)? {
            0 => false,
            1 => true,
            other => return Err(StoreError::corrupt(format!("lot advanced flag {other}"))),
        },
    })
}

pub(crate) async fn entry_by_seq(
    conn: &mut AnyConnection,
    seq: u64,
) -> Result<Option<Entry>, StoreError> {
    let Ok(seq_i) = i64::try_from(seq) else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT entry_json FROM ledger_entries WHERE seq = $1")
        .bind(seq_i)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| decode_entry(seq, &r.try_get::<String, _>(0)?))
        .transpose()
}

pub(crate) async fn entry_by_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<Entry>, StoreError> {
    let row = sqlx::query("SELECT seq, entry_json FROM ledger_entries WHERE idem_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => {
            let seq = get_u64(&r, 0, "seq")?;
            Ok(Some(decode_entry(seq, &r.try_get::<String, _>(1)?)?))
        }
        None => Ok(None),
    }
}

/// `(seq, hash)` of the last journal entry, or `(0, GENESIS_HASH)`.
pub(crate) async fn ledger_head(conn: &mut AnyConnection) -> Result<(u64, String), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok((get_u64(&r, 0, "seq")?, r.try_get(1)?)),
        None => Ok((0, GENESIS_HASH.to_owned())),
    }
}

pub(crate) async fn balance(
    conn: &mut AnyConnection,
    account: &Account,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT balance_m2 FROM ledger_balances WHERE account = $1")
        .bind(account.key())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

/// Open lots of `account` that a debit in `order` takes, in that order (filter by filter,
/// oldest first within each: `LotOrder::filters`). With `cover = Some(n)` it stops as soon as
/// the lots read hold at least `n` m².
pub(crate) async fn open_lots(
    conn: &mut AnyConnection,
    account: &Account,
    order: &LotOrder,
    cover: Option<i64>,
) -> Result<Vec<Lot>, StoreError> {
    let mut lots = Vec::new();
    let mut covered: i64 = 0;
    for filter in order.filters() {
        let need = cover.map(|n| n.saturating_sub(covered));
        if need.is_some_and(|n| n <= 0) {
            break;
        }
        let more = open_lots_where(conn, account, filter, need).await?;
        covered = covered.saturating_add(more.iter().map(Lot::size).sum());
        lots.extend(more);
    }
    Ok(lots)
}

/// One pass of `open_lots`: the open lots of `account` matching `filter`, oldest first.
async fn open_lots_where(
    conn: &mut AnyConnection,
    account: &Account,
    filter: LotFilter<'_>,
    cover: Option<i64>,
) -> Result<Vec<Lot>, StoreError> {
    // A debit is usually covered by its first lot or two; every row read is a random page in a
    // large ledger, so start small and grow.
    const FIRST_PAGE: i64 = 4;
    const MAX_PAGE: i64 = 512;
    let mut page = if cover.is_some() {
        FIRST_PAGE
    } else {
        MAX_PAGE
    };
    let key = account.key();
    let (condition, project) = match filter {
        LotFilter::All => ("", None),
        LotFilter::Advanced => (" AND advanced = 1", None),
        LotFilter::Confirmed => (" AND advanced = 0", None),
        LotFilter::AdvancedOf(project) => (" AND advanced = 1 AND project = $4", Some(project)),
    };
    let sql = format!(
        "SELECT {LOT_COLUMNS} FROM ledger_lots \
         WHERE holder = $1 AND consumed_by IS NULL AND id > $2{condition} ORDER BY id LIMIT $3"
    );
    let mut lots = Vec::new();
    let mut covered: i64 = 0;
    let mut after: i64 = 0;
    loop {
        let mut query = sqlx::query(&sql).bind(&key).bind(after).bind(page);
        if let Some(project) = project {
            query = query.bind(project);
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let full = rows.len() as i64 == page;
        for row in &rows {
            let lot = lot_from_row(row)?;
            after = to_i64(lot.id, "lot id")?;
            covered = covered.saturating_add(lot.size());
            lots.push(lot);
        }
        let enough = cover.is_some_and(|need| covered >= need);
        if !full || enough {
            return Ok(lots);
        }
        page = (page * 4).min(MAX_PAGE);
    }
}

pub(crate) fn project_from_row(row: &AnyRow) -> Result<ProjectLedger, StoreError> {
    let share: i64 = row.try_get(3)?;
    Ok(ProjectLedger {
        code: row.try_get(0)?,
        county: parse_division(&row.try_get::<String, _>(1)?)?,
        city: parse_division(&row.try_get::<String, _>(2)?)?,
        city_share_percent: u8::try_from(share)
            .map_err(|_| StoreError::corrupt(format!("city share {share}")))?,
        planned_surplus_m2: row.try_get(4)?,
        advanced_m2: row.try_get(5)?,
        issued_m2: row.try_get(6)?,
        next_serial: row.try_get(7)?,
    })
}

pub(crate) async fn project(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<ProjectLedger>, StoreError> {
    let row = sqlx::query(
        "SELECT code, county, city, city_share_percent, planned_surplus_m2, advanced_m2, \
         issued_m2, next_serial FROM ledger_projects WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(project_from_row).transpose()
}

pub(crate) async fn listing(
    conn: &mut AnyConnection,
    listing: &str,
) -> Result<Option<Listing>, StoreError> {
    let row = sqlx::query("SELECT listing, seller FROM ledger_listings WHERE listing = $1")
        .bind(listing)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(Some(Listing {
            listing: r.try_get(0)?,
            seller: parse_division(&r.try_get::<String, _>(1)?)?,
        })),
        None => Ok(None),
    }
}

pub(crate) async fn suspended(
    conn: &mut AnyConnection,
) -> Result<BTreeSet<DivisionCode>, StoreError> {
    let rows = sqlx::query("SELECT county FROM ledger_suspended_counties")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| parse_division(&r.try_get::<String, _>(0)?))
        .collect()
}
