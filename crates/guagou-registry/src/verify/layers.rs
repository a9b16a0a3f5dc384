//! Stored base layers: each `base_layers` row against its `base_layer.import` record (county,
//! vintage, file, SHA-256, features, who and why, what it replaced), and each file in
//! `<data>/base/` against the SHA-256 recorded for it, streamed (a county layer can be
//! gigabytes). The land-use rules read these files, so a flipped byte changes decisions.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use guagou_store::AnyConnection;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{AuditRec, Check, Findings, Source};
use crate::RegistryError;

/// Bytes read at a time while hashing a layer.
const HASH_BLOCK: usize = 1 << 20;

#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// layer id → its import record
    imports: BTreeMap<i64, AuditRec>,
}

/// One stored row, as read inside the snapshot.
#[derive(Debug, Clone)]
pub(crate) struct StoredLayer {
    id: i64,
    kind: String,
    county: String,
    vintage: i64,
    file: String,
    sha256: String,
    features: i64,
    class_field: String,
    source: String,
    imported_by: String,
    reason: String,
    replaced_by: Option<i64>,
}

impl Replay {
    pub(crate) fn record(&mut self, rec: &AuditRec) {
        if rec.action == "base_layer.import" {
            let id = rec.int("id").or_else(|| {
                rec.subject
                    .strip_prefix("base_layer:")
                    .and_then(|n| n.parse().ok())
            });
            if let Some(id) = id {
                self.imports.insert(id, rec.clone());
            }
        }
    }

    pub(crate) async fn read(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<StoredLayer>, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, kind, county, vintage, file, sha256, features, class_field, source, imported_by, \
             reason, replaced_by FROM base_layers ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredLayer {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    county: r.try_get("county")?,
                    vintage: r.try_get("vintage")?,
                    file: r.try_get("file")?,
                    sha256: r.try_get("sha256")?,
                    features: r.try_get("features")?,
                    class_field: r.try_get("class_field")?,
                    source: r.try_get("source")?,
                    imported_by: r.try_get("imported_by")?,
                    reason: r.try_get("reason")?,
                    replaced_by: r.try_get("replaced_by")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// Rows against the audit log, then files against the rows (`base_dir`: `<data>/base`;
    /// `None` when this registry has no base-layer folder, and then files are not checked).
    pub(crate) async fn check(
        &self,
        stored: Vec<StoredLayer>,
        base_dir: Option<&Path>,
    ) -> Result<Check, RegistryError> {
        let mut f = Findings::new();
        let t = "base_layers";
        // Which import replaced which layer.
        let replaced_by: BTreeMap<i64, i64> = self
            .imports
            .iter()
            .filter_map(|(id, rec)| rec.int("replaces").map(|old| (old, *id)))
            .collect();
        let mut seen = BTreeSet::new();
        for layer in &stored {
            f.row();
            let row = format!("id={}", layer.id);
            seen.insert(layer.id);
            match self.imports.get(&layer.id) {
                None => f.unrecorded(t, &row, "导入审计记录", "import audit record"),
                Some(rec) => {
                    let src = rec.source();
                    // Records from before protection layers name no kind: land use.
                    let kind = match rec.text("kind") {
                        k if k.is_empty() => crate::base_layers::LANDUSE.to_owned(),
                        k => k,
                    };
                    f.same(t, &row, "kind", &layer.kind, &kind, &src);
                    f.same(t, &row, "county", &layer.county, &rec.text("county"), &src);
                    f.same(
                        t,
                        &row,
                        "vintage",
                        &Some(layer.vintage),
                        &rec.int("vintage"),
                        &src,
                    );
                    f.same(t, &row, "file", &layer.file, &rec.text("file"), &src);
                    f.same(t, &row, "sha256", &layer.sha256, &rec.text("sha256"), &src);
                    f.same(
                        t,
                        &row,
                        "features",
                        &Some(layer.features),
                        &rec.int("features"),
                        &src,
                    );
                    f.same(
                        t,
                        &row,
                        "class_field",
                        &layer.class_field,
                        &rec.text("class_field"),
                        &src,
                    );
                    f.same(t, &row, "source", &layer.source, &rec.text("source"), &src);
                    f.same(t, &row, "imported_by", &layer.imported_by, &rec.actor, &src);
                    f.same(t, &row, "reason", &layer.reason, &rec.reason, &src);
                    f.same(
                        t,
                        &row,
                        "replaced_by",
                        &layer.replaced_by,
                        &replaced_by.get(&layer.id).copied(),
                        &Source::text("后续导入的审计记录", "the audit records of later imports"),
                    );
                }
            }
        }
        for (id, rec) in &self.imports {
            if !seen.contains(id) {
                f.missing(t, &format!("id={id}"), &rec.source());
            }
        }
        match base_dir {
            Some(dir) => {
                for layer in &stored {
                    check_file(&mut f, dir, layer).await?;
                }
            }
            None if !stored.is_empty() => f.note(
                "此注册库未配置底图目录，底图文件未校验",
                "this registry has no base-layer folder: the layer files were not checked",
            ),
            None => {}
        }
        Ok(f.into_check(
            "base_layers",
            "底图（导入记录、文件 SHA-256）",
            "base layers (import records, file SHA-256)",
        ))
    }
}

/// The file of `layer` must be a plain name inside `dir` whose SHA-256 is the recorded one.
async fn check_file(
    f: &mut Findings,
    dir: &Path,
    layer: &StoredLayer,
) -> Result<(), RegistryError> {
    let t = "base_layers";
    let row = format!("id={}", layer.id);
    let plain = Path::new(&layer.file)
        .file_name()
        .is_some_and(|name| name == layer.file.as_str());
    if !plain {
        f.fail(
            "field_mismatch",
            t,
            &row,
            Some("file"),
            format!("文件名 {:?} 不是底图目录内的文件名", layer.file),
            format!(
                "file {:?} is not a name inside the base-layer folder",
                layer.file
            ),
        );
        return Ok(());
    }
    let path = dir.join(&layer.file);
    let hashed = tokio::task::spawn_blocking({
        let path = path.clone();
        move || file_sha256(&path)
    })
    .await
    .map_err(|e| RegistryError::invalid("base_layers", e.to_string(), e.to_string()))?;
    match hashed {
        Ok(sha) if sha == layer.sha256 => {}
        Ok(sha) => f.fail(
            "file_hash_mismatch",
            t,
            &row,
            Some("sha256"),
            format!(
                "底图文件 {} 的 SHA-256 为 {sha}，记录的是 {}（文件被改动）",
                path.display(),
                layer.sha256
            ),
            format!(
                "layer file {} has SHA-256 {sha}; the row records {} (the file was changed)",
                path.display(),
                layer.sha256
            ),
        ),
        Err(e) => f.fail(
            "file_missing",
            t,
            &row,
            Some("file"),
            format!("无法读取底图文件 {}：{e}", path.display()),
            format!("cannot read layer file {}: {e}", path.display()),
        ),
    }
    Ok(())
}

/// SHA-256 of a file (hex), read a block at a time.
fn file_sha256(path: &PathBuf) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; HASH_BLOCK];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
