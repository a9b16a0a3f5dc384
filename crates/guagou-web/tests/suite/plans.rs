//! Divisions, special plans and the audit log, driven in process: pages for each role, a plan
//! through its lifecycle with department opinions and rule refusals, another county's 404,
//! read-only audit, CSRF, the county's view of the audit log, and the division import.

use crate::common::{Must, PASSWORD, Reply, Session, TestApp, demo_app, encode};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

const OWN_PLAN: &str = "511722-2016-2020";
const OTHER_PLAN: &str = "511723-2016-2020";

fn cookie(session: &Session) -> String {
    format!("guagou_session={}", session.cookie.clone().must())
}

/// POSTs a form as `session` (with its CSRF token unless `csrf` is false).
async fn form(app: &TestApp, session: &Session, path: &str, fields: &str, csrf: bool) -> Reply {
    let body = if csrf {
        format!("csrf={}&{fields}", session.csrf)
    } else {
        fields.to_owned()
    };
    app.post_form(&cookie(session), path, &body).await
}

/// POSTs a multipart form with a `file` field (and `csrf` if given).
async fn multipart(
    app: &TestApp,
    session: &Session,
    path: &str,
    csrf_field: Option<&str>,
    csrf_header: Option<&str>,
    csv: &str,
) -> Reply {
    let boundary = "XgUaGoUbOuNdArY";
    let mut body = String::new();
    if let Some(csrf) = csrf_field {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"villages.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let mut request = Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, cookie(session));
    if let Some(csrf) = csrf_header {
        request = request.header("x-csrf-token", csrf);
    }
    app.send(request.body(Body::from(body)).must()).await
}

/// POSTs a CSV body to the API.
async fn csv_body(app: &TestApp, session: &Session, csrf: Option<&str>, csv: &str) -> Reply {
    let mut request = Request::post("/api/divisions/import")
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::COOKIE, cookie(session));
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    app.send(request.body(Body::from(csv.to_owned())).must())
        .await
}

/// One user per consultation department of the profile (city level). The planning bureau uses
/// the English alias `planning`, the others the profile's Chinese names.
async fn department_users(app: &TestApp) -> Vec<(String, String)> {
    let departments = app.registry.profile.consultation.departments.value.clone();
    let mut users = Vec::new();
    for (i, department) in departments.iter().enumerate() {
        let name = format!("dept{i}");
        let stored = if department == "规划" {
            "planning"
        } else {
            department.as_str()
        };
        guagou_web::create_user(&app.registry, &name, "511700", stored, PASSWORD)
            .await
            .must();
        users.push((name, department.clone()));
    }
    users
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_for_every_role() {
    let app = demo_app().await;
    for role in ["county", "other", "city", "audit", "province"] {
        let session = app.login(role).await;
        let divisions = app.get(&session, "/divisions").await;
        assert_eq!(divisions.status, StatusCode::OK, "{role}");
        for text in [
            "宣汉县",
            "511722",
            "国家扶贫开发工作重点县",
            "川府函〔2020〕33号",
            "待核",
        ] {
            assert!(divisions.body.contains(text), "{role} /divisions: {text}");
        }
        let import_form = divisions.body.contains("action=\"/divisions/import\"");
        assert_eq!(import_form, role == "city" || role == "province", "{role}");

        let county = app.get(&session, "/divisions/511722").await;
        assert_eq!(county.status, StatusCode::OK, "{role}");
        for text in ["511722104", "511722104201", "青龙村", "2020-02-18"] {
            assert!(
                county.body.contains(text),
                "{role} /divisions/511722: {text}"
            );
        }
        // Plans are jurisdiction data: the division page lists them only to those who read them.
        let reads_xuanhan = role != "other";
        assert_eq!(county.body.contains(OWN_PLAN), reads_xuanhan, "{role}");
        let village = app.get(&session, "/divisions/511722104201").await;
        assert_eq!(village.status, StatusCode::OK);
        assert!(village.body.contains("青龙村"));
        assert_eq!(
            app.get(&session, "/divisions/999999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&session, "/divisions/abc").await.status,
            StatusCode::NOT_FOUND
        );

        let plans = app.get(&session, "/plans").await;
        assert_eq!(plans.status, StatusCode::OK, "{role}");
        assert_eq!(plans.body.contains(OWN_PLAN), reads_xuanhan, "{role}");
        assert_eq!(
            plans.body.contains(OTHER_PLAN),
            role != "county",
            "{role} sees 开江's plan?"
        );
        assert_eq!(
            plans.body.contains("/plans/new"),
            role == "county" || role == "other",
            "{role}"
        );

        let plan = app.get(&session, &format!("/plans/{OWN_PLAN}")).await;
        if reads_xuanhan {
            assert_eq!(plan.status, StatusCode::OK, "{role}");
            for text in [
                "PLAN_CONSULTED",
                "PLAN_COVERS_POOR_VILLAGES",
                "二(一)",
                "扶贫移民局",
                "原则同意",
                "规划审查员@511700",
                "511722104201",
                "省厅已备案",
            ] {
                assert!(plan.body.contains(text), "{role} plan page: {text}");
            }
            // A filed plan offers no step to anyone.
            assert!(!plan.body.contains("plan-action-"), "{role}");
        } else {
            assert_eq!(plan.status, StatusCode::NOT_FOUND, "{role}");
            assert!(!plan.body.contains("原则同意"));
        }

        let audit = app.get(&session, "/audit").await;
        assert_eq!(audit.status, StatusCode::OK, "{role}");
        assert!(audit.body.contains("id=\"chain\" class=\"ok\""), "{role}");
        assert!(audit.body.contains("user.login"), "{role}");
        let plan_log = app.get(&session, "/audit?action=plan.").await;
        assert!(plan_log.body.contains("plan.transition"), "{role}");
    }

    // English after the switch, and English only.
    let county = app.login("county").await;
    let request = Request::get("/plans")
        .header(
            header::COOKIE,
            format!("{}; guagou_lang=en", cookie(&county)),
        )
        .body(Body::empty())
        .must();
    let english = app.send(request).await;
    assert!(
        english.body.contains("<h1>Special plans</h1>"),
        "{}",
        english.body
    );
    assert!(!english.body.contains(">专项规划<"), "{}", english.body);

    let document = app.get(&county, "/api/openapi.json").await.json();
    for path in [
        "/divisions",
        "/divisions/{code}",
        "/divisions/import",
        "/plans",
        "/plans/{id}",
        "/plans/{id}/opinions",
        "/plans/{id}/actions/{action}",
        "/audit",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "OpenAPI lacks {path}"
        );
    }
    assert!(document["paths"]["/plans"].get("post").is_some());
    let import = &document["paths"]["/divisions/import"]["post"]["requestBody"]["content"];
    assert!(import.get("text/csv").is_some() && import.get("multipart/form-data").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_goes_through_consultation_rules_and_approval() {
    let app = demo_app().await;
    let departments = department_users(&app).await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let city = app.login("city").await;
    let audit = app.login("audit").await;
    let province = app.login("province").await;

    // The new-plan form ticks every poor and relocation village by default.
    let new = app.get(&county, "/plans/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.body.contains(
        "name=\"village_511722104201\" value=\"on\" id=\"village-511722104201\" checked"
    ));
    assert!(!new.body.contains("id=\"village-511722104203\" checked"));
    assert_eq!(
        app.get(&city, "/plans/new").await.status,
        StatusCode::FORBIDDEN
    );

    // Plan A (page form) leaves the poor villages out; plan B (API) covers them.
    let fields = format!(
        "title={}&period_start=2021&period_end=2025&as_of=2021-03-01&village_511722104203=on",
        encode("宣汉县 专项规划 A")
    );
    let missing_csrf = form(&app, &county, "/plans", &fields, false).await;
    assert_eq!(missing_csrf.status, StatusCode::FORBIDDEN);
    let created = form(&app, &county, "/plans", &fields, true).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let plan_a = "511722-2021-2025";
    assert_eq!(
        created.location().as_deref(),
        Some("/plans/511722-2021-2025")
    );
    let again = form(&app, &county, "/plans", &fields, true).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("已存在"), "{}", again.body);
    assert!(
        again.body.contains("id=\"new-plan-form\""),
        "the form is shown again"
    );

    let scope: Vec<String> = (["104", "105", "112"])
        .iter()
        .flat_map(|t| (201..=203).map(move |v| format!("511722{t}{v}")))
        .collect();
    let body = json!({ "title": "宣汉县 专项规划 B", "period_start": 2026, "period_end": 2030,
                       "scope": scope, "as_of": "2021-03-01" });
    let reply = app
        .post_json(&county, "/api/plans", None, body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["code"], "csrf");
    let reply = app
        .post_json(&audit, "/api/plans", Some(&audit.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "audit writes nothing");
    let reply = app
        .post_json(&city, "/api/plans", Some(&city.csrf), body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "the county drafts");
    let unknown = json!({ "title": "x", "period_start": 2026, "period_end": 2030,
                          "scope": ["511723106201"], "as_of": "2021-03-01" });
    let reply = app
        .post_json(&county, "/api/plans", Some(&county.csrf), unknown)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app
        .post_json(&county, "/api/plans", Some(&county.csrf), body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let plan_b = "511722-2026-2030";
    assert_eq!(reply.json()["id"], plan_b);
    assert_eq!(reply.json()["state"], "draft");

    // Another county: 404 everywhere, reading or writing.
    for path in [format!("/plans/{plan_a}"), format!("/api/plans/{plan_a}")] {
        assert_eq!(
            app.get(&other, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let step = json!({ "as_of": "2021-03-02", "reason": "x" });
    let reply = app
        .post_json(
            &other,
            &format!("/api/plans/{plan_a}/actions/consult"),
            Some(&other.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = form(
        &app,
        &other,
        &format!("/plans/{plan_a}/actions/consult"),
        "as_of=2021-03-02",
        true,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let listed = app.get(&other, "/api/plans").await.json();
    assert!(
        listed
            .as_array()
            .must()
            .iter()
            .all(|p| p["county"] == "511723")
    );

    // The city cannot approve a draft (state), nor the county approve at all (level).
    let reply = app
        .post_json(
            &city,
            &format!("/api/plans/{plan_a}/actions/approve"),
            Some(&city.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let reply = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_a}/actions/approve"),
            Some(&county.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // The county sends both plans for consultation from the page.
    for plan in [plan_a, plan_b] {
        let page = app.get(&county, &format!("/plans/{plan}")).await;
        assert!(page.body.contains("id=\"plan-action-consult\""), "{plan}");
        let missing = form(
            &app,
            &county,
            &format!("/plans/{plan}/actions/consult"),
            "as_of=2021-03-02",
            false,
        )
        .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        let audit_try = form(
            &app,
            &audit,
            &format!("/plans/{plan}/actions/consult"),
            "as_of=2021-03-02",
            true,
        )
        .await;
        assert_eq!(audit_try.status, StatusCode::FORBIDDEN);
        let sent = form(
            &app,
            &county,
            &format!("/plans/{plan}/actions/consult"),
            "as_of=2021-03-02&reason=ok",
            true,
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    }

    // Submitting before the opinions: refused, naming both rules and the clause.
    let refused = form(
        &app,
        &county,
        &format!("/plans/{plan_a}/actions/submit"),
        "as_of=2021-03-10",
        true,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "id=\"refusal\"",
        "PLAN_CONSULTED",
        "PLAN_COVERS_POOR_VILLAGES",
        "二(一)",
    ] {
        assert!(refused.body.contains(text), "refusal page: {text}");
    }
    let reply = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_b}/actions/submit"),
            Some(&county.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["code"], "PLAN_CONSULTED");
    assert_eq!(reply.json()["rule"], "PLAN_CONSULTED");

    // Opinions: only a consultation department, only its own, only the readable plan.
    let opinion = json!({ "opinion": "同意", "as_of": "2021-03-05" });
    let reply = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_b}/opinions"),
            Some(&county.csrf),
            opinion.clone(),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "the land bureau is not consulted"
    );
    let reply = app
        .post_json(
            &audit,
            &format!("/api/plans/{plan_b}/opinions"),
            Some(&audit.csrf),
            opinion.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    for (i, (name, department)) in departments.iter().enumerate() {
        let reviewer = app.login(name).await;
        let page = app.get(&reviewer, &format!("/plans/{plan_b}")).await;
        assert!(page.body.contains("id=\"opinion-form\""), "{name}");
        assert!(page.body.contains(department.as_str()), "{name}");
        if i == 0 {
            let wrong = json!({ "opinion": "同意", "as_of": "2021-03-05", "department": "林业" });
            let reply = app
                .post_json(
                    &reviewer,
                    &format!("/api/plans/{plan_b}/opinions"),
                    Some(&reviewer.csrf),
                    wrong,
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "another department's opinion"
            );
            let missing = app
                .post_json(
                    &reviewer,
                    &format!("/api/plans/{plan_b}/opinions"),
                    None,
                    opinion.clone(),
                )
                .await;
            assert_eq!(missing.status, StatusCode::FORBIDDEN);
        }
        // Half from the page, half through the API; both plans get every opinion.
        for plan in [plan_a, plan_b] {
            let reply = if i % 2 == 0 {
                form(
                    &app,
                    &reviewer,
                    &format!("/plans/{plan}/opinions"),
                    &format!("opinion={}&as_of=2021-03-05", encode("原则同意")),
                    true,
                )
                .await
            } else {
                app.post_json(
                    &reviewer,
                    &format!("/api/plans/{plan}/opinions"),
                    Some(&reviewer.csrf),
                    opinion.clone(),
                )
                .await
            };
            assert!(
                reply.status == StatusCode::SEE_OTHER || reply.status == StatusCode::OK,
                "{name} {plan}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    let detail = app
        .get(&county, &format!("/api/plans/{plan_b}"))
        .await
        .json();
    assert_eq!(
        detail["opinions"].as_array().must().len(),
        departments.len()
    );
    assert_eq!(detail["missing_departments"], json!([]));
    assert_eq!(detail["rules"][0]["rule"], "PLAN_CONSULTED");
    assert_eq!(detail["rules"][0]["passed"], true);
    assert_eq!(detail["actions"], json!(["submit"]));
    let planning = detail["opinions"]
        .as_array()
        .must()
        .iter()
        .find(|o| o["department"] == "规划")
        .must()
        .clone();
    assert_eq!(
        planning["author"],
        format!("{}@511700/规划", departments[3].0)
    );

    // Plan A still misses its poor villages.
    let refused = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_a}/actions/submit"),
            Some(&county.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["rule"], "PLAN_COVERS_POOR_VILLAGES");
    let page = app.get(&county, &format!("/plans/{plan_a}")).await;
    assert!(page.body.contains("未纳入（须纳入）"));
    assert!(page.body.contains("511722104201"));

    // Plan B: submitted by the county, approved by the city, filed by the province.
    let submitted = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_b}/actions/submit"),
            Some(&county.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.json()["state"], "submitted");
    let city_page = app.get(&city, &format!("/plans/{plan_b}")).await;
    assert!(city_page.body.contains("id=\"plan-action-approve\""));
    assert!(city_page.body.contains("id=\"plan-action-return\""));
    let approved = form(
        &app,
        &city,
        &format!("/plans/{plan_b}/actions/approve"),
        "as_of=2021-04-01&reason=ok",
        true,
    )
    .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let reply = app
        .post_json(
            &county,
            &format!("/api/plans/{plan_b}/actions/file"),
            Some(&county.csrf),
            step.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "the province files");
    let filed = app
        .post_json(
            &province,
            &format!("/api/plans/{plan_b}/actions/file"),
            Some(&province.csrf),
            json!({ "as_of": "2021-04-20" }),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    assert_eq!(filed.json()["state"], "filed");
    assert_eq!(filed.json()["approved_on"], "2021-04-01");
    assert_eq!(filed.json()["filed_on"], "2021-04-20");
    let page = app.get(&county, &format!("/plans/{plan_b}")).await;
    assert!(page.body.contains("省厅已备案"));
    let unknown = app
        .post_json(
            &province,
            &format!("/api/plans/{plan_b}/actions/fly"),
            Some(&province.csrf),
            step,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Every step is in the audit log, with the actor and the plan as subject.
    let log = app
        .get(&county, &format!("/api/audit?subject={plan_b}&limit=500"))
        .await
        .json();
    let actions: Vec<&str> = log["records"]
        .as_array()
        .must()
        .iter()
        .map(|r| r["action"].as_str().must())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "plan.opinion").count(),
        departments.len()
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "plan.transition").count(),
        4
    );
    assert_eq!(actions.last(), Some(&"plan.create"));
}

fn records(page: &Value) -> Vec<Value> {
    page["records"].as_array().must().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_shows_a_county_only_its_records() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let audit = app.login("audit").await;

    let everything = app.get(&audit, "/api/audit?limit=500").await.json();
    assert_eq!(everything["scope"], "all");
    assert_eq!(everything["chain"]["status"], "ok");
    let all = records(&everything);
    assert!(all.iter().any(|r| r["subject"] == OWN_PLAN));
    assert!(all.iter().any(|r| r["subject"] == OTHER_PLAN));
    let seqs: Vec<u64> = all.iter().map(|r| r["seq"].as_u64().must()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");

    let own = app.get(&county, "/api/audit?limit=500").await.json();
    assert_eq!(own["scope"], "511722");
    let own = records(&own);
    assert!(own.iter().any(|r| r["subject"] == OWN_PLAN));
    assert!(
        own.iter()
            .any(|r| r["action"] == "ledger.grant_annual_plan")
    );
    assert!(
        own.iter()
            .any(|r| r["action"] == "user.login" && r["actor"] == "county")
    );
    assert!(own.len() < all.len());
    for r in &own {
        let text = r.to_string();
        assert!(
            !text.contains("511723"),
            "a 开江 record reached 宣汉: {text}"
        );
        assert!(r["actor"] != "other", "{text}");
    }
    let theirs = records(&app.get(&other, "/api/audit?limit=500").await.json());
    assert!(theirs.iter().any(|r| r["subject"] == OTHER_PLAN));
    assert!(!theirs.iter().any(|r| r["subject"] == OWN_PLAN));

    let page = app.get(&county, "/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(OWN_PLAN));
    assert!(!page.body.contains(OTHER_PLAN));
    assert!(!page.body.contains("id=\"newest\""));
    let short = app.get(&county, "/audit?limit=5&action=plan.").await;
    assert!(
        short.body.contains("id=\"older\""),
        "more than five plan records"
    );
    assert!(
        short.body.contains("action=plan."),
        "the next page keeps the filter"
    );

    // One record: readable by its county, 404 for another county, readable by audit.
    let foreign = all.iter().find(|r| r["subject"] == OTHER_PLAN).must();
    let seq = foreign["seq"].as_u64().must();
    assert_eq!(
        app.get(&county, &format!("/audit/{seq}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&county, &format!("/api/audit/{seq}")).await.status,
        StatusCode::NOT_FOUND
    );
    let shown = app.get(&other, &format!("/audit/{seq}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("id=\"payload\""));
    assert_eq!(
        app.get(&audit, &format!("/api/audit/{seq}")).await.json()["subject"],
        OTHER_PLAN
    );
    assert_eq!(
        app.get(&audit, "/audit/0").await.status,
        StatusCode::NOT_FOUND
    );

    // Paging and filters.
    let first = app.get(&audit, "/api/audit?limit=5").await.json();
    let first_records = records(&first);
    assert_eq!(first_records.len(), 5);
    let next = first["next_before"].as_u64().must();
    assert_eq!(Some(next), first_records[4]["seq"].as_u64());
    let second = records(
        &app.get(&audit, &format!("/api/audit?limit=5&before={next}"))
            .await
            .json(),
    );
    assert_eq!(second[0]["seq"].as_u64(), Some(next - 1));
    let plans_only = records(
        &app.get(&audit, "/api/audit?action=plan.&limit=500")
            .await
            .json(),
    );
    assert!(!plans_only.is_empty());
    assert!(
        plans_only
            .iter()
            .all(|r| r["action"].as_str().must().starts_with("plan."))
    );
    let by_actor = records(
        &app.get(&audit, "/api/audit?actor=%40511723&limit=500")
            .await
            .json(),
    );
    assert!(!by_actor.is_empty());
    assert!(
        by_actor
            .iter()
            .all(|r| r["actor"].as_str().must().contains("@511723"))
    );
    let bad = app.get(&audit, "/api/audit?before=x").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A record edited behind the registry's back breaks the chain, and the page says where.
    guagou_registry::testing::execute(
        &app.registry,
        "UPDATE audit_log SET reason = 'edited' WHERE seq = 3",
        &[],
    )
    .await
    .must();
    let broken = app.get(&county, "/api/audit").await.json();
    assert_eq!(broken["chain"]["status"], "broken");
    assert_eq!(broken["chain"]["seq"], 3);
    let page = app.get(&county, "/audit").await;
    assert!(page.body.contains("id=\"chain\" class=\"fail\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_imports_villages_and_a_county_may_not() {
    let app = demo_app().await;
    let city = app.login("city").await;
    let county = app.login("county").await;
    let audit = app.login("audit").await;
    let csv = "code,name,poor_village,relocation_village,poor_households,relocation_households\n\
               511722106,新华镇,,,,\n\
               511722106201,红星村,是,否,41,0\n\
               511722106202,黄金村,否,是,5,17\n";

    // Refused: a county, audit, and requests without the CSRF token.
    let reply = multipart(
        &app,
        &county,
        "/divisions/import",
        Some(&county.csrf),
        None,
        csv,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = multipart(
        &app,
        &audit,
        "/divisions/import",
        Some(&audit.csrf),
        None,
        csv,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = multipart(&app, &city, "/divisions/import", None, None, csv).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = csv_body(&app, &county, Some(&county.csrf), csv).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = csv_body(&app, &city, None, csv).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["code"], "csrf");
    assert_eq!(
        app.get(&city, "/api/divisions/511722106").await.status,
        StatusCode::NOT_FOUND,
        "nothing was imported"
    );

    // The city imports from the page and sees the count.
    let reply = multipart(
        &app,
        &city,
        "/divisions/import",
        Some(&city.csrf),
        None,
        csv,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("id=\"imported\""));
    assert!(reply.body.contains("导入 3 个乡镇和村"), "{}", reply.body);
    let township = app.get(&county, "/api/divisions/511722106").await.json();
    assert_eq!(township["children"].as_array().must().len(), 2);
    assert_eq!(township["division"]["poor_villages"], 1);
    assert_eq!(township["division"]["relocation_households"], 17);
    let counties = app.get(&county, "/api/divisions").await.json();
    let xuanhan = counties["counties"]
        .as_array()
        .must()
        .iter()
        .find(|c| c["code"] == "511722")
        .must()
        .clone();
    assert_eq!(xuanhan["townships"], 4);
    assert_eq!(xuanhan["villages"], 11);
    assert_eq!(xuanhan["poverty_level"], "national");

    // The API takes the CSV as the body, or as a multipart field.
    let update = "code,name,poor_village\n511722106201,红星村,否\n";
    let reply = csv_body(&app, &city, Some(&city.csrf), update).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["imported"], 1);
    let reply = multipart(
        &app,
        &city,
        "/api/divisions/import",
        None,
        Some(&city.csrf),
        update,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["source"], "villages.csv");
    let village = app.get(&county, "/api/divisions/511722106201").await.json();
    assert_eq!(village["division"]["poor_village"], false);

    // Errors name the line and the field; nothing of a refused file is written.
    let bad = "code,name,poor_village\n511722107,某镇,\n511722107201,某村,maybe\n";
    let reply = csv_body(&app, &city, Some(&city.csrf), bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = reply.json()["message_en"].as_str().must().to_owned();
    assert!(message.contains("upload.csv:3 poor_village"), "{message}");
    let page = multipart(
        &app,
        &city,
        "/divisions/import",
        Some(&city.csrf),
        None,
        bad,
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("villages.csv:3 poor_village"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get(&city, "/api/divisions/511722107").await.status,
        StatusCode::NOT_FOUND
    );
    let county_row = "code,name,poverty_level\n511722,宣汉县,\n";
    let reply = csv_body(&app, &city, Some(&city.csrf), county_row).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["message_en"]
            .as_str()
            .must()
            .contains("line 2 code")
    );
    let unknown_county = "code,name\n519999101,某镇\n";
    let reply = csv_body(&app, &city, Some(&city.csrf), unknown_county).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["message_en"]
            .as_str()
            .must()
            .contains("519999")
    );

    // The import is in the audit log, by the city.
    let log = records(
        &app.get(&audit, "/api/audit?action=division.import")
            .await
            .json(),
    );
    assert!(
        log.iter()
            .any(|r| r["subject"] == "villages.csv" && r["actor"] == "city@511700")
    );
}

/// The audit log names its actions (项目流程, 登录 …), the code only in the tooltip and on the
/// record's page beside its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_names_its_actions() {
    let app = demo_app().await;
    let audit = app.login("audit").await;
    let page = app.get(&audit, "/audit?limit=500").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">项目流程</a>"), "{}", page.body);
    assert!(
        !page.body.contains(">project.transition</a>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("title=\"project.transition\""));
}
