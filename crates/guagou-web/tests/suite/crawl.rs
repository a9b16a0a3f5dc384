//! Every user clicking through: starting from the dashboard, follow every same-site link of
//! every page (in Chinese and in English) and require that none answers a server error and that
//! every page a link leads to is readable (a link the user is shown must not be a dead end).

use std::collections::{BTreeSet, VecDeque};

use crate::common::{Must, Session, TestApp, complete_demo_app};
use axum::body::Body;
use axum::http::{Request, header};

/// Pages per user and language; the demo has fewer than this many distinct links.
const MAX_PAGES: usize = 400;

/// The links of a page: `href="/…"` values, without fragments; actions that change state
/// (logout, language switch) are not followed.
fn links(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        let href = rest[..end].replace("&amp;", "&");
        rest = &rest[end..];
        let href = href.split('#').next().unwrap_or_default().to_owned();
        if href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/lang/") {
            out.push(href);
        }
    }
    out
}

async fn get(app: &TestApp, session: &Session, lang: &str, path: &str) -> (u16, String) {
    let mut cookies = format!("guagou_lang={lang}");
    if let Some(cookie) = &session.cookie {
        cookies.push_str(&format!("; guagou_session={cookie}"));
    }
    let request = Request::get(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .must();
    let reply = app.send(request).await;
    (reply.status.as_u16(), reply.body)
}

async fn crawl(app: &TestApp, who: &str, session: &Session, lang: &str) -> Vec<String> {
    crawl_pages(app, who, session, lang, &mut |_, _| {}).await
}

/// Follows every same-site link from the dashboard as `session`, handing each HTML page to
/// `inspect(path, body)`; returns the problems found (errors, dead links, wrong language).
pub(crate) async fn crawl_pages(
    app: &TestApp,
    who: &str,
    session: &Session,
    lang: &str,
    inspect: &mut dyn FnMut(&str, &str),
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([
        (String::from("/"), String::from("start")),
        (String::from("/public"), String::from("start")),
    ]);
    let mut problems = Vec::new();
    while let Some((path, from)) = queue.pop_front() {
        if seen.len() >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let (status, body) = get(app, session, lang, &path).await;
        if status >= 500 || status == 404 || status == 403 {
            problems.push(format!(
                "{who} ({lang}) GET {path} → {status} (linked from {from})"
            ));
            continue;
        }
        let is_html = body.trim_start().starts_with("<!doctype html");
        if is_html {
            inspect(&path, &body);
            if !body.contains(&format!("<html lang=\"{}\"", lang_code(lang))) {
                problems.push(format!(
                    "{who} ({lang}) GET {path}: not in the chosen language"
                ));
            }
            for link in links(&body) {
                if !seen.contains(&link) {
                    queue.push_back((link, path.clone()));
                }
            }
        }
    }
    problems
}

fn lang_code(lang: &str) -> &'static str {
    if lang == "en" { "en" } else { "zh-CN" }
}

/// One language at a time: a page's navigation and heading are in the chosen language only
/// (Chinese by default, English as a switch), never both side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_speaks_one_language_at_a_time() {
    let app = complete_demo_app().await;
    let session = app.login("city").await;
    for (lang, own, other) in [("zh", "工作台", "Dashboard"), ("en", "Dashboard", "工作台")] {
        let mut problems = Vec::new();
        let mut pages = 0;
        let mut inspect = |path: &str, body: &str| {
            pages += 1;
            let header = body
                .split("<header>")
                .nth(1)
                .and_then(|rest| rest.split("</header>").next())
                .unwrap_or_default();
            let heading = body
                .split("<h1>")
                .nth(1)
                .and_then(|rest| rest.split("</h1>").next())
                .unwrap_or_default();
            // The villagers' pages have no navigation (no session): their heading counts.
            if header.contains("<nav>") && (!header.contains(own) || header.contains(other)) {
                problems.push(format!("{lang} {path}: navigation not in one language"));
            }
            if heading.contains("class=\"en\"") {
                problems.push(format!(
                    "{lang} {path}: heading in two languages: {heading}"
                ));
            }
        };
        let failures = crawl_pages(&app, "city", &session, lang, &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
        assert!(pages > 20, "{pages} pages crawled");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// The date inputs of a page's POST forms that date the write itself (not a period's start or
/// end, not a deadline) and have no `max` (today).
fn write_dates_without_max(body: &str) -> Vec<String> {
    const WRITE_DATES: &[&str] = &[
        "as_of",
        "received_on",
        "paid_on",
        "reviewed_on",
        "found_on",
        "inspected_on",
        "lifted_on",
        "decided_on",
    ];
    let mut out = Vec::new();
    for form in body.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or_default();
        let opening = form.split('>').next().unwrap_or_default();
        if !opening.contains("method=\"post\"") {
            continue;
        }
        for input in form.split("<input").skip(1) {
            let tag = input.split('>').next().unwrap_or_default();
            let named = WRITE_DATES
                .iter()
                .any(|n| tag.contains(&format!("name=\"{n}\"")));
            if tag.contains("type=\"date\"") && named && !tag.contains("max=\"") {
                out.push(tag.to_owned());
            }
        }
    }
    out
}

/// Raw RFC 3339 stamps in a page's text (`…T02:58:28Z`, `…T10:58:22+08:00`), outside
/// attributes and scripts: every time is shown as Asia/Shanghai wall time.
fn raw_timestamps(body: &str) -> Vec<String> {
    let text: String = {
        // Drop tags (attribute values may carry machine times, e.g. data-*).
        let mut out = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (i, _) in text.match_indices('T') {
        // YYYY-MM-DDTHH:MM:SS then Z or ±HH:MM
        if i < 10 || i + 9 > bytes.len() {
            continue;
        }
        let date = &bytes[i - 10..i];
        let time = &bytes[i + 1..i + 9];
        let shaped = |part: &[u8], pattern: &[u8]| {
            part.iter().zip(pattern).all(|(c, p)| {
                if *p == b'9' {
                    c.is_ascii_digit()
                } else {
                    c == p
                }
            })
        };
        if shaped(date, b"9999-99-99") && shaped(time, b"99:99:99") {
            found.push(
                String::from_utf8_lossy(&bytes[i - 10..(i + 15).min(bytes.len())]).into_owned(),
            );
        }
    }
    found
}

/// snake_case words (record keys such as `ledger_entry:12` included), command-line flags and
/// repository paths in a page's text (outside tags, `<code>` and `<pre>`; rule IDs are upper
/// case): developer words that a clerk should never read.
/// The text a reader sees: tags, scripts, styles and code blocks removed.
fn visible_text(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut skip = 0usize;
    let mut tag = String::new();
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' => {
                in_tag = false;
                let name = tag.split_whitespace().next().unwrap_or_default().to_owned();
                match name.as_str() {
                    "code" | "pre" | "style" | "script" => skip += 1,
                    "/code" | "/pre" | "/style" | "/script" => skip = skip.saturating_sub(1),
                    _ => {}
                }
                text.push(' ');
            }
            c if in_tag => tag.push(c),
            c if skip == 0 => text.push(c),
            _ => {}
        }
    }
    text
}

/// The page without the leaf elements that are not to be read as page text: names and codes
/// marked `translate="no"` and the language switch written in its own language (`lang="en"`).
fn without_untranslated(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = ["translate=\"no\"", " lang=\"en\""]
        .iter()
        .filter_map(|marker| rest.find(marker))
        .min()
    {
        let open = rest[..at].rfind('<').unwrap_or(at);
        out.push_str(&rest[..open]);
        let after = &rest[at..];
        let close = after
            .find("</")
            .and_then(|i| after[i..].find('>').map(|j| i + j + 1))
            .unwrap_or(after.len());
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

/// The English words a reader sees (two letters or more). Codes, identifiers, file names and
/// numbers (any token with a digit, `_`, `.`, `@`, `:` or `/`) are not words, nor are units and
/// the names of formats a Chinese page writes in Latin letters.
fn english_words(body: &str) -> Vec<String> {
    const LATIN_IN_CHINESE: &[&str] = &[
        "m²",
        "Excel",
        "PDF",
        "CSV",
        "GeoJSON",
        "Shapefile",
        "SHA",
        "ZIP",
        "TXT",
        "JSON",
        "GBK",
        "API",
        "ID",
        "guagou",
        "Ctrl",
        "JavaScript",
    ];
    let text = visible_text(&without_untranslated(body))
        .replace("&amp;", "&")
        .replace("&nbsp;", " ");
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_.-+@:/'²".contains(c)))
        .map(|w| w.trim_matches(|c: char| ".-:/'".contains(c)))
        .filter(|w| !w.contains(|c: char| c.is_ascii_digit() || "_.@:/".contains(c)))
        .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .filter(|w| !LATIN_IN_CHINESE.iter().any(|l| l.eq_ignore_ascii_case(w)))
        .map(str::to_owned)
        .collect()
}

fn snake_words(body: &str) -> Vec<String> {
    let text = visible_text(body);
    let mut found: Vec<String> = text
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':' || c == '-' || c == '/')
        })
        .map(|w| w.trim_matches(|c| c == '.' || c == ':' || c == '/'))
        .filter(|w| w.contains('_') && w.chars().any(|c| c.is_ascii_lowercase()))
        .map(str::to_owned)
        .collect();
    // Command-line flags and repository paths are the developer's words too.
    for word in text.split_whitespace() {
        let flag =
            word.starts_with("--") && word[2..].starts_with(|c: char| c.is_ascii_lowercase());
        let path = ["docs/", "crates/", "src/", ".rs", "/tmp/", "target/"]
            .iter()
            .any(|p| word.contains(p));
        if flag || path {
            found.push(word.to_owned());
        }
    }
    found
}

/// No developer identifier (snake_case) in the text of any page a county, the city or audit
/// reads, in Chinese (issue 14: names, never codes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_names_not_identifiers() {
    let app = complete_demo_app().await;
    let mut found = std::collections::BTreeMap::<String, String>::new();
    for who in ["county", "city", "audit"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            for word in snake_words(body) {
                found.entry(word).or_insert_with(|| path.to_owned());
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    let list: Vec<String> = found.iter().map(|(w, p)| format!("{w} ({p})")).collect();
    assert!(
        found.is_empty(),
        "{} identifiers:\n{}",
        found.len(),
        list.join("\n")
    );
}

/// A Chinese page is Chinese: at most three English words a reader sees on any page a county,
/// the city or audit reaches (rule IDs, units and format names aside).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_pages_have_at_most_three_english_words() {
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    for who in ["county", "city", "audit"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            let words = english_words(body);
            if words.len() > 3 {
                problems.push(format!("{who} {path}: {}", words.join(" ")));
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every signed-in page but the dashboard says where it is: breadcrumbs from the dashboard,
/// the last step the page itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_shows_its_breadcrumbs() {
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    let mut shown = 0;
    for who in ["county", "city"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            if !body.contains("id=\"nav-home\"") || path == "/" {
                return;
            }
            match body.split("id=\"breadcrumbs\"").nth(1) {
                Some(rest) => {
                    let trail = rest.split("</nav>").next().unwrap_or_default();
                    if trail.contains("href=\"/\"") && trail.contains("aria-current=\"page\"") {
                        shown += 1;
                    } else {
                        problems.push(format!("{who} {path}: {trail}"));
                    }
                }
                None => problems.push(format!("{who} {path}: no breadcrumbs")),
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    assert!(shown > 20, "{shown} pages with breadcrumbs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Consequential steps (a project's lifecycle step, the deadline scan, the yearly allocation,
/// every ledger operation, every market step) ask first: their forms carry `data-confirm`,
/// which the page's script turns into a question (issue 14).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consequential_steps_ask_before_they_are_taken() {
    const CONSEQUENTIAL: &[&str] = &[
        "/actions/",
        "/supervision/scan",
        "/supervision/allocation",
        "/ledger/operations",
        "/market/",
    ];
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    let mut asked = 0;
    for who in ["county", "city", "province"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            for form in body.split("<form").skip(1) {
                let opening = form.split('>').next().unwrap_or_default();
                let action = opening
                    .split("action=\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default();
                if !opening.contains("method=\"post\"")
                    || !CONSEQUENTIAL.iter().any(|c| action.contains(c))
                {
                    continue;
                }
                if opening.contains("data-confirm=\"") {
                    asked += 1;
                } else {
                    problems.push(format!("{who} {path}: {action} does not ask"));
                }
            }
            if body.contains("data-confirm") && !body.contains("/assets/confirm.js") {
                problems.push(format!("{who} {path}: no confirm script"));
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    assert!(asked > 10, "{asked} forms ask");
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Times on the pages are Asia/Shanghai wall times, never raw UTC or offset stamps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_are_shown_in_shanghai_time() {
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    for who in ["city", "audit"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            for stamp in raw_timestamps(body) {
                problems.push(format!("{who} {path}: {stamp}"));
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// SPEC §3: a write may be dated in the past, never after today. Every date field that dates a
/// write offers no day after today (a what-if is a preview, a GET form without the limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_forms_cannot_pick_a_day_after_today() {
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    let mut forms = 0;
    for who in ["county", "city", "province"] {
        let session = app.login(who).await;
        let mut inspect = |path: &str, body: &str| {
            forms += body.matches("method=\"post\"").count();
            for tag in write_dates_without_max(body) {
                problems.push(format!("{who} {path}: {tag}"));
            }
        };
        let failures = crawl_pages(&app, who, &session, "zh", &mut inspect).await;
        assert!(failures.is_empty(), "{failures:?}");
    }
    assert!(forms > 20, "{forms} forms seen");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_every_user_sees_answers_without_errors() {
    let app = complete_demo_app().await;
    let mut problems = Vec::new();
    for who in ["county", "other", "city", "audit", "province"] {
        let session = app.login(who).await;
        for lang in ["zh", "en"] {
            problems.extend(crawl(&app, who, &session, lang).await);
        }
    }
    // Villagers: no session, the public pages only.
    problems.extend(crawl_public(&app).await);
    assert!(
        problems.is_empty(),
        "dead or failing links:\n{}",
        problems.join("\n")
    );
}

async fn crawl_public(app: &TestApp) -> Vec<String> {
    let anonymous = Session::default();
    let mut problems = Vec::new();
    let (status, body) = get(app, &anonymous, "zh", "/public").await;
    if status != 200 {
        problems.push(format!("anonymous GET /public → {status}"));
    }
    for link in links(&body)
        .into_iter()
        .filter(|l| l.starts_with("/public"))
    {
        let (status, _) = get(app, &anonymous, "zh", &link).await;
        if status != 200 {
            problems.push(format!("anonymous GET {link} → {status}"));
        }
    }
    problems
}
