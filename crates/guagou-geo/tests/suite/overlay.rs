//! Overlay with known answers: overlap areas, touching, holes, multi-part parcels, slivers,
//! distances and class areas, at plain and at zone-prefixed coordinates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::{LineString, MultiPolygon, Polygon};
use guagou_geo::area::planar_area_m2;
use guagou_geo::overlay::{
    Overlap, PlanarIndex, class_areas, distance_m, overlap_area_m2, overlaps, self_overlaps,
};

/// Origins to run every case at: a local one, unprefixed GK and prefixed GK (zone 36).
const ORIGINS: [(f64, f64); 3] = [
    (0.0, 0.0),
    (512_345.678, 3_456_789.012),
    (36_512_345.678, 3_456_789.012),
];

fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (x0, y0),
            (x0 + w, y0),
            (x0 + w, y0 + h),
            (x0, y0 + h),
            (x0, y0),
        ]),
        vec![],
    )
}

fn mp(polygons: Vec<Polygon<f64>>) -> MultiPolygon<f64> {
    MultiPolygon::new(polygons)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn squares_overlapping_by_a_known_rectangle() {
    for (ox, oy) in ORIGINS {
        let a = mp(vec![rect(ox, oy, 100.0, 100.0)]);
        let b = mp(vec![rect(ox + 60.0, oy + 70.0, 100.0, 100.0)]);
        let area = overlap_area_m2(&a, &b);
        assert!(close(area, 40.0 * 30.0, 1e-6), "at {ox}: {area}");
        assert!(close(overlap_area_m2(&b, &a), 1200.0, 1e-6));
        assert_eq!(distance_m(&a, &b), 0.0);
        // One inside the other.
        let inner = mp(vec![rect(ox + 10.0, oy + 10.0, 5.0, 5.0)]);
        assert!(close(overlap_area_m2(&a, &inner), 25.0, 1e-6));
        assert_eq!(distance_m(&a, &inner), 0.0);
    }
}

#[test]
fn touching_squares_share_no_area() {
    for (ox, oy) in ORIGINS {
        let a = mp(vec![rect(ox, oy, 100.0, 100.0)]);
        let edge = mp(vec![rect(ox + 100.0, oy + 20.0, 50.0, 50.0)]);
        let corner = mp(vec![rect(ox + 100.0, oy + 100.0, 50.0, 50.0)]);
        for b in [&edge, &corner] {
            assert_eq!(overlap_area_m2(&a, b), 0.0, "at {ox}");
            assert_eq!(distance_m(&a, b), 0.0, "at {ox}");
        }
        assert!(
            overlaps(
                std::slice::from_ref(&a),
                &[edge.clone(), corner.clone()],
                0.0
            )
            .is_empty()
        );
    }
}

#[test]
fn overlap_only_in_the_hole_is_zero() {
    for (ox, oy) in ORIGINS {
        let hole = LineString::from(vec![
            (ox + 20.0, oy + 20.0),
            (ox + 20.0, oy + 80.0),
            (ox + 80.0, oy + 80.0),
            (ox + 80.0, oy + 20.0),
            (ox + 20.0, oy + 20.0),
        ]);
        let donut = mp(vec![Polygon::new(
            rect(ox, oy, 100.0, 100.0).exterior().clone(),
            vec![hole],
        )]);
        assert!(close(planar_area_m2(&donut), 10_000.0 - 3_600.0, 1e-6));
        // Wholly inside the hole, 10 m from its edges.
        let in_hole = mp(vec![rect(ox + 30.0, oy + 30.0, 40.0, 40.0)]);
        assert_eq!(overlap_area_m2(&donut, &in_hole), 0.0);
        assert!(
            close(distance_m(&donut, &in_hole), 10.0, 1e-6),
            "{}",
            distance_m(&donut, &in_hole)
        );
        assert!(close(distance_m(&in_hole, &donut), 10.0, 1e-6));
        // Filling the hole exactly: touching only.
        let filling = mp(vec![rect(ox + 20.0, oy + 20.0, 60.0, 60.0)]);
        assert_eq!(overlap_area_m2(&donut, &filling), 0.0);
        assert_eq!(distance_m(&donut, &filling), 0.0);
        // Covering hole and ring: only the ring part counts.
        let cover = mp(vec![rect(ox + 10.0, oy + 10.0, 80.0, 80.0)]);
        assert!(close(
            overlap_area_m2(&donut, &cover),
            6_400.0 - 3_600.0,
            1e-6
        ));
    }
}

#[test]
fn multi_part_parcels() {
    for (ox, oy) in ORIGINS {
        // Two parts 1 km apart; the other parcel overlaps each part by a known amount.
        let a = mp(vec![
            rect(ox, oy, 100.0, 100.0),
            rect(ox + 1_000.0, oy, 50.0, 50.0),
        ]);
        let b = mp(vec![
            rect(ox + 90.0, oy + 90.0, 20.0, 20.0), // 10 × 10 with part 1
            rect(ox + 1_025.0, oy - 10.0, 100.0, 20.0), // 25 × 10 with part 2
        ]);
        assert!(close(overlap_area_m2(&a, &b), 100.0 + 250.0, 1e-6));
        // Distance from a multi-part parcel is to its nearest part.
        let c = mp(vec![
            rect(ox + 500.0, oy, 10.0, 10.0),
            rect(ox + 1_060.0, oy + 40.0, 5.0, 5.0),
        ]);
        assert!(
            close(distance_m(&a, &c), 10.0, 1e-6),
            "{}",
            distance_m(&a, &c)
        );
    }
}

#[test]
fn thin_sliver_overlap() {
    for (ox, oy) in ORIGINS {
        // Neighbours whose shared boundary was digitised 5 cm apart along 100 m.
        let a = mp(vec![rect(ox, oy, 100.0, 100.0)]);
        let b = mp(vec![rect(ox + 99.95, oy, 100.0, 100.0)]);
        let area = overlap_area_m2(&a, &b);
        assert!(close(area, 5.0, 1e-4), "at {ox}: {area}");
        let found = overlaps(std::slice::from_ref(&a), std::slice::from_ref(&b), 1.0);
        assert_eq!(found.len(), 1);
        assert!(overlaps(std::slice::from_ref(&a), std::slice::from_ref(&b), 10.0).is_empty());
        // A slanted sliver: a triangle 0.05 m wide at one end, 0 at the other, 100 m long.
        let slanted = mp(vec![Polygon::new(
            LineString::from(vec![
                (ox + 99.95, oy),
                (ox + 200.0, oy),
                (ox + 200.0, oy + 100.0),
                (ox + 100.0, oy + 100.0),
                (ox + 99.95, oy),
            ]),
            vec![],
        )]);
        let area = overlap_area_m2(&a, &slanted);
        assert!(close(area, 2.5, 1e-4), "at {ox}: {area}");
    }
}

#[test]
fn distance_between_separated_squares() {
    for (ox, oy) in ORIGINS {
        let a = mp(vec![rect(ox, oy, 100.0, 100.0)]);
        let east = mp(vec![rect(ox + 130.0, oy + 50.0, 10.0, 10.0)]);
        assert!(close(distance_m(&a, &east), 30.0, 1e-6));
        // Diagonal: corner to corner 30 × 40 → 50.
        let diagonal = mp(vec![rect(ox + 130.0, oy + 140.0, 10.0, 10.0)]);
        assert!(close(distance_m(&a, &diagonal), 50.0, 1e-6));
        assert!(close(distance_m(&diagonal, &a), 50.0, 1e-6));
        assert_eq!(overlap_area_m2(&a, &diagonal), 0.0);
    }
    let empty = MultiPolygon::<f64>::new(vec![]);
    let a = mp(vec![rect(0.0, 0.0, 1.0, 1.0)]);
    assert_eq!(distance_m(&a, &empty), f64::INFINITY);
    assert_eq!(overlap_area_m2(&a, &empty), 0.0);
}

#[test]
fn index_candidates_and_pair_lists() {
    let (ox, oy) = ORIGINS[2];
    let set: Vec<MultiPolygon<f64>> = vec![
        mp(vec![rect(ox, oy, 100.0, 100.0)]),              // 0
        mp(vec![rect(ox + 50.0, oy, 100.0, 100.0)]),       // 1: overlaps 0 by 5000
        mp(vec![rect(ox + 500.0, oy, 10.0, 10.0)]),        // 2: alone
        MultiPolygon::new(vec![]),                         // 3: empty
        mp(vec![rect(ox + 140.0, oy + 90.0, 20.0, 20.0)]), // 4: overlaps 1 by 10 × 10
    ];
    let index = PlanarIndex::new(&set);
    assert_eq!(index.candidates(&set[0], 0.0), vec![0, 1]);
    // 2 is 350 m east of 1's box.
    assert_eq!(index.candidates(&set[1], 349.0), vec![0, 1, 4]);
    assert_eq!(index.candidates(&set[1], 351.0), vec![0, 1, 2, 4]);
    assert_eq!(index.candidates(&set[1], -5.0), vec![0, 1, 4]);
    assert_eq!(index.candidates(&set[1], f64::NAN), vec![0, 1, 4]);
    assert!(index.candidates(&set[3], 1e9).is_empty());

    let pairs = self_overlaps(&set, 0.0);
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!((pairs[0].left, pairs[0].right), (0, 1));
    assert!(close(pairs[0].area_m2, 5_000.0, 1e-6));
    assert_eq!((pairs[1].left, pairs[1].right), (1, 4));
    assert!(close(pairs[1].area_m2, 100.0, 1e-6));
    // A tolerance drops the small one.
    assert_eq!(self_overlaps(&set, 200.0).len(), 1);

    let left = vec![
        mp(vec![rect(ox + 95.0, oy + 95.0, 10.0, 10.0)]),
        set[2].clone(),
    ];
    let found = overlaps(&left, &set, 0.0);
    assert_eq!(
        found.iter().map(|o| (o.left, o.right)).collect::<Vec<_>>(),
        vec![(0, 0), (0, 1), (1, 2)]
    );
    assert!(close(found[0].area_m2, 25.0, 1e-6));
    assert!(close(found[1].area_m2, 50.0, 1e-6));
    assert_eq!(
        found[2],
        Overlap {
            left: 1,
            right: 2,
            area_m2: 100.0
        }
    );
    assert!(overlaps(&[], &set, 0.0).is_empty());
    assert!(overlaps(&left, &[], 0.0).is_empty());
}

#[test]
fn class_areas_sum_to_the_parcel() {
    for (ox, oy) in ORIGINS {
        // A 100 × 100 parcel across three classes (0704 rural homestead, 0103 dry land,
        // 1006 rural road); a fourth polygon of class 0103 also touches it, a fifth is away.
        let layer = vec![
            (
                mp(vec![rect(ox - 50.0, oy - 50.0, 110.0, 200.0)]),
                "0704".to_string(),
            ), // x < 60
            (
                mp(vec![rect(ox + 60.0, oy - 50.0, 100.0, 120.0)]),
                "0103".to_string(),
            ), // x ≥ 60, y < 70
            (
                mp(vec![rect(ox + 60.0, oy + 70.0, 100.0, 100.0)]),
                "1006".to_string(),
            ), // x ≥ 60, y ≥ 70
            (
                mp(vec![rect(ox + 100.0, oy, 10.0, 10.0)]),
                "0103".to_string(),
            ), // touches only
            (
                mp(vec![rect(ox + 1_000.0, oy, 10.0, 10.0)]),
                "0101".to_string(),
            ), // far away
        ];
        let parcel = mp(vec![rect(ox, oy, 100.0, 100.0)]);
        let outside = mp(vec![rect(ox + 5_000.0, oy, 10.0, 10.0)]);
        let result = class_areas(&[parcel.clone(), outside], &layer);
        assert_eq!(result.len(), 2);
        assert!(result[1].is_empty());
        let classes: Vec<&str> = result[0].iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(classes, vec!["0103", "0704", "1006"]);
        let expect = [40.0 * 70.0, 60.0 * 100.0, 40.0 * 30.0];
        for ((_, got), want) in result[0].iter().zip(expect) {
            assert!(close(*got, want, 1e-6), "at {ox}: {got} vs {want}");
        }
        let total: f64 = result[0].iter().map(|(_, a)| a).sum();
        assert!(close(total, planar_area_m2(&parcel), 1e-6));
    }
}

#[test]
fn odd_coordinates_do_not_panic() {
    let a = mp(vec![rect(0.0, 0.0, 100.0, 100.0)]);
    let mut nan = mp(vec![rect(50.0, 50.0, 100.0, 100.0)]);
    nan.0[0].exterior_mut(|r| r.0[1].x = f64::NAN);
    let mut inf = mp(vec![rect(50.0, 50.0, 100.0, 100.0)]);
    inf.0[0].exterior_mut(|r| r.0[1].x = f64::INFINITY);
    for bad in [&nan, &inf] {
        assert!(overlap_area_m2(&a, bad).is_nan());
        assert!(distance_m(bad, &a).is_nan());
    }
    // Not measurable is reported, never taken for "no overlap".
    let pairs = self_overlaps(&[a.clone(), nan.clone()], 0.0);
    assert_eq!(pairs.len(), 1);
    assert!(pairs[0].area_m2.is_nan());
    assert!(
        class_areas(std::slice::from_ref(&a), &[(nan, "0704".into())])[0][0]
            .1
            .is_nan()
    );
    // Extreme magnitudes.
    let huge = mp(vec![rect(1e300, 0.0, 1e300, 1.0)]);
    let huge2 = mp(vec![rect(1.5e300, 0.0, 1e300, 1.0)]);
    assert!(overlap_area_m2(&huge, &huge2).is_nan());
    assert!(distance_m(&huge, &a).is_nan());
    for side in [1e-300, 1e-9, 1e-7] {
        let tiny = mp(vec![rect(0.0, 0.0, side, side)]);
        assert!(overlap_area_m2(&tiny, &tiny) <= 1e-12, "{side}");
        // Snapped to the pair's grid (~10⁻⁷ m here): vanishes, but never negative.
        let area = overlap_area_m2(&a, &tiny);
        assert!(
            (0.0..=1e-12).contains(&area) && area.is_sign_positive(),
            "{side}: {area}"
        );
    }
    // Far apart at the largest real coordinates: still measured.
    let east = mp(vec![rect(45_999_000.0, 6_700_000.0, 10.0, 10.0)]);
    assert!((overlap_area_m2(&east, &east) - 100.0).abs() < 1e-6);
}
