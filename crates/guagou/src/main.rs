//! The `guagou` command. Each subcommand lives in `commands/`; this file only parses arguments
//! and turns outcomes into exit codes: 0 success, 1 a rule failed, 2 unreadable input or usage.

mod commands;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "guagou",
    version,
    about = "城乡建设用地增减挂钩 registry / urban–rural construction-land linkage registry"
)]
struct Cli {
    #[command(flatten)]
    common: commands::registry::Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 项目包预检 / offline pre-check of a project package against a policy profile
    Check(commands::check::CheckArgs),
    /// 列出地块及面积 / list the parcels of a file with their areas
    Parcels {
        /// 地块文件 / parcel file (.txt ministry format, .geojson/.json, .shp, .zip)
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Lang::Zh)]
        lang: Lang,
        /// 修复部件重叠或共边的地块并报告 / merge parts that overlap or share edges, and report it
        #[arg(long)]
        repair: bool,
    },
    /// 格式转换 / convert between parcel formats, chosen by extension
    Convert {
        input: PathBuf,
        output: PathBuf,
        /// 目标坐标系 / target CRS, e.g. EPSG:4545 (default: the format's own)
        #[arg(long)]
        crs: Option<String>,
        /// 修复部件重叠或共边的地块并报告 / merge parts that overlap or share edges, and report it
        #[arg(long)]
        repair: bool,
    },
    /// 网页服务 / serve the web application on --data
    Serve(commands::serve::ServeArgs),
    /// 演示 / create the populated demo registry in --data (unless it exists) and serve it
    Demo(commands::demo::DemoArgs),
    /// 统计报表 / report per county and year: projects, areas, quota, transfers (--format
    /// text|json|xlsx)
    Report(commands::report::ReportArgs),
    /// 备份 / a verified online backup of the registry (SQLite or PostgreSQL) and its base
    /// layers into --to
    Backup(commands::backup::BackupArgs),
    /// 恢复 / restore a backup into --data (which must hold no database), verified
    Restore(commands::backup::RestoreArgs),
    /// 迁移到 PostgreSQL / copy the SQLite registry of --data into an empty database (--to
    /// postgres://…) and verify the copy
    Migrate(commands::migrate::MigrateArgs),
    /// 导入底图 / base layers: import a county land-use layer, list the stored ones
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// 合成县域数据 / a deterministic synthetic county: land-use layer, townships, projects with
    /// known answers
    Synth(commands::synth::SynthArgs),
    #[command(flatten)]
    Registry(commands::registry::RegistryCommand),
}

/// Reader options from the `--repair` flag: repairs happen only when asked for.
pub fn read_options(repair: bool) -> guagou_geo::formats::ReadOptions {
    use guagou_geo::formats::{ReadOptions, Repair};
    ReadOptions {
        repair: if repair {
            Repair::UnionParts
        } else {
            Repair::None
        },
    }
}

/// Runs every command but `report` (see `main`).
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => commands::check::run(&args, cli.common.format),
        Command::Parcels { file, lang, repair } => {
            commands::parcels::run(&file, cli.common.format, lang, read_options(repair))
        }
        Command::Convert {
            input,
            output,
            crs,
            repair,
        } => commands::convert::run(&input, &output, crs.as_deref(), read_options(repair)),
        Command::Serve(args) => commands::serve::run(&cli.common, &args),
        Command::Demo(args) => commands::demo::run(&cli.common, &args),
        // Reached only if `commands::report::is_report` missed it: text or json then.
        Command::Report(args) => {
            commands::report::run(&cli.common, cli.common.format.into(), &args)
        }
        Command::Backup(args) => commands::backup::backup(&cli.common, &args),
        Command::Restore(args) => commands::backup::restore(&cli.common, &args),
        Command::Migrate(args) => commands::migrate::run(&cli.common, &args),
        Command::Import(command) => commands::import::run(&cli.common, command),
        Command::Synth(args) => commands::synth::run(&args),
        Command::Registry(command) => commands::registry::run(&cli.common, command),
    }
}

fn main() -> ExitCode {
    // `report` has its own `--format` (text|json|xlsx): its command line is parsed apart.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let outcome = if commands::report::is_report(&args) {
        commands::report::run_args(&args)
    } else {
        run(Cli::parse())
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            // A refusal by a policy rule is a verdict (exit 1); anything else is bad input (2).
            if let Some(refusal) = error.downcast_ref::<guagou_registry::RegistryError>() {
                eprintln!("错误 / error [{}]: {refusal}", refusal.code());
                if !refusal.rules().is_empty() {
                    return ExitCode::from(1);
                }
                return ExitCode::from(2);
            }
            eprintln!("错误 / error: {error:#}");
            ExitCode::from(2)
        }
    }
}
