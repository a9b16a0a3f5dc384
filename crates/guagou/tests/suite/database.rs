//! The registry on either database, through the real `guagou` process:
//!
//! - `migrate` copies a SQLite registry into an empty database, proves it, and `serve` and
//!   `verify` use the copy through `--database`;
//! - many parallel HTTP requests spend the same lots and advance the same project: every one
//!   is either done once or refused with a rule, and nothing is lost or double-counted;
//! - the server is killed with SIGKILL again and again under a write load: every acknowledged
//!   write is there afterwards, retried requests post once, and `guagou verify` passes.
//!
//! The database is SQLite in the test's folder, or a fresh PostgreSQL database when
//! `GUAGOU_TEST_DATABASE` names a server (`scripts/test` runs these tests on both).
//! `GUAGOU_CRASH_CYCLES` sets how many kills the crash test makes (default 3;
//! `scripts/crash-test.sh` runs it at full length).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use guagou_store::{Backend, TestDb};
use serde_json::{Value, json};

use crate::server::{Reply, Server, Session, demo_password};

/// The demo's draft project of 宣汉县 (planned surplus 54 072 m²), approved by the tests.
pub(crate) const DRAFT: &str = "511722-2019-003";
/// A pooled project of 达川区 that the city forwards.
pub(crate) const POOLED: &str = "511703-2019-001";
/// The demo's city-invested project (investment attraction) and its fund account.
const INVESTED: &str = "511702-2019-001";
const INVESTED_FUND: &str = "project:511702:511702-2019-001";

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A database for one test: `None` means SQLite in `--data`; a PostgreSQL URL when the tests
/// run on PostgreSQL.
pub(crate) fn database(dir: &Path) -> Option<String> {
    if TestDb::backend() == Backend::Sqlite {
        return None;
    }
    let db = runtime()
        .block_on(TestDb::create(dir))
        .unwrap_or_else(|e| panic!("{e}"));
    Some(db.url())
}

pub(crate) fn guagou(data: &Path, database: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_guagou"));
    command.arg("--data").arg(data).env_remove("GUAGOU_DATA");
    match database {
        Some(url) => command.env("GUAGOU_DATABASE", url),
        None => command.env_remove("GUAGOU_DATABASE"),
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run guagou: {e}"))
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "status {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub(crate) fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", text(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
}

/// `guagou verify` passes (ledger, funds and audit chains, balances and lots rebuilt).
pub(crate) fn assert_verifies(data: &Path, database: Option<&str>) {
    let output = guagou(data, database, &["verify", "--format", "json"]);
    let report = json_of(&output);
    assert_eq!(report["ok"], true, "{}", text(&output));
}

/// Every ledger balance that holds quota is at or above zero.
fn assert_no_negative_holdings(data: &Path, database: Option<&str>) {
    let output = guagou(data, database, &["ledger", "balances", "--format", "json"]);
    let balances = json_of(&output);
    // `[[account, m²], …]`
    let rows = balances
        .as_array()
        .unwrap_or_else(|| panic!("balances: {balances}"));
    assert!(!rows.is_empty());
    for row in rows {
        let account = row[0].as_str().unwrap_or_default();
        let m2 = row[1].as_i64().unwrap_or_else(|| panic!("{row}"));
        if ["holding:", "reserved:", "listed:", "used:"]
            .iter()
            .any(|p| account.starts_with(p))
        {
            assert!(m2 >= 0, "{account} went below zero: {m2}");
        }
    }
}

/// A demo registry on the test's database, served; returns the server and the password.
pub(crate) fn served_demo(dir: &Path, database: Option<&str>) -> (Server, String) {
    let data = dir.join("data");
    let output = guagou(&data, database, &["demo", "--no-serve", "--story-dates"]);
    assert!(output.status.success(), "{}", text(&output));
    // The demo, built today, finds 宣汉县's 2018 advance unrepaid and suspends the county;
    // the city lifts it so that the tests can advance.
    let lifted = guagou(
        &data,
        database,
        &[
            "lift-suspension",
            "511722",
            "--actor",
            "测试@511700",
            "--as-of",
            "2019-08-01",
            "--reason",
            "测试",
        ],
    );
    assert!(lifted.status.success(), "{}", text(&lifted));
    let password = demo_password(&data).unwrap_or_else(|| panic!("no demo password"));
    let mut server = Server::start(&data, database, &["serve"], &dir.join("server.log"));
    server.wait_healthy();
    (server, password)
}

pub(crate) fn login(address: SocketAddr, name: &str, password: &str) -> Session {
    Session::login(address, name, password).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn must(reply: std::io::Result<Reply>) -> Reply {
    reply.unwrap_or_else(|e| panic!("no answer: {e}"))
}

/// The county submits the draft, the city pools and forwards it, the province approves.
pub(crate) fn approve_draft(address: SocketAddr, password: &str) {
    let county = login(address, "xuanhan", password);
    let city = login(address, "city", password);
    let province = login(address, "province", password);
    for (session, action) in [
        (&county, "submit"),
        (&city, "pool"),
        (&city, "forward"),
        (&province, "approve"),
    ] {
        let reply = must(session.post_json(
            &format!("/api/projects/{DRAFT}/actions/{action}"),
            &json!({ "as_of": "2019-08-01", "reason": "测试流程" }),
        ));
        assert_eq!(reply.status, 200, "{action}: {}", reply.body);
    }
}

pub(crate) fn ledger_balance(session: &Session, account: &str) -> i64 {
    let reply = must(session.get(&format!("/api/ledger/accounts/{account}")));
    assert_eq!(reply.status, 200, "{account}: {}", reply.body);
    reply.json()["account"]["balance"]["m2"]
        .as_i64()
        .unwrap_or_else(|| panic!("{account}: {}", reply.body))
}

pub(crate) fn advance(key: &str, amount_m2: i64) -> Value {
    json!({
        "operation": { "kind": "advance", "project": DRAFT, "amount_m2": amount_m2 },
        "idempotency_key": key, "as_of": "2019-08-10", "reason": "预支 (二(四))"
    })
}

#[test]
fn migrate_copies_a_registry_and_serve_reads_the_copy() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = dir.path().join("source");
    let demo = guagou(&source, None, &["demo", "--no-serve", "--story-dates"]);
    assert!(demo.status.success(), "{}", text(&demo));
    // The target: the test's database, or SQLite in a folder of its own.
    let target_dir = dir.path().join("target");
    let db = runtime()
        .block_on(async {
            let db = TestDb::create(&target_dir).await?;
            db.open().await?.close().await;
            Ok::<_, guagou_store::StoreError>(db)
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let url = db.url();

    let copied = guagou(
        &source,
        None,
        &["migrate", "--to", &url, "--format", "json"],
    );
    let report = json_of(&copied);
    assert!(
        report["rows"].as_u64().unwrap_or_default() > 500,
        "{report}"
    );
    assert!(report["ledger"]["count"].as_u64().unwrap_or_default() > 10);
    let tables = report["tables"].as_array().cloned().unwrap_or_default();
    assert!(
        tables
            .iter()
            .any(|t| t["table"] == "ledger_entries" && t["rows"] == report["ledger"]["count"]),
        "{report}"
    );

    // The copy answers every read as the source does.
    for args in [
        ["project", "list", "--format", "json"].as_slice(),
        &["ledger", "balances", "--format", "json"],
        &["audit", "--format", "json"],
    ] {
        assert_eq!(
            json_of(&guagou(&source, None, args)),
            json_of(&guagou(&source, Some(&url), args)),
            "{args:?}"
        );
    }
    assert_verifies(&source, Some(&url));

    // A second copy would merge two registries: refused, nothing written.
    let again = guagou(&source, None, &["migrate", "--to", &url]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        text(&again).contains("target_not_empty"),
        "{}",
        text(&again)
    );
    assert_verifies(&source, Some(&url));
    // `--database` with migrate, and a folder without a registry, are refused.
    let both = guagou(&source, Some(&url), &["migrate", "--to", &url]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
    let empty = guagou(&dir.path().join("none"), None, &["migrate", "--to", &url]);
    assert_eq!(empty.status.code(), Some(2), "{}", text(&empty));
    assert!(
        text(&empty).contains("no SQLite registry"),
        "{}",
        text(&empty)
    );

    // The server runs on the copy: the demo accounts sign in, the ledger reads the same.
    let password = demo_password(&source).unwrap_or_else(|| panic!("no password"));
    let mut server = Server::start(&source, Some(&url), &["serve"], &dir.path().join("s.log"));
    server.wait_healthy();
    let county = login(server.address, "xuanhan", &password);
    let balances = json_of(&guagou(
        &source,
        None,
        &["ledger", "balances", "--format", "json"],
    ));
    let expected = balances
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == "holding:511722"))
        .and_then(|r| r[1].as_i64())
        .unwrap_or_else(|| panic!("{balances}"));
    assert_eq!(ledger_balance(&county, "holding:511722"), expected);
}

/// What the parallel requests of one kind got back.
#[derive(Debug, Default)]
struct Outcomes {
    ok: Vec<Value>,
    refused: Vec<Value>,
    other: Vec<String>,
}

impl Outcomes {
    fn record(&mut self, reply: std::io::Result<Reply>) {
        match reply {
            Ok(r) if r.status == 200 => self.ok.push(r.json()),
            Ok(r) if r.status == 409 || r.status == 422 => self.refused.push(r.json()),
            Ok(r) => self.other.push(format!("{} {}", r.status, r.body)),
            Err(e) => self.other.push(format!("no answer: {e}")),
        }
    }
}

#[test]
fn parallel_requests_spend_and_advance_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let database = database(dir.path());
    let (server, password) = served_demo(dir.path(), database.as_deref());
    let address = server.address;
    approve_draft(address, &password);
    // 万源市 spends (the advances go to 宣汉县's holding, so the two do not mix).
    let county = login(address, "wanyuan", &password);
    let city = login(address, "city", &password);
    let before = ledger_balance(&county, "holding:511781");
    const SUPPLY_M2: i64 = 2_000;
    const ADVANCE_M2: i64 = 1_000;
    let supplies = Mutex::new(Outcomes::default());
    let advances = Mutex::new(Outcomes::default());
    let same_key = Mutex::new(Outcomes::default());
    let forwards = Mutex::new(Outcomes::default());
    // 64 requests at once: 24 land supplies that together want more than the county holds,
    // 24 advances beyond the 30 % limit, 8 repeats of one idempotency key and 8 forwards of
    // the same project.
    std::thread::scope(|scope| {
        for i in 0..24 {
            let (county, supplies) = (&county, &supplies);
            scope.spawn(move || {
                let body = json!({ "id": format!("511781-GD-P{i}"), "county": "511781", "zone": format!("Z{i}"),
                    "land_use": "commercial", "area_m2": SUPPLY_M2, "backing": "surplus_quota",
                    "as_of": "2019-08-20", "reason": "并发供地" });
                let reply = county.post_json("/api/ledger/land-supplies", &body);
                supplies.lock().unwrap_or_else(|e| e.into_inner()).record(reply);
            });
            let (city, advances) = (&city, &advances);
            scope.spawn(move || {
                let reply = city.post_json(
                    "/api/ledger/operations",
                    &advance(&format!("par-{i}"), ADVANCE_M2),
                );
                advances
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(reply);
            });
        }
        for _ in 0..8 {
            let (city, same_key, forwards) = (&city, &same_key, &forwards);
            scope.spawn(move || {
                let reply = city.post_json("/api/ledger/operations", &advance("par-same", 100));
                same_key
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(reply);
            });
            scope.spawn(move || {
                let reply = city.post_json(
                    &format!("/api/projects/{POOLED}/actions/forward"),
                    &json!({ "as_of": "2019-08-01", "reason": "并发转报" }),
                );
                forwards
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(reply);
            });
        }
    });
    let take = |m: Mutex<Outcomes>| m.into_inner().unwrap_or_else(|e| e.into_inner());
    let (supplies, advances, same_key, forwards) = (
        take(supplies),
        take(advances),
        take(same_key),
        take(forwards),
    );
    for outcomes in [&supplies, &advances, &same_key, &forwards] {
        assert!(
            outcomes.other.is_empty(),
            "unexpected answers: {:?}",
            outcomes.other
        );
    }

    // Spending: exactly as many supplies as the balance covers, each refusal for the balance.
    let spent = SUPPLY_M2 * supplies.ok.len() as i64;
    assert_eq!(
        supplies.ok.len() as i64,
        (before / SUPPLY_M2).min(24),
        "{supplies:?}"
    );
    assert_eq!(ledger_balance(&county, "holding:511781"), before - spent);
    for refusal in &supplies.refused {
        assert_eq!(refusal["code"], "insufficient_balance", "{refusal}");
        let message = refusal["message_en"].as_str().unwrap_or_default();
        assert!(message.contains("is less than"), "{refusal}");
    }

    // Advancing: one idempotency key posts once, whatever the race.
    assert_eq!(same_key.ok.len(), 8, "{same_key:?}");
    let seqs: std::collections::BTreeSet<String> =
        same_key.ok.iter().map(|e| e["seq"].to_string()).collect();
    assert_eq!(seqs.len(), 1, "one key, one entry: {seqs:?}");
    // The 30 % limit holds and no refused advance would have fitted.
    let limit = 54_072 * 30 / 100;
    let advanced = -ledger_balance(&city, &format!("advance:{DRAFT}"));
    assert_eq!(advanced, ADVANCE_M2 * advances.ok.len() as i64 + 100);
    assert!(advanced <= limit, "advanced {advanced} > limit {limit}");
    assert!(
        limit - advanced < ADVANCE_M2,
        "capacity lost: {advanced} of {limit}"
    );
    for refusal in &advances.refused {
        assert_eq!(refusal["code"], "ADVANCE_LIMIT", "{refusal}");
    }

    // The lifecycle: one forward, the others refused.
    assert_eq!(forwards.ok.len(), 1, "{forwards:?}");
    assert_eq!(forwards.refused.len(), 7, "{forwards:?}");

    drop(server);
    let data = dir.path().join("data");
    assert_verifies(&data, database.as_deref());
    assert_no_negative_holdings(&data, database.as_deref());
}

/// One write of the crash test's load: posted until acknowledged, even across a crash.
struct Acknowledged {
    /// "ledger" or "funds".
    journal: &'static str,
    seq: u64,
    hash: String,
}

/// Posts `body` until the server answers; a dropped connection (the server was killed) is
/// retried with the same idempotency key, so the write posts once.
fn post_until_answered(
    session: &Session,
    address: &RwLock<SocketAddr>,
    path: &str,
    body: &Value,
) -> Reply {
    loop {
        let at = *address.read().unwrap_or_else(|e| e.into_inner());
        match session.at(at).post_json(path, body) {
            Ok(reply) if reply.status < 500 => return reply,
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The crash test's writers: where the server is now, when to stop, what was acknowledged.
struct Load {
    address: Arc<RwLock<SocketAddr>>,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Vec<Acknowledged>>>,
}

impl Load {
    /// A writer posting `body(n)` for n = 0, 1, … until told to stop; returns how many.
    fn spawn(
        &self,
        session: Session,
        journal: &'static str,
        path: &'static str,
        body: impl Fn(u64) -> Value + Send + 'static,
    ) -> std::thread::JoinHandle<u64> {
        let (address, stop, acknowledged) = (
            Arc::clone(&self.address),
            Arc::clone(&self.stop),
            Arc::clone(&self.acknowledged),
        );
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let request = body(n);
                let reply = post_until_answered(&session, &address, path, &request);
                assert_eq!(reply.status, 200, "{request}: {}", reply.body);
                let entry = reply.json();
                acknowledged
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Acknowledged {
                        journal,
                        seq: entry["seq"].as_u64().unwrap_or_default(),
                        hash: entry["hash"].as_str().unwrap_or_default().to_owned(),
                    });
                n += 1;
            }
            n
        })
    }
}

fn crash_cycles() -> usize {
    std::env::var("GUAGOU_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let database = database(dir.path());
    let data = dir.path().join("data");
    let (server, password) = served_demo(dir.path(), database.as_deref());
    approve_draft(server.address, &password);
    let city = login(server.address, "city", &password);
    let finance = login(server.address, "finance", &password);
    let fund_before =
        must(finance.get(&format!("/api/funds/accounts/{INVESTED_FUND}"))).json()["balance_fen"]
            .as_i64()
            .unwrap_or_else(|| panic!("no fund balance"));

    let address = Arc::new(RwLock::new(server.address));
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::<Acknowledged>::new()));
    let shared = Load {
        address: Arc::clone(&address),
        stop: Arc::clone(&stop),
        acknowledged: Arc::clone(&acknowledged),
    };
    let mut writers = Vec::new();
    for writer in 0..2 {
        writers.push(
            shared.spawn(city.clone(), "ledger", "/api/ledger/operations", move |n| {
                advance(&format!("crash-adv-{writer}-{n}"), 1)
            }),
        );
        writers.push(shared.spawn(
            finance.clone(),
            "funds",
            "/api/funds/investments",
            move |n| {
                json!({ "project": INVESTED, "source": "investment_attraction", "amount_fen": 1,
                "received_on": "2019-08-01", "reason": "崩溃测试",
                "idempotency_key": format!("crash-inv-{writer}-{n}") })
            },
        ));
    }

    let mut server = Some(server);
    let cycles = crash_cycles();
    for cycle in 0..cycles {
        // Let the load run a while (varied, so kills land in different phases of a write).
        std::thread::sleep(Duration::from_millis(400 + 137 * (cycle as u64 % 7)));
        if let Some(running) = server.take() {
            running.kill();
        }
        let mut restarted = Server::start(
            &data,
            database.as_deref(),
            &["serve"],
            &dir.path().join("server.log"),
        );
        restarted.wait_healthy();
        *address.write().unwrap_or_else(|e| e.into_inner()) = restarted.address;
        server = Some(restarted);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let mut keys = BTreeMap::new(); // writer → writes
    for (i, writer) in writers.into_iter().enumerate() {
        let n = writer
            .join()
            .unwrap_or_else(|_| panic!("writer {i} failed"));
        keys.insert(i, n);
    }

    // Every acknowledged write is there, unchanged.
    let at = *address.read().unwrap_or_else(|e| e.into_inner());
    let (city, finance) = (city.at(at), finance.at(at));
    let acknowledged = acknowledged.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        acknowledged.len() > cycles,
        "too little load: {}",
        acknowledged.len()
    );
    let mut advances = 0i64;
    let mut investments = 0i64;
    for ack in acknowledged.iter() {
        let (session, path) = match ack.journal {
            "ledger" => (&city, format!("/api/ledger/entries/{}", ack.seq)),
            _ => (&finance, format!("/api/funds/entries/{}", ack.seq)),
        };
        let reply = must(session.get(&path));
        assert_eq!(reply.status, 200, "{path} lost: {}", reply.body);
        let stored = reply.json();
        let hash = stored["entry"]["hash"].as_str().or(stored["hash"].as_str());
        assert_eq!(hash, Some(ack.hash.as_str()), "{path} changed");
        match ack.journal {
            "ledger" => advances += 1,
            _ => investments += 1,
        }
    }
    // Each key posted exactly once: the balances count them.
    assert_eq!(
        -ledger_balance(&city, &format!("advance:{DRAFT}")),
        advances
    );
    let fund_after =
        must(finance.get(&format!("/api/funds/accounts/{INVESTED_FUND}"))).json()["balance_fen"]
            .as_i64()
            .unwrap_or_default();
    assert_eq!(fund_after - fund_before, investments);
    println!(
        "crash test: {cycles} kills, {advances} advances and {investments} investments acknowledged, all present"
    );
    drop(server);
    assert_verifies(&data, database.as_deref());
}
