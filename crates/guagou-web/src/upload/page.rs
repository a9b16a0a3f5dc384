//! The pages: upload forms, pre-check results with the save form, the diff, the package
//! download, the acceptance and city-investment form targets, the ranking. A failed upload
//! step answers a page naming the problem (file, record, field) with a link back.

use crate::catalogue::{Key, k};

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_registry::packages::PreCheck;
use guagou_registry::projects::{AcceptanceFigures, CityInvestment};
use serde::Deserialize;

use super::input::{parse_as_of, parse_count, read_multipart};
use super::ops::{self, AcceptanceInput};
use super::render::{
    DiffView, PreCheckView, ProblemBody, diff_view, either, precheck_view, problem_of,
};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, page};
use crate::partials::render;
use crate::view;

/// A page for a failed step: the problem in both languages and a link back to `back`.
fn problem_page(user: &User, error: &WebError, back: &str) -> Response {
    let problem = problem_of(error);
    match render(
        &ProblemBody::new(user.lang, &problem, back),
        "upload problem",
    ) {
        Ok(body) => (problem.status, Html(page(k::NOT_DONE_2, Some(user), &body))).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

const PARCEL_ACCEPT: &str = ".txt,.geojson,.json,.zip";

/// The parts of a stored package one file may replace, with their names.
const VERSION_PARTS: &[(&str, Key)] = &[
    ("demolition", k::DEMOLITION_PARCEL_FILE),
    ("resettlement", k::RESETTLEMENT_SITE_FILE),
    ("construction", k::CONSTRUCTION_ZONE_FILE),
    ("households", k::HOUSEHOLD_TABLE),
    ("relocation", k::RELOCATION_LIST),
];

/// The body of /projects/new (`templates/upload/new_project.html`); the township and village
/// fields are rendered by their own template (`picked_field.html`).
#[derive(Template)]
#[template(path = "upload/new_project.html")]
struct NewProjectBody<'a> {
    lang: Lang,
    csrf: &'a str,
    today: chrono::NaiveDate,
    county_line: String,
    township: String,
    villages: String,
    parcel_accept: &'static str,
}

/// The body of /projects/{code}/versions/new (`templates/upload/new_version.html`).
#[derive(Template)]
#[template(path = "upload/new_version.html")]
struct NewVersionBody<'a> {
    lang: Lang,
    code: &'a str,
    csrf: &'a str,
    today: chrono::NaiveDate,
    intro: String,
    /// Whether the current version's package is stored (one file may then be replaced).
    stored: bool,
    /// The heading of the one-file form, or the line saying there is no stored package.
    version_line: String,
    parts: &'static [(&'static str, Key)],
    parcel_accept: &'static str,
}

/// The body of the diff page (`templates/upload/diff.html`).
#[derive(Template)]
#[template(path = "upload/diff.html")]
struct DiffBody<'a> {
    lang: Lang,
    code: &'a str,
    versions: Vec<i64>,
    from: i64,
    to: i64,
    v: DiffView,
}

/// Handles GET /projects/new
pub async fn new_project_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    ops::require_uploader(&user)?;
    let lang = user.lang;
    // The townships and villages of the user's county by name (the fields still take codes).
    let divisions = user
        .door(&state.registry)
        .divisions_under(user.actor.division.as_str())
        .await?;
    let (townships, villages) = crate::pickers::townships_and_villages(&divisions);
    let names = user.door(&state.registry).division_names().await?;
    let county = user.actor.division.as_str();
    let county = names.get(county).map_or(county, String::as_str);
    let body = render(
        &NewProjectBody {
            lang,
            csrf: &user.csrf,
            today: user.today,
            county_line: lang.fill(
                k::UPLOAD_THE_COUNTY_IS_YOUR_JURISDICTION,
                &[("county", county)],
            ),
            township: crate::pickers::field(
                lang.text(k::TOWNSHIP_CODE_9_DIGITS),
                "township",
                "511722104",
                "picker-townships",
                &townships,
            ),
            villages: crate::pickers::list_field(
                lang.text(k::VILLAGE_CODES_12_DIGITS_COMMA_SEPARATED),
                lang.text(k::ADD_A_VILLAGE_BY_NAME),
                "villages",
                "511722104201, 511722104202",
                "picker-villages",
                &villages,
            ),
            parcel_accept: PARCEL_ACCEPT,
        },
        "upload form",
    )?;
    Ok(Html(page(
        k::REGISTER_A_PROJECT_BY_UPLOAD,
        Some(&user),
        &body,
    )))
}

/// The body of the results page of a pre-check (`templates/upload/results.html`).
#[derive(Template)]
#[template(path = "upload/results.html")]
struct ResultsBody<'a> {
    lang: Lang,
    v: PreCheckView<'a>,
    report: String,
    action: &'a str,
    csrf: &'a str,
    token: &'a str,
    back: &'a str,
}

/// The results page of a pre-check with the "save" form and the link to the printable report.
fn results_page(
    user: &User,
    pre: &PreCheck,
    token: &str,
    save_action: &str,
    back: &str,
) -> Result<String, WebError> {
    let body = render(
        &ResultsBody {
            lang: user.lang,
            v: precheck_view(user.lang, pre),
            report: super::report::report_url(pre.new_version_of.as_deref(), token, &pre.as_of),
            action: save_action,
            csrf: &user.csrf,
            token,
            back,
        },
        "pre-check results",
    )?;
    let name = match &pre.new_version_of {
        None => k::PACKAGE_CHECK_RESULTS,
        Some(_) => k::NEW_VERSION_CHECK_RESULTS,
    };
    Ok(page(name, Some(user), &body))
}

/// Handles POST /projects/new/check (multipart)
pub async fn new_project_check(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let back = "/projects/new";
    let outcome = async {
        let input = read_multipart(multipart).await?;
        user.require_csrf(input.csrf())?;
        let (built, pre) = ops::check_new_project(&state, &user, &input).await?;
        let token = ops::keep_upload(&state, &user, None, built).await?;
        results_page(&user, &pre, &token, "/projects/new/save", back)
    }
    .await;
    match outcome {
        Ok(html) => Html(html).into_response(),
        Err(e) => problem_page(&user, &e, back),
    }
}

#[derive(Debug, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    reason: String,
}

/// Handles POST /projects/new/save
pub async fn new_project_save(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<SaveForm>,
) -> Response {
    let outcome = async {
        user.require_csrf(form.csrf.as_deref())?;
        let as_of = parse_as_of("as_of", Some(&form.as_of), user.today)?;
        ops::save_new_project(&state, &user, &form.token, as_of, &form.reason).await
    }
    .await;
    match outcome {
        Ok(project) => Redirect::to(&format!("/projects/{}", project.code)).into_response(),
        Err(e) => problem_page(&user, &e, "/projects/new"),
    }
}

/// Handles GET /projects/{code}/versions/new
pub async fn new_version_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    ops::require_uploader(&user)?;
    let lang = user.lang;
    let stored = user
        .door(&state.registry)
        .stored_package(&project.code, project.current_version)
        .await
        .is_ok();
    let version = project.current_version.to_string();
    let version_line = lang.fill(
        if stored {
            k::UPLOAD_OR_REPLACE_ONE_FILE_OF_VERSION
        } else {
            k::UPLOAD_VERSION_HAS_NO_STORED_PACKAGE
        },
        &[("version", &version)],
    );
    let state_text = lang
        .text(crate::names::project_state(project.state))
        .to_owned();
    let intro = lang.fill(
        k::UPLOAD_PROJECT_IS_AT_VERSION,
        &[
            ("code", &project.code),
            ("version", &version),
            ("state", &state_text),
        ],
    );
    let body = render(
        &NewVersionBody {
            lang,
            code: &project.code,
            csrf: &user.csrf,
            today: user.today,
            intro,
            stored,
            version_line,
            parts: VERSION_PARTS,
            parcel_accept: PARCEL_ACCEPT,
        },
        "new version form",
    )?;
    Ok(Html(page(k::UPLOAD_A_NEW_VERSION, Some(&user), &body)))
}

/// Handles POST /projects/{code}/versions/check (multipart)
pub async fn new_version_check(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let back = format!("/projects/{code}/versions/new");
    let outcome = async {
        let input = read_multipart(multipart).await?;
        user.require_csrf(input.csrf())?;
        let (built, pre) = ops::check_new_version(&state, &user, &code, &input).await?;
        let token = ops::keep_upload(&state, &user, Some(&pre.code), built).await?;
        let action = format!("/projects/{}/versions/save", pre.code);
        results_page(&user, &pre, &token, &action, &back)
    }
    .await;
    match outcome {
        Ok(html) => Html(html).into_response(),
        Err(e) => problem_page(&user, &e, &back),
    }
}

/// Handles POST /projects/{code}/versions/save
pub async fn new_version_save(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<SaveForm>,
) -> Response {
    let outcome = async {
        user.require_csrf(form.csrf.as_deref())?;
        let as_of = parse_as_of("as_of", Some(&form.as_of), user.today)?;
        ops::save_new_version(&state, &user, &code, &form.token, as_of, &form.reason).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/projects/{code}")).into_response(),
        Err(e) => problem_page(&user, &e, &format!("/projects/{code}/versions/new")),
    }
}

/// A file name made of safe characters only (for Content-Disposition).
fn safe_file_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Handles GET /projects/{code}/versions/{version}/package.zip
pub async fn package_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((code, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let project = view::readable_project(&state.registry, &user, &code).await?;
    let version: i64 = version.parse().map_err(|_| WebError::NotFound)?;
    let stored = user
        .door(&state.registry)
        .stored_package(&project.code, version)
        .await?;
    let file_name = safe_file_name(&format!("{}-v{version}.zip", project.code));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (
                header::HeaderName::from_static("x-package-sha256"),
                stored.sha256.clone(),
            ),
        ],
        stored.zip,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// Handles GET /projects/{code}/diff?from=1&to=2
pub async fn diff_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(query): Query<DiffQuery>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let from = parse_count::<i64>("from", query.from.as_deref())?;
    let to = parse_count::<i64>("to", query.to.as_deref())?;
    let diff = ops::diff(&state, &user, &code, from, to).await?;
    let versions = user.door(&state.registry).versions(&code).await?;
    let body = render(
        &DiffBody {
            lang,
            code: &code,
            versions: versions.iter().map(|v| v.version).collect(),
            from: diff.from,
            to: diff.to,
            v: diff_view(lang, &diff),
        },
        "diff",
    )?;
    let (from, to) = (diff.from.to_string(), diff.to.to_string());
    let title = |lang: Lang| {
        lang.fill(
            k::UPLOAD_VERSIONS_COMPARED,
            &[("from", from.as_str()), ("to", to.as_str())],
        )
    };
    Ok(Html(page(
        (&title(Lang::Zh), &title(Lang::En)),
        Some(&user),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct AcceptanceForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    reclaimed_m2: String,
    #[serde(default)]
    resettlement_m2: String,
    #[serde(default)]
    reclaimed_farmland_m2: String,
    #[serde(default)]
    resettlement_farmland_m2: String,
    #[serde(default)]
    change_version: String,
    #[serde(default)]
    reason: String,
}

/// A required whole number of m² from a form field.
fn required_m2(field: &'static str, text: &str) -> Result<i64, WebError> {
    if text.trim().is_empty() {
        return Err(WebError::invalid_text(
            field,
            format!("{field} 必填（整数 m²）"),
            format!("{field} is required (whole m²)"),
        ));
    }
    crate::amount::form_area_m2(field, text)
}

impl AcceptanceForm {
    fn parse(&self, today: chrono::NaiveDate) -> Result<AcceptanceInput, WebError> {
        Ok(AcceptanceInput {
            as_of: parse_as_of("as_of", Some(&self.as_of), today)?,
            figures: AcceptanceFigures {
                reclaimed_m2: required_m2("reclaimed_m2", &self.reclaimed_m2)?,
                resettlement_m2: required_m2("resettlement_m2", &self.resettlement_m2)?,
                reclaimed_farmland_m2: required_m2(
                    "reclaimed_farmland_m2",
                    &self.reclaimed_farmland_m2,
                )?,
                resettlement_farmland_m2: required_m2(
                    "resettlement_farmland_m2",
                    &self.resettlement_farmland_m2,
                )?,
            },
            change_version: parse_count("change_version", Some(&self.change_version))?,
            reason: self.reason.clone(),
        })
    }
}

/// Handles POST /projects/{code}/acceptance
pub async fn acceptance_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<AcceptanceForm>,
) -> Response {
    let outcome = async {
        user.require_csrf(form.csrf.as_deref())?;
        let input = form.parse(user.today)?;
        ops::apply_acceptance(&state, &user, &code, input).await
    }
    .await;
    match outcome {
        Ok(project) => {
            Redirect::to(&format!("/projects/{}#acceptance", project.code)).into_response()
        }
        Err(e) => problem_page(&user, &e, &format!("/projects/{code}")),
    }
}

#[derive(Debug, Deserialize)]
pub struct CityInvestmentForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    funding_source: String,
    #[serde(default)]
    city_share_percent: String,
    #[serde(default)]
    construction_zone_plan: String,
    #[serde(default)]
    reason: String,
}

/// A share in whole percent, 0–100.
pub fn parse_share(text: &str) -> Result<u8, WebError> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| {
            WebError::invalid_text(
                "city_share_percent",
                format!("市级分成比例 {text} 应为 0—100 的整数"),
                format!("the city share {text} must be a whole number 0–100"),
            )
        })
}

/// Handles POST /projects/{code}/city-investment
pub async fn city_investment_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<CityInvestmentForm>,
) -> Response {
    let outcome = async {
        user.require_csrf(form.csrf.as_deref())?;
        let investment = CityInvestment {
            funding_source: form.funding_source.trim().to_owned(),
            city_share_percent: parse_share(&form.city_share_percent)?,
            construction_zone_plan: form.construction_zone_plan.trim().to_owned(),
        };
        ops::set_city_investment(&state, &user, &code, &investment, &form.reason).await
    }
    .await;
    match outcome {
        Ok(project) => {
            Redirect::to(&format!("/projects/{}#city-investment", project.code)).into_response()
        }
        Err(e) => problem_page(&user, &e, &format!("/projects/{code}")),
    }
}

#[derive(Debug, Deserialize)]
pub struct RankingQuery {
    #[serde(default)]
    as_of: Option<String>,
}

/// Handles GET /ranking
pub async fn ranking_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<RankingQuery>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let as_of = parse_as_of("as_of", query.as_of.as_deref(), user.today)?;
    let rows = ops::ranking(&state, &user, as_of).await?;
    let priority = user.door(&state.registry).profile().priority.clone();
    let rule = match lang {
        Lang::Zh => ranking_rule_zh(&priority),
        Lang::En => ranking_rule_en(&priority),
    };
    let body = render(
        &RankingBody {
            lang,
            rule,
            as_of,
            rows,
        },
        "ranking",
    )?;
    Ok(Html(page(
        k::RANKING_OF_POOLED_PROJECTS,
        Some(&user),
        &body,
    )))
}

const RANKING_HEADERS: &[Key] = &[
    k::RANK,
    k::CODE_2,
    k::NAME_2,
    k::COUNTY,
    k::GROUP,
    k::WHY_THIS_GROUP,
    k::POOR_VILLAGES,
    k::RELOCATION_HOUSEHOLDS_2,
    k::POOR_HOUSEHOLDS,
    k::SCORE,
    k::SUBMITTED,
    k::WHY_THIS_PLACE,
];

/// The body of the ranking (`templates/upload/ranking.html`).
#[derive(Template)]
#[template(path = "upload/ranking.html")]
struct RankingBody {
    lang: Lang,
    /// How the ranking is made, in the reader's language.
    rule: String,
    as_of: chrono::NaiveDate,
    rows: Vec<ops::RankingRow>,
}

impl RankingBody {
    /// The text of a pair in the reader's language.
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        either(self.lang, zh, en)
    }
}

/// How the ranking is made, from the profile's values (二(二)).
fn ranking_rule_zh(p: &guagou_domain::profile::Priority) -> String {
    format!(
        "排序依据（{}）：先优先组——国家扶贫开发工作重点县（退出后过渡期至 {}）的项目，以及覆盖贫困村或易地扶贫搬迁户多的村（不少于 {} 户）的项目；再其他项目。组内按得分：每个贫困村 {} 分、每户易地扶贫搬迁户 {} 分、每户贫困户 {} 分；同分按报送日期。",
        p.transition_until.clause,
        p.transition_until.value,
        p.many_relocation_households.value,
        p.points_per_poor_village.value,
        p.points_per_relocation_household.value,
        p.points_per_poor_household.value,
    )
}

fn ranking_rule_en(p: &guagou_domain::profile::Priority) -> String {
    format!(
        "Order ({}): first the priority group — projects of national key poverty counties (after exit until {}) and projects covering a poor village or a village with many relocation households (at least {}); then the rest. Inside a group by score: {} per poor village, {} per relocation household, {} per poor household; ties by submission date.",
        p.transition_until.clause,
        p.transition_until.value,
        p.many_relocation_households.value,
        p.points_per_poor_village.value,
        p.points_per_relocation_household.value,
        p.points_per_poor_household.value,
    )
}
