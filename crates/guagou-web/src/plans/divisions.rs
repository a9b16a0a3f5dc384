//! Divisions (行政区划): the city, its counties with their poverty designation, townships and
//! villages with poor-village and relocation flags and household counts.
//!
//! Public reference data: every signed-in user reads all of it (a county needs its neighbours'
//! codes too). Only the land bureau of the city (or the province) imports townships and
//! villages; county rows (poverty designations) come from the seed file and are not replaced
//! from the browser.

use crate::catalogue::{Key, k};
use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router, routing::get, routing::post};
use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_domain::lifecycle::Level;
use guagou_domain::protection::ProtectionKind;
use guagou_registry::base_layers::BaseLayer;
use guagou_registry::divisions::{DAZHOU_DIVISIONS_CSV, Division};
use guagou_registry::{Registry, RegistryError};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{error_panel, require_api_csrf, yes_no};
use crate::AppState;
use crate::auth::{ApiUser, PageUser, User};
use crate::error::{ApiError, PageError, WebError};
use crate::html::{Lang, page};
use crate::partials::{Cell, render};
use askama::Template;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/divisions", get(divisions_index))
        .route("/divisions/import", post(divisions_import_submit))
        .route("/divisions/{code}", get(division_show))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(divisions_list))
        .routes(routes!(division_detail))
        .routes(routes!(divisions_import))
}

/// A division with what lies under it.
#[derive(Debug, Clone, Serialize)]
pub struct DivisionSummary {
    #[serde(flatten)]
    pub division: Division,
    /// The source note of the seed file (e.g. a date marked 待核, to be verified), if any.
    pub note: Option<String>,
    pub townships: usize,
    pub villages: usize,
    pub poor_villages: usize,
    pub relocation_villages: usize,
    /// Sums over the villages below.
    pub poor_households: i64,
    pub relocation_households: i64,
    pub boundary: bool,
}

/// `GET /api/divisions`: the city and its counties.
#[derive(Debug, Clone, Serialize)]
pub struct DivisionsOverview {
    pub city: Option<DivisionSummary>,
    pub counties: Vec<DivisionSummary>,
}

/// `GET /api/divisions/{code}`: a division, its parent and its children.
#[derive(Debug, Clone, Serialize)]
pub struct DivisionDetail {
    pub division: DivisionSummary,
    pub parent: Option<Division>,
    /// Direct children (counties of the city, townships of a county, villages of a township).
    pub children: Vec<DivisionSummary>,
    /// For a county: all its villages (each names its township as `parent`).
    pub villages: Vec<Division>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOutcome {
    /// 导入的行政区数 / divisions imported
    pub imported: usize,
    /// 文件名 / the file's name (the audit record's subject)
    pub source: String,
}

/// The request body of an import, documented for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ImportForm {
    /// CSV：code,name[,parent,level,poor_village,relocation_village,poor_households,relocation_households]
    #[schema(content_media_type = "text/csv")]
    file: Vec<u8>,
}

/// Source notes of the seed file by code (the `source` column, which the store does not keep):
/// where a designation or exit date comes from and whether it is still to be verified (待核).
fn seed_notes() -> BTreeMap<String, String> {
    DAZHOU_DIVISIONS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (code, _) = line.split_once(',')?;
            // The note is the last column, quoted because it contains commas and semicolons.
            let note = line
                .strip_suffix('"')
                .and_then(|l| l.rfind(",\"").map(|i| &l[i + 2..]))?;
            (!note.is_empty()).then(|| (code.to_owned(), note.replace("\"\"", "\"")))
        })
        .collect()
}

fn level_label(level: &str) -> Option<Key> {
    match level {
        "province" => Some(k::PROVINCE_2),
        "city" => Some(k::CITY),
        "county" => Some(k::COUNTY_3),
        "township" => Some(k::TOWNSHIP_2),
        "village" => Some(k::VILLAGE_2),
        _ => None,
    }
}

fn poverty_label(level: Option<&str>) -> Option<Key> {
    match level {
        Some("national") => Some(k::NATIONAL_POVERTY_COUNTY_2),
        Some("provincial") => Some(k::PROVINCIAL_POVERTY_COUNTY),
        _ => None,
    }
}

/// A division with its parsed code (for `contains`).
struct Coded<'a> {
    code: DivisionCode,
    division: &'a Division,
}

fn coded(all: &[Division]) -> Vec<Coded<'_>> {
    all.iter()
        .filter_map(|d| {
            DivisionCode::parse(&d.code)
                .ok()
                .map(|code| Coded { code, division: d })
        })
        .collect()
}

fn summarize(
    division: &Division,
    all: &[Coded<'_>],
    notes: &BTreeMap<String, String>,
    boundaries: &BTreeSet<String>,
) -> DivisionSummary {
    let mut summary = DivisionSummary {
        division: division.clone(),
        note: notes.get(&division.code).cloned(),
        townships: 0,
        villages: 0,
        poor_villages: 0,
        relocation_villages: 0,
        poor_households: 0,
        relocation_households: 0,
        boundary: boundaries.contains(&division.code),
    };
    let Ok(code) = DivisionCode::parse(&division.code) else {
        return summary;
    };
    for below in all
        .iter()
        .filter(|c| c.code != code && code.contains(&c.code))
    {
        match below.code.level() {
            DivisionLevel::Township => summary.townships += 1,
            DivisionLevel::Village => {
                let v = below.division;
                summary.villages += 1;
                summary.poor_villages += usize::from(v.poor_village);
                summary.relocation_villages += usize::from(v.relocation_village);
                summary.poor_households += v.poor_households;
                summary.relocation_households += v.relocation_households;
            }
            _ => {}
        }
    }
    summary
}

/// The level of the codes directly under `code`.
fn child_level(code: &DivisionCode) -> Option<DivisionLevel> {
    match code.level() {
        DivisionLevel::Province => Some(DivisionLevel::City),
        DivisionLevel::City => Some(DivisionLevel::County),
        DivisionLevel::County => Some(DivisionLevel::Township),
        DivisionLevel::Township => Some(DivisionLevel::Village),
        DivisionLevel::Village => None,
    }
}

async fn overview(registry: &Registry, user: &User) -> Result<DivisionsOverview, WebError> {
    let all = user.door(registry).divisions_under("").await?;
    let boundaries = user.door(registry).divisions_with_boundary("").await?;
    let notes = seed_notes();
    let list = coded(&all);
    let city = list
        .iter()
        .find(|c| c.code.level() == DivisionLevel::City)
        .map(|c| summarize(c.division, &list, &notes, &boundaries));
    let counties = list
        .iter()
        .filter(|c| c.code.level() == DivisionLevel::County)
        .map(|c| summarize(c.division, &list, &notes, &boundaries))
        .collect();
    Ok(DivisionsOverview { city, counties })
}

async fn detail(registry: &Registry, user: &User, code: &str) -> Result<DivisionDetail, WebError> {
    let parsed = DivisionCode::parse(code).map_err(|_| WebError::NotFound)?;
    let division = match user.door(registry).division(parsed.as_str()).await {
        Ok(d) => d,
        Err(RegistryError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    // Everything under the division's prefix (the city's prefix is its first four digits).
    let prefix = match parsed.level() {
        DivisionLevel::Province => &parsed.as_str()[..2],
        DivisionLevel::City => &parsed.as_str()[..4],
        _ => parsed.as_str(),
    };
    let all = user.door(registry).divisions_under(prefix).await?;
    let boundaries = user.door(registry).divisions_with_boundary(prefix).await?;
    let notes = seed_notes();
    let list = coded(&all);
    let children = match child_level(&parsed) {
        Some(level) => list
            .iter()
            .filter(|c| c.code.level() == level && parsed.contains(&c.code))
            .map(|c| summarize(c.division, &list, &notes, &boundaries))
            .collect(),
        None => Vec::new(),
    };
    let villages = if parsed.level() == DivisionLevel::County {
        list.iter()
            .filter(|c| c.code.level() == DivisionLevel::Village)
            .map(|c| c.division.clone())
            .collect()
    } else {
        Vec::new()
    };
    let parent = match &division.parent {
        Some(p) => user.door(registry).division(p).await.ok(),
        None => None,
    };
    Ok(DivisionDetail {
        division: summarize(&division, &list, &notes, &boundaries),
        parent,
        children,
        villages,
    })
}

fn note_cell(note: Option<&str>) -> Cell {
    match note {
        // A date "to be verified" is flagged so nobody reads it as settled.
        Some(n) if n.contains("待核") => Cell::text(n).with_class("warn"),
        Some(n) => Cell::text(n).with_class("en"),
        None => Cell::default(),
    }
}

/// A division's code linking to its page.
fn code_link(code: &str) -> Cell {
    Cell::link(code, format!("/divisions/{code}"))
}

/// A table of divisions: its header texts and rows of cells.
struct DivisionTable {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// Which columns a summary table shows: counties carry a poverty designation and the seed's
/// notes; townships only their villages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Columns {
    Counties,
    Townships,
}

fn summary_headers(columns: Columns) -> Vec<Key> {
    let mut headers = vec![k::CODE, k::NAME_2];
    if columns == Columns::Counties {
        headers.extend([
            k::POVERTY_COUNTY,
            k::DESIGNATED,
            k::EXITED,
            k::SOURCE_AND_NOTES,
            k::TOWNSHIPS,
        ]);
    }
    headers.extend([
        k::VILLAGES_2,
        k::POOR_VILLAGES,
        k::RELOCATION_VILLAGES,
        k::POOR_HOUSEHOLDS,
        k::RELOCATION_HOUSEHOLDS,
        k::BOUNDARY,
    ]);
    headers
}

fn summary_row(lang: Lang, columns: Columns, s: &DivisionSummary) -> Vec<Cell> {
    let d = &s.division;
    let mut row = vec![code_link(&d.code), Cell::text(&d.name)];
    if columns == Columns::Counties {
        row.extend([
            Cell::text(
                poverty_label(d.poverty_level.as_deref()).map_or("", |name| lang.text(name)),
            ),
            Cell::text(d.designated_on.as_deref().unwrap_or("")),
            Cell::text(d.exited_on.as_deref().unwrap_or("")),
            note_cell(s.note.as_deref()),
            Cell::text(s.townships.to_string()),
        ]);
    }
    row.extend([
        Cell::text(s.villages.to_string()),
        Cell::text(s.poor_villages.to_string()),
        Cell::text(s.relocation_villages.to_string()),
        Cell::text(s.poor_households.to_string()),
        Cell::text(s.relocation_households.to_string()),
        yes_no(lang, s.boundary),
    ]);
    row
}

fn summary_table(lang: Lang, columns: Columns, summaries: &[DivisionSummary]) -> DivisionTable {
    DivisionTable {
        headers: summary_headers(columns)
            .into_iter()
            .map(|h| lang.text(h))
            .collect(),
        rows: summaries
            .iter()
            .map(|s| summary_row(lang, columns, s))
            .collect(),
    }
}

fn village_table(lang: Lang, villages: &[Division], with_township: bool) -> DivisionTable {
    let mut headers = vec![k::CODE, k::NAME_2];
    if with_township {
        headers.insert(0, k::TOWNSHIP);
    }
    headers.extend([
        k::POOR_VILLAGE,
        k::RELOCATION_VILLAGE_2,
        k::POOR_HOUSEHOLDS,
        k::RELOCATION_HOUSEHOLDS,
    ]);
    let rows = villages
        .iter()
        .map(|v| {
            let mut row = vec![code_link(&v.code), Cell::text(&v.name)];
            if with_township {
                row.insert(0, code_link(v.parent.as_deref().unwrap_or("")));
            }
            row.extend([
                yes_no(lang, v.poor_village),
                yes_no(lang, v.relocation_village),
                Cell::text(v.poor_households.to_string()),
                Cell::text(v.relocation_households.to_string()),
            ]);
            row
        })
        .collect();
    DivisionTable {
        headers: headers.into_iter().map(|h| lang.text(h)).collect(),
        rows,
    }
}

/// Whether `user` may import divisions: the land bureau of the city or the province.
fn may_import(user: &User) -> bool {
    user.is_land_writer() && user.actor.level != Level::County
}

fn require_import(user: &User) -> Result<(), WebError> {
    user.actor.require_writer()?;
    super::require_land(user, "行政区划导入 / division import")?;
    if user.actor.level == Level::County {
        return Err(WebError::Registry(RegistryError::Forbidden {
            actor: user.actor.to_string(),
            what: "行政区划导入（市局）/ division import (city land bureau)".to_owned(),
        }));
    }
    Ok(())
}

/// 行政区划 / the divisions page (`templates/plans/divisions.html`).
#[derive(Template)]
#[template(path = "plans/divisions.html")]
struct DivisionsPage {
    lang: Lang,
    /// The refusal of an import (the plans' error panel, HTML).
    refusal: Option<String>,
    /// What an import did.
    imported: Option<String>,
    city: Option<CityLine>,
    counties: DivisionTable,
    /// The session's CSRF token when the user may import.
    import_csrf: Option<String>,
}

/// The city with its counts.
struct CityLine {
    code: String,
    name: String,
    counts: String,
}

/// The divisions page; `imported` / `refusal` say how an import went.
fn index_body(
    lang: Lang,
    user: &User,
    overview: &DivisionsOverview,
    imported: Option<String>,
    refusal: Option<String>,
) -> Result<String, WebError> {
    let city = overview.city.as_ref().map(|c| CityLine {
        code: c.division.code.clone(),
        name: c.division.name.clone(),
        counts: lang.fill(
            k::PLANS_DIVISIONS_CITY_COUNTS,
            &[
                ("counties", &overview.counties.len().to_string()),
                ("townships", &c.townships.to_string()),
                ("villages", &c.villages.to_string()),
                ("poor", &c.poor_villages.to_string()),
                ("relocation", &c.relocation_villages.to_string()),
            ],
        ),
    });
    let view = DivisionsPage {
        lang,
        refusal,
        imported,
        city,
        counties: summary_table(lang, Columns::Counties, &overview.counties),
        import_csrf: may_import(user).then(|| user.csrf.clone()),
    };
    render(&view, "divisions")
}

/// Handles GET /divisions
pub async fn divisions_index(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Html<String>, PageError> {
    let overview = overview(&state.registry, &user).await?;
    let body = index_body(user.lang, &user, &overview, None, None)?;
    Ok(Html(page(k::DIVISIONS, Some(&user), &body)))
}

/// 行政区划 / one division's page (`templates/plans/division.html`).
#[derive(Template)]
#[template(path = "plans/division.html")]
struct DivisionPage {
    lang: Lang,
    /// The facts before the parent (code, name, level).
    head: Vec<Fact>,
    /// The parent's code and name.
    parent: Option<(String, String)>,
    /// The facts after the parent.
    rest: Vec<Fact>,
    /// A county's special plans, when the user reads the county.
    plans: Option<Vec<PlanItem>>,
    /// A county's land-use layers and protection layers.
    layers: Option<(DivisionTable, DivisionTable)>,
    children: Option<Children>,
    /// A county's villages, with their townships.
    villages: Option<DivisionTable>,
}

/// One fact of a division.
struct Fact {
    label: &'static str,
    cell: Cell,
}

/// A special plan of a county.
struct PlanItem {
    id: String,
    title: String,
    state: String,
}

/// The divisions directly under a division, under their heading.
struct Children {
    heading: &'static str,
    table: DivisionTable,
}

/// The facts of a division: those before its parent and those after.
fn facts(lang: Lang, detail: &DivisionDetail) -> (Vec<Fact>, Vec<Fact>) {
    let s = &detail.division;
    let d = &s.division;
    let level = level_label(&d.level).map_or(d.level.as_str(), |name| lang.text(name));
    let fact = |label: Key, cell: Cell| Fact {
        label: lang.text(label),
        cell,
    };
    let count = |label: Key, n: String| fact(label, Cell::text(n));
    let head = vec![
        fact(k::CODE, Cell::text(&d.code)),
        fact(k::NAME_2, Cell::text(&d.name)),
        fact(k::LEVEL, Cell::text(level)),
    ];
    let mut rows = vec![fact(k::BOUNDARY_STORED, yes_no(lang, s.boundary))];
    match d.level.as_str() {
        "county" => {
            let poverty = poverty_label(d.poverty_level.as_deref()).unwrap_or(k::NO);
            rows.push(fact(k::POVERTY_COUNTY, Cell::text(lang.text(poverty))));
            rows.push(fact(
                k::DESIGNATED,
                Cell::text(d.designated_on.as_deref().unwrap_or("")),
            ));
            rows.push(fact(
                k::EXITED,
                Cell::text(d.exited_on.as_deref().unwrap_or("")),
            ));
            rows.push(fact(k::SOURCE_AND_NOTES, note_cell(s.note.as_deref())));
        }
        "village" => {
            rows.push(fact(k::POOR_VILLAGE, yes_no(lang, d.poor_village)));
            rows.push(fact(
                k::RELOCATION_VILLAGE_2,
                yes_no(lang, d.relocation_village),
            ));
        }
        _ => {}
    }
    if d.level != "village" {
        rows.push(count(k::TOWNSHIPS_2, s.townships.to_string()));
        rows.push(count(k::VILLAGES_4, s.villages.to_string()));
        rows.push(count(k::POOR_VILLAGES, s.poor_villages.to_string()));
        rows.push(count(
            k::RELOCATION_VILLAGES,
            s.relocation_villages.to_string(),
        ));
    }
    rows.push(count(k::POOR_HOUSEHOLDS, s.poor_households.to_string()));
    rows.push(count(
        k::RELOCATION_HOUSEHOLDS,
        s.relocation_households.to_string(),
    ));
    (head, rows)
}

fn children_of(lang: Lang, detail: &DivisionDetail) -> Option<Children> {
    let level = detail.division.division.level.as_str();
    let heading = match level {
        "province" => k::CITIES,
        "city" => k::COUNTIES,
        "county" => k::TOWNSHIPS,
        "township" => k::VILLAGES_2,
        _ => return None,
    };
    let table = if level == "township" {
        let villages: Vec<Division> = detail.children.iter().map(|c| c.division.clone()).collect();
        village_table(lang, &villages, false)
    } else {
        let columns = if level == "county" {
            Columns::Townships
        } else {
            Columns::Counties
        };
        summary_table(lang, columns, &detail.children)
    };
    Some(Children {
        heading: lang.text(heading),
        table,
    })
}

/// A county's stored layers: its land-use layers (`guagou import landuse`) and its protection
/// layers (`guagou import protection`: 永久基本农田, 生态保护红线, 城镇开发边界), each table
/// saying which layer of each kind the checks read, and the ones it replaced or that older
/// vintages left. Reference data, like the divisions.
async fn county_layers(
    state: &AppState,
    user: &User,
    lang: Lang,
    detail: &DivisionDetail,
) -> Option<(DivisionTable, DivisionTable)> {
    let d = &detail.division.division;
    if d.level != "county" {
        return None;
    }
    let layers = match user.door(&state.registry).base_layers(Some(&d.code)).await {
        Ok(layers) => layers,
        Err(e) => {
            tracing::warn!(error = %e, "base layers of a county");
            return None;
        }
    };
    let (land_use, protection): (Vec<&BaseLayer>, Vec<&BaseLayer>) = layers
        .iter()
        .partition(|l| ProtectionKind::parse(&l.kind).is_none());
    Some((
        layer_table(lang, &land_use, false),
        layer_table(lang, &protection, true),
    ))
}

/// Stored layers as a table; `with_kind` adds the protection layer's kind (the current layer
/// is then the newest of its kind).
fn layer_table(lang: Lang, layers: &[&BaseLayer], with_kind: bool) -> DivisionTable {
    let current: BTreeMap<&str, (i64, i64)> = layers
        .iter()
        .filter(|l| l.replaced_by.is_none())
        .fold(BTreeMap::new(), |mut by_kind, l| {
            let newest = by_kind.entry(l.kind.as_str()).or_insert((l.vintage, l.id));
            *newest = (*newest).max((l.vintage, l.id));
            by_kind
        });
    let rows = layers
        .iter()
        .map(|l| {
            let is_current = current.get(l.kind.as_str()) == Some(&(l.vintage, l.id));
            let state = match (l.replaced_by, is_current) {
                (Some(by), _) => lang.fill(k::LAYER_REPLACED_BY, &[("by", &by.to_string())]),
                (None, true) => lang.text(k::CURRENT_READ_BY_THE_CHECKS).to_owned(),
                (None, false) => lang.text(k::OLDER_VINTAGE).to_owned(),
            };
            let mut row = vec![Cell::text(format!("#{}", l.id))];
            if with_kind {
                row.push(Cell::text(protection_kind_text(lang, &l.kind)));
            }
            row.extend([
                Cell::text(l.vintage.to_string()),
                Cell::text(l.features.to_string()),
                Cell::text(state),
                Cell::text(&l.imported_by),
                Cell::text(crate::html::local_time(&l.imported_at)),
                Cell::text(&l.reason),
                Cell::code(l.sha256.get(..12).unwrap_or(&l.sha256)),
            ]);
            row
        })
        .collect();
    let mut headers = vec![k::ID];
    if with_kind {
        headers.push(k::PROTECTION_LAYER_KIND);
    }
    headers.extend([
        k::VINTAGE,
        k::FEATURES,
        k::STATE,
        k::IMPORTED_BY,
        k::AT_2,
        k::REASON,
        k::SHA_256,
    ]);
    DivisionTable {
        headers: headers.into_iter().map(|h| lang.text(h)).collect(),
        rows,
    }
}

/// The name of a protection layer's kind, from the catalogue.
fn protection_kind_text(lang: Lang, kind: &str) -> String {
    let key = match ProtectionKind::parse(kind) {
        Some(ProtectionKind::PermanentFarmland) => k::PERMANENT_BASIC_FARMLAND,
        Some(ProtectionKind::EcologicalRedline) => k::ECOLOGICAL_PROTECTION_RED_LINE,
        Some(ProtectionKind::UrbanBoundary) => k::URBAN_DEVELOPMENT_BOUNDARY,
        None => return kind.to_owned(),
    };
    lang.text(key).to_owned()
}

/// The special plans of a county, if the user reads that county (plans are not public data).
async fn county_plans(
    state: &AppState,
    user: &User,
    detail: &DivisionDetail,
) -> Option<Vec<PlanItem>> {
    let d = &detail.division.division;
    if d.level != "county" || !user.reads(&d.code) {
        return None;
    }
    let lang = user.lang;
    let plans = match user.door(&state.registry).plans_of(&d.code).await {
        Ok(plans) => plans,
        Err(e) => {
            tracing::warn!(error = %e, "plans of a county");
            return None;
        }
    };
    Some(
        plans
            .iter()
            .map(|p| PlanItem {
                id: p.id.clone(),
                title: p.title.clone(),
                state: lang.text(crate::names::plan_state(p.state)).to_owned(),
            })
            .collect(),
    )
}

/// Handles GET /divisions/{code}
pub async fn division_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let detail = detail(&state.registry, &user, &code).await?;
    let (head, rest) = facts(lang, &detail);
    let view = DivisionPage {
        lang,
        head,
        parent: detail
            .parent
            .as_ref()
            .map(|p| (p.code.clone(), p.name.clone())),
        rest,
        plans: county_plans(&state, &user, &detail).await,
        layers: county_layers(&state, &user, lang, &detail).await,
        children: children_of(lang, &detail),
        villages: (detail.division.division.level == "county")
            .then(|| village_table(lang, &detail.villages, true)),
    };
    let body = render(&view, "division")?;
    let d = &detail.division.division;
    Ok(Html(page((&d.name, &d.code), Some(&user), &body)))
}

/// Checks the rows of an uploaded file before anything is written: only townships and villages
/// of existing counties (county designations are the seed's, not a browser upload's).
async fn check_rows(
    registry: &Registry,
    user: &User,
    label: &str,
    rows: &[Division],
) -> Result<(), WebError> {
    let counties: BTreeSet<String> = user
        .door(registry)
        .divisions_under("")
        .await?
        .into_iter()
        .filter(|d| d.level == "county")
        .map(|d| d.code)
        .collect();
    for (i, d) in rows.iter().enumerate() {
        // One record per line after the header (the parser already refused broken records).
        let line = i + 2;
        let field = |zh: String, en: String| {
            WebError::Registry(RegistryError::invalid(
                &format!("{label}:{line} code"),
                zh,
                en,
            ))
        };
        if !matches!(d.code.len(), 9 | 12) {
            return Err(field(
                format!(
                    "{label} 第 {line} 行 code：{} 不是乡镇或村，只能导入乡镇和村",
                    d.code
                ),
                format!(
                    "{label} line {line} code: {} is not a township or village; only townships and villages may be imported",
                    d.code
                ),
            ));
        }
        if !counties.contains(&d.code[..6]) {
            return Err(field(
                format!("{label} 第 {line} 行 code：县 {} 不存在", &d.code[..6]),
                format!(
                    "{label} line {line} code: county {} does not exist",
                    &d.code[..6]
                ),
            ));
        }
    }
    Ok(())
}

/// Puts the location the parser names (`file:line field`) into the messages a user reads.
fn located(error: RegistryError) -> RegistryError {
    match error {
        RegistryError::Invalid { field, zh, en } => RegistryError::Invalid {
            zh: format!("{field}：{zh}"),
            en: format!("{field}: {en}"),
            field,
        },
        other => other,
    }
}

/// Parses, checks and imports a division CSV for `user`.
async fn import(
    registry: &Registry,
    user: &User,
    label: &str,
    bytes: &[u8],
) -> Result<ImportOutcome, WebError> {
    require_import(user)?;
    if bytes.is_empty() {
        return Err(WebError::invalid("file", k::THE_FILE_IS_EMPTY));
    }
    let rows = guagou_registry::plans::parse_divisions_bytes(label, bytes).map_err(located)?;
    check_rows(registry, user, label, &rows).await?;
    let imported = user
        .door(registry)
        .import_divisions(
            label,
            &rows,
            "网页导入乡镇和村 / townships and villages imported on the web",
        )
        .await?;
    tracing::info!(actor = %user.actor, imported, source = label, "division import");
    Ok(ImportOutcome {
        imported,
        source: label.to_owned(),
    })
}

/// A file name fit for messages and the audit record: its last path part, at most 100 chars.
fn file_label(name: Option<&str>) -> String {
    let name = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("upload.csv");
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// The uploaded form: the CSRF field and the file (name and bytes).
struct Upload {
    csrf: Option<String>,
    file: Option<(String, Bytes)>,
}

async fn read_multipart(mut multipart: Multipart) -> Result<Upload, WebError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::invalid_text(
            "file",
            format!("上传的表单无法读取：{e}"),
            format!("cannot read the uploaded form: {e}"),
        )
    };
    let mut upload = Upload {
        csrf: None,
        file: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => upload.csrf = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let label = file_label(field.file_name());
                upload.file = Some((label, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// Handles POST /divisions/import (multipart: `csrf`, `file`)
pub async fn divisions_import_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    // Without a readable form there is no CSRF token either: refuse as a CSRF failure.
    let upload = match multipart {
        Ok(m) => read_multipart(m).await.map_err(|_| WebError::Csrf)?,
        Err(_) => return Err(PageError(WebError::Csrf)),
    };
    user.require_csrf(upload.csrf.as_deref())?;
    require_import(&user)?;
    let outcome = match &upload.file {
        Some((label, bytes)) => import(&state.registry, &user, label, bytes).await,
        None => Err(WebError::invalid("file", k::CHOOSE_A_FILE)),
    };
    let (status, imported, refusal) = match &outcome {
        Ok(o) => (
            StatusCode::OK,
            Some(lang.fill(
                k::PLANS_DIVISIONS_IMPORTED,
                &[
                    ("source", o.source.as_str()),
                    ("count", &o.imported.to_string()),
                ],
            )),
            None,
        ),
        Err(e) => {
            let (status, panel) = error_panel(lang, e)?;
            (status, None, Some(panel))
        }
    };
    let overview = overview(&state.registry, &user).await?;
    let body = index_body(lang, &user, &overview, imported, refusal)?;
    Ok((status, Html(page(k::DIVISIONS, Some(&user), &body))).into_response())
}

/// Handles GET /api/divisions
#[utoipa::path(get, path = "/divisions", tag = "divisions",
    responses(
        (status = 200, description = "市、各县及其贫困县认定、村户统计 / the city and its counties with poverty designation and village and household counts", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
    ))]
pub async fn divisions_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<DivisionsOverview>, ApiError> {
    Ok(Json(overview(&state.registry, &user).await?))
}

/// Handles GET /api/divisions/{code}
#[utoipa::path(get, path = "/divisions/{code}", tag = "divisions",
    params(("code" = String, Path, description = "行政区划代码（6/9/12 位）/ division code (6, 9 or 12 digits)")),
    responses(
        (status = 200, description = "行政区、上级与下级 / the division, its parent and children", body = Object),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 404, description = "不存在 / not found", body = crate::error::Problem),
    ))]
pub async fn division_detail(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<DivisionDetail>, ApiError> {
    Ok(Json(detail(&state.registry, &user, &code).await?))
}

/// Handles POST /api/divisions/import
#[utoipa::path(post, path = "/divisions/import", tag = "divisions",
    params(("x-csrf-token" = String, Header, description = "会话的 CSRF 令牌 / the session's CSRF token")),
    request_body(description = "乡镇和村的 CSV（正文或 multipart 的 file 字段）/ a township and village CSV (the body, or field `file` of a multipart form)",
        content(
            (String = "text/csv"),
            (inline(ImportForm) = "multipart/form-data"),
        )),
    responses(
        (status = 200, description = "导入数 / how many were imported", body = ImportOutcome),
        (status = 401, description = "未登录 / not signed in", body = crate::error::Problem),
        (status = 403, description = "CSRF、只读或非市局国土用户 / CSRF, read-only, or not the city land bureau", body = crate::error::Problem),
        (status = 422, description = "文件无效（指明行与字段）/ invalid file (names the line and field)", body = crate::error::Problem),
    ))]
pub async fn divisions_import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<ImportOutcome>, ApiError> {
    require_api_csrf(&user, &headers)?;
    require_import(&user)?;
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let (label, bytes) = if multipart {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| {
                WebError::invalid_text(
                    "file",
                    format!("上传的表单无法读取：{e}"),
                    format!("cannot read the uploaded form: {e}"),
                )
            })?;
        read_multipart(form)
            .await?
            .file
            .ok_or_else(|| WebError::invalid("file", k::FIELD_FILE_IS_MISSING))?
    } else {
        let bytes = Bytes::from_request(request, &state).await.map_err(|e| {
            WebError::invalid_text(
                "body",
                format!("请求体无法读取：{e}"),
                format!("cannot read the body: {e}"),
            )
        })?;
        ("upload.csv".to_owned(), bytes)
    };
    Ok(Json(import(&state.registry, &user, &label, &bytes).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_notes_keep_the_source_column() {
        let notes = seed_notes();
        assert!(notes.get("511702").is_some_and(|n| n.contains("待核")));
        assert!(notes.get("511722").is_some_and(|n| n.contains("川府函")));
        assert!(!notes.contains_key("511700"));
    }

    #[test]
    fn file_labels_are_short_plain_names() {
        assert_eq!(file_label(Some("C:\\data\\村.csv")), "村.csv");
        assert_eq!(file_label(Some("../../etc/x.csv")), "x.csv");
        assert_eq!(file_label(None), "upload.csv");
        assert_eq!(file_label(Some(&"a".repeat(300))).len(), 100);
    }
}
