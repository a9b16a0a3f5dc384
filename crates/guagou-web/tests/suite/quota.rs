//! The quota ledger and supervision through the web: who reads which account and entry, the
//! city's advance and what the county then sees, county quota operations and their refusals
//! (rule IDs), the scan's idempotency, lifting a suspension, and the dashboard panels.

use std::sync::Arc;

use crate::common::{Must, Reply, Session, TestApp, demo_app, encode};
use axum::http::StatusCode;
use guagou_registry::Actor;
use guagou_web::AppState;
use guagou_web::auth::User;
use serde_json::{Value, json};

/// A project of the county (511722) that the demo leaves as a draft; tests walk it to approval.
const DRAFT: &str = "511722-2019-003";
/// An approved project of 渠县 (511725), whose advance right the demo's scan suspended.
const SUSPENDED_COUNTY_PROJECT: &str = "511725-2019-002";

fn cookie(session: &Session) -> String {
    format!("guagou_session={}", session.cookie.clone().must())
}

/// The hidden idempotency key of the form with `id` on a page.
fn form_key(page: &str, id: &str) -> String {
    let start = page.find(&format!("id=\"{id}\"")).must();
    let marker = "name=\"key\" value=\"";
    let at = start + page[start..].find(marker).must() + marker.len();
    page[at..at + 32].to_owned()
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_form(app: &TestApp, session: &Session, path: &str, fields: &[(&str, &str)]) -> Reply {
    app.post_form(&cookie(session), path, &form_body(fields))
        .await
}

/// The balance of `account` as `session` reads it through the API (0 when not listed).
async fn balance(app: &TestApp, session: &Session, account: &str) -> i64 {
    let reply = app.get(session, "/api/ledger/accounts").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
        .json()
        .as_array()
        .must()
        .iter()
        .find(|a| a["account"] == account)
        .map(|a| a["balance"]["m2"].as_i64().must())
        .unwrap_or(0)
}

/// Takes the draft project of the county to approval through the API (county submits, the
/// city pools and forwards, the province approves).
async fn approve_draft(app: &TestApp) {
    let county = app.login("county").await;
    let city = app.login("city").await;
    let province = app.login("province").await;
    for (session, action) in [
        (&county, "submit"),
        (&city, "pool"),
        (&city, "forward"),
        (&province, "approve"),
    ] {
        let reply = app
            .post_json(
                session,
                &format!("/api/projects/{DRAFT}/actions/{action}"),
                Some(&session.csrf),
                json!({ "as_of": "2019-08-01", "reason": "测试流程" }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{action}: {}", reply.body);
    }
}

fn seq_of_location(reply: &Reply) -> u64 {
    let location = reply.location().must();
    location
        .strip_prefix("/ledger/entries/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("redirect to {location}"))
}

/// The sequence number of the newest entry touching `account`, read by `session`.
async fn newest_entry(app: &TestApp, session: &Session, account: &str) -> u64 {
    let reply = app
        .get(session, &format!("/api/ledger/accounts/{account}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["history"][0]["seq"].as_u64().must()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_reads_follow_jurisdiction() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;
    let province = app.login("province").await;
    let anonymous = Session::default();

    // Entries only another county may read: its annual-plan grant; and the county's transfer.
    let other_grant = newest_entry(&app, &city, "annual_plan:511723:2019").await;
    let transfer = newest_entry(&app, &city, "listed:SC-2019-0107").await;

    let ok = StatusCode::OK;
    let missing = StatusCode::NOT_FOUND;
    let matrix: Vec<(&Session, String, StatusCode)> = vec![
        (&county, "/ledger".into(), ok),
        (&county, "/ledger/accounts/holding:511722".into(), ok),
        (&county, "/ledger/accounts/listed:SC-2019-0107".into(), ok),
        (
            &county,
            "/ledger/accounts/advance:511722-2018-001".into(),
            ok,
        ),
        (&county, "/ledger/accounts/holding:511723".into(), missing),
        (
            &county,
            "/ledger/accounts/advance:511781-2018-001".into(),
            missing,
        ),
        (
            &county,
            "/ledger/accounts/annual_plan_grant".into(),
            missing,
        ),
        (&county, "/ledger/accounts/no-such-account".into(), missing),
        (
            &county,
            "/api/ledger/accounts/holding:511723".into(),
            missing,
        ),
        (&county, format!("/ledger/entries/{transfer}"), ok),
        (&county, format!("/ledger/entries/{other_grant}"), missing),
        (
            &county,
            format!("/api/ledger/entries/{other_grant}"),
            missing,
        ),
        (&county, "/ledger/entries/999999".into(), missing),
        (&county, "/ledger/entries/x".into(), missing),
        (&county, "/ledger/projects/511722-2018-001".into(), ok),
        (&county, "/ledger/projects/511723-2019-001".into(), missing),
        (&county, "/supervision".into(), ok),
        (&other, "/ledger".into(), ok),
        (&other, "/ledger/accounts/holding:511723".into(), ok),
        (&other, "/ledger/accounts/holding:511722".into(), missing),
        (
            &other,
            "/ledger/accounts/listed:SC-2019-0107".into(),
            missing,
        ),
        (&other, format!("/ledger/entries/{transfer}"), missing),
        (&other, format!("/api/ledger/entries/{transfer}"), missing),
        (&other, format!("/ledger/entries/{other_grant}"), ok),
        (&city, "/ledger/accounts/holding:511722".into(), ok),
        (&city, "/ledger/accounts/annual_plan_grant".into(), ok),
        // Chengdu bought the listing: outside the city's jurisdiction.
        (&city, "/ledger/accounts/holding:510100".into(), missing),
        (&province, "/ledger/accounts/holding:510100".into(), ok),
        (&audit, "/ledger/accounts/holding:510100".into(), ok),
        (&audit, "/ledger/accounts/holding:511723".into(), ok),
        (&audit, format!("/api/ledger/entries/{other_grant}"), ok),
        (&audit, "/api/supervision".into(), ok),
    ];
    for (session, path, expected) in &matrix {
        let reply = app.get(session, path).await;
        assert_eq!(reply.status, *expected, "{path}: {}", reply.body);
    }
    for page in ["/ledger", "/ledger/accounts/holding:511722", "/supervision"] {
        let reply = app.get(&anonymous, page).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(reply.location().as_deref(), Some("/login"));
    }
    for api in [
        "/api/ledger/accounts",
        "/api/supervision",
        "/api/ledger/entries/1",
    ] {
        assert_eq!(
            app.get(&anonymous, api).await.status,
            StatusCode::UNAUTHORIZED,
            "{api}"
        );
    }

    // The account list is filtered: the county sees only its county and its projects.
    let accounts = app.get(&county, "/api/ledger/accounts").await.json();
    let accounts = accounts.as_array().must();
    assert!(accounts.iter().any(|a| a["account"] == "holding:511722"));
    for a in accounts {
        assert_eq!(a["county"], "511722", "county reads {a}");
    }
    let city_accounts = app.get(&city, "/api/ledger/accounts").await.json();
    assert!(
        city_accounts
            .as_array()
            .must()
            .iter()
            .any(|a| a["account"] == "annual_plan:511723:2019")
    );
    // The page groups by county and shows m², 公顷 and 亩.
    let page = app.get(&county, "/ledger").await;
    assert!(page.body.contains("id=\"county-511722\""), "{}", page.body);
    assert!(!page.body.contains("511723"), "another county on the page");
    assert!(page.body.contains("公顷") && page.body.contains("亩"));
    assert!(page.body.contains("id=\"chain\""));
    let page = app.get(&city, "/ledger").await;
    assert!(page.body.contains("id=\"county-511723\""));

    // An account page: open lots with provenance, history newest first, links to entries.
    let page = app.get(&county, "/ledger/accounts/holding:511722").await;
    assert!(
        page.body.contains("511722-2018-001:"),
        "serial ranges shown"
    );
    assert!(page.body.contains("/ledger/entries/"), "history links");
    let detail = app
        .get(&county, "/api/ledger/accounts/holding:511722?limit=2")
        .await
        .json();
    let history = detail["history"].as_array().must();
    assert_eq!(history.len(), 2);
    assert!(history[0]["seq"].as_u64() > history[1]["seq"].as_u64());
    let older = detail["older_before"].as_u64().must();
    let next = app
        .get(
            &county,
            &format!("/api/ledger/accounts/holding:511722?limit=2&before={older}"),
        )
        .await
        .json();
    assert!(next["history"][0]["seq"].as_u64().must() < older);
    assert_eq!(
        app.get(&county, "/api/ledger/accounts/holding:511722?before=x")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for lot in detail["open_lots"].as_array().must() {
        assert!(lot["project"].as_str().must().starts_with("511722"));
    }

    // An entry page shows legs and hashes, the same as the API says.
    let api = app
        .get(&county, &format!("/api/ledger/entries/{transfer}"))
        .await
        .json();
    assert_eq!(api["hash_verified"], true);
    let page = app
        .get(&county, &format!("/ledger/entries/{transfer}"))
        .await;
    let hash = api["entry"]["hash"].as_str().must();
    let prev = api["entry"]["prev_hash"].as_str().must();
    assert!(page.body.contains(hash) && page.body.contains(prev));
    assert!(page.body.contains("id=\"legs\""));
    assert!(page.body.contains("listed:SC-2019-0107"));
    // The buyer's account is named but not linked for the county.
    assert!(page.body.contains("holding:510100"));
    assert!(
        !page
            .body
            .contains("href=\"/ledger/accounts/holding:510100\"")
    );
    // The previous entry's hash is this entry's previous hash.
    let before = app
        .get(&audit, &format!("/api/ledger/entries/{}", transfer - 1))
        .await
        .json();
    assert_eq!(before["entry"]["hash"], api["entry"]["prev_hash"]);
    // A lot's lineage goes back to the lot the project minted.
    let lot = api["entry"]["lots_created"][0]["id"].as_u64().must();
    let page = app.get(&county, &format!("/ledger/lots/{lot}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("511722-2018-001:"));
    assert_eq!(
        app.get(&other, &format!("/ledger/lots/{lot}")).await.status,
        StatusCode::NOT_FOUND
    );

    // The API is described in the OpenAPI document.
    let doc = app.get(&anonymous, "/api/openapi.json").await.json();
    for path in [
        "/api/ledger/accounts",
        "/api/ledger/accounts/{key}",
        "/api/ledger/entries/{seq}",
        "/api/ledger/operations",
        "/api/ledger/land-supplies",
        "/api/ledger/adjustments",
        "/api/supervision",
        "/api/supervision/scan",
        "/api/supervision/lift",
    ] {
        let relative = path.trim_start_matches("/api");
        assert!(
            doc["paths"].get(path).is_some() || doc["paths"].get(relative).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(
        doc["components"]["schemas"].get("OperationInput").is_some(),
        "operation schema documented"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_advances_and_the_county_sees_it() {
    let app = demo_app().await;
    approve_draft(&app).await;
    let county = app.login("county").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;
    let other = app.login("other").await;
    let before = balance(&app, &county, "holding:511722").await;

    // Only the city's land bureau gets the advance form.
    let panel = format!("/ledger/projects/{DRAFT}");
    let page = app.get(&county, &panel).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"project-ledger\""));
    assert!(!page.body.contains("form-advance"));
    assert!(!app.get(&audit, &panel).await.body.contains("form-advance"));
    // The demo's scan suspended 宣汉: the city sees the suspension and no advance form.
    let page = app.get(&city, &panel).await;
    assert!(page.body.contains("ADVANCE_NOT_SUSPENDED"), "{}", page.body);
    assert!(!page.body.contains("form-advance"), "{}", page.body);
    let key = "1".repeat(32);
    let project = app
        .get(&city, &format!("/api/projects/{DRAFT}"))
        .await
        .json();
    let planned = project["project"]["planned_surplus_m2"].as_i64().must();
    let limit = planned * 3 / 10;
    let amount = (limit / 2).to_string();

    let fields = |key: &str, amount: &str, csrf: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("key", key),
            ("kind", "advance"),
            ("project", DRAFT),
            ("amount_m2", amount),
            ("as_of", "2019-08-10"),
            ("reason", "预支 (二(四))"),
            ("back", "/ledger"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let send = |session: &Session, fields: Vec<(String, String)>| {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let cookie = cookie(session);
        let app = &app;
        async move { app.post_form(&cookie, "/ledger/operations", &body).await }
    };

    // Refusals: no CSRF token, audit, the county (wrong level), another county (cannot see it).
    let reply = send(&city, fields(&key, &amount, "")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(&audit, fields(&key, &amount, &audit.csrf)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = send(&county, fields(&key, &amount, &county.csrf)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = send(&other, fields(&key, &amount, &other.csrf)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    // The demo's scan suspended 宣汉 (an advance of 511722-2018-002 was not repaid in time):
    // the engine refuses, and the page shows the rule.
    let trial = "0".repeat(32);
    let reply = send(&city, fields(&trial, &amount, &city.csrf)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("id=\"refusal\""));
    assert!(
        reply.body.contains("ADVANCE_NOT_SUSPENDED"),
        "{}",
        reply.body
    );
    // Lifting is the city's recorded decision: not without the token, not by a county or audit.
    let page = app.get(&city, "/supervision").await;
    assert!(page.body.contains("id=\"lift-511722\""), "{}", page.body);
    assert!(
        !app.get(&county, "/supervision")
            .await
            .body
            .contains("lift-511722")
    );
    let lift = [("county", "511722"), ("reason", "已整改")];
    let reply = post_form(&app, &city, "/supervision/lift", &lift).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "no CSRF token");
    let with_csrf = [("csrf", county.csrf.as_str()), lift[0], lift[1]];
    let reply = post_form(&app, &county, "/supervision/lift", &with_csrf).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "a county may not lift");
    let with_csrf = [("csrf", audit.csrf.as_str()), lift[0], lift[1]];
    let reply = post_form(&app, &audit, "/supervision/lift", &with_csrf).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "audit writes nothing");
    let with_csrf = [("csrf", city.csrf.as_str()), lift[0], lift[1]];
    let reply = post_form(&app, &city, "/supervision/lift", &with_csrf).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(
        !app.get(&city, "/supervision")
            .await
            .body
            .contains("lift-511722")
    );

    // Lifted: the city gets the advance form, with its own key.
    let page = app.get(&city, &panel).await;
    assert!(page.body.contains("form-advance"), "{}", page.body);
    let key = form_key(&page.body, "form-advance");

    // Above the 30 % limit: ADVANCE_LIMIT.
    let too_much = (limit + 1).to_string();
    let reply = send(&city, fields(&trial, &too_much, &city.csrf)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("ADVANCE_LIMIT"), "{}", reply.body);

    // The advance, submitted twice with the form's key, posts once.
    let reply = send(&city, fields(&key, &amount, &city.csrf)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let seq = seq_of_location(&reply);
    let again = send(&city, fields(&key, &amount, &city.csrf)).await;
    assert_eq!(seq_of_location(&again), seq, "a double submit posts once");
    let after = balance(&app, &county, "holding:511722").await;
    assert_eq!(after - before, limit / 2);

    // The county sees the change on /ledger and the entry with its legs and hashes.
    let page = app.get(&county, "/ledger").await;
    assert!(
        page.body
            .contains(&format!("data-account=\"holding:511722\">{after}<")),
        "{}",
        page.body
    );
    let entry = app.get(&county, &format!("/ledger/entries/{seq}")).await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(entry.body.contains(&format!("advance:{DRAFT}")));
    assert!(entry.body.contains("holding:511722"));
    assert!(entry.body.contains("id=\"prev-hash\"") && entry.body.contains("id=\"hash\""));
    assert!(
        entry.body.contains(&format!("{DRAFT}:1-{}", limit / 2)),
        "serials"
    );
    let json = app
        .get(&county, &format!("/api/ledger/entries/{seq}"))
        .await
        .json();
    assert!(entry.body.contains(json["entry"]["hash"].as_str().must()));
    assert_eq!(json["head_seq"].as_u64(), Some(seq));
    assert_eq!(
        app.get(&other, &format!("/ledger/entries/{seq}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let history = app
        .get(&county, "/api/ledger/accounts/holding:511722")
        .await
        .json();
    assert_eq!(history["history"][0]["seq"].as_u64(), Some(seq));
    assert_eq!(history["history"][0]["amount_m2"].as_i64(), Some(limit / 2));
    assert_eq!(
        history["history"][0]["counter_accounts"][0],
        format!("advance:{DRAFT}")
    );
    // The project panel now shows the advance and its repayment deadline.
    let page = app.get(&county, &panel).await;
    assert!(
        page.body.contains("2020-08-10"),
        "due on the corresponding day a year later (民法典 art. 201)"
    );

    // 渠县 is suspended: the engine refuses with the rule; the city lifts; then it passes.
    let advance = |key: &str, amount: i64| {
        json!({
            "operation": { "kind": "advance", "project": SUSPENDED_COUNTY_PROJECT, "amount_m2": amount },
            "idempotency_key": key, "as_of": "2019-08-10", "reason": "预支"
        })
    };
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            advance("k1", 1_000),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["rule"], "ADVANCE_NOT_SUSPENDED");
    let lift = json!({ "county": "511725", "reason": "已整改" });
    let reply = app
        .post_json(
            &audit,
            "/api/supervision/lift",
            Some(&audit.csrf),
            lift.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_json(&city, "/api/supervision/lift", None, lift.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_json(&city, "/api/supervision/lift", Some(&city.csrf), lift)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = app.get(&city, "/api/supervision").await.json();
    assert!(
        !view["suspended"]
            .as_array()
            .must()
            .iter()
            .any(|c| c == "511725")
    );
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            advance("k1", 1_000),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let first = reply.json()["seq"].as_u64().must();
    // The same key again: the same entry; the same key for another request: a conflict.
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            advance("k1", 1_000),
        )
        .await;
    assert_eq!(reply.json()["seq"].as_u64(), Some(first));
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            advance("k1", 2_000),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    // Malformed bodies are 422, never 5xx.
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            json!({ "operation": { "kind": "fly" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            advance("k2", 0),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_quota_operations_and_their_refusals() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let audit = app.login("audit").await;
    let own = "/ledger/accounts/holding:511722";

    let page = app.get(&county, own).await;
    for form in [
        "form-reserve",
        "form-list",
        "form-land-supply",
        "form-use",
        "form-adjustment",
    ] {
        assert!(page.body.contains(&format!("id=\"{form}\"")), "{form}");
    }
    assert!(
        page.body.contains("511722-GD-2019-01"),
        "recorded supplies listed"
    );
    assert!(
        !app.get(&audit, own)
            .await
            .body
            .contains("<form method=\"post\" action=\"/ledger")
    );
    let start = balance(&app, &county, "holding:511722").await;
    assert!(
        start > 2_000,
        "the demo leaves quota with the county: {start}"
    );

    // Operational land backed by annual plan quota: OPERATIONAL_LAND_USES_QUOTA, page and API.
    let supply = |id: &str, land_use: &str, backing: &str, csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("back".to_owned(), own.to_owned()),
            ("id".to_owned(), id.to_owned()),
            ("county".to_owned(), "511722".to_owned()),
            ("zone".to_owned(), "东乡街道商业地块二".to_owned()),
            ("land_use".to_owned(), land_use.to_owned()),
            ("area_m2".to_owned(), "1000".to_owned()),
            ("backing".to_owned(), backing.to_owned()),
            ("as_of".to_owned(), "2019-08-20".to_owned()),
            ("reason".to_owned(), "供地".to_owned()),
        ]
    };
    let send = |session: &Session, path: &'static str, fields: Vec<(String, String)>| {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let cookie = cookie(session);
        let app = &app;
        async move { app.post_form(&cookie, path, &body).await }
    };
    let reply = send(
        &county,
        "/ledger/land-supplies",
        supply("GD-A", "commercial", "annual_plan", &county.csrf),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("OPERATIONAL_LAND_USES_QUOTA"),
        "{}",
        reply.body
    );
    let api_body = json!({ "id": "GD-A", "county": "511722", "zone": "Z", "land_use": "commercial_housing",
        "area_m2": 1000, "backing": "annual_plan", "as_of": "2019-08-20", "reason": "供地" });
    let reply = app
        .post_json(
            &county,
            "/api/ledger/land-supplies",
            Some(&county.csrf),
            api_body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["code"], "OPERATIONAL_LAND_USES_QUOTA");
    assert_eq!(reply.json()["rule"], "OPERATIONAL_LAND_USES_QUOTA");
    // Without the token, from audit, or for another county: refused.
    let reply = send(
        &county,
        "/ledger/land-supplies",
        supply("GD-B", "commercial", "surplus_quota", ""),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(
        &audit,
        "/ledger/land-supplies",
        supply("GD-B", "commercial", "surplus_quota", &audit.csrf),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(
        &other,
        "/ledger/land-supplies",
        supply("GD-B", "commercial", "surplus_quota", &other.csrf),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // Backed by surplus quota it is recorded and retires quota; a double submit records once.
    let reply = send(
        &county,
        "/ledger/land-supplies",
        supply("GD-B", "commercial", "surplus_quota", &county.csrf),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let seq = seq_of_location(&reply);
    let again = send(
        &county,
        "/ledger/land-supplies",
        supply("GD-B", "commercial", "surplus_quota", &county.csrf),
    )
    .await;
    assert_eq!(seq_of_location(&again), seq);
    assert_eq!(
        balance(&app, &county, "holding:511722").await,
        start - 1_000
    );
    let entry = app
        .get(&county, &format!("/api/ledger/entries/{seq}"))
        .await
        .json();
    assert_eq!(entry["entry"]["operation"]["kind"], "use");
    // Industrial land on annual plan quota needs no ledger entry.
    let reply = send(
        &county,
        "/ledger/land-supplies",
        supply("GD-C", "industrial", "annual_plan", &county.csrf),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(
        reply
            .location()
            .must()
            .starts_with("/ledger/accounts/holding:511722")
    );

    // Reserve, then listing more than what is not reserved: LOCAL_NEEDS_FIRST.
    let op = |operation: Value, key: &str| json!({ "operation": operation, "idempotency_key": key, "as_of": "2019-08-21", "reason": "测试" });
    let available = start - 1_000;
    let reply = app
        .post_json(
            &county,
            "/api/ledger/operations",
            Some(&county.csrf),
            op(
                json!({
            "kind": "reserve", "division": "511722", "amount_m2": 1_000, "purpose": "安置点" }),
                "r1",
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app
        .post_json(
            &county,
            "/api/ledger/operations",
            Some(&county.csrf),
            op(
                json!({
            "kind": "list", "division": "511722", "listing": "SC-TEST-1", "amount_m2": available }),
                "l1",
            ),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["rule"], "LOCAL_NEEDS_FIRST");
    // More than the county holds at all: a conflict with the ledger's state, not a 5xx.
    let reply = app
        .post_json(
            &county,
            "/api/ledger/operations",
            Some(&county.csrf),
            op(
                json!({ "kind": "use", "division": "511722", "amount_m2": 10_000_000,
                    "zone": "Z", "land_use": "industrial" }),
                "u1",
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["code"], "insufficient_balance");
    // A listing by form, then withdrawn from its page by the seller only.
    let page = app.get(&county, own).await;
    let key = form_key(&page.body, "form-list");
    let list = vec![
        ("csrf".to_owned(), county.csrf.clone()),
        ("key".to_owned(), key),
        ("kind".to_owned(), "list".to_owned()),
        ("division".to_owned(), "511722".to_owned()),
        ("listing".to_owned(), "SC-TEST-2".to_owned()),
        ("amount_m2".to_owned(), "500".to_owned()),
        ("as_of".to_owned(), "2019-08-22".to_owned()),
        ("reason".to_owned(), "挂牌".to_owned()),
    ];
    let reply = send(&county, "/ledger/operations", list).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let listing = app.get(&county, "/ledger/accounts/listed:SC-TEST-2").await;
    assert!(listing.body.contains("form-withdraw") && listing.body.contains("form-transfer"));
    // Every signed-in user sees the open listing as market data; only the seller its account.
    let market = app.get(&other, "/ledger").await;
    assert!(
        market.body.contains("SC-TEST-2"),
        "listing shown to other counties"
    );
    assert!(
        !market
            .body
            .contains("href=\"/ledger/accounts/listed:SC-TEST-2\"")
    );
    assert_eq!(
        app.get(&other, "/ledger/accounts/listed:SC-TEST-2")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let withdraw = json!({ "kind": "withdraw", "listing": "SC-TEST-2", "amount_m2": 500 });
    let reply = app
        .post_json(
            &other,
            "/api/ledger/operations",
            Some(&other.csrf),
            op(withdraw.clone(), "w1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let reply = app
        .post_json(
            &county,
            "/api/ledger/operations",
            Some(&county.csrf),
            op(withdraw, "w1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Another county may not reserve the county's quota.
    let reply = app
        .post_json(
            &other,
            "/api/ledger/operations",
            Some(&other.csrf),
            op(
                json!({
            "kind": "reserve", "division": "511722", "amount_m2": 1, "purpose": "x" }),
                "r2",
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // One planning adjustment per county per year: the second is ADJUSTMENT_ONCE_A_YEAR.
    let adjust = |csrf: &str, as_of: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("back".to_owned(), own.to_owned()),
            ("county".to_owned(), "511722".to_owned()),
            ("as_of".to_owned(), as_of.to_owned()),
            ("reason".to_owned(), "流转后调整规划".to_owned()),
        ]
    };
    let reply = send(
        &county,
        "/ledger/adjustments",
        adjust(&county.csrf, "2020-03-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = send(
        &county,
        "/ledger/adjustments",
        adjust(&county.csrf, "2020-09-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("ADJUSTMENT_ONCE_A_YEAR"),
        "{}",
        reply.body
    );
    let reply = app
        .post_json(
            &county,
            "/api/ledger/adjustments",
            Some(&county.csrf),
            json!({ "county": "511722", "as_of": "2021-01-05", "reason": "次年" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["rule"], "ADJUSTMENT_ONCE_A_YEAR");
    let reply = send(
        &audit,
        "/ledger/adjustments",
        adjust(&audit.csrf, "2022-03-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = app.get(&county, own).await;
    assert!(page.body.contains("511722-2020-1"), "adjustment listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_runs_once_per_date_and_supervision_is_filtered() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;

    // The cheap deadline facts agree with the scan's own.
    let cheap = app.registry.auditor().deadline_facts().await.must();
    let full = guagou_registry::testing::sanction_facts(&app.registry)
        .await
        .must();
    assert_eq!(cheap, full);
    for facts in &cheap {
        let one = app
            .registry
            .auditor()
            .project_deadline_facts(&facts.code)
            .await
            .must();
        assert_eq!(one.as_ref(), Some(facts));
    }
    assert_eq!(
        app.registry
            .auditor()
            .project_deadline_facts("511722-2019-003")
            .await
            .must(),
        None,
        "a draft has no deadlines"
    );

    // The demo's scan (2019-07-15) sanctioned 万源 and 渠县: the city sees it, the county not.
    let page = app.get(&city, "/supervision?as_of=2019-07-15").await;
    assert!(page.body.contains("ADVANCE_REPAID") && page.body.contains("511781"));
    let page = app.get(&county, "/supervision?as_of=2019-07-15").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("511781") && !page.body.contains("511725"));
    assert!(!page.body.contains("form-scan"), "a county does not scan");
    let view = app
        .get(&city, "/api/supervision?as_of=2019-07-15")
        .await
        .json();
    assert!(
        view["sanctions"]
            .as_array()
            .must()
            .iter()
            .any(|s| s["rule"] == "ADVANCE_REPAID")
    );
    assert!(
        view["obligations"]
            .as_array()
            .must()
            .iter()
            .any(|o| o["kind"] == "farmland_balance")
    );
    assert!(
        view["suspended"]
            .as_array()
            .must()
            .iter()
            .any(|c| c == "511781")
    );
    assert_eq!(
        view["pending_sanctions"].as_array().must().len(),
        0,
        "applied already"
    );
    assert_eq!(
        app.get(&city, "/api/supervision?as_of=someday")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Three years after approval the completions are due; nothing applied them yet.
    let later = app
        .get(&city, "/api/supervision?as_of=2021-07-01")
        .await
        .json();
    let pending = later["pending_sanctions"].as_array().must().len();
    assert!(pending > 0);
    assert!(
        later["deadlines"]
            .as_array()
            .must()
            .iter()
            .any(|d| d["kind"] == "completion" && d["overdue"] == true)
    );
    let county_view = app
        .get(&county, "/api/supervision?as_of=2021-07-01")
        .await
        .json();
    for d in county_view["deadlines"].as_array().must() {
        assert_eq!(d["county"], "511722", "{d}");
    }

    // Refusals: a county, audit, no token.
    let scan = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("as_of", "2021-07-01".to_owned()),
        ]
    };
    let form = |fields: Vec<(&str, String)>| {
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let reply = app
        .post_form(
            &cookie(&county),
            "/supervision/scan",
            &form(scan(&county.csrf)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = app
        .post_form(
            &cookie(&audit),
            "/supervision/scan",
            &form(scan(&audit.csrf)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_form(&cookie(&city), "/supervision/scan", &form(scan("")))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_json(
            &audit,
            "/api/supervision/scan",
            Some(&audit.csrf),
            json!({ "as_of": "2021-07-01" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // The city runs it: everything pending is applied; the second run applies nothing.
    let page = app.get(&city, "/supervision?as_of=2021-07-01").await;
    assert!(page.body.contains("form-scan"));
    let reply = app
        .post_form(&cookie(&city), "/supervision/scan", &form(scan(&city.csrf)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains(&format!("本次实施 {pending} 项制裁")),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("COMPLETION_DEADLINE"));
    let reply = app
        .post_form(&cookie(&city), "/supervision/scan", &form(scan(&city.csrf)))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("本次实施 0 项制裁"), "{}", reply.body);
    let head = app.registry.store_for_tests().head().await.must();
    let report = app
        .post_json(
            &city,
            "/api/supervision/scan",
            Some(&city.csrf),
            json!({ "as_of": "2021-07-01" }),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report = report.json();
    assert_eq!(report["applied"].as_array().must().len(), 0);
    assert!(report["already_applied"].as_u64().must() >= pending as u64);
    assert_eq!(
        app.registry.store_for_tests().head().await.must(),
        head,
        "nothing posted"
    );
    let later = app
        .get(&city, "/api/supervision?as_of=2021-07-01")
        .await
        .json();
    assert_eq!(later["pending_sanctions"].as_array().must().len(), 0);
    // The completion sanction binds the projects that took an advance and did not apply for
    // acceptance in time (511781-2018-001); 511722-2018-002 applied (2019-07-12) within its
    // three years, so the county has none, and sees nothing of the other county's.
    let page = app.get(&city, "/supervision?as_of=2021-07-01").await;
    assert!(page.body.contains("COMPLETION_DEADLINE") && page.body.contains("511781-2018-001"));
    let sanctions = later["sanctions"].as_array().must();
    assert!(
        sanctions
            .iter()
            .any(|s| s["rule"] == "COMPLETION_DEADLINE" && s["project"] == "511781-2018-001")
    );
    assert!(
        !sanctions
            .iter()
            .any(|s| s["rule"] == "COMPLETION_DEADLINE" && s["project"] == "511722-2018-002")
    );
    let page = app.get(&county, "/supervision?as_of=2021-07-01").await;
    assert!(!page.body.contains("COMPLETION_DEADLINE"), "{}", page.body);
    assert!(!page.body.contains("511781-2018-001"));
}

fn user(name: &str, division: &str, department: &str) -> User {
    User {
        is_admin: false,
        actor: Actor::parse(&format!("{name}@{division}/{department}")).must(),
        csrf: "0".repeat(64),
        lang: guagou_web::html::Lang::Zh,
        today: chrono::NaiveDate::from_ymd_opt(2019, 7, 15).unwrap_or_default(),
        todo: None,
        audit_head: None,
        path: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_project_panels_follow_jurisdiction() {
    let app = demo_app().await;
    let state = AppState {
        registry: Arc::clone(&app.registry),
    };
    // Today is years after the demo's deadlines: everything open is overdue.
    let county = user("county", "511722", "land");
    let names = county.door(&app.registry).division_names().await.must();
    let panel = guagou_web::quota::overdue_html(&state, &county, &names).await;
    assert!(panel.contains("id=\"overdue-panel\""), "{panel}");
    assert!(panel.contains("511722-2018-002"), "{panel}");
    assert!(!panel.contains("511781"), "{panel}");
    let city = user("city", "511700", "land");
    let panel = guagou_web::quota::overdue_html(&state, &city, &names).await;
    assert!(panel.contains("511781-2018-001") && panel.contains("id=\"suspended\""));
    assert!(panel.contains("511725"), "suspended counties listed");

    let panel = guagou_web::quota::project_ledger_html(&state, &city, "511722-2018-002").await;
    assert!(panel.contains("id=\"project-ledger\"") && panel.contains("advance:511722-2018-002"));
    // An acceptance is pending: no advance form; another county gets nothing at all.
    assert!(!panel.contains("form-advance"));
    let other = user("other", "511723", "land");
    let panel = guagou_web::quota::project_ledger_html(&state, &other, "511722-2018-002").await;
    assert!(panel.is_empty());
    // An approved project of a suspended county: the suspension is shown, and no advance form
    // that the ledger would refuse (an approved project elsewhere has one: the_city_advances…).
    let panel = guagou_web::quota::project_ledger_html(&state, &city, "511725-2019-002").await;
    assert!(
        panel.contains("ADVANCE_NOT_SUSPENDED"),
        "the suspension is shown"
    );
    assert!(!panel.contains("form-advance"), "{panel}");
}

/// Amounts as people type them (issue 14): a reservation of "1,000" m² posts 1000 m²; half a
/// square metre is refused naming what was typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_with_separators_and_wan_are_read_exactly() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let before = balance(&app, &county, "holding:511722").await;
    let page = app.get(&county, "/ledger/accounts/holding:511722").await;
    let key = form_key(&page.body, "form-reserve");
    let post = |amount: &str, key: &str| {
        let body = [
            ("csrf", county.csrf.as_str()),
            ("key", key),
            ("kind", "reserve"),
            ("division", "511722"),
            ("purpose", "relocation"),
            ("amount_m2", amount),
            ("as_of", "2019-08-10"),
            ("reason", "本地安置"),
            ("back", "/ledger"),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        let cookie = cookie(&county);
        let app = &app;
        async move { app.post_form(&cookie, "/ledger/operations", &body).await }
    };
    let refused = post("1,000.5", &"2".repeat(32)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("1,000.5"), "{}", refused.body);
    let reply = post("1,000", &key).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        balance(&app, &county, "holding:511722").await,
        before - 1_000
    );
}

/// A project step from the page says what it did on the page it returns to (issue 14).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_step_from_the_page_says_what_it_did() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let page = app.get(&county, &format!("/projects/{DRAFT}")).await;
    assert!(page.body.contains("id=\"action-submit\""), "{}", page.body);
    assert!(page.body.contains("data-confirm=\""), "the step asks first");
    let body = format!(
        "csrf={}&as_of=2019-08-01&reason={}",
        county.csrf,
        encode("申报")
    );
    let reply = app
        .post_form(
            &cookie(&county),
            &format!("/projects/{DRAFT}/actions/submit"),
            &body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().must();
    assert_eq!(location, format!("/projects/{DRAFT}?done=submit"));
    let shown = app.get(&county, &location).await;
    assert!(
        shown.body.contains("已完成「报送」，项目现为「已申报」"),
        "{}",
        shown.body
    );
    // The county by name, its code in the tooltip.
    assert!(
        shown.body.contains("<span title=\"511722\">宣汉县</span>"),
        "{}",
        shown.body
    );
}
