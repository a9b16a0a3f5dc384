//! Copying a whole registry database from SQLite into another database (PostgreSQL, for a
//! deployment that outgrows one file), then proving the copy: every table's rows are read back
//! from both sides in primary-key order and digested, and the digests must agree.
//!
//! The copy is generic over the schema: the table list, column types and foreign keys come
//! from SQLite's catalogue, so a new migration needs no change here. Both sides must be at the
//! same schema version (opening a `Store` migrates it) and the target must be empty.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::store::{Backend, Store};

/// Rows per INSERT statement are limited so that a statement binds at most this many values
/// (PostgreSQL allows 65,535).
const MAX_BOUND_VALUES: usize = 8_000;

/// The tables the copy leaves alone: the target has its own migration record.
const SKIPPED: &[&str] = &["schema_migrations"];

/// What a column holds, from its declared type in the migrations (BIGINT, TEXT or BYTEA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Integer,
    Real,
    Text,
    Bytes,
}

impl ColumnType {
    fn of_declared(declared: &str) -> ColumnType {
        let upper = declared.to_ascii_uppercase();
        if upper.contains("INT") {
            ColumnType::Integer
        } else if upper.contains("BYTEA") || upper.contains("BLOB") {
            ColumnType::Bytes
        } else if upper.contains("REAL") || upper.contains("DOUBLE") || upper.contains("FLOA") {
            ColumnType::Real
        } else {
            ColumnType::Text
        }
    }
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: ColumnType,
    /// Position in the primary key (1-based), 0 when not part of it.
    pk: i64,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Primary-key order, byte-wise on text on both backends (PostgreSQL's default collation
    /// may sort otherwise). Tables without a primary key are ordered by every column.
    fn order_by(&self, backend: Backend) -> String {
        let mut keys: Vec<&Column> = self.columns.iter().filter(|c| c.pk > 0).collect();
        keys.sort_by_key(|c| c.pk);
        if keys.is_empty() {
            keys = self.columns.iter().collect();
        }
        keys.iter()
            .map(|c| match (backend, c.kind) {
                (Backend::Postgres, ColumnType::Text) => format!("{} COLLATE \"C\"", c.name),
                _ => c.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One value of a row, typed by its column.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Integer(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// Rows and digest of one table, on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDigest {
    pub table: String,
    pub rows: u64,
    /// SHA-256 over every value of every row in primary-key order, hex.
    pub sha256: String,
}

/// What `copy_into` did and proved.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub tables: Vec<TableDigest>,
    pub rows: u64,
}

impl Store {
    /// Copies every row of this database into `target` (empty, same schema version) in one
    /// write transaction, reading the source in one snapshot (a live registry can be copied:
    /// `guagou backup` on PostgreSQL), then compares per-table digests of both. Refuses when
    /// the target holds any row, so a copy never merges two registries.
    pub async fn copy_into(&self, target: &Store) -> Result<CopyReport, StoreError> {
        let tables = self.layout().await?;
        self.same_schema_version(target).await?;
        target.refuse_unless_empty(&tables).await?;
        let mut snapshot = self.begin_read().await?;
        let mut tx = target.begin_write().await?;
        let mut source = Vec::with_capacity(tables.len());
        for table in &tables {
            target_has_columns(tx.connection(), target.backend, table).await?;
            // An error drops `tx`, which rolls the whole copy back.
            source.push(copy_table(table, self.backend, &mut snapshot, tx.connection()).await?);
        }
        tx.commit().await?;
        snapshot.rollback().await?;
        let copied = digests(target, &tables).await?;
        for (ours, theirs) in source.iter().zip(&copied) {
            if ours != theirs {
                return Err(StoreError::corrupt(format!(
                    "复制后表 {} 不一致（源 {} 行 {}，目标 {} 行 {}）/ table {} differs after the copy (source {} rows {}, target {} rows {})",
                    ours.table,
                    ours.rows,
                    ours.sha256,
                    theirs.rows,
                    theirs.sha256,
                    ours.table,
                    ours.rows,
                    ours.sha256,
                    theirs.rows,
                    theirs.sha256
                )));
            }
        }
        let rows = source.iter().map(|t| t.rows).sum();
        Ok(CopyReport {
            tables: source,
            rows,
        })
    }

    /// The tables in copy order. SQLite reads its own catalogue; for PostgreSQL the schema
    /// is the same migrations, so a scratch SQLite database migrated to the same version
    /// gives the catalogue (no PostgreSQL-specific catalogue code to keep in step).
    async fn layout(&self) -> Result<Vec<Table>, StoreError> {
        if self.backend == Backend::Sqlite {
            return self.sqlite_layout().await;
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let scratch =
            std::env::temp_dir().join(format!("guagou-schema-{}-{nanos}", std::process::id()));
        let result = async {
            let schema = Store::open(&scratch).await?;
            let layout = schema.sqlite_layout().await;
            schema.close().await;
            layout
        }
        .await;
        let _ = std::fs::remove_dir_all(&scratch);
        result
    }

    /// The tables of this SQLite database in an order where every table comes after the
    /// tables its foreign keys name.
    async fn sqlite_layout(&self) -> Result<Vec<Table>, StoreError> {
        let names: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
        let mut tables = BTreeMap::new();
        let mut depends = BTreeMap::new();
        for name in names.iter().filter(|n| !SKIPPED.contains(&n.as_str())) {
            tables.insert(name.clone(), self.table(name).await?);
            depends.insert(name.clone(), self.references(name).await?);
        }
        dependency_order(&names, tables, &depends)
    }

    async fn table(&self, name: &str) -> Result<Table, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT name, type, pk FROM pragma_table_info('{name}')"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut columns = Vec::with_capacity(rows.len());
        for row in rows {
            columns.push(Column {
                name: row.try_get(0)?,
                kind: ColumnType::of_declared(&row.try_get::<String, _>(1)?),
                pk: row.try_get(2)?,
            });
        }
        Ok(Table {
            name: name.to_owned(),
            columns,
        })
    }

    async fn references(&self, name: &str) -> Result<BTreeSet<String>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('{name}')"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| row.try_get::<String, _>(0).map_err(StoreError::from))
            .filter(|referenced| referenced.as_ref().map_or(true, |r| r != name))
            .collect()
    }

    async fn same_schema_version(&self, target: &Store) -> Result<(), StoreError> {
        let ours = schema_version(self).await?;
        let theirs = schema_version(target).await?;
        if ours != theirs {
            return Err(StoreError::SchemaDiffers(format!(
                "架构版本 {ours} ≠ {theirs} / schema version {ours} ≠ {theirs}"
            )));
        }
        Ok(())
    }

    async fn refuse_unless_empty(&self, tables: &[Table]) -> Result<(), StoreError> {
        for table in tables {
            let count: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {}", table.name))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            if count > 0 {
                return Err(StoreError::TargetNotEmpty {
                    table: table.name.clone(),
                    rows: count,
                });
            }
        }
        Ok(())
    }
}

/// Kahn's algorithm over the foreign keys, keeping creation order among independent tables.
fn dependency_order(
    created: &[String],
    mut tables: BTreeMap<String, Table>,
    depends: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Vec<Table>, StoreError> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let next = created.iter().find(|name| {
            tables.contains_key(*name)
                && depends.get(*name).is_none_or(|deps| {
                    deps.iter()
                        .all(|d| done.contains(d) || !depends.contains_key(d))
                })
        });
        let Some(name) = next.cloned() else {
            return Err(StoreError::corrupt(
                "外键存在环，无法确定复制顺序 / the foreign keys form a cycle: no copy order",
            ));
        };
        if let Some(table) = tables.remove(&name) {
            ordered.push(table);
        }
        done.insert(name);
    }
    Ok(ordered)
}

async fn schema_version(store: &Store) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&store.pool)
            .await?
            .try_get(0)?,
    )
}

/// The target must have exactly the source's columns (same migrations applied).
async fn target_has_columns(
    target: &mut AnyConnection,
    backend: Backend,
    table: &Table,
) -> Result<(), StoreError> {
    let sql = match backend {
        Backend::Postgres => format!(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'",
            table.name
        ),
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{}')", table.name),
    };
    let found: BTreeSet<String> = sqlx::query(&sql)
        .fetch_all(&mut *target)
        .await?
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    let wanted: BTreeSet<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    if found != wanted {
        return Err(StoreError::SchemaDiffers(format!(
            "表 {} 的列 / the columns of table {}",
            table.name, table.name
        )));
    }
    Ok(())
}

fn values_of(row: &AnyRow, table: &Table) -> Result<Vec<Value>, StoreError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                ColumnType::Integer => Value::Integer(row.try_get(i)?),
                ColumnType::Real => Value::Real(row.try_get(i)?),
                ColumnType::Text => Value::Text(row.try_get(i)?),
                ColumnType::Bytes => Value::Bytes(row.try_get(i)?),
            })
        })
        .collect()
}

async fn insert_batch(
    target: &mut AnyConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    let width = table.columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        table.column_list(),
        tuples.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        for value in row {
            query = match value {
                Value::Integer(v) => query.bind(*v),
                Value::Real(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.clone()),
                Value::Bytes(v) => query.bind(v.clone()),
            };
        }
    }
    query.execute(&mut *target).await?;
    Ok(())
}

/// Streams one table from the source snapshot in primary-key order, digests it and inserts it
/// into the target in batches; returns the source's digest.
async fn copy_table(
    table: &Table,
    backend: Backend,
    source: &mut AnyConnection,
    target: &mut AnyConnection,
) -> Result<TableDigest, StoreError> {
    let select = format!(
        "SELECT {} FROM {} ORDER BY {}",
        table.column_list(),
        table.name,
        table.order_by(backend)
    );
    let per_batch = (MAX_BOUND_VALUES / table.columns.len().max(1)).max(1);
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    while let Some(row) = rows.try_next().await? {
        let values = values_of(&row, table)?;
        for value in &values {
            digest_value(&mut hasher, value);
        }
        count += 1;
        batch.push(values);
        if batch.len() == per_batch {
            insert_batch(target, table, &batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert_batch(target, table, &batch).await?;
    }
    Ok(TableDigest {
        table: table.name.clone(),
        rows: count,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Every table's row count and digest, read in one consistent snapshot.
async fn digests(store: &Store, tables: &[Table]) -> Result<Vec<TableDigest>, StoreError> {
    let mut tx = store.begin_read().await?;
    let mut out = Vec::with_capacity(tables.len());
    for table in tables {
        let select = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_list(),
            table.name,
            table.order_by(store.backend)
        );
        let mut hasher = Sha256::new();
        let mut count = 0u64;
        let mut rows = sqlx::query(&select).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            for value in values_of(&row, table)? {
                digest_value(&mut hasher, &value);
            }
            count += 1;
        }
        drop(rows);
        out.push(TableDigest {
            table: table.name.clone(),
            rows: count,
            sha256: hex::encode(hasher.finalize()),
        });
    }
    tx.rollback().await?;
    Ok(out)
}

/// A tag, then a length-prefixed encoding, so that no two different rows digest alike.
fn digest_value(hasher: &mut Sha256, value: &Value) {
    let mut put = |tag: u8, bytes: &[u8]| {
        hasher.update([tag]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    match value {
        Value::Integer(Some(v)) => put(1, &v.to_le_bytes()),
        Value::Real(Some(v)) => put(2, &v.to_bits().to_le_bytes()),
        Value::Text(Some(v)) => put(3, v.as_bytes()),
        Value::Bytes(Some(v)) => put(4, v),
        Value::Integer(None) | Value::Real(None) | Value::Text(None) | Value::Bytes(None) => {
            put(0, &[])
        }
    }
}
