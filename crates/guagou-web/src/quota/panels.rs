//! Panels other pages embed: a project's ledger (with the city's advance form) and the
//! dashboard's list of what is overdue or due within 90 days. Each returns HTML and never fails
//! the page it sits in: a failure is logged and shown as a short note.

use crate::catalogue::{Key, k};
use std::fmt::Write as _;

use guagou_domain::RuleId;
use guagou_domain::ledger::Account;
use guagou_domain::ledger::engine::advance_limit_m2;
use guagou_domain::lifecycle::{Level, ProjectState};
use guagou_registry::projects::Project;

use super::access::{account_url, area_text, entry_link, none, segment};
use super::deadlines::{DeadlineItem, open_deadlines};
use super::ledger_pages::{form_close, form_open};
use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::html::{Lang, esc, table_in};
use crate::view;

/// How far ahead the dashboard looks for deadlines.
const DUE_SOON_DAYS: i64 = 90;

pub fn failed_panel(lang: Lang, id: &str, error: &WebError) -> String {
    let problem = error.problem();
    format!(
        "<section id=\"{id}\"><p class=\"fail\">{}</p></section>",
        lang.pair(&problem.message_zh, &problem.message_en)
    )
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

/// The panel of a project the caller already checked `user` may read.
pub(crate) async fn project_ledger(
    state: &AppState,
    user: &User,
    project: &Project,
) -> Result<String, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let code = &project.code;
    let title = lang.t(k::QUOTA_LEDGER);
    let Some(position) = user.door(registry).advance_position(code).await? else {
        return Ok(format!(
            "<section id=\"project-ledger\"><h2>{title}</h2><p class=\"none\">{}</p></section>",
            lang.t(k::A_PROJECT_ENTERS_THE_LEDGER_WHEN)
        ));
    };
    let ledger = &position.ledger;
    let limit = advance_limit_m2(
        ledger.planned_surplus_m2,
        registry.profile.advance.max_share.value,
    );
    let advance_account = Account::Advance {
        project: code.clone(),
    };
    let surplus_account = Account::Surplus {
        project: code.clone(),
    };
    let owed = position.owed_m2;
    let suspended = position.county_suspended;
    let row = |label: Key, value: String| vec![lang.t(label), value];
    let facts = vec![
        row(
            k::PLANNED_SURPLUS,
            esc(&area_text(ledger.planned_surplus_m2)),
        ),
        row(k::ADVANCE_LIMIT, esc(&area_text(limit))),
        row(k::ADVANCED_2, esc(&area_text(ledger.advanced_m2))),
        row(
            k::ADVANCE_OUTSTANDING,
            format!(
                "<a href=\"{}\">{}</a>",
                esc(&account_url(&advance_account)),
                esc(&area_text(owed))
            ),
        ),
        row(
            k::ISSUED_2,
            match ledger.issued_m2 {
                Some(m2) => format!(
                    "<a href=\"{}\">{}</a>",
                    esc(&account_url(&surplus_account)),
                    esc(&area_text(m2))
                ),
                None => lang.t(k::NOT_YET),
            },
        ),
        row(
            k::NEXT_SERIAL,
            esc(&format!("{code}:{}", ledger.next_serial)),
        ),
        row(
            k::ADVANCE_RIGHT,
            if suspended {
                format!(
                    "<span class=\"fail\">{}</span>",
                    lang.t(k::SUSPENDED_FOR_THE_COUNTY)
                )
            } else {
                lang.t(k::IN_FORCE_2)
            },
        ),
    ];
    let facts_table = table_in(lang, &[k::ITEM_2, k::VALUE_2], &facts);
    let today = user.today;
    let project_facts: Vec<_> = user
        .door(registry)
        .project_deadline_facts(code)
        .await?
        .into_iter()
        .collect();
    let deadlines = open_deadlines(&registry.profile, &project_facts, today);
    let deadline_table = if deadlines.is_empty() {
        none(lang)
    } else {
        deadline_table(lang, user, &Default::default(), &deadlines, false)
    };
    let mut out = format!(
        "<section id=\"project-ledger\"><h2>{title}</h2>{facts_table}<h3>{}</h3>{deadline_table}",
        lang.t(k::DEADLINES_AS_OF_TODAY)
    );
    let may_advance = user.is_land_writer()
        && user.actor.level == Level::City
        && matches!(
            project.state,
            ProjectState::Approved | ProjectState::Implementing
        );
    // A suspended county is told so above; it gets no form that the ledger would refuse.
    if may_advance && !suspended {
        let remaining = (limit - ledger.advanced_m2).max(0);
        let back = format!("/ledger/projects/{}", segment(code));
        let mut form = form_open(user, "/ledger/operations", "form-advance", &back)?;
        let _ = write!(
            form,
            "<input type=\"hidden\" name=\"kind\" value=\"advance\">\
             <input type=\"hidden\" name=\"project\" value=\"{code}\">\
             <label>{label} <input name=\"amount_m2\" type=\"text\" inputmode=\"decimal\" value=\"{remaining}\" required></label> ",
            code = esc(code),
            label = lang.t(k::ADVANCE_M),
        );
        form.push_str(&form_close(lang, user.today, k::ADVANCE_2));
        let _ = write!(
            out,
            "<h3>{}</h3><p>{}</p>{form}",
            lang.t(k::ADVANCE_SURPLUS_QUOTA),
            lang.pair(
                &format!(
                    "尚可预支 {}；{}；{}",
                    area_text(remaining),
                    guagou_domain::rules::title_zh(&registry.profile, RuleId::AdvanceRepaid),
                    guagou_domain::rules::title_zh(&registry.profile, RuleId::CompletionDeadline),
                ),
                &format!(
                    "{} may still be advanced; {}; {}",
                    area_text(remaining),
                    guagou_domain::rules::title_en(&registry.profile, RuleId::AdvanceRepaid),
                    guagou_domain::rules::title_en(&registry.profile, RuleId::CompletionDeadline),
                ),
            ),
        );
    }
    out.push_str("</section>");
    Ok(out)
}

/// A table of deadlines. `with_county` adds the county column (lists spanning counties).
pub(crate) fn deadline_table(
    lang: Lang,
    user: &User,
    names: &crate::names::DivisionNames,
    items: &[DeadlineItem],
    with_county: bool,
) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            let name = i.kind_label();
            let status = if i.awaiting_acceptance {
                format!(
                    "<span class=\"ok\">{}</span>",
                    lang.t(k::ACCEPTANCE_APPLIED_FOR_IN_TIME_AWAITING)
                )
            } else if !i.binding && i.days_left < 0 {
                format!(
                    "<span class=\"warn\">{}</span>",
                    lang.pair(
                        &format!("已过期限 {} 天（未预支，不制裁，可申请延期）", -i.days_left),
                        &format!(
                            "{} days past (no advance: no sanction, may be extended)",
                            -i.days_left
                        )
                    )
                )
            } else if i.overdue {
                format!(
                    "<span class=\"fail\">{}</span>",
                    lang.pair(
                        &format!("逾期 {} 天", -i.days_left),
                        &format!("overdue by {} days", -i.days_left)
                    )
                )
            } else {
                format!(
                    "<span class=\"warn\">{}</span>",
                    lang.pair(
                        &format!("{} 天后到期", i.days_left),
                        &format!("due in {} days", i.days_left)
                    )
                )
            };
            let project = if user.reads(&i.county) {
                format!(
                    "<a href=\"/projects/{}\">{}</a>",
                    esc(&segment(&i.project)),
                    esc(&i.project)
                )
            } else {
                esc(&i.project)
            };
            let mut row = vec![lang.t(name), project];
            if with_county {
                row.push(crate::names::division(names, &i.county));
            }
            row.extend([
                if i.amount_m2 > 0 {
                    esc(&area_text(i.amount_m2))
                } else {
                    String::new()
                },
                esc(&i.started_on),
                if i.extended {
                    format!("{}（{}）", esc(&i.due_on), lang.t(k::EXTENDED))
                } else {
                    esc(&i.due_on)
                },
                status,
                i.entry.map(entry_link).unwrap_or_default(),
            ]);
            row
        })
        .collect();
    let mut headers = vec![k::ITEM, k::PROJECT_2];
    if with_county {
        headers.push(k::COUNTY);
    }
    headers.extend([
        k::AREA,
        k::STARTED,
        k::LAST_VALID_DAY,
        k::STATUS,
        k::ENTRY_2,
    ]);
    table_in(lang, &headers, &rows)
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

/// Listings still open after their close date (waiting for the expiry run) and obligations
/// opened by sanctions and not yet discharged (SPEC §9: one overdue dashboard).
async fn other_open_items(
    state: &AppState,
    user: &User,
    names: &crate::names::DivisionNames,
    today: chrono::NaiveDate,
) -> Result<String, WebError> {
    let lang = user.lang;
    let registry = &state.registry;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let today_text = today.to_string();
    for listing in user
        .door(registry)
        .market_listings(Some(guagou_domain::market::ListingState::Open))
        .await?
    {
        // Dates are YYYY-MM-DD, so text order is date order.
        if listing.closes_on < today_text && user.reads(&listing.seller) {
            rows.push(vec![
                lang.t(k::LISTING_PAST_ITS_CLOSE_DATE_TO),
                format!(
                    "<a href=\"/market/listings/{id}\">{id}</a>",
                    id = esc(&listing.id)
                ),
                crate::names::division(names, &listing.seller),
                esc(&listing.closes_on),
            ]);
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
            rows.push(vec![
                lang.t(k::OPEN_OBLIGATION),
                {
                    let name = super::supervision::obligation_kind(&text("kind"));
                    format!("{} · {}", lang.t(name), esc(&text("project")))
                },
                crate::names::division(names, &text("county")),
                esc(&text("opened_on")),
            ]);
        }
    }
    if rows.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(
        "<section id=\"open-items\"><h3>{}</h3>{}</section>",
        lang.t(k::LISTINGS_AND_OBLIGATIONS),
        table_in(lang, &[k::ITEM, k::SUBJECT, k::COUNTY, k::DATE_2,], &rows)
    ))
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
    let suspended: Vec<String> = user
        .door(registry)
        .suspended_counties()
        .await?
        .into_iter()
        .filter(|c| user.reads(c.as_str()))
        .map(|c| c.to_string())
        .collect();
    let mut out = String::from("<div id=\"overdue-panel\">");
    if items.is_empty() {
        out.push_str(&format!(
            "<p class=\"none\">{}</p>",
            lang.t(k::NOTHING_OVERDUE_OR_DUE_WITHIN_90)
        ));
    } else {
        out.push_str(&deadline_table(lang, user, names, &items, true));
    }
    if !suspended.is_empty() {
        let _ = write!(
            out,
            "<p class=\"fail\" id=\"suspended\">{} {}</p>",
            lang.t(k::ADVANCE_RIGHT_SUSPENDED),
            suspended
                .iter()
                .map(|c| crate::names::division(names, c))
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    out.push_str(&other_open_items(state, user, names, today).await?);
    // Rectifications of inspection findings past their deadline, and the supervision links.
    out.push_str(&crate::inspect::overdue_rectifications_html(state, user, names, today).await);
    let _ = write!(
        out,
        "<p><a href=\"/supervision?as_of={today}\">{}</a></p></div>",
        lang.t(k::SUPERVISION_SANCTIONS_OBLIGATIONS_SCANS)
    );
    Ok(out)
}
