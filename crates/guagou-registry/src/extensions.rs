//! Extensions of a project's completion deadline (二(四), docs/readings/deadlines.md).
//!
//! A project that took an advance (预支指标项目) cannot be extended: the request is refused with
//! COMPLETION_DEADLINE. A project without one follows the normal procedure: the county asks for
//! a later day with a reason, the city grants it (with the day) or refuses; both steps are
//! recorded in `completion_extensions` and audited. Each step loads the project's deadline facts
//! inside its write transaction, lets `sanctions::extension_request` decide, and writes with a
//! compare-and-set, so two decisions on one request give one success and one `state_changed`.

use chrono::NaiveDate;
use guagou_domain::ErrorCode;
use guagou_domain::lifecycle::Level;
use guagou_domain::sanctions::{ExtensionRefused, extension_grant, extension_request};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::ledger_view::deadline_facts_in;
use crate::projects::{code_of, day, parse_day};
use crate::{Actor, Registry};

/// One request to extend a completion deadline, with the city's decision once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub code: String,
    pub seq: i64,
    pub requested_on: NaiveDate,
    pub requested_until: NaiveDate,
    pub reason: String,
    pub requested_by: String,
    pub state: ExtensionState,
    pub decided_on: Option<NaiveDate>,
    /// The new last day, when granted.
    pub granted_until: Option<NaiveDate>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionState {
    Requested,
    Granted,
    Refused,
}

impl ExtensionState {
    /// Every variant (names and pickers walk them).
    pub const ALL: [ExtensionState; 3] = [
        ExtensionState::Requested,
        ExtensionState::Granted,
        ExtensionState::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Requested => "requested",
            ExtensionState::Granted => "granted",
            ExtensionState::Refused => "refused",
        }
    }

    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            ExtensionState::Requested => ("待市局决定", "awaiting the city's decision"),
            ExtensionState::Granted => ("已批准延期", "granted"),
            ExtensionState::Refused => ("不予延期", "refused"),
        }
    }

    fn parse(text: &str) -> Result<ExtensionState, RegistryError> {
        match text {
            "requested" => Ok(ExtensionState::Requested),
            "granted" => Ok(ExtensionState::Granted),
            "refused" => Ok(ExtensionState::Refused),
            other => Err(RegistryError::invalid(
                "completion_extensions.state",
                format!("未知状态 {other}"),
                format!("unknown state {other}"),
            )),
        }
    }
}

/// The city's decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionDecision {
    /// Moves the last day to this date.
    Grant(NaiveDate),
    Refuse,
}

/// The domain's refusal as the registry's error.
fn refused(error: ExtensionRefused) -> RegistryError {
    match error {
        ExtensionRefused::Rule(result) => RegistryError::Rules(vec![*result]),
        ExtensionRefused::NoDeadline => RegistryError::conflict(
            ErrorCode::NotAllowed,
            "项目未立项、已申请验收或已终止，没有可延长的实施期限",
            "the project is not approved, has applied for acceptance or has ended: there is no completion deadline to extend",
        ),
        ExtensionRefused::NotLater { last_day } => RegistryError::invalid(
            "until",
            format!("申请延至的日期须晚于现行期限 {last_day}"),
            format!("the requested day must be after the deadline as it stands, {last_day}"),
        ),
    }
}

const COLUMNS: &str = "code, seq, requested_on, requested_until, reason, requested_by, state, \
     decided_on, granted_until, decision_reason, decided_by";

fn extension_of(row: &sqlx::any::AnyRow) -> Result<Extension, RegistryError> {
    let optional_day = |field: &str| -> Result<Option<NaiveDate>, RegistryError> {
        row.try_get::<Option<String>, _>(field)?
            .map(|d| parse_day(field, &d))
            .transpose()
    };
    Ok(Extension {
        code: row.try_get("code")?,
        seq: row.try_get("seq")?,
        requested_on: parse_day("requested_on", &row.try_get::<String, _>("requested_on")?)?,
        requested_until: parse_day(
            "requested_until",
            &row.try_get::<String, _>("requested_until")?,
        )?,
        reason: row.try_get("reason")?,
        requested_by: row.try_get("requested_by")?,
        state: ExtensionState::parse(&row.try_get::<String, _>("state")?)?,
        decided_on: optional_day("decided_on")?,
        granted_until: optional_day("granted_until")?,
        decision_reason: row.try_get("decision_reason")?,
        decided_by: row.try_get("decided_by")?,
    })
}

/// The extension requests of project `code`, oldest first, read on `conn`.
pub(crate) async fn extensions_in(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Vec<Extension>, RegistryError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM completion_extensions WHERE code = $1 ORDER BY seq"
    ))
    .bind(code)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(extension_of)
    .collect()
}

impl Registry {
    /// The county asks to move the completion deadline of `code` to `until`.
    pub(crate) async fn request_extension(
        &self,
        actor: &Actor,
        code: &str,
        until: NaiveDate,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Extension, RegistryError> {
        let reason = required_reason(reason)?;
        let mut tx = self.store.begin_write().await?;
        let facts = deadline_facts_in(tx.connection(), Some(code))
            .await?
            .into_iter()
            .next();
        let Some(facts) = facts else {
            // Not approved: the project exists (the door found it) but has no deadline.
            return Err(refused(ExtensionRefused::NoDeadline));
        };
        actor.require_jurisdiction(&facts.county)?;
        let deadline = extension_request(&self.profile, &facts, until).map_err(refused)?;
        let earlier = extensions_in(tx.connection(), code).await?;
        if earlier.iter().any(|e| e.state == ExtensionState::Requested) {
            return Err(RegistryError::conflict(
                ErrorCode::NotAllowed,
                "该项目已有待市局决定的延期申请",
                "the project already has an extension request awaiting the city's decision",
            ));
        }
        let seq = earlier.last().map_or(1, |e| e.seq + 1);
        sqlx::query(
            "INSERT INTO completion_extensions (code, seq, requested_on, requested_until, reason, requested_by, state) \
             VALUES ($1,$2,$3,$4,$5,$6,'requested')",
        )
        .bind(code)
        .bind(seq)
        .bind(day(as_of))
        .bind(day(until))
        .bind(&reason)
        .bind(actor.to_string())
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "seq": seq,
            "requested_on": day(as_of),
            "requested_until": day(until),
            "last_day": day(deadline.last_day),
        });
        self.audit(
            &mut tx,
            actor,
            "project.extension_request",
            code,
            &reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.extension(code, seq).await
    }

    /// The city decides request `seq` of `code`: grant (to a day) or refuse.
    pub(crate) async fn decide_extension(
        &self,
        actor: &Actor,
        code: &str,
        seq: i64,
        decision: ExtensionDecision,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Extension, RegistryError> {
        // The city decides (its land bureau, through the door): not the county that asked, nor
        // the province.
        if actor.level != Level::City {
            return Err(RegistryError::Forbidden {
                actor: actor.to_string(),
                what: "延期决定/extension decision".into(),
            });
        }
        let reason = required_reason(reason)?;
        let mut tx = self.store.begin_write().await?;
        let request = extensions_in(tx.connection(), code)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| RegistryError::NotFound {
                what: "延期申请/extension request",
                id: format!("{code}#{seq}"),
            })?;
        let county: String = sqlx::query("SELECT county FROM projects WHERE code = $1")
            .bind(code)
            .fetch_one(tx.connection())
            .await?
            .try_get("county")?;
        actor.require_jurisdiction(&code_of(&county)?)?;
        if request.state != ExtensionState::Requested {
            return Err(RegistryError::state_changed(
                "延期申请/extension request",
                &format!("{code}#{seq}"),
                ExtensionState::Requested.as_str(),
            ));
        }
        let (state, granted_until) = match decision {
            ExtensionDecision::Grant(until) => {
                let facts = deadline_facts_in(tx.connection(), Some(code))
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| refused(ExtensionRefused::NoDeadline))?;
                extension_grant(&self.profile, &facts, until).map_err(refused)?;
                (ExtensionState::Granted, Some(day(until)))
            }
            ExtensionDecision::Refuse => (ExtensionState::Refused, None),
        };
        let done = sqlx::query(
            "UPDATE completion_extensions SET state = $1, decided_on = $2, granted_until = $3, \
             decision_reason = $4, decided_by = $5 WHERE code = $6 AND seq = $7 AND state = 'requested'",
        )
        .bind(state.as_str())
        .bind(day(as_of))
        .bind(&granted_until)
        .bind(&reason)
        .bind(actor.to_string())
        .bind(code)
        .bind(seq)
        .execute(tx.connection())
        .await?;
        if done.rows_affected() != 1 {
            return Err(RegistryError::state_changed(
                "延期申请/extension request",
                &format!("{code}#{seq}"),
                ExtensionState::Requested.as_str(),
            ));
        }
        let payload = serde_json::json!({
            "seq": seq,
            "decision": state.as_str(),
            "decided_on": day(as_of),
            "granted_until": granted_until,
        });
        self.audit(
            &mut tx,
            actor,
            "project.extension_decision",
            code,
            &reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.extension(code, seq).await
    }

    /// The extension requests of a project, oldest first.
    pub(crate) async fn extensions(&self, code: &str) -> Result<Vec<Extension>, RegistryError> {
        extensions_in(&mut *self.read_conn().await?, code).await
    }

    async fn extension(&self, code: &str, seq: i64) -> Result<Extension, RegistryError> {
        self.extensions(code)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| RegistryError::NotFound {
                what: "延期申请/extension request",
                id: format!("{code}#{seq}"),
            })
    }
}

fn required_reason(reason: &str) -> Result<String, RegistryError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RegistryError::invalid(
            "reason",
            "须说明理由",
            "a reason is required",
        ));
    }
    if reason.chars().count() > 2_000 {
        return Err(RegistryError::invalid(
            "reason",
            "理由不超过 2000 字",
            "the reason is at most 2000 characters",
        ));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::ExtensionState;

    /// `ALL` holds every state once, in this order: a new state fails to compile here until it
    /// is listed.
    #[test]
    fn all_states_are_listed() {
        for (i, s) in ExtensionState::ALL.iter().enumerate() {
            let position = match s {
                ExtensionState::Requested => 0,
                ExtensionState::Granted => 1,
                ExtensionState::Refused => 2,
            };
            assert_eq!(position, i);
        }
        assert_eq!(ExtensionState::ALL.len(), 3);
    }
}
