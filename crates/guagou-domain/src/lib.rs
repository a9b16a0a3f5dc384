//! The pure domain of guagou (城乡建设用地增减挂钩): units, division codes, the policy profile,
//! the rule table and the rule checks.
//!
//! Nothing here reads files, talks to a database or the network, or looks at the clock: callers
//! pass in what was measured and what today is. That keeps the same rules usable by the offline
//! `guagou check`, the server and the tests.

pub mod capitals;
pub mod check;
pub mod dates;
pub mod department;
pub mod division;
pub mod error_code;
pub mod funds;
pub mod landclass;
pub mod landrules;
pub mod ledger;
pub mod lifecycle;
pub mod market;
pub mod notice;
pub mod poverty;
pub mod profile;
pub mod project_code;
pub mod protection;
pub mod ranking;
pub mod registry_rules;
pub mod report;
pub mod review;
pub mod rules;
pub mod sanctions;
pub mod supervision;
pub mod units;

pub use department::Department;
pub use division::DivisionCode;
pub use error_code::ErrorCode;
pub use profile::Profile;
pub use project_code::ProjectCode;
pub use rules::{RuleId, Severity};
pub use units::{Fen, SquareMetres};

/// Every `ALL` list of an enum the pages name holds every variant, each once, in the order
/// of the guard: adding a variant fails to compile here until it is listed.
#[cfg(test)]
mod every_variant_listed {
    use crate::check::{Consent, ResettlementMethod};
    use crate::ledger::LandUse;
    use crate::lifecycle::{PlanState, ProjectState};
    use crate::notice::PeriodStatus;
    use crate::profile::FactStatus;
    use crate::review::Conclusion;
    use crate::rules::Severity;
    use crate::supervision::{FindingSeverity, FindingState, InspectionKind, NoticeKind};

    /// `all[i]` is the variant `position` puts at `i`, for every `i`, and the list is as long
    /// as the highest position plus one.
    fn check<T: Copy + std::fmt::Debug>(all: &[T], position: fn(T) -> usize) {
        for (i, v) in all.iter().enumerate() {
            assert_eq!(position(*v), i, "{v:?} out of place");
        }
        let highest = all.iter().map(|v| position(*v)).max().unwrap_or(0);
        assert_eq!(all.len(), highest + 1);
    }

    #[test]
    fn all_lists_are_complete() {
        use ProjectState as P;
        check(&P::ALL, |v| match v {
            P::Draft => 0,
            P::Submitted => 1,
            P::Pooled => 2,
            P::Forwarded => 3,
            P::Approved => 4,
            P::Implementing => 5,
            P::AcceptanceApplied => 6,
            P::Accepted => 7,
            P::Closed => 8,
            P::Returned => 9,
            P::Withdrawn => 10,
            P::Terminated => 11,
        });
        check(&crate::report::STATES, |v| {
            P::ALL.iter().position(|s| *s == v).unwrap_or(usize::MAX)
        });
        use PlanState as L;
        check(&L::ALL, |v| match v {
            L::Draft => 0,
            L::Consulting => 1,
            L::Submitted => 2,
            L::Approved => 3,
            L::Filed => 4,
            L::Returned => 5,
        });
        check(&Severity::ALL, |v| match v {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Sanction => 2,
            Severity::Information => 3,
        });
        check(&Conclusion::ALL, |v| match v {
            Conclusion::Agree => 0,
            Conclusion::Conditional => 1,
            Conclusion::Disagree => 2,
        });
        check(&InspectionKind::ALL, |v| match v {
            InspectionKind::Bidding => 0,
            InspectionKind::Construction => 1,
            InspectionKind::FundUse => 2,
        });
        check(&FindingSeverity::ALL, |v| match v {
            FindingSeverity::Minor => 0,
            FindingSeverity::Major => 1,
            FindingSeverity::Serious => 2,
        });
        check(&FindingState::ALL, |v| match v {
            FindingState::Open => 0,
            FindingState::Rectified => 1,
            FindingState::Closed => 2,
        });
        check(&NoticeKind::ALL, |v| match v {
            NoticeKind::Criticism => 0,
            NoticeKind::Commendation => 1,
        });
        check(&PeriodStatus::ALL, |v| match v {
            PeriodStatus::Upcoming => 0,
            PeriodStatus::Open => 1,
            PeriodStatus::Closed => 2,
        });
        check(&FactStatus::ALL, |v| match v {
            FactStatus::Confirmed => 0,
            FactStatus::Pending => 1,
        });
        check(&Consent::ALL, |v| match v {
            Consent::Consented => 0,
            Consent::Refused => 1,
            Consent::Pending => 2,
        });
        use ResettlementMethod as M;
        check(&M::ALL, |v| match v {
            M::Concentrated => 0,
            M::Monetary => 1,
            M::SelfArranged => 2,
            M::Dispersed => 3,
        });
        check(&crate::report::LAND_USES, |v| match v {
            LandUse::Commercial => 0,
            LandUse::Tourism => 1,
            LandUse::Entertainment => 2,
            LandUse::CommercialHousing => 3,
            LandUse::Industrial => 4,
            LandUse::Public => 5,
            LandUse::Other => 6,
        });
        use crate::funds::{FundingSource, SpendCategory};
        check(&FundingSource::ALL, |v| match v {
            FundingSource::CityBudget => 0,
            FundingSource::InvestmentAttraction => 1,
            FundingSource::SocialCapital => 2,
        });
        check(&SpendCategory::ALL, |v| match v {
            SpendCategory::Resettlement => 0,
            SpendCategory::Reclamation => 1,
            SpendCategory::PovertyRelief => 2,
            SpendCategory::Compensation => 3,
        });
    }
}
