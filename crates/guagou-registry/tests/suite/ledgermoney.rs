//! Issue 13, items 4–6, through the door on the demo registry (SQLite, or the PostgreSQL of
//! `GUAGOU_TEST_DATABASE`): advanced quota stays for local use until acceptance confirms it,
//! the county repays an advance from quota it holds, the city/county split of a city-invested
//! project applies to the whole confirmed surplus (二(六)) and an advance beyond the county's
//! part is recorded as owed to the city, and a shortfall at acceptance is overdue only from
//! the advance's own due date. `verify_registry` passes after each, and names an edited
//! obligation.

use chrono::NaiveDate;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::{Account, LandUse, Operation};
use guagou_domain::lifecycle::ProjectAction;
use guagou_domain::registry_rules::Backing;
use guagou_domain::sanctions::advance_due;
use guagou_domain::{DivisionCode, Profile, RuleId};
use guagou_registry::market::NewListing;
use guagou_registry::projects::AcceptanceFigures;
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry, RegistryError};

/// 通川区's city-invested project (40 % to the city), forwarded in the demo.
const CITY_INVESTED: &str = "511702-2019-001";

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

fn holding(division: &str) -> Account {
    Account::Holding {
        division: code(division),
    }
}

fn advance_account(project: &str) -> Account {
    Account::Advance {
        project: project.into(),
    }
}

struct Demo {
    registry: Registry,
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
        registry,
        _dir: dir,
    }
}

async fn balance(r: &Registry, account: &Account) -> i64 {
    must(r.store_for_tests().balance(account).await)
}

#[track_caller]
fn refused_with<T: std::fmt::Debug>(result: Result<T, RegistryError>, code: &str) {
    match result {
        Err(e) => assert_eq!(e.code().as_str(), code, "{e}"),
        Ok(v) => panic!("expected {code}, got {v:?}"),
    }
}

async fn verified(r: &Registry) {
    let check = must(r.verify_registry().await);
    let failures: Vec<String> = check
        .checks
        .iter()
        .flat_map(|c| c.failures.iter().map(move |f| format!("{} {f:?}", c.name)))
        .collect();
    assert!(check.ok, "{failures:#?}");
}

/// The city-invested project approved, started and advanced `advance_m2` on 2019-08-05.
async fn advance_city_invested(r: &Registry, advance_m2: i64) {
    let county = who("区局经办人@511702");
    must(
        r.as_principal(&who("省厅经办人@510000"))
            .project_action(CITY_INVESTED, ProjectAction::Approve, d(2019, 8, 1), "立项")
            .await,
    );
    must(
        r.as_principal(&county)
            .project_action(CITY_INVESTED, ProjectAction::Start, d(2019, 8, 2), "实施")
            .await,
    );
    must(
        r.as_principal(&who("市局经办人@511700"))
            .post(
                Operation::Advance {
                    project: CITY_INVESTED.into(),
                    amount_m2: advance_m2,
                },
                "test:advance",
                "预支",
                d(2019, 8, 5),
            )
            .await,
    );
}

/// The city-invested project advanced `advance_m2`, then accepted with `confirmed_m2` of
/// surplus (applied 2020-03-01, accepted 2020-04-01).
async fn accept_city_invested(r: &Registry, advance_m2: i64, confirmed_m2: i64) {
    advance_city_invested(r, advance_m2).await;
    let figures = AcceptanceFigures {
        reclaimed_m2: confirmed_m2 + 1_890,
        resettlement_m2: 1_890,
        reclaimed_farmland_m2: confirmed_m2 + 1_890,
        resettlement_farmland_m2: 0,
    };
    must(
        r.as_principal(&who("区局经办人@511702"))
            .apply_acceptance(CITY_INVESTED, figures, None, d(2020, 3, 1), "申请验收")
            .await,
    );
    must(
        r.as_principal(&who("市局经办人@511700"))
            .project_action(
                CITY_INVESTED,
                ProjectAction::Accept,
                d(2020, 4, 1),
                "验收合格",
            )
            .await,
    );
}

/// 二(四)/二(三): quota advanced before acceptance may be used in the county (a land supply)
/// but not listed, in the ledger or on the market; the county repays an advance from quota it
/// holds, the project's own advanced quota first; the city may not spend a county's quota for
/// it, another county does not see the project, and nobody repays more than is owed.
#[tokio::test]
async fn advanced_quota_stays_local_and_the_county_repays_it() {
    let demo = demo().await;
    let r = &demo.registry;
    advance_city_invested(r, 10_000).await;
    let door = r.as_principal(&who("区局经办人@511702"));
    let scope = must(door.read_scope().await);
    let lots = must(door.open_lots(&scope, &holding("511702")).await);
    let confirmed: i64 = lots.iter().filter(|l| !l.advanced).map(|l| l.size()).sum();
    let advanced: i64 = lots
        .iter()
        .filter(|l| l.advanced && l.project == CITY_INVESTED)
        .map(|l| l.size())
        .sum();
    assert_eq!(advanced, 10_000, "{lots:?}");

    refused_with(
        door.post(
            Operation::List {
                division: code("511702"),
                listing: "SC-TEST-1".into(),
                amount_m2: confirmed + 1,
            },
            "test:list",
            "挂牌",
            d(2019, 8, 10),
        )
        .await,
        "advanced_quota_local_only",
    );
    refused_with(
        door.publish_listing(
            &NewListing {
                amount_m2: confirmed + 1,
                reserve_price_fen_per_mu: 30_000_000,
                opens_on: d(2019, 8, 10),
                closes_on: d(2019, 10, 10),
                contact: "通川区国土资源分局".into(),
            },
            d(2019, 8, 10),
            "test:publish",
        )
        .await,
        "advanced_quota_local_only",
    );
    // A land supply in the county may use it.
    must(
        door.record_land_supply(
            "511702-GD-2019-09",
            &code("511702"),
            "北山镇安置配套",
            LandUse::Public,
            2_000,
            Backing::SurplusQuota,
            d(2019, 8, 9),
            "本地使用预支指标",
        )
        .await,
    );

    let repay = |amount_m2| Operation::Repay {
        project: CITY_INVESTED.into(),
        amount_m2,
    };
    refused_with(
        r.as_principal(&who("市局经办人@511700"))
            .post(repay(1), "test:repay-city", "归还", d(2019, 8, 10))
            .await,
        "forbidden",
    );
    refused_with(
        r.as_principal(&who("县局经办人@511722"))
            .post(repay(1), "test:repay-other", "归还", d(2019, 8, 10))
            .await,
        "not_found",
    );
    let owed = -balance(r, &advance_account(CITY_INVESTED)).await;
    assert_eq!(owed, 10_000);
    refused_with(
        door.post(repay(owed + 1), "test:repay-over", "归还", d(2019, 8, 10))
            .await,
        "repay_exceeds_advance",
    );
    let before = balance(r, &holding("511702")).await;
    let entry = must(
        door.post(repay(1_000), "test:repay", "以预支指标归还", d(2019, 8, 10))
            .await,
    );
    assert_eq!(entry.operation.kind(), "repay");
    assert_eq!(balance(r, &holding("511702")).await, before - 1_000);
    assert_eq!(
        -balance(r, &advance_account(CITY_INVESTED)).await,
        owed - 1_000
    );
    // The project's own advanced quota went back, and nothing else.
    let consumed = must(door.lots_consumed_by(&scope, &entry).await);
    assert!(
        !consumed.is_empty()
            && consumed
                .iter()
                .all(|l| l.lot.advanced && l.lot.project == CITY_INVESTED),
        "{consumed:?}"
    );
    verified(r).await;
}

/// 二(六) on the whole confirmed surplus, the boundary example: a 40 % city share of
/// 58 110 m² with 10 000 m² advanced gives the city 23 244 m²; the county holds the rest,
/// its advance included, and owes nothing.
#[tokio::test]
async fn the_split_applies_to_the_whole_confirmed_surplus() {
    let demo = demo().await;
    let r = &demo.registry;
    let city_before = balance(r, &holding("511700")).await;
    let county_before = balance(r, &holding("511702")).await;
    accept_city_invested(r, 10_000, 58_110).await;
    assert_eq!(balance(r, &holding("511700")).await - city_before, 23_244);
    assert_eq!(
        balance(r, &holding("511702")).await - county_before,
        58_110 - 23_244
    );
    assert_eq!(balance(r, &advance_account(CITY_INVESTED)).await, 0);
    let owed: Vec<serde_json::Value> = must(r.auditor().obligations().await)
        .into_iter()
        .filter(|o| o["project"] == CITY_INVESTED)
        .collect();
    assert!(owed.is_empty(), "{owed:?}");
    // The advanced quota, settled by the issue, is confirmed: it may go to the market.
    let lots = must(r.store_for_tests().open_lots(&holding("511702")).await);
    assert!(lots.iter().all(|l| !l.advanced), "{lots:?}");
    verified(r).await;
}

/// An advance larger than the county's part is settled from the city's part too, and the
/// county owes the city the difference: a recorded obligation that `verify` rebuilds from the
/// issue entry (and names when it is edited).
#[tokio::test]
async fn an_advance_beyond_the_county_part_is_owed_to_the_city() {
    let demo = demo().await;
    let r = &demo.registry;
    let city_before = balance(r, &holding("511700")).await;
    // 20 000 confirmed at 40 %: city 8 000, county 12 000; 15 000 advanced.
    accept_city_invested(r, 15_000, 20_000).await;
    assert_eq!(balance(r, &holding("511700")).await - city_before, 5_000);
    assert_eq!(balance(r, &advance_account(CITY_INVESTED)).await, 0);
    let owed: Vec<serde_json::Value> = must(
        r.as_principal(&who("市局经办人@511700"))
            .obligations()
            .await,
    )
    .into_iter()
    .filter(|o| o["project"] == CITY_INVESTED)
    .collect();
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["kind"], "quota_owed_to_city");
    assert_eq!(owed[0]["amount_m2"], 3_000);
    assert_eq!(owed[0]["county"], "511702");
    verified(r).await;
    let key = owed[0]["key"].as_str().unwrap_or_default().to_owned();
    must(
        sqlx::query("UPDATE obligations SET amount_m2 = 2000 WHERE key = $1")
            .bind(&key)
            .execute(r.store_for_tests().pool())
            .await,
    );
    let check = must(r.verify_registry().await);
    assert!(!check.ok);
    assert!(
        check.checks.iter().any(|c| c
            .failures
            .iter()
            .any(|f| f.table == "obligations" && f.row == key)),
        "{check:?}"
    );
}

/// A shortfall found at acceptance (confirmed < advanced) is overdue only from the advance's
/// own due date (二(四)); repaid before then from quota the county holds, it is not sanctioned.
#[tokio::test]
async fn a_shortfall_is_overdue_from_the_advance_due_date_unless_repaid() {
    let demo = demo().await;
    let r = &demo.registry;
    // 15 000 advanced, 10 000 confirmed (40 %: the county's 6 000 and the city's 4 000 settle
    // 10 000): 5 000 still owed.
    accept_city_invested(r, 15_000, 10_000).await;
    assert_eq!(balance(r, &advance_account(CITY_INVESTED)).await, -5_000);
    let due = must(advance_due(&r.profile, d(2019, 8, 5)).ok_or("no due date"));
    let city = r.as_principal(&who("市局经办人@511700"));
    let mine = |preview: &guagou_registry::door::ScanPreview| {
        preview
            .would_apply
            .iter()
            .filter(|s| s.project == CITY_INVESTED && s.rule == RuleId::AdvanceRepaid)
            .map(|s| (s.key.clone(), s.amount_m2))
            .collect::<Vec<_>>()
    };
    // Not from the acceptance: nothing on the day after it, nothing on the last valid day.
    assert!(mine(&must(city.scan_preview(d(2020, 4, 2)).await)).is_empty());
    assert!(mine(&must(city.scan_preview(due).await)).is_empty());
    let after = due.succ_opt().unwrap_or(due);
    let charged = mine(&must(city.scan_preview(after).await));
    assert_eq!(charged.len(), 4, "{charged:?}");
    assert!(charged.iter().all(|(_, m2)| *m2 == 0 || *m2 == 5_000));
    // The county repays the shortfall before the due date: nothing is charged.
    must(
        r.as_principal(&who("区局经办人@511702"))
            .post(
                Operation::Repay {
                    project: CITY_INVESTED.into(),
                    amount_m2: 5_000,
                },
                "test:repay-shortfall",
                "以持有指标归还差额",
                d(2020, 5, 1),
            )
            .await,
    );
    assert_eq!(balance(r, &advance_account(CITY_INVESTED)).await, 0);
    assert!(mine(&must(city.scan_preview(after).await)).is_empty());
    verified(r).await;
}
