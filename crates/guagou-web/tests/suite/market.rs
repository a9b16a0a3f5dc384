//! The transfer market through the web and the API: a listing from publication to settlement
//! (offer, agreement with a payment schedule, settlement moving lots that keep their
//! provenance, payments), the price floor (TRANSFER_PRICE_FLOOR), expiry, cancellation, the
//! exports (JSON, PDF with a CJK font) and the refusals: another county, audit, missing CSRF.

use crate::common::{Must, Reply, Session, TestApp, demo_app, encode};
use axum::http::StatusCode;
use guagou_domain::DivisionCode;
use guagou_domain::ledger::Account;
use serde_json::{Value, json};

/// 宣汉县: holds the surplus of its accepted project 511722-2018-001.
const SELLER: &str = "511722";
const SOURCE_PROJECT: &str = "511722-2018-001";
/// 开江县: the other county, the buyer.
const BUYER: &str = "511723";
/// The Sichuan guide price from 2018: 300 000 元/亩 in 分.
const GUIDE: i64 = 30_000_000;

async fn balance(app: &TestApp, account: Account) -> i64 {
    app.registry
        .store_for_tests()
        .balance(&account)
        .await
        .must()
}

fn holding(code: &str) -> Account {
    Account::Holding {
        division: DivisionCode::parse(code).must(),
    }
}

fn listed(id: &str) -> Account {
    Account::Listed {
        listing: id.to_owned(),
    }
}

/// A fresh idempotency key (unique within the test process).
fn fresh_key() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "test-{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Posts JSON with the CSRF header; a body without `idempotency_key` gets a fresh one (each
/// call is a new request unless the test passes a key on purpose).
async fn post(app: &TestApp, session: &Session, path: &str, mut body: Value) -> Reply {
    if let Some(object) = body.as_object_mut() {
        object
            .entry("idempotency_key")
            .or_insert_with(|| Value::String(fresh_key()));
    }
    app.post_json(session, path, Some(&session.csrf), body)
        .await
}

fn cookie(session: &Session) -> String {
    format!("guagou_session={}", session.cookie.clone().must())
}

/// A form body; one without a `key` field gets a fresh one, as a freshly rendered form has.
fn form(fields: &[(&str, &str)]) -> String {
    let mut parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if !fields.iter().any(|(k, _)| *k == "key") {
        parts.push(format!("key={}", fresh_key()));
    }
    parts.join("&")
}

/// The hidden idempotency key of the form `form_id` in a page.
fn form_key(page: &str, form_id: &str) -> String {
    let form = page.split(&format!("id=\"{form_id}\"")).nth(1).must();
    let after = form.split("name=\"key\" value=\"").nth(1).must();
    after.split('"').next().must().to_owned()
}

/// Publishes a listing of the county through the API and returns its id.
async fn publish(app: &TestApp, county: &Session, amount: i64, closes_on: &str) -> String {
    let reply = post(
        app,
        county,
        "/api/market/listings",
        json!({
            "amount_m2": amount, "reserve_price_fen_per_mu": GUIDE,
            "opens_on": "2019-08-01", "closes_on": closes_on,
            "contact": "宣汉县国土资源局 0818-1234567", "as_of": "2019-08-01",
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let listing = reply.json();
    assert_eq!(listing["state"], "open");
    assert_eq!(listing["seller"], SELLER);
    listing["id"].as_str().must().to_owned()
}

async fn offer(app: &TestApp, buyer: &Session, listing: &str, amount: i64) -> String {
    let reply = post(
        app,
        buyer,
        &format!("/api/market/listings/{listing}/offers"),
        json!({ "amount_m2": amount, "price_fen_per_mu": GUIDE, "contact": "开江县国土资源局", "as_of": "2019-08-05" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["id"].as_str().must().to_owned()
}

/// Signs an agreement for `amount` at the guide price with two instalments.
async fn sign(app: &TestApp, seller: &Session, listing: &str, offer: &str, amount: i64) -> Reply {
    // amount × 15 / 10000 亩 × 300 000 元 = amount × 450 元 = amount × 45 000 分.
    let total = amount * 45_000;
    post(
        app,
        seller,
        &format!("/api/market/listings/{listing}/agreements"),
        json!({
            "offer": offer, "amount_m2": amount, "price_fen_per_mu": GUIDE, "as_of": "2019-08-20",
            "schedule": [
                { "due_on": "2019-09-01", "amount_fen": total / 2 },
                { "due_on": "2019-12-01", "amount_fen": total - total / 2 },
            ],
        }),
    )
    .await
}

#[tokio::test]
async fn a_listing_goes_from_publication_to_settlement() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let seller_before = balance(&app, holding(SELLER)).await;
    let buyer_before = balance(&app, holding(BUYER)).await;
    assert!(
        seller_before >= 5_000,
        "the demo county holds {seller_before} m²"
    );

    let listing = publish(&app, &county, 5_000, "2019-09-30").await;
    assert_eq!(balance(&app, listed(&listing)).await, 5_000);
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before - 5_000);

    // Market data: the other county sees the open listing on /market and in the API.
    let market = app.get(&other, "/market").await;
    assert_eq!(market.status, StatusCode::OK);
    assert!(market.body.contains(&listing), "{}", market.body);
    let list = app.get(&other, "/api/market/listings").await;
    assert!(
        list.json()
            .as_array()
            .must()
            .iter()
            .any(|l| l["id"] == listing.as_str())
    );

    let offer_id = offer(&app, &other, &listing, 4_000).await;
    // The seller sees the offer with its accept form; a third party would not.
    let page = app
        .get(&county, &format!("/market/listings/{listing}"))
        .await;
    assert!(page.body.contains(&offer_id), "{}", page.body);
    assert!(page.body.contains(&format!("id=\"accept-{offer_id}\"")));

    // A schedule that does not sum to amount × price is refused.
    let bad = post(
        &app,
        &county,
        &format!("/api/market/listings/{listing}/agreements"),
        json!({ "offer": offer_id, "amount_m2": 4_000, "price_fen_per_mu": GUIDE, "as_of": "2019-08-20",
                "schedule": [{ "due_on": "2019-09-01", "amount_fen": 1 }] }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["field"], "schedule");

    let signed = sign(&app, &county, &listing, &offer_id, 4_000).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let agreement = signed.json();
    let id = agreement["id"].as_str().must().to_owned();
    assert_eq!(agreement["state"], "signed");
    assert_eq!(agreement["total_fen"], 180_000_000);
    assert_eq!(agreement["schedule"].as_array().must().len(), 2);

    // The buyer reads the agreement; settling is the seller's.
    assert_eq!(
        app.get(&other, &format!("/market/agreements/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let by_buyer = post(
        &app,
        &other,
        &format!("/api/market/agreements/{id}/settle"),
        json!({ "as_of": "2019-09-02" }),
    )
    .await;
    assert_eq!(by_buyer.status, StatusCode::FORBIDDEN, "{}", by_buyer.body);

    // Settlement through the page form.
    let settled = app
        .post_form(
            &cookie(&county),
            &format!("/market/agreements/{id}/settle"),
            &form(&[("csrf", &county.csrf), ("as_of", "2019-09-02")]),
        )
        .await;
    assert_eq!(settled.status, StatusCode::SEE_OTHER, "{}", settled.body);
    assert_eq!(balance(&app, holding(BUYER)).await, buyer_before + 4_000);
    assert_eq!(
        balance(&app, listed(&listing)).await,
        0,
        "the escrow is empty"
    );
    // The unsold 1 000 m² went back to the seller.
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before - 4_000);

    // The export names the lots the buyer received, with their producing project.
    let export = app
        .get(&county, &format!("/market/agreements/{id}.json"))
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let export = export.json();
    assert_eq!(export["format"], "guagou.market.agreement/1");
    assert_eq!(export["agreement"]["state"], "settled");
    let lots = export["transfer"]["lots"].as_array().must();
    assert!(!lots.is_empty());
    assert_eq!(
        lots.iter().map(|l| l["m2"].as_i64().must()).sum::<i64>(),
        4_000
    );
    for lot in lots {
        assert_eq!(lot["project"], SOURCE_PROJECT);
        assert!(
            lot["serial"]
                .as_str()
                .must()
                .starts_with(&format!("{SOURCE_PROJECT}:"))
        );
    }
    // Every open lot the buyer holds still traces to a project.
    let buyer_lots = app
        .registry
        .store_for_tests()
        .open_lots(&holding(BUYER))
        .await
        .must();
    assert!(buyer_lots.iter().any(|l| l.project == SOURCE_PROJECT));

    let listing_export = app
        .get(&other, &format!("/market/listings/{listing}.json"))
        .await
        .json();
    assert_eq!(listing_export["format"], "guagou.market.listing/1");
    assert_eq!(listing_export["listing"]["state"], "settled");
    assert_eq!(listing_export["listed_balance_m2"], 0);

    // Payments per instalment, in 分; more than the instalment is refused.
    let paid = post(
        &app,
        &county,
        &format!("/api/market/agreements/{id}/payments"),
        json!({ "instalment": 1, "amount_fen": 90_000_000, "paid_on": "2019-09-01", "note": "第一期" }),
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.json()["received_fen"], 90_000_000);
    let too_much = post(
        &app,
        &county,
        &format!("/api/market/agreements/{id}/payments"),
        json!({ "instalment": 1, "amount_fen": 1, "paid_on": "2019-09-02" }),
    )
    .await;
    assert_eq!(
        too_much.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_much.body
    );
    // A settled agreement can no longer be cancelled.
    let cancel = post(
        &app,
        &county,
        &format!("/api/market/agreements/{id}/cancel"),
        json!({ "reason": "x", "as_of": "2019-09-03" }),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "{}", cancel.body);
}

#[tokio::test]
async fn prices_below_the_guide_price_are_refused() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let low = post(
        &app,
        &county,
        "/api/market/listings",
        json!({
            "amount_m2": 1_000, "reserve_price_fen_per_mu": GUIDE - 1,
            "opens_on": "2019-08-01", "closes_on": "2019-09-30", "contact": "x", "as_of": "2019-08-01",
        }),
    )
    .await;
    assert_eq!(low.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", low.body);
    let problem = low.json();
    assert_eq!(problem["code"], "TRANSFER_PRICE_FLOOR");
    assert_eq!(problem["rule"], "TRANSFER_PRICE_FLOOR");
    assert!(
        problem["message_zh"].as_str().must().contains("二(三)"),
        "{problem}"
    );
    // A listing's price is its reserve price (挂牌底价), not an agreement price.
    let zh = problem["message_zh"].as_str().must();
    assert!(zh.contains("挂牌底价") && !zh.contains("协议价格"), "{zh}");
    let en = problem["message_en"].as_str().must();
    assert!(
        en.contains("reserve price") && !en.contains("agreement price"),
        "{en}"
    );

    // The form says so too, and nothing was listed.
    let page = app
        .post_form(
            &cookie(&county),
            "/market/listings",
            &form(&[
                ("csrf", &county.csrf),
                ("amount_m2", "1000"),
                ("reserve_price_yuan_per_mu", "299999.99"),
                ("opens_on", "2019-08-01"),
                ("closes_on", "2019-09-30"),
                ("contact", "x"),
                ("as_of", "2019-08-01"),
            ]),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("TRANSFER_PRICE_FLOOR"));
    let listings = app.get(&county, "/api/market/listings").await.json();
    assert!(
        listings
            .as_array()
            .must()
            .iter()
            .all(|l| l["reserve_price_fen_per_mu"].as_i64().must() >= GUIDE),
        "nothing below the floor was listed"
    );

    // An agreement below the floor is refused the same way.
    let other = app.login("other").await;
    let listing = publish(&app, &county, 1_000, "2019-09-30").await;
    let offer_id = offer(&app, &other, &listing, 1_000).await;
    let cheap = post(
        &app,
        &county,
        &format!("/api/market/listings/{listing}/agreements"),
        json!({ "offer": offer_id, "amount_m2": 1_000, "price_fen_per_mu": 1_000_000, "as_of": "2019-08-20",
                "schedule": [{ "due_on": "2019-09-01", "amount_fen": 1_500_000 }] }),
    )
    .await;
    assert_eq!(
        cheap.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        cheap.body
    );
    assert_eq!(cheap.json()["rule"], "TRANSFER_PRICE_FLOOR");
    assert!(
        cheap.json()["message_zh"]
            .as_str()
            .must()
            .contains("协议价格"),
        "an agreement's price keeps its name"
    );
}

#[tokio::test]
async fn an_expired_listing_returns_the_quota_to_the_seller() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let before = balance(&app, holding(SELLER)).await;
    let listing = publish(&app, &county, 2_000, "2019-09-30").await;
    assert_eq!(balance(&app, holding(SELLER)).await, before - 2_000);

    // On its close date it is still open.
    let early = post(
        &app,
        &county,
        "/api/market/expire",
        json!({ "as_of": "2019-09-30" }),
    )
    .await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
    assert!(
        !early.json()["expired"]
            .as_array()
            .must()
            .iter()
            .any(|x| x == listing.as_str())
    );

    // The other county's scan does not touch this county's listing.
    let other = app.login("other").await;
    let foreign = post(
        &app,
        &other,
        "/api/market/expire",
        json!({ "as_of": "2019-10-01" }),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::OK);
    assert!(
        !foreign.json()["expired"]
            .as_array()
            .must()
            .iter()
            .any(|x| x == listing.as_str())
    );

    // The county's scan through the page expires it.
    let scan = app
        .post_form(
            &cookie(&county),
            "/market/expire",
            &form(&[("csrf", &county.csrf), ("as_of", "2019-10-01")]),
        )
        .await;
    assert_eq!(scan.status, StatusCode::OK, "{}", scan.body);
    assert!(scan.body.contains(&listing));
    assert_eq!(balance(&app, holding(SELLER)).await, before);
    assert_eq!(balance(&app, listed(&listing)).await, 0);
    let export = app
        .get(&county, &format!("/api/market/listings/{listing}"))
        .await
        .json();
    assert_eq!(export["listing"]["state"], "expired");
    // An expired listing takes no offer; a second scan changes nothing.
    let late = post(
        &app,
        &other,
        &format!("/api/market/listings/{listing}/offers"),
        json!({ "amount_m2": 100, "price_fen_per_mu": GUIDE, "contact": "x", "as_of": "2019-09-01" }),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    let again = post(
        &app,
        &county,
        "/api/market/expire",
        json!({ "as_of": "2019-10-02" }),
    )
    .await;
    assert!(
        !again.json()["expired"]
            .as_array()
            .must()
            .iter()
            .any(|x| x == listing.as_str())
    );
}

#[tokio::test]
async fn a_cancelled_agreement_reopens_the_listing() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let listing = publish(&app, &county, 1_500, "2019-12-31").await;
    let offer_id = offer(&app, &other, &listing, 1_500).await;
    let signed = sign(&app, &county, &listing, &offer_id, 1_500).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let id = signed.json()["id"].as_str().must().to_owned();

    let no_reason = post(
        &app,
        &other,
        &format!("/api/market/agreements/{id}/cancel"),
        json!({ "reason": " ", "as_of": "2019-08-25" }),
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The buyer cancels through the form, with a reason.
    let cancelled = app
        .post_form(
            &cookie(&other),
            &format!("/market/agreements/{id}/cancel"),
            &form(&[
                ("csrf", &other.csrf),
                ("reason", "财政资金未落实"),
                ("as_of", "2019-08-25"),
            ]),
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    let agreement = app
        .get(&county, &format!("/api/market/agreements/{id}"))
        .await
        .json();
    assert_eq!(agreement["agreement"]["state"], "cancelled");
    assert_eq!(agreement["agreement"]["cancel_reason"], "财政资金未落实");
    let page = app.get(&county, &format!("/market/agreements/{id}")).await;
    assert!(page.body.contains("财政资金未落实"));
    // The quota stays listed and the listing is open again; settling is refused.
    assert_eq!(balance(&app, listed(&listing)).await, 1_500);
    let export = app
        .get(&county, &format!("/api/market/listings/{listing}"))
        .await
        .json();
    assert_eq!(export["listing"]["state"], "open");
    let settle = post(
        &app,
        &county,
        &format!("/api/market/agreements/{id}/settle"),
        json!({ "as_of": "2019-09-01" }),
    )
    .await;
    assert_eq!(settle.status, StatusCode::CONFLICT, "{}", settle.body);
    // The seller may now withdraw it: the quota comes back.
    let before = balance(&app, holding(SELLER)).await;
    let withdrawn = post(
        &app,
        &county,
        &format!("/api/market/listings/{listing}/withdraw"),
        json!({ "reason": "另行安排", "as_of": "2019-09-01" }),
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    assert_eq!(withdrawn.json()["state"], "withdrawn");
    assert_eq!(balance(&app, holding(SELLER)).await, before + 1_500);
}

#[tokio::test]
async fn other_counties_audit_and_missing_csrf_are_refused() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let audit = app.login("audit").await;
    let city = app.login("city").await;
    let listing = publish(&app, &county, 1_000, "2019-12-31").await;

    // The seller cannot buy its own listing.
    let own = post(
        &app,
        &county,
        &format!("/api/market/listings/{listing}/offers"),
        json!({ "amount_m2": 100, "price_fen_per_mu": GUIDE, "contact": "x", "as_of": "2019-08-05" }),
    )
    .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
    assert_eq!(own.json()["field"], "buyer");

    // Another county may not withdraw it, nor accept offers on it.
    let withdraw = post(
        &app,
        &other,
        &format!("/api/market/listings/{listing}/withdraw"),
        json!({ "reason": "x", "as_of": "2019-08-05" }),
    )
    .await;
    assert_eq!(withdraw.status, StatusCode::FORBIDDEN, "{}", withdraw.body);
    let offer_id = offer(&app, &other, &listing, 1_000).await;
    let accept = sign(&app, &other, &listing, &offer_id, 1_000).await;
    assert_eq!(accept.status, StatusCode::FORBIDDEN, "{}", accept.body);

    // Another county does not see someone else's offers or agreements.
    let signed = sign(&app, &county, &listing, &offer_id, 1_000).await;
    let id = signed.json()["id"].as_str().must().to_owned();
    // The city (jurisdiction over both) reads it.
    assert_eq!(
        app.get(&city, &format!("/market/agreements/{id}"))
            .await
            .status,
        StatusCode::OK
    );

    // Audit reads everything and writes nothing.
    assert_eq!(
        app.get(&audit, &format!("/market/agreements/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.get(&audit, "/market").await.status, StatusCode::OK);
    let audit_publish = post(
        &app,
        &audit,
        "/api/market/listings",
        json!({ "amount_m2": 100, "reserve_price_fen_per_mu": GUIDE, "opens_on": "2019-08-01",
                "closes_on": "2019-09-30", "contact": "x", "as_of": "2019-08-01" }),
    )
    .await;
    assert_eq!(
        audit_publish.status,
        StatusCode::FORBIDDEN,
        "{}",
        audit_publish.body
    );
    let audit_settle = post(
        &app,
        &audit,
        &format!("/api/market/agreements/{id}/settle"),
        json!({ "as_of": "2019-09-01" }),
    )
    .await;
    assert_eq!(audit_settle.status, StatusCode::FORBIDDEN);
    assert!(
        !app.get(&audit, "/market")
            .await
            .body
            .contains("id=\"publish-form\"")
    );

    // Missing CSRF: API header and form field.
    let no_header = app
        .post_json(
            &county,
            &format!("/api/market/agreements/{id}/settle"),
            None,
            json!({ "as_of": "2019-09-01" }),
        )
        .await;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    assert_eq!(no_header.json()["code"], "csrf");
    let no_field = app
        .post_form(
            &cookie(&county),
            &format!("/market/agreements/{id}/settle"),
            &form(&[("as_of", "2019-09-01")]),
        )
        .await;
    assert_eq!(no_field.status, StatusCode::FORBIDDEN);
    let export = app
        .get(&county, &format!("/api/market/agreements/{id}"))
        .await
        .json();
    assert_eq!(
        export["agreement"]["state"], "signed",
        "nothing was settled"
    );

    // Not signed in: the API answers 401.
    let anonymous = app.get(&Session::default(), "/api/market/listings").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_agreement_pdf_embeds_a_cjk_font() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let listing = publish(&app, &county, 1_000, "2019-12-31").await;
    let offer_id = offer(&app, &other, &listing, 1_000).await;
    let id = sign(&app, &county, &listing, &offer_id, 1_000).await.json()["id"]
        .as_str()
        .must()
        .to_owned();
    let Some(bytes) = fetch_pdf(&app, &county, &format!("/market/agreements/{id}.pdf")).await
    else {
        return;
    };
    assert!(String::from_utf8_lossy(&bytes).contains("/CIDFontType2"));
    keep_pdf(&bytes, "agreement.pdf");
    // The text as a reader copies it (the ToUnicode map): the total in figures with
    // separators and in capitals; no line starts with a closing mark or ends with an opening
    // one, and the quoted clause's 。 stays with its sentence.
    let export = app
        .get(&county, &format!("/api/market/agreements/{id}"))
        .await
        .json();
    let total = export["agreement"]["total_fen"].as_i64().must();
    let lines = pdf_lines(&bytes);
    let text = lines.join("\n");
    let figures = guagou_domain::Fen(total).yuan_grouped_text();
    let capitals = guagou_domain::capitals::rmb_capitals(total);
    assert!(
        text.contains(&format!("{figures} 元（{capitals}")),
        "{figures} {capitals} not in:\n{text}"
    );
    assert!(
        capitals.starts_with("人民币") && capitals.ends_with('整'),
        "{capitals}"
    );
    assert!(
        text.contains("万元/亩"),
        "the price in 万元 per 亩:\n{text}"
    );
    for (n, line) in lines.iter().enumerate() {
        let first = line.chars().next().unwrap_or(' ');
        let last = line.chars().last().unwrap_or(' ');
        assert!(
            !"。，、；：？！）》」』】％".contains(first),
            "line {n} starts with {first}:\n{text}"
        );
        assert!(
            !"（《「『【".contains(last),
            "line {n} ends with {last}:\n{text}"
        );
    }
    assert!(
        lines.iter().any(|l| l.ends_with("议。")),
        "the clause ends its line with its full stop:\n{text}"
    );
    // Another county of another city would get 404; the county's own reads it. Unsigned-in
    // browsers are sent to the login page.
    let anonymous = app
        .get(&Session::default(), &format!("/market/agreements/{id}.pdf"))
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_demo_shows_a_listing_with_an_offer() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let market = app.get(&county, "/market").await;
    assert_eq!(market.status, StatusCode::OK);
    assert!(
        market.body.contains("GP-511722-2019-001"),
        "{}",
        market.body
    );
    assert!(
        market.body.contains("GP-511722-2019-001-O1"),
        "the seller sees the offer"
    );
    let other = app.login("other").await;
    let page = app.get(&other, "/market/listings/GP-511722-2019-001").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("GP-511722-2019-001-O1"),
        "a third county does not see the offer"
    );
    assert!(page.body.contains("id=\"offer-form\""));
    let spec = app
        .get(&Session::default(), "/api/openapi.json")
        .await
        .json();
    let paths: Vec<&String> = spec["paths"].as_object().must().keys().collect();
    for path in [
        "/market/listings",
        "/market/listings/{id}/agreements",
        "/market/agreements/{id}/settle",
        "/market/expire",
    ] {
        assert!(paths.iter().any(|p| p.ends_with(path)), "{path} documented");
    }
}

/// SPEC §8: every market write carries an idempotency key; the same request twice posts once,
/// the same key with another request is 409 `idempotency_conflict`, a missing key is 422.
#[tokio::test]
async fn the_same_market_request_twice_posts_once() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let seller_before = balance(&app, holding(SELLER)).await;
    let listing_body = json!({
        "amount_m2": 2_000, "reserve_price_fen_per_mu": GUIDE, "opens_on": "2019-08-01",
        "closes_on": "2019-12-31", "contact": "宣汉县国土资源局", "as_of": "2019-08-01",
        "idempotency_key": "publish-1",
    });
    let first = post(&app, &county, "/api/market/listings", listing_body.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = post(&app, &county, "/api/market/listings", listing_body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let listing = first.json()["id"].as_str().must().to_owned();
    assert_eq!(again.json()["id"], listing.as_str(), "the stored result");
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before - 2_000);
    // The same key with another request is a conflict; nothing is posted.
    let mut changed = listing_body.clone();
    changed["amount_m2"] = json!(3_000);
    let conflict = post(&app, &county, "/api/market/listings", changed).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert_eq!(conflict.json()["code"], "idempotency_conflict");
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before - 2_000);
    // A blank key is refused.
    let mut keyless = listing_body.clone();
    keyless["idempotency_key"] = json!(" ");
    let missing = post(&app, &county, "/api/market/listings", keyless).await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.body
    );

    // Offer twice: one offer.
    let offer_body = json!({ "amount_m2": 2_000, "price_fen_per_mu": GUIDE, "contact": "开江县",
                             "as_of": "2019-08-05", "idempotency_key": "offer-1" });
    let path = format!("/api/market/listings/{listing}/offers");
    let o1 = post(&app, &other, &path, offer_body.clone()).await;
    let o2 = post(&app, &other, &path, offer_body.clone()).await;
    assert_eq!(o2.status, StatusCode::OK, "{}", o2.body);
    let offer_id = o1.json()["id"].as_str().must().to_owned();
    assert_eq!(o2.json()["id"], offer_id.as_str());
    let detail = app
        .get(&county, &format!("/api/market/listings/{listing}"))
        .await
        .json();
    assert_eq!(detail["offers"].as_array().must().len(), 1, "{detail}");

    // Sign twice: one agreement.
    let sign_body = json!({ "offer": offer_id, "amount_m2": 2_000, "price_fen_per_mu": GUIDE,
        "as_of": "2019-08-20", "schedule": [{ "due_on": "2019-09-01", "amount_fen": 90_000_000 }],
        "idempotency_key": "sign-1" });
    let path = format!("/api/market/listings/{listing}/agreements");
    let a1 = post(&app, &county, &path, sign_body.clone()).await;
    let a2 = post(&app, &county, &path, sign_body.clone()).await;
    assert_eq!(a1.status, StatusCode::OK, "{}", a1.body);
    assert_eq!(a2.status, StatusCode::OK, "{}", a2.body);
    let agreement = a1.json()["id"].as_str().must().to_owned();
    assert_eq!(a2.json()["id"], agreement.as_str());

    // Settle twice: the second answers the settled agreement (not 409), the quota moved once.
    let buyer_before = balance(&app, holding(BUYER)).await;
    let path = format!("/api/market/agreements/{agreement}/settle");
    let settle_body = json!({ "as_of": "2019-09-02", "idempotency_key": "settle-1" });
    let s1 = post(&app, &county, &path, settle_body.clone()).await;
    let s2 = post(&app, &county, &path, settle_body.clone()).await;
    assert_eq!(s1.status, StatusCode::OK, "{}", s1.body);
    assert_eq!(s2.status, StatusCode::OK, "{}", s2.body);
    assert_eq!(s2.json()["state"], "settled");
    assert_eq!(balance(&app, holding(BUYER)).await, buyer_before + 2_000);

    // A payment twice: received once.
    let path = format!("/api/market/agreements/{agreement}/payments");
    let pay = json!({ "instalment": 1, "amount_fen": 10_000_000, "paid_on": "2019-09-01",
                      "idempotency_key": "pay-1" });
    let p1 = post(&app, &county, &path, pay.clone()).await;
    let p2 = post(&app, &county, &path, pay.clone()).await;
    assert_eq!(p1.status, StatusCode::OK, "{}", p1.body);
    assert_eq!(p2.status, StatusCode::OK, "{}", p2.body);
    assert_eq!(p2.json()["received_fen"], 10_000_000);
    assert_eq!(p2.json()["payments"].as_array().must().len(), 1);
    // The same key for another action is a conflict too.
    let reused = post(&app, &county, &path,
        json!({ "instalment": 1, "amount_fen": 1, "paid_on": "2019-09-01", "idempotency_key": "settle-1" })).await;
    assert_eq!(reused.status, StatusCode::CONFLICT, "{}", reused.body);
    assert_eq!(reused.json()["code"], "idempotency_conflict");
}

/// The page forms carry a fresh key per render: submitting the same rendered form twice posts
/// once; withdrawing and cancelling twice answer the done state, not a conflict.
#[tokio::test]
async fn a_form_submitted_twice_posts_once() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let market = app.get(&county, "/market").await;
    let key = form_key(&market.body, "publish-form");
    assert_eq!(key.len(), 32, "{key}");
    let again = app.get(&county, "/market").await;
    assert_ne!(
        form_key(&again.body, "publish-form"),
        key,
        "fresh per render"
    );
    let seller_before = balance(&app, holding(SELLER)).await;
    let body = form(&[
        ("csrf", &county.csrf),
        ("key", &key),
        ("amount_m2", "1000"),
        ("reserve_price_yuan_per_mu", "300000"),
        ("opens_on", "2019-08-01"),
        ("closes_on", "2019-12-31"),
        ("contact", "宣汉县"),
        ("as_of", "2019-08-01"),
    ]);
    let first = app
        .post_form(&cookie(&county), "/market/listings", &body)
        .await;
    let second = app
        .post_form(&cookie(&county), "/market/listings", &body)
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(
        first.headers.get("location"),
        second.headers.get("location"),
        "the same listing"
    );
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before - 1_000);
    let listing = first.headers.get("location").must().to_str().must();
    let listing = listing.rsplit('/').next().must().to_owned();

    // Withdraw twice through the form: the second shows the withdrawn listing.
    let page = app
        .get(&county, &format!("/market/listings/{listing}"))
        .await;
    let key = form_key(&page.body, "withdraw-form");
    let body = form(&[
        ("csrf", &county.csrf),
        ("key", &key),
        ("reason", "另行安排"),
        ("as_of", "2019-08-02"),
    ]);
    let path = format!("/market/listings/{listing}/withdraw");
    let w1 = app.post_form(&cookie(&county), &path, &body).await;
    let w2 = app.post_form(&cookie(&county), &path, &body).await;
    assert_eq!(w1.status, StatusCode::SEE_OTHER, "{}", w1.body);
    assert_eq!(w2.status, StatusCode::SEE_OTHER, "{}", w2.body);
    assert_eq!(balance(&app, holding(SELLER)).await, seller_before);

    // Cancel twice through the API with one key.
    let listing = publish(&app, &county, 1_000, "2019-12-31").await;
    let offer_id = offer(&app, &other, &listing, 1_000).await;
    let agreement = sign(&app, &county, &listing, &offer_id, 1_000).await.json()["id"]
        .as_str()
        .must()
        .to_owned();
    let path = format!("/api/market/agreements/{agreement}/cancel");
    let cancel =
        json!({ "reason": "买方撤回", "as_of": "2019-08-25", "idempotency_key": "cancel-1" });
    let c1 = post(&app, &other, &path, cancel.clone()).await;
    let c2 = post(&app, &other, &path, cancel.clone()).await;
    assert_eq!(c1.status, StatusCode::OK, "{}", c1.body);
    assert_eq!(c2.status, StatusCode::OK, "{}", c2.body);
    assert_eq!(c2.json()["state"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_pdf_embeds_a_cjk_font_and_follows_read_rights() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let listing = publish(&app, &county, 1_000, "2019-12-31").await;
    let Some(bytes) = fetch_pdf(&app, &county, &format!("/market/listings/{listing}.pdf")).await
    else {
        return;
    };
    keep_pdf(&bytes, "listing.pdf");
    // The listing page links it; anonymous readers are sent to sign in.
    let page = app
        .get(&county, &format!("/market/listings/{listing}"))
        .await;
    assert!(page.body.contains("id=\"listing-pdf\""), "{}", page.body);
    let anonymous = app
        .get(
            &Session::default(),
            &format!("/market/listings/{listing}.pdf"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

/// GETs a PDF as `session`. Without a CJK font on the machine, checks the 503 answer, says so
/// loudly and returns None; otherwise checks a PDF with the font embedded and a Unicode map.
async fn fetch_pdf(app: &TestApp, session: &Session, path: &str) -> Option<Vec<u8>> {
    let request = axum::http::Request::get(path)
        .header("cookie", cookie(session))
        .body(axum::body::Body::empty())
        .must();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .must();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .must();
    if guagou_web::market::pdf::CjkFont::find().is_none() {
        eprintln!(
            "!!!!!!!! SKIPPED: no CJK font on this machine (install fonts-wqy-microhei) !!!!!!!!"
        );
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(String::from_utf8_lossy(&bytes).contains("cjk_font_missing"));
        return None;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(bytes.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/FontFile2"), "the font is embedded");
    assert!(text.contains("/ToUnicode"));
    Some(bytes.to_vec())
}

/// Writes a PDF for a look by hand when GUAGOU_MARKET_PDF_OUT names a folder (docs/market-exports.md).
fn keep_pdf(bytes: &[u8], name: &str) {
    if let Ok(dir) = std::env::var("GUAGOU_MARKET_PDF_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).must();
    }
}

/// The lines of text of a PDF built by `market::pdf` (uncompressed content streams showing
/// two-byte glyph ids, decoded with the document's ToUnicode map), in order.
fn pdf_lines(pdf: &[u8]) -> Vec<String> {
    let streams = pdf_streams(pdf);
    let mut to_unicode: std::collections::HashMap<u16, String> = std::collections::HashMap::new();
    for stream in &streams {
        let text = String::from_utf8_lossy(stream);
        // The map comes in blocks of at most 100 pairs.
        let hex: Vec<&str> = text
            .split("beginbfchar")
            .skip(1)
            .flat_map(|block| {
                block
                    .split("endbfchar")
                    .next()
                    .unwrap_or("")
                    .split(['<', '>'])
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        for pair in hex.chunks(2) {
            if let [glyph, unicode] = pair {
                let units: Vec<u16> = (0..unicode.len() / 4)
                    .map(|i| u16::from_str_radix(&unicode[i * 4..i * 4 + 4], 16).must())
                    .collect();
                to_unicode.insert(
                    u16::from_str_radix(glyph, 16).must(),
                    String::from_utf16(&units).must(),
                );
            }
        }
    }
    assert!(!to_unicode.is_empty(), "no ToUnicode map");
    let mut lines = Vec::new();
    for stream in streams.iter().filter(|s| {
        let head = String::from_utf8_lossy(&s[..s.len().min(200)]).into_owned();
        head.contains("BT") && head.contains("Tf")
    }) {
        let mut i = 0;
        while i < stream.len() {
            let bytes = match stream[i] {
                b'<' if stream.get(i + 1) != Some(&b'<') => {
                    let end = i + stream[i..].iter().position(|&b| b == b'>').must();
                    let hex = String::from_utf8_lossy(&stream[i + 1..end]).into_owned();
                    i = end + 1;
                    (0..hex.len() / 2)
                        .map(|k| u8::from_str_radix(&hex[k * 2..k * 2 + 2], 16).must())
                        .collect::<Vec<u8>>()
                }
                b'(' => {
                    let (bytes, end) = literal(stream, i);
                    i = end;
                    bytes
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            let line: String = bytes
                .chunks(2)
                .map(|pair| {
                    let glyph = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
                    to_unicode.get(&glyph).cloned().unwrap_or_default()
                })
                .collect();
            lines.push(line);
        }
    }
    lines
}

/// A PDF literal string starting at `start` (`(`): its bytes and the index after it.
fn literal(data: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut i = start;
    while i < data.len() {
        let b = data[i];
        match b {
            b'(' if depth == 0 => depth = 1,
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (out, i + 1);
                }
                out.push(b);
            }
            b'\\' => {
                i += 1;
                match data.get(i).copied().unwrap_or(b'\\') {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    d @ b'0'..=b'7' => {
                        let mut value = u32::from(d - b'0');
                        for _ in 0..2 {
                            match data.get(i + 1) {
                                Some(&o @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(o - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(u8::try_from(value & 0xff).must());
                    }
                    other => out.push(other),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    (out, i)
}

/// The contents of every `stream … endstream` of a PDF.
fn pdf_streams(pdf: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"stream") {
        let mut start = at + found + b"stream".len();
        if pdf[..at + found].ends_with(b"end") {
            at = start;
            continue;
        }
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let Some(len) = find(&pdf[start..], b"endstream") else {
            break;
        };
        out.push(&pdf[start..start + len]);
        at = start + len + b"endstream".len();
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
