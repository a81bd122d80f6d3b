//! The actuarial valuation of `fundcast value`: pay-as-you-go rates by year, the
//! summarized rates and the actuarial balance over windows, the general average premium,
//! the reserve ratio, the open-group unfunded obligation, and the closed-group
//! accrued-to-date liability (the implicit pension debt).
//!
//! Takes a [`Model`] and one projected path (its rows, fund returns and covered payroll:
//! [`PathData`]); gives a [`Valuation`], whose [`lines`] are the rows of
//! `valuation.csv`. With Monte Carlo paths, [`run`] values every path through
//! [`crate::montecarlo::run_paths`] (fixed blocks merged in block order: the thread count
//! never changes a bit) and summarises each line's values. The definitions, with their
//! timing conventions, are in `docs/model.md` ("The actuarial valuation").
//!
//! Open group (the projection's own members, entrants included), valued at 1 January of
//! `y0 + 1` (the base year is the observed one), discounted at the path's fund return:
//! a flow of year `t` (mid-year, as in the fund's roll-forward) is worth
//! `V_t (1 + r_t / 2)` there, an amount at the end of year `t` is worth `V_t`,
//! `V_t = Π_{u = y0+1..t} (1 + r_u)^−1`. Closed group (the members of the base year
//! only), valued at 1 January of `y0` on the base-year stocks, at the basis' discount
//! rate ([`Basis`]).

use crate::aggregate::Summary;
use crate::demography::whole_age;
use crate::economy::EconPath;
use crate::metrics::metric;
use crate::model::Model;
use crate::montecarlo::{LaneRunner, PathFn, PathRunner};
use crate::projection::Row;

/// The valuation basis of the closed group (scenario table `[valuation]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Basis {
    /// `d_V`, the yearly rate at which the closed group's pensions are discounted
    /// (`valuation.discount_rate`; default `economy.discount_rate`).
    pub discount_rate: f64,
}

/// A window of the summarized rates: its first year is always `y0 + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The longest window the projection values: `y0 + 1 ..= yH − 1`, with the target
    /// reserve of the cost of `yH`.
    Horizon,
    /// `n` years, `y0 + 1 ..= y0 + n`; needs the projection to reach `y0 + n + 1`.
    Years(usize),
}

/// The windows of `valuation.csv`, in order.
pub const WINDOWS: [Window; 4] = [
    Window::Horizon,
    Window::Years(25),
    Window::Years(50),
    Window::Years(75),
];

impl Window {
    /// The window's name in `valuation.csv` (`horizon`, `25y`, …).
    pub fn name(self) -> String {
        match self {
            Window::Horizon => "horizon".to_string(),
            Window::Years(n) => format!("{n}y"),
        }
    }

    /// Years of the window (`n`), whether or not the projection reaches them.
    pub fn length(self, model: &Model) -> usize {
        match self {
            Window::Horizon => model.frame.years().saturating_sub(2),
            Window::Years(n) => n,
        }
    }

    /// Whether the projection values it: at least one year, and the year after it (whose
    /// cost is the target reserve) projected.
    pub fn valued(self, model: &Model) -> bool {
        let n = self.length(model);
        n >= 1 && n + 1 < model.frame.years()
    }
}

/// One projected path, as the valuation reads it.
pub struct PathData<'a> {
    /// The path's rows (base year first).
    pub rows: &'a [Row],
    /// The path's fund return `r_t` by year index.
    pub fund_return: &'a [f64],
    /// Covered payroll `W_t Σ N^A w_rel` by year index.
    pub payroll: &'a [f64],
}

/// Pay-as-you-go figures of one year.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct YearRates {
    /// Covered payroll (currency per year).
    pub payroll: f64,
    /// Cost `B_t + Adm_t` and income `C_t + O_t` (currency per year).
    pub cost: f64,
    pub income: f64,
    /// `100 cost / payroll`, `100 income / payroll` and their difference (% of payroll;
    /// 0 when the payroll is 0).
    pub cost_rate: f64,
    pub income_rate: f64,
    pub balance: f64,
    /// `F_t / cost_t`: the reserve at the start of the year over the year's cost (0 when
    /// the cost is 0).
    pub reserve_ratio: f64,
}

/// The summarized figures of one window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summarized {
    /// First and last years (calendar).
    pub first: i32,
    pub last: i32,
    /// Present values at 1 January of the first year (currency).
    pub pv_payroll: f64,
    pub pv_income: f64,
    pub pv_other_income: f64,
    pub pv_cost: f64,
    /// `F_{y0+1}`, the reserve at the start of the window.
    pub start_reserve: f64,
    /// The target reserve, the cost of the year after the window, at the window's end.
    pub pv_target_reserve: f64,
    /// `100 (F + PV income) / PV payroll` (% of payroll).
    pub income_rate: f64,
    /// `100 (PV cost + PV target) / PV payroll` (% of payroll).
    pub cost_rate: f64,
    /// `income_rate − cost_rate` (% of payroll).
    pub actuarial_balance: f64,
    /// `100 (PV cost + PV target − F − PV other income) / PV payroll` (% of payroll).
    pub general_average_premium: f64,
    /// `PV cost − PV income − F` (currency) and as % of PV payroll.
    pub unfunded_obligation: f64,
    pub unfunded_obligation_rate: f64,
}

/// The closed group's accrued-to-date liability at 1 January of the base year.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClosedGroup {
    /// PV of the pensions in payment of old-age (`R`) and disability (`I`) pensioners.
    pub pensioners: f64,
    pub disabled: f64,
    /// PV of the accrued rights of actives and of vested members.
    pub actives: f64,
    pub vested: f64,
    /// China's rules: the individual-account balances of actives and vested members.
    pub accounts: f64,
    /// The sum of the above.
    pub liability: f64,
    /// The reserve at the valuation date (`F_y0`, plus the individual-account fund
    /// under China's rules).
    pub reserve: f64,
    /// `liability − reserve`.
    pub net: f64,
}

/// The valuation of one path.
#[derive(Clone, Debug, PartialEq)]
pub struct Valuation {
    /// By year index, base year first.
    pub years: Vec<YearRates>,
    /// One per [`WINDOWS`] entry (`None`: beyond the projection).
    pub windows: Vec<Option<Summarized>>,
    pub closed: ClosedGroup,
}

/// `100 a / b`, 0 when `b` is 0.
fn pct(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        100.0 * a / b
    }
}

/// The year-by-year rates of a path.
pub fn year_rates(model: &Model, path: &PathData) -> Vec<YearRates> {
    use metric::*;
    path.rows
        .iter()
        .enumerate()
        .map(|(t, row)| {
            let cost = row[PAYOUTS] + row[ADMIN];
            let income = row[CONTRIBUTIONS] + row[OTHER_INCOME];
            let payroll = path.payroll[t];
            let reserve = if t == 0 {
                model.fund.initial
            } else {
                path.rows[t - 1][FUND_END]
            };
            YearRates {
                payroll,
                cost,
                income,
                cost_rate: pct(cost, payroll),
                income_rate: pct(income, payroll),
                balance: pct(income, payroll) - pct(cost, payroll),
                reserve_ratio: if cost == 0.0 { 0.0 } else { reserve / cost },
            }
        })
        .collect()
}

/// The summarized rates of the window of `n` years `y0 + 1 ..= y0 + n` (`n + 1 <` the
/// projected years).
pub fn summarize(model: &Model, path: &PathData, n: usize) -> Summarized {
    use metric::*;
    assert!(n >= 1 && n + 1 < path.rows.len(), "a valued window");
    let mut v = 1.0;
    let mut s = Summarized {
        first: model.frame.base_year + 1,
        last: model.frame.base_year + n as i32,
        start_reserve: path.rows[0][FUND_END],
        ..Summarized::default()
    };
    for t in 1..=n {
        let r = path.fund_return[t];
        v /= 1.0 + r;
        let flow = v * (1.0 + r / 2.0);
        let row = &path.rows[t];
        s.pv_payroll += path.payroll[t] * flow;
        s.pv_income += (row[CONTRIBUTIONS] + row[OTHER_INCOME]) * flow;
        s.pv_other_income += row[OTHER_INCOME] * flow;
        s.pv_cost += (row[PAYOUTS] + row[ADMIN]) * flow;
    }
    let next = &path.rows[n + 1];
    s.pv_target_reserve = (next[PAYOUTS] + next[ADMIN]) * v;
    s.income_rate = pct(s.start_reserve + s.pv_income, s.pv_payroll);
    s.cost_rate = pct(s.pv_cost + s.pv_target_reserve, s.pv_payroll);
    s.actuarial_balance = s.income_rate - s.cost_rate;
    s.general_average_premium = pct(
        s.pv_cost + s.pv_target_reserve - s.start_reserve - s.pv_other_income,
        s.pv_payroll,
    );
    s.unfunded_obligation = s.pv_cost - s.pv_income - s.start_reserve;
    s.unfunded_obligation_rate = pct(s.unfunded_obligation, s.pv_payroll);
    s
}

/// The valuation of one path (the closed group given: it does not depend on the path).
pub fn value_path(model: &Model, path: &PathData, closed: ClosedGroup) -> Valuation {
    Valuation {
        years: year_rates(model, path),
        windows: WINDOWS
            .iter()
            .map(|w| {
                w.valued(model)
                    .then(|| summarize(model, path, w.length(model)))
            })
            .collect(),
        closed,
    }
}

/// The assumptions along which the closed group is valued: the deterministic path of
/// the economy and the deterministic mortality, each held at its horizon value beyond
/// the horizon.
struct Assumed<'m> {
    model: &'m Model,
    econ: EconPath,
    /// `(1 + d_V)^−1`.
    v: f64,
}

impl<'m> Assumed<'m> {
    fn new(model: &'m Model) -> Assumed<'m> {
        let mut econ = EconPath::with_years(model.frame.years());
        model.economy.fill_path(None, &mut econ);
        Assumed {
            model,
            econ,
            v: 1.0 / (1.0 + model.valuation.discount_rate),
        }
    }

    fn last(&self) -> usize {
        self.model.frame.years() - 1
    }

    /// A schedule's value of year index `t` (held after its last entry).
    fn sched(v: &[f64], t: usize) -> f64 {
        v[t.min(v.len() - 1)]
    }

    /// `q[s, x, t]`, deterministic (`q[ω] = 1`).
    fn q(&self, s: usize, x: usize, t: usize) -> f64 {
        let ages = self.model.frame.ages();
        if x + 1 >= ages {
            return 1.0;
        }
        self.model.mortality.q_det[(t.min(self.last()) * 2 + s) * ages + x]
    }

    /// `W_t` (grown at the horizon's wage growth beyond it).
    fn wage(&self, t: usize) -> f64 {
        let last = self.last();
        if t <= last {
            self.econ.wage[t]
        } else {
            self.econ.wage[last]
                * crate::math::powf(1.0 + self.econ.wage_growth[last], (t - last) as f64)
        }
    }

    /// The indexation from year `t` to `t + 1`: `1 + ι_w g_t + ι_π π_t + ι_0` with the
    /// weights of year `t + 1` (the indexation brake, which depends on the fund, is not
    /// applied).
    fn indexation(&self, t: usize) -> f64 {
        let ix = &self.model.indexation;
        let (u, t1) = (t.min(self.last()), t + 1);
        1.0 + Self::sched(&ix.wage_weight, t1) * self.econ.wage_growth[u]
            + Self::sched(&ix.price_weight, t1) * self.econ.inflation[u]
            + Self::sched(&ix.constant, t1)
    }

    /// `v^k`.
    fn discount(&self, k: f64) -> f64 {
        crate::math::powf(self.v, k)
    }

    /// A life annuity of 1 a year from the start of year index `t0` to a member of sex
    /// `s` aged `x` then: `Σ_j _jp · I_j · v^(j + 1/2)` at the start of `t0`, each
    /// year's payment mid-year, indexed from one year to the next, mortality multiplied
    /// by `disabled`'s factor until the member converts at the conversion age.
    fn annuity(&self, s: usize, x: usize, t0: usize, disabled: Option<(f64, &[f64])>) -> f64 {
        let ages = self.model.frame.ages();
        let (mut alive, mut indexed, mut total) = (1.0, 1.0, 0.0);
        let mut converted = disabled.is_none();
        for j in 0..ages - x {
            let age = x + j;
            if let (false, Some((_, conversion)), true) = (converted, disabled, j > 0) {
                converted = age >= whole_age(Self::sched(conversion, t0 + j));
            }
            total += alive * indexed * self.discount(j as f64 + 0.5);
            let multiplier = match (converted, disabled) {
                (false, Some((m, _))) => m,
                _ => 1.0,
            };
            alive *= 1.0 - (multiplier * self.q(s, age, t0 + j)).min(1.0);
            indexed *= self.indexation(t0 + j);
            if alive == 0.0 {
                break;
            }
        }
        total
    }

    /// When a member of sex `s` aged `x` at the start of the base year starts a pension:
    /// the year index `k ≥ 1` of its first payment, the first with `x + k ≥ RA` of year
    /// `k` (`None` past the last age).
    fn retirement_year(&self, s: usize, x: usize) -> Option<usize> {
        let ages = self.model.frame.ages();
        (1..ages - x).find(|&k| x + k >= whole_age(Self::sched(&self.model.retirement.age[s], k)))
    }

    /// `_kp_x` from the start of the base year (mortality only).
    fn survival(&self, s: usize, x: usize, k: usize) -> f64 {
        (0..k).map(|j| 1.0 - self.q(s, x + j, j)).product()
    }
}

/// The closed group's accrued-to-date liability on the base-year stocks (docs/model.md).
pub fn closed_group(model: &Model) -> ClosedGroup {
    let a = Assumed::new(model);
    let ages = model.frame.ages();
    let st = &model.initial;
    let wrel = &model.contributions.relative_wage;
    let mut c = ClosedGroup::default();
    let conversion = |s: usize| match &model.moves.conversion_age {
        Some(ages) => &ages[s][..],
        None => &model.retirement.age[s][..],
    };
    for s in 0..2 {
        for x in 0..ages {
            let i = s * ages + x;
            c.pensioners += st.retired_pension[i] * a.annuity(s, x, 0, None);
            let m_i = model.mortality.disability_multiplier;
            c.disabled += st.disabled_pension[i] * a.annuity(s, x, 0, Some((m_i, conversion(s))));
            for (vested, n, service, wage_index, deemed, account) in [
                (
                    false,
                    st.active_n[i],
                    st.active_service[i],
                    st.active_wage[i],
                    st.active_deemed[i],
                    st.active_account[i],
                ),
                (
                    true,
                    st.vested_n[i],
                    st.vested_service[i],
                    st.vested_wage[i],
                    st.vested_deemed[i],
                    st.vested_account[i],
                ),
            ] {
                if n <= 0.0 {
                    continue;
                }
                c.accounts += account;
                let Some(k) = a.retirement_year(s, x) else {
                    continue;
                };
                let record = Member {
                    n,
                    service,
                    wage_index,
                    deemed,
                };
                let pension = accrued_pension(model, &a, s, x, k, vested, &record, wrel);
                let value = n
                    * a.survival(s, x, k)
                    * pension
                    * a.annuity(s, x + k, k, None)
                    * a.discount(k as f64);
                if vested {
                    c.vested += value;
                } else {
                    c.actives += value;
                }
            }
        }
    }
    c.liability = c.pensioners + c.disabled + c.actives + c.vested + c.accounts;
    c.reserve = model.fund.initial + model.china.as_ref().map_or(0.0, |ch| ch.fund_initial);
    c.net = c.liability - c.reserve;
    c
}

/// A cell's masses (its members, service, wage index, deemed years).
struct Member {
    n: f64,
    service: f64,
    wage_index: f64,
    deemed: f64,
}

/// The accrued yearly pension of one member of a cell of actives (or vested members)
/// aged `x` in the base year, first paid in year index `k` at age `x + k`: the pension
/// by the rules of year `k` with the average wage of year `k − 1`.
///
/// MODEL.md's formulas, projected unit credit: the pension on the records projected to
/// retirement (actives keep contributing: service `s̄ + k`, career wage index with
/// `w_rel` of each year), times the share of its service already rendered,
/// `s̄ / (s̄ + k)`; vested members' pension on their own records. China's rules: the
/// basic and transitional pension on the years to date (the formula is linear in them),
/// times the share meeting the minimum years at retirement; the accounts are valued at
/// their balances apart.
#[allow(clippy::too_many_arguments)]
fn accrued_pension(
    model: &Model,
    a: &Assumed,
    s: usize,
    x: usize,
    k: usize,
    vested: bool,
    m: &Member,
    wrel: &[f64],
) -> f64 {
    let ages = model.frame.ages();
    let wrel = &wrel[s * ages..(s + 1) * ages];
    let n = m.n;
    let service = m.service / n;
    let wage_index = if m.service > 0.0 {
        m.wage_index / m.service
    } else {
        wrel[x.saturating_sub(1)]
    };
    let future = if vested { 0.0 } else { k as f64 };
    let future_index: f64 = if vested {
        0.0
    } else {
        wrel[x..x + k].iter().sum()
    };
    let service_r = service + future;
    let index_r = if service_r > 0.0 {
        (wage_index * service + future_index) / service_r
    } else {
        wage_index
    };
    let age = x + k;
    let t1 = k.min(model.frame.sched_len() - 1);
    let wage = a.wage(k - 1);
    let ra = whole_age(Assumed::sched(&model.retirement.age[s], k));
    let factor = model.benefits.age_factor(t1, age, ra);
    match &model.china {
        Some(ch) => {
            let deemed = m.deemed / n;
            let eligible = ch.eligible_share_at(age, service_r + deemed);
            let (pooled, _) = ch.first_pension(t1, wage, service, deemed, index_r, 0.0, age);
            pooled * eligible * factor
        }
        None => {
            let record = crate::benefits::Record::of_averages(service_r, index_r, wrel[age - 1]);
            let projected = model.benefits.floored_pension(t1, wage, &record) * factor;
            if vested {
                projected
            } else {
                projected * service / service_r
            }
        }
    }
}

/// One line of `valuation.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub measure: &'static str,
    /// `year`, a window's name, or `closed_group`.
    pub period: String,
    pub first_year: i32,
    pub last_year: i32,
    pub unit: String,
    /// `None`: not valued (see `note`).
    pub value: Option<f64>,
    pub note: String,
}

/// Unit of the rates.
pub const PERCENT_OF_PAYROLL: &str = "percent of payroll";

/// The lines of `valuation.csv` for one path's valuation, in their order: every year's
/// rates, then every window's summarized figures, then the closed group.
pub fn lines(model: &Model, v: &Valuation) -> Vec<Line> {
    let y0 = model.frame.base_year;
    let money = model.currency.clone();
    let per_year = format!("{} per year", model.currency);
    let mut out = Vec::new();
    let line = |measure, period: &str, first, last, unit: &str, value| Line {
        measure,
        period: period.to_string(),
        first_year: first,
        last_year: last,
        unit: unit.to_string(),
        value,
        note: String::new(),
    };
    for (t, y) in v.years.iter().enumerate() {
        let year = y0 + t as i32;
        for (measure, unit, value) in [
            ("covered_payroll", per_year.as_str(), y.payroll),
            ("cost", per_year.as_str(), y.cost),
            ("income", per_year.as_str(), y.income),
            ("cost_rate", PERCENT_OF_PAYROLL, y.cost_rate),
            ("income_rate", PERCENT_OF_PAYROLL, y.income_rate),
            ("annual_balance", PERCENT_OF_PAYROLL, y.balance),
            ("reserve_ratio", "ratio", y.reserve_ratio),
        ] {
            out.push(line(measure, "year", year, year, unit, Some(value)));
        }
    }
    for (w, s) in WINDOWS.iter().zip(&v.windows) {
        let n = w.length(model) as i32;
        let (first, last) = (y0 + 1, y0 + n);
        let values: [(&'static str, &str, Option<f64>); 12] = [
            ("pv_payroll", &money, s.map(|s| s.pv_payroll)),
            ("pv_income", &money, s.map(|s| s.pv_income)),
            ("pv_cost", &money, s.map(|s| s.pv_cost)),
            ("start_reserve", &money, s.map(|s| s.start_reserve)),
            ("pv_target_reserve", &money, s.map(|s| s.pv_target_reserve)),
            (
                "summarized_income_rate",
                PERCENT_OF_PAYROLL,
                s.map(|s| s.income_rate),
            ),
            (
                "summarized_cost_rate",
                PERCENT_OF_PAYROLL,
                s.map(|s| s.cost_rate),
            ),
            (
                "actuarial_balance",
                PERCENT_OF_PAYROLL,
                s.map(|s| s.actuarial_balance),
            ),
            (
                "general_average_premium",
                PERCENT_OF_PAYROLL,
                s.map(|s| s.general_average_premium),
            ),
            (
                "open_group_unfunded_obligation",
                &money,
                s.map(|s| s.unfunded_obligation),
            ),
            (
                "open_group_unfunded_obligation_rate",
                "percent of PV payroll",
                s.map(|s| s.unfunded_obligation_rate),
            ),
            ("pv_other_income", &money, s.map(|s| s.pv_other_income)),
        ];
        for (measure, unit, value) in values {
            let mut l = line(measure, &w.name(), first, last, unit, value);
            if value.is_none() {
                l.note = if n < 1 {
                    "not valued: the projection has no window after the base year".to_string()
                } else {
                    format!(
                        "not valued: needs a projection to {} (horizon {})",
                        last + 1,
                        model.frame.horizon
                    )
                };
            }
            out.push(l);
        }
    }
    let c = &v.closed;
    let note = format!(
        "at 1 January {y0}, discount rate {}; the same on every path",
        model.valuation.discount_rate
    );
    for (measure, value) in [
        ("ald_pensioners", c.pensioners),
        ("ald_disabled", c.disabled),
        ("ald_actives", c.actives),
        ("ald_vested", c.vested),
        ("ald_accounts", c.accounts),
        ("accrued_to_date_liability", c.liability),
        ("reserve", c.reserve),
        ("net_accrued_to_date_liability", c.net),
    ] {
        let mut l = line(measure, "closed_group", y0, y0, &money, Some(value));
        l.note = note.clone();
        out.push(l);
    }
    out
}

/// The valued lines' values, in order (the series of a Monte Carlo path).
pub fn line_values(lines: &[Line]) -> impl Iterator<Item = f64> + '_ {
    lines.iter().filter_map(|l| l.value)
}

/// The deterministic projection's valuation (every shock zero).
pub fn deterministic(model: &Model) -> Valuation {
    let mut runner = PathRunner::new(model);
    runner.project(false);
    let payroll: Vec<f64> = (0..model.frame.years())
        .map(|t| runner.lane_payroll(0, t))
        .collect();
    let path = PathData {
        rows: runner.rows(),
        fund_return: &runner.econ().fund_return,
        payroll: &payroll,
    };
    value_path(model, &path, closed_group(model))
}

/// The valuation of every Monte Carlo path: a [`PathFn`] whose values are a path's
/// [`line_values`].
struct ValuationPaths<'m> {
    model: &'m Model,
    seed: u64,
    closed: ClosedGroup,
    series: usize,
}

impl<'m> PathFn for ValuationPaths<'m> {
    type Worker = (LaneRunner<'m>, Vec<f64>);
    fn worker(&self) -> Self::Worker {
        (
            LaneRunner::new(self.model),
            vec![0.0; self.model.frame.years()],
        )
    }
    fn series(&self) -> usize {
        self.series
    }
    fn years(&self) -> usize {
        self.model.frame.years()
    }
    fn lanes(&self) -> usize {
        crate::montecarlo::lanes()
    }
    fn paths(
        &self,
        (runner, payroll): &mut Self::Worker,
        first: u64,
        count: usize,
        values: &mut [f64],
        depletion: &mut [Option<usize>],
    ) {
        runner.draw_group(self.seed, first, count);
        let summaries = runner.project_group(true);
        for l in 0..count {
            depletion[l] = summaries[l].depletion;
            for (t, p) in payroll.iter_mut().enumerate() {
                *p = runner.lane_payroll(l, t);
            }
            let path = PathData {
                rows: runner.lane_rows(l),
                fund_return: &runner.lane_econ(l).fund_return,
                payroll,
            };
            let v = value_path(self.model, &path, self.closed);
            let out = &mut values[l * self.series..(l + 1) * self.series];
            for (o, x) in out.iter_mut().zip(line_values(&lines(self.model, &v))) {
                *o = x;
            }
        }
    }
}

/// The distribution over `opts.paths` Monte Carlo paths of every valued line (in the
/// order of [`line_values`]): mean, sd and the quantiles of
/// [`crate::aggregate::STATS`].
pub fn run(model: &Model, opts: crate::montecarlo::Options) -> Summary {
    let det = deterministic(model);
    let series = line_values(&lines(model, &det)).count();
    let f = ValuationPaths {
        model,
        seed: opts.seed,
        closed: det.closed,
        series,
    };
    crate::montecarlo::run_paths(&f, opts.paths, opts.threads, &|_| {})
}

/// Statistics written to `valuation.csv` with Monte Carlo paths: indices into
/// [`crate::aggregate::STATS`] (mean, sd, p5, p25, p50, p75, p95).
pub const CSV_STATS: [usize; 7] = [0, 1, 3, 5, 6, 7, 9];

/// `valuation.csv`: `measure,period,first_year,last_year,unit,value` (the deterministic
/// projection's), then with Monte Carlo paths `mean,sd,p5,p25,p50,p75,p95`, and `note`.
pub fn csv(model: &Model, v: &Valuation, mc: Option<&Summary>) -> String {
    use crate::aggregate::STATS;
    use crate::export::num;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "measure",
        "period",
        "first_year",
        "last_year",
        "unit",
        "value",
    ];
    if mc.is_some() {
        header.extend(CSV_STATS.iter().map(|&k| STATS[k]));
    }
    header.push("note");
    w.write_record(&header).expect("in-memory CSV");
    let mut series = 0;
    for l in lines(model, v) {
        let mut rec = vec![
            l.measure.to_string(),
            l.period,
            l.first_year.to_string(),
            l.last_year.to_string(),
            l.unit,
            l.value.map(num).unwrap_or_default(),
        ];
        if let Some(s) = mc {
            match l.value {
                Some(_) => {
                    let stats = &s.stats[series];
                    series += 1;
                    rec.extend(CSV_STATS.iter().map(|&k| num(stats[k])));
                }
                None => rec.extend(CSV_STATS.iter().map(|_| String::new())),
            }
        }
        rec.push(l.note);
        w.write_record(&rec).expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// The first valued line whose value (or, with paths, a statistic) is not a finite
/// number, as an error.
pub fn check(
    model: &Model,
    v: &Valuation,
    mc: Option<&Summary>,
) -> Result<(), crate::export::ExportError> {
    let bad = |l: &Line, value: f64| crate::export::ExportError::NonFinite {
        what: "valuation",
        metric: format!("{} ({})", l.measure, l.period),
        year: l.first_year,
        value,
    };
    let mut series = 0;
    for l in lines(model, v) {
        let Some(x) = l.value else { continue };
        if !x.is_finite() {
            return Err(bad(&l, x));
        }
        if let Some(s) = mc {
            if let Some(y) = s.stats[series].iter().find(|y| !y.is_finite()) {
                return Err(bad(&l, *y));
            }
        }
        series += 1;
    }
    Ok(())
}

/// The valuation as a short table for people: windows' rates in % of payroll, money in
/// millions of the currency unit; with paths, the actuarial balance's distribution.
pub fn table(model: &Model, v: &Valuation, mc: Option<&Summary>) -> String {
    use std::fmt::Write as _;
    let y0 = model.frame.base_year;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — actuarial valuation at 1 January {} (rates in % of covered payroll, money in \
         millions of {}; discounted at the projected fund return)",
        model.name,
        y0 + 1,
        model.currency
    );
    let _ = writeln!(
        out,
        "{:<9} {:>11} {:>8} {:>8} {:>8} {:>8} {:>14} {:>8}",
        "window", "years", "income", "cost", "balance", "GAP", "unfunded oblig.", "% PVP"
    );
    for (w, s) in WINDOWS.iter().zip(&v.windows) {
        let n = w.length(model) as i32;
        match s {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "{:<9} {:>11} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>15.1} {:>8.2}",
                    w.name(),
                    format!("{}–{}", s.first, s.last),
                    s.income_rate,
                    s.cost_rate,
                    s.actuarial_balance,
                    s.general_average_premium,
                    s.unfunded_obligation / 1e6,
                    s.unfunded_obligation_rate
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{:<9} not valued: needs a projection to {} (horizon {})",
                    w.name(),
                    y0 + n + 1,
                    model.frame.horizon
                );
            }
        }
    }
    let last = v.years.len() - 1;
    let _ = writeln!(
        out,
        "PAYG cost rate {:.2} % in {}, {:.2} % in {}; income rate {:.2} %, {:.2} %; reserve \
         ratio {:.2}, {:.2}",
        v.years[0].cost_rate,
        y0,
        v.years[last].cost_rate,
        y0 + last as i32,
        v.years[0].income_rate,
        v.years[last].income_rate,
        v.years[0].reserve_ratio,
        v.years[last].reserve_ratio,
    );
    let c = &v.closed;
    let _ = writeln!(
        out,
        "Closed group at 1 January {y0} (discount rate {}): accrued-to-date liability {:.1} \
         million (pensioners {:.1}, disabled {:.1}, actives {:.1}, vested {:.1}, accounts \
         {:.1}), less the reserve {:.1}: {:.1} million",
        model.valuation.discount_rate,
        c.liability / 1e6,
        c.pensioners / 1e6,
        c.disabled / 1e6,
        c.actives / 1e6,
        c.vested / 1e6,
        c.accounts / 1e6,
        c.reserve / 1e6,
        c.net / 1e6
    );
    if let Some(s) = mc {
        // The actuarial balance's series of each valued window.
        let ls = lines(model, v);
        let mut series = 0;
        let _ = writeln!(
            out,
            "Actuarial balance over {} paths (% of payroll): window mean [p5, p95]",
            s.paths
        );
        for l in &ls {
            if l.value.is_none() {
                continue;
            }
            if l.measure == "actuarial_balance" {
                let st = &s.stats[series];
                let _ = writeln!(
                    out,
                    "  {:<9} {:.2} [{:.2}, {:.2}]",
                    l.period, st[0], st[3], st[9]
                );
            }
            series += 1;
        }
    }
    out
}
