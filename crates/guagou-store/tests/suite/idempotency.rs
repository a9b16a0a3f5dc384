//! The same request twice posts once; the same key for another request is refused; a replay
//! after reopening the database still finds the first entry.

use crate::common::{TestResult, Twin, meta};
use guagou_domain::ledger::{LedgerError, Operation};
use guagou_store::{Backend, StoreError};

#[tokio::test]
async fn same_key_same_request_posts_once() -> TestResult {
    let mut t = Twin::with_projects().await?;
    let op = Operation::Advance {
        project: "XH-001".into(),
        amount_m2: 1_000,
    };
    let first = t.ok(op.clone(), meta("same", (2018, 7, 1))).await?;
    let second = t.ok(op.clone(), meta("same", (2018, 7, 1))).await?;
    assert_eq!(first, second);
    assert_eq!(t.store.head().await?.0, 1);
    // Only the posting is audited, not the replay: 2 registrations + 1 entry.
    assert_eq!(t.store.verify_audit().await?.records, 3);

    // A replay with other metadata (a retry recorded later) still returns the first entry.
    let mut later = meta("same", (2018, 7, 1));
    later.recorded_at = "2019-09-09T09:09:09+08:00".into();
    let third = t.store.post_ledger(&op, &later, &t.profile).await?;
    assert_eq!(third, first);

    let other = t
        .post(
            Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 2_000,
            },
            meta("same", (2018, 7, 1)),
        )
        .await;
    assert!(matches!(
        other,
        Err(StoreError::Ledger(LedgerError::IdempotencyConflict(ref k))) if k == "same"
    ));
    assert_eq!(
        other.err().map(|e| e.code().as_str()),
        Some("idempotency_conflict")
    );
    t.assert_same().await?;

    // The key survives a restart.
    t.store.close().await;
    let reopened = t.db.open().await?;
    assert_eq!(
        reopened
            .post_ledger(&op, &meta("same", (2018, 7, 1)), &t.profile)
            .await?,
        first
    );
    assert_eq!(reopened.head().await?.0, 1);
    Ok(())
}

#[tokio::test]
async fn replay_inside_one_transaction_and_rollback() -> TestResult {
    let t = Twin::with_projects().await?;
    let op = Operation::Advance {
        project: "XH-001".into(),
        amount_m2: 700,
    };
    let mut tx = t.store.begin_write().await?;
    let a = tx
        .post_ledger(&op, &meta("k", (2018, 7, 1)), &t.profile)
        .await?;
    let b = tx
        .post_ledger(&op, &meta("k", (2018, 7, 1)), &t.profile)
        .await?;
    assert_eq!(a, b);
    // A refusal inside the transaction leaves it usable.
    let refused = tx
        .post_ledger(
            &Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 1_000_000,
            },
            &meta("k2", (2018, 7, 1)),
            &t.profile,
        )
        .await;
    assert!(refused.is_err());
    drop(tx);
    // Dropped without commit: rolled back, and the writer lock is free again.
    assert_eq!(t.store.head().await?.0, 0);
    let c = t
        .store
        .post_ledger(&op, &meta("k", (2018, 7, 1)), &t.profile)
        .await?;
    assert_eq!(c, a);
    assert_eq!(t.store.head().await?.0, 1);
    Ok(())
}

#[tokio::test]
async fn a_failed_write_poisons_the_transaction() -> TestResult {
    let t = Twin::with_projects().await?;
    let mut tx = t.store.begin_write().await?;
    // Make the lot insert fail after the entry row was written (a temporary trigger lives and
    // dies with this transaction).
    let trigger = match t.db.backend_of() {
        Backend::Sqlite => {
            "CREATE TEMP TRIGGER fail_lots BEFORE INSERT ON ledger_lots \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        }
        // DDL is transactional in PostgreSQL: the function and trigger roll back with `tx`.
        Backend::Postgres => {
            "CREATE FUNCTION fail_lots() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
             CREATE TRIGGER fail_lots BEFORE INSERT ON ledger_lots \
             FOR EACH ROW EXECUTE FUNCTION fail_lots()"
        }
    };
    sqlx::raw_sql(trigger).execute(tx.connection()).await?;
    let failed = tx
        .post_ledger(
            &Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 100,
            },
            &meta("p", (2018, 7, 1)),
            &t.profile,
        )
        .await;
    assert_eq!(failed.err().map(|e| e.code().as_str()), Some("database"));
    let committed = tx.commit().await;
    assert_eq!(
        committed.err().map(|e| e.code().as_str()),
        Some("transaction_poisoned")
    );
    assert_eq!(t.store.head().await?.0, 0);
    t.store.verify_ledger().await?;
    t.store.verify_audit().await?;
    Ok(())
}
