//! What a user may read, shared by pages and the API: projects of the user's jurisdiction, one
//! project with its versions and stored check results, and the ledger balances that concern
//! the jurisdiction. Filtering happens here, on the server, for every route.

use crate::catalogue::{Key, k};
use guagou_domain::ledger::Account;
use guagou_domain::lifecycle::{ProjectAction, ProjectState};
use guagou_registry::Registry;
use guagou_registry::projects::Project;
use serde::Serialize;

use crate::auth::User;
use crate::error::WebError;

pub use guagou_registry::door::ProjectDetail;

/// The projects `user` may read, by code.
pub async fn readable_projects(registry: &Registry, user: &User) -> Result<Vec<Project>, WebError> {
    Ok(user.door(registry).projects(None).await?)
}

/// The project `code` if `user` may read it; `NotFound` otherwise (same answer as a missing
/// project, so a county user cannot probe another county's codes).
pub async fn readable_project(
    registry: &Registry,
    user: &User,
    code: &str,
) -> Result<Project, WebError> {
    Ok(user.door(registry).project(code).await?)
}

pub async fn project_detail(
    registry: &Registry,
    user: &User,
    code: &str,
) -> Result<ProjectDetail, WebError> {
    Ok(user.door(registry).project_detail(code).await?)
}

/// One ledger balance.
#[derive(Debug, Serialize)]
pub struct Balance {
    pub account: String,
    #[serde(flatten)]
    pub detail: Account,
    pub balance_m2: i64,
}

/// The balances relevant to `user`'s jurisdiction (the door filters them).
pub async fn readable_balances(registry: &Registry, user: &User) -> Result<Vec<Balance>, WebError> {
    let door = user.door(registry);
    let scope = door.read_scope().await?;
    Ok(door
        .balances(&scope)
        .await?
        .into_iter()
        .map(|(account, balance_m2)| Balance {
            account: account.key(),
            detail: account,
            balance_m2,
        })
        .collect())
}

/// The lifecycle actions the web takes by name, with their Chinese labels. Acceptance
/// application and revision carry data and get their own forms (not yet built).
pub const ACTIONS: &[(&str, ProjectAction, Key)] = &[
    ("submit", ProjectAction::Submit, k::STEP_SUBMIT),
    ("pool", ProjectAction::Pool, k::STEP_POOL),
    ("forward", ProjectAction::Forward, k::STEP_FORWARD),
    ("approve", ProjectAction::Approve, k::STEP_APPROVE),
    ("start", ProjectAction::Start, k::STEP_START),
    ("accept", ProjectAction::Accept, k::STEP_ACCEPT),
    ("close", ProjectAction::Close, k::STEP_CLOSE),
    ("return", ProjectAction::Return, k::STEP_RETURN),
    ("withdraw", ProjectAction::Withdraw, k::STEP_WITHDRAW),
    ("terminate", ProjectAction::Terminate, k::STEP_TERMINATE),
];

/// The action named `text`, if the web offers it.
pub fn parse_action(text: &str) -> Option<ProjectAction> {
    ACTIONS
        .iter()
        .find(|(name, _, _)| *name == text)
        .map(|(_, action, _)| *action)
}

/// The name of a lifecycle action (`pool` → 入库), if it is one.
pub fn action_name(name: &str) -> Option<Key> {
    ACTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, step)| *step)
}

/// The actions `user` could take on a project in `state` (the door says which; jurisdiction
/// and the gating rules are checked when one is taken).
pub fn available_actions(
    registry: &Registry,
    user: &User,
    state: ProjectState,
) -> Vec<(&'static str, Key)> {
    let allowed = user.door(registry).available_actions(state);
    ACTIONS
        .iter()
        .filter(|(_, action, _)| allowed.contains(action))
        .map(|(name, _, step)| (*name, *step))
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
    let action = parse_action(action).ok_or_else(|| {
        WebError::invalid_text(
            "action",
            format!("未知操作 {action}"),
            format!("unknown action {action}"),
        )
    })?;
    let as_of = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            "as_of",
            format!("日期 {as_of} 应为 YYYY-MM-DD"),
            format!("date {as_of} should be YYYY-MM-DD"),
        )
    })?;
    let project = user
        .door(registry)
        .project_action(code, action, as_of, reason)
        .await?;
    tracing::info!(actor = %user.actor, code, ?action, "project action");
    Ok(project)
}
