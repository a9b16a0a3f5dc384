//! One module per subcommand.

pub mod backup;
pub mod check;
pub mod convert;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod parcels;
pub mod registry;
pub mod report;
pub mod serve;
pub mod synth;
pub mod users;
