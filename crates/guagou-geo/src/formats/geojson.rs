//! GeoJSON: RFC 7946 lon/lat, or a projected CRS declared with the legacy `crs` member.

use crate::crs::Crs;
use crate::error::GeoError;
use crate::model::ParcelFile;

pub fn read(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    todo!("helper C: geojson")
}

/// Writes a FeatureCollection in `target` (default: lon/lat, RFC 7946, no `crs` member).
pub fn write(file: &ParcelFile, target: Option<Crs>) -> Result<String, GeoError> {
    todo!("helper C: geojson")
}
