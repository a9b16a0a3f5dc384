//! Read helpers for ledger pages and supervision: the journal entries touching an account, lots
//! with their lineage, listings with their sellers, land supplies and adjustments, suspended
//! counties, and the deadline facts of every approved project. Each is one or a few indexed
//! queries, so a page that shows them stays cheap on a long journal.
//!
//! Nothing here writes, and nothing here decides who may read what: callers filter by
//! jurisdiction (the web crate does, for every route).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{Account, Entry, Lot, Operation};
use guagou_domain::lifecycle::ProjectState;
use guagou_domain::sanctions::{AdvanceFact, ProjectFacts};
use guagou_store::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::Registry;
use crate::error::RegistryError;
use crate::projects::{code_of, parse_day};

/// A lot as stored, with the entry that consumed it (if any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotRecord {
    #[serde(flatten)]
    pub lot: Lot,
    pub serial: String,
    pub consumed_by: Option<u64>,
}

/// A listing (公告) and its seller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListingInfo {
    pub listing: String,
    pub seller: String,
    /// The journal entry that opened it.
    pub opened_by: u64,
}

/// A recorded land supply (供地).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandSupply {
    pub id: String,
    pub county: String,
    pub zone: String,
    pub land_use: String,
    pub area_m2: i64,
    pub backing: String,
    pub recorded_on: String,
    pub ledger_seq: Option<u64>,
}

/// A planning adjustment application (二(七)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub id: String,
    pub county: String,
    pub year: i64,
    pub applied_on: String,
    pub reason: String,
}

/// A journal entry as a list shows it (`Door::journal_list`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntrySummary {
    pub seq: u64,
    /// 生效日期 `YYYY-MM-DD`.
    pub effective: String,
    /// The operation's kind (`advance`, `issue`, …).
    pub kind: String,
    /// The divisions whose accounts the entry moves and the reader reads, in leg order, each
    /// once (empty for the provincial grant alone).
    pub counties: Vec<String>,
    /// The project the operation names, if any.
    pub project: Option<String>,
    /// The operation's amount in m² (for a reversal: what it moves back).
    pub amount_m2: i64,
    pub reason: String,
}

impl EntrySummary {
    pub(crate) fn of(entry: &Entry, counties: Vec<String>) -> EntrySummary {
        let (project, amount_m2) = match &entry.operation {
            Operation::Advance { project, amount_m2 } | Operation::Repay { project, amount_m2 } => {
                (Some(project.clone()), *amount_m2)
            }
            Operation::Issue {
                project,
                confirmed_m2,
                ..
            } => (Some(project.clone()), *confirmed_m2),
            Operation::Deduct {
                project, amount_m2, ..
            } => (project.clone(), *amount_m2),
            Operation::Reserve { amount_m2, .. }
            | Operation::Release { amount_m2, .. }
            | Operation::List { amount_m2, .. }
            | Operation::Withdraw { amount_m2, .. }
            | Operation::Transfer { amount_m2, .. }
            | Operation::Use { amount_m2, .. }
            | Operation::GrantAnnualPlan { amount_m2, .. } => (None, *amount_m2),
            Operation::Reverse { .. } => (
                None,
                entry
                    .legs
                    .iter()
                    .map(|l| l.amount_m2)
                    .filter(|a| *a > 0)
                    .sum(),
            ),
        };
        EntrySummary {
            seq: entry.seq,
            effective: entry.meta.effective.format("%Y-%m-%d").to_string(),
            kind: entry.operation.kind().to_owned(),
            counties,
            project,
            amount_m2,
            reason: entry.meta.reason.clone(),
        }
    }
}

/// What a list of journal entries asks for, applied in SQL so the cap counts kept entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalFilter {
    /// Only entries moving an account of this division (a county or city code).
    pub county: Option<String>,
    /// Only this operation kind.
    pub kind: Option<String>,
    /// Effective on or after / on or before.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The newest journal entries a principal reads, filtered (`Door::journal_list`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalList {
    /// Newest first, at most the limit asked for.
    pub entries: Vec<EntrySummary>,
    /// More entries matched than the limit: the oldest are left out.
    pub capped: bool,
    /// The divisions owning accounts the principal reads (the county filter's choices).
    pub counties: Vec<String>,
}

/// Accounts bound per query (well below SQLite's and PostgreSQL's parameter limits).
const ACCOUNTS_PER_QUERY: usize = 500;

fn corrupt(what: impl Into<String>) -> RegistryError {
    RegistryError::Store(StoreError::Corrupt(what.into()))
}

fn to_u64(value: i64, what: &str) -> Result<u64, RegistryError> {
    u64::try_from(value).map_err(|_| corrupt(format!("{what} is negative: {value}")))
}

fn to_i64(value: u64) -> Result<i64, RegistryError> {
    i64::try_from(value).map_err(|_| RegistryError::invalid("seq", "序号过大", "number too large"))
}

fn decode_entry(row: &AnyRow) -> Result<Entry, RegistryError> {
    let seq: i64 = row.try_get("seq")?;
    let json: String = row.try_get("entry_json")?;
    serde_json::from_str(&json).map_err(|e| corrupt(format!("journal entry {seq} JSON: {e}")))
}

const LOT_SELECT: &str = "SELECT id, project, first_serial, last_serial, holder, parent, created_by, advanced, consumed_by FROM ledger_lots";

fn lot_from_row(row: &AnyRow) -> Result<LotRecord, RegistryError> {
    let holder: String = row.try_get("holder")?;
    let lot = Lot {
        id: to_u64(row.try_get("id")?, "lot id")?,
        project: row.try_get("project")?,
        first: row.try_get("first_serial")?,
        last: row.try_get("last_serial")?,
        holder: Account::from_key(&holder)
            .ok_or_else(|| corrupt(format!("lot holder account {holder:?}")))?,
        parent: row
            .try_get::<Option<i64>, _>("parent")?
            .map(|p| to_u64(p, "lot parent"))
            .transpose()?,
        created_by: to_u64(row.try_get("created_by")?, "lot created_by")?,
        advanced: row.try_get::<i64, _>("advanced")? != 0,
    };
    Ok(LotRecord {
        serial: lot.serial(),
        consumed_by: row
            .try_get::<Option<i64>, _>("consumed_by")?
            .map(|s| to_u64(s, "lot consumed_by"))
            .transpose()?,
        lot,
    })
}

impl Registry {
    /// Every project's county, by project code (one query; for jurisdiction checks).
    pub(crate) async fn project_counties(&self) -> Result<BTreeMap<String, String>, RegistryError> {
        let rows = sqlx::query("SELECT code, county FROM projects")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("county")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// Names of the counties, cities and the province (6-digit codes), by code.
    pub(crate) async fn division_names(&self) -> Result<BTreeMap<String, String>, RegistryError> {
        let rows = sqlx::query("SELECT code, name FROM divisions WHERE LENGTH(code) = 6")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("name")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// Every listing ever opened, by listing ID (a settled or withdrawn listing stays here with
    /// a zero balance).
    pub(crate) async fn listings(&self) -> Result<BTreeMap<String, ListingInfo>, RegistryError> {
        let rows = sqlx::query("SELECT listing, seller, opened_by FROM ledger_listings")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let info = ListingInfo {
                    listing: r.try_get("listing")?,
                    seller: r.try_get("seller")?,
                    opened_by: to_u64(r.try_get("opened_by")?, "opened_by")?,
                };
                Ok((info.listing.clone(), info))
            })
            .collect()
    }

    /// Entries with a leg on `account`, newest first: up to `limit` entries with a sequence
    /// number below `before` (all when `None`).
    pub(crate) async fn entries_touching(
        &self,
        account: &Account,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Entry>, RegistryError> {
        let before = match before {
            Some(seq) => to_i64(seq)?,
            None => i64::MAX,
        };
        let rows = sqlx::query(
            "SELECT seq, entry_json FROM ledger_entries WHERE seq < $1 AND seq IN \
             (SELECT seq FROM ledger_legs WHERE account = $2) ORDER BY seq DESC LIMIT $3",
        )
        .bind(before)
        .bind(account.key())
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(decode_entry).collect()
    }

    /// The newest `limit` entries (newest first) with a leg on one of `accounts` (any account
    /// when `None`) that pass `filter`'s kind and dates. Accounts are bound in chunks; each
    /// chunk reads at most `limit` entries, so the work is bounded by the chunks and the limit,
    /// never by the journal's length.
    pub(crate) async fn entries_on_accounts(
        &self,
        accounts: Option<&[String]>,
        filter: &JournalFilter,
        limit: u32,
    ) -> Result<Vec<Entry>, RegistryError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        if let Some(kind) = &filter.kind {
            values.push(kind.clone());
            conditions.push(format!("kind = ${}", values.len()));
        }
        if let Some(from) = filter.from {
            values.push(from.format("%Y-%m-%d").to_string());
            conditions.push(format!("effective >= ${}", values.len()));
        }
        if let Some(to) = filter.to {
            values.push(to.format("%Y-%m-%d").to_string());
            conditions.push(format!("effective <= ${}", values.len()));
        }
        let chunks: Vec<Option<&[String]>> = match accounts {
            None => vec![None],
            Some(accounts) => accounts.chunks(ACCOUNTS_PER_QUERY).map(Some).collect(),
        };
        let mut out: BTreeMap<u64, Entry> = BTreeMap::new();
        for chunk in chunks {
            let mut conditions = conditions.clone();
            let mut values = values.clone();
            if let Some(chunk) = chunk {
                let first = values.len() + 1;
                let list: Vec<String> = (first..first + chunk.len())
                    .map(|i| format!("${i}"))
                    .collect();
                values.extend(chunk.iter().cloned());
                conditions.push(format!(
                    "seq IN (SELECT seq FROM ledger_legs WHERE account IN ({}))",
                    list.join(",")
                ));
            }
            let filter = if conditions.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", conditions.join(" AND "))
            };
            let sql = format!(
                "SELECT seq, entry_json FROM ledger_entries{filter} ORDER BY seq DESC LIMIT ${}",
                values.len() + 1
            );
            let mut query = sqlx::query(&sql);
            for value in &values {
                query = query.bind(value.as_str());
            }
            let rows = query
                .bind(i64::from(limit))
                .fetch_all(self.store.pool())
                .await?;
            for row in &rows {
                let entry = decode_entry(row)?;
                out.insert(entry.seq, entry);
            }
        }
        Ok(out
            .into_values()
            .rev()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect())
    }

    /// How many entries have a leg on `account`.
    pub(crate) async fn count_entries_touching(
        &self,
        account: &Account,
    ) -> Result<u64, RegistryError> {
        let n: i64 =
            sqlx::query("SELECT COUNT(DISTINCT seq) AS n FROM ledger_legs WHERE account = $1")
                .bind(account.key())
                .fetch_one(self.store.pool())
                .await?
                .try_get("n")?;
        to_u64(n, "count")
    }

    /// The lots with these IDs, in ID order (missing IDs are left out).
    pub(crate) async fn lots_by_id(&self, ids: &[u64]) -> Result<Vec<LotRecord>, RegistryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{LOT_SELECT} WHERE id IN ({}) ORDER BY id",
            placeholders.join(",")
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(to_i64(*id)?);
        }
        let rows = query.fetch_all(self.store.pool()).await?;
        rows.iter().map(lot_from_row).collect()
    }

    /// One lot and its ancestors, the lot first and the minted lot last: where these square
    /// metres came from.
    pub(crate) async fn lot_lineage(&self, id: u64) -> Result<Vec<LotRecord>, RegistryError> {
        let mut out: Vec<LotRecord> = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            // A parent link always points to an older lot; a cycle would be corruption.
            if out.iter().any(|l| l.lot.id == id) {
                return Err(corrupt(format!("lot {id} is its own ancestor")));
            }
            let Some(record) = self.lots_by_id(&[id]).await?.into_iter().next() else {
                break;
            };
            next = record.lot.parent;
            out.push(record);
        }
        Ok(out)
    }

    /// Counties whose advance right is suspended (二(四)).
    pub(crate) async fn suspended_counties(&self) -> Result<Vec<DivisionCode>, RegistryError> {
        let rows = sqlx::query("SELECT county FROM ledger_suspended_counties ORDER BY county")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| code_of(&r.try_get::<String, _>("county")?))
            .collect()
    }

    /// A land supply by ID.
    pub(crate) async fn land_supply(&self, id: &str) -> Result<Option<LandSupply>, RegistryError> {
        Ok(self
            .land_supplies_where("id = $1", id)
            .await?
            .into_iter()
            .next())
    }

    /// Land supplies of divisions under `prefix` ("" for all), newest first.
    pub(crate) async fn land_supplies(
        &self,
        prefix: &str,
    ) -> Result<Vec<LandSupply>, RegistryError> {
        self.land_supplies_where("county LIKE $1", &format!("{prefix}%"))
            .await
    }

    async fn land_supplies_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<LandSupply>, RegistryError> {
        let sql = format!(
            "SELECT id, county, zone, land_use, area_m2, backing, recorded_on, ledger_seq \
             FROM land_supplies WHERE {condition} ORDER BY recorded_on DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(value)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LandSupply {
                    id: r.try_get("id")?,
                    county: r.try_get("county")?,
                    zone: r.try_get("zone")?,
                    land_use: r.try_get("land_use")?,
                    area_m2: r.try_get("area_m2")?,
                    backing: r.try_get("backing")?,
                    recorded_on: r.try_get("recorded_on")?,
                    ledger_seq: r
                        .try_get::<Option<i64>, _>("ledger_seq")?
                        .map(|s| to_u64(s, "ledger_seq"))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Planning adjustment applications of divisions under `prefix`, newest first.
    pub(crate) async fn adjustments(&self, prefix: &str) -> Result<Vec<Adjustment>, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, county, year, applied_on, reason FROM adjustments \
             WHERE county LIKE $1 ORDER BY applied_on DESC, id",
        )
        .bind(format!("{prefix}%"))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Adjustment {
                    id: r.try_get("id")?,
                    county: r.try_get("county")?,
                    year: r.try_get("year")?,
                    applied_on: r.try_get("applied_on")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// The same facts as `sanction_facts`, read with a few indexed queries instead of the whole
    /// journal (only advance entries and the reversal table), for dashboards and supervision
    /// pages that show deadlines on every load.
    pub(crate) async fn deadline_facts(&self) -> Result<Vec<ProjectFacts>, RegistryError> {
        self.deadline_facts_of(None).await
    }

    /// The deadline facts of one project (`None` if it was never approved), for its page.
    pub(crate) async fn project_deadline_facts(
        &self,
        code: &str,
    ) -> Result<Option<ProjectFacts>, RegistryError> {
        Ok(self.deadline_facts_of(Some(code)).await?.into_iter().next())
    }

    async fn deadline_facts_of(
        &self,
        only: Option<&str>,
    ) -> Result<Vec<ProjectFacts>, RegistryError> {
        deadline_facts_in(&mut *self.read_conn().await?, only).await
    }
}

/// The deadline facts (of project `only`, or of every approved project), read on `conn`: the
/// pool's, or the deadline scan's write transaction.
pub(crate) async fn deadline_facts_in(
    conn: &mut AnyConnection,
    only: Option<&str>,
) -> Result<Vec<ProjectFacts>, RegistryError> {
    let reversed: BTreeSet<i64> = sqlx::query("SELECT target_seq FROM ledger_reversals")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("target_seq"))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut advances: BTreeMap<String, Vec<AdvanceFact>> = BTreeMap::new();
    let advance_rows =
        match only {
            // One project: its advance account's legs (indexed) name its advance entries.
            Some(code) => {
                sqlx::query(
                    "SELECT seq, entry_json FROM ledger_entries WHERE kind = 'advance' AND seq IN \
                 (SELECT seq FROM ledger_legs WHERE account = $1) ORDER BY seq",
                )
                .bind(format!("advance:{code}"))
                .fetch_all(&mut *conn)
                .await?
            }
            None => sqlx::query(
                "SELECT seq, entry_json FROM ledger_entries WHERE kind = 'advance' ORDER BY seq",
            )
            .fetch_all(&mut *conn)
            .await?,
        };
    for row in &advance_rows {
        if reversed.contains(&row.try_get::<i64, _>("seq")?) {
            continue;
        }
        let entry = decode_entry(row)?;
        if let Operation::Advance { project, amount_m2 } = &entry.operation {
            advances
                .entry(project.clone())
                .or_default()
                .push(AdvanceFact {
                    seq: entry.seq,
                    amount_m2: *amount_m2,
                    effective: entry.meta.effective,
                });
        }
    }
    let issued: BTreeMap<String, Option<i64>> =
        sqlx::query("SELECT code, issued_m2 FROM ledger_projects")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("issued_m2")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let owed: BTreeMap<String, i64> = sqlx::query(
        "SELECT account, balance_m2 FROM ledger_balances WHERE account LIKE 'advance:%'",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let account: String = r.try_get("account")?;
        let code = account.trim_start_matches("advance:").to_owned();
        Ok((code, -r.try_get::<i64, _>("balance_m2")?))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let applications = stopping_applications(conn, only).await?;
    let extended = granted_extensions(conn, only).await?;
    const PROJECTS: &str = "SELECT code, county, state, approved_on, accepted_on FROM projects \
         WHERE approved_on IS NOT NULL";
    let projects = match only {
        Some(code) => {
            sqlx::query(&format!("{PROJECTS} AND code = $1"))
                .bind(code)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{PROJECTS} ORDER BY code"))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out = Vec::with_capacity(projects.len());
    for row in &projects {
        let code: String = row.try_get("code")?;
        let state: String = row.try_get("state")?;
        let state: ProjectState = serde_json::from_value(serde_json::Value::String(state.clone()))
            .map_err(|_| corrupt(format!("project {code} state {state:?}")))?;
        let approved: String = row.try_get("approved_on")?;
        out.push(ProjectFacts {
            county: code_of(&row.try_get::<String, _>("county")?)?,
            state,
            approved_on: Some(parse_day("approved_on", &approved)?),
            accepted_on: row
                .try_get::<Option<String>, _>("accepted_on")?
                .map(|d| parse_day("accepted_on", &d))
                .transpose()?,
            acceptance_applied_on: applications.get(&code).copied(),
            extended_to: extended.get(&code).copied(),
            advances: advances.remove(&code).unwrap_or_default(),
            issued_m2: issued.get(&code).copied().flatten(),
            outstanding_m2: owed.get(&code).copied().unwrap_or(0).max(0),
            code,
        });
    }
    Ok(out)
}

/// The acceptance applications that stop a deadline's clock (docs/readings/deadlines.md):
/// pending or accepted, by project; a returned one does not count.
pub(crate) async fn stopping_applications(
    conn: &mut AnyConnection,
    only: Option<&str>,
) -> Result<BTreeMap<String, NaiveDate>, RegistryError> {
    const SQL: &str = "SELECT code, applied_on FROM acceptances \
         WHERE (decision IS NULL OR decision = 'accepted')";
    let rows = match only {
        Some(code) => {
            sqlx::query(&format!("{SQL} AND code = $1"))
                .bind(code)
                .fetch_all(&mut *conn)
                .await?
        }
        None => sqlx::query(SQL).fetch_all(&mut *conn).await?,
    };
    rows.iter()
        .map(|r| {
            let applied: String = r.try_get("applied_on")?;
            Ok((r.try_get("code")?, parse_day("applied_on", &applied)?))
        })
        .collect()
}

/// The completion deadline set by each project's latest granted extension.
pub(crate) async fn granted_extensions(
    conn: &mut AnyConnection,
    only: Option<&str>,
) -> Result<BTreeMap<String, NaiveDate>, RegistryError> {
    const SQL: &str = "SELECT code, seq, granted_until FROM completion_extensions \
         WHERE state = 'granted'";
    let rows = match only {
        Some(code) => {
            sqlx::query(&format!("{SQL} AND code = $1 ORDER BY seq"))
                .bind(code)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{SQL} ORDER BY code, seq"))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out = BTreeMap::new();
    for r in &rows {
        let until: Option<String> = r.try_get("granted_until")?;
        if let Some(until) = until {
            out.insert(r.try_get("code")?, parse_day("granted_until", &until)?);
        }
    }
    Ok(out)
}
