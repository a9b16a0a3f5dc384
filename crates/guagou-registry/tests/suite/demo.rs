//! The demo registry builds through the real use cases and leaves a consistent registry.

use guagou_domain::landclass::LandClassTable;
use guagou_domain::lifecycle::ProjectState;
use guagou_domain::{Profile, RuleId};
use guagou_registry::demo::DemoCalendar;
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry};

#[tokio::test]
async fn demo_has_every_state_and_verifies() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = TestDb::create(&dir.path().join("data"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
    let classes = LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::new(
        store,
        profile,
        classes,
        Box::new(FixedClock("2019-07-15T09:00:00+08:00".into())),
    );
    let summary = registry
        .build_demo(&dir.path().join("packages"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let states: std::collections::BTreeSet<String> =
        summary.projects.iter().map(|(_, s)| s.clone()).collect();
    for state in [
        ProjectState::Draft,
        ProjectState::Submitted,
        ProjectState::Pooled,
        ProjectState::Forwarded,
        ProjectState::Approved,
        ProjectState::Implementing,
        ProjectState::Accepted,
        ProjectState::Terminated,
        ProjectState::AcceptanceApplied,
        ProjectState::Closed,
        ProjectState::Returned,
        ProjectState::Withdrawn,
    ] {
        assert!(
            states.contains(&state.to_string()),
            "{state} missing from {states:?}"
        );
    }
    assert!(
        summary.sanctions >= 4,
        "an overdue advance is sanctioned: {summary:?}"
    );
    assert!(summary.ledger_entries >= 10);
    registry
        .store_for_tests()
        .verify_ledger()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    registry
        .store_for_tests()
        .verify_audit()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ranked = registry
        .as_principal(&registry.operator())
        .rank_pooled(chrono::NaiveDate::from_ymd_opt(2018, 6, 1).unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!ranked.is_empty());
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

/// A registry on an empty database whose clock says `now` (RFC 3339), with a base-layer folder.
async fn registry_at(dir: &std::path::Path, now: &str) -> Registry {
    let store = TestDb::create(&dir.join("data"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut registry = Registry::new(
        store,
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}")),
        LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}")),
        Box::new(FixedClock(now.into())),
    );
    registry.base_dir = Some(dir.join("base"));
    registry
}

/// Issue 14 item 11: the demo built for today (here 2026-12-07) is the story moved by 7 whole
/// years plus its recent steps: every state, deadlines due within weeks and overdue by weeks to
/// months (not years) on its today, codes and listing ids of the moved years, and chains that
/// verify.
#[tokio::test]
async fn the_demo_built_for_today_is_current() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = registry_at(dir.path(), "2026-12-07T09:00:00+08:00").await;
    let today = day(2026, 12, 7);
    let cal = DemoCalendar::for_today(today).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cal.years(), 7);
    let packages = dir.path().join("packages");
    let summary = registry
        .build_demo_on(&packages, &cal)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    registry
        .complete_demo_on(&packages, &cal)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.shifted_years, 7);
    let states: std::collections::BTreeSet<String> =
        summary.projects.iter().map(|(_, s)| s.clone()).collect();
    for state in [
        ProjectState::Draft,
        ProjectState::Submitted,
        ProjectState::Pooled,
        ProjectState::Forwarded,
        ProjectState::Approved,
        ProjectState::Implementing,
        ProjectState::Accepted,
        ProjectState::Terminated,
        ProjectState::AcceptanceApplied,
        ProjectState::Closed,
        ProjectState::Returned,
        ProjectState::Withdrawn,
    ] {
        assert!(
            states.contains(&state.to_string()),
            "{state} missing from {states:?}"
        );
    }
    let codes: Vec<&str> = summary.projects.iter().map(|(c, _)| c.as_str()).collect();
    assert!(codes.contains(&"511722-2025-001"), "{codes:?}");
    assert!(codes.contains(&"511722-2026-003"), "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| !c.contains("-2018-") && !c.contains("-2019-")),
        "{codes:?}"
    );
    let project_toml = std::fs::read_to_string(packages.join("511722-2025-001/project.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        project_toml.contains("potential_survey_date = 2025-03-01"),
        "{project_toml}"
    );

    // Deadlines on the demo's today, read as the dashboard reads them.
    let door = registry.as_principal(&registry.operator());
    let facts = door
        .deadline_facts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dues: Vec<(String, chrono::NaiveDate)> = facts
        .iter()
        .flat_map(|f| {
            guagou_domain::sanctions::open_advances(&registry.profile, f)
                .into_iter()
                .map(|a| (f.code.clone(), a.due))
        })
        .collect();
    assert!(
        dues.iter()
            .any(|(_, due)| *due >= today && (*due - today).num_days() <= 90),
        "an advance falls due within 90 days: {dues:?}"
    );
    assert!(
        dues.iter()
            .any(|(_, due)| *due < today && (today - *due).num_days() < 365),
        "an advance is overdue by less than a year: {dues:?}"
    );
    assert!(
        dues.iter()
            .all(|(_, due)| (today - *due).num_days() < 2 * 365),
        "no advance is overdue by years: {dues:?}"
    );
    let overdue = door
        .overdue_rectifications(today)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        overdue
            .iter()
            .any(|o| o.days_overdue > 0 && o.days_overdue < 60),
        "a finding overdue by weeks: {overdue:?}"
    );
    assert!(
        overdue.iter().all(|o| o.days_overdue < 2 * 365),
        "{overdue:?}"
    );

    // The policy's facts do not move with the story: on 2026-12-07 every county has exited
    // and the transition (摘帽不摘政策, to 2020-12-31) is over, so no pooled project ranks by
    // a poverty county (the real seed data, read as it is).
    let ranked = door
        .rank_pooled(today)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!ranked.is_empty());
    assert!(
        ranked
            .iter()
            .all(|(r, _)| r.parts.county_standing.is_none() && !r.parts.national_poverty_county),
        "{ranked:?}"
    );

    // Every record is dated on or before the demo's today, and the chains verify.
    let check = registry
        .verify_registry()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check.ok, "{:#?}", check.checks);
}

/// The same demo built for the last day before another year's move (the story ends on
/// 2019-12-01, so on 2027-11-30 it moves by 7 years and its today is the story's 2020-11-30): it
/// builds, no write is refused as after today, and the recent steps still give a deadline due
/// within weeks.
#[tokio::test]
async fn the_demo_builds_at_the_far_end_of_a_year() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let today = day(2027, 11, 30);
    let registry = registry_at(dir.path(), "2027-11-30T23:00:00+08:00").await;
    let cal = DemoCalendar::for_today(today).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cal.years(), 7);
    let packages = dir.path().join("packages");
    registry
        .build_demo_on(&packages, &cal)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    registry
        .complete_demo_on(&packages, &cal)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let door = registry.as_principal(&registry.operator());
    let facts = door
        .deadline_facts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        facts.iter().any(|f| {
            guagou_domain::sanctions::open_advances(&registry.profile, f)
                .iter()
                .any(|a| a.due >= today && (a.due - today).num_days() <= 90)
        }),
        "an advance falls due within 90 days"
    );
    let check = registry
        .verify_registry()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check.ok, "{:#?}", check.checks);
}

#[test]
fn the_demo_moves_by_whole_years_up_to_today() {
    let years = |y, m, d| DemoCalendar::for_today(day(y, m, d)).map(|c| c.years());
    assert_eq!(years(2019, 12, 1).ok(), Some(0));
    assert_eq!(years(2026, 11, 30).ok(), Some(6));
    assert_eq!(years(2026, 12, 1).ok(), Some(7));
    assert_eq!(years(2026, 12, 7).ok(), Some(7));
    assert!(years(2019, 11, 30).is_err(), "before the story's end");
    let cal = DemoCalendar::for_today(day(2021, 3, 1)).unwrap_or_else(|e| panic!("{e}"));
    // 29 February of a leap year moved to a common year is the 28th.
    assert_eq!(cal.date(2020, 2, 29).ok(), Some(day(2021, 2, 28)));
    assert_eq!(cal.code("511722-2018-001"), "511722-2019-001");
    assert_eq!(cal.year(2019), 2020);
    assert_eq!(
        DemoCalendar::unshifted().code("511722-2018-001"),
        "511722-2018-001"
    );
}

/// The README's example package (`examples/xuanhan-nanba-pass`, zipped for the upload) passes
/// the registry's pre-check against the demo, on the story's dates and on today's; the failing
/// example's NO_DOUBLE_COUNTING names the demo project it overlaps, its parcel and the area.
#[tokio::test]
async fn the_readme_example_passes_against_the_demo() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let pass = guagou_registry::packages::zip_folder(&examples.join("xuanhan-nanba-pass"))
        .unwrap_or_else(|e| panic!("{e}"));
    let fails = guagou_registry::packages::zip_folder(&examples.join("dachuan-fails"))
        .unwrap_or_else(|e| panic!("{e}"));
    for (cal, as_of) in [
        (DemoCalendar::unshifted(), day(2018, 6, 1)),
        (
            DemoCalendar::for_today(day(2026, 12, 7)).unwrap_or_else(|e| panic!("{e}")),
            day(2026, 12, 7),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let registry = registry_at(dir.path(), "2026-12-07T09:00:00+08:00").await;
        registry
            .build_demo_on(&dir.path().join("packages"), &cal)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let xuanhan = Actor::parse("县局经办人@511722").unwrap_or_else(|e| panic!("{e}"));
        let found = registry
            .as_principal(&xuanhan)
            .precheck_zip("xuanhan-nanba-pass.zip", &pass, None, as_of)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let failed: Vec<String> = found
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| format!("{}: {}", r.rule, r.message_en))
            .collect();
        assert!(failed.is_empty(), "{:?}: {failed:#?}", cal.years());
        assert_eq!(found.blocking, 0);

        let dachuan = Actor::parse("区局经办人@511703").unwrap_or_else(|e| panic!("{e}"));
        let found = registry
            .as_principal(&dachuan)
            .precheck_zip("dachuan-fails.zip", &fails, None, as_of)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let double = found
            .results
            .iter()
            .find(|r| r.rule == RuleId::NoDoubleCounting)
            .unwrap_or_else(|| panic!("no NO_DOUBLE_COUNTING in {:?}", found.results));
        assert!(!double.passed);
        let demo_project = cal.code("511703-2019-001");
        assert!(
            double.message_zh.contains(&demo_project) && double.message_zh.contains("重叠"),
            "{}",
            double.message_zh
        );
        assert!(
            double.subjects.iter().any(|s| s
                .detail_en
                .as_deref()
                .is_some_and(|d| d.contains(&demo_project))),
            "{:?}",
            double.subjects
        );
    }
}
