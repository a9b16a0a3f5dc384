//! The panels this module adds to a project page: versions (upload a new version, diffs,
//! stored packages), acceptance (figures, shortfall, the application form) and city
//! investment. Each form is shown only to users who may use it; the server checks again.

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
        lang.t("版本与项目包", "Versions and packages")
    );
    if ops::may_upload_version(state, user, project) {
        let _ = write!(
            out,
            "<p><a id=\"new-version\" href=\"/projects/{code}/versions/new\">{}</a></p>",
            lang.t(
                "上传新版本（实施方案变更）",
                "Upload a new version (plan change)"
            )
        );
    }
    let diffs: Vec<String> = versions
        .windows(2)
        .map(|pair| {
            let (a, b) = (pair[0].version, pair[1].version);
            format!(
                "<li><a id=\"diff-{a}-{b}\" href=\"/projects/{code}/diff?from={a}&amp;to={b}\">{}</a></li>",
                lang.t(
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
                        lang.t(&format!("版本 {} 项目包", p.version), &format!("package of version {}", p.version)),
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
            &[
                ("项目包", "Package"),
                ("SHA-256", "SHA-256"),
                ("字节", "Bytes"),
                ("存档时间", "Stored at"),
            ],
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
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
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
        row("更新后底图", "Updated layer", esc(&check.layer)),
        row(
            "复垦地块为耕地",
            "Reclaimed parcels are farmland",
            mark(
                !check.result.passed,
                "fail",
                lang.one(&check.result.message_zh, &check.result.message_en),
            ),
        ),
        row(
            "底图核算复垦耕地（扣除田坎）",
            "Reclaimed farmland on the layer (net of 田坎)",
            mark(
                !farmland.within_tolerance,
                "warn",
                lang.one(&farmland.message_zh, &farmland.message_en),
            ),
        ),
    ]
}

fn figure_rows(lang: Lang, view: &AcceptanceView) -> Vec<Vec<String>> {
    let a = &view.acceptance;
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
    let mark = |bad: bool, text: String| {
        if bad {
            format!("<span class=\"fail\">{}</span>", esc(&text))
        } else {
            esc(&text)
        }
    };
    vec![
        row("申请日期", "Applied on", esc(&a.applied_on)),
        row(
            "同步申报的变更版本",
            "Change version applied with it",
            esc(&a.change_version.map(|v| v.to_string()).unwrap_or_default()),
        ),
        row("复垦面积", "Reclaimed", esc(&area_text(a.reclaimed_m2))),
        row(
            "安置面积",
            "Resettlement",
            esc(&area_text(a.resettlement_m2)),
        ),
        row(
            "确认节余",
            "Confirmed surplus",
            mark(view.confirmed_m2 < 0, area_text(view.confirmed_m2)),
        ),
        row("已预支", "Advanced", esc(&area_text(view.advanced_m2))),
        row(
            "预支缺口（逾期）",
            "Shortfall (overdue)",
            mark(view.shortfall_m2 > 0, area_text(view.shortfall_m2)),
        ),
        row(
            "复垦耕地",
            "Reclaimed farmland",
            esc(&area_text(a.reclaimed_farmland_m2)),
        ),
        row(
            "安置占用耕地",
            "Farmland used by resettlement",
            esc(&area_text(a.resettlement_farmland_m2)),
        ),
        row(
            "新增耕地",
            "Cultivated-land balance",
            mark(
                view.farmland_balance_m2 < 0,
                area_text(view.farmland_balance_m2),
            ),
        ),
        row(
            "决定",
            "Decision",
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
        lang.t("验收", "Acceptance")
    );
    if let Some(view) = view {
        out.push_str(&table_in(
            lang,
            &[("项目", "Item"), ("值", "Value")],
            &[figure_rows(lang, view), layer_check_rows(lang, view)].concat(),
        ));
    }
    if project.state == ProjectState::AcceptanceApplied && user.actor.level == Level::City {
        let _ = write!(
            out,
            "<p class=\"en\">{}</p>",
            lang.t(
                "市级确认验收请使用“确认验收 / accept”操作；退回请使用“退回 / return”。",
                "The city confirms with the “accept” action, or returns the application with “return”."
            )
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
        lang.one("无（仅验收）", "none (acceptance alone)")
    );
    for v in versions
        .iter()
        .filter(|v| v.kind == "change" && v.version > project.current_version)
    {
        let _ = write!(
            options,
            "<option value=\"{n}\">{}</option>",
            lang.one(
                &format!("变更版本 {}", v.version),
                &format!("change version {}", v.version)
            ),
            n = v.version,
        );
    }
    let number = |name: &str, zh: &str, en: &str| {
        format!(
            "<p><label>{} <input type=\"text\" inputmode=\"decimal\" name=\"{name}\" id=\"acceptance-{name}\" required> m²</label></p>",
            lang.t(zh, en)
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
        title = lang.t(
            "申请验收（可同步申报变更）",
            "Apply for acceptance (optionally with a change)"
        ),
        csrf = esc(&user.csrf),
        as_of = lang.t("申请日期", "Applied on"),
        today = user.today,
        reclaimed = number("reclaimed_m2", "复垦面积", "Reclaimed area"),
        resettlement = number("resettlement_m2", "安置面积", "Resettlement area"),
        reclaimed_farmland = number(
            "reclaimed_farmland_m2",
            "复垦耕地面积",
            "Reclaimed farmland"
        ),
        resettlement_farmland = number(
            "resettlement_farmland_m2",
            "安置占用耕地面积",
            "Farmland used by resettlement"
        ),
        change = lang.t("同步申报的变更版本", "Change version"),
        reason = lang.t("理由", "Reason"),
        button = lang.one("申请验收", "Apply for acceptance"),
    )
}

/// The funding sources of a city-invested project (二(六)).
pub const FUNDING_SOURCES: &[(&str, &str, &str)] = &[
    ("city_budget", "市级财政", "city budget"),
    ("investment_attraction", "招商引资", "investment attraction"),
    (
        "social_capital",
        "社会资本投资建设复垦",
        "social capital (invest–build–reclaim)",
    ),
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
        lang.t("市级投资县级实施", "City investment, county implementation")
    );
    if project.city_invested {
        let source = project.funding_source.as_deref().unwrap_or("");
        let label = FUNDING_SOURCES
            .iter()
            .find(|(k, _, _)| *k == source)
            .map_or_else(|| esc(source), |(_, zh, en)| lang.t(zh, en));
        out.push_str(&table_in(
            lang,
            &[("项目", "Item"), ("值", "Value")],
            &[
                vec![lang.t("资金来源", "Funding source"), label],
                vec![
                    lang.t("市级分成", "City share"),
                    esc(&format!("{} %", project.city_share_percent)),
                ],
                vec![
                    lang.t("建新区规划", "Construction-zone plan"),
                    esc(project.construction_zone_plan.as_deref().unwrap_or("")),
                ],
            ],
        ));
    }
    if may_set {
        let options: String = FUNDING_SOURCES
            .iter()
            .map(|(key, zh, en)| {
                let selected = if project.funding_source.as_deref() == Some(key) {
                    " selected"
                } else {
                    ""
                };
                format!(
                    "<option value=\"{key}\"{selected}>{}</option>",
                    lang.one(zh, en)
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
            source = lang.t("资金来源", "Funding source"),
            share = lang.t("市级分成比例", "City share of the surplus"),
            current = project.city_share_percent,
            plan = lang.t(
                "使用指标县的建新区规划",
                "Construction-zone plan of the using county"
            ),
            plan_value = esc(project.construction_zone_plan.as_deref().unwrap_or("")),
            reason = lang.t("理由", "Reason"),
            button = lang.one("保存市级投资", "Save city investment"),
        );
    }
    out.push_str("</section>");
    out
}

fn ranking_link(lang: Lang, project: &Project) -> String {
    if project.state == ProjectState::Pooled {
        format!(
            "<p><a id=\"ranking-link\" href=\"/ranking\">{}</a></p>",
            lang.t("入库项目排序", "Ranking of pooled projects")
        )
    } else {
        String::new()
    }
}
