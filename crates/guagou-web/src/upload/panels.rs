//! The panels this module adds to a project page: versions (upload a new version, diffs,
//! stored packages), acceptance (figures, shortfall, the application form) and city
//! investment. Each form is shown only to users who may use it; the server checks again.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

use guagou_domain::lifecycle::{Level, ProjectAction, ProjectState};
use guagou_registry::projects::{Project, Version};

use super::ops::{self, AcceptanceView};
use super::render::area_text;
use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::html::{Lang, esc, table_in};

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
    let versions = user.door(&state.registry).versions(&project.code).await?;
    let acceptance = ops::acceptance_view(state, user, project).await?;
    Ok(format!(
        "{}{}{}{}",
        versions_panel(state, user, project, &versions).await?,
        acceptance_panel(user, project, &versions, acceptance.as_ref()),
        investment_panel(user, project),
        ranking_link(user.lang, project),
    ))
}

async fn versions_panel(
    state: &AppState,
    user: &User,
    project: &Project,
    versions: &[Version],
) -> Result<String, WebError> {
    let lang = user.lang;
    let code = esc(&project.code);
    let mut out = format!(
        "<section id=\"versions-panel\"><h2>{}</h2>",
        lang.t(k::VERSIONS_AND_PACKAGES)
    );
    if ops::may_upload_version(state, user, project) {
        let _ = write!(
            out,
            "<p><a id=\"new-version\" href=\"/projects/{code}/versions/new\">{}</a></p>",
            lang.t(k::UPLOAD_A_NEW_VERSION_PLAN_CHANGE)
        );
    }
    let diffs: Vec<String> = versions
        .windows(2)
        .map(|pair| {
            let (a, b) = (pair[0].version, pair[1].version);
            format!(
                "<li><a id=\"diff-{a}-{b}\" href=\"/projects/{code}/diff?from={a}&amp;to={b}\">{}</a></li>",
                lang.pair(
                    &format!("版本 {a} → {b} 的变化"),
                    &format!("changes from version {a} to {b}")
                )
            )
        })
        .collect();
    if !diffs.is_empty() {
        let _ = write!(out, "<ul id=\"diff-links\">{}</ul>", diffs.concat());
    }
    let packages = user
        .door(&state.registry)
        .stored_packages(&project.code)
        .await?;
    if !packages.is_empty() {
        let rows: Vec<Vec<String>> = packages
            .iter()
            .map(|p| {
                vec![
                    format!(
                        "<a id=\"package-v{n}\" href=\"/projects/{code}/versions/{n}/package.zip\">{}</a>",
                        lang.pair(&format!("版本 {} 项目包", p.version), &format!("package of version {}", p.version)),
                        n = p.version,
                    ),
                    format!("<code>{}</code>", esc(&p.sha256)),
                    esc(&p.size_bytes.to_string()),
                    esc(&p.stored_at),
                ]
            })
            .collect();
        out.push_str(&table_in(
            lang,
            &[k::PACKAGE, k::SHA_256, k::BYTES, k::STORED_AT],
            &rows,
        ));
    }
    out.push_str("</section>");
    Ok(out)
}

/// What the updated layer says before the city decides (issue 13, item 9).
fn layer_check_rows(lang: Lang, view: &AcceptanceView) -> Vec<Vec<String>> {
    let Some(check) = &view.layer_check else {
        return Vec::new();
    };
    let row = |label: Key, value: String| vec![lang.t(label), value];
    // `html` is escaped already (`Lang::one`).
    let mark = |bad: bool, class: &str, html: String| {
        if bad {
            format!("<span class=\"{class}\">{html}</span>")
        } else {
            html
        }
    };
    let farmland = &check.new_farmland;
    vec![
        row(k::UPDATED_LAYER, esc(&check.layer)),
        row(
            k::RECLAIMED_PARCELS_ARE_FARMLAND,
            mark(
                !check.result.passed,
                "fail",
                lang.pair(&check.result.message_zh, &check.result.message_en),
            ),
        ),
        row(
            k::RECLAIMED_FARMLAND_ON_THE_LAYER_NET,
            mark(
                !farmland.within_tolerance,
                "warn",
                lang.pair(&farmland.message_zh, &farmland.message_en),
            ),
        ),
    ]
}

fn figure_rows(lang: Lang, view: &AcceptanceView) -> Vec<Vec<String>> {
    let a = &view.acceptance;
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let mark = |bad: bool, text: String| {
        if bad {
            format!("<span class=\"fail\">{}</span>", esc(&text))
        } else {
            esc(&text)
        }
    };
    vec![
        row(k::APPLIED_ON, esc(&a.applied_on)),
        row(
            k::CHANGE_VERSION_APPLIED_WITH_IT,
            esc(&a.change_version.map(|v| v.to_string()).unwrap_or_default()),
        ),
        row(k::RECLAIMED, esc(&area_text(a.reclaimed_m2))),
        row(k::RESETTLEMENT_3, esc(&area_text(a.resettlement_m2))),
        row(
            k::CONFIRMED_SURPLUS,
            mark(view.confirmed_m2 < 0, area_text(view.confirmed_m2)),
        ),
        row(k::ADVANCED_2, esc(&area_text(view.advanced_m2))),
        row(
            k::SHORTFALL_OVERDUE,
            mark(view.shortfall_m2 > 0, area_text(view.shortfall_m2)),
        ),
        row(
            k::RECLAIMED_FARMLAND_2,
            esc(&area_text(a.reclaimed_farmland_m2)),
        ),
        row(
            k::FARMLAND_USED_BY_RESETTLEMENT_2,
            esc(&area_text(a.resettlement_farmland_m2)),
        ),
        row(
            k::CULTIVATED_LAND_BALANCE,
            mark(
                view.farmland_balance_m2 < 0,
                area_text(view.farmland_balance_m2),
            ),
        ),
        row(
            k::DECISION,
            esc(&format!(
                "{} {}",
                a.decision.as_deref().unwrap_or("—"),
                a.decided_on.as_deref().unwrap_or("")
            )),
        ),
    ]
}

fn acceptance_panel(
    user: &User,
    project: &Project,
    versions: &[Version],
    view: Option<&AcceptanceView>,
) -> String {
    let lang = user.lang;
    let may_apply = user.is_land_writer()
        && project
            .state
            .next(ProjectAction::ApplyAcceptance, user.actor.level, &[])
            .is_ok();
    if view.is_none() && !may_apply {
        return String::new();
    }
    let mut out = format!(
        "<section id=\"acceptance\"><h2>{}</h2>",
        lang.t(k::ACCEPTANCE)
    );
    if let Some(view) = view {
        out.push_str(&table_in(
            lang,
            &[k::ITEM_2, k::VALUE_2],
            &[figure_rows(lang, view), layer_check_rows(lang, view)].concat(),
        ));
    }
    if project.state == ProjectState::AcceptanceApplied && user.actor.level == Level::City {
        let _ = write!(
            out,
            "<p class=\"en\">{}</p>",
            lang.t(k::THE_CITY_CONFIRMS_WITH_THE_ACCEPT)
        );
    }
    if may_apply {
        out.push_str(&acceptance_form(user, project, versions));
    }
    out.push_str("</section>");
    out
}

fn acceptance_form(user: &User, project: &Project, versions: &[Version]) -> String {
    let lang = user.lang;
    let mut options = format!(
        "<option value=\"\">{}</option>",
        lang.t(k::NONE_ACCEPTANCE_ALONE)
    );
    for v in versions
        .iter()
        .filter(|v| v.kind == "change" && v.version > project.current_version)
    {
        let _ = write!(
            options,
            "<option value=\"{n}\">{}</option>",
            lang.pair(
                &format!("变更版本 {}", v.version),
                &format!("change version {}", v.version)
            ),
            n = v.version,
        );
    }
    let number = |name: &str, label: Key| {
        format!(
            "<p><label>{} <input type=\"text\" inputmode=\"decimal\" name=\"{name}\" id=\"acceptance-{name}\" required> m²</label></p>",
            lang.t(label)
        )
    };
    format!(
        "<form id=\"acceptance-form\" method=\"post\" action=\"/projects/{code}/acceptance\">\
         <h3>{title}</h3>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label>{as_of} <input type=\"date\" name=\"as_of\" id=\"acceptance-as_of\" value=\"{today}\" max=\"{today}\" required></label></p>\
         {reclaimed}{resettlement}{reclaimed_farmland}{resettlement_farmland}\
         <p><label>{change} <select name=\"change_version\" id=\"acceptance-change_version\">{options}</select></label></p>\
         <p><label>{reason} <input name=\"reason\" id=\"acceptance-reason\"></label></p>\
         <p><button id=\"apply-acceptance\">{button}</button></p></form>",
        code = esc(&project.code),
        title = lang.t(k::APPLY_FOR_ACCEPTANCE_OPTIONALLY_WITH_A),
        csrf = esc(&user.csrf),
        as_of = lang.t(k::APPLIED_ON),
        today = user.today,
        reclaimed = number("reclaimed_m2", k::RECLAIMED_AREA),
        resettlement = number("resettlement_m2", k::RESETTLEMENT_AREA_2),
        reclaimed_farmland = number("reclaimed_farmland_m2", k::RECLAIMED_FARMLAND),
        resettlement_farmland =
            number("resettlement_farmland_m2", k::FARMLAND_USED_BY_RESETTLEMENT),
        change = lang.t(k::CHANGE_VERSION),
        reason = lang.t(k::REASON),
        button = lang.t(k::APPLY_FOR_ACCEPTANCE),
    )
}

/// The funding sources of a city-invested project (二(六)).
pub const FUNDING_SOURCES: &[(&str, Key)] = &[
    ("city_budget", k::CITY_BUDGET),
    ("investment_attraction", k::INVESTMENT_ATTRACTION),
    ("social_capital", k::SOCIAL_CAPITAL_INVEST_BUILD_RECLAIM),
];

fn investment_panel(user: &User, project: &Project) -> String {
    let lang = user.lang;
    let may_set = user.is_land_writer()
        && user.actor.level == Level::City
        && project.approved_on.is_none()
        && !matches!(
            project.state,
            ProjectState::Withdrawn | ProjectState::Terminated | ProjectState::Closed
        );
    if !project.city_invested && !may_set {
        return String::new();
    }
    let mut out = format!(
        "<section id=\"city-investment\"><h2>{}</h2>",
        lang.t(k::CITY_INVESTMENT_COUNTY_IMPLEMENTATION)
    );
    if project.city_invested {
        let source = project.funding_source.as_deref().unwrap_or("");
        let label = FUNDING_SOURCES
            .iter()
            .find(|(stored, _)| *stored == source)
            .map_or_else(|| esc(source), |(_, name)| lang.t(*name));
        out.push_str(&table_in(
            lang,
            &[k::ITEM_2, k::VALUE_2],
            &[
                vec![lang.t(k::FUNDING_SOURCE), label],
                vec![
                    lang.t(k::CITY_SHARE),
                    esc(&format!("{} %", project.city_share_percent)),
                ],
                vec![
                    lang.t(k::CONSTRUCTION_ZONE_PLAN),
                    esc(project.construction_zone_plan.as_deref().unwrap_or("")),
                ],
            ],
        ));
    }
    if may_set {
        let options: String = FUNDING_SOURCES
            .iter()
            .map(|(stored, name)| {
                let selected = if project.funding_source.as_deref() == Some(stored) {
                    " selected"
                } else {
                    ""
                };
                format!(
                    "<option value=\"{stored}\"{selected}>{}</option>",
                    lang.t(*name)
                )
            })
            .collect();
        let _ = write!(
            out,
            "<form id=\"city-investment-form\" method=\"post\" action=\"/projects/{code}/city-investment\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <p><label>{source} <select name=\"funding_source\" id=\"investment-funding_source\">{options}</select></label></p>\
             <p><label>{share} <input type=\"number\" min=\"0\" max=\"100\" step=\"1\" name=\"city_share_percent\" id=\"investment-city_share_percent\" value=\"{current}\" required> %</label></p>\
             <p><label>{plan} <input name=\"construction_zone_plan\" id=\"investment-construction_zone_plan\" value=\"{plan_value}\"></label></p>\
             <p><label>{reason} <input name=\"reason\" id=\"investment-reason\"></label></p>\
             <p><button id=\"set-city-investment\">{button}</button></p></form>",
            code = esc(&project.code),
            csrf = esc(&user.csrf),
            source = lang.t(k::FUNDING_SOURCE),
            share = lang.t(k::CITY_SHARE_OF_THE_SURPLUS),
            current = project.city_share_percent,
            plan = lang.t(k::CONSTRUCTION_ZONE_PLAN_OF_THE_USING),
            plan_value = esc(project.construction_zone_plan.as_deref().unwrap_or("")),
            reason = lang.t(k::REASON),
            button = lang.t(k::SAVE_CITY_INVESTMENT),
        );
    }
    out.push_str("</section>");
    out
}

fn ranking_link(lang: Lang, project: &Project) -> String {
    if project.state == ProjectState::Pooled {
        format!(
            "<p><a id=\"ranking-link\" href=\"/ranking\">{}</a></p>",
            lang.t(k::RANKING_OF_POOLED_PROJECTS)
        )
    } else {
        String::new()
    }
}
