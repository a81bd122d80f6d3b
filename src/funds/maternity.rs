//! Maternity insurance (企业职工生育保险试行办法, 1994): employers pay at most 1 % of the
//! wage bill; the fund pays insured women's maternity allowance (the employer's average
//! daily wage for the leave days) and a childbirth medical lump sum.
//!
//! Takes the year's insured actives, their contribution base, the insured women by age
//! against the scenario's fertility rates ([`super::Labour::births`]), the average wage
//! and the medical cost index; feeds the `maternity_*` metrics and the social budget.
//!
//! - `C_t = rate_t · base_t`.
//! - Births `N_t = insured_share_t · scale_t · Σ_x N^A[female, x] · fertility[x]`.
//! - `B_t = N_t · (W_t / 365 · leave_days_t + L_t)`, with the lump sum `L_t` indexed to
//!   the medical cost index `K_t / K_y0` when medical insurance is on, else to `W_t / W_y0`.

use super::{reserve_months, Depletion, Reserve, Year};
use crate::metrics::metric;
use crate::projection::Row;

/// Maternity insurance parameters, resolved by year (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct Maternity {
    /// Insured ÷ the pension's actives (both sexes: employers pay for every employee).
    pub insured_share: Vec<f64>,
    /// The insured's mean contribution base ÷ the labour force's (1: the shared base).
    pub base_factor: Vec<f64>,
    /// Employer rate on the contribution base (at most 1 %).
    pub rate: Vec<f64>,
    /// Scale of the fertility rates for insured women.
    pub scale: Vec<f64>,
    /// Paid maternity leave, days.
    pub leave_days: Vec<f64>,
    /// The base-year childbirth medical lump sum (currency unit).
    pub medical_lump: f64,
    /// The base-year medical cost (medical insurance's `K_y0`), for the index.
    pub medical_base_cost: f64,
    pub reserve: Reserve,
}

/// One path's state.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaternityPath {
    pub fund: f64,
    depleted: Depletion,
}

impl Maternity {
    pub fn path(&self) -> MaternityPath {
        MaternityPath {
            fund: self.reserve.initial,
            depleted: Depletion::default(),
        }
    }

    /// The benefit per birth in year `y`: allowance plus lump sum, given the medical cost
    /// index `K_t` when medical insurance is on.
    pub fn per_birth(&self, y: &Year, cost_index: Option<f64>) -> f64 {
        let t = y.t;
        let index = match cost_index {
            Some(k) if self.medical_base_cost > 0.0 => k / self.medical_base_cost,
            _ => y.wage() / y.econ.wage[0],
        };
        y.wage() / 365.0 * self.leave_days[t] + self.medical_lump * index
    }

    /// Year `y` of a path into `row`.
    pub fn year(&self, y: &Year, p: &mut MaternityPath, cost_index: Option<f64>, row: &mut Row) {
        let t = y.t;
        let insured = self.insured_share[t] * y.labour.actives();
        let contributions = self.rate[t] * y.collected_base(insured, self.base_factor[t]);
        let births = self.insured_share[t] * self.scale[t] * y.labour.births;
        let benefits = births * self.per_birth(y, cost_index);
        let year = self.reserve.roll(p.fund, contributions, benefits, y.r());
        p.fund = year.end;
        use metric::*;
        row[MATERNITY_INSURED] = insured;
        row[MATERNITY_BIRTHS] = births;
        row[MATERNITY_CONTRIBUTIONS] = contributions;
        row[MATERNITY_BENEFITS] = benefits;
        row[MATERNITY_SUBSIDY] = year.subsidy;
        row[MATERNITY_FUND_END] = year.end;
        row[MATERNITY_RESERVE_MONTHS] = reserve_months(year.end, benefits);
        row[MATERNITY_DEPLETED] = p.depleted.note(year.before_subsidy);
    }
}
