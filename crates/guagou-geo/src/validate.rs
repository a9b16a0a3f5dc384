//! Geometry validation with distinct error codes. Never repairs: it reports.
//!
//! Ring numbers in errors are the 1-based ring numbers of the file (the ministry format's 圈号,
//! or the ring's position within the feature for GeoJSON and Shapefile).
//!
//! # Validity model
//!
//! OGC Simple Features (as GEOS and `geo`'s `Validation` apply it), with these consequences:
//!
//! - A ring is simple: it may not cross, touch or run along itself anywhere but at its closing
//!   point. A ring that passes twice through the same vertex (ESRI's "inverted hole", a figure 8)
//!   is a `SelfIntersection`, as is a spike (an edge doubling back over the previous one).
//! - Repeated consecutive vertices are tolerated and kept as they are (they change neither shape
//!   nor area, and removing them would be a silent edit of the surveyor's point list).
//! - Two rings of one parcel may touch at isolated points: a hole its shell, two holes, two parts
//!   (飞地), an island its lake. Sharing a segment of positive length, crossing or overlapping is
//!   `CrossingRings`.
//! - Not checked (as in `geo`): that the interior of a polygon is connected, i.e. that holes
//!   touching the shell and each other at two or more points do not cut the polygon in pieces.
//!
//! A ring whose points all lie on one straight line is reported as `ZeroArea`, not as the
//! self-overlap it technically also is: "this ring has no area" is what the surveyor needs to hear.
//!
//! Costs: `ring_from_points` is O(n log n) for typical rings (a sweep over segment bounding boxes;
//! quadratic only for pathological zig-zags). The assemblers relate every pair of rings whose
//! bounding boxes meet (each ring's `geo` relate graph is built once), so a parcel with many holes
//! costs about (rings + touching pairs) × ring size × log.

use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{
    BoundingRect, Coord, Line, LineString, MultiPolygon, Polygon, PreparedGeometry, Rect, Relate,
};

use crate::crs::{Crs, Transformer};
use crate::error::GeoErrorKind;

/// Turns the raw points of one ring into a closed ring, checking, in this order: every coordinate
/// finite and valid in `crs` (`OutsideZone`), closed (`UnclosedRing`), at least 3 distinct points
/// (`TooFewPoints`), no self-intersection (`SelfIntersection`), non-zero area (`ZeroArea`).
///
/// The coordinate check is [`Crs::check_coordinate`]'s, so a wrong zone prefix is reported as
/// `ZoneMismatch`. An empty ring is `TooFewPoints` with 0 distinct points. A ring whose points
/// are all collinear is `ZeroArea` (checked before self-intersection, see the module docs).
/// The points are returned unchanged (repeated vertices included).
pub fn ring_from_points(
    points: &[Coord<f64>],
    ring: usize,
    crs: Crs,
) -> Result<LineString<f64>, GeoErrorKind> {
    // Most points of a plane are plainly inside its zone; the exact check projects, and
    // building its projection costs more than checking a ring, so it is built only if needed.
    let mut exact: Option<Transformer> = None;
    for c in points {
        if crs.surely_valid(c.x, c.y) {
            continue;
        }
        let transformer = match &exact {
            Some(t) => t,
            None => exact.insert(Transformer::new(crs, Crs::Geographic)?),
        };
        transformer.check(c.x, c.y)?;
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(GeoErrorKind::TooFewPoints { ring, distinct: 0 });
    };
    if first != last {
        return Err(GeoErrorKind::UnclosedRing { ring });
    }
    let distinct = count_distinct(points);
    if distinct < 3 {
        return Err(GeoErrorKind::TooFewPoints { ring, distinct });
    }
    if all_collinear(points) {
        return Err(GeoErrorKind::ZeroArea { ring });
    }
    if let Some(at) = self_intersection(points) {
        return Err(GeoErrorKind::SelfIntersection {
            ring,
            x: at.x,
            y: at.y,
        });
    }
    // Unreachable for exact arithmetic once the points are not collinear and the ring is simple;
    // kept for rings so small that the shoelace sum underflows.
    if signed_area(points) == 0.0 {
        return Err(GeoErrorKind::ZeroArea { ring });
    }
    Ok(LineString::new(points.to_vec()))
}

/// Builds parcel geometry from rings in file order where the first ring is an exterior and the
/// role of each further ring follows from where it lies (the ministry format's 圈号): inside an
/// exterior (and not inside one of its holes) → a hole of it; outside every exterior, or inside
/// a hole → a new part (飞地); crossing or overlapping any ring → `CrossingRings`.
/// Orients exteriors counter-clockwise and holes clockwise.
///
/// Roles come from the nesting depth (how many rings contain a ring: even → exterior, odd →
/// hole of the innermost ring containing it), so the order of the further rings does not
/// matter. The first ring lying inside another ring contradicts "the first ring is an
/// exterior": that is `CrossingRings` (first ring, the ring containing it), since read as parts
/// the two overlap. Parts keep the file order of their exterior rings, holes the file order
/// within their part. No rings at all is `Missing`.
pub fn assemble_by_containment(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    let infos = ring_infos(rings)?;
    let roles = containment_roles(&infos, false)?;
    Ok(parts_geometry(&containment_parts(infos, &roles)))
}

/// The rings with what the pairwise checks need; `Missing` when there are none.
pub(crate) fn ring_infos(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<Vec<RingInfo>, GeoErrorKind> {
    if rings.is_empty() {
        return Err(no_rings());
    }
    rings
        .into_iter()
        .map(|(number, ring)| RingInfo::new(number, ring))
        .collect()
}

/// What a ring is in a parcel assembled by containment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The exterior of the part with this index.
    Exterior(usize),
    /// A hole of the part with this index.
    Hole(usize),
}

/// The role of each ring under [`assemble_by_containment`]'s rules (see there).
///
/// With `shared_edges_apart`, two rings whose interiors are disjoint but whose boundaries
/// share a segment count as apart instead of `CrossingRings` (they lie outside each other,
/// so by the format's rule neither is a hole of the other): the parts may then share edges,
/// and only [`check_parts`] would tell. Every other crossing is still an error.
pub(crate) fn containment_roles(
    infos: &[RingInfo],
    shared_edges_apart: bool,
) -> Result<Vec<Role>, GeoErrorKind> {
    if infos.is_empty() {
        return Err(no_rings());
    }
    let n = infos.len();
    let mut depth = vec![0usize; n];
    // The innermost ring containing each ring (the smallest by area: containers nest).
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let boxes: Vec<Option<Rect<f64>>> = infos.iter().map(|r| r.bbox).collect();
    for (i, j) in candidate_pairs(&boxes) {
        let (outer, inner) = match relation(&infos[i], &infos[j]) {
            Relation::Apart => continue,
            Relation::Crossing if shared_edges_apart && only_edges_shared(&infos[i], &infos[j]) => {
                continue;
            }
            Relation::Crossing => return Err(crossing(&infos[i], &infos[j])),
            Relation::Contains => (i, j),
            Relation::Within => (j, i),
        };
        depth[inner] += 1;
        let smaller = match parent[inner] {
            Some(p) => infos[outer].area < infos[p].area,
            None => true,
        };
        if smaller {
            parent[inner] = Some(outer);
        }
    }
    if let Some(container) = parent[0] {
        return Err(crossing(&infos[0], &infos[container]));
    }

    // Index of the part each exterior ring became.
    let mut part_of: Vec<Option<usize>> = vec![None; n];
    let mut parts = 0usize;
    for i in 0..n {
        if depth[i].is_multiple_of(2) {
            part_of[i] = Some(parts);
            parts += 1;
        }
    }
    (0..n)
        .map(|i| match part_of[i] {
            Some(part) => Ok(Role::Exterior(part)),
            // With no crossings the containers of a ring form a chain, so the innermost one is
            // one level up: an exterior.
            None => parent[i].and_then(|p| part_of[p]).map(Role::Hole).ok_or(
                GeoErrorKind::HoleOutsideShell {
                    ring: infos[i].number,
                },
            ),
        })
        .collect()
}

/// The parts the rings make in their `roles` (from [`containment_roles`] on the same rings):
/// parts in the order of their exteriors, holes in ring order.
pub(crate) fn containment_parts(infos: Vec<RingInfo>, roles: &[Role]) -> Vec<Part> {
    let parts = roles
        .iter()
        .filter(|r| matches!(r, Role::Exterior(_)))
        .count();
    let mut exteriors = Vec::with_capacity(parts);
    let mut holes: Vec<Vec<RingInfo>> = (0..parts).map(|_| Vec::new()).collect();
    for (info, role) in infos.into_iter().zip(roles) {
        match *role {
            Role::Exterior(_) => exteriors.push(info),
            Role::Hole(part) => {
                if let Some(h) = holes.get_mut(part) {
                    h.push(info);
                }
            }
        }
    }
    exteriors
        .into_iter()
        .zip(holes)
        .map(|(exterior, holes)| Part { exterior, holes })
        .collect()
}

/// Builds parcel geometry from polygons whose rings the format labels explicitly
/// (GeoJSON: first ring exterior, the rest holes; Shapefile after grouping): each polygon is
/// `(exterior, holes)` with file ring numbers. A hole not inside its exterior is
/// `HoleOutsideShell`; rings crossing each other, or parts overlapping, are `CrossingRings`.
///
/// A hole that lies partly inside and partly outside its exterior crosses it: `CrossingRings`;
/// wholly outside (or around the exterior): `HoleOutsideShell`. A part inside another part is
/// allowed only inside one of that part's holes (an island in a lake). Exteriors are oriented
/// counter-clockwise and holes clockwise; order is kept. No polygons at all is `Missing`.
// The signature is the interface the readers were written against; a type alias would only
// rename the tuple.
#[allow(clippy::type_complexity)]
pub fn assemble_labelled(
    polygons: Vec<((usize, LineString<f64>), Vec<(usize, LineString<f64>)>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    let parts = labelled_parts(polygons)?;
    check_parts(&parts)?;
    Ok(parts_geometry(&parts))
}

/// The parts of labelled polygons (see [`assemble_labelled`]), not yet checked against each
/// other.
#[allow(clippy::type_complexity)]
pub(crate) fn labelled_parts(
    polygons: Vec<((usize, LineString<f64>), Vec<(usize, LineString<f64>)>)>,
) -> Result<Vec<Part>, GeoErrorKind> {
    if polygons.is_empty() {
        return Err(no_rings());
    }
    polygons
        .into_iter()
        .map(|((number, exterior), holes)| {
            Ok(Part {
                exterior: RingInfo::new(number, exterior)?,
                holes: holes
                    .into_iter()
                    .map(|(n, h)| RingInfo::new(n, h))
                    .collect::<Result<Vec<_>, GeoErrorKind>>()?,
            })
        })
        .collect()
}

/// Groups Shapefile rings (clockwise = exterior, counter-clockwise = hole in x/y axes) into
/// labelled polygons: each hole goes to the smallest exterior containing it; a hole inside no
/// exterior is `HoleOutsideShell`. Then as `assemble_labelled`.
///
/// A ring with zero signed area has no orientation: `ZeroArea`. Polygons follow the order of
/// their exterior rings, holes their ring order.
pub fn assemble_by_orientation(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    let parts = orientation_parts(rings)?;
    check_parts(&parts)?;
    Ok(parts_geometry(&parts))
}

/// Shapefile rings grouped into parts (see [`assemble_by_orientation`]), not yet checked
/// against each other.
pub(crate) fn orientation_parts(
    rings: Vec<(usize, LineString<f64>)>,
) -> Result<Vec<Part>, GeoErrorKind> {
    if rings.is_empty() {
        return Err(no_rings());
    }
    let mut exteriors = Vec::new();
    let mut holes = Vec::new();
    for (number, ring) in rings {
        let area = signed_area(&ring.0);
        let info = RingInfo::new(number, ring)?;
        if area < 0.0 {
            exteriors.push(info);
        } else if area > 0.0 {
            holes.push(info);
        } else {
            return Err(GeoErrorKind::ZeroArea { ring: number });
        }
    }
    let mut assigned: Vec<Vec<RingInfo>> = exteriors.iter().map(|_| Vec::new()).collect();
    for hole in holes {
        let mut best: Option<usize> = None;
        let mut crosses: Option<usize> = None;
        for (e, exterior) in exteriors.iter().enumerate() {
            match relation(exterior, &hole) {
                Relation::Contains if best.is_none_or(|b| exterior.area < exteriors[b].area) => {
                    best = Some(e);
                }
                Relation::Crossing if crosses.is_none() => crosses = Some(e),
                _ => {}
            }
        }
        match (best, crosses) {
            (Some(e), _) => assigned[e].push(hole),
            // In no exterior because it crosses one: say so rather than "outside".
            (None, Some(e)) => return Err(crossing(&exteriors[e], &hole)),
            (None, None) => return Err(GeoErrorKind::HoleOutsideShell { ring: hole.number }),
        }
    }
    Ok(exteriors
        .into_iter()
        .zip(assigned)
        .map(|(exterior, holes)| Part { exterior, holes })
        .collect())
}

/// The geometry of checked parts: exteriors counter-clockwise, holes clockwise, order kept.
pub(crate) fn parts_geometry(parts: &[Part]) -> MultiPolygon<f64> {
    MultiPolygon::new(
        parts
            .iter()
            .map(|part| {
                Polygon::new(
                    oriented(&part.exterior.ring, true),
                    part.holes
                        .iter()
                        .map(|h| oriented(&h.ring, false))
                        .collect(),
                )
            })
            .collect(),
    )
}

fn no_rings() -> GeoErrorKind {
    GeoErrorKind::Missing {
        what: "rings (the geometry has no coordinates) / 几何图形没有任何环".into(),
    }
}

/// One ring with what the pairwise checks need, computed once.
pub(crate) struct RingInfo {
    /// The file's ring number.
    pub(crate) number: usize,
    pub(crate) ring: LineString<f64>,
    /// The ring as a hole-free polygon, with its `geo` relate graph built once.
    prepared: PreparedGeometry<'static, Polygon<f64>>,
    pub(crate) bbox: Option<Rect<f64>>,
    area: f64,
}

impl RingInfo {
    /// Rechecks closure and point count: the assemblers are public and `geo`'s relate graph
    /// expects proper rings, so garbage is refused here rather than trusted.
    fn new(number: usize, ring: LineString<f64>) -> Result<RingInfo, GeoErrorKind> {
        let points = &ring.0;
        match (points.first(), points.last()) {
            (Some(first), Some(last)) if first != last => {
                return Err(GeoErrorKind::UnclosedRing { ring: number });
            }
            _ => {}
        }
        let distinct = count_distinct(points);
        if distinct < 3 {
            return Err(GeoErrorKind::TooFewPoints {
                ring: number,
                distinct,
            });
        }
        if points.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
            let bad = points
                .iter()
                .find(|c| !c.x.is_finite() || !c.y.is_finite())
                .copied()
                .unwrap_or(Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                });
            return Err(GeoErrorKind::OutsideZone {
                x: bad.x,
                y: bad.y,
                reason: "not a finite number / 坐标不是有限数值".into(),
            });
        }
        let area = signed_area(points).abs();
        let bbox = ring.bounding_rect();
        let prepared = PreparedGeometry::from(Polygon::new(ring.clone(), vec![]));
        Ok(RingInfo {
            number,
            ring,
            prepared,
            bbox,
            area,
        })
    }
}

/// One polygon of a parcel: an exterior ring and its holes.
pub(crate) struct Part {
    pub(crate) exterior: RingInfo,
    pub(crate) holes: Vec<RingInfo>,
}

/// Checks labelled polygons: holes inside their exterior and apart from each other, parts
/// apart from each other unless one lies in a hole of the other.
pub(crate) fn check_parts(parts: &[Part]) -> Result<(), GeoErrorKind> {
    for part in parts {
        check_part(part)?;
    }
    let boxes: Vec<Option<Rect<f64>>> = parts.iter().map(|p| p.exterior.bbox).collect();
    for (i, j) in candidate_pairs(&boxes) {
        check_pair(&parts[i], &parts[j])?;
    }
    Ok(())
}

/// One polygon on its own: holes inside the exterior and apart from each other.
pub(crate) fn check_part(part: &Part) -> Result<(), GeoErrorKind> {
    for hole in &part.holes {
        match relation(&part.exterior, hole) {
            Relation::Contains => {}
            Relation::Crossing => return Err(crossing(&part.exterior, hole)),
            Relation::Apart | Relation::Within => {
                return Err(GeoErrorKind::HoleOutsideShell { ring: hole.number });
            }
        }
    }
    let boxes: Vec<Option<Rect<f64>>> = part.holes.iter().map(|h| h.bbox).collect();
    for (i, j) in candidate_pairs(&boxes) {
        if relation(&part.holes[i], &part.holes[j]) != Relation::Apart {
            return Err(crossing(&part.holes[i], &part.holes[j]));
        }
    }
    Ok(())
}

/// Two polygons of one parcel: apart (touching at isolated points at most), or one inside a
/// hole of the other. Overlapping, crossing or sharing an edge is `CrossingRings`.
pub(crate) fn check_pair(a: &Part, b: &Part) -> Result<(), GeoErrorKind> {
    match relation(&a.exterior, &b.exterior) {
        Relation::Apart => Ok(()),
        Relation::Crossing => Err(crossing(&a.exterior, &b.exterior)),
        Relation::Contains => island_in_lake(a, b),
        Relation::Within => island_in_lake(b, a),
    }
}

/// `island`'s exterior lies inside `outer`'s exterior: fine only if it lies in one of
/// `outer`'s holes.
fn island_in_lake(outer: &Part, island: &Part) -> Result<(), GeoErrorKind> {
    for hole in &outer.holes {
        match relation(hole, &island.exterior) {
            Relation::Contains => return Ok(()),
            Relation::Apart => {}
            Relation::Crossing | Relation::Within => return Err(crossing(hole, &island.exterior)),
        }
    }
    Err(crossing(&outer.exterior, &island.exterior))
}

fn crossing(a: &RingInfo, b: &RingInfo) -> GeoErrorKind {
    GeoErrorKind::CrossingRings {
        ring_a: a.number.min(b.number),
        ring_b: a.number.max(b.number),
    }
}

/// How two simple rings (as the areas they enclose) lie to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Disjoint, or touching at isolated points.
    Apart,
    /// The first encloses the second (their boundaries meet at most at isolated points).
    Contains,
    /// The second encloses the first.
    Within,
    /// Boundaries cross, overlap or share a segment.
    Crossing,
}

fn relation(a: &RingInfo, b: &RingInfo) -> Relation {
    if !rects_meet(a.bbox, b.bbox) {
        return Relation::Apart;
    }
    let matrix = a.prepared.relate(&b.prepared);
    // Sharing a segment is not allowed between any two rings of a valid (multi)polygon.
    if matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
        return Relation::Crossing;
    }
    if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::Empty {
        return Relation::Apart;
    }
    if matrix.is_covers() {
        Relation::Contains
    } else if matrix.is_coveredby() {
        Relation::Within
    } else {
        Relation::Crossing
    }
}

/// Whether two rings share boundary segments while their interiors stay apart (two parcels'
/// parts drawn edge to edge): the one crossing that can be told from a hole at a glance.
fn only_edges_shared(a: &RingInfo, b: &RingInfo) -> bool {
    let matrix = a.prepared.relate(&b.prepared);
    matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional
        && matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::Empty
}

fn rects_meet(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.min().x <= b.max().x
                && b.min().x <= a.max().x
                && a.min().y <= b.max().y
                && b.min().y <= a.max().y
        }
        _ => false,
    }
}

/// Pairs `(i, j)`, `i < j`, whose boxes meet, in lexicographic order (so the error reported for a
/// bad parcel does not depend on the sweep). A sweep along x keeps this near-linear for
/// parcels whose rings are spread out.
pub(crate) fn candidate_pairs(boxes: &[Option<Rect<f64>>]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, Rect<f64>)> = boxes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.map(|b| (i, b)))
        .collect();
    order.sort_by(|a, b| a.1.min().x.total_cmp(&b.1.min().x));
    let mut pairs = Vec::new();
    for (k, &(i, a)) in order.iter().enumerate() {
        for &(j, b) in &order[k + 1..] {
            if b.min().x > a.max().x {
                break;
            }
            if a.min().y <= b.max().y && b.min().y <= a.max().y {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Number of distinct coordinates (exact comparison; the closing repetition counts once).
fn count_distinct(points: &[Coord<f64>]) -> usize {
    // `+ 0.0` turns −0.0 into 0.0, which compare equal but sort apart under `total_cmp`.
    let mut keys: Vec<(f64, f64)> = points.iter().map(|c| (c.x + 0.0, c.y + 0.0)).collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    keys.len()
}

/// Whether every point lies on the line through the first two distinct points (exact test).
fn all_collinear(points: &[Coord<f64>]) -> bool {
    let Some(&p0) = points.first() else {
        return true;
    };
    let Some(&p1) = points.iter().find(|&&c| c != p0) else {
        return true;
    };
    points
        .iter()
        .all(|&c| RobustKernel::orient2d(p0, p1, c) == Orientation::Collinear)
}

/// Signed shoelace area (counter-clockwise positive), relative to the first vertex so that
/// zone-prefixed eastings lose no precision.
fn signed_area(points: &[Coord<f64>]) -> f64 {
    let Some(&origin) = points.first() else {
        return 0.0;
    };
    let mut twice = 0.0;
    for w in points.windows(2) {
        let (a, b) = (w[0] - origin, w[1] - origin);
        twice += a.x * b.y - b.x * a.y;
    }
    // The closing edge back to the origin contributes zero (a relative vertex is the origin).
    twice / 2.0
}

/// The ring with the requested orientation (counter-clockwise when `ccw`). Reversing keeps the
/// first point, so a ring read, written reversed and read again comes back identical.
fn oriented(ring: &LineString<f64>, ccw: bool) -> LineString<f64> {
    let area = signed_area(&ring.0);
    if (area > 0.0) == ccw {
        ring.clone()
    } else {
        let mut points = ring.0.clone();
        points.reverse();
        LineString::new(points)
    }
}

/// The approximate location of the first self-intersection of a closed ring (by segment order
/// along the ring), or `None` for a simple ring. Zero-length segments (repeated vertices) are
/// skipped; consecutive segments may share only their common vertex.
fn self_intersection(points: &[Coord<f64>]) -> Option<Coord<f64>> {
    let mut vertices: Vec<Coord<f64>> = Vec::with_capacity(points.len());
    for &p in points {
        if vertices.last() != Some(&p) {
            vertices.push(p);
        }
    }
    let segments: Vec<Line<f64>> = vertices.windows(2).map(|w| Line::new(w[0], w[1])).collect();
    let m = segments.len();
    if m < 3 {
        return None;
    }
    let min_x = |s: &Line<f64>| s.start.x.min(s.end.x);
    let max_x = |s: &Line<f64>| s.start.x.max(s.end.x);
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| min_x(&segments[a]).total_cmp(&min_x(&segments[b])));

    let mut first: Option<((usize, usize), Coord<f64>)> = None;
    for (k, &i) in order.iter().enumerate() {
        let a = segments[i];
        let (a_min_y, a_max_y) = (a.start.y.min(a.end.y), a.start.y.max(a.end.y));
        for &j in &order[k + 1..] {
            let b = segments[j];
            if min_x(&b) > max_x(&a) {
                break;
            }
            if b.start.y.min(b.end.y) > a_max_y || b.start.y.max(b.end.y) < a_min_y {
                continue;
            }
            let (lo, hi) = (i.min(j), i.max(j));
            if first.is_some_and(|(pair, _)| pair <= (lo, hi)) {
                continue;
            }
            let adjacent = hi == lo + 1 || (lo == 0 && hi == m - 1);
            let hit = match line_intersection(a, b) {
                None => None,
                // Neighbours meet at their shared vertex: that is the ring, not a crossing.
                Some(LineIntersection::SinglePoint { .. }) if adjacent => None,
                Some(LineIntersection::SinglePoint { intersection, .. }) => Some(intersection),
                Some(LineIntersection::Collinear { intersection }) => {
                    if adjacent {
                        // A spike: the second edge runs back over the first. Its tip is the
                        // shared vertex.
                        Some(
                            shared_vertex(&segments[lo], &segments[hi])
                                .unwrap_or(intersection.start),
                        )
                    } else {
                        Some(intersection.start)
                    }
                }
            };
            if let Some(at) = hit {
                first = Some(((lo, hi), at));
            }
        }
    }
    first.map(|(_, at)| at)
}

fn shared_vertex(a: &Line<f64>, b: &Line<f64>) -> Option<Coord<f64>> {
    [a.start, a.end]
        .into_iter()
        .find(|p| *p == b.start || *p == b.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn self_intersection_finds_bow_tie_centre() {
        let bow = ring(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0), (0.0, 0.0)]);
        assert_eq!(self_intersection(&bow), Some(Coord { x: 1.0, y: 1.0 }));
    }

    #[test]
    fn self_intersection_ignores_repeated_vertices_and_square() {
        let square = ring(&[
            (0.0, 0.0),
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]);
        assert_eq!(self_intersection(&square), None);
    }

    #[test]
    fn candidate_pairs_are_sorted_and_complete() {
        let r =
            |x0: f64, x1: f64| Some(Rect::new(Coord { x: x0, y: 0.0 }, Coord { x: x1, y: 1.0 }));
        let boxes = vec![r(5.0, 6.0), r(0.0, 10.0), r(2.0, 3.0), None, r(3.0, 4.0)];
        assert_eq!(
            candidate_pairs(&boxes),
            vec![(0, 1), (1, 2), (1, 4), (2, 4)]
        );
    }
}
