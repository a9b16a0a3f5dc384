//! The remaining decision tables against the audit log and the ledger: land supplies
//! (`land_supply.record` and the ledger `use` they retire), planning adjustments
//! (`adjustment.apply`), sanctions (`sanction.apply`) with the obligations and suspensions
//! they opened (and `suspension.lift`), special plans (`plan.create`, `plan.opinion`,
//! `plan.transition`) and web users (`user.create`: division and department decide rights).

use std::collections::{BTreeMap, BTreeSet};

use guagou_domain::ledger::engine::IssueSplit;
use guagou_domain::ledger::{Entry, Operation};
use guagou_store::AnyConnection;
use sqlx::Row;

use super::{AuditRec, Check, Findings, Source, ledger_entry_by_key, ledger_entry_by_seq, show};
use crate::RegistryError;

#[derive(Debug, Clone)]
struct Recorded {
    seq: u64,
    actor: String,
    reason: String,
    payload: serde_json::Value,
}

impl Recorded {
    fn of(rec: &AuditRec) -> Recorded {
        Recorded {
            seq: rec.seq,
            actor: rec.actor.clone(),
            reason: rec.reason.clone(),
            payload: rec.payload.clone(),
        }
    }

    fn text(&self, field: &str) -> String {
        match self.payload.get(field) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    fn int(&self, field: &str) -> i64 {
        self.payload
            .get(field)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    }

    /// The division of the record's actor (`name@division[/department]`).
    fn division(&self) -> String {
        self.actor
            .rsplit_once('@')
            .map(|(_, d)| d.split_once('/').map_or(d, |(code, _)| code).to_owned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default)]
struct PlanReplay {
    created: Option<Recorded>,
    state: Option<String>,
    approved_on: Option<String>,
    filed_on: Option<String>,
    /// department → (opinion, author, audit seq)
    opinions: BTreeMap<String, (String, String, u64)>,
}

/// An account as its audit records leave it (`user.create`, then `user.set`, `user.disable`,
/// `user.enable`): division and department decide rights, as does the administrator flag.
#[derive(Debug, Clone)]
struct UserReplay {
    division: String,
    department: String,
    is_admin: bool,
    disabled: bool,
    /// The audit record of the last change.
    seq: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Replay {
    supplies: BTreeMap<String, Recorded>,
    adjustments: BTreeMap<String, Recorded>,
    sanctions: BTreeMap<String, Recorded>,
    /// county → (suspended, audit seq of the last decision)
    suspended: BTreeMap<String, (bool, u64)>,
    plans: BTreeMap<String, PlanReplay>,
    /// name → the account as its audit records leave it
    users: BTreeMap<String, UserReplay>,
    /// (project, seq) → the department's review as recorded
    reviews: BTreeMap<(String, i64), (Recorded, String)>,
    /// finding id → the finding as recorded
    findings: BTreeMap<String, Recorded>,
    /// (project, seq) → the extension request and the city's decision as recorded
    extensions: BTreeMap<(String, i64), ExtensionReplay>,
}

#[derive(Debug, Clone, Default)]
struct ExtensionReplay {
    request: Option<Recorded>,
    decision: Option<Recorded>,
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        match rec.action.as_str() {
            "land_supply.record" => {
                self.supplies.insert(rec.subject.clone(), Recorded::of(rec));
            }
            "adjustment.apply" => {
                self.adjustments
                    .insert(rec.subject.clone(), Recorded::of(rec));
            }
            "project.review" => {
                let recorded = Recorded::of(rec);
                let seq = recorded.int("seq");
                self.reviews
                    .insert((rec.subject.clone(), seq), (recorded, rec.actor.clone()));
            }
            "audit.finding" => {
                self.findings.insert(rec.subject.clone(), Recorded::of(rec));
            }
            "project.extension_request" | "project.extension_decision" => {
                let recorded = Recorded::of(rec);
                let key = (rec.subject.clone(), recorded.int("seq"));
                let replay = self.extensions.entry(key).or_default();
                if rec.action == "project.extension_request" {
                    replay.request = Some(recorded);
                } else {
                    replay.decision = Some(recorded);
                }
            }
            "sanction.apply" => {
                let kind = rec
                    .payload
                    .get("kind")
                    .and_then(|k| k.get("kind"))
                    .and_then(serde_json::Value::as_str);
                if kind == Some("suspend_advances") {
                    self.suspended.insert(rec.text("county"), (true, rec.seq));
                }
                self.sanctions
                    .insert(rec.subject.clone(), Recorded::of(rec));
            }
            "suspension.lift" => {
                self.suspended.insert(rec.subject.clone(), (false, rec.seq));
            }
            "plan.create" => {
                let plan = self.plans.entry(rec.subject.clone()).or_default();
                plan.created = Some(Recorded::of(rec));
                plan.state = Some("draft".into());
            }
            "plan.opinion" => {
                let plan = self.plans.entry(rec.subject.clone()).or_default();
                plan.opinions.insert(
                    rec.text("department"),
                    (rec.text("opinion"), rec.actor.clone(), rec.seq),
                );
            }
            "plan.transition" => {
                let plan = self.plans.entry(rec.subject.clone()).or_default();
                let to = rec.text("to");
                match to.as_str() {
                    "approved" => plan.approved_on = rec.opt_text("as_of"),
                    "filed" => plan.filed_on = rec.opt_text("as_of"),
                    _ => {}
                }
                plan.state = Some(to);
            }
            "user.create" => {
                // Created by an administrator: the payload has the division and department.
                // Created by the operator: `name@division[/department]` in the payload (older
                // records: as the subject) and the department as the record's reason.
                if let (Some(division), Some(department)) =
                    (rec.opt_text("division"), rec.opt_text("department"))
                {
                    let is_admin = rec.payload.get("is_admin") == Some(&serde_json::json!(true));
                    self.users.insert(
                        rec.subject.clone(),
                        UserReplay {
                            division,
                            department,
                            is_admin,
                            disabled: false,
                            seq: rec.seq,
                        },
                    );
                    return;
                }
                let who = rec
                    .payload
                    .get("user")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(&rec.subject);
                if let Some((name, rest)) = who.rsplit_once('@') {
                    let division = rest.split_once('/').map_or(rest, |(d, _)| d);
                    self.users.insert(
                        name.to_owned(),
                        UserReplay {
                            division: division.to_owned(),
                            department: rec.reason.clone(),
                            is_admin: false,
                            disabled: false,
                            seq: rec.seq,
                        },
                    );
                }
            }
            "user.set" | "user.disable" | "user.enable" => {
                if let Some(user) = self.users.get_mut(&rec.subject) {
                    if let Some(division) = rec.opt_text("division") {
                        user.division = division;
                    }
                    if let Some(department) = rec.opt_text("department") {
                        user.department = department;
                    }
                    if let Some(flag) = rec.payload.get("is_admin").and_then(|v| v.as_bool()) {
                        user.is_admin = flag;
                    }
                    match rec.action.as_str() {
                        "user.disable" => user.disabled = true,
                        "user.enable" => user.disabled = false,
                        _ => {}
                    }
                    user.seq = rec.seq;
                }
            }
            _ => {}
        }
    }

    pub(crate) async fn check(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<Check>, RegistryError> {
        Ok(vec![
            self.check_supplies(conn).await?,
            self.check_adjustments(conn).await?,
            self.check_sanctions(conn).await?,
            self.check_plans(conn).await?,
            self.check_users(conn).await?,
            self.check_reviews(conn).await?,
            self.check_findings(conn).await?,
            self.check_extensions(conn).await?,
        ])
    }

    async fn check_extensions(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT code, seq, requested_on, requested_until, reason, requested_by, state, \
             decided_on, granted_until, decision_reason, decided_by \
             FROM completion_extensions ORDER BY code, seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "completion_extensions";
        let mut seen = BTreeSet::new();
        let opt = |r: &sqlx::any::AnyRow, field: &str| -> Result<String, sqlx::Error> {
            Ok(r.try_get::<Option<String>, _>(field)?.unwrap_or_default())
        };
        for r in &rows {
            f.row();
            let code: String = r.try_get("code")?;
            let seq: i64 = r.try_get("seq")?;
            let key = format!("code={code} seq={seq}");
            seen.insert((code.clone(), seq));
            let Some(request) = self
                .extensions
                .get(&(code, seq))
                .and_then(|e| e.request.as_ref().map(|q| (q, e.decision.as_ref())))
            else {
                f.unrecorded(t, &key, "延期申请审计记录", "extension request record");
                continue;
            };
            let (request, decision) = request;
            let src = Source::audit(request.seq);
            for (field, expected) in [
                ("requested_on", request.text("requested_on")),
                ("requested_until", request.text("requested_until")),
                ("reason", request.reason.clone()),
                ("requested_by", request.actor.clone()),
            ] {
                f.same(
                    t,
                    &key,
                    field,
                    &r.try_get::<String, _>(field)?,
                    &expected,
                    &src,
                );
            }
            let (state, decided) = match decision {
                Some(d) => (d.text("decision"), Some(d)),
                None => ("requested".to_owned(), None),
            };
            let src = Source::audit(decided.map_or(request.seq, |d| d.seq));
            f.same(
                t,
                &key,
                "state",
                &r.try_get::<String, _>("state")?,
                &state,
                &src,
            );
            for (field, expected) in [
                ("decided_on", decided.map(|d| d.text("decided_on"))),
                ("granted_until", decided.map(|d| d.text("granted_until"))),
                ("decision_reason", decided.map(|d| d.reason.clone())),
                ("decided_by", decided.map(|d| d.actor.clone())),
            ] {
                f.same(
                    t,
                    &key,
                    field,
                    &opt(r, field)?,
                    &expected.unwrap_or_default(),
                    &src,
                );
            }
        }
        for ((code, seq), replay) in &self.extensions {
            if let Some(request) = &replay.request
                && !seen.contains(&(code.clone(), *seq))
            {
                f.missing(
                    t,
                    &format!("code={code} seq={seq}"),
                    &Source::audit(request.seq),
                );
            }
        }
        Ok(f.into_check(
            "completion_extensions",
            "延期申请及决定对照审计记录",
            "completion extension requests and decisions against the audit log",
        ))
    }

    async fn check_supplies(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, county, zone, land_use, area_m2, backing, recorded_on, ledger_seq FROM land_supplies ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "land_supplies";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let county: String = r.try_get("county")?;
            let zone: String = r.try_get("zone")?;
            let land_use: String = r.try_get("land_use")?;
            let area: i64 = r.try_get("area_m2")?;
            let backing: String = r.try_get("backing")?;
            let recorded_on: String = r.try_get("recorded_on")?;
            let ledger_seq: Option<i64> = r.try_get("ledger_seq")?;
            let Some(a) = self.supplies.get(&id) else {
                f.unrecorded(t, &id, "供地审计记录", "land-supply audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            f.same(t, &id, "county", &county, &a.text("county"), &src);
            f.same(t, &id, "zone", &zone, &a.text("zone"), &src);
            f.same(t, &id, "land_use", &land_use, &a.text("land_use"), &src);
            f.same(t, &id, "area_m2", &area, &a.int("area_m2"), &src);
            f.same(t, &id, "backing", &backing, &a.text("backing"), &src);
            // A quota-backed supply retired its area in the ledger under the key supply:<id>.
            let entry = ledger_entry_by_key(conn, &format!("supply:{id}")).await?;
            f.same(
                t,
                &id,
                "ledger_seq",
                &ledger_seq,
                &entry.as_ref().and_then(|e| i64::try_from(e.seq).ok()),
                &Source::text(
                    format!("台账中键为 supply:{id} 的条目"),
                    format!("the ledger entry keyed supply:{id}"),
                ),
            );
            if a.text("backing") == "surplus_quota" && entry.is_none() {
                f.fail(
                    "row_unrecorded",
                    t,
                    &id,
                    Some("ledger_seq"),
                    "以节余指标供地，但台账没有使用条目".to_owned(),
                    "backed by surplus quota, but the ledger has no use entry".to_owned(),
                );
            }
            if let Some(seq) = ledger_seq
                && let Some(e) = ledger_entry_by_seq(conn, seq).await?
            {
                let l = Source::ledger(e.seq);
                match &e.operation {
                    Operation::Use {
                        division,
                        amount_m2,
                        zone: z,
                        land_use: u,
                    } => {
                        f.same(t, &id, "county", &county, &division.as_str().to_owned(), &l);
                        f.same(t, &id, "area_m2", &area, amount_m2, &l);
                        f.same(t, &id, "zone", &zone, z, &l);
                        f.same(
                            t,
                            &id,
                            "land_use",
                            &land_use,
                            &show(u).trim_matches('"').to_owned(),
                            &l,
                        );
                        f.same(
                            t,
                            &id,
                            "recorded_on",
                            &recorded_on,
                            &e.meta.effective.to_string(),
                            &l,
                        );
                    }
                    other => f.fail(
                        "field_mismatch",
                        t,
                        &id,
                        Some("ledger_seq"),
                        format!("台账条目 {seq} 不是使用：{}", show(other)),
                        format!("ledger entry {seq} is not a use: {}", show(other)),
                    ),
                }
            }
        }
        for (id, a) in &self.supplies {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(a.seq));
            }
        }
        Ok(f.into_check(
            "land_supplies",
            "供地对照审计记录与指标使用条目",
            "land supplies against the audit log and the ledger use entries",
        ))
    }

    async fn check_reviews(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT code, seq, topic, department, conclusion, text, reviewed_on, recorded_by FROM project_reviews ORDER BY code, seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "project_reviews";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let code: String = r.try_get("code")?;
            let seq: i64 = r.try_get("seq")?;
            let key = format!("code={code} seq={seq}");
            seen.insert((code.clone(), seq));
            let Some((rec, actor)) = self.reviews.get(&(code, seq)) else {
                f.unrecorded(t, &key, "部门审查意见审计记录", "review audit record");
                continue;
            };
            let src = Source::audit(rec.seq);
            for field in ["topic", "department", "conclusion", "text", "reviewed_on"] {
                f.same(
                    t,
                    &key,
                    field,
                    &r.try_get::<String, _>(field)?,
                    &rec.text(field),
                    &src,
                );
            }
            f.same(
                t,
                &key,
                "recorded_by",
                &r.try_get::<String, _>("recorded_by")?,
                actor,
                &src,
            );
        }
        for ((code, seq), (rec, _)) in &self.reviews {
            if !seen.contains(&(code.clone(), *seq)) {
                f.missing(
                    t,
                    &format!("code={code} seq={seq}"),
                    &Source::audit(rec.seq),
                );
            }
        }
        Ok(f.into_check(
            "project_reviews",
            "部门审查意见对照审计记录",
            "departments' reviews of projects against the audit log",
        ))
    }

    async fn check_findings(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, county, project, text, found_on FROM audit_findings ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "audit_findings";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(rec) = self.findings.get(&id) else {
                f.unrecorded(t, &id, "审计发现审计记录", "audit finding record");
                continue;
            };
            let src = Source::audit(rec.seq);
            for field in ["county", "text", "found_on"] {
                f.same(
                    t,
                    &id,
                    field,
                    &r.try_get::<String, _>(field)?,
                    &rec.text(field),
                    &src,
                );
            }
            let project: Option<String> = r.try_get("project")?;
            f.same(
                t,
                &id,
                "project",
                &project.unwrap_or_default(),
                &rec.text("project"),
                &src,
            );
        }
        for (id, rec) in &self.findings {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(rec.seq));
            }
        }
        Ok(f.into_check(
            "audit_findings",
            "审计发现对照审计记录",
            "audit findings against the audit log",
        ))
    }

    async fn check_adjustments(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query("SELECT id, county, year, reason FROM adjustments ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let mut f = Findings::new();
        let t = "adjustments";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(a) = self.adjustments.get(&id) else {
                f.unrecorded(t, &id, "规划调整审计记录", "adjustment audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            // A county applies for itself: the county is the applicant's division.
            f.same(
                t,
                &id,
                "county",
                &r.try_get::<String, _>("county")?,
                &a.division(),
                &src,
            );
            f.same(
                t,
                &id,
                "year",
                &r.try_get::<i64, _>("year")?,
                &a.int("year"),
                &src,
            );
            f.same(
                t,
                &id,
                "reason",
                &r.try_get::<String, _>("reason")?,
                &a.reason,
                &src,
            );
        }
        for (id, a) in &self.adjustments {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(a.seq));
            }
        }
        Ok(f.into_check(
            "adjustments",
            "规划调整申请对照审计记录",
            "planning adjustments against the audit log",
        ))
    }

    async fn check_sanctions(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let mut f = Findings::new();
        let rows = sqlx::query(
            "SELECT key, project, county, rule, kind, amount_m2, overdue_since, clause FROM sanctions ORDER BY key",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "sanctions";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let key: String = r.try_get("key")?;
            seen.insert(key.clone());
            let Some(a) = self.sanctions.get(&key) else {
                f.unrecorded(t, &key, "处罚审计记录", "sanction audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            for field in ["project", "county", "rule", "overdue_since", "clause"] {
                f.same(
                    t,
                    &key,
                    field,
                    &r.try_get::<String, _>(field)?,
                    &a.text(field),
                    &src,
                );
            }
            f.same(
                t,
                &key,
                "amount_m2",
                &r.try_get::<i64, _>("amount_m2")?,
                &a.int("amount_m2"),
                &src,
            );
            let kind: serde_json::Value = serde_json::from_str(&r.try_get::<String, _>("kind")?)
                .unwrap_or(serde_json::Value::Null);
            f.same(
                t,
                &key,
                "kind",
                &kind,
                a.payload.get("kind").unwrap_or(&serde_json::Value::Null),
                &src,
            );
        }
        for (key, a) in &self.sanctions {
            if !seen.contains(key) {
                f.missing(t, key, &Source::audit(a.seq));
            }
        }
        self.check_obligations(conn, &mut f).await?;
        self.check_suspensions(conn, &mut f).await?;
        Ok(f.into_check(
            "sanctions",
            "处罚、义务与暂停预支对照审计记录和扣减条目",
            "sanctions, obligations and advance suspensions against the audit log and the deduction entries",
        ))
    }

    /// The obligations each sanction opened: kind, area (for a deduction, what the ledger
    /// could not deduct), county and project; and the quota a county owes the city after an
    /// issue, rebuilt from the issue entry (`owed_to_city`). None is closed by a recorded
    /// decision.
    async fn check_obligations(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let mut expected: BTreeMap<String, (i64, &Recorded)> = BTreeMap::new();
        for (key, a) in &self.sanctions {
            let kind = a
                .payload
                .get("kind")
                .and_then(|k| k.get("kind"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let amount = a.int("amount_m2");
            let (name, owed) = match kind {
                "farmland_balance_obligation" => ("farmland_balance", amount),
                "taxes_and_fees_obligation" => ("taxes_and_fees", amount),
                "deduct_annual_plan" => {
                    let deducted =
                        match ledger_entry_by_key(conn, &format!("sanction:{key}")).await? {
                            Some(e) => match e.operation {
                                Operation::Deduct { amount_m2, .. } => amount_m2,
                                _ => 0,
                            },
                            None => 0,
                        };
                    ("annual_plan_deduction_outstanding", amount - deducted)
                }
                _ => continue,
            };
            if owed > 0 {
                expected.insert(format!("{key}:{name}"), (owed, a));
            }
        }
        let rows = sqlx::query(
            "SELECT key, county, project, kind, amount_m2, closed_on FROM obligations ORDER BY key",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "obligations";
        let owed_to_city = owed_to_city(conn).await?;
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let key: String = r.try_get("key")?;
            seen.insert(key.clone());
            if let Some(o) = owed_to_city.get(&key) {
                let src = Source::ledger(o.seq);
                f.same(
                    t,
                    &key,
                    "amount_m2",
                    &r.try_get::<i64, _>("amount_m2")?,
                    &o.amount_m2,
                    &src,
                );
                f.same(
                    t,
                    &key,
                    "county",
                    &r.try_get::<String, _>("county")?,
                    &o.county,
                    &src,
                );
                f.same(
                    t,
                    &key,
                    "project",
                    &r.try_get::<String, _>("project")?,
                    &o.project,
                    &src,
                );
                f.same(
                    t,
                    &key,
                    "kind",
                    &r.try_get::<String, _>("kind")?,
                    &crate::projects::OWED_TO_CITY.to_owned(),
                    &src,
                );
                f.same(
                    t,
                    &key,
                    "closed_on",
                    &r.try_get::<Option<String>, _>("closed_on")?,
                    &None,
                    &src,
                );
                continue;
            }
            let Some((owed, a)) = expected.get(&key) else {
                f.unrecorded(t, &key, "处罚审计记录", "sanction audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            f.same(
                t,
                &key,
                "amount_m2",
                &r.try_get::<i64, _>("amount_m2")?,
                owed,
                &src,
            );
            f.same(
                t,
                &key,
                "county",
                &r.try_get::<String, _>("county")?,
                &a.text("county"),
                &src,
            );
            f.same(
                t,
                &key,
                "project",
                &r.try_get::<String, _>("project")?,
                &a.text("project"),
                &src,
            );
            let kind = key
                .rsplit_once(':')
                .map(|(_, k)| k.to_owned())
                .unwrap_or_default();
            f.same(
                t,
                &key,
                "kind",
                &r.try_get::<String, _>("kind")?,
                &kind,
                &src,
            );
            let closed: Option<String> = r.try_get("closed_on")?;
            f.same(
                t,
                &key,
                "closed_on",
                &closed,
                &None,
                &Source::text(
                    "审计记录（无关闭义务的决定）",
                    "the audit log (no decision closes an obligation)",
                ),
            );
        }
        for (key, (_, a)) in &expected {
            if !seen.contains(key) {
                f.missing(t, key, &Source::audit(a.seq));
            }
        }
        for (key, o) in &owed_to_city {
            if !seen.contains(key) {
                f.missing(t, key, &Source::ledger(o.seq));
            }
        }
        Ok(())
    }

    async fn check_suspensions(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let stored: BTreeSet<String> = sqlx::query("SELECT county FROM ledger_suspended_counties")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let t = "ledger_suspended_counties";
        for county in &stored {
            f.row();
            match self.suspended.get(county) {
                Some((true, _)) => {}
                Some((false, seq)) => f.fail(
                    "field_mismatch",
                    t,
                    county,
                    None,
                    format!("{county} 仍被暂停预支，但审计记录 {seq} 已解除"),
                    format!("{county} is still suspended, but audit record {seq} lifted it"),
                ),
                None => f.unrecorded(
                    t,
                    county,
                    "暂停预支的处罚记录",
                    "suspension sanction record",
                ),
            }
        }
        for (county, (suspended, seq)) in &self.suspended {
            if *suspended && !stored.contains(county) {
                f.missing(t, county, &Source::audit(*seq));
            }
        }
        Ok(())
    }

    async fn check_plans(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let scope: BTreeMap<String, i64> =
            sqlx::query("SELECT plan_id, COUNT(*) AS n FROM plan_scope GROUP BY plan_id")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT id, county, title, period_start, period_end, state, approved_on, filed_on FROM special_plans ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "special_plans";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some((p, created)) = self
                .plans
                .get(&id)
                .and_then(|p| p.created.as_ref().map(|c| (p, c)))
            else {
                f.unrecorded(t, &id, "起草审计记录", "creation audit record");
                continue;
            };
            let src = Source::audit(created.seq);
            f.same(
                t,
                &id,
                "county",
                &r.try_get::<String, _>("county")?,
                &created.division(),
                &src,
            );
            f.same(
                t,
                &id,
                "title",
                &r.try_get::<String, _>("title")?,
                &created.text("title"),
                &src,
            );
            let period = created.payload.get("period").cloned().unwrap_or_default();
            let stored_period = serde_json::json!([
                r.try_get::<i64, _>("period_start")?,
                r.try_get::<i64, _>("period_end")?
            ]);
            f.same(t, &id, "period", &stored_period, &period, &src);
            f.same(
                "plan_scope",
                &format!("plan_id={id}"),
                "COUNT(*)",
                &scope.get(&id).copied().unwrap_or(0),
                &created.int("villages"),
                &src,
            );
            let trail = Source::text(
                format!("专项规划 {id} 的审计记录"),
                format!("the audit records of plan {id}"),
            );
            f.same(
                t,
                &id,
                "state",
                &Some(r.try_get::<String, _>("state")?),
                &p.state,
                &trail,
            );
            f.same(
                t,
                &id,
                "approved_on",
                &r.try_get::<Option<String>, _>("approved_on")?,
                &p.approved_on,
                &trail,
            );
            f.same(
                t,
                &id,
                "filed_on",
                &r.try_get::<Option<String>, _>("filed_on")?,
                &p.filed_on,
                &trail,
            );
        }
        for (id, p) in &self.plans {
            if let Some(c) = &p.created
                && !seen.contains(id)
            {
                f.missing(t, id, &Source::audit(c.seq));
            }
        }
        let rows = sqlx::query(
            "SELECT plan_id, department, opinion, author FROM plan_opinions ORDER BY plan_id, department",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "plan_opinions";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let plan: String = r.try_get("plan_id")?;
            let department: String = r.try_get("department")?;
            let key = format!("plan_id={plan} department={department}");
            seen.insert((plan.clone(), department.clone()));
            let Some((opinion, author, seq)) = self
                .plans
                .get(&plan)
                .and_then(|p| p.opinions.get(&department))
            else {
                f.unrecorded(t, &key, "意见审计记录", "opinion audit record");
                continue;
            };
            let src = Source::audit(*seq);
            f.same(
                t,
                &key,
                "opinion",
                &r.try_get::<String, _>("opinion")?,
                opinion,
                &src,
            );
            f.same(
                t,
                &key,
                "author",
                &r.try_get::<String, _>("author")?,
                author,
                &src,
            );
        }
        for (plan, p) in &self.plans {
            for (department, (_, _, seq)) in &p.opinions {
                if !seen.contains(&(plan.clone(), department.clone())) {
                    f.missing(
                        t,
                        &format!("plan_id={plan} department={department}"),
                        &Source::audit(*seq),
                    );
                }
            }
        }
        Ok(f.into_check(
            "special_plans",
            "专项规划与部门意见对照审计记录",
            "special plans and consultation opinions against the audit log",
        ))
    }

    async fn check_users(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT name, division, department, is_admin, disabled_at FROM users ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "users";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let name: String = r.try_get("name")?;
            seen.insert(name.clone());
            let Some(user) = self.users.get(&name) else {
                f.unrecorded(t, &name, "建账审计记录", "account-creation audit record");
                continue;
            };
            let src = Source::audit(user.seq);
            f.same(
                t,
                &name,
                "division",
                &r.try_get::<String, _>("division")?,
                &user.division,
                &src,
            );
            f.same(
                t,
                &name,
                "department",
                &r.try_get::<String, _>("department")?,
                &user.department,
                &src,
            );
            let flag = |on: bool| if on { "1" } else { "0" }.to_owned();
            let is_admin = r.try_get::<i64, _>("is_admin")? != 0;
            f.same(
                t,
                &name,
                "is_admin",
                &flag(is_admin),
                &flag(user.is_admin),
                &src,
            );
            let disabled = r.try_get::<Option<String>, _>("disabled_at")?.is_some();
            f.same(
                t,
                &name,
                "disabled_at",
                &flag(disabled),
                &flag(user.disabled),
                &src,
            );
        }
        for (name, user) in &self.users {
            if !seen.contains(name) {
                f.missing(t, name, &Source::audit(user.seq));
            }
        }
        Ok(f.into_check(
            "users",
            "用户的行政区划与部门（决定权限）对照审计记录",
            "users' division and department (they decide rights) against the audit log",
        ))
    }
}

/// Quota a county owes the city after an issue (二(六)).
struct OwedToCity {
    seq: u64,
    amount_m2: i64,
    county: String,
    project: String,
}

/// What every issue entry left the county owing the city: the split of the entry (what it
/// settled, with the project's city share as the ledger registered it, which the
/// `ledger_projects` check holds to the approval), keyed as the acceptance records it. Issue
/// entries are read by the kind index; a reversed issue keeps its obligation (no decision
/// closes one).
async fn owed_to_city(
    conn: &mut AnyConnection,
) -> Result<BTreeMap<String, OwedToCity>, RegistryError> {
    let shares: BTreeMap<String, (i64, String)> =
        sqlx::query("SELECT code, city_share_percent, county FROM ledger_projects")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("code")?,
                    (r.try_get("city_share_percent")?, r.try_get("county")?),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?;
    let rows =
        sqlx::query("SELECT entry_json FROM ledger_entries WHERE kind = 'issue' ORDER BY seq")
            .fetch_all(&mut *conn)
            .await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let Ok(entry) = serde_json::from_str::<Entry>(&row.try_get::<String, _>(0)?) else {
            continue;
        };
        let Operation::Issue { project, .. } = &entry.operation else {
            continue;
        };
        let Some((share, county)) = shares.get(project) else {
            continue;
        };
        let share = u8::try_from(*share).unwrap_or(0);
        let Some(split) = IssueSplit::of_issue(&entry, share) else {
            continue;
        };
        if split.owed_to_city_m2() > 0 {
            out.insert(
                crate::projects::owed_to_city_key(project, entry.seq),
                OwedToCity {
                    seq: entry.seq,
                    amount_m2: split.owed_to_city_m2(),
                    county: county.clone(),
                    project: project.clone(),
                },
            );
        }
    }
    Ok(out)
}
