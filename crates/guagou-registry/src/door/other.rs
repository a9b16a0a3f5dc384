//! The rest of the registry through the door: funds, supervision, public notices (staff side
//! and the public's), special plans, divisions, base layers, reports and the audit log.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use guagou_domain::check::RuleResult;
use guagou_domain::funds::{FundAccount, FundsEntry};
use guagou_domain::lifecycle::{Level, PlanAction};
use guagou_domain::profile::GuidePrice;
use guagou_domain::report::{Report, ReportQuery};
use guagou_domain::supervision::Allocation;
use guagou_domain::{Department, DivisionCode};
use guagou_store::{AuditEntry, StoreError};

use super::{Door, PublicDoor};
use crate::base_layers::BaseLayer;
use crate::divisions::Division;
use crate::error::RegistryError;
use crate::funds::{
    FundsBalance, FundsCheck, FundsEntrySummary, FundsFailure, FundsHistoryLine, FundsRequest,
    NewCompensation, NewInvestment, NewSpending,
};
use crate::guide_prices::{GuidePriceRow, NewGuidePrice};
use crate::inspections::{
    DecidedAllocation, Inspection, NewInspection, NewNotice, Notice, OverdueRectification,
};
use crate::notice::{Notice as PublicNotice, NoticeError, NoticeInput, Objection, ObjectionInput};
use crate::plans::{AuditFilter, Plan};

/// The state of the audit chain as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditChain {
    Ok {
        records: u64,
        head_hash: String,
    },
    Broken {
        seq: u64,
        problem_zh: String,
        problem_en: String,
    },
}

fn reads_text(door: &Door<'_>, code: &str) -> bool {
    DivisionCode::parse(code).is_ok_and(|c| door.actor.reads(&c))
}

impl Door<'_> {
    // -----------------------------------------------------------------------------------------
    // Funds (finance records money; every principal reads its jurisdiction's accounts)

    fn require_finance(&self, effective: NaiveDate) -> Result<(), FundsFailure> {
        self.actor.require_department(&Department::Finance)?;
        self.not_after_today(effective)?;
        Ok(())
    }

    /// Whether this principal records money (for showing the forms).
    pub fn records_funds(&self) -> bool {
        self.actor.require_department(&Department::Finance).is_ok()
    }

    /// Whether this principal may run the funds verifier: audit, the city and the province.
    pub fn may_verify_funds(&self) -> bool {
        self.actor.department.reads_everything() || self.actor.level != Level::County
    }

    /// The fund balances of this principal's jurisdiction.
    pub async fn funds_balances(&self) -> Result<Vec<FundsBalance>, RegistryError> {
        Ok(self
            .registry
            .funds_balances()
            .await?
            .into_iter()
            .filter(|b| reads_text(self, &b.county))
            .collect())
    }

    /// The history of a readable fund account.
    pub async fn funds_account_history(
        &self,
        account: &FundAccount,
    ) -> Result<Vec<FundsHistoryLine>, RegistryError> {
        if !self.actor.reads(account.county()) {
            return Err(RegistryError::NotFound {
                what: "资金账户/fund account",
                id: account.key(),
            });
        }
        self.registry.funds_account_history(account).await
    }

    /// Whether this principal reads a fund account.
    pub fn reads_fund_account(&self, account: &FundAccount) -> bool {
        self.actor.reads(account.county())
    }

    /// The newest funds entries of this principal's jurisdiction.
    pub async fn funds_entries(&self, limit: u32) -> Result<Vec<FundsEntrySummary>, RegistryError> {
        Ok(self
            .registry
            .funds_entries(limit)
            .await?
            .into_iter()
            .filter(|e| reads_text(self, &e.county))
            .collect())
    }

    /// One readable funds entry.
    pub async fn funds_entry(&self, seq: u64) -> Result<FundsEntry, RegistryError> {
        let entry = self.registry.funds_entry(seq).await?;
        match entry.operation.county() {
            Some(county) if self.actor.reads(county) => Ok(entry),
            _ => Err(RegistryError::NotFound {
                what: "资金条目/funds entry",
                id: seq.to_string(),
            }),
        }
    }

    /// Rebuilds the funds journal and compares it with the stored rows (audit, city, province).
    pub async fn verify_funds(&self) -> Result<FundsCheck, RegistryError> {
        if !self.may_verify_funds() {
            return Err(RegistryError::Forbidden {
                actor: self.actor.to_string(),
                what: "资金台账校验 / funds verification".into(),
            });
        }
        self.registry.verify_funds().await
    }

    pub async fn record_investment(
        &self,
        investment: &NewInvestment,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        self.require_finance(request.effective)?;
        self.registry
            .record_investment(&self.actor, investment, request)
            .await
    }

    pub async fn record_spending(
        &self,
        spending: &NewSpending,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        self.require_finance(request.effective)?;
        self.registry
            .record_spending(&self.actor, spending, request)
            .await
    }

    pub async fn record_compensation(
        &self,
        compensation: &NewCompensation,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        self.require_finance(request.effective)?;
        self.registry
            .record_compensation(&self.actor, compensation, request)
            .await
    }

    pub async fn reverse_funds(
        &self,
        seq: u64,
        request: &FundsRequest,
    ) -> Result<FundsEntry, FundsFailure> {
        self.require_finance(request.effective)?;
        self.registry.reverse_funds(&self.actor, seq, request).await
    }

    // -----------------------------------------------------------------------------------------
    // Supervision (the land bureau; counties read and rectify their own)

    /// Inspections of this principal's jurisdiction, newest first.
    pub async fn inspections(&self) -> Result<Vec<Inspection>, RegistryError> {
        Ok(self
            .registry
            .inspections("")
            .await?
            .into_iter()
            .filter(|i| reads_text(self, &i.county))
            .collect())
    }

    /// One readable inspection.
    pub async fn inspection(&self, id: &str) -> Result<Inspection, RegistryError> {
        let inspection = self.registry.inspection(id).await?;
        self.readable(&inspection.county, "检查/inspection", id)?;
        Ok(inspection)
    }

    /// Records an inspection of a county or project of this principal's jurisdiction.
    pub async fn record_inspection(
        &self,
        new: &NewInspection,
        reason: &str,
    ) -> Result<Inspection, RegistryError> {
        self.land_write(new.inspected_on)?;
        if let Some(code) = &new.project {
            self.project(code).await?;
        }
        if let Some(county) = &new.county
            && !self.actor.reads(county)
        {
            return Err(RegistryError::NotFound {
                what: "县/county",
                id: county.to_string(),
            });
        }
        self.registry
            .record_inspection(&self.actor, new, reason)
            .await
    }

    /// Records the county's rectification of a finding.
    pub async fn rectify_finding(
        &self,
        inspection_id: &str,
        seq: i64,
        rectification: &str,
        rectified_on: NaiveDate,
    ) -> Result<Inspection, RegistryError> {
        self.land_write(rectified_on)?;
        self.inspection(inspection_id).await?;
        self.registry
            .rectify_finding(&self.actor, inspection_id, seq, rectification, rectified_on)
            .await
    }

    /// Closes a rectified finding (the city or province).
    pub async fn close_finding(
        &self,
        inspection_id: &str,
        seq: i64,
        note: &str,
        closed_on: NaiveDate,
    ) -> Result<Inspection, RegistryError> {
        self.land_write(closed_on)?;
        self.inspection(inspection_id).await?;
        self.registry
            .close_finding(&self.actor, inspection_id, seq, note, closed_on)
            .await
    }

    /// Rectifications overdue on `today` in this principal's jurisdiction.
    pub async fn overdue_rectifications(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<OverdueRectification>, RegistryError> {
        Ok(self
            .registry
            .overdue_rectifications(today)
            .await?
            .into_iter()
            .filter(|o| reads_text(self, &o.county))
            .collect())
    }

    /// Criticisms and commendations of this principal's jurisdiction, newest first.
    pub async fn supervision_notices(&self) -> Result<Vec<Notice>, RegistryError> {
        Ok(self
            .registry
            .notices("")
            .await?
            .into_iter()
            .filter(|n| reads_text(self, &n.county))
            .collect())
    }

    /// One readable criticism or commendation.
    pub async fn supervision_notice(&self, id: &str) -> Result<Notice, RegistryError> {
        let notice = self.registry.notice(id).await?;
        self.readable(&notice.county, "通报/notice", id)?;
        Ok(notice)
    }

    /// Records a criticism or commendation (the city) of a county of its jurisdiction.
    pub async fn record_supervision_notice(
        &self,
        new: &NewNotice,
    ) -> Result<Notice, RegistryError> {
        self.land_write(new.decided_on)?;
        if !self.actor.reads(&new.county) {
            return Err(RegistryError::NotFound {
                what: "县/county",
                id: new.county.to_string(),
            });
        }
        self.registry.record_notice(&self.actor, new).await
    }

    /// Lifts a criticism (the city).
    pub async fn lift_criticism(
        &self,
        id: &str,
        lifted_on: NaiveDate,
        reason: &str,
    ) -> Result<Notice, RegistryError> {
        self.land_write(lifted_on)?;
        let notice = self.supervision_notice(id).await?;
        self.registry
            .lift_criticism(&self.actor, &notice.id, lifted_on, reason)
            .await
    }

    /// The allocation of `year`'s linkage plan as computed now, with the rows this principal
    /// reads and how many rows it may not see.
    pub async fn compute_allocation(
        &self,
        year: i32,
        total_m2: i64,
    ) -> Result<(Allocation, usize), RegistryError> {
        let computed = self.registry.compute_allocation(year, total_m2).await?;
        Ok(self.visible_allocation(computed))
    }

    fn visible_allocation(&self, mut allocation: Allocation) -> (Allocation, usize) {
        let before = allocation.rows.len();
        allocation.rows.retain(|r| reads_text(self, &r.county));
        let hidden = before - allocation.rows.len();
        (allocation, hidden)
    }

    /// The decided allocation of `year`, with the rows this principal reads.
    pub async fn decided_allocation(
        &self,
        year: i32,
    ) -> Result<Option<DecidedAllocation>, RegistryError> {
        Ok(self
            .registry
            .decided_allocation(year)
            .await?
            .map(|mut decided| {
                decided.calculation = self.visible_allocation(decided.calculation).0;
                decided
            }))
    }

    /// Records the allocation of a year as decided (the city).
    pub async fn decide_allocation(
        &self,
        year: i32,
        total_m2: i64,
        decided_on: NaiveDate,
        reason: &str,
    ) -> Result<DecidedAllocation, RegistryError> {
        self.land_write(decided_on)?;
        self.registry
            .decide_allocation(&self.actor, year, total_m2, decided_on, reason)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Public notices, the staff side (the county land bureau publishes and answers)

    /// Whether this principal publishes notices and answers objections for `county`.
    pub fn writes_notices_of(&self, county: &str) -> bool {
        self.actor.require_land().is_ok()
            && self.actor.level == Level::County
            && reads_text(self, county)
    }

    /// Today by the registry's clock, for notice periods.
    pub fn notice_today(&self) -> Result<NaiveDate, NoticeError> {
        self.registry.notice_today()
    }

    /// The current notice of a readable project, if one was published.
    pub async fn project_notice(&self, code: &str) -> Result<Option<PublicNotice>, NoticeError> {
        let project = self.project(code).await?;
        self.registry.public_notice(&project.code).await
    }

    /// The objections filed against a readable project's notices.
    pub async fn notice_objections(&self, code: &str) -> Result<Vec<Objection>, NoticeError> {
        let project = self.project(code).await?;
        self.registry.notice_objections(&project.code).await
    }

    /// The objections not yet answered on notices of counties whose notices this principal
    /// keeps (`writes_notices_of`): what its staff must answer.
    pub async fn objections_to_answer(&self) -> Result<Vec<Objection>, NoticeError> {
        let mut out = Vec::new();
        for objection in self.registry.unanswered_objections().await? {
            // The project's county decides; a project this principal cannot read is skipped.
            if let Ok(project) = self.project(&objection.code).await
                && self.writes_notices_of(&project.county)
            {
                out.push(objection);
            }
        }
        Ok(out)
    }

    /// The hash of the latest audit record: every write adds a record, so a view computed
    /// under one head is still true while the head stands (and no other registry has it).
    pub async fn audit_head_hash(&self) -> Result<String, RegistryError> {
        Ok(self.registry.store.audit_head_hash().await?)
    }

    /// One objection to a notice of a readable project.
    pub async fn notice_objection(&self, receipt: &str) -> Result<Objection, NoticeError> {
        let objection = self.registry.notice_objection(receipt).await?;
        self.project(&objection.code).await?;
        Ok(objection)
    }

    /// Publishes the public notice of a project.
    pub async fn publish_notice(
        &self,
        code: &str,
        input: &NoticeInput,
    ) -> Result<PublicNotice, NoticeError> {
        self.actor.require_land()?;
        self.not_after_today(self.notice_today()?)?;
        let project = self.project(code).await?;
        self.registry
            .publish_notice(&self.actor, &project.code, input)
            .await
    }

    /// Answers an objection.
    pub async fn answer_objection(
        &self,
        receipt: &str,
        text: &str,
        answered_on: NaiveDate,
    ) -> Result<Objection, NoticeError> {
        self.land_write(answered_on)?;
        self.notice_objection(receipt).await?;
        self.registry
            .answer_objection(&self.actor, receipt, text, answered_on)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Special plans

    /// The special plans of this principal's jurisdiction.
    pub async fn plans(&self) -> Result<Vec<Plan>, RegistryError> {
        Ok(self
            .registry
            .plans(self.scope_prefix())
            .await?
            .into_iter()
            .filter(|p| reads_text(self, &p.county))
            .collect())
    }

    /// The special plans of one county, if this principal reads it (none otherwise).
    pub async fn plans_of(&self, county: &str) -> Result<Vec<Plan>, RegistryError> {
        if !reads_text(self, county) {
            return Ok(Vec::new());
        }
        Ok(self
            .registry
            .plans(county)
            .await?
            .into_iter()
            .filter(|p| p.county == county)
            .collect())
    }

    /// One readable special plan.
    pub async fn plan(&self, id: &str) -> Result<Plan, RegistryError> {
        let plan = self.registry.plan(id).await?;
        self.readable(&plan.county, "专项规划/special plan", id)?;
        Ok(plan)
    }

    /// The rules a plan meets now (PLAN_CONSULTED, PLAN_COVERS_POOR_VILLAGES).
    pub async fn plan_rules(&self, plan: &Plan) -> Result<Vec<RuleResult>, RegistryError> {
        self.plan(&plan.id).await?;
        self.registry.plan_rules(plan).await
    }

    /// The consultation department this principal speaks for, if it is one of the profile's.
    pub fn consultation_department(&self) -> Option<String> {
        match &self.actor.department {
            Department::Reviewer(name) => self
                .registry
                .profile
                .consultation
                .departments
                .value
                .iter()
                .find(|d| *d == name)
                .cloned(),
            _ => None,
        }
    }

    /// Drafts a special plan (county land bureau).
    pub async fn create_plan(
        &self,
        county: &DivisionCode,
        title: &str,
        period: (i64, i64),
        scope: &[DivisionCode],
        as_of: NaiveDate,
    ) -> Result<Plan, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .create_plan(&self.actor, county, title, period, scope, as_of)
            .await
    }

    /// Records this principal's department's consultation opinion on a plan.
    pub async fn add_opinion(
        &self,
        plan_id: &str,
        opinion: &str,
        as_of: NaiveDate,
    ) -> Result<Plan, RegistryError> {
        self.actor.require_writer()?;
        self.not_after_today(as_of)?;
        let department = self.consultation_department().ok_or_else(|| {
            RegistryError::Forbidden {
                actor: self.actor.to_string(),
                what: "征求意见（仅征求意见部门）/ a consultation opinion (consultation departments only)"
                    .into(),
            }
        })?;
        let plan = self.plan(plan_id).await?;
        self.registry
            .add_opinion(&self.actor, &plan.id, &department, opinion, as_of)
            .await
    }

    /// Takes a step of a plan's lifecycle.
    pub async fn plan_action(
        &self,
        plan_id: &str,
        action: PlanAction,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Plan, RegistryError> {
        self.land_write(as_of)?;
        let plan = self.plan(plan_id).await?;
        self.registry
            .plan_action(&self.actor, &plan.id, action, as_of, reason)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // The provincial guide price table (public policy data; the city records later prices)

    /// The guide prices in date order: the profile's and those recorded, each with its sources.
    pub async fn guide_prices(&self) -> Result<Vec<GuidePriceRow>, RegistryError> {
        self.registry.guide_price_table().await
    }

    /// The guide price in force on `date` (the profile's and the recorded ones), if any.
    pub async fn guide_price_on(
        &self,
        date: NaiveDate,
    ) -> Result<Option<GuidePrice>, RegistryError> {
        Ok(self
            .guide_prices()
            .await?
            .into_iter()
            .rev()
            .map(|row| row.price)
            .find(|p| p.from <= date))
    }

    /// Whether this principal records guide prices (the city's or the province's land bureau),
    /// for showing the form.
    pub fn records_guide_prices(&self) -> bool {
        self.actor.require_land().is_ok() && self.actor.level != Level::County
    }

    /// Records a guide price from its date, with its sources (city or province land bureau).
    pub async fn add_guide_price(
        &self,
        new: &NewGuidePrice,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<GuidePriceRow, RegistryError> {
        self.land_write(as_of)?;
        self.registry
            .add_guide_price(&self.actor, new, as_of, reason)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Divisions and base layers (reference data every principal reads)

    pub async fn division(&self, code: &str) -> Result<Division, RegistryError> {
        self.registry.division(code).await
    }

    pub async fn divisions_under(&self, prefix: &str) -> Result<Vec<Division>, RegistryError> {
        self.registry.divisions_under(prefix).await
    }

    pub async fn division_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, RegistryError> {
        self.registry.division_names().await
    }

    pub async fn boundary(&self, code: &str) -> Result<Option<serde_json::Value>, RegistryError> {
        self.registry.boundary(code).await
    }

    pub async fn divisions_with_boundary(
        &self,
        prefix: &str,
    ) -> Result<BTreeSet<String>, RegistryError> {
        self.registry.divisions_with_boundary(prefix).await
    }

    /// Whether this principal maintains divisions (the city and province land bureaus).
    pub fn maintains_divisions(&self) -> bool {
        self.actor.require_land().is_ok() && self.actor.level != Level::County
    }

    /// Imports divisions (city or province land bureau).
    pub async fn import_divisions(
        &self,
        source: &str,
        divisions: &[Division],
        reason: &str,
    ) -> Result<usize, RegistryError> {
        self.actor.require_land()?;
        self.registry
            .import_divisions(&self.actor, source, divisions, reason)
            .await
    }

    /// Seeds Dazhou and its counties with their poverty designations (the command line).
    pub async fn seed_dazhou(&self) -> Result<usize, RegistryError> {
        self.actor.require_land()?;
        self.registry.seed_dazhou(&self.actor).await
    }

    /// Imports divisions from a CSV file (the command line).
    pub async fn import_divisions_file(&self, path: &Path) -> Result<usize, RegistryError> {
        self.actor.require_land()?;
        self.registry.import_divisions_file(&self.actor, path).await
    }

    /// Imports division boundaries from a file (the command line).
    pub async fn import_boundaries(
        &self,
        path: &Path,
        code_field: Option<&str>,
        options: &guagou_geo::formats::ReadOptions,
    ) -> Result<(usize, Vec<guagou_geo::Warning>), RegistryError> {
        self.actor.require_land()?;
        self.registry
            .import_boundaries(&self.actor, path, code_field, options)
            .await
    }

    /// The stored land-use layers (one county, or all): what was imported, when, its hash —
    /// reference data like the divisions.
    pub async fn base_layers(&self, county: Option<&str>) -> Result<Vec<BaseLayer>, RegistryError> {
        self.registry.base_layers(county).await
    }

    /// Imports a county's land-use layer (the command line).
    pub async fn import_landuse(
        &self,
        request: &crate::base_layers::LandUseImport,
        progress: &mut dyn FnMut(guagou_base::import::Progress),
    ) -> Result<BaseLayer, RegistryError> {
        self.actor.require_land()?;
        self.registry
            .import_landuse(&self.actor, request, progress)
            .await
    }

    /// Imports a county's protection layer (永久基本农田, 生态保护红线, 城镇开发边界; the
    /// command line), stored and recorded as a land-use layer is.
    pub async fn import_protection(
        &self,
        kind: guagou_domain::protection::ProtectionKind,
        request: &crate::base_layers::LayerImport,
        progress: &mut dyn FnMut(guagou_base::import::Progress),
    ) -> Result<BaseLayer, RegistryError> {
        self.actor.require_land()?;
        self.registry
            .import_protection(&self.actor, kind, request, progress)
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Departments' reviews of a project and audit findings (三(一))

    /// The review topics of the profile this principal's department reviews (lead or taking
    /// part); none for audit and a read-only principal.
    pub fn my_review_topics(&self) -> Vec<&guagou_domain::review::ReviewTopic> {
        if self.actor.require_writer().is_err() {
            return Vec::new();
        }
        let reviewers = &self.registry.profile.consultation.departments.value;
        self.registry
            .profile
            .project_reviews
            .iter()
            .filter(|t| t.reviewed_by(&self.actor.department, reviewers))
            .collect()
    }

    /// Records this principal's department's review of a readable project.
    pub async fn record_project_review(
        &self,
        code: &str,
        new: &crate::reviews::NewReview,
    ) -> Result<crate::reviews::ProjectReview, RegistryError> {
        self.actor.require_writer()?;
        self.not_after_today(new.reviewed_on)?;
        let project = self.project(code).await?;
        self.registry
            .record_project_review(&self.actor, &project.code, new)
            .await
    }

    /// The departments' reviews of a readable project.
    pub async fn project_reviews(
        &self,
        code: &str,
    ) -> Result<Vec<crate::reviews::ProjectReview>, RegistryError> {
        let project = self.project(code).await?;
        self.registry.project_reviews(&project.code).await
    }

    /// Whether this principal records audit findings (the audit bureau, SPEC §1).
    pub fn records_audit_findings(&self) -> bool {
        self.actor.department == Department::Audit
    }

    /// Records an audit finding (the audit bureau only: the one thing audit writes).
    pub async fn record_audit_finding(
        &self,
        new: &crate::reviews::NewFinding,
    ) -> Result<crate::reviews::AuditFinding, RegistryError> {
        if !self.records_audit_findings() {
            return Err(RegistryError::Department {
                actor: self.actor.to_string(),
                department: self.actor.department.clone(),
                required: Department::Audit,
            });
        }
        self.not_after_today(new.found_on)?;
        if let Some(code) = &new.project {
            self.project(code).await?;
        }
        self.registry.record_audit_finding(&self.actor, new).await
    }

    /// The audit findings of this principal's jurisdiction (of one project when `project` is
    /// given), newest first.
    pub async fn audit_findings(
        &self,
        project: Option<&str>,
    ) -> Result<Vec<crate::reviews::AuditFinding>, RegistryError> {
        Ok(self
            .registry
            .audit_findings()
            .await?
            .into_iter()
            .filter(|f| reads_text(self, &f.county))
            .filter(|f| project.is_none_or(|code| f.project.as_deref() == Some(code)))
            .collect())
    }

    // -----------------------------------------------------------------------------------------
    // Reports and the audit log

    /// The report of `query` with only the divisions this principal reads; a county filter
    /// outside the jurisdiction is not found.
    pub async fn report(&self, query: &ReportQuery) -> Result<Report, RegistryError> {
        if let Some(county) = &query.county
            && !reads_text(self, county)
        {
            return Err(RegistryError::NotFound {
                what: "县/county",
                id: county.clone(),
            });
        }
        let visible = |division: &str| reads_text(self, division);
        self.registry.report(query, &visible).await
    }

    /// The state of the audit chain.
    pub async fn audit_chain(&self) -> Result<AuditChain, RegistryError> {
        match self.registry.store.verify_audit().await {
            Ok(report) => Ok(AuditChain::Ok {
                records: report.records,
                head_hash: report.head_hash,
            }),
            Err(StoreError::AuditBroken {
                seq,
                problem_zh,
                problem_en,
            }) => Ok(AuditChain::Broken {
                seq,
                problem_zh,
                problem_en,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Up to `limit` audit records this principal reads, newest first, with `seq < before`,
    /// matching `filter`; and the `before` of the next page.
    pub async fn audit_log(
        &self,
        before: Option<u64>,
        limit: u32,
        filter: &AuditFilter,
    ) -> Result<(Vec<AuditEntry>, Option<u64>), RegistryError> {
        self.registry
            .audit_for(&self.actor, before, limit, filter)
            .await
    }

    /// One audit record this principal reads.
    pub async fn audit_record(&self, seq: u64) -> Result<AuditEntry, RegistryError> {
        self.registry.audit_record_for(&self.actor, seq).await
    }
}

impl PublicDoor<'_> {
    /// The head of the quota journal (sequence number and hash): what an auditor compares a
    /// checkpoint with.
    pub async fn journal_head(&self) -> Result<(u64, String), RegistryError> {
        Ok(self.registry.store.head().await?)
    }

    /// Today by the registry's clock, for notice periods.
    pub fn notice_today(&self) -> Result<NaiveDate, NoticeError> {
        self.registry.notice_today()
    }

    /// Every published notice (the villagers' index).
    pub async fn public_notices(&self) -> Result<Vec<PublicNotice>, NoticeError> {
        self.registry.public_notices().await
    }

    /// The published notice of a project, if any.
    pub async fn public_notice(&self, code: &str) -> Result<Option<PublicNotice>, NoticeError> {
        self.registry.public_notice(code).await
    }

    /// The objections filed against a project's published notices (the public page shows the
    /// answered ones, names masked).
    pub async fn objections(&self, code: &str) -> Result<Vec<Objection>, NoticeError> {
        if self.registry.public_notice(code).await?.is_none() {
            return Ok(Vec::new());
        }
        self.registry.notice_objections(code).await
    }

    /// An objection looked up by its receipt (the filer's own proof).
    pub async fn objection(&self, receipt: &str) -> Result<Objection, NoticeError> {
        self.registry.notice_objection(receipt).await
    }

    /// Files a villager's objection to a published notice.
    pub async fn file_objection(
        &self,
        code: &str,
        input: &ObjectionInput,
        client_key: &str,
        nonces: &[String],
    ) -> Result<Objection, NoticeError> {
        self.registry
            .file_objection(code, input, client_key, nonces)
            .await
    }

    /// The profile in force (public policy data).
    pub fn profile(&self) -> &guagou_domain::Profile {
        &self.registry.profile
    }

    /// A division's boundary as GeoJSON (public reference data).
    pub async fn boundary(&self, code: &str) -> Result<Option<serde_json::Value>, RegistryError> {
        self.registry.boundary(code).await
    }

    /// A division's name (public reference data).
    pub async fn division(&self, code: &str) -> Result<Division, RegistryError> {
        self.registry.division(code).await
    }
}
