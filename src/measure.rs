//! Measures of a projection that policy questions are asked about, and targets on them.
//!
//! Takes a model (and Monte Carlo options where the measure needs paths); gives the
//! measure's value and its Monte Carlo standard error. Used by `solve` and `sensitivity`.

use crate::model::Model;
use crate::montecarlo::{self, Options, PATH_MEASURES};
use crate::projection::{metric, metrics_of};

/// Why a measure or target cannot be read or evaluated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MeasureError {
    #[error("unknown measure `{text}` (expected one of: {})", MEASURE_NAMES.join(", "))]
    Unknown { text: String },
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
}

/// Names accepted on the command line.
pub const MEASURE_NAMES: [&str; 5] = [
    "depletion_year",
    "p_depleted_by(YEAR)",
    "cumulative_deficit",
    "cumulative_subsidy",
    "pv_deficits",
];

impl Measure {
    pub fn parse(text: &str) -> Result<Measure, MeasureError> {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix("p_depleted_by(") {
            let year = rest
                .strip_suffix(')')
                .and_then(|y| y.trim().parse::<i32>().ok())
                .ok_or_else(|| MeasureError::BadYear { text: t.into() })?;
            return Ok(Measure::PDepletedBy(year));
        }
        match t {
            "depletion_year" => Ok(Measure::DepletionYear),
            "cumulative_deficit" => Ok(Measure::CumulativeDeficit),
            "cumulative_subsidy" => Ok(Measure::CumulativeSubsidy),
            "pv_deficits" => Ok(Measure::PvDeficits),
            _ => Err(MeasureError::Unknown { text: t.into() }),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Measure::DepletionYear => "depletion_year".into(),
            Measure::PDepletedBy(y) => format!("p_depleted_by({y})"),
            Measure::CumulativeDeficit => "cumulative_deficit".into(),
            Measure::CumulativeSubsidy => "cumulative_subsidy".into(),
            Measure::PvDeficits => "pv_deficits".into(),
        }
    }

    /// Whether the measure can be evaluated on a projection over `frame` (the year of
    /// `p_depleted_by` must lie in it).
    pub fn check(&self, frame: crate::params::Frame) -> Result<(), MeasureError> {
        match *self {
            Measure::PDepletedBy(y) if y < frame.base_year || y > frame.horizon => {
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
        let value = match measure {
            Measure::CumulativeDeficit => rows[rows.len() - 1][metric::CUMULATIVE_DEFICIT],
            Measure::CumulativeSubsidy => s.cumulative_subsidy,
            Measure::PvDeficits => s.pv_deficits,
            _ => unreachable!("handled above"),
        };
        return Ok(Evaluation {
            value,
            standard_error: 0.0,
        });
    };
    let run = montecarlo::run(model, opts, &|_| {});
    let sm = &run.summary;
    let n = sm.paths as f64;
    let path_measure = |name: &str| {
        let k = PATH_MEASURES
            .iter()
            .position(|m| *m == name)
            .expect("known");
        let stats = &sm.stats[frame.years() * metrics_of(model) + k];
        Evaluation {
            value: stats[0],
            standard_error: stats[1] / n.sqrt(),
        }
    };
    Ok(match measure {
        Measure::PDepletedBy(y) => {
            let p = sm.p_depleted_by((y - frame.base_year) as usize);
            Evaluation {
                value: p,
                standard_error: (p * (1.0 - p) / n).sqrt(),
            }
        }
        Measure::CumulativeDeficit => path_measure("cumulative_deficit"),
        Measure::CumulativeSubsidy => path_measure("cumulative_subsidy"),
        Measure::PvDeficits => path_measure("pv_deficits"),
        Measure::DepletionYear => unreachable!("handled above"),
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
}
