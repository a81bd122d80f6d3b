//! Monte Carlo: many paths of the projection in parallel, reproducibly.
//!
//! Takes a [`Model`] and the run's options; gives a [`Summary`] over paths. Path `i`
//! draws only from `ChaCha8Rng` seeded with the run's seed and set to stream `i`, so its
//! numbers never depend on which thread runs it. Paths are cut into fixed blocks of
//! [`BLOCK`]; each block's sums are merged in block order and the integer tallies are
//! order-free, so the results are bit-identical for any number of threads. Memory does
//! not grow with the number of paths: one tally per worker and the sums of one wave of
//! blocks at a time.

use std::sync::Mutex;
use std::time::Instant;

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use rayon::prelude::*;

use crate::aggregate::{record, Grid, Summary, Sums, Tally};
use crate::economy::{EconPath, Economy, SHOCKS_PER_YEAR};
use crate::model::Model;
use crate::projection::{metric, metrics_of, PathSummary, Projector, Row, N_METRICS};

/// Paths per block (the unit of reproducible merging).
pub const BLOCK: usize = 1024;
/// Blocks per wave (the unit of progress reports and of memory for block sums).
const WAVE: usize = 64;

/// Per-path measures kept after the yearly metrics, in this order.
pub const PATH_MEASURES: [&str; 3] = ["cumulative_deficit", "cumulative_subsidy", "pv_deficits"];

/// Values per path: every yearly metric, then [`PATH_MEASURES`].
pub fn series(model: &Model) -> usize {
    model.frame.years() * metrics_of(model) + PATH_MEASURES.len()
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

/// One worker's reusable arrays: the projector, the path's shocks, economy and rows.
pub struct PathRunner<'m> {
    model: &'m Model,
    projector: Projector<'m>,
    shocks: Vec<f64>,
    econ: EconPath,
    rows: Vec<Row>,
    values: Vec<f64>,
}

impl<'m> PathRunner<'m> {
    pub fn new(model: &'m Model) -> PathRunner<'m> {
        let years = model.frame.years();
        PathRunner {
            model,
            projector: Projector::new(model),
            shocks: vec![0.0; years * SHOCKS_PER_YEAR],
            econ: EconPath::with_years(years),
            rows: vec![[0.0; N_METRICS]; years],
            values: vec![0.0; series(model)],
        }
    }

    /// Draws path `i`'s shocks from stream `i` of the seed.
    pub fn draw(&mut self, seed: u64, i: u64) {
        draw_shocks(seed, i, &mut self.shocks);
    }

    /// The current shocks (`SHOCKS_PER_YEAR` per year, base year zero).
    pub fn shocks(&self) -> &[f64] {
        &self.shocks
    }

    /// Projects the path whose shocks were drawn last (`stochastic = false`: every z = 0).
    pub fn project(&mut self, stochastic: bool) -> PathSummary {
        let shocks = std::mem::take(&mut self.shocks);
        let summary = self.project_from(stochastic.then_some(&shocks[..]));
        self.shocks = shocks;
        summary
    }

    /// Projects the path of the given shocks (`None`: every z = 0); common random
    /// numbers: several runners can project the same shocks.
    pub fn project_from(&mut self, shocks: Option<&[f64]>) -> PathSummary {
        self.model.economy.fill_path(shocks, &mut self.econ);
        let summary = self.projector.run(&self.econ, &mut self.rows);
        let k = metrics_of(self.model);
        for (out, row) in self.values.chunks_exact_mut(k).zip(&self.rows) {
            out.copy_from_slice(&row[..k]);
        }
        let n = self.rows.len() * k;
        let last = self.rows.len() - 1;
        self.values[n] = self.rows[last][metric::CUMULATIVE_DEFICIT];
        self.values[n + 1] = summary.cumulative_subsidy;
        self.values[n + 2] = summary.pv_deficits;
        summary
    }

    /// Draws and projects path `i`.
    pub fn path(&mut self, seed: u64, i: u64) -> PathSummary {
        self.draw(seed, i);
        self.project(true)
    }

    /// The last path's rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The last path's values: the model's yearly metrics ([`metrics_of`]) year after
    /// year, then the per-path measures.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The economy of the last path.
    pub fn econ(&self) -> &EconPath {
        &self.econ
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
    /// Projects path `i`, writing its values and depletion year indices.
    fn path(
        &self,
        w: &mut Self::Worker,
        i: u64,
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
    type Worker = PathRunner<'m>;
    fn worker(&self) -> PathRunner<'m> {
        PathRunner::new(self.model)
    }
    fn series(&self) -> usize {
        series(self.model)
    }
    fn years(&self) -> usize {
        self.model.frame.years()
    }
    fn path(
        &self,
        w: &mut PathRunner<'m>,
        i: u64,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        depletion[0] = w.path(self.seed, i).depletion;
        values.copy_from_slice(w.values());
    }
}

/// Runs `opts.paths` paths on `opts.threads` threads; `progress` is told the number of
/// paths done after each wave.
pub fn run(model: &Model, opts: Options, progress: &(dyn Fn(usize) + Sync)) -> McRun {
    let f = SingleModel {
        model,
        seed: opts.seed,
    };
    let start = Instant::now();
    let summary = run_paths(&f, opts.paths, opts.threads, progress);
    let elapsed_seconds = start.elapsed().as_secs_f64();
    let path_years = (opts.paths * model.frame.years()) as f64;
    McRun {
        summary,
        threads: opts.threads.max(1),
        elapsed_seconds,
        path_years_per_second: path_years / elapsed_seconds.max(1e-9),
    }
}

/// Draws path `i`'s shocks (`SHOCKS_PER_YEAR` per year, the base year's zero) from
/// `ChaCha8Rng` seeded with `seed`, stream `i`.
pub fn draw_shocks(seed: u64, i: u64, shocks: &mut [f64]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    Economy::draw_shocks(&mut rng, shocks);
}

/// A worker slot: its state, buffers and tally, kept across waves.
struct Slot<W> {
    worker: W,
    values: Vec<f64>,
    depletion: Vec<Option<usize>>,
    tally: Tally,
    sums: Sums,
}

/// Aggregates `paths` paths of `f` on `threads` threads, reproducibly (see the module
/// docs): a pilot of the first [`BLOCK`] paths fixes the quantile bins, then fixed
/// blocks of paths are spread over the workers wave by wave.
pub fn run_paths<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Summary {
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| aggregate(f, paths, threads, progress))
}

fn aggregate<F: PathFn>(
    f: &F,
    paths: usize,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Summary {
    let n_series = f.series();
    let (years, groups) = (f.years(), f.groups());
    // Pilot: the first block of paths fixes the bins. Its paths are kept and tallied
    // below as block 0, so no path is projected twice. It is split over the threads in
    // contiguous chunks and put back in path order.
    let pilot = paths.min(BLOCK);
    let chunk = pilot.div_ceil(threads);
    let pieces: Vec<(Vec<f64>, Vec<Option<usize>>)> = (0..threads)
        .into_par_iter()
        .map(|j| {
            let mut w = f.worker();
            let range = (j * chunk).min(pilot)..((j + 1) * chunk).min(pilot);
            let mut values = vec![0.0; range.len() * n_series];
            let mut depletion = vec![None; range.len() * groups];
            for (k, i) in range.enumerate() {
                f.path(
                    &mut w,
                    i as u64,
                    &mut values[k * n_series..(k + 1) * n_series],
                    &mut depletion[k * groups..(k + 1) * groups],
                );
            }
            (values, depletion)
        })
        .collect();
    let (mut lo, mut hi) = Tally::extremes(n_series);
    for (values, _) in &pieces {
        for path in values.chunks_exact(n_series) {
            for (s, &x) in path.iter().enumerate() {
                lo[s] = lo[s].min(x);
                hi[s] = hi[s].max(x);
            }
        }
    }
    let grid = Grid::from_pilot(&lo, &hi);

    let slots: Vec<Mutex<Slot<F::Worker>>> = (0..threads)
        .map(|_| {
            Mutex::new(Slot {
                worker: f.worker(),
                values: vec![0.0; n_series],
                depletion: vec![None; groups],
                tally: Tally::new(n_series, years, groups),
                sums: Sums::new(n_series),
            })
        })
        .collect();
    let blocks = paths.div_ceil(BLOCK);
    let mut total = Sums::new(n_series);
    {
        // Block 0: the pilot's paths, in path order.
        let mut slot = slots[0].lock().expect("worker slot");
        let slot = &mut *slot;
        for (values, depletion) in &pieces {
            for (v, d) in values
                .chunks_exact(n_series)
                .zip(depletion.chunks_exact(groups))
            {
                record(&mut slot.tally, &mut total, &grid, v, d);
            }
        }
    }
    drop(pieces);
    let mut wave_start = 1;
    while wave_start < blocks {
        let wave_end = (wave_start + WAVE).min(blocks);
        let mut done: Vec<(usize, Sums)> = (0..threads)
            .into_par_iter()
            .flat_map_iter(|j| {
                let mut slot = slots[j].lock().expect("worker slot");
                let slot = &mut *slot;
                let mut out = Vec::new();
                let mut b = wave_start + j;
                while b < wave_end {
                    slot.sums.clear();
                    let first = b * BLOCK;
                    let last = ((b + 1) * BLOCK).min(paths);
                    for i in first..last {
                        f.path(
                            &mut slot.worker,
                            i as u64,
                            &mut slot.values,
                            &mut slot.depletion,
                        );
                        record(
                            &mut slot.tally,
                            &mut slot.sums,
                            &grid,
                            &slot.values,
                            &slot.depletion,
                        );
                    }
                    out.push((b, slot.sums.clone()));
                    b += threads;
                }
                out
            })
            .collect();
        done.sort_by_key(|(b, _)| *b);
        for (_, s) in &done {
            total.merge(s);
        }
        progress((wave_end * BLOCK).min(paths));
        wave_start = wave_end;
    }
    let mut tally = Tally::new(n_series, years, groups);
    for slot in &slots {
        tally.merge(&slot.lock().expect("worker slot").tally);
    }
    Summary::new(&grid, &tally, &total)
}
