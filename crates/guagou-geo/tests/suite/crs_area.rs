//! CRS handling and areas against PROJ/GeographicLib golden values
//! (`tests/data/reference_areas.json`, written by `scripts/gen_reference_areas.py`), plus unit
//! tests of parsing, `.prj` reading and writing, zone prefixes and coordinate checks.
//!
//! Run with `-- --nocapture` to see the worst errors measured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::{Coord, LineString, MultiPolygon, Polygon};
use guagou_geo::area::{areas, areas_in_zone, ellipsoidal_area_m2, planar_area_m2};
use guagou_geo::crs::{Transformer, transform_geometry, transform_point};
use guagou_geo::{Crs, GeoErrorKind};
use serde::Deserialize;

type Rings = Vec<Vec<Vec<[f64; 2]>>>;

#[derive(Deserialize)]
struct Golden {
    proj: String,
    parcels: Vec<RefParcel>,
    points: Vec<RefPoint>,
    prj: Vec<RefPrj>,
}

#[derive(Deserialize)]
struct RefParcel {
    id: String,
    epsg: u32,
    zone: u8,
    prefixed: bool,
    planar_m2: f64,
    ellipsoidal_m2: f64,
    gk: Rings,
    lonlat: Rings,
}

#[derive(Deserialize)]
struct RefPoint {
    epsg: u32,
    lon: f64,
    lat: f64,
    x: f64,
    y: f64,
}

#[derive(Deserialize)]
struct RefPrj {
    epsg: u32,
    name: String,
    flavour: String,
    expected: serde_json::Value,
    wkt: String,
}

fn golden() -> Golden {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/reference_areas.json"
    );
    let text = std::fs::read_to_string(path).expect("golden file");
    serde_json::from_str(&text).expect("golden JSON")
}

fn ring(points: &[[f64; 2]]) -> LineString<f64> {
    LineString::new(points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect())
}

fn multipolygon(rings: &Rings) -> MultiPolygon<f64> {
    MultiPolygon::new(
        rings
            .iter()
            .map(|p| Polygon::new(ring(&p[0]), p[1..].iter().map(|r| ring(r)).collect()))
            .collect(),
    )
}

fn square(x0: f64, y0: f64, side: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (x0, y0),
            (x0 + side, y0),
            (x0 + side, y0 + side),
            (x0, y0 + side),
            (x0, y0),
        ]),
        vec![],
    )
}

fn rel(value: f64, reference: f64) -> f64 {
    (value - reference).abs() / reference.abs()
}

/// Metres between two lon/lat positions (small differences only).
fn lon_lat_metres(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let m_per_deg = 111_320.0;
    let dx = (lon1 - lon2) * m_per_deg * lat1.to_radians().cos();
    let dy = (lat1 - lat2) * m_per_deg;
    dx.hypot(dy)
}

const AREA_TOLERANCE: f64 = 1e-4; // 0.01 %, SPEC §4

#[test]
fn planar_area_from_lon_lat_matches_proj() {
    let g = golden();
    assert!(g.parcels.len() >= 200);
    let mut worst = (0.0f64, String::new());
    let mut worst_vertex = 0.0f64;
    for p in &g.parcels {
        let crs = Crs::from_epsg(p.epsg).unwrap();
        assert_eq!(
            crs,
            Crs::GaussKruger {
                zone: p.zone,
                prefixed: p.prefixed
            }
        );
        let lon_lat = multipolygon(&p.lonlat);
        let projected = transform_geometry(&lon_lat, Crs::Geographic, crs)
            .unwrap_or_else(|e| panic!("{}: {e:?}", p.id));
        let planar = planar_area_m2(&projected);
        let e = rel(planar, p.planar_m2);
        assert!(
            e <= AREA_TOLERANCE,
            "{}: planar {planar} vs PROJ {} (rel {e:e})",
            p.id,
            p.planar_m2
        );
        if e > worst.0 {
            worst = (e, p.id.clone());
        }
        // Vertex by vertex against PROJ's GK coordinates.
        let expected = multipolygon(&p.gk);
        for (a, b) in projected.0.iter().zip(&expected.0) {
            let rings_a = std::iter::once(a.exterior()).chain(a.interiors());
            let rings_b = std::iter::once(b.exterior()).chain(b.interiors());
            for (ra, rb) in rings_a.zip(rings_b) {
                for (ca, cb) in ra.0.iter().zip(&rb.0) {
                    worst_vertex = worst_vertex.max((ca.x - cb.x).hypot(ca.y - cb.y));
                }
            }
        }
        // `areas` on lon/lat picks the zone of the centroid: the parcel's own zone here.
        let a = areas(&lon_lat, Crs::Geographic).unwrap();
        assert_eq!(a.zone, p.zone, "{}", p.id);
        assert!(rel(a.planar_m2, p.planar_m2) <= AREA_TOLERANCE, "{}", p.id);
        assert!(
            rel(a.ellipsoidal_m2, p.ellipsoidal_m2) <= AREA_TOLERANCE,
            "{}",
            p.id
        );
    }
    println!(
        "planar area (lon/lat → GK with proj4rs → shoelace) vs PROJ {} + shapely: worst relative \
         error {:.3e} ({}), worst vertex {:.3e} m, over {} parcels",
        g.proj,
        worst.0,
        worst.1,
        worst_vertex,
        g.parcels.len()
    );
    assert!(worst_vertex < 1e-3);
}

#[test]
fn ellipsoidal_area_from_gk_matches_geographiclib() {
    let g = golden();
    let mut worst_ell = (0.0f64, String::new());
    let mut worst_direct = 0.0f64;
    let mut worst_planar = 0.0f64;
    for p in &g.parcels {
        let crs = Crs::from_epsg(p.epsg).unwrap();
        let gk = multipolygon(&p.gk);
        let a = areas(&gk, crs).unwrap_or_else(|e| panic!("{}: {e:?}", p.id));
        assert_eq!(a.zone, p.zone);
        let e = rel(a.ellipsoidal_m2, p.ellipsoidal_m2);
        assert!(
            e <= AREA_TOLERANCE,
            "{}: ellipsoidal {} vs GeographicLib {} (rel {e:e})",
            p.id,
            a.ellipsoidal_m2,
            p.ellipsoidal_m2
        );
        if e > worst_ell.0 {
            worst_ell = (e, p.id.clone());
        }
        // Shoelace directly on the (possibly prefixed) GK vertices vs shapely.
        let ep = rel(a.planar_m2, p.planar_m2);
        assert!(
            ep <= 1e-9,
            "{}: planar {} vs shapely {}",
            p.id,
            a.planar_m2,
            p.planar_m2
        );
        worst_planar = worst_planar.max(ep);
        // The same lon/lat vertices PROJ used: isolates the geodesic computation.
        let direct = ellipsoidal_area_m2(&multipolygon(&p.lonlat));
        worst_direct = worst_direct.max(rel(direct, p.ellipsoidal_m2));
    }
    println!(
        "ellipsoidal area (GK → lon/lat with proj4rs → geodesic) vs pyproj.Geod: worst relative \
         error {:.3e} ({}); on PROJ's own lon/lat {:.3e}; planar shoelace on GK vs shapely {:.3e}",
        worst_ell.0, worst_ell.1, worst_direct, worst_planar
    );
    // GeographicLib sums per-edge terms of order 10¹³ m² (area to the equator), so two
    // implementations differ by ~10⁻⁴ m² whatever the parcel: 2·10⁻⁷ of a 300 m² parcel.
    assert!(worst_direct <= 1e-6, "{worst_direct:e}");
}

#[test]
fn points_match_proj_within_a_millimetre() {
    let g = golden();
    let mut worst_fwd = 0.0f64;
    let mut worst_inv = 0.0f64;
    let mut worst_round = 0.0f64;
    for p in &g.points {
        let crs = Crs::from_epsg(p.epsg).unwrap();
        let (x, y) = transform_point(Crs::Geographic, crs, p.lon, p.lat)
            .unwrap_or_else(|e| panic!("EPSG:{} ({}, {}): {e:?}", p.epsg, p.lon, p.lat));
        let d = (x - p.x).hypot(y - p.y);
        assert!(
            d < 1e-3,
            "EPSG:{} forward ({}, {}) off by {d} m",
            p.epsg,
            p.lon,
            p.lat
        );
        worst_fwd = worst_fwd.max(d);

        let (lon, lat) = transform_point(crs, Crs::Geographic, p.x, p.y).unwrap();
        let d = lon_lat_metres(lon, lat, p.lon, p.lat);
        assert!(
            d < 1e-3,
            "EPSG:{} inverse ({}, {}) off by {d} m",
            p.epsg,
            p.x,
            p.y
        );
        worst_inv = worst_inv.max(d);

        let (x2, y2) = transform_point(Crs::Geographic, crs, lon, lat).unwrap();
        let d = (x2 - p.x).hypot(y2 - p.y);
        assert!(
            d < 1e-3,
            "EPSG:{} round trip ({}, {}) off by {d} m",
            p.epsg,
            p.x,
            p.y
        );
        worst_round = worst_round.max(d);
    }
    println!(
        "points vs PROJ: forward {worst_fwd:.3e} m, inverse {worst_inv:.3e} m, \
         round trip GK→lon/lat→GK {worst_round:.3e} m over {} points",
        g.points.len()
    );
}

#[test]
fn prj_texts_written_by_proj_are_read() {
    let g = golden();
    let mut failures = Vec::new();
    for case in &g.prj {
        let got = Crs::from_prj_wkt(&case.wkt);
        let ok = match (&case.expected, &got) {
            (serde_json::Value::Number(n), Ok(crs)) => n.as_u64() == Some(u64::from(crs.epsg())),
            (serde_json::Value::String(s), Err(GeoErrorKind::UnsupportedCrs { .. })) => {
                s == "unsupported"
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "EPSG:{} {} [{}]: expected {}, got {got:?}",
                case.epsg, case.name, case.flavour, case.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn to_prj_wkt_is_what_esri_writes() {
    let g = golden();
    let mut checked = 0;
    for case in g
        .prj
        .iter()
        .filter(|c| c.flavour == "WKT1_ESRI" && c.expected.is_u64())
    {
        let crs = Crs::from_epsg(case.epsg).unwrap();
        if crs.epsg() == case.epsg {
            assert_eq!(crs.to_prj_wkt(), case.wkt, "EPSG:{}", case.epsg);
            checked += 1;
        }
    }
    assert!(checked >= 8);
}

// ---------------------------------------------------------------- unit tests

#[test]
fn prj_round_trip_for_every_crs() {
    let mut all = vec![Crs::Geographic];
    for zone in 25..=45 {
        for prefixed in [false, true] {
            all.push(Crs::gauss_kruger(zone, prefixed).unwrap());
        }
    }
    for crs in all {
        assert_eq!(
            Crs::from_prj_wkt(&crs.to_prj_wkt()),
            Ok(crs),
            "{}",
            crs.label()
        );
        assert_eq!(Crs::from_epsg(crs.epsg()), Some(crs));
        assert_eq!(Crs::parse(&crs.label()), Ok(crs));
    }
}

#[test]
fn epsg_codes() {
    assert_eq!(Crs::from_epsg(4490), Some(Crs::Geographic));
    assert_eq!(Crs::from_epsg(4326), Some(Crs::Geographic));
    assert_eq!(Crs::Geographic.epsg(), 4490);
    assert_eq!(
        Crs::from_epsg(4545),
        Some(Crs::GaussKruger {
            zone: 36,
            prefixed: false
        })
    );
    assert_eq!(
        Crs::from_epsg(4524),
        Some(Crs::GaussKruger {
            zone: 36,
            prefixed: true
        })
    );
    assert_eq!(
        Crs::from_epsg(4513),
        Some(Crs::GaussKruger {
            zone: 25,
            prefixed: true
        })
    );
    assert_eq!(
        Crs::from_epsg(4533),
        Some(Crs::GaussKruger {
            zone: 45,
            prefixed: true
        })
    );
    assert_eq!(
        Crs::from_epsg(4534),
        Some(Crs::GaussKruger {
            zone: 25,
            prefixed: false
        })
    );
    assert_eq!(
        Crs::from_epsg(4554),
        Some(Crs::GaussKruger {
            zone: 45,
            prefixed: false
        })
    );
    for code in [0, 4512, 4555, 2379, 4214, 4610, 32649, 3857, u32::MAX] {
        assert_eq!(Crs::from_epsg(code), None, "{code}");
    }
    assert_eq!(
        Crs::GaussKruger {
            zone: 36,
            prefixed: false
        }
        .label(),
        "EPSG:4545"
    );
    assert_eq!(
        Crs::GaussKruger {
            zone: 36,
            prefixed: true
        }
        .central_meridian(),
        Some(108.0)
    );
    assert!(Crs::gauss_kruger(24, false).is_err());
    assert!(Crs::gauss_kruger(46, true).is_err());
    assert!(Crs::gauss_kruger(300, true).is_err());
    assert_eq!(
        Crs::gauss_kruger(36, true),
        Ok(Crs::GaussKruger {
            zone: 36,
            prefixed: true
        })
    );
}

#[test]
fn parse_forms() {
    let gk36 = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    };
    for text in [
        "EPSG:4545",
        "epsg:4545",
        " 4545 ",
        "EPSG::4545",
        "urn:ogc:def:crs:EPSG::4545",
        "URN:OGC:DEF:CRS:EPSG:9.5:4545",
        "http://www.opengis.net/def/crs/EPSG/0/4545",
    ] {
        assert_eq!(Crs::parse(text), Ok(gk36), "{text}");
    }
    for text in [
        "CRS84",
        "crs84",
        "OGC:CRS84",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "EPSG:4326",
        "EPSG:4490",
    ] {
        assert_eq!(Crs::parse(text), Ok(Crs::Geographic), "{text}");
    }
    for text in [
        "",
        "EPSG:",
        "EPSG:abc",
        "EPSG:45 45",
        "foo",
        "4545x",
        "urn:ogc:def:crs:EPSG::",
        "EPSG:99999999999",
    ] {
        assert!(
            matches!(Crs::parse(text), Err(GeoErrorKind::UnsupportedCrs { .. })),
            "{text}"
        );
    }
    match Crs::parse("EPSG:2379") {
        Err(GeoErrorKind::UnsupportedCrs { what }) => assert!(what.contains("Xian 1980"), "{what}"),
        other => panic!("{other:?}"),
    }
    match Crs::parse("EPSG:4508") {
        Err(GeoErrorKind::UnsupportedCrs { what }) => assert!(what.contains("6-degree"), "{what}"),
        other => panic!("{other:?}"),
    }
}

const GEOGCS_2000: &str = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

fn projcs(name: &str, geogcs: &str, projection: &str, params: &[(&str, f64)]) -> String {
    let params: String = params
        .iter()
        .map(|(k, v)| format!(",PARAMETER[\"{k}\",{v}]"))
        .collect();
    format!("PROJCS[\"{name}\",{geogcs},PROJECTION[\"{projection}\"]{params},UNIT[\"Meter\",1.0]]")
}

fn unsupported(wkt: &str) -> String {
    match Crs::from_prj_wkt(wkt) {
        Err(GeoErrorKind::UnsupportedCrs { what }) => what,
        other => panic!("expected UnsupportedCrs for {wkt}, got {other:?}"),
    }
}

#[test]
fn prj_variants() {
    let std_params = |fe: f64, cm: f64| {
        vec![
            ("False_Easting", fe),
            ("False_Northing", 0.0),
            ("Central_Meridian", cm),
            ("Scale_Factor", 1.0),
            ("Latitude_Of_Origin", 0.0),
        ]
    };
    // Transverse_Mercator, lower-case names, prefixed easting.
    let wkt = projcs(
        "my plane",
        &GEOGCS_2000.to_lowercase(),
        "transverse_mercator",
        &std_params(36_500_000.0, 108.0),
    );
    assert_eq!(
        Crs::from_prj_wkt(&wkt),
        Ok(Crs::GaussKruger {
            zone: 36,
            prefixed: true
        })
    );
    // Only the name tells the zone.
    let wkt = projcs(
        "CGCS2000_3_Degree_GK_Zone_37",
        GEOGCS_2000,
        "Gauss_Kruger",
        &[],
    );
    assert_eq!(
        Crs::from_prj_wkt(&wkt),
        Ok(Crs::GaussKruger {
            zone: 37,
            prefixed: true
        })
    );
    let wkt = projcs(
        "CGCS2000_3_Degree_GK_CM_108E",
        GEOGCS_2000,
        "Gauss_Kruger",
        &[],
    );
    assert_eq!(
        Crs::from_prj_wkt(&wkt),
        Ok(Crs::GaussKruger {
            zone: 36,
            prefixed: false
        })
    );
    // Home-made datum names, WGS 84 geographic, parentheses, whitespace and a BOM.
    for g in [
        r#"GEOGCS["GCS_CGCS_2000",DATUM["D_CGCS_2000",SPHEROID["CGCS_2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.0174532925199433]]"#,
        r#"GEOGCS["2000国家大地坐标系",DATUM["x",SPHEROID["y",6378137,298.257222101]]]"#,
        r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        "\u{feff}GEOGCS ( \"GCS_China_Geodetic_Coordinate_System_2000\" , DATUM ( \"D_China_2000\" ) )\r\n",
        r#"GEOGCS["unnamed",DATUM["unnamed",SPHEROID["GRS 1980",6378137,298.257222101]]]"#,
    ] {
        assert_eq!(Crs::from_prj_wkt(g), Ok(Crs::Geographic), "{g}");
    }

    // Refusals name what was found.
    let xian = r#"PROJCS["Xian_1980_3_Degree_GK_CM_108E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    assert!(unsupported(xian).contains("Xian 1980"));
    let beijing = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert!(unsupported(beijing).contains("Beijing 1954"));
    let six = projcs(
        "CGCS2000_6_Degree_GK_Zone_18",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(18_500_000.0, 105.0),
    );
    assert!(unsupported(&six).contains("6-degree"));
    let six = projcs(
        "plane",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(19_500_000.0, 111.0),
    );
    assert!(unsupported(&six).contains("6-degree"));
    let six = projcs(
        "CGCS2000_GK_CM_105E",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(500_000.0, 105.0),
    );
    assert!(unsupported(&six).contains("6-degree"));
    let odd = projcs(
        "local",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(500_000.0, 107.5),
    );
    assert!(unsupported(&odd).contains("107.5"));
    let far = projcs(
        "local",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(500_000.0, 30.0),
    );
    assert!(unsupported(&far).contains("30"));
    let utm = projcs(
        "utm",
        GEOGCS_2000,
        "Transverse_Mercator",
        &[
            ("False_Easting", 500_000.0),
            ("Central_Meridian", 111.0),
            ("Scale_Factor", 0.9996),
        ],
    );
    assert!(unsupported(&utm).contains("0.9996"));
    let bad_fe = projcs(
        "x",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(37_500_000.0, 108.0),
    );
    assert!(unsupported(&bad_fe).contains("37500000"));
    let lcc = projcs(
        "x",
        GEOGCS_2000,
        "Lambert_Conformal_Conic",
        &std_params(500_000.0, 108.0),
    );
    assert!(unsupported(&lcc).contains("Lambert_Conformal_Conic"));
    let feet = projcs(
        "x",
        GEOGCS_2000,
        "Gauss_Kruger",
        &std_params(500_000.0, 108.0),
    )
    .replace("UNIT[\"Meter\",1.0]]", "UNIT[\"Foot\",0.3048]]");
    assert!(unsupported(&feet).contains("Foot"));
    assert!(unsupported(r#"LOCAL_CS["x"]"#).contains("LOCAL_CS"));

    // Not WKT at all.
    for bad in ["", "   ", "PROJCS[", "hello", "PROJCS[\"x\",GEOGCS[\"y\"]"] {
        assert!(Crs::from_prj_wkt(bad).is_err(), "{bad:?}");
    }
    assert!(Crs::from_prj_wkt(&"A[".repeat(10_000)).is_err());
    let no_cm = projcs(
        "plane",
        GEOGCS_2000,
        "Gauss_Kruger",
        &[("False_Easting", 500_000.0)],
    );
    assert!(matches!(
        Crs::from_prj_wkt(&no_cm),
        Err(GeoErrorKind::Missing { .. })
    ));
}

#[test]
fn zone_for_longitude_bounds() {
    assert_eq!(Crs::zone_for_longitude(108.0), Ok(36));
    assert_eq!(Crs::zone_for_longitude(109.49), Ok(36));
    assert_eq!(Crs::zone_for_longitude(106.5), Ok(36)); // a boundary goes east
    assert_eq!(Crs::zone_for_longitude(106.49), Ok(35));
    assert_eq!(Crs::zone_for_longitude(73.5), Ok(25));
    assert_eq!(Crs::zone_for_longitude(136.49), Ok(45));
    for lon in [73.49, 136.5, 0.0, -108.0, 180.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                Crs::zone_for_longitude(lon),
                Err(GeoErrorKind::OutsideZone { .. })
            ),
            "{lon}"
        );
    }
}

fn outside_reason(r: Result<(), GeoErrorKind>) -> String {
    match r {
        Err(GeoErrorKind::OutsideZone { reason, .. }) => reason,
        other => panic!("expected OutsideZone, got {other:?}"),
    }
}

#[test]
fn check_coordinate_edges() {
    let gk = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    };
    let gkp = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    // Dazhou, near the central meridian.
    let (x, y) = transform_point(Crs::Geographic, gk, 107.5, 31.2).unwrap();
    assert_eq!(gk.check_coordinate(x, y), Ok(()));
    assert_eq!(gkp.check_coordinate(x + 36e6, y), Ok(()));

    // Not finite.
    for (a, b) in [
        (f64::NAN, y),
        (x, f64::NAN),
        (f64::INFINITY, y),
        (x, f64::NEG_INFINITY),
    ] {
        assert!(outside_reason(gk.check_coordinate(a, b)).contains("finite"));
        assert!(outside_reason(gkp.check_coordinate(a, b)).contains("finite"));
        assert!(outside_reason(Crs::Geographic.check_coordinate(a, b)).contains("finite"));
    }
    // Wrong prefix / no prefix / a prefix where none is expected.
    assert_eq!(
        gkp.check_coordinate(x + 37e6, y),
        Err(GeoErrorKind::ZoneMismatch {
            prefix: 37,
            declared: 36
        })
    );
    assert!(outside_reason(gkp.check_coordinate(x, y)).contains("no zone prefix"));
    assert!(outside_reason(gk.check_coordinate(x + 36e6, y)).contains("zone-prefixed"));
    assert!(gkp.check_coordinate(1e12, y).is_err());
    assert!(gkp.check_coordinate(-5.0, y).is_err());

    // Zone edge: CM ± 1.5° is inside, ± 1.9° within the tolerance, ± 2.1° outside.
    for (lon, ok) in [
        (106.5, true),
        (109.5, true),
        (106.1, true),
        (109.9, true),
        (105.9, false),
        (110.1, false),
    ] {
        let r = transform_point(Crs::Geographic, gk, lon, 30.0);
        assert_eq!(r.is_ok(), ok, "lon {lon}: {r:?}");
        if let Ok((x, y)) = r {
            assert_eq!(gk.check_coordinate(x, y), Ok(()));
        }
    }
    // The same through check_coordinate on a projected point beyond the edge.
    let beyond = 300_000.0 + 500_000.0; // ~3.1° east at 30°N
    assert!(outside_reason(gk.check_coordinate(beyond, 3_320_000.0)).contains("central meridian"));
    // Latitude outside 0–60°N.
    assert!(outside_reason(gk.check_coordinate(500_000.0, -1_000.0)).contains("latitude"));
    assert!(outside_reason(gk.check_coordinate(500_000.0, 6_800_000.0)).contains("latitude"));
    assert!(outside_reason(gk.check_coordinate(500_000.0, 1e9)).contains("far outside"));

    // A Transformer checks exactly as check_coordinate does.
    let t = Transformer::new(gkp, Crs::Geographic).unwrap();
    for (a, b) in [
        (x + 36e6, y),
        (x + 37e6, y),
        (x, y),
        (f64::NAN, y),
        (36_800_000.0, 3_320_000.0),
    ] {
        // Compared as text: NaN in an error is not equal to itself.
        assert_eq!(
            format!("{:?}", t.check(a, b)),
            format!("{:?}", gkp.check_coordinate(a, b))
        );
    }

    // Geographic ranges.
    assert_eq!(Crs::Geographic.check_coordinate(108.0, 30.0), Ok(()));
    assert_eq!(Crs::Geographic.check_coordinate(-180.0, -90.0), Ok(()));
    assert!(outside_reason(Crs::Geographic.check_coordinate(180.5, 0.0)).contains("longitude"));
    assert!(outside_reason(Crs::Geographic.check_coordinate(0.0, 90.5)).contains("latitude"));
    // Eastings mistaken for longitudes.
    assert!(
        Crs::Geographic
            .check_coordinate(500_000.0, 3_000_000.0)
            .is_err()
    );
}

#[test]
fn transforms() {
    let gk = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    };
    let gkp = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    let gk37 = Crs::GaussKruger {
        zone: 37,
        prefixed: false,
    };
    // Identity is exact and unchecked.
    assert_eq!(transform_point(gk, gk, 1.25, 2.5), Ok((1.25, 2.5)));
    // Removing the prefix is exact (Sterbenz); adding it rounds to the prefixed value's ulp.
    let (x, y) = (36_512_345.678_9, 3_456_789.012_3);
    assert_eq!(transform_point(gkp, gk, x, y), Ok((x - 36e6, y)));
    let (x, y) = (512_345.678_9, 3_456_789.012_3);
    assert_eq!(transform_point(gk, gkp, x, y), Ok((x + 36e6, y)));
    let (back, _) = transform_point(gkp, gk, x + 36e6, y).unwrap();
    assert!((back - x).abs() < 1e-8);
    // The central meridian at the equator is the false origin.
    let (x, y) = transform_point(Crs::Geographic, gkp, 108.0, 0.0).unwrap();
    assert!((x - 36_500_000.0).abs() < 1e-6 && y.abs() < 1e-6, "{x} {y}");
    // Zone to zone goes through lon/lat.
    let (lon, lat) = (109.2, 31.0);
    let (x36, y36) = transform_point(Crs::Geographic, gk, lon, lat).unwrap();
    let (x37, y37) = transform_point(gk, gk37, x36, y36).unwrap();
    let (x37b, y37b) = transform_point(Crs::Geographic, gk37, lon, lat).unwrap();
    assert!((x37 - x37b).hypot(y37 - y37b) < 1e-6);
    // A point the target zone does not cover.
    let err = transform_point(Crs::Geographic, gk, 115.0, 30.0).unwrap_err();
    assert!(matches!(err, GeoErrorKind::OutsideZone { .. }), "{err:?}");

    // A whole geometry, and its failure on one bad vertex.
    let square = MultiPolygon::new(vec![square(108.0, 30.0, 0.001)]);
    let projected = transform_geometry(&square, Crs::Geographic, gkp).unwrap();
    let back = transform_geometry(&projected, gkp, Crs::Geographic).unwrap();
    for (a, b) in back.0[0].exterior().0.iter().zip(&square.0[0].exterior().0) {
        assert!((a.x - b.x).abs() < 1e-11 && (a.y - b.y).abs() < 1e-11);
    }
    assert_eq!(
        transform_geometry(&square, Crs::Geographic, Crs::Geographic),
        Ok(square.clone())
    );
    let mut bad = square.clone();
    bad.0[0] = Polygon::new(
        LineString::from(vec![
            (108.0, 30.0),
            (108.1, 30.0),
            (f64::NAN, 30.1),
            (108.0, 30.0),
        ]),
        vec![],
    );
    assert!(matches!(
        transform_geometry(&bad, Crs::Geographic, gk),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
}

#[test]
fn planar_area_is_translation_safe_and_orientation_free() {
    let side = 100.0;
    for (x0, y0) in [
        (0.0, 0.0),
        (512_345.678, 3_456_789.012),
        (36_512_345.678, 3_456_789.012),
    ] {
        let sq = MultiPolygon::new(vec![square(x0, y0, side)]);
        assert_eq!(planar_area_m2(&sq), 10_000.0, "at {x0}");
        // Clockwise ring, no closing point repeated by hand (geo closes it).
        let cw = MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (x0, y0),
                (x0, y0 + side),
                (x0 + side, y0 + side),
                (x0 + side, y0),
            ]),
            vec![],
        )]);
        assert_eq!(planar_area_m2(&cw), 10_000.0);
        // A hole of 20 × 30 and a second part of 10 × 10.
        let with_hole = MultiPolygon::new(vec![
            Polygon::new(
                square(x0, y0, side).exterior().clone(),
                vec![LineString::from(vec![
                    (x0 + 10.0, y0 + 10.0),
                    (x0 + 10.0, y0 + 40.0),
                    (x0 + 30.0, y0 + 40.0),
                    (x0 + 30.0, y0 + 10.0),
                    (x0 + 10.0, y0 + 10.0),
                ])],
            ),
            square(x0 + 200.0, y0, 10.0),
        ]);
        assert_eq!(planar_area_m2(&with_hole), 10_000.0 - 600.0 + 100.0);
    }
    assert_eq!(planar_area_m2(&MultiPolygon::new(vec![])), 0.0);
}

#[test]
fn areas_special_cases() {
    let empty = MultiPolygon::<f64>::new(vec![]);
    let gk = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    let a = areas(&empty, gk).unwrap();
    assert_eq!((a.planar_m2, a.ellipsoidal_m2, a.zone), (0.0, 0.0, 36));
    assert!(matches!(
        areas(&empty, Crs::Geographic),
        Err(GeoErrorKind::Missing { .. })
    ));
    // A lon/lat parcel outside the zones.
    let far = MultiPolygon::new(vec![square(10.0, 50.0, 0.01)]);
    assert!(matches!(
        areas(&far, Crs::Geographic),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
    // Eastings given as if they were lon/lat.
    let wrong = MultiPolygon::new(vec![square(512_000.0, 3_456_000.0, 100.0)]);
    assert!(matches!(
        areas(&wrong, Crs::Geographic),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
    // Lon/lat given as if they were GK.
    let wrong = MultiPolygon::new(vec![square(108.0, 30.0, 0.01)]);
    assert!(
        areas(
            &wrong,
            Crs::GaussKruger {
                zone: 36,
                prefixed: false
            }
        )
        .is_err()
    );
    // A 1 ha square on the central meridian at 30°N: scale factor 1 there, so the planar and
    // ellipsoidal areas nearly agree.
    let sq = MultiPolygon::new(vec![square(500_000.0, 3_320_000.0, 100.0)]);
    let a = areas(
        &sq,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        },
    )
    .unwrap();
    assert_eq!(a.planar_m2, 10_000.0);
    assert!(
        (a.ellipsoidal_m2 - 10_000.0).abs() < 0.01,
        "{}",
        a.ellipsoidal_m2
    );
    // The same square, closed twice or oriented clockwise: same geodesic area.
    let cw = transform_geometry(
        &sq,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        },
        Crs::Geographic,
    )
    .unwrap();
    let mut reversed = cw.clone();
    reversed.0[0].exterior_mut(|r| r.0.reverse());
    assert!((ellipsoidal_area_m2(&reversed) - ellipsoidal_area_m2(&cw)).abs() < 1e-6);
}

#[test]
fn areas_in_a_chosen_zone() {
    let gk36 = Crs::GaussKruger {
        zone: 36,
        prefixed: true,
    };
    let sq = MultiPolygon::new(vec![square(36_400_000.0, 3_320_000.0, 100.0)]);
    let own = areas(&sq, gk36).unwrap();
    assert_eq!(areas_in_zone(&sq, gk36, 36), Ok(own));
    // West of 106.5°E at 30°N: its centroid zone is 35, the register's zone may be 36.
    let lon_lat = MultiPolygon::new(vec![square(106.4, 30.0, 0.001)]);
    let by_centroid = areas(&lon_lat, Crs::Geographic).unwrap();
    assert_eq!(by_centroid.zone, 35);
    let in36 = areas_in_zone(&lon_lat, Crs::Geographic, 36).unwrap();
    assert_eq!(in36.zone, 36);
    assert_eq!(in36.ellipsoidal_m2, by_centroid.ellipsoidal_m2);
    // 1.6° from CM 108 vs 0.4° from CM 105: the zone-36 plane stretches areas more.
    assert!(in36.planar_m2 > by_centroid.planar_m2);
    assert!(rel(in36.planar_m2, in36.ellipsoidal_m2) < 1e-3);
    // From a GK parcel of zone 36 (at about 109.45°E) into zone 37, and a zone too far away.
    let east = MultiPolygon::new(vec![square(36_640_000.0, 3_320_000.0, 100.0)]);
    let in37 = areas_in_zone(&east, gk36, 37).unwrap();
    let own_east = areas(&east, gk36).unwrap();
    assert!(rel(in37.ellipsoidal_m2, own_east.ellipsoidal_m2) < 1e-12);
    assert!(rel(in37.planar_m2, own_east.planar_m2) < 1e-3);
    assert!(matches!(
        areas_in_zone(&sq, gk36, 40),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
    assert!(matches!(
        areas_in_zone(&sq, gk36, 50),
        Err(GeoErrorKind::UnsupportedCrs { .. })
    ));
}
