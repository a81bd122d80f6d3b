//! The sections of the other four funds and the social budget (`[unemployment]`,
//! `[medical]`, `[work_injury]`, `[maternity]`, `[social_budget]`) → [`Funds`], and the
//! processes they add to the economy. Every section is optional; an absent one leaves
//! its fund off. Keys, units, defaults and ranges: docs/scenario-format.md ("The other
//! four funds").

use super::{read_process_keys, COUNT};
use crate::document::{Node, Value};
use crate::economy::{Economy, FundProcess, Process, VARIABLE_KEYS};
use crate::funds::{
    injury::{Financing, RiskClass},
    Budget, Funds, Injury, Maternity, Medical, Reserve, SubsidyRule, Unemployment, SUBSIDY_RULES,
};
use crate::params::{Bounds, Frame, Section};

const SHARE: Bounds = Bounds::new(0.0, 5.0, "a share in [0, 5]");
const RATE: Bounds = Bounds::PROBABILITY;
const FACTOR: Bounds = Bounds::new(0.0, 10.0, "a factor in [0, 10]");
const MULTIPLE: Bounds = Bounds::new(0.0, 100.0, "a multiple of the average wage in [0, 100]");

/// The four funds and the social budget of a scenario; the funds' processes go into
/// `economy`.
pub(super) fn read_funds(
    root: &Section,
    frame: Frame,
    relative_wage: &[f64],
    economy: &mut Economy,
) -> Funds {
    let r = root.reader();
    let ages = frame.ages();
    let b = root.section("social_budget");
    let floor = b.number(
        "base_floor",
        0.6,
        Bounds::new(0.0, 10.0, "a multiple in [0, 10]"),
    );
    let cap = b.number(
        "base_cap",
        3.0,
        Bounds::new(0.0, 100.0, "a multiple in [0, 100]"),
    );
    if cap < floor {
        r.error(
            b.loc(),
            &b.key("base_cap"),
            format!("the cap {cap} is below the floor {floor}"),
        );
    }
    let budget = Budget {
        fiscal_spending: b.number("fiscal_spending", 0.0, COUNT),
        fiscal_growth: b.sched("fiscal_growth", 0.0, Bounds::RATE),
        other_social_share: b.sched("other_social_share", 0.0, RATE),
        target_share: b.number("target_share", 0.15, RATE),
        fiscal_by_year: Vec::new(),
        levy_by_year: Vec::new(),
    };
    b.finish();

    let mut funds = Funds {
        budget,
        base_rel: relative_wage
            .iter()
            .map(|w| w.clamp(floor, cap.max(floor)))
            .collect(),
        active_cost: vec![0.0; 2 * ages],
        retiree_cost: vec![0.0; 2 * ages],
        fertility: vec![0.0; ages],
        ..Funds::default()
    };

    let u = root.section("unemployment");
    if u.is_present() {
        let rate = fund_process(&u, "rate", true, economy, None, 0);
        economy.unemployment = rate;
        funds.unemployment = Some(Unemployment {
            insured_share: u.sched("insured_share", 1.0, SHARE),
            base_factor: u.sched("base_factor", 1.0, FACTOR),
            employer_rate: u.sched("employer_rate", 0.02, RATE),
            employee_rate: u.sched("employee_rate", 0.01, RATE),
            exempt_share: u.sched("exempt_share", 0.0, RATE),
            inflow: u.sched("inflow", 1.0, Bounds::new(0.0, 20.0, "a number in [0, 20]")),
            eligible_share: u.sched("eligible_share", 0.6, RATE),
            take_up: u.sched("take_up", 0.8, RATE),
            tenure_mix: tenure_mix(&u),
            duration_use: u.number("duration_use", 1.0, RATE),
            benefit_share: u.sched(
                "benefit_share",
                0.8,
                Bounds::new(0.0, 2.0, "a share in [0, 2]"),
            ),
            minimum_wage: u.sched("minimum_wage", 0.4, MULTIPLE),
            minimum_living: u.sched("minimum_living", 0.2, MULTIPLE),
            medical_loading: u.sched(
                "medical_loading",
                0.0,
                Bounds::new(0.0, 2.0, "a share in [0, 2]"),
            ),
            reemployment_share: u.sched("reemployment_share", 0.0, RATE),
            extra_claims: u.sched("extra_claims", 0.0, COUNT),
            extra_months: u.number(
                "extra_months",
                24.0,
                Bounds::new(0.0, 24.0, "months in [0, 24]"),
            ),
            reserve: reserve(&u),
        });
    }
    u.finish();

    let m = root.section("medical");
    if m.is_present() {
        let cost = m.required_number("cost", COUNT);
        let deductible = m.sched("deductible", 0.1, MULTIPLE);
        let ceiling = m.sched("ceiling", 4.0, MULTIPLE);
        let cost_cv = m.number(
            "cost_cv",
            1.5,
            Bounds::new(0.0, 20.0, "a coefficient of variation in [0, 20]"),
        );
        let age_cost = m.sex_age_map(
            "age_cost",
            1.0,
            Bounds::new(0.0, 100.0, "a relative cost in [0, 100]"),
        );
        let retiree_factor = m.number(
            "retiree_factor",
            3.0,
            Bounds::new(0.0, 100.0, "a factor in [0, 100]"),
        );
        funds.active_cost = [age_cost[0].clone(), age_cost[1].clone()].concat();
        funds.retiree_cost = funds
            .active_cost
            .iter()
            .map(|c| c * retiree_factor)
            .collect();
        economy.medical_inflation = fund_process(
            &m,
            "excess_inflation",
            false,
            economy,
            economy.unemployment.as_ref().map(|u| u.loading),
            1,
        );
        funds.medical = Some(Medical {
            insured_share: m.sched("insured_share", 1.0, SHARE),
            base_factor: m.sched("base_factor", 1.0, FACTOR),
            retiree_share: m.sched("retiree_share", 1.0, SHARE),
            employer_rate: m.sched("employer_rate", 0.06, RATE),
            employee_rate: m.sched("employee_rate", 0.02, RATE),
            account_share: m.sched("account_share", 0.3, RATE),
            cost,
            cost_cv,
            layers: crate::funds::medical::Layers::new(cost_cv),
            ln_ceiling: deductible
                .iter()
                .zip(&ceiling)
                .map(|(d, c)| {
                    if *d > 0.0 {
                        crate::math::ln(c.max(*d) / d)
                    } else {
                        0.0
                    }
                })
                .collect(),
            deductible,
            ceiling,
            reimbursement: m.sched("reimbursement", 0.8, RATE),
            retiree_reimbursement: m.sched("retiree_reimbursement", 0.9, RATE),
            account_use: m.sched("account_use", 1.0, RATE),
            warning_months: m.number(
                "warning_months",
                6.0,
                Bounds::new(0.0, 1200.0, "months in [0, 1200]"),
            ),
            pool: reserve(&m),
            accounts_initial: m.number("accounts_initial", 0.0, COUNT),
        });
    }
    m.finish();

    let w = root.section("work_injury");
    if w.is_present() {
        funds.injury = Some(read_injury(&w));
    }
    w.finish();

    let t = root.section("maternity");
    if t.is_present() {
        funds.fertility = t.age_map(
            "fertility",
            0.0,
            Bounds::new(0.0, 1.0, "births per woman and year in [0, 1]"),
        );
        if !t.has("fertility") {
            r.error(t.loc(), &t.key("fertility"), "missing required key");
        }
        funds.maternity = Some(Maternity {
            insured_share: t.sched("insured_share", 1.0, SHARE),
            base_factor: t.sched("base_factor", 1.0, FACTOR),
            rate: t.sched(
                "rate",
                0.007,
                Bounds::new(
                    0.0,
                    0.01,
                    "a rate in [0, 0.01] (at most 1 % of the wage bill)",
                ),
            ),
            scale: t.sched("scale", 1.0, Bounds::new(0.0, 10.0, "a factor in [0, 10]")),
            leave_days: t.sched(
                "leave_days",
                90.0,
                Bounds::new(0.0, 365.0, "days in [0, 365]"),
            ),
            medical_lump: t.number("medical_lump", 0.0, COUNT),
            medical_base_cost: funds.medical.as_ref().map_or(0.0, |m| m.cost),
            reserve: reserve(&t),
        });
    }
    t.finish();
    funds
}

fn read_injury(w: &Section) -> Injury {
    let r = w.reader();
    let shares = numbers(w, "class_shares", &[1.0], 1..=9, RATE);
    let rates = numbers(w, "class_rates", &[0.01], 1..=9, RATE);
    let incidence = numbers(w, "class_incidence", &[0.005], 1..=9, RATE);
    if shares.len() != rates.len() || shares.len() != incidence.len() {
        r.error(
            w.loc(),
            &w.key("class_shares"),
            format!(
                "class_shares, class_rates and class_incidence must have one entry per class: found {}, {} and {}",
                shares.len(),
                rates.len(),
                incidence.len()
            ),
        );
    }
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        r.error(
            w.loc(),
            &w.key("class_shares"),
            format!("the class shares sum to {total}, expected 1"),
        );
    }
    let classes = (0..shares.len().min(rates.len()).min(incidence.len()))
        .map(|c| RiskClass {
            share: shares[c],
            rate: rates[c],
            incidence: incidence[c],
        })
        .collect();
    // Shares of cases by grade 1–10, then death (an assumption: see the docs).
    const OUTCOME: [f64; 11] = [
        0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.10, 0.15, 0.005,
    ];
    let out = numbers(w, "outcome", &OUTCOME, 11..=11, RATE);
    let mut outcome = OUTCOME;
    if out.len() == 11 {
        outcome.copy_from_slice(&out);
    }
    if outcome.iter().sum::<f64>() > 1.0 + 1e-9 {
        r.error(
            w.loc(),
            &w.key("outcome"),
            "the shares of grades 1–10 and death sum to more than 1",
        );
    }
    // Every key of both ways of financing is read (a scenario may switch with one key).
    let choice = w.choice("financing", &["paygo", "capitals"], 0);
    let reserve_share = w.number("reserve_share", 0.1, RATE);
    let reserve_target = w.number(
        "reserve_target",
        1.0,
        Bounds::new(0.0, 100.0, "a ratio in [0, 100]"),
    );
    let rate = w.number(
        "capital_rate",
        0.03,
        Bounds::new(0.0, 1.0, "a rate in [0, 1]"),
    );
    let indexation = w.number(
        "capital_indexation",
        0.0,
        Bounds::new(-0.5, 1.0, "a rate in [-0.5, 1]"),
    );
    let financing = if choice == 0 {
        Financing::PayAsYouGo {
            reserve_share,
            reserve_target,
        }
    } else {
        Financing::Capitals { rate, indexation }
    };
    let injury = Injury {
        insured_share: w.sched("insured_share", 1.0, SHARE),
        base_factor: w.sched("base_factor", 1.0, FACTOR),
        classes,
        outcome,
        wage_ratio: w.number(
            "wage_ratio",
            1.0,
            Bounds::new(0.0, 10.0, "a ratio in [0, 10]"),
        ),
        death_months: w.number(
            "death_months",
            54.0,
            Bounds::new(0.0, 600.0, "months in [0, 600]"),
        ),
        treatment: w.number("treatment", 0.3, MULTIPLE),
        spouses: w.number(
            "spouses",
            0.8,
            Bounds::new(0.0, 10.0, "a number in [0, 10]"),
        ),
        others: w.number("others", 1.0, Bounds::new(0.0, 10.0, "a number in [0, 10]")),
        disability_exit: w.number(
            "disability_exit",
            0.05,
            Bounds::new(0.0, 1.0, "a yearly rate in [0, 1]"),
        ),
        survivor_exit: w.number(
            "survivor_exit",
            0.06,
            Bounds::new(0.0, 1.0, "a yearly rate in [0, 1]"),
        ),
        index_wage_weight: w.number("index_wage_weight", 0.5, RATE),
        financing,
        reserve: reserve(w),
    };
    if let Financing::Capitals { rate, indexation } = injury.financing {
        for (exit, what) in [
            (injury.disability_exit, "disability_exit"),
            (injury.survivor_exit, "survivor_exit"),
        ] {
            if (1.0 - exit) * (1.0 + indexation) >= 1.0 + rate {
                r.error(
                    w.loc(),
                    &w.key("capital_rate"),
                    format!(
                        "the capital of an annuity is infinite: (1 − {what})(1 + capital_indexation) must be below 1 + capital_rate"
                    ),
                );
            }
        }
    }
    injury
}

/// `tenure_mix`: three shares summing to 1.
fn tenure_mix(u: &Section) -> [f64; 3] {
    let v = numbers(u, "tenure_mix", &[0.5, 0.3, 0.2], 3..=3, RATE);
    let mut mix = [0.5, 0.3, 0.2];
    if v.len() == 3 {
        mix.copy_from_slice(&v);
        let total: f64 = mix.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            u.reader().error(
                u.loc(),
                &u.key("tenure_mix"),
                format!("the shares sum to {total}, expected 1"),
            );
        }
    }
    mix
}

/// A fund's `reserve` table: `initial`, `subsidy`, `floor_months`.
fn reserve(fund: &Section) -> Reserve {
    let s = fund.section("reserve");
    let initial = s.number("initial", 0.0, super::AMOUNT);
    let rule = SubsidyRule::from_index(s.choice("subsidy", &SUBSIDY_RULES, 0));
    let floor_months = s.number(
        "floor_months",
        0.0,
        Bounds::new(0.0, 1200.0, "months in [0, 1200]"),
    );
    if rule == SubsidyRule::KeepReserve && !s.has("floor_months") {
        s.reader().error(
            s.loc(),
            &s.key("floor_months"),
            "the `keep_reserve` rule needs `floor_months`",
        );
    }
    s.finish();
    Reserve {
        initial,
        rule,
        floor_months,
    }
}

/// An array of numbers of `len` entries within `bounds`, or `default`.
fn numbers(
    s: &Section,
    key: &'static str,
    default: &[f64],
    len: std::ops::RangeInclusive<usize>,
    bounds: Bounds,
) -> Vec<f64> {
    let r = s.reader();
    let Some(node) = s.get(key) else {
        return default.to_vec();
    };
    let path = s.key(key);
    let Value::Array(items) = &node.value else {
        r.error(Some(node.loc), &path, "expected an array of numbers");
        return default.to_vec();
    };
    if !len.contains(&items.len()) {
        r.error(
            Some(node.loc),
            &path,
            format!(
                "expected {} numbers, found {}",
                if len.start() == len.end() {
                    len.start().to_string()
                } else {
                    format!("{} to {}", len.start(), len.end())
                },
                items.len()
            ),
        );
        return default.to_vec();
    }
    items.iter().map(|n| r.number(n, &path, bounds)).collect()
}

/// A fund's process (`key`: a schedule, or a table of `mean`, `phi`, `sigma`, `initial`
/// and `correlation`, a table of its correlations with `wage_growth`, `inflation`,
/// `fund_return`, `entrant_growth` and, for the second process, `unemployment_rate`).
fn fund_process(
    s: &Section,
    key: &'static str,
    required: bool,
    economy: &Economy,
    earlier: Option<[f64; 6]>,
    index: usize,
) -> Option<FundProcess> {
    let r = s.reader();
    let years = r.frame.sched_len();
    let path = s.key(key);
    let mut corr = [0.0; 5];
    let process = match s.get(key) {
        None => {
            if required {
                r.error(s.loc(), &path, "missing required key");
            }
            Process::constant(0.0, years)
        }
        Some(node) => match &node.value {
            Value::Table(t) if t.get("mean").is_some() || t.get("correlation").is_some() => {
                let p = Section::sub_of(r, node, &path);
                let process = read_process_keys(&p);
                read_correlation(&p, &mut corr, index, economy);
                p.finish();
                process
            }
            _ => {
                let mean = r.sched(node, &path, Bounds::RATE);
                let initial = mean[0];
                Process {
                    mean,
                    phi: 0.0,
                    sigma: 0.0,
                    initial,
                }
            }
        },
    };
    let loc = s.get(key).map(|n: &Node| n.loc);
    match FundProcess::correlated(
        process.clone(),
        corr,
        &economy.cholesky,
        earlier.as_ref(),
        index,
    ) {
        Some(p) => Some(p),
        None => {
            r.error(
                loc,
                &path,
                "its correlations with the economy make the correlation matrix not positive definite",
            );
            Some(FundProcess {
                process,
                loading: [0.0; 6],
            })
        }
    }
}

fn read_correlation(p: &Section, corr: &mut [f64; 5], index: usize, economy: &Economy) {
    let c = p.section("correlation");
    let bounds = Bounds::new(-0.999, 0.999, "a correlation in (-1, 1)");
    for (k, key) in VARIABLE_KEYS.iter().enumerate() {
        // `get` takes a &'static str: the keys are constants.
        let key: &'static str = key;
        corr[k] = c.number(key, 0.0, bounds);
        if k == crate::economy::ENTRANT_GROWTH && corr[k] != 0.0 && !economy.has_entrant_growth {
            p.reader().error(
                c.loc(),
                &c.key(key),
                "the scenario has no entrant_growth process",
            );
        }
    }
    if index == 1 {
        corr[4] = c.number("unemployment_rate", 0.0, bounds);
    }
    c.finish();
}
