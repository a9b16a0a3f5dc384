//! Township assignment by location, with known answers: parcels inside one township, split
//! across a line, slivers below the tolerance, touching edges, multi-part parcels, holes,
//! declared-vs-located disagreements, parcels outside every boundary, and no boundaries.

use std::path::Path;

use chrono::NaiveDate;
use geo::{LineString, MultiPolygon, Polygon};
use guagou_check::measure::CheckOutcome;
use guagou_check::township::{TownshipBoundary, boundary_from_geojson, read_boundaries};
use guagou_check::{CheckInputs, run_check};
use guagou_domain::check::RuleResult;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::{DivisionCode, Profile, RuleId};
use guagou_geo::Crs;

const A: &str = "511722104";
const B: &str = "511722105";
const X0: f64 = 500_000.0;
const Y0: f64 = 3_500_000.0;
const PLANE: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: false,
};

trait Must<T> {
    fn must(self) -> T;
}
impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// A ring for the box [x0, x1] × [y0, y1] (offsets from X0, Y0).
fn ring(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    vec![
        [X0 + x0, Y0 + y0],
        [X0 + x1, Y0 + y0],
        [X0 + x1, Y0 + y1],
        [X0 + x0, Y0 + y1],
        [X0 + x0, Y0 + y0],
    ]
}

fn boxed(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    let coords: Vec<(f64, f64)> = ring(x0, y0, x1, y1)
        .into_iter()
        .map(|[x, y]| (x, y))
        .collect();
    MultiPolygon(vec![Polygon::new(LineString::from(coords), vec![])])
}

/// Township A is [0, 1000] × [0, 1000], B is [1000, 2000] × [0, 1000]: they share x = 1000.
fn townships() -> Vec<TownshipBoundary> {
    vec![
        TownshipBoundary {
            code: DivisionCode::parse(A).must(),
            plane: boxed(0.0, 0.0, 1000.0, 1000.0),
        },
        TownshipBoundary {
            code: DivisionCode::parse(B).must(),
            plane: boxed(1000.0, 0.0, 2000.0, 1000.0),
        },
    ]
}

/// One demolition parcel: polygons of rings (exterior first), optional attributes.
struct Feature {
    name: &'static str,
    polygons: Vec<Vec<Vec<[f64; 2]>>>,
    township_attr: Option<&'static str>,
}

fn feature(name: &'static str, polygons: Vec<Vec<Vec<[f64; 2]>>>) -> Feature {
    Feature {
        name,
        polygons,
        township_attr: None,
    }
}

/// Writes a package whose demolition parcels are `features` (GeoJSON in EPSG:4545, the plane
/// of zone 36) and `township_field = "XZ"`; no township is declared in project.toml.
fn write_package(dir: &Path, features: &[Feature]) {
    let features: Vec<serde_json::Value> = features
        .iter()
        .map(|f| {
            let mut properties = serde_json::json!({ "name": f.name });
            if let Some(code) = f.township_attr {
                properties["XZ"] = serde_json::json!(code);
            }
            serde_json::json!({
                "type": "Feature",
                "properties": properties,
                "geometry": { "type": "MultiPolygon", "coordinates": f.polygons },
            })
        })
        .collect();
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    std::fs::write(dir.join("demolition.geojson"), collection.to_string()).must();
    std::fs::write(
        dir.join("project.toml"),
        "format = 1\n\n[project]\ncode = \"511722-2018-900\"\nname = \"测试\"\ncounty = \"511722\"\n\n\
         [[parcels]]\nfile = \"demolition.geojson\"\nrole = \"demolition\"\ntownship_field = \"XZ\"\n",
    )
    .must();
}

fn check(features: &[Feature], boundaries: Vec<TownshipBoundary>) -> CheckOutcome {
    let dir = tempfile::tempdir().must();
    write_package(dir.path(), features);
    let inputs = CheckInputs {
        package_dir: dir.path().to_path_buf(),
        profile: Profile::dazhou_2017().must(),
        land_classes: LandClassTable::gbt21010().must(),
        base_layer: None,
        reclaimed_layer: None,
        base_class_field: None,
        others: Vec::new(),
        other_projects: Vec::new(),
        townships: boundaries,
        as_of: NaiveDate::from_ymd_opt(2018, 6, 1).unwrap_or_default(),
    };
    run_check(&inputs).must()
}

fn township_rule(outcome: &CheckOutcome) -> &RuleResult {
    match outcome
        .report
        .results
        .iter()
        .find(|r| r.rule == RuleId::DemolitionSingleTownship)
    {
        Some(r) => r,
        None => panic!("DEMOLITION_SINGLE_TOWNSHIP missing"),
    }
}

fn warnings(outcome: &CheckOutcome, code: &str) -> Vec<String> {
    outcome
        .warnings
        .iter()
        .filter(|w| w.code == code)
        .map(|w| format!("{} / {}", w.message_zh, w.message_en))
        .collect()
}

/// (township, area rounded to 0.1 m²) of a parcel.
fn shares(outcome: &CheckOutcome, name: &str) -> Vec<(String, f64)> {
    let Some(parcel) = outcome.parcels.iter().find(|p| p.name == name) else {
        panic!("no parcel {name}");
    };
    let Some(located) = &parcel.located else {
        panic!("{name} not located");
    };
    located
        .shares
        .iter()
        .map(|s| (s.township.clone(), (s.area_m2 * 10.0).round() / 10.0))
        .collect()
}

fn township_of(outcome: &CheckOutcome, name: &str) -> Option<String> {
    outcome
        .parcels
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.township.clone())
}

#[test]
fn parcel_fully_inside_one_township() {
    let outcome = check(
        &[feature("P1", vec![vec![ring(100.0, 100.0, 200.0, 200.0)]])],
        townships(),
    );
    assert_eq!(shares(&outcome, "P1"), vec![(A.to_owned(), 10_000.0)]);
    assert_eq!(township_of(&outcome, "P1").as_deref(), Some(A));
    let rule = township_rule(&outcome);
    assert!(rule.passed, "{rule:?}");
    assert!(warnings(&outcome, "township_crossing").is_empty());
    assert!(warnings(&outcome, "township_outside").is_empty());
}

#[test]
fn parcel_split_60_40_crosses_and_counts_both_townships() {
    // 100 × 100 from x = 940 to 1040: 6000 m² in A, 4000 m² in B.
    let outcome = check(
        &[
            feature("P1", vec![vec![ring(100.0, 100.0, 200.0, 200.0)]]),
            feature("P2", vec![vec![ring(940.0, 100.0, 1040.0, 200.0)]]),
        ],
        townships(),
    );
    assert_eq!(
        shares(&outcome, "P2"),
        vec![(A.to_owned(), 6_000.0), (B.to_owned(), 4_000.0)]
    );
    // The largest part decides the parcel's township for display and storage.
    assert_eq!(township_of(&outcome, "P2").as_deref(), Some(A));
    let crossing = warnings(&outcome, "township_crossing");
    assert_eq!(crossing.len(), 1, "{crossing:?}");
    assert!(crossing[0].contains("P2"), "{crossing:?}");
    assert!(
        crossing[0].contains(&format!("{A} 6000 m²")),
        "{crossing:?}"
    );
    assert!(
        crossing[0].contains(&format!("{B} 4000 m²")),
        "{crossing:?}"
    );

    let rule = township_rule(&outcome);
    assert!(
        !rule.passed,
        "a parcel in two townships breaks the rule: {rule:?}"
    );
    assert_eq!(rule.measured, guagou_domain::check::Quantity::Count(2));
    let ids: Vec<&str> = rule.subjects.iter().map(|s| s.id.as_str()).collect();
    assert!(
        ids.contains(&A) && ids.contains(&B) && ids.contains(&"P2"),
        "{ids:?}"
    );
    let parcel = rule.subjects.iter().find(|s| s.id == "P2");
    let detail = parcel.and_then(|s| s.detail_en.clone()).unwrap_or_default();
    assert!(
        detail.contains("6000 m²") && detail.contains("4000 m²"),
        "{detail}"
    );
    assert!(
        rule.message_zh.contains("P2（4000 m²）"),
        "{}",
        rule.message_zh
    );
}

#[test]
fn sliver_below_tolerance_is_not_a_crossing() {
    // 0.05 m over the line on a 100 m edge: 5 m² in B, below 0.1 % of 10 000 m² (10 m²).
    let outcome = check(
        &[feature(
            "P1",
            vec![vec![ring(900.05, 100.0, 1000.05, 200.0)]],
        )],
        townships(),
    );
    assert_eq!(shares(&outcome, "P1"), vec![(A.to_owned(), 9_995.0)]);
    assert!(warnings(&outcome, "township_crossing").is_empty());
    assert!(
        warnings(&outcome, "township_outside").is_empty(),
        "the sliver is inside B, not outside"
    );
    assert!(township_rule(&outcome).passed);
}

#[test]
fn above_tolerance_just_over_the_line_is_a_crossing() {
    // 0.2 m over: 20 m² in B, above the 10 m² tolerance.
    let outcome = check(
        &[feature("P1", vec![vec![ring(900.2, 100.0, 1000.2, 200.0)]])],
        townships(),
    );
    assert_eq!(
        shares(&outcome, "P1"),
        vec![(A.to_owned(), 9_980.0), (B.to_owned(), 20.0)]
    );
    assert!(!township_rule(&outcome).passed);
}

#[test]
fn touching_boundary_is_not_a_crossing() {
    // The parcel's east edge lies on the A|B line: zero overlap area with B.
    let outcome = check(
        &[feature("P1", vec![vec![ring(900.0, 100.0, 1000.0, 200.0)]])],
        townships(),
    );
    assert_eq!(shares(&outcome, "P1"), vec![(A.to_owned(), 10_000.0)]);
    assert!(warnings(&outcome, "township_crossing").is_empty());
    assert!(township_rule(&outcome).passed);
}

#[test]
fn multi_part_parcel_with_parts_in_both_townships() {
    let outcome = check(
        &[feature(
            "M1",
            vec![
                vec![ring(100.0, 100.0, 200.0, 200.0)],
                vec![ring(1500.0, 100.0, 1550.0, 200.0)],
            ],
        )],
        townships(),
    );
    assert_eq!(
        shares(&outcome, "M1"),
        vec![(A.to_owned(), 10_000.0), (B.to_owned(), 5_000.0)]
    );
    assert_eq!(warnings(&outcome, "township_crossing").len(), 1);
    let rule = township_rule(&outcome);
    assert!(!rule.passed);
    assert_eq!(rule.measured, guagou_domain::check::Quantity::Count(2));
}

#[test]
fn parcel_with_a_hole_counts_only_its_land() {
    // 400 × 200 from x = 800 to 1200 (200 × 200 on each side of the line), with a 100 × 100
    // hole on B's side: A 40 000 m², B 30 000 m².
    let outcome = check(
        &[feature(
            "H1",
            vec![vec![
                ring(800.0, 100.0, 1200.0, 300.0),
                ring(1050.0, 150.0, 1150.0, 250.0)
                    .into_iter()
                    .rev()
                    .collect(),
            ]],
        )],
        townships(),
    );
    assert_eq!(
        shares(&outcome, "H1"),
        vec![(A.to_owned(), 40_000.0), (B.to_owned(), 30_000.0)]
    );
    // A hole straddling the line takes 5000 m² from each side.
    let straddling = check(
        &[feature(
            "H2",
            vec![vec![
                ring(800.0, 100.0, 1200.0, 300.0),
                ring(950.0, 150.0, 1050.0, 250.0)
                    .into_iter()
                    .rev()
                    .collect(),
            ]],
        )],
        townships(),
    );
    assert_eq!(
        shares(&straddling, "H2"),
        vec![(A.to_owned(), 35_000.0), (B.to_owned(), 35_000.0)]
    );
}

#[test]
fn declared_township_disagreeing_with_location_is_a_warning_and_declared_is_used() {
    let mut parcel = feature("P1", vec![vec![ring(100.0, 100.0, 200.0, 200.0)]]);
    parcel.township_attr = Some(B);
    let outcome = check(&[parcel], townships());
    let disagree = warnings(&outcome, "township_disagrees");
    assert_eq!(disagree.len(), 1, "{:?}", outcome.warnings);
    assert!(
        disagree[0].contains(A) && disagree[0].contains(B) && disagree[0].contains("P1"),
        "{disagree:?}"
    );
    // The declared township stays the rule input (and what is stored).
    assert_eq!(township_of(&outcome, "P1").as_deref(), Some(B));
    assert!(township_rule(&outcome).passed);

    // Agreement: no warning.
    let mut parcel = feature("P1", vec![vec![ring(100.0, 100.0, 200.0, 200.0)]]);
    parcel.township_attr = Some(A);
    let outcome = check(&[parcel], townships());
    assert!(warnings(&outcome, "township_disagrees").is_empty());
}

#[test]
fn declared_township_and_a_crossing_count_both() {
    let mut parcel = feature("P2", vec![vec![ring(940.0, 100.0, 1040.0, 200.0)]]);
    parcel.township_attr = Some(A);
    let outcome = check(&[parcel], townships());
    assert!(warnings(&outcome, "township_disagrees").is_empty());
    let rule = township_rule(&outcome);
    assert!(!rule.passed);
    assert_eq!(rule.measured, guagou_domain::check::Quantity::Count(2));
}

#[test]
fn parcel_outside_every_boundary_is_reported() {
    let outcome = check(
        &[feature(
            "P9",
            vec![vec![ring(5000.0, 100.0, 5100.0, 200.0)]],
        )],
        townships(),
    );
    let outside = warnings(&outcome, "township_outside");
    assert_eq!(outside.len(), 1);
    assert!(outside[0].contains("P9"), "{outside:?}");
    assert_eq!(township_of(&outcome, "P9"), None);
    let rule = township_rule(&outcome);
    assert!(!rule.passed, "an unknown township never passes");

    // Partly outside: the part outside is reported with its area.
    let outcome = check(
        &[feature("P8", vec![vec![ring(100.0, 950.0, 200.0, 1050.0)]])],
        townships(),
    );
    let outside = warnings(&outcome, "township_outside");
    assert_eq!(outside.len(), 1);
    assert!(outside[0].contains("5000 m²"), "{outside:?}");
    assert!(township_rule(&outcome).passed);
}

#[test]
fn no_boundaries_leaves_the_attribute_behaviour_unchanged() {
    let outcome = check(
        &[feature("P2", vec![vec![ring(940.0, 100.0, 1040.0, 200.0)]])],
        Vec::new(),
    );
    assert!(outcome.parcels.iter().all(|p| p.located.is_none()));
    assert!(
        outcome
            .warnings
            .iter()
            .all(|w| !w.code.starts_with("township"))
    );
    let rule = township_rule(&outcome);
    assert!(!rule.passed, "no attribute, no boundary: township unknown");
    assert!(
        rule.message_en.contains("township unknown"),
        "{}",
        rule.message_en
    );
}

#[test]
fn boundaries_from_a_file_and_from_stored_lon_lat_agree() {
    let dir = tempfile::tempdir().must();
    let features: Vec<serde_json::Value> = [(A, 0.0), (B, 1000.0)]
        .iter()
        .map(|(code, x)| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "code": code },
                "geometry": { "type": "Polygon", "coordinates": [ring(*x, 0.0, x + 1000.0, 1000.0)] },
            })
        })
        .collect();
    let path = dir.path().join("townships.geojson");
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    std::fs::write(&path, collection.to_string()).must();
    let from_file = read_boundaries(&path, None, PLANE).must();
    assert_eq!(from_file.len(), 2);
    let parcels = [feature("P2", vec![vec![ring(940.0, 100.0, 1040.0, 200.0)]])];
    let outcome = check(&parcels, from_file);
    assert_eq!(
        shares(&outcome, "P2"),
        vec![(A.to_owned(), 6_000.0), (B.to_owned(), 4_000.0)]
    );

    // As the registry stores them: lon/lat GeoJSON, projected back onto the plane.
    let mut stored = Vec::new();
    for boundary in townships() {
        let lon_lat =
            guagou_geo::crs::transform_geometry(&boundary.plane, PLANE, Crs::Geographic).must();
        let rings: Vec<Vec<[f64; 2]>> = lon_lat.0[0]
            .exterior()
            .0
            .iter()
            .map(|c| [c.x, c.y])
            .collect::<Vec<_>>()
            .chunks(usize::MAX)
            .map(<[[f64; 2]]>::to_vec)
            .collect();
        let geojson = serde_json::json!({ "type": "MultiPolygon", "coordinates": [rings] });
        let Some(back) = boundary_from_geojson(boundary.code.as_str(), &geojson, PLANE).must()
        else {
            panic!("a township code must give a boundary");
        };
        stored.push(back);
    }
    let outcome = check(&parcels, stored);
    let got = shares(&outcome, "P2");
    assert_eq!(got.len(), 2);
    assert!(
        (got[0].1 - 6_000.0).abs() < 0.5 && (got[1].1 - 4_000.0).abs() < 0.5,
        "{got:?}"
    );

    // Not a township: ignored; bad coordinates: an error naming the township.
    let polygon = serde_json::json!({ "type": "Polygon", "coordinates": [] });
    assert!(
        boundary_from_geojson("511722", &polygon, PLANE)
            .must()
            .is_none()
    );
    assert!(boundary_from_geojson(A, &polygon, PLANE).is_err());
}
