//! Registry commands: divisions, plans, projects, ledger, land supply, adjustments, scan,
//! suspensions, verify, audit and the demo. Each opens the data directory (created and
//! migrated on first use), does one use case, and prints text or `--format json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use guagou_domain::DivisionCode;
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::{Account, LandUse, Operation};
use guagou_domain::lifecycle::{PlanAction, ProjectAction, ProjectState};
use guagou_domain::registry_rules::Backing;
use guagou_domain::sanctions;
use guagou_registry::extensions::ExtensionDecision;
use guagou_registry::projects::{AcceptanceFigures, CityInvestment};
use guagou_registry::verify::{ChainOutcome, RegistryCheck};
use guagou_registry::{Actor, Clock, Door, Registry};
use guagou_store::{HeadCheck, RegistryCheckpoint, Store};
use serde::Serialize;

use crate::OutputFormat;
use crate::commands::check::{parse_date, today_shanghai};
use crate::table::render;

/// Options every registry command shares.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// 数据目录 / data directory (SQLite database inside)
    #[arg(
        long,
        global = true,
        env = "GUAGOU_DATA",
        default_value = "guagou-data"
    )]
    pub data: PathBuf,
    /// 数据库地址 / database URL, e.g. postgres://user@host/db (default: SQLite in --data;
    /// stored base layers stay in --data either way). Prefer the environment variable: a
    /// password on the command line is visible to other users of the machine.
    #[arg(long, global = true, env = "GUAGOU_DATABASE", hide_env_values = true)]
    pub database: Option<String>,
    /// 输出格式 / output format
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// 规则配置 / policy profile TOML (default: built-in Dazhou 2017)
    #[arg(long, global = true)]
    pub profile: Option<PathBuf>,
}

/// Who acts and when: every write takes them.
#[derive(Debug, Args, Clone)]
pub struct Who {
    /// 操作人 / actor as name@division[/department], e.g. 张三@511722 (land bureau, the
    /// default department) or 李四@511700/finance (env GUAGOU_ACTOR)
    #[arg(long, env = "GUAGOU_ACTOR")]
    pub actor: String,
    /// 基准日 / effective date YYYY-MM-DD (default: today in Asia/Shanghai)
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// 理由 / reason recorded in the audit log
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// The principal of a command that only reads: `GUAGOU_ACTOR` when set (the same rights as
/// on the web), otherwise the operator (the province's audit department: reads everything,
/// writes nothing).
pub fn reader(registry: &Registry) -> anyhow::Result<Door<'_>> {
    let actor = match std::env::var("GUAGOU_ACTOR") {
        Ok(text) if !text.trim().is_empty() => registry.parse_actor(&text)?,
        _ => registry.operator(),
    };
    Ok(registry.as_principal(&actor))
}

impl Who {
    /// The principal the command acts as (departments of the registry's profile accepted).
    pub fn actor(&self, registry: &Registry) -> anyhow::Result<Actor> {
        Ok(registry.parse_actor(&self.actor)?)
    }
    fn date(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(today_shanghai)
    }
}

#[derive(Debug, Subcommand)]
pub enum DivisionCommand {
    /// 导入达州市及所辖七县（市、区）/ seed Dazhou and its seven counties with poverty designations
    SeedDazhou {
        #[command(flatten)]
        who: Who,
    },
    /// 从 CSV 导入乡镇和村 / import townships and villages from CSV
    Import {
        file: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// 导入边界 / import division boundaries (GeoJSON, shapefile, …)
    Boundaries {
        file: PathBuf,
        /// 行政区划代码字段 / attribute holding the division code (default: code, adcode, XZQDM, 行政区划代码)
        #[arg(long)]
        code_field: Option<String>,
        /// 修复部件共边或重叠的边界并报告 / merge parts that share edges or overlap, and report it
        #[arg(long)]
        repair: bool,
        #[command(flatten)]
        who: Who,
    },
    /// 列出 / list divisions under a code prefix
    List {
        #[arg(long, default_value = "")]
        under: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuidePriceCommand {
    /// 列出 / the table in date order: the profile's prices and those recorded, with sources
    List,
    /// 录入 / record a price from its date (city or province land bureau), audited
    Add {
        /// 生效日期 / the date the price applies from, YYYY-MM-DD
        #[arg(long, value_parser = parse_date)]
        from: NaiveDate,
        /// 指导价（元/亩）/ whole yuan per 亩
        #[arg(long)]
        yuan_per_mu: i64,
        /// 适用范围 / what the price applies to
        #[arg(long)]
        scope: String,
        /// 规定价格的来源文件 / the document that sets the price
        #[arg(long)]
        source: String,
        /// 生效日期是否有文件规定 / whether a document fixes the date (pending = 待核)
        #[arg(long, value_enum)]
        from_status: FromStatusArg,
        /// 规定生效日期的文件（待核时写明原因）/ the document that sets the date (or why it is 待核)
        #[arg(long)]
        from_source: String,
        #[command(flatten)]
        who: Who,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FromStatusArg {
    Confirmed,
    Pending,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanStep {
    Consult,
    Submit,
    Approve,
    File,
    Return,
    Revise,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// 起草专项规划 / draft a county special plan
    Create {
        #[arg(long)]
        county: String,
        #[arg(long)]
        title: String,
        /// 规划期 / period, e.g. 2016-2020
        #[arg(long)]
        period: String,
        /// 规划范围内的村 / villages in scope (comma-separated 12-digit codes)
        #[arg(long, value_delimiter = ',')]
        villages: Vec<String>,
        #[command(flatten)]
        who: Who,
    },
    /// 部门意见 / record a consultation department's opinion
    Opinion {
        plan: String,
        #[arg(long)]
        department: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        who: Who,
    },
    /// 流程操作 / lifecycle step: consult, submit, approve, file, return, revise
    Step {
        plan: String,
        #[arg(value_enum)]
        step: PlanStep,
        #[command(flatten)]
        who: Who,
    },
    Show {
        plan: String,
    },
    List {
        #[arg(long, default_value = "")]
        county: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProjectStep {
    Submit,
    Pool,
    Forward,
    Approve,
    Start,
    Accept,
    Close,
    Return,
    Revise,
    Withdraw,
    Terminate,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// 由项目包登记项目 / register a project from a package (runs the checks)
    Register {
        package: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// 新版本实施方案 / a new version of the implementation plan from a changed package
    Version {
        code: String,
        package: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// 版本比较 / what changed between two versions
    Diff {
        code: String,
        from: i64,
        to: i64,
    },
    /// 流程操作 / lifecycle step
    Step {
        code: String,
        #[arg(value_enum)]
        step: ProjectStep,
        #[command(flatten)]
        who: Who,
    },
    /// 申请验收（可同步申报变更）/ apply for acceptance, optionally with a change version
    ApplyAcceptance {
        code: String,
        #[arg(long)]
        reclaimed_m2: i64,
        #[arg(long)]
        resettlement_m2: i64,
        #[arg(long)]
        reclaimed_farmland_m2: i64,
        #[arg(long)]
        resettlement_farmland_m2: i64,
        #[arg(long)]
        change_version: Option<i64>,
        #[command(flatten)]
        who: Who,
    },
    /// 市级投资与分成 / city investment and the city/county split (二(六))
    Invest {
        code: String,
        /// city_budget | investment_attraction | social_capital
        #[arg(long)]
        funding_source: String,
        #[arg(long)]
        city_share_percent: u8,
        #[arg(long)]
        construction_zone_plan: String,
        #[command(flatten)]
        who: Who,
    },
    /// 申请延长实施期限（预支指标项目不得延期，二(四)）/ ask the city to extend the completion
    /// deadline (refused for a project that took an advance)
    Extend {
        code: String,
        /// 申请延至 / the requested last day YYYY-MM-DD
        #[arg(long, value_parser = parse_date)]
        until: NaiveDate,
        #[command(flatten)]
        who: Who,
    },
    /// 市局决定延期申请 / the city's decision on an extension request: --grant-until DATE or
    /// --refuse
    DecideExtension {
        code: String,
        /// 申请序号 / the request's number (see `project extensions`)
        #[arg(long)]
        seq: i64,
        /// 批准延至 / grant, to this last day
        #[arg(long, value_parser = parse_date, conflicts_with = "refuse", required_unless_present = "refuse")]
        grant_until: Option<NaiveDate>,
        /// 不予延期 / refuse
        #[arg(long)]
        refuse: bool,
        #[command(flatten)]
        who: Who,
    },
    /// 延期申请及决定 / a project's extension requests and decisions
    Extensions {
        code: String,
    },
    /// 入库项目排序 / the city's ranking of pooled projects, with its parts
    Rank {
        #[arg(long, default_value = "")]
        under: String,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
    },
    Show {
        code: String,
    },
    List {
        #[arg(long, default_value = "")]
        under: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// 预支 / advance up to 30 % of a project's planned surplus
    Advance {
        project: String,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 归还预支 / repay an advance from quota the county holds (the county; the project's own
    /// advanced quota first, then confirmed quota; at most what is owed)
    Repay {
        project: String,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 预留本地需求 / reserve quota for local needs
    Reserve {
        county: String,
        amount_m2: i64,
        #[arg(long)]
        purpose: String,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 释放预留 / release reserved quota
    Release {
        county: String,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 挂牌公告 / list quota for transfer
    List {
        county: String,
        listing: String,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 撤回公告 / withdraw listed quota
    Withdraw {
        listing: String,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 流转结算 / settle a transfer agreement
    Transfer {
        listing: String,
        buyer: String,
        amount_m2: i64,
        #[arg(long)]
        price_yuan_per_mu: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 下达年度计划指标 / grant annual plan quota
    Grant {
        county: String,
        year: i32,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 扣减年度计划指标 / deduct annual plan quota
    Deduct {
        county: String,
        year: i32,
        amount_m2: i64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 冲正 / reverse an entry
    Reverse {
        seq: u64,
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        key: Option<String>,
    },
    /// 日记账 / the journal
    Entries,
    /// 余额 / balances of every account
    Balances,
    /// 指标块 / open lots of an account (key such as holding:511722)
    Lots { account: String },
    /// 某平方米的来龙去脉 / every lot that held one serial of a project
    History { project: String, serial: i64 },
    /// 导出检查点 / export the heads of the ledger, funds and audit chains as a dated checkpoint
    Checkpoint {
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackingArg {
    SurplusQuota,
    AnnualPlan,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LandUseArg {
    Commercial,
    Tourism,
    Entertainment,
    CommercialHousing,
    Industrial,
    Public,
    Other,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// 行政区划 / divisions
    #[command(subcommand)]
    Division(DivisionCommand),
    /// 专项规划 / special plans
    #[command(subcommand)]
    Plan(PlanCommand),
    /// 项目区 / projects
    #[command(subcommand)]
    Project(ProjectCommand),
    /// 指标台账 / the quota ledger
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// 省指导价 / the provincial guide price table (二(三)): list, or record a price with its sources
    #[command(subcommand)]
    GuidePrice(GuidePriceCommand),
    /// 用户管理 / user administration (an administrator's accounts: add, disable, reset, …)
    #[command(subcommand)]
    User(crate::commands::users::UserCommand),
    /// 供地 / record a land supply (OPERATIONAL_LAND_USES_QUOTA)
    Supply {
        id: String,
        #[arg(long)]
        county: String,
        #[arg(long)]
        zone: String,
        #[arg(long, value_enum)]
        land_use: LandUseArg,
        #[arg(long)]
        area_m2: i64,
        #[arg(long, value_enum)]
        backing: BackingArg,
        #[command(flatten)]
        who: Who,
    },
    /// 规划调整申请 / planning adjustment application (ADJUSTMENT_ONCE_A_YEAR)
    Adjustment {
        county: String,
        #[command(flatten)]
        who: Who,
    },
    /// 期限扫描与处罚 / find overdue advances and completions and apply sanctions
    Scan {
        #[command(flatten)]
        who: Who,
    },
    /// 解除暂停预支 / lift a county's advance suspension (a recorded city decision)
    LiftSuspension {
        county: String,
        #[command(flatten)]
        who: Who,
    },
    /// 校验整个登记簿 / verify the three chains and every decision table against them
    Verify {
        /// 检查点文件 / a checkpoint exported earlier
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// 审计日志 / the audit log
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_rfc3339(&self) -> String {
        (chrono::Utc::now() + chrono::Duration::hours(8))
            .format("%Y-%m-%dT%H:%M:%S+08:00")
            .to_string()
    }
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")
}

/// The profile of `--profile`, or the built-in Dazhou 2017 one.
pub fn load_profile(common: &Common) -> anyhow::Result<Profile> {
    Ok(match &common.profile {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("无法读取规则配置 / cannot read profile {}", path.display())
            })?;
            Profile::from_toml(&path.display().to_string(), &text)?
        }
        None => Profile::dazhou_2017()?,
    })
}

pub async fn open_registry(common: &Common) -> anyhow::Result<Registry> {
    let profile = load_profile(common)?;
    let store = match &common.database {
        Some(url) => Store::connect(url).await?,
        None => Store::open(&common.data).await?,
    };
    let mut registry = Registry::new(
        store,
        profile,
        LandClassTable::gbt21010()?,
        Box::new(SystemClock),
    );
    registry.base_dir = Some(common.data.join("base"));
    Ok(registry)
}

fn code(text: &str) -> anyhow::Result<DivisionCode> {
    Ok(DivisionCode::parse(text)?)
}

/// Prints a value as JSON, or as the given text.
pub(crate) fn emit<T: Serialize>(
    format: OutputFormat,
    value: &T,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        OutputFormat::Text => print!("{}", text()),
    }
    Ok(())
}

/// The idempotency key: given, or derived from the request so that repeating the same command
/// posts once.
fn key_for(given: &Option<String>, operation: &Operation, who: &Who) -> String {
    use sha2::Digest;
    match given {
        Some(k) => k.clone(),
        None => {
            let text = format!(
                "{}|{}|{}|{}",
                serde_json::to_string(operation).unwrap_or_default(),
                who.date(),
                who.actor,
                who.reason
            );
            format!(
                "cli:{}",
                &hex::encode(sha2::Sha256::digest(text.as_bytes()))[..32]
            )
        }
    }
}

pub fn run(common: &Common, command: RegistryCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        let outcome = dispatch(&registry, common.format, command).await;
        registry.close().await;
        outcome
    })
}

async fn dispatch(
    r: &Registry,
    format: OutputFormat,
    command: RegistryCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        RegistryCommand::Division(c) => division(r, format, c).await?,
        RegistryCommand::Plan(c) => plan(r, format, c).await?,
        RegistryCommand::Project(c) => project(r, format, c).await?,
        RegistryCommand::Ledger(c) => ledger(r, format, c).await?,
        RegistryCommand::GuidePrice(c) => guide_price(r, format, c).await?,
        RegistryCommand::User(c) => crate::commands::users::run(r, format, c).await?,
        RegistryCommand::Supply {
            id,
            county,
            zone,
            land_use,
            area_m2,
            backing,
            who,
        } => {
            let land_use = match land_use {
                LandUseArg::Commercial => LandUse::Commercial,
                LandUseArg::Tourism => LandUse::Tourism,
                LandUseArg::Entertainment => LandUse::Entertainment,
                LandUseArg::CommercialHousing => LandUse::CommercialHousing,
                LandUseArg::Industrial => LandUse::Industrial,
                LandUseArg::Public => LandUse::Public,
                LandUseArg::Other => LandUse::Other,
            };
            let backing = match backing {
                BackingArg::SurplusQuota => Backing::SurplusQuota,
                BackingArg::AnnualPlan => Backing::AnnualPlan,
            };
            let (result, entry) = r
                .as_principal(&who.actor(r)?)
                .record_land_supply(
                    &id,
                    &code(&county)?,
                    &zone,
                    land_use,
                    area_m2,
                    backing,
                    who.date(),
                    &who.reason,
                )
                .await?;
            emit(
                format,
                &serde_json::json!({ "result": result, "entry": entry }),
                || {
                    format!(
                        "已记录供地 {id} / land supply recorded{}\n",
                        entry
                            .map(|e| format!("（台账条目 {} / ledger entry {}）", e.seq, e.seq))
                            .unwrap_or_default()
                    )
                },
            )?;
        }
        RegistryCommand::Adjustment { county, who } => {
            let result = r
                .as_principal(&who.actor(r)?)
                .apply_adjustment(&code(&county)?, who.date(), &who.reason)
                .await?;
            emit(format, &result, || {
                format!("{} / {}\n", result.message_zh, result.message_en)
            })?;
        }
        RegistryCommand::Scan { who } => {
            let report = r.as_principal(&who.actor(r)?).scan(who.date()).await?;
            emit(format, &report, || {
                let mut out = format!(
                    "扫描 {} / scan as of {}: 新处罚 {} 项 / {} new sanctions, 已处罚 {} 项 / {} applied before\n",
                    report.as_of,
                    report.as_of,
                    report.applied.len(),
                    report.applied.len(),
                    report.already_applied,
                    report.already_applied
                );
                for a in &report.applied {
                    out.push_str(&format!(
                        "  {} [{} {}] {} / {}\n",
                        a.sanction.key,
                        a.sanction.rule,
                        a.sanction.clause,
                        a.detail_zh,
                        a.detail_en
                    ));
                }
                for listing in &report.expired_listings {
                    out.push_str(&format!(
                        "  挂牌到期 / listing expired: {listing}（指标退回转让方 / quota back to the seller）\n"
                    ));
                }
                out
            })?;
        }
        RegistryCommand::LiftSuspension { county, who } => {
            r.as_principal(&who.actor(r)?)
                .lift_suspension(&code(&county)?, &who.reason)
                .await?;
            emit(format, &serde_json::json!({ "lifted": county }), || {
                format!("已解除 {county} 暂停预支 / advance suspension of {county} lifted\n")
            })?;
        }
        RegistryCommand::Verify { checkpoint } => {
            return verify(r, format, checkpoint.as_deref()).await;
        }
        RegistryCommand::Audit { limit } => {
            let (page, _) = reader(r)?
                .audit_log(None, limit, &guagou_registry::plans::AuditFilter::default())
                .await?;
            emit(format, &page, || {
                let rows: Vec<Vec<String>> = page
                    .iter()
                    .map(|a| {
                        vec![
                            a.seq.to_string(),
                            a.at.clone(),
                            a.actor.clone(),
                            a.action.clone(),
                            a.subject.clone(),
                            a.reason.clone(),
                        ]
                    })
                    .collect();
                render(
                    &[
                        "序号/seq",
                        "时间/at",
                        "操作人/actor",
                        "操作/action",
                        "对象/subject",
                        "理由/reason",
                    ],
                    &rows,
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(
    r: &Registry,
    format: OutputFormat,
    checkpoint: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let heads = match checkpoint {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("无法读取检查点 / cannot read checkpoint {}", path.display())
            })?;
            // A ledger-only checkpoint of older versions reads as one without funds or audit.
            let checkpoint: RegistryCheckpoint = serde_json::from_str(&text)
                .with_context(|| format!("检查点格式错误 / bad checkpoint {}", path.display()))?;
            Some(r.verify_registry_checkpoint(&checkpoint).await?)
        }
        None => None,
    };
    let check = r.verify_registry().await?;
    let ok = check.ok && heads.iter().flatten().all(|h| h.ok);
    let mut value = serde_json::to_value(&check)?;
    value["ok"] = serde_json::json!(ok);
    value["checkpoint"] = serde_json::to_value(&heads)?;
    emit(format, &value, || verify_text(&check, heads.as_deref()))?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The verdict as text: the chains first (as before), then every check with its failures.
fn verify_text(check: &RegistryCheck, heads: Option<&[HeadCheck]>) -> String {
    let mut out = String::new();
    match &check.ledger {
        ChainOutcome::Verified(report) => out.push_str(&format!(
            "台账校验通过 / journal verified: {} 条 / entries, head {}\n",
            report.entries, report.head_hash
        )),
        ChainOutcome::Failed(e) => {
            out.push_str(&format!("台账校验失败 / journal FAILED: {}\n", e.error));
        }
    }
    match &check.audit {
        ChainOutcome::Verified(report) => out.push_str(&format!(
            "审计日志校验通过 / audit log verified: {} 条 / records\n",
            report.records
        )),
        ChainOutcome::Failed(e) => {
            out.push_str(&format!(
                "审计日志校验失败 / audit log FAILED: {}\n",
                e.error
            ));
        }
    }
    let funds = &check.funds;
    if funds.ok {
        out.push_str(&format!(
            "资金台账校验通过 / funds journal verified: {} 条 / entries, head {}\n",
            funds.entries, funds.head_hash
        ));
    } else {
        let at = match (&funds.bad_seq, &funds.bad_account) {
            (Some(seq), _) => format!("funds_entries seq={seq}: "),
            (None, Some(account)) => format!("funds_balances account={account}: "),
            (None, None) => String::new(),
        };
        out.push_str(&format!(
            "资金台账校验失败 / funds journal FAILED: {at}{} / {}\n",
            funds.problem_zh.as_deref().unwrap_or(""),
            funds.problem_en.as_deref().unwrap_or("")
        ));
    }
    for c in &check.checks {
        out.push_str(&format!(
            "{} {} — {} / {} ({} 行 / rows)\n",
            if c.ok {
                "[通过 ok]"
            } else {
                "[失败 FAILED]"
            },
            c.name,
            c.title_zh,
            c.title_en,
            c.checked
        ));
        if let (Some(zh), Some(en)) = (&c.note_zh, &c.note_en) {
            out.push_str(&format!("    注 / note: {zh} / {en}\n"));
        }
        for failure in &c.failures {
            out.push_str(&format!(
                "    {} {} [{}]: {} / {}\n",
                failure.table, failure.row, failure.code, failure.message_zh, failure.message_en
            ));
        }
        if c.more_failures > 0 {
            out.push_str(&format!(
                "    …另有 {} 项 / {} more\n",
                c.more_failures, c.more_failures
            ));
        }
    }
    for head in heads.into_iter().flatten() {
        match (&head.problem_zh, &head.problem_en) {
            (Some(zh), Some(en)) => out.push_str(&format!(
                "检查点不一致 / checkpoint FAILED: {} #{}: {zh} / {en}\n",
                head.chain, head.seq
            )),
            _ => out.push_str(&format!(
                "检查点一致 / checkpoint matches: {} #{}\n",
                head.chain, head.seq
            )),
        }
    }
    out
}

async fn division(
    r: &Registry,
    format: OutputFormat,
    command: DivisionCommand,
) -> anyhow::Result<()> {
    match command {
        DivisionCommand::SeedDazhou { who } => {
            let n = r.as_principal(&who.actor(r)?).seed_dazhou().await?;
            emit(format, &serde_json::json!({ "imported": n }), || {
                format!("已导入 {n} 个行政区划 / {n} divisions imported\n")
            })
        }
        DivisionCommand::Import { file, who } => {
            let n = r
                .as_principal(&who.actor(r)?)
                .import_divisions_file(&file)
                .await?;
            emit(format, &serde_json::json!({ "imported": n }), || {
                format!("已导入 {n} 个行政区划 / {n} divisions imported\n")
            })
        }
        DivisionCommand::Boundaries {
            file,
            code_field,
            repair,
            who,
        } => {
            let options = crate::read_options(repair);
            let (n, warnings) = r
                .as_principal(&who.actor(r)?)
                .import_boundaries(&file, code_field.as_deref(), &options)
                .await?;
            for warning in &warnings {
                eprintln!("提示 / warning: {warning}");
            }
            emit(
                format,
                &serde_json::json!({ "imported": n, "warnings": warnings }),
                || format!("已导入 {n} 个边界 / {n} boundaries imported\n"),
            )
        }
        DivisionCommand::List { under } => {
            let list = reader(r)?.divisions_under(&under).await?;
            emit(format, &list, || {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|d| {
                        vec![
                            d.code.clone(),
                            d.name.clone(),
                            d.level.clone(),
                            d.poverty_level.clone().unwrap_or_default(),
                            d.designated_on.clone().unwrap_or_default(),
                            d.exited_on.clone().unwrap_or_default(),
                            d.exited_source.clone().unwrap_or_default(),
                            format!(
                                "{}{}",
                                if d.poor_village { "贫困村 " } else { "" },
                                if d.relocation_village {
                                    "搬迁村"
                                } else {
                                    ""
                                }
                            ),
                            format!("{}/{}", d.poor_households, d.relocation_households),
                        ]
                    })
                    .collect();
                render(
                    &[
                        "代码/code",
                        "名称/name",
                        "级别/level",
                        "贫困县/poverty",
                        "认定/designated",
                        "退出/exited",
                        "退出依据/exit source",
                        "标记/flags",
                        "贫困户/搬迁户",
                    ],
                    &rows,
                )
            })
        }
    }
}

async fn guide_price(
    r: &Registry,
    format: OutputFormat,
    command: GuidePriceCommand,
) -> anyhow::Result<()> {
    use guagou_domain::profile::FactStatus;
    use guagou_registry::guide_prices::{NewGuidePrice, PriceOrigin};
    match command {
        GuidePriceCommand::List => {
            let table = reader(r)?.guide_prices().await?;
            emit(format, &table, || {
                let rows: Vec<Vec<String>> = table
                    .iter()
                    .map(|row| {
                        let p = &row.price;
                        let (status, _) = p.from_status.label();
                        let origin = match &row.origin {
                            PriceOrigin::Profile { id } => format!("profile {id}"),
                            PriceOrigin::Recorded { by, on, .. } => format!("{by} {on}"),
                        };
                        vec![
                            p.from.to_string(),
                            p.yuan_per_mu.to_string(),
                            p.clause.clone(),
                            p.source.clone(),
                            format!("{status}：{}", p.from_source),
                            origin,
                        ]
                    })
                    .collect();
                render(
                    &[
                        "生效/from",
                        "元/亩 yuan/mu",
                        "条款/clause",
                        "价格来源/source",
                        "日期依据/date source",
                        "录入/origin",
                    ],
                    &rows,
                )
            })
        }
        GuidePriceCommand::Add {
            from,
            yuan_per_mu,
            scope,
            source,
            from_status,
            from_source,
            who,
        } => {
            let new = NewGuidePrice {
                from,
                yuan_per_mu,
                scope,
                source,
                from_status: match from_status {
                    FromStatusArg::Confirmed => FactStatus::Confirmed,
                    FromStatusArg::Pending => FactStatus::Pending,
                },
                from_source,
            };
            let row = r
                .as_principal(&who.actor(r)?)
                .add_guide_price(&new, who.date(), &who.reason)
                .await?;
            emit(format, &row, || {
                format!(
                    "已录入 {} 起生效的指导价 {} 元/亩 / guide price {} yuan/mu recorded from {}\n",
                    row.price.from, row.price.yuan_per_mu, row.price.yuan_per_mu, row.price.from
                )
            })
        }
    }
}

async fn plan(r: &Registry, format: OutputFormat, command: PlanCommand) -> anyhow::Result<()> {
    let show = |p: &guagou_registry::plans::Plan| {
        let mut out = format!(
            "{}  {}  县/county {}  {}—{}  状态/state {} ({})\n",
            p.id,
            p.title,
            p.county,
            p.period_start,
            p.period_end,
            p.state.label_zh(),
            p.state
        );
        out.push_str(&format!("范围/scope: {}\n", p.scope.join(", ")));
        for o in &p.opinions {
            out.push_str(&format!(
                "  意见/opinion {}: {} ({} {})\n",
                o.department, o.opinion, o.author, o.recorded_on
            ));
        }
        out
    };
    match command {
        PlanCommand::Create {
            county,
            title,
            period,
            villages,
            who,
        } => {
            let (start, end) = period
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                .context("--period 应为 2016-2020 / should look like 2016-2020")?;
            let scope = villages
                .iter()
                .map(|v| code(v))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let p = r
                .as_principal(&who.actor(r)?)
                .create_plan(&code(&county)?, &title, (start, end), &scope, who.date())
                .await?;
            emit(format, &p, || show(&p))
        }
        PlanCommand::Opinion {
            plan,
            department,
            text,
            who,
        } => {
            let door = r.as_principal(&who.actor(r)?);
            // The opinion is the actor's department's (`--actor 名@511700/规划`); a department
            // named here must be that one.
            if door.consultation_department().as_deref() != Some(department.as_str()) {
                anyhow::bail!(
                    "只能以操作人所在部门提出意见（--actor 姓名@代码/{department}）/ an opinion is given by the actor's own department (--actor name@code/{department})"
                );
            }
            let p = door.add_opinion(&plan, &text, who.date()).await?;
            emit(format, &p, || show(&p))
        }
        PlanCommand::Step { plan, step, who } => {
            let action = match step {
                PlanStep::Consult => PlanAction::Consult,
                PlanStep::Submit => PlanAction::Submit,
                PlanStep::Approve => PlanAction::Approve,
                PlanStep::File => PlanAction::File,
                PlanStep::Return => PlanAction::Return,
                PlanStep::Revise => PlanAction::Revise,
            };
            let p = r
                .as_principal(&who.actor(r)?)
                .plan_action(&plan, action, who.date(), &who.reason)
                .await?;
            emit(format, &p, || show(&p))
        }
        PlanCommand::Show { plan } => {
            let door = reader(r)?;
            let p = door.plan(&plan).await?;
            let rules = door.plan_rules(&p).await?;
            emit(
                format,
                &serde_json::json!({ "plan": p, "rules": rules }),
                || {
                    let mut out = show(&p);
                    for rule in &rules {
                        out.push_str(&format!(
                            "  {} {} [{}] {}\n",
                            rule.rule,
                            if rule.passed { "通过" } else { "不通过" },
                            rule.clause,
                            rule.message_zh
                        ));
                    }
                    out
                },
            )
        }
        PlanCommand::List { county } => {
            let plans: Vec<_> = reader(r)?
                .plans()
                .await?
                .into_iter()
                .filter(|p| p.county.starts_with(county.as_str()))
                .collect();
            emit(format, &plans, || plans.iter().map(show).collect())
        }
    }
}

fn project_text(p: &guagou_registry::projects::Project) -> String {
    format!(
        "{}  {}  县/county {}  状态/state {} ({})  版本/version {}  计划节余/planned surplus {} m²{}\n",
        p.code,
        p.name,
        p.county,
        p.state.label_zh(),
        p.state,
        p.current_version,
        p.planned_surplus_m2,
        if p.city_invested {
            format!(
                "  市级投资/city-invested {}% {}",
                p.city_share_percent,
                p.funding_source.clone().unwrap_or_default()
            )
        } else {
            String::new()
        }
    )
}

fn results_text(results: &[guagou_domain::check::RuleResult]) -> String {
    results
        .iter()
        .map(|r| {
            format!(
                "  {} {} [{}] {}\n",
                r.rule,
                if r.passed {
                    "通过/pass"
                } else {
                    "不通过/FAIL"
                },
                r.clause,
                r.message_zh
            )
        })
        .collect()
}

async fn project(
    r: &Registry,
    format: OutputFormat,
    command: ProjectCommand,
) -> anyhow::Result<()> {
    match command {
        ProjectCommand::Register { package, who } => {
            let (p, results) = r
                .as_principal(&who.actor(r)?)
                .register_project(&package, who.date(), &who.reason)
                .await?;
            emit(
                format,
                &serde_json::json!({ "project": p, "results": results }),
                || format!("{}{}", project_text(&p), results_text(&results)),
            )
        }
        ProjectCommand::Version { code, package, who } => {
            let (v, results) = r
                .as_principal(&who.actor(r)?)
                .add_version(&code, &package, who.date(), &who.reason)
                .await?;
            emit(
                format,
                &serde_json::json!({ "version": v, "results": results }),
                || {
                    format!(
                        "版本/version {} ({})\n{}",
                        v.version,
                        v.kind,
                        results_text(&results)
                    )
                },
            )
        }
        ProjectCommand::Diff { code, from, to } => {
            let diff = reader(r)?.diff_versions(&code, from, to).await?;
            emit(format, &diff, || {
                let mut out = format!("{code} v{from} → v{to}\n");
                for p in &diff.added {
                    out.push_str(&format!(
                        "  + {} {} {:.2} m²\n",
                        p.role, p.name, p.planar_m2
                    ));
                }
                for p in &diff.removed {
                    out.push_str(&format!(
                        "  - {} {} {:.2} m²\n",
                        p.role, p.name, p.planar_m2
                    ));
                }
                for (role, name, a, b) in &diff.changed {
                    out.push_str(&format!("  ~ {role} {name} {a:.2} → {b:.2} m²\n"));
                }
                for (field, a, b) in &diff.fields {
                    out.push_str(&format!("  {field}: {a} → {b}\n"));
                }
                out
            })
        }
        ProjectCommand::Step { code, step, who } => {
            let action = match step {
                ProjectStep::Submit => ProjectAction::Submit,
                ProjectStep::Pool => ProjectAction::Pool,
                ProjectStep::Forward => ProjectAction::Forward,
                ProjectStep::Approve => ProjectAction::Approve,
                ProjectStep::Start => ProjectAction::Start,
                ProjectStep::Accept => ProjectAction::Accept,
                ProjectStep::Close => ProjectAction::Close,
                ProjectStep::Return => ProjectAction::Return,
                ProjectStep::Revise => ProjectAction::Revise,
                ProjectStep::Withdraw => ProjectAction::Withdraw,
                ProjectStep::Terminate => ProjectAction::Terminate,
            };
            let p = r
                .as_principal(&who.actor(r)?)
                .project_action(&code, action, who.date(), &who.reason)
                .await?;
            emit(format, &p, || project_text(&p))
        }
        ProjectCommand::ApplyAcceptance {
            code,
            reclaimed_m2,
            resettlement_m2,
            reclaimed_farmland_m2,
            resettlement_farmland_m2,
            change_version,
            who,
        } => {
            let figures = AcceptanceFigures {
                reclaimed_m2,
                resettlement_m2,
                reclaimed_farmland_m2,
                resettlement_farmland_m2,
            };
            let p = r
                .as_principal(&who.actor(r)?)
                .apply_acceptance(&code, figures, change_version, who.date(), &who.reason)
                .await?;
            emit(format, &p, || project_text(&p))
        }
        ProjectCommand::Invest {
            code,
            funding_source,
            city_share_percent,
            construction_zone_plan,
            who,
        } => {
            let investment = CityInvestment {
                funding_source,
                city_share_percent,
                construction_zone_plan,
            };
            let p = r
                .as_principal(&who.actor(r)?)
                .set_city_investment(&code, &investment, &who.reason)
                .await?;
            emit(format, &p, || project_text(&p))
        }
        ProjectCommand::Extend { code, until, who } => {
            let e = r
                .as_principal(&who.actor(r)?)
                .request_extension(&code, until, who.date(), &who.reason)
                .await?;
            emit(format, &e, || extension_text(&e))
        }
        ProjectCommand::DecideExtension {
            code,
            seq,
            grant_until,
            refuse: _,
            who,
        } => {
            let decision = match grant_until {
                Some(until) => ExtensionDecision::Grant(until),
                None => ExtensionDecision::Refuse,
            };
            let e = r
                .as_principal(&who.actor(r)?)
                .decide_extension(&code, seq, decision, who.date(), &who.reason)
                .await?;
            emit(format, &e, || extension_text(&e))
        }
        ProjectCommand::Extensions { code } => {
            let list = reader(r)?.extensions(&code).await?;
            emit(format, &list, || {
                if list.is_empty() {
                    return "无延期申请 / no extension requests\n".into();
                }
                list.iter().map(extension_text).collect()
            })
        }
        ProjectCommand::Rank { under, as_of } => {
            let ranked: Vec<_> = reader(r)?
                .rank_pooled(as_of.unwrap_or_else(today_shanghai))
                .await?
                .into_iter()
                .filter(|(_, p)| p.county.starts_with(under.as_str()))
                .map(|(ranked, _)| ranked)
                .collect();
            emit(format, &ranked, || {
                let rows: Vec<Vec<String>> = ranked
                    .iter()
                    .map(|x| {
                        let (group_zh, group_en) = x.group.label();
                        vec![
                            x.rank.to_string(),
                            x.parts.code.clone(),
                            format!("{group_zh}/{group_en}"),
                            x.group_reason_zh.clone(),
                            format!(
                                "{} = {} + {} + {}",
                                x.score.total,
                                x.score.poor_village_points,
                                x.score.relocation_household_points,
                                x.score.poor_household_points
                            ),
                            x.parts.poor_villages.to_string(),
                            x.parts.relocation_households.to_string(),
                            x.parts.poor_households.to_string(),
                            x.parts.submitted_on.clone(),
                            format!("{} / {}", x.explanation_zh, x.explanation_en),
                        ]
                    })
                    .collect();
                render(
                    &[
                        "名次/rank",
                        "项目/project",
                        "分组/group",
                        "分组理由/why this group",
                        "得分/score (村+搬迁户+贫困户)",
                        "贫困村/poor villages",
                        "搬迁户/relocation hh",
                        "贫困户/poor hh",
                        "申报/submitted",
                        "依据/why",
                    ],
                    &rows,
                )
            })
        }
        ProjectCommand::Show { code } => {
            let door = reader(r)?;
            let p = door.project(&code).await?;
            let versions = door.versions(&code).await?;
            let rules = if p.state == ProjectState::Draft {
                door.submission_rules(&code).await?
            } else {
                Vec::new()
            };
            // The same domain functions as the scan and the pages (民法典 201–203, the
            // profile's calendar).
            let facts = door.project_deadline_facts(&code).await?;
            let completion = facts
                .as_ref()
                .and_then(|f| sanctions::project_completion(&r.profile, f));
            let advances = facts
                .as_ref()
                .map(|f| sanctions::open_advances(&r.profile, f))
                .unwrap_or_default();
            let extensions = door.extensions(&code).await?;
            emit(
                format,
                &serde_json::json!({
                    "project": p,
                    "versions": versions,
                    "submission_rules": rules,
                    "completion_deadline": completion,
                    "open_advances": advances,
                    "extensions": extensions,
                }),
                || {
                    let mut out = project_text(&p);
                    for v in &versions {
                        out.push_str(&format!(
                            "  v{} {} {} {} — {} (阻断/blocking {})\n",
                            v.version, v.kind, v.created_on, v.actor, v.reason, v.blocking
                        ));
                    }
                    out.push_str(&results_text(&rules));
                    out.push_str(&deadlines_text(completion.as_ref(), &advances));
                    out.extend(extensions.iter().map(extension_text));
                    out
                },
            )
        }
        ProjectCommand::List { under } => {
            let list: Vec<_> = reader(r)?
                .projects(None)
                .await?
                .into_iter()
                .filter(|p| p.county.starts_with(under.as_str()))
                .collect();
            emit(format, &list, || list.iter().map(project_text).collect())
        }
    }
}

async fn post(
    r: &Registry,
    format: OutputFormat,
    operation: Operation,
    who: &Who,
    key: &Option<String>,
) -> anyhow::Result<()> {
    let key = key_for(key, &operation, who);
    let entry = r
        .as_principal(&who.actor(r)?)
        .post(operation, &key, &who.reason, who.date())
        .await?;
    emit(format, &entry, || {
        let legs: Vec<String> = entry
            .legs
            .iter()
            .map(|l| format!("{} {:+}", l.account, l.amount_m2))
            .collect();
        let lots: Vec<String> = entry
            .lots_created
            .iter()
            .map(|l| format!("{}@{}", l.serial(), l.holder))
            .collect();
        format!(
            "台账条目 / entry {} ({}): {}\n  指标块 / lots: {}\n  哈希 / hash {}\n",
            entry.seq,
            entry.operation.kind(),
            legs.join(", "),
            lots.join(", "),
            entry.hash
        )
    })
}

impl LedgerCommand {
    /// A write: the operation it asks for, who asks and the idempotency key. `None` for reads.
    fn write(&self) -> anyhow::Result<Option<(Operation, &Who, &Option<String>)>> {
        use LedgerCommand as L;
        Ok(Some(match self {
            L::Advance {
                project,
                amount_m2,
                who,
                key,
            } => (
                Operation::Advance {
                    project: project.clone(),
                    amount_m2: *amount_m2,
                },
                who,
                key,
            ),
            L::Repay {
                project,
                amount_m2,
                who,
                key,
            } => (
                Operation::Repay {
                    project: project.clone(),
                    amount_m2: *amount_m2,
                },
                who,
                key,
            ),
            L::Reserve {
                county,
                amount_m2,
                purpose,
                who,
                key,
            } => {
                let op = Operation::Reserve {
                    division: code(county)?,
                    amount_m2: *amount_m2,
                    purpose: purpose.clone(),
                };
                (op, who, key)
            }
            L::Release {
                county,
                amount_m2,
                who,
                key,
            } => (
                Operation::Release {
                    division: code(county)?,
                    amount_m2: *amount_m2,
                },
                who,
                key,
            ),
            L::List {
                county,
                listing,
                amount_m2,
                who,
                key,
            } => {
                let op = Operation::List {
                    division: code(county)?,
                    listing: listing.clone(),
                    amount_m2: *amount_m2,
                };
                (op, who, key)
            }
            L::Withdraw {
                listing,
                amount_m2,
                who,
                key,
            } => (
                Operation::Withdraw {
                    listing: listing.clone(),
                    amount_m2: *amount_m2,
                },
                who,
                key,
            ),
            L::Transfer {
                listing,
                buyer,
                amount_m2,
                price_yuan_per_mu,
                who,
                key,
            } => {
                let price_fen_per_mu = price_yuan_per_mu
                    .checked_mul(100)
                    .context("价格过大 / price too large")?;
                let op = Operation::Transfer {
                    listing: listing.clone(),
                    buyer: code(buyer)?,
                    amount_m2: *amount_m2,
                    price_fen_per_mu,
                    priced_on: None,
                };
                (op, who, key)
            }
            L::Grant {
                county,
                year,
                amount_m2,
                who,
                key,
            } => (
                Operation::GrantAnnualPlan {
                    county: code(county)?,
                    year: *year,
                    amount_m2: *amount_m2,
                },
                who,
                key,
            ),
            L::Deduct {
                county,
                year,
                amount_m2,
                who,
                key,
            } => {
                let op = Operation::Deduct {
                    county: code(county)?,
                    year: *year,
                    amount_m2: *amount_m2,
                    project: None,
                };
                (op, who, key)
            }
            L::Reverse { seq, who, key } => (Operation::Reverse { seq: *seq }, who, key),
            L::Entries
            | L::Balances
            | L::Lots { .. }
            | L::History { .. }
            | L::Checkpoint { .. } => return Ok(None),
        }))
    }
}

async fn ledger(r: &Registry, format: OutputFormat, command: LedgerCommand) -> anyhow::Result<()> {
    if let Some((operation, who, key)) = command.write()? {
        return post(r, format, operation, who, key).await;
    }
    match command {
        LedgerCommand::Entries => {
            let door = reader(r)?;
            let scope = door.read_scope().await?;
            let entries = door.journal_entries(&scope).await?;
            emit(format, &entries, || {
                let rows: Vec<Vec<String>> = entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.meta.effective.to_string(),
                            e.operation.kind().to_owned(),
                            e.legs
                                .iter()
                                .map(|l| format!("{} {:+}", l.account, l.amount_m2))
                                .collect::<Vec<_>>()
                                .join(", "),
                            e.meta.actor.clone(),
                            e.hash[..12].to_owned(),
                        ]
                    })
                    .collect();
                render(
                    &[
                        "序号/seq",
                        "日期/date",
                        "类型/kind",
                        "分录/legs (m²)",
                        "操作人/actor",
                        "哈希/hash",
                    ],
                    &rows,
                )
            })
        }
        LedgerCommand::Balances => {
            let door = reader(r)?;
            let scope = door.read_scope().await?;
            let balances = door.balances(&scope).await?;
            let list: Vec<(String, i64)> = balances.iter().map(|(a, b)| (a.key(), *b)).collect();
            emit(format, &list, || {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|(a, b)| {
                        let area = guagou_domain::SquareMetres(*b);
                        vec![
                            a.clone(),
                            b.to_string(),
                            area.hectares_text(),
                            area.mu_text(),
                        ]
                    })
                    .collect();
                render(&["账户/account", "m²", "公顷/ha", "亩/mu"], &rows)
            })
        }
        LedgerCommand::Lots { account } => {
            let account = Account::from_key(&account)
                .with_context(|| format!("账户格式错误 / unknown account key {account}"))?;
            let door = reader(r)?;
            let scope = door.read_scope().await?;
            let lots = door.open_lots(&scope, &account).await?;
            emit(format, &lots, || {
                lots.iter()
                    .map(|l| {
                        format!(
                            "{} ({} m²) lot {} parent {:?}\n",
                            l.serial(),
                            l.size(),
                            l.id,
                            l.parent
                        )
                    })
                    .collect()
            })
        }
        LedgerCommand::History { project, serial } => {
            let door = reader(r)?;
            let scope = door.read_scope().await?;
            let lots = door.lot_history(&scope, &project, serial).await?;
            emit(format, &lots, || {
                lots.iter()
                    .map(|l| {
                        format!(
                            "lot {} {} @ {} (entry {}, parent {:?})\n",
                            l.id,
                            l.serial(),
                            l.holder,
                            l.created_by,
                            l.parent
                        )
                    })
                    .collect()
            })
        }
        LedgerCommand::Checkpoint { as_of } => {
            // The heads of all three chains: the ledger, the funds journal and the audit log.
            let checkpoint = r
                .export_registry_checkpoint(as_of.unwrap_or_else(today_shanghai))
                .await?;
            emit(format, &checkpoint, || {
                format!(
                    "{}\n",
                    serde_json::to_string(&checkpoint).unwrap_or_default()
                )
            })
        }
        // Writes were handled above.
        _ => Ok(()),
    }
}

/// One extension request as a line of text.
fn extension_text(e: &guagou_registry::extensions::Extension) -> String {
    let (zh, en) = e.state.label();
    let mut line = format!(
        "{} #{}: {} 申请延至 / asked until {}（{}）— {zh} / {en}",
        e.code, e.seq, e.requested_on, e.requested_until, e.reason
    );
    if let Some(until) = e.granted_until {
        line.push_str(&format!("，延至 / until {until}"));
    }
    if let (Some(on), Some(reason)) = (e.decided_on, &e.decision_reason) {
        line.push_str(&format!("（{on}：{reason}）"));
    }
    line.push('\n');
    line
}

/// A project's completion deadline and open advances as text lines.
fn deadlines_text(
    completion: Option<&sanctions::CompletionDeadline>,
    advances: &[sanctions::OpenAdvance],
) -> String {
    let mut out = String::new();
    if let Some(c) = completion {
        let kind = if c.binding {
            "预支指标项目，不得延期 / took an advance, no extension"
        } else if c.extended {
            "已批准延期，不制裁 / extended by decision, no sanction"
        } else {
            "未预支，不制裁，可申请延期 / no advance: no sanction, may be extended"
        };
        let met = if c.met {
            "，已按期申请验收 / acceptance applied for in time"
        } else {
            ""
        };
        out.push_str(&format!(
            "  实施完成期限/completion deadline {}（{kind}{met}）\n",
            c.last_day
        ));
    }
    for a in advances {
        let stopped = if a.awaiting_acceptance {
            "，已按期申请验收，期限中止 / applied for acceptance in time, clock stopped"
        } else {
            ""
        };
        out.push_str(&format!(
            "  预支 #{} 尚欠/owed {} m² 归还期限/due {}{stopped}\n",
            a.seq, a.owed_m2, a.due
        ));
    }
    out
}
