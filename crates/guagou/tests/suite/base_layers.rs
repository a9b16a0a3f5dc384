//! Base layers through the command line, on a synthetic county with known answers
//! (`guagou synth`): `import landuse` with its refusals and `import list`, then `check --base`
//! on the stored (indexed) layer against the answers and against the same layer read whole,
//! and `--reclaimed-base` with an updated layer for RECLAIMED_IS_FARMLAND.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub(crate) fn guagou(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guagou"))
        .args(args)
        .env_remove("GUAGOU_DATA")
        .env_remove("GUAGOU_ACTOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run guagou: {e}"))
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn ok(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A county of 2,500 polygons with its projects and answers.
pub(crate) fn synth(dir: &Path) -> (PathBuf, Value) {
    let out = dir.join("synth");
    ok(&guagou(&[
        "synth",
        "--county",
        "511722",
        "--polygons",
        "2500",
        "--seed",
        "7",
        "--out",
        s(&out),
    ]));
    let answers =
        serde_json::from_str(&std::fs::read_to_string(out.join("answers.json")).unwrap()).unwrap();
    (out, answers)
}

fn import(data: &Path, file: &Path, vintage: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--data",
        s(data),
        "import",
        "landuse",
        s(file),
        "--county",
        "511722",
        "--vintage",
        vintage,
        "--actor",
        "王@511722",
        "--reason",
        "年度变更调查",
    ];
    args.extend_from_slice(extra);
    guagou(&args)
}

/// `guagou import list` as JSON, with `extra` options.
pub(crate) fn import_list(data: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--data", s(data), "--format", "json", "import", "list"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&guagou(&args))).unwrap()
}

/// `guagou check` as JSON: (exit code, results by rule, land use by parcel).
fn check(package: &Path, as_of: &str, extra: &[&str]) -> (Option<i32>, Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let land_use = dir.path().join("land-use.json");
    let mut args = vec![
        "--format",
        "json",
        "check",
        s(package),
        "--as-of",
        as_of,
        "--land-use-out",
        s(&land_use),
    ];
    args.extend_from_slice(extra);
    let output = guagou(&args);
    let results: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)));
    let land = std::fs::read_to_string(&land_use)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (output.status.code(), results, land)
}

pub(crate) fn rule<'a>(results: &'a Value, id: &str) -> &'a Value {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id)
        .unwrap_or_else(|| panic!("{id} not in {results}"))
}

#[test]
fn import_check_and_reclaim_on_a_synthetic_county() {
    let dir = tempfile::tempdir().unwrap();
    let (synth, answers) = synth(dir.path());
    let data = dir.path().join("data");
    let as_of = answers["as_of"].as_str().unwrap().to_owned();

    // Import, JSON summary; the same vintage again is refused, a wrong field names the field.
    let output = import(&data, &synth.join("landuse.shp"), "2019", &[]);
    ok(&output);
    assert!(
        text(&output.stdout).contains("2500"),
        "{}",
        text(&output.stdout)
    );
    let again = import(&data, &synth.join("landuse.shp"), "2019", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("--replace"),
        "{}",
        text(&again.stderr)
    );
    let wrong = import(
        &data,
        &synth.join("landuse.shp"),
        "2020",
        &["--class-field", "NOPE"],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("NOPE"),
        "{}",
        text(&wrong.stderr)
    );
    let list = import_list(&data, &[]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["features"], 2500);
    assert_eq!(list[0]["vintage"], 2019);
    let layer = data.join("base").join(list[0]["file"].as_str().unwrap());

    // Every known-answer project: the stored layer gives the answers' verdict and areas, and
    // the same verdict as the layer read whole from the shapefile.
    let mut judged = 0;
    for project in answers["projects"].as_array().unwrap() {
        let Some(expected) = project["rules"].get("DEMOLITION_IS_CONSTRUCTION_LAND") else {
            continue;
        };
        let package = synth.join(project["dir"].as_str().unwrap());
        let (_, stored, land) = check(&package, &as_of, &["--base", s(&layer)]);
        let got = rule(&stored, "DEMOLITION_IS_CONSTRUCTION_LAND");
        assert_eq!(
            got["passed"], expected["passed"],
            "{}: {got}",
            project["code"]
        );
        let (_, whole, _) = check(&package, &as_of, &["--base", s(&synth.join("landuse.shp"))]);
        assert_eq!(
            rule(&whole, "DEMOLITION_IS_CONSTRUCTION_LAND")["passed"],
            expected["passed"]
        );
        for parcel in project["parcels"].as_array().unwrap() {
            if parcel["role"] != "demolition" {
                continue;
            }
            let name = parcel["name"].as_str().unwrap();
            let tolerance = parcel["tolerance_m2"].as_f64().unwrap_or(0.0);
            for (code, want) in parcel["classes_m2"].as_object().unwrap() {
                let want = want.as_f64().unwrap();
                let have = land["base"][name]["classes"][code].as_f64().unwrap_or(0.0);
                assert!(
                    (have - want).abs() <= tolerance.max(1e-6 * want.max(1.0)),
                    "{} {name} {code}: {have} vs {want}",
                    project["code"]
                );
            }
        }
        judged += 1;
    }
    assert!(judged >= 5, "only {judged} projects carry the rule");

    // Reclamation: an updated layer where the first project's parcels became dry land (0103),
    // except one that is still a homestead.
    let first = &answers["projects"][0];
    let package = synth.join(first["dir"].as_str().unwrap());
    let demolition = package.join("demolition.geojson");
    let mut updated: Value =
        serde_json::from_str(&std::fs::read_to_string(&demolition).unwrap()).unwrap();
    let features = updated["features"].as_array_mut().unwrap();
    let kept = features[0]["properties"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    for (i, feature) in features.iter_mut().enumerate() {
        let code = if i == 0 { "0702" } else { "0103" };
        feature["properties"]["DLBM"] = Value::from(code);
    }
    let updated_path = dir.path().join("updated.geojson");
    std::fs::write(&updated_path, updated.to_string()).unwrap();
    ok(&import(&data, &updated_path, "2021", &[]));
    let list = import_list(&data, &["--county", "511722"]);
    let newest = data.join("base").join(list[0]["file"].as_str().unwrap());
    assert_eq!(list[0]["vintage"], 2021);

    let (code, results, _) = check(
        &package,
        &as_of,
        &["--base", s(&layer), "--reclaimed-base", s(&newest)],
    );
    assert_eq!(code, Some(1));
    let reclaimed = rule(&results, "RECLAIMED_IS_FARMLAND");
    assert_eq!(reclaimed["passed"], false);
    assert!(
        reclaimed["message_zh"].as_str().unwrap().contains(&kept),
        "{reclaimed}"
    );
    assert!(
        reclaimed["message_en"].as_str().unwrap().contains("0702"),
        "{reclaimed}"
    );
    // Without the updated layer the rule is not judged, and says why (on stderr in JSON mode).
    let output = guagou(&[
        "--format",
        "json",
        "check",
        s(&package),
        "--as-of",
        &as_of,
        "--base",
        s(&layer),
    ]);
    assert!(
        text(&output.stderr).contains("RECLAIMED_IS_FARMLAND"),
        "{}",
        text(&output.stderr)
    );
}
