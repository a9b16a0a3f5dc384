//! The parcels of a project version as files (`downloads.rs`): each format read back gives
//! the parcels and the planar areas the rules measured; only readers of the project get them.

use crate::common::{Must, Session, demo_app};
use axum::http::{StatusCode, header};
use guagou_geo::formats::{coordtxt, geojson, shp};
use guagou_geo::{Crs, ParcelFile};

const OWN: &str = "511722-2018-001";

/// GET `path`: status and the raw bytes (the coordinate file is GBK).
async fn fetch(
    app: &crate::common::TestApp,
    session: &Session,
    path: &str,
) -> (StatusCode, Vec<u8>) {
    let (status, _, bytes) = crate::reports::get_bytes(app, session, path).await;
    (status, bytes)
}

/// The planar areas of `file`'s parcels by name, on their Gauss–Krüger plane.
fn planar_areas(file: &ParcelFile) -> Vec<(String, f64)> {
    let mut areas: Vec<(String, f64)> = file
        .parcels
        .iter()
        .map(|p| {
            let areas = guagou_geo::area::areas(&p.geometry, file.crs).must();
            (p.name.clone(), areas.planar_m2)
        })
        .collect();
    areas.sort_by(|a, b| a.0.cmp(&b.0));
    areas
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_versions_parcels_download_in_three_formats_with_the_measured_areas() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let detail = app
        .get(&county, &format!("/api/projects/{OWN}"))
        .await
        .json();
    let version = detail["project"]["current_version"].as_i64().must();
    let summary = detail["versions"]
        .as_array()
        .must()
        .iter()
        .find(|v| v["version"] == version)
        .must()["summary"]["parcels"]
        .clone();
    let mut stored: Vec<(String, f64)> = summary
        .as_array()
        .must()
        .iter()
        .filter(|p| p["role"] == "demolition")
        .map(|p| {
            (
                p["name"].as_str().must().to_owned(),
                p["planar_m2"].as_f64().must(),
            )
        })
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!stored.is_empty());

    // The project page links the current version's files per role.
    let page = app.get(&county, &format!("/projects/{OWN}")).await;
    let base = format!("/projects/{OWN}/versions/{version}/parcels");
    for file in ["demolition.txt", "demolition.geojson", "demolition.zip"] {
        assert!(
            page.body.contains(&format!("href=\"{base}/{file}\"")),
            "{file}: {}",
            page.body
        );
    }

    let same_areas = |label: &str, read: &ParcelFile| {
        let got = planar_areas(read);
        assert_eq!(got.len(), stored.len(), "{label}");
        for ((name, area), (stored_name, stored_area)) in got.iter().zip(&stored) {
            assert_eq!(name, stored_name, "{label}");
            assert!(
                (area - stored_area).abs() <= 0.1,
                "{label} {name}: {area} m² read back, {stored_area} m² measured"
            );
        }
    };

    // The ministry coordinate file: GBK, Gauss–Krüger with the zone prefix.
    let (status, bytes) = fetch(&app, &county, &format!("{base}/demolition.txt")).await;
    assert_eq!(status, StatusCode::OK);
    let reply = app.get(&county, &format!("{base}/demolition.txt")).await;
    let disposition = reply
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        disposition.contains(&format!("{OWN}-v{version}-demolition.txt")),
        "{disposition}"
    );
    let read = coordtxt::read("download.txt", &bytes).must();
    assert!(
        matches!(read.crs, Crs::GaussKruger { .. }),
        "{:?}",
        read.crs
    );
    same_areas("coordinate file", &read);

    // GeoJSON in longitude/latitude.
    let (status, bytes) = fetch(&app, &county, &format!("{base}/demolition.geojson")).await;
    assert_eq!(status, StatusCode::OK);
    let read = geojson::read("download.geojson", &bytes).must();
    assert_eq!(read.crs, Crs::Geographic);
    same_areas("geojson", &read);

    // The zipped Shapefile, projected like the coordinate file.
    let (status, bytes) = fetch(&app, &county, &format!("{base}/demolition.zip")).await;
    assert_eq!(status, StatusCode::OK);
    let read = shp::read_zip("download.zip", &bytes).must();
    assert!(
        matches!(read.crs, Crs::GaussKruger { .. }),
        "{:?}",
        read.crs
    );
    same_areas("shapefile", &read);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parcel_files_only_for_readers_of_the_project_and_real_versions() {
    let app = demo_app().await;
    let county = app.login("county").await;
    let other = app.login("other").await;
    let detail = app
        .get(&county, &format!("/api/projects/{OWN}"))
        .await
        .json();
    let version = detail["project"]["current_version"].as_i64().must();
    let path = format!("/projects/{OWN}/versions/{version}/parcels/demolition.txt");

    // Another county: the same answer as for a project that does not exist.
    assert_eq!(fetch(&app, &other, &path).await.0, StatusCode::NOT_FOUND);
    // Signed out: to the sign-in page.
    assert_eq!(
        fetch(&app, &Session::default(), &path).await.0,
        StatusCode::SEE_OTHER
    );
    for bad in [
        format!(
            "/projects/{OWN}/versions/{}/parcels/demolition.txt",
            version + 1
        ),
        format!("/projects/{OWN}/versions/x/parcels/demolition.txt"),
        format!("/projects/{OWN}/versions/{version}/parcels/roads.txt"),
        format!("/projects/{OWN}/versions/{version}/parcels/demolition.exe"),
        "/projects/511722-2099-999/versions/1/parcels/demolition.txt".to_owned(),
    ] {
        assert_eq!(
            fetch(&app, &county, &bad).await.0,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}
