//! The one place where failures become HTTP. Every error the web answers names its row of
//! the error table (`guagou_domain::ErrorCode`: the stable code, its status, the rule ID when a
//! rule refused) and builds its Chinese and English messages from its own fields;
//! `Problem::of` puts the two together, for the web layer's and the registry's errors as for
//! the funds and notice refusals. The API renders it as JSON, pages as HTML. A 500 logs its
//! cause and shows none.

use std::fmt;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use guagou_domain::ErrorCode;
use guagou_domain::funds::FundsError;
use guagou_registry::RegistryError;
use guagou_registry::notice::NoticeError;
use serde::Serialize;
use utoipa::openapi::{RefOr, Schema};

use crate::html;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    Registry(RegistryError),
    #[error("not signed in")]
    Unauthorized,
    #[error("bad or missing CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{field}: {zh} / {en}")]
    Invalid {
        field: &'static str,
        zh: String,
        en: String,
    },
    #[error("request body too large")]
    BodyTooLarge,
    /// A request refused before any handler ran (axum's own plain-text answer, kept in the
    /// message), by the status it was refused with.
    #[error("request refused ({status}): {original}")]
    Rejected { status: u16, original: String },
    /// No Chinese font on this machine: no PDF can be made.
    #[error("no CJK font")]
    FontMissing,
    #[error("internal: {0}")]
    Internal(String),
}

/// Something the principal may not read is not found, whoever says so (the door or a page):
/// one variant, so every page and route answers it alike.
impl From<RegistryError> for WebError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::NotFound { .. } => WebError::NotFound,
            other => WebError::Registry(other),
        }
    }
}

/// What the web needs of an error to answer it: its row of the table, its messages and the
/// field at fault. The `Display` is the cause logged for a 500.
pub trait UserError: fmt::Display {
    fn code(&self) -> ErrorCode;
    fn message_zh(&self) -> String;
    fn message_en(&self) -> String;
    fn field(&self) -> Option<String>;
}

/// What a client is told about a failure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(skip)]
    #[schema(ignore)]
    pub status: StatusCode,
    /// 错误代码 / stable error code (a rule ID when a rule refused); see `ErrorCode`
    #[schema(schema_with = error_code_schema)]
    pub code: ErrorCode,
    /// 拒绝的规则 ID / the refusing rule, if any
    pub rule: Option<String>,
    /// 出错的字段 / the input field at fault, if one is
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message_zh: String,
    pub message_en: String,
}

/// The `code` of a `Problem` is the `ErrorCode` schema (every code, added by `openapi.rs`).
fn error_code_schema() -> RefOr<Schema> {
    utoipa::openapi::Ref::from_schema_name("ErrorCode").into()
}

/// The HTTP status of a code's row.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl Problem {
    /// The one way an error becomes a `Problem`: the status and the rule from the code's row
    /// of the table, the messages and the field from the error. A 500 logs its cause and
    /// shows none (its code is `internal` whatever failed).
    pub fn of(error: &(impl UserError + ?Sized)) -> Problem {
        let code = error.code();
        let status = status_of(code);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %error, code = code.as_str(), "internal failure");
            return Problem::plain(ErrorCode::Internal);
        }
        Problem {
            status,
            code,
            rule: code.rule().map(|r| r.as_str().to_owned()),
            field: error.field(),
            message_zh: error.message_zh(),
            message_en: error.message_en(),
        }
    }

    /// A code with the table's own messages.
    fn plain(code: ErrorCode) -> Problem {
        Problem {
            status: status_of(code),
            code,
            rule: code.rule().map(|r| r.as_str().to_owned()),
            field: None,
            message_zh: code.message_zh().into_owned(),
            message_en: code.message_en().into_owned(),
        }
    }
}

/// The code of a request axum refused, by its status.
fn rejection_code(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::BadRequest,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::BodyTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::InvalidBody,
        _ => ErrorCode::RequestRefused,
    }
}

impl WebError {
    pub fn invalid(field: &'static str, message: crate::catalogue::Key) -> Self {
        Self::invalid_text(
            field,
            crate::html::Lang::Zh.text(message),
            crate::html::Lang::En.text(message),
        )
    }

    /// A refused field whose message carries values (both languages, filled in by the caller
    /// from the catalogue).
    pub fn invalid_text(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        WebError::Invalid {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The status, code, rule and messages of this error.
    pub fn problem(&self) -> Problem {
        Problem::of(self)
    }

    /// Whether this is a not-found, however raised: its messages never name the record.
    fn is_not_found(&self) -> bool {
        matches!(
            self,
            WebError::NotFound | WebError::Registry(RegistryError::NotFound { .. })
        )
    }
}

impl UserError for WebError {
    fn code(&self) -> ErrorCode {
        match self {
            WebError::Registry(e) => e.code(),
            WebError::Unauthorized => ErrorCode::Unauthorized,
            WebError::Csrf => ErrorCode::Csrf,
            WebError::NotFound => ErrorCode::NotFound,
            WebError::Invalid { .. } => ErrorCode::Invalid,
            WebError::BodyTooLarge => ErrorCode::BodyTooLarge,
            WebError::Rejected { status, .. } => rejection_code(*status),
            WebError::FontMissing => ErrorCode::CjkFontMissing,
            WebError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            _ if self.is_not_found() => ErrorCode::NotFound.message_zh().into_owned(),
            WebError::Registry(e) => e.message_zh(),
            WebError::Invalid { zh, .. } => zh.clone(),
            WebError::Rejected { original, .. } => format!("请求无法处理：{original}"),
            WebError::FontMissing => {
                "服务器未安装中文字体，无法生成 PDF（请安装 fonts-wqy-microhei，或设置 GUAGOU_CJK_FONT）"
                    .to_owned()
            }
            other => other.code().message_zh().into_owned(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            _ if self.is_not_found() => ErrorCode::NotFound.message_en().into_owned(),
            WebError::Registry(e) => e.message_en(),
            WebError::Invalid { en, .. } => en.clone(),
            WebError::Rejected { original, .. } => {
                format!("the request cannot be handled: {original}")
            }
            WebError::FontMissing => {
                "no Chinese (CJK) font is installed on the server, so the PDF cannot be made (install fonts-wqy-microhei or set GUAGOU_CJK_FONT)"
                    .to_owned()
            }
            other => other.code().message_en().into_owned(),
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            WebError::Registry(e) => e.field(),
            WebError::Invalid { field, .. } => Some((*field).to_owned()),
            _ => None,
        }
    }
}

/// A refusal of the funds rules (there is no SPEC rule ID for money: the code is the answer).
impl UserError for FundsError {
    fn code(&self) -> ErrorCode {
        FundsError::code(self)
    }
    fn message_zh(&self) -> String {
        FundsError::message_zh(self)
    }
    fn message_en(&self) -> String {
        FundsError::message_en(self)
    }
    fn field(&self) -> Option<String> {
        FundsError::field(self).map(str::to_owned)
    }
}

/// A refusal of a notice step; its registry errors answer as every registry error does.
impl UserError for NoticeError {
    fn code(&self) -> ErrorCode {
        NoticeError::code(self)
    }
    fn message_zh(&self) -> String {
        match self {
            NoticeError::Registry(RegistryError::NotFound { .. }) => {
                ErrorCode::NotFound.message_zh().into_owned()
            }
            other => NoticeError::message_zh(other),
        }
    }
    fn message_en(&self) -> String {
        match self {
            NoticeError::Registry(RegistryError::NotFound { .. }) => {
                ErrorCode::NotFound.message_en().into_owned()
            }
            other => NoticeError::message_en(other),
        }
    }
    fn field(&self) -> Option<String> {
        NoticeError::field(self)
    }
}

/// The error table as Markdown (the section of `crates/guagou-web/README.md` between the
/// `error-codes` markers; a test keeps the two equal).
pub fn error_table_markdown() -> String {
    let mut out = String::from("| code | status | 含义 | meaning |\n|---|---|---|---|\n");
    for code in ErrorCode::all() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code.as_str(),
            code.status(),
            code.message_zh().replace('|', "\\|"),
            code.message_en().replace('|', "\\|"),
        ));
    }
    out
}

/// An error answered as JSON (the API).
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.0.problem();
        (problem.status, Json(problem)).into_response()
    }
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page_response(self.0.problem())
    }
}

/// The problem behind an HTML error page, kept on the response so that the language
/// middleware (`lib.rs`) renders the page again in the reader's language.
#[derive(Debug, Clone)]
pub struct ErrorPage(pub Problem);

/// An error page (Chinese until the middleware knows the reader's language).
pub fn error_page_response(problem: Problem) -> Response {
    let mut response = (problem.status, Html(html::error_page(&problem))).into_response();
    response.extensions_mut().insert(ErrorPage(problem));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_failure_shows_no_cause() {
        for error in [
            WebError::Internal("secret path /var/lib/x".into()),
            WebError::Registry(RegistryError::Internal("secret path /var/lib/x".into())),
        ] {
            let problem = error.problem();
            assert_eq!(problem.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(problem.code, ErrorCode::Internal);
            assert!(
                !problem.message_zh.contains("secret") && !problem.message_en.contains("secret"),
                "{problem:?}"
            );
        }
    }

    #[test]
    fn a_not_found_never_names_the_record() {
        let hidden = WebError::Registry(RegistryError::NotFound {
            what: "项目/project",
            id: "511722-2019-001".into(),
        });
        let problem = hidden.problem();
        assert_eq!(problem.status, StatusCode::NOT_FOUND);
        assert_eq!(problem.message_en, "not found");
        assert!(!problem.message_zh.contains("511722"), "{problem:?}");
    }

    #[test]
    fn axum_refusals_keep_their_status_through_the_table() {
        for status in [400, 404, 405, 413, 415, 422] {
            let problem = WebError::Rejected {
                status,
                original: "x".into(),
            }
            .problem();
            assert_eq!(problem.status.as_u16(), status, "{problem:?}");
        }
    }
}
