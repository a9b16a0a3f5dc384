//! The one place where failures become HTTP: every error of the web layer and of the registry
//! gets a status, a stable code, the refusing rule (if any) and a Chinese and an English
//! message. The API renders it as JSON, pages as HTML. A 500 logs its cause and shows none.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use guagou_domain::ledger::LedgerError;
use guagou_domain::lifecycle::LifecycleError;
use guagou_registry::RegistryError;
use serde::Serialize;

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

/// What a client is told about a failure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(skip)]
    #[schema(ignore)]
    pub status: StatusCode,
    /// 错误代码 / stable error code (a rule ID when a rule refused)
    pub code: String,
    /// 拒绝的规则 ID / the refusing rule, if any
    pub rule: Option<String>,
    /// 出错的字段 / the input field at fault, if one is
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message_zh: String,
    pub message_en: String,
}

fn problem(status: StatusCode, code: &str, zh: &str, en: &str) -> Problem {
    Problem {
        status,
        code: code.to_owned(),
        rule: None,
        field: None,
        message_zh: zh.to_owned(),
        message_en: en.to_owned(),
    }
}

/// Splits a registry message written as "中文 / English".
fn bilingual(text: &str) -> (String, String) {
    match text.split_once(" / ") {
        Some((zh, en)) => (zh.to_owned(), en.to_owned()),
        None => (text.to_owned(), text.to_owned()),
    }
}

fn registry_status(error: &RegistryError) -> StatusCode {
    match error {
        RegistryError::NotFound { .. } => StatusCode::NOT_FOUND,
        RegistryError::Forbidden { .. }
        | RegistryError::ReadOnly { .. }
        | RegistryError::Department { .. }
        | RegistryError::LoginFormExpired => StatusCode::FORBIDDEN,
        RegistryError::LoginThrottled => StatusCode::TOO_MANY_REQUESTS,
        RegistryError::BadLogin => StatusCode::UNAUTHORIZED,
        RegistryError::FutureDate { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        RegistryError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        RegistryError::Lifecycle(LifecycleError::WrongLevel { .. }) => StatusCode::FORBIDDEN,
        RegistryError::Lifecycle(LifecycleError::NotAllowed { .. }) => StatusCode::CONFLICT,
        RegistryError::Lifecycle(LifecycleError::RulesFailed(_))
        | RegistryError::Rules(_)
        | RegistryError::Package(_)
        | RegistryError::Invalid { .. }
        | RegistryError::Ledger(LedgerError::Rule { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
        RegistryError::Ledger(_) | RegistryError::Conflict { .. } => StatusCode::CONFLICT,
        RegistryError::Store(e) if e.rule().is_some() => StatusCode::UNPROCESSABLE_ENTITY,
        // The engine's other refusals (balance, idempotency conflict, already issued) and a lot
        // consumed twice are conflicts with the ledger's state, not server failures.
        RegistryError::Store(e)
            if matches!(
                e.code(),
                "lot_already_consumed" | "project_already_registered"
            ) || e.is_ledger_refusal() =>
        {
            StatusCode::CONFLICT
        }
        RegistryError::Store(e) if e.code() == "database_busy" => StatusCode::SERVICE_UNAVAILABLE,
        RegistryError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl WebError {
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        WebError::Invalid {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The status, code, rule and messages of this error.
    pub fn problem(&self) -> Problem {
        match self {
            WebError::Registry(e) => {
                let status = registry_status(e);
                if status == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::error!(error = %e, "registry failure");
                    return problem(
                        status,
                        "internal",
                        "服务器内部错误",
                        "internal server error",
                    );
                }
                let (zh, en) = match e {
                    RegistryError::Invalid { zh, en, .. }
                    | RegistryError::Conflict { zh, en, .. } => (zh.clone(), en.clone()),
                    RegistryError::Rules(results) => results
                        .first()
                        .map(|r| (r.message_zh.clone(), r.message_en.clone()))
                        .unwrap_or_else(|| bilingual(&e.to_string())),
                    // A project the user may not read does not exist for that user.
                    RegistryError::NotFound { .. } => {
                        ("不存在或无权查看".to_owned(), "not found".to_owned())
                    }
                    RegistryError::ReadOnly { .. } => (
                        "只读用户不能执行此操作".to_owned(),
                        "a read-only user may not do this".to_owned(),
                    ),
                    RegistryError::Department {
                        department,
                        required,
                        ..
                    } => (
                        format!(
                            "{}无权执行此操作（仅{}）",
                            department.name_zh(),
                            required.name_zh()
                        ),
                        format!(
                            "the {} may not do this ({} only)",
                            department.name_en(),
                            required.name_en()
                        ),
                    ),
                    RegistryError::LoginThrottled => (
                        "登录失败次数过多，请 15 分钟后再试".to_owned(),
                        "too many failed sign-ins; try again in 15 minutes".to_owned(),
                    ),
                    RegistryError::BadLogin => (
                        "用户名或密码错误".to_owned(),
                        "wrong name or password".to_owned(),
                    ),
                    RegistryError::LoginFormExpired => (
                        "登录表单已失效，请刷新页面后重试".to_owned(),
                        "the sign-in form expired; reload and try again".to_owned(),
                    ),
                    RegistryError::FutureDate { as_of, today } => (
                        format!(
                            "日期 {as_of} 晚于今日（{today}），不能记录将来的事项；如需预估请用预览"
                        ),
                        format!(
                            "{as_of} is after today ({today}): a write cannot be dated in the future; use a preview for a what-if"
                        ),
                    ),
                    _ => bilingual(&e.to_string()),
                };
                let field = match e {
                    RegistryError::Invalid { field, .. } => Some(field.clone()),
                    _ => None,
                };
                Problem {
                    status,
                    code: e.code(),
                    rule: e.rules().first().map(|r| r.as_str().to_owned()),
                    field,
                    message_zh: zh,
                    message_en: en,
                }
            }
            WebError::Unauthorized => problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "请先登录",
                "please sign in",
            ),
            WebError::Csrf => problem(
                StatusCode::FORBIDDEN,
                "csrf",
                "表单已失效，请刷新页面后重试",
                "the form expired (CSRF token missing or wrong); reload and try again",
            ),
            WebError::NotFound => problem(
                StatusCode::NOT_FOUND,
                "not_found",
                "不存在或无权查看",
                "not found",
            ),
            WebError::Invalid { field, zh, en } => Problem {
                field: Some((*field).to_owned()),
                ..problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid", zh, en)
            },
            WebError::BodyTooLarge => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "请求内容过大，超过本接口的上限；项目包请压缩后上传（上限见接口说明）",
                "the request body is larger than this operation accepts; see the API description for the limit",
            ),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "internal failure");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误",
                    "internal server error",
                )
            }
        }
    }
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
        let problem = self.0.problem();
        let body = html::error_page(&problem);
        (problem.status, Html(body)).into_response()
    }
}
