//! The one error table: representative refusals answer with the status of their code's row
//! and both messages; the OpenAPI document and the README list every code, so neither can
//! drift from `ErrorCode`.

use crate::common::{Must, PASSWORD, Reply, Session, TestApp, demo_app};
use axum::http::StatusCode;
use guagou_domain::ErrorCode;
use guagou_web::create_user;
use serde_json::{Value, json};

/// The demo's city-invested project (通川区) and its project fund.
const PROJECT: &str = "511702-2019-001";

/// Whether `text` holds Chinese (a CJK ideograph).
fn chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Checks a JSON refusal against the table: the code, the status of its row, both messages
/// (the Chinese one in Chinese), and returns the problem.
#[track_caller]
fn refusal(reply: &Reply, code: &str) -> Value {
    let problem = reply.json();
    assert_eq!(problem["code"], code, "{}", reply.body);
    let row = ErrorCode::parse(code).must();
    assert_eq!(reply.status.as_u16(), row.status(), "{}", reply.body);
    let zh = problem["message_zh"].as_str().must();
    let en = problem["message_en"].as_str().must();
    assert!(chinese(zh), "{}", reply.body);
    // English (it may quote a unit or a name in Chinese, e.g. 分).
    assert!(
        en.split_whitespace().count() > 1 && en.chars().any(|c| c.is_ascii_lowercase()),
        "{}",
        reply.body
    );
    assert_eq!(
        problem["rule"].as_str(),
        row.rule().map(|r| r.as_str()),
        "{}",
        reply.body
    );
    problem
}

async fn post(app: &TestApp, session: &Session, path: &str, body: Value) -> Reply {
    app.post_json(session, path, Some(&session.csrf), body)
        .await
}

fn spending(amount_fen: i64, key: &str) -> Value {
    json!({
        "project": PROJECT, "category": "reclamation", "paid_from": "project",
        "payee": "某土地整理公司", "voucher": "记-2019-0815", "amount_fen": amount_fen,
        "paid_on": "2019-08-15", "reason": "复垦进度款", "idempotency_key": key,
    })
}

#[tokio::test]
async fn refusals_answer_the_status_and_messages_of_their_row() {
    let app = demo_app().await;
    create_user(&app.registry, "fin_tc", "511702", "finance", PASSWORD)
        .await
        .must();
    let county = app.login("county").await;
    let audit = app.login("audit").await;
    let finance = app.login("fin_tc").await;

    // 404: another county's project is not found, and the message does not name it.
    let hidden = app.get(&county, "/api/projects/511723-2019-001").await;
    let problem = refusal(&hidden, "not_found");
    assert_eq!(problem["message_zh"], "不存在或无权查看");
    assert_eq!(problem["message_en"], "not found");

    // 403: audit is read-only; the land bureau does not record money.
    let by_audit = post(&app, &audit, "/api/funds/spending", spending(1, "e-1")).await;
    let problem = refusal(&by_audit, "read_only");
    assert_eq!(problem["message_en"], "a read-only user may not do this");
    let by_land = post(&app, &county, "/api/funds/spending", spending(1, "e-2")).await;
    let problem = refusal(&by_land, "department");
    assert!(
        problem["message_zh"]
            .as_str()
            .must()
            .contains("无权执行此操作"),
        "{problem}"
    );

    // 409: more than the project fund holds.
    let too_much = post(
        &app,
        &finance,
        "/api/funds/spending",
        spending(1_000_000_000_000, "e-3"),
    )
    .await;
    let problem = refusal(&too_much, "funds_insufficient");
    assert_eq!(problem["field"], "amount_fen");

    // 422 with the field at fault.
    let mut bad_date = spending(1, "e-4");
    bad_date["paid_on"] = json!("2019-13-01");
    let reply = post(&app, &finance, "/api/funds/spending", bad_date).await;
    let problem = refusal(&reply, "invalid");
    assert_eq!(problem["field"], "paid_on");
    assert!(
        problem["message_en"].as_str().must().contains("2019-13-01"),
        "{problem}"
    );

    // 422 with the rule ID as the code: a listing below the guide price.
    let low = post(
        &app,
        &county,
        "/api/market/listings",
        json!({
            "amount_m2": 1_000, "reserve_price_fen_per_mu": 1,
            "opens_on": "2019-08-01", "closes_on": "2019-09-30", "contact": "x",
            "as_of": "2019-08-01", "idempotency_key": "e-5",
        }),
    )
    .await;
    let problem = refusal(&low, "TRANSFER_PRICE_FLOOR");
    assert_eq!(problem["rule"], "TRANSFER_PRICE_FLOOR");

    // 429: five wrong passwords, then the sign-in form comes back with the throttle's status
    // and its message in the reader's language (Chinese by default; the API answers both).
    for _ in 0..5 {
        let reply = app.try_login("city", "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = app.try_login("city", PASSWORD).await;
    let row = ErrorCode::LoginThrottled;
    assert_eq!(throttled.status.as_u16(), row.status());
    assert!(
        throttled.body.contains(row.message_zh().as_ref())
            && !throttled.body.contains(row.message_en().as_ref()),
        "{}",
        throttled.body
    );
}

#[test]
fn the_openapi_document_lists_every_code_with_its_status() {
    let document = serde_json::to_value(guagou_web::openapi::base()).must();
    let merged = serde_json::to_value(guagou_web::openapi_document()).must();
    for doc in [&document, &merged] {
        let schema = &doc["components"]["schemas"]["ErrorCode"];
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .must()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let table = schema["x-error-codes"].as_array().must();
        let description = schema["description"].as_str().must();
        for code in ErrorCode::all() {
            assert!(listed.contains(&code.as_str()), "{code} not in the enum");
            let row = table.iter().find(|r| r["code"] == code.as_str()).must();
            assert_eq!(row["status"], code.status(), "{row}");
            assert_eq!(row["message_zh"], code.message_zh().as_ref(), "{row}");
            assert_eq!(row["message_en"], code.message_en().as_ref(), "{row}");
            assert!(
                description.contains(&format!("`{}` ({})", code.as_str(), code.status())),
                "{code} not in the description"
            );
        }
        assert_eq!(listed.len(), ErrorCode::all().len());
    }
    // Every problem's code refers to the table.
    assert_eq!(
        merged["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
}

/// The README's table is the one `error_table_markdown` writes. After adding a code, run this
/// test with `GUAGOU_BLESS=1` to rewrite the section.
#[test]
fn the_readme_table_is_the_error_table() {
    const START: &str =
        "<!-- error-codes:start (generated from ErrorCode; see tests/suite/errors.rs) -->\n";
    const END: &str = "<!-- error-codes:end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).must();
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the error-codes markers");
    };
    let table = guagou_web::error::error_table_markdown();
    let current = &readme[start + START.len()..end];
    if current != table && std::env::var_os("GUAGOU_BLESS").is_some() {
        let fixed = format!("{}{START}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, fixed).must();
        return;
    }
    assert_eq!(
        current, table,
        "README.md's error table differs from ErrorCode; rerun with GUAGOU_BLESS=1"
    );
}

/// No source splits a "中文 / English" display string to get messages: errors build them from
/// their fields. (Walks `crates/*/src`.)
#[test]
fn no_source_splits_a_bilingual_display() {
    let needle = format!("split_once({:?})", " / ");
    let crates = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut pending: Vec<std::path::PathBuf> = std::fs::read_dir(crates)
        .must()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    let mut offenders = Vec::new();
    let mut scanned = 0;
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                std::fs::read_dir(&path)
                    .must()
                    .filter_map(|e| e.ok().map(|e| e.path())),
            );
        } else if path.extension().is_some_and(|e| e == "rs") {
            scanned += 1;
            let text = std::fs::read_to_string(&path).must();
            if text.contains(&needle) {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert!(scanned > 100, "only {scanned} sources found under {crates}");
    assert!(offenders.is_empty(), "{needle} in {offenders:?}");
}
