//! The project package (项目包) and the check pipeline shared by `guagou check` and the server.
//!
//! `package` reads and validates the folder (project.toml, household tables, parcel files);
//! `measure` turns geometry into the facts the domain rules read (areas on the profile's basis,
//! townships, distances, overlaps, land-class shares); `run_check` ties them to
//! `guagou_domain::check::check_package`. Reading is the only I/O here; the verdicts stay pure.
//! Every file a package names is read through `confine`, which keeps reads inside the package.

pub mod confine;
pub mod error;
pub mod measure;
pub mod package;
pub mod township;

pub use error::{PackageError, PathProblem};
pub use measure::{CheckInputs, CheckOutcome, OtherProject, run_check};
pub use package::Package;
pub use township::{Located, TownshipBoundary};
