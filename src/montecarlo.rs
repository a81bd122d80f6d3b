//! Monte Carlo: many paths of the projection in parallel, reproducibly.
//!
//! Takes a [`Model`] and the run's options; gives a [`Summary`] over paths. Path `i`
//! draws only from `ChaCha8Rng` seeded with the run's seed and set to stream `i`, so its
//! numbers never depend on which thread runs it. Paths are cut into fixed blocks of
//! [`BLOCK`]; each block's sums are merged in block order and the integer tallies are
//! order-free, so the results are bit-identical for any number of threads. Memory does
//! not grow with the number of paths: one tally per worker and the sums of at most
//! `AHEAD` blocks waiting to be merged.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use rayon::prelude::*;

use crate::aggregate::{record, Grid, Summary, Sums, Tally};
use crate::economy::{EconPath, Economy};
use crate::metrics::{
    fund_series_of, metric, metrics_of, N_BASE_METRICS, N_METRICS, N_PATH_MEASURES,
};
use crate::model::Model;
use crate::projection::{PathSummary, Projector, Row};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2x4, Avx512x8};
use crate::simd::{Isa, Portable, Real, Zero, MAX_LANES};

/// Paths per block (the unit of reproducible merging, and of work handed to a worker).
pub const BLOCK: usize = 256;
/// Paths of the pilot that fixes the quantile bins (the first blocks of the run).
pub const PILOT: usize = 1024;
const _: () = assert!(PILOT.is_multiple_of(BLOCK), "the pilot is whole blocks");
/// How far ahead of the last block added to the total a worker may start a block (the
/// most block sums waiting to be added; also the unit of progress reports).
const AHEAD: usize = 64;

/// Per-path measures kept after the yearly metrics, in this order (from the registry).
pub use crate::metrics::PATH_MEASURES;

/// A path's [`PATH_MEASURES`] from its last row and its summary.
pub fn path_measures(last: &Row, summary: &PathSummary) -> [f64; N_PATH_MEASURES] {
    PATH_MEASURES.map(|key| match key {
        "cumulative_deficit" => last[metric::CUMULATIVE_DEFICIT],
        "cumulative_subsidy" => summary.cumulative_subsidy,
        "pv_deficits" => summary.pv_deficits,
        _ => unreachable!("the per-path measure `{key}` of the registry has no value"),
    })
}

/// Values per path: every yearly metric of the pension, then [`PATH_MEASURES`], then the
/// yearly metrics of the other four funds and the social budget that are on
/// that Monte Carlo summarises ([`fund_series_of`], year after year; none when no fund
/// is on).
pub fn series(model: &Model) -> usize {
    let years = model.frame.years();
    years * metrics_of(model) + PATH_MEASURES.len() + years * fund_series_of(model).len()
}

/// Position in a path's values ([`series`]) of fund metric `j` (of [`fund_series_of`])
/// in year index `t`.
pub fn fund_series(model: &Model, funds: usize, t: usize, j: usize) -> usize {
    model.frame.years() * metrics_of(model) + PATH_MEASURES.len() + t * funds + j
}

/// Options of a Monte Carlo run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub paths: usize,
    pub seed: u64,
    /// Worker threads (≥ 1).
    pub threads: usize,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct McRun {
    pub summary: Summary,
    pub threads: usize,
    pub elapsed_seconds: f64,
    pub path_years_per_second: f64,
}

/// Paths projected together, one per lane of a projector's cells: 8 with AVX-512 (one
/// vector register), else 4 (the instruction set of [`Isa::chosen`]). A path's numbers do
/// not depend on it (see [`crate::projection`]).
pub fn lanes() -> usize {
    Isa::chosen().lanes()
}

/// A runner of the lane type of an instruction set.
pub enum LaneRunner<'m> {
    Baseline(Box<Runner<'m, Portable<4>>>),
    #[cfg(target_arch = "x86_64")]
    Avx2(Box<Runner<'m, Avx2x4>>),
    #[cfg(target_arch = "x86_64")]
    Avx512(Box<Runner<'m, Avx512x8>>),
}

/// `$body` with `$r` bound to the runner inside a [`LaneRunner`].
macro_rules! each_runner {
    ($self:expr, $r:ident => $body:expr) => {
        match $self {
            LaneRunner::Baseline($r) => $body,
            #[cfg(target_arch = "x86_64")]
            LaneRunner::Avx2($r) => $body,
            #[cfg(target_arch = "x86_64")]
            LaneRunner::Avx512($r) => $body,
        }
    };
}

impl<'m> LaneRunner<'m> {
    /// A runner of the instruction set of the run ([`Isa::chosen`]).
    pub fn new(model: &'m Model) -> LaneRunner<'m> {
        LaneRunner::with_isa(model, Isa::chosen())
    }

    /// A runner of `isa`'s lane type (the baseline's where the processor lacks it).
    pub fn with_isa(model: &'m Model, isa: Isa) -> LaneRunner<'m> {
        match isa.zero() {
            Zero::Baseline(z) => LaneRunner::Baseline(Box::new(Runner::lanes(model, z))),
            #[cfg(target_arch = "x86_64")]
            Zero::Avx2(z) => LaneRunner::Avx2(Box::new(Runner::lanes(model, z))),
            #[cfg(target_arch = "x86_64")]
            Zero::Avx512(z) => LaneRunner::Avx512(Box::new(Runner::lanes(model, z))),
        }
    }

    /// Paths it projects together.
    pub fn lanes(&self) -> usize {
        each_runner!(self, r => r.lanes_count())
    }

    /// Draws and projects paths `first..first + count` (`count ≤` [`Self::lanes`]),
    /// writing each path's values ([`series`] per path) and depletion year index.
    pub fn paths(
        &mut self,
        seed: u64,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        each_runner!(self, r => r.paths_into(seed, first, count, values, depletion))
    }

    /// [`Runner::project_group_from`].
    pub fn project_group_from(&mut self, shocks: Option<&[f64]>) -> [PathSummary; MAX_LANES] {
        each_runner!(self, r => r.project_group_from(shocks))
    }

    /// [`Runner::lane_rows`].
    pub fn lane_rows(&self, l: usize) -> &[Row] {
        each_runner!(self, r => r.lane_rows(l))
    }

    /// [`Runner::lane_econ`].
    pub fn lane_econ(&self, l: usize) -> &EconPath {
        each_runner!(self, r => r.lane_econ(l))
    }

    /// [`Runner::lane_payroll`].
    pub fn lane_payroll(&self, l: usize, t: usize) -> f64 {
        each_runner!(self, r => r.lane_payroll(l, t))
    }

    /// [`Runner::lane_values`].
    pub fn lane_values(&self, l: usize) -> &[f64] {
        each_runner!(self, r => r.lane_values(l))
    }

    /// [`Runner::group_values`].
    pub fn group_values(&self) -> &[f64] {
        each_runner!(self, r => r.group_values())
    }

    /// [`Runner::draw_group`].
    pub fn draw_group(&mut self, seed: u64, first: u64, count: usize) {
        each_runner!(self, r => r.draw_group(seed, first, count))
    }

    /// [`Runner::project_group`].
    pub fn project_group(&mut self, stochastic: bool) -> [PathSummary; MAX_LANES] {
        each_runner!(self, r => r.project_group(stochastic))
    }
}

/// One worker's reusable arrays: the projector, and each lane's shocks, economy, rows
/// and values.
pub struct Runner<'m, R: Real> {
    model: &'m Model,
    projector: Projector<'m, R>,
    /// `R::LANES` paths' shocks, one after the other.
    shocks: Vec<f64>,
    econ: Vec<EconPath>,
    rows: Vec<Vec<Row>>,
    /// `R::LANES` paths' values, one after the other.
    values: Vec<f64>,
    /// The fund metrics the model's Monte Carlo summarises ([`fund_series_of`]).
    funds: Vec<usize>,
}

/// A runner of one path at a time.
pub type PathRunner<'m> = Runner<'m, f64>;

impl<'m, R: Real> Runner<'m, R> {
    /// A runner of `R::LANES` paths at a time (`zero`: a zero of the lane type).
    pub fn lanes(model: &'m Model, zero: R) -> Runner<'m, R> {
        let years = model.frame.years();
        let l = R::LANES;
        Runner {
            model,
            projector: Projector::lanes(model, zero),
            shocks: vec![0.0; l * model.economy.shocks_per_path(years)],
            econ: (0..l).map(|_| EconPath::with_years(years)).collect(),
            rows: (0..l).map(|_| vec![[0.0; N_METRICS]; years]).collect(),
            values: vec![0.0; l * series(model)],
            funds: fund_series_of(model),
        }
    }

    /// Paths it projects together (`R::LANES`).
    pub fn lanes_count(&self) -> usize {
        R::LANES
    }

    /// Draws paths `first..first + count` (`1 ≤ count ≤ R::LANES`) into lanes
    /// `0..count`; the other lanes get path `first`'s shocks again (their results are
    /// not used).
    pub fn draw_group(&mut self, seed: u64, first: u64, count: usize) {
        draw_group(seed, first, count, R::LANES, &mut self.shocks);
    }

    /// Projects the lanes' shocks (`stochastic = false`: every z = 0 in every lane);
    /// the summaries of lanes `0..R::LANES`.
    pub fn project_group(&mut self, stochastic: bool) -> [PathSummary; MAX_LANES] {
        let shocks = std::mem::take(&mut self.shocks);
        let summaries = self.project_group_from(stochastic.then_some(&shocks[..]));
        self.shocks = shocks;
        summaries
    }

    /// Projects `R::LANES` paths of the given shocks (`R::LANES` paths' shocks one after
    /// the other; `None`: every z = 0); common random numbers: several runners can
    /// project the same shocks.
    pub fn project_group_from(&mut self, shocks: Option<&[f64]>) -> [PathSummary; MAX_LANES] {
        let summaries = self.project_rows(shocks);
        let n_series = self.values.len() / R::LANES;
        for (l, summary) in summaries.iter().enumerate().take(R::LANES) {
            let values = &mut self.values[l * n_series..(l + 1) * n_series];
            write_values(self.model, &self.funds, &self.rows[l], summary, values);
        }
        summaries
    }

    /// Draws and projects paths `first..first + count` (`count ≤ R::LANES`), writing
    /// each path's values and depletion year index one path after the other.
    pub fn paths_into(
        &mut self,
        seed: u64,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        self.draw_group(seed, first, count);
        let shocks = std::mem::take(&mut self.shocks);
        let summaries = self.project_rows(Some(&shocks));
        self.shocks = shocks;
        // Straight into the caller's buffer (the runner's own values are left as they
        // were).
        let n = self.values.len() / R::LANES;
        for l in 0..count {
            depletion[l] = summaries[l].depletion;
            write_values(
                self.model,
                &self.funds,
                &self.rows[l],
                &summaries[l],
                &mut values[l * n..(l + 1) * n],
            );
        }
    }

    /// Each lane's economy from its shocks (`None`: every z = 0), then the projection
    /// into the lanes' rows.
    fn project_rows(&mut self, shocks: Option<&[f64]>) -> [PathSummary; MAX_LANES] {
        // Each lane's part of `shocks` (a comparison's shared shocks may hold more draws
        // than this model reads: the funds' of another scenario).
        let per = shocks.map_or(0, |s| s.len() / R::LANES);
        debug_assert!(
            shocks.is_none() || per >= self.model.economy.shocks_per_path(self.model.frame.years())
        );
        for (l, econ) in self.econ.iter_mut().enumerate() {
            let lane = shocks.map(|s| &s[l * per..(l + 1) * per]);
            self.model.economy.fill_path(lane, econ);
        }
        let econ: [&EconPath; MAX_LANES] = std::array::from_fn(|l| &self.econ[l.min(R::LANES - 1)]);
        let mut rows = [const { Vec::new() }; MAX_LANES];
        for (l, r) in self.rows.iter_mut().enumerate() {
            rows[l] = std::mem::take(r);
        }
        let summaries = {
            let mut slices: [&mut [Row]; MAX_LANES] = rows.each_mut().map(|r| &mut r[..]);
            self.projector
                .run_lanes(&econ[..R::LANES], &mut slices[..R::LANES])
        };
        for (l, r) in rows.into_iter().enumerate().take(R::LANES) {
            self.rows[l] = r;
        }
        summaries
    }

    /// Lane `l`'s values of the last projection: the model's yearly metrics
    /// ([`metrics_of`]) year after year, then the per-path measures.
    pub fn lane_values(&self, l: usize) -> &[f64] {
        let n = self.values.len() / R::LANES;
        &self.values[l * n..(l + 1) * n]
    }
    /// Every lane's values of the last projection, lane after lane.
    pub fn group_values(&self) -> &[f64] {
        &self.values
    }

    /// Lane `l`'s rows of the last projection.
    pub fn lane_rows(&self, l: usize) -> &[Row] {
        &self.rows[l]
    }

    /// Lane `l`'s economy of the last projection.
    pub fn lane_econ(&self, l: usize) -> &EconPath {
        &self.econ[l]
    }

    /// Lane `l`'s covered payroll of year index `t` in the last projection
    /// ([`Projector::payroll`]).
    pub fn lane_payroll(&self, l: usize, t: usize) -> f64 {
        self.projector.payroll()[t][l]
    }
}

impl<'m> PathRunner<'m> {
    pub fn new(model: &'m Model) -> PathRunner<'m> {
        Runner::lanes(model, 0.0)
    }

    /// Draws path `i`'s shocks from stream `i` of the seed.
    pub fn draw(&mut self, seed: u64, i: u64) {
        self.draw_group(seed, i, 1);
    }

    /// The current shocks (`SHOCKS_PER_YEAR` per year, base year zero).
    pub fn shocks(&self) -> &[f64] {
        &self.shocks
    }

    /// Projects the path whose shocks were drawn last (`stochastic = false`: every z = 0).
    pub fn project(&mut self, stochastic: bool) -> PathSummary {
        self.project_group(stochastic)[0]
    }

    /// Projects the path of the given shocks (`None`: every z = 0).
    pub fn project_from(&mut self, shocks: Option<&[f64]>) -> PathSummary {
        self.project_group_from(shocks)[0]
    }

    /// Draws and projects path `i`.
    pub fn path(&mut self, seed: u64, i: u64) -> PathSummary {
        self.draw(seed, i);
        self.project(true)
    }

    /// The last path's rows.
    pub fn rows(&self) -> &[Row] {
        self.lane_rows(0)
    }

    /// The last path's values: the model's yearly metrics ([`metrics_of`]) year after
    /// year, then the per-path measures.
    pub fn values(&self) -> &[f64] {
        self.lane_values(0)
    }

    /// The economy of the last path.
    pub fn econ(&self) -> &EconPath {
        self.lane_econ(0)
    }
}

/// A path's values from its rows and summary: the model's yearly metrics
/// ([`metrics_of`]) year after year, then [`PATH_MEASURES`].
fn write_values(
    model: &Model,
    funds: &[usize],
    rows: &[Row],
    summary: &PathSummary,
    values: &mut [f64],
) {
    let k = metrics_of(model);
    if k == N_BASE_METRICS {
        // A length known at compile time: copied in registers, not by a call.
        for (out, row) in values.chunks_exact_mut(k).zip(rows) {
            let out: &mut [f64; N_BASE_METRICS] = out.try_into().expect("row");
            *out = row[..N_BASE_METRICS].try_into().expect("row");
        }
    } else {
        for (out, row) in values.chunks_exact_mut(k).zip(rows) {
            out.copy_from_slice(&row[..k]);
        }
    }
    let n = rows.len() * k;
    values[n..n + N_PATH_MEASURES].copy_from_slice(&path_measures(&rows[rows.len() - 1], summary));
    if !funds.is_empty() {
        let after = &mut values[n + N_PATH_MEASURES..];
        for (out, row) in after.chunks_exact_mut(funds.len()).zip(rows) {
            for (o, &i) in out.iter_mut().zip(funds) {
                *o = row[i];
            }
        }
    }
}

/// What a Monte Carlo pass computes for each path: a fixed number of values and of
/// depletion years (one per group, e.g. per scenario of a comparison).
pub trait PathFn: Sync {
    /// Per-thread state (runners, buffers), created once per worker.
    type Worker: Send;
    fn worker(&self) -> Self::Worker;
    /// Values per path.
    fn series(&self) -> usize;
    /// Depletion years per path, and the number of years they range over.
    fn groups(&self) -> usize {
        1
    }
    fn years(&self) -> usize;
    /// Paths projected together by [`Self::paths`] at most.
    fn lanes(&self) -> usize {
        1
    }
    /// Projects paths `first..first + count` (`count ≤` [`Self::lanes`]), writing their
    /// values ([`Self::series`] per path) and depletion year indices ([`Self::groups`]
    /// per path) one path after the other.
    fn paths(
        &self,
        w: &mut Self::Worker,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    );
}

/// The projection of one model: every yearly metric, then [`PATH_MEASURES`].
struct SingleModel<'m> {
    model: &'m Model,
    seed: u64,
}

impl<'m> PathFn for SingleModel<'m> {
    type Worker = LaneRunner<'m>;
    fn worker(&self) -> LaneRunner<'m> {
        LaneRunner::new(self.model)
    }
    fn series(&self) -> usize {
        series(self.model)
    }
    fn years(&self) -> usize {
        self.model.frame.years()
    }
    fn lanes(&self) -> usize {
        lanes()
    }
    fn paths(
        &self,
        w: &mut LaneRunner<'m>,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        w.paths(self.seed, first, count, values, depletion);
    }
}

/// Runs `opts.paths` paths on `opts.threads` threads; `progress` is told the number of
/// paths done every `AHEAD` blocks and at the end.
pub fn run(model: &Model, opts: Options, progress: &(dyn Fn(usize) + Sync)) -> McRun {
    run_with(model, opts, progress, None)
}

/// Receives every path's values, a block of [`BLOCK`] paths at a time, as each block is
/// projected: blocks come in any order (whichever worker finishes first), each from
/// the worker that projected it, and at most `AHEAD` blocks ahead of the first block
/// not yet given. A sink that writes them keeps them in block order
/// ([`crate::paths_out`]); what it is given never depends on the thread count.
pub trait BlockSink: Sync {
    /// Block `b`, paths `b * BLOCK..`: each path's values one after the other
    /// ([`series`] per path: the yearly metrics year after year, then
    /// [`PATH_MEASURES`]).
    fn block(&self, b: usize, values: &[f64]);
}

/// [`run`], giving every path's values to `sink` (when there is one) as well.
pub fn run_with(
    model: &Model,
    opts: Options,
    progress: &(dyn Fn(usize) + Sync),
    sink: Option<&dyn BlockSink>,
) -> McRun {
    let f = SingleModel {
        model,
        seed: opts.seed,
    };
    let start = Instant::now();
    let summary = run_paths_with(&f, opts.paths, opts.threads, progress, sink);
    let elapsed_seconds = start.elapsed().as_secs_f64();
    let path_years = (opts.paths * model.frame.years()) as f64;
    McRun {
        summary,
        threads: opts.threads.max(1),
        elapsed_seconds,
        path_years_per_second: path_years / elapsed_seconds.max(1e-9),
    }
}

/// Shard `index` of `count` of a run ([`shard_blocks`]): its partial result, each
/// block's sums kept, for [`crate::shard`] to write and merge.
pub fn run_shard(
    model: &Model,
    opts: Options,
    index: usize,
    count: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Partial {
    run_shard_with(model, opts, [index, count], progress, None)
}

/// [`run_shard`], giving the shard's blocks of values to `sink` (when there is one).
pub fn run_shard_with(
    model: &Model,
    opts: Options,
    [index, count]: [usize; 2],
    progress: &(dyn Fn(usize) + Sync),
    sink: Option<&dyn BlockSink>,
) -> Partial {
    let f = SingleModel {
        model,
        seed: opts.seed,
    };
    let blocks = shard_blocks(opts.paths, index, count);
    run_blocks_with(&f, opts.paths, opts.threads, blocks, true, progress, sink)
}

/// Draws path `i`'s shocks (`SHOCKS_PER_YEAR` per year, the base year's zero) from
/// `ChaCha8Rng` seeded with `seed`, stream `i`.
pub fn draw_shocks(seed: u64, i: u64, shocks: &mut [f64]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    Economy::draw_shocks(&mut rng, shocks);
}

/// Draws paths `first..first + count` into the first `count` of `lanes` equal parts of
/// `shocks`; the other parts get path `first`'s shocks again.
pub fn draw_group(seed: u64, first: u64, count: usize, lanes: usize, shocks: &mut [f64]) {
    let per = shocks.len() / lanes;
    for (l, part) in shocks.chunks_exact_mut(per).enumerate() {
        let i = if l < count { first + l as u64 } else { first };
        draw_shocks(seed, i, part);
    }
}

/// Block sums on their way to the total, which takes them in block order.
struct Merge {
    /// The next block the total takes.
    next: usize,
    pending: BTreeMap<usize, Sums>,
    total: Sums,
    /// Each block's sums, in block order, when kept.
    kept: Option<Vec<Sums>>,
}

impl Merge {
    /// Adds block `next`'s sums to the total (and keeps them).
    fn take(&mut self, sums: &Sums) {
        self.total.merge(sums);
        if let Some(kept) = &mut self.kept {
            kept.push(sums.clone());
        }
        self.next += 1;
    }
}

/// Raises its flag when dropped by a panic.
struct PanicFlag<'a>(&'a AtomicBool);

impl Drop for PanicFlag<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// A worker slot: its state, buffers and tally.
struct Slot<W> {
    worker: W,
    values: Vec<f64>,
    depletion: Vec<Option<usize>>,
    tally: Tally,
    sums: Sums,
    /// The block's values, for a sink (empty without one).
    block: Vec<f64>,
}

/// Aggregates `paths` paths of `f` on `threads` threads, reproducibly (see the module
/// docs): a pilot of the first [`PILOT`] paths fixes the quantile bins, then fixed
/// blocks of paths are handed to whichever worker is free.
pub fn run_paths<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Summary {
    run_paths_with(f, paths, threads, progress, None)
}

/// [`run_paths`], giving each block's values to `sink` (when there is one).
pub fn run_paths_with<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
    sink: Option<&dyn BlockSink>,
) -> Summary {
    let blocks = 0..paths.div_ceil(BLOCK);
    let p = run_blocks_with(f, paths, threads, blocks, false, progress, sink);
    Summary::new(&p.grid, &p.tally, &p.total)
}

/// What the blocks of a range of paths add up to before the summary: the quantile bins
/// (from the pilot, the same for every range of one run), the tally of the range's
/// paths, their sums added in block order, and (when kept) each block's own sums, which
/// a merge of shards adds in block order to give a single run's total bit for bit.
#[derive(Clone, Debug, PartialEq)]
pub struct Partial {
    pub grid: Grid,
    pub tally: Tally,
    pub total: Sums,
    /// The sums of each block of the range, in block order (empty unless kept).
    pub blocks: Vec<Sums>,
}

/// The blocks of paths (of [`BLOCK`] each, the last one partial) that shard `index` of
/// `count` takes: `⌊index · B / count⌋ .. ⌊(index + 1) · B / count⌋` of the run's `B`
/// blocks. The shards of a split tile the run without gaps or overlaps (a shard may be
/// empty when there are more shards than blocks).
pub fn shard_blocks(paths: usize, index: usize, count: usize) -> Range<usize> {
    let b = paths.div_ceil(BLOCK);
    (index * b / count)..((index + 1) * b / count)
}

/// The paths of a range of blocks.
pub fn block_paths(paths: usize, blocks: &Range<usize>) -> Range<usize> {
    (blocks.start * BLOCK).min(paths)..(blocks.end * BLOCK).min(paths)
}

/// [`run_paths`] over the blocks `blocks` of a run of `paths` paths only (the pilot is
/// projected whatever the range, to fix the same bins); `keep_blocks` keeps each
/// block's sums in [`Partial::blocks`].
pub fn run_blocks<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    blocks: Range<usize>,
    keep_blocks: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Partial {
    run_blocks_with(f, paths, threads, blocks, keep_blocks, progress, None)
}

/// [`run_blocks`], giving each block's values to `sink` (when there is one).
fn run_blocks_with<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    blocks: Range<usize>,
    keep_blocks: bool,
    progress: &(dyn Fn(usize) + Sync),
    sink: Option<&dyn BlockSink>,
) -> Partial {
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| aggregate(f, paths, threads, blocks, keep_blocks, progress, sink))
}

fn aggregate<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    range: Range<usize>,
    keep_blocks: bool,
    progress: &(dyn Fn(usize) + Sync),
    sink: Option<&dyn BlockSink>,
) -> Partial {
    let n_series = f.series();
    let (years, groups) = (f.years(), f.groups());
    // Pilot: the first paths fix the bins. They are kept and tallied below as the first
    // blocks, so no path is projected twice. They are split over the threads in
    // contiguous chunks.
    let lanes = f.lanes().max(1);
    let pilot = paths.min(PILOT);
    // Chunks of whole lane groups, so that every group but the last is full.
    let chunk = pilot.div_ceil(threads).next_multiple_of(lanes);
    type Piece = (Vec<f64>, Vec<Option<usize>>, Vec<f64>, Vec<f64>);
    let pieces: Vec<Piece> = (0..threads)
        .into_par_iter()
        .map(|j| {
            let mut w = f.worker();
            let range = (j * chunk).min(pilot)..((j + 1) * chunk).min(pilot);
            let mut values = vec![0.0; range.len() * n_series];
            let mut depletion = vec![None; range.len() * groups];
            let mut k = 0;
            while k < range.len() {
                let count = lanes.min(range.len() - k);
                f.paths(
                    &mut w,
                    (range.start + k) as u64,
                    count,
                    &mut values[k * n_series..(k + count) * n_series],
                    &mut depletion[k * groups..(k + count) * groups],
                );
                k += count;
            }
            let (mut lo, mut hi) = Tally::extremes(n_series);
            for path in values.chunks_exact(n_series) {
                for (s, &x) in path.iter().enumerate() {
                    lo[s] = lo[s].min(x);
                    hi[s] = hi[s].max(x);
                }
            }
            (values, depletion, lo, hi)
        })
        .collect();
    let (mut lo, mut hi) = Tally::extremes(n_series);
    for (_, _, plo, phi) in &pieces {
        for s in 0..n_series {
            lo[s] = lo[s].min(plo[s]);
            hi[s] = hi[s].max(phi[s]);
        }
    }
    let grid = Grid::from_pilot(&lo, &hi);

    let mut slots: Vec<Slot<F::Worker>> = (0..threads)
        .map(|_| Slot {
            worker: f.worker(),
            values: vec![0.0; lanes * n_series],
            depletion: vec![None; lanes * groups],
            tally: Tally::new(n_series, years, groups),
            sums: Sums::new(n_series),
            block: if sink.is_some() {
                vec![0.0; BLOCK * n_series]
            } else {
                Vec::new()
            },
        })
        .collect();
    let blocks = range.end.min(paths.div_ceil(BLOCK));
    // Blocks go to whichever worker is free (the next one from a shared counter); the
    // first blocks are the pilot's paths, only recorded. Which worker takes a block
    // changes no number: tallies are order-free and the blocks' sums are added to the
    // total in block order, each as soon as every block before it is in (the later ones
    // wait in `pending`, at most `AHEAD` of them: a worker does not start a block that
    // far ahead of the total).
    let next = AtomicUsize::new(range.start);
    let merged = AtomicUsize::new(range.start);
    // Set if a worker panics, so that the others stop waiting for its block (and the
    // panic reaches the caller instead of a hang).
    let failed = AtomicBool::new(false);
    let pilot_blocks = pilot.div_ceil(BLOCK);
    // The pilot's values, dropped once its blocks are in the total.
    let pieces = RwLock::new(pieces);
    let merge = Mutex::new(Merge {
        next: range.start,
        pending: BTreeMap::new(),
        total: Sums::new(n_series),
        kept: keep_blocks.then(Vec::new),
    });
    slots.par_iter_mut().for_each(|slot| {
        let _flag = PanicFlag(&failed);
        loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= blocks {
                break;
            }
            while b >= merged.load(Ordering::Acquire) + AHEAD {
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::yield_now();
            }
            slot.sums.clear();
            let first = b * BLOCK;
            let last = ((b + 1) * BLOCK).min(paths);
            if first < pilot {
                // The pilot's paths of the block, piece by piece, in path order.
                let pieces = pieces.read().expect("pilot values");
                for (j, (values, depletion, _, _)) in pieces.iter().enumerate() {
                    let start = j * chunk;
                    let (a, z) = (first.max(start), last.min(start + values.len() / n_series));
                    if a < z {
                        let values = &values[(a - start) * n_series..(z - start) * n_series];
                        record(
                            &mut slot.tally,
                            &mut slot.sums,
                            &grid,
                            values,
                            &depletion[(a - start) * groups..(z - start) * groups],
                        );
                        if sink.is_some() {
                            slot.block[(a - first) * n_series..(z - first) * n_series]
                                .copy_from_slice(values);
                        }
                    }
                }
            } else {
                let mut i = first;
                while i < last {
                    let count = lanes.min(last - i);
                    // With a sink, straight into the block's values (no copy).
                    let values = if sink.is_some() {
                        &mut slot.block[(i - first) * n_series..(i - first + count) * n_series]
                    } else {
                        &mut slot.values[..count * n_series]
                    };
                    f.paths(
                        &mut slot.worker,
                        i as u64,
                        count,
                        values,
                        &mut slot.depletion[..count * groups],
                    );
                    // Each series' sums take the paths in path order: the block's sums do
                    // not depend on how its paths were grouped.
                    record(
                        &mut slot.tally,
                        &mut slot.sums,
                        &grid,
                        values,
                        &slot.depletion[..count * groups],
                    );
                    i += count;
                }
            }
            if let Some(sink) = sink {
                sink.block(b, &slot.block[..(last - first) * n_series]);
            }
            let mut guard = merge.lock().expect("block sums");
            let m = &mut *guard;
            if b == m.next {
                let before = m.next;
                m.take(&slot.sums);
                while let Some(later) = m.pending.remove(&m.next) {
                    m.take(&later);
                }
                merged.store(m.next, Ordering::Release);
                if before < pilot_blocks && m.next >= pilot_blocks {
                    // Every pilot block is recorded (no reader is left).
                    *pieces.write().expect("pilot values") = Vec::new();
                }
                if before / AHEAD != m.next / AHEAD || m.next == blocks {
                    progress((m.next * BLOCK).min(paths));
                }
            } else {
                m.pending.insert(b, slot.sums.clone());
            }
        }
    });
    let Merge { total, kept, .. } = merge.into_inner().expect("block sums");
    // The first worker's tally takes the others' counts.
    let mut tallies = slots.into_iter().map(|slot| slot.tally);
    let mut tally = tallies.next().expect("at least one worker");
    let others: Vec<Tally> = tallies.collect();
    tally.merge_all(&others.iter().collect::<Vec<_>>());
    Partial {
        grid,
        tally,
        total,
        blocks: kept.unwrap_or_default(),
    }
}
