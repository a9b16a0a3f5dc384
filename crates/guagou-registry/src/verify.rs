//! `verify_registry`: proves the whole registry, not only its chains (docs/verify.md).
//!
//! Three tables are hash chains and verify themselves: the quota ledger journal, the funds
//! journal and the audit log. Every other table that records a decision is state, and a row
//! edited in place breaks no chain. So each of them is checked against a chain: the audit
//! record written in the same transaction as the row (replayed in order, per record), the
//! ledger entry the row caused, or the funds entry it caused. A row with no record behind it,
//! a record with no row, or a field that differs is a failure naming the table, the row's
//! primary key and what disagrees, in Chinese and English.
//!
//! Everything this module compares is read in ONE read snapshot (`Store::begin_read`), so a
//! writer committing meanwhile cannot make two tables look inconsistent. It only reads: it
//! never repairs, and it reports every failure it finds (up to a cap per check) rather than
//! stopping at the first.

mod anchors;
mod layers;
mod market;
mod notices;
mod projects;
mod records;
mod supervision;

use guagou_domain::ledger::Entry;
use guagou_domain::ledger::verify::VerifyReport;
use guagou_store::{AnyConnection, AuditReport, StoreError};
use serde::Serialize;
use sqlx::Row;

use crate::funds::FundsCheck;
use crate::{Registry, RegistryError};

/// Failures listed per check; the rest are counted in `more_failures`.
pub const MAX_FAILURES: usize = 200;

/// Audit records read per page.
const AUDIT_PAGE: i64 = 5_000;

/// One problem: which row of which table, and what disagrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Stable snake_case code: `field_mismatch`, `row_missing`, `row_unrecorded`,
    /// `chain_broken`, `file_missing`, `file_hash_mismatch`, `rule_broken`.
    pub code: &'static str,
    pub table: String,
    /// The row's primary key (`key=value` pairs for composite keys).
    pub row: String,
    pub field: Option<String>,
    pub message_zh: String,
    pub message_en: String,
}

/// One check: a table (or a group of tables) against what it is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable snake_case name (`market`, `projects`, `ledger_journal`, …).
    pub name: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub ok: bool,
    /// Rows (or records, or files) compared.
    pub checked: u64,
    pub failures: Vec<Failure>,
    /// Failures found beyond the ones listed.
    pub more_failures: u64,
    /// What could not be checked and why (the check still passes on what it could check).
    pub note_zh: Option<String>,
    pub note_en: Option<String>,
}

/// What a hash chain's own verifier said: its report, or the first problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ChainOutcome<T> {
    Verified(T),
    Failed(ChainFailure),
}

/// The first problem of a chain (`seq`: the record it names, when it names one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainFailure {
    pub error: String,
    pub code: String,
    pub seq: Option<u64>,
}

impl<T> ChainOutcome<T> {
    fn from_store(result: Result<T, StoreError>) -> Result<Self, RegistryError> {
        match result {
            Ok(report) => Ok(ChainOutcome::Verified(report)),
            // Reading failed (database down): not a verdict on the data.
            Err(e @ (StoreError::Database(_) | StoreError::Io { .. })) => Err(e.into()),
            Err(e) => Ok(ChainOutcome::Failed(ChainFailure {
                error: e.to_string(),
                code: e.code().as_str().to_owned(),
                seq: e.seq(),
            })),
        }
    }

    pub fn is_verified(&self) -> bool {
        matches!(self, ChainOutcome::Verified(_))
    }
}

/// The whole verdict: the three chains' own reports (as `guagou verify` always printed them)
/// and every check, chains included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryCheck {
    pub ok: bool,
    pub ledger: ChainOutcome<VerifyReport>,
    pub audit: ChainOutcome<AuditReport>,
    pub funds: FundsCheck,
    pub checks: Vec<Check>,
}

/// Where an expected value comes from, for messages: `audit record 12`, `ledger entry 7`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    zh: String,
    en: String,
}

impl Source {
    pub(crate) fn audit(seq: u64) -> Source {
        Source {
            zh: format!("审计记录 {seq}"),
            en: format!("audit record {seq}"),
        }
    }
    pub(crate) fn ledger(seq: u64) -> Source {
        Source {
            zh: format!("台账条目 {seq}"),
            en: format!("ledger entry {seq}"),
        }
    }
    pub(crate) fn funds(seq: u64) -> Source {
        Source {
            zh: format!("资金台账条目 {seq}"),
            en: format!("funds entry {seq}"),
        }
    }
    pub(crate) fn text(zh: impl Into<String>, en: impl Into<String>) -> Source {
        Source {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A value as messages show it: JSON (strings quoted, `null` for none).
pub(crate) fn show<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Collects the failures of one check.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    failures: Vec<Failure>,
    more: u64,
    checked: u64,
    note: Option<(String, String)>,
}

impl Findings {
    pub(crate) fn new() -> Findings {
        Findings::default()
    }

    /// One more row (record, file) compared.
    pub(crate) fn row(&mut self) {
        self.checked += 1;
    }

    pub(crate) fn note(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        self.note = Some((zh.into(), en.into()));
    }

    pub(crate) fn fail(
        &mut self,
        code: &'static str,
        table: &str,
        row: &str,
        field: Option<&str>,
        zh: String,
        en: String,
    ) {
        if self.failures.len() >= MAX_FAILURES {
            self.more += 1;
            return;
        }
        // Every message names the table and the row itself, so it reads alone.
        let (message_zh, message_en) = if row.is_empty() {
            (format!("{table}：{zh}"), format!("{table}: {en}"))
        } else {
            (
                format!("{table} {row}：{zh}"),
                format!("{table} {row}: {en}"),
            )
        };
        self.failures.push(Failure {
            code,
            table: table.to_owned(),
            row: row.to_owned(),
            field: field.map(str::to_owned),
            message_zh,
            message_en,
        });
    }

    /// `field` of `table` row `row` must equal what `source` says.
    pub(crate) fn same<T: PartialEq + Serialize + ?Sized>(
        &mut self,
        table: &str,
        row: &str,
        field: &str,
        stored: &T,
        expected: &T,
        source: &Source,
    ) {
        if stored != expected {
            self.fail(
                "field_mismatch",
                table,
                row,
                Some(field),
                format!(
                    "{field} 为 {}，{} 中为 {}",
                    show(stored),
                    source.zh,
                    show(expected)
                ),
                format!(
                    "{field} is {}, {} has {}",
                    show(stored),
                    source.en,
                    show(expected)
                ),
            );
        }
    }

    /// A row no recorded decision accounts for.
    pub(crate) fn unrecorded(&mut self, table: &str, row: &str, what_zh: &str, what_en: &str) {
        self.fail(
            "row_unrecorded",
            table,
            row,
            None,
            format!("没有对应的{what_zh}"),
            format!("no {what_en} is behind this row"),
        );
    }

    /// A recorded decision whose row is gone.
    pub(crate) fn missing(&mut self, table: &str, row: &str, source: &Source) {
        self.fail(
            "row_missing",
            table,
            row,
            None,
            format!("{} 记录了此行，但该行不存在", source.zh),
            format!("{} records this row, but the row does not exist", source.en),
        );
    }

    pub(crate) fn into_check(
        self,
        name: &'static str,
        title_zh: &'static str,
        title_en: &'static str,
    ) -> Check {
        let (note_zh, note_en) = match self.note {
            Some((zh, en)) => (Some(zh), Some(en)),
            None => (None, None),
        };
        Check {
            name,
            title_zh,
            title_en,
            ok: self.failures.is_empty() && self.more == 0,
            checked: self.checked,
            failures: self.failures,
            more_failures: self.more,
            note_zh,
            note_en,
        }
    }
}

/// One audit record as the replays read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuditRec {
    pub seq: u64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
    pub payload: serde_json::Value,
}

impl AuditRec {
    /// A text field of the payload ("" when absent).
    pub(crate) fn text(&self, field: &str) -> String {
        match self.payload.get(field) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// An optional text field of the payload.
    pub(crate) fn opt_text(&self, field: &str) -> Option<String> {
        match self.payload.get(field) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        }
    }

    pub(crate) fn int(&self, field: &str) -> Option<i64> {
        self.payload.get(field).and_then(serde_json::Value::as_i64)
    }

    /// The acting division of the record's actor (`name@division`).
    pub(crate) fn division(&self) -> String {
        self.actor
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default()
    }

    pub(crate) fn source(&self) -> Source {
        Source::audit(self.seq)
    }
}

/// Streams the audit log in order, handing every decision record to `each` (payload parsed).
/// Ledger and funds records (their entries are anchored by `anchors`) and logins (no decision)
/// are left in the database: at a province's scale they are most of the log.
async fn replay_audit(
    conn: &mut AnyConnection,
    mut each: impl FnMut(&AuditRec),
) -> Result<u64, RegistryError> {
    let mut after = 0i64;
    let mut read = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, actor, action, subject, reason, payload FROM audit_log \
             WHERE seq > $1 AND action NOT LIKE 'ledger.%' AND action NOT LIKE 'funds.%' \
             AND action NOT LIKE 'user.login%' ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(AUDIT_PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(read);
        };
        after = last.try_get(0)?;
        for row in &rows {
            let action: String = row.try_get(2)?;
            let seq: i64 = row.try_get(0)?;
            let payload: String = row.try_get(5)?;
            read += 1;
            each(&AuditRec {
                seq: u64::try_from(seq).unwrap_or(0),
                actor: row.try_get(1)?,
                action,
                subject: row.try_get(3)?,
                reason: row.try_get(4)?,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            });
        }
    }
}

/// The ledger entry of idempotency key `key`, if one is stored and decodes (an undecodable
/// entry is the ledger check's to report).
pub(crate) async fn ledger_entry_by_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<Entry>, RegistryError> {
    let row = sqlx::query("SELECT entry_json FROM ledger_entries WHERE idem_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// The ledger entry `seq`, if one is stored and decodes.
pub(crate) async fn ledger_entry_by_seq(
    conn: &mut AnyConnection,
    seq: i64,
) -> Result<Option<Entry>, RegistryError> {
    let row = sqlx::query("SELECT entry_json FROM ledger_entries WHERE seq = $1")
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// The stored balance of a ledger account (0 when it was never posted to).
pub(crate) async fn ledger_balance(
    conn: &mut AnyConnection,
    account: &str,
) -> Result<i64, RegistryError> {
    Ok(
        sqlx::query("SELECT balance_m2 FROM ledger_balances WHERE account = $1")
            .bind(account)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .unwrap_or(0),
    )
}

fn chain_check<T>(
    outcome: &ChainOutcome<T>,
    name: &'static str,
    title: (&'static str, &'static str),
    table: &str,
    records: impl FnOnce(&T) -> u64,
) -> Check {
    let mut findings = Findings::new();
    match outcome {
        ChainOutcome::Verified(report) => findings.checked = records(report),
        ChainOutcome::Failed(failure) => findings.fail(
            "chain_broken",
            table,
            &failure.seq.map(|s| format!("seq={s}")).unwrap_or_default(),
            None,
            failure.error.clone(),
            failure.error.clone(),
        ),
    }
    findings.into_check(name, title.0, title.1)
}

fn funds_check(funds: &FundsCheck) -> Check {
    let mut findings = Findings::new();
    findings.checked = funds.entries;
    if !funds.ok {
        let zh = funds.problem_zh.clone().unwrap_or_default();
        let en = funds.problem_en.clone().unwrap_or_default();
        match (&funds.bad_seq, &funds.bad_account) {
            (Some(seq), _) => findings.fail(
                "chain_broken",
                "funds_entries",
                &format!("seq={seq}"),
                None,
                zh,
                en,
            ),
            (None, Some(account)) => findings.fail(
                "field_mismatch",
                "funds_balances",
                &format!("account={account}"),
                Some("balance_fen"),
                zh,
                en,
            ),
            (None, None) => findings.fail("chain_broken", "funds_entries", "", None, zh, en),
        }
    }
    findings.into_check(
        "funds_journal",
        "资金台账（哈希链、分录、余额）",
        "funds journal (hash chain, legs, balances)",
    )
}

impl Registry {
    /// Verifies the whole registry: the three chains on their own, then every decision table
    /// against the chain that records it (see the module's note and docs/verify.md). `ok` only
    /// when every check passes. Errors only when the database cannot be read.
    pub async fn verify_registry(&self) -> Result<RegistryCheck, RegistryError> {
        let ledger = ChainOutcome::from_store(self.store.verify_ledger().await)?;
        let audit = ChainOutcome::from_store(self.store.verify_audit().await)?;
        let funds = self.verify_funds().await?;
        let mut checks = vec![
            chain_check(
                &ledger,
                "ledger_journal",
                (
                    "指标台账（哈希链、分录、指标块、余额）",
                    "quota ledger (hash chain, legs, lots, balances)",
                ),
                "ledger_entries",
                |r| r.entries,
            ),
            chain_check(
                &audit,
                "audit_chain",
                ("审计日志（哈希链）", "audit log (hash chain)"),
                "audit_log",
                |r| r.records,
            ),
            funds_check(&funds),
        ];
        checks.extend(self.cross_checks().await?);
        let ok = checks.iter().all(|c| c.ok);
        Ok(RegistryCheck {
            ok,
            ledger,
            audit,
            funds,
            checks,
        })
    }

    /// Every decision table against its chains, read in one snapshot; then the base-layer
    /// files against their recorded hashes (outside the snapshot: hashing takes a while).
    async fn cross_checks(&self) -> Result<Vec<Check>, RegistryError> {
        let mut tx = self.store.begin_read().await?;
        let mut projects = projects::Replay::default();
        let mut market = market::Replay::default();
        let mut supervision = supervision::Replay::default();
        let mut notices = notices::Replay::default();
        let mut records = records::Replay::default();
        let mut layers = layers::Replay::default();
        replay_audit(&mut tx, |rec| {
            let (domain, _) = rec.action.split_once('.').unwrap_or((&rec.action, ""));
            match (domain, rec.action.as_str()) {
                (
                    _,
                    "project.review" | "project.extension_request" | "project.extension_decision",
                ) => {
                    records.record(rec);
                }
                ("project", _) => projects.record(rec),
                ("market", _) => market.record(rec),
                (_, "notice.record" | "notice.lift") | ("inspection" | "allocation", _) => {
                    supervision.record(rec);
                }
                ("notice", _) => notices.record(rec),
                ("base_layer", _) => layers.record(rec),
                _ => records.record(rec),
            }
        })
        .await?;
        let mut anchored = Findings::new();
        anchors::check(&mut tx, &mut anchored).await?;
        let mut checks = vec![anchored.into_check(
            "chain_anchors",
            "台账与资金台账条目对照各自的审计记录",
            "ledger and funds entries against their audit records",
        )];
        checks.extend(projects.check(&mut tx, &self.profile).await?);
        checks.extend(market.check(&mut tx).await?);
        checks.extend(supervision.check(&mut tx).await?);
        checks.push(notices.check(&mut tx).await?);
        checks.extend(records.check(&mut tx).await?);
        let stored_layers = layers.read(&mut tx).await?;
        tx.rollback().await.map_err(StoreError::from)?;
        checks.push(
            layers
                .check(stored_layers, self.base_dir.as_deref())
                .await?,
        );
        Ok(checks)
    }
}
