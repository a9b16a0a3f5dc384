//! The notice API: public GETs under `/api/public/…` (no session; the same public views as the
//! pages: masked names, no staff fields), and the staff's view, publishing and answers under
//! `/api/notices/…` (session; every POST needs `x-csrf-token`). Objections are filed on the
//! public page only (its form carries a CSRF token; there is no public POST in the API).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use guagou_domain::notice::{Basis, Standard};
use guagou_registry::notice::{Notice, NoticeInput, Objection};
use serde::Deserialize;
use utoipa::ToSchema;

use super::fail::{ApiFail, Fail};
use super::staff::{self, parse_date, require_writer};
use super::view::{PublicNotice, PublicObjection, StaffNotice};
use crate::AppState;
use crate::api::json_body as body;
use crate::auth::ApiUser;
use crate::error::WebError;

type ApiResult<T> = Result<T, ApiFail>;

/// Handles GET /api/public/notices
#[utoipa::path(get, path = "/public/notices", tag = "public",
    responses(
        (status = 200, description = "各项目最新公示（不含农户名单）/ the latest notice of every project (without households)", body = Vec<Object>),
    ))]
pub async fn public_notices(State(state): State<AppState>) -> ApiResult<Json<Vec<PublicNotice>>> {
    let public = state.registry.public();
    let today = public.notice_today()?;
    let notices = public.public_notices().await?;
    Ok(Json(
        notices
            .iter()
            .map(|n| PublicNotice::of(n, &[], today))
            .collect(),
    ))
}

/// Handles GET /api/public/projects/{code}/notice
#[utoipa::path(get, path = "/public/projects/{code}/notice", tag = "public",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "公示：项目、面积、补偿标准、农户（姓名打码）、已答复的异议 / the notice: project, areas, standards, households (names masked), answered objections", body = Object),
        (status = 404, description = "未发布公示 / no notice published", body = crate::error::Problem),
    ))]
pub async fn public_notice(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicNotice>> {
    Ok(Json(super::public_view(&state, &code).await?))
}

/// Handles GET /api/public/objections/{receipt}
#[utoipa::path(get, path = "/public/objections/{receipt}", tag = "public",
    params(("receipt" = String, Path, description = "回执号 / receipt number, e.g. GS-511722-2018-001-3FA9C21B")),
    responses(
        (status = 200, description = "异议及答复（姓名打码）/ the objection and its answer (name masked)", body = Object),
        (status = 404, description = "回执号不存在 / no such receipt", body = crate::error::Problem),
    ))]
pub async fn public_objection(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
) -> ApiResult<Json<PublicObjection>> {
    let objection = state.registry.public().objection(&receipt).await?;
    Ok(Json(PublicObjection::of(&objection)))
}

/// Handles GET /api/notices/{code}
#[utoipa::path(get, path = "/notices/{code}", tag = "notices",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "公示及全部异议（含姓名、联系方式、答复期限、是否逾期）/ the notice and every objection (name, contact, due day, overdue)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn staff_notice(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<StaffNotice>> {
    Ok(Json(staff::staff_view(&state, &user, &code).await?))
}

/// One compensation standard.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StandardBody {
    /// 项目 / item, e.g. 砖混结构房屋补偿
    pub item: String,
    /// per_m2 | per_household | per_person
    #[schema(example = "per_m2")]
    pub basis: String,
    /// 金额（分）/ amount in 分 per unit of `basis`
    #[schema(example = 65000)]
    pub amount_fen: i64,
}

/// The body of a publish call.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishBody {
    /// 公示开始 / `YYYY-MM-DD`
    #[schema(example = "2019-07-15")]
    pub starts_on: String,
    /// 公示结束 / `YYYY-MM-DD`, at least 7 days after the start
    #[schema(example = "2019-07-25")]
    pub ends_on: String,
    #[serde(default)]
    pub standards: Vec<StandardBody>,
    /// 补偿标准说明 / the standards as text
    #[serde(default)]
    pub standards_text: String,
    /// 联系方式 / contact
    pub contact: String,
    /// 农户表 CSV 文本（仅当当前版本没有存档的项目包时）/ households CSV text, only for a project without a stored package
    #[serde(default)]
    pub households_csv: Option<String>,
}

impl PublishBody {
    fn input(self) -> Result<NoticeInput, WebError> {
        let standards = self
            .standards
            .into_iter()
            .map(|s| {
                let basis = Basis::parse(&s.basis).ok_or_else(|| {
                    WebError::invalid_text(
                        "standards",
                        format!(
                            "未知的计量单位 '{}'（per_m2、per_household、per_person）",
                            s.basis
                        ),
                        format!(
                            "unknown basis '{}' (per_m2, per_household, per_person)",
                            s.basis
                        ),
                    )
                })?;
                Ok(Standard {
                    item: s.item,
                    basis,
                    amount_fen: s.amount_fen,
                })
            })
            .collect::<Result<Vec<_>, WebError>>()?;
        Ok(NoticeInput {
            starts_on: parse_date("starts_on", &self.starts_on)?,
            ends_on: parse_date("ends_on", &self.ends_on)?,
            standards,
            standards_text: self.standards_text,
            contact: self.contact,
            households_csv: self.households_csv.map(String::into_bytes),
        })
    }
}

fn require_csrf(user: &crate::auth::User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)
}

/// Handles POST /api/notices/{code}
#[utoipa::path(post, path = "/notices/{code}", tag = "notices",
    params(
        ("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = PublishBody,
    responses(
        (status = 201, description = "已发布的公示（农户姓名已打码）/ the notice published (household names masked)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 422, description = "公示期过短、输入或农户表无效 / period too short, invalid input or households table", body = crate::error::Problem),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    request: Result<Json<PublishBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Notice>)> {
    require_csrf(&user, &headers)?;
    require_writer(&state, &user, &code).await?;
    let input = body(
        request,
        "{\"starts_on\",\"ends_on\",\"standards\",\"contact\",…}",
    )?
    .input()?;
    let notice = user
        .door(&state.registry)
        .publish_notice(&code, &input)
        .await
        .map_err(Fail::from)?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// The body of an answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// 答复 / the answer (public)
    pub answer: String,
    /// 答复日期 / `YYYY-MM-DD` (default: today)
    #[serde(default)]
    pub as_of: String,
}

/// Handles POST /api/notices/objections/{receipt}/answer
#[utoipa::path(post, path = "/notices/objections/{receipt}/answer", tag = "notices",
    params(
        ("receipt" = String, Path, description = "回执号 / receipt number"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = AnswerBody,
    responses(
        (status = 200, description = "已答复的异议 / the objection answered", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "已答复 / already answered", body = crate::error::Problem),
    ))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(receipt): Path<String>,
    request: Result<Json<AnswerBody>, JsonRejection>,
) -> ApiResult<Json<Objection>> {
    require_csrf(&user, &headers)?;
    let request = body(request, "{\"answer\",\"as_of\"}")?;
    Ok(Json(
        staff::answer(&state, &user, &receipt, &request.answer, &request.as_of).await?,
    ))
}
