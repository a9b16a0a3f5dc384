//! `guagou check --base LAYER` with a raw layer file: the 城镇村属性码 is read from the profile's
//! field names, and a construction class counts as rural construction land only inside a
//! village (issue 13, item 8). The passing example's layer, its homesteads (0702) recoded as
//! 工业用地 (0601) with the attribute given three ways.

use std::path::{Path, PathBuf};

use guagou_check::measure::{CheckInputs, run_check};
use guagou_domain::landclass::LandClassTable;
use guagou_domain::{Profile, RuleId};

trait Must<T> {
    fn must(self) -> T;
}
impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/xuanhan-nanba-pass")
}

/// The example's base layer with 0702 recoded to `code` and `extra` added to those features.
fn layer(dir: &Path, name: &str, code: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(example().join("base-landuse.geojson")).must();
    let text = text.replace(
        "\"DLBM\": \"0702\",",
        &format!("\"DLBM\": \"{code}\",{extra}"),
    );
    let path = dir.join(name);
    std::fs::write(&path, text).must();
    path
}

fn construction_result(base: PathBuf) -> guagou_domain::check::RuleResult {
    let inputs = CheckInputs {
        package_dir: example(),
        profile: Profile::dazhou_2017().must(),
        land_classes: LandClassTable::gbt21010().must(),
        base_layer: Some(base),
        reclaimed_layer: None,
        base_class_field: None,
        others: Vec::new(),
        other_projects: Vec::new(),
        townships: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2018, 6, 1).unwrap_or_default(),
    };
    let outcome = run_check(&inputs).must();
    outcome
        .report
        .results
        .iter()
        .find(|r| r.rule == RuleId::DemolitionIsConstructionLand)
        .cloned()
        .unwrap_or_else(|| panic!("{:?}", outcome.report))
}

#[test]
fn a_construction_class_counts_only_with_a_village_attribute() {
    let dir = tempfile::tempdir().must();
    let d = dir.path();
    // As shipped: 0702 counts outright.
    assert!(construction_result(example().join("base-landuse.geojson")).passed);
    // 0601 inside a village (CZCSXM 203, or the Chinese field name, 203A): counts.
    let village = layer(d, "village.geojson", "0601", " \"CZCSXM\": \"203\",");
    assert!(construction_result(village).passed);
    let named = layer(d, "named.geojson", "0601", " \"城镇村属性码\": \"203A\",");
    assert!(construction_result(named).passed);
    // 0601 in a town, or without the attribute: not rural construction land.
    let town = layer(d, "town.geojson", "0601", " \"CZCSXM\": \"202\",");
    let r = construction_result(town);
    assert!(!r.passed);
    assert!(r.message_zh.contains("0601(202)"), "{}", r.message_zh);
    let bare = layer(d, "bare.geojson", "0601", "");
    assert!(!construction_result(bare).passed);
    // 二调 072 农村宅基地 counts; 1003 公路用地 does not, even inside a village.
    let second = layer(d, "second.geojson", "072", "");
    assert!(construction_result(second).passed);
    let road = layer(d, "road.geojson", "1003", " \"CZCSXM\": \"203\",");
    assert!(!construction_result(road).passed);
}
