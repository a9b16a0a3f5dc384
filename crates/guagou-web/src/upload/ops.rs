//! The operations behind this module's pages and API, shared by both: who may do what is
//! checked here (after CSRF, which the handlers check first), the registry does the rest.

use guagou_domain::check::RuleResult;
use guagou_domain::lifecycle::Level;
use guagou_registry::RegistryError;
use guagou_registry::packages::{PreCheck, StoredPackage};
use guagou_registry::projects::{
    Acceptance, AcceptanceFigures, CityInvestment, Project, Version, VersionDiff,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{BuiltPackage, UploadInput};
use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::view;

/// Refuses unless `user` may upload packages: a county land-bureau user (asks the principal;
/// the door checks again when the package is checked or saved).
pub fn require_uploader(user: &User) -> Result<(), WebError> {
    user.actor.require_land()?;
    Ok(user.actor.require_level(Level::County)?)
}

/// Whether `user` may upload a new version of `project` (for showing the link).
pub fn may_upload_version(state: &AppState, user: &User, project: &Project) -> bool {
    user.door(&state.registry).may_upload_version(project)
}

/// Pre-checks the package of a new project (nothing saved).
pub async fn check_new_project(
    state: &AppState,
    user: &User,
    input: &UploadInput,
) -> Result<(BuiltPackage, PreCheck), WebError> {
    require_uploader(user)?;
    let as_of = input.as_of(user.today)?;
    let built = input.new_project_package(user.actor.division.as_str())?;
    let pre = user
        .door(&state.registry)
        .precheck_zip(&built.name, &built.zip, None, as_of)
        .await?;
    Ok((built, pre))
}

/// The stored package of the project's current version, if any (base of a one-file change).
async fn current_package(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<Option<StoredPackage>, WebError> {
    match user
        .door(&state.registry)
        .stored_package(&project.code, project.current_version)
        .await
    {
        Ok(p) => Ok(Some(p)),
        Err(RegistryError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The package of a new version of `code` from the input (a zip, or one file replaced).
async fn version_package(
    state: &AppState,
    user: &User,
    code: &str,
    input: &UploadInput,
) -> Result<(Project, BuiltPackage), WebError> {
    let project = view::readable_project(&state.registry, user, code).await?;
    require_uploader(user)?;
    let base = current_package(state, user, &project).await?;
    let built = input.new_version_package(base.as_ref(), project.current_version)?;
    Ok((project, built))
}

/// Pre-checks a new version of `code` (nothing saved).
pub async fn check_new_version(
    state: &AppState,
    user: &User,
    code: &str,
    input: &UploadInput,
) -> Result<(BuiltPackage, PreCheck), WebError> {
    let as_of = input.as_of(user.today)?;
    let (project, built) = version_package(state, user, code, input).await?;
    let pre = user
        .door(&state.registry)
        .precheck_zip(&built.name, &built.zip, Some(&project.code), as_of)
        .await?;
    Ok((built, pre))
}

/// Keeps a checked upload for a day, for this user alone; returns its token (for the "save"
/// form).
pub async fn keep_upload(
    state: &AppState,
    user: &User,
    project: Option<&str>,
    built: BuiltPackage,
) -> Result<String, WebError> {
    Ok(user
        .door(&state.registry)
        .keep_upload(project, &built.name, built.zip)
        .await?)
}

/// Saves a checked upload as a new project.
pub async fn save_new_project(
    state: &AppState,
    user: &User,
    token: &str,
    as_of: chrono::NaiveDate,
    reason: &str,
) -> Result<Project, WebError> {
    let project = user
        .door(&state.registry)
        .save_upload_as_project(token, as_of, reason)
        .await?;
    tracing::info!(actor = %user.actor, code = %project.code, "project registered by upload");
    Ok(project)
}

/// Saves a checked upload as a new version of `code`.
pub async fn save_new_version(
    state: &AppState,
    user: &User,
    code: &str,
    token: &str,
    as_of: chrono::NaiveDate,
    reason: &str,
) -> Result<Version, WebError> {
    let version = user
        .door(&state.registry)
        .save_upload_as_version(code, token, as_of, reason)
        .await?;
    tracing::info!(actor = %user.actor, code, version = version.version, "version added by upload");
    Ok(version)
}

/// A registration answered by the API.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub project: Project,
    pub results: Vec<RuleResult>,
    pub package: StoredPackage,
}

/// Registers a project straight from the input (API: check and save in one call).
pub async fn register_now(
    state: &AppState,
    user: &User,
    input: &UploadInput,
) -> Result<Registered, WebError> {
    require_uploader(user)?;
    let as_of = input.as_of(user.today)?;
    let built = input.new_project_package(user.actor.division.as_str())?;
    let (project, results, package) = user
        .door(&state.registry)
        .register_project_from_zip(&built.name, &built.zip, as_of, &input.reason())
        .await?;
    Ok(Registered {
        project,
        results,
        package,
    })
}

/// A new version answered by the API.
#[derive(Debug, Serialize)]
pub struct VersionAdded {
    pub version: Version,
    pub results: Vec<RuleResult>,
    pub package: StoredPackage,
}

/// Adds a version straight from the input (API).
pub async fn add_version_now(
    state: &AppState,
    user: &User,
    code: &str,
    input: &UploadInput,
) -> Result<VersionAdded, WebError> {
    let as_of = input.as_of(user.today)?;
    let (project, built) = version_package(state, user, code, input).await?;
    let (version, results, package) = user
        .door(&state.registry)
        .add_version_from_zip(
            &project.code,
            &built.name,
            &built.zip,
            as_of,
            &input.reason(),
        )
        .await?;
    Ok(VersionAdded {
        version,
        results,
        package,
    })
}

/// The diff between versions `from` and `to` of a readable project; by default the latest
/// version against the one before it.
pub async fn diff(
    state: &AppState,
    user: &User,
    code: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<VersionDiff, WebError> {
    let project = view::readable_project(&state.registry, user, code).await?;
    let latest = user
        .door(&state.registry)
        .versions(&project.code)
        .await?
        .last()
        .map_or(project.current_version, |v| v.version);
    let to = to.unwrap_or(latest);
    let from = from.unwrap_or((to - 1).max(1));
    Ok(user
        .door(&state.registry)
        .diff_versions(&project.code, from, to)
        .await?)
}

/// An acceptance application as entered.
#[derive(Debug, Clone)]
pub struct AcceptanceInput {
    pub as_of: chrono::NaiveDate,
    pub figures: AcceptanceFigures,
    pub change_version: Option<i64>,
    pub reason: String,
}

/// Applies for acceptance (county), alone or with a change version.
pub async fn apply_acceptance(
    state: &AppState,
    user: &User,
    code: &str,
    input: AcceptanceInput,
) -> Result<Project, WebError> {
    let project = view::readable_project(&state.registry, user, code).await?;
    user.actor.require_land()?;
    let project = user
        .door(&state.registry)
        .apply_acceptance(
            &project.code,
            input.figures,
            input.change_version,
            input.as_of,
            &input.reason,
        )
        .await?;
    tracing::info!(actor = %user.actor, code, "acceptance applied");
    Ok(project)
}

/// Records city investment (city land bureau, before approval).
pub async fn set_city_investment(
    state: &AppState,
    user: &User,
    code: &str,
    investment: &CityInvestment,
    reason: &str,
) -> Result<Project, WebError> {
    let project = view::readable_project(&state.registry, user, code).await?;
    user.actor.require_land()?;
    let project = user
        .door(&state.registry)
        .set_city_investment(&project.code, investment, reason)
        .await?;
    tracing::info!(actor = %user.actor, code, "city investment recorded");
    Ok(project)
}

/// An acceptance application with what follows from it.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptanceView {
    pub acceptance: Acceptance,
    /// Reclaimed − resettlement (m²): the surplus confirmed if the city accepts.
    pub confirmed_m2: i64,
    /// Advanced against the project so far (m²).
    pub advanced_m2: i64,
    /// Advanced − confirmed, when positive: overdue at acceptance (SPEC §8).
    pub shortfall_m2: i64,
    /// Reclaimed farmland − farmland occupied by resettlement (m²); never negative (§8).
    pub farmland_balance_m2: i64,
    /// While the city's decision is pending: RECLAIMED_IS_FARMLAND and the 新增耕地 comparison
    /// on the county's updated layer, as the acceptance step will judge them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_check: Option<guagou_registry::base_layers::ReclaimedOnLayer>,
}

/// The acceptance application of a readable project, if there is one.
pub async fn acceptance_view(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<Option<AcceptanceView>, WebError> {
    let door = user.door(&state.registry);
    let Some(acceptance) = door.acceptance(&project.code).await? else {
        return Ok(None);
    };
    let advanced_m2 = door
        .project_ledger(&project.code)
        .await?
        .map_or(0, |l| l.advanced_m2);
    let confirmed_m2 = acceptance.reclaimed_m2 - acceptance.resettlement_m2;
    let layer_check = door.reclaimed_on_layer(&project.code, door.today()).await?;
    Ok(Some(AcceptanceView {
        layer_check,
        confirmed_m2,
        advanced_m2,
        shortfall_m2: (advanced_m2 - confirmed_m2.max(0)).max(0),
        farmland_balance_m2: acceptance.reclaimed_farmland_m2 - acceptance.resettlement_farmland_m2,
        acceptance,
    }))
}

/// One row of the city's ranking of pooled projects (二(二)): its group, then every part of the
/// score inside the group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RankingRow {
    /// 名次 / place (1 = first); places of projects the user may not read are not listed
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub county: String,
    /// 分组 / group: `priority` (二(二) 优先保障) or `other`
    pub group: String,
    /// 分组理由 / why the project is in its group
    pub group_reason_zh: String,
    pub group_reason_en: String,
    /// 国家扶贫开发工作重点县（含退出后过渡期）/ national poverty county (or in its transition period)
    pub national_poverty_county: bool,
    /// 覆盖贫困村数 / poor villages covered
    pub poor_villages: u32,
    /// 覆盖易地扶贫搬迁户多的村数 / villages with many relocation households covered
    pub many_relocation_villages: u32,
    /// 易地扶贫搬迁户数 / relocation households
    pub relocation_households: u32,
    /// 贫困户数 / poor households
    pub poor_households: u32,
    /// 得分（组内）及其各项 / score inside the group and its parts
    pub score: u64,
    pub poor_village_points: u64,
    pub relocation_household_points: u64,
    pub poor_household_points: u64,
    pub submitted_on: String,
    /// 与下一名相比起决定作用的一项 / what placed it before the next one
    pub explanation_zh: String,
    pub explanation_en: String,
}

/// The ranking of the user's city (all of it for audit and the province's whole province),
/// listing only the projects the user may read, with their place in the whole ranking.
pub async fn ranking(
    state: &AppState,
    user: &User,
    as_of: chrono::NaiveDate,
) -> Result<Vec<RankingRow>, WebError> {
    let ranked = user.door(&state.registry).rank_pooled(as_of).await?;
    Ok(ranked
        .into_iter()
        .map(|(r, project)| RankingRow {
            rank: r.rank,
            code: project.code,
            name: project.name,
            county: project.county,
            group: match r.group {
                guagou_domain::ranking::Group::Priority => "priority".into(),
                guagou_domain::ranking::Group::Other => "other".into(),
            },
            group_reason_zh: r.group_reason_zh,
            group_reason_en: r.group_reason_en,
            national_poverty_county: r.parts.national_poverty_county,
            poor_villages: r.parts.poor_villages,
            many_relocation_villages: r.parts.many_relocation_villages,
            relocation_households: r.parts.relocation_households,
            poor_households: r.parts.poor_households,
            score: r.score.total,
            poor_village_points: r.score.poor_village_points,
            relocation_household_points: r.score.relocation_household_points,
            poor_household_points: r.score.poor_household_points,
            submitted_on: r.parts.submitted_on,
            explanation_zh: r.explanation_zh,
            explanation_en: r.explanation_en,
        })
        .collect())
}
