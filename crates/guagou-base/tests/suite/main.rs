//! All integration tests of this crate in one binary.

mod landrules;
mod overlay;
mod protection;
