//! Coordinate reference systems: CGCS2000 geographic (EPSG:4490) and the CGCS2000 3-degree
//! Gauss–Krüger zones 25–45, with the zone prefix on eastings (EPSG:4513–4533) or without
//! (EPSG:4534–4554).
//!
//! Axis convention inside guagou: x = easting (or longitude), y = northing (or latitude). EPSG
//! defines X = northing for these CRSs, as Chinese survey files do; readers swap explicitly.
//!
//! Projection is done with `proj4rs` (pure Rust; its `tmerc` is the Poder/Engsager "exact"
//! algorithm PROJ uses by default), on the GRS80 ellipsoid, which has the same shape as the
//! CGCS2000 ellipsoid (a = 6 378 137 m, 1/f = 298.257222101; the two differ only in GM and ω,
//! which do not enter a projection). No datum shift is ever applied: WGS 84 is read as CGCS2000.

use proj4rs::Proj;
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

/// How far beyond the nominal zone edge (central meridian ± 1.5°) a Gauss–Krüger coordinate is
/// still accepted, in degrees of longitude.
///
/// Why 0.5°: a county or a project is kept in one zone even where it crosses the zone
/// boundary, so real survey files carry coordinates a little beyond CM ± 1.5°; 0.5° (about
/// 45–53 km in China) covers such an overhang. At 2° from the central meridian the GK scale
/// factor is at most 1 + (Δλ·cos φ)²/2 ≈ 1.00055 (at 18°N), i.e. planar areas about 0.11 %
/// above the ellipsoidal ones: still a usable register figure. Further out the distortion
/// grows quadratically, and a point that far is more likely in the wrong zone: refused.
pub const ZONE_TOLERANCE_DEG: f64 = 0.5;

/// Latitudes a Gauss–Krüger coordinate may have (China lies within 3°N–54°N).
const MIN_GK_LAT: f64 = 0.0;
const MAX_GK_LAT: f64 = 60.0;

const FALSE_EASTING: f64 = 500_000.0;
const PREFIX_UNIT: f64 = 1_000_000.0;

/// CGCS2000 ellipsoid.
pub const CGCS2000_A: f64 = 6_378_137.0;
pub const CGCS2000_RF: f64 = 298.257_222_101;

const GEOGRAPHIC_PROJ: &str = "+proj=longlat +ellps=GRS80 +no_defs";

const ESRI_GEOGCS: &str = concat!(
    "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",",
    "DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],",
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]"
);

impl Crs {
    /// A Gauss–Krüger CRS, if `zone` is one of the 3-degree zones covering China (25..=45).
    pub fn gauss_kruger(zone: u32, prefixed: bool) -> Result<Crs, GeoErrorKind> {
        match u8::try_from(zone) {
            Ok(z) if (MIN_ZONE..=MAX_ZONE).contains(&z) => {
                Ok(Crs::GaussKruger { zone: z, prefixed })
            }
            _ => Err(GeoErrorKind::UnsupportedCrs {
                what: format!(
                    "3-degree Gauss–Krüger zone {zone}: only zones {MIN_ZONE}–{MAX_ZONE} (75°E–135°E) \
                     cover China / 3 度带带号 {zone} 不在 {MIN_ZONE}–{MAX_ZONE} 之内"
                ),
            }),
        }
    }

    /// The CRS of an EPSG code guagou supports (4490, 4326, 4513–4554).
    pub fn from_epsg(code: u32) -> Option<Crs> {
        match code {
            4490 | 4326 => Some(Crs::Geographic),
            4513..=4533 => zone_from_offset(code - 4513).map(|zone| Crs::GaussKruger {
                zone,
                prefixed: true,
            }),
            4534..=4554 => zone_from_offset(code - 4534).map(|zone| Crs::GaussKruger {
                zone,
                prefixed: false,
            }),
            _ => None,
        }
    }

    /// Parses `EPSG:4545`, `epsg:4545`, `4545`, `urn:ogc:def:crs:EPSG::4545`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `CRS84`.
    ///
    /// Also accepted: `EPSG::4545`, a versioned URN (`urn:ogc:def:crs:EPSG:9.5:4545`), the
    /// OGC http form (`http://www.opengis.net/def/crs/EPSG/0/4545`, `.../OGC/1.3/CRS84`) and
    /// `OGC:CRS84`. A well-formed code of another CRS is `UnsupportedCrs` naming it where known
    /// (Xian 1980, Beijing 1954, the 6-degree zones, UTM).
    pub fn parse(text: &str) -> Result<Crs, GeoErrorKind> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let not_understood = || GeoErrorKind::UnsupportedCrs {
            what: format!(
                "'{}' is not a CRS name guagou understands (expected EPSG:<code>, \
                 urn:ogc:def:crs:EPSG::<code> or CRS84) / 无法识别的坐标系名称",
                clip(trimmed, 80)
            ),
        };
        if lower == "crs84"
            || lower == "ogc:crs84"
            || (lower.starts_with("urn:ogc:def:crs:ogc:") && lower.ends_with(":crs84"))
            || (is_ogc_http(&lower) && lower.contains("/ogc/") && lower.ends_with("/crs84"))
        {
            return Ok(Crs::Geographic);
        }
        let digits = if lower.bytes().all(|b| b.is_ascii_digit()) && !lower.is_empty() {
            lower.as_str()
        } else if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
            // `urn:ogc:def:crs:EPSG::4545` or with a version between the colons.
            rest.rsplit(':').next().unwrap_or_default()
        } else if let Some(rest) = lower.strip_prefix("epsg:") {
            rest.trim_start_matches(':')
        } else if is_ogc_http(&lower) && lower.contains("/epsg/") {
            lower.rsplit('/').next().unwrap_or_default()
        } else {
            return Err(not_understood());
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_understood());
        }
        let code: u32 = digits.parse().map_err(|_| not_understood())?;
        Crs::from_epsg(code).ok_or_else(|| GeoErrorKind::UnsupportedCrs {
            what: describe_epsg(code),
        })
    }

    /// Reads an ESRI `.prj` (WKT1): GEOGCS CGCS2000/WGS84 → Geographic; PROJCS with
    /// Gauss_Kruger/Transverse_Mercator on CGCS2000 → the zone from Central_Meridian and the
    /// prefix from False_Easting. Other datums (Xian 1980, Beijing 1954) are `UnsupportedCrs`.
    ///
    /// Names are compared case-insensitively ignoring punctuation, so ESRI
    /// (`GCS_China_Geodetic_Coordinate_System_2000`, `D_China_2000`), GDAL
    /// (`China Geodetic Coordinate System 2000`) and hand-written variants (`CGCS_2000`,
    /// `2000国家大地坐标系`) all match. The parameters decide; the PROJCS name
    /// (`CGCS2000_3_Degree_GK_Zone_36`, `..._CM_108E`) is used only for a parameter the file
    /// leaves out. Also read: GDAL's WKT1 and plain WKT2 (`PROJCRS`/`GEOGCRS`, as PROJ writes
    /// it), a `COMPD_CS`/`COMPOUNDCRS` or `BOUNDCRS` by its horizontal part.
    ///
    /// Refused, with what was found: Xian 1980, Beijing 1954 (old and new), a 6-degree zone
    /// (by name, or a False_Easting prefix 13–23), a central meridian that is not 3 × (25..45),
    /// a scale factor other than 1 (e.g. UTM), a false northing or latitude of origin other
    /// than 0, units other than metres/degrees, or another projection. A datum with an unknown
    /// name is accepted only when its ellipsoid is the CGCS2000 one (projected or geographic)
    /// or the WGS 84 one (geographic only): many tools write home-made names for CGCS2000.
    pub fn from_prj_wkt(wkt: &str) -> Result<Crs, GeoErrorKind> {
        let root = wkt::parse(wkt)?;
        prj::interpret(&root)
    }

    /// The ESRI WKT1 text for a `.prj` file, exactly as ArcGIS (and PROJ's `WKT1_ESRI`) writes
    /// it for the EPSG code (`CGCS2000_3_Degree_GK_Zone_36`, `CGCS2000_3_Degree_GK_CM_108E`,
    /// `GCS_China_Geodetic_Coordinate_System_2000`).
    pub fn to_prj_wkt(self) -> String {
        match self {
            Crs::Geographic => ESRI_GEOGCS.to_string(),
            Crs::GaussKruger { zone, prefixed } => {
                let cm = 3 * u32::from(zone);
                let (name, fe) = if prefixed {
                    (
                        format!("CGCS2000_3_Degree_GK_Zone_{zone}"),
                        u32::from(zone) * 1_000_000 + 500_000,
                    )
                } else {
                    (format!("CGCS2000_3_Degree_GK_CM_{cm}E"), 500_000)
                };
                format!(
                    "PROJCS[\"{name}\",{ESRI_GEOGCS},PROJECTION[\"Gauss_Kruger\"],\
                     PARAMETER[\"False_Easting\",{fe}.0],PARAMETER[\"False_Northing\",0.0],\
                     PARAMETER[\"Central_Meridian\",{cm}.0],PARAMETER[\"Scale_Factor\",1.0],\
                     PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
                )
            }
        }
    }

    /// The EPSG code: 4490, 4513–4533 (prefixed) or 4534–4554. A `GaussKruger` built by hand
    /// with a zone outside 25..=45 has no code and gives 0 (so its label is `EPSG:0`, never
    /// another CRS's code).
    pub fn epsg(self) -> u32 {
        match self {
            Crs::Geographic => 4490,
            Crs::GaussKruger { zone, .. } if !(MIN_ZONE..=MAX_ZONE).contains(&zone) => 0,
            Crs::GaussKruger { zone, prefixed } => {
                let base = if prefixed { 4513 } else { 4534 };
                base + u32::from(zone - MIN_ZONE)
            }
        }
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
    ///
    /// A longitude exactly on a zone boundary (an odd multiple of 1.5°) goes to the eastern zone.
    /// Outside 73.5°E..136.5°E (zones 25..=45) or not finite: `OutsideZone` (its `y` is NaN: no
    /// latitude is involved).
    pub fn zone_for_longitude(lon: f64) -> Result<u8, GeoErrorKind> {
        let zone = (lon / 3.0 + 0.5).floor();
        if lon.is_finite() && zone >= f64::from(MIN_ZONE) && zone <= f64::from(MAX_ZONE) {
            // In range 25..=45, so the cast is exact.
            Ok(zone as u8)
        } else {
            Err(GeoErrorKind::OutsideZone {
                x: lon,
                y: f64::NAN,
                reason: format!(
                    "longitude {lon}° is outside the 3-degree zones {MIN_ZONE}–{MAX_ZONE} \
                     (73.5°E–136.5°E) / 经度 {lon}° 不在 3 度带 {MIN_ZONE}–{MAX_ZONE} 带范围内"
                ),
            })
        }
    }

    /// Checks that a coordinate lies in this CRS's valid range: finite; for Geographic,
    /// lon in [-180, 180] and lat in [-90, 90]; for Gauss–Krüger, the prefix (if any) matches
    /// the zone and the point's longitude is within the zone (central meridian ± 1.5° plus a
    /// small tolerance) and latitude within 0–60°N.
    ///
    /// The tolerance is [`ZONE_TOLERANCE_DEG`] = 0.5°, i.e. |lon − CM| ≤ 2.0° (see there why).
    /// Errors: `ZoneMismatch` when a prefixed easting carries another zone's prefix; otherwise
    /// `OutsideZone` with a reason in English and Chinese (not finite, missing prefix, a prefix
    /// where the CRS has none, too far from the central meridian, latitude out of range).
    ///
    /// Cost: about 1–2 µs for Gauss–Krüger (one inverse projection, and building the
    /// projection each call); [`Transformer::check`] reuses one projection (~0.2 µs a point).
    /// Whether `(x, y)` is certainly a valid coordinate of this plane without projecting it
    /// (see [`surely_inside_zone`]); `false` means "check exactly", not "invalid". Always
    /// `false` for geographic coordinates, whose exact check is already cheap.
    pub fn surely_valid(self, x: f64, y: f64) -> bool {
        let Crs::GaussKruger { zone, prefixed } = self else {
            return false;
        };
        if !x.is_finite() || !y.is_finite() {
            return false;
        }
        let easting = if prefixed {
            let offset = f64::from(zone) * PREFIX_UNIT;
            if (x / PREFIX_UNIT).floor() != f64::from(zone) {
                return false;
            }
            x - offset
        } else {
            x
        };
        surely_inside_zone(easting, y)
    }

    pub fn check_coordinate(self, x: f64, y: f64) -> Result<(), GeoErrorKind> {
        match self {
            Crs::Geographic => check_geographic(x, y),
            Crs::GaussKruger { .. } => Transformer::new(self, Crs::Geographic)?.check(x, y),
        }
    }
}

/// Whether an unprefixed Gauss–Krüger point is certainly within 0–60°N and within
/// 2.0° (1.5° + [`ZONE_TOLERANCE_DEG`]) of the central meridian, without projecting it.
///
/// Conservative bounds: a northing of 1 km to 4,400 km is latitude 0°–39.8°, where 2° of
/// longitude spans at least 171 km, so 150 km from the central meridian is inside; up to
/// 6,600 km (59.5°N on the meridian, lower away from it) 2° spans at least 113 km, and 80 km
/// is inside. Eastings grow faster than longitude away from the meridian, which only adds
/// margin. Anything else takes the exact path.
fn surely_inside_zone(easting: f64, northing: f64) -> bool {
    let offset = (easting - FALSE_EASTING).abs();
    match northing {
        n if (1_000.0..=4_400_000.0).contains(&n) => offset <= 150_000.0,
        n if (1_000.0..=6_600_000.0).contains(&n) => offset <= 80_000.0,
        _ => false,
    }
}

fn zone_from_offset(offset: u32) -> Option<u8> {
    u8::try_from(offset)
        .ok()
        .and_then(|o| o.checked_add(MIN_ZONE))
        .filter(|z| *z <= MAX_ZONE)
}

fn is_ogc_http(lower: &str) -> bool {
    lower.starts_with("http://www.opengis.net/def/crs/")
        || lower.starts_with("https://www.opengis.net/def/crs/")
}

/// At most `max` characters of `text`, so that an error never echoes a huge input.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// What an unsupported EPSG code is, in words, for the error message.
fn describe_epsg(code: u32) -> String {
    let family = match code {
        4214 => Some("Beijing 1954 geographic / 北京54 经纬度"),
        4610 => Some("Xian 1980 geographic / 西安80 经纬度"),
        4555 => Some("New Beijing geographic / 新北京54 经纬度"),
        2327..=2348 => Some("Xian 1980 6-degree Gauss–Krüger / 西安80 6 度带"),
        2349..=2390 => Some("Xian 1980 3-degree Gauss–Krüger / 西安80 3 度带"),
        2401..=2442 => Some("Beijing 1954 3-degree Gauss–Krüger / 北京54 3 度带"),
        21413..=21423 | 21453..=21463 => Some("Beijing 1954 6-degree Gauss–Krüger / 北京54 6 度带"),
        4491..=4512 => Some("CGCS2000 6-degree Gauss–Krüger / CGCS2000 6 度带"),
        32601..=32660 | 32701..=32760 => Some("WGS 84 UTM / WGS84 UTM 投影"),
        3857 => Some("Web Mercator / Web 墨卡托"),
        _ => None,
    };
    let supported = "guagou reads CGCS2000 (EPSG:4490, WGS 84 EPSG:4326 as CGCS2000) and its \
                     3-degree Gauss–Krüger zones (EPSG:4513–4554) / 仅支持 CGCS2000 经纬度及 3 度带";
    match family {
        Some(name) => format!("EPSG:{code} ({name}); {supported}"),
        None => format!("EPSG:{code}; {supported}"),
    }
}

fn outside(x: f64, y: f64, reason: String) -> GeoErrorKind {
    GeoErrorKind::OutsideZone { x, y, reason }
}

fn check_finite(x: f64, y: f64) -> Result<(), GeoErrorKind> {
    if x.is_finite() && y.is_finite() {
        Ok(())
    } else {
        Err(outside(
            x,
            y,
            "not a finite number / 坐标不是有限数值".into(),
        ))
    }
}

fn check_geographic(lon: f64, lat: f64) -> Result<(), GeoErrorKind> {
    check_finite(lon, lat)?;
    if !(-180.0..=180.0).contains(&lon) {
        return Err(outside(
            lon,
            lat,
            format!("longitude {lon} is outside −180°..180° / 经度 {lon} 超出 −180°..180°"),
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(outside(
            lon,
            lat,
            format!("latitude {lat} is outside −90°..90° / 纬度 {lat} 超出 −90°..90°"),
        ));
    }
    Ok(())
}

/// A projected plane: one 3-degree zone, with its `proj4rs` projection built once.
struct Plane {
    zone: u8,
    prefixed: bool,
    central_meridian: f64,
    proj: Proj,
}

impl Plane {
    fn new(zone: u8, prefixed: bool) -> Result<Plane, GeoErrorKind> {
        // Rejects a hand-built `Crs::GaussKruger` with a zone outside 25..=45.
        Crs::gauss_kruger(u32::from(zone), prefixed)?;
        let central_meridian = 3.0 * f64::from(zone);
        // The prefix is added and removed here, not by +x_0, so that one projection serves both
        // EPSG codes of a zone and changing only the prefix needs no projection at all.
        let definition = format!(
            "+proj=tmerc +lat_0=0 +lon_0={central_meridian} +k=1 +x_0={FALSE_EASTING} +y_0=0 \
             +ellps=GRS80 +units=m +no_defs"
        );
        let proj = Proj::from_proj_string(&definition).map_err(|e| GeoErrorKind::Projection {
            reason: format!("{definition}: {e}"),
        })?;
        Ok(Plane {
            zone,
            prefixed,
            central_meridian,
            proj,
        })
    }

    fn prefix_offset(&self) -> f64 {
        if self.prefixed {
            f64::from(self.zone) * PREFIX_UNIT
        } else {
            0.0
        }
    }

    fn label(&self) -> String {
        Crs::GaussKruger {
            zone: self.zone,
            prefixed: self.prefixed,
        }
        .label()
    }

    /// The easting without prefix, after checking the prefix rules. Subtracting the prefix is
    /// exact (Sterbenz: the prefixed easting is within a factor 2 of the prefix).
    fn strip_prefix(&self, x: f64, y: f64) -> Result<f64, GeoErrorKind> {
        check_finite(x, y)?;
        let prefix = (x / PREFIX_UNIT).floor();
        if self.prefixed {
            if prefix == f64::from(self.zone) {
                return Ok(x - self.prefix_offset());
            }
            if prefix < 1.0 {
                return Err(outside(
                    x,
                    y,
                    format!(
                        "easting {x:.3} has no zone prefix, but {} expects {}xxxxxx / 横坐标缺少带号前缀 {}",
                        self.label(),
                        self.zone,
                        self.zone
                    ),
                ));
            }
            if prefix > 99.0 {
                return Err(outside(
                    x,
                    y,
                    format!(
                        "easting {x:.3} is far too large for any zone / 横坐标过大，不属于任何投影带"
                    ),
                ));
            }
            // 1..=99 here, so the cast is exact.
            return Err(GeoErrorKind::ZoneMismatch {
                prefix: prefix as u32,
                declared: u32::from(self.zone),
            });
        }
        if (10.0..=99.0).contains(&prefix) {
            return Err(outside(
                x,
                y,
                format!(
                    "easting {x:.3} looks zone-prefixed (zone {prefix}), but {} has no prefix \
                     / 横坐标似带有带号前缀 {prefix}，但坐标系 {} 不带带号",
                    self.label(),
                    self.label()
                ),
            ));
        }
        Ok(x)
    }

    /// Checks that (lon, lat) lies in this zone (with tolerance) and latitude range.
    fn check_lon_lat(&self, lon: f64, lat: f64, x: f64, y: f64) -> Result<(), GeoErrorKind> {
        let off = (lon - self.central_meridian).abs();
        if off > 1.5 + ZONE_TOLERANCE_DEG {
            return Err(self.too_far(x, y, Some((lon, lat))));
        }
        if !(MIN_GK_LAT..=MAX_GK_LAT).contains(&lat) {
            return Err(outside(
                x,
                y,
                format!(
                    "latitude {lat:.4}° is outside 0°–60°N, the range of {} / 纬度 {lat:.4}° 超出 0°–60°N",
                    self.label()
                ),
            ));
        }
        Ok(())
    }

    fn too_far(&self, x: f64, y: f64, lon_lat: Option<(f64, f64)>) -> GeoErrorKind {
        let limit = 1.5 + ZONE_TOLERANCE_DEG;
        let cm = self.central_meridian;
        let zone = self.zone;
        let reason = match lon_lat {
            Some((lon, _)) => format!(
                "longitude {lon:.4}°E is {:.4}° from the central meridian {cm}°E of zone {zone} \
                 (limit {limit}° = 1.5° + {ZONE_TOLERANCE_DEG}° tolerance) / 经度 {lon:.4}°E 距 \
                 {zone} 带中央子午线 {cm}°E {:.4}°，超过 {limit}°",
                (lon - cm).abs(),
                (lon - cm).abs()
            ),
            None => format!(
                "the point is far outside zone {zone} (central meridian {cm}°E) / 该点远在 {zone} 带之外"
            ),
        };
        outside(x, y, reason)
    }
}

fn geographic_proj() -> Result<Proj, GeoErrorKind> {
    Proj::from_proj_string(GEOGRAPHIC_PROJ).map_err(|e| GeoErrorKind::Projection {
        reason: format!("{GEOGRAPHIC_PROJ}: {e}"),
    })
}

/// A transformation between two supported CRSs with its projections built once.
///
/// Building costs about a microsecond (parsing the PROJ strings, the Krüger series
/// coefficients); each point then costs ~0.2 µs per projection step (measured). Holds no
/// shared state: build one per batch (per file, per geometry) and drop it.
///
/// Every point is checked on the way: the source coordinate as [`Crs::check_coordinate`]
/// describes, and, for a Gauss–Krüger target, that the point lies within the target zone with
/// the same tolerance (a coordinate guagou would refuse to read is never produced).
pub struct Transformer {
    from: Crs,
    to: Crs,
    source: Option<Plane>,
    target: Option<Plane>,
    geographic: Proj,
}

impl Transformer {
    pub fn new(from: Crs, to: Crs) -> Result<Transformer, GeoErrorKind> {
        let plane = |crs: Crs| match crs {
            Crs::Geographic => Ok(None),
            Crs::GaussKruger { zone, prefixed } => Plane::new(zone, prefixed).map(Some),
        };
        Ok(Transformer {
            from,
            to,
            source: plane(from)?,
            target: plane(to)?,
            geographic: geographic_proj()?,
        })
    }

    /// Checks a coordinate of the source CRS (see [`Crs::check_coordinate`]); returns its
    /// (lon, lat) in degrees.
    fn source_lon_lat(&self, x: f64, y: f64) -> Result<(f64, f64), GeoErrorKind> {
        match &self.source {
            None => {
                check_geographic(x, y)?;
                Ok((x, y))
            }
            Some(plane) => {
                let easting = plane.strip_prefix(x, y)?;
                let (lon, lat) = self.inverse(plane, easting, y, x, y)?;
                plane.check_lon_lat(lon, lat, x, y)?;
                Ok((lon, lat))
            }
        }
    }

    fn inverse(
        &self,
        plane: &Plane,
        easting: f64,
        northing: f64,
        x: f64,
        y: f64,
    ) -> Result<(f64, f64), GeoErrorKind> {
        if (easting - FALSE_EASTING).abs() > 1_000_000.0
            || !(-1_000_000.0..=10_000_000.0).contains(&northing)
        {
            return Err(plane.too_far(x, y, None));
        }
        let mut p = (easting, northing, 0.0);
        proj4rs::transform::transform(&plane.proj, &self.geographic, &mut p)
            .map_err(|_| plane.too_far(x, y, None))?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        if !lon.is_finite() || !lat.is_finite() {
            return Err(plane.too_far(x, y, None));
        }
        Ok((lon, lat))
    }

    fn forward(&self, plane: &Plane, lon: f64, lat: f64) -> Result<(f64, f64), GeoErrorKind> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.geographic, &plane.proj, &mut p).map_err(|e| {
            GeoErrorKind::Projection {
                reason: format!("({lon}, {lat}) → {}: {e}", plane.label()),
            }
        })?;
        if !p.0.is_finite() || !p.1.is_finite() {
            return Err(GeoErrorKind::Projection {
                reason: format!("({lon}, {lat}) → {}: result is not finite", plane.label()),
            });
        }
        Ok((p.0 + plane.prefix_offset(), p.1))
    }

    /// Checks one coordinate of the source CRS, as [`Crs::check_coordinate`].
    ///
    /// A point of a plane that lies well inside its zone is accepted without the inverse
    /// projection ([`surely_inside_zone`]): reading a county layer checks 10⁷ vertices.
    pub fn check(&self, x: f64, y: f64) -> Result<(), GeoErrorKind> {
        if let Some(plane) = &self.source
            && let Ok(easting) = plane.strip_prefix(x, y)
            && surely_inside_zone(easting, y)
        {
            return Ok(());
        }
        self.source_lon_lat(x, y).map(|_| ())
    }

    /// Transforms one point (identity when the two CRSs are equal: no check, no rounding).
    pub fn point(&self, x: f64, y: f64) -> Result<(f64, f64), GeoErrorKind> {
        if self.from == self.to {
            return Ok((x, y));
        }
        let (lon, lat) = self.source_lon_lat(x, y)?;
        match (&self.source, &self.target) {
            (_, None) => Ok((lon, lat)),
            (Some(src), Some(dst)) if src.zone == dst.zone => {
                // Same zone, prefix added or removed: no round trip through lon/lat (removing the
                // prefix is exact, adding it rounds to the ulp of 10⁷ m, 7.5 nm).
                Ok((x - src.prefix_offset() + dst.prefix_offset(), y))
            }
            (_, Some(dst)) => {
                dst.check_lon_lat(lon, lat, x, y).map_err(|e| match e {
                    GeoErrorKind::OutsideZone { reason, .. } => outside(
                        x,
                        y,
                        format!(
                            "cannot be placed in the target plane {}: {reason}",
                            dst.label()
                        ),
                    ),
                    other => other,
                })?;
                self.forward(dst, lon, lat)
            }
        }
    }
}

/// Transforms one point between two supported CRSs.
///
/// Checks the source coordinate (see [`Crs::check_coordinate`]) and, for a Gauss–Krüger
/// target, that the point lies within that zone (± [`ZONE_TOLERANCE_DEG`]). Builds the
/// projections on every call: for many points use [`Transformer`] or [`transform_geometry`].
pub fn transform_point(from: Crs, to: Crs, x: f64, y: f64) -> Result<(f64, f64), GeoErrorKind> {
    Transformer::new(from, to)?.point(x, y)
}

/// Transforms a whole geometry between two supported CRSs (identity when equal).
///
/// Every vertex is checked as in [`transform_point`]; the first bad vertex is the error (its
/// coordinates are in the error). Projections are built once per call.
pub fn transform_geometry(
    geometry: &geo::MultiPolygon<f64>,
    from: Crs,
    to: Crs,
) -> Result<geo::MultiPolygon<f64>, GeoErrorKind> {
    use geo::MapCoords;
    if from == to {
        return Ok(geometry.clone());
    }
    let transformer = Transformer::new(from, to)?;
    geometry.try_map_coords(|c| {
        transformer
            .point(c.x, c.y)
            .map(|(x, y)| geo::Coord { x, y })
    })
}

/// A minimal WKT (WKT1 and WKT2) reader: a tree of `KEYWORD[args]`.
mod wkt {
    use crate::error::GeoErrorKind;

    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Value {
        Node(Node),
        Text(String),
        Number(f64),
        /// A bare word such as `EAST` or `NORTH`.
        Word(String),
    }

    #[derive(Debug, Clone, PartialEq)]
    pub(super) struct Node {
        /// Upper-cased.
        pub keyword: String,
        pub args: Vec<Value>,
    }

    impl Node {
        /// The first argument when it is a quoted string (the name of most WKT nodes).
        pub fn name(&self) -> Option<&str> {
            match self.args.first() {
                Some(Value::Text(s)) => Some(s),
                _ => None,
            }
        }
        /// The `i`-th argument as a number.
        pub fn number(&self, i: usize) -> Option<f64> {
            match self.args.get(i) {
                Some(Value::Number(n)) => Some(*n),
                _ => None,
            }
        }
        /// Direct children with one of `keywords`.
        pub fn children<'a>(
            &'a self,
            keywords: &'static [&'static str],
        ) -> impl Iterator<Item = &'a Node> + 'a {
            self.args.iter().filter_map(move |v| match v {
                Value::Node(n) if keywords.contains(&n.keyword.as_str()) => Some(n),
                _ => None,
            })
        }
        pub fn child(&self, keywords: &'static [&'static str]) -> Option<&Node> {
            self.children(keywords).next()
        }
        /// First descendant (depth-first, self excluded) with one of `keywords`.
        pub fn find(&self, keywords: &[&str]) -> Option<&Node> {
            for v in &self.args {
                if let Value::Node(n) = v {
                    if keywords.contains(&n.keyword.as_str()) {
                        return Some(n);
                    }
                    if let Some(found) = n.find(keywords) {
                        return Some(found);
                    }
                }
            }
            None
        }
    }

    /// Deep enough for any real CRS (WKT2 nests about 6 levels), shallow enough that hostile
    /// input cannot exhaust the stack.
    const MAX_DEPTH: usize = 32;
    /// .prj files are a few hundred bytes; a WKT2 with history is a few kB.
    const MAX_LEN: usize = 64 * 1024;

    pub(super) fn parse(text: &str) -> Result<Node, GeoErrorKind> {
        if text.len() > MAX_LEN {
            return Err(GeoErrorKind::TooLarge {
                what: format!(".prj text of {} bytes (limit {MAX_LEN})", text.len()),
            });
        }
        let text = text
            // A BOM, trailing NULs and line ends are common in .prj files written by tools.
            .trim_matches(|c: char| c.is_whitespace() || c == '\0' || c == '\u{feff}');
        if text.is_empty() {
            return Err(GeoErrorKind::Missing {
                what: "coordinate system text (.prj is empty) / 坐标系描述为空".into(),
            });
        }
        let mut p = Parser {
            chars: text.char_indices().collect(),
            pos: 0,
        };
        let value = p.value(0)?;
        p.skip_ws();
        if p.pos < p.chars.len() {
            return Err(p.error("text after the end of the WKT"));
        }
        match value {
            Value::Node(n) => Ok(n),
            _ => Err(syntax("the text is not WKT (expected KEYWORD[...])")),
        }
    }

    fn syntax(reason: &str) -> GeoErrorKind {
        GeoErrorKind::Syntax {
            reason: format!("WKT: {reason} / 坐标系 WKT 格式错误"),
        }
    }

    struct Parser {
        chars: Vec<(usize, char)>,
        pos: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.pos).map(|(_, c)| *c)
        }
        fn skip_ws(&mut self) {
            while self.peek().is_some_and(char::is_whitespace) {
                self.pos += 1;
            }
        }
        fn error(&self, what: &str) -> GeoErrorKind {
            let at = self
                .chars
                .get(self.pos)
                .map_or_else(|| "end".to_string(), |(i, _)| format!("byte {i}"));
            syntax(&format!("{what} at {at}"))
        }

        fn value(&mut self, depth: usize) -> Result<Value, GeoErrorKind> {
            if depth > MAX_DEPTH {
                return Err(self.error("nesting too deep"));
            }
            self.skip_ws();
            match self.peek() {
                Some('"') => self.text().map(Value::Text),
                Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                    self.number().map(Value::Number)
                }
                Some(c) if c.is_alphabetic() || c == '_' => {
                    let word = self.word();
                    self.skip_ws();
                    match self.peek() {
                        Some(open @ ('[' | '(')) => {
                            self.pos += 1;
                            let close = if open == '[' { ']' } else { ')' };
                            let args = self.args(close, depth)?;
                            Ok(Value::Node(Node {
                                keyword: word.to_ascii_uppercase(),
                                args,
                            }))
                        }
                        _ => Ok(Value::Word(word)),
                    }
                }
                Some(_) => Err(self.error("unexpected character")),
                None => Err(self.error("unexpected end")),
            }
        }

        fn args(&mut self, close: char, depth: usize) -> Result<Vec<Value>, GeoErrorKind> {
            let mut args = Vec::new();
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(args);
            }
            loop {
                args.push(self.value(depth + 1)?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(c) if c == close => {
                        self.pos += 1;
                        return Ok(args);
                    }
                    Some(']' | ')') => return Err(self.error("mismatched bracket")),
                    Some(_) => return Err(self.error("expected ',' or a closing bracket")),
                    None => return Err(self.error("unclosed bracket")),
                }
            }
        }

        fn word(&mut self) -> String {
            let mut s = String::new();
            while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
                s.push(c);
                self.pos += 1;
            }
            s
        }

        fn text(&mut self) -> Result<String, GeoErrorKind> {
            self.pos += 1; // opening quote
            let mut s = String::new();
            loop {
                match self.peek() {
                    Some('"') => {
                        self.pos += 1;
                        // WKT escapes a quote by doubling it.
                        if self.peek() == Some('"') {
                            s.push('"');
                            self.pos += 1;
                        } else {
                            return Ok(s);
                        }
                    }
                    Some(c) => {
                        s.push(c);
                        self.pos += 1;
                    }
                    None => return Err(self.error("unclosed quoted string")),
                }
            }
        }

        fn number(&mut self) -> Result<f64, GeoErrorKind> {
            let start = self.pos;
            let mut s = String::new();
            while let Some(c) = self
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
            {
                s.push(c);
                self.pos += 1;
            }
            match s.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(n),
                _ => {
                    self.pos = start;
                    Err(self.error(&format!("'{s}' is not a number")))
                }
            }
        }
    }
}

/// Interpretation of a parsed `.prj` WKT as one of guagou's CRSs.
mod prj {
    use super::wkt::{Node, Value};
    use super::{CGCS2000_A, CGCS2000_RF, Crs, MAX_ZONE, MIN_ZONE, clip};
    use crate::error::GeoErrorKind;

    const PROJECTED: &[&str] = &["PROJCS", "PROJCRS", "PROJECTEDCRS"];
    const GEOGRAPHIC: &[&str] = &[
        "GEOGCS",
        "GEOGCRS",
        "GEODCRS",
        "GEOGRAPHICCRS",
        "GEODETICCRS",
    ];
    const BASE_GEOGRAPHIC: &[&str] = &["GEOGCS", "BASEGEOGCRS", "BASEGEODCRS"];
    const DATUM: &[&str] = &["DATUM", "GEODETICDATUM", "TRF", "ENSEMBLE"];
    const ELLIPSOID: &[&str] = &["SPHEROID", "ELLIPSOID"];
    const PRIMEM: &[&str] = &["PRIMEM", "PRIMEMERIDIAN"];

    /// Lower-case letters and digits only (Unicode letters kept), so that `D_China_2000`,
    /// `China 2000` and `china2000` compare equal.
    pub(super) fn norm(s: &str) -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Datum {
        Cgcs2000,
        Wgs84,
        Xian1980,
        Beijing1954,
        NewBeijing,
        /// A name not recognised, with an ellipsoid that is: (is CGCS2000/GRS80, is WGS 84).
        Unknown {
            grs80: bool,
            wgs84: bool,
        },
    }

    struct GeoInfo {
        datum: Datum,
        /// What was found, for messages: the GEOGCS and DATUM names.
        names: String,
    }

    fn unsupported(what: String) -> GeoErrorKind {
        GeoErrorKind::UnsupportedCrs { what }
    }

    pub(super) fn interpret(root: &Node) -> Result<Crs, GeoErrorKind> {
        let kw = root.keyword.as_str();
        if ["COMPD_CS", "COMPOUNDCRS"].contains(&kw) {
            let horizontal = root
                .args
                .iter()
                .find_map(|v| match v {
                    Value::Node(n)
                        if PROJECTED.contains(&n.keyword.as_str())
                            || GEOGRAPHIC.contains(&n.keyword.as_str()) =>
                    {
                        Some(n)
                    }
                    _ => None,
                })
                .ok_or_else(|| unsupported(format!("{kw} without a horizontal CRS")))?;
            return interpret(horizontal);
        }
        if kw == "BOUNDCRS" {
            let source = root
                .child(&["SOURCECRS"])
                .and_then(|s| {
                    s.args.iter().find_map(|v| match v {
                        Value::Node(n) => Some(n),
                        _ => None,
                    })
                })
                .ok_or_else(|| unsupported("BOUNDCRS without SOURCECRS".into()))?;
            return interpret(source);
        }
        if GEOGRAPHIC.contains(&kw) {
            return geographic(root);
        }
        if PROJECTED.contains(&kw) {
            return projected(root);
        }
        Err(unsupported(format!(
            "a {kw} coordinate system (only geographic or Gauss–Krüger projected CRSs are read) / 不支持的坐标系类型 {kw}"
        )))
    }

    fn geo_info(geog: &Node) -> GeoInfo {
        let datum_node = geog.child(DATUM);
        let ellipsoid = geog.find(ELLIPSOID);
        let mut names: Vec<&str> = Vec::new();
        if let Some(n) = geog.name() {
            names.push(n);
        }
        if let Some(n) = datum_node.and_then(Node::name) {
            names.push(n);
        }
        if let Some(n) = ellipsoid.and_then(Node::name) {
            names.push(n);
        }
        let joined: Vec<String> = names.iter().map(|n| norm(n)).collect();
        let any = |needles: &[&str]| {
            joined
                .iter()
                .any(|n| needles.iter().any(|needle| n.contains(needle)))
        };
        let (a, rf) = ellipsoid.map_or((None, None), |e| (e.number(1), e.number(2)));
        let close =
            |v: Option<f64>, target: f64, tol: f64| v.is_some_and(|v| (v - target).abs() <= tol);
        let datum = if any(&["xian", "西安", "iag1975"]) || close(a, 6_378_140.0, 0.5) {
            Datum::Xian1980
        } else if any(&["newbeijing", "新北京"]) {
            Datum::NewBeijing
        } else if any(&["beijing", "北京", "krasovsky", "krassowsky"]) || close(a, 6_378_245.0, 0.5)
        {
            Datum::Beijing1954
        } else if any(&[
            "cgcs2000",
            "cgcs",
            "china2000",
            "chinageodeticcoordinatesystem2000",
            "2000国家",
            "国家2000",
        ]) {
            Datum::Cgcs2000
        } else if any(&["wgs84", "wgs1984", "worldgeodeticsystem1984"]) {
            Datum::Wgs84
        } else {
            let a_std = close(a, CGCS2000_A, 1e-3);
            Datum::Unknown {
                grs80: a_std && close(rf, CGCS2000_RF, 1e-8),
                wgs84: a_std && close(rf, 298.257_223_563, 1e-8),
            }
        };
        let datum_name = datum_node.and_then(Node::name).unwrap_or("?");
        let names = format!(
            "GEOGCS \"{}\", DATUM \"{}\"",
            clip(geog.name().unwrap_or("?"), 80),
            clip(datum_name, 80)
        );
        GeoInfo { datum, names }
    }

    fn refuse_datum(info: &GeoInfo) -> GeoErrorKind {
        let what = match info.datum {
            Datum::Xian1980 => "Xian 1980 / 西安80",
            Datum::Beijing1954 => "Beijing 1954 / 北京54",
            Datum::NewBeijing => "New Beijing 1954 / 新北京54",
            Datum::Wgs84 => {
                "WGS 84 projected coordinates (only CGCS2000 is read as a plane) / WGS84 投影坐标"
            }
            _ => "an unknown datum / 未知基准",
        };
        unsupported(format!(
            "{what} ({}); guagou reads CGCS2000 only: convert the data to CGCS2000 first / 请先转换到 CGCS2000",
            info.names
        ))
    }

    /// Checks a GEOGCS: prime meridian Greenwich, angular unit degree.
    fn check_geog_units(geog: &Node) -> Result<(), GeoErrorKind> {
        if let Some(pm) = geog.find(PRIMEM)
            && let Some(lon) = pm.number(1)
            && lon.abs() > 1e-12
        {
            return Err(unsupported(format!(
                "prime meridian {lon} (not Greenwich) / 本初子午线不是格林尼治"
            )));
        }
        for unit in geog.children(&["UNIT", "ANGLEUNIT"]) {
            if let Some(f) = unit.number(1)
                && (f - 1f64.to_radians()).abs() > 1e-12
            {
                return Err(unsupported(format!(
                    "angular unit \"{}\" ({f} rad), not degrees / 角度单位不是度",
                    clip(unit.name().unwrap_or("?"), 40)
                )));
            }
        }
        Ok(())
    }

    fn geographic(geog: &Node) -> Result<Crs, GeoErrorKind> {
        let info = geo_info(geog);
        match info.datum {
            Datum::Cgcs2000
            | Datum::Wgs84
            | Datum::Unknown { grs80: true, .. }
            | Datum::Unknown { wgs84: true, .. } => {}
            _ => return Err(refuse_datum(&info)),
        }
        check_geog_units(geog)?;
        // WKT2 puts the angular unit in the CS/AXIS part.
        if let Some(unit) = geog.find(&["ANGLEUNIT"])
            && let Some(f) = unit.number(1)
            && (f - 1f64.to_radians()).abs() > 1e-12
        {
            return Err(unsupported(format!(
                "angular unit {f} rad, not degrees / 角度单位不是度"
            )));
        }
        Ok(Crs::Geographic)
    }

    /// A projection parameter in degrees or metres, converting WKT2 units written in the node.
    fn param_value(p: &Node) -> Option<f64> {
        let value = p.number(1)?;
        let unit = p.child(&["ANGLEUNIT", "LENGTHUNIT", "SCALEUNIT", "UNIT"]);
        Some(match unit {
            // Degrees stay as written: converting through radians would turn 111 into
            // 111.00000000000001 and spoil the exact zone arithmetic below.
            Some(u) if u.keyword == "ANGLEUNIT" => match u.number(1) {
                Some(f) if (f - 1f64.to_radians()).abs() > 1e-15 => (value * f).to_degrees(),
                _ => value,
            },
            Some(u) if u.keyword == "LENGTHUNIT" => u.number(1).map_or(value, |f| value * f),
            _ => value,
        })
    }

    #[derive(Default)]
    struct Params {
        central_meridian: Option<f64>,
        false_easting: Option<f64>,
        false_northing: Option<f64>,
        scale: Option<f64>,
        latitude_of_origin: Option<f64>,
    }

    fn collect_params(node: &Node, params: &mut Params) {
        for v in &node.args {
            let Value::Node(n) = v else { continue };
            if BASE_GEOGRAPHIC.contains(&n.keyword.as_str()) {
                continue;
            }
            if n.keyword == "PARAMETER" {
                let name = norm(n.name().unwrap_or_default());
                let value = param_value(n);
                let slot = match name.as_str() {
                    "centralmeridian"
                    | "longitudeofnaturalorigin"
                    | "longitudeoforigin"
                    | "longitudeofcenter"
                    | "longitudeofcentre" => &mut params.central_meridian,
                    "falseeasting" => &mut params.false_easting,
                    "falsenorthing" => &mut params.false_northing,
                    "scalefactor"
                    | "scalefactoratnaturalorigin"
                    | "scalefactoratcentralmeridian" => &mut params.scale,
                    "latitudeoforigin"
                    | "latitudeofnaturalorigin"
                    | "latitudeofcenter"
                    | "latitudeofcentre" => &mut params.latitude_of_origin,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = value;
                }
            } else {
                collect_params(n, params);
            }
        }
    }

    /// Digits following `key` in a normalised name (`cgcs20003degreegkzone36` → 36 for "zone").
    fn number_after(name: &str, key: &str) -> Option<u32> {
        let start = name.rfind(key)? + key.len();
        let digits: String = name[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    fn projected(root: &Node) -> Result<Crs, GeoErrorKind> {
        let name = root.name().unwrap_or_default();
        let nname = norm(name);
        let found = || format!("PROJCS \"{}\"", clip(name, 80));

        let geog = root
            .child(BASE_GEOGRAPHIC)
            .ok_or_else(|| GeoErrorKind::Missing {
                what: format!("GEOGCS in {} / 投影坐标系缺少地理坐标系", found()),
            })?;
        let info = geo_info(geog);
        match info.datum {
            Datum::Cgcs2000 | Datum::Unknown { grs80: true, .. } => {}
            _ => return Err(refuse_datum(&info)),
        }
        check_geog_units(geog)?;

        let method = root
            .child(&["PROJECTION"])
            .or_else(|| {
                root.child(&["CONVERSION"])
                    .and_then(|c| c.child(&["METHOD", "PROJECTION"]))
            })
            .and_then(Node::name)
            .unwrap_or_default();
        let nmethod = norm(method);
        let is_tm = ["gausskruger", "gausskrüger", "transversemercator", "tmerc"]
            .iter()
            .any(|m| nmethod == *m)
            || nmethod == "gausskrugertransversemercator";
        if !is_tm {
            return Err(unsupported(format!(
                "projection \"{}\" in {} (only Gauss–Krüger / Transverse Mercator) / 投影方式不是高斯-克吕格",
                clip(method, 60),
                found()
            )));
        }

        // Linear unit of the plane: WKT1 puts it on the PROJCS, WKT2 in the CS axes.
        let unit = root.child(&["UNIT", "LENGTHUNIT"]).or_else(|| {
            root.args.iter().find_map(|v| match v {
                Value::Node(n) if n.keyword == "AXIS" => n.child(&["LENGTHUNIT", "UNIT"]),
                _ => None,
            })
        });
        if let Some(u) = unit
            && let Some(f) = u.number(1)
            && (f - 1.0).abs() > 1e-12
        {
            return Err(unsupported(format!(
                "linear unit \"{}\" ({f} m), not metres, in {} / 长度单位不是米",
                clip(u.name().unwrap_or("?"), 40),
                found()
            )));
        }

        let mut params = Params::default();
        collect_params(root, &mut params);

        let is_6_degree_name = nname.contains("6degree") || nname.contains("6度");
        if is_6_degree_name {
            return Err(unsupported(format!(
                "a 6-degree Gauss–Krüger zone ({}) / 6 度带",
                found()
            )));
        }
        let name_zone = number_after(&nname, "zone");
        let name_cm =
            number_after(&nname, "cm").or_else(|| number_after(&nname, "centralmeridian"));

        let cm = match (params.central_meridian, name_cm, name_zone) {
            (Some(cm), _, _) => cm,
            (None, Some(cm), _) => f64::from(cm),
            (None, None, Some(zone)) => 3.0 * f64::from(zone),
            (None, None, None) => {
                return Err(GeoErrorKind::Missing {
                    what: format!(
                        "PARAMETER Central_Meridian in {} / 缺少中央子午线参数",
                        found()
                    ),
                });
            }
        };
        let k = params.scale.unwrap_or(1.0);
        if (k - 1.0).abs() > 1e-9 {
            return Err(unsupported(format!(
                "scale factor {k} in {} (Gauss–Krüger uses 1; 0.9996 is UTM) / 比例因子不是 1",
                found()
            )));
        }
        let fnorth = params.false_northing.unwrap_or(0.0);
        let lat0 = params.latitude_of_origin.unwrap_or(0.0);
        if fnorth.abs() > 1e-6 || lat0.abs() > 1e-9 {
            return Err(unsupported(format!(
                "false northing {fnorth} / latitude of origin {lat0} in {} (both must be 0) / 假北或原点纬度不为 0",
                found()
            )));
        }

        let zone_f = cm / 3.0;
        let zone_r = zone_f.round();
        let fe = match (params.false_easting, name_zone) {
            (Some(fe), _) => fe,
            (None, Some(zone)) => f64::from(zone) * 1e6 + 500_000.0,
            (None, None) if name_cm.is_some() => 500_000.0,
            (None, None) => {
                return Err(GeoErrorKind::Missing {
                    what: format!("PARAMETER False_Easting in {} / 缺少东偏移参数", found()),
                });
            }
        };
        // A False_Easting of p·10⁶ + 500 000 names the zone p; 13..=23 are 6-degree zones.
        let fe_prefix = ((fe - 500_000.0) / 1e6).round();
        let fe_is_prefixed = fe_prefix >= 1.0 && (fe - 500_000.0 - fe_prefix * 1e6).abs() < 1e-6;
        if fe_is_prefixed
            && (13.0..=23.0).contains(&fe_prefix)
            && (cm - (6.0 * fe_prefix - 3.0)).abs() < 1e-9
        {
            return Err(unsupported(format!(
                "a 6-degree Gauss–Krüger zone {fe_prefix} (central meridian {cm}°E, false easting {fe}) in {} / 6 度带",
                found()
            )));
        }
        if (zone_f - zone_r).abs() > 1e-9
            || zone_r < f64::from(MIN_ZONE)
            || zone_r > f64::from(MAX_ZONE)
        {
            return Err(unsupported(format!(
                "central meridian {cm}°E in {} is not a 3-degree zone meridian (3 × {MIN_ZONE}..{MAX_ZONE}, \
                 75°E–135°E) / 中央子午线 {cm}°E 不是 3 度带中央子午线",
                found()
            )));
        }
        // In 25..=45: exact.
        let zone = zone_r as u8;
        // ESRI names the 6-degree zones like the 3-degree ones without "3_Degree"
        // (`CGCS2000_GK_CM_105E`); a 6-degree central meridian under such a name is refused.
        let esri_6_degree_name = !nname.contains("3degree")
            && (nname.contains("gkcm")
                || nname.contains("gkzone")
                || nname.contains("gausskrugercm"))
            && ((cm + 3.0) / 6.0 - ((cm + 3.0) / 6.0).round()).abs() < 1e-9;
        if esri_6_degree_name {
            return Err(unsupported(format!(
                "a 6-degree Gauss–Krüger zone by its name ({}, central meridian {cm}°E) / 6 度带",
                found()
            )));
        }
        if (fe - 500_000.0).abs() < 1e-6 {
            return Ok(Crs::GaussKruger {
                zone,
                prefixed: false,
            });
        }
        if fe_is_prefixed && fe_prefix == zone_r {
            return Ok(Crs::GaussKruger {
                zone,
                prefixed: true,
            });
        }
        Err(unsupported(format!(
            "false easting {fe} in {} does not fit zone {zone} (central meridian {cm}°E): expected 500000 or {}500000 \
             / 东偏移 {fe} 与 {zone} 带不符",
            found(),
            zone
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_parser_handles_quotes_parens_and_errors() {
        let n = wkt::parse("  \u{feff}GEOGCS(\"a \"\"b\"\"\", AXIS[\"Lat\", NORTH], 1.5e0)\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(n.keyword, "GEOGCS");
        assert_eq!(n.name(), Some("a \"b\""));
        assert_eq!(n.number(2), Some(1.5));
        for bad in [
            "",
            "GEOGCS[",
            "GEOGCS[\"x\"",
            "GEOGCS[1,]",
            "GEOGCS[1)",
            "\"x\"",
            "GEOGCS[1] x",
            "GEOGCS[1e999]",
        ] {
            assert!(wkt::parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = format!("{}1{}", "A[".repeat(100), "]".repeat(100));
        assert!(wkt::parse(&deep).is_err());
    }

    #[test]
    fn zone_from_offset_bounds() {
        assert_eq!(zone_from_offset(0), Some(25));
        assert_eq!(zone_from_offset(20), Some(45));
        assert_eq!(zone_from_offset(21), None);
        assert_eq!(zone_from_offset(1000), None);
    }

    #[test]
    fn the_fast_zone_check_never_accepts_what_the_exact_check_refuses() {
        let plane = Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        };
        let Ok(exact) = Transformer::new(plane, Crs::Geographic) else {
            panic!("transformer");
        };
        for (offset, northing) in [
            (150_000.0, 1_000.0),
            (150_000.0, 4_400_000.0),
            (80_000.0, 4_400_001.0),
            (80_000.0, 6_600_000.0),
        ] {
            for sign in [-1.0, 1.0] {
                let easting = FALSE_EASTING + sign * offset;
                assert!(super::surely_inside_zone(easting, northing));
                assert!(
                    exact.source_lon_lat(easting, northing).is_ok(),
                    "{easting} {northing}"
                );
            }
        }
        assert!(!super::surely_inside_zone(
            FALSE_EASTING + 150_001.0,
            3_000_000.0
        ));
        assert!(!super::surely_inside_zone(FALSE_EASTING, 6_600_001.0));
        assert!(!super::surely_inside_zone(FALSE_EASTING, 999.0));
    }
}
