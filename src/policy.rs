//! Policy questions on one scenario: goal seeking on a lever (`solve`) and one-at-a-time
//! sensitivity of a measure (`sensitivity`).
//!
//! Takes a merged scenario tree and changes one key at a time ([`crate::variants`]);
//! every evaluation uses the same seed and paths (common random numbers), so a measure
//! is a deterministic function of the lever and bisection is well defined.

use crate::document::{Node, Sources};
use crate::measure::{evaluate, Evaluation, Measure, Target};
use crate::montecarlo::Options;
use crate::scenario;
use crate::variants::{apply, Change};

/// The scenario with one change, validated.
pub fn variant(
    tree: &Node,
    sources: &Sources,
    key: &str,
    change: Change,
) -> Result<crate::Model, String> {
    let mut t = tree.clone();
    apply(&mut t, key, change).map_err(|e| format!("`{key}`: {e}"))?;
    scenario::build(&t, sources).map_err(|e| e.to_string())
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
) -> Result<Solution, String> {
    let (lo, hi) = range;
    if lo.is_nan() || hi.is_nan() || lo >= hi {
        return Err(format!("empty range [{lo}, {hi}] for `{key}`"));
    }
    let mut tried = Vec::new();
    let mut eval = |x: f64| -> Result<Evaluation, String> {
        let model = variant(tree, sources, key, Change::Set(x))?;
        let e = evaluate(&model, target.measure, mc)?;
        tried.push((x, e.value));
        Ok(e)
    };
    let e_lo = eval(lo)?;
    let e_hi = eval(hi)?;
    let (met_lo, met_hi) = (target.met_by(e_lo.value), target.met_by(e_hi.value));
    if !met_lo && !met_hi {
        return Err(format!(
            "no value of `{key}` in [{lo}, {hi}] meets the target: {} is {} at {lo} and {} at {hi}",
            target.measure.name(),
            e_lo.value,
            e_hi.value
        ));
    }
    if met_lo && met_hi {
        return Ok(Solution {
            value: lo,
            achieved: e_lo,
            tried,
            whole_range: true,
        });
    }
    let tolerance = tolerance.unwrap_or((hi - lo) * 1e-4);
    // Invariant: the target holds at `good`, not at `bad`.
    let (mut good, mut bad, mut at_good) = if met_hi {
        (hi, lo, e_hi)
    } else {
        (lo, hi, e_lo)
    };
    while (good - bad).abs() > tolerance {
        let mid = 0.5 * (good + bad);
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

/// One row of a sensitivity table.
#[derive(Clone, Debug, PartialEq)]
pub struct Swing {
    pub key: String,
    pub low: Change,
    pub high: Change,
    pub at_low: Result<Evaluation, String>,
    pub at_high: Result<Evaluation, String>,
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
/// ordered by swing, largest first (ties keep the order given).
pub fn sensitivity(
    tree: &Node,
    sources: &Sources,
    measure: Measure,
    varies: &[(String, Change, Change)],
    mc: Option<Options>,
) -> Result<(Evaluation, Vec<Swing>), String> {
    let base_model = scenario::build(tree, sources).map_err(|e| e.to_string())?;
    let base = evaluate(&base_model, measure, mc)?;
    let mut rows: Vec<Swing> = varies
        .iter()
        .map(|(key, low, high)| {
            let at =
                |c: Change| variant(tree, sources, key, c).and_then(|m| evaluate(&m, measure, mc));
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
