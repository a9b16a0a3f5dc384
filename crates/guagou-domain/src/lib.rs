//! The pure domain of guagou (城乡建设用地增减挂钩): units, division codes, the policy profile,
//! the rule table and the rule checks.
//!
//! Nothing here reads files, talks to a database or the network, or looks at the clock: callers
//! pass in what was measured and what today is. That keeps the same rules usable by the offline
//! `guagou check`, the server and the tests.

pub mod capitals;
pub mod check;
pub mod dates;
pub mod department;
pub mod division;
pub mod error_code;
pub mod funds;
pub mod landclass;
pub mod landrules;
pub mod ledger;
pub mod lifecycle;
pub mod market;
pub mod notice;
pub mod poverty;
pub mod profile;
pub mod project_code;
pub mod protection;
pub mod ranking;
pub mod registry_rules;
pub mod report;
pub mod review;
pub mod rules;
pub mod sanctions;
pub mod supervision;
pub mod units;

pub use department::Department;
pub use division::DivisionCode;
pub use error_code::ErrorCode;
pub use profile::Profile;
pub use project_code::ProjectCode;
pub use rules::{RuleId, Severity};
pub use units::{Fen, SquareMetres};
