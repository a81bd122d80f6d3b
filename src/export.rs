//! Exporters: CSV and JSON files, written atomically, and the tables printed to stdout.
//!
//! Takes finished results; never called with half a result. Every file is written to a
//! temporary name in its folder and renamed into place, so a reader never sees a
//! half-written file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

pub mod funds;

use crate::metrics::{metric, METRICS, PATH_MEASURES};
use crate::model::Model;
use crate::projection::Row;

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Why results cannot be written.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// A result that is not a finite number: never written (CSV would get `inf`/`NaN`).
    #[error(
        "{what}: `{metric}` is {value} in {year}, the first value that is not a finite number: the scenario's numbers overflow (e.g. a fund return or a horizon too large)"
    )]
    NonFinite {
        what: &'static str,
        metric: String,
        year: i32,
        value: f64,
    },
}

/// The first value of the deterministic projection (as `deterministic.csv` has it, year
/// by year) that is not a finite number, as an error.
pub fn check_rows(model: &Model, rows: &[Row]) -> Result<(), ExportError> {
    let n = metric_count(model);
    let funds = crate::metrics::fund_metrics_of(model);
    for (t, row) in rows.iter().enumerate() {
        if let Some(m) = (0..n)
            .chain(funds.iter().copied())
            .find(|m| !row[*m].is_finite())
        {
            return Err(ExportError::NonFinite {
                what: "deterministic projection",
                metric: METRICS[m].to_string(),
                year: model.frame.base_year + t as i32,
                value: row[m],
            });
        }
    }
    Ok(())
}

/// The first statistic of a Monte Carlo summary (as `summary.csv` and `run.json` have
/// them) that is not a finite number, as an error; a path measure counts at the horizon.
pub fn check_summary(
    model: &Model,
    summary: &crate::aggregate::Summary,
) -> Result<(), ExportError> {
    use crate::aggregate::STATS;
    let k = metric_count(model);
    let years = model.frame.years();
    let yearly = (0..years).flat_map(|t| (0..k).map(move |m| (t, METRICS[m], t * k + m)));
    let whole = PATH_MEASURES
        .iter()
        .enumerate()
        .map(|(j, name)| (years - 1, *name, years * k + j));
    let funds = crate::metrics::fund_series_of(model);
    let n = funds.len();
    let fund_yearly = (0..years).flat_map(|t| {
        let funds = &funds;
        (0..n).map(move |j| {
            (
                t,
                METRICS[funds[j]],
                crate::montecarlo::fund_series(model, n, t, j),
            )
        })
    });
    for (t, name, series) in yearly.chain(whole).chain(fund_yearly) {
        let stats = &summary.stats[series];
        if let Some(j) = (0..STATS.len()).find(|j| !stats[*j].is_finite()) {
            return Err(ExportError::NonFinite {
                what: "Monte Carlo summary",
                metric: format!("{name} {}", STATS[j]),
                year: model.frame.base_year + t as i32,
                value: stats[j],
            });
        }
    }
    Ok(())
}

/// The first value of a comparison that is not a finite number, as an error (measures
/// over a whole path count at `horizon`). Differences and standard errors are not
/// checked: an empty cell there means "none" (a scenario not depleted, a quantile).
pub fn check_comparison(c: &crate::compare::Comparison, horizon: i32) -> Result<(), ExportError> {
    match c
        .lines
        .iter()
        .find(|l| l.value.is_some_and(|v| !v.is_finite()))
    {
        Some(l) => Err(ExportError::NonFinite {
            what: "comparison",
            metric: format!("{} of {}", l.measure, l.scenario),
            year: horizon,
            value: l.value.unwrap_or(f64::NAN),
        }),
        None => Ok(()),
    }
}

/// A number as CSV text: the shortest text that reads back as the same f64.
pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x}")
    }
}

/// Columns a model's results have: MODEL.md's metrics, plus the individual-account
/// metrics under China's rules.
pub fn metric_count(model: &Model) -> usize {
    crate::metrics::metrics_of(model)
}

/// `deterministic.csv`: `year` then every metric, one row per year (the pension's, then
/// those of the other funds that are on).
pub fn rows_csv(model: &Model, rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let n = metric_count(model);
    let funds = crate::metrics::fund_metrics_of(model);
    let mut header = vec!["year"];
    header.extend(&METRICS[..n]);
    header.extend(funds.iter().map(|&i| METRICS[i]));
    w.write_record(&header).expect("in-memory CSV");
    for (t, row) in rows.iter().enumerate() {
        let mut rec = vec![(model.frame.base_year + t as i32).to_string()];
        rec.extend(row[..n].iter().map(|v| num(*v)));
        rec.extend(funds.iter().map(|&i| num(row[i])));
        w.write_record(&rec).expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// The deterministic projection as a table for people: counts in persons, money in
/// millions of the currency unit.
pub fn deterministic_table(model: &Model, rows: &[Row], depletion: Option<usize>) -> String {
    use metric::*;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — deterministic projection {}–{} (money in millions of {}, per year)",
        model.name, model.frame.base_year, model.frame.horizon, model.currency
    );
    let _ = writeln!(
        out,
        "{:>5} {:>12} {:>11} {:>6} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10} {:>11}",
        "year",
        "contributors",
        "pensioners",
        "dep.",
        "avg wage",
        "avg pens.",
        "contrib.",
        "payouts",
        "deficit",
        "subsidy",
        "fund end"
    );
    for (t, r) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>5} {:>12.0} {:>11.0} {:>6.3} {:>9.0} {:>9.0} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>11.1}",
            model.frame.base_year + t as i32,
            r[CONTRIBUTORS],
            r[PENSIONERS],
            r[DEPENDENCY_RATIO],
            r[AVERAGE_WAGE],
            r[AVERAGE_PENSION],
            r[CONTRIBUTIONS] / 1e6,
            r[PAYOUTS] / 1e6,
            r[DEFICIT] / 1e6,
            r[SUBSIDY] / 1e6,
            r[FUND_END] / 1e6
        );
    }
    if let Some(last) = rows.last() {
        let total = last[CUMULATIVE_DEFICIT];
        let _ = writeln!(
            out,
            "Cumulative deficit {}–{}: {:.1} million {}{}",
            model.frame.base_year + 1,
            model.frame.horizon,
            total / 1e6,
            model.currency,
            if total < 0.0 {
                " (negative: a surplus)"
            } else {
                ""
            }
        );
    }
    let _ = match depletion {
        Some(t) => writeln!(
            out,
            "The fund runs out in {} (balance before subsidy below zero).",
            model.frame.base_year + t as i32
        ),
        None => writeln!(out, "The fund is not depleted within the horizon."),
    };
    out
}

/// `summary.csv`: `year,metric,stat,value` for every yearly metric and statistic.
pub fn summary_csv(model: &Model, summary: &crate::aggregate::Summary) -> String {
    use crate::aggregate::STATS;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["year", "metric", "stat", "value"])
        .expect("in-memory CSV");
    let funds = crate::metrics::fund_series_of(model);
    for t in 0..model.frame.years() {
        let year = (model.frame.base_year + t as i32).to_string();
        let k = metric_count(model);
        for (m, name) in METRICS[..k].iter().enumerate() {
            let stats = &summary.stats[t * k + m];
            for (k, stat) in STATS.iter().enumerate() {
                w.write_record([year.as_str(), name, stat, &num(stats[k])])
                    .expect("in-memory CSV");
            }
        }
        if !funds.is_empty() {
            funds::summary_lines(model, &funds, summary, t, &mut w);
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// `depletion.csv`: `year,p_depleted_by,p_depleted_in`.
/// With the other funds on, a column `FUND_p_depleted_by` for each of them.
pub fn depletion_csv(model: &Model, summary: &crate::aggregate::Summary) -> String {
    let mut out = String::from("year,p_depleted_by,p_depleted_in");
    for (fund, _) in funds::depletion_metrics(model) {
        let _ = write!(out, ",{fund}_p_depleted_by");
    }
    out.push('\n');
    let cells = funds::depletion_cells(model, summary);
    for (t, fund_cells) in cells.iter().enumerate() {
        let _ = write!(
            out,
            "{},{},{}",
            model.frame.base_year + t as i32,
            num(summary.p_depleted_by(t)),
            num(summary.p_depleted_in(t))
        );
        for &p in fund_cells {
            let _ = write!(out, ",{}", num(p));
        }
        out.push('\n');
    }
    out
}

/// A depletion year index as JSON: the year, or "not within horizon".
fn year_json(model: &Model, t: Option<usize>) -> serde_json::Value {
    match t {
        Some(t) => serde_json::json!(model.frame.base_year + t as i32),
        None => serde_json::json!("not within horizon"),
    }
}

/// What `run.json` records of a run.
pub struct RunInfo<'a> {
    pub scenario_path: &'a Path,
    pub scenario_sha256: String,
    /// Every scenario file read (the file itself, then the bases it extends), with its
    /// SHA-256.
    pub inputs: Vec<(String, String)>,
    pub seed: u64,
    pub paths: usize,
    pub threads: usize,
    pub elapsed_seconds: f64,
    pub path_years_per_second: f64,
    pub deterministic_depletion: Option<usize>,
}

/// `run.json`: the audit trail of a Monte Carlo run.
pub fn run_json(model: &Model, info: &RunInfo, summary: &crate::aggregate::Summary) -> String {
    use crate::aggregate::STATS;
    let years = model.frame.years();
    let base = years * metric_count(model);
    let mut measures = serde_json::Map::new();
    for (k, name) in PATH_MEASURES.iter().enumerate() {
        let stats = &summary.stats[base + k];
        let mut m = serde_json::Map::new();
        for (j, stat) in STATS.iter().enumerate() {
            m.insert(stat.to_string(), serde_json::json!(stats[j]));
        }
        measures.insert(name.to_string(), serde_json::Value::Object(m));
    }
    let v = serde_json::json!({
        "engine": "fundcast",
        "engine_version": crate::VERSION,
        "scenario": info.scenario_path.display().to_string(),
        "scenario_sha256": info.scenario_sha256,
        "scenario_files": info
            .inputs
            .iter()
            .map(|(path, sha)| serde_json::json!({"path": path, "sha256": sha}))
            .collect::<Vec<_>>(),
        "name": model.name,
        "currency": model.currency,
        "base_year": model.frame.base_year,
        "horizon": model.frame.horizon,
        "seed": info.seed,
        "paths": info.paths,
        "threads": info.threads,
        "elapsed_seconds": info.elapsed_seconds,
        "path_years_per_second": info.path_years_per_second,
        "depletion": {
            "deterministic": year_json(model, info.deterministic_depletion),
            "median": year_json(model, summary.depletion_quantile(0.5)),
            "p5": year_json(model, summary.depletion_quantile(0.05)),
            "p95": year_json(model, summary.depletion_quantile(0.95)),
            "p_depleted_by_horizon": summary.p_depleted_by(years - 1),
        },
        "path_measures": measures,
        "quantile_method": format!(
            "fixed bins from a pilot of the first {} paths; error at most one bin width (1.5 x pilot span / {})",
            crate::montecarlo::PILOT,
            crate::aggregate::BINS
        ),
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON");
    s.push('\n');
    s
}

/// The Monte Carlo table for people: the deterministic projection with the 5–95 % band of
/// the fund balance and the deficit, and the probability of depletion.
pub fn montecarlo_table(
    model: &Model,
    rows: &[Row],
    summary: &crate::aggregate::Summary,
) -> String {
    use metric::*;
    let mut out = String::new();
    let m = metric_count(model);
    let _ = writeln!(
        out,
        "{} — Monte Carlo, {} paths (money in millions of {}; central = deterministic)",
        model.name, summary.paths, model.currency
    );
    let _ = writeln!(
        out,
        "{:>5} {:>11} {:>11} {:>11} {:>10} {:>10} {:>10} {:>8}",
        "year", "fund end", "fund p5", "fund p95", "deficit", "def. p5", "def. p95", "P(dep.)"
    );
    for (t, r) in rows.iter().enumerate() {
        let f = &summary.stats[t * m + FUND_END];
        let d = &summary.stats[t * m + DEFICIT];
        let _ = writeln!(
            out,
            "{:>5} {:>11.1} {:>11.1} {:>11.1} {:>10.1} {:>10.1} {:>10.1} {:>8.3}",
            model.frame.base_year + t as i32,
            r[FUND_END] / 1e6,
            f[3] / 1e6,
            f[9] / 1e6,
            r[DEFICIT] / 1e6,
            d[3] / 1e6,
            d[9] / 1e6,
            summary.p_depleted_by(t)
        );
    }
    let year = |q: f64| match summary.depletion_quantile(q) {
        Some(t) => (model.frame.base_year + t as i32).to_string(),
        None => "not within horizon".into(),
    };
    let _ = writeln!(
        out,
        "Depletion year: median {}, 5–95 % {} to {}",
        year(0.5),
        year(0.05),
        year(0.95)
    );
    out
}

/// A value for a CSV cell: empty when there is none (or it is not a number).
fn opt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => num(v),
        _ => String::new(),
    }
}

/// `comparison.csv`: one row per scenario and measure.
pub fn comparison_csv(c: &crate::compare::Comparison) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "measure",
        "value",
        "difference",
        "se_paired",
        "se_unpaired",
    ])
    .expect("in-memory CSV");
    for l in &c.lines {
        w.write_record([
            l.scenario.clone(),
            l.measure.clone(),
            opt(l.value),
            opt(l.difference),
            opt(l.se_paired),
            opt(l.se_unpaired),
        ])
        .expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// A measure's value for people: years as years, probabilities and ratios with three
/// decimals, money in millions.
fn show_value(measure: &str, x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    use crate::metrics::{unit_of_name, Unit};
    let unit = unit_of_name(measure);
    if measure.starts_with("depletion_year") {
        format!("{x:.0}")
    } else if measure.starts_with("p_depleted")
        || measure.contains("ratio")
        || matches!(
            unit,
            Some(Unit::Indicator | Unit::Ratio | Unit::Probability)
        )
    {
        format!("{x:.3}")
    } else if matches!(unit, Some(Unit::Persons | Unit::PersonsPerYear)) {
        format!("{x:.0}")
    } else {
        format!("{:.1}", x / 1e6)
    }
}

/// The comparison as a table: measures down, scenarios across; each variant shows its
/// value and, in brackets, its difference from the base ± the paired standard error.
pub fn comparison_table(c: &crate::compare::Comparison, currency: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparison on {} common paths (money in millions of {currency}; variant: value [difference ± paired s.e.])",
        c.paths
    );
    let measures: Vec<&str> = c
        .lines
        .iter()
        .filter(|l| l.scenario == c.names[0])
        .map(|l| l.measure.as_str())
        .collect();
    let cell = |n: &str, m: &str| -> String {
        match c.lines.iter().find(|l| l.scenario == n && l.measure == m) {
            Some(l) => {
                let v = l.value.map_or("not depleted".into(), |v| show_value(m, v));
                match (l.difference, l.se_paired) {
                    (Some(d), Some(se)) if d.is_finite() && se.is_finite() => {
                        format!("{v} [{} ± {}]", show_value(m, d), show_value(m, se))
                    }
                    (Some(d), _) if d.is_finite() => format!("{v} [{}]", show_value(m, d)),
                    _ => v,
                }
            }
            None => String::new(),
        }
    };
    let widths: Vec<usize> = c
        .names
        .iter()
        .map(|n| {
            measures
                .iter()
                .map(|m| cell(n, m).chars().count())
                .chain([n.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Measures' column: 30 wide, or the longest name (the other funds' measures).
    let mw = measures
        .iter()
        .map(|m| m.chars().count())
        .max()
        .unwrap_or(0)
        .max(30);
    let _ = write!(out, "{:<mw$}", "measure");
    for (n, w) in c.names.iter().zip(&widths) {
        let _ = write!(out, "  {n:>w$}");
    }
    out.push('\n');
    for m in &measures {
        let _ = write!(out, "{m:<mw$}");
        for (n, w) in c.names.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", cell(n, m));
        }
        out.push('\n');
    }
    out
}

/// `sensitivity.csv`: one row per varied key, largest swing first.
pub fn sensitivity_csv(
    measure: &str,
    base: &crate::measure::Evaluation,
    rows: &[crate::policy::Swing],
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "key", "low", "high", "measure", "base", "at_low", "at_high", "swing", "note",
    ])
    .expect("in-memory CSV");
    for r in rows {
        let v = |e: &Result<crate::measure::Evaluation, crate::policy::PolicyError>| match e {
            Ok(e) => num(e.value),
            Err(_) => String::new(),
        };
        let note = [&r.at_low, &r.at_high]
            .iter()
            .filter_map(|e| e.as_ref().err().map(|e| e.to_string()))
            .collect::<Vec<_>>()
            .join("; ");
        w.write_record([
            r.key.clone(),
            change_text(r.low),
            change_text(r.high),
            measure.to_string(),
            num(base.value),
            v(&r.at_low),
            v(&r.at_high),
            num(r.size()),
            note,
        ])
        .expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// A lever change as written on the command line.
pub fn change_text(c: crate::variants::Change) -> String {
    use crate::variants::Change;
    match c {
        Change::Set(x) => num(x),
        Change::Scale(f) => format!("x{f}"),
        Change::Shift(d) => format!("d{d:+}"),
    }
}

/// The sensitivity as a tornado table: one bar per key, longest first.
pub fn tornado_table(
    measure: &str,
    base: &crate::measure::Evaluation,
    rows: &[crate::policy::Swing],
) -> String {
    let mut out = String::new();
    let largest = rows.iter().map(|r| r.size()).fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "Sensitivity of {measure} (base {}); one key at a time, largest swing first",
        show_value(measure, base.value)
    );
    let _ = writeln!(
        out,
        "{:<36} {:>9} {:>9} {:>12} {:>12} {:>12}  swing",
        "key", "low", "high", "at low", "at high", "|swing|"
    );
    for r in rows {
        let v = |e: &Result<crate::measure::Evaluation, crate::policy::PolicyError>| match e {
            Ok(e) => show_value(measure, e.value),
            Err(_) => "invalid".into(),
        };
        let bar = if largest > 0.0 {
            "█".repeat(((r.size() / largest) * 30.0).round() as usize)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<36} {:>9} {:>9} {:>12} {:>12} {:>12}  {bar}",
            r.key,
            change_text(r.low),
            change_text(r.high),
            v(&r.at_low),
            v(&r.at_high),
            show_value(measure, r.size())
        );
    }
    for r in rows {
        for e in [&r.at_low, &r.at_high] {
            if let Err(msg) = e {
                let _ = writeln!(out, "note: {}: {msg}", r.key);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, b"x\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn numbers_round_trip() {
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(360e6), "360000000");
    }
}
