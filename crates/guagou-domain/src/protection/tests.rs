//! Boundary tests of the screening rules: a touch passes, an overlap at the tolerance passes,
//! one just above fails; severities and "not checked" without a layer.

use super::*;
use crate::check::{PackageFacts, check_package};
use crate::rules::Severity;

fn profile() -> Profile {
    match Profile::dazhou_2017() {
        Ok(p) => p,
        Err(e) => panic!("built-in profile: {e}"),
    }
}

fn parcel(role: ScreenedRole, name: &str, hits: &[f64]) -> ScreenedParcel {
    ScreenedParcel {
        role,
        name: name.into(),
        hits: hits
            .iter()
            .enumerate()
            .map(|(i, a)| LayerHit {
                feature: format!("BSM F{i} 某红线"),
                area_m2: *a,
            })
            .collect(),
    }
}

fn result(results: &[RuleResult], rule: RuleId) -> RuleResult {
    match results.iter().find(|r| r.rule == rule) {
        Some(r) => r.clone(),
        None => panic!("no result for {rule}"),
    }
}

#[test]
fn farmland_overlap_at_the_tolerance_passes_and_just_above_fails() {
    let p = profile();
    let tolerance = p.protection.permanent_farmland_tolerance_m2.value;
    assert_eq!(tolerance, 1);
    let kind = ProtectionKind::PermanentFarmland;
    // A touch lists nothing; 1.4 m² rounds to 1 = the tolerance.
    let ok = screen(
        &p,
        kind,
        &[
            parcel(ScreenedRole::Resettlement, "R1", &[]),
            parcel(ScreenedRole::Resettlement, "R2", &[1.4]),
            parcel(ScreenedRole::Construction, "C1", &[0.9]),
        ],
    );
    assert_eq!(ok.len(), 2);
    assert!(ok.iter().all(|r| r.passed), "{ok:?}");
    let bad = screen(
        &p,
        kind,
        &[
            parcel(ScreenedRole::Resettlement, "R1", &[1.0, 0.6]),
            parcel(ScreenedRole::Construction, "C1", &[250.0]),
        ],
    );
    let r = result(&bad, RuleId::ResettlementNotOnPermanentFarmland);
    assert!(!r.passed && r.blocks());
    assert_eq!(r.measured, Quantity::M2(2));
    assert_eq!(r.limit, Quantity::M2(1));
    assert!(r.message_zh.contains("R1"), "{}", r.message_zh);
    assert!(r.message_zh.contains("BSM F0 某红线"), "{}", r.message_zh);
    assert!(r.message_en.contains("2 m²"), "{}", r.message_en);
    assert!(r.clause.contains("八不准"));
    let c = result(&bad, RuleId::ConstructionNotOnPermanentFarmland);
    assert!(!c.passed);
    assert!(c.message_en.contains("C1") && c.message_en.contains("250 m²"));
}

#[test]
fn redline_rules_read_their_roles_and_the_demolition_one_only_informs() {
    let p = profile();
    let results = screen(
        &p,
        ProtectionKind::EcologicalRedline,
        &[
            parcel(ScreenedRole::Demolition, "D1", &[500.0]),
            parcel(ScreenedRole::Resettlement, "R1", &[]),
            parcel(ScreenedRole::Construction, "C1", &[]),
        ],
    );
    assert_eq!(results.len(), 3);
    assert!(result(&results, RuleId::ResettlementNotInEcologicalRedline).passed);
    assert!(result(&results, RuleId::ConstructionNotInEcologicalRedline).passed);
    let d = result(&results, RuleId::DemolitionInEcologicalRedline);
    assert!(!d.passed);
    assert_eq!(d.severity, Severity::Information);
    assert!(!d.blocks());
    assert!(d.message_zh.contains("生态用地"));
}

#[test]
fn a_site_inside_the_urban_boundary_is_a_warning_and_nan_is_never_passed() {
    let p = profile();
    let results = screen(
        &p,
        ProtectionKind::UrbanBoundary,
        &[parcel(ScreenedRole::Resettlement, "R1", &[f64::NAN])],
    );
    let r = result(&results, RuleId::ResettlementOutsideUrbanBoundary);
    assert!(!r.passed);
    assert_eq!(r.severity, Severity::Warning);
    assert!(!r.blocks());
}

#[test]
fn without_a_layer_its_rules_are_not_checked() {
    let p = profile();
    let day = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let mut facts = PackageFacts::default();
    let report = check_package(&p, &facts, day);
    for kind in ProtectionKind::ALL {
        for rule in kind.rules() {
            assert!(report.not_checked.iter().any(|n| n.rule == rule), "{rule}");
            assert!(!report.results.iter().any(|r| r.rule == rule), "{rule}");
        }
    }
    facts.protection.insert(
        ProtectionKind::UrbanBoundary,
        vec![parcel(ScreenedRole::Resettlement, "R1", &[30.0])],
    );
    let report = check_package(&p, &facts, day);
    let r = result(&report.results, RuleId::ResettlementOutsideUrbanBoundary);
    assert!(!r.passed);
    assert!(
        !report
            .not_checked
            .iter()
            .any(|n| n.rule == RuleId::ResettlementOutsideUrbanBoundary)
    );
    assert_eq!(report.warnings(), 1);
}

#[test]
fn kinds_have_stable_names_and_every_rule_a_tolerance_with_a_source() {
    let p = profile();
    for kind in ProtectionKind::ALL {
        assert_eq!(ProtectionKind::parse(kind.as_str()), Some(kind));
        for rule in kind.rules() {
            let tolerance = tolerance_of(&p, rule);
            assert!(tolerance.is_some_and(|t| !t.clause.is_empty()), "{rule}");
            assert!(crate::rules::title_zh(&p, rule).contains("容差"));
        }
    }
    assert_eq!(ProtectionKind::parse("landuse"), None);
    let mut broken = p.clone();
    broken.protection.urban_boundary_tolerance_m2.value = -1;
    assert!(broken.protection.problem().is_some());
}
