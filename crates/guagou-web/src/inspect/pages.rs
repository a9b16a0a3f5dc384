//! The supervision pages: inspections (list, new-inspection form, findings with the county's
//! rectification form and the city's closure form), criticisms and commendations, and the
//! yearly allocation with its calculation. Every POST checks the form's CSRF token first; a
//! refusal shows the page's message with its code and a link back.

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
        ("/supervision", "监管总览", "Supervision"),
        ("/supervision/inspections", "检查与整改", "Inspections"),
        (
            "/supervision/notices",
            "通报批评与表扬",
            "Criticism and commendation",
        ),
        (
            "/supervision/allocation",
            "年度指标计划分配",
            "Yearly allocation",
        ),
    ];
    let mut out = String::from("<nav id=\"supervision-nav\">");
    for (href, zh, en) in links {
        let _ = write!(out, "<a href=\"{href}\">{}</a> ", lang.t(zh, en));
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
    (
        problem.status,
        Html(page("未能完成", "Refused", Some(user), &body)),
    )
        .into_response()
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

fn date_input(lang: Lang, today: chrono::NaiveDate, name: &str, zh: &str, en: &str) -> String {
    format!(
        "<label>{} <input type=\"date\" name=\"{name}\" value=\"{day}\" max=\"{day}\" required></label> ",
        lang.t(zh, en),
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
                lang.one(zh, en)
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
    lang.t(zh, en)
}

fn inspection_state(lang: Lang, inspection: &Inspection) -> String {
    match &inspection.closed_on {
        Some(on) => format!(
            "<span class=\"ok\">{}</span>",
            lang.t(&format!("已办结 {on}"), &format!("closed {on}"))
        ),
        None => {
            let open = inspection
                .findings
                .iter()
                .filter(|f| f.state != FindingState::Closed)
                .count();
            format!(
                "<span class=\"warn\">{}</span>",
                lang.t(
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
            lang.t("无检查记录", "no inspections")
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
        lang.t(
            "三(二)：突出招投标、工程建设、资金使用等环节的检查；县局整改，市局复查销号",
            "三(二): inspections of bidding, construction and fund use; the county rectifies, the city closes"
        )
    );
    if land_above_county(&user) {
        body.push_str(&new_inspection_form(&state, &user).await?);
    }
    Ok(Html(page("检查与整改", "Inspections", Some(&user), &body)).into_response())
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
            legend = lang.t(
                &format!("问题 {n}（可空）"),
                &format!("Finding {n} (optional)")
            ),
            desc = lang.t("描述", "Description"),
            sev = lang.t("严重程度", "Severity"),
            severities = options(
                &FindingSeverity::ALL,
                FindingSeverity::name,
                FindingSeverity::label,
                lang
            ),
            deadline = lang.t("整改期限", "Deadline"),
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
        title = lang.t("记录检查", "Record an inspection"),
        csrf = csrf_field(user),
        county = lang.t("县", "County"),
        counties = county_options(state, user).await?,
        project = lang.t(
            "项目区（可选，填写后以项目所在县为准）",
            "Project (optional; its county applies)"
        ),
        kind = lang.t("类型", "Kind"),
        kinds = options(
            &InspectionKind::ALL,
            InspectionKind::name,
            InspectionKind::label,
            lang
        ),
        date = date_input(lang, user.today, "inspected_on", "检查日期", "Date"),
        inspector = lang.t("检查人", "Inspector"),
        inspector_hint = lang.t(
            "账号名@单位代码，默认为本人；例如 李四@511700",
            "account name@division code, yourself by default; e.g. li@511700"
        ),
        project_choices = project_datalist(state, user, "inspection-projects").await?,
        me = esc(&user.actor.to_string()),
        summary = lang.t("检查内容", "What was inspected"),
        reason = lang.t("备注", "Note"),
        button = lang.t("记录", "Record"),
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
                    lang.t(tzh, ten),
                    lang.t("已逾期", "overdue")
                )
            } else {
                lang.t(tzh, ten)
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
                    ("rectification", "整改措施", "What was done"),
                    ("rectified_on", "整改日期", "Date"),
                    ("记录整改", "Record the rectification"),
                ),
                FindingState::Rectified if may_close => finding_form(
                    user,
                    &inspection.id,
                    f.seq,
                    "close",
                    ("note", "销号意见", "Closure opinion"),
                    ("closed_on", "销号日期", "Date"),
                    ("销号", "Close"),
                ),
                _ => String::new(),
            };
            vec![
                f.seq.to_string(),
                esc(&f.description),
                lang.t(szh, sen),
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
    text: (&str, &str, &str),
    date: (&str, &str, &str),
    button: (&str, &str),
) -> String {
    let lang = user.lang;
    format!(
        "<form method=\"post\" action=\"/supervision/inspections/{id}/findings/{seq}/{action}\" class=\"action\" id=\"{action}-{seq}\">{csrf}\
         <label>{label} <input name=\"{name}\" required></label> {date}<button>{button}</button></form>",
        id = esc(id),
        csrf = csrf_field(user),
        label = lang.t(text.1, text.2),
        name = text.0,
        date = date_input(lang, user.today, date.0, date.1, date.2),
        button = lang.t(button.0, button.1),
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
    let row = |zh: &str, en: &str, value: String| vec![lang.t(zh, en), value];
    let project = match &inspection.project {
        Some(code) => format!("<a href=\"/projects/{}\">{}</a>", esc(code), esc(code)),
        None => lang.t("（全县）", "(the county)"),
    };
    let facts = vec![
        row("编号", "Id", esc(&inspection.id)),
        row("县", "County", esc(&inspection.county)),
        row("项目", "Project", project),
        row("类型", "Kind", kind_cell(lang, inspection.kind)),
        row("检查日期", "Date", esc(&inspection.inspected_on)),
        row("检查人", "Inspector", esc(&inspection.inspector)),
        row("检查内容", "Summary", esc(&inspection.summary)),
        row("记录人", "Recorded by", esc(&inspection.recorded_by)),
        row("状态", "State", inspection_state(lang, &inspection)),
    ];
    let findings = if inspection.findings.is_empty() {
        format!(
            "<p class=\"none\">{}</p>",
            lang.t("未发现问题", "no findings")
        )
    } else {
        table_in(
            lang,
            &[
                ("序号", "No."),
                ("问题", "Finding"),
                ("严重程度", "Severity"),
                ("整改期限", "Deadline"),
                ("状态", "State"),
                ("整改情况", "Rectification"),
                ("销号", "Closure"),
                ("操作", "Action"),
            ],
            &finding_rows(&user, &inspection),
        )
    };
    let body = format!(
        "{nav}<section id=\"inspection\">{facts}</section>\
         <section id=\"findings\"><h2>{title}</h2><p>{explain}</p>{findings}</section>",
        nav = nav(lang),
        facts = table_in(lang, &[("项目", "Item"), ("值", "Value")], &facts),
        title = lang.t("问题与整改", "Findings and rectification"),
        explain = lang.t(
            "县局记录整改措施后，市局复查销号；全部销号后检查办结",
            "The county records its rectification, then the city closes the finding; the inspection closes with its last finding"
        ),
    );
    Ok(Html(page("检查", "Inspection", Some(&user), &body)))
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
                NoticeKind::Criticism => format!("<span class=\"fail\">{}</span>", lang.t(zh, en)),
                NoticeKind::Commendation => format!("<span class=\"ok\">{}</span>", lang.t(zh, en)),
            };
            let lifted = match (&n.lifted_on, n.kind) {
                (Some(on), _) => format!(
                    "{} <span class=\"en\">{} · {}</span>",
                    lang.t(&format!("{on} 解除"), &format!("lifted {on}")),
                    esc(n.lift_reason.as_deref().unwrap_or("")),
                    esc(n.lifted_by.as_deref().unwrap_or(""))
                ),
                (None, NoticeKind::Criticism) if city_land(user) => format!(
                    "<form method=\"post\" action=\"/supervision/notices/{id}/lift\" class=\"action\" id=\"lift-{id}\">{csrf}\
                     {date}<label>{reason} <input name=\"reason\" required></label> <button>{button}</button></form>",
                    id = esc(&n.id),
                    csrf = csrf_field(user),
                    date = date_input(lang, user.today, "lifted_on", "解除日期", "Date"),
                    reason = lang.t("决定理由", "Reason for the decision"),
                    button = lang.t("解除通报批评", "Lift the criticism"),
                ),
                (None, NoticeKind::Criticism) => lang.t("生效中", "in force"),
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
        format!("<p class=\"none\">{}</p>", lang.t("无通报", "no notices"))
    } else {
        format!(
            "<div id=\"notices\">{}</div>",
            table_in(
                lang,
                &[
                    ("编号", "Id"),
                    ("县", "County"),
                    ("类型", "Kind"),
                    ("日期", "Date"),
                    ("条款", "Clause"),
                    ("理由", "Reason"),
                    ("记录人", "Recorded by"),
                    ("解除", "Lifted"),
                ],
                &notice_rows(&user, &notices),
            )
        )
    };
    let mut body = format!(
        "{}<p>{}</p>{table}",
        nav(lang),
        lang.t(
            "三(二)：通报批评的县暂停增减挂钩指标计划安排（次年起，直至市局解除）；通报表扬的县在下一年度分配中重点倾斜",
            "三(二): a criticised county's allocation is suspended (from the next year until the city lifts it); a commended county weighs more in next year's allocation"
        )
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
            title = lang.t("记录通报", "Record a notice"),
            csrf = csrf_field(&user),
            county = lang.t("县", "County"),
            counties = county_options(&state, &user).await?,
            kind = lang.t("类型", "Kind"),
            kinds = options(
                &[NoticeKind::Criticism, NoticeKind::Commendation],
                NoticeKind::name,
                NoticeKind::label,
                lang
            ),
            date = date_input(lang, user.today, "decided_on", "通报日期", "Date"),
            clause = lang.t("条款", "Clause"),
            reason = lang.t("理由", "Reason"),
            button = lang.t("记录", "Record"),
        );
    }
    Ok(Html(page(
        "通报批评与表扬",
        "Criticism and commendation",
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
                Some(PovertyLevel::National) => lang.t("国家级贫困县", "national poverty county"),
                Some(PovertyLevel::Provincial) => lang.t("省定贫困县", "provincial poverty county"),
                None => lang.t("非贫困县", "not a poverty county"),
            };
            // Exited, still tilted by the transition period (摘帽不摘政策): say so.
            if let (Some(exit), Some(until)) = (r.poverty_exited_on, r.poverty_transition_until) {
                poverty.push_str(&lang.t(
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
                    lang.t("暂停", "suspended"),
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
            ("县", "County"),
            ("基础权重", "Base"),
            ("贫困县（1月1日）", "Poverty (1 Jan)"),
            ("上年表扬", "Commendations"),
            ("通报批评", "Criticism"),
            ("权重", "Weight"),
            ("份额", "Share"),
            ("精确值 m²", "Exact m²"),
            ("整数部分", "Integer part"),
            ("余数", "Remainder"),
            ("最大余数补足", "Largest remainder"),
            ("分配", "Allocated"),
        ],
        &allocation_rows(lang, rows),
    )
}

fn decided_section(lang: Lang, decided: &DecidedAllocation) -> String {
    format!(
        "<section id=\"decided\"><h2>{title}</h2><p>{text}</p>{table}</section>",
        title = lang.t("市局已决定的分配", "The allocation the city decided"),
        text = lang.t(
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
fn factor_name(factor: &str) -> (&'static str, &'static str) {
    match factor {
        "base" => (
            "基础份额（未被暂停的县）",
            "base share (counties not suspended)",
        ),
        "national_poverty_county" => ("国家扶贫开发工作重点县", "national poverty county"),
        "provincial_poverty_county" => ("省定贫困县", "provincial poverty county"),
        "commendation" => ("通报表扬", "commendation"),
        _ => ("其他因素", "other factor"),
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
                    let (zh, en) = factor_name(w.factor);
                    format!(
                        "<span title=\"{}\">{}</span>",
                        esc(w.factor),
                        lang.t(zh, en)
                    )
                },
                w.weight.to_string(),
                esc(&w.clause),
                lang.t(&w.note_zh, &w.note_en),
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
        year_label = lang.t("年度", "Year"),
        year = view.year,
        total_label = lang.t("全市总量 m²", "City total m²"),
        total = view.total_m2,
        show = lang.t("计算", "Compute"),
        weights_title = lang.t("权重与依据", "Weights and clauses"),
        weights_table = table_in(
            lang,
            &[("因素", "Factor"), ("权重", "Weight"), ("条款", "Clause"), ("说明", "Note")],
            &weights
        ),
        calc_title = lang.t("计算过程", "Calculation"),
        summary = lang.t(
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
                lang.t(
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
                title = lang.t("记录为市局决定", "Record as the city's decision"),
                confirm = lang.one(
                    &format!("确认决定 {} 年度分配？每年只能决定一次，决定后不能更改。", view.year),
                    &format!("Decide the {} allocation? It is decided once a year and cannot be changed.", view.year)
                ),
                csrf = csrf_field(user),
                year = view.year,
                total = view.total_m2,
                date = date_input(lang, user.today, "decided_on", "决定日期", "Date"),
                reason = lang.t("决定依据", "Basis"),
                button = lang.t("决定本年度分配", "Decide this year's allocation"),
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
                "年度指标计划分配",
                "Yearly allocation of the linkage plan",
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
            WebError::invalid("year", "年度或总量无效", "invalid year or total"),
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
