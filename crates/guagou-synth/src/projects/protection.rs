//! The county's protection layers (三区三线, issue 19) with known answers: every feature is
//! one whole layer cell, so each overlap with a known-answer parcel (a union of whole cells)
//! is an exact sum of cell areas, and a cell beside a parcel shares its edge point for point
//! (a touch: 0 m²).
//!
//! - `protection/permanent_farmland.shp` (EPSG:4545): a cell beside case a's resettlement site
//!   (touching: passes) and a cell of case b's site (inside: RESETTLEMENT_NOT_ON_PERMANENT_FARMLAND
//!   fails by one cell's area).
//! - `protection/ecological_redline.geojson` in CGCS2000 lon/lat (EPSG:4490, another CRS than
//!   the parcels'): a cell of case a's first demolition parcel (DEMOLITION_IN_ECOLOGICAL_REDLINE
//!   reported). The projection moves areas by well under a square metre, not the verdicts.
//! - `protection/urban_boundary.geojson` (EPSG:4545): the cells of case c's resettlement site
//!   (RESETTLEMENT_OUTSIDE_URBAN_BOUNDARY warns with the site's area).
//!
//! Expected verdicts come from the domain's screening rules on the built-in profile, fed with
//! the cell overlaps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use guagou_domain::Profile;
use guagou_domain::protection::{LayerHit, ProtectionKind, ScreenedParcel, ScreenedRole, screen};
use guagou_geo::Crs;

use super::{Case, Planned, RuleAnswer, World};
use crate::layout::{m2, twice_area};
use crate::write::{Feature, Field, OutPolygon, ShapefileWriter, gbk, geojson_in, shapefile_rings};
use crate::{SynthError, create_dir, write_file};

/// The folder of the protection layers in the output.
pub(super) const DIR: &str = "protection";

/// One feature: an id, a name, a cell.
struct Cell {
    bsm: String,
    name: &'static str,
    cell: (u32, u32),
}

/// The features of each layer.
struct Layers {
    by_kind: BTreeMap<ProtectionKind, Vec<Cell>>,
}

/// The files of the layers, relative to the output folder, for `answers.json`.
pub(super) fn files() -> BTreeMap<String, String> {
    [
        (ProtectionKind::PermanentFarmland, "permanent_farmland.shp"),
        (
            ProtectionKind::EcologicalRedline,
            "ecological_redline.geojson",
        ),
        (ProtectionKind::UrbanBoundary, "urban_boundary.geojson"),
    ]
    .into_iter()
    .map(|(k, f)| (k.as_str().to_owned(), format!("{DIR}/{f}")))
    .collect()
}

fn pick(world: &World, cases: &[Case]) -> Result<Layers, SynthError> {
    let internal = |what: &str| SynthError::Internal(format!("protection layers: {what}"));
    let [a, b, c, ..] = cases else {
        return Err(internal("fewer than three cases"));
    };
    let parcels = || {
        cases.iter().flat_map(|case| {
            case.demolition
                .iter()
                .chain(std::iter::once(&case.resettlement))
        })
    };
    for parcel in [&a.resettlement, &b.resettlement, &c.resettlement] {
        if parcel.tolerance_m2 != 0.0 {
            return Err(internal("a chosen site is not a union of whole cells"));
        }
    }
    let used: BTreeSet<(u32, u32)> = parcels().flat_map(|p| p.cells.iter().copied()).collect();
    // A moved cell (the sliver case) overlaps its neighbours: no feature goes beside one.
    let near_sliver: BTreeSet<(u32, u32)> = parcels()
        .filter(|p| p.tolerance_m2 != 0.0)
        .flat_map(|p| p.cells.iter().flat_map(|&c| super::neighbours4(c)))
        .collect();
    let beside = a
        .resettlement
        .cells
        .iter()
        .flat_map(|&cell| super::neighbours4(cell))
        .find(|n| world.interior(*n) && !used.contains(n) && !near_sliver.contains(n))
        .ok_or_else(|| internal("no free cell beside case a's site"))?;
    let first = |p: &Planned| p.cells.first().copied();
    let inside_b = first(&b.resettlement).ok_or_else(|| internal("case b has no site"))?;
    let demolition_a = a
        .demolition
        .iter()
        .find(|p| p.tolerance_m2 == 0.0)
        .and_then(first)
        .ok_or_else(|| internal("case a has no demolition cell"))?;
    let layout = world.layout;
    let bsm = |kind: &str, n: usize| format!("{}{}{n:03}", layout.county, kind);
    let mut by_kind = BTreeMap::new();
    by_kind.insert(
        ProtectionKind::PermanentFarmland,
        vec![
            Cell {
                bsm: bsm("JBNT", 1),
                name: "合成永久基本农田（相邻安置区 a）",
                cell: beside,
            },
            Cell {
                bsm: bsm("JBNT", 2),
                name: "合成永久基本农田（在安置区 b 内）",
                cell: inside_b,
            },
        ],
    );
    by_kind.insert(
        ProtectionKind::EcologicalRedline,
        vec![Cell {
            bsm: bsm("STHX", 1),
            name: "合成水源涵养生态保护红线",
            cell: demolition_a,
        }],
    );
    by_kind.insert(
        ProtectionKind::UrbanBoundary,
        c.resettlement
            .cells
            .iter()
            .enumerate()
            .map(|(n, &cell)| Cell {
                bsm: bsm("CZKF", n + 1),
                name: "合成城镇开发边界",
                cell,
            })
            .collect(),
    );
    Ok(Layers { by_kind })
}

const FIELDS: &[Field] = &[
    Field {
        name: "BSM",
        width: 18,
    },
    Field {
        name: "MC",
        width: 60,
    },
];

fn polygon(world: &World, cell: (u32, u32)) -> OutPolygon {
    let ring = world.layout.cell_ring(cell.0, cell.1);
    vec![ring.iter().map(|&p| world.layout.global(p)).collect()]
}

/// Writes the three layers into `<out>/protection/` and returns the expected screening
/// verdicts of each case, in case order.
pub(super) fn write(
    world: &World,
    out_dir: &Path,
    cases: &[Case],
    profile: &Profile,
) -> Result<Vec<BTreeMap<String, RuleAnswer>>, SynthError> {
    let layers = pick(world, cases)?;
    let dir = out_dir.join(DIR);
    create_dir(&dir)?;
    let plane = Crs::GaussKruger {
        zone: 36,
        prefixed: false,
    };
    for (kind, cells) in &layers.by_kind {
        match kind {
            ProtectionKind::PermanentFarmland => {
                let mut writer =
                    ShapefileWriter::create(&dir.join("permanent_farmland.shp"), FIELDS)?;
                for c in cells {
                    writer.write(
                        &shapefile_rings(&[polygon(world, c.cell)]),
                        &[c.bsm.as_bytes(), &gbk(c.name)],
                    )?;
                }
                writer.finish(&plane.to_prj_wkt())?;
            }
            ProtectionKind::EcologicalRedline => {
                let mut features: Vec<Feature> = Vec::new();
                for c in cells {
                    let on_plane = geo::MultiPolygon(vec![geo::Polygon::new(
                        geo::LineString::from(polygon(world, c.cell).remove(0)),
                        Vec::new(),
                    )]);
                    let lon_lat =
                        guagou_geo::crs::transform_geometry(&on_plane, plane, Crs::Geographic)
                            .map_err(|e| SynthError::Internal(format!("{e:?}")))?;
                    let rings: Vec<OutPolygon> = lon_lat
                        .0
                        .iter()
                        .map(|p| {
                            // The writer closes each ring itself.
                            let mut ring: Vec<(f64, f64)> =
                                p.exterior().0.iter().map(|c| (c.x, c.y)).collect();
                            ring.pop();
                            vec![ring]
                        })
                        .collect();
                    features.push((
                        vec![("BSM", c.bsm.clone()), ("MC", c.name.to_owned())],
                        rings,
                    ));
                }
                write_file(
                    &dir.join("ecological_redline.geojson"),
                    geojson_in("urn:ogc:def:crs:EPSG::4490", &features).as_bytes(),
                )?;
            }
            ProtectionKind::UrbanBoundary => {
                let features: Vec<Feature> = cells
                    .iter()
                    .map(|c| {
                        (
                            vec![("BSM", c.bsm.clone()), ("MC", c.name.to_owned())],
                            vec![polygon(world, c.cell)],
                        )
                    })
                    .collect();
                write_file(
                    &dir.join("urban_boundary.geojson"),
                    geojson_in("urn:ogc:def:crs:EPSG::4545", &features).as_bytes(),
                )?;
            }
        }
    }
    Ok(cases
        .iter()
        .map(|case| expected(world, &layers, case, profile))
        .collect())
}

/// The screening verdicts of one case: each parcel's overlap is the area of the feature cells
/// it is made of.
fn expected(
    world: &World,
    layers: &Layers,
    case: &Case,
    profile: &Profile,
) -> BTreeMap<String, RuleAnswer> {
    let mut out = BTreeMap::new();
    for (kind, cells) in &layers.by_kind {
        let hits = |parcel: &Planned| -> Vec<LayerHit> {
            cells
                .iter()
                .filter(|c| parcel.cells.contains(&c.cell))
                .map(|c| LayerHit {
                    feature: format!("BSM {} {}", c.bsm, c.name),
                    area_m2: m2(twice_area(&world.layout.cell_ring(c.cell.0, c.cell.1))),
                })
                .collect()
        };
        let mut parcels: Vec<ScreenedParcel> = case
            .demolition
            .iter()
            .map(|p| ScreenedParcel {
                role: ScreenedRole::Demolition,
                name: p.name.clone(),
                hits: hits(p),
            })
            .collect();
        parcels.push(ScreenedParcel {
            role: ScreenedRole::Resettlement,
            name: case.resettlement.name.clone(),
            hits: hits(&case.resettlement),
        });
        for result in screen(profile, *kind, &parcels) {
            let measured = match result.measured {
                guagou_domain::check::Quantity::M2(m2) => Some(m2 as f64),
                _ => None,
            };
            let tolerance = match result.limit {
                guagou_domain::check::Quantity::M2(m2) => Some(m2 as f64),
                _ => None,
            };
            out.insert(
                result.rule.as_str().to_owned(),
                RuleAnswer {
                    passed: result.passed,
                    measured,
                    tolerance,
                },
            );
        }
    }
    out
}
