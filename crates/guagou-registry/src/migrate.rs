//! Moving a registry from SQLite to PostgreSQL (`guagou migrate`): the database is copied
//! table by table and proven identical by per-table digests (`Store::copy_into`); then both
//! registries' ledger, funds and audit chains are verified and their heads compared, and every
//! stored base layer the copy refers to must be present under the target's base folder with
//! the hash recorded at its import.
//!
//! Nothing is added to the copied audit log: the target is a replica whose audit head equals
//! the source's, which is the proof; the report (printed by the command) is the record of the
//! migration itself.

use serde::Serialize;

use crate::backup::{ChainHead, verified_heads};
use crate::{Registry, RegistryError};

/// What a migration copied and proved.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    pub tables: Vec<guagou_store::TableDigest>,
    pub rows: u64,
    pub ledger: ChainHead,
    pub funds: ChainHead,
    pub audit: ChainHead,
    /// Base layer files checked (or copied) under the target's base folder.
    pub base_layers: usize,
}

impl Registry {
    /// Copies this registry (SQLite) into `target`, whose database must be empty, and proves
    /// the copy.
    pub async fn migrate_into(&self, target: &Registry) -> Result<MigrationReport, RegistryError> {
        // A broken registry is not moved: its faults would look like the copy's.
        let before = verified_heads(self).await?;
        let copy = self.store.copy_into(&target.store).await?;
        let after = verified_heads(target).await?;
        if after != before {
            return Err(RegistryError::invalid(
                "migration",
                "复制后的台账、资金或审计链头与源库不符",
                "the copy's ledger, funds or audit chain head differs from the source's",
            ));
        }
        let base_layers = self.carry_base_layers(target).await?;
        let (ledger, funds, audit) = after;
        Ok(MigrationReport {
            tables: copy.tables,
            rows: copy.rows,
            ledger,
            funds,
            audit,
            base_layers,
        })
    }

    /// Every stored layer's file, under the target's base folder with its recorded hash:
    /// copied when the two registries keep their layers in different folders.
    async fn carry_base_layers(&self, target: &Registry) -> Result<usize, RegistryError> {
        let layers = target.base_layers(None).await?;
        for layer in &layers {
            let to = target.base_layer_path(layer)?;
            if !to.exists() {
                let from = self.base_layer_path(layer)?;
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| file_error(parent, &e))?;
                }
                std::fs::copy(&from, &to).map_err(|e| file_error(&from, &e))?;
            }
            let found =
                guagou_base::import::file_sha256(&to).map_err(guagou_check::PackageError::from)?;
            if found != layer.sha256 {
                return Err(RegistryError::invalid(
                    "base_layers.sha256",
                    format!(
                        "底图 #{} 文件 {} 与导入时的哈希不符",
                        layer.id,
                        to.display()
                    ),
                    format!(
                        "base layer #{}: {} differs from the hash recorded at its import",
                        layer.id,
                        to.display()
                    ),
                ));
            }
        }
        Ok(layers.len())
    }
}

fn file_error(path: &std::path::Path, e: &std::io::Error) -> RegistryError {
    RegistryError::invalid(
        "path",
        format!("{}：{e}", path.display()),
        format!("{}: {e}", path.display()),
    )
}
