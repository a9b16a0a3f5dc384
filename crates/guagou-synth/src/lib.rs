//! A synthetic county for tests and benchmarks (`guagou synth`): a 三调-style land-use layer,
//! township boundaries, protection layers (三区三线), and project packages whose answers are
//! known exactly.
//!
//! Everything is deterministic: the same [`SynthOptions`] give byte-identical files on every
//! machine (own PRNG, integer geometry, fixed dates; see `rng`). The layout, the file set and
//! the shape of `answers.json` are described in `docs/synth.md`.
//!
//! The land-use layer is a planar partition of a rectangle on the CGCS2000 3-degree
//! Gauss–Krüger plane of zone 36 (EPSG:4545, central meridian 108°E, easting without zone
//! prefix), placed in the Dazhou area and moved by a hash of the county code. Its cells are
//! jittered grid cells of about 2 500 m² with 12–20 vertices; neighbouring cells share their
//! edges point for point, so the cells never overlap and leave no gaps. Geometry is kept in
//! integer millimetres, so every area in `answers.json` is an exact shoelace sum.
//!
//! Cost: the layer is streamed to disk one polygon at a time; class assignment holds about
//! 25 bytes per polygon (1 000 000 polygons: 93 MB peak, 12 s in release), and time is linear.

mod classes;
mod layout;
mod projects;
mod rng;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_domain::landclass::LandClassTable;
use guagou_geo::Crs;

use crate::layout::{Layout, m2, outline, polygons_of, twice_area};
use crate::write::{Field, OutPolygon, ShapefileWriter, gbk, shapefile_rings};

/// Fewest polygons: room for the known-answer projects (a 50 × 50 grid, 2.5 km across, so a
/// resettlement site can lie more than 1 km from its parcels) in four townships.
pub const MIN_POLYGONS: u64 = 2_500;
/// Most polygons: a 112 km square, as large as the Dazhou area the layer is placed in.
pub const MAX_POLYGONS: u64 = 5_000_000;
/// Benchmark parcels when not asked for: 1 000, or half the room in the benchmark township
/// if that is less.
pub const DEFAULT_BENCH_PARCELS: u64 = 1_000;
/// The file marking a folder as synth output (it may then be overwritten).
pub const MARKER_FILE: &str = ".guagou-synth";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthOptions {
    /// 6-digit county-level division code; township and village codes extend it.
    pub county: String,
    /// Number of land-use polygons, exactly ([`MIN_POLYGONS`]..=[`MAX_POLYGONS`]).
    pub polygons: u64,
    pub seed: u64,
    /// Demolition parcels of the benchmark package (default [`DEFAULT_BENCH_PARCELS`]).
    pub bench_parcels: Option<u64>,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub out_dir: PathBuf,
    pub county: String,
    pub polygons: u64,
    pub townships: u32,
    pub villages: u32,
    /// Extent of the layer on EPSG:4545: min easting, min northing, max easting, max northing.
    pub extent: [f64; 4],
    /// Area of the layer, m² (= the sum of its polygons' areas).
    pub area_m2: f64,
    /// Codes of the known-answer projects, in case order (a, b, …).
    pub projects: Vec<String>,
    pub bench_parcels: u64,
    /// Every file written (relative to `out_dir`) and its size in bytes, sorted by path.
    pub files: Vec<(PathBuf, u64)>,
}

/// Why nothing (or not everything) was generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(
        "县级代码 '{0}' 无效：应为 6 位县级行政区划代码（如 511722）/ invalid county code '{0}': expected a 6-digit county-level division code (e.g. 511722)"
    )]
    County(String),
    #[error("图斑数 {given} 超出范围 {min}–{max} / polygon count {given} is outside {min}–{max}")]
    Polygons { given: u64, min: u64, max: u64 },
    #[error(
        "基准测试拆旧地块数 {given} 超出乡镇 {township} 可容纳的 {capacity} 个，请减少地块或增加图斑 / {given} benchmark parcels do not fit in township {township} (room for {capacity}): ask for fewer parcels or more polygons"
    )]
    Parcels {
        given: u64,
        capacity: u64,
        township: String,
    },
    #[error(
        "输出目录 {dir} 非空且不是 guagou synth 的输出（{entry}），不会覆盖 / output folder {dir} is not empty and is not a previous synth output ({entry}); nothing is overwritten"
    )]
    OutDirNotEmpty { dir: String, entry: String },
    #[error("{file}: {reason}")]
    Io { file: String, reason: String },
    #[error("{file}: 字段/field {field}: {reason}")]
    Field {
        file: String,
        field: String,
        reason: String,
    },
    #[error("内部错误 / internal error: {0}")]
    Internal(String),
}

impl SynthOptions {
    /// Checks the options, returning the county code.
    fn validate(&self) -> Result<DivisionCode, SynthError> {
        let county = DivisionCode::parse(&self.county)
            .ok()
            .filter(|c| c.as_str().len() == 6 && c.level() == DivisionLevel::County)
            .ok_or_else(|| SynthError::County(self.county.clone()))?;
        if !(MIN_POLYGONS..=MAX_POLYGONS).contains(&self.polygons) {
            return Err(SynthError::Polygons {
                given: self.polygons,
                min: MIN_POLYGONS,
                max: MAX_POLYGONS,
            });
        }
        Ok(county)
    }
}

/// Generates the synthetic county into `out_dir` (created if missing; refused if it holds
/// anything but a previous synth output, which is replaced). `progress(done, total)` is
/// called as land-use polygons are written (`total` = the polygon count), at least at the end.
pub fn generate(
    options: &SynthOptions,
    out_dir: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<Summary, SynthError> {
    let county = options.validate()?;
    prepare_out_dir(out_dir)?;
    write_file(&out_dir.join(MARKER_FILE), marker_text(options).as_bytes())?;

    let table = LandClassTable::gbt21010().map_err(|e| SynthError::Internal(e.to_string()))?;
    let layout = Layout::new(county.as_str(), options.polygons, options.seed);
    let classes = classes::assign(&layout);
    let layer = write_layer(&layout, &classes, &table, out_dir, &mut progress)?;
    write_townships(&layout, out_dir)?;
    write_file(
        &out_dir.join("divisions.csv"),
        divisions_csv(&layout).as_bytes(),
    )?;
    let profile =
        guagou_domain::Profile::dazhou_2017().map_err(|e| SynthError::Internal(e.to_string()))?;
    let built = projects::write_all(
        &projects::World {
            layout: &layout,
            classes: &classes,
            table: &table,
            land_use: &profile.land_use,
        },
        out_dir,
        options,
        &layer.class_areas,
    )?;
    progress(options.polygons, options.polygons);

    let (w, h) = layout.size_mm();
    let (min_e, min_n) = layout.global((0, 0));
    let (max_e, max_n) = layout.global((w, h));
    Ok(Summary {
        out_dir: out_dir.to_path_buf(),
        county: county.to_string(),
        polygons: u64::from(layer.records),
        townships: layout.township_count(),
        villages: layout.township_count() * layout::VILLAGE_ROWS * layout::VILLAGE_COLS,
        extent: [min_e, min_n, max_e, max_n],
        area_m2: m2(layer.class_areas.values().sum()),
        projects: built.project_codes,
        bench_parcels: built.bench_parcels,
        files: list_files(out_dir)?,
    })
}

fn marker_text(options: &SynthOptions) -> String {
    format!(
        "guagou synth {}\ncounty = {}\npolygons = {}\nseed = {}\nparcels = {}\n",
        env!("CARGO_PKG_VERSION"),
        options.county,
        options.polygons,
        options.seed,
        options
            .bench_parcels
            .map_or_else(|| "default".to_owned(), |p| p.to_string())
    )
}

/// Entries a synth output folder may hold.
const OUTPUT_ENTRIES: &[&str] = &[
    MARKER_FILE,
    "landuse.shp",
    "landuse.shx",
    "landuse.dbf",
    "landuse.prj",
    "landuse.cpg",
    "townships.geojson",
    "divisions.csv",
    "answers.json",
    "projects",
    "protection",
    "bench",
];

/// Creates `dir`, or empties it when it holds exactly a previous synth output.
fn prepare_out_dir(dir: &Path) -> Result<(), SynthError> {
    let label = dir.display().to_string();
    let io = |e: std::io::Error| SynthError::Io {
        file: label.clone(),
        reason: e.to_string(),
    };
    if !dir.exists() {
        return std::fs::create_dir_all(dir).map_err(io);
    }
    if !dir.is_dir() {
        return Err(SynthError::OutDirNotEmpty {
            dir: label.clone(),
            entry: "不是目录 / not a folder".to_owned(),
        });
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        names.push(
            entry
                .map_err(io)?
                .file_name()
                .to_string_lossy()
                .into_owned(),
        );
    }
    names.sort();
    if names.is_empty() {
        return Ok(());
    }
    if let Some(stranger) = names.iter().find(|n| !OUTPUT_ENTRIES.contains(&n.as_str())) {
        return Err(SynthError::OutDirNotEmpty {
            dir: label.clone(),
            entry: format!("含有 / holds {stranger}"),
        });
    }
    if !names.iter().any(|n| n == MARKER_FILE) {
        return Err(SynthError::OutDirNotEmpty {
            dir: label.clone(),
            entry: format!("没有标记文件 / no {MARKER_FILE} marker"),
        });
    }
    for name in &names {
        let path = dir.join(name);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(io)?;
        } else {
            std::fs::remove_file(&path).map_err(io)?;
        }
    }
    Ok(())
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    std::fs::write(path, bytes).map_err(|e| SynthError::Io {
        file: path.display().to_string(),
        reason: e.to_string(),
    })
}

pub(crate) fn create_dir(path: &Path) -> Result<(), SynthError> {
    std::fs::create_dir_all(path).map_err(|e| SynthError::Io {
        file: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn list_files(dir: &Path) -> Result<Vec<(PathBuf, u64)>, SynthError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let io = |e: std::io::Error| SynthError::Io {
            file: folder.display().to_string(),
            reason: e.to_string(),
        };
        for entry in std::fs::read_dir(&folder).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            let meta = entry.metadata().map_err(io)?;
            if meta.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                out.push((relative.to_path_buf(), meta.len()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What writing the layer found.
struct LayerFacts {
    records: u32,
    /// Twice the area (mm²) of each class, exact.
    class_areas: BTreeMap<&'static str, i128>,
}

/// The 三调 field widths (TD/T 1055-2019 图斑 layer): BSM C18, DLBM C5, DLMC C60, ZLDWDM C19.
const LAYER_FIELDS: &[Field] = &[
    Field {
        name: "BSM",
        width: 18,
    },
    Field {
        name: "DLBM",
        width: 5,
    },
    Field {
        name: "DLMC",
        width: 60,
    },
    Field {
        name: "ZLDWDM",
        width: 19,
    },
];

/// How often `progress` is called while writing the layer.
const PROGRESS_EVERY: u64 = 8_192;

fn write_layer(
    layout: &Layout,
    classes: &[u8],
    table: &LandClassTable,
    out_dir: &Path,
    progress: &mut impl FnMut(u64, u64),
) -> Result<LayerFacts, SynthError> {
    let path = out_dir.join("landuse.shp");
    let mut writer = ShapefileWriter::create(&path, LAYER_FIELDS)?;
    // GBK bytes of each class's code and name, once.
    let mut class_bytes = Vec::with_capacity(classes::PLAN.len());
    for plan in classes::PLAN {
        let class = table.lookup(plan.code).ok_or_else(|| {
            SynthError::Internal(format!("land class {} missing from the table", plan.code))
        })?;
        class_bytes.push((gbk(plan.code), gbk(&class.name)));
    }
    let mut class_areas: BTreeMap<&'static str, i128> = BTreeMap::new();
    let total = layout.polygon_count();
    let cols = layout.cols as usize;
    for (n, (row, col)) in layout.records().enumerate() {
        let ring = layout.cell_ring(row, col);
        let class = usize::from(classes[row as usize * cols + col as usize]);
        *class_areas.entry(classes::PLAN[class].code).or_insert(0) += twice_area(&ring);
        let t = layout.township_of(row, col);
        let village = layout.village_code(t, layout.village_of(row, col));
        let bsm = layout.bsm(n as u64);
        let polygon: OutPolygon = vec![ring.iter().map(|&p| layout.global(p)).collect()];
        let (code, name) = &class_bytes[class];
        writer.write(
            &shapefile_rings(&[polygon]),
            &[bsm.as_bytes(), code, name, village.as_bytes()],
        )?;
        if (n as u64 + 1).is_multiple_of(PROGRESS_EVERY) {
            progress(n as u64 + 1, total);
        }
    }
    let prj = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    }
    .to_prj_wkt();
    let records = writer.finish(&prj)?;
    Ok(LayerFacts {
        records,
        class_areas,
    })
}

/// The cells of township `t`, row by row.
fn township_cells(layout: &Layout, t: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
    let (r0, r1) = layout.township_rows(t);
    (r0..r1).flat_map(move |row| {
        let (c0, c1) = layout.township_span(t, row);
        (c0..c1).map(move |col| (row, col))
    })
}

/// The outline of township `t` in local mm (one polygon: townships are simply connected).
fn township_polygon(layout: &Layout, t: u32) -> Result<Vec<Vec<layout::Pt>>, SynthError> {
    let member = |r: i64, c: i64| {
        r >= 0
            && c >= 0
            && r < i64::from(layout.rows)
            && c < i64::from(layout.cols)
            && layout.township_of(r as u32, c as u32) == t
    };
    let rings = outline(township_cells(layout, t), member).map_err(|p| {
        SynthError::Internal(format!("township {t} touches itself at corner {:?}", p.0))
    })?;
    let rings = rings.iter().map(|r| layout.ring_of_corners(r)).collect();
    let mut polygons = polygons_of(rings);
    match (polygons.len(), polygons.first().map(Vec::len)) {
        (1, Some(1)) => Ok(polygons.remove(0)),
        _ => Err(SynthError::Internal(format!(
            "township {t} is not one simple polygon"
        ))),
    }
}

fn write_townships(layout: &Layout, out_dir: &Path) -> Result<(), SynthError> {
    let mut features = Vec::new();
    for t in 0..layout.township_count() {
        let polygon = township_polygon(layout, t)?;
        let polygon: OutPolygon = polygon
            .iter()
            .map(|ring| ring.iter().map(|&p| layout.global(p)).collect())
            .collect();
        let name = layout
            .township_names
            .get(t as usize)
            .cloned()
            .unwrap_or_default();
        features.push((
            vec![("code", layout.township_code(t)), ("name", name)],
            vec![polygon],
        ));
    }
    write_file(
        &out_dir.join("townships.geojson"),
        write::geojson(&features).as_bytes(),
    )
}

/// Townships and villages in the registry's division CSV format (the county itself is not
/// listed: import it first, e.g. from the Dazhou seed).
fn divisions_csv(layout: &Layout) -> String {
    let mut out = String::from(
        "code,name,level,parent,poor_village,relocation_village,poor_households,relocation_households\n",
    );
    for t in 0..layout.township_count() {
        let name = layout
            .township_names
            .get(t as usize)
            .cloned()
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{name},township,{},,,,\n",
            layout.township_code(t),
            layout.county
        ));
        let villages = layout.village_names.get(t as usize);
        for v in 0..layout::VILLAGE_ROWS * layout::VILLAGE_COLS {
            let name = villages
                .and_then(|names| names.get(v as usize))
                .cloned()
                .unwrap_or_default();
            let h = rng::hash(layout.seed, 900, t.into(), v.into());
            // About one village in five is a poor village (贫困村), one in ten relocates.
            let poor = rng::unit(h) < 0.2;
            let relocation = rng::unit(rng::derive(h, 1)) < 0.1;
            let poor_households = if poor { 20 + h % 60 } else { h % 15 };
            let relocation_households = if relocation {
                5 + rng::derive(h, 2) % 30
            } else {
                0
            };
            out.push_str(&format!(
                "{},{name},village,{},{},{},{poor_households},{relocation_households}\n",
                layout.village_code(t, v),
                layout.township_code(t),
                if poor { "是" } else { "否" },
                if relocation { "是" } else { "否" },
            ));
        }
    }
    out
}
