//! The command-line contract, exercised on the example packages through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

fn guagou(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_guagou"))
        .args(args)
        .current_dir(repo())
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!("cannot run guagou: {e}"),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    match serde_json::from_slice(&output.stdout) {
        Ok(v) => v,
        Err(e) => panic!(
            "not JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        ),
    }
}

fn check_json(package: &str, extra: &[&str]) -> (Output, Value) {
    let dir = example(package);
    let dir = dir.to_string_lossy().into_owned();
    let base = format!("{dir}/base-landuse.geojson");
    let mut args = vec![
        "check",
        dir.as_str(),
        "--format",
        "json",
        "--as-of",
        "2018-06-01",
        "--base",
        base.as_str(),
    ];
    args.extend_from_slice(extra);
    let output = guagou(&args);
    let value = json(&output);
    (output, value)
}

fn rule<'a>(results: &'a Value, id: &str) -> &'a Value {
    let found = results
        .as_array()
        .and_then(|a| a.iter().find(|r| r["rule"] == id));
    match found {
        Some(r) => r,
        None => panic!("{id} missing from {results}"),
    }
}

#[test]
fn passing_example_passes_every_rule() {
    let others = example("xuanhan-nanba-pass/other-project.txt")
        .to_string_lossy()
        .into_owned();
    let (output, results) = check_json("xuanhan-nanba-pass", &["--others", others.as_str()]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let results = results.as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 9, "{results:#?}");
    for r in &results {
        assert_eq!(r["passed"], true, "{r:#}");
        for key in [
            "rule",
            "severity",
            "passed",
            "measured",
            "limit",
            "clause",
            "message_zh",
            "message_en",
            "subjects",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }
}

#[test]
fn failing_example_fails_the_rules_it_was_built_to_fail() {
    let others = example("dachuan-fails/other-project.geojson")
        .to_string_lossy()
        .into_owned();
    let (output, results) = check_json("dachuan-fails", &["--others", others.as_str()]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    for id in [
        "SURVEY_DONE",
        "DEMOLITION_SINGLE_TOWNSHIP",
        "DEMOLITION_AREA_RANGE",
        "RESETTLEMENT_PER_CAPITA",
        "RESETTLEMENT_ADJACENT",
        "HOUSEHOLD_CONSENT",
        "RELOCATION_HOUSEHOLDS_COVERED",
        "NO_DOUBLE_COUNTING",
        "DEMOLITION_IS_CONSTRUCTION_LAND",
    ] {
        assert_eq!(
            rule(&results, id)["passed"],
            false,
            "{id} should fail: {}",
            rule(&results, id)
        );
    }
    let township = rule(&results, "DEMOLITION_SINGLE_TOWNSHIP");
    assert_eq!(township["measured"]["value"], 2);
    assert_eq!(township["clause"], "二(一)");
    let consent = rule(&results, "HOUSEHOLD_CONSENT");
    let ids: Vec<&str> = consent["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["H006", "H018", "H034", "H042"]);
    let overlap = rule(&results, "NO_DOUBLE_COUNTING");
    assert_eq!(overlap["subjects"][0]["id"], "拆旧02");
    let land = rule(&results, "DEMOLITION_IS_CONSTRUCTION_LAND");
    assert_eq!(land["subjects"].as_array().map(Vec::len), Some(1));
    assert_eq!(land["subjects"][0]["id"], "拆旧05");
    let adjacent = rule(&results, "RESETTLEMENT_ADJACENT");
    assert_eq!(adjacent["severity"], "warning");
    assert!(adjacent["justification"].is_string(), "{adjacent}");
    let relocation = rule(&results, "RELOCATION_HOUSEHOLDS_COVERED");
    assert!(
        relocation["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("R901")),
        "{relocation}"
    );
}

#[test]
fn hole_and_multipart_example_passes_and_measures_exactly() {
    let (output, results) = check_json("quxian-hole-multipart", &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{results:#}\n{}",
        stderr(&output)
    );
    // Without --others the double-counting rule is reported as not checked, never as passed.
    assert!(
        results
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r["rule"] != "NO_DOUBLE_COUNTING"))
    );
    assert!(stderr(&output).contains("NO_DOUBLE_COUNTING"));

    let file = example("quxian-hole-multipart/demolition.txt")
        .to_string_lossy()
        .into_owned();
    let output = guagou(&["parcels", file.as_str(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let parcels = json(&output);
    let first = &parcels[0];
    assert_eq!(first["name"], "拆旧01");
    assert_eq!(first["rings"], 3);
    assert_eq!(first["crs"], "EPSG:4524");
    // 300×200 outer − 40×30 hole + 120×90 detached part.
    let planar = first["planar_m2"].as_f64().unwrap_or_default();
    assert!((planar - 69_600.0).abs() < 1e-6, "{planar}");
    let ellipsoidal = first["ellipsoidal_m2"].as_f64().unwrap_or_default();
    assert!((ellipsoidal / planar - 1.0).abs() < 0.01, "{ellipsoidal}");
}

#[test]
fn text_output_is_a_table_in_chinese_or_english() {
    let dir = example("xuanhan-nanba-pass").to_string_lossy().into_owned();
    let output = guagou(&["check", dir.as_str(), "--as-of", "2018-06-01"]);
    let text = stdout(&output);
    assert!(
        text.contains("规则") && text.contains("条款") && text.contains("结论：通过"),
        "{text}"
    );
    assert!(
        text.contains("DEMOLITION_AREA_RANGE") && text.contains("二(一)"),
        "{text}"
    );
    assert!(text.contains("未检查 NO_DOUBLE_COUNTING"), "{text}");
    let output = guagou(&[
        "check",
        dir.as_str(),
        "--as-of",
        "2018-06-01",
        "--lang",
        "en",
    ]);
    assert!(
        stdout(&output).contains("Verdict: PASS"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn as_of_before_the_surveys_fails_survey_done() {
    let dir = example("xuanhan-nanba-pass").to_string_lossy().into_owned();
    let output = guagou(&[
        "check",
        dir.as_str(),
        "--as-of",
        "2018-03-20",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(rule(&json(&output), "SURVEY_DONE")["passed"], false);
}

#[test]
fn unreadable_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.txt");
    let text = "[属性描述]\n带号=36\n[地块坐标]\n4,0.01,1,坏地块,面,,,0702,@\nJ1,1,3470000,36474300\nJ2,1,3470000,36474400\nJ3,1,3470100,36474400\n";
    std::fs::write(&bad, text).unwrap_or_else(|e| panic!("{e}"));
    let output = guagou(&[
        "parcels",
        bad.to_string_lossy().as_ref(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("bad.txt")
            && message.contains("坏地块")
            && message.contains("unclosed_ring"),
        "{message}"
    );

    let output = guagou(&[
        "check",
        dir.path().join("nowhere").to_string_lossy().as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("project.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn package_errors_name_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = example("xuanhan-nanba-pass");
    for entry in std::fs::read_dir(&source)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let manifest = dir.path().join("project.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    std::fs::write(
        &manifest,
        text.replace("persons_resettled", "persons_resettle"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = guagou(&["check", dir.path().to_string_lossy().as_ref()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("persons_resettle"),
        "{}",
        stderr(&output)
    );

    std::fs::write(&manifest, text.clone()).unwrap_or_else(|e| panic!("{e}"));
    let households = dir.path().join("households.csv");
    let csv = std::fs::read_to_string(&households).unwrap_or_default();
    std::fs::write(&households, csv.replacen("同意", "也许", 1)).unwrap_or_else(|e| panic!("{e}"));
    let output = guagou(&["check", dir.path().to_string_lossy().as_ref()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("households.csv")
            && message.contains("line 2")
            && message.contains("consent"),
        "{message}"
    );
}

/// A package naming a server file: refused with the code and the field, exit 2, and nothing
/// of the file printed (before the fix `guagou check` printed /etc/passwd's first line).
#[test]
fn check_refuses_a_package_naming_a_file_outside_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(example("xuanhan-nanba-pass"))
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let manifest = dir.path().join("project.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    assert!(text.contains("file = \"households.csv\""));
    std::fs::write(
        &manifest,
        text.replace("file = \"households.csv\"", "file = \"/etc/passwd\""),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = guagou(&["check", dir.path().to_string_lossy().as_ref()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("path_outside_package")
            && message.contains("households.file")
            && message.contains("/etc/passwd"),
        "{message}"
    );
    assert!(!message.contains("root:"), "{message}");
    assert!(!stdout(&output).contains("root:"), "{}", stdout(&output));
}

#[test]
fn convert_round_trips_between_formats() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = example("quxian-hole-multipart/demolition.txt")
        .to_string_lossy()
        .into_owned();
    let areas = |path: &str| -> Vec<(String, f64)> {
        let output = guagou(&["parcels", path, "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{path}: {}", stderr(&output));
        json(&output)
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["planar_m2"].as_f64().unwrap_or_default(),
                )
            })
            .collect()
    };
    let original = areas(&source);
    let mut previous = source.clone();
    for name in ["a.geojson", "b.zip", "c.shp", "d.txt"] {
        let out = dir.path().join(name).to_string_lossy().into_owned();
        let output = guagou(&["convert", previous.as_str(), out.as_str()]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        let converted = areas(&out);
        assert_eq!(converted.len(), original.len());
        for ((n1, a1), (n2, a2)) in original.iter().zip(&converted) {
            assert_eq!(n1, n2);
            assert!((a1 - a2).abs() < 0.01, "{name}: {n1} {a1} vs {a2}");
        }
        previous = out;
    }
}

#[test]
fn repair_is_explicit_and_reported() {
    let counties = repo().join("../shared/data/dazhou-511700-counties.geojson");
    assert!(
        counties.exists(),
        "test data missing: {}",
        counties.display()
    );
    let path = counties.to_string_lossy().into_owned();
    let refused = guagou(&["parcels", path.as_str(), "--format", "json"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("crossing_rings") && stderr(&refused).contains("大竹县"),
        "{}",
        stderr(&refused)
    );
    let repaired = guagou(&["parcels", path.as_str(), "--format", "json", "--repair"]);
    assert_eq!(repaired.status.code(), Some(0), "{}", stderr(&repaired));
    assert_eq!(json(&repaired).as_array().map(Vec::len), Some(7));
    assert!(
        stderr(&repaired).contains("repaired_union_parts"),
        "{}",
        stderr(&repaired)
    );
}

/// A township layer as GeoJSON (lon/lat): each township a rectangle `(code, west, east)`
/// spanning latitudes 30°–33° N.
fn township_file(dir: &Path, townships: &[(&str, f64, f64)]) -> PathBuf {
    let features: Vec<Value> = townships
        .iter()
        .map(|(code, west, east)| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "code": code },
                "geometry": { "type": "Polygon", "coordinates": [[
                    [west, 30.0], [east, 30.0], [east, 33.0], [west, 33.0], [west, 30.0]
                ]] },
            })
        })
        .collect();
    let path = dir.join("townships.geojson");
    let text = serde_json::json!({ "type": "FeatureCollection", "features": features });
    if let Err(e) = std::fs::write(&path, text.to_string()) {
        panic!("{e}");
    }
    path
}

#[test]
fn township_layer_locates_parcels_and_a_split_fails_the_single_township_rule() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The passing example's demolition parcels lie between 107.729° and 107.742° E.
    let whole = township_file(dir.path(), &[("511722104", 106.0, 109.0)]);
    let whole = whole.to_string_lossy().into_owned();
    let (_, results) = check_json("xuanhan-nanba-pass", &["--townships", &whole]);
    assert_eq!(
        rule(&results, "DEMOLITION_SINGLE_TOWNSHIP")["passed"],
        true,
        "{results}"
    );
    // The same parcels with a township line through the middle of them.
    let split = township_file(
        dir.path(),
        &[
            ("511722104", 106.0, 107.7354),
            ("511722105", 107.7354, 109.0),
        ],
    );
    let split = split.to_string_lossy().into_owned();
    let (output, results) = check_json("xuanhan-nanba-pass", &["--townships", &split]);
    let single = rule(&results, "DEMOLITION_SINGLE_TOWNSHIP");
    assert_eq!(single["passed"], false, "{results}");
    assert_eq!(output.status.code(), Some(1));
    let text = single.to_string();
    assert!(
        text.contains("511722104") && text.contains("511722105"),
        "{text}"
    );
}
