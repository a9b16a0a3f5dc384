//! The web application driven in process: health, login and sessions, CSRF, throttling, and the
//! role matrix of SPEC §1 (a county user never reads another county's project).

use crate::common;

use crate::common::{Must, PASSWORD, Session, demo_app, empty_app, encode};
use axum::http::StatusCode;
use serde_json::json;

const OWN: &str = "511722-2018-001";
const OTHER: &str = "511723-2019-001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_admin_and_anonymous_access() {
    let app = empty_app().await;
    let health = app.get(&Session::default(), "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), json!({ "status": "ok" }));
    for header in [
        "x-frame-options",
        "x-content-type-options",
        "content-security-policy",
        "cache-control",
    ] {
        assert!(health.headers.contains_key(header), "{header}");
    }

    let password = guagou_web::ensure_admin(&app.registry).await.must().must();
    assert!(password.len() >= 16);
    assert_eq!(guagou_web::ensure_admin(&app.registry).await.must(), None);
    let reply = app.try_login("admin", &password).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("guagou_session="))
        .must();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    let anonymous = Session::default();
    for page in ["/", "/projects", "/projects/x", "/ledger"] {
        let reply = app.get(&anonymous, page).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(reply.location().as_deref(), Some("/login"), "{page}");
    }
    for api in ["/api/projects", "/api/projects/x", "/api/ledger/balances"] {
        let reply = app.get(&anonymous, api).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{api}");
        assert_eq!(reply.json()["code"], "unauthorized");
    }
    let forged = Session {
        cookie: Some("00".repeat(32)),
        csrf: String::new(),
    };
    assert_eq!(
        app.get(&forged, "/api/projects").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix_csrf_throttling_and_actions() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;

    // (user, path, expected status)
    let matrix: &[(&Session, &str, StatusCode)] = &[
        (&county, "/", StatusCode::OK),
        (&county, "/projects", StatusCode::OK),
        (&county, "/ledger", StatusCode::OK),
        (&county, "/projects/511722-2018-001", StatusCode::OK),
        (&county, "/api/projects/511722-2018-001", StatusCode::OK),
        (&county, "/projects/511723-2019-001", StatusCode::NOT_FOUND),
        (
            &county,
            "/api/projects/511723-2019-001",
            StatusCode::NOT_FOUND,
        ),
        (&county, "/projects/511781-2018-001", StatusCode::NOT_FOUND),
        (&county, "/projects/no-such-project", StatusCode::NOT_FOUND),
        (&other, "/projects/511723-2019-001", StatusCode::OK),
        (&other, "/projects/511722-2018-001", StatusCode::NOT_FOUND),
        (
            &other,
            "/api/projects/511722-2018-001",
            StatusCode::NOT_FOUND,
        ),
        (&city, "/projects/511722-2018-001", StatusCode::OK),
        (&city, "/projects/511723-2019-001", StatusCode::OK),
        (&city, "/api/projects/511781-2018-001", StatusCode::OK),
        (&city, "/ledger", StatusCode::OK),
        (&audit, "/projects/511722-2018-001", StatusCode::OK),
        (&audit, "/api/projects/511723-2019-001", StatusCode::OK),
        (&audit, "/api/ledger/balances", StatusCode::OK),
    ];
    for (session, path, expected) in matrix {
        let reply = app.get(session, path).await;
        assert_eq!(reply.status, *expected, "{path}: {}", reply.body);
    }

    // Lists are filtered by jurisdiction.
    let codes = |reply: common::Reply| -> Vec<String> {
        reply
            .json()
            .as_array()
            .must()
            .iter()
            .map(|p| p["code"].as_str().must().to_owned())
            .collect()
    };
    let county_codes = codes(app.get(&county, "/api/projects").await);
    assert!(county_codes.contains(&OWN.to_owned()));
    assert!(county_codes.iter().all(|c| c.starts_with("511722")));
    let city_codes = codes(app.get(&city, "/api/projects").await);
    assert!(city_codes.contains(&OWN.to_owned()) && city_codes.contains(&OTHER.to_owned()));
    let page = app.get(&county, "/projects").await;
    assert!(page.body.contains(OWN) && !page.body.contains(OTHER));
    let page = app.get(&county, "/projects/511722-2018-001").await;
    assert!(page.body.contains("检查结果"), "check results shown");

    let balances = app.get(&county, "/api/ledger/balances").await.json();
    let scope = app.registry.auditor().read_scope().await.must();
    for balance in balances.as_array().must() {
        let account = balance["account"].as_str().must();
        // Its own listings' escrow is the county's (the one jurisdiction function says so);
        // nobody else's.
        let own_listing = account.strip_prefix("listed:").is_none_or(|id| {
            scope
                .listing_seller(id)
                .is_some_and(|s| s.as_str() == "511722")
        });
        assert!(
            !account.contains("511723") && own_listing,
            "county sees {account}"
        );
    }

    // Every POST needs the session's CSRF token.
    let body = json!({ "as_of": "2019-08-01", "reason": "test" });
    let path = format!("/api/projects/{OWN}/actions/pool");
    let reply = app.post_json(&city, &path, None, body.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["code"], "csrf");
    let reply = app
        .post_json(&city, &path, Some(&county.csrf), body.clone())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    let reply = app
        .post_form(
            &format!("guagou_session={}", county.cookie.clone().must()),
            "/logout",
            "",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Writes: wrong level, other county, audit, then the city pools a submitted project.
    let reply = app
        .post_json(&county, &path, Some(&county.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let error = reply.json();
    assert_eq!(error["code"], "wrong_level");
    for key in ["code", "rule", "message_zh", "message_en"] {
        assert!(error.get(key).is_some(), "{key} in {error}");
    }
    let reply = app
        .post_json(
            &county,
            &format!("/api/projects/{OTHER}/actions/withdraw"),
            Some(&county.csrf),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let reply = app
        .post_json(&audit, &path, Some(&audit.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = app
        .post_json(
            &county,
            &format!("/api/projects/{OWN}/actions/fly"),
            Some(&county.csrf),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    let submitted = app.project_in_state(&city, "submitted").await;
    let reply = app
        .post_json(
            &city,
            &format!("/api/projects/{submitted}/actions/pool"),
            Some(&city.csrf),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["state"], "pooled");
    // The same step again: the state no longer allows it.
    let reply = app
        .post_json(
            &city,
            &format!("/api/projects/{submitted}/actions/pool"),
            Some(&city.csrf),
            body.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);

    // The project page offers the city's next step as a form; posting it needs the token.
    let page = app.get(&city, &format!("/projects/{submitted}")).await;
    let action = format!("action=\"/projects/{submitted}/actions/forward\"");
    assert!(page.body.contains(&action), "{}", page.body);
    let city_cookie = format!("guagou_session={}", city.cookie.clone().must());
    let form_path = format!("/projects/{submitted}/actions/forward");
    let reply = app
        .post_form(&city_cookie, &form_path, "as_of=2019-08-02&reason=ok")
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post_form(
            &city_cookie,
            &form_path,
            &format!("csrf={}&as_of=2019-08-02&reason=ok", city.csrf),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(format!("/projects/{submitted}?done=forward"))
    );
    let detail = app.get(&city, &format!("/api/projects/{submitted}")).await;
    assert_eq!(detail.json()["project"]["state"], "forwarded");
    // The province records its approval (立项); the city may not.
    let approve = format!("/api/projects/{submitted}/actions/approve");
    let reply = app
        .post_json(&city, &approve, Some(&city.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let province = app.login("province").await;
    let reply = app
        .post_json(&province, &approve, Some(&province.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["state"], "approved");
    // A county user's page offers no city step; audit gets no forms at all.
    let page = app.get(&county, &format!("/projects/{OWN}")).await;
    assert!(!page.body.contains("/actions/pool"));
    let page = app.get(&audit, &format!("/projects/{OWN}")).await;
    assert!(!page.body.contains("/actions/"));

    // Logout ends the session.
    let reply = app
        .post_form(
            &format!("guagou_session={}", other.cookie.clone().must()),
            "/logout",
            &format!("csrf={}", other.csrf),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&other, "/api/projects").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Throttling: five wrong passwords, then even the right one is refused for a while.
    for _ in 0..5 {
        let reply = app.try_login("county", "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = app.try_login("county", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("15"), "{}", reply.body);
    // Other users are not affected.
    assert_eq!(
        app.try_login("city", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Account events are in the hash-chained audit log, and the chain verifies.
    let report = app.registry.store_for_tests().verify_audit().await.must();
    let page = app
        .registry
        .store_for_tests()
        .audit_page(0, u32::try_from(report.records).unwrap_or(u32::MAX))
        .await
        .must();
    let actions: Vec<&str> = page.iter().map(|a| a.action.as_str()).collect();
    for action in ["user.create", "user.login", "user.login_failed"] {
        assert!(
            actions.contains(&action),
            "{action} missing from the audit log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_form_needs_its_csrf_token() {
    let app = empty_app().await;
    guagou_web::create_user(&app.registry, "zhang", "511722", "land", PASSWORD)
        .await
        .must();
    let reply = app
        .post_form(
            "",
            "/login",
            &format!("csrf=&name=zhang&password={}", common::encode(PASSWORD)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app.try_login("zhang", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // Every value is escaped: a user name with markup shows as text.
    guagou_web::create_user(&app.registry, "<i>x</i>", "511722", "land", PASSWORD)
        .await
        .must();
    let session = app.login("<i>x</i>").await;
    let home = app.get(&session, "/").await;
    assert!(
        home.body.contains("&#60;i&#62;x&#60;/i&#62;"),
        "{}",
        home.body
    );
    assert!(!home.body.contains("<i>x</i>"));
    assert!(
        guagou_web::create_user(&app.registry, "x", "511722", "land", "short")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = empty_app().await;
    // A free port: bind, read it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .must()
        .local_addr()
        .must()
        .port();
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(guagou_web::serve(
        std::sync::Arc::clone(&app.registry),
        listen,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut stream = None;
    for _ in 0..50 {
        match tokio::net::TcpStream::connect(listen).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    let mut stream = stream.must();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .must();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.must();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("{\"status\":\"ok\"}"), "{response}");
    let _ = stop.send(());
    server.await.must().must();
}

/// One raw HTTP/1.1 exchange on a new connection; the whole response as text.
async fn http(listen: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = None;
    for _ in 0..50 {
        match tokio::net::TcpStream::connect(listen).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    let mut stream = stream.must();
    stream.write_all(request.as_bytes()).await.must();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.must();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_client_address_across_names() {
    let app = empty_app().await;
    guagou_web::create_user(&app.registry, "real", "511722", "land", PASSWORD)
        .await
        .must();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .must()
        .local_addr()
        .must()
        .port();
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(guagou_web::serve(
        std::sync::Arc::clone(&app.registry),
        listen,
        async move {
            let _ = stopped.await;
        },
    ));
    // One sign-in form (its pre-login cookie and the token the server issued for it).
    let form = http(
        listen,
        "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    let nonce = form
        .split("guagou_prelogin=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .must()
        .to_owned();
    let marker = "name=\"csrf\" value=\"";
    let start = form.find(marker).must() + marker.len();
    let token = form[start..start + form[start..].find('"').must()].to_owned();
    let attempt = |name: String, password: &str| {
        let body = format!("csrf={token}&name={name}&password={}", encode(password));
        format!(
            "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Cookie: guagou_prelogin={nonce}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    // Password spraying: one wrong password for each of many names, from one address. No name
    // reaches its own limit of 5, but the address reaches its limit of 20.
    let per_address = guagou_web::auth::MAX_FAILED_LOGINS_PER_ADDRESS;
    for i in 0..per_address {
        let reply = http(listen, &attempt(format!("guess{i}"), "wrong password")).await;
        assert!(reply.starts_with("HTTP/1.1 401"), "attempt {i}: {reply}");
    }
    // Now even the right password of a real user is refused from that address, for a while.
    let reply = http(listen, &attempt("real".into(), PASSWORD)).await;
    assert!(reply.starts_with("HTTP/1.1 429"), "{reply}");
    let _ = stop.send(());
    server.await.must().must();
}
