//! The public notice (公示) of a project and the villagers' objections (SPEC §7 household
//! lifecycle, seed 二(七): 保障农户的知情权、参与权).
//!
//! Publishing takes a snapshot: the project's name, township, villages and areas from its
//! current version, and its demolished households from the version's stored package (or, for a
//! project registered from a folder without a stored package, from a households CSV given with
//! the publish request), with every name MASKED before it is stored. Full names and household
//! ids never reach the notice tables. Objections are filed by anyone while the notice period is
//! open, at most `OBJECTIONS_PER_HOUR` per client address and notice, and answered by the
//! county's staff; every write is audited.
//!
//! Today and the recording time come from the registry's `Clock` (UTC+8 for the date), so a
//! test with a fixed clock is deterministic.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use guagou_check::Package;
use guagou_check::package::HouseholdRow;
use guagou_domain::lifecycle::Level;
use guagou_domain::notice::{
    self as rules, MAX_ANSWER_CHARS, MAX_CONTACT_CHARS, MAX_NAME_CHARS, MAX_OBJECTION_CHARS,
    NoticePeriod, OBJECTIONS_PER_HOUR, OBJECTIONS_PER_NOTICE_PER_HOUR, Standard,
};
use guagou_domain::profile::NoticeDurations;
use guagou_domain::{DivisionCode, ErrorCode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::RegistryError;
use crate::packages::{PackageFields, PackageFile, ParcelRole, build_package_zip, unpack_package};
use crate::projects::{load_current_version, load_project};
use crate::{Actor, Registry};

/// Why a notice step is refused: a row of the error table (`code()`) and messages from the
/// fields; the `Display` ("中文 / English") is for logs.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("{0}")]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Rule(#[from] rules::NoticeError),
    #[error("{} / {}", self.message_zh(), self.message_en())]
    RateLimited { per_hour: i64 },
    /// Too many objections to one notice in the last hour, from all addresses together: a
    /// flood from many addresses cannot bury a notice's real objections.
    #[error("{} / {}", self.message_zh(), self.message_en())]
    NoticeRateLimited { per_hour: i64 },
    #[error("{} / {}", self.message_zh(), self.message_en())]
    AlreadyAnswered { receipt: String },
    #[error("{} / {}", self.message_zh(), self.message_en())]
    ReceiptTaken,
}

impl NoticeError {
    /// The row of the error table: 429 for the hourly objection limit, 409 for a second
    /// answer or a receipt collision; the registry's and the rules' own otherwise.
    pub fn code(&self) -> ErrorCode {
        match self {
            NoticeError::Registry(e) => e.code(),
            NoticeError::Rule(e) => e.code(),
            NoticeError::RateLimited { .. } | NoticeError::NoticeRateLimited { .. } => {
                ErrorCode::ObjectionRateLimited
            }
            NoticeError::AlreadyAnswered { .. } => ErrorCode::AlreadyAnswered,
            NoticeError::ReceiptTaken => ErrorCode::ReceiptTaken,
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            NoticeError::Registry(e) => e.message_zh(),
            NoticeError::Rule(e) => e.message_zh(),
            NoticeError::RateLimited { per_hour } => {
                format!("提交过于频繁：每个地址每小时最多 {per_hour} 条异议，请稍后再试")
            }
            NoticeError::NoticeRateLimited { per_hour } => {
                format!("本公示近一小时的异议已达 {per_hour} 条上限，请稍后再试")
            }
            NoticeError::AlreadyAnswered { receipt } => format!("异议 {receipt} 已答复"),
            NoticeError::ReceiptTaken => "回执号冲突，请重试".to_owned(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            NoticeError::Registry(e) => e.message_en(),
            NoticeError::Rule(e) => e.message_en(),
            NoticeError::RateLimited { per_hour } => format!(
                "too many objections: at most {per_hour} per address and hour; please try again later"
            ),
            NoticeError::NoticeRateLimited { per_hour } => format!(
                "this notice received its limit of {per_hour} objections in the last hour; please try again later"
            ),
            NoticeError::AlreadyAnswered { receipt } => {
                format!("objection {receipt} is already answered")
            }
            NoticeError::ReceiptTaken => "receipt number collision; please try again".to_owned(),
        }
    }

    /// The input field at fault, if one is.
    pub fn field(&self) -> Option<String> {
        match self {
            NoticeError::Registry(e) => e.field(),
            NoticeError::Rule(e) => e.field().map(str::to_owned),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for NoticeError {
    fn from(e: sqlx::Error) -> Self {
        NoticeError::Registry(RegistryError::from(e))
    }
}

impl From<guagou_store::StoreError> for NoticeError {
    fn from(e: guagou_store::StoreError) -> Self {
        NoticeError::Registry(RegistryError::Store(e))
    }
}

/// For callers that speak `RegistryError` (the demo): other refusals become `Invalid`.
impl From<NoticeError> for RegistryError {
    fn from(e: NoticeError) -> Self {
        match e {
            NoticeError::Registry(inner) => inner,
            other => RegistryError::invalid("notice", other.message_zh(), other.message_en()),
        }
    }
}

/// What staff publish.
#[derive(Debug, Clone, Default)]
pub struct NoticeInput {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub standards: Vec<Standard>,
    /// Free text of the standards (the document's wording, conditions).
    pub standards_text: String,
    /// Who to contact (office, telephone).
    pub contact: String,
    /// A households CSV (docs/package.md columns), for a project without a stored package.
    pub households_csv: Option<Vec<u8>>,
}

/// A division as shown on the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

/// A household as published (name masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeHousehold {
    pub masked_name: String,
    pub village: Option<String>,
    pub persons: Option<i64>,
    /// consented | refused | pending
    pub consent: String,
    /// concentrated | monetary | self_arranged | dispersed
    pub method: Option<String>,
}

/// A published notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// `<project code>/<seq>`
    pub id: String,
    pub code: String,
    pub seq: i64,
    pub county: String,
    pub version: i64,
    pub project_name: String,
    pub township: Option<Place>,
    pub villages: Vec<Place>,
    pub demolition_m2: i64,
    pub resettlement_m2: i64,
    pub period: NoticePeriod,
    pub standards: Vec<Standard>,
    pub standards_text: String,
    pub contact: String,
    /// `package` | `upload`
    pub households_source: String,
    pub published_by: String,
    pub published_at: String,
    pub households_count: i64,
    /// Empty in listings; filled by `Registry::notice`.
    pub households: Vec<NoticeHousehold>,
}

/// The staff's answer to an objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub text: String,
    pub answered_on: NaiveDate,
    pub answered_by: String,
    pub answered_at: String,
}

/// An objection as stored (the objector's name in full: staff only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objection {
    pub receipt: String,
    pub notice_id: String,
    pub code: String,
    /// As given; empty when anonymous.
    pub objector: String,
    pub contact: String,
    pub text: String,
    pub filed_at: String,
    pub filed_on: NaiveDate,
    pub answer: Option<Answer>,
}

impl Objection {
    /// The day the answer is due (the profile's `notice.answer_within_days` after filing).
    pub fn answer_due(&self, durations: &NoticeDurations) -> NaiveDate {
        rules::answer_due(durations, self.filed_on)
    }

    pub fn is_overdue(&self, durations: &NoticeDurations, today: NaiveDate) -> bool {
        rules::is_overdue(durations, self.filed_on, self.answer.is_some(), today)
    }
}

/// What a villager files.
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    /// Empty: anonymous.
    pub objector: String,
    pub contact: String,
    pub text: String,
}

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> NoticeError {
    NoticeError::Registry(RegistryError::invalid(field, zh, en))
}

fn parse_day(text: &str) -> Result<NaiveDate, NoticeError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        invalid(
            "date",
            format!("存储的日期 '{text}' 无效"),
            format!("stored date '{text}' is invalid"),
        )
    })
}

/// A snapshot column as JSON text.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, NoticeError> {
    serde_json::to_string(value).map_err(|e| {
        invalid(
            "json",
            format!("无法写出：{e}"),
            format!("cannot serialize: {e}"),
        )
    })
}

fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The SHA-256 of a client address: enough to count its objections, not to show it.
fn client_hash(client_key: &str) -> String {
    hex_digest(&format!("guagou-objection-client:{client_key}"))
}

fn hex_digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const NOTICE_COLUMNS: &str = "n.id, n.code, n.seq, n.county, n.version, n.project_name, n.township, n.villages, \
     n.demolition_m2, n.resettlement_m2, n.starts_on, n.ends_on, n.standards, n.standards_text, n.contact, \
     n.households_source, n.published_by, n.published_at, \
     (SELECT COUNT(*) FROM notice_households h WHERE h.notice_id = n.id) AS households_count";

const OBJECTION_COLUMNS: &str = "receipt, notice_id, code, objector, contact, text, filed_at, filed_on, \
     answer, answered_on, answered_by, answered_at";

fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> Result<T, NoticeError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| {
        invalid(
            column,
            format!("存储的 {column} 无法读取：{e}"),
            format!("stored {column} cannot be read: {e}"),
        )
    })
}

fn notice_from_row(row: &AnyRow) -> Result<Notice, NoticeError> {
    let starts_on: String = row.try_get("starts_on")?;
    let ends_on: String = row.try_get("ends_on")?;
    Ok(Notice {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        seq: row.try_get("seq")?,
        county: row.try_get("county")?,
        version: row.try_get("version")?,
        project_name: row.try_get("project_name")?,
        township: json_column(row, "township")?,
        villages: json_column(row, "villages")?,
        demolition_m2: row.try_get("demolition_m2")?,
        resettlement_m2: row.try_get("resettlement_m2")?,
        period: NoticePeriod {
            starts_on: parse_day(&starts_on)?,
            ends_on: parse_day(&ends_on)?,
        },
        standards: json_column(row, "standards")?,
        standards_text: row.try_get("standards_text")?,
        contact: row.try_get("contact")?,
        households_source: row.try_get("households_source")?,
        published_by: row.try_get("published_by")?,
        published_at: row.try_get("published_at")?,
        households_count: row.try_get("households_count")?,
        households: Vec::new(),
    })
}

fn objection_from_row(row: &AnyRow) -> Result<Objection, NoticeError> {
    let filed_on: String = row.try_get("filed_on")?;
    let answer: Option<String> = row.try_get("answer")?;
    let answer = match answer {
        None => None,
        Some(text) => {
            let on: Option<String> = row.try_get("answered_on")?;
            Some(Answer {
                text,
                answered_on: parse_day(on.as_deref().unwrap_or_default())?,
                answered_by: row
                    .try_get::<Option<String>, _>("answered_by")?
                    .unwrap_or_default(),
                answered_at: row
                    .try_get::<Option<String>, _>("answered_at")?
                    .unwrap_or_default(),
            })
        }
    };
    Ok(Objection {
        receipt: row.try_get("receipt")?,
        notice_id: row.try_get("notice_id")?,
        code: row.try_get("code")?,
        objector: row.try_get("objector")?,
        contact: row.try_get("contact")?,
        text: row.try_get("text")?,
        filed_at: row.try_get("filed_at")?,
        filed_on: parse_day(&filed_on)?,
        answer,
    })
}

/// A deterministic receipt nonce for demo data.
fn demo_nonce(seed: &str) -> Vec<String> {
    vec![hex_digest(seed).chars().take(8).collect()]
}

/// Reads the households table of a package folder.
fn households_of_folder(dir: &Path) -> Result<Option<Vec<HouseholdRow>>, NoticeError> {
    let package = Package::read(dir).map_err(RegistryError::from)?;
    Ok(package.households)
}

/// Reads a households CSV given alone, with the package reader (same columns, aliases and
/// messages as in a package): it is wrapped in a minimal package whose parcel file is never
/// read.
fn households_of_csv(
    code: &str,
    name: &str,
    county: &str,
    csv: &[u8],
) -> Result<Vec<HouseholdRow>, NoticeError> {
    let fields = PackageFields {
        code: code.to_owned(),
        name: name.to_owned(),
        county: county.to_owned(),
        parcels: vec![(
            ParcelRole::Demolition,
            PackageFile {
                name: "unused.txt".into(),
                bytes: Vec::new(),
            },
        )],
        households: Some(PackageFile {
            name: "households.csv".into(),
            bytes: csv.to_vec(),
        }),
        ..PackageFields::default()
    };
    let zip = build_package_zip(&fields)?;
    let unpacked = unpack_package("households.csv", &zip)?;
    let package = Package::read(unpacked.dir())
        .map_err(|e| RegistryError::Package(unpacked.relabel_package_error(e)))?;
    Ok(package.households.unwrap_or_default())
}

/// The published form of a household: its name masked, nothing else identifying.
fn published(row: &HouseholdRow) -> NoticeHousehold {
    NoticeHousehold {
        masked_name: rules::mask_name(&row.name),
        village: row.village.as_ref().map(ToString::to_string),
        persons: row.persons.and_then(|p| i64::try_from(p).ok()),
        consent: rules::consent_code(row.consent).to_owned(),
        method: row.method.map(|m| rules::method_code(m).to_owned()),
    }
}

impl Registry {
    /// The recording time, in UTC.
    fn notice_now(&self) -> Result<DateTime<Utc>, NoticeError> {
        let text = self.clock.now_rfc3339();
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                invalid(
                    "clock",
                    format!("时钟给出的时间 '{text}' 无效"),
                    format!("the clock gave an invalid time '{text}'"),
                )
            })
    }

    /// Today in China (UTC+8) by the registry's clock: the day notice periods are judged on.
    pub(crate) fn notice_today(&self) -> Result<NaiveDate, NoticeError> {
        Ok((self.notice_now()? + Duration::hours(8)).date_naive())
    }

    async fn place(&self, code: &str) -> Result<Place, NoticeError> {
        let name = match self.division(code).await {
            Ok(d) => d.name,
            Err(RegistryError::NotFound { .. }) => code.to_owned(),
            Err(e) => return Err(e.into()),
        };
        Ok(Place {
            code: code.to_owned(),
            name,
        })
    }

    /// Publishes a notice of project `code` (county land bureau of the project's county): the
    /// households come from the current version's stored package, else from
    /// `input.households_csv`. Audited as `notice.publish`.
    pub(crate) async fn publish_notice(
        &self,
        actor: &Actor,
        code: &str,
        input: &NoticeInput,
    ) -> Result<Notice, NoticeError> {
        let project = self.project(code).await?;
        self.require_notice_staff(actor, &project.county)?;
        let stored = match self.stored_package(code, project.current_version).await {
            Ok(p) => Some(p),
            Err(RegistryError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let from_package = match &stored {
            Some(p) => {
                let unpacked = unpack_package(&format!("{code}.zip"), &p.zip)?;
                households_of_folder(unpacked.dir())?
            }
            None => None,
        };
        let (rows, source) = match (from_package, &input.households_csv) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "households",
                    "当前版本的项目包已有农户表，公示以其为准；请勿另行上传农户表（如需更正，请先上传新版本）",
                    "the current version's stored package has a households table, which the notice uses; do not upload another one (to correct it, add a new version first)",
                ));
            }
            (Some(rows), None) => (rows, "package"),
            (None, Some(csv)) => (
                households_of_csv(code, &project.name, &project.county, csv)?,
                "upload",
            ),
            (None, None) => {
                return Err(invalid(
                    "households",
                    "项目当前版本没有存档的农户表，请随公示上传农户表 CSV（列：id, name, consent, method, persons…）",
                    "the project's current version has no stored households table: upload a households CSV with the notice (columns id, name, consent, method, persons, …)",
                ));
            }
        };
        // Where the households come from was decided for the current version: publishing
        // checks, in its transaction, that the version is still current.
        let version = Some(project.current_version);
        self.publish_notice_rows(actor, code, input, &rows, (source, version))
            .await
    }

    fn require_notice_staff(&self, actor: &Actor, county: &str) -> Result<(), NoticeError> {
        actor.require_level(Level::County)?;
        let county = DivisionCode::parse(county)
            .map_err(|e| RegistryError::invalid("county", e.to_string(), e.to_string()))?;
        actor.require_jurisdiction(&county)?;
        Ok(())
    }

    /// Validates the input and writes the snapshot with `rows` (names masked here). `from` is
    /// where the rows came from: `package` or `upload`, and the version whose stored package
    /// they were read from, if one was (it must still be current when the notice is written).
    async fn publish_notice_rows(
        &self,
        actor: &Actor,
        code: &str,
        input: &NoticeInput,
        rows: &[HouseholdRow],
        from: (&str, Option<i64>),
    ) -> Result<Notice, NoticeError> {
        let (source, rows_version) = from;
        let (Some(starts_on), Some(ends_on)) = (input.starts_on, input.ends_on) else {
            return Err(invalid(
                "period",
                "请填写公示起止日期",
                "the notice period (start and end dates) is required",
            ));
        };
        let period = NoticePeriod::new(&self.profile.notice, starts_on, ends_on)?;
        for standard in &input.standards {
            standard.validate()?;
        }
        if input.standards.is_empty() && input.standards_text.trim().is_empty() {
            return Err(invalid(
                "standards",
                "请填写补偿标准",
                "the compensation standards are required",
            ));
        }
        let contact = rules::bounded_text("contact", &input.contact, 500, true)?;
        let standards_text =
            rules::bounded_text("standards_text", &input.standards_text, 8_000, false)?;
        if rows.is_empty() {
            return Err(invalid(
                "households",
                "农户表没有任何农户",
                "the households table lists no household",
            ));
        }
        let mut tx = self.store.begin_write().await?;
        let project = load_project(tx.connection(), code).await?;
        self.require_notice_staff(actor, &project.county)?;
        if rows_version.is_some_and(|v| v != project.current_version) {
            return Err(RegistryError::conflict(
                ErrorCode::VersionChanged,
                format!("项目 {code} 已有新的当前版本，请重新发布公示"),
                format!("project {code} has a new current version: publish the notice again"),
            )
            .into());
        }
        let version = load_current_version(tx.connection(), &project).await?;
        // Division names are reference data, read from the pool under this write lock.
        let township = match &version.summary.township {
            Some(t) => Some(self.place(t).await?),
            None => None,
        };
        let mut villages = Vec::new();
        for v in &version.summary.villages {
            villages.push(self.place(v).await?);
        }
        let households: Vec<NoticeHousehold> = rows.iter().map(published).collect();
        let published_at = utc_text(self.notice_now()?);

        let seq: i64 =
            sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM notices WHERE code = $1")
                .bind(code)
                .fetch_one(tx.connection())
                .await?
                .try_get("next")?;
        let id = format!("{code}/{seq}");
        sqlx::query(
            "INSERT INTO notices (id, code, seq, county, version, project_name, township, villages, \
             demolition_m2, resettlement_m2, starts_on, ends_on, standards, standards_text, contact, \
             households_source, published_by, published_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
        )
        .bind(&id)
        .bind(code)
        .bind(seq)
        .bind(&project.county)
        .bind(version.version)
        .bind(&project.name)
        .bind(to_json(&township)?)
        .bind(to_json(&villages)?)
        .bind(version.summary.demolition_m2)
        .bind(version.summary.resettlement_m2)
        .bind(starts_on.to_string())
        .bind(ends_on.to_string())
        .bind(to_json(&input.standards)?)
        .bind(&standards_text)
        .bind(&contact)
        .bind(source)
        .bind(actor.to_string())
        .bind(&published_at)
        .execute(tx.connection())
        .await?;
        for (idx, h) in households.iter().enumerate() {
            sqlx::query(
                "INSERT INTO notice_households (notice_id, idx, masked_name, village, persons, consent, method) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(&id)
            .bind(i64::try_from(idx).unwrap_or(i64::MAX))
            .bind(&h.masked_name)
            .bind(&h.village)
            .bind(h.persons)
            .bind(&h.consent)
            .bind(&h.method)
            .execute(tx.connection())
            .await?;
        }
        let payload = serde_json::json!({
            "project": code,
            "notice": id,
            "version": version.version,
            "starts_on": starts_on.to_string(),
            "ends_on": ends_on.to_string(),
            "households": households.len(),
            "households_source": source,
            "standards": input.standards,
        });
        self.audit(
            &mut tx,
            actor,
            "notice.publish",
            code,
            &format!("公示 {starts_on} 至 {ends_on}"),
            payload,
        )
        .await?;
        tx.commit().await?;
        Ok(Notice {
            id,
            code: code.to_owned(),
            seq,
            county: project.county,
            version: version.version,
            project_name: project.name,
            township,
            villages,
            demolition_m2: version.summary.demolition_m2,
            resettlement_m2: version.summary.resettlement_m2,
            period,
            standards: input.standards.clone(),
            standards_text,
            contact,
            households_source: source.to_owned(),
            published_by: actor.to_string(),
            published_at,
            households_count: i64::try_from(households.len()).unwrap_or(i64::MAX),
            households,
        })
    }

    /// The latest notice of project `code` with its households, if one was published.
    pub(crate) async fn public_notice(&self, code: &str) -> Result<Option<Notice>, NoticeError> {
        let mut conn = self.read_conn().await?;
        let Some(mut notice) = load_latest_notice(&mut conn, code).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT masked_name, village, persons, consent, method FROM notice_households \
             WHERE notice_id = $1 ORDER BY idx",
        )
        .bind(&notice.id)
        .fetch_all(&mut *conn)
        .await?;
        notice.households = rows
            .iter()
            .map(|r| {
                Ok(NoticeHousehold {
                    masked_name: r.try_get("masked_name")?,
                    village: r.try_get("village")?,
                    persons: r.try_get("persons")?,
                    consent: r.try_get("consent")?,
                    method: r.try_get("method")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(notice))
    }

    /// The latest notice of every project (without households), newest period first.
    pub(crate) async fn public_notices(&self) -> Result<Vec<Notice>, NoticeError> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n \
             WHERE n.seq = (SELECT MAX(m.seq) FROM notices m WHERE m.code = n.code) \
             ORDER BY n.starts_on DESC, n.code"
        ))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// The objections of project `code` (every notice of it), oldest first.
    pub(crate) async fn notice_objections(
        &self,
        code: &str,
    ) -> Result<Vec<Objection>, NoticeError> {
        let rows = sqlx::query(&format!(
            "SELECT {OBJECTION_COLUMNS} FROM notice_objections WHERE code = $1 ORDER BY filed_at, receipt"
        ))
        .bind(code)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(objection_from_row).collect()
    }

    /// Every objection not yet answered, oldest first.
    pub(crate) async fn unanswered_objections(&self) -> Result<Vec<Objection>, NoticeError> {
        let rows = sqlx::query(&format!(
            "SELECT {OBJECTION_COLUMNS} FROM notice_objections WHERE answered_on IS NULL \
             ORDER BY filed_at, receipt"
        ))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(objection_from_row).collect()
    }

    /// One objection by its receipt number.
    pub(crate) async fn notice_objection(&self, receipt: &str) -> Result<Objection, NoticeError> {
        load_objection(&mut *self.read_conn().await?, receipt).await
    }

    /// Files an objection to the latest notice of project `code`, from anyone, while its period
    /// is open and the client (`client_key`: its address) has filed fewer than
    /// `OBJECTIONS_PER_HOUR` to this notice in the past hour. `nonces` are random hex strings
    /// for the receipt number; the first one not yet used is taken. Audited as
    /// `notice.objection` (without the objector's name or text).
    pub(crate) async fn file_objection(
        &self,
        code: &str,
        input: &ObjectionInput,
        client_key: &str,
        nonces: &[String],
    ) -> Result<Objection, NoticeError> {
        let now = self.notice_now()?;
        let mut tx = self.store.begin_write().await?;
        // The notice (and so its period) is the latest as this transaction reads it.
        let notice = load_latest_notice(tx.connection(), code)
            .await?
            .ok_or_else(|| RegistryError::NotFound {
                what: "公示/notice",
                id: code.to_owned(),
            })?;
        notice.period.require_open(self.notice_today()?)?;
        let objection = Objection {
            receipt: String::new(),
            notice_id: notice.id.clone(),
            code: code.to_owned(),
            objector: rules::bounded_text("name", &input.objector, MAX_NAME_CHARS, false)?,
            contact: rules::bounded_text("contact", &input.contact, MAX_CONTACT_CHARS, false)?,
            text: rules::bounded_text("text", &input.text, MAX_OBJECTION_CHARS, true)?,
            filed_at: utc_text(now),
            filed_on: (now + Duration::hours(8)).date_naive(),
            answer: None,
        };
        let objection = self
            .insert_objection_in(
                &mut tx,
                objection,
                &client_hash(client_key),
                Some(now),
                nonces,
            )
            .await?;
        tx.commit().await?;
        Ok(objection)
    }

    /// Writes an objection in its own transaction (the demo's, without the hourly limit).
    async fn insert_objection(
        &self,
        objection: Objection,
        client_hash: &str,
        limit_from: Option<DateTime<Utc>>,
        nonces: &[String],
    ) -> Result<Objection, NoticeError> {
        let mut tx = self.store.begin_write().await?;
        let objection = self
            .insert_objection_in(&mut tx, objection, client_hash, limit_from, nonces)
            .await?;
        tx.commit().await?;
        Ok(objection)
    }

    /// Writes an objection in `tx` (with the hourly limit when `limit_from` is the time now).
    async fn insert_objection_in(
        &self,
        tx: &mut guagou_store::WriteTx,
        mut objection: Objection,
        client_hash: &str,
        limit_from: Option<DateTime<Utc>>,
        nonces: &[String],
    ) -> Result<Objection, NoticeError> {
        if let Some(now) = limit_from {
            let since = utc_text(now - Duration::hours(1));
            let recent: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM notice_objections WHERE notice_id = $1 AND client_hash = $2 AND filed_at > $3",
            )
            .bind(&objection.notice_id)
            .bind(client_hash)
            .bind(&since)
            .fetch_one(tx.connection())
            .await?
            .try_get("n")?;
            if recent >= OBJECTIONS_PER_HOUR {
                return Err(NoticeError::RateLimited {
                    per_hour: OBJECTIONS_PER_HOUR,
                });
            }
            let to_notice: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM notice_objections WHERE notice_id = $1 AND filed_at > $2",
            )
            .bind(&objection.notice_id)
            .bind(&since)
            .fetch_one(tx.connection())
            .await?
            .try_get("n")?;
            if to_notice >= OBJECTIONS_PER_NOTICE_PER_HOUR {
                return Err(NoticeError::NoticeRateLimited {
                    per_hour: OBJECTIONS_PER_NOTICE_PER_HOUR,
                });
            }
        }
        let mut receipt = None;
        for nonce in nonces {
            let candidate = rules::receipt(&objection.code, nonce);
            let taken = sqlx::query("SELECT receipt FROM notice_objections WHERE receipt = $1")
                .bind(&candidate)
                .fetch_optional(tx.connection())
                .await?
                .is_some();
            if !taken {
                receipt = Some(candidate);
                break;
            }
        }
        let Some(receipt) = receipt else {
            return Err(NoticeError::ReceiptTaken);
        };
        objection.receipt = receipt;
        sqlx::query(
            "INSERT INTO notice_objections (receipt, notice_id, code, objector, contact, text, client_hash, filed_at, filed_on) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&objection.receipt)
        .bind(&objection.notice_id)
        .bind(&objection.code)
        .bind(&objection.objector)
        .bind(&objection.contact)
        .bind(&objection.text)
        .bind(client_hash)
        .bind(&objection.filed_at)
        .bind(objection.filed_on.to_string())
        .execute(tx.connection())
        .await?;
        self.audit_as(
            tx,
            "public",
            "notice.objection",
            &objection.receipt,
            "村民异议",
            serde_json::json!({
                "project": objection.code,
                "notice": objection.notice_id,
                "anonymous": objection.objector.is_empty(),
            }),
        )
        .await?;
        Ok(objection)
    }

    /// Answers an objection (county land bureau of the notice's county), once. The answer is
    /// public. Audited as `notice.answer`.
    pub(crate) async fn answer_objection(
        &self,
        actor: &Actor,
        receipt: &str,
        text: &str,
        answered_on: NaiveDate,
    ) -> Result<Objection, NoticeError> {
        let answered_at = utc_text(self.notice_now()?);
        let mut tx = self.store.begin_write().await?;
        let mut objection = load_objection(tx.connection(), receipt).await?;
        let project = load_project(tx.connection(), &objection.code).await?;
        self.require_notice_staff(actor, &project.county)?;
        let text = rules::bounded_text("answer", text, MAX_ANSWER_CHARS, true)?;
        if objection.answer.is_some() {
            return Err(NoticeError::AlreadyAnswered {
                receipt: receipt.to_owned(),
            });
        }
        if answered_on < objection.filed_on {
            return Err(invalid(
                "as_of",
                format!("答复日期不能早于异议提交日 {}", objection.filed_on),
                format!(
                    "the answer may not be dated before the objection ({})",
                    objection.filed_on
                ),
            ));
        }
        // Only an unanswered objection is updated: a second answer changes no row.
        let done = sqlx::query(
            "UPDATE notice_objections SET answer = $1, answered_on = $2, answered_by = $3, answered_at = $4 \
             WHERE receipt = $5 AND answer IS NULL",
        )
        .bind(&text)
        .bind(answered_on.to_string())
        .bind(actor.to_string())
        .bind(&answered_at)
        .bind(receipt)
        .execute(tx.connection())
        .await?;
        if done.rows_affected() == 0 {
            return Err(NoticeError::AlreadyAnswered {
                receipt: receipt.to_owned(),
            });
        }
        self.audit(
            &mut tx,
            actor,
            "notice.answer",
            receipt,
            "答复村民异议",
            serde_json::json!({ "project": objection.code, "notice": objection.notice_id }),
        )
        .await?;
        tx.commit().await?;
        objection.answer = Some(Answer {
            text,
            answered_on,
            answered_by: actor.to_string(),
            answered_at,
        });
        Ok(objection)
    }

    /// The demo's notices (called once at the end of `build_demo`): a closed 2018 notice of
    /// 511722-2018-001 with one answered and one overdue objection, and an open notice of the
    /// draft project 511722-2019-003 around the demo's today (the clock's, on the story's own
    /// dates), with one objection waiting. Dates and codes move with `cal`.
    pub(crate) async fn demo_notice(
        &self,
        packages_dir: &Path,
        cal: &crate::demo::DemoCalendar,
    ) -> Result<(), NoticeError> {
        let staff = Actor::parse("县局经办人@511722")?;
        let standards = vec![
            Standard {
                item: "砖混结构房屋补偿".into(),
                basis: rules::Basis::PerM2,
                amount_fen: 65_000,
            },
            Standard {
                item: "搬迁奖励".into(),
                basis: rules::Basis::PerHousehold,
                amount_fen: 500_000,
            },
            Standard {
                item: "临时过渡费".into(),
                basis: rules::Basis::PerPerson,
                amount_fen: 30_000,
            },
        ];
        let day = |y, m, d| cal.date(y, m, d);
        let base = NoticeInput {
            standards,
            standards_text:
                "补偿标准依据《宣汉县城乡建设用地增减挂钩项目拆迁补偿安置办法》（演示数据）".into(),
            contact: "宣汉县国土资源局 耕保股 0818-0000000（演示）".into(),
            ..NoticeInput::default()
        };
        // A closed notice of 2018, before the willingness survey.
        let old = &cal.code("511722-2018-001");
        let rows = households_of_folder(&packages_dir.join(old))?.unwrap_or_default();
        let input = NoticeInput {
            starts_on: Some(day(2018, 3, 5)?),
            ends_on: Some(day(2018, 3, 19)?),
            ..base.clone()
        };
        let notice = self
            .publish_notice_rows(&staff, old, &input, &rows, ("package", None))
            .await?;
        let objection = |objector: &str, text: &str, filed_at: &str, filed_on| Objection {
            receipt: String::new(),
            notice_id: notice.id.clone(),
            code: old.to_owned(),
            objector: objector.to_owned(),
            contact: String::new(),
            text: text.to_owned(),
            filed_at: filed_at.to_owned(),
            filed_on,
            answer: None,
        };
        let first = objection(
            "王明",
            "我家偏房面积少算了 12 平方米，请复核。",
            &format!("{}T02:00:00Z", day(2018, 3, 10)?),
            day(2018, 3, 10)?,
        );
        let first = self
            .insert_objection(first, &client_hash("demo-1"), None, &demo_nonce("demo-1"))
            .await?;
        self.answer_objection(
            &staff,
            &first.receipt,
            "经实地复核，偏房面积已更正为 36 平方米，补偿款相应调整。",
            day(2018, 3, 15)?,
        )
        .await?;
        let second = objection(
            "",
            "安置点离耕地太远，希望调整选址。",
            &format!("{}T03:00:00Z", day(2018, 3, 12)?),
            day(2018, 3, 12)?,
        );
        self.insert_objection(second, &client_hash("demo-2"), None, &demo_nonce("demo-2"))
            .await?;

        // An open notice around today (by the registry's clock).
        let current = &cal.code("511722-2019-003");
        let today = match cal.today() {
            Some(today) => today,
            None => self.notice_today()?,
        };
        let rows = households_of_folder(&packages_dir.join(current))?.unwrap_or_default();
        let input = NoticeInput {
            starts_on: Some(today - Duration::days(2)),
            ends_on: Some(today + Duration::days(20)),
            ..base
        };
        let notice = self
            .publish_notice_rows(&staff, current, &input, &rows, ("package", None))
            .await?;
        let now = self.notice_now()?;
        let waiting = Objection {
            receipt: String::new(),
            notice_id: notice.id.clone(),
            code: current.to_owned(),
            objector: String::new(),
            contact: String::new(),
            text: "希望公布安置房户型图。".into(),
            filed_at: utc_text(now),
            filed_on: today,
            answer: None,
        };
        self.insert_objection(waiting, &client_hash("demo-3"), None, &demo_nonce("demo-3"))
            .await?;
        Ok(())
    }
}

/// The latest notice of project `code` (without its households), read on `conn` (the pool's
/// or a write transaction's).
async fn load_latest_notice(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<Notice>, NoticeError> {
    let row = sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.code = $1 ORDER BY n.seq DESC LIMIT 1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(notice_from_row).transpose()
}

/// One objection by its receipt number, read on `conn`.
async fn load_objection(conn: &mut AnyConnection, receipt: &str) -> Result<Objection, NoticeError> {
    let not_found = || RegistryError::NotFound {
        what: "异议/objection",
        id: receipt.to_owned(),
    };
    if !rules::receipt_looks_valid(receipt) {
        return Err(not_found().into());
    }
    let row = sqlx::query(&format!(
        "SELECT {OBJECTION_COLUMNS} FROM notice_objections WHERE receipt = $1"
    ))
    .bind(receipt)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)?;
    objection_from_row(&row)
}
