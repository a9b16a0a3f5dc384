//! Who may read which ledger account, and the small formatting helpers every ledger page
//! shares (areas in m², 公顷 and 亩; account labels; links).
//!
//! An account belongs to a county: a division's holding, reserved, used, annual-plan and
//! deducted accounts to that division; a project's surplus and advance accounts to the
//! project's county; a listing's escrow to its seller. Only the provincial grant belongs to no
//! county: it is read above the county level. `Scope` loads the maps this needs once per
//! request (three small queries).

use crate::catalogue::{Key, k};
use guagou_domain::SquareMetres;
use guagou_domain::ledger::Account;
use serde::Serialize;

use crate::auth::User;
use crate::html::Lang;

/// What a request's principal may read of the ledger, decided by the registry's door.
pub(crate) use guagou_registry::owners::ReadScope as Scope;

/// City and province users, and audit, read what belongs to no county.
pub(crate) fn above_county(user: &User) -> bool {
    user.actor.reads_above_county()
}

/// The division's name, or its code when the name is unknown.
pub(crate) fn division_label(scope: &Scope, code: &str) -> String {
    // Names, not codes (issue 14): the code only when the name is unknown.
    match scope.name_of(code) {
        Some(name) => name.to_owned(),
        None => code.to_owned(),
    }
}

/// The Chinese and English name of an account's kind.
pub(crate) fn account_kind(account: &Account) -> (String, String) {
    let name = match account {
        Account::Holding { .. } => k::HOLDING,
        Account::Reserved { .. } => k::RESERVED_FOR_LOCAL_NEEDS,
        Account::Listed { .. } => k::LISTED,
        Account::Used { .. } => k::USED_2,
        Account::Surplus { .. } => k::PROJECT_SURPLUS_ISSUED,
        Account::Advance { .. } => k::PROJECT_ADVANCE,
        Account::AnnualPlan { year, .. } => {
            let year = year.to_string();
            let fill = |lang: Lang| lang.fill(k::ANNUAL_PLAN_QUOTA_OF_YEAR, &[("year", &year)]);
            return (fill(Lang::Zh), fill(Lang::En));
        }
        Account::AnnualPlanGrant => k::ANNUAL_PLAN_GRANT_PROVINCE,
        Account::Deducted { .. } => k::DEDUCTED_ANNUAL_PLAN_QUOTA,
    };
    let (zh, en) = name.pair();
    (zh.to_owned(), en.to_owned())
}

/// The name of an operation kind.
pub(crate) fn operation_kind(kind: &str) -> Key {
    match kind {
        "advance" => k::ADVANCE,
        "issue" => k::ISSUE,
        "repay" => k::REPAY,
        "reserve" => k::RESERVE,
        "release" => k::RELEASE,
        "list" => k::LIST,
        "withdraw" => k::WITHDRAW_2,
        "transfer" => k::TRANSFER,
        "use" => k::USE,
        "grant_annual_plan" => k::GRANT_ANNUAL_PLAN,
        "deduct" => k::DEDUCT,
        "reverse" => k::REVERSE_2,
        _ => k::OTHER_2,
    }
}

/// An area as `m² (公顷 / 亩)` text.
pub(crate) fn area_text(lang: Lang, m2: i64) -> String {
    crate::html::area_text(lang, m2)
}

/// An area in the three units, for JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Area {
    pub m2: i64,
    /// 公顷，4 位小数 / hectares, 4 decimals
    pub hectares: String,
    /// 亩，2 位小数 / mu, 2 decimals
    pub mu: String,
}

impl Area {
    pub fn of(m2: i64) -> Area {
        let area = SquareMetres(m2);
        Area {
            m2,
            hectares: area.hectares_text(),
            mu: area.mu_text(),
        }
    }
}

/// Percent-encodes a path segment (keys carry user-chosen listing IDs and project codes).
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The URL of an account page.
pub(crate) fn account_url(account: &Account) -> String {
    format!("/ledger/accounts/{}", segment(&account.key()))
}

/// An account by name: whose it is (a division by name, a project or listing by its number)
/// and what kind, e.g. 宣汉县 · 可用节余指标.
pub(crate) fn account_name(lang: Lang, scope: &Scope, account: &Account) -> String {
    let (kind_zh, kind_en) = account_kind(account);
    let kind = match lang {
        Lang::Zh => kind_zh,
        Lang::En => kind_en,
    };
    let division = |code: &guagou_domain::DivisionCode| {
        scope
            .name_of(code.as_str())
            .map_or_else(|| code.to_string(), str::to_owned)
    };
    let owner = match account {
        Account::Holding { division: d }
        | Account::Reserved { division: d }
        | Account::Used { division: d } => division(d),
        Account::AnnualPlan { county, .. } | Account::Deducted { county } => division(county),
        Account::Listed { listing } => listing.clone(),
        Account::Surplus { project } | Account::Advance { project } => project.clone(),
        Account::AnnualPlanGrant => return kind,
    };
    format!("{owner} · {kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_keys_readable_and_escape_the_rest() {
        assert_eq!(segment("holding:511722"), "holding:511722");
        assert_eq!(segment("listed:a/b c"), "listed:a%2Fb%20c");
        assert_eq!(segment("公告"), "%E5%85%AC%E5%91%8A");
    }

    #[test]
    fn areas_show_hectares_and_mu() {
        assert_eq!(
            area_text(Lang::Zh, 10_000),
            "10,000 m² (1.0000 公顷 / 15.00 亩)"
        );
        assert_eq!(
            area_text(Lang::En, 10_000),
            "10,000 m² (1.0000 ha / 15.00 mu)"
        );
        let area = Area::of(-2);
        assert_eq!(
            (area.hectares.as_str(), area.mu.as_str()),
            ("-0.0002", "-0.00")
        );
    }
}
