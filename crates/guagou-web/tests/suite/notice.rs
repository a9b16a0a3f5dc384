//! The public notice (公示) and villagers' objections: publish → public page with masked names
//! (no full name anywhere in the public HTML or JSON) → anonymous and named objections with
//! receipts → the hourly limit → the staff's answer, public on the notice page and by receipt.
//! Refusals: after the period, too short a period, another county, audit, the city level,
//! missing CSRF; anonymous users reach only the public pages.

use std::net::SocketAddr;

use crate::common::{Must, Reply, Session, TestApp, demo_app_at, encode};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use guagou_registry::Actor;
use guagou_registry::packages::zip_folder;

/// The registry clock of these tests: inside the demo notice's period (2019-07-15 09:00
/// +08:00), so notices are open and objections can be filed.
const NOW: &str = "2019-07-15T09:00:00+08:00";
const TODAY: &str = "2019-07-15";
const PROJECT: &str = "511722-2018-002";
const FULL_NAMES: &[&str] = &["张三丰", "欧阳娜娜", "李四", "John Smith"];
const MASKED: &[&str] = &["张*丰", "欧**娜", "李*", "J*** S****"];

/// A households table with names of 2, 3 and 4 characters and a non-Han name; the ids are
/// distinctive so their absence can be checked.
const HOUSEHOLDS_CSV: &str = "id,name,village,persons,consent,method\n\
     HHID-7701,张三丰,511722105201,4,同意,集中安置\n\
     HHID-7702,欧阳娜娜,511722105202,3,同意,货币安置\n\
     HHID-7703,李四,511722105201,2,不同意,\n\
     HHID-7704,John Smith,511722105203,1,未表态,\n";

const BOUNDARY: &str = "----guagou-notice-test";

/// A multipart/form-data body: text fields, then files `(field, file name, bytes)`.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(app: &TestApp, session: &Session, path: &str, body: Vec<u8>) -> Reply {
    let mut request = Request::post(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(cookie) = &session.cookie {
        request = request.header(header::COOKIE, format!("guagou_session={cookie}"));
    }
    app.send(request.body(Body::from(body)).must()).await
}

/// Publishes on the page form as `session` with the test households.
async fn publish_page(app: &TestApp, session: &Session, code: &str, csrf: &str) -> Reply {
    let body = multipart(
        &[
            ("csrf", csrf),
            ("starts_on", "2019-07-10"),
            ("ends_on", "2019-07-25"),
            (
                "standards",
                "砖混结构房屋补偿, 650, 平方米\n搬迁奖励, 5000, 户\n临时过渡费, 300.5, 人",
            ),
            ("standards_text", "依据县拆迁补偿安置办法"),
            ("contact", "宣汉县国土资源局 0818-5200000"),
        ],
        &[("households", "households.csv", HOUSEHOLDS_CSV.as_bytes())],
    );
    post_multipart(app, session, &format!("/notices/{code}"), body).await
}

/// An anonymous GET with the given cookies.
async fn get_public(app: &TestApp, path: &str, cookies: Option<&str>) -> Reply {
    let mut request = Request::get(path);
    if let Some(c) = cookies {
        request = request.header(header::COOKIE, c);
    }
    app.send(request.body(Body::empty()).must()).await
}

/// The objection form's token from the public page (cookie and form field agree).
async fn public_token(app: &TestApp, code: &str) -> String {
    let page = get_public(app, &format!("/public/projects/{code}"), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.cookie("guagou_public_csrf").must();
    assert!(page.body.contains(&token), "the form carries the token");
    token
}

/// Files an objection from client address `from` (as the server sees the peer).
async fn file_objection(
    app: &TestApp,
    code: &str,
    cookie_token: Option<&str>,
    form_token: &str,
    from: &str,
    fields: &str,
) -> Reply {
    let mut request = Request::post(format!("/public/projects/{code}/objections"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(t) = cookie_token {
        request = request.header(header::COOKIE, format!("guagou_public_csrf={t}"));
    }
    let mut request = request
        .body(Body::from(format!("csrf={form_token}&{fields}")))
        .must();
    let peer: SocketAddr = format!("{from}:40000").parse().must();
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

fn receipt_of(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().must();
    location
        .strip_prefix("/public/objections/")
        .must()
        .to_owned()
}

fn assert_no_full_names(body: &str) {
    for name in FULL_NAMES {
        assert!(!body.contains(name), "full name {name} leaked: {body}");
    }
    assert!(!body.contains("HHID-77"), "household id leaked");
}

#[tokio::test]
async fn publish_object_answer_end_to_end() {
    let app = demo_app_at(NOW).await;
    let county = app.login("county").await;

    // Anonymous users reach the public pages only.
    assert_eq!(
        get_public(&app, &format!("/notices/{PROJECT}"), None)
            .await
            .location()
            .as_deref(),
        Some("/login")
    );
    assert_eq!(
        get_public(&app, "/projects", None)
            .await
            .location()
            .as_deref(),
        Some("/login")
    );
    assert_eq!(
        get_public(&app, &format!("/api/notices/{PROJECT}"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // No notice yet: 404 on the public page.
    assert_eq!(
        get_public(&app, &format!("/public/projects/{PROJECT}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Publish (page form, CSV upload: demo projects have no stored package).
    let reply = publish_page(&app, &county, PROJECT, &county.csrf).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location().as_deref(),
        Some("/notices/511722-2018-002")
    );

    // The public page: masked names, areas, standards, period; nothing of the staff.
    let page = get_public(&app, &format!("/public/projects/{PROJECT}"), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for masked in MASKED {
        assert!(page.body.contains(masked), "{masked} missing");
    }
    assert_no_full_names(&page.body);
    assert!(!page.body.contains("county@511722"), "publisher leaked");
    assert!(page.body.contains("2019-07-10 — 2019-07-25"));
    assert!(page.body.contains("公示中"));
    assert!(page.body.contains("公顷") && page.body.contains("亩"));
    assert!(page.body.contains("650.00") && page.body.contains("元/平方米"));
    assert!(page.body.contains("300.50") && page.body.contains("元/人"));
    assert!(page.body.contains("0818-5200000"));
    assert!(page.body.contains("id=\"objection-form\""));
    assert!(!page.body.contains("action=\"/logout\""), "no session UI");
    let json = get_public(
        &app,
        &format!("/api/public/projects/{PROJECT}/notice"),
        None,
    )
    .await;
    assert_eq!(json.status, StatusCode::OK);
    assert_no_full_names(&json.body);
    assert!(!json.body.contains("published_by"));
    assert_eq!(json.json()["households_count"], 4);
    assert_eq!(json.json()["standards"][0]["amount_fen"], 65_000);
    assert_eq!(json.json()["households"][0]["name"], "张*丰");
    let index = get_public(&app, "/public", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("/public/projects/511722-2018-002"));

    // Objections need the form's token (double-submit cookie).
    let token = public_token(&app, PROJECT).await;
    let text = format!("text={}", encode("补偿标准偏低"));
    let missing = file_objection(&app, PROJECT, None, &token, "203.0.113.7", &text).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = file_objection(
        &app,
        PROJECT,
        Some(&token),
        &"0".repeat(64),
        "203.0.113.7",
        &text,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    // A named objection and four anonymous ones from one address; the sixth is refused.
    let named = format!(
        "name={}&contact=13800000000&text={}",
        encode("赵大海"),
        encode("我家房屋面积少算了")
    );
    let first = receipt_of(
        &file_objection(&app, PROJECT, Some(&token), &token, "203.0.113.7", &named).await,
    );
    assert!(first.starts_with("GS-511722-2018-002-"), "{first}");
    let mut receipts = vec![first.clone()];
    for _ in 0..4 {
        let reply = file_objection(&app, PROJECT, Some(&token), &token, "203.0.113.7", &text).await;
        receipts.push(receipt_of(&reply));
    }
    receipts.sort();
    receipts.dedup();
    assert_eq!(receipts.len(), 5, "receipts are unique");
    let limited = file_objection(&app, PROJECT, Some(&token), &token, "203.0.113.7", &text).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(limited.body.contains("每小时最多 5 条"), "{}", limited.body);
    // One language at a time: the Chinese page does not repeat it in English.
    assert!(!limited.body.contains("at most 5 per address and hour"));
    // Another address is not limited by the first one.
    let other = file_objection(&app, PROJECT, Some(&token), &token, "198.51.100.9", &text).await;
    receipt_of(&other);

    // The receipt page: masked name, no contact, waiting.
    let receipt_page = get_public(&app, &format!("/public/objections/{first}"), None).await;
    assert_eq!(receipt_page.status, StatusCode::OK);
    assert!(receipt_page.body.contains("赵*海"));
    assert!(!receipt_page.body.contains("赵大海"));
    assert!(!receipt_page.body.contains("13800000000"));
    assert!(receipt_page.body.contains("待答复"));
    let receipt_json = get_public(&app, &format!("/api/public/objections/{first}"), None).await;
    assert_eq!(receipt_json.json()["objector"], "赵*海");
    assert_eq!(receipt_json.json()["status"], "waiting");
    assert!(receipt_json.json().get("contact").is_none());
    assert_eq!(
        get_public(&app, "/public/objections/GS-511722-2018-002-00000000", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Staff see the full name and contact; other counties do not see the page at all.
    let staff = app.get(&county, &format!("/notices/{PROJECT}")).await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(staff.body.contains("赵大海") && staff.body.contains("13800000000"));
    assert!(
        staff
            .body
            .contains(&format!("/notices/objections/{first}/answer"))
    );
    let other_county = app.login("other").await;
    assert_eq!(
        app.get(&other_county, &format!("/notices/{PROJECT}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let answer_path = format!("/api/notices/objections/{first}/answer");
    let answer_body = serde_json::json!({ "answer": "经复核，面积已更正。", "as_of": TODAY });
    let refused = app
        .post_json(
            &other_county,
            &answer_path,
            Some(&other_county.csrf),
            answer_body.clone(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let audit = app.login("audit").await;
    assert_eq!(
        app.get(&audit, &format!("/notices/{PROJECT}")).await.status,
        StatusCode::OK
    );
    let refused = app
        .post_json(&audit, &answer_path, Some(&audit.csrf), answer_body.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = app
        .post_json(&county, &answer_path, None, answer_body.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "csrf");

    // The county answers on the page; the answer is public, the name still masked.
    let form = format!(
        "csrf={}&answer={}&as_of={TODAY}",
        county.csrf,
        encode("经复核，面积已更正。")
    );
    let cookie = format!("guagou_session={}", county.cookie.clone().must());
    let answered = app
        .post_form(
            &cookie,
            &format!("/notices/objections/{first}/answer"),
            &form,
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let page = get_public(&app, &format!("/public/projects/{PROJECT}"), None).await;
    assert!(page.body.contains("经复核，面积已更正。"));
    assert!(page.body.contains("赵*海") && page.body.contains("我家房屋面积少算了"));
    assert!(!page.body.contains("赵大海") && !page.body.contains("13800000000"));
    assert_no_full_names(&page.body);
    let receipt_json = get_public(&app, &format!("/api/public/objections/{first}"), None).await;
    assert_eq!(receipt_json.json()["status"], "answered");
    assert_eq!(receipt_json.json()["answer"], "经复核，面积已更正。");
    assert_eq!(receipt_json.json()["answered_on"], TODAY);
    // Answered once only.
    let again = app
        .post_json(&county, &answer_path, Some(&county.csrf), answer_body)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // Every step is in the audit log.
    let city = app.login("city").await;
    for action in ["notice.publish", "notice.objection", "notice.answer"] {
        let log = app.get(&city, &format!("/api/audit?action={action}")).await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(
            log.body.contains(action),
            "{action} not audited: {}",
            log.body
        );
        assert!(
            !log.body.contains("赵大海"),
            "the audit log keeps no objector name"
        );
    }
}

#[tokio::test]
async fn refusals_period_rights_and_csrf() {
    let app = demo_app_at(NOW).await;
    let county = app.login("county").await;
    let body = |starts: &str, ends: &str| {
        serde_json::json!({
            "starts_on": starts,
            "ends_on": ends,
            "standards": [{ "item": "搬迁奖励", "basis": "per_household", "amount_fen": 500000 }],
            "contact": "0818-5200000",
            "households_csv": HOUSEHOLDS_CSV,
        })
    };
    let path = format!("/api/notices/{PROJECT}");
    let ok = body("2019-07-15", "2019-07-22");

    // Missing CSRF, audit, another county, the city level, a department other than land.
    let reply = app.post_json(&county, &path, None, ok.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let audit = app.login("audit").await;
    let reply = app
        .post_json(&audit, &path, Some(&audit.csrf), ok.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let other = app.login("other").await;
    let reply = app
        .post_json(&other, &path, Some(&other.csrf), ok.clone())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let city = app.login("city").await;
    let reply = app
        .post_json(&city, &path, Some(&city.csrf), ok.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = publish_page(&app, &county, PROJECT, "wrong").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Too short a period (7 days at least), no households.
    let reply = app
        .post_json(
            &county,
            &path,
            Some(&county.csrf),
            body("2019-07-15", "2019-07-21"),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["code"], "notice_period_too_short");
    let mut no_households = ok.clone();
    no_households["households_csv"] = serde_json::Value::Null;
    let reply = app
        .post_json(&county, &path, Some(&county.csrf), no_households)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["field"], "households");
    let public = get_public(&app, &format!("/public/projects/{PROJECT}"), None).await;
    assert_eq!(
        public.status,
        StatusCode::NOT_FOUND,
        "nothing was published"
    );

    let reply = app.post_json(&county, &path, Some(&county.csrf), ok).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["households_source"], "upload");
    assert_no_full_names(&reply.body);

    // A notice whose period ended: the objection is refused with a bilingual message.
    let closed = "511722-2018-001";
    let page = get_public(&app, &format!("/public/projects/{closed}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"objection-closed\""));
    assert!(!page.body.contains("id=\"objection-form\""));
    // The form's token is site-wide: take it from an open notice's page.
    let token = public_token(&app, PROJECT).await;
    let reply = file_objection(
        &app,
        closed,
        Some(&token),
        &token,
        "203.0.113.8",
        "text=late",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("公示期已于 2018-03-19 结束，不再受理异议"),
        "{}",
        reply.body
    );
    // One language at a time: the Chinese page does not repeat it in English.
    assert!(!reply.body.contains("no longer accepted"));
    // A notice not yet open refuses too.
    let upcoming = "511722-2019-003";
    let later = serde_json::json!({
        "starts_on": "2019-08-01", "ends_on": "2019-08-10", "standards_text": "同上",
        "contact": "0818", "households_csv": HOUSEHOLDS_CSV,
    });
    // 511722-2019-003 was registered from a folder (no stored package): the CSV is taken.
    let reply = app
        .post_json(
            &county,
            &format!("/api/notices/{upcoming}"),
            Some(&county.csrf),
            later,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = file_objection(
        &app,
        upcoming,
        Some(&token),
        &token,
        "203.0.113.8",
        "text=early",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    // The villager reads why, not the error's code.
    assert!(reply.body.contains("公示尚未开始"), "{}", reply.body);
    assert!(!reply.body.contains("notice_not_open"), "{}", reply.body);
}

#[tokio::test]
async fn households_come_from_the_stored_package() {
    let app = demo_app_at(NOW).await;
    let county = app.login("county").await;
    // A project registered from a zip (a copy of a demo package under a new code).
    let source = app.dir.path().join("packages").join(PROJECT);
    let copy = tempfile::tempdir().must();
    for entry in std::fs::read_dir(&source).must() {
        let entry = entry.must();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).must();
    }
    let manifest = copy.path().join("project.toml");
    let text = std::fs::read_to_string(&manifest).must();
    std::fs::write(&manifest, text.replace(PROJECT, "511722-2019-098")).must();
    let zip = zip_folder(copy.path()).must();
    let actor = Actor::parse("county@511722").must();
    let as_of = chrono::NaiveDate::from_ymd_opt(2019, 7, 1).must();
    app.registry
        .as_principal(&actor)
        .register_project_from_zip("copy.zip", &zip, as_of, "test")
        .await
        .must();
    let full_names: Vec<String> = std::fs::read_to_string(source.join("households.csv"))
        .must()
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
        .collect();
    assert!(full_names.len() > 10);

    let path = "/api/notices/511722-2019-098";
    let mut body = serde_json::json!({
        "starts_on": "2019-07-15", "ends_on": "2019-07-30",
        "standards": [{ "item": "房屋补偿", "basis": "per_m2", "amount_fen": 65000 }],
        "contact": "0818", "households_csv": HOUSEHOLDS_CSV,
    });
    // The package has a households table: another one is refused rather than silently ignored.
    let reply = app
        .post_json(&county, path, Some(&county.csrf), body.clone())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    body["households_csv"] = serde_json::Value::Null;
    let reply = app.post_json(&county, path, Some(&county.csrf), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["households_source"], "package");
    assert_eq!(reply.json()["households_count"], full_names.len());
    let page = get_public(&app, "/public/projects/511722-2019-098", None).await;
    assert_eq!(page.status, StatusCode::OK);
    for name in &full_names {
        assert!(!page.body.contains(name.as_str()), "{name} leaked");
    }
    assert!(
        page.body
            .contains(&guagou_domain::notice::mask_name(&full_names[0]))
    );
}

#[tokio::test]
async fn demo_notices_show_answers_and_overdue_objections() {
    let app = demo_app_at(NOW).await;
    let county = app.login("county").await;
    let staff = app.get(&county, "/notices/511722-2018-001").await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(
        staff.body.contains("id=\"overdue-count\">1<"),
        "{}",
        staff.body
    );
    assert!(staff.body.contains("class=\"fail overdue\""));
    assert!(staff.body.contains("王明"), "staff see the full name");
    let api = app.get(&county, "/api/notices/511722-2018-001").await;
    assert_eq!(api.json()["overdue"], 1);
    let public = get_public(&app, "/public/projects/511722-2018-001", None).await;
    assert!(public.body.contains("偏房面积已更正"));
    assert!(public.body.contains("王*") && !public.body.contains("王明"));
    let index = get_public(&app, "/public", None).await;
    assert!(index.body.contains("/public/projects/511722-2019-003"));
    assert!(index.body.contains("/public/projects/511722-2018-001"));
    let listing = get_public(&app, "/api/public/notices", None).await;
    assert_eq!(listing.status, StatusCode::OK);
    assert!(listing.json().as_array().must().len() >= 2);
    let openapi = get_public(&app, "/api/openapi.json", None).await;
    for path in [
        "/public/notices",
        "/public/projects/{code}/notice",
        "/public/objections/{receipt}",
        "/notices/{code}",
        "/notices/objections/{receipt}/answer",
    ] {
        assert!(
            openapi.json()["paths"].get(path).is_some(),
            "{path} not documented"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_many_addresses_cannot_bury_a_notice() {
    let app = demo_app_at(NOW).await;
    let county = app.login("county").await;
    let published = publish_page(&app, &county, PROJECT, &county.csrf).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let token = public_token(&app, PROJECT).await;
    let text = format!("text={}", encode("补偿标准偏低"));
    let cap = guagou_domain::notice::OBJECTIONS_PER_NOTICE_PER_HOUR;
    // One objection from each of `cap` addresses: every one is filed.
    for i in 0..cap {
        let from = format!("10.0.{}.{}", i / 200, i % 200 + 1);
        let reply = file_objection(&app, PROJECT, Some(&token), &token, &from, &text).await;
        receipt_of(&reply);
    }
    // The next, from yet another address, is refused for the notice, in both languages.
    let refused = file_objection(&app, PROJECT, Some(&token), &token, "10.9.9.9", &text).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("本公示近一小时"), "{}", refused.body);
    // One language at a time: the Chinese page does not repeat it in English.
    assert!(!refused.body.contains("this notice received its limit"));
    let filed = guagou_registry::testing::scalar(
        &app.registry,
        "SELECT COUNT(*) FROM notice_objections WHERE code = $1",
        &[PROJECT],
    )
    .await
    .must();
    assert_eq!(filed, cap);
}
