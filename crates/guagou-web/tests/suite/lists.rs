//! Lists a clerk can work with (issue 14 item 7): search, filters, sorting, paging and Excel
//! export, over what the user may read only.

use crate::common::{Must, complete_demo_app};
use axum::http::StatusCode;
use std::io::Read as _;

/// The project codes of a list page, in order.
fn listed_codes(body: &str) -> Vec<String> {
    body.split("<a href=\"/projects/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|code| code.matches('-').count() == 2 && !code.contains('/'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_list_filters_sorts_pages_and_exports() {
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    let all = app.get(&city, "/projects").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("id=\"projects-filters\""), "{}", all.body);
    let every = listed_codes(&all.body);
    assert!(every.len() > 5, "{every:?}");
    // County names, not codes, in the cells and the county filter.
    assert!(
        all.body.contains(">宣汉县<")
            && all
                .body
                .contains("<option value=\"511722\">宣汉县</option>")
    );

    // A county: only its projects.
    let xuanhan = app.get(&city, "/projects?county=511722").await;
    let codes = listed_codes(&xuanhan.body);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c.starts_with("511722-")),
        "{codes:?}"
    );
    // A state and a search word combine.
    let closed = app.get(&city, "/projects?state=closed").await;
    let table = closed.body.split("<tbody>").nth(1).must();
    assert!(
        table.contains(">已关闭<") && !table.contains(">实施中<"),
        "{table}"
    );
    let words = app.get(&city, "/projects?q=%E5%8D%97%E5%9D%9D").await; // 南坝
    assert!(listed_codes(&words.body).len() < every.len());
    // Nothing matches: said so.
    let none = app.get(&city, "/projects?q=no-such-project").await;
    assert!(none.body.contains("id=\"projects-empty\""));
    // Sorting by planned surplus, both ways: the order reverses.
    let up = listed_codes(&app.get(&city, "/projects?sort=surplus").await.body);
    let down = listed_codes(&app.get(&city, "/projects?sort=surplus&dir=desc").await.body);
    assert_eq!(up.len(), down.len());
    assert_ne!(up, down);
    assert_eq!(up.first(), down.last());
    // A year of submission.
    // A year of submission (the demo's projects were submitted in 2018; drafts never were).
    let y2018 = listed_codes(&app.get(&city, "/projects?year=2018").await.body);
    assert!(!y2018.is_empty() && y2018.len() < every.len(), "{y2018:?}");
    let y2030 = listed_codes(&app.get(&city, "/projects?year=2030").await.body);
    assert!(y2030.is_empty(), "{y2030:?}");
    // Bad values never fail the page.
    let odd = app
        .get(&city, "/projects?year=x&from=yesterday&page=-3&sort=nope")
        .await;
    assert_eq!(odd.status, StatusCode::OK);

    // The export holds the filtered rows, with names and numbers.
    let (status, content_type, bytes) =
        crate::reports::get_bytes(&app, &city, "/projects?county=511722&format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).must();
    let mut strings = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .must()
        .read_to_string(&mut strings)
        .must();
    assert!(
        strings.contains("宣汉县") && strings.contains("计划节余"),
        "{strings}"
    );
    for code in &codes {
        assert!(
            strings.contains(code.as_str()),
            "{code} missing from the export"
        );
    }
    assert!(
        !strings.contains("511725-"),
        "another county's project in the export"
    );

    // A county user never sees another county's projects, whatever the filter says.
    let county = app.login("county").await;
    let theirs = listed_codes(&app.get(&county, "/projects?county=511725").await.body);
    assert!(theirs.is_empty(), "{theirs:?}");
}

/// The rows of a list's table (between `<tbody>` and `</tbody>`).
fn table_body(body: &str) -> &str {
    body.split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_market_and_inspection_lists_filter_and_export() {
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    let market = app.get(&city, "/market").await;
    assert_eq!(market.status, StatusCode::OK);
    let all = table_body(&market.body).matches("<tr>").count();
    assert!(all >= 2, "{}", market.body);
    let open = app.get(&city, "/market?state=open").await;
    let open_rows = table_body(&open.body);
    assert!(open_rows.matches("<tr>").count() < all, "{open_rows}");
    assert!(
        open_rows.contains(">挂牌中<") && !open_rows.contains(">已结算<"),
        "{open_rows}"
    );
    let (status, content_type, bytes) =
        crate::reports::get_bytes(&app, &city, "/market?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml") && bytes.starts_with(b"PK"));

    let inspections = app.get(&city, "/supervision/inspections").await;
    assert_eq!(inspections.status, StatusCode::OK);
    let rows = table_body(&inspections.body);
    assert!(rows.contains("宣汉县"), "{rows}");
    let elsewhere = app
        .get(&city, "/supervision/inspections?county=511781")
        .await;
    assert!(!table_body(&elsewhere.body).contains("宣汉县"));
    let open = app.get(&city, "/supervision/inspections?state=open").await;
    assert!(!table_body(&open.body).contains("已办结"), "{}", open.body);
    let (status, _, bytes) =
        crate::reports::get_bytes(&app, &city, "/supervision/inspections?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.starts_with(b"PK"));
}

/// The strings of an exported workbook.
fn workbook_strings(bytes: Vec<u8>) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).must();
    let mut strings = String::new();
    archive
        .by_name("xl/sharedStrings.xml")
        .must()
        .read_to_string(&mut strings)
        .must();
    strings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_exports_what_the_user_reads_and_filters() {
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, "/audit?action=ledger.").await;
    assert!(
        page.body.contains("href=\"/audit.xlsx?action=ledger.\""),
        "{}",
        page.body
    );
    let (status, content_type, bytes) =
        crate::reports::get_bytes(&app, &city, "/audit.xlsx?action=ledger.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let strings = workbook_strings(bytes);
    assert!(
        strings.contains("操作人") && strings.contains("指标台账"),
        "{strings}"
    );
    assert!(
        !strings.contains("项目流程"),
        "the filter kept other actions: {strings}"
    );
    // A county exports only its own records.
    let county = app.login("county").await;
    let (_, _, bytes) = crate::reports::get_bytes(&app, &county, "/audit.xlsx").await;
    let strings = workbook_strings(bytes);
    assert!(strings.contains("511722"), "{strings}");
    assert!(
        !strings.contains("GP-511723"),
        "another county's listing: {strings}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funds_entries_filter_and_export_money_in_yuan() {
    let entries = |body: &str| {
        body.split("id=\"funds-entries-table\"")
            .nth(1)
            .map(table_body)
            .unwrap_or_default()
            .to_owned()
    };
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, "/funds").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = entries(&page.body);
    assert!(rows.contains("/funds/entries/"), "{}", page.body);
    let proceeds = entries(&app.get(&city, "/funds?state=proceeds").await.body);
    assert!(
        proceeds.contains("流转收益到账") && !proceeds.contains(">支出<"),
        "{proceeds}"
    );
    // Money in 元 with separators, sorted as money.
    assert!(
        proceeds.contains(".00<") && proceeds.contains(','),
        "{proceeds}"
    );
    let (status, _, bytes) = crate::reports::get_bytes(&app, &city, "/funds?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let strings = workbook_strings(bytes);
    assert!(
        strings.contains("金额（元）") && strings.contains("流转收益到账"),
        "{strings}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreements_are_listed_to_their_two_sides_only() {
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, "/market/agreements").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = table_body(&page.body).to_owned();
    let count = rows.matches("<tr>").count();
    assert!(count >= 1, "{}", page.body);
    assert!(
        app.get(&city, "/market")
            .await
            .body
            .contains("id=\"agreements-link\"")
    );
    // Settled ones by the state filter; money in 元.
    let settled = app.get(&city, "/market/agreements?state=settled").await;
    assert!(
        table_body(&settled.body).contains(">已结算<"),
        "{}",
        settled.body
    );
    // A county sees the agreements it sells or buys, and no other.
    let other = app.login("other").await; // 开江县
    let theirs = app.get(&other, "/market/agreements").await;
    let their_rows = table_body(&theirs.body);
    let their_count = their_rows.matches("<tr>").count();
    assert!(their_count >= 1 && their_count <= count, "{their_rows}");
    for row in their_rows.split("<tr>").skip(1) {
        assert!(
            row.contains("开江县"),
            "an agreement 开江 is not party to: {row}"
        );
    }
    let (status, _, bytes) =
        crate::reports::get_bytes(&app, &city, "/market/agreements?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(workbook_strings(bytes).contains("总价（元）"));
}
