//! Projects, their versions, acceptances and stored packages against their audited steps, and
//! the ledger's project facts (`ledger_projects`) against the registrations and the journal.
//!
//! The audit log's `project.*` records are replayed per project: `register` (version 1 and
//! its planned surplus), `version` (a `revision` becomes current at once and sets the planned
//! surplus; a `change` waits for acceptance), `city_investment`, `apply_acceptance` (figures
//! and change version), `transition` (from, to, as-of; the issue's ledger entry at
//! acceptance) and `package` (SHA-256 and size). What the replay ends with is what the rows
//! must hold. `ledger_projects` is registered at approval from the project as it stood then,
//! so its planned surplus, county and city share are those of the replay at that record; its
//! advanced and issued figures are rebuilt from the journal's advance, issue and reverse
//! entries, and its next serial from the lots.

use std::collections::BTreeMap;

use guagou_domain::Profile;
use guagou_domain::ledger::Operation;
use guagou_domain::ledger::engine::advance_limit_m2;
use guagou_domain::lifecycle::{ProjectAction, ProjectState};
use guagou_store::AnyConnection;
use sqlx::Row;

use super::{AuditRec, Check, Findings, Source, ledger_entry_by_seq, show};
use crate::RegistryError;

/// Rows of `project_versions` read per page (their summaries can be large).
const VERSION_PAGE: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Figures {
    reclaimed_m2: i64,
    resettlement_m2: i64,
    reclaimed_farmland_m2: i64,
    resettlement_farmland_m2: i64,
}

#[derive(Debug, Clone)]
struct AcceptanceReplay {
    seq: u64,
    figures: Figures,
    change_version: Option<i64>,
    /// (decision, decided_on)
    decision: Option<(String, String)>,
}

/// What the project looked like when the province approved it (what `ledger_projects` got).
#[derive(Debug, Clone)]
struct Approval {
    seq: u64,
    surplus_version: i64,
    city_share_percent: i64,
}

#[derive(Debug, Clone, Default)]
struct ProjectReplay {
    register_seq: u64,
    /// The registering county (a county user registers its own county's projects).
    county: String,
    /// The planned surplus of version 1, as audited.
    v1_surplus: i64,
    state: Option<ProjectState>,
    current_version: i64,
    /// The version whose summary gives the planned surplus (the last that became current
    /// before approval: 1 or a revision).
    surplus_version: i64,
    /// version → (kind, blocking, audit seq)
    versions: BTreeMap<i64, (String, i64, u64)>,
    submitted_on: Option<String>,
    approved_on: Option<String>,
    accepted_on: Option<String>,
    /// (funding source, city share %, construction-zone plan)
    investment: Option<(String, i64, String)>,
    approval: Option<Approval>,
    acceptance: Option<AcceptanceReplay>,
    /// (ledger seq, confirmed m², audit seq) of the issue at acceptance.
    issue: Option<(i64, i64, u64)>,
    /// version → (sha256, size, audit seq)
    packages: BTreeMap<i64, (String, i64, u64)>,
    /// Records that do not follow from the ones before (seq, zh, en).
    trail: Vec<(u64, String, String)>,
}

/// The `project.*` records, per project code.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    projects: BTreeMap<String, ProjectReplay>,
}

fn figures(value: &serde_json::Value) -> Figures {
    let get = |f: &str| {
        value
            .get(f)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    Figures {
        reclaimed_m2: get("reclaimed_m2"),
        resettlement_m2: get("resettlement_m2"),
        reclaimed_farmland_m2: get("reclaimed_farmland_m2"),
        resettlement_farmland_m2: get("resettlement_farmland_m2"),
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: Option<&serde_json::Value>) -> Option<T> {
    value.and_then(|v| serde_json::from_value(v.clone()).ok())
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        let p = self.projects.entry(rec.subject.clone()).or_default();
        match rec.action.as_str() {
            "project.register" => {
                p.register_seq = rec.seq;
                p.county = rec.division();
                p.v1_surplus = rec.int("planned_surplus_m2").unwrap_or(0);
                p.state = Some(ProjectState::Draft);
                p.current_version = 1;
                p.surplus_version = 1;
                let blocking = rec.int("blocking").unwrap_or(0);
                p.versions
                    .insert(1, ("initial".to_owned(), blocking, rec.seq));
            }
            "project.version" => {
                let version = rec.int("version").unwrap_or(0);
                let kind = rec.text("kind");
                if kind == "revision" {
                    p.current_version = version;
                    p.surplus_version = version;
                }
                let blocking = rec.int("blocking").unwrap_or(0);
                p.versions.insert(version, (kind, blocking, rec.seq));
            }
            "project.city_investment" => {
                p.investment = Some((
                    rec.text("funding_source"),
                    rec.int("city_share_percent").unwrap_or(0),
                    rec.text("construction_zone_plan"),
                ));
            }
            "project.apply_acceptance" => {
                p.step(rec.seq, ProjectState::AcceptanceApplied, None);
                p.acceptance = Some(AcceptanceReplay {
                    seq: rec.seq,
                    figures: figures(
                        rec.payload
                            .get("figures")
                            .unwrap_or(&serde_json::Value::Null),
                    ),
                    change_version: rec.int("change_version"),
                    decision: None,
                });
            }
            "project.transition" => p.transition(rec),
            "project.package" => {
                p.packages.insert(
                    rec.int("version").unwrap_or(0),
                    (
                        rec.text("sha256"),
                        rec.int("size_bytes").unwrap_or(0),
                        rec.seq,
                    ),
                );
            }
            _ => {}
        }
    }

    pub(crate) async fn check(
        &self,
        conn: &mut AnyConnection,
        profile: &Profile,
    ) -> Result<Vec<Check>, RegistryError> {
        let versions = read_versions(conn).await?;
        let surplus = |code: &str, p: &ProjectReplay, version: i64| {
            if version == 1 {
                Some(p.v1_surplus)
            } else {
                versions
                    .get(&(code.to_owned(), version))
                    .map(|v| v.planned_surplus_m2)
            }
        };
        let mut checks = vec![
            self.check_projects(conn, &surplus).await?,
            self.check_versions(&versions),
            self.check_acceptances(conn).await?,
            self.check_ledger_projects(conn, profile, &surplus).await?,
        ];
        checks.push(self.check_packages(conn).await?);
        Ok(checks)
    }

    async fn check_projects(
        &self,
        conn: &mut AnyConnection,
        surplus: &dyn Fn(&str, &ProjectReplay, i64) -> Option<i64>,
    ) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT code, county, state, current_version, planned_surplus_m2, submitted_on, \
             approved_on, accepted_on, city_invested, funding_source, city_share_percent, \
             construction_zone_plan FROM projects ORDER BY code",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "projects";
        let mut seen = std::collections::BTreeSet::new();
        for r in &rows {
            f.row();
            let code: String = r.try_get("code")?;
            seen.insert(code.clone());
            let Some(p) = self.projects.get(&code).filter(|p| p.register_seq > 0) else {
                f.unrecorded(t, &code, "登记审计记录", "registration audit record");
                continue;
            };
            let src = Source::audit(p.register_seq);
            let trail = Source::text(
                format!("项目 {code} 的审计记录"),
                format!("the audit records of project {code}"),
            );
            f.same(
                t,
                &code,
                "county",
                &r.try_get::<String, _>("county")?,
                &p.county,
                &src,
            );
            let state: String = r.try_get("state")?;
            let expected = p.state.map(|s| s.to_string()).unwrap_or_default();
            f.same(t, &code, "state", &state, &expected, &trail);
            f.same(
                t,
                &code,
                "current_version",
                &r.try_get::<i64, _>("current_version")?,
                &p.current_version,
                &trail,
            );
            for (field, expected) in [
                ("submitted_on", &p.submitted_on),
                ("approved_on", &p.approved_on),
                ("accepted_on", &p.accepted_on),
            ] {
                f.same(
                    t,
                    &code,
                    field,
                    &r.try_get::<Option<String>, _>(field)?,
                    expected,
                    &trail,
                );
            }
            let (source, share, plan) = match &p.investment {
                Some((s, c, z)) => (Some(s.clone()), *c, Some(z.clone())),
                None => (None, 0, None),
            };
            f.same(
                t,
                &code,
                "city_invested",
                &(r.try_get::<i64, _>("city_invested")? != 0),
                &p.investment.is_some(),
                &trail,
            );
            f.same(
                t,
                &code,
                "funding_source",
                &r.try_get::<Option<String>, _>("funding_source")?,
                &source,
                &trail,
            );
            f.same(
                t,
                &code,
                "city_share_percent",
                &r.try_get::<i64, _>("city_share_percent")?,
                &share,
                &trail,
            );
            f.same(
                t,
                &code,
                "construction_zone_plan",
                &r.try_get::<Option<String>, _>("construction_zone_plan")?,
                &plan,
                &trail,
            );
            if let Some(expected) = surplus(&code, p, p.surplus_version) {
                let source = if p.surplus_version == 1 {
                    src.clone()
                } else {
                    Source::text(
                        format!("审计记录的第 {} 版（修订）", p.surplus_version),
                        format!("revision {} (audited)", p.surplus_version),
                    )
                };
                f.same(
                    t,
                    &code,
                    "planned_surplus_m2",
                    &r.try_get::<i64, _>("planned_surplus_m2")?,
                    &expected,
                    &source,
                );
            }
            for (seq, zh, en) in &p.trail {
                f.fail(
                    "rule_broken",
                    t,
                    &code,
                    Some("state"),
                    format!("审计记录 {seq}：{zh}"),
                    format!("audit record {seq}: {en}"),
                );
            }
        }
        for (code, p) in &self.projects {
            if p.register_seq > 0 && !seen.contains(code) {
                f.missing(t, code, &Source::audit(p.register_seq));
            }
        }
        Ok(f.into_check(
            "projects",
            "项目区（状态、日期、版本、节余、市级投资）对照审计记录",
            "projects (state, dates, version, surplus, city investment) against the audit log",
        ))
    }

    fn check_versions(&self, versions: &BTreeMap<(String, i64), StoredVersion>) -> Check {
        let mut f = Findings::new();
        let t = "project_versions";
        for ((code, version), v) in versions {
            f.row();
            let key = format!("code={code} version={version}");
            let Some((kind, blocking, seq)) = self
                .projects
                .get(code)
                .and_then(|p| p.versions.get(version))
            else {
                f.unrecorded(t, &key, "审计记录", "audit record");
                continue;
            };
            let src = Source::audit(*seq);
            f.same(t, &key, "kind", &v.kind, kind, &src);
            f.same(t, &key, "blocking", &v.blocking, blocking, &src);
            if *version == 1
                && let Some(p) = self.projects.get(code)
            {
                f.same(
                    t,
                    &key,
                    "summary_json.planned_surplus_m2",
                    &v.planned_surplus_m2,
                    &p.v1_surplus,
                    &src,
                );
            }
            let derived = (v.demolition_m2 - v.resettlement_m2).max(0);
            f.same(
                t,
                &key,
                "summary_json.planned_surplus_m2",
                &v.planned_surplus_m2,
                &derived,
                &Source::text(
                    "同一摘要的拆旧面积减安置面积",
                    "demolition minus resettlement of the same summary",
                ),
            );
        }
        for (code, p) in &self.projects {
            for (version, (_, _, seq)) in &p.versions {
                if !versions.contains_key(&(code.clone(), *version)) {
                    f.missing(
                        t,
                        &format!("code={code} version={version}"),
                        &Source::audit(*seq),
                    );
                }
            }
        }
        f.into_check(
            "project_versions",
            "实施方案版本对照审计记录",
            "implementation-plan versions against the audit log",
        )
    }

    async fn check_acceptances(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT code, change_version, reclaimed_m2, resettlement_m2, reclaimed_farmland_m2, \
             resettlement_farmland_m2, decided_on, decision FROM acceptances ORDER BY code",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "acceptances";
        let mut seen = std::collections::BTreeSet::new();
        for r in &rows {
            f.row();
            let code: String = r.try_get("code")?;
            seen.insert(code.clone());
            let Some(p) = self.projects.get(&code) else {
                f.unrecorded(t, &code, "验收申请审计记录", "acceptance audit record");
                continue;
            };
            let Some(a) = &p.acceptance else {
                f.unrecorded(t, &code, "验收申请审计记录", "acceptance audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            let stored = Figures {
                reclaimed_m2: r.try_get("reclaimed_m2")?,
                resettlement_m2: r.try_get("resettlement_m2")?,
                reclaimed_farmland_m2: r.try_get("reclaimed_farmland_m2")?,
                resettlement_farmland_m2: r.try_get("resettlement_farmland_m2")?,
            };
            for (field, s, e) in [
                ("reclaimed_m2", stored.reclaimed_m2, a.figures.reclaimed_m2),
                (
                    "resettlement_m2",
                    stored.resettlement_m2,
                    a.figures.resettlement_m2,
                ),
                (
                    "reclaimed_farmland_m2",
                    stored.reclaimed_farmland_m2,
                    a.figures.reclaimed_farmland_m2,
                ),
                (
                    "resettlement_farmland_m2",
                    stored.resettlement_farmland_m2,
                    a.figures.resettlement_farmland_m2,
                ),
            ] {
                f.same(t, &code, field, &s, &e, &src);
            }
            f.same(
                t,
                &code,
                "change_version",
                &r.try_get::<Option<i64>, _>("change_version")?,
                &a.change_version,
                &src,
            );
            let trail = Source::text(
                format!("项目 {code} 的验收审计记录"),
                format!("the acceptance audit records of project {code}"),
            );
            let (decision, decided_on) = match &a.decision {
                Some((d, on)) => (Some(d.clone()), Some(on.clone())),
                None => (None, None),
            };
            f.same(
                t,
                &code,
                "decision",
                &r.try_get::<Option<String>, _>("decision")?,
                &decision,
                &trail,
            );
            f.same(
                t,
                &code,
                "decided_on",
                &r.try_get::<Option<String>, _>("decided_on")?,
                &decided_on,
                &trail,
            );
            // The confirmed surplus the ledger issued is what these figures give.
            if let Some((ledger_seq, _, _)) = p.issue {
                let confirmed = stored.reclaimed_m2 - stored.resettlement_m2;
                match ledger_entry_by_seq(conn, ledger_seq).await? {
                    Some(entry) => match &entry.operation {
                        Operation::Issue {
                            project,
                            confirmed_m2,
                            reclaimed_farmland_m2,
                            resettlement_farmland_m2,
                        } if project == &code => {
                            let l = Source::ledger(entry.seq);
                            f.same(t, &code, "reclaimed_m2 - resettlement_m2", &confirmed, confirmed_m2, &l);
                            f.same(
                                t,
                                &code,
                                "reclaimed_farmland_m2",
                                &stored.reclaimed_farmland_m2,
                                reclaimed_farmland_m2,
                                &l,
                            );
                            f.same(
                                t,
                                &code,
                                "resettlement_farmland_m2",
                                &stored.resettlement_farmland_m2,
                                resettlement_farmland_m2,
                                &l,
                            );
                        }
                        other => f.fail(
                            "field_mismatch",
                            t,
                            &code,
                            None,
                            format!("台账条目 {ledger_seq} 不是项目 {code} 的核发：{}", show(other)),
                            format!("ledger entry {ledger_seq} is not the issue of project {code}: {}", show(other)),
                        ),
                    },
                    None => f.fail(
                        "row_missing",
                        t,
                        &code,
                        None,
                        format!("验收记录的核发台账条目 {ledger_seq} 不存在"),
                        format!("the issue's ledger entry {ledger_seq} recorded at acceptance does not exist"),
                    ),
                }
            }
        }
        for (code, p) in &self.projects {
            if let Some(a) = &p.acceptance
                && !seen.contains(code)
            {
                f.missing(t, code, &Source::audit(a.seq));
            }
        }
        Ok(f.into_check(
            "acceptances",
            "验收申请与决定对照审计记录和核发台账条目",
            "acceptance applications and decisions against the audit log and the issue entries",
        ))
    }

    async fn check_ledger_projects(
        &self,
        conn: &mut AnyConnection,
        profile: &Profile,
        surplus: &dyn Fn(&str, &ProjectReplay, i64) -> Option<i64>,
    ) -> Result<Check, RegistryError> {
        let journal = rebuild_project_ledger(conn).await?;
        let rows = sqlx::query(
            "SELECT code, county, city, city_share_percent, planned_surplus_m2, advanced_m2, \
             issued_m2, next_serial FROM ledger_projects ORDER BY code",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "ledger_projects";
        let mut seen = std::collections::BTreeSet::new();
        let city = profile.profile.city.as_str().to_owned();
        let share = profile.advance.max_share.value;
        for r in &rows {
            f.row();
            let code: String = r.try_get("code")?;
            seen.insert(code.clone());
            let Some((p, approval)) = self
                .projects
                .get(&code)
                .and_then(|p| p.approval.as_ref().map(|a| (p, a)))
            else {
                f.unrecorded(t, &code, "立项审计记录", "approval audit record");
                continue;
            };
            let src = Source::text(
                format!("立项时（审计记录 {}）的项目", approval.seq),
                format!(
                    "the project at its approval (audit record {})",
                    approval.seq
                ),
            );
            let planned: i64 = r.try_get("planned_surplus_m2")?;
            if let Some(expected) = surplus(&code, p, approval.surplus_version) {
                f.same(t, &code, "planned_surplus_m2", &planned, &expected, &src);
            }
            f.same(
                t,
                &code,
                "county",
                &r.try_get::<String, _>("county")?,
                &p.county,
                &Source::audit(p.register_seq),
            );
            f.same(
                t,
                &code,
                "city",
                &r.try_get::<String, _>("city")?,
                &city,
                &Source::text("规则配置", "the policy profile"),
            );
            f.same(
                t,
                &code,
                "city_share_percent",
                &r.try_get::<i64, _>("city_share_percent")?,
                &approval.city_share_percent,
                &src,
            );
            let rebuilt = journal.projects.get(&code).cloned().unwrap_or_default();
            let from_journal = Source::text("指标台账日志重算", "the quota journal, rebuilt");
            let advanced: i64 = r.try_get("advanced_m2")?;
            f.same(
                t,
                &code,
                "advanced_m2",
                &advanced,
                &rebuilt.advanced_m2,
                &from_journal,
            );
            f.same(
                t,
                &code,
                "issued_m2",
                &r.try_get::<Option<i64>, _>("issued_m2")?,
                &rebuilt.issued_m2,
                &from_journal,
            );
            let next = journal.last_serial.get(&code).map_or(1, |last| last + 1);
            f.same(
                t,
                &code,
                "next_serial",
                &r.try_get::<i64, _>("next_serial")?,
                &next,
                &Source::text("指标块的最大序号加一", "the largest lot serial plus one"),
            );
            let limit = advance_limit_m2(planned, share);
            if advanced > limit {
                f.fail(
                    "rule_broken",
                    t,
                    &code,
                    Some("advanced_m2"),
                    format!("已预支 {advanced} m² 超过规划节余 {planned} m² 的上限 {limit} m²"),
                    format!("{advanced} m² advanced exceed the limit of {limit} m² on a planned surplus of {planned} m²"),
                );
            }
        }
        for (code, p) in &self.projects {
            if let Some(a) = &p.approval
                && !seen.contains(code)
            {
                f.missing(t, code, &Source::audit(a.seq));
            }
        }
        Ok(f.into_check(
            "ledger_projects",
            "台账项目（规划节余、县、市级分成、预支、核发）对照立项记录与日志",
            "ledger projects (planned surplus, county, city share, advanced, issued) against the approvals and the journal",
        ))
    }

    async fn check_packages(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let keys = sqlx::query(
            "SELECT code, version, sha256, size_bytes FROM project_packages ORDER BY code, version",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "project_packages";
        let mut seen = std::collections::BTreeSet::new();
        for r in &keys {
            f.row();
            let code: String = r.try_get("code")?;
            let version: i64 = r.try_get("version")?;
            let sha: String = r.try_get("sha256")?;
            let size: i64 = r.try_get("size_bytes")?;
            let key = format!("code={code} version={version}");
            seen.insert((code.clone(), version));
            // One zip at a time: a province's packages do not fit in memory together.
            let zip: Vec<u8> =
                sqlx::query("SELECT zip FROM project_packages WHERE code = $1 AND version = $2")
                    .bind(&code)
                    .bind(version)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
            let bytes = Source::text("所存压缩包的内容", "the stored zip's bytes");
            f.same(
                t,
                &key,
                "sha256",
                &sha,
                &crate::packages::sha256_hex(&zip),
                &bytes,
            );
            f.same(
                t,
                &key,
                "size_bytes",
                &size,
                &i64::try_from(zip.len()).unwrap_or(i64::MAX),
                &bytes,
            );
            match self
                .projects
                .get(&code)
                .and_then(|p| p.packages.get(&version))
            {
                Some((a_sha, a_size, seq)) => {
                    let src = Source::audit(*seq);
                    f.same(t, &key, "sha256", &sha, a_sha, &src);
                    f.same(t, &key, "size_bytes", &size, a_size, &src);
                }
                None => f.unrecorded(t, &key, "审计记录", "audit record"),
            }
        }
        for (code, p) in &self.projects {
            for (version, (_, _, seq)) in &p.packages {
                if !seen.contains(&(code.clone(), *version)) {
                    f.missing(
                        t,
                        &format!("code={code} version={version}"),
                        &Source::audit(*seq),
                    );
                }
            }
        }
        Ok(f.into_check(
            "project_packages",
            "项目包（SHA-256）对照内容与审计记录",
            "project packages (SHA-256) against their bytes and the audit log",
        ))
    }
}

impl ProjectReplay {
    /// A lifecycle step to `to`; `from` when the record states it.
    fn step(&mut self, seq: u64, to: ProjectState, from: Option<ProjectState>) {
        let before = self.state;
        let expected_from = match to {
            ProjectState::AcceptanceApplied if from.is_none() => Some(ProjectState::Implementing),
            _ => from,
        };
        if expected_from.is_some() && before != expected_from {
            self.trail.push((
                seq,
                format!(
                    "自 {} 转入 {to}，但此前的记录使其处于 {}",
                    show(&expected_from),
                    show(&before)
                ),
                format!(
                    "moves from {} to {to}, but the records before leave it {}",
                    show(&expected_from),
                    show(&before)
                ),
            ));
        }
        self.state = Some(to);
    }

    fn transition(&mut self, rec: &AuditRec) {
        let action: Option<ProjectAction> = parse(rec.payload.get("action"));
        let from: Option<ProjectState> = parse(rec.payload.get("from"));
        let Some(to) = parse::<ProjectState>(rec.payload.get("to")) else {
            self.trail.push((
                rec.seq,
                "记录中没有目标状态".into(),
                "the record has no target state".into(),
            ));
            return;
        };
        self.step(rec.seq, to, from);
        let as_of = rec.opt_text("as_of");
        match action {
            Some(ProjectAction::Submit) => self.submitted_on = as_of,
            Some(ProjectAction::Approve) => {
                self.approved_on = as_of;
                self.approval = Some(Approval {
                    seq: rec.seq,
                    surplus_version: self.surplus_version,
                    city_share_percent: self.investment.as_ref().map_or(0, |i| i.1),
                });
            }
            Some(ProjectAction::Accept) => {
                self.accepted_on = as_of.clone();
                if let Some(a) = &mut self.acceptance {
                    a.decision = Some(("accepted".into(), as_of.unwrap_or_default()));
                    if let Some(version) = a.change_version {
                        self.current_version = version;
                    }
                }
                self.issue = Some((
                    rec.int("ledger_seq").unwrap_or(0),
                    rec.int("confirmed_m2").unwrap_or(0),
                    rec.seq,
                ));
            }
            Some(ProjectAction::Return) if from == Some(ProjectState::AcceptanceApplied) => {
                if let Some(a) = &mut self.acceptance {
                    a.decision = Some(("returned".into(), as_of.unwrap_or_default()));
                }
            }
            _ => {}
        }
    }
}

/// The numbers of one stored version.
#[derive(Debug, Clone, PartialEq)]
struct StoredVersion {
    kind: String,
    blocking: i64,
    planned_surplus_m2: i64,
    demolition_m2: i64,
    resettlement_m2: i64,
}

async fn read_versions(
    conn: &mut AnyConnection,
) -> Result<BTreeMap<(String, i64), StoredVersion>, RegistryError> {
    let mut out = BTreeMap::new();
    let (mut code, mut version) = (String::new(), 0i64);
    loop {
        let rows = sqlx::query(
            "SELECT code, version, kind, blocking, summary_json FROM project_versions \
             WHERE code > $1 OR (code = $1 AND version > $2) ORDER BY code, version LIMIT $3",
        )
        .bind(&code)
        .bind(version)
        .bind(VERSION_PAGE)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(out);
        }
        for r in &rows {
            code = r.try_get("code")?;
            version = r.try_get("version")?;
            let summary: serde_json::Value =
                serde_json::from_str(&r.try_get::<String, _>("summary_json")?)
                    .unwrap_or(serde_json::Value::Null);
            let number = |f: &str| {
                summary
                    .get(f)
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0)
            };
            out.insert(
                (code.clone(), version),
                StoredVersion {
                    kind: r.try_get("kind")?,
                    blocking: r.try_get("blocking")?,
                    planned_surplus_m2: number("planned_surplus_m2"),
                    demolition_m2: number("demolition_m2"),
                    resettlement_m2: number("resettlement_m2"),
                },
            );
        }
    }
}

#[derive(Debug, Clone, Default)]
struct RebuiltProject {
    advanced_m2: i64,
    issued_m2: Option<i64>,
}

#[derive(Debug, Default)]
struct Journal {
    projects: BTreeMap<String, RebuiltProject>,
    /// Largest serial of any lot of each project.
    last_serial: BTreeMap<String, i64>,
}

/// Advanced and issued per project from the journal's advance, issue and reverse entries (read
/// by the kind index), and the largest lot serial per project.
async fn rebuild_project_ledger(conn: &mut AnyConnection) -> Result<Journal, RegistryError> {
    let mut journal = Journal::default();
    // seq → the operation a reversal may undo
    let mut undoable: BTreeMap<u64, Operation> = BTreeMap::new();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, entry_json FROM ledger_entries WHERE kind IN ('advance', 'issue', 'reverse') \
             AND seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        for r in &rows {
            let Ok(entry) =
                serde_json::from_str::<guagou_domain::ledger::Entry>(&r.try_get::<String, _>(1)?)
            else {
                continue;
            };
            match &entry.operation {
                Operation::Advance { project, amount_m2 } => {
                    journal
                        .projects
                        .entry(project.clone())
                        .or_default()
                        .advanced_m2 += amount_m2;
                    undoable.insert(entry.seq, entry.operation.clone());
                }
                Operation::Issue {
                    project,
                    confirmed_m2,
                    ..
                } => {
                    journal
                        .projects
                        .entry(project.clone())
                        .or_default()
                        .issued_m2 = Some(*confirmed_m2);
                    undoable.insert(entry.seq, entry.operation.clone());
                }
                Operation::Reverse { seq } => match undoable.remove(seq) {
                    Some(Operation::Advance { project, amount_m2 }) => {
                        journal.projects.entry(project).or_default().advanced_m2 -= amount_m2;
                    }
                    Some(Operation::Issue { project, .. }) => {
                        journal.projects.entry(project).or_default().issued_m2 = None;
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    for r in
        sqlx::query("SELECT project, MAX(last_serial) AS last FROM ledger_lots GROUP BY project")
            .fetch_all(&mut *conn)
            .await?
    {
        journal.last_serial.insert(r.try_get(0)?, r.try_get(1)?);
    }
    Ok(journal)
}
