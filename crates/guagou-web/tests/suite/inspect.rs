//! Supervision through the web (SPEC §9, 三(二)): an inspection from finding to rectification
//! to closure (and every refusal on the way), criticism and commendation changing next year's
//! allocation (checked against an independent computation), exact sums for awkward totals,
//! the decision of a year's allocation, and the overdue rectifications on the dashboard.

use crate::common::{Must, Reply, Session, TestApp, demo_app, encode};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// A project of 宣汉县 (511722) in the demo.
const PROJECT: &str = "511722-2018-002";

fn cookie(session: &Session) -> String {
    format!("guagou_session={}", session.cookie.clone().must())
}

async fn post_form(app: &TestApp, session: &Session, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    app.post_form(&cookie(session), path, &body).await
}

fn assert_status(reply: &Reply, status: StatusCode, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
}

fn code(reply: &Reply) -> String {
    reply.json()["code"].as_str().unwrap_or_default().to_owned()
}

fn new_inspection() -> Value {
    json!({
        "project": PROJECT,
        "kind": "construction",
        "inspected_on": "2019-08-01",
        "summary": "安置区施工质量检查",
        "findings": [
            { "description": "安置房墙体裂缝", "severity": "serious", "deadline": "2019-09-30" },
            { "description": "施工日志不全", "severity": "minor", "deadline": "2019-08-31" }
        ],
        "reason": "季度检查"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspection_goes_from_finding_to_rectification_to_closure() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let audit = app.login("audit").await;
    let path = "/api/supervision/inspections";

    // Recording: CSRF first, audit read-only, a county may not inspect.
    let reply = app.post_json(&city, path, None, new_inspection()).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "no CSRF");
    assert_eq!(code(&reply), "csrf");
    let reply = app
        .post_json(&audit, path, Some(&audit.csrf), new_inspection())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "audit");
    let reply = app
        .post_json(&county, path, Some(&county.csrf), new_inspection())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "county inspects");
    let mut late = new_inspection();
    late["findings"][0]["deadline"] = json!("2019-07-01");
    let reply = app.post_json(&city, path, Some(&city.csrf), late).await;
    assert_status(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "deadline before inspection",
    );

    let reply = app
        .post_json(&city, path, Some(&city.csrf), new_inspection())
        .await;
    assert_status(&reply, StatusCode::OK, "record");
    let inspection = reply.json();
    let id = inspection["id"].as_str().must().to_owned();
    assert!(id.starts_with("511722-JC-2019-"), "{id}");
    assert_eq!(inspection["county"], "511722", "the project's county");
    assert_eq!(inspection["findings"][0]["state"], "open");
    assert!(inspection["closed_on"].is_null());

    // Reads: the county and audit read it; another county does not (404, as if missing).
    let show = format!("/api/supervision/inspections/{id}");
    assert_status(
        &app.get(&county, &show).await,
        StatusCode::OK,
        "county reads",
    );
    assert_status(&app.get(&audit, &show).await, StatusCode::OK, "audit reads");
    assert_status(
        &app.get(&other, &show).await,
        StatusCode::NOT_FOUND,
        "other county",
    );
    let list = app.get(&other, path).await.json();
    assert!(
        list.as_array()
            .must()
            .iter()
            .all(|i| i["county"] != "511722")
    );

    // Closure before rectification is refused (409).
    let close1 = format!("{show}/findings/1/closure");
    let closure = json!({ "note": "复查合格", "closed_on": "2019-09-10" });
    let reply = app
        .post_json(&city, &close1, Some(&city.csrf), closure.clone())
        .await;
    assert_status(&reply, StatusCode::CONFLICT, "close before rectification");
    assert_eq!(code(&reply), "not_allowed");

    // Rectification: only the county of the finding, with CSRF; audit writes nothing.
    let rectify1 = format!("{show}/findings/1/rectification");
    let rectification =
        json!({ "rectification": "已加固墙体并复验", "rectified_on": "2019-09-05" });
    let reply = app
        .post_json(&other, &rectify1, Some(&other.csrf), rectification.clone())
        .await;
    assert_status(&reply, StatusCode::NOT_FOUND, "another county rectifies");
    let reply = app
        .post_json(&audit, &rectify1, Some(&audit.csrf), rectification.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "audit rectifies");
    let reply = app
        .post_json(&county, &rectify1, None, rectification.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "no CSRF");
    let reply = app
        .post_json(&city, &rectify1, Some(&city.csrf), rectification.clone())
        .await;
    assert_status(
        &reply,
        StatusCode::FORBIDDEN,
        "the city does not rectify for the county",
    );
    let reply = app
        .post_json(
            &county,
            &rectify1,
            Some(&county.csrf),
            rectification.clone(),
        )
        .await;
    assert_status(&reply, StatusCode::OK, "county rectifies");
    assert_eq!(reply.json()["findings"][0]["state"], "rectified");
    let reply = app
        .post_json(&county, &rectify1, Some(&county.csrf), rectification)
        .await;
    assert_status(&reply, StatusCode::CONFLICT, "rectified twice");

    // Closure: not by the county, not by audit, not without CSRF; then by the city.
    let reply = app
        .post_json(&county, &close1, Some(&county.csrf), closure.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "county closes");
    let reply = app
        .post_json(&audit, &close1, Some(&audit.csrf), closure.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "audit closes");
    let reply = app.post_json(&city, &close1, None, closure.clone()).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "no CSRF");
    let reply = app
        .post_json(&city, &close1, Some(&city.csrf), closure)
        .await;
    assert_status(&reply, StatusCode::OK, "city closes");
    let after = reply.json();
    assert_eq!(after["findings"][0]["state"], "closed");
    assert!(after["closed_on"].is_null(), "finding 2 is still open");

    // Finding 2 through the pages: the county sees only the rectify form, the city only close.
    let page = format!("/supervision/inspections/{id}");
    let county_page = app.get(&county, &page).await;
    assert_status(&county_page, StatusCode::OK, "county page");
    assert!(
        county_page.body.contains("id=\"rectify-2\""),
        "{}",
        county_page.body
    );
    assert!(!county_page.body.contains("id=\"close-"));
    let city_page = app.get(&city, &page).await;
    assert!(!city_page.body.contains("id=\"rectify-") && !city_page.body.contains("id=\"close-"));
    let form = [
        ("rectification", "已补齐施工日志"),
        ("rectified_on", "2019-08-30"),
    ];
    let reply = post_form(&app, &county, &format!("{page}/findings/2/rectify"), &form).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "page form without CSRF");
    let mut with_csrf = vec![("csrf", county.csrf.as_str())];
    with_csrf.extend(form);
    let reply = post_form(
        &app,
        &county,
        &format!("{page}/findings/2/rectify"),
        &with_csrf,
    )
    .await;
    assert_status(&reply, StatusCode::SEE_OTHER, "rectify by form");
    let city_page = app.get(&city, &page).await;
    assert!(
        city_page.body.contains("id=\"close-2\""),
        "{}",
        city_page.body
    );
    let close = [
        ("csrf", city.csrf.as_str()),
        ("note", "日志齐全"),
        ("closed_on", "2019-09-12"),
    ];
    let reply = post_form(&app, &city, &format!("{page}/findings/2/close"), &close).await;
    assert_status(&reply, StatusCode::SEE_OTHER, "close by form");
    let done = app.get(&county, &show).await.json();
    assert_eq!(done["findings"][1]["state"], "closed");
    assert_eq!(
        done["closed_on"], "2019-09-12",
        "closed with its last finding"
    );

    // Every step is in the audit log.
    let log = app.get(&city, "/api/audit?action=inspection.").await.json();
    let actions: Vec<&str> = log["records"]
        .as_array()
        .or_else(|| log.as_array())
        .must()
        .iter()
        .filter(|r| r["subject"].as_str().unwrap_or_default().starts_with(&id))
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "inspection.close").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"inspection.record") && actions.contains(&"inspection.rectify"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspection_form_and_overdue_rectifications_on_the_dashboard() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let other = app.login("other").await;

    // The list page offers the form to the city, not to the county.
    let list = app.get(&city, "/supervision/inspections").await;
    assert_status(&list, StatusCode::OK, "list");
    assert!(list.body.contains("id=\"inspection-form\""));
    // The project is picked by name from the projects the city reads; the inspector field
    // says what it expects.
    assert!(list.body.contains("list=\"inspection-projects\""));
    assert!(
        list.body.contains(
            "<option value=\"511722-2018-001\">宣汉县南坝镇增减挂钩项目区 · 宣汉县</option>"
        ),
        "{}",
        list.body
    );
    assert!(list.body.contains("id=\"inspector-hint\""));
    assert!(
        list.body.contains("511781-JC-2019-001"),
        "demo inspections listed"
    );
    let list = app.get(&county, "/supervision/inspections").await;
    assert!(!list.body.contains("id=\"inspection-form\""));
    assert!(
        !list.body.contains("511781-JC"),
        "another county's inspection hidden"
    );

    let fields = [
        ("county", "511723"),
        ("project", ""),
        ("kind", "bidding"),
        ("inspected_on", "2019-03-01"),
        ("inspector", "招标检查组@511700"),
        ("summary", "拆旧工程招投标检查"),
        ("f1_description", "未公开招标"),
        ("f1_severity", "major"),
        ("f1_deadline", "2019-04-30"),
        ("reason", "专项检查"),
    ];
    let reply = post_form(&app, &city, "/supervision/inspections", &fields).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "form without CSRF");
    let mut with_csrf = vec![("csrf", city.csrf.as_str())];
    with_csrf.extend(fields);
    let reply = post_form(&app, &city, "/supervision/inspections", &with_csrf).await;
    assert_status(&reply, StatusCode::SEE_OTHER, "record by form");
    let location = reply.location().must();
    assert!(
        location.starts_with("/supervision/inspections/511723-JC-2019-"),
        "{location}"
    );

    // The deadline (2019-04-30) is long past: overdue for 511723 and the city, not for 511722.
    let dashboard = app.get(&other, "/").await;
    assert!(
        dashboard.body.contains("id=\"overdue-rectifications\""),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard.body.contains("未公开招标"),
        "own overdue rectification shown"
    );
    assert!(
        dashboard.body.contains("/supervision/allocation"),
        "links to the supervision pages"
    );
    let dashboard = app.get(&county, "/").await;
    assert!(!dashboard.body.contains("未公开招标"));
    assert!(
        dashboard.body.contains("复垦地块表土回填厚度不足"),
        "the demo's open finding"
    );
    let dashboard = app.get(&city, "/").await;
    assert!(
        dashboard.body.contains("未公开招标")
            && dashboard.body.contains("复垦地块表土回填厚度不足")
    );
}

/// Largest-remainder allocation of `total` over `(county, weight)`, written out independently of
/// the domain: integer parts, then one m² each to the largest remainders, ties by code.
fn expected_allocation(total: i64, weights: &[(&str, i64)]) -> Vec<(String, i64)> {
    let sum: i64 = weights.iter().map(|w| w.1).sum();
    let mut parts: Vec<(String, i64, i64)> = weights
        .iter()
        .map(|(c, w)| {
            let exact = i128::from(total) * i128::from(*w);
            let floor = (exact / i128::from(sum)) as i64;
            let rem = (exact % i128::from(sum)) as i64;
            ((*c).to_owned(), floor, rem)
        })
        .collect();
    let left = total - parts.iter().map(|p| p.1).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).filter(|&i| weights[i].1 > 0).collect();
    order.sort_by(|&a, &b| {
        parts[b]
            .2
            .cmp(&parts[a].2)
            .then(parts[a].0.cmp(&parts[b].0))
    });
    for &i in order.iter().take(left as usize) {
        parts[i].1 += 1;
    }
    parts.into_iter().map(|(c, m2, _)| (c, m2)).collect()
}

fn allocated(view: &Value) -> Vec<(String, i64)> {
    view["rows"]
        .as_array()
        .must()
        .iter()
        .map(|r| {
            (
                r["county"].as_str().must().to_owned(),
                r["allocated_m2"].as_i64().must(),
            )
        })
        .collect()
}

fn m2_of(view: &Value, county: &str) -> i64 {
    allocated(view)
        .into_iter()
        .find(|(c, _)| c == county)
        .map(|(_, m2)| m2)
        .must()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criticism_suspends_and_commendation_raises_next_years_share() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let audit = app.login("audit").await;
    let total = 1_000_003;
    let query = format!("/api/supervision/allocation?year=2021&total_m2={total}");

    // 2021: no county is a poverty county on 1 January (exits 2018–2020); the demo's 2018
    // criticism of 渠县 (511725) is still in force; its 2018 commendation no longer counts.
    let before = app.get(&city, &query).await;
    assert_status(&before, StatusCode::OK, "allocation");
    let before = before.json();
    let weights_before = [
        ("511702", 10),
        ("511703", 10),
        ("511722", 10),
        ("511723", 10),
        ("511724", 10),
        ("511725", 0),
        ("511781", 10),
    ];
    assert_eq!(
        allocated(&before),
        expected_allocation(total, &weights_before)
    );
    assert_eq!(m2_of(&before, "511724"), 166_667);
    assert_eq!(
        m2_of(&before, "511702"),
        166_668,
        "the one remaining m², lowest code"
    );

    // The city criticises 开江县 (511723) and commends 大竹县 (511724) in 2020.
    let notices = "/api/supervision/notices";
    let criticism = json!({
        "county": "511723", "kind": "criticism", "decided_on": "2020-06-01",
        "reason": "项目推进迟缓，损害群众利益"
    });
    let reply = app.post_json(&city, notices, None, criticism.clone()).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "no CSRF");
    let reply = app
        .post_json(&audit, notices, Some(&audit.csrf), criticism.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "audit");
    let reply = app
        .post_json(&county, notices, Some(&county.csrf), criticism.clone())
        .await;
    assert_status(
        &reply,
        StatusCode::NOT_FOUND,
        "a county names another county",
    );
    let mut itself = criticism.clone();
    itself["county"] = json!("511722");
    let reply = app
        .post_json(&county, notices, Some(&county.csrf), itself)
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "a county does not criticise");
    let reply = app
        .post_json(&city, notices, Some(&city.csrf), criticism)
        .await;
    assert_status(&reply, StatusCode::OK, "criticism");
    let criticism = reply.json();
    assert_eq!(criticism["clause"], "三(二)");
    let reply = app
        .post_json(
            &city,
            notices,
            Some(&city.csrf),
            json!({ "county": "511724", "kind": "commendation", "decided_on": "2020-12-01",
                    "reason": "推进有序，成效明显", "clause": "三(二)" }),
        )
        .await;
    assert_status(&reply, StatusCode::OK, "commendation");
    let commendation = reply.json();

    let after = app.get(&city, &query).await.json();
    let weights_after = [
        ("511702", 10),
        ("511703", 10),
        ("511722", 10),
        ("511723", 0),
        ("511724", 15),
        ("511725", 0),
        ("511781", 10),
    ];
    assert_eq!(
        allocated(&after),
        expected_allocation(total, &weights_after)
    );
    assert_eq!(m2_of(&after, "511723"), 0, "criticised: suspended");
    assert_eq!(m2_of(&after, "511724"), 272_728, "commended: raised");
    assert!(m2_of(&after, "511724") > m2_of(&before, "511724"));
    assert_eq!(after["total_weight"], 55);
    let row = after["rows"]
        .as_array()
        .must()
        .iter()
        .find(|r| r["county"] == "511723")
        .must();
    assert_eq!(row["suspended_by"][0], criticism["id"]);
    // The same notices do not change 2020 (decided in 2020, they weigh from 2021).
    let y2020 = app
        .get(
            &city,
            &format!("/api/supervision/allocation?year=2020&total_m2={total}"),
        )
        .await
        .json();
    let row = y2020["rows"]
        .as_array()
        .must()
        .iter()
        .find(|r| r["county"] == "511723")
        .must();
    assert!(row["suspended_by"].as_array().must().is_empty());

    // A county reads its own notices and its own row only; totals stay whole.
    let own = app.get(&county, notices).await.json();
    assert!(
        own.as_array()
            .must()
            .iter()
            .all(|n| n["county"] == "511722")
    );
    let view = app.get(&county, &query).await.json();
    assert_eq!(allocated(&view), [("511722".to_owned(), 181_819)]);
    assert_eq!(view["rows_hidden"], 6);
    assert_eq!(view["total_weight"], 55);

    // Lifting a criticism is a recorded decision; a commendation is not lifted.
    let lift = format!(
        "/api/supervision/notices/{}/lift",
        criticism["id"].as_str().must()
    );
    let body = json!({ "lifted_on": "2020-12-20", "reason": "整改到位" });
    let reply = app
        .post_json(&county, &lift, Some(&county.csrf), body.clone())
        .await;
    assert_status(&reply, StatusCode::NOT_FOUND, "another county's notice");
    let reply = app
        .post_json(
            &city,
            &lift,
            Some(&city.csrf),
            json!({ "lifted_on": "2020-12-20", "reason": "" }),
        )
        .await;
    assert_status(&reply, StatusCode::UNPROCESSABLE_ENTITY, "reason required");
    let reply = app
        .post_json(&city, &lift, Some(&city.csrf), body.clone())
        .await;
    assert_status(&reply, StatusCode::OK, "lift");
    assert_eq!(reply.json()["lifted_on"], "2020-12-20");
    let reply = app
        .post_json(&city, &lift, Some(&city.csrf), body.clone())
        .await;
    assert_status(&reply, StatusCode::CONFLICT, "lifted twice");
    let lift_praise = format!(
        "/api/supervision/notices/{}/lift",
        commendation["id"].as_str().must()
    );
    let reply = app
        .post_json(&city, &lift_praise, Some(&city.csrf), body)
        .await;
    assert_status(&reply, StatusCode::CONFLICT, "a commendation is not lifted");
    let lifted = app.get(&city, &query).await.json();
    assert_eq!(
        m2_of(&lifted, "511723"),
        expected_allocation(
            total,
            &[
                ("511702", 10),
                ("511703", 10),
                ("511722", 10),
                ("511723", 10),
                ("511724", 15),
                ("511725", 0),
                ("511781", 10)
            ]
        )[3]
        .1
    );

    // The city records 2021 as decided, once; the page shows the decision.
    let decide = "/api/supervision/allocation";
    let body = json!({ "year": 2021, "total_m2": total, "decided_on": "2021-01-10", "reason": "2021 年度分配" });
    let reply = app
        .post_json(&county, decide, Some(&county.csrf), body.clone())
        .await;
    assert_status(&reply, StatusCode::FORBIDDEN, "a county does not decide");
    let reply = app.post_json(&city, decide, None, body.clone()).await;
    assert_status(&reply, StatusCode::FORBIDDEN, "no CSRF");
    let reply = app
        .post_json(&city, decide, Some(&city.csrf), body.clone())
        .await;
    assert_status(&reply, StatusCode::OK, "decide");
    let decided = reply.json();
    let sum: i64 = decided["calculation"]["rows"]
        .as_array()
        .must()
        .iter()
        .map(|r| r["allocated_m2"].as_i64().must())
        .sum();
    assert_eq!(sum, total);
    let reply = app.post_json(&city, decide, Some(&city.csrf), body).await;
    assert_status(&reply, StatusCode::CONFLICT, "decided twice");
    let page = app.get(&city, "/supervision/allocation?year=2021").await;
    assert_status(&page, StatusCode::OK, "page");
    assert!(page.body.contains("id=\"decided\"") && !page.body.contains("id=\"decide-form\""));
    let page = app
        .get(&city, "/supervision/allocation?year=2022&total_m2=5")
        .await;
    assert!(
        page.body.contains("id=\"decide-form\""),
        "an undecided year offers the form"
    );
    let page = app
        .get(&audit, "/supervision/allocation?year=2022&total_m2=5")
        .await;
    assert!(
        !page.body.contains("id=\"decide-form\""),
        "audit gets no form"
    );
    let page = app.get(&city, "/supervision/notices").await;
    assert!(page.body.contains("id=\"notice-form\"") && page.body.contains("解除通报批评"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocation_sums_exactly_for_awkward_totals() {
    let app = demo_app().await;
    let city = app.login("city").await;
    for (year, total) in [
        (2019, 0i64),
        (2019, 1),
        (2019, 7),
        (2020, 999_999_999_999),
        (2020, 1_000_003),
        (2021, 9_223_372_036_854_775_807),
    ] {
        let reply = app
            .get(
                &city,
                &format!("/api/supervision/allocation?year={year}&total_m2={total}"),
            )
            .await;
        assert_status(&reply, StatusCode::OK, "allocation");
        let view = reply.json();
        let sum: i128 = allocated(&view).iter().map(|(_, m2)| i128::from(*m2)).sum();
        assert_eq!(sum, i128::from(total), "{year} {total}");
    }
    // 2019 (the demo's decided year): national counties weigh 20 (+5 commendation for
    // 宣汉县), provincial ones 15 — 通川区 too: it exited on 2018-08-01, and its tilt continues
    // through the transition period to 2020-12-31 (摘帽不摘政策) — and 渠县 is suspended.
    let view = app
        .get(&city, "/api/supervision/allocation?year=2019")
        .await
        .json();
    assert_eq!(view["total_m2"], 1_000_000, "the decided total by default");
    assert!(
        view["decided"]["decided_by"]
            .as_str()
            .must()
            .ends_with("@511700")
    );
    let weights: Vec<(String, i64)> = view["rows"]
        .as_array()
        .must()
        .iter()
        .map(|r| {
            (
                r["county"].as_str().must().to_owned(),
                r["weight"].as_i64().must(),
            )
        })
        .collect();
    let expected = [
        ("511702", 15),
        ("511703", 15),
        ("511722", 25),
        ("511723", 15),
        ("511724", 15),
        ("511725", 0),
        ("511781", 20),
    ];
    assert_eq!(
        weights,
        expected
            .iter()
            .map(|(c, w)| ((*c).to_owned(), *w))
            .collect::<Vec<_>>()
    );
    assert_eq!(allocated(&view), expected_allocation(1_000_000, &expected));
    let tongchuan = view["rows"]
        .as_array()
        .must()
        .iter()
        .find(|r| r["county"] == "511702")
        .must();
    assert_eq!(tongchuan["poverty_exited_on"], "2018-08-01");
    assert_eq!(tongchuan["poverty_transition_until"], "2020-12-31");
    let page = app.get(&city, "/supervision/allocation?year=2019").await;
    assert!(page.body.contains("过渡期至 2020-12-31"), "{}", page.body);
    // 2021: the transition period is over; no county keeps a poverty tilt.
    let later = app
        .get(&city, "/api/supervision/allocation?year=2021&total_m2=100")
        .await
        .json();
    for row in later["rows"].as_array().must() {
        assert_eq!(row["poverty_weight"], 0, "{row}");
    }
    // Refusals: a negative total, a bad year.
    let reply = app
        .get(&city, "/api/supervision/allocation?year=2020&total_m2=-5")
        .await;
    assert_status(&reply, StatusCode::UNPROCESSABLE_ENTITY, "negative");
    let reply = app
        .get(&city, "/api/supervision/allocation?year=twenty")
        .await;
    assert_status(&reply, StatusCode::UNPROCESSABLE_ENTITY, "bad year");
    // The API is described in the OpenAPI document.
    let doc = app.get(&Session::default(), "/api/openapi.json").await.body;
    for path in [
        "/supervision/inspections/{id}/findings/{seq}/closure",
        "/supervision/notices/{id}/lift",
        "/supervision/allocation",
    ] {
        assert!(doc.contains(path), "{path}");
    }
}
