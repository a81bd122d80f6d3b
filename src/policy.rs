//! Policy questions on one scenario: goal seeking on a lever (`solve`) and one-at-a-time
//! sensitivity of a measure (`sensitivity`).
//!
//! Takes a merged scenario tree and changes one key at a time ([`crate::variants`]);
//! every evaluation uses the same seed and paths (common random numbers), so a measure
//! is a deterministic function of the lever and bisection is well defined.

use crate::document::{Node, Sources, Value};
use crate::error::{render, Diagnostic};
use crate::measure::{evaluate, Evaluation, Measure, MeasureError, Target};
use crate::montecarlo::Options;
use crate::scenario;
use crate::variants::{apply, Change, VariantError};

/// Why a policy question cannot be answered.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// The base scenario itself is invalid.
    #[error("{}", render(problems))]
    InvalidBase { problems: Vec<Diagnostic> },
    #[error(transparent)]
    Measure(#[from] MeasureError),
    #[error("`{key}`: {source}")]
    Change {
        key: String,
        #[source]
        source: VariantError,
    },
    #[error("`{key}` is not a scenario key ({detail})")]
    UnknownKey { key: String, detail: String },
    #[error("`{key}` holds {found}, not a number: it cannot be a lever")]
    NotANumber { key: String, found: &'static str },
    #[error("`{key}` takes {takes}, not any number: it cannot be a lever")]
    NotALever { key: String, takes: String },
    /// The scenario with the change is invalid.
    #[error("with `{key}` = {value}: {}", render(problems))]
    InvalidVariant {
        key: String,
        value: String,
        problems: Vec<Diagnostic>,
    },
    #[error("range [{lo}, {hi}] for `{key}`: expected LO < HI, both finite numbers")]
    BadRange { key: String, lo: f64, hi: f64 },
    /// An end of the search range makes the scenario invalid.
    #[error(
        "`{key}` = {value} (an end of the range) makes the scenario invalid: {}",
        render(problems)
    )]
    RangeEnd {
        key: String,
        value: f64,
        problems: Vec<Diagnostic>,
    },
    #[error("tolerance {value}: expected {expected}")]
    BadTolerance { value: f64, expected: String },
    /// The target holds at neither end of the range: no answer (not bad input).
    #[error(
        "no value of `{key}` in [{lo}, {hi}] meets the target: {measure} is {at_lo} at {lo} and {at_hi} at {hi}"
    )]
    Unmet {
        key: String,
        lo: f64,
        hi: f64,
        measure: String,
        at_lo: f64,
        at_hi: f64,
    },
}

/// Whether `key` can be a lever of `tree` changed by `change`: a number, or a table or
/// array of numbers (a schedule, an age map, a pair by sex) that the scenario has, or,
/// for `Set` only, a key the scenario may have (it takes its default there); and a key
/// that takes any number (not `horizon`, a whole number, nor `name`, a string). Such a
/// key is an error here rather than an invalid variant blamed on the base file.
pub fn check_lever(
    tree: &Node,
    sources: &Sources,
    key: &str,
    change: Change,
) -> Result<(), PolicyError> {
    if key.split('.').any(|p| p.trim().is_empty()) {
        return Err(PolicyError::UnknownKey {
            key: key.into(),
            detail: "expected a dot-separated key such as `contributions.rate`".into(),
        });
    }
    if let Some(node) = crate::variants::node_at(tree, key) {
        let found = match &node.value {
            Value::Int(_) | Value::Float(_) => "",
            Value::Table(t) if !crate::document::is_value_table(t) => "a section (a table)",
            Value::Table(_) | Value::Array(_) if holds_only_numbers(node) => "",
            Value::Table(_) => "a table that is not all numbers",
            Value::Array(_) => "an array that is not all numbers",
            Value::Str(_) => "a string",
            Value::Bool(_) => "a boolean",
        };
        if !found.is_empty() {
            return Err(PolicyError::NotANumber {
                key: key.into(),
                found,
            });
        }
    }
    // The scenario with the change must know the key and take a number of any value
    // there (not only a whole one, as `horizon`, or a string, as `name`).
    let mut t = tree.clone();
    apply(&mut t, key, change).map_err(|source| PolicyError::Change {
        key: key.into(),
        source,
    })?;
    if let Err(e) = scenario::build(&t, sources) {
        for d in e.diagnostics() {
            // An unknown key is reported at the first part of `key` the scenario lacks.
            if d.message.starts_with("unknown key")
                && (d.key == key || key.starts_with(&format!("{}.", d.key)))
            {
                return Err(PolicyError::UnknownKey {
                    key: key.into(),
                    detail: format!("`{}`: {}", d.key, d.message),
                });
            }
            if d.key == key {
                if let Some(takes) = d
                    .message
                    .strip_prefix("expected ")
                    .and_then(|m| m.strip_suffix(", found a float"))
                {
                    return Err(PolicyError::NotALever {
                        key: key.into(),
                        takes: takes.into(),
                    });
                }
            }
        }
    }
    Ok(())
}

fn holds_only_numbers(node: &Node) -> bool {
    match &node.value {
        Value::Int(_) | Value::Float(_) => true,
        Value::Table(t) => t.entries.iter().all(|e| holds_only_numbers(&e.node)),
        Value::Array(a) => a.iter().all(holds_only_numbers),
        _ => false,
    }
}

/// The scenario with one change, validated.
pub fn variant(
    tree: &Node,
    sources: &Sources,
    key: &str,
    change: Change,
) -> Result<crate::Model, PolicyError> {
    let mut t = tree.clone();
    apply(&mut t, key, change).map_err(|source| PolicyError::Change {
        key: key.into(),
        source,
    })?;
    // `build` reads no file of its own (the tree is read), so its only error is a list
    // of problems.
    scenario::build(&t, sources).map_err(|e| PolicyError::InvalidVariant {
        key: key.into(),
        value: crate::export::change_text(change),
        problems: e.diagnostics().to_vec(),
    })
}

/// The range a lever is searched over when none is given.
pub fn default_range(key: &str) -> Option<(f64, f64)> {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    Some(match leaf {
        "rate" if key.starts_with("contributions") => (0.0, 1.0),
        "collection_rate" | "wage_weight" | "price_weight" | "share" | "vesting_share" => {
            (0.0, 1.0)
        }
        "age" | "male" | "female" if key.starts_with("retirement") => (40.0, 75.0),
        "replacement_rate" => (0.0, 1.5),
        _ => return None,
    })
}

/// The answer of a goal seek.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub value: f64,
    pub achieved: Evaluation,
    /// Every lever value tried, with the measure there.
    pub tried: Vec<(f64, f64)>,
    /// Whether the target holds over the whole range (then `value` is the low end of
    /// the range: there is no boundary inside it to find).
    pub whole_range: bool,
}

/// Finds the value of `key` in `range` closest to where `target` stops holding: the
/// smallest value meeting it when it holds at the top of the range, the largest when it
/// holds at the bottom. Bisection to `tolerance` (default a 10,000th of the range).
pub fn solve(
    tree: &Node,
    sources: &Sources,
    key: &str,
    range: (f64, f64),
    target: &Target,
    mc: Option<Options>,
    tolerance: Option<f64>,
) -> Result<Solution, PolicyError> {
    let (lo, hi) = range;
    if !lo.is_finite() || !hi.is_finite() || lo >= hi {
        return Err(PolicyError::BadRange {
            key: key.into(),
            lo,
            hi,
        });
    }
    let tolerance = check_tolerance(range, tolerance)?;
    check_lever(tree, sources, key, Change::Set(lo))?;
    // Both ends must give valid scenarios (then so does every value between them).
    let mut models = Vec::new();
    for x in [lo, hi] {
        match variant(tree, sources, key, Change::Set(x)) {
            Ok(m) => models.push(m),
            Err(PolicyError::InvalidVariant { problems, .. }) => {
                return Err(PolicyError::RangeEnd {
                    key: key.into(),
                    value: x,
                    problems,
                })
            }
            Err(e) => return Err(e),
        }
    }
    let mut tried = Vec::new();
    let mut eval_model = |x: f64, model: &crate::Model| -> Result<Evaluation, PolicyError> {
        let e = evaluate(model, target.measure, mc)?;
        tried.push((x, e.value));
        Ok(e)
    };
    let e_lo = eval_model(lo, &models[0])?;
    let e_hi = eval_model(hi, &models[1])?;
    let mut eval = |x: f64| -> Result<Evaluation, PolicyError> {
        let model = variant(tree, sources, key, Change::Set(x))?;
        eval_model(x, &model)
    };
    let (met_lo, met_hi) = (target.met_by(e_lo.value), target.met_by(e_hi.value));
    if !met_lo && !met_hi {
        return Err(PolicyError::Unmet {
            key: key.into(),
            lo,
            hi,
            measure: target.measure.name(),
            at_lo: e_lo.value,
            at_hi: e_hi.value,
        });
    }
    if met_lo && met_hi {
        return Ok(Solution {
            value: lo,
            achieved: e_lo,
            tried,
            whole_range: true,
        });
    }
    // Invariant: the target holds at `good`, not at `bad`.
    let (mut good, mut bad, mut at_good) = if met_hi {
        (hi, lo, e_hi)
    } else {
        (lo, hi, e_lo)
    };
    while (good - bad).abs() > tolerance {
        let mid = 0.5 * (good + bad);
        if mid == good || mid == bad {
            break; // no number between them: as close as an f64 gets
        }
        let e = eval(mid)?;
        if target.met_by(e.value) {
            good = mid;
            at_good = e;
        } else {
            bad = mid;
        }
    }
    Ok(Solution {
        value: good,
        achieved: at_good,
        tried,
        whole_range: false,
    })
}

/// The smallest tolerance allowed, as a share of the range: below it bisection would
/// only spend evaluations on differences no scenario can show.
pub const MIN_TOLERANCE_SHARE: f64 = 1e-12;

/// The tolerance of a search over `range`: the one given, which must be a finite number
/// in `[(HI − LO) · 1e-12, HI − LO]`, else `(HI − LO) / 10,000`.
pub fn check_tolerance(range: (f64, f64), tolerance: Option<f64>) -> Result<f64, PolicyError> {
    let width = range.1 - range.0;
    let Some(t) = tolerance else {
        return Ok(width * 1e-4);
    };
    let min = width * MIN_TOLERANCE_SHARE;
    if t.is_finite() && t >= min && t <= width {
        Ok(t)
    } else {
        Err(PolicyError::BadTolerance {
            value: t,
            expected: format!(
                "a number in [{min:e}, {width}] (from 1e-12 of the range {}..{} to all of it)",
                range.0, range.1
            ),
        })
    }
}

/// One row of a sensitivity table.
#[derive(Clone, Debug, PartialEq)]
pub struct Swing {
    pub key: String,
    pub low: Change,
    pub high: Change,
    pub at_low: Result<Evaluation, PolicyError>,
    pub at_high: Result<Evaluation, PolicyError>,
}

impl Swing {
    /// `|measure(high) − measure(low)|`, or 0 when either end failed.
    pub fn size(&self) -> f64 {
        match (&self.at_low, &self.at_high) {
            (Ok(a), Ok(b)) => (b.value - a.value).abs(),
            _ => 0.0,
        }
    }
}

/// The default assumptions varied by `sensitivity`, where the scenario has them:
/// growth and return means ±1 point, contribution rate ±1 point, retirement age ±1 year,
/// collection rate, entrants, improvement and indexation weights ±10 %.
pub fn default_varies(tree: &Node) -> Vec<(String, Change, Change)> {
    let has = |k: &str| {
        crate::variants::leaves(tree)
            .iter()
            .any(|(p, _)| p == k || p.starts_with(&format!("{k}.")))
    };
    let mut out = Vec::new();
    for var in ["wage_growth", "inflation", "fund_return"] {
        let table_mean = format!("economy.{var}.mean");
        let key = if has(&table_mean) {
            table_mean
        } else {
            format!("economy.{var}")
        };
        if has(&key) {
            out.push((key, Change::Shift(-0.01), Change::Shift(0.01)));
        }
    }
    let pairs: [(&str, Change, Change); 7] = [
        (
            "contributions.rate",
            Change::Shift(-0.01),
            Change::Shift(0.01),
        ),
        (
            "contributions.collection_rate",
            Change::Scale(0.9),
            Change::Scale(1.1),
        ),
        ("retirement.age", Change::Shift(-1.0), Change::Shift(1.0)),
        ("entrants.count", Change::Scale(0.9), Change::Scale(1.1)),
        (
            "mortality.improvement",
            Change::Scale(0.9),
            Change::Scale(1.1),
        ),
        (
            "indexation.wage_weight",
            Change::Scale(0.9),
            Change::Scale(1.1),
        ),
        (
            "indexation.price_weight",
            Change::Scale(0.9),
            Change::Scale(1.1),
        ),
    ];
    for (key, lo, hi) in pairs {
        if has(key) {
            out.push((key.to_string(), lo, hi));
        }
    }
    out
}

/// Evaluates `measure` at each low and high change, one key at a time; rows come back
/// ordered by swing, largest first (ties keep the order given). A key that cannot be a
/// lever ([`check_lever`]) is an error; a change that makes the scenario invalid, or a
/// measure that cannot be evaluated there, is reported in its row.
pub fn sensitivity(
    tree: &Node,
    sources: &Sources,
    measure: Measure,
    varies: &[(String, Change, Change)],
    mc: Option<Options>,
) -> Result<(Evaluation, Vec<Swing>), PolicyError> {
    let base_model = scenario::build(tree, sources).map_err(|e| PolicyError::InvalidBase {
        problems: e.diagnostics().to_vec(),
    })?;
    measure.check(base_model.frame)?;
    for (key, low, high) in varies {
        check_lever(tree, sources, key, *low)?;
        check_lever(tree, sources, key, *high)?;
    }
    let base = evaluate(&base_model, measure, mc)?;
    let mut rows: Vec<Swing> = varies
        .iter()
        .map(|(key, low, high)| {
            let at = |c: Change| {
                variant(tree, sources, key, c)
                    .and_then(|m| evaluate(&m, measure, mc).map_err(PolicyError::from))
            };
            Swing {
                key: key.clone(),
                low: *low,
                high: *high,
                at_low: at(*low),
                at_high: at(*high),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.size().total_cmp(&a.size()));
    Ok((base, rows))
}
