//! fundcast: an actuarial projection engine for social insurance pension funds.
//!
//! A scenario file ([`scenario`]) becomes a [`model::Model`]; the [`projection`] runs its
//! years in MODEL.md's order for one path of the [`economy`]; [`montecarlo`] runs many
//! paths in parallel and [`aggregate`] summarises them; [`export`] writes the results
//! (with [`workbook`] for `results.xlsx`, [`formats`] for Parquet tables and
//! [`paths_out`] for every path's metrics: docs/outputs.md).
//! [`metrics`] is the one table of what is reported: names, units, scopes.

#![deny(unsafe_code)]

pub mod aggregate;
pub mod benefits;
pub mod calibrate;
pub mod chart;
pub mod china;
mod cohorts;
pub mod compare;
pub mod contributions;
pub mod demography;
pub mod document;
pub mod economy;
pub mod economy_fit;
pub mod error;
pub mod export;
pub mod formats;
pub mod fund;
pub mod funds;
pub mod least_squares;
pub mod math;
pub mod measure;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod mortality;
pub mod params;
#[cfg(feature = "parquet")]
pub mod parquet_io;
pub mod paths_out;
pub mod policy;
pub mod projection;
pub mod report;
pub mod scenario;
mod scheme;
pub mod shard;
pub mod simd;
pub mod valuation;
pub mod variants;
pub mod workbook;

pub use error::{Diagnostic, ScenarioError};
pub use model::Model;

/// Engine version, written into every run's metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The deterministic projection (every shock zero): one row per year and the summary.
///
/// ```
/// use std::path::Path;
/// use fundcast::projection::metric;
///
/// let text = r#"
/// base_year = 2020
/// horizon = 2022
/// [economy]
/// average_wage = 50000
/// wage_growth = 0.03
/// inflation = 0.02
/// fund_return = 0.03
/// [mortality]
/// gompertz = { a = 0.0005, b = 0.00003, c = 1.1 }
/// [contributions]
/// rate = 0.20
/// [population.actives]
/// total = 1000
/// profile = { uniform = { from = 20, to = 59 } }
/// [retirement]
/// age = 60
/// [benefit]
/// replacement_rate = 0.5
/// "#;
/// let model = fundcast::scenario::from_text(Path::new("example.toml"), text).unwrap();
/// let (rows, summary) = fundcast::deterministic(&model);
/// // 1000 contributors pay 20 % of 50,000 in the base year.
/// assert_eq!(rows[0][metric::CONTRIBUTORS], 1000.0);
/// assert!((rows[0][metric::CONTRIBUTIONS] - 1.0e7).abs() < 1e-6);
/// assert_eq!(summary.depletion, None);
/// ```
pub fn deterministic(model: &Model) -> (Vec<projection::Row>, projection::PathSummary) {
    let years = model.frame.years();
    let mut econ = economy::EconPath::with_years(years);
    model.economy.fill_path(None, &mut econ);
    let mut rows = vec![[0.0; projection::N_METRICS]; years];
    let summary = projection::Projector::new(model).run(&econ, &mut rows);
    (rows, summary)
}
