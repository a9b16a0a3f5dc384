//! What a user may read, shared by pages and the API: projects of the user's jurisdiction, one
//! project with its versions and stored check results, and the ledger balances that concern
//! the jurisdiction. Filtering happens here, on the server, for every route.

use std::collections::BTreeMap;

use guagou_domain::ledger::Account;
use guagou_domain::lifecycle::{Level, ProjectAction, ProjectState};
use guagou_registry::projects::{Project, Version};
use guagou_registry::{Registry, RegistryError};
use serde::Serialize;

use crate::auth::User;
use crate::error::WebError;

/// The projects `user` may read, by code.
pub async fn readable_projects(registry: &Registry, user: &User) -> Result<Vec<Project>, WebError> {
    // Only the user's part of the code space is read (a county: its own code; a city: its
    // 4-digit prefix; the province: its 2 digits); `reads` still decides.
    let own = user.actor.division.as_str();
    let prefix = own.trim_end_matches("00");
    Ok(registry
        .projects(prefix, None)
        .await?
        .into_iter()
        .filter(|p| user.reads(&p.county))
        .collect())
}

/// The project `code` if `user` may read it; `NotFound` otherwise (same answer as a missing
/// project, so a county user cannot probe another county's codes).
pub async fn readable_project(
    registry: &Registry,
    user: &User,
    code: &str,
) -> Result<Project, WebError> {
    match registry.project(code).await {
        Ok(p) if user.reads(&p.county) => Ok(p),
        Ok(_) | Err(RegistryError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// A project with its versions (each with its stored check results).
#[derive(Debug, Serialize)]
pub struct ProjectDetail {
    pub project: Project,
    pub versions: Vec<Version>,
}

pub async fn project_detail(
    registry: &Registry,
    user: &User,
    code: &str,
) -> Result<ProjectDetail, WebError> {
    let project = readable_project(registry, user, code).await?;
    let versions = registry.versions(code).await?;
    Ok(ProjectDetail { project, versions })
}

/// One ledger balance.
#[derive(Debug, Serialize)]
pub struct Balance {
    pub account: String,
    #[serde(flatten)]
    pub detail: Account,
    pub balance_m2: i64,
}

/// The county an account belongs to, if any (`projects` maps project codes to counties).
fn account_county(account: &Account, projects: &BTreeMap<String, String>) -> Option<String> {
    match account {
        Account::Holding { division }
        | Account::Reserved { division }
        | Account::Used { division } => Some(division.to_string()),
        Account::AnnualPlan { county, .. } | Account::Deducted { county } => {
            Some(county.to_string())
        }
        Account::Surplus { project } | Account::Advance { project } => {
            projects.get(project).cloned()
        }
        Account::Listed { .. } | Account::AnnualPlanGrant => None,
    }
}

/// The balances relevant to `user`'s jurisdiction: accounts of its divisions and projects;
/// listings and the provincial grant only above the county level.
pub async fn readable_balances(registry: &Registry, user: &User) -> Result<Vec<Balance>, WebError> {
    let projects: BTreeMap<String, String> = registry
        .projects("", None)
        .await?
        .into_iter()
        .map(|p| (p.code, p.county))
        .collect();
    let balances = registry.store.balances().await?;
    Ok(balances
        .into_iter()
        .filter(|(account, _)| match account_county(account, &projects) {
            Some(county) => user.reads(&county),
            None => user.actor.level != Level::County,
        })
        .map(|(account, balance_m2)| Balance {
            account: account.key(),
            detail: account,
            balance_m2,
        })
        .collect())
}

/// The lifecycle actions the web takes by name, with their Chinese labels. Acceptance
/// application and revision carry data and get their own forms (not yet built).
pub const ACTIONS: &[(&str, ProjectAction, &str)] = &[
    ("submit", ProjectAction::Submit, "报送"),
    ("pool", ProjectAction::Pool, "入库"),
    ("forward", ProjectAction::Forward, "转报"),
    ("approve", ProjectAction::Approve, "立项"),
    ("start", ProjectAction::Start, "开工实施"),
    ("accept", ProjectAction::Accept, "确认验收"),
    ("close", ProjectAction::Close, "关闭"),
    ("return", ProjectAction::Return, "退回"),
    ("withdraw", ProjectAction::Withdraw, "撤回"),
    ("terminate", ProjectAction::Terminate, "终止"),
];

/// The action named `text`, if the web offers it.
pub fn parse_action(text: &str) -> Option<ProjectAction> {
    ACTIONS
        .iter()
        .find(|(name, _, _)| *name == text)
        .map(|(_, action, _)| *action)
}

/// The actions `user` could take on a project in `state` (level and state only; the registry
/// still checks jurisdiction and the gating rules when the action is taken).
pub fn available_actions(user: &User, state: ProjectState) -> Vec<(&'static str, &'static str)> {
    if user.require_land().is_err() {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(_, action, _)| state.next(*action, user.actor.level, &[]).is_ok())
        .map(|(name, _, zh)| (*name, *zh))
        .collect()
}

/// Takes a lifecycle action for `user`: a read-only user is refused, a project the user may not
/// read is not found, and the registry checks level, state, jurisdiction and gating rules.
pub async fn take_action(
    registry: &Registry,
    user: &User,
    code: &str,
    action: &str,
    as_of: &str,
    reason: &str,
) -> Result<Project, WebError> {
    readable_project(registry, user, code).await?;
    user.require_land()?;
    let action = parse_action(action).ok_or_else(|| {
        WebError::invalid(
            "action",
            format!("未知操作 {action}"),
            format!("unknown action {action}"),
        )
    })?;
    let as_of = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").map_err(|_| {
        WebError::invalid(
            "as_of",
            format!("日期 {as_of} 应为 YYYY-MM-DD"),
            format!("date {as_of} should be YYYY-MM-DD"),
        )
    })?;
    let project = registry
        .project_action(&user.actor, code, action, as_of, reason)
        .await?;
    tracing::info!(actor = %user.actor, code, ?action, "project action");
    Ok(project)
}
