//! A validated scenario, resolved into the arrays the projection reads.
//!
//! Built by [`crate::scenario`] from a scenario file; read by [`crate::projection`] and
//! [`crate::montecarlo`]. Everything that does not depend on the path (improved mortality,
//! schedules by year, profiles) is computed here once per run.

use crate::benefits::BenefitRules;
use crate::contributions::ContributionRules;
use crate::demography::{Entrants, Moves, PensionerEntrants, Retirement, State};
use crate::economy::Economy;
use crate::fund::FundRules;
use crate::mortality::Mortality;
use crate::params::Frame;

/// Indexation of pensions in payment: `idx_{t+1} = ι_w g_t + ι_π π_t + ι_0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Indexation {
    pub wage_weight: Vec<f64>,
    pub price_weight: Vec<f64>,
    pub constant: Vec<f64>,
}

/// The whole model of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub name: String,
    /// Currency unit of every amount (e.g. "yuan").
    pub currency: String,
    pub frame: Frame,
    pub economy: Economy,
    pub mortality: Mortality,
    pub contributions: ContributionRules,
    pub benefits: BenefitRules,
    pub indexation: Indexation,
    pub retirement: Retirement,
    pub moves: Moves,
    pub entrants: Entrants,
    pub pensioner_entrants: Option<PensionerEntrants>,
    pub fund: FundRules,
    /// Automatic adjustment rules evaluated path by path.
    pub adjustments: Adjustments,
    /// China's urban employee rules, when the scenario selects them.
    pub china: Option<crate::china::ChinaRules>,
    /// Stocks at the start of the base year.
    pub initial: State,
    /// Monte Carlo defaults (the command line may override them): the seed, and the
    /// number of paths (`None`: a deterministic run unless `--paths` is given).
    pub seed: u64,
    pub paths: Option<usize>,
    /// Years marked for depletion probabilities in comparisons.
    pub marked_years: Vec<i32>,
    /// The other four funds and the social budget (`src/funds/`; all off by default).
    pub funds: crate::funds::Funds,
    /// The basis of `fundcast value`'s closed-group valuation (`[valuation]`).
    pub valuation: crate::valuation::Basis,
}

impl Model {
    /// Whether vested members can ever exist (stocks or vesting leavers).
    pub fn has_vested(&self) -> bool {
        self.initial.vested_n.iter().any(|v| *v > 0.0)
            || (self.moves.exit.any_nonzero && self.moves.vesting_share.iter().any(|v| *v > 0.0))
    }

    /// Whether disability pensioners can ever exist.
    pub fn has_disabled(&self) -> bool {
        self.initial.disabled_n.iter().any(|v| *v > 0.0) || self.moves.disability.any_nonzero
    }
}

/// Automatic adjustment rules, each evaluated path by path inside the projection on the
/// fund ratio `F_{t+1} / B_t` (years of payouts in reserve at the end of year t).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Adjustments {
    pub indexation_brake: Option<IndexationBrake>,
    pub contribution_step: Option<ContributionStep>,
    pub retirement_age: Option<LifeExpectancyLink>,
}

/// When the fund ratio at the end of year t is below `threshold`, a positive indexation
/// `idx_{t+1}` is multiplied by `factor` (0: pensions are frozen).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IndexationBrake {
    pub threshold: f64,
    pub factor: f64,
}

/// Each year whose end-of-year fund ratio is below `threshold` adds `step` to the
/// contribution rate of every later year, up to a total rate of `max_rate`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContributionStep {
    pub threshold: f64,
    pub step: f64,
    pub max_rate: f64,
}

/// The retirement age follows period life expectancy at 60:
/// `RA_{t+1}[s] = round(min(max, RA_sched[s,t+1] + share · (e60[s,t] − e60[s,y0])))`,
/// with `e60` computed from the path's own mortality of the year, rounded to the nearest
/// whole age (unlike a fractional age written in a scenario, which acts as the next one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifeExpectancyLink {
    pub share: f64,
    pub max_age: f64,
}
