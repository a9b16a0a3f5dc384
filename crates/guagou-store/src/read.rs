//! Read-only queries: journal entries (paged, or streamed for a whole journal), balances, open
//! lots, a serial's history, projects. Readers never take the write lock and never write.

use std::collections::BTreeMap;

use futures_util::stream::{self, Stream, TryStreamExt};
use guagou_domain::DivisionCode;
use guagou_domain::ledger::engine::{LotOrder, ProjectLedger};
use guagou_domain::ledger::{Account, Entry, Lot};
use sqlx::{AnyPool, Row};

use crate::error::StoreError;
use crate::rows::{self, LOT_COLUMNS, decode_entry, get_u64, lot_from_row, parse_account};
use crate::store::Store;

/// Entries per page when streaming the journal.
pub(crate) const ENTRY_PAGE: u32 = 2_000;

pub(crate) async fn entries_page(
    pool: &AnyPool,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<Entry>, StoreError> {
    let Ok(after) = i64::try_from(after_seq) else {
        return Ok(Vec::new());
    };
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT seq, entry_json FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| decode_entry(get_u64(r, 0, "seq")?, &r.try_get::<String, _>(1)?))
        .collect()
}

impl Store {
    /// Every journal entry in order, read page by page (memory stays bounded whatever the
    /// journal's length).
    pub fn entries(&self) -> impl Stream<Item = Result<Entry, StoreError>> + Send + 'static {
        let pool = self.pool.clone();
        stream::try_unfold((pool, 0u64, false), |(pool, after, done)| async move {
            if done {
                return Ok::<_, StoreError>(None);
            }
            let page = entries_page(&pool, after, ENTRY_PAGE).await?;
            let last = page.last().map(|e| e.seq);
            let done = page.len() < ENTRY_PAGE as usize;
            match last {
                Some(last) => Ok(Some((page, (pool, last, done)))),
                None => Ok(None),
            }
        })
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
    }

    /// Up to `limit` entries after `after_seq`, in order.
    pub async fn entries_page(&self, after_seq: u64, limit: u32) -> Result<Vec<Entry>, StoreError> {
        entries_page(&self.pool, after_seq, limit).await
    }

    pub async fn entry(&self, seq: u64) -> Result<Option<Entry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::entry_by_seq(&mut conn, seq).await
    }

    /// `(seq, hash)` of the last entry, `(0, GENESIS_HASH)` for an empty journal.
    pub async fn head(&self) -> Result<(u64, String), StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::ledger_head(&mut conn).await
    }

    /// Every account ever posted to, with its stored balance.
    pub async fn balances(&self) -> Result<BTreeMap<Account, i64>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query("SELECT account, balance_m2 FROM ledger_balances")
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|r| Ok((parse_account(&r.try_get::<String, _>(0)?)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn balance(&self, account: &Account) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::balance(&mut conn, account).await
    }

    /// Open lots of an account, oldest first (the order debits consume them).
    pub async fn open_lots(&self, account: &Account) -> Result<Vec<Lot>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::open_lots(&mut conn, account, &LotOrder::Oldest, None).await
    }

    /// Every lot that ever held `serial` of `project`, oldest first: the square metre's
    /// history from issue (or advance) to use.
    pub async fn lot_history(&self, project: &str, serial: i64) -> Result<Vec<Lot>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "SELECT {LOT_COLUMNS} FROM ledger_lots \
             WHERE project = $1 AND first_serial <= $2 AND last_serial >= $2 ORDER BY id"
        ))
        .bind(project)
        .bind(serial)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(lot_from_row).collect()
    }

    /// The entry that consumed a lot, if any.
    pub async fn lot_consumed_by(&self, lot: u64) -> Result<Option<u64>, StoreError> {
        let Ok(lot) = i64::try_from(lot) else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT consumed_by FROM ledger_lots WHERE id = $1")
            .bind(lot)
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(r) => r
                .try_get::<Option<i64>, _>(0)?
                .map(|s| rows::to_u64(s, "consumed_by"))
                .transpose(),
            None => Ok(None),
        }
    }

    pub async fn ledger_project(&self, code: &str) -> Result<Option<ProjectLedger>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        rows::project(&mut conn, code).await
    }

    pub async fn advance_suspended(&self, county: &DivisionCode) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(rows::suspended(&mut conn).await?.contains(county))
    }
}
