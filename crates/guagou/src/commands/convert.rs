//! `guagou convert IN OUT`: between the supported formats, chosen by extension.

use std::path::Path;
use std::process::ExitCode;

use guagou_geo::Crs;
use guagou_geo::formats::{ReadOptions, read_parcels_with, write_parcels};

pub fn run(
    input: &Path,
    output: &Path,
    crs: Option<&str>,
    options: ReadOptions,
) -> anyhow::Result<ExitCode> {
    let target = match crs {
        Some(text) => Some(Crs::parse(text).map_err(|kind| {
            anyhow::anyhow!(
                "--crs {text}: {} / {}",
                kind.message_zh(),
                kind.message_en()
            )
        })?),
        None => None,
    };
    let file = read_parcels_with(input, &options)?;
    for warning in &file.warnings {
        eprintln!("提示 / warning: {warning}");
    }
    write_parcels(output, &file, target)?;
    eprintln!(
        "已写出 {} 个地块 / wrote {} parcels: {} → {}",
        file.parcels.len(),
        file.parcels.len(),
        input.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}
