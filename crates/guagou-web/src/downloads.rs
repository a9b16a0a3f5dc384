//! The parcels of a project version as files a land official opens in QGIS, ArcGIS or the
//! ministry's desktop tools (issue 15 item 6): per role (拆旧区, 安置区, 建新区), as the ministry
//! coordinate file (部标坐标文件: CGCS2000 3-degree Gauss–Krüger with the zone prefix, GBK), as
//! GeoJSON (longitude/latitude) and as a zipped Shapefile (the coordinate file's projection,
//! `.prj` included).
//!
//! The registry keeps each parcel as it was checked (GeoJSON in longitude/latitude, with its
//! planar and ellipsoidal areas); the files are written by `guagou-geo`'s writers, the same that
//! `guagou export` uses, so a download read back gives the areas the rules measured.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use guagou_geo::crs::Crs;
use guagou_geo::formats::{coordtxt, geojson, shp};
use guagou_geo::model::ParcelFile;
use guagou_registry::projects::ParcelSummary;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::PageUser;
use crate::catalogue::{Key, k};
use crate::error::{PageError, WebError};
use crate::html::Lang;

/// The parcel roles a project has, in the order of the page.
const ROLES: [(&str, Key); 3] = [
    ("demolition", k::DOWNLOAD_ROLE_DEMOLITION),
    ("resettlement", k::DOWNLOAD_ROLE_RESETTLEMENT),
    ("construction", k::DOWNLOAD_ROLE_CONSTRUCTION),
];

/// The file formats offered: the file name's extension and its name on the page.
const FORMATS: [(Format, &str, Key); 3] = [
    (Format::CoordinateFile, "txt", k::DOWNLOAD_COORDINATE_FILE),
    (Format::GeoJson, "geojson", k::DOWNLOAD_GEOJSON),
    (Format::Shapefile, "zip", k::DOWNLOAD_SHAPEFILE),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    CoordinateFile,
    GeoJson,
    Shapefile,
}

/// `demolition.txt` → (`demolition`, coordinate file); `None` for any other name.
fn parse_file_name(file: &str) -> Option<(&'static str, Format)> {
    let (role, extension) = file.split_once('.')?;
    let role = ROLES.iter().find(|(r, _)| *r == role)?.0;
    let format = FORMATS.iter().find(|(_, e, _)| *e == extension)?.0;
    Some((role, format))
}

#[derive(askama::Template)]
#[template(path = "downloads/links.html")]
struct Links<'a> {
    lang: Lang,
    rows: Vec<LinkRow<'a>>,
}

struct LinkRow<'a> {
    role: &'a str,
    name: &'a str,
    count: usize,
    links: Vec<(String, &'a str)>,
}

/// The download links of version `version` of project `code`, one row per role that has
/// parcels (`parcels`: the version's summary); empty when it has none.
pub fn links_html(lang: Lang, code: &str, version: i64, parcels: &[ParcelSummary]) -> String {
    let rows: Vec<LinkRow> = ROLES
        .iter()
        .filter_map(|(role, name)| {
            let count = parcels.iter().filter(|p| p.role == *role).count();
            (count > 0).then(|| LinkRow {
                role,
                name: lang.text(*name),
                count,
                links: FORMATS
                    .iter()
                    .map(|(_, extension, label)| {
                        (
                            format!(
                                "/projects/{code}/versions/{version}/parcels/{role}.{extension}"
                            ),
                            lang.text(*label),
                        )
                    })
                    .collect(),
            })
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    askama::Template::render(&Links { lang, rows }).unwrap_or_else(|e| {
        tracing::error!(error = %e, "download links template failed");
        String::new()
    })
}

/// Handles GET /projects/{code}/versions/{version}/parcels/{role}.{txt|geojson|zip}
pub async fn parcels_download(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((code, version, file)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (role, format) = parse_file_name(&file).ok_or(WebError::NotFound)?;
    let version: i64 = version.parse().map_err(|_| WebError::NotFound)?;
    let door = user.door(&state.registry);
    let project = door.project(&code).await.map_err(WebError::from)?;
    if !door
        .versions(&project.code)
        .await
        .map_err(WebError::from)?
        .iter()
        .any(|v| v.version == version)
    {
        return Err(WebError::NotFound.into());
    }
    let collection = door
        .parcel_features(&project.code, version)
        .await
        .map_err(WebError::from)?;
    let name = format!("{}-v{version}-{role}", project.code);
    let parcels = role_file(&name, &collection, role)?;
    let (content_type, extension, body) = write(&parcels, format)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The parcels of `role` among the stored features, read back as a parcel file in
/// longitude/latitude (the GeoJSON reader checks each geometry as an upload would).
fn role_file(name: &str, collection: &Value, role: &str) -> Result<ParcelFile, WebError> {
    let features: Vec<Value> = collection["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|f| f["properties"]["role"] == role)
        .map(|f| {
            json!({
                "type": "Feature",
                "properties": { "name": f["properties"]["name"] },
                "geometry": f["geometry"],
            })
        })
        .collect();
    if features.is_empty() {
        return Err(WebError::NotFound);
    }
    let text = json!({ "type": "FeatureCollection", "features": features }).to_string();
    geojson::read(name, text.as_bytes())
        .map_err(|e| WebError::Internal(format!("stored parcels of {name} not readable: {e}")))
}

/// The file of `parcels` in `format`: content type, extension and bytes.
fn write(
    parcels: &ParcelFile,
    format: Format,
) -> Result<(&'static str, &'static str, Vec<u8>), WebError> {
    let failed = |e: guagou_geo::GeoError| WebError::Internal(format!("parcel download: {e}"));
    Ok(match format {
        Format::CoordinateFile => (
            "text/plain; charset=GBK",
            "txt",
            coordtxt::write_gbk(parcels, None).map_err(failed)?,
        ),
        Format::GeoJson => (
            "application/geo+json",
            "geojson",
            geojson::write(parcels, None).map_err(failed)?.into_bytes(),
        ),
        Format::Shapefile => (
            "application/zip",
            "zip",
            shp::write_zip(parcels, Some(gauss_kruger_of(parcels)?)).map_err(failed)?,
        ),
    })
}

/// The CGCS2000 3-degree Gauss–Krüger zone (prefixed) of the parcels' mean longitude, the
/// projection the coordinate file uses too.
fn gauss_kruger_of(parcels: &ParcelFile) -> Result<Crs, WebError> {
    let longitudes: Vec<f64> = parcels
        .parcels
        .iter()
        .flat_map(|p| p.geometry.0.iter())
        .flat_map(|polygon| polygon.exterior().0.iter().map(|c| c.x))
        .collect();
    let count = longitudes.len().max(1) as f64;
    let mean = longitudes.iter().sum::<f64>() / count;
    Crs::zone_for_longitude(mean)
        .and_then(|zone| Crs::gauss_kruger(u32::from(zone), true))
        .map_err(|e| WebError::Internal(format!("parcel download: no zone for {mean}: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_roles_and_formats_are_files() {
        assert_eq!(
            parse_file_name("demolition.txt"),
            Some(("demolition", Format::CoordinateFile))
        );
        assert_eq!(
            parse_file_name("construction.zip"),
            Some(("construction", Format::Shapefile))
        );
        for bad in [
            "demolition",
            "roads.txt",
            "demolition.exe",
            "../x.txt",
            ".txt",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }
}
