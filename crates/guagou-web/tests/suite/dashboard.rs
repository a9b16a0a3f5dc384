//! The dashboard's overdue panel (SPEC §9: one place for advances, completions, listings,
//! rectifications and obligations), filtered to the user's jurisdiction.

use crate::common::demo_app;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overdue_panel_lists_every_kind_for_its_own_county_only() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let home = app.get(&county, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let panel = section(&home.body, "overdue-panel");
    // The demo's overdue advance of 511722-2018-002 and the sanction it brought.
    assert!(panel.contains("511722-2018-002"), "{panel}");
    assert!(panel.contains("id=\"suspended\""), "{panel}");
    // The demo listing closed in 2019 and nobody has run the expiry yet (real today is later).
    assert!(panel.contains("GP-511722-2019-001"), "{panel}");
    // The scan opened obligations for the overdue advance.
    assert!(
        panel.contains("open obligation") || panel.contains("未履行的义务"),
        "{panel}"
    );

    // Another county sees none of 宣汉's items.
    let other = app.login("other").await;
    let home = app.get(&other, "/").await;
    let panel = section(&home.body, "overdue-panel");
    assert!(!panel.contains("511722"), "{panel}");
}

/// The HTML of the element with `id` up to the end of the page's main content.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in {body}"));
    let end = body[start..]
        .find("<section id=\"by-state\"")
        .map_or(body.len(), |i| start + i);
    &body[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_scan_also_expires_listings_past_their_close() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let body = serde_json::json!({ "as_of": "2026-11-29" });
    let first = app
        .post_json(
            &city,
            "/api/supervision/scan",
            Some(&city.csrf),
            body.clone(),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let report = first.json();
    let expired = report["report"]["expired_listings"]
        .as_array()
        .or_else(|| report["expired_listings"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        expired.iter().any(|l| l == "GP-511722-2019-001"),
        "{report}"
    );
    // Idempotent: a second run expires nothing more.
    let second = app
        .post_json(&city, "/api/supervision/scan", Some(&city.csrf), body)
        .await;
    let again = second.json();
    let expired_again = again["report"]["expired_listings"]
        .as_array()
        .or_else(|| again["expired_listings"].as_array())
        .map_or(0, Vec::len);
    assert_eq!(expired_again, 0, "{again}");
    // The listing page says so, and the dashboard no longer lists it as waiting.
    let county = app.login("county").await;
    let listing = app
        .get(&county, "/api/market/listings/GP-511722-2019-001")
        .await;
    assert!(listing.body.contains("expired"), "{}", listing.body);
    let home = app.get(&county, "/").await;
    assert!(
        !home.body.contains("GP-511722-2019-001"),
        "still on the dashboard"
    );
}

/// Counties by name on the supervision page and the dashboard panel (the code only in the
/// tooltip): issue 14, names not codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_names_counties() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, "/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("title=\"511722\">宣汉县<"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<td>511722</td>"), "{}", page.body);
    let county = app.login("county").await;
    let home = app.get(&county, "/").await;
    let panel = section(&home.body, "overdue-panel");
    assert!(panel.contains("title=\"511722\">宣汉县<"), "{panel}");
    assert!(!panel.contains("<td>511722</td>"), "{panel}");
}
