//! Lane independence: a `Projector<L>` projects `L` paths at once, one per lane of every
//! cell, and promises that a path's numbers are bit for bit the same whatever `L` is and
//! whichever other paths share its lanes. Checked here, with `f64::to_bits` (so NaN and
//! the sign of zero count):
//! - each path's rows, summary and values from `PathRunner` (one lane) against
//!   `Runner<4>` and `Runner<8>`, with the paths grouped in several ways (groups starting
//!   at 0 or 3, partial groups, groups of one) so that every path has other neighbours
//!   and another lane position each time; the spare lanes of a partial group repeat its
//!   first path and must give that path too;
//! - lanes whose neighbours are extreme (scaled and antithetic shocks: depletion, the
//!   automatic adjustments firing in one lane and not the next);
//! - `project_group(false)` against `fundcast::deterministic` in every lane;
//! - the head-count ledger does not change a projection (nor do the start-of-year sums
//!   taken in the passes of deaths when it is off);
//! - `paths_into` (what the Monte Carlo run records) against `PathRunner` path by path.
//!
//! Scenarios: the two benchmarks, the Ganzhou plan, its automatic adjustments (retirement
//! age linked to each path's life expectancy), China's rules with funded accounts, and
//! `tests/data/all-features.toml`; plus China's rules with every move, run to 2040.

use std::path::{Path, PathBuf};

use fundcast::montecarlo::{self, series, LaneRunner, PathRunner, Runner};
use fundcast::projection::{metric, PathSummary, Projector, Row, N_METRICS};
use fundcast::simd::{Isa, Portable};
use fundcast::{scenario, Model};

const BENCH_BASIC: &str = "scenarios/bench-2050-basic.toml";
const BENCH: &str = "scenarios/bench-2050.toml";
const AUTOMATIC: &str = "scenarios/ganzhou-2050-automatic.toml";
const CHINA_FUNDED: &str = "scenarios/ganzhou-china-funded-accounts.toml";
const GANZHOU: &str = "scenarios/ganzhou-2006-2010.toml";
const ALL_FEATURES: &str = "tests/data/all-features.toml";

/// Every scenario file checked path by path.
const SCENARIOS: [&str; 6] = [
    BENCH_BASIC,
    BENCH,
    AUTOMATIC,
    CHINA_FUNDED,
    GANZHOU,
    ALL_FEATURES,
];

/// Paths `0..PATHS` of each scenario's seed are compared.
const PATHS: u64 = 13;

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn load(name: &str) -> Model {
    scenario::load(&file(name)).unwrap_or_else(|e| panic!("{name} should be valid: {e}"))
}

/// China's rules with every move between states (`tests/data/china-moves.toml`), run to
/// 2040 so that accounts are refunded and converted over many stochastic years.
fn china_2040() -> Model {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("china-2040.toml");
    let base = file("tests/data/china-moves.toml");
    let text = format!(
        "extends = '{}'\nname = \"China moves to 2040\"\nhorizon = 2040\n",
        base.display()
    );
    std::fs::write(&path, text).expect("write the scenario");
    scenario::load(&path).unwrap_or_else(|e| panic!("china to 2040: {e}"))
}

/// Every model checked path by path, with its name.
fn models() -> Vec<(String, Model)> {
    let mut out: Vec<(String, Model)> = SCENARIOS
        .iter()
        .map(|name| (name.to_string(), load(name)))
        .collect();
    out.push(("china-moves to 2040".to_string(), china_2040()));
    out
}

/// What one path gives.
#[derive(Clone, Debug)]
struct PathOut {
    rows: Vec<Row>,
    summary: PathSummary,
    values: Vec<f64>,
}

/// Paths `0..n` of the model's seed, one at a time.
fn one_lane(model: &Model, n: u64) -> Vec<PathOut> {
    let mut runner = PathRunner::new(model);
    (0..n)
        .map(|i| {
            let summary = runner.path(model.seed, i);
            PathOut {
                rows: runner.rows().to_vec(),
                summary,
                values: runner.values().to_vec(),
            }
        })
        .collect()
}

#[track_caller]
fn assert_rows_eq(a: &[Row], b: &[Row], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: number of rows");
    for (t, (x, y)) in a.iter().zip(b).enumerate() {
        for m in 0..N_METRICS {
            assert_eq!(
                x[m].to_bits(),
                y[m].to_bits(),
                "{what}, year index {t}, metric {m}: {} vs {}",
                x[m],
                y[m]
            );
        }
    }
}

#[track_caller]
fn assert_summary_eq(a: &PathSummary, b: &PathSummary, what: &str) {
    assert_eq!(a.depletion, b.depletion, "{what}: depletion");
    for (name, x, y) in [
        (
            "cumulative deficit",
            a.cumulative_deficit,
            b.cumulative_deficit,
        ),
        (
            "cumulative subsidy",
            a.cumulative_subsidy,
            b.cumulative_subsidy,
        ),
        ("pv of deficits", a.pv_deficits, b.pv_deficits),
    ] {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: {name}: {x} vs {y}");
    }
}

#[track_caller]
fn assert_values_eq(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: number of values");
    for (s, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}, value {s}: {x} vs {y}");
    }
}

/// Ways of cutting paths `0..n` into groups `(first, count)` of at most `l` paths: groups
/// from 0; groups from 3 (then 0..3); growing counts 1, 2, 3, …; a full group from the
/// last paths down, then partial groups (`count < l`) of the rest.
fn groupings(n: u64, l: usize) -> Vec<Vec<(u64, usize)>> {
    let from = |start: u64, end: u64| {
        let mut g = Vec::new();
        let mut i = start;
        while i < end {
            let count = (l as u64).min(end - i) as usize;
            g.push((i, count));
            i += count as u64;
        }
        g
    };
    let aligned = from(0, n);
    let mut offset = from(3, n);
    offset.extend(from(0, 3));
    let mut growing = Vec::new();
    let (mut i, mut count) = (0, 1);
    while i < n {
        let c = count.min(l).min((n - i) as usize);
        growing.push((i, c));
        i += c as u64;
        count += 1;
    }
    let mut tail = vec![(n - l as u64, l)];
    let mut i = 0;
    while i < n - l as u64 {
        let c = (l - 1).min((n - l as u64 - i) as usize);
        tail.push((i, c));
        i += c as u64;
    }
    vec![aligned, offset, growing, tail]
}

/// Projects every grouping on one `Runner<L>` (reused from group to group) and checks
/// each lane against the one-lane projection of its path; returns the number of lanes
/// checked.
fn check_lanes<const L: usize>(name: &str, model: &Model, reference: &[PathOut]) -> usize {
    let mut runner = Runner::lanes(model, Portable::<L>::ZERO);
    let mut checked = 0;
    for grouping in groupings(reference.len() as u64, L) {
        for (first, count) in grouping {
            runner.draw_group(model.seed, first, count);
            let summaries = runner.project_group(true);
            for (l, summary) in summaries.iter().enumerate().take(L) {
                // Spare lanes repeat path `first`.
                let i = if l < count { first + l as u64 } else { first };
                let what = format!("{name}, L = {L}, group {first}+{count}, lane {l}, path {i}");
                let want = &reference[i as usize];
                assert_rows_eq(runner.lane_rows(l), &want.rows, &what);
                assert_summary_eq(summary, &want.summary, &what);
                assert_values_eq(runner.lane_values(l), &want.values, &what);
                checked += 1;
            }
        }
    }
    checked
}

// 1. ----------------------------------------------------------------------------------

/// Every path's rows, summary and values are the same in one lane as in a lane of 4 or
/// of 8, whatever group it is drawn in and at whichever lane position.
#[test]
fn paths_do_not_depend_on_lane_width_or_neighbours() {
    for (name, model) in models() {
        let reference = one_lane(&model, PATHS);
        // The paths are distinct (so that a lane showing its neighbour's path would fail).
        for (i, p) in reference.iter().enumerate().skip(1) {
            assert_ne!(
                p.summary.cumulative_deficit.to_bits(),
                reference[i - 1].summary.cumulative_deficit.to_bits(),
                "{name}: path {i} has path {}'s cumulative deficit",
                i - 1
            );
        }
        let four = check_lanes::<4>(&name, &model, &reference);
        let eight = check_lanes::<8>(&name, &model, &reference);
        // Each path was seen in every grouping (and spare lanes on top).
        assert!(four >= 4 * PATHS as usize && eight >= 4 * PATHS as usize);
    }
}

/// Lanes next to extreme paths: lane `l` of a group gets path `i`'s shocks times
/// `FACTORS[l]` (antithetic, doubled, tripled, zero), so that the lanes deplete, brake
/// indexation, step up the rate and move the retirement age in different years. Each
/// lane still gives what one lane with the same shocks gives.
#[test]
fn extreme_neighbours_do_not_leak_into_a_lane() {
    const FACTORS: [f64; 8] = [1.0, -3.0, 3.0, 0.0, -1.0, 2.0, -2.0, 0.5];
    for name in [BENCH, AUTOMATIC] {
        let model = load(name);
        let per = model.economy.shocks_per_path(model.frame.years());
        let mut one = PathRunner::new(&model);
        let mut four = Runner::lanes(&model, Portable::<4>::ZERO);
        let mut eight = Runner::lanes(&model, Portable::<8>::ZERO);
        let mut outcomes = Vec::new();
        for i in [0u64, 5] {
            one.draw(model.seed, i);
            let base = one.shocks().to_vec();
            let lane_shocks: Vec<Vec<f64>> = FACTORS
                .iter()
                .map(|f| base.iter().map(|z| z * f).collect())
                .collect();
            let reference: Vec<PathOut> = lane_shocks
                .iter()
                .map(|s| {
                    let summary = one.project_from(Some(s));
                    PathOut {
                        rows: one.rows().to_vec(),
                        summary,
                        values: one.values().to_vec(),
                    }
                })
                .collect();
            outcomes.extend(reference.iter().map(|p| p.summary.depletion));

            let all: Vec<f64> = lane_shocks.concat();
            let summaries = eight.project_group_from(Some(&all));
            for (l, want) in reference.iter().enumerate() {
                let what = format!("{name}, L = 8, path {i} × {}", FACTORS[l]);
                assert_rows_eq(eight.lane_rows(l), &want.rows, &what);
                assert_summary_eq(&summaries[l], &want.summary, &what);
                assert_values_eq(eight.lane_values(l), &want.values, &what);
            }
            // Four lanes: the first four factors, then the last four.
            for half in 0..2 {
                let summaries = four.project_group_from(Some(&all[half * 4 * per..][..4 * per]));
                for (l, summary) in summaries.iter().enumerate().take(4) {
                    let k = half * 4 + l;
                    let what = format!("{name}, L = 4, path {i} × {}", FACTORS[k]);
                    assert_rows_eq(four.lane_rows(l), &reference[k].rows, &what);
                    assert_summary_eq(summary, &reference[k].summary, &what);
                    assert_values_eq(four.lane_values(l), &reference[k].values, &what);
                }
            }
        }
        // The lanes did diverge: not every one ends the same way.
        assert!(
            outcomes.iter().any(|d| *d != outcomes[0]),
            "{name}: every lane has depletion {:?}; the factors are too mild",
            outcomes[0]
        );
    }
}

// 2. ----------------------------------------------------------------------------------

/// Without shocks (`project_group(false)`) every lane is the deterministic projection,
/// bit for bit, though real shocks were drawn into the lanes.
#[test]
fn unshocked_lanes_are_the_deterministic_projection() {
    fn check<const L: usize>(name: &str, model: &Model, det_rows: &[Row], det: &PathSummary) {
        let mut runner = Runner::lanes(model, Portable::<L>::ZERO);
        for (first, count) in [(0, L), (3, L), (7, L - 3), (2, 1)] {
            runner.draw_group(model.seed, first, count);
            // The stochastic projection of these shocks is not the deterministic one.
            let stochastic = runner.project_group(true);
            assert_ne!(stochastic[0], *det, "{name}: path {first} has no shocks");
            let summaries = runner.project_group(false);
            for (l, summary) in summaries.iter().enumerate().take(L) {
                let what = format!("{name}, L = {L}, group {first}+{count}, lane {l}");
                assert_rows_eq(runner.lane_rows(l), det_rows, &what);
                assert_summary_eq(summary, det, &what);
            }
        }
    }
    for (name, model) in models() {
        let (det_rows, det) = fundcast::deterministic(&model);
        check::<4>(&name, &model, &det_rows, &det);
        check::<8>(&name, &model, &det_rows, &det);
        // And one lane without shocks agrees on the values too.
        let mut one = PathRunner::new(&model);
        one.draw(model.seed, 1);
        let summary = one.project(false);
        assert_summary_eq(&summary, &det, &name);
        assert_rows_eq(one.rows(), &det_rows, &name);
    }
}

// 3. ----------------------------------------------------------------------------------

/// The head-count ledger (and China's account ledger) only watches: the rows and summary
/// of a path are the same with it on, on the same economy, and the same as the runner's.
/// With it off, and without China's rules or an indexation brake, the start-of-year sums
/// are taken in the passes of deaths, before the fund step (the basic bench: R and A;
/// the full bench and the Ganzhou plan: R only); with it on, in passes of their own:
/// this checks that both give the same bits.
#[test]
fn the_ledger_does_not_change_a_projection() {
    let mut ledger_models: Vec<(String, Model)> = [
        BENCH_BASIC,
        BENCH,
        GANZHOU,
        AUTOMATIC,
        CHINA_FUNDED,
        ALL_FEATURES,
    ]
    .iter()
    .map(|n| (n.to_string(), load(n)))
    .collect();
    ledger_models.push(("china-moves to 2040".to_string(), china_2040()));
    for (name, model) in ledger_models {
        let years = model.frame.years();
        let mut runner = PathRunner::new(&model);
        // One projector of each kind, reused from path to path.
        let mut plain = Projector::new(&model);
        let mut audited = Projector::new(&model).with_ledger();
        let mut plain_rows = vec![[0.0; N_METRICS]; years];
        let mut audited_rows = vec![[0.0; N_METRICS]; years];
        for i in [0u64, 1, 2, 9] {
            let summary = runner.path(model.seed, i);
            let econ = runner.econ().clone();
            let what = format!("{name}, path {i}");
            let a = plain.run(&econ, &mut plain_rows);
            let b = audited.run(&econ, &mut audited_rows);
            assert_rows_eq(
                &audited_rows,
                &plain_rows,
                &format!("{what}, ledger on vs off"),
            );
            assert_summary_eq(&b, &a, &format!("{what}, ledger on vs off"));
            assert_rows_eq(
                &plain_rows,
                runner.rows(),
                &format!("{what}, projector vs runner"),
            );
            assert_summary_eq(&a, &summary, &format!("{what}, projector vs runner"));
            // The ledger was really kept, for this path.
            let ledger = audited.ledger().expect("ledger on");
            assert_eq!(ledger.len(), years);
            for (t, year) in ledger.iter().enumerate() {
                assert_eq!(
                    year[0].start.to_bits(),
                    audited_rows[t][metric::CONTRIBUTORS].to_bits(),
                    "{what}, year index {t}: the ledger's actives"
                );
            }
            if model.china.is_some() {
                assert!(
                    !audited.account_ledger().is_empty(),
                    "{what}: no account ledger"
                );
            }
        }
        assert!(plain.ledger().is_none());
        // The deterministic path too.
        let (det_rows, det) = fundcast::deterministic(&model);
        let mut econ = fundcast::economy::EconPath::with_years(years);
        model.economy.fill_path(None, &mut econ);
        let s = audited.run(&econ, &mut audited_rows);
        assert_rows_eq(&audited_rows, &det_rows, &format!("{name}, deterministic"));
        assert_summary_eq(&s, &det, &format!("{name}, deterministic"));
    }
}

// 4. ----------------------------------------------------------------------------------

/// `paths_into` (what every Monte Carlo worker calls) writes each path's values and
/// depletion year exactly as one lane gives them, and nothing past its `count` paths.
#[test]
fn paths_into_writes_each_paths_values() {
    fn check<const L: usize>(name: &str, model: &Model, reference: &[PathOut]) {
        let n = series(model);
        let mut runner = Runner::lanes(model, Portable::<L>::ZERO);
        for grouping in groupings(reference.len() as u64, L) {
            for (first, count) in grouping {
                let mut values = vec![f64::NAN; (L + 1) * n];
                let mut depletion = vec![Some(usize::MAX); L + 1];
                runner.paths_into(model.seed, first, count, &mut values, &mut depletion);
                for l in 0..count {
                    let i = first as usize + l;
                    let what = format!("{name}, L = {L}, group {first}+{count}, path {i}");
                    assert_values_eq(&values[l * n..(l + 1) * n], &reference[i].values, &what);
                    assert_eq!(depletion[l], reference[i].summary.depletion, "{what}");
                }
                // Untouched past the group.
                assert!(values[count * n..].iter().all(|v| v.is_nan()), "{name}");
                assert!(depletion[count..].iter().all(|d| *d == Some(usize::MAX)));
            }
        }
    }
    for (name, model) in models() {
        let reference = one_lane(&model, PATHS);
        let n = series(&model);
        for p in &reference {
            assert_eq!(p.values.len(), n, "{name}: series per path");
        }
        check::<4>(&name, &model, &reference);
        check::<8>(&name, &model, &reference);

        // The runner of every instruction set this processor has (the Monte Carlo run
        // picks one of them): explicit vector code, the same bits as one lane.
        assert!([4, 8].contains(&montecarlo::lanes()));
        for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
            let mut w = LaneRunner::with_isa(&model, isa);
            let lanes = w.lanes();
            assert_eq!(lanes, isa.lanes(), "{isa:?}");
            let mut values = vec![0.0; lanes * n];
            let mut depletion = vec![None; lanes];
            let mut first = 0;
            while first < PATHS {
                let count = lanes.min((PATHS - first) as usize);
                w.paths(model.seed, first, count, &mut values, &mut depletion);
                for l in 0..count {
                    let i = first as usize + l;
                    let what = format!("{name}, {isa:?}, path {i}");
                    assert_values_eq(&values[l * n..(l + 1) * n], &reference[i].values, &what);
                    assert_eq!(depletion[l], reference[i].summary.depletion, "{what}");
                }
                first += count as u64;
            }
        }
    }
}
