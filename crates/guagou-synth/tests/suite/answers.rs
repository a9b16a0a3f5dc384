//! answers.json agrees with an independent overlay of the parcels on the layer.

use std::collections::BTreeMap;

use guagou_geo::area::planar_area_m2;
use guagou_geo::formats::read_parcels;
use guagou_geo::{Crs, overlay};

use crate::common::{answers, relative, shared};

#[test]
fn expected_class_areas_match_an_overlay_on_the_layer() {
    let dir = shared();
    let answers = answers(dir);
    let layer = read_parcels(&dir.join(answers["layer"].as_str().unwrap())).unwrap();
    let classified: Vec<_> = layer
        .parcels
        .iter()
        .map(|p| (p.geometry.clone(), p.attributes["DLBM"].clone()))
        .collect();
    let projects = answers["projects"].as_array().unwrap();
    let cases: Vec<&str> = projects
        .iter()
        .map(|p| p["case"].as_str().unwrap())
        .collect();
    assert_eq!(cases, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    let mut checked = 0;
    for project in projects {
        let case = project["case"].as_str().unwrap();
        let folder = dir.join(project["dir"].as_str().unwrap());
        for expected in project["parcels"].as_array().unwrap() {
            if expected["role"] != "demolition" {
                continue;
            }
            let file = read_parcels(&folder.join(expected["file"].as_str().unwrap())).unwrap();
            assert_eq!(
                file.crs,
                Crs::GaussKruger {
                    zone: 36,
                    prefixed: false
                }
            );
            let name = expected["name"].as_str().unwrap();
            let parcel = file.parcels.iter().find(|p| p.name == name).unwrap();
            let area = planar_area_m2(&parcel.geometry);
            let expected_area = expected["area_m2"].as_f64().unwrap();
            assert!(
                relative(area, expected_area) < 1e-9,
                "case {case} {name}: area {area} vs {expected_area}"
            );
            let found: BTreeMap<String, f64> =
                overlay::class_areas(std::slice::from_ref(&parcel.geometry), &classified)
                    .remove(0)
                    .into_iter()
                    // Neighbours sharing an edge give at most rounding noise.
                    .filter(|(_, a)| *a > 1e-6)
                    .collect();
            let classes: BTreeMap<String, f64> = expected["classes_m2"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(c, a)| (c.clone(), a.as_f64().unwrap()))
                .collect();
            let tolerance = expected["tolerance_m2"].as_f64().unwrap();
            if tolerance == 0.0 {
                assert_eq!(
                    found.keys().collect::<Vec<_>>(),
                    classes.keys().collect::<Vec<_>>(),
                    "case {case} {name}"
                );
                for (code, want) in &classes {
                    assert!(
                        relative(found[code], *want) < 1e-6,
                        "case {case} {name} {code}: overlay {} vs expected {want}",
                        found[code]
                    );
                }
            } else {
                let mut off = 0.0;
                for code in found.keys().chain(classes.keys()) {
                    off +=
                        (found.get(code).unwrap_or(&0.0) - classes.get(code).unwrap_or(&0.0)).abs();
                }
                // Each code is visited up to twice above.
                assert!(
                    off / 2.0 <= tolerance,
                    "case {case} {name}: off by {off} > {tolerance}"
                );
                assert!(off > 0.0, "case {case}: the sliver overlaps nothing");
                let sum: f64 = found.values().sum();
                assert!(relative(sum, expected_area) < 1e-6);
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked} parcels checked");
}

#[test]
fn layer_class_totals_match_the_layer() {
    let dir = shared();
    let answers = answers(dir);
    let layer = read_parcels(&dir.join("landuse.shp")).unwrap();
    let mut by_class: BTreeMap<String, f64> = BTreeMap::new();
    for parcel in &layer.parcels {
        *by_class
            .entry(parcel.attributes["DLBM"].clone())
            .or_default() += planar_area_m2(&parcel.geometry);
    }
    let expected = answers["layer_classes_m2"].as_object().unwrap();
    assert_eq!(expected.len(), by_class.len());
    for (code, area) in by_class {
        let want = expected[&code].as_f64().unwrap();
        assert!(relative(area, want) < 1e-9, "{code}: {area} vs {want}");
    }
    let extent = &answers["extent"];
    let total: f64 = expected.values().map(|v| v.as_f64().unwrap()).sum();
    assert!(relative(total, extent["area_m2"].as_f64().unwrap()) < 1e-12);
}
