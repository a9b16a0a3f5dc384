//! Failures of the notice routes as `Problem`s, through the one table (`Problem::of`): the
//! registry's and the web layer's errors as everywhere, the notice refusals with their own
//! codes — 409 outside the notice period or for a second answer, 422 for a short period or
//! bad input, 429 for the hourly objection limit.

use axum::Json;
use axum::response::{IntoResponse, Response};
use guagou_registry::RegistryError;
use guagou_registry::notice::NoticeError;

use crate::error::{Problem, WebError};

/// The problem of a notice step.
pub fn notice_problem(error: NoticeError) -> Problem {
    Problem::of(&error)
}

/// A failure of a notice page or API call, already mapped (boxed: a `Problem` is large).
#[derive(Debug)]
pub struct Fail(pub Box<Problem>);

impl From<WebError> for Fail {
    fn from(e: WebError) -> Self {
        Fail(Box::new(e.problem()))
    }
}

impl From<RegistryError> for Fail {
    fn from(e: RegistryError) -> Self {
        Fail(Box::new(WebError::from(e).problem()))
    }
}

impl From<NoticeError> for Fail {
    fn from(e: NoticeError) -> Self {
        Fail(Box::new(notice_problem(e)))
    }
}

/// An HTML answer of a failure.
#[derive(Debug)]
pub struct PageFail(pub Problem);

impl<E: Into<Fail>> From<E> for PageFail {
    fn from(e: E) -> Self {
        PageFail(*e.into().0)
    }
}

impl IntoResponse for PageFail {
    fn into_response(self) -> Response {
        crate::error::error_page_response(self.0)
    }
}

/// A JSON answer of a failure.
#[derive(Debug)]
pub struct ApiFail(pub Problem);

impl<E: Into<Fail>> From<E> for ApiFail {
    fn from(e: E) -> Self {
        ApiFail(*e.into().0)
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        (self.0.status, Json(self.0)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use guagou_domain::notice::NoticeError as Rule;

    #[test]
    fn refusals_have_their_status() {
        let closed = notice_problem(NoticeError::Rule(Rule::Closed {
            ends_on: chrono::NaiveDate::from_ymd_opt(2019, 7, 1).unwrap_or_default(),
        }));
        assert_eq!(closed.status, StatusCode::CONFLICT);
        assert_eq!(closed.code, "notice_closed");
        assert!(
            closed.message_zh.contains("不再受理"),
            "{}",
            closed.message_zh
        );
        assert!(
            closed.message_en.contains("no longer accepted"),
            "{}",
            closed.message_en
        );
        let limited = notice_problem(NoticeError::RateLimited { per_hour: 5 });
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.code, "objection_rate_limited");
        assert!(limited.message_en.contains("at most 5"), "{limited:?}");
        let short = notice_problem(NoticeError::Rule(Rule::PeriodTooShort {
            min_days: 7,
            starts_on: chrono::NaiveDate::from_ymd_opt(2019, 7, 1).unwrap_or_default(),
            ends_on: chrono::NaiveDate::from_ymd_opt(2019, 7, 3).unwrap_or_default(),
        }));
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.field.as_deref(), Some("ends_on"));
        let missing = notice_problem(NoticeError::Registry(RegistryError::NotFound {
            what: "公示/notice",
            id: "x".into(),
        }));
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.message_en, "not found");
    }
}
