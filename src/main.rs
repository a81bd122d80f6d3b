//! The `fundcast` command: parses arguments, calls the library, prints and writes results.
//! Exit status: 0 success, 2 bad input (scenario or arguments), 1 any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use fundcast::{export, montecarlo, scenario, ScenarioError};

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
        /// Folder for the output files (created if needed).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        mc: McArgs,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
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
        /// Folder for comparison.csv.
        #[arg(long, default_value = "out")]
        out: PathBuf,
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
    },
}

/// Monte Carlo options shared by the policy commands.
#[derive(clap::Args, Clone, Copy)]
struct McArgs {
    /// Monte Carlo paths; 0 for the deterministic projection only. Default: the
    /// scenario's `paths`, else none for `run` and 1000 for compare, solve, sensitivity.
    #[arg(long)]
    paths: Option<usize>,
    /// Seed of the random streams (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

impl McArgs {
    fn options(&self, model: &fundcast::Model) -> Result<montecarlo::Options, Failure> {
        self.options_or(model, 1000)
    }

    /// Options with `default_paths` when neither the flag nor the scenario gives paths.
    fn options_or(
        &self,
        model: &fundcast::Model,
        default_paths: usize,
    ) -> Result<montecarlo::Options, Failure> {
        if self.threads == Some(0) {
            return Err(Failure::Input("--threads must be at least 1".into()));
        }
        Ok(montecarlo::Options {
            paths: self.paths.or(model.paths).unwrap_or(default_paths),
            seed: self.seed.unwrap_or(model.seed),
            threads: self.threads.unwrap_or_else(default_threads),
        })
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A scenario file merged and validated, with its tree (for levers).
fn load_tree(
    path: &Path,
) -> Result<
    (
        fundcast::document::Node,
        fundcast::document::Sources,
        fundcast::Model,
    ),
    Failure,
> {
    let (node, sources) = fundcast::document::load(path)?;
    let model = scenario::build(&node, &sources)?;
    Ok((node, sources, model))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A failure, with its exit status.
enum Failure {
    Input(String),
    Other(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        match e {
            ScenarioError::Io { .. } | ScenarioError::Invalid(_) => Failure::Input(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Check { scenario } => {
            let model = scenario::load(&scenario)?;
            say!(
                "{}: valid ({}, {}–{}, ages 0–{})",
                scenario.display(),
                model.name,
                model.frame.base_year,
                model.frame.horizon,
                model.frame.max_age
            );
            Ok(())
        }
        Command::Show { scenario } => {
            let (node, _, _) = load_tree(&scenario)?;
            say_raw!("{}", fundcast::document::to_toml(&node));
            Ok(())
        }
        Command::Diff { a, b } => {
            let (na, _, _) = load_tree(&a)?;
            let (nb, _, _) = load_tree(&b)?;
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
        Command::Compare {
            base,
            variants,
            mc,
            out,
        } => {
            let mut models = vec![(stem(&base), scenario::load(&base)?)];
            for v in &variants {
                models.push((stem(v), scenario::load(v)?));
            }
            let opts = mc.options(&models[0].1)?;
            let entries: Vec<fundcast::compare::Entry> = models
                .iter()
                .map(|(name, model)| fundcast::compare::Entry {
                    name: name.clone(),
                    model,
                })
                .collect();
            let c = fundcast::compare::compare(&entries, opts.paths, opts.seed, opts.threads)
                .map_err(Failure::Input)?;
            say_raw!("{}", export::comparison_table(&c, &models[0].1.currency));
            create_dir(&out)?;
            write(
                &out.join("comparison.csv"),
                export::comparison_csv(&c).as_bytes(),
            )?;
            Ok(())
        }
        Command::Solve {
            scenario,
            lever,
            target,
            range,
            tolerance,
            mc,
        } => {
            let (node, sources, model) = load_tree(&scenario)?;
            let target = fundcast::measure::Target::parse(&target).map_err(Failure::Input)?;
            let range = match range {
                Some(r) => parse_range(&r)?,
                None => fundcast::policy::default_range(&lever).ok_or_else(|| {
                    Failure::Input(format!(
                        "no default range for `{lever}`: give --range LO,HI"
                    ))
                })?,
            };
            let mut opts = mc.options(&model)?;
            if mc.paths.is_none() && model.paths.is_none() && !target.measure.needs_paths() {
                opts.paths = 0;
            }
            let sol = fundcast::policy::solve(
                &node,
                &sources,
                &lever,
                range,
                &target,
                Some(opts),
                tolerance,
            )
            .map_err(Failure::Other)?;
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
        Command::Sensitivity {
            scenario,
            measure,
            vary,
            mc,
            out,
        } => {
            let (node, sources, model) = load_tree(&scenario)?;
            let measure = fundcast::measure::Measure::parse(&measure).map_err(Failure::Input)?;
            let mut opts = mc.options(&model)?;
            if mc.paths.is_none() && model.paths.is_none() && !measure.needs_paths() {
                opts.paths = 0;
            }
            let varies = if vary.is_empty() {
                fundcast::policy::default_varies(&node)
            } else {
                vary.iter()
                    .map(|v| parse_vary(v))
                    .collect::<Result<Vec<_>, _>>()?
            };
            let (base, rows) =
                fundcast::policy::sensitivity(&node, &sources, measure, &varies, Some(opts))
                    .map_err(Failure::Other)?;
            say_raw!("{}", export::tornado_table(&measure.name(), &base, &rows));
            create_dir(&out)?;
            write(
                &out.join("sensitivity.csv"),
                export::sensitivity_csv(&measure.name(), &base, &rows).as_bytes(),
            )?;
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            mc,
            quiet,
        } => {
            let (_, sources, model) = load_tree(&scenario)?;
            let inputs: Vec<(String, String)> = sources
                .files
                .iter()
                .map(|f| (f.path.display().to_string(), sha256_hex(f.text.as_bytes())))
                .collect();
            let (rows, det) = fundcast::deterministic(&model);
            let opts = mc.options_or(&model, 0)?;
            let paths = opts.paths;
            let mut files = vec![("deterministic.csv", export::rows_csv(&model, &rows))];
            say_raw!(
                "{}",
                export::deterministic_table(&model, &rows, det.depletion)
            );
            if paths > 0 {
                say!();
                let bar = Progress::new(paths as u64, quiet);
                let mc = montecarlo::run(&model, opts, &|done| bar.set(done as u64));
                bar.finish();
                let info = export::RunInfo {
                    scenario_path: &scenario,
                    scenario_sha256: inputs[0].1.clone(),
                    inputs: inputs.clone(),
                    seed: opts.seed,
                    paths,
                    threads: mc.threads,
                    elapsed_seconds: mc.elapsed_seconds,
                    path_years_per_second: mc.path_years_per_second,
                    deterministic_depletion: det.depletion,
                };
                say_raw!("{}", export::montecarlo_table(&model, &rows, &mc.summary));
                say!(
                    "{} paths × {} years in {:.2} s on {} thread{}: {:.0} path-years per second",
                    paths,
                    model.frame.years(),
                    mc.elapsed_seconds,
                    mc.threads,
                    if mc.threads == 1 { "" } else { "s" },
                    mc.path_years_per_second
                );
                files.push(("summary.csv", export::summary_csv(&model, &mc.summary)));
                files.push(("depletion.csv", export::depletion_csv(&model, &mc.summary)));
                files.push(("run.json", export::run_json(&model, &info, &mc.summary)));
            }
            create_dir(&out)?;
            for (name, text) in &files {
                write(&out.join(name), text.as_bytes())?;
            }
            let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
            say!("Written to {}: {}", out.display(), names.join(", "));
            Ok(())
        }
    }
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Other(format!("cannot create {}: {e}", dir.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    export::write_atomic(path, bytes)
        .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))
}

/// A number with about five significant digits, for people.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (x.fract() == 0.0 && x.abs() < 1e15) {
        return format!("{x}");
    }
    let digits = (4 - x.abs().log10().floor() as i32).max(0) as usize;
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

fn parse_range(text: &str) -> Result<(f64, f64), Failure> {
    let bad = || Failure::Input(format!("--range `{text}`: expected LO,HI"));
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

fn parse_vary(
    text: &str,
) -> Result<
    (
        String,
        fundcast::variants::Change,
        fundcast::variants::Change,
    ),
    Failure,
> {
    use fundcast::variants::Change;
    let bad = |why: String| Failure::Input(format!("--vary `{text}`: {why}"));
    let (key, values) = text
        .split_once('=')
        .ok_or_else(|| bad("expected KEY=LOW,HIGH".into()))?;
    let (lo, hi) = values
        .split_once(',')
        .ok_or_else(|| bad("expected KEY=LOW,HIGH".into()))?;
    Ok((
        key.trim().to_string(),
        Change::parse(lo).map_err(bad)?,
        Change::parse(hi).map_err(bad)?,
    ))
}
