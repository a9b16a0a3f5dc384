//! Errors and warnings of the spatial core: one catalogue, Chinese first, English second.
//!
//! Every error names where it happened (file, record, field or line) and has a stable
//! snake_case code that scripts and the API can rely on.

use std::fmt;

use serde::Serialize;

/// Where in the input a problem is. Fill what is known; display skips what is not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    /// The record: a parcel name or number, or `#<n>` (1-based) when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// A field, ring or point inside the record, e.g. `带号`, `ring 2`, `point J7`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 1-based line number in a text file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }
    pub fn record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = &self.record {
            write!(f, " 地块/parcel {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " [{field}]")?;
        }
        Ok(())
    }
}

/// What went wrong. Each variant has a stable code (`code()`) and a message in both languages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum GeoErrorKind {
    /// The file cannot be opened or read.
    Io { reason: String },
    /// The text is neither UTF-8 nor GBK.
    Encoding,
    /// The extension or content is not a supported format.
    UnsupportedFormat { what: String },
    /// A line or value does not follow the format.
    Syntax { reason: String },
    /// A required part of the file is missing (a section, a sidecar file, a field).
    Missing { what: String },
    /// A ring does not end at its first point.
    UnclosedRing { ring: usize },
    /// A ring has fewer than 3 distinct points.
    TooFewPoints { ring: usize, distinct: usize },
    /// A ring crosses or touches itself (other than at its closing point).
    SelfIntersection { ring: usize, x: f64, y: f64 },
    /// A ring the format marks as a hole is not inside its exterior ring.
    HoleOutsideShell { ring: usize },
    /// Two rings of a parcel cross each other or overlap.
    CrossingRings { ring_a: usize, ring_b: usize },
    /// The parcel (or one of its rings) has zero area.
    ZeroArea { ring: usize },
    /// A coordinate is not finite, or lies outside the declared zone / valid range.
    OutsideZone { x: f64, y: f64, reason: String },
    /// Parcels or files of one input use different CRSs.
    MixedCrs { first: String, other: String },
    /// A CRS guagou does not handle (e.g. Xian 1980, Beijing 1954, a 6-degree zone).
    UnsupportedCrs { what: String },
    /// The zone prefix on eastings disagrees with the declared zone (带号).
    ZoneMismatch { prefix: u32, declared: u32 },
    /// No zone can be determined: eastings without prefix and no 带号 / central meridian.
    ZoneUnknown,
    /// A projection failed (numerically).
    Projection { reason: String },
    /// A limit on input size was exceeded (file size, parcels, points, zip entries).
    TooLarge { what: String },
}

impl GeoErrorKind {
    /// Stable snake_case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io",
            Self::Encoding => "encoding",
            Self::UnsupportedFormat { .. } => "unsupported_format",
            Self::Syntax { .. } => "syntax",
            Self::Missing { .. } => "missing",
            Self::UnclosedRing { .. } => "unclosed_ring",
            Self::TooFewPoints { .. } => "too_few_points",
            Self::SelfIntersection { .. } => "self_intersection",
            Self::HoleOutsideShell { .. } => "hole_outside_shell",
            Self::CrossingRings { .. } => "crossing_rings",
            Self::ZeroArea { .. } => "zero_area",
            Self::OutsideZone { .. } => "outside_zone",
            Self::MixedCrs { .. } => "mixed_crs",
            Self::UnsupportedCrs { .. } => "unsupported_crs",
            Self::ZoneMismatch { .. } => "zone_mismatch",
            Self::ZoneUnknown => "zone_unknown",
            Self::Projection { .. } => "projection",
            Self::TooLarge { .. } => "too_large",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Io { reason } => format!("无法读取文件：{reason}"),
            Self::Encoding => "文本编码既不是 UTF-8 也不是 GBK".into(),
            Self::UnsupportedFormat { what } => format!("不支持的格式：{what}"),
            Self::Syntax { reason } => format!("格式错误：{reason}"),
            Self::Missing { what } => format!("缺少：{what}"),
            Self::UnclosedRing { ring } => format!("第 {ring} 圈未闭合（末点不等于首点）"),
            Self::TooFewPoints { ring, distinct } => {
                format!("第 {ring} 圈只有 {distinct} 个不同的点，至少需要 3 个")
            }
            Self::SelfIntersection { ring, x, y } => {
                format!("第 {ring} 圈自相交，位置约 ({x:.3}, {y:.3})")
            }
            Self::HoleOutsideShell { ring } => format!("第 {ring} 圈是内环（洞），但不在外环之内"),
            Self::CrossingRings { ring_a, ring_b } => {
                format!("第 {ring_a} 圈与第 {ring_b} 圈相交或重叠")
            }
            Self::ZeroArea { ring } => format!("第 {ring} 圈面积为零"),
            Self::OutsideZone { x, y, reason } => {
                format!("坐标 ({x:.3}, {y:.3}) 超出声明的投影带或有效范围：{reason}")
            }
            Self::MixedCrs { first, other } => format!("坐标系不一致：{first} 与 {other}"),
            Self::UnsupportedCrs { what } => format!("不支持的坐标系：{what}"),
            Self::ZoneMismatch { prefix, declared } => {
                format!("横坐标带号前缀 {prefix} 与声明的带号 {declared} 不一致")
            }
            Self::ZoneUnknown => {
                "无法确定投影带：横坐标无带号前缀，且未声明带号或中央子午线".into()
            }
            Self::Projection { reason } => format!("坐标转换失败：{reason}"),
            Self::TooLarge { what } => format!("输入超出限制：{what}"),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Self::Io { reason } => format!("cannot read the file: {reason}"),
            Self::Encoding => "the text is neither UTF-8 nor GBK".into(),
            Self::UnsupportedFormat { what } => format!("unsupported format: {what}"),
            Self::Syntax { reason } => format!("syntax error: {reason}"),
            Self::Missing { what } => format!("missing: {what}"),
            Self::UnclosedRing { ring } => {
                format!("ring {ring} is not closed (last point differs from first)")
            }
            Self::TooFewPoints { ring, distinct } => {
                format!("ring {ring} has {distinct} distinct points; at least 3 are needed")
            }
            Self::SelfIntersection { ring, x, y } => {
                format!("ring {ring} intersects itself near ({x:.3}, {y:.3})")
            }
            Self::HoleOutsideShell { ring } => {
                format!("ring {ring} is a hole but lies outside its exterior ring")
            }
            Self::CrossingRings { ring_a, ring_b } => {
                format!("rings {ring_a} and {ring_b} cross or overlap")
            }
            Self::ZeroArea { ring } => format!("ring {ring} has zero area"),
            Self::OutsideZone { x, y, reason } => {
                format!("coordinate ({x:.3}, {y:.3}) is outside the declared zone or valid range: {reason}")
            }
            Self::MixedCrs { first, other } => format!("mixed coordinate systems: {first} and {other}"),
            Self::UnsupportedCrs { what } => format!("unsupported coordinate system: {what}"),
            Self::ZoneMismatch { prefix, declared } => {
                format!("easting zone prefix {prefix} disagrees with the declared zone (带号) {declared}")
            }
            Self::ZoneUnknown => {
                "cannot tell the zone: eastings have no zone prefix and no 带号 or central meridian is declared".into()
            }
            Self::Projection { reason } => format!("coordinate transformation failed: {reason}"),
            Self::TooLarge { what } => format!("input exceeds a limit: {what}"),
        }
    }
}

/// An error with its location.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
pub struct GeoError {
    pub location: Location,
    pub kind: GeoErrorKind,
}

impl GeoError {
    pub fn new(location: Location, kind: GeoErrorKind) -> Self {
        GeoError { location, kind }
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} / {} [{}]",
            self.location,
            self.kind.message_zh(),
            self.kind.message_en(),
            self.kind.code()
        )
    }
}

/// A finding that does not stop reading (e.g. stated area differs from computed area).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub location: Location,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} / {} [{}]",
            self.location, self.message_zh, self.message_en, self.code
        )
    }
}
