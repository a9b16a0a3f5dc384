//! A test app: the demo registry in a temporary directory, users for two counties, the city and
//! audit, and requests sent to the router in process.

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::testing::TestDb;
use guagou_registry::{FixedClock, Registry};
use guagou_web::{AppState, create_user, router};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse 42";

/// The registry clock of the web tests: "today" for the no-future-writes rule and the forms'
/// default dates. The demo's records are dated 2017–2020, before it.
pub const TEST_NOW: &str = "2026-12-01T09:00:00+08:00";

/// Unwraps in tests with the error shown.
pub trait Must<T> {
    fn must(self) -> T;
}

impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }
}

impl<T> Must<T> for Option<T> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Some(v) => v,
            None => panic!("None"),
        }
    }
}

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub registry: Arc<Registry>,
    pub router: Router,
}

pub async fn registry(dir: &tempfile::TempDir) -> Registry {
    registry_at(dir, TEST_NOW).await
}

/// A registry whose clock says `now` (RFC 3339).
pub async fn registry_at(dir: &tempfile::TempDir, now: &str) -> Registry {
    let data = dir.path().join("data");
    let store = TestDb::create(&data).await.must().open().await.must();
    let mut registry = Registry::new(
        store,
        Profile::dazhou_2017().must(),
        LandClassTable::gbt21010().must(),
        Box::new(FixedClock(now.into())),
    );
    // As `guagou serve` has it: stored base layers beside the database.
    registry.base_dir = Some(dir.path().join("data").join("base"));
    registry
}

/// An empty registry (no demo data, no users).
pub async fn empty_app() -> TestApp {
    let dir = tempfile::tempdir().must();
    let registry = Arc::new(registry(&dir).await);
    let router = router(AppState {
        registry: Arc::clone(&registry),
    });
    TestApp {
        dir,
        registry,
        router,
    }
}

/// The demo registry with users `county` (511722), `other` (511723), `city` (511700) and
/// `audit` (511700, audit department) and `province` (510000).
pub async fn demo_app() -> TestApp {
    demo_app_at(TEST_NOW).await
}

/// The demo app holding one record of every kind (`Registry::complete_demo`, as `guagou demo`
/// builds it): also a settled agreement with payments, an adjustment and a stored land-use
/// layer. The crawl and the hostile-text tests walk it.
pub async fn complete_demo_app() -> TestApp {
    let app = demo_app().await;
    app.registry
        .complete_demo(&app.dir.path().join("packages"))
        .await
        .must();
    app
}

/// The demo app with the registry's clock at `now` (e.g. inside a notice period).
pub async fn demo_app_at(now: &str) -> TestApp {
    let dir = tempfile::tempdir().must();
    let registry = registry_at(&dir, now).await;
    registry
        .build_demo(&dir.path().join("packages"))
        .await
        .must();
    for (name, division, department) in [
        ("county", "511722", "land"),
        ("other", "511723", "land"),
        ("city", "511700", "land"),
        ("audit", "511700", "audit"),
        ("province", "510000", "land"),
    ] {
        create_user(&registry, name, division, department, PASSWORD)
            .await
            .must();
    }
    let registry = Arc::new(registry);
    let router = router(AppState {
        registry: Arc::clone(&registry),
    });
    TestApp {
        dir,
        registry,
        router,
    }
}

/// A response read into memory.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The value a `Set-Cookie` gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|pair| pair.split_once('='))
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        })
    }

    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

async fn read(response: Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .must();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A signed-in browser: the session cookie and the session's CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub cookie: Option<String>,
    pub csrf: String,
}

impl TestApp {
    /// The code of a project in state `state` that `session` reads (the first listed).
    pub async fn project_in_state(&self, session: &Session, state: &str) -> String {
        let projects = self.get(session, "/api/projects").await.json();
        projects
            .as_array()
            .must()
            .iter()
            .find(|p| p["state"] == state)
            .and_then(|p| p["code"].as_str())
            .must()
            .to_owned()
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        read(self.router.clone().oneshot(request).await.must()).await
    }

    pub async fn get(&self, session: &Session, path: &str) -> Reply {
        let mut request = Request::get(path);
        if let Some(cookie) = &session.cookie {
            request = request.header(header::COOKIE, format!("guagou_session={cookie}"));
        }
        self.send(request.body(Body::empty()).must()).await
    }

    /// POST of a JSON body to the API; `csrf` goes in the x-csrf-token header if given.
    pub async fn post_json(
        &self,
        session: &Session,
        path: &str,
        csrf: Option<&str>,
        body: serde_json::Value,
    ) -> Reply {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = &session.cookie {
            request = request.header(header::COOKIE, format!("guagou_session={cookie}"));
        }
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        self.send(request.body(Body::from(body.to_string())).must())
            .await
    }

    /// POST of a form.
    pub async fn post_form(&self, cookies: &str, path: &str, form: &str) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies)
            .body(Body::from(form.to_owned()))
            .must();
        self.send(request).await
    }

    /// Fetches the login form and posts `name`/`password` with its token, from the browser
    /// that holds the form's pre-login cookie.
    pub async fn try_login(&self, name: &str, password: &str) -> Reply {
        let (nonce, token) = self.login_form().await;
        self.post_form(
            &format!("guagou_prelogin={nonce}"),
            "/login",
            &format!(
                "csrf={token}&name={}&password={}",
                encode(name),
                encode(password)
            ),
        )
        .await
    }

    /// A sign-in form: the pre-login cookie's nonce and the token the form carries (issued
    /// by the server; never the cookie's value).
    pub async fn login_form(&self) -> (String, String) {
        let form = self.get(&Session::default(), "/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let nonce = form.cookie("guagou_prelogin").must();
        let marker = "name=\"csrf\" value=\"";
        let start = form.body.find(marker).must() + marker.len();
        let end = start + form.body[start..].find('"').must();
        let token = form.body[start..end].to_owned();
        assert_ne!(token, nonce, "the form's token is not the cookie's value");
        (nonce, token)
    }

    /// Signs in and reads the session's CSRF token from the dashboard.
    pub async fn login(&self, name: &str) -> Session {
        let reply = self.try_login(name, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let cookie = reply.cookie("guagou_session").must();
        let mut session = Session {
            cookie: Some(cookie),
            csrf: String::new(),
        };
        let home = self.get(&session, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        let marker = "name=\"csrf\" value=\"";
        let start = home.body.find(marker).must() + marker.len();
        let end = start + home.body[start..].find('"').must();
        session.csrf = home.body[start..end].to_owned();
        session
    }
}

/// Minimal form encoding for the test values (letters, digits, spaces).
pub fn encode(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' ' => "+".to_owned(),
            c if c.is_ascii_alphanumeric() || "-_.".contains(c) => c.to_string(),
            c => {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}
