//! `guagou demo`: a populated Dazhou registry in the data directory (created unless it
//! exists), with one account per role and jurisdiction, served in the browser unless
//! `--no-serve`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use guagou_registry::Registry;
use guagou_registry::demo::DemoCalendar;

use crate::OutputFormat;
use crate::commands::check::{parse_date, today_shanghai};
use crate::commands::registry::{Common, open_registry, runtime};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 只创建不启动服务 / build the demo registry without serving it
    #[arg(long)]
    pub no_serve: bool,
    /// 监听地址 / address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// 演示的“今天” / the demo's today, YYYY-MM-DD, not after today (default: today in
    /// Asia/Shanghai): the story (2017-12 … 2019-12) moves by whole years to end on or before
    /// it, and its recent steps are dated back from it
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// 按故事原日期（2017-12 … 2019-12）创建，不平移、不加近期事项 / build the story on its own
    /// dates (2017-12 … 2019-12), unmoved and without the recent steps: the fixed demo the
    /// tests assert
    #[arg(long, conflicts_with = "as_of")]
    pub story_dates: bool,
}

/// Demo accounts: (name, division, department, what it shows).
const ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    (
        "xuanhan",
        "511722",
        "land",
        "宣汉县国土资源局 / Xuanhan county land bureau",
    ),
    (
        "wanyuan",
        "511781",
        "land",
        "万源市国土资源局 / Wanyuan county land bureau",
    ),
    (
        "quxian",
        "511725",
        "land",
        "渠县国土资源局 / Qu county land bureau",
    ),
    (
        "dachuan",
        "511703",
        "land",
        "达川区国土资源局 / Dachuan district land bureau",
    ),
    (
        "planning",
        "511722",
        "planning",
        "宣汉县规划局（专项规划会商意见）/ Xuanhan planning bureau (consultation opinions)",
    ),
    (
        "city",
        "511700",
        "land",
        "达州市国土资源局 / Dazhou city land bureau",
    ),
    (
        "finance",
        "511700",
        "finance",
        "达州市财政局 / city finance bureau",
    ),
    (
        "audit",
        "511700",
        "audit",
        "达州市审计局（只读）/ city audit bureau (read-only)",
    ),
    (
        "province",
        "510000",
        "land",
        "四川省国土资源厅 / Sichuan provincial department",
    ),
    (
        "admin",
        "511700",
        "land",
        "达州市国土资源局系统管理员（用户管理）/ city administrator (user administration)",
    ),
];

/// The demo account that administers the others (用户管理).
const DEMO_ADMIN: &str = "admin";

/// Creates the demo accounts with one generated password, written to `demo-accounts.txt` in the
/// data directory so that a later `guagou demo` on the same directory can show them again.
async fn create_accounts(registry: &Registry, common: &Common) -> anyhow::Result<String> {
    let password = format!("demo-{}", guagou_web::auth::random_hex(6)?);
    let mut text = String::new();
    for (name, division, department, label) in ACCOUNTS {
        guagou_web::create_user(registry, name, division, department, &password).await?;
        let _ = writeln!(text, "  {name:<9} {label}");
    }
    registry.make_first_admin(DEMO_ADMIN).await?;
    let _ = writeln!(text, "  密码 / password (all accounts): {password}");
    let path = common.data.join("demo-accounts.txt");
    std::fs::write(&path, &text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(text)
}

pub fn run(common: &Common, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let existed = common.data.join(guagou_store::SQLITE_FILE).exists();
    runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        let fresh = !existed && registry.journal_length().await? == 0;
        let (value, accounts) = if fresh {
            let today = today_shanghai();
            let as_of = args.as_of.unwrap_or(today);
            if as_of > today {
                anyhow::bail!("演示的日期 {as_of} 晚于今天 {today} / the demo's day {as_of} is after today {today}");
            }
            let calendar = if args.story_dates {
                DemoCalendar::unshifted()
            } else {
                DemoCalendar::for_today(as_of)?
            };
            let packages = common.data.join("demo-packages");
            let summary = registry.build_demo_on(&packages, &calendar).await?;
            // A settled agreement with payments and a stored land-use layer: the demo holds
            // every kind of record.
            registry.complete_demo_on(&packages, &calendar).await?;
            let accounts = create_accounts(&registry, common).await?;
            (serde_json::to_value(&summary)?, accounts)
        } else {
            let accounts = std::fs::read_to_string(common.data.join("demo-accounts.txt")).unwrap_or_default();
            (serde_json::json!({ "existing": common.data.display().to_string() }), accounts)
        };
        let entries = registry.journal_length().await?;
        match common.format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&value)?),
            OutputFormat::Text => {
                if fresh {
                    println!("已创建演示登记簿 / demo registry created in {}", common.data.display());
                    if let (Some(day), Some(years)) = (
                        value.get("today").and_then(serde_json::Value::as_str),
                        value.get("shifted_years").and_then(serde_json::Value::as_i64),
                    ) {
                        println!("演示日期 / the demo's today: {day}（故事平移 {years} 年 / story moved by {years} years）");
                    }
                } else {
                    println!("使用已有数据目录 / using the existing data directory {}", common.data.display());
                }
                println!("台账条目 / ledger entries: {entries}");
                println!("演示账户 / demo accounts:\n{accounts}");
                println!("命令行 / command line:  guagou --data {} project list | ledger balances | verify", common.data.display());
            }
        }
        if args.no_serve {
            registry.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        crate::commands::serve::init_logs();
        crate::commands::serve::serve_registry(registry, args.listen).await?;
        Ok(ExitCode::SUCCESS)
    })
}
