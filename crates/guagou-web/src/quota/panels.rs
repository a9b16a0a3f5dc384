//! Panels other pages embed: a project's ledger (with the city's advance form) and the
//! dashboard's list of what is overdue or due within 90 days. Each returns HTML and never fails
//! the page it sits in: a failure is logged and shown as a short note.

use crate::catalogue::k;

use guagou_domain::RuleId;
use guagou_domain::ledger::Account;
use guagou_domain::ledger::engine::advance_limit_m2;
use guagou_domain::lifecycle::{Level, ProjectState};
use guagou_registry::projects::Project;

use super::access::{account_url, area_text, segment};
use super::deadlines::{DeadlineItem, open_deadlines};
use super::ledger_pages::{decimal_input, hidden};
use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::html::Lang;
use crate::view;

/// How far ahead the dashboard looks for deadlines.
const DUE_SOON_DAYS: i64 = 90;

#[derive(askama::Template)]
#[template(path = "partials/failed.html")]
struct FailedPanel<'a> {
    id: &'a str,
    message: &'a str,
}

/// A panel that could not be read: why, in the reader's language, under the panel's id.
pub fn failed_panel(lang: Lang, id: &str, error: &WebError) -> String {
    crate::page_cache::degraded();
    let problem = error.problem();
    let panel = FailedPanel {
        id,
        message: crate::print::tr(lang, &problem.message_zh, &problem.message_en),
    };
    askama::Template::render(&panel).unwrap_or_else(|e| {
        tracing::error!(error = %e, "failed-panel template failed");
        String::new()
    })
}

/// The ledger panel of project `code` for the project page: planned surplus, the advance
/// limit, what was advanced, is owed and was issued, the deadlines, and (for the city's land
/// bureau, on an approved or implementing project) the advance form. Empty when the user may
/// not read the project.
pub async fn project_ledger_html(state: &AppState, user: &User, code: &str) -> String {
    let project = match view::readable_project(&state.registry, user, code).await {
        Ok(p) => p,
        Err(WebError::NotFound) => return String::new(),
        Err(e) => return failed_panel(user.lang, "project-ledger", &e),
    };
    match project_ledger(state, user, &project).await {
        Ok(html) => html,
        Err(e) => failed_panel(user.lang, "project-ledger", &e),
    }
}

/// The facts of a project's ledger, as the panel shows them.
struct LedgerFacts {
    planned: String,
    limit: String,
    advanced: String,
    owed: String,
    owed_href: String,
    issued: Option<String>,
    issued_href: String,
    next_serial: String,
    suspended: bool,
}

#[derive(askama::Template)]
#[template(path = "quota/project_ledger.html")]
struct ProjectLedger {
    lang: Lang,
    /// `None` before the project enters the ledger.
    facts: Option<LedgerFacts>,
    /// The deadlines table (its own template), empty when there are none.
    deadlines: String,
    /// The advance form (built by the ledger's form helpers), for the city's land bureau.
    advance_form: Option<String>,
    advance_note: String,
}

/// The ledger panel of a project the caller already read through the door (the project page):
/// no second read of the project; a failure shows in the panel.
pub async fn project_ledger_panel(state: &AppState, user: &User, project: &Project) -> String {
    match project_ledger(state, user, project).await {
        Ok(html) => html,
        Err(e) => failed_panel(user.lang, "project-ledger", &e),
    }
}

/// The panel of a project the caller already checked `user` may read.
pub(crate) async fn project_ledger(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<String, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let code = &project.code;
    let Some(position) = user.door(registry).advance_position(code).await? else {
        let empty = ProjectLedger {
            lang,
            facts: None,
            deadlines: String::new(),
            advance_form: None,
            advance_note: String::new(),
        };
        return crate::partials::render(&empty, "project ledger");
    };
    let ledger = &position.ledger;
    let limit = advance_limit_m2(
        ledger.planned_surplus_m2,
        registry.profile.advance.max_share.value,
    );
    let suspended = position.county_suspended;
    let facts = LedgerFacts {
        planned: area_text(lang, ledger.planned_surplus_m2),
        limit: area_text(lang, limit),
        advanced: area_text(lang, ledger.advanced_m2),
        owed: area_text(lang, position.owed_m2),
        owed_href: account_url(&Account::Advance {
            project: code.clone(),
        }),
        issued: ledger.issued_m2.map(|m2| area_text(lang, m2)),
        issued_href: account_url(&Account::Surplus {
            project: code.clone(),
        }),
        next_serial: format!("{code}:{}", ledger.next_serial),
        suspended,
    };
    let project_facts: Vec<_> = user
        .door(registry)
        .project_deadline_facts(code)
        .await?
        .into_iter()
        .collect();
    let deadlines = open_deadlines(&registry.profile, &project_facts, user.today);
    let deadlines = if deadlines.is_empty() {
        String::new()
    } else {
        deadline_table(lang, user, &Default::default(), &deadlines, false)
    };
    let may_advance = user.is_land_writer()
        && user.actor.level == Level::City
        && matches!(
            project.state,
            ProjectState::Approved | ProjectState::Implementing
        );
    let remaining = (limit - ledger.advanced_m2).max(0);
    // A suspended county is told so above; it gets no form that the ledger would refuse.
    let advance_form = if may_advance && !suspended {
        Some(advance_form(user, code, remaining)?)
    } else {
        None
    };
    let profile = &registry.profile;
    let advance_note = lang.fill(
        k::ADVANCE_STILL_POSSIBLE,
        &[
            ("remaining", &area_text(lang, remaining)),
            ("repaid", &rule_title(lang, profile, RuleId::AdvanceRepaid)),
            (
                "deadline",
                &rule_title(lang, profile, RuleId::CompletionDeadline),
            ),
        ],
    );
    let panel = ProjectLedger {
        lang,
        facts: Some(facts),
        deadlines,
        advance_form,
        advance_note,
    };
    crate::partials::render(&panel, "project ledger")
}

fn rule_title(lang: Lang, profile: &guagou_domain::Profile, rule: RuleId) -> String {
    match lang {
        Lang::Zh => guagou_domain::rules::title_zh(profile, rule),
        Lang::En => guagou_domain::rules::title_en(profile, rule),
    }
}

/// The advance form of a project (the ledger's operation form, kind `advance`).
fn advance_form(user: &User, code: &str, remaining: i64) -> Result<String, WebError> {
    let back = format!("/ledger/projects/{}", segment(code));
    super::ledger_pages::operation_form(
        user,
        ("/ledger/operations", "form-advance", &back),
        None,
        vec![
            hidden("kind", "advance"),
            hidden("project", code),
            decimal_input(k::ADVANCE_M, "amount_m2", remaining.to_string()),
        ],
        k::ADVANCE_2,
    )
}

/// A deadline as a row of the deadlines table.
struct DeadlineLine<'a> {
    kind: &'static str,
    project: &'a str,
    project_href: Option<String>,
    county: &'a str,
    county_name: String,
    area: String,
    started_on: &'a str,
    due_on: String,
    class: &'static str,
    status: String,
    entry: Option<u64>,
}

#[derive(askama::Template)]
#[template(path = "quota/deadlines.html")]
struct DeadlineTable<'a> {
    lang: Lang,
    with_county: bool,
    rows: Vec<DeadlineLine<'a>>,
}

fn deadline_status(lang: Lang, i: &DeadlineItem) -> (&'static str, String) {
    let days = |d: i64| d.to_string();
    if i.awaiting_acceptance {
        (
            "ok",
            lang.text(k::ACCEPTANCE_APPLIED_FOR_IN_TIME_AWAITING)
                .to_owned(),
        )
    } else if !i.binding && i.days_left < 0 {
        (
            "warn",
            lang.fill(
                k::DEADLINE_PAST_NO_SANCTION,
                &[("days", &days(-i.days_left))],
            ),
        )
    } else if i.overdue {
        (
            "fail",
            lang.fill(k::TODO_OVERDUE_BY_DAYS, &[("days", &days(-i.days_left))]),
        )
    } else {
        (
            "warn",
            lang.fill(k::TODO_DUE_IN_DAYS, &[("days", &days(i.days_left))]),
        )
    }
}

/// A table of deadlines. `with_county` adds the county column (lists spanning counties).
pub(crate) fn deadline_table(
    lang: Lang,
    user: &User,
    names: &crate::names::DivisionNames,
    items: &[DeadlineItem],
    with_county: bool,
) -> String {
    let rows = items
        .iter()
        .map(|i| {
            let (class, status) = deadline_status(lang, i);
            DeadlineLine {
                kind: lang.text(i.kind_label()),
                project: &i.project,
                project_href: user
                    .reads(&i.county)
                    .then(|| format!("/projects/{}", segment(&i.project))),
                county: &i.county,
                county_name: names.get(&i.county).cloned().unwrap_or_default(),
                area: if i.amount_m2 > 0 {
                    area_text(lang, i.amount_m2)
                } else {
                    String::new()
                },
                started_on: &i.started_on,
                due_on: if i.extended {
                    format!("{}（{}）", i.due_on, lang.text(k::EXTENDED))
                } else {
                    i.due_on.clone()
                },
                class,
                status,
                entry: i.entry,
            }
        })
        .collect();
    let table = DeadlineTable {
        lang,
        with_county,
        rows,
    };
    crate::partials::render(&table, "deadlines")
        .unwrap_or_else(|e| failed_panel(lang, "deadlines", &e))
}

/// The dashboard panel: what is overdue or due within 90 days in `user`'s jurisdiction
/// (advances to repay, completions due) and the counties whose advance right is suspended.
pub async fn overdue_html(
    state: &AppState,
    user: &User,
    names: &crate::names::DivisionNames,
) -> String {
    match overdue(state, user, names).await {
        Ok(html) => html,
        Err(e) => failed_panel(user.lang, "overdue-panel", &e),
    }
}

/// A listing past its close or an open obligation, as the overdue panel lists it.
struct OpenItem {
    kind: crate::catalogue::Key,
    subject: String,
    href: Option<String>,
    county: String,
    county_name: String,
    date: String,
}

#[derive(askama::Template)]
#[template(path = "quota/overdue.html")]
struct OverduePanel {
    lang: Lang,
    /// The deadlines table (its own template), empty when nothing is due.
    deadlines: String,
    /// (code, name) of the counties whose advance right is suspended.
    suspended: Vec<(String, String)>,
    open_items: Vec<OpenItem>,
    /// The inspections' overdue rectifications (their own panel).
    rectifications: String,
    today: chrono::NaiveDate,
}

/// Listings still open after their close date (waiting for the expiry run) and obligations
/// opened by sanctions and not yet discharged (SPEC §9: one overdue dashboard).
async fn other_open_items(
    state: &AppState,
    user: &User,
    names: &crate::names::DivisionNames,
    today: chrono::NaiveDate,
) -> Result<Vec<OpenItem>, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_default();
    let mut items = Vec::new();
    let today_text = today.to_string();
    for listing in user
        .door(registry)
        .market_listings(Some(guagou_domain::market::ListingState::Open))
        .await?
    {
        // Dates are YYYY-MM-DD, so text order is date order.
        if listing.closes_on < today_text && user.reads(&listing.seller) {
            items.push(OpenItem {
                kind: k::LISTING_PAST_ITS_CLOSE_DATE_TO,
                href: Some(format!("/market/listings/{}", listing.id)),
                subject: listing.id.clone(),
                county_name: name_of(&listing.seller),
                county: listing.seller.clone(),
                date: listing.closes_on.clone(),
            });
        }
    }
    for obligation in user.door(registry).obligations().await? {
        let text = |key: &str| {
            obligation
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let open = obligation
            .get("closed_on")
            .is_none_or(serde_json::Value::is_null);
        if open && user.reads(&text("county")) {
            let kind = super::supervision::obligation_kind(&text("kind"));
            items.push(OpenItem {
                kind: k::OPEN_OBLIGATION,
                subject: format!("{} · {}", lang.text(kind), text("project")),
                href: None,
                county_name: name_of(&text("county")),
                county: text("county"),
                date: text("opened_on"),
            });
        }
    }
    Ok(items)
}

async fn overdue(
    state: &AppState,
    user: &User,
    names: &crate::names::DivisionNames,
) -> Result<String, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let today = user.today;
    let facts: Vec<_> = user
        .door(registry)
        .deadline_facts()
        .await?
        .into_iter()
        .filter(|f| user.reads(f.county.as_str()))
        .collect();
    let items: Vec<DeadlineItem> = open_deadlines(&registry.profile, &facts, today)
        .into_iter()
        .filter(|i| i.days_left <= DUE_SOON_DAYS)
        .collect();
    let suspended = user
        .door(registry)
        .suspended_counties()
        .await?
        .into_iter()
        .filter(|c| user.reads(c.as_str()))
        .map(|c| {
            let code = c.to_string();
            let name = names.get(&code).cloned().unwrap_or_default();
            (code, name)
        })
        .collect();
    let panel = OverduePanel {
        lang,
        deadlines: if items.is_empty() {
            String::new()
        } else {
            deadline_table(lang, user, names, &items, true)
        },
        suspended,
        open_items: other_open_items(state, user, names, today).await?,
        // Rectifications of inspection findings past their deadline.
        rectifications: crate::inspect::overdue_rectifications_html(state, user, names, today)
            .await,
        today,
    };
    crate::partials::render(&panel, "overdue panel")
}
