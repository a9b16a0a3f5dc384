//! Who owns a ledger account, and whether an actor may move it (SPEC §1): a county acts on its
//! own accounts, the city on its counties' and its own, the province on everything in the
//! province. Every ledger operation is checked leg by leg with `require_accounts`, inside the
//! write transaction that posts it, so the owners it reads are the ones the posting sees.
//!
//! `owner_of` resolves `Account::owner`, the one answer to "whose account is this", inside the
//! write transaction; the read filters (`owners.rs`) resolve the same answer from maps loaded
//! once per request.

use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_domain::ledger::account::AccountOwner;
use guagou_domain::ledger::{Account, Entry, Operation};
use sqlx::{AnyConnection, Row};

use crate::Actor;
use crate::error::RegistryError;
use crate::projects::code_of;

/// The division an account belongs to: a division's holding, reserved and used accounts, and a
/// county's annual-plan and deducted accounts, to that division; a project's surplus and
/// advance accounts to the project's county; a listing's escrow to its seller; the provincial
/// grant to the province. `None` for a project or listing nobody registered.
pub async fn owner_of(
    conn: &mut AnyConnection,
    province: &DivisionCode,
    account: &Account,
) -> Result<Option<DivisionCode>, RegistryError> {
    match account.owner() {
        AccountOwner::Division(division) => Ok(Some(division.clone())),
        AccountOwner::Province => Ok(Some(province.clone())),
        AccountOwner::ProjectCounty(project) => project_county(conn, project).await,
        AccountOwner::ListingSeller(listing) => listing_seller(conn, listing).await,
    }
}

/// The county of a project: the ledger's registration (which the accounts were opened under),
/// else the registry's project record.
async fn project_county(
    conn: &mut AnyConnection,
    project: &str,
) -> Result<Option<DivisionCode>, RegistryError> {
    for sql in [
        "SELECT county FROM ledger_projects WHERE code = $1",
        "SELECT county FROM projects WHERE code = $1",
    ] {
        let row = sqlx::query(sql)
            .bind(project)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            return Ok(Some(code_of(&row.try_get::<String, _>("county")?)?));
        }
    }
    Ok(None)
}

/// The seller of a listing: the ledger's listing record (kept after the listing closes), else
/// the market's.
pub async fn listing_seller(
    conn: &mut AnyConnection,
    listing: &str,
) -> Result<Option<DivisionCode>, RegistryError> {
    for sql in [
        "SELECT seller FROM ledger_listings WHERE listing = $1",
        "SELECT seller FROM market_listings WHERE id = $1",
    ] {
        let row = sqlx::query(sql)
            .bind(listing)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            return Ok(Some(code_of(&row.try_get::<String, _>("seller")?)?));
        }
    }
    Ok(None)
}

/// Whether `actor` acts for `owner`: the county for itself, the city for its counties and
/// itself, the province for everything in it.
pub fn acts_for(actor: &Actor, owner: &DivisionCode) -> bool {
    actor.division.contains(owner)
}

/// The account a transfer credits to its buyer, when the buyer may be a counterparty outside
/// the actor's jurisdiction: a county or city government of the province (SPEC §8).
pub fn counterparty(operation: &Operation, province: &DivisionCode) -> Option<Account> {
    match operation {
        Operation::Transfer { buyer, .. }
            if matches!(buyer.level(), DivisionLevel::County | DivisionLevel::City)
                && province.contains(buyer) =>
        {
            Some(Account::Holding {
                division: buyer.clone(),
            })
        }
        _ => None,
    }
}

/// Refuses (403 `forbidden`) unless `actor` acts for the owner of every account in `accounts`,
/// `counterparty` excepted. An account nobody owns (an unknown project or listing) is refused
/// too: nobody can show the right to move it.
pub async fn require_accounts(
    conn: &mut AnyConnection,
    actor: &Actor,
    province: &DivisionCode,
    accounts: &[Account],
    counterparty: Option<&Account>,
) -> Result<(), RegistryError> {
    for account in accounts {
        if Some(account) == counterparty {
            continue;
        }
        let allowed = match owner_of(conn, province, account).await? {
            Some(owner) => acts_for(actor, &owner),
            None => false,
        };
        if !allowed {
            return Err(RegistryError::Forbidden {
                actor: actor.to_string(),
                what: format!("账户 {} / account {}", account.key(), account.key()),
            });
        }
    }
    Ok(())
}

/// The accounts a request names before the engine plans it: the accounts its fields name, and
/// for a reversal every leg of the entry it reverses (a reversal moves exactly those). Checked
/// before planning, so a request outside the actor's jurisdiction is refused as such rather
/// than by a ledger rule about accounts that are not the actor's.
pub async fn named_accounts(
    conn: &mut AnyConnection,
    operation: &Operation,
) -> Result<Vec<Account>, RegistryError> {
    let listed = |listing: &str| Account::Listed {
        listing: listing.to_owned(),
    };
    Ok(match operation {
        Operation::Advance { project, .. }
        | Operation::Issue { project, .. }
        | Operation::Repay { project, .. } => {
            vec![Account::Advance {
                project: project.clone(),
            }]
        }
        Operation::Reserve { division, .. }
        | Operation::Release { division, .. }
        | Operation::List { division, .. }
        | Operation::Use { division, .. } => vec![Account::Holding {
            division: division.clone(),
        }],
        Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } => {
            vec![listed(listing)]
        }
        Operation::GrantAnnualPlan { county, year, .. }
        | Operation::Deduct { county, year, .. } => vec![Account::AnnualPlan {
            county: county.clone(),
            year: *year,
        }],
        Operation::Reverse { seq } => target_accounts(conn, *seq).await?,
    })
}

/// The accounts of journal entry `seq`'s legs (none when there is no such entry: the engine
/// refuses that reversal itself).
pub async fn target_accounts(
    conn: &mut AnyConnection,
    seq: u64,
) -> Result<Vec<Account>, RegistryError> {
    let Ok(seq) = i64::try_from(seq) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query("SELECT account FROM ledger_legs WHERE seq = $1 ORDER BY idx")
        .bind(seq)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let key: String = row.try_get("account")?;
            Account::from_key(&key).ok_or_else(|| {
                RegistryError::invalid(
                    "ledger_legs.account",
                    format!("存储的账户 {key} 无法解读"),
                    format!("stored account {key} cannot be read"),
                )
            })
        })
        .collect()
}

/// Refuses unless `actor` acts for every account `entry` moved (its planned legs), the
/// transfer's buyer excepted. Run after planning, inside the same transaction, as the second
/// check: it sees exactly the accounts the engine chose.
pub async fn require_entry(
    conn: &mut AnyConnection,
    actor: &Actor,
    province: &DivisionCode,
    entry: &Entry,
) -> Result<(), RegistryError> {
    let accounts: Vec<Account> = entry.legs.iter().map(|l| l.account.clone()).collect();
    let buyer = counterparty(&entry.operation, province);
    require_accounts(conn, actor, province, &accounts, buyer.as_ref()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn actor(text: &str) -> Actor {
        Actor::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_city_acts_within_its_city() {
        let city = actor("市局@511700");
        assert!(acts_for(&city, &code("511722")));
        assert!(acts_for(&city, &code("511700")));
        assert!(!acts_for(&city, &code("510100")));
        assert!(!acts_for(&city, &code("510104")));
        assert!(!acts_for(&city, &code("510000")));
        let county = actor("县局@511722");
        assert!(acts_for(&county, &code("511722")));
        assert!(!acts_for(&county, &code("511723")));
        assert!(!acts_for(&county, &code("511700")));
        let province = actor("省厅@510000");
        assert!(acts_for(&province, &code("510104")));
        assert!(acts_for(&province, &code("510000")));
    }

    #[test]
    fn only_a_transfer_to_a_government_of_the_province_has_a_counterparty() {
        let province = code("510000");
        let transfer = |buyer: &str| Operation::Transfer {
            listing: "L".into(),
            buyer: code(buyer),
            amount_m2: 1,
            price_fen_per_mu: 1,
            priced_on: None,
        };
        assert_eq!(
            counterparty(&transfer("510100"), &province),
            Some(Account::Holding {
                division: code("510100")
            })
        );
        assert_eq!(counterparty(&transfer("500101"), &province), None);
        assert_eq!(counterparty(&transfer("510000"), &province), None);
        assert_eq!(
            counterparty(&Operation::Reverse { seq: 1 }, &province),
            None
        );
    }
}
