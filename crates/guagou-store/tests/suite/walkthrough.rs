//! The ledger scenarios of `guagou_domain::ledger::tests`, replayed through the SQLite store:
//! every step must give the entry (and refusal) a `MemoryLedger` gives, and at the end the
//! stored balances, lots, journal and projects must equal the memory ledger's.

use crate::common::{TestResult, Twin, code, holding, meta};
use guagou_domain::RuleId;
use guagou_domain::ledger::{Account, LandUse, LedgerError, Lot, Operation};
use guagou_store::StoreError;

#[tokio::test]
async fn advance_issue_use_list_transfer_walkthrough() -> TestResult {
    let mut t = Twin::with_projects().await?;
    let refused = t
        .refused(
            Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 30_001,
            },
            meta("a0", (2018, 7, 1)),
        )
        .await?;
    assert!(matches!(
        refused,
        LedgerError::Rule {
            rule: RuleId::AdvanceLimit,
            ..
        }
    ));
    let advance = t
        .ok(
            Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 30_000,
            },
            meta("a1", (2018, 7, 1)),
        )
        .await?;
    assert_eq!(advance.lots_created[0].serial(), "XH-001:1-30000");
    assert_eq!(t.store.balance(&holding("511722")).await?, 30_000);

    let issue = t
        .ok(
            Operation::Issue {
                project: "XH-001".into(),
                confirmed_m2: 96_000,
                reclaimed_farmland_m2: 110_000,
                resettlement_farmland_m2: 8_000,
            },
            meta("i1", (2019, 5, 10)),
        )
        .await?;
    // The advanced lot is confirmed in place (a child with its serials), then the rest minted.
    assert_eq!(issue.lots_created[0].serial(), "XH-001:1-30000");
    assert!(!issue.lots_created[0].advanced);
    assert_eq!(issue.lots_created[1].serial(), "XH-001:30001-96000");
    assert_eq!(
        t.store
            .balance(&Account::Advance {
                project: "XH-001".into()
            })
            .await?,
        0
    );

    let used = t
        .ok(
            Operation::Use {
                division: code("511722"),
                amount_m2: 20_000,
                zone: "东乡街道商业地块".into(),
                land_use: LandUse::Commercial,
            },
            meta("u1", (2019, 6, 1)),
        )
        .await?;
    let serials: Vec<String> = used.lots_created.iter().map(Lot::serial).collect();
    assert_eq!(serials, ["XH-001:1-20000", "XH-001:20001-30000"]);

    t.ok(
        Operation::Reserve {
            division: code("511722"),
            amount_m2: 16_000,
            purpose: "易地扶贫搬迁安置".into(),
        },
        meta("r1", (2019, 6, 2)),
    )
    .await?;
    let too_much = t
        .refused(
            Operation::List {
                division: code("511722"),
                listing: "L1".into(),
                amount_m2: 60_001,
            },
            meta("l0", (2019, 6, 3)),
        )
        .await?;
    assert!(matches!(
        too_much,
        LedgerError::Rule {
            rule: RuleId::LocalNeedsFirst,
            ..
        }
    ));
    t.ok(
        Operation::List {
            division: code("511722"),
            listing: "L1".into(),
            amount_m2: 40_000,
        },
        meta("l1", (2019, 6, 3)),
    )
    .await?;
    let cheap = t
        .post(
            Operation::Transfer {
                listing: "L1".into(),
                buyer: code("511702"),
                amount_m2: 40_000,
                price_fen_per_mu: 29_999_999,
                priced_on: None,
            },
            meta("t0", (2019, 8, 1)),
        )
        .await;
    // The rule ID survives the store's error type.
    assert_eq!(
        cheap.as_ref().err().and_then(StoreError::rule),
        Some(RuleId::TransferPriceFloor)
    );
    assert_eq!(
        cheap.err().map(|e| e.code().as_str()),
        Some("TRANSFER_PRICE_FLOOR")
    );
    let transfer = t
        .ok(
            Operation::Transfer {
                listing: "L1".into(),
                buyer: code("511702"),
                amount_m2: 40_000,
                price_fen_per_mu: 30_000_000,
                priced_on: None,
            },
            meta("t1", (2019, 8, 1)),
        )
        .await?;
    assert_eq!(transfer.money_fen, Some(1_800_000_000));
    assert_eq!(t.store.balance(&holding("511702")).await?, 40_000);
    assert_eq!(t.store.balance(&holding("511722")).await?, 20_000);

    // Serial 15 000: advance → county → split → used, oldest first.
    let history = t.store.lot_history("XH-001", 15_000).await?;
    assert_eq!(history, t.memory.history("XH-001", 15_000));
    assert_eq!(history.first().map(|l| l.parent), Some(None));
    assert!(history.iter().any(|l| l.holder
        == Account::Used {
            division: code("511722")
        }));
    t.assert_same().await?;

    // Refused requests post nothing and audit nothing: 2 registrations + 6 entries.
    assert_eq!(t.store.verify_audit().await?.records, 2 + 6);
    Ok(())
}

#[tokio::test]
async fn city_invested_split_and_shortfall() -> TestResult {
    let mut t = Twin::with_projects().await?;
    t.ok(
        Operation::Advance {
            project: "DC-002".into(),
            amount_m2: 18_000,
        },
        meta("a", (2018, 1, 5)),
    )
    .await?;
    t.ok(
        Operation::Issue {
            project: "DC-002".into(),
            confirmed_m2: 15_000,
            reclaimed_farmland_m2: 20_000,
            resettlement_farmland_m2: 0,
        },
        meta("i", (2018, 12, 1)),
    )
    .await?;
    assert_eq!(
        t.store
            .balance(&Account::Advance {
                project: "DC-002".into()
            })
            .await?,
        -3_000
    );
    t.register("DC-003", "511703", "511700", 40, 50_000).await?;
    t.ok(
        Operation::Issue {
            project: "DC-003".into(),
            confirmed_m2: 50_000,
            reclaimed_farmland_m2: 60_000,
            resettlement_farmland_m2: 5_000,
        },
        meta("i3", (2019, 1, 1)),
    )
    .await?;
    assert_eq!(t.store.balance(&holding("511700")).await?, 20_000);
    assert_eq!(t.store.balance(&holding("511703")).await?, 48_000);
    t.assert_same().await
}

#[tokio::test]
async fn refusals_post_nothing() -> TestResult {
    let mut t = Twin::with_projects().await?;
    let negative = t
        .refused(
            Operation::Issue {
                project: "XH-001".into(),
                confirmed_m2: 1,
                reclaimed_farmland_m2: 5,
                resettlement_farmland_m2: 6,
            },
            meta("x", (2019, 1, 1)),
        )
        .await?;
    assert_eq!(negative, LedgerError::NegativeFarmlandBalance(-1));
    t.refused(
        Operation::Use {
            division: code("511722"),
            amount_m2: 1,
            zone: "z".into(),
            land_use: LandUse::Industrial,
        },
        meta("y", (2019, 1, 1)),
    )
    .await?;
    // Suspension is stored state the engine reads.
    t.memory.suspended.insert(code("511722"));
    let mut tx = t.store.begin_write().await?;
    tx.set_advance_suspended(&code("511722"), true).await?;
    tx.commit().await?;
    assert!(t.store.advance_suspended(&code("511722")).await?);
    let suspended = t
        .refused(
            Operation::Advance {
                project: "XH-001".into(),
                amount_m2: 1,
            },
            meta("z", (2019, 1, 1)),
        )
        .await?;
    assert!(matches!(
        suspended,
        LedgerError::Rule {
            rule: RuleId::AdvanceNotSuspended,
            ..
        }
    ));
    assert_eq!(t.store.head().await?.0, 0, "refused requests post nothing");
    // Lifting the suspension is a recorded decision; then the advance goes through.
    t.memory.suspended.remove(&code("511722"));
    let mut tx = t.store.begin_write().await?;
    tx.set_advance_suspended(&code("511722"), false).await?;
    tx.commit().await?;
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 1,
        },
        meta("z2", (2019, 1, 2)),
    )
    .await?;
    t.assert_same().await
}

#[tokio::test]
async fn reversal_restores_lots_and_balances() -> TestResult {
    let mut t = Twin::with_projects().await?;
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 10_000,
        },
        meta("a", (2018, 7, 1)),
    )
    .await?;
    let used = t
        .ok(
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
        Operation::Reverse { seq: used.seq },
        meta("rev", (2018, 8, 2)),
    )
    .await?;
    let open: Vec<String> = t
        .store
        .open_lots(&holding("511722"))
        .await?
        .iter()
        .map(Lot::serial)
        .collect();
    assert_eq!(open, ["XH-001:1-10000"]);
    assert!(matches!(
        t.refused(
            Operation::Reverse { seq: used.seq },
            meta("rev2", (2018, 8, 2))
        )
        .await?,
        LedgerError::NotReversible(..)
    ));
    assert!(matches!(
        t.refused(Operation::Reverse { seq: 1 }, meta("rev3", (2018, 8, 3)))
            .await?,
        LedgerError::NotReversible(..)
    ));
    // A listing reversed is gone; an issue reversed can be issued again.
    t.ok(
        Operation::Issue {
            project: "DC-002".into(),
            confirmed_m2: 9_000,
            reclaimed_farmland_m2: 9_000,
            resettlement_farmland_m2: 0,
        },
        meta("i", (2019, 1, 1)),
    )
    .await?;
    let list = t
        .ok(
            Operation::List {
                division: code("511703"),
                listing: "L9".into(),
                amount_m2: 1_000,
            },
            meta("l", (2019, 2, 1)),
        )
        .await?;
    t.ok(
        Operation::Reverse { seq: list.seq },
        meta("rl", (2019, 2, 2)),
    )
    .await?;
    t.refused(
        Operation::Withdraw {
            listing: "L9".into(),
            amount_m2: 1,
        },
        meta("w", (2019, 2, 3)),
    )
    .await?;
    t.assert_same().await
}

#[tokio::test]
async fn checkpoint_round_trip() -> TestResult {
    let mut t = Twin::with_projects().await?;
    assert_eq!(
        t.store
            .export_checkpoint(chrono::NaiveDate::default())
            .await
            .err()
            .map(|e| e.code().as_str()),
        Some("empty_journal")
    );
    for (i, amount) in [1_000, 2_000, 3_000].into_iter().enumerate() {
        t.ok(
            Operation::Advance {
                project: "XH-001".into(),
                amount_m2: amount,
            },
            meta(&format!("a{i}"), (2018, 7, 1)),
        )
        .await?;
    }
    let date = chrono::NaiveDate::from_ymd_opt(2019, 1, 2).unwrap_or_default();
    let checkpoint = t.store.export_checkpoint(date).await?;
    assert_eq!(checkpoint.seq, 3);
    assert_eq!(checkpoint.exported_on, "2019-01-02");
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 10,
        },
        meta("later", (2018, 7, 2)),
    )
    .await?;
    // Entries after the checkpoint do not matter to it.
    t.store.verify_checkpoint(&checkpoint).await?;
    let mut wrong = checkpoint.clone();
    wrong.hash = "00".repeat(32);
    let err = t.store.verify_checkpoint(&wrong).await.err();
    assert_eq!(err.as_ref().and_then(StoreError::seq), Some(3));
    let mut beyond = checkpoint;
    beyond.seq = 99;
    assert!(t.store.verify_checkpoint(&beyond).await.is_err());
    Ok(())
}

#[tokio::test]
async fn reopening_keeps_everything_and_migrates_once() -> TestResult {
    let mut t = Twin::with_projects().await?;
    t.ok(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 5_000,
        },
        meta("a", (2018, 7, 1)),
    )
    .await?;
    t.store.close().await;
    t.store = t.db.open().await?;
    t.assert_same().await?;
    let again = guagou_store::Store::connect(&t.db.url()).await?;
    assert_eq!(again.balance(&holding("511722")).await?, 5_000);
    let versions: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, name FROM schema_migrations ORDER BY version")
            .fetch_all(again.pool())
            .await?;
    let expected: Vec<(i64, String)> = guagou_store::MIGRATIONS
        .iter()
        .map(|(v, name, _)| (*v, (*name).to_owned()))
        .collect();
    assert_eq!(versions, expected);
    assert_eq!(versions.first(), Some(&(1, "ledger".to_owned())));
    assert!(matches!(
        guagou_store::Store::connect("mysql://x").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
    Ok(())
}

#[tokio::test]
async fn debit_spanning_many_lots() -> TestResult {
    // Twenty small lots in one county: a debit reads them in growing pages, oldest first, and
    // must take exactly what the memory ledger takes.
    let mut t = Twin::new().await?;
    for p in 0..20 {
        let project = format!("S-{p:02}");
        t.register(&project, "511722", "511700", 0, 100).await?;
        t.ok(
            Operation::Issue {
                project,
                confirmed_m2: 30,
                reclaimed_farmland_m2: 30,
                resettlement_farmland_m2: 0,
            },
            meta(&format!("i{p}"), (2018, 7, 1)),
        )
        .await?;
    }
    let used = t
        .ok(
            Operation::Use {
                division: code("511722"),
                amount_m2: 500,
                zone: "z".into(),
                land_use: LandUse::Public,
            },
            meta("u", (2018, 8, 1)),
        )
        .await?;
    assert_eq!(used.lots_consumed.len(), 17);
    t.ok(
        Operation::List {
            division: code("511722"),
            listing: "L".into(),
            amount_m2: 95,
        },
        meta("l", (2018, 8, 2)),
    )
    .await?;
    t.assert_same().await
}

#[tokio::test]
async fn advanced_lots_are_read_in_the_engines_order() -> TestResult {
    // Confirmed and advanced lots interleaved in one county, more than a page of each: a land
    // supply reads the advanced lots first, a listing only the confirmed ones, a repayment the
    // project's own advanced lots first; the store takes exactly what the memory ledger takes,
    // refusals included.
    let mut t = Twin::new().await?;
    for p in 0..12 {
        let project = format!("S-{p:02}");
        t.register(&project, "511722", "511700", 0, 100).await?;
        t.ok(
            Operation::Advance {
                project: project.clone(),
                amount_m2: 30,
            },
            meta(&format!("a{p}"), (2018, 7, 1)),
        )
        .await?;
        let other = format!("C-{p:02}");
        t.register(&other, "511722", "511700", 0, 100).await?;
        t.ok(
            Operation::Issue {
                project: other,
                confirmed_m2: 20,
                reclaimed_farmland_m2: 20,
                resettlement_farmland_m2: 0,
            },
            meta(&format!("i{p}"), (2018, 7, 1)),
        )
        .await?;
    }
    let used = t
        .ok(
            Operation::Use {
                division: code("511722"),
                amount_m2: 200,
                zone: "z".into(),
                land_use: LandUse::Public,
            },
            meta("u", (2018, 8, 1)),
        )
        .await?;
    assert!(used.lots_created.iter().all(|l| l.advanced));
    let refused = t
        .refused(
            Operation::List {
                division: code("511722"),
                listing: "L".into(),
                amount_m2: 241,
            },
            meta("l0", (2018, 8, 2)),
        )
        .await?;
    assert!(
        matches!(
            refused,
            LedgerError::AdvancedQuotaLocalOnly {
                usable: 240,
                needed: 241,
                ..
            }
        ),
        "{refused:?}"
    );
    t.ok(
        Operation::List {
            division: code("511722"),
            listing: "L".into(),
            amount_m2: 100,
        },
        meta("l1", (2018, 8, 2)),
    )
    .await?;
    let repaid = t
        .ok(
            Operation::Repay {
                project: "S-11".into(),
                amount_m2: 30,
            },
            meta("r", (2018, 8, 3)),
        )
        .await?;
    assert!(repaid.lots_created.is_empty());
    t.ok(
        Operation::Reverse { seq: repaid.seq },
        meta("rev", (2018, 8, 4)),
    )
    .await?;
    t.assert_same().await
}

/// The plan SQLite (the bundled version) picks for the lot reads whose cost must not grow with
/// the journal: a debit's advanced-lot pass reads only open advanced lots (migration 0019;
/// before it, a use or an issue walked every open lot of the county's holding account).
#[tokio::test]
async fn lot_reads_use_the_indexes_meant_for_them() -> TestResult {
    let t = Twin::new().await?;
    if t.store.backend() != guagou_store::Backend::Sqlite {
        return Ok(());
    }
    let plan = |sql: &'static str| {
        let pool = t.store.pool().clone();
        async move {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(&pool)
                    .await?;
            Ok::<_, sqlx::Error>(rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; "))
        }
    };
    let advanced = plan(
        "SELECT id FROM ledger_lots WHERE holder = 'holding:511722' AND consumed_by IS NULL \
         AND id > 0 AND advanced = 1 ORDER BY id LIMIT 4",
    )
    .await?;
    assert!(
        advanced.contains("ledger_lots_open_advanced") && !advanced.contains("TEMP B-TREE"),
        "{advanced}"
    );
    let of_project = plan(
        "SELECT id FROM ledger_lots WHERE holder = 'holding:511722' AND consumed_by IS NULL \
         AND id > 0 AND advanced = 1 AND project = 'XH-001' ORDER BY id LIMIT 4",
    )
    .await?;
    assert!(
        of_project.contains("ledger_lots_open_advanced"),
        "{of_project}"
    );
    Ok(())
}
