//! Registering projects by upload (pre-check before saving), new versions with their diff,
//! acceptance, city investment and the ranking, through the pages and the API; and the
//! refusals: a zip escaping its folder, another county's package, audit, missing CSRF.
//!
//! Packages are built from `examples/` at the repository root: `xuanhan-nanba-pass` (county
//! 511722) passes; edited copies fail; `dachuan-fails` belongs to county 511703.

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::{Must, Reply, Session, TestApp, demo_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use guagou_domain::lifecycle::ProjectState;
use guagou_registry::packages::{sha256_hex, zip_folder};
use guagou_registry::testing;

const CODE: &str = "511722-2018-003";
pub(crate) const BOUNDARY: &str = "guagou-test-boundary-7MA4YWxk";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Northing shift of the Xuanhan example: the demo registry has live projects where the
/// example lies (NO_DOUBLE_COUNTING), so tests move it 200 km south, away from all of them.
const SHIFT_NORTHING: f64 = -200_000.0;

fn shift_coordinate_text(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            if !line.starts_with('J') {
                return line.to_owned();
            }
            let mut parts: Vec<String> = line.split(',').map(str::to_owned).collect();
            let northing: f64 = parts[2].trim().parse().must();
            parts[2] = format!("{:.3}", northing + SHIFT_NORTHING);
            parts.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn shift_geojson(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Array(items)
            if items.len() == 2 && items.iter().all(|v| v.is_number()) =>
        {
            items[1] = serde_json::json!(items[1].as_f64().must() + SHIFT_NORTHING);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(shift_geojson),
        serde_json::Value::Object(map) => map.values_mut().for_each(shift_geojson),
        _ => {}
    }
}

/// An example package folder copied to a temporary folder (the Xuanhan example shifted).
pub(crate) fn package_dir(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().must();
    for entry in std::fs::read_dir(examples().join(name)).must() {
        let entry = entry.must();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).must();
    }
    if name == "xuanhan-nanba-pass" {
        let txt = dir.path().join("demolition.txt");
        let text = std::fs::read_to_string(&txt).must();
        std::fs::write(&txt, shift_coordinate_text(&text)).must();
        let json = dir.path().join("resettlement.geojson");
        let mut value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).must()).must();
        shift_geojson(&mut value);
        std::fs::write(&json, value.to_string()).must();
    }
    dir
}

/// An example package, edited, zipped.
fn example_zip(name: &str, edit: impl FnOnce(&Path)) -> Vec<u8> {
    let dir = package_dir(name);
    edit(dir.path());
    zip_folder(dir.path()).must()
}

pub(crate) fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).must();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).must();
}

/// The passing example.
pub(crate) fn passing_zip() -> Vec<u8> {
    example_zip("xuanhan-nanba-pass", |_| {})
}

/// The passing example broken twice: no willingness survey (SURVEY_DONE) and a household
/// that refused (HOUSEHOLD_CONSENT).
fn failing_zip() -> Vec<u8> {
    example_zip("xuanhan-nanba-pass", |dir| {
        replace_in(
            &dir.join("project.toml"),
            "willingness_survey_date = 2018-04-02\n",
            "",
        );
        replace_in(
            &dir.join("households.csv"),
            "H002,钱清成,511722104202,4,同意,",
            "H002,钱清成,511722104202,4,不同意,",
        );
    })
}

/// The demolition file of the example without its last parcel (拆旧10).
fn demolition_without_last_parcel() -> Vec<u8> {
    let dir = package_dir("xuanhan-nanba-pass");
    let text = std::fs::read_to_string(dir.path().join("demolition.txt")).must();
    let cut = text.find("8,0.6516,010,拆旧10").must();
    text.as_bytes()[..cut].to_vec()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip with stored (uncompressed) entries named exactly as given: zip writers refuse
/// names like `../evil.txt`, an attacker's tool does not.
fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).must();
        let size = u32::try_from(data.len()).must();
        let name_len = u16::try_from(name.len()).must();
        let crc = crc32(data);
        out.extend(0x0403_4b50_u32.to_le_bytes());
        for v in [20_u16, 0, 0, 0, 0x21] {
            out.extend(v.to_le_bytes());
        }
        out.extend(crc.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(name_len.to_le_bytes());
        out.extend(0_u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(0x0201_4b50_u32.to_le_bytes());
        for v in [20_u16, 20, 0, 0, 0, 0x21] {
            central.extend(v.to_le_bytes());
        }
        central.extend(crc.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(name_len.to_le_bytes());
        for v in [0_u16, 0, 0, 0] {
            central.extend(v.to_le_bytes());
        }
        central.extend(0_u32.to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).must();
    let central_size = u32::try_from(central.len()).must();
    let count = u16::try_from(entries.len()).must();
    out.extend(central);
    out.extend(0x0605_4b50_u32.to_le_bytes());
    for v in [0_u16, 0, count, count] {
        out.extend(v.to_le_bytes());
    }
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0_u16.to_le_bytes());
    out
}

/// A multipart/form-data body: text fields, then files `(field, file name, bytes)`.
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn post_multipart(
    app: &TestApp,
    session: &Session,
    path: &str,
    csrf_header: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut request = Request::post(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(cookie) = &session.cookie {
        request = request.header(header::COOKIE, format!("guagou_session={cookie}"));
    }
    if let Some(csrf) = csrf_header {
        request = request.header("x-csrf-token", csrf);
    }
    app.send(request.body(Body::from(body)).must()).await
}

/// Posts a urlencoded form with the session cookie.
async fn post_form(app: &TestApp, session: &Session, path: &str, form: &[(&str, &str)]) -> Reply {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", common::encode(k), common::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let cookie = format!(
        "guagou_session={}",
        session.cookie.clone().unwrap_or_default()
    );
    app.post_form(&cookie, path, &body).await
}

/// The `value` of the input named `name` in a page.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[at..];
    let start = rest.find("value=\"").must() + "value=\"".len();
    let end = start + rest[start..].find('"').must();
    rest[start..end].to_owned()
}

/// The row of rule `rule` in a results table.
pub(crate) fn rule_row<'a>(html: &'a str, rule: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"rule-{rule}\""))
        .unwrap_or_else(|| panic!("no row for {rule}"));
    let end = at + html[at..].find("</tr>").must();
    &html[at..end]
}

async fn pending_count(app: &TestApp) -> i64 {
    testing::scalar(
        &app.registry,
        "SELECT COUNT(*) AS n FROM pending_uploads",
        &[],
    )
    .await
    .must()
}

pub(crate) async fn audit_count(app: &TestApp, action: &str) -> i64 {
    testing::scalar(
        &app.registry,
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
        &[action],
    )
    .await
    .must()
}

/// The panels this module adds to a project page, as `actor` (`name@division`) of
/// `department` sees them (the page itself is wired by pages.rs).
async fn panels(app: &TestApp, actor: &str, department: &str, code: &str) -> String {
    let user = guagou_web::auth::User {
        is_admin: false,
        actor: app
            .registry
            .parse_actor(&format!("{actor}/{department}"))
            .must(),
        csrf: "test-csrf".to_owned(),
        lang: guagou_web::html::Lang::Zh,
        today: chrono::NaiveDate::from_ymd_opt(2019, 7, 15).unwrap_or_default(),
        todo: None,
        audit_head: None,
        path: String::new(),
    };
    let state = guagou_web::AppState {
        registry: std::sync::Arc::clone(&app.registry),
    };
    let project = app.registry.auditor().project(code).await.must();
    guagou_web::upload::project_forms_html(&state, &user, &project)
        .await
        .must()
}

/// Pre-checks `zip` on the page as `session`; the reply.
pub(crate) async fn page_check(app: &TestApp, session: &Session, zip: &[u8]) -> Reply {
    post_multipart(
        app,
        session,
        "/projects/new/check",
        None,
        multipart(
            &[("csrf", &session.csrf), ("as_of", "2019-07-15")],
            &[("package", "package.zip", zip)],
        ),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_package_shows_its_rules_and_saves_nothing() {
    let app = demo_app().await;
    let county = app.login("county").await;

    let form = app.get(&county, "/projects/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    for id in [
        "upload-zip-form",
        "upload-fields-form",
        "check-zip",
        "check-fields",
    ] {
        assert!(form.body.contains(&format!("id=\"{id}\"")), "{id}");
    }

    let registered_before = audit_count(&app, "project.register").await;
    let reply = page_check(&app, &county, &failing_zip()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for rule in ["SURVEY_DONE", "HOUSEHOLD_CONSENT"] {
        let row = rule_row(&reply.body, rule);
        assert!(row.contains("class=\"blocking\""), "{rule}: {row}");
    }
    assert!(rule_row(&reply.body, "DEMOLITION_AREA_RANGE").contains("class=\"passed\""));
    assert!(reply.body.contains("id=\"check-verdict\" class=\"fail\""));
    assert!(reply.body.contains("id=\"save-form\""));
    assert!(reply.body.contains("保存 / Save"));
    // Checked, not saved: the project does not exist; the upload waits for "save".
    assert_eq!(
        app.get(&county, &format!("/projects/{CODE}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app.registry.auditor().project(CODE).await.is_err());
    assert_eq!(pending_count(&app).await, 1);
    assert_eq!(
        audit_count(&app, "project.register").await,
        registered_before,
        "nothing registered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_package_is_saved_then_changed_by_a_new_version() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let zip = passing_zip();

    let reply = page_check(&app, &county, &zip).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains("id=\"check-verdict\" class=\"ok\""),
        "{}",
        reply.body
    );
    assert!(rule_row(&reply.body, "SURVEY_DONE").contains("class=\"passed\""));
    let token = input_value(&reply.body, "token");
    assert_eq!(token.len(), 64);

    // Someone else cannot save this upload, even with their own valid session.
    let other = app.login("other").await;
    let stolen = post_form(
        &app,
        &other,
        "/projects/new/save",
        &[
            ("csrf", &other.csrf),
            ("token", &token),
            ("as_of", "2019-07-15"),
        ],
    )
    .await;
    assert_ne!(stolen.status, StatusCode::SEE_OTHER, "{}", stolen.body);
    assert!(app.registry.auditor().project(CODE).await.is_err());

    let saved = post_form(
        &app,
        &county,
        "/projects/new/save",
        &[
            ("csrf", &county.csrf),
            ("token", &token),
            ("as_of", "2019-07-15"),
            ("reason", "上传登记"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location().as_deref(),
        Some(&*format!("/projects/{CODE}"))
    );
    let project = app.registry.auditor().project(CODE).await.must();
    assert_eq!(project.current_version, 1);
    assert_eq!(project.state, ProjectState::Draft);
    assert_eq!(
        pending_count(&app).await,
        0,
        "the upload is saved, not pending"
    );
    // The same token cannot register twice.
    let again = post_form(
        &app,
        &county,
        "/projects/new/save",
        &[
            ("csrf", &county.csrf),
            ("token", &token),
            ("as_of", "2019-07-15"),
        ],
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );

    // The package is stored exactly as uploaded, audited, and downloadable by readers only.
    let stored = app.registry.auditor().stored_package(CODE, 1).await.must();
    assert_eq!(stored.zip, zip);
    assert_eq!(stored.sha256, sha256_hex(&zip));
    assert_eq!(audit_count(&app, "project.package").await, 1);
    let download = app
        .get(&county, &format!("/projects/{CODE}/versions/1/package.zip"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(
        download.headers.get(header::CONTENT_TYPE).must(),
        "application/zip"
    );
    assert_eq!(
        download
            .headers
            .get("x-package-sha256")
            .must()
            .to_str()
            .must(),
        sha256_hex(&zip)
    );
    assert_eq!(
        app.get(&other, &format!("/projects/{CODE}/versions/1/package.zip"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&county, &format!("/projects/{CODE}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = panels(&app, "county@511722", "land", CODE).await;
    for id in ["versions-panel", "new-version", "package-v1"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let html = panels(&app, "audit@511700", "audit", CODE).await;
    assert!(html.contains("id=\"package-v1\""));
    assert!(
        !html.contains("id=\"new-version\""),
        "audit uploads nothing"
    );

    // A new version replacing the demolition file of the stored package.
    let form = app
        .get(&county, &format!("/projects/{CODE}/versions/new"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("id=\"version-file-form\""));
    assert!(form.body.contains("id=\"version-zip-form\""));
    let v2 = demolition_without_last_parcel();
    let checked = post_multipart(
        &app,
        &county,
        &format!("/projects/{CODE}/versions/check"),
        None,
        multipart(
            &[
                ("csrf", &county.csrf),
                ("part", "demolition"),
                ("as_of", "2019-07-16"),
            ],
            &[("file", "demolition-v2.txt", &v2)],
        ),
    )
    .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(
        checked.body.contains("demolition-v2.txt"),
        "the parcels name their file"
    );
    assert_eq!(
        app.registry
            .auditor()
            .project(CODE)
            .await
            .must()
            .current_version,
        1
    );
    let token = input_value(&checked.body, "token");
    let saved = post_form(
        &app,
        &county,
        &format!("/projects/{CODE}/versions/save"),
        &[
            ("csrf", &county.csrf),
            ("token", &token),
            ("as_of", "2019-07-16"),
            ("reason", "拆旧10 不再拆除"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.registry
            .auditor()
            .project(CODE)
            .await
            .must()
            .current_version,
        2
    );
    assert!(app.registry.auditor().stored_package(CODE, 2).await.is_ok());

    let diff = app
        .get(&county, &format!("/projects/{CODE}/diff?from=1&to=2"))
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    let removed_at = diff.body.find("id=\"diff-removed\"").must();
    let changed_at = diff.body.find("id=\"diff-changed\"").must();
    assert!(
        diff.body[removed_at..changed_at].contains("拆旧10"),
        "{}",
        diff.body
    );
    assert!(
        diff.body.contains("demolition_m2"),
        "the total area changed"
    );
    let html = panels(&app, "county@511722", "land", CODE).await;
    assert!(html.contains("id=\"diff-1-2\""));
    assert!(html.contains("id=\"package-v2\""));
    // Another county's user sees neither the diff nor the version form.
    assert_eq!(
        app.get(&other, &format!("/projects/{CODE}/diff?from=1&to=2"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&other, &format!("/projects/{CODE}/versions/new"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_with_located_messages() {
    let app = demo_app().await;
    let county = app.login("county").await;

    // An entry escaping the package folder refuses the whole zip.
    let evil = raw_zip(&[
        ("project.toml", b"format = 1\n"),
        ("../evil.txt", b"outside"),
    ]);
    let reply = page_check(&app, &county, &evil).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("../evil.txt"), "{}", reply.body);
    assert!(reply.body.contains("id=\"upload-error\""));

    // Not a zip; a bad project.toml (names the file and the field); an unknown parcel format.
    let reply = page_check(&app, &county, b"PK not really").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("package.zip"), "{}", reply.body);
    let bad_toml = example_zip("xuanhan-nanba-pass", |dir| {
        replace_in(
            &dir.join("project.toml"),
            "persons_resettled = 260",
            "persons = 260",
        );
    });
    let reply = page_check(&app, &county, &bad_toml).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("project.toml"), "{}", reply.body);
    assert!(reply.body.contains("persons"), "{}", reply.body);
    assert!(
        !reply.body.contains("guagou-upload-"),
        "no temporary paths: {}",
        reply.body
    );
    let bad_geometry = example_zip("xuanhan-nanba-pass", |dir| {
        // Parcel 拆旧01 loses its closing point (line 21 of the file).
        let path = dir.join("demolition.txt");
        let text = std::fs::read_to_string(&path).must();
        let mut lines: Vec<&str> = text.split('\n').collect();
        assert!(lines[20].starts_with("J1,1,"), "{}", lines[20]);
        lines.remove(20);
        std::fs::write(&path, lines.join("\n")).must();
    });
    let reply = page_check(&app, &county, &bad_geometry).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("demolition.txt"), "{}", reply.body);
    assert!(reply.body.contains("拆旧01"), "{}", reply.body);
    let fields = post_multipart(
        &app,
        &county,
        "/projects/new/check",
        None,
        multipart(
            &[("csrf", &county.csrf), ("code", CODE), ("name", "x")],
            &[("demolition", "parcels.dwg", b"binary")],
        ),
    )
    .await;
    assert_eq!(fields.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields.body.contains("parcels.dwg"), "{}", fields.body);

    // Another county's package: refused by jurisdiction, naming project.county.
    let dachuan = example_zip("dachuan-fails", |_| {});
    let reply = page_check(&app, &county, &dachuan).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains("511703"), "{}", reply.body);
    assert!(reply.body.contains("project.county"), "{}", reply.body);
    let other = app.login("other").await;
    let reply = page_check(&app, &other, &passing_zip()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(pending_count(&app).await, 0, "nothing refused is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_other_levels_and_missing_csrf_are_refused() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let audit = app.login("audit").await;
    let city = app.login("city").await;
    let zip = passing_zip();

    assert_eq!(
        app.get(&audit, "/projects/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&city, "/projects/new").await.status,
        StatusCode::FORBIDDEN
    );
    for session in [&audit, &city] {
        let reply = page_check(&app, session, &zip).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
    // No CSRF field, then a wrong one.
    let reply = post_multipart(
        &app,
        &county,
        "/projects/new/check",
        None,
        multipart(&[], &[("package", "p.zip", &zip)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post_multipart(
        &app,
        &county,
        "/projects/new/check",
        None,
        multipart(&[("csrf", "00")], &[("package", "p.zip", &zip)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(pending_count(&app).await, 0);

    // A save without CSRF does not register, even with a valid token.
    let checked = page_check(&app, &county, &zip).await;
    let token = input_value(&checked.body, "token");
    let reply = post_form(&app, &county, "/projects/new/save", &[("token", &token)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(app.registry.auditor().project(CODE).await.is_err());

    // The API: header required; audit and the city refused.
    let body = || multipart(&[], &[("package", "p.zip", &zip)]);
    let reply = post_multipart(&app, &county, "/api/projects/check", None, body()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["code"], "csrf");
    let reply = post_multipart(&app, &county, "/api/projects", None, body()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post_multipart(&app, &audit, "/api/projects", Some(&audit.csrf), body()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post_multipart(&app, &city, "/api/projects/check", Some(&city.csrf), body()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let anonymous = Session::default();
    let reply = post_multipart(&app, &anonymous, "/api/projects/check", None, body()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(app.registry.auditor().project(CODE).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_checks_registers_adds_versions_and_diffs() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let csrf = Some(county.csrf.as_str());

    let reply = post_multipart(
        &app,
        &county,
        "/api/projects/check",
        csrf,
        multipart(
            &[("as_of", "2019-07-15")],
            &[("package", "p.zip", &failing_zip())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let pre = reply.json();
    assert_eq!(pre["code"], CODE);
    assert!(pre["blocking"].as_u64().must() >= 2);
    let failed: Vec<&str> = pre["results"]
        .as_array()
        .must()
        .iter()
        .filter(|r| r["passed"] == false)
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert!(
        failed.contains(&"SURVEY_DONE") && failed.contains(&"HOUSEHOLD_CONSENT"),
        "{failed:?}"
    );
    assert_eq!(
        app.get(&county, &format!("/api/projects/{CODE}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The fields-and-files form gives the same check.
    let dir = package_dir("xuanhan-nanba-pass");
    let read = |name: &str| std::fs::read(dir.path().join(name)).must();
    let (demolition, resettlement, households) = (
        read("demolition.txt"),
        read("resettlement.geojson"),
        read("households.csv"),
    );
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects/check",
        csrf,
        multipart(
            &[
                ("code", CODE),
                ("name", "宣汉县南坝镇项目区"),
                ("township", "511722104"),
                ("villages", "511722104201, 511722104202 511722104203"),
                ("persons_resettled", "260"),
                ("potential_survey_date", "2018-03-12"),
                ("willingness_survey_date", "2018-04-02"),
                ("as_of", "2019-07-15"),
            ],
            &[
                ("demolition", "demolition.txt", &demolition),
                ("resettlement", "resettlement.geojson", &resettlement),
                ("households", "households.csv", &households),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["blocking"], 0, "{}", reply.body);
    assert_eq!(reply.json()["parcels"].as_array().must().len(), 11);

    // Register, then a new version, then the diff.
    let zip = passing_zip();
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects",
        csrf,
        multipart(
            &[("as_of", "2019-07-15"), ("reason", "API")],
            &[("package", "p.zip", &zip)],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let registered = reply.json();
    assert_eq!(registered["project"]["code"], CODE);
    assert_eq!(registered["project"]["current_version"], 1);
    assert_eq!(registered["package"]["sha256"], sha256_hex(&zip));
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects",
        csrf,
        multipart(&[], &[("package", "p.zip", &zip)]),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "registered once"
    );

    let v2 = demolition_without_last_parcel();
    let reply = post_multipart(
        &app,
        &county,
        &format!("/api/projects/{CODE}/versions"),
        csrf,
        multipart(
            &[("part", "demolition")],
            &[("file", "demolition.txt", &v2)],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["version"]["version"], 2);
    let reply = app
        .get(&county, &format!("/api/projects/{CODE}/diff?from=1&to=2"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let diff = reply.json();
    assert_eq!(diff["removed"][0]["name"], "拆旧10");
    assert_eq!(diff["added"].as_array().must().len(), 0);
    // Default: the latest version against the one before.
    let reply = app
        .get(&county, &format!("/api/projects/{CODE}/diff"))
        .await;
    assert_eq!(reply.json()["from"], 1);
    assert_eq!(reply.json()["to"], 2);
    let reply = app
        .get(&county, &format!("/api/projects/{CODE}/diff?from=1&to=9"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .get(&county, &format!("/api/projects/{CODE}/diff?from=x"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let packages = app
        .get(&county, &format!("/api/projects/{CODE}/packages"))
        .await;
    assert_eq!(packages.json().as_array().must().len(), 2);

    // A version for another county's project is not found; a bad zip names itself.
    let other = app.login("other").await;
    let reply = post_multipart(
        &app,
        &other,
        &format!("/api/projects/{CODE}/versions"),
        Some(&other.csrf),
        multipart(&[], &[("package", "p.zip", &zip)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects/check",
        csrf,
        multipart(&[], &[("package", "broken.zip", b"nope")]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["message_en"]
            .as_str()
            .must()
            .contains("broken.zip")
    );
    let bad_toml = example_zip("xuanhan-nanba-pass", |dir| {
        replace_in(&dir.join("project.toml"), "format = 1", "format = 2");
    });
    let reply = post_multipart(
        &app,
        &county,
        "/api/projects/check",
        csrf,
        multipart(&[], &[("package", "p.zip", &bad_toml)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = reply.json();
    assert_eq!(problem["code"], "invalid_field");
    assert_eq!(problem["field"], "format");
    for key in ["message_zh", "message_en"] {
        let text = problem[key].as_str().must();
        assert!(
            text.contains("project.toml") && text.contains("format"),
            "{text}"
        );
    }

    let document = app.get(&county, "/api/openapi.json").await.json();
    for path in [
        "/projects/check",
        "/projects/{code}/versions",
        "/projects/{code}/diff",
        "/projects/{code}/acceptance",
        "/projects/{code}/city-investment",
        "/ranking",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path}");
    }
    assert!(document["paths"]["/projects"].get("post").is_some());
    assert!(document["paths"]["/projects"].get("get").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_city_investment_and_ranking() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;
    let other = app.login("other").await;

    // Implementing projects without an application (the demo has them in other counties):
    // a land-bureau user of each one's county applies.
    let mut implementing = Vec::new();
    for p in app
        .registry
        .auditor()
        .projects(Some(ProjectState::Implementing))
        .await
        .must()
    {
        if app
            .registry
            .auditor()
            .acceptance(&p.code)
            .await
            .must()
            .is_none()
        {
            implementing.push((p.code, p.county));
        }
    }
    let mut sessions = Vec::new();
    for (i, (_, county_code)) in implementing.iter().enumerate() {
        let name = format!("land{i}");
        guagou_web::create_user(&app.registry, &name, county_code, "land", common::PASSWORD)
            .await
            .must();
        sessions.push(app.login(&name).await);
    }
    let (code, applicant_county) = implementing.first().must().clone();
    let applicant = sessions.first().must();
    let advanced = app
        .registry
        .store_for_tests()
        .ledger_project(&code)
        .await
        .must()
        .map_or(0, |l| l.advanced_m2);
    assert!(advanced > 0, "the demo advanced against {code}");
    let html = panels(&app, &format!("land0@{applicant_county}"), "land", &code).await;
    assert!(html.contains("id=\"acceptance-form\""), "{html}");
    let html = panels(&app, "city@511700", "land", &code).await;
    assert!(!html.contains("id=\"acceptance-form\""), "{html}");
    // Confirmed surplus is half the advance: the other half is a shortfall.
    let confirmed = advanced / 2;
    let resettlement = 12_000;
    let reclaimed = (resettlement + confirmed).to_string();
    let figures = [
        ("as_of", "2019-07-15"),
        ("reclaimed_m2", reclaimed.as_str()),
        ("resettlement_m2", "12000"),
        ("reclaimed_farmland_m2", "55000"),
        ("resettlement_farmland_m2", "8000"),
        ("change_version", ""),
        ("reason", "申请验收"),
    ];
    let path = format!("/projects/{code}/acceptance");
    let mut form = figures.to_vec();
    let refused = post_form(&app, applicant, &path, &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no CSRF");
    form.push(("csrf", &audit.csrf));
    let refused = post_form(&app, &audit, &path, &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "audit is read-only");
    let mut form = figures.to_vec();
    form.push(("csrf", &county.csrf));
    let refused = post_form(&app, &county, &path, &form).await;
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "another county's project"
    );
    let mut form = figures.to_vec();
    form[1] = ("reclaimed_m2", "lots");
    form.push(("csrf", &applicant.csrf));
    let refused = post_form(&app, applicant, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("面积 lots 应为整数平方米"),
        "{}",
        refused.body
    );
    let mut form = figures.to_vec();
    form.push(("csrf", &applicant.csrf));
    let applied = post_form(&app, applicant, &path, &form).await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    let project = app.registry.auditor().project(&code).await.must();
    assert_eq!(project.state, ProjectState::AcceptanceApplied);
    let acceptance = app.registry.auditor().acceptance(&code).await.must().must();
    assert_eq!(acceptance.reclaimed_m2, resettlement + confirmed);
    assert_eq!(acceptance.resettlement_farmland_m2, 8_000);
    let html = panels(&app, "city@511700", "land", &code).await;
    let panel = &html[html.find("id=\"acceptance\"").must()..];
    assert!(
        panel.contains(&format!("{} m²", guagou_web::lists::thousands(confirmed))),
        "confirmed surplus: {panel}"
    );
    assert!(
        panel.contains(&format!(
            "{} m²",
            guagou_web::lists::thousands(advanced - confirmed)
        )),
        "shortfall: {panel}"
    );
    assert!(panel.contains("47,000 m²"), "farmland balance: {panel}");
    let view = app
        .get(&city, &format!("/api/projects/{code}/acceptance"))
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert_eq!(view.json()["confirmed_m2"], confirmed);
    assert_eq!(view.json()["advanced_m2"], advanced);
    assert_eq!(view.json()["shortfall_m2"], advanced - confirmed);
    assert_eq!(view.json()["farmland_balance_m2"], 47_000);
    assert_eq!(
        app.get(&county, &format!("/api/projects/{code}/acceptance"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The API: CSRF required; the city may not apply (a county step); a bad body is 422.
    let body = serde_json::json!({
        "as_of": "2019-07-15", "reclaimed_m2": 1, "resettlement_m2": 0,
        "reclaimed_farmland_m2": 0, "resettlement_farmland_m2": 0,
    });
    if let (Some((second, _)), Some(session)) = (implementing.get(1), sessions.get(1)) {
        let path = format!("/api/projects/{second}/acceptance");
        let reply = app.post_json(session, &path, None, body.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = app
            .post_json(&city, &path, Some(&city.csrf), body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
        let reply = app
            .post_json(
                session,
                &path,
                Some(&session.csrf),
                serde_json::json!({"as_of": 1}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reply = app
            .post_json(session, &path, Some(&session.csrf), body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["state"], "acceptance_applied");
    }
    // Applying twice: the state no longer allows it.
    let reply = app
        .post_json(
            applicant,
            &format!("/api/projects/{code}/acceptance"),
            Some(&applicant.csrf),
            body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let _ = &other;

    // City investment: a city decision before approval.
    let draft = app
        .registry
        .auditor()
        .projects(None)
        .await
        .must()
        .into_iter()
        .find(|p| p.county == "511722" && p.approved_on.is_none())
        .must()
        .code;
    let html = panels(&app, "city@511700", "land", &draft).await;
    assert!(html.contains("id=\"city-investment-form\""), "{html}");
    let html = panels(&app, "county@511722", "land", &draft).await;
    assert!(!html.contains("id=\"city-investment-form\""), "{html}");
    let form = [
        ("funding_source", "social_capital"),
        ("city_share_percent", "40"),
        ("construction_zone_plan", "达州市建新区 2019-01"),
        ("reason", "市级投资"),
    ];
    let mut county_form = form.to_vec();
    county_form.push(("csrf", &county.csrf));
    let refused = post_form(
        &app,
        &county,
        &format!("/projects/{draft}/city-investment"),
        &county_form,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a county may not: {}",
        refused.body
    );
    let mut city_form = form.to_vec();
    city_form.push(("csrf", &city.csrf));
    let set = post_form(
        &app,
        &city,
        &format!("/projects/{draft}/city-investment"),
        &city_form,
    )
    .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let project = app.registry.auditor().project(&draft).await.must();
    assert!(project.city_invested);
    assert_eq!(project.city_share_percent, 40);
    let mut bad = form.to_vec();
    bad[1] = ("city_share_percent", "150");
    bad.push(("csrf", &city.csrf));
    let refused = post_form(
        &app,
        &city,
        &format!("/projects/{draft}/city-investment"),
        &bad,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/api/projects/{draft}/city-investment");
    let body = serde_json::json!({"funding_source": "city_budget", "city_share_percent": 30, "construction_zone_plan": "x"});
    assert_eq!(
        app.post_json(&city, &path, None, body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(&audit, &path, Some(&audit.csrf), body.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let reply = app.post_json(&city, &path, Some(&city.csrf), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["funding_source"], "city_budget");
    let reply = app
        .post_json(
            &city,
            &path,
            Some(&city.csrf),
            serde_json::json!({"funding_source": "lottery", "city_share_percent": 10}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The ranking: the city sees every pooled project of the city with its score parts; a
    // county only its own, keeping their places.
    let pooled: Vec<_> = app
        .registry
        .auditor()
        .projects(Some(ProjectState::Pooled))
        .await
        .must()
        .into_iter()
        .filter(|p| p.county.starts_with("5117"))
        .collect();
    let ranking = app.get(&city, "/api/ranking?as_of=2019-07-15").await;
    assert_eq!(ranking.status, StatusCode::OK, "{}", ranking.body);
    let rows = ranking.json();
    assert_eq!(rows.as_array().must().len(), pooled.len());
    for (i, row) in rows.as_array().must().iter().enumerate() {
        assert_eq!(row["rank"], i + 1);
        for part in [
            "national_poverty_county",
            "poor_villages",
            "relocation_households",
            "poor_households",
            "explanation_zh",
        ] {
            assert!(row.get(part).is_some(), "{part}");
        }
    }
    let mine = app.get(&county, "/api/ranking").await.json();
    assert!(
        mine.as_array()
            .must()
            .iter()
            .all(|r| r["county"] == "511722")
    );
    let page = app.get(&city, "/ranking").await;
    assert_eq!(page.status, StatusCode::OK);
    if !pooled.is_empty() {
        assert!(page.body.contains("id=\"ranking-table\""));
        assert!(
            page.body
                .contains(&format!("id=\"rank-{}\"", pooled[0].code))
        );
    }
    assert_eq!(
        app.get(&city, "/api/ranking?as_of=yesterday").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
