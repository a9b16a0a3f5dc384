//! The panels this module adds to a project page: versions (upload a new version, diffs,
//! stored packages), acceptance (figures, shortfall, the application form) and city
//! investment. Each form is shown only to users who may use it; the server checks again.

use crate::catalogue::{Key, k};

use guagou_domain::lifecycle::{Level, ProjectAction, ProjectState};
use guagou_registry::projects::Project;

use super::ops::{self, AcceptanceView};
use super::render::area_text;
use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::html::Lang;

/// A fact of the acceptance table: its value, marked when it is a problem.
struct Figure {
    label: Key,
    value: String,
    class: Option<&'static str>,
}

/// A stored package of a version.
struct PackageLine {
    version: i64,
    label: String,
    sha256: String,
    size: String,
    stored_at: String,
}

#[derive(askama::Template)]
#[template(path = "upload/project_panels.html")]
struct Panels<'a> {
    lang: Lang,
    p: &'a Project,
    csrf: &'a str,
    today: chrono::NaiveDate,
    may_upload: bool,
    /// (from, to, label) of each pair of consecutive versions.
    diffs: Vec<(i64, i64, String)>,
    packages: Vec<PackageLine>,
    show_acceptance: bool,
    figures: Vec<Figure>,
    city_confirms: bool,
    may_apply: bool,
    acceptance_numbers: [(&'static str, Key); 4],
    /// (number, label) of the change versions an application may carry.
    change_versions: Vec<(i64, String)>,
    show_investment: bool,
    may_set_investment: bool,
    funding_source: String,
    /// (stored name, name, selected) of each funding source.
    sources: Vec<(&'static str, Key, bool)>,
    pooled: bool,
}

/// The panels of `project`'s page for `user`: the upload-new-version link, diff links and
/// stored packages, the acceptance panel and form, the city-investment form.
pub async fn project_forms_html(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<String, WebError> {
    if !user.reads(&project.county) {
        return Ok(String::new());
    }
    let lang = user.lang;
    let door = user.door(&state.registry);
    let versions = door.versions(&project.code).await?;
    let acceptance = ops::acceptance_view(state, user, project).await?;
    let packages = door.stored_packages(&project.code).await?;
    let may_apply = user.is_land_writer()
        && project
            .state
            .next(ProjectAction::ApplyAcceptance, user.actor.level, &[])
            .is_ok();
    let may_set_investment = user.is_land_writer()
        && user.actor.level == Level::City
        && project.approved_on.is_none()
        && !matches!(
            project.state,
            ProjectState::Withdrawn | ProjectState::Terminated | ProjectState::Closed
        );
    let source = project.funding_source.as_deref().unwrap_or("");
    let panels = Panels {
        lang,
        p: project,
        csrf: &user.csrf,
        today: user.today,
        may_upload: ops::may_upload_version(state, user, project),
        diffs: versions
            .windows(2)
            .map(|pair| {
                let (a, b) = (pair[0].version, pair[1].version);
                let label = lang.fill(
                    k::VERSION_DIFF_LABEL,
                    &[("a", &a.to_string()), ("b", &b.to_string())],
                );
                (a, b, label)
            })
            .collect(),
        packages: packages
            .iter()
            .map(|pk| PackageLine {
                version: pk.version,
                label: lang.fill(
                    k::VERSION_PACKAGE_LABEL,
                    &[("version", &pk.version.to_string())],
                ),
                sha256: pk.sha256.clone(),
                size: crate::lists::thousands(pk.size_bytes),
                stored_at: crate::html::local_time(&pk.stored_at),
            })
            .collect(),
        show_acceptance: acceptance.is_some() || may_apply,
        figures: acceptance
            .as_ref()
            .map(|view| {
                let mut all = figures(lang, view);
                all.extend(layer_figures(lang, view));
                all
            })
            .unwrap_or_default(),
        city_confirms: project.state == ProjectState::AcceptanceApplied
            && user.actor.level == Level::City,
        may_apply,
        acceptance_numbers: [
            ("reclaimed_m2", k::RECLAIMED_AREA),
            ("resettlement_m2", k::RESETTLEMENT_AREA_2),
            ("reclaimed_farmland_m2", k::RECLAIMED_FARMLAND),
            ("resettlement_farmland_m2", k::FARMLAND_USED_BY_RESETTLEMENT),
        ],
        change_versions: versions
            .iter()
            .filter(|v| v.kind == "change" && v.version > project.current_version)
            .map(|v| {
                let label = lang.fill(
                    k::CHANGE_VERSION_LABEL,
                    &[("version", &v.version.to_string())],
                );
                (v.version, label)
            })
            .collect(),
        show_investment: project.city_invested || may_set_investment,
        may_set_investment,
        funding_source: FUNDING_SOURCES
            .iter()
            .find(|(stored, _)| *stored == source)
            .map_or_else(
                || source.to_owned(),
                |(_, name)| lang.text(*name).to_owned(),
            ),
        sources: FUNDING_SOURCES
            .iter()
            .map(|(stored, name)| {
                (
                    *stored,
                    *name,
                    project.funding_source.as_deref() == Some(*stored),
                )
            })
            .collect(),
        pooled: project.state == ProjectState::Pooled,
    };
    crate::partials::render(&panels, "project panels")
}

/// What the updated layer says before the city decides (issue 13, item 9).
fn layer_figures(lang: Lang, view: &AcceptanceView) -> Vec<Figure> {
    let Some(check) = &view.layer_check else {
        return Vec::new();
    };
    let farmland = &check.new_farmland;
    let pick = |zh: &str, en: &str| crate::print::tr(lang, zh, en).to_owned();
    vec![
        Figure {
            label: k::UPDATED_LAYER,
            value: check.layer.clone(),
            class: None,
        },
        Figure {
            label: k::RECLAIMED_PARCELS_ARE_FARMLAND,
            value: pick(&check.result.message_zh, &check.result.message_en),
            class: (!check.result.passed).then_some("fail"),
        },
        Figure {
            label: k::RECLAIMED_FARMLAND_ON_THE_LAYER_NET,
            value: pick(&farmland.message_zh, &farmland.message_en),
            class: (!farmland.within_tolerance).then_some("warn"),
        },
    ]
}

fn figures(lang: Lang, view: &AcceptanceView) -> Vec<Figure> {
    let a = &view.acceptance;
    let plain = |label: Key, value: String| Figure {
        label,
        value,
        class: None,
    };
    let marked = |label: Key, bad: bool, value: String| Figure {
        label,
        value,
        class: bad.then_some("fail"),
    };
    vec![
        plain(k::APPLIED_ON, a.applied_on.clone()),
        plain(
            k::CHANGE_VERSION_APPLIED_WITH_IT,
            a.change_version.map(|v| v.to_string()).unwrap_or_default(),
        ),
        plain(k::RECLAIMED, area_text(lang, a.reclaimed_m2)),
        plain(k::RESETTLEMENT_3, area_text(lang, a.resettlement_m2)),
        marked(
            k::CONFIRMED_SURPLUS,
            view.confirmed_m2 < 0,
            area_text(lang, view.confirmed_m2),
        ),
        plain(k::ADVANCED_2, area_text(lang, view.advanced_m2)),
        marked(
            k::SHORTFALL_OVERDUE,
            view.shortfall_m2 > 0,
            area_text(lang, view.shortfall_m2),
        ),
        plain(
            k::RECLAIMED_FARMLAND_2,
            area_text(lang, a.reclaimed_farmland_m2),
        ),
        plain(
            k::FARMLAND_USED_BY_RESETTLEMENT_2,
            area_text(lang, a.resettlement_farmland_m2),
        ),
        marked(
            k::CULTIVATED_LAND_BALANCE,
            view.farmland_balance_m2 < 0,
            area_text(lang, view.farmland_balance_m2),
        ),
        plain(
            k::DECISION,
            format!(
                "{} {}",
                a.decision.as_deref().unwrap_or("—"),
                a.decided_on.as_deref().unwrap_or("")
            ),
        ),
    ]
}

/// The funding sources of a city-invested project (二(六)).
pub const FUNDING_SOURCES: &[(&str, Key)] = &[
    ("city_budget", k::CITY_BUDGET),
    ("investment_attraction", k::INVESTMENT_ATTRACTION),
    ("social_capital", k::SOCIAL_CAPITAL_INVEST_BUILD_RECLAIM),
];
