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

/// Runs fundcast, failing the test (not hanging it) when it takes more than `secs`.
fn fundcast_within(secs: u64, args: &[&std::ffi::OsStr]) -> Output {
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run fundcast");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fundcast {args:?} ran for more than {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// Runs `args`, expects exit status 2, no panic and `parts` in stderr; gives stderr.
#[track_caller]
fn bad_input(args: &[&std::ffi::OsStr], parts: &[&str]) -> String {
    let out = fundcast_within(120, args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}:\n{err}");
    assert_no_panic(&out);
    for p in parts {
        assert!(err.contains(p), "`{p}` not in:\n{err}");
    }
    err
}

const MINIMAL: &str = "scenarios/minimal.toml";

/// `solve` on the minimal scenario with `extra` arguments.
fn solve_args<'a>(extra: &[&'a str]) -> Vec<&'a std::ffi::OsStr> {
    let mut v: Vec<&std::ffi::OsStr> = vec![os("solve"), os(MINIMAL)];
    v.extend(extra.iter().map(|s| os(s)));
    v
}

#[test]
fn sensitivity_on_an_unknown_key_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    bad_input(
        &[
            os("sensitivity"),
            os(MINIMAL),
            os("--measure"),
            os("cumulative_deficit"),
            os("--vary"),
            os("no.such=1,2"),
            os("--out"),
            out_dir.as_os_str(),
        ],
        &[
            "--vary `no.such=1,2`",
            "`no.such` is not a scenario key",
            "`no`: unknown key",
        ],
    );
    assert!(!out_dir.exists());
}

#[test]
fn solve_range_beyond_the_levers_values_exits_2() {
    let err = bad_input(
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "cumulative_deficit <= 0",
            "--range",
            "0,5",
        ]),
        &[
            "--range `0,5`",
            "`contributions.rate` = 5",
            "expected a probability in [0, 1]",
        ],
    );
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn solve_reversed_range_exits_2() {
    bad_input(
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "cumulative_deficit <= 0",
            "--range",
            "0.5,0.1",
        ]),
        &["--range `0.5,0.1`: expected LO,HI: two finite numbers with LO < HI"],
    );
}

#[test]
fn solve_range_with_nan_exits_2() {
    for r in ["nan,1", "0,inf"] {
        bad_input(
            &solve_args(&[
                "--lever",
                "contributions.rate",
                "--target",
                "cumulative_deficit <= 0",
                "--range",
                r,
            ]),
            &[&format!("--range `{r}`"), "two finite numbers"],
        );
    }
}

#[test]
fn solve_on_a_lever_that_is_not_a_number_exits_2() {
    for (lever, why) in [
        (
            "economy",
            "`economy` holds a section (a table), not a number",
        ),
        ("name", "`name` takes a string, not any number"),
        ("horizon", "`horizon` takes an integer, not any number"),
        ("no.such", "`no.such` is not a scenario key"),
    ] {
        bad_input(
            &solve_args(&[
                "--lever",
                lever,
                "--target",
                "cumulative_deficit <= 0",
                "--range",
                "0,1",
            ]),
            &[&format!("--lever `{lever}`"), why],
        );
    }
}

#[test]
fn solve_target_year_outside_the_projection_exits_2() {
    bad_input(
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "p_depleted_by(2099) <= 0.05",
        ]),
        &[
            "--target `p_depleted_by(2099) <= 0.05`",
            "the year 2099 is outside the projected years 2020..=2030",
        ],
    );
}

#[test]
fn solve_target_of_nan_exits_2() {
    bad_input(
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "cumulative_deficit <= nan",
        ]),
        &[
            "--target `cumulative_deficit <= nan`",
            "`nan` is not a finite number",
        ],
    );
}

#[test]
fn sensitivity_vary_with_nan_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    bad_input(
        &[
            os("sensitivity"),
            os(MINIMAL),
            os("--measure"),
            os("cumulative_deficit"),
            os("--vary"),
            os("contributions.rate=x0,xnan"),
            os("--out"),
            out_dir.as_os_str(),
        ],
        &["--vary `contributions.rate=x0,xnan`: `xnan` is not a finite number"],
    );
    assert!(!out_dir.exists());
}

#[test]
fn solve_tolerance_of_zero_exits_2_and_a_tiny_one_ends() {
    bad_input(
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "cumulative_deficit <= 0",
            "--tolerance",
            "0",
        ]),
        &["--tolerance `0.0`: expected a number in [1e-12, 1]"],
    );
    // The smallest tolerance allowed ends (bisection stops where no f64 lies between).
    let out = fundcast_within(
        60,
        &solve_args(&[
            "--lever",
            "contributions.rate",
            "--target",
            "cumulative_deficit <= 0",
            "--tolerance",
            "1e-12",
        ]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("contributions.rate = 0.0705"));
}

#[test]
fn threads_are_capped_at_the_paths_and_absurd_counts_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    bad_input(
        &[
            os("run"),
            os(MINIMAL),
            os("--paths"),
            os("10"),
            os("--threads"),
            os("40000"),
            os("--out"),
            out_dir.as_os_str(),
        ],
        &["--threads `40000`: expected a number of threads in 1..=4096"],
    );
    assert!(!out_dir.exists());
    bad_input(
        &[os("run"), os(MINIMAL), os("--threads"), os("0")],
        &["--threads `0`"],
    );
    bad_input(
        &[os("run"), os(MINIMAL), os("--paths"), os("1000000000")],
        &["--paths `1000000000`: expected a number of paths in 0..=100000000"],
    );
    // 4096 threads asked for 3 paths: 3 are used.
    let out = fundcast_within(
        60,
        &[
            os("run"),
            os(MINIMAL),
            os("--paths"),
            os("3"),
            os("--threads"),
            os("4096"),
            os("--quiet"),
            os("--out"),
            out_dir.as_os_str(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("on 3 threads"));
    let json = std::fs::read_to_string(out_dir.join("run.json")).unwrap();
    assert!(json.contains("\"threads\": 3"), "{json}");
}

#[cfg(unix)]
#[test]
fn extends_dev_zero_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.toml");
    std::fs::write(&path, "name = \"z\"\nextends = \"/dev/zero\"\n").unwrap();
    bad_input(
        &[os("check"), path.as_os_str()],
        &[
            &format!("{}:2:11: `extends`", path.display()),
            "cannot read base scenario `/dev/zero`: not a regular file but a device",
        ],
    );
}

#[cfg(unix)]
#[test]
fn check_on_a_device_or_a_fifo_is_refused() {
    bad_input(
        &[os("check"), os("/dev/zero")],
        &["cannot read /dev/zero: not a regular file but a device"],
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    bad_input(
        &[os("check"), fifo.as_os_str()],
        &["fifo.toml: not a regular file but a FIFO"],
    );
    // A life table that is a FIFO: reported at the key that names it.
    let b = common::tiny().set(
        "mortality",
        &format!("table = {:?}", fifo.display().to_string()),
    );
    let path = write_scenario(dir.path(), "fifo-table.toml", &b);
    bad_input(
        &[os("check"), path.as_os_str()],
        &["`mortality.table`", "not a regular file but a FIFO"],
    );
}

#[test]
fn a_file_over_16_mib_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(16 * 1024 * 1024 + 1).unwrap();
    bad_input(
        &[os("check"), path.as_os_str()],
        &[
            "huge.toml",
            "16777217 bytes or more, over the limit of 16777216 bytes (16 MiB)",
        ],
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"base_year = 2020\nname = \"caf\xe9\"\n").unwrap();
    bad_input(
        &[os("check"), path.as_os_str()],
        &[&format!(
            "{}:2:12: not UTF-8 text (byte 0xe9)",
            path.display()
        )],
    );
}

#[test]
fn a_scenario_whose_numbers_overflow_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Valid, but a fund growing by 1000 % a year for 300 years passes f64's range.
    let b = common::tiny()
        .set(
            "",
            "name = \"tiny\"\nbase_year = 2005\nhorizon = 2305\nmax_age = 5",
        )
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = 0.1\ninflation = 0.02\nfund_return = 10",
        );
    let path = write_scenario(dir.path(), "overflow.toml", &b);
    let out_dir = dir.path().join("out");
    let err = bad_input(
        &[
            os("run"),
            path.as_os_str(),
            os("--paths"),
            os("4"),
            os("--out"),
            out_dir.as_os_str(),
        ],
        &[
            "deterministic projection: `fund_end` is inf in ",
            "the first value that is not a finite number",
        ],
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out_dir.exists());
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_run_writes_nothing_and_says_so_in_one_line() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args([
            os("run"),
            os("scenarios/bench-2050.toml"),
            os("--paths"),
            os("100000000"),
            os("--quiet"),
            os("--out"),
            out_dir.as_os_str(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "interrupted: nothing was written\n");
    assert!(!out_dir.exists());
}
