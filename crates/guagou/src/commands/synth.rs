//! `guagou synth`: a deterministic synthetic county (land-use layer, townships, projects).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use guagou_synth::{SynthOptions, generate};

/// Arguments of `guagou synth`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// 县级代码 / county code (6 digits)
    #[arg(long)]
    pub county: String,
    /// 底图图斑数 / number of land-use polygons
    #[arg(long, default_value_t = 10_000)]
    pub polygons: u64,
    /// 随机种子 / seed: the same seed gives the same files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 输出目录 / output folder
    #[arg(long)]
    pub out: PathBuf,
    /// 基准测试包的拆旧地块数 / demolition parcels of the benchmark package (default 1000, fewer if the township has no room)
    #[arg(long)]
    pub parcels: Option<u64>,
}

pub fn run(args: &SynthArgs) -> anyhow::Result<ExitCode> {
    let options = SynthOptions {
        county: args.county.clone(),
        polygons: args.polygons,
        seed: args.seed,
        bench_parcels: args.parcels,
    };
    let started = Instant::now();
    // Drawn on stderr and only on a terminal (indicatif hides it otherwise), so stdout holds
    // only the summary and logs stay clean.
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "底图 / layer [{bar:40}] {pos}/{len} {per_sec} {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let summary = generate(&options, &args.out, |done, total| {
        if bar.length() != Some(total) {
            bar.set_length(total);
        }
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let summary = summary?;
    let elapsed = started.elapsed().as_secs_f64();
    let [min_e, min_n, max_e, max_n] = summary.extent;
    println!(
        "已生成 / generated: {} ({})",
        summary.out_dir.display(),
        summary.county
    );
    println!(
        "  图斑 / polygons: {}，乡镇 / townships: {}，村 / villages: {}",
        summary.polygons, summary.townships, summary.villages
    );
    println!(
        "  范围 / extent (EPSG:4545): E {min_e:.0}–{max_e:.0}, N {min_n:.0}–{max_n:.0}; 面积 / area {:.2} km²",
        summary.area_m2 / 1e6
    );
    println!(
        "  已知答案项目 / known-answer projects: {}",
        summary.projects.join(", ")
    );
    println!(
        "  基准测试包 / benchmark package: {} 个拆旧地块 / demolition parcels",
        summary.bench_parcels
    );
    let total: u64 = summary.files.iter().map(|(_, size)| size).sum();
    println!(
        "  文件 / files: {}，共 / total {:.1} MB",
        summary.files.len(),
        total as f64 / 1e6
    );
    for (path, size) in summary
        .files
        .iter()
        .filter(|(p, _)| p.components().count() == 1)
    {
        println!("    {:<20} {:>12} B", path.display(), size);
    }
    println!("  用时 / elapsed: {elapsed:.1} s");
    Ok(ExitCode::SUCCESS)
}
