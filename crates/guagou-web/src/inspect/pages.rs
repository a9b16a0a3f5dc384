//! The supervision pages: inspections (list, new-inspection form, findings with the county's
//! rectification form and the city's closure form), criticisms and commendations, and the
//! yearly allocation with its calculation. Every POST checks the form's CSRF token first; a
//! refusal shows the page's message with its code and a link back.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use guagou_domain::DivisionCode;
use guagou_domain::lifecycle::Level;
use guagou_domain::supervision::{
    AllocationRow, FindingSeverity, FindingState, InspectionKind, NoticeKind, PovertyLevel,
    rectification_overdue,
};
use guagou_registry::inspections::{DecidedAllocation, Inspection, Notice};
use serde::Deserialize;

use super::input::{
    self, AllocationQuery, AllocationView, ClosureBody, DecideBody, FindingBody, InspectionBody,
    LiftNoticeBody, NoticeBody, RectificationBody,
};
use crate::AppState;
use crate::auth::{PageUser, User};
use crate::error::{PageError, WebError};
use crate::html::{Lang, esc, page, table_in};

/// The links between the supervision pages.
pub(crate) fn nav(lang: Lang) -> String {
    let links = [
        ("/supervision", k::SUPERVISION_2),
        ("/supervision/inspections", k::INSPECTIONS),
        ("/supervision/notices", k::CRITICISM_AND_COMMENDATION),
        ("/supervision/allocation", k::YEARLY_ALLOCATION),
    ];
    let mut out = String::from("<nav id=\"supervision-nav\">");
    for (href, name) in links {
        let _ = write!(out, "<a href=\"{href}\">{}</a> ", lang.t(name));
    }
    out.push_str("</nav>");
    out
}

/// A refused write: the message, the code (and rule), and a link back, with the status.
fn refusal(user: &User, error: WebError, back: &str) -> Response {
    let problem = error.problem();
    let lang = user.lang;
    let body = format!(
        "{}{}",
        nav(lang),
        crate::html::refusal_html(lang, &problem, back)
    );
    (problem.status, Html(page(k::REFUSED, Some(user), &body))).into_response()
}

fn land_above_county(user: &User) -> bool {
    user.is_land_writer() && user.actor.level != Level::County
}

fn city_land(user: &User) -> bool {
    user.is_land_writer() && user.actor.level == Level::City
}

fn csrf_field(user: &User) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&user.csrf)
    )
}

fn date_input(lang: Lang, today: chrono::NaiveDate, name: &str, label: Key) -> String {
    format!(
        "<label>{} <input type=\"date\" name=\"{name}\" value=\"{day}\" max=\"{day}\" required></label> ",
        lang.t(label),
        day = today.format("%Y-%m-%d")
    )
}

fn options<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    label: fn(T) -> (&'static str, &'static str),
    lang: Lang,
) -> String {
    all.iter()
        .map(|k| {
            let (zh, en) = label(*k);
            format!(
                "<option value=\"{}\">{}</option>",
                name(*k),
                lang.pair(zh, en)
            )
        })
        .collect()
}

/// Counties the user may act for (for the forms' county lists).
async fn county_options(state: &AppState, user: &User) -> Result<String, WebError> {
    let city = state.registry.profile.profile.city.clone();
    let counties = user
        .door(&state.registry)
        .divisions_under(&city.as_str()[..4])
        .await?;
    Ok(counties
        .iter()
        .filter(|d| d.level == "county")
        .filter(|d| DivisionCode::parse(&d.code).is_ok_and(|c| user.actor.may_act_for(&c)))
        .map(|d| {
            format!(
                "<option value=\"{}\">{} {}</option>",
                esc(&d.code),
                esc(&d.code),
                esc(&d.name)
            )
        })
        .collect())
}

fn kind_cell(lang: Lang, kind: InspectionKind) -> String {
    let (zh, en) = kind.label();
    lang.pair(zh, en)
}

fn inspection_state(lang: Lang, inspection: &Inspection) -> String {
    match &inspection.closed_on {
        Some(on) => format!(
            "<span class=\"ok\">{}</span>",
            lang.pair(&format!("已办结 {on}"), &format!("closed {on}"))
        ),
        None => {
            let open = inspection
                .findings
                .iter()
                .filter(|f| f.state != FindingState::Closed)
                .count();
            format!(
                "<span class=\"warn\">{}</span>",
                lang.pair(
                    &format!("{open} 项问题未销号"),
                    &format!("{open} findings not closed")
                )
            )
        }
    }
}

/// Handles GET /supervision/inspections
pub async fn inspections_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    axum::extract::Query(query): axum::extract::Query<crate::lists::ListQuery>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse as _;
    let lang = user.lang;
    let inspections = input::readable_inspections(&state.registry, &user).await?;
    let names = user.door(&state.registry).division_names().await?;
    let spec = super::list::spec(&inspections, &names);
    let rows = crate::lists::apply(
        &query,
        inspections
            .iter()
            .map(|i| super::list::row(lang, i, &names))
            .collect(),
        super::list::COLUMNS,
    );
    if query.wants_xlsx() {
        return Ok(crate::lists::xlsx(lang, &spec, &rows));
    }
    let table = if inspections.is_empty() {
        format!(
            "<p class=\"none\" id=\"inspections-empty\">{}</p>",
            lang.t(k::NO_INSPECTIONS)
        )
    } else {
        format!(
            "<div id=\"inspections\">{}</div>",
            crate::lists::render(lang, &spec, &query, &rows)
        )
    };
    let mut body = format!(
        "{}<p>{}</p>{table}",
        nav(lang),
        lang.t(k::INSPECTIONS_OF_BIDDING_CONSTRUCTION_AND_FUND)
    );
    if land_above_county(&user) {
        body.push_str(&new_inspection_form(&state, &user).await?);
    }
    Ok(Html(page(k::INSPECTIONS, Some(&user), &body)).into_response())
}

/// A picker of the projects `user` reads for a project field (`<input list=…>`): the code is
/// what the field sends, the option shows the name and the county by name.
async fn project_datalist(state: &AppState, user: &User, id: &str) -> Result<String, WebError> {
    let projects = crate::view::readable_projects(&state.registry, user).await?;
    let names = user.door(&state.registry).division_names().await?;
    let mut out = format!("<datalist id=\"{}\">", esc(id));
    for p in &projects {
        let county = names
            .get(&p.county)
            .map_or(p.county.as_str(), String::as_str);
        let _ = write!(
            out,
            "<option value=\"{}\">{} · {}</option>",
            esc(&p.code),
            esc(&p.name),
            esc(county)
        );
    }
    out.push_str("</datalist>");
    Ok(out)
}

async fn new_inspection_form(state: &AppState, user: &User) -> Result<String, WebError> {
    let lang = user.lang;
    let mut findings = String::new();
    for n in 1..=3 {
        let _ = write!(
            findings,
            "<fieldset id=\"finding-{n}\"><legend>{legend}</legend>\
             <label>{desc} <input name=\"f{n}_description\"></label> \
             <label>{sev} <select name=\"f{n}_severity\">{severities}</select></label> \
             <label>{deadline} <input type=\"date\" name=\"f{n}_deadline\"></label></fieldset>",
            legend = lang.pair(
                &format!("问题 {n}（可空）"),
                &format!("Finding {n} (optional)")
            ),
            desc = lang.t(k::DESCRIPTION),
            sev = lang.t(k::SEVERITY),
            severities = options(
                &FindingSeverity::ALL,
                FindingSeverity::name,
                FindingSeverity::label,
                lang
            ),
            deadline = lang.t(k::DEADLINE),
        );
    }
    Ok(format!(
        "<section id=\"new-inspection\"><h2>{title}</h2>\
         <form method=\"post\" action=\"/supervision/inspections\" id=\"inspection-form\">{csrf}\
         <label>{county} <select name=\"county\">{counties}</select></label> \
         <label>{project} <input name=\"project\" list=\"inspection-projects\" autocomplete=\"off\"></label>{project_choices} \
         <label>{kind} <select name=\"kind\">{kinds}</select></label> {date} \
         <label>{inspector} <input name=\"inspector\" value=\"{me}\" aria-describedby=\"inspector-hint\"></label> <small id=\"inspector-hint\">{inspector_hint}</small> \
         <label>{summary} <input name=\"summary\" required></label>{findings}\
         <label>{reason} <input name=\"reason\"></label> <button id=\"record-inspection\">{button}</button></form></section>",
        title = lang.t(k::RECORD_AN_INSPECTION),
        csrf = csrf_field(user),
        county = lang.t(k::COUNTY),
        counties = county_options(state, user).await?,
        project = lang.t(k::PROJECT_OPTIONAL_ITS_COUNTY_APPLIES),
        kind = lang.t(k::KIND),
        kinds = options(
            &InspectionKind::ALL,
            InspectionKind::name,
            InspectionKind::label,
            lang
        ),
        date = date_input(lang, user.today, "inspected_on", k::DATE_3),
        inspector = lang.t(k::INSPECTOR),
        inspector_hint = lang.t(k::ACCOUNT_NAME_DIVISION_CODE_YOURSELF_BY),
        project_choices = project_datalist(state, user, "inspection-projects").await?,
        me = esc(&user.actor.to_string()),
        summary = lang.t(k::WHAT_WAS_INSPECTED),
        reason = lang.t(k::NOTE_2),
        button = lang.t(k::RECORD_2),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InspectionForm {
    csrf: Option<String>,
    county: String,
    project: String,
    kind: String,
    inspected_on: String,
    inspector: String,
    summary: String,
    reason: String,
    f1_description: String,
    f1_severity: String,
    f1_deadline: String,
    f2_description: String,
    f2_severity: String,
    f2_deadline: String,
    f3_description: String,
    f3_severity: String,
    f3_deadline: String,
}

impl InspectionForm {
    /// The body; finding rows without a description are left out.
    fn body(self) -> InspectionBody {
        let findings = [
            (self.f1_description, self.f1_severity, self.f1_deadline),
            (self.f2_description, self.f2_severity, self.f2_deadline),
            (self.f3_description, self.f3_severity, self.f3_deadline),
        ]
        .into_iter()
        .filter(|(d, _, _)| !d.trim().is_empty())
        .map(|(description, severity, deadline)| FindingBody {
            description,
            severity,
            deadline,
        })
        .collect();
        InspectionBody {
            county: Some(self.county),
            project: Some(self.project),
            kind: self.kind,
            inspected_on: self.inspected_on,
            inspector: Some(self.inspector),
            summary: self.summary,
            findings,
            reason: self.reason,
        }
    }
}

/// Handles POST /supervision/inspections
pub async fn inspection_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<InspectionForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    Ok(
        match input::record_inspection(&state.registry, &user, &form.body()).await {
            Ok(i) => Redirect::to(&format!("/supervision/inspections/{}", i.id)).into_response(),
            Err(e) => refusal(&user, e, "/supervision/inspections"),
        },
    )
}

fn finding_rows(user: &User, inspection: &Inspection) -> Vec<Vec<String>> {
    let lang = user.lang;
    let today = user.today;
    // require_land refuses audit (read-only) and other departments.
    let may_rectify = user.is_land_writer() && user.actor.level == Level::County;
    let may_close = land_above_county(user);
    inspection
        .findings
        .iter()
        .map(|f| {
            let (szh, sen) = f.severity.label();
            let (tzh, ten) = f.state.label();
            let overdue = input::parse_date("deadline", &f.deadline)
                .is_ok_and(|d| rectification_overdue(f.state, d, today));
            let state = if overdue {
                format!(
                    "<span class=\"fail\">{} · {}</span>",
                    lang.pair(tzh, ten),
                    lang.t(k::OVERDUE)
                )
            } else {
                lang.pair(tzh, ten)
            };
            let rectified = match (&f.rectification, &f.rectified_on) {
                (Some(text), Some(on)) => format!(
                    "{} <span class=\"en\">{} · {}</span>",
                    esc(text),
                    esc(on),
                    esc(f.rectified_by.as_deref().unwrap_or(""))
                ),
                _ => String::new(),
            };
            let closed = match (&f.closure_note, &f.closed_on) {
                (Some(text), Some(on)) => format!(
                    "{} <span class=\"en\">{} · {}</span>",
                    esc(text),
                    esc(on),
                    esc(f.closed_by.as_deref().unwrap_or(""))
                ),
                _ => String::new(),
            };
            let action = match f.state {
                FindingState::Open if may_rectify => finding_form(
                    user,
                    &inspection.id,
                    f.seq,
                    "rectify",
                    ("rectification", k::WHAT_WAS_DONE),
                    ("rectified_on", k::DATE_4),
                    k::RECORD_THE_RECTIFICATION,
                ),
                FindingState::Rectified if may_close => finding_form(
                    user,
                    &inspection.id,
                    f.seq,
                    "close",
                    ("note", k::CLOSURE_OPINION),
                    ("closed_on", k::DATE_5),
                    k::CLOSE,
                ),
                _ => String::new(),
            };
            vec![
                f.seq.to_string(),
                esc(&f.description),
                lang.pair(szh, sen),
                esc(&f.deadline),
                state,
                rectified,
                closed,
                action,
            ]
        })
        .collect()
}

fn finding_form(
    user: &User,
    id: &str,
    seq: i64,
    action: &str,
    text: (&str, Key),
    date: (&str, Key),
    button: Key,
) -> String {
    let lang = user.lang;
    format!(
        "<form method=\"post\" action=\"/supervision/inspections/{id}/findings/{seq}/{action}\" class=\"action\" id=\"{action}-{seq}\">{csrf}\
         <label>{label} <input name=\"{name}\" required></label> {date}<button>{button}</button></form>",
        id = esc(id),
        csrf = csrf_field(user),
        label = lang.t(text.1),
        name = text.0,
        date = date_input(lang, user.today, date.0, date.1),
        button = lang.t(button),
    )
}

/// Handles GET /supervision/inspections/{id}
pub async fn inspection_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let inspection = input::readable_inspection(&state.registry, &user, &id).await?;
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let project = match &inspection.project {
        Some(code) => format!("<a href=\"/projects/{}\">{}</a>", esc(code), esc(code)),
        None => lang.t(k::THE_COUNTY),
    };
    let facts = vec![
        row(k::ID, esc(&inspection.id)),
        row(k::COUNTY, esc(&inspection.county)),
        row(k::PROJECT_2, project),
        row(k::KIND, kind_cell(lang, inspection.kind)),
        row(k::DATE_3, esc(&inspection.inspected_on)),
        row(k::INSPECTOR, esc(&inspection.inspector)),
        row(k::SUMMARY, esc(&inspection.summary)),
        row(k::RECORDED_BY, esc(&inspection.recorded_by)),
        row(k::STATE, inspection_state(lang, &inspection)),
    ];
    let findings = if inspection.findings.is_empty() {
        format!("<p class=\"none\">{}</p>", lang.t(k::NO_FINDINGS))
    } else {
        table_in(
            lang,
            &[
                k::NO_2,
                k::FINDING_2,
                k::SEVERITY,
                k::DEADLINE,
                k::STATE,
                k::RECTIFICATION_2,
                k::CLOSURE,
                k::ACTION,
            ],
            &finding_rows(&user, &inspection),
        )
    };
    let body = format!(
        "{nav}<section id=\"inspection\">{facts}</section>\
         <section id=\"findings\"><h2>{title}</h2><p>{explain}</p>{findings}</section>",
        nav = nav(lang),
        facts = table_in(lang, &[k::ITEM_2, k::VALUE_2], &facts),
        title = lang.t(k::FINDINGS_AND_RECTIFICATION),
        explain = lang.t(k::THE_COUNTY_RECORDS_ITS_RECTIFICATION_THEN),
    );
    Ok(Html(page(k::INSPECTION, Some(&user), &body)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RectifyForm {
    csrf: Option<String>,
    rectification: String,
    rectified_on: String,
}

/// Handles POST /supervision/inspections/{id}/findings/{seq}/rectify
pub async fn rectify_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, seq)): Path<(String, String)>,
    Form(form): Form<RectifyForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = RectificationBody {
        rectification: form.rectification,
        rectified_on: form.rectified_on,
    };
    let back = format!("/supervision/inspections/{id}");
    Ok(
        match input::rectify(&state.registry, &user, &id, &seq, &body).await {
            Ok(_) => Redirect::to(&format!("{back}#findings")).into_response(),
            Err(e) => refusal(&user, e, &back),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    csrf: Option<String>,
    note: String,
    closed_on: String,
}

/// Handles POST /supervision/inspections/{id}/findings/{seq}/close
pub async fn close_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, seq)): Path<(String, String)>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = ClosureBody {
        note: form.note,
        closed_on: form.closed_on,
    };
    let back = format!("/supervision/inspections/{id}");
    Ok(
        match input::close(&state.registry, &user, &id, &seq, &body).await {
            Ok(_) => Redirect::to(&format!("{back}#findings")).into_response(),
            Err(e) => refusal(&user, e, &back),
        },
    )
}

fn notice_rows(user: &User, notices: &[Notice]) -> Vec<Vec<String>> {
    let lang = user.lang;
    notices
        .iter()
        .map(|n| {
            let (zh, en) = n.kind.label();
            let kind = match n.kind {
                NoticeKind::Criticism => format!("<span class=\"fail\">{}</span>", lang.pair(zh, en)),
                NoticeKind::Commendation => format!("<span class=\"ok\">{}</span>", lang.pair(zh, en)),
            };
            let lifted = match (&n.lifted_on, n.kind) {
                (Some(on), _) => format!(
                    "{} <span class=\"en\">{} · {}</span>",
                    lang.pair(&format!("{on} 解除"), &format!("lifted {on}")),
                    esc(n.lift_reason.as_deref().unwrap_or("")),
                    esc(n.lifted_by.as_deref().unwrap_or(""))
                ),
                (None, NoticeKind::Criticism) if city_land(user) => format!(
                    "<form method=\"post\" action=\"/supervision/notices/{id}/lift\" class=\"action\" id=\"lift-{id}\">{csrf}\
                     {date}<label>{reason} <input name=\"reason\" required></label> <button>{button}</button></form>",
                    id = esc(&n.id),
                    csrf = csrf_field(user),
                    date = date_input(lang, user.today, "lifted_on", k::DATE_6),
                    reason = lang.t(k::REASON_FOR_THE_DECISION),
                    button = lang.t(k::LIFT_THE_CRITICISM),
                ),
                (None, NoticeKind::Criticism) => lang.t(k::IN_FORCE),
                (None, NoticeKind::Commendation) => String::new(),
            };
            vec![
                format!("<span id=\"notice-{}\">{}</span>", esc(&n.id), esc(&n.id)),
                esc(&n.county),
                kind,
                esc(&n.decided_on),
                esc(&n.clause),
                esc(&n.reason),
                esc(&n.recorded_by),
                lifted,
            ]
        })
        .collect()
}

/// Handles GET /supervision/notices
pub async fn notices_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let notices = input::readable_notices(&state.registry, &user).await?;
    let table = if notices.is_empty() {
        format!("<p class=\"none\">{}</p>", lang.t(k::NO_NOTICES))
    } else {
        format!(
            "<div id=\"notices\">{}</div>",
            table_in(
                lang,
                &[
                    k::ID,
                    k::COUNTY,
                    k::KIND,
                    k::DATE_2,
                    k::CLAUSE,
                    k::REASON,
                    k::RECORDED_BY,
                    k::LIFTED,
                ],
                &notice_rows(&user, &notices),
            )
        )
    };
    let mut body = format!(
        "{}<p>{}</p>{table}",
        nav(lang),
        lang.t(k::A_CRITICISED_COUNTYS_ALLOCATION_IS_SUSPENDED)
    );
    if city_land(&user) {
        let _ = write!(
            body,
            "<section id=\"new-notice\"><h2>{title}</h2>\
             <form method=\"post\" action=\"/supervision/notices\" id=\"notice-form\">{csrf}\
             <label>{county} <select name=\"county\">{counties}</select></label> \
             <label>{kind} <select name=\"kind\">{kinds}</select></label> {date}\
             <label>{clause} <input name=\"clause\" value=\"三(二)\"></label> \
             <label>{reason} <input name=\"reason\" required></label> <button id=\"record-notice\">{button}</button></form></section>",
            title = lang.t(k::RECORD_A_NOTICE),
            csrf = csrf_field(&user),
            county = lang.t(k::COUNTY),
            counties = county_options(&state, &user).await?,
            kind = lang.t(k::KIND),
            kinds = options(
                &[NoticeKind::Criticism, NoticeKind::Commendation],
                NoticeKind::name,
                NoticeKind::label,
                lang
            ),
            date = date_input(lang, user.today, "decided_on", k::DATE_7),
            clause = lang.t(k::CLAUSE),
            reason = lang.t(k::REASON),
            button = lang.t(k::RECORD_2),
        );
    }
    Ok(Html(page(
        k::CRITICISM_AND_COMMENDATION,
        Some(&user),
        &body,
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeForm {
    csrf: Option<String>,
    county: String,
    kind: String,
    decided_on: String,
    clause: String,
    reason: String,
}

/// Handles POST /supervision/notices
pub async fn notice_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<NoticeForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = NoticeBody {
        county: form.county,
        kind: form.kind,
        decided_on: form.decided_on,
        reason: form.reason,
        clause: Some(form.clause),
    };
    Ok(
        match input::record_notice(&state.registry, &user, &body).await {
            Ok(n) => Redirect::to(&format!("/supervision/notices#notice-{}", n.id)).into_response(),
            Err(e) => refusal(&user, e, "/supervision/notices"),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiftForm {
    csrf: Option<String>,
    lifted_on: String,
    reason: String,
}

/// Handles POST /supervision/notices/{id}/lift
pub async fn lift_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<LiftForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let body = LiftNoticeBody {
        lifted_on: form.lifted_on,
        reason: form.reason,
    };
    Ok(
        match input::lift_notice(&state.registry, &user, &id, &body).await {
            Ok(n) => Redirect::to(&format!("/supervision/notices#notice-{}", n.id)).into_response(),
            Err(e) => refusal(&user, e, "/supervision/notices"),
        },
    )
}

fn area(m2: i64) -> String {
    crate::html::area_text(m2)
}

fn allocation_rows(lang: Lang, rows: &[AllocationRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            let mut poverty = match r.poverty_level {
                Some(PovertyLevel::National) => lang.t(k::NATIONAL_POVERTY_COUNTY),
                Some(PovertyLevel::Provincial) => lang.t(k::PROVINCIAL_POVERTY_COUNTY),
                None => lang.t(k::NOT_A_POVERTY_COUNTY),
            };
            // Exited, still tilted by the transition period (摘帽不摘政策): say so.
            if let (Some(exit), Some(until)) = (r.poverty_exited_on, r.poverty_transition_until) {
                poverty.push_str(&lang.pair(
                    &format!("（{exit} 退出，过渡期至 {until}）"),
                    &format!(" (exited {exit}, transition until {until})"),
                ));
            }
            let commendations = if r.commendations.is_empty() {
                "0".to_owned()
            } else {
                format!(
                    "+{} ({})",
                    r.commendation_weight,
                    esc(&r.commendations.join(", "))
                )
            };
            let suspended = if r.suspended_by.is_empty() {
                String::new()
            } else {
                format!(
                    "<span class=\"fail\">{} ({})</span>",
                    lang.t(k::SUSPENDED),
                    esc(&r.suspended_by.join(", "))
                )
            };
            vec![
                format!(
                    "<span id=\"alloc-{c}\">{c}</span> {}",
                    esc(&r.name),
                    c = esc(&r.county)
                ),
                r.base_weight.to_string(),
                format!("{} +{}", poverty, r.poverty_weight),
                commendations,
                suspended,
                format!("<strong>{}</strong>", r.weight),
                format!("{}%", esc(&r.share_percent)),
                esc(&r.exact_m2),
                r.floor_m2.to_string(),
                r.remainder.to_string(),
                format!("+{}", r.extra_m2),
                format!(
                    "<strong class=\"allocated\" data-m2=\"{}\">{}</strong>",
                    r.allocated_m2,
                    esc(&area(r.allocated_m2))
                ),
            ]
        })
        .collect()
}

fn allocation_table(lang: Lang, rows: &[AllocationRow]) -> String {
    table_in(
        lang,
        &[
            k::COUNTY,
            k::BASE,
            k::POVERTY_1_JAN,
            k::COMMENDATIONS,
            k::CRITICISM,
            k::WEIGHT,
            k::SHARE,
            k::EXACT_M,
            k::INTEGER_PART,
            k::REMAINDER,
            k::LARGEST_REMAINDER,
            k::ALLOCATED,
        ],
        &allocation_rows(lang, rows),
    )
}

fn decided_section(lang: Lang, decided: &DecidedAllocation) -> String {
    format!(
        "<section id=\"decided\"><h2>{title}</h2><p>{text}</p>{table}</section>",
        title = lang.t(k::THE_ALLOCATION_THE_CITY_DECIDED),
        text = lang.pair(
            &format!(
                "{} 年：总量 {}，{} 由 {} 决定。依据：{}",
                decided.year,
                area(decided.total_m2),
                decided.decided_on,
                decided.decided_by,
                decided.reason
            ),
            &format!(
                "{}: total {}, decided on {} by {}. Basis: {}",
                decided.year,
                area(decided.total_m2),
                decided.decided_on,
                decided.decided_by,
                decided.reason
            ),
        ),
        table = allocation_table(lang, &decided.calculation.rows),
    )
}

/// The name of an allocation factor (its key in the profile's `[allocation]` in the tooltip).
fn factor_name(factor: &str) -> Key {
    match factor {
        "base" => k::BASE_SHARE_COUNTIES_NOT_SUSPENDED,
        "national_poverty_county" => k::NATIONAL_POVERTY_COUNTY_2,
        "provincial_poverty_county" => k::PROVINCIAL_POVERTY_COUNTY,
        "commendation" => k::COMMENDATION,
        _ => k::OTHER_FACTOR,
    }
}

fn allocation_body(user: &User, view: &AllocationView) -> String {
    let lang = user.lang;
    let weights: Vec<Vec<String>> = view
        .weights
        .iter()
        .map(|w| {
            vec![
                {
                    format!(
                        "<span title=\"{}\">{}</span>",
                        esc(w.factor),
                        lang.t(factor_name(w.factor))
                    )
                },
                w.weight.to_string(),
                esc(&w.clause),
                lang.pair(&w.note_zh, &w.note_en),
            ]
        })
        .collect();
    let mut body = format!(
        "{nav}<form method=\"get\" action=\"/supervision/allocation\" id=\"allocation-query\">\
         <label>{year_label} <input type=\"number\" name=\"year\" value=\"{year}\" required></label> \
         <label>{total_label} <input type=\"text\" inputmode=\"decimal\" name=\"total_m2\" value=\"{total}\" required></label> \
         <button>{show}</button></form>\
         <section id=\"weights\"><h2>{weights_title}</h2>{weights_table}</section>\
         <section id=\"calculation\"><h2>{calc_title}</h2><p id=\"allocation-summary\">{summary}</p>{table}{hidden}</section>",
        nav = nav(lang),
        year_label = lang.t(k::YEAR),
        year = view.year,
        total_label = lang.t(k::CITY_TOTAL_M),
        total = view.total_m2,
        show = lang.t(k::COMPUTE),
        weights_title = lang.t(k::WEIGHTS_AND_CLAUSES),
        weights_table = table_in(
            lang,
            &[k::FACTOR, k::WEIGHT, k::CLAUSE, k::NOTE_3],
            &weights
        ),
        calc_title = lang.t(k::CALCULATION),
        summary = lang.pair(
            &format!(
                "{} 年总量 {}；权重合计 {}；每县 = 总量 × 权重 ÷ 权重合计，先取整数部分，余下 {} m² 按余数从大到小各补 1 m²（余数相同按代码顺序），合计恰为总量",
                view.year, area(view.total_m2), view.total_weight, view.remaining_m2
            ),
            &format!(
                "{}: total {}; total weight {}; each county = total × weight ÷ total weight, integer part first, the remaining {} m² one each to the largest remainders (ties by code), so the sum is exactly the total",
                view.year, area(view.total_m2), view.total_weight, view.remaining_m2
            ),
        ),
        table = allocation_table(lang, &view.rows),
        hidden = if view.rows_hidden > 0 {
            format!(
                "<p class=\"none\">{}</p>",
                lang.pair(
                    &format!("另有 {} 个县的明细不在本辖区内，未显示", view.rows_hidden),
                    &format!("{} other counties' rows are outside your jurisdiction", view.rows_hidden)
                )
            )
        } else {
            String::new()
        },
    );
    match &view.decided {
        Some(decided) => body.push_str(&decided_section(lang, decided)),
        None if city_land(user) => {
            let _ = write!(
                body,
                "<section id=\"decide\"><h2>{title}</h2>\
                 <form method=\"post\" action=\"/supervision/allocation\" id=\"decide-form\" data-confirm=\"{confirm}\">{csrf}\
                 <input type=\"hidden\" name=\"year\" value=\"{year}\">\
                 <input type=\"hidden\" name=\"total_m2\" value=\"{total}\">{date}\
                 <label>{reason} <input name=\"reason\" required></label> <button id=\"decide\">{button}</button></form></section>",
                title = lang.t(k::RECORD_AS_THE_CITYS_DECISION),
                confirm = lang.pair(
                    &format!("确认决定 {} 年度分配？每年只能决定一次，决定后不能更改。", view.year),
                    &format!("Decide the {} allocation? It is decided once a year and cannot be changed.", view.year)
                ),
                csrf = csrf_field(user),
                year = view.year,
                total = view.total_m2,
                date = date_input(lang, user.today, "decided_on", k::DATE_8),
                reason = lang.t(k::BASIS),
                button = lang.t(k::DECIDE_THIS_YEARS_ALLOCATION),
            );
        }
        None => {}
    }
    body
}

/// Handles GET /supervision/allocation
pub async fn allocation_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    query: Result<Query<AllocationQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|q| q.0).unwrap_or_default();
    Ok(
        match input::allocation_view(&state.registry, &user, &query).await {
            Ok(view) => Html(page(
                k::YEARLY_ALLOCATION_OF_THE_LINKAGE_PLAN,
                Some(&user),
                &allocation_body(&user, &view),
            ))
            .into_response(),
            Err(e) => refusal(&user, e, "/supervision/allocation"),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    csrf: Option<String>,
    year: String,
    total_m2: String,
    decided_on: String,
    reason: String,
}

/// Handles POST /supervision/allocation
pub async fn allocation_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<DecideForm>,
) -> Result<Response, PageError> {
    user.require_csrf(form.csrf.as_deref())?;
    let (Ok(year), Ok(total_m2)) = (
        form.year.trim().parse::<i32>(),
        crate::amount::form_area_m2("total_m2", &form.total_m2),
    ) else {
        return Ok(refusal(
            &user,
            WebError::invalid("year", k::INVALID_YEAR_OR_TOTAL),
            "/supervision/allocation",
        ));
    };
    let body = DecideBody {
        year,
        total_m2,
        decided_on: form.decided_on,
        reason: form.reason,
    };
    Ok(match input::decide(&state.registry, &user, &body).await {
        Ok(d) => Redirect::to(&format!("/supervision/allocation?year={}#decided", d.year))
            .into_response(),
        Err(e) => refusal(&user, e, "/supervision/allocation"),
    })
}
