//! Base layers (底图): county land-use layers imported once into indexed GeoPackages on the
//! profile's plane, and the overlay of a project's parcels on them for
//! `DEMOLITION_IS_CONSTRUCTION_LAND` and `RECLAIMED_IS_FARMLAND`; and the county protection
//! layers (三区三线: 永久基本农田, 生态保护红线, 城镇开发边界), stored the same way, for the
//! screening rules of `guagou_domain::protection`.
//!
//! Storage choice (docs/base-layers.md): a layer is a file, not rows in the registry
//! database. It is large (10⁵–10⁶ polygons, hundreds of MB), read-only once imported, and a
//! GeoPackage is what the land bureaus' GIS opens; the registry records each layer (county,
//! vintage, sha256, who imported it and why) and the checks name the layer they used.

// GeoError carries its location (file, record, field) by value, as in guagou-geo.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod gpkg;
pub mod import;
pub mod layer;
pub mod protection;
pub mod rtree;
pub mod wkb;

pub use import::{ImportOptions, ImportSummary, Progress, import_landuse, import_protection};
pub use layer::{FeatureOverlap, LandUseLayer, ParcelLandUse, StoredLayer};
