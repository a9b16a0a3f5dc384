//! The journal entries of the quota ledger as a list a clerk can search, filter (county,
//! operation kind, year and dates of effect), sort, page and export (issue 14 item 7).
//!
//! The registry's door decides which entries the reader sees (`Door::journal_list`: an entry
//! with a leg on an account of the reader's jurisdiction) and applies the county, kind and date
//! filters in SQL, so the newest `ENTRIES_LISTED` entries it answers are the newest that match;
//! the list machinery then searches, sorts and pages those.

use crate::catalogue::{Key, k};
use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use guagou_registry::ledger_view::{EntrySummary, JournalFilter};

use super::access::operation_kind;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::html::Lang;
use crate::lists::{Cell, Column, ListQuery, ListRow, ListSpec};

/// The newest matching entries the list reads (search, sorting, paging and export work on
/// these; the page says when more matched).
pub(crate) const ENTRIES_LISTED: u32 = 5_000;

pub const COLUMNS: &[Column] = &[
    Column {
        key: "seq",
        name: k::ENTRY_2,
        numeric: true,
    },
    Column {
        key: "date",
        name: k::EFFECTIVE_2,
        numeric: false,
    },
    Column {
        key: "kind",
        name: k::OPERATION_3,
        numeric: false,
    },
    Column {
        key: "county",
        name: k::COUNTY,
        numeric: false,
    },
    Column {
        key: "project",
        name: k::PROJECT_2,
        numeric: false,
    },
    Column {
        key: "amount",
        name: k::AMOUNT_M_3,
        numeric: true,
    },
    Column {
        key: "reason",
        name: k::REASON,
        numeric: false,
    },
];

/// The operation kinds as stored, in the order of the filter.
const KINDS: &[&str] = &[
    "advance",
    "issue",
    "repay",
    "reserve",
    "release",
    "list",
    "withdraw",
    "transfer",
    "use",
    "grant_annual_plan",
    "deduct",
    "reverse",
];

/// What the door filters in SQL: the county, a known kind, and the dates (a year narrows the
/// range). Unreadable values are left out, as the list machinery does.
fn journal_filter(query: &ListQuery) -> JournalFilter {
    let date = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    let mut from = date(&query.from);
    let mut to = date(&query.to);
    if let Ok(year) = query.year.trim().parse::<i32>()
        && let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        )
    {
        from = Some(from.map_or(first, |f| f.max(first)));
        to = Some(to.map_or(last, |t| t.min(last)));
    }
    let nonempty = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    JournalFilter {
        county: nonempty(&query.county),
        kind: nonempty(&query.state),
        from,
        to,
    }
}

fn spec(counties: Vec<String>, names: &BTreeMap<String, String>) -> ListSpec {
    ListSpec {
        id: "ledger-entries",
        path: "/ledger/entries",
        columns: COLUMNS,
        counties: crate::lists::county_choices(counties, names),
        states: KINDS
            .iter()
            .map(|kind| ((*kind).to_owned(), operation_kind(kind).into()))
            .collect(),
        date_label: k::EFFECTIVE_2,
        sheet: "台账条目",
    }
}

/// An entry as a row: its kind and county by name (the code in the tooltip). The row's county
/// is the one filtered by when the entry moves it, else the first the reader reads.
fn row(lang: Lang, e: &EntrySummary, names: &BTreeMap<String, String>, county: &str) -> ListRow {
    let code = e
        .counties
        .iter()
        .find(|c| c.as_str() == county)
        .or_else(|| e.counties.first())
        .cloned();
    let kind: Key = operation_kind(&e.kind);
    ListRow {
        cells: vec![
            Cell::number(i64::try_from(e.seq).unwrap_or(i64::MAX))
                .link(format!("/ledger/entries/{}", e.seq)),
            Cell::text(&e.effective),
            Cell::text(lang.text(kind)),
            match &code {
                Some(code) => {
                    Cell::text(names.get(code).map_or(code.as_str(), String::as_str)).titled(code)
                }
                None => Cell::text(lang.text(k::PROVINCE)),
            },
            match &e.project {
                Some(project) => Cell::text(project).link(format!(
                    "/ledger/projects/{}",
                    super::access::segment(project)
                )),
                None => Cell::text(""),
            },
            Cell::number(e.amount_m2),
            Cell::text(&e.reason),
        ],
        county: code,
        state: Some(e.kind.clone()),
        date: crate::lists::day(&e.effective),
    }
}

#[derive(askama::Template)]
#[template(path = "ledger_entries.html")]
struct EntriesPage<'a> {
    capped: Option<String>,
    list: &'a str,
    back: &'static str,
}

/// Handles GET /ledger/entries: the journal entries the reader may see, as a list (search,
/// filters by county, operation kind, year and dates, sorting, paging, Excel export).
pub async fn entries_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    // An unreadable query string is a list without filters, never a failed page.
    let query = query.map(|q| q.0).unwrap_or_default();
    let door = user.door(&state.registry);
    let scope = door.read_scope().await?;
    let journal = door
        .journal_list(&scope, &journal_filter(&query), ENTRIES_LISTED)
        .await?;
    let names = scope.names();
    let spec = spec(journal.counties, names);
    let rows = crate::lists::apply(
        &query,
        journal
            .entries
            .iter()
            .map(|e| row(lang, e, names, &query.county))
            .collect(),
        COLUMNS,
    );
    if query.wants_xlsx() {
        return Ok(crate::lists::xlsx(lang, &spec, &rows));
    }
    let list = crate::lists::render(lang, &spec, &query, &rows);
    let limit = ENTRIES_LISTED.to_string();
    let view = EntriesPage {
        capped: journal
            .capped
            .then(|| lang.fill(k::LEDGER_NEWEST_ENTRIES_ONLY, &[("limit", &limit)])),
        list: &list,
        back: lang.text(k::LEDGER_BACK_TO_THE_LEDGER),
    };
    let body = askama::Template::render(&view).map_err(|e| {
        PageError(crate::error::WebError::Internal(format!(
            "ledger entries template: {e}"
        )))
    })?;
    Ok(Html(crate::html::page_within(
        k::LEDGER_JOURNAL_ENTRIES,
        k::QUOTA_LEDGER,
        &user,
        &body,
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_narrows_the_dates_and_odd_values_are_left_out() {
        let query = ListQuery {
            year: "2019".into(),
            from: "2019-03-01".into(),
            to: "nonsense".into(),
            state: " issue ".into(),
            ..ListQuery::default()
        };
        let filter = journal_filter(&query);
        assert_eq!(filter.from, NaiveDate::from_ymd_opt(2019, 3, 1));
        assert_eq!(filter.to, NaiveDate::from_ymd_opt(2019, 12, 31));
        assert_eq!(filter.kind.as_deref(), Some("issue"));
        assert_eq!(filter.county, None);
        assert_eq!(
            journal_filter(&ListQuery::default()),
            JournalFilter::default()
        );
    }
}
