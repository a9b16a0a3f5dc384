//! Integration tests of guagou-synth: one binary (see /work/helpers/common.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod answers;
mod common;
mod determinism;
mod layer;
mod options;
mod packages;
