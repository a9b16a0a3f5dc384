//! GeoJSON reading and writing: the fixtures in `tests/data/geojson/`, every error path, name
//! and attribute rules, and round trips (same CRS: exact; through a reprojection: < 1 mm).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::path::PathBuf;

use geo::winding_order::Winding;
use geo::{Coord, MultiPolygon};
use guagou_geo::crs::transform_geometry;
use guagou_geo::formats::geojson::{read, write};
use guagou_geo::{Crs, GeoError, ParcelFile};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/geojson")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    (name.to_string(), bytes)
}

fn read_fixture(name: &str) -> ParcelFile {
    let (label, bytes) = fixture(name);
    read(&label, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_str(text: &str) -> Result<ParcelFile, GeoError> {
    read("test.geojson", text.as_bytes())
}

fn read_err(text: &str) -> GeoError {
    match read_str(text) {
        Ok(f) => panic!("expected an error, read {} parcels", f.parcels.len()),
        Err(e) => e,
    }
}

/// A FeatureCollection of one feature with `geometry` (JSON text) and `properties`.
fn one_feature(properties: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{properties},"geometry":{geometry}}}]}}"#
    )
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.21],[107.5,31.2]]]}"#;

fn max_distance(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    assert_eq!(a.0.len(), b.0.len(), "part count");
    let mut worst = 0.0f64;
    for (pa, pb) in a.0.iter().zip(&b.0) {
        assert_eq!(pa.interiors().len(), pb.interiors().len(), "hole count");
        let rings_a = std::iter::once(pa.exterior()).chain(pa.interiors());
        let rings_b = std::iter::once(pb.exterior()).chain(pb.interiors());
        for (ra, rb) in rings_a.zip(rings_b) {
            assert_eq!(ra.0.len(), rb.0.len(), "point count");
            for (ca, cb) in ra.0.iter().zip(&rb.0) {
                worst = worst.max((ca.x - cb.x).hypot(ca.y - cb.y));
            }
        }
    }
    worst
}

#[test]
fn reads_lon_lat_collection_with_names_attributes_and_holes() {
    let file = read_fixture("lonlat_parcels.geojson");
    assert_eq!(file.crs, Crs::Geographic);
    assert_eq!(file.parcels.len(), 3);

    let first = &file.parcels[0];
    assert_eq!(first.name, "东岳村1号", "DKMC names the parcel");
    assert_eq!(first.attributes["DKBH"], "511702001");
    assert_eq!(first.attributes["面积"], "12.5", "numbers in shortest form");
    assert_eq!(first.attributes["已核实"], "true");
    assert!(!first.attributes.contains_key("备注"), "null is left out");
    assert!(
        !first.attributes.contains_key("tags"),
        "arrays are left out"
    );
    assert_eq!(first.geometry.0.len(), 1);
    assert_eq!(first.geometry.0[0].interiors().len(), 1);
    assert_eq!(first.ring_count(), 2);
    assert!(first.geometry.0[0].exterior().is_ccw());
    assert!(first.geometry.0[0].interiors()[0].is_cw());

    let second = &file.parcels[1];
    assert_eq!(
        second.name, "飞地地块",
        "the name property wins over the feature id"
    );
    assert_eq!(second.geometry.0.len(), 2, "a MultiPolygon keeps its parts");

    let third = &file.parcels[2];
    assert_eq!(third.name, "F-3", "no name property: the feature id");
    assert!(third.attributes.is_empty());
    assert_eq!(third.geometry.0[0].exterior().0.len(), 4, "z is ignored");

    let skipped: Vec<_> = file
        .warnings
        .iter()
        .filter(|w| w.code == "property_not_scalar")
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", file.warnings);
    assert_eq!(skipped[0].location.field.as_deref(), Some("tags"));
}

#[test]
fn reads_projected_crs_from_the_legacy_member() {
    let file = read_fixture("epsg4545_parcels.geojson");
    assert_eq!(
        file.crs,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false
        }
    );
    assert_eq!(file.parcels[0].name, "河东片区A");
    assert_eq!(
        file.parcels[1].name, "A-02",
        "blank 地块名称: 地块编号 names it"
    );
    assert_eq!(file.parcels[1].attributes["地块名称"], "");
    let exterior = file.parcels[0].geometry.0[0].exterior();
    assert!(
        exterior.0.contains(&Coord {
            x: 452_000.0,
            y: 3_453_000.0
        }),
        "positions are [easting, northing], kept as written"
    );
}

#[test]
fn reads_other_crs_member_spellings() {
    for member in [
        r#"{"type":"name","properties":{"name":"EPSG:4545"}}"#,
        r#"{"type":"EPSG","properties":{"code":4545}}"#,
        r#"{"type":"name","properties":{"name":"http://www.opengis.net/def/crs/EPSG/0/4545"}}"#,
    ] {
        let text = format!(
            r#"{{"type":"Feature","crs":{member},"properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[[452000,3453000],[452100,3453000],[452100,3453100],[452000,3453000]]]}}}}"#
        );
        let file = read_str(&text).unwrap_or_else(|e| panic!("{member}: {e}"));
        assert_eq!(file.crs.epsg(), 4545, "{member}");
    }
    let crs84 = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}}},"features":[{{"type":"Feature","properties":{{}},"geometry":{SQUARE}}}]}}"#
    );
    assert_eq!(read_str(&crs84).unwrap().crs, Crs::Geographic);
}

#[test]
fn reads_a_single_feature_and_bare_geometries() {
    let feature =
        format!(r#"{{"type":"Feature","properties":{{"NAME":"单个"}},"geometry":{SQUARE}}}"#);
    let file = read_str(&feature).unwrap();
    assert_eq!(file.parcels.len(), 1);
    assert_eq!(file.parcels[0].name, "单个");

    let file = read_str(SQUARE).unwrap();
    assert_eq!(file.parcels.len(), 1);
    assert_eq!(file.parcels[0].name, "#1");

    let multi = r#"{"type":"MultiPolygon","coordinates":[[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.2]]],[[[107.6,31.2],[107.61,31.2],[107.61,31.21],[107.6,31.2]]]]}"#;
    let file = read_str(multi).unwrap();
    assert_eq!(file.parcels[0].geometry.0.len(), 2);

    let empty = r#"{"type":"FeatureCollection","features":[]}"#;
    assert!(read_str(empty).unwrap().parcels.is_empty());

    let bom = format!("\u{feff}{SQUARE}");
    assert_eq!(
        read_str(&bom).unwrap().parcels.len(),
        1,
        "a UTF-8 BOM is skipped"
    );
}

#[test]
fn name_precedence_and_fallbacks() {
    let cases = [
        (r#"{"MC":"乙","DKMC":"甲"}"#, "乙"),
        (r#"{"DKMC":"甲","编号":"7"}"#, "甲"),
        (r#"{"编号":"7","DKBH":"8"}"#, "7"),
        (r#"{"DKBH":"8","id":"9"}"#, "8"),
        (r#"{"id":9}"#, "9"),
        (r#"{"Name":"大小写"}"#, "大小写"),
        (r#"{"dkmc":" 去空格 "}"#, "去空格"),
        (r#"{"name":"  ","NAME":"后备"}"#, "后备"),
        (r#"{"other":"x"}"#, "#1"),
    ];
    for (properties, expected) in cases {
        let file = read_str(&one_feature(properties, SQUARE)).unwrap();
        assert_eq!(file.parcels[0].name, expected, "{properties}");
    }
}

#[test]
fn gbk_text_is_read_with_a_warning() {
    let text = one_feature(r#"{"DKMC":"东岳村"}"#, SQUARE);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = read("gbk.geojson", &gbk).unwrap();
    assert_eq!(file.parcels[0].name, "东岳村");
    assert!(file.warnings.iter().any(|w| w.code == "not_utf8"));
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the file, the feature (#n and name) and the field.

#[test]
fn unsupported_geometry_names_the_feature() {
    let text = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"DKMC":"好的"},"geometry":{"type":"Polygon","coordinates":[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.2]]]}},
        {"type":"Feature","properties":{"DKMC":"线"},"geometry":{"type":"LineString","coordinates":[[107.5,31.2],[107.51,31.2]]}}]}"#;
    let e = read_err(text);
    assert_eq!(e.code(), "unsupported_format");
    assert_eq!(e.location.file, "test.geojson");
    assert_eq!(e.location.record.as_deref(), Some("#2 线"));
    assert_eq!(e.location.field.as_deref(), Some("geometry"));
    assert!(e.to_string().contains("LineString"), "{e}");

    for geometry in [
        r#"{"type":"Point","coordinates":[107.5,31.2]}"#,
        r#"{"type":"MultiLineString","coordinates":[]}"#,
        r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}"#,
    ] {
        let e = read_err(&one_feature("{}", geometry));
        assert_eq!(e.code(), "unsupported_format", "{geometry}");
        assert_eq!(e.location.record.as_deref(), Some("#1"));
    }
    let e = read_err(r#"{"type":"Point","coordinates":[107.5,31.2]}"#);
    assert_eq!(e.code(), "unsupported_format");
    let e = read_err(r#"{"type":"Topology","objects":{}}"#);
    assert_eq!(e.code(), "unsupported_format");
    let e = read_err(r#"{"features":[]}"#);
    assert_eq!(e.code(), "unsupported_format", "no type: not GeoJSON");
    let e = read_err(
        r#"{"type":"FeatureCollection","features":[{"type":"Polygon","coordinates":[]}]}"#,
    );
    assert_eq!(
        e.code(),
        "unsupported_format",
        "a geometry where a Feature belongs"
    );
}

#[test]
fn missing_or_null_geometry_is_an_error() {
    let e = read_err(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"DKMC":"空"},"geometry":null}]}"#,
    );
    assert_eq!(e.code(), "missing");
    assert_eq!(e.location.record.as_deref(), Some("#1 空"));
    let e = read_err(r#"{"type":"Feature","properties":{}}"#);
    assert_eq!(e.code(), "missing");
    let e = read_err(r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon"}}"#);
    assert_eq!(e.code(), "missing");
    assert_eq!(e.location.field.as_deref(), Some("geometry.coordinates"));
    let e = read_err(r#"{"type":"FeatureCollection"}"#);
    assert_eq!(e.code(), "missing");
    assert_eq!(e.location.field.as_deref(), Some("features"));
}

#[test]
fn bad_crs_members_are_errors() {
    let with_crs = |member: &str| {
        format!(
            r#"{{"type":"FeatureCollection","crs":{member},"features":[{{"type":"Feature","properties":{{}},"geometry":{SQUARE}}}]}}"#
        )
    };
    // Xian 1980 3-degree zone 36: a real CRS guagou refuses.
    let e = read_err(&with_crs(
        r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2379"}}"#,
    ));
    assert_eq!(e.code(), "unsupported_crs");
    assert_eq!(e.location.field.as_deref(), Some("crs"));
    assert!(e.to_string().contains("Xian"), "{e}");

    let e = read_err(&with_crs(
        r#"{"type":"name","properties":{"name":"not a crs"}}"#,
    ));
    assert_eq!(e.code(), "unsupported_crs");

    for malformed in [
        r#""EPSG:4545""#,
        r#"{"type":"name"}"#,
        r#"{"type":"name","properties":{"name":4545}}"#,
        r#"{"type":"proj4","properties":{}}"#,
        r#"{"properties":{"name":"EPSG:4545"}}"#,
    ] {
        let e = read_err(&with_crs(malformed));
        assert_eq!(e.code(), "syntax", "{malformed}");
        assert_eq!(e.location.field.as_deref(), Some("crs"));
    }
    let e = read_err(&with_crs(
        r#"{"type":"link","properties":{"href":"http://example.com/crs"}}"#,
    ));
    assert_eq!(e.code(), "unsupported_crs");
}

#[test]
fn a_feature_declaring_another_crs_is_mixed_crs() {
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","crs":{{"type":"name","properties":{{"name":"EPSG:4545"}}}},"properties":{{"DKMC":"甲"}},"geometry":{SQUARE}}}]}}"#
    );
    let e = read_err(&text);
    assert_eq!(e.code(), "mixed_crs");
    assert_eq!(e.location.record.as_deref(), Some("#1 甲"));
    // Repeating the same CRS is fine.
    let same = text.replace("EPSG:4545", "EPSG:4490");
    assert!(read_str(&same).is_ok());
}

#[test]
fn unclosed_ring_is_reported_with_its_number() {
    let geometry = r#"{"type":"Polygon","coordinates":[
        [[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.21],[107.5,31.2]],
        [[107.503,31.203],[107.503,31.206],[107.506,31.206],[107.506,31.203]]]}"#;
    let e = read_err(&one_feature(r#"{"DKMC":"未闭合"}"#, geometry));
    assert_eq!(e.code(), "unclosed_ring");
    assert_eq!(e.kind, guagou_geo::GeoErrorKind::UnclosedRing { ring: 2 });
    assert_eq!(e.location.record.as_deref(), Some("#1 未闭合"));
    assert_eq!(e.location.field.as_deref(), Some("ring 2"));
}

#[test]
fn ring_numbers_count_across_the_polygons_of_a_multipolygon() {
    let geometry = r#"{"type":"MultiPolygon","coordinates":[
        [[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.21],[107.5,31.2]],
         [[107.503,31.203],[107.503,31.206],[107.506,31.206],[107.506,31.203],[107.503,31.203]]],
        [[[107.6,31.2],[107.61,31.2],[107.61,31.21],[107.6,31.2]],
         [[107.6,31.3],[107.61,31.3],[107.61,31.31]]]]}"#;
    let e = read_err(&one_feature("{}", geometry));
    assert_eq!(e.location.field.as_deref(), Some("ring 4"));
}

#[test]
fn hole_outside_shell_is_an_error() {
    let geometry = r#"{"type":"Polygon","coordinates":[
        [[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.21],[107.5,31.2]],
        [[107.6,31.3],[107.6,31.31],[107.61,31.31],[107.61,31.3],[107.6,31.3]]]}"#;
    let e = read_err(&one_feature(r#"{"DKBH":"洞"}"#, geometry));
    assert_eq!(e.code(), "hole_outside_shell");
    assert_eq!(
        e.kind,
        guagou_geo::GeoErrorKind::HoleOutsideShell { ring: 2 }
    );
    assert_eq!(e.location.record.as_deref(), Some("#1 洞"));
}

#[test]
fn too_few_points_and_self_intersection_come_from_validation() {
    let e = read_err(&one_feature(
        "{}",
        r#"{"type":"Polygon","coordinates":[[[107.5,31.2],[107.51,31.2],[107.5,31.2]]]}"#,
    ));
    assert_eq!(e.code(), "too_few_points");
    let bowtie = r#"{"type":"Polygon","coordinates":[[[107.5,31.2],[107.51,31.21],[107.51,31.2],[107.5,31.21],[107.5,31.2]]]}"#;
    assert_eq!(
        read_err(&one_feature("{}", bowtie)).code(),
        "self_intersection"
    );
}

#[test]
fn malformed_coordinates_name_ring_and_point() {
    let cases = [
        (
            r#"[[[107.5,31.2],[107.51],[107.51,31.21],[107.5,31.2]]]"#,
            "ring 1 point 2",
        ),
        (
            r#"[[[107.5,31.2],[107.51,"31.2"],[107.51,31.21],[107.5,31.2]]]"#,
            "ring 1 point 2",
        ),
        (
            r#"[[[107.5,31.2],[107.51,31.2],null,[107.5,31.2]]]"#,
            "ring 1 point 3",
        ),
        (r#"[[107.5,31.2],[107.51,31.2]]"#, "ring 1"),
        (
            r#"[[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.2]]]]"#,
            "ring 1 point 1",
        ),
        (r#"[{"x":1}]"#, "ring 1"),
    ];
    for (coordinates, field) in cases {
        let geometry = format!(r#"{{"type":"Polygon","coordinates":{coordinates}}}"#);
        let e = read_err(&one_feature("{}", &geometry));
        assert_eq!(e.code(), "syntax", "{coordinates}: {e}");
        assert_eq!(e.location.field.as_deref(), Some(field), "{coordinates}");
    }
    let e = read_err(&one_feature("{}", r#"{"type":"Polygon","coordinates":[]}"#));
    assert_eq!(e.code(), "syntax");
    let e = read_err(&one_feature(
        "{}",
        r#"{"type":"MultiPolygon","coordinates":[]}"#,
    ));
    assert_eq!(e.code(), "syntax");
}

#[test]
fn json_syntax_errors_carry_the_line() {
    let e =
        read_err("{\"type\":\"FeatureCollection\",\n\"features\":[\n{\"type\":\"Feature\",,}]}");
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.line, Some(3));
    assert_eq!(read_err("").code(), "syntax");
    assert_eq!(read_err("[1,2,3]").code(), "syntax");
    let e = read_err(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":[1],"geometry":null}]}"#,
    );
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.field.as_deref(), Some("properties"));
    // Deep nesting is refused by the parser's recursion limit, not by a stack overflow.
    let deep = format!(
        r#"{{"type":"Polygon","coordinates":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(read_err(&deep).code(), "syntax");
}

#[test]
fn coordinates_outside_the_crs_explain_what_they_look_like() {
    // Projected coordinates with no crs member: read as lon/lat, refused, and the message
    // says which CRS they look like.
    let geometry = r#"{"type":"Polygon","coordinates":[[[36452000,3453000],[36452100,3453000],[36452100,3453100],[36452000,3453000]]]}"#;
    let e = read_err(&one_feature("{}", geometry));
    assert_eq!(e.code(), "outside_zone");
    assert!(e.to_string().contains("EPSG:4524"), "{e}");

    // Latitude first.
    let swapped = r#"{"type":"Polygon","coordinates":[[[31.2,107.5],[31.2,107.51],[31.21,107.51],[31.2,107.5]]]}"#;
    let e = read_err(&one_feature("{}", swapped));
    assert_eq!(e.code(), "outside_zone");
    assert!(e.to_string().contains("swapped"), "{e}");

    // Northing first in EPSG:4545.
    let swapped = r#"{"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:4545"}},"properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[3453000,452000],[3453000,452100],[3453100,452100],[3453000,452000]]]}}"#;
    let e = read_err(swapped);
    assert_eq!(e.code(), "outside_zone");
    assert!(e.to_string().contains("swapped"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Writing and round trips

#[test]
fn round_trip_lon_lat_is_identical() {
    let first = read_fixture("lonlat_parcels.geojson");
    let text = write(&first, None).unwrap();
    assert!(
        !text.contains("\"crs\""),
        "RFC 7946 output has no crs member"
    );
    let second = read("out.geojson", text.as_bytes()).unwrap();
    assert_eq!(second.crs, Crs::Geographic);
    assert_eq!(first.parcels, second.parcels);
    // And stable from then on.
    assert_eq!(write(&second, None).unwrap(), text);
}

#[test]
fn round_trip_projected_in_its_own_crs_is_exact() {
    let first = read_fixture("epsg4545_parcels.geojson");
    let text = write(&first, Some(first.crs)).unwrap();
    assert!(text.contains("urn:ogc:def:crs:EPSG::4545"), "{text}");
    let second = read("out.geojson", text.as_bytes()).unwrap();
    assert_eq!(second.crs, first.crs);
    assert_eq!(first.parcels, second.parcels);
}

#[test]
fn round_trip_through_lon_lat_is_within_a_millimetre() {
    let first = read_fixture("epsg4545_parcels.geojson");
    let text = write(&first, None).unwrap();
    let second = read("out.geojson", text.as_bytes()).unwrap();
    assert_eq!(second.crs, Crs::Geographic);
    for (a, b) in first.parcels.iter().zip(&second.parcels) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.attributes, b.attributes);
        let back = transform_geometry(&b.geometry, Crs::Geographic, first.crs).unwrap();
        let d = max_distance(&a.geometry, &back);
        assert!(d < 1e-3, "{}: {d} m", a.name);
    }

    // Lon/lat → zone 36 with prefix → lon/lat.
    let lonlat = read_fixture("lonlat_parcels.geojson");
    let gk = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    let text = write(&lonlat, Some(gk)).unwrap();
    assert!(text.contains("urn:ogc:def:crs:EPSG::4524"));
    let projected = read("gk.geojson", text.as_bytes()).unwrap();
    assert_eq!(projected.crs, gk);
    for (a, b) in lonlat.parcels.iter().zip(&projected.parcels) {
        assert_eq!(a.name, b.name);
        let a_gk = transform_geometry(&a.geometry, Crs::Geographic, gk).unwrap();
        let d = max_distance(&a_gk, &b.geometry);
        assert!(d < 1e-3, "{}: {d} m", a.name);
    }
}

#[test]
fn written_output_is_rfc7946_shaped() {
    let first = read_fixture("lonlat_parcels.geojson");
    let text = write(&first, None).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["type"], "FeatureCollection");
    let features = value["features"].as_array().unwrap();
    assert_eq!(features.len(), 3);
    assert_eq!(features[0]["geometry"]["type"], "Polygon");
    assert_eq!(features[1]["geometry"]["type"], "MultiPolygon");
    // Names that come from the properties are not repeated; one from a feature id stays the
    // feature id.
    assert!(features[0]["properties"].get("name").is_none());
    assert!(features[0].get("id").is_none());
    assert_eq!(features[2]["id"], "F-3");
    assert!(features[2]["properties"].get("name").is_none());
    // Exterior counter-clockwise, as read back.
    let second = read("out.geojson", text.as_bytes()).unwrap();
    assert!(second.parcels[0].geometry.0[0].exterior().is_ccw());
    // One feature per line.
    assert_eq!(text.lines().count(), 5);
}

#[test]
fn metadata_round_trips_as_a_foreign_member() {
    let mut file = read_fixture("lonlat_parcels.geojson");
    file.metadata
        .insert("坐标系".into(), "2000国家大地坐标系".into());
    file.metadata.insert("几度分带".into(), "3".into());
    let text = write(&file, None).unwrap();
    let second = read("out.geojson", text.as_bytes()).unwrap();
    assert_eq!(second.metadata, file.metadata);
}

#[test]
fn writing_refuses_non_finite_coordinates() {
    let mut file = read_fixture("lonlat_parcels.geojson");
    let ring = &mut file.parcels[0].geometry.0[0];
    ring.exterior_mut(|r| r.0[1].x = f64::NAN);
    let e = write(&file, None).unwrap_err();
    assert_eq!(e.location.record.as_deref(), Some("#1 东岳村1号"));
}
