//! The `fundcast` command: parses arguments, calls the library, prints and writes results.
//!
//! `main` → `run` → one function per subcommand, each giving a `Result<(), Error>`;
//! [`exit_code`] maps each class of error to the exit status, in one place: 0 success,
//! 2 bad input (a scenario, an argument, a scenario whose numbers overflow), 1 no
//! solution (`solve`), I/O or internal failure, 130 interrupted (Ctrl-C, nothing written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use clap::{Parser, Subcommand};

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use fundcast::compare::CompareError;
use fundcast::document::{Node, Sources};
use fundcast::export::ExportError;
use fundcast::measure::{Measure, MeasureError, Target};
use fundcast::policy::PolicyError;
use fundcast::report::ChartFiles;
use fundcast::shard::{Part, ShardError};
use fundcast::variants::{Change, VariantError};
use fundcast::{export, montecarlo, scenario, Model, ScenarioError};

/// Prints to stdout, ignoring a closed pipe (`fundcast run … | head` must not panic).
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `say_raw!` with a newline.
macro_rules! say {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "fundcast",
    version,
    about = "Actuarial projections of social insurance pension funds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Project a scenario and write its results.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Folder for the output files (created if needed); with --shard, the part file
        /// (or a folder to write `part-K-of-N` into).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        mc: McArgs,
        /// Run only shard K (0-based) of N of the Monte Carlo paths, K/N, and write its
        /// partial result to --out; `fundcast merge` joins the parts.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        report: ReportArgs,
        /// Also write every path's yearly metrics, in long format (path, year, one
        /// column per metric), to FILE: CSV for `.csv`, Parquet for `.parquet` (with the
        /// `parquet` feature); streamed, block by block.
        #[arg(long, value_name = "FILE")]
        save_paths: Option<PathBuf>,
    },
    /// Merge the parts of a sharded run (`run --shard K/N`) into the files one run
    /// writes, byte for byte.
    Merge {
        /// The part files, in any order.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Folder for the output files (created if needed).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The scenario, where it is not at the path the shards were given (its files
        /// must be the same, byte for byte).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Join the shards' files of paths (`run --shard K/N --save-paths F.csv`) into
        /// FILE, as a single run's `--save-paths FILE`.
        #[arg(long, value_name = "FILE")]
        save_paths: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Value a scenario (valuation.csv): PAYG cost and income rates by year, the
    /// summarized rates and the actuarial balance over the horizon and 25/50/75-year
    /// windows, the general average premium, the reserve ratio, the open-group unfunded
    /// obligation and the closed-group accrued-to-date liability.
    Value {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Folder for valuation.csv and report.html (created if needed).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Monte Carlo paths, 1 to 100,000,000: each measure as a distribution (without
        /// it, the deterministic valuation only).
        #[arg(long)]
        paths: Option<usize>,
        /// Seed of the random streams (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads, 1 to 4096 (default: all cores); never more than the paths.
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Validate a scenario without running it.
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Print a scenario with its `extends` chain merged, as TOML.
    Show {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// List the keys in which two scenarios (merged) differ.
    Diff {
        /// First scenario file.
        a: PathBuf,
        /// Second scenario file.
        b: PathBuf,
    },
    /// Run a base and variants on common random numbers and compare them.
    Compare {
        /// The base scenario (differences are measured from it).
        base: PathBuf,
        /// One or more variant scenarios over the same years.
        #[arg(required = true)]
        variants: Vec<PathBuf>,
        #[command(flatten)]
        mc: McArgs,
        /// Folder for comparison.csv; with --shard, the part file (or a folder to write
        /// `part-K-of-N` into).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Run only shard K (0-based) of N of the paths, K/N, and write its partial
        /// result to --out; `fundcast merge` joins the parts.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Find the value of a lever that meets a target, e.g.
    /// --lever contributions.rate --target "p_depleted_by(2050) <= 0.05".
    Solve {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Key of a numeric lever (dot-separated).
        #[arg(long)]
        lever: String,
        /// MEASURE OP VALUE: measures depletion_year, p_depleted_by(YEAR),
        /// cumulative_deficit, cumulative_subsidy, pv_deficits; OP <=, <, >=, >.
        #[arg(long)]
        target: String,
        /// Search range LO,HI (defaults known for the usual levers).
        #[arg(long)]
        range: Option<String>,
        /// Stop when the bracket is narrower than this (default: range / 10,000).
        #[arg(long)]
        tolerance: Option<f64>,
        #[command(flatten)]
        mc: McArgs,
    },
    /// One-at-a-time sensitivity of a measure, as a tornado table.
    Sensitivity {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// The measure (as for `solve --target`).
        #[arg(long)]
        measure: String,
        /// KEY=LOW,HIGH with values as numbers, xFACTOR or dSHIFT (repeatable);
        /// default: the main assumptions at ±10 % or ±1 point.
        #[arg(long)]
        vary: Vec<String>,
        #[command(flatten)]
        mc: McArgs,
        /// Folder for sensitivity.csv.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Fit free scenario keys to observed figures (least squares on the deterministic
    /// projection); writes calibrated.toml, calibration.csv and parameters.csv.
    Calibrate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Targets file (TOML): [[target]] tables of metric, year, value and optionally
        /// weight, sd, tolerance.
        #[arg(long)]
        targets: PathBuf,
        /// Free keys: KEY or KEY=LO:HI (a bound may be left out: KEY=0:), separated by
        /// commas or in several flags.
        #[arg(long, required = true, value_name = "KEY[=LO:HI],...")]
        free: Vec<String>,
        /// Folder for the output files (created if needed).
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Estimate the [economy] section (AR(1) means, persistence, volatilities and the
    /// correlation matrix) from a yearly series, and print it.
    FitEconomy {
        /// CSV file: year,wage_growth,inflation,fund_return (optionally entrant_growth,
        /// unemployment), one row per consecutive year.
        history: PathBuf,
        /// The rates are in percent (5 for 5 %), not decimals.
        #[arg(long)]
        percent: bool,
    },
}

/// Monte Carlo options shared by the policy commands.
#[derive(clap::Args, Clone, Copy)]
struct McArgs {
    /// Monte Carlo paths (at most 100,000,000); 0 for the deterministic projection only.
    /// Default: the scenario's `paths`, else none for `run` and 1000 for compare, solve,
    /// sensitivity.
    #[arg(long)]
    paths: Option<usize>,
    /// Seed of the random streams (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads, 1 to 4096 (default: all cores); never more than the paths.
    #[arg(long)]
    threads: Option<usize>,
}

/// What is written besides the CSV files (docs/outputs.md).
#[derive(clap::Args, Clone, Debug)]
struct OutputArgs {
    /// Also write results.xlsx, a workbook of the results, beside the other files.
    #[arg(long)]
    xlsx: bool,
    /// Formats of the tables: csv (the default), parquet (needs the `parquet` feature),
    /// or csv,parquet for both.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "csv",
        value_name = "FORMATS"
    )]
    format: Vec<fundcast::formats::Format>,
}

/// `report.html` and the chart files beside the CSVs (docs/report.md).
#[derive(clap::Args, Clone, Copy)]
struct ReportArgs {
    /// Do not write report.html.
    #[arg(long)]
    no_report: bool,
    /// Chart files under charts/: svg, png, svg,png or none.
    #[arg(long, default_value = "none", value_parser = parse_charts)]
    charts: ChartFiles,
}

fn parse_charts(text: &str) -> Result<ChartFiles, String> {
    ChartFiles::parse(text).ok_or_else(|| "expected svg, png, svg,png or none".into())
}

/// The most paths `--paths` takes (as the scenario key `paths`).
const MAX_PATHS: usize = 100_000_000;
/// The most threads `--threads` takes.
const MAX_THREADS: usize = 4096;

impl McArgs {
    fn options(&self, model: &Model) -> Result<montecarlo::Options, Error> {
        self.options_or(model, 1000)
    }

    /// Options with `default_paths` when neither the flag nor the scenario gives paths;
    /// the threads are at most the paths (a thread without a path does nothing).
    fn options_or(
        &self,
        model: &Model,
        default_paths: usize,
    ) -> Result<montecarlo::Options, Error> {
        if let Some(p) = self.paths.filter(|p| *p > MAX_PATHS) {
            return Err(Error::OutOfRange {
                flag: "--paths",
                value: p.to_string(),
                expected: format!("a number of paths in 0..={MAX_PATHS}"),
            });
        }
        if let Some(t) = self.threads.filter(|t| *t == 0 || *t > MAX_THREADS) {
            return Err(Error::OutOfRange {
                flag: "--threads",
                value: t.to_string(),
                expected: format!("a number of threads in 1..={MAX_THREADS}"),
            });
        }
        let paths = self.paths.or(model.paths).unwrap_or(default_paths);
        let threads = self.threads.unwrap_or_else(default_threads);
        Ok(montecarlo::Options {
            paths,
            seed: self.seed.unwrap_or(model.seed),
            threads: threads.min(paths.max(1)),
        })
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A scenario file merged and validated, with its tree (for levers).
fn load_tree(path: &Path) -> Result<(Node, Sources, Model), Error> {
    let (node, sources) = fundcast::document::load(path)?;
    let model = scenario::build(&node, &sources)?;
    Ok((node, sources, model))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Why a command failed; [`exit_code`] gives its exit status.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Measure(#[from] MeasureError),
    #[error(transparent)]
    Variant(#[from] VariantError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Compare(#[from] CompareError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Shard(#[from] ShardError),
    #[error(transparent)]
    Calibration(#[from] fundcast::calibrate::CalibrationError),
    #[error(transparent)]
    FitEconomy(#[from] fundcast::economy_fit::FitEconomyError),
    /// A flag's value outside what it takes.
    #[error("{flag} `{value}`: expected {expected}")]
    OutOfRange {
        flag: &'static str,
        value: String,
        expected: String,
    },
    #[error("no default range for `{lever}`: give --range LO,HI")]
    NoDefaultRange { lever: String },
    /// An error caused by the value of a flag.
    #[error("{flag} `{value}`: {source}")]
    Flag {
        flag: &'static str,
        value: String,
        #[source]
        source: Box<Error>,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Output(#[from] fundcast::formats::OutputError),
}

impl Error {
    /// `source` blamed on `flag` given as `value`.
    fn flag(flag: &'static str, value: &str, source: impl Into<Error>) -> Error {
        Error::Flag {
            flag,
            value: value.to_string(),
            source: Box::new(source.into()),
        }
    }
}

/// Exit status 2: bad input (a scenario, an argument, numbers that overflow).
const BAD_INPUT: u8 = 2;
/// Exit status 1: no solution, or an I/O or internal failure.
const FAILURE: u8 = 1;
/// Exit status 130: interrupted by Ctrl-C (128 + SIGINT).
const INTERRUPTED: i32 = 130;

/// The exit status of each class of error (the one place that decides it).
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Flag { source, .. } => exit_code(source),
        Error::Policy(PolicyError::Unmet { .. }) => FAILURE,
        Error::Scenario(_)
        | Error::Measure(_)
        | Error::Variant(_)
        | Error::Policy(_)
        | Error::Compare(_)
        | Error::Export(_)
        | Error::Shard(_)
        | Error::Calibration(_)
        | Error::FitEconomy(_)
        | Error::OutOfRange { .. }
        | Error::NoDefaultRange { .. } => BAD_INPUT,
        Error::Output(e) if e.is_bad_input() => BAD_INPUT,
        Error::CreateDir { .. } | Error::Write { .. } | Error::Output(_) => FAILURE,
    }
}

/// Held while output files are written: Ctrl-C then waits for them (see [`interrupt`]).
static WRITING: Mutex<()> = Mutex::new(());
/// Set when Ctrl-C came while the output files were being written.
static INTERRUPTED_WHILE_WRITING: AtomicBool = AtomicBool::new(false);

/// Ctrl-C: before the output is written, end at once (nothing was written: results are
/// only written once complete); while it is written, let it finish, then end.
fn interrupt() {
    match WRITING.try_lock() {
        Err(std::sync::TryLockError::WouldBlock) => {
            INTERRUPTED_WHILE_WRITING.store(true, Ordering::SeqCst);
        }
        _ => {
            // Clear a progress bar's line first.
            let clear = if std::io::stderr().is_terminal() {
                "\r\x1b[2K"
            } else {
                ""
            };
            fundcast::paths_out::remove_temporary();
            eprintln!("{clear}interrupted: nothing was written");
            std::process::exit(INTERRUPTED);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Without a handler (it cannot be installed), Ctrl-C still ends the run unwritten.
    let _ = ctrlc::set_handler(interrupt);
    let result = run(cli);
    if INTERRUPTED_WHILE_WRITING.load(Ordering::SeqCst) {
        eprintln!("interrupted: the output files were already written in full");
        return ExitCode::from(INTERRUPTED as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Check { scenario } => check(&scenario),
        Command::Value {
            scenario,
            out,
            paths,
            seed,
            threads,
            report,
        } => value(
            &scenario,
            &out,
            McArgs {
                paths,
                seed,
                threads,
            },
            report,
        ),
        Command::Show { scenario } => show(&scenario),
        Command::Diff { a, b } => diff(&a, &b),
        Command::Compare {
            base,
            variants,
            mc,
            out,
            shard,
            output,
            report,
        } => compare(
            &base,
            &variants,
            mc,
            &out,
            shard.as_deref(),
            &output,
            report,
        ),
        Command::Solve {
            scenario,
            lever,
            target,
            range,
            tolerance,
            mc,
        } => solve(&scenario, &lever, &target, range.as_deref(), tolerance, mc),
        Command::Sensitivity {
            scenario,
            measure,
            vary,
            mc,
            out,
            output,
            report,
        } => sensitivity(&scenario, &measure, &vary, mc, &out, &output, report),
        Command::Calibrate {
            scenario,
            targets,
            free,
            out,
        } => calibrate(&scenario, &targets, &free, &out),
        Command::FitEconomy { history, percent } => fit_economy(&history, percent),
        Command::Run {
            scenario,
            out,
            mc,
            shard: Some(shard),
            quiet,
            output,
            save_paths,
            ..
        } => {
            shard_writes_only_its_part(&shard, &output)?;
            run_shard(&scenario, &out, mc, &shard, quiet, save_paths.as_deref())
        }
        Command::Run {
            scenario,
            out,
            mc,
            shard: None,
            quiet,
            output,
            report,
            save_paths,
        } => run_scenario(
            &scenario,
            &out,
            mc,
            quiet,
            (&output, report),
            save_paths.as_deref(),
        ),
        Command::Merge {
            parts,
            out,
            scenario,
            save_paths,
            output,
            report,
        } => merge(
            &parts,
            &out,
            scenario.as_deref(),
            save_paths.as_deref(),
            (&output, report),
        ),
    }
}

/// `value S`: the valuation of the deterministic projection, and with `--paths N` its
/// distribution over N paths; writes `valuation.csv` (and `report.html`).
fn value(path: &Path, out: &Path, mc: McArgs, report: ReportArgs) -> Result<(), Error> {
    use fundcast::valuation;
    if mc.paths == Some(0) {
        return Err(Error::OutOfRange {
            flag: "--paths",
            value: "0".to_string(),
            expected: format!(
                "a number of paths in 1..={MAX_PATHS} (leave it out for the deterministic \
                 valuation)"
            ),
        });
    }
    let model = scenario::load(path)?;
    export::check_rows(&model, &fundcast::deterministic(&model).0)?;
    let det = valuation::deterministic(&model);
    let opts = match mc.paths {
        Some(_) => Some(mc.options_or(&model, 0)?),
        None => None,
    };
    let summary = opts.map(|o| valuation::run(&model, o));
    valuation::check(&model, &det, summary.as_ref())?;
    say_raw!("{}", valuation::table(&model, &det, summary.as_ref()));
    let mut binary = Vec::new();
    if !report.no_report {
        let input = fundcast::report::ValuationInput {
            model: &model,
            scenario_path: path,
            valuation: &det,
            summary: summary.as_ref(),
            seed: opts.map_or(model.seed, |o| o.seed),
            date: &fundcast::report::today(),
        };
        binary = report_files(fundcast::report::valuation_report(&input), report.charts);
    }
    let files = [(
        "valuation.csv",
        valuation::csv(&model, &det, summary.as_ref()),
    )];
    write_outputs_with(out, &files, &binary)?;
    let mut names = vec!["valuation.csv".to_string()];
    names.extend(
        binary
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !n.contains('/')),
    );
    if binary.iter().any(|(n, _)| n.contains('/')) {
        names.push("charts/".to_string());
    }
    say!("Written to {}: {}", out.display(), names.join(", "));
    Ok(())
}

fn check(path: &Path) -> Result<(), Error> {
    let model = scenario::load(path)?;
    say!(
        "{}: valid ({}, {}–{}, ages 0–{})",
        path.display(),
        model.name,
        model.frame.base_year,
        model.frame.horizon,
        model.frame.max_age
    );
    Ok(())
}

fn show(path: &Path) -> Result<(), Error> {
    let (node, _, _) = load_tree(path)?;
    say_raw!("{}", fundcast::document::to_toml(&node));
    Ok(())
}

fn diff(a: &Path, b: &Path) -> Result<(), Error> {
    let (na, _, _) = load_tree(a)?;
    let (nb, _, _) = load_tree(b)?;
    let diffs = fundcast::variants::diff(&na, &nb);
    if diffs.is_empty() {
        say!("{} and {} do not differ", a.display(), b.display());
    }
    for d in diffs {
        say!(
            "{}: {} -> {}",
            d.key,
            d.a.as_deref().unwrap_or("(absent)"),
            d.b.as_deref().unwrap_or("(absent)")
        );
    }
    Ok(())
}

fn compare(
    base: &Path,
    variants: &[PathBuf],
    mc: McArgs,
    out: &Path,
    shard: Option<&str>,
    output: &OutputArgs,
    report: ReportArgs,
) -> Result<(), Error> {
    fundcast::formats::check(&output.format)?;
    if let Some(text) = shard {
        shard_writes_only_its_part(text, output)?;
    }
    let shard = shard.map(parse_shard).transpose()?;
    let scenarios: Vec<&Path> = std::iter::once(base)
        .chain(variants.iter().map(PathBuf::as_path))
        .collect();
    let (models, files) = load_compared(&scenarios)?;
    for (_, model) in &models {
        export::check_rows(model, &fundcast::deterministic(model).0)?;
    }
    let opts = mc.options(&models[0].1)?;
    let entries = compare_entries(&models);
    let blame = |e: CompareError| match e {
        CompareError::TooFewPaths { paths } if mc.paths.is_some() => {
            Error::flag("--paths", &paths.to_string(), e)
        }
        e => e.into(),
    };
    if let Some([k, n]) = shard {
        let [series, years, groups] =
            fundcast::compare::shape(&entries, opts.paths, opts.seed).map_err(blame)?;
        let mut header = fundcast::shard::header(
            &base.display().to_string(),
            files,
            opts.seed,
            opts.paths,
            [k, n],
            series,
            years,
            groups,
        );
        header.kind = "compare".to_string();
        header.variants = variants.iter().map(|v| v.display().to_string()).collect();
        let start = Instant::now();
        let partial =
            fundcast::compare::compare_shard(&entries, opts.paths, opts.seed, opts.threads, [k, n])
                .map_err(blame)?;
        header.threads = opts.threads;
        header.elapsed_seconds = start.elapsed().as_secs_f64();
        return write_part(Part::new(header, partial), out);
    }
    let c =
        fundcast::compare::compare(&entries, opts.paths, opts.seed, opts.threads).map_err(blame)?;
    write_comparison(&c, &models, &scenarios, opts, out, (output, report))
}

/// The scenarios of a comparison, named by their file stems, and every file read for
/// them with its SHA-256.
#[allow(clippy::type_complexity)]
fn load_compared(paths: &[&Path]) -> Result<(Vec<(String, Model)>, Vec<(String, String)>), Error> {
    let mut models = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        let (_, sources, model) = load_tree(path)?;
        files.extend(input_hashes(&sources));
        models.push((stem(path), model));
    }
    Ok((models, files))
}

fn compare_entries(models: &[(String, Model)]) -> Vec<fundcast::compare::Entry<'_>> {
    models
        .iter()
        .map(|(name, model)| fundcast::compare::Entry {
            name: name.clone(),
            model,
        })
        .collect()
}

/// Prints a comparison and writes `comparison.csv`, the report and the outputs `output`
/// asks for (for `compare` and a merge of its shards).
fn write_comparison(
    c: &fundcast::compare::Comparison,
    models: &[(String, Model)],
    scenarios: &[&Path],
    opts: montecarlo::Options,
    out: &Path,
    (output, report): (&OutputArgs, ReportArgs),
) -> Result<(), Error> {
    let base = &models[0].1;
    export::check_comparison(c, base.frame.horizon)?;
    say_raw!("{}", export::comparison_table(c, &base.currency));
    let mut trees = Vec::new();
    if output.xlsx {
        for path in scenarios {
            let (node, sources, _) = load_tree(path)?;
            trees.push((stem(path), node, sources));
        }
    }
    let mut extra = fundcast::formats::extra_files(
        &[("comparison.csv", export::comparison_csv(c))],
        &output.format,
        output
            .xlsx
            .then(|| fundcast::workbook::compare_book(c, opts, &trees)),
    )?;
    if !report.no_report {
        let input = fundcast::report::CompareInput {
            scenarios: models
                .iter()
                .zip(scenarios)
                .map(|((name, model), file)| {
                    (
                        name.as_str(),
                        model,
                        *file,
                        fundcast::deterministic(model).0,
                    )
                })
                .collect(),
            summaries: models
                .iter()
                .map(|(_, model)| montecarlo::run(model, opts, &|_| {}).summary)
                .collect(),
            comparison: c,
            differences: {
                let metrics = vec![
                    fundcast::metrics::metric::FUND_END,
                    fundcast::metrics::metric::DEFICIT,
                ];
                let entries = compare_entries(models);
                let d = fundcast::compare::paired_yearly_differences(
                    &entries,
                    opts.paths,
                    opts.seed,
                    opts.threads,
                    &metrics,
                )?;
                Some((metrics, d))
            },
            seed: opts.seed,
            date: &fundcast::report::today(),
        };
        extra.binary.extend(report_files(
            fundcast::report::compare_report(&input),
            report.charts,
        ));
    }
    write_outputs_with(out, &extra.csv, &extra.binary)
}

fn solve(
    path: &Path,
    lever: &str,
    target: &str,
    range: Option<&str>,
    tolerance: Option<f64>,
    mc: McArgs,
) -> Result<(), Error> {
    use fundcast::policy;
    let (node, sources, model) = load_tree(path)?;
    let target_text = target;
    let target = Target::parse(target_text).map_err(|e| Error::flag("--target", target_text, e))?;
    target
        .measure
        .check(model.frame)
        .map_err(|e| Error::flag("--target", target_text, e))?;
    let range = match range {
        Some(r) => parse_range(r)?,
        None => policy::default_range(lever).ok_or_else(|| Error::NoDefaultRange {
            lever: lever.to_string(),
        })?,
    };
    policy::check_tolerance(range, tolerance).map_err(|e| match e {
        PolicyError::BadTolerance { value, expected } => Error::OutOfRange {
            flag: "--tolerance",
            value: format!("{value:?}"),
            expected,
        },
        e => e.into(),
    })?;
    policy::check_lever(&node, &sources, lever, Change::Set(range.0))
        .map_err(|e| Error::flag("--lever", lever, e))?;
    let mut opts = mc.options(&model)?;
    if mc.paths.is_none() && model.paths.is_none() && !target.measure.needs_paths() {
        opts.paths = 0;
    }
    let sol = policy::solve(
        &node,
        &sources,
        lever,
        range,
        &target,
        Some(opts),
        tolerance,
    )
    .map_err(|e| match e {
        PolicyError::RangeEnd { .. } => {
            Error::flag("--range", &format!("{},{}", range.0, range.1), e)
        }
        e => e.into(),
    })?;
    let how = if opts.paths > 0 {
        format!(
            "± {} Monte Carlo s.e.; {} evaluations on {} paths, seed {}",
            sig(sol.achieved.standard_error),
            sol.tried.len(),
            opts.paths,
            opts.seed
        )
    } else {
        format!("deterministic; {} evaluations", sol.tried.len())
    };
    say!(
        "{lever} = {:.6} meets {} {} {} ({} = {} {how})",
        sol.value,
        target.measure.name(),
        match target.comparison {
            fundcast::measure::Comparison::Le => "<=",
            fundcast::measure::Comparison::Lt => "<",
            fundcast::measure::Comparison::Ge => ">=",
            fundcast::measure::Comparison::Gt => ">",
        },
        target.value,
        target.measure.name(),
        sig(sol.achieved.value),
    );
    if sol.whole_range {
        say!(
            "(the target holds over the whole range {}..{})",
            range.0,
            range.1
        );
    }
    Ok(())
}

fn sensitivity(
    path: &Path,
    measure: &str,
    vary: &[String],
    mc: McArgs,
    out: &Path,
    output: &OutputArgs,
    report: ReportArgs,
) -> Result<(), Error> {
    fundcast::formats::check(&output.format)?;
    let (node, sources, model) = load_tree(path)?;
    let measure_text = measure;
    let measure = Measure::parse(measure_text)
        .and_then(|m| m.check(model.frame).map(|()| m))
        .map_err(|e| Error::flag("--measure", measure_text, e))?;
    let mut opts = mc.options(&model)?;
    if mc.paths.is_none() && model.paths.is_none() && !measure.needs_paths() {
        opts.paths = 0;
    }
    let varies = if vary.is_empty() {
        fundcast::policy::default_varies(&node)
    } else {
        let mut varies = Vec::new();
        for text in vary {
            let v = parse_vary(text)?;
            for change in [v.1, v.2] {
                fundcast::policy::check_lever(&node, &sources, &v.0, change)
                    .map_err(|e| Error::flag("--vary", text, e))?;
            }
            varies.push(v);
        }
        varies
    };
    let (base, rows) =
        fundcast::policy::sensitivity(&node, &sources, measure, &varies, Some(opts))?;
    say_raw!("{}", export::tornado_table(&measure.name(), &base, &rows));
    let mut extra = fundcast::formats::extra_files(
        &[(
            "sensitivity.csv",
            export::sensitivity_csv(&measure.name(), &base, &rows),
        )],
        &output.format,
        output.xlsx.then(|| {
            fundcast::workbook::sensitivity_book(
                &measure.name(),
                &base,
                &rows,
                opts,
                (&stem(path), &node, &sources),
            )
        }),
    )?;
    if !report.no_report {
        extra.binary.extend(report_files(
            fundcast::report::sensitivity_report(&fundcast::report::SensitivityInput {
                model: &model,
                scenario_path: path,
                measure: &measure.name(),
                base: &base,
                rows: &rows,
                seed: opts.seed,
                paths: opts.paths,
                date: &fundcast::report::today(),
            }),
            report.charts,
        ));
    }
    write_outputs_with(out, &extra.csv, &extra.binary)
}

/// `calibrate`: fits the free keys to the targets, prints the fit and writes
/// `calibrated.toml`, `calibration.csv` and `parameters.csv` (docs/calibration.md).
fn calibrate(path: &Path, targets: &Path, free: &[String], out: &Path) -> Result<(), Error> {
    use fundcast::calibrate as cal;
    let (node, sources, model) = load_tree(path)?;
    let targets_list = cal::read_targets(targets, &model)?;
    let free = cal::parse_free(free)?;
    let c = cal::calibrate(&node, &sources, &targets_list, &free)?;
    say_raw!("{}", cal::report(&c, path, targets));
    std::fs::create_dir_all(out).map_err(|source| Error::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let extends = cal::relative_path(out, path);
    let files = [
        (
            "calibrated.toml",
            cal::calibrated_toml(&c, &extends, targets),
        ),
        ("calibration.csv", cal::residuals_csv(&c)),
        ("parameters.csv", cal::parameters_csv(&c)),
    ];
    write_outputs_with(out, &files, &[])?;
    say!(
        "Written to {}: calibrated.toml, calibration.csv, parameters.csv",
        out.display()
    );
    Ok(())
}

/// `fit-economy`: prints the `[economy]` section fitted to a yearly series.
fn fit_economy(history: &Path, percent: bool) -> Result<(), Error> {
    use fundcast::economy_fit as ef;
    let h = ef::read_history(history, percent)?;
    let fit = ef::fit(&h)?;
    say_raw!("{}", ef::section(&fit, history));
    Ok(())
}

fn run_scenario(
    path: &Path,
    out: &Path,
    mc: McArgs,
    quiet: bool,
    (output, report): (&OutputArgs, ReportArgs),
    save_paths: Option<&Path>,
) -> Result<(), Error> {
    fundcast::formats::check(&output.format)?;
    let (node, sources, model) = load_tree(path)?;
    let opts = mc.options_or(&model, 0)?;
    let (rows, det) = fundcast::deterministic(&model);
    export::check_rows(&model, &rows)?;
    let save = save_paths
        .map(|file| fundcast::paths_out::PathsFile::create(file, &model))
        .transpose()?;
    say_raw!(
        "{}",
        export::deterministic_table(&model, &rows, det.depletion)
    );
    let paths = opts.paths;
    let mc = if paths > 0 {
        say!();
        let bar = Progress::new(paths as u64, quiet);
        let sink = save.as_ref().map(|s| s as &dyn montecarlo::BlockSink);
        let mc = montecarlo::run_with(&model, opts, &|done| bar.set(done as u64), sink);
        bar.finish();
        let timing = format!(
            "{} paths × {} years in {:.2} s on {} thread{}: {:.0} path-years per second",
            paths,
            model.frame.years(),
            mc.elapsed_seconds,
            mc.threads,
            if mc.threads == 1 { "" } else { "s" },
            mc.path_years_per_second
        );
        let info = export::RunInfo {
            scenario_path: path,
            scenario_sha256: String::new(),
            inputs: input_hashes(&sources),
            seed: opts.seed,
            paths,
            threads: mc.threads,
            elapsed_seconds: mc.elapsed_seconds,
            path_years_per_second: mc.path_years_per_second,
            deterministic_depletion: det.depletion,
        };
        Some((mc.summary, info, timing))
    } else {
        None
    };
    let run = RunOutputs {
        path,
        node: &node,
        sources: &sources,
        model: &model,
        rows: &rows,
        deterministic_depletion: det.depletion,
        opts,
        mc,
    };
    write_run(run, out, (output, report), save)
}

/// What a run gives, to be written: the scenario (as named, its tree and files), the
/// deterministic rows, and with Monte Carlo paths the summary, the audit trail and the
/// timing line.
struct RunOutputs<'a> {
    path: &'a Path,
    node: &'a Node,
    sources: &'a Sources,
    model: &'a Model,
    rows: &'a [fundcast::projection::Row],
    deterministic_depletion: Option<usize>,
    opts: montecarlo::Options,
    mc: Option<(fundcast::aggregate::Summary, export::RunInfo<'a>, String)>,
}

/// Writes what a run gives (`deterministic.csv`, and with Monte Carlo paths
/// `summary.csv`, `depletion.csv`, `run.json`; the workbook and formats `output` asks
/// for; the file of paths last), after printing the Monte Carlo table and the timing
/// line: the same for a run and for a merge of its shards.
fn write_run(
    run: RunOutputs<'_>,
    out: &Path,
    (output, report): (&OutputArgs, ReportArgs),
    save: Option<fundcast::paths_out::PathsFile>,
) -> Result<(), Error> {
    let RunOutputs {
        path,
        node,
        sources,
        model,
        rows,
        deterministic_depletion,
        opts,
        mc,
    } = run;
    let mut files = vec![("deterministic.csv", export::rows_csv(model, rows))];
    if model.funds.any() {
        files.push(("funds.csv", export::funds::funds_csv(model, rows)));
    }
    let mut summary = None;
    if let Some((s, mut info, timing)) = mc {
        export::check_summary(model, &s)?;
        info.scenario_sha256 = info.inputs[0].1.clone();
        say_raw!("{}", export::montecarlo_table(model, rows, &s));
        say!("{timing}");
        files.push(("summary.csv", export::summary_csv(model, &s)));
        files.push(("depletion.csv", export::depletion_csv(model, &s)));
        files.push(("run.json", export::run_json(model, &info, &s)));
        summary = Some(s);
    }
    if model.funds.any() {
        let budget = export::funds::social_budget_csv(model, rows, summary.as_ref());
        files.push(("social-budget.csv", budget));
    }
    let book = output.xlsx.then(|| {
        fundcast::workbook::run_book(
            model,
            rows,
            summary.as_ref(),
            opts,
            (&stem(path), node, sources),
        )
    });
    let mut extra = fundcast::formats::extra_files(&files, &output.format, book)?;
    if !report.no_report {
        let inputs = input_hashes(sources);
        let input = fundcast::report::RunInput {
            model,
            scenario_path: path,
            files: &inputs,
            seed: opts.seed,
            paths: opts.paths,
            rows,
            deterministic_depletion,
            summary: summary.as_ref(),
            date: &fundcast::report::today(),
        };
        extra.binary.extend(report_files(
            fundcast::report::run_report(&input),
            report.charts,
        ));
    }
    // Kept until every other file is written: a failure leaves no file of paths.
    let save = save.map(|s| s.finish()).transpose()?;
    write_outputs_with(out, &extra.csv, &extra.binary)?;
    let mut names: Vec<String> = extra.csv.iter().map(|(n, _)| n.to_string()).collect();
    names.extend(
        extra
            .binary
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !n.contains('/')),
    );
    if extra.binary.iter().any(|(n, _)| n.contains('/')) {
        names.push("charts/".to_string());
    }
    say!("Written to {}: {}", out.display(), names.join(", "));
    if let Some(s) = save {
        let file = s.path().to_path_buf();
        s.commit()?;
        say!("Paths written to {}", file.display());
    }
    Ok(())
}

/// Every scenario file read (the scenario, then the bases it extends) with its SHA-256.
fn input_hashes(sources: &Sources) -> Vec<(String, String)> {
    sources
        .files
        .iter()
        .map(|f| (f.path.display().to_string(), sha256_hex(f.text.as_bytes())))
        .collect()
}

/// A shard writes only its part file: `--xlsx` and `--format` belong to `merge`.
fn shard_writes_only_its_part(shard: &str, output: &OutputArgs) -> Result<(), Error> {
    if output.xlsx || output.format != [fundcast::formats::Format::Csv] {
        return Err(Error::OutOfRange {
            flag: "--shard",
            value: shard.to_string(),
            expected: "no --xlsx or --format: a shard writes only its part file (give them \
                       to `fundcast merge`)"
                .to_string(),
        });
    }
    Ok(())
}

/// `K/N` of `--shard`: 0 ≤ K < N ≤ 10,000.
fn parse_shard(text: &str) -> Result<[usize; 2], Error> {
    let bad = || Error::OutOfRange {
        flag: "--shard",
        value: text.to_string(),
        expected: "K/N with 0 <= K < N <= 10000 (K counts from 0)".to_string(),
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || n > 10_000 || k >= n {
        return Err(bad());
    }
    Ok([k, n])
}

/// `run --shard K/N`: projects the shard's blocks of paths and writes its part file.
fn run_shard(
    path: &Path,
    out: &Path,
    mc: McArgs,
    shard: &str,
    quiet: bool,
    save_paths: Option<&Path>,
) -> Result<(), Error> {
    let [k, n] = parse_shard(shard)?;
    let (_, sources, model) = load_tree(path)?;
    let opts = mc.options_or(&model, 0)?;
    if opts.paths == 0 {
        return Err(Error::OutOfRange {
            flag: "--shard",
            value: shard.to_string(),
            expected: "a run with Monte Carlo paths (--paths N or the scenario's `paths`)"
                .to_string(),
        });
    }
    let (_, det) = fundcast::deterministic(&model);
    let mut header = fundcast::shard::header(
        &path.display().to_string(),
        input_hashes(&sources),
        opts.seed,
        opts.paths,
        [k, n],
        montecarlo::series(&model),
        model.frame.years(),
        1,
    );
    let blocks = montecarlo::shard_blocks(opts.paths, k, n);
    let own = montecarlo::block_paths(opts.paths, &blocks);
    let save = save_paths
        .map(|file| fundcast::paths_out::PathsFile::create_from(file, &model, blocks.start))
        .transpose()?;
    if let Some(s) = save.as_ref().filter(|s| !s.is_csv()) {
        return Err(Error::OutOfRange {
            flag: "--save-paths",
            value: s.path().display().to_string(),
            expected: "a .csv file with --shard (`fundcast merge --save-paths` joins them)"
                .to_string(),
        });
    }
    let bar = Progress::new(own.len() as u64, quiet);
    let start = Instant::now();
    let sink = save.as_ref().map(|s| s as &dyn montecarlo::BlockSink);
    let partial = montecarlo::run_shard_with(
        &model,
        opts,
        [k, n],
        &|done| bar.set(done.saturating_sub(own.start) as u64),
        sink,
    );
    bar.finish();
    header.threads = opts.threads;
    header.elapsed_seconds = start.elapsed().as_secs_f64();
    header.deterministic_depletion = det.depletion;
    if let Some(s) = save {
        let s = s.finish()?;
        let file = s.path().to_path_buf();
        s.commit()?;
        let (bytes, sha256) =
            fundcast::shard::file_digest(&file).map_err(|source| Error::Write {
                path: file.clone(),
                source,
            })?;
        header.paths_file = Some(fundcast::shard::PathsRecord {
            file: file.display().to_string(),
            bytes,
            sha256,
        });
    }
    write_part(Part::new(header, partial), out)
}

/// Writes a shard's part file to `out` (a folder gets `part-K-of-N` in it).
fn write_part(part: Part, out: &Path) -> Result<(), Error> {
    let [k, n] = part.header.shard;
    let file = if out.is_dir() {
        out.join(format!("part-{k}-of-{n}"))
    } else {
        out.to_path_buf()
    };
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    export::write_atomic(&file, &part.to_bytes()).map_err(|source| Error::Write {
        path: file.clone(),
        source,
    })?;
    let own = montecarlo::block_paths(
        part.header.paths,
        &(part.header.blocks[0]..part.header.blocks[1]),
    );
    say!(
        "Shard {k}/{n}: paths {}..{} of {} in {:.2} s; written to {}",
        own.start,
        own.end,
        part.header.paths,
        part.header.elapsed_seconds,
        file.display()
    );
    Ok(())
}

/// `merge` of a comparison's parts: reloads the base and the variants where the shards
/// read them, checks their files, and writes `comparison.csv`.
fn merge_comparison(
    merged: fundcast::shard::Merged,
    out: &Path,
    outputs: (&OutputArgs, ReportArgs),
) -> Result<(), Error> {
    let h = &merged.header;
    let names: Vec<PathBuf> = std::iter::once(&h.scenario)
        .chain(&h.variants)
        .map(PathBuf::from)
        .collect();
    let scenarios: Vec<&Path> = names.iter().map(PathBuf::as_path).collect();
    let (models, files) = load_compared(&scenarios)?;
    fundcast::shard::check_scenario(Path::new(&h.scenario), &files, h)?;
    let entries = compare_entries(&models);
    let c = fundcast::compare::from_summary(&entries, h.paths, h.seed, merged.summary)?;
    let opts = montecarlo::Options {
        paths: h.paths,
        seed: h.seed,
        threads: merged.threads,
    };
    write_comparison(&c, &models, &scenarios, opts, out, outputs)
}

/// `merge PARTS`: checks and merges the parts of a sharded run and writes the files of
/// the single run.
fn merge(
    parts: &[PathBuf],
    out: &Path,
    scenario: Option<&Path>,
    save_paths: Option<&Path>,
    outputs: (&OutputArgs, ReportArgs),
) -> Result<(), Error> {
    fundcast::formats::check(&outputs.0.format)?;
    if let Some(file) = save_paths {
        fundcast::paths_out::PathsFormat::of(file)?;
    }
    let mut loaded = Vec::with_capacity(parts.len());
    for p in parts {
        loaded.push((p.clone(), Part::read(p)?));
    }
    let merged = fundcast::shard::merge(&loaded)?;
    let h = &merged.header;
    if h.kind == "compare" {
        if let Some(file) = save_paths {
            return Err(Error::OutOfRange {
                flag: "--save-paths",
                value: file.display().to_string(),
                expected: "the parts of a run (a comparison's parts have no file of paths)"
                    .to_string(),
            });
        }
        return merge_comparison(merged, out, outputs);
    }
    let paths_files = match save_paths {
        Some(_) => fundcast::shard::paths_files(&loaded)?,
        None => Vec::new(),
    };
    let recorded = PathBuf::from(&h.scenario);
    let path = scenario.unwrap_or(&recorded);
    let (node, sources, model) = load_tree(path)?;
    fundcast::shard::check_scenario(path, &input_hashes(&sources), h)?;
    let (rows, det) = fundcast::deterministic(&model);
    export::check_rows(&model, &rows)?;
    say_raw!(
        "{}",
        export::deterministic_table(&model, &rows, det.depletion)
    );
    say!();
    let path_years = (h.paths * model.frame.years()) as f64;
    let rate = path_years / merged.elapsed_seconds.max(1e-9);
    let timing = format!(
        "{} paths × {} years from {} parts: {:.2} s of shard time, {:.0} path-years per second",
        h.paths,
        model.frame.years(),
        parts.len(),
        merged.elapsed_seconds,
        rate
    );
    let info = export::RunInfo {
        scenario_path: &recorded,
        scenario_sha256: String::new(),
        inputs: h.scenario_files.clone(),
        seed: h.seed,
        paths: h.paths,
        threads: merged.threads,
        elapsed_seconds: merged.elapsed_seconds,
        path_years_per_second: rate,
        deterministic_depletion: h.deterministic_depletion,
    };
    let run = RunOutputs {
        path: &recorded,
        node: &node,
        sources: &sources,
        model: &model,
        rows: &rows,
        deterministic_depletion: det.depletion,
        opts: montecarlo::Options {
            paths: h.paths,
            seed: h.seed,
            threads: merged.threads,
        },
        mc: Some((merged.summary, info, timing)),
    };
    write_run(run, out, outputs, None)?;
    // Last, as for a run: a failure before leaves no file of paths.
    if let Some(file) = save_paths {
        fundcast::paths_out::join_csv(&paths_files, &model, file)?;
        say!("Paths written to {}", file.display());
    }
    Ok(())
}

/// `report.html` and the chart files chosen, as names (under the output folder) and bytes.
fn report_files(
    (html, charts): (String, Vec<fundcast::chart::Chart>),
    which: ChartFiles,
) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("report.html".to_string(), html.into_bytes())];
    files.extend(fundcast::report::chart_files(&charts, which));
    files
}

/// Creates `dir` and writes the text `files`, then the `binary` ones (a workbook,
/// Parquet tables) into it, each atomically; Ctrl-C waits for them.
fn write_outputs_with(
    dir: &Path,
    files: &[(&str, String)],
    binary: &[(String, Vec<u8>)],
) -> Result<(), Error> {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let all = files
        .iter()
        .map(|(n, t)| (*n, t.as_bytes()))
        .chain(binary.iter().map(|(n, b)| (n.as_str(), &b[..])));
    for (name, bytes) in all {
        let path = dir.join(name);
        // A name may have a folder (`charts/`).
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        export::write_atomic(&path, bytes).map_err(|source| Error::Write { path, source })?;
    }
    Ok(())
}

/// A number with about five significant digits, for people.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (x.fract() == 0.0 && x.abs() < 1e15) {
        return format!("{x}");
    }
    let digits = (4 - fundcast::math::log10(x.abs()).floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A progress bar on stderr, shown only on a terminal, without `--quiet`, and once the
/// run has lasted a second.
struct Progress {
    bar: ProgressBar,
    enabled: bool,
    start: Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} paths, {eta} left") {
            bar.set_style(style);
        }
        Progress {
            bar,
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn set(&self, done: u64) {
        use std::sync::atomic::Ordering;
        if self.enabled
            && self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `LO,HI`: two finite numbers, `LO < HI`.
fn parse_range(text: &str) -> Result<(f64, f64), Error> {
    let bad = || Error::OutOfRange {
        flag: "--range",
        value: text.to_string(),
        expected: "LO,HI: two finite numbers with LO < HI".into(),
    };
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

/// `KEY=LOW,HIGH`, each change a finite number, `xFACTOR` or `dSHIFT`.
fn parse_vary(text: &str) -> Result<(String, Change, Change), Error> {
    let bad = || Error::OutOfRange {
        flag: "--vary",
        value: text.to_string(),
        expected: "KEY=LOW,HIGH".into(),
    };
    let (key, values) = text.split_once('=').ok_or_else(bad)?;
    let (lo, hi) = values.split_once(',').ok_or_else(bad)?;
    let change = |c: &str| Change::parse(c).map_err(|e| Error::flag("--vary", text, e));
    Ok((key.trim().to_string(), change(lo)?, change(hi)?))
}
