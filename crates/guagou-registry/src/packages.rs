//! Project packages as uploaded files (项目包文件): a zip (or the files one by one, built into a
//! zip here) is unpacked into a private temporary folder, checked exactly as registration
//! checks it but without saving (pre-check), kept as a pending upload until the user saves it,
//! and stored with every saved version (zip and SHA-256), so the registry keeps exactly what a
//! county submitted and a later version can be built on it by replacing one file.
//!
//! Unpacking never writes outside its temporary folder: an entry whose path is absolute, names
//! a drive or contains `..` refuses the whole zip, as do symbolic links, encrypted entries and
//! a name given twice — compared after normalizing (`./`, `\` for `/`, repeated slashes) and
//! case-insensitively (a Windows folder cannot hold both), a file also colliding with a folder
//! of the same name (see [`EntryNames`]). Like `guagou_geo::formats::shp::read_zip`, entries
//! and bytes are capped, and bytes are counted as they are produced (`Read::take`), never
//! taken from the sizes the archive declares. Messages name files as they are inside the
//! package (`demolition.txt`), never the temporary folder.
//!
//! Pending uploads are scratch data of one user (like a session), so keeping or discarding one
//! is not audited; storing a saved version's package is.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use guagou_check::Package;
use guagou_domain::check::{NotChecked, RuleResult};
use guagou_domain::lifecycle::Level;
use guagou_geo::{GeoError, GeoErrorKind, Warning};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::RegistryError;
use crate::projects::{Project, Version, code_of};
use crate::{Actor, Registry};

/// Re-exported for callers without a dependency on guagou-check (the web crate).
pub use guagou_check::PackageError;
pub use guagou_check::package::ParcelRole;

/// Largest package zip accepted (bytes).
pub const MAX_PACKAGE_ZIP_BYTES: usize = 64 * 1024 * 1024;
/// Most entries a package zip may have (a package has a handful of files).
pub const MAX_PACKAGE_ENTRIES: usize = 1_000;
/// Most bytes a package zip may decompress to, all entries together.
pub const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// Pending uploads kept per user; older ones are dropped when a new one is kept.
pub const PENDING_UPLOADS_PER_OWNER: i64 = 20;
/// The manifest every package has at its top.
pub const MANIFEST: &str = "project.toml";

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> RegistryError {
    RegistryError::invalid(field, zh, en)
}

fn io_error(what: &str, e: &std::io::Error) -> RegistryError {
    invalid("upload", format!("{what}：{e}"), format!("{what}: {e}"))
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Unpacking

/// A package unpacked into a temporary folder, removed when this is dropped.
#[derive(Debug)]
pub struct UnpackedPackage {
    temp: tempfile::TempDir,
    root: PathBuf,
}

/// A zip entry name as text: UTF-8, else GBK (Chinese Windows zips carry no UTF-8 flag).
fn entry_name(raw: &[u8]) -> String {
    guagou_geo::formats::decode_text("zip", raw)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

/// Entries GIS and archive tools add that are not part of a package.
fn is_junk(name: &str) -> bool {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.starts_with("__MACOSX/") || file.starts_with("._") || file == ".DS_Store"
}

/// The path of an entry inside the package folder, or `None` if it would leave the folder
/// (absolute, a drive, `..`) or is not a plain name. Backslashes count as separators, so
/// `..\x` is caught too.
pub fn safe_relative_path(name: &str) -> Option<PathBuf> {
    if name.contains('\0') || name.starts_with(['/', '\\']) {
        return None;
    }
    let mut path = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains(':') => return None,
            p => path.push(p),
        }
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

/// The names of the entries unpacked so far, to refuse one given twice.
///
/// The zip reader keeps one entry per exact name (the last one), so an exact duplicate never
/// reaches the loop: `ZipArchive::has_duplicate_names` catches those. Here names are compared
/// as unpacked ([`safe_relative_path`] already dropped `./`, empty parts and `\` vs `/`) and
/// lowercased: `Project.toml` and `project.toml` are one file on Windows and macOS, where
/// packages are made, and two here, so which one counts would depend on the server.
#[derive(Debug, Default)]
struct EntryNames {
    /// Lowercased path → (the entry that introduced it, a folder?).
    seen: BTreeMap<String, (String, bool)>,
}

impl EntryNames {
    /// Records entry `name` at `relative`; `Err` names the entry (or folder) it collides with
    /// and whether that one is a folder, and whether the colliding part here is one.
    fn add(
        &mut self,
        name: &str,
        relative: &Path,
        is_dir: bool,
    ) -> Result<(), (String, bool, bool)> {
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let mut key = String::new();
        let mut spelled = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                key.push('/');
                spelled.push('/');
            }
            key.push_str(&part.to_lowercase());
            spelled.push_str(part);
            let folder = i + 1 < parts.len() || is_dir;
            match self.seen.get(&key) {
                None => {
                    let by = if folder {
                        spelled.clone()
                    } else {
                        name.to_owned()
                    };
                    self.seen.insert(key.clone(), (by, folder));
                }
                // The same folder again, spelled the same way: fine (`a/x`, `a/y`, `a/`).
                Some((by, true)) if folder && *by == spelled => {}
                Some((by, was_folder)) => return Err((by.clone(), *was_folder, folder)),
            }
        }
        Ok(())
    }
}

fn zip_refused(zip_name: &str, zh: String, en: String) -> RegistryError {
    invalid(
        "upload",
        format!("{zip_name}：{zh}"),
        format!("{zip_name}: {en}"),
    )
}

/// Unpacks a package zip into a new temporary folder. `zip_name` names the upload in messages.
pub fn unpack_package(zip_name: &str, bytes: &[u8]) -> Result<UnpackedPackage, RegistryError> {
    unpack_package_within(zip_name, bytes, MAX_UNPACKED_BYTES)
}

/// [`unpack_package`] with the decompressed-size budget given (tests use a small one).
fn unpack_package_within(
    zip_name: &str,
    bytes: &[u8],
    max_unpacked: u64,
) -> Result<UnpackedPackage, RegistryError> {
    if bytes.len() > MAX_PACKAGE_ZIP_BYTES {
        return Err(zip_refused(
            zip_name,
            format!("压缩包超过 {} MB", MAX_PACKAGE_ZIP_BYTES >> 20),
            format!("the zip is larger than {} MB", MAX_PACKAGE_ZIP_BYTES >> 20),
        ));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        zip_refused(
            zip_name,
            format!("不是有效的 zip 压缩包（{e}）"),
            format!("not a readable zip archive ({e})"),
        )
    })?;
    if archive.len() > MAX_PACKAGE_ENTRIES {
        return Err(zip_refused(
            zip_name,
            format!(
                "压缩包有 {} 个条目，最多 {MAX_PACKAGE_ENTRIES} 个",
                archive.len()
            ),
            format!(
                "the zip has {} entries; at most {MAX_PACKAGE_ENTRIES} are accepted",
                archive.len()
            ),
        ));
    }
    if archive.has_duplicate_names() {
        return Err(zip_refused(
            zip_name,
            "压缩包中有同名的条目（同一名称出现两次），已拒绝整个压缩包".into(),
            "the zip holds two entries of the same name; the zip is refused".into(),
        ));
    }
    let temp = tempfile::Builder::new()
        .prefix("guagou-upload-")
        .tempdir()
        .map_err(|e| io_error("临时目录 / temporary folder", &e))?;
    let mut budget = max_unpacked;
    let mut names = EntryNames::default();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            zip_refused(
                zip_name,
                format!("第 {} 个条目无法读取（{e}）", index + 1),
                format!("entry {} cannot be read ({e})", index + 1),
            )
        })?;
        let name = entry_name(entry.name_raw());
        if is_junk(&name) {
            continue;
        }
        if entry.is_dir() {
            // Folders are created with their files; a folder entry only counts for collisions
            // (`./` alone names none).
            if let Some(relative) = safe_relative_path(&name) {
                names
                    .add(&name, &relative, true)
                    .map_err(|clash| collision(zip_name, &name, clash))?;
            }
            continue;
        }
        let Some(relative) = safe_relative_path(&name) else {
            return Err(zip_refused(
                zip_name,
                format!("条目 {name} 的路径指向项目包目录之外，已拒绝整个压缩包"),
                format!("entry {name} points outside the package folder; the zip is refused"),
            ));
        };
        if entry.is_symlink() {
            return Err(zip_refused(
                zip_name,
                format!("条目 {name} 是符号链接，项目包只能包含普通文件"),
                format!("entry {name} is a symbolic link; a package holds plain files only"),
            ));
        }
        names
            .add(&name, &relative, false)
            .map_err(|clash| collision(zip_name, &name, clash))?;
        let target = temp.path().join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(&name, &e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    zip_refused(
                        zip_name,
                        format!("条目 {name} 重复出现"),
                        format!("entry {name} appears twice"),
                    )
                } else {
                    io_error(&name, &e)
                }
            })?;
        let copied = std::io::copy(&mut (&mut entry).take(budget + 1), &mut file).map_err(|e| {
            zip_refused(
                zip_name,
                format!("条目 {name} 解压失败（{e}）"),
                format!("entry {name} cannot be decompressed ({e})"),
            )
        })?;
        if copied > budget {
            return Err(zip_refused(
                zip_name,
                format!("解压后超过 {} MB", max_unpacked >> 20),
                format!("decompresses to more than {} MB", max_unpacked >> 20),
            ));
        }
        budget -= copied;
    }
    let root = package_root(zip_name, temp.path())?;
    Ok(UnpackedPackage { temp, root })
}

/// The refusal of entry `name` colliding with `first` (see [`EntryNames::add`]).
fn collision(
    zip_name: &str,
    name: &str,
    (first, first_is_folder, as_folder): (String, bool, bool),
) -> RegistryError {
    let (zh, en) = if first_is_folder != as_folder {
        (
            format!("条目 {name} 与 {first} 冲突：同一名称既是文件又是文件夹"),
            format!("entry {name} collides with {first}: one name is both a file and a folder"),
        )
    } else if first == name {
        (
            format!("条目 {name} 重复出现"),
            format!("entry {name} appears twice"),
        )
    } else {
        (
            format!("条目 {name} 与 {first} 是同一个名称（忽略 ./、\\ 与 / 之别及大小写）"),
            format!(
                "entry {name} has the same name as {first} (once ./, \\ vs / and letter case are ignored)"
            ),
        )
    };
    zip_refused(
        zip_name,
        format!("{zh}，已拒绝整个压缩包"),
        format!("{en}; the zip is refused"),
    )
}

/// The package folder: the top of the zip, or its one folder when the whole package was
/// zipped as a folder (`my-project/project.toml`).
fn package_root(zip_name: &str, top: &Path) -> Result<PathBuf, RegistryError> {
    if top.join(MANIFEST).is_file() {
        return Ok(top.to_path_buf());
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(top)
        .map_err(|e| io_error(zip_name, &e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    if let [only] = entries.as_slice()
        && only.is_dir()
        && only.join(MANIFEST).is_file()
    {
        return Ok(only.clone());
    }
    Err(zip_refused(
        zip_name,
        "压缩包顶层（或其唯一的文件夹）中没有 project.toml".into(),
        "no project.toml at the top of the zip (or in its one folder)".into(),
    ))
}

impl UnpackedPackage {
    /// The package folder (where `project.toml` is).
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// `text` with the temporary folder removed from every path in it.
    fn strip(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for folder in [&self.root, &self.temp.path().to_path_buf()] {
            let folder = folder.display().to_string();
            for sep in ['/', std::path::MAIN_SEPARATOR] {
                out = out.replace(&format!("{folder}{sep}"), "");
            }
            out = out.replace(&folder, ".");
        }
        out
    }

    fn relabel_geo(&self, mut error: GeoError) -> GeoError {
        error.location.file = self.strip(&error.location.file);
        use GeoErrorKind as K;
        error.kind = match error.kind {
            K::Io { reason } => K::Io {
                reason: self.strip(&reason),
            },
            K::Syntax { reason } => K::Syntax {
                reason: self.strip(&reason),
            },
            K::UnsupportedFormat { what } => K::UnsupportedFormat {
                what: self.strip(&what),
            },
            K::Missing { what } => K::Missing {
                what: self.strip(&what),
            },
            K::TooLarge { what } => K::TooLarge {
                what: self.strip(&what),
            },
            K::MixedCrs { first, other } => K::MixedCrs {
                first: self.strip(&first),
                other: self.strip(&other),
            },
            other => other,
        };
        error
    }

    /// A package error naming files inside the package.
    pub fn relabel_package_error(&self, error: PackageError) -> PackageError {
        match error {
            PackageError::Io { file, reason } => PackageError::Io {
                file: self.strip(&file),
                reason: self.strip(&reason),
            },
            PackageError::Syntax { file, reason } => PackageError::Syntax {
                file: self.strip(&file),
                reason: self.strip(&reason),
            },
            PackageError::Field {
                file,
                record,
                field,
                reason_zh,
                reason_en,
            } => PackageError::Field {
                file: self.strip(&file),
                record,
                field,
                reason_zh: self.strip(&reason_zh),
                reason_en: self.strip(&reason_en),
            },
            PackageError::Geo(geo) => PackageError::Geo(Box::new(self.relabel_geo(*geo))),
            PackageError::Path {
                file,
                field,
                path,
                problem,
            } => PackageError::Path {
                file: self.strip(&file),
                field,
                path,
                problem,
            },
            other @ PackageError::Profile(_) => other,
        }
    }

    /// A registry error naming files inside the package, never the temporary folder.
    pub fn relabel(&self, error: RegistryError) -> RegistryError {
        match error {
            RegistryError::Package(e) => RegistryError::Package(self.relabel_package_error(e)),
            RegistryError::Invalid { field, zh, en } => RegistryError::Invalid {
                field,
                zh: self.strip(&zh),
                en: self.strip(&en),
            },
            other => other,
        }
    }

    fn relabel_warning(&self, mut warning: Warning) -> Warning {
        warning.location.file = self.strip(&warning.location.file);
        warning
    }
}

// ---------------------------------------------------------------------------------------------
// Packing, building from files, replacing one file

/// One file of a package: its name (a plain file name; any folder part is dropped) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Zips a package folder: every file under `dir`, sorted by path, deflated, with the zip
/// format's fixed default time so the same files always give the same bytes (and SHA-256).
pub fn zip_folder(dir: &Path) -> Result<Vec<u8>, RegistryError> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zip_error = |e: &dyn std::fmt::Display| {
        invalid(
            "upload",
            format!("无法生成压缩包：{e}"),
            format!("cannot write the zip: {e}"),
        )
    };
    for (name, path) in files {
        let bytes = std::fs::read(&path).map_err(|e| io_error(&name, &e))?;
        writer
            .start_file(name, options)
            .map_err(|e| zip_error(&e))?;
        writer.write_all(&bytes).map_err(|e| zip_error(&e))?;
    }
    let cursor = writer.finish().map_err(|e| zip_error(&e))?;
    Ok(cursor.into_inner())
}

fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), RegistryError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("package", &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("package", &e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io_error("package", &e))?;
        if kind.is_dir() {
            collect_files(root, &path, out)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path));
        }
    }
    Ok(())
}

/// The plain file name of an uploaded file (browsers may send a path), checked to be usable.
fn plain_name(field: &str, name: &str) -> Result<String, RegistryError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty()
        || base == "."
        || base == ".."
        || base.eq_ignore_ascii_case(MANIFEST)
        || base.contains(['\0', ':'])
    {
        return Err(invalid(
            field,
            format!("文件名 '{name}' 不可用"),
            format!("file name '{name}' cannot be used"),
        ));
    }
    Ok(base.to_owned())
}

/// The extension of `name`, lowercase.
fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Refuses a parcel file whose format guagou cannot read, naming the file.
fn require_parcel_format(field: &str, name: &str) -> Result<(), RegistryError> {
    match extension(name).as_str() {
        "txt" | "geojson" | "json" | "zip" => Ok(()),
        "shp" | "dbf" | "shx" | "prj" => Err(invalid(
            field,
            format!("{name}：Shapefile 须连同 .dbf/.prj 等打包为一个 .zip 上传"),
            format!(
                "{name}: upload a shapefile as one .zip with its .dbf, .prj and other sidecars"
            ),
        )),
        ext => Err(invalid(
            field,
            format!(
                "{name}：未知的地块文件格式 .{ext}（支持 .txt 部标坐标、.geojson、.json、打包的 Shapefile .zip）"
            ),
            format!(
                "{name}: unknown parcel file format .{ext} (supported: .txt coordinate text, .geojson, .json, zipped shapefile .zip)"
            ),
        )),
    }
}

/// Refuses a household table that is not CSV.
fn require_csv(field: &str, name: &str) -> Result<(), RegistryError> {
    if extension(name) == "csv" {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{name}：农户表应为 .csv 文件"),
            format!("{name}: a household table must be a .csv file"),
        ))
    }
}

/// Picks a file name not yet used in `used` (`name`, else `<prefix>-name`, `<prefix>-2-name`…).
fn free_name(used: &BTreeSet<String>, prefix: &str, name: &str) -> String {
    if !used.contains(&name.to_ascii_lowercase()) {
        return name.to_owned();
    }
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            format!("{prefix}-{name}")
        } else {
            format!("{prefix}-{n}-{name}")
        };
        if !used.contains(&candidate.to_ascii_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

/// The project fields of a package entered in a form, and its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageFields {
    pub code: String,
    pub name: String,
    pub county: String,
    pub township: Option<String>,
    pub villages: Vec<String>,
    pub households_resettled: Option<u64>,
    pub persons_resettled: Option<u64>,
    /// `YYYY-MM-DD`
    pub potential_survey_date: Option<String>,
    /// `YYYY-MM-DD`
    pub willingness_survey_date: Option<String>,
    pub parcels: Vec<(ParcelRole, PackageFile)>,
    pub households: Option<PackageFile>,
    pub relocation: Option<PackageFile>,
    /// Rule ID → written justification of a warning-level rule.
    pub justifications: BTreeMap<String, String>,
}

fn role_name(role: ParcelRole) -> &'static str {
    match role {
        ParcelRole::Demolition => "demolition",
        ParcelRole::Resettlement => "resettlement",
        ParcelRole::Construction => "construction",
    }
}

/// Builds a package zip from form fields and files: `project.toml` written from the fields,
/// the files beside it under their own names (a name used twice gets the role in front).
/// The fields themselves are validated when the package is read (`Package::read`), so a form
/// and a zip get the same messages.
pub fn build_package_zip(fields: &PackageFields) -> Result<Vec<u8>, RegistryError> {
    let required = [
        ("project.code", &fields.code, "项目编号", "project code"),
        ("project.name", &fields.name, "项目名称", "project name"),
        ("project.county", &fields.county, "县级代码", "county code"),
    ];
    for (field, value, zh, en) in required {
        if value.trim().is_empty() {
            return Err(invalid(
                field,
                format!("{zh}（{field}）不能为空"),
                format!("the {en} ({field}) is required"),
            ));
        }
    }
    if !fields
        .parcels
        .iter()
        .any(|(role, _)| *role == ParcelRole::Demolition)
    {
        return Err(invalid(
            "demolition",
            "至少需要一个拆旧地块文件",
            "at least one demolition parcel file is needed",
        ));
    }
    let mut project = toml::Table::new();
    project.insert("code".into(), fields.code.trim().into());
    project.insert("name".into(), fields.name.trim().into());
    project.insert("county".into(), fields.county.trim().into());
    if let Some(township) = fields.township.as_deref().map(str::trim)
        && !township.is_empty()
    {
        project.insert("township".into(), township.into());
    }
    project.insert(
        "villages".into(),
        toml::Value::Array(
            fields
                .villages
                .iter()
                .map(|v| toml::Value::from(v.trim()))
                .collect(),
        ),
    );
    for (key, value) in [
        ("households_resettled", fields.households_resettled),
        ("persons_resettled", fields.persons_resettled),
    ] {
        if let Some(n) = value {
            let n = i64::try_from(n).map_err(|_| {
                invalid(
                    &format!("project.{key}"),
                    "数值过大",
                    "the number is too large",
                )
            })?;
            project.insert(key.into(), n.into());
        }
    }
    for (key, value) in [
        ("potential_survey_date", &fields.potential_survey_date),
        ("willingness_survey_date", &fields.willingness_survey_date),
    ] {
        if let Some(date) = value.as_deref().map(str::trim)
            && !date.is_empty()
        {
            project.insert(key.into(), date.into());
        }
    }

    let temp = tempfile::Builder::new()
        .prefix("guagou-build-")
        .tempdir()
        .map_err(|e| io_error("临时目录 / temporary folder", &e))?;
    let mut used = BTreeSet::new();
    let mut write = |prefix: &str, file: &PackageFile| -> Result<String, RegistryError> {
        let name = free_name(&used, prefix, &plain_name(prefix, &file.name)?);
        used.insert(name.to_ascii_lowercase());
        std::fs::write(temp.path().join(&name), &file.bytes).map_err(|e| io_error(&name, &e))?;
        Ok(name)
    };
    let mut parcels = Vec::new();
    for (role, file) in &fields.parcels {
        let field = role_name(*role);
        require_parcel_format(field, &plain_name(field, &file.name)?)?;
        let name = write(field, file)?;
        let mut entry = toml::Table::new();
        entry.insert("file".into(), name.into());
        entry.insert("role".into(), field.into());
        parcels.push(toml::Value::Table(entry));
    }
    let mut manifest = toml::Table::new();
    manifest.insert("format".into(), 1_i64.into());
    manifest.insert("project".into(), toml::Value::Table(project));
    manifest.insert("parcels".into(), toml::Value::Array(parcels));
    match (&fields.households, &fields.relocation) {
        (Some(households), relocation) => {
            require_csv("households", &plain_name("households", &households.name)?)?;
            let mut table = toml::Table::new();
            table.insert("file".into(), write("households", households)?.into());
            if let Some(relocation) = relocation {
                require_csv("relocation", &plain_name("relocation", &relocation.name)?)?;
                table.insert(
                    "relocation_file".into(),
                    write("relocation", relocation)?.into(),
                );
            }
            manifest.insert("households".into(), toml::Value::Table(table));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "relocation",
                "上传易地扶贫搬迁户名单时须同时上传拆迁农户表",
                "a relocation list needs the household table too",
            ));
        }
        (None, None) => {}
    }
    let justifications: toml::Table = fields
        .justifications
        .iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(rule, text)| (rule.clone(), toml::Value::from(text.trim())))
        .collect();
    if !justifications.is_empty() {
        manifest.insert("justifications".into(), toml::Value::Table(justifications));
    }
    write_manifest(temp.path(), &manifest)?;
    zip_folder(temp.path())
}

fn write_manifest(dir: &Path, manifest: &toml::Table) -> Result<(), RegistryError> {
    let text = toml::to_string(manifest).map_err(|e| {
        invalid(
            MANIFEST,
            format!("无法写出 project.toml：{e}"),
            format!("cannot write project.toml: {e}"),
        )
    })?;
    std::fs::write(
        dir.join(MANIFEST),
        format!("# 项目包 / project package — see docs/package.md\n{text}"),
    )
    .map_err(|e| io_error(MANIFEST, &e))
}

/// Which file of a package a replacement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackagePart {
    /// The parcel file of a role (the package must have at most one file of that role).
    Parcels(ParcelRole),
    /// The demolished households table (`[households] file`).
    Households,
    /// The relocation list (`[households] relocation_file`).
    Relocation,
}

impl PackagePart {
    /// `demolition` | `resettlement` | `construction` | `households` | `relocation`.
    pub fn parse(text: &str) -> Option<PackagePart> {
        Some(match text {
            "demolition" => PackagePart::Parcels(ParcelRole::Demolition),
            "resettlement" => PackagePart::Parcels(ParcelRole::Resettlement),
            "construction" => PackagePart::Parcels(ParcelRole::Construction),
            "households" => PackagePart::Households,
            "relocation" => PackagePart::Relocation,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            PackagePart::Parcels(role) => role_name(role),
            PackagePart::Households => "households",
            PackagePart::Relocation => "relocation",
        }
    }
}

/// A new package: `base` (a stored package zip) with one file replaced (or added, if the
/// package has none for that part). `project.toml` is rewritten to name the new file; the
/// old file is removed. Everything else is kept byte for byte (comments of `project.toml`
/// are not: it is re-serialized).
pub fn replace_package_file(
    base: &[u8],
    part: PackagePart,
    file: &PackageFile,
) -> Result<Vec<u8>, RegistryError> {
    let field = part.name();
    let new_name = plain_name(field, &file.name)?;
    match part {
        PackagePart::Parcels(_) => require_parcel_format(field, &new_name)?,
        PackagePart::Households | PackagePart::Relocation => require_csv(field, &new_name)?,
    }
    let unpacked = unpack_package("package.zip", base)?;
    let dir = unpacked.dir();
    let text = std::fs::read(dir.join(MANIFEST)).map_err(|e| io_error(MANIFEST, &e))?;
    let text = guagou_geo::formats::decode_text(MANIFEST, &text)
        .map_err(|e| RegistryError::Package(PackageError::from(e)))?;
    let mut manifest: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        RegistryError::Package(PackageError::Syntax {
            file: MANIFEST.into(),
            reason: e.to_string(),
        })
    })?;
    let old = replaced_entry(&mut manifest, part)?;
    if let Some(old) = &old {
        // Only a path inside the package is ever removed.
        if let Some(relative) = safe_relative_path(old) {
            let _ = std::fs::remove_file(dir.join(relative));
        }
    }
    let mut used = BTreeSet::new();
    let mut existing = Vec::new();
    collect_files(dir, dir, &mut existing)?;
    for (name, _) in &existing {
        used.insert(name.to_ascii_lowercase());
    }
    let name = free_name(&used, field, &new_name);
    std::fs::write(dir.join(&name), &file.bytes).map_err(|e| io_error(&name, &e))?;
    set_entry(&mut manifest, part, &name)?;
    write_manifest(dir, &manifest)?;
    zip_folder(dir)
}

/// The file the manifest names for `part` (None if there is none yet).
fn replaced_entry(
    manifest: &mut toml::Table,
    part: PackagePart,
) -> Result<Option<String>, RegistryError> {
    let file_of = |v: &toml::Value| {
        v.get("file")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    match part {
        PackagePart::Parcels(role) => {
            let entries: Vec<String> = manifest
                .get("parcels")
                .and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|e| {
                            e.get("role").and_then(toml::Value::as_str) == Some(role_name(role))
                        })
                        .filter_map(file_of)
                        .collect()
                })
                .unwrap_or_default();
            match entries.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(one.clone())),
                many => Err(invalid(
                    "part",
                    format!(
                        "项目包有 {} 个{}地块文件（{}），无法只替换一个；请上传完整的项目包 zip",
                        many.len(),
                        role.label_zh(),
                        many.join(", ")
                    ),
                    format!(
                        "the package has {} {} parcel files ({}); upload the whole package as a zip instead",
                        many.len(),
                        role_name(role),
                        many.join(", ")
                    ),
                )),
            }
        }
        PackagePart::Households => Ok(manifest.get("households").and_then(file_of)),
        PackagePart::Relocation => Ok(manifest
            .get("households")
            .and_then(|h| h.get("relocation_file"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)),
    }
}

fn set_entry(
    manifest: &mut toml::Table,
    part: PackagePart,
    name: &str,
) -> Result<(), RegistryError> {
    match part {
        PackagePart::Parcels(role) => {
            let parcels = manifest
                .entry("parcels")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            let Some(array) = parcels.as_array_mut() else {
                return Err(invalid(
                    "parcels",
                    "project.toml 的 parcels 应为 [[parcels]] 列表",
                    "parcels in project.toml must be a [[parcels]] list",
                ));
            };
            let existing = array
                .iter_mut()
                .find(|e| e.get("role").and_then(toml::Value::as_str) == Some(role_name(role)));
            match existing.and_then(toml::Value::as_table_mut) {
                Some(entry) => {
                    entry.insert("file".into(), name.into());
                }
                None => {
                    let mut entry = toml::Table::new();
                    entry.insert("file".into(), name.into());
                    entry.insert("role".into(), role_name(role).into());
                    array.push(toml::Value::Table(entry));
                }
            }
        }
        PackagePart::Households | PackagePart::Relocation => {
            let key = if part == PackagePart::Households {
                "file"
            } else {
                "relocation_file"
            };
            match manifest
                .get_mut("households")
                .and_then(toml::Value::as_table_mut)
            {
                Some(table) => {
                    table.insert(key.into(), name.into());
                }
                None if part == PackagePart::Households => {
                    let mut table = toml::Table::new();
                    table.insert("file".into(), name.into());
                    manifest.insert("households".into(), toml::Value::Table(table));
                }
                None => {
                    return Err(invalid(
                        "relocation",
                        "项目包没有拆迁农户表，不能只上传易地扶贫搬迁户名单",
                        "the package has no household table; a relocation list alone cannot be added",
                    ));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pre-check

/// One parcel as the pre-check measured it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedParcel {
    /// `demolition` | `resettlement` | `construction`
    pub role: String,
    /// The file inside the package.
    pub file: String,
    pub name: String,
    pub planar_m2: f64,
    pub ellipsoidal_m2: f64,
    pub township: Option<String>,
}

/// What the pre-check found: the same rules registration runs, nothing saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreCheck {
    pub code: String,
    pub name: String,
    pub county: String,
    /// The project this package would be a new version of (None: a new project).
    pub new_version_of: Option<String>,
    pub profile: String,
    /// `YYYY-MM-DD`
    pub as_of: String,
    /// Failed error-level rules (they block submission, not saving).
    pub blocking: usize,
    pub results: Vec<RuleResult>,
    pub not_checked: Vec<NotChecked>,
    /// The stored base layers the land-use rules read (kind, county, vintage, id, hash).
    pub base_layers: Vec<String>,
    /// Reading warnings (file, parcel, what).
    pub warnings: Vec<Warning>,
    pub parcels: Vec<CheckedParcel>,
    pub households: u64,
    /// Totals on the profile's area basis, rounded once to whole m².
    pub demolition_m2: i64,
    pub resettlement_m2: i64,
    pub planned_surplus_m2: i64,
}

/// A stored package of a version (`zip` is empty when listed without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPackage {
    pub code: String,
    pub version: i64,
    pub sha256: String,
    pub size_bytes: i64,
    pub stored_at: String,
    #[serde(skip)]
    pub zip: Vec<u8>,
}

/// An upload checked but not saved yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub token: String,
    /// The actor (`name@division`) who uploaded it; only they may save it.
    pub owner: String,
    /// The project it is a new version of (None: a new project).
    pub project: Option<String>,
    pub file_name: String,
    /// RFC 3339 UTC
    pub created_at: String,
    /// RFC 3339 UTC
    pub expires_at: String,
    pub zip: Vec<u8>,
}

impl Registry {
    /// Checks a package folder as registration (`new_version_of` None) or a new version would,
    /// without saving anything: same refusals first (level, jurisdiction, a code already
    /// registered or not the project's), then the same rules against the same live projects.
    pub(crate) async fn precheck_package(
        &self,
        actor: &Actor,
        dir: &Path,
        new_version_of: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<PreCheck, RegistryError> {
        actor.require_level(Level::County)?;
        let package = Package::read(dir)?;
        if !actor.may_act_for(&package.county) {
            return Err(RegistryError::Forbidden {
                actor: actor.to_string(),
                what: format!("project.toml project.county = {}", package.county),
            });
        }
        match new_version_of {
            None => {
                if self.project(&package.code).await.is_ok() {
                    return Err(invalid(
                        "project.code",
                        format!("项目 {} 已登记；修改请提交新版本", package.code),
                        format!(
                            "project {} is already registered; submit a new version to change it",
                            package.code
                        ),
                    ));
                }
            }
            Some(code) => {
                let project = self.project(code).await?;
                actor.require_jurisdiction(&code_of(&project.county)?)?;
                if package.code != code {
                    return Err(invalid(
                        "project.code",
                        format!("项目包的编号是 {}，不是 {code}", package.code),
                        format!("the package is project {}, not {code}", package.code),
                    ));
                }
            }
        }
        // The very check registration runs (same live projects, same township boundaries).
        let (_, outcome) = self.check_package(dir, &package.code, as_of).await?;
        let basis = self.profile.spatial.area_basis.value;
        let area = |p: &guagou_check::measure::MeasuredParcel| match basis {
            guagou_domain::profile::AreaBasis::Planar => p.planar_m2,
            guagou_domain::profile::AreaBasis::Ellipsoidal => p.ellipsoidal_m2,
        };
        let total = |role: ParcelRole| {
            let sum: f64 = outcome
                .parcels
                .iter()
                .filter(|p| p.role == role)
                .map(area)
                .sum();
            guagou_domain::SquareMetres::from_measured(sum).map_or(0, |a| a.m2())
        };
        let demolition_m2 = total(ParcelRole::Demolition);
        let resettlement_m2 = total(ParcelRole::Resettlement);
        Ok(PreCheck {
            code: package.code.clone(),
            name: package.name.clone(),
            county: package.county.to_string(),
            new_version_of: new_version_of.map(str::to_owned),
            profile: outcome.profile.clone(),
            as_of: as_of.format("%Y-%m-%d").to_string(),
            blocking: outcome.report.blocking(),
            results: outcome.report.results.clone(),
            not_checked: outcome.report.not_checked.clone(),
            base_layers: outcome.base_layers.clone(),
            warnings: outcome.warnings.clone(),
            parcels: outcome
                .parcels
                .iter()
                .map(|p| CheckedParcel {
                    role: role_name(p.role).to_owned(),
                    file: p.file.clone(),
                    name: p.name.clone(),
                    planar_m2: p.planar_m2,
                    ellipsoidal_m2: p.ellipsoidal_m2,
                    township: p.township.clone(),
                })
                .collect(),
            households: package.households.as_ref().map_or(0, |h| h.len() as u64),
            demolition_m2,
            resettlement_m2,
            planned_surplus_m2: (demolition_m2 - resettlement_m2).max(0),
        })
    }

    /// Unpacks a package zip and pre-checks it (nothing is saved).
    pub(crate) async fn precheck_zip(
        &self,
        actor: &Actor,
        zip_name: &str,
        zip: &[u8],
        new_version_of: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<PreCheck, RegistryError> {
        actor.require_level(Level::County)?;
        let unpacked = unpack_package(zip_name, zip)?;
        let mut found = self
            .precheck_package(actor, unpacked.dir(), new_version_of, as_of)
            .await
            .map_err(|e| unpacked.relabel(e))?;
        found.warnings = found
            .warnings
            .into_iter()
            .map(|w| unpacked.relabel_warning(w))
            .collect();
        for parcel in &mut found.parcels {
            parcel.file = unpacked.strip(&parcel.file);
        }
        Ok(found)
    }

    /// Registers a project from a package zip (`register_project`) and stores the zip as the
    /// package of version 1.
    pub(crate) async fn register_project_from_zip(
        &self,
        actor: &Actor,
        zip_name: &str,
        zip: &[u8],
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Project, Vec<RuleResult>, StoredPackage), RegistryError> {
        actor.require_level(Level::County)?;
        let unpacked = unpack_package(zip_name, zip)?;
        let (project, results) = self
            .register_project_with(actor, unpacked.dir(), as_of, reason, Some(zip))
            .await
            .map_err(|e| unpacked.relabel(e))?;
        let stored = self.stored_package_summary(&project.code, 1).await?;
        Ok((project, results, stored))
    }

    /// Adds a version from a package zip (`add_version`) and stores the zip as its package.
    pub(crate) async fn add_version_from_zip(
        &self,
        actor: &Actor,
        code: &str,
        zip_name: &str,
        zip: &[u8],
        as_of: NaiveDate,
        reason: &str,
    ) -> Result<(Version, Vec<RuleResult>, StoredPackage), RegistryError> {
        actor.require_level(Level::County)?;
        let unpacked = unpack_package(zip_name, zip)?;
        let (version, results) = self
            .add_version_with(actor, code, unpacked.dir(), as_of, reason, Some(zip))
            .await
            .map_err(|e| unpacked.relabel(e))?;
        let stored = self.stored_package_summary(code, version.version).await?;
        Ok((version, results, stored))
    }

    /// The stored package of `code` version `version`, without its bytes.
    async fn stored_package_summary(
        &self,
        code: &str,
        version: i64,
    ) -> Result<StoredPackage, RegistryError> {
        self.stored_packages(code)
            .await?
            .into_iter()
            .find(|p| p.version == version)
            .ok_or_else(|| RegistryError::NotFound {
                what: "项目包/package",
                id: format!("{code}#{version}"),
            })
    }

    /// Stores the package of a version being saved, audited with its SHA-256, inside the
    /// transaction that writes the version.
    pub(crate) async fn store_package_in(
        &self,
        tx: &mut guagou_store::WriteTx,
        actor: &Actor,
        code: &str,
        version: i64,
        zip: &[u8],
        reason: &str,
    ) -> Result<StoredPackage, RegistryError> {
        let stored = StoredPackage {
            code: code.to_owned(),
            version,
            sha256: sha256_hex(zip),
            size_bytes: i64::try_from(zip.len()).unwrap_or(i64::MAX),
            stored_at: self.clock.now_rfc3339(),
            zip: Vec::new(),
        };
        sqlx::query(
            "INSERT INTO project_packages (code, version, zip, sha256, size_bytes, stored_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(code)
        .bind(version)
        .bind(zip.to_vec())
        .bind(&stored.sha256)
        .bind(stored.size_bytes)
        .bind(&stored.stored_at)
        .execute(tx.connection())
        .await?;
        let payload = serde_json::json!({
            "version": version,
            "sha256": stored.sha256,
            "size_bytes": stored.size_bytes,
        });
        self.audit(tx, actor, "project.package", code, reason, payload)
            .await?;
        Ok(stored)
    }

    /// The stored packages of a project's versions, without their bytes.
    pub(crate) async fn stored_packages(
        &self,
        code: &str,
    ) -> Result<Vec<StoredPackage>, RegistryError> {
        let rows = sqlx::query(
            "SELECT code, version, sha256, size_bytes, stored_at FROM project_packages WHERE code = $1 ORDER BY version",
        )
        .bind(code)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredPackage {
                    code: row.try_get("code")?,
                    version: row.try_get("version")?,
                    sha256: row.try_get("sha256")?,
                    size_bytes: row.try_get("size_bytes")?,
                    stored_at: row.try_get("stored_at")?,
                    zip: Vec::new(),
                })
            })
            .collect()
    }

    /// The stored package of one version, with its bytes.
    pub(crate) async fn stored_package(
        &self,
        code: &str,
        version: i64,
    ) -> Result<StoredPackage, RegistryError> {
        let row = sqlx::query(
            "SELECT code, version, zip, sha256, size_bytes, stored_at FROM project_packages WHERE code = $1 AND version = $2",
        )
        .bind(code)
        .bind(version)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| RegistryError::NotFound {
            what: "项目包/package",
            id: format!("{code}#{version}"),
        })?;
        Ok(StoredPackage {
            code: row.try_get("code")?,
            version: row.try_get("version")?,
            sha256: row.try_get("sha256")?,
            size_bytes: row.try_get("size_bytes")?,
            stored_at: row.try_get("stored_at")?,
            zip: row.try_get("zip")?,
        })
    }

    /// Keeps an upload until it is saved or expires. Expired uploads (of anyone) and the
    /// owner's uploads beyond the newest `PENDING_UPLOADS_PER_OWNER` are dropped.
    pub(crate) async fn keep_upload(&self, upload: &PendingUpload) -> Result<(), RegistryError> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query("DELETE FROM pending_uploads WHERE expires_at <= $1")
            .bind(&upload.created_at)
            .execute(tx.connection())
            .await?;
        sqlx::query(
            "DELETE FROM pending_uploads WHERE owner = $1 AND token NOT IN \
             (SELECT token FROM pending_uploads WHERE owner = $2 ORDER BY created_at DESC, token DESC LIMIT $3)",
        )
        .bind(&upload.owner)
        .bind(&upload.owner)
        .bind(PENDING_UPLOADS_PER_OWNER - 1)
        .execute(tx.connection())
        .await?;
        sqlx::query(
            "INSERT INTO pending_uploads (token, owner, project, file_name, created_at, expires_at, zip) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&upload.token)
        .bind(&upload.owner)
        .bind(upload.project.clone())
        .bind(&upload.file_name)
        .bind(&upload.created_at)
        .bind(&upload.expires_at)
        .bind(upload.zip.clone())
        .execute(tx.connection())
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The pending upload `token` of `owner` for `project` (None: a new project), unless it
    /// expired by `now` (RFC 3339 UTC). Anyone else's upload is not found.
    pub(crate) async fn pending_upload(
        &self,
        token: &str,
        owner: &str,
        project: Option<&str>,
        now: &str,
    ) -> Result<PendingUpload, RegistryError> {
        let not_found = || RegistryError::NotFound {
            what: "待保存的上传/pending upload",
            id: token.chars().take(12).collect(),
        };
        let row = sqlx::query(
            "SELECT token, owner, project, file_name, created_at, expires_at, zip FROM pending_uploads \
             WHERE token = $1 AND owner = $2 AND expires_at > $3",
        )
        .bind(token)
        .bind(owner)
        .bind(now)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(not_found)?;
        let upload = PendingUpload {
            token: row.try_get("token")?,
            owner: row.try_get("owner")?,
            project: row.try_get("project")?,
            file_name: row.try_get("file_name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            zip: row.try_get("zip")?,
        };
        if upload.project.as_deref() != project {
            return Err(not_found());
        }
        Ok(upload)
    }

    /// Forgets a pending upload (after it was saved).
    pub(crate) async fn discard_upload(&self, token: &str) -> Result<(), RegistryError> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query("DELETE FROM pending_uploads WHERE token = $1")
            .bind(token)
            .execute(tx.connection())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for (name, bytes) in files {
            assert!(writer.start_file(*name, options).is_ok());
            assert!(writer.write_all(bytes).is_ok());
        }
        writer.finish().map(Cursor::into_inner).unwrap_or_default()
    }

    fn err_text(result: Result<UnpackedPackage, RegistryError>) -> String {
        match result {
            Ok(_) => String::from("(accepted)"),
            Err(e) => e.to_string(),
        }
    }

    /// A zip bomb: 8 MiB of zeros deflate to a few kilobytes; with a 1 MiB budget it is
    /// refused after at most 1 MiB + 1 byte was written, whatever the entry header claims.
    #[test]
    fn a_zip_bomb_is_refused_at_the_budget() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        assert!(writer.start_file("project.toml", options).is_ok());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..8 {
            assert!(writer.write_all(&zeros).is_ok());
        }
        let bomb = writer.finish().map(Cursor::into_inner).unwrap_or_default();
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        let text = err_text(unpack_package_within("bomb.zip", &bomb, 1 << 20));
        assert!(
            text.contains("bomb.zip") && text.contains("decompresses to more than 1 MB"),
            "{text}"
        );
    }

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\windows",
            "a\\..\\..\\x",
            "C:/x",
            "..",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad}");
        }
        assert_eq!(
            safe_relative_path("./a//b.txt"),
            Some(PathBuf::from("a").join("b.txt"))
        );
        let zip = zip_of(&[("project.toml", b"format = 1"), ("../evil.txt", b"x")]);
        let text = err_text(unpack_package("up.zip", &zip));
        assert!(
            text.contains("../evil.txt") && text.contains("outside"),
            "{text}"
        );
    }

    /// A zip naming `project.toml` twice. `ZipWriter` refuses to write a name twice, so the
    /// second entry is written as `project.tomX` and renamed in the bytes (local header and
    /// central directory; names are not covered by the CRC).
    fn zip_with_two_manifests() -> Vec<u8> {
        let zip = zip_of(&[
            ("project.toml", b"format = 1"),
            ("project.tomX", b"format = 2"),
        ]);
        let (from, to) = (b"project.tomX", b"project.toml");
        let mut out = zip.clone();
        let mut renamed = 0;
        for i in 0..zip.len().saturating_sub(from.len() - 1) {
            if &zip[i..i + from.len()] == from {
                out[i..i + to.len()].copy_from_slice(to);
                renamed += 1;
            }
        }
        assert_eq!(renamed, 2, "local header and central directory");
        out
    }

    /// Without the check the zip reader keeps one entry per name (the last): the package
    /// read would be whichever `project.toml` came second.
    #[test]
    fn a_name_given_twice_is_refused() {
        let zip = zip_with_two_manifests();
        let reader = zip::ZipArchive::new(Cursor::new(&zip[..]));
        assert!(reader.is_ok_and(|a| a.len() == 1 && a.has_duplicate_names()));
        let text = err_text(unpack_package("twice.zip", &zip));
        assert!(
            text.contains("twice.zip") && text.contains("two entries of the same name"),
            "{text}"
        );
    }

    #[test]
    fn names_equal_once_normalized_are_refused() {
        for (first, second) in [
            ("project.toml", "Project.toml"),
            ("project.toml", "PROJECT.TOML"),
            ("project.toml", "./project.toml"),
            ("./project.toml", "project.toml"),
            ("pkg/project.toml", "pkg//project.toml"),
            ("pkg/project.toml", "pkg\\project.toml"),
            ("pkg/households.csv", "PKG/households.csv"),
            ("pkg/Households.csv", "pkg/households.CSV"),
            // A file and a folder of one name, either order.
            ("data", "data/x.csv"),
            ("data/x.csv", "data"),
            ("Data", "data/x.csv"),
        ] {
            let zip = zip_of(&[(first, b"format = 1"), (second, b"format = 1")]);
            let text = err_text(unpack_package("twice.zip", &zip));
            assert!(
                text.contains("twice.zip") && text.contains(second) && text.contains("refused"),
                "{first} + {second}: {text}"
            );
        }
        // A folder entry colliding with a file, and a folder spelled two ways.
        for (folder, file) in [("data/", "data"), ("Pkg/", "pkg/project.toml")] {
            let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            assert!(writer.add_directory(folder, options).is_ok());
            assert!(writer.start_file(file, options).is_ok());
            assert!(writer.write_all(b"format = 1").is_ok());
            let zip = writer.finish().map(Cursor::into_inner).unwrap_or_default();
            let text = err_text(unpack_package("dir.zip", &zip));
            assert!(
                text.contains(file) && text.contains("refused"),
                "{folder} + {file}: {text}"
            );
        }
    }

    /// Folder entries and files of one folder spelled the same way are a normal zip.
    #[test]
    fn one_folder_named_again_is_fine() -> Result<(), RegistryError> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        assert!(writer.add_directory("./", options).is_ok());
        assert!(writer.add_directory("pkg/", options).is_ok());
        for name in ["pkg/project.toml", "./pkg/households.csv", "pkg/sub/a.txt"] {
            assert!(writer.start_file(name, options).is_ok());
            assert!(writer.write_all(b"format = 1").is_ok());
        }
        let zip = writer.finish().map(Cursor::into_inner).unwrap_or_default();
        let unpacked = unpack_package("ok.zip", &zip)?;
        assert!(unpacked.dir().join("households.csv").is_file());
        Ok(())
    }

    /// A package naming a server file: refused naming the field, never quoting the file,
    /// and named inside the package, not by the temporary folder.
    #[test]
    fn a_path_outside_the_package_is_refused_naming_the_field() -> Result<(), RegistryError> {
        let manifest = b"format = 1\n[project]\ncode = \"511722-2018-003\"\nname = \"x\"\n\
            county = \"511722\"\n[[parcels]]\nfile = \"demolition.txt\"\nrole = \"demolition\"\n\
            [households]\nfile = \"/etc/passwd\"\n";
        let unpacked = unpack_package(
            "a.zip",
            &zip_of(&[("project.toml", manifest), ("demolition.txt", b"")]),
        )?;
        let Err(error) = Package::read(unpacked.dir()) else {
            panic!("/etc/passwd must be refused");
        };
        assert_eq!(error.code(), "path_outside_package");
        let text = unpacked.relabel(RegistryError::from(error)).to_string();
        assert!(
            text.starts_with("project.toml") && text.contains("households.file"),
            "{text}"
        );
        assert!(
            !text.contains("guagou-upload-") && !text.contains("root:"),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn finds_the_package_at_the_top_or_in_one_folder() -> Result<(), RegistryError> {
        let top = unpack_package("a.zip", &zip_of(&[("project.toml", b"format = 1")]))?;
        assert!(top.dir().join(MANIFEST).is_file());
        let nested = unpack_package(
            "b.zip",
            &zip_of(&[
                ("pkg/project.toml", b"format = 1"),
                ("__MACOSX/pkg/._project.toml", b"junk"),
            ]),
        )?;
        assert!(nested.dir().ends_with("pkg"));
        let text = err_text(unpack_package("c.zip", &zip_of(&[("x.txt", b"")])));
        assert!(text.contains("project.toml"), "{text}");
        let text = err_text(unpack_package("d.zip", b"not a zip"));
        assert!(text.contains("d.zip") && text.contains("zip"), "{text}");
        Ok(())
    }

    #[test]
    fn errors_name_files_inside_the_package() -> Result<(), RegistryError> {
        let unpacked = unpack_package("a.zip", &zip_of(&[("project.toml", b"format = 2")]))?;
        let error = Package::read(unpacked.dir()).map_err(RegistryError::from);
        let Err(error) = error else {
            panic!("format 2 must be refused");
        };
        let text = unpacked.relabel(error).to_string();
        assert!(text.starts_with("project.toml"), "{text}");
        assert!(!text.contains("guagou-upload-"), "{text}");
        Ok(())
    }

    /// Stores a package and a pending upload and reads both back: the zip bytes round-trip
    /// through the `BYTEA` columns, expiry and ownership are honoured.
    async fn storage_round_trip(registry: &Registry) -> Result<(), RegistryError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let code = format!("TEST-{stamp}");
        let zip: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let actor = Actor::parse("tester@511722")?;
        let mut tx = registry.store.begin_write().await?;
        let stored = registry
            .store_package_in(&mut tx, &actor, &code, 1, &zip, "test")
            .await?;
        tx.commit().await?;
        let read = registry.stored_package(&code, 1).await?;
        assert_eq!(read.zip, zip);
        assert_eq!(read.sha256, stored.sha256);
        assert_eq!(registry.stored_packages(&code).await?.len(), 1);
        let mut tx = registry.store.begin_write().await?;
        let again = registry
            .store_package_in(&mut tx, &actor, &code, 1, &zip, "again")
            .await;
        assert!(again.is_err(), "a version's package is stored once");
        tx.rollback().await?;

        let upload = PendingUpload {
            token: format!("token-{stamp}"),
            owner: actor.to_string(),
            project: Some(code.clone()),
            file_name: "p.zip".into(),
            created_at: "2019-07-15T01:00:00Z".into(),
            expires_at: "2019-07-16T01:00:00Z".into(),
            zip: zip.clone(),
        };
        registry.keep_upload(&upload).await?;
        let now = "2019-07-15T12:00:00Z";
        let back = registry
            .pending_upload(&upload.token, &upload.owner, Some(&code), now)
            .await?;
        assert_eq!(back, upload);
        for (owner, project, at) in [
            ("someone@511722", Some(code.as_str()), now),
            (upload.owner.as_str(), None, now),
            (
                upload.owner.as_str(),
                Some(code.as_str()),
                "2019-07-16T01:00:00Z",
            ),
        ] {
            assert!(
                registry
                    .pending_upload(&upload.token, owner, project, at)
                    .await
                    .is_err(),
                "{owner} {project:?} {at}"
            );
        }
        registry.discard_upload(&upload.token).await?;
        assert!(
            registry
                .pending_upload(&upload.token, &upload.owner, Some(&code), now)
                .await
                .is_err()
        );
        Ok(())
    }

    fn test_registry(store: guagou_store::Store) -> Result<Registry, RegistryError> {
        let bad = |e: String| RegistryError::invalid("test", e.clone(), e);
        Ok(Registry::new(
            store,
            guagou_domain::Profile::dazhou_2017().map_err(|e| bad(e.to_string()))?,
            guagou_domain::landclass::LandClassTable::gbt21010().map_err(|e| bad(e.to_string()))?,
            Box::new(crate::FixedClock("2019-07-15T09:00:00+08:00".into())),
        ))
    }

    /// On SQLite, or on PostgreSQL when `GUAGOU_TEST_DATABASE` names a server (`scripts/test`).
    #[tokio::test]
    async fn packages_and_pending_uploads_round_trip() -> Result<(), RegistryError> {
        let dir = tempfile::tempdir().map_err(|e| io_error("tempdir", &e))?;
        let db = guagou_store::TestDb::create(dir.path()).await?;
        let registry = test_registry(db.open().await?)?;
        storage_round_trip(&registry).await
    }

    fn example(name: &str) -> PackageFile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/xuanhan-nanba-pass")
            .join(name);
        PackageFile {
            name: name.to_owned(),
            bytes: std::fs::read(path).unwrap_or_default(),
        }
    }

    #[test]
    fn builds_a_package_from_fields_and_replaces_one_file() -> Result<(), RegistryError> {
        let fields = PackageFields {
            code: "511722-2018-003".into(),
            name: "南坝 \"测试\"".into(),
            county: "511722".into(),
            township: Some("511722104".into()),
            villages: vec!["511722104201".into()],
            persons_resettled: Some(260),
            potential_survey_date: Some("2018-03-12".into()),
            willingness_survey_date: Some("2018-04-02".into()),
            parcels: vec![
                (ParcelRole::Demolition, example("demolition.txt")),
                (ParcelRole::Resettlement, example("resettlement.geojson")),
            ],
            households: Some(example("households.csv")),
            ..PackageFields::default()
        };
        let zip = build_package_zip(&fields)?;
        assert_eq!(zip, build_package_zip(&fields)?, "deterministic bytes");
        let unpacked = unpack_package("built.zip", &zip)?;
        let package = Package::read(unpacked.dir())?;
        assert_eq!(package.code, "511722-2018-003");
        assert_eq!(package.name, "南坝 \"测试\"");
        assert_eq!(package.parcels.len(), 2);
        assert!(package.households.is_some());

        // Replace the resettlement file with one of another name.
        let new = PackageFile {
            name: "site-v2.geojson".into(),
            bytes: example("resettlement.geojson").bytes,
        };
        let replaced =
            replace_package_file(&zip, PackagePart::Parcels(ParcelRole::Resettlement), &new)?;
        let unpacked = unpack_package("v2.zip", &replaced)?;
        let package = Package::read(unpacked.dir())?;
        let files: Vec<String> = package
            .parcels
            .iter()
            .map(|p| p.file.display().to_string())
            .collect();
        assert_eq!(files, ["demolition.txt", "site-v2.geojson"]);
        assert!(!unpacked.dir().join("resettlement.geojson").exists());

        let bad = PackageFile {
            name: "x.dwg".into(),
            bytes: Vec::new(),
        };
        let refused =
            replace_package_file(&zip, PackagePart::Parcels(ParcelRole::Demolition), &bad);
        assert!(refused.is_err_and(|e| e.to_string().contains("x.dwg")));
        let no_demolition = PackageFields {
            parcels: Vec::new(),
            ..fields
        };
        assert!(build_package_zip(&no_demolition).is_err());
        Ok(())
    }
}
