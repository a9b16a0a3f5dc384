//! Geometry validation with distinct error codes. Never repairs: it reports.
//!
//! Ring numbers in errors are the 1-based ring numbers of the file (the ministry format's 圈号,
//! or the ring's position within the feature for GeoJSON and Shapefile).

use geo::{Coord, LineString, MultiPolygon};

use crate::crs::Crs;
use crate::error::GeoErrorKind;

/// Turns the raw points of one ring into a closed ring, checking, in this order: every coordinate
/// finite and valid in `crs` (`OutsideZone`), closed (`UnclosedRing`), at least 3 distinct points
/// (`TooFewPoints`), no self-intersection (`SelfIntersection`), non-zero area (`ZeroArea`).
pub fn ring_from_points(
    points: &[Coord<f64>],
    ring: usize,
    crs: Crs,
) -> Result<LineString<f64>, GeoErrorKind> {
    todo!("helper B: validate")
}

/// Builds parcel geometry from rings in file order where the first ring is an exterior and the
/// role of each further ring follows from where it lies (the ministry format's 圈号): inside an
/// exterior (and not inside one of its holes) → a hole of it; outside every exterior, or inside
/// a hole → a new part (飞地); crossing or overlapping any ring → `CrossingRings`.
/// Orients exteriors counter-clockwise and holes clockwise.
pub fn assemble_by_containment(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    todo!("helper B: validate")
}

/// Builds parcel geometry from polygons whose rings the format labels explicitly
/// (GeoJSON: first ring exterior, the rest holes; Shapefile after grouping): each polygon is
/// `(exterior, holes)` with file ring numbers. A hole not inside its exterior is
/// `HoleOutsideShell`; rings crossing each other, or parts overlapping, are `CrossingRings`.
pub fn assemble_labelled(
    polygons: Vec<((usize, LineString<f64>), Vec<(usize, LineString<f64>)>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    todo!("helper B: validate")
}

/// Groups Shapefile rings (clockwise = exterior, counter-clockwise = hole in x/y axes) into
/// labelled polygons: each hole goes to the smallest exterior containing it; a hole inside no
/// exterior is `HoleOutsideShell`. Then as `assemble_labelled`.
pub fn assemble_by_orientation(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    todo!("helper B: validate")
}
