//! The audit log: who did what, when and why, hash-chained like the journal (SHA-256 over the
//! canonical JSON of the record including the previous hash), written inside the same
//! transaction as the change it describes. Records are only ever appended: this module must
//! never update or delete one.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use guagou_domain::ledger::entry::GENESIS_HASH;

use crate::error::StoreError;
use crate::rows::{get_u64, to_i64};
use crate::store::Store;

/// What the caller records. `at` comes from the caller's clock (RFC 3339), like journal
/// entries' `recorded_at`. The subject is structured: its kind (`project`, `listing`, …), its
/// id (`subject`) and the divisions that own it (`owners`, division codes), which is what the
/// audit view filters on; never the text of the id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditRecord {
    pub actor: String,
    pub at: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
    pub payload: serde_json::Value,
    pub subject_kind: String,
    pub owners: Vec<String>,
}

/// A stored audit record. `payload` is the canonical JSON text exactly as hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    /// The kind of the subject; empty on records written before subjects were structured.
    pub subject_kind: String,
    /// The divisions owning the subject, sorted; empty when it belongs to no county.
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub records: u64,
    pub head_hash: String,
}

/// The hashed body: declaration order is the canonical field order. The structured subject is
/// hashed when present, so records written before it existed keep their hashes.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    reason: &'a str,
    payload: &'a str,
    prev_hash: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    subject_kind: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    owners: &'a [String],
}

impl AuditEntry {
    /// The hash this record should have given its content.
    pub fn compute_hash(&self) -> String {
        let body = Hashed {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            reason: &self.reason,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
            subject_kind: &self.subject_kind,
            owners: &self.owners,
        };
        // Only strings and an integer: serialization cannot fail.
        let text = serde_json::to_string(&body).unwrap_or_default();
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// JSON with object keys sorted at every level, so the text (and the hash) does not depend on
/// how the caller built the value or on serde_json's `preserve_order` feature.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String((*key).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Appends `record` to the audit chain on `conn` (which must be inside the write transaction).
pub(crate) async fn append(
    conn: &mut AnyConnection,
    record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev_hash) = match head {
        Some(r) => (get_u64(&r, 0, "audit seq")? + 1, r.try_get::<String, _>(1)?),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut owners = record.owners;
    for owner in &owners {
        if owner.is_empty() || !owner.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::Encode(format!(
                "audit owner {owner:?} is not a division code"
            )));
        }
    }
    owners.sort();
    owners.dedup();
    let mut entry = AuditEntry {
        seq,
        at: record.at,
        actor: record.actor,
        action: record.action,
        subject: record.subject,
        reason: record.reason,
        payload: canonical_json(&record.payload),
        prev_hash,
        hash: String::new(),
        subject_kind: record.subject_kind,
        owners,
    };
    entry.hash = entry.compute_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, reason, payload, prev_hash, hash, subject_kind, owners) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(to_i64(entry.seq, "audit seq")?)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.reason)
    .bind(&entry.payload)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .bind(&entry.subject_kind)
    .bind(owners_text(&entry.owners))
    .execute(&mut *conn)
    .await?;
    Ok(entry)
}

/// The stored form of a record's owners: every code between spaces (` 511722 510100 `), so
/// that one owner, or every owner under a city, is found with a LIKE on a typed code.
pub fn owners_text(owners: &[String]) -> String {
    if owners.is_empty() {
        String::new()
    } else {
        format!(" {} ", owners.join(" "))
    }
}

/// The columns every audit read selects, in `audit_from_row`'s order.
pub const AUDIT_COLUMNS: &str =
    "seq, at, actor, action, subject, reason, payload, prev_hash, hash, subject_kind, owners";

/// A record read with `AUDIT_COLUMNS`.
pub fn audit_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let owners: String = row.try_get(10)?;
    Ok(AuditEntry {
        seq: get_u64(row, 0, "audit seq")?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        subject: row.try_get(4)?,
        reason: row.try_get(5)?,
        payload: row.try_get(6)?,
        prev_hash: row.try_get(7)?,
        hash: row.try_get(8)?,
        subject_kind: row.try_get(9)?,
        owners: owners.split_whitespace().map(str::to_owned).collect(),
    })
}

const PAGE: i64 = 5_000;

impl Store {
    /// The hash of the latest audit record (the genesis hash when there is none): it changes
    /// with every record and names the chain it belongs to.
    pub async fn audit_head_hash(&self) -> Result<String, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let head = sqlx::query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
        match head {
            Some(r) => Ok(r.try_get::<String, _>(0)?),
            None => Ok(GENESIS_HASH.to_owned()),
        }
    }

    /// Up to `limit` audit records after `after_seq`, in order.
    pub async fn audit_page(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // A position past the largest storable seq has nothing after it (a read, not an error).
        let Ok(after) = i64::try_from(after_seq) else {
            return Ok(Vec::new());
        };
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    /// Checks the whole audit chain and names the first record that breaks it.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut prev = GENESIS_HASH.to_owned();
        let mut count: u64 = 0;
        loop {
            let page = self
                .audit_page(count, u32::try_from(PAGE).unwrap_or(u32::MAX))
                .await?;
            if page.is_empty() {
                return Ok(AuditReport {
                    records: count,
                    head_hash: prev,
                });
            }
            for record in page {
                count += 1;
                let broken = |zh: &str, en: &str| StoreError::AuditBroken {
                    seq: record.seq,
                    problem_zh: zh.to_owned(),
                    problem_en: en.to_owned(),
                };
                if record.seq != count {
                    // Keyset paging returns seq > count in order, so a gap shows here.
                    return Err(StoreError::AuditBroken {
                        seq: count,
                        problem_zh: "审计记录缺失（序号不连续）".into(),
                        problem_en: "record missing (sequence gap)".into(),
                    });
                }
                if record.prev_hash != prev {
                    return Err(broken(
                        "前一记录哈希不符（历史被改动）",
                        "previous-hash link broken (history was altered)",
                    ));
                }
                if record.compute_hash() != record.hash {
                    return Err(broken(
                        "记录内容与哈希不符（记录被改动）",
                        "content does not match its hash (record was altered)",
                    ));
                }
                prev = record.hash;
            }
        }
    }
}
