//! Supervision against the audit log: inspections and their findings (`inspection.record`,
//! `inspection.rectify`, `inspection.close`), criticisms and commendations (`notice.record`,
//! `notice.lift`) and the yearly allocation of the linkage plan (`allocation.decide`).

use std::collections::{BTreeMap, BTreeSet};

use guagou_store::AnyConnection;
use sqlx::Row;

use super::{AuditRec, Check, Findings, Source};
use crate::RegistryError;

#[derive(Debug, Clone, Default, PartialEq)]
struct FindingReplay {
    description: String,
    severity: String,
    deadline: String,
    state: String,
    /// (rectification, rectified_on, rectified_by, audit seq)
    rectified: Option<(String, String, String, u64)>,
    /// (closure_note, closed_on, closed_by, audit seq)
    closed: Option<(String, String, String, u64)>,
}

#[derive(Debug, Clone, Default)]
struct InspectionReplay {
    seq: u64,
    actor: String,
    county: String,
    project: Option<String>,
    kind: String,
    inspected_on: String,
    inspector: String,
    closed_on: Option<String>,
    findings: Vec<FindingReplay>,
}

#[derive(Debug, Clone, Default)]
struct NoticeReplay {
    seq: u64,
    actor: String,
    county: String,
    kind: String,
    decided_on: String,
    clause: String,
    reason: String,
    /// (lifted_on, lifted_by, lift_reason, audit seq)
    lifted: Option<(String, String, String, u64)>,
}

#[derive(Debug, Clone, Default)]
struct AllocationReplay {
    seq: u64,
    actor: String,
    total_m2: i64,
    reason: String,
    shares: BTreeMap<String, i64>,
}

#[derive(Debug, Default)]
pub(crate) struct Replay {
    inspections: BTreeMap<String, InspectionReplay>,
    notices: BTreeMap<String, NoticeReplay>,
    allocations: BTreeMap<i64, AllocationReplay>,
    /// Records on an inspection, finding or notice never recorded (seq, subject).
    orphans: Vec<(u64, String)>,
}

fn str_of(value: &serde_json::Value, field: &str) -> String {
    value
        .get(field)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        match rec.action.as_str() {
            "inspection.record" => {
                let findings: Vec<FindingReplay> = rec
                    .payload
                    .get("findings")
                    .and_then(serde_json::Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .map(|f| FindingReplay {
                                description: str_of(f, "description").trim().to_owned(),
                                severity: str_of(f, "severity"),
                                deadline: str_of(f, "deadline"),
                                state: "open".into(),
                                rectified: None,
                                closed: None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let inspected_on = rec.text("inspected_on");
                self.inspections.insert(
                    rec.subject.clone(),
                    InspectionReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        county: rec.text("county"),
                        project: rec.opt_text("project"),
                        kind: rec.text("kind"),
                        closed_on: findings.is_empty().then(|| inspected_on.clone()),
                        inspected_on,
                        inspector: rec.text("inspector"),
                        findings,
                    },
                );
            }
            "inspection.rectify" | "inspection.close" => self.finding_step(rec),
            "notice.record" => {
                self.notices.insert(
                    rec.subject.clone(),
                    NoticeReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        county: rec.text("county"),
                        kind: rec.text("kind"),
                        decided_on: rec.text("decided_on"),
                        clause: rec.text("clause"),
                        reason: rec.reason.clone(),
                        lifted: None,
                    },
                );
            }
            "notice.lift" => match self.notices.get_mut(&rec.subject) {
                Some(n) => {
                    n.lifted = Some((
                        rec.text("lifted_on"),
                        rec.actor.clone(),
                        rec.reason.clone(),
                        rec.seq,
                    ));
                }
                None => self.orphans.push((rec.seq, rec.subject.clone())),
            },
            "allocation.decide" => {
                let shares = rec
                    .payload
                    .get("shares")
                    .and_then(serde_json::Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)))
                            .collect()
                    })
                    .unwrap_or_default();
                self.allocations.insert(
                    rec.int("year").unwrap_or(0),
                    AllocationReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        total_m2: rec.int("total_m2").unwrap_or(0),
                        reason: rec.reason.clone(),
                        shares,
                    },
                );
            }
            _ => {}
        }
    }

    fn finding_step(&mut self, rec: &AuditRec) {
        let (inspection, seq) = rec.subject.rsplit_once('#').unwrap_or((&rec.subject, ""));
        let index = seq.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        let Some(i) = self.inspections.get_mut(inspection) else {
            self.orphans.push((rec.seq, rec.subject.clone()));
            return;
        };
        let Some(finding) = index.and_then(|n| i.findings.get_mut(n)) else {
            self.orphans.push((rec.seq, rec.subject.clone()));
            return;
        };
        if rec.action == "inspection.rectify" {
            finding.state = "rectified".into();
            finding.rectified = Some((
                rec.text("rectification"),
                rec.text("rectified_on"),
                rec.actor.clone(),
                rec.seq,
            ));
        } else {
            finding.state = "closed".into();
            let closed_on = rec.text("closed_on");
            finding.closed = Some((
                rec.text("note"),
                closed_on.clone(),
                rec.actor.clone(),
                rec.seq,
            ));
            if rec.payload.get("inspection_closed") == Some(&serde_json::Value::Bool(true)) {
                i.closed_on = Some(closed_on);
            }
        }
    }

    pub(crate) async fn check(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<Check>, RegistryError> {
        let mut inspections = Findings::new();
        for (seq, subject) in &self.orphans {
            inspections.fail(
                "row_missing",
                "inspections",
                subject,
                None,
                format!("审计记录 {seq} 针对的 {subject} 从未登记"),
                format!("audit record {seq} acts on {subject}, which was never recorded"),
            );
        }
        self.check_inspections(conn, &mut inspections).await?;
        self.check_findings(conn, &mut inspections).await?;
        Ok(vec![
            inspections.into_check(
                "inspections",
                "检查与整改对照审计记录",
                "inspections and rectification against the audit log",
            ),
            self.check_notices(conn).await?,
            self.check_allocations(conn).await?,
        ])
    }

    async fn check_inspections(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let rows = sqlx::query(
            "SELECT id, county, project, kind, inspected_on, inspector, recorded_by, closed_on FROM inspections ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "inspections";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(i) = self.inspections.get(&id) else {
                f.unrecorded(t, &id, "检查审计记录", "inspection audit record");
                continue;
            };
            let src = Source::audit(i.seq);
            f.same(
                t,
                &id,
                "county",
                &r.try_get::<String, _>("county")?,
                &i.county,
                &src,
            );
            f.same(
                t,
                &id,
                "project",
                &r.try_get::<Option<String>, _>("project")?,
                &i.project,
                &src,
            );
            f.same(
                t,
                &id,
                "kind",
                &r.try_get::<String, _>("kind")?,
                &i.kind,
                &src,
            );
            f.same(
                t,
                &id,
                "inspected_on",
                &r.try_get::<String, _>("inspected_on")?,
                &i.inspected_on,
                &src,
            );
            f.same(
                t,
                &id,
                "inspector",
                &r.try_get::<String, _>("inspector")?,
                &i.inspector,
                &src,
            );
            f.same(
                t,
                &id,
                "recorded_by",
                &r.try_get::<String, _>("recorded_by")?,
                &i.actor,
                &src,
            );
            let trail = Source::text(
                format!("检查 {id} 的审计记录"),
                format!("the audit records of inspection {id}"),
            );
            f.same(
                t,
                &id,
                "closed_on",
                &r.try_get::<Option<String>, _>("closed_on")?,
                &i.closed_on,
                &trail,
            );
        }
        for (id, i) in &self.inspections {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(i.seq));
            }
        }
        Ok(())
    }

    async fn check_findings(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let rows = sqlx::query(
            "SELECT inspection_id, seq, description, severity, deadline, state, rectification, rectified_on, \
             rectified_by, closure_note, closed_on, closed_by FROM inspection_findings ORDER BY inspection_id, seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "inspection_findings";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("inspection_id")?;
            let seq: i64 = r.try_get("seq")?;
            let key = format!("inspection_id={id} seq={seq}");
            seen.insert((id.clone(), seq));
            let replay = self.inspections.get(&id);
            let finding = replay.and_then(|i| {
                usize::try_from(seq - 1)
                    .ok()
                    .and_then(|n| i.findings.get(n))
            });
            let (Some(i), Some(x)) = (replay, finding) else {
                f.unrecorded(
                    t,
                    &key,
                    "检查审计记录中的问题",
                    "finding in the inspection's audit record",
                );
                continue;
            };
            let src = Source::audit(i.seq);
            f.same(
                t,
                &key,
                "description",
                &r.try_get::<String, _>("description")?,
                &x.description,
                &src,
            );
            f.same(
                t,
                &key,
                "severity",
                &r.try_get::<String, _>("severity")?,
                &x.severity,
                &src,
            );
            f.same(
                t,
                &key,
                "deadline",
                &r.try_get::<String, _>("deadline")?,
                &x.deadline,
                &src,
            );
            let trail = Source::text(
                format!("问题 {id}#{seq} 的审计记录"),
                format!("the audit records of finding {id}#{seq}"),
            );
            f.same(
                t,
                &key,
                "state",
                &r.try_get::<String, _>("state")?,
                &x.state,
                &trail,
            );
            let split = |step: &Option<(String, String, String, u64)>| match step {
                Some((a, b, c, _)) => (Some(a.clone()), Some(b.clone()), Some(c.clone())),
                None => (None, None, None),
            };
            let (text, on, by) = split(&x.rectified);
            f.same(
                t,
                &key,
                "rectification",
                &r.try_get::<Option<String>, _>("rectification")?,
                &text,
                &trail,
            );
            f.same(
                t,
                &key,
                "rectified_on",
                &r.try_get::<Option<String>, _>("rectified_on")?,
                &on,
                &trail,
            );
            f.same(
                t,
                &key,
                "rectified_by",
                &r.try_get::<Option<String>, _>("rectified_by")?,
                &by,
                &trail,
            );
            let (note, on, by) = split(&x.closed);
            f.same(
                t,
                &key,
                "closure_note",
                &r.try_get::<Option<String>, _>("closure_note")?,
                &note,
                &trail,
            );
            f.same(
                t,
                &key,
                "closed_on",
                &r.try_get::<Option<String>, _>("closed_on")?,
                &on,
                &trail,
            );
            f.same(
                t,
                &key,
                "closed_by",
                &r.try_get::<Option<String>, _>("closed_by")?,
                &by,
                &trail,
            );
        }
        for (id, i) in &self.inspections {
            for n in 1..=i.findings.len() {
                let seq = i64::try_from(n).unwrap_or(i64::MAX);
                if !seen.contains(&(id.clone(), seq)) {
                    f.missing(
                        t,
                        &format!("inspection_id={id} seq={seq}"),
                        &Source::audit(i.seq),
                    );
                }
            }
        }
        Ok(())
    }

    async fn check_notices(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, county, kind, decided_on, reason, clause, recorded_by, lifted_on, lifted_by, lift_reason \
             FROM supervision_notices ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let t = "supervision_notices";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(n) = self.notices.get(&id) else {
                f.unrecorded(t, &id, "通报审计记录", "notice audit record");
                continue;
            };
            let src = Source::audit(n.seq);
            f.same(
                t,
                &id,
                "county",
                &r.try_get::<String, _>("county")?,
                &n.county,
                &src,
            );
            f.same(
                t,
                &id,
                "kind",
                &r.try_get::<String, _>("kind")?,
                &n.kind,
                &src,
            );
            f.same(
                t,
                &id,
                "decided_on",
                &r.try_get::<String, _>("decided_on")?,
                &n.decided_on,
                &src,
            );
            f.same(
                t,
                &id,
                "reason",
                &r.try_get::<String, _>("reason")?,
                &n.reason,
                &src,
            );
            f.same(
                t,
                &id,
                "clause",
                &r.try_get::<String, _>("clause")?,
                &n.clause,
                &src,
            );
            f.same(
                t,
                &id,
                "recorded_by",
                &r.try_get::<String, _>("recorded_by")?,
                &n.actor,
                &src,
            );
            let lift_src = n.lifted.as_ref().map_or_else(
                || Source::text("审计记录（无解除记录）", "the audit log (no lift recorded)"),
                |l| Source::audit(l.3),
            );
            let (on, by, why) = match &n.lifted {
                Some((on, by, why, _)) => (Some(on.clone()), Some(by.clone()), Some(why.clone())),
                None => (None, None, None),
            };
            f.same(
                t,
                &id,
                "lifted_on",
                &r.try_get::<Option<String>, _>("lifted_on")?,
                &on,
                &lift_src,
            );
            f.same(
                t,
                &id,
                "lifted_by",
                &r.try_get::<Option<String>, _>("lifted_by")?,
                &by,
                &lift_src,
            );
            f.same(
                t,
                &id,
                "lift_reason",
                &r.try_get::<Option<String>, _>("lift_reason")?,
                &why,
                &lift_src,
            );
        }
        for (id, n) in &self.notices {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(n.seq));
            }
        }
        Ok(f.into_check(
            "supervision_notices",
            "通报批评与表扬对照审计记录",
            "criticisms and commendations against the audit log",
        ))
    }

    async fn check_allocations(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let rows = sqlx::query(
            "SELECT year, total_m2, decided_by, reason FROM linkage_allocations ORDER BY year",
        )
        .fetch_all(&mut *conn)
        .await?;
        let shares = sqlx::query(
            "SELECT year, county, allocated_m2 FROM linkage_allocation_shares ORDER BY year, county",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut f = Findings::new();
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let year: i64 = r.try_get("year")?;
            let key = format!("year={year}");
            seen.insert(year);
            let t = "linkage_allocations";
            let Some(a) = self.allocations.get(&year) else {
                f.unrecorded(t, &key, "分配决定审计记录", "allocation audit record");
                continue;
            };
            let src = Source::audit(a.seq);
            f.same(
                t,
                &key,
                "total_m2",
                &r.try_get::<i64, _>("total_m2")?,
                &a.total_m2,
                &src,
            );
            f.same(
                t,
                &key,
                "decided_by",
                &r.try_get::<String, _>("decided_by")?,
                &a.actor,
                &src,
            );
            f.same(
                t,
                &key,
                "reason",
                &r.try_get::<String, _>("reason")?,
                &a.reason,
                &src,
            );
        }
        let mut stored: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
        for r in &shares {
            f.row();
            stored
                .entry(r.try_get("year")?)
                .or_default()
                .insert(r.try_get("county")?, r.try_get("allocated_m2")?);
        }
        let t = "linkage_allocation_shares";
        let years: BTreeSet<i64> = stored
            .keys()
            .chain(self.allocations.keys())
            .copied()
            .collect();
        for year in years {
            let rows = stored.get(&year).cloned().unwrap_or_default();
            let Some(a) = self.allocations.get(&year) else {
                f.unrecorded(
                    t,
                    &format!("year={year}"),
                    "分配决定审计记录",
                    "allocation audit record",
                );
                continue;
            };
            let src = Source::audit(a.seq);
            let counties: BTreeSet<&String> = rows.keys().chain(a.shares.keys()).collect();
            for county in counties {
                let key = format!("year={year} county={county}");
                match (rows.get(county), a.shares.get(county)) {
                    (Some(s), Some(e)) => f.same(t, &key, "allocated_m2", s, e, &src),
                    (None, Some(_)) => f.missing(t, &key, &src),
                    (Some(_), None) => f.unrecorded(
                        t,
                        &key,
                        "分配决定审计记录中的份额",
                        "share in the allocation audit record",
                    ),
                    (None, None) => {}
                }
            }
        }
        for (year, a) in &self.allocations {
            if !seen.contains(year) {
                f.missing(
                    "linkage_allocations",
                    &format!("year={year}"),
                    &Source::audit(a.seq),
                );
            }
        }
        Ok(f.into_check(
            "allocations",
            "年度指标分配对照审计记录",
            "the yearly allocations against the audit log",
        ))
    }
}
