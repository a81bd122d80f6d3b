//! `fundcast._fundcast`: the engine for Python. Each function takes a scenario (a path, a
//! TOML string or a dict) and overrides, reads them while it holds the GIL, then
//! releases it (`Python::detach`) for everything the engine does, and gives back
//! results whose tables are Arrow columns ([`arrow::Table`]). The Python package
//! (`fundcast/`) wraps them in pandas DataFrames; the numbers are those of the command
//! line, bit for bit: the same library functions, in the same order.

mod arrow;
mod errors;
mod input;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use fundcast::aggregate::{Summary, STATS};
use fundcast::measure::{Measure, Target};
use fundcast::metrics::{METRICS, PATH_MEASURES};
use fundcast::montecarlo::{self, LaneRunner, Options, PathFn};
use fundcast::policy::{self, PolicyError, Swing};
use fundcast::projection::Row;
use fundcast::shard::Part;
use fundcast::variants::Change;
use fundcast::{export, Model};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use arrow::{Column, Table};
use errors::{Fail, Fallible};
use input::{Loaded, Source};

/// The most paths a run takes (as `--paths` and the scenario key `paths`).
const MAX_PATHS: usize = 100_000_000;
/// The most threads a run takes (as `--threads`).
const MAX_THREADS: usize = 4096;
/// The most values `keep_paths=True` keeps (paths × values per path): 512 MiB of
/// float64, about 58,000 paths of a 46-year scenario.
const MAX_KEPT_VALUES: usize = 1 << 26;

/// Runs `f` with the GIL released and turns its failure into the Python exception.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Fallible<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(|e| e.into_py(py))
}

/// Monte Carlo options as the command line makes them: `paths` (else the scenario's,
/// else `default_paths`), `seed` (else the scenario's), `threads` (else every core),
/// never more threads than paths.
fn options(
    model: &Model,
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    default_paths: usize,
) -> Fallible<Options> {
    if let Some(p) = paths.filter(|p| *p > MAX_PATHS) {
        return Err(Fail::input(format!(
            "paths `{p}`: expected a number of paths in 0..={MAX_PATHS}"
        )));
    }
    if let Some(t) = threads.filter(|t| *t == 0 || *t > MAX_THREADS) {
        return Err(Fail::input(format!(
            "threads `{t}`: expected a number of threads in 1..={MAX_THREADS}"
        )));
    }
    let paths = paths.or(model.paths).unwrap_or(default_paths);
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(Options {
        paths,
        seed: seed.unwrap_or(model.seed),
        threads: threads.min(paths.max(1)),
    })
}

/// What a Monte Carlo run adds to the deterministic projection.
struct McResult {
    summary: Summary,
    seed: u64,
    paths: usize,
    threads: usize,
    elapsed_seconds: f64,
    path_years_per_second: f64,
    inputs: Vec<(String, String)>,
}

/// Each path's values (as [`montecarlo::series`] orders them) and depletion year index.
struct Kept {
    values: Vec<f64>,
    depletion: Vec<Option<usize>>,
}

/// The result of `run` or `merge`: the deterministic projection and, with paths, the
/// Monte Carlo summary (and each path's values when kept).
#[pyclass(frozen, module = "fundcast._fundcast")]
struct RunResult {
    model: Arc<Model>,
    label: String,
    rows: Vec<Row>,
    deterministic_depletion: Option<usize>,
    mc: Option<McResult>,
    kept: Option<Kept>,
}

/// A single model's paths, keeping each path's values: the engine's own projection
/// (`montecarlo::run` runs the same calls on the same paths), so the summary is the
/// same bit for bit.
struct Keeping<'m> {
    model: &'m Model,
    seed: u64,
    series: usize,
    kept: Mutex<Kept>,
}

impl<'m> PathFn for Keeping<'m> {
    type Worker = LaneRunner<'m>;
    fn worker(&self) -> LaneRunner<'m> {
        LaneRunner::new(self.model)
    }
    fn series(&self) -> usize {
        self.series
    }
    fn years(&self) -> usize {
        self.model.frame.years()
    }
    fn lanes(&self) -> usize {
        montecarlo::lanes()
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
        let first = first as usize;
        let mut k = self.kept.lock().expect("kept paths");
        k.values[first * self.series..(first + count) * self.series]
            .copy_from_slice(&values[..count * self.series]);
        k.depletion[first..first + count].copy_from_slice(&depletion[..count]);
    }
}

fn deterministic(model: &Model) -> Fallible<(Vec<Row>, Option<usize>)> {
    let (rows, det) = fundcast::deterministic(model);
    export::check_rows(model, &rows)?;
    Ok((rows, det.depletion))
}

fn run_loaded(l: Loaded, opts: Options, keep_paths: bool) -> Fallible<RunResult> {
    let model = l.model;
    let (rows, deterministic_depletion) = deterministic(&model)?;
    let (mut mc, mut kept) = (None, None);
    if opts.paths > 0 {
        let series = montecarlo::series(&model);
        let (summary, elapsed_seconds) = if keep_paths {
            if opts.paths.saturating_mul(series) > MAX_KEPT_VALUES {
                return Err(Fail::input(format!(
                    "keep_paths: {} paths × {series} values is over {MAX_KEPT_VALUES} values \
                     (512 MiB); keep fewer paths, or run without keep_paths",
                    opts.paths
                )));
            }
            let f = Keeping {
                model: &model,
                seed: opts.seed,
                series,
                kept: Mutex::new(Kept {
                    values: vec![0.0; opts.paths * series],
                    depletion: vec![None; opts.paths],
                }),
            };
            let start = Instant::now();
            let summary = montecarlo::run_paths(&f, opts.paths, opts.threads, &|_| {});
            let elapsed = start.elapsed().as_secs_f64();
            kept = Some(f.kept.into_inner().expect("kept paths"));
            (summary, elapsed)
        } else {
            let r = montecarlo::run(&model, opts, &|_| {});
            (r.summary, r.elapsed_seconds)
        };
        export::check_summary(&model, &summary)?;
        let path_years = (opts.paths * model.frame.years()) as f64;
        mc = Some(McResult {
            summary,
            seed: opts.seed,
            paths: opts.paths,
            threads: opts.threads.max(1),
            elapsed_seconds,
            path_years_per_second: path_years / elapsed_seconds.max(1e-9),
            inputs: l.inputs,
        });
    }
    Ok(RunResult {
        model: Arc::new(model),
        label: l.label,
        rows,
        deterministic_depletion,
        mc,
        kept,
    })
}

impl RunResult {
    fn years(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.model.frame.years()).map(|t| (self.model.frame.base_year + t as i32) as i64)
    }

    fn mc(&self) -> PyResult<&McResult> {
        self.mc.as_ref().ok_or_else(|| {
            PyValueError::new_err("a run without Monte Carlo paths has no summary (give paths=N)")
        })
    }

    fn run_info(&self, mc: &McResult) -> export::RunInfo<'_> {
        export::RunInfo {
            scenario_path: std::path::Path::new(&self.label),
            scenario_sha256: mc.inputs[0].1.clone(),
            inputs: mc.inputs.clone(),
            seed: mc.seed,
            paths: mc.paths,
            threads: mc.threads,
            elapsed_seconds: mc.elapsed_seconds,
            path_years_per_second: mc.path_years_per_second,
            deterministic_depletion: self.deterministic_depletion,
        }
    }

    /// The files a run writes, in the command line's order, with their text.
    fn files(&self) -> Vec<(&'static str, String)> {
        let model = &*self.model;
        let mut files = vec![("deterministic.csv", export::rows_csv(model, &self.rows))];
        if model.funds.any() {
            files.push(("funds.csv", export::funds::funds_csv(model, &self.rows)));
        }
        if let Some(mc) = &self.mc {
            files.push(("summary.csv", export::summary_csv(model, &mc.summary)));
            files.push(("depletion.csv", export::depletion_csv(model, &mc.summary)));
            files.push((
                "run.json",
                export::run_json(model, &self.run_info(mc), &mc.summary),
            ));
        }
        if model.funds.any() {
            let summary = self.mc.as_ref().map(|mc| &mc.summary);
            files.push((
                "social-budget.csv",
                export::funds::social_budget_csv(model, &self.rows, summary),
            ));
        }
        files
    }
}

#[pymethods]
impl RunResult {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.model.name.clone()
    }
    #[getter]
    fn currency(&self) -> String {
        self.model.currency.clone()
    }
    #[getter]
    fn base_year(&self) -> i32 {
        self.model.frame.base_year
    }
    #[getter]
    fn horizon(&self) -> i32 {
        self.model.frame.horizon
    }
    /// The scenario as the run names it: its path as given, `<string>` or `<dict>`.
    #[getter]
    fn scenario(&self) -> String {
        self.label.clone()
    }
    /// Monte Carlo paths (0: the deterministic projection only).
    #[getter]
    fn n_paths(&self) -> usize {
        self.mc.as_ref().map_or(0, |m| m.paths)
    }
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.mc.as_ref().map(|m| m.seed)
    }
    #[getter]
    fn threads(&self) -> Option<usize> {
        self.mc.as_ref().map(|m| m.threads)
    }
    #[getter]
    fn elapsed_seconds(&self) -> Option<f64> {
        self.mc.as_ref().map(|m| m.elapsed_seconds)
    }
    /// The year the deterministic projection's fund runs out, or `None`.
    #[getter]
    fn deterministic_depletion_year(&self) -> Option<i32> {
        self.deterministic_depletion
            .map(|t| self.model.frame.base_year + t as i32)
    }
    /// Whether each path's values were kept (`keep_paths=True`).
    #[getter]
    fn has_paths(&self) -> bool {
        self.kept.is_some()
    }

    /// `deterministic.csv` as a table: `year`, then every metric.
    fn deterministic(&self) -> Table {
        let k = export::metric_count(&self.model);
        let mut cols = vec![("year".to_string(), Column::I64(self.years().collect()))];
        // The pension's metrics, then those of the other funds that are on.
        let funds = fundcast::metrics::fund_metrics_of(&self.model);
        for m in (0..k).chain(funds) {
            cols.push((
                METRICS[m].to_string(),
                Column::F64(self.rows.iter().map(|r| r[m]).collect()),
            ));
        }
        Table::new(cols)
    }

    /// `summary.csv` as a table: `year`, `metric`, `stat`, `value`, in its row order.
    fn summary(&self) -> PyResult<Table> {
        let mc = self.mc()?;
        let k = export::metric_count(&self.model);
        let n = self.model.frame.years() * k * STATS.len();
        let (mut year, mut metric, mut stat, mut value) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (t, y) in self.years().enumerate() {
            // The pension's metrics, then the funds' that Monte Carlo summarises.
            let funds = fundcast::metrics::fund_series_of(&self.model);
            let series =
                (0..k)
                    .map(|m| (METRICS[m], t * k + m))
                    .chain(funds.iter().enumerate().map(|(j, &i)| {
                        let at = montecarlo::fund_series(&self.model, funds.len(), t, j);
                        (METRICS[i], at)
                    }));
            for (name, at) in series {
                let stats = &mc.summary.stats[at];
                for (j, s) in STATS.iter().enumerate() {
                    year.push(y);
                    metric.push(name);
                    stat.push(*s);
                    value.push(stats[j]);
                }
            }
        }
        Ok(Table::new(vec![
            ("year".into(), Column::I64(year)),
            ("metric".into(), Column::strings(metric)),
            ("stat".into(), Column::strings(stat)),
            ("value".into(), Column::F64(value)),
        ]))
    }

    /// `depletion.csv` as a table: `year`, `p_depleted_by`, `p_depleted_in`.
    fn depletion(&self) -> PyResult<Table> {
        let s = &self.mc()?.summary;
        let years = self.model.frame.years();
        Ok(Table::new(vec![
            ("year".into(), Column::I64(self.years().collect())),
            (
                "p_depleted_by".into(),
                Column::F64((0..years).map(|t| s.p_depleted_by(t)).collect()),
            ),
            (
                "p_depleted_in".into(),
                Column::F64((0..years).map(|t| s.p_depleted_in(t)).collect()),
            ),
        ]))
    }

    /// The per-path measures (`cumulative_deficit`, `cumulative_subsidy`,
    /// `pv_deficits`) summarised over paths as `run.json` has them: `measure`, `stat`,
    /// `value`.
    fn path_measures_summary(&self) -> PyResult<Table> {
        let mc = self.mc()?;
        let base = self.model.frame.years() * export::metric_count(&self.model);
        let (mut measure, mut stat, mut value) = (Vec::new(), Vec::new(), Vec::new());
        for (j, name) in PATH_MEASURES.iter().enumerate() {
            for (i, s) in STATS.iter().enumerate() {
                measure.push(*name);
                stat.push(*s);
                value.push(mc.summary.stats[base + j][i]);
            }
        }
        Ok(Table::new(vec![
            ("measure".into(), Column::strings(measure)),
            ("stat".into(), Column::strings(stat)),
            ("value".into(), Column::F64(value)),
        ]))
    }

    /// Each kept path's yearly metrics: `path`, `year`, then every metric (one row per
    /// path and year, paths in order).
    fn paths(&self) -> PyResult<Table> {
        let kept = self.kept()?;
        let years = self.model.frame.years();
        let k = export::metric_count(&self.model);
        let series = montecarlo::series(&self.model);
        let n = kept.depletion.len();
        let mut cols = vec![
            (
                "path".to_string(),
                Column::I64(
                    (0..n as i64)
                        .flat_map(|p| std::iter::repeat_n(p, years))
                        .collect(),
                ),
            ),
            (
                "year".to_string(),
                Column::I64((0..n).flat_map(|_| self.years()).collect()),
            ),
        ];
        for (m, name) in METRICS[..k].iter().enumerate() {
            let mut col = Vec::with_capacity(n * years);
            for p in 0..n {
                col.extend((0..years).map(|t| kept.values[p * series + t * k + m]));
            }
            cols.push((name.to_string(), Column::F64(col)));
        }
        Ok(Table::new(cols))
    }

    /// Each kept path's whole-path measures: `path`, `depletion_year` (NaN when the fund
    /// lasts), then `cumulative_deficit`, `cumulative_subsidy`, `pv_deficits`.
    fn path_measures(&self) -> PyResult<Table> {
        let kept = self.kept()?;
        let base = self.model.frame.years() * export::metric_count(&self.model);
        let series = montecarlo::series(&self.model);
        let n = kept.depletion.len();
        let by = self.model.frame.base_year as f64;
        let mut cols = vec![
            ("path".to_string(), Column::I64((0..n as i64).collect())),
            (
                "depletion_year".to_string(),
                Column::F64(
                    kept.depletion
                        .iter()
                        .map(|d| d.map_or(f64::NAN, |t| by + t as f64))
                        .collect(),
                ),
            ),
        ];
        for (j, name) in PATH_MEASURES.iter().enumerate() {
            cols.push((
                name.to_string(),
                Column::F64((0..n).map(|p| kept.values[p * series + base + j]).collect()),
            ));
        }
        Ok(Table::new(cols))
    }

    /// The text of one of the files the command line writes for this run
    /// (`deterministic.csv`, `summary.csv`, `depletion.csv`, `run.json`), byte for byte
    /// but for `run.json`'s timing fields.
    fn to_csv(&self, name: &str) -> PyResult<String> {
        self.files()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text)
            .ok_or_else(|| {
                let names: Vec<&str> = self.files().iter().map(|(n, _)| *n).collect();
                PyValueError::new_err(format!(
                    "no file `{name}` in this run (it has {})",
                    names.join(", ")
                ))
            })
    }

    /// Writes the run's files into `out` (created if needed), each atomically, as
    /// `fundcast run --out` does; gives their paths.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<Vec<PathBuf>> {
        let files = self.files();
        py.detach(|| -> std::io::Result<Vec<PathBuf>> {
            std::fs::create_dir_all(&out)?;
            let mut written = Vec::new();
            for (name, text) in &files {
                let path = out.join(name);
                export::write_atomic(&path, text.as_bytes())?;
                written.push(path);
            }
            Ok(written)
        })
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", out.display())))
    }
}

impl RunResult {
    fn kept(&self) -> PyResult<&Kept> {
        self.kept.as_ref().ok_or_else(|| {
            PyValueError::new_err(
                "each path's values are kept only when asked: run(..., paths=N, keep_paths=True)",
            )
        })
    }
}

/// Projects a scenario: the deterministic projection and, with paths, the Monte Carlo
/// summary.
#[pyfunction]
#[pyo3(signature = (scenario, *, paths = None, seed = None, threads = None, overrides = None, keep_paths = false))]
fn run(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'_, PyDict>>,
    keep_paths: bool,
) -> PyResult<RunResult> {
    let source = Source::extract(scenario)?;
    let overrides = input::overrides(overrides)?;
    detached(py, || {
        let l = source.load(&overrides)?;
        let opts = options(&l.model, paths, seed, threads, 0)?;
        run_loaded(l, opts, keep_paths)
    })
}

/// Validates a scenario; gives what it is (name, years, ages, paths and seed).
#[pyfunction]
#[pyo3(signature = (scenario, *, overrides = None))]
fn check<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let source = Source::extract(scenario)?;
    let overrides = input::overrides(overrides)?;
    let l = detached(py, || source.load(&overrides))?;
    let m = &l.model;
    let d = PyDict::new(py);
    d.set_item("scenario", &l.label)?;
    d.set_item("name", &m.name)?;
    d.set_item("currency", &m.currency)?;
    d.set_item("base_year", m.frame.base_year)?;
    d.set_item("horizon", m.frame.horizon)?;
    d.set_item("max_age", m.frame.max_age)?;
    d.set_item("paths", m.paths)?;
    d.set_item("seed", m.seed)?;
    d.set_item("metrics", METRICS[..export::metric_count(m)].to_vec())?;
    Ok(d)
}

/// The result of `compare`: `comparison.csv` as a table.
#[pyclass(frozen, module = "fundcast._fundcast")]
struct ComparisonResult {
    names: Vec<String>,
    paths: usize,
    marked_years: Vec<i32>,
    lines: Vec<fundcast::compare::Line>,
    csv: String,
}

#[pymethods]
impl ComparisonResult {
    #[getter]
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }
    #[getter]
    fn n_paths(&self) -> usize {
        self.paths
    }
    #[getter]
    fn marked_years(&self) -> Vec<i32> {
        self.marked_years.clone()
    }
    /// `scenario`, `measure`, `value`, `difference`, `se_paired`, `se_unpaired` (NaN
    /// where `comparison.csv` has an empty cell: none, e.g. a fund never depleted).
    fn table(&self) -> Table {
        let f = |g: fn(&fundcast::compare::Line) -> Option<f64>| {
            Column::F64(
                self.lines
                    .iter()
                    .map(|l| g(l).filter(|v| v.is_finite()).unwrap_or(f64::NAN))
                    .collect(),
            )
        };
        Table::new(vec![
            (
                "scenario".into(),
                Column::strings(self.lines.iter().map(|l| l.scenario.as_str())),
            ),
            (
                "measure".into(),
                Column::strings(self.lines.iter().map(|l| l.measure.as_str())),
            ),
            ("value".into(), f(|l| l.value)),
            ("difference".into(), f(|l| l.difference)),
            ("se_paired".into(), f(|l| l.se_paired)),
            ("se_unpaired".into(), f(|l| l.se_unpaired)),
        ])
    }
    /// `comparison.csv`'s text, as `fundcast compare` writes it.
    fn to_csv(&self) -> String {
        self.csv.clone()
    }
}

/// Runs a base and variants on common random numbers and compares them.
#[pyfunction]
#[pyo3(signature = (base, variants, *, paths = None, seed = None, threads = None, names = None))]
fn compare(
    py: Python<'_>,
    base: &Bound<'_, PyAny>,
    variants: &Bound<'_, PyList>,
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    names: Option<Vec<String>>,
) -> PyResult<ComparisonResult> {
    let mut sources = vec![Source::extract(base)?];
    for v in variants.iter() {
        sources.push(Source::extract(&v)?);
    }
    if sources.len() < 2 {
        return Err(Fail::input("compare: give at least one variant").into_py(py));
    }
    if let Some(n) = names.as_ref().filter(|n| n.len() != sources.len()) {
        return Err(Fail::input(format!(
            "names: {} names for {} scenarios (the base, then each variant)",
            n.len(),
            sources.len()
        ))
        .into_py(py));
    }
    detached(py, || {
        let mut models = Vec::new();
        for (i, s) in sources.iter().enumerate() {
            let l = s.load(&[])?;
            let name = names
                .as_ref()
                .map_or_else(|| l.stem.clone(), |n| n[i].clone());
            export::check_rows(&l.model, &fundcast::deterministic(&l.model).0)?;
            models.push((name, l.model));
        }
        let opts = options(&models[0].1, paths, seed, threads, 1000)?;
        let entries: Vec<fundcast::compare::Entry> = models
            .iter()
            .map(|(name, model)| fundcast::compare::Entry {
                name: name.clone(),
                model,
            })
            .collect();
        let c = fundcast::compare::compare(&entries, opts.paths, opts.seed, opts.threads)?;
        export::check_comparison(&c, models[0].1.frame.horizon)?;
        let csv = export::comparison_csv(&c);
        Ok(ComparisonResult {
            names: c.names,
            paths: c.paths,
            marked_years: c.marked_years,
            lines: c.lines,
            csv,
        })
    })
}

/// The answer of `solve`.
#[pyclass(frozen, get_all, module = "fundcast._fundcast")]
struct Solution {
    /// The lever's key.
    lever: String,
    /// The lever value found.
    value: f64,
    /// The measure's name, e.g. `p_depleted_by(2050)`.
    measure: String,
    /// The measure at `value`, and its Monte Carlo standard error (0 when deterministic).
    achieved: f64,
    standard_error: f64,
    /// Every lever value tried, with the measure there.
    tried: Vec<(f64, f64)>,
    /// Whether the target holds over the whole range (`value` is then its low end).
    whole_range: bool,
    /// Paths and seed of every evaluation (0 paths: deterministic).
    n_paths: usize,
    seed: u64,
}

#[pymethods]
impl Solution {
    fn __repr__(&self) -> String {
        format!(
            "Solution({} = {} gives {} = {} ± {}; {} evaluations)",
            self.lever,
            self.value,
            self.measure,
            self.achieved,
            self.standard_error,
            self.tried.len()
        )
    }
}

/// Finds the value of a lever that meets a target (`fundcast solve`).
#[pyfunction]
#[pyo3(signature = (scenario, lever, target, *, range = None, tolerance = None, paths = None, seed = None, threads = None, overrides = None))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    lever: String,
    target: String,
    range: Option<(f64, f64)>,
    tolerance: Option<f64>,
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<Solution> {
    let source = Source::extract(scenario)?;
    let overrides = input::overrides(overrides)?;
    detached(py, || {
        let l = source.load(&overrides)?;
        let t = Target::parse(&target).map_err(|e| Fail::from(e).context("target"))?;
        t.measure
            .check(l.model.frame)
            .map_err(|e| Fail::from(e).context("target"))?;
        let range = match range {
            Some(r) => r,
            None => policy::default_range(&lever).ok_or_else(|| {
                Fail::input(format!(
                    "no default range for `{lever}`: give range=(LO, HI)"
                ))
            })?,
        };
        policy::check_tolerance(range, tolerance)?;
        policy::check_lever(&l.node, &l.sources, &lever, Change::Set(range.0))
            .map_err(|e| Fail::from(e).context("lever"))?;
        let mut opts = options(&l.model, paths, seed, threads, 1000)?;
        if paths.is_none() && l.model.paths.is_none() && !t.measure.needs_paths() {
            opts.paths = 0;
        }
        let sol = policy::solve(
            &l.node,
            &l.sources,
            &lever,
            range,
            &t,
            Some(opts),
            tolerance,
        )?;
        Ok(Solution {
            lever,
            value: sol.value,
            measure: t.measure.name(),
            achieved: sol.achieved.value,
            standard_error: sol.achieved.standard_error,
            tried: sol.tried,
            whole_range: sol.whole_range,
            n_paths: opts.paths,
            seed: opts.seed,
        })
    })
}

/// The result of `sensitivity`: the tornado table.
#[pyclass(frozen, module = "fundcast._fundcast")]
struct SensitivityResult {
    measure: String,
    base: f64,
    base_se: f64,
    rows: Vec<Swing>,
    csv: String,
}

#[pymethods]
impl SensitivityResult {
    #[getter]
    fn measure(&self) -> String {
        self.measure.clone()
    }
    /// The measure on the scenario as it is, and its standard error.
    #[getter]
    fn base(&self) -> f64 {
        self.base
    }
    #[getter]
    fn base_standard_error(&self) -> f64 {
        self.base_se
    }
    /// `sensitivity.csv` as a table: `key`, `low`, `high`, `measure`, `base`, `at_low`,
    /// `at_high` (NaN where the change makes the scenario invalid: see `note`), `swing`,
    /// `note`; largest swing first.
    fn table(&self) -> Table {
        let at = |e: &Result<fundcast::measure::Evaluation, PolicyError>| match e {
            Ok(e) => e.value,
            Err(_) => f64::NAN,
        };
        let rows = &self.rows;
        Table::new(vec![
            (
                "key".into(),
                Column::strings(rows.iter().map(|r| r.key.as_str())),
            ),
            (
                "low".into(),
                Column::strings(rows.iter().map(|r| export::change_text(r.low))),
            ),
            (
                "high".into(),
                Column::strings(rows.iter().map(|r| export::change_text(r.high))),
            ),
            (
                "measure".into(),
                Column::strings(rows.iter().map(|_| self.measure.as_str())),
            ),
            (
                "base".into(),
                Column::F64(rows.iter().map(|_| self.base).collect()),
            ),
            (
                "at_low".into(),
                Column::F64(rows.iter().map(|r| at(&r.at_low)).collect()),
            ),
            (
                "at_high".into(),
                Column::F64(rows.iter().map(|r| at(&r.at_high)).collect()),
            ),
            (
                "swing".into(),
                Column::F64(rows.iter().map(Swing::size).collect()),
            ),
            (
                "note".into(),
                Column::strings(rows.iter().map(|r| {
                    [&r.at_low, &r.at_high]
                        .iter()
                        .filter_map(|e| e.as_ref().err().map(|e| e.to_string()))
                        .collect::<Vec<_>>()
                        .join("; ")
                })),
            ),
        ])
    }
    /// `sensitivity.csv`'s text, as `fundcast sensitivity` writes it.
    fn to_csv(&self) -> String {
        self.csv.clone()
    }
}

/// One-at-a-time sensitivity of a measure (`fundcast sensitivity`). `vary` maps each
/// key to its `(low, high)` changes (numbers, or strings `"x0.9"`, `"d-0.01"`); by
/// default the main assumptions.
#[pyfunction]
#[pyo3(signature = (scenario, measure, *, vary = None, paths = None, seed = None, threads = None, overrides = None))]
#[allow(clippy::too_many_arguments)]
fn sensitivity(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    measure: String,
    vary: Option<&Bound<'_, PyDict>>,
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<SensitivityResult> {
    let source = Source::extract(scenario)?;
    let overrides = input::overrides(overrides)?;
    let vary: Option<Vec<(String, Change, Change)>> = match vary {
        None => None,
        Some(d) => Some(
            d.iter()
                .map(|(k, v)| {
                    let key: String = k.extract()?;
                    let (lo, hi): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                        v.extract().map_err(|_| {
                            pyo3::exceptions::PyTypeError::new_err(format!(
                                "vary: `{key}`: expected a pair (low, high)"
                            ))
                        })?;
                    Ok((
                        key.clone(),
                        input::change(&key, &lo)?,
                        input::change(&key, &hi)?,
                    ))
                })
                .collect::<PyResult<_>>()?,
        ),
    };
    detached(py, || {
        let l = source.load(&overrides)?;
        let m = Measure::parse(&measure)
            .and_then(|m| m.check(l.model.frame).map(|()| m))
            .map_err(|e| Fail::from(e).context("measure"))?;
        let mut opts = options(&l.model, paths, seed, threads, 1000)?;
        if paths.is_none() && l.model.paths.is_none() && !m.needs_paths() {
            opts.paths = 0;
        }
        let varies = match vary {
            Some(v) => {
                for (key, lo, hi) in &v {
                    for c in [*lo, *hi] {
                        policy::check_lever(&l.node, &l.sources, key, c)
                            .map_err(|e| Fail::from(e).context("vary"))?;
                    }
                }
                v
            }
            None => policy::default_varies(&l.node),
        };
        let (base, rows) = policy::sensitivity(&l.node, &l.sources, m, &varies, Some(opts))?;
        let csv = export::sensitivity_csv(&m.name(), &base, &rows);
        Ok(SensitivityResult {
            measure: m.name(),
            base: base.value,
            base_se: base.standard_error,
            rows,
            csv,
        })
    })
}

/// Runs shard `k` of `n` of a Monte Carlo run (`fundcast run --shard K/N`); gives the
/// part file's bytes, for `merge`.
#[pyfunction]
#[pyo3(signature = (scenario, shard, *, paths = None, seed = None, threads = None, overrides = None))]
fn run_shard<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    shard: (usize, usize),
    paths: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let source = Source::extract(scenario)?;
    let overrides = input::overrides(overrides)?;
    let (k, n) = shard;
    let bytes = detached(py, || {
        if n == 0 || n > 10_000 || k >= n {
            return Err(Fail::input(format!(
                "shard ({k}, {n}): expected (K, N) with 0 <= K < N <= 10000 (K counts from 0)"
            )));
        }
        let l = source.load(&overrides)?;
        let model = &l.model;
        let opts = options(model, paths, seed, threads, 0)?;
        if opts.paths == 0 {
            return Err(Fail::input(
                "shard: a sharded run needs Monte Carlo paths (paths=N or the scenario's `paths`)",
            ));
        }
        let (_, det) = deterministic(model)?;
        let mut header = fundcast::shard::header(
            &l.label,
            l.inputs.clone(),
            opts.seed,
            opts.paths,
            [k, n],
            montecarlo::series(model),
            model.frame.years(),
            1,
        );
        let start = Instant::now();
        let partial = montecarlo::run_shard(model, opts, k, n, &|_| {});
        header.threads = opts.threads;
        header.elapsed_seconds = start.elapsed().as_secs_f64();
        header.deterministic_depletion = det;
        Ok(Part::new(header, partial).to_bytes())
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Merges the parts of a sharded run (`fundcast merge`): the result of the single run,
/// bit for bit. `scenario` (and the same `overrides` as the shards) where the parts'
/// scenario is not a file at the path they name.
#[pyfunction]
#[pyo3(signature = (parts, *, scenario = None, overrides = None))]
fn merge(
    py: Python<'_>,
    parts: Vec<Vec<u8>>,
    scenario: Option<&Bound<'_, PyAny>>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<RunResult> {
    let source = scenario.map(Source::extract).transpose()?;
    let overrides = input::overrides(overrides)?;
    detached(py, || {
        let mut loaded = Vec::with_capacity(parts.len());
        for (i, bytes) in parts.iter().enumerate() {
            let name = PathBuf::from(format!("<part {i}>"));
            let part = Part::from_bytes(&name, bytes)?;
            loaded.push((name, part));
        }
        drop(parts);
        let merged = fundcast::shard::merge(&loaded)?;
        drop(loaded);
        let h = &merged.header;
        let source = match source {
            Some(s) => s,
            None if h.scenario.starts_with('<') => {
                return Err(Fail::Part(format!(
                    "the parts' scenario is {}, not a file: give merge(..., scenario=...)",
                    h.scenario
                )))
            }
            None => Source::Path(PathBuf::from(&h.scenario)),
        };
        let l = source.load(&overrides)?;
        fundcast::shard::check_scenario(std::path::Path::new(&l.label), &l.inputs, h)?;
        let model = l.model;
        let (rows, deterministic_depletion) = deterministic(&model)?;
        export::check_summary(&model, &merged.summary)?;
        let path_years = (h.paths * model.frame.years()) as f64;
        let mc = McResult {
            seed: h.seed,
            paths: h.paths,
            threads: merged.threads,
            elapsed_seconds: merged.elapsed_seconds,
            path_years_per_second: path_years / merged.elapsed_seconds.max(1e-9),
            inputs: h.scenario_files.clone(),
            summary: merged.summary,
        };
        Ok(RunResult {
            model: Arc::new(model),
            label: h.scenario.clone(),
            rows,
            deterministic_depletion,
            mc: Some(mc),
            kept: None,
        })
    })
}

/// Which shard holds which paths: `(first, end)` of shard `k` of `n` of a run of
/// `paths` paths.
#[pyfunction]
fn shard_paths(paths: usize, k: usize, n: usize) -> PyResult<(usize, usize)> {
    if n == 0 || k >= n {
        return Err(PyValueError::new_err("expected 0 <= k < n"));
    }
    let r = montecarlo::block_paths(paths, &montecarlo::shard_blocks(paths, k, n));
    Ok((r.start, r.end))
}

#[pymodule]
fn _fundcast(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", fundcast::VERSION)?;
    m.add("METRICS", METRICS.to_vec())?;
    m.add("STATS", STATS.to_vec())?;
    m.add("PATH_MEASURES", PATH_MEASURES.to_vec())?;
    m.add_class::<Table>()?;
    m.add_class::<RunResult>()?;
    m.add_class::<ComparisonResult>()?;
    m.add_class::<Solution>()?;
    m.add_class::<SensitivityResult>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(run_shard, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(shard_paths, m)?)?;
    Ok(())
}
