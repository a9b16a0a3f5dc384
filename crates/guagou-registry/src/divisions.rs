//! Divisions: the city, its counties with their poverty designations, townships and villages
//! with poor-village and relocation flags and household counts (SPEC §2).

use std::path::Path;

use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use serde::Serialize;
use sqlx::Row;

use crate::error::RegistryError;
use crate::{Actor, Registry};

/// The Dazhou seed: the city and its seven county-level divisions (policy/divisions-dazhou.csv).
pub const DAZHOU_DIVISIONS_CSV: &str = include_str!("../../../policy/divisions-dazhou.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
    /// `national` or `provincial` poverty county (国家/省扶贫开发工作重点县), if designated.
    pub poverty_level: Option<String>,
    pub designated_on: Option<String>,
    /// The document of the designation (required with `poverty_level`; 待核 where unknown).
    pub designated_source: Option<String>,
    pub exited_on: Option<String>,
    /// The document of the exit (required with `exited_on`; 待核 where unknown).
    pub exited_source: Option<String>,
    pub poor_village: bool,
    pub relocation_village: bool,
    pub poor_households: i64,
    pub relocation_households: i64,
}

impl Division {
    /// The county's poverty designation as the domain reads it (`None`: none, or a stored
    /// date that does not parse, which the import never lets in).
    pub fn designation(&self) -> Option<guagou_domain::poverty::Designation> {
        let level = guagou_domain::poverty::PovertyLevel::parse(self.poverty_level.as_deref()?)?;
        let date = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| guagou_domain::profile::toml_date::parse_text(t).ok())
        };
        Some(guagou_domain::poverty::Designation {
            level,
            designated_on: date(&self.designated_on),
            exited_on: date(&self.exited_on),
        })
    }
}

fn level_name(level: DivisionLevel) -> &'static str {
    match level {
        DivisionLevel::Province => "province",
        DivisionLevel::City => "city",
        DivisionLevel::County => "county",
        DivisionLevel::Township => "township",
        DivisionLevel::Village => "village",
    }
}

/// Reads a division CSV. Columns: `code,name` and optionally `parent`, `level`,
/// `poverty_level`, `designated_on`, `designated_source`, `exited_on`, `exited_source`,
/// `poor_village`, `relocation_village`, `poor_households`, `relocation_households`, `source`
/// (a note, not stored). Every dated fact carries its source: a designation needs
/// `designated_source` and an exit `exited_source` (待核 in the text where the document is
/// not known yet), else the row is refused.
pub fn parse_divisions_csv(label: &str, text: &str) -> Result<Vec<Division>, RegistryError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            RegistryError::invalid(
                label,
                format!("表头无法读取：{e}"),
                format!("cannot read the header: {e}"),
            )
        })?
        .clone();
    let known = [
        "code",
        "name",
        "parent",
        "level",
        "poverty_level",
        "designated_on",
        "designated_source",
        "exited_on",
        "exited_source",
        "poor_village",
        "relocation_village",
        "poor_households",
        "relocation_households",
        "source",
    ];
    for header in headers.iter() {
        if !known.contains(&header) {
            return Err(RegistryError::invalid(
                &format!("{label}: header"),
                format!("未知的列 {header}"),
                format!("unknown column {header}; known: {}", known.join(", ")),
            ));
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| {
            RegistryError::invalid(&format!("{label}:{line}"), e.to_string(), e.to_string())
        })?;
        let get = |name: &str| {
            column(name)
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
        };
        let field_error = |field: &str, zh: String, en: String| {
            RegistryError::invalid(&format!("{label}:{line} {field}"), zh, en)
        };
        let code = DivisionCode::parse(get("code").unwrap_or_default())
            .map_err(|e| field_error("code", e.to_string(), e.to_string()))?;
        let name = get("name")
            .ok_or_else(|| field_error("name", "名称为空".into(), "empty name".into()))?
            .to_owned();
        let parent = match get("parent") {
            Some(p) => Some(
                DivisionCode::parse(p)
                    .map_err(|e| field_error("parent", e.to_string(), e.to_string()))?
                    .to_string(),
            ),
            None => implied_parent(&code),
        };
        let flag = |field: &str| -> Result<bool, RegistryError> {
            match get(field) {
                None => Ok(false),
                Some("1" | "是" | "yes" | "true") => Ok(true),
                Some("0" | "否" | "no" | "false") => Ok(false),
                Some(other) => Err(field_error(
                    field,
                    format!("'{other}' 应为 是/否"),
                    format!("'{other}' should be yes/no"),
                )),
            }
        };
        let count = |field: &str| -> Result<i64, RegistryError> {
            match get(field) {
                None => Ok(0),
                Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    field_error(
                        field,
                        format!("'{v}' 不是非负整数"),
                        format!("'{v}' is not a non-negative integer"),
                    )
                }),
            }
        };
        let date = |field: &str| -> Result<Option<String>, RegistryError> {
            match get(field) {
                None => Ok(None),
                Some(v) => guagou_domain::profile::toml_date::parse_text(v)
                    .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                    .map_err(|e| field_error(field, e.clone(), e)),
            }
        };
        let poverty_level = match get("poverty_level") {
            None => None,
            Some(v @ ("national" | "provincial")) => Some(v.to_owned()),
            Some(other) => {
                return Err(field_error(
                    "poverty_level",
                    format!("'{other}' 应为 national/provincial"),
                    format!("'{other}' should be national or provincial"),
                ));
            }
        };
        let source_of = |field: &str, fact: bool, zh: &str, en: &str| match get(field) {
            Some(text) => Ok(Some(text.to_owned())),
            None if fact => Err(field_error(field, zh.to_owned(), en.to_owned())),
            None => Ok(None),
        };
        let designated_source = source_of(
            "designated_source",
            poverty_level.is_some() || get("designated_on").is_some(),
            "贫困县认定须注明来源文件（文件不明时写明“待核”）",
            "a poverty designation needs its source document (write 待核 where it is not known)",
        )?;
        let exited_source = source_of(
            "exited_source",
            get("exited_on").is_some(),
            "退出日期须注明来源文件（文件不明时写明“待核”）",
            "an exit date needs its source document (write 待核 where it is not known)",
        )?;
        out.push(Division {
            designated_source,
            exited_source,
            level: get("level")
                .map(str::to_owned)
                .unwrap_or_else(|| level_name(code.level()).to_owned()),
            code: code.to_string(),
            name,
            parent,
            poverty_level,
            designated_on: date("designated_on")?,
            exited_on: date("exited_on")?,
            poor_village: flag("poor_village")?,
            relocation_village: flag("relocation_village")?,
            poor_households: count("poor_households")?,
            relocation_households: count("relocation_households")?,
        });
    }
    Ok(out)
}

fn implied_parent(code: &DivisionCode) -> Option<String> {
    let text = code.as_str();
    match code.level() {
        DivisionLevel::Village => Some(text[..9].to_owned()),
        DivisionLevel::Township => Some(text[..6].to_owned()),
        DivisionLevel::County => Some(format!("{}00", &text[..4])),
        DivisionLevel::City => Some(format!("{}0000", &text[..2])),
        DivisionLevel::Province => None,
    }
}

impl Registry {
    /// Inserts or replaces divisions (one transaction, audited).
    pub(crate) async fn import_divisions(
        &self,
        actor: &Actor,
        source: &str,
        divisions: &[Division],
        reason: &str,
    ) -> Result<usize, RegistryError> {
        let mut tx = self.store.begin_write().await?;
        for d in divisions {
            let code = DivisionCode::parse(&d.code)
                .map_err(|e| RegistryError::invalid("code", e.to_string(), e.to_string()))?;
            actor.require_jurisdiction(&code.county())?;
            // A re-import updates the facts and keeps a boundary stored earlier (boundaries come
            // from their own import).
            let boundary: Option<String> =
                sqlx::query("SELECT boundary_geojson FROM divisions WHERE code = $1")
                    .bind(&d.code)
                    .fetch_optional(tx.connection())
                    .await?
                    .map(|row| row.try_get("boundary_geojson"))
                    .transpose()?
                    .flatten();
            sqlx::query("DELETE FROM divisions WHERE code = $1")
                .bind(&d.code)
                .execute(tx.connection())
                .await?;
            sqlx::query(
                "INSERT INTO divisions (code, name, level, parent, poverty_level, designated_on, exited_on, poor_village, \
                 relocation_village, poor_households, relocation_households, boundary_geojson, designated_source, exited_source) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
            )
            .bind(&d.code)
            .bind(&d.name)
            .bind(&d.level)
            .bind(d.parent.clone())
            .bind(d.poverty_level.clone())
            .bind(d.designated_on.clone())
            .bind(d.exited_on.clone())
            .bind(i64::from(d.poor_village))
            .bind(i64::from(d.relocation_village))
            .bind(d.poor_households)
            .bind(d.relocation_households)
            .bind(boundary)
            .bind(d.designated_source.clone())
            .bind(d.exited_source.clone())
            .execute(tx.connection())
            .await?;
        }
        self.audit(
            &mut tx,
            actor,
            "division.import",
            source,
            reason,
            serde_json::json!({ "count": divisions.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(divisions.len())
    }

    /// Seeds the city of Dazhou and its seven counties with their poverty designations.
    pub(crate) async fn seed_dazhou(&self, actor: &Actor) -> Result<usize, RegistryError> {
        let divisions = parse_divisions_csv("policy/divisions-dazhou.csv", DAZHOU_DIVISIONS_CSV)?;
        self.import_divisions(
            actor,
            "policy/divisions-dazhou.csv",
            &divisions,
            "达州市及所辖县（市、区）",
        )
        .await
    }

    /// Imports townships and villages from a CSV file.
    pub(crate) async fn import_divisions_file(
        &self,
        actor: &Actor,
        path: &Path,
    ) -> Result<usize, RegistryError> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            RegistryError::invalid(
                &label,
                format!("无法读取：{e}"),
                format!("cannot read: {e}"),
            )
        })?;
        let text = guagou_geo::formats::decode_text(&label, &bytes)
            .map_err(guagou_check::PackageError::from)?;
        let divisions = parse_divisions_csv(&label, &text)?;
        self.import_divisions(actor, &label, &divisions, "导入乡镇和村")
            .await
    }

    /// Imports division boundaries from any parcel file (GeoJSON, shapefile, …): each feature's
    /// `code_field` (default: the first of `code`, `adcode`, `XZQDM`, `行政区划代码`) names an
    /// existing division. Invalid geometry is an error unless `options` asks for the explicit
    /// repair, whose warnings are returned and recorded in the audit log.
    pub(crate) async fn import_boundaries(
        &self,
        actor: &Actor,
        path: &Path,
        code_field: Option<&str>,
        options: &guagou_geo::formats::ReadOptions,
    ) -> Result<(usize, Vec<guagou_geo::Warning>), RegistryError> {
        const FIELDS: &[&str] = &["code", "adcode", "XZQDM", "行政区划代码"];
        let is_gpkg = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
        // A GeoPackage (the format many county GIS export) has its one feature table read.
        let file = if is_gpkg {
            guagou_base::gpkg::read_parcels(path, None).await
        } else {
            guagou_geo::formats::read_parcels_with(path, options)
        }
        .map_err(guagou_check::PackageError::from)?;
        let mut rows = Vec::new();
        for parcel in &file.parcels {
            let field = code_field.or_else(|| {
                FIELDS
                    .iter()
                    .copied()
                    .find(|f| parcel.attributes.contains_key(*f))
            });
            let value = field
                .and_then(|f| parcel.attributes.get(f))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            let record = format!("{} {}", file.source, parcel.name);
            let code = DivisionCode::parse(&value).map_err(|_| {
                RegistryError::invalid(
                    &record,
                    format!(
                        "字段 {} 的值 '{value}' 不是行政区划代码",
                        field.unwrap_or("code")
                    ),
                    format!(
                        "'{value}' in field {} is not a division code",
                        field.unwrap_or("code")
                    ),
                )
            })?;
            self.division(code.as_str()).await?;
            actor.require_jurisdiction(&code.county())?;
            let lon_lat = guagou_geo::crs::transform_geometry(
                &parcel.geometry,
                file.crs,
                guagou_geo::Crs::Geographic,
            )
            .map_err(|k| RegistryError::invalid(&record, k.message_zh(), k.message_en()))?;
            rows.push((code, crate::projects::geojson_text(&lon_lat)));
        }
        let mut tx = self.store.begin_write().await?;
        for (code, geometry) in &rows {
            sqlx::query("UPDATE divisions SET boundary_geojson = $1 WHERE code = $2")
                .bind(geometry)
                .bind(code.as_str())
                .execute(tx.connection())
                .await?;
        }
        let warnings: Vec<String> = file.warnings.iter().map(ToString::to_string).collect();
        let payload = serde_json::json!({ "count": rows.len(), "warnings": warnings });
        let subject = path.display().to_string();
        self.audit(
            &mut tx,
            actor,
            "division.boundaries",
            &subject,
            "导入边界",
            payload,
        )
        .await?;
        tx.commit().await?;
        Ok((rows.len(), file.warnings))
    }

    /// A division's boundary as GeoJSON geometry (lon/lat), if imported.
    pub(crate) async fn boundary(
        &self,
        code: &str,
    ) -> Result<Option<serde_json::Value>, RegistryError> {
        let row = sqlx::query("SELECT boundary_geojson FROM divisions WHERE code = $1")
            .bind(code)
            .fetch_optional(self.store.pool())
            .await?;
        let text: Option<String> = match row {
            Some(row) => row.try_get("boundary_geojson")?,
            None => {
                return Err(RegistryError::NotFound {
                    what: "行政区划/division",
                    id: code.to_owned(),
                });
            }
        };
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub(crate) async fn division(&self, code: &str) -> Result<Division, RegistryError> {
        let rows = self.divisions_where("code = $1", code).await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| RegistryError::NotFound {
                what: "行政区划/division",
                id: code.to_owned(),
            })
    }

    /// All divisions whose code starts with `prefix` (e.g. a county's townships and villages).
    pub(crate) async fn divisions_under(
        &self,
        prefix: &str,
    ) -> Result<Vec<Division>, RegistryError> {
        self.divisions_where("code LIKE $1", &format!("{prefix}%"))
            .await
    }

    async fn divisions_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<Division>, RegistryError> {
        let sql = format!(
            "SELECT code, name, level, parent, poverty_level, designated_on, exited_on, poor_village, relocation_village, \
             poor_households, relocation_households, designated_source, exited_source FROM divisions WHERE {condition} ORDER BY code"
        );
        let rows = sqlx::query(&sql)
            .bind(value)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Division {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    level: row.try_get("level")?,
                    parent: row.try_get("parent")?,
                    poverty_level: row.try_get("poverty_level")?,
                    designated_on: row.try_get("designated_on")?,
                    designated_source: row.try_get("designated_source")?,
                    exited_on: row.try_get("exited_on")?,
                    exited_source: row.try_get("exited_source")?,
                    poor_village: row.try_get::<i64, _>("poor_village")? != 0,
                    relocation_village: row.try_get::<i64, _>("relocation_village")? != 0,
                    poor_households: row.try_get("poor_households")?,
                    relocation_households: row.try_get("relocation_households")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(RegistryError::from)
    }

    /// Poor villages and relocation villages of a county (PLAN_COVERS_POOR_VILLAGES).
    pub(crate) async fn poor_or_relocation_villages(
        &self,
        county: &DivisionCode,
    ) -> Result<Vec<DivisionCode>, RegistryError> {
        Ok(self
            .divisions_under(county.as_str())
            .await?
            .into_iter()
            .filter(|d| d.code.len() == 12 && (d.poor_village || d.relocation_village))
            .filter_map(|d| DivisionCode::parse(&d.code).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn dazhou_seed_parses_with_designations() -> Result<(), RegistryError> {
        let divisions = parse_divisions_csv("seed", DAZHOU_DIVISIONS_CSV)?;
        assert_eq!(divisions.len(), 8);
        let xuanhan = divisions
            .iter()
            .find(|d| d.code == "511722")
            .ok_or_else(|| RegistryError::invalid("x", "", ""))?;
        assert_eq!(xuanhan.poverty_level.as_deref(), Some("national"));
        let exit = NaiveDate::from_ymd_opt(2020, 2, 18);
        let designation = xuanhan.designation();
        assert_eq!(designation.and_then(|d| d.exited_on), exit);
        assert!(
            xuanhan
                .exited_source
                .as_deref()
                .is_some_and(|s| s.contains("川府函〔2020〕33号"))
        );
        let national: Vec<&str> = divisions
            .iter()
            .filter(|d| d.poverty_level.as_deref() == Some("national"))
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(national, ["511722", "511781"]);
        let provincial = divisions
            .iter()
            .filter(|d| d.poverty_level.as_deref() == Some("provincial"))
            .count();
        assert_eq!(provincial, 5);
        Ok(())
    }

    /// Issue 13 item 12: the exits as the documents date them, each with its source; 待核
    /// where the exact day or document number is not known.
    #[test]
    fn every_dated_fact_carries_its_source() -> Result<(), RegistryError> {
        let divisions = parse_divisions_csv("seed", DAZHOU_DIVISIONS_CSV)?;
        let exit = |code: &str| {
            divisions
                .iter()
                .find(|d| d.code == code)
                .map(|d| {
                    (
                        d.exited_on.clone(),
                        d.exited_source.clone().unwrap_or_default(),
                    )
                })
                .unwrap_or_default()
        };
        for code in ["511703", "511723", "511724", "511725"] {
            let (on, source) = exit(code);
            assert_eq!(on.as_deref(), Some("2019-04-30"), "{code}");
            assert!(source.contains("平武县等30个县"), "{code}: {source}");
        }
        let (on, source) = exit("511702");
        assert_eq!(on.as_deref(), Some("2018-08-01"));
        assert!(
            source.contains("15 个县") && source.contains("待核"),
            "{source}"
        );
        for d in divisions.iter().filter(|d| d.level == "county") {
            assert!(d.designated_source.is_some(), "{}", d.code);
            assert!(
                d.exited_on.is_none() || d.exited_source.is_some(),
                "{}",
                d.code
            );
        }
        // A date without its source is refused, naming the line and the column.
        let err = parse_divisions_csv(
            "d.csv",
            "code,name,poverty_level,designated_source,exited_on\n511723,开江县,provincial,x,2019-04-30\n",
        );
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("d.csv:2 exited_source"), "{text}");
        let err = parse_divisions_csv(
            "d.csv",
            "code,name,poverty_level\n511723,开江县,provincial\n",
        );
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("d.csv:2 designated_source"), "{text}");
        Ok(())
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let err = parse_divisions_csv("v.csv", "code,name,poor_village\n511722104201,某村,maybe\n");
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("v.csv:2 poor_village"), "{text}");
        let err = parse_divisions_csv("v.csv", "code,name,colour\n");
        assert!(err.is_err());
        let err = parse_divisions_csv("v.csv", "code,name\n51172,x\n");
        assert!(
            err.err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("v.csv:2 code")
        );
    }
}
