//! China's urban employee basic pension (`benefit.formula = "china_urban_employee"`):
//! pooled fund plus individual accounts, checked against numbers computed by hand (in
//! the comments), against identities, and against the Ganzhou plan's figures.
//!
//! The hand computations use `china_worker()`: 2005–2006 (or 2005 alone), ages 0..=62,
//! nobody dies before 62 (Gompertz a = b = 0); W_2005 = 10 000, g = 0.1 (so
//! W_2004 = 10 000 / 1.1), r = 0.05, π = 0; no indexation; collection rate k = 0.5;
//! employer 20 %, employee 8 %, floor 0.6, cap 3.0, accrual 1 %, λ = 0.5, transitional
//! accrual 1.2 %, crediting rate 4 %, empty accounts; relative wage 3.3 at every age.
//! 1000 active men aged RA − 1 with 20 years of service, 10 deemed years, wage index 1.2
//! and 30 000 in their accounts.

mod common;

use std::path::Path;
use std::process::Command;

use common::{cell, close, within, Builder};
use fundcast::montecarlo::PathRunner;
use fundcast::params::MALE;
use fundcast::projection::{metric::*, AccountLedger, Projector, N_METRICS};
use fundcast::Model;

const GANZHOU_CHINA: &str = "scenarios/ganzhou-2006-2010-china-rules.toml";
const GANZHOU_FUNDED: &str = "scenarios/ganzhou-china-funded-accounts.toml";

fn load(path: &str) -> Model {
    fundcast::scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The one-worker scenario of the module comment: `cell_age` men with `service` years,
/// 10 deemed years, retiring at `ra`; `horizon` 2005 or 2006.
fn china_worker(cell_age: usize, ra: usize, service: f64, horizon: i32) -> Builder {
    Builder::new(&format!(
        r#"
name = "china: one worker"
currency = "yuan"
base_year = 2005
horizon = {horizon}
max_age = 62
"#
    ))
    .set(
        "economy",
        "average_wage = 10000\nwage_growth = 0.1\ninflation = 0\nfund_return = 0.05",
    )
    .set(
        "mortality",
        "gompertz = { male = { a = 0, b = 0, c = 1 }, female = { a = 0, b = 0, c = 1 } }",
    )
    .set("wages", "relative = 3.3")
    .set("contributions", "collection_rate = 0.5")
    .set("benefit", "formula = \"china_urban_employee\"")
    .set(
        "china",
        "employer_rate = 0.2\nemployee_rate = 0.08\nbase_floor = 0.6\nbase_cap = 3.0\n\
         basic_accrual = 0.01\nwage_weight = 0.5\ntransitional_accrual = 0.012\n\
         crediting_rate = 0.04",
    )
    .set("retirement", &format!("age = {ra}"))
    .set(
        "population.actives",
        &format!(
            "total = 1000\nmale_share = 1\nprofile = {{ uniform = {{ from = {cell_age}, to = {cell_age} }} }}\n\
             service = {service}\ndeemed_years = 10\nwage_index = 1.2\naccount = 30000"
        ),
    )
    .set("fund", "initial = 0")
}

/// A projection with the head-count ledger and the account ledger.
struct ChinaRun {
    run: common::Run,
    accounts: Vec<AccountLedger>,
}

fn run_china(model: &Model) -> ChinaRun {
    let e = common::econ(model);
    let mut rows = vec![[0.0; N_METRICS]; model.frame.years()];
    let mut p = Projector::new(model).with_ledger();
    let summary = p.run(&e, &mut rows);
    let accounts = p.account_ledger().to_vec();
    ChinaRun {
        run: common::Run {
            rows,
            summary,
            ledger: p.ledger().expect("ledger on").to_vec(),
            state: p.state(),
        },
        accounts,
    }
}

// By hand, for `china_worker(59, 60, 20, _)` (and any RA, the records are the same):
// 2005: base = clamp(3.3, 0.6/1.1, 3.0/1.1) = 30/11 ≈ 2.7273 of W (the cap binds).
const BASE: f64 = 30.0 / 11.0;
// Credit = 8 % × k 0.5 × 10 000 × 30/11 = 12 000/11 ≈ 1 090.91 a member.
const CREDIT: f64 = 12_000.0 / 11.0;
// Account after the year's interest and credit: 30 000 × 1.04 + 12 000/11 = 355 200/11
// ≈ 32 290.91.
const ACCOUNT_AT_RETIREMENT: f64 = 355_200.0 / 11.0;
// Service 20 + 1 = 21; wage-index mass 20 × 1.2 + 30/11 = 294/11, ω̄ = 294/11/21 = 14/11
// (the year accrues the relative contribution base 30/11, not the wage 3.3).
// Basic = 10 000 × (0.5 + 0.5 × 14/11) × 1 % × (21 + 10) = 10 000 × 25/22 × 0.31
//       = 77 500/22 ≈ 3 522.73;
// transitional = 10 000 × 14/11 × 1.2 % × 10 = 16 800/11 = 33 600/22 ≈ 1 527.27;
// basic + transitional = 111 100/22 = 5 050 exactly.
const BASIC: f64 = 5_050.0;

/// Account pension of the worker retiring at an age whose divisor is `divisor` months.
fn account_pension(divisor: f64) -> f64 {
    ACCOUNT_AT_RETIREMENT * 12.0 / divisor
}

// ---------------------------------------------------------------------------------------
// 1. One worker's pension by hand through the projection.
// ---------------------------------------------------------------------------------------

#[test]
fn one_workers_pension_by_hand_through_the_projection() {
    let m = china_worker(59, 60, 20.0, 2006).model();
    let r = run_china(&m);
    let (y05, y06) = (&r.run.rows[0], &r.run.rows[1]);

    // Account pension at 60 (divisor 139): 355 200/11 × 12/139 = 4 262 400/1 529
    // ≈ 2 787.70; first pension 5 050 + 2 787.70 = 7 837.70 a year.
    let own = account_pension(139.0);
    close(own, 4_262_400.0 / 1_529.0);
    assert!((own - 2_787.704_38).abs() < 1e-5, "{own}");
    // All 1000 retire (ρ = 1 at RA, 31 ≥ 15 years) at the start of 2006, on W_2005.
    close(y05[NEW_PENSIONS], 1000.0);
    close(y05[AVERAGE_FIRST_PENSION], BASIC + own);
    close(y05[BASIC_PENSION_AVG], BASIC);
    assert!((y05[AVERAGE_FIRST_PENSION] - 7_837.704_38).abs() < 1e-5);

    // 2005 flows: declared base 10 000 × 1000 × 30/11 = 3e8/11; employer 20 % × 0.5 of it
    // = 3e7/11 to the pool; employee 8 % × 0.5 = 1.2e7/11 ≈ 1 090 909.09 credited, all of
    // it spent by the pool (empty accounts): contributions 4.2e7/11 ≈ 3 818 181.82.
    close(y05[CONTRIBUTORS], 1000.0);
    close(y05[IA_CONTRIBUTIONS], 1000.0 * CREDIT);
    close(y05[CONTRIBUTIONS], 4.2e7 / 11.0);
    close(y05[PAYOUTS], 0.0);
    // Every balance was converted into pensions at the year end: nothing left, no debt.
    close(y05[IA_BALANCES], 0.0);
    close(y05[IA_FUND_END], 0.0);
    close(y05[IA_IMPLICIT_DEBT], 0.0);
    // The account ledger: 3e7 + 1.2e6 interest + 1.2e7/11 credits − 3.552e8/11 converted.
    let a = &r.accounts[0];
    close(a.start, 3e7);
    close(a.interest, 1.2e6);
    close(a.credits, 1000.0 * CREDIT);
    close(a.refunds, 0.0);
    close(a.converted, 1000.0 * ACCOUNT_AT_RETIREMENT);
    close(a.end, 0.0);
    assert!(a.imbalance().abs() < 1e-6);

    // 2006: 1000 pensioners, not indexed (no indexation), paid in full by the pool
    // (φ = 0: no account fund): payouts 1000 × 7 837.70.
    close(y06[CONTRIBUTORS], 0.0);
    close(y06[PENSIONERS], 1000.0);
    close(y06[AVERAGE_PENSION], BASIC + own);
    close(y06[PAYOUTS], 1000.0 * (BASIC + own));
    close(y06[NEW_PENSIONS], 0.0);
    close(y06[BASIC_PENSION_AVG], 0.0);
    // The stocks after 2006: the pensioners aged 61 and the account part of their mass.
    let c61 = cell(&m, MALE, 61);
    close(r.run.state.retired_n[c61], 1000.0);
    close(r.run.state.retired_pension[c61], 1000.0 * (BASIC + own));
    close(r.run.state.retired_account_pension[c61], 1000.0 * own);
    common::assert_population_identity(&r.run);

    // The same worker with funded accounts (f = 1) and a fund holding the 3e7 balances:
    // benefits are the same; the pool gets only the employer's 3e7/11; the account fund
    // ends 2005 at 3e7 × 1.05 + 1.2e7/11 × 1.025 ≈ 32 618 181.82 and in 2006 pays the
    // account pensions (φ = f = 1 when no balance is left): the pool pays 1000 × 5 050.
    let f = china_worker(59, 60, 20.0, 2006)
        .set(
            "china",
            "employer_rate = 0.2\nemployee_rate = 0.08\nbasic_accrual = 0.01\n\
             transitional_accrual = 0.012\ncrediting_rate = 0.04\nfunded_share = 1\n\
             account_fund_initial = 30000000",
        )
        .model();
    let rf = run_china(&f);
    let (f05, f06) = (&rf.run.rows[0], &rf.run.rows[1]);
    close(f05[AVERAGE_FIRST_PENSION], BASIC + own);
    close(f05[BASIC_PENSION_AVG], BASIC);
    close(f05[CONTRIBUTIONS], 3e7 / 11.0);
    close(f05[IA_CONTRIBUTIONS], 1.2e7 / 11.0);
    let fund05 = 3e7 * 1.05 + 1.2e7 / 11.0 * 1.025;
    close(f05[IA_FUND_END], fund05);
    close(f05[IA_IMPLICIT_DEBT], -fund05);
    close(f06[PAYOUTS], 1000.0 * BASIC);
    close(f06[IA_FUND_END], fund05 * 1.05 - 1000.0 * own * 1.025);
}

/// Divisors 195 / 170 / 139 months at 50 / 55 / 60 (the defaults): the same records
/// retiring at each age get 5 050 + 355 200/11 × 12/D.
#[test]
fn account_pension_divisors_at_50_55_60() {
    // 355 200/11 × 12 = 387 490.91: /195 ≈ 1 987.13, /170 ≈ 2 279.36, /139 ≈ 2 787.70.
    for (ra, divisor, by_hand) in [
        (50, 195.0, 1_987.132_867),
        (55, 170.0, 2_279.358_289),
        (60, 139.0, 2_787.704_382),
    ] {
        let m = china_worker(ra - 1, ra, 20.0, 2005).model();
        let (rows, _) = fundcast::deterministic(&m);
        let own = account_pension(divisor);
        assert!((own - by_hand).abs() < 1e-5, "RA {ra}: {own}");
        close(rows[0][NEW_PENSIONS], 1000.0);
        close(rows[0][BASIC_PENSION_AVG], BASIC);
        close(rows[0][AVERAGE_FIRST_PENSION], BASIC + own);
    }
}

// ---------------------------------------------------------------------------------------
// 2. The contribution base is clamped at both bounds.
// ---------------------------------------------------------------------------------------

#[test]
fn contribution_base_is_clamped_at_both_bounds_through_the_projection() {
    // 1000 men aged 30 (relative wage 0.3 < 0.6/1.1), 1000 men aged 31 (1.2, inside),
    // 2000 women aged 30 (4.0 > 3.0/1.1); k = 0.8; a quarter of the accounts funded.
    let m = china_worker(30, 60, 0.0, 2006)
        .set("wages", "relative = { male = { 0 = 0.3, 31 = 1.2 }, female = 4.0 }")
        .set("contributions", "collection_rate = 0.8")
        .set(
            "china",
            "employer_rate = 0.2\nemployee_rate = 0.08\nbase_floor = 0.6\nbase_cap = 3.0\n\
             crediting_rate = 0.04\nfunded_share = 0.25",
        )
        .set(
            "population.actives",
            "total = 4000\nmale_share = 0.5\n\
             profile = { male = { uniform = { from = 30, to = 31 } }, female = { uniform = { from = 30, to = 30 } } }",
        )
        .model();
    let r = run_china(&m);
    let (y05, y06) = (&r.run.rows[0], &r.run.rows[1]);

    // 2005: bases 0.6/1.1, 1.2 and 3.0/1.1 of W = 10 000:
    // declared = 10 000 × 1000 × (0.6/1.1 + 1.2 + 2 × 3.0/1.1) = 1e7 × (6.6/1.1 + 1.2)
    //          = 7.2e7 (unclamped it would be 1e7 × (0.3 + 1.2 + 8) = 9.5e7).
    // Employee 0.08 × 0.8 × 7.2e7 = 4 608 000 (ia_contributions);
    // employer 0.2 × 0.8 × 7.2e7 = 11 520 000; pool = 11 520 000 + 0.75 × 4 608 000
    // = 14 976 000. Account fund: 0.25 × 4 608 000 × 1.025 = 1 180 800.
    close(y05[IA_CONTRIBUTIONS], 4_608_000.0);
    close(y05[CONTRIBUTIONS], 14_976_000.0);
    close(y05[IA_BALANCES], 4_608_000.0);
    close(y05[IA_FUND_END], 1_180_800.0);
    close(y05[IA_IMPLICIT_DEBT], 4_608_000.0 - 1_180_800.0);

    // 2006 (W = 11 000, same bounds relative to W): men aged 31 and 32 at 1.2, women
    // aged 31 still capped: declared = 11 000 × 1000 × (1.2 + 1.2 + 2 × 3.0/1.1)
    // = 2.64e7 + 6e7 = 8.64e7; employee 0.064 × 8.64e7 = 5 529 600;
    // pool = (0.16 + 0.75 × 0.064) × 8.64e7 = 0.208 × 8.64e7 = 17 971 200.
    // Balances 4 608 000 × 1.04 + 5 529 600 = 10 321 920. Account fund (φ = 0.25625, no
    // pensions or refunds to pay): 1 180 800 × 1.05 + 0.25 × 5 529 600 × 1.025
    // = 1 239 840 + 1 416 960 = 2 656 800.
    close(y06[IA_CONTRIBUTIONS], 5_529_600.0);
    close(y06[CONTRIBUTIONS], 17_971_200.0);
    close(y06[IA_BALANCES], 10_321_920.0);
    close(y06[IA_FUND_END], 2_656_800.0);

    // The wage index accrues the clamped base: after the two years the men aged 30 in
    // 2005 (now 32) hold 1000 × (0.6/1.1 + 1.2) (floored at 30, inside at 31), the men
    // aged 31 in 2005 (now 33) 1000 × 2 × 1.2, the women (now 32) 2000 × 2 × 3.0/1.1.
    let st = &r.run.state;
    let (m32, m33) = (cell(&m, MALE, 32), cell(&m, MALE, 33));
    let w32 = cell(&m, fundcast::params::FEMALE, 32);
    close(st.active_service[m32], 2000.0);
    close(st.active_wage[m32], 1000.0 * (0.6 / 1.1 + 1.2));
    close(st.active_wage[m33], 1000.0 * 2.0 * 1.2);
    close(st.active_wage[w32], 2000.0 * 2.0 * BASE);
    // Their accounts: the men first at the floor, 0.064 × 10 000 × 0.6/1.1 × 1.04 +
    // 0.064 × 11 000 × 1.2 each.
    close(
        st.active_account[m32],
        1000.0 * (0.064 * 10_000.0 * 0.6 / 1.1 * 1.04 + 0.064 * 11_000.0 * 1.2),
    );
    assert_eq!(r.accounts.len(), 2);
    for a in &r.accounts {
        assert!(a.imbalance().abs() <= 1e-9 * a.end);
    }
}
