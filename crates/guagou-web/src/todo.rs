//! 待办中心 (issue 14 item 8): what waits for the signed-in user, on the dashboard, with its
//! count beside 工作台 in the navigation.
//!
//! Each kind of item comes from the door's reads (already limited to the user's jurisdiction)
//! and is kept only when the user's department does the work: the land bureau answers
//! objections, rectifies findings, repays advances, follows instalments and runs the listing
//! expiry; finance follows instalments (money to come in); a consultation department gives its
//! opinion on plans; audit reads and has nothing to do. The builders below are pure (facts in,
//! items out) and unit-tested; `load` gathers the facts.
//!
//! The count in the navigation is cached per principal and recomputed when the audit log has a
//! new record (every write adds one; the head's hash also tells one registry from another) or
//! the day changes, so a page pays one indexed read for it.

use crate::catalogue::{Key, k};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use chrono::NaiveDate;
use guagou_domain::Department;
use guagou_domain::lifecycle::PlanState;
use guagou_domain::market::ListingState;
use guagou_domain::profile::NoticeDurations;
use guagou_domain::supervision::FindingState;
use guagou_registry::inspections::Inspection;
use guagou_registry::market::Agreement;
use guagou_registry::notice::{Notice, Objection};
use guagou_registry::plans::Plan;

use crate::AppState;
use crate::auth::User;
use crate::error::WebError;
use crate::html::Lang;
use crate::quota::deadlines::DeadlineItem;

/// Items due within this many days are listed (overdue ones always).
pub const HORIZON_DAYS: i64 = 30;

/// A public notice closing within this many days is listed (objections close with it).
pub const NOTICE_CLOSING_DAYS: i64 = 7;

/// What kind of work an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TodoKind {
    /// A project waiting for a step the user may take.
    Project,
    /// A villager's objection to answer.
    Objection,
    /// An instalment of a transfer agreement to be paid.
    Instalment,
    /// A finding of an inspection to rectify.
    Rectification,
    /// An advance to repay or a project to complete.
    Deadline,
    /// A public notice about to close.
    NoticeClosing,
    /// A listing past its close date, waiting for the expiry run.
    ListingToExpire,
    /// A plan in consultation without this department's opinion.
    PlanOpinion,
}

impl TodoKind {
    /// The name of the kind (Chinese, English).
    pub fn label(self) -> Key {
        match self {
            TodoKind::Project => k::PROJECT_STEP_TO_TAKE,
            TodoKind::Objection => k::OBJECTION_TO_ANSWER,
            TodoKind::Instalment => k::INSTALMENT_TO_BE_PAID,
            TodoKind::Rectification => k::FINDING_TO_RECTIFY,
            TodoKind::Deadline => k::PROJECT_DEADLINE,
            TodoKind::NoticeClosing => k::NOTICE_CLOSING,
            TodoKind::ListingToExpire => k::LISTING_TO_EXPIRE,
            TodoKind::PlanOpinion => k::PLAN_AWAITING_OUR_OPINION,
        }
    }
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoItem {
    pub kind: TodoKind,
    /// The page where it is done.
    pub href: String,
    /// What it is about, as the user knows it (a name, with its number).
    pub subject: String,
    /// What kind of it, named in the reader's language when the page is drawn (a deadline's
    /// kind), shown after the subject.
    pub detail: Option<Key>,
    /// The county concerned (code; pages show its name).
    pub county: String,
    /// The last day, when there is one.
    pub due_on: Option<NaiveDate>,
    /// Days until `due_on` (negative: overdue).
    pub days_left: Option<i64>,
}

impl TodoItem {
    fn dated(
        kind: TodoKind,
        href: String,
        subject: String,
        county: &str,
        due_on: NaiveDate,
        today: NaiveDate,
    ) -> TodoItem {
        TodoItem {
            kind,
            href,
            subject,
            detail: None,
            county: county.to_owned(),
            due_on: Some(due_on),
            days_left: Some((due_on - today).num_days()),
        }
    }

    /// The same item with its kind named after the subject.
    fn with_detail(self, detail: Key) -> TodoItem {
        TodoItem {
            detail: Some(detail),
            ..self
        }
    }

    /// Whether the last day has passed.
    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    crate::lists::day(text)
}

fn within_horizon(due: NaiveDate, today: NaiveDate, days: i64) -> bool {
    (due - today).num_days() <= days
}

/// Objections not yet answered (every one is listed: the answer period is short).
pub fn objection_items(
    objections: &[Objection],
    counties: &BTreeMap<String, String>,
    durations: &NoticeDurations,
    today: NaiveDate,
) -> Vec<TodoItem> {
    objections
        .iter()
        .filter(|o| o.answer.is_none())
        .map(|o| {
            let county = counties.get(&o.code).cloned().unwrap_or_default();
            TodoItem::dated(
                TodoKind::Objection,
                format!("/notices/{}", o.code),
                format!("{} · {}", o.code, o.receipt),
                &county,
                o.answer_due(durations),
                today,
            )
        })
        .collect()
}

/// Instalments of signed agreements not fully received, due within the horizon or overdue.
pub fn instalment_items(agreements: &[Agreement], today: NaiveDate) -> Vec<TodoItem> {
    let mut out = Vec::new();
    for agreement in agreements {
        for instalment in &agreement.schedule {
            let Some(due) = date(&instalment.due_on) else {
                continue;
            };
            if instalment.received_fen < instalment.amount_fen
                && within_horizon(due, today, HORIZON_DAYS)
            {
                out.push(TodoItem::dated(
                    TodoKind::Instalment,
                    format!("/market/agreements/{}", agreement.id),
                    format!("{} · {}", agreement.id, instalment.number),
                    &agreement.buyer,
                    due,
                    today,
                ));
            }
        }
    }
    out
}

/// Open findings whose rectification is due within the horizon or overdue.
pub fn rectification_items(inspections: &[Inspection], today: NaiveDate) -> Vec<TodoItem> {
    let mut out = Vec::new();
    for inspection in inspections {
        for finding in &inspection.findings {
            let Some(due) = date(&finding.deadline) else {
                continue;
            };
            if finding.state == FindingState::Open && within_horizon(due, today, HORIZON_DAYS) {
                out.push(TodoItem::dated(
                    TodoKind::Rectification,
                    format!("/supervision/inspections/{}", inspection.id),
                    format!("{} · {}", inspection.id, finding.description),
                    &inspection.county,
                    due,
                    today,
                ));
            }
        }
    }
    out
}

/// Deadlines (advances to repay, completions) due within the horizon or overdue, unless the
/// clock is stopped by an acceptance application.
pub fn deadline_items(deadlines: &[DeadlineItem], today: NaiveDate) -> Vec<TodoItem> {
    deadlines
        .iter()
        .filter(|d| !d.awaiting_acceptance && d.days_left <= HORIZON_DAYS)
        .filter_map(|d| {
            let due = date(&d.due_on)?;
            Some(
                TodoItem::dated(
                    TodoKind::Deadline,
                    format!("/projects/{}", d.project),
                    d.project.clone(),
                    &d.county,
                    due,
                    today,
                )
                .with_detail(d.kind_label()),
            )
        })
        .collect()
}

/// Public notices open today and closing within `NOTICE_CLOSING_DAYS`.
pub fn notice_items(notices: &[Notice], today: NaiveDate) -> Vec<TodoItem> {
    notices
        .iter()
        .filter(|n| {
            n.period.starts_on <= today
                && n.period.ends_on >= today
                && within_horizon(n.period.ends_on, today, NOTICE_CLOSING_DAYS)
        })
        .map(|n| {
            TodoItem::dated(
                TodoKind::NoticeClosing,
                format!("/notices/{}", n.code),
                format!("{} · {}", n.project_name, n.code),
                &n.county,
                n.period.ends_on,
                today,
            )
        })
        .collect()
}

/// Plans in consultation without an opinion of `department` (the profile's Chinese name).
pub fn plan_opinion_items(plans: &[Plan], department: &str) -> Vec<TodoItem> {
    plans
        .iter()
        .filter(|p| {
            p.state == PlanState::Consulting
                && !p.opinions.iter().any(|o| o.department == department)
        })
        .map(|p| TodoItem {
            kind: TodoKind::PlanOpinion,
            href: format!("/plans/{}", p.id),
            subject: p.title.clone(),
            detail: None,
            county: p.county.clone(),
            due_on: None,
            days_left: None,
        })
        .collect()
}

/// Overdue first, then by the last day; undated items last, by kind.
pub fn sort(items: &mut [TodoItem]) {
    items.sort_by(|a, b| {
        (a.days_left.is_none(), a.days_left, a.kind, &a.subject).cmp(&(
            b.days_left.is_none(),
            b.days_left,
            b.kind,
            &b.subject,
        ))
    });
}

/// Everything waiting for `user` today, sorted.
pub async fn load(state: &AppState, user: &User) -> Result<Vec<TodoItem>, WebError> {
    let registry = &state.registry;
    let door = user.door(registry);
    let today = user.today;
    let mut items = Vec::new();
    match &user.actor.department {
        Department::Land => {
            for project in crate::view::readable_projects(registry, user).await? {
                if !crate::view::available_actions(registry, user, project.state).is_empty() {
                    items.push(TodoItem {
                        kind: TodoKind::Project,
                        href: format!("/projects/{}", project.code),
                        subject: format!("{} · {}", project.name, project.code),
                        detail: None,
                        county: project.county.to_string(),
                        due_on: None,
                        days_left: None,
                    });
                }
            }
            let objections = door
                .objections_to_answer()
                .await
                .map_err(guagou_registry::error::RegistryError::from)?;
            let mut counties = BTreeMap::new();
            let mut notices = Vec::new();
            for notice in registry
                .public()
                .public_notices()
                .await
                .map_err(guagou_registry::error::RegistryError::from)?
            {
                counties.insert(notice.code.clone(), notice.county.clone());
                if door.writes_notices_of(&notice.county) {
                    notices.push(notice);
                }
            }
            items.extend(objection_items(
                &objections,
                &counties,
                &door.profile().notice,
                today,
            ));
            items.extend(notice_items(&notices, today));
            items.extend(rectification_items(&door.inspections().await?, today));
            let facts: Vec<_> = door
                .deadline_facts()
                .await?
                .into_iter()
                .filter(|f| user.reads(f.county.as_str()))
                .collect();
            let deadlines =
                crate::quota::deadlines::open_deadlines(&registry.profile, &facts, today);
            items.extend(deadline_items(&deadlines, today));
            items.extend(instalment_items(&door.signed_agreements().await?, today));
            if user.actor.level != guagou_domain::lifecycle::Level::County {
                for listing in door.market_listings(Some(ListingState::Open)).await? {
                    if date(&listing.closes_on).is_some_and(|c| c < today)
                        && user.reads(&listing.seller)
                    {
                        items.push(TodoItem {
                            kind: TodoKind::ListingToExpire,
                            href: format!("/market/listings/{}", listing.id),
                            subject: listing.id.clone(),
                            detail: None,
                            county: listing.seller.clone(),
                            due_on: date(&listing.closes_on),
                            days_left: date(&listing.closes_on).map(|c| (c - today).num_days()),
                        });
                    }
                }
            }
        }
        Department::Finance => {
            items.extend(instalment_items(&door.signed_agreements().await?, today));
        }
        Department::Reviewer(name) => {
            items.extend(plan_opinion_items(&door.plans().await?, name));
        }
        Department::Audit => {}
    }
    sort(&mut items);
    Ok(items)
}

/// A kind's card on the dashboard.
struct Card {
    id: &'static str,
    label: &'static str,
    count: usize,
    overdue: usize,
    overdue_text: String,
}

/// One row of the to-do table.
struct Row {
    id: &'static str,
    first: bool,
    kind: &'static str,
    href: String,
    subject: String,
    county: String,
    county_code: String,
    due: String,
    overdue: bool,
    status: String,
}

#[derive(askama::Template)]
#[template(path = "todo.html")]
struct TodoSection {
    heading: &'static str,
    empty: &'static str,
    cards: Vec<Card>,
    rows: Vec<Row>,
    col_kind: &'static str,
    col_subject: &'static str,
    col_county: &'static str,
    col_due: &'static str,
    col_status: &'static str,
}

impl TodoKind {
    /// The element id of the kind (cards link to its first row).
    fn id(self) -> &'static str {
        match self {
            TodoKind::Project => "project",
            TodoKind::Objection => "objection",
            TodoKind::Instalment => "instalment",
            TodoKind::Rectification => "rectification",
            TodoKind::Deadline => "deadline",
            TodoKind::NoticeClosing => "notice",
            TodoKind::ListingToExpire => "listing",
            TodoKind::PlanOpinion => "plan",
        }
    }
}

/// The status of an item in `lang`: overdue by n days, due today, due in n days, or to do.
fn status_text(lang: Lang, days_left: Option<i64>) -> String {
    match days_left {
        Some(d) if d < 0 => lang.fill(k::TODO_OVERDUE_BY_DAYS, &[("days", &(-d).to_string())]),
        Some(0) => lang.text(k::TODO_DUE_TODAY).to_owned(),
        Some(d) => lang.fill(k::TODO_DUE_IN_DAYS, &[("days", &d.to_string())]),
        None => lang.text(k::TODO_TO_DO).to_owned(),
    }
}

/// The dashboard's to-do section: a card per kind (with how many are overdue) and the items.
pub fn section_html(lang: Lang, items: &[TodoItem], names: &BTreeMap<String, String>) -> String {
    let pick = |key| lang.text(key);
    let mut cards: Vec<Card> = Vec::new();
    let mut kinds: Vec<TodoKind> = items.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let of_kind = items.iter().filter(|i| i.kind == kind);
        let overdue = of_kind.clone().filter(|i| i.overdue()).count();
        let name = kind.label();
        cards.push(Card {
            id: kind.id(),
            label: pick(name),
            count: of_kind.count(),
            overdue,
            overdue_text: lang.fill(k::TODO_OVERDUE_COUNT, &[("count", &overdue.to_string())]),
        });
    }
    let mut seen = std::collections::HashSet::new();
    let rows = items
        .iter()
        .map(|i| {
            let name = i.kind.label();
            Row {
                id: i.kind.id(),
                first: seen.insert(i.kind),
                kind: pick(name),
                href: i.href.clone(),
                subject: match i.detail {
                    Some(detail) => format!("{} · {}", i.subject, lang.text(detail)),
                    None => i.subject.clone(),
                },
                county: names
                    .get(&i.county)
                    .cloned()
                    .unwrap_or_else(|| i.county.clone()),
                county_code: i.county.clone(),
                due: i.due_on.map(|d| d.to_string()).unwrap_or_default(),
                overdue: i.overdue(),
                status: status_text(lang, i.days_left),
            }
        })
        .collect();
    let section = TodoSection {
        heading: pick(k::TO_DO),
        empty: pick(k::NOTHING_WAITS_FOR_YOU_NOW),
        cards,
        rows,
        col_kind: pick(k::ITEM),
        col_subject: pick(k::SUBJECT),
        col_county: pick(k::COUNTY),
        col_due: pick(k::LAST_DAY),
        col_status: pick(k::STATUS),
    };
    askama::Template::render(&section).unwrap_or_else(|e| {
        tracing::error!(error = %e, "to-do template failed");
        String::new()
    })
}

/// The cached count of one principal: valid while the audit head and the day stand.
#[derive(Clone)]
struct Cached {
    head: String,
    today: NaiveDate,
    count: usize,
}

fn cache() -> &'static Mutex<HashMap<String, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Principals whose counts are kept; beyond this the cache starts afresh.
const CACHE_LIMIT: usize = 10_000;

/// How many items wait for `user` (for the navigation); `None` when they cannot be read now
/// (the page still renders, without a count).
pub async fn count(state: &AppState, user: &User) -> Option<usize> {
    if user.actor.department == Department::Audit {
        return Some(0);
    }
    let key = user.actor.to_string();
    let head = match &user.audit_head {
        Some(head) => head.clone(),
        None => match user.door(&state.registry).audit_head_hash().await {
            Ok(head) => head,
            Err(e) => {
                tracing::warn!(error = %e, "to-do count: audit head not read");
                return None;
            }
        },
    };
    let cached = cache().lock().ok().and_then(|c| c.get(&key).cloned());
    if let Some(c) = cached
        && c.head == head
        && c.today == user.today
    {
        return Some(c.count);
    }
    match load(state, user).await {
        Ok(items) => {
            if let Ok(mut c) = cache().lock() {
                if c.len() >= CACHE_LIMIT {
                    c.clear();
                }
                c.insert(
                    key,
                    Cached {
                        head,
                        today: user.today,
                        count: items.len(),
                    },
                );
            }
            Some(items.len())
        }
        Err(e) => {
            tracing::warn!(error = %e, "to-do count not computed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guagou_registry::market::ScheduledInstalment;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn agreement(schedule: Vec<ScheduledInstalment>) -> Agreement {
        Agreement {
            id: "SC-1".into(),
            listing: "L".into(),
            offer: "O".into(),
            seller: "511722".into(),
            buyer: "511702".into(),
            amount_m2: 1000,
            price_fen_per_mu: 1,
            total_fen: 300,
            signed_on: "2026-01-01".into(),
            signed_by: "x@511722".into(),
            state: guagou_domain::market::AgreementState::Signed,
            settled_on: None,
            transfer_seq: None,
            cancelled_on: None,
            cancel_reason: None,
            schedule,
            payments: Vec::new(),
            received_fen: 0,
        }
    }

    fn instalment(number: i64, due_on: &str, amount: i64, received: i64) -> ScheduledInstalment {
        ScheduledInstalment {
            number,
            due_on: due_on.into(),
            amount_fen: amount,
            received_fen: received,
        }
    }

    #[test]
    fn instalments_due_soon_or_overdue_and_unpaid_are_listed() {
        let today = day("2026-12-07");
        let items = instalment_items(
            &[agreement(vec![
                instalment(1, "2026-11-30", 100, 100), // paid
                instalment(2, "2026-12-01", 100, 50),  // overdue, part paid
                instalment(3, "2026-12-20", 100, 0),   // due in 13 days
                instalment(4, "2027-06-30", 100, 0),   // later
            ])],
            today,
        );
        let days: Vec<_> = items.iter().map(|i| i.days_left).collect();
        assert_eq!(days, vec![Some(-6), Some(13)]);
        assert!(items[0].overdue() && !items[1].overdue());
        assert_eq!(items[0].href, "/market/agreements/SC-1");
        assert_eq!(items[0].county, "511702", "the buyer pays");
    }

    #[test]
    fn a_deadlines_kind_is_named_in_the_readers_language() {
        let item = TodoItem::dated(
            TodoKind::Deadline,
            "/projects/511722-2018-001".into(),
            "511722-2018-001".into(),
            "511722",
            day("2026-12-20"),
            day("2026-12-07"),
        )
        .with_detail(k::ADVANCE_REPAYMENT);
        let names = BTreeMap::new();
        let zh = section_html(Lang::Zh, std::slice::from_ref(&item), &names);
        let en = section_html(Lang::En, &[item], &names);
        let (zh_name, en_name) = k::ADVANCE_REPAYMENT.pair();
        assert!(zh.contains(&format!("511722-2018-001 · {zh_name}")), "{zh}");
        assert!(en.contains(&format!("511722-2018-001 · {en_name}")), "{en}");
        assert!(!en.contains(zh_name), "{en}");
    }

    #[test]
    fn overdue_items_come_first_and_undated_last() {
        let today = day("2026-12-07");
        let dated = |days: i64| TodoItem {
            kind: TodoKind::Deadline,
            href: String::new(),
            subject: days.to_string(),
            detail: None,
            county: String::new(),
            due_on: today.checked_add_signed(chrono::Duration::days(days)),
            days_left: Some(days),
        };
        let mut items = vec![
            TodoItem {
                kind: TodoKind::Project,
                href: String::new(),
                subject: "p".into(),
                detail: None,
                county: String::new(),
                due_on: None,
                days_left: None,
            },
            dated(12),
            dated(-40),
            dated(0),
        ];
        sort(&mut items);
        let order: Vec<_> = items.iter().map(|i| i.days_left).collect();
        assert_eq!(order, vec![Some(-40), Some(0), Some(12), None]);
    }

    #[test]
    fn only_open_findings_due_within_the_horizon_are_listed() {
        use guagou_registry::inspections::Finding;
        let today = day("2026-12-07");
        let finding = |seq: i64, deadline: &str, state: FindingState| Finding {
            seq,
            description: format!("问题{seq}"),
            severity: guagou_domain::supervision::FindingSeverity::Minor,
            deadline: deadline.into(),
            state,
            rectification: None,
            rectified_on: None,
            rectified_by: None,
            closure_note: None,
            closed_on: None,
            closed_by: None,
        };
        let inspection = Inspection {
            id: "JC-1".into(),
            county: "511722".into(),
            project: None,
            kind: guagou_domain::supervision::InspectionKind::Construction,
            inspected_on: "2026-11-01".into(),
            inspector: "a@511700".into(),
            summary: String::new(),
            recorded_by: "a@511700".into(),
            closed_on: None,
            findings: vec![
                finding(1, "2026-12-01", FindingState::Open),
                finding(2, "2026-12-01", FindingState::Rectified),
                finding(3, "2026-12-30", FindingState::Open),
                finding(4, "2027-03-01", FindingState::Open),
            ],
        };
        let items = rectification_items(&[inspection], today);
        let subjects: Vec<_> = items.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(subjects, vec!["JC-1 · 问题1", "JC-1 · 问题3"]);
    }
}
