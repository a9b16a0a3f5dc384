//! Backup and restore of a registry (`guagou backup`, `guagou restore`).
//!
//! A backup is a folder: `guagou.sqlite` (an online, consistent snapshot: SQLite's `VACUUM
//! INTO` reads one transaction's view while writers go on; from PostgreSQL, every table copied
//! out of one REPEATABLE READ snapshot and proven by digests, `Store::copy_into`), `base/` (the stored base layers
//! that snapshot names, each checked against the hash recorded at its import), and
//! `manifest.json` (the file hashes, and the heads of the ledger, funds and audit chains as
//! verified on the snapshot itself). Restoring checks every hash before copying anything,
//! copies into a data directory that has no database, then verifies the chains again and
//! compares them with the manifest. Nothing is ever overwritten.

use std::path::{Path, PathBuf};

use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_store::{SQLITE_FILE, Store};
use serde::{Deserialize, Serialize};

use crate::{Clock, Registry, RegistryError};

/// The manifest's file name inside a backup folder.
pub const MANIFEST: &str = "manifest.json";

/// A file of the backup, relative to its folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Chain heads as verified: entries or records, and the head hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub count: u64,
    pub head_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: u32,
    pub created_at: String,
    pub database: BackupFile,
    pub base_layers: Vec<BackupFile>,
    pub ledger: ChainHead,
    pub funds: ChainHead,
    pub audit: ChainHead,
}

fn io(path: &Path, e: impl std::fmt::Display) -> RegistryError {
    RegistryError::invalid(
        "path",
        format!("{}：{e}", path.display()),
        format!("{}: {e}", path.display()),
    )
}

fn file_entry(folder: &Path, relative: &str) -> Result<BackupFile, RegistryError> {
    let path = folder.join(relative);
    let bytes = std::fs::metadata(&path).map_err(|e| io(&path, e))?.len();
    let sha256 =
        guagou_base::import::file_sha256(&path).map_err(guagou_check::PackageError::from)?;
    Ok(BackupFile {
        file: relative.to_owned(),
        sha256,
        bytes,
    })
}

/// The chains of a registry, verified; an error names the first chain that fails.
pub(crate) async fn verified_heads(
    registry: &Registry,
) -> Result<(ChainHead, ChainHead, ChainHead), RegistryError> {
    let ledger = registry.store.verify_ledger().await?;
    let audit = registry.store.verify_audit().await?;
    let funds = registry.verify_funds().await?;
    if !funds.ok {
        return Err(RegistryError::invalid(
            "funds",
            funds.problem_zh.unwrap_or_default(),
            funds.problem_en.unwrap_or_default(),
        ));
    }
    Ok((
        ChainHead {
            count: ledger.entries,
            head_hash: ledger.head_hash,
        },
        ChainHead {
            count: funds.entries,
            head_hash: funds.head_hash,
        },
        ChainHead {
            count: audit.records,
            head_hash: audit.head_hash,
        },
    ))
}

fn empty_or_missing(path: &Path) -> bool {
    std::fs::read_dir(path).map_or(true, |mut d| d.next().is_none())
}

impl Registry {
    /// Writes a verified backup of this registry into `target` (missing or empty).
    pub async fn backup(&self, target: &Path) -> Result<BackupManifest, RegistryError> {
        if !empty_or_missing(target) {
            return Err(io(
                target,
                "备份目录不为空 / the backup folder is not empty",
            ));
        }
        std::fs::create_dir_all(target).map_err(|e| io(target, e))?;
        match self.store.backend() {
            guagou_store::Backend::Sqlite => {
                self.store.snapshot_to(&target.join(SQLITE_FILE)).await?;
            }
            // PostgreSQL: every table copied from one REPEATABLE READ snapshot into a new
            // SQLite file, proven by per-table digests; the backup has the same form either way.
            guagou_store::Backend::Postgres => {
                let file = Store::open(target).await?;
                let copied = self.store.copy_into(&file).await;
                file.close().await;
                copied?;
            }
        }

        // The snapshot, opened as a registry of its own, says which layers it refers to and
        // proves its chains.
        let mut snapshot = Registry::new(
            Store::open(target).await?,
            self.profile.clone(),
            self.land_classes.clone(),
            Box::new(crate::FixedClock(self.clock.now_rfc3339())),
        );
        snapshot.base_dir = Some(target.join("base"));
        let (ledger, funds, audit) = verified_heads(&snapshot).await?;
        let mut base_layers = Vec::new();
        for layer in snapshot.base_layers(None).await? {
            let from = self.base_layer_path(&layer)?;
            let to = target.join("base").join(&layer.file);
            std::fs::create_dir_all(target.join("base")).map_err(|e| io(target, e))?;
            std::fs::copy(&from, &to).map_err(|e| io(&from, e))?;
            let entry = file_entry(target, &format!("base/{}", layer.file))?;
            if entry.sha256 != layer.sha256 {
                return Err(RegistryError::invalid(
                    "base_layers.sha256",
                    format!(
                        "底图 #{} 文件 {} 与导入时的哈希不符",
                        layer.id,
                        from.display()
                    ),
                    format!(
                        "base layer #{}: {} differs from the hash recorded at its import",
                        layer.id,
                        from.display()
                    ),
                ));
            }
            base_layers.push(entry);
        }
        snapshot.store.pool().close().await;
        let manifest = BackupManifest {
            format: 1,
            created_at: self.clock.now_rfc3339(),
            database: file_entry(target, SQLITE_FILE)?,
            base_layers,
            ledger,
            funds,
            audit,
        };
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        let path = target.join(MANIFEST);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        Ok(manifest)
    }
}

/// Restores the backup in `source` into the data directory `data`, which must not hold a
/// database; returns the manifest after verifying the restored registry against it.
pub async fn restore(
    source: &Path,
    data: &Path,
    profile: Profile,
    land_classes: LandClassTable,
    clock: Box<dyn Clock>,
) -> Result<BackupManifest, RegistryError> {
    let manifest_path = source.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| io(&manifest_path, e))?;
    let manifest: BackupManifest =
        serde_json::from_str(&text).map_err(|e| io(&manifest_path, e))?;
    for file in std::iter::once(&manifest.database).chain(&manifest.base_layers) {
        if file.file.contains("..") || Path::new(&file.file).is_absolute() {
            return Err(io(&manifest_path, format!("bad file name {}", file.file)));
        }
        let found = file_entry(source, &file.file)?;
        if found != *file {
            return Err(RegistryError::invalid(
                &file.file,
                format!("备份文件 {} 与清单不符（可能已损坏或被改动）", file.file),
                format!(
                    "backup file {} differs from the manifest (damaged or changed)",
                    file.file
                ),
            ));
        }
    }
    if data.join(SQLITE_FILE).exists() {
        return Err(io(
            data,
            "数据目录已有数据库，不覆盖 / the data directory already holds a database and is not overwritten",
        ));
    }
    let copies: Vec<(PathBuf, PathBuf)> = std::iter::once(&manifest.database)
        .chain(&manifest.base_layers)
        .map(|f| (source.join(&f.file), data.join(&f.file)))
        .collect();
    for (from, to) in &copies {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::copy(from, to).map_err(|e| io(from, e))?;
    }
    let mut registry = Registry::new(Store::open(data).await?, profile, land_classes, clock);
    registry.base_dir = Some(data.join("base"));
    let heads = verified_heads(&registry).await?;
    registry.store.pool().close().await;
    if heads
        != (
            manifest.ledger.clone(),
            manifest.funds.clone(),
            manifest.audit.clone(),
        )
    {
        return Err(RegistryError::invalid(
            "manifest",
            "恢复后的台账、资金或审计链与清单不符",
            "the restored ledger, funds or audit chain differs from the manifest",
        ));
    }
    Ok(manifest)
}
