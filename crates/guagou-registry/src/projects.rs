//! Projects (项目区, SPEC §7): registered from a package with its check results, versions of the
//! implementation plan (never edited in place), the lifecycle from draft to closed, acceptance
//! together with a change, the city's ranking, city-invested projects.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use geo::MultiPolygon;
use guagou_check::{CheckInputs, OtherProject, Package, run_check};
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::engine::{IssueSplit, ProjectLedger};
use guagou_domain::ledger::{Entry, Meta, Operation};
use guagou_domain::lifecycle::{Level, ProjectAction, ProjectState};
use guagou_domain::ranking::{Candidate, Ranked, VillageFacts, rank};
use guagou_domain::registry_rules::plan_approved;
use guagou_geo::Crs;
use guagou_geo::crs::transform_geometry;
use serde::{Deserialize, Serialize};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Row};

use crate::error::RegistryError;
use crate::{Actor, Registry};

/// What a version records of its package: enough to rank, diff and report without the files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub name: String,
    pub county: String,
    pub township: Option<String>,
    pub villages: Vec<String>,
    pub persons_resettled: Option<u64>,
    pub households: u64,
    pub poor_households: u64,
    pub relocation_households: u64,
    pub demolition_m2: i64,
    pub resettlement_m2: i64,
    pub planned_surplus_m2: i64,
    pub parcels: Vec<ParcelSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParcelSummary {
    pub role: String,
    pub name: String,
    pub planar_m2: f64,
    pub ellipsoidal_m2: f64,
    pub township: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub code: String,
    pub name: String,
    pub county: String,
    pub township: Option<String>,
    pub state: ProjectState,
    pub current_version: i64,
    pub planned_surplus_m2: i64,
    pub submitted_on: Option<String>,
    pub approved_on: Option<String>,
    pub accepted_on: Option<String>,
    pub city_invested: bool,
    pub funding_source: Option<String>,
    pub city_share_percent: i64,
    pub construction_zone_plan: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub version: i64,
    pub kind: String,
    pub created_on: String,
    pub actor: String,
    pub reason: String,
    pub summary: VersionSummary,
    pub results: Vec<serde_json::Value>,
    pub blocking: i64,
}

/// What `write_version` stores.
struct NewVersion<'a> {
    code: &'a str,
    version: i64,
    kind: &'a str,
    actor: &'a Actor,
    reason: &'a str,
    as_of: NaiveDate,
    summary: &'a VersionSummary,
    outcome: &'a guagou_check::CheckOutcome,
}

/// Figures of an acceptance application (m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceFigures {
    pub reclaimed_m2: i64,
    pub resettlement_m2: i64,
    pub reclaimed_farmland_m2: i64,
    pub resettlement_farmland_m2: i64,
}

/// Differences between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionDiff {
    pub from: i64,
    pub to: i64,
    pub added: Vec<ParcelSummary>,
    pub removed: Vec<ParcelSummary>,
    /// (role, name, planar area before, after)
    pub changed: Vec<(String, String, f64, f64)>,
    pub fields: Vec<(String, String, String)>,
}

/// City investment of a project (市级投资县级实施, 二(六)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityInvestment {
    /// `city_budget` | `investment_attraction` | `social_capital`
    pub funding_source: String,
    pub city_share_percent: u8,
    /// The construction-zone plan of the county that uses the quota.
    pub construction_zone_plan: String,
}

fn state_from(text: &str) -> Result<ProjectState, RegistryError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        RegistryError::invalid(
            "projects.state",
            format!("未知状态 {text}"),
            format!("unknown state {text}"),
        )
    })
}

pub(crate) fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(field: &str, text: &str) -> Result<NaiveDate, RegistryError> {
    guagou_domain::profile::toml_date::parse_text(text)
        .map_err(|e| RegistryError::invalid(field, e.clone(), e))
}

pub(crate) fn code_of(text: &str) -> Result<DivisionCode, RegistryError> {
    DivisionCode::parse(text)
        .map_err(|e| RegistryError::invalid("county", e.to_string(), e.to_string()))
}

/// GeoJSON text of a lon/lat geometry (stored for maps and exports).
pub(crate) fn geojson_text(geometry: &MultiPolygon<f64>) -> String {
    let polygons: Vec<serde_json::Value> = geometry
        .0
        .iter()
        .map(|polygon| {
            let ring = |r: &geo::LineString<f64>| {
                serde_json::Value::Array(
                    r.0.iter().map(|c| serde_json::json!([c.x, c.y])).collect(),
                )
            };
            let mut rings = vec![ring(polygon.exterior())];
            rings.extend(polygon.interiors().iter().map(ring));
            serde_json::Value::Array(rings)
        })
        .collect();
    serde_json::json!({ "type": "MultiPolygon", "coordinates": polygons }).to_string()
}

pub(crate) fn geometry_from_geojson(text: &str) -> Option<MultiPolygon<f64>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let polygons = value.get("coordinates")?.as_array()?;
    let mut out = Vec::new();
    for polygon in polygons {
        let rings: Vec<geo::LineString<f64>> = polygon
            .as_array()?
            .iter()
            .map(|ring| {
                ring.as_array()
                    .map(|points| {
                        points
                            .iter()
                            .filter_map(|p| {
                                Some(geo::Coord {
                                    x: p.get(0)?.as_f64()?,
                                    y: p.get(1)?.as_f64()?,
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                    .map(geo::LineString::from)
            })
            .collect::<Option<Vec<_>>>()?;
        let mut rings = rings.into_iter();
        let exterior = rings.next()?;
        out.push(geo::Polygon::new(exterior, rings.collect()));
    }
    Some(MultiPolygon(out))
}

impl Registry {
    /// Parcels of every live project except `except`, on the profile's plane: the current
    /// version's and those of a proposed change (a version newer than the current one, decided
    /// with acceptance), so that a parcel a change claims cannot be counted by another project
    /// before the change is decided (二(二) 封闭运行, 二(七) 程序不减).
    pub(crate) async fn live_parcels(
        &self,
        except: &str,
        plane: Crs,
    ) -> Result<Vec<OtherProject>, RegistryError> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.code AS code, pp.name AS name, pp.geometry_geojson AS geometry FROM projects p \
             JOIN project_parcels pp ON pp.code = p.code AND pp.version >= p.current_version \
             WHERE pp.role = 'demolition' AND p.code <> $1 AND p.state NOT IN ('draft', 'returned', 'withdrawn', 'terminated') \
             ORDER BY 1, 2",
        )
        .bind(except)
        .fetch_all(self.store.pool())
        .await?;
        let mut by_project: BTreeMap<String, Vec<(String, MultiPolygon<f64>)>> = BTreeMap::new();
        for row in rows {
            let code: String = row.try_get("code")?;
            let name: String = row.try_get("name")?;
            let text: String = row.try_get("geometry")?;
            let Some(lon_lat) = geometry_from_geojson(&text) else {
                return Err(RegistryError::invalid(
                    "project_parcels.geometry_geojson",
                    format!("{code}/{name} 几何无法读取"),
                    format!("{code}/{name}: unreadable geometry"),
                ));
            };
            let on_plane = transform_geometry(&lon_lat, Crs::Geographic, plane)
                .map_err(|k| RegistryError::invalid("geometry", k.message_zh(), k.message_en()))?;
            by_project.entry(code).or_default().push((name, on_plane));
        }
        Ok(by_project
            .into_iter()
            .map(|(source, parcels)| OtherProject { source, parcels })
            .collect())
    }

    /// Reads and checks a package against the profile, every live project in the registry and
    /// the stored township boundaries of its county (township assignment by location). Used by
    /// registration, new versions and the upload pre-check alike, so they agree.
    pub(crate) async fn check_package(
        &self,
        dir: &Path,
        code: &str,
        as_of: NaiveDate,
    ) -> Result<(Package, guagou_check::CheckOutcome), RegistryError> {
        let zone = self.profile.spatial.gk_zone.value;
        let plane = Crs::GaussKruger {
            zone,
            prefixed: false,
        };
        let package = Package::read(dir)?;
        let mut townships = Vec::new();
        for division in self.divisions_under(package.county.as_str()).await? {
            if division.level != "township" {
                continue;
            }
            if let Some(geojson) = self.boundary(&division.code).await? {
                townships.extend(guagou_check::township::boundary_from_geojson(
                    &division.code,
                    &geojson,
                    plane,
                )?);
            }
        }
        let inputs = CheckInputs {
            package_dir: dir.to_path_buf(),
            profile: self.profile.clone(),
            land_classes: self.land_classes.clone(),
            base_layer: None,
            reclaimed_layer: None,
            base_class_field: None,
            others: Vec::new(),
            other_projects: self.live_parcels(code, plane).await?,
            townships,
            as_of,
        };
        let mut outcome = run_check(&inputs)?;
        self.judge_on_stored_landuse(&package, &mut outcome).await?;
        self.judge_on_stored_protection(&package, &mut outcome)
            .await?;
        Ok((package, outcome))
    }

    /// The 三区三线 screening rules on the county's current stored protection layers, each
    /// kind that was imported (the others stay "not checked", saying why).
    async fn judge_on_stored_protection(
        &self,
        package: &Package,
        outcome: &mut guagou_check::CheckOutcome,
    ) -> Result<(), RegistryError> {
        use guagou_domain::protection::ProtectionKind;
        for kind in ProtectionKind::ALL {
            let layer = match self.base_dir {
                Some(_) => {
                    self.current_protection(kind, package.county.as_str())
                        .await?
                }
                None => None,
            };
            let Some(layer) = layer else {
                for rule in kind.rules() {
                    if let Some(entry) = outcome
                        .report
                        .not_checked
                        .iter_mut()
                        .find(|n| n.rule == rule)
                    {
                        entry.reason_zh = format!("本县未导入{}图层", kind.label_zh());
                        entry.reason_en =
                            format!("no {} layer is stored for the county", kind.label_en());
                    }
                }
                continue;
            };
            let path = self.base_layer_path(&layer)?;
            guagou_base::protection::judge_protection(
                outcome,
                &self.profile,
                kind,
                &path,
                &layer.label(),
            )
            .await
            .map_err(guagou_check::PackageError::from)?;
        }
        Ok(())
    }

    /// DEMOLITION_IS_CONSTRUCTION_LAND on the county's current stored land-use layer, when
    /// one was imported (otherwise the rule stays "not checked", saying why).
    async fn judge_on_stored_landuse(
        &self,
        package: &Package,
        outcome: &mut guagou_check::CheckOutcome,
    ) -> Result<(), RegistryError> {
        if self.base_dir.is_none() {
            return Ok(());
        }
        let Some(layer) = self.current_landuse(package.county.as_str()).await? else {
            return Ok(());
        };
        let path = self.base_layer_path(&layer)?;
        guagou_base::check::judge_on_layer(
            outcome,
            &self.profile,
            &self.land_classes,
            guagou_check::measure::LandUseRule::ConstructionBefore,
            &path,
            &layer.label(),
        )
        .await
        .map_err(guagou_check::PackageError::from)?;
        Ok(())
    }

    fn summarize(&self, package: &Package, outcome: &guagou_check::CheckOutcome) -> VersionSummary {
        use guagou_check::package::ParcelRole;
        let basis = self.profile.spatial.area_basis.value;
        let area = |p: &guagou_check::measure::MeasuredParcel| match basis {
            guagou_domain::profile::AreaBasis::Planar => p.planar_m2,
            guagou_domain::profile::AreaBasis::Ellipsoidal => p.ellipsoidal_m2,
        };
        let total = |role: ParcelRole| -> i64 {
            let sum: f64 = outcome
                .parcels
                .iter()
                .filter(|p| p.role == role)
                .map(area)
                .sum();
            guagou_domain::SquareMetres::from_measured(sum)
                .map(|a| a.m2())
                .unwrap_or(0)
        };
        let demolition_m2 = total(ParcelRole::Demolition);
        let resettlement_m2 = total(ParcelRole::Resettlement);
        let households = package.households.clone().unwrap_or_default();
        VersionSummary {
            name: package.name.clone(),
            county: package.county.to_string(),
            township: package.township.as_ref().map(ToString::to_string),
            villages: package.villages.iter().map(ToString::to_string).collect(),
            persons_resettled: package.persons_resettled,
            households: households.len() as u64,
            poor_households: households.iter().filter(|h| h.poor).count() as u64,
            relocation_households: households.iter().filter(|h| h.relocation).count() as u64,
            demolition_m2,
            resettlement_m2,
            planned_surplus_m2: (demolition_m2 - resettlement_m2).max(0),
            parcels: outcome
                .parcels
                .iter()
                .map(|p| ParcelSummary {
                    role: serde_json::to_value(p.role)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    name: p.name.clone(),
                    planar_m2: p.planar_m2,
                    ellipsoidal_m2: p.ellipsoidal_m2,
                    township: p.township.clone(),
                })
                .collect(),
        }
    }

    /// Writes a version of a project (summary, check results, parcels).
    async fn write_version(
        &self,
        tx: &mut guagou_store::WriteTx,
        new: NewVersion<'_>,
    ) -> Result<(), RegistryError> {
        let NewVersion {
            code,
            version,
            kind,
            actor,
            reason,
            as_of,
            summary,
            outcome,
        } = new;
        let summary_json = serde_json::to_string(summary)
            .map_err(|e| RegistryError::invalid("summary", e.to_string(), e.to_string()))?;
        let check_json = serde_json::to_string(&outcome.report.results)
            .map_err(|e| RegistryError::invalid("check", e.to_string(), e.to_string()))?;
        sqlx::query(
            "INSERT INTO project_versions (code, version, kind, created_on, actor, reason, summary_json, check_json, blocking) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(code)
        .bind(version)
        .bind(kind)
        .bind(day(as_of))
        .bind(actor.to_string())
        .bind(reason)
        .bind(summary_json)
        .bind(check_json)
        .bind(outcome.report.blocking() as i64)
        .execute(tx.connection())
        .await?;
        for parcel in &outcome.parcels {
            let lon_lat = transform_geometry(&parcel.plane, outcome.plane, Crs::Geographic)
                .map_err(|k| RegistryError::invalid("geometry", k.message_zh(), k.message_en()))?;
            let role = serde_json::to_value(parcel.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            sqlx::query(
                "INSERT INTO project_parcels (code, version, role, name, township, planar_m2, ellipsoidal_m2, geometry_geojson) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(code)
            .bind(version)
            .bind(role)
            .bind(&parcel.name)
            .bind(parcel.township.clone())
            .bind(parcel.planar_m2)
            .bind(parcel.ellipsoidal_m2)
            .bind(geojson_text(&lon_lat))
            .execute(tx.connection())
            .await?;
        }
        Ok(())
    }

    /// Registers a project from a package: checked, stored as version 1 in state draft.
    pub(crate) async fn register_project(
        &self,
        actor: &Actor,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Project, Vec<RuleResult>), RegistryError> {
        self.register_project_with(actor, dir, as_of, reason, None)
            .await
    }

    /// `register_project`, storing `package_zip` (the uploaded package) as version 1's package
    /// in the same transaction: a project never exists without the package it came from.
    pub(crate) async fn register_project_with(
        &self,
        actor: &Actor,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
        package_zip: Option<&[u8]>,
    ) -> Result<(Project, Vec<RuleResult>), RegistryError> {
        actor.require_level(Level::County)?;
        let package = Package::read(dir)?;
        actor.require_jurisdiction(&package.county)?;
        let mut tx = self.store.begin_write().await?;
        if load_project(tx.connection(), &package.code).await.is_ok() {
            return Err(RegistryError::invalid(
                "project.code",
                format!("项目 {} 已登记；修改请提交新版本", package.code),
                format!(
                    "project {} is already registered; submit a new version to change it",
                    package.code
                ),
            ));
        }
        // Checked while this transaction holds the write lock: the other projects' parcels
        // (NO_DOUBLE_COUNTING) cannot change until it commits, so two overlapping packages
        // registered at once cannot both pass.
        let (package, outcome) = self.check_package(dir, &package.code, as_of).await?;
        let summary = self.summarize(&package, &outcome);
        sqlx::query(
            "INSERT INTO projects (code, name, county, township, state, current_version, planned_surplus_m2) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&package.code)
        .bind(&package.name)
        .bind(package.county.as_str())
        .bind(package.township.as_ref().map(ToString::to_string))
        .bind(ProjectState::Draft.to_string())
        .bind(1_i64)
        .bind(summary.planned_surplus_m2)
        .execute(tx.connection())
        .await?;
        let new = NewVersion {
            code: &package.code,
            version: 1,
            kind: "initial",
            actor,
            reason,
            as_of,
            summary: &summary,
            outcome: &outcome,
        };
        self.write_version(&mut tx, new).await?;
        let payload = serde_json::json!({ "version": 1, "blocking": outcome.report.blocking(), "planned_surplus_m2": summary.planned_surplus_m2 });
        self.audit(
            &mut tx,
            actor,
            "project.register",
            &package.code,
            reason,
            payload,
        )
        .await?;
        if let Some(zip) = package_zip {
            self.store_package_in(&mut tx, actor, &package.code, 1, zip, reason)
                .await?;
        }
        tx.commit().await?;
        Ok((self.project(&package.code).await?, outcome.report.results))
    }

    /// A new version of the implementation plan from a changed package. In draft or returned
    /// state it becomes current at once; later it is a proposed change, decided with acceptance.
    pub(crate) async fn add_version(
        &self,
        actor: &Actor,
        code: &str,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Version, Vec<RuleResult>), RegistryError> {
        self.add_version_with(actor, code, dir, as_of, reason, None)
            .await
    }

    /// `add_version`, storing `package_zip` as the new version's package in the same
    /// transaction.
    pub(crate) async fn add_version_with(
        &self,
        actor: &Actor,
        code: &str,
        dir: &Path,
        as_of: NaiveDate,
        reason: &str,
        package_zip: Option<&[u8]>,
    ) -> Result<(Version, Vec<RuleResult>), RegistryError> {
        actor.require_level(Level::County)?;
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        actor.require_jurisdiction(&code_of(&project.county)?)?;
        // Checked under the write lock, as at registration (see `register_project_with`).
        let (package, outcome) = self.check_package(dir, code, as_of).await?;
        if package.code != code {
            return Err(RegistryError::invalid(
                "project.code",
                format!("项目包的编号是 {}，不是 {code}", package.code),
                format!("the package is project {}, not {code}", package.code),
            ));
        }
        let summary = self.summarize(&package, &outcome);
        let version = load_versions(tx.connection(), code)
            .await?
            .last()
            .map(|v| v.version + 1)
            .unwrap_or(1);
        let immediate = version_is_immediate(project.state);
        let kind = if immediate { "revision" } else { "change" };
        let new = NewVersion {
            code,
            version,
            kind,
            actor,
            reason,
            as_of,
            summary: &summary,
            outcome: &outcome,
        };
        self.write_version(&mut tx, new).await?;
        if immediate {
            let done = sqlx::query("UPDATE projects SET current_version = $1, planned_surplus_m2 = $2, name = $3 WHERE code = $4 AND state = $5")
                .bind(version)
                .bind(summary.planned_surplus_m2)
                .bind(&summary.name)
                .bind(code)
                .bind(project.state.to_string())
                .execute(tx.connection())
                .await?;
            if done.rows_affected() != 1 {
                return Err(RegistryError::state_changed(
                    "项目/project",
                    code,
                    &project.state.to_string(),
                ));
            }
        }
        let payload = serde_json::json!({ "version": version, "kind": kind, "blocking": outcome.report.blocking() });
        self.audit(&mut tx, actor, "project.version", code, reason, payload)
            .await?;
        if let Some(zip) = package_zip {
            self.store_package_in(&mut tx, actor, code, version, zip, reason)
                .await?;
        }
        tx.commit().await?;
        let stored = self
            .versions(code)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or_else(|| RegistryError::NotFound {
                what: "版本/version",
                id: format!("{code}#{version}"),
            })?;
        Ok((stored, outcome.report.results))
    }

    /// Records city investment (二(六)) before approval.
    pub(crate) async fn set_city_investment(
        &self,
        actor: &Actor,
        code: &str,
        investment: &CityInvestment,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        actor.require_level(Level::City)?;
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        actor.require_jurisdiction(&code_of(&project.county)?)?;
        check_city_investment(investment)?;
        if project.approved_on.is_some() {
            return Err(RegistryError::invalid(
                "state",
                "立项后不能再修改市级投资与分成",
                "city investment and split cannot change after approval",
            ));
        }
        // Compare-and-set: the split is registered with the ledger at approval; an approval
        // that committed first leaves this update without a row.
        let done = sqlx::query("UPDATE projects SET city_invested = 1, funding_source = $1, city_share_percent = $2, construction_zone_plan = $3 WHERE code = $4 AND approved_on IS NULL AND state = $5")
            .bind(&investment.funding_source)
            .bind(i64::from(investment.city_share_percent))
            .bind(&investment.construction_zone_plan)
            .bind(code)
            .bind(project.state.to_string())
            .execute(tx.connection())
            .await?;
        if done.rows_affected() != 1 {
            return Err(RegistryError::state_changed(
                "项目/project",
                code,
                &project.state.to_string(),
            ));
        }
        let payload = serde_json::to_value(investment).unwrap_or_default();
        self.audit(
            &mut tx,
            actor,
            "project.city_investment",
            code,
            reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.project(code).await
    }

    /// Records an acceptance application (alone, or with a change version: 变更与验收同步申报).
    pub(crate) async fn apply_acceptance(
        &self,
        actor: &Actor,
        code: &str,
        figures: AcceptanceFigures,
        change_version: Option<i64>,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        actor.require_jurisdiction(&code_of(&project.county)?)?;
        check_figures(&figures)?;
        if let Some(version) = change_version {
            let known = load_versions(tx.connection(), code)
                .await?
                .iter()
                .any(|v| v.version == version && v.kind == "change");
            if !known {
                return Err(RegistryError::NotFound {
                    what: "变更版本/change version",
                    id: format!("{code}#{version}"),
                });
            }
        }
        // A change with blocking results may still be applied for (the application is the
        // county's); the city's acceptance checks it (`project_action`) and refuses it.
        let next = project
            .state
            .next(ProjectAction::ApplyAcceptance, actor.level, &[])?;
        self.set_state(&mut tx, code, project.state, next).await?;
        sqlx::query("DELETE FROM acceptances WHERE code = $1")
            .bind(code)
            .execute(tx.connection())
            .await?;
        sqlx::query(
            "INSERT INTO acceptances (code, applied_on, change_version, reclaimed_m2, resettlement_m2, reclaimed_farmland_m2, resettlement_farmland_m2) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(code)
        .bind(day(as_of))
        .bind(change_version)
        .bind(figures.reclaimed_m2)
        .bind(figures.resettlement_m2)
        .bind(figures.reclaimed_farmland_m2)
        .bind(figures.resettlement_farmland_m2)
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({ "figures": figures, "change_version": change_version });
        self.audit(
            &mut tx,
            actor,
            "project.apply_acceptance",
            code,
            reason,
            payload,
        )
        .await?;
        tx.commit().await?;
        self.project(code).await
    }

    async fn set_state(
        &self,
        tx: &mut guagou_store::WriteTx,
        code: &str,
        from: ProjectState,
        to: ProjectState,
    ) -> Result<(), RegistryError> {
        let done = sqlx::query("UPDATE projects SET state = $1 WHERE code = $2 AND state = $3")
            .bind(to.to_string())
            .bind(code)
            .bind(from.to_string())
            .execute(tx.connection())
            .await?;
        if done.rows_affected() != 1 {
            return Err(RegistryError::state_changed(
                "项目/project",
                code,
                &from.to_string(),
            ));
        }
        Ok(())
    }

    /// The gating rules of a submission: PLAN_APPROVED and the current version's blocking results.
    pub(crate) async fn submission_rules(
        &self,
        project: &Project,
    ) -> Result<Vec<RuleResult>, RegistryError> {
        submission_rules_in(&mut *self.read_conn().await?, project).await
    }

    /// A connection of the pool for reads outside a write transaction.
    pub(crate) async fn read_conn(&self) -> Result<PoolConnection<Any>, RegistryError> {
        Ok(self.store.pool().acquire().await?)
    }

    /// Before an acceptance: RECLAIMED_IS_FARMLAND on the county's updated layer refuses it when
    /// the reclaimed parcels are not farmland there; what was (or could not be) checked goes
    /// into the transition's audit record. The acceptance (which version) is read on `conn`,
    /// the write transaction's; the parcels of a version never change.
    async fn reclaimed_before_accepting(
        &self,
        conn: &mut AnyConnection,
        project: &Project,
        action: ProjectAction,
        as_of: NaiveDate,
    ) -> Result<Option<serde_json::Value>, RegistryError> {
        if action != ProjectAction::Accept {
            return Ok(None);
        }
        let acceptance = load_acceptance(conn, &project.code).await?;
        let version = acceptance.change_version.unwrap_or(project.current_version);
        let Some(check) = self.reclaimed_farmland(project, version, as_of).await? else {
            return Ok(Some(serde_json::json!({
                "checked": false,
                "reason_zh": "没有晚于批准年度的土地利用现状底图",
                "reason_en": "no land-use layer later than the year of approval",
            })));
        };
        if check.result.blocks() {
            return Err(RegistryError::Rules(vec![check.result]));
        }
        // 三(一): the acceptance's 新增耕地 against the layer's; a difference above the
        // tolerance is reported here (the audit record of the step), not refused.
        let new_farmland = self
            .profile
            .land_use
            .compare_new_farmland(acceptance.reclaimed_farmland_m2, check.new_farmland_m2);
        Ok(Some(serde_json::json!({
            "checked": true,
            "layer": check.layer.label(),
            "passed": check.result.passed,
            "measured": check.result.measured,
            "new_farmland": new_farmland,
        })))
    }

    /// Moves a project through its lifecycle (all actions except acceptance application, which
    /// carries figures: `apply_acceptance`). The project, its gating rules and its acceptance
    /// are read inside the write transaction, and the state moves by compare-and-set: of two
    /// concurrent steps one wins, the other finds the new state (409).
    pub(crate) async fn project_action(
        &self,
        actor: &Actor,
        code: &str,
        action: ProjectAction,
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<Project, RegistryError> {
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        let county = code_of(&project.county)?;
        actor.require_jurisdiction(&county)?;
        if action == ProjectAction::ApplyAcceptance {
            return Err(RegistryError::invalid(
                "action",
                "申请验收须填报复垦与安置面积",
                "an acceptance application needs its figures",
            ));
        }
        let gating = match action {
            ProjectAction::Submit => submission_rules_in(tx.connection(), &project).await?,
            ProjectAction::Accept => {
                let change = load_acceptance(tx.connection(), code).await?.change_version;
                change_rules_in(tx.connection(), &project, change).await?
            }
            _ => Vec::new(),
        };
        let next = decide_step(project.state, action, actor.level, gating)?;
        let reclaimed = self
            .reclaimed_before_accepting(tx.connection(), &project, action, as_of)
            .await?;
        self.set_state(&mut tx, code, project.state, next).await?;
        let today = day(as_of);
        let mut payload = serde_json::json!({ "action": action, "from": project.state, "to": next, "as_of": today });
        if let Some(reclaimed) = reclaimed {
            payload["reclaimed_is_farmland"] = reclaimed;
        }
        match action {
            ProjectAction::Submit => {
                sqlx::query("UPDATE projects SET submitted_on = $1 WHERE code = $2")
                    .bind(&today)
                    .bind(code)
                    .execute(tx.connection())
                    .await?;
            }
            ProjectAction::Approve => {
                sqlx::query("UPDATE projects SET approved_on = $1 WHERE code = $2")
                    .bind(&today)
                    .bind(code)
                    .execute(tx.connection())
                    .await?;
                let city = self.profile.profile.city.clone();
                tx.register_ledger_project(&ProjectLedger {
                    code: code.to_owned(),
                    county: county.clone(),
                    city,
                    city_share_percent: u8::try_from(project.city_share_percent).unwrap_or(0),
                    planned_surplus_m2: project.planned_surplus_m2,
                    advanced_m2: 0,
                    issued_m2: None,
                    next_serial: 1,
                })
                .await?;
            }
            ProjectAction::Accept => {
                let acceptance = load_acceptance(tx.connection(), code).await?;
                let confirmed = acceptance.reclaimed_m2 - acceptance.resettlement_m2;
                if confirmed < 0 {
                    return Err(RegistryError::invalid(
                        "acceptance",
                        format!(
                            "复垦面积 {} m² 小于安置面积 {} m²，无节余",
                            acceptance.reclaimed_m2, acceptance.resettlement_m2
                        ),
                        format!(
                            "reclaimed {} m² is less than resettlement {} m²: no surplus",
                            acceptance.reclaimed_m2, acceptance.resettlement_m2
                        ),
                    ));
                }
                let operation = Operation::Issue {
                    project: code.to_owned(),
                    confirmed_m2: confirmed,
                    reclaimed_farmland_m2: acceptance.reclaimed_farmland_m2,
                    resettlement_farmland_m2: acceptance.resettlement_farmland_m2,
                };
                let meta = self.meta(actor, &format!("issue:{code}"), reason, as_of);
                let entry = tx.post_ledger(&operation, &meta, &self.profile).await?;
                let share = u8::try_from(project.city_share_percent).unwrap_or(0);
                if let Some(split) = IssueSplit::of_issue(&entry, share) {
                    record_owed_to_city(tx.connection(), code, &county, &entry, &split, &today)
                        .await?;
                    payload["split"] = split_json(&split);
                }
                sqlx::query("UPDATE projects SET accepted_on = $1 WHERE code = $2")
                    .bind(&today)
                    .bind(code)
                    .execute(tx.connection())
                    .await?;
                sqlx::query(
                    "UPDATE acceptances SET decided_on = $1, decision = 'accepted' WHERE code = $2",
                )
                .bind(&today)
                .bind(code)
                .execute(tx.connection())
                .await?;
                if let Some(version) = acceptance.change_version {
                    sqlx::query("UPDATE projects SET current_version = $1 WHERE code = $2")
                        .bind(version)
                        .bind(code)
                        .execute(tx.connection())
                        .await?;
                }
                payload["ledger_seq"] = serde_json::json!(entry.seq);
                payload["confirmed_m2"] = serde_json::json!(confirmed);
            }
            ProjectAction::Return if project.state == ProjectState::AcceptanceApplied => {
                sqlx::query(
                    "UPDATE acceptances SET decided_on = $1, decision = 'returned' WHERE code = $2",
                )
                .bind(&today)
                .bind(code)
                .execute(tx.connection())
                .await?;
            }
            _ => {}
        }
        self.audit(&mut tx, actor, "project.transition", code, reason, payload)
            .await?;
        tx.commit().await?;
        self.project(code).await
    }

    pub(crate) fn meta(&self, actor: &Actor, key: &str, reason: &str, as_of: NaiveDate) -> Meta {
        Meta {
            key: key.to_owned(),
            actor: actor.to_string(),
            reason: reason.to_owned(),
            effective: as_of,
            recorded_at: self.clock.now_rfc3339(),
        }
    }

    pub(crate) async fn project(&self, code: &str) -> Result<Project, RegistryError> {
        load_project(&mut *self.read_conn().await?, code).await
    }

    /// Projects under a division prefix ("" for all), optionally in one state, in one query
    /// (a province holds tens of thousands).
    pub(crate) async fn projects(
        &self,
        prefix: &str,
        state: Option<ProjectState>,
    ) -> Result<Vec<Project>, RegistryError> {
        let rows = sqlx::query(&format!(
            "{PROJECT_COLUMNS} WHERE county LIKE $1 ORDER BY code"
        ))
        .bind(format!("{prefix}%"))
        .fetch_all(self.store.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let project = project_from_row(row)?;
            if state.is_none_or(|s| s == project.state) {
                out.push(project);
            }
        }
        Ok(out)
    }

    pub(crate) async fn versions(&self, code: &str) -> Result<Vec<Version>, RegistryError> {
        load_versions(&mut *self.read_conn().await?, code).await
    }

    pub(crate) async fn current_version(
        &self,
        project: &Project,
    ) -> Result<Version, RegistryError> {
        load_current_version(&mut *self.read_conn().await?, project).await
    }

    /// What changed between two versions.
    pub(crate) async fn diff_versions(
        &self,
        code: &str,
        from: i64,
        to: i64,
    ) -> Result<VersionDiff, RegistryError> {
        let versions = self.versions(code).await?;
        let find = |v: i64| {
            versions
                .iter()
                .find(|x| x.version == v)
                .ok_or_else(|| RegistryError::NotFound {
                    what: "版本/version",
                    id: format!("{code}#{v}"),
                })
        };
        let (a, b) = (find(from)?, find(to)?);
        let key = |p: &ParcelSummary| (p.role.clone(), p.name.clone());
        let before: BTreeMap<_, _> = a.summary.parcels.iter().map(|p| (key(p), p)).collect();
        let after: BTreeMap<_, _> = b.summary.parcels.iter().map(|p| (key(p), p)).collect();
        let added = after
            .iter()
            .filter(|(k, _)| !before.contains_key(*k))
            .map(|(_, p)| (*p).clone())
            .collect();
        let removed = before
            .iter()
            .filter(|(k, _)| !after.contains_key(*k))
            .map(|(_, p)| (*p).clone())
            .collect();
        let changed = before
            .iter()
            .filter_map(|(k, p)| {
                after
                    .get(k)
                    .filter(|q| (q.planar_m2 - p.planar_m2).abs() > 0.005)
                    .map(|q| (k.0.clone(), k.1.clone(), p.planar_m2, q.planar_m2))
            })
            .collect();
        let mut fields = Vec::new();
        let sa = serde_json::to_value(&a.summary).unwrap_or_default();
        let sb = serde_json::to_value(&b.summary).unwrap_or_default();
        for field in [
            "name",
            "township",
            "villages",
            "persons_resettled",
            "households",
            "poor_households",
            "relocation_households",
            "demolition_m2",
            "resettlement_m2",
            "planned_surplus_m2",
        ] {
            if sa.get(field) != sb.get(field) {
                fields.push((
                    field.to_owned(),
                    sa.get(field).map(|v| v.to_string()).unwrap_or_default(),
                    sb.get(field).map(|v| v.to_string()).unwrap_or_default(),
                ));
            }
        }
        Ok(VersionDiff {
            from,
            to,
            added,
            removed,
            changed,
            fields,
        })
    }

    pub(crate) async fn acceptance(&self, code: &str) -> Result<Acceptance, RegistryError> {
        load_acceptance(&mut *self.read_conn().await?, code).await
    }

    /// The city's ranking of pooled projects on `as_of`, in the two groups of 二(二) with every
    /// part of the score shown (the profile's priority rules and transition period).
    pub(crate) async fn rank_pooled(
        &self,
        prefix: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<Ranked>, RegistryError> {
        let mut candidates = Vec::new();
        for project in self.projects(prefix, Some(ProjectState::Pooled)).await? {
            let version = self.current_version(&project).await?;
            let county = self.division(&project.county).await.ok();
            let mut villages = Vec::new();
            for code in &version.summary.villages {
                if let Ok(village) = self.division(code).await {
                    villages.push(VillageFacts {
                        code: village.code,
                        poor_village: village.poor_village,
                        relocation_households: u32::try_from(village.relocation_households)
                            .unwrap_or(u32::MAX),
                    });
                }
            }
            candidates.push(Candidate {
                code: project.code.clone(),
                county_designation: county.and_then(|c| c.designation()),
                villages,
                relocation_households: u32::try_from(version.summary.relocation_households)
                    .unwrap_or(u32::MAX),
                poor_households: u32::try_from(version.summary.poor_households).unwrap_or(u32::MAX),
                submitted_on: project.submitted_on.clone().unwrap_or_default(),
            });
        }
        Ok(rank(&self.profile, as_of, candidates))
    }

    /// The parcels of a project version as GeoJSON features (lon/lat), for maps and exports.
    pub(crate) async fn parcel_features(
        &self,
        code: &str,
        version: i64,
    ) -> Result<serde_json::Value, RegistryError> {
        let rows = sqlx::query("SELECT role, name, township, planar_m2, ellipsoidal_m2, geometry_geojson FROM project_parcels WHERE code = $1 AND version = $2 ORDER BY role, name")
            .bind(code)
            .bind(version)
            .fetch_all(self.store.pool())
            .await?;
        let mut features = Vec::new();
        for row in rows {
            let geometry: String = row.try_get("geometry_geojson")?;
            let planar: f64 = row.try_get("planar_m2")?;
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": {
                    "role": row.try_get::<String, _>("role")?,
                    "name": row.try_get::<String, _>("name")?,
                    "township": row.try_get::<Option<String>, _>("township")?,
                    "planar_m2": planar,
                    "ellipsoidal_m2": row.try_get::<f64, _>("ellipsoidal_m2")?,
                },
                "geometry": serde_json::from_str::<serde_json::Value>(&geometry).unwrap_or_default(),
            }));
        }
        Ok(serde_json::json!({ "type": "FeatureCollection", "features": features }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    pub applied_on: String,
    pub change_version: Option<i64>,
    pub reclaimed_m2: i64,
    pub resettlement_m2: i64,
    pub reclaimed_farmland_m2: i64,
    pub resettlement_farmland_m2: i64,
    pub decided_on: Option<String>,
    pub decision: Option<String>,
}

/// A stored rule result read back (the subset the registry needs to re-raise it).
#[derive(Debug, Clone, Deserialize)]
struct StoredResult {
    rule: guagou_domain::RuleId,
    severity: String,
    passed: bool,
    clause: String,
    message_zh: String,
    message_en: String,
}

impl StoredResult {
    fn into_rule_result(self) -> RuleResult {
        RuleResult {
            rule: self.rule,
            severity: self.rule.def().severity,
            passed: self.passed,
            measured: guagou_domain::check::Quantity::Text("see version check".into()),
            limit: guagou_domain::check::Quantity::Text("—".into()),
            clause: self.clause,
            message_zh: self.message_zh,
            message_en: self.message_en,
            subjects: Vec::new(),
            justification: None,
        }
    }
}

const PROJECT_COLUMNS: &str = "SELECT code, name, county, township, state, current_version, \
     planned_surplus_m2, submitted_on, approved_on, accepted_on, city_invested, funding_source, \
     city_share_percent, construction_zone_plan FROM projects";

fn project_from_row(row: &sqlx::any::AnyRow) -> Result<Project, RegistryError> {
    Ok(Project {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        county: row.try_get("county")?,
        township: row.try_get("township")?,
        state: state_from(&row.try_get::<String, _>("state")?)?,
        current_version: row.try_get("current_version")?,
        planned_surplus_m2: row.try_get("planned_surplus_m2")?,
        submitted_on: row.try_get("submitted_on")?,
        approved_on: row.try_get("approved_on")?,
        accepted_on: row.try_get("accepted_on")?,
        city_invested: row.try_get::<i64, _>("city_invested")? != 0,
        funding_source: row.try_get("funding_source")?,
        city_share_percent: row.try_get("city_share_percent")?,
        construction_zone_plan: row.try_get("construction_zone_plan")?,
    })
}

/// One project, read on `conn` (the pool's or a write transaction's).
pub(crate) async fn load_project(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Project, RegistryError> {
    let row = sqlx::query(&format!("{PROJECT_COLUMNS} WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| RegistryError::NotFound {
            what: "项目/project",
            id: code.to_owned(),
        })?;
    project_from_row(&row)
}

/// Every version of a project, oldest first, read on `conn`.
pub(crate) async fn load_versions(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Vec<Version>, RegistryError> {
    let rows = sqlx::query(
        "SELECT version, kind, created_on, actor, reason, summary_json, check_json, blocking FROM project_versions WHERE code = $1 ORDER BY version",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let summary: String = row.try_get("summary_json")?;
            let check: String = row.try_get("check_json")?;
            Ok(Version {
                version: row.try_get("version")?,
                kind: row.try_get("kind")?,
                created_on: row.try_get("created_on")?,
                actor: row.try_get("actor")?,
                reason: row.try_get("reason")?,
                summary: serde_json::from_str(&summary).map_err(|e| {
                    RegistryError::invalid("summary_json", e.to_string(), e.to_string())
                })?,
                results: serde_json::from_str(&check).map_err(|e| {
                    RegistryError::invalid("check_json", e.to_string(), e.to_string())
                })?,
                blocking: row.try_get("blocking")?,
            })
        })
        .collect()
}

/// The current version of `project`, read on `conn`.
pub(crate) async fn load_current_version(
    conn: &mut AnyConnection,
    project: &Project,
) -> Result<Version, RegistryError> {
    load_versions(conn, &project.code)
        .await?
        .into_iter()
        .find(|v| v.version == project.current_version)
        .ok_or_else(|| RegistryError::NotFound {
            what: "版本/version",
            id: format!("{}#{}", project.code, project.current_version),
        })
}

/// A project's acceptance application, read on `conn`.
pub(crate) async fn load_acceptance(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Acceptance, RegistryError> {
    let row = sqlx::query(
        "SELECT applied_on, change_version, reclaimed_m2, resettlement_m2, reclaimed_farmland_m2, resettlement_farmland_m2, decided_on, decision \
         FROM acceptances WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| RegistryError::NotFound {
        what: "验收申请/acceptance application",
        id: code.to_owned(),
    })?;
    Ok(Acceptance {
        applied_on: row.try_get("applied_on")?,
        change_version: row.try_get("change_version")?,
        reclaimed_m2: row.try_get("reclaimed_m2")?,
        resettlement_m2: row.try_get("resettlement_m2")?,
        reclaimed_farmland_m2: row.try_get("reclaimed_farmland_m2")?,
        resettlement_farmland_m2: row.try_get("resettlement_farmland_m2")?,
        decided_on: row.try_get("decided_on")?,
        decision: row.try_get("decision")?,
    })
}

/// The gating rules of a submission, read on `conn`: PLAN_APPROVED against the county's plans
/// and the current version's blocking check results.
pub(crate) async fn submission_rules_in(
    conn: &mut AnyConnection,
    project: &Project,
) -> Result<Vec<RuleResult>, RegistryError> {
    let version = load_current_version(conn, project).await?;
    version_rules_in(conn, project, &version).await
}

/// The gating rules of a change decided with acceptance (二(七) "程序不减、质量不降", SPEC §7):
/// the change version is checked like any version (PLAN_APPROVED on its villages and its
/// blocking results: township, area range, per capita, consent, double counting, land class),
/// read on `conn`. No change, no rules.
pub(crate) async fn change_rules_in(
    conn: &mut AnyConnection,
    project: &Project,
    change_version: Option<i64>,
) -> Result<Vec<RuleResult>, RegistryError> {
    let Some(number) = change_version else {
        return Ok(Vec::new());
    };
    let version = load_versions(conn, &project.code)
        .await?
        .into_iter()
        .find(|v| v.version == number && v.kind == "change")
        .ok_or_else(|| RegistryError::NotFound {
            what: "变更版本/change version",
            id: format!("{}#{number}", project.code),
        })?;
    version_rules_in(conn, project, &version).await
}

/// PLAN_APPROVED against the county's plans in force and the version's blocking results.
async fn version_rules_in(
    conn: &mut AnyConnection,
    project: &Project,
    version: &Version,
) -> Result<Vec<RuleResult>, RegistryError> {
    let county = code_of(&project.county)?;
    let villages: Vec<DivisionCode> = version
        .summary
        .villages
        .iter()
        .filter_map(|v| DivisionCode::parse(v).ok())
        .collect();
    let plans = crate::plans::plans_in_force_in(conn, &county).await?;
    let mut results = vec![plan_approved(&plans, &villages)];
    for value in &version.results {
        if let Ok(result) = serde_json::from_value::<StoredResult>(value.clone())
            && !result.passed
            && result.severity == "error"
        {
            results.push(result.into_rule_result());
        }
    }
    Ok(results)
}

/// The next state of a project step, decided on the state read in the step's transaction: the
/// lifecycle first (who may do what in which state), then the gating rules, so a refusal names
/// the failing rules with their messages and clauses.
/// The key of the obligation an issue opens when the county's advances exceeded its part of a
/// city-invested project's surplus (二(六)).
pub(crate) fn owed_to_city_key(project: &str, issue_seq: u64) -> String {
    format!("{project}:issue{issue_seq}:{OWED_TO_CITY}")
}

/// The obligation kind: quota the county owes the city.
pub(crate) const OWED_TO_CITY: &str = "quota_owed_to_city";

/// Records, in the acceptance's transaction, what the county owes the city when its advances
/// exceeded its part of the confirmed surplus: the issue settled them from the city's part
/// (二(六), SPEC §8). Nothing is recorded when nothing is owed.
async fn record_owed_to_city(
    conn: &mut AnyConnection,
    code: &str,
    county: &DivisionCode,
    entry: &Entry,
    split: &IssueSplit,
    today: &str,
) -> Result<(), RegistryError> {
    let owed = split.owed_to_city_m2();
    if owed <= 0 {
        return Ok(());
    }
    sqlx::query("INSERT INTO obligations (key, county, project, kind, amount_m2, opened_on) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(owed_to_city_key(code, entry.seq))
        .bind(county.as_str())
        .bind(code)
        .bind(OWED_TO_CITY)
        .bind(owed)
        .bind(today)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The split of an issue as the acceptance's audit record shows it.
fn split_json(split: &IssueSplit) -> serde_json::Value {
    serde_json::json!({
        "city_part_m2": split.city_part_m2,
        "county_part_m2": split.county_part_m2,
        "settled_from_county_m2": split.settled_from_county_m2,
        "settled_from_city_m2": split.settled_from_city_m2,
        "county_credit_m2": split.county_credit_m2(),
        "city_credit_m2": split.city_credit_m2(),
        "owed_to_city_m2": split.owed_to_city_m2(),
    })
}

fn decide_step(
    state: ProjectState,
    action: ProjectAction,
    level: Level,
    gating: Vec<RuleResult>,
) -> Result<ProjectState, RegistryError> {
    let next = state.next(action, level, &[])?;
    let blocking: Vec<RuleResult> = gating.into_iter().filter(|r| r.blocks()).collect();
    if !blocking.is_empty() {
        return Err(RegistryError::Rules(blocking));
    }
    Ok(next)
}

/// Whether a new version becomes current at once (a draft or returned project) or is a
/// proposed change decided with acceptance.
fn version_is_immediate(state: ProjectState) -> bool {
    matches!(state, ProjectState::Draft | ProjectState::Returned)
}

/// The figures of an acceptance application: no negative area.
fn check_figures(figures: &AcceptanceFigures) -> Result<(), RegistryError> {
    for (field, value) in [
        ("reclaimed_m2", figures.reclaimed_m2),
        ("resettlement_m2", figures.resettlement_m2),
        ("reclaimed_farmland_m2", figures.reclaimed_farmland_m2),
        ("resettlement_farmland_m2", figures.resettlement_farmland_m2),
    ] {
        if value < 0 {
            return Err(RegistryError::invalid(
                field,
                "面积不能为负",
                "an area cannot be negative",
            ));
        }
    }
    Ok(())
}

/// City investment (二(六)): a known funding source and a share of 0–100 %.
fn check_city_investment(investment: &CityInvestment) -> Result<(), RegistryError> {
    if !matches!(
        investment.funding_source.as_str(),
        "city_budget" | "investment_attraction" | "social_capital"
    ) {
        return Err(RegistryError::invalid(
            "funding_source",
            "资金来源应为 city_budget/investment_attraction/social_capital",
            "funding source must be city_budget, investment_attraction or social_capital",
        ));
    }
    if investment.city_share_percent > 100 {
        return Err(RegistryError::invalid(
            "city_share_percent",
            "市级分成比例应在 0—100 之间",
            "the city share must be 0–100 %",
        ));
    }
    Ok(())
}
