//! Overlay on the plane: overlap areas and distances between sets of parcels, with an R-tree so
//! a project is checked against a whole county without comparing every pair.
//!
//! Inputs must be in one planar CRS (Gauss–Krüger of one zone); areas in m², distances in m.
//! Boolean operations snap to a grid (geo/i_overlay): compare areas with a tolerance.
//!
//! The grid is relative to the pair's bounding box (about 2⁻³⁰ of its extent: 0.1 µm for a
//! 100 m parcel, 0.01 mm for a 10 km layer polygon), so results do not depend on whether
//! eastings carry the zone prefix. Geometries are assumed valid (see `validate`); the Boolean
//! operations use the even–odd rule, so overlapping parts of one multi-polygon cancel.

use std::collections::BTreeMap;

use geo::{BooleanOps, BoundingRect, CoordsIter, Distance, Euclidean, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::area::planar_area_m2;

/// One overlapping pair: index into the left set, index into the right set, shared area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    pub left: usize,
    pub right: usize,
    pub area_m2: f64,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An R-tree over the bounding boxes of a set of geometries.
///
/// Building is O(n log n) (bulk load); memory about 40 bytes per geometry. Empty geometries
/// have no bounding box and are never candidates.
pub struct PlanarIndex {
    tree: RTree<Entry>,
}

fn aabb(rect: Rect<f64>, margin: f64) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [rect.min().x - margin, rect.min().y - margin],
        [rect.max().x + margin, rect.max().y + margin],
    )
}

impl PlanarIndex {
    pub fn new(geometries: &[MultiPolygon<f64>]) -> Self {
        Self::from_iter(geometries.iter())
    }

    /// As `new`, without needing the geometries in one slice (indices count from 0 in order).
    fn from_iter<'a>(geometries: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let entries = geometries
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.bounding_rect()?;
                let envelope = aabb(r, 0.0);
                Some(GeomWithData::new(
                    Rectangle::from_corners(envelope.lower(), envelope.upper()),
                    i,
                ))
            })
            .collect();
        PlanarIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    /// Indices of geometries whose bounding box intersects `geometry`'s bounding box expanded by
    /// `margin` metres.
    ///
    /// Sorted ascending (so results are deterministic). A negative or NaN margin counts as 0.
    /// Cost O(log n + hits).
    pub fn candidates(&self, geometry: &MultiPolygon<f64>, margin: f64) -> Vec<usize> {
        let Some(rect) = geometry.bounding_rect() else {
            return Vec::new();
        };
        let margin = if margin > 0.0 { margin } else { 0.0 };
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&aabb(rect, margin))
            .map(|e| e.data)
            .collect();
        hits.sort_unstable();
        hits
    }
}

fn boxes_intersect(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) => {
            ra.min().x <= rb.max().x
                && rb.min().x <= ra.max().x
                && ra.min().y <= rb.max().y
                && rb.min().y <= ra.max().y
        }
        _ => false,
    }
}

/// Area of the intersection of two geometries, m².
///
/// Zero when the bounding boxes are disjoint (checked first, cheaply), when the geometries
/// only touch, and when one lies in a hole of the other; also when both fit in a 1 µm box.
/// NaN when a coordinate is not finite or beyond 10⁹ m (validation rejects such input; the
/// Boolean operation would panic on it, and a NaN makes the problem visible instead of hiding
/// it as "no overlap"). Cost: one Boolean
/// intersection, about O((n + k) log n) for n vertices and k crossings.
pub fn overlap_area_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    if !all_finite(a) || !all_finite(b) {
        return f64::NAN;
    }
    if !boxes_intersect(a, b) {
        return 0.0;
    }
    if let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) {
        let width = ra.max().x.max(rb.max().x) - ra.min().x.min(rb.min().x);
        let height = ra.max().y.max(rb.max().y) - ra.min().y.min(rb.min().y);
        if width.max(height) < MIN_EXTENT {
            return 0.0;
        }
    }
    // The intersection's rings are oriented consistently, but planar_area_m2 takes each
    // ring's absolute value anyway and works relative to a local origin.
    let area = planar_area_m2(&a.intersection(b));
    // Rounding can leave a vanishing negative remainder of a hole.
    if area > 0.0 { area } else { 0.0 }
}

/// Largest coordinate magnitude measured, m. Prefixed eastings reach 4.6·10⁷ m and northings
/// 6.7·10⁶ m; a value beyond 10⁹ m cannot be a Gauss–Krüger coordinate.
const MAX_COORDINATE: f64 = 1e9;

/// Below this extent of a pair's common box, m, i_overlay cannot build its snapping grid (the
/// scale overflows); the pair's shared area is then below 10⁻¹² m² and reported as 0.
const MIN_EXTENT: f64 = 1e-6;

/// Finite and within [`MAX_COORDINATE`]: what the Boolean operations can take without panicking.
fn all_finite(g: &MultiPolygon<f64>) -> bool {
    g.coords_iter()
        .all(|c| c.x.abs() <= MAX_COORDINATE && c.y.abs() <= MAX_COORDINATE)
}

/// Whether an overlap area is to be reported: above the threshold, or not a number (a pair
/// that could not be measured is listed rather than passed as "no overlap").
fn reportable(area: f64, min_area_m2: f64) -> bool {
    area > min_area_m2 || area.is_nan()
}

/// Every pair (left, right) whose intersection area is greater than `min_area_m2`, in order of
/// left then right index.
///
/// A pair whose area is NaN (non-finite coordinates, see [`overlap_area_m2`]) is listed too.
/// Indexes `right` (build it from the larger set), then for each left geometry computes exact
/// intersection areas only for bounding-box candidates.
pub fn overlaps(
    left: &[MultiPolygon<f64>],
    right: &[MultiPolygon<f64>],
    min_area_m2: f64,
) -> Vec<Overlap> {
    let index = PlanarIndex::new(right);
    let mut out = Vec::new();
    for (i, a) in left.iter().enumerate() {
        for j in index.candidates(a, 0.0) {
            let Some(b) = right.get(j) else { continue };
            let area = overlap_area_m2(a, b);
            if reportable(area, min_area_m2) {
                out.push(Overlap {
                    left: i,
                    right: j,
                    area_m2: area,
                });
            }
        }
    }
    out
}

/// Pairs within one set (i < j) whose intersection area is greater than `min_area_m2`.
///
/// Ordered by i then j. Each unordered pair is computed once. NaN areas are listed, as in
/// [`overlaps`].
pub fn self_overlaps(set: &[MultiPolygon<f64>], min_area_m2: f64) -> Vec<Overlap> {
    let index = PlanarIndex::new(set);
    let mut out = Vec::new();
    for (i, a) in set.iter().enumerate() {
        for j in index.candidates(a, 0.0).into_iter().filter(|&j| j > i) {
            let Some(b) = set.get(j) else { continue };
            let area = overlap_area_m2(a, b);
            if reportable(area, min_area_m2) {
                out.push(Overlap {
                    left: i,
                    right: j,
                    area_m2: area,
                });
            }
        }
    }
    out
}

/// Shortest distance between two geometries, m (0 when they touch or overlap).
///
/// Also 0 when one lies inside the other (but not inside one of its holes: then it is the
/// distance to the hole's edge). `f64::INFINITY` when either geometry is empty: there is
/// nothing to be near. NaN when a coordinate is not finite or beyond 10⁹ m. Cost O(n·m) in the worst case over the parts' edges, less when the
/// parts' boxes are apart.
pub fn distance_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    if !all_finite(a) || !all_finite(b) {
        return f64::NAN;
    }
    // geo treats an empty polygon as at distance 0 from anything; skip empty parts instead.
    let mut best = f64::INFINITY;
    for pa in a.0.iter().filter(|p| !p.exterior().0.is_empty()) {
        for pb in b.0.iter().filter(|p| !p.exterior().0.is_empty()) {
            let d = Euclidean.distance(pa, pb);
            if d < best {
                best = d;
            }
            if best <= 0.0 {
                return 0.0;
            }
        }
    }
    best
}

/// For each parcel, the area of each class of a classified layer inside it:
/// `result[i]` lists `(class, area_m2)` sorted by class, classes with zero area omitted.
///
/// The layer is indexed once; each parcel is intersected only with the layer polygons whose
/// boxes meet its box. A NaN intersection (non-finite coordinates) makes its class's area NaN
/// rather than vanish. Where layer polygons of one class overlap each other (an invalid
/// layer), the shared part counts twice.
pub fn class_areas(
    parcels: &[MultiPolygon<f64>],
    layer: &[(MultiPolygon<f64>, String)],
) -> Vec<Vec<(String, f64)>> {
    // Index the layer in place: a county layer is 10⁵–10⁶ polygons, too many to copy.
    let index = PlanarIndex::from_iter(layer.iter().map(|(g, _)| g));
    parcels
        .iter()
        .map(|parcel| {
            let mut by_class: BTreeMap<&str, f64> = BTreeMap::new();
            for j in index.candidates(parcel, 0.0) {
                let Some((g, class)) = layer.get(j) else {
                    continue;
                };
                let area = overlap_area_m2(parcel, g);
                if reportable(area, 0.0) {
                    *by_class.entry(class.as_str()).or_insert(0.0) += area;
                }
            }
            by_class
                .into_iter()
                .map(|(c, a)| (c.to_string(), a))
                .collect()
        })
        .collect()
}
