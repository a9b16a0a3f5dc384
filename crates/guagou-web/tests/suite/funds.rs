//! The funds ledger through the web and the API: double entry exact to the 分, spending beyond
//! the money held refused (`funds_insufficient`), idempotent re-posts, the verifier naming an
//! edited row, transfer proceeds credited by a market payment, and the refusals: finance of
//! another county, the land bureau, audit (read-only) and a missing CSRF token.

use crate::common::{Must, PASSWORD, Reply, Session, TestApp, demo_app, encode};
use axum::http::StatusCode;
use guagou_registry::testing;
use guagou_web::create_user;
use serde_json::{Value, json};

/// The demo's city-invested project (通川区, investment attraction).
const PROJECT: &str = "511702-2019-001";
const PROJECT_FUND: &str = "project:511702:511702-2019-001";
/// What the demo leaves in it: 12 000 000.00 − 3 567 890.50 − 86 500.00 元.
const DEMO_PROJECT_FUND: i64 = 1_200_000_000 - 356_789_050 - 8_650_000;

/// The demo plus finance users: the city's, 通川区's (the project's county) and 宣汉县's.
async fn app() -> TestApp {
    let app = demo_app().await;
    for (name, division) in [
        ("fin_city", "511700"),
        ("fin_tc", "511702"),
        ("fin_xh", "511722"),
    ] {
        create_user(&app.registry, name, division, "finance", PASSWORD)
            .await
            .must();
    }
    app
}

async fn post(app: &TestApp, session: &Session, path: &str, body: Value) -> Reply {
    app.post_json(session, path, Some(&session.csrf), body)
        .await
}

async fn balance(app: &TestApp, session: &Session, account: &str) -> i64 {
    let reply = app
        .get(session, &format!("/api/funds/accounts/{account}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["balance_fen"].as_i64().must()
}

fn spending(amount_fen: i64, key: &str) -> Value {
    json!({
        "project": PROJECT, "category": "reclamation", "paid_from": "project",
        "payee": "某土地整理公司", "voucher": "记-2019-0815", "amount_fen": amount_fen,
        "paid_on": "2019-08-15", "reason": "复垦进度款", "idempotency_key": key,
    })
}

fn investment(amount_fen: i64, key: &str) -> Value {
    json!({
        "project": PROJECT, "source": "investment_attraction", "amount_fen": amount_fen,
        "received_on": "2019-08-01", "idempotency_key": key,
    })
}

#[tokio::test]
async fn money_balances_to_the_fen_and_cannot_be_overspent() {
    let app = app().await;
    let fin = app.login("fin_tc").await;
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, DEMO_PROJECT_FUND);

    // City investment received: both legs of exactly the amount, summing to zero.
    let reply = post(
        &app,
        &fin,
        "/api/funds/investments",
        investment(123_456_789, "inv-1"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let entry = reply.json();
    assert_eq!(entry["operation"]["kind"], "invest");
    let legs = entry["legs"].as_array().must();
    assert_eq!(legs.len(), 2);
    assert_eq!(
        legs.iter()
            .map(|l| l["amount_fen"].as_i64().must())
            .sum::<i64>(),
        0
    );
    assert!(legs.iter().any(|l| l["amount_fen"] == 123_456_789));
    let held = DEMO_PROJECT_FUND + 123_456_789;
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, held);
    assert_eq!(
        balance(
            &app,
            &fin,
            "invest:investment_attraction:511702:511702-2019-001"
        )
        .await,
        -(1_200_000_000 + 123_456_789)
    );
    // The source must be the project's recorded one.
    let wrong_source = post(
        &app,
        &fin,
        "/api/funds/investments",
        json!({ "project": PROJECT, "source": "city_budget", "amount_fen": 1,
                "received_on": "2019-08-01", "idempotency_key": "inv-wrong" }),
    )
    .await;
    assert_eq!(
        wrong_source.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong_source.body
    );
    assert_eq!(wrong_source.json()["field"], "source");

    // One 分 more than the project fund holds is refused, naming the check; nothing moves.
    let over = post(
        &app,
        &fin,
        "/api/funds/spending",
        spending(held + 1, "sp-over"),
    )
    .await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.body);
    assert_eq!(over.json()["code"], "funds_insufficient");
    assert_eq!(over.json()["rule"], Value::Null);
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, held);
    // Paying from the county fund, which holds nothing, is refused too.
    let mut from_county = spending(1, "sp-county");
    from_county["paid_from"] = json!("county");
    let refused = post(&app, &fin, "/api/funds/spending", from_county).await;
    assert_eq!(
        refused.json()["code"],
        "funds_insufficient",
        "{}",
        refused.body
    );

    // Exactly what it holds is paid; the same request again posts once.
    let spent = post(&app, &fin, "/api/funds/spending", spending(held, "sp-all")).await;
    assert_eq!(spent.status, StatusCode::OK, "{}", spent.body);
    let again = post(&app, &fin, "/api/funds/spending", spending(held, "sp-all")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["seq"], spent.json()["seq"]);
    assert_eq!(again.json()["hash"], spent.json()["hash"]);
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, 0);
    assert_eq!(
        balance(&app, &fin, "spent:reclamation:511702:511702-2019-001").await,
        356_789_050 + held
    );
    // The same key for another request is a conflict.
    let conflict = post(&app, &fin, "/api/funds/spending", spending(1, "sp-all")).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert_eq!(conflict.json()["code"], "funds_idempotency_conflict");

    // Compensation keeps no full name: the name is masked.
    let paid = post(
        &app,
        &fin,
        "/api/funds/investments",
        investment(500_000, "inv-2"),
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK);
    let comp = post(
        &app,
        &fin,
        "/api/funds/compensation",
        json!({ "project": PROJECT, "household": "张三丰", "paid_from": "project",
                "voucher": "补-0042", "amount_fen": 499_999, "paid_on": "2019-08-20",
                "idempotency_key": "comp-1" }),
    )
    .await;
    assert_eq!(comp.status, StatusCode::OK, "{}", comp.body);
    assert_eq!(comp.json()["operation"]["household"], "张**");
    assert!(!comp.body.contains("张三丰"));
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, 1);

    // The journal still verifies, and the balances page shows 元 with two decimals.
    let audit = app.login("audit").await;
    let check = app.get(&audit, "/api/funds/verify").await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert_eq!(check.json()["ok"], true, "{}", check.body);
    let page = app.get(&fin, "/funds").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0.01"), "{}", page.body);
    assert!(page.body.contains("id=\"form-spending\""));
}

#[tokio::test]
async fn the_forms_take_yuan_and_a_reversal_corrects_without_editing() {
    let app = app().await;
    let fin = app.login("fin_city").await;
    let cookie = format!("guagou_session={}", fin.cookie.clone().must());
    let form = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let reply = app
        .post_form(
            &cookie,
            "/funds/investments",
            &form(&[
                ("csrf", &fin.csrf),
                ("project", PROJECT),
                ("source", "investment_attraction"),
                ("amount_yuan", "1234.56"),
                ("received_on", "2019-08-01"),
                ("idempotency_key", "form-inv"),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().must();
    assert!(location.starts_with("/funds/entries/"));
    let entry = app.get(&fin, &location).await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(entry.body.contains("1234.56"), "{}", entry.body);
    assert!(entry.body.contains("id=\"hash\"") && entry.body.contains("id=\"prev-hash\""));
    assert_eq!(
        balance(&app, &fin, PROJECT_FUND).await,
        DEMO_PROJECT_FUND + 123_456
    );
    // An amount with three decimals is refused on its field.
    let bad = app
        .post_form(
            &cookie,
            "/funds/investments",
            &form(&[
                ("csrf", &fin.csrf),
                ("project", PROJECT),
                ("source", "investment_attraction"),
                ("amount_yuan", "1.234"),
                ("received_on", "2019-08-01"),
                ("idempotency_key", "form-bad"),
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("amount_yuan"));

    // Reversal: a new entry with the legs negated; the original stays.
    let seq: u64 = location.rsplit('/').next().must().parse().must();
    let reversed = post(
        &app,
        &fin,
        &format!("/api/funds/entries/{seq}/reverse"),
        json!({ "reason": "重复登记", "as_of": "2019-08-02", "idempotency_key": "rev-1" }),
    )
    .await;
    assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.body);
    assert_eq!(reversed.json()["operation"]["seq"], seq);
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, DEMO_PROJECT_FUND);
    let twice = post(
        &app,
        &fin,
        &format!("/api/funds/entries/{seq}/reverse"),
        json!({ "reason": "again", "as_of": "2019-08-02", "idempotency_key": "rev-2" }),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert_eq!(twice.json()["code"], "funds_not_reversible");
    assert_eq!(app.get(&fin, &location).await.status, StatusCode::OK);
}

#[tokio::test]
async fn verify_names_an_edited_row() {
    let app = app().await;
    let audit = app.login("audit").await;
    let ok = app.get(&audit, "/api/funds/verify").await.json();
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["entries"], 3);

    // A fraudster lowers the amount spent in entry 2 (its leg row).
    testing::execute(
        &app.registry,
        "UPDATE funds_legs SET amount_fen = amount_fen - 100000 WHERE seq = 2 AND idx = 0",
        &[],
    )
    .await
    .must();
    let check = app.get(&audit, "/api/funds/verify").await.json();
    assert_eq!(check["ok"], false);
    assert_eq!(check["bad_seq"], 2, "{check}");
    let page = app.get(&audit, "/funds/verify").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"verify-failed\""), "{}", page.body);
    assert!(page.body.contains("/funds/entries/2"));
    testing::execute(
        &app.registry,
        "UPDATE funds_legs SET amount_fen = amount_fen + 100000 WHERE seq = 2 AND idx = 0",
        &[],
    )
    .await
    .must();
    assert_eq!(
        app.get(&audit, "/api/funds/verify").await.json()["ok"],
        true
    );

    // The hashed JSON itself edited: its hash no longer matches.
    testing::execute(&app.registry, "UPDATE funds_entries SET entry_json = REPLACE(entry_json, '8650000', '8640000') WHERE seq = 3", &[])
        .await
        .must();
    let check = app.get(&audit, "/api/funds/verify").await.json();
    assert_eq!(check["bad_seq"], 3, "{check}");
    testing::execute(&app.registry, "UPDATE funds_entries SET entry_json = REPLACE(entry_json, '8640000', '8650000') WHERE seq = 3", &[])
        .await
        .must();

    // A stored balance edited: the account is named.
    testing::execute(
        &app.registry,
        "UPDATE funds_balances SET balance_fen = balance_fen + 1 WHERE account = $1",
        &[PROJECT_FUND],
    )
    .await
    .must();
    let check = app.get(&audit, "/api/funds/verify").await.json();
    assert_eq!(check["ok"], false);
    assert_eq!(check["bad_account"], PROJECT_FUND, "{check}");

    // The verifier is for audit and the city, not for a county.
    let county = app.login("county").await;
    assert_eq!(
        app.get(&county, "/api/funds/verify").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&county, "/funds/verify").await.status,
        StatusCode::FORBIDDEN
    );
    let city = app.login("city").await;
    assert_eq!(
        app.get(&city, "/api/funds/verify").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_market_payment_credits_the_sellers_proceeds() {
    let app = app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let fin = app.login("fin_xh").await;
    let before = balance(&app, &fin, "county:511722").await;

    let listing = post(
        &app,
        &county,
        "/api/market/listings",
        json!({ "amount_m2": 2_000, "reserve_price_fen_per_mu": 30_000_000,
                "opens_on": "2019-08-01", "closes_on": "2019-09-30",
                "contact": "宣汉县国土资源局", "as_of": "2019-08-01",
                "idempotency_key": "funds-test-listing" }),
    )
    .await;
    assert_eq!(listing.status, StatusCode::OK, "{}", listing.body);
    let listing = listing.json()["id"].as_str().must().to_owned();
    let offer = post(
        &app,
        &other,
        &format!("/api/market/listings/{listing}/offers"),
        json!({ "amount_m2": 2_000, "price_fen_per_mu": 30_000_000, "contact": "开江县", "as_of": "2019-08-05", "idempotency_key": "funds-test-offer" }),
    )
    .await;
    assert_eq!(offer.status, StatusCode::OK, "{}", offer.body);
    let offer = offer.json()["id"].as_str().must().to_owned();
    // 2 000 m² = 3 亩 × 300 000 元 = 900 000 元.
    let signed = post(
        &app,
        &county,
        &format!("/api/market/listings/{listing}/agreements"),
        json!({ "offer": offer, "amount_m2": 2_000, "price_fen_per_mu": 30_000_000, "as_of": "2019-08-20",
                "schedule": [{ "due_on": "2019-09-01", "amount_fen": 90_000_000 }],
                "idempotency_key": "funds-test-agreement" }),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let agreement = signed.json()["id"].as_str().must().to_owned();
    let settled = post(
        &app,
        &county,
        &format!("/api/market/agreements/{agreement}/settle"),
        json!({ "as_of": "2019-08-25", "idempotency_key": "funds-test-settle" }),
    )
    .await;
    assert_eq!(settled.status, StatusCode::OK, "{}", settled.body);
    let paid = post(
        &app,
        &county,
        &format!("/api/market/agreements/{agreement}/payments"),
        json!({ "instalment": 1, "amount_fen": 45_000_001, "paid_on": "2019-09-01", "note": "首付",
                "idempotency_key": "funds-test-payment" }),
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);

    assert_eq!(
        balance(&app, &fin, "county:511722").await,
        before + 45_000_001
    );
    assert_eq!(balance(&app, &fin, "proceeds:511722").await, -45_000_001);
    // The proceeds now pay for poverty relief from the county fund.
    let relief = post(
        &app,
        &fin,
        "/api/funds/spending",
        json!({ "county": "511722", "category": "poverty_relief", "paid_from": "county",
                "payee": "宣汉县扶贫开发局", "voucher": "扶-2019-09", "amount_fen": 45_000_001,
                "paid_on": "2019-09-10", "idempotency_key": "relief-1" }),
    )
    .await;
    assert_eq!(relief.status, StatusCode::OK, "{}", relief.body);
    assert_eq!(balance(&app, &fin, "county:511722").await, before);
    let audit = app.login("audit").await;
    assert_eq!(
        app.get(&audit, "/api/funds/verify").await.json()["ok"],
        true
    );
}

#[tokio::test]
async fn rights_are_enforced() {
    let app = app().await;
    let other_finance = app.login("fin_xh").await;
    let land = app.login("county").await;
    let audit = app.login("audit").await;
    let fin = app.login("fin_tc").await;

    // Finance of another county may not record money for 通川区's project.
    let foreign = post(
        &app,
        &other_finance,
        "/api/funds/investments",
        investment(100, "r-1"),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    assert_eq!(foreign.json()["code"], "forbidden");
    // The land bureau reads but does not record money.
    let by_land = post(&app, &land, "/api/funds/spending", spending(1, "r-2")).await;
    assert_eq!(by_land.status, StatusCode::FORBIDDEN, "{}", by_land.body);
    assert_eq!(by_land.json()["code"], "department");
    // Audit is read-only.
    let by_audit = post(
        &app,
        &audit,
        "/api/funds/investments",
        investment(100, "r-3"),
    )
    .await;
    assert_eq!(by_audit.status, StatusCode::FORBIDDEN, "{}", by_audit.body);
    // No CSRF token, or a wrong one: refused.
    let no_csrf = app
        .post_json(&fin, "/api/funds/investments", None, investment(100, "r-4"))
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(no_csrf.json()["code"], "csrf");
    let cookie = format!("guagou_session={}", fin.cookie.clone().must());
    let page_no_csrf = app
        .post_form(
            &cookie,
            "/funds/investments",
            &format!(
                "csrf=wrong&project={PROJECT}&source=investment_attraction&amount_yuan=1&received_on=2019-08-01&idempotency_key=r-5"
            ),
        )
        .await;
    assert_eq!(page_no_csrf.status, StatusCode::FORBIDDEN);
    // None of those posted anything.
    assert_eq!(balance(&app, &fin, PROJECT_FUND).await, DEMO_PROJECT_FUND);

    // Reads follow jurisdiction: 宣汉县 sees neither 通川区's account nor its entries.
    for path in [
        format!("/api/funds/accounts/{PROJECT_FUND}"),
        "/api/funds/entries/1".to_owned(),
        format!("/funds/accounts/{PROJECT_FUND}"),
        "/funds/entries/1".to_owned(),
        "/api/funds/accounts/nonsense".to_owned(),
        "/api/funds/entries/999999999999999999999".to_owned(),
    ] {
        assert_eq!(
            app.get(&land, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            app.get(&audit, &path).await.status == StatusCode::OK,
            !path.contains("nonsense") && !path.contains("99999"),
            "{path}"
        );
    }
    let balances = app.get(&land, "/api/funds/balances").await.json();
    assert!(
        balances
            .as_array()
            .must()
            .iter()
            .all(|b| b["county"] == "511722"),
        "{balances}"
    );
    let all = app.get(&audit, "/api/funds/balances").await.json();
    assert!(
        all.as_array()
            .must()
            .iter()
            .any(|b| b["account"] == PROJECT_FUND)
    );
    // The audit page shows the balances but no forms.
    let page = app.get(&audit, "/funds").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(PROJECT_FUND));
    assert!(!page.body.contains("form-investment"));
    assert!(page.body.contains("verify-link"));
    assert_eq!(
        app.get(&Session::default(), "/api/funds/balances")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // The API is described.
    let doc = app.get(&audit, "/api/openapi.json").await.json();
    let paths: Vec<&String> = doc["paths"].as_object().must().keys().collect();
    for path in [
        "/funds/balances",
        "/funds/accounts/{key}",
        "/funds/entries/{seq}",
        "/funds/spending",
        "/funds/investments",
        "/funds/compensation",
        "/funds/entries/{seq}/reverse",
        "/funds/verify",
    ] {
        assert!(
            paths.iter().any(|p| p.ends_with(path)),
            "{path} missing from the OpenAPI document"
        );
    }
}
