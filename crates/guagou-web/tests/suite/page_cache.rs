//! Kept pages (`page_cache`): a project page viewed again is the same page while nothing
//! changed, and shows every write at once; it is kept per session, so nobody is served a page
//! rendered for somebody else, and a signed-out session gets none.

use crate::common::{Must, demo_app};
use axum::http::StatusCode;
use serde_json::json;

const OWN: &str = "511722-2018-001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_project_page_shows_every_write_and_only_to_its_reader() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let other = app.login("other").await;

    let submitted = app.project_in_state(&city, "submitted").await;
    let path = format!("/projects/{submitted}");

    // Viewed twice with nothing written between: the same page, offering the city's step.
    let first = app.get(&city, &path).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("/actions/pool"), "{}", first.body);
    let again = app.get(&city, &path).await;
    assert_eq!(again.body, first.body);

    // A write: the next view shows the new state at once.
    let reply = app
        .post_json(
            &city,
            &format!("/api/projects/{submitted}/actions/pool"),
            Some(&city.csrf),
            json!({ "as_of": "2019-08-01", "reason": "test" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = app.get(&city, &path).await;
    assert!(!after.body.contains("/actions/pool"), "{}", after.body);
    assert!(after.body.contains("/actions/forward"), "{}", after.body);

    // The page after a step carries its message once; the plain page does not keep it.
    let done = app.get(&city, &format!("{path}?done=pool")).await;
    assert!(done.body.contains("id=\"flash\""), "{}", done.body);
    let plain = app.get(&city, &path).await;
    assert!(!plain.body.contains("id=\"flash\""), "{}", plain.body);

    // Kept per session: the county's view carries its own token, never the city's; another
    // county is refused although the page was just rendered for the county.
    let own = format!("/projects/{OWN}");
    let county_page = app.get(&county, &own).await;
    assert_eq!(county_page.status, StatusCode::OK);
    assert!(county_page.body.contains(&county.csrf));
    let city_page = app.get(&city, &own).await;
    assert_eq!(city_page.status, StatusCode::OK);
    assert!(city_page.body.contains(&city.csrf));
    assert!(!city_page.body.contains(&county.csrf));
    assert_eq!(app.get(&other, &own).await.status, StatusCode::NOT_FOUND);

    // Signed out: the kept page is not served.
    let cookie = format!("guagou_session={}", county.cookie.clone().must());
    let reply = app
        .post_form(&cookie, "/logout", &format!("csrf={}", county.csrf))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let reply = app.get(&county, &own).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location().as_deref(), Some("/login"));
}
