//! Server-rendered pages (Chinese first, English secondary). Every handler reads only what the
//! signed-in user's jurisdiction allows; a project the user may not read answers 404, exactly
//! like a project that does not exist.

use crate::catalogue::k;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, LOGIN_COOKIE, PageUser, SESSION_COOKIE, User};
use crate::error::{PageError, WebError};
use crate::html::{self, Lang, page, quantity_text, value_text};
use crate::{lists, view};

/// Handles GET /login: a sign-in form bound to a pre-login cookie (the registry issues the
/// nonce and the form's token; a reload keeps the browser's nonce).
pub async fn login_show(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let form = state
        .registry
        .login_form_for(auth::cookie(&headers, LOGIN_COOKIE))
        .await?;
    Ok((
        [(
            SET_COOKIE,
            auth::set_cookie(
                LOGIN_COOKIE,
                &form.nonce,
                guagou_registry::accounts::LOGIN_FORM_SECONDS,
            ),
        )],
        Html(login_page(cookie_lang(&headers), &form.token, None)),
    )
        .into_response())
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    message: Option<&'a str>,
    name_label: &'static str,
    password_label: &'static str,
    button: &'static str,
    switch_href: &'static str,
    switch_label: &'static str,
    switch_lang: &'static str,
    public_link: &'static str,
}

/// The sign-in page in the reader's language (the language cookie; no session yet).
fn login_page(lang: Lang, csrf: &str, message: Option<(&str, &str)>) -> String {
    let en = lang == Lang::En;
    let pick = |key| lang.text(key);
    let form = LoginPage {
        csrf,
        message: message.map(|(zh, english)| if en { english } else { zh }),
        name_label: pick(k::NAME),
        password_label: pick(k::PASSWORD),
        button: pick(k::SIGN_IN),
        switch_href: if en { "/lang/zh" } else { "/lang/en" },
        switch_label: if en { "中文" } else { "English" },
        switch_lang: if en { "zh-CN" } else { "en" },
        public_link: pick(k::PUBLIC_NOTICES_NO_SIGN_IN_NEEDED),
    };
    let body = askama::Template::render(&form).unwrap_or_else(|e| {
        tracing::error!(error = %e, "login template failed");
        String::new()
    });
    html::page_in(lang, k::SIGN_IN, None, &body)
}

/// The reader's language from the cookie (pages without a session).
fn cookie_lang(headers: &HeaderMap) -> Lang {
    auth::cookie(headers, html::LANG_COOKIE)
        .map(Lang::from_code)
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
}

/// Handles POST /login
pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    // The TCP peer, when the server runs with connect info (`serve`); in-process tests have none.
    let address = peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| addr.ip());
    let nonce = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let attempt = guagou_registry::accounts::SignIn {
        name: form.name.trim(),
        password: &form.password,
        address,
        nonce,
        token: &form.csrf,
    };
    match state.registry.sign_in(attempt).await {
        Ok(session) => Ok((
            AppendHeaders([
                (SET_COOKIE, auth::session_cookie(&session.token)),
                (SET_COOKIE, auth::set_cookie(LOGIN_COOKIE, "", 0)),
            ]),
            Redirect::to("/"),
        )
            .into_response()),
        Err(
            e @ (guagou_registry::RegistryError::BadLogin
            | guagou_registry::RegistryError::LoginThrottled),
        ) => {
            let problem = WebError::from(e).problem();
            let form = state.registry.login_form_for(Some(nonce)).await?;
            let body = login_page(
                cookie_lang(&headers),
                &form.token,
                Some((&problem.message_zh, &problem.message_en)),
            );
            Ok((problem.status, Html(body)).into_response())
        }
        Err(e) => Err(PageError(e.into())),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// Handles POST /logout
pub async fn logout(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    if let Some(token) = auth::cookie(&headers, SESSION_COOKIE) {
        state.registry.sign_out(token).await?;
    }
    Ok((
        [(SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(askama::Template)]
#[template(path = "pages/projects.html")]
struct ProjectsPage {
    lang: Lang,
    may_register: bool,
    /// The list (its own template).
    list: String,
}

/// Rows a dashboard table shows; the rest is a count and a link to the full list (a province
/// has tens of thousands of projects).
const DASHBOARD_ROWS: usize = 100;

/// A project as the dashboard lists it.
struct ProjectLine<'a> {
    code: &'a str,
    name: &'a str,
    county: &'a str,
    county_name: String,
    state: &'static str,
    planned: String,
}

#[derive(askama::Template)]
#[template(path = "pages/dashboard.html")]
struct Dashboard<'a> {
    lang: Lang,
    /// The to-do and overdue panels (their own templates).
    todo: String,
    overdue: String,
    /// (state, number of projects).
    by_state: Vec<(&'static str, usize)>,
    projects: Vec<ProjectLine<'a>>,
    more: usize,
    more_text: String,
}

/// The dashboard's body: the panels, the projects by state and the first `DASHBOARD_ROWS`
/// projects, then how many more and where to see them.
fn dashboard_body(
    lang: Lang,
    todo: String,
    overdue: String,
    names: &crate::names::DivisionNames,
    projects: &[guagou_registry::projects::Project],
) -> Result<String, WebError> {
    let mut counts: std::collections::BTreeMap<_, usize> = std::collections::BTreeMap::new();
    for p in projects {
        *counts.entry(p.state).or_default() += 1;
    }
    let state_name =
        |s: guagou_domain::lifecycle::ProjectState| lang.text(crate::names::project_state(s));
    let shown = &projects[..projects.len().min(DASHBOARD_ROWS)];
    let more = projects.len() - shown.len();
    let body = Dashboard {
        lang,
        todo,
        overdue,
        by_state: counts.iter().map(|(s, n)| (state_name(*s), *n)).collect(),
        projects: shown
            .iter()
            .map(|p| ProjectLine {
                code: &p.code,
                name: &p.name,
                county: &p.county,
                county_name: names.get(&p.county).cloned().unwrap_or_default(),
                state: state_name(p.state),
                planned: lists::thousands(p.planned_surplus_m2),
            })
            .collect(),
        more,
        more_text: lang.fill(k::MORE_PROJECTS, &[("more", &more.to_string())]),
    };
    crate::partials::render(&body, "dashboard")
}

/// Handles GET /
pub async fn dashboard(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let page = crate::page_cache::page(&user, || dashboard_page(&state, &user)).await?;
    Ok(Html(page.to_string()))
}

/// The dashboard of `user` (kept while nothing changed: `page_cache`).
async fn dashboard_page(state: &AppState, user: &User) -> Result<String, WebError> {
    let lang = user.lang;
    let projects = view::readable_projects(&state.registry, user).await?;
    let names = user.door(&state.registry).division_names().await?;
    let todo = match crate::todo::load(state, user).await {
        Ok(items) => crate::todo::section_html(lang, &items, &names),
        Err(e) => crate::quota::failed_panel(lang, "todo", &e),
    };
    let overdue = crate::quota::overdue_html(state, user, &names).await;
    let body = dashboard_body(lang, todo, overdue, &names, &projects)?;
    Ok(page(k::DASHBOARD, Some(user), &body))
}

/// The columns of the project list.
const PROJECT_COLUMNS: &[lists::Column] = &[
    lists::Column {
        key: "code",
        name: k::CODE_2,
        numeric: false,
    },
    lists::Column {
        key: "name",
        name: k::NAME_2,
        numeric: false,
    },
    lists::Column {
        key: "county",
        name: k::COUNTY,
        numeric: false,
    },
    lists::Column {
        key: "township",
        name: k::TOWNSHIP,
        numeric: false,
    },
    lists::Column {
        key: "state",
        name: k::STATE,
        numeric: false,
    },
    lists::Column {
        key: "surplus",
        name: k::PLANNED_SURPLUS_M_3,
        numeric: true,
    },
    lists::Column {
        key: "submitted",
        name: k::SUBMITTED,
        numeric: false,
    },
    lists::Column {
        key: "approved",
        name: k::APPROVED_2,
        numeric: false,
    },
];

/// A project as a row of the list: names, not codes (the code in the tooltip).
fn project_list_row(
    lang: Lang,
    p: &guagou_registry::projects::Project,
    names: &std::collections::BTreeMap<String, String>,
) -> lists::ListRow {
    use lists::Cell;
    let named = |code: &str| {
        let name = names.get(code).cloned().unwrap_or_else(|| code.to_owned());
        Cell::text(name).titled(code)
    };
    let date = |d: &Option<String>| d.clone().unwrap_or_default();
    lists::ListRow {
        cells: vec![
            Cell::text(&p.code).link(format!("/projects/{}", p.code)),
            Cell::text(&p.name),
            named(&p.county),
            p.township
                .as_deref()
                .map(named)
                .unwrap_or_else(|| Cell::text("")),
            Cell::text(lang.text(crate::names::project_state(p.state))),
            Cell::number(p.planned_surplus_m2),
            Cell::text(date(&p.submitted_on)),
            Cell::text(date(&p.approved_on)),
        ],
        county: Some(p.county.clone()),
        state: Some(p.state.to_string()),
        date: p.submitted_on.as_deref().and_then(lists::day),
    }
}

/// Handles GET /projects: the projects of the user's jurisdiction with search, filters
/// (county, state, year and dates of submission), sorting, paging and Excel export.
pub async fn projects_list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<lists::ListQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let projects = view::readable_projects(&state.registry, &user).await?;
    let names = user.door(&state.registry).division_names().await?;
    let counties = projects.iter().map(|p| p.county.clone());
    let spec = lists::ListSpec {
        id: "projects",
        path: "/projects",
        columns: PROJECT_COLUMNS,
        counties: crate::lists::county_choices(counties, &names),
        states: guagou_domain::lifecycle::ProjectState::ALL
            .iter()
            .map(|s| (s.to_string(), crate::names::project_state(*s).into()))
            .collect(),
        date_label: k::SUBMITTED,
        sheet: "项目区",
    };
    let rows: Vec<lists::ListRow> = projects
        .iter()
        .map(|p| project_list_row(lang, p, &names))
        .collect();
    let rows = lists::apply(&query, rows, PROJECT_COLUMNS);
    if query.wants_xlsx() {
        return Ok(lists::xlsx(lang, &spec, &rows));
    }
    let body = crate::partials::render(
        &ProjectsPage {
            lang,
            may_register: user.actor.level == guagou_domain::lifecycle::Level::County
                && user.is_land_writer(),
            list: lists::render(lang, &spec, &query, &rows),
        },
        "projects",
    )?;
    Ok(Html(page(k::PROJECTS, Some(&user), &body)).into_response())
}

/// An area in m² with its hectares and mu.
pub fn area_text(lang: Lang, m2: i64) -> String {
    crate::html::area_text(lang, m2)
}

/// A lifecycle step the reader may take, as its form shows it.
struct ActionView {
    name: &'static str,
    label: &'static str,
    confirm: String,
}

/// A version of the project, in the reader's language.
struct VersionLine<'a> {
    version: i64,
    kind: String,
    created_on: &'a str,
    actor: &'a str,
    reason: &'a str,
    blocking: i64,
}

/// The check results of one version.
struct ResultsView {
    version: i64,
    open: bool,
    summary: String,
    rows: Vec<ResultLine>,
}

struct ResultLine {
    rule: String,
    clause: String,
    severity: String,
    class: &'static str,
    verdict: &'static str,
    measured: String,
    limit: String,
    message: String,
}

#[derive(askama::Template)]
#[template(path = "pages/project.html")]
struct ProjectPage<'a> {
    lang: Lang,
    p: &'a guagou_registry::projects::Project,
    flash: Option<String>,
    /// (code, name) of the county and the township.
    county: (String, String),
    township: Option<(String, String)>,
    state: &'static str,
    planned_surplus: String,
    notice_published: bool,
    map: String,
    actions: Vec<ActionView>,
    csrf: &'a str,
    today: String,
    /// The panels of the other modules (forms, ledger, deadlines, reviews), each rendered by
    /// its own template.
    panels: String,
    versions: Vec<VersionLine<'a>>,
    results: Vec<ResultsView>,
}

/// A division as (code, name); the name empty when unknown.
async fn division_pair(door: &guagou_registry::Door<'_>, code: &str) -> (String, String) {
    let name = match door.division(code).await {
        Ok(d) => d.name,
        Err(_) => {
            crate::page_cache::degraded();
            String::new()
        }
    };
    (code.to_owned(), name)
}

fn result_line(lang: Lang, r: &serde_json::Value) -> ResultLine {
    let text = |field: &str| value_text(r.get(field));
    let passed = r
        .get("passed")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let severity = r.get("severity").and_then(serde_json::Value::as_str);
    let (class, verdict) = match (passed, severity == Some("warning")) {
        (true, _) => ("ok", k::PASS),
        (false, true) => ("warn", k::WARNING),
        (false, false) => ("fail", k::FAIL),
    };
    ResultLine {
        rule: text("rule"),
        clause: text("clause"),
        severity: match severity {
            Some("error") => lang.text(k::BLOCKING).to_owned(),
            Some("warning") => lang.text(k::WARNING_NEEDS_A_JUSTIFICATION).to_owned(),
            Some("sanction") => lang.text(k::SANCTION).to_owned(),
            _ => text("severity"),
        },
        class,
        verdict: lang.text(verdict),
        measured: quantity_text(r.get("measured")),
        limit: quantity_text(r.get("limit")),
        message: crate::print::tr(lang, &text("message_zh"), &text("message_en")).to_owned(),
    }
}

fn results_views(lang: Lang, detail: &view::ProjectDetail) -> Vec<ResultsView> {
    // Newest first: the version a user just uploaded is the one to read.
    detail
        .versions
        .iter()
        .rev()
        .map(|v| {
            let failed = v
                .results
                .iter()
                .filter(|r| r.get("passed").and_then(serde_json::Value::as_bool) == Some(false))
                .count();
            ResultsView {
                version: v.version,
                open: v.version == detail.project.current_version || failed > 0,
                summary: lang.fill(
                    k::VERSION_RESULTS_SUMMARY,
                    &[
                        ("version", &v.version.to_string()),
                        ("failed", &failed.to_string()),
                    ],
                ),
                rows: v.results.iter().map(|r| result_line(lang, r)).collect(),
            }
        })
        .collect()
}

fn version_kind(lang: Lang, kind: &str) -> String {
    match kind {
        "initial" => lang.text(k::INITIAL).to_owned(),
        "revision" => lang.text(k::REVISION).to_owned(),
        "change" => lang.text(k::CHANGE_DECIDED_WITH_ACCEPTANCE).to_owned(),
        other => other.to_owned(),
    }
}

fn action_views(
    lang: Lang,
    registry: &guagou_registry::Registry,
    user: &crate::auth::User,
    p: &guagou_registry::projects::Project,
) -> Vec<ActionView> {
    view::available_actions(registry, user, p.state)
        .into_iter()
        .map(|(name, step)| ActionView {
            name,
            label: lang.text(step),
            confirm: lang.fill(
                k::CONFIRM_PROJECT_STEP,
                &[("step", lang.text(step)), ("project", &p.code)],
            ),
        })
        .collect()
}

/// The message a project page shows after a step.
fn done_flash(lang: Lang, done: &str, state: &str) -> Option<String> {
    crate::view::action_name(done)
        .map(|step| lang.fill(k::STEP_DONE, &[("step", lang.text(step)), ("state", state)]))
}

/// Handles GET /projects/{code}
pub async fn project_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(done): Query<DoneQuery>,
) -> Result<Html<String>, PageError> {
    // The page after a step carries its success message: rendered afresh, never kept.
    if !done.done.is_empty() {
        return Ok(Html(project_page(&state, &user, &code, &done.done).await?));
    }
    let page = crate::page_cache::page(&user, || project_page(&state, &user, &code, "")).await?;
    Ok(Html(page.to_string()))
}

/// The whole project page of `code` for `user`; `done` names the step just taken (or is empty).
async fn project_page(
    state: &AppState,
    user: &User,
    code: &str,
    done: &str,
) -> Result<String, WebError> {
    let lang = user.lang;
    let detail = view::project_detail(&state.registry, user, code).await?;
    let p = &detail.project;
    let door = user.door(&state.registry);
    let state_name = lang.text(crate::names::project_state(p.state));
    let township = match p.township.as_deref() {
        Some(code) => Some(division_pair(&door, code).await),
        None => None,
    };
    // A failure to read the notice only hides the link; the page itself still answers.
    let notice_published = match door.project_notice(&p.code).await {
        Ok(notice) => notice.is_some(),
        Err(_) => {
            crate::page_cache::degraded();
            false
        }
    };
    let panels = [
        crate::upload::project_forms_html(state, user, p).await?,
        crate::quota::project_ledger_panel(state, user, p).await,
        crate::extensions::project_section_html(state, user, p).await?,
        crate::reviews::project_sections_html(state, user, p).await?,
    ]
    .concat();
    let page_view = ProjectPage {
        lang,
        p,
        flash: done_flash(lang, done, state_name),
        county: division_pair(&door, &p.county).await,
        township,
        state: state_name,
        planned_surplus: area_text(lang, p.planned_surplus_m2),
        notice_published,
        map: crate::map::project_map_html(lang, &p.code, p.current_version),
        actions: action_views(lang, &state.registry, user, p),
        csrf: &user.csrf,
        today: door.today().to_string(),
        panels,
        versions: detail
            .versions
            .iter()
            .map(|v| VersionLine {
                version: v.version,
                kind: version_kind(lang, &v.kind),
                created_on: &v.created_on,
                actor: &v.actor,
                reason: &v.reason,
                blocking: v.blocking,
            })
            .collect(),
        results: results_views(lang, &detail),
    };
    let body = askama::Template::render(&page_view)
        .map_err(|e| WebError::Internal(format!("project page template: {e}")))?;
    Ok(page((&p.name, &p.code), Some(user), &body))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: Option<String>,
    as_of: String,
    #[serde(default)]
    reason: String,
}

/// Handles POST /projects/{code}/actions/{action}
pub async fn project_action_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((code, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let project = view::take_action(
        &state.registry,
        &user,
        &code,
        &action,
        &form.as_of,
        &form.reason,
    )
    .await?;
    // The project page says what was done (a message, not a bare reload).
    Ok(Redirect::to(&format!(
        "/projects/{}?done={}",
        project.code,
        crate::funds::shared::segment(&action)
    ))
    .into_response())
}

/// `?done=<action>` after a lifecycle step.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// Handles GET /lang/{code}: remembers the language (`zh` or `en`) for a year and goes back to
/// the page the user came from (same site only).
pub async fn set_language(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = crate::html::Lang::from_code(&code);
    let value = match lang {
        crate::html::Lang::Zh => "zh",
        crate::html::Lang::En => "en",
    };
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_owned());
    (
        [(
            SET_COOKIE,
            auth::set_cookie(crate::html::LANG_COOKIE, value, 365 * 24 * 3600),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

/// The path (and query) of a Referer URL, only if it is a plain local path: never redirect
/// elsewhere.
fn same_site_path(referer: &str) -> Option<String> {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = after_scheme.find('/').map(|i| &after_scheme[i..])?;
    (path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/lang/"))
        .then(|| path.to_owned())
}

/// Answers 404 for unknown paths, as a page.
pub async fn not_found() -> Response {
    PageError(WebError::NotFound).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(n: usize) -> guagou_registry::projects::Project {
        guagou_registry::projects::Project {
            code: format!("511722-2019-{n:04}"),
            name: format!("项目 {n}"),
            county: "511722".into(),
            township: None,
            state: guagou_domain::lifecycle::ProjectState::Draft,
            current_version: 1,
            planned_surplus_m2: 1,
            submitted_on: None,
            approved_on: None,
            accepted_on: None,
            city_invested: false,
            funding_source: None,
            city_share_percent: 0,
            construction_zone_plan: None,
        }
    }

    #[test]
    fn dashboard_tables_stop_at_a_hundred_rows_and_link_the_rest() {
        let many: Vec<_> = (0..250).map(project).collect();
        let body = |projects: &[_]| {
            dashboard_body(
                Lang::En,
                String::new(),
                String::new(),
                &Default::default(),
                projects,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let html = body(&many);
        assert!(html.contains("511722-2019-0099") && !html.contains("511722-2019-0100"));
        assert!(html.contains("150 more projects") && html.contains("href=\"/projects\""));
        let few: Vec<_> = (0..3).map(project).collect();
        assert!(!body(&few).contains("more projects"));
    }
}
