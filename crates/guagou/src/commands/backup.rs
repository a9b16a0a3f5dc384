//! `guagou backup --to DIR` and `guagou restore --from DIR` (into `--data`): a verified,
//! online backup of a registry on SQLite with its stored base layers (`docs/backup.md`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::backup::BackupManifest;

use crate::OutputFormat;
use crate::commands::registry::{Common, SystemClock, load_profile, open_registry, runtime};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// 备份目录（不存在或为空）/ the backup folder (missing or empty)
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// 备份目录 / the backup folder written by `guagou backup`
    #[arg(long)]
    pub from: PathBuf,
}

fn print(
    format: OutputFormat,
    verb_zh: &str,
    verb_en: &str,
    manifest: &BackupManifest,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(manifest)?),
        OutputFormat::Text => print!(
            "{verb_zh}并校验通过 / {verb_en} and verified: 台账 {} 条 / ledger entries, 资金 {} 条 / funds entries, 审计 {} 条 / audit records, 底图 {} 个 / base layers\n\
             审计链头 / audit head {}\n",
            manifest.ledger.count,
            manifest.funds.count,
            manifest.audit.count,
            manifest.base_layers.len(),
            manifest.audit.head_hash,
        ),
    }
    Ok(())
}

pub fn backup(common: &Common, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        let manifest = registry.backup(&args.to).await?;
        print(common.format, "已备份", "backed up", &manifest)?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn restore(common: &Common, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        if common.database.is_some() {
            anyhow::bail!(
                "恢复只写入 --data 的 SQLite；PostgreSQL 请先恢复到目录再用 guagou migrate / restore writes SQLite in --data; for PostgreSQL restore into a folder, then run guagou migrate"
            );
        }
        let profile = load_profile(common)?;
        let manifest = guagou_registry::backup::restore(
            &args.from,
            &common.data,
            profile,
            LandClassTable::gbt21010()?,
            Box::new(SystemClock),
        )
        .await?;
        print(common.format, "已恢复", "restored", &manifest)?;
        Ok(ExitCode::SUCCESS)
    })
}
