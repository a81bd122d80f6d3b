//! The `fundcast` command: parses arguments, calls the library, prints and writes results.
//! Exit status: 0 success, 2 bad input (scenario or arguments), 1 any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use fundcast::{export, scenario, ScenarioError};

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
        Command::Run { scenario, out } => {
            let model = scenario::load(&scenario)?;
            let (rows, summary) = fundcast::deterministic(&model);
            print!(
                "{}",
                export::deterministic_table(&model, &rows, summary.depletion)
            );
            create_dir(&out)?;
            write(
                &out.join("deterministic.csv"),
                export::rows_csv(&model, &rows).as_bytes(),
            )?;
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
