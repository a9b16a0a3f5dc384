//! 用户管理: administrators create, disable, enable, reset and move the accounts of their
//! jurisdiction through `/admin/users`; everyone else is refused; every step is audited.

use axum::http::StatusCode;
use guagou_registry::plans::AuditFilter;

use crate::common::{Must, PASSWORD, Session, TestApp, demo_app, encode};

/// The demo app with a city administrator and a county (宣汉县) administrator.
async fn admin_app() -> TestApp {
    let app = demo_app().await;
    for (name, division) in [("cityadmin", "511700"), ("xhadmin", "511722")] {
        guagou_web::create_user(&app.registry, name, division, "land", PASSWORD)
            .await
            .must();
        app.registry.make_first_admin(name).await.must();
    }
    app
}

fn cookie(session: &Session) -> String {
    format!("guagou_session={}", session.cookie.clone().must())
}

async fn post(app: &TestApp, session: &Session, path: &str, fields: &[(&str, &str)]) -> String {
    let mut body = vec![format!("csrf={}", session.csrf)];
    body.extend(fields.iter().map(|(k, v)| format!("{k}={}", encode(v))));
    let reply = app.post_form(&cookie(session), path, &body.join("&")).await;
    format!("{}\n{}", reply.status.as_u16(), reply.body)
}

/// The status and body of a form post.
async fn send(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let mut body = vec![format!("csrf={}", session.csrf)];
    body.extend(fields.iter().map(|(k, v)| format!("{k}={}", encode(v))));
    let reply = app.post_form(&cookie(session), path, &body.join("&")).await;
    let cache = reply
        .headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (reply.status, reply.body, cache)
}

/// The generated password shown on a page.
fn shown_password(body: &str) -> String {
    let marker = "<code id=\"new-password\">";
    let start = body.find(marker).must() + marker.len();
    let end = start + body[start..].find('<').must();
    body[start..end].to_owned()
}

fn user_path(name: &str) -> String {
    format!("/admin/users/{}", encode(name))
}

async fn audited(app: &TestApp, action: &str, subject: &str) -> Vec<(String, String, String)> {
    let filter = AuditFilter {
        action_prefix: action.into(),
        subject_prefix: subject.into(),
        ..AuditFilter::default()
    };
    app.registry
        .auditor()
        .audit_log(None, 1_000, &filter)
        .await
        .must()
        .0
        .iter()
        .filter(|r| r.action == action && r.subject == subject)
        .map(|r| (r.actor.clone(), r.reason.clone(), r.payload.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_see_user_administration_and_only_their_jurisdiction() {
    let app = admin_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, "/admin/users").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("仅系统管理员"), "{}", page.body);
    assert!(!app.get(&city, "/").await.body.contains("nav-users"));

    let admin = app.login("cityadmin").await;
    let home = app.get(&admin, "/").await;
    assert!(home.body.contains("id=\"nav-users\""), "{}", home.body);
    let page = app.get(&admin, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for name in ["county", "other", "city", "audit", "xhadmin"] {
        assert!(page.body.contains(&format!(">{name}</td>")), "{name}");
    }
    // The province's account is outside the city's jurisdiction; divisions show by name.
    assert!(!page.body.contains(">province</td>"));
    assert!(page.body.contains("宣汉县"), "{}", page.body);

    let county_admin = app.login("xhadmin").await;
    let page = app.get(&county_admin, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">county</td>") && page.body.contains(">xhadmin</td>"));
    assert!(!page.body.contains(">city</td>") && !page.body.contains(">other</td>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_signs_in_a_disabled_one_cannot_and_a_reset_password_replaces_the_old() {
    let app = admin_app().await;
    let admin = app.login("cityadmin").await;
    let fields = [
        ("name", "clerk"),
        ("division", "511722"),
        ("department", "land"),
        ("reason", "新入职经办人"),
    ];
    // Without the session's CSRF token nothing is created.
    let mut forged = admin.clone();
    forged.csrf = "0".repeat(64);
    let (status, _, _) = send(&app, &forged, "/admin/users", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body, cache) = send(&app, &admin, "/admin/users", &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        cache.as_deref(),
        Some("no-store"),
        "a password page is not cached"
    );
    let password = shown_password(&body);
    assert_eq!(password.len(), 16);
    let reply = app.try_login("clerk", &password).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let clerk = Session {
        cookie: reply.cookie("guagou_session"),
        csrf: String::new(),
    };
    assert_eq!(app.get(&clerk, "/").await.status, StatusCode::OK);

    // Disabled: the open session ends, and the right password is told the account is disabled
    // (a wrong one still only hears "wrong name or password").
    let (status, body, _) = send(
        &app,
        &admin,
        &user_path("clerk"),
        &[("step", "disable"), ("reason", "调离")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let after = app.get(&clerk, "/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session ended");
    let reply = app.try_login("clerk", &password).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains("账号已停用"), "{}", reply.body);
    let reply = app.try_login("clerk", "not the password").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!reply.body.contains("账号已停用"));
    // Disabling twice is a conflict.
    let (status, _, _) = send(
        &app,
        &admin,
        &user_path("clerk"),
        &[("step", "disable"), ("reason", "再次")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, _, _) = send(
        &app,
        &admin,
        &user_path("clerk"),
        &[("step", "enable"), ("reason", "返岗")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.try_login("clerk", &password).await.status,
        StatusCode::SEE_OTHER
    );

    let (status, body, _) = send(
        &app,
        &admin,
        &user_path("clerk"),
        &[("step", "reset_password"), ("reason", "遗忘密码")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_password = shown_password(&body);
    assert_ne!(new_password, password);
    assert_eq!(
        app.try_login("clerk", &password).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_login("clerk", &new_password).await.status,
        StatusCode::SEE_OTHER
    );

    // Every step is audited with who and why; no password is.
    let created = audited(&app, "user.create", "clerk").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, "cityadmin@511700");
    assert_eq!(created[0].1, "新入职经办人");
    for action in ["user.disable", "user.enable", "user.reset_password"] {
        let records = audited(&app, action, "clerk").await;
        assert_eq!(records.len(), 1, "{action}");
        assert!(!records[0].2.contains(&new_password) && !records[0].2.contains(&password));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_stay_in_their_jurisdiction_and_do_not_lock_themselves_out() {
    let app = admin_app().await;
    let admin = app.login("cityadmin").await;
    let reply = post(
        &app,
        &admin,
        &user_path("cityadmin"),
        &[("step", "disable"), ("reason", "试试")],
    )
    .await;
    assert!(reply.starts_with("409"), "{reply}");
    assert!(reply.contains("不能停用、降级或调动自己的账号"), "{reply}");

    let county_admin = app.login("xhadmin").await;
    // A county administrator creates in the county, not at the city; the typed input is kept.
    let (status, body, _) = send(
        &app,
        &county_admin,
        "/admin/users",
        &[
            ("name", "cityclerk"),
            ("division", "511700"),
            ("department", "land"),
            ("reason", "越权"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.contains("value=\"cityclerk\""),
        "the input is kept: {body}"
    );
    assert!(
        app.registry.auditor().users().await.is_err(),
        "the operator is no administrator"
    );
    // Another county's account does not exist for it.
    let (status, _, _) = send(
        &app,
        &county_admin,
        &user_path("other"),
        &[("step", "disable"), ("reason", "越权")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor may it move its own county's clerk up to the city.
    let (status, _, _) = send(
        &app,
        &county_admin,
        &user_path("county"),
        &[
            ("step", "set"),
            ("division", "511700"),
            ("department", "land"),
            ("reason", "调动"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Making the county clerk an administrator of the county works, and signs it out.
    let county = app.login("county").await;
    let (status, body, _) = send(
        &app,
        &county_admin,
        &user_path("county"),
        &[
            ("step", "set"),
            ("division", "511722"),
            ("department", "land"),
            ("is_admin", "on"),
            ("reason", "增设管理员"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(app.get(&county, "/").await.status, StatusCode::SEE_OTHER);
    let county = app.login("county").await;
    assert_eq!(
        app.get(&county, "/admin/users").await.status,
        StatusCode::OK
    );
}
