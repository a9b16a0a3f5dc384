//! The project map: the GeoJSON API (roles, areas in m²/公顷/亩, township outlines, rule results,
//! rights), the embedded assets (Leaflet from npm, our map.js) and the content security policy
//! that lets them run.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{Must, Reply, Session, demo_app};
use axum::http::StatusCode;
use guagou_web::html::Lang;
use guagou_web::map;
use serde_json::Value;

const OWN: &str = "511722-2018-001";
const OTHER: &str = "511723-2019-001";

fn header(reply: &Reply, name: &str) -> String {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The features of `role` in a map answer.
fn of_role<'a>(map: &'a Value, role: &str) -> Vec<&'a Value> {
    map["features"]
        .as_array()
        .must()
        .iter()
        .filter(|f| f["properties"]["role"] == role)
        .collect()
}

/// 公顷 with 4 decimals and 亩 with 2 decimals, computed here independently of the domain.
fn ha_mu(m2: i64) -> (String, String) {
    let hundredths_mu = (m2 * 15 + 50) / 100;
    (
        format!("{}.{:04}", m2 / 10_000, m2 % 10_000),
        format!("{}.{:02}", hundredths_mu / 100, hundredths_mu % 100),
    )
}

/// Every position (lon, lat) of a GeoJSON geometry's coordinates, at any depth.
fn positions(coordinates: &Value) -> Vec<(f64, f64)> {
    match coordinates.as_array() {
        Some(pair) if pair.len() == 2 && pair.iter().all(Value::is_number) => {
            vec![(pair[0].as_f64().must(), pair[1].as_f64().must())]
        }
        Some(items) => items.iter().flat_map(positions).collect(),
        None => Vec::new(),
    }
}

/// The rule IDs attached to a parcel feature.
fn rule_ids(feature: &Value) -> BTreeSet<String> {
    feature["properties"]["rules"]
        .as_array()
        .must()
        .iter()
        .map(|r| r["rule"].as_str().must().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_api_gives_parcels_areas_townships_and_rules() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let reply = app.get(&county, &format!("/api/projects/{OWN}/map")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(header(&reply, "content-type"), "application/geo+json");
    let map = reply.json();
    assert_eq!(map["type"], "FeatureCollection");
    assert_eq!(map["project"], OWN);
    assert_eq!(map["area_basis"], "planar", "the Dazhou profile's basis");

    // The three parcel roles of the demo package, and the township outline.
    let demolition = of_role(&map, "demolition");
    assert_eq!(demolition.len(), 8, "8 demolition parcels in the demo");
    assert_eq!(of_role(&map, "resettlement").len(), 1);
    assert_eq!(of_role(&map, "construction").len(), 1);
    let townships = of_role(&map, "township");
    assert_eq!(townships.len(), 1, "{townships:?}");
    assert_eq!(townships[0]["properties"]["code"], "511722104");
    let outline = positions(&townships[0]["geometry"]["coordinates"]);
    assert!(outline.len() >= 4, "{}", townships[0]);

    // Areas: whole m² on the planar basis, 公顷 and 亩 consistent with them; lon/lat inside
    // the township's outline box.
    let xs: Vec<f64> = outline.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = outline.iter().map(|p| p.1).collect();
    let lo = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let hi = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    for feature in of_role(&map, "demolition")
        .into_iter()
        .chain(of_role(&map, "resettlement"))
        .chain(of_role(&map, "construction"))
    {
        let p = &feature["properties"];
        let m2 = p["area_m2"].as_i64().must();
        assert_eq!(m2, p["planar_m2"].as_f64().must().round() as i64, "{p}");
        assert!(m2 > 1_000, "{p}");
        let (ha, mu) = ha_mu(m2);
        assert_eq!(p["area_ha"], ha, "{p}");
        assert_eq!(p["area_mu"], mu, "{p}");
        assert_eq!(p["township"], "511722104", "{p}");
        assert!(p["ellipsoidal_m2"].as_f64().must() > 0.0, "{p}");
        let points = positions(&feature["geometry"]["coordinates"]);
        assert!(points.len() >= 4, "{feature}");
        for (x, y) in points {
            assert!(
                (100.0..112.0).contains(&x) && (28.0..34.0).contains(&y),
                "lon/lat"
            );
            assert!(x > lo(&xs) && x < hi(&xs) && y > lo(&ys) && y < hi(&ys));
        }
    }
    let total: i64 = demolition
        .iter()
        .map(|f| f["properties"]["planar_m2"].as_f64().must())
        .sum::<f64>()
        .round() as i64;
    let detail = app
        .get(&county, &format!("/api/projects/{OWN}"))
        .await
        .json();
    let versions = detail["versions"].as_array().must();
    let current = versions.last().must();
    assert_eq!(current["summary"]["demolition_m2"], total);

    // Rule results: the demolition rules on every demolition parcel, the resettlement rules on
    // the site, nothing on the construction zone; each with its stored verdict and clause.
    let stored = current["results"].as_array().must();
    let stored_passed = |id: &str| {
        stored
            .iter()
            .find(|r| r["rule"] == id)
            .map(|r| r["passed"].as_bool().must())
            .must()
    };
    for feature in &demolition {
        let ids = rule_ids(feature);
        assert!(ids.contains("DEMOLITION_AREA_RANGE"), "{ids:?}");
        assert!(ids.contains("DEMOLITION_SINGLE_TOWNSHIP"), "{ids:?}");
        assert!(!ids.contains("RESETTLEMENT_PER_CAPITA"), "{ids:?}");
        for rule in feature["properties"]["rules"].as_array().must() {
            assert!(!rule["clause"].as_str().must().is_empty(), "{rule}");
            assert!(!rule["title_zh"].as_str().must().is_empty(), "{rule}");
            assert_eq!(rule["named"], false, "nothing failed in the demo: {rule}");
            assert_eq!(
                rule["passed"],
                stored_passed(rule["rule"].as_str().must()),
                "{rule}"
            );
        }
        assert_eq!(feature["properties"]["rule_status"], "passed");
    }
    let site = of_role(&map, "resettlement")[0];
    assert!(rule_ids(site).contains("RESETTLEMENT_PER_CAPITA"));
    let construction = of_role(&map, "construction")[0];
    assert!(rule_ids(construction).is_empty());
    assert_eq!(construction["properties"]["rule_status"], "none");

    // An explicit version is the same; a missing one is 404, a malformed one 422.
    let v1 = app
        .get(&county, &format!("/api/projects/{OWN}/map?version=1"))
        .await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.json()["version"], 1);
    let missing = app
        .get(&county, &format!("/api/projects/{OWN}/map?version=99"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    let bad = app
        .get(&county, &format!("/api/projects/{OWN}/map?version=abc"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["code"], "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_api_follows_the_read_rights() {
    let app = demo_app().await;
    let path = format!("/api/projects/{OWN}/map");
    let anonymous = app.get(&Session::default(), &path).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json()["code"], "unauthorized");

    let other = app.login("other").await;
    let refused = app.get(&other, &path).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert!(
        !refused.body.contains("拆旧"),
        "nothing of the project leaks"
    );
    assert_eq!(
        app.get(&other, "/api/projects/no-such/map").await.status,
        StatusCode::NOT_FOUND,
        "the same answer as a missing project"
    );
    let own = app.get(&other, &format!("/api/projects/{OTHER}/map")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);

    for reader in ["city", "audit"] {
        let session = app.login(reader).await;
        assert_eq!(
            app.get(&session, &path).await.status,
            StatusCode::OK,
            "{reader}"
        );
    }

    let document = app
        .get(&Session::default(), "/api/openapi.json")
        .await
        .json();
    let described = document["paths"]
        .as_object()
        .must()
        .keys()
        .any(|p| p.ends_with("/projects/{code}/map"));
    assert!(described, "the map API is in the OpenAPI document");
}

/// Writes a copy of a demo package under a new code with its resettlement site moved `dx`
/// metres east, so that RESETTLEMENT_ADJACENT fails and names the site.
fn moved_site_package(from: &Path, to: &Path, code: &str, dx: f64) {
    std::fs::create_dir_all(to).must();
    for entry in std::fs::read_dir(from).must() {
        let entry = entry.must();
        std::fs::copy(entry.path(), to.join(entry.file_name())).must();
    }
    let toml = std::fs::read_to_string(to.join("project.toml")).must();
    let toml = toml.replace("511722-2019-003", code);
    std::fs::write(to.join("project.toml"), toml).must();
    let mut site: Value =
        serde_json::from_str(&std::fs::read_to_string(to.join("resettlement.geojson")).must())
            .must();
    for point in site["features"][0]["geometry"]["coordinates"][0]
        .as_array_mut()
        .must()
    {
        point[0] = Value::from(point[0].as_f64().must() + dx);
    }
    std::fs::write(to.join("resettlement.geojson"), site.to_string()).must();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rule_names_its_parcel_on_the_map() {
    let app = demo_app().await;
    let code = "511722-2020-009";
    let dir = app.dir.path().join("moved");
    moved_site_package(
        &app.dir.path().join("packages/511722-2019-003"),
        &dir,
        code,
        6_000.0,
    );
    let actor = guagou_registry::Actor::parse("县局经办人@511722").must();
    let as_of = chrono::NaiveDate::from_ymd_opt(2019, 7, 15).must();
    let (_, results) = app
        .registry
        .as_principal(&actor)
        .register_project(&dir, as_of, "test")
        .await
        .must();
    let adjacent = results
        .iter()
        .find(|r| r.rule == guagou_domain::RuleId::ResettlementAdjacent)
        .must();
    assert!(!adjacent.passed, "the moved site is too far: {adjacent:?}");

    let county = app.login("county").await;
    let map = app
        .get(&county, &format!("/api/projects/{code}/map"))
        .await
        .json();
    let site = of_role(&map, "resettlement")[0];
    assert_eq!(site["properties"]["rule_status"], "failed");
    let rule = site["properties"]["rules"]
        .as_array()
        .must()
        .iter()
        .find(|r| r["rule"] == "RESETTLEMENT_ADJACENT")
        .must();
    assert_eq!(rule["named"], true, "{rule}");
    assert_eq!(rule["passed"], false, "{rule}");
    assert_eq!(rule["severity"], "warning", "{rule}");
    assert!(!rule["clause"].as_str().must().is_empty());
    assert!(
        rule["detail_zh"].as_str().must().contains("米"),
        "the subject's detail: {rule}"
    );
    // The demolition parcels are not at fault for it and keep their own verdicts.
    for feature in of_role(&map, "demolition") {
        assert!(!rule_ids(feature).contains("RESETTLEMENT_ADJACENT"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_public_typed_cached_and_allowed_by_the_policy() {
    let app = demo_app().await;
    let anonymous = Session::default();
    let script = app.get(&anonymous, "/assets/leaflet.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        header(&script, "content-type").starts_with("text/javascript"),
        "{:?}",
        script.headers
    );
    assert!(header(&script, "cache-control").contains("max-age=31536000"));
    if map::LEAFLET_EMBEDDED {
        assert!(
            script.body.len() > 100_000,
            "leaflet.js is {} bytes",
            script.body.len()
        );
        assert!(script.body.contains("Leaflet"), "the library's own header");
        let css = app.get(&anonymous, "/assets/leaflet.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(header(&css, "content-type").starts_with("text/css"));
        assert!(css.body.contains(".leaflet-container"));
        let png = app.get(&anonymous, "/assets/images/layers.png").await;
        assert_eq!(png.status, StatusCode::OK);
        assert_eq!(header(&png, "content-type"), "image/png");
        assert!(png.body.contains("PNG"), "a PNG file");
    } else {
        // The build could not install Leaflet (no npm or npm failed: see the build warnings).
        assert!(script.body.contains("GUAGOU_LEAFLET_MISSING"));
        assert!(
            std::env::var_os("GUAGOU_ALLOW_LEAFLET_FALLBACK").is_some(),
            "LEAFLET NOT EMBEDDED: the build fell back to the stand-in script (npm missing or \
             failing when guagou-web was built). Install Node.js/npm and rebuild, or set \
             GUAGOU_ALLOW_LEAFLET_FALLBACK=1 to accept the fallback (map shown as a table)."
        );
        eprintln!("NOTE: Leaflet not embedded; the fallback script is served (accepted by env)");
    }
    let own = app.get(&anonymous, "/assets/map.js").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(header(&own, "content-type").starts_with("text/javascript"));
    assert!(own.body.contains("project-map"));
    // Its texts come from the page, in the reader's language; none written into the script.
    assert!(own.body.contains("dataset.texts"));
    assert!(!own.body.contains("地图库未安装"));
    let missing = app.get(&anonymous, "/assets/nothing.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&anonymous, "/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );

    // The policy: scripts only from this origin (no inline, no eval), images also as data:.
    for reply in [&script, &own, &app.get(&anonymous, "/login").await] {
        let policy = header(reply, "content-security-policy");
        let directive = |name: &str| {
            policy
                .split(';')
                .map(str::trim)
                .find(|d| d.split_whitespace().next() == Some(name))
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(directive("script-src"), "script-src 'self'", "{policy}");
        assert_eq!(directive("img-src"), "img-src 'self' data:", "{policy}");
        assert!(directive("style-src").contains("'self'"), "{policy}");
        assert!(directive("connect-src").contains("'self'"), "{policy}");
        assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    }

    // The map block of the project page: every asset it links is served, the box points at
    // the API, and no script is inline.
    let html = map::project_map_html(Lang::Zh, OWN, 1);
    assert!(html.contains(&format!("data-src=\"/api/projects/{OWN}/map?version=1\"")));
    assert!(html.contains("按规则结果着色"));
    assert!(!html.contains("<script>"));
    // The script's texts in one language: Chinese here, English on an English page.
    let texts = |html: &str| -> serde_json::Value {
        let start = html.find("data-texts=\"").must() + "data-texts=\"".len();
        let end = start + html[start..].find('"').must();
        let json = html[start..end]
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        serde_json::from_str(&json).must()
    };
    let zh = texts(&html);
    assert_eq!(zh["results"], "规则结果");
    assert_eq!(zh["ha"], "公顷");
    let en = texts(&map::project_map_html(Lang::En, OWN, 1));
    assert_eq!(en["results"], "Rule results");
    assert_eq!(en["ha"], "ha");
    assert_eq!(en.as_object().must().len(), zh.as_object().must().len());
    let mut linked = 0;
    for part in html.split(['"']) {
        if part.starts_with("/assets/") {
            linked += 1;
            let path = part.replace("&amp;", "&");
            let reply = app.get(&anonymous, &path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
        }
    }
    assert!(linked >= 3, "{html}");
}
