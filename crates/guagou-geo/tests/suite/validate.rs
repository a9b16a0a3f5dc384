//! Geometry validation: each problem its own error kind with the file's ring number, OGC
//! semantics for touching rings, and the three ways of assembling a parcel from rings.
//!
//! Run at a local origin and at zone-prefixed Dazhou coordinates (zone 36), where eastings have
//! eight integer digits and naive arithmetic loses precision.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::{Coord, LineString, MultiPolygon};
use guagou_geo::area::planar_area_m2;
use guagou_geo::validate::{
    assemble_by_containment, assemble_by_orientation, assemble_labelled, ring_from_points,
};
use guagou_geo::{Crs, GeoErrorKind};

const ZONE36: Crs = Crs::GaussKruger {
    zone: 36,
    prefixed: true,
};
/// A point in Dazhou (about 108.13°E, 31.7°N).
const E0: f64 = 36_512_345.678;
const N0: f64 = 3_512_345.678;

fn pts(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
    points
        .iter()
        .map(|&(x, y)| Coord {
            x: E0 + x,
            y: N0 + y,
        })
        .collect()
}

/// A closed ring from local offsets (metres east, metres north of the Dazhou origin).
fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    let mut p = pts(points);
    p.push(p[0]);
    LineString::new(p)
}

fn square(x: f64, y: f64, side: f64) -> LineString<f64> {
    ring(&[(x, y), (x + side, y), (x + side, y + side), (x, y + side)])
}

fn reversed(r: &LineString<f64>) -> LineString<f64> {
    LineString::new(r.0.iter().rev().copied().collect())
}

fn signed(r: &LineString<f64>) -> f64 {
    let o = r.0[0];
    r.0.windows(2)
        .map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y))
        .sum::<f64>()
        / 2.0
}

fn area(g: &MultiPolygon<f64>) -> f64 {
    planar_area_m2(g)
}

// -------------------------------------------------------------------------------------------
// ring_from_points
// -------------------------------------------------------------------------------------------

#[test]
fn a_good_ring_comes_back_unchanged() {
    let r = square(0.0, 0.0, 100.0);
    assert_eq!(ring_from_points(&r.0, 1, ZONE36).unwrap(), r);
    // Repeated vertices are kept (never repaired).
    let mut p = r.0.clone();
    p.insert(1, p[0]);
    p.insert(3, p[2]);
    assert_eq!(ring_from_points(&p, 1, ZONE36).unwrap().0, p);
}

#[test]
fn checks_in_order_with_the_ring_number() {
    // Outside the zone comes first, even on an unclosed ring.
    let mut p = pts(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]);
    p[1].x = 36_912_345.0; // ~4.3° east of 108°E
    assert!(matches!(
        ring_from_points(&p, 7, ZONE36),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
    // A zone prefix that is not the CRS's zone.
    p[1].x = 35_512_345.0;
    assert_eq!(
        ring_from_points(&p, 7, ZONE36),
        Err(GeoErrorKind::ZoneMismatch {
            prefix: 35,
            declared: 36
        })
    );
    let mut nan = pts(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]);
    nan[2].y = f64::NAN;
    assert!(matches!(
        ring_from_points(&nan, 7, ZONE36),
        Err(GeoErrorKind::OutsideZone { .. })
    ));

    let open = pts(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
    assert_eq!(
        ring_from_points(&open, 7, ZONE36),
        Err(GeoErrorKind::UnclosedRing { ring: 7 })
    );

    assert_eq!(
        ring_from_points(&[], 7, ZONE36),
        Err(GeoErrorKind::TooFewPoints {
            ring: 7,
            distinct: 0
        })
    );
    let two = pts(&[(0.0, 0.0), (10.0, 0.0), (0.0, 0.0)]);
    assert_eq!(
        ring_from_points(&two, 7, ZONE36),
        Err(GeoErrorKind::TooFewPoints {
            ring: 7,
            distinct: 2
        })
    );
    // Four points but only two distinct.
    let back_and_forth = pts(&[(0.0, 0.0), (10.0, 0.0), (0.0, 0.0), (10.0, 0.0), (0.0, 0.0)]);
    assert_eq!(
        ring_from_points(&back_and_forth, 7, ZONE36),
        Err(GeoErrorKind::TooFewPoints {
            ring: 7,
            distinct: 2
        })
    );

    let collinear = pts(&[(0.0, 0.0), (10.0, 10.0), (30.0, 30.0), (0.0, 0.0)]);
    assert_eq!(
        ring_from_points(&collinear, 7, ZONE36),
        Err(GeoErrorKind::ZeroArea { ring: 7 })
    );
}

fn self_intersection_at(points: &[Coord<f64>]) -> (f64, f64) {
    match ring_from_points(points, 3, ZONE36) {
        Err(GeoErrorKind::SelfIntersection { ring: 3, x, y }) => (x - E0, y - N0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_intersections_with_their_location() {
    // Bow tie: edges cross at (50, 50).
    let (x, y) = self_intersection_at(&pts(&[
        (0.0, 0.0),
        (100.0, 100.0),
        (100.0, 0.0),
        (0.0, 100.0),
        (0.0, 0.0),
    ]));
    assert!(
        (x - 50.0).abs() < 1e-6 && (y - 50.0).abs() < 1e-6,
        "{x} {y}"
    );

    // A ring passing twice through (50, 0) (figure 8 / ESRI's inverted hole): not simple.
    let (x, y) = self_intersection_at(&pts(&[
        (0.0, 0.0),
        (50.0, 0.0),
        (70.0, 30.0),
        (30.0, 30.0),
        (50.0, 0.0),
        (100.0, 0.0),
        (100.0, 100.0),
        (0.0, 100.0),
        (0.0, 0.0),
    ]));
    assert_eq!((x, y), (50.0, 0.0));

    // A spike: the edge to (150, 50) comes straight back.
    let (x, y) = self_intersection_at(&pts(&[
        (0.0, 0.0),
        (100.0, 0.0),
        (100.0, 50.0),
        (150.0, 50.0),
        (100.0, 50.0),
        (100.0, 100.0),
        (0.0, 100.0),
        (0.0, 0.0),
    ]));
    assert!((100.0..=150.0).contains(&x) && y == 50.0, "{x} {y}");

    // A vertex touching an edge further along.
    let (x, y) = self_intersection_at(&pts(&[
        (0.0, 0.0),
        (100.0, 0.0),
        (100.0, 100.0),
        (50.0, 0.0),
        (0.0, 100.0),
        (0.0, 0.0),
    ]));
    assert_eq!((x, y), (50.0, 0.0));
}

#[test]
fn geographic_rings_are_checked_in_degrees() {
    let r = LineString::from(vec![
        (107.5, 31.2),
        (107.6, 31.2),
        (107.6, 31.3),
        (107.5, 31.2),
    ]);
    assert!(ring_from_points(&r.0, 1, Crs::Geographic).is_ok());
    let bad = LineString::from(vec![
        (187.5, 31.2),
        (107.6, 31.2),
        (107.6, 31.3),
        (187.5, 31.2),
    ]);
    assert!(matches!(
        ring_from_points(&bad.0, 1, Crs::Geographic),
        Err(GeoErrorKind::OutsideZone { .. })
    ));
}

#[test]
fn a_large_ring_is_validated_quickly() {
    // 20 000 vertices on a circle: the sweep keeps this far from 2·10⁸ segment pairs.
    let n = 20_000;
    let mut p: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            (1000.0 * t.cos(), 1000.0 * t.sin())
        })
        .collect();
    p.push(p[0]);
    let points = pts(&p);
    let start = std::time::Instant::now();
    assert!(ring_from_points(&points, 1, ZONE36).is_ok());
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "{:?}",
        start.elapsed()
    );
}

// -------------------------------------------------------------------------------------------
// assemble_by_containment (ministry format)
// -------------------------------------------------------------------------------------------

#[test]
fn containment_hole_part_and_orientation() {
    let outer = reversed(&square(0.0, 0.0, 100.0)); // clockwise, as surveyors write it
    let hole = square(40.0, 40.0, 20.0); // counter-clockwise: must be turned
    let part = square(300.0, 0.0, 50.0);
    let g = assemble_by_containment(vec![(1, outer.clone()), (2, hole), (3, part)]).unwrap();
    assert_eq!(g.0.len(), 2);
    assert_eq!(g.0[0].interiors().len(), 1);
    assert!(signed(g.0[0].exterior()) > 0.0);
    assert!(signed(&g.0[0].interiors()[0]) < 0.0);
    assert!(signed(g.0[1].exterior()) > 0.0);
    // Reorienting keeps the first point.
    assert_eq!(g.0[0].exterior().0[0], outer.0[0]);
    assert!((area(&g) - (10_000.0 - 400.0 + 2_500.0)).abs() < 1e-6);
}

#[test]
fn containment_nesting_in_any_order() {
    let outer = square(0.0, 0.0, 300.0);
    let lake = square(50.0, 50.0, 200.0);
    let island = square(100.0, 100.0, 100.0);
    let pond = square(140.0, 140.0, 20.0);
    let expected = 90_000.0 - 40_000.0 + 10_000.0 - 400.0;
    for order in [[2, 3, 4], [4, 3, 2], [3, 2, 4], [4, 2, 3]] {
        let by_number = |n: usize| match n {
            2 => lake.clone(),
            3 => island.clone(),
            _ => pond.clone(),
        };
        let mut rings = vec![(1, outer.clone())];
        rings.extend(order.iter().map(|&n| (n, by_number(n))));
        let g = assemble_by_containment(rings).unwrap();
        assert_eq!(g.0.len(), 2, "{order:?}");
        assert_eq!(g.0[0].interiors().len(), 1);
        assert_eq!(g.0[1].interiors().len(), 1);
        assert!((area(&g) - expected).abs() < 1e-6, "{order:?}");
    }
}

#[test]
fn containment_touching_follows_ogc() {
    let outer = square(0.0, 0.0, 100.0);
    // Hole touching the shell at one point: valid.
    let touching_hole = ring(&[(0.0, 50.0), (30.0, 40.0), (30.0, 60.0)]);
    assert!(assemble_by_containment(vec![(1, outer.clone()), (2, touching_hole.clone())]).is_ok());
    // Two holes touching each other at one point: valid.
    let h1 = ring(&[(20.0, 20.0), (40.0, 20.0), (30.0, 40.0)]);
    let h2 = ring(&[(30.0, 40.0), (40.0, 60.0), (20.0, 60.0)]);
    assert!(assemble_by_containment(vec![(1, outer.clone()), (2, h1), (3, h2)]).is_ok());
    // Two parts touching at a corner: valid.
    let corner = square(100.0, 100.0, 50.0);
    let g = assemble_by_containment(vec![(1, outer.clone()), (2, corner)]).unwrap();
    assert_eq!(g.0.len(), 2);

    // Sharing an edge segment: hole with the shell, part with part.
    let edge_hole = ring(&[(0.0, 20.0), (30.0, 20.0), (30.0, 40.0), (0.0, 40.0)]);
    assert_eq!(
        assemble_by_containment(vec![(1, outer.clone()), (2, edge_hole)]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    let beside = square(100.0, 20.0, 30.0);
    assert_eq!(
        assemble_by_containment(vec![(1, outer.clone()), (2, beside)]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
}

#[test]
fn containment_crossing_and_overlap() {
    let outer = square(0.0, 0.0, 100.0);
    let crossing = square(50.0, 50.0, 100.0);
    assert_eq!(
        assemble_by_containment(vec![(1, outer.clone()), (2, crossing)]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // Two holes overlapping.
    let h1 = square(10.0, 10.0, 30.0);
    let h2 = square(20.0, 20.0, 30.0);
    assert_eq!(
        assemble_by_containment(vec![(1, outer.clone()), (5, h1), (9, h2)]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 5,
            ring_b: 9
        })
    );
    // The same ring twice.
    assert_eq!(
        assemble_by_containment(vec![(1, outer.clone()), (2, outer.clone())]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // Ring 1 inside a later ring: ring 1 is an exterior, so the two parts overlap.
    assert_eq!(
        assemble_by_containment(vec![(1, square(10.0, 10.0, 10.0)), (2, outer)]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    assert!(matches!(
        assemble_by_containment(vec![]),
        Err(GeoErrorKind::Missing { .. })
    ));
}

#[test]
fn assemblers_refuse_rings_that_skipped_validation() {
    let open = LineString::new(pts(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]));
    assert_eq!(
        assemble_by_containment(vec![(4, open.clone())]),
        Err(GeoErrorKind::UnclosedRing { ring: 4 })
    );
    let flat = LineString::new(pts(&[(0.0, 0.0), (10.0, 0.0), (0.0, 0.0)]));
    assert_eq!(
        assemble_labelled(vec![((4, flat), vec![])]),
        Err(GeoErrorKind::TooFewPoints {
            ring: 4,
            distinct: 2
        })
    );
}

// -------------------------------------------------------------------------------------------
// assemble_labelled (GeoJSON)
// -------------------------------------------------------------------------------------------

#[test]
fn labelled_holes_and_parts() {
    let outer = square(0.0, 0.0, 100.0);
    let hole = square(40.0, 40.0, 20.0);
    let g = assemble_labelled(vec![
        ((1, outer.clone()), vec![(2, hole.clone())]),
        ((3, square(300.0, 0.0, 10.0)), vec![]),
    ])
    .unwrap();
    assert_eq!(g.0.len(), 2);
    assert!(signed(g.0[0].exterior()) > 0.0 && signed(&g.0[0].interiors()[0]) < 0.0);
    assert!((area(&g) - (10_000.0 - 400.0 + 100.0)).abs() < 1e-6);

    // Hole outside its shell (disjoint, or around it).
    assert_eq!(
        assemble_labelled(vec![(
            (1, outer.clone()),
            vec![(2, square(200.0, 0.0, 10.0))]
        )]),
        Err(GeoErrorKind::HoleOutsideShell { ring: 2 })
    );
    assert_eq!(
        assemble_labelled(vec![(
            (1, outer.clone()),
            vec![(2, square(-10.0, -10.0, 200.0))]
        )]),
        Err(GeoErrorKind::HoleOutsideShell { ring: 2 })
    );
    // Hole crossing its shell.
    assert_eq!(
        assemble_labelled(vec![(
            (1, outer.clone()),
            vec![(2, square(90.0, 40.0, 20.0))]
        )]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // Hole touching the shell at a point: valid (OGC).
    let touching = ring(&[(0.0, 50.0), (30.0, 40.0), (30.0, 60.0)]);
    assert!(assemble_labelled(vec![((1, outer.clone()), vec![(2, touching)])]).is_ok());
    // Overlapping holes.
    assert_eq!(
        assemble_labelled(vec![(
            (1, outer.clone()),
            vec![(2, square(10.0, 10.0, 30.0)), (3, square(20.0, 20.0, 30.0))]
        )]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 2,
            ring_b: 3
        })
    );
}

#[test]
fn labelled_parts_overlapping_or_in_a_lake() {
    let outer = square(0.0, 0.0, 300.0);
    let lake = square(50.0, 50.0, 200.0);
    // Parts overlapping.
    assert_eq!(
        assemble_labelled(vec![
            ((1, outer.clone()), vec![]),
            ((2, square(250.0, 250.0, 100.0)), vec![])
        ]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // A part inside another part, not in a hole.
    assert_eq!(
        assemble_labelled(vec![
            ((1, outer.clone()), vec![]),
            ((2, square(10.0, 10.0, 10.0)), vec![])
        ]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // An island in the lake, listed first or last.
    let island = square(100.0, 100.0, 50.0);
    assert!(
        assemble_labelled(vec![
            ((1, outer.clone()), vec![(2, lake.clone())]),
            ((3, island.clone()), vec![])
        ])
        .is_ok()
    );
    assert!(
        assemble_labelled(vec![
            ((1, island.clone()), vec![]),
            ((2, outer.clone()), vec![(3, lake.clone())])
        ])
        .is_ok()
    );
    // An island crossing the lake's shore.
    assert_eq!(
        assemble_labelled(vec![
            ((1, outer), vec![(2, lake)]),
            ((3, square(30.0, 100.0, 50.0)), vec![])
        ]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 2,
            ring_b: 3
        })
    );
    assert!(matches!(
        assemble_labelled(vec![]),
        Err(GeoErrorKind::Missing { .. })
    ));
}

// -------------------------------------------------------------------------------------------
// assemble_by_orientation (Shapefile)
// -------------------------------------------------------------------------------------------

#[test]
fn orientation_groups_holes_into_the_smallest_exterior() {
    // Shapefile: exteriors clockwise, holes counter-clockwise.
    let outer = reversed(&square(0.0, 0.0, 300.0));
    let lake = square(50.0, 50.0, 200.0);
    let island = reversed(&square(100.0, 100.0, 100.0));
    let pond = square(140.0, 140.0, 20.0);
    let g = assemble_by_orientation(vec![(1, outer), (2, lake), (3, island), (4, pond)]).unwrap();
    assert_eq!(g.0.len(), 2);
    assert_eq!(g.0[0].interiors().len(), 1);
    assert_eq!(g.0[1].interiors().len(), 1);
    assert!((area(&g) - (90_000.0 - 40_000.0 + 10_000.0 - 400.0)).abs() < 1e-6);
    for p in &g.0 {
        assert!(signed(p.exterior()) > 0.0);
        assert!(p.interiors().iter().all(|h| signed(h) < 0.0));
    }
}

#[test]
fn orientation_errors() {
    let outer = reversed(&square(0.0, 0.0, 100.0));
    // A counter-clockwise ring in no exterior.
    assert_eq!(
        assemble_by_orientation(vec![(1, outer.clone()), (2, square(200.0, 0.0, 10.0))]),
        Err(GeoErrorKind::HoleOutsideShell { ring: 2 })
    );
    // All rings counter-clockwise (a writer that ignored the rule).
    assert_eq!(
        assemble_by_orientation(vec![(1, square(0.0, 0.0, 10.0))]),
        Err(GeoErrorKind::HoleOutsideShell { ring: 1 })
    );
    // A hole crossing an exterior.
    assert_eq!(
        assemble_by_orientation(vec![(1, outer.clone()), (2, square(90.0, 40.0, 20.0))]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    // Overlapping exteriors.
    assert_eq!(
        assemble_by_orientation(vec![(1, outer), (2, reversed(&square(50.0, 50.0, 100.0)))]),
        Err(GeoErrorKind::CrossingRings {
            ring_a: 1,
            ring_b: 2
        })
    );
    assert!(matches!(
        assemble_by_orientation(vec![]),
        Err(GeoErrorKind::Missing { .. })
    ));
}
