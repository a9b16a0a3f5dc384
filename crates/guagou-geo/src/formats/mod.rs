//! Readers and writers of parcel files, chosen by extension.
//!
//! Every reader takes the path label (for messages) and the bytes, so it can be fuzzed and used
//! by the server on uploads without touching the disk.
//!
//! Readers never repair geometry unless asked: [`ReadOptions`] names the repair, and every
//! parcel repaired gets a warning saying what was done and what it did to the area
//! (see [`crate::repair`]).

pub mod coordtxt;
pub mod geojson;
pub mod shp;

use std::path::Path;

use geo::MultiPolygon;

use crate::crs::Crs;
use crate::error::{GeoError, GeoErrorKind, Location, Warning};
use crate::model::ParcelFile;
use crate::repair::PartsUnion;

/// Largest input file guagou reads (bytes): a county-scale GeoJSON fits, a runaway file does not.
pub const MAX_INPUT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 部标坐标文件 (`.txt`).
    CoordTxt,
    /// `.geojson` / `.json`.
    GeoJson,
    /// `.shp` with its sidecar files beside it.
    Shapefile,
    /// `.zip` holding one shapefile.
    ZippedShapefile,
}

impl Format {
    pub fn for_path(path: &Path) -> Result<Format, GeoError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "txt" => Ok(Format::CoordTxt),
            "geojson" | "json" => Ok(Format::GeoJson),
            "shp" => Ok(Format::Shapefile),
            "zip" => Ok(Format::ZippedShapefile),
            _ => Err(GeoError::new(
                Location::file(path.display().to_string()),
                GeoErrorKind::UnsupportedFormat {
                    what: format!(
                        "扩展名/extension '.{ext}' (支持/supported: .txt .geojson .json .shp .zip)"
                    ),
                },
            )),
        }
    }
}

/// Which repair a reader may apply. Off by default: bad geometry is an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Repair {
    /// No repair: every invalid parcel is an error.
    #[default]
    None,
    /// Merge (polygon union) the parts of a parcel that overlap or share edges, with warning
    /// `repaired_union_parts` per parcel; see [`crate::repair`] for what it refuses.
    UnionParts,
}

/// How readers treat the input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub repair: Repair,
}

/// Reads any supported parcel file from disk, without repairs.
pub fn read_parcels(path: &Path) -> Result<ParcelFile, GeoError> {
    read_parcels_with(path, &ReadOptions::default())
}

/// Reads any supported parcel file from disk with `options`.
pub fn read_parcels_with(path: &Path, options: &ReadOptions) -> Result<ParcelFile, GeoError> {
    let label = path.display().to_string();
    match Format::for_path(path)? {
        Format::CoordTxt => coordtxt::read_with(&label, &read_bytes(path)?, options),
        Format::GeoJson => geojson::read_with(&label, &read_bytes(path)?, options),
        Format::Shapefile => shp::read_path_with(path, options),
        Format::ZippedShapefile => shp::read_zip_with(&label, &read_bytes(path)?, options),
    }
}

/// The warning for a parcel whose parts were merged: which parts, the error they had, and the
/// areas before (sum of the parts) and after. Areas are planar (Gauss–Krüger; for a geographic
/// file in the zone of the parts' centroid, see [`crate::area::areas`]) and ellipsoidal, in m²;
/// where those cannot be computed, the plain coordinate-space area in the file's units squared.
pub(crate) fn union_parts_warning(
    location: Location,
    crs: Crs,
    geometry: &MultiPolygon<f64>,
    repair: &PartsUnion,
) -> Warning {
    let groups_zh: Vec<String> = repair
        .merged
        .iter()
        .map(|group| {
            let rings: Vec<String> = group.iter().map(usize::to_string).collect();
            format!("外环为第 {} 圈的 {} 个部分", rings.join("、"), group.len())
        })
        .collect();
    let groups_en: Vec<String> = repair
        .merged
        .iter()
        .map(|group| {
            let rings: Vec<String> = group.iter().map(usize::to_string).collect();
            format!(
                "the {} parts with exterior rings {}",
                group.len(),
                rings.join(", ")
            )
        })
        .collect();
    let parts_before = repair.before.0.len();
    let parts_after = geometry.0.len();
    // Both in the zone of the parts as read, so that before and after compare.
    let areas = crate::area::areas(&repair.before, crs)
        .and_then(|b| crate::area::areas_in_zone(geometry, crs, b.zone).map(|a| (b, a)));
    let (areas_zh, areas_en) = match areas {
        Ok((b, a)) => (
            format!(
                "平面面积（{} 带）{:.2} 平方米 → {:.2} 平方米，椭球面积 {:.2} 平方米 → {:.2} 平方米",
                a.zone, b.planar_m2, a.planar_m2, b.ellipsoidal_m2, a.ellipsoidal_m2
            ),
            format!(
                "planar area (zone {}) {:.2} m² → {:.2} m², ellipsoidal area {:.2} m² → {:.2} m²",
                a.zone, b.planar_m2, a.planar_m2, b.ellipsoidal_m2, a.ellipsoidal_m2
            ),
        ),
        _ => {
            let (b, a) = (
                crate::area::planar_area_m2(&repair.before),
                crate::area::planar_area_m2(geometry),
            );
            (
                format!("坐标平面面积 {b} → {a}（坐标单位的平方）"),
                format!("area in the file's coordinates {b} → {a} (coordinate units squared)"),
            )
        }
    };
    Warning {
        location,
        code: "repaired_union_parts",
        message_zh: format!(
            "地块的各部分相互重叠或共用边界（{}），已按要求的修复“合并部分”将{}合并，\
             {parts_before} 个部分合并后为 {parts_after} 个；面积（合并前为各部分之和）：{areas_zh}",
            repair.original.message_zh(),
            groups_zh.join("；"),
        ),
        message_en: format!(
            "parts of the parcel overlap or share edges ({}); as requested (repair: union parts) \
             {} were merged, {parts_before} parts becoming {parts_after}; area before (sum of \
             the parts) and after: {areas_en}",
            repair.original.message_en(),
            groups_en.join("; "),
        ),
    }
}

/// Writes parcels in the format of `path`'s extension, reprojecting where the format needs it
/// (ministry text: Gauss–Krüger with zone prefix; GeoJSON: `target` or lon/lat).
pub fn write_parcels(path: &Path, file: &ParcelFile, target: Option<Crs>) -> Result<(), GeoError> {
    let label = path.display().to_string();
    let bytes = match Format::for_path(path)? {
        Format::CoordTxt => coordtxt::write(file, target)?.into_bytes(),
        Format::GeoJson => geojson::write(file, target)?.into_bytes(),
        Format::Shapefile => return shp::write_path(path, file, target),
        Format::ZippedShapefile => shp::write_zip(file, target)?,
    };
    std::fs::write(path, bytes).map_err(|e| {
        GeoError::new(
            Location::file(label),
            GeoErrorKind::Io {
                reason: e.to_string(),
            },
        )
    })
}

/// Reads a whole file, refusing files above `MAX_INPUT_BYTES`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, GeoError> {
    let location = || Location::file(path.display().to_string());
    let metadata = std::fs::metadata(path).map_err(|e| {
        GeoError::new(
            location(),
            GeoErrorKind::Io {
                reason: e.to_string(),
            },
        )
    })?;
    if metadata.len() > MAX_INPUT_BYTES {
        return Err(GeoError::new(
            location(),
            GeoErrorKind::TooLarge {
                what: format!("{} bytes > {MAX_INPUT_BYTES}", metadata.len()),
            },
        ));
    }
    std::fs::read(path).map_err(|e| {
        GeoError::new(
            location(),
            GeoErrorKind::Io {
                reason: e.to_string(),
            },
        )
    })
}

/// Decodes text as UTF-8 (BOM stripped) or, failing that, GBK (GB18030).
pub fn decode_text(label: &str, bytes: &[u8]) -> Result<String, GeoError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(GeoError::new(Location::file(label), GeoErrorKind::Encoding));
    }
    Ok(text.into_owned())
}
