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
