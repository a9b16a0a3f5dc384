//! GeoPackage (OGC 12-128r18): the file a stored base layer lives in, and an input format.
//!
//! A stored layer is one feature table of MultiPolygons on the profile's Gauss–Krüger plane
//! with the standard R*Tree spatial index (`rtree_<table>_<column>`, extension
//! `gpkg_rtree_index`), so QGIS and GDAL open it as it is. It is written once, to a temporary
//! name, with the journal off (a crash leaves only the temporary file), and renamed into place.
//! It is never edited afterwards, so the index triggers GDAL adds for editing are not created;
//! a changed layer is imported again as a new vintage or replacement.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{BoundingRect, MultiPolygon, Rect};
use guagou_geo::{Crs, GeoError, GeoErrorKind, Location, Parcel, ParcelFile};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection};

use crate::wkb;

/// 'GPKG' as the SQLite application id.
const APPLICATION_ID: i64 = 0x4750_4B47;
/// GeoPackage 1.3.0.
const USER_VERSION: i64 = 10300;
/// Rows per INSERT statement: large enough to amortise the driver's round trip, small enough
/// to stay far below SQLite's 32,766 bound parameters.
const BATCH_ROWS: usize = 256;

/// Column `index` of `row`, or an error at `location` (sqlx's `get` panics on a value it cannot
/// decode, such as text that is not UTF-8 in a damaged or foreign file).
pub(crate) fn column<'r, T>(
    row: &'r sqlx::sqlite::SqliteRow,
    index: usize,
    location: impl FnOnce() -> Location,
) -> Result<T, GeoError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(index).map_err(|e| {
        GeoError::new(
            location(),
            GeoErrorKind::Syntax {
                reason: format!("无法读取的值 / unreadable value: {e}"),
            },
        )
    })
}

fn io_error(path: &Path, reason: impl ToString) -> GeoError {
    GeoError::new(
        Location::file(path.display().to_string()),
        GeoErrorKind::Io {
            reason: reason.to_string(),
        },
    )
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

const CORE_SCHEMA: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
    description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
    (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
    max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
    scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT INTO gpkg_spatial_ref_sys VALUES
    ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
    ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
"#;

/// A feature waiting for the next batch: geometry blob, its box, attribute values.
type PendingRow = (Vec<u8>, Option<Rect<f64>>, Vec<String>);

/// Writes one feature table of MultiPolygons with text attributes and an R*Tree index.
pub struct GpkgWriter {
    conn: SqliteConnection,
    path: String,
    table: String,
    columns: Vec<String>,
    srs_id: i32,
    extent: Option<Rect<f64>>,
    written: i64,
    pending: Vec<PendingRow>,
    /// Every feature's box, for the packed R*Tree written at `finish`.
    boxes: Vec<(i64, crate::rtree::Box32)>,
}

impl GpkgWriter {
    /// Creates `path` (which must not exist) with an empty feature table `table` in `crs`.
    pub async fn create(
        path: &Path,
        table: &str,
        crs: Crs,
        columns: &[&str],
    ) -> Result<Self, GeoError> {
        if path.exists() {
            return Err(io_error(path, "文件已存在 / the file already exists"));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("locking_mode", "EXCLUSIVE")
            // The R*Tree is updated at every insert; its nodes must stay in memory, or a county
            // layer spends most of its import re-reading them (SQLite's default is 2 MiB).
            .pragma("cache_size", "-524288");
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| io_error(path, e))?;
        let srs_id = crs.epsg() as i32;
        let mut ddl = format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};{CORE_SCHEMA}"
        );
        let fields: String = columns
            .iter()
            .map(|c| format!(", {} TEXT", quote(c)))
            .collect();
        ddl.push_str(&format!(
            "CREATE TABLE {t} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON{fields});
             CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy);",
            t = quote(table),
            rtree = quote(&format!("rtree_{table}_geom")),
        ));
        sqlx::raw_sql(&ddl)
            .execute(&mut conn)
            .await
            .map_err(|e| io_error(path, e))?;
        sqlx::query("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)")
            .bind(crs.label())
            .bind(srs_id)
            .bind(srs_id)
            .bind(crs.to_prj_wkt())
            .execute(&mut conn)
            .await
            .map_err(|e| io_error(path, e))?;
        sqlx::raw_sql("BEGIN")
            .execute(&mut conn)
            .await
            .map_err(|e| io_error(path, e))?;
        Ok(GpkgWriter {
            conn,
            path: path.display().to_string(),
            table: table.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            srs_id,
            extent: None,
            written: 0,
            pending: Vec::with_capacity(BATCH_ROWS),
            boxes: Vec::new(),
        })
    }

    fn error(&self, reason: impl ToString) -> GeoError {
        io_error(Path::new(&self.path), reason)
    }

    /// Adds one feature; `values` in the order of the columns given to `create`.
    pub async fn add(
        &mut self,
        geometry: &MultiPolygon<f64>,
        values: Vec<String>,
    ) -> Result<(), GeoError> {
        if values.len() != self.columns.len() {
            return Err(self.error(format!(
                "{} values for {} columns",
                values.len(),
                self.columns.len()
            )));
        }
        let rect = geometry.bounding_rect();
        if let Some(r) = rect {
            self.extent = Some(match self.extent {
                None => r,
                Some(e) => Rect::new(
                    (e.min().x.min(r.min().x), e.min().y.min(r.min().y)),
                    (e.max().x.max(r.max().x), e.max().y.max(r.max().y)),
                ),
            });
        }
        self.pending
            .push((wkb::encode_gpkg(geometry, self.srs_id, rect), rect, values));
        if self.pending.len() >= BATCH_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), GeoError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        let per_row = 2 + self.columns.len();
        let placeholders = format!("({})", vec!["?"; per_row].join(","));
        let names: String = self
            .columns
            .iter()
            .map(|c| format!(", {}", quote(c)))
            .collect();
        let sql = format!(
            "INSERT INTO {} (fid, geom{names}) VALUES {}",
            quote(&self.table),
            vec![placeholders.as_str(); rows.len()].join(",")
        );
        let mut query = sqlx::query(&sql);
        for (i, (blob, _, values)) in rows.iter().enumerate() {
            query = query
                .bind(self.written + 1 + i as i64)
                .bind(blob.as_slice());
            for v in values {
                query = query.bind(v.as_str());
            }
        }
        query
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.error(e))?;
        for (i, (_, rect, _)) in rows.iter().enumerate() {
            if let Some(r) = rect {
                let fid = self.written + 1 + i as i64;
                self.boxes.push((
                    fid,
                    crate::rtree::box32(r.min().x, r.max().x, r.min().y, r.max().y),
                ));
            }
        }
        self.written += rows.len() as i64;
        Ok(())
    }

    /// Writes what is pending, the contents and index metadata, and closes the file.
    pub async fn finish(mut self, identifier: &str, description: &str) -> Result<u64, GeoError> {
        self.flush().await?;
        let rtree = format!("rtree_{}_geom", self.table);
        let boxes = std::mem::take(&mut self.boxes);
        crate::rtree::bulk_load(&mut self.conn, &rtree, boxes)
            .await
            .map_err(|e| self.error(e))?;
        let (min, max) = match self.extent {
            Some(e) => (Some(e.min()), Some(e.max())),
            None => (None, None),
        };
        sqlx::query(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&self.table)
        .bind(identifier)
        .bind(description)
        .bind(min.map(|c| c.x))
        .bind(min.map(|c| c.y))
        .bind(max.map(|c| c.x))
        .bind(max.map(|c| c.y))
        .bind(self.srs_id)
        .execute(&mut self.conn)
        .await
        .map_err(|e| self.error(e))?;
        sqlx::query(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)",
        )
        .bind(&self.table)
        .bind(self.srs_id)
        .execute(&mut self.conn)
        .await
        .map_err(|e| self.error(e))?;
        sqlx::query(
            "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        )
        .bind(&self.table)
        .execute(&mut self.conn)
        .await
        .map_err(|e| self.error(e))?;
        sqlx::raw_sql("COMMIT")
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.error(e))?;
        // The index decides which features a check reads: SQLite checks it before it is used.
        crate::rtree::verify(&mut self.conn, &rtree)
            .await
            .map_err(|report| {
                self.error(format!(
                    "空间索引校验失败 / spatial index check failed: {report}"
                ))
            })?;
        let written = self.written as u64;
        self.conn
            .close()
            .await
            .map_err(|e| io_error(Path::new(&self.path), e))?;
        Ok(written)
    }
}

/// Opens a GeoPackage read-only.
pub async fn open_read_only(path: &Path) -> Result<SqliteConnection, GeoError> {
    if !path.is_file() {
        return Err(io_error(path, "文件不存在 / no such file"));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| io_error(path, e))
}

/// A feature table of a GeoPackage: its geometry column and CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    pub table: String,
    pub geometry_column: String,
    pub crs: Crs,
}

/// The feature table to read: `wanted`, or the only one. Errors list the tables present.
pub async fn feature_table(
    conn: &mut SqliteConnection,
    path: &Path,
    wanted: Option<&str>,
) -> Result<FeatureTable, GeoError> {
    let label = path.display().to_string();
    let rows = sqlx::query(
        "SELECT g.table_name, g.column_name, g.srs_id, s.organization, s.organization_coordsys_id, s.definition
         FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
         ORDER BY g.table_name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| {
        GeoError::new(
            Location::file(&label),
            GeoErrorKind::UnsupportedFormat {
                what: format!("不是 GeoPackage（{e}）/ not a GeoPackage ({e})"),
            },
        )
    })?;
    let at = |field: &str| {
        Location::file(&label)
            .record("gpkg_geometry_columns")
            .field(field)
    };
    let names: Vec<String> = rows
        .iter()
        .map(|r| column::<String>(r, 0, || at("table_name")))
        .collect::<Result<_, _>>()?;
    let row = match wanted {
        Some(w) => rows
            .iter()
            .zip(&names)
            .find(|(_, name)| name.as_str() == w)
            .map(|(r, _)| r),
        None if rows.len() == 1 => rows.first(),
        None => None,
    };
    let Some(row) = row else {
        return Err(GeoError::new(
            Location::file(&label).field("layer"),
            GeoErrorKind::Missing {
                what: format!(
                    "图层 {} / feature table {} (present: {})",
                    wanted.unwrap_or("?"),
                    wanted.unwrap_or("(one must be chosen with --layer)"),
                    names.join(", ")
                ),
            },
        ));
    };
    let srs = |field: &str| {
        Location::file(&label)
            .record("gpkg_spatial_ref_sys")
            .field(field)
    };
    let organization: Option<String> = column(row, 3, || srs("organization"))?;
    let code: Option<i64> = column(row, 4, || srs("organization_coordsys_id"))?;
    let definition: Option<String> = column(row, 5, || srs("definition"))?;
    let by_code = match (organization.as_deref(), code) {
        (Some(org), Some(code)) if org.eq_ignore_ascii_case("EPSG") => {
            u32::try_from(code).ok().and_then(Crs::from_epsg)
        }
        _ => None,
    };
    let crs = match by_code {
        Some(crs) => crs,
        None => Crs::from_prj_wkt(definition.as_deref().unwrap_or("")).map_err(|kind| {
            GeoError::new(Location::file(&label).field("gpkg_spatial_ref_sys"), kind)
        })?,
    };
    Ok(FeatureTable {
        table: column(row, 0, || at("table_name"))?,
        geometry_column: column(row, 1, || at("column_name"))?,
        crs,
    })
}

/// The checks every reader applies (`guagou_geo::validate`): each ring valid in the CRS,
/// holes inside their exterior, parts not overlapping; rings numbered 1.. within the feature.
fn validated(geometry: MultiPolygon<f64>, crs: Crs) -> Result<MultiPolygon<f64>, GeoErrorKind> {
    let mut ring = 0;
    let mut labelled = Vec::with_capacity(geometry.0.len());
    for polygon in geometry.0 {
        let (exterior, holes) = polygon.into_inner();
        let mut check = |line: geo::LineString<f64>| {
            ring += 1;
            guagou_geo::validate::ring_from_points(&line.0, ring, crs).map(|l| (ring, l))
        };
        let exterior = check(exterior)?;
        let holes = holes
            .into_iter()
            .map(&mut check)
            .collect::<Result<Vec<_>, _>>()?;
        labelled.push((exterior, holes));
    }
    guagou_geo::validate::assemble_labelled(labelled)
}

/// Reads every feature of one table (`layer`, or the only one) as parcels, attributes as
/// text. Only (Multi)Polygon geometries; a NULL or other geometry is an error naming the fid.
pub async fn read_parcels(path: &Path, layer: Option<&str>) -> Result<ParcelFile, GeoError> {
    let mut conn = open_read_only(path).await?;
    let table = feature_table(&mut conn, path, layer).await?;
    let label = path.display().to_string();
    let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({})", quote(&table.table)))
        .fetch_all(&mut conn)
        .await
        .map_err(|e| io_error(path, e))?
        .iter()
        .map(|r| column::<String>(r, 1, || Location::file(&label).field("table_info")))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|c| *c != table.geometry_column)
        .collect();
    let select: String = columns
        .iter()
        .map(|c| format!(", CAST({} AS TEXT)", quote(c)))
        .collect();
    let sql = format!(
        "SELECT rowid, {}{select} FROM {} ORDER BY rowid",
        quote(&table.geometry_column),
        quote(&table.table)
    );
    let rows = sqlx::query(&sql)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| io_error(path, e))?;
    let mut parcels = Vec::with_capacity(rows.len());
    for row in rows {
        let fid: i64 = column(&row, 0, || Location::file(&label).field("rowid"))?;
        let location = || Location::file(&label).record(format!("fid {fid}"));
        let blob: Option<Vec<u8>> = row.try_get(1).map_err(|e| {
            GeoError::new(
                location().field(&table.geometry_column),
                GeoErrorKind::Syntax {
                    reason: e.to_string(),
                },
            )
        })?;
        let Some(blob) = blob else {
            return Err(GeoError::new(
                location().field(&table.geometry_column),
                GeoErrorKind::Missing {
                    what: "geometry / 图形为空".into(),
                },
            ));
        };
        let decoded = wkb::decode_gpkg(&blob).map_err(|e| {
            GeoError::new(
                location().field(&table.geometry_column),
                GeoErrorKind::Syntax {
                    reason: e.to_string(),
                },
            )
        })?;
        let geometry = validated(decoded, table.crs)
            .map_err(|kind| GeoError::new(location().field(&table.geometry_column), kind))?;
        let mut attributes = BTreeMap::new();
        for (i, name) in columns.iter().enumerate() {
            let value: Option<String> = column(&row, i + 2, || location().field(name.as_str()))?;
            attributes.insert(name.clone(), value.unwrap_or_default());
        }
        let name = guagou_geo::formats::geojson::parcel_name(&attributes)
            .unwrap_or_else(|| format!("#{fid}"));
        parcels.push(Parcel {
            name,
            attributes,
            geometry,
        });
    }
    conn.close().await.map_err(|e| io_error(path, e))?;
    Ok(ParcelFile {
        source: label,
        crs: table.crs,
        parcels,
        metadata: BTreeMap::new(),
        warnings: Vec::new(),
    })
}
