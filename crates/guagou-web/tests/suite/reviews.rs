//! Departments' reviews of a project and the audit bureau's findings (issue 13 item 14, 三(一)):
//! who may record what, where they show, and that `verify` holds them against the audit log.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{Must, PASSWORD, TestApp, complete_demo_app, demo_app};

const PROJECT: &str = "511722-2018-002";
const OTHER_COUNTY_PROJECT: &str = "511781-2018-001";

async fn reviewer(app: &TestApp, name: &str, division: &str, department: &str) {
    guagou_web::create_user(&app.registry, name, division, department, PASSWORD)
        .await
        .must();
}

fn review(topic: &str, conclusion: &str, on: &str) -> serde_json::Value {
    json!({ "topic": topic, "conclusion": conclusion, "text": "选址避开地质灾害点，同意。", "reviewed_on": on })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_review_their_topics_of_their_projects() {
    let app = demo_app().await;
    reviewer(&app, "planner", "511722", "planning").await;
    reviewer(&app, "forester", "511722", "林业").await;
    let planner = app.login("planner").await;
    let forester = app.login("forester").await;
    let audit = app.login("audit").await;
    let county = app.login("county").await;
    let path = format!("/api/projects/{PROJECT}/reviews");

    // 规划 leads the review of the site.
    let reply = app
        .post_json(
            &planner,
            &path,
            Some(&planner.csrf),
            review("site", "agree", "2019-06-01"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["department"], "规划");
    assert_eq!(reply.json()["seq"], 1);
    // 林业 reviews forest land, not the site; audit reviews nothing; an unknown topic is bad input.
    let reply = app
        .post_json(
            &forester,
            &path,
            Some(&forester.csrf),
            review("site", "agree", "2019-06-01"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = app
        .post_json(
            &forester,
            &path,
            Some(&forester.csrf),
            review("forest_land", "disagree", "2019-06-02"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app
        .post_json(
            &audit,
            &path,
            Some(&audit.csrf),
            review("site", "agree", "2019-06-01"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.json()["code"], "read_only");
    let reply = app
        .post_json(
            &planner,
            &path,
            Some(&planner.csrf),
            review("roads", "agree", "2019-06-01"),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["field"], "topic");
    // Another county's project does not exist for a county's reviewer; no review in the future.
    let reply = app
        .post_json(
            &planner,
            &format!("/api/projects/{OTHER_COUNTY_PROJECT}/reviews"),
            Some(&planner.csrf),
            review("site", "agree", "2019-06-01"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let reply = app
        .post_json(
            &planner,
            &path,
            Some(&planner.csrf),
            review("site", "agree", "2027-01-01"),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["code"], "future_date");

    // The project page shows both reviews to the county; the planner gets the form.
    let page = app.get(&county, &format!("/projects/{PROJECT}")).await;
    assert!(page.body.contains("id=\"reviews\""), "{}", page.body);
    assert!(page.body.contains("选址避开地质灾害点") && page.body.contains("林业"));
    // 国土 takes part in the site and the quality reviews (三(一)), not in the forest land one.
    assert!(page.body.contains("id=\"review-form\""));
    assert!(
        page.body.contains("value=\"quality_safety\"")
            && !page.body.contains("value=\"forest_land\"")
    );
    let page = app.get(&forester, &format!("/projects/{PROJECT}")).await;
    assert!(page.body.contains("value=\"forest_land\"") && !page.body.contains("value=\"site\""));
    let page = app.get(&audit, &format!("/projects/{PROJECT}")).await;
    assert!(
        !page.body.contains("id=\"review-form\""),
        "audit reviews nothing"
    );
    let listed = app.get(&county, &path).await.json();
    assert_eq!(listed.as_array().must().len(), 2);
    // Each review is audited, owned by the project's county.
    let log = app
        .get(&county, "/api/audit?action=project.review")
        .await
        .json();
    assert_eq!(log["records"].as_array().must().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_bureau_records_findings_and_nobody_else_does() {
    let app = demo_app().await;
    let audit = app.login("audit").await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let finding = json!({ "project": PROJECT, "text": "付款凭证不全", "found_on": "2019-07-01" });
    let reply = app
        .post_json(
            &county,
            "/api/audit-findings",
            Some(&county.csrf),
            finding.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.json()["code"], "department");
    let reply = app
        .post_json(&audit, "/api/audit-findings", Some(&audit.csrf), finding)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id = reply.json()["id"].as_str().must().to_owned();
    assert!(id.starts_with("SJ-511722-2019-"), "{id}");
    // A finding on a county without a project; a county outside the city is refused.
    let reply = app
        .post_json(
            &audit,
            "/api/audit-findings",
            Some(&audit.csrf),
            json!({ "county": "511723", "text": "资金台账未按月对账", "found_on": "2019-07-02" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app
        .post_json(
            &audit,
            "/api/audit-findings",
            Some(&audit.csrf),
            json!({ "county": "510104", "text": "x", "found_on": "2019-07-02" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // The county reads its own finding, not the other county's; the page shows it.
    let own = app.get(&county, "/api/audit-findings").await.json();
    let own = own.as_array().must();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["id"], id.as_str());
    let theirs = app.get(&other, "/api/audit-findings").await.json();
    assert!(
        theirs
            .as_array()
            .must()
            .iter()
            .all(|f| f["county"] == "511723")
    );
    let page = app.get(&county, &format!("/projects/{PROJECT}")).await;
    assert!(page.body.contains(&id) && page.body.contains("付款凭证不全"));
    assert!(!page.body.contains("id=\"finding-form\""));
    let page = app.get(&audit, &format!("/projects/{PROJECT}")).await;
    assert!(page.body.contains("id=\"finding-form\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_holds_reviews_and_findings_against_the_audit_log() {
    let app = complete_demo_app().await;
    let check = app.registry.verify_registry().await.must();
    assert!(check.ok, "{check:?}");
    guagou_registry::testing::execute(
        &app.registry,
        "UPDATE project_reviews SET conclusion = 'agree' WHERE code = $1 AND seq = 1",
        &[PROJECT],
    )
    .await
    .must();
    guagou_registry::testing::execute(
        &app.registry,
        "UPDATE audit_findings SET text = '无问题' WHERE project = $1",
        &[PROJECT],
    )
    .await
    .must();
    let check = app.registry.verify_registry().await.must();
    assert!(!check.ok);
    let text = format!("{check:?}");
    assert!(
        text.contains("project_reviews") && text.contains("conclusion"),
        "{text}"
    );
    assert!(
        text.contains("audit_findings") && text.contains("SJ-511722-2019-001"),
        "{text}"
    );
}
