//! Property tests (proptest): the accounting identities of `identities.rs` and
//! `china.rs` on random valid scenarios, every year, on the deterministic path and on a
//! path with random shocks:
//! - population: `start + entered + moved_in − deaths − moved_out − left = end` per state,
//!   no negative flow, each year's end the next year's start and the rows' stocks
//!   (`common::assert_population_identity`);
//! - fund: `F_{t+1} = F_t (1 + r_t) + (C + O − B − Adm)(1 + r_t / 2) + S_t` as the rows
//!   report it, `D_t = B + Adm − C − O`, the cumulative deficit over y0+1..t, `Adm = a C`
//!   and the subsidy of the year's rule;
//! - China's rules: the account roll-forward
//!   `start + interest + credits − refunds − converted = end`, its link to the rows.
//!
//! A scenario is small (ages 0..=6–14, 1–5 years) with random rates and stocks, and each
//! optional feature (vested and disabled stocks, disability, exits and re-entry, entrants,
//! pensioner entrants, indexation, other income, every subsidy rule and cap, the career
//! formula, China's rules with empty or funded accounts) on or off at random. The case
//! count is proptest's (256; `PROPTEST_CASES` changes it).

use crate::common;

use std::fmt::Write;

use common::{assert_population_identity, Builder};
use fundcast::economy::{EconPath, SHOCKS_PER_YEAR};
use fundcast::fund::SubsidyRule;
use fundcast::projection::{metric::*, AccountLedger, Projector, N_METRICS};
use fundcast::Model;
use proptest::prelude::*;

/// China's rules: rates, accounts and deemed years of the actives.
#[derive(Clone, Debug)]
struct China {
    employer: f64,
    employee: f64,
    crediting: f64,
    funded: f64,
    transitional: f64,
    minimum_years: f64,
    years_sd: f64,
    account: f64,
    deemed: f64,
    account_fund: f64,
}

/// The random parts of a scenario; `text()` writes it.
#[derive(Clone, Debug)]
struct Spec {
    years: i32,
    max_age: usize,
    wage: f64,
    /// (mean, phi, sigma) of wage growth, inflation and the fund return.
    processes: [(f64, f64, f64); 3],
    entrant_growth: Option<(f64, f64)>,
    gompertz: (f64, f64, f64),
    improvement: f64,
    period_sigma: f64,
    rate: f64,
    collection: f64,
    /// The replacement formula's rate, unless `career` (accrual, wage weight) or `china`.
    replacement: f64,
    career: Option<(f64, f64)>,
    /// China's rules (they take precedence over `career`).
    china: Option<China>,
    floor: f64,
    early_reduction: f64,
    late_increase: f64,
    retirement_age: usize,
    retirement_rate: f64,
    early_rate: f64,
    /// (total, male share, from, to) of each stock.
    actives: (f64, f64, usize, usize),
    entry_age: usize,
    vested: Option<(f64, f64, usize, usize)>,
    disabled: Option<(f64, f64, usize, usize)>,
    pensioners: Option<(f64, f64, usize, usize)>,
    pension: f64,
    disability: Option<f64>,
    exits: Option<(f64, f64, f64)>,
    entrants: Option<(f64, usize, usize)>,
    pensioner_entrants: Option<(f64, usize, usize, f64)>,
    indexation: Option<(f64, f64)>,
    fund_initial: f64,
    admin: f64,
    other_income: Option<(f64, f64, f64)>,
    /// Index into `fundcast::fund::SUBSIDY_RULES`, amount, share, caps.
    subsidy: (usize, f64, f64, Option<f64>, Option<f64>),
}

/// Ages `from..=to` inside `0..=max_age`, from two draws in [0, 1].
fn ages(max_age: usize, a: f64, b: f64) -> (usize, usize) {
    let x = (a * max_age as f64) as usize;
    let y = (b * max_age as f64) as usize;
    (x.min(y), x.max(y))
}

fn stock() -> impl Strategy<Value = (f64, f64, f64, f64)> {
    (0.0..20_000.0, 0.0..=1.0, 0.0..=1.0, 0.0..=1.0)
}

fn china() -> impl Strategy<Value = China> {
    (
        (0.05..0.25, 0.0..0.1, 0.0..0.06, 0.0..=1.0, 0.0..0.014),
        (0.0..15.0, 0.0..6.0, 0.0..50_000.0, 0.0..20.0, 0.0..1e7),
    )
        .prop_map(
            |(
                (employer, employee, crediting, funded, transitional),
                (minimum_years, years_sd, account, deemed, account_fund),
            )| China {
                employer,
                employee,
                crediting,
                funded,
                transitional,
                minimum_years,
                years_sd,
                account,
                deemed,
                account_fund,
            },
        )
}

fn process(mean: std::ops::Range<f64>) -> impl Strategy<Value = (f64, f64, f64)> {
    (mean, -0.9..0.9, 0.0..0.05)
}

prop_compose! {
    fn spec()(
        (years, max_age, wage) in (0..5i32, 6..=14usize, 1_000.0..50_000.0),
        processes in (process(-0.05..0.15), process(-0.02..0.06), process(-0.05..0.10)),
        entrant_growth in proptest::option::of((-0.05..0.05, 0.0..0.05)),
        gompertz in (0.0..0.02, 0.0..0.01, 1.0..1.5),
        (improvement, period_sigma) in (0.0..0.03, 0.0..0.1),
        (rate, collection, replacement) in (0.0..0.3, 0.3..=1.0, 0.0..1.0),
        career in proptest::option::of((0.0..0.05, 0.0..=1.0)),
        china in proptest::option::of(china()),
        (floor, early_reduction, late_increase) in (0.0..0.3, 0.0..0.06, 0.0..0.06),
        (ra, retirement_rate, early_rate) in (0.0..=1.0, 0.3..=1.0, 0.0..0.2),
        (actives, entry) in (stock(), 0.0..=1.0),
        vested in proptest::option::of(stock()),
        disabled in proptest::option::of(stock()),
        pensioners in proptest::option::of(stock()),
        pension in 0.0..30_000.0,
        disability in proptest::option::of(0.0..0.05),
        exits in proptest::option::of((0.0..0.2, 0.0..=1.0, 0.0..0.3)),
        entrants in proptest::option::of((0.0..2_000.0, 0.0..=1.0, 0.0..=1.0)),
        pensioner_entrants in proptest::option::of((0.0..500.0, 0.0..=1.0, 0.0..=1.0, 0.0..0.8)),
        indexation in proptest::option::of((0.0..=1.0, 0.0..=1.0)),
        (fund_initial, admin) in (-1e7..1e8, 0.0..0.05),
        other_income in proptest::option::of((-1e5..1e6, 0.0..0.05, 0.0..0.05)),
        subsidy in (0..5usize, 0.0..1e6, 0.0..0.5,
                    proptest::option::of(0.0..2.0), proptest::option::of(0.0..1e7)),
    ) -> Spec {
        let range = |(total, male, a, b): (f64, f64, f64, f64)| {
            let (from, to) = ages(max_age, a, b);
            (total, male, from, to)
        };
        Spec {
            years,
            max_age,
            wage,
            processes: [processes.0, processes.1, processes.2],
            entrant_growth,
            gompertz,
            improvement,
            period_sigma,
            rate,
            collection,
            replacement,
            career,
            china,
            floor,
            early_reduction,
            late_increase,
            retirement_age: 2 + (ra * (max_age - 3) as f64) as usize,
            retirement_rate,
            early_rate,
            actives: range(actives),
            entry_age: (entry * (max_age / 2) as f64) as usize,
            vested: vested.map(range),
            disabled: disabled.map(range),
            pensioners: pensioners.map(range),
            pension,
            disability,
            exits,
            entrants: entrants.map(|(n, a, b)| {
                let (from, to) = ages(max_age, a, b);
                (n, from, to)
            }),
            pensioner_entrants: pensioner_entrants.map(|(n, a, b, p)| {
                let (from, to) = ages(max_age, a, b);
                (n, from, to, p)
            }),
            indexation,
            fund_initial,
            admin,
            other_income,
            subsidy,
        }
    }
}

fn uniform(from: usize, to: usize) -> String {
    format!("{{ uniform = {{ from = {from}, to = {to} }} }}")
}

impl Spec {
    fn builder(&self) -> Builder {
        let base = 2005;
        let mut b = Builder::new(&format!(
            "name = \"random\"\nbase_year = {base}\nhorizon = {}\nmax_age = {}",
            base + self.years,
            self.max_age
        ));

        let mut economy = format!("average_wage = {}\n", self.wage);
        for (key, (mean, phi, sigma)) in ["wage_growth", "inflation", "fund_return"]
            .iter()
            .zip(self.processes)
        {
            writeln!(
                economy,
                "{key} = {{ mean = {mean}, phi = {phi}, sigma = {sigma} }}"
            )
            .unwrap();
        }
        if let Some((mean, sigma)) = self.entrant_growth {
            writeln!(
                economy,
                "entrant_growth = {{ mean = {mean}, sigma = {sigma} }}"
            )
            .unwrap();
        }
        b = b.set("economy", &economy);

        let (ga, gb, gc) = self.gompertz;
        b = b.set(
            "mortality",
            &format!(
                "gompertz = {{ a = {ga}, b = {gb}, c = {gc} }}\nimprovement = {}\n\
                 period_sigma = {}\ndisability_multiplier = 1.5",
                self.improvement, self.period_sigma
            ),
        );

        let common_benefit = format!(
            "floor = {}\nearly_reduction = {}\nlate_increase = {}\ndisability_factor = 0.9",
            self.floor, self.early_reduction, self.late_increase
        );
        match (&self.china, self.career) {
            (Some(c), _) => {
                b = b
                    .set(
                        "contributions",
                        &format!("collection_rate = {}", self.collection),
                    )
                    .set(
                        "benefit",
                        &format!("formula = \"china_urban_employee\"\n{common_benefit}"),
                    )
                    .set(
                        "china",
                        &format!(
                            "employer_rate = {}\nemployee_rate = {}\ncrediting_rate = {}\n\
                             funded_share = {}\ntransitional_accrual = {}\nminimum_years = {}\n\
                             years_sd = {}\naccount_fund_initial = {}\n\
                             divisor = {{ 0 = 195, 4 = 170 }}",
                            c.employer,
                            c.employee,
                            c.crediting,
                            c.funded,
                            c.transitional,
                            c.minimum_years,
                            c.years_sd,
                            c.account_fund
                        ),
                    );
            }
            (None, Some((accrual, weight))) => {
                b = b.set("contributions", &self.contributions()).set(
                    "benefit",
                    &format!(
                        "formula = \"career\"\naccrual = {accrual}\nwage_weight = {weight}\n\
                         {common_benefit}"
                    ),
                );
            }
            (None, None) => {
                b = b.set("contributions", &self.contributions()).set(
                    "benefit",
                    &format!("replacement_rate = {}\n{common_benefit}", self.replacement),
                );
            }
        }

        b = b.set(
            "retirement",
            &format!(
                "age = {}\nrate = {}\nearly_rate = {{ 0 = 0, {} = {} }}",
                self.retirement_age,
                self.retirement_rate,
                self.retirement_age - 1,
                self.early_rate
            ),
        );

        let (total, male, from, to) = self.actives;
        let mut actives = format!(
            "total = {total}\nmale_share = {male}\nprofile = {}\nservice = {{ entry_age = {} }}",
            uniform(from, to),
            self.entry_age
        );
        if let Some(c) = &self.china {
            write!(
                actives,
                "\naccount = {}\ndeemed_years = {}",
                c.account, c.deemed
            )
            .unwrap();
        }
        b = b.set("population.actives", &actives);
        if let Some((total, male, from, to)) = self.vested {
            b = b.set(
                "population.vested",
                &format!(
                    "total = {total}\nmale_share = {male}\nprofile = {}\nservice = 3",
                    uniform(from, to)
                ),
            );
        }
        for (key, stock) in [
            ("population.disabled", self.disabled),
            ("population.pensioners", self.pensioners),
        ] {
            if let Some((total, male, from, to)) = stock {
                b = b.set(
                    key,
                    &format!(
                        "total = {total}\nmale_share = {male}\nprofile = {}\npension = {}",
                        uniform(from, to),
                        self.pension
                    ),
                );
            }
        }

        if let Some(rate) = self.disability {
            b = b.set("disability", &format!("rate = {{ 0 = 0, 2 = {rate} }}"));
        }
        if let Some((rate, vesting, reentry)) = self.exits {
            b = b.set(
                "exits",
                &format!("rate = {rate}\nvesting_share = {vesting}\nreentry_rate = {reentry}"),
            );
        }
        if let Some((count, from, to)) = self.entrants {
            b = b.set(
                "entrants",
                &format!(
                    "count = {count}\nmale_share = 0.6\nprofile = {}",
                    uniform(from, to)
                ),
            );
        }
        if let Some((count, from, to, pension)) = self.pensioner_entrants {
            b = b.set(
                "pensioner_entrants",
                &format!(
                    "count = {count}\nprofile = {}\npension = {pension}",
                    uniform(from, to)
                ),
            );
        }
        if let Some((wage, price)) = self.indexation {
            b = b.set(
                "indexation",
                &format!("wage_weight = {wage}\nprice_weight = {price}"),
            );
        }

        let mut fund = format!(
            "initial = {}\nadmin_rate = {}",
            self.fund_initial, self.admin
        );
        if let Some((amount, of_payouts, of_contributions)) = self.other_income {
            write!(
                fund,
                "\nother_income = {amount}\nother_income_share_of_payouts = {of_payouts}\n\
                 other_income_share_of_contributions = {of_contributions}"
            )
            .unwrap();
        }
        b = b.set("fund", &fund);
        let (rule, amount, share, cap_share, cap_amount) = self.subsidy;
        let mut subsidy = format!(
            "rule = \"{}\"\namount = {amount}\nshare = {share}",
            fundcast::fund::SUBSIDY_RULES[rule]
        );
        if let Some(cap) = cap_share {
            write!(subsidy, "\ncap_share_of_payouts = {cap}").unwrap();
        }
        if let Some(cap) = cap_amount {
            write!(subsidy, "\ncap_amount = {cap}").unwrap();
        }
        b.set("subsidy", &subsidy)
    }

    fn contributions(&self) -> String {
        format!(
            "rate = {}\ncollection_rate = {}",
            self.rate, self.collection
        )
    }
}

/// Relative closeness for sums of many terms (as in `identities.rs`).
#[track_caller]
fn near(a: f64, b: f64, scale: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * scale.abs().max(1.0),
        "{what}: {a} != {b} (diff {})",
        a - b
    );
}

/// One path with both ledgers.
fn project(model: &Model, econ: &EconPath) -> (common::Run, Vec<AccountLedger>) {
    let mut rows = vec![[0.0; N_METRICS]; model.frame.years()];
    let mut p = Projector::new(model).with_ledger();
    let summary = p.run(econ, &mut rows);
    let run = common::Run {
        rows,
        summary,
        ledger: p.ledger().expect("ledger on").to_vec(),
        state: p.state(),
    };
    (run, p.account_ledger().to_vec())
}

/// The fund roll-forward and the subsidy rules, every year, from the rows.
#[track_caller]
fn assert_fund_roll_forward(model: &Model, econ: &EconPath, run: &common::Run) {
    let rules = &model.fund;
    let mut fund = rules.initial;
    let mut cumulative = 0.0;
    for (t, y) in run.rows.iter().enumerate() {
        let r = econ.fund_return[t];
        let (c, o, b, adm, s) = (
            y[CONTRIBUTIONS],
            y[OTHER_INCOME],
            y[PAYOUTS],
            y[ADMIN],
            y[SUBSIDY],
        );
        let scale = fund.abs() + c.abs() + b.abs() + o.abs() + s.abs();
        let before_subsidy = fund * (1.0 + r) + (c + o - b - adm) * (1.0 + r / 2.0);
        near(
            y[FUND_END],
            before_subsidy + s,
            scale,
            &format!("fund end, year {t}"),
        );
        near(
            y[DEFICIT],
            b + adm - c - o,
            scale,
            &format!("deficit, year {t}"),
        );
        near(
            adm,
            rules.admin_rate[t] * c,
            scale,
            &format!("admin, year {t}"),
        );
        if t >= 1 {
            cumulative += y[DEFICIT];
        }
        near(
            y[CUMULATIVE_DEFICIT],
            cumulative,
            scale * (t + 1) as f64,
            &format!("cumulative deficit, year {t}"),
        );
        for v in [c, b, adm, s] {
            assert!(v >= 0.0, "year {t}: negative flow {v} in {y:?}");
        }
        let cap = (rules.subsidy_cap_share[t] * b).min(rules.subsidy_cap_amount[t]);
        let wanted = match rules.subsidy_rule[t] {
            SubsidyRule::None => 0.0,
            SubsidyRule::Fixed => rules.subsidy_amount[t],
            SubsidyRule::ShareOfPayouts => rules.subsidy_share[t] * b,
            SubsidyRule::CoverDeficit => y[DEFICIT].max(0.0),
            SubsidyRule::KeepSolvent => (-before_subsidy).max(0.0),
        };
        near(s, wanted.min(cap), scale, &format!("subsidy, year {t}"));
        fund = y[FUND_END];
    }
}

/// China's rules: the account roll-forward every year and its columns.
#[track_caller]
fn assert_accounts(model: &Model, run: &common::Run, accounts: &[AccountLedger]) {
    let Some(ch) = model.china.as_ref() else {
        assert!(accounts.is_empty());
        return;
    };
    assert_eq!(accounts.len(), model.frame.years());
    for (t, a) in accounts.iter().enumerate() {
        let scale = a.start.max(a.end).max(1.0);
        assert!(
            a.imbalance().abs() <= 1e-9 * scale,
            "year index {t}: imbalance {} in {a:?}",
            a.imbalance()
        );
        for v in [
            a.start,
            a.interest,
            a.credits,
            a.refunds,
            a.converted,
            a.end,
        ] {
            assert!(v >= 0.0, "year index {t}: negative flow in {a:?}");
        }
        let row = &run.rows[t];
        assert_eq!(a.end, row[IA_BALANCES], "year index {t}");
        near(a.credits, row[IA_CONTRIBUTIONS], scale, "credits");
        near(
            a.interest,
            a.start * ch.crediting_rate[t],
            scale,
            "interest",
        );
        near(
            row[IA_IMPLICIT_DEBT],
            row[IA_BALANCES] - row[IA_FUND_END],
            scale + row[IA_FUND_END].abs(),
            "implicit debt",
        );
        if let Some(next) = accounts.get(t + 1) {
            assert_eq!(next.start, a.end, "year index {t}");
        }
    }
}

fn check(model: &Model, econ: &EconPath) {
    let (run, accounts) = project(model, econ);
    assert_population_identity(&run);
    assert_fund_roll_forward(model, econ, &run);
    assert_accounts(model, &run, &accounts);
}

proptest! {
    #[test]
    fn identities_hold_on_random_scenarios(
        spec in spec(),
        shocks in proptest::collection::vec(-3.0..3.0f64, 5 * SHOCKS_PER_YEAR),
    ) {
        let builder = spec.builder();
        let model = builder.model();
        let years = model.frame.years();
        check(&model, &common::econ(&model));
        let mut shocked = EconPath::with_years(years);
        let mut z = shocks[..years * SHOCKS_PER_YEAR].to_vec();
        z[..SHOCKS_PER_YEAR].fill(0.0);
        model.economy.fill_path(Some(&z), &mut shocked);
        check(&model, &shocked);
    }
}
