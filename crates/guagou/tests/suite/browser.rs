//! The browser tests: each scenario starts `guagou demo` on its own fresh data directory and a
//! free port, then `node e2e/<scenario>.mjs` drives Debian's headless Chromium through it, so
//! no scenario depends on another's state. Screenshots are kept in
//! `target/e2e-screenshots/<scenario>/`, with the script's output in `<scenario>.log` there.
//!
//! - `flow` (issue 4): upload with a failed rule, fix, submit, pool, forward, approve, advance,
//!   the county's ledger, and another county refused.
//! - `market` (issue 5): a listing from publication to settlement (a reserve price below the
//!   guide price refused, offer, agreement with a payment schedule, settlement, payment, the
//!   buyer's ledger) and a listing that expires.
//! - `supervision` (issue 5): an inspection from finding to closure (closure before the
//!   rectification refused), and a commendation raising next year's allocation.
//! - `notice` (issue 5): a notice published, an objection filed anonymously with a receipt,
//!   answered by staff and shown on the public page; no full household name in public.
//!
//! Cargo runs the tests two at a time on two cores (one demo and one Chromium each).
//!
//! Needs `chromium` (`/usr/bin/chromium` or `$CHROMIUM`), `node` and `e2e/node_modules`
//! (`npm ci` in `e2e/`); `.ci/run` installs them. Without them each test says so loudly and
//! skips, unless `GUAGOU_REQUIRE_BROWSER=1` (set by `.ci/run`), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{Server, demo_password};

/// How long one browser scenario may take.
const SCENARIO: Duration = Duration::from_secs(600);

/// The workspace root (two levels above this crate).
fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Where Chromium is, if it is installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.is_file().then_some(path)
}

fn node_runs() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What is missing for the browser tests, if anything.
fn missing_tools(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if chromium().is_none() {
        missing.push("chromium (/usr/bin/chromium or $CHROMIUM): apt-get install chromium".into());
    }
    if !node_runs() {
        missing.push("node".into());
    }
    if !root.join("e2e/node_modules/playwright-core").is_dir() {
        missing.push("e2e/node_modules/playwright-core: (cd e2e && npm ci)".into());
    }
    missing
}

/// Removes the screenshots of an earlier run, so the folder holds this run's only.
fn fresh_screenshot_dir(dir: &Path) {
    let _ = std::fs::create_dir_all(dir);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "png") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Where the scenario runs: the server's address, the demo's data directory (the notice
/// scenario reads the demo package's household names from it) and the screenshot folder.
struct Target<'a> {
    base_url: &'a str,
    password: &'a str,
    data: &'a Path,
    screenshots: &'a Path,
}

/// Runs `node e2e/<scenario>.mjs`; returns whether it passed and what it printed.
fn run_script(root: &Path, scenario: &str, target: &Target) -> (bool, String) {
    let log = target.screenshots.join(format!("{scenario}.log"));
    let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("cannot create log: {e}"));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot share log: {e}"));
    let mut command = Command::new("node");
    command
        .arg(root.join(format!("e2e/{scenario}.mjs")))
        .current_dir(root.join("e2e"))
        .env("BASE_URL", target.base_url)
        .env("PASSWORD", target.password)
        .env("DATA_DIR", target.data)
        .env("SCREENSHOT_DIR", target.screenshots)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    if let Some(path) = chromium() {
        command.env("CHROMIUM", path);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let deadline = Instant::now() + SCENARIO;
    let passed = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.success(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
        }
    };
    (passed, std::fs::read_to_string(&log).unwrap_or_default())
}

/// Whether the browser tools are there; without them the test skips loudly, or fails when
/// `GUAGOU_REQUIRE_BROWSER=1`.
fn tools_present(root: &Path) -> bool {
    let missing = missing_tools(root);
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "\n!!!!!!!! BROWSER TESTS NOT RUN: missing {} !!!!!!!!\n\
         (`.ci/run` installs them; set GUAGOU_REQUIRE_BROWSER=1 to make this a failure)\n",
        missing.join(", ")
    );
    if std::env::var("GUAGOU_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("{message}");
    }
    eprintln!("{message}");
    false
}

/// Starts a fresh demo, runs `e2e/<scenario>.mjs` against it and checks that it passed and
/// took at least `min_shots` screenshots (in `target/e2e-screenshots/<scenario>/`).
fn browser_scenario(scenario: &str, min_shots: usize) {
    let root = workspace();
    if !tools_present(&root) {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let mut server = Server::start(
        &data,
        None,
        &["demo", "--story-dates"],
        &dir.path().join("server.log"),
    );
    server.wait_healthy();
    let address = server.address;
    let password = demo_password(&data).unwrap_or_else(|| {
        panic!(
            "no password in {}/demo-accounts.txt:\n{}",
            data.display(),
            server.output()
        )
    });
    let screenshots = root.join("target/e2e-screenshots").join(scenario);
    fresh_screenshot_dir(&screenshots);
    let base_url = format!("http://{address}");
    let target = Target {
        base_url: &base_url,
        password: &password,
        data: &data,
        screenshots: &screenshots,
    };
    let started = Instant::now();
    let (passed, output) = run_script(&root, scenario, &target);
    println!("{output}");
    println!(
        "{scenario}: {:.1} s in the browser",
        started.elapsed().as_secs_f64()
    );
    assert!(
        passed,
        "the browser scenario {scenario} failed (its output is above; screenshots in {})\n--- server log (tail) ---\n{}",
        screenshots.display(),
        tail(&server.output(), 60)
    );
    let shots = std::fs::read_dir(&screenshots)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(
        shots >= min_shots,
        "{scenario}: only {shots} screenshots were taken"
    );
    drop(server);
}

#[test]
fn browser_scenario_passes_in_headless_chromium() {
    browser_scenario("flow", 10);
}

#[test]
fn market_listing_is_refused_below_the_floor_settled_and_expired_in_the_browser() {
    browser_scenario("market", 12);
}

#[test]
fn inspection_closes_and_commendation_raises_the_allocation_in_the_browser() {
    browser_scenario("supervision", 9);
}

#[test]
fn objection_is_answered_on_the_public_page_in_the_browser() {
    browser_scenario("notice", 8);
}

#[test]
fn every_page_passes_axe_in_both_languages_in_the_browser() {
    browser_scenario("a11y", 100);
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
