//! Import a small land-use layer and overlay parcels on it, with answers known by
//! construction: a 3×3 grid of 100 m squares at (500,000 E, 3,500,000 N) on EPSG:4545.
//!
//!   row 2:  0103 | 0702 | 0103
//!   row 1:  0702 | 0702 | 0101
//!   row 0:  0301 | 0702 | 0101      (column 0 at the west)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::{MultiPolygon, Polygon, polygon};
use guagou_base::{ImportOptions, LandUseLayer, Progress, gpkg, import_landuse};
use guagou_domain::landclass::LandClassTable;
use guagou_geo::Crs;

pub(crate) const X0: f64 = 500_000.0;
pub(crate) const Y0: f64 = 3_500_000.0;
pub(crate) const PLANE: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: false,
};
const GRID: [[&str; 3]; 3] = [
    ["0301", "0702", "0101"],
    ["0702", "0702", "0101"],
    ["0103", "0702", "0103"],
];

fn square(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)]
}

fn cell(col: usize, row: usize) -> Polygon<f64> {
    square(
        X0 + 100.0 * col as f64,
        Y0 + 100.0 * row as f64,
        100.0,
        100.0,
    )
}

fn layer_geojson(dir: &Path, class_key: &str, blank_row: Option<usize>) -> PathBuf {
    let mut features = Vec::new();
    for (row, classes) in GRID.iter().enumerate() {
        for (col, class) in classes.iter().enumerate() {
            let ring: Vec<[f64; 2]> = cell(col, row)
                .exterior()
                .0
                .iter()
                .map(|c| [c.x, c.y])
                .collect();
            let code = if blank_row == Some(row * 3 + col) {
                ""
            } else {
                class
            };
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": { class_key: code, "BSM": format!("B{row}{col}"), "ZLDWDM": "511722104201" },
                "geometry": { "type": "Polygon", "coordinates": [ring] },
            }));
        }
    }
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    let path = dir.join("landuse.geojson");
    std::fs::write(&path, collection.to_string()).unwrap();
    path
}

async fn imported(dir: &Path) -> PathBuf {
    let source = layer_geojson(dir, "DLBM", None);
    let target = dir.join("landuse-511722-2019.gpkg");
    let table = LandClassTable::gbt21010().unwrap();
    let mut seen = Vec::new();
    let summary = import_landuse(
        &source,
        &target,
        PLANE,
        &table,
        &ImportOptions::default(),
        &mut |p| seen.push(p),
    )
    .await
    .unwrap();
    assert_eq!(summary.features, 9);
    assert_eq!(summary.class_field, "DLBM");
    assert_eq!(summary.classes["0702"].features, 4);
    assert!((summary.classes["0702"].area_m2 - 40_000.0).abs() < 1e-6);
    assert!(summary.unknown_codes().is_empty());
    assert_eq!(seen.first(), Some(&Progress::Reading));
    assert_eq!(seen.last(), Some(&Progress::Writing { done: 9, total: 9 }));
    assert_eq!(summary.sha256.len(), 64);
    target
}

/// An import with the default options and the built-in class table, progress ignored.
async fn import_default(
    source: &Path,
    target: &Path,
) -> Result<guagou_base::ImportSummary, guagou_geo::GeoError> {
    let table = LandClassTable::gbt21010().unwrap();
    import_landuse(
        source,
        target,
        PLANE,
        &table,
        &ImportOptions::default(),
        &mut |_| {},
    )
    .await
}

fn area_of(classes: &[(String, f64)], code: &str) -> f64 {
    classes
        .iter()
        .find(|(c, _)| c == code)
        .map(|(_, a)| *a)
        .unwrap_or(0.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[tokio::test]
async fn overlay_on_a_stored_layer_gives_the_known_areas() {
    let dir = tempfile::tempdir().unwrap();
    let target = imported(dir.path()).await;
    let mut layer = LandUseLayer::open(&target).await.unwrap();
    assert_eq!(layer.crs, PLANE);

    let parcels: Vec<MultiPolygon<f64>> = vec![
        // 0: exactly the centre cell: all 0702, one feature.
        MultiPolygon::new(vec![cell(1, 1)]),
        // 1: straddles the line between (1,1) 0702 and (2,1) 0101: 30 m × 20 m each side.
        MultiPolygon::new(vec![square(X0 + 170.0, Y0 + 140.0, 60.0, 20.0)]),
        // 2: touches the 0101 column along x = X0+200 from the west: no 0101 at all.
        MultiPolygon::new(vec![square(X0 + 150.0, Y0 + 120.0, 50.0, 50.0)]),
        // 3: the middle row with a hole exactly the centre cell: 0702 west + 0101 east.
        MultiPolygon::new(vec![Polygon::new(
            square(X0, Y0 + 100.0, 300.0, 100.0).exterior().clone(),
            vec![cell(1, 1).exterior().clone()],
        )]),
        // 4: two parts: the SW cell (0301) and the NE cell (0103).
        MultiPolygon::new(vec![cell(0, 0), cell(2, 2)]),
        // 5: the centre cell shifted 1 cm east: slivers of 100 m × 0.01 m into 0101.
        MultiPolygon::new(vec![square(X0 + 100.01, Y0 + 100.0, 100.0, 100.0)]),
        // 6: outside the layer.
        MultiPolygon::new(vec![square(X0 + 1000.0, Y0, 10.0, 10.0)]),
    ];
    let result = layer.overlay(&parcels).await.unwrap();
    assert_eq!(result.len(), parcels.len());

    assert!(close(area_of(&result[0].classes, "0702"), 10_000.0));
    assert_eq!(result[0].classes.len(), 1, "{:?}", result[0]);
    assert_eq!(result[0].features.len(), 1);
    assert_eq!(result[0].features[0].bsm, "B11");

    assert!(close(area_of(&result[1].classes, "0702"), 600.0));
    assert!(close(area_of(&result[1].classes, "0101"), 600.0));
    assert_eq!(result[1].features.len(), 2);

    assert!(close(area_of(&result[2].classes, "0702"), 2_500.0));
    assert_eq!(
        area_of(&result[2].classes, "0101"),
        0.0,
        "a shared edge has no area"
    );

    assert!(close(area_of(&result[3].classes, "0702"), 10_000.0));
    assert!(close(area_of(&result[3].classes, "0101"), 10_000.0));
    assert!(
        result[3].features.iter().all(|f| f.bsm != "B11"),
        "the hole is not counted"
    );

    assert!(close(area_of(&result[4].classes, "0301"), 10_000.0));
    assert!(close(area_of(&result[4].classes, "0103"), 10_000.0));

    assert!((area_of(&result[5].classes, "0101") - 1.0).abs() < 1e-3);
    assert!((area_of(&result[5].classes, "0702") - 9_999.0).abs() < 1e-3);

    assert_eq!(result[6], Default::default());
    layer.close().await.unwrap();
}

#[tokio::test]
async fn the_stored_layer_is_a_geopackage_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let target = imported(dir.path()).await;
    let file = gpkg::read_parcels(&target, None).await.unwrap();
    assert_eq!(file.crs, PLANE);
    assert_eq!(file.parcels.len(), 9);
    let first = &file.parcels[0];
    assert_eq!(first.attributes["dlbm"], "0301");
    assert_eq!(first.attributes["zldwdm"], "511722104201");
    assert_eq!(first.geometry, MultiPolygon::new(vec![cell(0, 0)]));
}

#[tokio::test]
async fn a_stored_layer_imports_again_from_its_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let first = imported(dir.path()).await;
    let second = dir.path().join("again.gpkg");
    let summary = import_default(&first, &second).await.unwrap();
    assert_eq!(summary.features, 9);
    assert_eq!(summary.class_field, "dlbm");
}

#[tokio::test]
async fn bad_sources_are_refused_naming_record_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let table = LandClassTable::gbt21010().unwrap();
    let target = dir.path().join("out.gpkg");

    let no_field = layer_geojson(dir.path(), "LANDCLASS", None);
    let error = import_default(&no_field, &target).await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("DLBM") && text.contains("--class-field"),
        "{text}"
    );
    assert!(!target.exists());

    let options = ImportOptions {
        class_field: Some("LANDCLASS".into()),
        ..ImportOptions::default()
    };
    let summary = import_landuse(&no_field, &target, PLANE, &table, &options, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(summary.features, 9);

    // Again into the same target: refused, the stored layer is untouched.
    let again = import_landuse(&no_field, &target, PLANE, &table, &options, &mut |_| {}).await;
    assert!(again.is_err());
    assert_eq!(
        guagou_base::import::file_sha256(&target).unwrap(),
        summary.sha256
    );

    let blank = layer_geojson(dir.path(), "DLBM", Some(4));
    let error = import_default(&blank, &dir.path().join("b.gpkg"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("B11") || error.contains("#5"), "{error}");
    assert!(error.contains("DLBM"), "{error}");
    assert!(!dir.path().join("b.gpkg").exists());
}

#[tokio::test]
async fn unknown_codes_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let source = layer_geojson(dir.path(), "DLBM", None);
    let text = std::fs::read_to_string(&source)
        .unwrap()
        .replace("\"0301\"", "\"9999\"");
    std::fs::write(&source, text).unwrap();
    let summary = import_default(&source, &dir.path().join("u.gpkg"))
        .await
        .unwrap();
    assert_eq!(summary.unknown_codes(), ["9999"]);
}

/// A layer large enough for a three-level packed R*Tree (22,500 squares of 10 m, classes in a
/// checkerboard of 0702 and 0103): SQLite's `rtreecheck` passes at import (else the import
/// fails), and rectangles overlaid anywhere get exactly the areas computed cell by cell.
#[tokio::test]
async fn a_packed_index_of_many_features_finds_every_overlap() {
    const N: usize = 150;
    const SIDE: f64 = 10.0;
    let dir = tempfile::tempdir().unwrap();
    let mut features = String::new();
    for row in 0..N {
        for col in 0..N {
            let (x, y) = (X0 + col as f64 * SIDE, Y0 + row as f64 * SIDE);
            let class = if (row + col) % 2 == 0 { "0702" } else { "0103" };
            if !features.is_empty() {
                features.push(',');
            }
            features.push_str(&format!(
                r#"{{"type":"Feature","properties":{{"DLBM":"{class}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
                x2 = x + SIDE,
                y2 = y + SIDE,
            ));
        }
    }
    let source = dir.path().join("grid.geojson");
    std::fs::write(
        &source,
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4545"}}}},"features":[{features}]}}"#
        ),
    )
    .unwrap();
    let target = dir.path().join("grid.gpkg");
    let summary = import_default(&source, &target).await.unwrap();
    assert_eq!(summary.features, (N * N) as u64);

    // Rectangles from a fixed sequence, each compared with the cell-by-cell answer.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |max: f64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64 * max
    };
    let mut parcels = Vec::new();
    for _ in 0..60 {
        let (w, h) = (1.0 + next(120.0), 1.0 + next(120.0));
        let (x, y) = (
            X0 + next(N as f64 * SIDE - w),
            Y0 + next(N as f64 * SIDE - h),
        );
        parcels.push(MultiPolygon::new(vec![square(x, y, w, h)]));
    }
    let mut layer = LandUseLayer::open(&target).await.unwrap();
    let result = layer.overlay(&parcels).await.unwrap();
    for (parcel, got) in parcels.iter().zip(&result) {
        let r = geo::BoundingRect::bounding_rect(parcel).unwrap();
        let (mut homestead, mut dry) = (0.0, 0.0);
        for row in 0..N {
            for col in 0..N {
                let (x, y) = (X0 + col as f64 * SIDE, Y0 + row as f64 * SIDE);
                let w = (r.max().x.min(x + SIDE) - r.min().x.max(x)).max(0.0);
                let h = (r.max().y.min(y + SIDE) - r.min().y.max(y)).max(0.0);
                if (row + col) % 2 == 0 {
                    homestead += w * h;
                } else {
                    dry += w * h;
                }
            }
        }
        assert!(
            (area_of(&got.classes, "0702") - homestead).abs() < 1e-6 * homestead.max(1.0),
            "{r:?}"
        );
        assert!(
            (area_of(&got.classes, "0103") - dry).abs() < 1e-6 * dry.max(1.0),
            "{r:?}"
        );
    }
    layer.close().await.unwrap();

    // The check at import is not vacuous: a leaf pointer bent by hand is found.
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    guagou_base::rtree::verify(&mut conn, "rtree_landuse_geom")
        .await
        .unwrap();
    sqlx::query("UPDATE rtree_landuse_geom_rowid SET nodeno = 2 WHERE rowid = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        guagou_base::rtree::verify(&mut conn, "rtree_landuse_geom")
            .await
            .is_err()
    );
}

/// A GeoPackage from elsewhere is validated like every other input: a bow-tie ring stops the
/// import naming the feature, the field and the ring.
#[tokio::test]
async fn geopackage_input_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.gpkg");
    let mut writer = gpkg::GpkgWriter::create(&path, "tbl", PLANE, &["DLBM"])
        .await
        .unwrap();
    writer
        .add(&MultiPolygon::new(vec![cell(0, 0)]), vec!["0702".into()])
        .await
        .unwrap();
    let bow = polygon![(x: X0, y: Y0), (x: X0 + 10.0, y: Y0 + 10.0), (x: X0 + 10.0, y: Y0), (x: X0, y: Y0 + 10.0), (x: X0, y: Y0)];
    writer
        .add(&MultiPolygon::new(vec![bow]), vec!["0103".into()])
        .await
        .unwrap();
    writer.finish("tbl", "test").await.unwrap();
    let error = import_default(&path, &dir.path().join("x.gpkg"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("fid 2"), "{error}");
    assert!(
        error.contains("self_intersection") || error.contains("自相交"),
        "{error}"
    );
}

/// Found by the `geopackage` fuzz target: text that is not UTF-8 in a GeoPackage (here the
/// CRS definition, then an attribute) stops the read with an error naming the table and
/// field, instead of a panic inside the database driver.
#[tokio::test]
async fn text_that_is_not_utf8_is_an_error_not_a_panic() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bytes.gpkg");
    let mut writer = gpkg::GpkgWriter::create(&path, "tbl", PLANE, &["DLBM"])
        .await
        .unwrap();
    writer
        .add(&MultiPolygon::new(vec![cell(0, 0)]), vec!["0702".into()])
        .await
        .unwrap();
    writer.finish("tbl", "test").await.unwrap();
    let url = format!("sqlite://{}", path.display());
    let corrupt = |sql: &'static str| {
        let url = url.clone();
        async move {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    };
    corrupt("UPDATE tbl SET DLBM = CAST(X'30FF3730' AS TEXT)").await;
    let error = gpkg::read_parcels(&path, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("fid 1") && error.contains("DLBM"), "{error}");
    corrupt(
        "UPDATE gpkg_spatial_ref_sys SET organization = 'none', definition = CAST(X'FF' AS TEXT)",
    )
    .await;
    let error = gpkg::read_parcels(&path, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("definition"), "{error}");
}
