//! The pre-check report of an upload as an A4 sheet to print and file (issue 14 item 9):
//! `GET /projects/new/report/{token}` and `GET /projects/{code}/versions/report/{token}`
//! (`?as_of=` the check's date, as on the results page's save form).
//!
//! The report checks the kept upload again, exactly as the results page and saving do, so it
//! shows what saving would find; the time of the check is when the upload was checked and kept
//! (Asia/Shanghai). Rights are those of saving: only the uploader's own kept upload (anyone
//! else's, or an expired one, is 404), county land bureau only (others 403), and for a new
//! version a project the user reads (else 404).

use crate::catalogue::{Key, k};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use guagou_domain::Severity;
use guagou_domain::rules::{title_en, title_zh};
use guagou_registry::RegistryError;
use guagou_registry::packages::PreCheck;
use serde::Deserialize;

use super::input::parse_as_of;
use super::ops;
use super::render::area_text;
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, local_time, quantity_text};
use crate::print::{PRINT_CSS, script_url, tr};
use crate::view;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    as_of: Option<String>,
}

struct RuleRow {
    id: String,
    title: String,
    clause: String,
    severity: String,
    /// passed | warning | blocking
    class: &'static str,
    result: String,
    measured: String,
    limit: String,
    message: String,
    justification: Option<String>,
}

#[derive(Template)]
#[template(path = "precheck_print.html")]
struct PrecheckPrint {
    lang: Lang,
    css: &'static str,
    script: String,
    back: String,
    heading: String,
    project_name: String,
    code: String,
    county: String,
    as_of: String,
    checked_at: String,
    checked_by: String,
    summary: Vec<(String, String)>,
    blocked: bool,
    verdict: String,
    rules: Vec<RuleRow>,
    not_checked: Vec<(String, String)>,
    warnings: usize,
}

impl PrecheckPrint {
    /// The text in the reader's language.
    fn t(&self, key: Key) -> &'static str {
        self.lang.text(key)
    }
}

/// Handles GET /projects/new/report/{token}
pub async fn new_project_report(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(token): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        report(&state, &user, None, &token, query.as_of.as_deref()).await?,
    ))
}

/// Handles GET /projects/{code}/versions/report/{token}
pub async fn new_version_report(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((code, token)): Path<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        report(&state, &user, Some(&code), &token, query.as_of.as_deref()).await?,
    ))
}

/// The report URL of a kept upload (the results page links it).
pub fn report_url(project: Option<&str>, token: &str, as_of: &str) -> String {
    match project {
        None => format!("/projects/new/report/{token}?as_of={as_of}"),
        Some(code) => format!("/projects/{code}/versions/report/{token}?as_of={as_of}"),
    }
}

async fn report(
    state: &AppState,
    user: &User,
    project: Option<&str>,
    token: &str,
    as_of: Option<&str>,
) -> Result<String, WebError> {
    ops::require_uploader(user)?;
    let project = match project {
        Some(code) => Some(
            view::readable_project(&state.registry, user, code)
                .await?
                .code,
        ),
        None => None,
    };
    let as_of = parse_as_of("as_of", as_of, user.today)?;
    let door = user.door(&state.registry);
    // Someone else's upload, an expired one or a made-up token: not found.
    let pending = door
        .pending_upload(token, project.as_deref())
        .await
        .map_err(|e| match e {
            RegistryError::Invalid { .. } | RegistryError::NotFound { .. } => WebError::NotFound,
            other => other.into(),
        })?;
    let pre = door
        .precheck_zip(&pending.file_name, &pending.zip, project.as_deref(), as_of)
        .await?;
    let county = match door.division(&pre.county).await {
        Ok(d) if !d.name.is_empty() => d.name,
        _ => pre.county.clone(),
    };
    let lang = user.lang;
    let back = match &project {
        None => "/projects/new".to_owned(),
        Some(code) => format!("/projects/{code}/versions/new"),
    };
    let sheet = sheet(
        lang,
        door.profile(),
        &pre,
        county,
        local_time(&pending.created_at),
        user.actor.name.clone(),
        back,
    );
    sheet
        .render()
        .map_err(|e| WebError::Internal(format!("pre-check report template: {e}")))
}

fn severity(lang: Lang, s: Severity) -> String {
    let name = match s {
        Severity::Error => k::BLOCKING,
        Severity::Warning => k::WARNING_NEEDS_A_JUSTIFICATION,
        Severity::Sanction => k::SANCTION,
        Severity::Information => k::INFORMATION_NOTHING_ASKED,
    };
    lang.text(name).to_owned()
}

fn sheet(
    lang: Lang,
    profile: &guagou_domain::Profile,
    pre: &PreCheck,
    county: String,
    checked_at: String,
    checked_by: String,
    back: String,
) -> PrecheckPrint {
    let t = |key| lang.text(key).to_owned();
    let title = |rule| match lang {
        Lang::Zh => title_zh(profile, rule),
        Lang::En => title_en(profile, rule),
    };
    let failed: Vec<String> = pre
        .results
        .iter()
        .filter(|r| r.blocks())
        .map(|r| title(r.rule))
        .collect();
    let verdict = match (failed.is_empty(), lang) {
        (true, _) => t(k::NO_BLOCKING_RULE_FAILED_2),
        (false, Lang::Zh) => format!(
            "{} 项阻断性规则未通过：{}。可先保存为草稿，修正并上传新版本后才能报送。",
            failed.len(),
            failed.join("；")
        ),
        (false, Lang::En) => format!(
            "{} blocking rule(s) failed: {}. It may be saved as a draft and submitted only after a corrected version.",
            failed.len(),
            failed.join("; ")
        ),
    };
    let rules = pre
        .results
        .iter()
        .map(|r| {
            let value = serde_json::to_value(r).unwrap_or_default();
            let (class, result) = if r.passed {
                ("passed", t(k::PASS))
            } else if r.severity == Severity::Information {
                ("information", t(k::NOTE_REPORTED))
            } else if r.blocks() {
                ("blocking", t(k::FAIL))
            } else {
                ("warning", t(k::WARNING))
            };
            RuleRow {
                id: r.rule.as_str().to_owned(),
                title: title(r.rule),
                clause: r.clause.clone(),
                severity: severity(lang, r.severity),
                class,
                result,
                measured: quantity_text(value.get("measured")),
                limit: quantity_text(value.get("limit")),
                message: tr(lang, &r.message_zh, &r.message_en).to_owned(),
                justification: r.justification.clone(),
            }
        })
        .collect();
    let households = lang.fill(
        k::HOUSEHOLDS_COUNT,
        &[("count", &pre.households.to_string())],
    );
    PrecheckPrint {
        lang,
        css: PRINT_CSS,
        script: script_url(),
        back,
        heading: match pre.new_version_of {
            None => t(k::PACKAGE_PRE_CHECK_REPORT),
            Some(_) => t(k::NEW_VERSION_PRE_CHECK_REPORT),
        },
        project_name: pre.name.clone(),
        code: pre.code.clone(),
        county,
        as_of: pre.as_of.clone(),
        checked_at: format!("{checked_at}{}", lang.text(k::BEIJING_TIME)),
        checked_by,
        summary: vec![
            (t(k::DEMOLITION_AREA_2), area_text(lang, pre.demolition_m2)),
            (
                t(k::RESETTLEMENT_AREA_2),
                area_text(lang, pre.resettlement_m2),
            ),
            (
                t(k::PLANNED_SURPLUS),
                area_text(lang, pre.planned_surplus_m2),
            ),
            (t(k::HOUSEHOLDS_2), households),
        ],
        blocked: !failed.is_empty(),
        verdict,
        rules,
        not_checked: pre
            .not_checked
            .iter()
            .map(|n| {
                (
                    title(n.rule),
                    tr(lang, &n.reason_zh, &n.reason_en).to_owned(),
                )
            })
            .collect(),
        warnings: pre.warnings.len(),
    }
}
