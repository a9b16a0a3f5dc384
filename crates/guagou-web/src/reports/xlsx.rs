//! The report as an Excel workbook (rust_xlsxwriter): one sheet per table, Chinese sheet names
//! and headers, numbers written as numbers with their unit in the header (areas in m², money
//! in 元 with two decimals), a total row, and a sheet 说明 with the query and each column's
//! English name. Shared by `GET /reports.xlsx` and `guagou report --format xlsx`.

use guagou_domain::report::{FigureRow, Figures, Report, STATES};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::columns::{Column, GROUPS, Unit};
use crate::html::Lang;
use crate::names;

/// The content type of an .xlsx file.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The column of the total in the state sheet (after the code, the name and every state).
const TOTAL_COL: u16 = 2 + STATES.len() as u16;

/// The sheet names, in order.
pub const SHEETS: [&str; 5] = ["按县汇总", "分年度", "项目状态", "按用途使用", "说明"];

struct Formats {
    header: Format,
    whole: Format,
    yuan: Format,
    total: Format,
    total_whole: Format,
    total_yuan: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new().set_bold().set_text_wrap();
        let total = Format::new().set_bold();
        Formats {
            header,
            whole: Format::new().set_num_format("#,##0"),
            yuan: Format::new().set_num_format("#,##0.00"),
            total_whole: total.clone().set_num_format("#,##0"),
            total_yuan: total.clone().set_num_format("#,##0.00"),
            total,
        }
    }

    fn number(&self, unit: Unit, total: bool) -> &Format {
        match (unit, total) {
            (Unit::Yuan, false) => &self.yuan,
            (Unit::Yuan, true) => &self.total_yuan,
            (_, false) => &self.whole,
            (_, true) => &self.total_whole,
        }
    }
}

/// Every figure column, in the page's order.
fn all_columns() -> impl Iterator<Item = &'static Column> {
    GROUPS.iter().flat_map(|g| g.columns.iter())
}

/// The workbook of `report`, as bytes.
pub fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut book = Workbook::new();
    summary_sheet(book.add_worksheet(), report, &formats)?;
    by_year_sheet(book.add_worksheet(), report, &formats)?;
    states_sheet(book.add_worksheet(), report, &formats)?;
    uses_sheet(book.add_worksheet(), report, &formats)?;
    notes_sheet(book.add_worksheet(), report, &formats)?;
    book.save_to_buffer()
}

/// Writes the header row and freezes it.
fn headers(sheet: &mut Worksheet, names: &[String], formats: &Formats) -> Result<(), XlsxError> {
    for (col, name) in (0_u16..).zip(names) {
        sheet.write_string_with_format(0, col, name, &formats.header)?;
        let width = if col < 2 { 14.0 } else { 16.0 };
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes the figures of one row from column `first` on.
fn figures(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    figures: &Figures,
    formats: &Formats,
    total: bool,
) -> Result<(), XlsxError> {
    for (col, column) in (first..).zip(all_columns()) {
        sheet.write_number_with_format(
            row,
            col,
            column.number(figures),
            formats.number(column.unit, total),
        )?;
    }
    Ok(())
}

fn figure_headers(leading: &[&str]) -> Vec<String> {
    leading
        .iter()
        .map(|s| (*s).to_owned())
        .chain(all_columns().map(Column::header_zh))
        .collect()
}

fn summary_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(SHEETS[0])?;
    headers(sheet, &figure_headers(&["行政区代码", "行政区"]), formats)?;
    let mut row = 1;
    for line in &report.by_division {
        division_cells(sheet, row, line)?;
        figures(sheet, row, 2, &line.figures, formats, false)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合计", &formats.total)?;
    figures(sheet, row, 2, &report.total, formats, true)?;
    Ok(())
}

fn division_cells(sheet: &mut Worksheet, row: u32, line: &FigureRow) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, &line.division)?;
    sheet.write_string(row, 1, &line.name)?;
    Ok(())
}

fn by_year_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(SHEETS[1])?;
    headers(
        sheet,
        &figure_headers(&["行政区代码", "行政区", "年度"]),
        formats,
    )?;
    for (row, line) in (1_u32..).zip(&report.by_year) {
        division_cells(sheet, row, line)?;
        if let Some(year) = line.year {
            sheet.write_number(row, 2, year)?;
        }
        figures(sheet, row, 3, &line.figures, formats, false)?;
    }
    Ok(())
}

fn states_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(SHEETS[2])?;
    let names: Vec<String> = ["行政区代码", "行政区"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(
            STATES
                .iter()
                .map(|s| format!("{}（个）", Lang::Zh.text(names::project_state(*s)))),
        )
        .chain(std::iter::once("合计（个）".to_owned()))
        .collect();
    headers(sheet, &names, formats)?;
    let mut row = 1;
    for line in &report.states {
        sheet.write_string(row, 0, &line.division)?;
        sheet.write_string(row, 1, &line.name)?;
        for (col, state) in (2_u16..).zip(STATES.iter()) {
            let n = line.counts.get(state).copied().unwrap_or(0);
            sheet.write_number_with_format(row, col, n as f64, &formats.whole)?;
        }
        sheet.write_number_with_format(row, TOTAL_COL, line.total as f64, &formats.whole)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合计", &formats.total)?;
    for (col, state) in (2_u16..).zip(STATES.iter()) {
        let n = report.state_totals.get(state).copied().unwrap_or(0);
        sheet.write_number_with_format(row, col, n as f64, &formats.total_whole)?;
    }
    let all: u64 = report.state_totals.values().sum();
    sheet.write_number_with_format(row, TOTAL_COL, all as f64, &formats.total_whole)?;
    Ok(())
}

fn uses_sheet(sheet: &mut Worksheet, report: &Report, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(SHEETS[3])?;
    let names: Vec<String> = ["行政区代码", "行政区", "年度", "用途", "使用面积（m²）"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    headers(sheet, &names, formats)?;
    let mut row = 1;
    for line in &report.uses {
        sheet.write_string(row, 0, &line.division)?;
        sheet.write_string(row, 1, &line.name)?;
        sheet.write_number(row, 2, line.year)?;
        sheet.write_string(row, 3, Lang::Zh.text(names::land_use(line.land_use)))?;
        sheet.write_number_with_format(row, 4, line.amount_m2 as f64, &formats.whole)?;
        row += 1;
    }
    let total: i64 = report.uses.iter().map(|u| u.amount_m2).sum();
    sheet.write_string_with_format(row, 0, "合计", &formats.total)?;
    sheet.write_number_with_format(row, 4, total as f64, &formats.total_whole)?;
    Ok(())
}

/// The query and each column's names and unit.
fn notes_sheet(sheet: &mut Worksheet, report: &Report, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(SHEETS[4])?;
    let query = &report.query;
    let lines = [
        (
            "县（市、区）",
            query.county.clone().unwrap_or_else(|| "全部".into()),
        ),
        (
            "年度",
            query
                .year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "全部".into()),
        ),
        ("基准日", query.as_of.format("%Y-%m-%d").to_string()),
        (
            "口径",
            "各项定义见 docs/reports.md；此后的事项不计，被冲正的台账条目不计".into(),
        ),
    ];
    sheet.set_column_width(0, 24.0)?;
    sheet.set_column_width(1, 40.0)?;
    sheet.set_column_width(2, 10.0)?;
    let mut row = 0;
    for (label, value) in &lines {
        sheet.write_string_with_format(row, 0, *label, &formats.header)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    row += 1;
    for (col, name) in (0_u16..).zip(["列（中文）", "Column (English)", "单位 / unit"]) {
        sheet.write_string_with_format(row, col, name, &formats.header)?;
    }
    for column in all_columns() {
        row += 1;
        sheet.write_string(row, 0, column.header_zh())?;
        sheet.write_string(row, 1, column.header_en())?;
        sheet.write_string(row, 2, column.unit.label().0)?;
    }
    for state in STATES {
        row += 1;
        let name = names::project_state(state);
        sheet.write_string(row, 0, format!("{}（个）", Lang::Zh.text(name)))?;
        sheet.write_string(row, 1, format!("{} (projects)", Lang::En.text(name)))?;
        sheet.write_string(row, 2, "个")?;
    }
    Ok(())
}
