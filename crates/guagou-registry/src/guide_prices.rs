//! The provincial guide price table (二(三) "不低于省上指导价格", TRANSFER_PRICE_FLOOR): the
//! prices of the policy profile and those the city recorded, each a dated fact with the
//! document that sets the price and the one that sets the date it applies from.
//!
//! The profile's prices ship with guagou; a price published later is recorded by the city (or
//! the provincial department) through the door, in one audited write transaction, and never
//! edited: a new price is a new row from its own date. Every floor check of the market and of
//! the ledger's `transfer` reads the merged table inside its own write transaction
//! ([`Registry::policy_in`]), so a price recorded meanwhile is either in or out, never half.

use std::borrow::Cow;

use chrono::NaiveDate;
use guagou_domain::ErrorCode;
use guagou_domain::ledger::Operation;
use guagou_domain::lifecycle::Level;
use guagou_domain::profile::{FactStatus, GuidePrice, Profile};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::{Actor, Registry};

/// Where a price of the table comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PriceOrigin {
    /// The policy profile (`policy/*.toml`).
    Profile { id: String },
    /// Recorded in the registry.
    Recorded {
        by: String,
        on: String,
        at: String,
        reason: String,
    },
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidePriceRow {
    pub price: GuidePrice,
    pub origin: PriceOrigin,
}

/// A price the city records: the fields of a [`GuidePrice`] as typed in a form or a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGuidePrice {
    pub from: NaiveDate,
    pub yuan_per_mu: i64,
    pub scope: String,
    pub source: String,
    pub from_status: FactStatus,
    pub from_source: String,
}

impl NewGuidePrice {
    /// The price under the profile's clause, refused when a field is missing (named).
    fn price(&self, clause: &str) -> Result<GuidePrice, RegistryError> {
        let price = GuidePrice {
            from: self.from,
            yuan_per_mu: self.yuan_per_mu,
            scope: self.scope.trim().to_owned(),
            clause: clause.to_owned(),
            source: self.source.trim().to_owned(),
            from_status: self.from_status,
            from_source: self.from_source.trim().to_owned(),
        };
        match price.problem() {
            None => Ok(price),
            Some((field, reason)) => Err(RegistryError::invalid(
                field.trim_start_matches("guide_price."),
                field_message_zh(field),
                reason,
            )),
        }
    }
}

fn field_message_zh(field: &str) -> &'static str {
    match field {
        "guide_price.yuan_per_mu" => "指导价须为正整数元/亩",
        "guide_price.source" => "须注明规定该价格的来源文件",
        "guide_price.from_source" => "须注明规定生效日期的文件（不明时写明“待核”及原因）",
        _ => "适用范围不能为空",
    }
}

const COLUMNS: &str = "from_date, yuan_per_mu, scope, clause, source, from_status, from_source, recorded_by, recorded_on, recorded_at, reason";

fn row_of(row: &sqlx::any::AnyRow) -> Result<GuidePriceRow, RegistryError> {
    let text = |name: &str| -> Result<String, RegistryError> { Ok(row.try_get(name)?) };
    let corrupt = |field: &str, value: &str| {
        RegistryError::Internal(format!("guide_prices.{field}: stored value '{value}'"))
    };
    let from = text("from_date")?;
    let status = text("from_status")?;
    Ok(GuidePriceRow {
        price: GuidePrice {
            from: guagou_domain::profile::toml_date::parse_text(&from)
                .map_err(|_| corrupt("from_date", &from))?,
            yuan_per_mu: row.try_get("yuan_per_mu")?,
            scope: text("scope")?,
            clause: text("clause")?,
            source: text("source")?,
            from_status: FactStatus::parse(&status)
                .ok_or_else(|| corrupt("from_status", &status))?,
            from_source: text("from_source")?,
        },
        origin: PriceOrigin::Recorded {
            by: text("recorded_by")?,
            on: text("recorded_on")?,
            at: text("recorded_at")?,
            reason: text("reason")?,
        },
    })
}

async fn recorded(conn: &mut AnyConnection) -> Result<Vec<GuidePriceRow>, RegistryError> {
    let sql = format!("SELECT {COLUMNS} FROM guide_prices ORDER BY from_date");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter().map(row_of).collect()
}

impl Registry {
    /// The profile in force with the guide prices recorded in the registry, read on `conn`
    /// (a write transaction's, when a decision depends on it).
    pub(crate) async fn policy_in(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Profile, RegistryError> {
        let added: Vec<GuidePrice> = recorded(conn).await?.into_iter().map(|r| r.price).collect();
        self.profile
            .with_guide_prices(&added)
            .map_err(|e| RegistryError::Internal(e.to_string()))
    }

    /// The profile to post `operation` with: the merged guide price table for a `transfer`
    /// (its floor), the profile itself for anything else (no extra query).
    pub(crate) async fn policy_for(
        &self,
        conn: &mut AnyConnection,
        operation: &Operation,
    ) -> Result<Cow<'_, Profile>, RegistryError> {
        if matches!(operation, Operation::Transfer { .. }) {
            Ok(Cow::Owned(self.policy_in(conn).await?))
        } else {
            Ok(Cow::Borrowed(&self.profile))
        }
    }

    /// The whole table, in date order: the profile's prices and the recorded ones.
    pub(crate) async fn guide_price_table(&self) -> Result<Vec<GuidePriceRow>, RegistryError> {
        let mut rows: Vec<GuidePriceRow> = self
            .profile
            .guide_price
            .iter()
            .map(|price| GuidePriceRow {
                price: price.clone(),
                origin: PriceOrigin::Profile {
                    id: self.profile.profile.id.clone(),
                },
            })
            .collect();
        rows.extend(recorded(&mut *self.read_conn().await?).await?);
        rows.sort_by_key(|r| r.price.from);
        Ok(rows)
    }

    /// Records a guide price from its date (the city land bureau of the profile's city, or the
    /// provincial department that publishes it), audited. A date that already has a price is
    /// refused (`guide_price_exists`): a price is never edited.
    pub(crate) async fn add_guide_price(
        &self,
        actor: &Actor,
        new: &NewGuidePrice,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<GuidePriceRow, RegistryError> {
        match actor.level {
            Level::City => actor.require_jurisdiction(&self.profile.profile.city)?,
            Level::Province => actor.require_jurisdiction(&self.profile.profile.region)?,
            Level::County => actor.require_level(Level::City)?,
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RegistryError::invalid(
                "reason",
                "须说明录入依据",
                "give the basis of the entry",
            ));
        }
        let clause = self
            .profile
            .guide_price
            .first()
            .map_or("二(三)", |p| p.clause.as_str());
        let price = new.price(clause)?;
        let mut tx = self.store.begin_write().await?;
        let merged = self.policy_in(tx.connection()).await?;
        if merged.guide_price.iter().any(|p| p.from == price.from) {
            return Err(RegistryError::Conflict {
                code: ErrorCode::GuidePriceExists,
                zh: format!(
                    "自 {} 起生效的指导价已有记录，不能修改；新价格请按其生效日期录入",
                    price.from
                ),
                en: format!(
                    "a guide price from {} is already on record and is never edited; record a new price from its own date",
                    price.from
                ),
            });
        }
        let from = price.from.format("%Y-%m-%d").to_string();
        let at = self.clock.now_rfc3339();
        let on = as_of.format("%Y-%m-%d").to_string();
        let sql = format!(
            "INSERT INTO guide_prices ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
        );
        sqlx::query(&sql)
            .bind(&from)
            .bind(price.yuan_per_mu)
            .bind(&price.scope)
            .bind(&price.clause)
            .bind(&price.source)
            .bind(price.from_status.as_str())
            .bind(&price.from_source)
            .bind(actor.to_string())
            .bind(&on)
            .bind(&at)
            .bind(reason)
            .execute(tx.connection())
            .await?;
        let payload = serde_json::json!({ "price": price, "city": self.profile.profile.city });
        self.audit(&mut tx, actor, "guide_price.add", &from, reason, payload)
            .await?;
        tx.commit().await?;
        Ok(GuidePriceRow {
            price,
            origin: PriceOrigin::Recorded {
                by: actor.to_string(),
                on,
                at,
                reason: reason.to_owned(),
            },
        })
    }
}
