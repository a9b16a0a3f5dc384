//! County special plans (增减挂钩专项规划, SPEC §7): drafting, consultation opinions per
//! department, submission (PLAN_CONSULTED, PLAN_COVERS_POOR_VILLAGES), city approval, provincial
//! filing.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::lifecycle::{Level, PlanAction, PlanState};
use guagou_domain::registry_rules::{PlanInForce, plan_consulted, plan_covers_poor_villages};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::{Actor, Registry};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub id: String,
    pub county: String,
    pub title: String,
    pub period_start: i64,
    pub period_end: i64,
    pub state: PlanState,
    pub created_on: String,
    pub approved_on: Option<String>,
    pub filed_on: Option<String>,
    pub scope: Vec<String>,
    pub opinions: Vec<Opinion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opinion {
    pub department: String,
    pub opinion: String,
    pub author: String,
    pub recorded_on: String,
}

fn parse_state(text: &str) -> Result<PlanState, RegistryError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        RegistryError::invalid(
            "special_plans.state",
            format!("未知状态 {text}"),
            format!("unknown state {text}"),
        )
    })
}

fn state_text(state: PlanState) -> String {
    state.to_string()
}

impl Registry {
    /// Drafts a special plan for a county with its scope of villages.
    pub(crate) async fn create_plan(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        title: &str,
        period: (i64, i64),
        scope: &[DivisionCode],
        as_of: NaiveDate,
    ) -> Result<Plan, RegistryError> {
        actor.require_level(Level::County)?;
        actor.require_jurisdiction(county)?;
        if period.0 > period.1 {
            return Err(RegistryError::invalid(
                "period",
                "规划期起始年晚于结束年",
                "the period starts after it ends",
            ));
        }
        for village in scope {
            if village.as_str().len() != 12 || !county.contains(village) {
                return Err(RegistryError::invalid(
                    "scope",
                    format!("{village} 不是县 {county} 的村"),
                    format!("{village} is not a village of county {county}"),
                ));
            }
        }
        let id = format!("{county}-{}-{}", period.0, period.1);
        let mut tx = self.store.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM special_plans WHERE id = $1")
            .bind(&id)
            .fetch_optional(tx.connection())
            .await?;
        if exists.is_some() {
            return Err(RegistryError::invalid(
                "id",
                format!("专项规划 {id} 已存在"),
                format!("special plan {id} already exists"),
            ));
        }
        let day = as_of.format("%Y-%m-%d").to_string();
        sqlx::query(
            "INSERT INTO special_plans (id, county, title, period_start, period_end, state, created_on) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&id)
        .bind(county.as_str())
        .bind(title)
        .bind(period.0)
        .bind(period.1)
        .bind(state_text(PlanState::Draft))
        .bind(&day)
        .execute(tx.connection())
        .await?;
        for village in scope {
            sqlx::query("INSERT INTO plan_scope (plan_id, village) VALUES ($1, $2)")
                .bind(&id)
                .bind(village.as_str())
                .execute(tx.connection())
                .await?;
        }
        let payload = serde_json::json!({ "title": title, "period": [period.0, period.1], "villages": scope.len() });
        self.audit(&mut tx, actor, "plan.create", &id, "起草专项规划", payload)
            .await?;
        tx.commit().await?;
        self.plan(&id).await
    }

    /// Records a consultation department's opinion (replacing an earlier one of that department).
    pub(crate) async fn add_opinion(
        &self,
        actor: &Actor,
        plan_id: &str,
        department: &str,
        opinion: &str,
        as_of: NaiveDate,
    ) -> Result<Plan, RegistryError> {
        if !self
            .profile
            .consultation
            .departments
            .value
            .iter()
            .any(|d| d == department)
        {
            return Err(RegistryError::invalid(
                "department",
                format!(
                    "{department} 不是征求意见部门（{}）",
                    self.profile.consultation.departments.value.join("、")
                ),
                format!("{department} is not a consultation department of the profile"),
            ));
        }
        if opinion.trim().is_empty() {
            return Err(RegistryError::invalid(
                "opinion",
                "意见不能为空",
                "an opinion must not be empty",
            ));
        }
        let mut tx = self.store.begin_write().await?;
        let plan = load_plan(tx.connection(), plan_id).await?;
        if plan.state != PlanState::Consulting {
            return Err(RegistryError::conflict(
                guagou_domain::ErrorCode::NotAllowed,
                format!(
                    "专项规划 {plan_id} 不在征求意见阶段（{}）",
                    plan.state.label_zh()
                ),
                format!(
                    "special plan {plan_id} is not in consultation ({})",
                    plan.state
                ),
            ));
        }
        sqlx::query("DELETE FROM plan_opinions WHERE plan_id = $1 AND department = $2")
            .bind(plan_id)
            .bind(department)
            .execute(tx.connection())
            .await?;
        sqlx::query("INSERT INTO plan_opinions (plan_id, department, opinion, author, recorded_on) VALUES ($1,$2,$3,$4,$5)")
            .bind(plan_id)
            .bind(department)
            .bind(opinion)
            .bind(actor.to_string())
            .bind(as_of.format("%Y-%m-%d").to_string())
            .execute(tx.connection())
            .await?;
        let payload = serde_json::json!({ "department": department, "opinion": opinion });
        self.audit(&mut tx, actor, "plan.opinion", plan_id, "部门意见", payload)
            .await?;
        tx.commit().await?;
        self.plan(plan_id).await
    }

    /// The gating rules of a plan's submission, evaluated now.
    pub(crate) async fn plan_rules(&self, plan: &Plan) -> Result<Vec<RuleResult>, RegistryError> {
        let departments: Vec<String> = plan.opinions.iter().map(|o| o.department.clone()).collect();
        let county = DivisionCode::parse(&plan.county)
            .map_err(|e| RegistryError::invalid("county", e.to_string(), e.to_string()))?;
        let scope: Vec<DivisionCode> = plan
            .scope
            .iter()
            .filter_map(|v| DivisionCode::parse(v).ok())
            .collect();
        let required = self.poor_or_relocation_villages(&county).await?;
        Ok(vec![
            plan_consulted(&self.profile, &departments),
            plan_covers_poor_villages(&scope, &required),
        ])
    }

    /// Moves a plan through its lifecycle. The plan, its opinions and scope are read inside the
    /// write transaction and the state moves by compare-and-set.
    pub(crate) async fn plan_action(
        &self,
        actor: &Actor,
        plan_id: &str,
        action: PlanAction,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Plan, RegistryError> {
        let mut tx = self.store.begin_write().await?;
        let plan = load_plan(tx.connection(), plan_id).await?;
        let county = DivisionCode::parse(&plan.county)
            .map_err(|e| RegistryError::invalid("county", e.to_string(), e.to_string()))?;
        actor.require_jurisdiction(&county)?;
        let gating = if action == PlanAction::Submit {
            // The divisions (poor and relocation villages) are read under this transaction's
            // write lock, so they are the ones it commits against.
            self.plan_rules(&plan).await?
        } else {
            Vec::new()
        };
        let next = decide_plan_step(plan.state, action, actor.level, gating)?;
        let day = as_of.format("%Y-%m-%d").to_string();
        let done = sqlx::query("UPDATE special_plans SET state = $1 WHERE id = $2 AND state = $3")
            .bind(state_text(next))
            .bind(plan_id)
            .bind(state_text(plan.state))
            .execute(tx.connection())
            .await?;
        if done.rows_affected() != 1 {
            return Err(RegistryError::state_changed(
                "专项规划/special plan",
                plan_id,
                &state_text(plan.state),
            ));
        }
        match next {
            PlanState::Approved => {
                sqlx::query("UPDATE special_plans SET approved_on = $1 WHERE id = $2")
                    .bind(&day)
                    .bind(plan_id)
                    .execute(tx.connection())
                    .await?;
            }
            PlanState::Filed => {
                sqlx::query("UPDATE special_plans SET filed_on = $1 WHERE id = $2")
                    .bind(&day)
                    .bind(plan_id)
                    .execute(tx.connection())
                    .await?;
            }
            _ => {}
        }
        let payload =
            serde_json::json!({ "action": action, "from": plan.state, "to": next, "as_of": day });
        self.audit(&mut tx, actor, "plan.transition", plan_id, reason, payload)
            .await?;
        tx.commit().await?;
        self.plan(plan_id).await
    }

    pub(crate) async fn plan(&self, id: &str) -> Result<Plan, RegistryError> {
        load_plan(&mut *self.read_conn().await?, id).await
    }

    /// Plans of a county (or of all counties under a prefix).
    pub(crate) async fn plans(&self, prefix: &str) -> Result<Vec<Plan>, RegistryError> {
        load_plans(&mut *self.read_conn().await?, prefix).await
    }
}

/// The next state of a plan step: the lifecycle first, then the gating rules of a submission
/// (refused with the full results, so the user sees what is missing and the clause).
fn decide_plan_step(
    state: PlanState,
    action: PlanAction,
    level: Level,
    gating: Vec<RuleResult>,
) -> Result<PlanState, RegistryError> {
    let next = state.next(action, level, &[])?;
    let blocking: Vec<RuleResult> = gating.into_iter().filter(|r| r.blocks()).collect();
    if !blocking.is_empty() {
        return Err(RegistryError::Rules(blocking));
    }
    Ok(next)
}

/// One plan with its scope and opinions, read on `conn` (the pool's or a write transaction's).
pub(crate) async fn load_plan(conn: &mut AnyConnection, id: &str) -> Result<Plan, RegistryError> {
    let row = sqlx::query(
        "SELECT id, county, title, period_start, period_end, state, created_on, approved_on, filed_on FROM special_plans WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| RegistryError::NotFound { what: "专项规划/special plan", id: id.to_owned() })?;
    let scope = sqlx::query("SELECT village FROM plan_scope WHERE plan_id = $1 ORDER BY village")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("village"))
        .collect::<Result<Vec<_>, _>>()?;
    let opinions = sqlx::query("SELECT department, opinion, author, recorded_on FROM plan_opinions WHERE plan_id = $1 ORDER BY department")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Opinion {
                department: r.try_get("department")?,
                opinion: r.try_get("opinion")?,
                author: r.try_get("author")?,
                recorded_on: r.try_get("recorded_on")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Plan {
        id: row.try_get("id")?,
        county: row.try_get("county")?,
        title: row.try_get("title")?,
        period_start: row.try_get("period_start")?,
        period_end: row.try_get("period_end")?,
        state: parse_state(&row.try_get::<String, _>("state")?)?,
        created_on: row.try_get("created_on")?,
        approved_on: row.try_get("approved_on")?,
        filed_on: row.try_get("filed_on")?,
        scope,
        opinions,
    })
}

/// The plans of the counties under `prefix`, read on `conn`.
pub(crate) async fn load_plans(
    conn: &mut AnyConnection,
    prefix: &str,
) -> Result<Vec<Plan>, RegistryError> {
    let ids = sqlx::query("SELECT id FROM special_plans WHERE county LIKE $1 ORDER BY id")
        .bind(format!("{prefix}%"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load_plan(conn, &id).await?);
    }
    Ok(out)
}

/// The plans of a county as PLAN_APPROVED reads them, read on `conn`.
pub(crate) async fn plans_in_force_in(
    conn: &mut AnyConnection,
    county: &DivisionCode,
) -> Result<Vec<PlanInForce>, RegistryError> {
    Ok(load_plans(conn, county.as_str())
        .await?
        .into_iter()
        .map(|p| PlanInForce {
            id: p.id,
            state: p.state,
            scope: p
                .scope
                .iter()
                .filter_map(|v| DivisionCode::parse(v).ok())
                .collect(),
        })
        .collect())
}

/// What the web's audit-log page filters by (each optional; empty means no filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Records whose actor contains this text (e.g. `@511722` for one county's users).
    pub actor: String,
    /// Records whose action starts with this text (e.g. `plan.` or `ledger.`).
    pub action_prefix: String,
    /// Records whose subject starts with this text (a plan id, a project code, …).
    pub subject_prefix: String,
}

/// `text` as a LIKE pattern literal: `\`, `%` and `_` lose their special meaning.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Decodes a division CSV uploaded as bytes (UTF-8, with or without BOM, or GBK as Excel saves
/// it in China) and parses it; errors name the line and the field.
pub fn parse_divisions_bytes(
    label: &str,
    bytes: &[u8],
) -> Result<Vec<crate::divisions::Division>, RegistryError> {
    let text =
        guagou_geo::formats::decode_text(label, bytes).map_err(guagou_check::PackageError::from)?;
    crate::divisions::parse_divisions_csv(label, &text)
}

/// Reads for the web pages: the audit log newest first (the store pages it oldest first, for
/// verification) and which divisions have a stored boundary. Read-only: nothing here writes.
impl Registry {
    /// Up to `limit` audit records with `seq < before` (all when `None`), newest first, that
    /// match `filter` and, with a `scope`, are owned inside it.
    pub(crate) async fn audit_newest_in(
        &self,
        before: Option<u64>,
        limit: u32,
        filter: &AuditFilter,
        scope: Option<&crate::audit_subject::AuditScope>,
    ) -> Result<Vec<guagou_store::AuditEntry>, RegistryError> {
        let mut conditions = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let mut add = |condition: &str, value: String| {
            values.push(value);
            conditions.push(condition.replace("$n", &format!("${}", values.len())));
        };
        if !filter.actor.is_empty() {
            add(
                "actor LIKE $n ESCAPE '\\'",
                format!("%{}%", like_literal(&filter.actor)),
            );
        }
        if !filter.action_prefix.is_empty() {
            add(
                "action LIKE $n ESCAPE '\\'",
                format!("{}%", like_literal(&filter.action_prefix)),
            );
        }
        if !filter.subject_prefix.is_empty() {
            add(
                "subject LIKE $n ESCAPE '\\'",
                format!("{}%", like_literal(&filter.subject_prefix)),
            );
        }
        if let Some(scope) = scope {
            // The pattern is built from the principal's typed division code, never from input.
            let ownerless = if scope.ownerless {
                " OR owners = ''"
            } else {
                ""
            };
            add(
                &format!("(owners LIKE $n{ownerless})"),
                scope.owner_pattern.clone(),
            );
        }
        let before = match before {
            Some(seq) => i64::try_from(seq).unwrap_or(i64::MAX),
            None => i64::MAX,
        };
        conditions.push(format!("seq < ${}", values.len() + 1));
        let sql = format!(
            "SELECT {} FROM audit_log WHERE {} ORDER BY seq DESC LIMIT ${}",
            guagou_store::AUDIT_COLUMNS,
            conditions.join(" AND "),
            values.len() + 2
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(value);
        }
        let rows = query
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| guagou_store::audit_from_row(row).map_err(RegistryError::from))
            .collect()
    }

    /// The codes under `prefix` that have a stored boundary.
    pub(crate) async fn divisions_with_boundary(
        &self,
        prefix: &str,
    ) -> Result<std::collections::BTreeSet<String>, RegistryError> {
        let rows = sqlx::query(
            "SELECT code FROM divisions WHERE code LIKE $1 ESCAPE '\\' AND boundary_geojson IS NOT NULL",
        )
        .bind(format!("{}%", like_literal(prefix)))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("code"))
            .collect::<Result<_, _>>()
            .map_err(RegistryError::from)
    }
}
