//! The files of the five funds (written when any of the other four funds is on):
//! `funds.csv`, every fund's year in one long table; `social-budget.csv`, the social
//! budget by year; and the funds' lines of `summary.csv` and columns of
//! `depletion.csv` (docs/outputs.md).

use std::fmt::Write as _;

use super::num;
use crate::aggregate::{Summary, STATS};
use crate::metrics::{fund_series_of, metric, METRICS, REGISTRY};
use crate::model::Model;
use crate::montecarlo::fund_series;
use crate::projection::Row;

/// The columns of `funds.csv` after `year` and `fund`.
pub const FUND_COLUMNS: [&str; 9] = [
    "insured",
    "contributors",
    "beneficiaries",
    "contributions",
    "benefits",
    "other_spending",
    "subsidy",
    "fund_end",
    "reserve_months",
];

/// One fund's line of `funds.csv` in a year.
type Line = (&'static str, [f64; 9]);

/// The funds of a model and their lines of year `row`: the pension, then each of the
/// other funds that is on (medical insurance as its pool and its individual accounts).
pub fn fund_lines(model: &Model, row: &Row) -> Vec<Line> {
    use metric::*;
    let months = crate::funds::reserve_months;
    let f = &model.funds;
    let pension_spending = row[PAYOUTS] + row[ADMIN];
    let mut lines = vec![(
        "pension",
        [
            row[CONTRIBUTORS] + row[VESTED] + row[PENSIONERS],
            row[CONTRIBUTORS],
            row[PENSIONERS],
            row[CONTRIBUTIONS],
            row[PAYOUTS],
            row[ADMIN],
            row[SUBSIDY],
            row[FUND_END],
            months(row[FUND_END], pension_spending),
        ],
    )];
    if f.unemployment.is_some() {
        lines.push((
            "unemployment",
            [
                row[UNEMPLOYMENT_INSURED],
                row[UNEMPLOYMENT_INSURED],
                row[UNEMPLOYMENT_CLAIMANTS],
                row[UNEMPLOYMENT_CONTRIBUTIONS],
                row[UNEMPLOYMENT_BENEFITS],
                row[UNEMPLOYMENT_OTHER_SPENDING],
                row[UNEMPLOYMENT_SUBSIDY],
                row[UNEMPLOYMENT_FUND_END],
                row[UNEMPLOYMENT_RESERVE_MONTHS],
            ],
        ));
    }
    if f.medical.is_some() {
        lines.push((
            "medical_pool",
            [
                row[MEDICAL_INSURED],
                row[MEDICAL_CONTRIBUTORS],
                row[MEDICAL_RETIREES],
                row[MEDICAL_POOL_INCOME],
                row[MEDICAL_POOL_SPENDING],
                0.0,
                row[MEDICAL_SUBSIDY],
                row[MEDICAL_POOL_END],
                row[MEDICAL_RESERVE_MONTHS],
            ],
        ));
        lines.push((
            "medical_accounts",
            [
                row[MEDICAL_INSURED],
                row[MEDICAL_CONTRIBUTORS],
                row[MEDICAL_INSURED],
                row[MEDICAL_ACCOUNT_INCOME],
                row[MEDICAL_ACCOUNT_SPENDING],
                0.0,
                0.0,
                row[MEDICAL_ACCOUNT_END],
                months(row[MEDICAL_ACCOUNT_END], row[MEDICAL_ACCOUNT_SPENDING]),
            ],
        ));
    }
    if f.injury.is_some() {
        lines.push((
            "work_injury",
            [
                row[INJURY_INSURED],
                row[INJURY_INSURED],
                row[INJURY_ANNUITANTS],
                row[INJURY_CONTRIBUTIONS],
                row[INJURY_BENEFITS],
                0.0,
                row[INJURY_SUBSIDY],
                row[INJURY_FUND_END],
                row[INJURY_RESERVE_MONTHS],
            ],
        ));
    }
    if f.maternity.is_some() {
        lines.push((
            "maternity",
            [
                row[MATERNITY_INSURED],
                row[MATERNITY_INSURED],
                row[MATERNITY_BIRTHS],
                row[MATERNITY_CONTRIBUTIONS],
                row[MATERNITY_BENEFITS],
                0.0,
                row[MATERNITY_SUBSIDY],
                row[MATERNITY_FUND_END],
                row[MATERNITY_RESERVE_MONTHS],
            ],
        ));
    }
    lines
}

/// `funds.csv`: `year,fund,` then [`FUND_COLUMNS`], one line per fund and year of the
/// deterministic projection.
pub fn funds_csv(model: &Model, rows: &[Row]) -> String {
    let mut out = format!("year,fund,{}\n", FUND_COLUMNS.join(","));
    for (t, row) in rows.iter().enumerate() {
        let year = model.frame.base_year + t as i32;
        for (fund, values) in fund_lines(model, row) {
            let _ = write!(out, "{year},{fund}");
            for v in values {
                let _ = write!(out, ",{}", num(v));
            }
            out.push('\n');
        }
    }
    out
}

/// The subsidy metric of each fund that is on, with the fund's name.
fn subsidies(model: &Model) -> Vec<(&'static str, usize)> {
    use metric::*;
    let f = &model.funds;
    let mut s = vec![("pension", SUBSIDY)];
    for (on, name, k) in [
        (
            f.unemployment.is_some(),
            "unemployment",
            UNEMPLOYMENT_SUBSIDY,
        ),
        (f.medical.is_some(), "medical", MEDICAL_SUBSIDY),
        (f.injury.is_some(), "work_injury", INJURY_SUBSIDY),
        (f.maternity.is_some(), "maternity", MATERNITY_SUBSIDY),
    ] {
        if on {
            s.push((name, k));
        }
    }
    s
}

/// `social-budget.csv`: by year of the deterministic projection, each fund's subsidy,
/// their total, other social spending, fiscal spending, the share and whether it meets
/// the target, the levies and the contributions collected; with Monte Carlo paths, the
/// probability that the share meets the target and its 5–50–95 % percentiles.
pub fn social_budget_csv(model: &Model, rows: &[Row], summary: Option<&Summary>) -> String {
    use metric::*;
    let subs = subsidies(model);
    let mut header: Vec<String> = subs.iter().map(|(f, _)| format!("{f}_subsidy")).collect();
    header.extend(
        [
            "total_subsidy",
            "other_social_spending",
            "fiscal_spending",
            "social_share",
            "target_share",
            "share_met",
            "statutory_levy",
            "collected_levy",
            "contributions",
        ]
        .map(String::from),
    );
    if summary.is_some() {
        header.extend(
            [
                "p_share_met",
                "social_share_p5",
                "social_share_p50",
                "social_share_p95",
            ]
            .map(String::from),
        );
    }
    let mut out = format!("year,{}\n", header.join(","));
    let funds = fund_series_of(model);
    let at = |k: usize| funds.iter().position(|&i| i == k).expect("a budget metric");
    for (t, row) in rows.iter().enumerate() {
        let _ = write!(out, "{}", model.frame.base_year + t as i32);
        let mut cells: Vec<f64> = subs.iter().map(|(_, k)| row[*k]).collect();
        cells.extend([
            row[BUDGET_SUBSIDY],
            row[BUDGET_OTHER_SOCIAL],
            row[BUDGET_FISCAL_SPENDING],
            row[BUDGET_SOCIAL_SHARE],
            model.funds.budget.target_share,
            row[BUDGET_SHARE_MET],
            row[BUDGET_STATUTORY_LEVY],
            row[BUDGET_COLLECTED_LEVY],
            row[BUDGET_CONTRIBUTIONS],
        ]);
        if let Some(s) = summary {
            let met = &s.stats[fund_series(model, funds.len(), t, at(BUDGET_SHARE_MET))];
            let share = &s.stats[fund_series(model, funds.len(), t, at(BUDGET_SOCIAL_SHARE))];
            cells.extend([met[0], share[3], share[6], share[9]]);
        }
        for v in cells {
            let _ = write!(out, ",{}", num(v));
        }
        out.push('\n');
    }
    out
}

/// The funds' lines of `summary.csv` in year index `t`: `year,metric,stat,value` for each
/// fund metric that Monte Carlo summarises (`funds`: [`fund_series_of`]).
pub fn summary_lines(
    model: &Model,
    funds: &[usize],
    summary: &Summary,
    t: usize,
    w: &mut csv::Writer<Vec<u8>>,
) {
    let year = (model.frame.base_year + t as i32).to_string();
    for (j, &i) in funds.iter().enumerate() {
        let stats = &summary.stats[fund_series(model, funds.len(), t, j)];
        for (k, stat) in STATS.iter().enumerate() {
            w.write_record([year.as_str(), METRICS[i], stat, &num(stats[k])])
                .expect("in-memory CSV");
        }
    }
}

/// The depletion indicator of each fund that is on, with the fund's name.
pub fn depletion_metrics(model: &Model) -> Vec<(&'static str, usize)> {
    use metric::*;
    fund_series_of(model)
        .into_iter()
        .filter(|&i| {
            matches!(
                i,
                UNEMPLOYMENT_DEPLETED | MEDICAL_DEPLETED | INJURY_DEPLETED | MATERNITY_DEPLETED
            )
        })
        .map(|i| (REGISTRY[i].scope.fund(), i))
        .collect()
}

/// The funds' columns of `depletion.csv`, year by year: `P(depleted by t)` of each, the
/// mean of its depletion indicator.
pub fn depletion_cells(model: &Model, summary: &Summary) -> Vec<Vec<f64>> {
    let funds = fund_series_of(model);
    let at: Vec<usize> = depletion_metrics(model)
        .into_iter()
        .map(|(_, i)| funds.iter().position(|&k| k == i).expect("a fund metric"))
        .collect();
    (0..model.frame.years())
        .map(|t| {
            at.iter()
                .map(|&j| summary.stats[fund_series(model, funds.len(), t, j)][0])
                .collect()
        })
        .collect()
}
