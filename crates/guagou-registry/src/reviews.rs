//! Departments' reviews of a project and the audit bureau's findings (三(一), SPEC §1): records
//! on the project page and the county's, each written with its audit record in one transaction.
//! Who may record what is `guagou_domain::review` (the profile's topics) and the door (the
//! department); the project's county must be inside the actor's jurisdiction.

use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::review::{self as rules, Conclusion, Refusal};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::projects::{code_of, load_project};
use crate::{Actor, Registry};

/// A department's review of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectReview {
    pub code: String,
    pub seq: i64,
    pub topic: String,
    pub department: String,
    pub conclusion: Conclusion,
    pub text: String,
    pub reviewed_on: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What a department records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub topic: String,
    pub conclusion: Conclusion,
    pub text: String,
    pub reviewed_on: NaiveDate,
}

/// An audit finding (审计发现) on a county's money or one of its projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFinding {
    pub id: String,
    pub county: String,
    pub project: Option<String>,
    pub text: String,
    pub found_on: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What the audit bureau records: about a county, or a project (whose county it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub county: Option<DivisionCode>,
    pub project: Option<String>,
    pub text: String,
    pub found_on: NaiveDate,
}

impl From<Refusal> for RegistryError {
    fn from(r: Refusal) -> Self {
        RegistryError::invalid(r.field, r.zh, r.en)
    }
}

fn review_from(row: &AnyRow) -> Result<ProjectReview, RegistryError> {
    let conclusion: String = row.try_get("conclusion")?;
    Ok(ProjectReview {
        code: row.try_get("code")?,
        seq: row.try_get("seq")?,
        topic: row.try_get("topic")?,
        department: row.try_get("department")?,
        conclusion: Conclusion::parse(&conclusion).ok_or_else(|| {
            RegistryError::invalid(
                "project_reviews.conclusion",
                format!("未知结论 {conclusion}"),
                format!("unknown conclusion {conclusion}"),
            )
        })?,
        text: row.try_get("text")?,
        reviewed_on: row.try_get("reviewed_on")?,
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn finding_from(row: &AnyRow) -> Result<AuditFinding, RegistryError> {
    Ok(AuditFinding {
        id: row.try_get("id")?,
        county: row.try_get("county")?,
        project: row.try_get("project")?,
        text: row.try_get("text")?,
        found_on: row.try_get("found_on")?,
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

async fn load_reviews(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Vec<ProjectReview>, RegistryError> {
    sqlx::query(
        "SELECT code, seq, topic, department, conclusion, text, reviewed_on, recorded_by, recorded_at \
         FROM project_reviews WHERE code = $1 ORDER BY seq",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(review_from)
    .collect()
}

const FINDING_COLUMNS: &str = "id, county, project, text, found_on, recorded_by, recorded_at";

impl Registry {
    /// Records `actor`'s department's review of project `code` on one of its topics.
    pub(crate) async fn record_project_review(
        &self,
        actor: &Actor,
        code: &str,
        new: &NewReview,
    ) -> Result<ProjectReview, RegistryError> {
        let reviewers = &self.profile.consultation.departments.value;
        let topics = &self.profile.project_reviews;
        if !topics.iter().any(|t| t.code == new.topic) {
            rules::topic_for(topics, &new.topic, &actor.department, reviewers)?;
        }
        let topic =
            rules::topic_for(topics, &new.topic, &actor.department, reviewers).map_err(|r| {
                RegistryError::Forbidden {
                    actor: actor.to_string(),
                    what: r.zh,
                }
            })?;
        let text = rules::check_text("text", &new.text)?;
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        actor.require_jurisdiction(&code_of(&project.county)?)?;
        let seq: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM project_reviews WHERE code = $1",
        )
        .bind(code)
        .fetch_one(tx.connection())
        .await?
        .try_get("n")?;
        let recorded_at = self.clock.now_rfc3339();
        sqlx::query(
            "INSERT INTO project_reviews (code, seq, topic, department, conclusion, text, reviewed_on, recorded_by, recorded_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(code)
        .bind(seq)
        .bind(&topic.code)
        .bind(actor.department.as_str())
        .bind(new.conclusion.as_str())
        .bind(&text)
        .bind(new.reviewed_on.to_string())
        .bind(actor.to_string())
        .bind(&recorded_at)
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "seq": seq,
            "topic": topic.code,
            "department": actor.department.as_str(),
            "conclusion": new.conclusion.as_str(),
            "text": text,
            "reviewed_on": new.reviewed_on.to_string(),
            "clause": topic.clause,
        });
        self.audit(
            &mut tx,
            actor,
            "project.review",
            code,
            &format!("{}：{}", topic.name_zh, new.conclusion.name_zh()),
            payload,
        )
        .await?;
        let review = load_reviews(tx.connection(), code)
            .await?
            .into_iter()
            .find(|r| r.seq == seq)
            .ok_or_else(|| RegistryError::Internal("the review just written".to_owned()))?;
        tx.commit().await?;
        Ok(review)
    }

    /// The reviews of a project, oldest first.
    pub(crate) async fn project_reviews(
        &self,
        code: &str,
    ) -> Result<Vec<ProjectReview>, RegistryError> {
        let mut conn = self.store.pool().acquire().await?;
        load_reviews(&mut conn, code).await
    }

    /// Records an audit finding of `actor` (the audit bureau) about a county or a project.
    pub(crate) async fn record_audit_finding(
        &self,
        actor: &Actor,
        new: &NewFinding,
    ) -> Result<AuditFinding, RegistryError> {
        let text = rules::check_text("text", &new.text)?;
        let mut tx = self.store.begin_write().await?;
        let (county, project) = match (&new.project, &new.county) {
            (Some(code), _) => {
                let project = load_project(tx.connection(), code).await?;
                (code_of(&project.county)?, Some(project.code))
            }
            (None, Some(county)) => (county.clone(), None),
            (None, None) => {
                return Err(RegistryError::invalid(
                    "county",
                    "须指明所涉县或项目",
                    "name the county or the project the finding concerns",
                ));
            }
        };
        if let (Some(asked), Some(_)) = (&new.county, &new.project)
            && asked != &county
        {
            return Err(RegistryError::invalid(
                "county",
                format!("项目属于 {county}，不是 {asked}"),
                format!("the project belongs to {county}, not {asked}"),
            ));
        }
        actor.require_jurisdiction(&county)?;
        let year = new.found_on.format("%Y").to_string();
        let prefix = format!("SJ-{county}-{year}-");
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_findings WHERE county = $1 AND found_on LIKE $2",
        )
        .bind(county.as_str())
        .bind(format!("{year}-%"))
        .fetch_one(tx.connection())
        .await?
        .try_get("n")?;
        let id = format!("{prefix}{:03}", count + 1);
        let recorded_at = self.clock.now_rfc3339();
        sqlx::query(&format!(
            "INSERT INTO audit_findings ({FINDING_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7)"
        ))
        .bind(&id)
        .bind(county.as_str())
        .bind(project.clone())
        .bind(&text)
        .bind(new.found_on.to_string())
        .bind(actor.to_string())
        .bind(&recorded_at)
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "county": county.as_str(),
            "project": project,
            "text": text,
            "found_on": new.found_on.to_string(),
        });
        self.audit(&mut tx, actor, "audit.finding", &id, "审计发现", payload)
            .await?;
        tx.commit().await?;
        Ok(AuditFinding {
            id,
            county: county.to_string(),
            project,
            text,
            found_on: new.found_on.to_string(),
            recorded_by: actor.to_string(),
            recorded_at,
        })
    }

    /// Every audit finding, newest first (the door filters by county).
    pub(crate) async fn audit_findings(&self) -> Result<Vec<AuditFinding>, RegistryError> {
        sqlx::query(&format!(
            "SELECT {FINDING_COLUMNS} FROM audit_findings ORDER BY found_on DESC, id DESC"
        ))
        .fetch_all(self.store.pool())
        .await?
        .iter()
        .map(finding_from)
        .collect()
    }
}
