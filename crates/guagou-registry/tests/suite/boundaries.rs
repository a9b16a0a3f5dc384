//! County boundaries from the real Dazhou file (../shared/data): 大竹县 is an invalid
//! MultiPolygon whose parts share edges; importing it needs the explicit repair, which is
//! reported and audited.

use std::path::PathBuf;

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_geo::formats::{ReadOptions, Repair};
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry};

fn counties_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/dazhou-511700-counties.geojson");
    assert!(path.exists(), "test data missing: {}", path.display());
    path
}

#[tokio::test]
async fn county_boundaries_need_the_explicit_repair() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = TestDb::create(dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
    let classes = LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}"));
    let r = Registry::new(
        store,
        profile,
        classes,
        Box::new(FixedClock("2019-01-01T00:00:00+08:00".into())),
    );
    let city = Actor::parse("管理员@511700").unwrap_or_else(|e| panic!("{e}"));
    r.as_principal(&city)
        .seed_dazhou()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let refused = r
        .as_principal(&city)
        .import_boundaries(&counties_file(), None, &ReadOptions::default())
        .await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("大竹县") && message.contains("crossing_rings"),
        "{message}"
    );
    assert!(
        r.public()
            .boundary("511724")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none(),
        "nothing imported on error"
    );

    let (count, warnings) = r
        .as_principal(&city)
        .import_boundaries(
            &counties_file(),
            Some("adcode"),
            &ReadOptions {
                repair: Repair::UnionParts,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, 7);
    let repaired: Vec<_> = warnings
        .iter()
        .filter(|w| w.code == "repaired_union_parts")
        .collect();
    assert_eq!(repaired.len(), 1, "{warnings:#?}");
    assert_eq!(repaired[0].location.record.as_deref(), Some("#5 大竹县"));
    let boundary = r
        .public()
        .boundary("511724")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        boundary.as_ref().and_then(|b| b["type"].as_str()),
        Some("MultiPolygon")
    );

    // Re-importing the division facts (the seed again) keeps the stored boundary.
    r.as_principal(&city)
        .seed_dazhou()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let kept = r
        .public()
        .boundary("511724")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        kept, boundary,
        "a re-import of the facts keeps the boundary"
    );

    // A county user may not import another county's boundary.
    let county = Actor::parse("张三@511722").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.as_principal(&county)
            .import_boundaries(
                &counties_file(),
                Some("adcode"),
                &ReadOptions {
                    repair: Repair::UnionParts
                }
            )
            .await
            .is_err()
    );
    r.store_for_tests()
        .verify_audit()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Boundaries also come as a GeoPackage (what county GIS often export): the valid counties of
/// the real file, written to a GeoPackage in lon/lat, import as from GeoJSON.
#[tokio::test]
async fn boundaries_import_from_a_geopackage() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = TestDb::create(&dir.path().join("data"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = Registry::new(
        store,
        Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}")),
        LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}")),
        Box::new(FixedClock("2019-01-01T00:00:00+08:00".into())),
    );
    let city = Actor::parse("管理员@511700").unwrap_or_else(|e| panic!("{e}"));
    r.as_principal(&city)
        .seed_dazhou()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let counties = guagou_geo::formats::read_parcels_with(
        &counties_file(),
        &ReadOptions {
            repair: Repair::UnionParts,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("counties.gpkg");
    let mut writer =
        guagou_base::gpkg::GpkgWriter::create(&path, "xzq", counties.crs, &["adcode", "name"])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    for parcel in &counties.parcels {
        let value = |k: &str| parcel.attributes.get(k).cloned().unwrap_or_default();
        writer
            .add(&parcel.geometry, vec![value("adcode"), value("name")])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    writer
        .finish("xzq", "counties")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (count, _) = r
        .as_principal(&city)
        .import_boundaries(&path, Some("adcode"), &ReadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, 7);
    let boundary = r
        .public()
        .boundary("511724")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        boundary.as_ref().and_then(|b| b["type"].as_str()),
        Some("MultiPolygon")
    );
}
