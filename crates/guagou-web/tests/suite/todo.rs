//! 待办中心 (issue 14 item 8): the dashboard lists what waits for the user, and the navigation
//! shows how many, for the user's own jurisdiction and department only.

use crate::common::{Must, PASSWORD, complete_demo_app, encode};
use axum::http::StatusCode;

/// The to-do section of a dashboard.
fn todo_section(body: &str) -> &str {
    let start = body
        .find("<section id=\"todo\"")
        .unwrap_or_else(|| panic!("no to-do section in {body}"));
    let end = body[start..].find("</section>").must();
    &body[start..start + end]
}

/// The number beside 工作台 (none when nothing waits).
fn nav_count(body: &str) -> usize {
    body.split("id=\"todo-count\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .map_or(0, |n| n.trim().parse().must())
}

fn rows(section: &str) -> usize {
    section.matches("<tr class=\"todo-").count()
}

/// The receipts of the objections listed (they follow `/notices/<code>">… · `).
fn objection_receipts(section: &str) -> Vec<String> {
    section
        .split("<tr class=\"todo-objection\"")
        .skip(1)
        .filter_map(|row| row.split(" · ").nth(1))
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_lists_what_waits_and_the_navigation_counts_it() {
    let app = complete_demo_app().await;
    let county = app.login("county").await;
    let home = app.get(&county, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let section = todo_section(&home.body);
    // 宣汉's objections to answer (one overdue, one within its answer period), its finding
    // to rectify and the project waiting for its step; county names, not codes.
    assert!(section.contains("id=\"todo-card-objection\""), "{section}");
    assert!(
        section.contains("id=\"todo-card-rectification\""),
        "{section}"
    );
    assert!(section.contains("id=\"todo-card-project\""), "{section}");
    assert!(
        section.contains("宣汉县") && section.contains("逾期"),
        "{section}"
    );
    let listed = rows(section);
    assert!(listed >= 3, "{section}");
    assert_eq!(nav_count(&home.body), listed, "{section}");
    // The count is on every page, not only the dashboard.
    let ledger = app.get(&county, "/ledger").await;
    assert_eq!(nav_count(&ledger.body), listed);

    // Another county sees none of 宣汉's work.
    let other = app.login("other").await;
    let section_other = app.get(&other, "/").await.body;
    let section_other = todo_section(&section_other);
    assert!(!section_other.contains("宣汉县"), "{section_other}");

    // Audit reads everything and has nothing to do: no count.
    let audit = app.login("audit").await;
    let home = app.get(&audit, "/").await;
    assert!(home.body.contains("id=\"todo-empty\""));
    assert_eq!(nav_count(&home.body), 0);

    // Answering an objection takes it off the list, and the count follows at once.
    let receipts = objection_receipts(section);
    let first = receipts.first().must();
    let form = format!(
        "csrf={}&answer={}&as_of=2026-12-01",
        county.csrf,
        encode("已复核并答复。")
    );
    let cookie = format!("guagou_session={}", county.cookie.clone().must());
    let answered = app
        .post_form(
            &cookie,
            &format!("/notices/objections/{first}/answer"),
            &form,
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let home = app.get(&county, "/").await;
    let after = todo_section(&home.body);
    assert_eq!(rows(after), listed - 1, "{after}");
    assert!(!after.contains(first.as_str()), "{after}");
    assert_eq!(nav_count(&home.body), listed - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_offers_what_the_department_works_with() {
    let app = complete_demo_app().await;
    guagou_web::create_user(&app.registry, "cz", "511700", "finance", PASSWORD)
        .await
        .must();
    guagou_web::create_user(&app.registry, "gh", "511722", "planning", PASSWORD)
        .await
        .must();
    let header = |body: &str| {
        let start = body.find("<header>").must();
        let end = body.find("</header>").must();
        body[start..end].to_owned()
    };
    let finance = app.login("cz").await;
    let menu = header(&app.get(&finance, "/").await.body);
    assert!(menu.contains("href=\"/funds\""), "{menu}");
    assert!(
        !menu.contains("href=\"/market\"") && !menu.contains("href=\"/ledger\""),
        "{menu}"
    );
    let planning = app.login("gh").await;
    let menu = header(&app.get(&planning, "/").await.body);
    assert!(menu.contains("href=\"/plans\""), "{menu}");
    assert!(
        !menu.contains("href=\"/funds\"") && !menu.contains("href=\"/supervision\""),
        "{menu}"
    );
    // Only a county land bureau registers projects; the city does not see the upload.
    let county = app.login("county").await;
    assert!(header(&app.get(&county, "/").await.body).contains("href=\"/projects/new\""));
    let city = app.login("city").await;
    let menu = header(&app.get(&city, "/").await.body);
    assert!(!menu.contains("href=\"/projects/new\"") && menu.contains("href=\"/market\""));
    // The current page is marked in the menu.
    let ledger = app.get(&city, "/ledger").await.body;
    assert!(
        ledger.contains("aria-current=\"page\">指标台账"),
        "{}",
        header(&ledger)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_page_speaks_the_readers_language_and_keeps_the_way_back() {
    let app = complete_demo_app().await;
    let county = app.login("county").await;
    let missing = app.get(&county, "/projects/511722-1999-999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("不存在或无权查看") && !missing.body.contains("not found"));
    assert!(missing.body.contains("id=\"back\""));
    let cookie = format!(
        "guagou_session={}; guagou_lang=en",
        county.cookie.clone().must()
    );
    let request = axum::http::Request::get("/projects/511722-1999-999")
        .header(axum::http::header::COOKIE, cookie)
        .body(axum::body::Body::empty())
        .must();
    let english = app.send(request).await;
    assert_eq!(english.status, StatusCode::NOT_FOUND);
    assert!(
        english.body.contains("<html lang=\"en\""),
        "{}",
        english.body
    );
    assert!(english.body.contains("not found") && !english.body.contains("不存在"));
}
