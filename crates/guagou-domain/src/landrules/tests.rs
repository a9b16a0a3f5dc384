//! Boundary tests of the land-use readings: each class that counts and the one beside it that
//! does not, with and without the 城镇村属性码.

use super::*;
use crate::profile::Profile;

fn setup() -> (LandUseRules, LandClassTable) {
    let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
    let table = LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}"));
    (profile.land_use, table)
}

#[test]
fn class_keys_carry_the_village_attribute() {
    assert_eq!(class_key("0601", Some("203")), "0601(203)");
    assert_eq!(class_key(" 0702 ", Some(" ")), "0702");
    assert_eq!(class_key("0702", None), "0702");
    assert_eq!(split_class_key("0601(203A)"), ("0601", Some("203A")));
    assert_eq!(split_class_key("0601"), ("0601", None));
    assert_eq!(split_class_key("0601()"), ("0601", None));
}

#[test]
fn rural_construction_outright_and_never() {
    let (rules, table) = setup();
    let rural = |key: &str| rules.is_rural_construction(&table, key);
    // Counts whatever the attribute: 三调 0702, 二调 072 and 203 村庄.
    for key in ["0702", "0702(201)", "072", "203", "203(203)"] {
        assert_eq!(rural(key), Some(true), "{key}");
    }
    // Never: urban land, roads, water works, 盐田, 特殊用地 (09, 二调 095), and 耕地.
    for key in [
        "09",
        "09(203)",
        "0906(203)",
        "095(203)",
        "201",
        "202",
        "1003",
        "1003(203)",
        "1103",
        "1103(203)",
        "1109(203)",
        "0603",
        "0603(203)",
        "102",
        "113",
        "0103",
        "0103(203)",
    ] {
        assert_eq!(rural(key), Some(false), "{key}");
    }
    assert_eq!(rural("9999"), None);
}

#[test]
fn construction_classes_count_only_inside_a_village() {
    let (rules, table) = setup();
    let rural = |key: &str| rules.is_rural_construction(&table, key);
    for code in ["05H1", "0601", "08H2", "1201", "1004", "051", "121", "103"] {
        assert_eq!(rural(code), Some(false), "{code} without attribute");
        assert_eq!(
            rural(&format!("{code}(201)")),
            Some(false),
            "{code} in a city"
        );
        assert_eq!(
            rural(&format!("{code}(202)")),
            Some(false),
            "{code} in a town"
        );
        assert_eq!(
            rural(&format!("{code}(203)")),
            Some(true),
            "{code} in a village"
        );
        assert_eq!(rural(&format!("{code}(203A)")), Some(true), "{code} 203A");
        assert_eq!(rural(&format!("{code}(204)")), Some(false), "{code} 204");
    }
}

#[test]
fn rural_construction_share_adds_only_what_counts() {
    let (rules, table) = setup();
    let classes = vec![
        ("0702".to_owned(), 600.0),
        ("0601(203)".to_owned(), 100.0),
        ("0601(201)".to_owned(), 50.0),
        ("1003".to_owned(), 40.0),
        ("XX99".to_owned(), 10.0),
    ];
    let counted = rules.rural_construction(&table, &classes);
    assert_eq!(counted.matching_m2, 700.0);
    assert_eq!(counted.unknown_codes, ["XX99"]);
}

#[test]
fn reclaimed_farmland_counts_supporting_classes_up_to_their_share() {
    let (rules, table) = setup();
    let parcel = 1_000.0;
    // A hilly reclamation: 旱地 with 田坎 and a farm road: all of it counts.
    let hilly = vec![
        ("0103".to_owned(), 750.0),
        ("1203".to_owned(), 180.0),
        ("1006".to_owned(), 50.0),
        ("1107".to_owned(), 20.0),
    ];
    let counted = rules.reclaimed_farmland(&table, parcel, &hilly);
    assert_eq!(counted.matching_m2, 1_000.0);
    // Supporting land counts up to 30 % of the parcel, not beyond.
    let at_cap = vec![("0103".to_owned(), 700.0), ("1006".to_owned(), 300.0)];
    assert_eq!(
        rules
            .reclaimed_farmland(&table, parcel, &at_cap)
            .matching_m2,
        1_000.0
    );
    let over = vec![("0103".to_owned(), 690.0), ("1006".to_owned(), 310.0)];
    assert_eq!(
        rules.reclaimed_farmland(&table, parcel, &over).matching_m2,
        990.0
    );
    // A homestead left standing does not count; 二调 013 旱地 and 123 田坎 do.
    let mixed = vec![
        ("0702".to_owned(), 100.0),
        ("013".to_owned(), 800.0),
        ("123".to_owned(), 100.0),
    ];
    assert_eq!(
        rules.reclaimed_farmland(&table, parcel, &mixed).matching_m2,
        900.0
    );
    // 园地 and 林地 are not 耕地.
    assert_eq!(
        rules.reclaimed_role(&table, "0201"),
        Some(ReclaimedRole::Other)
    );
    assert_eq!(
        rules.reclaimed_role(&table, "0301"),
        Some(ReclaimedRole::Other)
    );
    assert_eq!(
        rules.reclaimed_role(&table, "0101"),
        Some(ReclaimedRole::Cultivated)
    );
}

#[test]
fn new_farmland_is_net_of_the_tiankan_coefficient_and_compared_with_a_tolerance() {
    let (mut rules, table) = setup();
    rules.tiankan_coefficient.value = 0.15;
    rules.new_farmland_tolerance.value = 0.05;
    let classes = vec![
        ("0103".to_owned(), 10_000.0),
        ("1203".to_owned(), 500.0),
        ("1006".to_owned(), 300.0),
    ];
    let layer = rules.new_farmland_m2(&table, &classes);
    assert!((layer - 8_500.0).abs() < 1e-9, "{layer}");
    // Tolerance 425 m²: at it, within; one more, reported.
    let at = rules.compare_new_farmland(8_925, layer);
    assert!(at.within_tolerance, "{at:?}");
    assert_eq!(at.tolerance_m2, 425);
    assert_eq!(at.difference_m2, 425);
    let below = rules.compare_new_farmland(8_075, layer);
    assert!(below.within_tolerance, "{below:?}");
    let over = rules.compare_new_farmland(8_926, layer);
    assert!(!over.within_tolerance);
    assert!(
        over.message_zh.contains("超过容差 425 m²"),
        "{}",
        over.message_zh
    );
    assert!(
        over.message_en.contains("more than the tolerance"),
        "{}",
        over.message_en
    );
    let under = rules.compare_new_farmland(8_074, layer);
    assert!(!under.within_tolerance);
    assert_eq!(under.difference_m2, -426);
}

#[test]
fn the_profile_section_is_checked_on_load() {
    let text = crate::profile::DAZHOU_2017_TOML;
    let broken = text.replace(
        "tiankan_coefficient = { value = 0.15",
        "tiankan_coefficient = { value = 1.5",
    );
    assert!(matches!(
        Profile::from_toml("x.toml", &broken),
        Err(crate::profile::ProfileError::Invalid { ref field, .. }) if field == "land_use.tiankan_coefficient"
    ));
    let broken = text.replace(
        "max_supporting_share = { value = 0.30",
        "max_supporting_share = { value = -0.1",
    );
    assert!(Profile::from_toml("x.toml", &broken).is_err());
    let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.land_use.tiankan_coefficient.clause, "三(一)");
    assert!(
        profile
            .land_use
            .tiankan_coefficient
            .note
            .as_deref()
            .is_some_and(|n| n.contains("待核"))
    );
}
