//! `guagou check PACKAGE`: the offline pre-check county staff run before submitting a project.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use guagou_check::measure::{CheckOutcome, LandUseRule};
use guagou_check::{CheckInputs, run_check};
use guagou_domain::Profile;
use guagou_domain::SquareMetres;
use guagou_domain::check::RuleResult;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::protection::ProtectionKind;

use crate::table::render;
use crate::{Lang, OutputFormat};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 项目包目录 / package folder (holding project.toml)
    pub package: PathBuf,
    /// 规则配置 / policy profile TOML (default: the built-in policy/dazhou-2017.toml)
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// 土地利用现状底图 / land-use base layer for DEMOLITION_IS_CONSTRUCTION_LAND: a layer
    /// stored by `guagou import landuse` (.gpkg, indexed) or any parcel file (read whole)
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// 复垦后底图 / the updated land-use layer or reclamation survey for RECLAIMED_IS_FARMLAND
    /// (as --base)
    #[arg(long)]
    pub reclaimed_base: Option<PathBuf>,
    /// 永久基本农田图层 / permanent basic farmland layer for RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND
    /// and CONSTRUCTION_NOT_ON_PERMANENT_FARMLAND: a layer stored by `guagou import protection`
    /// (.gpkg, indexed) or any parcel file in any CRS (read whole)
    #[arg(long)]
    pub permanent_farmland: Option<PathBuf>,
    /// 生态保护红线图层 / ecological protection red line layer for
    /// RESETTLEMENT_NOT_IN_ECOLOGICAL_REDLINE, CONSTRUCTION_NOT_IN_ECOLOGICAL_REDLINE and
    /// DEMOLITION_IN_ECOLOGICAL_REDLINE (as --permanent-farmland)
    #[arg(long)]
    pub ecological_redline: Option<PathBuf>,
    /// 城镇开发边界图层 / urban development boundary layer for RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY
    /// (as --permanent-farmland)
    #[arg(long)]
    pub urban_boundary: Option<PathBuf>,
    /// 各拆旧地块的地类面积写入 JSON 文件 / write the land use under each demolition parcel
    /// (classes, features, areas) to this JSON file
    #[arg(long)]
    pub land_use_out: Option<PathBuf>,
    /// 底图地类编码字段 / attribute of the base layer holding the land-class code (default: DLBM, 地类编码, …)
    #[arg(long)]
    pub base_class_field: Option<String>,
    /// 地类表 / land-class table TOML (default: built-in GB/T 21010)
    #[arg(long)]
    pub land_classes: Option<PathBuf>,
    /// 其他在建项目地块 / parcel files of other live projects for NO_DOUBLE_COUNTING
    #[arg(long, num_args = 1..)]
    pub others: Vec<PathBuf>,
    /// 乡镇边界 / township boundaries (any parcel format and CRS) for township assignment by location
    #[arg(long)]
    pub townships: Option<PathBuf>,
    /// 乡镇边界代码字段 / attribute of the boundaries holding the township code (default: code, adcode, XZQDM, 行政区划代码)
    #[arg(long, requires = "townships")]
    pub township_field: Option<String>,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// 基准日 / the date checks treat as today (YYYY-MM-DD; default: today in Asia/Shanghai)
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    guagou_domain::profile::toml_date::parse_text(text)
}

/// Today in Asia/Shanghai (UTC+8, no daylight saving), for when `--as-of` is not given.
pub fn today_shanghai() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub fn run(args: &CheckArgs, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let profile = match &args.profile {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("无法读取规则配置 / cannot read profile {}", path.display())
            })?;
            Profile::from_toml(&path.display().to_string(), &text)?
        }
        None => Profile::dazhou_2017()?,
    };
    let land_classes = match &args.land_classes {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "无法读取地类表 / cannot read land-class table {}",
                    path.display()
                )
            })?;
            LandClassTable::from_toml(&path.display().to_string(), &text)?
        }
        None => LandClassTable::gbt21010()?,
    };
    let plane = guagou_geo::Crs::GaussKruger {
        zone: profile.spatial.gk_zone.value,
        prefixed: false,
    };
    let townships = match &args.townships {
        Some(path) => {
            guagou_check::township::read_boundaries(path, args.township_field.as_deref(), plane)?
        }
        None => Vec::new(),
    };
    let stored = |path: &Option<PathBuf>| path.clone().filter(|p| is_stored_layer(p));
    let in_memory = |path: &Option<PathBuf>| path.clone().filter(|p| !is_stored_layer(p));
    let inputs = CheckInputs {
        package_dir: args.package.clone(),
        profile,
        land_classes,
        base_layer: in_memory(&args.base),
        reclaimed_layer: in_memory(&args.reclaimed_base),
        base_class_field: args.base_class_field.clone(),
        others: args.others.clone(),
        other_projects: Vec::new(),
        townships,
        as_of: args.as_of.unwrap_or_else(today_shanghai),
    };
    // The package's stable code goes first, as for registry errors: `[path_outside_package]`.
    let mut outcome = run_check(&inputs).map_err(|e| {
        let code = e.code();
        anyhow::Error::new(e).context(format!("[{code}]"))
    })?;
    let mut land_use = serde_json::Map::new();
    for (path, rule, key) in [
        (stored(&args.base), LandUseRule::ConstructionBefore, "base"),
        (
            stored(&args.reclaimed_base),
            LandUseRule::FarmlandAfter,
            "reclaimed_base",
        ),
    ] {
        let Some(path) = path else { continue };
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let label = path.display().to_string();
        let per_parcel = runtime.block_on(guagou_base::check::judge_on_layer(
            &mut outcome,
            &inputs.profile,
            &inputs.land_classes,
            rule,
            &path,
            &label,
        ))?;
        land_use.insert(key.to_owned(), land_use_json(&outcome, &per_parcel));
    }
    for (kind, path) in [
        (ProtectionKind::PermanentFarmland, &args.permanent_farmland),
        (ProtectionKind::EcologicalRedline, &args.ecological_redline),
        (ProtectionKind::UrbanBoundary, &args.urban_boundary),
    ] {
        let Some(path) = path else { continue };
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        runtime.block_on(guagou_base::protection::judge_protection(
            &mut outcome,
            &inputs.profile,
            kind,
            path,
            &path.display().to_string(),
        ))?;
    }
    if let Some(out) = &args.land_use_out {
        let text = serde_json::to_string_pretty(&land_use)?;
        std::fs::write(out, text)
            .with_context(|| format!("无法写入 / cannot write {}", out.display()))?;
    }
    for warning in &outcome.warnings {
        eprintln!("提示 / warning: {warning}");
    }
    match format {
        OutputFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&outcome.report.results)?)
        }
        OutputFormat::Text => print!("{}", render_text(&outcome, args.lang)),
    }
    if format == OutputFormat::Json {
        for skipped in &outcome.report.not_checked {
            eprintln!(
                "未检查 / not checked: {} — {} / {}",
                skipped.rule, skipped.reason_zh, skipped.reason_en
            );
        }
    }
    Ok(if outcome.report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A layer written by `guagou import landuse`: read through its index, never whole.
fn is_stored_layer(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
}

/// `{ "parcel name": { "classes": {code: m²}, "features": [...] } }` for `--land-use-out`.
fn land_use_json(
    outcome: &CheckOutcome,
    per_parcel: &[guagou_base::ParcelLandUse],
) -> serde_json::Value {
    let names = outcome
        .parcels
        .iter()
        .filter(|p| p.role == guagou_check::package::ParcelRole::Demolition)
        .map(|p| p.name.clone());
    let map: serde_json::Map<String, serde_json::Value> = names
        .zip(per_parcel)
        .map(|(name, land)| {
            let classes: serde_json::Map<String, serde_json::Value> = land
                .classes
                .iter()
                .map(|(code, area)| (code.clone(), serde_json::json!(area)))
                .collect();
            (
                name,
                serde_json::json!({ "classes": classes, "features": land.features }),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

fn render_text(outcome: &CheckOutcome, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    out.push_str(&if zh {
        format!(
            "项目包预检：{}（{}）  县 {}  规则配置 {}  基准日 {}\n\n",
            outcome.name, outcome.code, outcome.county, outcome.profile, outcome.as_of
        )
    } else {
        format!(
            "Package pre-check: {} ({})  county {}  profile {}  as of {}\n\n",
            outcome.name, outcome.code, outcome.county, outcome.profile, outcome.as_of
        )
    });
    out.push_str(&parcel_table(outcome, zh));
    out.push('\n');
    out.push_str(&rule_table(&outcome.report.results, zh));
    for skipped in &outcome.report.not_checked {
        out.push_str(&if zh {
            format!("未检查 {}：{}\n", skipped.rule, skipped.reason_zh)
        } else {
            format!("not checked {}: {}\n", skipped.rule, skipped.reason_en)
        });
    }
    let (errors, warnings) = (outcome.report.blocking(), outcome.report.warnings());
    out.push_str(&match (zh, outcome.report.passed()) {
        (true, true) => format!("\n结论：通过（{errors} 项错误，{warnings} 项警告）\n"),
        (true, false) => format!("\n结论：不通过（{errors} 项错误，{warnings} 项警告）\n"),
        (false, true) => format!("\nVerdict: PASS ({errors} errors, {warnings} warnings)\n"),
        (false, false) => format!("\nVerdict: FAIL ({errors} errors, {warnings} warnings)\n"),
    });
    out
}

fn parcel_table(outcome: &CheckOutcome, zh: bool) -> String {
    let headers: &[&str] = if zh {
        &[
            "用途",
            "地块",
            "平面面积 m²",
            "椭球面积 m²",
            "公顷",
            "亩",
            "乡镇",
            "文件",
        ]
    } else {
        &[
            "role",
            "parcel",
            "planar m²",
            "ellipsoidal m²",
            "ha",
            "mu",
            "township",
            "file",
        ]
    };
    let rows: Vec<Vec<String>> = outcome
        .parcels
        .iter()
        .map(|p| {
            let area = SquareMetres::from_measured(p.planar_m2).unwrap_or_default();
            vec![
                if zh {
                    p.role.label_zh().to_owned()
                } else {
                    format!("{:?}", p.role).to_lowercase()
                },
                p.name.clone(),
                format!("{:.2}", p.planar_m2),
                format!("{:.2}", p.ellipsoidal_m2),
                area.hectares_text(),
                area.mu_text(),
                p.township.clone().unwrap_or_else(|| "—".into()),
                p.file.clone(),
            ]
        })
        .collect();
    render(headers, &rows)
}

fn rule_table(results: &[RuleResult], zh: bool) -> String {
    let headers: &[&str] = if zh {
        &["规则", "级别", "结果", "实测", "限值", "条款", "说明"]
    } else {
        &[
            "rule", "severity", "result", "measured", "limit", "clause", "message",
        ]
    };
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let information = r.severity == guagou_domain::Severity::Information;
            let verdict = match (r.passed, information, zh) {
                (true, _, true) => "通过",
                (true, _, false) => "pass",
                // Reported, asks for nothing (DEMOLITION_IN_ECOLOGICAL_REDLINE).
                (false, true, true) => "提示",
                (false, true, false) => "note",
                (false, false, true) => "不通过",
                (false, false, false) => "FAIL",
            };
            let mut message = if zh {
                r.message_zh.clone()
            } else {
                r.message_en.clone()
            };
            if let Some(justification) = &r.justification {
                message.push_str(&if zh {
                    format!("（说明：{justification}）")
                } else {
                    format!(" (justification: {justification})")
                });
            }
            vec![
                r.rule.to_string(),
                if zh {
                    r.severity.label_zh()
                } else {
                    r.severity.label_en()
                }
                .to_owned(),
                verdict.to_owned(),
                if zh {
                    r.measured.text_zh()
                } else {
                    r.measured.text_en()
                },
                if zh {
                    r.limit.text_zh()
                } else {
                    r.limit.text_en()
                },
                r.clause.clone(),
                message,
            ]
        })
        .collect();
    render(headers, &rows)
}
