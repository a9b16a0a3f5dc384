//! The names of the domain's enums (states, severities, conclusions, departments, kinds and
//! categories), each a catalogue entry (`catalogue/domain.toml`). Every function is an
//! exhaustive `match` without a `_` arm, so a new variant does not compile until it is named.
//! Pages show `lang.text(names::project_state(s))`; the domain's own bilingual labels stay for
//! the command line.

use guagou_domain::Department;
use guagou_domain::check::{Consent, ResettlementMethod};
use guagou_domain::funds::{FundAccount, FundingSource, SpendCategory};
use guagou_domain::ledger::LandUse;
use guagou_domain::lifecycle::{PlanState, ProjectState};
use guagou_domain::notice::PeriodStatus;
use guagou_domain::profile::FactStatus;
use guagou_domain::review::Conclusion;
use guagou_domain::rules::Severity;
use guagou_domain::supervision::{FindingSeverity, FindingState, InspectionKind, NoticeKind};
use guagou_registry::extensions::ExtensionState;

use crate::catalogue::{Key, k};
use crate::html::Lang;

/// A project's state (草稿, 已申报, …, 已终止).
pub fn project_state(state: ProjectState) -> Key {
    use ProjectState as S;
    match state {
        S::Draft => k::PROJECT_STATE_DRAFT,
        S::Submitted => k::PROJECT_STATE_SUBMITTED,
        S::Pooled => k::PROJECT_STATE_POOLED,
        S::Forwarded => k::PROJECT_STATE_FORWARDED,
        S::Approved => k::PROJECT_STATE_APPROVED,
        S::Implementing => k::PROJECT_STATE_IMPLEMENTING,
        S::AcceptanceApplied => k::PROJECT_STATE_ACCEPTANCE_APPLIED,
        S::Accepted => k::PROJECT_STATE_ACCEPTED,
        S::Closed => k::PROJECT_STATE_CLOSED,
        S::Returned => k::PROJECT_STATE_RETURNED,
        S::Withdrawn => k::PROJECT_STATE_WITHDRAWN,
        S::Terminated => k::PROJECT_STATE_TERMINATED,
    }
}

/// A special plan's state (草稿, 征求意见, …, 省厅已备案).
pub fn plan_state(state: PlanState) -> Key {
    use PlanState as S;
    match state {
        S::Draft => k::PLAN_STATE_DRAFT,
        S::Consulting => k::PLAN_STATE_CONSULTING,
        S::Submitted => k::PLAN_STATE_SUBMITTED,
        S::Approved => k::PLAN_STATE_APPROVED,
        S::Filed => k::PLAN_STATE_FILED,
        S::Returned => k::PLAN_STATE_RETURNED,
    }
}

/// A rule's severity (错误, 警告, 处罚, 提示).
pub fn severity(severity: Severity) -> Key {
    match severity {
        Severity::Error => k::SEVERITY_ERROR,
        Severity::Warning => k::SEVERITY_WARNING,
        Severity::Sanction => k::SEVERITY_SANCTION,
        Severity::Information => k::SEVERITY_INFORMATION,
    }
}

/// A department's review conclusion (同意, 有条件同意, 不同意).
pub fn conclusion(conclusion: Conclusion) -> Key {
    match conclusion {
        Conclusion::Agree => k::CONCLUSION_AGREE,
        Conclusion::Conditional => k::CONCLUSION_CONDITIONAL,
        Conclusion::Disagree => k::CONCLUSION_DISAGREE,
    }
}

/// A department's name. The land bureau, finance and audit are catalogue entries; a reviewing
/// department is named by the profile (its Chinese name, the English from SPEC §1's table),
/// data in two languages.
pub fn department(lang: Lang, department: &Department) -> String {
    let key = match department {
        Department::Land => k::DEPARTMENT_LAND,
        Department::Finance => k::DEPARTMENT_FINANCE,
        Department::Audit => k::DEPARTMENT_AUDIT,
        Department::Reviewer(_) => {
            return crate::print::tr(lang, department.name_zh(), department.name_en()).to_owned();
        }
    };
    lang.text(key).to_owned()
}

/// Where a city investment's money comes from (市级财政预算, 招商引资, 社会资本).
pub fn funding_source(source: FundingSource) -> Key {
    match source {
        FundingSource::CityBudget => k::FUNDING_SOURCE_CITY_BUDGET,
        FundingSource::InvestmentAttraction => k::FUNDING_SOURCE_INVESTMENT_ATTRACTION,
        FundingSource::SocialCapital => k::FUNDING_SOURCE_SOCIAL_CAPITAL,
    }
}

/// What money was spent on (安置支出, 复垦支出, 扶贫支出, 农户补偿).
pub fn spend_category(category: SpendCategory) -> Key {
    match category {
        SpendCategory::Resettlement => k::SPEND_CATEGORY_RESETTLEMENT,
        SpendCategory::Reclamation => k::SPEND_CATEGORY_RECLAMATION,
        SpendCategory::PovertyRelief => k::SPEND_CATEGORY_POVERTY_RELIEF,
        SpendCategory::Compensation => k::SPEND_CATEGORY_COMPENSATION,
    }
}

/// A funds account's kind (县级挂钩资金专户, 项目资金, 市级投资：招商引资（来源）, …).
pub fn fund_account(lang: Lang, account: &FundAccount) -> String {
    match account {
        FundAccount::County { .. } => lang.text(k::FUND_ACCOUNT_COUNTY).to_owned(),
        FundAccount::Project { .. } => lang.text(k::FUND_ACCOUNT_PROJECT).to_owned(),
        FundAccount::TransferProceeds { .. } => {
            lang.text(k::FUND_ACCOUNT_TRANSFER_PROCEEDS).to_owned()
        }
        FundAccount::CityInvestment { source, .. } => lang.fill(
            k::FUND_ACCOUNT_CITY_INVESTMENT,
            &[("source", lang.text(funding_source(*source)))],
        ),
        FundAccount::Spent { category, .. } => lang.fill(
            k::FUND_ACCOUNT_SPENT,
            &[("category", lang.text(spend_category(*category)))],
        ),
    }
}

/// An inspection's kind (招投标, 施工, 资金使用).
pub fn inspection_kind(kind: InspectionKind) -> Key {
    match kind {
        InspectionKind::Bidding => k::INSPECTION_KIND_BIDDING,
        InspectionKind::Construction => k::INSPECTION_KIND_CONSTRUCTION,
        InspectionKind::FundUse => k::INSPECTION_KIND_FUND_USE,
    }
}

/// How serious a finding is (一般, 较重, 严重).
pub fn finding_severity(severity: FindingSeverity) -> Key {
    match severity {
        FindingSeverity::Minor => k::FINDING_SEVERITY_MINOR,
        FindingSeverity::Major => k::FINDING_SEVERITY_MAJOR,
        FindingSeverity::Serious => k::FINDING_SEVERITY_SERIOUS,
    }
}

/// A finding's state (待整改, 已整改待销号, 已销号).
pub fn finding_state(state: FindingState) -> Key {
    match state {
        FindingState::Open => k::FINDING_STATE_OPEN,
        FindingState::Rectified => k::FINDING_STATE_RECTIFIED,
        FindingState::Closed => k::FINDING_STATE_CLOSED,
    }
}

/// A supervision notice's kind (通报批评, 通报表扬).
pub fn supervision_notice(kind: NoticeKind) -> Key {
    match kind {
        NoticeKind::Criticism => k::SUPERVISION_NOTICE_CRITICISM,
        NoticeKind::Commendation => k::SUPERVISION_NOTICE_COMMENDATION,
    }
}

/// Where today lies against a public notice's period (未开始, 公示中, 已结束).
pub fn period_status(status: PeriodStatus) -> Key {
    match status {
        PeriodStatus::Upcoming => k::NOTICE_PERIOD_UPCOMING,
        PeriodStatus::Open => k::NOTICE_PERIOD_OPEN,
        PeriodStatus::Closed => k::NOTICE_PERIOD_CLOSED,
    }
}

/// Whether a dated fact of the profile is confirmed (已核实) or awaits its document (待核).
pub fn fact_status(status: FactStatus) -> Key {
    match status {
        FactStatus::Confirmed => k::FACT_STATUS_CONFIRMED,
        FactStatus::Pending => k::FACT_STATUS_PENDING,
    }
}

/// A completion extension's state (待市局决定, 已批准延期, 不予延期).
pub fn extension_state(state: ExtensionState) -> Key {
    match state {
        ExtensionState::Requested => k::EXTENSION_STATE_REQUESTED,
        ExtensionState::Granted => k::EXTENSION_STATE_GRANTED,
        ExtensionState::Refused => k::EXTENSION_STATE_REFUSED,
    }
}

/// A household's consent (同意, 不同意, 未表态).
pub fn consent(consent: Consent) -> Key {
    match consent {
        Consent::Consented => k::CONSENT_CONSENTED,
        Consent::Refused => k::CONSENT_REFUSED,
        Consent::Pending => k::CONSENT_PENDING,
    }
}

/// A household's consent as a notice stores it (`consented`, `refused`; anything else has not
/// answered, as `guagou_domain::notice::consent_label` reads it).
pub fn consent_code(code: &str) -> Key {
    consent(
        Consent::ALL
            .into_iter()
            .find(|c| guagou_domain::notice::consent_code(*c) == code)
            .unwrap_or(Consent::Pending),
    )
}

/// A household's resettlement method (集中安置, 货币安置, 自主安置, 分散安置); none chosen is
/// 未选择.
pub fn resettlement_method(method: Option<ResettlementMethod>) -> Key {
    use ResettlementMethod as M;
    match method {
        Some(M::Concentrated) => k::RESETTLEMENT_CONCENTRATED,
        Some(M::Monetary) => k::RESETTLEMENT_MONETARY,
        Some(M::SelfArranged) => k::RESETTLEMENT_SELF_ARRANGED,
        Some(M::Dispersed) => k::RESETTLEMENT_DISPERSED,
        None => k::RESETTLEMENT_NOT_CHOSEN,
    }
}

/// A resettlement method as a notice stores it (`concentrated`, …; an unknown code or none is
/// 未选择, as `guagou_domain::notice::method_label` reads it).
pub fn resettlement_code(code: Option<&str>) -> Key {
    resettlement_method(
        ResettlementMethod::ALL
            .into_iter()
            .find(|m| Some(guagou_domain::notice::method_code(*m)) == code),
    )
}

/// A land-use category of quota use (商业, 旅游, …).
pub fn land_use(land_use: LandUse) -> Key {
    match land_use {
        LandUse::Commercial => k::LAND_USE_COMMERCIAL,
        LandUse::Tourism => k::LAND_USE_TOURISM,
        LandUse::Entertainment => k::LAND_USE_ENTERTAINMENT,
        LandUse::CommercialHousing => k::LAND_USE_COMMERCIAL_HOUSING,
        LandUse::Industrial => k::LAND_USE_INDUSTRIAL,
        LandUse::Public => k::LAND_USE_PUBLIC,
        LandUse::Other => k::LAND_USE_OTHER,
    }
}

/// A funds operation's kind (流转收益到账, 市级投资到位, 支出, 农户补偿, 冲正).
pub fn funds_operation(operation: &guagou_domain::funds::FundsOperation) -> Key {
    use guagou_domain::funds::FundsOperation as O;
    match operation {
        O::Proceeds { .. } => k::TRANSFER_PROCEEDS_RECEIVED,
        O::Invest { .. } => k::CITY_INVESTMENT_RECEIVED,
        O::Spend { .. } => k::SPENDING,
        O::Compensate { .. } => k::HOUSEHOLD_COMPENSATION,
        O::Reverse { .. } => k::REVERSAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guagou_domain::market::{AgreementState, ListingState, OfferState};
    use serde::Serialize;

    /// Every variant of `all` as (its stored code, its Debug name, its catalogue name).
    fn named<T: Copy + Serialize + std::fmt::Debug>(
        all: &[T],
        name: fn(T) -> Key,
    ) -> Vec<(String, String, Key)> {
        all.iter()
            .map(|v| {
                let code = serde_json::to_value(v)
                    .ok()
                    .and_then(|c| c.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (code, format!("{v:?}"), name(*v))
            })
            .collect()
    }

    /// The names of one enum: present in both languages, no two variants alike in either, no
    /// snake_case word, no variant's code or Rust name. (A one-word code such as `draft` reads
    /// as the English word itself, so the English may equal a code without `_`; the Chinese
    /// never shows one.)
    fn check(what: &str, names: &[(String, String, Key)]) {
        assert!(!names.is_empty(), "{what}: no variants");
        for lang in [Lang::Zh, Lang::En] {
            let mut seen = std::collections::BTreeSet::new();
            for (code, debug, key) in names {
                let text = lang.text(*key);
                assert!(!text.trim().is_empty(), "{what}::{debug}: no {lang:?} name");
                assert!(seen.insert(text), "{what}: two variants read {text:?}");
                assert!(
                    !text.contains('_'),
                    "{what}::{debug}: {text:?} is snake_case"
                );
                assert!(
                    !(debug.chars().skip(1).any(char::is_uppercase) && text.contains(debug)),
                    "{what}::{debug}: {text:?} shows the variant's name"
                );
                if lang == Lang::Zh && !code.is_empty() {
                    assert!(
                        !text.contains(code.as_str()),
                        "{what}::{debug}: {text:?} shows its code"
                    );
                }
                if code.contains('_') {
                    assert!(
                        !text.contains(code.as_str()),
                        "{what}::{debug}: {text:?} shows its code"
                    );
                }
            }
        }
    }

    #[test]
    fn every_variant_of_every_named_enum_has_a_name_in_both_languages() {
        check("ProjectState", &named(&ProjectState::ALL, project_state));
        check("PlanState", &named(&PlanState::ALL, plan_state));
        check("Severity", &named(&Severity::ALL, severity));
        check("Conclusion", &named(&Conclusion::ALL, conclusion));
        check("FundingSource", &named(&FundingSource::ALL, funding_source));
        check("SpendCategory", &named(&SpendCategory::ALL, spend_category));
        check(
            "InspectionKind",
            &named(&InspectionKind::ALL, inspection_kind),
        );
        check(
            "FindingSeverity",
            &named(&FindingSeverity::ALL, finding_severity),
        );
        check("FindingState", &named(&FindingState::ALL, finding_state));
        check("NoticeKind", &named(&NoticeKind::ALL, supervision_notice));
        check("PeriodStatus", &named(&PeriodStatus::ALL, period_status));
        check("FactStatus", &named(&FactStatus::ALL, fact_status));
        check(
            "ExtensionState",
            &named(&ExtensionState::ALL, extension_state),
        );
        check("Consent", &named(&Consent::ALL, consent));
        check(
            "LandUse",
            &named(&guagou_domain::report::LAND_USES, land_use),
        );
        let mut methods = named(&ResettlementMethod::ALL, |m| resettlement_method(Some(m)));
        methods.push((String::new(), "None".into(), resettlement_method(None)));
        check("ResettlementMethod", &methods);
        let listing = [
            ListingState::Open,
            ListingState::Agreed,
            ListingState::Settled,
            ListingState::Expired,
            ListingState::Withdrawn,
        ];
        check(
            "ListingState",
            &named(&listing, crate::names::listing_state),
        );
        let offer = [OfferState::Open, OfferState::Accepted, OfferState::Declined];
        check("OfferState", &named(&offer, crate::names::offer_state));
        let agreement = [
            AgreementState::Signed,
            AgreementState::Settled,
            AgreementState::Cancelled,
        ];
        check(
            "AgreementState",
            &named(&agreement, crate::names::agreement_state),
        );
    }

    /// The stored codes of a notice's households read as the enums they stand for.
    #[test]
    fn stored_codes_are_named_like_their_variants() {
        for c in Consent::ALL {
            assert_eq!(
                consent_code(guagou_domain::notice::consent_code(c)),
                consent(c)
            );
        }
        assert_eq!(consent_code("anything else"), k::CONSENT_PENDING);
        for m in ResettlementMethod::ALL {
            let code = guagou_domain::notice::method_code(m);
            assert_eq!(resettlement_code(Some(code)), resettlement_method(Some(m)));
        }
        assert_eq!(resettlement_code(None), k::RESETTLEMENT_NOT_CHOSEN);
    }

    /// The fixed departments are catalogue names; a reviewing department keeps the profile's
    /// name, in Chinese, and SPEC §1's English.
    #[test]
    fn departments_are_named() {
        let fixed = [Department::Land, Department::Finance, Department::Audit];
        for lang in [Lang::Zh, Lang::En] {
            let names: std::collections::BTreeSet<String> =
                fixed.iter().map(|d| department(lang, d)).collect();
            assert_eq!(names.len(), 3);
            assert!(names.iter().all(|n| !n.is_empty() && !n.contains('_')));
        }
        assert_eq!(department(Lang::Zh, &Department::Land), "国土资源部门");
        let planning = Department::parse("planning", &[])
            .unwrap_or_else(|e| panic!("a SPEC §1 department: {e}"));
        assert_eq!(department(Lang::Zh, &planning), "规划");
        assert_eq!(department(Lang::En, &planning), "planning");
    }

    /// Report columns and tables are named in both languages, each differently.
    #[test]
    fn report_columns_are_named() {
        use crate::reports::columns::GROUPS;
        for lang in [Lang::Zh, Lang::En] {
            let mut seen = std::collections::BTreeSet::new();
            for group in GROUPS {
                assert!(seen.insert(lang.text(group.name)));
                for column in group.columns {
                    let text = lang.text(column.name);
                    assert!(!text.is_empty() && !text.contains('_'));
                    assert!(seen.insert(text), "two report columns read {text:?}");
                }
            }
        }
    }
}
