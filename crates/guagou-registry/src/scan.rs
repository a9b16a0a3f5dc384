//! `guagou scan --as-of DATE`: finds overdue advances and completions and applies SPEC §8's
//! sanctions. Each sanction has a stable key; one already applied is skipped, so running the scan
//! twice changes nothing the second time.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{Account, Operation};
use guagou_domain::lifecycle::Level;
use guagou_domain::sanctions::{AdvanceFact, ProjectFacts, Sanction, SanctionKind, scan};

use crate::ledger_view::{deadline_facts_in, granted_extensions, stopping_applications};
use serde::Serialize;
use sqlx::Row;

use crate::error::RegistryError;
use crate::projects::{code_of, parse_day};
use crate::{Actor, Registry};

/// What one scan did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    pub as_of: NaiveDate,
    /// Sanctions applied by this run.
    pub applied: Vec<AppliedSanction>,
    /// Sanctions due that an earlier run already applied.
    pub already_applied: usize,
    /// Market listings past their close date without an agreement, expired by this run (their
    /// quota returned to the seller).
    pub expired_listings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedSanction {
    pub sanction: Sanction,
    /// What was done, in both languages.
    pub detail_zh: String,
    pub detail_en: String,
}

impl Registry {
    /// The facts `sanctions::scan` reads, for every approved project.
    pub(crate) async fn sanction_facts(&self) -> Result<Vec<ProjectFacts>, RegistryError> {
        let entries = self.all_entries().await?;
        let reversed: BTreeSet<u64> = entries
            .iter()
            .filter_map(|e| match e.operation {
                Operation::Reverse { seq } => Some(seq),
                _ => None,
            })
            .collect();
        let (applications, extended) = {
            let mut conn = self.read_conn().await?;
            (
                stopping_applications(&mut conn, None).await?,
                granted_extensions(&mut conn, None).await?,
            )
        };
        let mut out = Vec::new();
        for project in self.projects("", None).await? {
            let Some(approved_on) = project.approved_on.as_deref() else {
                continue;
            };
            let advances = entries
                .iter()
                .filter(|e| !reversed.contains(&e.seq))
                .filter_map(|e| match &e.operation {
                    Operation::Advance {
                        project: p,
                        amount_m2,
                    } if p == &project.code => Some(AdvanceFact {
                        seq: e.seq,
                        amount_m2: *amount_m2,
                        effective: e.meta.effective,
                    }),
                    _ => None,
                })
                .collect();
            let ledger = self.store.ledger_project(&project.code).await?;
            let outstanding = -self
                .store
                .balance(&Account::Advance {
                    project: project.code.clone(),
                })
                .await?;
            out.push(ProjectFacts {
                code: project.code.clone(),
                county: code_of(&project.county)?,
                state: project.state,
                approved_on: Some(parse_day("approved_on", approved_on)?),
                accepted_on: project
                    .accepted_on
                    .as_deref()
                    .map(|d| parse_day("accepted_on", d))
                    .transpose()?,
                acceptance_applied_on: applications.get(&project.code).copied(),
                extended_to: extended.get(&project.code).copied(),
                advances,
                issued_m2: ledger.and_then(|l| l.issued_m2),
                outstanding_m2: outstanding.max(0),
            });
        }
        Ok(out)
    }

    /// Applies every sanction due on `as_of` that is not applied yet, to the projects of the
    /// actor's jurisdiction, and expires the market listings whose period ended, in one write
    /// transaction: the facts a sanction is decided on are read inside it, so a repayment or an
    /// acceptance that commits first is seen, and one that commits later sees the sanction.
    pub(crate) async fn scan(
        &self,
        actor: &Actor,
        as_of: NaiveDate,
    ) -> Result<ScanReport, RegistryError> {
        if actor.level == Level::County {
            return Err(RegistryError::Forbidden {
                actor: actor.to_string(),
                what: "scan".into(),
            });
        }
        let mut report = ScanReport {
            as_of,
            applied: Vec::new(),
            already_applied: 0,
            expired_listings: Vec::new(),
        };
        let mut tx = self.store.begin_write().await?;
        let facts: Vec<ProjectFacts> = deadline_facts_in(tx.connection(), None)
            .await?
            .into_iter()
            .filter(|f| actor.may_act_for(&f.county))
            .collect();
        let due = scan(as_of, &self.profile, &facts);
        for sanction in due {
            let exists = sqlx::query("SELECT key FROM sanctions WHERE key = $1")
                .bind(&sanction.key)
                .fetch_optional(tx.connection())
                .await?;
            if exists.is_some() {
                report.already_applied += 1;
                continue;
            }
            let (zh, en) = self
                .apply_sanction(&mut tx, actor, &sanction, as_of)
                .await?;
            sqlx::query(
                "INSERT INTO sanctions (key, project, county, rule, kind, amount_m2, overdue_since, applied_on, clause, detail) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            )
            .bind(&sanction.key)
            .bind(&sanction.project)
            .bind(sanction.county.as_str())
            .bind(sanction.rule.as_str())
            .bind(serde_json::to_string(&sanction.kind).unwrap_or_default())
            .bind(sanction.amount_m2)
            .bind(sanction.overdue_since.format("%Y-%m-%d").to_string())
            .bind(as_of.format("%Y-%m-%d").to_string())
            .bind(&sanction.clause)
            .bind(format!("{zh} / {en}"))
            .execute(tx.connection())
            .await?;
            let payload = serde_json::to_value(&sanction).unwrap_or_default();
            self.audit(
                &mut tx,
                actor,
                "sanction.apply",
                &sanction.key,
                &zh,
                payload,
            )
            .await?;
            report.applied.push(AppliedSanction {
                sanction,
                detail_zh: zh,
                detail_en: en,
            });
        }
        // Deadlines enforce themselves: the same run expires the listings whose period ended.
        report.expired_listings = self.expire_in(&mut tx, actor, as_of).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn apply_sanction(
        &self,
        tx: &mut guagou_store::WriteTx,
        actor: &Actor,
        sanction: &Sanction,
        as_of: NaiveDate,
    ) -> Result<(String, String), RegistryError> {
        let county = &sanction.county;
        let amount = sanction.amount_m2;
        Ok(match &sanction.kind {
            SanctionKind::SuspendAdvances => {
                tx.set_advance_suspended(county, true).await?;
                (
                    format!("暂停 {county} 预支政策"),
                    format!("advance right of {county} suspended"),
                )
            }
            SanctionKind::DeductAnnualPlan { year } => {
                let account = Account::AnnualPlan {
                    county: county.clone(),
                    year: *year,
                };
                let available: i64 =
                    sqlx::query("SELECT balance_m2 FROM ledger_balances WHERE account = $1")
                        .bind(account.key())
                        .fetch_optional(tx.connection())
                        .await?
                        .map(|row| row.try_get::<i64, _>("balance_m2"))
                        .transpose()?
                        .unwrap_or(0);
                // The deduction settles the advance (二(四): repaid from plan quota), so that a
                // later issue or scan does not charge it again.
                let deducted = amount.min(available).max(0);
                if deducted > 0 {
                    let operation = Operation::Deduct {
                        county: county.clone(),
                        year: *year,
                        amount_m2: deducted,
                        project: Some(sanction.project.clone()),
                    };
                    let meta = self.meta(
                        actor,
                        &format!("sanction:{}", sanction.key),
                        "未按时归还预支指标（二(四)）",
                        as_of,
                    );
                    let entry = tx.post_ledger(&operation, &meta, &self.profile).await?;
                    crate::jurisdiction::require_entry(
                        tx.connection(),
                        actor,
                        self.province(),
                        &entry,
                    )
                    .await?;
                }
                let remainder = amount - deducted;
                if remainder > 0 {
                    self.open_obligation(
                        tx,
                        sanction,
                        "annual_plan_deduction_outstanding",
                        remainder,
                        as_of,
                    )
                    .await?;
                }
                let project = &sanction.project;
                (
                    format!(
                        "扣减 {year} 年度计划指标 {deducted} m²（结清项目 {project} 的预支），尚欠 {remainder} m²"
                    ),
                    format!(
                        "deducted {deducted} m² from the {year} annual plan (settling the advance of project {project}); {remainder} m² still to deduct"
                    ),
                )
            }
            SanctionKind::FarmlandBalanceObligation => {
                self.open_obligation(tx, sanction, "farmland_balance", amount, as_of)
                    .await?;
                (
                    format!("履行占补平衡义务 {amount} m²"),
                    format!("farmland balance obligation of {amount} m²"),
                )
            }
            SanctionKind::TaxesAndFeesObligation => {
                self.open_obligation(tx, sanction, "taxes_and_fees", amount, as_of)
                    .await?;
                (
                    format!("补齐 {amount} m² 相关税费"),
                    format!("taxes and fees owed for {amount} m²"),
                )
            }
            SanctionKind::CompletionOverdue => (
                format!(
                    "预支指标项目 {} 未在期限内实施完成（申请验收），{} 起逾期，不得延期",
                    sanction.project, sanction.overdue_since
                ),
                format!(
                    "project {} took an advance and did not apply for acceptance in time: overdue since {}; no extension",
                    sanction.project, sanction.overdue_since
                ),
            ),
        })
    }

    async fn open_obligation(
        &self,
        tx: &mut guagou_store::WriteTx,
        sanction: &Sanction,
        kind: &str,
        amount: i64,
        as_of: NaiveDate,
    ) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO obligations (key, county, project, kind, amount_m2, opened_on) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(format!("{}:{kind}", sanction.key))
            .bind(sanction.county.as_str())
            .bind(&sanction.project)
            .bind(kind)
            .bind(amount)
            .bind(as_of.format("%Y-%m-%d").to_string())
            .execute(tx.connection())
            .await?;
        Ok(())
    }

    /// The whole journal, page by page.
    pub(crate) async fn all_entries(
        &self,
    ) -> Result<Vec<guagou_domain::ledger::Entry>, RegistryError> {
        let mut out = Vec::new();
        loop {
            let after = out
                .last()
                .map(|e: &guagou_domain::ledger::Entry| e.seq)
                .unwrap_or(0);
            let page = self.store.entries_page(after, 10_000).await?;
            if page.is_empty() {
                return Ok(out);
            }
            out.extend(page);
        }
    }

    /// Lifts a county's advance suspension: a recorded city decision.
    pub(crate) async fn lift_suspension(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        reason: &str,
    ) -> Result<(), RegistryError> {
        actor.require_level(Level::City)?;
        actor.require_jurisdiction(county)?;
        if reason.trim().is_empty() {
            return Err(RegistryError::invalid(
                "reason",
                "解除暂停须说明理由",
                "lifting a suspension needs a reason",
            ));
        }
        let mut tx = self.store.begin_write().await?;
        tx.set_advance_suspended(county, false).await?;
        self.audit(
            &mut tx,
            actor,
            "suspension.lift",
            county.as_str(),
            reason,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sanctions on record, newest first.
    pub(crate) async fn sanctions(&self) -> Result<Vec<serde_json::Value>, RegistryError> {
        let rows = sqlx::query("SELECT key, project, county, rule, kind, amount_m2, overdue_since, applied_on, clause, detail FROM sanctions ORDER BY applied_on DESC, key")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "key": r.try_get::<String, _>("key")?,
                    "project": r.try_get::<String, _>("project")?,
                    "county": r.try_get::<String, _>("county")?,
                    "rule": r.try_get::<String, _>("rule")?,
                    "kind": serde_json::from_str::<serde_json::Value>(&r.try_get::<String, _>("kind")?).unwrap_or_default(),
                    "amount_m2": r.try_get::<i64, _>("amount_m2")?,
                    "overdue_since": r.try_get::<String, _>("overdue_since")?,
                    "applied_on": r.try_get::<String, _>("applied_on")?,
                    "clause": r.try_get::<String, _>("clause")?,
                    "detail": r.try_get::<String, _>("detail")?,
                }))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// Open obligations (farmland balance, taxes and fees, deductions still owed).
    pub(crate) async fn obligations(&self) -> Result<Vec<serde_json::Value>, RegistryError> {
        let rows = sqlx::query("SELECT key, county, project, kind, amount_m2, opened_on, closed_on FROM obligations ORDER BY opened_on, key")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "key": r.try_get::<String, _>("key")?,
                    "county": r.try_get::<String, _>("county")?,
                    "project": r.try_get::<String, _>("project")?,
                    "kind": r.try_get::<String, _>("kind")?,
                    "amount_m2": r.try_get::<i64, _>("amount_m2")?,
                    "opened_on": r.try_get::<String, _>("opened_on")?,
                    "closed_on": r.try_get::<Option<String>, _>("closed_on")?,
                }))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(RegistryError::from)
    }
}
