//! A stored layer (land use, or a 三区三线 protection layer) and the overlay of parcels on it.
//!
//! A land-use layer is a GeoPackage written by [`crate::import`]: table `landuse` on the
//! profile's Gauss–Krüger plane, columns `dlbm` (land-class code), `bsm` (the source's feature
//! id), `zldwdm` (the source's location-unit code, may be empty), `czcsxm` (the 城镇村属性码,
//! may be empty; layers imported before it was stored have no such column and read as empty),
//! R*Tree index on the geometry. A protection layer is the same file with table `protection`
//! and columns `bsm`, `mc` (the feature's name, may be empty), `zldwdm`; the columns a table
//! lacks read as empty, so one reader serves both.
//! A check reads only the features whose boxes meet a parcel's box: the index answers in
//! O(log n), so a 1,000-parcel project costs the same against 10⁴ or 10⁶ features.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{BoundingRect, MultiPolygon};
use guagou_geo::{Crs, GeoError, GeoErrorKind, Location, overlay};
use serde::Serialize;
use sqlx::{Connection, Row, SqliteConnection};

use crate::gpkg;
use crate::wkb;

/// The feature table of every stored land-use layer.
pub const TABLE: &str = "landuse";
/// Its text columns, in order.
pub const COLUMNS: [&str; 4] = ["dlbm", "bsm", "zldwdm", VILLAGE_COLUMN];
/// The 城镇村属性码 column, absent from layers imported before it was stored.
pub const VILLAGE_COLUMN: &str = "czcsxm";
/// The feature table of every stored protection layer (永久基本农田, 生态保护红线, 城镇开发边界).
pub const PROTECTION_TABLE: &str = "protection";
/// Its text columns, in order.
pub const PROTECTION_COLUMNS: [&str; 3] = ["bsm", NAME_COLUMN, "zldwdm"];
/// A protection feature's name (名称 / MC), absent from land-use layers.
pub const NAME_COLUMN: &str = "mc";
/// Ids per `fid IN (…)` query.
const FETCH_CHUNK: usize = 500;

/// A layer feature overlapping a parcel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureOverlap {
    /// The feature's row in the stored layer.
    pub fid: i64,
    /// The source's feature id (标识码 BSM), as imported.
    pub bsm: String,
    /// Land-class code (地类编码 DLBM).
    pub code: String,
    /// 城镇村属性码 (CZCSXM), empty when the layer has none.
    #[serde(default)]
    pub czcsxm: String,
    /// The feature's name (protection layers), empty when the layer has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub area_m2: f64,
}

/// What lies under one parcel: area per class key (`guagou_domain::landrules::class_key`: the
/// code, with the 城镇村属性码 when the feature has one), and each overlapping feature.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParcelLandUse {
    pub classes: Vec<(String, f64)>,
    pub features: Vec<FeatureOverlap>,
}

/// An open stored layer: a land-use layer ([`StoredLayer::open`]) or a protection layer
/// ([`StoredLayer::open_protection`]).
pub struct StoredLayer {
    conn: SqliteConnection,
    path: PathBuf,
    table: &'static str,
    pub crs: Crs,
    /// Whether the layer stores the 城镇村属性码 (layers imported before it did not).
    pub has_village_attribute: bool,
    /// The text columns the table has.
    columns: Vec<String>,
}

/// The name the land-use rules know a stored layer by.
pub type LandUseLayer = StoredLayer;

struct Feature {
    fid: i64,
    bsm: String,
    code: String,
    czcsxm: String,
    name: String,
    geometry: MultiPolygon<f64>,
}

impl StoredLayer {
    /// Opens a layer written by `guagou import landuse` (read-only).
    pub async fn open(path: &Path) -> Result<Self, GeoError> {
        Self::open_table(path, TABLE).await
    }

    /// Opens a layer written by `guagou import protection` (read-only).
    pub async fn open_protection(path: &Path) -> Result<Self, GeoError> {
        Self::open_table(path, PROTECTION_TABLE).await
    }

    /// Whether `path` is a GeoPackage holding a stored protection layer's table (any other
    /// GeoPackage is read whole, as a parcel file).
    pub async fn is_stored_protection(path: &Path) -> bool {
        let Ok(mut conn) = gpkg::open_read_only(path).await else {
            return false;
        };
        let found = gpkg::feature_table(&mut conn, path, Some(PROTECTION_TABLE))
            .await
            .is_ok();
        let _ = conn.close().await;
        found
    }

    async fn open_table(path: &Path, table_name: &'static str) -> Result<Self, GeoError> {
        let mut conn = gpkg::open_read_only(path).await?;
        let table = gpkg::feature_table(&mut conn, path, Some(table_name)).await?;
        let columns: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT name FROM pragma_table_info('{table_name}')"
        ))
        .fetch_all(&mut conn)
        .await
        .map_err(|e| {
            GeoError::new(
                Location::file(path.display().to_string()),
                GeoErrorKind::Io {
                    reason: e.to_string(),
                },
            )
        })?;
        Ok(StoredLayer {
            conn,
            path: path.to_path_buf(),
            table: table_name,
            crs: table.crs,
            has_village_attribute: columns.iter().any(|c| c == VILLAGE_COLUMN),
            columns,
        })
    }

    fn error(&self, reason: impl ToString) -> GeoError {
        GeoError::new(
            Location::file(self.path.display().to_string()),
            GeoErrorKind::Io {
                reason: reason.to_string(),
            },
        )
    }

    /// Feature ids whose index boxes meet each parcel's box.
    async fn candidates(
        &mut self,
        parcels: &[MultiPolygon<f64>],
    ) -> Result<Vec<Vec<i64>>, GeoError> {
        let sql = format!(
            "SELECT id FROM rtree_{}_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?",
            self.table
        );
        let mut out = Vec::with_capacity(parcels.len());
        for parcel in parcels {
            let Some(r) = parcel.bounding_rect() else {
                out.push(Vec::new());
                continue;
            };
            let ids: Vec<i64> = sqlx::query_scalar(&sql)
                .bind(r.max().x)
                .bind(r.min().x)
                .bind(r.max().y)
                .bind(r.min().y)
                .fetch_all(&mut self.conn)
                .await
                .map_err(|e| self.error(e))?;
            out.push(ids);
        }
        Ok(out)
    }

    async fn fetch(&mut self, ids: &[i64]) -> Result<BTreeMap<i64, Feature>, GeoError> {
        let mut features = BTreeMap::new();
        // A column the table lacks (the 城镇村属性码 of an old land-use layer, the class code of
        // a protection layer) reads as empty.
        let column = |name: &'static str| {
            if self.columns.iter().any(|c| c == name) {
                name
            } else {
                "''"
            }
        };
        let (code, village, name) = (column("dlbm"), column(VILLAGE_COLUMN), column(NAME_COLUMN));
        for chunk in ids.chunks(FETCH_CHUNK) {
            let sql = format!(
                "SELECT fid, geom, {code}, bsm, {village}, {name} FROM {} WHERE fid IN ({})",
                self.table,
                vec!["?"; chunk.len()].join(",")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            let rows = query
                .fetch_all(&mut self.conn)
                .await
                .map_err(|e| self.error(e))?;
            for row in rows {
                let at = |field: &str| Location::file(self.path.display().to_string()).field(field);
                let fid: i64 = crate::gpkg::column(&row, 0, || at("fid"))?;
                let blob: Vec<u8> = row.try_get(1).map_err(|e| self.error(e))?;
                let geometry = wkb::decode_gpkg(&blob).map_err(|e| {
                    GeoError::new(
                        Location::file(self.path.display().to_string())
                            .record(format!("fid {fid}"))
                            .field("geom"),
                        GeoErrorKind::Syntax {
                            reason: e.to_string(),
                        },
                    )
                })?;
                let code: Option<String> = crate::gpkg::column(&row, 2, || at("dlbm"))?;
                let bsm: Option<String> = crate::gpkg::column(&row, 3, || at("bsm"))?;
                let czcsxm: Option<String> = crate::gpkg::column(&row, 4, || at(VILLAGE_COLUMN))?;
                let feature_name: Option<String> =
                    crate::gpkg::column(&row, 5, || at(NAME_COLUMN))?;
                features.insert(
                    fid,
                    Feature {
                        fid,
                        bsm: bsm.unwrap_or_default(),
                        code: code.unwrap_or_default(),
                        czcsxm: czcsxm.unwrap_or_default(),
                        name: feature_name.unwrap_or_default(),
                        geometry,
                    },
                );
            }
        }
        Ok(features)
    }

    /// The land use under each parcel (geometries on the layer's plane, `self.crs`).
    ///
    /// Intersections run on every core: they are the cost; the index lookups are not.
    pub async fn overlay(
        &mut self,
        parcels: &[MultiPolygon<f64>],
    ) -> Result<Vec<ParcelLandUse>, GeoError> {
        let candidates = self.candidates(parcels).await?;
        let mut ids: Vec<i64> = candidates.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let features = self.fetch(&ids).await?;
        Ok(intersect_all(parcels, &candidates, &features))
    }

    pub async fn close(self) -> Result<(), GeoError> {
        let path = self.path.clone();
        self.conn.close().await.map_err(|e| {
            GeoError::new(
                Location::file(path.display().to_string()),
                GeoErrorKind::Io {
                    reason: e.to_string(),
                },
            )
        })
    }
}

fn intersect_one(
    parcel: &MultiPolygon<f64>,
    ids: &[i64],
    features: &BTreeMap<i64, Feature>,
) -> ParcelLandUse {
    let mut by_class: BTreeMap<String, f64> = BTreeMap::new();
    let mut hits = Vec::new();
    for id in ids {
        let Some(feature) = features.get(id) else {
            continue;
        };
        let area = overlay::overlap_area_m2(parcel, &feature.geometry);
        // Zero is a touch or a box-only candidate; NaN (non-finite input) is kept visible.
        if area > 0.0 || area.is_nan() {
            let key = guagou_domain::landrules::class_key(&feature.code, Some(&feature.czcsxm));
            *by_class.entry(key).or_insert(0.0) += area;
            hits.push(FeatureOverlap {
                fid: feature.fid,
                bsm: feature.bsm.clone(),
                code: feature.code.clone(),
                czcsxm: feature.czcsxm.clone(),
                name: feature.name.clone(),
                area_m2: area,
            });
        }
    }
    ParcelLandUse {
        classes: by_class.into_iter().collect(),
        features: hits,
    }
}

fn intersect_all(
    parcels: &[MultiPolygon<f64>],
    candidates: &[Vec<i64>],
    features: &BTreeMap<i64, Feature>,
) -> Vec<ParcelLandUse> {
    let work: Vec<(&MultiPolygon<f64>, &Vec<i64>)> = parcels.iter().zip(candidates).collect();
    guagou_geo::parallel::map_in_order(work, 2, |(parcel, ids)| {
        intersect_one(parcel, ids, features)
    })
}
