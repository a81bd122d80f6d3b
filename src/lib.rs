//! fundcast: an actuarial projection engine for social insurance pension funds.
//!
//! A scenario file ([`scenario`]) becomes a [`model::Model`]; the [`projection`] runs its
//! years in MODEL.md's order for one path of the [`economy`]; [`montecarlo`] runs many
//! paths in parallel and [`aggregate`] summarises them; [`export`] writes the results.

pub mod aggregate;
pub mod benefits;
pub mod china;
pub mod compare;
pub mod contributions;
pub mod demography;
pub mod document;
pub mod economy;
pub mod error;
pub mod export;
pub mod fund;
pub mod measure;
pub mod model;
pub mod montecarlo;
pub mod mortality;
pub mod params;
pub mod policy;
pub mod projection;
pub mod scenario;
pub mod variants;

pub use error::{Diagnostic, ScenarioError};
pub use model::Model;

/// Engine version, written into every run's metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The deterministic projection (every shock zero): one row per year and the summary.
pub fn deterministic(model: &Model) -> (Vec<projection::Row>, projection::PathSummary) {
    let years = model.frame.years();
    let mut econ = economy::EconPath::with_years(years);
    model.economy.fill_path(None, &mut econ);
    let mut rows = vec![[0.0; projection::N_METRICS]; years];
    let summary = projection::Projector::new(model).run(&econ, &mut rows);
    (rows, summary)
}
