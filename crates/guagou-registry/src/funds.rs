//! The funds ledger (资金台账) as registry use cases: city investment received for a
//! city-invested project, spending (resettlement, reclamation, poverty relief), household
//! compensation, reversals, and the transfer proceeds that the market posts when a payment is
//! received (`post_payment_proceeds`, called inside `record_payment`'s transaction).
//!
//! The domain (`guagou_domain::funds`) decides; this module loads the journal head and the
//! balances an operation touches, asks `plan`, and writes the entry, its legs, the new balances
//! and the audit record in ONE write transaction (the store's single writer gives the hash
//! chain its total order). It never edits a journal row: corrections are reversing entries.
//! `verify_funds` rebuilds everything from the stored JSON and compares it with the rows.
//!
//! Rights (SPEC §1): an actor writes only for counties in its jurisdiction (a county's finance
//! for its county, the city's for all). Which department may write (finance) and who may run
//! the verifier (audit, the city) are the web layer's to check, as elsewhere in this crate.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::funds::{
    FundAccount, FundingSource, FundsEntry, FundsError, FundsOperation, GENESIS_HASH, Meta,
    PaidFrom, ReversalTarget, Snapshot, SpendCategory, check_investment, check_reversal_reason,
    household_label, legs, plan, spending_county, verify_journal,
};
use guagou_store::{StoreError, WriteTx};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::projects::{code_of, load_project};
use crate::{Actor, Registry};

/// A funds request that failed: refused by the funds rules (with its stable code), or any
/// other registry failure (not found, forbidden, storage).
#[derive(Debug, thiserror::Error)]
pub enum FundsFailure {
    #[error("{0}")]
    Refused(#[from] FundsError),
    #[error("{0}")]
    Registry(#[from] RegistryError),
}

impl From<sqlx::Error> for FundsFailure {
    fn from(e: sqlx::Error) -> Self {
        FundsFailure::Registry(e.into())
    }
}

impl From<StoreError> for FundsFailure {
    fn from(e: StoreError) -> Self {
        FundsFailure::Registry(e.into())
    }
}

/// For callers that speak `RegistryError` (the market): a refusal becomes `Invalid` on its
/// field, with the funds message.
impl From<FundsFailure> for RegistryError {
    fn from(e: FundsFailure) -> Self {
        match e {
            FundsFailure::Registry(e) => e,
            FundsFailure::Refused(e) => {
                let (zh, en) = e.messages();
                RegistryError::invalid(e.field().unwrap_or("funds"), zh, en)
            }
        }
    }
}

/// Who asks, when it took effect, why, and the idempotency key of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct FundsRequest {
    pub key: String,
    pub effective: NaiveDate,
    pub reason: String,
}

/// City investment received (市级投资到位) for a city-invested project.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvestment {
    pub project: String,
    pub source: FundingSource,
    pub amount_fen: i64,
}

/// Money paid out for resettlement, reclamation or poverty relief.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpending {
    /// Required without a project; with one, the project's county (and must agree if given).
    pub county: Option<String>,
    pub project: Option<String>,
    pub category: SpendCategory,
    pub paid_from: PaidFrom,
    pub payee: String,
    pub voucher: String,
    pub amount_fen: i64,
}

/// Compensation paid to one household of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCompensation {
    pub project: String,
    /// A household id, or a name (stored masked: 张三 → 张*).
    pub household: String,
    pub paid_from: PaidFrom,
    pub voucher: String,
    pub amount_fen: i64,
}

/// A stored balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsBalance {
    pub account: String,
    pub county: String,
    pub nature: String,
    pub balance_fen: i64,
    pub updated_seq: i64,
}

/// One line of an account's history, with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsHistoryLine {
    pub seq: i64,
    pub kind: String,
    pub effective: String,
    pub actor: String,
    pub reason: String,
    pub amount_fen: i64,
    pub balance_fen: i64,
}

/// One journal entry as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsEntrySummary {
    pub seq: i64,
    pub kind: String,
    pub county: String,
    pub project: Option<String>,
    pub effective: String,
    pub actor: String,
    pub amount_fen: i64,
}

/// The verifier's answer: ok, or the first entry (or balance) that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsCheck {
    pub ok: bool,
    pub entries: u64,
    pub head_hash: String,
    pub accounts: usize,
    /// The first bad entry's sequence number, if one is.
    pub bad_seq: Option<u64>,
    /// The account whose stored balance differs from the rebuilt one, if one does.
    pub bad_account: Option<String>,
    pub problem_zh: Option<String>,
    pub problem_en: Option<String>,
}

fn seq_i64(seq: u64) -> Result<i64, FundsFailure> {
    i64::try_from(seq).map_err(|_| FundsError::Overflow.into())
}

fn encode<T: Serialize>(value: &T) -> Result<String, FundsFailure> {
    serde_json::to_string(value)
        .map_err(|e| FundsFailure::Registry(StoreError::Encode(e.to_string()).into()))
}

impl Registry {
    /// Records city investment received for a city-invested project (二(六)). The source must
    /// be the project's recorded funding source. Decided on the project as the write
    /// transaction reads it.
    pub(crate) async fn record_investment(
        &self,
        actor: &Actor,
        investment: &NewInvestment,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), &investment.project).await?;
        let county = code_of(&project.county)?;
        actor.require_jurisdiction(&county)?;
        check_investment(
            &project.code,
            project.city_invested,
            project.funding_source.as_deref(),
            investment.source,
        )?;
        let operation = FundsOperation::Invest {
            county,
            project: project.code,
            source: investment.source,
            amount_fen: investment.amount_fen,
        };
        let entry = self
            .post_funds_in(&mut tx, actor, &operation, request)
            .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Records money spent for resettlement, reclamation or poverty relief, paid from the
    /// county's fund or the project's.
    pub(crate) async fn record_spending(
        &self,
        actor: &Actor,
        spending: &NewSpending,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        let given = spending
            .county
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(code_of)
            .transpose()?;
        let mut tx = self.store.begin_write().await?;
        let of_project = match spending.project.as_deref() {
            Some(p) => Some(code_of(&load_project(tx.connection(), p).await?.county)?),
            None => None,
        };
        let county = spending_county(given, of_project)?;
        actor.require_jurisdiction(&county)?;
        let operation = FundsOperation::Spend {
            county,
            project: spending.project.clone(),
            category: spending.category,
            paid_from: spending.paid_from,
            payee: spending.payee.trim().to_owned(),
            voucher: spending.voucher.trim().to_owned(),
            amount_fen: spending.amount_fen,
        };
        let entry = self
            .post_funds_in(&mut tx, actor, &operation, request)
            .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Records compensation paid to a household of a project (the name is masked).
    pub(crate) async fn record_compensation(
        &self,
        actor: &Actor,
        compensation: &NewCompensation,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), &compensation.project).await?;
        let county = code_of(&project.county)?;
        actor.require_jurisdiction(&county)?;
        let operation = FundsOperation::Compensate {
            county,
            project: project.code,
            household: household_label(&compensation.household)?,
            paid_from: compensation.paid_from,
            voucher: compensation.voucher.trim().to_owned(),
            amount_fen: compensation.amount_fen,
        };
        let entry = self
            .post_funds_in(&mut tx, actor, &operation, request)
            .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Reverses entry `seq` (a correcting entry with a reason; nothing is edited). The target
    /// (whose county decides who may reverse it) is read in the reversal's transaction.
    pub(crate) async fn reverse_funds(
        &self,
        actor: &Actor,
        seq: u64,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        let mut tx = self.store.begin_write().await?;
        let target = load_funds_entry(tx.connection(), seq).await?;
        if let Some(county) = target.county() {
            actor.require_jurisdiction(county)?;
        }
        check_reversal_reason(&request.reason)?;
        let entry = self
            .post_funds_in(&mut tx, actor, &FundsOperation::Reverse { seq }, request)
            .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The transfer proceeds of a market payment, posted inside the market's transaction:
    /// credited to the seller's fund. The key is the payment's, so a replay posts once.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn post_payment_proceeds(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        seller: &DivisionCode,
        agreement: &str,
        instalment: i64,
        payment_seq: i64,
        amount_fen: i64,
        paid_on: NaiveDate,
    ) -> Result<FundsEntry, RegistryError> {
        let operation = FundsOperation::Proceeds {
            county: seller.clone(),
            agreement: agreement.to_owned(),
            instalment,
            amount_fen,
        };
        let request = FundsRequest {
            key: format!("market-payment:{agreement}:{payment_seq}"),
            effective: paid_on,
            reason: format!("流转价款到账（协议 {agreement}）"),
        };
        Ok(self.post_funds_in(tx, actor, &operation, &request).await?)
    }

    /// Posts inside `tx`: idempotency, snapshot, plan, rows, balances, audit. On error the
    /// caller drops the transaction (rollback), so partial rows never commit.
    async fn post_funds_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        operation: &FundsOperation,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        let conn = tx.connection();
        if let Some(existing) = entry_by_key(conn, &request.key).await? {
            return if existing.operation == *operation {
                Ok(existing)
            } else {
                Err(FundsError::IdempotencyConflict(request.key.clone()).into())
            };
        }
        let snapshot = load_snapshot(conn, operation).await?;
        let meta = Meta {
            key: request.key.clone(),
            actor: actor.to_string(),
            reason: request.reason.trim().to_owned(),
            effective: request.effective,
            recorded_at: self.clock.now_rfc3339(),
        };
        let entry = plan(operation, &meta, &snapshot)?;
        write_entry(conn, &entry, &snapshot.balances).await?;
        let payload = serde_json::json!({
            "seq": entry.seq,
            "key": meta.key,
            "hash": entry.hash,
            "operation": serde_json::to_value(operation).unwrap_or_default(),
        });
        self.audit(
            tx,
            actor,
            &format!("funds.{}", operation.kind()),
            &format!("funds_entry:{}", entry.seq),
            &meta.reason,
            payload,
        )
        .await?;
        Ok(entry)
    }

    /// Every stored balance (the caller filters by jurisdiction).
    pub(crate) async fn funds_balances(&self) -> Result<Vec<FundsBalance>, RegistryError> {
        let rows = sqlx::query(
            "SELECT account, county, nature, balance_fen, updated_seq FROM funds_balances \
             ORDER BY county, account",
        )
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FundsBalance {
                    account: r.try_get(0)?,
                    county: r.try_get(1)?,
                    nature: r.try_get(2)?,
                    balance_fen: r.try_get(3)?,
                    updated_seq: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The history of one account, oldest first, with the running balance.
    pub(crate) async fn funds_account_history(
        &self,
        account: &FundAccount,
    ) -> Result<Vec<FundsHistoryLine>, RegistryError> {
        let rows = sqlx::query(
            "SELECT l.seq, e.kind, e.effective, e.actor, e.reason, l.amount_fen \
             FROM funds_legs l JOIN funds_entries e ON e.seq = l.seq \
             WHERE l.account = $1 ORDER BY l.seq, l.idx",
        )
        .bind(account.key())
        .fetch_all(self.store.pool())
        .await?;
        let mut balance = 0i64;
        rows.iter()
            .map(|r| {
                let amount: i64 = r.try_get(5)?;
                balance = balance.saturating_add(amount);
                Ok(FundsHistoryLine {
                    seq: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    effective: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    reason: r.try_get(4)?,
                    amount_fen: amount,
                    balance_fen: balance,
                })
            })
            .collect()
    }

    /// The latest `limit` entries, newest first (the caller filters by jurisdiction).
    pub(crate) async fn funds_entries(
        &self,
        limit: u32,
    ) -> Result<Vec<FundsEntrySummary>, RegistryError> {
        let rows = sqlx::query(
            "SELECT seq, kind, county, project, effective, actor, amount_fen FROM funds_entries \
             ORDER BY seq DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FundsEntrySummary {
                    seq: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    county: r.try_get(2)?,
                    project: r.try_get(3)?,
                    effective: r.try_get(4)?,
                    actor: r.try_get(5)?,
                    amount_fen: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// One journal entry as stored (its JSON, the hashed form).
    pub(crate) async fn funds_entry(&self, seq: u64) -> Result<FundsEntry, RegistryError> {
        load_funds_entry(&mut *self.read_conn().await?, seq).await
    }

    /// The independent check (audit): rebuilds every balance from the stored entries alone,
    /// checks the hash chain and each entry, that the query columns and legs rows agree with
    /// each entry, and that the stored balances equal the rebuilt ones. Names the first bad
    /// entry (or the account whose stored balance is wrong).
    pub async fn verify_funds(&self) -> Result<FundsCheck, RegistryError> {
        let pool = self.store.pool();
        let rows = sqlx::query(
            "SELECT seq, idem_key, kind, county, amount_fen, entry_json, prev_hash, hash \
             FROM funds_entries ORDER BY seq",
        )
        .fetch_all(pool)
        .await?;
        let mut legs_by_seq: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
        for r in sqlx::query("SELECT seq, account, amount_fen FROM funds_legs ORDER BY seq, idx")
            .fetch_all(pool)
            .await?
        {
            legs_by_seq
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, r.try_get(2)?));
        }
        let mut entries = Vec::with_capacity(rows.len());
        let mut row_problem: Option<u64> = None;
        for r in &rows {
            let seq_db: i64 = r.try_get(0)?;
            let seq = u64::try_from(seq_db).unwrap_or(0);
            let Ok(entry) = decode(seq, &r.try_get::<String, _>(5)?) else {
                row_problem.get_or_insert(seq);
                break;
            };
            let columns_agree = entry.seq == seq
                && entry.meta.key == r.try_get::<String, _>(1)?
                && entry.operation.kind() == r.try_get::<String, _>(2)?
                && entry.county().map(DivisionCode::as_str)
                    == Some(r.try_get::<String, _>(3)?.as_str())
                && entry.amount_fen() == r.try_get::<i64, _>(4)?
                && entry.prev_hash == r.try_get::<String, _>(6)?
                && entry.hash == r.try_get::<String, _>(7)?;
            let legs_rows: Vec<(String, i64)> = entry
                .legs
                .iter()
                .map(|l| (l.account.key(), l.amount_fen))
                .collect();
            if !columns_agree || legs_by_seq.get(&seq_db) != Some(&legs_rows) {
                row_problem.get_or_insert(seq);
            }
            entries.push(entry);
        }
        let chain = verify_journal(entries);
        let rows_bad = row_problem.map(|seq| {
            (
                seq,
                "存储行与条目内容不符（行被改动）".to_owned(),
                "stored rows differ from the entry (a row was altered)".to_owned(),
            )
        });
        let chain_bad = chain
            .as_ref()
            .err()
            .map(|e| (e.seq, e.problem_zh.clone(), e.problem_en.clone()));
        let first = match (rows_bad, chain_bad) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let mut check = FundsCheck {
            ok: false,
            entries: u64::try_from(rows.len()).unwrap_or(u64::MAX),
            head_hash: GENESIS_HASH.to_owned(),
            accounts: 0,
            bad_seq: None,
            bad_account: None,
            problem_zh: None,
            problem_en: None,
        };
        if let Some((seq, zh, en)) = first {
            check.bad_seq = Some(seq);
            check.problem_zh = Some(zh);
            check.problem_en = Some(en);
            return Ok(check);
        }
        let Ok(report) = chain else {
            return Ok(check);
        };
        check.head_hash = report.head_hash.clone();
        let stored: BTreeMap<String, i64> = self
            .funds_balances()
            .await?
            .into_iter()
            .map(|b| (b.account, b.balance_fen))
            .collect();
        check.accounts = report.balances.len();
        let keys: std::collections::BTreeSet<&String> =
            stored.keys().chain(report.balances.keys()).collect();
        for key in keys {
            let (s, b) = (stored.get(key).copied(), report.balances.get(key).copied());
            if s.unwrap_or(0) != b.unwrap_or(0) || s.is_none() != b.is_none() {
                check.bad_account = Some(key.clone());
                check.problem_zh = Some(format!(
                    "账户 {key} 存储余额 {} 分，按日志重算为 {} 分",
                    s.unwrap_or(0),
                    b.unwrap_or(0)
                ));
                check.problem_en = Some(format!(
                    "account {key}: stored balance {} 分, rebuilt from the journal {} 分",
                    s.unwrap_or(0),
                    b.unwrap_or(0)
                ));
                return Ok(check);
            }
        }
        check.ok = true;
        Ok(check)
    }

    /// The demo's money: city investment received for the city-invested project, spending on
    /// reclamation from it, and a compensation payment to one household.
    pub(crate) async fn demo_funds(
        &self,
        cal: &crate::demo::DemoCalendar,
    ) -> Result<(), RegistryError> {
        let Some(project) = self
            .projects("", None)
            .await?
            .into_iter()
            .find(|p| p.city_invested)
        else {
            return Ok(());
        };
        let Some(source) = project
            .funding_source
            .as_deref()
            .and_then(FundingSource::parse)
        else {
            return Ok(());
        };
        let finance = Actor::parse("市财政局经办人@511700")?;
        let day = |y, m, d| cal.date(y, m, d);
        let request = |key: &str, effective, reason: &str| FundsRequest {
            key: format!("demo-funds-{key}"),
            effective,
            reason: reason.to_owned(),
        };
        self.record_investment(
            &finance,
            &NewInvestment {
                project: project.code.clone(),
                source,
                amount_fen: 1_200_000_000,
            },
            &request("invest", day(2019, 5, 10)?, "市级投资首期资金到位"),
        )
        .await?;
        self.record_spending(
            &finance,
            &NewSpending {
                county: None,
                project: Some(project.code.clone()),
                category: SpendCategory::Reclamation,
                paid_from: PaidFrom::Project,
                payee: "达州市某土地整理有限公司".into(),
                voucher: format!("财拨〔{}〕0612", cal.year(2019)),
                amount_fen: 356_789_050,
            },
            &request("reclaim", day(2019, 6, 12)?, "拆旧复垦工程进度款"),
        )
        .await?;
        self.record_compensation(
            &finance,
            &NewCompensation {
                project: project.code.clone(),
                household: "王**".into(),
                paid_from: PaidFrom::Project,
                voucher: format!("补偿〔{}〕0031", cal.year(2019)),
                amount_fen: 8_650_000,
            },
            &request("compensate", day(2019, 6, 20)?, "农房拆迁补偿"),
        )
        .await?;
        Ok(())
    }
}

fn decode(seq: u64, json: &str) -> Result<FundsEntry, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("funds entry {seq} does not decode: {e}")))
}

async fn entry_by_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<FundsEntry>, FundsFailure> {
    let row = sqlx::query("SELECT seq, entry_json FROM funds_entries WHERE idem_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let seq = u64::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0);
            Ok(Some(decode(seq, &r.try_get::<String, _>(1)?)?))
        }
    }
}

/// The journal head, the reversal target (if any) and the balances the legs touch.
async fn load_snapshot(
    conn: &mut AnyConnection,
    operation: &FundsOperation,
) -> Result<Snapshot, FundsFailure> {
    let head = sqlx::query("SELECT seq, hash FROM funds_entries ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (head_seq, head_hash) = match head {
        Some(r) => (
            u64::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0),
            r.try_get::<String, _>(1)?,
        ),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let reversal = match operation {
        FundsOperation::Reverse { seq } => {
            let seq_db = seq_i64(*seq)?;
            let target = sqlx::query("SELECT entry_json FROM funds_entries WHERE seq = $1")
                .bind(seq_db)
                .fetch_optional(&mut *conn)
                .await?;
            match target {
                None => None,
                Some(r) => {
                    let entry = decode(*seq, &r.try_get::<String, _>(0)?)?;
                    let already_reversed = sqlx::query(
                        "SELECT reversal_seq FROM funds_reversals WHERE target_seq = $1",
                    )
                    .bind(seq_db)
                    .fetch_optional(&mut *conn)
                    .await?
                    .is_some();
                    Some(ReversalTarget {
                        entry,
                        already_reversed,
                    })
                }
            }
        }
        _ => None,
    };
    let mut balances = BTreeMap::new();
    for leg in legs(operation, reversal.as_ref().map(|t| &t.entry))? {
        let row = sqlx::query("SELECT balance_fen FROM funds_balances WHERE account = $1")
            .bind(leg.account.key())
            .fetch_optional(&mut *conn)
            .await?;
        let balance = match row {
            Some(r) => r.try_get::<i64, _>(0)?,
            None => 0,
        };
        balances.insert(leg.account, balance);
    }
    Ok(Snapshot {
        head_seq,
        head_hash,
        balances,
        reversal,
    })
}

/// Writes a planned entry: the entry row, its legs, the new balances, a reversal marker.
async fn write_entry(
    conn: &mut AnyConnection,
    entry: &FundsEntry,
    before: &BTreeMap<FundAccount, i64>,
) -> Result<(), FundsFailure> {
    let seq = seq_i64(entry.seq)?;
    let county = entry
        .county()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO funds_entries (seq, idem_key, kind, county, project, effective, recorded_at, \
         actor, reason, amount_fen, entry_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(seq)
    .bind(&entry.meta.key)
    .bind(entry.operation.kind())
    .bind(&county)
    .bind(
        entry
            .operation
            .project()
            .or_else(|| entry.legs.iter().find_map(|l| l.account.project()))
            .map(str::to_owned),
    )
    .bind(entry.meta.effective.format("%Y-%m-%d").to_string())
    .bind(&entry.meta.recorded_at)
    .bind(&entry.meta.actor)
    .bind(&entry.meta.reason)
    .bind(entry.amount_fen())
    .bind(encode(entry)?)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    let mut after: BTreeMap<&FundAccount, i64> = BTreeMap::new();
    for (idx, leg) in entry.legs.iter().enumerate() {
        sqlx::query(
            "INSERT INTO funds_legs (seq, idx, account, amount_fen) VALUES ($1, $2, $3, $4)",
        )
        .bind(seq)
        .bind(i64::try_from(idx).unwrap_or(i64::MAX))
        .bind(leg.account.key())
        .bind(leg.amount_fen)
        .execute(&mut *conn)
        .await?;
        let balance = after
            .get(&leg.account)
            .copied()
            .unwrap_or_else(|| before.get(&leg.account).copied().unwrap_or(0));
        let next = balance
            .checked_add(leg.amount_fen)
            .ok_or(FundsError::Overflow)?;
        after.insert(&leg.account, next);
    }
    for (account, balance) in after {
        sqlx::query(
            "INSERT INTO funds_balances (account, county, nature, balance_fen, updated_seq) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account) DO UPDATE SET balance_fen = excluded.balance_fen, \
             updated_seq = excluded.updated_seq",
        )
        .bind(account.key())
        .bind(account.county().as_str())
        .bind(account.nature().as_str())
        .bind(balance)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    if let FundsOperation::Reverse { seq: target } = entry.operation {
        sqlx::query("INSERT INTO funds_reversals (target_seq, reversal_seq) VALUES ($1, $2)")
            .bind(seq_i64(target)?)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// One journal entry as stored, read on `conn` (the pool's or a write transaction's).
async fn load_funds_entry(conn: &mut AnyConnection, seq: u64) -> Result<FundsEntry, RegistryError> {
    let not_found = || RegistryError::NotFound {
        what: "资金台账条目/funds entry",
        id: seq.to_string(),
    };
    let seq_db = i64::try_from(seq).map_err(|_| not_found())?;
    let row = sqlx::query("SELECT entry_json FROM funds_entries WHERE seq = $1")
        .bind(seq_db)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(not_found)?;
    decode(seq, &row.try_get::<String, _>(0)?).map_err(RegistryError::from)
}
