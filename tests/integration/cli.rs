//! The `fundcast` command line: exit statuses, error messages and the files it writes.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADER: &str = "year,contributors,pensioners,dependency_ratio,average_wage,average_pension,\
replacement_ratio,contributions,payouts,admin,deficit,subsidy,fund_end,cumulative_deficit,\
vested,disabled,other_income,new_pensions,average_first_pension";

fn fundcast(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        // A panic would print its backtrace: make sure there is none to print.
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run fundcast")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes the tiny scenario (with `edit` applied) and its life table into `dir`.
fn write_scenario(dir: &Path, name: &str, b: &common::Builder) -> PathBuf {
    std::fs::copy("tests/data/q-tiny.csv", dir.join("q-tiny.csv")).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, b.text()).unwrap();
    path
}

#[track_caller]
fn assert_no_panic(out: &Output) {
    let all = text(&out.stdout) + &text(&out.stderr);
    for word in ["panicked", "backtrace", "RUST_BACKTRACE", "unwrap"] {
        assert!(!all.contains(word), "`{word}` in the output:\n{all}");
    }
}

/// A scenario with a probability out of range, on a known line.
fn bad() -> (common::Builder, usize) {
    let b = common::tiny().set("contributions", "rate = 0.2\ncollection_rate = 1.5");
    let line = common::line_of(&b.text(), "collection_rate = 1.5");
    (b, line)
}

#[test]
fn check_on_a_bad_file_exits_2_with_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (b, line) = bad();
    let path = write_scenario(dir.path(), "bad.toml", &b);
    let out = fundcast(&["check".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}:{line}:", path.display())),
        "file and line missing:\n{err}"
    );
    assert!(err.contains("`contributions.collection_rate`"), "{err}");
    assert!(err.contains("1.5 is out of range"), "{err}");
    assert!(text(&out.stdout).is_empty());
    assert_no_panic(&out);
}

#[test]
fn check_on_a_good_file_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "good.toml", &common::tiny());
    let out = fundcast(&["check".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid"));
    assert_no_panic(&out);
}

#[test]
fn check_reports_csv_problems_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    // A life table with a missing age: the CSV's name, the key and the age.
    std::fs::copy("tests/data/q-missing.csv", dir.path().join("q-missing.csv")).unwrap();
    let b = common::tiny().set("mortality", "table = \"q-missing.csv\"");
    let path = write_scenario(dir.path(), "missing-age.toml", &b);
    let out = fundcast(&["check".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("q-missing.csv"), "{err}");
    assert!(err.contains("`mortality.table`"), "{err}");
    assert!(err.contains("missing age 2 for male"), "{err}");
    assert_no_panic(&out);

    // A scenario file that does not exist.
    let nowhere = dir.path().join("no-such-scenario.toml");
    let out = fundcast(&["check".as_ref(), nowhere.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-scenario.toml"));
    assert_no_panic(&out);

    // A TOML syntax error: line of the error.
    let path = dir.path().join("syntax.toml");
    std::fs::write(&path, "name = \"x\"\nbase_year = 2005\nhorizon = = 2006\n").unwrap();
    let out = fundcast(&["check".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("{}:3:", path.display())),
        "{}",
        text(&out.stderr)
    );
    assert_no_panic(&out);
}

#[test]
fn run_on_a_bad_file_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (b, line) = bad();
    let path = write_scenario(dir.path(), "bad.toml", &b);

    // The output folder does not exist: it must not be created.
    let out_dir = dir.path().join("results");
    let out = fundcast(&[
        "run".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!out_dir.exists(), "the output folder was created");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}:{line}:", path.display())),
        "{err}"
    );
    assert!(err.contains("`contributions.collection_rate`"), "{err}");
    assert_no_panic(&out);

    // An existing, empty output folder stays empty.
    std::fs::create_dir(&out_dir).unwrap();
    let out = fundcast(&[
        "run".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
    assert_no_panic(&out);
}

#[test]
fn run_writes_the_deterministic_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let scenario = "scenarios/ganzhou-2006-2010.toml";
    let out = fundcast(&[
        "run".as_ref(),
        scenario.as_ref(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_panic(&out);
    let csv = std::fs::read_to_string(out_dir.join("deterministic.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], HEADER);
    // One row per year, 2005–2010, each with a value in every column.
    assert_eq!(lines.len(), 1 + 6);
    let columns = HEADER.split(',').count();
    for (i, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), columns, "{line}");
        assert_eq!(fields[0], (2005 + i).to_string());
        for f in &fields {
            let x: f64 = f.parse().unwrap_or_else(|_| panic!("not a number: {f}"));
            assert!(x.is_finite());
        }
    }
    // The numbers are the library's deterministic projection, exactly.
    let m = fundcast::scenario::load(Path::new(scenario)).unwrap();
    let (rows, _) = fundcast::deterministic(&m);
    for (line, row) in lines[1..].iter().zip(&rows) {
        let values: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|f| f.parse().unwrap())
            .collect();
        assert_eq!(&values[..], &row[..fundcast::projection::N_BASE_METRICS]);
    }
    // No temporary files are left behind.
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.ends_with(".tmp") && !name.starts_with('.'), "{name}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    let out = fundcast(&["frobnicate".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    assert_no_panic(&out);
}
