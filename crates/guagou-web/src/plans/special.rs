//! County special plans (增减挂钩专项规划, SPEC §7): draft → consulting → submitted → approved
//! (city) → filed (province), or returned and revised.
//!
//! Who does what: the county land bureau drafts a plan, sends it for consultation, submits it
//! (gated by PLAN_CONSULTED and PLAN_COVERS_POOR_VILLAGES) and revises a returned one; each
//! consultation department records its own opinion; the city land bureau approves or returns;
//! the provincial land department files (备案) or returns an approved plan. A plan of another
//! county answers 404, like a missing one.

use crate::catalogue::{Key, k};
use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json, Router, routing::get, routing::post};
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::lifecycle::{Level, PlanAction, PlanState};
use guagou_registry::divisions::Division;
use guagou_registry::plans::Plan;
use guagou_registry::{Registry, RegistryError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    csrf_field, error_panel, json_body, none_line, parse_date, require_api_csrf, require_land,
    yes_no,
};
use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, esc, page, table_in};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/plans", get(plans_index).post(plan_create_submit))
        .route("/plans/new", get(plan_new))
        .route("/plans/{id}", get(plan_show))
        .route("/plans/{id}/opinions", post(plan_opinion_submit))
        .route("/plans/{id}/actions/{action}", post(plan_action_submit))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plans_list, plan_create))
        .routes(routes!(plan_detail))
        .routes(routes!(plan_opinion))
        .routes(routes!(plan_action))
}

/// The lifecycle steps by name: (path name, action, Chinese, English).
const ACTIONS: &[(&str, PlanAction, Key)] = &[
    ("consult", PlanAction::Consult, k::SEND_FOR_CONSULTATION),
    ("submit", PlanAction::Submit, k::SUBMIT_TO_THE_CITY),
    ("approve", PlanAction::Approve, k::APPROVE),
    ("file", PlanAction::File, k::FILE_PROVINCE),
    ("return", PlanAction::Return, k::RETURN),
    ("revise", PlanAction::Revise, k::REVISE),
];

fn parse_action(text: &str) -> Result<PlanAction, WebError> {
    ACTIONS
        .iter()
        .find(|(name, ..)| *name == text)
        .map(|(_, action, ..)| *action)
        .ok_or_else(|| {
            WebError::invalid_text(
                "action",
                format!("未知操作 {text}（consult、submit、approve、file、return、revise）"),
                format!("unknown action {text} (consult, submit, approve, file, return, revise)"),
            )
        })
}

/// The consultation department `user` speaks for, if any (the door says, from the profile,
/// 二(一)).
fn consultation_department(registry: &Registry, user: &User) -> Option<String> {
    user.door(registry).consultation_department()
}

/// A village of the plan's scope, or a poor/relocation village the scope misses.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeVillage {
    pub code: String,
    pub name: String,
    pub township: Option<String>,
    pub poor_village: bool,
    pub relocation_village: bool,
    pub poor_households: i64,
    pub relocation_households: i64,
    /// In the plan's scope (false: a poor or relocation village the scope misses).
    pub in_scope: bool,
}

/// A plan as a user sees it: the plan, its villages, the rules of submission evaluated now,
/// and what this user may do next.
#[derive(Debug, Clone, Serialize)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: Plan,
    pub county_name: String,
    pub villages: Vec<ScopeVillage>,
    /// Consultation departments without an opinion yet.
    pub missing_departments: Vec<String>,
    /// PLAN_CONSULTED and PLAN_COVERS_POOR_VILLAGES as they stand now.
    pub rules: Vec<RuleResult>,
    /// The lifecycle steps this user may take now (the registry still checks the rules).
    pub actions: Vec<&'static str>,
    /// The department this user may record an opinion for now, if any.
    pub opinion_department: Option<String>,
}

/// The plan `id` if `user` may read it; `NotFound` otherwise (same answer as a missing plan).
async fn readable_plan(registry: &Registry, user: &User, id: &str) -> Result<Plan, WebError> {
    match user.door(registry).plan(id).await {
        Ok(p) if user.reads(&p.county) => Ok(p),
        Ok(_) | Err(RegistryError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The steps `user` could take on a plan in `state` (department, level and state only).
fn available_actions(user: &User, state: PlanState) -> Vec<&'static str> {
    if !user.is_writer() || user.actor.department != guagou_domain::Department::Land {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(_, action, ..)| state.next(*action, user.actor.level, &[]).is_ok())
        .map(|(name, ..)| *name)
        .collect()
}

fn opinion_department(registry: &Registry, user: &User, plan: &Plan) -> Option<String> {
    if !user.is_writer() || plan.state != PlanState::Consulting {
        return None;
    }
    consultation_department(registry, user)
}

async fn plan_detail_for(
    registry: &Registry,
    user: &User,
    plan: Plan,
) -> Result<PlanDetail, WebError> {
    let rules = user.door(registry).plan_rules(&plan).await?;
    let divisions: BTreeMap<String, Division> = user
        .door(registry)
        .divisions_under(&plan.county)
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let county_name = divisions
        .get(&plan.county)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let village = |code: &str, in_scope: bool| {
        let d = divisions.get(code);
        ScopeVillage {
            code: code.to_owned(),
            name: d.map(|d| d.name.clone()).unwrap_or_default(),
            township: d.and_then(|d| d.parent.clone()),
            poor_village: d.is_some_and(|d| d.poor_village),
            relocation_village: d.is_some_and(|d| d.relocation_village),
            poor_households: d.map_or(0, |d| d.poor_households),
            relocation_households: d.map_or(0, |d| d.relocation_households),
            in_scope,
        }
    };
    let mut villages: Vec<ScopeVillage> = plan.scope.iter().map(|v| village(v, true)).collect();
    // Poor and relocation villages the scope misses (PLAN_COVERS_POOR_VILLAGES).
    villages.extend(
        divisions
            .values()
            .filter(|d| d.code.len() == 12 && (d.poor_village || d.relocation_village))
            .filter(|d| !plan.scope.contains(&d.code))
            .map(|d| village(&d.code, false)),
    );
    let missing_departments = registry
        .profile
        .consultation
        .departments
        .value
        .iter()
        .filter(|d| !plan.opinions.iter().any(|o| &o.department == *d))
        .cloned()
        .collect();
    Ok(PlanDetail {
        actions: available_actions(user, plan.state),
        opinion_department: opinion_department(registry, user, &plan),
        county_name,
        villages,
        missing_departments,
        rules,
        plan,
    })
}

async fn readable_detail(
    registry: &Registry,
    user: &User,
    id: &str,
) -> Result<PlanDetail, WebError> {
    let plan = readable_plan(registry, user, id).await?;
    plan_detail_for(registry, user, plan).await
}

/// The plans `user` may read.
async fn readable_plans(registry: &Registry, user: &User) -> Result<Vec<Plan>, WebError> {
    Ok(user.door(registry).plans().await?)
}

/// What a county asks for when it drafts a plan.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPlanBody {
    /// 县代码（县级用户可省略）/ the county (a county user may leave it out)
    #[serde(default)]
    #[schema(example = "511722")]
    pub county: Option<String>,
    /// 规划名称 / title
    #[schema(example = "宣汉县城乡建设用地增减挂钩专项规划（2021—2025年）")]
    pub title: String,
    #[schema(example = 2021)]
    pub period_start: i64,
    #[schema(example = 2025)]
    pub period_end: i64,
    /// 规划范围内的村（12 位代码）/ villages in scope (12-digit codes)
    pub scope: Vec<String>,
    /// 基准日 / as-of date, `YYYY-MM-DD`
    #[schema(example = "2021-03-01")]
    pub as_of: String,
}

/// Drafts a plan for `user`: the county land bureau of the plan's county, with known villages.
async fn create(registry: &Registry, user: &User, body: &NewPlanBody) -> Result<Plan, WebError> {
    user.actor.require_writer()?;
    require_land(user, "专项规划起草 / drafting a special plan")?;
    // Only a county drafts (SPEC §7); refuse before looking at the body.
    user.actor.require_level(Level::County)?;
    let county_text = body
        .county
        .clone()
        .unwrap_or_else(|| user.actor.division.to_string());
    let county = DivisionCode::parse(&county_text)
        .map_err(|e| WebError::invalid_text("county", e.to_string(), e.to_string()))?;
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(WebError::invalid("title", k::THE_TITLE_MUST_NOT_BE_EMPTY));
    }
    if !(1949..=2100).contains(&body.period_start) || !(1949..=2100).contains(&body.period_end) {
        return Err(WebError::invalid(
            "period",
            k::THE_PERIODS_YEARS_SHOULD_LIE_BETWEEN,
        ));
    }
    let known: BTreeMap<String, Division> = user
        .door(registry)
        .divisions_under(county.as_str())
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let mut scope = Vec::with_capacity(body.scope.len());
    for text in &body.scope {
        let code = DivisionCode::parse(text)
            .ok()
            .filter(|c| c.as_str().len() == 12 && known.contains_key(c.as_str()))
            .ok_or_else(|| {
                WebError::invalid_text(
                    "scope",
                    format!("{text} 不是县 {county} 已登记的村"),
                    format!("{text} is not a registered village of county {county}"),
                )
            })?;
        if !scope.contains(&code) {
            scope.push(code);
        }
    }
    let as_of = parse_date(&body.as_of)?;
    let plan = user
        .door(registry)
        .create_plan(
            &county,
            title,
            (body.period_start, body.period_end),
            &scope,
            as_of,
        )
        .await?;
    tracing::info!(actor = %user.actor, plan = %plan.id, "plan created");
    Ok(plan)
}

/// Records `user`'s department's opinion on plan `id`.
async fn add_opinion(
    registry: &Registry,
    user: &User,
    id: &str,
    opinion: &str,
    department: Option<&str>,
    as_of: &str,
) -> Result<Plan, WebError> {
    let own = consultation_department(registry, user).unwrap_or_default();
    if let Some(asked) = department.filter(|d| !d.is_empty() && *d != own) {
        return Err(WebError::Registry(RegistryError::Forbidden {
            actor: user.actor.to_string(),
            what: format!("{asked} 的意见 / the opinion of {asked}"),
        }));
    }
    let as_of = parse_date(as_of)?;
    let plan = user
        .door(registry)
        .add_opinion(id, opinion.trim(), as_of)
        .await?;
    tracing::info!(actor = %user.actor, plan = id, department = own, "plan opinion");
    Ok(plan)
}

/// Takes lifecycle step `action` on plan `id` for `user`.
async fn take_action(
    registry: &Registry,
    user: &User,
    id: &str,
    action: &str,
    as_of: &str,
    reason: &str,
) -> Result<Plan, WebError> {
    user.actor.require_writer()?;
    readable_plan(registry, user, id).await?;
    let action = parse_action(action)?;
    require_land(user, "专项规划审批流程 / the special plan's lifecycle")?;
    let as_of = parse_date(as_of)?;
    let plan = user
        .door(registry)
        .plan_action(id, action, as_of, reason.trim())
        .await?;
    tracing::info!(actor = %user.actor, plan = id, ?action, "plan action");
    Ok(plan)
}

fn state_cell(lang: Lang, state: PlanState) -> String {
    lang.pair(state.label_zh(), state.label_en())
}

/// Whether `user` may draft plans (the county land bureau).
fn may_create(user: &User) -> bool {
    user.is_writer()
        && user.actor.department == guagou_domain::Department::Land
        && user.actor.level == Level::County
}

/// Handles GET /plans
pub async fn plans_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let plans = readable_plans(&state.registry, &user).await?;
    let required = state.registry.profile.consultation.departments.value.len();
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            vec![
                format!("<a href=\"/plans/{id}\">{id}</a>", id = esc(&p.id)),
                format!("<a href=\"/divisions/{c}\">{c}</a>", c = esc(&p.county)),
                esc(&p.title),
                format!("{}—{}", p.period_start, p.period_end),
                state_cell(lang, p.state),
                format!("{} / {required}", p.opinions.len()),
                esc(&p.created_on),
                esc(p.approved_on.as_deref().unwrap_or("")),
                esc(p.filed_on.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let new_link = if may_create(&user) {
        format!(
            "<p><a id=\"new-plan\" href=\"/plans/new\">{}</a></p>",
            lang.t(k::DRAFT_A_SPECIAL_PLAN)
        )
    } else {
        String::new()
    };
    let table = if rows.is_empty() {
        none_line(lang)
    } else {
        table_in(
            lang,
            &[
                k::ID_2,
                k::COUNTY,
                k::TITLE_2,
                k::PERIOD_2,
                k::STATE,
                k::OPINIONS,
                k::DRAFTED,
                k::APPROVED,
                k::FILED,
            ],
            &rows,
        )
    };
    let body = format!("{new_link}<section id=\"plans\">{table}</section>");
    Ok(Html(page(k::SPECIAL_PLANS, Some(&user), &body)))
}

/// The values the new-plan form shows (again, after a refusal).
struct NewPlanValues {
    title: String,
    period_start: String,
    period_end: String,
    as_of: String,
    /// Villages ticked; `None` means the default (every poor and relocation village).
    scope: Option<Vec<String>>,
}

async fn new_plan_page(
    registry: &Registry,
    user: &User,
    values: &NewPlanValues,
    notice: &str,
) -> Result<String, WebError> {
    let lang = user.lang;
    let county = user.actor.division.to_string();
    let divisions = user.door(registry).divisions_under(&county).await?;
    let rows: Vec<Vec<String>> = divisions
        .iter()
        .filter(|d| d.code.len() == 12)
        .map(|v| {
            let ticked = match &values.scope {
                Some(scope) => scope.contains(&v.code),
                None => v.poor_village || v.relocation_village,
            };
            vec![
                format!(
                    "<input type=\"checkbox\" name=\"village_{c}\" value=\"on\" id=\"village-{c}\"{checked}>",
                    c = esc(&v.code),
                    checked = if ticked { " checked" } else { "" }
                ),
                esc(v.parent.as_deref().unwrap_or("")),
                format!("<label for=\"village-{c}\">{c}</label>", c = esc(&v.code)),
                esc(&v.name),
                yes_no(lang, v.poor_village),
                yes_no(lang, v.relocation_village),
                v.poor_households.to_string(),
                v.relocation_households.to_string(),
            ]
        })
        .collect();
    let villages = if rows.is_empty() {
        none_line(lang)
    } else {
        table_in(
            lang,
            &[
                k::IN_SCOPE_2,
                k::TOWNSHIP,
                k::CODE,
                k::VILLAGE,
                k::POOR_VILLAGE,
                k::RELOCATION_VILLAGE,
                k::POOR_HOUSEHOLDS,
                k::RELOCATION_HOUSEHOLDS,
            ],
            &rows,
        )
    };
    let body = format!(
        "{notice}<form method=\"post\" action=\"/plans\" id=\"new-plan-form\">{csrf}\
         <p><label>{title_l} <input name=\"title\" size=\"60\" value=\"{title}\" required></label></p>\
         <p><label>{period_l} <input name=\"period_start\" type=\"number\" value=\"{start}\" required></label> — \
         <input name=\"period_end\" type=\"number\" value=\"{end}\" required></p>\
         <p><label>{as_of_l} <input name=\"as_of\" type=\"date\" value=\"{as_of}\" max=\"{today}\" required></label></p>\
         <h2>{scope_h}</h2><p class=\"en\">{scope_help}</p>{villages}\
         <p><button id=\"create-plan\">{button}</button></p></form>",
        csrf = csrf_field(user),
        title_l = lang.t(k::TITLE),
        period_l = lang.t(k::PERIOD_2),
        as_of_l = lang.t(k::DRAFTED_ON),
        today = user.today,
        scope_h = lang.t(k::SCOPE_VILLAGES),
        scope_help = lang.t(k::EVERY_POOR_AND_RELOCATION_VILLAGE_MUST),
        button = lang.t(k::DRAFT),
        title = esc(&values.title),
        start = esc(&values.period_start),
        end = esc(&values.period_end),
        as_of = esc(&values.as_of),
    );
    Ok(page(k::DRAFT_A_SPECIAL_PLAN, Some(user), &body))
}

/// Handles GET /plans/new
pub async fn plan_new(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    user.actor.require_writer()?;
    require_land(&user, "专项规划起草 / drafting a special plan")?;
    user.actor
        .require_level(Level::County)
        .map_err(WebError::from)?;
    let county = user.actor.division.to_string();
    let name = user
        .door(&state.registry)
        .division(&county)
        .await
        .map(|d| d.name)
        .unwrap_or(county);
    let today = user.today;
    let start = chrono::Datelike::year(&today);
    let values = NewPlanValues {
        title: format!(
            "{name}城乡建设用地增减挂钩专项规划（{start}—{}年）",
            start + 4
        ),
        period_start: start.to_string(),
        period_end: (start + 4).to_string(),
        as_of: today.to_string(),
        scope: None,
    };
    Ok(Html(
        new_plan_page(&state.registry, &user, &values, "").await?,
    ))
}

/// Handles POST /plans (form: `csrf`, `title`, `period_start`, `period_end`, `as_of`, and a
/// `village_<code>` checkbox per village in scope)
pub async fn plan_create_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.require_csrf(form.get("csrf").map(String::as_str))?;
    user.actor.require_writer()?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let mut scope: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("village_"))
        .map(str::to_owned)
        .collect();
    scope.sort();
    let year = |name: &str| field(name).trim().parse::<i64>();
    let body = match (year("period_start"), year("period_end")) {
        (Ok(period_start), Ok(period_end)) => Ok(NewPlanBody {
            county: None,
            title: field("title"),
            period_start,
            period_end,
            scope: scope.clone(),
            as_of: field("as_of"),
        }),
        _ => Err(WebError::invalid("period", k::THE_PERIOD_SHOULD_BE_YEARS_E)),
    };
    let outcome = match body {
        Ok(body) => create(&state.registry, &user, &body).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(plan) => Ok(Redirect::to(&format!("/plans/{}", plan.id)).into_response()),
        // Refusals of level or department are plain error pages: the form is not for this user.
        Err(
            e @ WebError::Registry(
                RegistryError::ReadOnly { .. }
                | RegistryError::Department { .. }
                | RegistryError::Forbidden { .. },
            ),
        ) => Err(PageError(e)),
        Err(e) => {
            let (status, notice) = error_panel(user.lang, &e);
            let values = NewPlanValues {
                title: field("title"),
                period_start: field("period_start"),
                period_end: field("period_end"),
                as_of: field("as_of"),
                scope: Some(scope),
            };
            let html = new_plan_page(&state.registry, &user, &values, &notice).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

fn facts(lang: Lang, detail: &PlanDetail) -> String {
    let p = &detail.plan;
    let row = |label: Key, value: String| vec![lang.t(label), value];
    table_in(
        lang,
        &[k::FIELD_2, k::VALUE_2],
        &[
            row(k::ID_2, esc(&p.id)),
            row(k::TITLE_2, esc(&p.title)),
            row(
                k::COUNTY,
                format!(
                    "<a href=\"/divisions/{c}\">{c}</a> {n}",
                    c = esc(&p.county),
                    n = esc(&detail.county_name)
                ),
            ),
            row(k::PERIOD_2, format!("{}—{}", p.period_start, p.period_end)),
            row(k::STATE, state_cell(lang, p.state)),
            row(k::DRAFTED, esc(&p.created_on)),
            row(k::APPROVED, esc(p.approved_on.as_deref().unwrap_or(""))),
            row(k::FILED, esc(p.filed_on.as_deref().unwrap_or(""))),
        ],
    )
}

fn rules_table(lang: Lang, rules: &[RuleResult]) -> String {
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|r| {
            let verdict = if r.passed {
                format!("<span class=\"ok\">{}</span>", lang.t(k::PASS))
            } else {
                format!("<span class=\"fail\">{}</span>", lang.t(k::FAIL))
            };
            vec![
                format!("<code>{}</code>", esc(r.rule.as_str())),
                esc(&r.clause),
                verdict,
                lang.pair(&r.measured.text_zh(), &r.measured.text_en()),
                lang.pair(&r.limit.text_zh(), &r.limit.text_en()),
                lang.pair(&r.message_zh, &r.message_en),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::RULE,
            k::CLAUSE,
            k::RESULT,
            k::MEASURED_MISSING,
            k::REQUIRED,
            k::MESSAGE,
        ],
        &rows,
    )
}

fn opinions_table(lang: Lang, registry: &Registry, plan: &Plan) -> String {
    let required = &registry.profile.consultation.departments.value;
    let mut rows: Vec<Vec<String>> = required
        .iter()
        .map(
            |department| match plan.opinions.iter().find(|o| &o.department == department) {
                Some(o) => vec![
                    esc(department),
                    esc(&o.opinion),
                    esc(&o.author),
                    esc(&o.recorded_on),
                ],
                None => vec![
                    esc(department),
                    format!("<span class=\"fail\">{}</span>", lang.t(k::MISSING)),
                    String::new(),
                    String::new(),
                ],
            },
        )
        .collect();
    // Opinions of departments the profile no longer requires stay visible.
    rows.extend(
        plan.opinions
            .iter()
            .filter(|o| !required.contains(&o.department))
            .map(|o| {
                vec![
                    esc(&o.department),
                    esc(&o.opinion),
                    esc(&o.author),
                    esc(&o.recorded_on),
                ]
            }),
    );
    table_in(
        lang,
        &[k::DEPARTMENT, k::OPINION, k::AUTHOR, k::DATE_2],
        &rows,
    )
}

fn scope_table(lang: Lang, villages: &[ScopeVillage]) -> String {
    if villages.is_empty() {
        return none_line(lang);
    }
    let rows: Vec<Vec<String>> = villages
        .iter()
        .map(|v| {
            vec![
                esc(v.township.as_deref().unwrap_or("")),
                format!("<a href=\"/divisions/{c}\">{c}</a>", c = esc(&v.code)),
                esc(&v.name),
                yes_no(lang, v.poor_village),
                yes_no(lang, v.relocation_village),
                v.poor_households.to_string(),
                v.relocation_households.to_string(),
                if v.in_scope {
                    format!("<span class=\"ok\">{}</span>", lang.t(k::IN_SCOPE))
                } else {
                    format!(
                        "<span class=\"fail\">{}</span>",
                        lang.t(k::MISSING_REQUIRED)
                    )
                },
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::TOWNSHIP,
            k::CODE,
            k::VILLAGE,
            k::POOR_VILLAGE,
            k::RELOCATION_VILLAGE,
            k::POOR_HOUSEHOLDS,
            k::RELOCATION_HOUSEHOLDS,
            k::SCOPE_2,
        ],
        &rows,
    )
}

fn action_forms(lang: Lang, user: &User, detail: &PlanDetail) -> String {
    let today = user.today.to_string();
    let mut forms = String::new();
    for name in &detail.actions {
        let Some((_, _, step)) = ACTIONS.iter().find(|(n, ..)| n == name) else {
            continue;
        };
        forms.push_str(&format!(
            "<form method=\"post\" action=\"/plans/{id}/actions/{name}\" class=\"action\">{csrf}\
             <label>{as_of_l} <input type=\"date\" name=\"as_of\" value=\"{today}\" max=\"{today}\" required></label> \
             <label>{reason_l} <input name=\"reason\"></label> \
             <button id=\"plan-action-{name}\">{label}</button></form>",
            id = esc(&detail.plan.id),
            csrf = csrf_field(user),
            as_of_l = lang.t(k::DATE_2),
            reason_l = lang.t(k::REASON),
            label = lang.t(*step),
        ));
    }
    let mut out = String::new();
    if !forms.is_empty() {
        out = format!(
            "<section id=\"actions\"><h2>{}</h2>{forms}</section>",
            lang.t(k::ACTIONS)
        );
    }
    if let Some(department) = &detail.opinion_department {
        out.push_str(&format!(
            "<section id=\"opinion-form\"><h2>{h}</h2>\
             <form method=\"post\" action=\"/plans/{id}/opinions\">{csrf}\
             <p>{dept_l} <strong>{department}</strong></p>\
             <p><textarea name=\"opinion\" rows=\"3\" cols=\"60\" required></textarea></p>\
             <p><label>{as_of_l} <input type=\"date\" name=\"as_of\" value=\"{today}\" max=\"{today}\" required></label> \
             <button id=\"add-opinion\">{button}</button></p></form></section>",
            h = lang.t(k::RECORD_MY_DEPARTMENTS_OPINION),
            id = esc(&detail.plan.id),
            csrf = csrf_field(user),
            dept_l = lang.t(k::DEPARTMENT),
            department = esc(department),
            as_of_l = lang.t(k::DATE_2),
            button = lang.t(k::RECORD_OPINION),
        ));
    }
    out
}

fn plan_body(
    lang: Lang,
    registry: &Registry,
    user: &User,
    detail: &PlanDetail,
    notice: &str,
) -> String {
    format!(
        "{notice}{facts}{forms}\
         <section id=\"rules\"><h2>{rules_h}</h2>{rules}</section>\
         <section id=\"opinions\"><h2>{opinions_h}</h2>{opinions}</section>\
         <section id=\"scope\"><h2>{scope_h}</h2>{scope}</section>",
        facts = facts(lang, detail),
        forms = action_forms(lang, user, detail),
        rules_h = lang.t(k::RULES_OF_SUBMISSION),
        rules = rules_table(lang, &detail.rules),
        opinions_h = lang.t(k::CONSULTATION_OPINIONS),
        opinions = opinions_table(lang, registry, &detail.plan),
        scope_h = lang.t(k::SCOPE),
        scope = scope_table(lang, &detail.villages),
    )
}

async fn plan_page(
    registry: &Registry,
    user: &User,
    id: &str,
    notice: &str,
) -> Result<String, WebError> {
    let detail = readable_detail(registry, user, id).await?;
    let body = plan_body(user.lang, registry, user, &detail, notice);
    Ok(page(
        (&detail.plan.title, &detail.plan.id),
        Some(user),
        &body,
    ))
}

/// Handles GET /plans/{id}
pub async fn plan_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    Ok(Html(plan_page(&state.registry, &user, &id, "").await?))
}

/// After a POST on plan `id`: back to the plan on success; on a refusal the plan page with the
/// refusal on top (status of the refusal), or a plain error page if the user may not read it.
async fn after_post(
    state: &AppState,
    user: &User,
    id: &str,
    outcome: Result<Plan, WebError>,
) -> Result<Response, PageError> {
    let error = match outcome {
        Ok(plan) => return Ok(Redirect::to(&format!("/plans/{}", plan.id)).into_response()),
        Err(
            e @ (WebError::NotFound
            | WebError::Csrf
            | WebError::Registry(
                RegistryError::ReadOnly { .. } | RegistryError::NotFound { .. },
            )),
        ) => {
            return Err(PageError(e));
        }
        Err(e) => e,
    };
    let (status, notice) = error_panel(user.lang, &error);
    match plan_page(&state.registry, user, id, &notice).await {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(_) => Err(PageError(error)),
    }
}

#[derive(Debug, Deserialize)]
pub struct OpinionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    as_of: String,
}

/// Handles POST /plans/{id}/opinions
pub async fn plan_opinion_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<OpinionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let outcome = add_opinion(
        &state.registry,
        &user,
        &id,
        &form.opinion,
        None,
        &form.as_of,
    )
    .await;
    after_post(&state, &user, &id, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    reason: String,
}

/// Handles POST /plans/{id}/actions/{action}
pub async fn plan_action_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let outcome = take_action(
        &state.registry,
        &user,
        &id,
        &action,
        &form.as_of,
        &form.reason,
    )
    .await;
    after_post(&state, &user, &id, outcome).await
}

/// Handles GET /api/plans
#[utoipa::path(get, path = "/plans", tag = "plans",
    responses(
        (status = 200, description = "本辖区的专项规划 / special plans of the user's jurisdiction", body = Vec<Object>),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn plans_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<Plan>>, ApiError> {
    Ok(Json(readable_plans(&state.registry, &user).await?))
}

/// Handles GET /api/plans/{id}
#[utoipa::path(get, path = "/plans/{id}", tag = "plans",
    params(("id" = String, Path, description = "规划编号 / plan id, e.g. 511722-2016-2020")),
    responses(
        (status = 200, description = "规划、范围、部门意见、报送规则与可执行的操作 / the plan, scope, opinions, rules of submission and the steps open to the user", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn plan_detail(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PlanDetail>, ApiError> {
    Ok(Json(readable_detail(&state.registry, &user, &id).await?))
}

/// Handles POST /api/plans
#[utoipa::path(post, path = "/plans", tag = "plans",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body = NewPlanBody,
    responses(
        (status = 201, description = "起草的规划 / the drafted plan", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、非县国土用户或辖区不符 / CSRF, read-only, not a county land user, or jurisdiction", body = crate::error::Problem),
        (status = 422, description = "输入无效或规划已存在 / invalid input or the plan exists", body = crate::error::Problem),
    ))]
pub async fn plan_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    body: Result<Json<NewPlanBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Plan>), ApiError> {
    require_api_csrf(&user, &headers)?;
    user.actor.require_writer()?;
    let body = json_body(
        body,
        "{\"title\":…,\"period_start\":2021,\"period_end\":2025,\"scope\":[\"511722104201\"],\"as_of\":\"YYYY-MM-DD\"}",
    )?;
    let plan = create(&state.registry, &user, &body).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// The body of a consultation opinion.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpinionBody {
    /// 意见 / the opinion
    #[schema(example = "原则同意")]
    pub opinion: String,
    /// 基准日 / as-of date, `YYYY-MM-DD`
    #[schema(example = "2021-03-15")]
    pub as_of: String,
    /// 部门（可省略，须为本人部门）/ the department (optional; must be the user's own)
    #[serde(default)]
    pub department: Option<String>,
}

/// Handles POST /api/plans/{id}/opinions
#[utoipa::path(post, path = "/plans/{id}/opinions", tag = "plans",
    params(
        ("id" = String, Path, description = "规划编号 / plan id"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = OpinionBody,
    responses(
        (status = 200, description = "含新意见的规划 / the plan with the opinion", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非征求意见部门 / CSRF, read-only, or not a consultation department", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 422, description = "不在征求意见阶段或输入无效 / not in consultation, or invalid input", body = crate::error::Problem),
    ))]
pub async fn plan_opinion(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<OpinionBody>, JsonRejection>,
) -> Result<Json<Plan>, ApiError> {
    require_api_csrf(&user, &headers)?;
    user.actor.require_writer()?;
    let body = json_body(body, "{\"opinion\":\"…\",\"as_of\":\"YYYY-MM-DD\"}")?;
    let plan = add_opinion(
        &state.registry,
        &user,
        &id,
        &body.opinion,
        body.department.as_deref(),
        &body.as_of,
    )
    .await?;
    Ok(Json(plan))
}

/// The body of a lifecycle step.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PlanActionBody {
    /// 基准日 / the date the step takes effect, `YYYY-MM-DD`
    #[schema(example = "2021-04-01")]
    pub as_of: String,
    /// 理由 / why
    #[serde(default)]
    pub reason: String,
}

/// Handles POST /api/plans/{id}/actions/{action}
#[utoipa::path(post, path = "/plans/{id}/actions/{action}", tag = "plans",
    params(
        ("id" = String, Path, description = "规划编号 / plan id"),
        ("action" = String, Path, description = "consult | submit | approve | file | return | revise"),
        ("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token"),
    ),
    request_body = PlanActionBody,
    responses(
        (status = 200, description = "新状态的规划 / the plan in its new state", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读、部门、级别或辖区不符 / CSRF, read-only, department, level or jurisdiction", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found", body = crate::error::Problem),
        (status = 409, description = "当前状态不允许 / the state does not allow it", body = crate::error::Problem),
        (status = 422, description = "规则未通过（code 为规则 ID）或输入无效 / a rule failed (code = rule ID) or invalid input", body = crate::error::Problem),
    ))]
pub async fn plan_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Result<Json<PlanActionBody>, JsonRejection>,
) -> Result<Json<Plan>, ApiError> {
    require_api_csrf(&user, &headers)?;
    user.actor.require_writer()?;
    let body = json_body(body, "{\"as_of\":\"YYYY-MM-DD\",\"reason\":\"…\"}")?;
    let plan = take_action(
        &state.registry,
        &user,
        &id,
        &action,
        &body.as_of,
        &body.reason,
    )
    .await?;
    Ok(Json(plan))
}
