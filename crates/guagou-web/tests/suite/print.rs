//! Print views (issue 14 item 9): the public notice as an A4 sheet for the village and the
//! pre-check report of an upload; each a whole document with A4 print CSS, a 打印 button and
//! times in Asia/Shanghai only, reachable by whoever reaches what it prints (the notice: anyone,
//! 404 without a notice; the report: its uploader only, 404 for anyone else's, 403 for those who
//! may not upload). The agreement PDF's capitals and line breaking are checked in `market.rs`.

use crate::common::{Must, Reply, Session, TestApp, demo_app, demo_app_at};
use crate::upload::{page_check, passing_zip};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

/// Inside the demo notices' period, as in `notice.rs`.
const NOW: &str = "2019-07-15T09:00:00+08:00";
/// The demo project with a published notice, an answered objection (王明 → 王*).
const NOTICE: &str = "511722-2018-001";
/// A demo project without a notice.
const NO_NOTICE: &str = "511722-2018-002";

/// The print view's parts: the A4 page, print rules, the 打印 button and its script.
fn assert_print_view(body: &str) {
    for part in [
        "@page{size:A4",
        "@media print{",
        "id=\"print-button\"",
        "data-print",
        "/assets/print.js?v=",
        "class=\"sheet\"",
    ] {
        assert!(body.contains(part), "{part} missing: {body}");
    }
}

/// No time in UTC on the page: no "UTC", no RFC 3339 time (`2019-07-15T01:00:00Z`, `+00:00`).
fn assert_no_utc(body: &str) {
    assert!(!body.contains("UTC"), "{body}");
    assert!(!body.contains("+00:00"), "{body}");
    let bytes = body.as_bytes();
    for (i, w) in bytes.windows(4).enumerate() {
        let rfc3339 =
            w[0].is_ascii_digit() && w[1] == b'T' && w[2].is_ascii_digit() && w[3].is_ascii_digit();
        assert!(!rfc3339, "an RFC 3339 time at {i}: {body}");
    }
}

async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> Reply {
    let request = Request::get(path).header(header::COOKIE, cookie);
    app.send(request.body(Body::empty()).must()).await
}

#[tokio::test]
async fn the_public_notice_prints_on_a4_for_anyone() {
    let app = demo_app_at(NOW).await;
    let anonymous = Session::default();
    let notice = app
        .get(&anonymous, &format!("/api/public/projects/{NOTICE}/notice"))
        .await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    let notice = notice.json();
    let name = notice["project_name"].as_str().must();

    // The notice page links the print view and reads on a phone: tables scroll in a wrapper,
    // and printing hides the header and the forms.
    let page = app
        .get(&anonymous, &format!("/public/projects/{NOTICE}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "id=\"notice-print\" href=\"/public/projects/{NOTICE}/print\""
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<div class=\"table-scroll\"><table"));
    assert!(page.body.contains("@media print{header,form"));
    assert!(page.body.contains("@page{size:A4"));
    // The township by name, its code only in the tooltip.
    let township_code = notice["township"]["code"].as_str().must();
    assert!(
        page.body.contains(&format!(
            "<span title=\"{township_code}\">{}</span>",
            notice["township"]["name"].as_str().must()
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("({township_code})")));

    let print = app
        .get(&anonymous, &format!("/public/projects/{NOTICE}/print"))
        .await;
    assert_eq!(print.status, StatusCode::OK, "{}", print.body);
    let body = &print.body;
    assert_print_view(body);
    assert!(body.contains(">打印</button>"), "{body}");
    assert!(body.contains(name), "{name} missing: {body}");
    assert!(body.contains("城乡建设用地增减挂钩项目公示"));
    assert!(body.contains("公示单位（盖章）"));
    // Masked names only; the answered objection with its answer.
    assert!(body.contains("王*") && !body.contains("王明"), "{body}");
    assert!(body.contains("偏房面积已更正"), "{body}");
    // Names, not codes: the township and the villages by name.
    let township = &notice["township"];
    assert!(body.contains(township["name"].as_str().must()));
    assert!(!body.contains(township["code"].as_str().must()), "{body}");
    for village in notice["villages"].as_array().must() {
        assert!(body.contains(village["name"].as_str().must()));
        assert!(!body.contains(village["code"].as_str().must()), "{body}");
    }
    assert!(body.contains("打印日期：2019-07-15"), "{body}");
    assert_no_utc(body);

    // One language at a time: the English sheet.
    let english = get_with_cookie(
        &app,
        &format!("/public/projects/{NOTICE}/print"),
        "guagou_lang=en",
    )
    .await;
    assert_eq!(english.status, StatusCode::OK);
    assert!(english.body.contains(">Print</button>"));
    assert!(!english.body.contains("打印"), "{}", english.body);

    // No notice: 404, as the notice page.
    for path in [
        format!("/public/projects/{NO_NOTICE}/print"),
        "/public/projects/nonesuch/print".to_owned(),
    ] {
        let missing = app.get(&anonymous, &path).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
    }

    // The staff page of the notice links the same sheet.
    let county = app.login("county").await;
    let staff = app.get(&county, &format!("/notices/{NOTICE}")).await;
    assert!(
        staff.body.contains(&format!(
            "id=\"staff-print-link\" href=\"/public/projects/{NOTICE}/print\""
        )),
        "{}",
        staff.body
    );

    // The button's script is served.
    let script = app.get(&anonymous, "/assets/print.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("window.print()"));
}

/// The report link of a results page (`id="precheck-report"`).
fn report_link(body: &str) -> String {
    let marker = "id=\"precheck-report\" href=\"";
    let start = body.find(marker).must() + marker.len();
    let end = start + body[start..].find('"').must();
    body[start..end].replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_precheck_report_prints_for_its_uploader_only() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let checked = page_check(&app, &county, &passing_zip()).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    let link = report_link(&checked.body);
    assert!(
        link.starts_with("/projects/new/report/") && link.ends_with("?as_of=2019-07-15"),
        "{link}"
    );

    let report = app.get(&county, &link).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let body = &report.body;
    assert_print_view(body);
    assert!(body.contains("项目包预检查报告"), "{body}");
    assert!(body.contains("宣汉县南坝镇2018年城乡建设用地增减挂钩项目区"));
    assert!(
        body.contains("<td id=\"report-county\">宣汉县</td>"),
        "{body}"
    );
    // When it was checked, on the wall clock in Shanghai (the test clock: 09:00 +08:00).
    assert!(
        body.contains("<td id=\"report-time\">2026-12-01 09:00:00（北京时间）</td>"),
        "{body}"
    );
    assert!(body.contains("2019-07-15"), "the check's date");
    // One row per rule with its name, clause, result, measured value and limit.
    for header in ["规则", "条款", "结果", "实测", "限值", "说明"] {
        assert!(body.contains(&format!("<th>{header}</th>")), "{header}");
    }
    let row_start = body.find("id=\"report-rule-SURVEY_DONE\"").must();
    let row = &body[row_start..row_start + body[row_start..].find("</tr>").must()];
    assert!(
        row.contains("class=\"passed\"") && row.contains("通过"),
        "{row}"
    );
    assert!(!row.contains(">SURVEY_DONE<"), "the rule by name: {row}");
    assert!(body.contains("id=\"report-verdict\""));
    assert_no_utc(body);

    // Anyone else's upload is not found; those who may not upload are refused; the anonymous
    // are sent to sign in.
    let other = app.login("other").await;
    assert_eq!(app.get(&other, &link).await.status, StatusCode::NOT_FOUND);
    for name in ["audit", "city"] {
        let session = app.login(name).await;
        assert_eq!(
            app.get(&session, &link).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    let anonymous = app.get(&Session::default(), &link).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location().as_deref(), Some("/login"));
    // A made-up token, or the token under a project it is not a version of: not found.
    let made_up = format!("/projects/new/report/{}?as_of=2019-07-15", "0".repeat(64));
    assert_eq!(
        app.get(&county, &made_up).await.status,
        StatusCode::NOT_FOUND
    );
    let token = link
        .trim_start_matches("/projects/new/report/")
        .split('?')
        .next()
        .must()
        .to_owned();
    let as_version = format!("/projects/{NOTICE}/versions/report/{token}");
    assert_eq!(
        app.get(&county, &as_version).await.status,
        StatusCode::NOT_FOUND
    );
    // Nothing was saved by printing.
    assert!(
        app.registry
            .auditor()
            .project("511722-2018-003")
            .await
            .is_err()
    );
}
