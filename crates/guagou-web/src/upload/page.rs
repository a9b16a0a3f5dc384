//! The pages: upload forms, pre-check results with the save form, the diff, the package
//! download, the acceptance and city-investment form targets, the ranking. A failed upload
//! step answers a page naming the problem (file, record, field) with a link back.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

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
use super::render::{diff_html, precheck_html, problem_html, problem_of};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, esc, page};
use crate::view;

/// A page for a failed step: the problem in both languages and a link back to `back`.
fn problem_page(user: &User, error: &WebError, back: &str) -> Response {
    let lang = user.lang;
    let problem = problem_of(error);
    let body = format!(
        "{}<p><a id=\"back\" href=\"{}\">{}</a></p>",
        problem_html(lang, &problem),
        esc(back),
        lang.t(k::BACK),
    );
    (problem.status, Html(page(k::NOT_DONE_2, Some(user), &body))).into_response()
}

fn csrf_field(user: &User) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&user.csrf)
    )
}

fn as_of_field(lang: Lang, today: chrono::NaiveDate, id: &str) -> String {
    format!(
        "<p><label>{} <input type=\"date\" name=\"as_of\" id=\"{id}\" value=\"{today}\" max=\"{today}\"></label></p>",
        lang.t(k::AS_OF_THE_DATE_THE_CHECK),
    )
}

fn file_field(lang: Lang, name: &str, label: Key, accept: &str, multiple: bool) -> String {
    format!(
        "<p><label>{} <input type=\"file\" name=\"{name}\" id=\"field-{name}\" accept=\"{accept}\"{}></label></p>",
        lang.t(label),
        if multiple { " multiple" } else { "" },
    )
}

fn text_field(lang: Lang, name: &str, label: Key, kind: &str, hint: &str) -> String {
    format!(
        "<p><label>{} <input type=\"{kind}\" name=\"{name}\" id=\"field-{name}\" placeholder=\"{}\"></label></p>",
        lang.t(label),
        esc(hint),
    )
}

const PARCEL_ACCEPT: &str = ".txt,.geojson,.json,.zip";

/// Handles GET /projects/new
pub async fn new_project_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    ops::require_uploader(&user)?;
    let lang = user.lang;
    let csrf = csrf_field(&user);
    // The townships and villages of the user's county by name (the fields still take codes).
    let divisions = user
        .door(&state.registry)
        .divisions_under(user.actor.division.as_str())
        .await?;
    let (townships, villages) = crate::pickers::townships_and_villages(&divisions);
    let body = format!(
        "<p>{intro}</p>\
         <section id=\"upload-zip\"><h2>{zh2}</h2>\
         <form id=\"upload-zip-form\" method=\"post\" action=\"/projects/new/check\" enctype=\"multipart/form-data\">{csrf}\
         <p><label>{pkg} <input type=\"file\" name=\"package\" id=\"field-package\" accept=\".zip\" required></label></p>\
         {as_of}<p><button id=\"check-zip\">{check}</button></p></form></section>\
         <section id=\"upload-fields\"><h2>{fh2}</h2>\
         <form id=\"upload-fields-form\" method=\"post\" action=\"/projects/new/check\" enctype=\"multipart/form-data\">{csrf}\
         <p class=\"en\">{county}</p>{code}{name}{township}{villages}{households_resettled}{persons}{potential}{willingness}\
         {demolition}{resettlement}{construction}{households}{relocation}\
         <p><label>{j1} <input name=\"justification.RESETTLEMENT_ADJACENT\" id=\"field-justification-RESETTLEMENT_ADJACENT\"></label></p>\
         <p><label>{j2} <input name=\"justification.RELOCATION_HOUSEHOLDS_COVERED\" id=\"field-justification-RELOCATION_HOUSEHOLDS_COVERED\"></label></p>\
         {as_of2}<p><button id=\"check-fields\">{check}</button></p></form></section>",
        intro = lang.t(k::AN_UPLOAD_IS_CHECKED_FIRST_YOU),
        zh2 = lang.t(k::UPLOAD_A_PROJECT_PACKAGE_ZIP),
        pkg = lang.t(k::PACKAGE_PROJECT_TOML_PARCEL_FILES_AND),
        as_of = as_of_field(lang, user.today, "field-as_of"),
        as_of2 = as_of_field(lang, user.today, "field-as_of-2"),
        check = lang.t(k::CHECK_NOTHING_IS_SAVED),
        fh2 = lang.t(k::OR_FILL_IN_THE_PROJECT_AND),
        county = lang.pair(
            &format!("县级代码取你的辖区 {}", user.actor.division),
            &format!("The county is your jurisdiction, {}", user.actor.division)
        ),
        code = text_field(lang, "code", k::PROJECT_CODE_2, "text", "511722-2018-003"),
        name = text_field(lang, "name", k::PROJECT_NAME, "text", ""),
        township = crate::pickers::field(
            lang.text(k::TOWNSHIP_CODE_9_DIGITS),
            "township",
            "511722104",
            "picker-townships",
            &townships
        ),
        villages = crate::pickers::field(
            lang.text(k::VILLAGE_CODES_12_DIGITS_COMMA_SEPARATED),
            "villages",
            "511722104201, 511722104202",
            "picker-villages",
            &villages
        ),
        households_resettled = text_field(
            lang,
            "households_resettled",
            k::HOUSEHOLDS_RESETTLED,
            "number",
            ""
        ),
        persons = text_field(
            lang,
            "persons_resettled",
            k::PERSONS_RESETTLED,
            "number",
            ""
        ),
        potential = text_field(
            lang,
            "potential_survey_date",
            k::POTENTIAL_SURVEY_DATE,
            "date",
            ""
        ),
        willingness = text_field(
            lang,
            "willingness_survey_date",
            k::WILLINGNESS_SURVEY_DATE,
            "date",
            ""
        ),
        demolition = file_field(
            lang,
            "demolition",
            k::DEMOLITION_PARCELS_TXT_COORDINATE_TEXT_GEOJSON,
            PARCEL_ACCEPT,
            true
        ),
        resettlement = file_field(
            lang,
            "resettlement",
            k::RESETTLEMENT_SITE_PARCELS,
            PARCEL_ACCEPT,
            true
        ),
        construction = file_field(
            lang,
            "construction",
            k::CONSTRUCTION_ZONE_PARCELS_OPTIONAL,
            PARCEL_ACCEPT,
            true
        ),
        households = file_field(
            lang,
            "households",
            k::DEMOLISHED_HOUSEHOLDS_HOUSEHOLDS_CSV,
            ".csv",
            false
        ),
        relocation = file_field(
            lang,
            "relocation",
            k::RELOCATION_HOUSEHOLDS_RELOCATION_CSV_OPTIONAL,
            ".csv",
            false
        ),
        j1 = lang.t(k::JUSTIFICATION_FOR_RESETTLEMENT_ADJACENT),
        j2 = lang.t(k::JUSTIFICATION_FOR_RELOCATION_HOUSEHOLDS_COVERED),
    );
    Ok(Html(page(
        k::REGISTER_A_PROJECT_BY_UPLOAD,
        Some(&user),
        &body,
    )))
}

/// The results page of a pre-check with the "save" form and the link to the printable report.
fn results_page(user: &User, pre: &PreCheck, token: &str, save_action: &str, back: &str) -> String {
    let lang = user.lang;
    let mut body = precheck_html(lang, pre);
    let report = super::report::report_url(pre.new_version_of.as_deref(), token, &pre.as_of);
    let _ = write!(
        body,
        "<p class=\"print-link\"><a id=\"precheck-report\" href=\"{report}\" target=\"_blank\">{print}</a></p>\
         <form id=\"save-form\" method=\"post\" action=\"{action}\">{csrf}\
         <input type=\"hidden\" name=\"token\" id=\"save-token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"as_of\" value=\"{as_of}\">\
         <p><label>{reason} <input name=\"reason\" id=\"save-reason\"></label></p>\
         <p><button id=\"save\">保存 / Save</button></p></form>\
         <p><a id=\"upload-again\" href=\"{back}\">{again}</a></p>",
        report = esc(&report),
        print = lang.t(k::PRINT_THE_CHECK_REPORT_A4),
        action = esc(save_action),
        csrf = csrf_field(user),
        token = esc(token),
        as_of = esc(&pre.as_of),
        reason = lang.t(k::REASON),
        back = esc(back),
        again = lang.t(k::DO_NOT_SAVE_UPLOAD_AGAIN),
    );
    let name = match &pre.new_version_of {
        None => k::PACKAGE_CHECK_RESULTS,
        Some(_) => k::NEW_VERSION_CHECK_RESULTS,
    };
    page(name, Some(user), &body)
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
        Ok::<_, WebError>(results_page(
            &user,
            &pre,
            &token,
            "/projects/new/save",
            back,
        ))
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
    let code = esc(&project.code);
    let csrf = csrf_field(&user);
    let stored = user
        .door(&state.registry)
        .stored_package(&project.code, project.current_version)
        .await
        .is_ok();
    let one_file = if stored {
        let parts = [
            ("demolition", k::DEMOLITION_PARCEL_FILE),
            ("resettlement", k::RESETTLEMENT_SITE_FILE),
            ("construction", k::CONSTRUCTION_ZONE_FILE),
            ("households", k::HOUSEHOLD_TABLE),
            ("relocation", k::RELOCATION_LIST),
        ];
        let options: String = parts
            .iter()
            .map(|(v, name)| format!("<option value=\"{v}\">{}</option>", lang.t(*name)))
            .collect();
        format!(
            "<section id=\"version-file\"><h2>{h}</h2>\
             <form id=\"version-file-form\" method=\"post\" action=\"/projects/{code}/versions/check\" enctype=\"multipart/form-data\">{csrf}\
             <p><label>{part} <select name=\"part\" id=\"field-part\">{options}</select></label></p>\
             <p><label>{file} <input type=\"file\" name=\"file\" id=\"field-file\" accept=\"{PARCEL_ACCEPT},.csv\" required></label></p>\
             {as_of}<p><button id=\"check-version-file\">{check}</button></p></form></section>",
            h = lang.pair(
                &format!(
                    "或：在版本 {} 的项目包上替换一个文件",
                    project.current_version
                ),
                &format!(
                    "Or: replace one file of version {}'s package",
                    project.current_version
                )
            ),
            part = lang.t(k::PART_TO_REPLACE),
            file = lang.t(k::NEW_FILE),
            as_of = as_of_field(lang, user.today, "field-as_of-2"),
            check = lang.t(k::CHECK_NOTHING_IS_SAVED),
        )
    } else {
        format!(
            "<p id=\"no-stored-package\" class=\"none\">{}</p>",
            lang.pair(
                &format!(
                    "版本 {} 没有存档的项目包，请上传完整的项目包 zip。",
                    project.current_version
                ),
                &format!(
                    "Version {} has no stored package; upload the whole package zip.",
                    project.current_version
                )
            )
        )
    };
    let body = format!(
        "<p>{intro}</p>\
         <section id=\"version-zip\"><h2>{h}</h2>\
         <form id=\"version-zip-form\" method=\"post\" action=\"/projects/{code}/versions/check\" enctype=\"multipart/form-data\">{csrf}\
         <p><label>{pkg} <input type=\"file\" name=\"package\" id=\"field-package\" accept=\".zip\" required></label></p>\
         {as_of}<p><button id=\"check-version-zip\">{check}</button></p></form></section>{one_file}\
         <p><a href=\"/projects/{code}\">{back}</a></p>",
        intro = lang.pair(
            &format!(
                "项目 {} 当前为版本 {}（{}）。草稿或退回状态下新版本立即生效；其后的版本作为变更，随验收一并决定。",
                project.code,
                project.current_version,
                project.state.label_zh()
            ),
            &format!(
                "Project {} is at version {} ({}). In draft or returned state a new version takes effect at once; later it is a proposed change, decided with acceptance.",
                project.code, project.current_version, project.state
            )
        ),
        h = lang.t(k::UPLOAD_THE_WHOLE_PACKAGE_ZIP),
        pkg = lang.t(k::PACKAGE),
        as_of = as_of_field(lang, user.today, "field-as_of"),
        check = lang.t(k::CHECK_NOTHING_IS_SAVED),
        back = lang.t(k::BACK_TO_THE_PROJECT),
    );
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
        Ok::<_, WebError>(results_page(&user, &pre, &token, &action, &back))
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
    let select = |name: &str, chosen: i64| -> String {
        let options: String = versions
            .iter()
            .map(|v| {
                let selected = if v.version == chosen { " selected" } else { "" };
                format!(
                    "<option value=\"{n}\"{selected}>{n}</option>",
                    n = v.version
                )
            })
            .collect();
        format!("<select name=\"{name}\" id=\"diff-{name}\">{options}</select>")
    };
    let body = format!(
        "<form id=\"diff-form\" method=\"get\" action=\"/projects/{code}/diff\">\
         <label>{from_label} {from}</label> → <label>{to_label} {to}</label> <button id=\"diff-show\">{show}</button></form>\
         {diff}<p><a href=\"/projects/{code}\">{back}</a></p>",
        code = esc(&code),
        from_label = lang.t(k::FROM_VERSION),
        from = select("from", diff.from),
        to_label = lang.t(k::TO_VERSION),
        to = select("to", diff.to),
        show = lang.t(k::COMPARE),
        diff = diff_html(lang, &diff),
        back = lang.t(k::BACK_TO_THE_PROJECT),
    );
    Ok(Html(page(
        (
            &format!("版本比较 {} → {}", diff.from, diff.to),
            &format!("Versions {} → {}", diff.from, diff.to),
        ),
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
    let table = if rows.is_empty() {
        format!(
            "<p id=\"ranking-empty\" class=\"none\">{}</p>",
            lang.t(k::NO_POOLED_PROJECTS)
        )
    } else {
        let mut out = String::from("<table id=\"ranking-table\"><thead><tr>");
        for name in [
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
        ] {
            let _ = write!(out, "<th>{}</th>", lang.t(name));
        }
        out.push_str("</tr></thead><tbody>");
        for r in &rows {
            let group = if r.group == "priority" {
                lang.t(k::PRIORITY)
            } else {
                lang.t(k::OTHER)
            };
            let _ = write!(
                out,
                "<tr id=\"rank-{code}\" class=\"group-{group_id}\"><td>{rank}</td><td><a href=\"/projects/{code}\">{code}</a></td><td>{name}</td><td>{county}</td><td>{group}</td><td>{reason}</td><td>{pv} (+{pvp})</td><td>{rh} (+{rhp})</td><td>{ph} (+{php})</td><td><strong>{score}</strong></td><td>{submitted}</td><td>{why}</td></tr>",
                code = esc(&r.code),
                group_id = esc(&r.group),
                rank = r.rank,
                name = esc(&r.name),
                county = esc(&r.county),
                reason = esc(&lang.pair(&r.group_reason_zh, &r.group_reason_en)),
                pv = r.poor_villages,
                pvp = r.poor_village_points,
                rh = r.relocation_households,
                rhp = r.relocation_household_points,
                ph = r.poor_households,
                php = r.poor_household_points,
                score = r.score,
                submitted = esc(&r.submitted_on),
                why = esc(&lang.pair(&r.explanation_zh, &r.explanation_en)),
            );
        }
        out.push_str("</tbody></table>");
        out
    };
    let body = format!(
        "<p>{}</p><form id=\"ranking-form\" method=\"get\" action=\"/ranking\"><label>{} <input type=\"date\" name=\"as_of\" value=\"{as_of}\"></label> <button>{}</button></form>{table}",
        esc(&lang.pair(&ranking_rule_zh(&priority), &ranking_rule_en(&priority))),
        lang.t(k::AS_OF),
        lang.t(k::REFRESH),
    );
    Ok(Html(page(
        k::RANKING_OF_POOLED_PROJECTS,
        Some(&user),
        &body,
    )))
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
