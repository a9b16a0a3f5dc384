//! Boundary tests: every package rule at its profile limit.

use super::*;

fn profile() -> Profile {
    match Profile::dazhou_2017() {
        Ok(p) => p,
        Err(e) => panic!("built-in profile: {e}"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn township(code: &str) -> Option<DivisionCode> {
    DivisionCode::parse(code).ok()
}

/// A package that passes every rule: 8 ha in one township, 2 ha for 300 persons nearby.
fn good() -> PackageFacts {
    PackageFacts {
        demolition: vec![
            DemolitionParcel {
                name: "D1".into(),
                township: township("511722104"),
                area_m2: 50_000.0,
            },
            DemolitionParcel {
                name: "D2".into(),
                township: township("511722104"),
                area_m2: 30_000.0,
            },
        ],
        resettlement: vec![ResettlementSite {
            name: "R1".into(),
            area_m2: 20_000.0,
            distance_to_served_m: Some(300.0),
        }],
        persons_resettled: Some(300),
        potential_survey_date: Some(day(2018, 3, 1)),
        willingness_survey_date: Some(day(2018, 4, 1)),
        households: Some(vec![Household {
            id: "H1".into(),
            name: "张三".into(),
            consent: Consent::Consented,
            method: Some(ResettlementMethod::Concentrated),
        }]),
        relocation_households: Some(vec![RelocationHousehold {
            id: "H1".into(),
            name: "张三".into(),
            village: "511722104201".into(),
            in_demolition_zone: true,
        }]),
        overlaps: Some(Vec::new()),
        construction_shares: Some(vec![ClassShare {
            parcel: "D1".into(),
            parcel_area_m2: 50_000.0,
            matching_m2: 50_000.0,
            classes: vec![("0702".into(), 50_000.0)],
            ..ClassShare::default()
        }]),
        farmland_shares: None,
        // Every protection layer given, nothing of the package under any.
        protection: crate::protection::ProtectionKind::ALL
            .map(|kind| (kind, Vec::new()))
            .into(),
        justifications: BTreeMap::new(),
    }
}

fn result(report: &CheckReport, rule: RuleId) -> &RuleResult {
    match report.results.iter().find(|r| r.rule == rule) {
        Some(r) => r,
        None => panic!("{rule} not in report: {report:?}"),
    }
}

fn run(facts: &PackageFacts) -> CheckReport {
    check_package(&profile(), facts, day(2018, 6, 1))
}

#[test]
fn good_package_passes_everything() {
    let report = run(&good());
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.warnings(), 0);
    // Reclamation is judged at acceptance, against the updated layer.
    let skipped: Vec<RuleId> = report.not_checked.iter().map(|n| n.rule).collect();
    assert_eq!(skipped, [RuleId::ReclaimedIsFarmland]);
    assert_eq!(report.results.len(), 9 + 6);
    for r in &report.results {
        assert!(r.passed, "{r:?}");
        assert!(!r.clause.is_empty());
        assert!(!r.message_zh.is_empty() && !r.message_en.is_empty());
    }
}

#[test]
fn demolition_area_boundaries() {
    let mut facts = good();
    let set_total = |facts: &mut PackageFacts, total: f64| {
        facts.demolition = vec![DemolitionParcel {
            name: "D1".into(),
            township: township("511722104"),
            area_m2: total,
        }];
    };
    // 5 ha exactly passes; 4.9999 ha fails; half a square metre rounds away from zero.
    for (total, passes) in [
        (50_000.0, true),
        (49_999.0, false),
        (49_999.5, true),
        (49_999.49, false),
        (300_000.0, true),
        (300_000.49, true),
        (300_000.5, false),
        (300_001.0, false),
    ] {
        set_total(&mut facts, total);
        let report = run(&facts);
        let r = result(&report, RuleId::DemolitionAreaRange);
        assert_eq!(r.passed, passes, "total {total}: {r:?}");
        assert_eq!(r.clause, "二(一)");
        assert_eq!(
            r.limit,
            Quantity::M2Range {
                min: 50_000,
                max: 300_000
            }
        );
    }
}

#[test]
fn per_capita_boundaries() {
    let mut facts = good();
    facts.persons_resettled = Some(100);
    for (area, passes) in [(5_000.0, true), (4_999.0, false), (5_001.0, true)] {
        facts.resettlement[0].area_m2 = area;
        let report = run(&facts);
        let r = result(&report, RuleId::ResettlementPerCapita);
        assert_eq!(r.passed, passes, "area {area}: {r:?}");
    }
    // 49.99 m² per person fails.
    facts.resettlement[0].area_m2 = 4_999.0;
    let report = run(&facts);
    assert_eq!(
        result(&report, RuleId::ResettlementPerCapita).measured,
        Quantity::M2PerPerson(49.99)
    );
    facts.persons_resettled = None;
    let report = run(&facts);
    assert!(!result(&report, RuleId::ResettlementPerCapita).passed);
    facts.persons_resettled = Some(0);
    assert!(!result(&run(&facts), RuleId::ResettlementPerCapita).passed);
}

/// 二(七) 由群众自主选择安置方式: all-monetary resettlement leaves nobody to divide the sites by.
#[test]
fn per_capita_is_not_applicable_when_nobody_chose_concentrated_resettlement() {
    let mut facts = good();
    let household = |id: &str, method| Household {
        id: id.into(),
        name: "李四".into(),
        consent: Consent::Consented,
        method: Some(method),
    };
    facts.households = Some(vec![
        household("H1", ResettlementMethod::Monetary),
        household("H2", ResettlementMethod::Monetary),
        household("H3", ResettlementMethod::SelfArranged),
    ]);
    facts.resettlement.clear();
    for persons in [None, Some(0)] {
        facts.persons_resettled = persons;
        let report = run(&facts);
        let r = result(&report, RuleId::ResettlementPerCapita);
        assert!(r.passed, "{r:?}");
        assert!(r.message_zh.starts_with("不适用"), "{}", r.message_zh);
        assert!(r.message_zh.contains("货币安置 2 户"), "{}", r.message_zh);
        assert!(
            r.message_en.starts_with("not applicable"),
            "{}",
            r.message_en
        );
        assert_eq!(r.measured, Quantity::Count(0));
        assert_eq!(report.blocking(), 0, "{:?}", report.results);
    }
    // One household choosing concentrated resettlement makes the rule apply again.
    if let Some(list) = facts.households.as_mut() {
        list[2].method = Some(ResettlementMethod::Concentrated);
    }
    facts.persons_resettled = None;
    let r = result(&run(&facts), RuleId::ResettlementPerCapita).clone();
    assert!(!r.passed, "{r:?}");
    // Without a household table nothing shows that nobody chose it: still an error.
    facts.households = None;
    assert!(!result(&run(&facts), RuleId::ResettlementPerCapita).passed);
    // Persons declared for a site: the rule applies whatever the table says.
    facts.households = Some(vec![household("H1", ResettlementMethod::Monetary)]);
    facts.persons_resettled = Some(10);
    let r = result(&run(&facts), RuleId::ResettlementPerCapita).clone();
    assert!(!r.passed && !r.message_zh.contains("不适用"), "{r:?}");
}

#[test]
fn township_rule() {
    let mut facts = good();
    facts.demolition[1].township = township("511722105");
    let report = run(&facts);
    let r = result(&report, RuleId::DemolitionSingleTownship);
    assert!(!r.passed);
    assert_eq!(r.measured, Quantity::Count(2));
    assert_eq!(r.subjects.len(), 2);
    facts.demolition[1].township = None;
    let report = run(&facts);
    let r = result(&report, RuleId::DemolitionSingleTownship);
    assert!(!r.passed, "an unknown township must not pass");
    assert_eq!(r.subjects[0].id, "D2");
}

#[test]
fn adjacency_is_a_warning_with_justification() {
    let mut facts = good();
    facts.resettlement[0].distance_to_served_m = Some(1000.0);
    assert!(result(&run(&facts), RuleId::ResettlementAdjacent).passed);
    facts.resettlement[0].distance_to_served_m = Some(1000.01);
    let report = run(&facts);
    let r = result(&report, RuleId::ResettlementAdjacent);
    assert!(!r.passed);
    assert_eq!(r.severity, Severity::Warning);
    assert!(report.passed(), "a warning does not block");
    assert_eq!(report.warnings(), 1);
    assert_eq!(r.justification, None);
    facts.justifications.insert(
        RuleId::ResettlementAdjacent,
        "地质灾害避让，就近无安全用地".into(),
    );
    let report = run(&facts);
    assert!(
        result(&report, RuleId::ResettlementAdjacent)
            .justification
            .is_some()
    );
}

#[test]
fn surveys_must_exist_and_not_be_in_the_future() {
    let mut facts = good();
    facts.willingness_survey_date = None;
    assert!(!result(&run(&facts), RuleId::SurveyDone).passed);
    facts.willingness_survey_date = Some(day(2018, 6, 1));
    assert!(
        result(&run(&facts), RuleId::SurveyDone).passed,
        "dated today is done"
    );
    facts.willingness_survey_date = Some(day(2018, 6, 2));
    assert!(
        !result(&run(&facts), RuleId::SurveyDone).passed,
        "dated tomorrow is not"
    );
}

#[test]
fn consent_rule() {
    let mut facts = good();
    let households = vec![
        Household {
            id: "H1".into(),
            name: "甲".into(),
            consent: Consent::Consented,
            method: Some(ResettlementMethod::Monetary),
        },
        Household {
            id: "H2".into(),
            name: "乙".into(),
            consent: Consent::Refused,
            method: None,
        },
        Household {
            id: "H3".into(),
            name: "丙".into(),
            consent: Consent::Consented,
            method: None,
        },
        Household {
            id: "H4".into(),
            name: "丁".into(),
            consent: Consent::Pending,
            method: None,
        },
    ];
    facts.households = Some(households);
    let report = run(&facts);
    let r = result(&report, RuleId::HouseholdConsent);
    assert!(!r.passed);
    let ids: Vec<&str> = r.subjects.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["H2", "H3", "H4"]);
    facts.households = None;
    assert!(!result(&run(&facts), RuleId::HouseholdConsent).passed);
    facts.households = Some(Vec::new());
    assert!(!result(&run(&facts), RuleId::HouseholdConsent).passed);
}

#[test]
fn relocation_rule_and_not_checked() {
    let mut facts = good();
    if let Some(list) = facts.relocation_households.as_mut() {
        list[0].in_demolition_zone = false;
    }
    let report = run(&facts);
    let r = result(&report, RuleId::RelocationHouseholdsCovered);
    assert!(!r.passed);
    assert_eq!(r.severity, Severity::Warning);
    facts.relocation_households = None;
    facts.overlaps = None;
    facts.construction_shares = None;
    let report = run(&facts);
    let skipped: Vec<RuleId> = report.not_checked.iter().map(|n| n.rule).collect();
    assert_eq!(
        skipped,
        [
            RuleId::RelocationHouseholdsCovered,
            RuleId::NoDoubleCounting,
            RuleId::DemolitionIsConstructionLand,
            RuleId::ReclaimedIsFarmland
        ]
    );
    assert!(report.results.iter().all(|r| !skipped.contains(&r.rule)));
}

#[test]
fn double_counting_tolerance() {
    let mut facts = good();
    let overlap = |area| OverlapFact {
        parcel: "D1".into(),
        other_source: "other.txt".into(),
        other_parcel: "X".into(),
        area_m2: area,
    };
    facts.overlaps = Some(vec![overlap(1.0)]);
    assert!(
        result(&run(&facts), RuleId::NoDoubleCounting).passed,
        "at the tolerance passes"
    );
    facts.overlaps = Some(vec![overlap(1.01), overlap(20.0)]);
    let report = run(&facts);
    let r = result(&report, RuleId::NoDoubleCounting);
    assert!(!r.passed);
    assert_eq!(r.measured, Quantity::M2(21));
    assert_eq!(r.subjects.len(), 2);
    facts.overlaps = Some(vec![overlap(f64::NAN)]);
    assert!(
        !result(&run(&facts), RuleId::NoDoubleCounting).passed,
        "an unmeasurable overlap fails"
    );
}

#[test]
fn construction_share_tolerance() {
    let mut facts = good();
    let share = |construction| ClassShare {
        parcel: "D1".into(),
        parcel_area_m2: 10_000.0,
        matching_m2: construction,
        classes: vec![
            ("0702".into(), construction),
            ("0103".into(), 10_000.0 - construction),
        ],
        unknown_codes: Vec::new(),
        features: vec!["BSM 7 0103 500.0 m²".into()],
    };
    facts.construction_shares = Some(vec![share(9_500.0)]);
    assert!(result(&run(&facts), RuleId::DemolitionIsConstructionLand).passed);
    facts.construction_shares = Some(vec![share(9_499.0)]);
    let report = run(&facts);
    let r = result(&report, RuleId::DemolitionIsConstructionLand);
    assert!(!r.passed);
    assert!(r.message_zh.contains("0103"), "{}", r.message_zh);
}

#[test]
fn results_serialize_to_the_spec_shape() {
    let report = run(&good());
    let json = serde_json::to_value(&report.results).unwrap_or_default();
    let first = &json[0];
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
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(json[2]["rule"], "DEMOLITION_AREA_RANGE");
    assert_eq!(json[2]["measured"]["unit"], "m2");
    assert_eq!(json[2]["measured"]["value"], 80_000);
}

#[test]
fn reclaimed_farmland_is_checked_only_with_an_updated_layer() {
    let mut facts = good();
    let report = run(&facts);
    assert!(
        report
            .not_checked
            .iter()
            .any(|n| n.rule == RuleId::ReclaimedIsFarmland)
    );
    let share = |farmland: f64| ClassShare {
        parcel: "D1".into(),
        parcel_area_m2: 10_000.0,
        matching_m2: farmland,
        classes: vec![
            ("0103".into(), farmland),
            ("0702".into(), 10_000.0 - farmland),
        ],
        unknown_codes: Vec::new(),
        features: vec!["BSM 12 0702 600.0 m²".into()],
    };
    facts.farmland_shares = Some(vec![share(9_500.0)]);
    let r = result(&run(&facts), RuleId::ReclaimedIsFarmland).clone();
    assert!(r.passed, "{r:?}");
    facts.farmland_shares = Some(vec![share(9_400.0)]);
    let r = result(&run(&facts), RuleId::ReclaimedIsFarmland).clone();
    assert!(!r.passed);
    assert_eq!(r.clause, "二(七), 三(一)");
    assert!(r.message_zh.contains("耕地占比 94.00%"), "{}", r.message_zh);
    assert!(r.message_en.contains("BSM 12 0702"), "{}", r.message_en);
}

#[test]
fn long_subject_lists_are_cut_in_the_message_but_kept_whole() {
    let mut facts = good();
    facts.construction_shares = Some(
        (0..25)
            .map(|i| ClassShare {
                parcel: format!("D{i}"),
                parcel_area_m2: 100.0,
                matching_m2: 0.0,
                ..ClassShare::default()
            })
            .collect(),
    );
    let r = result(&run(&facts), RuleId::DemolitionIsConstructionLand).clone();
    assert_eq!(r.subjects.len(), 25);
    assert!(r.message_zh.contains("D19") && !r.message_zh.contains("D20"));
    assert!(r.message_zh.contains("另有 5 项"), "{}", r.message_zh);
    assert!(r.message_en.contains("and 5 more"), "{}", r.message_en);
}
