//! The write transaction: the one place the ledger is written. It loads exactly the state the
//! engine asks for, lets `guagou_domain::ledger::plan` decide, and writes the planned entry and
//! its effects. It must never decide anything the engine decides, never write outside the
//! transaction, and never commit after a failed write (the transaction is then poisoned).

use std::collections::BTreeMap;

use guagou_domain::ledger::Account;
use guagou_domain::ledger::account::AccountOwner;
use guagou_domain::ledger::engine::{
    Effects, Needs, ProjectLedger, ReversalTarget, Snapshot, needs, needs_for_reversal,
};
use guagou_domain::ledger::entry::GENESIS_HASH;
use guagou_domain::ledger::{Entry, LedgerError, Meta, Operation, plan};
use guagou_domain::{DivisionCode, Profile};
use sqlx::{Any, AnyConnection, Row, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::audit::{self, AuditEntry, AuditRecord};
use crate::error::StoreError;
use crate::rows::{self, LOT_COLUMNS, encode_json, lot_from_row, to_i64, to_u64};
use crate::store::{Backend, Store};

/// The only write transaction. Dropping it without `commit` rolls back.
pub struct WriteTx {
    // Declared before the guard so that the rollback is queued before the next local writer
    // is let in.
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// Set when a write failed half-way: the transaction holds partial changes.
    poisoned: Option<String>,
    _writer: OwnedMutexGuard<()>,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx")
            .field("backend", &self.backend)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl WriteTx {
    pub(crate) fn new(
        tx: Transaction<'static, Any>,
        backend: Backend,
        writer: OwnedMutexGuard<()>,
    ) -> WriteTx {
        WriteTx {
            tx,
            backend,
            poisoned: None,
            _writer: writer,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The transaction's connection, for the caller's own writes (registry tables) that must
    /// commit or roll back together with the ledger. Do not write ledger or audit tables here.
    pub fn connection(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        if let Some(why) = self.poisoned {
            self.tx.rollback().await?;
            return Err(StoreError::TransactionPoisoned(why));
        }
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Passes `result` through; an error (which may follow partial writes) poisons the
    /// transaction so that it can only be rolled back.
    fn poison_on<T>(&mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result {
            self.poisoned.get_or_insert_with(|| e.to_string());
        }
        result
    }

    /// Registers a project with the ledger (the registry does this on approval). The caller
    /// audits it in the same transaction.
    pub async fn register_ledger_project(
        &mut self,
        project: &ProjectLedger,
    ) -> Result<(), StoreError> {
        if rows::project(&mut self.tx, &project.code).await?.is_some() {
            return Err(StoreError::ProjectAlreadyRegistered(project.code.clone()));
        }
        let result = insert_project(&mut self.tx, project).await;
        self.poison_on(result)
    }

    /// Suspends or restores a county's advance right (二(四)). The caller audits the decision.
    pub async fn set_advance_suspended(
        &mut self,
        county: &DivisionCode,
        suspended: bool,
    ) -> Result<(), StoreError> {
        let sql = if suspended {
            "INSERT INTO ledger_suspended_counties (county) VALUES ($1) \
             ON CONFLICT (county) DO NOTHING"
        } else {
            "DELETE FROM ledger_suspended_counties WHERE county = $1"
        };
        let result = sqlx::query(sql)
            .bind(county.as_str())
            .execute(&mut *self.tx)
            .await
            .map(|_| ())
            .map_err(StoreError::from);
        self.poison_on(result)
    }

    /// Appends an audit record in this transaction.
    pub async fn audit(&mut self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let result = audit::append(&mut self.tx, record).await;
        self.poison_on(result)
    }

    /// Posts a ledger request. The same idempotency key with the same operation returns the
    /// stored entry and posts nothing; with another operation it is `IdempotencyConflict`. A
    /// refusal by the engine writes nothing and leaves the transaction usable. Every posted
    /// entry also appends an audit record (action `ledger.<kind>`).
    pub async fn post_ledger(
        &mut self,
        operation: &Operation,
        meta: &Meta,
        profile: &Profile,
    ) -> Result<Entry, StoreError> {
        if let Some(existing) = rows::entry_by_key(&mut self.tx, &meta.key).await? {
            return if existing.operation == *operation {
                Ok(existing)
            } else {
                Err(LedgerError::IdempotencyConflict(meta.key.clone()).into())
            };
        }
        let snapshot = load_snapshot(&mut self.tx, operation).await?;
        let (entry, effects) = plan(operation, meta, &snapshot, profile)?;
        let result = write_entry(&mut self.tx, &entry, &effects).await;
        self.poison_on(result)?;
        let operation_json =
            serde_json::to_value(operation).map_err(|e| StoreError::Encode(e.to_string()))?;
        let owners = entry_owners(&mut self.tx, &entry).await?;
        let record = AuditRecord {
            subject_kind: "ledger_entry".to_owned(),
            owners,
            actor: meta.actor.clone(),
            at: meta.recorded_at.clone(),
            action: format!("ledger.{}", operation.kind()),
            subject: format!("ledger_entry:{}", entry.seq),
            reason: meta.reason.clone(),
            payload: serde_json::json!({
                "seq": entry.seq,
                "key": meta.key,
                "hash": entry.hash,
                "operation": operation_json,
            }),
        };
        self.audit(record).await?;
        Ok(entry)
    }
}

/// The divisions owning the accounts an entry touches (its audit record's owners): a
/// division's own accounts, a project's through its county, a listing's through its seller;
/// the provincial grant belongs to no county. Read in the entry's transaction, after its rows.
async fn entry_owners(conn: &mut AnyConnection, entry: &Entry) -> Result<Vec<String>, StoreError> {
    let mut owners = Vec::new();
    for leg in &entry.legs {
        let owner = match leg.account.owner() {
            AccountOwner::Division(division) => Some(division.to_string()),
            AccountOwner::ProjectCounty(project) => rows::project(conn, project)
                .await?
                .map(|p| p.county.to_string()),
            AccountOwner::ListingSeller(listing) => rows::listing(conn, listing)
                .await?
                .map(|l| l.seller.to_string()),
            AccountOwner::Province => None,
        };
        if let Some(owner) = owner
            && !owners.contains(&owner)
        {
            owners.push(owner);
        }
    }
    Ok(owners)
}

async fn insert_project(
    conn: &mut AnyConnection,
    project: &ProjectLedger,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ledger_projects (code, county, city, city_share_percent, \
         planned_surplus_m2, advanced_m2, issued_m2, next_serial) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&project.code)
    .bind(project.county.as_str())
    .bind(project.city.as_str())
    .bind(i64::from(project.city_share_percent))
    .bind(project.planned_surplus_m2)
    .bind(project.advanced_m2)
    .bind(project.issued_m2)
    .bind(project.next_serial)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many m² of lots a debit can take, so that only the first lots that cover it are read.
/// The engine consumes an account's lots in the operation's `LotOrder` (the order storage reads
/// them in) and stops once the amount is covered, so a covering prefix yields the same plan as
/// the full list. `None`: read them all.
fn lots_to_cover(operation: &Operation) -> Option<i64> {
    match operation {
        Operation::Reserve { amount_m2, .. }
        | Operation::Release { amount_m2, .. }
        | Operation::List { amount_m2, .. }
        | Operation::Withdraw { amount_m2, .. }
        | Operation::Transfer { amount_m2, .. }
        | Operation::Use { amount_m2, .. }
        | Operation::Repay { amount_m2, .. } => Some(*amount_m2),
        _ => None,
    }
}

fn merge(into: &mut Needs, more: Needs) {
    into.accounts.extend(more.accounts);
    into.lot_accounts.extend(more.lot_accounts);
    into.projects.extend(more.projects);
    into.listings.extend(more.listings);
}

/// Loads exactly what the engine needs for `operation`, as `MemoryLedger` does in memory.
async fn load_snapshot(
    conn: &mut AnyConnection,
    operation: &Operation,
) -> Result<Snapshot, StoreError> {
    let mut projects: BTreeMap<String, ProjectLedger> = BTreeMap::new();
    let first = needs(operation, &projects);
    let mut extra = Needs::default();
    let mut reversal = None;
    if let Some(seq) = first.reversal
        && let Some(target) = rows::entry_by_seq(conn, seq).await?
    {
        extra = needs_for_reversal(&target);
        let created_open = sqlx::query(&format!(
            "SELECT {LOT_COLUMNS} FROM ledger_lots \
             WHERE created_by = $1 AND consumed_by IS NULL ORDER BY id"
        ))
        .bind(to_i64(seq, "seq")?)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(lot_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let already_reversed =
            sqlx::query("SELECT reversal_seq FROM ledger_reversals WHERE target_seq = $1")
                .bind(to_i64(seq, "seq")?)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
        let consumed = sqlx::query(&format!(
            "SELECT {LOT_COLUMNS} FROM ledger_lots WHERE consumed_by = $1 ORDER BY id"
        ))
        .bind(to_i64(seq, "seq")?)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(lot_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        reversal = Some(ReversalTarget {
            entry: target,
            created_open,
            consumed,
            already_reversed,
        });
    }
    // Projects first: which holding accounts an advance or issue touches depends on them.
    for code in first.projects.iter().chain(&extra.projects) {
        if !projects.contains_key(code)
            && let Some(p) = rows::project(conn, code).await?
        {
            projects.insert(code.clone(), p);
        }
    }
    let mut all = needs(operation, &projects);
    merge(&mut all, extra);

    let mut snapshot = Snapshot {
        reversal,
        ..Snapshot::default()
    };
    let (head_seq, head_hash, next_lot_id) = heads(conn).await?;
    snapshot.head_seq = head_seq;
    snapshot.head_hash = head_hash;
    snapshot.next_lot_id = next_lot_id;
    snapshot.balances = balances(conn, &all.accounts).await?;
    let cover = lots_to_cover(operation);
    for (account, order) in &all.lot_accounts {
        if !snapshot.open_lots.contains_key(account) {
            let lots = rows::open_lots(conn, account, order, cover).await?;
            snapshot.open_lots.insert(account.clone(), lots);
        }
    }
    for code in &all.projects {
        if let Some(p) = projects.get(code) {
            snapshot.projects.insert(code.clone(), p.clone());
        }
    }
    for name in &all.listings {
        if !snapshot.listings.contains_key(name)
            && let Some(l) = rows::listing(conn, name).await?
        {
            snapshot.listings.insert(name.clone(), l);
        }
    }
    snapshot.suspended = rows::suspended(conn).await?;
    Ok(snapshot)
}

/// The journal head and the next lot id, in one round trip.
async fn heads(conn: &mut AnyConnection) -> Result<(u64, String, u64), StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT MAX(seq) FROM ledger_entries), \
         (SELECT hash FROM ledger_entries ORDER BY seq DESC LIMIT 1), \
         (SELECT MAX(id) FROM ledger_lots)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let seq = row.try_get::<Option<i64>, _>(0)?;
    let hash = row.try_get::<Option<String>, _>(1)?;
    let lot = row.try_get::<Option<i64>, _>(2)?;
    let (seq, hash) = match (seq, hash) {
        (Some(seq), Some(hash)) => (to_u64(seq, "seq")?, hash),
        (None, None) => (0, GENESIS_HASH.to_owned()),
        _ => return Err(StoreError::corrupt("journal head")),
    };
    let next_lot = match lot {
        Some(max) => to_u64(max, "lot id")? + 1,
        None => 1,
    };
    Ok((seq, hash, next_lot))
}

/// `($first, $first+1, …)` groups for `rows` rows of `columns` placeholders each.
fn placeholders(first: usize, rows: usize, columns: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", first + r * columns + c));
        }
        out.push(')');
    }
    out
}

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 100;

/// Stored balances of `accounts` (missing = 0), in as few round trips as the list allows.
async fn balances(
    conn: &mut AnyConnection,
    accounts: &[Account],
) -> Result<BTreeMap<Account, i64>, StoreError> {
    let mut out: BTreeMap<Account, i64> = accounts.iter().map(|a| (a.clone(), 0)).collect();
    let keys: Vec<String> = out.keys().map(Account::key).collect();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(1, 1, chunk.len());
        let sql =
            format!("SELECT account, balance_m2 FROM ledger_balances WHERE account IN {list}");
        let mut query = sqlx::query(&sql);
        for key in chunk {
            query = query.bind(key);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let account = rows::parse_account(&row.try_get::<String, _>(0)?)?;
            out.insert(account, row.try_get(1)?);
        }
    }
    Ok(out)
}

/// Writes a planned entry and everything it implies. Any failure here leaves partial writes:
/// the caller poisons the transaction.
async fn write_entry(
    conn: &mut AnyConnection,
    entry: &Entry,
    effects: &Effects,
) -> Result<(), StoreError> {
    let seq = to_i64(entry.seq, "seq")?;
    sqlx::query(
        "INSERT INTO ledger_entries (seq, idem_key, kind, effective, recorded_at, actor, reason, \
         money_fen, entry_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(&entry.meta.key)
    .bind(entry.operation.kind())
    .bind(entry.meta.effective.to_string())
    .bind(&entry.meta.recorded_at)
    .bind(&entry.meta.actor)
    .bind(&entry.meta.reason)
    .bind(entry.money_fen)
    .bind(encode_json(entry)?)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;

    let legs: Vec<(i64, String, i64)> = entry
        .legs
        .iter()
        .enumerate()
        .map(|(idx, leg)| {
            let idx = i64::try_from(idx).unwrap_or(i64::MAX);
            (idx, leg.account.key(), leg.amount_m2)
        })
        .collect();
    for chunk in legs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_legs (seq, idx, account, amount_m2) VALUES {}",
            placeholders(1, chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (idx, account, amount) in chunk {
            query = query.bind(seq).bind(*idx).bind(account).bind(*amount);
        }
        query.execute(&mut *conn).await?;
    }
    // One row per account (PostgreSQL refuses to upsert the same row twice in a statement).
    let mut moves: BTreeMap<&str, i64> = BTreeMap::new();
    for (_, account, amount) in &legs {
        let total = moves.entry(account.as_str()).or_insert(0);
        *total = total.checked_add(*amount).ok_or(LedgerError::Overflow)?;
    }
    let moves: Vec<(&str, i64)> = moves.into_iter().collect();
    for chunk in moves.chunks(ROWS_PER_STATEMENT) {
        // Relative update: the stored balance moves by exactly the legs, whatever was read.
        let sql = format!(
            "INSERT INTO ledger_balances (account, balance_m2, updated_seq) VALUES {} \
             ON CONFLICT (account) DO UPDATE SET \
             balance_m2 = ledger_balances.balance_m2 + excluded.balance_m2, \
             updated_seq = excluded.updated_seq",
            placeholders(1, chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for (account, amount) in chunk {
            query = query.bind(*account).bind(*amount).bind(seq);
        }
        query.execute(&mut *conn).await?;
    }

    // Consume before creating: a reversal consumes lots and restores their parents' serials.
    let consumed: Vec<i64> = entry
        .lots_consumed
        .iter()
        .map(|id| to_i64(*id, "lot id"))
        .collect::<Result<_, _>>()?;
    for chunk in consumed.chunks(ROWS_PER_STATEMENT) {
        // Belt and braces against double consumption: the engine only offers open lots, and
        // the single writer keeps them open until here, but every row must agree.
        let sql = format!(
            "UPDATE ledger_lots SET consumed_by = $1 WHERE consumed_by IS NULL AND id IN {}",
            placeholders(2, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(seq);
        for id in chunk {
            query = query.bind(*id);
        }
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(already_consumed(conn, chunk, entry.seq).await);
        }
    }
    for chunk in entry.lots_created.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_lots (id, project, first_serial, last_serial, holder, parent, \
             created_by, advanced) VALUES {}",
            placeholders(1, chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for lot in chunk {
            query = query
                .bind(to_i64(lot.id, "lot id")?)
                .bind(&lot.project)
                .bind(lot.first)
                .bind(lot.last)
                .bind(lot.holder.key())
                .bind(lot.parent.map(|p| to_i64(p, "lot parent")).transpose()?)
                .bind(to_i64(lot.created_by, "seq")?)
                .bind(i64::from(lot.advanced));
        }
        query.execute(&mut *conn).await?;
    }

    for project in &effects.project_updates {
        let done = sqlx::query(
            "UPDATE ledger_projects SET advanced_m2 = $2, issued_m2 = $3, next_serial = $4 \
             WHERE code = $1",
        )
        .bind(&project.code)
        .bind(project.advanced_m2)
        .bind(project.issued_m2)
        .bind(project.next_serial)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::corrupt(format!(
                "ledger project {} vanished during entry {}",
                project.code, entry.seq
            )));
        }
    }
    if let Some(listing) = &effects.listing_opened {
        sqlx::query("INSERT INTO ledger_listings (listing, seller, opened_by) VALUES ($1, $2, $3)")
            .bind(&listing.listing)
            .bind(listing.seller.as_str())
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(listing) = &effects.listing_removed {
        sqlx::query("DELETE FROM ledger_listings WHERE listing = $1")
            .bind(listing)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(target) = effects.reversed_seq {
        sqlx::query("INSERT INTO ledger_reversals (target_seq, reversal_seq) VALUES ($1, $2)")
            .bind(to_i64(target, "seq")?)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Names the first lot of `chunk` that this entry could not consume.
async fn already_consumed(conn: &mut AnyConnection, chunk: &[i64], seq: u64) -> StoreError {
    for id in chunk {
        let mine = sqlx::query("SELECT consumed_by FROM ledger_lots WHERE id = $1")
            .bind(*id)
            .fetch_optional(&mut *conn)
            .await;
        let consumed_here = match mine {
            Ok(Some(row)) => {
                row.try_get::<Option<i64>, _>(0)
                    .ok()
                    .flatten()
                    .and_then(|s| u64::try_from(s).ok())
                    == Some(seq)
            }
            Ok(None) => false,
            Err(e) => return e.into(),
        };
        if !consumed_here {
            return StoreError::LotAlreadyConsumed {
                lot: u64::try_from(*id).unwrap_or_default(),
                seq,
            };
        }
    }
    StoreError::corrupt(format!("lot consumption count of entry {seq}"))
}

impl Store {
    /// Posts one request in its own write transaction (with its audit record) and commits.
    pub async fn post_ledger(
        &self,
        operation: &Operation,
        meta: &Meta,
        profile: &Profile,
    ) -> Result<Entry, StoreError> {
        let mut tx = self.begin_write().await?;
        let entry = tx.post_ledger(operation, meta, profile).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Registers a project in its own transaction, with an audit record.
    pub async fn register_ledger_project(
        &self,
        project: &ProjectLedger,
        actor: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.register_ledger_project(project).await?;
        tx.audit(AuditRecord {
            actor: actor.to_owned(),
            at: at.to_owned(),
            action: "ledger.register_project".into(),
            subject: format!("project:{}", project.code),
            subject_kind: "project".into(),
            owners: vec![project.county.to_string()],
            reason: String::new(),
            payload: serde_json::to_value(project)
                .map_err(|e| StoreError::Encode(e.to_string()))?,
        })
        .await?;
        tx.commit().await
    }
}
