//! `guagou --data DIR migrate --to postgres://…`: copies the SQLite registry of a data
//! directory into an empty PostgreSQL database and proves the copy (docs/postgres.md).

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::Registry;
use guagou_store::{SQLITE_FILE, Store};

use crate::OutputFormat;
use crate::commands::registry::{Common, SystemClock, load_profile, open_registry, runtime};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// 目标数据库（须为空）/ the target database URL (must be empty), e.g.
    /// postgres://guagou@127.0.0.1/guagou (env GUAGOU_MIGRATE_TO keeps a password off the
    /// command line)
    #[arg(long, env = "GUAGOU_MIGRATE_TO", hide_env_values = true)]
    pub to: String,
}

pub fn run(common: &Common, args: &MigrateArgs) -> anyhow::Result<ExitCode> {
    if common.database.is_some() {
        anyhow::bail!(
            "migrate 读取 --data 中的 SQLite，不能同时指定 --database / migrate reads the SQLite registry in --data; do not give --database"
        );
    }
    let file = common.data.join(SQLITE_FILE);
    if !file.exists() {
        anyhow::bail!(
            "数据目录中没有 SQLite 登记簿 {} / no SQLite registry at {}",
            file.display(),
            file.display()
        );
    }
    runtime()?.block_on(async {
        let source = open_registry(common).await?;
        let store = Store::connect(&args.to)
            .await
            .context("无法连接目标数据库 / cannot connect to the target database")?;
        let mut target = Registry::new(
            store,
            load_profile(common)?,
            LandClassTable::gbt21010()?,
            Box::new(SystemClock),
        );
        // Base layers stay files in --data: `serve --database` finds them there.
        target.base_dir = Some(common.data.join("base"));
        let report = source.migrate_into(&target).await?;
        match common.format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            OutputFormat::Text => {
                for table in &report.tables {
                    println!("{:<28} {:>10} 行/rows  {}", table.table, table.rows, table.sha256);
                }
                println!(
                    "已迁移并校验 / migrated and verified: {} 行 / rows, 台账 {} 条 / ledger entries, 资金 {} 条 / funds entries, 审计 {} 条 / audit records, 底图 {} 个 / base layers",
                    report.rows,
                    report.ledger.count,
                    report.funds.count,
                    report.audit.count,
                    report.base_layers
                );
                println!("审计链头 / audit head {}", report.audit.head_hash);
                println!(
                    "今后请用 / from now on serve with: GUAGOU_DATABASE=<url> guagou --data {} serve",
                    common.data.display()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
