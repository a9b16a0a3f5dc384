//! `guagou import landuse` and `guagou import protection`: a county land-use or protection
//! layer (Shapefile, GeoPackage, GeoJSON, zipped Shapefile) into a stored, indexed layer on the
//! profile's plane.
//!
//! The source is read whole and checked before anything is written: every feature needs a
//! polygon and a land-class code, or the import stops naming the record and field. Codes the
//! class table does not know are not guessed: they are stored as they are, counted in the
//! summary, and the rules report them under each parcel they touch.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use guagou_domain::landclass::LandClassTable;
use guagou_domain::protection::ProtectionKind;
use guagou_geo::crs::transform_geometry;
use guagou_geo::{Crs, GeoError, GeoErrorKind, Location, ParcelFile, Warning};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::gpkg::{self, GpkgWriter};
use crate::layer::{COLUMNS, PROTECTION_COLUMNS, PROTECTION_TABLE, TABLE};

/// Attribute names tried, in order, for the land-class code: the same as `guagou check --base`.
pub use guagou_check::measure::CLASS_FIELDS;
/// For the source's feature id.
const ID_FIELDS: &[&str] = &[
    "BSM",
    "bsm",
    "标识码",
    "TBBH",
    "tbbh",
    "图斑编号",
    "id",
    "ID",
];
/// For the location unit (坐落单位代码: village code).
const UNIT_FIELDS: &[&str] = &["ZLDWDM", "zldwdm", "坐落单位代码", "QSDWDM", "qsdwdm"];

/// How to read the source.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Attribute holding the land-class code; default: the first of [`CLASS_FIELDS`] present.
    pub class_field: Option<String>,
    /// GeoPackage feature table, when the file has several.
    pub layer: Option<String>,
    /// Attribute names tried, in order, for the 城镇村属性码 (the profile's
    /// `land_use.village_attribute_fields`); empty: none is read.
    pub village_fields: Vec<String>,
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Reading and checking the source (no count yet).
    Reading,
    /// Projecting and writing: features done of total.
    Writing { done: u64, total: u64 },
}

/// Features and area of one class code in an imported layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassTally {
    pub features: u64,
    pub area_m2: f64,
    /// Known to the class table.
    pub known: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub features: u64,
    pub class_field: String,
    /// The attribute the 城镇村属性码 was read from, if the source has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_field: Option<String>,
    pub source_crs: String,
    pub classes: BTreeMap<String, ClassTally>,
    /// sha256 of the stored GeoPackage, hex.
    pub sha256: String,
    #[serde(skip)]
    pub warnings: Vec<Warning>,
    /// Seconds spent reading and checking the source, and writing and indexing the layer.
    pub read_seconds: f64,
    pub write_seconds: f64,
}

impl ImportSummary {
    pub fn unknown_codes(&self) -> Vec<&str> {
        self.classes
            .iter()
            .filter(|(_, t)| !t.known)
            .map(|(c, _)| c.as_str())
            .collect()
    }
}

pub(crate) async fn read_source(
    source: &Path,
    options: &ImportOptions,
) -> Result<ParcelFile, GeoError> {
    let is_gpkg = source
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
    if is_gpkg {
        gpkg::read_parcels(source, options.layer.as_deref()).await
    } else {
        guagou_geo::formats::read_parcels(source)
    }
}

fn first_field<'a>(file: &'a ParcelFile, names: &'a [&'a str]) -> Option<&'a str> {
    let first = file.parcels.first()?;
    names
        .iter()
        .copied()
        .find(|f| first.attributes.contains_key(*f))
}

fn class_field(file: &ParcelFile, options: &ImportOptions) -> Result<String, GeoError> {
    if let Some(field) = &options.class_field {
        return Ok(field.clone());
    }
    first_field(file, CLASS_FIELDS).map(str::to_owned).ok_or_else(|| {
        GeoError::new(
            Location::file(file.source.clone()).field(CLASS_FIELDS.join("/")),
            GeoErrorKind::Missing {
                what: format!(
                    "地类编码字段（{0}），可用 --class-field 指定 / land-class field ({0}); name it with --class-field",
                    CLASS_FIELDS.join(", ")
                ),
            },
        )
    })
}

/// Attribute names tried, in order, for a protection feature's name (名称).
const NAME_FIELDS: &[&str] = &[
    "MC",
    "mc",
    "名称",
    "NAME",
    "name",
    "HXMC",
    "hxmc",
    "红线名称",
    "TBMC",
];

/// What a stored layer holds besides its geometry, and how it is read from the source.
enum Schema<'a> {
    /// A land-use layer: a class code per feature, required.
    LandUse {
        classes: &'a LandClassTable,
        options: &'a ImportOptions,
    },
    /// A protection layer (三区三线): an id and a name per feature, both optional.
    Protection { kind: ProtectionKind },
}

/// One feature's stored attributes, and the key it is tallied under.
struct Row {
    key: String,
    known: bool,
    values: Vec<String>,
}

impl Schema<'_> {
    fn table(&self) -> (&'static str, &'static [&'static str]) {
        match self {
            Schema::LandUse { .. } => (TABLE, &COLUMNS),
            Schema::Protection { .. } => (PROTECTION_TABLE, &PROTECTION_COLUMNS),
        }
    }

    fn description(&self) -> String {
        match self {
            Schema::LandUse { .. } => "land-use layer".to_owned(),
            Schema::Protection { kind } => format!("{} layer", kind.label_en()),
        }
    }

    /// Every feature's attributes, checked before anything is written, and the summary's
    /// class and village fields.
    fn rows(&self, file: &ParcelFile) -> Result<(Vec<Row>, String, Option<String>), GeoError> {
        let id_field = first_field(file, ID_FIELDS);
        let unit_field = first_field(file, UNIT_FIELDS);
        let value = |parcel: &guagou_geo::Parcel, f: Option<&str>| {
            f.and_then(|f| parcel.attributes.get(f))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let bsm = |i: usize, parcel: &guagou_geo::Parcel| match id_field {
            Some(_) => value(parcel, id_field),
            None => (i + 1).to_string(),
        };
        match self {
            Schema::LandUse { classes, options } => {
                let field = class_field(file, options)?;
                // Any feature may carry the 城镇村属性码 (GeoJSON properties vary by feature),
                // not only the first.
                let village_field = options
                    .village_fields
                    .iter()
                    .find(|f| file.parcels.iter().any(|p| p.attributes.contains_key(*f)))
                    .cloned();
                let mut rows = Vec::with_capacity(file.parcels.len());
                for (i, parcel) in file.parcels.iter().enumerate() {
                    let code = parcel
                        .attributes
                        .get(&field)
                        .map(|c| c.trim())
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| {
                            GeoError::new(
                                Location::file(file.source.clone())
                                    .record(parcel.name.clone())
                                    .field(field.clone()),
                                GeoErrorKind::Missing {
                                    what: "地类编码 / land-class code".into(),
                                },
                            )
                        })?;
                    rows.push(Row {
                        key: code.to_owned(),
                        known: classes.lookup(code).is_some(),
                        values: vec![
                            code.to_owned(),
                            bsm(i, parcel),
                            value(parcel, unit_field),
                            value(parcel, village_field.as_deref()),
                        ],
                    });
                }
                Ok((rows, field, village_field))
            }
            Schema::Protection { kind } => {
                let name_field = first_field(file, NAME_FIELDS);
                let rows = file
                    .parcels
                    .iter()
                    .enumerate()
                    .map(|(i, parcel)| Row {
                        key: kind.as_str().to_owned(),
                        known: true,
                        values: vec![
                            bsm(i, parcel),
                            value(parcel, name_field),
                            value(parcel, unit_field),
                        ],
                    })
                    .collect();
                Ok((rows, String::new(), None))
            }
        }
    }
}

/// Each feature's source id and name as a protection layer stores them (`BSM`/`标识码`…, else
/// the record number; `MC`/`名称`…, else empty), for a layer file read whole.
pub(crate) fn protection_ids(file: &ParcelFile, kind: ProtectionKind) -> Vec<(String, String)> {
    let schema = Schema::Protection { kind };
    match schema.rows(file) {
        Ok((rows, _, _)) => rows
            .into_iter()
            .map(|row| {
                let mut values = row.values.into_iter();
                (
                    values.next().unwrap_or_default(),
                    values.next().unwrap_or_default(),
                )
            })
            .collect(),
        // A protection layer's attributes are all optional: reading them cannot fail.
        Err(_) => Vec::new(),
    }
}

/// Imports `source` into a new GeoPackage at `target` (which must not exist), on `plane`.
///
/// Writes to `<target>.part` and renames when complete, so `target` either does not exist or
/// holds the whole layer.
pub async fn import_landuse(
    source: &Path,
    target: &Path,
    plane: Crs,
    classes: &LandClassTable,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, GeoError> {
    let schema = Schema::LandUse { classes, options };
    import_layer(source, target, plane, options, &schema, progress).await
}

/// Imports a protection layer (永久基本农田, 生态保护红线, 城镇开发边界) as [`import_landuse`]
/// does a land-use layer: same readers, CRS, checks, part file and index; each feature keeps
/// its source id (`BSM`/`标识码`…, else the record number) and name (`MC`/`名称`…, may be
/// empty). `options.layer` picks a GeoPackage table; the class options are not read.
pub async fn import_protection(
    source: &Path,
    target: &Path,
    plane: Crs,
    kind: ProtectionKind,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, GeoError> {
    let schema = Schema::Protection { kind };
    import_layer(source, target, plane, options, &schema, progress).await
}

async fn import_layer(
    source: &Path,
    target: &Path,
    plane: Crs,
    options: &ImportOptions,
    schema: &Schema<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, GeoError> {
    if target.exists() {
        return Err(io_error(
            target,
            "已有同名底图，不覆盖 / a stored layer of this name exists and is not overwritten",
        ));
    }
    progress(Progress::Reading);
    let started = std::time::Instant::now();
    let file = read_source(source, options).await?;
    if file.parcels.is_empty() {
        return Err(GeoError::new(
            Location::file(file.source.clone()),
            GeoErrorKind::Missing {
                what: "图斑（文件中没有要素）/ features (the file has none)".into(),
            },
        ));
    }
    let (rows, field, village_field) = schema.rows(&file)?;

    let part = target.with_extension("gpkg.part");
    // A part file is what an interrupted import leaves; nothing refers to it.
    if part.exists() {
        std::fs::remove_file(&part).map_err(|e| io_error(&part, e))?;
    }
    let read_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let (table, columns) = schema.table();
    let mut writer = GpkgWriter::create(&part, table, plane, columns).await?;
    let total = file.parcels.len() as u64;
    let mut tallies: BTreeMap<String, ClassTally> = BTreeMap::new();
    for (i, (parcel, row)) in file.parcels.iter().zip(rows).enumerate() {
        let location = || Location::file(file.source.clone()).record(parcel.name.clone());
        let geometry = if file.crs == plane {
            std::borrow::Cow::Borrowed(&parcel.geometry)
        } else {
            std::borrow::Cow::Owned(
                transform_geometry(&parcel.geometry, file.crs, plane)
                    .map_err(|kind| GeoError::new(location(), kind))?,
            )
        };
        let tally = tallies.entry(row.key).or_insert_with(|| ClassTally {
            known: row.known,
            ..ClassTally::default()
        });
        tally.features += 1;
        tally.area_m2 += guagou_geo::area::planar_area_m2(&geometry);
        writer.add(&geometry, row.values).await?;
        let done = i as u64 + 1;
        if done.is_multiple_of(4096) || done == total {
            progress(Progress::Writing { done, total });
        }
    }
    let identifier = target
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(table)
        .to_owned();
    let features = writer
        .finish(
            &identifier,
            &format!("guagou {} from {}", schema.description(), file.source),
        )
        .await?;
    std::fs::rename(&part, target).map_err(|e| io_error(target, e))?;
    Ok(ImportSummary {
        features,
        class_field: field,
        village_field,
        source_crs: file.crs.label(),
        classes: tallies,
        sha256: file_sha256(target)?,
        warnings: file.warnings,
        read_seconds,
        write_seconds: started.elapsed().as_secs_f64(),
    })
}

fn io_error(path: &Path, e: impl ToString) -> GeoError {
    GeoError::new(
        Location::file(path.display().to_string()),
        GeoErrorKind::Io {
            reason: e.to_string(),
        },
    )
}

/// sha256 of a file, hex, read in 1 MiB blocks.
pub fn file_sha256(path: &Path) -> Result<String, GeoError> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| io_error(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
