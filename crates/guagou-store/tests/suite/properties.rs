//! Random operation sequences through the store and through `MemoryLedger` give the same
//! entries, refusals, balances and lots, and the stored ledger verifies. Few cases: each one
//! creates a database.

use crate::common::{Twin, code, meta};
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{LandUse, Operation};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Post(Operation),
    Suspend(DivisionCode, bool),
}

fn arb_step() -> impl Strategy<Value = Step> {
    let county = prop_oneof![Just("511722"), Just("511703"), Just("511702")].prop_map(code);
    let project = prop_oneof![Just("XH-001".to_owned()), Just("DC-002".to_owned())];
    let listing = prop_oneof![Just("L1".to_owned()), Just("L2".to_owned())];
    let amount = 1i64..40_000;
    let operation = prop_oneof![
        3 => (project.clone(), amount.clone())
            .prop_map(|(project, amount_m2)| Operation::Advance { project, amount_m2 }),
        2 => (project.clone(), amount.clone())
            .prop_map(|(project, amount_m2)| Operation::Repay { project, amount_m2 }),
        3 => (project.clone(), 0i64..120_000).prop_map(|(project, confirmed_m2)| Operation::Issue {
            project,
            confirmed_m2,
            reclaimed_farmland_m2: confirmed_m2,
            resettlement_farmland_m2: 0
        }),
        1 => (county.clone(), amount.clone()).prop_map(|(division, amount_m2)| Operation::Reserve {
            division,
            amount_m2,
            purpose: "p".into()
        }),
        1 => (county.clone(), amount.clone())
            .prop_map(|(division, amount_m2)| Operation::Release { division, amount_m2 }),
        2 => (county.clone(), listing.clone(), amount.clone()).prop_map(
            |(division, listing, amount_m2)| Operation::List {
                division,
                listing,
                amount_m2
            }
        ),
        1 => (listing.clone(), amount.clone())
            .prop_map(|(listing, amount_m2)| Operation::Withdraw { listing, amount_m2 }),
        2 => (listing, county.clone(), amount.clone(), 29_000_000i64..31_000_000).prop_map(
            |(listing, buyer, amount_m2, price_fen_per_mu)| Operation::Transfer {
                listing,
                buyer,
                amount_m2,
                price_fen_per_mu,
                priced_on: None,
            }
        ),
        3 => (county.clone(), amount.clone()).prop_map(|(division, amount_m2)| Operation::Use {
            division,
            amount_m2,
            zone: "z".into(),
            land_use: LandUse::Commercial
        }),
        1 => (county.clone(), amount.clone()).prop_map(|(county, amount_m2)| {
            Operation::GrantAnnualPlan {
                county,
                year: 2019,
                amount_m2,
            }
        }),
        1 => (county.clone(), amount, proptest::option::of(project)).prop_map(
            |(county, amount_m2, project)| Operation::Deduct {
                county,
                year: 2019,
                amount_m2,
                project
            }
        ),
        2 => (1u64..25).prop_map(|seq| Operation::Reverse { seq }),
    ];
    prop_oneof![
        12 => operation.prop_map(Step::Post),
        1 => (county, any::<bool>()).prop_map(|(c, s)| Step::Suspend(c, s)),
    ]
}

async fn run(steps: Vec<Step>) -> Result<(), Box<dyn std::error::Error>> {
    let mut t = Twin::with_projects().await?;
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            // `post` asserts that store and memory agree on every outcome.
            Step::Post(op) => {
                let _ = t.post(op, meta(&format!("k{i}"), (2019, 3, 1))).await;
            }
            Step::Suspend(county, suspended) => {
                let mut tx = t.store.begin_write().await?;
                tx.set_advance_suspended(&county, suspended).await?;
                tx.commit().await?;
                if suspended {
                    t.memory.suspended.insert(county);
                } else {
                    t.memory.suspended.remove(&county);
                }
            }
        }
    }
    t.assert_same().await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn store_matches_memory_ledger(steps in proptest::collection::vec(arb_step(), 1..60)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let result = match runtime {
            Ok(rt) => rt.block_on(run(steps)),
            Err(e) => Err(e.into()),
        };
        prop_assert!(result.is_ok(), "{:?}", result.err().map(|e| e.to_string()));
    }
}
