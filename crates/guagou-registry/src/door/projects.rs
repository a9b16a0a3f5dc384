//! Projects through the door: the principal's projects, one project with its versions,
//! packages and acceptance, uploads, and the lifecycle steps.

use std::path::Path;

use chrono::{Duration, NaiveDate, SecondsFormat};
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::engine::ProjectLedger;
use guagou_domain::lifecycle::{Level, ProjectAction, ProjectState};
use guagou_domain::ranking::Ranked;
use serde::Serialize;

use super::Door;
use crate::accounts::random_hex;
use crate::error::RegistryError;
use crate::extensions::{Extension, ExtensionDecision};
use crate::packages::{PendingUpload, PreCheck, StoredPackage};
use crate::projects::{
    Acceptance, AcceptanceFigures, CityInvestment, Project, Version, VersionDiff,
};

/// How long a checked upload waits for its "save".
const PENDING_UPLOAD_HOURS: i64 = 24;

/// A project with its versions (each with its stored check results).
#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    pub project: Project,
    pub versions: Vec<Version>,
}

/// A project's advances as the ledger holds them.
#[derive(Debug, Clone)]
pub struct AdvancePosition {
    pub ledger: ProjectLedger,
    /// Advanced and not yet repaid (m²).
    pub owed_m2: i64,
    pub county_suspended: bool,
}

fn not_found(code: &str) -> RegistryError {
    RegistryError::NotFound {
        what: "项目/project",
        id: code.to_owned(),
    }
}

impl Door<'_> {
    /// The projects this principal reads (optionally in one state), by code.
    pub async fn projects(
        &self,
        state: Option<ProjectState>,
    ) -> Result<Vec<Project>, RegistryError> {
        // Only the principal's part of the division tree is read (the county's own code, a
        // city's counties, the province's); `reads` still decides each row.
        let scope = if self.actor.department.reads_everything() {
            String::new()
        } else {
            self.actor.division.descendant_prefix().to_owned()
        };
        Ok(self
            .registry
            .projects(&scope, state)
            .await?
            .into_iter()
            .filter(|p| self.readable(&p.county, "项目/project", &p.code).is_ok())
            .collect())
    }

    /// Project `code` if this principal reads it; not found otherwise (also when `code` is
    /// no project code at all: a typed code, never free text, reaches the query).
    pub async fn project(&self, code: &str) -> Result<Project, RegistryError> {
        let Ok(code) = guagou_domain::ProjectCode::parse(code) else {
            return Err(not_found(code));
        };
        if !self.actor.reads(code.county()) {
            return Err(not_found(code.as_str()));
        }
        let code = code.as_str();
        match self.registry.project(code).await {
            Ok(project) => {
                self.readable(&project.county, "项目/project", code)?;
                Ok(project)
            }
            Err(RegistryError::NotFound { .. }) => Err(not_found(code)),
            Err(e) => Err(e),
        }
    }

    /// A project with its versions.
    pub async fn project_detail(&self, code: &str) -> Result<ProjectDetail, RegistryError> {
        let project = self.project(code).await?;
        let versions = self.registry.versions(&project.code).await?;
        Ok(ProjectDetail { project, versions })
    }

    /// The versions of a project.
    pub async fn versions(&self, code: &str) -> Result<Vec<Version>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.versions(&project.code).await
    }

    /// What changed between two versions of a project.
    pub async fn diff_versions(
        &self,
        code: &str,
        from: i64,
        to: i64,
    ) -> Result<VersionDiff, RegistryError> {
        let project = self.project(code).await?;
        self.registry.diff_versions(&project.code, from, to).await
    }

    /// The acceptance application of a project, if it has one.
    pub async fn acceptance(&self, code: &str) -> Result<Option<Acceptance>, RegistryError> {
        let project = self.project(code).await?;
        match self.registry.acceptance(&project.code).await {
            Ok(acceptance) => Ok(Some(acceptance)),
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// For a project whose acceptance awaits the city's decision: RECLAIMED_IS_FARMLAND and
    /// the 新增耕地 comparison on the county's updated layer, as the acceptance will judge them
    /// (`None` in any other state, or without such a layer).
    pub async fn reclaimed_on_layer(
        &self,
        code: &str,
        as_of: NaiveDate,
    ) -> Result<Option<crate::base_layers::ReclaimedOnLayer>, RegistryError> {
        let project = self.project(code).await?;
        if project.state != ProjectState::AcceptanceApplied {
            return Ok(None);
        }
        self.registry.reclaimed_on_layer(&project, as_of).await
    }

    /// The ledger's record of an approved project (planned surplus, advanced, issued).
    pub async fn project_ledger(&self, code: &str) -> Result<Option<ProjectLedger>, RegistryError> {
        let project = self.project(code).await?;
        Ok(self.registry.store.ledger_project(&project.code).await?)
    }

    /// Where a readable project stands with its advances: the ledger's record, what is still
    /// owed on the advance account, and whether its county's advance right is suspended.
    pub async fn advance_position(
        &self,
        code: &str,
    ) -> Result<Option<AdvancePosition>, RegistryError> {
        let project = self.project(code).await?;
        let Some(ledger) = self.registry.store.ledger_project(&project.code).await? else {
            return Ok(None);
        };
        let owed_m2 = -self
            .registry
            .store
            .balance(&guagou_domain::ledger::Account::Advance {
                project: project.code.clone(),
            })
            .await?;
        let county_suspended = self
            .registry
            .store
            .advance_suspended(&ledger.county)
            .await?;
        Ok(Some(AdvancePosition {
            ledger,
            owed_m2,
            county_suspended,
        }))
    }

    /// The parcels of a project version as GeoJSON features.
    pub async fn parcel_features(
        &self,
        code: &str,
        version: i64,
    ) -> Result<serde_json::Value, RegistryError> {
        let project = self.project(code).await?;
        self.registry.parcel_features(&project.code, version).await
    }

    /// The stored packages of a project's versions (without their bytes).
    pub async fn stored_packages(&self, code: &str) -> Result<Vec<StoredPackage>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.stored_packages(&project.code).await
    }

    /// The stored package of one version, with its bytes.
    pub async fn stored_package(
        &self,
        code: &str,
        version: i64,
    ) -> Result<StoredPackage, RegistryError> {
        let project = self.project(code).await?;
        self.registry.stored_package(&project.code, version).await
    }

    /// The gating rules a submission of the project would meet now.
    pub async fn submission_rules(&self, code: &str) -> Result<Vec<RuleResult>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.submission_rules(&project).await
    }

    /// The ranking of pooled projects of the principal's city (the whole province for the
    /// province and audit), each with its place in the whole ranking; projects the principal
    /// may not read are left out.
    pub async fn rank_pooled(
        &self,
        as_of: NaiveDate,
    ) -> Result<Vec<(Ranked, Project)>, RegistryError> {
        let scope = if self.actor.department.reads_everything() {
            String::new()
        } else {
            match self.actor.level {
                Level::Province => self.actor.division.descendant_prefix().to_owned(),
                Level::City | Level::County => self.actor.division.city_prefix().to_owned(),
            }
        };
        let mut rows = Vec::new();
        for ranked in self.registry.rank_pooled(&scope, as_of).await? {
            if let Ok(project) = self.project(&ranked.parts.code).await {
                rows.push((ranked, project));
            }
        }
        Ok(rows)
    }

    // -----------------------------------------------------------------------------------------
    // Uploads and registration (county land bureau)

    fn require_uploader(&self) -> Result<(), RegistryError> {
        self.actor.require_land()?;
        self.actor.require_level(Level::County)
    }

    /// Whether this principal may upload a new version of `project` (for showing the link).
    pub fn may_upload_version(&self, project: &Project) -> bool {
        self.require_uploader().is_ok()
            && self
                .readable(&project.county, "项目/project", &project.code)
                .is_ok()
            && !matches!(
                project.state,
                ProjectState::Accepted
                    | ProjectState::Closed
                    | ProjectState::Withdrawn
                    | ProjectState::Terminated
            )
    }

    /// Pre-checks a package zip as registration (`new_version_of` None) or a new version of
    /// a project would, saving nothing.
    pub async fn precheck_zip(
        &self,
        zip_name: &str,
        zip: &[u8],
        new_version_of: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<PreCheck, RegistryError> {
        self.require_uploader()?;
        if let Some(code) = new_version_of {
            self.project(code).await?;
        }
        self.registry
            .precheck_zip(&self.actor, zip_name, zip, new_version_of, as_of)
            .await
    }

    /// Keeps a checked upload for a day for this principal alone; returns its token.
    pub async fn keep_upload(
        &self,
        project: Option<&str>,
        file_name: &str,
        zip: Vec<u8>,
    ) -> Result<String, RegistryError> {
        self.require_uploader()?;
        if let Some(code) = project {
            self.project(code).await?;
        }
        let now = self.registry.now_utc();
        let token = random_hex(32)?;
        self.registry
            .keep_upload(&PendingUpload {
                token: token.clone(),
                owner: self.actor.to_string(),
                project: project.map(str::to_owned),
                file_name: file_name.to_owned(),
                created_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
                expires_at: (now + Duration::hours(PENDING_UPLOAD_HOURS))
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                zip,
            })
            .await?;
        Ok(token)
    }

    /// This principal's pending upload `token` for `project` (None: a new project); anyone
    /// else's, or an expired one, is refused.
    pub async fn pending_upload(
        &self,
        token: &str,
        project: Option<&str>,
    ) -> Result<PendingUpload, RegistryError> {
        let now = self
            .registry
            .now_utc()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        self.registry
            .pending_upload(token, &self.actor.to_string(), project, &now)
            .await
            .map_err(|e| match e {
                RegistryError::NotFound { .. } => RegistryError::invalid(
                    "token",
                    "这次上传已过期或不存在（上传后 24 小时内须保存），请重新上传",
                    "this upload expired or does not exist (save within 24 hours of uploading); upload it again",
                ),
                other => other,
            })
    }

    /// Saves this principal's checked upload as a new project.
    pub async fn save_upload_as_project(
        &self,
        token: &str,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        let pending = self.pending_upload(token, None).await?;
        let (project, _, _) = self
            .registry
            .register_project_from_zip(&self.actor, &pending.file_name, &pending.zip, as_of, reason)
            .await?;
        self.registry.discard_upload(token).await?;
        Ok(project)
    }

    /// Saves this principal's checked upload as a new version of `code`.
    pub async fn save_upload_as_version(
        &self,
        code: &str,
        token: &str,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Version, RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        let project = self.project(code).await?;
        let pending = self.pending_upload(token, Some(&project.code)).await?;
        let (version, _, _) = self
            .registry
            .add_version_from_zip(
                &self.actor,
                &project.code,
                &pending.file_name,
                &pending.zip,
                as_of,
                reason,
            )
            .await?;
        self.registry.discard_upload(token).await?;
        Ok(version)
    }

    /// Registers a project from a package zip (checked and saved in one step).
    pub async fn register_project_from_zip(
        &self,
        zip_name: &str,
        zip: &[u8],
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Project, Vec<RuleResult>, StoredPackage), RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        self.registry
            .register_project_from_zip(&self.actor, zip_name, zip, as_of, reason)
            .await
    }

    /// Adds a version to a project from a package zip (checked and saved in one step).
    pub async fn add_version_from_zip(
        &self,
        code: &str,
        zip_name: &str,
        zip: &[u8],
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Version, Vec<RuleResult>, StoredPackage), RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .add_version_from_zip(&self.actor, &project.code, zip_name, zip, as_of, reason)
            .await
    }

    /// Registers a project from a package folder (the command line).
    pub async fn register_project(
        &self,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Project, Vec<RuleResult>), RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        self.registry
            .register_project(&self.actor, dir, as_of, reason)
            .await
    }

    /// Adds a version to a project from a package folder (the command line).
    pub async fn add_version(
        &self,
        code: &str,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Version, Vec<RuleResult>), RegistryError> {
        self.require_uploader()?;
        self.not_after_today(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .add_version(&self.actor, &project.code, dir, as_of, reason)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Lifecycle steps

    /// The lifecycle actions this principal could take on a project in `state` (department,
    /// level and state; jurisdiction and the gating rules are checked when one is taken).
    pub fn available_actions(&self, state: ProjectState) -> Vec<ProjectAction> {
        if self.actor.require_land().is_err() {
            return Vec::new();
        }
        PROJECT_ACTIONS
            .iter()
            .copied()
            .filter(|action| state.next(*action, self.actor.level, &[]).is_ok())
            .collect()
    }

    /// Moves a project through its lifecycle.
    pub async fn project_action(
        &self,
        code: &str,
        action: ProjectAction,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        self.land_write(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .project_action(&self.actor, &project.code, action, as_of, reason)
            .await
    }

    /// Applies for acceptance (county), alone or with a change version.
    pub async fn apply_acceptance(
        &self,
        code: &str,
        figures: AcceptanceFigures,
        change_version: Option<i64>,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        self.land_write(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .apply_acceptance(
                &self.actor,
                &project.code,
                figures,
                change_version,
                as_of,
                reason,
            )
            .await
    }

    /// Records a city investment (city land bureau, before approval).
    pub async fn set_city_investment(
        &self,
        code: &str,
        investment: &CityInvestment,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        self.actor.require_land()?;
        let project = self.project(code).await?;
        self.registry
            .set_city_investment(&self.actor, &project.code, investment, reason)
            .await
    }

    /// Asks for an extension of the completion deadline to `until` (county land bureau): refused
    /// with COMPLETION_DEADLINE for a project that took an advance; otherwise recorded for the
    /// city's decision.
    pub async fn request_extension(
        &self,
        code: &str,
        until: NaiveDate,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Extension, RegistryError> {
        self.land_write(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .request_extension(&self.actor, &project.code, until, as_of, reason)
            .await
    }

    /// The city land bureau's decision on extension request `seq` of a project.
    pub async fn decide_extension(
        &self,
        code: &str,
        seq: i64,
        decision: ExtensionDecision,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Extension, RegistryError> {
        self.land_write(as_of)?;
        let project = self.project(code).await?;
        self.registry
            .decide_extension(&self.actor, &project.code, seq, decision, as_of, reason)
            .await
    }

    /// The extension requests of a project this principal may read, oldest first.
    pub async fn extensions(&self, code: &str) -> Result<Vec<Extension>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.extensions(&project.code).await
    }
}

/// The lifecycle actions taken by name (acceptance application carries figures and has its
/// own step).
const PROJECT_ACTIONS: &[ProjectAction] = &[
    ProjectAction::Submit,
    ProjectAction::Pool,
    ProjectAction::Forward,
    ProjectAction::Approve,
    ProjectAction::Start,
    ProjectAction::Accept,
    ProjectAction::Close,
    ProjectAction::Return,
    ProjectAction::Withdraw,
    ProjectAction::Terminate,
];
