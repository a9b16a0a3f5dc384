//! The land-use layer: a partition of the rectangle into N valid polygons, with the class mix.

use std::collections::BTreeMap;

use guagou_geo::area::planar_area_m2;
use guagou_geo::formats::read_parcels;
use guagou_geo::{Crs, overlay};

use crate::common::{generate_into, options, relative};

/// Targets of the mix (per cent of the layer's area) for the main classes.
const TARGETS: &[(&str, f64)] = &[
    ("0101", 15.0),
    ("0103", 15.0),
    ("0201", 4.0),
    ("0301", 25.3),
    ("0305", 5.0),
    ("0307", 8.0),
    ("0404", 3.0),
    ("0702", 6.0),
    ("0701", 1.0),
    ("1003", 1.5),
    ("1006", 1.5),
    ("1101", 1.5),
    ("1104", 1.5),
    ("1107", 1.0),
    ("1202", 1.0),
];

#[test]
fn layer_is_a_partition_of_valid_polygons_with_the_class_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("county");
    let n = 40_000;
    let summary = generate_into(&dir, &options(n, 3, Some(10)));
    assert_eq!(summary.polygons, n);

    // guagou-geo's reader validates every ring (closed, simple, non-zero area) and the
    // .prj, so reading it whole is the validity check.
    let layer = read_parcels(&dir.join("landuse.shp")).unwrap();
    assert_eq!(layer.parcels.len() as u64, n);
    assert_eq!(
        layer.crs,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false
        }
    );
    assert!(layer.warnings.is_empty(), "{:?}", layer.warnings.first());

    let [min_e, min_n, max_e, max_n] = summary.extent;
    let rectangle = (max_e - min_e) * (max_n - min_n);
    let mut total = 0.0;
    let mut by_class: BTreeMap<String, f64> = BTreeMap::new();
    for parcel in &layer.parcels {
        let area = planar_area_m2(&parcel.geometry);
        assert!(area > 500.0, "{} has {area} m²", parcel.name);
        total += area;
        *by_class
            .entry(parcel.attributes["DLBM"].clone())
            .or_default() += area;
        assert_eq!(parcel.attributes["BSM"].len(), 18);
        assert!(parcel.attributes["ZLDWDM"].starts_with("511722"));
        assert_eq!(parcel.attributes["ZLDWDM"].len(), 12);
        let vertices = parcel.geometry.0[0].exterior().0.len() - 1;
        assert!((12..=40).contains(&vertices), "{vertices} vertices");
    }
    assert!(
        relative(total, rectangle) < 1e-6,
        "cells {total} m² vs rectangle {rectangle} m²"
    );
    let mean = total / n as f64;
    assert!((1_500.0..=3_000.0).contains(&mean), "mean cell {mean} m²");

    for (code, target) in TARGETS {
        let share = by_class.get(*code).copied().unwrap_or(0.0) / total * 100.0;
        assert!(
            (share - target).abs() < 2.0,
            "{code}: {share:.2} % of the area, target {target} %"
        );
    }
    // Names come from the land-class table, in GBK through the .cpg.
    let paddy = layer
        .parcels
        .iter()
        .find(|p| p.attributes["DLBM"] == "0101")
        .unwrap();
    assert_eq!(paddy.attributes["DLMC"], "水田");

    // Spatially correlated: most cells share their class with the next cell in the row.
    let same = layer
        .parcels
        .windows(2)
        .filter(|w| w[0].attributes["DLBM"] == w[1].attributes["DLBM"])
        .count();
    assert!(
        same as f64 > 0.45 * n as f64,
        "{same} of {n} neighbours agree"
    );

    // No gaps or overlaps: a probe square well inside the layer is covered exactly once.
    let (cx, cy) = ((min_e + max_e) / 2.0, (min_n + max_n) / 2.0);
    let probe = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (cx, cy),
            (cx + 400.0, cy),
            (cx + 400.0, cy + 300.0),
            (cx, cy + 300.0),
            (cx, cy),
        ]),
        vec![],
    )]);
    let geometries: Vec<_> = layer.parcels.iter().map(|p| p.geometry.clone()).collect();
    let covered: f64 = overlay::overlaps(std::slice::from_ref(&probe), &geometries, 0.0)
        .iter()
        .map(|o| o.area_m2)
        .sum();
    assert!(relative(covered, 120_000.0) < 1e-6, "covered {covered}");

    // An independent reader (the shapefile crate) agrees on the records.
    let shapes = shapefile::ShapeReader::from_path(dir.join("landuse.shp"))
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(shapes.len() as u64, n);
}

#[test]
fn townships_cover_the_layer_and_carry_codes() {
    let dir = crate::common::shared();
    let townships = read_parcels(&dir.join("townships.geojson")).unwrap();
    assert_eq!(
        townships.crs,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false
        }
    );
    assert_eq!(townships.parcels.len(), 4);
    let layer = read_parcels(&dir.join("landuse.shp")).unwrap();
    let layer_area: f64 = layer
        .parcels
        .iter()
        .map(|p| planar_area_m2(&p.geometry))
        .sum();
    let township_area: f64 = townships
        .parcels
        .iter()
        .map(|p| planar_area_m2(&p.geometry))
        .sum();
    assert!(relative(township_area, layer_area) < 1e-6);
    let boundaries = guagou_check::township::read_boundaries(
        &dir.join("townships.geojson"),
        None,
        Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        },
    )
    .unwrap();
    // Every cell lies in the township its ZLDWDM names (cells never cross township lines).
    let planes: Vec<_> = layer.parcels.iter().map(|p| p.geometry.clone()).collect();
    let profile = guagou_domain::Profile::dazhou_2017().unwrap();
    let located = guagou_check::township::locate(&planes, &boundaries, &profile.township);
    for (parcel, located) in layer.parcels.iter().zip(located) {
        assert_eq!(located.shares.len(), 1, "{} crosses", parcel.name);
        assert_eq!(
            located.shares[0].township,
            parcel.attributes["ZLDWDM"][..9],
            "{}",
            parcel.name
        );
    }
    let csv = std::fs::read_to_string(dir.join("divisions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 13);
}
