//! Unit tests and the property test of the funds ledger.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn code(text: &str) -> DivisionCode {
    match DivisionCode::parse(text) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn meta(key: &str) -> Meta {
    Meta {
        key: key.to_owned(),
        actor: "财务@511722".into(),
        reason: "test".into(),
        effective: NaiveDate::from_ymd_opt(2019, 7, 15).unwrap_or_default(),
        recorded_at: "2019-07-15T09:00:00+08:00".into(),
    }
}

const P: &str = "511722-2018-001";

fn invest(amount: i64) -> FundsOperation {
    FundsOperation::Invest {
        county: code("511722"),
        project: P.into(),
        source: FundingSource::CityBudget,
        amount_fen: amount,
    }
}

fn spend(amount: i64, paid_from: PaidFrom) -> FundsOperation {
    FundsOperation::Spend {
        county: code("511722"),
        project: Some(P.into()),
        category: SpendCategory::Reclamation,
        paid_from,
        payee: "某某建筑公司".into(),
        voucher: "记-2019-07-001".into(),
        amount_fen: amount,
    }
}

fn proceeds(amount: i64) -> FundsOperation {
    FundsOperation::Proceeds {
        county: code("511722"),
        agreement: "AG-1".into(),
        instalment: 1,
        amount_fen: amount,
    }
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn entries_balance_to_the_fen_and_chain() {
    let mut funds = MemoryFunds::default();
    let a = ok(funds.post(&invest(100_000_001), &meta("a")));
    let b = ok(funds.post(&spend(25_000_000, PaidFrom::Project), &meta("b")));
    assert_eq!(a.sum_of_legs(), 0);
    assert_eq!(b.sum_of_legs(), 0);
    assert_eq!(a.prev_hash, GENESIS_HASH);
    assert_eq!(b.prev_hash, a.hash);
    let project = FundAccount::Project {
        county: code("511722"),
        project: P.into(),
    };
    assert_eq!(funds.balances[&project], 100_000_001 - 25_000_000);
    let report = ok(verify_journal(funds.entries.clone()));
    assert_eq!(report.entries, 2);
    assert_eq!(report.balances[&project.key()], 75_000_001);
    assert_eq!(
        report.balances["invest:city_budget:511722:511722-2018-001"],
        -100_000_001
    );
}

#[test]
fn spending_beyond_the_money_held_is_refused_and_changes_nothing() {
    let mut funds = MemoryFunds::default();
    ok(funds.post(&invest(100), &meta("a")));
    let refused = funds.post(&spend(101, PaidFrom::Project), &meta("b"));
    match refused {
        Err(e @ FundsError::Insufficient { .. }) => {
            assert_eq!(e.code(), "funds_insufficient");
            assert!(matches!(
                e,
                FundsError::Insufficient {
                    balance: 100,
                    needed: 101,
                    ..
                }
            ));
        }
        other => panic!("{other:?}"),
    }
    // The county fund holds nothing: paying from it is refused too.
    assert!(funds.post(&spend(1, PaidFrom::County), &meta("c")).is_err());
    assert_eq!(funds.entries.len(), 1);
    ok(funds.post(&spend(100, PaidFrom::Project), &meta("d")));
}

#[test]
fn idempotent_reposts_post_once_and_conflicts_are_refused() {
    let mut funds = MemoryFunds::default();
    let first = ok(funds.post(&proceeds(500), &meta("k")));
    let again = ok(funds.post(&proceeds(500), &meta("k")));
    assert_eq!(first, again);
    assert_eq!(funds.entries.len(), 1);
    assert_eq!(
        funds.post(&proceeds(501), &meta("k")),
        Err(FundsError::IdempotencyConflict("k".into()))
    );
}

#[test]
fn reversal_undoes_once_and_never_leaves_a_hole() {
    let mut funds = MemoryFunds::default();
    ok(funds.post(&invest(300), &meta("a")));
    ok(funds.post(&spend(200, PaidFrom::Project), &meta("b")));
    // Reversing the investment would leave the project fund at −200.
    assert!(matches!(
        funds.post(&FundsOperation::Reverse { seq: 1 }, &meta("r1")),
        Err(FundsError::Insufficient { .. })
    ));
    ok(funds.post(&FundsOperation::Reverse { seq: 2 }, &meta("r2")));
    assert!(matches!(
        funds.post(&FundsOperation::Reverse { seq: 2 }, &meta("r3")),
        Err(FundsError::NotReversible(2, _))
    ));
    assert!(matches!(
        funds.post(&FundsOperation::Reverse { seq: 3 }, &meta("r4")),
        Err(FundsError::NotReversible(3, _))
    ));
    ok(verify_journal(funds.entries.clone()));
}

#[test]
fn input_is_checked() {
    let mut funds = MemoryFunds::default();
    assert_eq!(
        funds
            .post(&invest(0), &meta("a"))
            .map_err(|e| e.code().as_str()),
        Err("funds_non_positive_amount")
    );
    let compensation_as_spend = FundsOperation::Spend {
        county: code("511722"),
        project: None,
        category: SpendCategory::Compensation,
        paid_from: PaidFrom::County,
        payee: "x".into(),
        voucher: "v".into(),
        amount_fen: 1,
    };
    assert!(funds.post(&compensation_as_spend, &meta("b")).is_err());
    let from_no_project = FundsOperation::Spend {
        county: code("511722"),
        project: None,
        category: SpendCategory::PovertyRelief,
        paid_from: PaidFrom::Project,
        payee: "x".into(),
        voucher: "v".into(),
        amount_fen: 1,
    };
    assert_eq!(
        funds
            .post(&from_no_project, &meta("c"))
            .map_err(|e| e.field()),
        Err(Some("paid_from"))
    );
    let unmasked = FundsOperation::Compensate {
        county: code("511722"),
        project: P.into(),
        household: "张三丰".into(),
        paid_from: PaidFrom::Project,
        voucher: "v".into(),
        amount_fen: 1,
    };
    assert_eq!(
        funds.post(&unmasked, &meta("d")).map_err(|e| e.field()),
        Err(Some("household"))
    );
}

#[test]
fn households_are_masked_and_yuan_parse_exactly() {
    assert_eq!(household_label("张三丰").ok(), Some("张**".into()));
    assert_eq!(household_label(" HH-0012 ").ok(), Some("HH-0012".into()));
    assert_eq!(household_label("李*").ok(), Some("李*".into()));
    assert!(household_label("").is_err());
    assert_eq!(parse_yuan("1234.56"), Some(123_456));
    assert_eq!(parse_yuan("1234.5"), Some(123_450));
    assert_eq!(parse_yuan("0.01"), Some(1));
    assert_eq!(parse_yuan("12"), Some(1_200));
    // As people write amounts: thousands separators and 万元 (issue 14).
    assert_eq!(parse_yuan("1,000"), Some(100_000));
    assert_eq!(parse_yuan("1.5万元"), Some(1_500_000));
    for bad in ["", "1.", ".5", "1.234", "-1", "1e3", "１"] {
        assert_eq!(parse_yuan(bad), None, "{bad}");
    }
}

#[test]
fn account_keys_round_trip() {
    let accounts = [
        FundAccount::County {
            county: code("511722"),
        },
        FundAccount::Project {
            county: code("511722"),
            project: P.into(),
        },
        FundAccount::TransferProceeds {
            county: code("511700"),
        },
        FundAccount::CityInvestment {
            county: code("511722"),
            project: P.into(),
            source: FundingSource::SocialCapital,
        },
        FundAccount::Spent {
            county: code("511722"),
            category: SpendCategory::Resettlement,
            project: None,
        },
        FundAccount::Spent {
            county: code("511722"),
            category: SpendCategory::Compensation,
            project: Some(P.into()),
        },
    ];
    for account in accounts {
        assert_eq!(FundAccount::from_key(&account.key()), Some(account.clone()));
    }
    assert_eq!(FundAccount::from_key("county:5117"), None);
    assert_eq!(FundAccount::from_key("project:511722:a:b"), None);
    assert_eq!(FundAccount::from_key("spent:x:511722"), None);
}

#[test]
fn verify_names_the_first_altered_entry() {
    let mut funds = MemoryFunds::default();
    ok(funds.post(&invest(1_000), &meta("a")));
    ok(funds.post(&spend(400, PaidFrom::Project), &meta("b")));
    ok(funds.post(&proceeds(70), &meta("c")));
    // An edited amount (legs still balanced) breaks the entry's own hash.
    let mut edited = funds.entries.clone();
    edited[1].legs[0].amount_fen = 40;
    edited[1].legs[1].amount_fen = -40;
    assert_eq!(verify_journal(edited).map_err(|e| e.seq), Err(2));
    // Re-hashing the edit breaks the next link.
    let mut rehashed = funds.entries.clone();
    rehashed[0].meta.reason = "changed".into();
    rehashed[0].hash = rehashed[0].compute_hash();
    assert_eq!(verify_journal(rehashed).map_err(|e| e.seq), Err(2));
    // A missing entry is a sequence gap.
    let mut gap = funds.entries.clone();
    gap.remove(1);
    assert_eq!(verify_journal(gap).map_err(|e| e.seq), Err(3));
}

fn arb_operation() -> impl Strategy<Value = FundsOperation> {
    let amount = 1i64..5_000;
    prop_oneof![
        amount.clone().prop_map(invest),
        amount.clone().prop_map(proceeds),
        (amount.clone(), any::<bool>()).prop_map(|(a, p)| spend(
            a,
            if p {
                PaidFrom::Project
            } else {
                PaidFrom::County
            }
        )),
        (amount, any::<bool>()).prop_map(|(a, p)| FundsOperation::Compensate {
            county: code("511722"),
            project: P.into(),
            household: "HH-1".into(),
            paid_from: if p {
                PaidFrom::Project
            } else {
                PaidFrom::County
            },
            voucher: "v".into(),
            amount_fen: a,
        }),
        (1u64..30).prop_map(|seq| FundsOperation::Reverse { seq }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Whatever is asked, the accepted entries rebuild to exactly the stored balances, every
    /// holding account stays at or above zero, and any tampered amount is detected.
    #[test]
    fn rebuilt_balances_equal_stored_and_tampering_is_detected(
        ops in proptest::collection::vec(arb_operation(), 1..40),
        victim in any::<prop::sample::Index>(),
        delta in 1i64..1_000,
    ) {
        let mut funds = MemoryFunds::default();
        for (i, op) in ops.iter().enumerate() {
            let _ = funds.post(op, &meta(&format!("k{i}")));
            for (account, balance) in &funds.balances {
                prop_assert!(account.nature().allows(*balance), "{account} {balance}");
            }
        }
        let report = verify_journal(funds.entries.clone());
        prop_assert!(report.is_ok(), "{report:?}");
        let stored: BTreeMap<String, i64> =
            funds.balances.iter().map(|(a, b)| (a.key(), *b)).collect();
        prop_assert_eq!(report.map(|r| r.balances).unwrap_or_default(), stored);
        if !funds.entries.is_empty() {
            let mut tampered = funds.entries.clone();
            let i = victim.index(tampered.len());
            for leg in &mut tampered[i].legs {
                leg.amount_fen += if leg.amount_fen > 0 { delta } else { -delta };
            }
            let seq = tampered[i].seq;
            prop_assert_eq!(verify_journal(tampered).map_err(|e| e.seq).err(), Some(seq));
        }
    }
}
