//! Tampering with the SQLite file behind the store's back (a raw connection, as an attacker
//! with file access would) is detected by `verify_ledger` / `verify_audit`, which name the
//! entry, account or audit record that was changed.

use crate::common::{TestResult, Twin, code, meta};
use guagou_domain::ledger::{LandUse, Operation};
use guagou_store::StoreError;
use sqlx::Connection;

/// A small ledger: advance (seq 1), use with a split (seq 2), annual plan grant (seq 3), issue
/// (seq 4), use (seq 5).
async fn ledger() -> Result<Twin, Box<dyn std::error::Error>> {
    let mut t = Twin::with_projects().await?;
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 10_000,
        },
        meta("a", (2018, 7, 1)),
    )
    .await?;
    t.ok(
        Operation::Use {
            division: code("511722"),
            amount_m2: 4_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2018, 8, 1)),
    )
    .await?;
    t.ok(
        Operation::GrantAnnualPlan {
            county: code("511722"),
            year: 2019,
            amount_m2: 500,
        },
        meta("g", (2019, 1, 1)),
    )
    .await?;
    t.ok(
        Operation::Issue {
            project: "XH-001".into(),
            confirmed_m2: 50_000,
            reclaimed_farmland_m2: 50_000,
            resettlement_farmland_m2: 0,
        },
        meta("i", (2019, 5, 1)),
    )
    .await?;
    t.ok(
        Operation::Use {
            division: code("511722"),
            amount_m2: 7_000,
            zone: "z2".into(),
            land_use: LandUse::Commercial,
        },
        meta("u2", (2019, 6, 1)),
    )
    .await?;
    t.store.verify_ledger().await?;
    t.store.verify_audit().await?;
    Ok(t)
}

/// Runs one statement on the database file through a connection of its own, then reopens the
/// store.
async fn tamper(t: &mut Twin, sql: &str) -> TestResult {
    t.store.close().await;
    let mut raw = t.db.raw_connection().await?;
    let done = sqlx::query(sql).execute(&mut raw).await?;
    assert_eq!(done.rows_affected(), 1, "{sql}");
    raw.close().await?;
    t.store = t.db.open().await?;
    Ok(())
}

async fn ledger_fails(t: &Twin) -> StoreError {
    match t.store.verify_ledger().await {
        Ok(report) => panic!("tampering not detected: {report:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn changed_leg_amount_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE ledger_legs SET amount_m2 = amount_m2 + 1000 WHERE seq = 2 AND idx = 1",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_row_mismatch", Some(2)),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn changed_reason_column_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE ledger_entries SET reason = '改过的理由' WHERE seq = 3",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_row_mismatch", Some(3)),
        "{e}"
    );
    assert!(e.to_string().contains("reason"), "{e}");
    Ok(())
}

#[tokio::test]
async fn changed_amount_in_entry_json_is_named() -> TestResult {
    let mut t = ledger().await?;
    // The amount inside the hashed entry (operation and leg): the leg rows no longer match,
    // and neither would the hash.
    tamper(
        &mut t,
        "UPDATE ledger_entries SET entry_json = replace(entry_json, '\"amount_m2\":500', \
         '\"amount_m2\":900') WHERE seq = 3",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(e.seq(), Some(3), "{e}");
    Ok(())
}

#[tokio::test]
async fn changed_field_only_in_entry_json_is_named_by_the_hash() -> TestResult {
    let mut t = ledger().await?;
    // The zone exists only inside the hashed entry: the hash chain is what catches it.
    tamper(
        &mut t,
        "UPDATE ledger_entries SET entry_json = replace(entry_json, '\"zone\":\"z2\"', \
         '\"zone\":\"z9\"') WHERE seq = 5",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_verification_failed", Some(5)),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn changed_reason_in_entry_json_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE ledger_entries SET entry_json = replace(entry_json, 'test u2', 'test u3'), \
         reason = 'test u3' WHERE seq = 5",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_verification_failed", Some(5)),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn changed_balance_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE ledger_balances SET balance_m2 = balance_m2 + 1 WHERE account = 'used:511722'",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert!(
        matches!(&e, StoreError::BalanceMismatch { account, .. } if account == "used:511722"),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn reopened_lot_is_named() -> TestResult {
    let mut t = ledger().await?;
    // Un-consume the advance's lot (consumed by the split at seq 2): a double-spend setup.
    tamper(
        &mut t,
        "UPDATE ledger_lots SET consumed_by = NULL WHERE id = 1",
    )
    .await?;
    let e = ledger_fails(&t).await;
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_row_mismatch", Some(2)),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn deleted_entry_is_named() -> TestResult {
    let mut t = ledger().await?;
    t.store.close().await;
    let mut raw = t.db.raw_connection().await?;
    for sql in [
        "DELETE FROM ledger_legs WHERE seq = 3",
        "DELETE FROM ledger_entries WHERE seq = 3",
    ] {
        sqlx::query(sql).execute(&mut raw).await?;
    }
    raw.close().await?;
    t.store = t.db.open().await?;
    let e = ledger_fails(&t).await;
    // Entry 4 now sits where entry 3 should be.
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("journal_verification_failed", Some(4)),
        "{e}"
    );
    Ok(())
}

#[tokio::test]
async fn changed_audit_record_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 4",
    )
    .await?;
    let e = match t.store.verify_audit().await {
        Ok(r) => panic!("audit tampering not detected: {r:?}"),
        Err(e) => e,
    };
    assert_eq!(
        (e.code().as_str(), e.seq()),
        ("audit_chain_broken", Some(4)),
        "{e}"
    );
    // The ledger itself is untouched.
    t.store.verify_ledger().await?;
    Ok(())
}

#[tokio::test]
async fn changed_audit_payload_is_named() -> TestResult {
    let mut t = ledger().await?;
    tamper(
        &mut t,
        "UPDATE audit_log SET payload = replace(payload, '\"seq\":3', '\"seq\":30') WHERE seq = 5",
    )
    .await?;
    let e = t.store.verify_audit().await.err();
    assert_eq!(e.as_ref().and_then(StoreError::seq), Some(5), "{e:?}");
    Ok(())
}
