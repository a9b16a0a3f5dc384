//! The project map: parcels of a project version on a Leaflet map, coloured by role or by rule
//! result, with the outlines of the townships they lie in.
//!
//! - `GET /api/projects/{code}/map?version=N` — a GeoJSON FeatureCollection (lon/lat) of the
//!   version's parcels and township boundaries, for users who may read the project.
//! - `GET /assets/{file}` — Leaflet and Chart.js (installed from npm by `build.rs` and
//!   embedded) and our own `map.js` / `map.css`; public, cached for a year (URLs carry `?v=`
//!   with a content hash).
//! - [`project_map_html`] — the map box, legend and script tags for the project page.
//!
//! Which rule results a parcel shows: a stored result names parcels in its `subjects` (kind
//! `parcel` for demolition parcels, `site` for resettlement sites, or parcel names listed in the
//! detail of another subject, e.g. a township), and only when it failed. So that a passed rule
//! also shows, results of the rules about parcels of one role ([`ROLE_RULES`]) are attached to
//! every parcel of that role as well, with `named: false`; such an entry is `passed: false`
//! only when the rule failed without naming any parcel of that role (a total, e.g. the
//! demolition area range), since a failure that names its parcels clears the others.

use crate::catalogue::{Key, k};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guagou_domain::SquareMetres;
use guagou_domain::profile::AreaBasis;
use guagou_domain::rules::RuleId;
use guagou_registry::RegistryError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};
use crate::html::Lang;
use crate::view;

/// The library files `build.rs` embedded (`LEAFLET_EMBEDDED`, `CHART_EMBEDDED`, `LIBRARY`).
mod library {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// Whether Leaflet itself is embedded; false when the build fell back to a stand-in script
/// (npm missing or failing at build time) and the map shows a table instead.
pub const LEAFLET_EMBEDDED: bool = library::LEAFLET_EMBEDDED;

/// Whether Chart.js is embedded (served as `/assets/chart.umd.js`, for the reports page); false
/// when npm was missing or failing at build time, and reports show tables without charts.
pub const CHART_EMBEDDED: bool = library::CHART_EMBEDDED;

/// Whether proj4 is embedded (served as `/assets/proj4.js`): the map's cursor coordinates on
/// the Gauss–Krüger plane; without it the map shows longitude and latitude only.
pub const PROJ4_EMBEDDED: bool = library::PROJ4_EMBEDDED;

const MAP_JS: &str = include_str!("../assets/map.js");
const MAP_CSS: &str = include_str!("../assets/map.css");
const CONFIRM_JS: &str = include_str!("../assets/confirm.js");
const SITE_CSS: &str = include_str!("../assets/site.css");
const PRINT_JS: &str = include_str!("../assets/print.js");

/// Whether Pico CSS is embedded (served as `/assets/pico.min.css`); false when npm was missing
/// or failing at build time, and pages use `site.css` alone.
pub const PICO_EMBEDDED: bool = library::PICO_EMBEDDED;

/// Our own files under `/assets/`: (name, content type, bytes).
const OWN: &[(&str, &str, &[u8])] = &[
    (
        "map.js",
        "text/javascript; charset=utf-8",
        MAP_JS.as_bytes(),
    ),
    ("map.css", "text/css; charset=utf-8", MAP_CSS.as_bytes()),
    (
        "confirm.js",
        "text/javascript; charset=utf-8",
        CONFIRM_JS.as_bytes(),
    ),
    ("site.css", "text/css; charset=utf-8", SITE_CSS.as_bytes()),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        PRINT_JS.as_bytes(),
    ),
];

/// Assets never change under one URL (the `?v=` hash changes with them), so they may be cached
/// for a year.
const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

/// The rules about every parcel of a role, not only those they name.
pub const ROLE_RULES: &[(RuleId, &str)] = &[
    (RuleId::DemolitionSingleTownship, "demolition"),
    (RuleId::DemolitionAreaRange, "demolition"),
    (RuleId::NoDoubleCounting, "demolition"),
    (RuleId::DemolitionIsConstructionLand, "demolition"),
    (RuleId::ReclaimedIsFarmland, "demolition"),
    (RuleId::ResettlementPerCapita, "resettlement"),
    (RuleId::ResettlementAdjacent, "resettlement"),
];

/// The page routes of this module: the static assets (no sign-in needed).
pub fn pages() -> Router<AppState> {
    Router::new().route("/assets/{*file}", get(asset))
}

/// The API routes of this module (paths relative to `/api`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(project_map))
}

/// The embedded file `name` with its content type.
pub fn find_asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    OWN.iter()
        .chain(library::LIBRARY.iter())
        .find(|(file, _, _)| *file == name)
        .map(|(_, content_type, bytes)| (*content_type, *bytes))
}

/// A short hash of every embedded asset, put in asset URLs so a new build is fetched anew.
pub fn asset_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a: stable across builds and Rust versions, unlike `DefaultHasher`.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for (name, _, bytes) in OWN.iter().chain(library::LIBRARY.iter()) {
            for byte in name.as_bytes().iter().chain(bytes.iter()) {
                hash ^= u64::from(*byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{:012x}", hash >> 16)
    })
}

/// Handles GET /assets/{file}
async fn asset(Path(file): Path<String>) -> Response {
    match find_asset(&file) {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, ASSET_CACHE),
            ],
            bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "未找到 / not found",
        )
            .into_response(),
    }
}

/// The optional base-map tile URL (`GUAGOU_MAP_TILES`, a `{z}/{x}/{y}` template) and its
/// attribution (`GUAGOU_MAP_TILES_ATTRIBUTION`), read once.
fn tiles() -> &'static (Option<String>, Option<String>) {
    static TILES: OnceLock<(Option<String>, Option<String>)> = OnceLock::new();
    TILES.get_or_init(|| {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        (
            read("GUAGOU_MAP_TILES"),
            read("GUAGOU_MAP_TILES_ATTRIBUTION"),
        )
    })
}

/// The origin (`https://host[:port]`) of an absolute tile URL, if it is one and looks safe to
/// put in a header; `None` for a same-origin path such as `/tiles/{z}/{x}/{y}.png`.
fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split('/').next()?;
    let safe = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    safe.then(|| format!("{scheme}://{host}"))
}

/// The content security policy of every response: scripts, styles, images and requests from
/// this origin only (no inline scripts: data reaches scripts in `data-` attributes). Pages use
/// inline styles; Leaflet positions map panes with inline styles too. `data:` images for
/// Leaflet's controls. A base-map tile server named in `GUAGOU_MAP_TILES` is allowed for images.
pub fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let tiles = tiles()
            .0
            .as_deref()
            .and_then(tile_origin)
            .map(|origin| format!(" {origin}"))
            .unwrap_or_default();
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:{tiles}; connect-src 'self'; font-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    })
}

/// Percent-encodes a path segment (project codes are plain, but nothing is assumed).
fn segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[derive(askama::Template)]
#[template(path = "map/project_map.html")]
struct ProjectMap {
    lang: Lang,
    v: &'static str,
    leaflet: bool,
    proj4: bool,
    code: String,
    version: i64,
    tiles: Option<String>,
    attribution: Option<String>,
    /// The texts `map.js` shows, in the reader's language (JSON, see [`map_texts`]).
    texts: String,
}

/// The texts `map.js` shows (popups, the table without Leaflet, notices) by the names it reads
/// them with, in `lang`: a JSON object in the map box's `data-texts`.
fn map_texts(lang: Lang) -> String {
    let entries: [(&str, Key); 21] = [
        ("demolition", k::DEMOLITION),
        ("resettlement", k::RESETTLEMENT),
        ("construction", k::CONSTRUCTION),
        ("role", k::MAP_ROLE),
        ("township", k::MAP_TOWNSHIP),
        ("area", k::MAP_AREA),
        ("planar", k::MAP_PLANAR_ELLIPSOIDAL),
        ("results", k::MAP_RULE_RESULTS),
        ("norule", k::MAP_NO_RULE_CONCERNS_THIS_PARCEL),
        ("everyparcel", k::MAP_APPLIES_TO_EVERY_PARCEL),
        ("name", k::MAP_PARCEL_NAME),
        ("missing", k::MAP_LIBRARY_MISSING),
        ("noparcels", k::MAP_NO_PARCELS),
        ("notloaded", k::MAP_NOT_LOADED),
        ("ha", k::HA),
        ("mu", k::MU),
        ("longitude", k::MAP_LONGITUDE),
        ("latitude", k::MAP_LATITUDE),
        ("zone", k::MAP_GK_ZONE),
        ("cursor", k::MAP_CURSOR),
        ("measured", k::MAP_MEASURED),
    ];
    let texts: serde_json::Map<String, Value> = entries
        .iter()
        .map(|(name, key)| ((*name).to_owned(), Value::from(lang.text(*key))))
        .collect();
    Value::Object(texts).to_string()
}

/// The map of a project version for the project page: the stylesheets, a legend by role and one
/// by rule result (switched by the checkbox), the map box and the scripts (`map.js` reads the
/// box's `data-src`). Without Leaflet, `map.js` shows a notice and a table of parcels.
pub fn project_map_html(lang: Lang, code: &str, version: i64) -> String {
    let (tiles, attribution) = tiles();
    let map = ProjectMap {
        lang,
        v: asset_version(),
        leaflet: LEAFLET_EMBEDDED,
        proj4: PROJ4_EMBEDDED,
        code: segment(code),
        version,
        tiles: tiles.clone(),
        attribution: attribution.clone(),
        texts: map_texts(lang),
    };
    askama::Template::render(&map).unwrap_or_else(|e| {
        // A template of ours that fails to render is a bug: logged, and the page has no map.
        tracing::error!(error = %e, "map template failed");
        String::new()
    })
}

/// The query of the map API.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    /// 版本号（默认当前版本） / version number (default: the current version)
    pub version: Option<i64>,
}

/// Handles GET /api/projects/{code}/map
#[utoipa::path(get, path = "/projects/{code}/map", tag = "projects",
    params(("code" = String, Path, description = "项目编号 / project code"), MapQuery),
    responses(
        (status = 200, description = "GeoJSON 要素集合（经纬度）：地块（role = demolition | resettlement | construction；面积 m²、公顷、亩；涉及该地块的规则结果）与所在乡镇边界（role = township） / GeoJSON FeatureCollection (lon/lat): parcels (role, areas in m², ha and mu, the rule results concerning each) and the boundaries of their townships (role = township)", body = Object, content_type = "application/geo+json"),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "项目或版本不存在或无权查看 / project or version not found or not readable", body = crate::error::Problem),
        (status = 422, description = "版本号无效 / invalid version", body = crate::error::Problem),
    ))]
pub async fn project_map(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query
        .map_err(|_| WebError::invalid("version", k::THE_VERSION_SHOULD_BE_A_WHOLE))?
        .0;
    let project = view::readable_project(&state.registry, &user, &code).await?;
    let version = query.version.unwrap_or(project.current_version);
    let stored = user
        .door(&state.registry)
        .versions(&code)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(WebError::NotFound)?;
    let parcels = user
        .door(&state.registry)
        .parcel_features(&code, version)
        .await?;
    let basis = state.registry.profile.spatial.area_basis.value;
    let mut features = parcel_features(parcels, &stored.results, basis);
    let townships: BTreeSet<String> = features
        .iter()
        .filter_map(|f| f["properties"]["township"].as_str().map(str::to_owned))
        .chain(project.township.clone())
        .collect();
    features.extend(township_features(&state, &townships).await?);
    let body = json!({
        "type": "FeatureCollection",
        "project": code,
        "version": version,
        "area_basis": basis,
        "features": features,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response())
}

/// The boundary features of `codes` (those with a boundary; the others are left out).
async fn township_features(
    state: &AppState,
    codes: &BTreeSet<String>,
) -> Result<Vec<Value>, WebError> {
    let mut out = Vec::new();
    for code in codes {
        let geometry = match state.registry.public().boundary(code).await {
            Ok(Some(geometry)) => geometry,
            Ok(None) | Err(RegistryError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let name = match state.registry.public().division(code).await {
            Ok(division) => division.name,
            Err(RegistryError::NotFound { .. }) => code.clone(),
            Err(e) => return Err(e.into()),
        };
        out.push(json!({
            "type": "Feature",
            "properties": { "role": "township", "code": code, "name": name },
            "geometry": geometry,
        }));
    }
    Ok(out)
}

/// One rule result as shown on a parcel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParcelRule {
    pub rule: String,
    /// The rule's title from the rule table (empty for an unknown rule ID).
    pub title_zh: String,
    pub title_en: String,
    pub severity: String,
    /// Whether the parcel passes this rule (see the module documentation).
    pub passed: bool,
    pub clause: String,
    /// Whether the result names this parcel (false: the rule concerns every parcel of its role).
    pub named: bool,
    pub message_zh: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_en: Option<String>,
}

/// The parcel features of `collection` (from `Registry::parcel_features`) with their areas on
/// the profile's basis and the rule results of `results` (a version's stored `check_json`).
pub fn parcel_features(collection: Value, results: &[Value], basis: AreaBasis) -> Vec<Value> {
    let mut features = match collection {
        Value::Object(mut map) => match map.remove("features") {
            Some(Value::Array(features)) => features,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let keys: Vec<(String, String)> = features
        .iter()
        .map(|f| {
            let text = |k: &str| f["properties"][k].as_str().unwrap_or_default().to_owned();
            (text("role"), text("name"))
        })
        .collect();
    let rules = rules_by_parcel(&keys, results);
    for (feature, rules) in features.iter_mut().zip(rules) {
        if let Some(properties) = feature.get_mut("properties").and_then(Value::as_object_mut) {
            add_areas(properties, basis);
            let status = if rules.iter().any(|r| !r.passed) {
                "failed"
            } else if rules.is_empty() {
                "none"
            } else {
                "passed"
            };
            properties.insert("rule_status".into(), json!(status));
            properties.insert("rules".into(), json!(rules));
        }
    }
    features
}

/// Adds `area_m2` (whole m² on the profile's basis, SPEC §3), `area_ha` (4 decimals) and
/// `area_mu` (2 decimals), exact decimal text from the integer m².
fn add_areas(properties: &mut serde_json::Map<String, Value>, basis: AreaBasis) {
    let field = match basis {
        AreaBasis::Planar => "planar_m2",
        AreaBasis::Ellipsoidal => "ellipsoidal_m2",
    };
    let area = properties
        .get(field)
        .and_then(Value::as_f64)
        .and_then(SquareMetres::from_measured);
    properties.insert("area_basis".into(), json!(basis));
    properties.insert("area_m2".into(), json!(area.map(SquareMetres::m2)));
    properties.insert(
        "area_ha".into(),
        json!(area.map(SquareMetres::hectares_text)),
    );
    properties.insert("area_mu".into(), json!(area.map(SquareMetres::mu_text)));
}

/// For each parcel `(role, name)`, the results that concern it, in the order of `results`.
pub fn rules_by_parcel(parcels: &[(String, String)], results: &[Value]) -> Vec<Vec<ParcelRule>> {
    let mut out: Vec<Vec<ParcelRule>> = vec![Vec::new(); parcels.len()];
    for result in results {
        let named = named_parcels(parcels, result);
        for (index, (zh, en)) in &named {
            out[*index].push(parcel_rule(result, result_passed(result), true, zh, en));
        }
        let Some(role) = role_of_rule(result) else {
            continue;
        };
        // A failure that names parcels of this role clears the role's other parcels.
        let culprits_named = named.keys().any(|i| parcels[*i].0 == role);
        let passed = result_passed(result) || culprits_named;
        for (index, (parcel_role, _)) in parcels.iter().enumerate() {
            if parcel_role == role && !named.contains_key(&index) {
                out[index].push(parcel_rule(result, passed, false, "", ""));
            }
        }
    }
    out
}

fn result_passed(result: &Value) -> bool {
    result["passed"].as_bool().unwrap_or(false)
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn parcel_rule(result: &Value, passed: bool, named: bool, zh: &str, en: &str) -> ParcelRule {
    let some = |t: &str| (!t.is_empty()).then(|| t.to_owned());
    let def = serde_json::from_value::<RuleId>(result["rule"].clone())
        .ok()
        .map(RuleId::def);
    ParcelRule {
        rule: text(&result["rule"]),
        title_zh: def.map(|d| d.title_zh.to_owned()).unwrap_or_default(),
        title_en: def.map(|d| d.title_en.to_owned()).unwrap_or_default(),
        severity: text(&result["severity"]),
        passed,
        clause: text(&result["clause"]),
        named,
        message_zh: text(&result["message_zh"]),
        message_en: text(&result["message_en"]),
        detail_zh: some(zh),
        detail_en: some(en),
    }
}

/// The role whose every parcel a result concerns, from [`ROLE_RULES`].
fn role_of_rule(result: &Value) -> Option<&'static str> {
    let id: RuleId = serde_json::from_value(result["rule"].clone()).ok()?;
    ROLE_RULES
        .iter()
        .find(|(rule, _)| *rule == id)
        .map(|(_, role)| *role)
}

/// The parcels a result names in its subjects (index → details, joined with "; " when a parcel
/// is named twice). A `parcel` subject is a demolition (or construction) parcel, a `site` a
/// resettlement site, by name; either falls back to any role with that name. Any other subject
/// names the parcels listed in its details (e.g. a township's "拆旧地块 A、B"), of the rule's
/// role when [`ROLE_RULES`] gives one. A subject
/// stored as a bare string is a name of any role.
fn named_parcels(
    parcels: &[(String, String)],
    result: &Value,
) -> BTreeMap<usize, (String, String)> {
    let mut named: BTreeMap<usize, (String, String)> = BTreeMap::new();
    let subjects = result["subjects"].as_array().map(Vec::as_slice);
    for subject in subjects.unwrap_or_default() {
        let (kind, id) = match subject {
            Value::String(id) => ("", id.as_str()),
            other => (
                other["kind"].as_str().unwrap_or_default(),
                other["id"].as_str().unwrap_or_default(),
            ),
        };
        let zh = subject["detail_zh"].as_str().unwrap_or_default();
        let en = subject["detail_en"].as_str().unwrap_or_default();
        let hits = match kind {
            "parcel" => by_name(parcels, id, |role| role != "resettlement"),
            "site" => by_name(parcels, id, |role| role == "resettlement"),
            "" => by_name(parcels, id, |_| true),
            _ => prefer_role(parcels, listed_in(parcels, &[zh, en]), role_of_rule(result)),
        };
        for index in hits {
            let entry = named.entry(index).or_default();
            join(&mut entry.0, zh);
            join(&mut entry.1, en);
        }
    }
    named
}

fn join(into: &mut String, text: &str) {
    if text.is_empty() || into.split("; ").any(|t| t == text) {
        return;
    }
    if !into.is_empty() {
        into.push_str("; ");
    }
    into.push_str(text);
}

/// Parcels called `name` whose role `prefer`s; if none, parcels of any role called `name`.
fn by_name(parcels: &[(String, String)], name: &str, prefer: impl Fn(&str) -> bool) -> Vec<usize> {
    if name.is_empty() {
        return Vec::new();
    }
    let matching = |strict: bool| -> Vec<usize> {
        parcels
            .iter()
            .enumerate()
            .filter(|(_, (role, n))| n == name && (!strict || prefer(role)))
            .map(|(i, _)| i)
            .collect()
    };
    let preferred = matching(true);
    if preferred.is_empty() {
        matching(false)
    } else {
        preferred
    }
}

/// Of `hits`, those of `role` if there are any (names are unique per role only).
fn prefer_role(parcels: &[(String, String)], hits: Vec<usize>, role: Option<&str>) -> Vec<usize> {
    let Some(role) = role else {
        return hits;
    };
    let of_role: Vec<usize> = hits
        .iter()
        .copied()
        .filter(|i| parcels[*i].0 == role)
        .collect();
    if of_role.is_empty() { hits } else { of_role }
}

/// Parcels whose name stands as a whole word in one of `texts` (words end at spaces and at
/// Chinese or Latin punctuation), so "拆旧1" is not found in "拆旧10".
fn listed_in(parcels: &[(String, String)], texts: &[&str]) -> Vec<usize> {
    const SEPARATORS: &[char] = &[
        '、', ',', '，', ';', '；', ':', '：', '(', ')', '（', '）', '"', '\'', '“', '”', '。',
    ];
    let words: BTreeSet<&str> = texts
        .iter()
        .flat_map(|t| t.split(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)))
        .filter(|w| !w.is_empty())
        .collect();
    parcels
        .iter()
        .enumerate()
        .filter(|(_, (_, name))| words.contains(name.as_str()))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parcels() -> Vec<(String, String)> {
        [
            ("demolition", "拆旧1"),
            ("demolition", "拆旧10"),
            ("resettlement", "拆旧1"),
            ("resettlement", "安置点"),
            ("construction", "建新区"),
        ]
        .iter()
        .map(|(r, n)| ((*r).to_owned(), (*n).to_owned()))
        .collect()
    }

    #[test]
    fn subjects_name_parcels_by_kind_and_in_details() {
        let results = vec![
            // A failed township rule listing its parcels in the detail.
            json!({ "rule": "DEMOLITION_SINGLE_TOWNSHIP", "passed": false, "clause": "二(一)",
                "subjects": [{ "kind": "township", "id": "511722104",
                    "detail_zh": "拆旧地块 拆旧1、拆旧10", "detail_en": "demolition parcels 拆旧1, 拆旧10" }] }),
            // A failed rule naming a site: the resettlement parcel, not the demolition one.
            json!({ "rule": "RESETTLEMENT_ADJACENT", "passed": false, "clause": "二(一)",
                "subjects": [{ "kind": "site", "id": "拆旧1", "detail_zh": "距拆旧地块 900.0 米" }] }),
            // A passed role rule with no subjects: every demolition parcel passes it.
            json!({ "rule": "DEMOLITION_AREA_RANGE", "passed": true, "clause": "二(一)", "subjects": [] }),
            // A rule about no parcel.
            json!({ "rule": "SURVEY_DONE", "passed": false, "clause": "二(一)", "subjects": [] }),
        ];
        let rules = rules_by_parcel(&parcels(), &results);
        let ids = |i: usize| -> Vec<(&str, bool, bool)> {
            rules[i]
                .iter()
                .map(|r| (r.rule.as_str(), r.passed, r.named))
                .collect()
        };
        assert_eq!(
            ids(0),
            [
                ("DEMOLITION_SINGLE_TOWNSHIP", false, true),
                ("DEMOLITION_AREA_RANGE", true, false)
            ]
        );
        assert_eq!(ids(1), ids(0), "拆旧10 is listed too");
        assert_eq!(ids(2), [("RESETTLEMENT_ADJACENT", false, true)]);
        assert_eq!(
            rules[2][0].detail_zh.as_deref(),
            Some("距拆旧地块 900.0 米")
        );
        assert_eq!(
            ids(3),
            [("RESETTLEMENT_ADJACENT", true, false)],
            "the failure names another site, so this one is not at fault"
        );
        assert!(
            rules[4].is_empty(),
            "no rule concerns the construction zone"
        );
    }

    #[test]
    fn whole_words_only_and_bare_string_subjects() {
        let results = vec![
            json!({ "rule": "NO_DOUBLE_COUNTING", "passed": false, "clause": "x",
                "subjects": [{ "kind": "parcel", "id": "拆旧10", "detail_zh": "与 P 的地块 拆旧1 重叠 3.00 m²" }] }),
            json!({ "rule": "UNKNOWN_FUTURE_RULE", "passed": false, "subjects": ["建新区"] }),
        ];
        let rules = rules_by_parcel(&parcels(), &results);
        assert_eq!(rules[1].len(), 1);
        assert!(rules[1][0].named && !rules[1][0].passed);
        // 拆旧1 is not at fault: the failure named 拆旧10 (the detail mentions another
        // project's parcel, which does not count for a `parcel` subject).
        assert_eq!(rules[0].len(), 1);
        assert!(!rules[0][0].named && rules[0][0].passed);
        assert_eq!(rules[4].len(), 1, "a bare name of any role");
        assert_eq!(rules[4][0].rule, "UNKNOWN_FUTURE_RULE");
        assert_eq!(listed_in(&parcels(), &["拆旧100、x"]), Vec::<usize>::new());
    }

    #[test]
    fn areas_follow_the_basis_in_ha_and_mu() {
        let collection = json!({ "type": "FeatureCollection", "features": [
            { "type": "Feature", "properties": { "role": "demolition", "name": "a",
              "planar_m2": 9025.4, "ellipsoidal_m2": 9030.5 }, "geometry": null }
        ]});
        let planar = parcel_features(collection.clone(), &[], AreaBasis::Planar);
        let p = &planar[0]["properties"];
        assert_eq!(p["area_m2"], 9025);
        assert_eq!(p["area_ha"], "0.9025");
        assert_eq!(p["area_mu"], "13.54");
        assert_eq!(p["rule_status"], "none");
        let ellipsoidal = parcel_features(collection, &[], AreaBasis::Ellipsoidal);
        assert_eq!(ellipsoidal[0]["properties"]["area_m2"], 9031);
    }

    #[test]
    fn tile_origins_and_policy() {
        assert_eq!(
            tile_origin("https://tiles.example.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tiles.example.org")
        );
        assert_eq!(tile_origin("/tiles/{z}/{x}/{y}.png"), None);
        assert_eq!(tile_origin("javascript://x"), None);
        assert_eq!(tile_origin("https://a b/"), None);
        let policy = content_security_policy();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe-eval"), "{policy}");
    }

    #[test]
    fn map_html_escapes_and_links_assets() {
        let html = project_map_html(Lang::En, "51\"<x>", 3);
        assert!(html.contains("data-src=\"/api/projects/51%22%3Cx%3E/map?version=3\""));
        assert!(html.contains("id=\"project-map\""));
        assert!(html.contains("/assets/map.js?v="));
        assert!(html.contains("/assets/leaflet.js?v="));
        assert!(!html.contains("<script>"), "no inline script");
        assert!(html.contains("colour by rule result"));
    }
}
