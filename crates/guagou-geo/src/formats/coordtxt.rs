//! The ministry coordinate text format (部标坐标文件): `[属性描述]` key=value lines, then
//! `[地块坐标]` with, per parcel, a header `点数,面积(公顷),编号,名称,图形属性,图幅号,用途,地类编码,@`
//! and point lines `J<n>,<圈号>,<X northing>,<Y easting>`.

use crate::crs::Crs;
use crate::error::GeoError;
use crate::model::ParcelFile;

/// Reads a coordinate text file (UTF-8 or GBK).
pub fn read(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    todo!("helper B: coordtxt")
}

/// Writes the format: Gauss–Krüger with zone prefix (zone of `target`, else the file's zone,
/// else the zone of the parcels' centroid longitude).
pub fn write(file: &ParcelFile, target: Option<Crs>) -> Result<String, GeoError> {
    todo!("helper B: coordtxt")
}
