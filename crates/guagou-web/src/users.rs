//! 用户管理 / user administration (`/admin/users`): an administrator lists the accounts of their
//! jurisdiction, creates one (the server generates its first password, shown once), disables
//! and enables accounts, resets passwords, and sets an account's division, department and
//! administrator flag. Every step carries a reason; the registry's door decides and audits.
//!
//! The page body is an askama template (`templates/users.html`, auto-escaped); a refusal
//! renders the page again with the message and the typed input kept. A page that shows a
//! password is never cached and is never reached by a redirect (the password is in no URL).

use crate::catalogue::k;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use guagou_domain::Department;
use guagou_registry::users::{UserChange, UserChangeDone, UserRow, UserSetting};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::funds::shared::segment;
use crate::html::{Lang, page};

/// The page routes of this module.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_show).post(user_create))
        .route("/admin/users/{name}", post(user_change))
}

/// A choice of a select: the value sent and the name shown.
struct Choice {
    code: String,
    name: String,
}

/// One account as the table shows it.
struct Row {
    /// The element id suffix: the name's bytes in hex (names may be Chinese).
    id: String,
    /// The name as a URL path segment.
    path: String,
    name: String,
    division_code: String,
    division_name: String,
    department_code: String,
    department_name: String,
    is_admin: bool,
    disabled_since: Option<String>,
    is_self: bool,
}

/// The message above the table after a step, or a refusal.
struct Flash {
    failed: bool,
    message: String,
    password: Option<String>,
}

/// The new-account form's input (kept when refused).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf: Option<String>,
    name: String,
    division: String,
    department: String,
    is_admin: Option<String>,
    reason: String,
}

/// A step on one account.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    csrf: Option<String>,
    step: String,
    division: String,
    department: String,
    is_admin: Option<String>,
    reason: String,
}

/// What the last step did (`?done=…&user=…` after a redirect).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
    user: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    lang: Lang,
    csrf: String,
    flash: Option<Flash>,
    rows: Vec<Row>,
    divisions: Vec<Choice>,
    departments: Vec<Choice>,
    form: CreateFormView,
}

/// The new-account form as shown.
#[derive(Default)]
struct CreateFormView {
    name: String,
    division: String,
    department: String,
    is_admin: bool,
    reason: String,
}

/// Handles GET /admin/users
pub async fn users_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let flash = done_message(user.lang, &done.done, &done.user).map(|message| Flash {
        failed: false,
        message,
        password: None,
    });
    Ok(render(&state, &user, flash, CreateFormView::default()).await?)
}

/// Handles POST /admin/users
pub async fn user_create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let change = UserChange::Create(UserSetting {
        division: form.division.trim().to_owned(),
        department: form.department.trim().to_owned(),
        is_admin: form.is_admin.is_some(),
    });
    let outcome = user
        .door(&state.registry)
        .change_user(&form.name, &change, &form.reason)
        .await;
    let kept = CreateFormView {
        name: form.name.clone(),
        division: form.division.clone(),
        department: form.department.clone(),
        is_admin: form.is_admin.is_some(),
        reason: form.reason.clone(),
    };
    Ok(after(
        &state,
        &user,
        "created",
        outcome.map_err(WebError::from),
        kept,
    )
    .await?)
}

/// Handles POST /admin/users/{name}
pub async fn user_change(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(name): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let change = match form.step.as_str() {
        "disable" => Ok(UserChange::Disable),
        "enable" => Ok(UserChange::Enable),
        "reset_password" => Ok(UserChange::ResetPassword),
        "set" => Ok(UserChange::Set(UserSetting {
            division: form.division.trim().to_owned(),
            department: form.department.trim().to_owned(),
            is_admin: form.is_admin.is_some(),
        })),
        _ => Err(WebError::invalid("step", k::UNKNOWN_ADMINISTRATION_STEP)),
    };
    let outcome = match change {
        Ok(change) => {
            let done = user
                .door(&state.registry)
                .change_user(&name, &change, &form.reason)
                .await
                .map_err(WebError::from);
            done.map(|d| (d, step_done(&change)))
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok((done, step)) => {
            Ok(after(&state, &user, step, Ok(done), CreateFormView::default()).await?)
        }
        Err(e) => Ok(after(&state, &user, "", Err(e), CreateFormView::default()).await?),
    }
}

fn step_done(change: &UserChange) -> &'static str {
    match change {
        UserChange::Create(_) => "created",
        UserChange::Set(_) => "set",
        UserChange::Disable => "disabled",
        UserChange::Enable => "enabled",
        UserChange::ResetPassword => "reset",
    }
}

/// The answer to a step: a new password is shown on this response (never cached); any other
/// success redirects to the list with a message; a refusal shows the page with the message and
/// the input kept, under the refusal's status.
async fn after(
    state: &AppState,
    user: &User,
    step: &str,
    outcome: Result<UserChangeDone, WebError>,
    kept: CreateFormView,
) -> Result<Response, WebError> {
    match outcome {
        Ok(done) if done.password.is_some() => {
            let flash = Flash {
                failed: false,
                message: done_message(user.lang, step, &done.user.name).unwrap_or_default(),
                password: done.password,
            };
            let mut response = render(state, user, Some(flash), CreateFormView::default()).await?;
            response.headers_mut().insert(
                CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        Ok(done) => Ok(Redirect::to(&format!(
            "/admin/users?done={step}&user={}",
            segment(&done.user.name)
        ))
        .into_response()),
        Err(error) => {
            let problem = error.problem();
            let message = match user.lang {
                Lang::Zh => problem.message_zh.clone(),
                Lang::En => problem.message_en.clone(),
            };
            let flash = Flash {
                failed: true,
                message,
                password: None,
            };
            let mut response = render(state, user, Some(flash), kept).await?;
            *response.status_mut() = problem.status;
            Ok(response)
        }
    }
}

/// The message after a step, in the reader's language.
fn done_message(lang: Lang, step: &str, name: &str) -> Option<String> {
    let done = match step {
        "created" => k::ACCOUNT_CREATED,
        "set" => k::ACCOUNT_CHANGED_SIGNED_OUT,
        "disabled" => k::ACCOUNT_DISABLED_SIGNED_OUT,
        "enabled" => k::ACCOUNT_ENABLED,
        "reset" => k::PASSWORD_RESET_SIGNED_OUT,
        _ => return None,
    };
    Some(lang.fill(
        k::DONE_WITH_ACCOUNT,
        &[("done", lang.text(done)), ("name", name)],
    ))
}

/// The page: the accounts of the jurisdiction with their steps and the new-account form.
async fn render(
    state: &AppState,
    user: &User,
    flash: Option<Flash>,
    form: CreateFormView,
) -> Result<Response, WebError> {
    let door = user.door(&state.registry);
    let accounts = door.users().await?;
    let names = door.division_names().await?;
    let prefix = user.actor.division.descendant_prefix().to_owned();
    let divisions: Vec<Choice> = door
        .divisions_under(&prefix)
        .await?
        .into_iter()
        .filter(|d| matches!(d.level.as_str(), "province" | "city" | "county"))
        .map(|d| Choice {
            name: format!("{}（{}）", d.name, d.code),
            code: d.code,
        })
        .collect();
    let departments = department_choices(state, user.lang);
    let department_name = |code: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map_or_else(|| code.to_owned(), |d| d.name.clone())
    };
    let rows = accounts
        .iter()
        .map(|a| row(user, a, &names, department_name(&a.department)))
        .collect();
    let form = CreateFormView {
        division: if form.division.is_empty() {
            user.actor.division.as_str().to_owned()
        } else {
            form.division
        },
        department: if form.department.is_empty() {
            "land".to_owned()
        } else {
            form.department
        },
        ..form
    };
    let body = UsersPage {
        lang: user.lang,
        csrf: user.csrf.clone(),
        flash,
        rows,
        divisions,
        departments,
        form,
    }
    .render()
    .map_err(|e| WebError::Internal(format!("users template: {e}")))?;
    Ok(Html(page(k::USERS, Some(user), &body)).into_response())
}

fn row(
    user: &User,
    account: &UserRow,
    names: &std::collections::BTreeMap<String, String>,
    department_name: String,
) -> Row {
    let code = account.division.as_str().to_owned();
    Row {
        id: account.name.bytes().map(|b| format!("{b:02x}")).collect(),
        path: segment(&account.name),
        name: account.name.clone(),
        division_name: names.get(&code).cloned().unwrap_or_else(|| code.clone()),
        division_code: code,
        department_code: account.department.clone(),
        department_name,
        is_admin: account.is_admin,
        disabled_since: account.disabled_at.clone(),
        is_self: account.name == user.actor.name,
    }
}

/// The departments an account may belong to: the land bureau, finance, audit and the
/// profile's reviewing departments, by name.
fn department_choices(state: &AppState, lang: Lang) -> Vec<Choice> {
    let reviewers = &state.registry.profile.consultation.departments.value;
    let mut codes = vec!["land".to_owned(), "finance".to_owned(), "audit".to_owned()];
    codes.extend(reviewers.iter().cloned());
    codes
        .iter()
        .filter_map(|code| Department::parse(code, reviewers).ok())
        .map(|d| Choice {
            code: d.as_str().to_owned(),
            name: crate::names::department(lang, &d),
        })
        .collect()
}
