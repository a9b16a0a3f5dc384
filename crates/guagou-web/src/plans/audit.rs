//! The audit log: who did what, when and why, newest first, with the status of its hash chain.
//!
//! Who reads what is the registry's door's to say (SPEC §1 says audit reads everything; it is
//! silent on the others): every record carries a structured subject (kind, id, owning
//! divisions), and a principal reads the records owned inside its jurisdiction, plus, above the
//! county level, the records that belong to no county. Never by the text of an id. The chain
//! status (ok with the head hash, or the first broken record) is shown to everyone: it says
//! whether the log can be trusted, not what it holds.

use crate::catalogue::k;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::{Json, Router, routing::get};
use guagou_registry::AuditEntry;
use guagou_registry::Registry;
use guagou_registry::door::AuditChain;
use guagou_registry::plans::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, page};
use crate::partials::{Cell, render};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_index))
        .route("/audit.xlsx", get(audit_export))
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
    /// 对象类型 / the kind of the subject (`project`, `listing`, …); empty on old records
    pub subject_kind: String,
    /// 对象所属行政区 / the divisions that own the subject
    pub owners: Vec<String>,
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
            subject_kind: e.subject_kind,
            owners: e.owners,
        }
    }
}

/// The state of the audit chain.
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

impl From<AuditChain> for ChainStatus {
    fn from(chain: AuditChain) -> Self {
        match chain {
            AuditChain::Ok { records, head_hash } => ChainStatus::Ok { records, head_hash },
            AuditChain::Broken {
                seq,
                problem_zh,
                problem_en,
            } => ChainStatus::Broken {
                seq,
                problem_zh,
                problem_en,
            },
        }
    }
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

/// The scope a page states: `all` for audit, otherwise the principal's division.
fn scope_label(user: &User) -> String {
    if user.actor.department.reads_everything() {
        "all".to_owned()
    } else {
        user.actor.division.to_string()
    }
}

async fn audit_page(
    registry: &Registry,
    user: &User,
    query: &AuditQuery,
) -> Result<AuditPage, WebError> {
    let door = user.door(registry);
    let chain = door.audit_chain().await?.into();
    let (records, next_before) = door
        .audit_log(query.before, query.limit(), &query.filter())
        .await?;
    Ok(AuditPage {
        chain,
        scope: scope_label(user),
        records: records.into_iter().map(AuditView::from).collect(),
        next_before,
    })
}

fn query_or_invalid(
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<AuditQuery, WebError> {
    query.map(|Query(q)| q).map_err(|e| {
        WebError::invalid_text(
            "query",
            format!("查询参数无效：{e}"),
            format!("invalid query: {e}"),
        )
    })
}

/// The chain's state as shown: intact (with the head hash) or broken, in the reader's language.
fn chain_text(lang: Lang, chain: &ChainStatus) -> (bool, String, Option<String>) {
    match chain {
        ChainStatus::Ok { records, head_hash } => (
            true,
            lang.fill(k::PLANS_CHAIN_INTACT, &[("records", &records.to_string())]),
            Some(head_hash.clone()),
        ),
        ChainStatus::Broken {
            seq,
            problem_zh,
            problem_en,
        } => {
            let problem = match lang {
                Lang::Zh => problem_zh,
                Lang::En => problem_en,
            };
            (
                false,
                lang.fill(
                    k::PLANS_CHAIN_BROKEN,
                    &[("seq", &seq.to_string()), ("problem", problem)],
                ),
                None,
            )
        }
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

/// 审计日志 / the audit log page (`templates/plans/audit.html`).
#[derive(Template)]
#[template(path = "plans/audit.html")]
struct AuditIndexPage {
    lang: Lang,
    chain_ok: bool,
    chain_text: String,
    head_hash: Option<String>,
    scope_note: String,
    actor: String,
    action: String,
    subject: String,
    export_href: String,
    newest_href: Option<String>,
    older_href: Option<String>,
    records: Vec<RecordRow>,
}

/// One record of the log: the actor, action and subject by name, their links filtering by the
/// stored codes (in the query, and in the tooltip for actions and subjects).
struct RecordRow {
    seq: u64,
    at: String,
    actor: String,
    actor_query: String,
    action: String,
    action_code: String,
    action_query: String,
    subject: String,
    subject_code: String,
    subject_query: String,
    /// The subject is shown as stored (an account, a project code): a name, not a text to
    /// translate.
    subject_raw: bool,
    reason: String,
}

fn record_row(lang: Lang, r: &AuditView) -> RecordRow {
    let subject = crate::names::audit_subject(lang, &r.subject);
    RecordRow {
        seq: r.seq,
        at: crate::html::local_time(&r.at),
        actor: crate::names::actor(lang, &r.actor),
        actor_query: url_encode(&r.actor),
        action: crate::names::audit_action(lang, &r.action),
        action_code: r.action.clone(),
        action_query: url_encode(&r.action),
        subject_raw: subject == r.subject,
        subject,
        subject_code: r.subject.clone(),
        subject_query: url_encode(&r.subject),
        reason: crate::names::audit_reason(lang, &r.action, &r.reason),
    }
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
        lang.text(k::SHOWING_EVERY_RECORD).to_owned()
    } else {
        lang.fill(
            k::PLANS_AUDIT_SCOPE_JURISDICTION,
            &[("scope", &page_data.scope)],
        )
    };
    let (chain_ok, chain_text, head_hash) = chain_text(lang, &page_data.chain);
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let view = AuditIndexPage {
        lang,
        chain_ok,
        chain_text,
        head_hash,
        scope_note,
        actor: value(&query.actor),
        action: value(&query.action),
        subject: value(&query.subject),
        export_href: link(&query, None).replacen("/audit?", "/audit.xlsx?", 1),
        newest_href: query.before.map(|_| link(&query, None)),
        older_href: page_data.next_before.map(|b| link(&query, Some(b))),
        records: page_data
            .records
            .iter()
            .map(|r| record_row(lang, r))
            .collect(),
    };
    let body = render(&view, "audit log")?;
    Ok(Html(page(k::AUDIT_LOG, Some(&user), &body)))
}

/// Records an export holds at most (newest first).
const EXPORT_LIMIT: usize = 20_000;

const EXPORT_COLUMNS: &[crate::lists::Column] = &[
    crate::lists::Column {
        key: "seq",
        name: k::SEQ,
        numeric: true,
    },
    crate::lists::Column {
        key: "at",
        name: k::TIME_BEIJING,
        numeric: false,
    },
    crate::lists::Column {
        key: "actor",
        name: k::ACTOR,
        numeric: false,
    },
    crate::lists::Column {
        key: "action",
        name: k::ACTION,
        numeric: false,
    },
    crate::lists::Column {
        key: "subject",
        name: k::SUBJECT,
        numeric: false,
    },
    crate::lists::Column {
        key: "reason",
        name: k::REASON,
        numeric: false,
    },
    crate::lists::Column {
        key: "hash",
        name: k::HASH_3,
        numeric: false,
    },
];

/// Handles GET /audit.xlsx: the records the user reads that match the filter (newest first,
/// at most `EXPORT_LIMIT`), actions and subjects by name, as an Excel file.
pub async fn audit_export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<axum::response::Response, PageError> {
    use crate::lists::{Cell, ListRow};
    let lang = user.lang;
    let query = query_or_invalid(query)?;
    let door = user.door(&state.registry);
    let filter = query.filter();
    let mut rows: Vec<ListRow> = Vec::new();
    let mut before = query.before;
    while rows.len() < EXPORT_LIMIT {
        let (records, next) = door.audit_log(before, MAX_LIMIT, &filter).await?;
        for r in records {
            rows.push(ListRow {
                cells: vec![
                    Cell::number(i64::try_from(r.seq).unwrap_or(i64::MAX)),
                    Cell::text(crate::html::local_time(&r.at)),
                    Cell::text(crate::names::actor(lang, &r.actor)),
                    Cell::text(crate::names::audit_action(lang, &r.action)),
                    Cell::text(crate::names::audit_subject(lang, &r.subject)),
                    Cell::text(crate::names::audit_reason(lang, &r.action, &r.reason)),
                    Cell::text(&r.hash),
                ],
                county: None,
                state: None,
                date: None,
            });
        }
        match next {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    rows.truncate(EXPORT_LIMIT);
    let spec = crate::lists::ListSpec {
        id: "audit-log",
        path: "/audit",
        columns: EXPORT_COLUMNS,
        counties: Vec::new(),
        states: Vec::new(),
        date_label: k::TIME,
        sheet: "审计日志",
    };
    Ok(crate::lists::xlsx(lang, &spec, &rows))
}

/// The record `seq` if `user` reads it; `NotFound` otherwise.
async fn readable_record(
    registry: &Registry,
    user: &User,
    seq: u64,
) -> Result<AuditView, WebError> {
    Ok(AuditView::from(
        user.door(registry).audit_record(seq).await?,
    ))
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
    let mut payload = Vec::new();
    payload_rows(lang, "", "", &record.payload, &mut payload);
    let view = AuditRecordPage {
        lang,
        seq: record.seq,
        at: crate::html::local_time(&record.at),
        actor: crate::names::actor(lang, &record.actor),
        action_name: crate::names::audit_action(lang, &record.action),
        action: record.action.clone(),
        subject: crate::names::audit_subject(lang, &record.subject),
        reason: crate::names::audit_reason(lang, &record.action, &record.reason),
        prev_hash: Cell::code(&record.prev_hash),
        hash: Cell::code(&record.hash),
        payload,
    };
    let body = render(&view, "audit record")?;
    let seq = seq.to_string();
    let title = |lang: Lang| lang.fill(k::PLANS_AUDIT_RECORD, &[("seq", &seq)]);
    Ok(Html(page(
        (&title(Lang::Zh), &title(Lang::En)),
        Some(&user),
        &body,
    )))
}

/// 审计记录 / one audit record (`templates/plans/audit_record.html`).
#[derive(Template)]
#[template(path = "plans/audit_record.html")]
struct AuditRecordPage {
    lang: Lang,
    seq: u64,
    at: String,
    actor: String,
    action_name: String,
    action: String,
    subject: String,
    reason: String,
    prev_hash: Cell,
    hash: Cell,
    payload: Vec<PayloadRow>,
}

/// One field of a payload: its path by name and its value.
struct PayloadRow {
    path: String,
    value: PayloadValue,
}

/// A payload value as shown.
enum PayloadValue {
    /// Text (a name, a date in Beijing time, a number).
    Text(String),
    /// A stored code (an enum value, a key, a voucher), shown as the code it is.
    Code(String),
    /// A file on the server (its name, its full path).
    File(String, String),
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

/// A payload as named fields (nested fields by their path, lists item by item); the stored JSON
/// stays available through the API for hash checks.
fn payload_rows(
    lang: Lang,
    path: &str,
    key: &str,
    value: &serde_json::Value,
    rows: &mut Vec<PayloadRow>,
) {
    match value {
        serde_json::Value::Object(map) => {
            // One language at a time: a text kept in both (`reason_zh`, `reason_en`) shows the
            // reader's half.
            let other_half = match lang {
                Lang::Zh => "_en",
                Lang::En => "_zh",
            };
            for (key, inner) in map {
                if let Some(stem) = key.strip_suffix(other_half) {
                    let mine = format!("{stem}{}", if lang == Lang::Zh { "_zh" } else { "_en" });
                    if map.contains_key(&mine) {
                        continue;
                    }
                }
                let name = crate::names::payload_field(lang, key)
                    .map_or_else(|| key.clone(), str::to_owned);
                let path = if path.is_empty() {
                    name
                } else {
                    format!("{path} · {name}")
                };
                payload_rows(lang, &path, key, inner, rows);
            }
        }
        serde_json::Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, item) in items.iter().enumerate() {
                payload_rows(lang, &format!("{path} {}", i + 1), key, item, rows);
            }
        }
        other => {
            let text = match other {
                serde_json::Value::Null => PayloadValue::Text(String::new()),
                serde_json::Value::Bool(true) => PayloadValue::Text(lang.text(k::YES).to_owned()),
                serde_json::Value::Bool(false) => PayloadValue::Text(lang.text(k::NO).to_owned()),
                // A stored value this catalogue names (a kind, a category, a level).
                serde_json::Value::String(s)
                    if crate::names::payload_value(lang, key, s).is_some() =>
                {
                    PayloadValue::Text(
                        crate::names::payload_value(lang, key, s).unwrap_or_default(),
                    )
                }
                // A stored code (an enum value, a key, a voucher) is shown as the code it is.
                serde_json::Value::String(s)
                    if (s.contains('_') && s.chars().all(|c| c.is_ascii_graphic()))
                        || (!s.is_empty()
                            && s.chars().all(|c| c.is_ascii_alphabetic() || c == '-')) =>
                {
                    PayloadValue::Code(s.clone())
                }
                // A file on the server that an operator imported: its name, the full path in
                // the tooltip.
                serde_json::Value::String(s) if s.starts_with('/') && s.len() > 1 => {
                    let name = s.rsplit('/').next().unwrap_or(s);
                    PayloadValue::File(name.to_owned(), s.clone())
                }
                serde_json::Value::String(s) => PayloadValue::Text(crate::html::local_time(s)),
                serde_json::Value::Array(items) => PayloadValue::Text(
                    items
                        .iter()
                        .map(crate::html::value_text_of)
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                n => PayloadValue::Text(n.to_string()),
            };
            rows.push(PayloadRow {
                path: path.to_owned(),
                value: text,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
