//! The role matrix (SPEC §1): for each kind of user, which pages and API calls answer and which
//! are refused. One table, read row by row: a route, then the status each user gets. The
//! module tests (plans.rs, quota.rs, upload.rs, map.rs, web.rs) walk the workflows; this test
//! pins who may read what, across every route, in one place.

use crate::common;

use crate::common::{Session, demo_app};
use axum::http::StatusCode;

/// The users of the matrix, in column order: anonymous, a county (宣汉 511722), another county
/// (开江 511723), the city land bureau, city audit (read-only), the province.
const USERS: [&str; 6] = ["anonymous", "county", "other", "city", "audit", "province"];

const OK: u16 = 200;
const LOGIN: u16 = 303; // a page without a session redirects to /login
const UNAUTH: u16 = 401; // the API without a session
const NF: u16 = 404; // not readable answers exactly like not existing
const FORB: u16 = 403;

/// GET routes: (path, statuses for USERS in order).
const GET_MATRIX: &[(&str, [u16; 6])] = &[
    ("/", [LOGIN, OK, OK, OK, OK, OK]),
    ("/projects", [LOGIN, OK, OK, OK, OK, OK]),
    // 宣汉's project: its county, the city above it, audit and province read it; 开江 does not.
    ("/projects/511722-2018-001", [LOGIN, OK, NF, OK, OK, OK]),
    ("/projects/511723-2019-001", [LOGIN, NF, OK, OK, OK, OK]),
    (
        "/projects/511722-2018-001/diff",
        [LOGIN, OK, NF, OK, OK, OK],
    ),
    ("/projects/no-such-project", [LOGIN, NF, NF, NF, NF, NF]),
    // Uploading is the county land bureau's work.
    ("/projects/new", [LOGIN, OK, OK, FORB, FORB, FORB]),
    ("/ranking", [LOGIN, OK, OK, OK, OK, OK]),
    ("/plans", [LOGIN, OK, OK, OK, OK, OK]),
    ("/plans/511722-2016-2020", [LOGIN, OK, NF, OK, OK, OK]),
    ("/divisions", [LOGIN, OK, OK, OK, OK, OK]),
    ("/divisions/511722", [LOGIN, OK, OK, OK, OK, OK]),
    ("/ledger", [LOGIN, OK, OK, OK, OK, OK]),
    (
        "/ledger/accounts/holding:511722",
        [LOGIN, OK, NF, OK, OK, OK],
    ),
    (
        "/ledger/accounts/holding:511723",
        [LOGIN, NF, OK, OK, OK, OK],
    ),
    (
        "/ledger/projects/511722-2018-001",
        [LOGIN, OK, NF, OK, OK, OK],
    ),
    ("/supervision", [LOGIN, OK, OK, OK, OK, OK]),
    ("/audit", [LOGIN, OK, OK, OK, OK, OK]),
    ("/api/projects", [UNAUTH, OK, OK, OK, OK, OK]),
    (
        "/api/projects/511722-2018-001",
        [UNAUTH, OK, NF, OK, OK, OK],
    ),
    (
        "/api/projects/511722-2018-001/map",
        [UNAUTH, OK, NF, OK, OK, OK],
    ),
    (
        "/api/projects/511722-2018-001/diff",
        [UNAUTH, OK, NF, OK, OK, OK],
    ),
    ("/api/plans/511722-2016-2020", [UNAUTH, OK, NF, OK, OK, OK]),
    (
        "/api/ledger/accounts/holding:511722",
        [UNAUTH, OK, NF, OK, OK, OK],
    ),
    ("/api/ledger/balances", [UNAUTH, OK, OK, OK, OK, OK]),
    ("/api/supervision", [UNAUTH, OK, OK, OK, OK, OK]),
    ("/api/audit", [UNAUTH, OK, OK, OK, OK, OK]),
    ("/api/divisions", [UNAUTH, OK, OK, OK, OK, OK]),
    ("/api/ranking", [UNAUTH, OK, OK, OK, OK, OK]),
    // The public notice (公示) is for villagers: no session needed; staff pages are not public.
    ("/public", [OK, OK, OK, OK, OK, OK]),
    ("/public/projects/511722-2018-001", [OK, OK, OK, OK, OK, OK]),
    ("/notices/511722-2018-001", [LOGIN, OK, NF, OK, OK, OK]),
    ("/api/notices/511722-2018-001", [UNAUTH, OK, NF, OK, OK, OK]),
    // The market: open listings are market data for every signed-in government user.
    ("/market", [LOGIN, OK, OK, OK, OK, OK]),
    (
        "/market/listings/GP-511722-2019-001",
        [LOGIN, OK, OK, OK, OK, OK],
    ),
    ("/api/market/listings", [UNAUTH, OK, OK, OK, OK, OK]),
    // Reports: a county reads its own county only; another county's report is not found.
    ("/reports", [LOGIN, OK, OK, OK, OK, OK]),
    ("/reports?county=511722", [LOGIN, OK, NF, OK, OK, OK]),
    ("/api/reports?county=511723", [UNAUTH, NF, OK, OK, OK, OK]),
    // Funds: every department reads its jurisdiction's money; verification is for audit and
    // the levels above the counties.
    ("/funds", [LOGIN, OK, OK, OK, OK, OK]),
    ("/api/funds/balances", [UNAUTH, OK, OK, OK, OK, OK]),
    ("/funds/verify", [LOGIN, FORB, FORB, OK, OK, OK]),
    // Supervision: every signed-in user, filtered to its jurisdiction.
    ("/supervision/inspections", [LOGIN, OK, OK, OK, OK, OK]),
    ("/supervision/notices", [LOGIN, OK, OK, OK, OK, OK]),
    (
        "/supervision/allocation?year=2019",
        [LOGIN, OK, OK, OK, OK, OK],
    ),
    // Public: health, the API description and the map library.
    ("/healthz", [OK, OK, OK, OK, OK, OK]),
    ("/api/openapi.json", [OK, OK, OK, OK, OK, OK]),
];

/// Lifecycle writes through the API with a valid CSRF token: (path, body, statuses). A county
/// may not act on another county's project (404: it cannot even see it); audit is read-only
/// (403); the city cannot take a county's step (403, wrong level); the province's step is
/// refused to the others. 0 means "allowed": state and rules decide (200, 409, 422).
const POST_MATRIX: &[(&str, [u16; 6])] = &[
    // Withdrawing is a county step on its own project; pooling is the city's step.
    (
        "/api/projects/511723-2019-001/actions/withdraw",
        [UNAUTH, NF, 0, FORB, FORB, FORB],
    ),
    (
        "/api/projects/511722-2018-001/actions/pool",
        [UNAUTH, FORB, NF, 0, FORB, FORB],
    ),
];

async fn sessions(app: &common::TestApp) -> Vec<Session> {
    let mut out = vec![Session::default()];
    for name in &USERS[1..] {
        out.push(app.login(name).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reads_exactly_its_jurisdiction() {
    let app = demo_app().await;
    let sessions = sessions(&app).await;
    let mut wrong = Vec::new();
    for (path, expected) in GET_MATRIX {
        for (i, session) in sessions.iter().enumerate() {
            let reply = app.get(session, path).await;
            if reply.status.as_u16() != expected[i] {
                wrong.push(format!(
                    "GET {path} as {}: {} (expected {})",
                    USERS[i], reply.status, expected[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "role matrix:\n{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_writes_only_where_it_may() {
    let app = demo_app().await;
    let sessions = sessions(&app).await;
    let mut wrong = Vec::new();
    for (path, expected) in POST_MATRIX {
        for (i, session) in sessions.iter().enumerate() {
            let body = serde_json::json!({ "as_of": "2019-07-15", "reason": "matrix" });
            let reply = app
                .post_json(session, path, Some(&session.csrf), body)
                .await;
            let status = reply.status.as_u16();
            // 0: allowed — the step is decided by state and rules (200, 409 or 422), never
            // refused for who the user is.
            let fine = match expected[i] {
                0 => !matches!(status, 401 | 403 | 404),
                e => status == e,
            };
            if !fine {
                wrong.push(format!(
                    "POST {path} as {}: {status} (expected {}) {}",
                    USERS[i], expected[i], reply.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "write matrix:\n{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_write_without_the_session_csrf_token() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let body = serde_json::json!({ "as_of": "2019-07-15", "reason": "no token" });
    for path in [
        "/api/projects/511722-2018-001/actions/pool",
        "/api/supervision/scan",
        "/api/plans/511722-2016-2020/actions/approve",
    ] {
        let missing = app.post_json(&city, path, None, body.clone()).await;
        assert_eq!(
            missing.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            missing.body
        );
        assert_eq!(missing.json()["code"], "csrf", "{path}");
        let forged = app.post_json(&city, path, Some("0000"), body.clone()).await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            forged.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_beyond_the_database_range_are_not_found_not_errors() {
    // Found by the schemathesis run: a u64 path number above i64::MAX reached the store and
    // answered 500. Every numeric identifier in a path must answer 404 (or 422), never 5xx.
    let app = demo_app().await;
    let city = app.login("city").await;
    for number in [
        "9223372036854775808",
        "13232952415887777792",
        "18446744073709551615",
    ] {
        for path in [
            format!("/api/audit/{number}"),
            format!("/audit/{number}"),
            format!("/api/ledger/entries/{number}"),
            format!("/ledger/entries/{number}"),
            format!("/ledger/lots/{number}"),
            format!("/projects/511722-2018-001/versions/{number}/package.zip"),
            format!("/api/projects/511722-2018-001/map?version={number}"),
            format!("/api/audit?before={number}"),
        ] {
            let reply = app.get(&city, &path).await;
            assert!(
                matches!(reply.status.as_u16(), 200 | 400 | 404 | 422),
                "{path}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_listing_moves_only_through_the_market() {
    // The demo's market listing (宣汉 sells on the transfer market): the general ledger form may
    // not withdraw or transfer its escrow behind the market's back.
    let app = demo_app().await;
    let county = app.login("county").await;
    let body = serde_json::json!({
        "operation": { "kind": "withdraw", "listing": "GP-511722-2019-001", "amount_m2": 1000 },
        "idempotency_key": "roles-market-withdraw",
        "as_of": "2019-07-15",
        "reason": "behind the market's back",
    });
    let reply = app
        .post_json(&county, "/api/ledger/operations", Some(&county.csrf), body)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["field"], "listing", "{}", reply.body);
    let market = app
        .get(&county, "/market/listings/GP-511722-2019-001")
        .await;
    assert_eq!(market.status, StatusCode::OK);
}
