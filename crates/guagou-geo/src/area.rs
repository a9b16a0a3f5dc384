//! Areas as a land surveyor reports them: planar area on the Gauss–Krüger plane and
//! ellipsoidal (geodesic) area on the CGCS2000 ellipsoid (a = 6 378 137 m, 1/f = 298.257222101).
//!
//! Both agree with PROJ/GeographicLib (shapely on the projected vertices, `pyproj.Geod` on the
//! geographic ones) to better than 0.01 %; `tests/suite/crs_area.rs` measures it on golden data.

use geo::{Centroid, Coord, LineString, MultiPolygon};
use geographiclib_rs::{Geodesic, PolygonArea, Winding};

use crate::crs::{CGCS2000_A, CGCS2000_RF, Crs, transform_geometry};
use crate::error::GeoErrorKind;
use crate::model::Areas;

/// Shoelace area of a geometry in a planar CRS (exteriors minus holes), m²; translation-safe
/// (coordinates are shifted to a local origin first, so zone-prefixed eastings lose no precision).
///
/// Each ring counts by its absolute area, so ring orientation does not matter; an exterior
/// counts positive and each hole negative. Assumes a valid geometry (holes inside their
/// exterior, parts disjoint): overlapping parts are counted twice. Cost O(vertices).
pub fn planar_area_m2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry
        .0
        .iter()
        .map(|polygon| {
            let holes: f64 = polygon
                .interiors()
                .iter()
                .map(|r| ring_shoelace(r).abs())
                .sum();
            ring_shoelace(polygon.exterior()).abs() - holes
        })
        // Not `sum()`: a float sum of nothing is -0.0, which prints as "-0".
        .fold(0.0, |total, area| total + area)
}

/// Signed shoelace area of one ring, relative to the ring's first vertex.
///
/// With 8-digit eastings the products x·y are ~10¹⁴ m² and their sum cancels to a few hundred
/// m², losing about 7 digits; relative to the first vertex the coordinates are parcel-sized and
/// nothing is lost. Subtracting the origin is itself exact for nearby values (Sterbenz).
/// Works on closed and unclosed rings alike (the closing edge contributes zero when closed).
fn ring_shoelace(ring: &LineString<f64>) -> f64 {
    let points = &ring.0;
    let Some(&origin) = points.first() else {
        return 0.0;
    };
    let local = |c: Coord<f64>| (c.x - origin.x, c.y - origin.y);
    let mut twice = 0.0;
    for (i, &a) in points.iter().enumerate() {
        let b = points[(i + 1) % points.len()];
        let ((ax, ay), (bx, by)) = (local(a), local(b));
        twice += ax * by - bx * ay;
    }
    twice / 2.0
}

/// Geodesic area on the CGCS2000 ellipsoid of a lon/lat geometry, m² (exteriors minus holes).
///
/// Each ring is a geodesic polygon (GeographicLib's algorithm, edges are geodesics), counted by
/// absolute value like [`planar_area_m2`]. Assumes rings smaller than half the ellipsoid, which
/// every parcel is. Coordinates are degrees, x = longitude. Cost O(vertices), one inverse
/// geodesic problem per edge (a few microseconds each).
pub fn ellipsoidal_area_m2(geometry_lon_lat: &MultiPolygon<f64>) -> f64 {
    let geodesic = Geodesic::new(CGCS2000_A, 1.0 / CGCS2000_RF);
    geometry_lon_lat
        .0
        .iter()
        .map(|polygon| {
            let holes: f64 = polygon
                .interiors()
                .iter()
                .map(|r| ring_geodesic(&geodesic, r).abs())
                .sum();
            ring_geodesic(&geodesic, polygon.exterior()).abs() - holes
        })
        .fold(0.0, |total, area| total + area)
}

fn ring_geodesic(geodesic: &Geodesic, ring: &LineString<f64>) -> f64 {
    let mut points = ring.0.as_slice();
    // PolygonArea closes the ring itself; a repeated closing vertex would only add a zero edge,
    // but skipping it keeps the vertex count honest.
    if points.len() > 1 && points.first() == points.last() {
        points = &points[..points.len() - 1];
    }
    if points.len() < 3 {
        return 0.0;
    }
    let mut polygon = PolygonArea::new(geodesic, Winding::CounterClockwise);
    for c in points {
        polygon.add_point(c.y, c.x);
    }
    // Signed, so a clockwise ring gives a negative area rather than "the rest of the earth".
    let (_perimeter, area, _count) = polygon.compute(true);
    area
}

/// Both areas of a geometry in `crs`. A Gauss–Krüger geometry gives its planar area directly;
/// a geographic one is projected to the zone of its centroid's longitude.
///
/// Every vertex is checked on the way (see [`Crs::check_coordinate`]): a geographic parcel
/// must lie within its centroid's zone plus the 0.5° tolerance. An empty geometry in a
/// Gauss–Krüger CRS has zero areas; in the geographic CRS it has no zone and is `Missing`.
/// Cost: one projection per vertex plus the two area sums.
pub fn areas(geometry: &MultiPolygon<f64>, crs: Crs) -> Result<Areas, GeoErrorKind> {
    match crs {
        Crs::GaussKruger { zone, .. } => {
            let lon_lat = transform_geometry(geometry, crs, Crs::Geographic)?;
            Ok(Areas {
                planar_m2: planar_area_m2(geometry),
                ellipsoidal_m2: ellipsoidal_area_m2(&lon_lat),
                zone,
            })
        }
        Crs::Geographic => {
            let centroid = geometry.centroid().ok_or_else(|| GeoErrorKind::Missing {
                what: "geometry (the parcel has no rings) / 几何图形（地块没有任何坐标）".into(),
            })?;
            let zone = Crs::zone_for_longitude(centroid.x())?;
            let plane = Crs::GaussKruger {
                zone,
                prefixed: false,
            };
            let projected = transform_geometry(geometry, crs, plane)?;
            Ok(Areas {
                planar_m2: planar_area_m2(&projected),
                ellipsoidal_m2: ellipsoidal_area_m2(geometry),
                zone,
            })
        }
    }
}

/// Both areas with the planar area taken in a given 3-degree `zone`, whatever the CRS of the
/// geometry: for a county whose register uses one zone (Dazhou: 36) also for parcels whose
/// centroid lies in the neighbouring zone. The geometry must lie within that zone's tolerance
/// (see [`crate::crs::ZONE_TOLERANCE_DEG`]), else `OutsideZone`. A zone outside 25..=45 is
/// `UnsupportedCrs`. Cost: up to two projections per vertex.
pub fn areas_in_zone(
    geometry: &MultiPolygon<f64>,
    crs: Crs,
    zone: u8,
) -> Result<Areas, GeoErrorKind> {
    let plane = Crs::gauss_kruger(u32::from(zone), false)?;
    let lon_lat = transform_geometry(geometry, crs, Crs::Geographic)?;
    let projected = match crs {
        // Same zone: only the prefix differs, and the area does not depend on it.
        Crs::GaussKruger { zone: z, .. } if z == zone => geometry.clone(),
        _ => transform_geometry(&lon_lat, Crs::Geographic, plane)?,
    };
    Ok(Areas {
        planar_m2: planar_area_m2(&projected),
        ellipsoidal_m2: ellipsoidal_area_m2(&lon_lat),
        zone,
    })
}
