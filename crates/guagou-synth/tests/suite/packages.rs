//! Every generated package reads and checks, and the verdicts match answers.json.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use guagou_check::measure::CheckOutcome;
use guagou_check::package::Package;
use guagou_check::{CheckInputs, run_check};
use guagou_domain::landclass::LandClassTable;
use guagou_domain::{Profile, RuleId};
use guagou_geo::Crs;

use crate::common::{answers, relative, shared};

fn profile() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policy/dazhou-2017.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    Profile::from_toml(&path.display().to_string(), &text).unwrap()
}

fn check(
    dir: &Path,
    package: &Path,
    others: Vec<PathBuf>,
    townships: bool,
    as_of: NaiveDate,
) -> CheckOutcome {
    let plane = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    };
    let townships = if townships {
        guagou_check::township::read_boundaries(&dir.join("townships.geojson"), None, plane)
            .unwrap()
    } else {
        Vec::new()
    };
    run_check(&CheckInputs {
        package_dir: package.to_path_buf(),
        profile: profile(),
        land_classes: LandClassTable::gbt21010().unwrap(),
        base_layer: Some(dir.join("landuse.shp")),
        base_class_field: None,
        reclaimed_layer: None,
        others,
        other_projects: Vec::new(),
        townships,
        as_of,
    })
    .unwrap_or_else(|e| panic!("{}: {e}", package.display()))
}

fn result(outcome: &CheckOutcome, rule: &str) -> Option<guagou_domain::check::RuleResult> {
    let rule = RuleId::parse(rule).unwrap();
    outcome
        .report
        .results
        .iter()
        .find(|r| r.rule == rule)
        .cloned()
}

#[test]
fn known_answer_packages_check_as_expected() {
    let dir = shared();
    let answers = answers(dir);
    // The shared county (seed 7) has room for case a's 5 ha: it passes every rule.
    assert_eq!(
        answers["projects"][0]["rules"]["DEMOLITION_AREA_RANGE"]["passed"],
        true
    );
    let as_of = NaiveDate::parse_from_str(answers["as_of"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    for project in answers["projects"].as_array().unwrap() {
        let case = project["case"].as_str().unwrap();
        let folder = dir.join(project["dir"].as_str().unwrap());
        let package = Package::read(&folder).unwrap();
        assert_eq!(package.code, project["code"].as_str().unwrap());
        let others = project["others"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| dir.join(o.as_str().unwrap()))
            .collect();
        let use_townships = project["use_townships"].as_bool().unwrap();
        let outcome = check(dir, &folder, others, use_townships, as_of);
        for (rule, expected) in project["rules"].as_object().unwrap() {
            let found =
                result(&outcome, rule).unwrap_or_else(|| panic!("case {case}: {rule} not run"));
            assert_eq!(
                found.passed,
                expected["passed"].as_bool().unwrap(),
                "case {case} {rule}: {}",
                found.message_en
            );
        }
        // The construction share as measured.
        let share = result(&outcome, "DEMOLITION_IS_CONSTRUCTION_LAND").unwrap();
        let want = &project["rules"]["DEMOLITION_IS_CONSTRUCTION_LAND"];
        if let guagou_domain::check::Quantity::Share(measured) = share.measured {
            let tolerance = want["tolerance"].as_f64().unwrap_or(1e-6);
            assert!(
                (measured - want["measured"].as_f64().unwrap()).abs() <= tolerance,
                "case {case}: share {measured}"
            );
        } else {
            panic!("case {case}: share not measured");
        }
        match case {
            "a" => assert!(
                outcome.report.passed() && outcome.report.warnings() == 0
                    || !project["rules"]["DEMOLITION_AREA_RANGE"]["passed"]
                        .as_bool()
                        .unwrap(),
                "case a should pass every rule: {:?}",
                outcome
                    .report
                    .results
                    .iter()
                    .filter(|r| !r.passed)
                    .map(|r| &r.message_en)
                    .collect::<Vec<_>>()
            ),
            "b" => {
                assert!(!share.passed);
                assert_eq!(share.measured, guagou_domain::check::Quantity::Share(0.0));
            }
            "h" => {
                let parcel = &outcome.parcels[0];
                let located = parcel.located.as_ref().unwrap();
                let expected = project["parcels"][0]["townships_m2"].as_object().unwrap();
                assert_eq!(located.shares.len(), 2);
                for share in &located.shares {
                    let want = expected[&share.township].as_f64().unwrap();
                    assert!(relative(share.area_m2, want) < 1e-6);
                }
            }
            "i" => {
                let double = result(&outcome, "NO_DOUBLE_COUNTING").unwrap();
                let want = project["overlaps"][0]["area_m2"].as_f64().unwrap();
                assert!(
                    double.message_en.contains(&format!("{want:.2}")),
                    "{}",
                    double.message_en
                );
            }
            "j" => {
                let adjacent = result(&outcome, "RESETTLEMENT_ADJACENT").unwrap();
                let want = project["resettlement_distance_m"].as_f64().unwrap();
                assert!(want > 1_000.0);
                match adjacent.measured {
                    guagou_domain::check::Quantity::M(found) => {
                        assert!((found - want).abs() < 1e-6, "{found} vs {want}")
                    }
                    other => panic!("{other:?}"),
                }
            }
            _ => {}
        }
    }
}

#[test]
fn benchmark_package_reads_and_checks() {
    let dir = shared();
    let answers = answers(dir);
    let bench = &answers["bench"];
    let folder = dir.join(bench["dir"].as_str().unwrap());
    let package = Package::read(&folder).unwrap();
    assert_eq!(package.households.as_ref().unwrap().len(), 60);
    let outcome = check(
        dir,
        &folder,
        Vec::new(),
        true,
        NaiveDate::from_ymd_opt(2020, 6, 30).unwrap(),
    );
    let demolition: Vec<_> = outcome
        .parcels
        .iter()
        .filter(|p| p.role == guagou_check::package::ParcelRole::Demolition)
        .collect();
    assert_eq!(demolition.len(), 60);
    let total: f64 = demolition.iter().map(|p| p.planar_m2).sum();
    assert!(relative(total, bench["demolition_area_m2"].as_f64().unwrap()) < 1e-9);
    let township = bench["township"].as_str().unwrap();
    for parcel in &demolition {
        assert!(
            (200.0 * 0.7..=2_300.0).contains(&parcel.planar_m2),
            "{}",
            parcel.planar_m2
        );
        let located = parcel.located.as_ref().unwrap();
        assert_eq!(located.shares.len(), 1);
        assert_eq!(located.shares[0].township, township);
    }
    // Parcels straddle cell boundaries: each overlaps several land-use polygons.
    let shares = result(&outcome, "DEMOLITION_IS_CONSTRUCTION_LAND").unwrap();
    assert!(shares.rule == RuleId::DemolitionIsConstructionLand);
    let double = result(&outcome, "SURVEY_DONE").unwrap();
    assert!(double.passed);
}

#[test]
fn benchmark_parcels_straddle_several_cells() {
    let dir = shared();
    let layer = guagou_geo::formats::read_parcels(&dir.join("landuse.shp")).unwrap();
    let planes: Vec<_> = layer.parcels.iter().map(|p| p.geometry.clone()).collect();
    let bench = guagou_geo::formats::read_parcels(&dir.join("bench/demolition.geojson")).unwrap();
    let parcels: Vec<_> = bench.parcels.iter().map(|p| p.geometry.clone()).collect();
    let hits = guagou_geo::overlay::overlaps(&parcels, &planes, 1e-3);
    for i in 0..parcels.len() {
        let count = hits.iter().filter(|h| h.left == i).count();
        assert!(
            (1..=6).contains(&count),
            "parcel {i} overlaps {count} polygons"
        );
    }
    let mean = hits.len() as f64 / parcels.len() as f64;
    assert!(mean > 2.5, "mean {mean} polygons per parcel");
}
