//! Names of things a page shows by name, never by code: the audit log's actions, subjects and
//! payload fields (their texts are catalogue entries).

use crate::catalogue::{Key, k};
use crate::html::Lang;

mod domain;
pub use domain::*;

/// The name of an audit action (`project.transition` → 项目流程), in the reader's language.
/// An action this table does not know keeps its code, so nothing is hidden.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let of = |book: Key, kind: Key| lang.fill(book, &[("operation", lang.text(kind))]);
    let named = match action.split_once('.') {
        Some(("ledger", kind)) => Some(of(
            k::AUDIT_ACTION_LEDGER,
            crate::quota::access::operation_kind(kind),
        )),
        Some(("funds", kind)) => funds_kind(kind).map(|name| of(k::AUDIT_ACTION_FUNDS, name)),
        _ => fixed(action).map(|name| lang.text(name).to_owned()),
    };
    named.unwrap_or_else(|| action.to_owned())
}

/// An audit record's actor as a reader names it: the accounts by their names, the system's own
/// steps (the first administrator, a migration) as 系统.
pub fn actor(lang: Lang, actor: &str) -> String {
    match actor {
        "system" => lang.text(k::THE_SYSTEM).to_owned(),
        other => other.to_owned(),
    }
}

/// The name of a stored value of an audit record's payload field (`category: reclamation` →
/// 拆旧复垦), escaped; `None` for a value this catalogue does not name.
pub fn payload_value(lang: Lang, key: &str, value: &str) -> Option<String> {
    use guagou_domain::funds::{PaidFrom, SpendCategory};
    match key {
        "category" => SpendCategory::parse(value).map(|c| lang.t(spend_category(c))),
        "paid_from" => PaidFrom::parse(value).map(|p| {
            lang.t(match p {
                PaidFrom::Project => k::PROJECT_FUND,
                PaidFrom::County => k::COUNTY_FUND,
            })
        }),
        "kind" => funds_kind(value).map(|name| lang.t(name)),
        "department" => guagou_domain::Department::parse(value, &[])
            .ok()
            .map(|d| crate::html::esc(&department(lang, &d))),
        _ => None,
    }
}

/// An audit record's reason as a reader reads it. The reasons people type are shown as typed;
/// the few the system writes as codes are named: the department of an account the operator
/// created (`land` → 国土) and the refusal of a sign-in.
pub fn audit_reason(lang: Lang, action: &str, reason: &str) -> String {
    match action {
        "user.create" => match guagou_domain::Department::parse(reason, &[]) {
            Ok(d) => department(lang, &d),
            Err(_) => reason.to_owned(),
        },
        "user.login_failed" if reason == "wrong name or password" => {
            lang.text(k::WRONG_NAME_OR_PASSWORD).to_owned()
        }
        _ => reason.to_owned(),
    }
}

/// The name of a field of a ledger operation (`amount_m2` → 面积（m²）). An unknown field keeps
/// its code, shown as code.
pub fn operation_field(lang: Lang, field: &str) -> Option<String> {
    let name = match field {
        "project" => k::PROJECT_3,
        "amount_m2" => k::AREA_M,
        "confirmed_m2" => k::CONFIRMED_SURPLUS_M,
        "reclaimed_farmland_m2" => k::RECLAIMED_FARMLAND_M,
        "resettlement_farmland_m2" => k::FARMLAND_OF_THE_SITE_M,
        "division" => k::DIVISION_2,
        "county" => k::COUNTY_4,
        "purpose" => k::PURPOSE,
        "listing" => k::LISTING_3,
        "buyer" => k::BUYER_2,
        "price_fen_per_mu" => k::PRICE_FEN_PER_MU,
        "priced_on" => k::PRICED_ON,
        "zone" => k::ZONE_OR_SUPPLY,
        "land_use" => k::LAND_USE_3,
        "year" => k::YEAR_2,
        "seq" => k::ENTRY_REVERSED,
        _ => return None,
    };
    Some(lang.text(name).to_owned())
}

fn funds_kind(kind: &str) -> Option<Key> {
    Some(match kind {
        "proceeds" => k::TRANSFER_PROCEEDS_RECEIVED,
        "invest" => k::CITY_INVESTMENT_RECEIVED,
        "spend" => k::SPENDING,
        "compensate" => k::HOUSEHOLD_COMPENSATION,
        "reverse" => k::REVERSAL,
        _ => return None,
    })
}

fn fixed(action: &str) -> Option<Key> {
    Some(match action {
        "adjustment.apply" => k::PLANNING_ADJUSTMENT_APPLICATION,
        "allocation.decide" => k::YEARLY_ALLOCATION_DECIDED,
        "audit.finding" => k::AUDIT_FINDING,
        "base_layer.import" => k::BASE_LAYER_IMPORTED,
        "division.boundaries" => k::DIVISION_BOUNDARIES_IMPORTED,
        "division.import" => k::TOWNSHIPS_AND_VILLAGES_IMPORTED,
        "guide_price.add" => k::GUIDE_PRICE_RECORDED,
        "inspection.close" => k::INSPECTION_CLOSED,
        "inspection.record" => k::INSPECTION_RECORDED,
        "inspection.rectify" => k::RECTIFICATION_3,
        "land_supply.record" => k::LAND_SUPPLY_RECORDED,
        "market.cancel" => k::AGREEMENT_CANCELLED,
        "market.expire" => k::LISTING_EXPIRED,
        "market.offer" => k::OFFER_2,
        "market.payment" => k::PAYMENT_RECORDED,
        "market.publish" => k::LISTING_PUBLISHED,
        "market.settle" => k::AGREEMENT_SETTLED,
        "market.sign" => k::AGREEMENT_SIGNED,
        "market.withdraw" => k::LISTING_WITHDRAWN,
        "notice.answer" => k::OBJECTION_ANSWERED,
        "notice.lift" => k::NOTICE_LIFTED,
        "notice.objection" => k::OBJECTION_FILED,
        "notice.publish" => k::NOTICE_PUBLISHED,
        "notice.record" => k::SUPERVISION_NOTICE,
        "plan.create" => k::SPECIAL_PLAN_DRAFTED,
        "plan.opinion" => k::CONSULTATION_OPINION,
        "plan.transition" => k::SPECIAL_PLAN_STEP,
        "project.apply_acceptance" => k::ACCEPTANCE_APPLIED_FOR,
        "project.city_investment" => k::CITY_INVESTMENT,
        "project.extension_decision" => k::EXTENSION_DECIDED,
        "project.extension_request" => k::EXTENSION_REQUESTED,
        "project.register" => k::PROJECT_REGISTERED,
        "project.review" => k::DEPARTMENT_REVIEW,
        "project.transition" => k::PROJECT_STEP,
        "project.version" => k::NEW_PLAN_VERSION,
        "sanction.apply" => k::SANCTION_APPLIED,
        "suspension.lift" => k::ADVANCE_SUSPENSION_LIFTED,
        "user.create" => k::ACCOUNT_CREATED_2,
        "user.disable" => k::ACCOUNT_DISABLED,
        "user.enable" => k::ACCOUNT_ENABLED_2,
        "user.login" => k::SIGNED_IN,
        "user.login_failed" => k::FAILED_SIGN_IN,
        "user.reset_password" => k::PASSWORD_RESET,
        "user.set" => k::ACCOUNT_CHANGED,
        _ => return None,
    })
}

/// An audit record's subject as a reader names it: `ledger_entry:21` → 台账条目 #21,
/// `funds_entry:5` → 资金条目 #5, `base_layer:1` → 土地利用图层 #1. Other subjects are
/// numbers users know (a project, a listing, a plan) and are shown as they are.
pub fn audit_subject(lang: Lang, subject: &str) -> String {
    let Some((kind, id)) = subject.split_once(':') else {
        return subject.to_owned();
    };
    let named = match kind {
        "ledger_entry" => Some(k::LEDGER_ENTRY),
        "funds_entry" => Some(k::FUNDS_ENTRY),
        "base_layer" => Some(k::LAND_USE_LAYER),
        "guide_price" => Some(k::GUIDE_PRICE),
        "adjustment" => Some(k::ADJUSTMENT),
        "land_supply" => Some(k::LAND_SUPPLY),
        "allocation" => Some(k::ALLOCATION),
        "sanction" => Some(k::SANCTION),
        _ => None,
    };
    match (named, lang) {
        (Some(name), _) => format!("{} #{id}", lang.text(name)),
        (None, _) => subject.to_owned(),
    }
}

/// The name of a field of an audit record's payload, in the reader's language; `None` for a
/// field this catalogue does not know (shown by its key).
pub fn payload_field(lang: Lang, key: &str) -> Option<&'static str> {
    let name = match key {
        "action" => k::ACTION_2,
        "agreement" => k::AGREEMENT_3,
        "amount_fen" => k::AMOUNT_FEN,
        "amount_m2" => k::AREA_M,
        "anonymous" => k::ANONYMOUS,
        "area_m2" => k::AREA_M,
        "as_of" => k::DATED,
        "backing" => k::BACKING_2,
        "basis" => k::BASIS_2,
        "blocking" => k::BLOCKING_3,
        "buyer" => k::BUYER_2,
        "category" => k::CATEGORY,
        "change_version" => k::CHANGE_VERSION_2,
        "checked" => k::CHECKED,
        "city_credit_m2" => k::CITY_CREDIT_M,
        "city_part_m2" => k::CITY_PART_M,
        "city_share_percent" => k::CITY_SHARE_2,
        "class_field" => k::CLASS_FIELD,
        "clause" => k::CLAUSE_2,
        "closed_on" => k::CLOSED_ON,
        "closes_on" => k::CLOSES_ON,
        "code" => k::NUMBER,
        "conclusion" => k::CONCLUSION_2,
        "confirmed_m2" => k::CONFIRMED_SURPLUS_M,
        "construction_zone_plan" => k::CONSTRUCTION_ZONE_PLAN_2,
        "count" => k::COUNT,
        "county" => k::COUNTY_4,
        "county_credit_m2" => k::COUNTY_CREDIT_M,
        "county_part_m2" => k::COUNTY_PART_M,
        "deadline" => k::DEADLINE_2,
        "decided_on" => k::DECIDED_ON,
        "decision" => k::DECISION_2,
        "department" => k::DEPARTMENT_2,
        "description" => k::DESCRIPTION_2,
        "division" => k::DIVISION_2,
        "due_on" => k::DUE_ON,
        "ends_on" => k::ENDS_ON_2,
        "features" => k::FEATURES_2,
        "figures" => k::FIGURES,
        "file" => k::FILE_2,
        "finding" => k::FINDING_4,
        "findings" => k::FINDINGS,
        "found_on" => k::FOUND_ON_2,
        "from" => k::FROM_2,
        "funding_source" => k::FUNDING_SOURCE_2,
        "granted_until" => k::GRANTED_UNTIL,
        "hash" => k::HASH,
        "household" => k::HOUSEHOLD,
        "households" => k::HOUSEHOLDS_3,
        "households_source" => k::HOUSEHOLDS_FROM_2,
        "id" => k::NUMBER,
        "inspected_on" => k::INSPECTED_ON,
        "inspection_closed" => k::INSPECTION_CLOSED_2,
        "inspector" => k::INSPECTOR_2,
        "instalment" => k::INSTALMENT_2,
        "is_admin" => k::ADMINISTRATOR,
        "item" => k::ITEM_3,
        "key" => k::ACCOUNT,
        "kind" => k::KIND_2,
        "land_use" => k::LAND_USE_4,
        "last_day" => k::LAST_DAY_2,
        "ledger_seq" => k::LEDGER_ENTRY,
        "listing" => k::LISTING_4,
        "money_fen" => k::MONEY_FEN,
        "name" => k::NAME_3,
        "note" => k::NOTE,
        "notice" => k::NOTICE,
        "number" => k::NUMBER_2,
        "offer" => k::OFFER_3,
        "opens_on" => k::OPENS_ON,
        "operation" => k::LEDGER_OPERATION,
        "opinion" => k::OPINION_2,
        "overdue" => k::OVERDUE_4,
        "overdue_since" => k::OVERDUE_SINCE_2,
        "owed_to_city_m2" => k::OWED_TO_THE_CITY_M,
        "paid_from" => k::PAID_FROM,
        "paid_on" => k::PAID_ON,
        "payee" => k::PAYEE_2,
        "period" => k::PERIOD_4,
        "planned_surplus_m2" => k::PLANNED_SURPLUS_M_2,
        "price_fen_per_mu" => k::PRICE_FEN_PER_MU,
        "priced_on" => k::PRICED_ON,
        "project" => k::PROJECT_3,
        "purpose" => k::PURPOSE,
        "reason" => k::REASON_2,
        "reason_en" => k::REASON_ENGLISH,
        "reason_zh" => k::REASON_2,
        "reclaimed_farmland_m2" => k::RECLAIMED_FARMLAND_M,
        "reclaimed_is_farmland" => k::RECLAIMED_IS_FARMLAND,
        "reclaimed_m2" => k::RECLAIMED_M,
        "rectification" => k::RECTIFICATION_4,
        "rectified_on" => k::RECTIFIED_ON,
        "replaces" => k::REPLACES,
        "requested_on" => k::REQUESTED_ON_2,
        "requested_until" => k::REQUESTED_UNTIL,
        "reserve_price_fen_per_mu" => k::RESERVE_PRICE_FEN_PER_MU,
        "resettlement_farmland_m2" => k::FARMLAND_OF_THE_SITE_M,
        "resettlement_m2" => k::RESETTLEMENT_SITE_M,
        "returned_m2" => k::RETURNED_M,
        "reviewed_on" => k::REVIEWED_ON_2,
        "rule" => k::RULE_3,
        "schedule" => k::SCHEDULE,
        "seq" => k::NUMBER_2,
        "settled_from_city_m2" => k::SETTLED_FROM_THE_CITY_M,
        "settled_from_county_m2" => k::SETTLED_FROM_THE_COUNTY_M,
        "severity" => k::SEVERITY_3,
        "sha256" => k::SHA_256,
        "shares" => k::SHARES,
        "source" => k::SOURCE_2,
        "split" => k::SPLIT,
        "standards" => k::STANDARDS,
        "starts_on" => k::STARTS_ON_2,
        "state" => k::STATE_2,
        "text" => k::TEXT,
        "title" => k::TITLE_3,
        "to" => k::TO,
        "topic" => k::TOPIC_3,
        "total_fen" => k::TOTAL_FEN,
        "total_m2" => k::TOTAL_M,
        "transfer_seq" => k::TRANSFER_ENTRY,
        "unknown_codes" => k::UNKNOWN_CLASS_CODES,
        "user" => k::USER,
        "version" => k::VERSION_2,
        "village_field" => k::VILLAGE_FIELD,
        "villages" => k::VILLAGES_3,
        "vintage" => k::VINTAGE_2,
        "voucher" => k::VOUCHER,
        "warnings" => k::WARNINGS,
        "year" => k::YEAR_2,
        "zone" => k::ZONE_2,
        _ => return None,
    };
    Some(lang.text(name))
}

/// Division names by code (`Door::division_names`), for tables that name counties.
pub type DivisionNames = std::collections::BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_names_and_unknown_ones_keep_their_code() {
        assert_eq!(audit_action(Lang::Zh, "project.transition"), "项目流程");
        assert_eq!(audit_action(Lang::En, "user.login"), "signed in");
        assert_eq!(audit_action(Lang::Zh, "ledger.advance"), "指标台账：预支");
        assert_eq!(audit_action(Lang::Zh, "funds.spend"), "资金台账：支出");
        assert_eq!(audit_action(Lang::Zh, "something.new"), "something.new");
    }
}

#[cfg(test)]
mod subject_tests {
    use super::*;

    #[test]
    fn subjects_are_named() {
        assert_eq!(audit_subject(Lang::Zh, "ledger_entry:21"), "台账条目 #21");
        assert_eq!(audit_subject(Lang::En, "funds_entry:5"), "funds entry #5");
        assert_eq!(
            audit_subject(Lang::Zh, "511722-2018-001"),
            "511722-2018-001"
        );
        assert_eq!(audit_subject(Lang::Zh, "odd_kind:1"), "odd_kind:1");
    }
}

/// The name of a listing's state (挂牌中, 已到期, …).
pub fn listing_state(state: guagou_domain::market::ListingState) -> Key {
    use guagou_domain::market::ListingState as S;
    match state {
        S::Open => k::LISTING_STATE_OPEN,
        S::Agreed => k::LISTING_STATE_AGREED,
        S::Settled => k::LISTING_STATE_SETTLED,
        S::Expired => k::LISTING_STATE_EXPIRED,
        S::Withdrawn => k::LISTING_STATE_WITHDRAWN,
    }
}

/// The name of an offer's state (待选, 已接受, 未被接受).
pub fn offer_state(state: guagou_domain::market::OfferState) -> Key {
    use guagou_domain::market::OfferState as S;
    match state {
        S::Open => k::OFFER_STATE_OPEN,
        S::Accepted => k::OFFER_STATE_ACCEPTED,
        S::Declined => k::OFFER_STATE_DECLINED,
    }
}

/// The name of an agreement's state (已签订, 已结算, 已解除).
pub fn agreement_state(state: guagou_domain::market::AgreementState) -> Key {
    use guagou_domain::market::AgreementState as S;
    match state {
        S::Signed => k::AGREEMENT_STATE_SIGNED,
        S::Settled => k::AGREEMENT_STATE_SETTLED,
        S::Cancelled => k::AGREEMENT_STATE_CANCELLED,
    }
}
