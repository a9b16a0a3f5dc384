//! `verify_registry` proves the whole registry (security review, issue 12): the untouched demo
//! passes, and each edit the review found uncaught now fails, naming the table and the row —
//! a changed agreement total, a deleted payment, an edited project state, a doubled planned
//! surplus, the last audit record or funds entry removed, a flipped byte in a stored layer —
//! as does an edit of every other decision table. Edits are raw SQL through the store's pool
//! (or bytes of the layer file), on SQLite or PostgreSQL alike.

use std::path::Path;

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_registry::verify::{Failure, RegistryCheck};
use guagou_registry::{FixedClock, Registry};
use guagou_store::TestDb;
use sqlx::Row;

trait Must<T> {
    fn must(self) -> T;
}

impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }
}

impl<T> Must<T> for Option<T> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Some(v) => v,
            None => panic!("None"),
        }
    }
}

struct Demo {
    _dir: tempfile::TempDir,
    r: Registry,
}

/// The complete demo registry (a settled agreement with payments, a land-use layer), base
/// layers in `<data>/base`.
async fn demo() -> Demo {
    let dir = tempfile::tempdir().must();
    let data = dir.path().join("data");
    let store = TestDb::create(&data).await.must().open().await.must();
    let mut r = Registry::new(
        store,
        Profile::dazhou_2017().must(),
        LandClassTable::gbt21010().must(),
        Box::new(FixedClock("2019-07-15T09:00:00+08:00".into())),
    );
    r.base_dir = Some(data.join("base"));
    let packages = dir.path().join("packages");
    r.build_demo(&packages).await.must();
    r.complete_demo(&packages).await.must();
    Demo { _dir: dir, r }
}

async fn exec(r: &Registry, sql: &str) -> u64 {
    sqlx::query(sql)
        .execute(r.store_for_tests().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows_affected()
}

async fn text(r: &Registry, sql: &str) -> String {
    sqlx::query(sql)
        .fetch_one(r.store_for_tests().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get::<String, _>(0)
        .must()
}

async fn int(r: &Registry, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(r.store_for_tests().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get::<i64, _>(0)
        .must()
}

fn report(check: &RegistryCheck) -> String {
    check
        .checks
        .iter()
        .filter(|c| !c.ok)
        .flat_map(|c| c.failures.iter().map(move |f| format!("{} {f:?}", c.name)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The failures of check `name`.
fn failures<'a>(check: &'a RegistryCheck, name: &str) -> Vec<&'a Failure> {
    check
        .checks
        .iter()
        .filter(|c| c.name == name)
        .flat_map(|c| c.failures.iter())
        .collect()
}

/// Verification fails, and check `name` names `table` row `row` (and `field`, if given), with
/// a message in both languages.
#[track_caller]
fn assert_names(check: &RegistryCheck, name: &str, table: &str, row: &str, field: Option<&str>) {
    assert!(!check.ok, "verification passed:\n{}", report(check));
    let found = failures(check, name).into_iter().find(|f| {
        f.table == table && f.row == row && (field.is_none() || f.field.as_deref() == field)
    });
    let Some(failure) = found else {
        panic!(
            "{name} does not name {table} {row} {field:?}:\n{}",
            report(check)
        );
    };
    assert!(!failure.message_zh.is_empty() && !failure.message_en.is_empty());
    assert!(
        failure.message_en.contains(table) || failure.message_en.contains(row),
        "{failure:?}"
    );
}

async fn verify(r: &Registry) -> RegistryCheck {
    r.verify_registry().await.must()
}

#[tokio::test]
async fn the_untouched_demo_verifies_and_holds_every_kind_of_record() {
    let d = demo().await;
    let check = verify(&d.r).await;
    assert!(check.ok, "{}", report(&check));
    // Stored packages come from uploads and users from the web; the rest is in the demo.
    for c in check
        .checks
        .iter()
        .filter(|c| !["project_packages", "users"].contains(&c.name))
    {
        assert!(c.checked > 0, "{} checked nothing", c.name);
    }
    // One record of every kind.
    let r = &d.r;
    for (what, sql) in [
        (
            "a settled agreement",
            "SELECT COUNT(*) FROM market_agreements WHERE state = 'settled'",
        ),
        ("its payments", "SELECT COUNT(*) FROM market_payments"),
        (
            "an open listing",
            "SELECT COUNT(*) FROM market_listings WHERE state = 'open'",
        ),
        ("offers", "SELECT COUNT(*) FROM market_offers"),
        (
            "a stored land-use layer",
            "SELECT COUNT(*) FROM base_layers",
        ),
        ("inspections", "SELECT COUNT(*) FROM inspections"),
        ("notices", "SELECT COUNT(*) FROM notices"),
        ("objections", "SELECT COUNT(*) FROM notice_objections"),
        ("funds entries", "SELECT COUNT(*) FROM funds_entries"),
        (
            "transfer proceeds",
            "SELECT COUNT(*) FROM funds_entries WHERE kind = 'proceeds'",
        ),
        (
            "supervision notices",
            "SELECT COUNT(*) FROM supervision_notices",
        ),
        ("an allocation", "SELECT COUNT(*) FROM linkage_allocations"),
        ("land supplies", "SELECT COUNT(*) FROM land_supplies"),
        ("sanctions", "SELECT COUNT(*) FROM sanctions"),
        ("special plans", "SELECT COUNT(*) FROM special_plans"),
        ("acceptances", "SELECT COUNT(*) FROM acceptances"),
        (
            "a granted extension",
            "SELECT COUNT(*) FROM completion_extensions WHERE state = 'granted'",
        ),
        (
            "a refused extension",
            "SELECT COUNT(*) FROM completion_extensions WHERE state = 'refused'",
        ),
        (
            "a pending extension",
            "SELECT COUNT(*) FROM completion_extensions WHERE state = 'requested'",
        ),
    ] {
        assert!(int(r, sql).await > 0, "the demo has no {what}");
    }
    // The chains agree with the three checkpointed heads.
    let checkpoint = r
        .store_for_tests()
        .export_registry_checkpoint(chrono::NaiveDate::from_ymd_opt(2019, 12, 31).must())
        .await
        .must();
    let heads = r
        .store_for_tests()
        .verify_registry_checkpoint(&checkpoint)
        .await
        .must();
    assert_eq!(heads.len(), 3);
    assert!(heads.iter().all(|h| h.ok), "{heads:?}");
}

#[tokio::test]
async fn a_changed_agreement_total_is_caught() {
    let d = demo().await;
    let id = text(
        &d.r,
        "SELECT id FROM market_agreements WHERE state = 'settled'",
    )
    .await;
    exec(
        &d.r,
        &format!("UPDATE market_agreements SET total_fen = total_fen + 100 WHERE id = '{id}'"),
    )
    .await;
    let check = verify(&d.r).await;
    assert_names(
        &check,
        "market",
        "market_agreements",
        &id,
        Some("total_fen"),
    );
    // The instalments no longer sum to it either.
    assert_names(
        &check,
        "market",
        "market_instalments",
        &format!("agreement={id}"),
        Some("amount_fen"),
    );
}

#[tokio::test]
async fn a_deleted_payment_is_caught() {
    let d = demo().await;
    let id = text(
        &d.r,
        "SELECT agreement FROM market_payments ORDER BY agreement, seq DESC",
    )
    .await;
    let seq = int(
        &d.r,
        &format!("SELECT MAX(seq) FROM market_payments WHERE agreement = '{id}'"),
    )
    .await;
    assert_eq!(
        exec(
            &d.r,
            &format!("DELETE FROM market_payments WHERE agreement = '{id}' AND seq = {seq}")
        )
        .await,
        1
    );
    let check = verify(&d.r).await;
    let row = format!("agreement={id} seq={seq}");
    // The audit log recorded it and the funds journal holds its proceeds: both say so.
    assert_names(&check, "market", "market_payments", &row, None);
    let codes: Vec<&str> = failures(&check, "market")
        .iter()
        .filter(|f| f.row == row)
        .map(|f| f.code)
        .collect();
    assert!(
        codes.len() >= 2 && codes.iter().all(|c| *c == "row_missing"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn an_edited_project_state_is_caught() {
    let d = demo().await;
    let code = "511722-2019-003";
    assert_eq!(
        text(
            &d.r,
            &format!("SELECT state FROM projects WHERE code = '{code}'")
        )
        .await,
        "draft"
    );
    exec(
        &d.r,
        &format!("UPDATE projects SET state = 'approved' WHERE code = '{code}'"),
    )
    .await;
    let check = verify(&d.r).await;
    assert_names(&check, "projects", "projects", code, Some("state"));
}

#[tokio::test]
async fn a_doubled_planned_surplus_is_caught() {
    let d = demo().await;
    // Approved, not yet advanced: doubling its planned surplus would double its 30 % limit.
    let code = "511725-2019-002";
    exec(
        &d.r,
        &format!("UPDATE ledger_projects SET planned_surplus_m2 = planned_surplus_m2 * 2 WHERE code = '{code}'"),
    )
    .await;
    let check = verify(&d.r).await;
    assert_names(
        &check,
        "ledger_projects",
        "ledger_projects",
        code,
        Some("planned_surplus_m2"),
    );
}

#[tokio::test]
async fn the_last_audit_records_removed_are_caught() {
    let d = demo().await;
    let r = &d.r;
    let checkpoint = r
        .store_for_tests()
        .export_registry_checkpoint(chrono::NaiveDate::from_ymd_opt(2019, 12, 31).must())
        .await
        .must();
    // The demo's last write is its land-use layer: its row is left without its record.
    let last = int(r, "SELECT MAX(seq) FROM audit_log").await;
    assert_eq!(
        text(
            r,
            &format!("SELECT action FROM audit_log WHERE seq = {last}")
        )
        .await,
        "base_layer.import"
    );
    exec(r, &format!("DELETE FROM audit_log WHERE seq = {last}")).await;
    let check = verify(r).await;
    // The audit chain alone still verifies: it is only shorter.
    assert!(check.audit.is_verified(), "{:?}", check.audit);
    let layer = int(r, "SELECT id FROM base_layers").await;
    assert_names(
        &check,
        "base_layers",
        "base_layers",
        &format!("id={layer}"),
        None,
    );
    // The checkpoint says the audit chain is shorter than its head.
    let heads = r
        .store_for_tests()
        .verify_registry_checkpoint(&checkpoint)
        .await
        .must();
    let audit = heads.iter().find(|h| h.chain == "audit").must();
    assert!(!audit.ok, "{heads:?}");
    assert!(
        audit.problem_en.as_deref().must().contains("fewer"),
        "{audit:?}"
    );
    assert!(
        heads.iter().filter(|h| h.chain != "audit").all(|h| h.ok),
        "{heads:?}"
    );

    // Before it, the planning adjustment; before that the last payment's funds entry, whose
    // record anchors the funds journal.
    let before = last - 1;
    assert_eq!(
        text(
            r,
            &format!("SELECT action FROM audit_log WHERE seq = {before}")
        )
        .await,
        "adjustment.apply"
    );
    exec(r, &format!("DELETE FROM audit_log WHERE seq >= {before}")).await;
    let adjustment = text(r, "SELECT id FROM adjustments").await;
    assert_names(
        &verify(r).await,
        "adjustments",
        "adjustments",
        &adjustment,
        None,
    );
    let proceeds = before - 1;
    assert_eq!(
        text(
            r,
            &format!("SELECT action FROM audit_log WHERE seq = {proceeds}")
        )
        .await,
        "funds.proceeds"
    );
    exec(r, &format!("DELETE FROM audit_log WHERE seq >= {proceeds}")).await;
    let funds_seq = int(r, "SELECT MAX(seq) FROM funds_entries").await;
    assert_names(
        &verify(r).await,
        "chain_anchors",
        "funds_entries",
        &format!("seq={funds_seq}"),
        None,
    );
}

#[tokio::test]
async fn the_last_funds_entry_removed_is_caught() {
    let d = demo().await;
    let r = &d.r;
    let checkpoint = r
        .store_for_tests()
        .export_registry_checkpoint(chrono::NaiveDate::from_ymd_opt(2019, 12, 31).must())
        .await
        .must();
    let last = int(r, "SELECT MAX(seq) FROM funds_entries").await;
    exec(r, &format!("DELETE FROM funds_legs WHERE seq = {last}")).await;
    exec(r, &format!("DELETE FROM funds_entries WHERE seq = {last}")).await;
    let check = verify(r).await;
    assert_names(
        &check,
        "chain_anchors",
        "funds_entries",
        &format!("seq={last}"),
        None,
    );
    let heads = r
        .store_for_tests()
        .verify_registry_checkpoint(&checkpoint)
        .await
        .must();
    let funds = heads.iter().find(|h| h.chain == "funds").must();
    assert!(!funds.ok, "{heads:?}");
}

#[tokio::test]
async fn a_flipped_byte_in_a_stored_layer_is_caught() {
    let d = demo().await;
    let r = &d.r;
    let id = int(r, "SELECT id FROM base_layers").await;
    let file = text(r, &format!("SELECT file FROM base_layers WHERE id = {id}")).await;
    let path = r.base_dir.as_deref().must().join(&file);
    let mut bytes = std::fs::read(&path).must();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, &bytes).must();
    let check = verify(r).await;
    assert_names(
        &check,
        "base_layers",
        "base_layers",
        &format!("id={id}"),
        Some("sha256"),
    );
    let failure = failures(&check, "base_layers")[0];
    assert_eq!(failure.code, "file_hash_mismatch");
    // A missing file is named too.
    std::fs::remove_file(&path).must();
    let check = verify(r).await;
    assert_eq!(failures(&check, "base_layers")[0].code, "file_missing");
    assert!(!Path::new(&path).exists());
}

#[tokio::test]
async fn a_funds_failure_names_the_entry() {
    let d = demo().await;
    exec(
        &d.r,
        "UPDATE funds_legs SET amount_fen = amount_fen + 1 WHERE seq = 1 AND amount_fen > 0",
    )
    .await;
    let check = verify(&d.r).await;
    assert!(!check.funds.ok);
    assert_names(&check, "funds_journal", "funds_entries", "seq=1", None);
}

/// (edit, undo, check, table, row, field)
type Case = (
    String,
    String,
    &'static str,
    &'static str,
    String,
    Option<&'static str>,
);

/// Every other decision table: one edit each (undone before the next), each named.
#[tokio::test]
async fn an_edit_of_any_decision_table_is_caught() {
    let d = demo().await;
    let r = &d.r;
    let listing = text(r, "SELECT id FROM market_listings WHERE state = 'open'").await;
    let offer = text(
        r,
        &format!("SELECT id FROM market_offers WHERE listing = '{listing}'"),
    )
    .await;
    let agreement = text(r, "SELECT id FROM market_agreements").await;
    let inspection = text(
        r,
        "SELECT inspection_id FROM inspection_findings WHERE seq = 2",
    )
    .await;
    let supervision = text(
        r,
        "SELECT id FROM supervision_notices WHERE kind = 'criticism'",
    )
    .await;
    let notice = text(r, "SELECT id FROM notices ORDER BY id").await;
    let objection = text(
        r,
        "SELECT receipt FROM notice_objections WHERE answer IS NOT NULL",
    )
    .await;
    let supply = text(r, "SELECT id FROM land_supplies").await;
    let sanction = text(r, "SELECT key FROM sanctions ORDER BY key").await;
    let obligation = text(r, "SELECT key FROM obligations ORDER BY key").await;
    let plan = text(r, "SELECT id FROM special_plans ORDER BY id").await;
    let accepted = text(
        r,
        "SELECT code FROM acceptances WHERE decision = 'accepted' ORDER BY code",
    )
    .await;
    let version = text(
        r,
        "SELECT code FROM project_versions WHERE version = 1 ORDER BY code",
    )
    .await;
    let suspended = text(
        r,
        "SELECT county FROM ledger_suspended_counties ORDER BY county",
    )
    .await;
    let cases: Vec<Case> = vec![
        (
            format!("UPDATE market_listings SET amount_m2 = amount_m2 + 1 WHERE id = '{listing}'"),
            format!("UPDATE market_listings SET amount_m2 = amount_m2 - 1 WHERE id = '{listing}'"),
            "market", "market_listings", listing.clone(), Some("amount_m2"),
        ),
        (
            format!("UPDATE market_listings SET state = 'withdrawn' WHERE id = '{listing}'"),
            format!("UPDATE market_listings SET state = 'open' WHERE id = '{listing}'"),
            "market", "market_listings", listing.clone(), Some("state"),
        ),
        (
            format!("UPDATE market_offers SET price_fen_per_mu = price_fen_per_mu - 1 WHERE id = '{offer}'"),
            format!("UPDATE market_offers SET price_fen_per_mu = price_fen_per_mu + 1 WHERE id = '{offer}'"),
            "market", "market_offers", offer.clone(), Some("price_fen_per_mu"),
        ),
        (
            format!("UPDATE market_agreements SET buyer = '511781' WHERE id = '{agreement}'"),
            format!("UPDATE market_agreements SET buyer = '511702' WHERE id = '{agreement}'"),
            "market", "market_agreements", agreement.clone(), Some("buyer"),
        ),
        (
            format!("UPDATE market_instalments SET due_on = '2030-01-01' WHERE agreement = '{agreement}' AND number = 2"),
            format!("UPDATE market_instalments SET due_on = '2019-10-31' WHERE agreement = '{agreement}' AND number = 2"),
            "market", "market_instalments", format!("agreement={agreement} number=2"), Some("due_on"),
        ),
        (
            format!("UPDATE inspection_findings SET state = 'closed' WHERE inspection_id = '{inspection}' AND seq = 2"),
            format!("UPDATE inspection_findings SET state = 'open' WHERE inspection_id = '{inspection}' AND seq = 2"),
            "inspections", "inspection_findings", format!("inspection_id={inspection} seq=2"), Some("state"),
        ),
        (
            format!("UPDATE supervision_notices SET kind = 'commendation' WHERE id = '{supervision}'"),
            format!("UPDATE supervision_notices SET kind = 'criticism' WHERE id = '{supervision}'"),
            "supervision_notices", "supervision_notices", supervision.clone(), Some("kind"),
        ),
        (
            "UPDATE linkage_allocation_shares SET allocated_m2 = allocated_m2 + 5 WHERE county = '511722'".into(),
            "UPDATE linkage_allocation_shares SET allocated_m2 = allocated_m2 - 5 WHERE county = '511722'".into(),
            "allocations", "linkage_allocation_shares", "year=2019 county=511722".into(), Some("allocated_m2"),
        ),
        (
            format!("UPDATE notices SET ends_on = '2030-12-31' WHERE id = '{notice}'"),
            format!("UPDATE notices SET ends_on = '2018-03-19' WHERE id = '{notice}'"),
            "public_notices", "notices", notice.clone(), Some("ends_on"),
        ),
        (
            format!("UPDATE notice_objections SET answered_by = 'x@511722' WHERE receipt = '{objection}'"),
            format!("UPDATE notice_objections SET answered_by = '县局经办人@511722' WHERE receipt = '{objection}'"),
            "public_notices", "notice_objections", objection.clone(), Some("answered_by"),
        ),
        (
            format!("UPDATE land_supplies SET area_m2 = area_m2 + 1 WHERE id = '{supply}'"),
            format!("UPDATE land_supplies SET area_m2 = area_m2 - 1 WHERE id = '{supply}'"),
            "land_supplies", "land_supplies", supply.clone(), Some("area_m2"),
        ),
        (
            format!("UPDATE sanctions SET amount_m2 = amount_m2 + 1 WHERE key = '{sanction}'"),
            format!("UPDATE sanctions SET amount_m2 = amount_m2 - 1 WHERE key = '{sanction}'"),
            "sanctions", "sanctions", sanction.clone(), Some("amount_m2"),
        ),
        (
            format!("UPDATE obligations SET amount_m2 = amount_m2 - 1 WHERE key = '{obligation}'"),
            format!("UPDATE obligations SET amount_m2 = amount_m2 + 1 WHERE key = '{obligation}'"),
            "sanctions", "obligations", obligation.clone(), Some("amount_m2"),
        ),
        (
            format!("DELETE FROM ledger_suspended_counties WHERE county = '{suspended}'"),
            format!("INSERT INTO ledger_suspended_counties (county) VALUES ('{suspended}')"),
            "sanctions", "ledger_suspended_counties", suspended.clone(), None,
        ),
        (
            format!("UPDATE special_plans SET state = 'returned' WHERE id = '{plan}'"),
            format!("UPDATE special_plans SET state = 'filed' WHERE id = '{plan}'"),
            "special_plans", "special_plans", plan.clone(), Some("state"),
        ),
        (
            format!("UPDATE acceptances SET reclaimed_m2 = reclaimed_m2 + 100 WHERE code = '{accepted}'"),
            format!("UPDATE acceptances SET reclaimed_m2 = reclaimed_m2 - 100 WHERE code = '{accepted}'"),
            "acceptances", "acceptances", accepted.clone(), Some("reclaimed_m2"),
        ),
        (
            format!("UPDATE project_versions SET blocking = blocking + 1 WHERE code = '{version}' AND version = 1"),
            format!("UPDATE project_versions SET blocking = blocking - 1 WHERE code = '{version}' AND version = 1"),
            "project_versions", "project_versions", format!("code={version} version=1"), Some("blocking"),
        ),
        (
            "UPDATE ledger_projects SET advanced_m2 = advanced_m2 + 1 WHERE code = '511722-2018-002'".into(),
            "UPDATE ledger_projects SET advanced_m2 = advanced_m2 - 1 WHERE code = '511722-2018-002'".into(),
            "ledger_projects", "ledger_projects", "511722-2018-002".into(), Some("advanced_m2"),
        ),
        (
            "UPDATE projects SET county = '511781' WHERE code = '511722-2018-002'".into(),
            "UPDATE projects SET county = '511722' WHERE code = '511722-2018-002'".into(),
            "projects", "projects", "511722-2018-002".into(), Some("county"),
        ),
        (
            "UPDATE completion_extensions SET granted_until = '2030-12-31' WHERE state = 'granted'".into(),
            "UPDATE completion_extensions SET granted_until = '2021-12-31' WHERE state = 'granted'".into(),
            "completion_extensions", "completion_extensions", "code=511725-2019-002 seq=2".into(), Some("granted_until"),
        ),
        (
            "UPDATE completion_extensions SET state = 'granted' WHERE state = 'requested'".into(),
            "UPDATE completion_extensions SET state = 'requested' WHERE seq = 3".into(),
            "completion_extensions", "completion_extensions", "code=511725-2019-002 seq=3".into(), Some("state"),
        ),
        (
            "UPDATE base_layers SET county = '511722'".into(),
            "UPDATE base_layers SET county = '511724'".into(),
            "base_layers", "base_layers", "id=1".into(), Some("county"),
        ),
    ];
    for (edit, undo, name, table, row, field) in cases {
        assert!(exec(r, &edit).await >= 1, "{edit}");
        let check = verify(r).await;
        assert_names(&check, name, table, &row, field);
        exec(r, &undo).await;
        let again = verify(r).await;
        assert!(again.ok, "after undoing {edit}:\n{}", report(&again));
    }
}

/// Accounts decide rights: an administrator's changes replay from the audit log, and an
/// account made administrator or re-enabled behind the registry's back is named.
#[tokio::test]
async fn an_account_changed_outside_user_administration_is_caught() {
    use guagou_registry::users::{UserChange, UserSetting};
    let d = demo().await;
    let r = &d.r;
    r.create_user("管理员", "511700", "land", "correct horse 42")
        .await
        .must();
    r.make_first_admin("管理员").await.must();
    let admin = r.parse_actor("管理员@511700").must();
    let door = r.as_principal(&admin);
    let setting = |division: &str| UserSetting {
        division: division.into(),
        department: "land".into(),
        is_admin: false,
    };
    door.change_user("经办人", &UserChange::Create(setting("511722")), "新入职")
        .await
        .must();
    door.change_user("经办人", &UserChange::Set(setting("511781")), "调动")
        .await
        .must();
    door.change_user("经办人", &UserChange::Disable, "调离")
        .await
        .must();
    let check = verify(r).await;
    assert!(check.ok, "{}", report(&check));

    exec(r, "UPDATE users SET is_admin = 1 WHERE name = '经办人'").await;
    assert_names(
        &verify(r).await,
        "users",
        "users",
        "经办人",
        Some("is_admin"),
    );
    exec(r, "UPDATE users SET is_admin = 0 WHERE name = '经办人'").await;
    exec(
        r,
        "UPDATE users SET disabled_at = NULL WHERE name = '经办人'",
    )
    .await;
    assert_names(
        &verify(r).await,
        "users",
        "users",
        "经办人",
        Some("disabled_at"),
    );
    exec(r, "UPDATE users SET disabled_at = '2019-07-15T01:00:00Z', division = '511722' WHERE name = '经办人'").await;
    assert_names(
        &verify(r).await,
        "users",
        "users",
        "经办人",
        Some("division"),
    );
}
