//! Completion deadlines and their extensions (issue 13, items 1–3) in the API and on the project
//! page: a project that took an advance is refused with COMPLETION_DEADLINE; one without asks,
//! the city decides once (the second decision is a 409), and the page shows the deadline and
//! the decisions.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{Must, PASSWORD, TestApp, demo_app};

/// 渠县's project approved in the demo (2018-06-15) without an advance.
const NO_ADVANCE: &str = "511725-2019-002";
/// 宣汉's project that took an advance in the demo.
const ADVANCED: &str = "511722-2018-002";

async fn qu_county(app: &TestApp) {
    guagou_web::create_user(&app.registry, "qu", "511725", "land", PASSWORD)
        .await
        .must();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_without_an_advance_is_extended_by_the_city_once() {
    let app = demo_app().await;
    qu_county(&app).await;
    let qu = app.login("qu").await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let path = format!("/api/projects/{NO_ADVANCE}/extensions");

    // The page shows the standard period (2021-06-15), not binding, and the request form.
    let page = app.get(&qu, &format!("/projects/{NO_ADVANCE}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"completion-deadline\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("2021-06-15") && page.body.contains("可申请延期"));
    assert!(page.body.contains("id=\"extension-form\""));

    // Without the token, refused; not after the current deadline, refused.
    let ask =
        json!({ "until": "2021-12-31", "requested_on": "2021-05-01", "reason": "复垦工期延误" });
    let reply = app.post_json(&qu, &path, None, ask.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let early = json!({ "until": "2021-06-15", "requested_on": "2021-05-01", "reason": "x" });
    let reply = app.post_json(&qu, &path, Some(&qu.csrf), early).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = app.post_json(&qu, &path, Some(&qu.csrf), ask).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let asked = reply.json();
    assert_eq!(asked["state"], "requested");
    let seq = asked["seq"].as_i64().must();
    // Another county does not see it.
    assert_eq!(app.get(&county, &path).await.status, StatusCode::NOT_FOUND);

    // The county cannot decide; the city grants once, the second decision is a 409.
    let decision = format!("{path}/{seq}/decision");
    let grant = json!({ "decision": "grant", "until": "2021-12-31", "decided_on": "2021-05-20", "reason": "同意" });
    let reply = app
        .post_json(&qu, &decision, Some(&qu.csrf), grant.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = app
        .post_json(&city, &decision, Some(&city.csrf), grant)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["granted_until"], "2021-12-31");
    let refuse = json!({ "decision": "refuse", "decided_on": "2021-05-20", "reason": "不同意" });
    let reply = app
        .post_json(&city, &decision, Some(&city.csrf), refuse)
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("state_changed"), "{}", reply.body);

    // The supervision list carries the new day, not binding; the page shows the decision.
    let view = app
        .get(&city, "/api/supervision?as_of=2022-01-01")
        .await
        .json();
    let item = view["deadlines"]
        .as_array()
        .must()
        .iter()
        .find(|d| d["project"] == NO_ADVANCE && d["kind"] == "completion")
        .cloned()
        .must();
    assert_eq!(item["due_on"], "2021-12-31");
    assert_eq!(item["extended"], true);
    assert_eq!(item["binding"], false);
    assert_eq!(item["overdue"], false);
    let page = app.get(&qu, &format!("/projects/{NO_ADVANCE}")).await;
    assert!(page.body.contains("id=\"extension-1\""), "{}", page.body);
    assert!(page.body.contains("已批准延期"));
    let list = app.get(&qu, &path).await.json();
    assert_eq!(list.as_array().must().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_that_took_an_advance_cannot_be_extended() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let path = format!("/api/projects/{ADVANCED}/extensions");
    let ask = json!({ "until": "2022-06-30", "requested_on": "2019-07-15", "reason": "工期延误" });
    let reply = app.post_json(&county, &path, Some(&county.csrf), ask).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("COMPLETION_DEADLINE"), "{}", reply.body);
    assert!(reply.body.contains("2021-06-15"), "{}", reply.body);
    let page = app.get(&county, &format!("/projects/{ADVANCED}")).await;
    assert!(page.body.contains("不得延期"), "{}", page.body);
    assert!(!page.body.contains("id=\"extension-form\""));
}
