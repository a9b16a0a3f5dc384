//! Concurrent writers (tasks sharing a handle, and two handles on the same file, which is what
//! two processes look like to SQLite) race to spend the same lots: they queue, every debit
//! sees the previous one, and the total spent never exceeds what was there.

use crate::common::{TestResult, Twin, code, holding, meta};
use guagou_domain::ledger::{Account, LandUse, LedgerError, Operation};
use guagou_store::StoreError;

const AVAILABLE: i64 = 30_000;
const PIECE: i64 = 250;
const TRIES_PER_TASK: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_never_overspend() -> TestResult {
    let mut t = Twin::with_projects().await?;
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: AVAILABLE,
        },
        meta("a", (2018, 7, 1)),
    )
    .await?;
    let other = t.db.open().await?;
    let handles = [
        t.store.clone(),
        t.store.clone(),
        other.clone(),
        other.clone(),
    ];
    let mut tasks = Vec::new();
    for (n, store) in handles.into_iter().enumerate() {
        let profile = t.profile.clone();
        tasks.push(tokio::spawn(async move {
            let mut spent = 0i64;
            let mut refused = 0usize;
            for i in 0..TRIES_PER_TASK {
                let op = Operation::Use {
                    division: code("511722"),
                    amount_m2: PIECE,
                    zone: format!("zone {n}-{i}"),
                    land_use: LandUse::Industrial,
                };
                match store
                    .post_ledger(&op, &meta(&format!("u{n}-{i}"), (2019, 1, 1)), &profile)
                    .await
                {
                    Ok(_) => spent += PIECE,
                    Err(StoreError::Ledger(LedgerError::InsufficientBalance { .. })) => {
                        refused += 1
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok((spent, refused))
        }));
    }
    // A reader verifying while the writers run must always see a consistent snapshot.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let verifier = {
        let (store, done) = (other.clone(), done.clone());
        tokio::spawn(async move {
            let mut runs = 0u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                store.verify_ledger().await?;
                runs += 1;
            }
            Ok::<_, StoreError>(runs)
        })
    };
    let mut spent = 0;
    let mut refused = 0;
    for task in tasks {
        let (s, r) = task.await??;
        spent += s;
        refused += r;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(verifier.await?? >= 1);
    // 160 attempts of 250 m² against 30 000 m²: exactly 120 succeed.
    assert_eq!(spent, AVAILABLE);
    assert_eq!(refused, 4 * TRIES_PER_TASK - (AVAILABLE / PIECE) as usize);
    assert_eq!(t.store.balance(&holding("511722")).await?, 0);
    assert_eq!(
        other
            .balance(&Account::Used {
                division: code("511722")
            })
            .await?,
        AVAILABLE
    );
    let report = t.store.verify_ledger().await?;
    assert_eq!(report.entries, 1 + (AVAILABLE / PIECE) as u64);
    other.verify_audit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_request_raced_posts_once() -> TestResult {
    let t = Twin::with_projects().await?;
    let other = t.db.open().await?;
    let op = Operation::Advance {
        project: "XH-001".into(),
        amount_m2: 1_234,
    };
    let mut tasks = Vec::new();
    for store in [t.store.clone(), other.clone(), t.store.clone(), other] {
        let (op, profile) = (op.clone(), t.profile.clone());
        tasks.push(tokio::spawn(async move {
            store
                .post_ledger(&op, &meta("once", (2018, 7, 1)), &profile)
                .await
        }));
    }
    let mut entries = Vec::new();
    for task in tasks {
        entries.push(task.await??);
    }
    assert!(entries.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(t.store.head().await?.0, 1);
    assert_eq!(t.store.balance(&holding("511722")).await?, 1_234);
    Ok(())
}
