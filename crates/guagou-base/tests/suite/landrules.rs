//! DEMOLITION_IS_CONSTRUCTION_LAND and RECLAIMED_IS_FARMLAND on a stored layer, with the
//! 城镇村属性码 stored per polygon (issue 13, items 8 and 9). A row of 100 m squares at
//! (500,000 E, 3,500,000 N) on EPSG:4545, one class (and attribute) per square; each
//! demolition parcel is exactly one square, so each answer is known by construction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::{MultiPolygon, Polygon, polygon};
use guagou_base::gpkg::GpkgWriter;
use guagou_base::layer::TABLE;
use guagou_base::{ImportOptions, LandUseLayer, import_landuse};
use guagou_check::measure::LandUseRule;
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_geo::Crs;

const X0: f64 = 500_000.0;
const Y0: f64 = 3_500_000.0;
const PLANE: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: false,
};

/// (DLBM, CZCSXM) per square, west to east.
const ROW: [(&str, &str); 10] = [
    ("0702", ""),     // 0: 三调 农村宅基地: counts
    ("0601", "203"),  // 1: 工业用地 in a village: counts
    ("05H1", "203A"), // 2: 商服 in a village (203A): counts
    ("0601", "201"),  // 3: 工业用地 in a city: does not
    ("08H2", ""),     // 4: 科教文卫 without attribute: does not
    ("1003", "203"),  // 5: 公路用地, even in a village: does not
    ("201", ""),      // 6: 二调 城市: does not
    ("072", ""),      // 7: 二调 农村宅基地: counts
    ("203", ""),      // 8: 二调 村庄: counts
    ("1103", ""),     // 9: 水库水面: does not
];

fn square(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)]
}

fn cell(col: usize) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![square(X0 + 100.0 * col as f64, Y0, 100.0, 100.0)])
}

fn ring(polygon: &MultiPolygon<f64>) -> Vec<[f64; 2]> {
    polygon.0[0]
        .exterior()
        .0
        .iter()
        .map(|c| [c.x, c.y])
        .collect()
}

fn write_geojson(dir: &Path, name: &str, features: Vec<serde_json::Value>) -> PathBuf {
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    let path = dir.join(name);
    std::fs::write(&path, collection.to_string()).unwrap();
    path
}

fn profile() -> Profile {
    Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"))
}

fn options(profile: &Profile) -> ImportOptions {
    ImportOptions {
        village_fields: profile.land_use.village_attribute_fields.value.clone(),
        ..ImportOptions::default()
    }
}

async fn import(source: &Path, target: &Path, profile: &Profile) -> guagou_base::ImportSummary {
    let table = LandClassTable::gbt21010().unwrap();
    import_landuse(
        source,
        target,
        PLANE,
        &table,
        &options(profile),
        &mut |_| {},
    )
    .await
    .unwrap()
}

fn parcels(cols: impl IntoIterator<Item = usize>) -> Vec<(String, MultiPolygon<f64>)> {
    cols.into_iter()
        .map(|col| (format!("D{col}"), cell(col)))
        .collect()
}

async fn judge(
    path: &Path,
    rule: LandUseRule,
    parcels: &[(String, MultiPolygon<f64>)],
) -> (
    guagou_domain::check::RuleResult,
    Vec<guagou_base::ParcelLandUse>,
) {
    let table = LandClassTable::gbt21010().unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2020, 6, 1).unwrap();
    let (result, land_use) =
        guagou_base::check::rule_on_layer(&profile(), &table, rule, as_of, path, parcels)
            .await
            .unwrap();
    (result.unwrap(), land_use)
}

fn failing(result: &guagou_domain::check::RuleResult) -> Vec<String> {
    result.subjects.iter().map(|s| s.id.clone()).collect()
}

#[tokio::test]
async fn only_rural_construction_land_counts_and_the_village_attribute_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let features = ROW
        .iter()
        .enumerate()
        .map(|(col, (code, village))| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "DLBM": code, "CZCSXM": village, "BSM": format!("B{col}") },
                "geometry": { "type": "Polygon", "coordinates": [ring(&cell(col))] },
            })
        })
        .collect();
    let source = write_geojson(dir.path(), "landuse.geojson", features);
    let target = dir.path().join("landuse.gpkg");
    let summary = import(&source, &target, &profile()).await;
    assert_eq!(summary.village_field.as_deref(), Some("CZCSXM"));
    // 072 is a known class now: a second-survey homestead is not "unknown".
    assert!(summary.unknown_codes().is_empty(), "{summary:?}");

    let (result, land_use) = judge(
        &target,
        LandUseRule::ConstructionBefore,
        &parcels(0..ROW.len()),
    )
    .await;
    assert!(!result.passed);
    assert_eq!(failing(&result), ["D3", "D4", "D5", "D6", "D9"]);
    assert_eq!(land_use[1].classes[0].0, "0601(203)");
    assert_eq!(land_use[1].features[0].czcsxm, "203");
    assert!(
        result.message_zh.contains("0601(201)"),
        "the message names the class and attribute: {}",
        result.message_zh
    );
    let (result, _) = judge(
        &target,
        LandUseRule::ConstructionBefore,
        &parcels([0, 1, 2, 7, 8]),
    )
    .await;
    assert!(result.passed, "{result:?}");
}

/// A layer written before the 城镇村属性码 was stored (three text columns) still opens and
/// overlays; without the attribute only the classes that count outright count.
#[tokio::test]
async fn a_layer_without_the_attribute_column_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gpkg");
    let mut writer = GpkgWriter::create(&path, TABLE, PLANE, &["dlbm", "bsm", "zldwdm"])
        .await
        .unwrap();
    for (col, (code, _)) in ROW.iter().enumerate() {
        writer
            .add(
                &cell(col),
                vec![(*code).to_owned(), format!("B{col}"), String::new()],
            )
            .await
            .unwrap();
    }
    writer
        .finish("old", "a layer of the old format")
        .await
        .unwrap();
    let layer = LandUseLayer::open(&path).await.unwrap();
    assert!(!layer.has_village_attribute);
    layer.close().await.unwrap();
    let (result, land_use) = judge(
        &path,
        LandUseRule::ConstructionBefore,
        &parcels(0..ROW.len()),
    )
    .await;
    assert_eq!(land_use[1].classes[0].0, "0601");
    assert_eq!(failing(&result), ["D1", "D2", "D3", "D4", "D5", "D6", "D9"]);
}

/// A hilly reclamation: 旱地 with 田坎 and a farm road passes; a parcel that is mostly road
/// does not; the layer's 新增耕地 is 耕地 net of the 田坎 coefficient.
#[tokio::test]
async fn reclaimed_dry_land_with_tiankan_and_farm_road_passes() {
    let dir = tempfile::tempdir().unwrap();
    let strip = |col: usize, y: f64, h: f64| {
        MultiPolygon::new(vec![square(X0 + 100.0 * col as f64, Y0 + y, 100.0, h)])
    };
    // Parcel 0: 75 m 0103, 20 m 1203, 5 m 1006. Parcel 1: 60 m 0103, 40 m 1006.
    // Parcel 2: 94 m 0103 and 6 m of a homestead still standing (0702).
    let pieces = [
        (0, 0.0, 75.0, "0103"),
        (0, 75.0, 20.0, "1203"),
        (0, 95.0, 5.0, "1006"),
        (1, 0.0, 60.0, "0103"),
        (1, 60.0, 40.0, "1006"),
        (2, 0.0, 94.0, "0103"),
        (2, 94.0, 6.0, "0702"),
    ];
    let features = pieces
        .iter()
        .enumerate()
        .map(|(i, (col, y, h, code))| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "DLBM": code, "BSM": format!("R{i}") },
                "geometry": { "type": "Polygon", "coordinates": [ring(&strip(*col, *y, *h))] },
            })
        })
        .collect();
    let source = write_geojson(dir.path(), "reclaimed.geojson", features);
    let target = dir.path().join("reclaimed.gpkg");
    let summary = import(&source, &target, &profile()).await;
    assert_eq!(summary.village_field, None);

    let (result, land_use) = judge(&target, LandUseRule::FarmlandAfter, &parcels([0])).await;
    assert!(result.passed, "{result:?}");
    let profile = profile();
    let table = LandClassTable::gbt21010().unwrap();
    let layer_m2 = profile
        .land_use
        .new_farmland_m2(&table, &land_use[0].classes);
    let expected = 7_500.0 * (1.0 - profile.land_use.tiankan_coefficient.value);
    assert!(
        (layer_m2 - expected).abs() < 1e-3,
        "{layer_m2} vs {expected}"
    );

    // 40 % road: supporting land counts up to 30 %, so 90 % < 95 %.
    let (result, _) = judge(&target, LandUseRule::FarmlandAfter, &parcels([1])).await;
    assert!(!result.passed);
    assert_eq!(failing(&result), ["D1"]);
    // 94 % 旱地 and a standing homestead: below 95 %.
    let (result, _) = judge(&target, LandUseRule::FarmlandAfter, &parcels([2])).await;
    assert!(!result.passed);
    assert!(
        result.message_zh.contains("94.00%"),
        "{}",
        result.message_zh
    );
}
