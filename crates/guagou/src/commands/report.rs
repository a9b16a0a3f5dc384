//! `guagou report`: the numbers of the linkage programme per county and year (SPEC §10), as a
//! text table, JSON or an Excel workbook. The same code as the web's `/reports`: the registry
//! loads the facts, `guagou_domain::report` aggregates them, `guagou_web::reports::workbook`
//! writes the Excel file. The command line reads everything (it has the database itself), so
//! no jurisdiction filter applies; `--county` narrows to one county.
//!
//! `report` has its own `--format` (text, json or xlsx), while every other command's global
//! `--format` knows text and json only. clap cannot give one flag two types, so `main` asks
//! [`is_report`] first and parses a `report` command line with [`ReportCli`].

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use guagou_domain::DivisionCode;
use guagou_domain::report::{Report, ReportQuery};

use crate::OutputFormat;
use crate::commands::check::{parse_date, today_shanghai};
use crate::commands::registry::{Common, open_registry, runtime};
use crate::table::render;

/// What to report.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// 县（市、区）代码，默认全部 / county code (default: all)
    #[arg(long)]
    pub county: Option<String>,
    /// 年度，默认全部 / calendar year (default: all years)
    #[arg(long)]
    pub year: Option<i32>,
    /// 基准日，此后的事项不计（默认今日，上海时间）/ as-of date YYYY-MM-DD: later events are
    /// left out (default: today in Asia/Shanghai)
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// 输出文件（xlsx 默认 guagou-report-….xlsx；json/text 默认标准输出）/ output file (xlsx:
    /// guagou-report-….xlsx by default; json and text: standard output by default)
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// The formats of `guagou report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Xlsx,
}

impl From<OutputFormat> for ReportFormat {
    fn from(format: OutputFormat) -> Self {
        match format {
            OutputFormat::Text => ReportFormat::Text,
            OutputFormat::Json => ReportFormat::Json,
        }
    }
}

/// The command line when the subcommand is `report`.
#[derive(Debug, Parser)]
#[command(
    name = "guagou",
    about = "城乡建设用地增减挂钩 registry / urban–rural construction-land linkage registry"
)]
pub struct ReportCli {
    /// 数据目录 / data directory (SQLite database inside)
    #[arg(
        long,
        global = true,
        env = "GUAGOU_DATA",
        default_value = "guagou-data"
    )]
    data: PathBuf,
    /// 数据库地址 / database URL (default: SQLite in --data)
    #[arg(long, global = true, env = "GUAGOU_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// 输出格式 / output format
    #[arg(long, global = true, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// 规则配置 / policy profile TOML (default: built-in Dazhou 2017)
    #[arg(long, global = true)]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    command: ReportOnly,
}

#[derive(Debug, Subcommand)]
enum ReportOnly {
    /// 统计报表 / report per county and year: projects, areas, quota, transfers (text, json, xlsx)
    Report(ReportArgs),
}

/// Global options that take a value (skipped when looking for the subcommand).
const VALUED: [&str; 4] = ["--data", "--database", "--format", "--profile"];

/// Whether the command line's subcommand is `report`.
pub fn is_report(args: &[OsString]) -> bool {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let Some(arg) = arg.to_str() else {
            return false;
        };
        if arg == "--" {
            return false;
        }
        if VALUED.contains(&arg) {
            rest.next();
            continue;
        }
        if arg.starts_with('-') {
            continue;
        }
        return arg == "report";
    }
    false
}

/// Parses a `report` command line (exits with clap's message on a usage error) and runs it.
pub fn run_args(args: &[OsString]) -> anyhow::Result<ExitCode> {
    let cli = ReportCli::parse_from(args);
    let ReportOnly::Report(report) = cli.command;
    let common = Common {
        data: cli.data,
        database: cli.database,
        format: OutputFormat::Json,
        profile: cli.profile,
    };
    run(&common, cli.format, &report)
}

/// Runs `guagou report`.
pub fn run(common: &Common, format: ReportFormat, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let query = ReportQuery {
        county: args
            .county
            .as_deref()
            .map(|c| DivisionCode::parse(c.trim()).map(|c| c.to_string()))
            .transpose()?,
        year: args.year,
        as_of: args.as_of.unwrap_or_else(today_shanghai),
    };
    let report = runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        let report = match crate::commands::registry::reader(&registry) {
            Ok(door) => door.report(&query).await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        registry.close().await;
        anyhow::Ok(report?)
    })?;
    match format {
        ReportFormat::Xlsx => {
            let bytes = guagou_web::reports::workbook(&report)
                .map_err(|e| anyhow::anyhow!("Excel: {e}"))?;
            let path = args
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from(guagou_web::reports::file_name(&query)));
            std::fs::write(&path, bytes)
                .with_context(|| format!("无法写入 / cannot write {}", path.display()))?;
            println!("已写入 / written: {}", path.display());
        }
        ReportFormat::Json => write_text(
            args,
            &format!("{}\n", serde_json::to_string_pretty(&report)?),
        )?,
        ReportFormat::Text => write_text(args, &text(&report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to `--output`, or to standard output.
fn write_text(args: &ReportArgs, text: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("无法写入 / cannot write {}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// The quota numbers per division and the total, as a text table (m², money in 元).
fn text(report: &Report) -> String {
    let headers = [
        "行政区 division",
        "核发 issued m²",
        "预支 advanced m²",
        "归还 repaid m²",
        "使用 used m²",
        "流转出 out m²",
        "流转入 in m²",
        "流转收入 revenue 元",
        "扣减 deducted m²",
    ];
    let line = |label: String, f: &guagou_domain::report::Figures| {
        vec![
            label,
            f.issued_m2.to_string(),
            f.advanced_m2.to_string(),
            f.repaid_m2.to_string(),
            f.used_m2.to_string(),
            f.transferred_out_m2.to_string(),
            f.transferred_in_m2.to_string(),
            guagou_domain::Fen(f.transfer_revenue_fen).yuan_text(),
            f.deducted_m2.to_string(),
        ]
    };
    let mut rows: Vec<Vec<String>> = report
        .by_division
        .iter()
        .map(|r| line(format!("{} {}", r.division, r.name), &r.figures))
        .collect();
    rows.push(line("合计 total".to_owned(), &report.total));
    let query = &report.query;
    format!(
        "统计报表 / report — 县 county: {}, 年度 year: {}, 基准日 as of: {}\n{}",
        query.county.as_deref().unwrap_or("全部 all"),
        query
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "全部 all".into()),
        query.as_of,
        render(&headers, &rows)
    )
}
