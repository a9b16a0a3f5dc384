//! The registry end to end on SQLite: a project from package to closed with balances and lots
//! asserted at each step, and a second project that misses its repayment date and gets every
//! sanction. Uses the example packages in `examples/`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::{Account, LandUse, Operation};
use guagou_domain::lifecycle::{PlanAction, ProjectAction, ProjectState};
use guagou_domain::registry_rules::Backing;
use guagou_domain::{DivisionCode, Profile, RuleId};
use guagou_registry::divisions::parse_divisions_csv;
use guagou_registry::projects::AcceptanceFigures;
use guagou_registry::testing::TestDb;
use guagou_registry::{Actor, FixedClock, Registry, RegistryError};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn who(text: &str) -> Actor {
    Actor::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

async fn registry(dir: &Path) -> Registry {
    let store = TestDb::create(dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .open()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
    let classes = LandClassTable::gbt21010().unwrap_or_else(|e| panic!("{e}"));
    Registry::new(
        store,
        profile,
        classes,
        Box::new(FixedClock("2026-12-01T08:00:00+08:00".into())),
    )
}

fn ok<T>(result: Result<T, RegistryError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn refused_by(result: Result<impl std::fmt::Debug, RegistryError>, rule: RuleId) {
    match result {
        Err(e) => assert!(e.rules().contains(&rule), "expected {rule}, got {e}"),
        Ok(v) => panic!("expected {rule}, got {v:?}"),
    }
}

const VILLAGES: &str =
    "code,name,poor_village,relocation_village,poor_households,relocation_households
511722104,南坝镇,0,0,0,0
511722104201,青龙村,1,0,41,0
511722104202,白鹤村,0,1,12,9
511722104203,石门村,0,0,5,0
511725115,三汇镇,0,0,0,0
511725115203,汇南村,1,1,30,6
";

/// Divisions, then a special plan for `county` consulted, approved and filed.
async fn plan_in_force(r: &Registry, county: &str, villages: &[&str]) {
    let county_user = who(&format!("经办人@{county}"));
    let scope: Vec<DivisionCode> = villages.iter().map(|v| code(v)).collect();
    let plan = ok(r
        .as_principal(&county_user)
        .create_plan(
            &code(county),
            "专项规划",
            (2016, 2020),
            &scope,
            d(2017, 12, 1),
        )
        .await);
    ok(r.as_principal(&county_user)
        .plan_action(&plan.id, PlanAction::Consult, d(2017, 12, 2), "征求意见")
        .await);
    // Submitting before every department has given its opinion is refused with the rule.
    refused_by(
        r.as_principal(&county_user)
            .plan_action(&plan.id, PlanAction::Submit, d(2017, 12, 3), "报批")
            .await,
        RuleId::PlanConsulted,
    );
    for department in r.profile.consultation.departments.value.clone() {
        ok(r.as_principal(&who(&format!("审查员@511700/{department}")))
            .add_opinion(&plan.id, "同意", d(2017, 12, 10))
            .await);
    }
    ok(r.as_principal(&county_user)
        .plan_action(&plan.id, PlanAction::Submit, d(2017, 12, 11), "报批")
        .await);
    ok(r.as_principal(&who("审批@511700"))
        .plan_action(&plan.id, PlanAction::Approve, d(2017, 12, 20), "同意")
        .await);
    ok(r.as_principal(&who("备案@510000"))
        .plan_action(&plan.id, PlanAction::File, d(2018, 1, 5), "备案")
        .await);
}

#[tokio::test]
async fn project_from_package_to_closed_and_a_sanctioned_one() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = registry(dir.path()).await;
    let city = who("市局@511700");
    let province = who("省厅@510000");
    let xuanhan_user = who("张三@511722");
    ok(r.as_principal(&city).seed_dazhou().await);
    let villages = parse_divisions_csv("villages", VILLAGES).unwrap_or_else(|e| panic!("{e}"));
    ok(r.as_principal(&city)
        .import_divisions("villages", &villages, "导入")
        .await);

    // A plan that leaves out a poor village is refused.
    let partial = ok(r
        .as_principal(&xuanhan_user)
        .create_plan(
            &code("511722"),
            "缺村的规划",
            (2021, 2025),
            &[code("511722104203")],
            d(2017, 12, 1),
        )
        .await);
    ok(r.as_principal(&xuanhan_user)
        .plan_action(&partial.id, PlanAction::Consult, d(2017, 12, 2), "征求意见")
        .await);
    for department in r.profile.consultation.departments.value.clone() {
        ok(r.as_principal(&who(&format!("审查员@511700/{department}")))
            .add_opinion(&partial.id, "同意", d(2017, 12, 10))
            .await);
    }
    refused_by(
        r.as_principal(&xuanhan_user)
            .plan_action(&partial.id, PlanAction::Submit, d(2017, 12, 11), "报批")
            .await,
        RuleId::PlanCoversPoorVillages,
    );

    // Registering before a plan is in force works; submitting does not (PLAN_APPROVED).
    let (project, results) = ok(r
        .as_principal(&xuanhan_user)
        .register_project(&example("xuanhan-nanba-pass"), d(2018, 6, 1), "登记")
        .await);
    assert_eq!(project.state, ProjectState::Draft);
    assert!(results.iter().all(|r| r.passed), "{results:#?}");
    let code_a = project.code.clone();
    // 74 610 m² demolished − 16 500 m² resettlement = 58 110 m² planned surplus.
    assert_eq!(project.planned_surplus_m2, 58_110);
    refused_by(
        r.as_principal(&xuanhan_user)
            .project_action(&code_a, ProjectAction::Submit, d(2018, 6, 2), "申报")
            .await,
        RuleId::PlanApproved,
    );
    plan_in_force(
        &r,
        "511722",
        &["511722104201", "511722104202", "511722104203"],
    )
    .await;

    // Another county cannot touch it: through its door the project does not exist.
    let other_county = who("李四@511723");
    assert!(matches!(
        r.as_principal(&other_county)
            .project_action(&code_a, ProjectAction::Submit, d(2018, 6, 2), "x")
            .await,
        Err(RegistryError::NotFound { .. })
    ));

    for (actor, action, date) in [
        (&xuanhan_user, ProjectAction::Submit, d(2018, 6, 2)),
        (&city, ProjectAction::Pool, d(2018, 6, 10)),
        (&city, ProjectAction::Forward, d(2018, 6, 20)),
        (&province, ProjectAction::Approve, d(2018, 7, 1)),
        (&xuanhan_user, ProjectAction::Start, d(2018, 7, 2)),
    ] {
        ok(r.as_principal(actor)
            .project_action(&code_a, action, date, "流程")
            .await);
    }
    // 30 % of 58 110 = 17 433 m²; one more square metre is ADVANCE_LIMIT.
    refused_by(
        r.as_principal(&city)
            .post(
                Operation::Advance {
                    project: code_a.clone(),
                    amount_m2: 17_434,
                },
                "adv-a0",
                "预支",
                d(2018, 7, 15),
            )
            .await,
        RuleId::AdvanceLimit,
    );
    let advance = ok(r
        .as_principal(&city)
        .post(
            Operation::Advance {
                project: code_a.clone(),
                amount_m2: 17_433,
            },
            "adv-a",
            "预支",
            d(2018, 7, 15),
        )
        .await);
    assert_eq!(
        advance.lots_created[0].serial(),
        format!("{code_a}:1-17433")
    );
    let holding = Account::Holding {
        division: code("511722"),
    };
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&holding)
            .await
            .map_err(RegistryError::from)),
        17_433
    );
    // The same request again (same key) posts nothing new.
    let again = ok(r
        .as_principal(&city)
        .post(
            Operation::Advance {
                project: code_a.clone(),
                amount_m2: 17_433,
            },
            "adv-a",
            "预支",
            d(2018, 7, 15),
        )
        .await);
    assert_eq!(again.seq, advance.seq);

    // Acceptance within the year: the advance is settled, the rest issued.
    let figures = AcceptanceFigures {
        reclaimed_m2: 74_610,
        resettlement_m2: 16_500,
        reclaimed_farmland_m2: 72_000,
        resettlement_farmland_m2: 4_000,
    };
    ok(r.as_principal(&xuanhan_user)
        .apply_acceptance(&code_a, figures, None, d(2019, 5, 10), "验收申请")
        .await);
    ok(r.as_principal(&city)
        .project_action(&code_a, ProjectAction::Accept, d(2019, 6, 1), "验收合格")
        .await);
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&holding)
            .await
            .map_err(RegistryError::from)),
        58_110
    );
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::Advance {
                project: code_a.clone()
            })
            .await
            .map_err(RegistryError::from)),
        0
    );
    let lots: Vec<String> = ok(r
        .store_for_tests()
        .open_lots(&holding)
        .await
        .map_err(RegistryError::from))
    .iter()
    .map(|l| l.serial())
    .collect();
    assert_eq!(
        lots,
        [format!("{code_a}:1-17433"), format!("{code_a}:17434-58110")]
    );

    // Operational land on annual plan quota is refused; on surplus quota it retires the quota.
    refused_by(
        r.as_principal(&xuanhan_user)
            .record_land_supply(
                "GD-1",
                &code("511722"),
                "商业地块",
                LandUse::CommercialHousing,
                5_000,
                Backing::AnnualPlan,
                d(2019, 7, 1),
                "供地",
            )
            .await,
        RuleId::OperationalLandUsesQuota,
    );
    ok(r.as_principal(&xuanhan_user)
        .record_land_supply(
            "GD-2",
            &code("511722"),
            "商业地块",
            LandUse::Commercial,
            10_000,
            Backing::SurplusQuota,
            d(2019, 7, 1),
            "供地",
        )
        .await);
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::Used {
                division: code("511722")
            })
            .await
            .map_err(RegistryError::from)),
        10_000
    );

    // Reserve local needs, list, refuse a price below the guide price, settle at the floor.
    ok(r.as_principal(&xuanhan_user)
        .post(
            Operation::Reserve {
                division: code("511722"),
                amount_m2: 8_110,
                purpose: "搬迁安置".into(),
            },
            "res-1",
            "本地需求",
            d(2019, 7, 2),
        )
        .await);
    refused_by(
        r.as_principal(&xuanhan_user)
            .post(
                Operation::List {
                    division: code("511722"),
                    listing: "L-1".into(),
                    amount_m2: 40_001,
                },
                "list-0",
                "公告",
                d(2019, 7, 3),
            )
            .await,
        RuleId::LocalNeedsFirst,
    );
    ok(r.as_principal(&xuanhan_user)
        .post(
            Operation::List {
                division: code("511722"),
                listing: "L-1".into(),
                amount_m2: 40_000,
            },
            "list-1",
            "公告",
            d(2019, 7, 3),
        )
        .await);
    refused_by(
        r.as_principal(&xuanhan_user)
            .post(
                Operation::Transfer {
                    listing: "L-1".into(),
                    buyer: code("510100"),
                    amount_m2: 40_000,
                    price_fen_per_mu: 29_999_900,
                    priced_on: None,
                },
                "tr-0",
                "协议",
                d(2019, 8, 1),
            )
            .await,
        RuleId::TransferPriceFloor,
    );
    let transfer = ok(r
        .as_principal(&xuanhan_user)
        .post(
            Operation::Transfer {
                listing: "L-1".into(),
                buyer: code("510100"),
                amount_m2: 40_000,
                price_fen_per_mu: 30_000_000,
                priced_on: None,
            },
            "tr-1",
            "协议",
            d(2019, 8, 1),
        )
        .await);
    assert_eq!(transfer.money_fen, Some(1_800_000_000));
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::Holding {
                division: code("510100")
            })
            .await
            .map_err(RegistryError::from)),
        40_000
    );
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&holding)
            .await
            .map_err(RegistryError::from)),
        0
    );
    ok(r.as_principal(&city)
        .project_action(&code_a, ProjectAction::Close, d(2019, 12, 1), "关闭")
        .await);
    // One adjustment application per county per year.
    ok(r.as_principal(&xuanhan_user)
        .apply_adjustment(&code("511722"), d(2019, 9, 1), "规划空间不足")
        .await);
    refused_by(
        r.as_principal(&xuanhan_user)
            .apply_adjustment(&code("511722"), d(2019, 10, 1), "再次申请")
            .await,
        RuleId::AdjustmentOnceAYear,
    );

    // Second project (渠县): approved, advanced, never accepted.
    plan_in_force(&r, "511725", &["511725115203"]).await;
    let qu_user = who("王五@511725");
    let (project_b, _) = ok(r
        .as_principal(&qu_user)
        .register_project(&example("quxian-hole-multipart"), d(2018, 6, 1), "登记")
        .await);
    let code_b = project_b.code.clone();
    for (actor, action) in [
        (&qu_user, ProjectAction::Submit),
        (&city, ProjectAction::Pool),
        (&city, ProjectAction::Forward),
        (&province, ProjectAction::Approve),
        (&qu_user, ProjectAction::Start),
    ] {
        ok(r.as_principal(actor)
            .project_action(&code_b, action, d(2018, 6, 5), "流程")
            .await);
    }
    let limit = guagou_domain::ledger::engine::advance_limit_m2(project_b.planned_surplus_m2, 0.30);
    ok(r.as_principal(&city)
        .post(
            Operation::Advance {
                project: code_b.clone(),
                amount_m2: limit,
            },
            "adv-b",
            "预支",
            d(2018, 6, 10),
        )
        .await);
    ok(r.as_principal(&province)
        .post(
            Operation::GrantAnnualPlan {
                county: code("511725"),
                year: 2019,
                amount_m2: 100_000,
            },
            "grant-b",
            "年度计划",
            d(2019, 1, 5),
        )
        .await);
    // Advanced 2018-06-10, due 2019-06-10 (民法典 art. 201: the day of the advance is not
    // counted): nothing on that day, every sanction the day after.
    assert!(
        ok(r.as_principal(&city).scan(d(2019, 6, 10)).await)
            .applied
            .is_empty()
    );
    let report = ok(r.as_principal(&city).scan(d(2019, 6, 11)).await);
    let kinds: Vec<String> = report
        .applied
        .iter()
        .map(|a| serde_json::to_string(&a.sanction.kind).unwrap_or_default())
        .collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::AnnualPlan {
                county: code("511725"),
                year: 2019
            })
            .await
            .map_err(RegistryError::from)),
        100_000 - limit
    );
    // The deduction settled the advance (二(四): repaid from plan quota): nothing is owed.
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::Advance {
                project: code_b.clone()
            })
            .await
            .map_err(RegistryError::from)),
        0
    );
    assert_eq!(
        ok(r.store_for_tests()
            .balance(&Account::Deducted {
                county: code("511725")
            })
            .await
            .map_err(RegistryError::from)),
        0
    );
    assert!(ok(r
        .store_for_tests()
        .advance_suspended(&code("511725"))
        .await
        .map_err(RegistryError::from)));
    assert_eq!(
        ok(r.as_principal(&r.operator()).obligations().await).len(),
        2
    );
    // Charged once: the second run applies nothing, and since the deduction settled the
    // advance nothing is due any more.
    let again = ok(r.as_principal(&city).scan(d(2019, 6, 11)).await);
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 0);
    // A suspended county cannot advance; an extension is refused with the clause.
    refused_by(
        r.as_principal(&city)
            .post(
                Operation::Advance {
                    project: code_b.clone(),
                    amount_m2: 1,
                },
                "adv-b2",
                "预支",
                d(2019, 7, 1),
            )
            .await,
        RuleId::AdvanceNotSuspended,
    );
    refused_by(
        r.as_principal(&qu_user)
            .request_extension(&code_b, d(2022, 6, 30), d(2019, 7, 1), "延期")
            .await,
        RuleId::CompletionDeadline,
    );
    // Three years after approval (2018-06-05) the completion sanction comes too: the last day,
    // Saturday 2021-06-05, moves to Monday 2021-06-07 (民法典 art. 203).
    assert!(
        ok(r.as_principal(&city).scan(d(2021, 6, 7)).await)
            .applied
            .is_empty()
    );
    let late = ok(r.as_principal(&city).scan(d(2021, 6, 8)).await);
    assert_eq!(late.applied.len(), 1);
    assert_eq!(late.applied[0].sanction.rule, RuleId::CompletionDeadline);

    // The journal and the audit log verify.
    ok(r.store_for_tests()
        .verify_ledger()
        .await
        .map_err(RegistryError::from));
    ok(r.store_for_tests()
        .verify_audit()
        .await
        .map_err(RegistryError::from));
}

/// A copy of an example package in `dir/as_name`.
fn copy_example(dir: &Path, name: &str, as_name: &str) -> PathBuf {
    let target = dir.join(as_name);
    std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
    for item in std::fs::read_dir(example(name)).unwrap_or_else(|e| panic!("{e}")) {
        let path = item.unwrap_or_else(|e| panic!("{e}")).path();
        let Some(file_name) = path.file_name() else {
            continue;
        };
        std::fs::copy(&path, target.join(file_name)).unwrap_or_else(|e| panic!("{e}"));
    }
    target
}

/// Rewrites one file of a package.
fn edit(package: &Path, file: &str, change: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(package.join(file)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(package.join(file), change(&text)).unwrap_or_else(|e| panic!("{e}"));
}

/// A copy of an example package with one line of a file replaced.
fn changed_example(dir: &Path, name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let target = copy_example(dir, name, &format!("{name}-changed"));
    edit(&target, file, |text| {
        assert!(text.contains(from), "{file} has no {from}");
        text.replacen(from, to, 1)
    });
    target
}

/// A ministry coordinate file split at its last parcel: (everything before it, the header and
/// the last parcel alone).
fn split_last_parcel(text: &str) -> (String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let body = lines
        .iter()
        .position(|l| l.trim() == "[地块坐标]")
        .unwrap_or_else(|| panic!("no [地块坐标]"));
    let last = lines
        .iter()
        .rposition(|l| l.trim_end().ends_with(",@"))
        .unwrap_or_else(|| panic!("no parcel"));
    let before = lines[..last].join("\n") + "\n";
    let alone = lines[..=body]
        .iter()
        .chain(&lines[last..])
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    (before, alone)
}

/// Divisions and a plan in force for 宣汉县, then the package registered and taken to
/// implementing (approved 2018-07-01).
async fn implementing(r: &Registry, package: &Path) -> guagou_registry::projects::Project {
    let city = who("市局@511700");
    let county = who("张三@511722");
    ok(r.as_principal(&city).seed_dazhou().await);
    let villages = parse_divisions_csv("villages", VILLAGES).unwrap_or_else(|e| panic!("{e}"));
    ok(r.as_principal(&city)
        .import_divisions("villages", &villages, "导入")
        .await);
    plan_in_force(
        r,
        "511722",
        &["511722104201", "511722104202", "511722104203"],
    )
    .await;
    let (project, _) = ok(r
        .as_principal(&county)
        .register_project(package, d(2018, 6, 1), "登记")
        .await);
    for (actor, action, date) in [
        (&county, ProjectAction::Submit, d(2018, 6, 2)),
        (&city, ProjectAction::Pool, d(2018, 6, 10)),
        (&city, ProjectAction::Forward, d(2018, 6, 20)),
        (&who("省厅@510000"), ProjectAction::Approve, d(2018, 7, 1)),
        (&county, ProjectAction::Start, d(2018, 7, 2)),
    ] {
        ok(r.as_principal(actor)
            .project_action(&project.code, action, date, "流程")
            .await);
    }
    project
}

/// 二(七) "程序不减、质量不降": a change applied for together with acceptance is checked like any
/// version, and its blocking results gate the city's acceptance. Without the change, or with
/// a change that passes, the same project is accepted.
#[tokio::test]
async fn a_change_decided_with_acceptance_gates_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = registry(dir.path()).await;
    let city = who("市局@511700");
    let county = who("张三@511722");
    let project = implementing(&r, &example("xuanhan-nanba-pass")).await;
    let code_a = project.code.clone();
    // A change in which a household withdrew its consent: HOUSEHOLD_CONSENT fails in it.
    let refused = changed_example(
        dir.path(),
        "xuanhan-nanba-pass",
        "households.csv",
        "H002,钱清成,511722104202,4,同意",
        "H002,钱清成,511722104202,4,不同意",
    );
    let (change, results) = ok(r
        .as_principal(&county)
        .add_version(&code_a, &refused, d(2019, 4, 1), "变更")
        .await);
    assert_eq!(change.kind, "change");
    assert!(
        results
            .iter()
            .any(|r| r.rule == RuleId::HouseholdConsent && r.blocks()),
        "{results:#?}"
    );
    let figures = AcceptanceFigures {
        reclaimed_m2: 74_610,
        resettlement_m2: 16_500,
        reclaimed_farmland_m2: 72_000,
        resettlement_farmland_m2: 4_000,
    };
    ok(r.as_principal(&county)
        .apply_acceptance(
            &code_a,
            figures,
            Some(change.version),
            d(2019, 5, 10),
            "变更与验收同步申报",
        )
        .await);
    refused_by(
        r.as_principal(&city)
            .project_action(&code_a, ProjectAction::Accept, d(2019, 6, 1), "验收")
            .await,
        RuleId::HouseholdConsent,
    );
    let still = ok(r.as_principal(&county).project(&code_a).await);
    assert_eq!(still.state, ProjectState::AcceptanceApplied);
    assert_eq!(still.current_version, project.current_version);

    // Returned, the county applies again with a change that passes: accepted, and the change
    // becomes the current version.
    ok(r.as_principal(&city)
        .project_action(&code_a, ProjectAction::Return, d(2019, 6, 2), "变更不合规")
        .await);
    let passing = changed_example(
        dir.path(),
        "xuanhan-nanba-pass",
        "households.csv",
        "H002,钱清成,511722104202,4,同意,集中安置",
        "H002,钱清成,511722104202,4,同意,货币安置",
    );
    let (good, results) = ok(r
        .as_principal(&county)
        .add_version(&code_a, &passing, d(2019, 6, 3), "变更")
        .await);
    assert!(results.iter().all(|r| !r.blocks()), "{results:#?}");
    let state = ok(r.as_principal(&county).project(&code_a).await).state;
    if state != ProjectState::Implementing {
        panic!("a returned acceptance application goes back to implementing, not {state:?}");
    }
    ok(r.as_principal(&county)
        .apply_acceptance(
            &code_a,
            figures,
            Some(good.version),
            d(2019, 6, 4),
            "变更与验收同步申报",
        )
        .await);
    let accepted = ok(r
        .as_principal(&city)
        .project_action(&code_a, ProjectAction::Accept, d(2019, 6, 20), "验收合格")
        .await);
    assert_eq!(accepted.state, ProjectState::Accepted);
    assert_eq!(accepted.current_version, good.version);
}

/// 二(二) 封闭运行: a parcel that a proposed change claims (decided with acceptance) cannot be
/// counted by another project before the change is decided, though the project's current
/// version does not have it.
#[tokio::test]
async fn a_parcel_claimed_by_a_proposed_change_is_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = registry(dir.path()).await;
    let county = who("张三@511722");
    let full = example("xuanhan-nanba-pass");
    let text =
        std::fs::read_to_string(full.join("demolition.txt")).unwrap_or_else(|e| panic!("{e}"));
    let (without_last, last_alone) = split_last_parcel(&text);
    // Project A is approved without its last parcel, then proposes a change that adds it.
    let first = copy_example(dir.path(), "xuanhan-nanba-pass", "a-v1");
    edit(&first, "demolition.txt", |_| without_last.clone());
    let project = implementing(&r, &first).await;
    let code_a = project.code.clone();
    // Project B has only that last parcel.
    let other = copy_example(dir.path(), "xuanhan-nanba-pass", "b");
    edit(&other, "demolition.txt", |_| last_alone.clone());
    edit(&other, "project.toml", |t| {
        t.replacen(&code_a, "511722-2018-009", 1)
    });
    let (_, before) = ok(r
        .as_principal(&county)
        .register_project(&other, d(2019, 3, 1), "登记")
        .await);
    let double = |results: &[guagou_domain::check::RuleResult]| {
        results
            .iter()
            .find(|r| r.rule == RuleId::NoDoubleCounting)
            .map(|r| r.passed)
    };
    assert_eq!(double(&before), Some(true), "{before:#?}");
    ok(r.as_principal(&county)
        .add_version(&code_a, &full, d(2019, 3, 2), "变更：增加拆旧地块")
        .await);
    let (_, after) = ok(r
        .as_principal(&county)
        .add_version("511722-2018-009", &other, d(2019, 3, 3), "修订")
        .await);
    assert_eq!(double(&after), Some(false), "{after:#?}");
}

/// 二(七) 由群众自主选择安置方式: a project whose households all chose monetary (or their own)
/// resettlement has nobody in a concentrated site. RESETTLEMENT_PER_CAPITA is reported as not
/// applicable and the submission passes (issue 13, item 7).
#[tokio::test]
async fn all_monetary_resettlement_is_not_applicable_and_submission_passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = registry(dir.path()).await;
    let city = who("市局@511700");
    let xuanhan_user = who("张三@511722");
    ok(r.as_principal(&city).seed_dazhou().await);
    let villages = parse_divisions_csv("villages", VILLAGES).unwrap_or_else(|e| panic!("{e}"));
    ok(r.as_principal(&city)
        .import_divisions("villages", &villages, "导入")
        .await);

    // The example package, with every household choosing 货币安置 and no persons declared.
    let package = dir.path().join("monetary");
    std::fs::create_dir(&package).unwrap_or_else(|e| panic!("{e}"));
    let source = example("xuanhan-nanba-pass");
    for entry in std::fs::read_dir(&source).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let text = match name.to_str() {
            Some("households.csv") => text.replace("集中安置", "货币安置"),
            Some("project.toml") => text
                .lines()
                .filter(|l| !l.starts_with("persons_resettled"))
                .map(|l| format!("{l}\n"))
                .collect(),
            _ => text,
        };
        std::fs::write(package.join(&name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let (project, results) = ok(r
        .as_principal(&xuanhan_user)
        .register_project(&package, d(2018, 6, 1), "登记")
        .await);
    let per_capita = results
        .iter()
        .find(|r| r.rule == RuleId::ResettlementPerCapita)
        .unwrap_or_else(|| panic!("{results:#?}"));
    assert!(per_capita.passed, "{per_capita:?}");
    assert!(
        per_capita.message_zh.starts_with("不适用"),
        "{}",
        per_capita.message_zh
    );
    assert!(results.iter().all(|r| r.passed), "{results:#?}");
    plan_in_force(
        &r,
        "511722",
        &["511722104201", "511722104202", "511722104203"],
    )
    .await;
    let submitted = ok(r
        .as_principal(&xuanhan_user)
        .project_action(&project.code, ProjectAction::Submit, d(2018, 6, 2), "申报")
        .await);
    assert_eq!(submitted.state, ProjectState::Submitted);
}
