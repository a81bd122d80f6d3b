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

use super::{ratio, reserve_months, Depletion, Reserve, Year};
use crate::metrics::metric;
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
    /// Deductible and ceiling as multiples of `W_t`.
    pub deductible: Vec<f64>,
    pub ceiling: Vec<f64>,
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
/// `k ≥ mean`, 0 when `k ≤ 0` or `mean ≤ 0`.
pub fn limited_mean(mean: f64, cv: f64, k: f64) -> f64 {
    Spread::of(cv).limited_mean(mean, k)
}

/// The spread of one person's yearly cost: `s` and `s²` of its lognormal, from the
/// coefficient of variation (computed once per path).
#[derive(Clone, Copy, Debug, Default)]
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

    /// `E[min(X, k)]` (see [`limited_mean`]), with `a = (ln(k / mean) + s²/2) / s`:
    /// `mean · Φ(a − s) + k (1 − Φ(a))`.
    pub fn limited_mean(&self, mean: f64, k: f64) -> f64 {
        if k <= 0.0 || mean <= 0.0 {
            return 0.0;
        }
        if k.is_infinite() {
            return mean;
        }
        if self.s2 <= 0.0 {
            return mean.min(k);
        }
        let a = (crate::math::ln(k / mean) + self.s2 / 2.0) / self.s;
        let phi = crate::math::std_normal_cdf;
        mean * phi(a - self.s) + k * (1.0 - phi(a))
    }
}

/// One path's state.
#[derive(Clone, Copy, Debug, Default)]
pub struct MedicalPath {
    pub pool: f64,
    pub accounts: f64,
    /// `K_t`, the cost index (maternity's childbirth lump sum follows it).
    pub cost_index: f64,
    spread: Spread,
    depleted: Depletion,
}

impl Medical {
    pub fn path(&self) -> MedicalPath {
        MedicalPath {
            pool: self.pool.initial,
            accounts: self.accounts_initial,
            cost_index: self.cost,
            spread: Spread::of(self.cost_cv),
            depleted: Depletion::default(),
        }
    }

    /// A group's pooled and account spending: `heads` insured whose costs sum to `cost`
    /// (expected, currency), reimbursed at `rho`, in year `t` at wage `wage`.
    #[allow(clippy::too_many_arguments)]
    pub fn group_spending(
        &self,
        spread: &Spread,
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
        let h = self.ceiling[t] * wage.max(0.0);
        let below = spread.limited_mean(mean, d);
        let layer = (spread.limited_mean(mean, h.max(d)) - below).max(0.0);
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
        let spread = p.spread;
        let (pool_a, below_a) = self.group_spending(
            &spread,
            t,
            w,
            actives,
            self.insured_share[t] * y.labour.active_cost * p.cost_index,
            self.reimbursement[t],
        );
        let (pool_r, below_r) = self.group_spending(
            &spread,
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
}
