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

use super::{error_panel, json_body, parse_date, require_api_csrf, require_land, yes_no};
use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, page};
use crate::partials::{Cell, render};
use askama::Template;

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
    lang.text(crate::names::plan_state(state)).to_owned()
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
    let rows = plans
        .iter()
        .map(|p| {
            vec![
                Cell::link(&p.id, format!("/plans/{}", p.id)),
                Cell::link(&p.county, format!("/divisions/{}", p.county)),
                Cell::text(&p.title),
                Cell::text(format!("{}—{}", p.period_start, p.period_end)),
                Cell::text(state_cell(lang, p.state)),
                Cell::text(format!("{} / {required}", p.opinions.len())),
                Cell::text(&p.created_on),
                Cell::text(p.approved_on.as_deref().unwrap_or("")),
                Cell::text(p.filed_on.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let headers = [
        k::ID_2,
        k::COUNTY,
        k::TITLE_2,
        k::PERIOD_2,
        k::STATE,
        k::OPINIONS,
        k::DRAFTED,
        k::APPROVED,
        k::FILED,
    ];
    let view = PlansPage {
        lang,
        may_create: may_create(&user),
        headers: headers.into_iter().map(|h| lang.text(h)).collect(),
        rows,
    };
    let body = render(&view, "special plans")?;
    Ok(Html(page(k::SPECIAL_PLANS, Some(&user), &body)))
}

/// 专项规划 / the special plans (`templates/plans/plans.html`).
#[derive(Template)]
#[template(path = "plans/plans.html")]
struct PlansPage {
    lang: Lang,
    may_create: bool,
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
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

/// 起草专项规划 / the new-plan form (`templates/plans/new.html`).
#[derive(Template)]
#[template(path = "plans/new.html")]
struct NewPlanPage<'a> {
    lang: Lang,
    /// The refusal of the last submit (the plans' error panel, HTML).
    refusal: Option<String>,
    csrf: &'a str,
    title: &'a str,
    period_start: &'a str,
    period_end: &'a str,
    as_of: &'a str,
    today: String,
    villages: Vec<VillageChoice>,
}

/// A village of the county, ticked when in scope.
struct VillageChoice {
    code: String,
    township: String,
    name: String,
    ticked: bool,
    poor: Cell,
    relocation: Cell,
    poor_households: i64,
    relocation_households: i64,
}

async fn new_plan_page(
    registry: &Registry,
    user: &User,
    values: &NewPlanValues,
    refusal: Option<String>,
) -> Result<String, WebError> {
    let lang = user.lang;
    let county = user.actor.division.to_string();
    let divisions = user.door(registry).divisions_under(&county).await?;
    let villages = divisions
        .iter()
        .filter(|d| d.code.len() == 12)
        .map(|v| VillageChoice {
            code: v.code.clone(),
            township: v.parent.clone().unwrap_or_default(),
            name: v.name.clone(),
            ticked: match &values.scope {
                Some(scope) => scope.contains(&v.code),
                None => v.poor_village || v.relocation_village,
            },
            poor: yes_no(lang, v.poor_village),
            relocation: yes_no(lang, v.relocation_village),
            poor_households: v.poor_households,
            relocation_households: v.relocation_households,
        })
        .collect();
    let view = NewPlanPage {
        lang,
        refusal,
        csrf: &user.csrf,
        title: &values.title,
        period_start: &values.period_start,
        period_end: &values.period_end,
        as_of: &values.as_of,
        today: user.today.to_string(),
        villages,
    };
    let body = render(&view, "new plan")?;
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
        new_plan_page(&state.registry, &user, &values, None).await?,
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
            let (status, notice) = error_panel(user.lang, &e)?;
            let values = NewPlanValues {
                title: field("title"),
                period_start: field("period_start"),
                period_end: field("period_end"),
                as_of: field("as_of"),
                scope: Some(scope),
            };
            let html = new_plan_page(&state.registry, &user, &values, Some(notice)).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// 专项规划 / one special plan (`templates/plans/plan.html`).
#[derive(Template)]
#[template(path = "plans/plan.html")]
struct PlanPage<'a> {
    lang: Lang,
    /// The refusal of the last post (the plans' error panel, HTML).
    refusal: Option<String>,
    id: &'a str,
    title: &'a str,
    county: &'a str,
    county_name: &'a str,
    period: String,
    state: String,
    drafted: &'a str,
    approved: &'a str,
    filed: &'a str,
    csrf: &'a str,
    today: String,
    actions: Vec<ActionButton>,
    opinion_department: Option<&'a str>,
    rules: Vec<Vec<Cell>>,
    opinions: Vec<Vec<Cell>>,
    scope: Vec<Vec<Cell>>,
}

/// A lifecycle step the user may take: its name in the form's action and its button's label.
struct ActionButton {
    name: &'static str,
    label: &'static str,
}

fn rules_rows(lang: Lang, rules: &[RuleResult]) -> Vec<Vec<Cell>> {
    let pick = |zh: &str, en: &str| match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    };
    rules
        .iter()
        .map(|r| {
            let verdict = if r.passed {
                Cell::text(lang.text(k::PASS)).with_class("ok")
            } else {
                Cell::text(lang.text(k::FAIL)).with_class("fail")
            };
            vec![
                Cell::code(r.rule.as_str()),
                Cell::text(&r.clause),
                verdict,
                Cell::text(pick(&r.measured.text_zh(), &r.measured.text_en())),
                Cell::text(pick(&r.limit.text_zh(), &r.limit.text_en())),
                Cell::text(pick(&r.message_zh, &r.message_en)),
            ]
        })
        .collect()
}

fn opinions_rows(lang: Lang, registry: &Registry, plan: &Plan) -> Vec<Vec<Cell>> {
    let required = &registry.profile.consultation.departments.value;
    let given = |o: &guagou_registry::plans::Opinion| {
        vec![
            Cell::text(&o.department),
            Cell::text(&o.opinion),
            Cell::text(&o.author),
            Cell::text(&o.recorded_on),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = required
        .iter()
        .map(
            |department| match plan.opinions.iter().find(|o| &o.department == department) {
                Some(o) => given(o),
                None => vec![
                    Cell::text(department),
                    Cell::text(lang.text(k::MISSING)).with_class("fail"),
                    Cell::default(),
                    Cell::default(),
                ],
            },
        )
        .collect();
    // Opinions of departments the profile no longer requires stay visible.
    rows.extend(
        plan.opinions
            .iter()
            .filter(|o| !required.contains(&o.department))
            .map(given),
    );
    rows
}

fn scope_rows(lang: Lang, villages: &[ScopeVillage]) -> Vec<Vec<Cell>> {
    villages
        .iter()
        .map(|v| {
            vec![
                Cell::text(v.township.as_deref().unwrap_or("")),
                Cell::link(&v.code, format!("/divisions/{}", v.code)),
                Cell::text(&v.name),
                yes_no(lang, v.poor_village),
                yes_no(lang, v.relocation_village),
                Cell::text(v.poor_households.to_string()),
                Cell::text(v.relocation_households.to_string()),
                if v.in_scope {
                    Cell::text(lang.text(k::IN_SCOPE)).with_class("ok")
                } else {
                    Cell::text(lang.text(k::MISSING_REQUIRED)).with_class("fail")
                },
            ]
        })
        .collect()
}

fn plan_body(
    lang: Lang,
    registry: &Registry,
    user: &User,
    detail: &PlanDetail,
    refusal: Option<String>,
) -> Result<String, WebError> {
    let p = &detail.plan;
    let view = PlanPage {
        lang,
        refusal,
        id: &p.id,
        title: &p.title,
        county: &p.county,
        county_name: &detail.county_name,
        period: format!("{}—{}", p.period_start, p.period_end),
        state: state_cell(lang, p.state),
        drafted: &p.created_on,
        approved: p.approved_on.as_deref().unwrap_or(""),
        filed: p.filed_on.as_deref().unwrap_or(""),
        csrf: &user.csrf,
        today: user.today.to_string(),
        actions: detail
            .actions
            .iter()
            .filter_map(|name| {
                ACTIONS
                    .iter()
                    .find(|(n, ..)| n == name)
                    .map(|(name, _, step)| ActionButton {
                        name,
                        label: lang.text(*step),
                    })
            })
            .collect(),
        opinion_department: detail.opinion_department.as_deref(),
        rules: rules_rows(lang, &detail.rules),
        opinions: opinions_rows(lang, registry, p),
        scope: scope_rows(lang, &detail.villages),
    };
    render(&view, "special plan")
}

async fn plan_page(
    registry: &Registry,
    user: &User,
    id: &str,
    refusal: Option<String>,
) -> Result<String, WebError> {
    let detail = readable_detail(registry, user, id).await?;
    let body = plan_body(user.lang, registry, user, &detail, refusal)?;
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
    Ok(Html(plan_page(&state.registry, &user, &id, None).await?))
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
    let (status, notice) = error_panel(user.lang, &error)?;
    match plan_page(&state.registry, user, id, Some(notice)).await {
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
