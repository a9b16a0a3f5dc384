//! All integration tests of this crate in one binary: one link instead of one per file,
//! which keeps CI's disk use and build time down (each test binary links the whole stack).

mod coordtxt;
mod crs_area;
mod geojson;
mod overlay;
mod repair;
mod shp;
mod validate;
