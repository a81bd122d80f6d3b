//! The seed scenario against the figures of Ganzhou's 11th five-year plan (2006–2010):
//! 2005 contributions 360 M yuan and payouts 575 M; 2010 about 135 000 pensioners and
//! 635 M of contributions; a gap of 1.38 bn yuan over 2006–2010 (2005 left out).

use crate::common;

use std::path::Path;

use common::within;
use fundcast::projection::metric::*;

fn ganzhou() -> fundcast::Model {
    fundcast::scenario::load(Path::new("scenarios/ganzhou-2006-2010.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ganzhou_reproduces_the_plan() {
    let m = ganzhou();
    assert_eq!((m.frame.base_year, m.frame.horizon), (2005, 2010));
    let (rows, summary) = fundcast::deterministic(&m);
    assert_eq!(rows.len(), 6);
    let (y2005, y2010) = (&rows[0], &rows[5]);

    // Base year (calibration): 248 000 · 12 000 · 0.28 · 0.432 = 359.98 M; 575 M paid.
    // End of the plan: pensioners, contributions and the gap 2006–2010.
    common::assert_plan_figures(&rows);
    within(y2005[CONTRIBUTORS], 248_000.0, 1e-9);
    within(y2005[PENSIONERS], 101_000.0, 1e-9);

    // The gap runs over 2006–2010 only: the sum of those years' deficits.
    let gap: f64 = rows[1..].iter().map(|y| y[DEFICIT]).sum();
    within(y2010[CUMULATIVE_DEFICIT], gap, 1e-12);
    within(summary.cumulative_deficit, gap, 1e-12);
    assert!(y2005[DEFICIT] > 0.0);
    assert!((y2010[CUMULATIVE_DEFICIT] - gap - y2005[DEFICIT]).abs() > 1e6);

    // No reserve and no subsidy rule in the base case (underwriting is a variant): the
    // fund is depleted in the base year and its balance is the accumulated gap, a debt.
    assert_eq!(summary.depletion, Some(0));
    for y in &rows {
        assert_eq!(y[SUBSIDY], 0.0);
        assert!(y[FUND_END] < 0.0, "{}", y[FUND_END]);
    }
    assert!(-rows[5][FUND_END] > y2010[CUMULATIVE_DEFICIT]); // 2005's gap and interest too
                                                             // Wages grow 10 % a year: W_2010 = 12 000 · 1.1^5.
    within(y2010[AVERAGE_WAGE], 12_000.0 * 1.1f64.powi(5), 1e-12);
}
