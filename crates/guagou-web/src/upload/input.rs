//! What an upload form or API call sends: a multipart body read into text fields and files,
//! turned into a package zip (the `package` zip itself, a package built from the project
//! fields and files, or the current version's package with one file replaced).
//!
//! Field names (pages and API alike): `csrf`, `as_of` (`YYYY-MM-DD`, default today in
//! Asia/Shanghai), `reason`; `package` (a zip); or `code`, `name`, `township`, `villages`
//! (codes separated by commas or spaces), `households_resettled`, `persons_resettled`,
//! `potential_survey_date`, `willingness_survey_date`, files `demolition`, `resettlement`,
//! `construction` (several allowed), `households`, `relocation`, and
//! `justification.<RULE_ID>`; for a new version, `part` (`demolition` | `resettlement` |
//! `construction` | `households` | `relocation`) with `file`.

use crate::catalogue::k;
use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use chrono::NaiveDate;
use guagou_registry::packages::{
    MAX_PACKAGE_ZIP_BYTES, PackageFields, PackageFile, PackagePart, ParcelRole, StoredPackage,
    build_package_zip, replace_package_file,
};

use crate::error::WebError;

/// Most parts a form may have (a package has a handful of files).
const MAX_PARTS: usize = 200;
/// Longest text field (bytes).
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A multipart body: text fields (last value wins) and non-empty files, in order.
#[derive(Debug, Clone, Default)]
pub struct UploadInput {
    pub text: BTreeMap<String, String>,
    pub files: Vec<FilePart>,
}

/// A multipart error: over the body limit is `BodyTooLarge` (413), anything else malformed.
fn multipart_error(status: axum::http::StatusCode, detail: &str) -> WebError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::BodyTooLarge;
    }
    bad_body(detail)
}

fn bad_body(detail: &str) -> WebError {
    WebError::invalid_text(
        "body",
        format!("请求体应为 multipart/form-data 上传表单：{detail}"),
        format!("the body should be a multipart/form-data upload: {detail}"),
    )
}

/// Reads a multipart body with caps on parts, text and total file bytes.
pub async fn read_multipart(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<UploadInput, WebError> {
    let mut multipart = multipart.map_err(|e| multipart_error(e.status(), &e.body_text()))?;
    let mut input = UploadInput::default();
    let mut parts = 0;
    let mut total = 0usize;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e.status(), &e.body_text()))?
    {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad_body(&format!("more than {MAX_PARTS} parts")));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| multipart_error(e.status(), &e.body_text()))?;
        match file_name {
            Some(file_name) => {
                // A file input left empty still sends a part with no name and no bytes.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                total += bytes.len();
                if total > MAX_PACKAGE_ZIP_BYTES {
                    return Err(WebError::invalid_text(
                        "upload",
                        format!("上传的文件合计超过 {} MB", MAX_PACKAGE_ZIP_BYTES >> 20),
                        format!(
                            "the uploaded files exceed {} MB together",
                            MAX_PACKAGE_ZIP_BYTES >> 20
                        ),
                    ));
                }
                input.files.push(FilePart {
                    field: name,
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                if bytes.len() > MAX_TEXT_BYTES {
                    return Err(bad_body(&format!("field {name} is too long")));
                }
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| bad_body(&format!("field {name} is not UTF-8 text")))?;
                input.text.insert(name, text);
            }
        }
    }
    Ok(input)
}

/// Parses a `YYYY-MM-DD` date of field `field`; empty → today.
pub fn parse_as_of(
    field: &'static str,
    text: Option<&str>,
    today: NaiveDate,
) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            WebError::invalid_text(
                field,
                format!("{field}：日期 {t} 应为 YYYY-MM-DD"),
                format!("{field}: date {t} should be YYYY-MM-DD"),
            )
        }),
    }
}

/// Parses a whole number of field `field` (m², persons…); empty → None.
pub fn parse_count<T: std::str::FromStr>(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<T>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            WebError::invalid_text(
                field,
                format!("{field}：{t} 不是有效的整数"),
                format!("{field}: {t} is not a valid whole number"),
            )
        }),
    }
}

/// What a check or save is about.
#[derive(Debug, Clone)]
pub struct BuiltPackage {
    /// How messages name the upload (the zip's file name, or `project.toml` for a form).
    pub name: String,
    pub zip: Vec<u8>,
}

impl UploadInput {
    /// A text field, trimmed; empty → None.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.text
            .get(name)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
    }

    pub fn csrf(&self) -> Option<&str> {
        self.text.get("csrf").map(String::as_str)
    }

    pub fn as_of(&self, today: NaiveDate) -> Result<NaiveDate, WebError> {
        parse_as_of("as_of", self.text("as_of"), today)
    }

    pub fn reason(&self) -> String {
        self.text("reason").unwrap_or_default().to_owned()
    }

    fn files_of<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FilePart> + 'a {
        self.files.iter().filter(move |f| f.field == field)
    }

    fn one_file(&self, field: &'static str) -> Result<Option<PackageFile>, WebError> {
        let mut files = self.files_of(field);
        let first = files.next();
        if files.next().is_some() {
            return Err(WebError::invalid_text(
                field,
                format!("{field} 只能上传一个文件"),
                format!("{field} takes one file"),
            ));
        }
        Ok(first.map(|f| PackageFile {
            name: f.file_name.clone(),
            bytes: f.bytes.clone(),
        }))
    }

    /// The uploaded package zip, if the `package` field holds one.
    fn package_zip(&self) -> Result<Option<BuiltPackage>, WebError> {
        Ok(self.one_file("package")?.map(|f| BuiltPackage {
            name: if f.name.is_empty() {
                "package.zip".to_owned()
            } else {
                f.name
            },
            zip: f.bytes,
        }))
    }

    /// The package of a new project: the `package` zip, else one built from the project
    /// fields and files (county `county`: the uploading user's).
    pub fn new_project_package(&self, county: &str) -> Result<BuiltPackage, WebError> {
        if let Some(zip) = self.package_zip()? {
            return Ok(zip);
        }
        let fields = self.package_fields(county)?;
        Ok(BuiltPackage {
            name: "project.toml".to_owned(),
            zip: build_package_zip(&fields)?,
        })
    }

    /// The package of a new version: the `package` zip, else `base` (the current version's
    /// stored package) with the `part` file replaced by `file`.
    pub fn new_version_package(
        &self,
        base: Option<&StoredPackage>,
        current_version: i64,
    ) -> Result<BuiltPackage, WebError> {
        if let Some(zip) = self.package_zip()? {
            return Ok(zip);
        }
        let Some(file) = self.one_file("file")? else {
            return Err(WebError::invalid(
                "package",
                k::UPLOAD_THE_WHOLE_PACKAGE_ZIP_PACKAGE,
            ));
        };
        let part_text = self.text("part").unwrap_or_default();
        let part = PackagePart::parse(part_text).ok_or_else(|| {
            WebError::invalid_text(
                "part",
                format!("part 应为 demolition/resettlement/construction/households/relocation，而不是 '{part_text}'"),
                format!("part must be demolition, resettlement, construction, households or relocation, not '{part_text}'"),
            )
        })?;
        let Some(base) = base else {
            return Err(WebError::invalid_text(
                "part",
                format!(
                    "版本 {current_version} 没有存档的项目包（在上传存档之前登记），无法只替换一个文件；请上传完整的项目包 zip"
                ),
                format!(
                    "version {current_version} has no stored package (registered before packages were stored), so one file cannot be replaced; upload the whole package zip"
                ),
            ));
        };
        let zip = replace_package_file(&base.zip, part, &file)?;
        Ok(BuiltPackage {
            name: file.name,
            zip,
        })
    }

    /// The project fields and files of the "fill in the fields" form.
    fn package_fields(&self, county: &str) -> Result<PackageFields, WebError> {
        let mut parcels = Vec::new();
        for (field, role) in [
            ("demolition", ParcelRole::Demolition),
            ("resettlement", ParcelRole::Resettlement),
            ("construction", ParcelRole::Construction),
        ] {
            for file in self.files_of(field) {
                parcels.push((
                    role,
                    PackageFile {
                        name: file.file_name.clone(),
                        bytes: file.bytes.clone(),
                    },
                ));
            }
        }
        let villages = self
            .text("villages")
            .unwrap_or_default()
            .split(|c: char| c == ',' || c == '，' || c == '、' || c == ';' || c.is_whitespace())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        let justifications = self
            .text
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("justification.")
                    .map(|rule| (rule.to_owned(), v.trim().to_owned()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ok(PackageFields {
            code: self.text("code").unwrap_or_default().to_owned(),
            name: self.text("name").unwrap_or_default().to_owned(),
            county: county.to_owned(),
            township: self.text("township").map(str::to_owned),
            villages,
            households_resettled: parse_count(
                "households_resettled",
                self.text("households_resettled"),
            )?,
            persons_resettled: parse_count("persons_resettled", self.text("persons_resettled"))?,
            potential_survey_date: self.text("potential_survey_date").map(str::to_owned),
            willingness_survey_date: self.text("willingness_survey_date").map(str::to_owned),
            parcels,
            households: self.one_file("households")?,
            relocation: self.one_file("relocation")?,
            justifications,
        })
    }
}
