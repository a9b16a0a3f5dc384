//! Stored protection layers (三区三线) in the web application: the county page lists them; the
//! upload pre-check reads the county's current layer of each kind — a resettlement site on
//! 永久基本农田 blocks, naming the site, the feature and the overlap; a demolition parcel in
//! 生态保护红线 is reported without blocking; a kind not imported stays "not checked".

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use guagou_base::ImportOptions;
use guagou_domain::DivisionCode;
use guagou_domain::protection::ProtectionKind;
use guagou_registry::Actor;
use guagou_registry::base_layers::LayerImport;

use crate::common::{Must, TestApp, demo_app};
use crate::upload::{audit_count, package_dir, page_check, passing_zip, rule_row};

/// A protection layer made of the first parcel of one of the example's files.
fn layer_of(dir: &Path, file: &str, bsm: &str, name: &str) -> PathBuf {
    let package = package_dir("xuanhan-nanba-pass");
    let mut parcels = guagou_geo::formats::read_parcels(&package.path().join(file)).must();
    parcels.parcels.truncate(1);
    for parcel in &mut parcels.parcels {
        parcel.attributes = BTreeMap::from([
            ("BSM".to_owned(), bsm.to_owned()),
            ("MC".to_owned(), name.to_owned()),
        ]);
    }
    let path = dir.join(format!("{bsm}.geojson"));
    guagou_geo::formats::write_parcels(&path, &parcels, None).must();
    path
}

async fn import(app: &TestApp, kind: ProtectionKind, source: &Path) -> i64 {
    let request = LayerImport {
        source: source.to_path_buf(),
        county: DivisionCode::parse("511722").must(),
        vintage: 2022,
        options: ImportOptions::default(),
        reason: "三区三线划定成果".into(),
        replace: false,
    };
    app.registry
        .as_principal(&Actor::parse("王@511722").must())
        .import_protection(kind, &request, &mut |_| {})
        .await
        .must()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_check_screens_on_the_county_protection_layers() {
    let app = demo_app().await;
    let county = app.login("county").await;

    let division = app.get(&county, "/divisions/511722").await;
    assert!(
        division.body.contains("id=\"protection-layers\""),
        "{}",
        division.body
    );
    assert!(division.body.contains("guagou import protection"));

    let work = tempfile::tempdir().must();
    let farmland = layer_of(
        work.path(),
        "resettlement.geojson",
        "JBNT01",
        "南坝永久基本农田",
    );
    let redline = layer_of(work.path(), "demolition.txt", "STHX01", "南坝生态保护红线");
    let audits = audit_count(&app, "base_layer.import").await;
    let farmland_id = import(&app, ProtectionKind::PermanentFarmland, &farmland).await;
    let redline_id = import(&app, ProtectionKind::EcologicalRedline, &redline).await;
    assert_eq!(audit_count(&app, "base_layer.import").await, audits + 2);

    let reply = page_check(&app, &county, &passing_zip()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let row = rule_row(&reply.body, "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND");
    assert!(row.contains("class=\"blocking\""), "{row}");
    // The severity by name, not its stored value.
    assert!(
        row.contains("<td>错误</td>") && !row.contains(">error<"),
        "{row}"
    );
    assert!(row.contains("BSM JBNT01 南坝永久基本农田"), "{row}");
    assert!(row.contains("m²"), "{row}");
    let row = rule_row(&reply.body, "DEMOLITION_IN_ECOLOGICAL_REDLINE");
    assert!(!row.contains("class=\"blocking\""), "{row}");
    assert!(row.contains("STHX01"), "{row}");
    assert!(row.contains("class=\"information\""), "{row}");
    assert!(row.contains("提示"), "{row}");
    let row = rule_row(&reply.body, "RESETTLEMENT_NOT_IN_ECOLOGICAL_REDLINE");
    assert!(row.contains("class=\"passed\""), "{row}");
    // No urban boundary was imported: its rule is not checked, and says why.
    assert!(reply.body.contains("RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY"));
    assert!(
        reply.body.contains("本县未导入城镇开发边界图层"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains(&format!("permanent_farmland 511722 2022 #{farmland_id}"))
    );

    // The county page lists them with their kind, each current.
    let division = app.get(&county, "/divisions/511722").await;
    let at = division.body.find("id=\"protection-layers\"").must();
    let section = &division.body[at..];
    assert!(section.contains("永久基本农田"), "{section}");
    assert!(section.contains("生态保护红线"), "{section}");
    assert!(section.contains(&format!("#{redline_id}")), "{section}");
    assert!(section.contains("现行（检查所用）"), "{section}");

    // Registration and a new version read the same layers: the results they store carry the
    // screening (a failed error rule saves the project as a draft; submission stays refused).
    let staff = app.registry.as_principal(&Actor::parse("王@511722").must());
    let as_of = chrono::NaiveDate::from_ymd_opt(2019, 7, 15).must();
    let (project, results, _) = staff
        .register_project_from_zip("package.zip", &passing_zip(), as_of, "三区三线测试")
        .await
        .must();
    let screened = |results: &[guagou_domain::check::RuleResult], id: &str| {
        results
            .iter()
            .find(|r| r.rule.as_str() == id)
            .map(|r| r.passed)
    };
    assert_eq!(
        screened(&results, "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND"),
        Some(false)
    );
    assert_eq!(
        screened(&results, "DEMOLITION_IN_ECOLOGICAL_REDLINE"),
        Some(false)
    );
    assert_eq!(
        screened(&results, "RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY"),
        None
    );
    let (_, results, _) = staff
        .add_version_from_zip(
            &project.code,
            "package.zip",
            &passing_zip(),
            as_of,
            "新版本",
        )
        .await
        .must();
    assert_eq!(
        screened(&results, "RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND"),
        Some(false)
    );
}
