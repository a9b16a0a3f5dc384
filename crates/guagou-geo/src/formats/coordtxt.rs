//! The ministry coordinate text format (部标坐标文件): `[属性描述]` key=value lines, then
//! `[地块坐标]` with, per parcel, a header `点数,面积(公顷),编号,名称,图形属性,图幅号,用途,地类编码,@`
//! and point lines `J<n>,<圈号>,<X northing>,<Y easting>`.
//!
//! # Reading
//!
//! Assumptions, stated because files in the wild disagree:
//!
//! - Text is UTF-8 (BOM skipped) or GBK/GB18030. Line ends LF or CRLF; blank lines anywhere are
//!   skipped; keys, values and fields are trimmed (including full-width spaces).
//! - Sections are lines `[name]`. Non-blank lines before the first section are a `Syntax`
//!   error; an unknown section is skipped with a warning. Without `[地块坐标]` the file is
//!   `Missing` that section. `[属性描述]` lines are `key=value` (`＝` accepted); a key repeated
//!   with another value is a `Syntax` error.
//! - In `[地块坐标]` a line ending in `@` (or `@,`) is a parcel header; every other line is a point of the
//!   last header (a point before any header is a `Syntax` error). A parcel is read up to the next
//!   header, whatever its header says about the point count: the count may include the closing
//!   points or not (both accepted silently); a count matching neither is warning
//!   `point_count_differs`.
//! - Header fields are split on ASCII commas (a line without any ASCII comma on `，`), since
//!   names may contain the Chinese comma. Fewer than 8 fields: the missing attributes are
//!   absent; more: warning `extra_fields`, extras ignored. 图形属性 `线`/`点` (line/point
//!   features) is `UnsupportedFormat`.
//! - Point lines are `点号,圈号,X,Y` split on `,` or `，` (they hold only numbers and a point
//!   label, so either comma is safe); trailing empty fields are ignored. The point number may be
//!   `J`-prefixed or bare (or any label: it is only used in messages). 圈号 is a positive
//!   integer; consecutive points with the same 圈号 form one ring, and a 圈号 that comes back
//!   after another ring is a `Syntax` error, as is a ring that closes (repeats its first point
//!   after at least three points) and then goes on under the same 圈号: the reader never guesses
//!   where an unnumbered ring starts. Coordinates that are not finite (`NaN`, `inf`) are
//!   `OutsideZone`.
//! - Each ring must end on its first point (`UnclosedRing` otherwise; never closed silently).
//!   The first ring is an exterior; the role of a further ring follows from where it lies
//!   ([`validate::assemble_by_containment`]): inside an exterior → hole, outside all → another
//!   part (飞地); crossing → `CrossingRings`. Errors name the ring by its 圈号. Only when
//!   asked ([`read_with`] with [`Repair::UnionParts`](super::Repair::UnionParts)) are rings
//!   that lie outside each other but share edges (parts drawn edge to edge) merged instead,
//!   with warning `repaired_union_parts`; overlapping rings stay `CrossingRings`, since such
//!   a ring could as well be a hole drawn across its shell (see [`crate::repair`]).
//! - Coordinate system: 坐标系 naming 西安80/1980/北京54/1954 (or a local/independent
//!   system) is `UnsupportedCrs`; an unrecognised name is read as CGCS2000 with warning
//!   `crs_name_unrecognised`, a missing one with `crs_assumed`. 几度分带 other than 3,
//!   计量单位 other than metres, 投影类型 UTM: `UnsupportedCrs`. 转换参数 with values is kept in
//!   the metadata with warning `transform_parameters_ignored` (nothing is transformed).
//! - Zone: an easting ≥ 10⁷ carries the zone prefix ⌊easting / 10⁶⌋. All points of the file
//!   must agree on the prefix (or its absence), else `MixedCrs` at the first disagreeing point.
//!   The prefix is cross-checked with 带号 and with a `中央子午线`/`中央经线` key
//!   (`ZoneMismatch`); 带号 and the central meridian disagreeing is `MixedCrs`. Without a
//!   prefix the zone comes from 带号, else from the central meridian, else `ZoneUnknown`.
//!   Every point is then checked to lie in its zone (`OutsideZone`, with a hint when X and Y
//!   look swapped).
//! - Geometry is kept in the file's CRS: x = easting (with its prefix if the file has one),
//!   y = northing. The stated area (公顷) is compared with the planar area of the geometry;
//!   a difference above 0.1 % of the computed area is warning `stated_area_differs`; a stated
//!   area that is not a number is warning `stated_area_unreadable`.
//! - Parcel name: 地块名称, else 地块编号, else `#<n>` (1-based). Attributes: the header fields
//!   present in the line (also when empty), keyed 界址点数, 地块面积, 地块编号, 地块名称,
//!   图形属性, 图幅号, 地块用途, 地类编码. Metadata: every `[属性描述]` key.
//! - Limits: more than [`MAX_POINTS`] points or [`MAX_PARCELS`] parcels is `TooLarge`.
//!
//! # Writing
//!
//! [`write`] emits UTF-8 with CRLF line ends (ministry tools run on Windows and some split on
//! CRLF only; every reader, this one included, accepts CRLF). [`write_gbk`] gives the same text
//! in GBK, as most real submissions are. Coordinates: zone-prefixed Gauss–Krüger, 3 decimals
//! (mm), reprojected when the file is in another CRS. `[属性描述]` keeps the file's metadata
//! (format version, producer, date and any other key) but the CRS keys are what is written
//! (2000国家大地坐标系, 3-degree, 高斯克吕格, 米, 带号, 精度=0.001, empty 转换参数).
//!
//! Per parcel: the header with the number of point lines *including* closing points, the planar
//! area in 公顷 with 4 decimals (both recomputed, so they may differ from the attributes read),
//! 地块编号/地块名称/图幅号/地块用途/地类编码 from the attributes (地块名称 falls back to the
//! parcel name unless that is the 地块编号 or a `#<n>` placeholder), 图形属性 `面`. Points are
//! numbered J1, J2, … continuously through the parcel, each ring closed by repeating its first
//! point's number; exteriors clockwise on the map (the surveyors' habit) and holes
//! counter-clockwise; 圈号 1, 2, … with each exterior followed by its holes and a part that is
//! not inside another part first. Reading it back gives the same geometry (to the millimetre)
//! and the same names and attributes except the recomputed 界址点数 and 地块面积. Attributes
//! outside the eight header fields cannot be written and are dropped. A value that the format
//! cannot hold (an ASCII comma or a line break in a header field or in metadata) is a `Syntax`
//! error rather than an altered value.

// The public signatures return `GeoError` as `formats` defines them; errors end a read, so their
// size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use geo::{Centroid, Coord, LineString, MultiPolygon, Polygon};

use crate::area::planar_area_m2;
use crate::crs::{Crs, Transformer, transform_geometry};
use crate::error::{GeoError, GeoErrorKind, Location, Warning};
use crate::formats::{ReadOptions, decode_text};
use crate::model::{Parcel, ParcelFile};
use crate::{repair, validate};

/// Most coordinate points a file may hold (about 400 MB of text; a county-wide layer belongs
/// in a Shapefile).
pub const MAX_POINTS: usize = 10_000_000;
/// Most parcels a file may hold.
pub const MAX_PARCELS: usize = 1_000_000;

/// The header fields in order, as attribute keys.
pub const FIELDS: [&str; 8] = [
    "界址点数",
    "地块面积",
    "地块编号",
    "地块名称",
    "图形属性",
    "图幅号",
    "地块用途",
    "地类编码",
];

const SECTION_ATTRIBUTES: &str = "属性描述";
const SECTION_PARCELS: &str = "地块坐标";

/// A stated area within this fraction of the computed one is accepted silently.
const AREA_TOLERANCE: f64 = 0.001;

/// Reads a coordinate text file (UTF-8 or GBK).
pub fn read(label: &str, bytes: &[u8]) -> Result<ParcelFile, GeoError> {
    read_with_limits(label, bytes, Limits::DEFAULT, &ReadOptions::default())
}

/// [`read`] with `options` (a repaired parcel gets a warning). In this format only parts
/// (rings outside each other) that share edges can be merged; see [`crate::repair`].
pub fn read_with(label: &str, bytes: &[u8], options: &ReadOptions) -> Result<ParcelFile, GeoError> {
    read_with_limits(label, bytes, Limits::DEFAULT, options)
}

/// Size limits, separate so tests can exercise them without a 10-million-line file.
#[derive(Clone, Copy)]
struct Limits {
    points: usize,
    parcels: usize,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        points: MAX_POINTS,
        parcels: MAX_PARCELS,
    };
}

fn read_with_limits(
    label: &str,
    bytes: &[u8],
    limits: Limits,
    options: &ReadOptions,
) -> Result<ParcelFile, GeoError> {
    let text = decode_text(label, bytes)?;
    let mut warnings = Vec::new();
    let raw = parse(label, &text, limits, &mut warnings)?;
    let crs = resolve_crs(label, &raw, &mut warnings)?;
    check_points(label, &text, &raw.parcels, crs)?;
    let metadata = raw
        .metadata
        .into_iter()
        .map(|(k, entry)| (k, entry.value))
        .collect();
    let mut parcels = Vec::with_capacity(raw.parcels.len());
    for parcel in raw.parcels {
        parcels.push(build_parcel(label, parcel, crs, options, &mut warnings)?);
    }
    Ok(ParcelFile {
        source: label.to_string(),
        crs,
        parcels,
        metadata,
        warnings,
    })
}

/// Writes the format: Gauss–Krüger with zone prefix (zone of `target`, else the file's zone,
/// else the zone of the parcels' centroid longitude).
///
/// UTF-8 text with CRLF line ends. A geographic `target` is `UnsupportedCrs` (the format holds
/// projected coordinates only).
pub fn write(file: &ParcelFile, target: Option<Crs>) -> Result<String, GeoError> {
    let location = || Location::file(file.source.clone());
    let zone = match (target, file.crs) {
        (Some(Crs::GaussKruger { zone, .. }), _) | (None, Crs::GaussKruger { zone, .. }) => zone,
        (Some(Crs::Geographic), _) => {
            return Err(GeoError::new(
                location(),
                GeoErrorKind::UnsupportedCrs {
                    what: "longitude/latitude: the ministry coordinate file holds Gauss–Krüger \
                           coordinates only / 部标坐标文件只能使用高斯-克吕格平面坐标"
                        .into(),
                },
            ));
        }
        (None, Crs::Geographic) => {
            centroid_zone(file).map_err(|kind| GeoError::new(location(), kind))?
        }
    };
    let out_crs =
        Crs::gauss_kruger(u32::from(zone), true).map_err(|kind| GeoError::new(location(), kind))?;

    let mut out = String::new();
    write_metadata(&mut out, file, zone)?;
    out.push_str("[地块坐标]\r\n");
    for (index, parcel) in file.parcels.iter().enumerate() {
        let record = || location().record(parcel.name.clone());
        let geometry = transform_geometry(&parcel.geometry, file.crs, out_crs)
            .map_err(|kind| GeoError::new(record(), kind))?;
        write_parcel(&mut out, index, parcel, &geometry)
            .map_err(|(field, kind)| GeoError::new(with_field(record(), field), kind))?;
    }
    Ok(out)
}

/// [`write`], encoded in GBK as ministry desktop tools expect. A character GBK cannot hold is
/// `Encoding`, naming the character.
pub fn write_gbk(file: &ParcelFile, target: Option<Crs>) -> Result<Vec<u8>, GeoError> {
    let text = write(file, target)?;
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(&text);
    if had_errors {
        let bad = text
            .chars()
            .find(|c| encoding_rs::GBK.encode(&c.to_string()).2)
            .unwrap_or('\u{fffd}');
        return Err(GeoError::new(
            Location::file(file.source.clone())
                .field(format!("字符/character '{bad}' (U+{:04X})", u32::from(bad))),
            GeoErrorKind::Encoding,
        ));
    }
    Ok(bytes.into_owned())
}

// ---------------------------------------------------------------------------------------------
// Reading: text → raw parcels
// ---------------------------------------------------------------------------------------------

struct Entry {
    value: String,
    line: usize,
}

struct Raw {
    metadata: BTreeMap<String, Entry>,
    parcels: Vec<RawParcel>,
}

struct RawParcel {
    name: String,
    line: usize,
    attributes: BTreeMap<String, String>,
    rings: Vec<RawRing>,
    used_rings: BTreeSet<u32>,
}

struct RawRing {
    number: u32,
    /// (x = easting, y = northing) and the 1-based line of each point.
    points: Vec<(Coord<f64>, usize)>,
    /// The last point repeated the first after at least three points.
    closed: bool,
}

#[derive(PartialEq)]
enum Section {
    None,
    Attributes,
    Parcels,
    Unknown,
}

fn parse(
    label: &str,
    text: &str,
    limits: Limits,
    warnings: &mut Vec<Warning>,
) -> Result<Raw, GeoError> {
    let mut raw = Raw {
        metadata: BTreeMap::new(),
        parcels: Vec::new(),
    };
    let mut section = Section::None;
    let mut saw_parcels_section = false;
    let mut total_points = 0usize;
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let at = || Location::file(label).line(number);
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = match name.trim() {
                SECTION_ATTRIBUTES => Section::Attributes,
                SECTION_PARCELS => {
                    saw_parcels_section = true;
                    Section::Parcels
                }
                other => {
                    warnings.push(warning(
                        at(),
                        "unknown_section",
                        format!("未知的节 [{}]，已跳过", clip(other, 40)),
                        format!("unknown section [{}] skipped", clip(other, 40)),
                    ));
                    Section::Unknown
                }
            };
            continue;
        }
        match section {
            Section::None => {
                return Err(GeoError::new(
                    at(),
                    syntax(format!(
                        "text before the first section ([属性描述] or [地块坐标]): '{}' / 第一节之前有多余内容",
                        clip(trimmed, 40)
                    )),
                ));
            }
            Section::Unknown => {}
            Section::Attributes => parse_attribute(label, number, trimmed, &mut raw.metadata)?,
            Section::Parcels => {
                if is_header(trimmed) {
                    if raw.parcels.len() >= limits.parcels {
                        let max = limits.parcels;
                        return Err(GeoError::new(
                            at(),
                            GeoErrorKind::TooLarge {
                                what: format!("more than {max} parcels / 地块数超过 {max}"),
                            },
                        ));
                    }
                    let parcel =
                        parse_header(label, number, trimmed, raw.parcels.len() + 1, warnings)?;
                    raw.parcels.push(parcel);
                } else {
                    total_points += 1;
                    if total_points > limits.points {
                        let max = limits.points;
                        return Err(GeoError::new(
                            at(),
                            GeoErrorKind::TooLarge {
                                what: format!(
                                    "more than {max} coordinate points / 坐标点数超过 {max}"
                                ),
                            },
                        ));
                    }
                    let Some(parcel) = raw.parcels.last_mut() else {
                        return Err(GeoError::new(
                            at(),
                            syntax(
                                "a point line before any parcel header (a line ending in '@') / \
                                 坐标点之前没有地块头行（以 @ 结尾的行）"
                                    .into(),
                            ),
                        ));
                    };
                    parse_point(label, number, trimmed, parcel)?;
                }
            }
        }
    }
    if !saw_parcels_section {
        return Err(GeoError::new(
            Location::file(label),
            GeoErrorKind::Missing {
                what: "section [地块坐标] (parcel coordinates) / 缺少 [地块坐标] 节".into(),
            },
        ));
    }
    if raw.parcels.is_empty() {
        warnings.push(warning(
            Location::file(label),
            "no_parcels",
            "[地块坐标] 中没有地块".into(),
            "the [地块坐标] section holds no parcels".into(),
        ));
    }
    Ok(raw)
}

/// A parcel header ends in `@` (a stray comma after it is tolerated).
fn is_header(line: &str) -> bool {
    line.trim_end_matches([',', '，', ' ', '\t']).ends_with('@')
}

fn parse_attribute(
    label: &str,
    line: usize,
    text: &str,
    metadata: &mut BTreeMap<String, Entry>,
) -> Result<(), GeoError> {
    let Some((key, value)) = text.split_once(['=', '＝']) else {
        return Err(GeoError::new(
            Location::file(label).line(line),
            syntax(format!(
                "expected key=value in [属性描述], found '{}' / [属性描述] 中应为 键=值",
                clip(text, 40)
            )),
        ));
    };
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() {
        return Err(GeoError::new(
            Location::file(label).line(line),
            syntax("a key=value line without a key / 键为空".into()),
        ));
    }
    match metadata.get(key) {
        Some(previous) if previous.value != value => Err(GeoError::new(
            Location::file(label).line(line).field(key),
            syntax(format!(
                "'{key}' is given twice with different values ('{}' at line {} and '{}') / \
                 {key} 重复且取值不同",
                clip(&previous.value, 40),
                previous.line,
                clip(value, 40)
            )),
        )),
        Some(_) => Ok(()),
        None => {
            metadata.insert(
                key.to_string(),
                Entry {
                    value: value.to_string(),
                    line,
                },
            );
            Ok(())
        }
    }
}

fn parse_header(
    label: &str,
    line: usize,
    text: &str,
    ordinal: usize,
    warnings: &mut Vec<Warning>,
) -> Result<RawParcel, GeoError> {
    let text = text.trim_end_matches([',', '，', ' ', '\t']);
    let body = text.strip_suffix('@').unwrap_or(text).trim_end();
    let body = body
        .strip_suffix(',')
        .or_else(|| body.strip_suffix('，'))
        .unwrap_or(body);
    let separator = if body.contains(',') { ',' } else { '，' };
    let mut attributes = BTreeMap::new();
    let mut extra = 0usize;
    if !body.trim().is_empty() {
        for (i, field) in body.split(separator).enumerate() {
            match FIELDS.get(i) {
                Some(key) => {
                    attributes.insert((*key).to_string(), field.trim().to_string());
                }
                None => extra += 1,
            }
        }
    }
    let non_empty = |key: &str| attributes.get(key).filter(|v| !v.is_empty()).cloned();
    let name = non_empty("地块名称")
        .or_else(|| non_empty("地块编号"))
        .unwrap_or_else(|| format!("#{ordinal}"));
    let at = || Location::file(label).record(name.clone()).line(line);
    if extra > 0 {
        warnings.push(warning(
            at(),
            "extra_fields",
            format!("地块头行多出 {extra} 个字段，已忽略"),
            format!("the parcel header has {extra} fields beyond the 8 of the format; ignored"),
        ));
    }
    if let Some(kind) = non_empty("图形属性") {
        match kind.to_lowercase().as_str() {
            "面" | "polygon" => {}
            "线" | "点" | "line" | "point" => {
                return Err(GeoError::new(
                    at().field("图形属性"),
                    GeoErrorKind::UnsupportedFormat {
                        what: format!(
                            "图形属性 '{kind}': only polygons (面) are parcels / 只支持面状地块"
                        ),
                    },
                ));
            }
            _ => warnings.push(warning(
                at().field("图形属性"),
                "shape_type_unexpected",
                format!("图形属性 '{}' 不是“面”，按面读取", clip(&kind, 20)),
                format!(
                    "图形属性 '{}' is not 面 (polygon); read as a polygon",
                    clip(&kind, 20)
                ),
            )),
        }
    }
    Ok(RawParcel {
        name,
        line,
        attributes,
        rings: Vec::new(),
        used_rings: BTreeSet::new(),
    })
}

fn parse_point(
    label: &str,
    line: usize,
    text: &str,
    parcel: &mut RawParcel,
) -> Result<(), GeoError> {
    let at = || Location::file(label).record(parcel.name.clone()).line(line);
    let mut fields: Vec<&str> = text.split([',', '，']).map(str::trim).collect();
    while fields.len() > 4 && fields.last().is_some_and(|f| f.is_empty()) {
        fields.pop();
    }
    let [point, ring, north, east] = fields.as_slice() else {
        return Err(GeoError::new(
            at(),
            syntax(format!(
                "a point line needs 4 fields 点号,圈号,X,Y, found {}: '{}' / 坐标行应有 4 个字段",
                fields.len(),
                clip(text, 60)
            )),
        ));
    };
    let point_field = |ring: &str| format!("圈号 {ring} 点 {}", clip(point, 20));
    let ring_number: u32 = match ring.parse() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(GeoError::new(
                at().field(point_field(ring)),
                syntax(format!(
                    "圈号 '{}' is not a positive whole number / 圈号必须是正整数",
                    clip(ring, 20)
                )),
            ));
        }
    };
    let coordinate = |text: &str, axis: &str| -> Result<f64, GeoError> {
        let value: f64 = text.parse().map_err(|_| {
            GeoError::new(
                at().field(point_field(ring)),
                syntax(format!(
                    "{axis} '{}' is not a number / {axis} 坐标不是数字",
                    clip(text, 30)
                )),
            )
        })?;
        Ok(value)
    };
    let y = coordinate(north, "X")?;
    let x = coordinate(east, "Y")?;
    if !x.is_finite() || !y.is_finite() {
        return Err(GeoError::new(
            at().field(point_field(ring)),
            GeoErrorKind::OutsideZone {
                x,
                y,
                reason: "not a finite number / 坐标不是有限数值".into(),
            },
        ));
    }
    let c = Coord { x, y };
    match parcel.rings.last_mut() {
        Some(current) if current.number == ring_number => {
            let first = current.points.first().map(|p| p.0);
            if current.closed && first != Some(c) {
                let closed_at = current.points.last().map(|p| p.1).unwrap_or(line);
                return Err(GeoError::new(
                    at().field(point_field(ring)),
                    syntax(format!(
                        "圈号 {ring_number} closes at line {closed_at} (its first point repeated) but goes \
                         on; give each ring its own 圈号 / 第 {ring_number} 圈已在第 {closed_at} 行闭合，\
                         其后的点应使用新的圈号"
                    )),
                ));
            }
            current.points.push((c, line));
            current.closed = current.points.len() >= 4 && first == Some(c);
        }
        _ => {
            if !parcel.used_rings.insert(ring_number) {
                return Err(GeoError::new(
                    at().field(point_field(ring)),
                    syntax(format!(
                        "圈号 {ring_number} comes back after another ring; a ring's points must be \
                         consecutive / 第 {ring_number} 圈的点不连续"
                    )),
                ));
            }
            parcel.rings.push(RawRing {
                number: ring_number,
                points: vec![(c, line)],
                closed: false,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading: the coordinate system
// ---------------------------------------------------------------------------------------------

fn resolve_crs(label: &str, raw: &Raw, warnings: &mut Vec<Warning>) -> Result<Crs, GeoError> {
    let meta = |key: &str| raw.metadata.get(key).filter(|e| !e.value.is_empty());
    let at = |key: &str, entry: &Entry| Location::file(label).field(key).line(entry.line);
    let unsupported = |key: &str, entry: &Entry, what: String| {
        GeoError::new(at(key, entry), GeoErrorKind::UnsupportedCrs { what })
    };

    if let Some(entry) = meta("几度分带") {
        match parse_zone_width(&entry.value) {
            Some(3) => {}
            Some(width) => {
                return Err(unsupported(
                    "几度分带",
                    entry,
                    format!(
                        "{width}-degree zones: only 3-degree Gauss–Krüger zones are supported / \
                         仅支持 3 度分带，文件为 {width} 度分带"
                    ),
                ));
            }
            None => {
                return Err(GeoError::new(
                    at("几度分带", entry),
                    syntax(format!(
                        "几度分带 '{}' is not a number / 几度分带不是数字",
                        clip(&entry.value, 20)
                    )),
                ));
            }
        }
    }

    match meta("坐标系") {
        None => warnings.push(warning(
            Location::file(label).field("坐标系"),
            "crs_assumed",
            "未声明坐标系，按 2000 国家大地坐标系读取".into(),
            "no 坐标系 declared; read as CGCS2000".into(),
        )),
        Some(entry) => match classify_datum(&entry.value) {
            Datum::Cgcs2000 => {}
            Datum::Refused(what) => {
                return Err(unsupported(
                    "坐标系",
                    entry,
                    format!(
                        "{} ({what}); guagou reads CGCS2000 only / 仅支持 2000 国家大地坐标系",
                        clip(&entry.value, 40)
                    ),
                ));
            }
            Datum::Unknown => warnings.push(warning(
                at("坐标系", entry),
                "crs_name_unrecognised",
                format!(
                    "无法识别的坐标系名称“{}”，按 2000 国家大地坐标系读取",
                    clip(&entry.value, 40)
                ),
                format!(
                    "unrecognised 坐标系 '{}'; read as CGCS2000",
                    clip(&entry.value, 40)
                ),
            )),
        },
    }

    if let Some(entry) = meta("计量单位") {
        let unit = entry.value.to_lowercase();
        if !matches!(
            unit.as_str(),
            "米" | "m" | "meter" | "metre" | "meters" | "metres" | "公尺"
        ) {
            return Err(unsupported(
                "计量单位",
                entry,
                format!(
                    "unit '{}': coordinates must be in metres / 坐标单位必须是米",
                    clip(&entry.value, 20)
                ),
            ));
        }
    }

    if let Some(entry) = meta("投影类型") {
        let projection = entry.value.to_lowercase();
        if projection.contains("utm") || projection.contains("通用") {
            return Err(unsupported(
                "投影类型",
                entry,
                format!(
                    "projection '{}': UTM is not Gauss–Krüger / 不支持 UTM 投影",
                    clip(&entry.value, 30)
                ),
            ));
        }
        let known = ["高斯", "gauss", "gk", "横轴墨卡托", "transverse"];
        if !known.iter().any(|k| projection.contains(k)) {
            warnings.push(warning(
                at("投影类型", entry),
                "projection_unrecognised",
                format!(
                    "无法识别的投影类型“{}”，按高斯-克吕格读取",
                    clip(&entry.value, 30)
                ),
                format!(
                    "unrecognised 投影类型 '{}'; read as Gauss–Krüger",
                    clip(&entry.value, 30)
                ),
            ));
        }
    }

    if let Some(entry) = meta("转换参数") {
        let has_values = entry.value.split([',', '，']).any(|v| {
            let v = v.trim();
            !v.is_empty() && v.parse::<f64>() != Ok(0.0)
        });
        if has_values {
            warnings.push(warning(
                at("转换参数", entry),
                "transform_parameters_ignored",
                "转换参数未被使用：坐标按原样读取".into(),
                "the transformation parameters (转换参数) are not applied; coordinates are read as they are".into(),
            ));
        }
    }

    let prefix = file_prefix(label, &raw.parcels)?;

    let declared = match meta("带号") {
        Some(entry) => match parse_zone_number(&entry.value) {
            Some(zone) => Some((zone, entry)),
            None => {
                return Err(GeoError::new(
                    at("带号", entry),
                    syntax(format!(
                        "带号 '{}' is not a whole number / 带号不是整数",
                        clip(&entry.value, 20)
                    )),
                ));
            }
        },
        None => None,
    };
    let meridian_key = ["中央子午线", "中央经线"]
        .into_iter()
        .find(|k| meta(k).is_some());
    let from_meridian = match meridian_key.and_then(|k| meta(k).map(|e| (k, e))) {
        Some((key, entry)) => match parse_degrees(&entry.value) {
            Some(deg) if (deg / 3.0).fract().abs() < 1e-9 && deg > 0.0 && deg < 360.0 => {
                // A multiple of 3 below 360: the cast is exact.
                Some(((deg / 3.0).round() as u32, key, entry))
            }
            Some(deg) => {
                return Err(unsupported(
                    key,
                    entry,
                    format!(
                        "central meridian {deg}° is not that of a 3-degree zone (a multiple of 3°) / \
                         中央子午线 {deg}° 不是 3 度带的中央子午线"
                    ),
                ));
            }
            None => {
                return Err(GeoError::new(
                    at(key, entry),
                    syntax(format!(
                        "{key} '{}' is not a longitude in degrees / {key} 不是以度表示的经度",
                        clip(&entry.value, 20)
                    )),
                ));
            }
        },
        None => None,
    };

    if let (Some(p), Some((d, entry))) = (prefix, declared)
        && p.zone != d
    {
        return Err(GeoError::new(
            at("带号", entry),
            GeoErrorKind::ZoneMismatch {
                prefix: p.zone,
                declared: d,
            },
        ));
    }
    if let Some((m, key, entry)) = from_meridian {
        if let Some((d, _)) = declared
            && d != m
        {
            return Err(GeoError::new(
                at(key, entry),
                GeoErrorKind::MixedCrs {
                    first: format!("带号 {d} / zone {d}"),
                    other: format!("{key} {}° (zone {m}) / 中央子午线对应 {m} 带", 3 * m),
                },
            ));
        }
        if let Some(p) = prefix
            && p.zone != m
        {
            return Err(GeoError::new(
                at(key, entry),
                GeoErrorKind::ZoneMismatch {
                    prefix: p.zone,
                    declared: m,
                },
            ));
        }
    }

    let (zone, prefixed, field) = match (prefix, declared, from_meridian) {
        (Some(p), _, _) => (p.zone, true, "带号"),
        (None, Some((d, _)), _) => (d, false, "带号"),
        (None, None, Some((m, key, _))) => (m, false, key),
        (None, None, None) => {
            // An empty file has nothing to place: its CRS does not matter, but ParcelFile needs
            // one, and inventing a zone would be a silent guess.
            return Err(GeoError::new(
                Location::file(label).field("带号"),
                GeoErrorKind::ZoneUnknown,
            ));
        }
    };
    Crs::gauss_kruger(zone, prefixed).map_err(|kind| {
        let location = match (declared, from_meridian) {
            (Some((_, entry)), _) => at("带号", entry),
            (None, Some((_, key, entry))) => at(key, entry),
            (None, None) => Location::file(label).field(field),
        };
        GeoError::new(location, kind)
    })
}

#[derive(Clone, Copy)]
struct Prefix {
    zone: u32,
}

/// The zone prefix all eastings share (`None`: no prefix). Disagreement is `MixedCrs` at the
/// first point that disagrees with the file's first point.
fn file_prefix(label: &str, parcels: &[RawParcel]) -> Result<Option<Prefix>, GeoError> {
    let mut first: Option<(Option<u32>, &str)> = None;
    for parcel in parcels {
        for ring in &parcel.rings {
            for &(c, line) in &ring.points {
                let prefix = if c.x >= 10_000_000.0 {
                    if c.x >= 100_000_000.0 {
                        return Err(GeoError::new(
                            Location::file(label)
                                .record(parcel.name.clone())
                                .field(format!("圈号 {}", ring.number))
                                .line(line),
                            GeoErrorKind::OutsideZone {
                                x: c.x,
                                y: c.y,
                                reason:
                                    "easting has more than 8 digits before the decimal point / \
                                         横坐标整数部分超过 8 位"
                                        .into(),
                            },
                        ));
                    }
                    // 10..=99 here: the cast is exact.
                    Some((c.x / 1_000_000.0).floor() as u32)
                } else {
                    None
                };
                match first {
                    None => first = Some((prefix, parcel.name.as_str())),
                    Some((expected, first_parcel)) if expected != prefix => {
                        let describe = |p: Option<u32>, parcel: &str| match p {
                            Some(z) => format!("zone prefix {z} (parcel {parcel}) / 带号前缀 {z}"),
                            None => format!("no zone prefix (parcel {parcel}) / 无带号前缀"),
                        };
                        return Err(GeoError::new(
                            Location::file(label)
                                .record(parcel.name.clone())
                                .field(format!("圈号 {}", ring.number))
                                .line(line),
                            GeoErrorKind::MixedCrs {
                                first: describe(expected, first_parcel),
                                other: describe(prefix, &parcel.name),
                            },
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    Ok(first.and_then(|(p, _)| p).map(|zone| Prefix { zone }))
}

enum Datum {
    Cgcs2000,
    Refused(&'static str),
    Unknown,
}

fn classify_datum(name: &str) -> Datum {
    let lower = name.to_lowercase();
    let numbers: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    let has_number = |n: &str| numbers.contains(&n);
    if lower.contains("西安")
        || lower.contains("xian")
        || lower.contains("xi'an")
        || has_number("1980")
        || has_number("80")
    {
        return Datum::Refused("Xian 1980 / 西安80");
    }
    if lower.contains("北京") || lower.contains("beijing") || has_number("1954") || has_number("54")
    {
        return Datum::Refused("Beijing 1954 / 北京54");
    }
    if [
        "地方",
        "独立",
        "假定",
        "城建",
        "城市",
        "local",
        "independent",
    ]
    .iter()
    .any(|k| lower.contains(k))
    {
        return Datum::Refused("a local coordinate system / 地方独立坐标系");
    }
    if lower.contains("2000") || lower.contains("cgcs") || lower.contains("wgs") {
        return Datum::Cgcs2000;
    }
    Datum::Unknown
}

/// `3`, `3度`, `3度带`, `三度带` → 3; `6…`/`六…` → 6.
fn parse_zone_width(text: &str) -> Option<u32> {
    let t = text.trim();
    let t = t
        .strip_suffix("度带")
        .or_else(|| t.strip_suffix("度分带"))
        .or_else(|| t.strip_suffix('度'))
        .or_else(|| t.strip_suffix('°'))
        .unwrap_or(t)
        .trim();
    match t {
        "三" => Some(3),
        "六" => Some(6),
        _ => parse_whole(t),
    }
}

/// `36`, `36带`, `第36带`, `36.0` → 36.
fn parse_zone_number(text: &str) -> Option<u32> {
    let t = text.trim();
    let t = t.strip_prefix('第').unwrap_or(t);
    let t = t
        .strip_suffix('带')
        .or_else(|| t.strip_suffix('号'))
        .unwrap_or(t)
        .trim();
    parse_whole(t)
}

fn parse_whole(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return Some(n);
    }
    let value: f64 = text.parse().ok()?;
    // Whole and small: the cast is exact.
    (value.is_finite() && value.fract() == 0.0 && (0.0..=1_000.0).contains(&value))
        .then_some(value as u32)
}

/// A longitude in degrees: `108`, `108.0`, `108°`, `E108`, `东经108度`, `108°00′00″`, `108:00:00`.
fn parse_degrees(text: &str) -> Option<f64> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            current.push(c);
        } else if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut degrees = 0.0;
    for (part, scale) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        let value: f64 = part.parse().ok()?;
        degrees += value / scale;
    }
    degrees.is_finite().then_some(degrees)
}

/// Every point lies in the zone of `crs` (the same check geometry validation makes, done here
/// first so the error names the line and the point).
fn check_points(label: &str, text: &str, parcels: &[RawParcel], crs: Crs) -> Result<(), GeoError> {
    let transformer = Transformer::new(crs, Crs::Geographic)
        .map_err(|kind| GeoError::new(Location::file(label), kind))?;
    for parcel in parcels {
        for ring in &parcel.rings {
            for &(c, line) in &ring.points {
                if let Err(kind) = transformer.check(c.x, c.y) {
                    let kind = match kind {
                        GeoErrorKind::OutsideZone { x, y, reason } if looks_swapped(c) => {
                            GeoErrorKind::OutsideZone {
                                x,
                                y,
                                reason: format!(
                                    "{reason}; X and Y look swapped: the format wants X = northing \
                                     first, then Y = easting / X、Y 坐标疑似颠倒（X 为纵坐标，Y 为横坐标）"
                                ),
                            }
                        }
                        other => other,
                    };
                    return Err(GeoError::new(
                        Location::file(label)
                            .record(parcel.name.clone())
                            .field(format!(
                                "圈号 {} 点 {}",
                                ring.number,
                                point_label(text, line)
                            ))
                            .line(line),
                        kind,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Northing (y) in the range of a prefixed easting, or of an unprefixed one while the easting
/// is in China's northing range.
fn looks_swapped(c: Coord<f64>) -> bool {
    c.y >= 10_000_000.0 || ((100_000.0..1_000_000.0).contains(&c.y) && c.x >= 1_000_000.0)
}

/// The point number of a line, for messages (read again from the text: only errors need it).
fn point_label(text: &str, line: usize) -> String {
    text.split('\n')
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split([',', '，']).next())
        .map(|l| clip(l.trim(), 20))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Reading: raw parcel → Parcel
// ---------------------------------------------------------------------------------------------

fn build_parcel(
    label: &str,
    raw: RawParcel,
    crs: Crs,
    options: &ReadOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Parcel, GeoError> {
    let record = || Location::file(label).record(raw.name.clone());
    if raw.rings.is_empty() {
        return Err(GeoError::new(
            record().line(raw.line),
            GeoErrorKind::Missing {
                what:
                    "coordinate points of the parcel (the header is followed by no point line) / \
                       地块没有坐标点"
                        .into(),
            },
        ));
    }
    let first_line: BTreeMap<usize, usize> = raw
        .rings
        .iter()
        .map(|r| {
            (
                r.number as usize,
                r.points.first().map_or(raw.line, |p| p.1),
            )
        })
        .collect();
    let mut rings = Vec::with_capacity(raw.rings.len());
    let mut total_points = 0usize;
    for ring in &raw.rings {
        let number = ring.number as usize;
        let coords: Vec<Coord<f64>> = ring.points.iter().map(|p| p.0).collect();
        total_points += coords.len();
        let line_string = validate::ring_from_points(&coords, number, crs).map_err(|kind| {
            let line = match kind {
                GeoErrorKind::UnclosedRing { .. } => ring.points.last().map_or(raw.line, |p| p.1),
                _ => ring.points.first().map_or(raw.line, |p| p.1),
            };
            GeoError::new(record().field(format!("圈号 {number}")).line(line), kind)
        })?;
        rings.push((number, line_string));
    }
    let ring_count = rings.len();
    let assembled =
        repair::assemble_by_containment(rings, options.repair, crs).map_err(|kind| {
            let location = match &kind {
                GeoErrorKind::CrossingRings { ring_a, ring_b } => record()
                    .field(format!("圈号 {ring_a}, 圈号 {ring_b}"))
                    .line(first_line.get(ring_b).copied().unwrap_or(raw.line)),
                GeoErrorKind::HoleOutsideShell { ring }
                | GeoErrorKind::UnclosedRing { ring }
                | GeoErrorKind::TooFewPoints { ring, .. }
                | GeoErrorKind::ZeroArea { ring } => record()
                    .field(format!("圈号 {ring}"))
                    .line(first_line.get(ring).copied().unwrap_or(raw.line)),
                _ => record().line(raw.line),
            };
            GeoError::new(location, kind)
        })?;
    if let Some(repaired) = &assembled.repaired {
        warnings.push(super::union_parts_warning(
            record().line(raw.line),
            crs,
            &assembled.geometry,
            repaired,
        ));
    }
    let geometry = assembled.geometry;

    let header = || record().line(raw.line);
    if let Some(stated) = raw.attributes.get("界址点数").filter(|v| !v.is_empty()) {
        match stated.parse::<u64>() {
            Ok(n) if n == total_points as u64 || n == (total_points - ring_count) as u64 => {}
            Ok(n) => warnings.push(warning(
                header().field("界址点数"),
                "point_count_differs",
                format!(
                    "界址点数为 {n}，实际有 {total_points} 个坐标点（不含闭合点 {}）",
                    total_points - ring_count
                ),
                format!(
                    "界址点数 says {n}; the parcel has {total_points} point lines ({} without the \
                     closing points)",
                    total_points - ring_count
                ),
            )),
            Err(_) => warnings.push(warning(
                header().field("界址点数"),
                "point_count_unreadable",
                format!("界址点数“{}”不是整数，未核对", clip(stated, 20)),
                format!(
                    "界址点数 '{}' is not a whole number; not checked",
                    clip(stated, 20)
                ),
            )),
        }
    }
    if let Some(stated) = raw.attributes.get("地块面积").filter(|v| !v.is_empty()) {
        let computed_m2 = planar_area_m2(&geometry);
        match stated.parse::<f64>() {
            Ok(ha) if ha.is_finite() => {
                let stated_m2 = ha * 10_000.0;
                // The factor absorbs the rounding of ha × 10 000, so that a difference of exactly
                // 0.1 % (e.g. 10.0100 ha for 100 000 m²) is not reported.
                if (stated_m2 - computed_m2).abs() > AREA_TOLERANCE * computed_m2 * (1.0 + 1e-9) {
                    let percent = if computed_m2 > 0.0 {
                        (stated_m2 - computed_m2) / computed_m2 * 100.0
                    } else {
                        f64::INFINITY
                    };
                    warnings.push(warning(
                        header().field("地块面积"),
                        "stated_area_differs",
                        format!(
                            "地块面积 {ha} 公顷与按坐标计算的 {:.4} 公顷相差 {percent:+.3}%（超过 0.1%）",
                            computed_m2 / 10_000.0
                        ),
                        format!(
                            "地块面积 {ha} ha differs from the area computed from the coordinates, \
                             {:.4} ha, by {percent:+.3} % (more than 0.1 %)",
                            computed_m2 / 10_000.0
                        ),
                    ));
                }
            }
            _ => warnings.push(warning(
                header().field("地块面积"),
                "stated_area_unreadable",
                format!("地块面积“{}”不是数字，未核对", clip(stated, 20)),
                format!(
                    "地块面积 '{}' is not a number; not checked",
                    clip(stated, 20)
                ),
            )),
        }
    }
    Ok(Parcel {
        name: raw.name,
        attributes: raw.attributes,
        geometry,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// The zone of the centroid of all parcels (for a geographic file with no target).
fn centroid_zone(file: &ParcelFile) -> Result<u8, GeoErrorKind> {
    let all = MultiPolygon::new(
        file.parcels
            .iter()
            .flat_map(|p| p.geometry.0.iter().cloned())
            .collect(),
    );
    let centroid = all.centroid().ok_or(GeoErrorKind::ZoneUnknown)?;
    Crs::zone_for_longitude(centroid.x())
}

/// Metadata keys the writer sets itself, in output order (after the three descriptive ones).
const CRS_KEYS: [&str; 9] = [
    "坐标系",
    "几度分带",
    "投影类型",
    "计量单位",
    "带号",
    "中央子午线",
    "中央经线",
    "精度",
    "转换参数",
];
const DESCRIPTIVE_KEYS: [(&str, &str); 3] = [
    ("格式版本号", "1.01版本"),
    ("数据产生单位", ""),
    ("数据产生日期", ""),
];

fn write_metadata(out: &mut String, file: &ParcelFile, zone: u8) -> Result<(), GeoError> {
    let bad = |key: &str, reason: &str| {
        GeoError::new(
            Location::file(file.source.clone()).field(format!("metadata '{}'", clip(key, 40))),
            syntax(format!("{reason} / 属性描述无法写入坐标文件")),
        )
    };
    out.push_str("[属性描述]\r\n");
    let mut line = |key: &str, value: &str| {
        let _ = write!(out, "{key}={value}\r\n");
    };
    for (key, default) in DESCRIPTIVE_KEYS {
        // The format version is always stated; producer and date only when known.
        let value = match (file.metadata.get(key), default) {
            (Some(value), _) => value.as_str(),
            (None, "") => continue,
            (None, default) => default,
        };
        if value.contains(['\r', '\n']) {
            return Err(bad(key, "the value holds a line break"));
        }
        line(key, value);
    }
    let meridian = 3 * u32::from(zone);
    line("坐标系", "2000国家大地坐标系");
    line("几度分带", "3");
    line("投影类型", "高斯克吕格");
    line("计量单位", "米");
    line("带号", &zone.to_string());
    // Only when the source had one: the example files do not, and 带号 is enough.
    for key in ["中央子午线", "中央经线"] {
        if file.metadata.contains_key(key) {
            line(key, &meridian.to_string());
        }
    }
    line("精度", "0.001");
    line("转换参数", ",,,,,,");
    for (key, value) in &file.metadata {
        if CRS_KEYS.contains(&key.as_str()) || DESCRIPTIVE_KEYS.iter().any(|(k, _)| k == key) {
            continue;
        }
        let key_trimmed = key.trim();
        if key_trimmed.is_empty()
            || key.contains(['=', '＝', '\r', '\n'])
            || (key_trimmed.starts_with('[') && key_trimmed.ends_with(']'))
        {
            return Err(bad(
                key,
                "the key is empty or holds '=', a line break or a section bracket",
            ));
        }
        if value.contains(['\r', '\n']) {
            return Err(bad(key, "the value holds a line break"));
        }
        line(key, value);
    }
    Ok(())
}

/// Writes one parcel. Errors are `(field, kind)`; the caller adds file and record.
fn write_parcel(
    out: &mut String,
    index: usize,
    parcel: &Parcel,
    geometry: &MultiPolygon<f64>,
) -> Result<(), (Option<String>, GeoErrorKind)> {
    if geometry.0.is_empty() {
        return Err((
            None,
            GeoErrorKind::Missing {
                what: "geometry (the parcel has no rings) / 地块没有几何图形".into(),
            },
        ));
    }
    let attribute = |key: &str| parcel.attributes.get(key).map(String::as_str);
    let number = attribute("地块编号").unwrap_or("");
    let placeholder = format!("#{}", index + 1);
    let name = match attribute("地块名称") {
        Some(name) => name,
        None if parcel.name == placeholder || parcel.name == number => "",
        None => parcel.name.as_str(),
    };
    let fields = [
        ("地块编号", number),
        ("地块名称", name),
        ("图幅号", attribute("图幅号").unwrap_or("")),
        ("地块用途", attribute("地块用途").unwrap_or("")),
        ("地类编码", attribute("地类编码").unwrap_or("")),
    ];
    for (key, value) in fields {
        if value.contains([',', '\r', '\n']) {
            return Err((
                Some(key.to_string()),
                syntax(format!(
                    "{key} '{}' holds a comma or a line break, which the format cannot hold / \
                     {key} 含有逗号或换行，无法写入坐标文件",
                    clip(value, 40)
                )),
            ));
        }
    }

    let ordered = part_order(geometry);
    let point_lines: usize = ordered
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    let hectares = planar_area_m2(geometry) / 10_000.0;
    let _ = write!(
        out,
        "{point_lines},{hectares:.4},{},{},面,{},{},{},@\r\n",
        fields[0].1, fields[1].1, fields[2].1, fields[3].1, fields[4].1
    );

    let mut point_number = 0usize;
    let mut ring_number = 0usize;
    for polygon in ordered {
        let rings = std::iter::once((polygon.exterior(), false))
            .chain(polygon.interiors().iter().map(|r| (r, true)));
        for (ring, ccw) in rings {
            ring_number += 1;
            let points = &ring.0;
            let open = points.len().saturating_sub(1);
            // Only a geometry built by hand (not read by guagou) can hold such a ring.
            if points.first() != points.last() {
                return Err((
                    Some(format!("圈号 {ring_number}")),
                    GeoErrorKind::UnclosedRing { ring: ring_number },
                ));
            }
            if open < 3 {
                return Err((
                    Some(format!("圈号 {ring_number}")),
                    GeoErrorKind::TooFewPoints {
                        ring: ring_number,
                        distinct: open,
                    },
                ));
            }
            let clockwise = signed_area(points) < 0.0;
            // Exteriors clockwise, holes counter-clockwise on the map: reverse when needed.
            // Reversing keeps the first point, so a read of this file gives back `ring` exactly.
            let sequence: Vec<Coord<f64>> = if clockwise != ccw {
                points[..open].to_vec()
            } else {
                std::iter::once(points[0])
                    .chain(points[1..open].iter().rev().copied())
                    .collect()
            };
            let first_number = point_number + 1;
            for c in &sequence {
                point_number += 1;
                let _ = write!(
                    out,
                    "J{point_number},{ring_number},{:.3},{:.3}\r\n",
                    c.y, c.x
                );
            }
            if let Some(c) = sequence.first() {
                let _ = write!(
                    out,
                    "J{first_number},{ring_number},{:.3},{:.3}\r\n",
                    c.y, c.x
                );
            }
        }
    }
    Ok(())
}

/// The parts in file order, except that a first part lying inside another part (an island in
/// a lake) is replaced at the head by the largest part: the reader takes ring 1 as an exterior
/// that no other ring contains.
fn part_order(geometry: &MultiPolygon<f64>) -> Vec<&Polygon<f64>> {
    let mut parts: Vec<&Polygon<f64>> = geometry.0.iter().collect();
    let Some(first) = parts.first().copied() else {
        return parts;
    };
    let inside_another = parts[1..]
        .iter()
        .any(|other| encloses(other.exterior(), first.exterior()));
    if inside_another {
        let largest = parts
            .iter()
            .enumerate()
            .max_by(|a, b| {
                signed_area(&a.1.exterior().0)
                    .abs()
                    .total_cmp(&signed_area(&b.1.exterior().0).abs())
            })
            .map_or(0, |(i, _)| i);
        let head = parts.remove(largest);
        parts.insert(0, head);
    }
    parts
}

/// Whether `outer` encloses `inner`, for rings of a valid geometry (which do not cross): some
/// vertex of `inner` lies strictly inside `outer`.
fn encloses(outer: &LineString<f64>, inner: &LineString<f64>) -> bool {
    use geo::{BoundingRect, Contains};
    let (Some(o), Some(i)) = (outer.bounding_rect(), inner.bounding_rect()) else {
        return false;
    };
    if i.min().x < o.min().x
        || i.min().y < o.min().y
        || i.max().x > o.max().x
        || i.max().y > o.max().y
    {
        return false;
    }
    let polygon = Polygon::new(outer.clone(), vec![]);
    inner.0.iter().any(|c| polygon.contains(c))
}

fn signed_area(points: &[Coord<f64>]) -> f64 {
    let Some(&origin) = points.first() else {
        return 0.0;
    };
    let mut twice = 0.0;
    for w in points.windows(2) {
        let (a, b) = (w[0] - origin, w[1] - origin);
        twice += a.x * b.y - b.x * a.y;
    }
    twice / 2.0
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn syntax(reason: String) -> GeoErrorKind {
    GeoErrorKind::Syntax { reason }
}

fn warning(
    location: Location,
    code: &'static str,
    message_zh: String,
    message_en: String,
) -> Warning {
    Warning {
        location,
        code,
        message_zh,
        message_en,
    }
}

fn with_field(location: Location, field: Option<String>) -> Location {
    match field {
        Some(f) => location.field(f),
        None => location,
    }
}

/// At most `max` characters of `text`, so that a message never echoes a huge input.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[属性描述]\n带号=36\n[地块坐标]\n";
    const SQUARE: &str = "5,,1,a,面,,,,@\nJ1,1,3512345.000,36512345.000\nJ2,1,3512445.000,36512345.000\n\
                          J3,1,3512445.000,36512445.000\nJ4,1,3512345.000,36512445.000\nJ1,1,3512345.000,36512345.000\n";

    fn small(points: usize, parcels: usize) -> Limits {
        Limits { points, parcels }
    }

    #[test]
    fn point_limit_is_too_large_at_the_first_point_beyond() {
        let text = format!("{HEAD}{SQUARE}");
        assert!(
            read_with_limits(
                "t.txt",
                text.as_bytes(),
                small(5, 10),
                &ReadOptions::default()
            )
            .is_ok()
        );
        let err = read_with_limits(
            "t.txt",
            text.as_bytes(),
            small(4, 10),
            &ReadOptions::default(),
        )
        .err();
        let err = err.map(|e| (e.code(), e.location.line));
        assert_eq!(err, Some(("too_large", Some(9))));
    }

    #[test]
    fn parcel_limit_is_too_large() {
        let text = format!("{HEAD}{SQUARE}{}", SQUARE.replace(",a,", ",b,"));
        assert!(
            read_with_limits(
                "t.txt",
                text.as_bytes(),
                small(100, 2),
                &ReadOptions::default()
            )
            .is_ok()
        );
        let err = read_with_limits(
            "t.txt",
            text.as_bytes(),
            small(100, 1),
            &ReadOptions::default(),
        )
        .err();
        let err = err.map(|e| (e.code(), e.location.line));
        assert_eq!(err, Some(("too_large", Some(10))));
    }

    #[test]
    fn degrees_and_zone_numbers_parse() {
        assert_eq!(parse_degrees("108"), Some(108.0));
        assert_eq!(parse_degrees("东经108度"), Some(108.0));
        assert_eq!(parse_degrees("108°30′00″"), Some(108.5));
        assert_eq!(parse_degrees("E"), None);
        assert_eq!(parse_zone_number("第36带"), Some(36));
        assert_eq!(parse_zone_number("36.0"), Some(36));
        assert_eq!(parse_zone_number("36.5"), None);
        assert_eq!(parse_zone_width("3度带"), Some(3));
        assert_eq!(parse_zone_width("六度带"), Some(6));
    }

    #[test]
    fn datum_names() {
        assert!(matches!(
            classify_datum("2000国家大地坐标系"),
            Datum::Cgcs2000
        ));
        assert!(matches!(classify_datum("CGCS2000"), Datum::Cgcs2000));
        assert!(matches!(
            classify_datum("1980西安坐标系"),
            Datum::Refused(_)
        ));
        assert!(matches!(classify_datum("西安80"), Datum::Refused(_)));
        assert!(matches!(
            classify_datum("1980国家大地坐标系"),
            Datum::Refused(_)
        ));
        assert!(matches!(classify_datum("北京54"), Datum::Refused(_)));
        assert!(matches!(
            classify_datum("1954年北京坐标系"),
            Datum::Refused(_)
        ));
        assert!(matches!(
            classify_datum("达州市独立坐标系"),
            Datum::Refused(_)
        ));
        assert!(matches!(classify_datum("国家坐标系"), Datum::Unknown));
    }
}
