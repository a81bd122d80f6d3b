//! Accounting identities that must hold every year of every projection:
//! - population: `start + entered + moved_in − deaths − moved_out − left = end` per state;
//! - fund: `F_{t+1} = F_t (1 + r_t) + (C + O − B − Adm)(1 + r_t / 2) + S_t`, with
//!   `D_t = B + Adm − C − O` and the cumulative deficit over y0+1..t;
//! - the derived columns (ratios, averages).
//!
//! Checked on the Ganzhou scenario and on `tests/data/all-features.toml` (every optional
//! feature on), on the deterministic path and on a path with fixed non-zero shocks, and
//! once more from the `deterministic.csv` the command line writes.

use crate::common;

use std::path::Path;

use common::{assert_population_identity, close, run};
use fundcast::economy::{EconPath, SHOCKS_PER_YEAR};
use fundcast::projection::{metric::*, Projector, Row, METRICS, N_METRICS};
use fundcast::{scenario, Model};

const GANZHOU: &str = "scenarios/ganzhou-2006-2010.toml";
const ALL_FEATURES: &str = "tests/data/all-features.toml";

fn load(path: &str) -> Model {
    scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// Relative closeness for sums of many terms.
#[track_caller]
fn near(a: f64, b: f64, scale: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * scale.abs().max(1.0),
        "{what}: {a} != {b} (diff {})",
        a - b
    );
}

/// The fund and derived-column identities of one path's rows.
fn assert_fund_identity(model: &Model, econ: &EconPath, rows: &[Row]) {
    let mut fund = model.fund.initial;
    let mut cumulative = 0.0;
    for (t, y) in rows.iter().enumerate() {
        let r = econ.fund_return[t];
        let (c, o, b, adm, s) = (
            y[CONTRIBUTIONS],
            y[OTHER_INCOME],
            y[PAYOUTS],
            y[ADMIN],
            y[SUBSIDY],
        );
        let scale = fund.abs() + c.abs() + b.abs() + o.abs() + s.abs();
        let expected = fund * (1.0 + r) + (c + o - b - adm) * (1.0 + r / 2.0) + s;
        near(y[FUND_END], expected, scale, &format!("fund end, year {t}"));
        near(
            y[DEFICIT],
            b + adm - c - o,
            scale,
            &format!("deficit, year {t}"),
        );
        if t >= 1 {
            cumulative += y[DEFICIT];
        }
        near(
            y[CUMULATIVE_DEFICIT],
            cumulative,
            scale * (t + 1) as f64,
            &format!("cumulative deficit, year {t}"),
        );
        close(y[AVERAGE_WAGE], econ.wage[t]);
        close(y[AVERAGE_PENSION], b / y[PENSIONERS]);
        close(y[REPLACEMENT_RATIO], y[AVERAGE_PENSION] / y[AVERAGE_WAGE]);
        close(y[DEPENDENCY_RATIO], y[PENSIONERS] / y[CONTRIBUTORS]);
        assert!(s >= 0.0, "negative subsidy in year {t}");
        fund = y[FUND_END];
    }
}

#[test]
fn ganzhou_population_and_fund_identities() {
    let m = load(GANZHOU);
    let r = run(&m);
    assert_population_identity(&r);
    assert_fund_identity(&m, &common::econ(&m), &r.rows);
    // Ganzhou has no vested or disabled members, no pensioner entrants.
    for y in &r.ledger {
        assert_eq!(y[1].end, 0.0);
        assert_eq!(y[2].end, 0.0);
        assert_eq!(y[3].entered, 0.0);
        assert!(y[0].entered > 0.0);
    }
}

#[test]
fn all_features_population_and_fund_identities() {
    let m = load(ALL_FEATURES);
    let r = run(&m);
    assert_population_identity(&r);
    assert_fund_identity(&m, &common::econ(&m), &r.rows);
    // Every flow of the ledger is exercised somewhere, so the identity is not vacuous.
    let total = |f: fn(&fundcast::projection::StateLedger) -> f64, k: usize| -> f64 {
        r.ledger.iter().map(|y| f(&y[k])).sum()
    };
    for k in 0..4 {
        assert!(total(|l| l.deaths, k) > 0.0, "no deaths in state {k}");
        assert!(
            total(|l| l.moved_in, k) > 0.0,
            "nobody moved into state {k}"
        );
    }
    for k in 0..3 {
        assert!(
            total(|l| l.moved_out, k) > 0.0,
            "nobody moved out of state {k}"
        );
    }
    assert!(total(|l| l.left, 0) > 0.0);
    assert!(total(|l| l.entered, 0) > 0.0);
    assert!(total(|l| l.entered, 3) > 0.0);
    // … and so are the fund's options: other income, every subsidy rule in its years.
    let rows = &r.rows;
    assert!(rows.iter().all(|y| y[OTHER_INCOME] > 0.0 && y[ADMIN] > 0.0));
    assert!(rows[..5].iter().all(|y| y[SUBSIDY] == 0.0)); // none, 2005–2009
    for y in &rows[5..10] {
        close(y[SUBSIDY], 0.05 * y[PAYOUTS]); // share_of_payouts, 2010–2014
    }
    for y in &rows[10..] {
        close(y[FUND_END], 0.0); // keep_solvent, 2015–2020 (the fund was below zero)
        assert!(y[SUBSIDY] > 0.0);
    }
}

/// A path with fixed, non-zero shocks (no random generator: a smooth pattern), so that
/// the mortality factor K_t and every economic variable move.
fn shocked(model: &Model) -> EconPath {
    let years = model.frame.years();
    let shocks: Vec<f64> = (0..years * SHOCKS_PER_YEAR)
        .map(|i| 1.5 * (i as f64 * 0.7).sin())
        .collect();
    let mut e = EconPath::with_years(years);
    model.economy.fill_path(Some(&shocks), &mut e);
    e
}

#[test]
fn identities_hold_on_a_shocked_path() {
    for path in [GANZHOU, ALL_FEATURES] {
        let m = load(path);
        let e = shocked(&m);
        assert!(e.mortality_k.iter().any(|k| *k != 0.0));
        let mut rows = vec![[0.0; N_METRICS]; m.frame.years()];
        let mut p = Projector::new(&m).with_ledger();
        p.run(&e, &mut rows);
        let r = common::Run {
            rows: rows.clone(),
            summary: Default::default(),
            ledger: p.ledger().unwrap().to_vec(),
            state: p.state().clone(),
        };
        assert_population_identity(&r);
        assert_fund_identity(&m, &e, &rows);
        // The shocked path differs from the deterministic one.
        assert_ne!(rows, run(&m).rows);
    }
}

#[test]
fn the_ledger_does_not_change_the_numbers() {
    let m = load(ALL_FEATURES);
    let (plain, summary) = fundcast::deterministic(&m);
    let r = run(&m);
    assert_eq!(plain, r.rows);
    assert_eq!(summary, r.summary);
    // The summary agrees with the rows.
    close(
        summary.cumulative_deficit,
        r.rows.last().unwrap()[CUMULATIVE_DEFICIT],
    );
    let subsidies: f64 = r.rows[1..].iter().map(|y| y[SUBSIDY]).sum();
    close(summary.cumulative_subsidy, subsidies);
    let d = m.economy.discount_rate;
    let pv: f64 = r.rows[1..]
        .iter()
        .enumerate()
        .map(|(i, y)| y[DEFICIT] * (1.0 + d).powf(-(i as f64 + 0.5)))
        .sum();
    close(summary.pv_deficits, pv);
}

/// Runs `fundcast run` and reads its `deterministic.csv`: (header, rows of numbers).
fn csv_of(path: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(["run", path, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(out.join("deterministic.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect();
    (header, rows)
}

#[test]
fn fund_identity_from_the_csv() {
    for path in [GANZHOU, ALL_FEATURES] {
        let m = load(path);
        let (header, table) = csv_of(path);
        assert_eq!(header[0], "year");
        let n = fundcast::export::metric_count(&m);
        assert_eq!(&header[1..], &METRICS[..n]);
        assert_eq!(table.len(), m.frame.years());
        // The CSV holds the projection's numbers exactly (shortest round-trip text).
        let (rows, _) = fundcast::deterministic(&m);
        let csv_rows: Vec<Row> = table
            .iter()
            .enumerate()
            .map(|(t, line)| {
                assert_eq!(line[0], (m.frame.base_year + t as i32) as f64);
                let mut row = [0.0; N_METRICS];
                row[..n].copy_from_slice(&line[1..]);
                row
            })
            .collect();
        assert_eq!(csv_rows, rows, "{path}");
        assert_fund_identity(&m, &common::econ(&m), &csv_rows);
    }
}
