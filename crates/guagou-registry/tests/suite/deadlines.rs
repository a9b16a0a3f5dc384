//! Issue 13, items 1–3, through the door on the demo registry: deadlines counted as 民法典
//! arts. 201–203, COMPLETION_DEADLINE only for a project that took an advance, the county's
//! acceptance application stopping the clock (a returned one does not), and extensions of a
//! project without an advance asked by the county and decided by the city, recorded, audited and
//! decided once.

use chrono::NaiveDate;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::Operation;
use guagou_domain::lifecycle::ProjectAction;
use guagou_domain::sanctions::advance_due;
use guagou_domain::{Profile, RuleId};
use guagou_registry::door::ScanPreview;
use guagou_registry::extensions::{ExtensionDecision, ExtensionState};
use guagou_registry::plans::AuditFilter;
use guagou_registry::projects::AcceptanceFigures;
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry, RegistryError};

/// 通川区's project, forwarded in the demo (approved here on 2019-08-01).
const PROJECT: &str = "511702-2019-001";

fn must<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn who(text: &str) -> Actor {
    must(Actor::parse(text))
}

fn county() -> Actor {
    who("区局经办人@511702")
}

fn city() -> Actor {
    who("市局经办人@511700")
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

/// The project approved on 2019-08-01 and started.
async fn approve(r: &Registry) {
    must(
        r.as_principal(&who("省厅经办人@510000"))
            .project_action(PROJECT, ProjectAction::Approve, d(2019, 8, 1), "立项")
            .await,
    );
    must(
        r.as_principal(&county())
            .project_action(PROJECT, ProjectAction::Start, d(2019, 8, 2), "实施")
            .await,
    );
}

async fn advance(r: &Registry, on: NaiveDate) {
    must(
        r.as_principal(&city())
            .post(
                Operation::Advance {
                    project: PROJECT.into(),
                    amount_m2: 10_000,
                },
                "test:advance",
                "预支",
                on,
            )
            .await,
    );
}

async fn apply(r: &Registry, on: NaiveDate) {
    let figures = AcceptanceFigures {
        reclaimed_m2: 40_000,
        resettlement_m2: 1_890,
        reclaimed_farmland_m2: 40_000,
        resettlement_farmland_m2: 0,
    };
    must(
        r.as_principal(&county())
            .apply_acceptance(PROJECT, figures, None, on, "申请验收")
            .await,
    );
}

fn rules_of(preview: &ScanPreview) -> Vec<(RuleId, NaiveDate)> {
    preview
        .would_apply
        .iter()
        .filter(|s| s.project == PROJECT)
        .map(|s| (s.rule, s.overdue_since))
        .collect()
}

async fn preview(r: &Registry, on: NaiveDate) -> Vec<(RuleId, NaiveDate)> {
    rules_of(&must(r.as_principal(&city()).scan_preview(on).await))
}

/// An advance on 2019-08-05 is due on 2020-08-05 (a Wednesday): nothing that day, the
/// sanctions from 2020-08-06. A project that took an advance is sanctioned for completion the
/// day after its three years (2022-08-01, a Monday), and cannot be extended.
#[tokio::test]
async fn an_advance_is_due_on_the_corresponding_day_and_binds_completion() {
    let demo = demo().await;
    let r = &demo.registry;
    approve(r).await;
    advance(r, d(2019, 8, 5)).await;
    assert_eq!(advance_due(&r.profile, d(2019, 8, 5)), Some(d(2020, 8, 5)));
    assert!(preview(r, d(2020, 8, 5)).await.is_empty());
    let due = preview(r, d(2020, 8, 6)).await;
    assert_eq!(due.len(), 4, "{due:?}");
    assert!(
        due.iter()
            .all(|(rule, since)| *rule == RuleId::AdvanceRepaid && *since == d(2020, 8, 6))
    );
    let completion = |v: &[(RuleId, NaiveDate)]| {
        v.iter()
            .filter(|(rule, _)| *rule == RuleId::CompletionDeadline)
            .map(|(_, since)| *since)
            .collect::<Vec<_>>()
    };
    assert!(completion(&preview(r, d(2022, 8, 1)).await).is_empty());
    assert_eq!(
        completion(&preview(r, d(2022, 8, 2)).await),
        [d(2022, 8, 2)]
    );
    let refused = r
        .as_principal(&county())
        .request_extension(PROJECT, d(2023, 6, 30), d(2022, 6, 1), "工程量大")
        .await;
    match refused {
        Err(RegistryError::Rules(results)) => {
            assert_eq!(results[0].rule, RuleId::CompletionDeadline);
            assert!(results[0].message_zh.contains("2022-08-01"), "{results:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(must(r.as_principal(&county()).extensions(PROJECT).await).is_empty());
}

/// A project without an advance never gets COMPLETION_DEADLINE; the county asks for an
/// extension, the city grants it once (a second decision is a state change), the deadline
/// facts carry the new day, and the registry verifies.
#[tokio::test]
async fn a_project_without_an_advance_is_extended_by_a_recorded_decision() {
    let demo = demo().await;
    let r = &demo.registry;
    approve(r).await;
    for day in [d(2022, 8, 2), d(2025, 1, 1)] {
        assert!(preview(r, day).await.is_empty());
    }
    let door = r.as_principal(&county());
    refused_with(
        door.request_extension(PROJECT, d(2022, 8, 1), d(2022, 6, 1), "工程量大")
            .await,
        "invalid",
    );
    refused_with(
        door.request_extension(PROJECT, d(2023, 6, 30), d(2022, 6, 1), " ")
            .await,
        "invalid",
    );
    let asked = must(
        door.request_extension(PROJECT, d(2023, 6, 30), d(2022, 6, 1), "工程量大")
            .await,
    );
    assert_eq!((asked.seq, asked.state), (1, ExtensionState::Requested));
    refused_with(
        door.request_extension(PROJECT, d(2023, 9, 30), d(2022, 6, 2), "再次申请")
            .await,
        "not_allowed",
    );
    // Neither the county that asked nor the province decides; another county cannot see it.
    for other in [county(), who("省厅经办人@510000")] {
        refused_with(
            r.as_principal(&other)
                .decide_extension(PROJECT, 1, ExtensionDecision::Refuse, d(2022, 6, 5), "x")
                .await,
            "forbidden",
        );
    }
    assert!(
        r.as_principal(&who("县局经办人@511722"))
            .extensions(PROJECT)
            .await
            .is_err()
    );
    let city_door = r.as_principal(&city());
    let granted = must(
        city_door
            .decide_extension(
                PROJECT,
                1,
                ExtensionDecision::Grant(d(2023, 3, 31)),
                d(2022, 6, 10),
                "同意延至 2023-03-31",
            )
            .await,
    );
    assert_eq!(granted.state, ExtensionState::Granted);
    assert_eq!(granted.granted_until, Some(d(2023, 3, 31)));
    refused_with(
        city_door
            .decide_extension(
                PROJECT,
                1,
                ExtensionDecision::Refuse,
                d(2022, 6, 10),
                "不同意",
            )
            .await,
        "state_changed",
    );
    let facts = must(must(city_door.project_deadline_facts(PROJECT).await).ok_or("no facts"));
    assert_eq!(facts.extended_to, Some(d(2023, 3, 31)));
    // A later request must go beyond the granted day; refused, it changes nothing.
    let again = must(
        door.request_extension(PROJECT, d(2023, 9, 30), d(2023, 1, 5), "仍未完成")
            .await,
    );
    assert_eq!(again.seq, 2);
    must(
        city_door
            .decide_extension(
                PROJECT,
                2,
                ExtensionDecision::Refuse,
                d(2023, 1, 10),
                "不予延期",
            )
            .await,
    );
    let facts = must(must(city_door.project_deadline_facts(PROJECT).await).ok_or("no facts"));
    assert_eq!(facts.extended_to, Some(d(2023, 3, 31)));
    let list = must(door.extensions(PROJECT).await);
    assert_eq!(
        list.iter().map(|e| e.state).collect::<Vec<_>>(),
        [ExtensionState::Granted, ExtensionState::Refused]
    );
    let filter = AuditFilter {
        action_prefix: "project.extension".into(),
        subject_prefix: PROJECT.into(),
        ..AuditFilter::default()
    };
    let audit = must(r.auditor().audit_log(None, 1_000, &filter).await).0;
    let mut actions: Vec<(u64, &str)> = audit
        .iter()
        .filter(|a| a.subject == PROJECT)
        .map(|a| (a.seq, a.action.as_str()))
        .collect();
    actions.sort();
    assert_eq!(
        actions.iter().map(|(_, a)| *a).collect::<Vec<_>>(),
        [
            "project.extension_request",
            "project.extension_decision",
            "project.extension_request",
            "project.extension_decision"
        ]
    );
    verified(r).await;
}

/// 验收归还 counts from the county's application: applied on the advance's due date, nothing is
/// overdue while the city has not decided; returned, the clock was never stopped.
#[tokio::test]
async fn an_application_in_time_stops_the_clock_until_it_is_returned() {
    let demo = demo().await;
    let r = &demo.registry;
    approve(r).await;
    advance(r, d(2019, 8, 5)).await;
    apply(r, d(2020, 8, 5)).await;
    assert!(preview(r, d(2020, 9, 1)).await.is_empty());
    must(
        r.as_principal(&city())
            .project_action(PROJECT, ProjectAction::Return, d(2020, 9, 1), "材料不全")
            .await,
    );
    let due = preview(r, d(2020, 9, 2)).await;
    assert_eq!(due.len(), 4, "{due:?}");
    assert!(due.iter().all(|(_, since)| *since == d(2020, 8, 6)));
    verified(r).await;
}

/// Applied on the day after the due date: as if there were no application.
#[tokio::test]
async fn an_application_a_day_late_does_not_stop_the_clock() {
    let demo = demo().await;
    let r = &demo.registry;
    approve(r).await;
    advance(r, d(2019, 8, 5)).await;
    apply(r, d(2020, 8, 6)).await;
    let due = preview(r, d(2020, 8, 6)).await;
    assert_eq!(due.len(), 4, "{due:?}");
}

/// Racing requests: two requests of the county at once record one; a grant and a refusal of
/// the city at once decide once (one success, the other `state_changed`), on both databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_extension_requests_and_decisions_take_effect_once() {
    let demo = demo().await;
    let r = std::sync::Arc::new(demo.registry);
    approve(&r).await;
    let requests = {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..4 {
            let r = std::sync::Arc::clone(&r);
            set.spawn(async move {
                r.as_principal(&county())
                    .request_extension(PROJECT, d(2023, 6, 30 - i), d(2022, 6, 1), "工程量大")
                    .await
            });
        }
        set.join_all().await
    };
    assert_eq!(
        requests.iter().filter(|r| r.is_ok()).count(),
        1,
        "{requests:?}"
    );
    let decisions = {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..4 {
            let r = std::sync::Arc::clone(&r);
            set.spawn(async move {
                let decision = if i % 2 == 0 {
                    ExtensionDecision::Grant(d(2023, 3, 31))
                } else {
                    ExtensionDecision::Refuse
                };
                r.as_principal(&city())
                    .decide_extension(PROJECT, 1, decision, d(2022, 6, 10), "决定")
                    .await
            });
        }
        set.join_all().await
    };
    assert_eq!(
        decisions.iter().filter(|r| r.is_ok()).count(),
        1,
        "{decisions:?}"
    );
    for lost in decisions.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(lost.code().as_str(), "state_changed", "{lost}");
    }
    verified(&r).await;
}
