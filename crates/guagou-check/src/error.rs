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
