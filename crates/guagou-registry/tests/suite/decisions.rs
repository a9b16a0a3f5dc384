//! Every write decides inside its write transaction (issue 12): requests racing on the same
//! records are decided one after the other, so exactly one wins and the others find the state
//! it left; the market owns its ids; every leg of a ledger operation is checked against the
//! actor's jurisdiction. On the demo registry, on SQLite or on the PostgreSQL of
//! `GUAGOU_TEST_DATABASE` (TestDb).
//!
//! The races run real concurrent tasks on one registry (a multi-threaded runtime): before the
//! fix each task read the state outside its transaction and every one of them "won".

use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::{Account, Entry, Meta, Operation};
use guagou_domain::lifecycle::{ProjectAction, ProjectState};
use guagou_domain::market::{AgreementState, Instalment, ListingState, agreement_total_fen};
use guagou_domain::{DivisionCode, Profile};
use guagou_registry::market::{Agreement, NewAgreement, NewListing, NewOffer};
use guagou_registry::plans::AuditFilter;
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry, RegistryError};

/// The demo's open market listing of 宣汉县 (6 000 m²) and the offer of 成都市 for all of it.
const LISTING: &str = "GP-511722-2019-001";
const OFFER: &str = "GP-511722-2019-001-O1";
const LISTED_M2: i64 = 6_000;
/// The guide price of 2019, 分 per 亩.
const GUIDE: i64 = 30_000_000;
/// A pooled project of 达川区 (the city forwards it) and an approved one of 渠县.
const POOLED: &str = "511703-2019-001";
const APPROVED: &str = "511725-2019-002";

fn must<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn who(text: &str) -> Actor {
    must(Actor::parse(text))
}

fn code(text: &str) -> DivisionCode {
    must(DivisionCode::parse(text))
}

fn seller() -> Actor {
    who("县局经办人@511722")
}

fn city() -> Actor {
    who("市局经办人@511700")
}

struct Demo {
    registry: Arc<Registry>,
    _dir: tempfile::TempDir,
}

async fn demo() -> Demo {
    let dir = must(tempfile::tempdir());
    let store = must(
        must(TestDb::create(&dir.path().join("data")).await)
            .open()
            .await,
    );
    let registry = Registry::new(
        store,
        must(Profile::dazhou_2017()),
        must(LandClassTable::gbt21010()),
        Box::new(FixedClock("2026-12-01T09:00:00+08:00".into())),
    );
    must(registry.build_demo(&dir.path().join("packages")).await);
    Demo {
        registry: Arc::new(registry),
        _dir: dir,
    }
}

/// Runs `n` copies of `step` at once on the registry; their results in completion order.
async fn race<T, F, Fut>(
    registry: &Arc<Registry>,
    n: usize,
    step: F,
) -> Vec<Result<T, RegistryError>>
where
    T: Send + 'static,
    F: Fn(Arc<Registry>, usize) -> Fut,
    Fut: Future<Output = Result<T, RegistryError>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        set.spawn(step(Arc::clone(registry), i));
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        out.push(must(joined));
    }
    out
}

/// The losers of a race: each refused as a conflict with the state the winner left.
fn assert_conflicts<T: std::fmt::Debug>(results: &[Result<T, RegistryError>], codes: &[&str]) {
    for result in results.iter().filter(|r| r.is_err()) {
        let Err(e) = result else { continue };
        assert!(
            codes.contains(&e.code().as_str()),
            "expected one of {codes:?}, got {} ({e})",
            e.code()
        );
    }
}

fn wins<T>(results: &[Result<T, RegistryError>]) -> usize {
    results.iter().filter(|r| r.is_ok()).count()
}

/// The whole demo listing to the offer of 成都市, paid in one instalment.
fn terms() -> NewAgreement {
    NewAgreement {
        offer: OFFER.into(),
        amount_m2: LISTED_M2,
        price_fen_per_mu: GUIDE,
        schedule: vec![Instalment {
            number: 1,
            due_on: d(2019, 9, 1),
            amount_fen: total(),
        }],
    }
}

fn total() -> i64 {
    must(agreement_total_fen(LISTED_M2, GUIDE))
}

async fn sign(registry: &Registry) -> Agreement {
    must(
        registry
            .as_principal(&seller())
            .sign_agreement(LISTING, &terms(), d(2019, 7, 20), "sign-once")
            .await,
    )
}

async fn audit_count(registry: &Registry, action: &str, subject: &str) -> usize {
    let filter = AuditFilter {
        action_prefix: action.into(),
        subject_prefix: subject.into(),
        ..AuditFilter::default()
    };
    must(registry.auditor().audit_log(None, 1_000, &filter).await)
        .0
        .iter()
        .filter(|r| r.action == action && r.subject == subject)
        .count()
}

async fn entries(registry: &Registry) -> Vec<Entry> {
    let auditor = registry.auditor();
    let scope = must(auditor.read_scope().await);
    must(auditor.journal_entries(&scope).await)
}

fn touches(entry: &Entry, account: &Account) -> bool {
    entry.legs.iter().any(|l| &l.account == account)
}

fn escrow() -> Account {
    Account::Listed {
        listing: LISTING.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signatures_of_one_listing_sign_one_agreement() {
    let demo = demo().await;
    let results = race(&demo.registry, 6, |r, i| async move {
        r.as_principal(&seller())
            .sign_agreement(LISTING, &terms(), d(2019, 7, 20), &format!("sign-{i}"))
            .await
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["not_allowed", "state_changed"]);
    let detail = must(demo.registry.auditor().market_listing_detail(LISTING).await);
    assert_eq!(detail.agreements.len(), 1, "{detail:?}");
    assert_eq!(detail.listing.state, ListingState::Agreed);
    assert_eq!(
        audit_count(&demo.registry, "market.sign", &detail.agreements[0].id).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payments_never_exceed_the_instalment() {
    let demo = demo().await;
    let agreement = sign(&demo.registry).await;
    let id = agreement.id.clone();
    let results = race(&demo.registry, 20, move |r, i| {
        let id = id.clone();
        async move {
            r.as_principal(&seller())
                .record_payment(
                    &id,
                    1,
                    total(),
                    d(2019, 9, 1),
                    "全额到账",
                    &format!("pay-{i}"),
                )
                .await
        }
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["invalid"]);
    let paid = must(
        demo.registry
            .auditor()
            .market_agreement(&agreement.id)
            .await,
    );
    assert_eq!(paid.received_fen, total());
    assert_eq!(paid.payments.len(), 1);
    // The funds journal agrees: one proceeds entry of the whole instalment, and it verifies.
    let proceeds: Vec<_> = must(demo.registry.auditor().funds_entries(1_000).await)
        .into_iter()
        .filter(|e| e.kind == "proceeds")
        .collect();
    assert_eq!(proceeds.len(), 1, "{proceeds:?}");
    assert_eq!(proceeds[0].amount_fen, total());
    assert!(must(demo.registry.verify_funds().await).ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settlement_and_cancellation_exclude_each_other() {
    let demo = demo().await;
    let agreement = sign(&demo.registry).await;
    let buyer = Account::Holding {
        division: code("510100"),
    };
    let before = must(demo.registry.store_for_tests().balance(&buyer).await);
    let id = agreement.id.clone();
    let results = race(&demo.registry, 8, move |r, i| {
        let id = id.clone();
        async move {
            let key = format!("step-{i}");
            if i % 2 == 0 {
                r.as_principal(&seller())
                    .settle_agreement(&id, d(2019, 8, 1), &key)
                    .await
            } else {
                r.as_principal(&seller())
                    .cancel_agreement(&id, "买方放弃", d(2019, 8, 1), &key)
                    .await
            }
        }
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["not_allowed", "state_changed"]);
    let after = must(
        demo.registry
            .auditor()
            .market_agreement(&agreement.id)
            .await,
    );
    let listing = must(demo.registry.auditor().market_listing_detail(LISTING).await);
    let transfers = entries(&demo.registry)
        .await
        .into_iter()
        .filter(|e| matches!(e.operation, Operation::Transfer { .. }) && touches(e, &escrow()))
        .count();
    match after.state {
        AgreementState::Settled => {
            assert_eq!(transfers, 1);
            assert_eq!(listing.listing.state, ListingState::Settled);
            assert_eq!(
                must(demo.registry.store_for_tests().balance(&buyer).await),
                before + LISTED_M2
            );
        }
        AgreementState::Cancelled => {
            // A cancelled agreement never transfers quota; the listing is open, escrow full.
            assert_eq!(transfers, 0);
            assert_eq!(listing.listing.state, ListingState::Open);
            assert_eq!(listing.listed_balance_m2, LISTED_M2);
            assert_eq!(
                must(demo.registry.store_for_tests().balance(&buyer).await),
                before
            );
        }
        AgreementState::Signed => panic!("nobody won: {results:?}"),
    }
    must(demo.registry.store_for_tests().verify_ledger().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settling_twice_transfers_once() {
    let demo = demo().await;
    let agreement = sign(&demo.registry).await;
    let id = agreement.id.clone();
    let results = race(&demo.registry, 5, move |r, i| {
        let id = id.clone();
        async move {
            r.as_principal(&seller())
                .settle_agreement(&id, d(2019, 8, 1), &format!("settle-{i}"))
                .await
        }
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["not_allowed", "state_changed"]);
    let transfers = entries(&demo.registry)
        .await
        .into_iter()
        .filter(|e| matches!(e.operation, Operation::Transfer { .. }) && touches(e, &escrow()))
        .count();
    assert_eq!(transfers, 1);
    assert_eq!(
        audit_count(&demo.registry, "market.settle", &agreement.id).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_and_withdrawing_exclude_each_other() {
    let demo = demo().await;
    let results = race(&demo.registry, 6, |r, i| async move {
        let key = format!("step-{i}");
        if i % 2 == 0 {
            r.as_principal(&seller())
                .sign_agreement(LISTING, &terms(), d(2019, 7, 20), &key)
                .await
                .map(|a| a.id)
        } else {
            r.as_principal(&seller())
                .withdraw_listing(LISTING, "撤牌", d(2019, 7, 20), &key)
                .await
                .map(|l| l.id)
        }
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["not_allowed", "state_changed"]);
    let detail = must(demo.registry.auditor().market_listing_detail(LISTING).await);
    match detail.listing.state {
        ListingState::Agreed => {
            assert_eq!(detail.agreements.len(), 1);
            assert_eq!(detail.listed_balance_m2, LISTED_M2);
        }
        ListingState::Withdrawn => {
            assert!(detail.agreements.is_empty());
            assert_eq!(detail.listed_balance_m2, 0);
        }
        other => panic!("{other:?}: {results:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_steps_move_a_project_once() {
    let demo = demo().await;
    let results = race(&demo.registry, 8, |r, _| async move {
        r.as_principal(&city())
            .project_action(POOLED, ProjectAction::Forward, d(2019, 8, 1), "转报")
            .await
    })
    .await;
    assert_eq!(wins(&results), 1, "{results:?}");
    assert_conflicts(&results, &["not_allowed", "state_changed"]);
    let project = must(demo.registry.auditor().project(POOLED).await);
    assert_eq!(project.state, ProjectState::Forwarded);
    let forwards = must(
        demo.registry
            .auditor()
            .audit_log(
                None,
                1_000,
                &AuditFilter {
                    action_prefix: "project.transition".into(),
                    subject_prefix: POOLED.into(),
                    ..AuditFilter::default()
                },
            )
            .await,
    )
    .0
    .iter()
    .filter(|r| r.payload.contains("\"forward\""))
    .count();
    assert_eq!(forwards, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_advance_never_lands_on_a_terminated_project() {
    let demo = demo().await;
    // The demo's scan suspended 渠县's advances; the city lifts that so only the race decides.
    must(
        demo.registry
            .as_principal(&city())
            .lift_suspension(&code("511725"), "测试")
            .await,
    );
    let results = race(&demo.registry, 12, |r, i| async move {
        if i == 5 {
            r.as_principal(&city())
                .project_action(APPROVED, ProjectAction::Terminate, d(2019, 8, 1), "终止")
                .await
                .map(|_| 0)
        } else {
            let advance = Operation::Advance {
                project: APPROVED.into(),
                amount_m2: 1,
            };
            r.as_principal(&city())
                .post(advance, &format!("adv-{i}"), "预支", d(2019, 8, 1))
                .await
                .map(|e| e.seq)
        }
    })
    .await;
    assert_conflicts(&results, &["not_allowed"]);
    let project = must(demo.registry.auditor().project(APPROVED).await);
    assert_eq!(project.state, ProjectState::Terminated);
    // Every advance that landed committed before the termination did.
    let records = must(
        demo.registry
            .auditor()
            .audit_log(None, 5_000, &AuditFilter::default())
            .await,
    )
    .0;
    let terminated = records
        .iter()
        .find(|r| {
            r.action == "project.transition"
                && r.subject == APPROVED
                && r.payload.contains("\"terminate\"")
        })
        .map(|r| r.seq)
        .unwrap_or_else(|| panic!("no termination recorded"));
    for record in records.iter().filter(|r| r.action == "ledger.advance") {
        if record.payload.contains(APPROVED) {
            assert!(
                record.seq < terminated,
                "advance {} after the termination {terminated}",
                record.seq
            );
        }
    }
    let advanced = -must(
        demo.registry
            .store_for_tests()
            .balance(&Account::Advance {
                project: APPROVED.into(),
            })
            .await,
    );
    let landed = results
        .iter()
        .filter(|r| matches!(r, Ok(seq) if *seq > 0))
        .count();
    assert_eq!(advanced, landed as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_acts_within_its_city() {
    let demo = demo().await;
    let r = &demo.registry;
    // The demo's transfer of SC-2019-0107 credited 成都市 (510100): outside the city.
    let transfer = entries(r)
        .await
        .into_iter()
        .find(|e| {
            matches!(&e.operation, Operation::Transfer { buyer, .. } if buyer.as_str() == "510100")
        })
        .unwrap_or_else(|| panic!("no transfer to 510100 in the demo"));
    let reversed = r
        .as_principal(&city())
        .post(
            Operation::Reverse { seq: transfer.seq },
            "rev-chengdu",
            "冲正",
            d(2019, 9, 2),
        )
        .await;
    assert!(
        matches!(reversed, Err(RegistryError::Forbidden { .. })),
        "{reversed:?}"
    );
    // Annual plan quota is the province's to grant, inside the province; the city grants
    // none, least of all to 成都's 锦江区 (510104), and deducts only within its city.
    let grant = |county: &str| Operation::GrantAnnualPlan {
        county: code(county),
        year: 2020,
        amount_m2: 1_000,
    };
    for county in ["510104", "511722"] {
        let granted = r
            .as_principal(&city())
            .post(
                grant(county),
                &format!("grant-{county}"),
                "下达",
                d(2020, 1, 2),
            )
            .await;
        assert!(
            matches!(granted, Err(RegistryError::Forbidden { .. })),
            "{county}: {granted:?}"
        );
    }
    must(
        r.as_principal(&who("省厅@510000"))
            .post(grant("510104"), "grant-p", "下达", d(2020, 1, 2))
            .await,
    );
    let deducted = r
        .as_principal(&city())
        .post(
            Operation::Deduct {
                county: code("510104"),
                year: 2020,
                amount_m2: 10,
                project: None,
            },
            "deduct-chengdu",
            "扣减",
            d(2020, 1, 3),
        )
        .await;
    assert!(
        matches!(deducted, Err(RegistryError::Forbidden { .. })),
        "{deducted:?}"
    );
    // Within its city the city may reverse (the demo scan's deduction from a county's plan).
    let deduction = entries(r)
        .await
        .into_iter()
        .find(|e| matches!(&e.operation, Operation::Deduct { county, .. } if county.as_str().starts_with("5117")))
        .unwrap_or_else(|| panic!("no deduction in the demo"));
    must(
        r.as_principal(&city())
            .post(
                Operation::Reverse { seq: deduction.seq },
                "rev-deduct",
                "冲正",
                d(2019, 9, 2),
            )
            .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_market_owns_its_ids() {
    let demo = demo().await;
    let r = &demo.registry;
    let next_market_id = "GP-511722-2019-002";
    // A general listing may not take an id of the market's namespace.
    let squat = r
        .as_principal(&seller())
        .post(
            Operation::List {
                division: code("511722"),
                listing: next_market_id.into(),
                amount_m2: 100,
            },
            "squat",
            "抢注",
            d(2019, 7, 20),
        )
        .await;
    match squat {
        Err(RegistryError::Invalid { field, .. }) => assert_eq!(field, "listing"),
        other => panic!("{other:?}"),
    }
    // One squatted before the namespace was closed (posted straight to the ledger) does not
    // block the market: the sequence skips it.
    must(
        r.store_for_tests()
            .post_ledger(
                &Operation::List {
                    division: code("511722"),
                    listing: next_market_id.into(),
                    amount_m2: 100,
                },
                &Meta {
                    key: "legacy-squat".into(),
                    actor: "县局经办人@511722".into(),
                    reason: "旧数据".into(),
                    effective: d(2019, 7, 20),
                    recorded_at: "2019-07-20T09:00:00+08:00".into(),
                },
                &r.profile,
            )
            .await,
    );
    let listing = must(
        r.as_principal(&seller())
            .publish_listing(
                &NewListing {
                    amount_m2: 500,
                    reserve_price_fen_per_mu: GUIDE,
                    opens_on: d(2019, 7, 21),
                    closes_on: d(2019, 12, 31),
                    contact: "宣汉县国土资源局".into(),
                },
                d(2019, 7, 21),
                "publish-after-squat",
            )
            .await,
    );
    assert_eq!(listing.id, "GP-511722-2019-003");
    let offer = must(
        r.as_principal(&who("市局经办人@510100"))
            .make_offer(
                &listing.id,
                &NewOffer {
                    amount_m2: 500,
                    price_fen_per_mu: GUIDE,
                    contact: "成都".into(),
                },
                d(2019, 7, 22),
                "offer-after-squat",
            )
            .await,
    );
    assert_eq!(offer.id, "GP-511722-2019-003-O1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_market_escrow_is_corrected_only_through_the_market() {
    let demo = demo().await;
    let r = &demo.registry;
    let listed = entries(r)
        .await
        .into_iter()
        .find(|e| matches!(e.operation, Operation::List { .. }) && touches(e, &escrow()))
        .unwrap_or_else(|| panic!("no market listing entry"));
    let reversed = r
        .as_principal(&city())
        .post(
            Operation::Reverse { seq: listed.seq },
            "rev-escrow",
            "冲正",
            d(2019, 7, 20),
        )
        .await;
    match reversed {
        Err(RegistryError::Invalid { field, .. }) => assert_eq!(field, "seq"),
        other => panic!("{other:?}"),
    }
    let detail = must(r.auditor().market_listing_detail(LISTING).await);
    assert_eq!(detail.listed_balance_m2, LISTED_M2);
    assert_eq!(detail.listing.state, ListingState::Open);
    // Nor may the general ledger withdraw or transfer it.
    let withdrawn = r
        .as_principal(&seller())
        .post(
            Operation::Withdraw {
                listing: LISTING.into(),
                amount_m2: LISTED_M2,
            },
            "withdraw-escrow",
            "撤回",
            d(2019, 7, 20),
        )
        .await;
    assert!(
        matches!(withdrawn, Err(RegistryError::Invalid { .. })),
        "{withdrawn:?}"
    );
}

/// Two administrators disabling one account at once: one succeeds, the other is told the
/// account changed (409); creating one name twice at once creates it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn administrators_racing_on_one_account_change_it_once() {
    use guagou_registry::users::{UserChange, UserSetting};
    let demo = demo().await;
    for name in ["甲管理员", "乙管理员"] {
        must(
            demo.registry
                .create_user(name, "511700", "land", "correct horse 42")
                .await,
        );
        must(demo.registry.make_first_admin(name).await);
    }
    let created = race(&demo.registry, 4, |r, i| async move {
        let admin = who(if i % 2 == 0 {
            "甲管理员@511700"
        } else {
            "乙管理员@511700"
        });
        let setting = UserSetting {
            division: "511722".into(),
            department: "land".into(),
            is_admin: false,
        };
        r.as_principal(&admin)
            .change_user("经办人", &UserChange::Create(setting), "新入职")
            .await
    })
    .await;
    assert_eq!(wins(&created), 1);
    assert_conflicts(&created, &["invalid"]);
    let disabled = race(&demo.registry, 4, |r, i| async move {
        let admin = who(if i % 2 == 0 {
            "甲管理员@511700"
        } else {
            "乙管理员@511700"
        });
        r.as_principal(&admin)
            .change_user("经办人", &UserChange::Disable, "调离")
            .await
    })
    .await;
    assert_eq!(wins(&disabled), 1);
    assert_conflicts(&disabled, &["state_changed"]);
    assert_eq!(
        audit_count(&demo.registry, "user.disable", "经办人").await,
        1
    );
}
