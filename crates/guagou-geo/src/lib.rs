//! Spatial core of guagou.
//!
//! Everything here is about parcels as surveyors exchange them: CGCS2000 coordinates (geographic, or
//! 3-degree Gauss–Krüger with or without the zone prefix), the planar and ellipsoidal areas a land
//! bureau reports, the file formats (ministry coordinate text, GeoJSON, ESRI Shapefile), geometry
//! validation with located errors, and overlay (overlap areas, distances) for the rules.
//!
//! This crate knows nothing of policy: it measures, the domain decides.
//! It must never panic on input and never silently repair geometry: the one repair offered
//! ([`repair`]) runs only when a reader is asked for it, and is reported as a warning.

// GeoError carries a full location (file, record, field, line) by value; it is returned only on
// the cold path of bad input, so its size is not worth boxing.
#![allow(clippy::result_large_err)]

pub mod area;
pub mod crs;
pub mod error;
pub mod formats;
pub mod model;
pub mod overlay;
pub mod parallel;
pub mod repair;
pub mod validate;

pub use crs::Crs;
pub use error::{GeoError, GeoErrorKind, Location, Warning};
pub use model::{Areas, Parcel, ParcelFile};
