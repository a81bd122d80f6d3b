//! Tiny projections checked against numbers computed by hand (in the comments).
//!
//! Unless a test says otherwise the scenario is `common::tiny()`: 2005–2006, ages 0..=5,
//! male q = 0.1, 0.1, 0.2, 0.25, 0.5 at ages 0–4 (female half of that), q = 1 at 5;
//! W_2005 = 1000, g = 0.1 (so W_2006 = 1100), π = 0.02, r = 0.05; c = 0.2, k = 0.9;
//! pensions rise by 1 + 0.5·g = 1.05; RA = 4; 1000 active men aged 1 (one year of
//! service), 100 retired men aged 2 with 500 a year each; fund 10 000; no subsidy.

use crate::common;

use common::{close, run, tiny};
use fundcast::params::{FEMALE, MALE};
use fundcast::projection::metric::*;

const A: usize = 0;
const V: usize = 1;
const I: usize = 2;
const R: usize = 3;

// ---------------------------------------------------------------------------------------
// 1. One age, two years.
// ---------------------------------------------------------------------------------------

#[test]
fn one_age_two_years_by_hand() {
    let m = tiny().model();
    let r = run(&m);
    let (y05, y06) = (&r.rows[0], &r.rows[1]);

    // 2005: C = 1000 · 1000 · 1 · 0.2 · 0.9 = 180 000; B = 100 · 500 = 50 000;
    // D = 50 000 − 180 000 = −130 000;
    // F_2006 = 10 000 · 1.05 + 130 000 · 1.025 = 10 500 + 133 250 = 143 750.
    close(y05[CONTRIBUTORS], 1000.0);
    close(y05[PENSIONERS], 100.0);
    close(y05[AVERAGE_WAGE], 1000.0);
    close(y05[CONTRIBUTIONS], 180_000.0);
    close(y05[PAYOUTS], 50_000.0);
    close(y05[ADMIN], 0.0);
    close(y05[DEFICIT], -130_000.0);
    close(y05[SUBSIDY], 0.0);
    close(y05[FUND_END], 143_750.0);
    // The base year is the observed year: not in the cumulative deficit.
    close(y05[CUMULATIVE_DEFICIT], 0.0);
    close(y05[AVERAGE_PENSION], 500.0);
    close(y05[REPLACEMENT_RATIO], 0.5);
    close(y05[DEPENDENCY_RATIO], 0.1);
    // Deaths 2005: actives 1000 · 0.1 = 100, pensioners 100 · 0.2 = 20.
    assert_eq!(r.ledger[0][A].deaths, 100.0);
    close(r.ledger[0][R].deaths, 20.0);

    // 2006: W = 1100. Actives 900 (aged 2), pensioners 80 (aged 3) whose pension mass
    // 80 · 500 = 40 000 was indexed by 1.05: B = 42 000.
    // C = 900 · 1100 · 0.2 · 0.9 = 178 200; D = 42 000 − 178 200 = −136 200;
    // F_2007 = 143 750 · 1.05 + 136 200 · 1.025 = 150 937.5 + 139 605 = 290 542.5.
    close(y06[CONTRIBUTORS], 900.0);
    close(y06[PENSIONERS], 80.0);
    close(y06[AVERAGE_WAGE], 1100.0);
    close(y06[CONTRIBUTIONS], 178_200.0);
    close(y06[PAYOUTS], 42_000.0);
    close(y06[AVERAGE_PENSION], 525.0);
    close(y06[REPLACEMENT_RATIO], 525.0 / 1100.0);
    close(y06[DEFICIT], -136_200.0);
    close(y06[FUND_END], 290_542.5);
    close(y06[CUMULATIVE_DEFICIT], -136_200.0);
    close(r.summary.cumulative_deficit, -136_200.0);
    assert_eq!(r.summary.depletion, None);
    // Nobody reaches RA = 4 (ages 2 and 3 after ageing).
    close(y05[NEW_PENSIONS], 0.0);
    close(y06[NEW_PENSIONS], 0.0);

    // End of 2006: 900 · 0.8 = 720 actives aged 3 (their service masses are checked with
    // formulas that read them: the `replacement` formula does not, and the engine may
    // leave them untracked); 80 · 0.75 = 60 pensioners aged 4, mass
    // 42 000 · 0.75 · 1.05 = 33 075.
    let (a3, r4) = (common::cell(&m, MALE, 3), common::cell(&m, MALE, 4));
    close(r.state.active_n[a3], 720.0);
    close(r.state.retired_n[r4], 60.0);
    close(r.state.retired_pension[r4], 33_075.0);
}

#[test]
fn admin_cost_and_other_income_by_hand() {
    let m = tiny()
        .set(
            "fund",
            "initial = 10000\nadmin_rate = 0.05\nother_income = 1000\n\
             other_income_share_of_payouts = 0.1\nother_income_share_of_contributions = 0.02",
        )
        .model();
    let y = &run(&m).rows[0];
    // C = 180 000, B = 50 000; Adm = 0.05 · 180 000 = 9 000;
    // O = 1 000 + 0.1 · 50 000 + 0.02 · 180 000 = 1 000 + 5 000 + 3 600 = 9 600;
    // D = 50 000 + 9 000 − 180 000 − 9 600 = −130 600;
    // F = 10 500 + 130 600 · 1.025 = 10 500 + 133 865 = 144 365.
    close(y[ADMIN], 9_000.0);
    close(y[OTHER_INCOME], 9_600.0);
    close(y[DEFICIT], -130_600.0);
    close(y[FUND_END], 144_365.0);
}

// ---------------------------------------------------------------------------------------
// 2. One retirement.
// ---------------------------------------------------------------------------------------

#[test]
fn retirement_uses_next_years_rate_this_years_wage_and_last_relative_wage() {
    // w_rel = 1 at ages 0–1, 1.5 at 2, 2.0 at 3–5. rr = 0.6 in 2005, 0.5 from 2006.
    // RA 3 for men, 4 for women. 1000 actives aged 2, 60 % men; no pensioners.
    let m = tiny()
        .set("wages", "relative = { 0 = 1.0, 2 = 1.5, 3 = 2.0 }")
        .set("benefit", "replacement_rate = { 2005 = 0.6, 2006 = 0.5 }")
        .set("retirement", "age = { male = 3, female = 4 }")
        .set(
            "population.actives",
            "total = 1000\nmale_share = 0.6\nprofile = { uniform = { from = 2, to = 2 } }\nservice = { entry_age = 0 }",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    let (y05, y06) = (&r.rows[0], &r.rows[1]);

    // 2005: C = 1000 · 1000 · 1.5 · 0.2 · 0.9 = 270 000; no payouts.
    close(y05[CONTRIBUTIONS], 270_000.0);
    close(y05[PAYOUTS], 0.0);
    // Survivors: men 600 · 0.8 = 480, women 400 · 0.9 = 360. After ageing the men are 3 =
    // RA_2006 and all retire: p = rr_2006 · W_2005 · w_rel[m, 2] = 0.5 · 1000 · 1.5 = 750.
    // The women (3 < RA 4) stay active.
    close(y05[NEW_PENSIONS], 480.0);
    close(y05[AVERAGE_FIRST_PENSION], 750.0);
    close(r.ledger[0][A].moved_out, 480.0);
    close(r.ledger[0][R].moved_in, 480.0);

    // 2006: 360 active women aged 3: C = 360 · 1100 · 2.0 · 0.2 · 0.9 = 142 560.
    // 480 pensioners paid 750 each, not indexed in the year of the award: B = 360 000.
    close(y06[CONTRIBUTORS], 360.0);
    close(y06[CONTRIBUTIONS], 142_560.0);
    close(y06[PENSIONERS], 480.0);
    close(y06[PAYOUTS], 360_000.0);
    close(y06[AVERAGE_PENSION], 750.0);
    // Women: 360 · (1 − 0.125) = 315 reach 4 = RA and retire with
    // p = rr_2007 (the last value, 0.5) · W_2006 · w_rel[f, 3] = 0.5 · 1100 · 2.0 = 1100.
    close(y06[NEW_PENSIONS], 315.0);
    close(y06[AVERAGE_FIRST_PENSION], 1100.0);
    // The men's pensions: 480 · 0.75 = 360 alive at 4, mass 360 · 750 · 1.05 = 283 500.
    let (m4, f4) = (common::cell(&m, MALE, 4), common::cell(&m, FEMALE, 4));
    close(r.state.retired_n[m4], 360.0);
    close(r.state.retired_pension[m4], 283_500.0);
    close(r.state.retired_pension[f4], 315.0 * 1100.0);
    close(r.state.active_n.iter().sum::<f64>(), 0.0);
}

// ---------------------------------------------------------------------------------------
// 3. Subsidy rules through the projection.
// ---------------------------------------------------------------------------------------

/// The tiny scenario with only 100 actives (k = 1), so the fund runs deficits:
/// 2005: C = 100 · 1000 · 0.2 = 20 000, B = 50 000, D = 30 000,
///       F* = 10 000 · 1.05 − 30 000 · 1.025 = 10 500 − 30 750 = −20 250;
/// 2006: 90 actives: C = 90 · 1100 · 0.2 = 19 800; B = 80 · 500 · 1.05 = 42 000;
///       D = 22 200; F*_2007 = 1.05 · F_2006 − 22 200 · 1.025 = 1.05 · F_2006 − 22 755.
fn deficit(subsidy: &str) -> common::Builder {
    tiny()
        .set("contributions", "rate = 0.2")
        .set(
            "population.actives",
            "total = 100\nmale_share = 1\nprofile = { uniform = { from = 1, to = 1 } }\nservice = { entry_age = 0 }",
        )
        .set("subsidy", subsidy)
}

/// (subsidy, fund end) of 2005 and 2006.
fn subsidy_path(subsidy: &str) -> [(f64, f64); 2] {
    let r = run(&deficit(subsidy).model());
    for y in &r.rows {
        close(y[DEFICIT], y[PAYOUTS] - y[CONTRIBUTIONS]);
    }
    close(r.rows[0][DEFICIT], 30_000.0);
    close(r.rows[1][DEFICIT], 22_200.0);
    close(r.summary.cumulative_deficit, 22_200.0);
    close(r.summary.cumulative_subsidy, r.rows[1][SUBSIDY]);
    // F* of 2005 is below zero whatever the rule: depleted in the base year.
    assert_eq!(r.summary.depletion, Some(0), "{subsidy}");
    [0, 1].map(|t| (r.rows[t][SUBSIDY], r.rows[t][FUND_END]))
}

#[test]
fn subsidy_none() {
    // F_2007 = −20 250 · 1.05 − 22 755 = −21 262.5 − 22 755 = −44 017.5.
    let [a, b] = subsidy_path("rule = \"none\"");
    close(a.0, 0.0);
    close(a.1, -20_250.0);
    close(b.0, 0.0);
    close(b.1, -44_017.5);
    // No [subsidy] section means the same.
    let plain = run(&deficit("").remove("subsidy").model());
    close(plain.rows[1][FUND_END], -44_017.5);
}

#[test]
fn subsidy_fixed() {
    // S = 5 000 a year: F_2006 = −15 250; F_2007 = −16 012.5 − 22 755 + 5 000 = −33 767.5.
    let [a, b] = subsidy_path("rule = \"fixed\"\namount = 5000");
    close(a.0, 5_000.0);
    close(a.1, -15_250.0);
    close(b.0, 5_000.0);
    close(b.1, -33_767.5);
}

#[test]
fn subsidy_share_of_payouts() {
    // S = 0.2 · B: 10 000 then 8 400.
    // F_2006 = −10 250; F_2007 = −10 762.5 − 22 755 + 8 400 = −25 117.5.
    let [a, b] = subsidy_path("rule = \"share_of_payouts\"\nshare = 0.2");
    close(a.0, 10_000.0);
    close(a.1, -10_250.0);
    close(b.0, 8_400.0);
    close(b.1, -25_117.5);
}

#[test]
fn subsidy_cover_deficit() {
    // S = D: 30 000 then 22 200. F_2006 = 9 750; F_2007 = 10 237.5 − 22 755 + 22 200 = 9 682.5.
    let [a, b] = subsidy_path("rule = \"cover_deficit\"");
    close(a.0, 30_000.0);
    close(a.1, 9_750.0);
    close(b.0, 22_200.0);
    close(b.1, 9_682.5);
}

#[test]
fn subsidy_keep_solvent() {
    // S = −F*: 20 250, then F* = 0 · 1.05 − 22 755 so S = 22 755; the fund ends at 0.
    let [a, b] = subsidy_path("rule = \"keep_solvent\"");
    close(a.0, 20_250.0);
    close(a.1, 0.0);
    close(b.0, 22_755.0);
    close(b.1, 0.0);
}

#[test]
fn subsidies_are_never_negative_in_surplus() {
    // The tiny scenario runs surpluses (D = −130 000, −136 200) and its fund stays above
    // zero (143 750, 290 542.5): keep_solvent and cover_deficit pay nothing, and the fund
    // is that of the rule `none`.
    for rule in ["keep_solvent", "cover_deficit"] {
        let m = tiny().set("subsidy", &format!("rule = \"{rule}\"")).model();
        let r = run(&m);
        for (y, fund) in r.rows.iter().zip([143_750.0, 290_542.5]) {
            assert_eq!(y[SUBSIDY], 0.0, "{rule}");
            close(y[FUND_END], fund);
        }
        assert_eq!(r.summary.cumulative_subsidy, 0.0);
        assert_eq!(r.summary.depletion, None);
    }
}

#[test]
fn subsidy_rule_by_schedule() {
    // none in 2005, cover_deficit from 2006: F_2006 = −20 250;
    // F_2007 = −21 262.5 − 22 755 + 22 200 = −21 817.5.
    let [a, b] = subsidy_path("rule = { 2005 = \"none\", 2006 = \"cover_deficit\" }");
    close(a.0, 0.0);
    close(a.1, -20_250.0);
    close(b.0, 22_200.0);
    close(b.1, -21_817.5);
    // keep_solvent in 2005, then a fixed 7 000 (the amount schedule's first value holds
    // before its first key): F_2006 = 0; F_2007 = −22 755 + 7 000 = −15 755.
    let [a, b] = subsidy_path(
        "rule = { 2005 = \"keep_solvent\", 2006 = \"fixed\" }\namount = { 2006 = 7000 }",
    );
    close(a.0, 20_250.0);
    close(a.1, 0.0);
    close(b.0, 7_000.0);
    close(b.1, -15_755.0);
}

#[test]
fn depletion_year_and_present_value_of_deficits() {
    // Initial fund 40 000: F*_2006 = 42 000 − 30 750 = 11 250 ≥ 0;
    // F*_2007 = 11 812.5 − 22 755 = −10 942.5 < 0: the fund runs out in 2006 (index 1).
    let m = deficit("rule = \"none\"")
        .set("fund", "initial = 40000")
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = 0.1\ninflation = 0.02\nfund_return = 0.05\ndiscount_rate = 0.03",
        )
        .model();
    let r = run(&m);
    close(r.rows[0][FUND_END], 11_250.0);
    close(r.rows[1][FUND_END], -10_942.5);
    assert_eq!(r.summary.depletion, Some(1));
    // PV = D_2006 · 1.03^−(2006 − 2005 − 0.5) = 22 200 / √1.03.
    close(r.summary.pv_deficits, 22_200.0 / 1.03f64.sqrt());
}

// ---------------------------------------------------------------------------------------
// 4. Schedules change in exactly the right year.
// ---------------------------------------------------------------------------------------

#[test]
fn contribution_rate_schedule_changes_in_its_year() {
    // Three years; c = 0.2 in 2005–2006, 0.25 from 2007.
    // C_2005 = 1000 · 1000 · 0.2 · 0.9 = 180 000; C_2006 = 900 · 1100 · 0.2 · 0.9 = 178 200;
    // C_2007 = 720 · 1210 · 0.25 · 0.9 = 196 020.
    let m = tiny()
        .set(
            "",
            "name = \"tiny\"\nbase_year = 2005\nhorizon = 2007\nmax_age = 5",
        )
        .set(
            "contributions",
            "rate = { 2005 = 0.2, 2007 = 0.25 }\ncollection_rate = 0.9",
        )
        .model();
    let r = run(&m);
    close(r.rows[0][CONTRIBUTIONS], 180_000.0);
    close(r.rows[1][CONTRIBUTIONS], 178_200.0);
    close(r.rows[2][CONTRIBUTIONS], 196_020.0);
    // The implied rate C / (N W k) by year.
    let rates: Vec<f64> = r
        .rows
        .iter()
        .map(|y| y[CONTRIBUTIONS] / (y[CONTRIBUTORS] * y[AVERAGE_WAGE] * 0.9))
        .collect();
    close(rates[0], 0.2);
    close(rates[1], 0.2);
    close(rates[2], 0.25);

    // A schedule takes its first value before its first key: {2006 = 0.3} is 0.3 in 2005.
    let m = tiny()
        .set(
            "contributions",
            "rate = { 2006 = 0.3 }\ncollection_rate = 0.9",
        )
        .model();
    close(run(&m).rows[0][CONTRIBUTIONS], 270_000.0);
}

#[test]
fn retirement_age_schedule_applies_from_the_step_into_its_year() {
    // RA = 9 until 2006, 3 from 2007 (horizon 2007). The step 2005 → 2006 uses RA_2006 = 9:
    // nobody retires; the step 2006 → 2007 uses RA_2007 = 3: the 720 actives aged 3 retire
    // with p = 0.6 · W_2006 · 1 = 660.
    let m = tiny()
        .set(
            "",
            "name = \"tiny\"\nbase_year = 2005\nhorizon = 2007\nmax_age = 5",
        )
        .set("retirement", "age = { 2005 = 9, 2007 = 3 }")
        .model();
    let r = run(&m);
    close(r.rows[0][NEW_PENSIONS], 0.0);
    close(r.rows[1][NEW_PENSIONS], 720.0);
    close(r.rows[1][AVERAGE_FIRST_PENSION], 660.0);
    close(r.rows[2][CONTRIBUTORS], 0.0);
    // 2007 payouts: the 720 new pensions (660 each) plus the original pensioners,
    // 60 alive at 4 with 42 000 · 0.75 · 1.05 = 33 075.
    close(r.rows[2][PAYOUTS], 720.0 * 660.0 + 33_075.0);
}

// ---------------------------------------------------------------------------------------
// 5. First-pension formulas through the projection.
// ---------------------------------------------------------------------------------------

/// 1000 active men aged 2 with two years of service and a career wage index of 1.5;
/// w_rel = 1; RA 3; no pensioners. In 2005, 800 survive (q = 0.2) and accrue a year:
/// S = 2000 · 0.8 + 800 = 2400 (s̄ = 3), Ω = 3000 · 0.8 + 800 · 1 = 3200 (ω̄ = 4/3);
/// after ageing they are 3 and retire (rules of 2006, W_2005 = 1000).
fn formula(benefit: &str) -> common::Builder {
    tiny()
        .set("benefit", benefit)
        .set("retirement", "age = 3")
        .set(
            "population.actives",
            "total = 1000\nmale_share = 1\nprofile = { uniform = { from = 2, to = 2 } }\n\
             service = { entry_age = 0 }\nwage_index = 1.5",
        )
        .remove("population.pensioners")
}

/// (new pensions, average first pension) of 2005 and 2006.
fn awards(b: &common::Builder) -> [(f64, f64); 2] {
    let r = run(&b.model());
    [0, 1].map(|t| (r.rows[t][NEW_PENSIONS], r.rows[t][AVERAGE_FIRST_PENSION]))
}

#[test]
fn career_formula_accrual_and_wage_weight() {
    // p = W · a · s̄ · (λ + (1 − λ) ω̄) = 1000 · 0.01 · 3 · (0.5 + 0.5 · 4/3) = 30 · 7/6 = 35.
    let b = formula("formula = \"career\"\naccrual = 0.01\nwage_weight = 0.5");
    let [(n, p), _] = awards(&b);
    close(n, 800.0);
    close(p, 35.0);
    // 2006 pays them: 800 · 35 = 28 000.
    close(run(&b.model()).rows[1][PAYOUTS], 28_000.0);
    // λ = 1: the career wage does not count: 1000 · 0.01 · 3 = 30.
    let [(_, p), _] = awards(&formula(
        "formula = \"career\"\naccrual = 0.01\nwage_weight = 1",
    ));
    close(p, 30.0);
    // λ defaults to 0.5; accrual is read for the year of retirement (2006): 0.02 → 70.
    let [(_, p), _] = awards(&formula(
        "formula = \"career\"\naccrual = { 2005 = 0.01, 2006 = 0.02 }",
    ));
    close(p, 70.0);
}

#[test]
fn bend_point_formula_crossing_both_bends() {
    // n = 2: m = ω̄ · min(3, 2) / 2 = 4/3, above both bends (0.5, 1.0):
    // p / W = 0.9 · 0.5 + 0.3 · 0.5 + 0.1 · (4/3 − 1) = 0.45 + 0.15 + 1/30 = 19/30.
    let [(n, p), _] = awards(&formula(
        "formula = \"bend_points\"\naveraging_years = 2\nbend_points = [0.5, 1.0]\nbend_rates = [0.9, 0.3, 0.1]",
    ));
    close(n, 800.0);
    close(p, 1000.0 * 19.0 / 30.0);
    // n = 6: missing years count as zero: m = 4/3 · 3/6 = 2/3, between the bends:
    // p / W = 0.45 + 0.3 · (2/3 − 1/2) = 0.45 + 0.05 = 0.5.
    let [(_, p), _] = awards(&formula(
        "formula = \"bend_points\"\naveraging_years = 6\nbend_points = [0.5, 1.0]\nbend_rates = [0.9, 0.3, 0.1]",
    ));
    close(p, 500.0);
}

#[test]
fn floor_lifts_small_pensions() {
    // rr · W · w_rel = 0.3 · 1000 = 300 < floor 0.4 · 1000 = 400.
    let [(_, p), _] = awards(&formula("replacement_rate = 0.3\nfloor = 0.4"));
    close(p, 400.0);
    // A floor below the formula changes nothing.
    let [(_, p), _] = awards(&formula("replacement_rate = 0.3\nfloor = 0.2"));
    close(p, 300.0);
}

#[test]
fn early_retirement_reduction_applies_after_the_floor() {
    // RA 4; at 3 the early-retirement rate is 0.5: 400 of the 800 retire, reduced by
    // 1 − 0.1 · (4 − 3) = 0.9 applied to the floored pension: max(300, 400) · 0.9 = 360.
    let b = formula("replacement_rate = 0.3\nfloor = 0.4\nearly_reduction = 0.1")
        .set("retirement", "age = 4\nearly_rate = { 0 = 0, 3 = 0.5 }");
    let r = run(&b.model());
    close(r.rows[0][NEW_PENSIONS], 400.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 360.0);
    // 2006: 400 actives aged 3 (C = 400 · 1100 · 0.2 · 0.9 = 79 200), 400 pensioners.
    close(r.rows[1][CONTRIBUTORS], 400.0);
    close(r.rows[1][CONTRIBUTIONS], 79_200.0);
    close(r.rows[1][PAYOUTS], 400.0 * 360.0);
    // The others: 400 · 0.75 = 300 reach 4 = RA: no reduction, floor 0.4 · 1100 = 440.
    close(r.rows[1][NEW_PENSIONS], 300.0);
    close(r.rows[1][AVERAGE_FIRST_PENSION], 440.0);

    // The reduction factor is floored at 0: RA 5, 1 − 0.6 · 2 < 0.
    let b = formula("replacement_rate = 0.3\nearly_reduction = 0.6")
        .set("retirement", "age = 5\nearly_rate = { 0 = 0, 3 = 1 }");
    let [(n, p), _] = awards(&b);
    close(n, 800.0);
    assert_eq!(p, 0.0);
}

#[test]
fn late_retirement_increase() {
    // RA 3; ρ = 0.5 at 3 and 1 from 4; rr 0.6; e_late = 0.05.
    // 2005: 400 of the 800 retire at RA: p = 0.6 · 1000 · 1 = 600 (no increase).
    // 2006: 400 · 0.75 = 300 retire at 4, one year late: p = 0.6 · 1100 · 1.05 = 693.
    let b = formula("replacement_rate = 0.6\nlate_increase = 0.05")
        .set("retirement", "age = 3\nrate = { 3 = 0.5, 4 = 1.0 }");
    let r = run(&b.model());
    close(r.rows[0][NEW_PENSIONS], 400.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 600.0);
    // Those who stay past RA keep contributing.
    close(r.rows[1][CONTRIBUTORS], 400.0);
    close(r.rows[1][NEW_PENSIONS], 300.0);
    close(r.rows[1][AVERAGE_FIRST_PENSION], 693.0);
}

// ---------------------------------------------------------------------------------------
// 6. Moves: A → V → A, and A → I → R.
// ---------------------------------------------------------------------------------------

#[test]
fn exits_vesting_and_reentry_by_hand() {
    // ℓ = 0.2, v = 0.5, η = 0.25; no pensioners; RA 4 (nobody retires by 2006).
    let m = tiny()
        .set(
            "exits",
            "rate = 0.2\nvesting_share = 0.5\nreentry_rate = 0.25",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    let l = &r.ledger;

    // 2005: 1000 actives aged 1 with S = Ω = 1000. Deaths 100; accrual:
    // N = 900, S = Ω = 900 + 900 = 1800. Exits 0.2 · 900 = 180: 90 vest (S = Ω = 180), 90
    // leave; 720 stay (S = Ω = 1440). No vested members yet to return.
    close(l[0][A].start, 1000.0);
    close(l[0][A].deaths, 100.0);
    close(l[0][A].moved_out, 90.0);
    close(l[0][A].left, 90.0);
    close(l[0][A].moved_in, 0.0);
    close(l[0][A].end, 720.0);
    close(l[0][V].moved_in, 90.0);
    close(l[0][V].end, 90.0);

    // 2006: 720 actives and 90 vested, aged 2 (q = 0.2).
    close(r.rows[1][CONTRIBUTORS], 720.0);
    close(r.rows[1][VESTED], 90.0);
    // Actives: 576 survive, S = 1440 · 0.8 + 576 = 1728. Vested: 72, S = Ω = 144.
    // Exits 0.2 · 576 = 115.2: 57.6 vest (S = Ω = 172.8), 57.6 leave;
    // stay 0.8 · 576 = 460.8 (S = Ω = 1382.4). Re-entry 0.25 · 72 = 18 (S = Ω = 36).
    // A = 460.8 + 18 = 478.8 (S = Ω = 1418.4); V = 54 + 57.6 = 111.6 (S = Ω = 280.8).
    close(l[1][A].deaths, 144.0);
    close(l[1][A].moved_out, 57.6);
    close(l[1][A].left, 57.6);
    close(l[1][A].moved_in, 18.0);
    close(l[1][A].end, 478.8);
    close(l[1][V].deaths, 18.0);
    close(l[1][V].moved_in, 57.6);
    close(l[1][V].moved_out, 18.0);
    close(l[1][V].end, 111.6);

    let c = common::cell(&m, MALE, 3);
    let s = &r.state;
    close(s.active_n[c], 478.8);
    close(s.active_service[c], 1418.4);
    close(s.active_wage[c], 1418.4);
    close(s.vested_n[c], 111.6);
    close(s.vested_service[c], 280.8);
    close(s.vested_wage[c], 280.8);
    common::assert_population_identity(&r);
}

#[test]
fn exit_parameters_are_those_of_year_t() {
    // Exit rate 0.2 and vesting share 0.5 in 2005, both 0 from 2006 (convention 7: exit
    // parameters of year t). The 2005 step moves 90 into V and drops 90; the 2006 step
    // moves nobody.
    let m = tiny()
        .set(
            "exits",
            "rate = { by_year = { 2005 = 0.2, 2006 = 0 } }\nvesting_share = { 2005 = 0.5, 2006 = 0 }",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    close(r.ledger[0][V].moved_in, 90.0);
    close(r.ledger[0][A].left, 90.0);
    close(r.ledger[1][V].moved_in, 0.0);
    close(r.ledger[1][A].left, 0.0);
    // 2006: the 720 actives lose only deaths (144); the 90 vested lose 18.
    close(r.ledger[1][A].end, 576.0);
    close(r.ledger[1][V].end, 72.0);
}

#[test]
fn vested_members_retire_on_their_own_records() {
    // Career formula (a = 0.01, λ = 0.5), RA 3. 1000 actives and 100 vested men aged 2,
    // both with two years of service and a wage index of 1.
    // Actives: 800 survive and accrue: s̄ = 3, ω̄ = 1 → p = 1000 · 0.01 · 3 = 30.
    // Vested: 80 survive, no accrual: s̄ = 2 → p = 1000 · 0.01 · 2 = 20.
    // Awards 880, average (800 · 30 + 80 · 20) / 880 = 25 600 / 880.
    let m = tiny()
        .set("benefit", "formula = \"career\"\naccrual = 0.01")
        .set("retirement", "age = 3")
        .set(
            "population.actives",
            "total = 1000\nmale_share = 1\nprofile = { uniform = { from = 2, to = 2 } }\nservice = { entry_age = 0 }",
        )
        .set(
            "population.vested",
            "total = 100\nmale_share = 1\nprofile = { uniform = { from = 2, to = 2 } }\nservice = { entry_age = 0 }",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    close(r.rows[0][VESTED], 100.0);
    close(r.rows[0][NEW_PENSIONS], 880.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 25_600.0 / 880.0);
    close(r.ledger[0][V].deaths, 20.0);
    close(r.ledger[0][V].moved_out, 80.0);
    close(r.ledger[0][V].end, 0.0);
    close(r.rows[1][PAYOUTS], 25_600.0);
}

#[test]
fn disability_then_conversion_to_old_age_by_hand() {
    // δ = 0.1 at age 1 only; d_I = 0.8; m_I = 2; conversion at 3; RA 4; rr 0.6 in 2005
    // and 0.5 from 2006 (disability awards use the year's own rate); w_rel = 1.2 at age 1
    // only; no pensioners.
    let m = tiny()
        .set("wages", "relative = { 0 = 1.0, 1 = 1.2, 2 = 1.0 }")
        .set(
            "mortality",
            "table = \"q-tiny.csv\"\ndisability_multiplier = 2",
        )
        .set(
            "benefit",
            "replacement_rate = { 2005 = 0.6, 2006 = 0.5 }\ndisability_factor = 0.8",
        )
        .set(
            "disability",
            "rate = { 0 = 0, 1 = 0.1, 2 = 0 }\nconversion_age = 3",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    let l = &r.ledger;

    // 2005: 900 actives survive; 90 become disabled with
    // p = rr_2005 · W_2005 · w_rel[m, 1] · d_I = 0.6 · 1000 · 1.2 · 0.8 = 576 (the
    // disabled's own age x, not x − 1 or x + 1).
    close(r.rows[0][NEW_PENSIONS], 90.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 576.0);
    close(l[0][A].moved_out, 90.0);
    close(l[0][I].moved_in, 90.0);
    close(l[0][I].end, 90.0);
    // Indexed the same year: 90 · 576 · 1.05 = 54 432 paid in 2006.
    close(r.rows[1][DISABLED], 90.0);
    close(r.rows[1][PENSIONERS], 90.0);
    close(r.rows[1][PAYOUTS], 54_432.0);
    close(r.rows[1][CONTRIBUTORS], 810.0);

    // 2006: disabled aged 2 die at min(1, 2 · 0.2) = 0.4: 54 survive, mass
    // 54 · 576 · 1.05 = 32 659.2. After ageing they are 3 = conversion age: into R with
    // their mass indexed, 32 659.2 · 1.05 = 34 292.16. Conversions are not new pensions.
    close(l[1][I].deaths, 36.0);
    close(l[1][I].moved_out, 54.0);
    close(l[1][I].end, 0.0);
    close(l[1][R].moved_in, 54.0);
    close(r.rows[1][NEW_PENSIONS], 0.0);
    let c = common::cell(&m, MALE, 3);
    close(r.state.retired_n[c], 54.0);
    close(r.state.retired_pension[c], 34_292.16);
    close(r.state.disabled_n.iter().sum::<f64>(), 0.0);
    // Actives: 810 · 0.8 = 648 aged 3 (below RA 4), δ = 0 at 2.
    close(r.state.active_n[c], 648.0);
    common::assert_population_identity(&r);
}

#[test]
fn pensioner_entrants_and_entrants_by_hand() {
    // Pensioner entrants: count 0 in 2005, 50 from 2006 (the count of year t+1 arrives at
    // the end of year t's step), 60 % men, aged 4, with π^R · W_t = 0.5 · W_t each.
    // Entrants: 200 a year (40 % men, aged 0–1 uniformly) with no service.
    let m = tiny()
        .set(
            "pensioner_entrants",
            "count = { 2005 = 0, 2006 = 50 }\nmale_share = 0.6\nprofile = { uniform = { from = 4, to = 4 } }\npension = 0.5",
        )
        .set(
            "entrants",
            "count = 200\nmale_share = 0.4\nprofile = { uniform = { from = 0, to = 1 } }",
        )
        .model();
    let r = run(&m);
    // Start of 2006: 50 pensioner entrants with 0.5 · W_2005 = 500 each, and 200 actives.
    close(r.ledger[0][R].entered, 50.0);
    close(r.ledger[0][A].entered, 200.0);
    // 2006: contributors 900 + 200 = 1100; C = 1100 · 1100 · 0.2 · 0.9 = 217 800;
    // pensioners 80 + 50 = 130; B = 42 000 + 50 · 500 = 67 000.
    close(r.rows[1][CONTRIBUTORS], 1100.0);
    close(r.rows[1][CONTRIBUTIONS], 217_800.0);
    close(r.rows[1][PENSIONERS], 130.0);
    close(r.rows[1][PAYOUTS], 67_000.0);
    // Neither kind of entrant counts as a new pension.
    close(r.rows[0][NEW_PENSIONS], 0.0);
    close(r.rows[1][NEW_PENSIONS], 0.0);
    // Start of 2007 (end of the 2006 step): 50 more (the count holds its last value),
    // now with 0.5 · W_2006 = 550.
    close(r.ledger[1][R].entered, 50.0);
    let s = &r.state;
    let (m4, w4) = (common::cell(&m, MALE, 4), common::cell(&m, FEMALE, 4));
    let (m5, w5) = (common::cell(&m, MALE, 5), common::cell(&m, FEMALE, 5));
    // Aged 4: the new 30 men and 20 women at 550, plus the 60 original men (33 075).
    close(s.retired_n[m4], 90.0);
    close(s.retired_pension[m4], 33_075.0 + 30.0 * 550.0);
    close(s.retired_n[w4], 20.0);
    close(s.retired_pension[w4], 20.0 * 550.0);
    // Aged 5: last year's entrants after a year at q(4) = 0.5 (men) or 0.25 (women),
    // indexed by 1.05: men 15 with 15 · 525, women 15 with 15 · 525.
    close(s.retired_n[m5], 15.0);
    close(s.retired_pension[m5], 15.0 * 525.0);
    close(s.retired_n[w5], 15.0);
    close(s.retired_pension[w5], 15.0 * 525.0);
    // Active entrants of 2006: 60 women aged 1 → 60 · 0.95 = 57 aged 2.
    let f2 = common::cell(&m, FEMALE, 2);
    close(s.active_n[f2], 57.0);
    common::assert_population_identity(&r);
}

#[test]
fn entrants_start_with_no_service() {
    // Career formula (a = 0.01, λ = 0.5), RA 3. 100 women enter at the start of 2006 aged
    // 2 with no service; 90 survive 2006 (q = 0.1), accrue one year and retire at 3:
    // p = W_2006 · 0.01 · 1 · 1 = 11. The 720 men (aged 1 in 2005 with one year) retire
    // in the same step with three years: p = 1100 · 0.01 · 3 = 33.
    // Awards 2006: 810, average (720 · 33 + 90 · 11) / 810 = 24 750 / 810.
    let m = tiny()
        .set("benefit", "formula = \"career\"\naccrual = 0.01")
        .set("retirement", "age = 3")
        .set(
            "entrants",
            "count = 100\nmale_share = 0\nprofile = { uniform = { from = 2, to = 2 } }",
        )
        .model();
    let r = run(&m);
    close(r.rows[0][NEW_PENSIONS], 0.0);
    close(r.rows[1][CONTRIBUTORS], 1000.0);
    close(r.rows[1][NEW_PENSIONS], 810.0);
    close(r.rows[1][AVERAGE_FIRST_PENSION], 24_750.0 / 810.0);
    // The men's record: S = ((1000 · 0.9 + 900) · 0.8 + 720) = 2160 before retiring;
    // they all retired, so no active mass is left at 3.
    assert_eq!(r.state.active_service[common::cell(&m, MALE, 3)], 0.0);
}

#[test]
fn entrant_growth_applies_from_the_second_entrant_year() {
    // E_{t+1} = E_sched · Π_{u = 2006..t} (1 + e_u), e = 0.1: 2006 gets 100, 2007 gets 110.
    let m = tiny()
        .set(
            "",
            "name = \"tiny\"\nbase_year = 2005\nhorizon = 2007\nmax_age = 5",
        )
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = 0.1\ninflation = 0.02\nfund_return = 0.05\nentrant_growth = 0.1",
        )
        .set(
            "entrants",
            "count = 100\nprofile = { uniform = { from = 0, to = 0 } }",
        )
        .model();
    let r = run(&m);
    close(r.ledger[0][A].entered, 100.0);
    close(r.ledger[1][A].entered, 110.0);
    close(r.ledger[2][A].entered, 121.0);
}

// ---------------------------------------------------------------------------------------
// Initial stocks.
// ---------------------------------------------------------------------------------------

#[test]
fn csv_profile_gives_no_weight_to_an_age_it_does_not_list() {
    // Regression: tests/data/profile-tiny.csv lists ages 0–4 (weights 0, 0, 0, 1, 1) and
    // not max_age = 5. Everyone is aged 3 or 4, half each: 1000 · 0.4 = 200 men and
    // 300 women at each (the missing age 5 used to repeat age 4's weight).
    let m = tiny()
        .set(
            "population.actives",
            "total = 1000\nmale_share = 0.4\nprofile = { table = \"profile-tiny.csv\" }",
        )
        .model();
    let n = &m.initial.active_n;
    close(n[common::cell(&m, MALE, 3)], 200.0);
    close(n[common::cell(&m, MALE, 4)], 200.0);
    close(n[common::cell(&m, FEMALE, 3)], 300.0);
    close(n[common::cell(&m, FEMALE, 4)], 300.0);
    assert_eq!(n[common::cell(&m, MALE, 5)], 0.0);
    assert_eq!(n[common::cell(&m, FEMALE, 5)], 0.0);
    close(n.iter().sum::<f64>(), 1000.0);
}

#[test]
fn initial_records_and_parametric_profiles() {
    // Normal profile over ages 1..=3 with mean 2, sd 1: densities e^−½, 1, e^−½ normalised.
    // Service from an entry age of 1: max(0, x − 1); the career wage index defaults to
    // w_rel; pensions by age.
    let m = tiny()
        .set("wages", "relative = { 0 = 1.0, 2 = 1.5 }")
        .set(
            "population.actives",
            "total = 1000\nmale_share = 1\nprofile = { normal = { mean = 2, sd = 1, from = 1, to = 3 } }\n\
             service = { entry_age = 1 }",
        )
        .set(
            "population.pensioners",
            "total = 100\nmale_share = 0.5\nprofile = { uniform = { from = 3, to = 4 } }\n\
             pension = { male = 500, female = { 0 = 400, 4 = 450 } }",
        )
        .model();
    let d = 1.0 + 2.0 * (-0.5f64).exp();
    let s = &m.initial;
    let (a1, a2, a3) = (
        common::cell(&m, MALE, 1),
        common::cell(&m, MALE, 2),
        common::cell(&m, MALE, 3),
    );
    close(s.active_n[a2], 1000.0 / d);
    close(s.active_n[a1], 1000.0 * (-0.5f64).exp() / d);
    close(s.active_n[a3], s.active_n[a1]);
    // S = N · max(0, x − 1), Ω = S · w_rel.
    assert_eq!(s.active_service[a1], 0.0);
    close(s.active_service[a2], s.active_n[a2]);
    close(s.active_service[a3], 2.0 * s.active_n[a3]);
    close(s.active_wage[a3], 1.5 * s.active_service[a3]);
    // Pensioners: 25 per sex and age; women aged 4 get 450, aged 3 get 400.
    close(s.retired_n[common::cell(&m, FEMALE, 4)], 25.0);
    close(s.retired_pension[common::cell(&m, FEMALE, 4)], 25.0 * 450.0);
    close(s.retired_pension[common::cell(&m, FEMALE, 3)], 25.0 * 400.0);
    close(s.retired_pension[common::cell(&m, MALE, 3)], 25.0 * 500.0);
}

// ---------------------------------------------------------------------------------------
// Economy, mortality and indexation conventions.
// ---------------------------------------------------------------------------------------

#[test]
fn indexation_uses_next_years_weights_with_price_weight_and_constant() {
    // idx_2006 = 1 + ι_w g_2005 + ι_π π_2005 + ι_0 = 1 + 0.5 · 0.1 + 1 · 0.02 + 0.01 = 1.08:
    // B_2006 = 80 · 500 · 1.08 = 43 200.
    let b = |ix: &str| run(&tiny().set("indexation", ix).model()).rows[1][PAYOUTS];
    close(
        b("wage_weight = 0.5\nprice_weight = 1\nconstant = 0.01"),
        43_200.0,
    );
    // The step 2005 → 2006 uses the weights of 2006.
    close(
        b("wage_weight = { 2005 = 0, 2006 = 0.5 }\nprice_weight = 1\nconstant = 0.01"),
        43_200.0,
    );
    // … so a weight that ends in 2006 is not used: 1 + 0.02 + 0.01 = 1.03 → 41 200.
    close(
        b("wage_weight = { 2005 = 0.5, 2006 = 0 }\nprice_weight = 1\nconstant = 0.01"),
        41_200.0,
    );
}

#[test]
fn initial_economic_values_are_used_in_the_base_year() {
    // g_2005 = 0.2 (initial), g_2006 = 0.1 + 0.5 · (0.2 − 0.1) = 0.15 → W_2006 = 1150.
    // r_2005 = 0.07 (initial); r_2006 = 0.03 + 0.5 · (0.07 − 0.05) = 0.04 (the mean
    // moves from 0.05 to 0.03: X_t = μ_t + φ (X_{t−1} − μ_{t−1})).
    let m = tiny()
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = { mean = 0.1, phi = 0.5, initial = 0.2 }\n\
             inflation = 0.02\nfund_return = { mean = { 2005 = 0.05, 2006 = 0.03 }, phi = 0.5, initial = 0.07 }",
        )
        .model();
    let r = run(&m);
    let e = common::econ(&m);
    close(e.fund_return[1], 0.04);
    close(r.rows[1][AVERAGE_WAGE], 1150.0);
    // idx_2006 = 1 + 0.5 · g_2005 = 1.1: B_2006 = 40 000 · 1.1 = 44 000.
    close(r.rows[1][PAYOUTS], 44_000.0);
    // F_2006 = 10 000 · 1.07 + 130 000 · 1.035 = 10 700 + 134 550 = 145 250.
    close(r.rows[0][FUND_END], 145_250.0);
    // 2006: C = 900 · 1150 · 0.2 · 0.9 = 186 300; net = 186 300 − 44 000 = 142 300;
    // F_2007 = 145 250 · 1.04 + 142 300 · 1.02 = 151 060 + 145 146 = 296 206.
    close(r.rows[1][CONTRIBUTIONS], 186_300.0);
    close(r.rows[1][FUND_END], 296_206.0);
}

#[test]
fn mortality_improvement_from_the_table_year() {
    // i = 0.1, table year 2004: q_2005 = q0 · 0.9, q_2006 = q0 · 0.81.
    // Actives: 2005 deaths 1000 · 0.1 · 0.9 = 90; 2006: 910 · 0.2 · 0.81 = 147.42.
    let m = tiny()
        .set(
            "mortality",
            "table = \"q-tiny.csv\"\nimprovement = 0.1\ntable_year = 2004",
        )
        .model();
    let r = run(&m);
    close(r.ledger[0][A].deaths, 90.0);
    close(r.ledger[1][A].deaths, 147.42);
    // Before the table's year, improvement raises q: table year 2006 → q_2005 = q0 / 0.9.
    let m = tiny()
        .set(
            "mortality",
            "table = \"q-tiny.csv\"\nimprovement = 0.1\ntable_year = 2006",
        )
        .model();
    close(run(&m).ledger[0][A].deaths, 100.0 / 0.9);
}

#[test]
fn gompertz_makeham_deaths() {
    // μ(x) = a + b c^x with a = 0.01, b = 0.001, c = 1.5: at age 1,
    // ∫_1^2 μ = 0.01 + 0.001 · 1.5 · 0.5 / ln 1.5 = 0.01 + 0.0018497 = 0.0118497,
    // q = 1 − e^−0.0118497 ≈ 0.0117798: 1000 actives lose ≈ 11.78.
    let m = tiny()
        .set("mortality", "gompertz = { a = 0.01, b = 0.001, c = 1.5 }")
        .model();
    let integral = 0.01 + 0.001 * 1.5 * 0.5 / 1.5f64.ln();
    close(r_deaths(&m), 1000.0 * (1.0 - (-integral).exp()));
    assert!((r_deaths(&m) - 11.7798).abs() < 1e-3);
    // Nobody survives past max_age: pensioners aged 5 all die in the year.
    let m = tiny()
        .set("mortality", "gompertz = { a = 0.01, b = 0.001, c = 1.5 }")
        .set(
            "population.pensioners",
            "total = 100\nprofile = { uniform = { from = 5, to = 5 } }\npension = 500",
        )
        .model();
    let r = run(&m);
    close(r.ledger[0][R].deaths, 100.0);
    close(r.rows[1][PENSIONERS], 0.0);
}

fn r_deaths(m: &fundcast::Model) -> f64 {
    run(m).ledger[0][A].deaths
}

#[test]
fn fractional_retirement_age_acts_as_the_next_whole_age() {
    // RA 2.5 acts as 3: the actives (2 after the 2005 step) retire in the 2006 step.
    let r = run(&tiny().set("retirement", "age = 2.5").model());
    close(r.rows[0][NEW_PENSIONS], 0.0);
    close(r.rows[1][NEW_PENSIONS], 720.0);
    // RA 2: they retire in the 2005 step (900 with 0.6 · 1000 = 600 each).
    let r = run(&tiny().set("retirement", "age = 2").model());
    close(r.rows[0][NEW_PENSIONS], 900.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 600.0);
}

#[test]
fn disability_converts_at_the_retirement_age_by_default() {
    // No conversion age: conversion at RA = 3. δ = 0.1 at age 1; 90 disabled in 2005
    // with 0.6 · 1000 = 600 each; 2006: 72 survive (q = 0.2) and convert at 3.
    let m = tiny()
        .set("retirement", "age = 3")
        .set("disability", "rate = { 0 = 0, 1 = 0.1, 2 = 0 }")
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    close(r.rows[1][DISABLED], 90.0);
    close(r.ledger[1][I].moved_out, 72.0);
    close(r.state.disabled_n.iter().sum::<f64>(), 0.0);
    let c = common::cell(&m, MALE, 3);
    // R at 3: 72 converted (72 · 600 · 1.05 · 1.05) plus the 648 actives retiring
    // (0.6 · 1100 = 660 each).
    close(r.state.retired_n[c], 72.0 + 648.0);
    close(
        r.state.retired_pension[c],
        72.0 * 600.0 * 1.05 * 1.05 + 648.0 * 660.0,
    );
    close(r.rows[1][NEW_PENSIONS], 648.0);
}

#[test]
fn vested_early_retirement_rate() {
    // 100 vested men aged 2 (service 2), RA 4, vested early rate 0.25 from age 3 and an
    // early reduction of 0.1: in the 2005 step 80 survive, 20 retire at 3 with
    // 0.6 · 1000 · 1 · (1 − 0.1) = 540; the others stay vested.
    let m = tiny()
        .set(
            "benefit",
            "replacement_rate = 0.6\nearly_reduction = 0.1",
        )
        .set(
            "retirement",
            "age = 4\nvested_early_rate = { 0 = 0, 3 = 0.25 }",
        )
        .set(
            "population.vested",
            "total = 100\nmale_share = 1\nprofile = { uniform = { from = 2, to = 2 } }\nservice = { entry_age = 0 }",
        )
        .remove("population.pensioners")
        .model();
    let r = run(&m);
    close(r.rows[0][NEW_PENSIONS], 20.0);
    close(r.rows[0][AVERAGE_FIRST_PENSION], 540.0);
    close(r.rows[1][VESTED], 60.0);
}
