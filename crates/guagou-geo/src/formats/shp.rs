//! ESRI Shapefile (.shp/.shx/.dbf/.prj/.cpg), plain or zipped; GBK or UTF-8 attributes.
//!
//! # Reading
//!
//! - `.shp`: Polygon, PolygonZ and PolygonM records (z and m are ignored). A null shape is an
//!   error naming the record, as is any other shape type: a parcel without a polygon is never
//!   dropped silently. Rings follow the shapefile convention (clockwise = exterior,
//!   counter-clockwise = hole, in x = easting / y = northing axes); every ring is validated
//!   ([`validate::ring_from_points`], ring numbers 1-based within the record) and grouped by
//!   [`validate::assemble_by_orientation`] (with [`read_parts_with`] and
//!   [`Repair::UnionParts`](super::Repair::UnionParts), parts that overlap or share edges are
//!   merged instead, with warning `repaired_union_parts`; see [`crate::repair`]). The `.shx`
//!   index is not needed: records are read in sequence, and every count in them is checked
//!   against the bytes actually present before anything is allocated.
//! - `.prj` is required. A missing `.prj` is an error (`missing`), even when the coordinates
//!   look like longitude/latitude: Gauss–Krüger eastings without a zone prefix do not tell
//!   their zone, and a wrong guess would move a parcel by hundreds of kilometres. The message
//!   says what the coordinates look like, so the user knows which `.prj` to add.
//! - `.dbf` is required too (a register needs the parcels' names and numbers; the shapefile
//!   specification requires it). It must have as many records as the `.shp`. Records marked
//!   deleted in the `.dbf` are skipped together with their shape, with a warning (as GDAL does).
//! - Attribute encoding, in order: the `.cpg` (`UTF-8`, `GBK`, `CP936`, `936`, `GB2312`,
//!   `GB18030`, … or any label encoding_rs knows); without a `.cpg`, a language-driver byte of
//!   936 (0x4D, 0x7A); otherwise UTF-8 if all text bytes are valid UTF-8, else GBK. Other
//!   language-driver codes are ignored on purpose: ArcGIS writes 0x57 ("ANSI") on Chinese
//!   Windows, where ANSI means GBK. A guess is reported as a warning when the text is not
//!   plain ASCII; bytes invalid in the chosen encoding are replaced (U+FFFD) with a warning
//!   naming the record and field (fixed-width fields often cut a character in half).
//! - Attribute values are kept as the file's text: numbers exactly as written (`001`,
//!   `12.50`), dates as `YYYYMMDD`, logicals as `true`/`false`/empty, character fields without
//!   their trailing padding. Every field of every record is present (blank → empty string).
//!   The parcel name is chosen as for GeoJSON ([`super::geojson::NAME_KEYS`]), else `#<n>`.
//!
//! The `.dbf` and `.shp` are parsed here rather than with the `shapefile`/`dbase` crates'
//! readers, which (0.9/0.8) skip deleted `.dbf` records (shifting every later record onto the
//! wrong shape), turn numeric fields into `f64` (losing `001`), decode lossily without saying
//! so, and allocate from counts in the file before checking them (a 100-byte file can ask for
//! gigabytes). Both formats are small and fully specified. The crates write, and the tests
//! check each side against the other.
//!
//! # Zipped shapefiles
//!
//! [`read_zip`]: exactly one `.shp` in the archive (in any folder; macOS `__MACOSX/` and `._*`
//! resource-fork entries are ignored), its sidecars next to it with the same stem; names
//! compare ASCII-case-insensitively. Guarded against zip bombs: at most
//! [`ZipLimits::max_entries`] entries, and the entries actually read (only the shapefile's
//! own) decompress to at most [`ZipLimits::max_uncompressed_bytes`] together, counted on the
//! bytes produced (`Read::take`), never on the sizes the archive declares.
//!
//! # Writing
//!
//! [`write_parts`] produces `.shp`, `.shx`, `.dbf` (UTF-8), `.prj` (ESRI WKT of the CRS) and
//! `.cpg` (`UTF-8`), in `target` or, by default, the file's own CRS (a shapefile states its
//! CRS, so nothing needs reprojecting). Exteriors are written clockwise, holes
//! counter-clockwise. Every attribute key becomes a character field, in key order, sized to
//! its longest value (at most 254 bytes: a longer value is an error, not a truncation).
//! dBase field names hold at most 10 bytes: a longer key is cut at a character boundary (in
//! UTF-8 a Chinese character takes 3 bytes, so `地块名称` becomes `地块名`), and a name equal
//! (ignoring ASCII case) to an earlier one gets `_2`, `_3`, … within the 10 bytes, in key
//! order, so the mapping is deterministic. A `NAME` field is added first only when the
//! attributes as written would not give back each parcel's name (and when there are no
//! attributes at all, since a `.dbf` needs a field), so read → write → read changes nothing
//! for keys of up to 10 bytes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use geo::winding_order::Winding;
use geo::{Coord, LineString};

use super::ReadOptions;
use super::geojson::{check_finite, crs_hint, explain_outside, parcel_name, record_label};
use crate::crs::{self, Crs};
use crate::error::{GeoError, GeoErrorKind, Location, Warning};
use crate::model::{Parcel, ParcelFile};
use crate::{repair, validate};
use shapefile::dbase;

/// Limits on what [`read_zip`] will decompress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Entries in the archive (a shapefile zip has a handful; GIS tools add a few indexes).
    pub max_entries: usize,
    /// Total bytes the shapefile's entries may decompress to.
    pub max_uncompressed_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 1_000,
            max_uncompressed_bytes: 1 << 30,
        }
    }
}

/// The files of one shapefile, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapefileParts {
    pub shp: Vec<u8>,
    pub shx: Vec<u8>,
    pub dbf: Vec<u8>,
    pub prj: String,
    pub cpg: String,
}

/// Reads `path` (.shp) and its sidecars beside it, without repairs.
pub fn read_path(path: &Path) -> Result<ParcelFile, GeoError> {
    read_path_with(path, &ReadOptions::default())
}

/// [`read_path`] with `options`.
pub fn read_path_with(path: &Path, options: &ReadOptions) -> Result<ParcelFile, GeoError> {
    let label = path.display().to_string();
    let shp = super::read_bytes(path)?;
    let dbf = sidecar_path(path, "dbf")
        .map(|p| super::read_bytes(&p))
        .transpose()?;
    let prj = sidecar_path(path, "prj")
        .map(|p| read_text(&p))
        .transpose()?;
    let cpg = sidecar_path(path, "cpg")
        .map(|p| read_text(&p))
        .transpose()?;
    read_parts_with(
        &label,
        &shp,
        dbf.as_deref(),
        prj.as_deref(),
        cpg.as_deref(),
        options,
    )
}

/// Reads a zip holding exactly one shapefile (in any folder of the zip), without repairs.
pub fn read_zip(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    read_zip_with_limits(label, bytes, ZipLimits::default())
}

/// [`read_zip`] with `options`.
pub fn read_zip_with(
    label: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<ParcelFile, GeoError> {
    read_zip_with_limits_and_options(label, bytes, ZipLimits::default(), options)
}

/// [`read_zip`] with explicit limits.
pub fn read_zip_with_limits(
    label: &str,
    bytes: &[u8],
    limits: ZipLimits,
) -> Result<ParcelFile, GeoError> {
    read_zip_with_limits_and_options(label, bytes, limits, &ReadOptions::default())
}

/// [`read_zip`] with explicit limits and `options`.
pub fn read_zip_with_limits_and_options(
    label: &str,
    bytes: &[u8],
    limits: ZipLimits,
    options: &ReadOptions,
) -> Result<ParcelFile, GeoError> {
    let location = || Location::file(label);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        GeoError::new(
            location(),
            GeoErrorKind::UnsupportedFormat {
                what: format!("not a readable zip archive ({e}) / 不是有效的 zip 压缩包"),
            },
        )
    })?;
    if archive.len() > limits.max_entries {
        return Err(GeoError::new(
            location(),
            GeoErrorKind::TooLarge {
                what: format!(
                    "the zip has {} entries; at most {} are read / 压缩包条目过多",
                    archive.len(),
                    limits.max_entries
                ),
            },
        ));
    }

    let names: Vec<Vec<u8>> = archive.file_names_raw().map(<[u8]>::to_vec).collect();
    let shp_entries: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !is_junk_entry(n) && has_extension(n, b"shp"))
        .map(|(i, _)| i)
        .collect();
    let shp_index = match shp_entries.as_slice() {
        [one] => *one,
        [] => {
            return Err(GeoError::new(
                location(),
                GeoErrorKind::Missing {
                    what: "a .shp file in the zip / 压缩包中没有 .shp 文件".into(),
                },
            ));
        }
        many => {
            let listed: Vec<String> = many
                .iter()
                .take(5)
                .filter_map(|i| names.get(*i))
                .map(|n| display_name(n))
                .collect();
            return Err(GeoError::new(
                location(),
                GeoErrorKind::UnsupportedFormat {
                    what: format!(
                        "the zip holds {} shapefiles ({}{}); put one shapefile per zip / 压缩包中有多个 .shp，每个压缩包只能放一个",
                        many.len(),
                        listed.join(", "),
                        if many.len() > 5 { ", …" } else { "" }
                    ),
                },
            ));
        }
    };
    let shp_name = names.get(shp_index).cloned().unwrap_or_default();
    // "folder/name." — everything but the extension.
    let prefix = &shp_name[..shp_name.len().saturating_sub(3)];
    let find = |ext: &[u8]| {
        names.iter().position(|n| {
            n.len() == prefix.len() + ext.len()
                && n[..prefix.len()].eq_ignore_ascii_case(prefix)
                && n[prefix.len()..].eq_ignore_ascii_case(ext)
        })
    };
    let (dbf_index, prj_index, cpg_index) = (find(b"dbf"), find(b"prj"), find(b"cpg"));

    let inner_label = format!("{label}/{}", display_name(&shp_name));
    let mut budget = limits.max_uncompressed_bytes;
    let mut read = |index: usize| read_entry(&mut archive, label, &names, index, &mut budget);
    let shp = read(shp_index)?;
    let dbf = dbf_index.map(&mut read).transpose()?;
    let prj = prj_index.map(&mut read).transpose()?;
    let cpg = cpg_index.map(&mut read).transpose()?;
    let prj = prj
        .map(|b| super::decode_text(&sidecar_label(&inner_label, "prj"), &b))
        .transpose()?;
    let cpg = cpg
        .map(|b| super::decode_text(&sidecar_label(&inner_label, "cpg"), &b))
        .transpose()?;
    read_parts_with(
        &inner_label,
        &shp,
        dbf.as_deref(),
        prj.as_deref(),
        cpg.as_deref(),
        options,
    )
}

/// Reads a shapefile from its parts in memory. `dbf`, `prj` and `cpg` are optional here
/// only in the sense that the caller passes what exists: a missing `.dbf` or `.prj` is an
/// error (see the module documentation), a missing `.cpg` is not.
pub fn read_parts(
    label: &str,
    shp: &[u8],
    dbf: Option<&[u8]>,
    prj: Option<&str>,
    cpg: Option<&str>,
) -> Result<ParcelFile, GeoError> {
    read_parts_with(label, shp, dbf, prj, cpg, &ReadOptions::default())
}

/// [`read_parts`] with `options` (a repaired parcel gets a warning).
pub fn read_parts_with(
    label: &str,
    shp: &[u8],
    dbf: Option<&[u8]>,
    prj: Option<&str>,
    cpg: Option<&str>,
    options: &ReadOptions,
) -> Result<ParcelFile, GeoError> {
    let mut warnings = Vec::new();
    let shapes = parse_shp(label, shp, &mut warnings)?;

    let prj_label = sidecar_label(label, "prj");
    let Some(prj) = prj else {
        let hint = shapes
            .iter()
            .find_map(|s| match s {
                RawShape::Polygon(rings) => rings.first().and_then(|r| r.first()).copied(),
                _ => None,
            })
            .and_then(|c| crs_hint(c.x, c.y))
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::Missing {
                what: format!(
                    "{prj_label} (the coordinate system file: guagou does not guess the CRS{hint}) / 缺少坐标系文件 .prj"
                ),
            },
        ));
    };
    let crs =
        Crs::from_prj_wkt(prj).map_err(|kind| GeoError::new(Location::file(&prj_label), kind))?;

    let dbf_label = sidecar_label(label, "dbf");
    let Some(dbf) = dbf else {
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::Missing {
                what: format!("{dbf_label} (the attribute table) / 缺少属性表 .dbf"),
            },
        ));
    };
    let table = parse_dbf(&dbf_label, dbf, cpg, &mut warnings)?;
    if table.len() != shapes.len() {
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::Syntax {
                reason: format!(
                    "the .shp has {} shapes but the .dbf has {} records / .shp 图形数与 .dbf 记录数不一致",
                    shapes.len(),
                    table.len()
                ),
            },
        ));
    }

    let records: Vec<(usize, RawShape, DbfRecord)> = shapes
        .into_iter()
        .zip(table)
        .enumerate()
        .map(|(index, (shape, record))| (index + 1, shape, record))
        .collect();
    let mut parcels = Vec::with_capacity(records.len());
    for built in build_all(label, crs, options, records) {
        let (parcel, warning) = built?;
        warnings.extend(warning);
        parcels.extend(parcel);
    }

    Ok(ParcelFile {
        source: label.to_string(),
        crs,
        parcels,
        metadata: BTreeMap::new(),
        warnings,
    })
}

pub fn write_path(path: &Path, file: &ParcelFile, target: Option<Crs>) -> Result<(), GeoError> {
    let parts = write_parts(file, target)?;
    // Sidecars follow the case of the .shp extension (ArcGIS on Windows writes .SHP/.DBF).
    let upper = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e == "SHP");
    let sidecar = |ext: &str| {
        path.with_extension(if upper {
            ext.to_ascii_uppercase()
        } else {
            ext.to_string()
        })
    };
    let outputs: [(PathBuf, &[u8]); 5] = [
        (path.to_path_buf(), &parts.shp),
        (sidecar("shx"), &parts.shx),
        (sidecar("dbf"), &parts.dbf),
        (sidecar("prj"), parts.prj.as_bytes()),
        (sidecar("cpg"), parts.cpg.as_bytes()),
    ];
    for (out, bytes) in outputs {
        std::fs::write(&out, bytes).map_err(|e| {
            GeoError::new(
                Location::file(out.display().to_string()),
                GeoErrorKind::Io {
                    reason: e.to_string(),
                },
            )
        })?;
    }
    Ok(())
}

pub fn write_zip(file: &ParcelFile, target: Option<Crs>) -> Result<Vec<u8>, GeoError> {
    let parts = write_parts(file, target)?;
    let stem = zip_stem(&file.source);
    let io = |e: &dyn std::fmt::Display| {
        GeoError::new(
            Location::file(file.source.clone()),
            GeoErrorKind::Io {
                reason: format!("zip: {e}"),
            },
        )
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let entries: [(&str, &[u8]); 5] = [
        ("shp", &parts.shp),
        ("shx", &parts.shx),
        ("dbf", &parts.dbf),
        ("prj", parts.prj.as_bytes()),
        ("cpg", parts.cpg.as_bytes()),
    ];
    for (ext, bytes) in entries {
        zip.start_file(format!("{stem}.{ext}"), options)
            .map_err(|e| io(&e))?;
        zip.write_all(bytes).map_err(|e| io(&e))?;
    }
    let cursor = zip.finish().map_err(|e| io(&e))?;
    Ok(cursor.into_inner())
}

/// The five files of a shapefile for `file`, in `target` (default: the file's own CRS).
pub fn write_parts(file: &ParcelFile, target: Option<Crs>) -> Result<ShapefileParts, GeoError> {
    let target = target.unwrap_or(file.crs);
    let source = || Location::file(file.source.clone());
    let io = |e: &dyn std::fmt::Display| {
        GeoError::new(
            source(),
            GeoErrorKind::Io {
                reason: format!("shapefile: {e}"),
            },
        )
    };

    let table = attribute_table(file)?;

    let mut shp = Vec::new();
    let mut shx = Vec::new();
    let mut dbf = Vec::new();
    {
        let mut shapes =
            shapefile::ShapeWriter::with_shx(Cursor::new(&mut shp), Cursor::new(&mut shx));
        for (index, parcel) in file.parcels.iter().enumerate() {
            let location = || source().record(record_label(index + 1, &parcel.name));
            let geometry = crs::transform_geometry(&parcel.geometry, file.crs, target)
                .map_err(|kind| GeoError::new(location(), kind))?;
            // Before the winding code, which panics on NaN.
            check_finite(&geometry).map_err(|kind| GeoError::new(location(), kind))?;
            let mut rings = Vec::new();
            for polygon in &geometry.0 {
                let mut exterior = polygon.exterior().clone();
                exterior.make_cw_winding();
                rings.push(shapefile::PolygonRing::Outer(shp_points(
                    &exterior, &location,
                )?));
                for hole in polygon.interiors() {
                    let mut hole = hole.clone();
                    hole.make_ccw_winding();
                    rings.push(shapefile::PolygonRing::Inner(shp_points(&hole, &location)?));
                }
            }
            if rings.is_empty() {
                return Err(GeoError::new(
                    location().field("geometry"),
                    GeoErrorKind::Missing {
                        what: "geometry (the parcel has no polygon) / 地块没有图形".into(),
                    },
                ));
            }
            shapes
                .write_shape(&shapefile::Polygon::with_rings(rings))
                .map_err(|e| io(&e))?;
        }
        shapes.finalize().map_err(|e| io(&e))?;

        let mut builder = dbase::TableWriterBuilder::with_encoding(dbase::Unicode);
        for column in &table.columns {
            let name = dbase::FieldName::try_from(column.field.as_str()).map_err(|e| io(&e))?;
            builder = builder.add_character_field(name, column.width);
        }
        let mut records = builder.build_with_dest(Cursor::new(&mut dbf));
        for row in &table.rows {
            records.write_record(row).map_err(|e| io(&e))?;
        }
        records.finalize().map_err(|e| io(&e))?;
    }

    Ok(ShapefileParts {
        shp,
        shx,
        dbf,
        prj: target.to_prj_wkt(),
        cpg: "UTF-8".to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the .shp

/// What one record gives: its parcel (none when deleted) and a warning if any.
type Built = (Option<Parcel>, Option<Warning>);

/// Records in file order, validated on every core: a county layer has 10⁶ of them. Results
/// keep the file's order, so the first error reported is the first in the file.
fn build_all(
    label: &str,
    crs: Crs,
    options: &ReadOptions,
    records: Vec<(usize, RawShape, DbfRecord)>,
) -> Vec<Result<Built, GeoError>> {
    // Below a few thousand records a thread costs more than it saves.
    crate::parallel::map_in_order(records, 4096, |(n, shape, record)| {
        build_record(label, crs, options, n, shape, record)
    })
}

/// One record: its parcel (none when the record is marked deleted) and a warning if any.
fn build_record(
    label: &str,
    crs: Crs,
    options: &ReadOptions,
    n: usize,
    shape: RawShape,
    record: DbfRecord,
) -> Result<Built, GeoError> {
    let name = parcel_name(&record.attributes).unwrap_or_else(|| format!("#{n}"));
    let location = || Location::file(label).record(record_label(n, &name));
    if record.deleted {
        return Ok((
            None,
            Some(Warning {
                location: location(),
                code: "dbf_record_deleted",
                message_zh: "该记录在 .dbf 中已标记删除，已跳过".into(),
                message_en: "the record is marked deleted in the .dbf and is skipped".into(),
            }),
        ));
    }
    let rings = match shape {
        RawShape::Polygon(rings) => rings,
        RawShape::Null => {
            return Err(GeoError::new(
                location().field("geometry"),
                GeoErrorKind::Missing {
                    what: "geometry: the record has a null shape / 该记录没有图形（空图形）".into(),
                },
            ));
        }
        RawShape::Other(code) => {
            return Err(GeoError::new(
                location().field("geometry"),
                GeoErrorKind::UnsupportedFormat {
                    what: format!(
                        "shape type {} in a record (only Polygon, PolygonZ, PolygonM) / 图形类型不是面",
                        shape_type_name(code)
                    ),
                },
            ));
        }
    };
    let mut lines = Vec::with_capacity(rings.len());
    for (i, points) in rings.iter().enumerate() {
        let ring = i + 1;
        let line = validate::ring_from_points(points, ring, crs).map_err(|kind| {
            GeoError::new(
                location().field(format!("ring {ring}")),
                explain_outside(kind, crs),
            )
        })?;
        lines.push((ring, line));
    }
    let assembled = repair::assemble_by_orientation(lines, options.repair, crs)
        .map_err(|kind| GeoError::new(location().field("geometry"), kind))?;
    let warning = assembled.repaired.as_ref().map(|repaired| {
        super::union_parts_warning(
            location().field("geometry"),
            crs,
            &assembled.geometry,
            repaired,
        )
    });
    Ok((
        Some(Parcel {
            name,
            attributes: record.attributes,
            geometry: assembled.geometry,
        }),
        warning,
    ))
}

enum RawShape {
    Null,
    Polygon(Vec<Vec<Coord<f64>>>),
    Other(i32),
}

const SHP_HEADER_BYTES: usize = 100;
const SHP_FILE_CODE: i32 = 9994;

fn be_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(i32::from_be_bytes(b))
}

fn le_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(i32::from_le_bytes(b))
}

fn le_f64(bytes: &[u8], at: usize) -> Option<f64> {
    let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(f64::from_le_bytes(b))
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn shape_type_name(code: i32) -> String {
    let name = match code {
        0 => "Null",
        1 => "Point",
        3 => "PolyLine",
        5 => "Polygon",
        8 => "MultiPoint",
        11 => "PointZ",
        13 => "PolyLineZ",
        15 => "PolygonZ",
        18 => "MultiPointZ",
        21 => "PointM",
        23 => "PolyLineM",
        25 => "PolygonM",
        28 => "MultiPointM",
        31 => "MultiPatch",
        _ => "unknown",
    };
    format!("{name} ({code})")
}

fn parse_shp(
    label: &str,
    bytes: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<RawShape>, GeoError> {
    let syntax = |record: Option<usize>, reason: String| {
        let mut location = Location::file(label);
        if let Some(n) = record {
            location = location.record(format!("#{n}"));
        }
        GeoError::new(location, GeoErrorKind::Syntax { reason })
    };
    // The file code first: a short file that is not a shapefile at all should say so.
    let code = be_i32(bytes, 0);
    if code.is_some_and(|c| c != SHP_FILE_CODE) || bytes.len() < 4 {
        let code = code.map_or_else(|| "none".to_string(), |c| c.to_string());
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::UnsupportedFormat {
                what: format!(
                    "not an ESRI shapefile (file code {code}, expected 9994) / 不是 ESRI shapefile"
                ),
            },
        ));
    }
    if bytes.len() < SHP_HEADER_BYTES {
        return Err(syntax(
            None,
            format!(
                "the .shp has {} bytes, less than its 100-byte header (truncated, or not a shapefile) / .shp 文件不完整",
                bytes.len()
            ),
        ));
    }
    let header_type = le_i32(bytes, 32).unwrap_or_default();
    if !matches!(header_type, 0 | 5 | 15 | 25) {
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::UnsupportedFormat {
                what: format!(
                    "shape type {} (only Polygon, PolygonZ and PolygonM hold parcels) / 图形类型不是面",
                    shape_type_name(header_type)
                ),
            },
        ));
    }
    // The header counts 16-bit words.
    let declared = i64::from(be_i32(bytes, 24).unwrap_or_default()) * 2;
    let actual = bytes.len() as i64;
    if declared < SHP_HEADER_BYTES as i64 {
        return Err(syntax(
            None,
            format!(
                "the .shp header declares an invalid file length of {declared} bytes / .shp 文件头长度无效"
            ),
        ));
    }
    if declared > actual {
        return Err(syntax(
            None,
            format!(
                "the .shp header declares {declared} bytes but the file has {actual} (truncated) / .shp 文件不完整"
            ),
        ));
    }
    if declared < actual {
        warnings.push(Warning {
            location: Location::file(label),
            code: "shp_trailing_bytes",
            message_zh: format!(
                ".shp 文件头声明 {declared} 字节，实际 {actual} 字节；多余部分已忽略"
            ),
            message_en: format!(
                "the .shp header declares {declared} bytes but the file has {actual}; the rest is ignored"
            ),
        });
    }
    // declared is in 100..=actual, so it fits.
    let end = declared as usize;

    let mut shapes = Vec::new();
    let mut pos = SHP_HEADER_BYTES;
    while pos < end {
        let n = shapes.len() + 1;
        if end - pos < 8 {
            return Err(syntax(
                Some(n),
                format!("truncated record header at byte {pos} / 记录头不完整"),
            ));
        }
        let words = be_i32(bytes, pos + 4).unwrap_or_default();
        let start = pos + 8;
        let length = usize::try_from(words).ok().and_then(|w| w.checked_mul(2));
        let content = match length {
            Some(len) if len >= 4 && len <= end - start => &bytes[start..start + len],
            _ => {
                return Err(syntax(
                    Some(n),
                    format!(
                        "record content length {words} words at byte {pos} does not fit the file / 记录长度无效"
                    ),
                ));
            }
        };
        shapes.push(parse_record(content).map_err(|reason| syntax(Some(n), reason))?);
        pos = start + content.len();
    }
    Ok(shapes)
}

fn parse_record(content: &[u8]) -> Result<RawShape, String> {
    let shape_type = le_i32(content, 0).unwrap_or_default();
    match shape_type {
        0 => return Ok(RawShape::Null),
        5 | 15 | 25 => {}
        other => return Ok(RawShape::Other(other)),
    }
    let (Some(num_parts), Some(num_points)) = (le_i32(content, 36), le_i32(content, 40)) else {
        return Err(format!(
            "a polygon record needs at least 44 bytes, this one has {} / 面记录不完整",
            content.len()
        ));
    };
    if num_parts <= 0 || num_points < 0 {
        return Err(format!(
            "the polygon has {num_parts} parts and {num_points} points / 面没有环"
        ));
    }
    // Both are in 0..2^31, so the arithmetic fits in u64 without overflow.
    let (parts_n, points_n) = (num_parts as u64, num_points as u64);
    let needed = 44 + 4 * parts_n + 16 * points_n;
    if needed > content.len() as u64 {
        return Err(format!(
            "the polygon declares {num_parts} parts and {num_points} points ({needed} bytes) but the record has {} bytes / 面记录长度不足",
            content.len()
        ));
    }
    // Checked above: every count now fits in the record, hence in usize.
    let (parts_n, points_n) = (parts_n as usize, points_n as usize);
    let mut starts = Vec::with_capacity(parts_n);
    for k in 0..parts_n {
        let start = le_i32(content, 44 + 4 * k).unwrap_or(-1);
        let previous = starts.last().copied();
        let valid = match previous {
            None => start == 0,
            Some(p) => start > p,
        } && start < num_points;
        if !valid {
            return Err(format!(
                "part {} starts at point {start}, which is out of order or past the {num_points} points / 环起点索引无效",
                k + 1
            ));
        }
        starts.push(start);
    }
    let points_at = 44 + 4 * parts_n;
    let mut rings = Vec::with_capacity(parts_n);
    for (k, start) in starts.iter().enumerate() {
        let begin = *start as usize;
        let stop = starts.get(k + 1).map_or(points_n, |s| *s as usize);
        let mut ring = Vec::with_capacity(stop - begin);
        for i in begin..stop {
            let at = points_at + 16 * i;
            let (Some(x), Some(y)) = (le_f64(content, at), le_f64(content, at + 8)) else {
                return Err("point outside the record / 坐标点越界".into());
            };
            ring.push(Coord { x, y });
        }
        rings.push(ring);
    }
    Ok(RawShape::Polygon(rings))
}

// ---------------------------------------------------------------------------------------------
// Reading the .dbf

struct DbfRecord {
    deleted: bool,
    attributes: BTreeMap<String, String>,
}

struct DbfField {
    name: String,
    kind: u8,
    offset: usize,
    length: usize,
}

/// Decoding warnings after which only a count is reported.
const MAX_DECODE_WARNINGS: usize = 20;

fn parse_dbf(
    label: &str,
    bytes: &[u8],
    cpg: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<DbfRecord>, GeoError> {
    let syntax =
        |reason: String| GeoError::new(Location::file(label), GeoErrorKind::Syntax { reason });
    if bytes.len() < 32 {
        return Err(syntax(format!(
            "the .dbf has {} bytes, less than its 32-byte header / .dbf 文件不完整",
            bytes.len()
        )));
    }
    let num_records = le_u32(bytes, 4).unwrap_or_default() as usize;
    let header_len = usize::from(le_u16(bytes, 8).unwrap_or_default());
    let record_len = usize::from(le_u16(bytes, 10).unwrap_or_default());
    let language_driver = bytes.get(29).copied().unwrap_or_default();
    if header_len < 33 || header_len > bytes.len() {
        return Err(syntax(format!(
            "the .dbf header length {header_len} is invalid for a file of {} bytes / .dbf 文件头无效",
            bytes.len()
        )));
    }

    // Field descriptors: 32 bytes each, up to the 0x0D terminator.
    struct RawField<'a> {
        name: &'a [u8],
        kind: u8,
        length: usize,
    }
    let mut raw_fields = Vec::new();
    let mut pos = 32;
    while pos + 32 <= header_len && bytes.get(pos) != Some(&0x0D) {
        let descriptor = &bytes[pos..pos + 32];
        let name = &descriptor[..11];
        let name = &name[..name.iter().position(|b| *b == 0).unwrap_or(name.len())];
        raw_fields.push(RawField {
            name,
            kind: descriptor[11],
            length: usize::from(descriptor[16]),
        });
        pos += 32;
    }
    let needed: usize = 1 + raw_fields.iter().map(|f| f.length).sum::<usize>();
    if record_len < needed {
        return Err(syntax(format!(
            "the .dbf record length {record_len} is less than its fields need ({needed}) / .dbf 记录长度无效"
        )));
    }
    let data_len = num_records
        .checked_mul(record_len)
        .and_then(|n| n.checked_add(header_len));
    match data_len {
        Some(n) if n <= bytes.len() => {}
        _ => {
            return Err(syntax(format!(
                "the .dbf declares {num_records} records of {record_len} bytes after a {header_len}-byte header, \
                 but the file has {} bytes (truncated) / .dbf 文件不完整",
                bytes.len()
            )));
        }
    }
    let records_bytes = &bytes[header_len..header_len + num_records * record_len];

    // Text fields (and names) decide the encoding.
    let mut offset = 1;
    let mut text_ranges = Vec::new();
    for f in &raw_fields {
        if is_text_field(f.kind) {
            text_ranges.push(offset..offset + f.length);
        }
        offset += f.length;
    }
    let text_slices = || {
        raw_fields.iter().map(|f| f.name).chain(
            records_bytes
                .chunks_exact(record_len)
                .flat_map(|r| text_ranges.iter().map(move |range| &r[range.clone()])),
        )
    };
    let encoding = choose_encoding(label, cpg, language_driver, &text_slices, warnings);

    let mut decode_warnings = 0usize;
    let mut fields = Vec::with_capacity(raw_fields.len());
    let mut seen = HashSet::new();
    let mut offset = 1;
    for (i, f) in raw_fields.iter().enumerate() {
        let (decoded, _) = encoding.decode_without_bom_handling(f.name);
        let mut name = decoded.trim().to_string();
        if name.is_empty() {
            name = format!("FIELD_{}", i + 1);
        }
        if !seen.insert(name.clone()) {
            let renamed = format!("{name}_{}", i + 1);
            warnings.push(Warning {
                location: Location::file(label).field(name.clone()),
                code: "dbf_duplicate_field",
                message_zh: format!(".dbf 字段名 {name} 重复，第 {} 个字段改称 {renamed}", i + 1),
                message_en: format!(
                    "the .dbf field name {name} repeats; field {} is read as {renamed}",
                    i + 1
                ),
            });
            name = renamed;
            seen.insert(name.clone());
        }
        fields.push(DbfField {
            name,
            kind: f.kind,
            offset,
            length: f.length,
        });
        offset += f.length;
    }

    let mut records = Vec::with_capacity(num_records);
    for (index, raw) in records_bytes.chunks_exact(record_len).enumerate() {
        let deleted = raw.first() == Some(&b'*');
        let mut attributes = BTreeMap::new();
        for field in &fields {
            if field.kind == b'0' {
                // Visual FoxPro's hidden _NullFlags: not an attribute.
                continue;
            }
            let value_bytes = &raw[field.offset..field.offset + field.length];
            let (value, had_errors) = field_text(field.kind, value_bytes, encoding);
            if had_errors && !deleted {
                decode_warnings += 1;
                if decode_warnings <= MAX_DECODE_WARNINGS {
                    warnings.push(Warning {
                        location: Location::file(label)
                            .record(format!("#{}", index + 1))
                            .field(field.name.clone()),
                        code: "dbf_invalid_text",
                        message_zh: format!(
                            "属性值含有 {} 中无效的字节，已替换为 �",
                            encoding.name()
                        ),
                        message_en: format!(
                            "the value has bytes that are not valid {}; replaced by �",
                            encoding.name()
                        ),
                    });
                }
            }
            attributes.insert(field.name.clone(), value);
        }
        records.push(DbfRecord {
            deleted,
            attributes,
        });
    }
    if decode_warnings > MAX_DECODE_WARNINGS {
        warnings.push(Warning {
            location: Location::file(label),
            code: "dbf_invalid_text",
            message_zh: format!(
                "另有 {} 个属性值含无效字节",
                decode_warnings - MAX_DECODE_WARNINGS
            ),
            message_en: format!(
                "{} more values have invalid bytes",
                decode_warnings - MAX_DECODE_WARNINGS
            ),
        });
    }
    Ok(records)
}

fn is_text_field(kind: u8) -> bool {
    !matches!(
        kind,
        b'N' | b'F' | b'L' | b'D' | b'I' | b'O' | b'B' | b'Y' | b'T' | b'@' | b'+' | b'0'
    )
}

fn field_text(kind: u8, raw: &[u8], encoding: &'static encoding_rs::Encoding) -> (String, bool) {
    let trim_end = |b: &[u8]| {
        let end = b
            .iter()
            .rposition(|c| *c != b' ' && *c != 0)
            .map_or(0, |i| i + 1);
        b[..end].to_vec()
    };
    match kind {
        b'L' => {
            let value = match raw.iter().find(|c| **c != b' ') {
                Some(b'T' | b't' | b'Y' | b'y') => "true",
                Some(b'F' | b'f' | b'N' | b'n') => "false",
                _ => "",
            };
            (value.to_string(), false)
        }
        b'I' if raw.len() == 4 => {
            let value = le_i32(raw, 0).unwrap_or_default();
            (value.to_string(), false)
        }
        b'O' if raw.len() == 8 => {
            let value = le_f64(raw, 0).unwrap_or_default();
            (value.to_string(), false)
        }
        b'N' | b'F' | b'D' => {
            let t = trim_end(raw);
            let (text, had_errors) = encoding.decode_without_bom_handling(&t);
            let text = text.trim();
            // dBase writes a null number as asterisks (GDAL, shapelib) and a null date as
            // zeros: both mean "no value", not a value.
            let null = (kind != b'D' && !text.is_empty() && text.bytes().all(|b| b == b'*'))
                || (kind == b'D' && text.bytes().all(|b| b == b'0'));
            (
                if null {
                    String::new()
                } else {
                    text.to_string()
                },
                had_errors,
            )
        }
        _ => {
            let t = trim_end(raw);
            let (text, had_errors) = encoding.decode_without_bom_handling(&t);
            (text.into_owned(), had_errors)
        }
    }
}

/// The encoding of the .dbf text: see the module documentation for the order.
fn choose_encoding<'a, I: Iterator<Item = &'a [u8]>>(
    label: &str,
    cpg: Option<&str>,
    language_driver: u8,
    text: &dyn Fn() -> I,
    warnings: &mut Vec<Warning>,
) -> &'static encoding_rs::Encoding {
    if let Some(cpg) = cpg {
        let name = cpg.trim().trim_start_matches('\u{feff}').trim();
        if let Some(encoding) = encoding_for_cpg(name) {
            return encoding;
        }
        warnings.push(Warning {
            location: Location::file(sidecar_label(label, "cpg")),
            code: "cpg_unknown",
            message_zh: format!(".cpg 中的编码名 “{name}” 无法识别，改为自动判断"),
            message_en: format!("the .cpg names an unknown encoding “{name}”; guessing instead"),
        });
    }
    if matches!(language_driver, 0x4D | 0x7A) {
        return encoding_rs::GB18030;
    }
    let mut ascii = true;
    let mut utf8 = true;
    for slice in text() {
        if !slice.is_ascii() {
            ascii = false;
            if std::str::from_utf8(slice).is_err() {
                utf8 = false;
                break;
            }
        }
    }
    let encoding = if utf8 {
        encoding_rs::UTF_8
    } else {
        encoding_rs::GB18030
    };
    if !ascii {
        let name = if utf8 { "UTF-8" } else { "GBK" };
        warnings.push(Warning {
            location: Location::file(label),
            code: "dbf_encoding_guessed",
            message_zh: format!("没有 .cpg 文件，属性按 {name} 解码（推测）"),
            message_en: format!("no .cpg file: attributes decoded as {name} (guessed)"),
        });
    }
    encoding
}

fn encoding_for_cpg(name: &str) -> Option<&'static encoding_rs::Encoding> {
    let upper = name.to_ascii_uppercase();
    let upper = upper.strip_prefix("ANSI ").unwrap_or(&upper).trim();
    match upper {
        "UTF-8" | "UTF8" | "65001" => return Some(encoding_rs::UTF_8),
        // GB18030 decodes every GBK / GB2312 byte sequence the same way and more.
        "GBK" | "CP936" | "CP_936" | "936" | "MS936" | "WINDOWS-936" | "GB2312" | "GB_2312"
        | "GB_2312-80" | "EUC-CN" | "20936" | "GB18030" | "GB-18030" | "54936" => {
            return Some(encoding_rs::GB18030);
        }
        _ => {}
    }
    let encoding = if upper.bytes().all(|b| b.is_ascii_digit()) && !upper.is_empty() {
        encoding_rs::Encoding::for_label(format!("cp{upper}").as_bytes())
            .or_else(|| encoding_rs::Encoding::for_label(format!("windows-{upper}").as_bytes()))
    } else {
        encoding_rs::Encoding::for_label(name.as_bytes())
    };
    // dBase pads and delimits with ASCII bytes: UTF-16 or ISO-2022 cannot describe a .dbf
    // (and encoding_rs maps some labels to the "replacement" encoding, which decodes to U+FFFD).
    encoding.filter(|e| e.is_ascii_compatible() && *e != encoding_rs::REPLACEMENT)
}

// ---------------------------------------------------------------------------------------------
// Writing

struct Column {
    field: String,
    width: u8,
}

struct Row(Vec<String>);

impl dbase::WritableRecord for Row {
    fn write_using<W: Write>(
        &self,
        writer: &mut dbase::FieldWriter<'_, W>,
    ) -> Result<(), dbase::FieldError> {
        for value in &self.0 {
            writer.write_next_field_value(&value.as_str())?;
        }
        Ok(())
    }
}

struct Table {
    columns: Vec<Column>,
    rows: Vec<Row>,
}

/// Longest value a dBase character field holds.
const MAX_FIELD_BYTES: usize = 254;
const MAX_FIELD_NAME_BYTES: usize = 10;

fn attribute_table(file: &ParcelFile) -> Result<Table, GeoError> {
    let keys: Vec<&str> = file
        .parcels
        .iter()
        .flat_map(|p| p.attributes.keys().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    // What reading the written file back would give as each parcel's name, with and without
    // an extra NAME field.
    let attribute_fields = field_names(&keys, &[]);
    let reread_name = |index: usize, parcel: &Parcel| {
        let attributes: BTreeMap<String, String> = keys
            .iter()
            .zip(&attribute_fields)
            .map(|(key, field)| {
                (
                    field.clone(),
                    parcel
                        .attributes
                        .get(*key)
                        .map(|v| stored_text(v))
                        .unwrap_or_default(),
                )
            })
            .collect();
        parcel_name(&attributes).unwrap_or_else(|| format!("#{}", index + 1))
    };
    let need_name = keys.is_empty()
        || file
            .parcels
            .iter()
            .enumerate()
            .any(|(i, p)| reread_name(i, p) != p.name);

    let reserved: Vec<String> = if need_name {
        vec!["NAME".into()]
    } else {
        Vec::new()
    };
    let attribute_fields = field_names(&keys, &reserved);

    let mut rows = Vec::with_capacity(file.parcels.len());
    let mut widths = vec![1usize; reserved.len() + keys.len()];
    for (index, parcel) in file.parcels.iter().enumerate() {
        let mut values = Vec::with_capacity(widths.len());
        if need_name {
            values.push(parcel.name.clone());
        }
        for key in &keys {
            values.push(parcel.attributes.get(*key).cloned().unwrap_or_default());
        }
        for (column, value) in values.iter().enumerate() {
            if value.len() > MAX_FIELD_BYTES {
                let field = if need_name && column == 0 {
                    "NAME"
                } else {
                    keys.get(column - reserved.len())
                        .copied()
                        .unwrap_or_default()
                };
                return Err(GeoError::new(
                    Location::file(file.source.clone())
                        .record(record_label(index + 1, &parcel.name))
                        .field(field),
                    GeoErrorKind::TooLarge {
                        what: format!(
                            "a {}-byte value; a .dbf text field holds at most {MAX_FIELD_BYTES} bytes / 属性值过长",
                            value.len()
                        ),
                    },
                ));
            }
            if let Some(w) = widths.get_mut(column) {
                *w = (*w).max(value.len());
            }
        }
        rows.push(Row(values));
    }

    let names = reserved.into_iter().chain(attribute_fields);
    let columns = names
        .zip(widths)
        .map(|(field, width)| Column {
            field,
            // At most MAX_FIELD_BYTES (254), checked above.
            width: u8::try_from(width).unwrap_or(u8::MAX),
        })
        .collect();
    Ok(Table { columns, rows })
}

/// What a character field gives back: dBase pads with spaces, so trailing blanks are lost.
fn stored_text(value: &str) -> String {
    value.trim_end_matches([' ', '\0']).to_string()
}

/// dBase field names for `keys`: at most 10 bytes, cut at a character boundary; unique
/// ignoring ASCII case (also against `reserved`) by a `_2`, `_3`, … suffix.
fn field_names(keys: &[&str], reserved: &[String]) -> Vec<String> {
    let mut used: HashSet<String> = reserved.iter().map(|r| r.to_ascii_uppercase()).collect();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let cleaned: String = key
            .trim()
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
        let base = if cleaned.is_empty() {
            "FIELD".to_string()
        } else {
            cleaned
        };
        let mut candidate = cut_bytes(&base, MAX_FIELD_NAME_BYTES);
        let mut n = 2usize;
        while used.contains(&candidate.to_ascii_uppercase()) {
            let suffix = format!("_{n}");
            candidate = format!(
                "{}{suffix}",
                cut_bytes(&base, MAX_FIELD_NAME_BYTES.saturating_sub(suffix.len()))
            );
            n += 1;
        }
        used.insert(candidate.to_ascii_uppercase());
        out.push(candidate);
    }
    out
}

fn cut_bytes(text: &str, max: usize) -> String {
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() > max {
            break;
        }
        end = i + c.len_utf8();
    }
    text[..end].to_string()
}

fn shp_points(
    ring: &LineString<f64>,
    location: &dyn Fn() -> Location,
) -> Result<Vec<shapefile::Point>, GeoError> {
    if ring.0.len() < 4 {
        return Err(GeoError::new(
            location().field("geometry"),
            GeoErrorKind::TooFewPoints {
                ring: 0,
                distinct: ring.0.len().saturating_sub(1),
            },
        ));
    }
    ring.0
        .iter()
        .map(|c| {
            if c.x.is_finite() && c.y.is_finite() {
                Ok(shapefile::Point::new(c.x, c.y))
            } else {
                Err(GeoError::new(
                    location(),
                    GeoErrorKind::OutsideZone {
                        x: c.x,
                        y: c.y,
                        reason: "not a finite number / 坐标不是有限数值".into(),
                    },
                ))
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Files and names

/// `parcels.shp` → `parcels.prj` (same case as the extension); any other label + `.prj`.
fn sidecar_label(label: &str, ext: &str) -> String {
    let cut = label.len().saturating_sub(4);
    match label.get(cut..) {
        Some(".shp") => format!("{}.{ext}", &label[..cut]),
        Some(".SHP") => format!("{}.{}", &label[..cut], ext.to_ascii_uppercase()),
        Some(e) if e.eq_ignore_ascii_case(".shp") => format!("{}.{ext}", &label[..cut]),
        _ => format!("{label}.{ext}"),
    }
}

/// The sidecar `ext` of `path`: same stem, extension in any case.
fn sidecar_path(path: &Path, ext: &str) -> Option<PathBuf> {
    for candidate in [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()] {
        let p = path.with_extension(candidate);
        if p.is_file() {
            return Some(p);
        }
    }
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut matches: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_stem()
                    .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case(&stem))
                && p.extension()
                    .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
        })
        .collect();
    matches.sort();
    matches.into_iter().next()
}

fn read_text(path: &Path) -> Result<String, GeoError> {
    let bytes = super::read_bytes(path)?;
    super::decode_text(&path.display().to_string(), &bytes)
}

fn has_extension(name: &[u8], ext: &[u8]) -> bool {
    name.len() > ext.len() + 1
        && name[name.len() - ext.len() - 1] == b'.'
        && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
        && !name.ends_with(b"/")
}

/// macOS Finder adds `__MACOSX/…/._name.shp` resource forks that are not shapefiles.
fn is_junk_entry(name: &[u8]) -> bool {
    let file_name = name.rsplit(|b| *b == b'/').next().unwrap_or(name);
    name.starts_with(b"__MACOSX/") || file_name.starts_with(b"._") || name.ends_with(b"/")
}

/// A zip entry name for messages: UTF-8, else GBK (Chinese Windows zips carry no UTF-8 flag).
fn display_name(name: &[u8]) -> String {
    match std::str::from_utf8(name) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(name)
            .0
            .into_owned(),
    }
}

fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    label: &str,
    names: &[Vec<u8>],
    index: usize,
    budget: &mut u64,
) -> Result<Vec<u8>, GeoError> {
    let entry_name = names
        .get(index)
        .map(|n| display_name(n))
        .unwrap_or_default();
    let location = || Location::file(format!("{label}/{entry_name}"));
    let too_large = || {
        GeoError::new(
            location(),
            GeoErrorKind::TooLarge {
                what: "the shapefile in the zip decompresses to more than the limit / 解压后超过大小限制"
                    .into(),
            },
        )
    };
    let entry = archive.by_index(index).map_err(|e| {
        GeoError::new(
            location(),
            GeoErrorKind::UnsupportedFormat {
                what: format!("zip entry cannot be read ({e}) / 无法读取压缩包条目"),
            },
        )
    })?;
    // The declared size is only a hint for failing early; the limit below is what counts.
    if entry.size() > *budget {
        return Err(too_large());
    }
    let mut data = Vec::with_capacity(entry.size().min(*budget).min(1 << 24) as usize);
    entry
        .take(budget.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| {
            GeoError::new(
                location(),
                GeoErrorKind::Io {
                    reason: format!("zip entry: {e}"),
                },
            )
        })?;
    let used = data.len() as u64;
    if used > *budget {
        return Err(too_large());
    }
    *budget -= used;
    Ok(data)
}

fn zip_stem(source: &str) -> String {
    let file_name = source.rsplit(['/', '\\']).next().unwrap_or(source);
    let stem = match file_name.rfind('.') {
        Some(i) if i > 0 => &file_name[..i],
        _ => file_name,
    };
    let cleaned: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect();
    if cleaned.trim().is_empty() {
        "parcels".to_string()
    } else {
        cleaned.trim().to_string()
    }
}
