//! The audit log: who did what, when and why, newest first, with the status of its hash chain.
//!
//! Who reads what is the registry's door's to say (SPEC §1 says audit reads everything; it is
//! silent on the others): every record carries a structured subject (kind, id, owning
//! divisions), and a principal reads the records owned inside its jurisdiction, plus, above the
//! county level, the records that belong to no county. Never by the text of an id. The chain
//! status (ok with the head hash, or the first broken record) is shown to everyone: it says
//! whether the log can be trusted, not what it holds.

use crate::catalogue::{Key, k};
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

use super::none_line;
use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, esc, page, table_in};

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

fn chain_html(lang: Lang, chain: &ChainStatus) -> String {
    match chain {
        ChainStatus::Ok { records, head_hash } => format!(
            "<p id=\"chain\" class=\"ok\">{} <code>{}</code></p>",
            lang.pair(
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
            lang.pair(
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
        actor_l = lang.t(k::ACTOR_CONTAINS),
        action_l = lang.t(k::ACTION_STARTS_WITH),
        subject_l = lang.t(k::SUBJECT_STARTS_WITH),
        button = lang.t(k::FILTER),
        clear = lang.t(k::CLEAR),
        actor = value(&query.actor),
        action = value(&query.action),
        subject = value(&query.subject),
    )
}

/// The subject by name, the link filtering by its code (in the tooltip). A subject shown as
/// stored (an account, a project code) is a name, not text to translate.
fn subject_link(lang: Lang, subject: &str) -> String {
    let named = crate::names::audit_subject(lang, subject);
    let translate = if named == subject {
        " translate=\"no\""
    } else {
        ""
    };
    format!(
        "<a href=\"/audit?subject={}\" title=\"{}\"{translate}>{}</a>",
        esc(&url_encode(subject)),
        esc(subject),
        esc(&named)
    )
}

fn records_table(lang: Lang, records: &[AuditView]) -> String {
    if records.is_empty() {
        return none_line(lang);
    }
    // An actor is a name (an account, or the system itself), not a text to translate.
    let filter_link = |key: &str, value: &str| {
        format!(
            "<a href=\"/audit?{key}={}\" translate=\"no\">{}</a>",
            esc(&url_encode(value)),
            esc(&crate::names::actor(lang, value))
        )
    };
    // The action by name; the link filters by its code, which the tooltip shows.
    let action_link = |action: &str| {
        format!(
            "<a href=\"/audit?action={}\" title=\"{}\">{}</a>",
            esc(&url_encode(action)),
            esc(action),
            esc(&crate::names::audit_action(lang, action))
        )
    };
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                esc(&crate::html::local_time(&r.at)),
                filter_link("actor", &r.actor),
                action_link(&r.action),
                subject_link(lang, &r.subject),
                esc(&crate::names::audit_reason(lang, &r.action, &r.reason)),
                format!(
                    "<a href=\"/audit/{seq}\" id=\"payload-{seq}\">{}</a>",
                    lang.t(k::PAYLOAD),
                    seq = r.seq
                ),
            ]
        })
        .collect();
    table_in(
        lang,
        &[
            k::SEQ,
            k::TIME,
            k::ACTOR,
            k::ACTION,
            k::SUBJECT,
            k::REASON,
            k::PAYLOAD_2,
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
        lang.t(k::SHOWING_EVERY_RECORD)
    } else {
        lang.pair(
            &format!(
                "只显示对象属于本辖区 {} 的记录（项目、规划、公告、协议、资金、账户等按所属行政区）",
                page_data.scope
            ),
            &format!(
                "showing only records whose subject belongs to jurisdiction {} (projects, plans, listings, agreements, funds, users, by their owning division)",
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
                lang.t(k::OLDER_RECORDS)
            )
        })
        .unwrap_or_default();
    let newest = if query.before.is_some() {
        format!(
            "<p><a id=\"newest\" href=\"{}\">{}</a></p>",
            esc(&link(&query, None)),
            lang.t(k::NEWEST_RECORDS)
        )
    } else {
        String::new()
    };
    let export = format!(
        "<p><a id=\"audit-export\" href=\"{}\" download>{}</a></p>",
        esc(&link(&query, None).replacen("/audit?", "/audit.xlsx?", 1)),
        lang.t(k::EXPORT_TO_EXCEL_THE_RECORDS_MATCHING)
    );
    let body = format!(
        "{chain}<p class=\"en\" id=\"scope\">{scope_note}</p>{filter}{export}{newest}{table}{next}",
        chain = chain_html(lang, &page_data.chain),
        filter = filter_form(lang, &query),
        table = records_table(lang, &page_data.records),
    );
    Ok(Html(page(k::AUDIT_LOG, Some(&user), &body)))
}

/// Records an export holds at most (newest first).
const EXPORT_LIMIT: usize = 20_000;

const EXPORT_COLUMNS: &[crate::lists::Column] = &[
    crate::lists::Column {
        key: "seq",
        zh: "序号",
        en: "Seq",
        numeric: true,
    },
    crate::lists::Column {
        key: "at",
        zh: "时间（北京时间）",
        en: "Time (Beijing)",
        numeric: false,
    },
    crate::lists::Column {
        key: "actor",
        zh: "操作人",
        en: "Actor",
        numeric: false,
    },
    crate::lists::Column {
        key: "action",
        zh: "操作",
        en: "Action",
        numeric: false,
    },
    crate::lists::Column {
        key: "subject",
        zh: "对象",
        en: "Subject",
        numeric: false,
    },
    crate::lists::Column {
        key: "reason",
        zh: "理由",
        en: "Reason",
        numeric: false,
    },
    crate::lists::Column {
        key: "hash",
        zh: "本记录哈希",
        en: "Hash",
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
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let facts = table_in(
        lang,
        &[k::FIELD_2, k::VALUE_2],
        &[
            row(k::SEQ, record.seq.to_string()),
            row(k::TIME, esc(&crate::html::local_time(&record.at))),
            row(k::ACTOR, esc(&crate::names::actor(lang, &record.actor))),
            row(
                k::ACTION,
                format!(
                    "{} <code>{}</code>",
                    esc(&crate::names::audit_action(lang, &record.action)),
                    esc(&record.action)
                ),
            ),
            row(
                k::SUBJECT,
                esc(&crate::names::audit_subject(lang, &record.subject)),
            ),
            row(
                k::REASON,
                esc(&crate::names::audit_reason(
                    lang,
                    &record.action,
                    &record.reason,
                )),
            ),
            row(
                k::PREVIOUS_HASH_3,
                format!("<code>{}</code>", esc(&record.prev_hash)),
            ),
            row(k::HASH_3, format!("<code>{}</code>", esc(&record.hash))),
        ],
    );
    let body = format!(
        "{facts}<h2>{h}</h2>{payload}<p><a href=\"/api/audit/{seq}\" id=\"payload-json\">{raw}</a> · <a href=\"/audit\">{back}</a></p>",
        h = lang.t(k::PAYLOAD_2),
        payload = payload_table(lang, &record.payload),
        seq = record.seq,
        raw = lang.t(k::THE_RECORD_AS_STORED_JSON_TO),
        back = lang.t(k::BACK_TO_THE_AUDIT_LOG),
    );
    Ok(Html(page(
        (&format!("审计记录 {seq}"), &format!("Audit record {seq}")),
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

/// A payload as a table of named fields (nested fields by their path, lists item by item);
/// the stored JSON stays available through the API for hash checks.
fn payload_table(lang: Lang, payload: &serde_json::Value) -> String {
    let mut rows = Vec::new();
    payload_rows(lang, "", "", payload, &mut rows);
    if rows.is_empty() {
        return none_line(lang);
    }
    format!(
        "<div class=\"table-wrap\" id=\"payload\">{}</div>",
        table_in(lang, &[k::FIELD_2, k::VALUE_2], &rows)
    )
}

fn payload_rows(
    lang: Lang,
    path: &str,
    key: &str,
    value: &serde_json::Value,
    rows: &mut Vec<Vec<String>>,
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
                serde_json::Value::Null => String::new(),
                serde_json::Value::Bool(true) => lang.t(k::YES),
                serde_json::Value::Bool(false) => lang.t(k::NO),
                // A stored value this catalogue names (a kind, a category, a level).
                serde_json::Value::String(s)
                    if crate::names::payload_value(lang, key, s).is_some() =>
                {
                    crate::names::payload_value(lang, key, s).unwrap_or_default()
                }
                // A stored code (an enum value, a key, a voucher) is shown as the code it is.
                serde_json::Value::String(s)
                    if (s.contains('_') && s.chars().all(|c| c.is_ascii_graphic()))
                        || (!s.is_empty()
                            && s.chars().all(|c| c.is_ascii_alphabetic() || c == '-')) =>
                {
                    format!("<code translate=\"no\">{}</code>", esc(s))
                }
                // A file on the server that an operator imported: its name, the full path in
                // the tooltip.
                serde_json::Value::String(s) if s.starts_with('/') && s.len() > 1 => {
                    let name = s.rsplit('/').next().unwrap_or(s);
                    format!("<span title=\"{}\">{}</span>", esc(s), esc(name))
                }
                serde_json::Value::String(s) => esc(&crate::html::local_time(s)),
                serde_json::Value::Array(items) => esc(&items
                    .iter()
                    .map(crate::html::value_text_of)
                    .collect::<Vec<_>>()
                    .join("、")),
                n => esc(&n.to_string()),
            };
            rows.push(vec![esc(path), text]);
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
