//! Loads the facts reports are computed from (`guagou_domain::report`): the whole journal, every
//! project with its current version's summary and, once accepted, its acceptance figures, and
//! the counties and the city by name. The aggregation itself is pure and lives in the domain;
//! the web page, the Excel file and `guagou report` all call [`Registry::report`], so they show
//! the same numbers.
//!
//! Nothing here writes, and nothing here decides who may read what: the caller passes which
//! divisions the reader may see.

use guagou_domain::lifecycle::ProjectState;
use guagou_domain::report::{
    AcceptedFigures, PlannedFigures, ProjectFact, Report, ReportFacts, ReportQuery, build,
};
use sqlx::Row;

use crate::Registry;
use crate::error::RegistryError;
use crate::projects::parse_day;

impl Registry {
    /// The report for `query`, with only the divisions `visible` accepts; a `query.county`
    /// that is neither registered nor mentioned by any number is not found.
    pub(crate) async fn report(
        &self,
        query: &ReportQuery,
        visible: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Report, RegistryError> {
        let facts = self.cached_report_facts().await?;
        let report = build(&facts, query, visible);
        // A county the register does not know, and that no number mentions, is a typo.
        if let Some(county) = &query.county {
            let known = facts.divisions.contains_key(county)
                || !report.by_year.is_empty()
                || !report.states.is_empty();
            if !known {
                return Err(RegistryError::NotFound {
                    what: "行政区/division",
                    id: county.clone(),
                });
            }
        }
        Ok(report)
    }

    /// The report facts, read again only when the ledger or the audit log has grown since
    /// the last report (every change to projects and divisions is audited). A province's
    /// journal takes seconds to read; concurrent report requests wait for one read.
    async fn cached_report_facts(&self) -> Result<std::sync::Arc<ReportFacts>, RegistryError> {
        let key = self.report_key().await?;
        let mut cache = self.report_cache.0.lock().await;
        if let Some((at, facts)) = cache.as_ref()
            && *at == key
        {
            return Ok(std::sync::Arc::clone(facts));
        }
        let facts = std::sync::Arc::new(self.report_facts().await?);
        *cache = Some((key, std::sync::Arc::clone(&facts)));
        Ok(facts)
    }

    /// Ledger head and audit head: what a change to anything a report counts moves.
    async fn report_key(&self) -> Result<ReportKey, RegistryError> {
        let (ledger, hash) = self.store.head().await?;
        let audit: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
            .fetch_one(self.store.pool())
            .await?
            .try_get(0)?;
        Ok((ledger, hash, audit))
    }

    /// Everything a report needs, loaded once.
    pub(crate) async fn report_facts(&self) -> Result<ReportFacts, RegistryError> {
        let divisions = self
            .division_names()
            .await?
            .into_iter()
            // The province is not a row of a city's report; its counties and cities are.
            .filter(|(code, _)| !code.ends_with("0000"))
            .collect();
        Ok(ReportFacts {
            entries: self.all_entries().await?,
            projects: self.report_project_facts().await?,
            divisions,
        })
    }

    /// Every project with its current version's figures and its acceptance figures (one query
    /// for projects and current versions, one for acceptances).
    async fn report_project_facts(&self) -> Result<Vec<ProjectFact>, RegistryError> {
        let rows = sqlx::query(
            "SELECT p.code, p.county, p.state, p.submitted_on, p.approved_on, p.accepted_on, \
             v.summary_json FROM projects p LEFT JOIN project_versions v \
             ON v.code = p.code AND v.version = p.current_version ORDER BY p.code",
        )
        .fetch_all(self.store.pool())
        .await?;
        let acceptances = sqlx::query(
            "SELECT code, reclaimed_m2, reclaimed_farmland_m2, resettlement_m2 FROM acceptances",
        )
        .fetch_all(self.store.pool())
        .await?;
        let mut accepted = std::collections::BTreeMap::new();
        for row in &acceptances {
            let code: String = row.try_get("code")?;
            accepted.insert(
                code,
                AcceptedFigures {
                    reclaimed_m2: row.try_get("reclaimed_m2")?,
                    reclaimed_farmland_m2: row.try_get("reclaimed_farmland_m2")?,
                    resettlement_m2: row.try_get("resettlement_m2")?,
                },
            );
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let code: String = row.try_get("code")?;
            let state_text: String = row.try_get("state")?;
            let state: ProjectState = serde_json::from_value(serde_json::Value::String(
                state_text.clone(),
            ))
            .map_err(|_| {
                RegistryError::invalid(
                    "projects.state",
                    format!("未知状态 {state_text}"),
                    format!("unknown state {state_text}"),
                )
            })?;
            let accepted_on = optional_day(row, "accepted_on")?;
            out.push(ProjectFact {
                county: row.try_get("county")?,
                state,
                submitted_on: optional_day(row, "submitted_on")?,
                approved_on: optional_day(row, "approved_on")?,
                planned: planned(row.try_get("summary_json")?)?,
                // Acceptance figures count once the city accepted the project.
                accepted: accepted_on.and_then(|_| accepted.get(&code).copied()),
                accepted_on,
                code,
            });
        }
        Ok(out)
    }
}

fn optional_day(
    row: &sqlx::any::AnyRow,
    field: &str,
) -> Result<Option<chrono::NaiveDate>, RegistryError> {
    row.try_get::<Option<String>, _>(field)?
        .filter(|text| !text.trim().is_empty())
        .map(|text| parse_day(field, &text))
        .transpose()
}

/// The planned figures of a stored version summary (zeros for a project without a version).
fn planned(summary_json: Option<String>) -> Result<PlannedFigures, RegistryError> {
    let Some(text) = summary_json else {
        return Ok(PlannedFigures::default());
    };
    let summary: crate::projects::VersionSummary = serde_json::from_str(&text)
        .map_err(|e| RegistryError::invalid("summary_json", e.to_string(), e.to_string()))?;
    Ok(PlannedFigures {
        demolition_m2: summary.demolition_m2,
        resettlement_m2: summary.resettlement_m2,
        surplus_m2: summary.planned_surplus_m2,
        households: summary.households,
        poor_households: summary.poor_households,
    })
}

/// Ledger head (seq, hash) and audit head seq.
type ReportKey = (u64, String, i64);

/// The last report's facts and the heads they were read at.
#[derive(Default)]
pub(crate) struct ReportCache(tokio::sync::Mutex<Option<(ReportKey, std::sync::Arc<ReportFacts>)>>);
