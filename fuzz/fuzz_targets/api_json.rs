//! The API's JSON bodies: every POST operation of `/api/openapi.json`, on the demo registry,
//! signed in as a county, the city, finance or the province with a valid CSRF token, gets
//! arbitrary bytes as its body. Any answer below 500 is fine (refusals are the point); a 5xx
//! or a panic is a finding.
//!
//! Input: byte 0 picks the operation, byte 1 the user, the rest is the body.

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::{FixedClock, Registry};
use guagou_store::Store;
use guagou_web::{AppState, create_user, router};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const PASSWORD: &str = "fuzzing password 42";
const USERS: [(&str, &str, &str); 4] = [
    ("county", "511722", "land"),
    ("city", "511700", "land"),
    ("finance", "511700", "finance"),
    ("province", "510000", "land"),
];

struct Target {
    runtime: tokio::runtime::Runtime,
    router: Router,
    /// POST paths with their parameters filled in.
    paths: Vec<String>,
    /// (cookie, csrf) per user.
    sessions: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

async fn send(router: &Router, request: Request<Body>) -> (u16, Vec<(String, String)>, String) {
    let response = match router.clone().oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn cookie(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .find_map(|(_, v)| {
            let pair = v.split(';').next()?;
            let (n, value) = pair.split_once('=')?;
            (n == name).then(|| value.to_owned())
        })
        .unwrap_or_else(|| panic!("no cookie {name}"))
}

async fn login(router: &Router, name: &str) -> (String, String) {
    let form = Request::get("/login").body(Body::empty()).unwrap_or_else(|e| panic!("{e}"));
    let (_, headers, _) = send(router, form).await;
    let token = cookie(&headers, "guagou_login_csrf");
    let post = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("guagou_login_csrf={token}"))
        .body(Body::from(format!(
            "csrf={token}&name={name}&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, headers, _) = send(router, post).await;
    let session = format!("guagou_session={}", cookie(&headers, "guagou_session"));
    let home = Request::get("/")
        .header(header::COOKIE, &session)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, _, body) = send(router, home).await;
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("csrf"));
    let end = start + body[start..].find('"').unwrap_or_else(|| panic!("csrf end"));
    (session, body[start..end].to_owned())
}

/// Path parameters filled with values the demo has.
fn fill(path: &str) -> String {
    path.replace("{code}", "511722-2019-003")
        .replace("{action}", "submit")
        .replace("{seq}", "1")
        .replace("{id}", "1")
        .replace("{key}", "holding:511722")
        .replace("{county}", "511722")
        .replace("{listing}", "GP-511722-2019-001")
        .replace("{agreement}", "1")
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (router, paths, sessions) = runtime.block_on(async {
            let store = Store::open(&dir.path().join("data")).await.unwrap_or_else(|e| panic!("{e}"));
            let registry = Registry::new(
                store,
                Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}")),
                LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}")),
                Box::new(FixedClock("2019-07-15T09:00:00+08:00".into())),
            );
            registry
                .build_demo(&dir.path().join("packages"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            for (name, division, department) in USERS {
                create_user(&registry, name, division, department, PASSWORD)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            let router = router(AppState { registry: Arc::new(registry) });
            let doc = Request::get("/api/openapi.json").body(Body::empty()).unwrap_or_else(|e| panic!("{e}"));
            let (_, _, text) = send(&router, doc).await;
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
            let mut paths: Vec<String> = doc["paths"]
                .as_object()
                .map(|paths| {
                    paths
                        .iter()
                        .filter(|(_, item)| item.get("post").is_some())
                        .map(|(path, _)| {
                            let path = if path.starts_with("/api") { path.clone() } else { format!("/api{path}") };
                            fill(&path)
                        })
                        .collect()
                })
                .unwrap_or_default();
            paths.sort();
            assert!(paths.len() > 20, "too few POST operations: {paths:?}");
            let mut sessions = Vec::new();
            for (name, _, _) in USERS {
                sessions.push(login(&router, name).await);
            }
            (router, paths, sessions)
        });
        Target { runtime, router, paths, sessions, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let [op, user, body @ ..] = data else {
        return;
    };
    let target = target();
    let path = &target.paths[usize::from(*op) % target.paths.len()];
    let (session, csrf) = &target.sessions[usize::from(*user) % target.sessions.len()];
    let request = Request::post(path.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, session)
        .header("x-csrf-token", csrf)
        .body(Body::from(body.to_vec()))
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, _, text) = target.runtime.block_on(send(&target.router, request));
    assert!(status < 500, "{path}: {status} {text}\nbody: {}", String::from_utf8_lossy(body));
});
