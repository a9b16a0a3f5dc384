//! The heads of the registry's three hash chains (quota ledger, funds journal, audit log): a
//! dated checkpoint of all three, and the check of a stored registry against one. A chain that
//! verifies on its own can still have lost its last records (nothing after them links to
//! them) or been rewritten from some record on with every hash recomputed; only a head kept
//! outside the database shows either. This module only reads.

use guagou_domain::funds::{FundsEntry, verify_journal as verify_funds_journal};
use guagou_domain::ledger::entry::GENESIS_HASH;
use guagou_domain::ledger::verify::{ChainHead, RegistryCheckpoint};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::rows::{get_u64, to_i64};
use crate::store::Store;

/// Records read per page while rebuilding a chain.
const PAGE: i64 = 5_000;

/// One chain compared with its checkpointed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadCheck {
    /// `ledger`, `funds` or `audit`.
    pub chain: &'static str,
    /// The checkpointed sequence number.
    pub seq: u64,
    pub ok: bool,
    pub problem_zh: Option<String>,
    pub problem_en: Option<String>,
}

impl HeadCheck {
    fn of(chain: &'static str, seq: u64, outcome: Result<(), (String, String)>) -> HeadCheck {
        let (problem_zh, problem_en) = match outcome {
            Ok(()) => (None, None),
            Err((zh, en)) => (Some(zh), Some(en)),
        };
        HeadCheck {
            chain,
            seq,
            ok: problem_zh.is_none(),
            problem_zh,
            problem_en,
        }
    }
}

async fn head_of(conn: &mut AnyConnection, table: &str) -> Result<ChainHead, StoreError> {
    // `table` is one of this module's constants, never input.
    let row = sqlx::query(&format!(
        "SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => ChainHead {
            seq: get_u64(&r, 0, "seq")?,
            hash: r.try_get(1)?,
        },
        None => ChainHead {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        },
    })
}

/// Rebuilds the audit chain up to `upto` records: how many there are and the hash of the last,
/// or the first record that breaks the chain.
async fn audit_upto(
    store: &Store,
    upto: u64,
) -> Result<Result<(u64, String), (String, String)>, StoreError> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    while count < upto {
        let limit = u32::try_from((upto - count).min(PAGE as u64)).unwrap_or(u32::MAX);
        let page = store.audit_page(count, limit).await?;
        if page.is_empty() {
            break;
        }
        for record in page {
            count += 1;
            if record.seq != count
                || record.prev_hash != prev
                || record.compute_hash() != record.hash
            {
                return Ok(Err((
                    format!("审计记录 {count} 与链不符（记录缺失或被改动）"),
                    format!("audit record {count} breaks the chain (missing or altered)"),
                )));
            }
            prev = record.hash;
        }
    }
    Ok(Ok((count, prev)))
}

/// Rebuilds the funds journal up to `upto` entries through the domain's checker: how many
/// there are and the hash of the last, or the first entry that breaks it.
async fn funds_upto(
    conn: &mut AnyConnection,
    upto: u64,
) -> Result<Result<(u64, String), (String, String)>, StoreError> {
    let mut entries: Vec<FundsEntry> = Vec::new();
    let mut after = 0i64;
    let upto_i = to_i64(upto, "seq")?;
    loop {
        let rows = sqlx::query(
            "SELECT seq, entry_json FROM funds_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(upto_i)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        for row in &rows {
            let seq: i64 = row.try_get(0)?;
            let json: String = row.try_get(1)?;
            match serde_json::from_str::<FundsEntry>(&json) {
                Ok(entry) => entries.push(entry),
                Err(e) => {
                    return Ok(Err((
                        format!("资金台账条目 {seq} 无法解读：{e}"),
                        format!("funds entry {seq} does not decode: {e}"),
                    )));
                }
            }
        }
    }
    let count = u64::try_from(entries.len()).unwrap_or(u64::MAX);
    Ok(match verify_funds_journal(entries) {
        Ok(report) => Ok((count, report.head_hash)),
        Err(e) => Err((
            format!("资金台账条目 {}：{}", e.seq, e.problem_zh),
            format!("funds entry {}: {}", e.seq, e.problem_en),
        )),
    })
}

impl Store {
    /// A dated checkpoint of the three chain heads, read in one snapshot. Fails on an empty
    /// quota ledger, like the ledger checkpoint (there is nothing to keep).
    pub async fn export_registry_checkpoint(
        &self,
        exported_on: chrono::NaiveDate,
    ) -> Result<RegistryCheckpoint, StoreError> {
        let mut tx = self.begin_read().await?;
        let ledger = head_of(&mut tx, "ledger_entries").await?;
        let funds = head_of(&mut tx, "funds_entries").await?;
        let audit = head_of(&mut tx, "audit_log").await?;
        tx.rollback().await?;
        if ledger.seq == 0 {
            return Err(StoreError::EmptyJournal);
        }
        Ok(RegistryCheckpoint {
            ledger: guagou_domain::ledger::verify::Checkpoint {
                seq: ledger.seq,
                hash: ledger.hash,
                exported_on: exported_on.to_string(),
            },
            funds: Some(funds),
            audit: Some(audit),
        })
    }

    /// Checks every chain the checkpoint names: rebuilt from its first record up to the
    /// checkpointed one, it must reach that record (not be shorter) and end on its hash. A
    /// ledger-only (older) checkpoint checks the ledger alone.
    pub async fn verify_registry_checkpoint(
        &self,
        checkpoint: &RegistryCheckpoint,
    ) -> Result<Vec<HeadCheck>, StoreError> {
        let ledger = match self.verify_checkpoint(&checkpoint.ledger).await {
            Ok(()) => Ok(()),
            Err(StoreError::Verify(e)) => Err((e.problem_zh, e.problem_en)),
            Err(
                e @ (StoreError::RowMismatch { .. }
                | StoreError::AuditBroken { .. }
                | StoreError::Corrupt(_)),
            ) => Err((e.to_string(), e.to_string())),
            Err(e) => return Err(e),
        };
        let mut out = vec![HeadCheck::of("ledger", checkpoint.ledger.seq, ledger)];
        if let Some(head) = &checkpoint.funds {
            let mut tx = self.begin_read().await?;
            let rebuilt = funds_upto(&mut tx, head.seq).await?;
            tx.rollback().await?;
            let outcome = rebuilt.and_then(|(count, hash)| head.compare(count, &hash));
            out.push(HeadCheck::of("funds", head.seq, outcome));
        }
        if let Some(head) = &checkpoint.audit {
            let rebuilt = audit_upto(self, head.seq).await?;
            let outcome = rebuilt.and_then(|(count, hash)| head.compare(count, &hash));
            out.push(HeadCheck::of("audit", head.seq, outcome));
        }
        Ok(out)
    }
}
