//! `guagou parcels FILE`: the parcels of any supported file with both areas.

use std::path::Path;
use std::process::ExitCode;

use guagou_domain::SquareMetres;
use guagou_geo::formats::{ReadOptions, read_parcels_with};
use serde::Serialize;

use crate::table::render;
use crate::{Lang, OutputFormat};

/// One row of `guagou parcels --format json` (a stable contract for scripts).
#[derive(Debug, Serialize)]
struct ParcelRow {
    name: String,
    planar_m2: f64,
    ellipsoidal_m2: f64,
    rings: usize,
    parts: usize,
    crs: String,
    zone: u8,
    hectares: String,
    mu: String,
    attributes: std::collections::BTreeMap<String, String>,
}

pub fn run(
    path: &Path,
    format: OutputFormat,
    lang: Lang,
    options: ReadOptions,
) -> anyhow::Result<ExitCode> {
    let file = read_parcels_with(path, &options)?;
    let mut rows = Vec::with_capacity(file.parcels.len());
    for parcel in &file.parcels {
        let areas = parcel.areas(file.crs).map_err(|kind| {
            guagou_geo::GeoError::new(
                guagou_geo::Location::file(file.source.clone()).record(parcel.name.clone()),
                kind,
            )
        })?;
        let rounded = SquareMetres::from_measured(areas.planar_m2).unwrap_or_default();
        rows.push(ParcelRow {
            name: parcel.name.clone(),
            planar_m2: areas.planar_m2,
            ellipsoidal_m2: areas.ellipsoidal_m2,
            rings: parcel.ring_count(),
            parts: parcel.geometry.0.len(),
            crs: file.crs.label(),
            zone: areas.zone,
            hectares: rounded.hectares_text(),
            mu: rounded.mu_text(),
            attributes: parcel.attributes.clone(),
        });
    }
    for warning in &file.warnings {
        eprintln!("提示 / warning: {warning}");
    }
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        OutputFormat::Text => {
            let headers: &[&str] = if lang == Lang::Zh {
                &[
                    "地块",
                    "平面面积 m²",
                    "椭球面积 m²",
                    "公顷",
                    "亩",
                    "圈数",
                    "坐标系",
                ]
            } else {
                &[
                    "parcel",
                    "planar m²",
                    "ellipsoidal m²",
                    "ha",
                    "mu",
                    "rings",
                    "crs",
                ]
            };
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        format!("{:.2}", r.planar_m2),
                        format!("{:.2}", r.ellipsoidal_m2),
                        r.hectares.clone(),
                        r.mu.clone(),
                        r.rings.to_string(),
                        r.crs.clone(),
                    ]
                })
                .collect();
            print!("{}", render(headers, &table));
        }
    }
    Ok(ExitCode::SUCCESS)
}
