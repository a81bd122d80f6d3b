//! Sharded runs (`run --shard K/N`, `merge`): the merged files are byte for byte those of
//! one run, whatever the number of shards (1 to 64, uneven splits, more shards than
//! blocks), their order on the command line, or the threads each used; parts of another
//! run, gaps, overlaps, duplicates and damaged files are refused with exit 2 and the
//! file named, and nothing is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = "scenarios/ganzhou-2050.toml";
const CHINA: &str = "scenarios/ganzhou-2006-2010-china-rules.toml";
/// The files a Monte Carlo run writes that must be identical (run.json differs only in
/// its timing fields, as two runs of one scenario do).
const FILES: [&str; 3] = ["deterministic.csv", "summary.csv", "depletion.csv"];

fn fundcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run fundcast")
}

#[track_caller]
fn ok(args: &[&str]) {
    let out = fundcast(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The run's JSON without its timing fields.
fn untimed_json(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("run.json"))
        .expect("run.json")
        .lines()
        .filter(|l| {
            ![
                "\"threads\"",
                "\"elapsed_seconds\"",
                "\"path_years_per_second\"",
            ]
            .iter()
            .any(|k| l.trim_start().starts_with(k))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn assert_same_outputs(a: &Path, b: &Path, what: &str) {
    for f in FILES {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(
            x.as_ref().expect("single run's file") == y.as_ref().expect("merged file"),
            "{what}: {f} differs"
        );
    }
    assert_eq!(untimed_json(a), untimed_json(b), "{what}: run.json");
}

/// Shards `0..n` of `paths` paths, on `threads` threads each, into `dir`.
fn shards(scenario: &str, paths: usize, n: usize, threads: usize, dir: &Path) -> Vec<PathBuf> {
    (0..n)
        .map(|k| {
            let part = dir.join(format!("part-{k}"));
            let (p, shard, t) = (paths.to_string(), format!("{k}/{n}"), threads.to_string());
            ok(&[
                "run",
                scenario,
                "--paths",
                &p,
                "--seed",
                "21",
                "--threads",
                &t,
                "--shard",
                &shard,
                "--quiet",
                "--out",
                s(&part),
            ]);
            part
        })
        .collect()
}

fn merge(parts: &[PathBuf], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    fundcast(&args)
}

/// 1, 2, 5 (uneven), 7 and 64 shards (more than the 12 blocks of 3,000 paths: some
/// empty) merge to a single run's bytes, the parts given in several orders, the shards
/// run on one or two threads.
#[test]
fn merged_shards_are_byte_identical_to_one_run() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let single = dir.path().join("single");
    ok(&[
        "run",
        SCENARIO,
        "--paths",
        "3000",
        "--seed",
        "21",
        "--quiet",
        "--out",
        s(&single),
    ]);
    for (n, threads) in [(1, 2), (2, 1), (5, 2), (7, 1), (64, 1)] {
        let parts_dir = dir.path().join(format!("parts-{n}"));
        std::fs::create_dir_all(&parts_dir).expect("folder");
        let mut parts = shards(SCENARIO, 3000, n, threads, &parts_dir);
        for order in 0..2 {
            if order == 1 {
                parts.reverse();
                parts.rotate_left(n / 3);
            }
            let out = dir.path().join(format!("merged-{n}-{order}"));
            let m = merge(&parts, &out);
            assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
            assert_same_outputs(&single, &out, &format!("{n} shards, order {order}"));
        }
    }
}

/// China's rules (more series: the account metrics) shard and merge the same way.
#[test]
fn china_rules_shard_and_merge() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let single = dir.path().join("single");
    ok(&[
        "run",
        CHINA,
        "--paths",
        "1500",
        "--seed",
        "21",
        "--quiet",
        "--out",
        s(&single),
    ]);
    let parts = shards(CHINA, 1500, 3, 2, dir.path());
    let out = dir.path().join("merged");
    let m = merge(&parts, &out);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    assert_same_outputs(&single, &out, "China's rules, 3 shards");
}

#[track_caller]
fn refused(parts: &[PathBuf], dir: &Path, wanted: &[&str]) {
    let out = dir.join("refused");
    let m = merge(parts, &out);
    let err = String::from_utf8_lossy(&m.stderr);
    assert_eq!(m.status.code(), Some(2), "{err}");
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
    assert!(!out.exists(), "nothing is written");
}

/// Gaps, overlaps, duplicates, another seed or scenario, a damaged or foreign file.
#[test]
fn merge_refuses_what_is_not_one_whole_run() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let parts = shards(SCENARIO, 2000, 4, 1, d);
    // A gap: a shard missing.
    refused(
        &[parts[0].clone(), parts[1].clone(), parts[3].clone()],
        d,
        &["missing"],
    );
    // A duplicate.
    let mut dup = parts.clone();
    dup.push(parts[2].clone());
    refused(&dup, d, &["part-2", "overlap"]);
    // An overlap: shards of two splits.
    let other = d.join("other");
    std::fs::create_dir_all(&other).expect("folder");
    let three = shards(SCENARIO, 2000, 3, 1, &other);
    refused(
        &[
            parts[0].clone(),
            parts[1].clone(),
            three[1].clone(),
            three[2].clone(),
        ],
        d,
        &["overlap"],
    );
    // Another seed.
    let seed = d.join("seed-22");
    ok(&[
        "run",
        SCENARIO,
        "--paths",
        "2000",
        "--seed",
        "22",
        "--shard",
        "3/4",
        "--quiet",
        "--out",
        s(&seed),
    ]);
    let mut mixed = parts[..3].to_vec();
    mixed.push(seed.clone());
    refused(&mixed, d, &["seed-22", "the seed is 22"]);
    // Another scenario.
    let china = d.join("china");
    ok(&[
        "run",
        CHINA,
        "--paths",
        "2000",
        "--seed",
        "21",
        "--shard",
        "3/4",
        "--quiet",
        "--out",
        s(&china),
    ]);
    let mut mixed = parts[..3].to_vec();
    mixed.push(china);
    refused(&mixed, d, &["china", "scenario files"]);
    // A damaged file and a file that is no part.
    let damaged = d.join("damaged");
    let mut bytes = std::fs::read(&parts[3]).expect("part");
    let i = bytes.len() / 2;
    bytes[i] ^= 0x10;
    std::fs::write(&damaged, bytes).expect("write");
    let mut mixed = parts[..3].to_vec();
    mixed.push(damaged);
    refused(&mixed, d, &["damaged", "checksum"]);
    refused(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCENARIO)],
        d,
        &["ganzhou-2050.toml", "not a fundcast part"],
    );
    // A bad --shard.
    for bad in ["4/4", "1/0", "x/2", "3"] {
        let out = fundcast(&[
            "run",
            SCENARIO,
            "--paths",
            "100",
            "--shard",
            bad,
            "--out",
            s(&d.join("never")),
        ]);
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"));
    }
}

/// A comparison's shards merge to its `comparison.csv`, byte for byte; a comparison's
/// part does not merge with a run's.
#[test]
fn comparison_shards_merge_to_one_comparison() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let (base, variant) = (
        "scenarios/ganzhou-2050.toml",
        "scenarios/ganzhou-2050-automatic.toml",
    );
    let single = d.join("single");
    ok(&[
        "compare",
        base,
        variant,
        "--paths",
        "1800",
        "--seed",
        "5",
        "--out",
        s(&single),
    ]);
    let parts: Vec<PathBuf> = (0..4)
        .map(|k| {
            let part = d.join(format!("cmp-{k}"));
            let shard = format!("{k}/4");
            ok(&[
                "compare",
                base,
                variant,
                "--paths",
                "1800",
                "--seed",
                "5",
                "--threads",
                "1",
                "--shard",
                &shard,
                "--out",
                s(&part),
            ]);
            part
        })
        .collect();
    let mut shuffled = parts.clone();
    shuffled.swap(0, 3);
    let out = d.join("merged");
    let m = merge(&shuffled, &out);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    assert_eq!(
        std::fs::read(single.join("comparison.csv")).expect("single"),
        std::fs::read(out.join("comparison.csv")).expect("merged"),
        "comparison.csv"
    );
    let run_part = d.join("run-3");
    ok(&[
        "run",
        base,
        "--paths",
        "1800",
        "--seed",
        "5",
        "--shard",
        "3/4",
        "--quiet",
        "--out",
        s(&run_part),
    ]);
    let mut mixed = parts[..3].to_vec();
    mixed.push(run_part);
    refused(&mixed, d, &["run-3", "the kind of run"]);
}

/// Shards run with `--save-paths F.csv` and merged with `--save-paths` give the file of
/// paths of one run, byte for byte; a changed file of paths is refused before anything
/// is written.
#[test]
fn shards_files_of_paths_join_to_one_runs_file() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let single = d.join("single.csv");
    ok(&[
        "run",
        SCENARIO,
        "--paths",
        "1300",
        "--seed",
        "8",
        "--quiet",
        "--no-report",
        "--out",
        s(&d.join("single")),
        "--save-paths",
        s(&single),
    ]);
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| {
            let part = d.join(format!("p{k}"));
            let (shard, file) = (format!("{k}/3"), d.join(format!("paths-{k}.csv")));
            ok(&[
                "run",
                SCENARIO,
                "--paths",
                "1300",
                "--seed",
                "8",
                "--threads",
                "2",
                "--shard",
                &shard,
                "--save-paths",
                s(&file),
                "--quiet",
                "--out",
                s(&part),
            ]);
            part
        })
        .collect();
    let joined = d.join("joined.csv");
    let merged = d.join("merged");
    let mut args = vec!["merge", s(&parts[2]), s(&parts[0]), s(&parts[1])];
    args.extend(["--out", s(&merged), "--save-paths", s(&joined)]);
    ok(&args);
    assert!(
        std::fs::read(&single).expect("single") == std::fs::read(&joined).expect("joined"),
        "the joined file of paths differs from one run's"
    );
    // A changed file of paths: exit 2, nothing written.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(d.join("paths-1.csv"))
        .expect("open");
    std::io::Write::write_all(&mut f, b"1,2\n").expect("append");
    let out = d.join("never");
    let m = fundcast(&[
        "merge",
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--out",
        s(&out),
        "--save-paths",
        s(&d.join("never.csv")),
    ]);
    assert_eq!(m.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&m.stderr).contains("paths-1.csv"));
    assert!(!out.exists() && !d.join("never.csv").exists());
}
