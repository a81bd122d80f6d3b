//! `report.html`: one self-contained page of a run, a comparison or a sensitivity, for
//! people — the scenario and its hash, the assumptions that matter, fan charts of the
//! Monte Carlo quantiles with the deterministic line on top, the depletion distribution
//! and headline sentences, and under each chart its plot points as a table.
//!
//! Takes finished results (as the CSV writers of [`crate::export`] do) and gives the
//! page's text and the [`Chart`]s it shows; the binary writes them. CSS and charts are
//! inline (SVG from [`crate::chart`]), with no script and no address outside the file,
//! so the page opens from a USB stick and prints to PDF as it is. The only line that
//! differs between two runs of the same scenario and seed is the one with the date
//! ([`DATE_PREFIX`]), taken from `SOURCE_DATE_EPOCH` when set.

use std::fmt::Write as _;
use std::path::Path;

use crate::aggregate::Summary;
use crate::chart::{self, Bar, Body, Chart, Fan, Format, Line};
use crate::export::{metric_count, num};
use crate::metrics::metric;
use crate::model::Model;
use crate::projection::Row;

/// How the line with the date begins (tests compare reports without it).
pub const DATE_PREFIX: &str = "<p class=\"generated\">";

/// Text for HTML or SVG: `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `x` rounded to `decimals`, with a comma between groups of three digits:
/// `thousands(-1234567.891, 1)` is `-1,234,567.9`. Not a finite number: `–`.
pub fn thousands(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A value in a table: money and persons in whole units with separators, ratios with
/// three decimals, probabilities in per cent with one.
pub fn value_text(format: Format, x: f64) -> String {
    match format {
        Format::Money | Format::Persons | Format::Plain => thousands(x, 0),
        Format::Ratio => {
            if x.is_finite() {
                format!("{x:.3}")
            } else {
                "–".into()
            }
        }
        Format::Probability => {
            if x.is_finite() {
                format!("{:.1} %", x * 100.0)
            } else {
                "–".into()
            }
        }
    }
}

/// A civil date `YYYY-MM-DD` (UTC) from seconds since 1970.
pub fn date_text(epoch_seconds: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = epoch_seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today's date, or `SOURCE_DATE_EPOCH`'s when that is set (reproducible builds).
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    date_text(secs)
}

/// Headline sentences of a depletion histogram: `counts[t]` paths first depleted in
/// year index `t` (of `counts.len() − 1` years from `base_year`), then the paths never
/// depleted within the horizon. "Lasts until at least Y" means: not depleted in Y or
/// before.
pub fn headlines(counts: &[u64], base_year: i32) -> Vec<String> {
    let n: u64 = counts.iter().sum();
    let years = counts.len().saturating_sub(1);
    if n == 0 || years == 0 {
        return Vec::new();
    }
    let horizon = base_year + years as i32 - 1;
    let cum: Vec<u64> = counts[..years]
        .iter()
        .scan(0u64, |s, c| {
            *s += c;
            Some(*s)
        })
        .collect();
    let mut out = Vec::new();
    let mut last90 = None;
    for p in [90u64, 50] {
        // The last year through which at least p % of paths are not depleted.
        let last = (0..years).rev().find(|t| cum[*t] * 100 <= (100 - p) * n);
        if p == 50 && last == last90 {
            // What holds of 90 % of futures holds of 50 %: said already.
            continue;
        }
        last90 = last;
        out.push(match last {
            None => format!(
                "In {} of futures the reserve runs out in the first year, {base_year}.",
                value_text(Format::Probability, cum[0] as f64 / n as f64)
            ),
            Some(t) if t == years - 1 => format!(
                "In at least {p} % of futures the reserve lasts until at least {horizon}, the last year projected."
            ),
            Some(t) => format!(
                "In at least {p} % of futures the reserve lasts until at least {} (it runs out in {} or later, or not by {horizon}).",
                base_year + t as i32,
                base_year + t as i32 + 1
            ),
        });
    }
    let k = cum[years - 1];
    out.push(if k == 0 {
        format!(
            "In none of the {} futures does the reserve run out by {horizon}; with {} paths a probability below about {} cannot be ruled out.",
            thousands(n as f64, 0),
            thousands(n as f64, 0),
            value_text(Format::Probability, 3.0 / n as f64)
        )
    } else if k == n {
        format!(
            "In every one of the {} futures the reserve runs out by {horizon}.",
            thousands(n as f64, 0)
        )
    } else {
        format!(
            "The reserve runs out by {horizon} in {} of {} futures ({}).",
            thousands(k as f64, 0),
            thousands(n as f64, 0),
            value_text(Format::Probability, k as f64 / n as f64)
        )
    });
    out
}

const CSS: &str = r#"
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --bg: #fff; --accent: #0072b2;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
    "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", "Droid Sans Fallback", sans-serif; }
* { box-sizing: border-box; }
body { font-family: var(--font); color: var(--ink); background: var(--bg); margin: 0 auto;
  max-width: 1040px; padding: 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.6rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.3rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 0.4rem; border-bottom: 1px solid var(--rule); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0.4rem 0; }
th, td { padding: 0.2rem 0.55rem; border-bottom: 1px solid var(--rule); text-align: right;
  vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
table.meta td, table.meta th { text-align: left; }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 0.4rem 0; }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: var(--font); }
details { margin: 0.3rem 0 1rem; }
summary { cursor: pointer; color: var(--accent); }
.headline li { margin: 0.25rem 0; font-size: 1.05rem; }
.note, .generated { color: var(--muted); font-size: 0.9rem; }
code { word-break: break-all; }
@media (max-width: 600px) { body { padding: 0.5rem; } th, td { padding: 0.15rem 0.3rem;
  font-size: 0.85rem; } h1 { font-size: 1.3rem; } }
@media print { body { max-width: none; padding: 0; font-size: 10pt; }
  section.chart { break-inside: avoid; page-break-inside: avoid; }
  svg { max-height: 9.5cm; width: auto; max-width: 100%; margin: 0 auto; }
  details > summary { display: none; } details:not([open]) > .scroll { display: none; }
  a { color: inherit; text-decoration: none; } }
"#;

/// The beginning of a page: title, style, the heading.
fn open_page(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"fundcast {}\">\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n<header>\n<h1>{}</h1>\n",
        crate::VERSION,
        escape(title),
        escape(title)
    );
}

fn close_page(out: &mut String) {
    let _ = write!(
        out,
        "<footer><p class=\"note\">Written by fundcast {}. No script and no outside address: \
         the page prints as it is (in Chromium: <code>chromium --headless --print-to-pdf=report.pdf report.html</code>).</p></footer>\n\
         </body>\n</html>\n",
        crate::VERSION
    );
}

/// A row of the header's table.
/// The header's first rows: the scenario's name and its file.
fn scenario_rows(out: &mut String, model: &Model, path: &Path) {
    meta_row(out, "scenario", &escape(&model.name));
    meta_row(
        out,
        "file",
        &format!("<code>{}</code>", escape(&path.display().to_string())),
    );
}

fn meta_row(out: &mut String, key: &str, value_html: &str) {
    let _ = writeln!(
        out,
        "<tr><th>{}</th><td>{value_html}</td></tr>",
        escape(key)
    );
}

/// The inline SVG of a chart: plotters' SVG without its `xmlns` attribute (HTML needs
/// none, and the page then has no address in it).
pub fn inline_svg(c: &Chart) -> String {
    let s = chart::svg(c);
    let s = s.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    s.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" class=\"chart\" id=\"svg-{}\" ",
            escape(&c.title),
            escape(&c.id)
        ),
        1,
    )
}

/// A cell with its value for people and its exact value (`data-v`, as in the CSVs).
fn cell(format: Format, x: f64) -> String {
    format!("<td data-v=\"{}\">{}</td>", num(x), value_text(format, x))
}

/// The plot points of a chart, as a table (every line of the chart in numbers).
fn points_table(c: &Chart, unit: &str) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"points\">\n<thead><tr>");
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", escape(unit))
    };
    match &c.body {
        Body::Years { years, fans, lines } => {
            out.push_str("<th>year</th>");
            for l in lines {
                let _ = write!(out, "<th>{}{unit}</th>", escape(&l.label));
            }
            for f in fans {
                let labels: &[&str] = if f.inner.is_some() {
                    &["5 %", "25 %", "median", "75 %", "95 %"]
                } else {
                    &["5 %", "median", "95 %"]
                };
                for q in labels {
                    let _ = write!(out, "<th>{} {q}{unit}</th>", escape(&f.label));
                }
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for (t, y) in years.iter().enumerate() {
                let _ = write!(out, "<tr><td>{y}</td>");
                for l in lines {
                    out.push_str(&cell(c.format, l.values[t]));
                }
                for f in fans {
                    let mut cols = vec![f.p5[t]];
                    if let Some((p25, _)) = &f.inner {
                        cols.push(p25[t]);
                    }
                    cols.push(f.median[t]);
                    if let Some((_, p75)) = &f.inner {
                        cols.push(p75[t]);
                    }
                    cols.push(f.p95[t]);
                    for v in cols {
                        out.push_str(&cell(c.format, v));
                    }
                }
                out.push_str("</tr>\n");
            }
        }
        Body::Bars {
            years,
            values,
            label,
        } => {
            let _ = write!(out, "<th>year</th><th>{}</th>", escape(label));
            out.push_str("</tr></thead>\n<tbody>\n");
            for (y, v) in years.iter().zip(values) {
                let _ = writeln!(out, "<tr><td>{y}</td>{}</tr>", cell(c.format, *v));
            }
        }
        Body::Tornado { base, bars } => {
            out.push_str("<th>key</th><th>low</th><th>high</th><th>at low</th><th>at high</th><th>swing</th>");
            out.push_str("</tr></thead>\n<tbody>\n");
            for b in bars {
                let v = |x: Option<f64>| match x {
                    Some(x) => cell(c.format, x),
                    None => "<td>invalid</td>".into(),
                };
                let swing = match (b.at_low, b.at_high) {
                    (Some(a), Some(h)) => cell(c.format, (h - a).abs()),
                    _ => "<td>–</td>".into(),
                };
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td>{}{}{swing}</tr>",
                    escape(&b.key),
                    escape(&b.low_label),
                    escape(&b.high_label),
                    v(b.at_low),
                    v(b.at_high)
                );
            }
            let _ = writeln!(
                out,
                "<tr><td>base</td><td></td><td></td>{}<td></td><td></td></tr>",
                cell(c.format, *base)
            );
        }
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// A chart's section: heading, inline SVG, plot points in a `<details>`.
fn chart_section(out: &mut String, c: &Chart, unit: &str, note: &str) {
    let _ = writeln!(
        out,
        "<section class=\"chart\" id=\"{}\">\n<h2>{}</h2>",
        escape(&c.id),
        escape(&c.title)
    );
    if !note.is_empty() {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
    let _ = writeln!(out, "<figure>{}</figure>", inline_svg(c));
    let _ = writeln!(
        out,
        "<details><summary>Plot points of “{}”</summary>\n{}</details>\n</section>",
        escape(&c.title),
        points_table(c, unit)
    );
}

/// What a report of a run is made from.
pub struct RunInput<'a> {
    pub model: &'a Model,
    pub scenario_path: &'a Path,
    /// Every scenario file read (the file itself, then the bases it extends), with its
    /// SHA-256, as `run.json` records them.
    pub files: &'a [(String, String)],
    pub seed: u64,
    pub paths: usize,
    pub rows: &'a [Row],
    pub deterministic_depletion: Option<usize>,
    pub summary: Option<&'a Summary>,
    /// The date line's date (see [`today`]).
    pub date: &'a str,
}

/// The yearly series a run's report charts: metric index, chart id, title, format.
fn run_series(model: &Model) -> Vec<(usize, &'static str, &'static str, Format)> {
    use metric::*;
    let mut v = vec![
        (
            FUND_END,
            "fund_end",
            "Fund balance at year end",
            Format::Money,
        ),
        (DEFICIT, "deficit", "Annual deficit", Format::Money),
        (SUBSIDY, "subsidy", "Annual subsidy", Format::Money),
        (
            CONTRIBUTORS,
            "contributors",
            "Contributors",
            Format::Persons,
        ),
        (PENSIONERS, "pensioners", "Pensioners", Format::Persons),
        (
            DEPENDENCY_RATIO,
            "dependency_ratio",
            "Dependency ratio (pensioners per contributor)",
            Format::Ratio,
        ),
        (
            REPLACEMENT_RATIO,
            "replacement_ratio",
            "Replacement ratio (average pension / average wage)",
            Format::Ratio,
        ),
    ];
    if model.china.is_some() && metric_count(model) > IA_IMPLICIT_DEBT {
        v.extend([
            (
                IA_FUND_END,
                "ia_fund_end",
                "Individual-account fund at year end",
                Format::Money,
            ),
            (
                IA_BALANCES,
                "ia_balances",
                "Individual-account balances at year end",
                Format::Money,
            ),
            (
                IA_IMPLICIT_DEBT,
                "ia_implicit_debt",
                "Implicit debt of empty accounts (balances − fund)",
                Format::Money,
            ),
        ]);
    }
    v
}

/// How a measure's values read: years, probabilities (indicators' means), ratios, head
/// counts or money, by its name and the registry's unit.
fn measure_format(m: &str) -> Format {
    use crate::metrics::{unit_of_name, Unit};
    let unit = unit_of_name(m);
    if m.starts_with("depletion_year") {
        Format::Plain
    } else if m.starts_with("p_depleted")
        || m.starts_with("depleted")
        || matches!(unit, Some(Unit::Indicator | Unit::Probability))
    {
        Format::Probability
    } else if m.contains("ratio") || unit == Some(Unit::Ratio) {
        Format::Ratio
    } else if matches!(unit, Some(Unit::Persons | Unit::PersonsPerYear)) {
        Format::Persons
    } else {
        Format::Money
    }
}

/// The chart of a run's yearly metric `m`: the Monte Carlo `fans` and the deterministic
/// projection's line.
fn yearly_chart(
    r: &RunInput,
    (m, id, title, format): (usize, &str, &str, Format),
    years: &[i32],
    fans: Vec<Fan>,
) -> Chart {
    Chart {
        subtitle: r.model.name.clone(),
        id: id.into(),
        title: title.into(),
        y_label: chart::unit_text(format, &r.model.currency),
        format,
        body: Body::Years {
            years: years.to_vec(),
            fans,
            lines: vec![Line {
                label: "deterministic".into(),
                values: r.rows.iter().map(|row| row[m]).collect(),
                colour: 6,
                bold: true,
                dashed: false,
            }],
        },
    }
}

/// The other funds' yearly series a run's report charts (those that are on): metric
/// index, chart id, title, format.
fn fund_chart_series(model: &Model) -> Vec<(usize, &'static str, &'static str, Format)> {
    use metric::*;
    let f = &model.funds;
    let mut v = Vec::new();
    if f.unemployment.is_some() {
        v.extend([
            (
                UNEMPLOYMENT_FUND_END,
                "unemployment_fund_end",
                "Unemployment insurance: fund at year end",
                Format::Money,
            ),
            (
                UNEMPLOYMENT_CLAIMANTS,
                "unemployment_claimants",
                "Unemployment insurance: claimants (mean stock)",
                Format::Persons,
            ),
            (
                UNEMPLOYMENT_RATE,
                "unemployment_rate",
                "Registered unemployment rate",
                Format::Ratio,
            ),
        ]);
    }
    if f.medical.is_some() {
        v.extend([
            (
                MEDICAL_POOL_END,
                "medical_pool_end",
                "Medical insurance: pooled fund at year end",
                Format::Money,
            ),
            (
                MEDICAL_POOL_DEFICIT,
                "medical_pool_deficit",
                "Medical insurance: the pool's current-year deficit (spending − income)",
                Format::Money,
            ),
            (
                MEDICAL_RESERVE_MONTHS,
                "medical_reserve_months",
                "Medical insurance: months of pool spending in reserve (early warning)",
                Format::Ratio,
            ),
        ]);
    }
    if f.injury.is_some() {
        v.extend([
            (
                INJURY_FUND_END,
                "injury_fund_end",
                "Work-injury insurance: fund at year end",
                Format::Money,
            ),
            (
                INJURY_ANNUITANTS,
                "injury_annuitants",
                "Work-injury insurance: annuitants in payment",
                Format::Persons,
            ),
        ]);
    }
    if f.maternity.is_some() {
        v.extend([
            (
                MATERNITY_FUND_END,
                "maternity_fund_end",
                "Maternity insurance: fund at year end",
                Format::Money,
            ),
            (
                MATERNITY_BIRTHS,
                "maternity_births",
                "Maternity insurance: births to insured women",
                Format::Persons,
            ),
        ]);
    }
    if f.any() {
        v.extend([
            (
                BUDGET_SOCIAL_SHARE,
                "budget_social_share",
                "Social budget: subsidies and other social spending / local fiscal spending",
                Format::Ratio,
            ),
            (
                BUDGET_COLLECTED_LEVY,
                "budget_collected_levy",
                "Five funds' contributions / payroll",
                Format::Ratio,
            ),
        ]);
    }
    v
}

/// The quantiles of metric `m` of a summary, year by year, as a fan.
fn fan_of(
    summary: &Summary,
    m: usize,
    k: usize,
    years: usize,
    label: &str,
    colour: usize,
    inner: bool,
) -> Fan {
    fan_at(summary, |t| t * k + m, years, label, colour, inner)
}

/// The quantiles of series `at(t)` of a summary, year by year, as a fan.
fn fan_at(
    summary: &Summary,
    at: impl Fn(usize) -> usize,
    years: usize,
    label: &str,
    colour: usize,
    inner: bool,
) -> Fan {
    let q = |j: usize| -> Vec<f64> { (0..years).map(|t| summary.stats[at(t)][j]).collect() };
    Fan {
        label: label.to_string(),
        p5: q(3),
        p95: q(9),
        inner: inner.then(|| (q(5), q(7))),
        median: q(6),
        colour,
    }
}

fn years_of(model: &Model) -> Vec<i32> {
    (0..model.frame.years())
        .map(|t| model.frame.base_year + t as i32)
        .collect()
}

/// A schedule for people: one value, or its first and last.
fn schedule(v: &[f64], f: impl Fn(f64) -> String, model: &Model) -> String {
    match (v.first(), v.last()) {
        (Some(a), Some(_)) if v.iter().all(|x| x == a) => f(*a),
        (Some(a), Some(b)) => format!(
            "{} in {} → {} in {}",
            f(*a),
            model.frame.base_year,
            f(*b),
            model.frame.horizon
        ),
        _ => "–".into(),
    }
}

fn pct(x: f64) -> String {
    let s = format!("{:.2}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} %")
}

/// The assumptions that matter, as a table.
fn assumptions(out: &mut String, model: &Model) {
    out.push_str("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n<div class=\"scroll\"><table class=\"meta\">\n");
    let f = model.frame;
    meta_row(
        out,
        "projection",
        &format!("{}–{} ({} years)", f.base_year, f.horizon, f.years()),
    );
    meta_row(out, "currency", &escape(&model.currency));
    let c = &model.contributions;
    meta_row(
        out,
        "contribution rate",
        &escape(&schedule(&c.rate, pct, model)),
    );
    meta_row(
        out,
        "collection rate",
        &escape(&schedule(&c.collection_rate, pct, model)),
    );
    let age = |x: f64| format!("{x}");
    meta_row(
        out,
        "retirement age, men",
        &escape(&schedule(&model.retirement.age[0], age, model)),
    );
    meta_row(
        out,
        "retirement age, women",
        &escape(&schedule(&model.retirement.age[1], age, model)),
    );
    let i = &model.indexation;
    meta_row(
        out,
        "indexation of pensions",
        &escape(&format!(
            "wage growth × {}, inflation × {}, plus {}",
            schedule(&i.wage_weight, |x| format!("{x}"), model),
            schedule(&i.price_weight, |x| format!("{x}"), model),
            schedule(&i.constant, pct, model)
        )),
    );
    for (k, name) in crate::economy::VARIABLE_KEYS.iter().enumerate() {
        let p = &model.economy.processes[k];
        if k == crate::economy::ENTRANT_GROWTH && !model.economy.has_entrant_growth {
            continue;
        }
        meta_row(
            out,
            &name.replace('_', " "),
            &escape(&format!(
                "mean {}; volatility {} a year; persistence {}",
                schedule(&p.mean, pct, model),
                pct(p.sigma),
                p.phi
            )),
        );
    }
    meta_row(
        out,
        "discount rate",
        &escape(&pct(model.economy.discount_rate)),
    );
    if model.china.is_some() {
        meta_row(
            out,
            "rules",
            "China’s urban employee rules (basic pension + individual accounts)",
        );
    }
    out.push_str("</table></div>\n</section>\n");
}

/// The report of a run, and the charts it shows (for `charts/`).
pub fn run_report(r: &RunInput) -> (String, Vec<Chart>) {
    let model = r.model;
    let years = years_of(model);
    let n = years.len();
    let k = metric_count(model);
    let currency = &model.currency;
    let mut out = String::new();
    open_page(&mut out, &model.name);
    out.push_str("<div class=\"scroll\"><table class=\"meta\">\n");
    scenario_rows(&mut out, model, r.scenario_path);
    if r.files.len() > 1 {
        let chain: Vec<String> = r.files[1..]
            .iter()
            .map(|(p, _)| format!("<code>{}</code>", escape(p)))
            .collect();
        meta_row(&mut out, "extends", &chain.join(" → "));
    }
    if let Some((_, sha)) = r.files.first() {
        meta_row(
            &mut out,
            "SHA-256 of the file",
            &format!("<code>{}</code>", escape(sha)),
        );
    }
    meta_row(
        &mut out,
        "engine",
        &format!("fundcast {}", escape(crate::VERSION)),
    );
    meta_row(&mut out, "seed", &r.seed.to_string());
    meta_row(
        &mut out,
        "Monte Carlo paths",
        &if r.paths == 0 {
            "none (deterministic projection only)".to_string()
        } else {
            thousands(r.paths as f64, 0)
        },
    );
    out.push_str("</table></div>\n");
    let _ = writeln!(
        out,
        "{DATE_PREFIX}Generated {}</p>\n</header>",
        escape(r.date)
    );

    // Headlines.
    out.push_str("<section id=\"headline\">\n<h2>In brief</h2>\n<ul class=\"headline\">\n");
    let _ = writeln!(
        out,
        "<li>{}</li>",
        escape(&match r.deterministic_depletion {
            Some(t) => format!(
                "In the deterministic projection the reserve runs out in {}.",
                model.frame.base_year + t as i32
            ),
            None => format!(
                "In the deterministic projection the reserve does not run out by {}.",
                model.frame.horizon
            ),
        })
    );
    if let Some(s) = r.summary {
        for h in headlines(&s.depletion[..n + 1], model.frame.base_year) {
            let _ = writeln!(out, "<li>{}</li>", escape(&h));
        }
    }
    out.push_str("</ul>\n<p class=\"note\">The reserve runs out in the first year whose balance before subsidy is below zero. Money is in ");
    out.push_str(&escape(currency));
    out.push_str(" (charts: millions; tables: whole units).</p>\n</section>\n");
    assumptions(&mut out, model);

    let mut charts = Vec::new();
    for (m, id, title, format) in run_series(model) {
        let fans = r
            .summary
            .map(|s| vec![fan_of(s, m, k, n, "Monte Carlo", 0, true)])
            .unwrap_or_default();
        charts.push(yearly_chart(r, (m, id, title, format), &years, fans));
    }
    if model.china.is_some() && metric_count(model) > metric::BASIC_PENSION_AVG {
        use metric::{AVERAGE_FIRST_PENSION, BASIC_PENSION_AVG};
        let fans = r
            .summary
            .map(|s| {
                vec![
                    fan_of(
                        s,
                        AVERAGE_FIRST_PENSION,
                        k,
                        n,
                        "whole first pension",
                        0,
                        false,
                    ),
                    fan_of(s, BASIC_PENSION_AVG, k, n, "basic + transitional", 2, false),
                ]
            })
            .unwrap_or_default();
        let det = |m: usize, label: &str, colour: usize| Line {
            label: label.into(),
            values: r.rows.iter().map(|row| row[m]).collect(),
            colour,
            bold: false,
            dashed: true,
        };
        charts.push(Chart {
            subtitle: model.name.clone(),
            id: "pension_split".into(),
            title: "First pensions: whole and basic part (the rest is the account pension)".into(),
            y_label: format!("{currency} a year"),
            format: Format::Money,
            body: Body::Years {
                years: years.clone(),
                fans,
                lines: vec![
                    det(AVERAGE_FIRST_PENSION, "whole (deterministic)", 0),
                    det(BASIC_PENSION_AVG, "basic + transitional (deterministic)", 2),
                ],
            },
        });
    }
    let funds = crate::metrics::fund_series_of(model);
    for (m, id, title, format) in fund_chart_series(model) {
        // A fan where Monte Carlo summarises the metric, else the deterministic line.
        let fans = match (r.summary, funds.iter().position(|&i| i == m)) {
            (Some(s), Some(j)) => {
                let at = |t: usize| crate::montecarlo::fund_series(model, funds.len(), t, j);
                vec![fan_at(s, at, n, "Monte Carlo", 0, true)]
            }
            _ => Vec::new(),
        };
        charts.push(yearly_chart(r, (m, id, title, format), &years, fans));
    }
    if let Some(s) = r.summary {
        charts.push(Chart {
            subtitle: model.name.clone(),
            id: "depletion_year".into(),
            title: "Year the reserve runs out (share of futures)".into(),
            y_label: "share of futures".into(),
            format: Format::Probability,
            body: Body::Bars {
                years: years.clone(),
                values: (0..n).map(|t| s.p_depleted_in(t)).collect(),
                label: "P(runs out in the year)".into(),
            },
        });
        charts.push(Chart {
            subtitle: model.name.clone(),
            id: "p_depleted_by".into(),
            title: "P(reserve exhausted by year T)".into(),
            y_label: "probability".into(),
            format: Format::Probability,
            body: Body::Years {
                years: years.clone(),
                fans: Vec::new(),
                lines: std::iter::once(Line {
                    label: if funds.is_empty() {
                        "P(exhausted by T)".into()
                    } else {
                        "pension".into()
                    },
                    values: (0..n).map(|t| s.p_depleted_by(t)).collect(),
                    colour: 1,
                    bold: false,
                    dashed: false,
                })
                .chain(
                    crate::export::funds::depletion_metrics(model)
                        .into_iter()
                        .enumerate()
                        .map(|(c, (fund, m))| {
                            let j = funds.iter().position(|&i| i == m).expect("a fund metric");
                            Line {
                                label: fund.replace('_', " "),
                                values: (0..n)
                                    .map(|t| {
                                        s.stats[crate::montecarlo::fund_series(
                                            model,
                                            funds.len(),
                                            t,
                                            j,
                                        )][0]
                                    })
                                    .collect(),
                                colour: 2 + c,
                                bold: false,
                                dashed: true,
                            }
                        }),
                )
                .collect(),
            },
        });
    }
    for c in &charts {
        let unit = match c.format {
            Format::Money => currency.to_string(),
            _ => String::new(),
        };
        let note = match (&c.body, r.summary) {
            (Body::Years { fans, .. }, Some(_)) if !fans.is_empty() => {
                "Bands: 5–95 % and 25–75 % of the Monte Carlo futures; line: median; black: the deterministic projection."
            }
            (Body::Years { .. }, None) => "The deterministic projection (no Monte Carlo paths were run).",
            _ => "",
        };
        chart_section(&mut out, c, &unit, note);
    }
    close_page(&mut out);
    (out, charts)
}

/// What a report of a comparison is made from.
pub struct CompareInput<'a> {
    /// Scenarios, base first: name, model, file, deterministic rows.
    pub scenarios: Vec<(&'a str, &'a Model, &'a Path, Vec<Row>)>,
    /// Each scenario's own Monte Carlo summary on the same seed (the same random
    /// streams), for the bands.
    pub summaries: Vec<Summary>,
    pub comparison: &'a crate::compare::Comparison,
    /// Year-by-year paired differences variant − base of some metrics, on the same
    /// common paths ([`crate::compare::paired_yearly_differences`]): the metrics and the
    /// summary.
    pub differences: Option<(Vec<usize>, Summary)>,
    pub seed: u64,
    pub date: &'a str,
}

/// The report of a comparison, and its charts.
pub fn compare_report(r: &CompareInput) -> (String, Vec<Chart>) {
    let (_, base, _, _) = r.scenarios[0];
    let years = years_of(base);
    let n = years.len();
    let currency = &base.currency;
    let c = r.comparison;
    let mut out = String::new();
    open_page(&mut out, &format!("Comparison: {}", base.name));
    out.push_str("<div class=\"scroll\"><table class=\"meta\">\n");
    for (i, (name, model, path, _)) in r.scenarios.iter().enumerate() {
        meta_row(
            &mut out,
            if i == 0 { "base" } else { "variant" },
            &format!(
                "{} — {} (<code>{}</code>)",
                escape(name),
                escape(&model.name),
                escape(&path.display().to_string())
            ),
        );
    }
    meta_row(
        &mut out,
        "engine",
        &format!("fundcast {}", escape(crate::VERSION)),
    );
    meta_row(&mut out, "seed", &r.seed.to_string());
    meta_row(&mut out, "common paths", &thousands(c.paths as f64, 0));
    out.push_str("</table></div>\n");
    let _ = writeln!(
        out,
        "{DATE_PREFIX}Generated {}</p>\n</header>",
        escape(r.date)
    );

    // The paired differences.
    out.push_str("<section id=\"differences\">\n<h2>Differences from the base, paired on common random numbers</h2>\n");
    out.push_str("<p class=\"note\">Each variant's value, its difference from the base (the mean of the path-by-path differences) and the standard error of that difference, paired and as if the runs were independent. The measures are those of whole paths or of the horizon; the fans of year-by-year paired differences follow the charts below.</p>\n");
    let measures: Vec<&str> = c
        .lines
        .iter()
        .filter(|l| l.scenario == c.names[0])
        .map(|l| l.measure.as_str())
        .collect();
    let format_of = |m: &str| measure_format(m);
    let year_cell = |x: f64| format!("<td data-v=\"{}\">{x:.0}</td>", num(x));
    // One table per variant (narrow enough for a phone and a printed page).
    for (i, variant) in c.names.iter().enumerate().skip(1) {
        let _ = write!(
            out,
            "<h3>{} − base</h3>\n<div class=\"scroll\"><table class=\"points\" id=\"paired-{i}\">\n\
             <thead><tr><th>measure</th><th>{} (base)</th><th>{}</th><th>difference</th>\
             <th>s.e. paired</th><th>s.e. unpaired</th></tr></thead>\n<tbody>\n",
            escape(variant),
            escape(&c.names[0]),
            escape(variant)
        );
        for m in &measures {
            let f = format_of(m);
            let show = |x: Option<f64>, what: &str| match x {
                Some(v) if v.is_finite() && f == Format::Plain => year_cell(v),
                Some(v) if v.is_finite() => cell(f, v),
                _ => format!("<td>{what}</td>"),
            };
            let line = |n: &str| c.lines.iter().find(|l| l.scenario == n && l.measure == *m);
            let l = line(variant);
            let _ = writeln!(
                out,
                "<tr><td>{}</td>{}{}{}{}{}</tr>",
                escape(m),
                show(line(&c.names[0]).and_then(|l| l.value), "not depleted"),
                show(l.and_then(|l| l.value), "not depleted"),
                show(l.and_then(|l| l.difference), "–"),
                show(l.and_then(|l| l.se_paired), "–"),
                show(l.and_then(|l| l.se_unpaired), "–"),
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");

    let mut charts = Vec::new();
    for (m, id, title, format) in run_series(base) {
        if r.scenarios
            .iter()
            .any(|(_, model, _, _)| metric_count(model) <= m)
        {
            continue;
        }
        let fans: Vec<Fan> = r
            .summaries
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let k = metric_count(r.scenarios[i].1);
                fan_of(s, m, k, n, r.scenarios[i].0, i, false)
            })
            .collect();
        let lines = r
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, (name, _, _, rows))| Line {
                label: format!("{name} (deterministic)"),
                values: rows.iter().map(|row| row[m]).collect(),
                colour: i,
                bold: false,
                dashed: true,
            })
            .collect();
        charts.push(Chart {
            subtitle: format!("base: {}", base.name),
            id: id.into(),
            title: title.into(),
            y_label: chart::unit_text(format, currency),
            format,
            body: Body::Years {
                years: years.clone(),
                fans,
                lines,
            },
        });
    }
    // Fans of the paired differences, variant − base, year by year.
    if let Some((metrics, d)) = &r.differences {
        let k = (r.scenarios.len() - 1) * metrics.len();
        for (j, &m) in metrics.iter().enumerate() {
            let Some((_, id, title, format)) = run_series(base).into_iter().find(|s| s.0 == m)
            else {
                continue;
            };
            let fans = (1..r.scenarios.len())
                .map(|v| {
                    let label = format!("{} − {}", r.scenarios[v].0, r.scenarios[0].0);
                    fan_of(d, (v - 1) * metrics.len() + j, k, n, &label, v, true)
                })
                .collect();
            charts.push(Chart {
                subtitle: format!("base: {}", base.name),
                id: format!("difference_{id}"),
                title: format!("{title}: variant − base, paired"),
                y_label: chart::unit_text(format, currency),
                format,
                body: Body::Years {
                    years: years.clone(),
                    fans,
                    lines: Vec::new(),
                },
            });
        }
    }
    charts.push(Chart {
        subtitle: format!("base: {}", base.name),
        id: "p_depleted_by".into(),
        title: "P(reserve exhausted by year T)".into(),
        y_label: "probability".into(),
        format: Format::Probability,
        body: Body::Years {
            years: years.clone(),
            fans: Vec::new(),
            lines: r
                .summaries
                .iter()
                .enumerate()
                .map(|(i, s)| Line {
                    label: r.scenarios[i].0.to_string(),
                    values: (0..n).map(|t| s.p_depleted_by(t)).collect(),
                    colour: i,
                    bold: false,
                    dashed: false,
                })
                .collect(),
        },
    });
    for ch in &charts {
        let unit = if ch.format == Format::Money {
            currency.as_str()
        } else {
            ""
        };
        let note = if ch.id == "p_depleted_by" {
            ""
        } else if ch.id.starts_with("difference_") {
            "The difference variant − base path by path, on common random numbers: its median (line), 25–75 % and 5–95 % bands, year by year."
        } else {
            "Each scenario: its median (line) and 5–95 % band over the common futures, and its deterministic projection (dashed)."
        };
        chart_section(&mut out, ch, unit, note);
    }
    close_page(&mut out);
    (out, charts)
}

/// What a report of a sensitivity is made from.
pub struct SensitivityInput<'a> {
    pub model: &'a Model,
    pub scenario_path: &'a Path,
    pub measure: &'a str,
    pub base: &'a crate::measure::Evaluation,
    pub rows: &'a [crate::policy::Swing],
    pub seed: u64,
    pub paths: usize,
    pub date: &'a str,
}

/// The report of a sensitivity: the tornado and its table.
pub fn sensitivity_report(r: &SensitivityInput) -> (String, Vec<Chart>) {
    let SensitivityInput {
        model,
        scenario_path,
        measure,
        base,
        rows,
        seed,
        paths,
        date,
    } = *r;
    let mut out = String::new();
    open_page(
        &mut out,
        &format!("Sensitivity of {measure}: {}", model.name),
    );
    out.push_str("<div class=\"scroll\"><table class=\"meta\">\n");
    scenario_rows(&mut out, model, scenario_path);
    meta_row(
        &mut out,
        "measure",
        &format!("<code>{}</code>", escape(measure)),
    );
    meta_row(
        &mut out,
        "engine",
        &format!("fundcast {}", escape(crate::VERSION)),
    );
    meta_row(&mut out, "seed", &seed.to_string());
    meta_row(
        &mut out,
        "Monte Carlo paths",
        &if paths == 0 {
            "none (deterministic)".to_string()
        } else {
            thousands(paths as f64, 0)
        },
    );
    out.push_str("</table></div>\n");
    let _ = writeln!(
        out,
        "{DATE_PREFIX}Generated {}</p>\n</header>",
        escape(date)
    );
    let format = measure_format(measure);
    let mut bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            key: r.key.clone(),
            low_label: crate::export::change_text(r.low),
            high_label: crate::export::change_text(r.high),
            at_low: r.at_low.as_ref().ok().map(|e| e.value),
            at_high: r.at_high.as_ref().ok().map(|e| e.value),
        })
        .collect();
    // Largest swing first (as the table on stdout; a stable sort keeps its order).
    let swing = |b: &Bar| match (b.at_low, b.at_high) {
        (Some(a), Some(h)) => (h - a).abs(),
        _ => 0.0,
    };
    bars.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
    let c = Chart {
        subtitle: model.name.clone(),
        id: "tornado".into(),
        title: format!("Sensitivity of {measure}, one key at a time"),
        y_label: chart::unit_text(format, &model.currency),
        format,
        body: Body::Tornado {
            base: base.value,
            bars,
        },
    };
    let unit = if format == Format::Money {
        model.currency.as_str()
    } else {
        ""
    };
    chart_section(
        &mut out,
        &c,
        unit,
        "Each bar runs from the base value to the value with the key at its low (blue) or high (orange) change; largest swing first.",
    );
    for r in rows {
        for e in [&r.at_low, &r.at_high] {
            if let Err(msg) = e {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">{}: {}</p>",
                    escape(&r.key),
                    escape(&msg.to_string())
                );
            }
        }
    }
    close_page(&mut out);
    (out, vec![c])
}

/// Which chart files to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChartFiles {
    pub svg: bool,
    pub png: bool,
}

impl ChartFiles {
    /// `svg`, `png`, `svg,png` or `none`.
    pub fn parse(text: &str) -> Option<ChartFiles> {
        let mut f = ChartFiles::default();
        for part in text.split(',').map(str::trim) {
            match part {
                "svg" => f.svg = true,
                "png" => f.png = true,
                "none" | "" => {}
                _ => return None,
            }
        }
        Some(f)
    }
}

/// The chart files `charts/ID.svg|png` of `charts`, as the names and bytes to write.
pub fn chart_files(charts: &[Chart], which: ChartFiles) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for c in charts {
        if which.svg {
            out.push((format!("charts/{}.svg", c.id), chart::svg(c).into_bytes()));
        }
        if which.png {
            out.push((format!("charts/{}.png", c.id), chart::png(c)));
        }
    }
    out
}

/// What the report of a valuation (`fundcast value`) is made from.
pub struct ValuationInput<'a> {
    pub model: &'a Model,
    pub scenario_path: &'a std::path::Path,
    /// The deterministic projection's valuation.
    pub valuation: &'a crate::valuation::Valuation,
    /// With Monte Carlo paths: the distribution of every valued line.
    pub summary: Option<&'a crate::aggregate::Summary>,
    pub seed: u64,
    pub date: &'a str,
}

/// The report of a valuation: its basis, the summarized rates of each window, the closed
/// group, and a chart of the year-by-year cost and income rates (with paths, the fan of
/// the cost rate). Every number is one of `valuation.csv`.
pub fn valuation_report(r: &ValuationInput) -> (String, Vec<Chart>) {
    use crate::valuation::{lines, WINDOWS};
    let ValuationInput {
        model,
        scenario_path,
        valuation: v,
        summary,
        seed,
        date,
    } = *r;
    let y0 = model.frame.base_year;
    let mut out = String::new();
    open_page(&mut out, &format!("Actuarial valuation: {}", model.name));
    out.push_str("<div class=\"scroll\"><table class=\"meta\">\n");
    scenario_rows(&mut out, model, scenario_path);
    meta_row(
        &mut out,
        "open group",
        &format!(
            "valued at 1 January {}, discounted at the projected fund return",
            y0 + 1
        ),
    );
    meta_row(
        &mut out,
        "closed group",
        &format!(
            "valued at 1 January {y0} on the base-year stocks, discount rate {}",
            pct(model.valuation.discount_rate)
        ),
    );
    meta_row(
        &mut out,
        "engine",
        &format!("fundcast {}", escape(crate::VERSION)),
    );
    meta_row(
        &mut out,
        "Monte Carlo paths",
        &match summary {
            Some(s) => format!("{} (seed {seed})", thousands(s.paths as f64, 0)),
            None => "none (deterministic)".to_string(),
        },
    );
    out.push_str("</table></div>\n");
    let _ = writeln!(
        out,
        "{DATE_PREFIX}Generated {}</p>\n</header>",
        escape(date)
    );
    // Summarized rates, window by window.
    out.push_str(
        "<section id=\"valuation\">\n<h2>Summarized rates and the actuarial balance</h2>\n\
         <p class=\"note\">Rates in % of the present value of covered payroll. Income rate: \
         the reserve at the start plus the present value of contributions and other \
         income; cost rate: the present value of payouts and administration plus an ending \
         target reserve of the next year's cost. The general average premium is the level \
         contribution rate that, with the start reserve and other income, meets the cost \
         rate. The open-group unfunded obligation leaves out the target reserve.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>window</th><th>years</th>\
         <th>income rate</th><th>cost rate</th><th>actuarial balance</th>\
         <th>general average premium</th><th>unfunded obligation</th>\
         <th>% of PV payroll</th></tr></thead>\n<tbody>\n",
    );
    for (w, s) in WINDOWS.iter().zip(&v.windows) {
        match s {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}–{}</td><td class=\"num\">{:.2}</td>\
                     <td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td>\
                     <td class=\"num\">{:.2}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{:.2}</td></tr>",
                    escape(&w.name()),
                    s.first,
                    s.last,
                    s.income_rate,
                    s.cost_rate,
                    s.actuarial_balance,
                    s.general_average_premium,
                    thousands(s.unfunded_obligation, 0),
                    s.unfunded_obligation_rate
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td colspan=\"7\">not valued: needs a projection to {} \
                     (horizon {})</td></tr>",
                    escape(&w.name()),
                    y0 + w.length(model) as i32 + 1,
                    model.frame.horizon
                );
            }
        }
    }
    out.push_str("</tbody></table></div>\n");
    if let Some(s) = summary {
        out.push_str(
            "<h3>Distribution over the paths</h3>\n<div class=\"scroll\"><table>\n\
             <thead><tr><th>measure</th><th>window</th><th>mean</th><th>p5</th>\
             <th>p50</th><th>p95</th></tr></thead>\n<tbody>\n",
        );
        let mut series = 0;
        for l in lines(model, v) {
            if l.value.is_none() {
                continue;
            }
            let shown = l.period != "year"
                && l.period != "closed_group"
                && matches!(
                    l.measure,
                    "summarized_income_rate"
                        | "summarized_cost_rate"
                        | "actuarial_balance"
                        | "general_average_premium"
                        | "open_group_unfunded_obligation_rate"
                );
            if shown {
                let st = &s.stats[series];
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td>\
                     <td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td>\
                     <td class=\"num\">{:.2}</td></tr>",
                    escape(l.measure),
                    escape(&l.period),
                    st[0],
                    st[3],
                    st[6],
                    st[9]
                );
            }
            series += 1;
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
    // The closed group.
    let c = &v.closed;
    let _ = writeln!(
        out,
        "<section id=\"closed-group\">\n<h2>Closed group: accrued-to-date liability at 1 January \
         {y0}</h2>\n<p class=\"note\">The implicit pension debt: the present value of the \
         pensions in payment and of the rights accrued by the base year's members, at a \
         discount rate of {}, less the reserve. Money in {}.</p>\n<div class=\"scroll\">\
         <table>\n<tbody>",
        pct(model.valuation.discount_rate),
        escape(&model.currency)
    );
    for (name, x) in [
        ("pensions in payment (old age)", c.pensioners),
        ("pensions in payment (disability)", c.disabled),
        ("accrued rights of actives", c.actives),
        ("accrued rights of vested members", c.vested),
        ("individual-account balances", c.accounts),
        ("accrued-to-date liability", c.liability),
        ("reserve", c.reserve),
        ("net of the reserve", c.net),
    ] {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
            escape(name),
            thousands(x, 0)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
    // The year-by-year rates.
    let years = years_of(model);
    let rates = |f: fn(&crate::valuation::YearRates) -> f64| v.years.iter().map(f).collect();
    let fans = match summary {
        Some(s) => {
            // The cost rate's series: the second of each year's lines after the payroll
            // and cost lines (every year line is valued).
            let per_year = lines(model, v)
                .iter()
                .take_while(|l| l.first_year == y0 && l.period == "year")
                .count();
            let at = |t: usize, k: usize| s.stats[t * per_year + 3][k];
            let n = v.years.len();
            vec![crate::chart::Fan {
                label: "cost rate, 5–95 % of paths".into(),
                p5: (0..n).map(|t| at(t, 3)).collect(),
                p95: (0..n).map(|t| at(t, 9)).collect(),
                inner: Some((
                    (0..n).map(|t| at(t, 5)).collect(),
                    (0..n).map(|t| at(t, 7)).collect(),
                )),
                median: (0..n).map(|t| at(t, 6)).collect(),
                colour: 1,
            }]
        }
        None => Vec::new(),
    };
    let c = Chart {
        id: "payg-rates".into(),
        title: "Pay-as-you-go cost and income rates, % of covered payroll".into(),
        subtitle: model.name.clone(),
        y_label: "% of payroll".into(),
        format: Format::Ratio,
        body: crate::chart::Body::Years {
            years,
            fans,
            lines: vec![
                crate::chart::Line {
                    label: "cost rate".into(),
                    values: rates(|y| y.cost_rate),
                    colour: 1,
                    bold: false,
                    dashed: false,
                },
                crate::chart::Line {
                    label: "income rate".into(),
                    values: rates(|y| y.income_rate),
                    colour: 0,
                    bold: false,
                    dashed: false,
                },
            ],
        },
    };
    chart_section(
        &mut out,
        &c,
        "",
        "Cost: payouts and administration; income: contributions and other income (not the subsidy); both over the covered payroll of the year (the deterministic projection).",
    );
    close_page(&mut out);
    (out, vec![c])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(1000.0, 0), "1,000");
        assert_eq!(thousands(-1_234_567.891, 1), "-1,234,567.9");
        assert_eq!(thousands(1_234_567_890.0, 0), "1,234,567,890");
        assert_eq!(thousands(-0.4, 0), "0");
        assert_eq!(thousands(123456.5, 2), "123,456.50");
        assert_eq!(thousands(f64::NAN, 0), "–");
    }

    #[test]
    fn escape_covers_html_and_svg() {
        assert_eq!(
            escape("<a href=\"x\">R&D's</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape("赣州 2006–2010"), "赣州 2006–2010");
    }

    #[test]
    fn values_for_people() {
        assert_eq!(value_text(Format::Money, 360e6), "360,000,000");
        assert_eq!(value_text(Format::Probability, 0.125), "12.5 %");
        assert_eq!(value_text(Format::Ratio, 0.33333), "0.333");
    }

    #[test]
    fn dates_from_epoch_seconds() {
        assert_eq!(date_text(0), "1970-01-01");
        assert_eq!(date_text(951_782_400), "2000-02-29");
        assert_eq!(date_text(1_798_675_200), "2026-12-31");
        assert_eq!(date_text(-86_400), "1969-12-31");
    }

    /// Four years 2006–2009, ten paths; worked by hand in the comments.
    #[test]
    fn headlines_of_hand_computed_distributions() {
        // One path runs out in 2008, nine never: at most 10 % are out by any year.
        let h = headlines(&[0, 0, 1, 0, 9], 2006);
        assert_eq!(
            h[0],
            "In at least 90 % of futures the reserve lasts until at least 2009, the last year projected."
        );
        // The same for 50 %: not said twice.
        assert_eq!(h.len(), 2);
        assert_eq!(
            h[1],
            "The reserve runs out by 2009 in 1 of 10 futures (10.0 %)."
        );
        // 1, 2, 3 paths out in 2007, 2008, 2009: 10 % out by 2007, 30 % by 2008, 60 % by 2009.
        let h = headlines(&[0, 1, 2, 3, 4], 2006);
        assert_eq!(
            h[0],
            "In at least 90 % of futures the reserve lasts until at least 2007 (it runs out in 2008 or later, or not by 2009)."
        );
        assert_eq!(
            h[1],
            "In at least 50 % of futures the reserve lasts until at least 2008 (it runs out in 2009 or later, or not by 2009)."
        );
        assert_eq!(
            h[2],
            "The reserve runs out by 2009 in 6 of 10 futures (60.0 %)."
        );
        // Half run out at once.
        let h = headlines(&[5, 0, 0, 0, 5], 2006);
        assert_eq!(
            h[0],
            "In 50.0 % of futures the reserve runs out in the first year, 2006."
        );
        assert_eq!(
            h[1],
            "In at least 50 % of futures the reserve lasts until at least 2009, the last year projected."
        );
        // All at once: one sentence for both 90 % and 50 %.
        let h = headlines(&[10, 0, 0, 0, 0], 2006);
        assert_eq!(
            h,
            [
                "In 100.0 % of futures the reserve runs out in the first year, 2006.",
                "In every one of the 10 futures the reserve runs out by 2009."
            ]
        );
        // Never depleted: no claim beyond what 10 paths can show.
        let h = headlines(&[0, 0, 0, 0, 10], 2006);
        assert_eq!(
            h[1],
            "In none of the 10 futures does the reserve run out by 2009; with 10 paths a probability below about 30.0 % cannot be ruled out."
        );
        // Always depleted by the horizon.
        let h = headlines(&[0, 0, 4, 6, 0], 2006);
        assert_eq!(
            h[2],
            "In every one of the 10 futures the reserve runs out by 2009."
        );
        assert_eq!(
            h[0],
            "In at least 90 % of futures the reserve lasts until at least 2007 (it runs out in 2008 or later, or not by 2009)."
        );
        assert!(headlines(&[0], 2006).is_empty());
    }

    #[test]
    fn chart_files_are_chosen_by_name() {
        assert_eq!(
            ChartFiles::parse("svg,png"),
            Some(ChartFiles {
                svg: true,
                png: true
            })
        );
        assert_eq!(ChartFiles::parse("none"), Some(ChartFiles::default()));
        assert_eq!(ChartFiles::parse("pdf"), None);
    }
}
