//! `guagou demo`: a populated Dazhou registry in the data directory (created unless it exists).
//! Serving it in the browser comes with the web application; `--no-serve` only builds it.

use std::process::ExitCode;

use clap::Args;

use crate::OutputFormat;
use crate::commands::registry::{Common, open_registry, runtime};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 只创建不启动服务 / build the demo registry without serving it
    #[arg(long)]
    pub no_serve: bool,
}

pub fn run(common: &Common, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let existed = common.data.join(guagou_store::SQLITE_FILE).exists();
    runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        let fresh = !existed && registry.store.head().await?.0 == 0;
        let value = if fresh {
            let summary = registry.build_demo(&common.data.join("demo-packages")).await?;
            serde_json::to_value(&summary)?
        } else {
            serde_json::json!({ "existing": common.data.display().to_string() })
        };
        let entries = registry.store.head().await?.0;
        registry.store.close().await;
        match common.format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&value)?),
            OutputFormat::Text => {
                if fresh {
                    println!("已创建演示登记簿 / demo registry created in {}", common.data.display());
                } else {
                    println!("使用已有数据目录 / using the existing data directory {}", common.data.display());
                }
                println!("台账条目 / ledger entries: {entries}");
                println!("试试 / try:  guagou --data {} project list", common.data.display());
                println!("            guagou --data {} ledger balances", common.data.display());
                println!("            guagou --data {} verify", common.data.display());
                println!("演示账户 / demo actors (use with --actor): 县局经办人@511722, 市局管理员@511700, 省厅审批员@510000");
            }
        }
        if !args.no_serve {
            eprintln!("提示 / note: 网页服务将随 Web 应用提供；现在仅创建登记簿 / serving comes with the web application; the registry was built only");
        }
        Ok(ExitCode::SUCCESS)
    })
}
