//! The registry through the command line: the demo, verify, tampering, refusals and
//! idempotent writes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn guagou(data: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--data", data.to_str().unwrap_or_default()];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_guagou"))
        .args(&all)
        .env_remove("GUAGOU_DATA")
        .env_remove("GUAGOU_ACTOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run guagou: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo(dir: &Path) {
    let output = guagou(dir, &["demo", "--no-serve", "--story-dates"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// `guagou demo` is built for today unless told otherwise: `--as-of` picks the demo's day (the
/// story moved by whole years to end on or before it, codes with it), a day after today is
/// refused before anything is written, and the demo verifies.
#[test]
fn demo_is_built_for_its_day() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let output = guagou(&data, &["demo", "--no-serve", "--as-of", "2999-01-01"]);
    assert_ne!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains("after today"),
        "{}",
        text(&output.stderr)
    );
    let data = dir.path().join("data-2024");
    let output = guagou(
        &data,
        &[
            "--format",
            "json",
            "demo",
            "--no-serve",
            "--as-of",
            "2024-06-30",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary["shifted_years"], 4, "{summary}");
    assert_eq!(summary["today"], "2024-06-30", "{summary}");
    let codes: Vec<&str> = summary["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p[0].as_str())
        .collect();
    assert!(codes.contains(&"511722-2022-001"), "{codes:?}");
    let output = guagou(&data, &["verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

#[test]
fn demo_verifies_and_lists_its_journal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let output = guagou(&data, &["verify"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    let output = guagou(&data, &["--format", "json", "ledger", "entries"]);
    let entries: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let seqs: Vec<u64> = entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["seq"].as_u64())
        .collect();
    assert!(seqs.len() >= 10);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
    // Running the demo again on the same directory keeps the data.
    demo(&data);
    let again = guagou(&data, &["--format", "json", "ledger", "entries"]);
    let entries_again: Value =
        serde_json::from_slice(&again.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries_again.as_array().map(Vec::len), Some(seqs.len()));
}

#[test]
fn tampering_with_one_journal_row_fails_verify_and_names_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let file = data.join("guagou.sqlite");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", file.display());
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let json: String =
            sqlx::query_scalar("SELECT entry_json FROM ledger_entries WHERE seq = 5")
                .fetch_one(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        let edited = json.replacen("200000", "900000", 1);
        assert_ne!(json, edited, "the row should have an amount to change");
        sqlx::query("UPDATE ledger_entries SET entry_json = $1 WHERE seq = 5")
            .bind(edited)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let output = guagou(&data, &["verify"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let report = text(&output.stdout);
    assert!(
        report.contains("5") && report.contains("FAILED"),
        "{report}"
    );
    let output = guagou(&data, &["--format", "json", "verify"]);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["ok"], false);
    assert_eq!(value["ledger"]["seq"], 5, "{value}");
}

#[test]
fn tampering_with_the_funds_journal_fails_verify() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let ok = guagou(&data, &["--format", "json", "verify"]);
    let value: Value = serde_json::from_slice(&ok.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["funds"]["ok"], true, "{value}");
    assert!(
        value["funds"]["entries"].as_u64().unwrap_or(0) >= 1,
        "{value}"
    );
    let file = data.join("guagou.sqlite");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", file.display());
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // One 分 moved on a leg of the first funds entry.
        let changed = sqlx::query(
            "UPDATE funds_legs SET amount_fen = amount_fen + 1 WHERE seq = 1 AND amount_fen > 0",
        )
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changed.rows_affected(), 1);
    });
    let output = guagou(&data, &["--format", "json", "verify"]);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["ok"], false);
    assert_eq!(value["funds"]["ok"], false, "{value}");
    assert_eq!(value["funds"]["bad_seq"], 1, "{value}");
    let text_report = text(&guagou(&data, &["verify"]).stdout);
    assert!(
        text_report.contains("funds journal FAILED"),
        "{text_report}"
    );
}

#[test]
fn refusals_exit_1_with_the_rule_and_writes_are_idempotent() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    // 511725-2019-002 is approved: its planned surplus is 55 862 m², 30 % is 16 758 m².
    let over = guagou(
        &data,
        &[
            "ledger",
            "advance",
            "511725-2019-002",
            "16759",
            "--actor",
            "市局@511700",
            "--as-of",
            "2019-08-01",
        ],
    );
    assert_eq!(over.status.code(), Some(1), "{}", text(&over.stderr));
    assert!(
        text(&over.stderr).contains("ADVANCE_NOT_SUSPENDED")
            || text(&over.stderr).contains("ADVANCE_LIMIT"),
        "{}",
        text(&over.stderr)
    );
    // A county cannot grant itself annual plan quota.
    let forbidden = guagou(
        &data,
        &[
            "ledger",
            "grant",
            "511722",
            "2020",
            "1000",
            "--actor",
            "张三@511722",
            "--as-of",
            "2020-01-01",
        ],
    );
    assert_eq!(forbidden.status.code(), Some(2));
    assert!(
        text(&forbidden.stderr).contains("forbidden"),
        "{}",
        text(&forbidden.stderr)
    );
    // The same command twice posts once.
    let args = [
        "--format",
        "json",
        "ledger",
        "grant",
        "511722",
        "2020",
        "1000",
        "--actor",
        "省厅@510000",
        "--as-of",
        "2020-01-01",
    ];
    let first: Value =
        serde_json::from_slice(&guagou(&data, &args).stdout).unwrap_or_else(|e| panic!("{e}"));
    let second: Value =
        serde_json::from_slice(&guagou(&data, &args).stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first["seq"], second["seq"]);
    assert!(first["seq"].as_u64().is_some());
}

#[test]
fn backup_then_restore_into_a_new_data_directory_verifies() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let backup = dir.path().join("backup");
    let backup_arg = backup.to_string_lossy().into_owned();
    let output = guagou(&data, &["--format", "json", "backup", "--to", &backup_arg]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let manifest: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        manifest["audit"]["count"].as_u64().unwrap_or(0) > 0,
        "{manifest}"
    );

    let restored = dir.path().join("restored");
    let output = guagou(&restored, &["restore", "--from", &backup_arg]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("restored and verified"),
        "{}",
        text(&output.stdout)
    );
    let output = guagou(&restored, &["--format", "json", "verify"]);
    let verified: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(
        verified["audit"]["head_hash"],
        manifest["audit"]["head_hash"]
    );

    // Restoring over the original registry is refused (exit 2), and it is left as it was.
    let output = guagou(&data, &["restore", "--from", &backup_arg]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not overwritten"),
        "{}",
        text(&output.stderr)
    );
}

/// `guagou ledger repay`: only the county repays its own advance, never more than it owes. In
/// the demo 宣汉县's second project owes nothing: the sanction's deduction settled its advance.
#[test]
fn ledger_repay_is_the_countys_and_never_more_than_owed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let repay = |actor: &str| {
        guagou(
            &data,
            &[
                "ledger",
                "repay",
                "511722-2018-002",
                "1000",
                "--actor",
                actor,
                "--as-of",
                "2019-08-01",
            ],
        )
    };
    let city = repay("市局@511700");
    assert_eq!(city.status.code(), Some(2), "{}", text(&city.stderr));
    assert!(
        text(&city.stderr).contains("forbidden"),
        "{}",
        text(&city.stderr)
    );
    let county = repay("张三@511722");
    // Not a rule's verdict but a request the ledger cannot carry out: exit 2, with its code.
    assert_eq!(county.status.code(), Some(2), "{}", text(&county.stderr));
    assert!(
        text(&county.stderr).contains("repay_exceeds_advance"),
        "{}",
        text(&county.stderr)
    );
    assert!(
        text(&county.stderr).contains("owes 0 m²"),
        "{}",
        text(&county.stderr)
    );
}

/// `guagou user`: the demo's administrator creates an account (its password printed once),
/// disables it and lists it; a clerk who is no administrator is refused.
#[test]
fn user_administration_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let admin = ["--actor", "admin@511700", "--reason", "新入职"];
    let mut add = vec![
        "--format",
        "json",
        "user",
        "add",
        "clerk",
        "--division",
        "511722",
    ];
    add.extend_from_slice(&admin);
    let output = guagou(&data, &add);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let done: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done["password"].as_str().map(str::len), Some(16), "{done}");
    assert_eq!(done["user"]["division"], "511722");

    let output = guagou(
        &data,
        &[
            "user",
            "disable",
            "clerk",
            "--actor",
            "admin@511700",
            "--reason",
            "调离",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = guagou(
        &data,
        &[
            "--format",
            "json",
            "user",
            "list",
            "--actor",
            "admin@511700",
        ],
    );
    let users: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let clerk = users
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["name"] == "clerk")
        .cloned()
        .unwrap_or_default();
    assert!(clerk["disabled_at"].is_string(), "{users}");

    // The city clerk is no administrator: refused with the table's code, nothing created.
    let output = guagou(
        &data,
        &[
            "user",
            "add",
            "clerk2",
            "--division",
            "511722",
            "--actor",
            "city@511700",
            "--reason",
            "试",
        ],
    );
    assert_ne!(output.status.code(), Some(0));
    assert!(
        text(&output.stderr).contains("not_admin"),
        "{}",
        text(&output.stderr)
    );
    // The accounts replay from the audit log.
    let output = guagou(&data, &["verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

/// Completion extensions (二(四)): the demo's project without an advance has a refused, a granted
/// and a pending request; the city decides the pending one once; a project that took an
/// advance is refused with COMPLETION_DEADLINE.
#[test]
fn extensions_are_decided_once_and_refused_for_advance_projects() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    demo(&data);
    let list = |data: &Path| -> Value {
        let output = guagou(
            data,
            &[
                "--format",
                "json",
                "project",
                "extensions",
                "511725-2019-002",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"))
    };
    let states: Vec<String> = list(&data)
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(states, ["refused", "granted", "requested"]);
    let decide = [
        "project",
        "decide-extension",
        "511725-2019-002",
        "--seq",
        "3",
        "--grant-until",
        "2022-06-30",
        "--actor",
        "市局@511700",
        "--as-of",
        "2019-07-20",
        "--reason",
        "同意",
    ];
    let first = guagou(&data, &decide);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let second = guagou(&data, &decide);
    assert_ne!(second.status.code(), Some(0));
    assert!(
        text(&second.stderr).contains("state_changed"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(list(&data)[2]["granted_until"], "2022-06-30");
    // `project show` gives the deadlines from the same domain functions as the scan.
    let show = |code: &str| -> Value {
        let output = guagou(&data, &["--format", "json", "project", "show", code]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"))
    };
    let plain = show("511725-2019-002");
    assert_eq!(plain["completion_deadline"]["last_day"], "2022-06-30");
    assert_eq!(plain["completion_deadline"]["binding"], false);
    assert_eq!(plain["completion_deadline"]["extended"], true);
    let advanced = show("511722-2018-002");
    assert_eq!(advanced["completion_deadline"]["last_day"], "2021-06-15");
    assert_eq!(advanced["completion_deadline"]["binding"], true);
    // The demo scan's deduction settled its advance: nothing is owed.
    assert_eq!(advanced["open_advances"].as_array().map(Vec::len), Some(0));
    let refused = guagou(
        &data,
        &[
            "project",
            "extend",
            "511722-2018-002",
            "--until",
            "2022-06-30",
            "--actor",
            "张三@511722",
            "--as-of",
            "2019-07-20",
            "--reason",
            "工期延误",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("COMPLETION_DEADLINE"),
        "{}",
        text(&refused.stderr)
    );
    let output = guagou(&data, &["verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}
