//! The chains anchor each other: every quota-ledger entry and every funds entry is written
//! with an audit record in the same transaction (`ledger.<kind>` / `funds.<kind>`, payload
//! `seq`, `key`, `hash`). So each entry must have exactly its record, with the same key and
//! hash, and each record its entry. Removing the last record of one chain (which leaves that
//! chain valid on its own) then shows against the other; only removing both at once needs a
//! checkpoint kept outside the database.
//!
//! Both sides are walked in order, page by page (a province's ledger has millions of
//! entries): the journal by seq, the records by audit seq, which follow the journal's order
//! because one writer wrote both in one transaction.

use std::cmp::Ordering;
use std::collections::VecDeque;

use guagou_store::AnyConnection;
use sqlx::Row;

use super::{Findings, Source};
use crate::RegistryError;

const PAGE: i64 = 5_000;

/// A journal table and the audit records that anchor it.
struct Chain {
    table: &'static str,
    action_like: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
}

const LEDGER: Chain = Chain {
    table: "ledger_entries",
    action_like: "ledger.%",
    name_zh: "台账条目",
    name_en: "ledger entry",
};

const FUNDS: Chain = Chain {
    table: "funds_entries",
    action_like: "funds.%",
    name_zh: "资金台账条目",
    name_en: "funds entry",
};

/// (seq, idem key, hash) of a journal entry.
type Stored = (i64, String, String);
/// (audit seq, entry seq, key, hash) of an anchoring record.
type Anchor = (u64, i64, String, String);

pub(crate) async fn check(conn: &mut AnyConnection, f: &mut Findings) -> Result<(), RegistryError> {
    walk(conn, f, &LEDGER).await?;
    walk(conn, f, &FUNDS).await
}

async fn journal_page(
    conn: &mut AnyConnection,
    chain: &Chain,
    after: i64,
) -> Result<Vec<Stored>, RegistryError> {
    // `chain.table` is one of this module's constants, never input.
    let rows = sqlx::query(&format!(
        "SELECT seq, idem_key, hash FROM {} WHERE seq > $1 ORDER BY seq LIMIT $2",
        chain.table
    ))
    .bind(after)
    .bind(PAGE)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(RegistryError::from)
}

async fn anchor_page(
    conn: &mut AnyConnection,
    chain: &Chain,
    after: i64,
) -> Result<Vec<Anchor>, RegistryError> {
    let rows = sqlx::query(
        "SELECT seq, payload FROM audit_log WHERE seq > $1 AND action LIKE $2 ORDER BY seq LIMIT $3",
    )
    .bind(after)
    .bind(chain.action_like)
    .bind(PAGE)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = r.try_get(0)?;
        let payload: serde_json::Value =
            serde_json::from_str(&r.try_get::<String, _>(1)?).unwrap_or(serde_json::Value::Null);
        let text = |f: &str| {
            payload
                .get(f)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        out.push((
            u64::try_from(seq).unwrap_or(0),
            payload
                .get("seq")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(-1),
            text("key"),
            text("hash"),
        ));
    }
    Ok(out)
}

async fn walk(
    conn: &mut AnyConnection,
    f: &mut Findings,
    chain: &Chain,
) -> Result<(), RegistryError> {
    let t = chain.table;
    let mut entries: VecDeque<Stored> = VecDeque::new();
    let mut anchors: VecDeque<Anchor> = VecDeque::new();
    let (mut entries_after, mut anchors_after) = (0i64, 0i64);
    let (mut entries_done, mut anchors_done) = (false, false);
    loop {
        if entries.is_empty() && !entries_done {
            let page = journal_page(conn, chain, entries_after).await?;
            match page.last() {
                Some(last) => entries_after = last.0,
                None => entries_done = true,
            }
            entries.extend(page);
        }
        if anchors.is_empty() && !anchors_done {
            let page = anchor_page(conn, chain, anchors_after).await?;
            match page.last() {
                Some(last) => anchors_after = i64::try_from(last.0).unwrap_or(i64::MAX),
                None => anchors_done = true,
            }
            anchors.extend(page);
        }
        // Which side is behind: an entry before the next record has no record; a record
        // before the next entry names an entry that is not there.
        let order = match (entries.front(), anchors.front()) {
            (None, None) => return Ok(()),
            (Some(e), Some(a)) => e.0.cmp(&a.1),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        match order {
            Ordering::Equal => {
                if let (Some(e), Some(a)) = (entries.pop_front(), anchors.pop_front()) {
                    f.row();
                    let row = format!("seq={}", e.0);
                    let src = Source::audit(a.0);
                    f.same(t, &row, "idem_key", &e.1, &a.2, &src);
                    f.same(t, &row, "hash", &e.2, &a.3, &src);
                }
            }
            Ordering::Less => {
                if let Some(e) = entries.pop_front() {
                    f.row();
                    f.unrecorded(t, &format!("seq={}", e.0), "审计记录", "audit record");
                }
            }
            Ordering::Greater => {
                if let Some(a) = anchors.pop_front() {
                    f.fail(
                        "row_missing",
                        t,
                        &format!("seq={}", a.1),
                        None,
                        format!(
                            "审计记录 {} 记录了{} {}，但该条目不存在（日志末尾被删除或被改写）",
                            a.0, chain.name_zh, a.1
                        ),
                        format!(
                            "audit record {} records {} {}, which does not exist (removed from the journal's end, or rewritten)",
                            a.0, chain.name_en, a.1
                        ),
                    );
                }
            }
        }
    }
}
