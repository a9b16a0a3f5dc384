//! From a package on disk to the facts the rules read, and the verdict.
//!
//! All overlay (distances, overlaps, land-class shares) happens on the Gauss–Krüger plane of the
//! profile's zone, whatever CRS each file came in; areas for the rules are on the profile's basis.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use geo::MultiPolygon;
use guagou_domain::check::{
    CheckReport, ClassShare, DemolitionParcel, Household, OverlapFact, PackageFacts,
    RelocationHousehold, ResettlementSite, check_package,
};
use guagou_domain::landclass::LandClassTable;
use guagou_domain::profile::AreaBasis;
use guagou_domain::protection::{ProtectionKind, ScreenedParcel, ScreenedRole};
use guagou_domain::{DivisionCode, Profile};
use guagou_geo::crs::transform_geometry;
use guagou_geo::formats::read_parcels;
use guagou_geo::{Crs, GeoError, GeoErrorKind, Location, ParcelFile, Warning, overlay};
use serde::Serialize;

use crate::error::PackageError;
use crate::package::{Package, ParcelEntry, ParcelRole};
use crate::township::{self, Located, TownshipBoundary};

/// What `guagou check` was asked to do.
#[derive(Debug, Clone)]
pub struct CheckInputs {
    pub package_dir: PathBuf,
    pub profile: Profile,
    pub land_classes: LandClassTable,
    /// A land-use layer for DEMOLITION_IS_CONSTRUCTION_LAND.
    pub base_layer: Option<PathBuf>,
    /// The updated land-use layer (or reclamation survey) for RECLAIMED_IS_FARMLAND.
    pub reclaimed_layer: Option<PathBuf>,
    /// The attribute of the base layer holding the land-class code (default: auto-detect).
    pub base_class_field: Option<String>,
    /// Parcel files of other live projects for NO_DOUBLE_COUNTING.
    pub others: Vec<PathBuf>,
    /// Parcels of other live projects already in the registry, on the profile's plane.
    pub other_projects: Vec<OtherProject>,
    /// Township boundaries on the profile's plane, for township assignment by location
    /// (`crate::township`). Empty: townships come from attributes only.
    pub townships: Vec<TownshipBoundary>,
    pub as_of: NaiveDate,
}

/// Another live project's parcels, already on the profile's Gauss–Krüger plane.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherProject {
    /// How results name it (the project code).
    pub source: String,
    pub parcels: Vec<(String, MultiPolygon<f64>)>,
}

/// One parcel of the package as measured, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredParcel {
    pub role: ParcelRole,
    pub file: String,
    pub name: String,
    pub planar_m2: f64,
    pub ellipsoidal_m2: f64,
    pub township: Option<String>,
    /// Where the parcel lies by location, when township boundaries were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<Located>,
    /// The geometry on the profile's plane (`CheckOutcome::plane`), for storage and maps.
    #[serde(skip)]
    pub plane: MultiPolygon<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub code: String,
    pub name: String,
    pub county: String,
    pub profile: String,
    pub as_of: NaiveDate,
    pub parcels: Vec<MeasuredParcel>,
    /// The plane of every `MeasuredParcel::plane`.
    #[serde(skip)]
    pub plane: Crs,
    pub report: CheckReport,
    pub warnings: Vec<Warning>,
    /// The base layers the land-use rules read (file, or stored layer with vintage and hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_layers: Vec<String>,
    /// The package's written justifications, for warnings judged after the check.
    #[serde(skip)]
    pub justifications: std::collections::BTreeMap<guagou_domain::RuleId, String>,
}

/// A parcel projected to the working plane.
struct Placed {
    name: String,
    plane: MultiPolygon<f64>,
    area_m2: f64,
}

/// Reads, measures and checks a package.
pub fn run_check(inputs: &CheckInputs) -> Result<CheckOutcome, PackageError> {
    let package = Package::read(&inputs.package_dir)?;
    let zone = inputs.profile.spatial.gk_zone.value;
    let plane = Crs::GaussKruger {
        zone,
        prefixed: false,
    };
    let basis = inputs.profile.spatial.area_basis.value;
    let mut warnings = Vec::new();
    let mut measured = Vec::new();
    let mut demolition: Vec<(Placed, Option<DivisionCode>)> = Vec::new();
    let mut resettlement: Vec<(Placed, &ParcelEntry)> = Vec::new();
    // The township each parcel declares (attribute, entry or project), parallel to `measured`.
    let mut declared: Vec<Option<DivisionCode>> = Vec::new();

    for (index, entry) in package.parcels.iter().enumerate() {
        let file = package.read_parcel_file(index)?;
        warnings.extend(file.warnings.iter().cloned());
        for parcel in &file.parcels {
            let location = || Location::file(file.source.clone()).record(parcel.name.clone());
            // Lon/lat parcels are measured on the profile's zone, so every parcel of a register
            // uses one plane; Gauss–Krüger files keep the zone their surveyor measured in.
            let areas = match file.crs {
                Crs::Geographic => {
                    guagou_geo::area::areas_in_zone(&parcel.geometry, file.crs, zone)
                }
                Crs::GaussKruger { .. } => parcel.areas(file.crs),
            }
            .map_err(|kind| GeoError::new(location(), kind))?;
            let on_plane = transform_geometry(&parcel.geometry, file.crs, plane)
                .map_err(|kind| GeoError::new(location(), kind))?;
            let township = township_of(&package, entry, &file, parcel)?;
            measured.push(MeasuredParcel {
                role: entry.role,
                file: file.source.clone(),
                name: parcel.name.clone(),
                planar_m2: areas.planar_m2,
                ellipsoidal_m2: areas.ellipsoidal_m2,
                township: township.as_ref().map(ToString::to_string),
                located: None,
                plane: on_plane.clone(),
            });
            declared.push(township.clone());
            let area_m2 = match basis {
                AreaBasis::Planar => areas.planar_m2,
                AreaBasis::Ellipsoidal => areas.ellipsoidal_m2,
            };
            let placed = Placed {
                name: parcel.name.clone(),
                plane: on_plane,
                area_m2,
            };
            match entry.role {
                ParcelRole::Demolition => demolition.push((placed, township)),
                ParcelRole::Resettlement => resettlement.push((placed, entry)),
                ParcelRole::Construction => {}
            }
        }
    }
    check_unique_names(&package, &measured)?;
    let spread = locate_townships(
        &inputs.townships,
        &inputs.profile.township,
        &mut measured,
        &declared,
        &mut demolition,
        &mut warnings,
    );

    let demolition_planes: Vec<MultiPolygon<f64>> =
        demolition.iter().map(|(p, _)| p.plane.clone()).collect();
    let facts = PackageFacts {
        resettlement: resettlement_sites(&package, &demolition, &resettlement)?,
        demolition: demolition
            .iter()
            .map(|(p, township)| DemolitionParcel {
                name: p.name.clone(),
                township: township.clone(),
                area_m2: p.area_m2,
            })
            .collect(),
        persons_resettled: persons_resettled(&package, &mut warnings),
        potential_survey_date: package.potential_survey_date,
        willingness_survey_date: package.willingness_survey_date,
        households: households(&package, &demolition)?,
        relocation_households: relocation(&package),
        overlaps: overlaps(inputs, plane, &demolition, &demolition_planes)?,
        construction_shares: layer_shares(
            inputs.base_layer.as_deref(),
            inputs,
            plane,
            &demolition,
            &demolition_planes,
            LandUseRule::ConstructionBefore,
        )?,
        farmland_shares: layer_shares(
            inputs.reclaimed_layer.as_deref(),
            inputs,
            plane,
            &demolition,
            &demolition_planes,
            LandUseRule::FarmlandAfter,
        )?,
        // The protection layers are overlaid by the caller (`guagou_base::protection`), then
        // judged with `CheckOutcome::judge_protection`; until then their rules are not checked.
        protection: Default::default(),
        justifications: package.justifications.clone(),
    };
    let mut report = check_package(&inputs.profile, &facts, inputs.as_of);
    recount_townships(&mut report, &inputs.profile, inputs.as_of, &spread);
    Ok(CheckOutcome {
        code: package.code.clone(),
        name: package.name.clone(),
        county: package.county.to_string(),
        profile: inputs.profile.profile.id.clone(),
        as_of: inputs.as_of,
        parcels: measured,
        plane,
        report,
        warnings,
        base_layers: [&inputs.base_layer, &inputs.reclaimed_layer]
            .into_iter()
            .flatten()
            .map(|p| p.display().to_string())
            .collect(),
        justifications: package.justifications.clone(),
    })
}

/// Township of a parcel: its attribute (if the entry names one), else the entry's, else the
/// project's default.
fn township_of(
    package: &Package,
    entry: &ParcelEntry,
    file: &ParcelFile,
    parcel: &guagou_geo::Parcel,
) -> Result<Option<DivisionCode>, PackageError> {
    if let Some(field) = &entry.township_field {
        let value = parcel
            .attributes
            .get(field)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        if let Some(value) = value {
            let code = DivisionCode::parse(value)
                .ok()
                .and_then(|c| c.township())
                .filter(|t| package.county.contains(t))
                .ok_or_else(|| {
                    PackageError::field(
                        &file.source,
                        Some(parcel.name.clone()),
                        field,
                        format!("'{value}' 不是县 {} 下的乡镇或村代码", package.county),
                        format!(
                            "'{value}' is not a township or village code of county {}",
                            package.county
                        ),
                    )
                })?;
            return Ok(Some(code));
        }
    }
    Ok(entry
        .township
        .clone()
        .or_else(|| package.township.clone())
        .and_then(|c| c.township()))
}

/// A demolition parcel's townships for DEMOLITION_SINGLE_TOWNSHIP, when located.
struct Spread {
    name: String,
    /// The declared township (else the located one), then every other township the parcel
    /// crosses into. Empty: unknown.
    townships: Vec<DivisionCode>,
    located: Located,
}

/// Township assignment by location (when boundaries were given): records where each parcel
/// lies, warns on crossings, disagreements and parcels outside every boundary, and fills in the
/// township of parcels that declare none. The declared township stays the rule input; the
/// location adds the other townships a crossing parcel lies in (returned per demolition parcel).
fn locate_townships(
    boundaries: &[TownshipBoundary],
    tolerance: &guagou_domain::profile::TownshipTolerance,
    measured: &mut [MeasuredParcel],
    declared: &[Option<DivisionCode>],
    demolition: &mut [(Placed, Option<DivisionCode>)],
    warnings: &mut Vec<Warning>,
) -> Vec<Spread> {
    if boundaries.is_empty() {
        return Vec::new();
    }
    let planes: Vec<MultiPolygon<f64>> = measured.iter().map(|p| p.plane.clone()).collect();
    let located = township::locate(&planes, boundaries, tolerance);
    let mut spread = Vec::new();
    // Demolition parcels appear in `demolition` in the order they appear in `measured`.
    let mut next_demolition = demolition.iter_mut();
    for ((parcel, declared), located) in measured.iter_mut().zip(declared).zip(located) {
        warnings.extend(township_warnings(parcel, declared.as_ref(), &located));
        let chosen = declared.clone().or_else(|| located.primary());
        parcel.township = chosen.as_ref().map(ToString::to_string);
        if parcel.role == ParcelRole::Demolition
            && let Some((_, township)) = next_demolition.next()
        {
            township.clone_from(&chosen);
            let mut townships: Vec<DivisionCode> = chosen.into_iter().collect();
            if located.crosses() {
                for code in located.codes() {
                    if !townships.contains(&code) {
                        townships.push(code);
                    }
                }
            }
            spread.push(Spread {
                name: parcel.name.clone(),
                townships,
                located: located.clone(),
            });
        }
        parcel.located = Some(located);
    }
    spread
}

fn township_warnings(
    parcel: &MeasuredParcel,
    declared: Option<&DivisionCode>,
    located: &Located,
) -> Vec<Warning> {
    let location = || {
        Location::file(parcel.file.clone())
            .record(parcel.name.clone())
            .field("township")
    };
    let mut out = Vec::new();
    if located.crosses() {
        out.push(Warning {
            location: location(),
            code: "township_crossing",
            message_zh: format!(
                "{}地块 {} 跨乡镇界线：{}",
                parcel.role.label_zh(),
                parcel.name,
                located.areas_text("、")
            ),
            message_en: format!(
                "parcel {} crosses a township line: {}",
                parcel.name,
                located.areas_text(", ")
            ),
        });
    }
    if let (Some(declared), Some(primary)) = (declared, located.primary())
        && *declared != primary
    {
        out.push(Warning {
            location: location(),
            code: "township_disagrees",
            message_zh: format!(
                "地块 {} 申报属乡镇 {declared}，按位置位于 {}；规则按申报的乡镇计",
                parcel.name,
                located.areas_text("、")
            ),
            message_en: format!(
                "parcel {} is declared in township {declared} but lies in {}; rules use the declared township",
                parcel.name,
                located.areas_text(", ")
            ),
        });
    }
    if located.shares.is_empty() {
        out.push(Warning {
            location: location(),
            code: "township_outside",
            message_zh: format!("地块 {} 不在任何乡镇边界内", parcel.name),
            message_en: format!(
                "parcel {} lies outside every township boundary",
                parcel.name
            ),
        });
    } else if located.outside_m2 > 0.0 {
        out.push(Warning {
            location: location(),
            code: "township_outside",
            message_zh: format!(
                "地块 {} 有 {:.0} m² 在所有乡镇边界之外",
                parcel.name, located.outside_m2
            ),
            message_en: format!(
                "{:.0} m² of parcel {} lies outside every township boundary",
                located.outside_m2, parcel.name
            ),
        });
    }
    out
}

/// DEMOLITION_SINGLE_TOWNSHIP counting every township a crossing parcel lies in (it lies in
/// each of them, SPEC §6 "all demolition parcels lie in one township"). The domain rule takes
/// one township per parcel, so it is run again on one entry per (parcel, township), each
/// labelled with its area there, and its result replaces the first. Unchanged when no parcel
/// spreads over two townships.
fn recount_townships(
    report: &mut CheckReport,
    profile: &Profile,
    as_of: NaiveDate,
    spread: &[Spread],
) {
    use guagou_domain::RuleId;
    use guagou_domain::check::{Subject, SubjectKind};
    if !spread.iter().any(|s| s.townships.len() > 1) {
        return;
    }
    let mut entries = Vec::new();
    for parcel in spread {
        if parcel.townships.len() < 2 {
            entries.push(DemolitionParcel {
                name: parcel.name.clone(),
                township: parcel.townships.first().cloned(),
                area_m2: 0.0,
            });
            continue;
        }
        for code in &parcel.townships {
            let share = parcel
                .located
                .shares
                .iter()
                .find(|s| s.township == code.as_str());
            let name = match share {
                Some(s) => format!("{}（{:.0} m²）", parcel.name, s.area_m2),
                None => format!("{}（申报/declared）", parcel.name),
            };
            entries.push(DemolitionParcel {
                name,
                township: Some(code.clone()),
                area_m2: 0.0,
            });
        }
    }
    let facts = PackageFacts {
        demolition: entries,
        resettlement: Vec::new(),
        persons_resettled: None,
        potential_survey_date: None,
        willingness_survey_date: None,
        households: None,
        relocation_households: None,
        overlaps: None,
        construction_shares: None,
        farmland_shares: None,
        protection: Default::default(),
        justifications: Default::default(),
    };
    let rule = RuleId::DemolitionSingleTownship;
    let Some(mut result) = check_package(profile, &facts, as_of)
        .results
        .into_iter()
        .find(|r| r.rule == rule)
    else {
        return;
    };
    if !result.passed {
        for parcel in spread.iter().filter(|s| s.townships.len() > 1) {
            result
                .subjects
                .push(Subject::new(SubjectKind::Parcel, &parcel.name).detail(
                    format!("跨乡镇界线：{}", parcel.located.areas_text("、")),
                    format!(
                        "crosses a township line: {}",
                        parcel.located.areas_text(", ")
                    ),
                ));
        }
    }
    if let Some(slot) = report.results.iter_mut().find(|r| r.rule == rule) {
        *slot = result;
    }
}

fn check_unique_names(package: &Package, measured: &[MeasuredParcel]) -> Result<(), PackageError> {
    let mut seen = BTreeSet::new();
    for parcel in measured {
        if !seen.insert((parcel.role, parcel.name.as_str())) {
            return Err(PackageError::field(
                &parcel.file,
                Some(parcel.name.clone()),
                "name",
                format!(
                    "项目包 {} 中有重名的{}地块",
                    package.code,
                    parcel.role.label_zh()
                ),
                format!(
                    "two {:?} parcels of package {} share this name",
                    parcel.role, package.code
                ),
            ));
        }
    }
    Ok(())
}

fn resettlement_sites(
    package: &Package,
    demolition: &[(Placed, Option<DivisionCode>)],
    sites: &[(Placed, &ParcelEntry)],
) -> Result<Vec<ResettlementSite>, PackageError> {
    let mut out = Vec::new();
    for (site, entry) in sites {
        for name in &entry.serves {
            if !demolition.iter().any(|(d, _)| &d.name == name) {
                return Err(PackageError::field(
                    &package.dir.join("project.toml").display().to_string(),
                    Some(entry.file.display().to_string()),
                    "serves",
                    format!("没有名为 {name} 的拆旧地块"),
                    format!("no demolition parcel is named {name}"),
                ));
            }
        }
        let served = demolition
            .iter()
            .filter(|(d, _)| entry.serves.is_empty() || entry.serves.contains(&d.name));
        let distance = served
            .map(|(d, _)| overlay::distance_m(&site.plane, &d.plane))
            .reduce(f64::min);
        out.push(ResettlementSite {
            name: site.name.clone(),
            area_m2: site.area_m2,
            distance_to_served_m: distance,
        });
    }
    Ok(out)
}

/// Persons resettled: as declared, else counted from households choosing concentrated
/// resettlement. A declared figure that disagrees with the table is a warning.
fn persons_resettled(package: &Package, warnings: &mut Vec<Warning>) -> Option<u64> {
    use guagou_domain::check::ResettlementMethod::Concentrated;
    let counted: Option<u64> = package.households.as_ref().map(|rows| {
        rows.iter()
            .filter(|h| h.method == Some(Concentrated))
            .filter_map(|h| h.persons)
            .sum()
    });
    match (package.persons_resettled, counted) {
        (Some(declared), Some(counted)) if counted > 0 && counted != declared => {
            warnings.push(Warning {
                location: Location::file(package.dir.join("project.toml").display().to_string())
                    .field("project.persons_resettled"),
                code: "persons_differ",
                message_zh: format!("申报安置人数 {declared} 与农户表中集中安置人数 {counted} 不一致"),
                message_en: format!(
                    "declared persons resettled {declared} differ from {counted} counted in the household table"
                ),
            });
            Some(declared)
        }
        (Some(declared), _) => Some(declared),
        (None, Some(counted)) if counted > 0 => Some(counted),
        _ => None,
    }
}

fn households(
    package: &Package,
    demolition: &[(Placed, Option<DivisionCode>)],
) -> Result<Option<Vec<Household>>, PackageError> {
    let Some(rows) = &package.households else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for row in rows {
        if let Some(parcel) = &row.parcel
            && !demolition.iter().any(|(d, _)| &d.name == parcel)
        {
            return Err(PackageError::field(
                "households",
                Some(row.id.clone()),
                "parcel",
                format!("没有名为 {parcel} 的拆旧地块"),
                format!("no demolition parcel is named {parcel}"),
            ));
        }
        out.push(Household {
            id: row.id.clone(),
            name: row.name.clone(),
            consent: row.consent,
            method: row.method,
        });
    }
    Ok(Some(out))
}

/// Relocation households of the project's villages, each marked covered when it is among the
/// demolished households.
fn relocation(package: &Package) -> Option<Vec<RelocationHousehold>> {
    let list = package.relocation.as_ref()?;
    let demolished: BTreeSet<&str> = package
        .households
        .iter()
        .flatten()
        .map(|h| h.id.as_str())
        .collect();
    Some(
        list.iter()
            .filter(|r| package.villages.is_empty() || package.villages.contains(&r.village))
            .map(|r| RelocationHousehold {
                id: r.id.clone(),
                name: r.name.clone(),
                village: r.village.to_string(),
                in_demolition_zone: demolished.contains(r.id.as_str()),
            })
            .collect(),
    )
}

fn read_on_plane(
    path: &std::path::Path,
    plane: Crs,
) -> Result<(ParcelFile, Vec<MultiPolygon<f64>>), PackageError> {
    let file = read_parcels(path)?;
    let mut planes = Vec::with_capacity(file.parcels.len());
    for parcel in &file.parcels {
        let geometry = transform_geometry(&parcel.geometry, file.crs, plane).map_err(|kind| {
            GeoError::new(
                Location::file(file.source.clone()).record(parcel.name.clone()),
                kind,
            )
        })?;
        planes.push(geometry);
    }
    Ok((file, planes))
}

/// Overlaps of demolition parcels with other projects' parcels and with each other.
/// `None` when no other projects were given.
fn overlaps(
    inputs: &CheckInputs,
    plane: Crs,
    demolition: &[(Placed, Option<DivisionCode>)],
    demolition_planes: &[MultiPolygon<f64>],
) -> Result<Option<Vec<OverlapFact>>, PackageError> {
    if inputs.others.is_empty() && inputs.other_projects.is_empty() {
        return Ok(None);
    }
    let mut facts = Vec::new();
    for path in &inputs.others {
        let (file, planes) = read_on_plane(path, plane)?;
        for hit in overlay::overlaps(demolition_planes, &planes, 0.0) {
            facts.push(OverlapFact {
                parcel: demolition[hit.left].0.name.clone(),
                other_source: file.source.clone(),
                other_parcel: file.parcels[hit.right].name.clone(),
                area_m2: hit.area_m2,
            });
        }
    }
    for other in &inputs.other_projects {
        let planes: Vec<MultiPolygon<f64>> = other.parcels.iter().map(|(_, g)| g.clone()).collect();
        for hit in overlay::overlaps(demolition_planes, &planes, 0.0) {
            facts.push(OverlapFact {
                parcel: demolition[hit.left].0.name.clone(),
                other_source: other.source.clone(),
                other_parcel: other.parcels[hit.right].0.clone(),
                area_m2: hit.area_m2,
            });
        }
    }
    // The same land counted twice inside one package is double counting too.
    for hit in overlay::self_overlaps(demolition_planes, 0.0) {
        facts.push(OverlapFact {
            parcel: demolition[hit.left].0.name.clone(),
            other_source: "本项目包/this package".to_owned(),
            other_parcel: demolition[hit.right].0.name.clone(),
            area_m2: hit.area_m2,
        });
    }
    Ok(Some(facts))
}

/// Attribute names tried, in order, for the land-class code of a base layer (三调 DLBM first).
pub const CLASS_FIELDS: &[&str] = &["DLBM", "dlbm", "地类编码", "DLDM", "dldm", "CLASS", "class"];

/// Which land-use rule a base layer is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandUseRule {
    /// DEMOLITION_IS_CONSTRUCTION_LAND: the land survey before demolition.
    ConstructionBefore,
    /// RECLAIMED_IS_FARMLAND: the updated layer or survey at acceptance.
    FarmlandAfter,
}

impl LandUseRule {
    fn rule(self) -> guagou_domain::RuleId {
        match self {
            LandUseRule::ConstructionBefore => guagou_domain::RuleId::DemolitionIsConstructionLand,
            LandUseRule::FarmlandAfter => guagou_domain::RuleId::ReclaimedIsFarmland,
        }
    }

    /// What counts under a parcel, as the profile's `[land_use]` reads it.
    fn counted(
        self,
        profile: &Profile,
        table: &LandClassTable,
        parcel_area_m2: f64,
        classes: &[(String, f64)],
    ) -> guagou_domain::landrules::Counted {
        let rules = &profile.land_use;
        match self {
            LandUseRule::ConstructionBefore => rules.rural_construction(table, classes),
            LandUseRule::FarmlandAfter => rules.reclaimed_farmland(table, parcel_area_m2, classes),
        }
    }
}

/// The land use under one demolition parcel, measured on some layer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParcelClasses {
    pub classes: Vec<(String, f64)>,
    /// The features under it as the report names them.
    pub features: Vec<String>,
}

/// Shares of the rule's category under each parcel; shares are taken against the parcel's
/// plane area so that both sides of the ratio come from the same geometry. `measured` holds
/// class keys (`guagou_domain::landrules::class_key`: code and 城镇村属性码).
fn class_shares(
    profile: &Profile,
    table: &LandClassTable,
    rule: LandUseRule,
    names: &[&str],
    planes: &[MultiPolygon<f64>],
    measured: Vec<ParcelClasses>,
) -> Vec<ClassShare> {
    let mut shares = Vec::new();
    for ((name, plane), land) in names.iter().zip(planes).zip(measured) {
        let parcel_area_m2 = guagou_geo::area::planar_area_m2(plane);
        let counted = rule.counted(profile, table, parcel_area_m2, &land.classes);
        shares.push(ClassShare {
            parcel: (*name).to_owned(),
            parcel_area_m2,
            matching_m2: counted.matching_m2,
            classes: land.classes,
            unknown_codes: counted.unknown_codes,
            features: land.features,
        });
    }
    shares
}

fn layer_shares(
    path: Option<&std::path::Path>,
    inputs: &CheckInputs,
    plane: Crs,
    demolition: &[(Placed, Option<DivisionCode>)],
    demolition_planes: &[MultiPolygon<f64>],
    rule: LandUseRule,
) -> Result<Option<Vec<ClassShare>>, PackageError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let (file, planes) = read_on_plane(path, plane)?;
    let mut layer = Vec::with_capacity(planes.len());
    for (parcel, geometry) in file.parcels.iter().zip(planes) {
        let field = match &inputs.base_class_field {
            Some(field) => Some(field.as_str()),
            None => CLASS_FIELDS
                .iter()
                .copied()
                .find(|f| parcel.attributes.contains_key(*f)),
        };
        let code = field
            .and_then(|f| parcel.attributes.get(f))
            .map(|c| c.trim().to_owned());
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            let wanted = inputs
                .base_class_field
                .clone()
                .unwrap_or_else(|| CLASS_FIELDS.join("/"));
            return Err(GeoError::new(
                Location::file(file.source.clone())
                    .record(parcel.name.clone())
                    .field(wanted.clone()),
                GeoErrorKind::Missing {
                    what: format!("地类编码/land-class code ({wanted})"),
                },
            )
            .into());
        };
        let village = profile_village_attribute(&inputs.profile, &parcel.attributes);
        layer.push((
            geometry,
            guagou_domain::landrules::class_key(&code, village.as_deref()),
        ));
    }
    let measured = overlay::class_areas(demolition_planes, &layer)
        .into_iter()
        .map(|classes| ParcelClasses {
            classes,
            features: Vec::new(),
        })
        .collect();
    let names: Vec<&str> = demolition.iter().map(|(p, _)| p.name.as_str()).collect();
    Ok(Some(class_shares(
        &inputs.profile,
        &inputs.land_classes,
        rule,
        &names,
        demolition_planes,
        measured,
    )))
}

/// The 城镇村属性码 of a layer feature: the first of the profile's `village_attribute_fields`
/// it has, non-blank.
pub fn profile_village_attribute(
    profile: &Profile,
    attributes: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    profile
        .land_use
        .village_attribute_fields
        .value
        .iter()
        .find_map(|field| attributes.get(field))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl CheckOutcome {
    /// The demolition parcels on the plane, in report order: what a stored layer is overlaid
    /// with before [`CheckOutcome::judge_land_use`].
    pub fn demolition_planes(&self) -> Vec<MultiPolygon<f64>> {
        self.demolition_parcels().map(|p| p.plane.clone()).collect()
    }

    fn demolition_parcels(&self) -> impl Iterator<Item = &MeasuredParcel> {
        self.parcels
            .iter()
            .filter(|p| p.role == ParcelRole::Demolition)
    }

    /// Judges a land-use rule from class areas measured on a stored layer (`measured` in the
    /// order of [`CheckOutcome::demolition_planes`]), replacing its result or its "not
    /// checked" entry; `layer` names the layer in the outcome.
    pub fn judge_land_use(
        &mut self,
        profile: &Profile,
        table: &LandClassTable,
        rule: LandUseRule,
        layer: &str,
        measured: Vec<ParcelClasses>,
    ) {
        let names: Vec<&str> = self.demolition_parcels().map(|p| p.name.as_str()).collect();
        let planes = self.demolition_planes();
        let Some(result) =
            land_use_result(profile, table, rule, self.as_of, &names, &planes, measured)
        else {
            return;
        };
        self.replace_result(result);
        self.base_layers.push(layer.to_owned());
    }

    /// A rule judged after the check (on a stored layer) replaces its result or its "not
    /// checked" entry.
    fn replace_result(&mut self, result: guagou_domain::check::RuleResult) {
        let id = result.rule;
        self.report.not_checked.retain(|n| n.rule != id);
        match self.report.results.iter_mut().find(|r| r.rule == id) {
            Some(slot) => *slot = result,
            None => self.report.results.push(result),
        }
    }

    /// The parcels the 三区三线 screening rules read (every role: demolition, resettlement,
    /// construction), with their geometry on the plane, in report order.
    pub fn screened_parcels(&self) -> Vec<(ScreenedRole, &str, &MultiPolygon<f64>)> {
        self.parcels
            .iter()
            .map(|p| {
                let role = match p.role {
                    ParcelRole::Demolition => ScreenedRole::Demolition,
                    ParcelRole::Resettlement => ScreenedRole::Resettlement,
                    ParcelRole::Construction => ScreenedRole::Construction,
                };
                (role, p.name.as_str(), &p.plane)
            })
            .collect()
    }

    /// Judges the rules that read a protection layer of `kind` from what lies under each
    /// parcel (`parcels`, as [`CheckOutcome::screened_parcels`] lists them), replacing their
    /// "not checked" entries; `layer` names the layer in the outcome. A warning among them gets
    /// the package's justification, as in the check itself.
    pub fn judge_protection(
        &mut self,
        profile: &Profile,
        kind: ProtectionKind,
        layer: &str,
        parcels: &[ScreenedParcel],
    ) {
        for mut result in guagou_domain::protection::screen(profile, kind, parcels) {
            if !result.passed && result.severity == guagou_domain::Severity::Warning {
                result.justification = self.justifications.get(&result.rule).cloned();
            }
            self.replace_result(result);
        }
        self.base_layers.push(layer.to_owned());
    }
}

/// A land-use rule's result for parcels (`names`, `planes` on the profile's plane) from the
/// class areas measured under them: how a check judges it, and how the registry judges
/// RECLAIMED_IS_FARMLAND at acceptance.
pub fn land_use_result(
    profile: &Profile,
    table: &LandClassTable,
    rule: LandUseRule,
    as_of: NaiveDate,
    names: &[&str],
    planes: &[MultiPolygon<f64>],
    measured: Vec<ParcelClasses>,
) -> Option<guagou_domain::check::RuleResult> {
    let shares = class_shares(profile, table, rule, names, planes, measured);
    let mut facts = PackageFacts::default();
    match rule {
        LandUseRule::ConstructionBefore => facts.construction_shares = Some(shares),
        LandUseRule::FarmlandAfter => facts.farmland_shares = Some(shares),
    }
    let id = rule.rule();
    check_package(profile, &facts, as_of)
        .results
        .into_iter()
        .find(|r| r.rule == id)
}
