//! The project package: a folder with `project.toml`, parcel files and household tables.
//! The format is documented in `docs/package.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use guagou_domain::check::{Consent, ResettlementMethod};
use guagou_domain::profile::toml_date;
use guagou_domain::{DivisionCode, RuleId};
use serde::Deserialize;

use guagou_geo::ParcelFile;
use guagou_geo::formats::{Format, ReadOptions, coordtxt, decode_text, geojson, shp};

use crate::confine::{
    MAX_MANIFEST_BYTES, MAX_PARCEL_FILE_BYTES, MAX_TABLE_BYTES, Origin, read_capped, resolve,
};
use crate::error::PackageError;

/// The manifest every package has at its top.
const MANIFEST: &str = "project.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParcelRole {
    /// 拆旧地块
    Demolition,
    /// 农民集中安置区
    Resettlement,
    /// 建新区
    Construction,
}

impl ParcelRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            ParcelRole::Demolition => "拆旧",
            ParcelRole::Resettlement => "安置",
            ParcelRole::Construction => "建新",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    format: u32,
    project: RawProject,
    #[serde(default)]
    parcels: Vec<ParcelEntry>,
    households: Option<HouseholdFiles>,
    #[serde(default)]
    justifications: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    code: String,
    name: String,
    county: DivisionCode,
    township: Option<DivisionCode>,
    #[serde(default)]
    villages: Vec<DivisionCode>,
    households_resettled: Option<u64>,
    persons_resettled: Option<u64>,
    #[serde(default, with = "toml_date::option")]
    potential_survey_date: Option<NaiveDate>,
    #[serde(default, with = "toml_date::option")]
    willingness_survey_date: Option<NaiveDate>,
}

/// One `[[parcels]]` entry: a file and the role of every parcel in it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcelEntry {
    pub file: PathBuf,
    pub role: ParcelRole,
    /// The township of every parcel in the file (overrides the project's).
    pub township: Option<DivisionCode>,
    /// An attribute holding each parcel's township (9 digits) or village (12 digits) code.
    pub township_field: Option<String>,
    /// For resettlement sites: names of the demolition parcels they serve (default: all).
    #[serde(default)]
    pub serves: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct HouseholdFiles {
    file: PathBuf,
    relocation_file: Option<PathBuf>,
}

/// A demolished household row.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow {
    pub id: String,
    pub name: String,
    pub village: Option<DivisionCode>,
    pub persons: Option<u64>,
    pub consent: Consent,
    pub method: Option<ResettlementMethod>,
    pub parcel: Option<String>,
    pub poor: bool,
    pub relocation: bool,
}

/// A relocation household of the project's villages.
#[derive(Debug, Clone, PartialEq)]
pub struct RelocationRow {
    pub id: String,
    pub name: String,
    pub village: DivisionCode,
}

/// A package read from disk and validated field by field (not yet measured).
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub dir: PathBuf,
    pub code: String,
    pub name: String,
    pub county: DivisionCode,
    pub township: Option<DivisionCode>,
    pub villages: Vec<DivisionCode>,
    pub households_resettled: Option<u64>,
    pub persons_resettled: Option<u64>,
    pub potential_survey_date: Option<NaiveDate>,
    pub willingness_survey_date: Option<NaiveDate>,
    pub parcels: Vec<ParcelEntry>,
    pub households: Option<Vec<HouseholdRow>>,
    pub relocation: Option<Vec<RelocationRow>>,
    pub justifications: BTreeMap<RuleId, String>,
}

impl Package {
    /// Reads `dir/project.toml` and the household tables it names.
    pub fn read(dir: &Path) -> Result<Package, PackageError> {
        let label = dir.join(MANIFEST).display().to_string();
        let origin = Origin {
            file: label.clone(),
            field: None,
        };
        let (_, text) = read_text(dir, &origin, Path::new(MANIFEST), MAX_MANIFEST_BYTES)?;
        let raw: RawPackage = toml::from_str(&text).map_err(|e| PackageError::Syntax {
            file: label.clone(),
            reason: e.to_string(),
        })?;
        if raw.format != 1 {
            return Err(PackageError::field(
                &label,
                None,
                "format",
                format!("不支持的项目包格式版本 {}（支持 1）", raw.format),
                format!("unsupported package format {} (supported: 1)", raw.format),
            ));
        }
        let project = raw.project;
        if project.county.level() != guagou_domain::division::DivisionLevel::County {
            return Err(PackageError::field(
                &label,
                None,
                "project.county",
                "应为 6 位县级行政区划代码",
                "must be a 6-digit county code",
            ));
        }
        let code = guagou_domain::ProjectCode::parse(&project.code).map_err(|e| {
            PackageError::field(
                &label,
                None,
                "project.code",
                format!(
                    "编号 {} 应为 县代码-年度-序号，如 {}-2018-003",
                    e.0, project.county
                ),
                format!(
                    "code {} should be county-year-serial, e.g. {}-2018-003",
                    e.0, project.county
                ),
            )
        })?;
        if code.county() != &project.county {
            return Err(PackageError::field(
                &label,
                None,
                "project.code",
                format!("编号 {code} 的县代码不是本项目的县 {}", project.county),
                format!(
                    "code {code} does not carry the project's county {}",
                    project.county
                ),
            ));
        }
        check_inside(
            &label,
            "project.township",
            &project.county,
            project.township.iter(),
        )?;
        check_inside(
            &label,
            "project.villages",
            &project.county,
            project.villages.iter(),
        )?;
        if raw.parcels.is_empty() {
            return Err(PackageError::field(
                &label,
                None,
                "parcels",
                "没有地块文件",
                "no parcel files listed",
            ));
        }
        for (i, entry) in raw.parcels.iter().enumerate() {
            let field = format!("parcels[{i}].township");
            check_inside(&label, &field, &project.county, entry.township.iter())?;
            // Refused here, before anything is parsed; read later by `read_parcel_file`.
            resolve(dir, &origin_of(&label, parcel_field(i)), &entry.file)?;
        }
        let justifications = parse_justifications(&label, raw.justifications)?;
        let (households, relocation) = match &raw.households {
            Some(files) => {
                let origin = origin_of(&label, "households.file".into());
                let households = read_households(dir, &origin, &files.file)?;
                let relocation = match &files.relocation_file {
                    Some(file) => {
                        let origin = origin_of(&label, "households.relocation_file".into());
                        Some(read_relocation(dir, &origin, file)?)
                    }
                    None => None,
                };
                (Some(households), relocation)
            }
            None => (None, None),
        };
        Ok(Package {
            dir: dir.to_path_buf(),
            code: project.code,
            name: project.name,
            county: project.county,
            township: project.township,
            villages: project.villages,
            households_resettled: project.households_resettled,
            persons_resettled: project.persons_resettled,
            potential_survey_date: project.potential_survey_date,
            willingness_survey_date: project.willingness_survey_date,
            parcels: raw.parcels,
            households,
            relocation,
            justifications,
        })
    }
}

impl Package {
    /// Reads the parcel file of `parcels[index]`, and a shapefile's sidecars, inside the
    /// package only (see `crate::confine`).
    pub fn read_parcel_file(&self, index: usize) -> Result<ParcelFile, PackageError> {
        let Some(entry) = self.parcels.get(index) else {
            return Err(PackageError::field(
                &self.manifest_label(),
                None,
                &parcel_field(index),
                "没有这个地块文件条目",
                "no such parcel entry",
            ));
        };
        let origin = origin_of(&self.manifest_label(), parcel_field(index));
        let (path, bytes) = read_capped(&self.dir, &origin, &entry.file, MAX_PARCEL_FILE_BYTES)?;
        let label = path.display().to_string();
        let options = ReadOptions::default();
        Ok(match Format::for_path(&path)? {
            Format::CoordTxt => coordtxt::read_with(&label, &bytes, &options)?,
            Format::GeoJson => geojson::read_with(&label, &bytes, &options)?,
            Format::ZippedShapefile => shp::read_zip_with(&label, &bytes, &options)?,
            Format::Shapefile => {
                let side = |ext: &str, cap: u64| match sidecar(&self.dir, &entry.file, ext)? {
                    Some(file) => read_capped(&self.dir, &origin, &file, cap).map(Some),
                    None => Ok(None),
                };
                let text = |ext: &str| -> Result<Option<String>, PackageError> {
                    match side(ext, MAX_MANIFEST_BYTES)? {
                        Some((path, bytes)) => {
                            Ok(Some(decode_text(&path.display().to_string(), &bytes)?))
                        }
                        None => Ok(None),
                    }
                };
                let dbf = side("dbf", MAX_PARCEL_FILE_BYTES)?.map(|(_, bytes)| bytes);
                let (prj, cpg) = (text("prj")?, text("cpg")?);
                shp::read_parts_with(
                    &label,
                    &bytes,
                    dbf.as_deref(),
                    prj.as_deref(),
                    cpg.as_deref(),
                    &options,
                )?
            }
        })
    }

    fn manifest_label(&self) -> String {
        self.dir.join(MANIFEST).display().to_string()
    }
}

fn parcel_field(index: usize) -> String {
    format!("parcels[{index}].file")
}

fn origin_of(manifest: &str, field: String) -> Origin {
    Origin {
        file: manifest.to_owned(),
        field: Some(field),
    }
}

/// The sidecar `ext` of the shapefile `shp` (relative to the package), as a relative path:
/// same stem, extension in any case, like `guagou_geo::formats::shp` looks for them, but
/// only in the shapefile's own folder (already checked free of links by `resolve`). The
/// sidecar itself is checked again when read.
fn sidecar(dir: &Path, shp: &Path, ext: &str) -> Result<Option<PathBuf>, PackageError> {
    let folder = shp.parent().unwrap_or(Path::new(""));
    let Some(stem) = shp.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
        return Ok(None);
    };
    let listing = std::fs::read_dir(dir.join(folder)).map_err(|e| PackageError::Io {
        file: dir.join(folder).display().to_string(),
        reason: e.to_string(),
    })?;
    let mut names: Vec<String> = listing
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            let path = Path::new(name);
            path.file_stem()
                .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case(&stem))
                && path
                    .extension()
                    .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
        })
        .collect();
    names.sort();
    let exact = [
        format!("{stem}.{}", ext.to_ascii_lowercase()),
        format!("{stem}.{}", ext.to_ascii_uppercase()),
    ];
    let chosen = exact
        .iter()
        .find(|e| names.contains(e))
        .or(names.first())
        .map(|name| folder.join(name));
    Ok(chosen)
}

fn check_inside<'a>(
    file: &str,
    field: &str,
    county: &DivisionCode,
    codes: impl Iterator<Item = &'a DivisionCode>,
) -> Result<(), PackageError> {
    for code in codes {
        if !county.contains(code) || code.as_str().len() < 9 {
            return Err(PackageError::field(
                file,
                None,
                field,
                format!("{code} 不是县 {county} 下的乡镇或村代码"),
                format!("{code} is not a township or village code of county {county}"),
            ));
        }
    }
    Ok(())
}

fn parse_justifications(
    file: &str,
    raw: BTreeMap<String, String>,
) -> Result<BTreeMap<RuleId, String>, PackageError> {
    let mut out = BTreeMap::new();
    for (key, text) in raw {
        let Some(rule) = RuleId::parse(&key) else {
            return Err(PackageError::field(
                file,
                None,
                &format!("justifications.{key}"),
                "未知的规则编号",
                "unknown rule ID",
            ));
        };
        if text.trim().is_empty() {
            return Err(PackageError::field(
                file,
                None,
                &format!("justifications.{key}"),
                "说明不能为空",
                "a justification must not be empty",
            ));
        }
        out.insert(rule, text);
    }
    Ok(out)
}

/// The text of the package file `written`, at most `cap` bytes, UTF-8 or GBK.
fn read_text(
    dir: &Path,
    origin: &Origin,
    written: &Path,
    cap: u64,
) -> Result<(String, String), PackageError> {
    let (path, bytes) = read_capped(dir, origin, written, cap)?;
    let label = path.display().to_string();
    let text = decode_text(&label, &bytes)?;
    Ok((label, text))
}

/// Column aliases: the first name is canonical; Chinese headers are accepted.
const HOUSEHOLD_COLUMNS: &[(&str, &[&str])] = &[
    ("id", &["id", "户编号", "编号"]),
    ("name", &["name", "户主", "户主姓名", "姓名"]),
    ("village", &["village", "村", "村代码", "所在村"]),
    ("persons", &["persons", "人口", "人数", "家庭人口"]),
    ("consent", &["consent", "是否同意", "意愿", "同意拆迁"]),
    ("method", &["method", "安置方式"]),
    ("parcel", &["parcel", "地块", "拆旧地块"]),
    ("poor", &["poor", "贫困户"]),
    ("relocation", &["relocation", "易地扶贫搬迁户", "搬迁户"]),
];

struct Table {
    label: String,
    columns: BTreeMap<&'static str, usize>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    /// Reads the table `written` of the package in `dir`. Messages may quote its header
    /// names: the file is the package's own (confined), never a file of the server.
    fn read(
        dir: &Path,
        origin: &Origin,
        written: &Path,
        known: &[(&'static str, &[&str])],
        required: &[&str],
    ) -> Result<Table, PackageError> {
        let (label, text) = read_text(dir, origin, written, MAX_TABLE_BYTES)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| PackageError::Syntax {
                file: label.clone(),
                reason: e.to_string(),
            })?
            .clone();
        let mut columns = BTreeMap::new();
        for (index, header) in headers.iter().enumerate() {
            let header = header.trim();
            match known
                .iter()
                .find(|(_, aliases)| aliases.iter().any(|a| a.eq_ignore_ascii_case(header)))
            {
                Some((canonical, _)) => {
                    columns.insert(*canonical, index);
                }
                None => {
                    return Err(PackageError::field(
                        &label,
                        Some("header".into()),
                        header,
                        "未知的列名",
                        format!(
                            "unknown column; known columns: {}",
                            known.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
        for column in required {
            if !columns.contains_key(column) {
                return Err(PackageError::field(
                    &label,
                    Some("header".into()),
                    column,
                    "缺少必需的列",
                    "required column missing",
                ));
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| PackageError::Syntax {
                file: label.clone(),
                reason: e.to_string(),
            })?;
            // Line numbers count the header as line 1.
            rows.push((i + 2, record));
        }
        Ok(Table {
            label,
            columns,
            rows,
        })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        self.columns
            .get(column)
            .and_then(|&i| record.get(i))
            .filter(|v| !v.is_empty())
    }

    fn error(&self, line: usize, column: &str, zh: String, en: String) -> PackageError {
        PackageError::field(&self.label, Some(format!("line {line}")), column, zh, en)
    }
}

fn read_households(
    dir: &Path,
    origin: &Origin,
    written: &Path,
) -> Result<Vec<HouseholdRow>, PackageError> {
    let table = Table::read(
        dir,
        origin,
        written,
        HOUSEHOLD_COLUMNS,
        &["id", "name", "consent"],
    )?;
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for (line, record) in &table.rows {
        let line = *line;
        let id = table.get(record, "id").unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(table.error(line, "id", "户编号为空".into(), "empty household id".into()));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(table.error(
                line,
                "id",
                format!("户编号 {id} 与第 {first} 行重复"),
                format!("household id {id} repeats line {first}"),
            ));
        }
        let village = match table.get(record, "village") {
            Some(v) => Some(
                DivisionCode::parse(v)
                    .map_err(|e| table.error(line, "village", e.to_string(), e.to_string()))?,
            ),
            None => None,
        };
        let persons = match table.get(record, "persons") {
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                table.error(
                    line,
                    "persons",
                    format!("'{v}' 不是非负整数"),
                    format!("'{v}' is not a non-negative integer"),
                )
            })?),
            None => None,
        };
        let consent = parse_consent(table.get(record, "consent"))
            .ok_or_else(|| table.error(line, "consent", consent_help_zh(), consent_help_en()))?;
        let method = match table.get(record, "method") {
            Some(v) => Some(parse_method(v).ok_or_else(|| {
                table.error(line, "method", method_help_zh(v), method_help_en(v))
            })?),
            None => None,
        };
        let flag = |column: &str| -> Result<bool, PackageError> {
            match table.get(record, column) {
                None => Ok(false),
                Some(v) => parse_flag(v).ok_or_else(|| {
                    table.error(
                        line,
                        column,
                        format!("'{v}' 应为 是/否"),
                        format!("'{v}' should be yes/no"),
                    )
                }),
            }
        };
        out.push(HouseholdRow {
            name: table.get(record, "name").unwrap_or_default().to_owned(),
            id,
            village,
            persons,
            consent,
            method,
            parcel: table.get(record, "parcel").map(str::to_owned),
            poor: flag("poor")?,
            relocation: flag("relocation")?,
        });
    }
    Ok(out)
}

const RELOCATION_COLUMNS: &[(&str, &[&str])] = &[
    ("id", &["id", "户编号", "编号"]),
    ("name", &["name", "户主", "户主姓名", "姓名"]),
    ("village", &["village", "村", "村代码", "所在村"]),
];

fn read_relocation(
    dir: &Path,
    origin: &Origin,
    written: &Path,
) -> Result<Vec<RelocationRow>, PackageError> {
    let table = Table::read(
        dir,
        origin,
        written,
        RELOCATION_COLUMNS,
        &["id", "name", "village"],
    )?;
    let mut out = Vec::new();
    for (line, record) in &table.rows {
        let line = *line;
        let id = table.get(record, "id").unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(table.error(line, "id", "户编号为空".into(), "empty household id".into()));
        }
        let village_text = table.get(record, "village").unwrap_or_default();
        let village = DivisionCode::parse(village_text)
            .map_err(|e| table.error(line, "village", e.to_string(), e.to_string()))?;
        out.push(RelocationRow {
            id,
            name: table.get(record, "name").unwrap_or_default().to_owned(),
            village,
        });
    }
    Ok(out)
}

fn parse_consent(value: Option<&str>) -> Option<Consent> {
    match value.map(|v| v.to_lowercase()) {
        None => Some(Consent::Pending),
        Some(v) => match v.as_str() {
            "同意" | "是" | "yes" | "y" | "true" | "1" | "consented" => Some(Consent::Consented),
            "不同意" | "否" | "no" | "n" | "false" | "0" | "refused" => Some(Consent::Refused),
            "未表态" | "待定" | "pending" => Some(Consent::Pending),
            _ => None,
        },
    }
}

fn consent_help_zh() -> String {
    "应为 同意/不同意/未表态".into()
}
fn consent_help_en() -> String {
    "should be consented/refused/pending (同意/不同意/未表态)".into()
}

fn parse_method(value: &str) -> Option<ResettlementMethod> {
    match value.to_lowercase().as_str() {
        "集中安置" | "集中" | "concentrated" => Some(ResettlementMethod::Concentrated),
        "货币安置" | "货币" | "monetary" => Some(ResettlementMethod::Monetary),
        "自主安置" | "自建" | "自主" | "self" | "self_arranged" => {
            Some(ResettlementMethod::SelfArranged)
        }
        "分散安置" | "分散" | "dispersed" => Some(ResettlementMethod::Dispersed),
        _ => None,
    }
}

fn method_help_zh(v: &str) -> String {
    format!("'{v}' 不是安置方式：应为 集中安置/货币安置/自主安置/分散安置")
}
fn method_help_en(v: &str) -> String {
    format!("'{v}' is not a resettlement method: concentrated/monetary/self/dispersed")
}

fn parse_flag(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" => Some(true),
        "否" | "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}
