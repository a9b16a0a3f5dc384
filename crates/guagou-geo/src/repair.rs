//! Explicit geometry repair, offered to readers through
//! [`ReadOptions`](crate::formats::ReadOptions) and always reported: nothing here runs unless
//! the caller asked for it.
//!
//! # `Repair::UnionParts`
//!
//! One repair exists: when the *parts* (the separate polygons) of one parcel overlap or share
//! edges — a MultiPolygon drawn as adjacent pieces, as county layers from web map services
//! often are — the parts that touch in that way are merged with a polygon union (`geo`'s
//! [`unary_union`], an integer-snapped sweep: merged parts come back with vertices moved by
//! about 10⁻⁹ of the parts' extent and collinear vertices dropped). Parts that neither overlap
//! nor share an edge with another part are kept exactly as read.
//!
//! It is attempted only when assembling the parcel failed with `CrossingRings`, and only if
//! every part is valid on its own (its holes inside its exterior and apart from each other), so
//! the problem lies between parts. A self-intersecting, unclosed or too-short ring, a hole
//! outside its shell, or rings crossing *within* one polygon stay errors. The union is then
//! validated like any ring read from a file ([`validate::ring_from_points`] in the file's CRS,
//! then [`validate::assemble_labelled`]); if that fails, the parcel's original error is
//! returned.
//!
//! For the ministry coordinate format, where a ring's role comes from where it lies, a ring
//! overlapping another could as well be a hole drawn across its shell as an overlapping
//! 飞地, so only rings that lie outside each other and share edges count as parts to merge
//! there; overlapping rings stay `CrossingRings`.

use geo::{LineString, MultiPolygon, Polygon, unary_union};

use crate::crs::Crs;
use crate::error::GeoErrorKind;
use crate::formats::Repair;
use crate::validate::{self, Part};

/// A parcel's geometry as assembled, and the repair applied, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    pub geometry: MultiPolygon<f64>,
    pub repaired: Option<PartsUnion>,
}

/// What a [`Repair::UnionParts`] repair did, for the reader's warning.
#[derive(Debug, Clone, PartialEq)]
pub struct PartsUnion {
    /// The error the parcel has without the repair.
    pub original: GeoErrorKind,
    /// The parts as read (exteriors counter-clockwise, holes clockwise), overlapping or sharing
    /// edges: its area is the sum of the parts' areas.
    pub before: MultiPolygon<f64>,
    /// The merged groups of parts, each as the file ring numbers of the parts' exteriors.
    pub merged: Vec<Vec<usize>>,
}

/// [`validate::assemble_labelled`], with the repair `repair` (GeoJSON).
#[allow(clippy::type_complexity)]
pub fn assemble_labelled(
    polygons: Vec<((usize, LineString<f64>), Vec<(usize, LineString<f64>)>)>,
    repair: Repair,
    crs: Crs,
) -> Result<Assembled, GeoErrorKind> {
    let parts = validate::labelled_parts(polygons)?;
    checked_or_repaired(parts, repair, crs)
}

/// [`validate::assemble_by_orientation`], with the repair `repair` (Shapefile).
pub fn assemble_by_orientation(
    rings: Vec<(usize, LineString<f64>)>,
    repair: Repair,
    crs: Crs,
) -> Result<Assembled, GeoErrorKind> {
    let parts = validate::orientation_parts(rings)?;
    checked_or_repaired(parts, repair, crs)
}

/// [`validate::assemble_by_containment`], with the repair `repair` (ministry format; see the
/// module documentation for what counts as parts there).
pub fn assemble_by_containment(
    rings: Vec<(usize, LineString<f64>)>,
    repair: Repair,
    crs: Crs,
) -> Result<Assembled, GeoErrorKind> {
    let infos = validate::ring_infos(rings)?;
    let original = match validate::containment_roles(&infos, false) {
        Ok(roles) => {
            return Ok(Assembled {
                geometry: validate::parts_geometry(&validate::containment_parts(infos, &roles)),
                repaired: None,
            });
        }
        Err(kind) => kind,
    };
    if repair != Repair::UnionParts || !matches!(original, GeoErrorKind::CrossingRings { .. }) {
        return Err(original);
    }
    match validate::containment_roles(&infos, true) {
        Ok(roles) => repaired(original, validate::containment_parts(infos, &roles), crs),
        Err(_) => Err(original),
    }
}

fn checked_or_repaired(
    parts: Vec<Part>,
    repair: Repair,
    crs: Crs,
) -> Result<Assembled, GeoErrorKind> {
    let original = match validate::check_parts(&parts) {
        Ok(()) => {
            return Ok(Assembled {
                geometry: validate::parts_geometry(&parts),
                repaired: None,
            });
        }
        Err(kind) => kind,
    };
    if repair != Repair::UnionParts || !matches!(original, GeoErrorKind::CrossingRings { .. }) {
        return Err(original);
    }
    repaired(original, parts, crs)
}

/// The parts merged where they overlap or share edges, or `original` when that fails.
fn repaired(original: GeoErrorKind, parts: Vec<Part>, crs: Crs) -> Result<Assembled, GeoErrorKind> {
    match union_parts(parts, crs) {
        Some((geometry, before, merged)) => Ok(Assembled {
            geometry,
            repaired: Some(PartsUnion {
                original,
                before,
                merged,
            }),
        }),
        None => Err(original),
    }
}

/// Merges the parts that overlap or share edges, if every part is valid on its own and the
/// result is valid. Returns the new geometry, the parts as they were, and the merged groups
/// (exterior ring numbers); `None` when the repair does not apply or fails.
#[allow(clippy::type_complexity)]
fn union_parts(
    parts: Vec<Part>,
    crs: Crs,
) -> Option<(MultiPolygon<f64>, MultiPolygon<f64>, Vec<Vec<usize>>)> {
    if parts.iter().any(|part| validate::check_part(part).is_err()) {
        return None;
    }
    // Groups of parts that must merge (union–find over the offending pairs).
    let mut root: Vec<usize> = (0..parts.len()).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let boxes: Vec<_> = parts.iter().map(|p| p.exterior.bbox).collect();
    let mut any = false;
    for (i, j) in validate::candidate_pairs(&boxes) {
        if validate::check_pair(&parts[i], &parts[j]).is_err() {
            let (a, b) = (find(&mut root, i), find(&mut root, j));
            // The smaller index leads, so a group sits where its first part was.
            root[a.max(b)] = a.min(b);
            any = true;
        }
    }
    if !any {
        return None;
    }
    // The members of each group, listed under its first part.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); parts.len()];
    for i in 0..parts.len() {
        let leader = find(&mut root, i);
        groups[leader].push(i);
    }

    let before = validate::parts_geometry(&parts);
    let mut polygons: Vec<Polygon<f64>> = Vec::with_capacity(parts.len());
    let mut merged = Vec::new();
    for (polygon, members) in before.0.iter().zip(&groups) {
        if members.is_empty() {
            // Merged into the group led by an earlier part.
            continue;
        }
        if members.len() == 1 {
            polygons.push(polygon.clone());
            continue;
        }
        let pieces: Vec<Polygon<f64>> = members.iter().map(|&k| before.0[k].clone()).collect();
        polygons.extend(unary_union(&pieces).0);
        merged.push(members.iter().map(|&k| parts[k].exterior.number).collect());
    }

    // The union is checked like rings read from a file; rings are numbered in output order.
    let mut number = 0usize;
    let mut next = || {
        number += 1;
        number
    };
    let mut labelled = Vec::with_capacity(polygons.len());
    for polygon in &polygons {
        let n = next();
        let exterior = validate::ring_from_points(&polygon.exterior().0, n, crs).ok()?;
        let mut holes = Vec::with_capacity(polygon.interiors().len());
        for hole in polygon.interiors() {
            let n = next();
            holes.push((n, validate::ring_from_points(&hole.0, n, crs).ok()?));
        }
        labelled.push(((n, exterior), holes));
    }
    let geometry = validate::assemble_labelled(labelled).ok()?;
    Some((geometry, before, merged))
}
