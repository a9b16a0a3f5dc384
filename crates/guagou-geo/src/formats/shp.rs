//! ESRI Shapefile (.shp/.shx/.dbf/.prj/.cpg), plain or zipped; GBK or UTF-8 attributes.

use std::path::Path;

use crate::crs::Crs;
use crate::error::GeoError;
use crate::model::ParcelFile;

/// Reads `path` (.shp) and its sidecars beside it.
pub fn read_path(path: &Path) -> Result<ParcelFile, GeoError> {
    todo!("helper C: shp")
}

/// Reads a zip holding exactly one shapefile (in any folder of the zip).
pub fn read_zip(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    todo!("helper C: shp")
}

/// Reads a shapefile from its parts in memory. `dbf`, `prj` and `cpg` are optional.
pub fn read_parts(
    label: &str,
    shp: &[u8],
    dbf: Option<&[u8]>,
    prj: Option<&str>,
    cpg: Option<&str>,
) -> Result<ParcelFile, GeoError> {
    todo!("helper C: shp")
}

pub fn write_path(path: &Path, file: &ParcelFile, target: Option<Crs>) -> Result<(), GeoError> {
    todo!("helper C: shp")
}

pub fn write_zip(file: &ParcelFile, target: Option<Crs>) -> Result<Vec<u8>, GeoError> {
    todo!("helper C: shp")
}
