//! Quota operations as the registry allows them: who may do what, for which county, and the
//! registry records that go with a posting (land supplies, adjustments). The ledger engine
//! checks the amounts and rules; this layer checks rights and project state.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::{Account, Entry, LandUse, Operation};
use guagou_domain::lifecycle::{Level, ProjectState};
use guagou_domain::market as market_rules;
use guagou_domain::registry_rules::{Backing, adjustment_once_a_year, operational_land_uses_quota};
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::jurisdiction;
use crate::projects::{Project, load_project};
use crate::{Actor, Registry};

impl Registry {
    /// Posts one ledger operation in its own transaction, audited. `key` makes it idempotent.
    /// Everything it decides is read inside the write transaction: the rights and the state
    /// the operation needs before the engine plans it, then every leg the engine planned.
    pub(crate) async fn post(
        &self,
        actor: &Actor,
        operation: Operation,
        key: &str,
        reason: &str,
        as_of: NaiveDate,
    ) -> Result<Entry, RegistryError> {
        let meta = self.meta(actor, key, reason, as_of);
        let mut tx = self.store.begin_write().await?;
        self.authorize(tx.connection(), actor, &operation).await?;
        let policy = self.policy_for(tx.connection(), &operation).await?;
        let entry = tx.post_ledger(&operation, &meta, &policy).await?;
        jurisdiction::require_entry(tx.connection(), actor, self.province(), &entry).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The province of the profile (the region of the market and of the annual plan grant).
    pub(crate) fn province(&self) -> &DivisionCode {
        &self.profile.profile.region
    }

    /// Rights for each operation (SPEC §1): counties move their own quota and repay their own
    /// advances from it; the city advances, deducts and reverses within its city; the province
    /// grants annual plan quota. Then, in
    /// this order: what the request names must exist, every account it names must be the
    /// actor's (`jurisdiction`), and the state it needs must hold — an advance needs an
    /// approved or implementing project, and what the market owns (its namespace of listing
    /// ids, its listings and their escrow entries) moves only through the market.
    async fn authorize(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        operation: &Operation,
    ) -> Result<(), RegistryError> {
        match operation {
            Operation::Advance { .. } => actor.require_level(Level::City)?,
            // The county settles its own advance with quota it holds (SPEC §8 `repay`): the
            // city does not spend a county's quota for it.
            Operation::Repay { .. } => actor.require_level(Level::County)?,
            Operation::Issue { .. } => {
                return Err(RegistryError::invalid(
                    "operation",
                    "节余指标在市局确认验收时核发",
                    "surplus is issued when the city accepts the project",
                ));
            }
            Operation::GrantAnnualPlan { .. } => actor.require_level(Level::Province)?,
            Operation::Deduct { .. } | Operation::Reverse { .. }
                if actor.level == Level::County =>
            {
                return Err(RegistryError::Forbidden {
                    actor: actor.to_string(),
                    what: operation.kind().to_owned(),
                });
            }
            _ => {}
        }
        let project = match operation {
            Operation::Advance { project, .. } => Some(load_project(conn, project).await?),
            _ => None,
        };
        if let Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } = operation
            && jurisdiction::listing_seller(conn, listing).await?.is_none()
        {
            return Err(RegistryError::NotFound {
                what: "公告/listing",
                id: listing.clone(),
            });
        }
        let accounts = jurisdiction::named_accounts(conn, operation).await?;
        let buyer = jurisdiction::counterparty(operation, self.province());
        jurisdiction::require_accounts(conn, actor, self.province(), &accounts, buyer.as_ref())
            .await?;
        match operation {
            Operation::Advance { .. } => project.as_ref().map_or(Ok(()), require_advanceable),
            Operation::List { listing, .. } => Ok(market_rules::check_general_listing_id(listing)?),
            Operation::Withdraw { listing, .. } | Operation::Transfer { listing, .. } => {
                refuse_market_listing(conn, listing).await?;
                match operation {
                    Operation::Transfer { buyer, .. }
                        if jurisdiction::counterparty(operation, self.province()).is_none() =>
                    {
                        Err(RegistryError::invalid(
                            "buyer",
                            format!("受让方 {buyer} 不是本省的市、县人民政府"),
                            format!(
                                "buyer {buyer} is not a city or county government of the province"
                            ),
                        ))
                    }
                    _ => Ok(()),
                }
            }
            Operation::Reverse { seq } => refuse_market_entry(conn, *seq).await,
            _ => Ok(()),
        }
    }

    /// Records a land supply (供地). Operational land must be backed by surplus quota
    /// (OPERATIONAL_LAND_USES_QUOTA); a quota-backed supply retires the quota in the same
    /// transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_land_supply(
        &self,
        actor: &Actor,
        id: &str,
        county: &DivisionCode,
        zone: &str,
        land_use: LandUse,
        area_m2: i64,
        backing: Backing,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(RuleResult, Option<Entry>), RegistryError> {
        actor.require_jurisdiction(county)?;
        if area_m2 <= 0 {
            return Err(RegistryError::invalid(
                "area_m2",
                "面积须为正整数平方米",
                "area must be a positive number of m²",
            ));
        }
        let result = operational_land_uses_quota(&self.profile, land_use, backing, id);
        if result.blocks() {
            return Err(RegistryError::Rules(vec![result]));
        }
        let mut tx = self.store.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM land_supplies WHERE id = $1")
            .bind(id)
            .fetch_optional(tx.connection())
            .await?;
        if exists.is_some() {
            return Err(RegistryError::invalid(
                "id",
                format!("供地记录 {id} 已存在"),
                format!("land supply {id} already exists"),
            ));
        }
        let entry = match backing {
            Backing::SurplusQuota => {
                let operation = Operation::Use {
                    division: county.clone(),
                    amount_m2: area_m2,
                    zone: zone.to_owned(),
                    land_use,
                };
                let meta = self.meta(actor, &format!("supply:{id}"), reason, as_of);
                Some(tx.post_ledger(&operation, &meta, &self.profile).await?)
            }
            Backing::AnnualPlan => None,
        };
        sqlx::query(
            "INSERT INTO land_supplies (id, county, zone, land_use, area_m2, backing, recorded_on, ledger_seq) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(id)
        .bind(county.as_str())
        .bind(zone)
        .bind(serde_json::to_value(land_use).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
        .bind(area_m2)
        .bind(serde_json::to_value(backing).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
        .bind(as_of.format("%Y-%m-%d").to_string())
        .bind(entry.as_ref().map(|e| e.seq as i64))
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({ "county": county, "zone": zone, "land_use": land_use, "area_m2": area_m2, "backing": backing });
        self.audit(&mut tx, actor, "land_supply.record", id, reason, payload)
            .await?;
        tx.commit().await?;
        Ok((result, entry))
    }

    /// A planning adjustment application after a transfer (二(七)): one per county per year.
    pub(crate) async fn apply_adjustment(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<RuleResult, RegistryError> {
        actor.require_level(Level::County)?;
        actor.require_jurisdiction(county)?;
        let year = i64::from(chrono::Datelike::year(&as_of));
        let mut tx = self.store.begin_write().await?;
        let count: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM adjustments WHERE county = $1 AND year = $2")
                .bind(county.as_str())
                .bind(year)
                .fetch_one(tx.connection())
                .await?
                .try_get("n")?;
        let result = adjustment_once_a_year(
            &self.profile,
            county,
            u32::try_from(count + 1).unwrap_or(u32::MAX),
        );
        if result.blocks() {
            return Err(RegistryError::Rules(vec![result]));
        }
        let id = format!("{county}-{year}-{}", count + 1);
        sqlx::query("INSERT INTO adjustments (id, county, year, applied_on, reason) VALUES ($1,$2,$3,$4,$5)")
            .bind(&id)
            .bind(county.as_str())
            .bind(year)
            .bind(as_of.format("%Y-%m-%d").to_string())
            .bind(reason)
            .execute(tx.connection())
            .await?;
        self.audit(
            &mut tx,
            actor,
            "adjustment.apply",
            &id,
            reason,
            serde_json::json!({ "year": year }),
        )
        .await?;
        tx.commit().await?;
        Ok(result)
    }
}

/// An advance lands only on an approved or implementing project (read in the posting's
/// transaction: an advance racing a termination finds the project terminated).
fn require_advanceable(project: &Project) -> Result<(), RegistryError> {
    if matches!(
        project.state,
        ProjectState::Approved | ProjectState::Implementing
    ) {
        return Ok(());
    }
    let code = &project.code;
    Err(RegistryError::conflict(
        guagou_domain::ErrorCode::NotAllowed,
        format!(
            "项目 {code} 未立项或不在实施中（{}），不能预支",
            project.state.label_zh()
        ),
        format!(
            "project {code} is not approved or implementing ({}): no advance",
            project.state
        ),
    ))
}

/// A listing published on the market moves only through the market (offer, agreement,
/// settlement, withdrawal there), so that its records and the ledger cannot disagree.
async fn refuse_market_listing(
    conn: &mut AnyConnection,
    listing: &str,
) -> Result<(), RegistryError> {
    let row = sqlx::query("SELECT 1 AS found FROM market_listings WHERE id = $1")
        .bind(listing)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(()),
        Some(_) => Err(RegistryError::invalid(
            "listing",
            format!("公告 {listing} 在指标市场挂牌，请在市场中成交、撤牌或取消协议"),
            format!("listing {listing} is on the market: settle, withdraw or cancel it there"),
        )),
    }
}

/// A journal entry that moved a market listing's escrow (its listing, a settlement's transfer,
/// a return of quota) is the market's record: reversing it in the general ledger would empty
/// (or refill) an escrow behind the market's back. It is corrected through the market.
async fn refuse_market_entry(conn: &mut AnyConnection, seq: u64) -> Result<(), RegistryError> {
    for account in jurisdiction::target_accounts(conn, seq).await? {
        let Account::Listed { listing } = account else {
            continue;
        };
        let on_market = sqlx::query("SELECT 1 AS found FROM market_listings WHERE id = $1")
            .bind(&listing)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if on_market {
            return Err(RegistryError::invalid(
                "seq",
                format!(
                    "台账条目 {seq} 属于指标市场公告 {listing}（托管、成交或退回），不能在台账中冲正，请在市场中处理"
                ),
                format!(
                    "journal entry {seq} belongs to market listing {listing} (escrow, transfer or return): it cannot be reversed in the ledger; correct it through the market"
                ),
            ));
        }
    }
    Ok(())
}
