//! Exporters: CSV and JSON files, written atomically, and the tables printed to stdout.
//!
//! Takes finished results; never called with half a result. Every file is written to a
//! temporary name in its folder and renamed into place, so a reader never sees a
//! half-written file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::model::Model;
use crate::projection::{metric, Row, METRICS};

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

/// A number as CSV text: the shortest text that reads back as the same f64.
pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x}")
    }
}

/// `deterministic.csv`: `year` then every metric, one row per year.
pub fn rows_csv(model: &Model, rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["year"];
    header.extend(METRICS);
    w.write_record(&header).expect("in-memory CSV");
    for (t, row) in rows.iter().enumerate() {
        let mut rec = vec![(model.frame.base_year + t as i32).to_string()];
        rec.extend(row.iter().map(|v| num(*v)));
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
        "{:>5} {:>11} {:>11} {:>6} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10} {:>11}",
        "year",
        "contrib.",
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
            "{:>5} {:>11.0} {:>11.0} {:>6.3} {:>9.0} {:>9.0} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>11.1}",
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
        let _ = writeln!(
            out,
            "Cumulative deficit {}–{}: {:.1} million {}",
            model.frame.base_year + 1,
            model.frame.horizon,
            last[CUMULATIVE_DEFICIT] / 1e6,
            model.currency
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
