//! `guagou report` on the demo: its numbers against sums re-derived here from
//! `guagou ledger entries --format json` and `guagou project list` (not through the report
//! code), the year and county filters, and the Excel file (a zip with the sheets; opened with
//! LibreOffice when it is installed).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn guagou(data: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--data", data.to_str().unwrap_or_default()];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_guagou"))
        .args(&all)
        .env_remove("GUAGOU_DATA")
        .env_remove("GUAGOU_ACTOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run guagou: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let output = guagou(&data, &["demo", "--no-serve", "--story-dates"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    (dir, data)
}

/// (issued, advanced, repaid, used, out, in, revenue 分, deducted) per division.
type Sums = [i64; 8];

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

/// Sums re-derived from the raw journal (JSON) and the project list, for `year` or all years.
fn sums_from_cli(data: &Path, year: Option<&str>) -> BTreeMap<String, Sums> {
    let entries = json(&guagou(data, &["--format", "json", "ledger", "entries"]));
    let projects = json(&guagou(data, &["--format", "json", "project", "list"]));
    let county: BTreeMap<String, String> = projects
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["county"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let entries = entries.as_array().cloned().unwrap_or_default();
    let reversed: Vec<i64> = entries
        .iter()
        .filter(|e| e["operation"]["kind"] == "reverse")
        .map(|e| int(&e["operation"]["seq"]))
        .collect();
    let mut seller: BTreeMap<String, String> = BTreeMap::new();
    for e in &entries {
        if e["operation"]["kind"] == "list" {
            let op = &e["operation"];
            seller.insert(
                op["listing"].as_str().unwrap_or_default().to_owned(),
                op["division"].as_str().unwrap_or_default().to_owned(),
            );
        }
    }
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for e in &entries {
        let effective = e["meta"]["effective"].as_str().unwrap_or_default();
        if reversed.contains(&int(&e["seq"])) || year.is_some_and(|y| !effective.starts_with(y)) {
            continue;
        }
        let op = &e["operation"];
        let s = |key: &str| op[key].as_str().unwrap_or_default().to_owned();
        let mut add = |division: String, index: usize, amount: i64| {
            sums.entry(division).or_default()[index] += amount;
        };
        match op["kind"].as_str().unwrap_or_default() {
            "issue" => {
                let division = county[&s("project")].clone();
                add(division.clone(), 0, int(&op["confirmed_m2"]));
                let settled: i64 = e["legs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|l| l["account"]["kind"] == "advance")
                    .map(|l| int(&l["amount_m2"]))
                    .sum();
                add(division, 2, settled);
            }
            "advance" => add(county[&s("project")].clone(), 1, int(&op["amount_m2"])),
            "use" => add(s("division"), 3, int(&op["amount_m2"])),
            "transfer" => {
                let amount = int(&op["amount_m2"]);
                // amount × price ÷ (10000/15 m² per 亩), rounded half up to whole 分.
                let money = (amount * int(&op["price_fen_per_mu"]) * 15 + 5_000) / 10_000;
                assert_eq!(
                    money,
                    int(&e["money_fen"]),
                    "the ledger recorded the same money"
                );
                let from = seller[&s("listing")].clone();
                add(from.clone(), 4, amount);
                add(from, 6, money);
                add(s("buyer"), 5, amount);
            }
            "deduct" => add(s("county"), 7, int(&op["amount_m2"])),
            _ => {}
        }
    }
    sums
}

fn sums_of(row: &Value) -> Sums {
    [
        "issued_m2",
        "advanced_m2",
        "repaid_m2",
        "used_m2",
        "transferred_out_m2",
        "transferred_in_m2",
        "transfer_revenue_fen",
        "deducted_m2",
    ]
    .map(|k| int(&row[k]))
}

fn report(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json", "--as-of", "2030-12-31"];
    all.extend_from_slice(args);
    json(&guagou(data, &all))
}

#[test]
fn report_numbers_match_the_raw_journal() {
    let (_dir, data) = demo();
    let expected = sums_from_cli(&data, None);
    assert!(
        expected.values().filter(|s| s[0] > 0).count() >= 2,
        "{expected:?}"
    );
    assert!(expected.values().any(|s| s[6] > 0), "a transfer with money");
    let all = report(&data, &[]);
    let rows = all["by_division"].as_array().cloned().unwrap_or_default();
    let mut total: Sums = [0; 8];
    for (division, sums) in &expected {
        let row = rows
            .iter()
            .find(|r| r["division"] == division.as_str())
            .unwrap_or_else(|| panic!("no row for {division}"));
        assert_eq!(sums_of(row), *sums, "{division}");
        for (t, s) in total.iter_mut().zip(sums) {
            *t += s;
        }
    }
    assert_eq!(sums_of(&all["total"]), total);
    // Per year, and for one county.
    for year in ["2018", "2019"] {
        let expected = sums_from_cli(&data, Some(year));
        let by_year = report(&data, &["--year", year]);
        for row in by_year["by_division"].as_array().into_iter().flatten() {
            let division = row["division"].as_str().unwrap_or_default();
            let want = expected.get(division).copied().unwrap_or_default();
            assert_eq!(sums_of(row), want, "{division} in {year}");
        }
        for row in by_year["by_year"].as_array().into_iter().flatten() {
            assert_eq!(row["year"].to_string(), year);
        }
    }
    let one = report(&data, &["--county", "511722"]);
    let rows = one["by_division"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(sums_of(&one["total"]), expected["511722"]);
    // The global position of --format works too, and text is the default.
    let global = json(&guagou(
        &data,
        &["--format", "json", "report", "--as-of", "2030-12-31"],
    ));
    assert_eq!(global["total"], all["total"]);
    let plain = guagou(&data, &["report", "--as-of", "2030-12-31"]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(text(&plain.stdout).contains("宣汉县"));
    // Bad input: exit 2 with a message.
    let bad = guagou(&data, &["report", "--county", "5117"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    let unknown = guagou(&data, &["report", "--county", "511799"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stdout));
    assert!(text(&unknown.stderr).contains("511799"));
    let bad = guagou(&data, &["report", "--format", "pdf"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("not a zip: {e}"));
    let mut file = archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut text = String::new();
    file.read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    text
}

#[test]
fn excel_report_opens() {
    let (dir, data) = demo();
    let file = dir.path().join("report.xlsx");
    let output = guagou(
        &data,
        &[
            "report",
            "--format",
            "xlsx",
            "--as-of",
            "2030-12-31",
            "--output",
            file.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
    let workbook = zip_text(&bytes, "xl/workbook.xml");
    for sheet in ["按县汇总", "分年度", "项目状态", "按用途使用", "说明"] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{sheet}");
    }
    let expected = sums_from_cli(&data, None);
    let Some(program) = ["libreoffice", "soffice"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok())
    else {
        println!(
            "LibreOffice not installed: the LibreOffice check was skipped (zip structure checked)"
        );
        return;
    };
    let output = Command::new(program)
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
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = std::fs::read_to_string(dir.path().join("report.csv")).unwrap_or_else(|e| {
        panic!(
            "LibreOffice did not convert the workbook ({e}): {}",
            text(&output.stderr)
        )
    });
    let cells = |line: &str| -> Vec<String> {
        line.split(',')
            .map(|c| c.trim_matches('"').to_owned())
            .collect()
    };
    let mut lines = csv.lines();
    let header = cells(lines.next().unwrap_or_default());
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let rows: Vec<Vec<String>> = lines.map(cells).collect();
    for (division, sums) in &expected {
        let Some(row) = rows.iter().find(|r| r[0] == *division) else {
            panic!("no row {division} in the sheet");
        };
        assert_eq!(row[column("核发节余指标（m²）")], sums[0].to_string());
        assert_eq!(row[column("预支指标（m²）")], sums[1].to_string());
        assert_eq!(row[column("使用指标（m²）")], sums[3].to_string());
        assert_eq!(row[column("流转出（m²）")], sums[4].to_string());
        assert_eq!(row[column("扣减年度计划指标（m²）")], sums[7].to_string());
    }
    let total = rows
        .iter()
        .find(|r| r[0] == "合计")
        .unwrap_or_else(|| panic!("no total row"));
    let issued: i64 = expected.values().map(|s| s[0]).sum();
    assert_eq!(total[column("核发节余指标（m²）")], issued.to_string());
    println!("LibreOffice opened the workbook ({program}); the cells match the journal");
}
