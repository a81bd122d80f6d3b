//! Calibration: the values of free scenario keys that make the deterministic projection
//! meet observed figures (`fundcast calibrate`, docs/calibration.md).
//!
//! Takes a merged scenario tree ([`crate::document`]), a targets file (observed yearly
//! metrics: metric, year, value, weight, optional standard error and tolerance) and the
//! free keys with their bounds; changes the keys in the tree ([`crate::variants::apply`],
//! validated like a file), runs [`crate::deterministic`], and fits by bounded
//! Levenberg–Marquardt ([`crate::least_squares`]). Gives the fitted values with their
//! standard errors, the residual of every target, warnings for parameters the targets do
//! not determine, and the text of `calibrated.toml`, `calibration.csv` and
//! `parameters.csv`. The files are text built in a fixed order from the inputs only (no
//! time, no path of the machine): the same inputs give the same bytes.
//!
//! The fit minimises `S = Σ ρ_i²` over the free keys within their bounds, with the scaled
//! residual of target i
//!
//! ```text
//! ρ_i = √w_i · (f_i − y_i) / σ_i,   σ_i = sd_i if the target gives one, else |y_i|
//! ```
//!
//! (`f_i` the projected value, `y_i` the observed one, `w_i` the weight, default 1):
//! relative residuals by default, residuals in standard errors when the targets give
//! them. The covariance of the fitted values is `s² (JᵀJ)⁻¹`, `J` the Jacobian of `ρ` at
//! the fit (central differences, [`crate::least_squares`]); `s² = 1` when every target
//! gives an `sd` (the observations' errors are known: the standard errors are those
//! errors carried to the parameters), else `s² = S / (n − p)`, the residual variance
//! (`n` targets, `p` free keys; none when `n ≤ p`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nalgebra::{DMatrix, SymmetricEigen};

use crate::document::{is_value_table, Node, Sources, Value};
use crate::error::{render, Diagnostic};
use crate::least_squares::{self, LeastSquaresError, Stop};
use crate::metrics::{Kind, REGISTRY};
use crate::policy::{check_lever, PolicyError};
use crate::variants::{apply, inline, node_at, number_at, Change};
use crate::Model;

/// One observed figure to fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// A yearly metric of the registry.
    pub metric: &'static str,
    /// Its column in a [`Row`](crate::projection::Row).
    pub index: usize,
    pub year: i32,
    /// The observed value, in the metric's unit.
    pub value: f64,
    /// `w_i` (default 1).
    pub weight: f64,
    /// The observed value's standard error, in the metric's unit.
    pub sd: Option<f64>,
    /// The fitted value meets the target when within this of it (the metric's unit).
    pub tolerance: Option<f64>,
}

impl Target {
    /// `σ_i`: the standard error, or the observed value's size (a relative residual).
    pub fn scale(&self) -> f64 {
        self.sd.unwrap_or(self.value.abs())
    }
}

/// A free key with its bounds (infinite where none).
#[derive(Clone, Debug, PartialEq)]
pub struct Free {
    pub key: String,
    pub lower: f64,
    pub upper: f64,
}

/// Why a calibration cannot be run (every one bad input: exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::error::ReadError,
    },
    /// Problems of the targets file, each at its line (all of them at once).
    #[error("invalid targets ({} problem{}):{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, lines(.0))]
    Targets(Vec<Diagnostic>),
    #[error("--free `{text}`: expected KEY or KEY=LO:HI (either bound may be left out), keys separated by commas")]
    FreeSyntax { text: String },
    #[error("--free `{key}`: {detail}")]
    FreeBounds { key: String, detail: String },
    #[error("--free `{key}` is given twice")]
    FreeTwice { key: String },
    #[error("--free `{key}`: {source}")]
    FreeKey {
        key: String,
        #[source]
        source: PolicyError,
    },
    #[error("--free `{key}` holds {found}: only a key with one number can be fitted (a schedule's year, e.g. `{key}.2008`, can)")]
    NotOneNumber { key: String, found: &'static str },
    #[error("--free `{key}` is not in the scenario and has no finite bounds to start from: write a starting value in the scenario, or give LO:HI")]
    NoStart { key: String },
    #[error(
        "--free `{key}` = {value} (a bound) makes the scenario invalid: {}",
        render(problems)
    )]
    BoundInvalid {
        key: String,
        value: f64,
        problems: Vec<Diagnostic>,
    },
    #[error("no free keys: give --free KEY[,KEY...]")]
    NoFree,
    /// The projection cannot be computed from the starting values.
    #[error("the projection cannot be computed at the starting values ({detail})")]
    Start { detail: String },
    #[error("least squares: {0}")]
    Solver(#[from] LeastSquaresError),
}

/// Diagnostics as indented lines.
fn lines(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("\n  {d}")).collect()
}

/// Reads the targets file and checks each target against the scenario's model: a yearly
/// metric it reports, a year of its projection, finite numbers. Every problem is reported
/// at once, with its line.
///
/// ```toml
/// [[target]]
/// metric = "contributions"
/// year = 2005
/// value = 360e6
/// sd = 2.9e6          # optional: standard error of the observed value
/// tolerance = 5e6     # optional: met when within this
/// weight = 1          # optional (default 1)
/// ```
pub fn read_targets(path: &Path, model: &Model) -> Result<Vec<Target>, CalibrationError> {
    let bytes = crate::error::read_input(path).map_err(|source| CalibrationError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CalibrationError::Targets(vec![Diagnostic {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message: "not UTF-8 text".into(),
        }])
    })?;
    targets_from_text(path, &text, model)
}

/// [`read_targets`] on text, named `name` in its diagnostics.
pub fn targets_from_text(
    name: &Path,
    text: &str,
    model: &Model,
) -> Result<Vec<Target>, CalibrationError> {
    let mut sources = Sources::default();
    let root = crate::document::parse_text(name, text, &mut sources)
        .map_err(|e| CalibrationError::Targets(e.diagnostics().to_vec()))?;
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let Value::Table(table) = &root.value else {
        unreachable!("a TOML document is a table")
    };
    for e in &table.entries {
        if e.key != "target" {
            diags.push(sources.diag(
                e.key_loc,
                &e.key,
                "unknown key: a targets file has only [[target]] tables",
            ));
        }
    }
    let items: Vec<&Node> = match table.get("target").map(|n| &n.value) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(_) => {
            let n = table.get("target").expect("just matched");
            diags.push(sources.diag(n.loc, "target", "expected [[target]] tables"));
            Vec::new()
        }
        None => {
            diags.push(Diagnostic {
                file: name.to_path_buf(),
                line: 0,
                column: 0,
                key: "target".into(),
                message: "no targets: write one [[target]] table per observed figure".into(),
            });
            Vec::new()
        }
    };
    // The pension's metrics of the model, then those of the other funds that are on.
    let metrics: Vec<&'static str> = REGISTRY
        .iter()
        .take(crate::metrics::metrics_of(model))
        .filter(|m| m.kind == Kind::Yearly)
        .map(|m| m.key)
        .chain(
            crate::metrics::fund_metrics_of(model)
                .into_iter()
                .map(|i| REGISTRY[i].key),
        )
        .collect();
    let frame = model.frame;
    for (i, item) in items.iter().enumerate() {
        let base = format!("target[{}]", i + 1);
        let Value::Table(t) = &item.value else {
            diags.push(sources.diag(item.loc, &base, "expected a table"));
            continue;
        };
        let key = |k: &str| format!("{base}.{k}");
        for e in &t.entries {
            if !["metric", "year", "value", "weight", "sd", "tolerance"].contains(&e.key.as_str()) {
                diags.push(sources.diag(
                    e.key_loc,
                    &key(&e.key),
                    "unknown key: expected metric, year, value, weight, sd or tolerance",
                ));
            }
        }
        let number = |k: &str, diags: &mut Vec<Diagnostic>| -> Option<f64> {
            let n = t.get(k)?;
            match n.value {
                Value::Int(v) => Some(v as f64),
                Value::Float(v) if v.is_finite() => Some(v),
                _ => {
                    diags.push(sources.diag(
                        n.loc,
                        &key(k),
                        format!("expected a finite number, found {}", n.value.type_name()),
                    ));
                    None
                }
            }
        };
        let metric = match t.get("metric") {
            Some(Node {
                value: Value::Str(s),
                loc,
            }) => match metrics.iter().find(|m| **m == s.as_str()) {
                Some(m) => Some(*m),
                None => {
                    diags.push(sources.diag(
                        *loc,
                        &key("metric"),
                        format!(
                            "unknown metric `{s}`: expected a yearly metric of this scenario ({})",
                            metrics.join(", ")
                        ),
                    ));
                    None
                }
            },
            Some(n) => {
                diags.push(sources.diag(
                    n.loc,
                    &key("metric"),
                    format!(
                        "expected a metric name (a string), found {}",
                        n.value.type_name()
                    ),
                ));
                None
            }
            None => {
                diags.push(sources.diag(item.loc, &key("metric"), "missing required key"));
                None
            }
        };
        let year = match t.get("year") {
            Some(Node {
                value: Value::Int(y),
                loc,
            }) => {
                if *y < frame.base_year as i64 || *y > frame.horizon as i64 {
                    diags.push(sources.diag(
                        *loc,
                        &key("year"),
                        format!(
                            "{y} is outside the projection: expected a year in {}..={}",
                            frame.base_year, frame.horizon
                        ),
                    ));
                    None
                } else {
                    Some(*y as i32)
                }
            }
            Some(n) => {
                diags.push(sources.diag(
                    n.loc,
                    &key("year"),
                    format!(
                        "expected a year (an integer), found {}",
                        n.value.type_name()
                    ),
                ));
                None
            }
            None => {
                diags.push(sources.diag(item.loc, &key("year"), "missing required key"));
                None
            }
        };
        let value = number("value", &mut diags);
        if value.is_none() && t.get("value").is_none() {
            diags.push(sources.diag(item.loc, &key("value"), "missing required key"));
        }
        let positive = |k: &str, diags: &mut Vec<Diagnostic>| -> Option<Option<f64>> {
            match number(k, diags) {
                Some(v) if v > 0.0 => Some(Some(v)),
                Some(v) => {
                    let loc = t.get(k).expect("read above").loc;
                    diags.push(sources.diag(
                        loc,
                        &key(k),
                        format!("{v} is out of range: expected a number above 0"),
                    ));
                    None
                }
                None if t.get(k).is_some() => None,
                None => Some(None),
            }
        };
        let weight = positive("weight", &mut diags);
        let sd = positive("sd", &mut diags);
        let tolerance = match number("tolerance", &mut diags) {
            Some(v) if v >= 0.0 => Some(Some(v)),
            Some(v) => {
                let loc = t.get("tolerance").expect("read above").loc;
                diags.push(sources.diag(
                    loc,
                    &key("tolerance"),
                    format!("{v} is out of range: expected a number >= 0"),
                ));
                None
            }
            None if t.get("tolerance").is_some() => None,
            None => Some(None),
        };
        if let (Some(0.0), Some(None)) = (value, sd) {
            diags.push(sources.diag(
                t.get("value").expect("read above").loc,
                &key("value"),
                "an observed value of 0 needs an `sd` (the residual is relative to the value otherwise)",
            ));
            continue;
        }
        if let (Some(metric), Some(year), Some(value), Some(weight), Some(sd), Some(tolerance)) =
            (metric, year, value, weight, sd, tolerance)
        {
            if out
                .iter()
                .any(|o: &Target| o.metric == metric && o.year == year)
            {
                diags.push(sources.diag(
                    item.loc,
                    &base,
                    format!("`{metric}` in {year} is already a target"),
                ));
                continue;
            }
            out.push(Target {
                metric,
                index: crate::metrics::METRICS
                    .iter()
                    .position(|m| *m == metric)
                    .expect("a yearly metric"),
                year,
                value,
                weight: weight.unwrap_or(1.0),
                sd,
                tolerance,
            });
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(CalibrationError::Targets(diags))
    }
}

/// Parses the `--free` values: `KEY` or `KEY=LO:HI` (either bound may be left out:
/// `KEY=0:`, `KEY=:1`), separated by commas or in several flags.
pub fn parse_free(texts: &[String]) -> Result<Vec<Free>, CalibrationError> {
    let mut out: Vec<Free> = Vec::new();
    for text in texts {
        for item in text.split(',') {
            let item = item.trim();
            let bad = || CalibrationError::FreeSyntax { text: item.into() };
            let (key, bounds) = match item.split_once('=') {
                Some((k, b)) => (k.trim(), Some(b.trim())),
                None => (item, None),
            };
            if key.is_empty() {
                return Err(bad());
            }
            let (lower, upper) = match bounds {
                None => (f64::NEG_INFINITY, f64::INFINITY),
                Some(b) => {
                    let (lo, hi) = b.split_once(':').ok_or_else(bad)?;
                    let bound = |s: &str, none: f64| -> Result<f64, CalibrationError> {
                        let s = s.trim();
                        if s.is_empty() {
                            return Ok(none);
                        }
                        match s.parse::<f64>() {
                            Ok(v) if v.is_finite() => Ok(v),
                            _ => Err(CalibrationError::FreeBounds {
                                key: key.into(),
                                detail: format!("bound `{s}` is not a finite number"),
                            }),
                        }
                    };
                    (bound(lo, f64::NEG_INFINITY)?, bound(hi, f64::INFINITY)?)
                }
            };
            if lower >= upper {
                return Err(CalibrationError::FreeBounds {
                    key: key.into(),
                    detail: format!("bounds {lower}:{upper}: expected LO < HI"),
                });
            }
            if out.iter().any(|f| f.key == key) {
                return Err(CalibrationError::FreeTwice { key: key.into() });
            }
            out.push(Free {
                key: key.into(),
                lower,
                upper,
            });
        }
    }
    if out.is_empty() {
        return Err(CalibrationError::NoFree);
    }
    Ok(out)
}

/// A fitted key.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub key: String,
    /// The scenario's value (projected on the bounds).
    pub start: f64,
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    /// `None` where it cannot be given: at a bound, not determined by the targets, or no
    /// residual variance to scale by.
    pub standard_error: Option<f64>,
    pub at_bound: bool,
    /// Whether the targets determine it (its column of `J` is not zero and not a
    /// combination of the others').
    pub determined: bool,
}

/// A target with its fitted value.
#[derive(Clone, Debug, PartialEq)]
pub struct Residual {
    pub target: Target,
    pub fitted: f64,
    /// `ρ_i = √w_i (f_i − y_i) / σ_i`.
    pub scaled: f64,
    /// `|f_i − y_i| <= tolerance`, when the target has a tolerance.
    pub within: Option<bool>,
}

/// How the standard errors are scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ErrorScale {
    /// Every target gives an `sd`: `s² = 1`.
    Known,
    /// `s² = S / (n − p)`, the residual variance.
    Residual(f64),
    /// `n ≤ p`: no residual variance, no standard errors.
    NotEstimable,
}

/// The result of [`calibrate`].
#[derive(Clone, Debug)]
pub struct Calibration {
    pub parameters: Vec<Parameter>,
    pub residuals: Vec<Residual>,
    /// `S = Σ ρ_i²` at the fit.
    pub sum_of_squares: f64,
    pub scale: ErrorScale,
    /// Correlations of the fitted values (`None` where a standard error is `None`).
    pub correlation: Vec<Vec<Option<f64>>>,
    pub stop: Stop,
    pub iterations: usize,
    pub evaluations: usize,
    /// What a reader of the results must know: parameters the targets do not determine,
    /// parameters at a bound, targets outside their tolerance, no convergence.
    pub warnings: Vec<String>,
    /// The scenario tree with the fitted values.
    pub tree: Node,
}

/// Checks the free keys against the scenario (each a numeric key holding one number, or
/// a key it may have with finite bounds to start from; each finite bound a valid
/// scenario) and gives the starting values (the scenario's, projected on the bounds).
pub fn starting_values(
    tree: &Node,
    sources: &Sources,
    free: &[Free],
) -> Result<Vec<f64>, CalibrationError> {
    let mut starts = Vec::new();
    for f in free {
        let key = &f.key;
        let probe = number_at(tree, key).unwrap_or(0.0);
        check_lever(tree, sources, key, Change::Set(probe)).map_err(|source| {
            CalibrationError::FreeKey {
                key: key.clone(),
                source,
            }
        })?;
        let start = match (node_at(tree, key), number_at(tree, key)) {
            (_, Some(v)) => v,
            (Some(n), None) => {
                return Err(CalibrationError::NotOneNumber {
                    key: key.clone(),
                    found: match n.value {
                        Value::Table(_) => "a schedule or a table of values",
                        Value::Array(_) => "an array",
                        _ => "something else",
                    },
                })
            }
            (None, None) => match (f.lower.is_finite(), f.upper.is_finite()) {
                (true, true) => 0.5 * (f.lower + f.upper),
                (true, false) => f.lower,
                (false, true) => f.upper,
                (false, false) => return Err(CalibrationError::NoStart { key: key.clone() }),
            },
        };
        for bound in [f.lower, f.upper].into_iter().filter(|b| b.is_finite()) {
            crate::policy::variant(tree, sources, key, Change::Set(bound)).map_err(
                |e| match e {
                    PolicyError::InvalidVariant { problems, .. } => {
                        CalibrationError::BoundInvalid {
                            key: key.clone(),
                            value: bound,
                            problems,
                        }
                    }
                    source => CalibrationError::FreeKey {
                        key: key.clone(),
                        source,
                    },
                },
            )?;
        }
        starts.push(start.clamp(f.lower, f.upper));
    }
    Ok(starts)
}

/// The tree with each free key set to its value in `x`.
fn with_values(tree: &Node, free: &[Free], x: &[f64]) -> Node {
    let mut t = tree.clone();
    for (f, v) in free.iter().zip(x) {
        // The keys were checked by `starting_values`: setting a number cannot fail.
        let _ = apply(&mut t, &f.key, Change::Set(*v));
    }
    t
}

/// The targets' projected values with the free keys at `x`; `Err` with the reason when
/// the scenario is invalid there or its projection is not finite.
fn projected(
    tree: &Node,
    sources: &Sources,
    free: &[Free],
    targets: &[Target],
    x: &[f64],
) -> Result<Vec<f64>, String> {
    let t = with_values(tree, free, x);
    let model = crate::scenario::build(&t, sources).map_err(|e| e.to_string())?;
    let (rows, _) = crate::deterministic(&model);
    crate::export::check_rows(&model, &rows).map_err(|e| e.to_string())?;
    Ok(targets
        .iter()
        .map(|tg| rows[(tg.year - model.frame.base_year) as usize][tg.index])
        .collect())
}

/// Eigenvalues of the scaled `JᵀJ` below this share of the largest: a direction of the
/// parameters the targets do not determine (no standard error for the parameters in it).
pub const UNDETERMINED: f64 = 1e-10;
/// Below this share: determined only poorly (standard errors given, with a warning).
pub const POORLY_DETERMINED: f64 = 1e-6;

/// Fits the free keys to the targets (see the module docs for the criterion and the
/// standard errors).
pub fn calibrate(
    tree: &Node,
    sources: &Sources,
    targets: &[Target],
    free: &[Free],
) -> Result<Calibration, CalibrationError> {
    let start = starting_values(tree, sources, free)?;
    let scaled = |f: &[f64]| -> Vec<f64> {
        targets
            .iter()
            .zip(f)
            .map(|(t, f)| t.weight.sqrt() * (f - t.value) / t.scale())
            .collect()
    };
    projected(tree, sources, free, targets, &start)
        .map_err(|detail| CalibrationError::Start { detail })?;
    let lower: Vec<f64> = free.iter().map(|f| f.lower).collect();
    let upper: Vec<f64> = free.iter().map(|f| f.upper).collect();
    let typical: Vec<f64> = free
        .iter()
        .zip(&start)
        .map(|(f, s)| {
            if *s != 0.0 {
                s.abs()
            } else if (f.upper - f.lower).is_finite() {
                f.upper - f.lower
            } else {
                1.0
            }
        })
        .collect();
    let fit = least_squares::minimize(
        |x| {
            projected(tree, sources, free, targets, x)
                .ok()
                .map(|f| scaled(&f))
        },
        &start,
        &lower,
        &upper,
        &typical,
        &least_squares::Options::default(),
    )?;
    let fitted = projected(tree, sources, free, targets, &fit.x)
        .map_err(|detail| CalibrationError::Start { detail })?;
    let (n, p) = (targets.len(), free.len());
    let all_sd = targets.iter().all(|t| t.sd.is_some());
    let scale = if all_sd {
        ErrorScale::Known
    } else if n > p {
        ErrorScale::Residual(fit.sum_of_squares / (n - p) as f64)
    } else {
        ErrorScale::NotEstimable
    };
    let mut warnings = Vec::new();
    if !fit.stop.converged() {
        warnings.push(format!(
            "the fit did not converge in {} iterations: the values are the best found, not a minimum",
            fit.iterations
        ));
    }
    let at_bound: Vec<bool> = (0..p)
        .map(|j| fit.x[j] == lower[j] || fit.x[j] == upper[j])
        .collect();
    for j in (0..p).filter(|&j| at_bound[j]) {
        warnings.push(format!(
            "`{}` = {} is at its bound: the targets would take it further (no standard error)",
            free[j].key,
            crate::export::num(fit.x[j])
        ));
    }
    let (determined, covariance) = covariance(
        &fit.jacobian,
        &fit.x,
        &typical,
        &at_bound,
        free,
        &mut warnings,
    );
    if n < p {
        warnings.push(format!(
            "{n} targets for {p} free keys: the targets cannot determine every key"
        ));
    }
    let s2 = match scale {
        ErrorScale::Known => Some(1.0),
        ErrorScale::Residual(s2) => Some(s2),
        ErrorScale::NotEstimable => {
            warnings.push(format!(
                "{n} targets for {p} free keys leave no degrees of freedom to estimate the residual variance: no standard errors (give every target an `sd`, the standard error of the observed value, to carry those errors to the parameters)"
            ));
            None
        }
    };
    let se: Vec<Option<f64>> = (0..p)
        .map(|j| {
            let c = covariance.as_ref()?[(j, j)];
            (determined[j] && !at_bound[j]).then_some(())?;
            Some((s2? * c).sqrt())
        })
        .collect();
    let correlation = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    let c = covariance.as_ref()?;
                    se[i]?;
                    se[j]?;
                    Some(c[(i, j)] / (c[(i, i)] * c[(j, j)]).sqrt())
                })
                .collect()
        })
        .collect();
    let residuals: Vec<Residual> = targets
        .iter()
        .zip(&fitted)
        .zip(scaled(&fitted))
        .map(|((t, f), rho)| Residual {
            target: t.clone(),
            fitted: *f,
            scaled: rho,
            within: t.tolerance.map(|tol| (f - t.value).abs() <= tol),
        })
        .collect();
    for r in residuals.iter().filter(|r| r.within == Some(false)) {
        warnings.push(format!(
            "`{}` {}: fitted {} is outside the tolerance {} of the observed {}",
            r.target.metric,
            r.target.year,
            crate::export::num(r.fitted),
            crate::export::num(r.target.tolerance.unwrap_or(0.0)),
            crate::export::num(r.target.value)
        ));
    }
    let parameters = (0..p)
        .map(|j| Parameter {
            key: free[j].key.clone(),
            start: start[j],
            value: fit.x[j],
            lower: lower[j],
            upper: upper[j],
            standard_error: se[j],
            at_bound: at_bound[j],
            determined: determined[j],
        })
        .collect();
    Ok(Calibration {
        parameters,
        residuals,
        sum_of_squares: fit.sum_of_squares,
        scale,
        correlation,
        stop: fit.stop,
        iterations: fit.iterations,
        evaluations: fit.evaluations,
        warnings,
        tree: with_values(tree, free, &fit.x),
    })
}

/// Which parameters the targets determine, and `(JᵀJ)⁺` (the pseudo-inverse over the
/// determined directions, parameters at a bound held fixed), with warnings naming the
/// parameters that are not, or only poorly, determined.
fn covariance(
    jac: &DMatrix<f64>,
    x: &[f64],
    typical: &[f64],
    at_bound: &[bool],
    free: &[Free],
    warnings: &mut Vec<String>,
) -> (Vec<bool>, Option<DMatrix<f64>>) {
    let p = x.len();
    let mut determined = vec![true; p];
    // Each column's effect on the residuals of a change of the parameter by its own size.
    let effect: Vec<f64> = (0..p)
        .map(|j| jac.column(j).norm() * x[j].abs().max(typical[j]))
        .collect();
    let largest = effect.iter().cloned().fold(0.0, f64::max);
    for j in 0..p {
        if effect[j] <= 1e-9 * largest || effect[j] == 0.0 {
            determined[j] = false;
            warnings.push(format!(
                "the targets do not depend on `{}`: it is not determined (left at {})",
                free[j].key,
                crate::export::num(x[j])
            ));
        }
    }
    let active: Vec<usize> = (0..p).filter(|&j| determined[j] && !at_bound[j]).collect();
    if active.is_empty() {
        return (determined, None);
    }
    let k = active.len();
    let a = jac.transpose() * jac;
    let d: Vec<f64> = active.iter().map(|&j| a[(j, j)].sqrt()).collect();
    let c = DMatrix::from_fn(k, k, |i, j| a[(active[i], active[j])] / (d[i] * d[j]));
    let eig = SymmetricEigen::new(c);
    let top = eig.eigenvalues.iter().cloned().fold(0.0, f64::max);
    let mut inverse = DMatrix::zeros(k, k);
    for (e, lambda) in eig.eigenvalues.iter().enumerate() {
        let v = eig.eigenvectors.column(e);
        if *lambda > UNDETERMINED * top {
            inverse += (v * v.transpose()) / *lambda;
        }
        if *lambda <= POORLY_DETERMINED * top {
            let mut names: Vec<usize> = (0..k).filter(|&i| v[i].abs() >= 0.1).collect();
            names.sort_unstable();
            let list = names
                .iter()
                .map(|&i| format!("`{}`", free[active[i]].key))
                .collect::<Vec<_>>()
                .join(", ");
            if *lambda <= UNDETERMINED * top {
                for &i in &names {
                    determined[active[i]] = false;
                }
                warnings.push(format!(
                    "the targets do not determine {list} separately, only a combination of them (scaled JᵀJ singular: eigenvalue {:.1e} of {:.1e}): no standard errors for them",
                    lambda.max(0.0),
                    top
                ));
            } else {
                warnings.push(format!(
                    "the targets determine {list} only poorly (scaled JᵀJ near singular: condition number {:.1e}): large standard errors",
                    top / lambda
                ));
            }
        }
    }
    let mut cov = DMatrix::zeros(p, p);
    for (i, &ji) in active.iter().enumerate() {
        for (j, &jj) in active.iter().enumerate() {
            cov[(ji, jj)] = inverse[(i, j)] / (d[i] * d[j]);
        }
    }
    (determined, Some(cov))
}

/// The path of `file` relative to the folder `dir` (both made absolute and resolved
/// where they exist), with `/` separators, for `extends`.
pub fn relative_path(dir: &Path, file: &Path) -> PathBuf {
    let absolute = |p: &Path| -> PathBuf {
        p.canonicalize().unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (dir, file) = (absolute(dir), absolute(file));
    let d: Vec<_> = dir.components().collect();
    let f: Vec<_> = file.components().collect();
    let common = d.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &f[common..] {
        out.push(c);
    }
    out
}

/// A key part as TOML writes it: bare when it can be.
fn toml_key(part: &str) -> String {
    if !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        part.to_string()
    } else {
        format!("{part:?}")
    }
}

/// `calibrated.toml`: `extends` the scenario (at `extends`, relative to the file's
/// folder) and sets only the fitted keys, in dotted form. A key inside a value that an
/// override replaces whole (a schedule, a pair by sex) is written as that whole value,
/// so the rest of it is kept.
pub fn calibrated_toml(c: &Calibration, extends: &Path, targets_file: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Calibrated by `fundcast calibrate` (fundcast {}) to the targets of {}:",
        crate::VERSION,
        targets_file.display()
    );
    let _ = writeln!(
        out,
        "# only the fitted keys; everything else is the scenario it extends. Residuals:"
    );
    let _ = writeln!(
        out,
        "# calibration.csv; standard errors and bounds: parameters.csv."
    );
    let ext = extends
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let _ = writeln!(out, "extends = {ext:?}");
    let _ = writeln!(out);
    let mut written: Vec<String> = Vec::new();
    for p in &c.parameters {
        let parts: Vec<&str> = p.key.split('.').collect();
        // The shortest prefix that is one value (replaced whole by an override).
        let mut path = parts.len();
        for i in 1..parts.len() {
            let prefix = parts[..i].join(".");
            if let Some(Node {
                value: Value::Table(t),
                ..
            }) = node_at(&c.tree, &prefix)
            {
                if is_value_table(t) {
                    path = i;
                    break;
                }
            }
        }
        let prefix = parts[..path].join(".");
        if written.contains(&prefix) {
            continue;
        }
        let node = node_at(&c.tree, &prefix).expect("a fitted key is in the tree");
        let key = parts[..path]
            .iter()
            .map(|s| toml_key(s))
            .collect::<Vec<_>>()
            .join(".");
        let note = match p.standard_error {
            Some(se) if path == parts.len() => format!("   # s.e. {}", sig(se)),
            _ => String::new(),
        };
        let _ = writeln!(out, "{key} = {}{note}", inline(node));
        written.push(prefix);
    }
    out
}

/// `calibration.csv`: one row per target.
pub fn residuals_csv(c: &Calibration) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "metric",
        "year",
        "observed",
        "fitted",
        "difference",
        "relative_difference",
        "weight",
        "sd",
        "scaled_residual",
        "tolerance",
        "within_tolerance",
    ]);
    let opt = |x: Option<f64>| x.map(crate::export::num).unwrap_or_default();
    for r in &c.residuals {
        let t = &r.target;
        let diff = r.fitted - t.value;
        let rel = (t.value != 0.0).then(|| diff / t.value);
        let _ = w.write_record([
            t.metric.to_string(),
            t.year.to_string(),
            crate::export::num(t.value),
            crate::export::num(r.fitted),
            crate::export::num(diff),
            opt(rel),
            crate::export::num(t.weight),
            opt(t.sd),
            crate::export::num(r.scaled),
            opt(t.tolerance),
            r.within.map(|b| b.to_string()).unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 CSV")
}

/// `parameters.csv`: one row per free key, with the correlations of the fitted values
/// (a column `corr:KEY` for each key).
pub fn parameters_csv(c: &Calibration) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "key",
        "start",
        "fitted",
        "lower",
        "upper",
        "standard_error",
        "relative_standard_error",
        "at_bound",
        "determined",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(c.parameters.iter().map(|p| format!("corr:{}", p.key)));
    let _ = w.write_record(&header);
    let opt = |x: Option<f64>| x.map(crate::export::num).unwrap_or_default();
    let finite = |x: f64| x.is_finite().then_some(x);
    for (i, p) in c.parameters.iter().enumerate() {
        let mut row = vec![
            p.key.clone(),
            crate::export::num(p.start),
            crate::export::num(p.value),
            opt(finite(p.lower)),
            opt(finite(p.upper)),
            opt(p.standard_error),
            opt(p
                .standard_error
                .filter(|_| p.value != 0.0)
                .map(|se| se / p.value.abs())),
            p.at_bound.to_string(),
            p.determined.to_string(),
        ];
        row.extend(c.correlation[i].iter().map(|x| opt(*x)));
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 CSV")
}

/// A number with about five significant digits, for people.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (4 - crate::math::log10(x.abs()).floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The terminal report: how the fit ended, the residuals, the parameters and their
/// standard errors, the correlations, the warnings.
pub fn report(c: &Calibration, scenario: &Path, targets_file: &Path) -> String {
    let mut out = String::new();
    let (n, p) = (c.residuals.len(), c.parameters.len());
    let _ = writeln!(
        out,
        "Calibration of {} to {n} target{} of {}, {p} free key{}",
        scenario.display(),
        if n == 1 { "" } else { "s" },
        targets_file.display(),
        if p == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "Levenberg–Marquardt: {} after {} iteration{} ({} projections); S = Σ ρ² = {:.4e} on {} degree{} of freedom",
        c.stop.describe(),
        c.iterations,
        if c.iterations == 1 { "" } else { "s" },
        c.evaluations,
        c.sum_of_squares,
        n as i64 - p as i64,
        if n as i64 - p as i64 == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "Standard errors: {}",
        match c.scale {
            ErrorScale::Known =>
                "from the targets' sd (s² = 1: the observations' errors carried to the parameters)"
                    .to_string(),
            ErrorScale::Residual(s2) =>
                format!("scaled by the residual variance s² = S/(n − p) = {s2:.4e}"),
            ErrorScale::NotEstimable =>
                "none (no residual variance: n <= p and not every target has an sd)".to_string(),
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<24} {:>5} {:>16} {:>16} {:>14} {:>9} {:>9}  within tol.",
        "target", "year", "observed", "fitted", "difference", "rel.", "ρ"
    );
    for r in &c.residuals {
        let t = &r.target;
        let diff = r.fitted - t.value;
        let rel = if t.value != 0.0 {
            format!("{:+.3}%", 100.0 * diff / t.value)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<24} {:>5} {:>16} {:>16} {:>14} {:>9} {:>9.2e}  {}",
            t.metric,
            t.year,
            sig(t.value),
            sig(r.fitted),
            format!("{diff:+.4e}"),
            rel,
            r.scaled,
            match r.within {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            }
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<36} {:>16} {:>20} {:>14} {:>9}  bounds",
        "free key", "start", "fitted", "std. error", "rel. s.e."
    );
    for p in &c.parameters {
        let se = p
            .standard_error
            .map(sig)
            .unwrap_or_else(|| if p.at_bound { "at bound" } else { "-" }.into());
        let rel = p
            .standard_error
            .filter(|_| p.value != 0.0)
            .map(|s| format!("{:.3}%", 100.0 * s / p.value.abs()))
            .unwrap_or_default();
        let b = |x: f64, inf: &str| {
            if x.is_finite() {
                crate::export::num(x)
            } else {
                inf.to_string()
            }
        };
        let _ = writeln!(
            out,
            "{:<36} {:>16} {:>20} {:>14} {:>9}  [{}, {}]",
            p.key,
            sig(p.start),
            format!("{}", p.value),
            se,
            rel,
            b(p.lower, "-inf"),
            b(p.upper, "inf")
        );
    }
    if p > 1 && c.correlation.iter().flatten().any(|x| x.is_some()) {
        let _ = writeln!(out);
        let _ = writeln!(out, "Correlations of the fitted values:");
        for (i, row) in c.correlation.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .map(|x| {
                    x.map(|v| format!("{v:7.3}"))
                        .unwrap_or_else(|| "      -".into())
                })
                .collect();
            let _ = writeln!(out, "  {:<36} {}", c.parameters[i].key, cells.join(" "));
        }
    }
    for w in &c.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}
