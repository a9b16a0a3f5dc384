//! The audit log: who did what, when and why, newest first, with the status of its hash chain.
//!
//! Who reads what (SPEC §1 says audit reads everything; it is silent on the others, so this is
//! our choice, documented in the crate's README): the audit department, city and province users
//! read every record. A county user reads only the records that concern its county: records by
//! its own users, and records whose subject or ledger operation names the county, one of its
//! divisions, plans or projects. The chain status (ok with the head hash, or the first broken
//! record) is shown to everyone: it says whether the log can be trusted, not what it holds.

use std::collections::BTreeSet;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::{Json, Router, routing::get};
use guagou_domain::lifecycle::Level;
use guagou_registry::Registry;
use guagou_registry::plans::AuditFilter;
use guagou_store::{AuditEntry, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::none_line;
use crate::AppState;
use crate::auth::{AUDIT_DEPARTMENT, ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, esc, page, table_in};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_index))
        .route("/audit/{seq}", get(audit_show))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit_list))
        .routes(routes!(audit_record))
}

/// Records per page unless the query asks for fewer (or more, up to `MAX_LIMIT`).
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// How many records one request reads at most while filtering for a county; the page then
/// offers to continue from where it stopped.
const MAX_SCAN: usize = 10_000;
const BATCH: u32 = 500;

/// The query of the audit-log page and API.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 只看序号小于此值的记录（翻页）/ only records with a smaller sequence number (paging)
    pub before: Option<u64>,
    /// 操作人包含 / actor contains (e.g. `@511722`)
    pub actor: Option<String>,
    /// 操作前缀 / action starts with (e.g. `plan.`)
    pub action: Option<String>,
    /// 对象前缀 / subject starts with (a plan id, a project code, …)
    pub subject: Option<String>,
    /// 每页条数（1–500，默认 50）/ records per page (1–500, default 50)
    pub limit: Option<u32>,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let clean = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        AuditFilter {
            actor: clean(&self.actor),
            action_prefix: clean(&self.action),
            subject_prefix: clean(&self.subject),
        }
    }

    fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
}

/// One record as shown: the payload as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        AuditView {
            payload: serde_json::from_str(&e.payload)
                .unwrap_or(serde_json::Value::String(e.payload)),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            reason: e.reason,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The state of the audit chain (`Store::verify_audit`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    /// Every record links to the one before and matches its hash.
    Ok { records: u64, head_hash: String },
    /// The first record that breaks the chain.
    Broken {
        seq: u64,
        problem_zh: String,
        problem_en: String,
    },
}

/// `GET /api/audit`: the chain status, a page of records and where the next page starts.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub chain: ChainStatus,
    /// `all`, or the county whose records this user reads.
    pub scope: String,
    pub records: Vec<AuditView>,
    /// Pass as `before` for the next (older) page; `null` when there is none.
    pub next_before: Option<u64>,
}

/// Which records a user reads.
enum Scope {
    All,
    County {
        county: String,
        /// The county's project codes (their records and sanction keys `<code>:…`).
        projects: BTreeSet<String>,
        /// Names of the county's users (account events carry a bare name as actor).
        users: BTreeSet<String>,
    },
}

async fn scope_of(registry: &Registry, user: &User) -> Result<Scope, WebError> {
    if user.department == AUDIT_DEPARTMENT || user.actor.level != Level::County {
        return Ok(Scope::All);
    }
    let county = user.actor.division.to_string();
    let projects = registry
        .projects(&county, None)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    // The web's own users table (see lib.rs): names of this county's accounts.
    let users = sqlx::query("SELECT name FROM users WHERE division LIKE $1")
        .bind(format!("{county}%"))
        .fetch_all(registry.store.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<Result<_, _>>()?;
    Ok(Scope::County {
        county,
        projects,
        users,
    })
}

impl Scope {
    fn label(&self) -> String {
        match self {
            Scope::All => "all".to_owned(),
            Scope::County { county, .. } => county.clone(),
        }
    }

    /// Whether a code or id names the county: the county itself, a division or an id the
    /// registry prefixes with the county code (plans, adjustments), or one of its projects.
    fn names(&self, text: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::County {
                county, projects, ..
            } => {
                text.starts_with(county.as_str())
                    || projects.contains(text)
                    || text
                        .split_once(':')
                        .is_some_and(|(head, _)| projects.contains(head))
                    || text
                        .rsplit_once('@')
                        .is_some_and(|(_, division)| division.starts_with(county.as_str()))
            }
        }
    }

    fn reads(&self, entry: &AuditEntry) -> bool {
        let Scope::County { county, users, .. } = self else {
            return true;
        };
        let by_own_user = match entry.actor.rsplit_once('@') {
            Some((_, division)) => division.starts_with(county.as_str()),
            None => users.contains(&entry.actor),
        };
        by_own_user || self.names(&entry.subject) || self.payload_names(&entry.payload)
    }

    /// Ledger records (`ledger.*`) and land supplies name their county, division, buyer or
    /// project in the payload (at the top or in `operation`).
    fn payload_names(&self, payload: &str) -> bool {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else {
            return false;
        };
        let fields = ["county", "division", "buyer", "project"];
        [Some(&value), value.get("operation")]
            .into_iter()
            .flatten()
            .flat_map(|v| fields.iter().filter_map(move |f| v.get(*f)))
            .filter_map(serde_json::Value::as_str)
            .any(|text| self.names(text))
    }
}

async fn chain_status(registry: &Registry) -> Result<ChainStatus, WebError> {
    match registry.store.verify_audit().await {
        Ok(report) => Ok(ChainStatus::Ok {
            records: report.records,
            head_hash: report.head_hash,
        }),
        Err(StoreError::AuditBroken {
            seq,
            problem_zh,
            problem_en,
        }) => Ok(ChainStatus::Broken {
            seq,
            problem_zh,
            problem_en,
        }),
        Err(e) => Err(e.into()),
    }
}

/// One page of the records `scope` reads, newest first, and the `before` of the next page.
async fn read_page(
    registry: &Registry,
    scope: &Scope,
    query: &AuditQuery,
) -> Result<(Vec<AuditEntry>, Option<u64>), WebError> {
    let filter = query.filter();
    let limit = query.limit() as usize;
    let batch = match scope {
        // Everything is readable: one more than a page tells whether another page follows.
        Scope::All => query.limit() + 1,
        Scope::County { .. } => BATCH,
    };
    let mut cursor = query.before;
    let mut out = Vec::new();
    let mut scanned = 0;
    loop {
        let records = registry.audit_newest(cursor, batch, &filter).await?;
        let full = records.len() == batch as usize;
        scanned += records.len();
        for entry in records {
            if out.len() == limit {
                // More records follow: the next page starts after the last one taken.
                return Ok((out, cursor));
            }
            cursor = Some(entry.seq);
            if scope.reads(&entry) {
                out.push(entry);
            }
        }
        if !full {
            return Ok((out, None));
        }
        if out.len() == limit || scanned >= MAX_SCAN {
            return Ok((out, cursor));
        }
    }
}

async fn audit_page(
    registry: &Registry,
    user: &User,
    query: &AuditQuery,
) -> Result<AuditPage, WebError> {
    let scope = scope_of(registry, user).await?;
    let chain = chain_status(registry).await?;
    let (records, next_before) = read_page(registry, &scope, query).await?;
    Ok(AuditPage {
        chain,
        scope: scope.label(),
        records: records.into_iter().map(AuditView::from).collect(),
        next_before,
    })
}

fn query_or_invalid(
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<AuditQuery, WebError> {
    query.map(|Query(q)| q).map_err(|e| {
        WebError::invalid(
            "query",
            format!("查询参数无效：{e}"),
            format!("invalid query: {e}"),
        )
    })
}

fn chain_html(lang: Lang, chain: &ChainStatus) -> String {
    match chain {
        ChainStatus::Ok { records, head_hash } => format!(
            "<p id=\"chain\" class=\"ok\">{} <code>{}</code></p>",
            lang.t(
                &format!("哈希链完整：{records} 条记录，链头哈希"),
                &format!("chain intact: {records} records, head hash"),
            ),
            esc(head_hash),
        ),
        ChainStatus::Broken {
            seq,
            problem_zh,
            problem_en,
        } => format!(
            "<p id=\"chain\" class=\"fail\">{}</p>",
            lang.t(
                &format!("哈希链断裂：第 {seq} 条记录 — {problem_zh}"),
                &format!("chain broken at record {seq}: {problem_en}"),
            ),
        ),
    }
}

/// A query string for the page with `before` replaced (filters kept).
fn link(query: &AuditQuery, before: Option<u64>) -> String {
    let mut parts = Vec::new();
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    for (key, value) in [
        ("actor", &query.actor),
        ("action", &query.action),
        ("subject", &query.subject),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{key}={}", url_encode(v)));
        }
    }
    if let Some(limit) = query.limit {
        parts.push(format!("limit={limit}"));
    }
    format!("/audit?{}", parts.join("&"))
}

/// Percent-encodes a query value (everything but unreserved ASCII).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn filter_form(lang: Lang, query: &AuditQuery) -> String {
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    format!(
        "<form method=\"get\" action=\"/audit\" id=\"audit-filter\">\
         <label>{actor_l} <input name=\"actor\" value=\"{actor}\"></label> \
         <label>{action_l} <input name=\"action\" value=\"{action}\" placeholder=\"plan.\"></label> \
         <label>{subject_l} <input name=\"subject\" value=\"{subject}\"></label> \
         <button>{button}</button> <a href=\"/audit\">{clear}</a></form>",
        actor_l = lang.t("操作人包含", "Actor contains"),
        action_l = lang.t("操作前缀", "Action starts with"),
        subject_l = lang.t("对象前缀", "Subject starts with"),
        button = lang.one("筛选", "Filter"),
        clear = lang.t("清除", "Clear"),
        actor = value(&query.actor),
        action = value(&query.action),
        subject = value(&query.subject),
    )
}

fn records_table(lang: Lang, records: &[AuditView]) -> String {
    if records.is_empty() {
        return none_line(lang);
    }
    let filter_link = |key: &str, value: &str| {
        format!(
            "<a href=\"/audit?{key}={}\">{}</a>",
            esc(&url_encode(value)),
            esc(value)
        )
    };
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                esc(&r.at),
                filter_link("actor", &r.actor),
                filter_link("action", &r.action),
                filter_link("subject", &r.subject),
                esc(&r.reason),
                format!(
                    "<a href=\"/audit/{seq}\" id=\"payload-{seq}\">{}</a>",
                    lang.t("详情", "payload"),
                    seq = r.seq
                ),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            ("序号", "Seq"),
            ("时间", "Time"),
            ("操作人", "Actor"),
            ("操作", "Action"),
            ("对象", "Subject"),
            ("理由", "Reason"),
            ("内容", "Payload"),
        ],
        &rows,
    )
}

/// Handles GET /audit
pub async fn audit_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let query = query_or_invalid(query)?;
    let page_data = audit_page(&state.registry, &user, &query).await?;
    let scope_note = if page_data.scope == "all" {
        lang.t("显示全部记录", "showing every record")
    } else {
        lang.t(
            &format!(
                "只显示与本县 {} 有关的记录（本县用户所为，或对象为本县的规划、项目、行政区、台账业务）",
                page_data.scope
            ),
            &format!(
                "showing only records that concern county {} (by its users, or about its plans, projects, divisions or ledger operations)",
                page_data.scope
            ),
        )
    };
    let next = page_data
        .next_before
        .map(|b| {
            format!(
                "<p><a id=\"older\" href=\"{}\">{}</a></p>",
                esc(&link(&query, Some(b))),
                lang.t("更早的记录", "Older records")
            )
        })
        .unwrap_or_default();
    let newest = if query.before.is_some() {
        format!(
            "<p><a id=\"newest\" href=\"{}\">{}</a></p>",
            esc(&link(&query, None)),
            lang.t("最新记录", "Newest records")
        )
    } else {
        String::new()
    };
    let body = format!(
        "{chain}<p class=\"en\" id=\"scope\">{scope_note}</p>{filter}{newest}{table}{next}",
        chain = chain_html(lang, &page_data.chain),
        filter = filter_form(lang, &query),
        table = records_table(lang, &page_data.records),
    );
    Ok(Html(page("审计日志", "Audit log", Some(&user), &body)))
}

/// The record `seq` if `user` reads it; `NotFound` otherwise.
async fn readable_record(
    registry: &Registry,
    user: &User,
    seq: u64,
) -> Result<AuditView, WebError> {
    let Some(previous) = seq.checked_sub(1) else {
        return Err(WebError::NotFound);
    };
    let entry = registry
        .store
        .audit_page(previous, 1)
        .await?
        .into_iter()
        .next()
        .filter(|e| e.seq == seq)
        .ok_or(WebError::NotFound)?;
    let scope = scope_of(registry, user).await?;
    if !scope.reads(&entry) {
        return Err(WebError::NotFound);
    }
    Ok(AuditView::from(entry))
}

/// Handles GET /audit/{seq}
pub async fn audit_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(seq): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let seq: u64 = seq.parse().map_err(|_| WebError::NotFound)?;
    let record = readable_record(&state.registry, &user, seq).await?;
    let payload = serde_json::to_string_pretty(&record.payload).unwrap_or_default();
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
    let facts = table_in(
        lang,
        &[("字段", "Field"), ("值", "Value")],
        &[
            row("序号", "Seq", record.seq.to_string()),
            row("时间", "Time", esc(&record.at)),
            row("操作人", "Actor", esc(&record.actor)),
            row("操作", "Action", esc(&record.action)),
            row("对象", "Subject", esc(&record.subject)),
            row("理由", "Reason", esc(&record.reason)),
            row(
                "前一记录哈希",
                "Previous hash",
                format!("<code>{}</code>", esc(&record.prev_hash)),
            ),
            row(
                "本记录哈希",
                "Hash",
                format!("<code>{}</code>", esc(&record.hash)),
            ),
        ],
    );
    let body = format!(
        "{facts}<h2>{h}</h2><pre id=\"payload\">{payload}</pre><p><a href=\"/audit\">{back}</a></p>",
        h = lang.t("内容", "Payload"),
        payload = esc(&payload),
        back = lang.t("返回审计日志", "Back to the audit log"),
    );
    Ok(Html(page(
        &format!("审计记录 {seq}"),
        &format!("Audit record {seq}"),
        Some(&user),
        &body,
    )))
}

/// Handles GET /api/audit
#[utoipa::path(get, path = "/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "链状态、一页记录（新→旧）与下一页起点；县级用户只得本县有关记录 / chain status, a page of records (newest first) and where the next page starts; a county user gets only its county's records", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 422, description = "查询参数无效 / invalid query", body = crate::error::Problem),
    ))]
pub async fn audit_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let query = query_or_invalid(query)?;
    Ok(Json(audit_page(&state.registry, &user, &query).await?))
}

/// Handles GET /api/audit/{seq}
#[utoipa::path(get, path = "/audit/{seq}", tag = "audit",
    params(("seq" = u64, Path, description = "记录序号 / record sequence number")),
    responses(
        (status = 200, description = "一条审计记录 / one audit record", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在或无权查看 / not found or not readable", body = crate::error::Problem),
    ))]
pub async fn audit_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(seq): Path<String>,
) -> Result<Json<AuditView>, ApiError> {
    let seq: u64 = seq.parse().map_err(|_| WebError::NotFound)?;
    Ok(Json(readable_record(&state.registry, &user, seq).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn county_scope() -> Scope {
        Scope::County {
            county: "511722".into(),
            projects: ["P-1".to_owned()].into_iter().collect(),
            users: ["county".to_owned()].into_iter().collect(),
        }
    }

    fn entry(actor: &str, subject: &str, payload: &str) -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: String::new(),
            actor: actor.into(),
            action: "x".into(),
            subject: subject.into(),
            reason: String::new(),
            payload: payload.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_county_reads_what_concerns_it() {
        let scope = county_scope();
        assert!(scope.reads(&entry("a@511722", "z", "{}")));
        assert!(scope.reads(&entry("county", "county", "{}")));
        assert!(scope.reads(&entry("city@511700", "511722-2016-2020", "{}")));
        assert!(scope.reads(&entry("city@511700", "P-1:completion", "{}")));
        assert!(scope.reads(&entry("system", "new@511722", "{}")));
        let ledger = r#"{"operation":{"kind":"issue","project":"P-1"}}"#;
        assert!(scope.reads(&entry("city@511700", "ledger_entry:3", ledger)));
        let grant = r#"{"operation":{"kind":"grant_annual_plan","county":"511722"}}"#;
        assert!(scope.reads(&entry("p@510000", "ledger_entry:4", grant)));

        assert!(!scope.reads(&entry("b@511723", "511723-2016-2020", "{}")));
        assert!(!scope.reads(&entry("other", "other", "{}")));
        let foreign = r#"{"operation":{"kind":"issue","project":"P-2"}}"#;
        assert!(!scope.reads(&entry("city@511700", "ledger_entry:5", foreign)));
        assert!(!scope.reads(&entry("city@511700", "demo", "{\"count\":3}")));
        assert!(Scope::All.reads(&entry("b@511723", "511723-2016-2020", "{}")));
    }

    #[test]
    fn links_keep_filters_and_encode_them() {
        let query = AuditQuery {
            actor: Some("县局@511722".into()),
            action: Some("plan.".into()),
            ..AuditQuery::default()
        };
        assert_eq!(
            link(&query, Some(7)),
            "/audit?before=7&actor=%E5%8E%BF%E5%B1%80%40511722&action=plan."
        );
    }
}
