//! Measures of a projection that policy questions are asked about, and targets on them.
//!
//! Takes a model (and Monte Carlo options where the measure needs paths); gives the
//! measure's value and its Monte Carlo standard error. Used by `solve` and `sensitivity`.

use crate::metrics::{metrics_of, position, PATH_MEASURES};
use crate::model::Model;
use crate::montecarlo::{self, Options};

/// Why a measure or target cannot be read or evaluated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MeasureError {
    #[error(
        "unknown measure `{text}` (expected one of: {}, or METRIC(YEAR) for a yearly metric of docs/model.md, e.g. medical_pool_end(2010))",
        MEASURE_NAMES.join(", ")
    )]
    Unknown { text: String },
    #[error(
        "{measure}: Monte Carlo runs do not summarise this metric (docs/montecarlo.md lists those they do); evaluate it without paths (--paths 0)"
    )]
    NotSummarised { measure: String },
    #[error("{measure}: this scenario does not report `{metric}` (it needs {scope})")]
    NotReported {
        measure: String,
        metric: &'static str,
        scope: &'static str,
    },
    #[error("`{text}`: expected p_depleted_by(YEAR)")]
    BadYear { text: String },
    #[error(
        "`{text}`: expected MEASURE OP VALUE with OP one of <=, <, >=, > (e.g. \"p_depleted_by(2050) <= 0.05\")"
    )]
    BadTarget { text: String },
    #[error("`{text}` is not a number")]
    NotANumber { text: String },
    #[error("`{text}` is not a finite number: a target value must be finite")]
    NotFinite { text: String },
    #[error("{measure}: the year {year} is outside the projected years {base_year}..={horizon}")]
    YearOutOfRange {
        measure: String,
        year: i32,
        base_year: i32,
        horizon: i32,
    },
    #[error("{measure} needs Monte Carlo paths (--paths N)")]
    NeedsPaths { measure: String },
    #[error(
        "{measure} is {value}, not a finite number: the scenario's numbers overflow (e.g. a fund return or a horizon too large)"
    )]
    NonFinite { measure: String, value: f64 },
}

/// A number computed from a scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// Deterministic depletion year (the horizon + 1 when the fund lasts).
    DepletionYear,
    /// Monte Carlo probability that the fund is depleted by the end of the year.
    PDepletedBy(i32),
    /// Cumulative deficit over y0+1..yH (Monte Carlo mean; deterministic without paths).
    CumulativeDeficit,
    /// Cumulative subsidy over y0+1..yH (idem).
    CumulativeSubsidy,
    /// Present value of the deficits (idem).
    PvDeficits,
    /// A yearly metric (an index into a [`Row`](crate::projection::Row)) in a year:
    /// its Monte Carlo mean (the deterministic value without paths), e.g.
    /// `medical_depleted(2010)`, whose mean is the probability that the medical pool has
    /// run out by 2010.
    Yearly { metric: usize, year: i32 },
}

/// Names accepted on the command line (from the registry: its scenario measures, then
/// its per-path measures; `(YEAR)`: the measure takes a year).
pub use crate::metrics::MEASURE_NAMES;

impl Measure {
    /// The measure of a registry key, with its year for a key ending in `(YEAR)`.
    fn of_key(key: &str, year: i32) -> Measure {
        match key {
            "depletion_year" => Measure::DepletionYear,
            "p_depleted_by(YEAR)" => Measure::PDepletedBy(year),
            "cumulative_deficit" => Measure::CumulativeDeficit,
            "cumulative_subsidy" => Measure::CumulativeSubsidy,
            "pv_deficits" => Measure::PvDeficits,
            _ => unreachable!("the measure `{key}` of the registry has no variant"),
        }
    }

    /// The measure's key in the registry ([`MEASURE_NAMES`]).
    pub fn key(&self) -> &'static str {
        // Looked up at compile time: a key missing from the registry fails the build.
        macro_rules! key {
            ($k:literal) => {
                const { MEASURE_NAMES[position(&MEASURE_NAMES, $k)] }
            };
        }
        match self {
            Measure::DepletionYear => key!("depletion_year"),
            Measure::PDepletedBy(_) => key!("p_depleted_by(YEAR)"),
            Measure::CumulativeDeficit => key!("cumulative_deficit"),
            Measure::CumulativeSubsidy => key!("cumulative_subsidy"),
            Measure::PvDeficits => key!("pv_deficits"),
            Measure::Yearly { metric, .. } => crate::metrics::METRICS[*metric],
        }
    }

    /// Reads one of [`MEASURE_NAMES`], `YEAR` written as a year.
    pub fn parse(text: &str) -> Result<Measure, MeasureError> {
        let t = text.trim();
        for key in MEASURE_NAMES {
            if let Some(prefix) = key.strip_suffix("YEAR)") {
                if let Some(rest) = t.strip_prefix(prefix) {
                    let year = rest
                        .strip_suffix(')')
                        .and_then(|y| y.trim().parse::<i32>().ok())
                        .ok_or_else(|| MeasureError::BadYear { text: t.into() })?;
                    return Ok(Measure::of_key(key, year));
                }
            } else if t == key {
                return Ok(Measure::of_key(key, 0));
            }
        }
        // METRIC(YEAR): a yearly metric in a year.
        if let Some((name, rest)) = t.split_once('(') {
            if let Some(metric) = crate::metrics::METRICS
                .iter()
                .position(|m| *m == name.trim())
            {
                let year = rest
                    .strip_suffix(')')
                    .and_then(|y| y.trim().parse::<i32>().ok())
                    .ok_or_else(|| MeasureError::BadYear { text: t.into() })?;
                return Ok(Measure::Yearly { metric, year });
            }
        }
        Err(MeasureError::Unknown { text: t.into() })
    }

    /// The measure as written on the command line (its year in place of `YEAR`).
    pub fn name(&self) -> String {
        match self {
            Measure::PDepletedBy(y) => self.key().replace("YEAR", &y.to_string()),
            Measure::Yearly { year, .. } => format!("{}({year})", self.key()),
            _ => self.key().into(),
        }
    }

    /// Position of the measure among the per-path measures, if it is one.
    fn path_measure(&self) -> Option<usize> {
        if let Measure::Yearly { .. } = self {
            return None;
        }
        PATH_MEASURES.iter().position(|m| *m == self.key())
    }

    /// Whether the measure can be evaluated on a projection over `frame` (the year of
    /// `p_depleted_by` must lie in it).
    pub fn check(&self, frame: crate::params::Frame) -> Result<(), MeasureError> {
        match *self {
            Measure::PDepletedBy(y) | Measure::Yearly { year: y, .. }
                if y < frame.base_year || y > frame.horizon =>
            {
                Err(MeasureError::YearOutOfRange {
                    measure: self.name(),
                    year: y,
                    base_year: frame.base_year,
                    horizon: frame.horizon,
                })
            }
            _ => Ok(()),
        }
    }

    /// Whether the measure needs Monte Carlo paths.
    pub fn needs_paths(&self) -> bool {
        matches!(self, Measure::PDepletedBy(_))
    }
}

/// A measure's value and its Monte Carlo standard error (0 when deterministic).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    pub value: f64,
    pub standard_error: f64,
}

/// Evaluates `measure` on `model`; `mc` gives the paths (`None` or 0 paths: the
/// deterministic projection, which `p_depleted_by` cannot use). A value that is not a
/// finite number is an error ([`MeasureError::NonFinite`]), never a result.
pub fn evaluate(
    model: &Model,
    measure: Measure,
    mc: Option<Options>,
) -> Result<Evaluation, MeasureError> {
    let e = evaluate_raw(model, measure, mc)?;
    if e.value.is_finite() {
        Ok(e)
    } else {
        Err(MeasureError::NonFinite {
            measure: measure.name(),
            value: e.value,
        })
    }
}

fn evaluate_raw(
    model: &Model,
    measure: Measure,
    mc: Option<Options>,
) -> Result<Evaluation, MeasureError> {
    let frame = model.frame;
    measure.check(frame)?;
    if let Measure::Yearly { metric, year } = measure {
        return yearly(model, metric, year, mc);
    }
    let det = || {
        let (rows, summary) = crate::deterministic(model);
        (rows, summary)
    };
    if measure == Measure::DepletionYear {
        let (_, s) = det();
        let year = s
            .depletion
            .map(|t| frame.base_year + t as i32)
            .unwrap_or(frame.horizon + 1);
        return Ok(Evaluation {
            value: year as f64,
            standard_error: 0.0,
        });
    }
    let mc = mc.filter(|o| o.paths > 0);
    let Some(opts) = mc else {
        if measure.needs_paths() {
            return Err(MeasureError::NeedsPaths {
                measure: measure.name(),
            });
        }
        let (rows, s) = det();
        let k = measure.path_measure().expect("handled above");
        let value = montecarlo::path_measures(&rows[rows.len() - 1], &s)[k];
        return Ok(Evaluation {
            value,
            standard_error: 0.0,
        });
    };
    let run = montecarlo::run(model, opts, &|_| {});
    let sm = &run.summary;
    let n = sm.paths as f64;
    let path_measure = |k: usize| {
        let stats = &sm.stats[frame.years() * metrics_of(model) + k];
        Evaluation {
            value: stats[0],
            standard_error: stats[1] / n.sqrt(),
        }
    };
    if let Some(k) = measure.path_measure() {
        return Ok(path_measure(k));
    }
    Ok(match measure {
        Measure::PDepletedBy(y) => {
            let p = sm.p_depleted_by((y - frame.base_year) as usize);
            Evaluation {
                value: p,
                standard_error: (p * (1.0 - p) / n).sqrt(),
            }
        }
        _ => unreachable!("handled above"),
    })
}

/// A yearly metric in a year: its Monte Carlo mean and standard error, or its
/// deterministic value without paths.
fn yearly(
    model: &Model,
    metric: usize,
    year: i32,
    mc: Option<Options>,
) -> Result<Evaluation, MeasureError> {
    let entry = &crate::metrics::REGISTRY[metric];
    if !entry.scope.applies_to(model) {
        return Err(MeasureError::NotReported {
            measure: format!("{}({year})", entry.key),
            metric: entry.key,
            scope: entry.scope.name(),
        });
    }
    let t = (year - model.frame.base_year) as usize;
    let Some(opts) = mc.filter(|o| o.paths > 0) else {
        let (rows, _) = crate::deterministic(model);
        return Ok(Evaluation {
            value: rows[t][metric],
            standard_error: 0.0,
        });
    };
    let k = metrics_of(model);
    let series = if metric < k {
        t * k + metric
    } else {
        let funds = crate::metrics::fund_series_of(model);
        let Some(j) = funds.iter().position(|&i| i == metric) else {
            return Err(MeasureError::NotSummarised {
                measure: format!("{}({year})", entry.key),
            });
        };
        montecarlo::fund_series(model, funds.len(), t, j)
    };
    let run = montecarlo::run(model, opts, &|_| {});
    let sm = &run.summary;
    let stats = &sm.stats[series];
    Ok(Evaluation {
        value: stats[0],
        standard_error: stats[1] / (sm.paths as f64).sqrt(),
    })
}

/// How a measure is held against a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Le,
    Lt,
    Ge,
    Gt,
}

/// `MEASURE OP VALUE`, e.g. `p_depleted_by(2050) <= 0.05`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub measure: Measure,
    pub comparison: Comparison,
    pub value: f64,
}

impl Target {
    /// Parses `MEASURE OP VALUE`; the value must be a finite number.
    pub fn parse(text: &str) -> Result<Target, MeasureError> {
        for (op, comparison) in [
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ] {
            if let Some((m, v)) = text.split_once(op) {
                let measure = Measure::parse(m)?;
                let v = v.trim();
                let value = v
                    .parse::<f64>()
                    .map_err(|_| MeasureError::NotANumber { text: v.into() })?;
                if !value.is_finite() {
                    return Err(MeasureError::NotFinite { text: v.into() });
                }
                return Ok(Target {
                    measure,
                    comparison,
                    value,
                });
            }
        }
        Err(MeasureError::BadTarget { text: text.into() })
    }

    pub fn met_by(&self, x: f64) -> bool {
        match self.comparison {
            Comparison::Le => x <= self.value,
            Comparison::Lt => x < self.value,
            Comparison::Ge => x >= self.value,
            Comparison::Gt => x > self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t = Target::parse("p_depleted_by(2050) <= 0.05").unwrap();
        assert_eq!(t.measure, Measure::PDepletedBy(2050));
        assert_eq!(t.comparison, Comparison::Le);
        assert!(t.met_by(0.05) && !t.met_by(0.06));
        let t = Target::parse("depletion_year >= 2040").unwrap();
        assert_eq!(t.measure, Measure::DepletionYear);
        assert!(t.met_by(2041.0) && !t.met_by(2039.0));
        assert!(Target::parse("nonsense").is_err());
        assert!(Measure::parse("p_depleted_by(x)").is_err());
        assert!(matches!(
            Target::parse("cumulative_deficit <= nan"),
            Err(MeasureError::NotFinite { .. })
        ));
    }

    #[test]
    fn every_registry_measure_parses_and_names_itself() {
        for key in MEASURE_NAMES {
            let text = key.replace("YEAR", "2040");
            let m = Measure::parse(&text).unwrap();
            assert_eq!(m.key(), key);
            assert_eq!(m.name(), text);
            assert_eq!(m.path_measure().is_some(), PATH_MEASURES.contains(&key));
        }
        assert_eq!(
            Measure::parse(" p_depleted_by( 2050 ) "),
            Ok(Measure::PDepletedBy(2050))
        );
    }

    #[test]
    fn unknown_measure_lists_the_registrys_names() {
        let e = Measure::parse("pv_deficit").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown measure `pv_deficit` (expected one of: depletion_year, p_depleted_by(YEAR), \
             cumulative_deficit, cumulative_subsidy, pv_deficits, or METRIC(YEAR) for a yearly \
             metric of docs/model.md, e.g. medical_pool_end(2010))"
        );
        assert_eq!(
            Measure::parse("medical_depleted( 2010 )"),
            Ok(Measure::Yearly {
                metric: crate::metrics::metric::MEDICAL_DEPLETED,
                year: 2010
            })
        );
        assert_eq!(
            Measure::parse("medical_depleted(2010)").unwrap().name(),
            "medical_depleted(2010)"
        );
        assert!(matches!(
            Measure::parse("medical_depleted(20x0)"),
            Err(MeasureError::BadYear { .. })
        ));
    }
}
