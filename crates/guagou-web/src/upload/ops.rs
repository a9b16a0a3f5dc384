//! The operations behind this module's pages and API, shared by both: who may do what is
//! checked here (after CSRF, which the handlers check first), the registry does the rest.

use chrono::{Duration, SecondsFormat, Utc};
use guagou_domain::check::RuleResult;
use guagou_domain::lifecycle::Level;
use guagou_registry::RegistryError;
use guagou_registry::packages::{PendingUpload, PreCheck, StoredPackage};
use guagou_registry::projects::{
    Acceptance, AcceptanceFigures, CityInvestment, Project, Version, VersionDiff,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{BuiltPackage, UploadInput};
use crate::AppState;
use crate::auth::{AUDIT_DEPARTMENT, User, random_hex};
use crate::error::WebError;
use crate::view;

/// How long a checked upload waits for its "save".
const PENDING_HOURS: i64 = 24;

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Refuses unless `user` may upload packages: a county land-bureau user (audit is read-only,
/// other departments and levels are refused).
pub fn require_uploader(user: &User) -> Result<(), WebError> {
    user.require_land()?;
    if user.actor.level == Level::County {
        Ok(())
    } else {
        Err(WebError::Registry(RegistryError::Forbidden {
            actor: user.actor.to_string(),
            what: "项目包上传（县级国土部门） package upload, county land bureau".into(),
        }))
    }
}

/// Whether `user` may upload a new version of `project` (for showing the link).
pub fn may_upload_version(user: &User, project: &Project) -> bool {
    use guagou_domain::lifecycle::ProjectState as S;
    require_uploader(user).is_ok()
        && user.reads(&project.county)
        && !matches!(
            project.state,
            S::Accepted | S::Closed | S::Withdrawn | S::Terminated
        )
}

/// Pre-checks the package of a new project (nothing saved).
pub async fn check_new_project(
    state: &AppState,
    user: &User,
    input: &UploadInput,
) -> Result<(BuiltPackage, PreCheck), WebError> {
    require_uploader(user)?;
    let as_of = input.as_of()?;
    let built = input.new_project_package(user.actor.division.as_str())?;
    let pre = state
        .registry
        .precheck_zip(&user.actor, &built.name, &built.zip, None, as_of)
        .await?;
    Ok((built, pre))
}

/// The stored package of the project's current version, if any (base of a one-file change).
async fn current_package(
    state: &AppState,
    project: &Project,
) -> Result<Option<StoredPackage>, WebError> {
    match state
        .registry
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
    let base = current_package(state, &project).await?;
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
    let as_of = input.as_of()?;
    let (project, built) = version_package(state, user, code, input).await?;
    let pre = state
        .registry
        .precheck_zip(
            &user.actor,
            &built.name,
            &built.zip,
            Some(&project.code),
            as_of,
        )
        .await?;
    Ok((built, pre))
}

/// Keeps a checked upload for a day; returns its token (for the "save" form).
pub async fn keep_upload(
    state: &AppState,
    user: &User,
    project: Option<&str>,
    built: BuiltPackage,
) -> Result<String, WebError> {
    let now = Utc::now();
    let token = random_hex(32)?;
    state
        .registry
        .keep_upload(&PendingUpload {
            token: token.clone(),
            owner: user.actor.to_string(),
            project: project.map(str::to_owned),
            file_name: built.name,
            created_at: rfc3339(now),
            expires_at: rfc3339(now + Duration::hours(PENDING_HOURS)),
            zip: built.zip,
        })
        .await?;
    Ok(token)
}

/// The pending upload `token` of `user` for `project`; 404 if missing, expired or another's.
async fn take_pending(
    state: &AppState,
    user: &User,
    token: &str,
    project: Option<&str>,
) -> Result<PendingUpload, WebError> {
    state
        .registry
        .pending_upload(token, &user.actor.to_string(), project, &rfc3339(Utc::now()))
        .await
        .map_err(|e| match e {
            RegistryError::NotFound { .. } => WebError::invalid(
                "token",
                "这次上传已过期或不存在（上传后 24 小时内须保存），请重新上传",
                "this upload expired or does not exist (save within 24 hours of uploading); upload it again",
            ),
            other => other.into(),
        })
}

/// Saves a checked upload as a new project.
pub async fn save_new_project(
    state: &AppState,
    user: &User,
    token: &str,
    as_of: chrono::NaiveDate,
    reason: &str,
) -> Result<Project, WebError> {
    require_uploader(user)?;
    let pending = take_pending(state, user, token, None).await?;
    let (project, _, _) = state
        .registry
        .register_project_from_zip(&user.actor, &pending.file_name, &pending.zip, as_of, reason)
        .await?;
    state.registry.discard_upload(token).await?;
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
    let project = view::readable_project(&state.registry, user, code).await?;
    require_uploader(user)?;
    let pending = take_pending(state, user, token, Some(&project.code)).await?;
    let (version, _, _) = state
        .registry
        .add_version_from_zip(
            &user.actor,
            &project.code,
            &pending.file_name,
            &pending.zip,
            as_of,
            reason,
        )
        .await?;
    state.registry.discard_upload(token).await?;
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
    let as_of = input.as_of()?;
    let built = input.new_project_package(user.actor.division.as_str())?;
    let (project, results, package) = state
        .registry
        .register_project_from_zip(&user.actor, &built.name, &built.zip, as_of, &input.reason())
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
    let as_of = input.as_of()?;
    let (project, built) = version_package(state, user, code, input).await?;
    let (version, results, package) = state
        .registry
        .add_version_from_zip(
            &user.actor,
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
    let latest = state
        .registry
        .versions(&project.code)
        .await?
        .last()
        .map_or(project.current_version, |v| v.version);
    let to = to.unwrap_or(latest);
    let from = from.unwrap_or((to - 1).max(1));
    Ok(state
        .registry
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
    user.require_land()?;
    let project = state
        .registry
        .apply_acceptance(
            &user.actor,
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
    user.require_land()?;
    let project = state
        .registry
        .set_city_investment(&user.actor, &project.code, investment, reason)
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
}

/// The acceptance application of a readable project, if there is one.
pub async fn acceptance_view(
    state: &AppState,
    project: &Project,
) -> Result<Option<AcceptanceView>, WebError> {
    let acceptance = match state.registry.acceptance(&project.code).await {
        Ok(a) => a,
        Err(RegistryError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let advanced_m2 = state
        .registry
        .store
        .ledger_project(&project.code)
        .await?
        .map_or(0, |l| l.advanced_m2);
    let confirmed_m2 = acceptance.reclaimed_m2 - acceptance.resettlement_m2;
    Ok(Some(AcceptanceView {
        confirmed_m2,
        advanced_m2,
        shortfall_m2: (advanced_m2 - confirmed_m2.max(0)).max(0),
        farmland_balance_m2: acceptance.reclaimed_farmland_m2 - acceptance.resettlement_farmland_m2,
        acceptance,
    }))
}

/// One row of the city's ranking of pooled projects, every part of the score shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RankingRow {
    /// 名次 / place (1 = first); places of projects the user may not read are not listed
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub county: String,
    /// 国家扶贫开发工作重点县 / national poverty county
    pub national_poverty_county: bool,
    /// 覆盖贫困村数 / poor villages covered
    pub poor_villages: u32,
    /// 易地扶贫搬迁户数 / relocation households
    pub relocation_households: u32,
    /// 贫困户数 / poor households
    pub poor_households: u32,
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
    let division = user.actor.division.as_str();
    let prefix = if user.department == AUDIT_DEPARTMENT {
        ""
    } else {
        match user.actor.level {
            Level::Province => division.get(..2).unwrap_or(""),
            Level::City | Level::County => division.get(..4).unwrap_or(""),
        }
    };
    let ranked = state.registry.rank_pooled(prefix, as_of).await?;
    let mut rows = Vec::new();
    for r in ranked {
        let project = state.registry.project(&r.parts.code).await?;
        if !user.reads(&project.county) {
            continue;
        }
        rows.push(RankingRow {
            rank: r.rank,
            code: project.code,
            name: project.name,
            county: project.county,
            national_poverty_county: r.parts.national_poverty_county,
            poor_villages: r.parts.poor_villages,
            relocation_households: r.parts.relocation_households,
            poor_households: r.parts.poor_households,
            submitted_on: r.parts.submitted_on,
            explanation_zh: r.explanation_zh,
            explanation_en: r.explanation_en,
        });
    }
    Ok(rows)
}
