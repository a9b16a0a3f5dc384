//! Supervision use cases (SPEC §9, policy 三(二)): inspections of a project or a county with
//! findings, the county's rectification and the city's closure; public criticism and
//! commendation (and the lifting of a criticism); the city's yearly allocation of its linkage
//! plan, computed by `guagou_domain::supervision::allocate` and recorded when decided.
//!
//! Every write is one transaction with its audit record. Rights: inspections are recorded and
//! findings closed above the county (city or province, within its jurisdiction); a county
//! records the rectification of its own findings only; criticisms, commendations, lifts and
//! allocation decisions are the city's. Nothing here reads the clock: dates are passed in.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_domain::lifecycle::{Level, LifecycleError};
use guagou_domain::supervision::{
    Allocation, CountyStanding, FindingSeverity, FindingState, InspectionKind, NoticeFact,
    NoticeKind, PovertyLevel, SUPERVISION_CLAUSE, allocate, inspection_closed,
    rectification_overdue,
};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::projects::{day, load_project, parse_day};
use crate::{Actor, Registry};

/// A finding as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub seq: i64,
    pub description: String,
    pub severity: FindingSeverity,
    /// Last valid day of the rectification.
    pub deadline: String,
    pub state: FindingState,
    pub rectification: Option<String>,
    pub rectified_on: Option<String>,
    pub rectified_by: Option<String>,
    pub closure_note: Option<String>,
    pub closed_on: Option<String>,
    pub closed_by: Option<String>,
}

/// An inspection (检查) with its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection {
    pub id: String,
    pub county: String,
    pub project: Option<String>,
    pub kind: InspectionKind,
    pub inspected_on: String,
    /// The inspector, `name@division`.
    pub inspector: String,
    pub summary: String,
    pub recorded_by: String,
    /// Set when the last finding was closed (or when recorded without findings).
    pub closed_on: Option<String>,
    pub findings: Vec<Finding>,
}

/// A finding to record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NewFinding {
    pub description: String,
    pub severity: FindingSeverity,
    pub deadline: NaiveDate,
}

/// An inspection to record: of a project (its county is the project's) or of a county.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NewInspection {
    pub county: Option<DivisionCode>,
    pub project: Option<String>,
    pub kind: InspectionKind,
    pub inspected_on: NaiveDate,
    /// `name@division`; the recording actor when `None`.
    pub inspector: Option<String>,
    pub summary: String,
    pub findings: Vec<NewFinding>,
}

/// An open finding past its rectification deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueRectification {
    pub inspection: String,
    pub county: String,
    pub project: Option<String>,
    pub kind: InspectionKind,
    pub seq: i64,
    pub description: String,
    pub severity: FindingSeverity,
    pub deadline: String,
    pub days_overdue: i64,
}

/// A public criticism or commendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: String,
    pub county: String,
    pub kind: NoticeKind,
    pub decided_on: String,
    pub reason: String,
    pub clause: String,
    pub recorded_by: String,
    pub lifted_on: Option<String>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

/// A notice to record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NewNotice {
    pub county: DivisionCode,
    pub kind: NoticeKind,
    pub decided_on: NaiveDate,
    pub reason: String,
    /// The clause cited; 三(二) when empty.
    pub clause: String,
}

/// An allocation the city recorded as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecidedAllocation {
    pub year: i32,
    pub total_m2: i64,
    pub decided_on: String,
    pub decided_by: String,
    pub reason: String,
    pub calculation: Allocation,
}

fn stored<T>(field: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T, RegistryError> {
    parse(text).ok_or_else(|| {
        RegistryError::invalid(
            field,
            format!("未知取值 {text}"),
            format!("unknown value {text}"),
        )
    })
}

fn not_found(what: &'static str, id: &str) -> RegistryError {
    RegistryError::NotFound {
        what,
        id: id.to_owned(),
    }
}

fn required(field: &str, text: &str, zh: &str, en: &str) -> Result<String, RegistryError> {
    let text = text.trim();
    if text.is_empty() {
        Err(RegistryError::invalid(field, zh, en))
    } else {
        Ok(text.to_owned())
    }
}

/// Inspections are recorded (and findings closed) by the city or the province.
fn require_above_county(actor: &Actor) -> Result<(), RegistryError> {
    if actor.level == Level::County {
        return Err(RegistryError::Forbidden {
            actor: actor.to_string(),
            what: "检查与销号（市、省）/ inspections and closure (city or province)".into(),
        });
    }
    Ok(())
}

fn county_code(text: &str) -> Result<DivisionCode, RegistryError> {
    DivisionCode::parse(text)
        .map_err(|e| RegistryError::invalid("county", e.to_string(), e.to_string()))
}

const INSPECTION_COLUMNS: &str =
    "id, county, project, kind, inspected_on, inspector, summary, recorded_by, closed_on";

impl Registry {
    /// Records an inspection with its findings (each open, with a rectification deadline).
    pub(crate) async fn record_inspection(
        &self,
        actor: &Actor,
        new: &NewInspection,
        reason: &str,
    ) -> Result<Inspection, RegistryError> {
        require_above_county(actor)?;
        let mut tx = self.store.begin_write().await?;
        let county = match (&new.project, &new.county) {
            (Some(code), given) => {
                let project = load_project(tx.connection(), code).await?;
                let county = county_code(&project.county)?;
                if given.as_ref().is_some_and(|g| *g != county) {
                    return Err(RegistryError::invalid(
                        "county",
                        format!("项目 {code} 属于 {county}"),
                        format!("project {code} belongs to {county}"),
                    ));
                }
                county
            }
            (None, Some(county)) => county.clone(),
            (None, None) => {
                return Err(RegistryError::invalid(
                    "county",
                    "须指定被检查的项目或县",
                    "name the project or the county inspected",
                ));
            }
        };
        if county.level() != DivisionLevel::County {
            return Err(RegistryError::invalid(
                "county",
                format!("{county} 不是县级行政区"),
                format!("{county} is not a county"),
            ));
        }
        actor.require_jurisdiction(&county)?;
        self.division(county.as_str()).await?;
        let inspector = match new.inspector.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Actor::parse(text)?.to_string(),
            _ => actor.to_string(),
        };
        let summary = required(
            "summary",
            &new.summary,
            "须填写检查内容",
            "describe what was inspected",
        )?;
        for (i, f) in new.findings.iter().enumerate() {
            required(
                "findings.description",
                &f.description,
                &format!("第 {} 条问题须有描述", i + 1),
                &format!("finding {} needs a description", i + 1),
            )?;
            if f.deadline < new.inspected_on {
                return Err(RegistryError::invalid(
                    "findings.deadline",
                    format!("第 {} 条问题的整改期限早于检查日期", i + 1),
                    format!("the deadline of finding {} is before the inspection", i + 1),
                ));
            }
        }
        let prefix = format!("{county}-JC-{}-", new.inspected_on.format("%Y"));
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM inspections WHERE id LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_one(tx.connection())
            .await?
            .try_get("n")?;
        let id = format!("{prefix}{:03}", count + 1);
        let closed_on = new.findings.is_empty().then(|| day(new.inspected_on));
        sqlx::query(&format!(
            "INSERT INTO inspections ({INSPECTION_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
        ))
        .bind(&id)
        .bind(county.as_str())
        .bind(new.project.as_deref())
        .bind(new.kind.name())
        .bind(day(new.inspected_on))
        .bind(&inspector)
        .bind(&summary)
        .bind(actor.to_string())
        .bind(closed_on.as_deref())
        .execute(tx.connection())
        .await?;
        for (i, f) in new.findings.iter().enumerate() {
            sqlx::query(
                "INSERT INTO inspection_findings (inspection_id, seq, description, severity, deadline, state) VALUES ($1,$2,$3,$4,$5,$6)",
            )
            .bind(&id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(f.description.trim())
            .bind(f.severity.name())
            .bind(day(f.deadline))
            .bind(FindingState::Open.name())
            .execute(tx.connection())
            .await?;
        }
        let payload = serde_json::json!({
            "county": county.as_str(),
            "project": new.project,
            "kind": new.kind,
            "inspected_on": day(new.inspected_on),
            "inspector": inspector,
            "findings": new.findings,
        });
        self.audit(&mut tx, actor, "inspection.record", &id, reason, payload)
            .await?;
        tx.commit().await?;
        self.inspection(&id).await
    }

    /// The county records what it did about one of its findings.
    pub(crate) async fn rectify_finding(
        &self,
        actor: &Actor,
        inspection_id: &str,
        seq: i64,
        rectification: &str,
        rectified_on: NaiveDate,
    ) -> Result<Inspection, RegistryError> {
        actor.require_level(Level::County)?;
        let mut tx = self.store.begin_write().await?;
        let inspection = load_inspection(tx.connection(), inspection_id).await?;
        let county = county_code(&inspection.county)?;
        actor.require_jurisdiction(&county)?;
        let finding = finding_of(&inspection, seq)?;
        let next = finding.state.rectify()?;
        let text = required(
            "rectification",
            rectification,
            "须说明整改措施",
            "say what was done",
        )?;
        if rectified_on < parse_day("inspected_on", &inspection.inspected_on)? {
            return Err(RegistryError::invalid(
                "rectified_on",
                "整改日期早于检查日期",
                "the rectification is dated before the inspection",
            ));
        }
        let changed = sqlx::query(
            "UPDATE inspection_findings SET state = $1, rectification = $2, rectified_on = $3, rectified_by = $4 \
             WHERE inspection_id = $5 AND seq = $6 AND state = $7",
        )
        .bind(next.name())
        .bind(&text)
        .bind(day(rectified_on))
        .bind(actor.to_string())
        .bind(inspection_id)
        .bind(seq)
        .bind(finding.state.name())
        .execute(tx.connection())
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(RegistryError::state_changed(
                "检查问题/finding",
                &format!("{inspection_id}#{seq}"),
                finding.state.name(),
            ));
        }
        let payload = serde_json::json!({
            "county": inspection.county,
            "finding": seq,
            "rectification": text,
            "rectified_on": day(rectified_on),
            "overdue": rectification_overdue(
                finding.state,
                parse_day("deadline", &finding.deadline)?,
                rectified_on
            ),
        });
        self.audit(
            &mut tx,
            actor,
            "inspection.rectify",
            &format!("{inspection_id}#{seq}"),
            "整改落实",
            payload,
        )
        .await?;
        tx.commit().await?;
        self.inspection(inspection_id).await
    }

    /// The city (or province) closes a rectified finding; the inspection closes with its last.
    pub(crate) async fn close_finding(
        &self,
        actor: &Actor,
        inspection_id: &str,
        seq: i64,
        note: &str,
        closed_on: NaiveDate,
    ) -> Result<Inspection, RegistryError> {
        require_above_county(actor)?;
        let mut tx = self.store.begin_write().await?;
        let inspection = load_inspection(tx.connection(), inspection_id).await?;
        let county = county_code(&inspection.county)?;
        actor.require_jurisdiction(&county)?;
        let finding = finding_of(&inspection, seq)?;
        let next = finding.state.close()?;
        let note = required("note", note, "须填写销号意见", "give the closure opinion")?;
        if let Some(rectified) = finding.rectified_on.as_deref()
            && closed_on < parse_day("rectified_on", rectified)?
        {
            return Err(RegistryError::invalid(
                "closed_on",
                "销号日期早于整改日期",
                "the closure is dated before the rectification",
            ));
        }
        let others_closed: Vec<FindingState> = inspection
            .findings
            .iter()
            .map(|f| if f.seq == seq { next } else { f.state })
            .collect();
        let changed = sqlx::query(
            "UPDATE inspection_findings SET state = $1, closure_note = $2, closed_on = $3, closed_by = $4 \
             WHERE inspection_id = $5 AND seq = $6 AND state = $7",
        )
        .bind(next.name())
        .bind(&note)
        .bind(day(closed_on))
        .bind(actor.to_string())
        .bind(inspection_id)
        .bind(seq)
        .bind(finding.state.name())
        .execute(tx.connection())
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(RegistryError::state_changed(
                "检查问题/finding",
                &format!("{inspection_id}#{seq}"),
                finding.state.name(),
            ));
        }
        let closes = inspection_closed(&others_closed);
        if closes {
            sqlx::query("UPDATE inspections SET closed_on = $1 WHERE id = $2")
                .bind(day(closed_on))
                .bind(inspection_id)
                .execute(tx.connection())
                .await?;
        }
        let payload = serde_json::json!({
            "county": inspection.county,
            "finding": seq,
            "note": note,
            "closed_on": day(closed_on),
            "inspection_closed": closes,
        });
        self.audit(
            &mut tx,
            actor,
            "inspection.close",
            &format!("{inspection_id}#{seq}"),
            "整改销号",
            payload,
        )
        .await?;
        tx.commit().await?;
        self.inspection(inspection_id).await
    }

    /// One inspection with its findings.
    pub(crate) async fn inspection(&self, id: &str) -> Result<Inspection, RegistryError> {
        load_inspection(&mut *self.read_conn().await?, id).await
    }

    /// Inspections of the counties under `prefix` (a county code, a city's first four digits,
    /// or "" for all), newest first.
    pub(crate) async fn inspections(&self, prefix: &str) -> Result<Vec<Inspection>, RegistryError> {
        let ids = sqlx::query(
            "SELECT id FROM inspections WHERE county LIKE $1 ORDER BY inspected_on DESC, id DESC",
        )
        .bind(format!("{prefix}%"))
        .fetch_all(self.store.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.inspection(&id).await?);
        }
        Ok(out)
    }

    /// Open findings past their deadline on `today`, oldest deadline first.
    pub(crate) async fn overdue_rectifications(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<OverdueRectification>, RegistryError> {
        let rows = sqlx::query(
            "SELECT i.id AS id, i.county AS county, i.project AS project, i.kind AS kind, f.seq AS seq, \
             f.description AS description, f.severity AS severity, f.deadline AS deadline \
             FROM inspection_findings f JOIN inspections i ON i.id = f.inspection_id \
             WHERE f.state = $1 AND f.deadline < $2 ORDER BY f.deadline, i.id, f.seq",
        )
        .bind(FindingState::Open.name())
        .bind(day(today))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let deadline: String = r.try_get("deadline")?;
                let due = parse_day("deadline", &deadline)?;
                Ok(OverdueRectification {
                    inspection: r.try_get("id")?,
                    county: r.try_get("county")?,
                    project: r.try_get("project")?,
                    kind: stored(
                        "kind",
                        &r.try_get::<String, _>("kind")?,
                        InspectionKind::parse,
                    )?,
                    seq: r.try_get("seq")?,
                    description: r.try_get("description")?,
                    severity: stored(
                        "severity",
                        &r.try_get::<String, _>("severity")?,
                        FindingSeverity::parse,
                    )?,
                    deadline,
                    days_overdue: (today - due).num_days(),
                })
            })
            .collect()
    }

    /// Records a public criticism or commendation of a county (the city).
    pub(crate) async fn record_notice(
        &self,
        actor: &Actor,
        new: &NewNotice,
    ) -> Result<Notice, RegistryError> {
        actor.require_level(Level::City)?;
        actor.require_jurisdiction(&new.county)?;
        if new.county.level() != DivisionLevel::County {
            return Err(RegistryError::invalid(
                "county",
                format!("{} 不是县级行政区", new.county),
                format!("{} is not a county", new.county),
            ));
        }
        let mut tx = self.store.begin_write().await?;
        // The county must exist (reference data, read under this transaction's write lock).
        self.division(new.county.as_str()).await?;
        let reason = required("reason", &new.reason, "须说明通报理由", "give the reason")?;
        let clause = match new.clause.trim() {
            "" => SUPERVISION_CLAUSE.to_owned(),
            other => other.to_owned(),
        };
        let prefix = format!("{}-TB-{}-", new.county, new.decided_on.format("%Y"));
        let count: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM supervision_notices WHERE id LIKE $1")
                .bind(format!("{prefix}%"))
                .fetch_one(tx.connection())
                .await?
                .try_get("n")?;
        let id = format!("{prefix}{:03}", count + 1);
        sqlx::query(
            "INSERT INTO supervision_notices (id, county, kind, decided_on, reason, clause, recorded_by) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&id)
        .bind(new.county.as_str())
        .bind(new.kind.name())
        .bind(day(new.decided_on))
        .bind(&reason)
        .bind(&clause)
        .bind(actor.to_string())
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "county": new.county.as_str(),
            "kind": new.kind,
            "decided_on": day(new.decided_on),
            "clause": clause,
        });
        self.audit(&mut tx, actor, "notice.record", &id, &reason, payload)
            .await?;
        tx.commit().await?;
        self.notice(&id).await
    }

    /// Lifts a criticism: a recorded decision of the city, with its reason.
    pub(crate) async fn lift_criticism(
        &self,
        actor: &Actor,
        id: &str,
        lifted_on: NaiveDate,
        reason: &str,
    ) -> Result<Notice, RegistryError> {
        actor.require_level(Level::City)?;
        let reason = required(
            "reason",
            reason,
            "解除通报批评须说明理由",
            "lifting a criticism needs a reason",
        )?;
        let mut tx = self.store.begin_write().await?;
        let notice = load_notices_where(tx.connection(), "id = $1", id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("通报/notice", id))?;
        actor.require_jurisdiction(&county_code(&notice.county)?)?;
        if notice.kind != NoticeKind::Criticism || notice.lifted_on.is_some() {
            return Err(RegistryError::Lifecycle(LifecycleError::NotAllowed {
                state: if notice.lifted_on.is_some() {
                    "lifted".into()
                } else {
                    notice.kind.name().into()
                },
                action: "lift".into(),
            }));
        }
        if lifted_on < parse_day("decided_on", &notice.decided_on)? {
            return Err(RegistryError::invalid(
                "lifted_on",
                "解除日期早于通报日期",
                "the lift is dated before the criticism",
            ));
        }
        let done = sqlx::query(
            "UPDATE supervision_notices SET lifted_on = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4 AND lifted_on IS NULL",
        )
        .bind(day(lifted_on))
        .bind(actor.to_string())
        .bind(&reason)
        .bind(id)
        .execute(tx.connection())
        .await?;
        if done.rows_affected() != 1 {
            return Err(RegistryError::state_changed("通报/notice", id, "criticism"));
        }
        let payload = serde_json::json!({ "county": notice.county, "lifted_on": day(lifted_on) });
        self.audit(&mut tx, actor, "notice.lift", id, &reason, payload)
            .await?;
        tx.commit().await?;
        self.notice(id).await
    }

    pub(crate) async fn notice(&self, id: &str) -> Result<Notice, RegistryError> {
        self.notices_where("id = $1", id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("通报/notice", id))
    }

    /// Notices of the counties under `prefix`, newest first.
    pub(crate) async fn notices(&self, prefix: &str) -> Result<Vec<Notice>, RegistryError> {
        self.notices_where("county LIKE $1", &format!("{prefix}%"))
            .await
    }

    async fn notices_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<Notice>, RegistryError> {
        load_notices_where(&mut *self.read_conn().await?, condition, value).await
    }

    /// The allocation of the profile city's linkage plan of `year` (computed, not recorded):
    /// its counties with their poverty designations and the notices on record.
    pub(crate) async fn compute_allocation(
        &self,
        year: i32,
        total_m2: i64,
    ) -> Result<Allocation, RegistryError> {
        self.compute_allocation_in(&mut *self.read_conn().await?, year, total_m2)
            .await
    }

    /// `compute_allocation` with the notices on record read on `conn` (the decision's write
    /// transaction: a criticism recorded or lifted meanwhile is either in or out, never half).
    /// The divisions are reference data, read from the pool (under the decision's write lock
    /// they cannot change before it commits).
    async fn compute_allocation_in(
        &self,
        conn: &mut AnyConnection,
        year: i32,
        total_m2: i64,
    ) -> Result<Allocation, RegistryError> {
        let city = self.profile.profile.city.clone();
        let prefix = &city.as_str()[..4];
        let counties = self
            .divisions_under(prefix)
            .await?
            .into_iter()
            .filter(|d| d.level == "county")
            .map(|d| {
                let date = |text: &Option<String>| -> Result<Option<NaiveDate>, RegistryError> {
                    text.as_deref()
                        .map(|t| parse_day("division", t))
                        .transpose()
                };
                Ok(CountyStanding {
                    poverty_level: d.poverty_level.as_deref().and_then(PovertyLevel::parse),
                    designated_on: date(&d.designated_on)?,
                    exited_on: date(&d.exited_on)?,
                    code: d.code,
                    name: d.name,
                })
            })
            .collect::<Result<Vec<_>, RegistryError>>()?;
        let notices = load_notices_where(conn, "county LIKE $1", &format!("{prefix}%"))
            .await?
            .into_iter()
            .map(|n| {
                Ok(NoticeFact {
                    decided_on: parse_day("decided_on", &n.decided_on)?,
                    lifted_on: n
                        .lifted_on
                        .as_deref()
                        .map(|t| parse_day("lifted_on", t))
                        .transpose()?,
                    id: n.id,
                    county: n.county,
                    kind: n.kind,
                })
            })
            .collect::<Result<Vec<_>, RegistryError>>()?;
        allocate(&self.profile, year, total_m2, &counties, &notices)
            .map_err(|e| RegistryError::invalid("total_m2", e.to_string(), e.to_string()))
    }

    /// Records the allocation of `year` as decided by the city (once per year).
    pub(crate) async fn decide_allocation(
        &self,
        actor: &Actor,
        year: i32,
        total_m2: i64,
        decided_on: NaiveDate,
        reason: &str,
    ) -> Result<DecidedAllocation, RegistryError> {
        actor.require_level(Level::City)?;
        actor.require_jurisdiction(&self.profile.profile.city)?;
        let reason = required(
            "reason",
            reason,
            "须说明决定依据",
            "give the basis of the decision",
        )?;
        let mut tx = self.store.begin_write().await?;
        let exists = sqlx::query("SELECT year FROM linkage_allocations WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(tx.connection())
            .await?;
        if exists.is_some() {
            return Err(RegistryError::Lifecycle(LifecycleError::NotAllowed {
                state: format!("{year} decided"),
                action: "decide".into(),
            }));
        }
        let calculation = self
            .compute_allocation_in(tx.connection(), year, total_m2)
            .await?;
        let json = serde_json::to_string(&calculation)
            .map_err(|e| RegistryError::invalid("calculation", e.to_string(), e.to_string()))?;
        sqlx::query(
            "INSERT INTO linkage_allocations (year, total_m2, decided_on, decided_by, reason, calculation_json) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(i64::from(year))
        .bind(total_m2)
        .bind(day(decided_on))
        .bind(actor.to_string())
        .bind(&reason)
        .bind(&json)
        .execute(tx.connection())
        .await?;
        for row in &calculation.rows {
            sqlx::query(
                "INSERT INTO linkage_allocation_shares (year, county, allocated_m2) VALUES ($1,$2,$3)",
            )
            .bind(i64::from(year))
            .bind(&row.county)
            .bind(row.allocated_m2)
            .execute(tx.connection())
            .await?;
        }
        let shares: serde_json::Map<String, serde_json::Value> = calculation
            .rows
            .iter()
            .map(|r| (r.county.clone(), r.allocated_m2.into()))
            .collect();
        let payload = serde_json::json!({ "year": year, "total_m2": total_m2, "shares": shares });
        self.audit(
            &mut tx,
            actor,
            "allocation.decide",
            &format!("{}-allocation-{year}", self.profile.profile.city),
            &reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.decided_allocation(year)
            .await?
            .ok_or_else(|| not_found("分配/allocation", &year.to_string()))
    }

    /// The allocation the city recorded for `year`, if any.
    pub(crate) async fn decided_allocation(
        &self,
        year: i32,
    ) -> Result<Option<DecidedAllocation>, RegistryError> {
        let row = sqlx::query(
            "SELECT year, total_m2, decided_on, decided_by, reason, calculation_json FROM linkage_allocations WHERE year = $1",
        )
        .bind(i64::from(year))
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let json: String = row.try_get("calculation_json")?;
        let calculation: Allocation = serde_json::from_str(&json).map_err(|e| {
            RegistryError::invalid("calculation_json", e.to_string(), e.to_string())
        })?;
        Ok(Some(DecidedAllocation {
            year,
            total_m2: row.try_get("total_m2")?,
            decided_on: row.try_get("decided_on")?,
            decided_by: row.try_get("decided_by")?,
            reason: row.try_get("reason")?,
            calculation,
        }))
    }

    /// The demo's supervision: two inspections (one closed, one with an open finding past its
    /// deadline), a criticism of 渠县 and a commendation of 宣汉县 in 2018, and the decided
    /// allocation of 2019.
    pub(crate) async fn demo_supervision(
        &self,
        cal: &crate::demo::DemoCalendar,
    ) -> Result<(), RegistryError> {
        let city = Actor::parse("市局监管员@511700")?;
        let d = |y, m, day| cal.date(y, m, day);
        let xuanhan = county_code("511722")?;
        let project = self
            .projects("511722", None)
            .await?
            .into_iter()
            .next()
            .map(|p| p.code);
        let construction = self
            .record_inspection(
                &city,
                &NewInspection {
                    county: Some(xuanhan.clone()),
                    project,
                    kind: InspectionKind::Construction,
                    inspected_on: d(2019, 5, 20)?,
                    inspector: None,
                    summary: "拆旧复垦与安置区施工质量检查".into(),
                    findings: vec![
                        NewFinding {
                            description: "安置区排水沟未按设计施工".into(),
                            severity: FindingSeverity::Major,
                            deadline: d(2019, 6, 30)?,
                        },
                        NewFinding {
                            description: "复垦地块表土回填厚度不足".into(),
                            severity: FindingSeverity::Serious,
                            deadline: d(2019, 9, 30)?,
                        },
                    ],
                },
                "演示：市局季度检查",
            )
            .await?;
        let county = Actor::parse("县局经办人@511722")?;
        self.rectify_finding(
            &county,
            &construction.id,
            1,
            "已按设计返工排水沟并复验",
            d(2019, 6, 25)?,
        )
        .await?;
        self.close_finding(
            &city,
            &construction.id,
            1,
            "复查合格，同意销号",
            d(2019, 7, 5)?,
        )
        .await?;
        let funds = self
            .record_inspection(
                &city,
                &NewInspection {
                    county: Some(county_code("511781")?),
                    project: None,
                    kind: InspectionKind::FundUse,
                    inspected_on: d(2019, 3, 12)?,
                    inspector: Some("市审计局检查组@511700".into()),
                    summary: "增减挂钩资金使用检查".into(),
                    findings: vec![NewFinding {
                        description: "拆旧补偿资金拨付台账不全".into(),
                        severity: FindingSeverity::Minor,
                        deadline: d(2019, 4, 30)?,
                    }],
                },
                "演示：资金使用检查",
            )
            .await?;
        let wanyuan = Actor::parse("县局经办人@511781")?;
        self.rectify_finding(&wanyuan, &funds.id, 1, "已补齐拨付台账", d(2019, 4, 20)?)
            .await?;
        self.close_finding(&city, &funds.id, 1, "台账完整，销号", d(2019, 5, 6)?)
            .await?;
        self.record_notice(
            &city,
            &NewNotice {
                county: county_code("511725")?,
                kind: NoticeKind::Criticism,
                decided_on: d(2018, 11, 20)?,
                reason: "预支指标逾期未归还，项目推进迟缓".into(),
                clause: SUPERVISION_CLAUSE.into(),
            },
        )
        .await?;
        self.record_notice(
            &city,
            &NewNotice {
                county: xuanhan,
                kind: NoticeKind::Commendation,
                decided_on: d(2018, 12, 18)?,
                reason: "项目推进有序，易地扶贫搬迁户全部纳入拆旧区".into(),
                clause: SUPERVISION_CLAUSE.into(),
            },
        )
        .await?;
        let year = cal.year(2019);
        self.decide_allocation(
            &city,
            year,
            1_000_000,
            d(2019, 1, 15)?,
            &format!("{year} 年度增减挂钩指标计划分配（三(二)）"),
        )
        .await?;
        Ok(())
    }
}

fn finding_of(inspection: &Inspection, seq: i64) -> Result<&Finding, RegistryError> {
    inspection
        .findings
        .iter()
        .find(|f| f.seq == seq)
        .ok_or_else(|| not_found("检查问题/finding", &format!("{}#{seq}", inspection.id)))
}

/// One inspection with its findings, read on `conn` (the pool's or a write transaction's).
async fn load_inspection(conn: &mut AnyConnection, id: &str) -> Result<Inspection, RegistryError> {
    let row = sqlx::query(&format!(
        "SELECT {INSPECTION_COLUMNS} FROM inspections WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found("检查/inspection", id))?;
    let findings = sqlx::query(
        "SELECT seq, description, severity, deadline, state, rectification, rectified_on, rectified_by, \
         closure_note, closed_on, closed_by FROM inspection_findings WHERE inspection_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Finding {
            seq: r.try_get("seq")?,
            description: r.try_get("description")?,
            severity: stored(
                "severity",
                &r.try_get::<String, _>("severity")?,
                FindingSeverity::parse,
            )?,
            deadline: r.try_get("deadline")?,
            state: stored("state", &r.try_get::<String, _>("state")?, FindingState::parse)?,
            rectification: r.try_get("rectification")?,
            rectified_on: r.try_get("rectified_on")?,
            rectified_by: r.try_get("rectified_by")?,
            closure_note: r.try_get("closure_note")?,
            closed_on: r.try_get("closed_on")?,
            closed_by: r.try_get("closed_by")?,
        })
    })
    .collect::<Result<Vec<_>, RegistryError>>()?;
    Ok(Inspection {
        id: row.try_get("id")?,
        county: row.try_get("county")?,
        project: row.try_get("project")?,
        kind: stored(
            "kind",
            &row.try_get::<String, _>("kind")?,
            InspectionKind::parse,
        )?,
        inspected_on: row.try_get("inspected_on")?,
        inspector: row.try_get("inspector")?,
        summary: row.try_get("summary")?,
        recorded_by: row.try_get("recorded_by")?,
        closed_on: row.try_get("closed_on")?,
        findings,
    })
}

/// Notices matching `condition` (on one bound `value`), newest first, read on `conn`.
async fn load_notices_where(
    conn: &mut AnyConnection,
    condition: &str,
    value: &str,
) -> Result<Vec<Notice>, RegistryError> {
    let rows = sqlx::query(&format!(
        "SELECT id, county, kind, decided_on, reason, clause, recorded_by, lifted_on, lifted_by, lift_reason \
         FROM supervision_notices WHERE {condition} ORDER BY decided_on DESC, id DESC"
    ))
    .bind(value)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notice {
                id: r.try_get("id")?,
                county: r.try_get("county")?,
                kind: stored("kind", &r.try_get::<String, _>("kind")?, NoticeKind::parse)?,
                decided_on: r.try_get("decided_on")?,
                reason: r.try_get("reason")?,
                clause: r.try_get("clause")?,
                recorded_by: r.try_get("recorded_by")?,
                lifted_on: r.try_get("lifted_on")?,
                lifted_by: r.try_get("lifted_by")?,
                lift_reason: r.try_get("lift_reason")?,
            })
        })
        .collect()
}
