//! Checks the page catalogue (`catalogue/*.toml`, see `build/catalogue.rs`) and generates its
//! keys, so that a page naming a missing text does not compile.
//!
//! Installs the front-end libraries (Pico CSS for the page design, Leaflet for maps, Chart.js
//! for report charts) from the npm registry and embeds them.
//!
//! Nothing third-party is committed: `web/package.json` and `web/package-lock.json` at the
//! repository root pin the versions. This script copies both into `OUT_DIR`, runs
//! `npm ci --ignore-scripts --no-audit --no-fund` there, and writes `OUT_DIR/assets.rs`, which
//! `src/map.rs` includes: `LEAFLET_EMBEDDED`, `CHART_EMBEDDED`, `PICO_EMBEDDED` and `LIBRARY`, the list of (file
//! name, content type, bytes) served under `/assets/`. `GUAGOU_NODE_MODULES=<dir>` uses an existing
//! `node_modules` instead of running npm; `GUAGOU_NPM=<program>` runs another npm.
//!
//! If npm is missing or fails, the build does not fail: `LIBRARY` holds a small fallback script
//! (assets/leaflet-fallback.js) and the map shows a bilingual notice and a table of parcels.
//! A `cargo:warning` says so. Without Chart.js (`CHART_EMBEDDED` false) the reports page shows
//! its tables without charts. Without Pico the pages keep their own stylesheet
//! (`assets/site.css`) only.

#[path = "build/catalogue.rs"]
mod catalogue;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `npm ci` may take before the build gives up on it and embeds the fallback.
const NPM_TIMEOUT: Duration = Duration::from_secs(300);

/// The files of Leaflet's `dist/` folder that are served, with their content types.
const LEAFLET_FILES: &[(&str, &str)] = &[
    ("leaflet.js", "text/javascript; charset=utf-8"),
    ("leaflet.css", "text/css; charset=utf-8"),
];

/// Chart.js's self-contained UMD build (it bundles its one dependency), served as
/// `/assets/chart.umd.js`.
const CHART_FILE: &str = "chart.js/dist/chart.umd.js";

/// Pico's stylesheet (semantic HTML styled without classes; light and dark themes), served as
/// `/assets/pico.min.css`.
const PICO_FILE: &str = "@picocss/pico/css/pico.min.css";

/// proj4's self-contained UMD build, served as `/assets/proj4.js`: the map's cursor coordinates
/// on the CGCS2000 Gauss–Krüger plane.
const PROJ4_FILE: &str = "proj4/dist/proj4.js";

/// Adds `node_modules/<file>` to `entries`, served as `/assets/<name>`, when npm installed it;
/// otherwise a build warning says what the pages lack (`lacking`). npm's own failure was
/// already reported with Leaflet.
fn optional(
    modules: &Result<PathBuf, String>,
    entries: &mut Vec<(String, &'static str, PathBuf)>,
    (file, name): (&str, &str),
    lacking: &str,
) -> bool {
    let Ok(modules) = modules else {
        return false;
    };
    let path = modules.join(file);
    if !path.is_file() {
        println!(
            "cargo:warning={name} not embedded ({} is missing); {lacking}.",
            path.display()
        );
        return false;
    }
    let content_type = if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    entries.push((name.to_owned(), content_type, path));
    true
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let web = manifest.join("../../web");
    println!(
        "cargo:rerun-if-changed={}",
        web.join("package.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        web.join("package-lock.json").display()
    );
    println!("cargo:rerun-if-changed=assets/leaflet-fallback.js");
    println!("cargo:rerun-if-env-changed=GUAGOU_NODE_MODULES");
    println!("cargo:rerun-if-env-changed=GUAGOU_NPM");

    let modules = match std::env::var_os("GUAGOU_NODE_MODULES") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => install(&web, &out),
    };
    let (leaflet, mut entries) = match modules
        .as_ref()
        .map_err(String::clone)
        .and_then(|modules| library(&modules.join("leaflet/dist")))
    {
        Ok(entries) => (true, entries),
        Err(why) => {
            println!(
                "cargo:warning=Leaflet not embedded ({why}); the map shows a notice and a table \
                 of parcels instead. Install Node.js/npm and rebuild \
                 (地图库未安装：请安装 Node.js/npm 后重新构建)."
            );
            (false, fallback(&manifest))
        }
    };
    let chart = optional(
        &modules,
        &mut entries,
        (CHART_FILE, "chart.umd.js"),
        "reports show tables without charts (图表库未安装)",
    );
    let pico = optional(
        &modules,
        &mut entries,
        (PICO_FILE, "pico.min.css"),
        "pages use their own stylesheet only (样式库未安装)",
    );
    let proj4 = optional(
        &modules,
        &mut entries,
        (PROJ4_FILE, "proj4.js"),
        "the map shows longitude and latitude without Gauss–Krüger coordinates (坐标换算库未安装)",
    );
    catalogue::build(&manifest.join("catalogue"), &out);
    let code = render(leaflet, chart, pico, proj4, &entries);
    if let Err(e) = std::fs::write(out.join("assets.rs"), code) {
        // Without assets.rs the crate cannot compile: say why as clearly as possible.
        panic!("cannot write {}: {e}", out.join("assets.rs").display());
    }
}

/// Copies the manifest and the lock file into `out` and runs `npm ci` there; returns the
/// `node_modules` folder.
fn install(web: &Path, out: &Path) -> Result<PathBuf, String> {
    let stage = out.join("npm");
    std::fs::create_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(web.join(file), stage.join(file))
            .map_err(|e| format!("{}: {e}", web.join(file).display()))?;
    }
    // `GUAGOU_NPM` names another npm (e.g. `npm.cmd` on Windows, or a missing one to try the
    // fallback).
    let npm = std::env::var_os("GUAGOU_NPM").unwrap_or_else(|| "npm".into());
    let mut child = Command::new(&npm)
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .current_dir(&stage)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("npm could not be started: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > NPM_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("npm ci took more than {NPM_TIMEOUT:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("npm ci: {e}")),
        }
    };
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read as _;
            let _ = pipe.read_to_string(&mut stderr);
        }
        let last = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
        return Err(format!("npm ci failed ({status}): {last}"));
    }
    Ok(stage.join("node_modules"))
}

/// The Leaflet files in `dist` to embed: the script, the stylesheet and every image.
fn library(dist: &Path) -> Result<Vec<(String, &'static str, PathBuf)>, String> {
    let mut entries = Vec::new();
    for (name, content_type) in LEAFLET_FILES {
        let path = dist.join(name);
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()));
        }
        entries.push((name.to_string(), *content_type, path));
    }
    let images = dist.join("images");
    let listing = std::fs::read_dir(&images).map_err(|e| format!("{}: {e}", images.display()))?;
    let mut pngs: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    for path in pngs {
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        entries.push((format!("images/{file}"), "image/png", path.clone()));
    }
    Ok(entries)
}

/// The fallback script in place of Leaflet.
fn fallback(manifest: &Path) -> Vec<(String, &'static str, PathBuf)> {
    let script = manifest.join("assets/leaflet-fallback.js");
    vec![(
        "leaflet.js".to_owned(),
        "text/javascript; charset=utf-8",
        script,
    )]
}

fn render(
    embedded: bool,
    chart: bool,
    pico: bool,
    proj4: bool,
    entries: &[(String, &str, PathBuf)],
) -> String {
    let mut code = String::from(
        "// Generated by build.rs: the front-end library files served under /assets/.\n\n",
    );
    code.push_str(&format!(
        "/// Whether Leaflet itself was embedded (false: the fallback script stands in for it).\n\
         pub const LEAFLET_EMBEDDED: bool = {embedded};\n\n\
         /// Whether Chart.js was embedded (as `chart.umd.js`).\n\
         pub const CHART_EMBEDDED: bool = {chart};\n\n\
         /// Whether Pico CSS was embedded (as `pico.min.css`).\n\
         pub const PICO_EMBEDDED: bool = {pico};\n\n\
         /// Whether proj4 was embedded (as `proj4.js`).\n\
         pub const PROJ4_EMBEDDED: bool = {proj4};\n\n\
         /// (file name under /assets/, content type, bytes)\n\
         pub static LIBRARY: &[(&str, &str, &[u8])] = &[\n"
    ));
    for (name, content_type, path) in entries {
        code.push_str(&format!(
            "    ({name:?}, {content_type:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    code
}
