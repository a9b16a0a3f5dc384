//! Explicit geometry repair (`Repair::UnionParts`): parts of a parcel that overlap or share
//! edges are merged, with a `repaired_union_parts` warning, and only when asked; everything
//! else that is invalid stays an error. Synthetic cases in every format, the fixtures (no
//! change with repair on), and the real Dazhou county layer with its invalid 大竹县.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use guagou_geo::area::{areas_in_zone, planar_area_m2};
use guagou_geo::formats::{
    ReadOptions, Repair, coordtxt, geojson, read_parcels, read_parcels_with, shp,
};
use guagou_geo::validate::assemble_labelled;
use guagou_geo::{Crs, GeoError, Parcel, ParcelFile};
use proptest::prelude::*;

const REPAIR: ReadOptions = ReadOptions {
    repair: Repair::UnionParts,
};

/// EPSG:4545 (zone 36 without prefix) around Dazhou: metres, so areas are easy to state.
const X0: f64 = 512_000.0;
const Y0: f64 = 3_512_000.0;

/// A closed counter-clockwise square ring `[x, y]` positions, offsets in metres from (X0, Y0).
fn square(x: f64, y: f64, side: f64) -> Vec<[f64; 2]> {
    let (x, y) = (X0 + x, Y0 + y);
    vec![
        [x, y],
        [x + side, y],
        [x + side, y + side],
        [x, y + side],
        [x, y],
    ]
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> Vec<[f64; 2]> {
    let (x, y) = (X0 + x, Y0 + y);
    vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
}

/// A one-feature GeoJSON in EPSG:4545 with a MultiPolygon of `polygons` (each a list of rings).
fn multipolygon_doc(name: &str, polygons: &[Vec<Vec<[f64; 2]>>]) -> String {
    let geometry = serde_json::json!({"type": "MultiPolygon", "coordinates": polygons});
    serde_json::json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
        "features": [
            {"type": "Feature", "properties": {"name": "邻地"},
             "geometry": {"type": "Polygon", "coordinates": [square(-500.0, -500.0, 100.0)]}},
            {"type": "Feature", "properties": {"name": name}, "geometry": geometry},
        ]
    })
    .to_string()
}

fn read_geojson(text: &str, options: &ReadOptions) -> Result<ParcelFile, GeoError> {
    geojson::read_with("t.geojson", text.as_bytes(), options)
}

fn err(result: Result<ParcelFile, GeoError>) -> GeoError {
    match result {
        Ok(file) => panic!(
            "expected an error, read {} parcels with warnings {:?}",
            file.parcels.len(),
            file.warnings
        ),
        Err(e) => e,
    }
}

fn repaired_warnings(file: &ParcelFile) -> Vec<&guagou_geo::Warning> {
    file.warnings
        .iter()
        .filter(|w| w.code == "repaired_union_parts")
        .collect()
}

fn parcel<'a>(file: &'a ParcelFile, name: &str) -> &'a Parcel {
    file.parcels
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parcel {name}"))
}

/// Sets of rings compare as point sets: the union may start a ring anywhere.
fn same_ring(a: &LineString<f64>, b: &[[f64; 2]]) -> bool {
    let mut pa: Vec<(u64, u64)> = a.0.iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
    let mut pb: Vec<(u64, u64)> = b.iter().map(|c| (c[0].to_bits(), c[1].to_bits())).collect();
    pa.pop();
    pb.pop();
    pa.sort_unstable();
    pb.sort_unstable();
    pa == pb
}

// -------------------------------------------------------------------------------------------
// GeoJSON: what the repair does
// -------------------------------------------------------------------------------------------

#[test]
fn two_squares_sharing_an_edge_become_one_square() {
    let doc = multipolygon_doc(
        "东岳村1号",
        &[
            vec![square(0.0, 0.0, 100.0)],
            vec![square(100.0, 0.0, 100.0)],
        ],
    );
    // Without the option: the error as before.
    let e = err(read_geojson(&doc, &ReadOptions::default()));
    assert_eq!(e.code(), "crossing_rings", "{e}");
    assert_eq!(e.location.record.as_deref(), Some("#2 东岳村1号"));
    let e2 = err(geojson::read("t.geojson", doc.as_bytes()));
    assert_eq!(e, e2);

    let file = read_geojson(&doc, &REPAIR).unwrap();
    let p = parcel(&file, "东岳村1号");
    assert_eq!(p.geometry.0.len(), 1);
    assert!(p.geometry.0[0].interiors().is_empty());
    // The union drops the collinear vertices where the edge was shared: a 200 × 100 rectangle.
    assert!(
        same_ring(p.geometry.0[0].exterior(), &rect(0.0, 0.0, 200.0, 100.0)),
        "{:?}",
        p.geometry
    );
    assert!((planar_area_m2(&p.geometry) - 20_000.0).abs() < 1e-6);
    // The neighbour is untouched.
    assert_eq!(parcel(&file, "邻地").geometry.0.len(), 1);

    let warnings = repaired_warnings(&file);
    assert_eq!(warnings.len(), 1, "{:?}", file.warnings);
    let w = warnings[0];
    assert_eq!(w.location.file, "t.geojson");
    assert_eq!(w.location.record.as_deref(), Some("#2 东岳村1号"));
    assert!(w.message_zh.contains("第 1 圈与第 2 圈相交或重叠"), "{w}");
    assert!(
        w.message_zh.contains("20000.00 平方米 → 20000.00 平方米"),
        "{w}"
    );
    assert!(
        w.message_en.contains("rings 1 and 2 cross or overlap"),
        "{w}"
    );
    assert!(w.message_en.contains("exterior rings 1, 2"), "{w}");
    assert!(w.message_en.contains("20000.00 m² → 20000.00 m²"), "{w}");
    assert!(w.message_en.contains("2 parts becoming 1"), "{w}");
    // Displayed with file, parcel and code.
    let shown = w.to_string();
    assert!(
        shown.starts_with("t.geojson 地块/parcel #2 东岳村1号"),
        "{shown}"
    );
    assert!(shown.ends_with("[repaired_union_parts]"), "{shown}");
}

#[test]
fn two_overlapping_squares_become_their_union() {
    let doc = multipolygon_doc(
        "重叠",
        &[
            vec![square(0.0, 0.0, 100.0)],
            vec![square(50.0, 0.0, 100.0)],
        ],
    );
    assert_eq!(
        err(read_geojson(&doc, &ReadOptions::default())).code(),
        "crossing_rings"
    );
    let file = read_geojson(&doc, &REPAIR).unwrap();
    let p = parcel(&file, "重叠");
    assert_eq!(p.geometry.0.len(), 1);
    assert!(same_ring(
        p.geometry.0[0].exterior(),
        &rect(0.0, 0.0, 150.0, 100.0)
    ));
    assert!((planar_area_m2(&p.geometry) - 15_000.0).abs() < 1e-6);
    let w = repaired_warnings(&file);
    assert_eq!(w.len(), 1);
    // Before is the sum of the parts (the overlap counted twice).
    assert!(
        w[0].message_en
            .contains("planar area (zone 36) 20000.00 m² → 15000.00 m²"),
        "{}",
        w[0]
    );
}

#[test]
fn only_the_parts_that_touch_are_merged_and_the_others_kept_exactly() {
    let far = square(1_000.0, 1_000.0, 50.0);
    let doc = multipolygon_doc(
        "三块",
        &[
            vec![square(0.0, 0.0, 100.0)],
            vec![far.clone()],
            vec![square(0.0, 100.0, 100.0)],
        ],
    );
    let file = read_geojson(&doc, &REPAIR).unwrap();
    let p = parcel(&file, "三块");
    assert_eq!(p.geometry.0.len(), 2);
    // The merged group sits where its first part was; the far part is the file's own ring.
    assert!(same_ring(
        p.geometry.0[0].exterior(),
        &rect(0.0, 0.0, 100.0, 200.0)
    ));
    let far_ring: Vec<Coord<f64>> = far.iter().map(|c| Coord { x: c[0], y: c[1] }).collect();
    assert_eq!(p.geometry.0[1].exterior().0, far_ring);
    let w = repaired_warnings(&file);
    assert!(w[0].message_en.contains("exterior rings 1, 3"), "{}", w[0]);
    assert!(
        w[0].message_zh.contains("外环为第 1、3 圈的 2 个部分"),
        "{}",
        w[0]
    );
}

#[test]
fn an_island_sharing_an_edge_with_its_lake_is_merged_into_the_shore() {
    // A 300 m square with a 100 m hole; the island fills the left half of the hole.
    let mut hole = square(100.0, 100.0, 100.0);
    hole.reverse();
    let doc = multipolygon_doc(
        "湖",
        &[
            vec![square(0.0, 0.0, 300.0), hole],
            vec![rect(100.0, 100.0, 50.0, 100.0)],
        ],
    );
    assert_eq!(
        err(read_geojson(&doc, &ReadOptions::default())).code(),
        "crossing_rings"
    );
    let file = read_geojson(&doc, &REPAIR).unwrap();
    let p = parcel(&file, "湖");
    assert_eq!(p.geometry.0.len(), 1);
    assert_eq!(p.geometry.0[0].interiors().len(), 1);
    assert!((planar_area_m2(&p.geometry) - (90_000.0 - 5_000.0)).abs() < 1e-6);
}

#[test]
fn parts_touching_at_a_point_are_valid_and_left_alone() {
    let doc = multipolygon_doc(
        "角",
        &[
            vec![square(0.0, 0.0, 100.0)],
            vec![square(100.0, 100.0, 100.0)],
        ],
    );
    let plain = read_geojson(&doc, &ReadOptions::default()).unwrap();
    let repaired = read_geojson(&doc, &REPAIR).unwrap();
    assert_eq!(plain.parcels, repaired.parcels);
    assert!(repaired.warnings.is_empty());
}

// -------------------------------------------------------------------------------------------
// GeoJSON: what the repair refuses
// -------------------------------------------------------------------------------------------

#[test]
fn a_self_intersecting_ring_is_still_an_error() {
    let (x, y) = (X0, Y0);
    let bow = vec![
        [x, y],
        [x + 100.0, y + 100.0],
        [x + 100.0, y],
        [x, y + 100.0],
        [x, y],
    ];
    let doc = multipolygon_doc("8字", &[vec![bow], vec![square(100.0, 0.0, 100.0)]]);
    let plain = err(read_geojson(&doc, &ReadOptions::default()));
    let repaired = err(read_geojson(&doc, &REPAIR));
    assert_eq!(repaired.code(), "self_intersection");
    assert_eq!(plain, repaired);
}

#[test]
fn an_unclosed_ring_and_a_hole_outside_its_shell_are_still_errors() {
    let mut open = square(0.0, 0.0, 100.0);
    open.pop();
    let doc = multipolygon_doc("开口", &[vec![open], vec![square(100.0, 0.0, 100.0)]]);
    assert_eq!(err(read_geojson(&doc, &REPAIR)).code(), "unclosed_ring");

    let doc = multipolygon_doc(
        "洞在外",
        &[
            vec![square(0.0, 0.0, 100.0), square(500.0, 500.0, 10.0)],
            vec![square(100.0, 0.0, 100.0)],
        ],
    );
    assert_eq!(
        err(read_geojson(&doc, &REPAIR)).code(),
        "hole_outside_shell"
    );
}

#[test]
fn rings_crossing_within_one_polygon_are_still_errors() {
    // A hole poking out of its shell, alone and next to an overlapping part.
    let poking = square(50.0, 50.0, 100.0);
    for polygons in [
        vec![vec![square(0.0, 0.0, 100.0), poking.clone()]],
        vec![
            vec![square(0.0, 0.0, 100.0), poking.clone()],
            vec![square(50.0, 0.0, 100.0)],
        ],
    ] {
        let doc = multipolygon_doc("洞越界", &polygons);
        let plain = err(read_geojson(&doc, &ReadOptions::default()));
        let repaired = err(read_geojson(&doc, &REPAIR));
        assert_eq!(repaired.code(), "crossing_rings");
        assert_eq!(plain, repaired, "the original error is returned");
    }
    // Two holes of one polygon sharing an edge.
    let doc = multipolygon_doc(
        "双洞",
        &[vec![
            square(0.0, 0.0, 300.0),
            square(100.0, 100.0, 50.0),
            square(150.0, 100.0, 50.0),
        ]],
    );
    assert_eq!(err(read_geojson(&doc, &REPAIR)).code(), "crossing_rings");
}

// -------------------------------------------------------------------------------------------
// Shapefile and the ministry format
// -------------------------------------------------------------------------------------------

fn to_polygon(rings: &[Vec<[f64; 2]>]) -> Polygon<f64> {
    let line =
        |r: &Vec<[f64; 2]>| LineString::from(r.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>());
    Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect())
}

#[test]
fn shapefile_parts_sharing_an_edge_are_merged_on_request() {
    let crs = Crs::gauss_kruger(36, false).unwrap();
    let bad = ParcelFile {
        source: "t.shp".into(),
        crs,
        parcels: vec![Parcel {
            name: "东岳村2号".into(),
            attributes: [("name".to_string(), "东岳村2号".to_string())].into(),
            geometry: MultiPolygon::new(vec![
                to_polygon(&[square(0.0, 0.0, 100.0)]),
                to_polygon(&[square(0.0, 100.0, 100.0)]),
            ]),
        }],
        metadata: Default::default(),
        warnings: vec![],
    };
    let parts = shp::write_parts(&bad, None).unwrap();
    let read = |options: &ReadOptions| {
        shp::read_parts_with(
            "t.shp",
            &parts.shp,
            Some(&parts.dbf),
            Some(&parts.prj),
            Some(&parts.cpg),
            options,
        )
    };
    let plain = err(read(&ReadOptions::default()));
    assert_eq!(plain.code(), "crossing_rings");
    assert_eq!(
        plain,
        err(shp::read_parts(
            "t.shp",
            &parts.shp,
            Some(&parts.dbf),
            Some(&parts.prj),
            Some(&parts.cpg)
        ))
    );
    let file = read(&REPAIR).unwrap();
    assert_eq!(file.parcels[0].geometry.0.len(), 1);
    assert!((planar_area_m2(&file.parcels[0].geometry) - 20_000.0).abs() < 1e-6);
    let w = repaired_warnings(&file);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].location.record.as_deref(), Some("#1 东岳村2号"));

    // Zipped, and from disk.
    let zip = shp::write_zip(&bad, None).unwrap();
    assert_eq!(err(shp::read_zip("t.zip", &zip)).code(), "crossing_rings");
    let zipped = shp::read_zip_with("t.zip", &zip, &REPAIR).unwrap();
    assert_eq!(zipped.parcels[0].geometry, file.parcels[0].geometry);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.shp");
    shp::write_path(&path, &bad, None).unwrap();
    assert_eq!(err(read_parcels(&path)).code(), "crossing_rings");
    assert_eq!(err(shp::read_path(&path)).code(), "crossing_rings");
    let from_disk = read_parcels_with(&path, &REPAIR).unwrap();
    assert_eq!(from_disk.parcels[0].geometry, file.parcels[0].geometry);
    assert_eq!(repaired_warnings(&from_disk).len(), 1);
}

/// A ministry file in zone 36 (prefixed eastings) with one parcel of the given rings, each
/// ring as (圈号, rectangle in metres: x, y, width, height).
fn coordtxt_doc(rings: &[(usize, [f64; 4])]) -> String {
    let mut body = String::new();
    let mut j = 1;
    let mut count = 0;
    for &(number, [x, y, w, h]) in rings {
        let e = 36_000_000.0 + X0 + x;
        let n = Y0 + y;
        let corners = [(n, e), (n + h, e), (n + h, e + w), (n, e + w), (n, e)];
        for (k, (n, e)) in corners.iter().enumerate() {
            let label = if k == 4 { j } else { j + k };
            body.push_str(&format!("J{label},{number},{n:.3},{e:.3}\n"));
        }
        j += 4;
        count += 5;
    }
    format!(
        "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=36\n[地块坐标]\n{count},,001,东岳村3号,面,,,,@\n{body}"
    )
}

#[test]
fn ministry_parts_sharing_an_edge_are_merged_on_request() {
    let doc = coordtxt_doc(&[
        (1, [0.0, 0.0, 100.0, 100.0]),
        (2, [100.0, 0.0, 100.0, 100.0]),
    ]);
    let plain = err(coordtxt::read("t.txt", doc.as_bytes()));
    assert_eq!(plain.code(), "crossing_rings");
    assert_eq!(
        plain,
        err(coordtxt::read_with(
            "t.txt",
            doc.as_bytes(),
            &ReadOptions::default()
        ))
    );
    let file = coordtxt::read_with("t.txt", doc.as_bytes(), &REPAIR).unwrap();
    let g = &file.parcels[0].geometry;
    assert_eq!(g.0.len(), 1);
    assert!((planar_area_m2(g) - 20_000.0).abs() < 1e-6);
    let w = repaired_warnings(&file);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].location.record.as_deref(), Some("东岳村3号"));
    assert_eq!(w[0].location.line, Some(6));
    assert!(w[0].message_zh.contains("外环为第 1、2 圈"), "{}", w[0]);
}

#[test]
fn ministry_rings_that_overlap_or_share_an_edge_from_inside_stay_errors() {
    for rings in [
        // Overlapping: a 飞地 drawn over the first ring, or a hole drawn across its shell.
        vec![
            (1, [0.0, 0.0, 100.0, 100.0]),
            (2, [50.0, 0.0, 100.0, 100.0]),
        ],
        // Inside and sharing an edge: a hole touching its shell along a side.
        vec![(1, [0.0, 0.0, 100.0, 100.0]), (2, [0.0, 0.0, 50.0, 50.0])],
        // Two holes of one ring sharing an edge.
        vec![
            (1, [0.0, 0.0, 300.0, 300.0]),
            (2, [100.0, 100.0, 50.0, 50.0]),
            (3, [150.0, 100.0, 50.0, 50.0]),
        ],
    ] {
        let doc = coordtxt_doc(&rings);
        let plain = err(coordtxt::read("t.txt", doc.as_bytes()));
        let repaired = err(coordtxt::read_with("t.txt", doc.as_bytes(), &REPAIR));
        assert_eq!(repaired.code(), "crossing_rings", "{rings:?}");
        assert_eq!(plain, repaired, "{rings:?}");
    }
}

// -------------------------------------------------------------------------------------------
// Valid input: the option changes nothing
// -------------------------------------------------------------------------------------------

fn data_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(sub)
}

/// Every file under `dir` (recursively) that `read_parcels` takes.
fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|e| {
            ["txt", "geojson", "json", "shp", "zip"].contains(&e.to_string_lossy().as_ref())
        }) {
            out.push(path);
        }
    }
}

#[test]
fn valid_fixtures_read_identically_with_repair_on() {
    let mut paths = Vec::new();
    for sub in ["geojson", "coordtxt", "shp"] {
        fixtures(&data_dir(sub), &mut paths);
    }
    assert!(paths.len() >= 5, "{paths:?}");
    for path in paths {
        let plain = read_parcels(&path);
        let repaired = read_parcels_with(&path, &REPAIR);
        match (plain, repaired) {
            (Ok(plain), Ok(repaired)) => {
                assert_eq!(plain.parcels, repaired.parcels, "{}", path.display());
                assert_eq!(plain.warnings, repaired.warnings, "{}", path.display());
                assert_eq!(plain.crs, repaired.crs);
                assert_eq!(plain.metadata, repaired.metadata);
            }
            (Err(plain), Err(repaired)) => assert_eq!(plain, repaired, "{}", path.display()),
            (plain, repaired) => panic!(
                "{}: {:?} vs {:?}",
                path.display(),
                plain.err(),
                repaired.err()
            ),
        }
    }
}

#[test]
fn a_valid_multipolygon_gives_no_warning_and_identical_geometry() {
    let doc = multipolygon_doc(
        "飞地",
        &[
            vec![square(0.0, 0.0, 100.0)],
            vec![square(300.0, 0.0, 100.0)],
        ],
    );
    let plain = read_geojson(&doc, &ReadOptions::default()).unwrap();
    let repaired = read_geojson(&doc, &REPAIR).unwrap();
    assert_eq!(plain.parcels, repaired.parcels);
    assert_eq!(plain.warnings, repaired.warnings);
    assert!(repaired.warnings.is_empty());
}

// -------------------------------------------------------------------------------------------
// The real case: 达州市 counties, 大竹县 drawn as seven parts sharing edges
// -------------------------------------------------------------------------------------------

fn dazhou() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/dazhou-511700-counties.geojson");
    assert!(
        path.is_file(),
        "{} is missing: this test measures the real Dazhou county layer and must not be skipped \
         (see shared/data/PROVENANCE.md)",
        path.display()
    );
    path
}

#[test]
fn dazhou_counties_without_repair_refuse_dazhu() {
    let e = err(read_parcels(&dazhou()));
    assert_eq!(e.code(), "crossing_rings", "{e}");
    assert_eq!(e.location.record.as_deref(), Some("#5 大竹县"), "{e}");
    assert_eq!(e.location.field.as_deref(), Some("geometry"));
}

#[test]
fn dazhou_counties_with_repair_match_the_reference_areas() {
    let path = dazhou();
    let file = read_parcels_with(&path, &REPAIR).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.crs, Crs::Geographic);
    let names: Vec<&str> = file.parcels.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "通川区",
            "达川区",
            "宣汉县",
            "开江县",
            "大竹县",
            "渠县",
            "万源市"
        ]
    );

    let warnings = repaired_warnings(&file);
    assert_eq!(warnings.len(), 1, "{:?}", file.warnings);
    let w = warnings[0];
    assert_eq!(w.location.file, path.display().to_string());
    assert_eq!(w.location.record.as_deref(), Some("#5 大竹县"));
    assert!(w.to_string().contains("大竹县"), "{w}");
    println!("{w}");

    // 大竹县: 7 parts sharing edges; merged they are 3 (shapely agrees).
    let dazhu = parcel(&file, "大竹县");
    assert_eq!(dazhu.geometry.0.len(), 3);

    let (mut planar, mut ellipsoidal) = (0.0, 0.0);
    for p in &file.parcels {
        let a = areas_in_zone(&p.geometry, file.crs, 36).unwrap();
        planar += a.planar_m2;
        ellipsoidal += a.ellipsoidal_m2;
    }
    let (planar_km2, ellipsoidal_km2) = (planar / 1e6, ellipsoidal / 1e6);
    println!("planar {planar_km2:.4} km², ellipsoidal {ellipsoidal_km2:.4} km²");
    // PROVENANCE.md: 16,596.55 km² planar (EPSG:4545), 16,595.44 km² on the ellipsoid.
    let rel = |x: f64, r: f64| ((x - r) / r).abs();
    assert!(rel(planar_km2, 16_596.55) < 1e-4, "planar {planar_km2}");
    assert!(
        rel(ellipsoidal_km2, 16_595.44) < 1e-4,
        "ellipsoidal {ellipsoidal_km2}"
    );

    // The union keeps 大竹县's area: the parts only share edges.
    let before: f64 = {
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let coords = &json["features"][4]["geometry"]["coordinates"];
        let polygons: Vec<Polygon<f64>> = coords
            .as_array()
            .unwrap()
            .iter()
            .map(|poly| {
                let rings: Vec<Vec<[f64; 2]>> = serde_json::from_value(poly.clone()).unwrap();
                to_polygon(&rings)
            })
            .collect();
        areas_in_zone(&MultiPolygon::new(polygons), Crs::Geographic, 36)
            .unwrap()
            .planar_m2
    };
    let after = areas_in_zone(&dazhu.geometry, Crs::Geographic, 36)
        .unwrap()
        .planar_m2;
    assert!(rel(after, before) < 1e-9, "{before} → {after}");
}

// -------------------------------------------------------------------------------------------
// Property: never a panic, and a repaired parcel is valid and no larger than its parts
// -------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn union_of_grid_rectangles_is_valid_or_the_original_error(
        rects in prop::collection::vec((0u8..6, 0u8..6, 1u8..4, 1u8..4), 1..6)
    ) {
        let polygons: Vec<Vec<Vec<[f64; 2]>>> = rects
            .iter()
            .map(|&(x, y, w, h)| {
                vec![rect(f64::from(x) * 10.0, f64::from(y) * 10.0, f64::from(w) * 10.0, f64::from(h) * 10.0)]
            })
            .collect();
        let doc = multipolygon_doc("网格", &polygons);
        let plain = read_geojson(&doc, &ReadOptions::default());
        let repaired = read_geojson(&doc, &REPAIR);
        match (plain, repaired) {
            (Ok(plain), Ok(repaired)) => prop_assert_eq!(plain.parcels, repaired.parcels),
            (Err(plain), Err(repaired)) => prop_assert_eq!(plain, repaired),
            (Err(plain), Ok(repaired)) => {
                prop_assert_eq!(plain.code(), "crossing_rings");
                prop_assert_eq!(repaired_warnings(&repaired).len(), 1);
                let g = &parcel(&repaired, "网格").geometry;
                // Valid by the normal rules.
                let labelled = g
                    .0
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        ((i * 100 + 1, p.exterior().clone()),
                         p.interiors().iter().enumerate().map(|(k, h)| (i * 100 + k + 2, h.clone())).collect())
                    })
                    .collect();
                prop_assert!(assemble_labelled(labelled).is_ok());
                let sum: f64 = rects.iter().map(|&(_, _, w, h)| f64::from(w) * f64::from(h) * 100.0).sum();
                let max = rects.iter().map(|&(_, _, w, h)| f64::from(w) * f64::from(h) * 100.0).fold(0.0, f64::max);
                let area = planar_area_m2(g);
                prop_assert!(area <= sum + 1e-6 && area >= max - 1e-6, "{} not in [{}, {}]", area, max, sum);
            }
            (Ok(_), Err(e)) => prop_assert!(false, "repair made a valid file fail: {}", e),
        }
    }
}
