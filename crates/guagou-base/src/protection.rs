//! The 三区三线 screening rules of a check (`guagou_domain::protection`), judged on a
//! protection layer: one stored by `guagou import protection` (read through its index), or any
//! parcel file in any CRS guagou reads (read whole: `guagou check --permanent-farmland FILE`…).

use std::path::Path;

use geo::MultiPolygon;
use guagou_check::measure::CheckOutcome;
use guagou_domain::Profile;
use guagou_domain::protection::{LayerHit, ProtectionKind, ScreenedParcel};
use guagou_geo::crs::transform_geometry;
use guagou_geo::{GeoError, GeoErrorKind, Location, overlay};

use crate::import::{ImportOptions, protection_ids, read_source};
use crate::layer::StoredLayer;

/// How a result names a protection feature: its source id and its name, when it has one.
fn feature_label(bsm: &str, name: &str) -> String {
    if name.trim().is_empty() {
        format!("BSM {bsm}")
    } else {
        format!("BSM {bsm} {name}")
    }
}

/// What of the layer at `path` lies under each of `parcels` (on `plane`): one list of hits per
/// parcel, in order.
pub async fn hits_on_layer(
    path: &Path,
    kind: ProtectionKind,
    plane: guagou_geo::Crs,
    parcels: &[MultiPolygon<f64>],
) -> Result<Vec<Vec<LayerHit>>, GeoError> {
    if StoredLayer::is_stored_protection(path).await {
        let mut layer = StoredLayer::open_protection(path).await?;
        if layer.crs != plane {
            return Err(GeoError::new(
                Location::file(path.display().to_string()),
                GeoErrorKind::MixedCrs {
                    first: plane.label(),
                    other: layer.crs.label(),
                },
            ));
        }
        let under = layer.overlay(parcels).await?;
        layer.close().await?;
        return Ok(under
            .into_iter()
            .map(|parcel| {
                parcel
                    .features
                    .iter()
                    .map(|f| LayerHit {
                        feature: feature_label(&f.bsm, &f.name),
                        area_m2: f.area_m2,
                    })
                    .collect()
            })
            .collect());
    }
    let file = read_source(path, &ImportOptions::default()).await?;
    let ids = protection_ids(&file, kind);
    let mut features = Vec::with_capacity(file.parcels.len());
    for parcel in &file.parcels {
        let on_plane = transform_geometry(&parcel.geometry, file.crs, plane).map_err(|e| {
            GeoError::new(
                Location::file(file.source.clone()).record(parcel.name.clone()),
                e,
            )
        })?;
        features.push(on_plane);
    }
    let mut out = vec![Vec::new(); parcels.len()];
    for hit in overlay::overlaps(parcels, &features, 0.0) {
        let (bsm, name) = ids.get(hit.right).cloned().unwrap_or_default();
        if let Some(slot) = out.get_mut(hit.left) {
            slot.push(LayerHit {
                feature: feature_label(&bsm, &name),
                area_m2: hit.area_m2,
            });
        }
    }
    Ok(out)
}

/// Overlays every parcel of the outcome on the protection layer of `kind` at `path` and judges
/// the rules that read it; `label` names the layer in the outcome.
pub async fn judge_protection(
    outcome: &mut CheckOutcome,
    profile: &Profile,
    kind: ProtectionKind,
    path: &Path,
    label: &str,
) -> Result<(), GeoError> {
    let screened = outcome.screened_parcels();
    let planes: Vec<MultiPolygon<f64>> = screened.iter().map(|(_, _, g)| (*g).clone()).collect();
    let hits = hits_on_layer(path, kind, outcome.plane, &planes).await?;
    let parcels: Vec<ScreenedParcel> = screened
        .iter()
        .zip(hits)
        .map(|((role, name, _), hits)| ScreenedParcel {
            role: *role,
            name: (*name).to_owned(),
            hits,
        })
        .collect();
    outcome.judge_protection(profile, kind, label, &parcels);
    Ok(())
}
