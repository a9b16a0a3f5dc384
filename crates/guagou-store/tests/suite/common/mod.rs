//! Shared test fixtures: a SQLite store in a temporary directory twinned with a `MemoryLedger`
//! fed the same requests, so every test can assert that storage changes nothing the engine
//! decides.

#![allow(dead_code)]

use std::error::Error;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use guagou_domain::ledger::engine::ProjectLedger;
use guagou_domain::ledger::{Account, Entry, LedgerError, MemoryLedger, Meta, Operation};
use guagou_domain::{DivisionCode, Profile};
use guagou_store::{Store, StoreError, TestDb};
use tempfile::TempDir;

pub type TestResult = Result<(), Box<dyn Error>>;

pub fn code(text: &str) -> DivisionCode {
    match DivisionCode::parse(text) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

pub fn profile() -> Profile {
    match Profile::dazhou_2017() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

pub fn meta(key: &str, date: (i32, u32, u32)) -> Meta {
    Meta {
        key: key.to_owned(),
        actor: "tester".to_owned(),
        reason: format!("test {key}"),
        effective: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap_or_default(),
        recorded_at: "2019-01-01T00:00:00+08:00".to_owned(),
    }
}

pub fn holding(c: &str) -> Account {
    Account::Holding { division: code(c) }
}

pub fn project_ledger(
    code_: &str,
    county: &str,
    city: &str,
    share: u8,
    planned: i64,
) -> ProjectLedger {
    ProjectLedger {
        code: code_.to_owned(),
        county: code(county),
        city: code(city),
        city_share_percent: share,
        planned_surplus_m2: planned,
        advanced_m2: 0,
        issued_m2: None,
        next_serial: 1,
    }
}

/// A store in a temp dir and a memory ledger, fed the same requests.
pub struct Twin {
    pub dir: TempDir,
    /// SQLite in `dir`, or a PostgreSQL database under `GUAGOU_TEST_DATABASE`.
    pub db: TestDb,
    pub store: Store,
    pub memory: MemoryLedger,
    pub profile: Profile,
}

impl Twin {
    pub async fn new() -> Result<Twin, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let db = TestDb::create(dir.path()).await?;
        let store = db.open().await?;
        Ok(Twin {
            dir,
            db,
            store,
            memory: MemoryLedger::new(),
            profile: profile(),
        })
    }

    /// The two projects of the domain's ledger tests.
    pub async fn with_projects() -> Result<Twin, Box<dyn Error>> {
        let mut twin = Twin::new().await?;
        twin.register("XH-001", "511722", "511700", 0, 100_000)
            .await?;
        twin.register("DC-002", "511703", "511700", 40, 60_000)
            .await?;
        Ok(twin)
    }

    pub async fn register(
        &mut self,
        code_: &str,
        county: &str,
        city: &str,
        share: u8,
        planned: i64,
    ) -> Result<(), StoreError> {
        self.memory
            .register_project(code_, code(county), code(city), share, planned);
        self.store
            .register_ledger_project(
                &project_ledger(code_, county, city, share, planned),
                "tester",
                "2018-01-01T00:00:00+08:00",
            )
            .await
    }

    /// Posts to both and asserts that they agree on the outcome (the same entry, or the same
    /// refusal). Returns the store's result.
    pub async fn post(&mut self, operation: Operation, meta: Meta) -> Result<Entry, StoreError> {
        let stored = self
            .store
            .post_ledger(&operation, &meta, &self.profile)
            .await;
        let expected = self.memory.post(operation, meta, &self.profile);
        match (&stored, &expected) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "store and memory posted different entries"),
            (Err(StoreError::Ledger(a)), Err(b)) => assert_eq!(a, b, "different refusals"),
            (a, b) => panic!("store gave {a:?}, memory gave {b:?}"),
        }
        stored
    }

    /// Posts and expects success.
    pub async fn ok(&mut self, operation: Operation, meta: Meta) -> Result<Entry, Box<dyn Error>> {
        Ok(self.post(operation, meta).await?)
    }

    /// Posts and expects the engine's refusal.
    pub async fn refused(
        &mut self,
        operation: Operation,
        meta: Meta,
    ) -> Result<LedgerError, Box<dyn Error>> {
        match self.post(operation, meta).await {
            Err(StoreError::Ledger(e)) => Ok(e),
            other => Err(format!("expected a refusal, got {other:?}").into()),
        }
    }

    /// Balances, every lot (with who consumed it), the journal and verification all agree.
    pub async fn assert_same(&self) -> TestResult {
        assert_eq!(self.store.balances().await?, self.memory.balances);
        for (id, (lot, consumed)) in &self.memory.lots {
            let history = self.store.lot_history(&lot.project, lot.first).await?;
            assert!(history.contains(lot), "lot {id} missing from storage");
            assert_eq!(
                self.store.lot_consumed_by(*id).await?,
                *consumed,
                "lot {id} consumption"
            );
        }
        let accounts: std::collections::BTreeSet<Account> = self
            .memory
            .lots
            .values()
            .map(|(lot, _)| lot.holder.clone())
            .collect();
        for account in &accounts {
            assert_eq!(
                self.store.open_lots(account).await?,
                self.memory.open_lots(account),
                "open lots of {account}"
            );
        }
        let entries: Vec<Entry> = self.store.entries().try_collect().await?;
        assert_eq!(entries, self.memory.entries);
        let report = self.store.verify_ledger().await?;
        assert_eq!(report.entries, self.memory.entries.len() as u64);
        assert_eq!(report.head_hash, self.memory.head_hash());
        self.store.verify_audit().await?;
        for (code_, project) in &self.memory.projects {
            assert_eq!(
                self.store.ledger_project(code_).await?.as_ref(),
                Some(project)
            );
        }
        Ok(())
    }
}
