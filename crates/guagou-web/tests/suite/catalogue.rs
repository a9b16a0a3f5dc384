//! The page catalogue's build-time checks (`build/catalogue.rs`): a catalogue that would show a
//! reader a missing or mismatched text fails the build, with the file and key named.

#[path = "../../build/catalogue.rs"]
#[allow(dead_code)]
mod check;

use std::path::Path;

fn catalogue(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

fn refusal(files: &[(&str, &str)]) -> String {
    let dir = catalogue(files);
    match check::read_all(dir.path()) {
        Ok(_) => panic!("the catalogue {files:?} was accepted"),
        Err(why) => why,
    }
}

#[test]
fn a_good_catalogue_is_read_from_every_file() {
    let dir = catalogue(&[
        ("a.toml", "all = { zh = \"全部\", en = \"All\" }\n"),
        (
            "b.toml",
            "days_left = { zh = \"还剩 {days} 天\", en = \"{days} days left\" }\n",
        ),
        ("notes.md", "not a catalogue"),
    ]);
    let entries = check::read_all(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries.len(), 2);
    let code = check::render(&entries);
    assert!(code.contains("pub const ALL: Key = Key(0);"), "{code}");
    assert!(
        code.contains("pub const DAYS_LEFT: Key = Key(1);"),
        "{code}"
    );
}

#[test]
fn a_missing_language_an_empty_text_or_an_unknown_one_fails() {
    let why = refusal(&[("a.toml", "all = { zh = \"全部\" }\n")]);
    assert!(
        why.contains("a.toml") && why.contains("`all` has no `en` text"),
        "{why}"
    );
    let why = refusal(&[("a.toml", "all = { zh = \" \", en = \"All\" }\n")]);
    assert!(why.contains("`all` has no `zh` text"), "{why}");
    let why = refusal(&[(
        "a.toml",
        "all = { zh = \"全部\", en = \"All\", fr = \"Tout\" }\n",
    )]);
    assert!(why.contains("unknown language `fr`"), "{why}");
}

#[test]
fn a_key_twice_across_files_or_a_bad_key_fails() {
    let why = refusal(&[
        ("a.toml", "all = { zh = \"全部\", en = \"All\" }\n"),
        ("b.toml", "all = { zh = \"所有\", en = \"Every\" }\n"),
    ]);
    assert!(
        why.contains("b.toml") && why.contains("already defined in"),
        "{why}"
    );
    assert!(why.contains("a.toml"), "{why}");
    let why = refusal(&[("a.toml", "All = { zh = \"全部\", en = \"All\" }\n")]);
    assert!(why.contains("must be lower-case"), "{why}");
}

#[test]
fn languages_must_name_the_same_placeholders() {
    let why = refusal(&[(
        "a.toml",
        "days_left = { zh = \"还剩 {days} 天\", en = \"{count} days left\" }\n",
    )]);
    assert!(why.contains("`days_left` names"), "{why}");
    assert_eq!(
        check::placeholders("{a} and {b_2} but not { c } or {}"),
        ["a".to_owned(), "b_2".to_owned()].into_iter().collect()
    );
}

#[test]
fn the_shipped_catalogue_passes_its_own_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
    let entries = check::read_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(entries.len() > 500, "{} entries", entries.len());
}

/// Every entry of the catalogue is shown somewhere: a text no page uses is a text nobody
/// checks. (Pages name entries as `k::NAME` in the sources and the templates.)
#[test]
fn every_catalogue_entry_is_used_by_a_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = String::new();
    for dir in ["src", "templates"] {
        read_tree(&root.join(dir), &mut sources);
    }
    let entries = check::read_all(&root.join("catalogue")).unwrap_or_else(|e| panic!("{e}"));
    let unused: Vec<&String> = entries
        .keys()
        .filter(|key| !uses(&sources, &key.to_ascii_uppercase()))
        .collect();
    assert!(unused.is_empty(), "unused catalogue entries: {unused:?}");
}

fn uses(sources: &str, constant: &str) -> bool {
    let needle = format!("k::{constant}");
    sources.match_indices(&needle).any(|(at, _)| {
        let next = sources[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn read_tree(dir: &Path, into: &mut String) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let path = entry.path();
        if path.is_dir() {
            read_tree(&path, into);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            into.push_str(&text);
        }
    }
}

/// Areas read in the reader's language (issue 14): an English page says `ha` and `mu`, never
/// 公顷 or 亩; the Chinese page says 公顷 and 亩. m² reads the same in both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn areas_are_shown_in_the_readers_units() {
    use crate::common::{Must, complete_demo_app};
    let app = complete_demo_app().await;
    let county = app.login("county").await;
    let path = "/projects/511722-2018-001";
    let chinese = app.get(&county, path).await;
    assert_eq!(chinese.status, axum::http::StatusCode::OK);
    assert!(
        chinese.body.contains(" 公顷 / ") && chinese.body.contains(" 亩)"),
        "{}",
        chinese.body
    );
    let request = axum::http::Request::get(path)
        .header(
            axum::http::header::COOKIE,
            format!(
                "guagou_session={}; guagou_lang=en",
                county.cookie.clone().must()
            ),
        )
        .body(axum::body::Body::empty())
        .must();
    let english = app.send(request).await;
    assert_eq!(english.status, axum::http::StatusCode::OK);
    assert!(
        english.body.contains(" ha / ") && english.body.contains(" mu)"),
        "{}",
        english.body
    );
    for unit in ["公顷", "亩"] {
        assert!(
            !english.body.contains(unit),
            "{unit} on the English project page:\n{}",
            english.body
        );
    }
}

/// Pages are built by templates, not by hand (issue 14): no `format!`, `write!`, `writeln!` or
/// `push_str` in `src/` may hold a string literal with an HTML tag (`<` followed by a letter,
/// `/` or `!`). Each offender is named by file and line. A call spans its lines up to the
/// closing parenthesis, so a literal on the next line counts. Comparisons such as `"<"` and
/// text such as `a < b` are not tags and pass.
#[test]
fn no_html_is_built_by_hand() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "src/ has its sources: {files:?}");
    let mut offenders = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        for (line, call) in builder_calls(&text) {
            if string_literals(&call).iter().any(|s| has_tag(s)) {
                let shown = path.strip_prefix(&root).unwrap_or(path).display();
                offenders.push(format!("src/{shown}:{line}: {}", first_line(&call)));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "HTML built with format!/write!/push_str (move it into a template or a partial):\n{}",
        offenders.join("\n")
    );
}

fn rust_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Every `format!(`, `write!(`, `writeln!(` and `push_str(` call of `text` (comments left
/// out): its line number and its text up to the matching parenthesis.
fn builder_calls(text: &str) -> Vec<(usize, String)> {
    const CALLS: [&str; 4] = ["format!(", "write!(", "writeln!(", "push_str("];
    let code: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for name in CALLS {
        for (at, _) in code.match_indices(name) {
            // `writeln!(` also contains `write`… only as a prefix check: skip `xwrite!(`.
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            let start = at + name.len();
            out.push((line, format!("{name}{}", balanced(&code[start..]))));
        }
    }
    out
}

/// The text up to the parenthesis that closes an already open one (strings skipped over).
fn balanced(rest: &str) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[..i];
                }
            }
            _ => {}
        }
    }
    rest
}

/// The contents of the plain and raw string literals of `code` (`"…"`, `r"…"`, `r#"…"#`).
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            // A char literal such as '"' is not a string.
            if let Some(end) = code[i + 1..].find('\'').filter(|n| *n <= 2) {
                i += end + 2;
                continue;
            }
        }
        if bytes[i] == b'r' && matches!(bytes.get(i + 1), Some(b'"' | b'#')) {
            let hashes = code[i + 1..].bytes().take_while(|b| *b == b'#').count();
            let open = i + 1 + hashes;
            if bytes.get(open) == Some(&b'"') {
                let close = format!("\"{}", "#".repeat(hashes));
                if let Some(end) = code[open + 1..].find(&close) {
                    out.push(code[open + 1..open + 1 + end].to_owned());
                    i = open + 1 + end + close.len();
                    continue;
                }
            }
        }
        if bytes[i] == b'"' {
            let mut j = i + 1;
            let mut escaped = false;
            while j < bytes.len() {
                match bytes[j] {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => break,
                    _ => {}
                }
                j += 1;
            }
            out.push(code[i + 1..j.min(bytes.len())].to_owned());
            i = j + 1;
            continue;
        }
        i += 1;
    }
    out
}

/// `<` followed by a letter, `/` or `!` (`<td`, `</p>`, `<!doctype`).
fn has_tag(literal: &str) -> bool {
    literal
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

fn first_line(call: &str) -> &str {
    call.lines().next().unwrap_or_default()
}

#[test]
fn the_html_source_check_finds_tags_and_passes_comparisons() {
    let code = "let a = format!(\"<td>{}</td>\", x);\nlet b = format!(\"{} < {}\", a, b);\n\
                s.push_str(\n    \"</p>\",\n);\nlet c = format!(\"{}\", '\"');";
    let calls = builder_calls(code);
    let tagged: Vec<usize> = calls
        .iter()
        .filter(|(_, call)| string_literals(call).iter().any(|s| has_tag(s)))
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(tagged, vec![1, 3]);
    assert!(!has_tag("a < b") && !has_tag("<") && has_tag("<!doctype html>"));
}
