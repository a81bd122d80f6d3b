//! The optional outputs (docs/outputs.md): `results.xlsx` (`--xlsx`), `--save-paths`,
//! and `--format parquet` without the `parquet` feature; with the feature, the Parquet
//! files read back (`parquet` module at the bottom).

use std::path::Path;
use std::process::Command;

use calamine::{open_workbook, Data, Reader, Xlsx};
use fundcast::montecarlo::PathRunner;
use fundcast::{metrics, scenario};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
}

/// Runs the binary; its stdout (it must succeed).
fn ok(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "fundcast {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV file as its header and rows of fields.
fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// A sheet as rows of cells, the header first.
fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "sheet {name} starts at A1");
    range.rows().map(<[Data]>::to_vec).collect()
}

/// A workbook cell equals a CSV field: the same number (bit for bit), the same text, or
/// empty for an empty field.
fn same(cell: &Data, field: &str, what: &str) {
    match cell {
        Data::Float(x) => assert_eq!(
            x.to_bits(),
            field
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{what}: {x} vs `{field}`"))
                .to_bits(),
            "{what}: {x} vs `{field}`"
        ),
        Data::Int(i) => assert_eq!(*i as f64, field.parse::<f64>().unwrap(), "{what}"),
        Data::String(t) => assert_eq!(t, field, "{what}"),
        Data::Empty => assert_eq!(field, "", "{what}: empty cell"),
        other => panic!("{what}: unexpected cell {other:?}"),
    }
}

/// A sheet's header and rows equal a CSV file's, cell by cell.
fn sheet_is_csv(book: &Path, name: &str, file: &Path) {
    let rows = sheet(book, name);
    let (header, fields) = csv(file);
    let got: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(got, header, "{name}: header");
    assert_eq!(rows.len() - 1, fields.len(), "{name}: rows");
    for (r, (cells, row)) in rows[1..].iter().zip(&fields).enumerate() {
        for (c, field) in row.iter().enumerate() {
            let cell = cells.get(c).unwrap_or(&Data::Empty);
            same(
                cell,
                field,
                &format!("{name} row {} column {}", r + 2, header[c]),
            );
        }
    }
}

#[test]
fn run_workbook_holds_the_csv_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let stdout = ok(&[
        "run",
        "scenarios/ganzhou-2006-2010.toml",
        "--paths",
        "300",
        "--seed",
        "5",
        "--quiet",
        "--xlsx",
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("run.json, results.xlsx"), "{stdout}");
    let book = out.join("results.xlsx");
    let wb: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "README",
            "Deterministic",
            "Percentiles",
            "Depletion",
            "Assumptions"
        ]
    );
    sheet_is_csv(&book, "Deterministic", &out.join("deterministic.csv"));
    sheet_is_csv(&book, "Depletion", &out.join("depletion.csv"));
    // Percentiles: summary.csv's long rows, laid out wide.
    let wide = sheet(&book, "Percentiles");
    let stats: Vec<String> = wide[0][2..].iter().map(|c| c.to_string()).collect();
    assert_eq!(stats, fundcast::aggregate::STATS);
    let (_, long) = csv(&out.join("summary.csv"));
    assert_eq!(long.len(), (wide.len() - 1) * stats.len());
    for (i, row) in long.iter().enumerate() {
        let cells = &wide[1 + i / stats.len()];
        same(&cells[0], &row[0], "Percentiles year");
        same(&cells[1], &row[1], "Percentiles metric");
        assert_eq!(stats[i % stats.len()], row[2]);
        same(&cells[2 + i % stats.len()], &row[3], &format!("{row:?}"));
    }
    // The README names the seed, the paths, the engine version and every sheet.
    let readme = sheet(&book, "README");
    let item = |k: &str| {
        readme
            .iter()
            .find(|r| matches!(&r[0], Data::String(t) if t == k))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("README has no {k}"))
    };
    assert_eq!(item("seed").to_string(), "5");
    assert_eq!(item("paths"), Data::Float(300.0));
    assert_eq!(item("engine_version").to_string(), fundcast::VERSION);
    for name in ["Deterministic", "Percentiles", "Depletion", "Assumptions"] {
        item(&format!("sheet {name}"));
    }
    // Assumptions: the scenario's keys, numbers as numbers.
    let assumptions = sheet(&book, "Assumptions");
    let rate = assumptions
        .iter()
        .find(|r| matches!(&r[0], Data::String(t) if t == "contributions.rate"))
        .expect("contributions.rate");
    assert!(matches!(rate[1], Data::Float(_)), "{rate:?}");
}

#[test]
fn workbook_bytes_do_not_depend_on_threads_or_time() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, threads: &str, epoch: Option<&str>| -> Vec<u8> {
        let out = dir.path().join(name);
        let mut cmd = bin();
        cmd.args(["run", "scenarios/minimal.toml", "--paths", "300", "--quiet"])
            .args(["--xlsx", "--threads", threads, "--out", s(&out)]);
        match epoch {
            Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
            None => cmd.env_remove("SOURCE_DATE_EPOCH"),
        };
        assert!(cmd
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap()
            .success());
        std::fs::read(out.join("results.xlsx")).unwrap()
    };
    let a = run("a", "1", None);
    let b = run("b", "2", None);
    assert!(a == b, "results.xlsx differs between 1 and 2 threads");
    // The default creation date is the fixed one, not the clock's.
    let fixed = run("c", "2", Some(&fundcast::workbook::CREATED.to_string()));
    assert!(
        a == fixed,
        "the default creation date is not workbook::CREATED"
    );
    let other = run("d", "2", Some("1700000000"));
    assert!(a != other, "SOURCE_DATE_EPOCH sets the creation date");
}

#[test]
fn compare_and_sensitivity_workbooks_hold_the_csv_values() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = dir.path().join("cmp");
    ok(&[
        "compare",
        "scenarios/ganzhou-2006-2010.toml",
        "scenarios/ganzhou-subsidy-15.toml",
        "--paths",
        "200",
        "--seed",
        "3",
        "--xlsx",
        "--out",
        s(&cmp),
    ]);
    let book = cmp.join("results.xlsx");
    let wb: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(wb.sheet_names(), ["README", "Comparison", "Assumptions"]);
    sheet_is_csv(&book, "Comparison", &cmp.join("comparison.csv"));
    let assumptions = sheet(&book, "Assumptions");
    let names: Vec<String> = assumptions[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(names, ["key", "ganzhou-2006-2010", "ganzhou-subsidy-15"]);

    let sens = dir.path().join("sens");
    ok(&[
        "sensitivity",
        "scenarios/ganzhou-2006-2010.toml",
        "--measure",
        "cumulative_deficit",
        "--paths",
        "0",
        "--xlsx",
        "--out",
        s(&sens),
    ]);
    let book = sens.join("results.xlsx");
    let wb: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(wb.sheet_names(), ["README", "Sensitivity", "Assumptions"]);
    sheet_is_csv(&book, "Sensitivity", &sens.join("sensitivity.csv"));
}

#[test]
fn no_flag_writes_the_files_it_always_wrote() {
    // Besides the report (on by default, docs/report.md): no workbook, no Parquet.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let stdout = ok(&[
        "run",
        "scenarios/minimal.toml",
        "--paths",
        "100",
        "--quiet",
        "--out",
        s(&out),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "depletion.csv",
            "deterministic.csv",
            "report.html",
            "run.json",
            "summary.csv"
        ]
    );
    assert!(
        stdout.contains(": deterministic.csv, summary.csv, depletion.csv, run.json, report.html\n"),
        "{stdout}"
    );
}

/// Runs with `--save-paths` to `file`.
fn save_paths(scenario: &str, paths: usize, threads: usize, file: &Path, out: &Path) {
    ok(&[
        "run",
        scenario,
        "--paths",
        &paths.to_string(),
        "--seed",
        "9",
        "--threads",
        &threads.to_string(),
        "--quiet",
        "--out",
        s(out),
        "--save-paths",
        s(file),
    ]);
}

#[test]
fn saved_paths_are_the_engines_paths_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scen = "tests/data/mc-features.toml";
    // More than the pilot, and a last block that is not full.
    let paths = fundcast::montecarlo::PILOT + 300;
    let one = dir.path().join("one.csv");
    let two = dir.path().join("sub/two.csv");
    save_paths(scen, paths, 1, &one, &dir.path().join("o1"));
    save_paths(scen, paths, 2, &two, &dir.path().join("o2"));
    let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
    assert!(a == b, "--save-paths differs between 1 and 2 threads");
    // No temporary file is left beside it.
    assert_eq!(
        std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
        1
    );

    let model = scenario::load(Path::new(scen)).unwrap();
    let (years, k) = (model.frame.years(), metrics::metrics_of(&model));
    let (header, rows) = csv(&one);
    let mut want = vec!["path", "year"];
    want.extend(&metrics::METRICS[..k]);
    assert_eq!(header, want);
    assert_eq!(rows.len(), paths * years);
    assert_ne!(
        rows[years - 1][2..],
        rows[2 * years - 1][2..],
        "paths 0 and 1 differ at the horizon"
    );
    let mut runner = PathRunner::new(&model);
    for p in [0, 1, 255, 256, 1023, 1024, paths - 1] {
        runner.path(9, p as u64);
        let values = runner.values();
        for t in 0..years {
            let row = &rows[p * years + t];
            assert_eq!(row[0], p.to_string());
            assert_eq!(row[1], (model.frame.base_year + t as i32).to_string());
            for m in 0..k {
                let got: f64 = row[2 + m].parse().unwrap();
                let v = values[t * k + m];
                assert!(
                    got.to_bits() == v.to_bits() || (got == 0.0 && v == 0.0),
                    "path {p} year {t} {}: {got} vs {v}",
                    metrics::METRICS[m]
                );
            }
        }
    }
    // The summary of the run is the one without --save-paths.
    let plain = dir.path().join("plain");
    ok(&[
        "run",
        scen,
        "--paths",
        &paths.to_string(),
        "--seed",
        "9",
        "--quiet",
        "--out",
        s(&plain),
    ]);
    assert_eq!(
        std::fs::read(plain.join("summary.csv")).unwrap(),
        std::fs::read(dir.path().join("o2/summary.csv")).unwrap()
    );
}

#[test]
fn bad_output_flags_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = status(&[
        "run",
        "scenarios/minimal.toml",
        "--out",
        s(&out),
        "--save-paths",
        s(&dir.path().join("p.txt")),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("expected a file name ending in .csv or .parquet"),
        "{err}"
    );
    if !fundcast::formats::PARQUET {
        for args in [
            &["run", "scenarios/minimal.toml", "--format", "parquet"][..],
            &["run", "scenarios/minimal.toml", "--save-paths", "p.parquet"][..],
            &[
                "sensitivity",
                "scenarios/minimal.toml",
                "--measure",
                "cumulative_deficit",
                "--format",
                "csv,parquet",
            ][..],
        ] {
            let mut args = args.to_vec();
            args.extend(["--out", s(&out)]);
            let (code, err) = status(&args);
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(err.contains("--features parquet"), "{err}");
        }
    }
    assert!(!out.exists(), "nothing is written on bad input");
}

/// The peak memory of a run with `--save-paths` does not grow with the paths (GNU time,
/// as `montecarlo::memory_does_not_grow_with_paths`).
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the peak-memory check reads GNU time's `-v` report (Linux)"
)]
fn saving_paths_keeps_memory_bounded() {
    let time = Path::new("/usr/bin/time");
    assert!(time.exists(), "needs GNU time at /usr/bin/time");
    let dir = tempfile::tempdir().unwrap();
    let peak_kb = |paths: usize| -> u64 {
        let file = dir.path().join(format!("p{paths}.csv"));
        let out = Command::new(time)
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_fundcast"))
            .args([
                "run",
                "tests/data/paths-small.toml",
                "--threads",
                "2",
                "--quiet",
            ])
            .args(["--paths", &paths.to_string(), "--out"])
            .arg(dir.path().join(format!("o{paths}")))
            .arg("--save-paths")
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let lines =
            std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&file).unwrap()))
                .count();
        assert_eq!(lines, 1 + 2 * paths);
        std::fs::remove_file(&file).unwrap();
        err.lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .unwrap_or_else(|| panic!("no peak RSS in: {err}"))
            .trim()
            .parse()
            .unwrap()
    };
    let (a, b) = (peak_kb(20_000), peak_kb(200_000));
    eprintln!("peak RSS with --save-paths: {a} kB for 20,000 paths, {b} kB for 200,000");
    assert!(
        b < a + 32 * 1024,
        "peak RSS {a} kB for 20,000 paths vs {b} kB for 200,000 paths"
    );
}

#[cfg(feature = "parquet")]
mod parquet {
    use super::*;
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    use ::parquet::record::{Field, Row};
    use std::path::PathBuf;

    fn rows(path: &Path) -> (Vec<String>, Vec<Row>) {
        let reader = SerializedFileReader::try_from(path).unwrap();
        let names = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let rows = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        (names, rows)
    }

    /// A Parquet field equals a CSV field.
    fn same_field(f: &Field, csv: &str, what: &str) {
        match f {
            Field::Null => assert_eq!(csv, "", "{what}"),
            Field::Long(i) => assert_eq!(i.to_string(), csv, "{what}"),
            Field::Double(x) => {
                assert_eq!(x.to_bits(), csv.parse::<f64>().unwrap().to_bits(), "{what}")
            }
            Field::Str(t) => assert_eq!(t, csv, "{what}"),
            other => panic!("{what}: unexpected {other:?}"),
        }
    }

    fn parquet_is_csv(pq: &Path, csv_file: &Path) {
        let (names, prows) = rows(pq);
        let (header, fields) = csv(csv_file);
        assert_eq!(names, header);
        assert_eq!(prows.len(), fields.len());
        for (r, (prow, row)) in prows.iter().zip(&fields).enumerate() {
            for (c, (_, f)) in prow.get_column_iter().enumerate() {
                same_field(
                    f,
                    &row[c],
                    &format!("{} row {r} {}", pq.display(), header[c]),
                );
            }
        }
    }

    #[test]
    fn parquet_tables_hold_the_csv_values() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        ok(&[
            "run",
            "scenarios/minimal.toml",
            "--paths",
            "300",
            "--quiet",
            "--format",
            "csv,parquet",
            "--out",
            s(&out),
        ]);
        for name in ["deterministic", "summary", "depletion"] {
            parquet_is_csv(
                &out.join(format!("{name}.parquet")),
                &out.join(format!("{name}.csv")),
            );
        }
        let cmp = dir.path().join("cmp");
        ok(&[
            "compare",
            "scenarios/ganzhou-2006-2010.toml",
            "scenarios/ganzhou-subsidy-15.toml",
            "--paths",
            "200",
            "--format",
            "csv,parquet",
            "--out",
            s(&cmp),
        ]);
        parquet_is_csv(&cmp.join("comparison.parquet"), &cmp.join("comparison.csv"));
        // Parquet only: no CSV table.
        let only = dir.path().join("only");
        ok(&[
            "run",
            "scenarios/minimal.toml",
            "--quiet",
            "--format",
            "parquet",
            "--out",
            s(&only),
        ]);
        assert!(only.join("deterministic.parquet").exists());
        assert!(!only.join("deterministic.csv").exists());
    }

    #[test]
    fn saved_paths_as_parquet_equal_the_csv_whatever_the_threads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = fundcast::montecarlo::PILOT + 300;
        let scen = "tests/data/mc-features.toml";
        let files: Vec<PathBuf> = ["a.parquet", "b.parquet", "c.csv"]
            .iter()
            .map(|n| dir.path().join(n))
            .collect();
        save_paths(scen, paths, 1, &files[0], &dir.path().join("o1"));
        save_paths(scen, paths, 2, &files[1], &dir.path().join("o2"));
        save_paths(scen, paths, 2, &files[2], &dir.path().join("o3"));
        assert!(std::fs::read(&files[0]).unwrap() == std::fs::read(&files[1]).unwrap());
        parquet_is_csv(&files[0], &files[2]);
    }

    /// Shards write their files of paths as CSV; `merge --save-paths F.parquet` writes
    /// the Parquet file of one run's `--save-paths F.parquet`, byte for byte.
    #[test]
    fn merged_shards_write_one_runs_parquet_file_of_paths() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let scen = "scenarios/ganzhou-2050.toml";
        let single = d.join("single.parquet");
        ok(&[
            "run",
            scen,
            "--paths",
            "1100",
            "--seed",
            "4",
            "--quiet",
            "--no-report",
            "--out",
            s(&d.join("single")),
            "--save-paths",
            s(&single),
        ]);
        let mut args = vec!["merge".to_string()];
        for k in 0..3 {
            let (part, file) = (d.join(format!("p{k}")), d.join(format!("paths-{k}.csv")));
            let shard = format!("{k}/3");
            ok(&[
                "run",
                scen,
                "--paths",
                "1100",
                "--seed",
                "4",
                "--shard",
                &shard,
                "--quiet",
                "--save-paths",
                s(&file),
                "--out",
                s(&part),
            ]);
            args.push(s(&part).to_string());
        }
        let merged = d.join("merged.parquet");
        args.extend(
            [
                "--no-report",
                "--out",
                s(&d.join("m")),
                "--save-paths",
                s(&merged),
            ]
            .map(String::from),
        );
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            std::fs::read(&single).unwrap() == std::fs::read(&merged).unwrap(),
            "the merged Parquet file of paths differs from one run's"
        );
    }
}
