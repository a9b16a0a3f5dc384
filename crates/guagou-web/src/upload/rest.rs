//! The API of uploads, versions, acceptance, city investment and the ranking. Every POST needs
//! the session's CSRF token in `x-csrf-token`; package errors answer 422 with the file, record
//! and field in both messages.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guagou_registry::packages::{PreCheck, StoredPackage};
use guagou_registry::projects::{AcceptanceFigures, CityInvestment, Project, VersionDiff};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::input::{UploadInput, parse_as_of, read_multipart};
use super::ops::{self, AcceptanceInput, AcceptanceView, RankingRow, Registered, VersionAdded};
use super::render::problem_of;
use crate::AppState;
use crate::auth::{ApiUser, User};
use crate::error::{Problem, WebError};
use crate::view;

/// An API failure as JSON (`Problem`), keeping package errors' full location.
#[derive(Debug)]
pub struct UploadApiError(Problem);

impl<E: Into<WebError>> From<E> for UploadApiError {
    fn from(e: E) -> Self {
        UploadApiError(problem_of(&e.into()))
    }
}

impl IntoResponse for UploadApiError {
    fn into_response(self) -> Response {
        (self.0.status, Json(self.0)).into_response()
    }
}

type ApiResult<T> = Result<T, UploadApiError>;

fn require_csrf(user: &User, headers: &HeaderMap) -> Result<(), WebError> {
    user.require_csrf_header(headers)
}

/// The multipart fields of an upload (documentation of the form; the handler reads the parts).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// 项目包 zip / the package zip (project.toml, parcel files, household tables; docs/package.md)
    #[schema(value_type = Option<String>, format = Binary)]
    package: Option<Vec<u8>>,
    /// 基准日 / the date the check applies, `YYYY-MM-DD` (default: today, Asia/Shanghai)
    as_of: Option<String>,
    /// 理由 / why (recorded in the audit log)
    reason: Option<String>,
    /// Without `package`: project code
    code: Option<String>,
    /// Without `package`: project name
    name: Option<String>,
    /// Without `package`: township code (9 digits)
    township: Option<String>,
    /// Without `package`: village codes (12 digits), separated by commas or spaces
    villages: Option<String>,
    households_resettled: Option<u64>,
    persons_resettled: Option<u64>,
    potential_survey_date: Option<String>,
    willingness_survey_date: Option<String>,
    /// Without `package`: demolition parcel file(s) (.txt, .geojson, .json, zipped shapefile)
    #[schema(value_type = Option<String>, format = Binary)]
    demolition: Option<Vec<u8>>,
    #[schema(value_type = Option<String>, format = Binary)]
    resettlement: Option<Vec<u8>>,
    #[schema(value_type = Option<String>, format = Binary)]
    construction: Option<Vec<u8>>,
    /// households.csv
    #[schema(value_type = Option<String>, format = Binary)]
    households: Option<Vec<u8>>,
    /// relocation.csv
    #[schema(value_type = Option<String>, format = Binary)]
    relocation: Option<Vec<u8>>,
    /// For `POST /projects/check` only: check as a new version of this project
    project: Option<String>,
}

/// The multipart fields of a new version.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct VersionForm {
    /// 完整项目包 zip / the whole package zip
    #[schema(value_type = Option<String>, format = Binary)]
    package: Option<Vec<u8>>,
    /// Without `package`: which file of the current version's stored package to replace:
    /// demolition | resettlement | construction | households | relocation
    part: Option<String>,
    /// Without `package`: the new file for `part`
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
    as_of: Option<String>,
    reason: Option<String>,
}

async fn upload_input(
    user: &User,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<UploadInput, WebError> {
    require_csrf(user, headers)?;
    read_multipart(multipart).await
}

/// Handles POST /api/projects/check
#[utoipa::path(post, path = "/projects/check", tag = "uploads",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body(content = inline(UploadForm), content_type = "multipart/form-data",
        description = "项目包 zip（package），或项目字段与文件 / the package zip, or the project fields and files"),
    responses(
        (status = 200, description = "预检查结果（未保存） / pre-check results (nothing saved)", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = Problem),
        (status = 404, description = "项目不存在或无权查看 / project not found", body = Problem),
        (status = 422, description = "项目包无效（文件、记录、字段） / invalid package (file, record, field)", body = Problem),
    ))]
pub async fn project_check(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<PreCheck>> {
    let input = upload_input(&user, &headers, multipart).await?;
    let pre = match input.text("project") {
        None => ops::check_new_project(&state, &user, &input).await?.1,
        Some(code) => {
            let code = code.to_owned();
            ops::check_new_version(&state, &user, &code, &input)
                .await?
                .1
        }
    };
    Ok(Json(pre))
}

/// Handles POST /api/projects
#[utoipa::path(post, path = "/projects", tag = "uploads",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body(content = inline(UploadForm), content_type = "multipart/form-data",
        description = "项目包 zip（package），或项目字段与文件 / the package zip, or the project fields and files"),
    responses(
        (status = 201, description = "已登记（版本 1，草稿）、检查结果与存档项目包 / registered (version 1, draft), check results and the stored package", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = Problem),
        (status = 422, description = "项目包无效或项目已登记 / invalid package or already registered", body = Problem),
    ))]
pub async fn project_register(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let input = upload_input(&user, &headers, multipart).await?;
    let registered = ops::register_now(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// Handles POST /api/projects/{code}/versions
#[utoipa::path(post, path = "/projects/{code}/versions", tag = "uploads",
    params(
        ("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body(content = inline(VersionForm), content_type = "multipart/form-data",
        description = "完整项目包 zip，或替换当前版本项目包中的一个文件 / the whole package zip, or one file replacing its part of the current version's stored package"),
    responses(
        (status = 201, description = "新版本、检查结果与存档项目包 / the new version, check results and the stored package", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = Problem),
        (status = 422, description = "项目包无效 / invalid package", body = Problem),
    ))]
pub async fn version_add(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<VersionAdded>)> {
    let input = upload_input(&user, &headers, multipart).await?;
    let added = ops::add_version_now(&state, &user, &code, &input).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Handles GET /api/projects/{code}/packages
#[utoipa::path(get, path = "/projects/{code}/packages", tag = "uploads",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "各版本存档的项目包（SHA-256、大小）；下载：GET /projects/{code}/versions/{n}/package.zip / stored packages of the versions", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = Problem),
    ))]
pub async fn packages_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<StoredPackage>>> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    Ok(Json(
        user.door(&state.registry)
            .stored_packages(&project.code)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// 起始版本（默认：终止版本的前一版） / from version (default: the one before `to`)
    from: Option<i64>,
    /// 终止版本（默认：最新版本） / to version (default: the latest)
    to: Option<i64>,
}

fn bad_query(e: &QueryRejection) -> WebError {
    WebError::invalid_text(
        "query",
        format!("查询参数无效：{}", e.body_text()),
        format!("invalid query parameters: {}", e.body_text()),
    )
}

/// Handles GET /api/projects/{code}/diff
#[utoipa::path(get, path = "/projects/{code}/diff", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code"), DiffParams),
    responses(
        (status = 200, description = "两个版本之间的变化（新增、删除、面积变化的地块，字段变化） / changes between two versions", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 404, description = "项目或版本不存在或无权查看 / project or version not found", body = Problem),
        (status = 422, description = "参数无效 / invalid parameters", body = Problem),
    ))]
pub async fn diff_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    query: Result<Query<DiffParams>, QueryRejection>,
) -> ApiResult<Json<VersionDiff>> {
    let Query(params) = query.map_err(|e| bad_query(&e))?;
    Ok(Json(
        ops::diff(&state, &user, &code, params.from, params.to).await?,
    ))
}

/// Handles GET /api/projects/{code}/acceptance
#[utoipa::path(get, path = "/projects/{code}/acceptance", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code")),
    responses(
        (status = 200, description = "验收申请、确认节余、已预支、缺口、新增耕地 / the acceptance application, confirmed surplus, advanced, shortfall, farmland balance", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 404, description = "没有验收申请，或项目不存在或无权查看 / no application, or project not found", body = Problem),
    ))]
pub async fn acceptance_show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<AcceptanceView>> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    ops::acceptance_view(&state, &user, &project)
        .await?
        .map(Json)
        .ok_or_else(|| UploadApiError::from(WebError::NotFound))
}

/// An acceptance application (变更与验收同步申报 when `change_version` is given).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptanceBody {
    /// 申请日期 / the date of the application, `YYYY-MM-DD`
    #[schema(example = "2019-07-15")]
    pub as_of: String,
    /// 复垦面积 m² / reclaimed area
    pub reclaimed_m2: i64,
    /// 安置面积 m² / resettlement area
    pub resettlement_m2: i64,
    /// 复垦耕地 m² / reclaimed farmland
    pub reclaimed_farmland_m2: i64,
    /// 安置占用耕地 m² / farmland occupied by the resettlement site
    pub resettlement_farmland_m2: i64,
    /// 同步申报的变更版本 / a change version decided with the acceptance
    #[serde(default)]
    pub change_version: Option<i64>,
    /// 理由 / why
    #[serde(default)]
    pub reason: String,
}

fn bad_json(e: &JsonRejection, shape: &str) -> WebError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::BodyTooLarge;
    }
    WebError::invalid_text(
        "body",
        format!("请求体应为 {shape}：{}", e.body_text()),
        format!("the body should be {shape}: {}", e.body_text()),
    )
}

/// Handles POST /api/projects/{code}/acceptance
#[utoipa::path(post, path = "/projects/{code}/acceptance", tag = "projects",
    params(
        ("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = AcceptanceBody,
    responses(
        (status = 200, description = "已申请验收的项目 / the project, acceptance applied", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = Problem),
        (status = 404, description = "项目或变更版本不存在 / project or change version not found", body = Problem),
        (status = 409, description = "当前状态不允许 / the state does not allow it", body = Problem),
        (status = 422, description = "输入无效 / invalid input", body = Problem),
    ))]
pub async fn acceptance_apply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<AcceptanceBody>, JsonRejection>,
) -> ApiResult<Json<Project>> {
    require_csrf(&user, &headers)?;
    let Json(body) = body.map_err(|e| bad_json(&e, "AcceptanceBody JSON"))?;
    let input = AcceptanceInput {
        as_of: parse_as_of("as_of", Some(&body.as_of), user.today)?,
        figures: AcceptanceFigures {
            reclaimed_m2: body.reclaimed_m2,
            resettlement_m2: body.resettlement_m2,
            reclaimed_farmland_m2: body.reclaimed_farmland_m2,
            resettlement_farmland_m2: body.resettlement_farmland_m2,
        },
        change_version: body.change_version,
        reason: body.reason,
    };
    Ok(Json(
        ops::apply_acceptance(&state, &user, &code, input).await?,
    ))
}

/// City investment of a project (市级投资县级实施, 二(六)).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CityInvestmentBody {
    /// 资金来源 / funding source: city_budget | investment_attraction | social_capital
    #[schema(example = "city_budget")]
    pub funding_source: String,
    /// 市级分成比例 / the city's share of the surplus, 0–100
    #[schema(maximum = 100)]
    pub city_share_percent: u8,
    /// 使用指标县的建新区规划 / the construction-zone plan of the county that uses the quota
    #[serde(default)]
    pub construction_zone_plan: String,
    /// 理由 / why
    #[serde(default)]
    pub reason: String,
}

/// Handles POST /api/projects/{code}/city-investment
#[utoipa::path(post, path = "/projects/{code}/city-investment", tag = "projects",
    params(
        ("code" = String, Path, description = "项目编号 / project code"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = CityInvestmentBody,
    responses(
        (status = 200, description = "记录市级投资后的项目 / the project with its city investment", body = Object),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 403, description = "CSRF、只读、部门、级别（市级）或辖区不符 / CSRF, read-only, department, level (city) or jurisdiction", body = Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = Problem),
        (status = 422, description = "输入无效或已立项 / invalid input, or already approved", body = Problem),
    ))]
pub async fn city_investment_set(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<CityInvestmentBody>, JsonRejection>,
) -> ApiResult<Json<Project>> {
    require_csrf(&user, &headers)?;
    let Json(body) = body.map_err(|e| bad_json(&e, "CityInvestmentBody JSON"))?;
    let investment = CityInvestment {
        funding_source: body.funding_source.trim().to_owned(),
        city_share_percent: body.city_share_percent,
        construction_zone_plan: body.construction_zone_plan.trim().to_owned(),
    };
    Ok(Json(
        ops::set_city_investment(&state, &user, &code, &investment, &body.reason).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// 基准日（判断国家扶贫开发工作重点县） / as-of date for the poverty designation, `YYYY-MM-DD` (default today)
    as_of: Option<String>,
}

/// Handles GET /api/ranking
#[utoipa::path(get, path = "/ranking", tag = "projects",
    params(RankingParams),
    responses(
        (status = 200, description = "市级入库项目排序（每项得分构成都列出；只列出可查看的项目） / the city's ranking of pooled projects, every score part shown (readable projects only)", body = Vec<RankingRow>),
        (status = 401, description = "未登录 / not signed in", body = Problem),
        (status = 422, description = "参数无效 / invalid parameters", body = Problem),
    ))]
pub async fn ranking_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<RankingParams>, QueryRejection>,
) -> ApiResult<Json<Vec<RankingRow>>> {
    let Query(params) = query.map_err(|e| bad_query(&e))?;
    let as_of = parse_as_of("as_of", params.as_of.as_deref(), user.today)?;
    Ok(Json(ops::ranking(&state, &user, as_of).await?))
}
