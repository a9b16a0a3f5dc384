//! The supervision pages: inspections (list, new-inspection form, findings with the county's
//! rectification form and the city's closure form), criticisms and commendations, and the
//! yearly allocation with its calculation. Every POST checks the form's CSRF token first; a
//! refusal shows the page's message with its code and a link back.

use crate::catalogue::{Key, k};

use askama::Template;
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
use crate::html::{Lang, page};
use crate::partials::{Cell, Choice, render};

/// `templates/supervision/nav.html`: the links between the supervision pages.
#[derive(Template)]
#[template(path = "supervision/nav.html")]
struct Nav {
    lang: Lang,
}

/// The links between the supervision pages (for the overview, which is built by hand).
pub(crate) fn nav(lang: Lang) -> String {
    Nav { lang }.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "supervision nav template failed");
        String::new()
    })
}

/// `templates/supervision/refused.html`
#[derive(Template)]
#[template(path = "supervision/refused.html")]
struct RefusedPage {
    lang: Lang,
    /// The refusal (`html::refusal_html`, a template).
    refusal: String,
}

/// A refused write: the message, the code (and rule), and a link back, with the status.
fn refusal(user: &User, error: WebError, back: &str) -> Response {
    let problem = error.problem();
    let lang = user.lang;
    let refusal = crate::html::refusal_html(lang, &problem, back);
    let body = RefusedPage { lang, refusal }.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "supervision refusal template failed");
        crate::html::refusal_html(lang, &problem, back)
    });
    (problem.status, Html(page(k::REFUSED, Some(user), &body))).into_response()
}

fn land_above_county(user: &User) -> bool {
    user.is_land_writer() && user.actor.level != Level::County
}

fn city_land(user: &User) -> bool {
    user.is_land_writer() && user.actor.level == Level::City
}

/// A select's options: every value of `all`, named and labelled in the reader's language.
fn options<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    label: fn(T) -> Key,
    lang: Lang,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice::new(name(*v), lang.text(label(*v))))
        .collect()
}

/// The Chinese or the English of a pair that comes with the data (unescaped).
fn pick(lang: Lang, zh: &str, en: &str) -> String {
    crate::print::tr(lang, zh, en).to_owned()
}

/// Counties the user may act for (for the forms' county lists).
async fn county_options(state: &AppState, user: &User) -> Result<Vec<Choice>, WebError> {
    let city = state.registry.profile.profile.city.clone();
    let counties = user
        .door(&state.registry)
        .divisions_under(&city.as_str()[..4])
        .await?;
    Ok(counties
        .iter()
        .filter(|d| d.level == "county")
        .filter(|d| DivisionCode::parse(&d.code).is_ok_and(|c| user.actor.may_act_for(&c)))
        .map(|d| Choice::new(d.code.clone(), format!("{} {}", d.code, d.name)))
        .collect())
}

fn inspection_state(lang: Lang, inspection: &Inspection) -> Cell {
    match &inspection.closed_on {
        Some(on) => Cell::text(lang.fill(k::SUPERVISION_CLOSED_ON, &[("on", on)])).with_class("ok"),
        None => {
            let open = inspection
                .findings
                .iter()
                .filter(|f| f.state != FindingState::Closed)
                .count();
            Cell::text(lang.fill(
                k::SUPERVISION_FINDINGS_NOT_CLOSED,
                &[("open", &open.to_string())],
            ))
            .with_class("warn")
        }
    }
}

/// `templates/supervision/inspections.html`
#[derive(Template)]
#[template(path = "supervision/inspections.html")]
struct InspectionsPage {
    lang: Lang,
    /// The list of inspections (`lists::render`, a template); none when there are none.
    list: Option<String>,
    new_form: Option<NewInspection>,
}

/// The form recording an inspection.
struct NewInspection {
    csrf: String,
    counties: Vec<Choice>,
    kinds: Vec<Choice>,
    severities: Vec<Choice>,
    projects: Vec<ProjectChoice>,
    /// The user, the inspector offered.
    me: String,
    today: String,
    /// The finding rows, each optional.
    blanks: Vec<FindingBlank>,
}

/// A project offered for the project field: its code, name and county by name.
struct ProjectChoice {
    code: String,
    name: String,
    county: String,
}

/// A finding row of the new-inspection form: its number, legend and field names.
struct FindingBlank {
    n: u8,
    legend: String,
    description: String,
    severity: String,
    deadline: String,
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
    let view = InspectionsPage {
        lang,
        list: (!inspections.is_empty()).then(|| crate::lists::render(lang, &spec, &query, &rows)),
        new_form: if land_above_county(&user) {
            Some(new_inspection_form(&state, &user).await?)
        } else {
            None
        },
    };
    let body = render(&view, "supervision inspections")?;
    Ok(Html(page(k::INSPECTIONS, Some(&user), &body)).into_response())
}

/// The projects `user` reads, for a project field (`<input list=…>`): the code is what the
/// field sends, the option shows the name and the county by name.
async fn project_choices(state: &AppState, user: &User) -> Result<Vec<ProjectChoice>, WebError> {
    let projects = crate::view::readable_projects(&state.registry, user).await?;
    let names = user.door(&state.registry).division_names().await?;
    Ok(projects
        .iter()
        .map(|p| ProjectChoice {
            code: p.code.clone(),
            name: p.name.clone(),
            county: names
                .get(&p.county)
                .map_or(p.county.as_str(), String::as_str)
                .to_owned(),
        })
        .collect())
}

async fn new_inspection_form(state: &AppState, user: &User) -> Result<NewInspection, WebError> {
    let lang = user.lang;
    let blanks = (1..=3u8)
        .map(|n| FindingBlank {
            n,
            legend: lang.fill(k::SUPERVISION_FINDING_OPTIONAL, &[("n", &n.to_string())]),
            description: format!("f{n}_description"),
            severity: format!("f{n}_severity"),
            deadline: format!("f{n}_deadline"),
        })
        .collect();
    Ok(NewInspection {
        csrf: user.csrf.clone(),
        counties: county_options(state, user).await?,
        kinds: options(
            &InspectionKind::ALL,
            InspectionKind::name,
            crate::names::inspection_kind,
            lang,
        ),
        severities: options(
            &FindingSeverity::ALL,
            FindingSeverity::name,
            crate::names::finding_severity,
            lang,
        ),
        projects: project_choices(state, user).await?,
        me: user.actor.to_string(),
        today: user.today.format("%Y-%m-%d").to_string(),
        blanks,
    })
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

/// `templates/supervision/inspection.html`
#[derive(Template)]
#[template(path = "supervision/inspection.html")]
struct InspectionPage {
    lang: Lang,
    csrf: String,
    today: String,
    id: String,
    county: String,
    project: Cell,
    kind: String,
    inspected_on: String,
    inspector: String,
    summary: String,
    recorded_by: String,
    state: Cell,
    findings: Vec<FindingLine>,
}

/// A finding of the inspection page.
struct FindingLine {
    seq: i64,
    description: String,
    severity: String,
    deadline: String,
    state: String,
    overdue: bool,
    rectified: Option<Step>,
    closed: Option<Step>,
    /// The form the user may use on the finding (rectify or close).
    action: Option<FindingAction>,
}

/// A step taken on a finding: what was written, when and by whom.
struct Step {
    text: String,
    on: String,
    by: String,
}

/// The form rectifying or closing a finding: the step (`rectify`, `close`; the URL's last
/// segment and the form id's start), the text and date fields, the button.
struct FindingAction {
    verb: &'static str,
    text_name: &'static str,
    text_label: Key,
    date_name: &'static str,
    date_label: Key,
    button: Key,
}

fn step(text: Option<&String>, on: Option<&String>, by: Option<&str>) -> Option<Step> {
    match (text, on) {
        (Some(text), Some(on)) => Some(Step {
            text: text.clone(),
            on: on.clone(),
            by: by.unwrap_or("").to_owned(),
        }),
        _ => None,
    }
}

fn finding_lines(user: &User, inspection: &Inspection) -> Vec<FindingLine> {
    let lang = user.lang;
    let today = user.today;
    // require_land refuses audit (read-only) and other departments.
    let may_rectify = user.is_land_writer() && user.actor.level == Level::County;
    let may_close = land_above_county(user);
    inspection
        .findings
        .iter()
        .map(|f| {
            let overdue = input::parse_date("deadline", &f.deadline)
                .is_ok_and(|d| rectification_overdue(f.state, d, today));
            let action = match f.state {
                FindingState::Open if may_rectify => Some(FindingAction {
                    verb: "rectify",
                    text_name: "rectification",
                    text_label: k::WHAT_WAS_DONE,
                    date_name: "rectified_on",
                    date_label: k::DATE_4,
                    button: k::RECORD_THE_RECTIFICATION,
                }),
                FindingState::Rectified if may_close => Some(FindingAction {
                    verb: "close",
                    text_name: "note",
                    text_label: k::CLOSURE_OPINION,
                    date_name: "closed_on",
                    date_label: k::DATE_5,
                    button: k::CLOSE,
                }),
                _ => None,
            };
            FindingLine {
                seq: f.seq,
                description: f.description.clone(),
                severity: lang
                    .text(crate::names::finding_severity(f.severity))
                    .to_owned(),
                deadline: f.deadline.clone(),
                state: lang.text(crate::names::finding_state(f.state)).to_owned(),
                overdue,
                rectified: step(
                    f.rectification.as_ref(),
                    f.rectified_on.as_ref(),
                    f.rectified_by.as_deref(),
                ),
                closed: step(
                    f.closure_note.as_ref(),
                    f.closed_on.as_ref(),
                    f.closed_by.as_deref(),
                ),
                action,
            }
        })
        .collect()
}

/// Handles GET /supervision/inspections/{id}
pub async fn inspection_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let inspection = input::readable_inspection(&state.registry, &user, &id).await?;
    let view = InspectionPage {
        lang,
        csrf: user.csrf.clone(),
        today: user.today.format("%Y-%m-%d").to_string(),
        id: inspection.id.clone(),
        county: inspection.county.clone(),
        project: match &inspection.project {
            Some(code) => Cell::link(code.clone(), format!("/projects/{code}")),
            None => Cell::text(lang.text(k::THE_COUNTY)),
        },
        kind: lang
            .text(crate::names::inspection_kind(inspection.kind))
            .to_owned(),
        inspected_on: inspection.inspected_on.clone(),
        inspector: inspection.inspector.clone(),
        summary: inspection.summary.clone(),
        recorded_by: inspection.recorded_by.clone(),
        state: inspection_state(lang, &inspection),
        findings: finding_lines(&user, &inspection),
    };
    let body = render(&view, "supervision inspection")?;
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

/// `templates/supervision/notices.html`
#[derive(Template)]
#[template(path = "supervision/notices.html")]
struct NoticesPage {
    lang: Lang,
    csrf: String,
    today: String,
    notices: Vec<NoticeLine>,
    new_form: Option<NewNotice>,
}

/// A notice of the notices page.
struct NoticeLine {
    id: String,
    county: String,
    kind: String,
    /// `fail` for a criticism, `ok` for a commendation.
    kind_class: &'static str,
    decided_on: String,
    clause: String,
    reason: String,
    recorded_by: String,
    lifted: Lifted,
}

/// What the "lifted" column of a notice shows.
enum Lifted {
    /// Lifted: when (the text says it), why and by whom.
    Done {
        on: String,
        reason: String,
        by: String,
    },
    /// A criticism in force the user may lift: the lift form.
    Form,
    /// A criticism in force.
    InForce,
    /// A commendation (nothing is lifted).
    Nothing,
}

/// The form recording a notice.
struct NewNotice {
    counties: Vec<Choice>,
    kinds: Vec<Choice>,
}

fn notice_lines(user: &User, notices: &[Notice]) -> Vec<NoticeLine> {
    let lang = user.lang;
    notices
        .iter()
        .map(|n| {
            let lifted = match (&n.lifted_on, n.kind) {
                (Some(on), _) => Lifted::Done {
                    on: lang.fill(k::SUPERVISION_LIFTED_ON, &[("on", on)]),
                    reason: n.lift_reason.clone().unwrap_or_default(),
                    by: n.lifted_by.clone().unwrap_or_default(),
                },
                (None, NoticeKind::Criticism) if city_land(user) => Lifted::Form,
                (None, NoticeKind::Criticism) => Lifted::InForce,
                (None, NoticeKind::Commendation) => Lifted::Nothing,
            };
            NoticeLine {
                id: n.id.clone(),
                county: n.county.clone(),
                kind: lang
                    .text(crate::names::supervision_notice(n.kind))
                    .to_owned(),
                kind_class: match n.kind {
                    NoticeKind::Criticism => "fail",
                    NoticeKind::Commendation => "ok",
                },
                decided_on: n.decided_on.clone(),
                clause: n.clause.clone(),
                reason: n.reason.clone(),
                recorded_by: n.recorded_by.clone(),
                lifted,
            }
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
    let new_form = if city_land(&user) {
        Some(NewNotice {
            counties: county_options(&state, &user).await?,
            kinds: options(
                &NoticeKind::ALL,
                NoticeKind::name,
                crate::names::supervision_notice,
                lang,
            ),
        })
    } else {
        None
    };
    let view = NoticesPage {
        lang,
        csrf: user.csrf.clone(),
        today: user.today.format("%Y-%m-%d").to_string(),
        notices: notice_lines(&user, &notices),
        new_form,
    };
    let body = render(&view, "supervision notices")?;
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

fn area(lang: Lang, m2: i64) -> String {
    crate::html::area_text(lang, m2)
}

/// `templates/supervision/allocation.html`
#[derive(Template)]
#[template(path = "supervision/allocation.html")]
struct AllocationPage {
    lang: Lang,
    year: i32,
    /// The city's total asked for, as it was asked.
    total_m2: String,
    weights: Vec<Vec<Cell>>,
    summary: String,
    rows: Vec<AllocationLine>,
    /// The line saying how many counties' rows are outside the jurisdiction, if any.
    hidden: Option<String>,
    decided: Option<DecidedLines>,
    /// The decide form, for the city's land bureau while the year is not decided.
    decide: Option<DecideOffer>,
}

/// A county of the allocation's calculation.
struct AllocationLine {
    county: String,
    name: String,
    base_weight: String,
    /// The poverty level (and the transition period of an exited county).
    poverty: String,
    poverty_weight: String,
    /// `0`, or `+weight (notices)`.
    commendations: String,
    /// The criticisms suspending the county, if any.
    suspended_by: Option<String>,
    weight: String,
    share_percent: String,
    exact_m2: String,
    floor_m2: String,
    remainder: String,
    extra_m2: String,
    allocated_m2: i64,
    /// The allocated area as text.
    allocated: String,
}

/// The allocation the city decided: what, when, by whom, why, and its calculation.
struct DecidedLines {
    text: String,
    rows: Vec<AllocationLine>,
}

/// The form deciding the year's allocation.
struct DecideOffer {
    csrf: String,
    today: String,
    confirm: String,
}

fn allocation_lines(lang: Lang, rows: &[AllocationRow]) -> Vec<AllocationLine> {
    rows.iter()
        .map(|r| {
            let mut poverty = lang
                .text(match r.poverty_level {
                    Some(PovertyLevel::National) => k::NATIONAL_POVERTY_COUNTY,
                    Some(PovertyLevel::Provincial) => k::PROVINCIAL_POVERTY_COUNTY,
                    None => k::NOT_A_POVERTY_COUNTY,
                })
                .to_owned();
            // Exited, still tilted by the transition period (摘帽不摘政策): say so.
            if let (Some(exit), Some(until)) = (r.poverty_exited_on, r.poverty_transition_until) {
                poverty += &lang.fill(
                    k::SUPERVISION_POVERTY_TRANSITION,
                    &[("exit", &exit.to_string()), ("until", &until.to_string())],
                );
            }
            let commendations = if r.commendations.is_empty() {
                "0".to_owned()
            } else {
                format!(
                    "+{} ({})",
                    r.commendation_weight,
                    r.commendations.join(", ")
                )
            };
            AllocationLine {
                county: r.county.clone(),
                name: r.name.clone(),
                base_weight: r.base_weight.to_string(),
                poverty,
                poverty_weight: r.poverty_weight.to_string(),
                commendations,
                suspended_by: (!r.suspended_by.is_empty()).then(|| r.suspended_by.join(", ")),
                weight: r.weight.to_string(),
                share_percent: r.share_percent.to_string(),
                exact_m2: r.exact_m2.to_string(),
                floor_m2: r.floor_m2.to_string(),
                remainder: r.remainder.to_string(),
                extra_m2: r.extra_m2.to_string(),
                allocated_m2: r.allocated_m2,
                allocated: area(lang, r.allocated_m2),
            }
        })
        .collect()
}

fn decided_lines(lang: Lang, decided: &DecidedAllocation) -> DecidedLines {
    DecidedLines {
        text: lang.fill(
            k::SUPERVISION_DECIDED,
            &[
                ("year", &decided.year.to_string()),
                ("total", &area(lang, decided.total_m2)),
                ("on", &decided.decided_on.to_string()),
                ("by", &decided.decided_by.to_string()),
                ("reason", &decided.reason.to_string()),
            ],
        ),
        rows: allocation_lines(lang, &decided.calculation.rows),
    }
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

fn allocation_body(user: &User, view: &AllocationView) -> Result<String, WebError> {
    let lang = user.lang;
    let weights = view
        .weights
        .iter()
        .map(|w| {
            vec![
                Cell::text(lang.text(factor_name(w.factor))).titled(w.factor),
                Cell::text(w.weight.to_string()),
                Cell::text(w.clause.clone()),
                Cell::text(pick(lang, &w.note_zh, &w.note_en)),
            ]
        })
        .collect();
    let year = view.year.to_string();
    let page = AllocationPage {
        lang,
        year: view.year,
        total_m2: view.total_m2.to_string(),
        weights,
        summary: lang.fill(
            k::SUPERVISION_ALLOCATION_SUMMARY,
            &[
                ("year", &year),
                ("total", &area(lang, view.total_m2)),
                ("weight", &view.total_weight.to_string()),
                ("remaining", &view.remaining_m2.to_string()),
            ],
        ),
        rows: allocation_lines(lang, &view.rows),
        hidden: (view.rows_hidden > 0).then(|| {
            lang.fill(
                k::SUPERVISION_ROWS_HIDDEN,
                &[("count", &view.rows_hidden.to_string())],
            )
        }),
        decided: view.decided.as_ref().map(|d| decided_lines(lang, d)),
        decide: (view.decided.is_none() && city_land(user)).then(|| DecideOffer {
            csrf: user.csrf.clone(),
            today: user.today.format("%Y-%m-%d").to_string(),
            confirm: lang.fill(k::SUPERVISION_DECIDE_CONFIRM, &[("year", &year)]),
        }),
    };
    render(&page, "supervision allocation")
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
                &allocation_body(&user, &view)?,
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
