//! The audit log's structured subjects: every record names the kind of its subject, its id,
//! and the divisions that own it, decided here inside the write transaction from the rows the
//! record is about (a project's county, a listing's seller, an agreement's seller and buyer,
//! …). The audit view filters on those owners, never on the text of an id: an id is chosen by
//! a user; an owner is a division code the registry wrote.

use guagou_domain::DivisionCode;
use guagou_domain::lifecycle::Level;
use guagou_store::{AUDIT_COLUMNS, AuditEntry, AuditRecord, WriteTx, audit_from_row};
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::plans::AuditFilter;
use crate::{Actor, Registry};

/// What an audit record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Project,
    Plan,
    Listing,
    Offer,
    Agreement,
    Inspection,
    SupervisionNotice,
    PublicNotice,
    Objection,
    Sanction,
    LandSupply,
    Adjustment,
    Allocation,
    BaseLayer,
    Division,
    County,
    User,
    LedgerEntry,
    FundsEntry,
    AuditFinding,
    GuidePrice,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Project => "project",
            SubjectKind::Plan => "plan",
            SubjectKind::Listing => "listing",
            SubjectKind::Offer => "offer",
            SubjectKind::Agreement => "agreement",
            SubjectKind::Inspection => "inspection",
            SubjectKind::SupervisionNotice => "supervision_notice",
            SubjectKind::PublicNotice => "public_notice",
            SubjectKind::Objection => "objection",
            SubjectKind::Sanction => "sanction",
            SubjectKind::LandSupply => "land_supply",
            SubjectKind::Adjustment => "adjustment",
            SubjectKind::Allocation => "allocation",
            SubjectKind::BaseLayer => "base_layer",
            SubjectKind::Division => "division",
            SubjectKind::County => "county",
            SubjectKind::User => "user",
            SubjectKind::LedgerEntry => "ledger_entry",
            SubjectKind::FundsEntry => "funds_entry",
            SubjectKind::AuditFinding => "audit_finding",
            SubjectKind::GuidePrice => "guide_price",
        }
    }

    /// The kind of subject an action is about (the registry's actions, by name).
    pub fn of_action(action: &str) -> SubjectKind {
        match action {
            "market.publish" | "market.withdraw" | "market.expire" => SubjectKind::Listing,
            "market.offer" => SubjectKind::Offer,
            "market.sign" | "market.cancel" | "market.settle" | "market.payment" => {
                SubjectKind::Agreement
            }
            "notice.record" | "notice.lift" => SubjectKind::SupervisionNotice,
            "notice.publish" => SubjectKind::PublicNotice,
            "notice.answer" | "notice.objection" => SubjectKind::Objection,
            "suspension.lift" => SubjectKind::County,
            "audit.finding" => SubjectKind::AuditFinding,
            _ => match action.split_once('.').map_or(action, |(head, _)| head) {
                "project" => SubjectKind::Project,
                "plan" => SubjectKind::Plan,
                "inspection" => SubjectKind::Inspection,
                "sanction" => SubjectKind::Sanction,
                "land_supply" => SubjectKind::LandSupply,
                "adjustment" => SubjectKind::Adjustment,
                "allocation" => SubjectKind::Allocation,
                "base_layer" => SubjectKind::BaseLayer,
                "division" => SubjectKind::Division,
                "user" => SubjectKind::User,
                "funds" => SubjectKind::FundsEntry,
                "guide_price" => SubjectKind::GuidePrice,
                _ => SubjectKind::LedgerEntry,
            },
        }
    }
}

/// One column of one row, by exact key: the owner lookups below.
async fn column_of(
    conn: &mut AnyConnection,
    sql: &str,
    key: &str,
) -> Result<Vec<String>, RegistryError> {
    let row = sqlx::query(sql)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for index in 0..row.len() {
        if let Some(value) = row.try_get::<Option<String>, _>(index)? {
            out.push(value);
        }
    }
    Ok(out)
}

/// The divisions that own `subject` of `kind`, read on `conn` (inside the write transaction
/// that writes the record). `payload` helps where the subject's row holds no county (funds).
pub(crate) async fn owners_of(
    conn: &mut AnyConnection,
    kind: SubjectKind,
    subject: &str,
    payload: &serde_json::Value,
) -> Result<Vec<String>, RegistryError> {
    let lookup = match kind {
        SubjectKind::Project => Some("SELECT county FROM projects WHERE code = $1"),
        SubjectKind::Plan => Some("SELECT county FROM special_plans WHERE id = $1"),
        SubjectKind::Listing => Some("SELECT seller FROM market_listings WHERE id = $1"),
        SubjectKind::Offer => Some(
            "SELECT l.seller, o.buyer FROM market_offers o JOIN market_listings l ON l.id = o.listing WHERE o.id = $1",
        ),
        SubjectKind::Agreement => Some("SELECT seller, buyer FROM market_agreements WHERE id = $1"),
        SubjectKind::Inspection => Some("SELECT county FROM inspections WHERE id = $1"),
        SubjectKind::SupervisionNotice => {
            Some("SELECT county FROM supervision_notices WHERE id = $1")
        }
        SubjectKind::PublicNotice => Some("SELECT county FROM projects WHERE code = $1"),
        SubjectKind::Objection => Some(
            "SELECT p.county FROM notice_objections o JOIN projects p ON p.code = o.code WHERE o.receipt = $1",
        ),
        SubjectKind::Sanction => Some("SELECT county FROM sanctions WHERE key = $1"),
        SubjectKind::LandSupply => Some("SELECT county FROM land_supplies WHERE id = $1"),
        SubjectKind::Adjustment => Some("SELECT county FROM adjustments WHERE id = $1"),
        // `base_layer:<id>`: the id is a number; compared as text on both databases.
        SubjectKind::BaseLayer => {
            Some("SELECT county FROM base_layers WHERE 'base_layer:' || CAST(id AS TEXT) = $1")
        }
        SubjectKind::User => Some("SELECT division FROM users WHERE name = $1"),
        SubjectKind::AuditFinding => Some("SELECT county FROM audit_findings WHERE id = $1"),
        SubjectKind::County => None,
        // The city's yearly allocation (`<city>-allocation-<year>`) belongs to the city.
        SubjectKind::Allocation => None,
        SubjectKind::Division | SubjectKind::LedgerEntry | SubjectKind::FundsEntry => None,
        // A guide price recorded for the profile's city (payload `city`) belongs to it.
        SubjectKind::GuidePrice => None,
    };
    let mut owners = match lookup {
        Some(sql) => column_of(conn, sql, subject).await?,
        None => Vec::new(),
    };
    match kind {
        SubjectKind::County => owners.push(subject.to_owned()),
        SubjectKind::Allocation => {
            if let Some((city, _)) = subject.split_once("-allocation-") {
                owners.push(city.to_owned());
            }
        }
        SubjectKind::GuidePrice => {
            if let Some(city) = payload.get("city").and_then(serde_json::Value::as_str) {
                owners.push(city.to_owned());
            }
        }
        SubjectKind::FundsEntry => {
            if let Some(county) = payload
                .pointer("/operation/county")
                .and_then(serde_json::Value::as_str)
            {
                owners.push(county.to_owned());
            }
        }
        _ => {}
    }
    // Only division codes are owners; anything else (a missing row) owns nothing.
    owners.retain(|o| DivisionCode::parse(o).is_ok());
    Ok(owners)
}

impl Registry {
    /// Appends an audit record about `subject` inside `tx`, with its kind and owners.
    pub(crate) async fn audit(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        action: &str,
        subject: &str,
        reason: &str,
        payload: serde_json::Value,
    ) -> Result<(), RegistryError> {
        self.audit_as(tx, &actor.to_string(), action, subject, reason, payload)
            .await
    }

    /// `audit` for an actor that is no principal (`public` for a villager's objection).
    pub(crate) async fn audit_as(
        &self,
        tx: &mut WriteTx,
        actor: &str,
        action: &str,
        subject: &str,
        reason: &str,
        payload: serde_json::Value,
    ) -> Result<(), RegistryError> {
        let kind = SubjectKind::of_action(action);
        let owners = owners_of(tx.connection(), kind, subject, &payload).await?;
        tx.audit(AuditRecord {
            actor: actor.to_owned(),
            at: self.clock.now_rfc3339(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            reason: reason.to_owned(),
            payload,
            subject_kind: kind.as_str().to_owned(),
            owners,
        })
        .await?;
        Ok(())
    }

    /// An account event (sign-in, user created) about user `name`, owned by the user's
    /// division when the user exists.
    pub(crate) async fn audit_account_event(
        &self,
        tx: &mut WriteTx,
        record: AuditRecord,
    ) -> Result<(), RegistryError> {
        let owners = owners_of(
            tx.connection(),
            SubjectKind::User,
            &record.subject,
            &serde_json::Value::Null,
        )
        .await?;
        tx.audit(AuditRecord {
            subject_kind: SubjectKind::User.as_str().to_owned(),
            owners,
            ..record
        })
        .await?;
        Ok(())
    }

    /// Up to `limit` audit records `actor` reads, newest first, with `seq < before`, matching
    /// `filter`; and the `before` of the next page. Audit reads every record; others read the
    /// records owned by a division of their jurisdiction, and above the county level also the
    /// records that belong to no county (reference data, system events).
    pub(crate) async fn audit_for(
        &self,
        actor: &Actor,
        before: Option<u64>,
        limit: u32,
        filter: &AuditFilter,
    ) -> Result<(Vec<AuditEntry>, Option<u64>), RegistryError> {
        let scope = if actor.department.reads_everything() {
            None
        } else {
            Some(AuditScope {
                owner_pattern: format!("% {}%", actor.division.descendant_prefix()),
                ownerless: actor.level != Level::County,
            })
        };
        let mut records = self
            .audit_newest_in(before, limit + 1, filter, scope.as_ref())
            .await?;
        let next = if records.len() > limit as usize {
            records.truncate(limit as usize);
            records.last().map(|r| r.seq)
        } else {
            None
        };
        // The SQL pattern narrows by a typed code; the principal's own rule still decides.
        records.retain(|r| {
            actor.department.reads_everything()
                || (r.owners.is_empty() && actor.reads_above_county())
                || r.owners
                    .iter()
                    .filter_map(|o| DivisionCode::parse(o).ok())
                    .any(|o| actor.reads(&o))
        });
        Ok((records, next))
    }

    /// One audit record `actor` reads.
    pub(crate) async fn audit_record_for(
        &self,
        actor: &Actor,
        seq: u64,
    ) -> Result<AuditEntry, RegistryError> {
        let not_found = || RegistryError::NotFound {
            what: "审计记录/audit record",
            id: seq.to_string(),
        };
        let seq_i64 = i64::try_from(seq).map_err(|_| not_found())?;
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq = $1"
        ))
        .bind(seq_i64)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(not_found)?;
        let record = audit_from_row(&row)?;
        let readable = actor.department.reads_everything()
            || (record.owners.is_empty() && actor.reads_above_county())
            || record
                .owners
                .iter()
                .filter_map(|o| DivisionCode::parse(o).ok())
                .any(|o| actor.reads(&o));
        if readable {
            Ok(record)
        } else {
            Err(not_found())
        }
    }
}

/// The owners a principal's audit query is narrowed to.
pub(crate) struct AuditScope {
    /// `% <typed division prefix>%` over the space-separated owners column.
    pub owner_pattern: String,
    /// Whether records owned by no county are included.
    pub ownerless: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_name_their_subject_kind() {
        assert_eq!(
            SubjectKind::of_action("project.transition"),
            SubjectKind::Project
        );
        assert_eq!(
            SubjectKind::of_action("market.settle"),
            SubjectKind::Agreement
        );
        assert_eq!(
            SubjectKind::of_action("market.publish"),
            SubjectKind::Listing
        );
        assert_eq!(
            SubjectKind::of_action("ledger.transfer"),
            SubjectKind::LedgerEntry
        );
        assert_eq!(
            SubjectKind::of_action("funds.invest"),
            SubjectKind::FundsEntry
        );
        assert_eq!(
            SubjectKind::of_action("suspension.lift"),
            SubjectKind::County
        );
    }
}
