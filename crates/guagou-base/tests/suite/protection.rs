//! Protection layers (三区三线) stored like land-use layers, and the overlay the screening rules
//! read, with answers known by construction: one 100 m square red line at (500,000 E,
//! 3,500,000 N) on EPSG:4545, named 某水源涵养生态保护红线, and a second unnamed one east of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::{MultiPolygon, Polygon, polygon};
use guagou_base::protection::hits_on_layer;
use guagou_base::{ImportOptions, StoredLayer, import_protection};
use guagou_domain::protection::ProtectionKind;
use guagou_geo::Crs;
use guagou_geo::crs::transform_geometry;

use crate::overlay::{PLANE, X0, Y0};

const KIND: ProtectionKind = ProtectionKind::EcologicalRedline;

fn square(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon<f64> {
    let p: Polygon<f64> = polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)];
    MultiPolygon(vec![p])
}

/// The two red-line squares as GeoJSON, on the plane (EPSG:4545) or in CGCS2000 lon/lat.
fn layer_geojson(dir: &Path, geographic: bool) -> PathBuf {
    let features: Vec<serde_json::Value> = [
        (
            square(X0, Y0, 100.0, 100.0),
            "HX01",
            "某水源涵养生态保护红线",
        ),
        (square(X0 + 200.0, Y0, 100.0, 100.0), "HX02", ""),
    ]
    .into_iter()
    .map(|(g, bsm, name)| {
        let g = if geographic {
            transform_geometry(&g, PLANE, Crs::Geographic).unwrap()
        } else {
            g
        };
        let ring: Vec<[f64; 2]> = g.0[0].exterior().0.iter().map(|c| [c.x, c.y]).collect();
        serde_json::json!({
            "type": "Feature",
            "properties": { "BSM": bsm, "MC": name },
            "geometry": { "type": "Polygon", "coordinates": [ring] },
        })
    })
    .collect();
    let crs = if geographic {
        "urn:ogc:def:crs:EPSG::4490"
    } else {
        "urn:ogc:def:crs:EPSG::4545"
    };
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": crs } },
        "features": features,
    });
    let path = dir.join(if geographic {
        "redline-4490.geojson"
    } else {
        "redline.geojson"
    });
    std::fs::write(&path, collection.to_string()).unwrap();
    path
}

/// Parcels at the boundaries: touching the west edge, 1.6 m² inside, 250 m² inside the first
/// square and across into nothing, clear of both.
fn parcels() -> Vec<MultiPolygon<f64>> {
    vec![
        square(X0 - 50.0, Y0, 50.0, 50.0),
        square(X0 - 49.0, Y0 + 10.0, 50.0, 1.6),
        square(X0 + 90.0, Y0 + 50.0, 25.0, 25.0),
        square(X0 + 120.0, Y0 + 120.0, 10.0, 10.0),
    ]
}

/// Imports `source` as a red-line layer at `target`, on the plane, progress ignored.
async fn import(
    source: &Path,
    target: &Path,
) -> Result<guagou_base::ImportSummary, guagou_geo::GeoError> {
    import_protection(
        source,
        target,
        PLANE,
        KIND,
        &ImportOptions::default(),
        &mut |_| {},
    )
    .await
}

/// The overlay of [`parcels`] on the stored layer at `target`, then on its source read whole.
async fn both_ways(
    target: &Path,
    source: &Path,
) -> [Vec<Vec<guagou_domain::protection::LayerHit>>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for (slot, path) in out.iter_mut().zip([target, source]) {
        *slot = hits_on_layer(path, KIND, PLANE, &parcels()).await.unwrap();
    }
    out
}

fn areas(hits: &[Vec<guagou_domain::protection::LayerHit>]) -> Vec<f64> {
    hits.iter()
        .map(|h| h.iter().map(|x| x.area_m2).sum())
        .collect()
}

#[tokio::test]
async fn a_protection_layer_is_stored_indexed_and_read_like_a_land_use_layer() {
    let dir = tempfile::tempdir().unwrap();
    let source = layer_geojson(dir.path(), false);
    let target = dir.path().join("ecological_redline-511722-2022-1.gpkg");
    let summary = import(&source, &target).await.unwrap();
    assert_eq!(summary.features, 2);
    assert_eq!(summary.classes["ecological_redline"].features, 2);
    assert!((summary.classes["ecological_redline"].area_m2 - 20_000.0).abs() < 1e-6);
    assert!(StoredLayer::is_stored_protection(&target).await);
    // A land-use reader refuses it (no `landuse` table), naming the file.
    assert!(guagou_base::LandUseLayer::open(&target).await.is_err());

    for hits in both_ways(&target, &source).await {
        let a = areas(&hits);
        assert_eq!(a[0], 0.0, "a touch is not an overlap");
        assert!(hits[0].is_empty());
        assert!((a[1] - 1.6).abs() < 1e-6, "{a:?}");
        assert!((a[2] - 250.0).abs() < 1e-6, "{a:?}");
        assert!(hits[3].is_empty());
        assert_eq!(hits[2][0].feature, "BSM HX01 某水源涵养生态保护红线");
    }
    // Importing again over the same file is refused; nothing is overwritten.
    let again = import(&source, &target).await;
    assert!(again.is_err());
}

#[tokio::test]
async fn a_layer_in_cgcs2000_lon_lat_gives_the_same_overlaps() {
    let dir = tempfile::tempdir().unwrap();
    let source = layer_geojson(dir.path(), true);
    let target = dir.path().join("ecological_redline-511722-2022-1.gpkg");
    let summary = import(&source, &target).await.unwrap();
    assert!(
        summary.source_crs.contains("4490"),
        "{}",
        summary.source_crs
    );
    for hits in both_ways(&target, &source).await {
        let a = areas(&hits);
        // Projected back and forth: millimetres, not metres.
        assert!(a[0] < 0.01, "{a:?}");
        assert!((a[1] - 1.6).abs() < 0.01, "{a:?}");
        assert!((a[2] - 250.0).abs() < 0.05, "{a:?}");
    }
    // A stored layer on another plane is refused rather than misread.
    let other = Crs::GaussKruger {
        zone: 35,
        prefixed: false,
    };
    assert!(
        hits_on_layer(&target, KIND, other, &parcels())
            .await
            .is_err()
    );
}

/// The red line as a surveyor's own GeoPackage (table `sthx`, fields BSM and MC) in CGCS2000
/// lon/lat: `guagou check` reads it whole, `import protection` stores it.
#[tokio::test]
async fn a_foreign_geopackage_is_read_whole_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("sthx.gpkg");
    let mut writer =
        guagou_base::gpkg::GpkgWriter::create(&own, "sthx", Crs::Geographic, &["BSM", "MC"])
            .await
            .unwrap();
    let square = transform_geometry(&square(X0, Y0, 100.0, 100.0), PLANE, Crs::Geographic).unwrap();
    writer
        .add(
            &square,
            vec!["HX01".into(), "某水源涵养生态保护红线".into()],
        )
        .await
        .unwrap();
    writer
        .finish("sthx", "a surveyor's red line")
        .await
        .unwrap();
    assert!(!StoredLayer::is_stored_protection(&own).await);

    let hits = hits_on_layer(&own, KIND, PLANE, &parcels()).await.unwrap();
    let a = areas(&hits);
    assert!(a[0] < 0.01, "{a:?}");
    assert!((a[2] - 250.0).abs() < 0.05, "{a:?}");
    assert_eq!(hits[2][0].feature, "BSM HX01 某水源涵养生态保护红线");

    let target = dir.path().join("ecological_redline-511722-2022-1.gpkg");
    let summary = import(&own, &target).await.unwrap();
    assert_eq!(summary.features, 1);
    let stored = hits_on_layer(&target, KIND, PLANE, &parcels())
        .await
        .unwrap();
    assert!((areas(&stored)[2] - 250.0).abs() < 0.05);
    assert_eq!(stored[2][0].feature, "BSM HX01 某水源涵养生态保护红线");
}
