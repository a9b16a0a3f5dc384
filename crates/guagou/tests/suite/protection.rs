//! Protection layers (三区三线) through the command line: `import protection` of the three
//! kinds of a `guagou synth` county (Shapefile, GeoJSON in CGCS2000 lon/lat, GeoJSON on the
//! plane) with its refusals, `--replace` and `import list`; `check` with the stored layers and
//! with the files read whole against the answers; and the boundaries of the construction-zone
//! rule (a touch passes, an overlap at the tolerance passes, just above it fails, in either CRS).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::base_layers::{guagou, import_list, ok, rule, s, synth, text};

fn import(data: &Path, kind: &str, file: &Path, vintage: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--data",
        s(data),
        "import",
        "protection",
        s(file),
        "--county",
        "511722",
        "--kind",
        kind,
        "--vintage",
        vintage,
        "--actor",
        "王@511722",
        "--reason",
        "三区三线划定成果",
    ];
    args.extend_from_slice(extra);
    guagou(&args)
}

/// `guagou check` as JSON with `layers` (option, file): (exit code, results).
fn check(package: &Path, as_of: &str, layers: &[(&str, PathBuf)]) -> (Option<i32>, Value) {
    let mut args = vec![
        "--format".to_owned(),
        "json".to_owned(),
        "check".to_owned(),
        s(package).to_owned(),
        "--as-of".to_owned(),
        as_of.to_owned(),
    ];
    for (option, file) in layers {
        args.push((*option).to_owned());
        args.push(s(file).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = guagou(&args);
    let results: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)));
    (output.status.code(), results)
}

const OPTIONS: [(&str, &str); 3] = [
    ("permanent_farmland", "--permanent-farmland"),
    ("ecological_redline", "--ecological-redline"),
    ("urban_boundary", "--urban-boundary"),
];

#[test]
fn import_and_screen_a_synthetic_county() {
    let dir = tempfile::tempdir().unwrap();
    let (synth, answers) = synth(dir.path());
    let as_of = answers["as_of"].as_str().unwrap().to_owned();
    let data = dir.path().join("data");

    // Import each kind from its file (Shapefile, lon/lat GeoJSON, plane GeoJSON).
    let mut stored = Vec::new();
    let mut whole = Vec::new();
    for (kind, option) in OPTIONS {
        let source = synth.join(answers["protection"][kind].as_str().unwrap());
        let output = import(&data, kind, &source, "2022", &[]);
        let out = ok(&output);
        assert!(out.contains("#"), "{out}");
        whole.push((option, source));
    }
    // The same kind and vintage again is refused; --replace replaces it; another kind or
    // vintage is a layer of its own.
    let redline = synth.join(
        answers["protection"]["ecological_redline"]
            .as_str()
            .unwrap(),
    );
    let again = import(&data, "ecological_redline", &redline, "2022", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("--replace"),
        "{}",
        text(&again.stderr)
    );
    ok(&import(
        &data,
        "ecological_redline",
        &redline,
        "2022",
        &["--replace"],
    ));
    let bad_kind = import(&data, "wetland", &redline, "2022", &[]);
    assert_eq!(bad_kind.status.code(), Some(2));
    let list = import_list(&data, &[]);
    let layers = list.as_array().unwrap();
    assert_eq!(layers.len(), 4, "{list}");
    for (kind, option) in OPTIONS {
        let current: Vec<&Value> = layers
            .iter()
            .filter(|l| l["kind"] == kind && l["replaced_by"].is_null())
            .collect();
        assert_eq!(current.len(), 1, "{kind}: {list}");
        assert!(current[0]["file"].as_str().unwrap().starts_with(kind));
        stored.push((
            option,
            data.join("base").join(current[0]["file"].as_str().unwrap()),
        ));
    }
    assert_eq!(
        layers
            .iter()
            .filter(|l| l["kind"] == "ecological_redline" && !l["replaced_by"].is_null())
            .count(),
        1
    );

    // The rows, their audit records (kind included) and the files agree.
    let verified = guagou(&["--data", s(&data), "--format", "json", "verify"]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        text(&verified.stdout)
    );

    // Every known-answer project: the stored layers and the files read whole give the
    // answers' verdicts; the redline read from lon/lat may round its overlap a square metre
    // differently, never its verdict.
    let mut failing = 0;
    for project in answers["projects"].as_array().unwrap() {
        let package = synth.join(project["dir"].as_str().unwrap());
        let expected = project["protection_rules"].as_object().unwrap();
        assert_eq!(expected.len(), 6, "{}", project["code"]);
        for layers in [&stored, &whole] {
            let (_, results) = check(&package, &as_of, layers);
            for (id, want) in expected {
                let got = rule(&results, id);
                assert_eq!(
                    got["passed"], want["passed"],
                    "{} {id}: {got}",
                    project["code"]
                );
                let have = got["measured"]["value"].as_f64().unwrap();
                let want_m2 = want["measured"].as_f64().unwrap();
                assert!(
                    (have - want_m2).abs() <= 1.0,
                    "{} {id}: {have} vs {want_m2}",
                    project["code"]
                );
                if want["passed"] == false {
                    failing += 1;
                }
            }
        }
    }
    // Case a's demolition in the red line, case b's site on farmland, case c's site in town;
    // each judged twice (stored, whole) — more when another case shares case a's cells.
    assert!(failing >= 6, "only {failing} failing verdicts");

    // The messages name the parcel, the feature and the overlap; the error blocks the check.
    let b = &answers["projects"][1];
    let (code, results) = check(&synth.join(b["dir"].as_str().unwrap()), &as_of, &stored);
    assert_eq!(code, Some(1));
    let farmland = rule(&results, "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND");
    let site = b["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "resettlement")
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let message = farmland["message_zh"].as_str().unwrap();
    assert!(message.contains(&site), "{message}");
    assert!(message.contains("511722JBNT002"), "{message}");
    assert!(message.contains("m²"), "{message}");
    assert_eq!(farmland["severity"], "error");
    // Case c's site lies inside the urban boundary: a warning, which the package's written
    // justification answers (stored with the result; it never blocks).
    let c = synth.join(answers["projects"][2]["dir"].as_str().unwrap());
    let (_, results) = check(&c, &as_of, &stored);
    let town = rule(&results, "RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY");
    assert_eq!(
        (town["passed"].clone(), town["severity"].clone()),
        (Value::from(false), Value::from("warning"))
    );
    assert!(town.get("justification").is_none(), "{town}");
    let manifest = c.join("project.toml");
    let mut toml = std::fs::read_to_string(&manifest).unwrap();
    toml.push_str("\n[justifications]\nRESETTLEMENT_OUTSIDE_URBAN_BOUNDARY = \"镇区边缘集中安置，经县政府常务会议同意\"\n");
    std::fs::write(&manifest, toml).unwrap();
    let (_, results) = check(&c, &as_of, &stored);
    let town = rule(&results, "RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY");
    assert_eq!(
        town["justification"], "镇区边缘集中安置，经县政府常务会议同意",
        "{town}"
    );

    let a = &answers["projects"][0];
    let (_, results) = check(&synth.join(a["dir"].as_str().unwrap()), &as_of, &stored);
    let informed = rule(&results, "DEMOLITION_IN_ECOLOGICAL_REDLINE");
    assert_eq!(informed["severity"], "information");
    assert_eq!(informed["passed"], false);
    assert!(
        informed["message_en"]
            .as_str()
            .unwrap()
            .contains("511722STHX001"),
        "{informed}"
    );
    // Without a layer its rules are listed as not checked, saying which option gives it.
    let output = guagou(&[
        "--format",
        "json",
        "check",
        s(&synth.join(a["dir"].as_str().unwrap())),
        "--as-of",
        &as_of,
    ]);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY"),
        "{stderr}"
    );
    assert!(stderr.contains("--urban-boundary"), "{stderr}");
}

/// A 100 m farmland square at (500,000 E, 3,500,000 N) on EPSG:4545, as GeoJSON on the plane or
/// in CGCS2000 lon/lat.
fn farmland_layer(dir: &Path, geographic: bool) -> PathBuf {
    let (x, y) = (500_000.0, 3_500_000.0);
    let mut ring = vec![
        [x, y],
        [x + 100.0, y],
        [x + 100.0, y + 100.0],
        [x, y + 100.0],
        [x, y],
    ];
    let mut crs = "urn:ogc:def:crs:EPSG::4545";
    if geographic {
        let plane = guagou_geo::Crs::GaussKruger {
            zone: 36,
            prefixed: false,
        };
        let polygon = geo::MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
            Vec::new(),
        )]);
        let lon_lat =
            guagou_geo::crs::transform_geometry(&polygon, plane, guagou_geo::Crs::Geographic)
                .unwrap();
        ring = lon_lat.0[0]
            .exterior()
            .0
            .iter()
            .map(|c| [c.x, c.y])
            .collect();
        crs = "urn:ogc:def:crs:EPSG::4490";
    }
    let layer = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": crs } },
        "features": [{
            "type": "Feature",
            "properties": { "BSM": "JBNT-T1", "MC": "测试永久基本农田" },
            "geometry": { "type": "Polygon", "coordinates": [ring] },
        }],
    });
    let path = dir.join(if geographic {
        "farmland-4490.geojson"
    } else {
        "farmland.geojson"
    });
    std::fs::write(&path, layer.to_string()).unwrap();
    path
}

/// Case a's package with construction-zone parcels `(name, x, y, w, h)` on the plane.
fn with_construction(
    synth: &Path,
    answers: &Value,
    dir: &Path,
    parcels: &[(&str, f64, f64, f64, f64)],
) -> PathBuf {
    let source = synth.join(answers["projects"][0]["dir"].as_str().unwrap());
    let package = dir.join("package");
    if package.exists() {
        std::fs::remove_dir_all(&package).unwrap();
    }
    std::fs::create_dir_all(&package).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), package.join(entry.file_name())).unwrap();
    }
    let features: Vec<Value> = parcels
        .iter()
        .map(|&(name, x, y, w, h)| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "name": name },
                "geometry": { "type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]] },
            })
        })
        .collect();
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    std::fs::write(package.join("construction.geojson"), collection.to_string()).unwrap();
    let mut manifest = std::fs::read_to_string(package.join("project.toml")).unwrap();
    manifest.push_str("\n[[parcels]]\nfile = \"construction.geojson\"\nrole = \"construction\"\n");
    std::fs::write(package.join("project.toml"), manifest).unwrap();
    package
}

#[test]
fn construction_parcels_at_the_farmland_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let (synth, answers) = synth(dir.path());
    let as_of = answers["as_of"].as_str().unwrap().to_owned();
    let (x, y) = (500_000.0, 3_500_000.0);
    let rule_id = "CONSTRUCTION_NOT_ON_PERMANENT_FARMLAND";
    for geographic in [false, true] {
        let layer = farmland_layer(dir.path(), geographic);
        let layers = [("--permanent-farmland", layer)];
        // A touch (shared west edge) and 1.2 m² inside (rounds to the 1 m² tolerance) pass.
        let package = with_construction(
            &synth,
            &answers,
            dir.path(),
            &[
                ("C-touch", x - 50.0, y, 50.0, 50.0),
                ("C-at", x - 49.0, y + 10.0, 50.0, 1.2),
            ],
        );
        let (_, results) = check(&package, &as_of, &layers);
        let got = rule(&results, rule_id);
        assert_eq!(got["passed"], true, "{got}");
        // 1.6 m² inside (2 m² > 1 m²) fails, naming the parcel, the feature and the area.
        let package = with_construction(
            &synth,
            &answers,
            dir.path(),
            &[("C-over", x - 49.0, y + 10.0, 50.0, 1.6)],
        );
        let (code, results) = check(&package, &as_of, &layers);
        assert_eq!(code, Some(1));
        let got = rule(&results, rule_id);
        assert_eq!(got["passed"], false, "{got}");
        assert_eq!(got["measured"]["value"], 2, "{got}");
        let message = got["message_en"].as_str().unwrap();
        assert!(message.contains("C-over"), "{message}");
        assert!(
            message.contains("BSM JBNT-T1 测试永久基本农田"),
            "{message}"
        );
        assert!(message.contains("2 m²"), "{message}");
    }
}
