//! Policy options side by side: several scenarios run on common random numbers.
//!
//! Takes a base model and variants over the same years; path i of every scenario is
//! projected from the same shocks (the same stream of the same seed), so differences
//! between scenarios are measured path by path and their Monte Carlo error is that of
//! the paired differences, far smaller than that of two independent runs.

use crate::aggregate::Summary;
use crate::metrics::{metric, position, N_PATH_MEASURES};
use crate::model::Model;
use crate::montecarlo::{self, path_measures, LaneRunner, PathFn};
use crate::projection::{PathSummary, Row};
use crate::simd::Isa;

/// Per-path measures of each scenario, in this order, then one indicator
/// "depleted by year" for each marked year (from the registry).
pub use crate::metrics::COMPARED_MEASURES as PATH_MEASURES;

/// Extra per-path measures when a scenario uses China's rules (after the marked years;
/// from the registry).
pub use crate::metrics::COMPARED_CHINA_MEASURES as CHINA_MEASURES;
/// Per-path measures of a comparison when a scenario has any of the other four funds on
/// (after China's; from the registry).
pub use crate::metrics::COMPARED_FUND_MEASURES as FUND_MEASURES;

/// Position of the indicator "depleted by the horizon" among [`PATH_MEASURES`]: its mean
/// is the line `p_depleted_by(yH)`, not a `_mean` line.
const DEPLETED_BY_HORIZON: usize = position(&PATH_MEASURES, "depleted_by_horizon");

/// A compared measure (one of [`PATH_MEASURES`] after the per-path ones, or of
/// [`CHINA_MEASURES`]) of a path from its last row and its summary.
fn compared_value(key: &str, last: &Row, s: &PathSummary) -> f64 {
    match key {
        "dependency_ratio_horizon" => last[metric::DEPENDENCY_RATIO],
        "replacement_ratio_horizon" => last[metric::REPLACEMENT_RATIO],
        "depleted_by_horizon" => {
            if s.depletion.is_some() {
                1.0
            } else {
                0.0
            }
        }
        "ia_fund_end_horizon" => last[metric::IA_FUND_END],
        "ia_implicit_debt_horizon" => last[metric::IA_IMPLICIT_DEBT],
        "unemployment_fund_end_horizon" => last[metric::UNEMPLOYMENT_FUND_END],
        "unemployment_depleted_by_horizon" => last[metric::UNEMPLOYMENT_DEPLETED],
        "medical_pool_end_horizon" => last[metric::MEDICAL_POOL_END],
        "medical_depleted_by_horizon" => last[metric::MEDICAL_DEPLETED],
        "injury_fund_end_horizon" => last[metric::INJURY_FUND_END],
        "injury_depleted_by_horizon" => last[metric::INJURY_DEPLETED],
        "maternity_fund_end_horizon" => last[metric::MATERNITY_FUND_END],
        "maternity_depleted_by_horizon" => last[metric::MATERNITY_DEPLETED],
        "budget_social_share_horizon" => last[metric::BUDGET_SOCIAL_SHARE],
        "budget_share_met_horizon" => last[metric::BUDGET_SHARE_MET],
        _ => unreachable!("the compared measure `{key}` of the registry has no value"),
    }
}

/// A scenario of a comparison.
pub struct Entry<'m> {
    pub name: String,
    pub model: &'m Model,
}

struct Paired<'a, 'm> {
    entries: &'a [Entry<'m>],
    seed: u64,
    marked: Vec<usize>,
    china: bool,
    /// Whether a scenario has any of the other four funds on.
    funds: bool,
}

impl Paired<'_, '_> {
    fn per_scenario(&self) -> usize {
        PATH_MEASURES.len() + self.marked.len() + self.china_measures() + self.fund_measures()
    }

    fn china_measures(&self) -> usize {
        if self.china {
            CHINA_MEASURES.len()
        } else {
            0
        }
    }

    fn fund_measures(&self) -> usize {
        if self.funds {
            FUND_MEASURES.len()
        } else {
            0
        }
    }
}

/// Paths projected together in each scenario's runner.
const LANES: usize = 4;

/// The instruction set of a run with four lanes: AVX2 where the run would use AVX-512.
fn four_lanes() -> Isa {
    match Isa::chosen() {
        Isa::Avx512 => Isa::Avx2,
        isa => isa,
    }
}

/// Draws per path that the scenarios of a comparison share: the most any of them reads
/// (a scenario with the other funds on reads their processes' draws after everyone's
/// economic draws, which are the same for all).
fn shocks_per_path(entries: &[Entry<'_>]) -> usize {
    entries
        .iter()
        .map(|e| e.model.economy.shocks_per_path(e.model.frame.years()))
        .max()
        .unwrap_or(0)
}

/// One four-lane runner per scenario, on the same instruction set.
fn runners<'m>(entries: &[Entry<'m>]) -> Vec<LaneRunner<'m>> {
    entries
        .iter()
        .map(|e| LaneRunner::with_isa(e.model, four_lanes()))
        .collect()
}

/// A worker of a comparison: one runner per scenario and the shared shocks of a group
/// of paths.
pub struct PairedWorker<'m> {
    runners: Vec<LaneRunner<'m>>,
    shocks: Vec<f64>,
    own: Vec<f64>,
}

impl<'a, 'm> PathFn for Paired<'a, 'm> {
    type Worker = PairedWorker<'m>;

    fn worker(&self) -> PairedWorker<'m> {
        PairedWorker {
            runners: runners(self.entries),
            shocks: vec![0.0; LANES * shocks_per_path(self.entries)],
            own: vec![0.0; LANES * self.per_scenario() * self.entries.len()],
        }
    }

    fn series(&self) -> usize {
        // Measures of every scenario, then each variant's paired differences.
        self.per_scenario() * (2 * self.entries.len() - 1)
    }

    fn groups(&self) -> usize {
        self.entries.len()
    }

    fn years(&self) -> usize {
        self.entries[0].model.frame.years()
    }

    fn lanes(&self) -> usize {
        LANES
    }

    fn paths(
        &self,
        w: &mut PairedWorker<'m>,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        montecarlo::draw_group(self.seed, first, count, LANES, &mut w.shocks);
        let k = self.per_scenario();
        let n = self.entries.len();
        let last = self.years() - 1;
        // Measures of path l in scenario g at `own[(l n + g) k..]`.
        for (g, runner) in w.runners.iter_mut().enumerate() {
            let summaries = runner.project_group_from(Some(&w.shocks));
            for (l, s) in summaries.iter().enumerate().take(count) {
                depletion[l * n + g] = s.depletion;
                let out = &mut w.own[(l * n + g) * k..(l * n + g + 1) * k];
                self.measures(&runner.lane_rows(l)[last], s, out);
            }
        }
        let n_series = self.series();
        for l in 0..count {
            let own = &w.own[l * n * k..(l + 1) * n * k];
            let values = &mut values[l * n_series..(l + 1) * n_series];
            values[..n * k].copy_from_slice(own);
            for v in 1..n {
                for j in 0..k {
                    values[(n + v - 1) * k + j] = own[v * k + j] - own[j];
                }
            }
        }
    }
}

impl Paired<'_, '_> {
    /// A path's measures in one scenario from its last row and its summary.
    fn measures(&self, row: &Row, s: &PathSummary, out: &mut [f64]) {
        out[..N_PATH_MEASURES].copy_from_slice(&path_measures(row, s));
        for (j, key) in PATH_MEASURES.iter().enumerate().skip(N_PATH_MEASURES) {
            out[j] = compared_value(key, row, s);
        }
        let marked = PATH_MEASURES.len();
        for (j, &year) in self.marked.iter().enumerate() {
            out[marked + j] = match s.depletion {
                Some(t) if t <= year => 1.0,
                _ => 0.0,
            };
        }
        if self.china {
            let china = marked + self.marked.len();
            for (j, key) in CHINA_MEASURES.iter().enumerate() {
                out[china + j] = compared_value(key, row, s);
            }
        }
        if self.funds {
            let funds = marked + self.marked.len() + self.china_measures();
            for (j, key) in FUND_MEASURES.iter().enumerate() {
                out[funds + j] = compared_value(key, row, s);
            }
        }
    }
}

/// Year-by-year paired differences, variant − base, of some yearly metrics on common
/// random numbers (path `i` of every scenario projected from the same shocks): for
/// the report's fans of differences. Series `t · K + (v − 1) · M + j` (`K = (n − 1) M`)
/// is the difference of metric `metrics[j]` in year index `t` between variant `v` and
/// the base.
struct PairedYears<'a, 'm> {
    entries: &'a [Entry<'m>],
    seed: u64,
    metrics: &'a [usize],
}

/// A worker of the year-by-year paired differences: one runner per scenario and the
/// shared shocks.
pub struct PairedYearsWorker<'m> {
    runners: Vec<LaneRunner<'m>>,
    shocks: Vec<f64>,
}

impl<'a, 'm> PathFn for PairedYears<'a, 'm> {
    type Worker = PairedYearsWorker<'m>;

    fn worker(&self) -> PairedYearsWorker<'m> {
        PairedYearsWorker {
            runners: runners(self.entries),
            shocks: vec![0.0; LANES * shocks_per_path(self.entries)],
        }
    }

    fn series(&self) -> usize {
        (self.entries.len() - 1) * self.metrics.len() * self.years()
    }

    fn years(&self) -> usize {
        self.entries[0].model.frame.years()
    }

    fn lanes(&self) -> usize {
        LANES
    }

    fn paths(
        &self,
        w: &mut PairedYearsWorker<'m>,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        montecarlo::draw_group(self.seed, first, count, LANES, &mut w.shocks);
        let mut base = [None; LANES];
        for runner in w.runners.iter_mut() {
            let summaries = runner.project_group_from(Some(&w.shocks));
            if base[0].is_none() {
                for (b, s) in base.iter_mut().zip(summaries) {
                    *b = Some(s.depletion);
                }
            }
        }
        let (years, m) = (self.years(), self.metrics.len());
        let n_series = self.series();
        let base_runner = &w.runners[0];
        for l in 0..count {
            depletion[l] = base[l].flatten();
            let own = &mut values[l * n_series..(l + 1) * n_series];
            let base_rows = base_runner.lane_rows(l);
            for (v, runner) in w.runners.iter().enumerate().skip(1) {
                let rows = runner.lane_rows(l);
                for (j, &k) in self.metrics.iter().enumerate() {
                    for t in 0..years {
                        own[t * (n_series / years) + (v - 1) * m + j] =
                            rows[t][k] - base_rows[t][k];
                    }
                }
            }
        }
    }
}

/// The year-by-year paired differences variant − base of `metrics` (indices of
/// [`crate::metrics::metric`]) over `paths` common paths: series `t · K + (v − 1) · M +
/// j` (`K = (n − 1) M`) is metric `metrics[j]` in year index `t`, variant `v` − base; the
/// summary's depletion histogram is the base's.
pub fn paired_yearly_differences(
    entries: &[Entry],
    paths: usize,
    seed: u64,
    threads: usize,
    metrics: &[usize],
) -> Result<Summary, CompareError> {
    paired(entries, paths, seed)?;
    let f = PairedYears {
        entries,
        seed,
        metrics,
    };
    Ok(montecarlo::run_paths(&f, paths, threads, &|_| {}))
}

/// One line of a comparison: a measure of a scenario and, for a variant, its difference
/// from the base with standard errors (paired, and as if the runs were independent).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub scenario: String,
    pub measure: String,
    pub value: Option<f64>,
    pub difference: Option<f64>,
    pub se_paired: Option<f64>,
    pub se_unpaired: Option<f64>,
}

/// The result of a comparison.
pub struct Comparison {
    pub names: Vec<String>,
    pub paths: usize,
    pub marked_years: Vec<i32>,
    pub lines: Vec<Line>,
    pub summary: Summary,
}

/// Years marked for depletion probabilities: the base's `marked_years`, else the years
/// one third and two thirds of the way to the horizon.
pub fn marked_years(model: &Model) -> Vec<i32> {
    if !model.marked_years.is_empty() {
        // Sorted, once each, and not the horizon (which has its own line).
        let mut years = model.marked_years.clone();
        years.sort_unstable();
        years.dedup();
        years.retain(|y| *y < model.frame.horizon);
        return years;
    }
    let f = model.frame;
    let span = f.horizon - f.base_year;
    let mut years = vec![f.base_year + span / 3, f.base_year + 2 * span / 3];
    years.dedup();
    years.retain(|y| *y > f.base_year && *y < f.horizon);
    years
}

/// Why scenarios cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    #[error("nothing to compare")]
    Nothing,
    #[error(
        "`{name}` projects {base_year}–{horizon}, the base {base_base_year}–{base_horizon}: compared scenarios must share their years"
    )]
    YearsDiffer {
        name: String,
        base_year: i32,
        horizon: i32,
        base_base_year: i32,
        base_horizon: i32,
    },
    #[error("a comparison needs at least 2 paths, not {paths}")]
    TooFewPaths { paths: usize },
}

/// Runs every scenario on the same paths and lines up the measures.
pub fn compare(
    entries: &[Entry],
    paths: usize,
    seed: u64,
    threads: usize,
) -> Result<Comparison, CompareError> {
    let f = paired(entries, paths, seed)?;
    let summary = montecarlo::run_paths(&f, paths, threads, &|_| {});
    Ok(comparison(&f, paths, summary))
}

/// Shard `index` of `count` of a comparison ([`montecarlo::shard_blocks`]): its partial
/// result, for [`crate::shard`]; with [`from_summary`] on the merged summary, the same
/// comparison as [`compare`], bit for bit.
pub fn compare_shard(
    entries: &[Entry],
    paths: usize,
    seed: u64,
    threads: usize,
    [index, count]: [usize; 2],
) -> Result<montecarlo::Partial, CompareError> {
    let f = paired(entries, paths, seed)?;
    let blocks = montecarlo::shard_blocks(paths, index, count);
    Ok(montecarlo::run_blocks(
        &f,
        paths,
        threads,
        blocks,
        true,
        &|_| {},
    ))
}

/// Values per path, years of the depletion histograms and depletion years per path of a
/// comparison (the shape of its tallies).
pub fn shape(entries: &[Entry], paths: usize, seed: u64) -> Result<[usize; 3], CompareError> {
    let f = paired(entries, paths, seed)?;
    Ok([f.series(), f.years(), f.groups()])
}

/// The comparison of a merged summary of `paths` paths (from [`compare_shard`]'s parts).
pub fn from_summary(
    entries: &[Entry],
    paths: usize,
    seed: u64,
    summary: Summary,
) -> Result<Comparison, CompareError> {
    let f = paired(entries, paths, seed)?;
    Ok(comparison(&f, paths, summary))
}

/// The comparison's path function, once the scenarios are checked.
fn paired<'a, 'm>(
    entries: &'a [Entry<'m>],
    paths: usize,
    seed: u64,
) -> Result<Paired<'a, 'm>, CompareError> {
    let base = entries.first().ok_or(CompareError::Nothing)?.model;
    for e in &entries[1..] {
        if e.model.frame.base_year != base.frame.base_year
            || e.model.frame.horizon != base.frame.horizon
        {
            return Err(CompareError::YearsDiffer {
                name: e.name.clone(),
                base_year: e.model.frame.base_year,
                horizon: e.model.frame.horizon,
                base_base_year: base.frame.base_year,
                base_horizon: base.frame.horizon,
            });
        }
    }
    if paths < 2 {
        return Err(CompareError::TooFewPaths { paths });
    }
    let years = marked_years(base);
    Ok(Paired {
        entries,
        seed,
        marked: years
            .iter()
            .map(|y| (y - base.frame.base_year) as usize)
            .collect(),
        china: entries.iter().any(|e| e.model.china.is_some()),
        funds: entries.iter().any(|e| e.model.funds.any()),
    })
}

/// Lines up the measures of a comparison from its summary over paths.
fn comparison(f: &Paired, paths: usize, summary: Summary) -> Comparison {
    let entries = f.entries;
    let base = entries[0].model;
    let years = marked_years(base);
    let k = f.per_scenario();
    let n = entries.len();
    let sqrt_n = (paths as f64).sqrt();
    let frame = base.frame;
    let year_of = |t: Option<usize>| t.map(|t| (frame.base_year + t as i32) as f64);
    let mut lines = Vec::new();
    let base_det = year_of(crate::deterministic(base).1.depletion);
    for (g, e) in entries.iter().enumerate() {
        let mut push = |measure: String, value: Option<f64>, diff: Option<(f64, f64, f64)>| {
            lines.push(Line {
                scenario: e.name.clone(),
                measure,
                value,
                difference: diff.map(|d| d.0),
                se_paired: diff.map(|d| d.1),
                se_unpaired: diff.map(|d| d.2),
            })
        };
        let (_, det) = crate::deterministic(e.model);
        let det_year = year_of(det.depletion);
        let det_diff = match (det_year, base_det) {
            (Some(a), Some(b)) => (a - b, f64::NAN, f64::NAN),
            _ => (f64::NAN, f64::NAN, f64::NAN),
        };
        push(
            "depletion_year_deterministic".into(),
            det_year,
            (g > 0).then_some(det_diff),
        );
        for (label, q) in [
            ("depletion_year_p50", 0.5),
            ("depletion_year_p5", 0.05),
            ("depletion_year_p95", 0.95),
        ] {
            push(
                label.into(),
                year_of(summary.group_depletion_quantile(g, q)),
                None,
            );
        }
        // Measures with means: value, and for variants the paired difference.
        let stat = |series: usize, which: usize| summary.stats[series][which];
        let mean_line = |j: usize| -> (f64, Option<(f64, f64, f64)>) {
            let own = g * k + j;
            let value = stat(own, 0);
            let diff = (g > 0).then(|| {
                let d = (n + g - 1) * k + j;
                let unpaired = (stat(own, 1).powi(2) + stat(j, 1).powi(2)).sqrt() / sqrt_n;
                (stat(d, 0), stat(d, 1) / sqrt_n, unpaired)
            });
            (value, diff)
        };
        let (v, d) = mean_line(DEPLETED_BY_HORIZON);
        push(format!("p_depleted_by({})", frame.horizon), Some(v), d);
        for (j, y) in years.iter().enumerate() {
            let (v, d) = mean_line(PATH_MEASURES.len() + j);
            push(format!("p_depleted_by({y})"), Some(v), d);
        }
        for (j, name) in PATH_MEASURES.iter().enumerate() {
            if j == DEPLETED_BY_HORIZON {
                continue;
            }
            let (v, d) = mean_line(j);
            push(format!("{name}_mean"), Some(v), d);
            // Quantiles of the sums of flows: cumulative deficit and subsidy.
            if j < 2 {
                let p95 = stat(g * k + j, 9);
                let diff = (g > 0).then(|| (p95 - stat(j, 9), f64::NAN, f64::NAN));
                push(format!("{name}_p95"), Some(p95), diff);
            }
        }
        if f.china {
            for (j, name) in CHINA_MEASURES.iter().enumerate() {
                let (v, d) = mean_line(PATH_MEASURES.len() + years.len() + j);
                push(format!("{name}_mean"), Some(v), d);
            }
        }
        if f.funds {
            let first = PATH_MEASURES.len() + years.len() + f.china_measures();
            for (j, name) in FUND_MEASURES.iter().enumerate() {
                let (v, d) = mean_line(first + j);
                push(format!("{name}_mean"), Some(v), d);
            }
        }
    }
    Comparison {
        names: entries.iter().map(|e| e.name.clone()).collect(),
        paths,
        marked_years: years,
        lines,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compared_measure_of_the_registry_has_a_value() {
        let mut row = [0.0; crate::metrics::N_METRICS];
        row[metric::DEPENDENCY_RATIO] = 0.5;
        let s = PathSummary {
            depletion: Some(3),
            ..PathSummary::default()
        };
        for key in PATH_MEASURES[N_PATH_MEASURES..]
            .iter()
            .chain(&CHINA_MEASURES)
            .chain(&FUND_MEASURES)
        {
            compared_value(key, &row, &s);
        }
        assert_eq!(compared_value("dependency_ratio_horizon", &row, &s), 0.5);
        assert_eq!(compared_value("depleted_by_horizon", &row, &s), 1.0);
        assert_eq!(PATH_MEASURES[DEPLETED_BY_HORIZON], "depleted_by_horizon");
    }
}
