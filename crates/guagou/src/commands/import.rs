//! `guagou import`: base layers into the data directory (`import landuse`, `import
//! protection`), and the list of what is stored (`import list`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use guagou_base::{ImportOptions, Progress};
use guagou_domain::DivisionCode;
use guagou_domain::protection::ProtectionKind;
use guagou_registry::base_layers::LayerImport;
use indicatif::{ProgressBar, ProgressStyle};

use crate::OutputFormat;
use crate::commands::registry::{Common, Who, open_registry, runtime};
use crate::table::render;

/// What every layer import reads: the file, where it belongs, who imports it and why.
#[derive(Debug, Args)]
pub struct LayerSource {
    /// 图层文件 / the layer file
    file: PathBuf,
    /// 县级代码 / county code (6 digits)
    #[arg(long)]
    county: String,
    /// 年度 / vintage (year): 2019 for 三调, 2022 for the 三区三线 划定成果
    #[arg(long)]
    vintage: i64,
    /// GeoPackage 图层 / feature table, when the GeoPackage has several
    #[arg(long)]
    layer: Option<String>,
    /// 替换同县同年度同类图层 / replace the current layer of the same county, kind and vintage
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    who: Who,
}

impl LayerSource {
    /// The registry's request; `class_field` for a land-use layer.
    fn request(&self, class_field: Option<String>) -> anyhow::Result<LayerImport> {
        Ok(LayerImport {
            source: self.file.clone(),
            county: DivisionCode::parse(&self.county)?,
            vintage: self.vintage,
            options: ImportOptions {
                class_field,
                layer: self.layer.clone(),
                ..ImportOptions::default()
            },
            reason: self.who.reason.clone(),
            replace: self.replace,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入土地利用现状底图 / import a county land-use layer (Shapefile, GeoPackage, GeoJSON,
    /// zipped Shapefile) into the data directory, indexed, on the profile's plane
    Landuse {
        #[command(flatten)]
        source: LayerSource,
        /// 地类编码字段 / attribute holding the land-class code (default: DLBM, 地类编码, …)
        #[arg(long)]
        class_field: Option<String>,
    },
    /// 导入三区三线图层 / import a county protection layer (永久基本农田, 生态保护红线,
    /// 城镇开发边界) from a Shapefile, GeoPackage or GeoJSON, stored like a land-use layer
    Protection {
        #[command(flatten)]
        source: LayerSource,
        /// 图层类型 / layer kind
        #[arg(long, value_parser = ["permanent_farmland", "ecological_redline", "urban_boundary"])]
        kind: String,
    },
    /// 列出已导入底图 / list the stored base layers
    List {
        /// 县级代码 / only this county
        #[arg(long)]
        county: Option<String>,
    },
}

pub fn run(common: &Common, command: ImportCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let registry = open_registry(common).await?;
        match command {
            ImportCommand::Landuse {
                source,
                class_field,
            } => {
                let request = source.request(class_field)?;
                import_with_progress(common, &registry, &source.who, None, &request).await
            }
            ImportCommand::Protection { source, kind } => {
                let kind = ProtectionKind::parse(&kind)
                    .ok_or_else(|| anyhow::anyhow!("未知图层类型 / unknown layer kind: {kind}"))?;
                let request = source.request(None)?;
                import_with_progress(common, &registry, &source.who, Some(kind), &request).await
            }
            ImportCommand::List { county } => {
                let layers = crate::commands::registry::reader(&registry)?
                    .base_layers(county.as_deref())
                    .await?;
                match common.format {
                    OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&layers)?),
                    OutputFormat::Text => {
                        let rows: Vec<Vec<String>> = layers
                            .iter()
                            .map(|l| {
                                vec![
                                    l.id.to_string(),
                                    l.kind.clone(),
                                    l.county.clone(),
                                    l.vintage.to_string(),
                                    l.features.to_string(),
                                    l.replaced_by
                                        .map(|r| format!("被 #{r} 替换 / replaced by #{r}"))
                                        .unwrap_or_else(|| "现行 / current".into()),
                                    l.imported_by.clone(),
                                    l.imported_at.clone(),
                                    l.file.clone(),
                                ]
                            })
                            .collect();
                        print!(
                            "{}",
                            render(
                                &[
                                    "编号/id",
                                    "类型/kind",
                                    "县/county",
                                    "年度/vintage",
                                    "图斑/features",
                                    "状态/state",
                                    "导入人/by",
                                    "时间/at",
                                    "文件/file"
                                ],
                                &rows
                            )
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// Imports a land-use layer (`kind` `None`) or a protection layer, with a spinner and a
/// progress bar on the terminal, and prints what was stored.
async fn import_with_progress(
    common: &Common,
    registry: &guagou_registry::Registry,
    who: &Who,
    kind: Option<ProtectionKind>,
    request: &LayerImport,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = ProgressBar::new_spinner();
    bar.set_message("读取并检查底图 / reading and checking the layer");
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut read_done: Option<Instant> = None;
    let mut on_progress = |p: Progress| {
        if let Progress::Writing { done, total } = p {
            read_done.get_or_insert_with(Instant::now);
            if bar.length() != Some(total) {
                bar.set_length(total);
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message("写入并建索引 / writing and indexing");
            }
            bar.set_position(done);
        }
    };
    let principal = registry.as_principal(&who.actor(registry)?);
    let stored = match kind {
        None => principal.import_landuse(request, &mut on_progress).await,
        Some(kind) => {
            principal
                .import_protection(kind, request, &mut on_progress)
                .await
        }
    };
    bar.finish_and_clear();
    let stored = stored?;
    let seconds = started.elapsed().as_secs_f64();
    let read_seconds = read_done.map_or(seconds, |t| (t - started).as_secs_f64());
    match common.format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "layer": stored, "seconds": seconds, "read_seconds": read_seconds
            }))?
        ),
        OutputFormat::Text => print!(
            "已导入{label_zh} #{id}：{county} {vintage} 年度，{n} 个图斑{field_zh}，用时 {seconds:.1} 秒（读取与检查 {read_seconds:.1} 秒）\n\
                 imported {label_en} #{id}: {county} vintage {vintage}, {n} features{field_en}, {seconds:.1} s (reading and checking {read_seconds:.1} s)\n\
                 文件 / file: {file}  sha256 {sha}\n{unknown}",
            id = stored.id,
            county = stored.county,
            vintage = stored.vintage,
            n = stored.features,
            label_zh = kind.map_or("底图", ProtectionKind::label_zh),
            label_en = kind.map_or("layer", ProtectionKind::label_en),
            field_zh = field_text("，地类字段 ", &stored.class_field),
            field_en = field_text(", class field ", &stored.class_field),
            file = stored.file,
            sha = stored.sha256,
            unknown = unknown_codes(&stored.classes),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `prefix field`, or nothing when the layer has no class field (protection layers).
fn field_text(prefix: &str, field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{prefix}{field}")
    }
}

/// The codes the class table does not know, as a warning line (empty when none).
fn unknown_codes(classes: &serde_json::Value) -> String {
    let unknown: Vec<&str> = classes
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, t)| t.get("known").and_then(|k| k.as_bool()) == Some(false))
                .map(|(code, _)| code.as_str())
                .collect()
        })
        .unwrap_or_default();
    if unknown.is_empty() {
        String::new()
    } else {
        format!(
            "提示：地类表中没有的编码（按原样保存，规则逐地块报告）/ warning: codes not in the class table (stored as they are, reported per parcel by the rules): {}\n",
            unknown.join(", ")
        )
    }
}
