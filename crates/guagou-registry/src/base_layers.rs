//! Stored base layers: `guagou import landuse` and `guagou import protection` into
//! `<data>/base/`, recorded here with who imported what and why, and the layers the land-use
//! and 三区三线 screening rules of a county read. A protection layer is a row like a land-use
//! layer, its kind the layer's (`permanent_farmland`, `ecological_redline`, `urban_boundary`).
//!
//! The GeoPackage is written first (outside the database transaction: it can take minutes);
//! the row and the audit record then commit together. If that commit fails, the file is
//! removed, so a layer on disk without a row is never read.

use std::path::{Path, PathBuf};

use guagou_base::{ImportOptions, ImportSummary, Progress};
use guagou_check::PackageError;
use guagou_domain::DivisionCode;
use guagou_domain::protection::ProtectionKind;
use serde::Serialize;
use sqlx::Row;

use crate::{Actor, Registry, RegistryError};

/// The kind of every land-use layer row.
pub const LANDUSE: &str = "landuse";

/// One stored layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseLayer {
    pub id: i64,
    pub kind: String,
    pub county: String,
    pub vintage: i64,
    /// File name inside the data directory's `base/` folder.
    pub file: String,
    pub sha256: String,
    pub features: i64,
    pub class_field: String,
    pub source: String,
    pub source_crs: String,
    pub classes: serde_json::Value,
    pub imported_at: String,
    pub imported_by: String,
    pub reason: String,
    pub replaced_by: Option<i64>,
}

impl BaseLayer {
    /// How a check result names it: county, vintage, id and the start of the hash.
    pub fn label(&self) -> String {
        format!(
            "{} {} {} #{} sha256:{}",
            self.kind,
            self.county,
            self.vintage,
            self.id,
            self.sha256.get(..12).unwrap_or(&self.sha256)
        )
    }
}

const COLUMNS: &str = "id, kind, county, vintage, file, sha256, features, class_field, source, source_crs, classes_json, imported_at, imported_by, reason, replaced_by";

fn layer_from(row: &sqlx::any::AnyRow) -> Result<BaseLayer, RegistryError> {
    let classes: String = row.try_get("classes_json")?;
    Ok(BaseLayer {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        county: row.try_get("county")?,
        vintage: row.try_get("vintage")?,
        file: row.try_get("file")?,
        sha256: row.try_get("sha256")?,
        features: row.try_get("features")?,
        class_field: row.try_get("class_field")?,
        source: row.try_get("source")?,
        source_crs: row.try_get("source_crs")?,
        classes: serde_json::from_str(&classes).unwrap_or(serde_json::Value::Null),
        imported_at: row.try_get("imported_at")?,
        imported_by: row.try_get("imported_by")?,
        reason: row.try_get("reason")?,
        replaced_by: row.try_get("replaced_by")?,
    })
}

/// What `import_landuse` or `import_protection` is asked to do.
#[derive(Debug, Clone)]
pub struct LayerImport {
    pub source: PathBuf,
    pub county: DivisionCode,
    pub vintage: i64,
    pub options: ImportOptions,
    pub reason: String,
    /// Replace the current layer of the same county and vintage (else that is refused).
    pub replace: bool,
}

/// The request of a land-use import.
pub type LandUseImport = LayerImport;

/// Which kind of layer an import stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerKind {
    LandUse,
    Protection(ProtectionKind),
}

impl LayerKind {
    /// The registry's `kind` and the stored file's prefix.
    fn as_str(self) -> &'static str {
        match self {
            LayerKind::LandUse => LANDUSE,
            LayerKind::Protection(kind) => kind.as_str(),
        }
    }
}

impl Registry {
    fn base_dir(&self) -> Result<&Path, RegistryError> {
        self.base_dir.as_deref().ok_or_else(|| {
            RegistryError::invalid(
                "base_dir",
                "此注册库未配置底图目录",
                "this registry has no base-layer folder configured",
            )
        })
    }

    /// Every stored layer of `county` (all counties when `None`), newest first.
    pub(crate) async fn base_layers(
        &self,
        county: Option<&str>,
    ) -> Result<Vec<BaseLayer>, RegistryError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM base_layers WHERE ($1 = '' OR county = $1) ORDER BY county, vintage DESC, id DESC"
        ))
        .bind(county.unwrap_or(""))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(layer_from).collect()
    }

    /// The land-use layer the rules of `county` read: the newest vintage not replaced.
    pub(crate) async fn current_landuse(
        &self,
        county: &str,
    ) -> Result<Option<BaseLayer>, RegistryError> {
        self.current_layer(LANDUSE, county).await
    }

    /// The protection layer of `kind` the screening rules of `county` read: the newest vintage
    /// not replaced.
    pub(crate) async fn current_protection(
        &self,
        kind: ProtectionKind,
        county: &str,
    ) -> Result<Option<BaseLayer>, RegistryError> {
        self.current_layer(kind.as_str(), county).await
    }

    async fn current_layer(
        &self,
        kind: &str,
        county: &str,
    ) -> Result<Option<BaseLayer>, RegistryError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM base_layers WHERE kind = $1 AND county = $2 AND replaced_by IS NULL
             ORDER BY vintage DESC, id DESC LIMIT 1"
        ))
        .bind(kind)
        .bind(county)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(layer_from).transpose()
    }

    /// Where a stored layer's file is.
    pub fn base_layer_path(&self, layer: &BaseLayer) -> Result<PathBuf, RegistryError> {
        Ok(self.base_dir()?.join(&layer.file))
    }

    /// Imports a county land-use layer and records it (see the module's note on order).
    pub(crate) async fn import_landuse(
        &self,
        actor: &Actor,
        request: &LayerImport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BaseLayer, RegistryError> {
        self.import_layer(actor, LayerKind::LandUse, request, progress)
            .await
    }

    /// Imports a county protection layer (永久基本农田, 生态保护红线, 城镇开发边界) and records
    /// it, as a land-use layer.
    pub(crate) async fn import_protection(
        &self,
        actor: &Actor,
        kind: ProtectionKind,
        request: &LayerImport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BaseLayer, RegistryError> {
        self.import_layer(actor, LayerKind::Protection(kind), request, progress)
            .await
    }

    async fn import_layer(
        &self,
        actor: &Actor,
        kind: LayerKind,
        request: &LayerImport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BaseLayer, RegistryError> {
        actor.require_jurisdiction(&request.county)?;
        if request.county.level() != guagou_domain::division::DivisionLevel::County {
            return Err(RegistryError::invalid(
                "county",
                format!("{} 不是县级行政区划代码", request.county),
                format!("{} is not a county-level code", request.county),
            ));
        }
        if !(1990..=2100).contains(&request.vintage) {
            return Err(RegistryError::invalid(
                "vintage",
                format!("年份 {} 不在 1990–2100 之间", request.vintage),
                format!("vintage {} is not within 1990–2100", request.vintage),
            ));
        }
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(RegistryError::invalid(
                "reason",
                "导入底图须说明理由（如：2019年度变更调查成果）",
                "importing a base layer needs a reason (e.g. the 2019 annual survey update)",
            ));
        }
        let county = request.county.as_str();
        let previous = self.base_layers(Some(county)).await?.into_iter().find(|l| {
            l.kind == kind.as_str() && l.vintage == request.vintage && l.replaced_by.is_none()
        });
        if let Some(previous) = &previous
            && !request.replace
        {
            return Err(RegistryError::invalid(
                "vintage",
                format!(
                    "{county} 已有 {} 年度底图（#{}）；替换须加 --replace",
                    request.vintage, previous.id
                ),
                format!(
                    "{county} already has a {} layer (#{}); pass --replace to replace it",
                    request.vintage, previous.id
                ),
            ));
        }
        let dir = self.base_dir()?;
        std::fs::create_dir_all(dir).map_err(|e| {
            RegistryError::invalid(
                "base_dir",
                format!("无法创建 {}: {e}", dir.display()),
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let file = self.free_file_name(dir, kind, county, request.vintage);
        let path = dir.join(&file);
        let plane = guagou_geo::Crs::GaussKruger {
            zone: self.profile.spatial.gk_zone.value,
            prefixed: false,
        };
        let summary = match kind {
            LayerKind::LandUse => {
                // The 城镇村属性码 is read from the profile's field names unless the request
                // names some.
                let mut options = request.options.clone();
                if options.village_fields.is_empty() {
                    options.village_fields =
                        self.profile.land_use.village_attribute_fields.value.clone();
                }
                guagou_base::import_landuse(
                    &request.source,
                    &path,
                    plane,
                    &self.land_classes,
                    &options,
                    progress,
                )
                .await
            }
            LayerKind::Protection(protection) => {
                guagou_base::import_protection(
                    &request.source,
                    &path,
                    plane,
                    protection,
                    &request.options,
                    progress,
                )
                .await
            }
        }
        .map_err(PackageError::from)?;
        match self
            .record_layer(actor, kind, request, &file, &summary, previous.as_ref())
            .await
        {
            Ok(layer) => Ok(layer),
            Err(error) => {
                // Nothing refers to the file: leave no orphan behind.
                let _ = std::fs::remove_file(&path);
                Err(error)
            }
        }
    }

    fn free_file_name(&self, dir: &Path, kind: LayerKind, county: &str, vintage: i64) -> String {
        let kind = kind.as_str();
        (1..)
            .map(|n| format!("{kind}-{county}-{vintage}-{n}.gpkg"))
            .find(|name| !dir.join(name).exists() && !dir.join(format!("{name}.part")).exists())
            .unwrap_or_else(|| format!("{kind}-{county}-{vintage}.gpkg"))
    }

    async fn record_layer(
        &self,
        actor: &Actor,
        kind: LayerKind,
        request: &LayerImport,
        file: &str,
        summary: &ImportSummary,
        previous: Option<&BaseLayer>,
    ) -> Result<BaseLayer, RegistryError> {
        let mut tx = self.store.begin_write().await?;
        // The import ran for minutes outside the write lock: the layer it replaces (or the
        // absence of one) is decided again here, so two imports of one county and vintage
        // cannot both become current.
        let current: Option<i64> = sqlx::query(
            "SELECT id FROM base_layers WHERE kind = $1 AND county = $2 AND vintage = $3 AND replaced_by IS NULL",
        )
        .bind(kind.as_str())
        .bind(request.county.as_str())
        .bind(request.vintage)
        .fetch_optional(tx.connection())
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
        if current != previous.map(|p| p.id) {
            return Err(RegistryError::conflict(
                guagou_domain::ErrorCode::StateChanged,
                format!(
                    "{} {} 年度底图在导入期间已被另一次导入改变，请重新导入",
                    request.county, request.vintage
                ),
                format!(
                    "the {} layer of {} changed while this import ran (another import); import again",
                    request.vintage, request.county
                ),
            ));
        }
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM base_layers")
            .fetch_one(tx.connection())
            .await?
            .try_get("n")?;
        let classes = serde_json::to_string(&summary.classes).unwrap_or_else(|_| "{}".into());
        let source = request.source.display().to_string();
        sqlx::query(&format!(
            "INSERT INTO base_layers ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,NULL)"
        ))
        .bind(next)
        .bind(kind.as_str())
        .bind(request.county.as_str())
        .bind(request.vintage)
        .bind(file)
        .bind(&summary.sha256)
        .bind(i64::try_from(summary.features).unwrap_or(i64::MAX))
        .bind(&summary.class_field)
        .bind(&source)
        .bind(&summary.source_crs)
        .bind(&classes)
        .bind(self.clock.now_rfc3339())
        .bind(actor.to_string())
        .bind(request.reason.trim())
        .execute(tx.connection())
        .await?;
        if let Some(previous) = previous {
            sqlx::query("UPDATE base_layers SET replaced_by = $1 WHERE id = $2")
                .bind(next)
                .bind(previous.id)
                .execute(tx.connection())
                .await?;
        }
        let payload = serde_json::json!({
            "id": next,
            "kind": kind.as_str(),
            "county": request.county.as_str(),
            "vintage": request.vintage,
            "file": file,
            "sha256": summary.sha256,
            "features": summary.features,
            "class_field": summary.class_field,
            "village_field": summary.village_field,
            "source": source,
            "unknown_codes": summary.unknown_codes(),
            "replaces": previous.map(|p| p.id),
        });
        self.audit(
            &mut tx,
            actor,
            "base_layer.import",
            &format!("base_layer:{next}"),
            request.reason.trim(),
            payload,
        )
        .await?;
        tx.commit().await?;
        self.base_layers(Some(request.county.as_str()))
            .await?
            .into_iter()
            .find(|l| l.id == next)
            .ok_or(RegistryError::NotFound {
                what: "base_layer",
                id: next.to_string(),
            })
    }
}

/// RECLAIMED_IS_FARMLAND at acceptance, and the layer it read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReclaimedCheck {
    pub result: guagou_domain::check::RuleResult,
    pub layer: BaseLayer,
    /// 新增耕地 the layer shows under the reclaimed parcels (耕地 net of the profile's 田坎
    /// coefficient), m², unrounded: compared with the acceptance's figure.
    pub new_farmland_m2: f64,
}

/// What the county's updated layer says of an acceptance application before the city decides:
/// RECLAIMED_IS_FARMLAND and the 新增耕地 comparison (issue 13, item 9).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimedOnLayer {
    /// The layer read (county, vintage, file).
    pub layer: String,
    pub result: guagou_domain::check::RuleResult,
    pub new_farmland: guagou_domain::landrules::NewFarmlandComparison,
}

impl Registry {
    /// RECLAIMED_IS_FARMLAND and the 新增耕地 comparison for a project's pending acceptance
    /// (the version it names), as the acceptance step will judge them; `None` without an
    /// acceptance or without a layer later than the year of approval.
    pub(crate) async fn reclaimed_on_layer(
        &self,
        project: &crate::projects::Project,
        as_of: chrono::NaiveDate,
    ) -> Result<Option<ReclaimedOnLayer>, RegistryError> {
        let acceptance = match self.acceptance(&project.code).await {
            Ok(acceptance) => acceptance,
            Err(RegistryError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let version = acceptance.change_version.unwrap_or(project.current_version);
        let Some(check) = self.reclaimed_farmland(project, version, as_of).await? else {
            return Ok(None);
        };
        let new_farmland = self
            .profile
            .land_use
            .compare_new_farmland(acceptance.reclaimed_farmland_m2, check.new_farmland_m2);
        Ok(Some(ReclaimedOnLayer {
            layer: check.layer.label(),
            result: check.result,
            new_farmland,
        }))
    }

    /// RECLAIMED_IS_FARMLAND for the demolition parcels of `code` at `version`, on the county's
    /// current land-use layer when its vintage is later than the year of approval (the survey
    /// that can show the reclamation). `None` when there is no such layer: the acceptance then
    /// rests on the reclaimed figures alone, and the transition records that.
    pub(crate) async fn reclaimed_farmland(
        &self,
        project: &crate::projects::Project,
        version: i64,
        as_of: chrono::NaiveDate,
    ) -> Result<Option<ReclaimedCheck>, RegistryError> {
        if self.base_dir.is_none() {
            return Ok(None);
        }
        let Some(layer) = self.current_landuse(&project.county).await? else {
            return Ok(None);
        };
        let approved_year = project
            .approved_on
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i64>().ok());
        if approved_year.is_some_and(|year| layer.vintage <= year) {
            return Ok(None);
        }
        let plane = guagou_geo::Crs::GaussKruger {
            zone: self.profile.spatial.gk_zone.value,
            prefixed: false,
        };
        let rows = sqlx::query(
            "SELECT name, geometry_geojson FROM project_parcels WHERE code = $1 AND version = $2 AND role = 'demolition' ORDER BY name",
        )
        .bind(&project.code)
        .bind(version)
        .fetch_all(self.store.pool())
        .await?;
        let mut parcels = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get("name")?;
            let text: String = row.try_get("geometry_geojson")?;
            let on_plane = crate::projects::geometry_from_geojson(&text)
                .and_then(|g| {
                    guagou_geo::crs::transform_geometry(&g, guagou_geo::Crs::Geographic, plane).ok()
                })
                .ok_or_else(|| {
                    RegistryError::invalid(
                        "project_parcels.geometry_geojson",
                        format!("{}/{name} 几何无法读取", project.code),
                        format!("{}/{name}: unreadable geometry", project.code),
                    )
                })?;
            parcels.push((name, on_plane));
        }
        let path = self.base_layer_path(&layer)?;
        let (result, land_use) = guagou_base::check::rule_on_layer(
            &self.profile,
            &self.land_classes,
            guagou_check::measure::LandUseRule::FarmlandAfter,
            as_of,
            &path,
            &parcels,
        )
        .await
        .map_err(PackageError::from)?;
        let new_farmland_m2 = land_use
            .iter()
            .map(|parcel| {
                self.profile
                    .land_use
                    .new_farmland_m2(&self.land_classes, &parcel.classes)
            })
            .sum();
        Ok(result.map(|result| ReclaimedCheck {
            result,
            layer,
            new_farmland_m2,
        }))
    }
}
