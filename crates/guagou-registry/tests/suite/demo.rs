//! The demo registry builds through the real use cases and leaves a consistent registry.

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::lifecycle::ProjectState;
use guagou_registry::testing::TestDb;
use guagou_registry::{FixedClock, Registry};

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
