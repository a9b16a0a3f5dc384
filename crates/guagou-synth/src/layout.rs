//! The county's grid: where the rectangle lies, its cells, townships and villages, and the
//! exact geometry of every cell edge.
//!
//! Coordinates are integer millimetres relative to the rectangle's south-west corner (x east,
//! y north), so that areas are exact integers (shoelace in `i128`) and two cells sharing an
//! edge share its vertices bit for bit. Each grid edge's intermediate points are drawn from a
//! hash of the edge itself, so both neighbours compute the same points; a cell is the ring of
//! its four edges. Edges on the rectangle's sides get no sideways offset (the rectangle stays
//! exact).
//!
//! Shapes are kept valid by construction: corners move at most [`CORNER_JITTER_MM`] (12 % of a
//! cell) and edge points at most [`EDGE_OFFSET_MM`] sideways, at 18–82 % of the edge, so two
//! edges meeting at a corner stay more than 20° apart and a cell never folds over itself (the
//! tests validate every polygon of a 40 000-cell layer with guagou-geo's validation).

use std::collections::BTreeMap;

use crate::rng::{Rng, centred, derive, hash};

/// Side of a grid cell (50 m, so a cell is about 2 500 m²).
pub(crate) const CELL_MM: i64 = 50_000;
/// Largest move of a grid corner along each axis.
pub(crate) const CORNER_JITTER_MM: i64 = 6_000;
/// Largest sideways move of a point inside an edge.
pub(crate) const EDGE_OFFSET_MM: i64 = 2_000;
/// Cells per township, roughly (40 000 cells = 100 km², a Sichuan township).
const CELLS_PER_TOWNSHIP: f64 = 40_000.0;
/// Villages per township: a 3 × 4 arrangement.
pub(crate) const VILLAGE_ROWS: u32 = 3;
pub(crate) const VILLAGE_COLS: u32 = 4;
/// Where Dazhou lies on the zone-36 plane (metres, easting without zone prefix).
const EASTING_RANGE_M: (i64, i64) = (400_000, 520_000);
const NORTHING_RANGE_M: (i64, i64) = (3_420_000, 3_560_000);

/// Hash tags: one per kind of draw, so that no two uses share numbers.
pub(crate) mod tag {
    pub const CORNER_X: u64 = 1;
    pub const CORNER_Y: u64 = 2;
    pub const H_EDGE: u64 = 3;
    pub const V_EDGE: u64 = 4;
    pub const TOWNSHIP_WALK: u64 = 5;
    pub const NAMES: u64 = 6;
}

/// A point in local millimetres.
pub(crate) type Pt = (i64, i64);
/// A grid corner: (row i in 0..=rows, column j in 0..=cols).
pub(crate) type Corner = (u32, u32);

/// The county rectangle and its subdivision.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub seed: u64,
    pub county: String,
    pub rows: u32,
    pub cols: u32,
    /// Rows `0..merged_rows` have their last two cells merged into one polygon, so that the
    /// polygon count is exactly the one asked for.
    pub merged_rows: u32,
    /// South-west corner of the rectangle, mm on the zone-36 plane.
    pub origin_mm: Pt,
    /// Townships per side: `k × k` townships.
    pub k: u32,
    /// Row bands of townships: band m holds rows `bands[m]..bands[m + 1]`.
    pub bands: Vec<u32>,
    /// `col_bounds[m][q][row - bands[m]]`: the first column of township column q in a row of
    /// band m (q = 0 → 0, q = k → cols). Inner bounds wander by one column at a time, so
    /// township lines are not straight but each township row is one run of cells.
    pub col_bounds: Vec<Vec<Vec<u32>>>,
    pub township_names: Vec<String>,
    /// `village_names[t][v]` for village v (0-based) of township t.
    pub village_names: Vec<Vec<String>>,
}

impl Layout {
    /// The layout for `polygons` cells (≥ 2 500, checked by the caller).
    pub(crate) fn new(county: &str, polygons: u64, seed: u64) -> Layout {
        let rows = ((polygons as f64).sqrt().round() as u64).max(3);
        let cols = polygons.div_ceil(rows).max(3);
        let merged_rows = (rows * cols - polygons) as u32;
        let (rows, cols) = (rows as u32, cols as u32);
        let k = ((polygons as f64 / CELLS_PER_TOWNSHIP).sqrt().round() as u32).clamp(2, 9);
        let origin_mm = place_rectangle(county, rows, cols);
        let bands: Vec<u32> = (0..=k)
            .map(|m| (u64::from(m) * u64::from(rows) / u64::from(k)) as u32)
            .collect();
        let amplitude = i64::from((cols / (k * 8)).max(1));
        let mut col_bounds = Vec::with_capacity(k as usize);
        for m in 0..k {
            let (start, end) = (bands[m as usize], bands[m as usize + 1]);
            let mut per_q = Vec::with_capacity(k as usize + 1);
            for q in 0..=k {
                let base = (u64::from(q) * u64::from(cols) / u64::from(k)) as i64;
                if q == 0 || q == k {
                    per_q.push(vec![base as u32; (end - start) as usize]);
                    continue;
                }
                let mut rng = Rng::new(seed, hash(0, tag::TOWNSHIP_WALK, m.into(), q.into()));
                let mut walk = rng.between(-amplitude, amplitude);
                let mut bounds = Vec::with_capacity((end - start) as usize);
                for _ in start..end {
                    walk =
                        (walk + [-1, 0, 0, 1][rng.below(4) as usize]).clamp(-amplitude, amplitude);
                    bounds.push((base + walk) as u32);
                }
                per_q.push(bounds);
            }
            col_bounds.push(per_q);
        }
        let (township_names, village_names) = names(seed, county, k * k);
        Layout {
            seed,
            county: county.to_owned(),
            rows,
            cols,
            merged_rows,
            origin_mm,
            k,
            bands,
            col_bounds,
            township_names,
            village_names,
        }
    }

    pub(crate) fn polygon_count(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.cols) - u64::from(self.merged_rows)
    }

    pub(crate) fn township_count(&self) -> u32 {
        self.k * self.k
    }

    /// Whether grid cell (row, col) is half of a merged polygon.
    pub(crate) fn is_merged(&self, row: u32, col: u32) -> bool {
        row < self.merged_rows && col + 2 >= self.cols
    }

    /// Whether grid cell (row, col) is the right half of a merged polygon (it has no record
    /// of its own).
    pub(crate) fn is_merged_tail(&self, row: u32, col: u32) -> bool {
        row < self.merged_rows && col + 1 == self.cols
    }

    pub(crate) fn band_of(&self, row: u32) -> usize {
        self.bands
            .windows(2)
            .position(|w| row >= w[0] && row < w[1])
            .unwrap_or(0)
    }

    /// Township index (0-based, `m * k + q`) of a grid cell.
    pub(crate) fn township_of(&self, row: u32, col: u32) -> u32 {
        let m = self.band_of(row);
        let r = (row - self.bands[m]) as usize;
        let bounds = &self.col_bounds[m];
        let q = (1..self.k as usize)
            .take_while(|&q| bounds[q][r] <= col)
            .count();
        m as u32 * self.k + q as u32
    }

    /// Columns `start..end` of township `t` in `row` (empty if the row is outside its band).
    pub(crate) fn township_span(&self, t: u32, row: u32) -> (u32, u32) {
        let (m, q) = ((t / self.k) as usize, (t % self.k) as usize);
        if row < self.bands[m] || row >= self.bands[m + 1] {
            return (0, 0);
        }
        let r = (row - self.bands[m]) as usize;
        (self.col_bounds[m][q][r], self.col_bounds[m][q + 1][r])
    }

    /// Rows `start..end` of township `t`.
    pub(crate) fn township_rows(&self, t: u32) -> (u32, u32) {
        let m = (t / self.k) as usize;
        (self.bands[m], self.bands[m + 1])
    }

    /// Village index (0-based) of a grid cell within its township.
    pub(crate) fn village_of(&self, row: u32, col: u32) -> u32 {
        let t = self.township_of(row, col);
        let (r0, r1) = self.township_rows(t);
        let (c0, c1) = self.township_span(t, row);
        let vr = (row - r0) * VILLAGE_ROWS / (r1 - r0).max(1);
        let vc = (col - c0) * VILLAGE_COLS / (c1 - c0).max(1);
        vr.min(VILLAGE_ROWS - 1) * VILLAGE_COLS + vc.min(VILLAGE_COLS - 1)
    }

    /// 9-digit township code: county + 101, 102, …
    pub(crate) fn township_code(&self, t: u32) -> String {
        format!("{}{:03}", self.county, 101 + t)
    }

    /// 12-digit village code: township + 201, 202, …
    pub(crate) fn village_code(&self, t: u32, v: u32) -> String {
        format!("{}{:03}", self.township_code(t), 201 + v)
    }

    /// A grid corner in local mm: corners on the rectangle's sides stay on them.
    pub(crate) fn corner(&self, (i, j): Corner) -> Pt {
        let dx = if j == 0 || j == self.cols {
            0
        } else {
            centred(
                hash(self.seed, tag::CORNER_X, i.into(), j.into()),
                CORNER_JITTER_MM,
            )
        };
        let dy = if i == 0 || i == self.rows {
            0
        } else {
            centred(
                hash(self.seed, tag::CORNER_Y, i.into(), j.into()),
                CORNER_JITTER_MM,
            )
        };
        (i64::from(j) * CELL_MM + dx, i64::from(i) * CELL_MM + dy)
    }

    /// The points of the grid edge from corner `a` to the adjacent corner `b`: `a` itself and
    /// the points inside the edge, in order from `a` (not `b`).
    pub(crate) fn edge_path(&self, a: Corner, b: Corner) -> Vec<Pt> {
        // Each edge is drawn in one canonical direction (west→east, south→north) and
        // reversed when walked the other way, so neighbours share its points exactly.
        let (from, to, reversed) = if (b.0, b.1) > (a.0, a.1) {
            (a, b, false)
        } else {
            (b, a, true)
        };
        let horizontal = from.0 == to.0;
        let on_side = if horizontal {
            from.0 == 0 || from.0 == self.rows
        } else {
            from.1 == 0 || from.1 == self.cols
        };
        let tag = if horizontal { tag::H_EDGE } else { tag::V_EDGE };
        let h = hash(self.seed, tag, from.0.into(), from.1.into());
        let count = 2 + (h % 3) as i64;
        let (p, q) = (self.corner(from), self.corner(to));
        let mut inner = Vec::with_capacity(count as usize + 1);
        for m in 0..count {
            let hm = hash(h, tag, m as u64, 0);
            // Per mille along the edge: evenly spaced, each moved by at most 4 %.
            let t = 1000 * (m + 1) / (count + 1) + centred(hm, 40);
            let offset = if on_side {
                0
            } else {
                centred(derive(hm, 1), EDGE_OFFSET_MM)
            };
            let x = p.0 + (q.0 - p.0) * t / 1000;
            let y = p.1 + (q.1 - p.1) * t / 1000;
            inner.push(if horizontal {
                (x, y + offset)
            } else {
                (x + offset, y)
            });
        }
        if reversed {
            inner.reverse();
            let mut out = vec![q];
            out.extend(inner);
            out
        } else {
            let mut out = vec![p];
            out.extend(inner);
            out
        }
    }

    /// The ring of a corner cycle (each corner adjacent to the next, last to first),
    /// not closed.
    pub(crate) fn ring_of_corners(&self, corners: &[Corner]) -> Vec<Pt> {
        let mut ring = Vec::with_capacity(corners.len() * 4);
        for (n, &a) in corners.iter().enumerate() {
            let b = corners[(n + 1) % corners.len()];
            ring.extend(self.edge_path(a, b));
        }
        ring
    }

    /// The polygon of a record: a grid cell, or the merged pair at the end of a merged row.
    /// Counter-clockwise, not closed.
    pub(crate) fn cell_ring(&self, row: u32, col: u32) -> Vec<Pt> {
        let last = if self.is_merged(row, col) {
            col + 2
        } else {
            col + 1
        };
        let mut corners = Vec::with_capacity(6);
        for j in col..last {
            corners.push((row, j));
        }
        corners.push((row, last));
        corners.push((row + 1, last));
        for j in (col + 1..last).rev() {
            corners.push((row + 1, j));
        }
        corners.push((row + 1, col));
        self.ring_of_corners(&corners)
    }

    /// Converts a local point to zone-36 coordinates in metres (easting, northing).
    pub(crate) fn global(&self, p: Pt) -> (f64, f64) {
        (
            (self.origin_mm.0 + p.0) as f64 / 1000.0,
            (self.origin_mm.1 + p.1) as f64 / 1000.0,
        )
    }

    /// Width and height of the rectangle, mm.
    pub(crate) fn size_mm(&self) -> Pt {
        (
            i64::from(self.cols) * CELL_MM,
            i64::from(self.rows) * CELL_MM,
        )
    }

    /// Records in file order: (row, col) of each polygon's first grid cell.
    pub(crate) fn records(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.rows).flat_map(move |row| {
            (0..self.cols)
                .filter(move |&col| !self.is_merged_tail(row, col))
                .map(move |col| (row, col))
        })
    }

    /// Record number (0-based) of a grid cell (the merged tail gives its pair's).
    pub(crate) fn record_of(&self, row: u32, col: u32) -> u64 {
        let before = u64::from(row.min(self.merged_rows));
        let col = if self.is_merged_tail(row, col) {
            col - 1
        } else {
            col
        };
        u64::from(row) * u64::from(self.cols) + u64::from(col) - before
    }

    /// BSM (标识码) of a record: county code + 12-digit sequence number from 1.
    pub(crate) fn bsm(&self, record: u64) -> String {
        format!("{}{:012}", self.county, record + 1)
    }
}

/// South-west corner of the rectangle: inside the Dazhou box, moved by a hash of the county
/// code (not of the seed) so that counties differ and a county stays put across seeds.
fn place_rectangle(county: &str, rows: u32, cols: u32) -> Pt {
    let h = county.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    });
    let width_m = i64::from(cols) * CELL_MM / 1000;
    let height_m = i64::from(rows) * CELL_MM / 1000;
    let free_e_km = ((EASTING_RANGE_M.1 - EASTING_RANGE_M.0 - width_m) / 1000).max(0);
    let free_n_km = ((NORTHING_RANGE_M.1 - NORTHING_RANGE_M.0 - height_m) / 1000).max(0);
    let e_km = (crate::rng::mix(h) % (free_e_km as u64 + 1)) as i64;
    let n_km = (crate::rng::mix(h ^ 1) % (free_n_km as u64 + 1)) as i64;
    (
        (EASTING_RANGE_M.0 + e_km * 1000) * 1000,
        (NORTHING_RANGE_M.0 + n_km * 1000) * 1000,
    )
}

const NAME_FIRST: &[&str] = &[
    "南", "北", "东", "西", "龙", "凤", "金", "石", "黄", "白", "青", "马", "双", "柏", "桃", "花",
    "明", "清", "天", "平", "安", "新", "太", "永", "峰", "胡", "毛", "樊", "庙", "普", "观", "君",
    "土", "红", "紫", "茶", "漆", "碑", "渡", "峨",
];
const NAME_SECOND: &[&str] = &[
    "坝", "河", "溪", "山", "桥", "岭", "庙", "场", "湾", "池", "田", "坪", "口", "滩", "岩", "台",
    "沟", "垭", "林", "寨", "城", "乐", "兴", "和", "丰", "溪", "营", "坡", "垭", "塘",
];

/// Township and village names: two characters each, unique within the county.
fn names(seed: u64, county: &str, townships: u32) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rng = Rng::new(seed ^ crate::rng::mix(county.len() as u64), tag::NAMES);
    let mut used = BTreeMap::new();
    let mut draw = |rng: &mut Rng| loop {
        let name = format!("{}{}", rng.pick(NAME_FIRST), rng.pick(NAME_SECOND));
        if used.insert(name.clone(), ()).is_none() {
            return name;
        }
    };
    let mut township_names = Vec::new();
    let mut village_names = Vec::new();
    for t in 0..townships {
        let base = draw(&mut rng);
        // Real counties mix towns (镇) and townships (乡); most are towns.
        let suffix = if t % 4 == 3 { "乡" } else { "镇" };
        township_names.push(format!("{base}{suffix}"));
        let villages = (0..VILLAGE_ROWS * VILLAGE_COLS)
            .map(|_| format!("{}村", draw(&mut rng)))
            .collect();
        village_names.push(villages);
    }
    (township_names, village_names)
}

/// Twice the signed area of a ring (shoelace, exact), mm²; positive when counter-clockwise.
pub(crate) fn twice_area(ring: &[Pt]) -> i128 {
    let n = ring.len();
    let mut sum: i128 = 0;
    for i in 0..n {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % n];
        sum += i128::from(x1) * i128::from(y2) - i128::from(x2) * i128::from(y1);
    }
    sum
}

/// m² from twice an area in mm².
pub(crate) fn m2(twice_mm2: i128) -> f64 {
    twice_mm2 as f64 / 2.0e6
}

/// Why a set of cells has no simple outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pinch(pub Corner);

/// The outline of a set of grid cells as rings of corners: exteriors counter-clockwise,
/// holes clockwise. `member(row, col)` says whether a cell (possibly outside the grid) is in
/// the set; `cells` lists the set. Cells touching only at a corner are refused (`Pinch`):
/// the ring through that corner would not be simple.
pub(crate) fn outline(
    cells: impl Iterator<Item = (u32, u32)>,
    member: impl Fn(i64, i64) -> bool,
) -> Result<Vec<Vec<Corner>>, Pinch> {
    let mut next: BTreeMap<Corner, Corner> = BTreeMap::new();
    for (row, col) in cells {
        let (r, c) = (i64::from(row), i64::from(col));
        // The four sides counter-clockwise, each with the neighbour across it.
        let sides = [
            ((row, col), (row, col + 1), (r - 1, c)),
            ((row, col + 1), (row + 1, col + 1), (r, c + 1)),
            ((row + 1, col + 1), (row + 1, col), (r + 1, c)),
            ((row + 1, col), (row, col), (r, c - 1)),
        ];
        for (a, b, (nr, nc)) in sides {
            if !member(nr, nc) && next.insert(a, b).is_some() {
                return Err(Pinch(a));
            }
        }
    }
    let mut rings = Vec::new();
    while let Some((&start, _)) = next.iter().next() {
        let mut ring = vec![start];
        let mut at = next.remove(&start).ok_or(Pinch(start))?;
        while at != start {
            ring.push(at);
            at = next.remove(&at).ok_or(Pinch(at))?;
        }
        rings.push(ring);
    }
    Ok(rings)
}

/// Rings grouped into polygons: each exterior (counter-clockwise) with the holes (clockwise)
/// inside it. Rings are in local mm.
pub(crate) fn polygons_of(rings: Vec<Vec<Pt>>) -> Vec<Vec<Vec<Pt>>> {
    let (exteriors, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| twice_area(r) > 0);
    let mut polygons: Vec<Vec<Vec<Pt>>> = exteriors.into_iter().map(|e| vec![e]).collect();
    for hole in holes {
        let probe = hole[0];
        if let Some(polygon) = polygons.iter_mut().find(|p| contains_point(&p[0], probe)) {
            polygon.push(hole);
        }
    }
    polygons
}

/// Even–odd point in ring (the probe is a vertex of a hole, strictly inside its exterior).
fn contains_point(ring: &[Pt], (px, py): Pt) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % n];
        if (y1 > py) != (y2 > py) {
            // x of the crossing, compared without division.
            let lhs = i128::from(px - x1) * i128::from(y2 - y1);
            let rhs = i128::from(x2 - x1) * i128::from(py - y1);
            if (y2 > y1 && lhs < rhs) || (y2 < y1 && lhs > rhs) {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_count_is_exact() {
        for n in [2_500_u64, 2_501, 2_777, 9_973, 40_000] {
            let layout = Layout::new("511722", n, 1);
            assert_eq!(layout.polygon_count(), n);
            assert_eq!(layout.records().count() as u64, n);
        }
    }

    #[test]
    fn cells_tile_the_rectangle_exactly() {
        let layout = Layout::new("511722", 2_777, 3);
        let total: i128 = layout
            .records()
            .map(|(r, c)| twice_area(&layout.cell_ring(r, c)))
            .sum();
        let (w, h) = layout.size_mm();
        assert_eq!(total, 2 * i128::from(w) * i128::from(h));
    }

    #[test]
    fn record_numbers_follow_file_order() {
        let layout = Layout::new("511722", 2_777, 3);
        for (n, (r, c)) in layout.records().enumerate() {
            assert_eq!(layout.record_of(r, c), n as u64);
        }
    }

    #[test]
    fn outline_of_a_ring_of_cells_has_a_hole() {
        let layout = Layout::new("511722", 2_500, 1);
        let cells: Vec<(u32, u32)> = (10..13)
            .flat_map(|r| (10..13).map(move |c| (r, c)))
            .filter(|&(r, c)| (r, c) != (11, 11))
            .collect();
        let member =
            |r: i64, c: i64| (10..13).contains(&r) && (10..13).contains(&c) && (r, c) != (11, 11);
        let rings = outline(cells.iter().copied(), member).unwrap_or_default();
        let rings: Vec<Vec<Pt>> = rings.iter().map(|r| layout.ring_of_corners(r)).collect();
        let polygons = polygons_of(rings);
        assert_eq!(polygons.len(), 1);
        assert_eq!(polygons[0].len(), 2);
        let area: i128 = polygons[0].iter().map(|r| twice_area(r)).sum();
        let cells_area: i128 = cells
            .iter()
            .map(|&(r, c)| twice_area(&layout.cell_ring(r, c)))
            .sum();
        assert_eq!(area, cells_area);
    }
}
