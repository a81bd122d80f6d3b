//! China's urban employee basic pension (统账结合): a pooled fund plus individual accounts.
//!
//! Takes a cell's records (service, deemed years, indexed wage, account balance) and the
//! year's rules; feeds the projection the contribution base, the credits to individual
//! accounts, and first pensions = basic + individual-account + transitional, with the
//! 15-year rule. Selected by `benefit.formula = "china_urban_employee"`.
//!
//! - Contribution base of a member: `clamp(W_t w_rel, lo W_{t−1}, hi W_{t−1})`.
//! - Employer contributions `c^E_t k_t base` go to the pooled fund; employee
//!   contributions `c^I_t k_t base` are credited to the member's account; the share
//!   `f_t` of them is invested in the individual-account fund (funded accounts), the rest
//!   flows into the pooled fund (empty, notional accounts).
//! - Accounts earn the crediting rate `i_t`: `IA ← IA (1 + i_t) + credits`.
//! - First pension (monthly amounts × 12, as annual):
//!   basic `= W_t (1 + ω̄) / 2 · a · (s̄ + d̄)`, account `= IA / N · 12 / divisor(x)`,
//!   transitional `= W_t ω̄ · a_T · d̄` (d̄: deemed years, service before the reform).
//! - 15-year rule: total years `s̄ + d̄` are taken as normally spread in the cell with
//!   standard deviation `σ_s`; the share `Φ((m − (s̄ + d̄)) / σ_s)` below the minimum `m`
//!   gets no pension and its account is refunded.

/// The rules, resolved by year (index 0 = base year) or by age.
#[derive(Clone, Debug, PartialEq)]
pub struct ChinaRules {
    /// Contribution base bounds, as shares of the previous year's average wage.
    pub base_floor: Vec<f64>,
    pub base_cap: Vec<f64>,
    /// Employer rate to the pooled fund (e.g. 0.20, later 0.16).
    pub employer_rate: Vec<f64>,
    /// Employee rate to the individual account (0.08).
    pub employee_rate: Vec<f64>,
    /// Crediting rate of the accounts.
    pub crediting_rate: Vec<f64>,
    /// Share of employee contributions invested in the individual-account fund.
    pub funded_share: Vec<f64>,
    /// Central adjustment transfer into (+) or out of (−) the pooled fund, as a share of
    /// the declared contribution base.
    pub central_transfer: Vec<f64>,
    /// Accrual of the basic pension per year (0.01) and weight of the average wage (0.5).
    pub basic_accrual: Vec<f64>,
    pub wage_weight: Vec<f64>,
    /// Accrual of the transitional pension per deemed year (e.g. 0.012).
    pub transitional_accrual: Vec<f64>,
    /// Divisor of the account pension by age at retirement (months).
    pub divisor: Vec<f64>,
    /// Minimum contribution years for a pension (15).
    pub minimum_years: f64,
    /// Standard deviation of total years within a cell (0: everyone has the average).
    pub years_sd: f64,
    /// Share of retirees below the minimum years by age (a scenario table), used instead
    /// of the spread when given.
    pub ineligible_by_age: Option<Vec<f64>>,
    /// Balance of the individual-account fund at the start of the base year.
    pub fund_initial: f64,
}

impl ChinaRules {
    /// A member's contribution base relative to `W_t`: `clamp(w_rel, lo / (1 + g), hi / (1 + g))`
    /// where `W_{t−1} = W_t / (1 + g_t)`.
    #[inline]
    pub fn relative_base(&self, t: usize, wrel: f64, previous_over_current: f64) -> f64 {
        wrel.clamp(
            self.base_floor[t] * previous_over_current,
            self.base_cap[t] * previous_over_current,
        )
    }

    /// Share of a cell retiring at `age` that meets the minimum years: from the
    /// scenario's table by age when given, else from the spread around `years`.
    pub fn eligible_share_at(&self, age: usize, years: f64) -> f64 {
        match &self.ineligible_by_age {
            Some(table) => 1.0 - table[age.min(table.len() - 1)],
            None => self.eligible_share(years),
        }
    }

    /// Share of a cell meeting the minimum years, given its average total years.
    pub fn eligible_share(&self, years: f64) -> f64 {
        if self.years_sd <= 0.0 {
            return if years >= self.minimum_years {
                1.0
            } else {
                0.0
            };
        }
        1.0 - crate::math::normal_cdf(self.minimum_years, years, self.years_sd)
    }

    /// Annual first pension parts of one member: (basic + transitional, account pension).
    /// `service`, `deemed`: average years; `wage_index`: indexed wage `ω̄`; `account`:
    /// average balance; `age`: age at retirement (selects the divisor).
    #[inline]
    #[allow(clippy::too_many_arguments)] // the rule's own parameters, named as in the rules
    pub fn first_pension(
        &self,
        t: usize,
        wage: f64,
        service: f64,
        deemed: f64,
        wage_index: f64,
        account: f64,
        age: usize,
    ) -> (f64, f64) {
        let lambda = self.wage_weight[t];
        let basic = wage
            * (lambda + (1.0 - lambda) * wage_index)
            * self.basic_accrual[t]
            * (service + deemed);
        let transitional = wage * wage_index * self.transitional_accrual[t] * deemed;
        let divisor = self.divisor[age.min(self.divisor.len() - 1)];
        (basic + transitional, account * 12.0 / divisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ChinaRules {
        let one = |x: f64| vec![x];
        let mut divisor = vec![195.0; 101];
        for (x, d) in divisor.iter_mut().enumerate() {
            *d = if x >= 60 {
                139.0
            } else if x >= 55 {
                170.0
            } else {
                195.0
            };
        }
        ChinaRules {
            base_floor: one(0.6),
            base_cap: one(3.0),
            employer_rate: one(0.2),
            employee_rate: one(0.08),
            crediting_rate: one(0.03),
            funded_share: one(0.0),
            central_transfer: one(0.0),
            basic_accrual: one(0.01),
            wage_weight: one(0.5),
            transitional_accrual: one(0.012),
            divisor,
            minimum_years: 15.0,
            years_sd: 0.0,
            ineligible_by_age: None,
            fund_initial: 0.0,
        }
    }

    #[test]
    fn contribution_base_is_clamped_at_both_bounds() {
        let r = rules();
        // W_{t−1}/W_t = 1/1.1: bounds 0.545… and 2.727… of W_t
        assert!((r.relative_base(0, 0.3, 1.0 / 1.1) - 0.6 / 1.1).abs() < 1e-15);
        assert!((r.relative_base(0, 4.0, 1.0 / 1.1) - 3.0 / 1.1).abs() < 1e-15);
        assert_eq!(r.relative_base(0, 1.2, 1.0 / 1.1), 1.2);
    }

    #[test]
    fn one_workers_pension_by_hand() {
        let r = rules();
        // W = 30 000 a year; 25 years of contributions, 10 deemed years, ω̄ = 1.2,
        // account 60 000 at 60: basic = 30 000 × (1 + 1.2)/2 × 1 % × 35 = 11 550;
        // transitional = 30 000 × 1.2 × 1.2 % × 10 = 4 320; account = 60 000 × 12 / 139.
        let (pooled, account) = r.first_pension(0, 30_000.0, 25.0, 10.0, 1.2, 60_000.0, 60);
        assert!((pooled - (11_550.0 + 4_320.0)).abs() < 1e-9);
        assert!((account - 60_000.0 * 12.0 / 139.0).abs() < 1e-9);
        // Divisors at 55 and 50.
        let (_, a55) = r.first_pension(0, 30_000.0, 25.0, 10.0, 1.2, 60_000.0, 55);
        let (_, a50) = r.first_pension(0, 30_000.0, 25.0, 10.0, 1.2, 60_000.0, 50);
        assert!((a55 - 60_000.0 * 12.0 / 170.0).abs() < 1e-9);
        assert!((a50 - 60_000.0 * 12.0 / 195.0).abs() < 1e-9);
    }

    #[test]
    fn fifteen_year_rule() {
        let mut r = rules();
        assert_eq!(r.eligible_share(14.9), 0.0);
        assert_eq!(r.eligible_share(15.0), 1.0);
        r.years_sd = 5.0;
        assert!((r.eligible_share(15.0) - 0.5).abs() < 1e-12);
        // 20 years, sd 5: Φ((15 − 20)/5) = Φ(−1) = 0.158655…
        assert!((r.eligible_share(20.0) - (1.0 - 0.15865525393145707)).abs() < 1e-9);
        let mut table = vec![0.0; 101];
        table[60] = 0.25;
        r.ineligible_by_age = Some(table);
        assert_eq!(r.eligible_share_at(60, 40.0), 0.75);
        assert_eq!(r.eligible_share_at(59, 0.0), 1.0);
    }
}
