//! `fundcast calibrate`: fits by hand, bounds, parameters the targets do not determine,
//! bad targets and free keys (exit status 2, the key named, nothing written), the same
//! bytes twice, a `calibrated.toml` that loads, the seed case re-derived, and the solver
//! against the `levenberg-marquardt` crate.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fundcast::calibrate::{self, Calibration, ErrorScale, Free};
use fundcast::document::{Node, Sources};

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

/// The tiny scenario (common::tiny) and its life table in `dir`, as `s.toml`.
fn write_tiny(dir: &Path) -> PathBuf {
    std::fs::copy("tests/data/q-tiny.csv", dir.join("q-tiny.csv")).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, common::tiny().text()).unwrap();
    path
}

fn tree(dir: &Path) -> (Node, Sources, fundcast::Model) {
    let path = write_tiny(dir);
    let (node, sources) = fundcast::document::load(&path).unwrap();
    let model = fundcast::scenario::build(&node, &sources).unwrap();
    (node, sources, model)
}

fn fit(dir: &Path, targets: &str, free: &str) -> Calibration {
    let (node, sources, model) = tree(dir);
    let t = calibrate::targets_from_text(Path::new("t.toml"), targets, &model)
        .unwrap_or_else(|e| panic!("{e}"));
    let f = calibrate::parse_free(&[free.to_string()]).unwrap();
    calibrate::calibrate(&node, &sources, &t, &f).unwrap_or_else(|e| panic!("{e}"))
}

fn target(metric: &str, year: i32, value: f64, extra: &str) -> String {
    format!("[[target]]\nmetric = \"{metric}\"\nyear = {year}\nvalue = {value:?}\n{extra}\n")
}

// The tiny scenario by hand: C_2005 = 1000 actives · W 1000 · c 0.2 · k; in 2006 the 900
// survivors (q = 0.1 at age 1) earn W = 1100: C_2006 = 900 · 1100 · 0.2 · k = 198,000 k.
// B_2005 = 100 pensioners · 500.
const A_2005: f64 = 1000.0 * 1000.0 * 0.2;
const A_2006: f64 = 900.0 * 1100.0 * 0.2;

#[test]
fn two_targets_two_keys_are_met_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let targets = target("contributions", 2005, 150_000.0, "")
        + &target("payouts", 2005, 60_000.0, "tolerance = 1e-6");
    let c = fit(
        dir.path(),
        &targets,
        "contributions.collection_rate=0:1,population.pensioners.pension",
    );
    // k = 150,000 / 200,000; pension = 60,000 / 100.
    common::close(c.parameters[0].value, 0.75);
    assert!((c.parameters[1].value - 600.0).abs() < 1e-9);
    assert_eq!(c.residuals[1].within, Some(true));
    assert_eq!(c.residuals[0].within, None);
    assert!(c.sum_of_squares < 1e-20);
    // Two targets, two keys, no sd: no residual variance, so no standard errors.
    assert_eq!(c.scale, ErrorScale::NotEstimable);
    assert!(c.parameters.iter().all(|p| p.standard_error.is_none()));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("no degrees of freedom")));
}

#[test]
fn an_overdetermined_fit_is_the_weighted_closed_form_with_its_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    let (y1, y2, w2) = (170_000.0, 175_000.0, 2.0);
    let targets =
        target("contributions", 2005, y1, "") + &target("contributions", 2006, y2, "weight = 2");
    let c = fit(dir.path(), &targets, "contributions.collection_rate");
    // ρ_i = √w_i (k a_i − y_i)/y_i = √w_i (k u_i − 1), u_i = a_i/y_i: the minimum is
    // k = Σ w u / Σ w u²; s² = S/(n − p) = S/1; Var(k) = s² / Σ w u².
    let (u1, u2) = (A_2005 / y1, A_2006 / y2);
    let k = (u1 + w2 * u2) / (u1 * u1 + w2 * u2 * u2);
    let s = (k * u1 - 1.0).powi(2) + w2 * (k * u2 - 1.0).powi(2);
    let se = (s / (u1 * u1 + w2 * u2 * u2)).sqrt();
    let p = &c.parameters[0];
    assert!((p.value - k).abs() < 1e-10, "{} vs {k}", p.value);
    common::within(c.sum_of_squares, s, 1e-7);
    assert_eq!(c.scale, ErrorScale::Residual(c.sum_of_squares));
    common::within(p.standard_error.unwrap(), se, 1e-6);
    common::within(c.residuals[1].fitted, k * A_2006, 1e-12);
    common::close(
        c.residuals[1].scaled,
        w2.sqrt() * (c.residuals[1].fitted - y2) / y2,
    );
}

#[test]
fn standard_errors_from_the_targets_sd() {
    let dir = tempfile::tempdir().unwrap();
    // One target with its sd: k = y / a, and sd(k) = sd / a.
    let targets = target("contributions", 2005, 150_000.0, "sd = 1500");
    let c = fit(dir.path(), &targets, "contributions.collection_rate");
    assert_eq!(c.scale, ErrorScale::Known);
    common::within(c.parameters[0].value, 0.75, 1e-12);
    common::within(
        c.parameters[0].standard_error.unwrap(),
        1500.0 / A_2005,
        1e-6,
    );
}

#[test]
fn bounds_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    // 250,000 would need k = 1.25: held at the bound 1.
    let targets = target("contributions", 2005, 250_000.0, "tolerance = 1000")
        + &target("payouts", 2005, 60_000.0, "");
    let c = fit(
        dir.path(),
        &targets,
        "contributions.collection_rate=0.5:1,population.pensioners.pension=:550",
    );
    assert_eq!(c.parameters[0].value, 1.0);
    assert_eq!(c.parameters[1].value, 550.0);
    assert!(c
        .parameters
        .iter()
        .all(|p| p.at_bound && p.standard_error.is_none()));
    assert_eq!(c.residuals[0].within, Some(false));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("`contributions.collection_rate` = 1 is at its bound")));
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("outside the tolerance")));
    let csv = calibrate::parameters_csv(&c);
    assert!(
        csv.contains("\ncontributions.collection_rate,0.9,1,0.5,1,,,true,true,"),
        "{csv}"
    );
}

#[test]
fn parameters_the_targets_do_not_determine_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let targets = target("contributions", 2005, 150_000.0, "")
        + &target("contributions", 2006, 150_000.0, "");
    let c = fit(
        dir.path(),
        &targets,
        "contributions.rate=0:1,contributions.collection_rate=0:1,fund.initial",
    );
    let w = c.warnings.join("\n");
    assert!(w.contains("do not depend on `fund.initial`"), "{w}");
    assert!(
        w.contains(
            "do not determine `contributions.rate`, `contributions.collection_rate` separately"
        ),
        "{w}"
    );
    assert!(c
        .parameters
        .iter()
        .all(|p| !p.determined && p.standard_error.is_none()));
    // The product c·k is what the targets fix: the weighted fit of a·ck to both years.
    let (u1, u2) = (A_2005 / 150_000.0, A_2006 / 150_000.0);
    let ck = (u1 + u2) / (u1 * u1 + u2 * u2);
    let (rate, k) = (c.parameters[0].value, c.parameters[1].value);
    assert!((rate * k / 0.2 - ck).abs() < 1e-8, "{rate} · {k}");
}

#[test]
fn a_fitted_key_inside_a_pair_by_sex_keeps_the_other_sex() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::copy("tests/data/q-tiny.csv", dir.path().join("q-tiny.csv")).unwrap();
    let b = common::tiny().set(
        "population.pensioners",
        "total = 100\nmale_share = 1\nprofile = { uniform = { from = 2, to = 2 } }\npension = { male = 500, female = 400 }",
    );
    std::fs::write(&path, b.text()).unwrap();
    let targets = dir.path().join("t.toml");
    std::fs::write(&targets, target("payouts", 2005, 60_000.0, "")).unwrap();
    let out = dir.path().join("out");
    let o = fundcast(&[
        "calibrate",
        path.to_str().unwrap(),
        "--targets",
        targets.to_str().unwrap(),
        "--free",
        "population.pensioners.pension.male",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let toml = std::fs::read_to_string(out.join("calibrated.toml")).unwrap();
    assert!(
        toml.contains("\npopulation.pensioners.pension = { male = 599.99999"),
        "{toml}"
    );
    assert!(toml.contains("female = 400 }"), "{toml}");
    let model = fundcast::scenario::load(&out.join("calibrated.toml")).unwrap();
    let (rows, _) = fundcast::deterministic(&model);
    common::within(
        rows[0][fundcast::projection::metric::PAYOUTS],
        60_000.0,
        1e-12,
    );
}

#[test]
fn the_same_inputs_give_the_same_files_and_calibrated_toml_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_tiny(dir.path());
    let targets = dir.path().join("t.toml");
    std::fs::write(
        &targets,
        target("contributions", 2005, 170_000.0, "tolerance = 10")
            + &target("contributions", 2006, 175_000.0, "")
            + &target("payouts", 2006, 60_000.0, ""),
    )
    .unwrap();
    let run = |out: &str| {
        let o = fundcast(&[
            "calibrate",
            path.to_str().unwrap(),
            "--targets",
            targets.to_str().unwrap(),
            "--free",
            "contributions.collection_rate=0:1",
            "--free",
            "population.pensioners.pension=0:",
            "--out",
            dir.path().join(out).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        // All but the last line, which names the folder.
        let out = text(&o.stdout);
        out[..out.trim_end().rfind('\n').unwrap()].to_string()
    };
    let printed = run("a");
    assert_eq!(printed, run("b"));
    assert!(
        printed.contains("contributions.collection_rate"),
        "{printed}"
    );
    for f in ["calibrated.toml", "calibration.csv", "parameters.csv"] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert_eq!(a, b, "{f} differs between two runs");
    }
    let cal = dir.path().join("a/calibrated.toml");
    let toml = std::fs::read_to_string(&cal).unwrap();
    assert!(toml.contains("\nextends = \"../s.toml\"\n"), "{toml}");
    let o = fundcast(&["check", cal.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The calibrated scenario projects the fitted values of calibration.csv.
    let model = fundcast::scenario::load(&cal).unwrap();
    let (rows, _) = fundcast::deterministic(&model);
    let csv = std::fs::read_to_string(dir.path().join("a/calibration.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("metric,year,observed,fitted,difference,relative_difference,weight,sd,scaled_residual,tolerance,within_tolerance")
    );
    let fitted: f64 = lines
        .next()
        .unwrap()
        .split(',')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(fitted, rows[0][fundcast::projection::metric::CONTRIBUTIONS]);
}

/// Runs `calibrate` on the tiny scenario with `targets` and `free`, expecting exit 2,
/// nothing written and every one of `parts` in the message.
#[track_caller]
fn bad(targets: &str, free: &str, parts: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_tiny(dir.path());
    let t = dir.path().join("t.toml");
    std::fs::write(&t, targets).unwrap();
    let out = dir.path().join("out");
    let o = fundcast(&[
        "calibrate",
        path.to_str().unwrap(),
        "--targets",
        t.to_str().unwrap(),
        "--free",
        free,
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for p in parts {
        assert!(err.contains(p), "`{p}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "{} was written", out.display());
}

#[test]
fn bad_targets_and_free_keys_exit_2_naming_the_key() {
    let good = target("contributions", 2005, 150_000.0, "");
    let k = "contributions.collection_rate";
    bad(
        &(good.clone() + &target("contributers", 2005, 1.0, "")),
        k,
        &[
            "t.toml:7:10",
            "`target[2].metric`",
            "unknown metric `contributers`",
        ],
    );
    bad(
        &target("contributions", 2030, 1.0, ""),
        k,
        &[
            "`target[1].year`",
            "2030 is outside the projection: expected a year in 2005..=2006",
        ],
    );
    bad(
        &target("contributions", 2005, 1.0, "weight = -1\nsd = \"big\""),
        k,
        &["`target[1].weight`", "`target[1].sd`", "2 problems"],
    );
    bad("", k, &["no targets"]);
    bad(&good, "name", &["--free `name`", "a string"]);
    bad(
        &good,
        "contributions.rat",
        &["--free `contributions.rat`", "not a scenario key"],
    );
    bad(&good, "economy", &["--free `economy`", "a section"]);
    bad(&good, "horizon", &["--free `horizon`", "takes an integer"]);
    bad(
        &good,
        "contributions.collection_rate=1:0",
        &["expected LO < HI"],
    );
    bad(&good, "contributions.collection_rate=0-1", &["KEY=LO:HI"]);
    bad(
        &good,
        "contributions.collection_rate=0:2",
        &["`contributions.collection_rate` = 2 (a bound) makes the scenario invalid"],
    );
    bad(&good, &format!("{k},{k}"), &["given twice"]);
}

#[test]
fn the_seed_calibration_is_re_derived() {
    let path = Path::new("scenarios/ganzhou-2006-2010.toml");
    let (node, sources) = fundcast::document::load(path).unwrap();
    let model = fundcast::scenario::build(&node, &sources).unwrap();
    let t = calibrate::read_targets(
        Path::new("scenarios/targets/ganzhou-2005-targets.toml"),
        &model,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let free = calibrate::parse_free(&["population.actives.total=0:,population.pensioners.total=0:,contributions.collection_rate=0:1,population.pensioners.pension=0:".to_string()]).unwrap();
    let c = calibrate::calibrate(&node, &sources, &t, &free).unwrap();
    let v: Vec<f64> = c.parameters.iter().map(|p| p.value).collect();
    common::within(v[0], 248_000.0, 1e-12);
    common::within(v[1], 101_000.0, 1e-12);
    // k = 360 M / (248,000 · 12,000 · 0.28); pension = 575 M / 101,000.
    let k = 360e6 / (248_000.0 * 12_000.0 * 0.28);
    common::within(v[2], k, 1e-12);
    common::within(v[3], 575e6 / 101_000.0, 1e-12);
    // What the scenario sets, to its four or six digits.
    assert!((v[2] - 0.4320).abs() < 5e-5 && (v[3] - 5693.07).abs() < 0.005);
    // Rounding errors carried through k = C/(N W c) and p = B/N_R.
    let se: Vec<f64> = c
        .parameters
        .iter()
        .map(|p| p.standard_error.unwrap())
        .collect();
    let u = 1.0 / 12f64.sqrt();
    common::within(se[0], 1000.0 * u, 1e-6);
    common::within(
        se[2],
        k * ((10e6 * u / 360e6).powi(2) + (1000.0 * u / 248e3).powi(2)).sqrt(),
        1e-6,
    );
    common::within(
        se[3],
        575e6 / 101e3 * ((1e6 * u / 575e6).powi(2) + (1000.0 * u / 101e3).powi(2)).sqrt(),
        1e-6,
    );
    assert!(c.residuals.iter().all(|r| r.within == Some(true)));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

/// A problem for the `levenberg-marquardt` crate: residuals `r(x)` and their Jacobian by
/// the same central differences as ours.
struct Crate<F: Fn(&[f64]) -> Vec<f64>> {
    f: F,
    x: nalgebra_034::DVector<f64>,
}

impl<F: Fn(&[f64]) -> Vec<f64>>
    levenberg_marquardt::LeastSquaresProblem<f64, nalgebra_034::Dyn, nalgebra_034::Dyn>
    for Crate<F>
{
    type ResidualStorage = nalgebra_034::VecStorage<f64, nalgebra_034::Dyn, nalgebra_034::U1>;
    type JacobianStorage = nalgebra_034::VecStorage<f64, nalgebra_034::Dyn, nalgebra_034::Dyn>;
    type ParameterStorage = nalgebra_034::VecStorage<f64, nalgebra_034::Dyn, nalgebra_034::U1>;

    fn set_params(&mut self, x: &nalgebra_034::DVector<f64>) {
        self.x = x.clone();
    }
    fn params(&self) -> nalgebra_034::DVector<f64> {
        self.x.clone()
    }
    fn residuals(&self) -> Option<nalgebra_034::DVector<f64>> {
        Some(nalgebra_034::DVector::from_vec((self.f)(self.x.as_slice())))
    }
    fn jacobian(&self) -> Option<nalgebra_034::DMatrix<f64>> {
        let x = self.x.as_slice();
        let m = (self.f)(x).len();
        let mut j = nalgebra_034::DMatrix::zeros(m, x.len());
        for k in 0..x.len() {
            let h = 1e-6 * x[k].abs().max(1.0);
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[k] += h;
            down[k] -= h;
            let (u, d) = ((self.f)(&up), (self.f)(&down));
            for i in 0..m {
                j[(i, k)] = (u[i] - d[i]) / (2.0 * h);
            }
        }
        Some(j)
    }
}

#[test]
fn the_solver_agrees_with_the_levenberg_marquardt_crate() {
    use fundcast::least_squares::{minimize, Options};
    const INF: f64 = f64::INFINITY;
    // An exponential decay with an offset, fitted to noisy data (a nonlinear problem
    // with a non-zero residual at the minimum), and Rosenbrock's valley from (−1.2, 1).
    let t: Vec<f64> = (0..12).map(|i| i as f64 * 0.5).collect();
    let noise = [
        0.03, -0.02, 0.01, 0.04, -0.05, 0.02, -0.01, 0.0, 0.03, -0.02, 0.01, -0.03,
    ];
    let y: Vec<f64> = t
        .iter()
        .zip(noise)
        .map(|(t, e)| 2.5 * (-0.7 * t).exp() + 0.4 + e)
        .collect();
    let exp_fit = |x: &[f64]| -> Vec<f64> {
        t.iter()
            .zip(&y)
            .map(|(t, y)| x[0] * (-x[1] * t).exp() + x[2] - y)
            .collect()
    };
    let rosenbrock = |x: &[f64]| vec![10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0]];
    type Residuals<'a> = &'a dyn Fn(&[f64]) -> Vec<f64>;
    let problems: [(Residuals, Vec<f64>); 2] = [
        (&exp_fit, vec![1.0, 1.0, 0.0]),
        (&rosenbrock, vec![-1.2, 1.0]),
    ];
    for (f, x0) in problems {
        let p = x0.len();
        let ours = minimize(
            |x| Some(f(x)),
            &x0,
            &vec![-INF; p],
            &vec![INF; p],
            &vec![1.0; p],
            &Options::default(),
        )
        .unwrap();
        let (theirs, report) = levenberg_marquardt::LevenbergMarquardt::new().minimize(Crate {
            f,
            x: nalgebra_034::DVector::from_vec(x0.clone()),
        });
        assert!(report.termination.was_successful(), "{report:?}");
        for k in 0..p {
            assert!(
                (ours.x[k] - theirs.x[k]).abs() <= 1e-7 * theirs.x[k].abs().max(1.0),
                "parameter {k}: ours {} theirs {}",
                ours.x[k],
                theirs.x[k]
            );
        }
        let s: f64 = f(theirs.x.as_slice()).iter().map(|r| r * r).sum();
        assert!(ours.sum_of_squares <= s * (1.0 + 1e-9) + 1e-24);
    }
}

#[test]
fn free_key_syntax() {
    let f = calibrate::parse_free(&["a.b=0:1, c.d=:2".to_string(), "e=1:".to_string()]).unwrap();
    assert_eq!(
        f,
        vec![
            Free {
                key: "a.b".into(),
                lower: 0.0,
                upper: 1.0
            },
            Free {
                key: "c.d".into(),
                lower: f64::NEG_INFINITY,
                upper: 2.0
            },
            Free {
                key: "e".into(),
                lower: 1.0,
                upper: f64::INFINITY
            },
        ]
    );
    assert!(calibrate::parse_free(&["a=x:1".to_string()]).is_err());
    assert!(calibrate::parse_free(&["a=nan:1".to_string()]).is_err());
}
