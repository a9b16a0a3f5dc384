//! A generated county shared by the tests that only read it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use guagou_synth::{Summary, SynthOptions, generate};

pub const COUNTY: &str = "511722";

pub fn options(polygons: u64, seed: u64, parcels: Option<u64>) -> SynthOptions {
    SynthOptions {
        county: COUNTY.to_owned(),
        polygons,
        seed,
        bench_parcels: parcels,
    }
}

pub fn generate_into(dir: &Path, options: &SynthOptions) -> Summary {
    generate(options, dir, |_, _| {}).expect("generate")
}

struct Shared {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A 2 500-polygon county (seed 7, 60 benchmark parcels), generated once per test run.
pub fn shared() -> &'static Path {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("county");
        generate_into(&path, &options(2_500, 7, Some(60)));
        Shared { _dir: dir, path }
    });
    &shared.path
}

pub fn answers(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("answers.json")).expect("answers.json");
    serde_json::from_str(&text).expect("answers.json is JSON")
}

/// Relative error |a − b| / max(|b|, 1).
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}
