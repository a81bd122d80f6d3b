//! `fundcast fit-economy`: a series computed by hand, a long series generated with known
//! parameters (recovered within sampling error), the printed section loads as a
//! scenario's `[economy]`, bad CSV files exit 2 naming the file, column and line, and
//! the shipped series of public figures.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use fundcast::economy_fit::{self, EconomyFit};

fn fundcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run fundcast")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fit_text(csv: &str) -> EconomyFit {
    let h = economy_fit::history_from_text(Path::new("h.csv"), csv, false)
        .unwrap_or_else(|e| panic!("{e}"));
    economy_fit::fit(&h).unwrap_or_else(|e| panic!("{e}"))
}

const TINY: &str = "year,wage_growth,inflation,fund_return
2001,0.10,0.02,0.03
2002,0.12,0.01,0.035
2003,0.11,0.03,0.03
2004,0.13,0.02,0.04
2005,0.12,0.02,0.035
2006,0.14,0.03,0.03
2007,0.13,0.01,0.04
";

#[test]
fn a_tiny_series_by_hand() {
    let f = fit_text(TINY);
    assert_eq!((f.first_year, f.last_year), (2001, 2007));
    // Wage growth: x_{t−1} = .10 .12 .11 .13 .12 .14 (mean .12), x_t = .12 .11 .13 .12
    // .14 .13 (mean .125); Sxx = .001, Sxy = .0001: φ = 0.1, a = .125 − 0.1 · .12 = .113,
    // μ = .113 / 0.9; residuals −.003 −.015 .006 −.006 .015 .003, Σe² = 540e−6, σ² = Σe²/4.
    let g = &f.series[0];
    common::within(g.phi, 0.1, 1e-9);
    common::within(g.mean, 0.113 / 0.9, 1e-12);
    common::within(g.sigma, (540e-6f64 / 4.0).sqrt(), 1e-9);
    common::within(g.se_phi, (540e-6f64 / 4.0 / 0.001).sqrt(), 1e-9);
    assert_eq!(g.last, 0.13);
    // Fund return: x_{t−1} mean .2/6, x_t mean .035; Sxx = 8.333e−5, Sxy = −5e−5: φ = −0.6,
    // a = .035 + 0.6 · .2/6 = .055, μ = .055/1.6; residuals −.002 −.004 .003 .004 −.004
    // .003, Σe² = 70e−6.
    let r = &f.series[2];
    common::within(r.phi, -0.6, 1e-9);
    common::within(r.mean, 0.055 / 1.6, 1e-9);
    common::within(r.sigma, (70e-6f64 / 4.0).sqrt(), 1e-9);
    // corr(g, r) = Σ e_g e_r / √(Σe_g² Σe_r²) = 9e−6 / √(540e−6 · 70e−6).
    common::within(f.correlation[0][2], 9e-6 / (540e-6f64 * 70e-6).sqrt(), 1e-9);
    common::close(f.correlation[2][0], f.correlation[0][2]);
    assert!(f.warnings.iter().any(|w| w.contains("7 years only")));
}

/// Normal draws (Box–Muller on a fixed ChaCha8 stream).
fn normals(n: usize, seed: u64) -> Vec<[f64; 3]> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let mut z = || {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    (0..n).map(|_| [z(), z(), z()]).collect()
}

#[test]
fn known_parameters_are_recovered_within_sampling_error() {
    let (mu, phi, sigma) = ([0.08, 0.03, 0.04], [0.6, 0.3, -0.2], [0.02, 0.01, 0.015]);
    let corr = vec![
        vec![1.0, 0.5, 0.2],
        vec![0.5, 1.0, 0.3],
        vec![0.2, 0.3, 1.0],
    ];
    let l = fundcast::economy::cholesky(&corr).unwrap();
    let n = 20_000;
    let mut x = mu;
    let mut csv = String::from("year,wage_growth,inflation,fund_return\n");
    for (t, z) in normals(n, 7).iter().enumerate() {
        for k in 0..3 {
            let e: f64 = (0..3).map(|j| l[k][j] * z[j]).sum();
            x[k] = mu[k] + phi[k] * (x[k] - mu[k]) + sigma[k] * e;
        }
        csv.push_str(&format!("{},{},{},{}\n", 1000 + t, x[0], x[1], x[2]));
    }
    let f = fit_text(&csv);
    let m = (n - 1) as f64;
    for k in 0..3 {
        let s = &f.series[k];
        // Four standard errors of each estimate.
        let se_phi = ((1.0 - phi[k] * phi[k]) / m).sqrt();
        let se_mu = sigma[k] / ((1.0 - phi[k]) * m.sqrt());
        assert!((s.phi - phi[k]).abs() < 4.0 * se_phi, "phi {k}: {}", s.phi);
        assert!((s.mean - mu[k]).abs() < 4.0 * se_mu, "mean {k}: {}", s.mean);
        assert!(
            (s.sigma / sigma[k] - 1.0).abs() < 4.0 / (2.0 * m).sqrt(),
            "sigma {k}: {}",
            s.sigma
        );
        // The reported standard errors are the asymptotic ones.
        common::within(s.se_phi, se_phi, 0.05);
        common::within(s.se_mean, se_mu, 0.05);
        for (j, (got, want)) in f.correlation[k].iter().zip(&corr[k]).enumerate() {
            let se = (1.0 - want * want) / m.sqrt();
            assert!((got - want).abs() <= 4.0 * se + 1e-12, "corr {k}{j}: {got}");
        }
    }
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn the_printed_section_loads_as_the_scenarios_economy() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("h.csv");
    let unemployment = [0.04, 0.041, 0.043, 0.042, 0.04, 0.039, 0.041];
    let mut lines = TINY.lines();
    let mut with_u = format!("{},unemployment\n", lines.next().unwrap());
    for (l, u) in lines.zip(unemployment) {
        with_u.push_str(&format!("{l},{u}\n"));
    }
    std::fs::write(&csv, with_u).unwrap();
    let o = fundcast(&["fit-economy", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let section = text(&o.stdout);
    assert!(section.contains("\n[economy]\n"), "{section}");
    assert!(
        section.contains(
            "\nwage_growth = { mean = 0.1256, phi = 0.100, sigma = 0.0116, initial = 0.1300 }"
        ),
        "{section}"
    );
    assert!(
        section.contains("\n# [unemployment]\n# rate = { mean = "),
        "{section}"
    );
    // The tiny scenario with this economy (and its base-year wage) is valid, and its
    // processes are the fitted ones.
    let b = common::tiny().remove("economy");
    let scenario = b.text() + "\n" + &section + "average_wage = 1000\n";
    let model = fundcast::scenario::from_text(Path::new(common::TINY_NAME), &scenario)
        .unwrap_or_else(|e| panic!("{e}\n{scenario}"));
    let g = &model.economy.processes[0];
    assert_eq!((g.phi, g.sigma, g.initial), (0.1, 0.0116, 0.13));
    assert_eq!(g.mean[0], 0.1256);
    // The unemployment rate's two lines, uncommented, turn on unemployment insurance with
    // the fitted process.
    let uncommented = section
        .replace("[economy]\n", "[economy]\naverage_wage = 1000\n")
        .replace("# [unemployment]\n# rate = ", "[unemployment]\nrate = ");
    let scenario = b.text() + "\n" + &uncommented;
    let model = fundcast::scenario::from_text(Path::new(common::TINY_NAME), &scenario)
        .unwrap_or_else(|e| panic!("{e}\n{scenario}"));
    let u = model
        .economy
        .unemployment
        .as_ref()
        .expect("unemployment insurance on");
    assert!(model.funds.unemployment.is_some());
    assert!(
        u.process.mean[0] > 0.03 && u.process.mean[0] < 0.05,
        "{:?}",
        u.process
    );
    // Percent in, the same section out.
    let pct = dir.path().join("p.csv");
    let mut lines = TINY.lines();
    let mut body = format!("{}\n", lines.next().unwrap());
    for l in lines {
        let v: Vec<String> = l
            .split(',')
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    c.to_string()
                } else {
                    format!("{}", c.parse::<f64>().unwrap() * 100.0)
                }
            })
            .collect();
        body.push_str(&(v.join(",") + "\n"));
    }
    std::fs::write(&pct, body).unwrap();
    let o = fundcast(&["fit-economy", pct.to_str().unwrap(), "--percent"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("wage_growth = { mean = 0.1256, phi = 0.100"));
}

#[track_caller]
fn bad(csv: &str, parts: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    std::fs::write(&path, csv).unwrap();
    let o = fundcast(&["fit-economy", path.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&path.display().to_string()),
        "file not named: {err}"
    );
    for p in parts {
        assert!(err.contains(p), "`{p}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(text(&o.stdout).is_empty());
}

#[test]
fn bad_history_files_exit_2_naming_file_column_and_line() {
    bad(
        &TINY.replace(",fund_return", ""),
        &["h.csv:1: missing column `fund_return`"],
    );
    bad(
        &TINY.replace("2004,0.13,0.02", "2004,0.13,abc"),
        &["h.csv:5: column `inflation`: `abc` is not a finite number"],
    );
    bad(
        &TINY.replace("2003,", "2009,"),
        &["h.csv:4: column `year`: 2009 after 2002"],
    );
    bad(
        &TINY.replace("fund_return", "fund_returns"),
        &["column `fund_returns`: unknown column"],
    );
    let short: String = TINY.lines().take(5).map(|l| format!("{l}\n")).collect();
    bad(&short, &["4 years of data: expected at least 6"]);
    bad("", &["missing column `year`"]);
}

#[test]
fn the_shipped_series_fits() {
    let path = "scenarios/data/china-economy-history.csv";
    let h = economy_fit::read_history(Path::new(path), false).unwrap();
    assert_eq!((h.years[0], *h.years.last().unwrap()), (2001, 2021));
    assert_eq!(h.series.len(), 4);
    let f = economy_fit::fit(&h).unwrap();
    let section = economy_fit::section(&f, Path::new(path));
    // Within the loader's ranges: the section loads.
    let scenario =
        common::tiny().remove("economy").text() + "\n" + &section + "average_wage = 1000\n";
    fundcast::scenario::from_text(Path::new(common::TINY_NAME), &scenario)
        .unwrap_or_else(|e| panic!("{e}\n{section}"));
}
