//! Economic assumptions from history (`fundcast fit-economy`, docs/calibration.md): the
//! AR(1) processes and the correlation matrix of the scenario's `[economy]` section
//! estimated from a yearly series.
//!
//! Takes a CSV file `year,wage_growth,inflation,fund_return` (optionally
//! `entrant_growth`, and `unemployment`, printed for the `[unemployment]` section), one row per
//! consecutive year, rates as decimals (0.05) or, with `percent`, in percent; gives per
//! series the ordinary least-squares fit of MODEL.md's process with a constant mean,
//!
//! ```text
//! x_t = a + φ x_{t−1} + e_t   (OLS over the n = years − 1 transitions),
//! μ = a / (1 − φ),   σ² = Σ e_t² / (n − 2),
//! ```
//!
//! the standard errors of `φ` (`σ / √Σ(x_{t−1} − x̄)²`) and of `μ` (delta method), the
//! correlation matrix of the residuals `e` (the shocks' correlation, as the scenario's
//! `correlation` is), and the text of the `[economy]` section in the loader's keys.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::economy::VARIABLE_KEYS;

/// The column of the unemployment rate (estimated and printed, commented out, as the
/// `rate` of unemployment insurance's `[unemployment]` section).
pub const UNEMPLOYMENT: &str = "unemployment";

/// Why a history cannot be fitted (every one bad input: exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum FitEconomyError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::error::ReadError,
    },
    #[error("{}:{line}: {message}", file.display())]
    Csv {
        file: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{}:1: missing column `{column}` (the header has: {header})", file.display())]
    MissingColumn {
        file: PathBuf,
        column: String,
        header: String,
    },
    #[error("{}:1: column `{column}`: {message}", file.display())]
    BadColumn {
        file: PathBuf,
        column: String,
        message: String,
    },
    #[error("{}:{line}: column `{column}`: {message}", file.display())]
    BadValue {
        file: PathBuf,
        line: u64,
        column: String,
        message: String,
    },
    #[error("{}: {years} years of data: expected at least {needed} for {series} series (an AR(1) and the correlations need them)", file.display())]
    TooFewYears {
        file: PathBuf,
        years: usize,
        needed: usize,
        series: usize,
    },
    #[error("{}: the residuals' correlation matrix is not positive definite ({detail}): a series is a combination of the others", file.display())]
    Singular { file: PathBuf, detail: String },
}

/// A yearly series read from the CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub file: PathBuf,
    pub years: Vec<i32>,
    /// `(column, values)`: the scenario's variables in its order, then `unemployment`.
    pub series: Vec<(String, Vec<f64>)>,
}

/// Reads a history file (a regular file of at most 16 MiB, UTF-8).
pub fn read_history(path: &Path, percent: bool) -> Result<History, FitEconomyError> {
    let bytes = crate::error::read_input(path).map_err(|source| FitEconomyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| FitEconomyError::Csv {
        file: path.to_path_buf(),
        line: 1,
        message: "not UTF-8 text".into(),
    })?;
    history_from_text(path, &text, percent)
}

/// [`read_history`] on text named `name`. Lines starting with `#` are comments.
pub fn history_from_text(
    name: &Path,
    text: &str,
    percent: bool,
) -> Result<History, FitEconomyError> {
    let file = name.to_path_buf();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| FitEconomyError::Csv {
        file: file.clone(),
        line: e.position().map_or(1, |p| p.line()),
        message: e.to_string(),
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let known: Vec<&str> = std::iter::once("year")
        .chain(VARIABLE_KEYS)
        .chain([UNEMPLOYMENT])
        .collect();
    for (i, h) in header.iter().enumerate() {
        if !known.contains(&h.as_str()) {
            return Err(FitEconomyError::BadColumn {
                file,
                column: h.clone(),
                message: format!("unknown column: expected {}", known.join(", ")),
            });
        }
        if header[..i].contains(h) {
            return Err(FitEconomyError::BadColumn {
                file,
                column: h.clone(),
                message: "given twice".into(),
            });
        }
    }
    for required in ["year", "wage_growth", "inflation", "fund_return"] {
        if !header.iter().any(|h| h == required) {
            return Err(FitEconomyError::MissingColumn {
                file,
                column: required.into(),
                header: header.join(", "),
            });
        }
    }
    let columns: Vec<&str> = known[1..]
        .iter()
        .copied()
        .filter(|k| header.iter().any(|h| h == k))
        .collect();
    let at = |k: &str| header.iter().position(|h| h == k).expect("checked above");
    let mut years = Vec::new();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |k: &str| record.get(at(k)).unwrap_or("");
        let bad = |column: &str, message: String| FitEconomyError::BadValue {
            file: file.clone(),
            line,
            column: column.into(),
            message,
        };
        let y = cell("year");
        let year: i32 = y
            .parse()
            .map_err(|_| bad("year", format!("`{y}` is not a year (an integer)")))?;
        if let Some(prev) = years.last() {
            if year != prev + 1 {
                return Err(bad(
                    "year",
                    format!("{year} after {prev}: expected consecutive years, in order"),
                ));
            }
        }
        years.push(year);
        for (j, k) in columns.iter().enumerate() {
            let t = cell(k);
            let v: f64 = match t.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => return Err(bad(k, format!("`{t}` is not a finite number"))),
            };
            values[j].push(if percent { v / 100.0 } else { v });
        }
    }
    let k = columns.len();
    let needed = k + 3;
    if years.len() < needed {
        return Err(FitEconomyError::TooFewYears {
            file,
            years: years.len(),
            needed,
            series: k,
        });
    }
    Ok(History {
        file,
        years,
        series: columns.iter().map(|c| c.to_string()).zip(values).collect(),
    })
}

/// One series' AR(1).
#[derive(Clone, Debug, PartialEq)]
pub struct Ar1 {
    pub name: String,
    /// `μ`.
    pub mean: f64,
    /// `φ`.
    pub phi: f64,
    /// `σ`.
    pub sigma: f64,
    /// The last value of the series (the scenario's `initial` when its base year is the
    /// series' last year).
    pub last: f64,
    pub se_mean: f64,
    pub se_phi: f64,
    /// The residuals `e_t`, one per transition.
    pub residuals: Vec<f64>,
}

/// The fitted processes and correlations.
#[derive(Clone, Debug, PartialEq)]
pub struct EconomyFit {
    pub first_year: i32,
    pub last_year: i32,
    pub series: Vec<Ar1>,
    /// Correlations of the residuals, in the order of `series`.
    pub correlation: Vec<Vec<f64>>,
    /// Values held at the loader's ranges, series too short for comfort.
    pub warnings: Vec<String>,
}

/// The largest `|φ|` a scenario takes.
const MAX_PHI: f64 = 0.999;

/// OLS of `x_t` on `x_{t−1}` (see the module docs).
pub fn ar1(name: &str, x: &[f64], warnings: &mut Vec<String>) -> Ar1 {
    let n = x.len() - 1;
    let (prev, next) = (&x[..n], &x[1..]);
    let nf = n as f64;
    let mp = prev.iter().sum::<f64>() / nf;
    let mn = next.iter().sum::<f64>() / nf;
    let sxx: f64 = prev.iter().map(|p| (p - mp) * (p - mp)).sum();
    let sxy: f64 = prev
        .iter()
        .zip(next)
        .map(|(p, q)| (p - mp) * (q - mn))
        .sum();
    let mut phi = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let a = mn - phi * mp;
    let residuals: Vec<f64> = prev
        .iter()
        .zip(next)
        .map(|(p, q)| q - a - phi * p)
        .collect();
    let s2 = residuals.iter().map(|e| e * e).sum::<f64>() / (nf - 2.0);
    let mut sigma = s2.sqrt();
    let se_phi = if sxx > 0.0 { (s2 / sxx).sqrt() } else { 0.0 };
    // Var(a) = s² (1/n + x̄p²/Sxx), Cov(a, φ) = −x̄p s²/Sxx; μ = a/(1 − φ).
    let (var_a, cov) = if sxx > 0.0 {
        (s2 * (1.0 / nf + mp * mp / sxx), -mp * s2 / sxx)
    } else {
        (s2 / nf, 0.0)
    };
    let mut mean = a / (1.0 - phi);
    let (da, dphi) = (1.0 / (1.0 - phi), a / ((1.0 - phi) * (1.0 - phi)));
    let mut se_mean =
        (da * da * var_a + 2.0 * da * dphi * cov + dphi * dphi * se_phi * se_phi).sqrt();
    if sxx == 0.0 {
        warnings.push(format!(
            "`{name}` is constant: phi = 0 and sigma = 0, no correlation with the others"
        ));
    }
    if phi.abs() > MAX_PHI {
        warnings.push(format!(
            "`{name}`: phi = {phi:.4} (a unit root or beyond), held at {} (a scenario takes |phi| <= 0.999), and the mean is the series' average",
            MAX_PHI.copysign(phi)
        ));
        phi = MAX_PHI.copysign(phi);
        mean = x.iter().sum::<f64>() / x.len() as f64;
        se_mean = f64::NAN;
    }
    if sigma > 1.0 {
        warnings.push(format!(
            "`{name}`: sigma = {sigma:.4}, held at 1 (a scenario takes sigma in [0, 1]): are the values in percent? (--percent)"
        ));
        sigma = 1.0;
    }
    if !(-0.99..=10.0).contains(&mean) {
        warnings.push(format!(
            "`{name}`: mean = {mean:.4} is outside a scenario's range of rates [-0.99, 10]: are the values in percent? (--percent)"
        ));
    }
    Ar1 {
        name: name.to_string(),
        mean,
        phi,
        sigma,
        last: x[n],
        se_mean,
        se_phi,
        residuals,
    }
}

/// Series shorter than this get a warning: the OLS `φ` is biased down by about
/// `(1 + 3φ)/n` (Kendall 1954).
pub const SHORT_SERIES: usize = 20;

/// Fits every series of `h` and the correlation of their residuals.
pub fn fit(h: &History) -> Result<EconomyFit, FitEconomyError> {
    let mut warnings = Vec::new();
    let series: Vec<Ar1> = h
        .series
        .iter()
        .map(|(name, x)| ar1(name, x, &mut warnings))
        .collect();
    let k = series.len();
    let norm: Vec<f64> = series
        .iter()
        .map(|s| s.residuals.iter().map(|e| e * e).sum::<f64>().sqrt())
        .collect();
    let correlation: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| {
                    if i == j {
                        1.0
                    } else if norm[i] == 0.0 || norm[j] == 0.0 {
                        0.0
                    } else {
                        let dot: f64 = series[i]
                            .residuals
                            .iter()
                            .zip(&series[j].residuals)
                            .map(|(a, b)| a * b)
                            .sum();
                        dot / (norm[i] * norm[j])
                    }
                })
                .collect()
        })
        .collect();
    crate::economy::cholesky(&correlation).map_err(|e| FitEconomyError::Singular {
        file: h.file.clone(),
        detail: e.to_string(),
    })?;
    if h.years.len() < SHORT_SERIES {
        warnings.push(format!(
            "{} years only: the OLS phi is biased down by about (1 + 3 phi)/n, and the correlations are rough",
            h.years.len()
        ));
    }
    Ok(EconomyFit {
        first_year: h.years[0],
        last_year: h.years[h.years.len() - 1],
        series,
        correlation,
        warnings,
    })
}

/// The matrix of the scenario's variables, rounded to `digits`, as TOML.
fn matrix(rows: &[Vec<f64>], digits: usize) -> String {
    let cell = |v: f64| {
        if v == 1.0 {
            "1.0".to_string()
        } else {
            let s = format!("{v:.digits$}");
            // −0.000 reads as 0.
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0.0".to_string()
            } else {
                s
            }
        }
    };
    let body: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "[{}]",
                r.iter().map(|v| cell(*v)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    format!("[{}]", body.join(", "))
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The `[economy]` section (its processes and correlations) as the loader reads it, with
/// comments: the source, the method, the standard errors, the unemployment rate.
pub fn section(f: &EconomyFit, source: &Path) -> String {
    let mut out = String::new();
    let n = f.last_year - f.first_year;
    let _ = writeln!(
        out,
        "# Fitted by `fundcast fit-economy {}` (fundcast {}) to {}–{} ({} transitions):",
        source.display(),
        crate::VERSION,
        f.first_year,
        f.last_year,
        n
    );
    let _ = writeln!(
        out,
        "# per series the OLS AR(1) x_t = mean + phi (x_(t-1) - mean) + sigma e_t (sigma on n - 2"
    );
    let _ = writeln!(
        out,
        "# degrees of freedom), the correlation of the residuals. `initial` is the series' value"
    );
    let _ = writeln!(
        out,
        "# of {}: keep it when the scenario's base year is {}, else drop it. Add the base",
        f.last_year, f.last_year
    );
    let _ = writeln!(
        out,
        "# year's `average_wage` (and `discount_rate`, `entrant_growth` if wanted)."
    );
    for w in &f.warnings {
        let _ = writeln!(out, "# warning: {w}");
    }
    let _ = writeln!(out, "[economy]");
    let scenario: Vec<usize> = (0..f.series.len())
        .filter(|&i| f.series[i].name != UNEMPLOYMENT)
        .collect();
    let process = |s: &Ar1| {
        let se_mean = if s.se_mean.is_finite() {
            format!("{:.4}", s.se_mean)
        } else {
            "-".into()
        };
        (
            format!(
                "{{ mean = {:.4}, phi = {:.3}, sigma = {:.4}, initial = {:.4} }}",
                round(s.mean, 4),
                round(s.phi, 3),
                round(s.sigma, 4),
                round(s.last, 4)
            ),
            format!("# s.e.: mean {se_mean}, phi {:.3}", s.se_phi),
        )
    };
    for &i in &scenario {
        let s = &f.series[i];
        let (p, c) = process(s);
        let _ = writeln!(out, "{} = {p}   {c}", s.name);
    }
    let sub: Vec<Vec<f64>> = scenario
        .iter()
        .map(|&i| scenario.iter().map(|&j| f.correlation[i][j]).collect())
        .collect();
    // Three decimals, unless rounding makes the matrix invalid (then six, then all).
    let text = [3usize, 6]
        .iter()
        .map(|&d| {
            let r: Vec<Vec<f64>> = sub
                .iter()
                .map(|row| row.iter().map(|v| round(*v, d as i32)).collect())
                .collect();
            (d, r)
        })
        .find(|(_, r)| crate::economy::cholesky(r).is_ok())
        .map(|(d, r)| matrix(&r, d))
        .unwrap_or_else(|| matrix(&sub, 17));
    let order: Vec<&str> = scenario
        .iter()
        .map(|&i| f.series[i].name.as_str())
        .collect();
    let _ = writeln!(out, "correlation = {text}   # order: {}", order.join(", "));
    if let Some(u) = f.series.iter().position(|s| s.name == UNEMPLOYMENT) {
        let s = &f.series[u];
        let (p, c) = process(s);
        let corr: Vec<String> = scenario
            .iter()
            .map(|&j| format!("{} = {:.3}", f.series[j].name, f.correlation[u][j]))
            .collect();
        let p = p.trim_end_matches(" }");
        let _ = writeln!(
            out,
            "# The unemployment rate is unemployment insurance's process (docs/scenario-format.md,\n\
             # `[unemployment]`): in a scenario with that fund on, uncomment these two lines.\n\
             # [unemployment]\n\
             # rate = {p}, correlation = {{ {} }} }}   {c}",
            corr.join(", "),
        );
    }
    out
}
