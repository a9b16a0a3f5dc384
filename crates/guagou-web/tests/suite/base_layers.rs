//! Stored land-use layers in the web application: a county's current layer decides
//! DEMOLITION_IS_CONSTRUCTION_LAND in the upload pre-check, naming the offending parcel, the
//! features under it and the layer read; a replacement layer takes over; the import is
//! audited and refused outside the importer's county.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use axum::http::StatusCode;
use guagou_base::{ImportOptions, Progress};
use guagou_domain::DivisionCode;
use guagou_registry::Actor;
use guagou_registry::base_layers::LandUseImport;

use crate::common::{Must, TestApp, demo_app};
use crate::upload::{audit_count, package_dir, page_check, passing_zip, rule_row};

/// A land-use layer made of the example's own demolition parcels: each one feature of class
/// 0702 (rural homestead), except the parcels named in `farmland`, which are 0103 (dry land).
fn layer_of_the_example(dir: &Path, farmland: &[&str]) -> std::path::PathBuf {
    let package = package_dir("xuanhan-nanba-pass");
    let mut file = guagou_geo::formats::read_parcels(&package.path().join("demolition.txt")).must();
    for (i, parcel) in file.parcels.iter_mut().enumerate() {
        let code = if farmland.contains(&parcel.name.as_str()) {
            "0103"
        } else {
            "0702"
        };
        parcel.attributes = BTreeMap::from([
            ("DLBM".to_owned(), code.to_owned()),
            ("BSM".to_owned(), format!("51172200{i:04}")),
            ("name".to_owned(), parcel.name.clone()),
        ]);
    }
    let path = dir.join(format!("landuse-{}.geojson", farmland.len()));
    guagou_geo::formats::write_parcels(&path, &file, None).must();
    path
}

async fn import(app: &TestApp, actor: &str, source: &Path, replace: bool) -> Result<i64, String> {
    let request = LandUseImport {
        source: source.to_path_buf(),
        county: DivisionCode::parse("511722").must(),
        vintage: 2018,
        options: ImportOptions::default(),
        reason: "2018年度土地变更调查".into(),
        replace,
    };
    let mut steps = Vec::new();
    let result = app
        .registry
        .as_principal(&Actor::parse(actor).must())
        .import_landuse(&request, &mut |p| steps.push(p))
        .await;
    match result {
        Ok(layer) => {
            assert!(steps.contains(&Progress::Reading));
            Ok(layer.id)
        }
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_check_reads_the_county_layer() {
    let app = demo_app().await;
    let county = app.login("county").await;

    // No layer yet: the rule is listed as not checked, and no layer is named.
    let before = page_check(&app, &county, &passing_zip()).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(before.body.contains("DEMOLITION_IS_CONSTRUCTION_LAND"));
    assert!(!before.body.contains("id=\"base-layers\""));

    let division = app.get(&county, "/divisions/511722").await;
    assert!(
        division.body.contains("id=\"base-layers\""),
        "{}",
        division.body
    );
    assert!(division.body.contains("尚未导入"));

    let work = tempfile::tempdir().must();
    let failing = layer_of_the_example(work.path(), &["拆旧10"]);
    let audits = audit_count(&app, "base_layer.import").await;
    let first = import(&app, "王@511722", &failing, false).await.must();
    assert_eq!(audit_count(&app, "base_layer.import").await, audits + 1);

    let reply = page_check(&app, &county, &passing_zip()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let row = rule_row(&reply.body, "DEMOLITION_IS_CONSTRUCTION_LAND");
    assert!(row.contains("class=\"blocking\""), "{row}");
    assert!(row.contains("拆旧10"), "{row}");
    assert!(row.contains("0103"), "{row}");
    assert!(
        row.contains("BSM 51172200"),
        "the feature under it is named: {row}"
    );
    assert!(reply.body.contains("id=\"base-layers\""));
    assert!(
        reply
            .body
            .contains(&format!("landuse 511722 2018 #{first}"))
    );

    // The same vintage again is refused unless it replaces the current layer.
    let passing = layer_of_the_example(work.path(), &[]);
    let refused = import(&app, "王@511722", &passing, false)
        .await
        .unwrap_err();
    assert!(refused.contains("--replace"), "{refused}");
    let second = import(&app, "王@511722", &passing, true).await.must();
    let layers = app
        .registry
        .auditor()
        .base_layers(Some("511722"))
        .await
        .must();
    assert_eq!(layers.len(), 2);
    assert_eq!(
        layers
            .iter()
            .find(|l| l.id == first)
            .and_then(|l| l.replaced_by),
        Some(second)
    );

    let reply = page_check(&app, &county, &passing_zip()).await;
    let row = rule_row(&reply.body, "DEMOLITION_IS_CONSTRUCTION_LAND");
    assert!(row.contains("class=\"passed\""), "{row}");

    // The county's page lists both layers: the replaced one and the one the checks read.
    let division = app.get(&county, "/divisions/511722").await;
    assert!(
        division.body.contains(&format!("已被 #{second} 替换")),
        "{}",
        division.body
    );
    assert!(division.body.contains("现行（检查所用）"));
    assert!(
        reply
            .body
            .contains(&format!("landuse 511722 2018 #{second}"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_refused_outside_the_county_and_without_a_reason() {
    let app = demo_app().await;
    let work = tempfile::tempdir().must();
    let source = layer_of_the_example(work.path(), &[]);
    let other = import(&app, "李@511723", &source, false).await.unwrap_err();
    assert!(other.contains("511722"), "{other}");
    let request = LandUseImport {
        source: source.clone(),
        county: DivisionCode::parse("511722").must(),
        vintage: 2018,
        options: ImportOptions::default(),
        reason: "  ".into(),
        replace: false,
    };
    let error = app
        .registry
        .as_principal(&Actor::parse("王@511722").must())
        .import_landuse(&request, &mut |_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("reason"), "{error}");
    assert!(
        app.registry
            .auditor()
            .base_layers(None)
            .await
            .must()
            .is_empty()
    );
    // Nothing left behind in the layer folder either.
    let base = app.dir.path().join("data").join("base");
    let files = std::fs::read_dir(&base).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0);
}

/// A layer of a registered project's demolition parcels (lon/lat GeoJSON from the registry),
/// each of class 0103 (dry land) except the parcels named in `homestead` (0702).
async fn layer_of_project(
    app: &TestApp,
    code: &str,
    version: i64,
    dir: &Path,
    homestead: &[String],
) -> std::path::PathBuf {
    let mut features = app
        .registry
        .auditor()
        .parcel_features(code, version)
        .await
        .must();
    let list = features["features"].as_array_mut().must();
    list.retain(|f| f["properties"]["role"] == "demolition");
    for (i, feature) in list.iter_mut().enumerate() {
        let name = feature["properties"]["name"].as_str().must().to_owned();
        let class = if homestead.contains(&name) {
            "0702"
        } else {
            "0103"
        };
        feature["properties"] =
            serde_json::json!({ "DLBM": class, "BSM": format!("R{i}"), "name": name });
    }
    let path = dir.join(format!("reclaimed-{}.geojson", homestead.len()));
    std::fs::write(&path, features.to_string()).must();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_is_refused_while_reclaimed_parcels_are_not_farmland() {
    use guagou_domain::lifecycle::{ProjectAction, ProjectState};
    let app = demo_app().await;
    let project = app
        .registry
        .auditor()
        .projects(Some(ProjectState::AcceptanceApplied))
        .await
        .must()
        .into_iter()
        .next()
        .must();
    let code = project.code.clone();
    let version = app
        .registry
        .auditor()
        .acceptance(&code)
        .await
        .must()
        .must()
        .change_version
        .unwrap_or(project.current_version);
    let approved: i64 = project.approved_on.as_deref().must()[..4].parse().must();
    let work = tempfile::tempdir().must();
    let features = app
        .registry
        .auditor()
        .parcel_features(&code, version)
        .await
        .must();
    let first = features["features"]
        .as_array()
        .must()
        .iter()
        .find(|f| f["properties"]["role"] == "demolition")
        .must()["properties"]["name"]
        .as_str()
        .must()
        .to_owned();
    let county = DivisionCode::parse(&project.county).must();
    let importer = Actor::parse(&format!("王@{}", project.county)).must();
    let request = |source: std::path::PathBuf, replace: bool| LandUseImport {
        source,
        county: county.clone(),
        vintage: approved + 1,
        options: ImportOptions::default(),
        reason: "验收年度变更调查".into(),
        replace,
    };
    let city = Actor::parse("市局@511700").must();
    let as_of = chrono_date("2019-07-15");

    // One reclaimed parcel is still a homestead in the updated layer: refused, by rule.
    let still_built = layer_of_project(
        &app,
        &code,
        version,
        work.path(),
        std::slice::from_ref(&first),
    )
    .await;
    app.registry
        .as_principal(&importer)
        .import_landuse(&request(still_built, false), &mut |_| {})
        .await
        .must();
    // The project page shows, before the city decides, what the acceptance will find.
    let session = app.login("city").await;
    let page = app.get(&session, &format!("/projects/{code}")).await;
    assert!(page.body.contains("底图核算复垦耕地"), "{}", page.body);
    assert!(
        page.body
            .contains("<span class=\"fail\">复垦地块耕地占比最低"),
        "{}",
        page.body
    );
    let refused = app
        .registry
        .as_principal(&city)
        .project_action(&code, ProjectAction::Accept, as_of, "验收")
        .await
        .unwrap_err();
    assert!(
        refused
            .rules()
            .iter()
            .any(|r| r.as_str() == "RECLAIMED_IS_FARMLAND"),
        "{refused}"
    );
    assert!(refused.to_string().contains(&first), "{refused}");
    assert_eq!(
        app.registry.auditor().project(&code).await.must().state,
        ProjectState::AcceptanceApplied,
        "nothing changed"
    );

    // The corrected layer: all farmland. Accepted, and the audit record names the layer.
    let farmland = layer_of_project(&app, &code, version, work.path(), &[]).await;
    let layer = app
        .registry
        .as_principal(&importer)
        .import_landuse(&request(farmland, true), &mut |_| {})
        .await
        .must();
    let api = app
        .get(&session, &format!("/api/projects/{code}/acceptance"))
        .await;
    let view: serde_json::Value = serde_json::from_str(&api.body).must();
    assert_eq!(view["layer_check"]["result"]["passed"], true, "{view}");
    assert_eq!(
        view["layer_check"]["new_farmland"]["within_tolerance"], false,
        "{view}"
    );
    let page = app.get(&session, &format!("/projects/{code}")).await;
    assert!(
        page.body.contains("<span class=\"warn\">验收新增耕地"),
        "{}",
        page.body
    );
    let accepted = app
        .registry
        .as_principal(&city)
        .project_action(&code, ProjectAction::Accept, as_of, "验收")
        .await
        .must();
    assert_eq!(accepted.state, ProjectState::Accepted);
    let payload: String = guagou_registry::testing::text(
        &app.registry,
        "SELECT payload FROM audit_log WHERE action = 'project.transition' AND subject = $1 ORDER BY seq DESC LIMIT 1",
        &[&code],
    )
    .await
    .must();
    assert!(payload.contains("reclaimed_is_farmland"), "{payload}");
    assert!(payload.contains(&layer.label()), "{payload}");
    // 三(一) 新增耕地: the layer shows the reclaimed parcels as 0103 whole, so its figure is
    // their area net of the 田坎 coefficient; the demo's acceptance declared (about) the whole
    // area, more than the tolerance above it: reported in the record, not refused.
    let payload: serde_json::Value = serde_json::from_str(&payload).must();
    let new_farmland = &payload["reclaimed_is_farmland"]["new_farmland"];
    let declared = new_farmland["declared_m2"].as_i64().must();
    let layer_m2 = new_farmland["layer_m2"].as_i64().must();
    let tolerance = new_farmland["tolerance_m2"].as_i64().must();
    assert_eq!(
        new_farmland["difference_m2"].as_i64(),
        Some(declared - layer_m2)
    );
    assert!((declared - layer_m2).abs() > tolerance, "{new_farmland}");
    assert_eq!(new_farmland["within_tolerance"], false, "{new_farmland}");
    assert!(
        new_farmland["message_zh"]
            .as_str()
            .must()
            .contains("超过容差"),
        "{new_farmland}"
    );
}

fn chrono_date(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").must()
}
