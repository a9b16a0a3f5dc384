//! Areas as a land surveyor reports them: planar area on the Gauss–Krüger plane and
//! ellipsoidal (geodesic) area on the CGCS2000 ellipsoid (a = 6 378 137 m, 1/f = 298.257222101).

use geo::MultiPolygon;

use crate::crs::Crs;
use crate::error::GeoErrorKind;
use crate::model::Areas;

/// Shoelace area of a geometry in a planar CRS (exteriors minus holes), m²; translation-safe
/// (coordinates are shifted to a local origin first, so zone-prefixed eastings lose no precision).
pub fn planar_area_m2(geometry: &MultiPolygon<f64>) -> f64 {
    todo!("helper A: area")
}

/// Geodesic area on the CGCS2000 ellipsoid of a lon/lat geometry, m² (exteriors minus holes).
pub fn ellipsoidal_area_m2(geometry_lon_lat: &MultiPolygon<f64>) -> f64 {
    todo!("helper A: area")
}

/// Both areas of a geometry in `crs`. A Gauss–Krüger geometry gives its planar area directly;
/// a geographic one is projected to the zone of its centroid's longitude.
pub fn areas(geometry: &MultiPolygon<f64>, crs: Crs) -> Result<Areas, GeoErrorKind> {
    todo!("helper A: area")
}
