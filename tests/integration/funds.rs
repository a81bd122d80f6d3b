//! The other four funds and the social budget (`src/funds/`): each formula against a
//! number computed by hand on the tiny scenario, every fund's roll-forward every year,
//! the pension's numbers unchanged by turning the funds on, the files, reproducibility
//! across threads, and bad input.

use std::process::Command;

use fundcast::export::funds::{fund_lines, funds_csv};
use fundcast::funds::reserve_months;
use fundcast::montecarlo::{self, Options, PathRunner};
use fundcast::projection::{metric::*, Row, N_PENSION_METRICS};
use fundcast::Model;

use crate::common::{self, close};

const FIVE_FUNDS: &str = "scenarios/ganzhou-2006-2010-five-funds.toml";

/// The tiny scenario (1000 actives aged 1, half of them women, W = 1000, k = 0.9,
/// r = 5 %, g = 10 %, π = 2 %) with the sections given.
fn tiny_with(sections: &[(&str, &str)]) -> Model {
    let mut b = common::tiny().set(
        "population.actives",
        "total = 1000\nmale_share = 0.5\nprofile = { uniform = { from = 1, to = 1 } }\nservice = { entry_age = 0 }",
    );
    for (name, body) in sections {
        b = b.set(name, body);
    }
    b.model()
}

fn rows(model: &Model) -> Vec<Row> {
    fundcast::deterministic(model).0
}

const UNEMPLOYMENT: &str = "rate = 0.04\ninsured_share = 0.5\nexempt_share = 0.5\ninflow = 2\n\
    eligible_share = 0.5\ntake_up = 0.5\ntenure_mix = [1, 0, 0]\nduration_use = 1\n\
    benefit_share = 0.8\nminimum_wage = 0.4\nminimum_living = 0.2\nmedical_loading = 0.1\n\
    reemployment_share = 0.1\nreserve = { initial = 100 }";

#[test]
fn unemployment_base_year_by_hand() {
    let m = tiny_with(&[("unemployment", UNEMPLOYMENT)]);
    let r = &rows(&m)[0];
    // insured 500; collected base 500 · 1 · 1000 · 0.9 = 450 000;
    // C = (0.02 + 0.01 · (1 − 0.5)) · 450 000 = 11 250
    close(r[UNEMPLOYMENT_INSURED], 500.0);
    close(r[UNEMPLOYMENT_CONTRIBUTIONS], 11_250.0);
    // claims 500 · 0.04 · 2 · 0.5 · 0.5 = 10; 12-month claims: half in their year, half
    // in the next; the year before had 10 too: stock 10 · 0.5 + 10 · 0.5 = 10
    close(r[UNEMPLOYMENT_NEW_CLAIMS], 10.0);
    close(r[UNEMPLOYMENT_CLAIMANTS], 10.0);
    // b = clamp(0.8 · 0.4, 0.2, 0.4) · 1000 = 320; B = 10 · 320 · 1.1 = 3520; A = 1125
    close(r[UNEMPLOYMENT_BENEFITS], 3_520.0);
    close(r[UNEMPLOYMENT_OTHER_SPENDING], 1_125.0);
    // F* = 100 · 1.05 + (11 250 − 4645) · 1.025 = 6875.125
    close(r[UNEMPLOYMENT_FUND_END], 6_875.125);
    close(r[UNEMPLOYMENT_RESERVE_MONTHS], 6_875.125 / (4_645.0 / 12.0));
    assert_eq!(r[UNEMPLOYMENT_DEPLETED], 0.0);
    assert_eq!(r[UNEMPLOYMENT_RATE], 0.04);
}

#[test]
fn unemployment_benefit_bounds_and_extra_claimants() {
    // 0.3 · 0.4 = 0.12 is below the minimum living standard 0.2: b = 200
    let low = UNEMPLOYMENT.replace("benefit_share = 0.8", "benefit_share = 0.3");
    let r = rows(&tiny_with(&[("unemployment", &low)]));
    close(r[0][UNEMPLOYMENT_BENEFITS], 10.0 * 200.0 * 1.1);
    // 2 · 0.4 = 0.8 is above the minimum wage: b = 400
    let high = UNEMPLOYMENT.replace("benefit_share = 0.8", "benefit_share = 2");
    let r = rows(&tiny_with(&[("unemployment", &high)]));
    close(r[0][UNEMPLOYMENT_BENEFITS], 10.0 * 400.0 * 1.1);
    // 6 extra claimants in 2006 drawing 18 months: f_0(1.5) = 0.5 of them in 2006
    let extra =
        format!("{UNEMPLOYMENT}\nextra_claims = {{ 2005 = 0, 2006 = 6 }}\nextra_months = 18");
    let (with, without) = (
        rows(&tiny_with(&[("unemployment", &extra)])),
        rows(&tiny_with(&[("unemployment", UNEMPLOYMENT)])),
    );
    close(
        with[1][UNEMPLOYMENT_CLAIMANTS] - without[1][UNEMPLOYMENT_CLAIMANTS],
        3.0,
    );
    close(
        with[1][UNEMPLOYMENT_NEW_CLAIMS] - without[1][UNEMPLOYMENT_NEW_CLAIMS],
        6.0,
    );
    // 2006: claims of 2006 and 2005 each half in 2006
    let r = &without[1];
    let claims = r[UNEMPLOYMENT_NEW_CLAIMS];
    close(r[UNEMPLOYMENT_CLAIMANTS], 0.5 * claims + 0.5 * 10.0);
}

const MEDICAL: &str = "cost = 300\ncost_cv = 0\nretiree_factor = 3\nreserve = { initial = 0 }\n\
    excess_inflation = 0.02";

#[test]
fn medical_base_year_by_hand() {
    let m = tiny_with(&[("medical", MEDICAL)]);
    let r = rows(&m);
    let y = &r[0];
    // collected base 1000 · 1000 · 0.9 = 900 000: pool 0.06 · 0.7 · 900 000 = 37 800,
    // accounts (0.02 + 0.06 · 0.3) · 900 000 = 34 200
    close(y[MEDICAL_POOL_INCOME], 37_800.0);
    close(y[MEDICAL_ACCOUNT_INCOME], 34_200.0);
    close(y[MEDICAL_INSURED], 1_100.0);
    close(y[MEDICAL_RETIREES], 100.0);
    // cv 0: costs are their means. Actives 300 each: pool 0.8 · (300 − 100) = 160, below
    // the deductible 100; retirees 900: 0.9 · (900 − 100) = 720, below 100.
    // Pool 1000 · 160 + 100 · 720 = 232 000
    close(y[MEDICAL_POOL_SPENDING], 232_000.0);
    close(y[MEDICAL_POOL_DEFICIT], 232_000.0 - 37_800.0);
    // accounts: 110 000 due, but only the year's 34 200 is there
    close(y[MEDICAL_ACCOUNT_SPENDING], 34_200.0);
    close(y[MEDICAL_ACCOUNT_END], 0.0);
    close(y[MEDICAL_POOL_END], -194_200.0 * 1.025);
    assert_eq!(y[MEDICAL_DEPLETED], 1.0);
    assert_eq!(y[MEDICAL_WARNING], 1.0);
    // K_2006 = 300 · 1.1 · 1.02
    close(r[1][MEDICAL_COST_INDEX], 300.0 * 1.1 * 1.02);
    // keep_solvent: the subsidy is the shortfall and the pool ends at 0
    let solvent = MEDICAL.replace(
        "reserve = { initial = 0 }",
        "reserve = { subsidy = \"keep_solvent\" }",
    );
    let y = rows(&tiny_with(&[("medical", &solvent)]))[0];
    close(y[MEDICAL_SUBSIDY], 194_200.0 * 1.025);
    close(y[MEDICAL_POOL_END], 0.0);
}

const INJURY: &str = "class_shares = [1]\nclass_rates = [0.01]\nclass_incidence = [0.01]\n\
    outcome = [0.1, 0, 0, 0, 0.2, 0, 0, 0, 0, 0, 0.1]\ntreatment = 0.5\nspouses = 1\n\
    others = 1\ndisability_exit = 0.05\nsurvivor_exit = 0.05\nindex_wage_weight = 0.5\n\
    reserve_share = 0.1\nreserve_target = 1\nreserve = { initial = 100000 }";

#[test]
fn work_injury_by_hand() {
    let r = rows(&tiny_with(&[("work_injury", INJURY)]));
    let y = &r[0];
    close(y[INJURY_CONTRIBUTIONS], 9_000.0);
    close(y[INJURY_NEW_CASES], 10.0);
    // a death 54/12 · 1000 = 4500, grade 1: 24/12 · 1000 = 2000, two grade 5: 2 · 16/12 · 1000
    let lumps = 4_500.0 + 2_000.0 + 2.0 * 16.0 / 12.0 * 1_000.0;
    close(y[INJURY_LUMP_SUMS], lumps);
    close(y[INJURY_BENEFITS], lumps + 5_000.0);
    assert_eq!(y[INJURY_ANNUITIES_PAID], 0.0);
    // reserve fund: 10 % of contributions
    close(y[INJURY_RESERVE], 900.0);
    // 2006: the grade-1 annuity 0.9 · 1000 and the survivors' 0.7 · 1000, after exits
    // and indexation j = 0.5 · 10 % + 0.5 · 2 % = 6 %; heads 1 + 2, after exits
    let z = &r[1];
    close(z[INJURY_ANNUITIES_PAID], 1_600.0 * 0.95 * 1.06);
    close(z[INJURY_ANNUITANTS], 3.0 * 0.95);
    // constituent capitals at 5 %, no indexation: 10 per unit of yearly annuity
    let capitals = format!("{INJURY}\nfinancing = \"capitals\"\ncapital_rate = 0.05");
    let c = rows(&tiny_with(&[("work_injury", &capitals)]));
    close(c[0][INJURY_BENEFITS], lumps + 5_000.0 + 16_000.0);
    // the capital fund takes the capitals mid-year: 16 000 · 1.025
    close(c[0][INJURY_RESERVE], 16_000.0 * 1.025);
    // 2006 pays the annuities from it, not from the fund
    let paid = 1_600.0 * 0.95 * 1.06;
    close(c[1][INJURY_ANNUITIES_PAID], paid);
    close(
        c[1][INJURY_RESERVE],
        16_000.0 * 1.025 * 1.05
            + (c[1][INJURY_BENEFITS]
                - c[1][INJURY_LUMP_SUMS]
                - 5_000.0 * 1.1 * c[1][INJURY_NEW_CASES] / 10.0
                - paid)
                * 1.025,
    );
}

#[test]
fn maternity_by_hand() {
    let body = "fertility = { 0 = 0, 1 = 0.1, 3 = 0 }\nrate = 0.01\nmedical_lump = 200";
    let r = rows(&tiny_with(&[("maternity", body)]));
    let y = &r[0];
    close(y[MATERNITY_CONTRIBUTIONS], 9_000.0);
    // 500 women aged 1 at 0.1: 50 births, each 1000/365 · 90 + 200
    close(y[MATERNITY_BIRTHS], 50.0);
    close(
        y[MATERNITY_BENEFITS],
        50.0 * (1_000.0 / 365.0 * 90.0 + 200.0),
    );
    // the lump sum follows W_t without medical insurance, K_t with it
    let z = &r[1];
    let per = z[MATERNITY_BENEFITS] / z[MATERNITY_BIRTHS];
    close(per, 1_100.0 / 365.0 * 90.0 + 220.0);
    let with = rows(&tiny_with(&[("maternity", body), ("medical", MEDICAL)]));
    let per = with[1][MATERNITY_BENEFITS] / with[1][MATERNITY_BIRTHS];
    close(per, 1_100.0 / 365.0 * 90.0 + 200.0 * 1.1 * 1.02);
}

#[test]
fn social_budget_by_hand() {
    let budget = "fiscal_spending = 1e6\nfiscal_growth = 0.1\nother_social_share = 0.05\ntarget_share = 0.15";
    let solvent = MEDICAL.replace(
        "reserve = { initial = 0 }",
        "reserve = { subsidy = \"keep_solvent\" }",
    );
    let m = tiny_with(&[("medical", &solvent), ("social_budget", budget)]);
    let r = rows(&m);
    let y = &r[0];
    let subsidy = y[SUBSIDY] + y[MEDICAL_SUBSIDY];
    close(y[BUDGET_SUBSIDY], subsidy);
    close(y[BUDGET_OTHER_SOCIAL], 50_000.0);
    close(y[BUDGET_SOCIAL_SHARE], (subsidy + 50_000.0) / 1e6);
    assert_eq!(y[BUDGET_SHARE_MET], 1.0, "{}", y[BUDGET_SOCIAL_SHARE]);
    close(r[1][BUDGET_FISCAL_SPENDING], 1.1e6);
    // statutory: pension 0.2 + medical 0.08; collected: (C + 37 800 + 34 200) / 1 000 000
    close(y[BUDGET_STATUTORY_LEVY], 0.28);
    close(y[BUDGET_CONTRIBUTIONS], y[CONTRIBUTIONS] + 72_000.0);
    close(y[BUDGET_COLLECTED_LEVY], y[BUDGET_CONTRIBUTIONS] / 1e6);
}

#[test]
fn the_base_is_floored_and_capped() {
    // relative wage 4 is capped at 3: the base per active is 3, the payroll 4
    let m = common::tiny()
        .set("wages", "relative = 4")
        .set("maternity", "fertility = 0\nrate = 0.01")
        .model();
    let y = rows(&m)[0];
    close(
        y[MATERNITY_CONTRIBUTIONS],
        0.01 * 1000.0 * 3.0 * 1000.0 * 0.9,
    );
    let m = common::tiny()
        .set("wages", "relative = 0.5")
        .set("maternity", "fertility = 0\nrate = 0.01")
        .model();
    let y = rows(&m)[0];
    close(
        y[MATERNITY_CONTRIBUTIONS],
        0.01 * 1000.0 * 0.6 * 1000.0 * 0.9,
    );
}

/// Each fund's roll-forward holds every year: `F_{t+1} = F_t (1 + r) + (C − B − A)(1 + r/2) + S`.
#[track_caller]
fn assert_roll_forward(model: &Model, econ: &fundcast::economy::EconPath, rows: &[Row]) {
    let f = &model.funds;
    let funds: Vec<(f64, [usize; 5])> = [
        (
            f.unemployment.as_ref().map(|u| u.reserve.initial),
            [
                UNEMPLOYMENT_CONTRIBUTIONS,
                UNEMPLOYMENT_BENEFITS,
                UNEMPLOYMENT_OTHER_SPENDING,
                UNEMPLOYMENT_SUBSIDY,
                UNEMPLOYMENT_FUND_END,
            ],
        ),
        (
            f.medical.as_ref().map(|m| m.pool.initial),
            [
                MEDICAL_POOL_INCOME,
                MEDICAL_POOL_SPENDING,
                MEDICAL_POOL_SPENDING,
                MEDICAL_SUBSIDY,
                MEDICAL_POOL_END,
            ],
        ),
        (
            f.injury.as_ref().map(|i| i.reserve.initial),
            [
                INJURY_CONTRIBUTIONS,
                INJURY_BENEFITS,
                INJURY_BENEFITS,
                INJURY_SUBSIDY,
                INJURY_FUND_END,
            ],
        ),
        (
            f.maternity.as_ref().map(|m| m.reserve.initial),
            [
                MATERNITY_CONTRIBUTIONS,
                MATERNITY_BENEFITS,
                MATERNITY_BENEFITS,
                MATERNITY_SUBSIDY,
                MATERNITY_FUND_END,
            ],
        ),
    ]
    .into_iter()
    .filter_map(|(initial, k)| initial.map(|i| (i, k)))
    .collect();
    assert!(!funds.is_empty());
    for (initial, [c, b, a, s, end]) in funds {
        let mut start = initial;
        for (t, row) in rows.iter().enumerate() {
            let r = econ.fund_return[t];
            // only unemployment has other spending
            let other = if a == b { 0.0 } else { row[a] };
            let want = start * (1.0 + r) + (row[c] - row[b] - other) * (1.0 + r / 2.0) + row[s];
            let tol = 1e-9 * want.abs().max(row[c].abs()).max(1.0);
            assert!(
                (row[end] - want).abs() <= tol,
                "{}: {} != {want} in year {t}",
                fundcast::projection::METRICS[end],
                row[end]
            );
            start = row[end];
        }
    }
    // the accounts' roll-forward and the budget's sums
    for (t, row) in rows.iter().enumerate() {
        let parts = row[CONTRIBUTIONS]
            + row[UNEMPLOYMENT_CONTRIBUTIONS]
            + row[MEDICAL_POOL_INCOME]
            + row[MEDICAL_ACCOUNT_INCOME]
            + row[INJURY_CONTRIBUTIONS]
            + row[MATERNITY_CONTRIBUTIONS];
        let tol = 1e-9 * parts.abs().max(1.0);
        assert!(
            (row[BUDGET_CONTRIBUTIONS] - parts).abs() <= tol,
            "budget contributions in {t}"
        );
    }
}

#[test]
fn every_funds_roll_forward_holds_every_year_on_the_five_fund_scenario() {
    let m = fundcast::scenario::load(std::path::Path::new(FIVE_FUNDS)).unwrap();
    assert_roll_forward(&m, &common::econ(&m), &rows(&m));
    // and on stochastic paths
    let mut runner = PathRunner::new(&m);
    for i in 0..5 {
        runner.path(m.seed, i);
        assert_roll_forward(&m, runner.econ(), runner.rows());
    }
}

#[test]
fn turning_the_funds_on_changes_no_pension_number() {
    let funds = fundcast::scenario::load(std::path::Path::new(FIVE_FUNDS)).unwrap();
    let mut pension = funds.clone();
    pension.funds = Default::default();
    pension.economy.unemployment = None;
    pension.economy.medical_inflation = None;
    let (with, without) = (rows(&funds), rows(&pension));
    for (a, b) in with.iter().zip(&without) {
        assert_eq!(a[..N_PENSION_METRICS], b[..N_PENSION_METRICS]);
    }
    let (mut a, mut b) = (PathRunner::new(&funds), PathRunner::new(&pension));
    for i in 0..8 {
        assert_eq!(a.path(funds.seed, i), b.path(pension.seed, i));
        for (x, y) in a.rows().iter().zip(b.rows()) {
            assert_eq!(x[..N_PENSION_METRICS], y[..N_PENSION_METRICS]);
        }
    }
}

#[test]
fn funds_csv_reconciles_with_the_metrics() {
    let m = fundcast::scenario::load(std::path::Path::new(FIVE_FUNDS)).unwrap();
    let r = rows(&m);
    let csv = funds_csv(&m, &r);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "year,fund,insured,contributors,beneficiaries,contributions,benefits,other_spending,subsidy,fund_end,reserve_months"
    );
    let names: Vec<&str> = fund_lines(&m, &r[0]).iter().map(|(f, _)| *f).collect();
    assert_eq!(
        names,
        [
            "pension",
            "unemployment",
            "medical_pool",
            "medical_accounts",
            "work_injury",
            "maternity"
        ]
    );
    assert_eq!(csv.lines().count(), 1 + names.len() * m.frame.years());
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let v: Vec<f64> = cells[2..].iter().map(|c| c.parse().unwrap()).collect();
        // reserve months = fund_end / ((benefits + other) / 12)
        close(v[8], reserve_months(v[7], v[4] + v[5]));
    }
    let y = &r[0];
    let first = csv.lines().nth(2).unwrap();
    assert!(
        first.starts_with(&format!("2005,unemployment,{}", y[UNEMPLOYMENT_INSURED])),
        "{first}"
    );
}

#[test]
fn the_plans_2005_figures_are_reproduced() {
    let m = fundcast::scenario::load(std::path::Path::new(FIVE_FUNDS)).unwrap();
    let y = rows(&m)[0];
    let near = |a: f64, b: f64, share: f64| {
        assert!((a - b).abs() <= share * b, "{a} vs {b}");
    };
    // plan: medical 370 000 insured, 197 M income; injury 85 000; maternity 77 000
    near(y[MEDICAL_INSURED], 370_000.0, 0.001);
    near(
        y[MEDICAL_POOL_INCOME] + y[MEDICAL_ACCOUNT_INCOME],
        197.0e6,
        0.002,
    );
    near(y[INJURY_INSURED], 85_000.0, 0.001);
    near(y[MATERNITY_INSURED], 77_000.0, 0.002);
    // calibrated (docs/ganzhou.md): 176 650 insured, 17.45 M benefits
    near(y[UNEMPLOYMENT_INSURED], 176_650.0, 0.001);
    near(y[UNEMPLOYMENT_BENEFITS], 17.45e6, 0.001);
    // 2010: injury and maternity coverage 80 % of contributors
    let z = rows(&m)[5];
    near(z[INJURY_INSURED] / z[CONTRIBUTORS], 0.8, 1e-9);
    near(z[MATERNITY_INSURED] / z[CONTRIBUTORS], 0.8, 1e-9);
}

#[test]
fn monte_carlo_funds_are_the_same_on_any_number_of_threads() {
    let m = fundcast::scenario::load(std::path::Path::new(FIVE_FUNDS)).unwrap();
    let run = |threads| {
        let s = montecarlo::run(
            &m,
            Options {
                paths: 300,
                seed: 9,
                threads,
            },
            &|_| {},
        )
        .summary;
        (
            fundcast::export::summary_csv(&m, &s),
            fundcast::export::depletion_csv(&m, &s),
            fundcast::export::funds::social_budget_csv(&m, &rows(&m), Some(&s)),
        )
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a, b);
    assert!(a.0.contains("2010,medical_pool_end,p95,"));
    assert!(a.1.lines().next().unwrap().ends_with(
        ",unemployment_p_depleted_by,medical_p_depleted_by,work_injury_p_depleted_by,maternity_p_depleted_by"
    ));
    assert!(a
        .2
        .lines()
        .next()
        .unwrap()
        .ends_with(",p_share_met,social_share_p5,social_share_p50,social_share_p95"));
}

#[test]
fn run_writes_the_fund_files_and_bad_fund_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args([
            "run",
            FIVE_FUNDS,
            "--paths",
            "50",
            "--quiet",
            "--no-report",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "funds.csv",
        "social-budget.csv",
        "summary.csv",
        "depletion.csv",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    // a scenario without the funds writes neither file
    let plain = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args([
            "run",
            "scenarios/ganzhou-2006-2010.toml",
            "--paths",
            "0",
            "--quiet",
            "--no-report",
            "--out",
        ])
        .arg(plain.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!plain.path().join("funds.csv").exists());
    assert!(!plain.path().join("social-budget.csv").exists());

    for (section, body, key) in [
        ("unemployment", "insured_share = 1", "unemployment.rate"),
        (
            "unemployment",
            "rate = 0.04\ntenure_mix = [0.5, 0.5, 0.5]",
            "unemployment.tenure_mix",
        ),
        ("medical", "cost_cv = 1", "medical.cost"),
        ("maternity", "fertility = 0\nrate = 0.02", "maternity.rate"),
        ("maternity", "rate = 0.01", "maternity.fertility"),
        (
            "work_injury",
            "class_shares = [0.5, 0.4]\nclass_rates = [0.01, 0.02]\nclass_incidence = [0.01, 0.01]",
            "work_injury.class_shares",
        ),
        (
            "work_injury",
            "reserve = { subsidy = \"keep_reserve\" }",
            "work_injury.reserve.floor_months",
        ),
        (
            "work_injury",
            "financing = \"capitals\"\ncapital_rate = 0\ncapital_indexation = 0.1",
            "work_injury.capital_rate",
        ),
        (
            "medical",
            "cost = 1\nexcess_inflation = { mean = 0.01, correlation = { wage_growth = 1.5 } }",
            "medical.excess_inflation.correlation.wage_growth",
        ),
        (
            "unemployment",
            "rate = 0.04\nno_such_key = 1",
            "unemployment.no_such_key",
        ),
    ] {
        let text = common::tiny().set(section, body).text();
        let file = dir.path().join("bad.toml");
        std::fs::copy("tests/data/q-tiny.csv", dir.path().join("q-tiny.csv")).unwrap();
        std::fs::write(&file, text).unwrap();
        let out_dir = dir.path().join("bad-out");
        let out = Command::new(env!("CARGO_BIN_EXE_fundcast"))
            .args(["run"])
            .arg(&file)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {err}");
        assert!(err.contains(key), "{key}: {err}");
        assert!(err.contains("bad.toml"), "{err}");
        assert!(!out_dir.exists(), "{key}: nothing is written");
    }
}

#[test]
fn solve_and_compare_work_on_the_funds_measures() {
    let fc = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fundcast"))
            .args(args)
            .output()
            .unwrap()
    };
    // Which collection rate keeps the unemployment fund solvent to 2010 in 95 % of futures.
    let o = fc(&[
        "solve",
        FIVE_FUNDS,
        "--lever",
        "contributions.collection_rate",
        "--target",
        "unemployment_depleted(2010) <= 0.05",
        "--range",
        "0.3,0.9",
        "--paths",
        "200",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("meets unemployment_depleted(2010) <= 0.05"),
        "{out}"
    );
    let rate: f64 = out
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(rate > 0.432 && rate < 0.9, "{rate}");
    // A fund that is off, and a metric Monte Carlo does not summarise: exit 2, named.
    for (scenario, target, says) in [
        (
            "scenarios/ganzhou-2006-2010.toml",
            "medical_depleted(2010) <= 0.05",
            "[medical]",
        ),
        (
            FIVE_FUNDS,
            "unemployment_insured(2010) >= 1",
            "do not summarise",
        ),
    ] {
        let o = fc(&[
            "solve",
            scenario,
            "--lever",
            "contributions.collection_rate",
            "--target",
            target,
            "--paths",
            "50",
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
    // compare: the funds' measures, as probabilities where they are indicators.
    let dir = tempfile::tempdir().unwrap();
    let o = fc(&[
        "compare",
        FIVE_FUNDS,
        "scenarios/ganzhou-five-funds-reemployment.toml",
        "--paths",
        "100",
        "--no-report",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(dir.path().join("comparison.csv")).unwrap();
    for measure in [
        "unemployment_depleted_by_horizon_mean",
        "medical_pool_end_horizon_mean",
        "budget_share_met_horizon_mean",
    ] {
        assert!(csv.contains(measure), "{measure}: {csv}");
    }
}
