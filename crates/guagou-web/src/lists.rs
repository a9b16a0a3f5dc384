//! Lists a clerk can work with (issue 14 item 7): search, filters (county, state, year, date
//! range), sorting by any column, paging, and the same rows as an Excel file.
//!
//! A page turns its records into `ListRow`s (display text, sort value, link, the county, state
//! and date the filters read), then `apply` filters and sorts them (pure, unit-tested) and
//! `render` shows the filter form, the table and the pager (`templates/list.html`); with
//! `?format=xlsx` the page answers `xlsx` of the filtered rows instead (every page of them).

use crate::catalogue::{Key, k};
use std::cmp::Ordering;
use std::collections::BTreeMap;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::html::Lang;

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// What the clerk asked for (query string). Every field is optional; an unreadable value is
/// treated as absent (a filter never fails a page).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Words searched in every column.
    pub q: String,
    /// A county code.
    pub county: String,
    /// A state's stored name.
    pub state: String,
    /// A year of the row's date.
    pub year: String,
    /// The first and last day of the row's date.
    pub from: String,
    pub to: String,
    /// The key of the column sorted by, and `desc` for newest/largest first.
    pub sort: String,
    pub dir: String,
    /// 1-based page.
    pub page: String,
    /// `xlsx`: the filtered rows as an Excel file.
    pub format: String,
}

impl ListQuery {
    fn date(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
    }

    fn page_number(&self) -> usize {
        self.page.trim().parse::<usize>().unwrap_or(1).max(1)
    }

    fn descending(&self) -> bool {
        self.dir == "desc"
    }

    /// Whether the clerk asked for the Excel file.
    pub fn wants_xlsx(&self) -> bool {
        self.format == "xlsx"
    }
}

/// A column of a list.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    /// The column's name (the catalogue entry).
    pub name: Key,
    /// Right-aligned, written to Excel as a number.
    pub numeric: bool,
}

/// How a cell sorts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Empty,
    Number(i64),
    Text(String),
}

/// One cell: what it shows, how it sorts, where it links.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub sort: SortKey,
    pub href: Option<String>,
    /// A tooltip (e.g. the code behind a name).
    pub title: Option<String>,
    /// Money in 分: shown and exported in 元 (two decimals).
    pub fen: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            sort: if text.is_empty() {
                SortKey::Empty
            } else {
                SortKey::Text(text.clone())
            },
            text,
            href: None,
            title: None,
            fen: false,
        }
    }

    /// A whole number shown with thousands separators.
    pub fn number(n: i64) -> Cell {
        Cell {
            text: thousands(n),
            sort: SortKey::Number(n),
            href: None,
            title: None,
            fen: false,
        }
    }

    /// Money in 分, shown in 元 with separators (`1,234.50`), sorted and exported as money.
    pub fn yuan(fen: i64) -> Cell {
        let sign = if fen < 0 { "-" } else { "" };
        let abs = fen.unsigned_abs();
        let whole = i64::try_from(abs / 100).unwrap_or(i64::MAX);
        Cell {
            text: format!("{sign}{}.{:02}", thousands(whole), abs % 100),
            sort: SortKey::Number(fen),
            href: None,
            title: None,
            fen: true,
        }
    }

    pub fn link(mut self, href: impl Into<String>) -> Cell {
        self.href = Some(href.into());
        self
    }

    pub fn titled(mut self, title: impl Into<String>) -> Cell {
        self.title = Some(title.into());
        self
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The county filter's choices: the distinct `codes`, sorted, each with its name (the code when
/// the name is unknown).
pub fn county_choices(
    codes: impl IntoIterator<Item = String>,
    names: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort();
    codes.dedup();
    codes
        .into_iter()
        .map(|c| {
            let name = names.get(&c).cloned().unwrap_or_else(|| c.clone());
            (c, name)
        })
        .collect()
}

/// The day of a stored date or time (`2019-07-15`, `2019-07-15T…`), for the date filters.
pub fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok()
}

/// A row with what the filters read.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub cells: Vec<Cell>,
    pub county: Option<String>,
    pub state: Option<String>,
    pub date: Option<NaiveDate>,
}

/// What a list offers: its columns and the choices of its filters.
pub struct ListSpec {
    /// The element id of the table (`<id>-table`) and the page's path (form and links).
    pub id: &'static str,
    pub path: &'static str,
    pub columns: &'static [Column],
    /// The counties to choose from: (code, name).
    pub counties: Vec<(String, String)>,
    /// The states to choose from: (stored name, name).
    pub states: Vec<(String, crate::html::Title<'static>)>,
    /// What the date filters read, e.g. 报送日期.
    pub date_label: Key,
    /// The Excel sheet's name.
    pub sheet: &'static str,
}

/// The rows the query keeps, sorted.
pub fn apply(query: &ListQuery, rows: Vec<ListRow>, columns: &[Column]) -> Vec<ListRow> {
    let words: Vec<String> = query.q.split_whitespace().map(str::to_lowercase).collect();
    let from = ListQuery::date(&query.from);
    let to = ListQuery::date(&query.to);
    let year = query.year.trim().parse::<i32>().ok();
    let mut kept: Vec<ListRow> = rows
        .into_iter()
        .filter(|row| {
            let county_ok = query.county.is_empty() || row.county.as_deref() == Some(&query.county);
            let state_ok = query.state.is_empty() || row.state.as_deref() == Some(&query.state);
            let date_ok = match (from, to, year) {
                (None, None, None) => true,
                _ => row.date.is_some_and(|d| {
                    from.is_none_or(|f| d >= f)
                        && to.is_none_or(|t| d <= t)
                        && year.is_none_or(|y| d.year() == y)
                }),
            };
            let words_ok = words.iter().all(|w| {
                row.cells.iter().any(|c| {
                    c.text.to_lowercase().contains(w)
                        || c.title
                            .as_deref()
                            .is_some_and(|t| t.to_lowercase().contains(w))
                })
            });
            county_ok && state_ok && date_ok && words_ok
        })
        .collect();
    if let Some(index) = columns.iter().position(|c| c.key == query.sort) {
        let descending = query.descending();
        kept.sort_by(|a, b| {
            let order = a.cells[index].sort.cmp(&b.cells[index].sort);
            // Empty cells last in either direction.
            match (&a.cells[index].sort, &b.cells[index].sort) {
                (SortKey::Empty, SortKey::Empty) => Ordering::Equal,
                (SortKey::Empty, _) => Ordering::Greater,
                (_, SortKey::Empty) => Ordering::Less,
                _ if descending => order.reverse(),
                _ => order,
            }
        });
    }
    kept
}

struct HeaderView {
    label: &'static str,
    href: String,
    arrow: &'static str,
    numeric: bool,
    sort_state: &'static str,
}

struct CellView {
    text: String,
    href: Option<String>,
    title: Option<String>,
    numeric: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(askama::Template)]
#[template(path = "list.html")]
struct ListView<'a> {
    id: &'a str,
    path: &'a str,
    query: &'a ListQuery,
    t: Labels,
    counties: Vec<Choice>,
    states: Vec<Choice>,
    headers: Vec<HeaderView>,
    rows: Vec<Vec<CellView>>,
    summary: String,
    previous: Option<String>,
    next: Option<String>,
    export: String,
    clear: String,
}

/// The words of the list in the reader's language.
struct Labels {
    search: &'static str,
    search_hint: &'static str,
    county: &'static str,
    any_county: &'static str,
    state: &'static str,
    any_state: &'static str,
    year: &'static str,
    from: String,
    to: String,
    apply: &'static str,
    clear: &'static str,
    export: &'static str,
    previous: &'static str,
    next: &'static str,
    none: &'static str,
    filters: &'static str,
}

fn labels(lang: Lang, date: Key) -> Labels {
    let pick = |key| lang.text(key);
    Labels {
        search: pick(k::SEARCH),
        search_hint: pick(k::NUMBER_NAME_OR_OTHER_WORDS),
        county: pick(k::COUNTY),
        any_county: pick(k::ALL_COUNTIES),
        state: pick(k::STATE),
        any_state: pick(k::ALL_STATES),
        year: pick(k::YEAR),
        from: lang.fill(k::LIST_DATE_FROM, &[("date", lang.text(date))]),
        to: lang.fill(k::LIST_DATE_TO, &[("date", lang.text(date))]),
        apply: pick(k::FILTER),
        clear: pick(k::CLEAR_2),
        export: pick(k::EXPORT_TO_EXCEL),
        previous: pick(k::PREVIOUS_2),
        next: pick(k::NEXT_2),
        none: pick(k::NO_RECORDS_MATCH),
        filters: pick(k::FILTERS),
    }
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The list's URL with the query's filters, and `changes` over them.
fn url(path: &str, query: &ListQuery, changes: &[(&str, &str)]) -> String {
    let mut pairs: BTreeMap<&str, String> = BTreeMap::new();
    for (key, value) in [
        ("q", &query.q),
        ("county", &query.county),
        ("state", &query.state),
        ("year", &query.year),
        ("from", &query.from),
        ("to", &query.to),
        ("sort", &query.sort),
        ("dir", &query.dir),
        ("page", &query.page),
    ] {
        if !value.is_empty() {
            pairs.insert(key, value.clone());
        }
    }
    for (key, value) in changes {
        if value.is_empty() {
            pairs.remove(key);
        } else {
            pairs.insert(key, (*value).to_owned());
        }
    }
    if pairs.is_empty() {
        return path.to_owned();
    }
    let text: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("{path}?{}", text.join("&"))
}

/// The filter form, the table of the query's page and the pager.
pub fn render(lang: Lang, spec: &ListSpec, query: &ListQuery, rows: &[ListRow]) -> String {
    let en = lang == Lang::En;
    let pages = rows.len().div_ceil(PAGE_SIZE).max(1);
    let page = query.page_number().min(pages);
    let shown = &rows[(page - 1) * PAGE_SIZE..rows.len().min(page * PAGE_SIZE)];
    let headers = spec
        .columns
        .iter()
        .map(|c| {
            let sorted = query.sort == c.key;
            let next_dir = if sorted && !query.descending() {
                "desc"
            } else {
                ""
            };
            HeaderView {
                label: lang.text(c.name),
                href: url(
                    spec.path,
                    query,
                    &[("sort", c.key), ("dir", next_dir), ("page", "")],
                ),
                arrow: match (sorted, query.descending()) {
                    (false, _) => "",
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                },
                numeric: c.numeric,
                sort_state: match (sorted, query.descending()) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            }
        })
        .collect();
    let table_rows = shown
        .iter()
        .map(|row| {
            row.cells
                .iter()
                .zip(spec.columns)
                .map(|(cell, column)| CellView {
                    text: cell.text.clone(),
                    href: cell.href.clone(),
                    title: cell.title.clone(),
                    numeric: column.numeric,
                })
                .collect()
        })
        .collect();
    let page_text = page.to_string();
    let previous = (page > 1).then(|| {
        let p = (page - 1).to_string();
        url(spec.path, query, &[("page", &p)])
    });
    let next = (page < pages).then(|| {
        let p = (page + 1).to_string();
        url(spec.path, query, &[("page", &p)])
    });
    let summary = if en {
        format!(
            "{} records · page {page_text} of {pages}",
            thousands(rows.len() as i64)
        )
    } else {
        format!(
            "共 {} 条 · 第 {page_text}/{pages} 页",
            thousands(rows.len() as i64)
        )
    };
    let view = ListView {
        id: spec.id,
        path: spec.path,
        query,
        t: labels(lang, spec.date_label),
        counties: spec
            .counties
            .iter()
            .map(|(code, name)| Choice {
                value: code.clone(),
                label: name.clone(),
                selected: &query.county == code,
            })
            .collect(),
        states: spec
            .states
            .iter()
            .map(|(value, name)| Choice {
                value: value.clone(),
                label: name.in_lang(lang),
                selected: &query.state == value,
            })
            .collect(),
        headers,
        rows: table_rows,
        summary,
        previous,
        next,
        export: url(spec.path, query, &[("format", "xlsx"), ("page", "")]),
        clear: spec.path.to_owned(),
    };
    askama::Template::render(&view).unwrap_or_else(|e| {
        tracing::error!(error = %e, "list template failed");
        String::new()
    })
}

/// The rows as an Excel workbook: one sheet, headers in the reader's language, numbers as
/// numbers.
pub fn xlsx(lang: Lang, spec: &ListSpec, rows: &[ListRow]) -> Response {
    match workbook(lang, spec, rows) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    crate::reports::XLSX_CONTENT_TYPE.to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.xlsx\"", spec.id),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            crate::error::PageError(crate::error::WebError::Internal(e.to_string())).into_response()
        }
    }
}

fn workbook(
    lang: Lang,
    spec: &ListSpec,
    rows: &[ListRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(spec.sheet)?;
    let bold = Format::new().set_bold();
    let whole = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("#,##0.00");
    for (col, column) in spec.columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        let label = lang.text(column.name);
        sheet.write_string_with_format(0, col, label, &bold)?;
        sheet.set_column_width(col, 16)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.cells.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            match cell.sort {
                // 分 to 元: exact in an Excel number for any amount below 2^53 分.
                #[allow(clippy::cast_precision_loss)]
                SortKey::Number(n) if cell.fen => {
                    sheet.write_number_with_format(r, col, n as f64 / 100.0, &money)?;
                }
                SortKey::Number(n) => {
                    // Areas and counts stay far below 2^53: exact as an Excel number.
                    #[allow(clippy::cast_precision_loss)]
                    sheet.write_number_with_format(r, col, n as f64, &whole)?;
                }
                _ => {
                    sheet.write_string(r, col, &cell.text)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column {
            key: "code",
            name: k::CODE_3,
            numeric: false,
        },
        Column {
            key: "area",
            name: k::AREA,
            numeric: true,
        },
    ];

    fn row(code: &str, area: i64, county: &str, state: &str, date: &str) -> ListRow {
        ListRow {
            cells: vec![Cell::text(code), Cell::number(area)],
            county: Some(county.into()),
            state: Some(state.into()),
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
        }
    }

    fn rows() -> Vec<ListRow> {
        vec![
            row("A-1", 500, "511722", "draft", "2018-03-01"),
            row("B-2", 12000, "511723", "approved", "2019-07-01"),
            row("C-3", 300, "511722", "approved", ""),
        ]
    }

    fn codes(rows: &[ListRow]) -> Vec<&str> {
        rows.iter().map(|r| r.cells[0].text.as_str()).collect()
    }

    #[test]
    fn filters_combine() {
        let query = ListQuery {
            county: "511722".into(),
            state: "approved".into(),
            ..ListQuery::default()
        };
        assert_eq!(codes(&apply(&query, rows(), COLUMNS)), vec!["C-3"]);
        let query = ListQuery {
            year: "2019".into(),
            ..ListQuery::default()
        };
        assert_eq!(codes(&apply(&query, rows(), COLUMNS)), vec!["B-2"]);
        let query = ListQuery {
            from: "2018-01-01".into(),
            to: "2018-12-31".into(),
            ..ListQuery::default()
        };
        assert_eq!(codes(&apply(&query, rows(), COLUMNS)), vec!["A-1"]);
        let query = ListQuery {
            q: "b-".into(),
            ..ListQuery::default()
        };
        assert_eq!(codes(&apply(&query, rows(), COLUMNS)), vec!["B-2"]);
        // Unreadable values are ignored rather than failing the page.
        let query = ListQuery {
            year: "abc".into(),
            from: "yesterday".into(),
            ..ListQuery::default()
        };
        assert_eq!(apply(&query, rows(), COLUMNS).len(), 3);
    }

    #[test]
    fn sorts_numbers_as_numbers_both_ways() {
        let query = ListQuery {
            sort: "area".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            codes(&apply(&query, rows(), COLUMNS)),
            vec!["C-3", "A-1", "B-2"]
        );
        let query = ListQuery {
            sort: "area".into(),
            dir: "desc".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            codes(&apply(&query, rows(), COLUMNS)),
            vec!["B-2", "A-1", "C-3"]
        );
    }

    #[test]
    fn pages_hold_fifty_rows_and_link_onwards() {
        let many: Vec<ListRow> = (0..120)
            .map(|i| row(&format!("P-{i:03}"), i, "511722", "draft", "2019-01-01"))
            .collect();
        let spec = ListSpec {
            id: "projects",
            path: "/projects",
            columns: COLUMNS,
            counties: vec![("511722".into(), "宣汉县".into())],
            states: Vec::new(),
            date_label: k::SUBMITTED_2,
            sheet: "项目",
        };
        let query = ListQuery {
            page: "3".into(),
            q: "P 0".into(),
            ..ListQuery::default()
        };
        let html = render(Lang::Zh, &spec, &query, &many);
        assert!(html.contains("P-100") && !html.contains("P-099"), "{html}");
        assert!(html.contains("第 3/3 页"));
        assert!(
            html.contains("href=\"/projects?page=2&amp;q=P%200\"") || html.contains("page=2"),
            "{html}"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(12), "12");
        assert_eq!(Cell::yuan(123_456_789).text, "1,234,567.89");
        assert_eq!(Cell::yuan(-5).text, "-0.05");
    }
}
