//! Errors of package reading, each naming the file, record and field.

use guagou_geo::GeoError;

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
    pub fn code(&self) -> &'static str {
        match self {
            PathProblem::Outside => "path_outside_package",
            PathProblem::Symlink { .. } => "symlink_in_package",
            PathProblem::NotRegular { .. } => "not_a_regular_file",
            PathProblem::TooLarge { .. } => "file_too_large",
            PathProblem::Changed => "file_changed",
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

impl PackageError {
    /// A stable snake_case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            PackageError::Io { .. } => "io",
            PackageError::Syntax { .. } => "syntax",
            PackageError::Field { .. } => "invalid_field",
            PackageError::Geo(e) => e.code(),
            PackageError::Profile(_) => "invalid_profile",
            PackageError::Path { problem, .. } => problem.code(),
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
