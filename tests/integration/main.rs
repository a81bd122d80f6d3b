//! The integration tests, one test binary (ripgrep's layout): each module is a group of
//! tests, `common` holds their shared helpers, and the scenarios and tables they read
//! are in `tests/data/` (paths relative to the crate root, where `cargo test` runs them).
//! `cargo test --release <module>::` runs one group.

mod common;

mod calibrate;
mod china;
mod cli;
mod fit_economy;
mod funds;
mod ganzhou;
mod golden;
mod hand_computed;
mod identities;
mod lanes;
mod montecarlo;
mod outputs;
mod plans;
mod policy;
#[cfg(feature = "portable-math")]
mod portable;
mod properties;
mod regressions;
mod report;
mod shards;
mod validation;
mod valuation;
mod zero_features;
