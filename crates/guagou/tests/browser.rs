//! The browser tests (issue 4): `guagou demo` on a fresh data directory and a free port, then
//! `node e2e/flow.mjs` drives Debian's headless Chromium through the whole scenario (upload
//! with a failed rule, fix, submit, pool, forward, approve, advance, the county's ledger, and
//! another county refused). Screenshots are kept in `target/e2e-screenshots/`.
//!
//! Needs `chromium` (`/usr/bin/chromium` or `$CHROMIUM`), `node` and `e2e/node_modules`
//! (`npm ci` in `e2e/`); `.ci/run` installs them. Without them the test says so loudly and
//! skips, unless `GUAGOU_REQUIRE_BROWSER=1` (set by `.ci/run`), where it fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the demo may take to build its registry and start listening.
const STARTUP: Duration = Duration::from_secs(180);
/// How long the whole browser scenario may take.
const SCENARIO: Duration = Duration::from_secs(600);

/// The workspace root (two levels above this crate).
fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The demo server; killed when dropped, so a failing assertion never leaves it running.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A port nobody listens on right now (the OS picks it; it is released before the demo binds).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}

/// The status line of `GET path`, or `None` if nothing answers yet.
fn http_status(address: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.lines().next().map(str::to_owned)
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

/// The demo accounts' shared password from `<data>/demo-accounts.txt`.
fn demo_password(data: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data.join("demo-accounts.txt")).ok()?;
    text.lines()
        .find(|l| l.contains("password"))
        .and_then(|l| l.split_whitespace().last())
        .map(str::to_owned)
}

/// Starts `guagou --data <data> demo --listen <address>` with its output in a log file.
fn start_demo(data: &Path, address: SocketAddr, log: PathBuf) -> Server {
    let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("cannot create log: {e}"));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot share log: {e}"));
    let child = Command::new(env!("CARGO_BIN_EXE_guagou"))
        .arg("--data")
        .arg(data)
        .args(["demo", "--listen", &address.to_string()])
        .env_remove("GUAGOU_DATA")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start guagou demo: {e}"));
    Server { child, log }
}

/// Waits until `/healthz` answers 200; panics with the server's output otherwise.
fn wait_healthy(server: &mut Server, address: SocketAddr) {
    let deadline = Instant::now() + STARTUP;
    loop {
        if http_status(address, "/healthz").is_some_and(|s| s.contains(" 200 ")) {
            return;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("guagou demo exited ({status}):\n{}", server.output());
        }
        assert!(
            Instant::now() < deadline,
            "guagou demo did not answer /healthz within {STARTUP:?}:\n{}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
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

/// Runs the scenario; returns whether it passed and what it printed.
fn run_flow(root: &Path, base_url: &str, password: &str, screenshots: &Path) -> (bool, String) {
    let log = screenshots.join("flow.log");
    let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("cannot create log: {e}"));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("cannot share log: {e}"));
    let mut command = Command::new("node");
    command
        .arg(root.join("e2e/flow.mjs"))
        .current_dir(root.join("e2e"))
        .env("BASE_URL", base_url)
        .env("PASSWORD", password)
        .env("SCREENSHOT_DIR", screenshots)
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

#[test]
fn browser_scenario_passes_in_headless_chromium() {
    let root = workspace();
    let missing = missing_tools(&root);
    if !missing.is_empty() {
        let message = format!(
            "\n!!!!!!!! BROWSER TESTS NOT RUN: missing {} !!!!!!!!\n\
             (`.ci/run` installs them; set GUAGOU_REQUIRE_BROWSER=1 to make this a failure)\n",
            missing.join(", ")
        );
        if std::env::var("GUAGOU_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("{message}");
        }
        eprintln!("{message}");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let address: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let mut server = start_demo(&data, address, dir.path().join("server.log"));
    wait_healthy(&mut server, address);
    let password = demo_password(&data).unwrap_or_else(|| {
        panic!(
            "no password in {}/demo-accounts.txt:\n{}",
            data.display(),
            server.output()
        )
    });
    let screenshots = root.join("target/e2e-screenshots");
    fresh_screenshot_dir(&screenshots);
    let (passed, output) = run_flow(&root, &format!("http://{address}"), &password, &screenshots);
    println!("{output}");
    assert!(
        passed,
        "the browser scenario failed (its output is above; screenshots in {})\n--- server log (tail) ---\n{}",
        screenshots.display(),
        tail(&server.output(), 60)
    );
    let shots = std::fs::read_dir(&screenshots)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(shots >= 10, "only {shots} screenshots were taken");
    drop(server);
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
