//! Project packages with known answers, the benchmark package, and `answers.json`.
//!
//! Every known-answer parcel is built from whole layer cells (or one cell moved by 5 cm), so
//! its expected area per land class is an exact sum of cell areas (shoelace on integer
//! millimetres). Expected verdicts assume the built-in profile dazhou-2017 and land-class
//! table GB/T 21010, and are computed from those (shares, distances, limits), not hard-coded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::{Distance, Euclidean};
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use serde::Serialize;

use crate::classes::PLAN;
use crate::layout::{CELL_MM, Layout, Pt, m2, outline, polygons_of, twice_area};
use crate::rng::{Rng, hash};
use crate::write::{Feature, Field, OutPolygon, ShapefileWriter, gbk, geojson, shapefile_rings};
use crate::{SynthError, SynthOptions, create_dir, write_file};

mod protection;

/// The date the expected verdicts are for (surveys are dated before it).
pub(crate) const AS_OF: &str = "2020-06-30";
/// Year in the project codes (`<county>-2019-9NN`).
const YEAR: u32 = 2019;
/// The sliver case moves its cell this far east (mm).
const SLIVER_SHIFT_MM: i64 = 50;

/// What the projects are built from.
pub(crate) struct World<'a> {
    pub layout: &'a Layout,
    pub classes: &'a [u8],
    pub table: &'a LandClassTable,
    /// The profile's reading of which land counts (`[land_use]`).
    pub land_use: &'a guagou_domain::landrules::LandUseRules,
}

impl World<'_> {
    fn code(&self, (row, col): (u32, u32)) -> &'static str {
        let index = row as usize * self.layout.cols as usize + col as usize;
        self.classes
            .get(index)
            .and_then(|&c| PLAN.get(usize::from(c)))
            .map_or("", |p| p.code)
    }

    /// Rural construction land as DEMOLITION_IS_CONSTRUCTION_LAND counts it: the synthetic
    /// layer has no 城镇村属性码, so only the classes that count outright (0702) do.
    fn is_construction(&self, code: &str) -> bool {
        self.land_use.is_rural_construction(self.table, code) == Some(true)
    }

    fn is_farmland(&self, code: &str) -> bool {
        self.table.lookup(code).is_some_and(|c| c.farmland)
    }

    /// A cell that is its own polygon and has neighbours on all sides.
    fn interior(&self, (row, col): (u32, u32)) -> bool {
        let l = self.layout;
        row >= 1 && col >= 1 && row + 1 < l.rows && col + 1 < l.cols && !l.is_merged(row, col)
    }

    fn township(&self, (row, col): (u32, u32)) -> u32 {
        self.layout.township_of(row, col)
    }

    fn village_code(&self, (row, col): (u32, u32)) -> String {
        let t = self.layout.township_of(row, col);
        self.layout
            .village_code(t, self.layout.village_of(row, col))
    }

    fn cell_twice_area(&self, (row, col): (u32, u32)) -> i128 {
        twice_area(&self.layout.cell_ring(row, col))
    }

    /// Cells of township `t` in row-major order, starting at a point drawn from `salt` (so
    /// cases do not all sit in the township's first row).
    fn cells_of(&self, t: u32, salt: u64) -> Vec<(u32, u32)> {
        let l = self.layout;
        let (r0, r1) = l.township_rows(t);
        let mut cells: Vec<(u32, u32)> = (r0..r1)
            .flat_map(|row| {
                let (c0, c1) = l.township_span(t, row);
                (c0..c1).map(move |col| (row, col))
            })
            .collect();
        if !cells.is_empty() {
            let start = (hash(l.seed, 700, t.into(), salt) % cells.len() as u64) as usize;
            cells.rotate_left(start);
        }
        cells
    }
}

/// A parcel planned for a package.
#[derive(Debug, Clone)]
struct Planned {
    name: String,
    /// Polygons in local mm (exterior counter-clockwise, holes clockwise).
    polygons: Vec<Vec<Vec<Pt>>>,
    cells: Vec<(u32, u32)>,
    /// Twice the area (mm²) per class code and per township code.
    classes: BTreeMap<String, i128>,
    townships: BTreeMap<String, i128>,
    /// 0 for cell unions; the sliver's bound otherwise.
    tolerance_m2: f64,
    village: String,
}

impl Planned {
    fn twice_area(&self) -> i128 {
        self.polygons.iter().flatten().map(|r| twice_area(r)).sum()
    }

    fn construction_twice_area(&self, world: &World) -> i128 {
        self.classes
            .iter()
            .filter(|(code, _)| world.is_construction(code))
            .map(|(_, a)| *a)
            .sum()
    }
}

/// A parcel made of whole cells (no two touching only at a corner).
fn union_of(world: &World, name: String, cells: &[(u32, u32)]) -> Result<Planned, SynthError> {
    let set: BTreeSet<(u32, u32)> = cells.iter().copied().collect();
    let member = |r: i64, c: i64| r >= 0 && c >= 0 && set.contains(&(r as u32, c as u32));
    let rings = outline(cells.iter().copied(), member).map_err(|p| {
        SynthError::Internal(format!(
            "parcel {name}: cells touch only at corner {:?}",
            p.0
        ))
    })?;
    let polygons = polygons_of(
        rings
            .iter()
            .map(|r| world.layout.ring_of_corners(r))
            .collect(),
    );
    let mut classes = BTreeMap::new();
    let mut townships = BTreeMap::new();
    for &cell in cells {
        let area = world.cell_twice_area(cell);
        *classes.entry(world.code(cell).to_owned()).or_insert(0) += area;
        *townships
            .entry(world.layout.township_code(world.township(cell)))
            .or_insert(0) += area;
    }
    let village = cells
        .first()
        .map(|&c| world.village_code(c))
        .unwrap_or_default();
    Ok(Planned {
        name,
        polygons,
        cells: cells.to_vec(),
        classes,
        townships,
        tolerance_m2: 0.0,
        village,
    })
}

/// One cell moved `SLIVER_SHIFT_MM` east: it overlaps its eastern neighbours by a sliver and
/// leaves one to its western neighbours. Expected: the cell's class and township, within
/// shift × perimeter.
fn sliver_of(world: &World, name: String, cell: (u32, u32)) -> Planned {
    let ring = world.layout.cell_ring(cell.0, cell.1);
    let perimeter_mm: f64 = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| {
            let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
            (dx * dx + dy * dy).sqrt()
        })
        .sum();
    let shifted: Vec<Pt> = ring
        .iter()
        .map(|&(x, y)| (x + SLIVER_SHIFT_MM, y))
        .collect();
    let area = twice_area(&shifted);
    Planned {
        name,
        polygons: vec![vec![shifted]],
        cells: vec![cell],
        classes: BTreeMap::from([(world.code(cell).to_owned(), area)]),
        townships: BTreeMap::from([(world.layout.township_code(world.township(cell)), area)]),
        tolerance_m2: SLIVER_SHIFT_MM as f64 / 1000.0 * perimeter_mm / 1000.0,
        village: world.village_code(cell),
    }
}

fn out_polygons(layout: &Layout, parcel: &Planned) -> Vec<OutPolygon> {
    parcel
        .polygons
        .iter()
        .map(|polygon| {
            polygon
                .iter()
                .map(|ring| ring.iter().map(|&p| layout.global(p)).collect())
                .collect()
        })
        .collect()
}

/// Shortest distance between two parcels, m, as guagou measures it (per part, on the plane).
fn distance_m(layout: &Layout, a: &Planned, b: &Planned) -> f64 {
    let to_geo = |parcel: &Planned| -> Vec<geo::Polygon<f64>> {
        out_polygons(layout, parcel)
            .into_iter()
            .map(|polygon| {
                let mut rings = polygon.into_iter().map(|ring| {
                    geo::LineString::from(
                        ring.into_iter()
                            .map(|(x, y)| geo::Coord { x, y })
                            .collect::<Vec<_>>(),
                    )
                });
                let exterior = rings
                    .next()
                    .unwrap_or_else(|| geo::LineString::new(Vec::new()));
                geo::Polygon::new(exterior, rings.collect())
            })
            .collect()
    };
    let (pa, pb) = (to_geo(a), to_geo(b));
    let mut best = f64::INFINITY;
    for x in &pa {
        for y in &pb {
            best = best.min(Euclidean.distance(x, y));
        }
    }
    best
}

/// How a package's demolition parcels are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParcelFormat {
    GeoJson,
    Shapefile,
}

/// One known-answer project as planned.
struct Case {
    letter: char,
    title_zh: &'static str,
    title_en: &'static str,
    /// Declared township (index).
    township: u32,
    demolition: Vec<Planned>,
    resettlement: Planned,
    format: ParcelFormat,
    /// Demolition files of other packages to check against (`--others`), relative to the
    /// output folder.
    others: Vec<String>,
    use_townships: bool,
    rules: BTreeMap<String, RuleAnswer>,
    overlaps: Vec<OverlapAnswer>,
    relocation: bool,
}

// ---- answers.json ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
struct Answers {
    format: u32,
    generator: String,
    county: String,
    seed: u64,
    polygons: u64,
    crs: &'static str,
    layer: &'static str,
    class_field: &'static str,
    townships: &'static str,
    profile: String,
    land_classes: &'static str,
    as_of: &'static str,
    extent: Extent,
    layer_classes_m2: BTreeMap<String, f64>,
    /// The protection layers (三区三线) by kind: file relative to the output folder.
    protection: BTreeMap<String, String>,
    projects: Vec<ProjectAnswer>,
    bench: BenchAnswer,
}

#[derive(Debug, Clone, Serialize)]
struct Extent {
    min_easting: f64,
    min_northing: f64,
    max_easting: f64,
    max_northing: f64,
    area_m2: f64,
}

#[derive(Debug, Clone, Serialize)]
struct ProjectAnswer {
    case: String,
    title_zh: String,
    title_en: String,
    code: String,
    dir: String,
    others: Vec<String>,
    use_townships: bool,
    rules: BTreeMap<String, RuleAnswer>,
    /// The 三区三线 screening rules with every layer of `protection/` given.
    protection_rules: BTreeMap<String, RuleAnswer>,
    parcels: Vec<ParcelAnswer>,
    overlaps: Vec<OverlapAnswer>,
    resettlement_distance_m: f64,
}

#[derive(Debug, Clone, Serialize)]
struct RuleAnswer {
    passed: bool,
    /// The rule's measured value where it is known (share, m², m).
    #[serde(skip_serializing_if = "Option::is_none")]
    measured: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerance: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct ParcelAnswer {
    file: String,
    role: &'static str,
    name: String,
    area_m2: f64,
    classes_m2: BTreeMap<String, f64>,
    construction_m2: f64,
    tolerance_m2: f64,
    townships_m2: BTreeMap<String, f64>,
    cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct OverlapAnswer {
    parcel: String,
    other_file: String,
    other_parcel: String,
    area_m2: f64,
}

#[derive(Debug, Clone, Serialize)]
struct BenchAnswer {
    dir: String,
    code: String,
    township: String,
    parcels: u64,
    capacity: u64,
    demolition_area_m2: f64,
    resettlement_area_m2: f64,
    persons_resettled: u64,
}

/// What was built.
pub(crate) struct Built {
    pub project_codes: Vec<String>,
    pub bench_parcels: u64,
}

fn project_code(layout: &Layout, n: u32) -> String {
    format!("{}-{YEAR}-{}", layout.county, 900 + n)
}

/// Writes `projects/`, `bench/` and `answers.json`.
pub(crate) fn write_all(
    world: &World,
    out_dir: &Path,
    options: &SynthOptions,
    layer_classes: &BTreeMap<&'static str, i128>,
) -> Result<Built, SynthError> {
    let profile = Profile::dazhou_2017().map_err(|e| SynthError::Internal(e.to_string()))?;
    let cases = plan_cases(world, &profile)?;
    let screening = protection::write(world, out_dir, &cases, &profile)?;
    let mut answers = Vec::new();
    let mut codes = Vec::new();
    for (n, (case, screened)) in cases.iter().zip(screening).enumerate() {
        let code = project_code(world.layout, n as u32 + 1);
        let dir = format!("projects/{code}");
        write_case(world, &out_dir.join(&dir), &code, case)?;
        let mut answer = case_answer(world, case, &code, &dir);
        answer.protection_rules = screened;
        answers.push(answer);
        codes.push(code);
    }
    let bench = write_bench(world, &out_dir.join("bench"), options)?;
    let layout = world.layout;
    let (w, h) = layout.size_mm();
    let (min_e, min_n) = layout.global((0, 0));
    let (max_e, max_n) = layout.global((w, h));
    let all = Answers {
        format: 1,
        generator: format!("guagou-synth {}", env!("CARGO_PKG_VERSION")),
        county: layout.county.clone(),
        seed: options.seed,
        polygons: options.polygons,
        crs: "EPSG:4545",
        layer: "landuse.shp",
        class_field: "DLBM",
        townships: "townships.geojson",
        profile: profile.profile.id.clone(),
        land_classes: "gbt21010",
        as_of: AS_OF,
        extent: Extent {
            min_easting: min_e,
            min_northing: min_n,
            max_easting: max_e,
            max_northing: max_n,
            area_m2: m2(2 * i128::from(w) * i128::from(h)),
        },
        layer_classes_m2: layer_classes
            .iter()
            .map(|(c, a)| ((*c).to_owned(), m2(*a)))
            .collect(),
        protection: protection::files(),
        projects: answers,
        bench: bench.answer,
    };
    let text = serde_json::to_string_pretty(&all)
        .map_err(|e| SynthError::Internal(format!("answers.json: {e}")))?;
    write_file(
        &out_dir.join("answers.json"),
        format!("{text}\n").as_bytes(),
    )?;
    Ok(Built {
        project_codes: codes,
        bench_parcels: bench.parcels,
    })
}

/// Keeps track of the cells the cases use, so no two cases share one (except case i, which
/// overlaps case a on purpose).
struct Picker<'w, 'a> {
    world: &'w World<'a>,
    used: BTreeSet<(u32, u32)>,
}

impl Picker<'_, '_> {
    fn free(&self, cell: (u32, u32)) -> bool {
        self.world.interior(cell) && !self.used.contains(&cell)
    }

    fn take(&mut self, cells: &[(u32, u32)]) {
        self.used.extend(cells.iter().copied());
    }

    fn first(&self, t: u32, salt: u64, ok: impl Fn((u32, u32)) -> bool) -> Option<(u32, u32)> {
        self.world
            .cells_of(t, salt)
            .into_iter()
            .find(|&c| self.free(c) && ok(c))
    }

    fn not_found(&self, what: &str) -> SynthError {
        SynthError::Internal(format!(
            "no room for {what}: the layer is too small or the seed unlucky; try more polygons"
        ))
    }

    /// A free cell (or 2 × 2 block when `block`) near `near`, at Chebyshev distance
    /// `min..=max` cells, not among `avoid`.
    fn site_near(
        &self,
        near: (u32, u32),
        min: u32,
        max: u32,
        block: bool,
    ) -> Option<Vec<(u32, u32)>> {
        let l = self.world.layout;
        for d in min..=max {
            let (r0, c0) = (i64::from(near.0), i64::from(near.1));
            let d = i64::from(d);
            for r in r0 - d..=r0 + d {
                for c in c0 - d..=c0 + d {
                    if (r - r0).abs() != d && (c - c0).abs() != d {
                        continue;
                    }
                    if r < 0 || c < 0 || r + 1 >= i64::from(l.rows) || c + 1 >= i64::from(l.cols) {
                        continue;
                    }
                    let (r, c) = (r as u32, c as u32);
                    let cells: Vec<(u32, u32)> = if block {
                        vec![(r, c), (r, c + 1), (r + 1, c), (r + 1, c + 1)]
                    } else {
                        vec![(r, c)]
                    };
                    if cells.iter().all(|&cell| self.free(cell)) {
                        return Some(cells);
                    }
                }
            }
        }
        None
    }
}

fn neighbours4((row, col): (u32, u32)) -> [(u32, u32); 4] {
    [
        (row, col + 1),
        (row + 1, col),
        (row, col.saturating_sub(1)),
        (row.saturating_sub(1), col),
    ]
}

fn chebyshev(a: (u32, u32), b: (u32, u32)) -> u32 {
    a.0.abs_diff(b.0).max(a.1.abs_diff(b.1))
}

fn names(prefix: &str, n: usize) -> impl Iterator<Item = String> + '_ {
    (1..=n).map(move |i| format!("{prefix}{i:02}"))
}

fn plan_cases(world: &World, profile: &Profile) -> Result<Vec<Case>, SynthError> {
    let l = world.layout;
    let mut picker = Picker {
        world,
        used: BTreeSet::new(),
    };
    let homestead = |c: (u32, u32)| world.code(c) == "0702";
    // Case a needs the most 农村宅基地 cells (5 ha in one township); the others go to the
    // next townships in order.
    let townships = l.township_count();
    let t_a = (0..townships)
        .max_by_key(|&t| {
            let count = world
                .cells_of(t, 0)
                .into_iter()
                .filter(|&c| picker.free(c) && homestead(c))
                .count();
            (count, std::cmp::Reverse(t))
        })
        .unwrap_or(0);
    let (t_b, t_c) = ((t_a + 1) % townships, (t_a + 2) % townships);
    let mut cases = Vec::new();

    // (a) Demolition parcels that are all 农村宅基地 cells, enough for the 5 ha minimum.
    let first = picker
        .first(t_a, 1, homestead)
        .ok_or_else(|| picker.not_found("case a"))?;
    let mut candidates: Vec<(u32, u32)> = world
        .cells_of(t_a, 1)
        .into_iter()
        .filter(|&c| picker.free(c) && homestead(c))
        .collect();
    candidates.sort_by_key(|&c| (chebyshev(c, first), c));
    let min_total = 2 * (profile.demolition.min_total_area_m2.value as i128 + 5_000) * 1_000_000;
    let mut chosen = Vec::new();
    let mut total = 0i128;
    for cell in candidates {
        if total >= min_total || chosen.len() >= 40 {
            break;
        }
        total += world.cell_twice_area(cell);
        chosen.push(cell);
    }
    picker.take(&chosen);
    let demolition_a: Vec<Planned> = chosen
        .iter()
        .zip(names("拆旧", chosen.len()))
        .map(|(&cell, name)| union_of(world, name, &[cell]))
        .collect::<Result<_, _>>()?;
    let site_a = picker
        .site_near(first, 2, 12, true)
        .ok_or_else(|| picker.not_found("the resettlement site of case a"))?;
    picker.take(&site_a);
    let site_a = union_of(world, "安置01".to_owned(), &site_a)?;
    cases.push(Case {
        letter: 'a',
        title_zh: "拆旧地块均为农村宅基地图斑：建设用地占比 1，全部规则通过",
        title_en: "every demolition parcel is exactly a 农村宅基地 (0702) cell: construction share 1, every rule passes",
        township: t_a,
        demolition: demolition_a,
        resettlement: site_a,
        format: ParcelFormat::GeoJson,
        others: Vec::new(),
        use_townships: true,
        rules: BTreeMap::new(),
        overlaps: Vec::new(),
        relocation: true,
    });

    // (b) One parcel that is exactly a farmland cell.
    let farm = picker
        .first(t_b, 2, |c| world.is_farmland(world.code(c)))
        .ok_or_else(|| picker.not_found("case b"))?;
    cases.push(simple_case(
        &mut picker,
        'b',
        "拆旧地块恰为一个耕地图斑：建设用地 0 m²，不通过",
        "the demolition parcel is exactly a farmland cell: 0 m² construction land, fails",
        &[vec![farm]],
        ParcelFormat::GeoJson,
    )?);

    // (c) Two adjacent cells of different classes, one of them 农村宅基地.
    let pair = world
        .cells_of(t_b, 3)
        .into_iter()
        .filter(|&c| picker.free(c) && homestead(c))
        .find_map(|c| {
            neighbours4(c)
                .into_iter()
                .find(|&n| {
                    picker.free(n)
                        && world.township(n) == t_b
                        && !world.is_construction(world.code(n))
                })
                .map(|n| vec![c, n])
        })
        .ok_or_else(|| picker.not_found("case c"))?;
    cases.push(simple_case(
        &mut picker,
        'c',
        "拆旧地块为两个相邻不同地类图斑之和：已知各地类面积",
        "the demolition parcel is the union of two adjacent cells of different classes: known split",
        &[pair],
        ParcelFormat::GeoJson,
    )?);

    // (d) A 3 × 3 block of cells without its middle: a parcel with a hole.
    let (block, middle) = world
        .cells_of(t_b, 4)
        .into_iter()
        .find_map(|(r, c)| {
            let cells: Vec<(u32, u32)> = (r..r + 3)
                .flat_map(|row| (c..c + 3).map(move |col| (row, col)))
                .collect();
            let middle = (r + 1, c + 1);
            cells
                .iter()
                .all(|&x| picker.free(x) && world.township(x) == t_b)
                .then(|| {
                    (
                        cells
                            .into_iter()
                            .filter(|&x| x != middle)
                            .collect::<Vec<_>>(),
                        middle,
                    )
                })
        })
        .ok_or_else(|| picker.not_found("case d"))?;
    // The hole is not free for another case either.
    picker.take(&[middle]);
    cases.push(simple_case(
        &mut picker,
        'd',
        "带洞地块（3×3 图斑去掉中间一个）：各地类面积不含洞（Shapefile）",
        "a parcel with a hole (a 3 × 3 block of cells without its middle): class areas exclude the hole (Shapefile)",
        &[block],
        ParcelFormat::Shapefile,
    )?);

    // (e) A multi-part parcel: two 农村宅基地 cells that do not touch.
    let one = picker
        .first(t_b, 5, homestead)
        .ok_or_else(|| picker.not_found("case e"))?;
    let mut others: Vec<(u32, u32)> = world
        .cells_of(t_b, 5)
        .into_iter()
        .filter(|&c| picker.free(c) && homestead(c) && chebyshev(c, one) >= 2)
        .collect();
    others.sort_by_key(|&c| (chebyshev(c, one), c));
    let two = *others.first().ok_or_else(|| picker.not_found("case e"))?;
    cases.push(simple_case(
        &mut picker,
        'e',
        "多部分地块（两个不相邻的宅基地图斑，飞地）（Shapefile）",
        "a multi-part parcel: two 0702 cells that do not touch (Shapefile)",
        &[vec![one, two]],
        ParcelFormat::Shapefile,
    )?);

    // (f) A 农村宅基地 cell sharing an edge with a farmland cell: the edge adds nothing.
    let touching = picker
        .first(t_c, 6, |c| {
            homestead(c)
                && neighbours4(c)
                    .into_iter()
                    .any(|n| world.is_farmland(world.code(n)))
        })
        .ok_or_else(|| picker.not_found("case f"))?;
    cases.push(simple_case(
        &mut picker,
        'f',
        "拆旧地块与耕地图斑共边：与该耕地重叠 0 m²",
        "the demolition parcel shares an edge with a farmland cell: 0 m² overlap with it",
        &[vec![touching]],
        ParcelFormat::GeoJson,
    )?);

    // (g) A 农村宅基地 cell moved 5 cm east: slivers with its neighbours.
    let sliver_cell = picker
        .first(t_c, 7, |c| {
            homestead(c)
                && (c.0 - 1..=c.0 + 1)
                    .flat_map(|r| (c.1 - 1..=c.1 + 1).map(move |k| (r, k)))
                    .all(|n| world.township(n) == t_c && !world.layout.is_merged(n.0, n.1))
        })
        .ok_or_else(|| picker.not_found("case g"))?;
    picker.take(&[sliver_cell]);
    let sliver = sliver_of(world, "拆旧01".to_owned(), sliver_cell);
    let site_g = picker
        .site_near(sliver_cell, 2, 8, false)
        .ok_or_else(|| picker.not_found("the resettlement site of case g"))?;
    picker.take(&site_g);
    cases.push(Case {
        letter: 'g',
        title_zh: "宅基地图斑整体东移 0.05 m：与相邻图斑有细小重叠（容差 = 位移 × 周长）",
        title_en: "a 0702 cell moved 0.05 m east: tiny overlaps with its neighbours (tolerance = shift × perimeter)",
        township: t_c,
        demolition: vec![sliver],
        resettlement: union_of(world, "安置01".to_owned(), &site_g)?,
        format: ParcelFormat::GeoJson,
        others: Vec::new(),
        use_townships: false,
        rules: BTreeMap::new(),
        overlaps: Vec::new(),
        relocation: false,
    });

    // (h) Two cells on either side of the line between townships 0 and 1.
    let band = &l.col_bounds[0];
    let rows = l.bands[0]..l.bands[1];
    let crossing = rows
        .clone()
        .skip((rows.len() / 3).max(1))
        .find_map(|row| {
            let line = band[1][(row - l.bands[0]) as usize];
            let cells = [(row, line - 1), (row, line)];
            cells
                .iter()
                .all(|&c| picker.free(c))
                .then_some(cells.to_vec())
        })
        .ok_or_else(|| picker.not_found("case h"))?;
    let mut case_h = simple_case(
        &mut picker,
        'h',
        "拆旧地块跨乡镇界线（界线两侧各一个图斑）",
        "the demolition parcel crosses a township line (one cell on either side)",
        &[crossing],
        ParcelFormat::GeoJson,
    )?;
    case_h.use_townships = true;
    cases.push(case_h);

    // (i) A parcel of case a plus a neighbouring cell, in another project: double counting.
    let (overlapped, neighbour) = cases
        .first()
        .into_iter()
        .flat_map(|a| a.demolition.iter())
        .find_map(|p| {
            let cell = *p.cells.first()?;
            neighbours4(cell)
                .into_iter()
                .find(|&n| picker.free(n) && world.township(n) == world.township(cell))
                .map(|n| (p.clone(), vec![cell, n]))
        })
        .ok_or_else(|| picker.not_found("case i"))?;
    let mut case_i = simple_case(
        &mut picker,
        'i',
        "与项目 a 的拆旧地块重叠（重复计算）",
        "a demolition parcel overlapping a parcel of project a (double counting)",
        &[neighbour],
        ParcelFormat::GeoJson,
    )?;
    let a_dir = format!("projects/{}", project_code(l, 1));
    case_i.others = vec![format!("{a_dir}/demolition.geojson")];
    let shared = world.cell_twice_area(overlapped.cells[0]);
    case_i.overlaps = vec![OverlapAnswer {
        parcel: case_i.demolition[0].name.clone(),
        other_file: format!("{a_dir}/demolition.geojson"),
        other_parcel: overlapped.name.clone(),
        area_m2: m2(shared),
    }];
    cases.push(case_i);

    // (j) A resettlement site more than 1 km from its demolition parcel.
    let far_from = picker
        .first(t_c, 10, homestead)
        .ok_or_else(|| picker.not_found("case j"))?;
    picker.take(&[far_from]);
    let reach = (profile.resettlement.max_distance_m.value * 1000.0 / CELL_MM as f64).ceil() as u32;
    let far_site = picker
        .site_near(far_from, reach + 4, reach + 30, false)
        .ok_or_else(|| picker.not_found("the far resettlement site of case j"))?;
    picker.take(&far_site);
    cases.push(Case {
        letter: 'j',
        title_zh: "安置点距拆旧地块超过 1 km：RESETTLEMENT_ADJACENT 警告",
        title_en: "the resettlement site lies more than 1 km from its demolition parcel: RESETTLEMENT_ADJACENT warning",
        township: t_c,
        demolition: vec![union_of(world, "拆旧01".to_owned(), &[far_from])?],
        resettlement: union_of(world, "安置01".to_owned(), &far_site)?,
        format: ParcelFormat::GeoJson,
        others: Vec::new(),
        use_townships: false,
        rules: BTreeMap::new(),
        overlaps: Vec::new(),
        relocation: false,
    });

    for case in &mut cases {
        case.rules = expected_rules(world, profile, case);
    }
    Ok(cases)
}

/// A case with one demolition parcel per cell list and a one-cell resettlement site nearby.
fn simple_case(
    picker: &mut Picker,
    letter: char,
    title_zh: &'static str,
    title_en: &'static str,
    parcels: &[Vec<(u32, u32)>],
    format: ParcelFormat,
) -> Result<Case, SynthError> {
    let world = picker.world;
    let mut demolition = Vec::new();
    for (cells, name) in parcels.iter().zip(names("拆旧", parcels.len())) {
        picker.take(cells);
        demolition.push(union_of(world, name, cells)?);
    }
    let near = parcels
        .first()
        .and_then(|c| c.first())
        .copied()
        .ok_or_else(|| SynthError::Internal(format!("case {letter} has no parcel")))?;
    let site = picker
        .site_near(near, 3, 10, false)
        .ok_or_else(|| picker.not_found(&format!("the resettlement site of case {letter}")))?;
    picker.take(&site);
    Ok(Case {
        letter,
        title_zh,
        title_en,
        township: world.township(near),
        demolition,
        resettlement: union_of(world, "安置01".to_owned(), &site)?,
        format,
        others: Vec::new(),
        use_townships: false,
        rules: BTreeMap::new(),
        overlaps: Vec::new(),
        relocation: false,
    })
}

/// Persons of each household of a case, and who is resettled in the site: one household per
/// demolition parcel, 2–6 persons, 集中安置 while the site holds ≥ 55 m² per person (so
/// RESETTLEMENT_PER_CAPITA passes), 货币安置 after that.
fn households(world: &World, case: &Case) -> Vec<(String, u64, bool)> {
    let mut rng = Rng::new(world.layout.seed, 800 + u64::from(case.letter as u32));
    let capacity = (m2(case.resettlement.twice_area()) / 55.0).floor() as u64;
    let mut resettled = 0;
    case.demolition
        .iter()
        .map(|parcel| {
            let persons = rng.between(2, 6) as u64;
            let concentrated = resettled + persons <= capacity;
            if concentrated {
                resettled += persons;
            }
            (parcel.name.clone(), persons, concentrated)
        })
        .collect()
}

fn expected_rules(world: &World, profile: &Profile, case: &Case) -> BTreeMap<String, RuleAnswer> {
    let mut rules = BTreeMap::new();
    let exact = |passed: bool, measured: f64| RuleAnswer {
        passed,
        measured: Some(measured),
        tolerance: None,
    };
    let verdict = |passed: bool| RuleAnswer {
        passed,
        measured: None,
        tolerance: None,
    };
    // Lowest construction share over the demolition parcels, against the parcel's area.
    let (share, tolerance) = case
        .demolition
        .iter()
        .map(|p| {
            let area = p.twice_area() as f64;
            (
                p.construction_twice_area(world) as f64 / area,
                p.tolerance_m2 / m2(p.twice_area()),
            )
        })
        .fold((1.0f64, 0.0f64), |(s, t), (ps, pt)| (s.min(ps), t.max(pt)));
    let min_share = profile.demolition.min_construction_share.value;
    rules.insert(
        "DEMOLITION_IS_CONSTRUCTION_LAND".to_owned(),
        RuleAnswer {
            passed: share >= min_share,
            measured: Some(share),
            tolerance: (tolerance > 0.0).then_some(tolerance),
        },
    );
    let distance = case
        .demolition
        .iter()
        .map(|p| distance_m(world.layout, &case.resettlement, p))
        .fold(f64::INFINITY, f64::min);
    if case.letter == 'a' || case.letter == 'j' {
        rules.insert(
            "RESETTLEMENT_ADJACENT".to_owned(),
            exact(
                distance <= profile.resettlement.max_distance_m.value,
                distance,
            ),
        );
    }
    if case.letter == 'a' {
        let total: f64 = case.demolition.iter().map(|p| m2(p.twice_area())).sum();
        let rounded = total.round() as i64;
        let (min, max) = (
            profile.demolition.min_total_area_m2.value,
            profile.demolition.max_total_area_m2.value,
        );
        rules.insert(
            "DEMOLITION_AREA_RANGE".to_owned(),
            exact((min..=max).contains(&rounded), rounded as f64),
        );
        rules.insert("DEMOLITION_SINGLE_TOWNSHIP".to_owned(), verdict(true));
        rules.insert("SURVEY_DONE".to_owned(), verdict(true));
        rules.insert("HOUSEHOLD_CONSENT".to_owned(), verdict(true));
        rules.insert("RELOCATION_HOUSEHOLDS_COVERED".to_owned(), verdict(true));
        let persons: u64 = households(world, case)
            .iter()
            .filter(|h| h.2)
            .map(|h| h.1)
            .sum();
        let site = m2(case.resettlement.twice_area()).round();
        rules.insert(
            "RESETTLEMENT_PER_CAPITA".to_owned(),
            exact(
                site >= profile.resettlement.min_m2_per_person.value * persons as f64,
                site / persons.max(1) as f64,
            ),
        );
    }
    if case.letter == 'h' {
        let townships: BTreeSet<&String> = case
            .demolition
            .iter()
            .flat_map(|p| p.townships.keys())
            .collect();
        rules.insert(
            "DEMOLITION_SINGLE_TOWNSHIP".to_owned(),
            exact(
                townships.len() as u64 <= u64::from(profile.demolition.max_townships.value),
                townships.len() as f64,
            ),
        );
    }
    if case.letter == 'i' {
        let shared: f64 = case.overlaps.iter().map(|o| o.area_m2).sum();
        rules.insert(
            "NO_DOUBLE_COUNTING".to_owned(),
            exact(
                shared <= profile.demolition.double_counting_tolerance_m2.value,
                shared.round(),
            ),
        );
    }
    rules
}

fn case_answer(world: &World, case: &Case, code: &str, dir: &str) -> ProjectAnswer {
    let file = match case.format {
        ParcelFormat::GeoJson => "demolition.geojson",
        ParcelFormat::Shapefile => "demolition.shp",
    };
    let answer = |parcel: &Planned, file: &str, role: &'static str| ParcelAnswer {
        file: file.to_owned(),
        role,
        name: parcel.name.clone(),
        area_m2: m2(parcel.twice_area()),
        classes_m2: parcel
            .classes
            .iter()
            .map(|(c, a)| (c.clone(), m2(*a)))
            .collect(),
        construction_m2: m2(parcel.construction_twice_area(world)),
        tolerance_m2: parcel.tolerance_m2,
        townships_m2: parcel
            .townships
            .iter()
            .map(|(c, a)| (c.clone(), m2(*a)))
            .collect(),
        cells: parcel
            .cells
            .iter()
            .map(|&(r, c)| world.layout.bsm(world.layout.record_of(r, c)))
            .collect(),
    };
    let mut parcels: Vec<ParcelAnswer> = case
        .demolition
        .iter()
        .map(|p| answer(p, file, "demolition"))
        .collect();
    parcels.push(answer(
        &case.resettlement,
        "resettlement.geojson",
        "resettlement",
    ));
    let distance = case
        .demolition
        .iter()
        .map(|p| distance_m(world.layout, &case.resettlement, p))
        .fold(f64::INFINITY, f64::min);
    ProjectAnswer {
        case: case.letter.to_string(),
        title_zh: case.title_zh.to_owned(),
        title_en: case.title_en.to_owned(),
        code: code.to_owned(),
        dir: dir.to_owned(),
        others: case.others.clone(),
        use_townships: case.use_townships,
        rules: case.rules.clone(),
        protection_rules: BTreeMap::new(),
        parcels,
        overlaps: case.overlaps.clone(),
        resettlement_distance_m: distance,
    }
}

// ---- writing packages ------------------------------------------------------------------

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "高", "林", "唐", "邓", "冉", "向", "谭", "蒲", "符", "鲜", "廖", "袁",
];
const GIVEN: &[&str] = &[
    "国", "明", "华", "建", "平", "文", "春", "秀", "英", "兰", "德", "福", "贵", "强", "军", "荣",
    "清", "海", "成", "玉", "芳", "林", "兴", "富", "伟",
];

fn person_name(rng: &mut Rng) -> String {
    format!(
        "{}{}{}",
        rng.pick(SURNAMES),
        rng.pick(GIVEN),
        rng.pick(GIVEN)
    )
}

fn township_name(layout: &Layout, t: u32) -> String {
    layout
        .township_names
        .get(t as usize)
        .cloned()
        .unwrap_or_default()
}

fn county_name(county: &str) -> String {
    // The Dazhou counties by name; any other code gets a neutral name.
    let known = [
        ("511702", "通川区"),
        ("511703", "达川区"),
        ("511722", "宣汉县"),
        ("511723", "开江县"),
        ("511724", "大竹县"),
        ("511725", "渠县"),
        ("511781", "万源市"),
    ];
    known
        .iter()
        .find(|(code, _)| *code == county)
        .map_or_else(|| format!("{county}县"), |(_, name)| (*name).to_owned())
}

/// The `[project]` table and parcel entries of a project.toml.
struct Manifest<'a> {
    comment: String,
    code: &'a str,
    name: String,
    county: &'a str,
    township: String,
    villages: Vec<String>,
    households: usize,
    persons: u64,
    demolition_file: &'a str,
    relocation: bool,
}

fn manifest_text(m: &Manifest) -> String {
    let villages: Vec<String> = m.villages.iter().map(|v| format!("\"{v}\"")).collect();
    let relocation = if m.relocation {
        "relocation_file = \"relocation.csv\"\n"
    } else {
        ""
    };
    format!(
        "# {}\n# 合成项目包 / synthetic package written by guagou synth; see docs/package.md\nformat = 1\n\n\
         [project]\ncode = \"{}\"\nname = \"{}\"\ncounty = \"{}\"\ntownship = \"{}\"\nvillages = [{}]\n\
         households_resettled = {}\npersons_resettled = {}\npotential_survey_date = 2019-03-12\n\
         willingness_survey_date = 2019-04-02\n\n\
         [[parcels]]\nfile = \"{}\"\nrole = \"demolition\"\n\n\
         [[parcels]]\nfile = \"resettlement.geojson\"\nrole = \"resettlement\"\n\n\
         [households]\nfile = \"households.csv\"\n{relocation}",
        m.comment,
        m.code,
        m.name,
        m.county,
        m.township,
        villages.join(", "),
        m.households,
        m.persons,
        m.demolition_file,
    )
}

fn write_geojson(layout: &Layout, path: &Path, parcels: &[&Planned]) -> Result<(), SynthError> {
    let features: Vec<Feature> = parcels
        .iter()
        .map(|p| {
            (
                vec![("name", p.name.clone()), ("XZQDM", p.village.clone())],
                out_polygons(layout, p),
            )
        })
        .collect();
    write_file(path, geojson(&features).as_bytes())
}

const PARCEL_FIELDS: &[Field] = &[
    Field {
        name: "NAME",
        width: 20,
    },
    Field {
        name: "XZQDM",
        width: 12,
    },
];

fn write_shapefile(layout: &Layout, path: &Path, parcels: &[&Planned]) -> Result<(), SynthError> {
    let mut writer = ShapefileWriter::create(path, PARCEL_FIELDS)?;
    for parcel in parcels {
        let name = gbk(&parcel.name);
        writer.write(
            &shapefile_rings(&out_polygons(layout, parcel)),
            &[&name, parcel.village.as_bytes()],
        )?;
    }
    let prj = guagou_geo::Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    }
    .to_prj_wkt();
    writer.finish(&prj).map(|_| ())
}

fn write_case(world: &World, dir: &Path, code: &str, case: &Case) -> Result<(), SynthError> {
    let layout = world.layout;
    create_dir(dir)?;
    let demolition: Vec<&Planned> = case.demolition.iter().collect();
    let demolition_file = match case.format {
        ParcelFormat::GeoJson => {
            write_geojson(layout, &dir.join("demolition.geojson"), &demolition)?;
            "demolition.geojson"
        }
        ParcelFormat::Shapefile => {
            write_shapefile(layout, &dir.join("demolition.shp"), &demolition)?;
            "demolition.shp"
        }
    };
    write_geojson(
        layout,
        &dir.join("resettlement.geojson"),
        &[&case.resettlement],
    )?;

    let rows = households(world, case);
    let mut rng = Rng::new(layout.seed, 850 + u64::from(case.letter as u32));
    let mut csv = String::from("id,name,village,persons,consent,method,parcel\n");
    let mut relocation = String::from("id,name,village\n");
    for (n, ((parcel, persons, concentrated), planned)) in
        rows.iter().zip(&case.demolition).enumerate()
    {
        let id = format!("H{:03}", n + 1);
        let name = person_name(&mut rng);
        let method = if *concentrated {
            "集中安置"
        } else {
            "货币安置"
        };
        csv.push_str(&format!(
            "{id},{name},{},{persons},同意,{method},{parcel}\n",
            planned.village
        ));
        if n < 2 {
            relocation.push_str(&format!("{id},{name},{}\n", planned.village));
        }
    }
    write_file(&dir.join("households.csv"), csv.as_bytes())?;
    if case.relocation {
        write_file(&dir.join("relocation.csv"), relocation.as_bytes())?;
    }
    let villages: BTreeSet<String> = case
        .demolition
        .iter()
        .flat_map(|p| p.cells.iter().map(|&c| world.village_code(c)))
        .collect();
    let persons: u64 = rows.iter().filter(|r| r.2).map(|r| r.1).sum();
    let manifest = Manifest {
        comment: format!(
            "case {}: {} / {}",
            case.letter, case.title_zh, case.title_en
        ),
        code,
        name: format!(
            "{}{}{YEAR}年城乡建设用地增减挂钩项目区（合成 {}）",
            county_name(&layout.county),
            township_name(layout, case.township),
            case.letter
        ),
        county: &layout.county,
        township: layout.township_code(case.township),
        villages: villages.into_iter().collect(),
        households: rows.len(),
        persons,
        demolition_file,
        relocation: case.relocation,
    };
    write_file(
        &dir.join("project.toml"),
        manifest_text(&manifest).as_bytes(),
    )
}

// ---- the benchmark package -------------------------------------------------------------

struct Bench {
    answer: BenchAnswer,
    parcels: u64,
}

/// Half the side of a benchmark parcel's box: parcels sit on grid corners 50 m apart, so
/// boxes of 47 m never touch.
const BENCH_HALF_MM: i64 = 23_500;

fn write_bench(world: &World, dir: &Path, options: &SynthOptions) -> Result<Bench, SynthError> {
    let layout = world.layout;
    // The township with the most room: grid corners whose four cells are all in it.
    let mut best: Option<(u32, Vec<(u32, u32)>)> = None;
    for t in 0..layout.township_count() {
        let (r0, r1) = layout.township_rows(t);
        let mut corners = Vec::new();
        for i in r0 + 1..r1 {
            let (c0, c1) = layout.township_span(t, i);
            for j in c0 + 1..c1 {
                let cells = [(i - 1, j - 1), (i - 1, j), (i, j - 1), (i, j)];
                if cells
                    .iter()
                    .all(|&(r, c)| layout.township_of(r, c) == t && !layout.is_merged(r, c))
                {
                    corners.push((i, j));
                }
            }
        }
        if best.as_ref().is_none_or(|(_, b)| corners.len() > b.len()) {
            best = Some((t, corners));
        }
    }
    let (t, mut corners) = best.ok_or_else(|| SynthError::Internal("no township".to_owned()))?;
    let capacity = corners.len() as u64;
    let wanted = match options.bench_parcels {
        Some(p) if p > capacity => {
            return Err(SynthError::Parcels {
                given: p,
                capacity,
                township: layout.township_code(t),
            });
        }
        Some(p) => p,
        None => crate::DEFAULT_BENCH_PARCELS.min(capacity / 2),
    };
    let mut rng = Rng::new(layout.seed, 950);
    rng.shuffle(&mut corners);
    corners.truncate(wanted as usize);
    corners.sort_unstable();

    let mut parcels = Vec::with_capacity(corners.len());
    let mut total = 0i128;
    for (n, &(i, j)) in corners.iter().enumerate() {
        let ring = bench_quad(&mut rng, i, j);
        total += twice_area(&ring);
        parcels.push(Planned {
            name: format!("拆旧{:04}", n + 1),
            polygons: vec![vec![ring]],
            cells: Vec::new(),
            classes: BTreeMap::new(),
            townships: BTreeMap::new(),
            tolerance_m2: 0.0,
            village: world.village_code((i, j)),
        });
    }
    // The site: a 2 × 2 block of cells around the township's middle corner.
    let (r0, r1) = layout.township_rows(t);
    let mid = (r0 + r1) / 2;
    let (c0, c1) = layout.township_span(t, mid);
    let (si, sj) = (mid, (c0 + c1) / 2);
    let site_cells = [(si - 1, sj - 1), (si - 1, sj), (si, sj - 1), (si, sj)];
    let site = union_of(world, "安置01".to_owned(), &site_cells)?;
    let capacity_persons = (m2(site.twice_area()) / 55.0).floor() as u64;

    create_dir(dir)?;
    let refs: Vec<&Planned> = parcels.iter().collect();
    write_geojson(layout, &dir.join("demolition.geojson"), &refs)?;
    write_geojson(layout, &dir.join("resettlement.geojson"), &[&site])?;
    let mut csv = String::from("id,name,village,persons,consent,method,parcel\n");
    let mut resettled = 0;
    for (n, parcel) in parcels.iter().enumerate() {
        let persons = rng.between(2, 6) as u64;
        let method = if resettled + persons <= capacity_persons {
            resettled += persons;
            "集中安置"
        } else {
            "货币安置"
        };
        csv.push_str(&format!(
            "H{:04},{},{},{persons},同意,{method},{}\n",
            n + 1,
            person_name(&mut rng),
            parcel.village,
            parcel.name
        ));
    }
    write_file(&dir.join("households.csv"), csv.as_bytes())?;
    let villages: BTreeSet<String> = parcels.iter().map(|p| p.village.clone()).collect();
    let code = project_code(layout, 0);
    let manifest = Manifest {
        comment: format!(
            "benchmark: {} demolition parcels of 200–2 000 m² across cell boundaries in one township",
            parcels.len()
        ),
        code: &code,
        name: format!(
            "{}{}{YEAR}年城乡建设用地增减挂钩项目区（合成基准测试）",
            county_name(&layout.county),
            township_name(layout, t)
        ),
        county: &layout.county,
        township: layout.township_code(t),
        villages: villages.into_iter().collect(),
        households: parcels.len(),
        persons: resettled,
        demolition_file: "demolition.geojson",
        relocation: false,
    };
    write_file(
        &dir.join("project.toml"),
        manifest_text(&manifest).as_bytes(),
    )?;
    Ok(Bench {
        answer: BenchAnswer {
            dir: "bench".to_owned(),
            code,
            township: layout.township_code(t),
            parcels: wanted,
            capacity,
            demolition_area_m2: m2(total),
            resettlement_area_m2: m2(site.twice_area()),
            persons_resettled: resettled,
        },
        parcels: wanted,
    })
}

/// A rectangle or irregular quad of about 200–2 000 m² centred near grid corner (i, j),
/// inside a 47 m box, so it straddles the cells around the corner.
fn bench_quad(rng: &mut Rng, i: u32, j: u32) -> Vec<Pt> {
    let target_m2 = rng.between(200, 2_000) as f64;
    let aspect = 0.7 + 0.7 * (rng.below(1_000) as f64 / 1_000.0);
    let half = |v: f64| ((v * 1000.0 / 2.0) as i64).min(BENCH_HALF_MM - 3_000);
    let (hw, hh) = (
        half((target_m2 * aspect).sqrt()),
        half((target_m2 / aspect).sqrt()),
    );
    // The centre wanders up to 3 m, so a parcel's edges fall anywhere on the cells.
    let (cx, cy) = (
        i64::from(j) * CELL_MM + rng.between(-3_000, 3_000),
        i64::from(i) * CELL_MM + rng.between(-3_000, 3_000),
    );
    let irregular = rng.below(2) == 1;
    let mut corner = |sx: i64, sy: i64| {
        // Irregular quads pull each corner inwards by up to 15 %.
        let (px, py) = if irregular {
            (rng.between(0, hw * 15 / 100), rng.between(0, hh * 15 / 100))
        } else {
            (0, 0)
        };
        (cx + sx * (hw - px), cy + sy * (hh - py))
    };
    vec![corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)]
}
