//! The attacks of issue 12 that the one door answers, each tried as a hostile clerk would
//! and seen refused with its status and code (on SQLite, and on PostgreSQL in `scripts/test`):
//!
//! - a project coded like another record or another county's project;
//! - the audit log read by text prefix;
//! - concurrent wrong passwords slipping under the throttle;
//! - a sign-in form token chosen by the client;
//! - writes dated after today, and a deadline scan "as of" the future.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use guagou_registry::packages::zip_folder;
use guagou_registry::testing;
use serde_json::json;

use crate::common::{Must, PASSWORD, Session, TestApp, demo_app, encode};
use crate::upload::{multipart, package_dir, post_multipart, replace_in};

/// The passing example with its project code replaced by `code`, zipped.
fn zip_coded(code: &str) -> Vec<u8> {
    let dir = package_dir("xuanhan-nanba-pass");
    replace_in(
        &dir.path().join("project.toml"),
        "code = \"511722-2018-003\"",
        &format!("code = \"{code}\""),
    );
    zip_folder(dir.path()).must()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_code_is_typed_at_every_door() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let csrf = Some(county.csrf.as_str());
    // Coded like another kind of record, like another county's project, or not a code at all.
    for code in [
        "funds_entry",
        "511781-JC-2019-003",
        "511781-2019-003",
        "511722-2019-003/../x",
        "511722-2019-1",
    ] {
        let reply = post_multipart(
            &app,
            &county,
            "/api/projects",
            csrf,
            multipart(
                &[("as_of", "2019-07-15"), ("reason", "登记")],
                &[("package", "p.zip", &zip_coded(code))],
            ),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            reply.body
        );
        let problem = reply.json();
        assert_eq!(problem["field"], "project.code", "{code}: {}", reply.body);
        assert!(
            problem["message_zh"]
                .as_str()
                .must()
                .contains("project.code")
                && problem["message_en"]
                    .as_str()
                    .must()
                    .contains("project.code"),
            "{}",
            reply.body
        );
    }
    let codes: BTreeSet<String> = app
        .registry
        .auditor()
        .projects(None)
        .await
        .must()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| guagou_domain::ProjectCode::parse(c).is_ok())
    );
    assert!(!codes.contains("funds_entry") && !codes.contains("511781-2019-003"));
    // A text that is no project code is simply not found, at every route that takes one.
    for path in [
        "/api/projects/funds_entry",
        "/api/projects/511781-JC-2019-003",
        "/projects/funds_entry",
    ] {
        assert_eq!(
            app.get(&county, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_filtered_by_owning_division() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let audit = app.login("audit").await;
    let everything = app.get(&audit, "/api/audit?limit=500").await.json();
    let all = everything["records"].as_array().must();
    // The city's inspection of another county is in the log, owned by that county.
    let foreign_inspections: Vec<&serde_json::Value> = all
        .iter()
        .filter(|r| {
            r["action"] == "inspection.record"
                && r["owners"]
                    .as_array()
                    .is_some_and(|o| !o.contains(&json!("511722")))
        })
        .collect();
    assert!(
        !foreign_inspections.is_empty(),
        "the demo inspects other counties"
    );
    for record in all {
        assert!(
            !record["subject_kind"].as_str().must().is_empty(),
            "every record has a kind: {record}"
        );
    }

    let own = app.get(&county, "/api/audit?limit=500").await.json();
    let own = own["records"].as_array().must();
    assert!(!own.is_empty());
    for record in own {
        let owners = record["owners"].as_array().must();
        assert!(
            owners.contains(&json!("511722")),
            "a county reads only records its county owns: {record}"
        );
    }
    for foreign in &foreign_inspections {
        let seq = foreign["seq"].as_u64().must();
        let reply = app.get(&county, &format!("/api/audit/{seq}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
    // A subject filter is a filter, never a right: a prefix of another county's subject
    // gives nothing of it.
    let probe = app
        .get(&county, "/api/audit?subject=511781&limit=500")
        .await
        .json();
    for record in probe["records"].as_array().must() {
        assert!(
            record["owners"]
                .as_array()
                .must()
                .contains(&json!("511722"))
        );
    }
}

/// Posts one sign-in with the given form.
async fn sign_in(app: &TestApp, form: &(String, String), name: &str, password: &str) -> StatusCode {
    let (nonce, token) = form;
    app.post_form(
        &format!("guagou_prelogin={nonce}"),
        "/login",
        &format!(
            "csrf={token}&name={}&password={}",
            encode(name),
            encode(password)
        ),
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_cannot_slip_under_the_throttle() {
    let app = std::sync::Arc::new(demo_app().await);
    guagou_web::create_user(&app.registry, "target", "511722", "land", PASSWORD)
        .await
        .must();
    let form = app.login_form().await;
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..120 {
        let app = std::sync::Arc::clone(&app);
        let form = form.clone();
        attempts.spawn(async move { sign_in(&app, &form, "target", &format!("guess {i}")).await });
    }
    let mut checked = 0;
    let mut throttled = 0;
    while let Some(status) = attempts.join_next().await {
        match status.must() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let limit = guagou_web::auth::MAX_FAILED_LOGINS;
    assert!(
        checked as i64 <= limit,
        "{checked} passwords checked, limit {limit}"
    );
    assert_eq!(checked + throttled, 120);
    // The right password after the storm is throttled too, and nobody signed in.
    assert_eq!(
        sign_in(&app, &form, "target", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let logins = testing::scalar(
        &app.registry,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.login' AND actor = 'target'",
        &[],
    )
    .await
    .must();
    assert_eq!(logins, 0);
    let failures = testing::scalar(
        &app.registry,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_failed' AND actor = 'target'",
        &[],
    )
    .await
    .must();
    assert_eq!(
        failures, checked as i64,
        "every checked password is audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_token_is_issued_by_the_server_for_its_cookie() {
    let app = demo_app().await;
    // The old double submit: any value in both the cookie and the form.
    let chosen = ("ab".repeat(32), "ab".repeat(32));
    assert_eq!(
        sign_in(&app, &chosen, "county", PASSWORD).await,
        StatusCode::FORBIDDEN
    );
    // A genuine token of one browser with another browser's cookie.
    let first = app.login_form().await;
    let second = app.login_form().await;
    assert_ne!(first, second);
    let crossed = (second.0.clone(), first.1.clone());
    assert_eq!(
        sign_in(&app, &crossed, "county", PASSWORD).await,
        StatusCode::FORBIDDEN
    );
    // The form and its own cookie sign in.
    assert_eq!(
        sign_in(&app, &first, "county", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_dated_after_today_are_refused_and_a_future_scan_writes_nothing() {
    // The tests' clock says 2026-12-01.
    let app = demo_app().await;
    let city = app.login("city").await;
    let journal = app.registry.journal_length().await.must();
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            json!({
                "operation": { "kind": "grant_annual_plan", "county": "511722", "year": 2027, "amount_m2": 1000 },
                "idempotency_key": "future-grant",
                "as_of": "2026-12-02",
                "reason": "明年的计划",
            }),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let problem = reply.json();
    assert_eq!(problem["code"], "future_date");
    assert!(problem["message_zh"].as_str().must().contains("2026-12-01"));
    assert!(problem["message_en"].as_str().must().contains("2026-12-01"));
    assert_eq!(app.registry.journal_length().await.must(), journal);

    // A scan "as of" a future date is a preview: what it would do, nothing written.
    let sanctions = || async {
        testing::scalar(&app.registry, "SELECT COUNT(*) FROM sanctions", &[])
            .await
            .must()
    };
    let before = sanctions().await;
    let audit_before = testing::scalar(&app.registry, "SELECT COUNT(*) FROM audit_log", &[])
        .await
        .must();
    let page = app
        .post_form(
            &format!("guagou_session={}", city.cookie.as_deref().must()),
            "/supervision/scan",
            &format!("csrf={}&as_of=2028-12-31", city.csrf),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"scan-preview\""), "{}", page.body);
    assert_eq!(sanctions().await, before);
    assert_eq!(app.registry.journal_length().await.must(), journal);
    let audit_after = testing::scalar(&app.registry, "SELECT COUNT(*) FROM audit_log", &[])
        .await
        .must();
    assert_eq!(
        audit_after, audit_before,
        "a preview writes nothing, not even an audit record"
    );
    // The API does not write either: 422 future_date.
    let reply = app
        .post_json(
            &city,
            "/api/supervision/scan",
            Some(&city.csrf),
            json!({ "as_of": "2028-12-31" }),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["code"], "future_date");
    assert_eq!(sanctions().await, before);
    let _ = Session::default();
}

/// Posts one ledger operation through the API as `session`.
async fn operation(
    app: &TestApp,
    session: &Session,
    key: &str,
    operation: serde_json::Value,
) -> crate::common::Reply {
    app.post_json(
        session,
        "/api/ledger/operations",
        Some(&session.csrf),
        json!({
            "operation": operation,
            "idempotency_key": key,
            "as_of": "2020-01-02",
            "reason": "试探",
        }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_acts_within_its_city_and_the_market_owns_its_records() {
    use guagou_domain::ledger::Operation;
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let auditor = app.registry.auditor();
    let scope = auditor.read_scope().await.must();
    let entries = auditor.journal_entries(&scope).await.must();

    // The demo's general transfer credited 成都市 (510100): outside the city, not reversible by it.
    let to_chengdu = entries
        .iter()
        .find(|e| matches!(&e.operation, Operation::Transfer { buyer, .. } if buyer.as_str() == "510100"))
        .must();
    let reply = operation(
        &app,
        &city,
        "rev-510100",
        json!({ "kind": "reverse", "seq": to_chengdu.seq }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.json()["code"], "forbidden");

    // Annual plan quota is the province's to grant: not to 锦江区 (510104), not by the city.
    let reply = operation(
        &app,
        &city,
        "grant-510104",
        json!({ "kind": "grant_annual_plan", "county": "510104", "year": 2020, "amount_m2": 1000 }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // A general `list` cannot take an id in the market's namespace (blocking 万源市's listings).
    let reply = operation(
        &app,
        &county,
        "squat",
        json!({ "kind": "list", "division": "511722", "listing": "GP-511781-2020-001", "amount_m2": 1 }),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["field"], "listing", "{}", reply.body);

    // The open market listing's escrow moves only through the market: no general reverse.
    let listed = entries
        .iter()
        .find(|e| matches!(&e.operation, Operation::List { listing, .. } if listing.starts_with("GP-")))
        .must();
    let reply = operation(
        &app,
        &city,
        "rev-escrow",
        json!({ "kind": "reverse", "seq": listed.seq }),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let listing = match &listed.operation {
        Operation::List { listing, .. } => listing.clone(),
        _ => unreachable!(),
    };
    let market = app
        .get(&county, &format!("/api/market/listings/{listing}"))
        .await;
    assert_eq!(market.status, StatusCode::OK, "{}", market.body);
    assert_eq!(market.json()["listing"]["state"], "open");
    assert!(market.json()["listed_balance_m2"].as_i64().must() > 0);
}
