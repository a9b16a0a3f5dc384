//! The ministry coordinate text format (部标坐标文件): reading (UTF-8 and GBK, both point-count
//! conventions, J-prefixed and bare numbers, holes and 飞地), every reader error with its code and
//! location, the stated-area warning at its 0.1 % boundary, writing and round trips.
//!
//! Coordinates are in Dazhou (CGCS2000 3-degree zone 36, central meridian 108°E).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use guagou_geo::area::planar_area_m2;
use guagou_geo::crs::transform_geometry;
use guagou_geo::formats::coordtxt;
use guagou_geo::{Crs, GeoError, Parcel, ParcelFile};
use proptest::prelude::*;

const ZONE36: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: true,
};

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "data",
        "coordtxt",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(text: &str) -> ParcelFile {
    coordtxt::read("t.txt", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn read_err(text: &str) -> GeoError {
    match coordtxt::read("t.txt", text.as_bytes()) {
        Ok(file) => panic!("expected an error, read {} parcels", file.parcels.len()),
        Err(e) => e,
    }
}

fn codes(file: &ParcelFile) -> Vec<&'static str> {
    file.warnings.iter().map(|w| w.code).collect()
}

/// A file with the given `[属性描述]` lines and `[地块坐标]` body.
fn file_with(meta: &str, body: &str) -> String {
    format!("[属性描述]\n{meta}[地块坐标]\n{body}")
}

const META36: &str = "坐标系=2000国家大地坐标系\n几度分带=3\n带号=36\n";

/// A closed ring as point lines (prefixed eastings, `J` numbers from `first`), from (northing,
/// easting) corners.
fn ring_lines(ring: usize, first: usize, corners: &[(f64, f64)]) -> String {
    let mut out = String::new();
    for (i, (n, e)) in corners.iter().enumerate() {
        out.push_str(&format!("J{},{ring},{n:.3},{e:.3}\n", first + i));
    }
    let (n, e) = corners[0];
    out.push_str(&format!("J{first},{ring},{n:.3},{e:.3}\n"));
    out
}

/// Corners of an axis-aligned rectangle (clockwise on the map), as (northing, easting).
fn rect(n0: f64, e0: f64, height: f64, width: f64) -> Vec<(f64, f64)> {
    vec![
        (n0, e0),
        (n0 + height, e0),
        (n0 + height, e0 + width),
        (n0, e0 + width),
    ]
}

const N0: f64 = 3_512_000.0;
const E0: f64 = 36_512_000.0;

fn simple_parcel(name: &str) -> String {
    format!(
        "5,1.0000,001,{name},面,,,,@\n{}",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0))
    )
}

fn assert_err(
    e: &GeoError,
    code: &str,
    record: Option<&str>,
    field: Option<&str>,
    line: Option<usize>,
) {
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.location.file, "t.txt", "{e}");
    assert_eq!(e.location.record.as_deref(), record, "{e}");
    assert_eq!(e.location.field.as_deref(), field, "{e}");
    assert_eq!(e.location.line, line, "{e}");
}

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

// -------------------------------------------------------------------------------------------
// Reading the fixtures
// -------------------------------------------------------------------------------------------

#[test]
fn reads_the_ministry_example_with_a_hole_and_a_second_part() {
    let file = coordtxt::read("dazhou_ministry.txt", &fixture("dazhou_ministry.txt")).unwrap();
    assert_eq!(file.crs, ZONE36);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    assert_eq!(file.metadata.get("带号").map(String::as_str), Some("36"));
    assert_eq!(
        file.metadata.get("数据产生单位").map(String::as_str),
        Some("达州市自然资源和规划局")
    );
    assert_eq!(
        file.metadata.get("转换参数").map(String::as_str),
        Some(",,,,,,")
    );
    assert_eq!(file.parcels.len(), 2);

    let p = &file.parcels[0];
    assert_eq!(p.name, "拆旧地块1");
    let expected: BTreeMap<String, String> = [
        ("界址点数", "15"),
        ("地块面积", "1.1600"),
        ("地块编号", "001"),
        ("地块名称", "拆旧地块1"),
        ("图形属性", "面"),
        ("图幅号", "H49G012034"),
        ("地块用途", "拆旧"),
        ("地类编码", "0702"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(p.attributes, expected);
    // Ring 1 exterior, ring 2 (inside it) a hole, ring 3 (outside) a second part.
    assert_eq!(p.geometry.0.len(), 2);
    assert_eq!(p.geometry.0[0].interiors().len(), 1);
    assert_eq!(p.geometry.0[1].interiors().len(), 0);
    assert_eq!(p.ring_count(), 3);
    assert!((planar_area_m2(&p.geometry) - 11_600.0).abs() < 1e-6);
    // x = easting with the prefix, y = northing; the first point is kept first.
    assert_eq!(
        p.geometry.0[0].exterior().0[0],
        c(36_512_345.678, 3_512_345.678)
    );
    // Exteriors counter-clockwise, holes clockwise (x/y axes), whatever the file's order.
    assert!(signed(p.geometry.0[0].exterior()) > 0.0);
    assert!(signed(&p.geometry.0[0].interiors()[0]) < 0.0);
    assert!(signed(p.geometry.0[1].exterior()) > 0.0);

    let q = &file.parcels[1];
    assert_eq!(q.name, "复垦地块2");
    assert!((planar_area_m2(&q.geometry) - 19_416.25).abs() < 1e-6);
}

fn signed(ring: &LineString<f64>) -> f64 {
    let o = ring.0[0];
    ring.0
        .windows(2)
        .map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y))
        .sum::<f64>()
        / 2.0
}

#[test]
fn bare_numbers_lf_blank_lines_chinese_commas_and_counts_without_closing_points() {
    let j = coordtxt::read("a.txt", &fixture("dazhou_ministry.txt")).unwrap();
    let bare = coordtxt::read("b.txt", &fixture("dazhou_bare_lf.txt")).unwrap();
    assert!(bare.warnings.is_empty(), "{:?}", bare.warnings);
    assert_eq!(bare.crs, j.crs);
    for (a, b) in j.parcels.iter().zip(&bare.parcels) {
        assert_eq!(a.geometry, b.geometry);
        assert_eq!(a.name, b.name);
    }
    // The counts as the files state them (with and without the closing points).
    assert_eq!(j.parcels[0].attributes["界址点数"], "15");
    assert_eq!(bare.parcels[0].attributes["界址点数"], "12");
}

#[test]
fn gbk_file_reads_like_the_utf8_one() {
    let utf8 = coordtxt::read("a.txt", &fixture("dazhou_ministry.txt")).unwrap();
    let gbk_bytes = fixture("dazhou_ministry_gbk.txt");
    assert!(
        std::str::from_utf8(&gbk_bytes).is_err(),
        "the fixture must really be GBK"
    );
    let gbk = coordtxt::read("a.txt", &gbk_bytes).unwrap();
    assert_eq!(gbk.parcels, utf8.parcels);
    assert_eq!(gbk.metadata, utf8.metadata);

    // And GBK produced here from a UTF-8 text.
    let text = String::from_utf8(fixture("dazhou_bare_lf.txt")).unwrap();
    let (bytes, _, errors) = encoding_rs::GBK.encode(&text);
    assert!(!errors);
    let again = coordtxt::read("a.txt", &bytes).unwrap();
    for (a, b) in again.parcels.iter().zip(&utf8.parcels) {
        assert_eq!((&a.name, &a.geometry), (&b.name, &b.geometry));
    }
}

#[test]
fn utf8_bom_is_skipped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(file_with(META36, &simple_parcel("A")).as_bytes());
    let file = coordtxt::read("t.txt", &bytes).unwrap();
    assert_eq!(file.parcels[0].name, "A");
}

// -------------------------------------------------------------------------------------------
// Names, attributes, counts
// -------------------------------------------------------------------------------------------

#[test]
fn name_falls_back_to_number_then_position() {
    let ring = ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0));
    let body = format!(
        "5,1.0000,007,,面,,,,@\n{ring}5,1.0000,,,面,,,,@\n{}",
        ring_lines(1, 1, &rect(N0 + 1000.0, E0, 100.0, 100.0))
    );
    let file = read(&file_with(META36, &body));
    assert_eq!(file.parcels[0].name, "007");
    assert_eq!(file.parcels[1].name, "#2");
    // Empty fields are kept as attributes (so that a round trip keeps them).
    assert_eq!(file.parcels[1].attributes["地块名称"], "");
}

#[test]
fn header_with_fewer_fields_and_bare_at() {
    let ring = ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0));
    let file = read(&file_with(
        META36,
        &format!(
            "5,1.0000,@\n{ring}@\n{}",
            ring_lines(1, 1, &rect(N0 + 500.0, E0, 10.0, 10.0))
        ),
    ));
    let a = &file.parcels[0];
    assert_eq!(a.attributes.len(), 2);
    assert_eq!(a.name, "#1");
    assert!(file.parcels[1].attributes.is_empty());
    assert_eq!(file.parcels[1].name, "#2");
}

#[test]
fn extra_header_fields_are_a_warning() {
    let body = format!(
        "5,1.0000,001,A,面,,,,x,y,@\n{}",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0))
    );
    let file = read(&file_with(META36, &body));
    assert_eq!(codes(&file), vec!["extra_fields"]);
}

#[test]
fn point_count_matching_neither_convention_is_a_warning() {
    for (count, warned) in [
        ("5", false),
        ("4", false),
        ("6", true),
        ("3", true),
        ("999999999999", true),
    ] {
        let body = format!(
            "{count},1.0000,001,A,面,,,,@\n{}",
            ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0))
        );
        let file = read(&file_with(META36, &body));
        assert_eq!(
            codes(&file).contains(&"point_count_differs"),
            warned,
            "count {count}"
        );
        if warned {
            let w = &file.warnings[0];
            assert_eq!(w.location.record.as_deref(), Some("A"));
            assert_eq!(w.location.field.as_deref(), Some("界址点数"));
            assert_eq!(w.location.line, Some(6));
        }
    }
    let body = format!(
        "abc,1.0000,001,A,面,,,,@\n{}",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0))
    );
    assert_eq!(
        codes(&read(&file_with(META36, &body))),
        vec!["point_count_unreadable"]
    );
}

#[test]
fn stated_area_warning_at_the_point_one_percent_boundary() {
    // 400 m × 250 m = 100 000 m² = 10 ha; 0.1 % of it is 0.01 ha.
    let ring = ring_lines(1, 1, &rect(N0, E0, 250.0, 400.0));
    let warned = |stated: &str| {
        let file = read(&file_with(
            META36,
            &format!("5,{stated},1,A,面,,,,@\n{ring}"),
        ));
        codes(&file).contains(&"stated_area_differs")
    };
    assert!(!warned("10.0000"));
    assert!(!warned("10.0100"), "exactly 0.1 % more is accepted");
    assert!(!warned("9.9900"), "exactly 0.1 % less is accepted");
    assert!(warned("10.0101"));
    assert!(warned("9.9899"));
    assert!(warned("0"));
    assert!(!warned(""), "no stated area, nothing to compare");
    let file = read(&file_with(
        META36,
        &format!("5,10.0101,1,A,面,,,,@\n{ring}"),
    ));
    let w = &file.warnings[0];
    assert_eq!(w.location.field.as_deref(), Some("地块面积"));
    assert_eq!(w.location.record.as_deref(), Some("A"));
    assert!(w.message_en.contains("10.0000"), "{}", w.message_en);
    let file = read(&file_with(META36, &format!("5,十公顷,1,A,面,,,,@\n{ring}")));
    assert_eq!(codes(&file), vec!["stated_area_unreadable"]);
}

// -------------------------------------------------------------------------------------------
// Rings: holes, parts, errors
// -------------------------------------------------------------------------------------------

#[test]
fn island_in_a_hole_is_a_further_part_and_order_does_not_matter() {
    let outer = rect(N0, E0, 300.0, 300.0);
    let lake = rect(N0 + 50.0, E0 + 50.0, 200.0, 200.0);
    let island = rect(N0 + 100.0, E0 + 100.0, 50.0, 50.0);
    let a = format!(
        "15,,1,A,面,,,,@\n{}{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &lake),
        ring_lines(3, 9, &island)
    );
    let b = format!(
        "15,,1,A,面,,,,@\n{}{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &island),
        ring_lines(3, 9, &lake)
    );
    for body in [a, b] {
        let g = &read(&file_with(META36, &body)).parcels[0].geometry;
        assert_eq!(g.0.len(), 2);
        assert_eq!(g.0[0].interiors().len(), 1);
        let area = planar_area_m2(g);
        assert!(
            (area - (90_000.0 - 40_000.0 + 2_500.0)).abs() < 1e-6,
            "{area}"
        );
    }
}

#[test]
fn hole_touching_its_shell_at_one_point_is_allowed() {
    let outer = rect(N0, E0, 100.0, 100.0);
    // A triangle hole with one vertex on the exterior's west edge.
    let hole = vec![
        (N0 + 50.0, E0),
        (N0 + 60.0, E0 + 30.0),
        (N0 + 40.0, E0 + 30.0),
    ];
    let body = format!(
        "9,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &hole)
    );
    let g = &read(&file_with(META36, &body)).parcels[0].geometry;
    assert_eq!(g.0[0].interiors().len(), 1);
}

#[test]
fn crossing_rings_are_an_error_naming_both() {
    let outer = rect(N0, E0, 100.0, 100.0);
    let crossing = rect(N0 + 50.0, E0 + 50.0, 100.0, 100.0);
    let body = format!(
        "10,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &crossing)
    );
    let e = read_err(&file_with(META36, &body));
    assert_err(
        &e,
        "crossing_rings",
        Some("A"),
        Some("圈号 1, 圈号 2"),
        Some(12),
    );

    // Two parts (飞地) sharing an edge: not two parts, one ring drawn twice.
    let beside = rect(N0, E0 + 100.0, 100.0, 100.0);
    let body = format!(
        "10,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &beside)
    );
    assert_eq!(read_err(&file_with(META36, &body)).code(), "crossing_rings");

    // A hole sharing a stretch of the exterior's edge.
    let edge_hole = rect(N0, E0 + 20.0, 30.0, 30.0);
    let body = format!(
        "10,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &outer),
        ring_lines(2, 5, &edge_hole)
    );
    assert_eq!(read_err(&file_with(META36, &body)).code(), "crossing_rings");

    // Ring 1 inside ring 2: ring 1 is an exterior by definition, so the two parts overlap.
    let inner = rect(N0 + 10.0, E0 + 10.0, 10.0, 10.0);
    let body = format!(
        "10,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &inner),
        ring_lines(2, 5, &outer)
    );
    let e = read_err(&file_with(META36, &body));
    assert_err(
        &e,
        "crossing_rings",
        Some("A"),
        Some("圈号 1, 圈号 2"),
        Some(12),
    );
}

#[test]
fn unclosed_ring_is_an_error_at_its_last_point() {
    let body = "4,,1,A,面,,,,@\nJ1,1,3512000,36512000\nJ2,1,3512100,36512000\nJ3,1,3512100,36512100\nJ4,1,3512000,36512100\n";
    let e = read_err(&file_with(META36, body));
    assert_err(&e, "unclosed_ring", Some("A"), Some("圈号 1"), Some(10));

    // An unclosed hole after a good exterior: the error names ring 2.
    let body = format!(
        "9,,1,A,面,,,,@\n{}J5,2,3512010,36512010\nJ6,2,3512020,36512010\nJ7,2,3512020,36512020\n",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0))
    );
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "unclosed_ring", Some("A"), Some("圈号 2"), Some(14));
}

#[test]
fn too_few_points_zero_area_and_self_intersection() {
    let body =
        "3,,1,A,面,,,,@\nJ1,1,3512000,36512000\nJ2,1,3512100,36512000\nJ1,1,3512000,36512000\n";
    let e = read_err(&file_with(META36, body));
    assert_err(&e, "too_few_points", Some("A"), Some("圈号 1"), Some(7));
    assert!(matches!(
        e.kind,
        guagou_geo::GeoErrorKind::TooFewPoints {
            ring: 1,
            distinct: 2
        }
    ));

    let body = "4,,1,A,面,,,,@\nJ1,1,3512000,36512000\nJ2,1,3512100,36512000\nJ3,1,3512200,36512000\nJ1,1,3512000,36512000\n";
    let e = read_err(&file_with(META36, body));
    assert_err(&e, "zero_area", Some("A"), Some("圈号 1"), Some(7));

    // A bow tie: J1→J2 and J3→J4 cross at (36 512 050, 3 512 050).
    let body = "5,,1,A,面,,,,@\nJ1,1,3512000,36512000\nJ2,1,3512100,36512100\nJ3,1,3512000,36512100\nJ4,1,3512100,36512000\nJ1,1,3512000,36512000\n";
    let e = read_err(&file_with(META36, body));
    assert_err(&e, "self_intersection", Some("A"), Some("圈号 1"), Some(7));
    match e.kind {
        guagou_geo::GeoErrorKind::SelfIntersection { ring, x, y } => {
            assert_eq!(ring, 1);
            assert!(
                (x - 36_512_050.0).abs() < 1e-3 && (y - 3_512_050.0).abs() < 1e-3,
                "{x} {y}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ring_closing_then_going_on_and_ring_numbers_coming_back_are_syntax_errors() {
    // Two rings under one 圈号: the first closes at line 9, the next point is line 10.
    let body = format!(
        "10,,1,A,面,,,,@\n{}{}",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0)),
        ring_lines(1, 5, &rect(N0 + 500.0, E0, 100.0, 100.0))
    );
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "syntax", Some("A"), Some("圈号 1 点 J5"), Some(12));

    let body = format!(
        "15,,1,A,面,,,,@\n{}{}{}",
        ring_lines(1, 1, &rect(N0, E0, 100.0, 100.0)),
        ring_lines(2, 5, &rect(N0 + 500.0, E0, 100.0, 100.0)),
        ring_lines(1, 9, &rect(N0 + 900.0, E0, 100.0, 100.0))
    );
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "syntax", Some("A"), Some("圈号 1 点 J9"), Some(17));

    // A duplicated closing point is only a repeated vertex.
    let mut body = simple_parcel("A");
    body.push_str(&format!("J1,1,{N0:.3},{E0:.3}\n"));
    assert_eq!(
        read(&file_with(META36, &body)).parcels[0].geometry.0[0]
            .exterior()
            .0
            .len(),
        6
    );
}

#[test]
fn a_parcel_without_points_is_missing() {
    let body = format!("0,,1,A,面,,,,@\n{}", simple_parcel("B"));
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "missing", Some("A"), None, Some(6));
}

// -------------------------------------------------------------------------------------------
// Syntax, structure, limits
// -------------------------------------------------------------------------------------------

#[test]
fn structural_errors() {
    // Empty file, only whitespace: no [地块坐标].
    for text in ["", "\n\r\n  \n"] {
        let e = read_err(text);
        assert_err(&e, "missing", None, None, None);
    }
    let e = read_err(&format!("[属性描述]\n{META36}"));
    assert_eq!(e.code(), "missing");

    // Text before the first section.
    let e = read_err(&format!(
        "坐标文件\n{}",
        file_with(META36, &simple_parcel("A"))
    ));
    assert_err(&e, "syntax", None, None, Some(1));

    // A metadata line without '='.
    let e = read_err(&file_with("带号 36\n", &simple_parcel("A")));
    assert_err(&e, "syntax", None, None, Some(2));

    // A key repeated with another value.
    let e = read_err(&file_with("带号=36\n带号=35\n", &simple_parcel("A")));
    assert_err(&e, "syntax", None, Some("带号"), Some(3));

    // Points before any header.
    let e = read_err(&file_with(
        META36,
        &format!("J1,1,{N0},{E0}\n{}", simple_parcel("A")),
    ));
    assert_err(&e, "syntax", None, None, Some(6));

    // Wrong number of fields, non-numeric 圈号 and coordinates.
    for (line, field) in [
        ("J2,1,3512100.000\n", None),
        ("J2,1,3512100.000,36512000.000,5\n", None),
        ("J2,A,3512100.000,36512000.000\n", Some("圈号 A 点 J2")),
        ("J2,0,3512100.000,36512000.000\n", Some("圈号 0 点 J2")),
        ("J2,1,3512100.000,三六\n", Some("圈号 1 点 J2")),
        ("J2,1,,36512000.000\n", Some("圈号 1 点 J2")),
    ] {
        let body = format!("5,,1,A,面,,,,@\nJ1,1,{N0},{E0}\n{line}");
        let e = read_err(&file_with(META36, &body));
        assert_err(&e, "syntax", Some("A"), field, Some(8));
    }

    // A trailing comma is not a fifth field.
    let body = simple_parcel("A")
        .replace('\n', ",\n")
        .replace("@,\n", "@\n");
    assert_eq!(read(&file_with(META36, &body)).parcels.len(), 1);

    // An unknown section is skipped with a warning.
    let text = format!(
        "[说明]\n任意内容\n{}",
        file_with(META36, &simple_parcel("A"))
    );
    assert_eq!(codes(&read(&text)), vec!["unknown_section"]);

    // A [地块坐标] section with no parcels reads as an empty file, with a warning.
    let file = read(&file_with(META36, ""));
    assert!(file.parcels.is_empty());
    assert_eq!(codes(&file), vec!["no_parcels"]);
}

#[test]
fn line_and_point_features_are_refused() {
    let body = simple_parcel("A").replace(",面,", ",线,");
    let e = read_err(&file_with(META36, &body));
    assert_err(
        &e,
        "unsupported_format",
        Some("A"),
        Some("图形属性"),
        Some(6),
    );
}

#[test]
fn not_finite_coordinates_are_outside_zone() {
    for bad in ["NaN", "inf", "-inf", "infinity", "1e400"] {
        let body = format!("5,,1,A,面,,,,@\nJ1,1,{N0},{E0}\nJ2,1,{bad},{E0}\n");
        let e = read_err(&file_with(META36, &body));
        assert_err(&e, "outside_zone", Some("A"), Some("圈号 1 点 J2"), Some(8));
    }
}

// -------------------------------------------------------------------------------------------
// Coordinate system and zone
// -------------------------------------------------------------------------------------------

#[test]
fn zone_from_prefix_from_dai_hao_or_from_central_meridian() {
    // Prefixed eastings with no 带号 at all.
    let file = read(&file_with(
        "坐标系=2000国家大地坐标系\n",
        &simple_parcel("A"),
    ));
    assert_eq!(file.crs, ZONE36);

    // No prefix, 带号=36: the unprefixed zone; x is the easting as written.
    let unprefixed = simple_parcel("A").replace(",365", ",5");
    let file = read(&file_with(META36, &unprefixed));
    assert_eq!(
        file.crs,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false
        }
    );
    assert_eq!(
        file.parcels[0].geometry.0[0].exterior().0[0],
        c(512_000.0, N0)
    );

    // No prefix, no 带号, a central meridian in either spelling and notation.
    for meta in [
        "中央子午线=108\n",
        "中央经线=108°\n",
        "中央子午线=东经108度\n",
        "中央子午线=108:00:00\n",
    ] {
        let file = read(&file_with(
            &format!("坐标系=2000国家大地坐标系\n{meta}"),
            &unprefixed,
        ));
        assert_eq!(
            file.crs,
            Crs::GaussKruger {
                zone: 36,
                prefixed: false
            },
            "{meta}"
        );
    }
}

#[test]
fn zone_errors() {
    let unprefixed = simple_parcel("A").replace(",365", ",5");
    // Neither prefix nor 带号.
    let e = read_err(&file_with("坐标系=2000国家大地坐标系\n", &unprefixed));
    assert_err(&e, "zone_unknown", None, Some("带号"), None);

    // Prefix 36, 带号 35.
    let e = read_err(&file_with("带号=35\n", &simple_parcel("A")));
    assert_err(&e, "zone_mismatch", None, Some("带号"), Some(2));
    assert!(matches!(
        e.kind,
        guagou_geo::GeoErrorKind::ZoneMismatch {
            prefix: 36,
            declared: 35
        }
    ));

    // Prefix 36, central meridian 105° (zone 35).
    let e = read_err(&file_with("中央子午线=105\n", &simple_parcel("A")));
    assert_err(&e, "zone_mismatch", None, Some("中央子午线"), Some(2));

    // 带号 and central meridian disagree.
    let e = read_err(&file_with("带号=36\n中央子午线=105\n", &unprefixed));
    assert_err(&e, "mixed_crs", None, Some("中央子午线"), Some(3));

    // A central meridian that is no 3-degree zone's; a 带号 outside China's zones.
    let e = read_err(&file_with("中央子午线=106.5\n", &unprefixed));
    assert_err(&e, "unsupported_crs", None, Some("中央子午线"), Some(2));
    let e = read_err(&file_with("带号=18\n", &unprefixed));
    assert_err(&e, "unsupported_crs", None, Some("带号"), Some(2));
    let e = read_err(&file_with("带号=三十六\n", &unprefixed));
    assert_err(&e, "syntax", None, Some("带号"), Some(2));
}

#[test]
fn a_parcel_with_another_prefix_is_mixed_crs() {
    // Parcel B has no prefix while A has 36.
    let b = simple_parcel("B").replace(",365", ",5");
    let e = read_err(&file_with(META36, &format!("{}{b}", simple_parcel("A"))));
    assert_err(&e, "mixed_crs", Some("B"), Some("圈号 1"), Some(13));
    // Parcel B carries prefix 35.
    let b = simple_parcel("B").replace(",365", ",355");
    let e = read_err(&file_with(META36, &format!("{}{b}", simple_parcel("A"))));
    assert_eq!(e.code(), "mixed_crs");
    assert!(e.to_string().contains("35"), "{e}");
    // Within one parcel.
    let body = "5,,1,A,面,,,,@\nJ1,1,3512000,36512000\nJ2,1,3512100,512000\n";
    let e = read_err(&file_with(META36, body));
    assert_err(&e, "mixed_crs", Some("A"), Some("圈号 1"), Some(8));
}

#[test]
fn unsupported_coordinate_systems() {
    for (meta, field) in [
        ("坐标系=1980西安坐标系\n", "坐标系"),
        ("坐标系=西安80\n", "坐标系"),
        ("坐标系=北京54\n", "坐标系"),
        ("坐标系=1954年北京坐标系\n", "坐标系"),
        ("几度分带=6\n", "几度分带"),
        ("几度分带=6度带\n", "几度分带"),
        ("计量单位=度\n", "计量单位"),
        ("投影类型=UTM\n", "投影类型"),
    ] {
        let e = read_err(&file_with(meta, &simple_parcel("A")));
        assert_err(&e, "unsupported_crs", None, Some(field), Some(2));
    }
}

#[test]
fn coordinate_system_warnings() {
    let file = read(&file_with("带号=36\n", &simple_parcel("A")));
    assert_eq!(codes(&file), vec!["crs_assumed"]);
    let file = read(&file_with(
        "坐标系=国家坐标系\n带号=36\n",
        &simple_parcel("A"),
    ));
    assert_eq!(codes(&file), vec!["crs_name_unrecognised"]);
    let file = read(&file_with(
        "坐标系=2000国家大地坐标系\n转换参数=1,2,3,0,0,0,0\n",
        &simple_parcel("A"),
    ));
    assert_eq!(codes(&file), vec!["transform_parameters_ignored"]);
}

#[test]
fn coordinates_outside_the_zone() {
    // Unprefixed 带号=36 easting 912 000 lies ~4.3° east of 108°E.
    let body = simple_parcel("A").replace(",36512", ",912");
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "outside_zone", Some("A"), Some("圈号 1 点 J1"), Some(7));

    // X and Y swapped: the message says so.
    let swapped = "5,,1,A,面,,,,@\nJ1,1,36512000,3512000\n";
    let e = read_err(&file_with("带号=36\n", swapped));
    assert_eq!(e.code(), "outside_zone");
    assert!(e.to_string().contains("swapped"), "{e}");

    // An easting with more than 8 integer digits.
    let body = simple_parcel("A").replace(",36512000", ",365120000");
    let e = read_err(&file_with(META36, &body));
    assert_err(&e, "outside_zone", Some("A"), Some("圈号 1"), Some(7));
}

// -------------------------------------------------------------------------------------------
// Writing
// -------------------------------------------------------------------------------------------

fn without_computed(attributes: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    attributes
        .iter()
        .filter(|(k, _)| *k != "界址点数" && *k != "地块面积")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn writes_the_format() {
    let file = coordtxt::read("a.txt", &fixture("dazhou_ministry.txt")).unwrap();
    let text = coordtxt::write(&file, None).unwrap();
    assert!(text.lines().all(|l| !l.contains('\r') || l.ends_with('\r')));
    assert!(text.contains("\r\n"));
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        &lines[..12],
        &[
            "[属性描述]",
            "格式版本号=1.01版本",
            "数据产生单位=达州市自然资源和规划局",
            "数据产生日期=2017-12-01",
            "坐标系=2000国家大地坐标系",
            "几度分带=3",
            "投影类型=高斯克吕格",
            "计量单位=米",
            "带号=36",
            "精度=0.001",
            "转换参数=,,,,,,",
            "[地块坐标]",
        ]
    );
    assert_eq!(
        lines[12],
        "15,1.1600,001,拆旧地块1,面,H49G012034,拆旧,0702,@"
    );
    // Exterior clockwise on the map as surveyors write it (here: as in the file), numbered
    // J1.. through the parcel, each ring closed by its first number.
    assert_eq!(
        &lines[13..28],
        &[
            "J1,1,3512345.678,36512345.678",
            "J2,1,3512445.678,36512345.678",
            "J3,1,3512445.678,36512445.678",
            "J4,1,3512345.678,36512445.678",
            "J1,1,3512345.678,36512345.678",
            "J5,2,3512385.678,36512385.678",
            "J6,2,3512385.678,36512405.678",
            "J7,2,3512405.678,36512405.678",
            "J8,2,3512405.678,36512385.678",
            "J5,2,3512385.678,36512385.678",
            "J9,3,3512600.000,36512700.000",
            "J10,3,3512650.000,36512700.000",
            "J11,3,3512650.000,36512740.000",
            "J12,3,3512600.000,36512740.000",
            "J9,3,3512600.000,36512700.000",
        ]
    );
    assert_eq!(
        lines[28],
        "6,1.9416,002,复垦地块2,面,H49G012035,复垦,0103,@"
    );
}

#[test]
fn round_trip_keeps_geometry_names_and_attributes() {
    for name in [
        "dazhou_ministry.txt",
        "dazhou_bare_lf.txt",
        "dazhou_ministry_gbk.txt",
    ] {
        let first = coordtxt::read(name, &fixture(name)).unwrap();
        let text = coordtxt::write(&first, None).unwrap();
        let second = coordtxt::read(name, text.as_bytes()).unwrap();
        assert!(second.warnings.is_empty(), "{:?}", second.warnings);
        assert_eq!(second.crs, first.crs);
        assert_eq!(second.parcels.len(), first.parcels.len());
        for (a, b) in first.parcels.iter().zip(&second.parcels) {
            assert_eq!(a.geometry, b.geometry, "{name}");
            assert_eq!(a.name, b.name);
            assert_eq!(
                without_computed(&a.attributes),
                without_computed(&b.attributes)
            );
        }
        // Written once, the file is a fixed point.
        assert_eq!(coordtxt::write(&second, None).unwrap(), text);
        // GBK bytes read back the same.
        let gbk = coordtxt::write_gbk(&first, None).unwrap();
        let third = coordtxt::read(name, &gbk).unwrap();
        assert_eq!(third.parcels, second.parcels);
    }
}

#[test]
fn writing_an_unprefixed_file_adds_the_prefix_exactly() {
    let body = simple_parcel("A").replace(",365", ",5");
    let file = read(&file_with(META36, &body));
    let text = coordtxt::write(&file, None).unwrap();
    assert!(text.contains("J1,1,3512000.000,36512000.000\r\n"), "{text}");
    let back = coordtxt::read("t.txt", text.as_bytes()).unwrap();
    assert_eq!(back.crs, ZONE36);
    assert_eq!(
        back.parcels[0].geometry.0[0].exterior().0[0],
        c(36_512_000.0, N0)
    );
}

fn max_distance(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    use geo::CoordsIter;
    assert_eq!(a.coords_count(), b.coords_count());
    a.coords_iter()
        .zip(b.coords_iter())
        .map(|(p, q)| (p.x - q.x).hypot(p.y - q.y))
        .fold(0.0, f64::max)
}

#[test]
fn writing_a_geographic_file_projects_to_the_centroid_zone() {
    let original = coordtxt::read("a.txt", &fixture("dazhou_ministry.txt")).unwrap();
    let mut geographic = original.clone();
    geographic.crs = Crs::Geographic;
    for p in &mut geographic.parcels {
        p.geometry = transform_geometry(&p.geometry, ZONE36, Crs::Geographic).unwrap();
    }
    let text = coordtxt::write(&geographic, None).unwrap();
    let back = coordtxt::read("a.txt", text.as_bytes()).unwrap();
    assert_eq!(back.crs, ZONE36);
    for (a, b) in original.parcels.iter().zip(&back.parcels) {
        let d = max_distance(&a.geometry, &b.geometry);
        assert!(d <= 0.0005 + 1e-9, "{} moved {d} m", a.name);
        assert_eq!(a.name, b.name);
    }

    // The target's zone is used, always with the prefix; a zone the parcels do not fit in
    // (zone 35 ends at 107°E with its tolerance, the parcels are at 108.1°E) is refused, and
    // so is a geographic target.
    let same = coordtxt::write(
        &original,
        Some(Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        }),
    )
    .unwrap();
    assert_eq!(same, coordtxt::write(&original, None).unwrap());
    let e = coordtxt::write(
        &original,
        Some(Crs::GaussKruger {
            zone: 35,
            prefixed: true,
        }),
    )
    .unwrap_err();
    assert_eq!(e.code(), "outside_zone");
    assert_eq!(e.location.record.as_deref(), Some("拆旧地块1"));
    let e = coordtxt::write(&original, Some(Crs::Geographic)).unwrap_err();
    assert_eq!(e.code(), "unsupported_crs");
}

fn square(e0: f64, n0: f64, side: f64) -> LineString<f64> {
    LineString::from(vec![
        (e0, n0),
        (e0 + side, n0),
        (e0 + side, n0 + side),
        (e0, n0 + side),
        (e0, n0),
    ])
}

fn parcel_file(parcels: Vec<Parcel>) -> ParcelFile {
    ParcelFile {
        source: "mem".into(),
        crs: ZONE36,
        parcels,
        metadata: BTreeMap::new(),
        warnings: vec![],
    }
}

#[test]
fn writing_an_island_first_puts_the_outer_part_first() {
    // As GeoJSON may have it: the island (inside the lake) is the first polygon.
    let island = Polygon::new(square(E0 + 100.0, N0 + 100.0, 50.0), vec![]);
    let outer = Polygon::new(
        square(E0, N0, 300.0),
        vec![LineString::from(
            square(E0 + 50.0, N0 + 50.0, 200.0)
                .0
                .into_iter()
                .rev()
                .collect::<Vec<_>>(),
        )],
    );
    let parcel = Parcel {
        name: "湖心岛".into(),
        attributes: BTreeMap::new(),
        geometry: MultiPolygon::new(vec![island, outer]),
    };
    let file = parcel_file(vec![parcel]);
    let text = coordtxt::write(&file, None).unwrap();
    let back = coordtxt::read("t.txt", text.as_bytes()).unwrap();
    let g = &back.parcels[0].geometry;
    assert_eq!(g.0.len(), 2);
    assert!((planar_area_m2(g) - planar_area_m2(&file.parcels[0].geometry)).abs() < 1e-6);
    assert_eq!(back.parcels[0].name, "湖心岛");
    assert_eq!(back.parcels[0].attributes["地块名称"], "湖心岛");
}

#[test]
fn write_refuses_values_the_format_cannot_hold() {
    let mut attributes = BTreeMap::new();
    attributes.insert("地块名称".to_string(), "甲,乙".to_string());
    let parcel = Parcel {
        name: "甲,乙".into(),
        attributes,
        geometry: MultiPolygon::new(vec![Polygon::new(square(E0, N0, 10.0), vec![])]),
    };
    let e = coordtxt::write(&parcel_file(vec![parcel.clone()]), None).unwrap_err();
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.record.as_deref(), Some("甲,乙"));
    assert_eq!(e.location.field.as_deref(), Some("地块名称"));

    let mut file = parcel_file(vec![]);
    file.metadata.insert("备注".into(), "第一行\n第二行".into());
    assert_eq!(coordtxt::write(&file, None).unwrap_err().code(), "syntax");

    // A character GBK does not have.
    let mut ok = parcel.clone();
    ok.name = "😀".into();
    ok.attributes.clear();
    let file = parcel_file(vec![ok]);
    assert!(coordtxt::write(&file, None).is_ok());
    assert_eq!(
        coordtxt::write_gbk(&file, None).unwrap_err().code(),
        "encoding"
    );
}

// -------------------------------------------------------------------------------------------
// Never a panic
// -------------------------------------------------------------------------------------------

#[test]
fn odd_inputs_do_not_panic() {
    let cases = [
        "[",
        "[]",
        "[地块坐标]",
        "[地块坐标]\n@",
        "[地块坐标]\n,,,,,,,,,,,,,,,,,,,,,@",
        "[地块坐标]\n@\n,,,",
        "[地块坐标]\n@\nJ1,1,1,1",
        "[地块坐标]\n@\nJ1,1,1,1\nJ1,1,1,1\nJ1,1,1,1\nJ1,1,1,1",
        "[地块坐标]\n@\nJ1,4294967296,1,1",
        "[地块坐标]\n@\nJ1,-1,1,1",
        "[地块坐标]\n@\nJ1,1,-1e308,1e308",
        "[属性描述]\n=\n[地块坐标]",
        "[属性描述]\n带号=99999999999999999999\n[地块坐标]\n@\nJ1,1,3512000,512000",
        "[属性描述]\n中央子午线=1e309\n[地块坐标]\n@\nJ1,1,3512000,512000",
        "[属性描述]\n中央子午线=.\n[地块坐标]\n@\nJ1,1,3512000,512000",
        "\u{0}\u{1}\u{2}",
    ];
    for text in cases {
        let _ = coordtxt::read("t.txt", text.as_bytes());
    }
    // Bytes that are neither UTF-8 nor GBK.
    let e = coordtxt::read("t.txt", &[0xff, 0xff, 0xff, 0x80]).unwrap_err();
    assert_eq!(e.code(), "encoding");
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[属性描述]\n".to_string()),
        Just("[地块坐标]\n".to_string()),
        Just("带号=36\n".to_string()),
        Just("中央子午线=108\n".to_string()),
        Just("几度分带=3\n".to_string()),
        Just("5,1.0,1,A,面,,,,@\n".to_string()),
        Just("@\n".to_string()),
        Just(",".to_string()),
        Just("，".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("J1".to_string()),
        Just("NaN".to_string()),
        (1u32..4).prop_map(|r| format!(",{r},")),
        (3_511_900.0f64..3_512_200.0).prop_map(|v| format!("{v:.3}")),
        (36_511_900.0f64..36_512_200.0).prop_map(|v| format!("{v:.3}")),
        (511_900.0f64..512_200.0).prop_map(|v| format!("{v:.3}")),
        "[a-zA-Z0-9 .=@\\[\\]-]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_token_soup_never_panics(tokens in proptest::collection::vec(token(), 0..60)) {
        let text: String = tokens.concat();
        if let Ok(file) = coordtxt::read("t.txt", text.as_bytes()) {
            // Whatever reads, writes and reads again.
            if let Ok(out) = coordtxt::write(&file, None) {
                let back = coordtxt::read("t.txt", out.as_bytes());
                prop_assert!(back.is_ok(), "{:?}", back.err());
            }
        }
    }

    #[test]
    fn random_rectangles_round_trip(
        n in 3_400_000.0f64..3_600_000.0,
        e in 36_400_000.0f64..36_600_000.0,
        h in 1.0f64..500.0,
        w in 1.0f64..500.0,
    ) {
        let (n, e, h, w) = (round_mm(n), round_mm(e), round_mm(h), round_mm(w));
        let body = format!("5,,1,A,面,,,,@\n{}", ring_lines(1, 1, &rect(n, e, h, w)));
        let file = read(&file_with(META36, &body));
        let text = coordtxt::write(&file, None).unwrap();
        let back = coordtxt::read("t.txt", text.as_bytes()).unwrap();
        prop_assert_eq!(&back.parcels[0].geometry, &file.parcels[0].geometry);
    }
}

fn round_mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
