//! Readers and writers of parcel files, chosen by extension.
//!
//! Every reader takes the path label (for messages) and the bytes, so it can be fuzzed and used
//! by the server on uploads without touching the disk.

pub mod coordtxt;
pub mod geojson;
pub mod shp;

use std::path::Path;

use crate::crs::Crs;
use crate::error::{GeoError, GeoErrorKind, Location};
use crate::model::ParcelFile;

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

/// Reads any supported parcel file from disk.
pub fn read_parcels(path: &Path) -> Result<ParcelFile, GeoError> {
    let label = path.display().to_string();
    match Format::for_path(path)? {
        Format::CoordTxt => coordtxt::read(&label, &read_bytes(path)?),
        Format::GeoJson => geojson::read(&label, &read_bytes(path)?),
        Format::Shapefile => shp::read_path(path),
        Format::ZippedShapefile => shp::read_zip(&label, &read_bytes(path)?),
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
