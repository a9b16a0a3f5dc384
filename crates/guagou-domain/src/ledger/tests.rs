//! Ledger scenarios with balances and lots asserted at each step, and property tests over random
//! operation sequences.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::engine::{IssueSplit, advance_limit_m2, transfer_money_fen};
use super::verify::{Checkpoint, verify_checkpoint, verify_journal};
use super::*;
use crate::division::DivisionCode;
use crate::profile::Profile;
use crate::rules::RuleId;

fn code(text: &str) -> DivisionCode {
    match DivisionCode::parse(text) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn profile() -> Profile {
    match Profile::dazhou_2017() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn meta(key: &str, date: (i32, u32, u32)) -> Meta {
    Meta {
        key: key.to_owned(),
        actor: "tester".to_owned(),
        reason: format!("test {key}"),
        effective: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap_or_default(),
        recorded_at: "2019-01-01T00:00:00+08:00".to_owned(),
    }
}

fn holding(c: &str) -> Account {
    Account::Holding { division: code(c) }
}

fn setup() -> (MemoryLedger, Profile) {
    let mut ledger = MemoryLedger::new();
    ledger.register_project("XH-001", code("511722"), code("511700"), 0, 100_000);
    ledger.register_project("DC-002", code("511703"), code("511700"), 40, 60_000);
    (ledger, profile())
}

fn ok(result: Result<Entry, LedgerError>) -> Entry {
    match result {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn advance_issue_use_list_transfer_walkthrough() {
    let (mut ledger, profile) = setup();
    // 30 % of 100 000 m² may be advanced; one more m² is refused with the rule.
    let refused = ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 30_001,
        },
        meta("a0", (2018, 7, 1)),
        &profile,
    );
    assert!(
        matches!(
            refused,
            Err(LedgerError::Rule {
                rule: RuleId::AdvanceLimit,
                ..
            })
        ),
        "{refused:?}"
    );
    let advance = ok(ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 30_000,
        },
        meta("a1", (2018, 7, 1)),
        &profile,
    ));
    assert_eq!(advance.lots_created[0].serial(), "XH-001:1-30000");
    assert_eq!(ledger.balance(&holding("511722")), 30_000);
    assert_eq!(
        ledger.balance(&Account::Advance {
            project: "XH-001".into()
        }),
        -30_000
    );

    // Acceptance: 96 000 confirmed; 30 000 settles the advance, 66 000 is new quota.
    let issue = ok(ledger.post(
        Operation::Issue {
            project: "XH-001".into(),
            confirmed_m2: 96_000,
            reclaimed_farmland_m2: 110_000,
            resettlement_farmland_m2: 8_000,
        },
        meta("i1", (2019, 5, 10)),
        &profile,
    ));
    // The advanced lot is confirmed in place (its serials, a child of it), then the rest minted.
    let created: Vec<(String, bool, bool)> = issue
        .lots_created
        .iter()
        .map(|l| (l.serial(), l.parent.is_some(), l.advanced))
        .collect();
    assert_eq!(
        created,
        [
            ("XH-001:1-30000".to_owned(), true, false),
            ("XH-001:30001-96000".to_owned(), false, false)
        ]
    );
    assert_eq!(ledger.balance(&holding("511722")), 96_000);
    assert_eq!(
        ledger.balance(&Account::Advance {
            project: "XH-001".into()
        }),
        0
    );
    assert_eq!(
        ledger.balance(&Account::Surplus {
            project: "XH-001".into()
        }),
        -96_000
    );

    // Use 20 000 for commercial land: the oldest lot is split.
    let used = ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 20_000,
            zone: "东乡街道商业地块".into(),
            land_use: LandUse::Commercial,
        },
        meta("u1", (2019, 6, 1)),
        &profile,
    ));
    let serials: Vec<String> = used.lots_created.iter().map(Lot::serial).collect();
    assert_eq!(serials, ["XH-001:1-20000", "XH-001:20001-30000"]);
    assert_eq!(
        ledger.balance(&Account::Used {
            division: code("511722")
        }),
        20_000
    );

    // Reserve 16 000 for local needs; listing more than what is left after it is LOCAL_NEEDS_FIRST.
    ok(ledger.post(
        Operation::Reserve {
            division: code("511722"),
            amount_m2: 16_000,
            purpose: "易地扶贫搬迁安置".into(),
        },
        meta("r1", (2019, 6, 2)),
        &profile,
    ));
    let too_much = ledger.post(
        Operation::List {
            division: code("511722"),
            listing: "L1".into(),
            amount_m2: 60_001,
        },
        meta("l0", (2019, 6, 3)),
        &profile,
    );
    assert!(
        matches!(
            too_much,
            Err(LedgerError::Rule {
                rule: RuleId::LocalNeedsFirst,
                ..
            })
        ),
        "{too_much:?}"
    );
    ok(ledger.post(
        Operation::List {
            division: code("511722"),
            listing: "L1".into(),
            amount_m2: 40_000,
        },
        meta("l1", (2019, 6, 3)),
        &profile,
    ));

    // A price below the 2019 guide price (300 000 元/亩) is refused; at the floor it settles.
    let cheap = ledger.post(
        Operation::Transfer {
            listing: "L1".into(),
            buyer: code("511702"),
            amount_m2: 40_000,
            price_fen_per_mu: 29_999_999,
            priced_on: None,
        },
        meta("t0", (2019, 8, 1)),
        &profile,
    );
    assert!(
        matches!(
            cheap,
            Err(LedgerError::Rule {
                rule: RuleId::TransferPriceFloor,
                ..
            })
        ),
        "{cheap:?}"
    );
    let transfer = ok(ledger.post(
        Operation::Transfer {
            listing: "L1".into(),
            buyer: code("511702"),
            amount_m2: 40_000,
            price_fen_per_mu: 30_000_000,
            priced_on: None,
        },
        meta("t1", (2019, 8, 1)),
        &profile,
    ));
    // 40 000 m² = 60 亩 at 30 万元/亩 = 1 800 万元.
    assert_eq!(transfer.money_fen, Some(1_800_000_000));
    assert_eq!(ledger.balance(&holding("511702")), 40_000);
    assert_eq!(ledger.balance(&holding("511722")), 20_000);
    assert_eq!(
        ledger.balance(&Account::Reserved {
            division: code("511722")
        }),
        16_000
    );

    // Every square metre can be traced: serial 15 000 went advance → county → split → used.
    let history = ledger.history("XH-001", 15_000);
    assert_eq!(history.first().map(|l| l.parent), Some(None));
    assert!(history.iter().any(|l| l.holder
        == Account::Used {
            division: code("511722")
        }));
    let report = match verify_journal(&ledger.entries) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(report.entries, ledger.entries.len() as u64);
}

#[test]
fn city_invested_split_and_shortfall() {
    let (mut ledger, profile) = setup();
    ok(ledger.post(
        Operation::Advance {
            project: "DC-002".into(),
            amount_m2: 18_000,
        },
        meta("a", (2018, 1, 5)),
        &profile,
    ));
    // Confirmed 15 000 < advanced 18 000: the county's part (9 000) and the city's (6 000) both
    // settle the advance, 3 000 stays owed, nobody gets new quota, the county owes the city
    // 6 000.
    ok(ledger.post(
        Operation::Issue {
            project: "DC-002".into(),
            confirmed_m2: 15_000,
            reclaimed_farmland_m2: 20_000,
            resettlement_farmland_m2: 0,
        },
        meta("i", (2018, 12, 1)),
        &profile,
    ));
    assert_eq!(
        ledger.balance(&Account::Advance {
            project: "DC-002".into()
        }),
        -3_000
    );
    assert_eq!(ledger.balance(&holding("511700")), 0);
    // Another project with a 40 % city share.
    ledger.register_project("DC-003", code("511703"), code("511700"), 40, 50_000);
    ok(ledger.post(
        Operation::Issue {
            project: "DC-003".into(),
            confirmed_m2: 50_000,
            reclaimed_farmland_m2: 60_000,
            resettlement_farmland_m2: 5_000,
        },
        meta("i3", (2019, 1, 1)),
        &profile,
    ));
    assert_eq!(ledger.balance(&holding("511700")), 20_000);
    assert_eq!(ledger.balance(&holding("511703")), 18_000 + 30_000);
    assert!(verify_journal(&ledger.entries).is_ok());
}

#[test]
fn refusals() {
    let (mut ledger, profile) = setup();
    let negative_farmland = ledger.post(
        Operation::Issue {
            project: "XH-001".into(),
            confirmed_m2: 1,
            reclaimed_farmland_m2: 5,
            resettlement_farmland_m2: 6,
        },
        meta("x", (2019, 1, 1)),
        &profile,
    );
    assert!(matches!(
        negative_farmland,
        Err(LedgerError::NegativeFarmlandBalance(-1))
    ));
    let overspend = ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 1,
            zone: "z".into(),
            land_use: LandUse::Industrial,
        },
        meta("y", (2019, 1, 1)),
        &profile,
    );
    assert!(
        matches!(overspend, Err(LedgerError::InsufficientBalance { .. })),
        "{overspend:?}"
    );
    ledger.suspended.insert(code("511722"));
    let suspended = ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 1,
        },
        meta("z", (2019, 1, 1)),
        &profile,
    );
    assert!(matches!(
        suspended,
        Err(LedgerError::Rule {
            rule: RuleId::AdvanceNotSuspended,
            ..
        })
    ));
    assert!(ledger.entries.is_empty(), "refused requests post nothing");
}

#[test]
fn idempotency_key_posts_once() {
    let (mut ledger, profile) = setup();
    let op = Operation::Advance {
        project: "XH-001".into(),
        amount_m2: 1_000,
    };
    let first = ok(ledger.post(op.clone(), meta("same", (2018, 7, 1)), &profile));
    let second = ok(ledger.post(op, meta("same", (2018, 7, 1)), &profile));
    assert_eq!(first, second);
    assert_eq!(ledger.entries.len(), 1);
    let other = ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 2_000,
        },
        meta("same", (2018, 7, 1)),
        &profile,
    );
    assert!(matches!(other, Err(LedgerError::IdempotencyConflict(_))));
}

#[test]
fn reversal_restores_lots_and_balances() {
    let (mut ledger, profile) = setup();
    ok(ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 10_000,
        },
        meta("a", (2018, 7, 1)),
        &profile,
    ));
    let used = ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 4_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2018, 8, 1)),
        &profile,
    ));
    ok(ledger.post(
        Operation::Reverse { seq: used.seq },
        meta("rev", (2018, 8, 2)),
        &profile,
    ));
    assert_eq!(ledger.balance(&holding("511722")), 10_000);
    assert_eq!(
        ledger.balance(&Account::Used {
            division: code("511722")
        }),
        0
    );
    let open: Vec<String> = ledger
        .open_lots(&holding("511722"))
        .iter()
        .map(Lot::serial)
        .collect();
    assert_eq!(open, ["XH-001:1-10000"]);
    let twice = ledger.post(
        Operation::Reverse { seq: used.seq },
        meta("rev2", (2018, 8, 2)),
        &profile,
    );
    assert!(matches!(twice, Err(LedgerError::NotReversible(..))));
    // The advance's quota was moved after it was created (split, then restored): the advance
    // itself can no longer be reversed.
    let advance = ledger.post(
        Operation::Reverse { seq: 1 },
        meta("rev3", (2018, 8, 3)),
        &profile,
    );
    assert!(
        matches!(advance, Err(LedgerError::NotReversible(..))),
        "{advance:?}"
    );
    assert!(verify_journal(&ledger.entries).is_ok());
}

#[test]
fn tampering_is_detected_and_named() {
    let (mut ledger, profile) = setup();
    ok(ledger.post(
        Operation::Advance {
            project: "XH-001".into(),
            amount_m2: 10_000,
        },
        meta("a", (2018, 7, 1)),
        &profile,
    ));
    ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 4_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2018, 8, 1)),
        &profile,
    ));
    ok(ledger.post(
        Operation::GrantAnnualPlan {
            county: code("511722"),
            year: 2019,
            amount_m2: 500,
        },
        meta("g", (2019, 1, 1)),
        &profile,
    ));
    let checkpoint = Checkpoint {
        seq: 3,
        hash: ledger.head_hash(),
        exported_on: "2019-01-02".into(),
    };
    assert!(verify_checkpoint(&ledger.entries, &checkpoint).is_ok());

    let mut edited = ledger.entries.clone();
    edited[1].legs[1].amount_m2 = 5_000;
    let err = verify_journal(&edited).err();
    assert_eq!(err.map(|e| e.seq), Some(2));

    // Rewriting the whole chain after an edit passes the chain check but not the checkpoint.
    let mut rewritten = ledger.entries.clone();
    rewritten[0].meta.reason = "改写".into();
    let mut prev = super::entry::GENESIS_HASH.to_owned();
    for entry in &mut rewritten {
        entry.prev_hash = prev.clone();
        entry.hash = entry.compute_hash();
        prev = entry.hash.clone();
    }
    assert!(verify_journal(&rewritten).is_ok());
    assert!(verify_checkpoint(&rewritten, &checkpoint).is_err());
}

#[test]
fn registry_checkpoint_reads_old_ledger_files_and_compares_heads() {
    use super::verify::{ChainHead, RegistryCheckpoint};
    // A file `ledger checkpoint` wrote before funds and audit heads existed.
    let old = r#"{"seq":7,"hash":"ab","exported_on":"2019-01-02"}"#;
    let read: RegistryCheckpoint = match serde_json::from_str(old) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(read.ledger.seq, 7);
    assert_eq!((read.funds, read.audit), (None, None));
    // A registry checkpoint is still a ledger checkpoint to a reader that knows only that.
    let full = RegistryCheckpoint {
        ledger: Checkpoint {
            seq: 7,
            hash: "ab".into(),
            exported_on: "2019-01-02".into(),
        },
        funds: Some(ChainHead {
            seq: 3,
            hash: "cd".into(),
        }),
        audit: Some(ChainHead {
            seq: 40,
            hash: "ef".into(),
        }),
    };
    let text = serde_json::to_string(&full).unwrap_or_default();
    let as_ledger: Checkpoint = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => panic!("{e}: {text}"),
    };
    assert_eq!(as_ledger, full.ledger);
    let back: RegistryCheckpoint = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => panic!("{e}: {text}"),
    };
    assert_eq!(back, full);

    let head = ChainHead {
        seq: 40,
        hash: "ef".into(),
    };
    assert!(head.compare(40, "ef").is_ok());
    let shorter = head.compare(39, "xx").err().unwrap_or_default();
    assert!(shorter.1.contains("fewer"), "{shorter:?}");
    let rewritten = head.compare(40, "xx").err().unwrap_or_default();
    assert!(rewritten.1.contains("rewritten"), "{rewritten:?}");
}

#[test]
fn arithmetic_helpers() {
    assert_eq!(advance_limit_m2(100_000, 0.30), 30_000);
    assert_eq!(advance_limit_m2(100, 0.29), 29);
    assert_eq!(advance_limit_m2(99_999, 0.30), 29_999);
    // 10 000 m² = 15 亩.
    assert_eq!(transfer_money_fen(10_000, 30_000_000), Some(450_000_000));
    // 1 m² = 0.0015 亩 × 30 万元 = 450 元.
    assert_eq!(transfer_money_fen(1, 30_000_000), Some(45_000));
}

/// Random operations over two projects, three counties and a few listings.
fn arb_operation() -> impl Strategy<Value = Operation> {
    let county = prop_oneof![Just("511722"), Just("511703"), Just("511702")].prop_map(code);
    let project = prop_oneof![Just("XH-001".to_owned()), Just("DC-002".to_owned())];
    let listing = prop_oneof![
        Just("L1".to_owned()),
        Just("L2".to_owned()),
        Just("L3".to_owned())
    ];
    let amount = 1i64..40_000;
    prop_oneof![
        (project.clone(), amount.clone())
            .prop_map(|(project, amount_m2)| Operation::Advance { project, amount_m2 }),
        (project.clone(), amount.clone())
            .prop_map(|(project, amount_m2)| Operation::Repay { project, amount_m2 }),
        (project.clone(), 0i64..120_000).prop_map(|(project, confirmed_m2)| Operation::Issue {
            project,
            confirmed_m2,
            reclaimed_farmland_m2: confirmed_m2,
            resettlement_farmland_m2: 0
        }),
        (county.clone(), amount.clone()).prop_map(|(division, amount_m2)| Operation::Reserve {
            division,
            amount_m2,
            purpose: "p".into()
        }),
        (county.clone(), amount.clone()).prop_map(|(division, amount_m2)| Operation::Release {
            division,
            amount_m2
        }),
        (county.clone(), listing.clone(), amount.clone()).prop_map(
            |(division, listing, amount_m2)| Operation::List {
                division,
                listing,
                amount_m2
            }
        ),
        (listing.clone(), amount.clone())
            .prop_map(|(listing, amount_m2)| Operation::Withdraw { listing, amount_m2 }),
        (
            listing,
            county.clone(),
            amount.clone(),
            29_000_000i64..31_000_000
        )
            .prop_map(|(listing, buyer, amount_m2, price_fen_per_mu)| {
                Operation::Transfer {
                    listing,
                    buyer,
                    amount_m2,
                    price_fen_per_mu,
                    priced_on: None,
                }
            }),
        (county.clone(), amount.clone()).prop_map(|(division, amount_m2)| Operation::Use {
            division,
            amount_m2,
            zone: "z".into(),
            land_use: LandUse::Commercial
        }),
        (county.clone(), amount.clone()).prop_map(|(county, amount_m2)| {
            Operation::GrantAnnualPlan {
                county,
                year: 2019,
                amount_m2,
            }
        }),
        (county, amount, proptest::option::of(project)).prop_map(|(county, amount_m2, project)| {
            Operation::Deduct {
                county,
                year: 2019,
                amount_m2,
                project,
            }
        }),
        (1u64..30).prop_map(|seq| Operation::Reverse { seq }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_operation(ops in proptest::collection::vec(arb_operation(), 1..40)) {
        let (mut ledger, profile) = setup();
        for (i, op) in ops.into_iter().enumerate() {
            let before = ledger.entries.len();
            let result = ledger.post(op, meta(&format!("k{i}"), (2019, 3, 1)), &profile);
            prop_assert_eq!(ledger.entries.len(), before + usize::from(result.is_ok()));
            let report = verify_journal(&ledger.entries);
            prop_assert!(report.is_ok(), "{:?}", report);
            if let Ok(report) = report {
                // The checker's balances, rebuilt from the journal alone, match the ledger's.
                for (account, balance) in &ledger.balances {
                    prop_assert_eq!(report.balances.get(&account.key()).copied().unwrap_or(0), *balance);
                }
            }
            for (account, balance) in &ledger.balances {
                match account.nature() {
                    super::account::Nature::Holding => prop_assert!(*balance >= 0),
                    super::account::Nature::Source => prop_assert!(*balance <= 0),
                }
            }
            // Issued never exceeds confirmed; advances never exceed 30 % of the plan.
            for project in ledger.projects.values() {
                prop_assert!(project.advanced_m2 <= advance_limit_m2(project.planned_surplus_m2, 0.30));
            }
        }
    }
}

/// A transfer's JSON without `priced_on` is exactly the form written before the field existed,
/// so the hashes of stored journals do not change; the old JSON reads back as `None`.
#[test]
fn transfer_without_priced_on_keeps_its_json() {
    let old = r#"{"kind":"transfer","listing":"L1","buyer":"511702","amount_m2":40000,"price_fen_per_mu":30000000}"#;
    let op = Operation::Transfer {
        listing: "L1".into(),
        buyer: code("511702"),
        amount_m2: 40_000,
        price_fen_per_mu: 30_000_000,
        priced_on: None,
    };
    assert_eq!(serde_json::to_string(&op).unwrap_or_default(), old);
    let back: Result<Operation, _> = serde_json::from_str(old);
    assert!(matches!(back, Ok(ref b) if *b == op), "{back:?}");
    let dated = Operation::Transfer {
        listing: "L1".into(),
        buyer: code("511702"),
        amount_m2: 40_000,
        price_fen_per_mu: 30_000_000,
        priced_on: NaiveDate::from_ymd_opt(2019, 8, 20),
    };
    let text = serde_json::to_string(&dated).unwrap_or_default();
    assert!(text.ends_with(r#","priced_on":"2019-08-20"}"#), "{text}");
}

/// The price floor is the guide price of the date the price was agreed (二(三) "当年"): an
/// agreement at the old guide price settles after a rise when `priced_on` is before it, and is
/// refused when the floor is taken on the settlement date.
#[test]
fn transfer_floor_uses_the_date_the_price_was_agreed() {
    let (mut ledger, mut profile) = setup();
    let mut rise = profile.guide_price[0].clone();
    rise.from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    rise.yuan_per_mu = 350_000;
    profile.guide_price.push(rise);
    ok(ledger.post(
        Operation::Issue {
            project: "XH-001".into(),
            confirmed_m2: 96_000,
            reclaimed_farmland_m2: 110_000,
            resettlement_farmland_m2: 8_000,
        },
        meta("i1", (2019, 5, 10)),
        &profile,
    ));
    ok(ledger.post(
        Operation::List {
            division: code("511722"),
            listing: "L1".into(),
            amount_m2: 10_000,
        },
        meta("l1", (2019, 8, 1)),
        &profile,
    ));
    let transfer = |priced_on| Operation::Transfer {
        listing: "L1".into(),
        buyer: code("511702"),
        amount_m2: 10_000,
        price_fen_per_mu: 30_000_000,
        priced_on,
    };
    // Settled in 2020 at the 2019 price: the 2020 guide price (350 000 元/亩) refuses it …
    let late = ledger.post(transfer(None), meta("t0", (2020, 3, 1)), &profile);
    assert!(
        matches!(
            late,
            Err(LedgerError::Rule {
                rule: RuleId::TransferPriceFloor,
                ..
            })
        ),
        "{late:?}"
    );
    // … but the agreement signed in 2019 is held to the 2019 guide price.
    let signed = NaiveDate::from_ymd_opt(2019, 8, 20);
    let entry = ok(ledger.post(transfer(signed), meta("t1", (2020, 3, 1)), &profile));
    assert_eq!(entry.money_fen, Some(450_000_000));
    assert_eq!(ledger.balance(&holding("511702")), 10_000);
    // A price agreed after the rise is held to the new guide price.
    let after = NaiveDate::from_ymd_opt(2020, 2, 1);
    ok(ledger.post(
        Operation::List {
            division: code("511722"),
            listing: "L2".into(),
            amount_m2: 10_000,
        },
        meta("l2", (2020, 2, 1)),
        &profile,
    ));
    let refused = ledger.post(
        Operation::Transfer {
            listing: "L2".into(),
            buyer: code("511702"),
            amount_m2: 10_000,
            price_fen_per_mu: 30_000_000,
            priced_on: after,
        },
        meta("t2", (2020, 3, 1)),
        &profile,
    );
    assert!(
        matches!(refused, Err(LedgerError::Rule { .. })),
        "{refused:?}"
    );
}

fn advance_account(project: &str) -> Account {
    Account::Advance {
        project: project.into(),
    }
}

fn advance(ledger: &mut MemoryLedger, profile: &Profile, project: &str, amount_m2: i64, key: &str) {
    ok(ledger.post(
        Operation::Advance {
            project: project.into(),
            amount_m2,
        },
        meta(key, (2018, 7, 15)),
        profile,
    ));
}

fn issue(ledger: &mut MemoryLedger, profile: &Profile, project: &str, confirmed_m2: i64) -> Entry {
    ok(ledger.post(
        Operation::Issue {
            project: project.into(),
            confirmed_m2,
            reclaimed_farmland_m2: confirmed_m2,
            resettlement_farmland_m2: 0,
        },
        meta(&format!("issue:{project}"), (2019, 5, 10)),
        profile,
    ))
}

fn verified(ledger: &MemoryLedger) {
    if let Err(e) = verify_journal(&ledger.entries) {
        panic!("{e}");
    }
}

/// 二(六): the city/county split applies to the whole confirmed surplus, and the county's
/// advances count toward the county's part. The issue's boundary example: 40 % of 58 110 m²
/// with 10 000 m² advanced gives the city 23 244 m²; and 40 % of 60 000 m² with 18 000 m²
/// advanced gives it 24 000 m² (not 16 800 m², 40 % of what the advance left).
#[test]
fn split_applies_to_the_whole_confirmed_surplus() {
    let split = IssueSplit::new(58_110, 40, 10_000);
    assert_eq!(split.city_credit_m2(), 23_244);
    assert_eq!(split.county_credit_m2(), 58_110 - 23_244 - 10_000);
    assert_eq!((split.settled_m2(), split.owed_to_city_m2()), (10_000, 0));
    assert_eq!(IssueSplit::new(60_000, 40, 18_000).city_credit_m2(), 24_000);

    let (mut ledger, profile) = setup();
    ledger.register_project("DC-004", code("511703"), code("511700"), 40, 100_000);
    advance(&mut ledger, &profile, "DC-004", 10_000, "a");
    issue(&mut ledger, &profile, "DC-004", 58_110);
    assert_eq!(ledger.balance(&holding("511700")), 23_244);
    // The county holds its whole part: the 10 000 m² advanced and 24 866 m² new.
    assert_eq!(ledger.balance(&holding("511703")), 34_866);
    assert_eq!(ledger.balance(&advance_account("DC-004")), 0);
    verified(&ledger);
}

/// An advance larger than the county's part is settled from the city's part as well: the city
/// gets less now, and the county owes it the difference (what `owed_to_city_m2` reports, which
/// the registry records as an obligation).
#[test]
fn an_advance_beyond_the_county_part_leaves_the_county_owing_the_city() {
    // 20 000 confirmed, 40 %: city 8 000, county 12 000; 18 000 advanced.
    let split = IssueSplit::new(20_000, 40, 18_000);
    assert_eq!(split.settled_from_county_m2, 12_000);
    assert_eq!(split.owed_to_city_m2(), 6_000);
    assert_eq!(
        (split.county_credit_m2(), split.city_credit_m2()),
        (0, 2_000)
    );
    let (mut ledger, profile) = setup();
    advance(&mut ledger, &profile, "DC-002", 18_000, "a");
    issue(&mut ledger, &profile, "DC-002", 20_000);
    assert_eq!(ledger.balance(&holding("511700")), 2_000);
    assert_eq!(ledger.balance(&holding("511703")), 18_000);
    assert_eq!(ledger.balance(&advance_account("DC-002")), 0);
    // Without a split nothing is owed; with no advance the county gets its whole part.
    assert_eq!(IssueSplit::new(20_000, 0, 18_000).owed_to_city_m2(), 0);
    assert_eq!(IssueSplit::new(20_000, 40, 0).county_credit_m2(), 12_000);
    verified(&ledger);
}

/// 二(四)/二(三): advanced quota may be used locally but not listed before acceptance
/// confirms it; land supply spends it first; the issue confirms it and then it may be listed.
#[test]
fn advanced_quota_is_for_local_use_until_acceptance() {
    let (mut ledger, profile) = setup();
    advance(&mut ledger, &profile, "XH-001", 30_000, "a");
    let lots = ledger.open_lots(&holding("511722"));
    assert!(lots.iter().all(|l| l.advanced), "{lots:?}");
    let list = |amount_m2, key: &str, ledger: &mut MemoryLedger| {
        ledger.post(
            Operation::List {
                division: code("511722"),
                listing: format!("L-{key}"),
                amount_m2,
            },
            meta(key, (2018, 9, 1)),
            &profile,
        )
    };
    let refused = list(1, "l0", &mut ledger);
    assert!(
        matches!(
            refused,
            Err(LedgerError::AdvancedQuotaLocalOnly {
                usable: 0,
                needed: 1,
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.err().map(|e| e.code().as_str()),
        Some("advanced_quota_local_only")
    );
    // Land supply in the county may use it.
    ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 5_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2018, 9, 2)),
        &profile,
    ));
    // Confirmed quota of another project arrives: it may be listed, the advance may not.
    ledger.register_project("XH-009", code("511722"), code("511700"), 0, 10_000);
    issue(&mut ledger, &profile, "XH-009", 8_000);
    let too_much = list(8_001, "l1", &mut ledger);
    assert!(
        matches!(
            too_much,
            Err(LedgerError::AdvancedQuotaLocalOnly {
                usable: 8_000,
                needed: 8_001,
                ..
            })
        ),
        "{too_much:?}"
    );
    ok(list(3_000, "l2", &mut ledger));
    // A land supply spends the advanced quota before the confirmed quota.
    let used = ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 1_000,
            zone: "z".into(),
            land_use: LandUse::Industrial,
        },
        meta("u2", (2018, 10, 1)),
        &profile,
    ));
    assert!(
        used.lots_created
            .iter()
            .all(|l| l.project == "XH-001" && l.advanced)
    );
    // Acceptance confirms the advance: its lots become listable, serials unchanged.
    let issued = issue(&mut ledger, &profile, "XH-001", 96_000);
    let confirmed: Vec<String> = issued
        .lots_created
        .iter()
        .filter(|l| l.parent.is_some())
        .map(Lot::serial)
        .collect();
    assert_eq!(confirmed, ["XH-001:6001-30000"]);
    assert!(
        ledger
            .open_lots(&holding("511722"))
            .iter()
            .all(|l| !l.advanced)
    );
    ok(list(30_000, "l3", &mut ledger));
    verified(&ledger);
}

/// An overdue advance is charged once: a sanction's deduction settles it (repaid from plan
/// quota), the later issue settles nothing again and credits the whole confirmed surplus; the
/// advanced lots, paid for with plan quota, stay for local use.
#[test]
fn a_deduction_settles_the_advance_and_the_issue_does_not_settle_it_again() {
    let (mut ledger, profile) = setup();
    advance(&mut ledger, &profile, "XH-001", 30_000, "a");
    ok(ledger.post(
        Operation::GrantAnnualPlan {
            county: code("511722"),
            year: 2019,
            amount_m2: 200_000,
        },
        meta("g", (2019, 1, 5)),
        &profile,
    ));
    let deduct = ok(ledger.post(
        Operation::Deduct {
            county: code("511722"),
            year: 2019,
            amount_m2: 30_000,
            project: Some("XH-001".into()),
        },
        meta("sanction", (2019, 7, 16)),
        &profile,
    ));
    assert_eq!(ledger.balance(&advance_account("XH-001")), 0);
    assert_eq!(
        ledger.balance(&Account::AnnualPlan {
            county: code("511722"),
            year: 2019
        }),
        170_000
    );
    assert_eq!(
        ledger.balance(&Account::Deducted {
            county: code("511722")
        }),
        0
    );
    let issued = issue(&mut ledger, &profile, "XH-001", 96_000);
    assert!(
        !issued
            .legs
            .iter()
            .any(|l| l.account == advance_account("XH-001"))
    );
    assert_eq!(ledger.balance(&holding("511722")), 30_000 + 96_000);
    let advanced: i64 = ledger
        .open_lots(&holding("511722"))
        .iter()
        .filter(|l| l.advanced)
        .map(Lot::size)
        .sum();
    assert_eq!(advanced, 30_000);
    // A deduction without a project, or beyond the open advance, goes to the deducted account.
    ok(ledger.post(
        Operation::Deduct {
            county: code("511722"),
            year: 2019,
            amount_m2: 500,
            project: Some("XH-001".into()),
        },
        meta("d2", (2019, 8, 1)),
        &profile,
    ));
    assert_eq!(
        ledger.balance(&Account::Deducted {
            county: code("511722")
        }),
        500
    );
    // Reversing the sanction's deduction reopens the advance.
    ok(ledger.post(
        Operation::Reverse { seq: deduct.seq },
        meta("rev", (2019, 8, 2)),
        &profile,
    ));
    assert_eq!(ledger.balance(&advance_account("XH-001")), -30_000);
    verified(&ledger);
}

/// `repay`: the county settles an advance from quota it holds — the project's own advanced
/// quota first, then confirmed quota, never another project's advance; never more than owed.
/// A shortfall at acceptance keeps as much advanced quota back as is still owed.
#[test]
fn repay_settles_a_shortfall_from_quota_the_county_holds() {
    let (mut ledger, profile) = setup();
    ledger.register_project("XH-009", code("511722"), code("511700"), 0, 100_000);
    advance(&mut ledger, &profile, "XH-001", 30_000, "a");
    advance(&mut ledger, &profile, "XH-009", 5_000, "a9");
    // Confirmed 20 000 < advanced 30 000: 10 000 stays owed, and 10 000 of the advanced
    // lots stay advanced (to be returned); the other 20 000 are confirmed.
    let issued = issue(&mut ledger, &profile, "XH-001", 20_000);
    assert_eq!(ledger.balance(&advance_account("XH-001")), -10_000);
    assert_eq!(
        issued
            .lots_created
            .iter()
            .filter(|l| l.parent.is_none())
            .count(),
        0
    );
    let still_advanced: Vec<String> = ledger
        .open_lots(&holding("511722"))
        .iter()
        .filter(|l| l.advanced && l.project == "XH-001")
        .map(Lot::serial)
        .collect();
    assert_eq!(still_advanced, ["XH-001:20001-30000"]);
    let repay = |amount_m2, key: &str, ledger: &mut MemoryLedger| {
        ledger.post(
            Operation::Repay {
                project: "XH-001".into(),
                amount_m2,
            },
            meta(key, (2019, 6, 1)),
            &profile,
        )
    };
    let over = repay(10_001, "r0", &mut ledger);
    assert!(
        matches!(
            over,
            Err(LedgerError::RepayExceedsAdvance {
                outstanding: 10_000,
                amount: 10_001,
                ..
            })
        ),
        "{over:?}"
    );
    // 4 000 of the project's own advanced quota go back first.
    let first = ok(repay(4_000, "r1", &mut ledger));
    assert_eq!(first.lots_created.len(), 1);
    assert_eq!(first.lots_created[0].serial(), "XH-001:24001-30000");
    assert_eq!(ledger.balance(&advance_account("XH-001")), -6_000);
    // Land supply spends advanced quota first (XH-009's, the older, then XH-001's); then
    // XH-001's last advanced lots and confirmed quota repay, never XH-009's advance.
    ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 6_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2019, 6, 2)),
        &profile,
    ));
    let second = ok(repay(6_000, "r2", &mut ledger));
    assert_eq!(ledger.balance(&advance_account("XH-001")), 0);
    let consumed_projects: Vec<&str> = ledger
        .lots
        .values()
        .filter(|(_, by)| *by == Some(second.seq))
        .map(|(l, _)| l.project.as_str())
        .collect();
    assert!(
        consumed_projects.iter().all(|p| *p == "XH-001"),
        "{consumed_projects:?}"
    );
    assert_eq!(
        ledger.balance(&holding("511722")),
        35_000 - 4_000 - 6_000 - 6_000
    );
    // Nothing owed: another repayment is refused.
    assert!(matches!(
        repay(1, "r3", &mut ledger),
        Err(LedgerError::RepayExceedsAdvance { outstanding: 0, .. })
    ));
    // Reversing a repayment restores the retired lots and reopens the advance.
    ok(ledger.post(
        Operation::Reverse { seq: second.seq },
        meta("rev", (2019, 6, 3)),
        &profile,
    ));
    assert_eq!(ledger.balance(&advance_account("XH-001")), -6_000);
    assert!(
        ledger
            .open_lots(&holding("511722"))
            .iter()
            .any(|l| l.serial() == "XH-001:25001-30000" && l.advanced)
    );
    verified(&ledger);
}

/// Only XH-009's own advanced quota and confirmed quota repay XH-009: another project's
/// advance does not.
#[test]
fn another_projects_advance_does_not_repay() {
    let (mut ledger, profile) = setup();
    ledger.register_project("XH-009", code("511722"), code("511700"), 0, 100_000);
    advance(&mut ledger, &profile, "XH-001", 30_000, "a");
    advance(&mut ledger, &profile, "XH-009", 5_000, "a9");
    ok(ledger.post(
        Operation::Use {
            division: code("511722"),
            amount_m2: 30_000,
            zone: "z".into(),
            land_use: LandUse::Public,
        },
        meta("u", (2018, 8, 1)),
        &profile,
    ));
    // What is left is XH-009's 5 000 advanced: XH-001 cannot repay with it.
    let refused = ledger.post(
        Operation::Repay {
            project: "XH-001".into(),
            amount_m2: 1,
        },
        meta("r", (2018, 8, 2)),
        &profile,
    );
    assert!(
        matches!(
            refused,
            Err(LedgerError::AdvancedQuotaLocalOnly { usable: 0, .. })
        ),
        "{refused:?}"
    );
    verified(&ledger);
}

/// The checker catches advanced quota that left the county's local use, and a flag changed.
#[test]
fn verify_checks_the_advanced_flag() {
    let (mut ledger, profile) = setup();
    advance(&mut ledger, &profile, "XH-001", 30_000, "a");
    ok(ledger.post(
        Operation::Reserve {
            division: code("511722"),
            amount_m2: 1_000,
            purpose: "p".into(),
        },
        meta("r", (2018, 8, 1)),
        &profile,
    ));
    verified(&ledger);
    let rehash = |entries: &mut Vec<Entry>| {
        let mut prev = super::entry::GENESIS_HASH.to_owned();
        for entry in entries.iter_mut() {
            entry.prev_hash = prev.clone();
            entry.hash = entry.compute_hash();
            prev = entry.hash.clone();
        }
    };
    // A reserved part that lost its flag without an issue.
    let mut cleared = ledger.entries.clone();
    cleared[1].lots_created[0].advanced = false;
    rehash(&mut cleared);
    let err = verify_journal(&cleared).err();
    assert_eq!(err.as_ref().map(|e| e.seq), Some(2), "{err:?}");
    // Advanced quota held by another division.
    let mut moved = ledger.entries.clone();
    moved[1].lots_created[0].holder = Account::Reserved {
        division: code("511703"),
    };
    moved[1].legs.iter_mut().for_each(|l| {
        if l.account
            == (Account::Reserved {
                division: code("511722"),
            })
        {
            l.account = Account::Reserved {
                division: code("511703"),
            };
        }
    });
    rehash(&mut moved);
    let err = verify_journal(&moved).err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.seq == 2 && e.problem_en.contains("advanced")),
        "{err:?}"
    );
}

/// A lot without the flag keeps the JSON it had before the flag existed (stored hashes stay
/// valid); an advanced lot says so.
#[test]
fn a_confirmed_lot_keeps_its_json() {
    let lot = Lot {
        id: 1,
        project: "XH-001".into(),
        first: 1,
        last: 10,
        holder: holding("511722"),
        parent: None,
        created_by: 1,
        advanced: false,
    };
    let text = serde_json::to_string(&lot).unwrap_or_default();
    assert!(!text.contains("advanced"), "{text}");
    let back: Result<Lot, _> = serde_json::from_str(&text);
    assert!(matches!(back, Ok(ref b) if *b == lot), "{back:?}");
    let advanced = Lot {
        advanced: true,
        ..lot
    };
    let text = serde_json::to_string(&advanced).unwrap_or_default();
    assert!(text.ends_with(r#","advanced":true}"#), "{text}");
}

/// A transfer priced on a date before every guide price (the policy's own 2017-11-27 to
/// 2017-12-31) is refused with `no_guide_price`, whose message tells the city to record the
/// price with its source, not a silent refusal.
#[test]
fn a_transfer_priced_before_every_guide_price_names_what_to_do() {
    let (mut ledger, profile) = setup();
    ok(ledger.post(
        Operation::Issue {
            project: "XH-001".into(),
            confirmed_m2: 96_000,
            reclaimed_farmland_m2: 110_000,
            resettlement_farmland_m2: 8_000,
        },
        meta("i1", (2017, 11, 30)),
        &profile,
    ));
    ok(ledger.post(
        Operation::List {
            division: code("511722"),
            listing: "L1".into(),
            amount_m2: 10_000,
        },
        meta("l1", (2017, 12, 1)),
        &profile,
    ));
    let refused = ledger.post(
        Operation::Transfer {
            listing: "L1".into(),
            buyer: code("511702"),
            amount_m2: 10_000,
            price_fen_per_mu: 30_000_000,
            priced_on: NaiveDate::from_ymd_opt(2017, 12, 1),
        },
        meta("t1", (2017, 12, 20)),
        &profile,
    );
    let Err(err) = refused else {
        panic!("a transfer without a guide price settled")
    };
    assert_eq!(err.code(), crate::ErrorCode::NoGuidePrice);
    assert!(err.message_zh().contains("2017-12-01"), "{err}");
    assert!(err.message_zh().contains("2018-01-01"), "{err}");
    assert!(err.message_en().contains("source document"), "{err}");
}
