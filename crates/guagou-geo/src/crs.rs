//! Coordinate reference systems: CGCS2000 geographic (EPSG:4490) and the CGCS2000 3-degree
//! Gauss–Krüger zones 25–45, with the zone prefix on eastings (EPSG:4513–4533) or without
//! (EPSG:4534–4554).
//!
//! Axis convention inside guagou: x = easting (or longitude), y = northing (or latitude). EPSG
//! defines X = northing for these CRSs, as Chinese survey files do; readers swap explicitly.

use serde::Serialize;

use crate::error::GeoErrorKind;

/// A CRS guagou can read, compute in and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Crs {
    /// CGCS2000 longitude/latitude in degrees (EPSG:4490). WGS 84 (EPSG:4326, GeoJSON's default)
    /// is read as the same frame: the two differ by centimetres.
    Geographic,
    /// CGCS2000 3-degree Gauss–Krüger zone `zone` (25..=45, central meridian 3 × zone °E),
    /// false easting 500 000 m, plus `zone` × 1 000 000 m when `prefixed`.
    GaussKruger { zone: u8, prefixed: bool },
}

pub const MIN_ZONE: u8 = 25;
pub const MAX_ZONE: u8 = 45;

impl Crs {
    /// A Gauss–Krüger CRS, if `zone` is one of the 3-degree zones covering China (25..=45).
    pub fn gauss_kruger(zone: u32, prefixed: bool) -> Result<Crs, GeoErrorKind> {
        todo!("helper A: crs")
    }

    /// The CRS of an EPSG code guagou supports (4490, 4326, 4513–4554).
    pub fn from_epsg(code: u32) -> Option<Crs> {
        todo!("helper A: crs")
    }

    /// Parses `EPSG:4545`, `epsg:4545`, `4545`, `urn:ogc:def:crs:EPSG::4545`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `CRS84`.
    pub fn parse(text: &str) -> Result<Crs, GeoErrorKind> {
        todo!("helper A: crs")
    }

    /// Reads an ESRI `.prj` (WKT1): GEOGCS CGCS2000/WGS84 → Geographic; PROJCS with
    /// Gauss_Kruger/Transverse_Mercator on CGCS2000 → the zone from Central_Meridian and the
    /// prefix from False_Easting. Other datums (Xian 1980, Beijing 1954) are `UnsupportedCrs`.
    pub fn from_prj_wkt(wkt: &str) -> Result<Crs, GeoErrorKind> {
        todo!("helper A: crs")
    }

    /// The ESRI WKT1 text for a `.prj` file.
    pub fn to_prj_wkt(self) -> String {
        todo!("helper A: crs")
    }

    pub fn epsg(self) -> u32 {
        todo!("helper A: crs")
    }

    /// `EPSG:<code>`.
    pub fn label(self) -> String {
        format!("EPSG:{}", self.epsg())
    }

    pub fn central_meridian(self) -> Option<f64> {
        match self {
            Crs::Geographic => None,
            Crs::GaussKruger { zone, .. } => Some(3.0 * f64::from(zone)),
        }
    }

    /// The 3-degree zone whose central meridian is nearest to `lon`.
    pub fn zone_for_longitude(lon: f64) -> Result<u8, GeoErrorKind> {
        todo!("helper A: crs")
    }

    /// Checks that a coordinate lies in this CRS's valid range: finite; for Geographic,
    /// lon in [-180, 180] and lat in [-90, 90]; for Gauss–Krüger, the prefix (if any) matches
    /// the zone and the point's longitude is within the zone (central meridian ± 1.5° plus a
    /// small tolerance) and latitude within 0–60°N.
    pub fn check_coordinate(self, x: f64, y: f64) -> Result<(), GeoErrorKind> {
        todo!("helper A: crs")
    }
}

/// Transforms one point between two supported CRSs.
pub fn transform_point(from: Crs, to: Crs, x: f64, y: f64) -> Result<(f64, f64), GeoErrorKind> {
    todo!("helper A: crs")
}

/// Transforms a whole geometry between two supported CRSs (identity when equal).
pub fn transform_geometry(
    geometry: &geo::MultiPolygon<f64>,
    from: Crs,
    to: Crs,
) -> Result<geo::MultiPolygon<f64>, GeoErrorKind> {
    todo!("helper A: crs")
}
