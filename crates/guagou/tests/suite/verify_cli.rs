//! `guagou ledger checkpoint` keeps the heads of all three chains, and `guagou verify
//! --checkpoint` catches what no chain shows on its own: its last records removed. On SQLite
//! in `--data`, or on the test's PostgreSQL database when `GUAGOU_TEST_DATABASE` names one.

use std::path::Path;
use std::process::{Command, Output};

use guagou_store::{Backend, SQLITE_FILE, TestDb};
use serde_json::Value;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn guagou(data: &Path, database: Option<&str>, args: &[&str]) -> Output {
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

fn text(output: &Output) -> String {
    format!(
        "status {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
}

/// Runs `sql` on the registry's database, outside guagou (the tampering).
fn tamper(data: &Path, database: Option<&str>, sql: &str) {
    let url = match database {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}", data.join(SQLITE_FILE).display()),
    };
    runtime().block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        conn.close().await.unwrap_or_else(|e| panic!("{e}"));
    });
}

/// The checkpoint heads of `verify --checkpoint`'s JSON, by chain: `ok`.
fn heads(report: &Value) -> Vec<(String, bool)> {
    report["checkpoint"]
        .as_array()
        .unwrap_or_else(|| panic!("no checkpoint heads: {report}"))
        .iter()
        .map(|h| {
            (
                h["chain"].as_str().unwrap_or_default().to_owned(),
                h["ok"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn verify_with_a_checkpoint_catches_the_last_funds_entry_and_audit_record_removed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let database = match TestDb::backend() {
        Backend::Sqlite => None,
        Backend::Postgres => Some(
            runtime()
                .block_on(TestDb::create(dir.path()))
                .unwrap_or_else(|e| panic!("{e}"))
                .url(),
        ),
    };
    let db = database.as_deref();
    let demo = guagou(&data, db, &["demo", "--no-serve", "--story-dates"]);
    assert!(demo.status.success(), "{}", text(&demo));

    // The checkpoint names all three heads; today it matches.
    let exported = guagou(
        &data,
        db,
        &[
            "ledger",
            "checkpoint",
            "--as-of",
            "2019-12-31",
            "--format",
            "json",
        ],
    );
    assert!(exported.status.success(), "{}", text(&exported));
    let checkpoint = json_of(&exported);
    for chain in ["funds", "audit"] {
        assert!(
            checkpoint[chain]["seq"].as_u64().unwrap_or(0) > 0,
            "{checkpoint}"
        );
    }
    assert!(checkpoint["seq"].as_u64().unwrap_or(0) > 0, "{checkpoint}");
    let file = dir.path().join("checkpoint.json");
    std::fs::write(&file, checkpoint.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();
    let ok = guagou(
        &data,
        db,
        &["verify", "--checkpoint", path, "--format", "json"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let report = json_of(&ok);
    assert_eq!(report["ok"], true);
    assert_eq!(
        heads(&report),
        [("ledger", true), ("funds", true), ("audit", true)].map(|(c, o)| (c.to_owned(), o))
    );
    // A ledger-only checkpoint of older versions still reads, and checks the ledger alone.
    let old = dir.path().join("old.json");
    let ledger_only = serde_json::json!({
        "seq": checkpoint["seq"], "hash": checkpoint["hash"], "exported_on": "2019-12-31"
    });
    std::fs::write(&old, ledger_only.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let old_ok = guagou(
        &data,
        db,
        &[
            "verify",
            "--checkpoint",
            old.to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
    );
    assert_eq!(old_ok.status.code(), Some(0), "{}", text(&old_ok));
    assert_eq!(heads(&json_of(&old_ok)), [("ledger".to_owned(), true)]);

    // The last funds entry removed (its legs first: they reference it).
    let last_funds = checkpoint["funds"]["seq"].as_u64().unwrap_or(0);
    tamper(
        &data,
        db,
        &format!("DELETE FROM funds_legs WHERE seq = {last_funds}"),
    );
    tamper(
        &data,
        db,
        &format!("DELETE FROM funds_entries WHERE seq = {last_funds}"),
    );
    let caught = guagou(
        &data,
        db,
        &["verify", "--checkpoint", path, "--format", "json"],
    );
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    let report = json_of(&caught);
    assert_eq!(report["ok"], false);
    assert_eq!(
        heads(&report),
        [("ledger", true), ("funds", false), ("audit", true)].map(|(c, o)| (c.to_owned(), o))
    );
    let shown = guagou(&data, db, &["verify", "--checkpoint", path]);
    let shown = text(&shown);
    assert!(
        shown.contains("checkpoint FAILED: funds") && shown.contains("fewer"),
        "{shown}"
    );

    // Then the last audit record.
    let last_audit = checkpoint["audit"]["seq"].as_u64().unwrap_or(0);
    tamper(
        &data,
        db,
        &format!("DELETE FROM audit_log WHERE seq = {last_audit}"),
    );
    let caught = guagou(
        &data,
        db,
        &["verify", "--checkpoint", path, "--format", "json"],
    );
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    let report = json_of(&caught);
    assert_eq!(
        heads(&report),
        [("ledger", true), ("funds", false), ("audit", false)].map(|(c, o)| (c.to_owned(), o))
    );
    // Without the checkpoint the audit chain alone still verifies (it is only shorter), but
    // the rows it no longer records do not.
    let alone = json_of(&guagou(&data, db, &["verify", "--format", "json"]));
    assert_eq!(alone["ok"], false);
    assert!(alone["audit"]["records"].as_u64().is_some(), "{alone}");
    let failed: Vec<&str> = alone["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["name"].as_str())
        .collect();
    // The demo's last audit record made its administrator (is_admin no longer replays).
    assert!(failed.contains(&"users"), "{failed:?}");
}
