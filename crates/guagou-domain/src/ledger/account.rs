//! Ledger accounts. Holding accounts never go below zero; source accounts (a project's surplus
//! and advance, the annual-plan grant) carry the negative side of what they created.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::division::DivisionCode;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Account {
    /// Surplus quota a county (or the city, by its code) holds and may use or list.
    Holding { division: DivisionCode },
    /// Quota a county set aside for local poverty relief, relocation and development (二(三)).
    Reserved { division: DivisionCode },
    /// Quota offered under a listing (公告) until settled or withdrawn.
    Listed { listing: String },
    /// Quota retired against a construction zone or land supply.
    Used { division: DivisionCode },
    /// A project's confirmed surplus: −(issued).
    Surplus { project: String },
    /// A project's advance: −(advanced − settled); an open debt while negative.
    Advance { project: String },
    /// Annual land-use plan quota of a county for a year (a different quota, no lots).
    AnnualPlan { county: DivisionCode, year: i32 },
    /// Where annual plan quota comes from (the provincial allocation): −(granted).
    AnnualPlanGrant,
    /// Annual plan quota deducted as a sanction (二(四)).
    Deducted { county: DivisionCode },
}

/// Who owns an account (SPEC §1), or where to look it up: the one answer to "whose account
/// is this" that the registry's rights, its read filters and the audit log's owners all ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOwner<'a> {
    /// A division's own account: holding, reserved, used, annual plan, deducted.
    Division(&'a DivisionCode),
    /// A project's surplus or advance account: the project's county.
    ProjectCounty(&'a str),
    /// A listing's escrow: the listing's seller.
    ListingSeller(&'a str),
    /// The provincial grant of annual plan quota: the province, above every county.
    Province,
}

/// How an account's balance may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    /// Never below zero.
    Holding,
    /// Never above zero.
    Source,
}

impl Account {
    /// Who owns this account, or where to look it up.
    pub fn owner(&self) -> AccountOwner<'_> {
        match self {
            Account::Holding { division }
            | Account::Reserved { division }
            | Account::Used { division } => AccountOwner::Division(division),
            Account::AnnualPlan { county, .. } | Account::Deducted { county } => {
                AccountOwner::Division(county)
            }
            Account::Surplus { project } | Account::Advance { project } => {
                AccountOwner::ProjectCounty(project)
            }
            Account::Listed { listing } => AccountOwner::ListingSeller(listing),
            Account::AnnualPlanGrant => AccountOwner::Province,
        }
    }

    pub fn nature(&self) -> Nature {
        match self {
            Account::Surplus { .. } | Account::Advance { .. } | Account::AnnualPlanGrant => {
                Nature::Source
            }
            _ => Nature::Holding,
        }
    }

    /// Whether balances of this account are made of surplus-quota lots.
    pub fn has_lots(&self) -> bool {
        matches!(
            self,
            Account::Holding { .. }
                | Account::Reserved { .. }
                | Account::Listed { .. }
                | Account::Used { .. }
        )
    }

    /// A stable text key (used as the storage key and in reports).
    pub fn key(&self) -> String {
        match self {
            Account::Holding { division } => format!("holding:{division}"),
            Account::Reserved { division } => format!("reserved:{division}"),
            Account::Listed { listing } => format!("listed:{listing}"),
            Account::Used { division } => format!("used:{division}"),
            Account::Surplus { project } => format!("surplus:{project}"),
            Account::Advance { project } => format!("advance:{project}"),
            Account::AnnualPlan { county, year } => format!("annual_plan:{county}:{year}"),
            Account::AnnualPlanGrant => "annual_plan_grant".to_owned(),
            Account::Deducted { county } => format!("deducted:{county}"),
        }
    }

    /// Parses `key()` back.
    pub fn from_key(key: &str) -> Option<Account> {
        let (kind, rest) = key.split_once(':').unwrap_or((key, ""));
        let division = || DivisionCode::parse(rest).ok();
        Some(match kind {
            "holding" => Account::Holding {
                division: division()?,
            },
            "reserved" => Account::Reserved {
                division: division()?,
            },
            "listed" if !rest.is_empty() => Account::Listed {
                listing: rest.to_owned(),
            },
            "used" => Account::Used {
                division: division()?,
            },
            "surplus" if !rest.is_empty() => Account::Surplus {
                project: rest.to_owned(),
            },
            "advance" if !rest.is_empty() => Account::Advance {
                project: rest.to_owned(),
            },
            "annual_plan" => {
                let (county, year) = rest.split_once(':')?;
                Account::AnnualPlan {
                    county: DivisionCode::parse(county).ok()?,
                    year: year.parse().ok()?,
                }
            }
            "annual_plan_grant" if rest.is_empty() => Account::AnnualPlanGrant,
            "deducted" => Account::Deducted {
                county: division()?,
            },
            _ => return None,
        })
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}
