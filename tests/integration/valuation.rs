//! `fundcast value`: every definition of docs/model.md's valuation computed by hand on a
//! tiny scenario, the identities that tie the measures together, the Monte Carlo
//! distribution (reproducible whatever the threads), and the command line.

use std::path::Path;
use std::process::{Command, Output};

use fundcast::metrics::metric;
use fundcast::valuation::{self, PathData, Window, WINDOWS};
use fundcast::Model;

use crate::common::{self, close};

/// 2005–2008, ages 0..=10, nobody dies before 10 (Gompertz with a = b = 0; q[10] = 1);
/// W = 1000 flat, r = 5 %, c = 0.2, k = 1, rr = 0.5, pensions rise by 2 % a year, RA = 8,
/// no entrants. 100 active men aged 5 with 5 years of service, 10 retired men aged 8 with
/// 300 a year each, a fund of 1000; the closed group discounted at 4 %.
fn flat() -> common::Builder {
    common::Builder::new(
        r#"
name = "flat"
currency = "yuan"
base_year = 2005
horizon = 2008
max_age = 10
"#,
    )
    .set(
        "economy",
        "average_wage = 1000\nwage_growth = 0\ninflation = 0\nfund_return = 0.05\ndiscount_rate = 0.03",
    )
    .set(
        "mortality",
        "gompertz = { a = 0, b = 0, c = 1.1 }",
    )
    .set("contributions", "rate = 0.2")
    .set("benefit", "replacement_rate = 0.5")
    .set("indexation", "constant = 0.02")
    .set("retirement", "age = 8")
    .set(
        "population.actives",
        "total = 100\nmale_share = 1\nprofile = { uniform = { from = 5, to = 5 } }\nservice = { entry_age = 0 }",
    )
    .set(
        "population.pensioners",
        "total = 10\nmale_share = 1\nprofile = { uniform = { from = 8, to = 8 } }\npension = 300",
    )
    .set("fund", "initial = 1000")
    .set("valuation", "discount_rate = 0.04")
}

/// The deterministic path's data (rows, returns, payroll) of a model.
fn path_of(model: &Model) -> (Vec<fundcast::projection::Row>, Vec<f64>, Vec<f64>) {
    let mut runner = fundcast::montecarlo::PathRunner::new(model);
    runner.project(false);
    let payroll = (0..model.frame.years())
        .map(|t| runner.lane_payroll(0, t))
        .collect();
    (
        runner.rows().to_vec(),
        runner.econ().fund_return.clone(),
        payroll,
    )
}

#[test]
fn the_flat_scenarios_flows_are_as_computed_by_hand() {
    // Before valuing anything: the projection the hand computations below assume.
    let model = flat().model();
    let (rows, _, payroll) = path_of(&model);
    for t in 0..3 {
        close(payroll[t], 100.0 * 1000.0);
        close(rows[t][metric::CONTRIBUTIONS], 0.2 * 1e5);
        close(rows[t][metric::PAYOUTS], 3000.0 * 1.02f64.powi(t as i32));
    }
    // The actives retire at 8 after 2007 (first paid in 2008), the pensioners die at 10.
    close(payroll[3], 0.0);
    close(rows[3][metric::PAYOUTS], 100.0 * 0.5 * 1000.0);
    // The deterministic rows are `fundcast::deterministic`'s.
    assert_eq!(rows, fundcast::deterministic(&model).0);
}

#[test]
fn pay_as_you_go_rates_and_reserve_ratio_by_hand() {
    let model = flat().model();
    let v = valuation::deterministic(&model);
    let y = &v.years;
    // 2005: cost 3000 and income 20,000 on a payroll of 100,000.
    close(y[0].cost_rate, 3.0);
    close(y[0].income_rate, 20.0);
    close(y[0].balance, 17.0);
    // Reserve ratio: the reserve at the start of the year over the year's cost.
    close(y[0].reserve_ratio, 1000.0 / 3000.0);
    let f1 = 1000.0 * 1.05 + (20_000.0 - 3000.0) * 1.025;
    close(y[1].cost_rate, 3.06);
    close(y[1].reserve_ratio, f1 / 3060.0);
    // 2008: no payroll (every active retired): rates 0 by convention.
    close(y[3].cost_rate, 0.0);
    close(y[3].income_rate, 0.0);
}

#[test]
fn summarized_rates_balance_premium_and_unfunded_obligation_by_hand() {
    let model = flat().model();
    let v = valuation::deterministic(&model);
    // The horizon window: 2006–2007, the target reserve the cost of 2008.
    let s = v.windows[0].expect("the horizon window is valued");
    assert_eq!((s.first, s.last), (2006, 2007));
    // The other windows need a projection to 2031, 2056, 2081.
    assert!(v.windows[1..].iter().all(Option::is_none));
    let (r, v1, v2) = (0.05f64, 1.0 / 1.05, 1.0 / (1.05f64 * 1.05));
    let (d1, d2) = (v1 * (1.0 + r / 2.0), v2 * (1.0 + r / 2.0));
    let pv_payroll = 1e5 * (d1 + d2);
    let pv_income = 2e4 * (d1 + d2);
    let pv_cost = 3000.0 * 1.02 * d1 + 3000.0 * 1.02 * 1.02 * d2;
    let start = 1000.0 * 1.05 + 17_000.0 * 1.025;
    let target = 50_000.0 * v2;
    close(s.pv_payroll, pv_payroll);
    close(s.pv_income, pv_income);
    close(s.pv_cost, pv_cost);
    close(s.start_reserve, start);
    close(s.pv_target_reserve, target);
    close(s.income_rate, 100.0 * (start + pv_income) / pv_payroll);
    close(s.cost_rate, 100.0 * (pv_cost + target) / pv_payroll);
    close(
        s.actuarial_balance,
        100.0 * (start + pv_income - pv_cost - target) / pv_payroll,
    );
    close(
        s.general_average_premium,
        100.0 * (pv_cost + target - start) / pv_payroll,
    );
    close(s.unfunded_obligation, pv_cost - pv_income - start);
    close(
        s.unfunded_obligation_rate,
        100.0 * (pv_cost - pv_income - start) / pv_payroll,
    );
}

#[test]
fn closed_group_liability_by_hand() {
    let model = flat().model();
    let c = valuation::deterministic(&model).closed;
    let v = 1.0 / 1.04f64;
    // Pensioners aged 8 are paid at 8, 9 and 10 (mid-year), rising by 2 % a year.
    let annuity_8 = v.powf(0.5) + 1.02 * v.powf(1.5) + 1.02 * 1.02 * v.powf(2.5);
    close(c.pensioners, 10.0 * 300.0 * annuity_8);
    // Actives aged 5 retire at 8, first paid in 2008 (3 years on): 0.5 · 1000 projected,
    // of which 5 of 8 years are accrued.
    close(c.actives, 100.0 * 500.0 * 5.0 / 8.0 * annuity_8 * v.powi(3));
    assert_eq!([c.disabled, c.vested, c.accounts], [0.0; 3]);
    close(c.liability, c.pensioners + c.actives);
    close(c.reserve, 1000.0);
    close(c.net, c.liability - 1000.0);
}

#[test]
fn closed_group_under_the_career_formula_is_the_formula_on_service_to_date() {
    // Projected unit credit on a formula linear in service: W · a · s̄ with s̄ = 5.
    let model = flat()
        .set(
            "benefit",
            "formula = \"career\"\naccrual = 0.01\nwage_weight = 1",
        )
        .model();
    let c = valuation::deterministic(&model).closed;
    let v = 1.0 / 1.04f64;
    let annuity_8 = v.powf(0.5) + 1.02 * v.powf(1.5) + 1.02 * 1.02 * v.powf(2.5);
    close(
        c.actives,
        100.0 * 1000.0 * 0.01 * 5.0 * annuity_8 * v.powi(3),
    );
}

#[test]
fn closed_group_discount_rate_defaults_to_the_economys() {
    // Without [valuation], the rate is economy.discount_rate (3 %).
    let model = flat().remove("valuation").model();
    close(model.valuation.discount_rate, 0.03);
    let c = valuation::deterministic(&model).closed;
    let v = 1.0 / 1.03f64;
    let annuity_8 = v.powf(0.5) + 1.02 * v.powf(1.5) + 1.02 * 1.02 * v.powf(2.5);
    close(c.pensioners, 3000.0 * annuity_8);
}

/// Each valued window of a path and the sums it is made of.
fn check_identities(model: &Model, rows: &[fundcast::projection::Row], r: &[f64], payroll: &[f64]) {
    use metric::*;
    let path = PathData {
        rows,
        fund_return: r,
        payroll,
    };
    let years = valuation::year_rates(model, &path);
    let n_max = model.frame.years() - 2;
    let mut previous: Option<valuation::Summarized> = None;
    let mut v = 1.0;
    let mut pv_subsidy = 0.0;
    for n in 1..=n_max {
        let s = valuation::summarize(model, &path, n);
        // The balance is income − cost; the unfunded obligation plus the target reserve
        // is minus the balance times the PV of payroll.
        close(s.actuarial_balance, s.income_rate - s.cost_rate);
        let scale = s.pv_payroll.abs().max(1.0);
        assert!(
            ((s.unfunded_obligation + s.pv_target_reserve)
                + s.actuarial_balance / 100.0 * s.pv_payroll)
                .abs()
                <= 1e-9 * scale,
            "{s:?}"
        );
        close(
            s.general_average_premium,
            100.0 * (s.pv_income - s.pv_other_income) / s.pv_payroll - s.actuarial_balance,
        );
        // The fund's roll-forward, discounted: F + PV income − PV cost + PV subsidy is
        // the fund at the window's end, at its start.
        v /= 1.0 + r[n];
        pv_subsidy += rows[n][SUBSIDY] * v;
        let lhs = s.start_reserve + s.pv_income - s.pv_cost + pv_subsidy;
        let rhs = rows[n][FUND_END] * v;
        let scale = [s.start_reserve, s.pv_income, s.pv_cost, pv_subsidy, rhs]
            .iter()
            .fold(1.0f64, |m, x| m.max(x.abs()));
        assert!(
            (lhs - rhs).abs() <= 1e-12 * n as f64 * scale,
            "n = {n}: {lhs} != {rhs}"
        );
        // Windows nest: a year more adds that year's flows, at that year's PAYG rates.
        if let Some(p) = previous {
            let added_payroll = s.pv_payroll - p.pv_payroll;
            let added_cost = s.pv_cost - p.pv_cost;
            let added_income = s.pv_income - p.pv_income;
            close(added_cost / added_payroll * 100.0, years[n].cost_rate);
            close(added_income / added_payroll * 100.0, years[n].income_rate);
            close(
                s.unfunded_obligation - p.unfunded_obligation,
                added_cost - added_income,
            );
            assert_eq!(s.start_reserve, p.start_reserve);
        }
        previous = Some(s);
    }
    // The valuation's windows are these sums.
    let val = valuation::value_path(model, &path, Default::default());
    for (w, s) in WINDOWS.iter().zip(&val.windows) {
        match w {
            Window::Horizon => assert_eq!(*s, Some(valuation::summarize(model, &path, n_max))),
            Window::Years(n) if *n <= n_max => {
                assert_eq!(*s, Some(valuation::summarize(model, &path, *n)))
            }
            Window::Years(_) => assert_eq!(*s, None),
        }
    }
}

#[test]
fn identities_hold_on_the_shipped_scenarios_and_their_paths() {
    for file in [
        "scenarios/ganzhou-2006-2010.toml",
        "scenarios/ganzhou-2050.toml",
        "scenarios/ganzhou-2050-automatic.toml",
        "scenarios/ganzhou-underwriting.toml",
        "scenarios/ganzhou-china-funded-accounts.toml",
    ] {
        let model = fundcast::scenario::load(Path::new(file)).unwrap();
        let (rows, r, payroll) = path_of(&model);
        check_identities(&model, &rows, &r, &payroll);
        // Stochastic paths too.
        let mut runner = fundcast::montecarlo::PathRunner::new(&model);
        for i in 0..3 {
            runner.path(model.seed, i);
            let payroll: Vec<f64> = (0..model.frame.years())
                .map(|t| runner.lane_payroll(0, t))
                .collect();
            check_identities(&model, runner.rows(), &runner.econ().fund_return, &payroll);
        }
    }
}

#[test]
fn payroll_times_the_collected_rate_is_the_contributions() {
    let model = fundcast::scenario::load(Path::new("scenarios/ganzhou-2050.toml")).unwrap();
    let (rows, _, payroll) = path_of(&model);
    for (t, row) in rows.iter().enumerate() {
        let rate = model.contributions.rate[t] * model.contributions.collection_rate[t];
        close(row[metric::CONTRIBUTIONS], payroll[t] * rate);
    }
}

#[test]
fn the_windows_of_the_seed_cases() {
    // 2006–2010: the horizon window is 2006–2009 (2010's cost is the target); no 25-year
    // window. To 2050: the horizon 2006–2049 and 25 years 2006–2030.
    let short = fundcast::scenario::load(Path::new("scenarios/ganzhou-2006-2010.toml")).unwrap();
    let v = valuation::deterministic(&short);
    assert_eq!(v.windows[0].map(|s| (s.first, s.last)), Some((2006, 2009)));
    assert!(v.windows[1..].iter().all(Option::is_none));
    let long = fundcast::scenario::load(Path::new("scenarios/ganzhou-2050.toml")).unwrap();
    let v = valuation::deterministic(&long);
    assert_eq!(v.windows[0].map(|s| (s.first, s.last)), Some((2006, 2049)));
    assert_eq!(v.windows[1].map(|s| (s.first, s.last)), Some((2006, 2030)));
    assert!(v.windows[2..].iter().all(Option::is_none));
    // The file marks the windows it does not value, with the year they need.
    let text = valuation::csv(&long, &v, None);
    let line = text
        .lines()
        .find(|l| l.starts_with("actuarial_balance,50y,"))
        .unwrap();
    assert!(
        line.ends_with(",not valued: needs a projection to 2056 (horizon 2050)"),
        "{line}"
    );
}

#[test]
fn without_randomness_every_path_is_the_deterministic_valuation() {
    let model = fundcast::scenario::load(Path::new("tests/data/mc-zero-sigma.toml")).unwrap();
    let det = valuation::deterministic(&model);
    let opts = fundcast::montecarlo::Options {
        paths: 300,
        seed: 7,
        threads: 2,
    };
    let s = valuation::run(&model, opts);
    let values: Vec<f64> = valuation::line_values(&valuation::lines(&model, &det)).collect();
    assert_eq!(s.stats.len(), values.len());
    for (st, x) in s.stats.iter().zip(&values) {
        let tol = 1e-9 * x.abs().max(1.0);
        assert!((st[0] - x).abs() <= tol, "mean {} != {x}", st[0]);
        for q in &st[2..] {
            assert!((q - x).abs() <= tol, "quantile {q} != {x}");
        }
    }
}

#[test]
fn the_distribution_does_not_depend_on_the_threads() {
    let model = fundcast::scenario::load(Path::new("scenarios/ganzhou-2050.toml")).unwrap();
    let det = valuation::deterministic(&model);
    let run = |threads| {
        let opts = fundcast::montecarlo::Options {
            paths: 600,
            seed: 11,
            threads,
        };
        valuation::csv(&model, &det, Some(&valuation::run(&model, opts)))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    // The balance varies over the paths.
    let line = one
        .lines()
        .find(|l| l.starts_with("actuarial_balance,horizon,"))
        .unwrap();
    let cells: Vec<&str> = line.split(',').collect();
    let (p5, p95): (f64, f64) = (cells[8].parse().unwrap(), cells[12].parse().unwrap());
    assert!(p5 < p95, "{line}");
}

fn fundcast(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run fundcast")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn value_writes_valuation_csv_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flat.toml");
    std::fs::write(&path, flat().text()).unwrap();
    let out_dir = dir.path().join("out");
    let out = fundcast(&[
        "value".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("actuarial valuation at 1 January 2006"),
        "{stdout}"
    );
    // Only the finished files: no temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.html", "valuation.csv"]);
    let csv = std::fs::read_to_string(out_dir.join("valuation.csv")).unwrap();
    let model = flat().model();
    assert_eq!(
        csv,
        valuation::csv(&model, &valuation::deterministic(&model), None)
    );
    assert!(csv.starts_with("measure,period,first_year,last_year,unit,value,note\n"));
    assert!(
        csv.contains("\ncost_rate,year,2005,2005,percent of payroll,3,\n"),
        "{csv}"
    );
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("Summarized rates and the actuarial balance"));

    // With paths: the statistics columns; --no-report writes the CSV alone.
    let out_dir = dir.path().join("mc");
    let out = fundcast(&[
        "value".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
        "--paths".as_ref(),
        "50".as_ref(),
        "--no-report".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(out_dir.join("valuation.csv")).unwrap();
    assert!(csv.starts_with(
        "measure,period,first_year,last_year,unit,value,mean,sd,p5,p25,p50,p75,p95,note\n"
    ));
    assert!(!out_dir.join("report.html").exists());
}

#[test]
fn value_on_bad_input_exits_2_names_the_key_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("flat.toml");
    std::fs::write(&good, flat().text()).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, flat().set("valuation", "discount_rate = 20").text()).unwrap();
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, flat().set("valuation", "rate = 0.03").text()).unwrap();
    let out_dir = dir.path().join("out");
    for (args, needle) in [
        (vec![bad.as_os_str()], "`valuation.discount_rate`"),
        (vec![unknown.as_os_str()], "valuation.rate"),
        (
            vec![good.as_os_str(), "--paths".as_ref(), "0".as_ref()],
            "--paths `0`",
        ),
        (
            vec![
                good.as_os_str(),
                "--paths".as_ref(),
                "5".as_ref(),
                "--threads".as_ref(),
                "0".as_ref(),
            ],
            "--threads `0`",
        ),
    ] {
        let mut all = vec!["value".as_ref()];
        all.extend(args);
        all.extend(["--out".as_ref(), out_dir.as_os_str()]);
        let out = fundcast(&all);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle} not in {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out_dir.exists(), "the output folder was created");
    }
}
