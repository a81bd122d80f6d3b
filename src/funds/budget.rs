//! The five-fund social budget: unified collection of the five contributions
//! (五项保险费统一征收) and the plan's target that social security spending reach at least
//! 15 % of local fiscal spending.
//!
//! Takes the year's rows of the pension and the four funds (those that are on); feeds
//! the `budget_*` metrics.
//!
//! - Statutory levy: the pension's rate `c_t` plus the four funds' rates (unemployment
//!   employer + employee, medical employer + employee, work injury's class-weighted
//!   rate, maternity), each weighted by its insured share of the actives.
//! - Collected levy: the five funds' contributions ÷ the payroll `W_t Σ N^A w_rel`.
//! - Subsidies: the pension's and the four funds' `S_t`; with other social spending
//!   `o_t · FS_t`, their share of local fiscal spending
//!   `FS_t = FS_y0 Π_{u ≤ t} (1 + growth_u)`; `budget_share_met` is 1 when the share
//!   reaches the target.

use super::Year;
use crate::metrics::metric;
use crate::model::Model;
use crate::projection::ratio;
use crate::projection::Row;

/// The social budget's parameters (`[social_budget]`; index 0 = base year).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Budget {
    /// `FS_y0`, local fiscal spending in the base year (currency unit; 0: no share).
    pub fiscal_spending: f64,
    /// Yearly growth of fiscal spending.
    pub fiscal_growth: Vec<f64>,
    /// Other social spending as a share of fiscal spending.
    pub other_social_share: Vec<f64>,
    /// The target share (0.15: the plan's 15 %).
    pub target_share: f64,
    /// Resolved once per run ([`Budget::resolve`]): `FS_t` and the statutory levy of
    /// each year.
    pub fiscal_by_year: Vec<f64>,
    pub levy_by_year: Vec<f64>,
}

impl Budget {
    /// Resolves `FS_t` and the statutory levy of every year of `model` (whose funds are
    /// read).
    pub fn resolve(model: &Model) -> (Vec<f64>, Vec<f64>) {
        let b = &model.funds.budget;
        let years = model.frame.years();
        (
            (0..years).map(|t| b.fiscal(t)).collect(),
            (0..years).map(|t| Self::statutory_levy(model, t)).collect(),
        )
    }

    /// `FS_t`.
    pub fn fiscal(&self, t: usize) -> f64 {
        let mut fs = self.fiscal_spending;
        for g in &self.fiscal_growth[1..=t] {
            fs *= 1.0 + g;
        }
        fs
    }

    /// The statutory combined rate of year `t` on the contribution base.
    pub fn statutory_levy(model: &Model, t: usize) -> f64 {
        let f = &model.funds;
        let mut levy = model.contributions.rate[t];
        if let Some(u) = &f.unemployment {
            levy += u.insured_share[t] * (u.employer_rate[t] + u.employee_rate[t]);
        }
        if let Some(m) = &f.medical {
            levy += m.insured_share[t] * (m.employer_rate[t] + m.employee_rate[t]);
        }
        if let Some(i) = &f.injury {
            levy += i.insured_share[t] * i.classes.iter().map(|c| c.share * c.rate).sum::<f64>();
        }
        if let Some(m) = &f.maternity {
            levy += m.insured_share[t] * m.rate[t];
        }
        levy
    }

    /// Year `y` into `row`, after every fund's metrics of the year.
    pub fn year(&self, model: &Model, y: &Year, row: &mut Row) {
        use metric::*;
        let f = &model.funds;
        let on = |b: bool, k: usize| if b { row[k] } else { 0.0 };
        let contributions = row[CONTRIBUTIONS]
            + on(f.unemployment.is_some(), UNEMPLOYMENT_CONTRIBUTIONS)
            + on(f.medical.is_some(), MEDICAL_POOL_INCOME)
            + on(f.medical.is_some(), MEDICAL_ACCOUNT_INCOME)
            + on(f.injury.is_some(), INJURY_CONTRIBUTIONS)
            + on(f.maternity.is_some(), MATERNITY_CONTRIBUTIONS);
        let subsidy = row[SUBSIDY]
            + on(f.unemployment.is_some(), UNEMPLOYMENT_SUBSIDY)
            + on(f.medical.is_some(), MEDICAL_SUBSIDY)
            + on(f.injury.is_some(), INJURY_SUBSIDY)
            + on(f.maternity.is_some(), MATERNITY_SUBSIDY);
        let fiscal = self.fiscal_by_year[y.t];
        let other = self.other_social_share[y.t] * fiscal;
        let share = ratio(subsidy + other, fiscal);
        row[BUDGET_CONTRIBUTIONS] = contributions;
        row[BUDGET_STATUTORY_LEVY] = self.levy_by_year[y.t];
        row[BUDGET_COLLECTED_LEVY] = ratio(contributions, y.labour.payroll);
        row[BUDGET_SUBSIDY] = subsidy;
        row[BUDGET_OTHER_SOCIAL] = other;
        row[BUDGET_FISCAL_SPENDING] = fiscal;
        row[BUDGET_SOCIAL_SHARE] = share;
        row[BUDGET_SHARE_MET] = if fiscal > 0.0 && share >= self.target_share {
            1.0
        } else {
            0.0
        };
    }
}
