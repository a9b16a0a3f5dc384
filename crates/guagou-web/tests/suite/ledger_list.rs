//! The ledger's journal entries as a list (issue 14 item 7): what a county may read only,
//! filters and sorting that change what is listed, the Excel export, odd values that never
//! fail the page.

use crate::common::{Must, complete_demo_app};
use axum::http::StatusCode;
use std::io::Read as _;

/// The rows of the entries table (between `<tbody>` and `</tbody>`).
fn rows(body: &str) -> Vec<String> {
    body.split("id=\"ledger-entries-table\"")
        .nth(1)
        .and_then(|rest| rest.split("<tbody>").nth(1))
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_default()
        .split("<tr>")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// The entry numbers of the rows, in order.
fn seqs(rows: &[String]) -> Vec<u64> {
    rows.iter()
        .filter_map(|r| {
            r.split("href=\"/ledger/entries/")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.parse().ok())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_list_shows_what_the_reader_reads_filters_sorts_and_exports() {
    let app = complete_demo_app().await;
    let city = app.login("city").await;
    // Linked from the ledger page; under 指标台账 in the menu.
    let ledger = app.get(&city, "/ledger").await;
    assert!(
        ledger
            .body
            .contains("id=\"ledger-entries-link\" href=\"/ledger/entries\""),
        "{}",
        ledger.body
    );
    let page = app.get(&city, "/ledger/entries").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("aria-current=\"page\">指标台账"),
        "{}",
        page.body
    );
    let all = rows(&page.body);
    assert!(all.len() > 3, "{}", page.body);
    // Names, not codes: the kind and the county by name, the code in the tooltip.
    assert!(
        page.body.contains("title=\"511722\">宣汉县<") && page.body.contains(">验收核发<"),
        "{}",
        page.body
    );

    // A county reads only entries of its own accounts: every row is its county's.
    let county = app.login("county").await;
    let own = rows(&app.get(&county, "/ledger/entries").await.body);
    assert!(!own.is_empty());
    for row in &own {
        assert!(
            row.contains("title=\"511722\""),
            "another county's entry: {row}"
        );
    }
    assert!(own.len() < all.len(), "{own:?}");
    // Asking for another county gives nothing, not its entries.
    let theirs = rows(&app.get(&county, "/ledger/entries?county=511723").await.body);
    assert!(theirs.is_empty(), "{theirs:?}");
    // Every entry the county lists opens for it; one it does not list answers not found.
    let listed = seqs(&own);
    for seq in listed.iter().take(3) {
        let entry = app.get(&county, &format!("/ledger/entries/{seq}")).await;
        assert_eq!(entry.status, StatusCode::OK);
    }
    let hidden = seqs(&all).into_iter().find(|s| !listed.contains(s));
    if let Some(seq) = hidden {
        let entry = app.get(&county, &format!("/ledger/entries/{seq}")).await;
        assert_eq!(entry.status, StatusCode::NOT_FOUND);
    }

    // A county filter and a kind filter narrow the list.
    let xuanhan = rows(&app.get(&city, "/ledger/entries?county=511722").await.body);
    assert!(!xuanhan.is_empty() && xuanhan.len() < all.len());
    assert!(xuanhan.iter().all(|r| r.contains("title=\"511722\"")));
    let issues = rows(&app.get(&city, "/ledger/entries?state=issue").await.body);
    assert!(!issues.is_empty() && issues.len() < all.len(), "{issues:?}");
    assert!(
        issues.iter().all(|r| r.contains(">验收核发<")),
        "{issues:?}"
    );
    let far = rows(&app.get(&city, "/ledger/entries?year=1990").await.body);
    assert!(far.is_empty(), "{far:?}");

    // Sorting by entry number both ways: the order reverses.
    let up = seqs(&rows(
        &app.get(&city, "/ledger/entries?sort=seq").await.body,
    ));
    let down = seqs(&rows(
        &app.get(&city, "/ledger/entries?sort=seq&dir=desc")
            .await
            .body,
    ));
    assert!(up.len() > 1 && up.windows(2).all(|w| w[0] < w[1]), "{up:?}");
    assert_eq!(up.first(), down.last());
    assert_ne!(up, down);

    // Unknown or unreadable values never fail the page.
    let odd = app
        .get(
            &city,
            "/ledger/entries?state=nope&county=999999&year=x&from=yesterday&sort=zzz&page=-2",
        )
        .await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(
        odd.body.contains("id=\"ledger-entries-empty\""),
        "{}",
        odd.body
    );

    // The export opens: a workbook with the headers and names.
    let (status, content_type, bytes) =
        crate::reports::get_bytes(&app, &city, "/ledger/entries?state=issue&format=xlsx").await;
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
        strings.contains("生效日期") && strings.contains("验收核发"),
        "{strings}"
    );
    assert!(
        !strings.contains(">流转<"),
        "the filter kept other kinds: {strings}"
    );
}

/// The `<datalist id="…">` of a page (empty when there is none).
fn datalist<'a>(body: &'a str, id: &str) -> &'a str {
    body.split(&format!("<datalist id=\"{id}\">"))
        .nth(1)
        .and_then(|rest| rest.split("</datalist>").next())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_offer_the_readers_divisions_by_name_instead_of_typed_codes() {
    let app = complete_demo_app().await;
    // The upload form of a county: its townships and villages by name, the code as the value;
    // the fields keep their names.
    let county = app.login("county").await; // 宣汉县 511722
    let form = app.get(&county, "/projects/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains("name=\"township\" id=\"field-township\"")
            && form.body.contains("list=\"picker-townships\""),
        "{}",
        form.body
    );
    let townships = datalist(&form.body, "picker-townships");
    assert!(
        townships.contains("<option value=\"511722"),
        "{}",
        form.body
    );
    assert!(!townships.contains("value=\"511723"), "{townships}");
    // Names, not only codes: every option has a label that is not its code.
    for option in townships.split("<option ").skip(1) {
        let value = option.split('"').nth(1).unwrap_or_default();
        let label = option
            .split('>')
            .nth(1)
            .and_then(|l| l.split('<').next())
            .unwrap_or_default();
        assert!(!label.is_empty() && label != value, "{option}");
    }
    let villages = datalist(&form.body, "picker-villages");
    assert!(
        villages.contains("<option value=\"511722") && !villages.contains("value=\"511723"),
        "{villages}"
    );
    // Several villages: the field keeps its name and takes typed codes; a chooser without a
    // name (never sent) adds villages picked by name, listed under the field.
    for part in [
        "name=\"villages\" id=\"field-villages\"",
        "data-adds-to=\"field-villages\" list=\"picker-villages\"",
        "data-names-of=\"field-villages\"",
    ] {
        assert!(form.body.contains(part), "{part}: {}", form.body);
    }
    // Another county sees its own and not 宣汉's.
    let other = app.login("other").await; // 开江县 511723
    let theirs = app.get(&other, "/projects/new").await;
    let their_townships = datalist(&theirs.body, "picker-townships");
    assert!(
        !their_townships.contains("value=\"511722"),
        "{their_townships}"
    );

    // The ledger: the city grants annual plan quota to its counties, picked by name.
    let city = app.login("city").await;
    let ledger = app.get(&city, "/ledger").await;
    assert!(
        ledger.body.contains("name=\"county\""),
        "the grant form keeps its field: {}",
        ledger.body
    );
    let counties = datalist(&ledger.body, "picker-grant-counties");
    assert!(
        counties.contains("<option value=\"511722\">宣汉县</option>"),
        "{counties}"
    );
    assert!(
        !counties.contains("value=\"511700\""),
        "a city is no grantee: {counties}"
    );
}
