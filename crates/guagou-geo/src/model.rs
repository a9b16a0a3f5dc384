//! Parcels and parcel files as read from disk.
//!
//! Geometry is kept in the coordinates of the file's own CRS (x = easting or longitude,
//! y = northing or latitude; for Gauss–Krüger, easting *with* the zone prefix when the CRS says
//! so). Nothing is reprojected on read, so writing a file back in its own CRS is exact.

use std::collections::BTreeMap;

use geo::MultiPolygon;
use serde::Serialize;

use crate::crs::Crs;
use crate::error::{GeoErrorKind, Warning};

/// One parcel (图斑 / 地块): a possibly multi-part polygon with holes, and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    /// The parcel's name or number as the file gives it (地块名称, or 地块编号 when there is no
    /// name, or the feature's `name`/`NAME`/`MC` property; else `#<1-based index>`).
    pub name: String,
    /// All attributes as text, keyed as in the file (ministry header fields use the Chinese
    /// field names: 界址点数, 地块面积, 地块编号, 地块名称, 图形属性, 图幅号, 地块用途, 地类编码).
    pub attributes: BTreeMap<String, String>,
    /// Geometry in the file's CRS. Rings are closed; exterior rings are counter-clockwise and
    /// holes clockwise in (x = easting, y = northing) axes after reading.
    pub geometry: MultiPolygon<f64>,
}

/// What a reader returns: the parcels, their common CRS, and the non-fatal findings.
#[derive(Debug, Clone)]
pub struct ParcelFile {
    /// The path as the user gave it, used in every message about this file.
    pub source: String,
    pub crs: Crs,
    pub parcels: Vec<Parcel>,
    /// File-level attributes (e.g. the ministry format's `[属性描述]` keys).
    pub metadata: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
}

/// Both areas of a parcel, as reported by guagou everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Areas {
    /// Area on the CGCS2000 3-degree Gauss–Krüger plane of `zone`, m².
    pub planar_m2: f64,
    /// Area on the CGCS2000 ellipsoid (geodesic polygon), m².
    pub ellipsoidal_m2: f64,
    /// The 3-degree zone used for the planar area.
    pub zone: u8,
}

impl Parcel {
    /// Planar and ellipsoidal area of this parcel given the CRS its geometry is in.
    pub fn areas(&self, crs: Crs) -> Result<Areas, GeoErrorKind> {
        crate::area::areas(&self.geometry, crs)
    }

    /// Number of rings (exterior and interior) over all parts.
    pub fn ring_count(&self) -> usize {
        self.geometry
            .0
            .iter()
            .map(|p| 1 + p.interiors().len())
            .sum()
    }
}
