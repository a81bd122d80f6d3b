//! `results.xlsx`: the results of one `run`, `compare` or `sensitivity` as a workbook.
//!
//! Takes the finished results that the CSV files are written from and gives the bytes of
//! a workbook (no file I/O: the binary writes them atomically beside the CSV files). Its
//! sheets hold the same numbers as the CSV files, as numbers (not text) with number
//! formats from the metric registry's units: money and head counts with thousands
//! separators, probabilities as percentages, ratios with three decimals. Each sheet has
//! a frozen, bold header row and set column widths. The first sheet, `README`, says
//! what each other sheet holds, its units, the engine version, the seed, the paths and
//! the scenario files read (with their SHA-256).
//!
//! The same inputs give the same bytes: the document's creation date is fixed
//! ([`CREATED`], or `SOURCE_DATE_EPOCH` when set) and the zip entries carry no time, so
//! the workbook, like every other output, does not depend on when or on how many
//! threads it was made. Nothing in it depends on the thread count or the timing of the
//! run.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};

use crate::aggregate::{Summary, STATS};
use crate::compare::Comparison;
use crate::document::{Node, Value};
use crate::measure::Evaluation;
use crate::metrics::{metrics_of, Unit, METRICS, REGISTRY};
use crate::model::Model;
use crate::montecarlo::Options;
use crate::policy::{PolicyError, Swing};
use crate::projection::Row;

/// The creation date written into every workbook unless `SOURCE_DATE_EPOCH` gives one
/// (seconds since 1970): 2000-01-01 00:00:00 UTC, a fixed value so that the same inputs
/// give the same bytes.
pub const CREATED: i64 = 946_684_800;

/// The file name of the workbook.
pub const FILE_NAME: &str = "results.xlsx";

/// How a column's (or a row's) numbers are shown; the value is the same number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Text, or a number shown as Excel's "General".
    General,
    /// Money (currency unit) or head counts: thousands separators, no decimals.
    Thousands,
    /// A ratio: three decimals.
    Ratio,
    /// A probability or share: a percentage with one decimal.
    Percent,
    /// A calendar year or a count: a whole number without separators.
    Whole,
}

impl Style {
    /// The style of a registry unit.
    pub fn of_unit(unit: Unit) -> Style {
        match unit {
            Unit::Persons | Unit::PersonsPerYear | Unit::CurrencyPerYear | Unit::Currency => {
                Style::Thousands
            }
            Unit::Ratio => Style::Ratio,
            Unit::Indicator | Unit::Year => Style::Whole,
            Unit::Probability => Style::Percent,
        }
    }

    /// The style of a metric or measure named `key` (a registry key, a registry key with
    /// a suffix such as `_mean`, or a measure with a year such as `p_depleted_by(2050)`).
    pub fn of_key(key: &str) -> Style {
        if key.starts_with("p_depleted") || key.starts_with("depleted_by") {
            return Style::Percent;
        }
        if key.starts_with("depletion_year") {
            return Style::Whole;
        }
        REGISTRY
            .iter()
            .filter(|m| key.starts_with(m.key))
            .max_by_key(|m| m.key.len())
            .map_or(Style::General, |m| Style::of_unit(m.unit))
    }

    /// The Excel number format.
    fn num_format(self) -> &'static str {
        match self {
            Style::General => "General",
            Style::Thousands => "#,##0",
            Style::Ratio => "0.000",
            Style::Percent => "0.0%",
            Style::Whole => "0",
        }
    }
}

/// A cell's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A number, in the row's or the column's [`Style`].
    Num(f64),
    /// A number in the given style (overrides the column's).
    Styled(f64, Style),
    Text(String),
    /// No value (the CSV files' empty field).
    Empty,
}

/// A column: its header, its style and its width in characters.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub style: Style,
    pub width: f64,
}

/// One sheet of the workbook, before it is written.
#[derive(Clone, Debug)]
pub struct Sheet {
    /// The sheet's tab name (at most 31 characters).
    pub name: String,
    /// What the sheet holds and its units, for the README sheet.
    pub about: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Columns frozen at the left, beside the frozen header row.
    pub frozen_columns: u16,
}

fn column(header: &str, style: Style) -> Column {
    let width: f64 = match style {
        Style::General => 14.0,
        Style::Whole => 8.0,
        _ => 16.0,
    };
    Column {
        header: header.to_string(),
        style,
        width: width.max(header.chars().count() as f64 + 2.0),
    }
}

/// A number, or an empty cell when there is none (as the CSV files write it).
fn opt(x: Option<f64>) -> Cell {
    match x {
        Some(v) if v.is_finite() => Cell::Num(v),
        _ => Cell::Empty,
    }
}

/// `Deterministic`: `deterministic.csv`, a row per year, a column per metric.
pub fn deterministic_sheet(model: &Model, rows: &[Row]) -> Sheet {
    let n = metrics_of(model);
    let funds = crate::metrics::fund_metrics_of(model);
    let mut columns = vec![column("year", Style::Whole)];
    columns.extend(METRICS[..n].iter().map(|k| column(k, Style::of_key(k))));
    columns.extend(
        funds
            .iter()
            .map(|&i| column(METRICS[i], Style::of_key(METRICS[i]))),
    );
    let rows = rows
        .iter()
        .enumerate()
        .map(|(t, row)| {
            let mut cells = vec![Cell::Num(f64::from(model.frame.base_year + t as i32))];
            cells.extend(row[..n].iter().map(|v| Cell::Num(*v)));
            cells.extend(funds.iter().map(|&i| Cell::Num(row[i])));
            cells
        })
        .collect();
    Sheet {
        name: "Deterministic".into(),
        about: format!(
            "The deterministic projection (every shock zero), as deterministic.csv: a row per year, a column per yearly metric (docs/model.md); money in {} (flows per year), head counts in persons.",
            model.currency
        ),
        columns,
        rows,
        frozen_columns: 1,
    }
}

/// `Percentiles`: `summary.csv` laid out wide, a row per year and metric, a column per
/// statistic.
pub fn percentiles_sheet(model: &Model, summary: &Summary) -> Sheet {
    let k = metrics_of(model);
    let mut columns = vec![
        column("year", Style::Whole),
        column("metric", Style::General),
    ];
    columns.extend(STATS.iter().map(|s| column(s, Style::General)));
    columns[1].width = 24.0;
    let mut rows = Vec::with_capacity(model.frame.years() * k);
    for t in 0..model.frame.years() {
        for (m, name) in METRICS[..k].iter().enumerate() {
            let style = Style::of_key(name);
            let mut cells = vec![
                Cell::Num(f64::from(model.frame.base_year + t as i32)),
                Cell::Text(name.to_string()),
            ];
            cells.extend(
                summary.stats[t * k + m]
                    .iter()
                    .map(|v| Cell::Styled(*v, style)),
            );
            rows.push(cells);
        }
    }
    Sheet {
        name: "Percentiles".into(),
        about: format!(
            "The Monte Carlo statistics over {} paths, as summary.csv but wide: a row per year and yearly metric, then its mean, standard deviation and percentiles p1…p99 (each quantile within one bin width, docs/montecarlo.md); in the metric's unit (money in {}).",
            summary.paths, model.currency
        ),
        columns,
        rows,
        frozen_columns: 2,
    }
}

/// `Depletion`: `depletion.csv`.
pub fn depletion_sheet(model: &Model, summary: &Summary) -> Sheet {
    let rows = (0..model.frame.years())
        .map(|t| {
            vec![
                Cell::Num(f64::from(model.frame.base_year + t as i32)),
                Cell::Num(summary.p_depleted_by(t)),
                Cell::Num(summary.p_depleted_in(t)),
            ]
        })
        .collect();
    Sheet {
        name: "Depletion".into(),
        about: "The share of paths whose fund is depleted by each year (p_depleted_by) and in that year (p_depleted_in), as depletion.csv; shares of paths, shown as percentages.".into(),
        columns: vec![
            column("year", Style::Whole),
            column("p_depleted_by", Style::Percent),
            column("p_depleted_in", Style::Percent),
        ],
        rows,
        frozen_columns: 1,
    }
}

/// `Comparison`: `comparison.csv`, a row per scenario and measure.
pub fn comparison_sheet(c: &Comparison) -> Sheet {
    let rows = c
        .lines
        .iter()
        .map(|l| {
            let style = Style::of_key(&l.measure);
            let styled = |x: Option<f64>| match opt(x) {
                Cell::Num(v) => Cell::Styled(v, style),
                other => other,
            };
            vec![
                Cell::Text(l.scenario.clone()),
                Cell::Text(l.measure.clone()),
                styled(l.value),
                styled(l.difference),
                styled(l.se_paired),
                styled(l.se_unpaired),
            ]
        })
        .collect();
    let mut columns = vec![
        column("scenario", Style::General),
        column("measure", Style::General),
        column("value", Style::General),
        column("difference", Style::General),
        column("se_paired", Style::General),
        column("se_unpaired", Style::General),
    ];
    columns[0].width = text_width(c.names.iter().map(String::as_str), 12.0);
    columns[1].width = text_width(c.lines.iter().map(|l| l.measure.as_str()), 12.0);
    Sheet {
        name: "Comparison".into(),
        about: format!(
            "The scenarios compared on {} common paths, as comparison.csv: each measure's value, its difference from the base and the paired and unpaired standard errors of that difference (empty: none, e.g. not depleted); in the measure's unit (depletion years as years, probabilities as percentages, money in the currency unit).",
            c.paths
        ),
        columns,
        rows,
        frozen_columns: 2,
    }
}

/// `Sensitivity`: `sensitivity.csv`, a row per varied key, largest swing first.
pub fn sensitivity_sheet(measure: &str, base: &Evaluation, rows: &[Swing]) -> Sheet {
    let style = Style::of_key(measure);
    let value = |e: &Result<Evaluation, PolicyError>| match e {
        Ok(e) => Cell::Styled(e.value, style),
        Err(_) => Cell::Empty,
    };
    let change = |c: crate::variants::Change| match c {
        crate::variants::Change::Set(x) => Cell::Num(x),
        other => Cell::Text(crate::export::change_text(other)),
    };
    let cells = rows
        .iter()
        .map(|r| {
            let note = [&r.at_low, &r.at_high]
                .iter()
                .filter_map(|e| e.as_ref().err().map(|e| e.to_string()))
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                Cell::Text(r.key.clone()),
                change(r.low),
                change(r.high),
                Cell::Text(measure.to_string()),
                Cell::Styled(base.value, style),
                value(&r.at_low),
                value(&r.at_high),
                Cell::Styled(r.size(), style),
                if note.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(note)
                },
            ]
        })
        .collect();
    let mut columns: Vec<Column> = [
        "key", "low", "high", "measure", "base", "at_low", "at_high", "swing", "note",
    ]
    .iter()
    .map(|h| column(h, Style::General))
    .collect();
    columns[0].width = text_width(rows.iter().map(|r| r.key.as_str()), 12.0);
    columns[3].width = (measure.chars().count() as f64 + 2.0).max(10.0);
    columns[8].width = 40.0;
    Sheet {
        name: "Sensitivity".into(),
        about: format!(
            "One-at-a-time sensitivity of {measure}, as sensitivity.csv: each key set to its low and high value (a number, xFACTOR or dSHIFT), the measure there, and the swing |at_high − at_low|, largest first; in the measure's unit."
        ),
        columns,
        rows: cells,
        frozen_columns: 1,
    }
}

/// `Assumptions`: every key of the scenarios' merged trees (their `extends` chains
/// merged), one row per key and a column per scenario; numbers as numbers.
pub fn assumptions_sheet(scenarios: &[(&str, &Node)]) -> Sheet {
    let mut flat: Vec<Vec<(String, Cell)>> = Vec::new();
    for (_, node) in scenarios {
        let mut out = Vec::new();
        flatten("", node, &mut out);
        flat.push(out);
    }
    // The keys in the order of the first scenario, then those only later ones have.
    let mut keys: Vec<String> = Vec::new();
    for f in &flat {
        for (k, _) in f {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let rows = keys
        .iter()
        .map(|k| {
            let mut cells = vec![Cell::Text(k.clone())];
            cells.extend(flat.iter().map(|f| {
                f.iter()
                    .find(|(key, _)| key == k)
                    .map_or(Cell::Empty, |(_, c)| c.clone())
            }));
            cells
        })
        .collect();
    let mut columns = vec![column("key", Style::General)];
    columns[0].width = text_width(keys.iter().map(String::as_str), 12.0);
    columns.extend(scenarios.iter().map(|(name, _)| {
        let mut c = column(name, Style::General);
        c.width = c.width.max(18.0);
        c
    }));
    Sheet {
        name: "Assumptions".into(),
        about: "The scenario as run: every key of the scenario file with its `extends` chain merged (as `fundcast show` prints it), one row per key (dotted path; a schedule's years and an age map's ages are keys too) and a column per scenario; units as docs/scenario-format.md gives them (rates as fractions, money in the currency unit); an array is shown as its TOML text.".into(),
        columns,
        rows,
        frozen_columns: 1,
    }
}

/// The leaves of `node` under `path`: numbers as numbers, strings and booleans as text,
/// arrays as their TOML text.
fn flatten(path: &str, node: &Node, out: &mut Vec<(String, Cell)>) {
    match &node.value {
        Value::Table(t) => {
            for e in &t.entries {
                flatten(&crate::document::join(path, &e.key), &e.node, out);
            }
        }
        Value::Int(i) => out.push((path.to_string(), Cell::Num(*i as f64))),
        Value::Float(f) => out.push((path.to_string(), Cell::Num(*f))),
        Value::Str(s) => out.push((path.to_string(), Cell::Text(s.clone()))),
        Value::Bool(b) => out.push((path.to_string(), Cell::Text(b.to_string()))),
        Value::Array(_) => out.push((
            path.to_string(),
            Cell::Text(crate::document::to_toml(node).trim().to_string()),
        )),
    }
}

/// A width fitting the longest of `texts` (at least `min`, at most 60 characters).
fn text_width<'a>(texts: impl Iterator<Item = &'a str>, min: f64) -> f64 {
    let longest = texts.map(|t| t.chars().count()).max().unwrap_or(0);
    (longest as f64 + 2.0).clamp(min, 60.0)
}

/// What the README sheet says of the run besides the sheets.
#[derive(Clone, Debug, Default)]
pub struct About {
    /// The command, e.g. `run`, `compare`, `sensitivity`.
    pub command: String,
    /// The scenario(s) and what they are (name, currency, years).
    pub scenarios: Vec<String>,
    /// Every scenario file read, with its SHA-256.
    pub inputs: Vec<(String, String)>,
    /// Seed and paths of the Monte Carlo run (`None`: deterministic only).
    pub seed: Option<u64>,
    pub paths: usize,
    /// Further lines (key, value), e.g. the measure of a sensitivity.
    pub extra: Vec<(String, String)>,
}

/// The README sheet: what the workbook is, how it was made, what each sheet holds.
fn readme_sheet(about: &About, sheets: &[Sheet]) -> Sheet {
    let text = |s: &str| Cell::Text(s.to_string());
    let mut rows = vec![
        vec![
            text("workbook"),
            text(&format!("fundcast {} results", about.command)),
        ],
        vec![text("engine"), text("fundcast")],
        vec![text("engine_version"), text(crate::VERSION)],
    ];
    for s in &about.scenarios {
        rows.push(vec![text("scenario"), text(s)]);
    }
    for (path, sha) in &about.inputs {
        rows.push(vec![
            text("scenario_file"),
            text(&format!("{path} (sha256 {sha})")),
        ]);
    }
    match about.seed {
        Some(seed) => {
            rows.push(vec![text("seed"), Cell::Text(seed.to_string())]);
            rows.push(vec![text("paths"), Cell::Num(about.paths as f64)]);
        }
        None => rows.push(vec![
            text("paths"),
            text("0 (deterministic projection only)"),
        ]),
    }
    for (k, v) in &about.extra {
        rows.push(vec![text(k), text(v)]);
    }
    rows.push(vec![
        text("numbers"),
        text("every value is the number the CSV file beside this workbook has (full precision); formats only change how it is shown"),
    ]);
    for s in sheets {
        rows.push(vec![text(&format!("sheet {}", s.name)), text(&s.about)]);
    }
    Sheet {
        name: "README".into(),
        about: String::new(),
        columns: vec![
            Column {
                header: "item".into(),
                style: Style::General,
                width: 22.0,
            },
            Column {
                header: "description".into(),
                style: Style::General,
                width: 120.0,
            },
        ],
        rows,
        frozen_columns: 0,
    }
}

/// The creation time: `SOURCE_DATE_EPOCH` when set to a number of seconds, else
/// [`CREATED`].
fn created() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|s| *s >= 0)
        .unwrap_or(CREATED)
}

/// The workbook's bytes: the README sheet, then `sheets` in order.
pub fn workbook(about: &About, sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_timestamp(created())
        .or_else(|_| ExcelDateTime::from_timestamp(CREATED))?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("fundcast {} results", about.command))
            .set_author("fundcast")
            .set_comment(format!("fundcast {}", crate::VERSION))
            .set_creation_datetime(&created),
    );
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let formats: Vec<(Style, Format)> = [
        Style::General,
        Style::Thousands,
        Style::Ratio,
        Style::Percent,
        Style::Whole,
    ]
    .into_iter()
    .map(|s| (s, Format::new().set_num_format(s.num_format())))
    .collect();
    let format_of = |s: Style| &formats.iter().find(|(x, _)| *x == s).expect("style").1;
    let readme = readme_sheet(about, sheets);
    for (i, sheet) in std::iter::once(&readme).chain(sheets).enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)?;
        for (c, col) in sheet.columns.iter().enumerate() {
            let c = c as u16;
            ws.set_column_width(c, col.width)?;
            ws.write_string_with_format(0, c, &col.header, &header)?;
        }
        ws.set_freeze_panes(1, sheet.frozen_columns)?;
        for (r, cells) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in cells.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Num(x) => {
                        ws.write_number_with_format(r, col, *x, format_of(sheet.columns[c].style))?;
                    }
                    Cell::Styled(x, style) => {
                        ws.write_number_with_format(r, col, *x, format_of(*style))?;
                    }
                    Cell::Text(s) if i == 0 => {
                        ws.write_string_with_format(r, col, s, &wrap)?;
                    }
                    Cell::Text(s) => {
                        ws.write_string(r, col, s)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    book.save_to_buffer()
}

/// A scenario as the workbook names it: its name (the file's stem), its merged tree and
/// the files read.
pub type Scenario<'a> = (&'a str, &'a Node, &'a crate::document::Sources);

/// Every file of `sources` with its SHA-256 (as `run.json` lists them).
fn inputs(sources: &crate::document::Sources) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    sources
        .files
        .iter()
        .map(|f| {
            let sha: String = Sha256::digest(f.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (f.path.display().to_string(), sha)
        })
        .collect()
}

/// The About of a command over `scenarios` with `opts`.
fn about(command: &str, scenarios: &[Scenario], opts: Options) -> About {
    About {
        command: command.into(),
        scenarios: scenarios
            .iter()
            .map(|(name, _, sources)| match sources.files.first() {
                Some(f) => format!("{name}: {}", f.path.display()),
                None => name.to_string(),
            })
            .collect(),
        inputs: scenarios.iter().flat_map(|(_, _, s)| inputs(s)).collect(),
        seed: (opts.paths > 0).then_some(opts.seed),
        paths: opts.paths,
        extra: Vec::new(),
    }
}

/// `results.xlsx` of `fundcast run`: the deterministic projection, then with paths the
/// Monte Carlo percentiles and depletion, then the assumptions.
pub fn run_book(
    model: &Model,
    rows: &[Row],
    summary: Option<&Summary>,
    opts: Options,
    scenario: Scenario,
) -> Result<Vec<u8>, XlsxError> {
    let mut about = about("run", &[scenario], opts);
    about.extra.push((
        "model".into(),
        format!(
            "{}, {}–{}, money in {}",
            model.name, model.frame.base_year, model.frame.horizon, model.currency
        ),
    ));
    let sheets = run_sheets(model, rows, summary, scenario.0, scenario.1);
    workbook(&about, &sheets)
}

/// `results.xlsx` of `fundcast compare`: the comparison, then the assumptions of every
/// scenario side by side.
pub fn compare_book(
    c: &Comparison,
    opts: Options,
    trees: &[(String, Node, crate::document::Sources)],
) -> Result<Vec<u8>, XlsxError> {
    let scenarios: Vec<Scenario> = trees.iter().map(|(n, t, s)| (n.as_str(), t, s)).collect();
    let about = about("compare", &scenarios, opts);
    let named: Vec<(&str, &Node)> = scenarios.iter().map(|(n, t, _)| (*n, *t)).collect();
    workbook(&about, &[comparison_sheet(c), assumptions_sheet(&named)])
}

/// `results.xlsx` of `fundcast sensitivity`: the tornado table, then the assumptions.
pub fn sensitivity_book(
    measure: &str,
    base: &Evaluation,
    rows: &[Swing],
    opts: Options,
    scenario: Scenario,
) -> Result<Vec<u8>, XlsxError> {
    let mut about = about("sensitivity", &[scenario], opts);
    about.extra.push(("measure".into(), measure.to_string()));
    workbook(
        &about,
        &[
            sensitivity_sheet(measure, base, rows),
            assumptions_sheet(&[(scenario.0, scenario.1)]),
        ],
    )
}

/// The sheets of a `run`: the deterministic projection, then with paths the percentiles
/// and depletion, then the assumptions.
pub fn run_sheets(
    model: &Model,
    rows: &[Row],
    summary: Option<&Summary>,
    name: &str,
    node: &Node,
) -> Vec<Sheet> {
    let mut sheets = vec![deterministic_sheet(model, rows)];
    if let Some(s) = summary {
        sheets.push(percentiles_sheet(model, s));
        sheets.push(depletion_sheet(model, s));
    }
    sheets.push(assumptions_sheet(&[(name, node)]));
    sheets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_follow_the_registry_units() {
        assert_eq!(Style::of_key("fund_end"), Style::Thousands);
        assert_eq!(Style::of_key("cumulative_deficit_mean"), Style::Thousands);
        assert_eq!(Style::of_key("dependency_ratio"), Style::Ratio);
        assert_eq!(Style::of_key("dependency_ratio_horizon_mean"), Style::Ratio);
        assert_eq!(Style::of_key("p_depleted_by(2050)"), Style::Percent);
        assert_eq!(Style::of_key("depletion_year_median"), Style::Whole);
        assert_eq!(Style::of_key("average_first_pension"), Style::Thousands);
    }

    #[test]
    fn the_creation_date_is_fixed() {
        // 2000-01-01 00:00:00 UTC.
        assert_eq!(CREATED, 30 * 365 * 86_400 + 7 * 86_400);
    }
}
