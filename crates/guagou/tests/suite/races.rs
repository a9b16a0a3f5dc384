//! Conflicting writes sent at once, as real concurrent HTTP requests to a real `guagou serve`
//! process (issue 12: a hostile clerk's attack on the demo). For each pair of steps that
//! exclude each other, exactly one request wins; every loser is answered 409 (or the rule's
//! 422) with a stable code and both messages, never a 5xx; the records, the quota ledger and
//! the funds journal agree afterwards and `guagou verify` passes.
//!
//! The database is SQLite in the test's folder, or a fresh PostgreSQL database when
//! `GUAGOU_TEST_DATABASE` names a server (`scripts/test` runs these tests on both).

use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::database::{
    DRAFT, POOLED, approve_draft, assert_verifies, database, guagou, json_of, ledger_balance,
    login, must, served_demo,
};
use crate::server::{Reply, Server, Session};

/// The demo's open listing of 宣汉县 (6 000 m²) and the offer of 成都市 for all of it.
const LISTING: &str = "GP-511722-2019-001";
const OFFER: &str = "GP-511722-2019-001-O1";
const LISTED_M2: i64 = 6_000;
/// The 2019 guide price (300 000 元/亩) in 分 per 亩, and the agreement's total: 6 000 m² is
/// 9 亩, 2 700 000 元.
const GUIDE: i64 = 30_000_000;
const TOTAL_FEN: i64 = 270_000_000;

/// What the concurrent requests of one race got back.
#[derive(Debug, Default)]
struct Answers {
    ok: Vec<Value>,
    refused: Vec<(u16, Value)>,
    other: Vec<String>,
}

impl Answers {
    fn record(&mut self, reply: std::io::Result<Reply>) {
        match reply {
            Ok(r) if r.status == 200 => self.ok.push(r.json()),
            Ok(r) if r.status == 409 || r.status == 422 => {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                self.refused.push((r.status, body));
            }
            Ok(r) => self.other.push(format!("{} {}", r.status, r.body)),
            Err(e) => self.other.push(format!("no answer: {e}")),
        }
    }

    /// One winner; every loser refused with `status` and a code of `codes`, in both languages.
    fn assert_one_winner(&self, status: &[u16], codes: &[&str]) {
        assert!(
            self.other.is_empty(),
            "unexpected answers: {:?}",
            self.other
        );
        assert_eq!(self.ok.len(), 1, "{self:?}");
        for (got, body) in &self.refused {
            assert!(status.contains(got), "{got} {body}");
            let code = body["code"].as_str().unwrap_or_default();
            assert!(codes.contains(&code), "code {code}: {body}");
            for message in ["message_zh", "message_en"] {
                assert!(
                    !body[message].as_str().unwrap_or_default().is_empty(),
                    "{message} missing: {body}"
                );
            }
        }
    }
}

/// Sends `n` requests at once (one thread each); `request(i)` is the session and what it posts.
fn race(n: usize, request: impl Fn(usize) -> (Session, String, Value) + Sync) -> Answers {
    let answers = Mutex::new(Answers::default());
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        for i in 0..n {
            let (answers, barrier, request) = (&answers, &barrier, &request);
            scope.spawn(move || {
                let (session, path, body) = request(i);
                barrier.wait();
                let reply = session.post_json(&path, &body);
                answers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(reply);
            });
        }
    });
    answers.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// A served demo registry on the test's database, with its folder and database URL.
struct Demo {
    dir: tempfile::TempDir,
    database: Option<String>,
    server: Option<Server>,
    password: String,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let database = database(dir.path());
        let (server, password) = served_demo(dir.path(), database.as_deref());
        Demo {
            dir,
            database,
            server: Some(server),
            password,
        }
    }

    fn login(&self, name: &str) -> Session {
        let address = self
            .server
            .as_ref()
            .map(|s| s.address)
            .unwrap_or_else(|| panic!("the server is stopped"));
        login(address, name, &self.password)
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// Stops the server; then `guagou verify` must pass.
    fn stop_and_verify(mut self) -> Demo {
        drop(self.server.take());
        assert_verifies(&self.data(), self.database.as_deref());
        self
    }

    /// The audit records (CLI, whole log) of `action` on `subject`.
    fn audit(&self, action: &str, subject: &str) -> Vec<Value> {
        audit_of(&self.data(), self.database.as_deref())
            .into_iter()
            .filter(|r| r["action"] == action && r["subject"] == subject)
            .collect()
    }
}

fn audit_of(data: &Path, database: Option<&str>) -> Vec<Value> {
    let output = guagou(
        data,
        database,
        &["--format", "json", "audit", "--limit", "1000000"],
    );
    json_of(&output).as_array().cloned().unwrap_or_default()
}

fn agreement_body(key: &str) -> Value {
    json!({
        "offer": OFFER, "amount_m2": LISTED_M2, "price_fen_per_mu": GUIDE,
        "schedule": [{ "due_on": "2019-09-01", "amount_fen": TOTAL_FEN }],
        "as_of": "2019-07-20", "idempotency_key": key,
    })
}

fn sign_path() -> String {
    format!("/api/market/listings/{LISTING}/agreements")
}

/// The seller signs the demo listing's offer once; the agreement's id.
fn sign_once(seller: &Session) -> String {
    let reply = must(seller.post_json(&sign_path(), &agreement_body("sign-once")));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", reply.body))
        .to_owned()
}

fn listing_detail(session: &Session) -> Value {
    let reply = must(session.get(&format!("/api/market/listings/{LISTING}")));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// An agreement as the API exports it (`agreement`, beside the names and the transfer).
fn agreement(session: &Session, id: &str) -> Value {
    let reply = must(session.get(&format!("/api/market/agreements/{id}")));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["agreement"].clone()
}

#[test]
fn signatures_of_one_listing_sign_one_agreement() {
    let demo = Demo::start();
    let seller = demo.login("xuanhan");
    let answers = race(6, |i| {
        (
            seller.clone(),
            sign_path(),
            agreement_body(&format!("sign-{i}")),
        )
    });
    answers.assert_one_winner(&[409], &["not_allowed", "state_changed"]);
    let detail = listing_detail(&seller);
    assert_eq!(
        detail["agreements"].as_array().map(Vec::len),
        Some(1),
        "{detail}"
    );
    assert_eq!(detail["listing"]["state"], "agreed");
    let id = answers.ok[0]["id"].as_str().unwrap_or_default().to_owned();
    let demo = demo.stop_and_verify();
    assert_eq!(demo.audit("market.sign", &id).len(), 1);
}

#[test]
fn payments_of_one_instalment_are_recorded_once() {
    let demo = Demo::start();
    let seller = demo.login("xuanhan");
    let finance = demo.login("finance");
    let id = sign_once(&seller);
    let path = format!("/api/market/agreements/{id}/payments");
    let answers = race(20, |i| {
        let body = json!({ "instalment": 1, "amount_fen": TOTAL_FEN, "paid_on": "2019-09-01",
            "note": "全额到账", "idempotency_key": format!("pay-{i}") });
        (seller.clone(), path.clone(), body)
    });
    // The first payment fills the instalment; the rule refuses the rest (422).
    answers.assert_one_winner(&[409, 422], &["invalid"]);
    let paid = agreement(&seller, &id);
    assert_eq!(paid["received_fen"], TOTAL_FEN, "{paid}");
    assert_eq!(paid["payments"].as_array().map(Vec::len), Some(1));
    // The funds journal agrees: one proceeds entry of the whole instalment (the proceeds
    // account is the source of the money, so it goes negative by what came in).
    let reply = must(finance.get("/api/funds/accounts/proceeds:511722"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let proceeds = reply.json();
    assert_eq!(proceeds["balance_fen"], -TOTAL_FEN, "{proceeds}");
    assert_eq!(proceeds["history"].as_array().map(Vec::len), Some(1));
    let demo = demo.stop_and_verify();
    assert_eq!(demo.audit("market.payment", &id).len(), 1);
}

#[test]
fn signing_and_withdrawing_exclude_each_other() {
    let demo = Demo::start();
    let seller = demo.login("xuanhan");
    let answers = race(6, |i| {
        let key = format!("step-{i}");
        if i % 2 == 0 {
            (seller.clone(), sign_path(), agreement_body(&key))
        } else {
            let body = json!({ "reason": "撤牌", "as_of": "2019-07-20", "idempotency_key": key });
            (
                seller.clone(),
                format!("/api/market/listings/{LISTING}/withdraw"),
                body,
            )
        }
    });
    answers.assert_one_winner(&[409], &["not_allowed", "state_changed"]);
    let detail = listing_detail(&seller);
    let agreements = detail["agreements"].as_array().map(Vec::len);
    match detail["listing"]["state"].as_str() {
        Some("agreed") => {
            assert_eq!(agreements, Some(1));
            assert_eq!(detail["listed_balance_m2"], LISTED_M2);
        }
        Some("withdrawn") => {
            assert_eq!(agreements, Some(0));
            assert_eq!(detail["listed_balance_m2"], 0);
        }
        other => panic!("{other:?}: {detail}"),
    }
    demo.stop_and_verify();
}

#[test]
fn settlement_and_cancellation_exclude_each_other() {
    let demo = Demo::start();
    let seller = demo.login("xuanhan");
    let province = demo.login("province");
    let id = sign_once(&seller);
    let buyer_before = ledger_balance(&province, "holding:510100");
    let answers = race(8, |i| {
        let key = format!("step-{i}");
        if i % 2 == 0 {
            let body = json!({ "as_of": "2019-08-01", "idempotency_key": key });
            (
                seller.clone(),
                format!("/api/market/agreements/{id}/settle"),
                body,
            )
        } else {
            let body =
                json!({ "reason": "买方放弃", "as_of": "2019-08-01", "idempotency_key": key });
            (
                seller.clone(),
                format!("/api/market/agreements/{id}/cancel"),
                body,
            )
        }
    });
    answers.assert_one_winner(&[409], &["not_allowed", "state_changed"]);
    let after = agreement(&seller, &id);
    let detail = listing_detail(&seller);
    let buyer_after = ledger_balance(&province, "holding:510100");
    match after["state"].as_str() {
        Some("settled") => {
            assert_eq!(detail["listing"]["state"], "settled");
            assert_eq!(buyer_after, buyer_before + LISTED_M2);
        }
        Some("cancelled") => {
            // A cancelled agreement never transfers quota; the listing is open, escrow full.
            assert_eq!(detail["listing"]["state"], "open");
            assert_eq!(detail["listed_balance_m2"], LISTED_M2);
            assert_eq!(buyer_after, buyer_before);
        }
        other => panic!("{other:?}: {after}"),
    }
    demo.stop_and_verify();
}

#[test]
fn settling_twice_transfers_once() {
    let demo = Demo::start();
    let seller = demo.login("xuanhan");
    let province = demo.login("province");
    let id = sign_once(&seller);
    let buyer_before = ledger_balance(&province, "holding:510100");
    let answers = race(5, |i| {
        let body = json!({ "as_of": "2019-08-01", "idempotency_key": format!("settle-{i}") });
        (
            seller.clone(),
            format!("/api/market/agreements/{id}/settle"),
            body,
        )
    });
    answers.assert_one_winner(&[409], &["not_allowed", "state_changed"]);
    assert_eq!(
        ledger_balance(&province, "holding:510100"),
        buyer_before + LISTED_M2
    );
    let demo = demo.stop_and_verify();
    assert_eq!(demo.audit("market.settle", &id).len(), 1);
    let transfers: Vec<Value> = audit_of(&demo.data(), demo.database.as_deref())
        .into_iter()
        .filter(|r| {
            r["action"] == "ledger.transfer"
                && r["payload"].as_str().unwrap_or_default().contains(LISTING)
        })
        .collect();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
}

#[test]
fn concurrent_steps_move_a_project_once() {
    let demo = Demo::start();
    let city = demo.login("city");
    let answers = race(8, |_| {
        let body = json!({ "as_of": "2019-08-01", "reason": "并发转报" });
        (
            city.clone(),
            format!("/api/projects/{POOLED}/actions/forward"),
            body,
        )
    });
    answers.assert_one_winner(&[409], &["not_allowed", "state_changed"]);
    let demo = demo.stop_and_verify();
    let forwards = demo
        .audit("project.transition", POOLED)
        .into_iter()
        .filter(|r| {
            r["payload"]
                .as_str()
                .unwrap_or_default()
                .contains("\"forward\"")
        })
        .count();
    assert_eq!(forwards, 1);
}

#[test]
fn an_advance_never_lands_on_a_terminated_project() {
    let demo = Demo::start();
    let address = demo
        .server
        .as_ref()
        .map(|s| s.address)
        .unwrap_or_else(|| panic!("no server"));
    approve_draft(address, &demo.password);
    let city = demo.login("city");
    const ADVANCE_M2: i64 = 100;
    let answers = race(12, |i| {
        if i == 0 {
            let body = json!({ "as_of": "2019-08-10", "reason": "终止" });
            (
                city.clone(),
                format!("/api/projects/{DRAFT}/actions/terminate"),
                body,
            )
        } else {
            let body = json!({
                "operation": { "kind": "advance", "project": DRAFT, "amount_m2": ADVANCE_M2 },
                "idempotency_key": format!("race-adv-{i}"), "as_of": "2019-08-10",
                "reason": "预支 (二(四))"
            });
            (city.clone(), "/api/ledger/operations".to_owned(), body)
        }
    });
    assert!(answers.other.is_empty(), "{:?}", answers.other);
    for (status, body) in &answers.refused {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["code"], "not_allowed", "{body}");
        assert!(!body["message_zh"].as_str().unwrap_or_default().is_empty());
        assert!(!body["message_en"].as_str().unwrap_or_default().is_empty());
    }
    let advances = answers.ok.iter().filter(|v| v["seq"].is_u64()).count() as i64;
    assert_eq!(
        -ledger_balance(&city, &format!("advance:{DRAFT}")),
        ADVANCE_M2 * advances
    );
    let demo = demo.stop_and_verify();
    // The termination is recorded once, and every advance that landed committed before it.
    let log = audit_of(&demo.data(), demo.database.as_deref());
    let terminated: Vec<u64> = log
        .iter()
        .filter(|r| {
            r["action"] == "project.transition"
                && r["subject"] == DRAFT
                && r["payload"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("\"terminate\"")
        })
        .filter_map(|r| r["seq"].as_u64())
        .collect();
    assert_eq!(terminated.len(), 1, "{terminated:?}");
    for record in log.iter().filter(|r| r["action"] == "ledger.advance") {
        if record["payload"]
            .as_str()
            .unwrap_or_default()
            .contains(DRAFT)
        {
            assert!(
                record["seq"].as_u64() < Some(terminated[0]),
                "an advance after the termination: {record}"
            );
        }
    }
}
