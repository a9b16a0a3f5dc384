//! Reports: numbers checked against sums re-derived here from the raw journal and the project
//! register (not through the report code), rights (a county sees its own county only, in the
//! page, the API and the Excel file), the page's charts without inline scripts, and the Excel
//! workbook (opened as a zip, and with LibreOffice when it is installed).

use std::collections::BTreeMap;
use std::io::Read as _;

use crate::common::{Must, Session, TestApp, demo_app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use guagou_domain::ledger::{Account, Operation};
use serde_json::Value;
use tower::ServiceExt;

const AS_OF: &str = "2030-12-31";

/// Per-division sums of the quota numbers, derived from the raw journal.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sums {
    issued: i64,
    advanced: i64,
    repaid: i64,
    used: i64,
    out: i64,
    into: i64,
    revenue_fen: i64,
    deducted: i64,
}

/// Re-derives the quota numbers per division (optionally only in `year`) from the store's
/// entries, the projects' counties and the listings' sellers.
async fn sums_from_journal(app: &TestApp, year: Option<i32>) -> BTreeMap<String, Sums> {
    use chrono::Datelike as _;
    let auditor = app.registry.auditor();
    let scope = auditor.read_scope().await.must();
    let entries = auditor.journal_entries(&scope).await.must();
    let counties: BTreeMap<String, String> = auditor
        .projects(None)
        .await
        .must()
        .into_iter()
        .map(|p| (p.code, p.county))
        .collect();
    let reversed: Vec<u64> = entries
        .iter()
        .filter_map(|e| match e.operation {
            Operation::Reverse { seq } => Some(seq),
            _ => None,
        })
        .collect();
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for e in &entries {
        if reversed.contains(&e.seq) || year.is_some_and(|y| y != e.meta.effective.year()) {
            continue;
        }
        match &e.operation {
            Operation::Advance { project, amount_m2 } => {
                sums.entry(counties[project].clone()).or_default().advanced += amount_m2;
            }
            Operation::Issue {
                project,
                confirmed_m2,
                ..
            } => {
                let settled: i64 = e
                    .legs
                    .iter()
                    .filter(|l| matches!(&l.account, Account::Advance { .. }))
                    .map(|l| l.amount_m2)
                    .sum();
                let s = sums.entry(counties[project].clone()).or_default();
                s.issued += confirmed_m2;
                s.repaid += settled;
            }
            Operation::Use {
                division,
                amount_m2,
                ..
            } => sums.entry(division.to_string()).or_default().used += amount_m2,
            Operation::Transfer {
                listing,
                buyer,
                amount_m2,
                ..
            } => {
                let money = e.money_fen.must();
                let seller = scope.listing_seller(listing).must().to_string();
                let seller = sums.entry(seller).or_default();
                seller.out += amount_m2;
                seller.revenue_fen += money;
                sums.entry(buyer.to_string()).or_default().into += amount_m2;
            }
            Operation::Deduct {
                county, amount_m2, ..
            } => sums.entry(county.to_string()).or_default().deducted += amount_m2,
            _ => {}
        }
    }
    sums
}

fn sums_of_row(row: &Value) -> Sums {
    let n = |k: &str| row[k].as_i64().unwrap_or_else(|| panic!("{k} in {row}"));
    Sums {
        issued: n("issued_m2"),
        advanced: n("advanced_m2"),
        repaid: n("repaid_m2"),
        used: n("used_m2"),
        out: n("transferred_out_m2"),
        into: n("transferred_in_m2"),
        revenue_fen: n("transfer_revenue_fen"),
        deducted: n("deducted_m2"),
    }
}

fn rows(report: &Value, table: &str) -> Vec<Value> {
    report[table].as_array().cloned().unwrap_or_default()
}

fn row_of<'a>(rows: &'a [Value], division: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["division"] == division)
}

async fn api_report(app: &TestApp, session: &Session, query: &str) -> Value {
    let reply = app.get(session, &format!("/api/reports?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn city_report_matches_the_journal_per_county() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let report = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    let expected = sums_from_journal(&app, None).await;
    let by_division = rows(&report, "by_division");
    // The demo moves quota in at least two counties; a broken aggregation cannot hide.
    assert!(expected.values().filter(|s| s.issued > 0).count() >= 2);
    assert!(expected.values().any(|s| s.out > 0 && s.revenue_fen > 0));
    assert!(expected.values().any(|s| s.deducted > 0));
    let mut total = Sums::default();
    for (division, sums) in &expected {
        // The city reads its counties and itself, not a buyer elsewhere in the province.
        if !division.starts_with("5117") {
            assert!(row_of(&by_division, division).is_none(), "{division}");
            continue;
        }
        let row = row_of(&by_division, division).unwrap_or_else(|| panic!("{division}"));
        assert_eq!(sums_of_row(row), *sums, "{division}");
        total.issued += sums.issued;
        total.used += sums.used;
        total.out += sums.out;
        total.deducted += sums.deducted;
    }
    let t = sums_of_row(&report["total"]);
    assert_eq!(
        (t.issued, t.used, t.out, t.deducted),
        (total.issued, total.used, total.out, total.deducted)
    );
    // Money: 20000 m² at 300000 元/亩 = 30 亩 × 300000 元 = 9 000 000 元.
    assert_eq!(t.revenue_fen, 900_000_000);
}

#[tokio::test]
async fn years_and_project_figures_follow_their_dates() {
    let app = demo_app().await;
    let city = app.login("city").await;
    for year in [2018, 2019] {
        let report = api_report(&app, &city, &format!("year={year}&as_of={AS_OF}")).await;
        let expected = sums_from_journal(&app, Some(year)).await;
        for row in rows(&report, "by_year") {
            assert_eq!(row["year"], year, "{row}");
        }
        for row in rows(&report, "by_division") {
            let division = row["division"].as_str().must();
            let want = expected.get(division).copied().unwrap_or_default();
            assert_eq!(sums_of_row(&row), want, "{division} in {year}");
        }
    }
    // Accepted areas and households, from the register directly.
    let report = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    let mut accepted_area: BTreeMap<String, i64> = BTreeMap::new();
    let mut households: BTreeMap<String, u64> = BTreeMap::new();
    let mut approved: BTreeMap<String, u64> = BTreeMap::new();
    for project in app.registry.auditor().projects(None).await.must() {
        if project.accepted_on.is_some() {
            let acceptance = app
                .registry
                .auditor()
                .acceptance(&project.code)
                .await
                .must()
                .must();
            *accepted_area.entry(project.county.clone()).or_default() += acceptance.reclaimed_m2;
        }
        if project.approved_on.is_some() {
            let version = app
                .registry
                .auditor()
                .versions(&project.code)
                .await
                .must()
                .into_iter()
                .find(|v| v.version == project.current_version)
                .must();
            *households.entry(project.county.clone()).or_default() += version.summary.households;
            *approved.entry(project.county.clone()).or_default() += 1;
        }
    }
    assert!(accepted_area.len() >= 2);
    let by_division = rows(&report, "by_division");
    for (county, area) in &accepted_area {
        let row = row_of(&by_division, county).must();
        assert_eq!(row["accepted_demolition_m2"], *area, "{county}");
    }
    for (county, n) in &households {
        let row = row_of(&by_division, county).must();
        assert_eq!(row["households"], *n, "{county}");
        assert_eq!(row["projects_approved"], approved[county], "{county}");
    }
    // Before anything was accepted, no accepted area and nothing issued.
    let early = api_report(&app, &city, "as_of=2018-12-31").await;
    assert_eq!(early["total"]["accepted_demolition_m2"], 0);
    assert_eq!(early["total"]["issued_m2"], 0);
    assert!(early["total"]["advanced_m2"].as_i64().must() > 0);
}

#[tokio::test]
async fn a_county_sees_only_its_own_county() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let report = api_report(&app, &county, &format!("as_of={AS_OF}")).await;
    assert_eq!(report["query"]["county"], "511722");
    for table in ["by_year", "by_division", "states", "uses"] {
        for row in rows(&report, table) {
            assert_eq!(row["division"], "511722", "{table}: {row}");
        }
    }
    assert!(!rows(&report, "by_division").is_empty());
    let expected = sums_from_journal(&app, None).await;
    assert_eq!(sums_of_row(&report["total"]), expected["511722"]);
    // Another county, in the API, the page and the Excel file: 404 as if it did not exist.
    for path in [
        "/api/reports?county=511723",
        "/reports?county=511723",
        "/reports.xlsx?county=511723",
        "/api/reports?county=511700",
    ] {
        let reply = app.get(&county, path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The page names no other county, not even in the county picker.
    let page = app.get(&county, "/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("宣汉县"));
    for other in ["511723", "开江县", "511725", "达州市 (511700)"] {
        assert!(!page.body.contains(other), "{other}");
    }
    // The other county sees its own numbers, not 511722's.
    let other = app.login("other").await;
    let theirs = api_report(&app, &other, &format!("as_of={AS_OF}")).await;
    assert!(
        rows(&theirs, "by_division")
            .iter()
            .all(|r| r["division"] == "511723")
    );
    assert_eq!(sums_of_row(&theirs["total"]), expected["511723"]);
}

#[tokio::test]
async fn city_audit_and_province_see_every_county() {
    let app = demo_app().await;
    for name in ["city", "audit", "province"] {
        let session = app.login(name).await;
        let report = api_report(&app, &session, &format!("as_of={AS_OF}")).await;
        let by_division = rows(&report, "by_division");
        for county in ["511722", "511723", "511725"] {
            assert!(row_of(&by_division, county).is_some(), "{name}: {county}");
        }
        let one = api_report(&app, &session, &format!("county=511723&as_of={AS_OF}")).await;
        assert_eq!(rows(&one, "by_division").len(), 1, "{name}");
        // A county code nobody registered: not found, not an empty report.
        let unknown = app.get(&session, "/api/reports?county=511799").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{name}");
        // The buyer outside the city (成都, 510100) is read by the province and audit only.
        let buyer = row_of(&by_division, "510100").is_some();
        assert_eq!(buyer, name != "city", "{name}");
    }
}

#[tokio::test]
async fn refusals_and_bad_parameters() {
    let app = demo_app().await;
    let anonymous = Session::default();
    let reply = app.get(&anonymous, "/api/reports").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    for path in ["/reports", "/reports.xlsx"] {
        let reply = app.get(&anonymous, path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.location().as_deref(), Some("/login"));
    }
    let city = app.login("city").await;
    for (query, field) in [
        ("year=abc", "year"),
        ("year=20190", "year"),
        ("as_of=2019-13-01", "as_of"),
        ("county=5117", "county"),
    ] {
        let reply = app.get(&city, &format!("/api/reports?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.json()["field"], field, "{query}");
    }
    let page = app.get(&city, "/reports?year=abc").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Empty parameters (the form's "all") are accepted.
    let reply = app.get(&city, "/api/reports?county=&year=&as_of=").await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn page_has_tables_and_charts_without_inline_scripts() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let page = app.get(&city, &format!("/reports?as_of={AS_OF}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "统计报表",
        "按县汇总",
        "分年度",
        "项目状态",
        "按用途使用",
        "核发节余指标（m²）",
        "流转收入（元）",
        "9000000.00",
        "宣汉县 (511722)",
        "开江县 (511723)",
        "href=\"/reports.xlsx?as_of=2030-12-31\"",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    // Every script has a src on this origin: the policy forbids inline scripts.
    for piece in page.body.split("<script").skip(1) {
        let tag = &piece[..piece.find('>').must()];
        assert!(tag.contains("src=\"/"), "inline script: {tag}");
    }
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .must()
        .to_owned();
    assert!(policy.contains("script-src 'self'"));
    let script = app.get(&city, "/reports/reports.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("data-chart"));
    if guagou_web::map::CHART_EMBEDDED {
        assert!(page.body.contains("/assets/chart.umd.js?v="));
        // The chart data travels in data- attributes, escaped, with every county's numbers.
        let marker = "id=\"chart-quota\" data-chart=\"";
        let start = page.body.find(marker).must() + marker.len();
        let end = start + page.body[start..].find('"').must();
        let spec: Value = serde_json::from_str(&unescape(&page.body[start..end])).must();
        let labels = spec["labels"].as_array().must();
        let issued = spec["datasets"][0]["data"].as_array().must();
        assert_eq!(labels.len(), issued.len());
        let index = labels.iter().position(|l| l == "宣汉县").must();
        let expected = sums_from_journal(&app, None).await;
        assert_eq!(issued[index], expected["511722"].issued);
        let library = app.get(&Session::default(), "/assets/chart.umd.js").await;
        assert_eq!(library.status, StatusCode::OK);
        assert!(library.body.contains("Chart.js"));
    } else {
        assert!(page.body.contains("report-charts-missing"));
    }
}

/// HTML entities back to text: named (`&quot;`, escaped by hand) and numeric (`&#34;`, by
/// askama).
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// GET as raw bytes (the test helper reads bodies as text).
pub(crate) async fn get_bytes(
    app: &TestApp,
    session: &Session,
    path: &str,
) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(cookie) = &session.cookie {
        request = request.header(header::COOKIE, format!("guagou_session={cookie}"));
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).must())
        .await
        .must();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .must();
    (status, content_type, bytes.to_vec())
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).must();
    let mut file = archive.by_name(name).must();
    let mut text = String::new();
    file.read_to_string(&mut text).must();
    text
}

#[tokio::test]
async fn excel_download_has_a_sheet_per_table() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let (status, content_type, bytes) =
        get_bytes(&app, &city, &format!("/reports.xlsx?as_of={AS_OF}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, guagou_web::reports::XLSX_CONTENT_TYPE);
    assert!(bytes.starts_with(b"PK"));
    let workbook = zip_text(&bytes, "xl/workbook.xml");
    for sheet in ["按县汇总", "分年度", "项目状态", "按用途使用", "说明"] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{sheet}");
    }
    let strings = zip_text(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("核发节余指标（m²）"));
    assert!(strings.contains("流转收入（元）"));
    // Numbers are numbers: the issued quota of 宣汉县 is a numeric cell.
    let expected = sums_from_journal(&app, None).await;
    let sheet = zip_text(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(&format!("<v>{}</v>", expected["511722"].issued)),
        "issued as a number"
    );
    // A county's workbook holds its own county only.
    let county = app.login("county").await;
    let (status, _, own) = get_bytes(&app, &county, "/reports.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let strings = zip_text(&own, "xl/sharedStrings.xml");
    assert!(strings.contains("宣汉县"));
    assert!(!strings.contains("开江县"));
    libreoffice_check(&bytes, &expected["511722"]);
}

/// Converts the workbook's first sheet to CSV with LibreOffice, when installed, and compares
/// the row of 宣汉县 with the journal's sums.
fn libreoffice_check(bytes: &[u8], xuanhan: &Sums) {
    let Some(program) = ["libreoffice", "soffice"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        println!(
            "LibreOffice not installed: the LibreOffice check was skipped (zip structure checked)"
        );
        return;
    };
    let dir = tempfile::tempdir().must();
    let file = dir.path().join("report.xlsx");
    std::fs::write(&file, bytes).must();
    let output = std::process::Command::new(program)
        .args([
            "--headless",
            &format!(
                "-env:UserInstallation=file://{}/profile",
                dir.path().display()
            ),
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&file)
        .output()
        .must();
    let csv = std::fs::read_to_string(dir.path().join("report.csv")).unwrap_or_else(|e| {
        panic!(
            "LibreOffice did not convert the workbook ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let cells = |line: &str| -> Vec<String> {
        line.split(',')
            .map(|c| c.trim_matches('"').to_owned())
            .collect()
    };
    let header = cells(csv.lines().next().must());
    assert_eq!(header[0], "行政区代码");
    let line = cells(csv.lines().find(|l| l.contains("511722")).must());
    let cell = |name: &str| {
        let index = header.iter().position(|h| *h == name).must();
        line[index].replace(' ', "")
    };
    assert_eq!(line[1], "宣汉县");
    assert_eq!(cell("核发节余指标（m²）"), xuanhan.issued.to_string());
    assert_eq!(cell("使用指标（m²）"), xuanhan.used.to_string());
    assert_eq!(cell("流转出（m²）"), xuanhan.out.to_string());
    let yuan: f64 = cell("流转收入（元）").replace(',', "").parse().must();
    assert_eq!((yuan * 100.0).round() as i64, xuanhan.revenue_fen);
    println!("LibreOffice opened the workbook: {program} converted it and the cells match");
}

#[tokio::test]
async fn openapi_describes_the_report_route() {
    let document = serde_json::to_value(guagou_web::openapi_document()).must();
    assert!(document["paths"]["/reports"]["get"].is_object());
}

/// Reports reuse the facts they read while the ledger and audit heads stay put: a write must
/// show in the next report, a project lifecycle step (audited, no ledger entry) too.
#[tokio::test]
async fn a_write_shows_in_the_next_report() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let before = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    let again = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    assert_eq!(before, again, "nothing changed, the same report");
    let reply = app
        .post_json(
            &county,
            "/api/projects/511722-2019-003/actions/submit",
            Some(&county.csrf),
            serde_json::json!({ "as_of": "2019-08-01", "reason": "报告缓存" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    assert_ne!(
        before["states"], after["states"],
        "the submitted project moved state"
    );
    let reply = app
        .post_json(
            &city,
            "/api/ledger/operations",
            Some(&city.csrf),
            serde_json::json!({
                "operation": { "kind": "advance", "project": "511725-2018-001", "amount_m2": 0 },
                "idempotency_key": "cache-probe", "as_of": "2019-08-10", "reason": "x"
            }),
        )
        .await;
    // A refused write changes nothing and the report stays the same.
    assert!(reply.status.is_client_error(), "{}", reply.body);
    let last = api_report(&app, &city, &format!("as_of={AS_OF}")).await;
    assert_eq!(after, last);
}
