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
        /// Monte Carlo paths (default: the scenario's `paths`; 0 or none: deterministic only).
        #[arg(long)]
        paths: Option<usize>,
        /// Seed of the random streams (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario without running it.
    Check { scenario: PathBuf },
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
            println!(
                "{}: valid ({}, {}–{}, ages 0–{})",
                scenario.display(),
                model.name,
                model.frame.base_year,
                model.frame.horizon,
                model.frame.max_age
            );
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            paths,
            seed,
            threads,
            quiet,
        } => {
            let model = scenario::load(&scenario)?;
            let (rows, det) = fundcast::deterministic(&model);
            let paths = paths.or(model.paths).unwrap_or(0);
            if threads == Some(0) {
                return Err(Failure::Input("--threads must be at least 1".into()));
            }
            let mut files = vec![("deterministic.csv", export::rows_csv(&model, &rows))];
            if paths == 0 {
                print!(
                    "{}",
                    export::deterministic_table(&model, &rows, det.depletion)
                );
            } else {
                let opts = montecarlo::Options {
                    paths,
                    seed: seed.unwrap_or(model.seed),
                    threads: threads.unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(1, |n| n.get())
                    }),
                };
                let bar = Progress::new(paths as u64, quiet);
                let mc = montecarlo::run(&model, opts, &|done| bar.set(done as u64));
                bar.finish();
                let info = export::RunInfo {
                    scenario_path: &scenario,
                    scenario_sha256: sha256_file(&scenario)?,
                    seed: opts.seed,
                    paths,
                    threads: mc.threads,
                    elapsed_seconds: mc.elapsed_seconds,
                    path_years_per_second: mc.path_years_per_second,
                    deterministic_depletion: det.depletion,
                };
                print!("{}", export::montecarlo_table(&model, &rows, &mc.summary));
                println!(
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

fn sha256_file(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
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
