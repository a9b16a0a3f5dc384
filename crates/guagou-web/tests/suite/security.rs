//! The security review's tests (issue 7): hostile text in every field a user can write is
//! shown as text on every page, a session id chosen by an attacker is never adopted, and
//! oversized or malformed bodies get clear bilingual refusals. The rights matrix
//! (`roles.rs`), CSRF and security headers (`web.rs`) have their own files; all of them run
//! on SQLite and on PostgreSQL (`scripts/test`).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::common::{Must, Session, complete_demo_app, demo_app};
use crate::crawl::crawl_pages;
use crate::upload::{multipart, package_dir, post_multipart, replace_in};

/// Markup that would run if a page put it into HTML unescaped. The TOML variant has no
/// double quote (it goes into a TOML string).
const HOSTILE: &str = "<script>alert(\"x\")</script><img src=x onerror=alert(1)>\"'><b>";
const HOSTILE_TOML: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>'><b>";

/// Raw fragments that must never reach an HTML page (escaped, `onerror=alert` is harmless
/// text; these are not).
const RAW: [&str; 3] = ["<script>alert", "<img src=x", "'><b>"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_shown_as_text_on_every_page() {
    let app = complete_demo_app().await;
    let county = app.login("county").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;

    // A project whose name and resettlement site name are markup (package upload).
    let dir = package_dir("xuanhan-nanba-pass");
    replace_in(
        &dir.path().join("project.toml"),
        "宣汉县南坝镇2018年城乡建设用地增减挂钩项目区",
        HOSTILE_TOML,
    );
    replace_in(
        &dir.path().join("resettlement.geojson"),
        "南坝镇集中安置点",
        HOSTILE_TOML,
    );
    let zip = guagou_registry::packages::zip_folder(dir.path()).must();
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects",
        Some(&county.csrf),
        multipart(
            &[("as_of", "2019-07-15"), ("reason", HOSTILE)],
            &[("package", "p.zip", &zip)],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    // A special plan titled with markup, a lifecycle step and an inspection with markup.
    let scope: Vec<String> = (201..=203).map(|v| format!("511722104{v}")).collect();
    let plan = json!({ "title": HOSTILE, "period_start": 2026, "period_end": 2030,
                       "scope": scope, "as_of": "2021-03-01" });
    let reply = app
        .post_json(&county, "/api/plans", Some(&county.csrf), plan)
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let reply = app
        .post_json(
            &county,
            "/api/projects/511722-2019-003/actions/submit",
            Some(&county.csrf),
            json!({ "as_of": "2019-08-01", "reason": HOSTILE }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let inspection = json!({
        "project": "511722-2018-002", "kind": "construction", "inspected_on": "2019-08-01",
        "summary": HOSTILE,
        "findings": [{ "description": HOSTILE, "severity": "minor", "deadline": "2019-08-31" }],
        "reason": HOSTILE
    });
    let reply = app
        .post_json(
            &city,
            "/api/supervision/inspections",
            Some(&city.csrf),
            inspection,
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);

    // Villages named with markup (the city's divisions import; names show on county pages).
    let csv = format!(
        "code,name,poor_village,relocation_village,poor_households,relocation_households\n\
         511722106,\"{}\",,,,\n511722106201,\"{}\",是,否,41,0\n",
        HOSTILE_TOML, HOSTILE_TOML
    );
    let reply = app
        .send(
            Request::post("/api/divisions/import")
                .header(header::CONTENT_TYPE, "text/csv")
                .header(
                    header::COOKIE,
                    format!("guagou_session={}", city.cookie.clone().must()),
                )
                .header("x-csrf-token", city.csrf.clone())
                .body(Body::from(csv))
                .must(),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);

    let mut raw = Vec::new();
    let mut escaped = 0usize;
    let mut problems = Vec::new();
    for (who, session) in [("county", &county), ("city", &city), ("audit", &audit)] {
        for lang in ["zh", "en"] {
            let mut inspect = |path: &str, body: &str| {
                for fragment in RAW {
                    if body.contains(fragment) {
                        raw.push(format!("{who} ({lang}) {path}: {fragment}"));
                    }
                }
                // Escaped by hand (`&lt;`) or by askama (`&#60;`): shown as text either way.
                if body.contains("&lt;script&gt;alert") || body.contains("&#60;script&#62;alert") {
                    escaped += 1;
                }
            };
            problems.extend(crawl_pages(&app, who, session, lang, &mut inspect).await);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(raw.is_empty(), "unescaped markup:\n{}", raw.join("\n"));
    // The hostile text was shown (escaped) on the project, plan, inspection and audit pages.
    assert!(
        escaped >= 8,
        "hostile text shown escaped on only {escaped} pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_id_chosen_before_login_is_never_adopted() {
    let app = demo_app().await;
    let attacker = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let (nonce, token) = app.login_form().await;
    let reply = app
        .post_form(
            &format!("guagou_prelogin={nonce}; guagou_session={attacker}"),
            "/login",
            &format!(
                "csrf={token}&name=county&password={}",
                crate::common::encode(crate::common::PASSWORD)
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let issued = reply.cookie("guagou_session").must();
    assert_ne!(issued, attacker, "the planted id was adopted");
    // The planted id does not sign anyone in; the issued one does.
    let planted = Session {
        cookie: Some(attacker.to_owned()),
        csrf: String::new(),
    };
    let home = app.get(&planted, "/").await;
    assert_ne!(home.status, StatusCode::OK, "{}", home.body);
    let real = Session {
        cookie: Some(issued),
        csrf: String::new(),
    };
    assert_eq!(app.get(&real, "/").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_malformed_bodies_get_clear_refusals() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let cookie = format!("guagou_session={}", city.cookie.clone().must());
    let post = |path: &str, content_type: &str, body: Vec<u8>| {
        Request::post(path)
            .header(header::CONTENT_TYPE, content_type.to_owned())
            .header(header::COOKIE, cookie.clone())
            .header("x-csrf-token", city.csrf.clone())
            .body(Body::from(body))
            .must()
    };
    // A JSON body far beyond any operation's size.
    let huge = format!(
        "{{\"operation\":{{\"kind\":\"advance\",\"project\":\"{}\",\"amount_m2\":1}}}}",
        "x".repeat(4 << 20)
    );
    let reply = app
        .send(post(
            "/api/ledger/operations",
            "application/json",
            huge.into_bytes(),
        ))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let problem = reply.json();
    assert_eq!(problem["code"], "body_too_large", "{problem}");
    assert!(
        problem["message_zh"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        problem["message_en"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    // Not UTF-8, and not JSON: refused with the expected shape named.
    for body in [vec![0xff, 0xfe, 0x7b, 0x00], b"{\"operation\":".to_vec()] {
        let reply = app
            .send(post("/api/ledger/operations", "application/json", body))
            .await;
        assert!(
            reply.status == StatusCode::BAD_REQUEST
                || reply.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{} {}",
            reply.status,
            reply.body
        );
        let problem = reply.json();
        assert!(problem["message_en"].as_str().is_some(), "{problem}");
    }

    // axum's own refusals (here a login form sent as JSON) are error pages in the reader's
    // language too.
    let reply = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .must(),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        reply.body
    );
    assert!(
        reply.body.starts_with("<!doctype html")
            && reply.body.contains("请求无法处理")
            && !reply.body.contains("the request cannot be handled"),
        "{}",
        reply.body
    );
    let reply = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, "guagou_lang=en")
                .body(Body::from("{}"))
                .must(),
        )
        .await;
    assert!(
        reply.body.contains("the request cannot be handled")
            && !reply.body.contains("请求无法处理"),
        "{}",
        reply.body
    );

    // An upload larger than the package limit: 413 with a message, nothing kept.
    let limit = guagou_registry::packages::MAX_PACKAGE_ZIP_BYTES;
    let body = multipart(
        &[("as_of", "2019-07-15")],
        &[("package", "big.zip", &vec![0u8; limit + (2 << 20)])],
    );
    let reply = app
        .send(post(
            "/api/projects/check",
            &format!("multipart/form-data; boundary={}", crate::upload::BOUNDARY),
            body,
        ))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["code"], "body_too_large", "{}", reply.body);
}

#[test]
fn cookies_are_secure_when_served_over_https() {
    let plain = guagou_web::auth::session_cookie("t");
    assert!(
        plain.contains("HttpOnly") && plain.contains("SameSite=Strict"),
        "{plain}"
    );
    guagou_web::auth::set_secure_cookies(true);
    let secure = guagou_web::auth::session_cookie("t");
    guagou_web::auth::set_secure_cookies(false);
    assert!(secure.ends_with("; Secure"), "{secure}");
    assert!(!guagou_web::auth::session_cookie("t").contains("Secure"));
}
