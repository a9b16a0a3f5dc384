//! Errors of package reading, each naming the file, record and field: a row of the error
//! table (`code()`), and a Chinese and an English message built from the fields
//! (`message_zh()`, `message_en()`). The `Display` is for the command line and logs.

use std::fmt::Write as _;

use guagou_domain::ErrorCode;
use guagou_geo::{GeoError, GeoErrorKind};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PackageError {
    #[error("{file}: 无法读取 / cannot read: {reason}")]
    Io { file: String, reason: String },
    #[error("{file}: 格式错误 / syntax error: {reason}")]
    Syntax { file: String, reason: String },
    #[error("{file}{}: 字段 {field} 无效 / invalid field {field}: {reason_zh} / {reason_en}", record_label(.record))]
    Field {
        file: String,
        record: Option<String>,
        field: String,
        reason_zh: String,
        reason_en: String,
    },
    /// Boxed: a located geometry error is large and only on the error path.
    #[error("{0}")]
    Geo(Box<GeoError>),
    #[error("规则配置 / policy profile: {0}")]
    Profile(String),
    /// A path the package names that guagou will not read: outside the package, through a
    /// symbolic link, not a regular file, or too large. `path` is the package's own text.
    #[error("{file}{}: \"{path}\": {} / {}", field_label(.field), .problem.message_zh(), .problem.message_en())]
    Path {
        /// The file naming the path (`…/project.toml`).
        file: String,
        /// The field naming it (`households.file`, `parcels[0].file`); None for the manifest.
        field: Option<String>,
        /// The path as written in the package.
        path: String,
        problem: PathProblem,
    },
}

/// Why a path of a package is refused (see `crate::confine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// Absolute, a drive, or `..`.
    Outside,
    /// `component` (relative to the package) is a symbolic link.
    Symlink { component: String },
    /// A directory, FIFO, device or socket (`kind`).
    NotRegular { kind: &'static str },
    /// Larger than `cap` bytes.
    TooLarge { cap: u64 },
    /// The file was replaced between the check and the read.
    Changed,
}

impl PathProblem {
    pub fn code(&self) -> ErrorCode {
        match self {
            PathProblem::Outside => ErrorCode::PathOutsidePackage,
            PathProblem::Symlink { .. } => ErrorCode::SymlinkInPackage,
            PathProblem::NotRegular { .. } => ErrorCode::NotARegularFile,
            PathProblem::TooLarge { .. } => ErrorCode::FileTooLarge,
            PathProblem::Changed => ErrorCode::FileChanged,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            PathProblem::Outside => "路径须位于项目包目录内（不得为绝对路径，不得含 ..）".into(),
            PathProblem::Symlink { component } => {
                format!("{component} 是符号链接；项目包只能包含普通文件和文件夹")
            }
            PathProblem::NotRegular { kind } => format!("不是普通文件（{}）", kind_zh(kind)),
            PathProblem::TooLarge { cap } => format!("文件超过 {} 上限", size_text(*cap)),
            PathProblem::Changed => "读取时文件被替换".into(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            PathProblem::Outside => {
                "the path must stay inside the package folder (no absolute path, no ..)".into()
            }
            PathProblem::Symlink { component } => format!(
                "{component} is a symbolic link; a package holds plain files and folders only"
            ),
            PathProblem::NotRegular { kind } => format!("not a regular file ({kind})"),
            PathProblem::TooLarge { cap } => {
                format!("the file is larger than the {} limit", size_text(*cap))
            }
            PathProblem::Changed => "the file was replaced while being read".into(),
        }
    }
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "directory" => "文件夹",
        "fifo" => "命名管道",
        "device" => "设备文件",
        "socket" => "套接字",
        _ => "特殊文件",
    }
}

/// `cap` in MiB when whole, else bytes.
fn size_text(cap: u64) -> String {
    if cap >= 1 << 20 && cap.is_multiple_of(1 << 20) {
        format!("{} MB", cap >> 20)
    } else {
        format!("{cap} bytes")
    }
}

fn field_label(field: &Option<String>) -> String {
    match field {
        Some(f) => format!(" 字段/field {f}"),
        None => String::new(),
    }
}

fn record_label(record: &Option<String>) -> String {
    match record {
        Some(r) => format!(" 记录/record {r}"),
        None => String::new(),
    }
}

impl From<GeoError> for PackageError {
    fn from(error: GeoError) -> Self {
        PackageError::Geo(Box::new(error))
    }
}

/// The row of the error table of a geometry error (the spatial core keeps its own catalogue
/// of codes: it does not depend on the domain). Every kind is named, so a new kind does not
/// compile until it has its row.
pub fn geo_code(kind: &GeoErrorKind) -> ErrorCode {
    match kind {
        GeoErrorKind::Io { .. } => ErrorCode::Io,
        GeoErrorKind::Encoding => ErrorCode::Encoding,
        GeoErrorKind::UnsupportedFormat { .. } => ErrorCode::UnsupportedFormat,
        GeoErrorKind::Syntax { .. } => ErrorCode::Syntax,
        GeoErrorKind::Missing { .. } => ErrorCode::Missing,
        GeoErrorKind::UnclosedRing { .. } => ErrorCode::UnclosedRing,
        GeoErrorKind::TooFewPoints { .. } => ErrorCode::TooFewPoints,
        GeoErrorKind::SelfIntersection { .. } => ErrorCode::SelfIntersection,
        GeoErrorKind::HoleOutsideShell { .. } => ErrorCode::HoleOutsideShell,
        GeoErrorKind::CrossingRings { .. } => ErrorCode::CrossingRings,
        GeoErrorKind::ZeroArea { .. } => ErrorCode::ZeroArea,
        GeoErrorKind::OutsideZone { .. } => ErrorCode::OutsideZone,
        GeoErrorKind::MixedCrs { .. } => ErrorCode::MixedCrs,
        GeoErrorKind::UnsupportedCrs { .. } => ErrorCode::UnsupportedCrs,
        GeoErrorKind::ZoneMismatch { .. } => ErrorCode::ZoneMismatch,
        GeoErrorKind::ZoneUnknown => ErrorCode::ZoneUnknown,
        GeoErrorKind::Projection { .. } => ErrorCode::Projection,
        GeoErrorKind::TooLarge { .. } => ErrorCode::TooLarge,
    }
}

/// Where a geometry error is, in Chinese and in English (`file 第 3 行 地块 A [ring 2]`).
fn geo_location(geo: &GeoError) -> (String, String) {
    let location = &geo.location;
    let mut zh = location.file.clone();
    let mut en = location.file.clone();
    if let Some(line) = location.line {
        let _ = write!(zh, " 第 {line} 行");
        let _ = write!(en, " line {line}");
    }
    if let Some(record) = &location.record {
        let _ = write!(zh, " 地块 {record}");
        let _ = write!(en, " parcel {record}");
    }
    if let Some(field) = &location.field {
        let _ = write!(zh, " [{field}]");
        let _ = write!(en, " [{field}]");
    }
    (zh, en)
}

impl PackageError {
    /// The row of the error table (all 422: the package is at fault).
    pub fn code(&self) -> ErrorCode {
        match self {
            PackageError::Io { .. } => ErrorCode::Io,
            PackageError::Syntax { .. } => ErrorCode::Syntax,
            PackageError::Field { .. } => ErrorCode::InvalidField,
            PackageError::Geo(e) => geo_code(&e.kind),
            PackageError::Profile(_) => ErrorCode::InvalidProfile,
            PackageError::Path { problem, .. } => problem.code(),
        }
    }

    /// The Chinese message, naming the file, record and field.
    pub fn message_zh(&self) -> String {
        match self {
            PackageError::Io { file, reason } => format!("{file}：无法读取：{reason}"),
            PackageError::Syntax { file, reason } => format!("{file}：格式错误：{reason}"),
            PackageError::Field {
                file,
                record,
                field,
                reason_zh,
                ..
            } => {
                let record = record
                    .as_deref()
                    .map(|r| format!(" 记录 {r}"))
                    .unwrap_or_default();
                format!("{file}{record}：字段 {field} 无效：{reason_zh}")
            }
            PackageError::Geo(geo) => {
                format!("{}：{}", geo_location(geo).0, geo.kind.message_zh())
            }
            PackageError::Profile(text) => format!("规则配置：{text}"),
            PackageError::Path {
                file,
                field,
                path,
                problem,
            } => {
                let field = field
                    .as_deref()
                    .map(|f| format!(" 字段 {f}"))
                    .unwrap_or_default();
                format!("{file}{field} \"{path}\"：{}", problem.message_zh())
            }
        }
    }

    /// The English message, naming the file, record and field.
    pub fn message_en(&self) -> String {
        match self {
            PackageError::Io { file, reason } => format!("{file}: cannot read: {reason}"),
            PackageError::Syntax { file, reason } => format!("{file}: syntax error: {reason}"),
            PackageError::Field {
                file,
                record,
                field,
                reason_en,
                ..
            } => {
                let record = record
                    .as_deref()
                    .map(|r| format!(" record {r}"))
                    .unwrap_or_default();
                format!("{file}{record}: invalid field {field}: {reason_en}")
            }
            PackageError::Geo(geo) => {
                format!("{}: {}", geo_location(geo).1, geo.kind.message_en())
            }
            PackageError::Profile(text) => format!("policy profile: {text}"),
            PackageError::Path {
                file,
                field,
                path,
                problem,
            } => {
                let field = field
                    .as_deref()
                    .map(|f| format!(" field {f}"))
                    .unwrap_or_default();
                format!("{file}{field} \"{path}\": {}", problem.message_en())
            }
        }
    }

    /// The field at fault, if the error names one.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            PackageError::Field { field, .. } => Some(field),
            PackageError::Geo(geo) => geo.location.field.as_deref(),
            PackageError::Path { field, .. } => field.as_deref(),
            PackageError::Io { .. } | PackageError::Syntax { .. } | PackageError::Profile(_) => {
                None
            }
        }
    }

    pub(crate) fn field(
        file: &str,
        record: Option<String>,
        field: &str,
        reason_zh: impl Into<String>,
        reason_en: impl Into<String>,
    ) -> Self {
        PackageError::Field {
            file: file.to_owned(),
            record,
            field: field.to_owned(),
            reason_zh: reason_zh.into(),
            reason_en: reason_en.into(),
        }
    }
}
