//! Public notices (公示) and villagers' objections against the audit log: `notice.publish`
//! (project, version, period, standards, number of households, their source),
//! `notice.objection` (which notice, anonymous or not) and `notice.answer` (who answered).

use std::collections::{BTreeMap, BTreeSet};

use guagou_store::AnyConnection;
use sqlx::Row;

use super::{AuditRec, Check, Findings, Source};
use crate::RegistryError;

#[derive(Debug, Clone)]
struct PublishReplay {
    seq: u64,
    actor: String,
    project: String,
    version: Option<i64>,
    starts_on: String,
    ends_on: String,
    households: Option<i64>,
    households_source: String,
    standards: serde_json::Value,
}

#[derive(Debug, Clone)]
struct ObjectionReplay {
    seq: u64,
    project: String,
    notice: String,
    anonymous: Option<bool>,
    /// (answered_by, audit seq)
    answer: Option<(String, u64)>,
}

#[derive(Debug, Default)]
pub(crate) struct Replay {
    notices: BTreeMap<String, PublishReplay>,
    objections: BTreeMap<String, ObjectionReplay>,
    orphans: Vec<(u64, String)>,
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        match rec.action.as_str() {
            "notice.publish" => {
                self.notices.insert(
                    rec.text("notice"),
                    PublishReplay {
                        seq: rec.seq,
                        actor: rec.actor.clone(),
                        project: rec.subject.clone(),
                        version: rec.int("version"),
                        starts_on: rec.text("starts_on"),
                        ends_on: rec.text("ends_on"),
                        households: rec.int("households"),
                        households_source: rec.text("households_source"),
                        standards: rec
                            .payload
                            .get("standards")
                            .cloned()
                            .unwrap_or(serde_json::Value::Null),
                    },
                );
            }
            "notice.objection" => {
                self.objections.insert(
                    rec.subject.clone(),
                    ObjectionReplay {
                        seq: rec.seq,
                        project: rec.text("project"),
                        notice: rec.text("notice"),
                        anonymous: rec
                            .payload
                            .get("anonymous")
                            .and_then(serde_json::Value::as_bool),
                        answer: None,
                    },
                );
            }
            "notice.answer" => match self.objections.get_mut(&rec.subject) {
                Some(o) => o.answer = Some((rec.actor.clone(), rec.seq)),
                None => self.orphans.push((rec.seq, rec.subject.clone())),
            },
            _ => {}
        }
    }

    pub(crate) async fn check(&self, conn: &mut AnyConnection) -> Result<Check, RegistryError> {
        let mut f = Findings::new();
        for (seq, receipt) in &self.orphans {
            f.fail(
                "row_missing",
                "notice_objections",
                receipt,
                None,
                format!("审计记录 {seq} 答复的异议 {receipt} 从未登记"),
                format!("audit record {seq} answers objection {receipt}, which was never recorded"),
            );
        }
        self.check_notices(conn, &mut f).await?;
        self.check_objections(conn, &mut f).await?;
        Ok(f.into_check(
            "public_notices",
            "公示、公示农户与村民异议对照审计记录",
            "public notices, their households and villagers' objections against the audit log",
        ))
    }

    async fn check_notices(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let counts: BTreeMap<String, i64> = sqlx::query(
            "SELECT notice_id, COUNT(*) AS n FROM notice_households GROUP BY notice_id",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT id, code, version, starts_on, ends_on, standards, households_source, published_by \
             FROM notices ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "notices";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let id: String = r.try_get("id")?;
            seen.insert(id.clone());
            let Some(n) = self.notices.get(&id) else {
                f.unrecorded(t, &id, "公示审计记录", "publication audit record");
                continue;
            };
            let src = Source::audit(n.seq);
            f.same(
                t,
                &id,
                "code",
                &r.try_get::<String, _>("code")?,
                &n.project,
                &src,
            );
            f.same(
                t,
                &id,
                "version",
                &Some(r.try_get::<i64, _>("version")?),
                &n.version,
                &src,
            );
            f.same(
                t,
                &id,
                "starts_on",
                &r.try_get::<String, _>("starts_on")?,
                &n.starts_on,
                &src,
            );
            f.same(
                t,
                &id,
                "ends_on",
                &r.try_get::<String, _>("ends_on")?,
                &n.ends_on,
                &src,
            );
            f.same(
                t,
                &id,
                "households_source",
                &r.try_get::<String, _>("households_source")?,
                &n.households_source,
                &src,
            );
            f.same(
                t,
                &id,
                "published_by",
                &r.try_get::<String, _>("published_by")?,
                &n.actor,
                &src,
            );
            let standards: serde_json::Value =
                serde_json::from_str(&r.try_get::<String, _>("standards")?)
                    .unwrap_or(serde_json::Value::Null);
            f.same(t, &id, "standards", &standards, &n.standards, &src);
            f.same(
                "notice_households",
                &format!("notice_id={id}"),
                "COUNT(*)",
                &Some(counts.get(&id).copied().unwrap_or(0)),
                &n.households,
                &src,
            );
        }
        for (id, n) in &self.notices {
            if !seen.contains(id) {
                f.missing(t, id, &Source::audit(n.seq));
            }
        }
        Ok(())
    }

    async fn check_objections(
        &self,
        conn: &mut AnyConnection,
        f: &mut Findings,
    ) -> Result<(), RegistryError> {
        let rows = sqlx::query(
            "SELECT receipt, notice_id, code, objector, answer, answered_by FROM notice_objections ORDER BY receipt",
        )
        .fetch_all(&mut *conn)
        .await?;
        let t = "notice_objections";
        let mut seen = BTreeSet::new();
        for r in &rows {
            f.row();
            let receipt: String = r.try_get("receipt")?;
            seen.insert(receipt.clone());
            let Some(o) = self.objections.get(&receipt) else {
                f.unrecorded(t, &receipt, "异议审计记录", "objection audit record");
                continue;
            };
            let src = Source::audit(o.seq);
            f.same(
                t,
                &receipt,
                "notice_id",
                &r.try_get::<String, _>("notice_id")?,
                &o.notice,
                &src,
            );
            f.same(
                t,
                &receipt,
                "code",
                &r.try_get::<String, _>("code")?,
                &o.project,
                &src,
            );
            let objector: String = r.try_get("objector")?;
            f.same(
                t,
                &receipt,
                "objector (anonymous)",
                &Some(objector.is_empty()),
                &o.anonymous,
                &src,
            );
            let answer: Option<String> = r.try_get("answer")?;
            let answered_by: Option<String> = r.try_get("answered_by")?;
            match (&o.answer, answer.is_some()) {
                (Some((by, seq)), true) => {
                    f.same(t, &receipt, "answered_by", &answered_by, &Some(by.clone()), &Source::audit(*seq));
                }
                (Some((_, seq)), false) => f.fail(
                    "row_missing",
                    t,
                    &receipt,
                    Some("answer"),
                    format!("审计记录 {seq} 记录了对异议 {receipt} 的答复，但答复不存在"),
                    format!("audit record {seq} records an answer to objection {receipt}, but the answer is gone"),
                ),
                (None, true) => f.unrecorded(t, &receipt, "答复审计记录", "answer audit record"),
                (None, false) => {}
            }
        }
        for (receipt, o) in &self.objections {
            if !seen.contains(receipt) {
                f.missing(t, receipt, &Source::audit(o.seq));
            }
        }
        Ok(())
    }
}
