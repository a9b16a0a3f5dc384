//! Overlay on the plane: overlap areas and distances between sets of parcels, with an R-tree so
//! a project is checked against a whole county without comparing every pair.
//!
//! Inputs must be in one planar CRS (Gauss–Krüger of one zone); areas in m², distances in m.
//! Boolean operations snap to a grid (geo/i_overlay): compare areas with a tolerance.

use geo::MultiPolygon;

/// One overlapping pair: index into the left set, index into the right set, shared area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    pub left: usize,
    pub right: usize,
    pub area_m2: f64,
}

/// An R-tree over the bounding boxes of a set of geometries.
pub struct PlanarIndex {
    // helper A
}

impl PlanarIndex {
    pub fn new(geometries: &[MultiPolygon<f64>]) -> Self {
        todo!("helper A: overlay")
    }
    /// Indices of geometries whose bounding box intersects `geometry`'s bounding box expanded by
    /// `margin` metres.
    pub fn candidates(&self, geometry: &MultiPolygon<f64>, margin: f64) -> Vec<usize> {
        todo!("helper A: overlay")
    }
}

/// Area of the intersection of two geometries, m².
pub fn overlap_area_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    todo!("helper A: overlay")
}

/// Every pair (left, right) whose intersection area is greater than `min_area_m2`, in order of
/// left then right index.
pub fn overlaps(
    left: &[MultiPolygon<f64>],
    right: &[MultiPolygon<f64>],
    min_area_m2: f64,
) -> Vec<Overlap> {
    todo!("helper A: overlay")
}

/// Pairs within one set (i < j) whose intersection area is greater than `min_area_m2`.
pub fn self_overlaps(set: &[MultiPolygon<f64>], min_area_m2: f64) -> Vec<Overlap> {
    todo!("helper A: overlay")
}

/// Shortest distance between two geometries, m (0 when they touch or overlap).
pub fn distance_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    todo!("helper A: overlay")
}

/// For each parcel, the area of each class of a classified layer inside it:
/// `result[i]` lists `(class, area_m2)` sorted by class, classes with zero area omitted.
pub fn class_areas(
    parcels: &[MultiPolygon<f64>],
    layer: &[(MultiPolygon<f64>, String)],
) -> Vec<Vec<(String, f64)>> {
    todo!("helper A: overlay")
}
