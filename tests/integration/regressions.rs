//! One test per defect found in review, named after what broke.

use std::path::Path;
use std::process::Command;

use fundcast::projection::metric::{CONTRIBUTORS, PENSIONERS};

/// `scenarios/minimal.toml` with `extra` appended (TOML tables may follow).
fn minimal(extra: &str) -> String {
    let base = std::fs::read_to_string("scenarios/minimal.toml").unwrap();
    format!("{base}\n{extra}\n")
}

fn problems(text: &str) -> Vec<fundcast::Diagnostic> {
    match fundcast::scenario::from_text(Path::new("tests/data/regression.toml"), text) {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics().to_vec(),
    }
}

#[test]
fn ragged_correlation_matrix_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let text = minimal("").replace(
        "fund_return = 0.03        # r, nominal",
        "fund_return = 0.03\ncorrelation = [[1, 0, 0], [0, 1, 0], [0]]",
    );
    let file = dir.path().join("ragged.toml");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("economy.correlation") && err.contains("row 3"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn infinite_or_nan_bend_points_and_rates_are_errors() {
    for (points, rates) in [
        ("[0.3, inf]", "[0.9, 0.32, 0.15]"),
        ("[nan]", "[0.9, 0.15]"),
        ("[0.3, 1.0]", "[0.9, inf, 0.15]"),
        ("[0.3, 1.0]", "[0.9, 0.32, -0.1]"),
    ] {
        let text = minimal("").replace(
            "replacement_rate = 0.5    # the default `replacement` formula: p = rr · W · w_rel",
            &format!(
                "formula = \"bend_points\"\naveraging_years = 35\nbend_points = {points}\nbend_rates = {rates}"
            ),
        );
        let d = problems(&text);
        assert!(
            d.iter().any(|p| p.key.starts_with("benefit.bend_")),
            "{points} {rates}: {d:?}"
        );
    }
}

#[test]
fn quantile_of_a_series_with_no_finite_value_is_nan() {
    use fundcast::aggregate::{Grid, Tally};
    let grid = Grid::from_pilot(&[f64::INFINITY], &[f64::NEG_INFINITY]);
    let mut t = Tally::new(1, 1, 1);
    t.add(&grid, &[f64::NAN], &[None]);
    assert!(t.quantile(&grid, 0, 0.5).is_nan());
}

#[test]
fn life_expectancy_link_with_no_share_changes_nothing() {
    // A scheduled 60.3 acts as 61 (convention 8), with or without a link of share 0.
    let plain = minimal("").replace("age = 60                  # both sexes", "age = 60.3");
    let linked = format!("{plain}\n[adjustment.retirement_age]\nshare = 0\n");
    let a = fundcast::scenario::from_text(Path::new("a.toml"), &plain).unwrap();
    let b = fundcast::scenario::from_text(Path::new("b.toml"), &linked).unwrap();
    let (ra, _) = fundcast::deterministic(&a);
    let (rb, _) = fundcast::deterministic(&b);
    assert_eq!(ra[1][PENSIONERS], 0.0);
    // Equal up to the order of summation (the link's loops start at another age).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
    for (x, y) in ra.iter().zip(&rb) {
        assert!(close(x[CONTRIBUTORS], y[CONTRIBUTORS]));
        assert!(close(x[PENSIONERS], y[PENSIONERS]));
    }
}

#[test]
fn csv_profile_without_weight_for_a_sex_with_people_is_an_error() {
    let text = minimal("").replace(
        "profile = { uniform = { from = 20, to = 59 } }",
        "male_share = 0.5\nprofile = { table = \"profile-men-only.csv\" }",
    );
    let d = problems(&text);
    assert!(
        d.iter()
            .any(|p| p.key == "population.actives.profile" && p.message.contains("female")),
        "{d:?}"
    );
    // Men only: then the empty female column is right.
    let men = text.replace("male_share = 0.5", "male_share = 1");
    assert!(problems(&men).is_empty(), "{:?}", problems(&men));
}

#[test]
fn a_year_written_twice_in_a_schedule_is_an_error() {
    let text = minimal("").replace(
        "rate = 0.20               # c, total contribution rate on covered wages",
        "rate = { 2020 = 0.2, \"02020\" = 0.3 }",
    );
    let d = problems(&text);
    assert!(
        d.iter().any(|p| p.message.contains("written twice")),
        "{d:?}"
    );
}
