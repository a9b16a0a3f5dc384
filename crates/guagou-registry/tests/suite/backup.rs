//! Backup and restore (from SQLite or PostgreSQL): an online backup taken while writers go on is consistent (its chains
//! verify), carries the stored base layers, restores into an empty data directory with the
//! same chain heads, and a damaged backup or an occupied data directory is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use guagou_base::ImportOptions;
use guagou_domain::DivisionCode;
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::backup::{MANIFEST, restore};
use guagou_registry::base_layers::LandUseImport;
use guagou_registry::testing::{AuditRecord, SQLITE_FILE, TestDb};
use guagou_registry::{Actor, FixedClock, Registry};

fn clock() -> Box<FixedClock> {
    Box::new(FixedClock("2019-07-15T09:00:00+08:00".into()))
}

/// On SQLite in `data`, or on PostgreSQL under `GUAGOU_TEST_DATABASE` (the backup then copies
/// out of one snapshot instead of `VACUUM INTO`); base layers in `data/base` either way.
async fn registry(data: &Path) -> Registry {
    let mut r = Registry::new(
        TestDb::create(data).await.unwrap().open().await.unwrap(),
        Profile::dazhou_2017().unwrap(),
        LandClassTable::gbt21010().unwrap(),
        clock(),
    );
    r.base_dir = Some(data.join("base"));
    r
}

/// A one-feature land-use layer in lon/lat near 宣汉.
fn small_layer(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("layer.geojson");
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"DLBM":"0702"},
        "geometry":{"type":"Polygon","coordinates":[[[107.7,31.3],[107.701,31.3],[107.701,31.301],[107.7,31.301],[107.7,31.3]]]}}]}"#,
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_verifies_and_restores_with_the_same_heads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let r = Arc::new(registry(&data).await);
    r.build_demo(&dir.path().join("packages")).await.unwrap();
    let request = LandUseImport {
        source: small_layer(dir.path()),
        county: DivisionCode::parse("511722").unwrap(),
        vintage: 2019,
        options: ImportOptions::default(),
        reason: "测试底图".into(),
        replace: false,
    };
    r.as_principal(&Actor::parse("王@511722").unwrap())
        .import_landuse(&request, &mut |_| {})
        .await
        .unwrap();

    // Writers append to the audit chain while the backup runs.
    let writer = {
        let r = Arc::clone(&r);
        tokio::spawn(async move {
            for i in 0..300 {
                let mut tx = r.store_for_tests().begin_write().await.unwrap();
                tx.audit(AuditRecord {
                    actor: "测试@511700".into(),
                    at: "2019-07-15T09:00:00+08:00".into(),
                    action: "test.write".into(),
                    subject: format!("w{i}"),
                    reason: "并发写入".into(),
                    payload: serde_json::json!({ "i": i }),
                    ..Default::default()
                })
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        })
    };
    let target = dir.path().join("backup");
    let manifest = r.backup(&target).await.unwrap();
    writer.await.unwrap();
    let after = r.store_for_tests().verify_audit().await.unwrap();
    assert!(manifest.audit.count <= after.records);
    assert!(manifest.ledger.count > 0 && manifest.funds.count > 0);
    assert_eq!(manifest.base_layers.len(), 1);
    assert!(target.join(MANIFEST).exists());

    let restored = dir.path().join("restored");
    let again = restore(
        &target,
        &restored,
        Profile::dazhou_2017().unwrap(),
        LandClassTable::gbt21010().unwrap(),
        clock(),
    )
    .await
    .unwrap();
    assert_eq!(again, manifest);
    // A restore is SQLite in its data directory, whichever database was backed up.
    let mut back = Registry::new(
        guagou_store::Store::open(&restored).await.unwrap(),
        Profile::dazhou_2017().unwrap(),
        LandClassTable::gbt21010().unwrap(),
        clock(),
    );
    back.base_dir = Some(restored.join("base"));
    assert_eq!(
        back.store_for_tests()
            .verify_audit()
            .await
            .unwrap()
            .head_hash,
        manifest.audit.head_hash
    );
    let layer = back
        .as_principal(&back.operator())
        .base_layers(Some("511722"))
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.kind == "landuse")
        .unwrap();
    assert!(back.base_layer_path(&layer).unwrap().exists());

    // Never over an existing registry, and never into a non-empty backup folder.
    let occupied = restore(
        &target,
        &restored,
        Profile::dazhou_2017().unwrap(),
        LandClassTable::gbt21010().unwrap(),
        clock(),
    )
    .await;
    assert!(
        occupied
            .unwrap_err()
            .to_string()
            .contains("not overwritten")
    );
    assert!(
        r.backup(&target)
            .await
            .unwrap_err()
            .to_string()
            .contains("not empty")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_backup_is_refused_before_anything_is_copied() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let r = registry(&data).await;
    r.build_demo(&dir.path().join("packages")).await.unwrap();
    let target = dir.path().join("backup");
    r.backup(&target).await.unwrap();
    let db = target.join(SQLITE_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&db, bytes).unwrap();
    let restored = dir.path().join("restored");
    let error = restore(
        &target,
        &restored,
        Profile::dazhou_2017().unwrap(),
        LandClassTable::gbt21010().unwrap(),
        clock(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(error.contains("manifest"), "{error}");
    assert!(!restored.join(SQLITE_FILE).exists());
}
