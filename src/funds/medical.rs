//! Employee basic medical insurance (城镇职工基本医疗保险, 统账结合): a pooled fund and
//! individual accounts, financed by actives only — retirees are covered without
//! contributing, which drives the pool's deficits as the insured population ages.
//!
//! Takes the year's insured actives and retirees with their cost curves summed over
//! ages ([`super::Labour`]), the contribution base, wage growth and the path's excess
//! medical inflation `m_t`; feeds the `medical_*` metrics and the social budget.
//!
//! - Income: the pool `e (1 − a) · base_t`, the accounts `(w + e a) · base_t` (employer
//!   `e` ≈ 6 %, employee `w` = 2 %, `a` = 30 % of the employer's share to the accounts).
//! - The cost index `K_t = K_{t−1} (1 + g_t)(1 + m_t)`, `K_y0` = the base-year mean yearly
//!   cost of an insured active at relative cost 1; a group's (actives', retirees')
//!   expected cost is `K_t · Σ N · cost curve`, its mean per person `μ = that / heads`.
//! - One person's yearly cost is lognormal with mean `μ` and coefficient of variation
//!   `cv`; the pool pays the reimbursement share `ρ` of the layer between the deductible
//!   `D_t` and the ceiling `H_t` (multiples of `W_t`): `ρ · (E[min(X, H)] − E[min(X, D)])`
//!   per person ([`limited_mean`]); the accounts pay the share `account_use` of what is
//!   below the deductible, `E[min(X, D)]`, as far as their balance reaches.
//! - The pool's reserve rolls forward with its subsidy rule; the accounts' balance
//!   `A_{t+1} = accumulate(A_t, income − spending, r_t)`; the early-warning indicator
//!   is 1 when the pool holds less than `warning_months` of its spending.

use super::{reserve_months, Depletion, Reserve, Year};
use crate::metrics::metric;
use crate::projection::ratio;
use crate::projection::Row;

/// Employee medical insurance parameters, resolved by year (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct Medical {
    /// Insured actives ÷ the pension's actives; insured retirees ÷ its pensioners.
    pub insured_share: Vec<f64>,
    /// The insured's mean contribution base ÷ the labour force's (1: the shared base).
    pub base_factor: Vec<f64>,
    pub retiree_share: Vec<f64>,
    /// Employer and employee rates on the contribution base.
    pub employer_rate: Vec<f64>,
    pub employee_rate: Vec<f64>,
    /// Share of the employer's contribution credited to the individual accounts.
    pub account_share: Vec<f64>,
    /// `K_y0`: the base-year mean yearly cost of an insured person at relative cost 1
    /// (currency unit).
    pub cost: f64,
    /// Coefficient of variation of one person's yearly cost.
    pub cost_cv: f64,
    /// Its lognormal's limited means, tabulated ([`Layers::new`]`(cost_cv)`).
    pub layers: Layers,
    /// Deductible and ceiling as multiples of `W_t`.
    pub deductible: Vec<f64>,
    pub ceiling: Vec<f64>,
    /// `ln(max(ceiling, deductible) / deductible)` by year (resolved once per run; 0
    /// where the deductible is 0).
    pub ln_ceiling: Vec<f64>,
    /// Reimbursement shares of the pooled layer for actives and retirees.
    pub reimbursement: Vec<f64>,
    pub retiree_reimbursement: Vec<f64>,
    /// Share of the costs below the deductible that insured people pay from their
    /// accounts (the rest out of pocket).
    pub account_use: Vec<f64>,
    /// The early-warning threshold, months of pool spending in reserve.
    pub warning_months: f64,
    /// The pool's reserve; the accounts' balance at the start of the base year.
    pub pool: Reserve,
    pub accounts_initial: f64,
}

/// `E[min(X, k)]` for a lognormal `X` of mean `mean` and coefficient of variation `cv`:
/// with `s² = ln(1 + cv²)`, `μ = ln mean − s²/2`,
/// `mean · Φ((ln k − μ − s²)/s) + k (1 − Φ((ln k − μ)/s))`; `mean` when `cv = 0` and
/// `k ≥ mean`, 0 when `k ≤ 0` or `mean ≤ 0`. Computed exactly (the projection reads
/// [`Layers`], a table of the same function).
pub fn limited_mean(mean: f64, cv: f64, k: f64) -> f64 {
    let spread = Spread::of(cv);
    match guard(mean, k, spread.s2) {
        Some(v) => v,
        None => mean * spread.share(crate::math::ln(k / mean)),
    }
}

/// The cases of `E[min(X, k)]` without a lognormal's spread: none when `k ≤ 0` or
/// `mean ≤ 0`, `mean` for an infinite `k`, `min(mean, k)` when every cost is the mean.
fn guard(mean: f64, k: f64, s2: f64) -> Option<f64> {
    if k <= 0.0 || mean <= 0.0 {
        Some(0.0)
    } else if k.is_infinite() {
        Some(mean)
    } else if s2 <= 0.0 {
        Some(mean.min(k))
    } else {
        None
    }
}

/// The spread of one person's yearly cost: `s` and `s²` of its lognormal.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    s: f64,
    s2: f64,
}

impl Spread {
    pub fn of(cv: f64) -> Spread {
        let s2 = if cv > 0.0 {
            crate::math::ln(1.0 + cv * cv)
        } else {
            0.0
        };
        Spread { s: s2.sqrt(), s2 }
    }

    /// `G(u) = E[min(X, k)] / mean` at `u = ln(k / mean)`: with `a = (u + s²/2) / s`,
    /// `Φ(a − s) + e^u (1 − Φ(a))`.
    pub fn share(&self, u: f64) -> f64 {
        let a = (u + self.s2 / 2.0) / self.s;
        let phi = crate::math::std_normal_cdf;
        phi(a - self.s) + crate::math::exp(u) * (1.0 - phi(a))
    }

    /// `G'(u) = e^u (1 − Φ(a))` (`d E[min(X, k)] / dk = P(X > k)`).
    pub fn share_slope(&self, u: f64) -> f64 {
        let a = (u + self.s2 / 2.0) / self.s;
        crate::math::exp(u) * (1.0 - crate::math::std_normal_cdf(a))
    }
}

/// `G(u)` of [`Spread::share`] tabulated once per scenario on `u = ln(k / mean)` in
/// `[−12, 12]`, every `s/80`, with its slope (the two side by side, one cache line a
/// lookup): the projection interpolates
/// it by cubic Hermite polynomials (error below 1e-10 of the mean, `tests` below),
/// instead of two normal distribution functions per limit and group each year; outside
/// the table, and for a spread `s < 0.05` (a table too fine to keep), it computes `G`
/// exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layers {
    spread: Spread,
    /// Points per unit of `u`.
    per_unit: f64,
    /// `(G, G')` at each point.
    g: Vec<[f64; 2]>,
}

const LAYER_LO: f64 = -12.0;
const LAYER_SPAN: f64 = 24.0;

impl Layers {
    pub fn new(cv: f64) -> Layers {
        let spread = Spread::of(cv);
        let mut g = Vec::new();
        let per_unit = (80.0 / spread.s).ceil();
        if spread.s >= 0.05 {
            let points = (LAYER_SPAN * per_unit) as usize + 1;
            for i in 0..points {
                let u = LAYER_LO + i as f64 / per_unit;
                g.push([spread.share(u), spread.share_slope(u)]);
            }
        }
        Layers {
            spread,
            per_unit,
            g,
        }
    }

    /// `E[min(X, k)]` for the lognormal of mean `mean` (see [`limited_mean`]).
    pub fn limited_mean(&self, mean: f64, k: f64) -> f64 {
        if let Some(v) = guard(mean, k, self.spread.s2) {
            return v;
        }
        self.at(mean, crate::math::ln(k / mean))
    }

    /// `E[min(X, k)]` at `u = ln(k / mean)` (`mean > 0`, a spread).
    fn at(&self, mean: f64, u: f64) -> f64 {
        let x = (u - LAYER_LO) * self.per_unit;
        if !(x >= 0.0 && x < self.g.len() as f64 - 1.0) {
            return mean * self.spread.share(u);
        }
        let i = x as usize;
        let t = x - i as f64;
        let h = 1.0 / self.per_unit;
        let (t2, t3) = (t * t, t * t * t);
        let ([g0, d0], [g1, d1]) = (self.g[i], self.g[i + 1]);
        let g = (2.0 * t3 - 3.0 * t2 + 1.0) * g0
            + (t3 - 2.0 * t2 + t) * h * d0
            + (3.0 * t2 - 2.0 * t3) * g1
            + (t3 - t2) * h * d1;
        mean * g
    }
}

/// One path's state.
#[derive(Clone, Copy, Debug, Default)]
pub struct MedicalPath {
    pub pool: f64,
    pub accounts: f64,
    /// `K_t`, the cost index (maternity's childbirth lump sum follows it).
    pub cost_index: f64,
    depleted: Depletion,
}

impl Medical {
    pub fn path(&self) -> MedicalPath {
        MedicalPath {
            pool: self.pool.initial,
            accounts: self.accounts_initial,
            cost_index: self.cost,
            depleted: Depletion::default(),
        }
    }

    /// A group's pooled and account spending: `heads` insured whose costs sum to `cost`
    /// (expected, currency), reimbursed at `rho`, in year `t` at wage `wage`.
    #[allow(clippy::too_many_arguments)]
    pub fn group_spending(
        &self,
        t: usize,
        wage: f64,
        heads: f64,
        cost: f64,
        rho: f64,
    ) -> (f64, f64) {
        if heads == 0.0 {
            return (0.0, 0.0);
        }
        let mean = ratio(cost, heads);
        let d = self.deductible[t] * wage;
        let h = (self.ceiling[t] * wage.max(0.0)).max(d);
        let layers = &self.layers;
        let (below, up_to_ceiling) = match (
            guard(mean, d, layers.spread.s2),
            guard(mean, h, layers.spread.s2),
        ) {
            (None, None) => {
                // One logarithm: ln(H / mean) = ln(D / mean) + ln(H / D).
                let u = crate::math::ln(d / mean);
                let v = u + self.ln_ceiling[t];
                (layers.at(mean, u), layers.at(mean, v))
            }
            _ => (layers.limited_mean(mean, d), layers.limited_mean(mean, h)),
        };
        let layer = (up_to_ceiling - below).max(0.0);
        (heads * rho * layer, heads * below)
    }

    /// Year `y` of a path into `row`.
    pub fn year(&self, y: &Year, p: &mut MedicalPath, row: &mut Row) {
        let t = y.t;
        if t > 0 {
            p.cost_index *= (1.0 + y.econ.wage_growth[t]) * (1.0 + y.econ.medical_inflation[t]);
        }
        let actives = self.insured_share[t] * y.labour.actives();
        let retirees = self.retiree_share[t] * y.labour.pensioners;
        let base = y.collected_base(actives, self.base_factor[t]);
        let pool_income = self.employer_rate[t] * (1.0 - self.account_share[t]) * base;
        let account_income =
            (self.employee_rate[t] + self.employer_rate[t] * self.account_share[t]) * base;
        let w = y.wage();
        let (pool_a, below_a) = self.group_spending(
            t,
            w,
            actives,
            self.insured_share[t] * y.labour.active_cost * p.cost_index,
            self.reimbursement[t],
        );
        let (pool_r, below_r) = self.group_spending(
            t,
            w,
            retirees,
            self.retiree_share[t] * y.labour.retiree_cost * p.cost_index,
            self.retiree_reimbursement[t],
        );
        let pool_spending = pool_a + pool_r;
        let account_spending =
            (self.account_use[t] * (below_a + below_r)).min((p.accounts + account_income).max(0.0));
        let r = y.r();
        let year = self.pool.roll(p.pool, pool_income, pool_spending, r);
        p.pool = year.end;
        p.accounts = crate::fund::accumulate(p.accounts, account_income - account_spending, r);
        let months = reserve_months(year.end, pool_spending);
        use metric::*;
        row[MEDICAL_INSURED] = actives + retirees;
        row[MEDICAL_CONTRIBUTORS] = actives;
        row[MEDICAL_RETIREES] = retirees;
        row[MEDICAL_COST_INDEX] = p.cost_index;
        row[MEDICAL_POOL_INCOME] = pool_income;
        row[MEDICAL_POOL_SPENDING] = pool_spending;
        row[MEDICAL_POOL_DEFICIT] = year.deficit;
        row[MEDICAL_SUBSIDY] = year.subsidy;
        row[MEDICAL_POOL_END] = year.end;
        row[MEDICAL_RESERVE_MONTHS] = months;
        row[MEDICAL_WARNING] = if pool_spending > 0.0 && months < self.warning_months {
            1.0
        } else {
            0.0
        };
        row[MEDICAL_DEPLETED] = p.depleted.note(year.before_subsidy);
        row[MEDICAL_ACCOUNT_INCOME] = account_income;
        row[MEDICAL_ACCOUNT_SPENDING] = account_spending;
        row[MEDICAL_ACCOUNT_END] = p.accounts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limited_mean_by_hand() {
        // cv² = e − 1: s = 1, μ = −0.5; at k = 1: Φ(−0.5) + (1 − Φ(0.5)) = 2 (1 − Φ(0.5))
        let cv = (std::f64::consts::E - 1.0).sqrt();
        let v = limited_mean(1.0, cv, 1.0);
        assert!((v - 2.0 * 0.308_537_538_725_986_9).abs() < 1e-12, "{v}");
        // no spread: min(mean, k); a limit far above the mean: the mean
        assert_eq!(limited_mean(3.0, 0.0, 2.0), 2.0);
        assert!((limited_mean(1.0, cv, 1e9) - 1.0).abs() < 1e-9);
        assert_eq!(limited_mean(1.0, cv, 0.0), 0.0);
        assert_eq!(limited_mean(1.0, cv, f64::INFINITY), 1.0);
    }

    #[test]
    fn the_table_is_the_exact_limited_mean_within_1e_10() {
        for cv in [0.06, 0.1, 0.3, 1.0, 1.5, 3.0, 8.0, 20.0] {
            let table = Layers::new(cv);
            let mut worst: f64 = 0.0;
            for i in 0..20_000 {
                // limits from 1e-6 to 1e6 times the mean, off the grid
                let u = -13.8 + 27.6 * (i as f64 + 0.37) / 20_000.0;
                let k = u.exp();
                let exact = limited_mean(1.0, cv, k);
                worst = worst.max((table.limited_mean(1.0, k) - exact).abs());
            }
            assert!(worst < 1e-10, "cv {cv}: {worst}");
        }
        let none = Layers::new(0.0);
        assert_eq!(none.limited_mean(3.0, 2.0), 2.0);
        assert_eq!(none.limited_mean(0.0, 2.0), 0.0);
    }
}
