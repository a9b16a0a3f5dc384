//! Hostile packages uploaded to the pre-check (`POST /api/projects/check`): a `project.toml`
//! naming server files (`/etc/passwd`, `/proc/self/environ`, `/dev/zero`) is refused with
//! 422 `path_outside_package`, promptly, and the reply carries nothing of those files.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use guagou_registry::packages::zip_folder;

use crate::common::{Must, demo_app};
use crate::upload::{multipart, package_dir, post_multipart, replace_in};

/// The passing example with `from` in its `project.toml` replaced by `to`, zipped.
fn zip_naming(from: &str, to: &str) -> Vec<u8> {
    let dir = package_dir("xuanhan-nanba-pass");
    replace_in(&dir.path().join("project.toml"), from, to);
    zip_folder(dir.path()).must()
}

/// Text that would show the server's files or environment leaked into `body`.
fn leaks(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    if body.contains("root:") {
        found.push("root:".to_owned());
    }
    // /proc/self/environ is `KEY=value\0…`: no `KEY=` of this process may appear.
    for (key, value) in std::env::vars() {
        if key.len() >= 3 && body.contains(&format!("{key}=")) {
            found.push(format!("{key}="));
        }
        if value.len() >= 12 && body.contains(&value) {
            found.push(format!("the value of {key}"));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_files_named_by_a_package_are_refused_without_echo() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let csrf = Some(county.csrf.as_str());
    let cases = [
        (
            "file = \"households.csv\"",
            "/etc/passwd",
            "households.file",
        ),
        (
            "file = \"households.csv\"",
            "/proc/self/environ",
            "households.file",
        ),
        ("file = \"households.csv\"", "/dev/zero", "households.file"),
        (
            "relocation_file = \"relocation.csv\"",
            "/etc/passwd",
            "households.relocation_file",
        ),
        (
            "file = \"demolition.txt\"",
            "/etc/passwd",
            "parcels[0].file",
        ),
        (
            "file = \"households.csv\"",
            "../../../../../../../etc/passwd",
            "households.file",
        ),
    ];
    for (from, target, field) in cases {
        let key = from.split(" = ").next().must();
        let zip = zip_naming(from, &format!("{key} = \"{target}\""));
        let started = Instant::now();
        let reply = tokio::time::timeout(
            Duration::from_secs(30),
            post_multipart(
                &app,
                &county,
                "/api/projects/check",
                csrf,
                multipart(&[("as_of", "2019-07-15")], &[("package", "p.zip", &zip)]),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("{target}: no reply within 30 s"));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{target}: {:?}",
            started.elapsed()
        );
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{target}: {}",
            reply.body
        );
        let problem = reply.json();
        assert_eq!(problem["code"], "path_outside_package", "{}", reply.body);
        assert_eq!(problem["field"], field, "{}", reply.body);
        for language in ["message_zh", "message_en"] {
            let text = problem[language].as_str().must();
            assert!(
                text.contains("project.toml") && text.contains(field) && text.contains(target),
                "{text}"
            );
            assert!(!text.contains("guagou-upload-"), "{text}");
        }
        assert_eq!(leaks(&reply.body), Vec::<String>::new(), "{}", reply.body);
    }
    assert!(
        app.registry
            .auditor()
            .project("511722-2018-003")
            .await
            .is_err(),
        "nothing registered"
    );
}
