//! Verification of what is stored against the journal: the journal is streamed page by page
//! into the domain's independent checker (`verify_journal`, on a blocking thread), every
//! denormalised row (entry columns, legs, lots) is compared with the entry it copies, and the
//! rebuilt balances and open lots are compared with the stored tables. This module only reads;
//! it must never repair anything: it names the first mismatch and stops.

use std::collections::{BTreeMap, HashMap};

use guagou_domain::ledger::verify::{Checkpoint, VerifyError, VerifyReport, verify_journal};
use guagou_domain::ledger::{Entry, Lot};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::sync::mpsc;

use crate::error::StoreError;
use crate::read::ENTRY_PAGE;
use crate::rows::{LOT_COLUMNS, decode_entry, get_u64, lot_from_row, to_i64};
use crate::store::Store;

/// Lot rows per page when comparing open lots.
const LOT_PAGE: u32 = 10_000;

/// Pages decoded ahead of the checker; bounds memory while letting the two overlap. Whole
/// pages cross the channel: one wake-up per entry cost more than the checking.
const CHANNEL_DEPTH: usize = 4;

fn mismatch(seq: u64, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::RowMismatch {
        seq,
        detail_zh: zh.into(),
        detail_en: en.into(),
    }
}

/// What a journal scan produced besides the checker's report.
struct Scan {
    report: VerifyReport,
    /// Lots open at the end, rebuilt from the entries (created minus consumed).
    open_lots: HashMap<u64, Lot>,
}

/// One page of the journal: entries whose rows agree with them, then (maybe) the first
/// problem found.
struct Page {
    entries: Vec<Entry>,
    problem: Option<StoreError>,
    last_seq: Option<u64>,
}

async fn rows_in(
    conn: &mut AnyConnection,
    sql: &str,
    after: i64,
    upto: i64,
) -> Result<Vec<AnyRow>, StoreError> {
    Ok(sqlx::query(sql)
        .bind(after)
        .bind(upto)
        .fetch_all(&mut *conn)
        .await?)
}

/// Groups rows (already ordered by their seq column at `seq_index`) by seq.
fn group<T>(
    rows: &[AnyRow],
    seq_index: usize,
    mut convert: impl FnMut(&AnyRow) -> Result<T, StoreError>,
) -> Result<BTreeMap<u64, Vec<T>>, StoreError> {
    let mut out: BTreeMap<u64, Vec<T>> = BTreeMap::new();
    for row in rows {
        let seq = get_u64(row, seq_index, "seq")?;
        out.entry(seq).or_default().push(convert(row)?);
    }
    Ok(out)
}

/// Reads the entries after `after` (up to `upto`) and checks each against its rows.
async fn read_checked_page(
    conn: &mut AnyConnection,
    after: u64,
    upto: u64,
) -> Result<Page, StoreError> {
    let after_i = to_i64(after, "seq")?;
    let upto_i = to_i64(upto, "seq")?;
    let rows = sqlx::query(
        "SELECT seq, idem_key, kind, effective, recorded_at, actor, reason, money_fen, \
         entry_json, prev_hash, hash FROM ledger_entries \
         WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
    )
    .bind(after_i)
    .bind(upto_i)
    .bind(i64::from(ENTRY_PAGE))
    .fetch_all(&mut *conn)
    .await?;
    let Some(last_row) = rows.last() else {
        return Ok(Page {
            entries: Vec::new(),
            problem: None,
            last_seq: None,
        });
    };
    let last = get_u64(last_row, 0, "seq")?;
    let last_i = to_i64(last, "seq")?;
    let legs = group(
        &rows_in(
            conn,
            "SELECT seq, account, amount_m2 FROM ledger_legs \
             WHERE seq > $1 AND seq <= $2 ORDER BY seq, idx",
            after_i,
            last_i,
        )
        .await?,
        0,
        |r| Ok((r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)?)),
    )?;
    let created = group(
        &rows_in(
            conn,
            &format!(
                "SELECT {LOT_COLUMNS} FROM ledger_lots \
                 WHERE created_by > $1 AND created_by <= $2 ORDER BY created_by, id"
            ),
            after_i,
            last_i,
        )
        .await?,
        6,
        lot_from_row,
    )?;
    let consumed = group(
        &rows_in(
            conn,
            "SELECT id, consumed_by FROM ledger_lots \
             WHERE consumed_by > $1 AND consumed_by <= $2 ORDER BY consumed_by, id",
            after_i,
            last_i,
        )
        .await?,
        1,
        |r| get_u64(r, 0, "lot id"),
    )?;

    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq = get_u64(row, 0, "seq")?;
        match check_entry(row, seq, &legs, &created, &consumed) {
            Ok(entry) => entries.push(entry),
            Err(problem) => {
                return Ok(Page {
                    entries,
                    problem: Some(problem),
                    last_seq: Some(last),
                });
            }
        }
    }
    Ok(Page {
        entries,
        problem: None,
        last_seq: Some(last),
    })
}

/// Decodes one entry and compares every stored copy of its fields with it.
fn check_entry(
    row: &AnyRow,
    seq: u64,
    legs: &BTreeMap<u64, Vec<(String, i64)>>,
    created: &BTreeMap<u64, Vec<Lot>>,
    consumed: &BTreeMap<u64, Vec<u64>>,
) -> Result<Entry, StoreError> {
    let json: String = row.try_get(8)?;
    let entry = decode_entry(seq, &json).map_err(|e| {
        mismatch(
            seq,
            format!("条目 JSON 无法解读：{e}"),
            format!("entry JSON: {e}"),
        )
    })?;
    let columns: [(&str, String, String); 8] = [
        ("seq", seq.to_string(), entry.seq.to_string()),
        ("idem_key", row.try_get(1)?, entry.meta.key.clone()),
        ("kind", row.try_get(2)?, entry.operation.kind().to_owned()),
        (
            "effective",
            row.try_get(3)?,
            entry.meta.effective.to_string(),
        ),
        (
            "recorded_at",
            row.try_get(4)?,
            entry.meta.recorded_at.clone(),
        ),
        ("actor", row.try_get(5)?, entry.meta.actor.clone()),
        ("reason", row.try_get(6)?, entry.meta.reason.clone()),
        ("prev_hash", row.try_get(9)?, entry.prev_hash.clone()),
    ];
    for (name, stored, expected) in &columns {
        if stored != expected {
            return Err(mismatch(
                seq,
                format!("列 {name} 为 {stored:?}，条目中为 {expected:?}"),
                format!("column {name} is {stored:?}, the entry has {expected:?}"),
            ));
        }
    }
    let hash: String = row.try_get(10)?;
    if hash != entry.hash {
        return Err(mismatch(
            seq,
            "列 hash 与条目不符",
            "column hash differs from the entry",
        ));
    }
    let money: Option<i64> = row.try_get(7)?;
    if money != entry.money_fen {
        return Err(mismatch(
            seq,
            format!("列 money_fen 为 {money:?}，条目中为 {:?}", entry.money_fen),
            format!(
                "column money_fen is {money:?}, the entry has {:?}",
                entry.money_fen
            ),
        ));
    }
    let stored_legs = legs.get(&seq).map(Vec::as_slice).unwrap_or_default();
    let expected_legs: Vec<(String, i64)> = entry
        .legs
        .iter()
        .map(|l| (l.account.key(), l.amount_m2))
        .collect();
    if stored_legs != expected_legs.as_slice() {
        return Err(mismatch(
            seq,
            format!("分录行 {stored_legs:?} 与条目 {expected_legs:?} 不符"),
            format!("leg rows {stored_legs:?} differ from the entry's legs {expected_legs:?}"),
        ));
    }
    let mut expected_created = entry.lots_created.clone();
    expected_created.sort_by_key(|l| l.id);
    let stored_created = created.get(&seq).map(Vec::as_slice).unwrap_or_default();
    if stored_created != expected_created.as_slice() {
        return Err(mismatch(
            seq,
            "指标块行与条目产生的指标块不符",
            "lot rows differ from the lots the entry created",
        ));
    }
    let mut expected_consumed = entry.lots_consumed.clone();
    expected_consumed.sort_unstable();
    let stored_consumed = consumed.get(&seq).map(Vec::as_slice).unwrap_or_default();
    if stored_consumed != expected_consumed.as_slice() {
        return Err(mismatch(
            seq,
            format!("消耗标记 {stored_consumed:?} 与条目 {expected_consumed:?} 不符"),
            format!(
                "lots marked consumed {stored_consumed:?} differ from the entry's {expected_consumed:?}"
            ),
        ));
    }
    Ok(entry)
}

/// Reads and row-checks the journal, sending each good entry to the checker. Returns the
/// open lots rebuilt from the entries, or the first row problem. Stops early when the
/// checker has hung up (it found a problem of its own).
async fn feed_journal(
    conn: &mut AnyConnection,
    upto: u64,
    sender: mpsc::Sender<Vec<Entry>>,
) -> Result<HashMap<u64, Lot>, StoreError> {
    let mut open: HashMap<u64, Lot> = HashMap::new();
    let mut after = 0u64;
    loop {
        let page = read_checked_page(conn, after, upto).await?;
        for entry in &page.entries {
            for id in &entry.lots_consumed {
                open.remove(id);
            }
            for lot in &entry.lots_created {
                open.insert(lot.id, lot.clone());
            }
        }
        if !page.entries.is_empty() && sender.send(page.entries).await.is_err() {
            return Ok(open);
        }
        if let Some(problem) = page.problem {
            return Err(problem);
        }
        match page.last_seq {
            Some(last) => after = last,
            None => return Ok(open),
        }
    }
}

async fn compare_balances(
    conn: &mut AnyConnection,
    report: &VerifyReport,
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT account, balance_m2 FROM ledger_balances ORDER BY account")
        .fetch_all(&mut *conn)
        .await?;
    let mut stored: BTreeMap<String, i64> = BTreeMap::new();
    for row in &rows {
        stored.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let mut accounts: Vec<&String> = stored.keys().chain(report.balances.keys()).collect();
    accounts.sort();
    accounts.dedup();
    for account in accounts {
        let s = stored.get(account).copied().unwrap_or(0);
        let r = report.balances.get(account).copied().unwrap_or(0);
        if s != r || stored.contains_key(account) != report.balances.contains_key(account) {
            return Err(StoreError::BalanceMismatch {
                account: account.clone(),
                stored: s,
                rebuilt: r,
            });
        }
    }
    Ok(())
}

async fn compare_open_lots(
    conn: &mut AnyConnection,
    rebuilt: HashMap<u64, Lot>,
) -> Result<(), StoreError> {
    let mut rebuilt: Vec<Lot> = rebuilt.into_values().collect();
    rebuilt.sort_by_key(|l| l.id);
    let mut expected = rebuilt.into_iter().peekable();

    let mut after: i64 = 0;
    // Walks every lot in id order and filters in Rust: with a `consumed_by IS NULL` condition
    // SQLite picks the consumed_by index and sorts all open lots again for every page.
    let sql = format!(
        "SELECT {LOT_COLUMNS}, consumed_by FROM ledger_lots WHERE id > $1 ORDER BY id LIMIT $2"
    );
    loop {
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(LOT_PAGE))
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let stored = lot_from_row(row)?;
            after = to_i64(stored.id, "lot id")?;
            if row.try_get::<Option<i64>, _>(8)?.is_some() {
                continue;
            }
            match expected.next() {
                Some(lot) if lot == stored => {}
                Some(lot) if lot.id < stored.id => {
                    return Err(StoreError::LotMismatch {
                        account: lot.holder.key(),
                        detail: format!("lot {} ({}) is not open in storage", lot.id, lot.serial()),
                    });
                }
                _ => {
                    return Err(StoreError::LotMismatch {
                        account: stored.holder.key(),
                        detail: format!(
                            "stored open lot {} ({}) is not open in the journal",
                            stored.id,
                            stored.serial()
                        ),
                    });
                }
            }
        }
    }
    if let Some(lot) = expected.next() {
        return Err(StoreError::LotMismatch {
            account: lot.holder.key(),
            detail: format!("lot {} ({}) is not open in storage", lot.id, lot.serial()),
        });
    }
    Ok(())
}

/// Streams entries `1..=upto` through the checker while checking rows against entries.
async fn scan_journal(conn: &mut AnyConnection, upto: u64) -> Result<Scan, StoreError> {
    let (sender, mut receiver) = mpsc::channel::<Vec<Entry>>(CHANNEL_DEPTH);
    let checker = tokio::task::spawn_blocking(move || {
        verify_journal(std::iter::from_fn(move || receiver.blocking_recv()).flatten())
    });
    let read = feed_journal(conn, upto, sender).await;
    let checked = checker
        .await
        .map_err(|e| StoreError::corrupt(format!("verifier thread: {e}")))?;
    match (read, checked) {
        (Ok(open_lots), Ok(report)) => Ok(Scan { report, open_lots }),
        // The checker only saw entries before the row problem, so its error (if any) is
        // the earlier one.
        (Err(row_problem), Err(journal)) => {
            if row_problem.seq().is_some_and(|s| s < journal.seq) {
                Err(row_problem)
            } else {
                Err(journal.into())
            }
        }
        (Err(row_problem), Ok(_)) => Err(row_problem),
        (Ok(_), Err(journal)) => Err(journal.into()),
    }
}

impl Store {
    /// Verifies the whole ledger: the journal (chain, balance of every entry, lots, every
    /// invariant), every stored row against the entry it copies, and the stored balances and
    /// open lots against those rebuilt from the journal. Names the first mismatch.
    ///
    /// Everything is read in one read transaction, so a writer posting meanwhile cannot make
    /// the tables look inconsistent with the journal.
    pub async fn verify_ledger(&self) -> Result<VerifyReport, StoreError> {
        let mut tx = self.begin_read().await?;
        let scan = scan_journal(&mut tx, u64::MAX >> 1).await?;
        compare_balances(&mut tx, &scan.report).await?;
        compare_open_lots(&mut tx, scan.open_lots).await?;
        tx.rollback().await?;
        Ok(scan.report)
    }

    /// A dated statement of the chain head, for an auditor to keep.
    pub async fn export_checkpoint(
        &self,
        exported_on: chrono::NaiveDate,
    ) -> Result<Checkpoint, StoreError> {
        let (seq, hash) = self.head().await?;
        if seq == 0 {
            return Err(StoreError::EmptyJournal);
        }
        Ok(Checkpoint {
            seq,
            hash,
            exported_on: exported_on.to_string(),
        })
    }

    /// Checks the stored journal against an earlier checkpoint: the chain up to it verifies and
    /// the entry at its sequence number still has its hash.
    pub async fn verify_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let fail = |zh: &str, en: &str| {
            StoreError::Verify(VerifyError {
                seq: checkpoint.seq,
                problem_zh: zh.to_owned(),
                problem_en: en.to_owned(),
            })
        };
        if checkpoint.seq == 0 {
            return Err(fail(
                "日志比检查点短",
                "the journal is shorter than the checkpoint",
            ));
        }
        let mut tx = self.begin_read().await?;
        let scan = scan_journal(&mut tx, checkpoint.seq).await?;
        tx.rollback().await?;
        if scan.report.entries < checkpoint.seq {
            return Err(fail(
                "日志比检查点短",
                "the journal is shorter than the checkpoint",
            ));
        }
        if scan.report.head_hash != checkpoint.hash {
            return Err(fail(
                "检查点哈希不符：历史被改写",
                "checkpoint hash differs: history was rewritten",
            ));
        }
        Ok(())
    }
}
