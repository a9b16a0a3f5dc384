//! The land-use rules of a check, judged on a stored layer.

use std::path::Path;

use guagou_check::measure::{CheckOutcome, LandUseRule, ParcelClasses};
use guagou_domain::Profile;
use guagou_domain::landclass::LandClassTable;
use guagou_geo::GeoError;

use crate::layer::{LandUseLayer, ParcelLandUse};

/// How a result names a feature under a parcel: its source id, class and area.
pub fn describe(land_use: &ParcelLandUse) -> ParcelClasses {
    ParcelClasses {
        classes: land_use.classes.clone(),
        features: land_use
            .features
            .iter()
            .map(|f| {
                let key = guagou_domain::landrules::class_key(&f.code, Some(&f.czcsxm));
                format!("BSM {} {key} {:.1} m²", f.bsm, f.area_m2)
            })
            .collect(),
    }
}

/// Overlays the outcome's demolition parcels on the stored layer at `path` and judges `rule`
/// with what lies under them; `label` names the layer in the outcome. Returns the land use
/// per demolition parcel (in report order) for callers that show or export it.
pub async fn judge_on_layer(
    outcome: &mut CheckOutcome,
    profile: &Profile,
    table: &LandClassTable,
    rule: LandUseRule,
    path: &Path,
    label: &str,
) -> Result<Vec<ParcelLandUse>, GeoError> {
    let mut layer = LandUseLayer::open(path).await?;
    if layer.crs != outcome.plane {
        return Err(GeoError::new(
            guagou_geo::Location::file(path.display().to_string()),
            guagou_geo::GeoErrorKind::MixedCrs {
                first: outcome.plane.label(),
                other: layer.crs.label(),
            },
        ));
    }
    let land_use = layer.overlay(&outcome.demolition_planes()).await?;
    layer.close().await?;
    let measured = land_use.iter().map(describe).collect();
    outcome.judge_land_use(profile, table, rule, label, measured);
    Ok(land_use)
}

/// A land-use rule for parcels that are not in a check outcome (the registry's acceptance):
/// `parcels` are (name, geometry on the layer's plane). Returns the rule's result and the land
/// use under each parcel (in `parcels` order), from which the acceptance's 新增耕地 is compared.
pub async fn rule_on_layer(
    profile: &Profile,
    table: &LandClassTable,
    rule: LandUseRule,
    as_of: chrono::NaiveDate,
    path: &Path,
    parcels: &[(String, geo::MultiPolygon<f64>)],
) -> Result<(Option<guagou_domain::check::RuleResult>, Vec<ParcelLandUse>), GeoError> {
    let mut layer = LandUseLayer::open(path).await?;
    let planes: Vec<geo::MultiPolygon<f64>> = parcels.iter().map(|(_, g)| g.clone()).collect();
    let land_use = layer.overlay(&planes).await?;
    layer.close().await?;
    let names: Vec<&str> = parcels.iter().map(|(n, _)| n.as_str()).collect();
    let measured = land_use.iter().map(describe).collect();
    let result = guagou_check::measure::land_use_result(
        profile, table, rule, as_of, &names, &planes, measured,
    );
    Ok((result, land_use))
}
