//! GeoJSON: RFC 7946 lon/lat, or a projected CRS declared with the legacy `crs` member.
//!
//! # Reading
//!
//! Accepted documents: a `FeatureCollection`, a single `Feature`, or a bare `Polygon` /
//! `MultiPolygon` geometry. Every feature must carry a `Polygon` or `MultiPolygon`; any other
//! geometry (or none) is an error naming the feature, never skipped.
//!
//! Assumptions, stated because files in the wild disagree:
//!
//! - Positions are `[x, y, ...]` with x = easting / longitude and y = northing / latitude,
//!   whatever axis order the EPSG definition of a declared CRS has (GDAL and every web tool write
//!   GeoJSON easting first). A third or further number (z, m) is ignored. When a coordinate
//!   fails its CRS check but would pass with the axes swapped, the error says so; the reader
//!   never swaps or reprojects by itself.
//! - No `crs` member means RFC 7946 longitude/latitude, read as CGCS2000 (EPSG:4490; WGS 84
//!   differs by centimetres). The legacy (2008) member is honoured in its `name` form
//!   (`urn:ogc:def:crs:EPSG::4545`, `EPSG:4545`, `CRS84`, …, via [`Crs::parse`]) and its
//!   `EPSG` form (`{"type":"EPSG","properties":{"code":4545}}`); `crs: null` counts as absent.
//!   A feature or geometry may repeat the member, but declaring a different CRS there is
//!   `MixedCrs`.
//! - In a polygon the first ring is the exterior and every further ring a hole (RFC 7946);
//!   ring numbers in errors count all rings of all polygons of the feature, from 1.
//! - Invalid geometry is an error. Only when asked ([`read_with`] with
//!   [`Repair::UnionParts`](super::Repair::UnionParts)) are the polygons of a feature that
//!   overlap or share edges merged instead, with warning `repaired_union_parts`
//!   (see [`crate::repair`]).
//! - The text is UTF-8 (a BOM is skipped); GBK text is accepted with a warning because Chinese
//!   desktop tools still produce it.
//! - Properties: every scalar becomes a text attribute (strings as they are, numbers in
//!   `serde_json`'s shortest form, so `12.50` reads as `12.5`, booleans as `true`/`false`);
//!   `null` is left out; arrays and objects are left out with one warning per key.
//! - The parcel name is the first non-blank of the properties in [`NAME_KEYS`] (exact key
//!   first, then ignoring ASCII case), else the feature `id`, else `#<n>` (1-based position).
//! - A top-level `metadata` object of scalars (a foreign member, which [`write`] emits for
//!   file-level attributes such as the ministry format's `[属性描述]`) is read into
//!   [`ParcelFile::metadata`]; other foreign members are ignored.
//!
//! Memory: coordinates are parsed straight into a compact tree (32 bytes per position)
//! instead of `serde_json::Value` (about 120), since a county layer can be large.
//!
//! # Writing
//!
//! [`write`] emits one `FeatureCollection`, one feature per line, in `target` (default
//! longitude/latitude with no `crs` member, as RFC 7946 wants; a projected target adds the
//! legacy member `urn:ogc:def:crs:EPSG::<code>`). Coordinates are written with full `f64`
//! precision (shortest round-trip form), not RFC 7946's suggested 6 decimals, so that
//! read → write → read is exact in the same CRS and sub-millimetre through a reprojection.
//! Exteriors are counter-clockwise, holes clockwise. Properties are the attributes as strings.
//! The name is not repeated as a property: it is already among the attributes (under the key
//! it was read from) unless it came from a feature `id` or elsewhere, and then it is written as
//! the feature `id`. Adding a `name` property instead would add an attribute on every round
//! trip; this way read → write → read gives identical parcels. A consumer finds the name by
//! the same rule the reader uses ([`parcel_name`], else `id`, else `#<n>`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use geo::Coord;
use geo::orient::{Direction, Orient};
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::crs::{self, Crs};
use crate::error::{GeoError, GeoErrorKind, Location, Warning};
use crate::model::{Parcel, ParcelFile};
use crate::{repair, validate};

use super::ReadOptions;

/// Attribute keys that name a parcel, in order of preference. Shared with the shapefile
/// reader, so that a parcel keeps its name through any format.
pub const NAME_KEYS: &[&str] = &[
    "name",
    "NAME",
    "名称",
    "地块名称",
    "MC",
    "DKMC",
    "编号",
    "地块编号",
    "DKBH",
    "id",
];

/// Reads a GeoJSON document without repairs.
pub fn read(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    read_with(label, bytes, &ReadOptions::default())
}

/// Reads a GeoJSON document with `options` (a repaired parcel gets a warning).
pub fn read_with(label: &str, bytes: &[u8], options: &ReadOptions) -> Result<ParcelFile, GeoError> {
    let mut warnings = Vec::new();
    let text = decode(label, bytes, &mut warnings)?;
    let mut root: RawObject = serde_json::from_slice(&text).map_err(|e| json_error(label, &e))?;

    let file_location = || Location::file(label);
    let file_crs = match root.crs.take() {
        Some(member) => parse_crs_member(&member)
            .map_err(|kind| GeoError::new(file_location().field("crs"), kind))?,
        None => Crs::Geographic,
    };
    let metadata = read_metadata(label, root.metadata.take())?;

    let root_type =
        type_name(&root.kind).map_err(|kind| GeoError::new(file_location().field("type"), kind))?;
    let features: Vec<RawObject> = match root_type.as_deref() {
        Some("FeatureCollection") => root.features.take().ok_or_else(|| {
            GeoError::new(
                file_location().field("features"),
                GeoErrorKind::Missing {
                    what: "the \"features\" array of the FeatureCollection / 要素集合缺少 features 数组".into(),
                },
            )
        })?,
        Some("Feature") => vec![root],
        Some("Polygon" | "MultiPolygon") => vec![RawObject {
            kind: Some(Value::String("Feature".into())),
            geometry: Some(Box::new(root)),
            ..RawObject::default()
        }],
        Some(
            t @ ("Point" | "MultiPoint" | "LineString" | "MultiLineString" | "GeometryCollection"),
        ) => {
            return Err(GeoError::new(
                file_location().record("#1").field("geometry"),
                unsupported_geometry(t),
            ));
        }
        Some(other) => {
            return Err(GeoError::new(
                file_location().field("type"),
                GeoErrorKind::UnsupportedFormat {
                    what: format!(
                        "GeoJSON type \"{}\" (expected FeatureCollection, Feature, Polygon or \
                         MultiPolygon) / 不支持的 GeoJSON 类型",
                        clip(other, 60)
                    ),
                },
            ));
        }
        None => {
            return Err(GeoError::new(
                file_location().field("type"),
                GeoErrorKind::UnsupportedFormat {
                    what: "JSON without a GeoJSON \"type\" member / 不是 GeoJSON（缺少 type）"
                        .into(),
                },
            ));
        }
    };

    let mut skipped_keys = BTreeSet::new();
    let mut parcels = Vec::with_capacity(features.len());
    for (index, feature) in features.into_iter().enumerate() {
        let parcel = read_feature(
            label,
            index + 1,
            feature,
            file_crs,
            options,
            &mut skipped_keys,
            &mut warnings,
        )?;
        parcels.push(parcel);
    }

    Ok(ParcelFile {
        source: label.to_string(),
        crs: file_crs,
        parcels,
        metadata,
        warnings,
    })
}

/// Writes a FeatureCollection in `target` (default: lon/lat, RFC 7946, no `crs` member).
pub fn write(file: &ParcelFile, target: Option<Crs>) -> Result<String, GeoError> {
    let target = target.unwrap_or(Crs::Geographic);
    let mut out = String::from("{\"type\":\"FeatureCollection\"");
    if target != Crs::Geographic {
        out.push_str(&format!(
            ",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{}\"}}}}",
            target.epsg()
        ));
    }
    if !file.metadata.is_empty() {
        out.push_str(",\"metadata\":");
        out.push_str(&to_json(&file.source, &file.metadata)?);
    }
    out.push_str(",\"features\":[");
    for (index, parcel) in file.parcels.iter().enumerate() {
        let location =
            || Location::file(file.source.clone()).record(record_label(index + 1, &parcel.name));
        let geometry = crs::transform_geometry(&parcel.geometry, file.crs, target)
            .map_err(|kind| GeoError::new(location(), kind))?;
        // Before orienting: geo's winding order panics on NaN.
        check_finite(&geometry).map_err(|kind| GeoError::new(location(), kind))?;
        let geometry = geometry.orient(Direction::Default);

        let mut rings_json: Vec<Vec<Vec<[f64; 2]>>> = Vec::with_capacity(geometry.0.len());
        for polygon in &geometry.0 {
            let mut rings = Vec::with_capacity(1 + polygon.interiors().len());
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let mut points = Vec::with_capacity(ring.0.len());
                for c in &ring.0 {
                    points.push([c.x, c.y]);
                }
                rings.push(points);
            }
            rings_json.push(rings);
        }
        if rings_json.is_empty() {
            return Err(GeoError::new(
                location().field("geometry"),
                GeoErrorKind::Missing {
                    what: "geometry (the parcel has no polygon) / 地块没有图形".into(),
                },
            ));
        }
        let geometry_json = if rings_json.len() == 1 {
            let only = rings_json.pop().unwrap_or_default();
            format!(
                "{{\"type\":\"Polygon\",\"coordinates\":{}}}",
                to_json(&file.source, &only)?
            )
        } else {
            format!(
                "{{\"type\":\"MultiPolygon\",\"coordinates\":{}}}",
                to_json(&file.source, &rings_json)?
            )
        };

        let properties: BTreeMap<&str, &str> = parcel
            .attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reread_name =
            parcel_name(&parcel.attributes).unwrap_or_else(|| format!("#{}", index + 1));

        out.push_str(if index == 0 { "\n" } else { ",\n" });
        out.push_str("{\"type\":\"Feature\",");
        if reread_name != parcel.name {
            out.push_str("\"id\":");
            out.push_str(&to_json(&file.source, &parcel.name)?);
            out.push(',');
        }
        out.push_str("\"properties\":");
        out.push_str(&to_json(&file.source, &properties)?);
        out.push_str(",\"geometry\":");
        out.push_str(&geometry_json);
        out.push('}');
    }
    out.push_str("\n]}\n");
    Ok(out)
}

/// Coordinates must be finite to be written: JSON has no NaN (serde_json would write `null`),
/// and geo's orientation code panics on NaN.
pub(crate) fn check_finite(geometry: &geo::MultiPolygon<f64>) -> Result<(), GeoErrorKind> {
    for polygon in &geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            if let Some(c) = ring.0.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return Err(GeoErrorKind::OutsideZone {
                    x: c.x,
                    y: c.y,
                    reason: "not a finite number / 坐标不是有限数值".into(),
                });
            }
        }
    }
    Ok(())
}

/// The parcel name the attributes give: the first non-blank value among [`NAME_KEYS`], exact
/// key first, then ignoring ASCII case (`Name`, `dkmc`). Trimmed of whitespace and NUL.
pub fn parcel_name(attributes: &BTreeMap<String, String>) -> Option<String> {
    // NUL too: dBase pads with it, so a name ending in NUL would not survive a .dbf.
    let usable = |v: &String| {
        let t = v.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        (!t.is_empty()).then(|| t.to_string())
    };
    NAME_KEYS
        .iter()
        .find_map(|key| attributes.get(*key).and_then(usable))
        .or_else(|| {
            NAME_KEYS.iter().find_map(|key| {
                attributes
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .and_then(|(_, v)| usable(v))
            })
        })
}

/// How a record is named in messages: `#3`, or `#3 东岳村1号` when it has a name of its own.
pub(crate) fn record_label(index: usize, name: &str) -> String {
    let placeholder = format!("#{index}");
    if name == placeholder || name.is_empty() {
        placeholder
    } else {
        format!("{placeholder} {name}")
    }
}

/// For an error message only: which supported CRS the coordinate would be valid in. guagou
/// never reads coordinates in a guessed CRS; this only tells the user what to declare.
pub(crate) fn crs_hint(x: f64, y: f64) -> Option<String> {
    if (70.0..=140.0).contains(&x) && (0.0..=60.0).contains(&y) {
        return Some(
            "they look like longitude/latitude (EPSG:4490) / 看似经纬度坐标 (EPSG:4490)".into(),
        );
    }
    if (1.0e7..1.0e8).contains(&x) {
        let zone = (x / 1.0e6).floor();
        // In 10..100 here, so the cast is exact.
        if let Ok(crs) = Crs::gauss_kruger(zone as u32, true)
            && crs.check_coordinate(x, y).is_ok()
        {
            return Some(format!(
                "they look like 3-degree Gauss–Krüger zone {zone} with the zone prefix ({}) / 看似带带号的 3 度带坐标 ({})",
                crs.label(),
                crs.label()
            ));
        }
    }
    if (0.0..1.0e6).contains(&x) && (0.0..7.0e6).contains(&y) {
        return Some(
            "they look like 3-degree Gauss–Krüger metres without a zone prefix (EPSG:4534–4554; \
             the zone cannot be told from the coordinates) / 看似不带带号的 3 度带坐标 (EPSG:4534–4554)"
                .into(),
        );
    }
    None
}

/// Adds to an `OutsideZone` error what the coordinate looks like: swapped axes, or another CRS.
pub(crate) fn explain_outside(kind: GeoErrorKind, crs: Crs) -> GeoErrorKind {
    match kind {
        GeoErrorKind::OutsideZone { x, y, reason } if x.is_finite() && y.is_finite() => {
            let hint = if crs.check_coordinate(y, x).is_ok() {
                Some(format!(
                    "the axes look swapped: x must be the easting/longitude and y the \
                     northing/latitude in {} / 坐标轴顺序可能颠倒",
                    crs.label()
                ))
            } else {
                crs_hint(x, y).map(|h| format!("{h}; declare that CRS / 请声明正确的坐标系"))
            };
            let reason = match hint {
                Some(h) => format!("{reason}; {h}"),
                None => reason,
            };
            GeoErrorKind::OutsideZone { x, y, reason }
        }
        other => other,
    }
}

/// Any GeoJSON object, with only the members guagou looks at. Members are typed loosely
/// (`Value`) where a wrong type should become an error naming the feature rather than a bare
/// JSON position.
#[derive(Deserialize, Default)]
struct RawObject {
    #[serde(rename = "type")]
    kind: Option<Value>,
    features: Option<Vec<RawObject>>,
    geometry: Option<Box<RawObject>>,
    coordinates: Option<Coords>,
    properties: Option<Value>,
    id: Option<Value>,
    crs: Option<Value>,
    metadata: Option<Value>,
}

/// GeoJSON `coordinates`, of any nesting. Anything unexpected is kept as `Bad` so that it is
/// reported with the feature, ring and point it belongs to.
enum Coords {
    Num(f64),
    Pos(Coord<f64>),
    List(Vec<Coords>),
    Bad(&'static str),
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CoordsVisitor)
    }
}

struct CoordsVisitor;

impl<'de> Visitor<'de> for CoordsVisitor {
    type Value = Coords;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }

    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Coords, E> {
        Ok(Coords::Bad("true/false"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Coords, E> {
        Ok(Coords::Bad("a string"))
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null"))
    }
    fn visit_none<E>(self) -> Result<Coords, E> {
        Ok(Coords::Bad("null"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Coords::Bad("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        // A position is kept as two numbers, not as a list of number nodes: that is where
        // the memory goes in a big file.
        let mut numbers = 0usize;
        let mut xy = [0.0f64; 2];
        let mut list = Vec::new();
        let mut bad = None;
        while let Some(item) = seq.next_element::<Coords>()? {
            match item {
                Coords::Num(v) if list.is_empty() => {
                    if let Some(slot) = xy.get_mut(numbers) {
                        *slot = v;
                    }
                    numbers += 1;
                }
                Coords::Num(_) => bad = Some("an array mixing numbers and arrays"),
                _ if numbers > 0 => bad = Some("a position holding something other than numbers"),
                other => list.push(other),
            }
        }
        Ok(match (bad, numbers) {
            (Some(what), _) => Coords::Bad(what),
            (None, 0) => Coords::List(list),
            (None, 1) => Coords::Bad("a position with only one number"),
            (None, _) => Coords::Pos(Coord { x: xy[0], y: xy[1] }),
        })
    }
}

/// The JSON text: the input itself when it is UTF-8 (no copy: county layers are big), else
/// decoded from GBK with a warning.
fn decode<'a>(
    label: &str,
    bytes: &'a [u8],
    warnings: &mut Vec<Warning>,
) -> Result<std::borrow::Cow<'a, [u8]>, GeoError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_ok() {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let text = super::decode_text(label, bytes)?;
    warnings.push(Warning {
        location: Location::file(label),
        code: "not_utf8",
        message_zh: "GeoJSON 不是 UTF-8 编码，已按 GBK 读取".into(),
        message_en: "the GeoJSON is not UTF-8; read as GBK".into(),
    });
    Ok(std::borrow::Cow::Owned(text.into_bytes()))
}

fn json_error(label: &str, e: &serde_json::Error) -> GeoError {
    let mut location = Location::file(label);
    if e.line() > 0 {
        location = location.line(e.line());
    }
    GeoError::new(
        location,
        GeoErrorKind::Syntax {
            reason: format!("JSON: {e}"),
        },
    )
}

fn to_json<T: serde::Serialize + ?Sized>(source: &str, value: &T) -> Result<String, GeoError> {
    serde_json::to_string(value).map_err(|e| {
        GeoError::new(
            Location::file(source),
            GeoErrorKind::Io {
                reason: format!("JSON serialisation: {e}"),
            },
        )
    })
}

fn type_name(kind: &Option<Value>) -> Result<Option<String>, GeoErrorKind> {
    match kind {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(GeoErrorKind::Syntax {
            reason: format!(
                "\"type\" must be a string, found {} / type 必须是字符串",
                json_kind(other)
            ),
        }),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

fn unsupported_geometry(t: &str) -> GeoErrorKind {
    GeoErrorKind::UnsupportedFormat {
        what: format!(
            "geometry type {} (only Polygon and MultiPolygon are parcels) / 几何类型 {} 不是面",
            clip(t, 40),
            clip(t, 40)
        ),
    }
}

/// The legacy `crs` member: `{"type":"name","properties":{"name":…}}` or
/// `{"type":"EPSG","properties":{"code":…}}`.
fn parse_crs_member(member: &Value) -> Result<Crs, GeoErrorKind> {
    let malformed = |why: &str| GeoErrorKind::Syntax {
        reason: format!(
            "the crs member {why}; expected {{\"type\":\"name\",\"properties\":{{\"name\":\
             \"urn:ogc:def:crs:EPSG::4545\"}}}} / crs 成员格式错误"
        ),
    };
    let Value::Object(object) = member else {
        return Err(malformed(&format!(
            "is {}, not an object",
            json_kind(member)
        )));
    };
    let properties = object.get("properties").and_then(Value::as_object);
    match object.get("type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("name") => {
            match properties
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
            {
                Some(name) => Crs::parse(name),
                None => Err(malformed("has no properties.name string")),
            }
        }
        Some(t) if t.eq_ignore_ascii_case("epsg") => match properties.and_then(|p| p.get("code")) {
            Some(Value::Number(n)) => Crs::parse(&n.to_string()),
            Some(Value::String(s)) => Crs::parse(s),
            _ => Err(malformed("has no properties.code")),
        },
        Some(t) if t.eq_ignore_ascii_case("link") => Err(GeoErrorKind::UnsupportedCrs {
            what: "a linked CRS (crs type \"link\") cannot be followed; declare it by name, \
                   e.g. urn:ogc:def:crs:EPSG::4545 / 不支持链接形式的坐标系声明"
                .into(),
        }),
        Some(t) => Err(malformed(&format!("has type \"{}\"", clip(t, 40)))),
        None => Err(malformed("has no \"type\" string")),
    }
}

fn read_metadata(
    label: &str,
    metadata: Option<Value>,
) -> Result<BTreeMap<String, String>, GeoError> {
    let mut out = BTreeMap::new();
    match metadata {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if let Some(text) = scalar_text(&v) {
                    out.insert(k, text);
                }
            }
        }
        Some(other) => {
            return Err(GeoError::new(
                Location::file(label).field("metadata"),
                GeoErrorKind::Syntax {
                    reason: format!(
                        "\"metadata\" must be an object, found {} / metadata 必须是对象",
                        json_kind(&other)
                    ),
                },
            ));
        }
    }
    Ok(out)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn read_feature(
    label: &str,
    index: usize,
    feature: RawObject,
    file_crs: Crs,
    options: &ReadOptions,
    skipped_keys: &mut BTreeSet<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Parcel, GeoError> {
    let placeholder = format!("#{index}");
    let bare = || Location::file(label).record(placeholder.clone());

    match type_name(&feature.kind).map_err(|kind| GeoError::new(bare().field("type"), kind))? {
        Some(t) if t == "Feature" => {}
        Some(t) => {
            return Err(GeoError::new(
                bare().field("type"),
                GeoErrorKind::UnsupportedFormat {
                    what: format!(
                        "a member of \"features\" of type {} (expected Feature) / features 中的对象不是 Feature",
                        clip(&t, 40)
                    ),
                },
            ));
        }
        None => {
            return Err(GeoError::new(
                bare().field("type"),
                GeoErrorKind::Missing {
                    what: "\"type\": \"Feature\" / 缺少 type".into(),
                },
            ));
        }
    }

    let mut attributes = BTreeMap::new();
    match feature.properties {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                match scalar_text(&value) {
                    Some(text) => {
                        attributes.insert(key, text);
                    }
                    None if value.is_null() => {}
                    None => {
                        if skipped_keys.insert(key.clone()) {
                            warnings.push(Warning {
                                location: bare().field(key.clone()),
                                code: "property_not_scalar",
                                message_zh: format!(
                                    "属性 {key} 是数组或对象，已忽略（所有要素的该属性均忽略）"
                                ),
                                message_en: format!(
                                    "property {key} is an array or object and is left out (in every feature)"
                                ),
                            });
                        }
                    }
                }
            }
        }
        Some(other) => {
            return Err(GeoError::new(
                bare().field("properties"),
                GeoErrorKind::Syntax {
                    reason: format!(
                        "\"properties\" must be an object, found {} / properties 必须是对象",
                        json_kind(&other)
                    ),
                },
            ));
        }
    }

    let name = parcel_name(&attributes)
        .or_else(|| match &feature.id {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| placeholder.clone());
    let location = || Location::file(label).record(record_label(index, &name));

    let Some(geometry) = feature.geometry else {
        return Err(GeoError::new(
            location().field("geometry"),
            GeoErrorKind::Missing {
                what: "geometry (the feature has none) / 要素没有几何图形".into(),
            },
        ));
    };

    for member in [&feature.crs, &geometry.crs].into_iter().flatten() {
        if member.is_null() {
            continue;
        }
        let crs = parse_crs_member(member)
            .map_err(|kind| GeoError::new(location().field("crs"), kind))?;
        if crs != file_crs {
            return Err(GeoError::new(
                location().field("crs"),
                GeoErrorKind::MixedCrs {
                    first: file_crs.label(),
                    other: crs.label(),
                },
            ));
        }
    }

    let geometry_type = type_name(&geometry.kind)
        .map_err(|kind| GeoError::new(location().field("geometry.type"), kind))?;
    let polygons: Vec<&Coords> = match (geometry_type.as_deref(), &geometry.coordinates) {
        (Some("Polygon"), Some(c)) => vec![c],
        (Some("MultiPolygon"), Some(Coords::List(list))) => {
            if list.is_empty() {
                return Err(GeoError::new(
                    location().field("geometry.coordinates"),
                    GeoErrorKind::Syntax {
                        reason: "the MultiPolygon has no polygons / 多面没有任何面".into(),
                    },
                ));
            }
            list.iter().collect()
        }
        (Some("MultiPolygon"), Some(_)) => {
            return Err(GeoError::new(
                location().field("geometry.coordinates"),
                GeoErrorKind::Syntax {
                    reason: "MultiPolygon coordinates must be an array of polygons / 坐标结构错误"
                        .into(),
                },
            ));
        }
        (Some("Polygon" | "MultiPolygon"), None) => {
            return Err(GeoError::new(
                location().field("geometry.coordinates"),
                GeoErrorKind::Missing {
                    what: "geometry \"coordinates\" / 缺少坐标".into(),
                },
            ));
        }
        (Some(t), _) => {
            return Err(GeoError::new(
                location().field("geometry"),
                unsupported_geometry(t),
            ));
        }
        (None, _) => {
            return Err(GeoError::new(
                location().field("geometry.type"),
                GeoErrorKind::Missing {
                    what: "geometry \"type\" / 几何缺少 type".into(),
                },
            ));
        }
    };

    let mut ring_number = 0usize;
    let mut labelled = Vec::with_capacity(polygons.len());
    for (polygon_index, polygon) in polygons.into_iter().enumerate() {
        let Coords::List(rings) = polygon else {
            return Err(GeoError::new(
                location().field(format!("polygon {}", polygon_index + 1)),
                GeoErrorKind::Syntax {
                    reason: "a polygon must be an array of rings / 面必须是环的数组".into(),
                },
            ));
        };
        if rings.is_empty() {
            return Err(GeoError::new(
                location().field(format!("polygon {}", polygon_index + 1)),
                GeoErrorKind::Syntax {
                    reason: "the polygon has no rings / 面没有任何环".into(),
                },
            ));
        }
        let mut exterior = None;
        let mut holes = Vec::with_capacity(rings.len().saturating_sub(1));
        for ring in rings {
            ring_number += 1;
            let points = ring_points(ring, ring_number)
                .map_err(|(field, kind)| GeoError::new(location().field(field), kind))?;
            let line =
                validate::ring_from_points(&points, ring_number, file_crs).map_err(|kind| {
                    GeoError::new(
                        location().field(format!("ring {ring_number}")),
                        explain_outside(kind, file_crs),
                    )
                })?;
            if exterior.is_none() {
                exterior = Some((ring_number, line));
            } else {
                holes.push((ring_number, line));
            }
        }
        if let Some(exterior) = exterior {
            labelled.push((exterior, holes));
        }
    }
    let assembled = repair::assemble_labelled(labelled, options.repair, file_crs)
        .map_err(|kind| GeoError::new(location().field("geometry"), kind))?;
    if let Some(repaired) = &assembled.repaired {
        warnings.push(super::union_parts_warning(
            location().field("geometry"),
            file_crs,
            &assembled.geometry,
            repaired,
        ));
    }
    let geometry = assembled.geometry;

    Ok(Parcel {
        name,
        attributes,
        geometry,
    })
}

fn ring_points(
    ring: &Coords,
    ring_number: usize,
) -> Result<Vec<Coord<f64>>, (String, GeoErrorKind)> {
    let syntax = |field: String, reason: String| (field, GeoErrorKind::Syntax { reason });
    let list = match ring {
        Coords::List(list) => list,
        Coords::Pos(_) | Coords::Num(_) => {
            return Err(syntax(
                format!("ring {ring_number}"),
                "a ring must be an array of positions, found a single position or number / 环必须是坐标点数组"
                    .into(),
            ));
        }
        Coords::Bad(what) => {
            return Err(syntax(
                format!("ring {ring_number}"),
                format!("a ring must be an array of positions, found {what} / 环必须是坐标点数组"),
            ));
        }
    };
    let mut points = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item {
            Coords::Pos(c) => points.push(*c),
            Coords::List(_) => {
                return Err(syntax(
                    format!("ring {ring_number} point {}", i + 1),
                    "a position must be [x, y], found a nested array (is this a MultiPolygon \
                     declared as Polygon?) / 坐标点必须是 [x, y]"
                        .into(),
                ));
            }
            Coords::Num(_) => {
                return Err(syntax(
                    format!("ring {ring_number} point {}", i + 1),
                    "a position must be [x, y], found a bare number / 坐标点必须是 [x, y]".into(),
                ));
            }
            Coords::Bad(what) => {
                return Err(syntax(
                    format!("ring {ring_number} point {}", i + 1),
                    format!("a position must be [x, y], found {what} / 坐标点必须是 [x, y]"),
                ));
            }
        }
    }
    Ok(points)
}
