//! Township assignment by location: which township boundary holds each parcel, by area.
//!
//! Every overlay is on the profile's Gauss–Krüger plane (the same plane as the other checks),
//! so the areas are planar m² whatever CRS the boundaries came in. A parcel belongs to the
//! township holding the largest part of it; it crosses a township line when more than the
//! profile's tolerance (`[township]`, 二(一)) lies in a second township. Shared edges have zero
//! overlap area, so a parcel touching a neighbouring township does not cross into it.

use std::collections::BTreeMap;
use std::path::Path;

use geo::MultiPolygon;
use guagou_domain::DivisionCode;
use guagou_domain::profile::TownshipTolerance;
use guagou_geo::crs::transform_geometry;
use guagou_geo::formats::read_parcels;
use guagou_geo::{Crs, GeoError, GeoErrorKind, Location, overlay};
use serde::Serialize;

use crate::error::PackageError;

// The smallest area that counts as lying in a township is the profile's (`[township]`,
// 二(一)): Dazhou 1 m², or 0.1 % of the parcel's plane area when that is larger. Below it a
// part is a digitising sliver along the line.

/// One township's boundary on the profile's plane.
#[derive(Debug, Clone, PartialEq)]
pub struct TownshipBoundary {
    /// A 9-digit township code.
    pub code: DivisionCode,
    pub plane: MultiPolygon<f64>,
}

/// The part of a parcel inside one township.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipShare {
    pub township: String,
    pub area_m2: f64,
}

/// Where a parcel lies, by location.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Located {
    /// The townships holding the parcel, largest part first: the largest always (when any
    /// overlap), the others only above the tolerance. Two or more: the parcel crosses a line.
    pub shares: Vec<TownshipShare>,
    /// Area outside every boundary given, m² (0 when within the tolerance).
    pub outside_m2: f64,
}

impl Located {
    /// The township holding the largest part of the parcel.
    pub fn primary(&self) -> Option<DivisionCode> {
        self.shares
            .first()
            .and_then(|s| DivisionCode::parse(&s.township).ok())
    }

    pub fn crosses(&self) -> bool {
        self.shares.len() > 1
    }

    /// Every township the parcel lies in (above the tolerance).
    pub fn codes(&self) -> Vec<DivisionCode> {
        self.shares
            .iter()
            .filter_map(|s| DivisionCode::parse(&s.township).ok())
            .collect()
    }

    /// "511722104 600 m²、511722105 400 m²" (joined by `sep`).
    pub fn areas_text(&self, sep: &str) -> String {
        self.shares
            .iter()
            .map(|s| format!("{} {:.0} m²", s.township, s.area_m2))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// Locates each parcel (on the plane) in the township boundaries (on the same plane), with the
/// profile's crossing tolerance.
pub fn locate(
    parcels: &[MultiPolygon<f64>],
    townships: &[TownshipBoundary],
    tolerance: &TownshipTolerance,
) -> Vec<Located> {
    let planes: Vec<MultiPolygon<f64>> = townships.iter().map(|t| t.plane.clone()).collect();
    // Per parcel: area in each township code (several boundaries may share one code, e.g.
    // village outlines or a township in two pieces).
    let mut per_parcel: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); parcels.len()];
    for hit in overlay::overlaps(parcels, &planes, 0.0) {
        if hit.area_m2.is_finite() && hit.area_m2 > 0.0 {
            *per_parcel[hit.left]
                .entry(townships[hit.right].code.to_string())
                .or_default() += hit.area_m2;
        }
    }
    parcels
        .iter()
        .zip(per_parcel)
        .map(|(parcel, areas)| located(parcel, areas, tolerance))
        .collect()
}

fn located(
    parcel: &MultiPolygon<f64>,
    areas: BTreeMap<String, f64>,
    tolerance: &TownshipTolerance,
) -> Located {
    let total = guagou_geo::area::planar_area_m2(parcel);
    let tolerance = tolerance.tolerance_m2(total);
    let inside: f64 = areas.values().sum();
    let mut shares: Vec<TownshipShare> = areas
        .into_iter()
        .map(|(township, area_m2)| TownshipShare { township, area_m2 })
        .collect();
    // Largest first; ties by code so the result does not depend on input order.
    shares.sort_by(|a, b| {
        b.area_m2
            .total_cmp(&a.area_m2)
            .then_with(|| a.township.cmp(&b.township))
    });
    let mut kept = Vec::new();
    for (i, share) in shares.into_iter().enumerate() {
        if i == 0 || share.area_m2 > tolerance {
            kept.push(share);
        }
    }
    let outside = (total - inside).max(0.0);
    Located {
        shares: kept,
        outside_m2: if outside > tolerance { outside } else { 0.0 },
    }
}

/// Attribute names tried, in order, for a boundary's township code.
pub const CODE_FIELDS: &[&str] = &["code", "adcode", "XZQDM", "行政区划代码"];

/// Reads township boundaries from any parcel file (GeoJSON, shapefile, …, any supported CRS)
/// onto `plane`. `code_field` names the attribute holding the 9-digit township code (or a
/// 12-digit village code, counted as its township); default: the first of `CODE_FIELDS`.
pub fn read_boundaries(
    path: &Path,
    code_field: Option<&str>,
    plane: Crs,
) -> Result<Vec<TownshipBoundary>, PackageError> {
    let file = read_parcels(path)?;
    let mut out = Vec::with_capacity(file.parcels.len());
    for parcel in &file.parcels {
        let location = || Location::file(file.source.clone()).record(parcel.name.clone());
        let field = code_field.or_else(|| {
            CODE_FIELDS
                .iter()
                .copied()
                .find(|f| parcel.attributes.contains_key(*f))
        });
        let value = field
            .and_then(|f| parcel.attributes.get(f))
            .map(|v| v.trim())
            .unwrap_or_default();
        let wanted = code_field
            .map(str::to_owned)
            .unwrap_or_else(|| CODE_FIELDS.join("/"));
        if value.is_empty() {
            return Err(GeoError::new(
                location().field(wanted.clone()),
                GeoErrorKind::Missing {
                    what: format!("乡镇代码/township code ({wanted})"),
                },
            )
            .into());
        }
        let code = township_code(value).ok_or_else(|| {
            PackageError::field(
                &file.source,
                Some(parcel.name.clone()),
                &wanted,
                format!("'{value}' 不是乡镇或村代码"),
                format!("'{value}' is not a township or village code"),
            )
        })?;
        let on_plane = transform_geometry(&parcel.geometry, file.crs, plane)
            .map_err(|kind| GeoError::new(location(), kind))?;
        out.push(TownshipBoundary {
            code,
            plane: on_plane,
        });
    }
    Ok(out)
}

fn township_code(value: &str) -> Option<DivisionCode> {
    DivisionCode::parse(value).ok().and_then(|c| c.township())
}

/// A stored boundary (GeoJSON Polygon or MultiPolygon in lon/lat, as the registry keeps
/// division boundaries) onto `plane`. `None` for a code that is not a township or village.
pub fn boundary_from_geojson(
    code: &str,
    geojson: &serde_json::Value,
    plane: Crs,
) -> Result<Option<TownshipBoundary>, PackageError> {
    let Some(township) = township_code(code) else {
        return Ok(None);
    };
    let invalid = |reason_en: &str| {
        PackageError::field(
            "divisions.boundary_geojson",
            Some(code.to_owned()),
            "coordinates",
            format!("乡镇 {code} 的边界无法读取"),
            format!("boundary of township {code}: {reason_en}"),
        )
    };
    let coordinates = geojson
        .get("coordinates")
        .ok_or_else(|| invalid("no coordinates"))?;
    let polygons: Vec<&serde_json::Value> = match geojson.get("type").and_then(|t| t.as_str()) {
        Some("Polygon") => vec![coordinates],
        Some("MultiPolygon") => coordinates
            .as_array()
            .ok_or_else(|| invalid("coordinates are not an array"))?
            .iter()
            .collect(),
        _ => return Err(invalid("not a Polygon or MultiPolygon")),
    };
    let mut out = Vec::with_capacity(polygons.len());
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .ok_or_else(|| invalid("a polygon is not an array of rings"))?;
        let mut rings = rings
            .iter()
            .map(|ring| ring_of(ring).ok_or_else(|| invalid("bad ring")));
        let exterior = rings.next().ok_or_else(|| invalid("empty polygon"))??;
        let holes = rings.collect::<Result<Vec<_>, _>>()?;
        out.push(geo::Polygon::new(exterior, holes));
    }
    let lon_lat = MultiPolygon(out);
    let on_plane = transform_geometry(&lon_lat, Crs::Geographic, plane).map_err(|kind| {
        GeoError::new(
            Location::file("divisions.boundary_geojson").record(code.to_owned()),
            kind,
        )
    })?;
    Ok(Some(TownshipBoundary {
        code: township,
        plane: on_plane,
    }))
}

fn ring_of(ring: &serde_json::Value) -> Option<geo::LineString<f64>> {
    let points = ring
        .as_array()?
        .iter()
        .map(|p| {
            Some(geo::Coord {
                x: p.get(0)?.as_f64()?,
                y: p.get(1)?.as_f64()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(geo::LineString::from(points))
}

#[cfg(test)]
mod tests {
    use geo::{Rect, coord};
    use guagou_domain::Profile;

    use super::*;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }).to_polygon(),
        ])
    }

    fn township(code: &str, x0: f64) -> TownshipBoundary {
        TownshipBoundary {
            code: DivisionCode::parse(code).unwrap_or_else(|e| panic!("{e}")),
            plane: square(x0, 0.0, x0 + 1_000.0, 1_000.0),
        }
    }

    /// A 100 m × 100 m parcel reaching 0.05 m (5 m²) over the line: a sliver under Dazhou's
    /// tolerance (max(1 m², 0.1 % = 10 m²)), a crossing under a profile with a smaller share.
    #[test]
    fn the_crossing_tolerance_is_the_profiles() {
        let towns = [township("511722104", 0.0), township("511722105", 1_000.0)];
        let parcel = [square(900.05, 100.0, 1_000.05, 200.0)];
        let mut profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
        let located = locate(&parcel, &towns, &profile.township);
        assert_eq!(located[0].shares.len(), 1, "{:?}", located[0]);
        profile.township.crossing_min_share.value = 0.0001;
        let located = locate(&parcel, &towns, &profile.township);
        assert_eq!(located[0].shares.len(), 2, "{:?}", located[0]);
        assert_eq!(located[0].shares[1].township, "511722105");
    }
}
