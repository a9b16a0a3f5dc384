//! Inspections as a list a clerk can search, filter (county, open or closed, year and dates of
//! the inspection), sort, page and export (issue 14 item 7).

use crate::catalogue::k;
use std::collections::BTreeMap;

use guagou_domain::supervision::FindingState;
use guagou_registry::inspections::Inspection;

use crate::html::Lang;
use crate::lists::{Cell, Column, ListRow, ListSpec};

pub const COLUMNS: &[Column] = &[
    Column {
        key: "id",
        name: k::NUMBER_3,
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
        key: "kind",
        name: k::KIND,
        numeric: false,
    },
    Column {
        key: "date",
        name: k::DATE_3,
        numeric: false,
    },
    Column {
        key: "findings",
        name: k::FINDINGS_2,
        numeric: true,
    },
    Column {
        key: "open",
        name: k::NOT_CLOSED_2,
        numeric: true,
    },
    Column {
        key: "state",
        name: k::STATE,
        numeric: false,
    },
];

/// The list's spec: counties among the inspections; open or closed.
pub fn spec(inspections: &[Inspection], names: &BTreeMap<String, String>) -> ListSpec {
    let counties = inspections.iter().map(|i| i.county.clone());
    ListSpec {
        id: "inspections",
        path: "/supervision/inspections",
        columns: COLUMNS,
        counties: crate::lists::county_choices(counties, names),
        states: vec![
            ("open".to_owned(), k::NOT_CLOSED.into()),
            ("closed".to_owned(), k::CLOSED_3.into()),
        ],
        date_label: k::INSPECTED,
        sheet: "检查",
    }
}

/// An inspection as a row: the county by name, the kind by name, open findings counted.
pub fn row(lang: Lang, i: &Inspection, names: &BTreeMap<String, String>) -> ListRow {
    let county = names
        .get(&i.county)
        .cloned()
        .unwrap_or_else(|| i.county.clone());
    let open = i
        .findings
        .iter()
        .filter(|f| f.state != FindingState::Closed)
        .count();
    let closed = i.closed_on.is_some();
    ListRow {
        cells: vec![
            Cell::text(&i.id).link(format!("/supervision/inspections/{}", i.id)),
            Cell::text(county).titled(&i.county),
            match &i.project {
                Some(code) => Cell::text(code).link(format!("/projects/{code}")),
                None => Cell::text(""),
            },
            Cell::text(lang.text(crate::names::inspection_kind(i.kind))),
            Cell::text(&i.inspected_on),
            Cell::number(i.findings.len() as i64),
            Cell::number(open as i64),
            Cell::text(match (&i.closed_on, lang) {
                (Some(on), Lang::Zh) => format!("已办结 {on}"),
                (Some(on), Lang::En) => format!("closed {on}"),
                (None, Lang::Zh) => format!("{open} 项问题未销号"),
                (None, Lang::En) => format!("{open} findings not closed"),
            }),
        ],
        county: Some(i.county.clone()),
        state: Some(if closed { "closed" } else { "open" }.to_owned()),
        date: crate::lists::day(&i.inspected_on),
    }
}
