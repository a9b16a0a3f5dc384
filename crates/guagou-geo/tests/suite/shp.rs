//! Shapefile reading and writing, plain and zipped.
//!
//! Inputs come from three independent writers: the `shapefile`/`dbase` crates (built inside
//! the tests), GDAL (`tests/data/shp/gdal_*`, made by `tests/data/shp/make_fixtures.sh`), and
//! hand-assembled bytes for what no writer produces on purpose (null shapes, unclosed rings,
//! truncated files). Our own output is read back by us and by the crates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;

use geo::winding_order::Winding;
use guagou_geo::formats::shp::{
    ZipLimits, read_parts, read_path, read_zip, read_zip_with_limits, write_parts, write_path,
    write_zip,
};
use guagou_geo::{Crs, GeoError, GeoErrorKind, ParcelFile};
use shapefile::dbase;
use shapefile::{Point, Polygon, PolygonRing, ShapeWriter};

const ZONE36: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: false,
};

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/shp")
        .join(path)
}

/// A square in EPSG:4545 metres near Dazhou, clockwise (a shapefile exterior).
fn square(x0: f64, y0: f64, size: f64) -> Vec<Point> {
    vec![
        Point::new(x0, y0),
        Point::new(x0, y0 + size),
        Point::new(x0 + size, y0 + size),
        Point::new(x0 + size, y0),
        Point::new(x0, y0),
    ]
}

/// .shp and .shx written by the `shapefile` crate.
fn crate_shp(polygons: &[Polygon]) -> (Vec<u8>, Vec<u8>) {
    let mut shp = Vec::new();
    let mut shx = Vec::new();
    {
        let mut writer = ShapeWriter::with_shx(Cursor::new(&mut shp), Cursor::new(&mut shx));
        for p in polygons {
            writer.write_shape(p).unwrap();
        }
        writer.finalize().unwrap();
    }
    (shp, shx)
}

struct Row(Vec<String>);

impl dbase::WritableRecord for Row {
    fn write_using<W: Write>(
        &self,
        writer: &mut dbase::FieldWriter<'_, W>,
    ) -> Result<(), dbase::FieldError> {
        for v in &self.0 {
            writer.write_next_field_value(&v.as_str())?;
        }
        Ok(())
    }
}

/// A .dbf of character fields written by the `dbase` crate in `encoding` (field names must be
/// ASCII: the crate writes names as UTF-8 whatever the encoding).
fn crate_dbf(
    fields: &[&str],
    rows: &[&[&str]],
    encoding: &'static encoding_rs::Encoding,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut builder =
            dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding));
        for f in fields {
            builder = builder.add_character_field(dbase::FieldName::try_from(*f).unwrap(), 40);
        }
        let mut writer = builder.build_with_dest(Cursor::new(&mut out));
        for row in rows {
            writer
                .write_record(&Row(row.iter().map(|s| s.to_string()).collect()))
                .unwrap();
        }
        writer.finalize().unwrap();
    }
    out
}

/// Replaces the 11-byte name slot of field `index` (0-based) with `name` bytes.
fn patch_field_name(dbf: &mut [u8], index: usize, name: &[u8]) {
    let at = 32 + 32 * index;
    dbf[at..at + 11].fill(0);
    dbf[at..at + name.len()].copy_from_slice(name);
}

/// A .shp assembled by hand: `records` are record contents (shape type onwards).
fn raw_shp(shape_type: i32, records: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, content) in records.iter().enumerate() {
        body.extend_from_slice(&(i as i32 + 1).to_be_bytes());
        body.extend_from_slice(&((content.len() / 2) as i32).to_be_bytes());
        body.extend_from_slice(content);
    }
    let mut header = vec![0u8; 100];
    header[0..4].copy_from_slice(&9994i32.to_be_bytes());
    header[24..28].copy_from_slice(&(((100 + body.len()) / 2) as i32).to_be_bytes());
    header[28..32].copy_from_slice(&1000i32.to_le_bytes());
    header[32..36].copy_from_slice(&shape_type.to_le_bytes());
    header.extend(body);
    header
}

/// Content of a Polygon record (type 5) with the given rings, as given (no closing, no
/// reordering).
fn raw_polygon(rings: &[&[(f64, f64)]]) -> Vec<u8> {
    let mut c = Vec::new();
    c.extend_from_slice(&5i32.to_le_bytes());
    c.extend_from_slice(&[0u8; 32]);
    let points: usize = rings.iter().map(|r| r.len()).sum();
    c.extend_from_slice(&(rings.len() as i32).to_le_bytes());
    c.extend_from_slice(&(points as i32).to_le_bytes());
    let mut start = 0i32;
    for r in rings {
        c.extend_from_slice(&start.to_le_bytes());
        start += r.len() as i32;
    }
    for r in rings {
        for (x, y) in *r {
            c.extend_from_slice(&x.to_le_bytes());
            c.extend_from_slice(&y.to_le_bytes());
        }
    }
    c
}

fn prj_4545() -> String {
    ZONE36.to_prj_wkt()
}

/// Two parcels: 甲 (a square with a hole), 乙 (two parts).
fn two_parcels() -> (Vec<u8>, Vec<u8>) {
    let first = Polygon::with_rings(vec![
        PolygonRing::Outer(square(452_000.0, 3_453_000.0, 100.0)),
        PolygonRing::Inner(square(452_040.0, 3_453_040.0, 10.0)),
    ]);
    let second = Polygon::with_rings(vec![
        PolygonRing::Outer(square(452_200.0, 3_453_000.0, 50.0)),
        PolygonRing::Outer(square(452_300.0, 3_453_000.0, 20.5)),
    ]);
    crate_shp(&[first, second])
}

fn err(result: Result<ParcelFile, GeoError>) -> GeoError {
    match result {
        Ok(f) => panic!("expected an error, read {} parcels", f.parcels.len()),
        Err(e) => e,
    }
}

fn gdal_parts(dir: &str) -> (Vec<u8>, Vec<u8>, String, String) {
    let read = |ext: &str| std::fs::read(data(&format!("{dir}/parcels.{ext}"))).unwrap();
    (
        read("shp"),
        read("dbf"),
        String::from_utf8(read("prj")).unwrap(),
        String::from_utf8(read("cpg")).unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading

#[test]
fn reads_polygons_holes_and_parts_written_by_the_shapefile_crate() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(
        &["DKMC", "DKBH"],
        &[&["甲", "511702001"], &["乙", "511702002"]],
        encoding_rs::UTF_8,
    );
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some("UTF-8")).unwrap();
    assert_eq!(file.crs, ZONE36);
    assert_eq!(file.parcels.len(), 2);
    let a = &file.parcels[0];
    assert_eq!(a.name, "甲");
    assert_eq!(a.attributes["DKBH"], "511702001");
    assert_eq!(a.geometry.0.len(), 1);
    assert_eq!(a.geometry.0[0].interiors().len(), 1);
    assert!(a.geometry.0[0].exterior().is_ccw(), "model orientation");
    assert!(a.geometry.0[0].interiors()[0].is_cw());
    let b = &file.parcels[1];
    assert_eq!(b.name, "乙");
    assert_eq!(b.geometry.0.len(), 2);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn gbk_attributes_follow_the_cpg() {
    let (shp, _) = two_parcels();
    let mut dbf = crate_dbf(
        &["PLACEHLD", "DKBH"],
        &[&["东岳村", "001"], &["西城区", "002"]],
        encoding_rs::GBK,
    );
    // A GBK field name, as Chinese tools write them (8 bytes in GBK).
    let (name, _, _) = encoding_rs::GBK.encode("地块名称");
    patch_field_name(&mut dbf, 0, &name);
    for cpg in [
        "GBK",
        "CP936",
        "936",
        "GB2312",
        "gb18030",
        " 936\r\n",
        "\u{feff}GBK",
        "ANSI 936",
    ] {
        let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some(cpg))
            .unwrap_or_else(|e| panic!("{cpg:?}: {e}"));
        assert_eq!(file.parcels[0].name, "东岳村", "{cpg:?}");
        assert_eq!(file.parcels[0].attributes["地块名称"], "东岳村");
        assert_eq!(file.parcels[1].attributes["DKBH"], "002");
        assert!(file.warnings.is_empty(), "{cpg:?}: {:?}", file.warnings);
    }
}

#[test]
fn gbk_without_cpg_is_recognised() {
    let (shp, _) = two_parcels();
    let mut dbf = crate_dbf(&["DKMC"], &[&["东岳村"], &["西城区"]], encoding_rs::GBK);

    // The dbase crate marks CP936 (language driver 0x7A): trusted, no warning.
    assert_eq!(dbf[29], 0x7A);
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), None).unwrap();
    assert_eq!(file.parcels[0].name, "东岳村");
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);

    // ArcGIS on Chinese Windows writes 0x57 ("ANSI") for GBK: not valid UTF-8 → GBK, warned.
    for ldid in [0x57, 0x00] {
        dbf[29] = ldid;
        let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), None).unwrap();
        assert_eq!(file.parcels[1].name, "西城区");
        assert!(
            file.warnings
                .iter()
                .any(|w| w.code == "dbf_encoding_guessed" && w.message_en.contains("GBK")),
            "{:?}",
            file.warnings
        );
    }
}

#[test]
fn utf8_without_cpg_is_recognised() {
    let (shp, _) = two_parcels();
    let mut dbf = crate_dbf(&["DKMC"], &[&["东岳村"], &["西城区"]], encoding_rs::UTF_8);
    dbf[29] = 0;
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), None).unwrap();
    assert_eq!(file.parcels[0].name, "东岳村");
    assert!(
        file.warnings
            .iter()
            .any(|w| w.code == "dbf_encoding_guessed")
    );

    // Plain ASCII: nothing to guess, nothing to warn about.
    let mut dbf = crate_dbf(&["DKMC"], &[&["A1"], &["A2"]], encoding_rs::UTF_8);
    dbf[29] = 0;
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), None).unwrap();
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn invalid_bytes_are_replaced_with_a_located_warning() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(&["DKMC"], &[&["好"], &["坏"]], encoding_rs::UTF_8);
    // Cut the second value's character in half: "坏" is 3 bytes, keep 2.
    let mut dbf = dbf;
    let header_len = u16::from_le_bytes([dbf[8], dbf[9]]) as usize;
    let record_len = u16::from_le_bytes([dbf[10], dbf[11]]) as usize;
    dbf[header_len + record_len + 3] = b' ';
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some("UTF-8")).unwrap();
    let w: Vec<_> = file
        .warnings
        .iter()
        .filter(|w| w.code == "dbf_invalid_text")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", file.warnings);
    assert_eq!(w[0].location.record.as_deref(), Some("#2"));
    assert_eq!(w[0].location.field.as_deref(), Some("DKMC"));
    assert!(file.parcels[1].name.contains('\u{fffd}'));
}

#[test]
fn names_never_end_in_dbase_padding() {
    // Found by the fuzzer: a name ending in NUL lost them in the NAME field dBase pads.
    let (shp, _) = two_parcels();
    let mut dbf = crate_dbf(&["PLACEHLD"], &[&["甲  \0\0\n"], &["乙"]], encoding_rs::GBK);
    let (name, _, _) = encoding_rs::GBK.encode("地块名称");
    patch_field_name(&mut dbf, 0, &name);
    let first = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some("GBK")).unwrap();
    assert_eq!(first.parcels[0].name, "甲");
    assert_eq!(first.parcels[0].attributes["地块名称"], "甲  \0\0\n");
    let second = read_written(&first, None);
    assert_eq!(second.parcels[0].name, "甲");
}

#[test]
fn a_cpg_naming_an_encoding_dbase_cannot_use_is_ignored() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(&["DKMC"], &[&["东岳村"], &["西城区"]], encoding_rs::UTF_8);
    for cpg in ["UTF-16LE", "utf-16", "ISO-2022-JP", "no such encoding"] {
        let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some(cpg)).unwrap();
        assert_eq!(file.parcels[0].name, "东岳村", "{cpg}");
        assert!(
            file.warnings.iter().any(|w| w.code == "cpg_unknown"),
            "{cpg}: {:?}",
            file.warnings
        );
    }
    // A known single-byte code page by number is honoured.
    let dbf = crate_dbf(&["DKMC"], &[&["café"], &["thé"]], encoding_rs::WINDOWS_1252);
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some("1252")).unwrap();
    assert_eq!(file.parcels[0].name, "café");
}

#[test]
fn reads_gdal_gbk_shapefile_in_epsg_4545() {
    let file = read_path(&data("gdal_gbk/parcels.shp")).unwrap();
    assert_eq!(file.crs, ZONE36);
    assert_eq!(file.parcels.len(), 2);
    assert_eq!(file.parcels[0].name, "河东片区A");
    assert_eq!(file.parcels[0].attributes["地类编码"], "0103");
    assert_eq!(file.parcels[1].name, "A-02", "blank 地块名称 → 地块编号");
    assert_eq!(file.parcels[1].attributes["地块名称"], "");
    assert_eq!(file.parcels[1].geometry.0[0].interiors().len(), 1);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);

    // Without its .cpg (GDAL writes language driver 0): guessed as GBK, with a warning.
    let (shp, dbf, prj, _) = gdal_parts("gdal_gbk");
    let guessed = read_parts("parcels.shp", &shp, Some(&dbf), Some(&prj), None).unwrap();
    assert_eq!(guessed.parcels, file.parcels);
    assert!(
        guessed
            .warnings
            .iter()
            .any(|w| w.code == "dbf_encoding_guessed")
    );

    // Same content as the GeoJSON it was made from.
    let geojson = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/geojson/epsg4545_parcels.geojson"),
    )
    .unwrap();
    let original = guagou_geo::formats::geojson::read("x.geojson", &geojson).unwrap();
    for (a, b) in original.parcels.iter().zip(&file.parcels) {
        assert_eq!(a.name, b.name);
        // The .dbf has every field for every record: missing ones read as blank.
        let filled: BTreeMap<String, String> = b
            .attributes
            .iter()
            .filter(|(k, v)| !v.is_empty() || a.attributes.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(a.attributes, filled);
        let (area_a, area_b) = (
            geo::Area::unsigned_area(&a.geometry),
            geo::Area::unsigned_area(&b.geometry),
        );
        assert!((area_a - area_b).abs() < 1e-6, "{area_a} {area_b}");
    }
}

#[test]
fn reads_gdal_lon_lat_shapefile() {
    let file = read_path(&data("gdal_lonlat/parcels.shp")).unwrap();
    assert_eq!(
        file.crs,
        Crs::Geographic,
        "a WGS 84 .prj is read as CGCS2000"
    );
    let names: Vec<&str> = file.parcels.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["东岳村1号", "飞地地块", "#3"]);
    let first = &file.parcels[0];
    assert_eq!(
        first.attributes["面积"], "12.500000000000000",
        "numbers as written"
    );
    assert_eq!(first.attributes["已核实"], "1");
    assert_eq!(
        first.attributes["name"], "",
        "blank fields are present, empty"
    );
    assert_eq!(
        file.parcels[1].attributes["面积"], "",
        "a null number is empty"
    );
    assert_eq!(file.parcels[1].geometry.0.len(), 2);
    assert_eq!(first.geometry.0[0].interiors().len(), 1);
}

#[test]
fn sidecars_are_found_whatever_their_case() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::copy(
            data(&format!("gdal_gbk/parcels.{ext}")),
            dir.path()
                .join(format!("Parcels.{}", ext.to_ascii_uppercase())),
        )
        .unwrap();
    }
    // The .prj in lower case and a different stem case: still found.
    std::fs::rename(
        dir.path().join("Parcels.PRJ"),
        dir.path().join("PARCELS.prj"),
    )
    .unwrap();
    let file = read_path(&dir.path().join("Parcels.SHP")).unwrap();
    assert_eq!(file.parcels.len(), 2);
    assert_eq!(file.crs, ZONE36);
    assert!(
        file.warnings.is_empty(),
        "the .CPG was found: {:?}",
        file.warnings
    );
}

// ---------------------------------------------------------------------------------------------
// Reading errors

#[test]
fn missing_prj_is_an_error_that_says_what_the_coordinates_look_like() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(&["DKMC"], &[&["甲"], &["乙"]], encoding_rs::UTF_8);
    let e = err(read_parts("dir/parcels.shp", &shp, Some(&dbf), None, None));
    assert_eq!(e.code(), "missing");
    assert_eq!(e.location.file, "dir/parcels.shp");
    let text = e.to_string();
    assert!(text.contains("dir/parcels.prj"), "{text}");
    assert!(text.contains("EPSG:4534"), "{text}");

    let (shp, dbf, _, cpg) = gdal_parts("gdal_lonlat");
    let e = err(read_parts("p.shp", &shp, Some(&dbf), None, Some(&cpg)));
    assert!(e.to_string().contains("EPSG:4490"), "{e}");
}

#[test]
fn missing_dbf_is_an_error() {
    let (shp, _) = two_parcels();
    let e = err(read_parts("a/b.SHP", &shp, None, Some(&prj_4545()), None));
    assert_eq!(e.code(), "missing");
    assert!(e.to_string().contains("a/b.DBF"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("only.shp");
    std::fs::write(&path, &shp).unwrap();
    std::fs::write(dir.path().join("only.prj"), prj_4545()).unwrap();
    assert_eq!(err(read_path(&path)).code(), "missing");
    std::fs::remove_file(dir.path().join("only.prj")).unwrap();
    assert_eq!(err(read_path(&path)).code(), "missing");
    // No .shp at all.
    assert_eq!(err(read_path(&dir.path().join("nothing.shp"))).code(), "io");
}

#[test]
fn null_shape_names_the_record() {
    let ok = raw_polygon(&[&[
        (452_000.0, 3_453_000.0),
        (452_000.0, 3_453_100.0),
        (452_100.0, 3_453_100.0),
        (452_000.0, 3_453_000.0),
    ]]);
    let null = 0i32.to_le_bytes().to_vec();
    let shp = raw_shp(5, &[ok, null]);
    let dbf = crate_dbf(&["DKMC"], &[&["有图形"], &["无图形"]], encoding_rs::UTF_8);
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.code(), "missing");
    assert_eq!(e.location.record.as_deref(), Some("#2 无图形"));
    assert_eq!(e.location.field.as_deref(), Some("geometry"));
}

#[test]
fn other_shape_types_are_unsupported() {
    // A PolyLine file, written by the crate.
    let mut shp = Vec::new();
    {
        let mut w = ShapeWriter::new(Cursor::new(&mut shp));
        w.write_shape(&shapefile::Polyline::new(vec![
            Point::new(452_000.0, 3_453_000.0),
            Point::new(452_100.0, 3_453_000.0),
        ]))
        .unwrap();
        w.finalize().unwrap();
    }
    let dbf = crate_dbf(&["DKMC"], &[&["线"]], encoding_rs::UTF_8);
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.code(), "unsupported_format");
    assert!(e.to_string().contains("PolyLine"), "{e}");

    // A point record inside a polygon file.
    let mut point = 1i32.to_le_bytes().to_vec();
    point.extend_from_slice(&452_000f64.to_le_bytes());
    point.extend_from_slice(&3_453_000f64.to_le_bytes());
    let shp = raw_shp(5, &[point]);
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.code(), "unsupported_format");
    assert_eq!(e.location.record.as_deref(), Some("#1 线"));
    assert!(e.to_string().contains("Point (1)"), "{e}");
}

#[test]
fn ring_errors_come_from_validation_with_the_record_name() {
    let dbf = crate_dbf(&["DKMC"], &[&["坏环"]], encoding_rs::UTF_8);
    // Not closed (no writer would do this, so the bytes are assembled by hand).
    let shp = raw_shp(
        5,
        &[raw_polygon(&[&[
            (452_000.0, 3_453_000.0),
            (452_000.0, 3_453_100.0),
            (452_100.0, 3_453_100.0),
            (452_100.0, 3_453_000.0),
        ]])],
    );
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.kind, GeoErrorKind::UnclosedRing { ring: 1 });
    assert_eq!(e.location.record.as_deref(), Some("#1 坏环"));
    assert_eq!(e.location.field.as_deref(), Some("ring 1"));

    // A hole (counter-clockwise ring) outside every exterior.
    let polygon = Polygon::with_rings(vec![
        PolygonRing::Outer(square(452_000.0, 3_453_000.0, 100.0)),
        PolygonRing::Inner(square(452_500.0, 3_453_500.0, 10.0)),
    ]);
    let (shp, _) = crate_shp(&[polygon]);
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.kind, GeoErrorKind::HoleOutsideShell { ring: 2 });

    // Coordinates outside the declared zone: lon/lat under an EPSG:4545 .prj.
    let polygon = Polygon::new(PolygonRing::Outer(vec![
        Point::new(107.5, 31.2),
        Point::new(107.5, 31.21),
        Point::new(107.51, 31.21),
        Point::new(107.5, 31.2),
    ]));
    let (shp, _) = crate_shp(&[polygon]);
    let e = err(read_parts(
        "t.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        None,
    ));
    assert_eq!(e.code(), "outside_zone");
    assert!(e.to_string().contains("EPSG:4490"), "{e}");
}

#[test]
fn corrupt_files_are_syntax_errors() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(&["DKMC"], &[&["甲"], &["乙"]], encoding_rs::UTF_8);
    let prj = prj_4545();
    let read = |shp: &[u8], dbf: &[u8]| err(read_parts("t.shp", shp, Some(dbf), Some(&prj), None));

    assert_eq!(
        read(&shp[..60], &dbf).code(),
        "syntax",
        "shorter than the header"
    );
    assert_eq!(
        read(&shp[..shp.len() - 8], &dbf).code(),
        "syntax",
        "truncated"
    );
    let mut not_shp = shp.clone();
    not_shp[0..4].copy_from_slice(&1234i32.to_be_bytes());
    assert_eq!(read(&not_shp, &dbf).code(), "unsupported_format");
    assert_eq!(read(b"PK\x03\x04 not a shapefile at all, a zip maybe......................................................", &dbf).code(), "unsupported_format");

    // A record claiming more points than it holds.
    let mut content = raw_polygon(&[&[(1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (1.0, 2.0)]]);
    content[40..44].copy_from_slice(&i32::MAX.to_le_bytes());
    let e = read(&raw_shp(5, &[content.clone()]), &dbf[..]);
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.record.as_deref(), Some("#1"));
    // Part indices out of order.
    content[40..44].copy_from_slice(&4i32.to_le_bytes());
    content[44..48].copy_from_slice(&2i32.to_le_bytes());
    assert_eq!(read(&raw_shp(5, &[content]), &dbf).code(), "syntax");

    // .shp and .dbf disagree on the count.
    let one = crate_dbf(&["DKMC"], &[&["甲"]], encoding_rs::UTF_8);
    let e = read(&shp, &one);
    assert_eq!(e.code(), "syntax");
    assert!(e.to_string().contains("2 shapes"), "{e}");

    // A truncated .dbf.
    let e = read(&shp, &dbf[..dbf.len() - 10]);
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.file, "t.dbf");
    assert_eq!(read(&shp, &dbf[..20]).code(), "syntax");
}

#[test]
fn an_unsupported_prj_names_the_prj() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(&["DKMC"], &[&["甲"], &["乙"]], encoding_rs::UTF_8);
    let xian80 = r#"PROJCS["Xian_1980_3_Degree_GK_CM_108E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let e = err(read_parts("d/t.shp", &shp, Some(&dbf), Some(xian80), None));
    assert_eq!(e.code(), "unsupported_crs");
    assert_eq!(e.location.file, "d/t.prj");
}

#[test]
fn deleted_records_are_skipped_with_their_shapes() {
    let (shp, _) = two_parcels();
    let mut dbf = crate_dbf(&["DKMC"], &[&["甲"], &["乙"]], encoding_rs::UTF_8);
    let header_len = u16::from_le_bytes([dbf[8], dbf[9]]) as usize;
    dbf[header_len] = b'*';
    let file = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), None).unwrap();
    assert_eq!(file.parcels.len(), 1);
    assert_eq!(file.parcels[0].name, "乙");
    assert_eq!(
        file.parcels[0].geometry.0.len(),
        2,
        "乙 keeps its own shape"
    );
    assert!(
        file.warnings.iter().any(
            |w| w.code == "dbf_record_deleted" && w.location.record.as_deref() == Some("#1 甲")
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Zip

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn gdal_gbk_entries(folder: &str) -> Vec<(String, Vec<u8>)> {
    ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|ext| {
            (
                format!("{folder}parcels.{ext}"),
                std::fs::read(data(&format!("gdal_gbk/parcels.{ext}"))).unwrap(),
            )
        })
        .collect()
}

fn zip_owned(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&borrowed)
}

#[test]
fn reads_a_zipped_shapefile_in_a_folder() {
    let plain = read_path(&data("gdal_gbk/parcels.shp")).unwrap();
    let mut entries = gdal_gbk_entries("地块/2024/");
    // Finder junk, a readme and an unrelated file must not matter.
    entries.push(("__MACOSX/地块/2024/._parcels.shp".into(), vec![0; 10]));
    entries.push(("地块/readme.txt".into(), b"hello".to_vec()));
    let zipped = read_zip("upload.zip", &zip_owned(&entries)).unwrap();
    assert_eq!(zipped.parcels, plain.parcels);
    assert_eq!(zipped.crs, plain.crs);
    assert_eq!(zipped.source, "upload.zip/地块/2024/parcels.shp");
}

#[test]
fn a_zip_must_hold_exactly_one_shapefile() {
    let mut entries = gdal_gbk_entries("a/");
    entries.extend(gdal_gbk_entries("b/"));
    let e = err(read_zip("two.zip", &zip_owned(&entries)));
    assert_eq!(e.code(), "unsupported_format");
    assert!(e.to_string().contains("a/parcels.shp"), "{e}");
    assert!(e.to_string().contains("b/parcels.shp"), "{e}");

    let e = err(read_zip("none.zip", &zip_of(&[("readme.txt", b"x")])));
    assert_eq!(e.code(), "missing");

    let e = err(read_zip("bad.zip", b"PK\x03\x04 this is not a zip"));
    assert_eq!(e.code(), "unsupported_format");
    assert_eq!(err(read_zip("empty.zip", b"")).code(), "unsupported_format");

    // The sidecars must sit next to the .shp: a .prj elsewhere is not taken.
    let mut entries = gdal_gbk_entries("a/");
    entries.retain(|(n, _)| !n.ends_with(".prj"));
    entries.push((
        "other/parcels.prj".into(),
        std::fs::read(data("gdal_gbk/parcels.prj")).unwrap(),
    ));
    let e = err(read_zip("split.zip", &zip_owned(&entries)));
    assert_eq!(e.code(), "missing");
    assert!(e.to_string().contains("split.zip/a/parcels.prj"), "{e}");
}

#[test]
fn zip_limits_stop_bombs() {
    assert_eq!(
        ZipLimits::default(),
        ZipLimits {
            max_entries: 1_000,
            max_uncompressed_bytes: 1 << 30
        }
    );
    // A .shp that decompresses far beyond the limit (2 MiB of zeros, ~2 KiB compressed).
    let mut entries = gdal_gbk_entries("");
    let huge = {
        let mut shp = entries[0].1.clone();
        shp.resize(2 << 20, 0);
        shp
    };
    entries[0].1 = huge;
    let bytes = zip_owned(&entries);
    assert!(bytes.len() < 64 * 1024, "{}", bytes.len());
    let limits = ZipLimits {
        max_entries: 100,
        max_uncompressed_bytes: 1 << 20,
    };
    let e = err(read_zip_with_limits("bomb.zip", &bytes, limits));
    assert_eq!(e.code(), "too_large");
    assert_eq!(e.location.file, "bomb.zip/parcels.shp");

    // The limit is on the total: each entry fits, together they do not. (The .shx is not
    // read, so it does not count.)
    let entries = gdal_gbk_entries("");
    let total: usize = entries
        .iter()
        .filter(|(n, _)| !n.ends_with(".shx"))
        .map(|(_, b)| b.len())
        .sum();
    let limits = ZipLimits {
        max_entries: 100,
        max_uncompressed_bytes: (total - 10) as u64,
    };
    let e = err(read_zip_with_limits(
        "sum.zip",
        &zip_owned(&entries),
        limits,
    ));
    assert_eq!(e.code(), "too_large");
    let limits = ZipLimits {
        max_entries: 100,
        max_uncompressed_bytes: total as u64,
    };
    assert!(read_zip_with_limits("sum.zip", &zip_owned(&entries), limits).is_ok());

    // Too many entries.
    let mut entries = gdal_gbk_entries("");
    for i in 0..20 {
        entries.push((format!("junk/{i}.txt"), vec![]));
    }
    let limits = ZipLimits {
        max_entries: 10,
        max_uncompressed_bytes: 1 << 20,
    };
    let e = err(read_zip_with_limits(
        "many.zip",
        &zip_owned(&entries),
        limits,
    ));
    assert_eq!(e.code(), "too_large");
}

// ---------------------------------------------------------------------------------------------
// Writing and round trips

fn assert_same_parcels(a: &ParcelFile, b: &ParcelFile) {
    assert_eq!(a.crs, b.crs);
    assert_eq!(a.parcels.len(), b.parcels.len());
    for (pa, pb) in a.parcels.iter().zip(&b.parcels) {
        assert_eq!(pa, pb);
    }
}

fn read_written(file: &ParcelFile, target: Option<Crs>) -> ParcelFile {
    let parts = write_parts(file, target).unwrap();
    read_parts(
        "out.shp",
        &parts.shp,
        Some(&parts.dbf),
        Some(&parts.prj),
        Some(&parts.cpg),
    )
    .unwrap()
}

#[test]
fn round_trip_is_identical() {
    let (shp, _) = two_parcels();
    let dbf = crate_dbf(
        &["DKMC", "DKBH", "MJ"],
        &[&["甲", "001", "12.50"], &["乙", "002", ""]],
        encoding_rs::GBK,
    );
    let first = read_parts("t.shp", &shp, Some(&dbf), Some(&prj_4545()), Some("GBK")).unwrap();
    let second = read_written(&first, None);
    assert_same_parcels(&first, &second);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);

    let lonlat = read_path(&data("gdal_lonlat/parcels.shp")).unwrap();
    assert_same_parcels(&lonlat, &read_written(&lonlat, None));
}

#[test]
fn round_trip_through_files_and_zip() {
    let first = read_path(&data("gdal_lonlat/parcels.shp")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("出图.shp");
    write_path(&path, &first, None).unwrap();
    for ext in ["shx", "dbf", "prj", "cpg"] {
        assert!(path.with_extension(ext).is_file(), "{ext}");
    }
    assert_eq!(
        std::fs::read_to_string(path.with_extension("cpg")).unwrap(),
        "UTF-8"
    );
    assert_same_parcels(&first, &read_path(&path).unwrap());

    let upper = dir.path().join("UP.SHP");
    write_path(&upper, &first, None).unwrap();
    assert!(dir.path().join("UP.DBF").is_file());

    let zipped = write_zip(&first, None).unwrap();
    let again = read_zip("x.zip", &zipped).unwrap();
    assert_same_parcels(&first, &again);
    assert_eq!(
        again.source, "x.zip/parcels.shp",
        "named after the source file"
    );
}

#[test]
fn round_trip_into_another_crs() {
    let first = read_path(&data("gdal_gbk/parcels.shp")).unwrap();
    let prefixed = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    let parts = write_parts(&first, Some(prefixed)).unwrap();
    assert!(
        parts.prj.contains("CGCS2000_3_Degree_GK_Zone_36"),
        "{}",
        parts.prj
    );
    let second = read_parts(
        "o.shp",
        &parts.shp,
        Some(&parts.dbf),
        Some(&parts.prj),
        None,
    )
    .unwrap();
    assert_eq!(second.crs, prefixed);
    let back =
        guagou_geo::crs::transform_geometry(&second.parcels[0].geometry, prefixed, ZONE36).unwrap();
    let (a, b) = (&first.parcels[0].geometry, &back);
    for (ca, cb) in a.0[0].exterior().0.iter().zip(&b.0[0].exterior().0) {
        assert!((ca.x - cb.x).hypot(ca.y - cb.y) < 1e-6);
    }
}

#[test]
fn long_keys_are_cut_to_ten_bytes_and_names_kept() {
    // GDAL's GBK fixture has 4-character Chinese keys: 12 bytes in UTF-8.
    let first = read_path(&data("gdal_gbk/parcels.shp")).unwrap();
    let second = read_written(&first, None);
    for (a, b) in first.parcels.iter().zip(&second.parcels) {
        assert_eq!(a.name, b.name, "the name survives in a NAME field");
        assert_eq!(a.geometry, b.geometry);
    }
    let keys: Vec<&str> = second.parcels[0]
        .attributes
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["NAME", "地块名", "地块编", "地类编"]);

    // Deterministic uniquifying, ignoring ASCII case.
    let mut file = first.clone();
    for p in &mut file.parcels {
        p.attributes = BTreeMap::from([
            ("DKMC".to_string(), p.name.clone()),
            ("LONGFIELDNAME_A".to_string(), "a".to_string()),
            ("LONGFIELDNAME_B".to_string(), "b".to_string()),
            ("longfieldname_c".to_string(), "c".to_string()),
        ]);
    }
    let parts = write_parts(&file, None).unwrap();
    let mut reader = dbase::Reader::new(Cursor::new(parts.dbf.clone())).unwrap();
    let fields: Vec<String> = reader
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    assert_eq!(fields, ["DKMC", "LONGFIELDN", "LONGFIEL_2", "longfiel_3"]);
    assert_eq!(reader.read().unwrap().len(), 2);
}

#[test]
fn values_longer_than_a_dbf_field_are_refused() {
    let mut file = read_path(&data("gdal_lonlat/parcels.shp")).unwrap();
    file.parcels[1]
        .attributes
        .insert("备注".into(), "长".repeat(100));
    let e = write_parts(&file, None).unwrap_err();
    assert_eq!(e.code(), "too_large");
    assert_eq!(e.location.record.as_deref(), Some("#2 飞地地块"));
    assert_eq!(e.location.field.as_deref(), Some("备注"));
}

#[test]
fn the_shapefile_crate_reads_our_output() {
    let first = read_path(&data("gdal_lonlat/parcels.shp")).unwrap();
    let parts = write_parts(&first, None).unwrap();
    let reader = shapefile::ShapeReader::with_shx(
        Cursor::new(parts.shp.clone()),
        Cursor::new(parts.shx.clone()),
    )
    .unwrap();
    let shapes: Vec<Polygon> = reader.read_as::<Polygon>().unwrap();
    assert_eq!(shapes.len(), 3);
    // Exterior clockwise, holes counter-clockwise, as the crate classifies them.
    assert!(matches!(shapes[0].rings()[0], PolygonRing::Outer(_)));
    assert!(matches!(shapes[0].rings()[1], PolygonRing::Inner(_)));
    assert_eq!(shapes[1].rings().len(), 2);
    let mut dbf = dbase::Reader::new(Cursor::new(parts.dbf.clone())).unwrap();
    let records = dbf.read().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0].get("DKMC"),
        Some(&dbase::FieldValue::Character(Some("东岳村1号".into())))
    );
}

#[test]
fn geojson_to_shapefile_keeps_names_and_geometry() {
    let text = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/geojson/lonlat_parcels.geojson"),
    )
    .unwrap();
    let original = guagou_geo::formats::geojson::read("x.geojson", &text).unwrap();
    let shp = read_written(&original, None);
    for (a, b) in original.parcels.iter().zip(&shp.parcels) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.geometry, b.geometry);
    }
    // The third parcel is named by its feature id: a NAME field carries it.
    assert_eq!(shp.parcels[2].name, "F-3");
    assert_eq!(shp.parcels[2].attributes["NAME"], "F-3");
}

#[test]
fn writing_no_parcels_gives_an_empty_shapefile() {
    let empty = ParcelFile {
        source: "empty.txt".into(),
        crs: Crs::Geographic,
        parcels: vec![],
        metadata: BTreeMap::new(),
        warnings: vec![],
    };
    let again = read_written(&empty, None);
    assert!(again.parcels.is_empty());
}

/// A county layer is validated on every core: past 4,096 records the reader splits the work.
/// The parcels keep the file's order, a point outside the zone far out in the file is still
/// found, and with two bad records the error names the first one in the file.
#[test]
fn large_files_read_in_parallel_keep_order_and_report_the_first_error() {
    const N: usize = 10_000;
    let polygon = |i: usize, x_offset: f64| {
        let x = 452_000.0 + (i % 100) as f64 * 20.0 + x_offset;
        let y = 3_453_000.0 + (i / 100) as f64 * 20.0;
        Polygon::new(PolygonRing::Outer(square(x, y, 10.0)))
    };
    let names: Vec<String> = (1..=N).map(|i| format!("P{i:05}")).collect();
    let rows: Vec<Vec<&str>> = names.iter().map(|n| vec![n.as_str()]).collect();
    let row_refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let dbf = crate_dbf(&["name"], &row_refs, encoding_rs::UTF_8);
    let good: Vec<Polygon> = (0..N).map(|i| polygon(i, 0.0)).collect();
    let (shp, _) = crate_shp(&good);
    let file = read_parts(
        "big.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        Some("UTF-8"),
    )
    .unwrap();
    assert_eq!(file.parcels.len(), N);
    assert!(file.parcels.iter().zip(&names).all(|(p, n)| &p.name == n));

    // Records 7,001 and 9,001 pushed 5,000 km east: outside zone 36.
    let bad: Vec<Polygon> = (0..N)
        .map(|i| {
            polygon(
                i,
                if i == 7_000 || i == 9_000 {
                    5_000_000.0
                } else {
                    0.0
                },
            )
        })
        .collect();
    let (shp, _) = crate_shp(&bad);
    let error = err(read_parts(
        "big.shp",
        &shp,
        Some(&dbf),
        Some(&prj_4545()),
        Some("UTF-8"),
    ));
    let text = error.to_string();
    assert!(text.contains("P07001"), "{text}");
    assert!(!text.contains("P09001"), "{text}");
}
