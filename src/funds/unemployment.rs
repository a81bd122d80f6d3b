//! Unemployment insurance (失业保险条例, 1999): contributions of employers and employees,
//! claims from involuntary separations, benefits between the urban minimum living
//! standard and the minimum wage for a maximum duration set by contribution years, the
//! medical subsidy of claimants, re-employment and training spending, and an exogenous
//! cohort of extra claimants (laid-off state-enterprise workers merged into the fund).
//!
//! Takes the year's insured actives, contribution base, average wage and the path's
//! unemployment rate `u_t` (an AR(1) of [`crate::economy`], correlated with wage growth);
//! feeds the `unemployment_*` metrics and the social budget.
//!
//! - `C_t = (e + w (1 − x_t)) · base_t` with `base_t` the insured's collected base.
//! - New claims `N_t = insured_t · u_t · inflow_t · eligible_t · take_up_t`.
//! - A claim of `d` years (its class's maximum, 12 / 18 / 24 months for 1–5 / 5–10 /
//!   10+ contribution years, times `duration_use`), started evenly through the year,
//!   falls `f_0(d)`, `f_1(d)`, `f_2(d)` in its own and the next two years ([`spread`]);
//!   the mean claimant stock is `Σ_k N_{t−k} F_k + X_{t−k} G_k` over the tenure mix
//!   (`F`) and the extra cohort's duration (`G`); the two years before the base year
//!   had the base year's claims (a steady state), and no extra claimants.
//! - Benefit per claimant-year `b_t = clamp(share_t · mw_t, ml_t, mw_t) · W_t`,
//!   `B_t = claimants_t · b_t · (1 + medical_loading_t)`.
//! - Other spending `A_t = reemployment_share_t · C_t`.

use super::{reserve_months, Depletion, Reserve, Year};
use crate::metrics::metric;
use crate::projection::Row;

/// Maximum benefit durations in months by contribution years (1–5, 5–10, 10+).
pub const MAX_MONTHS: [f64; 3] = [12.0, 18.0, 24.0];

/// Unemployment insurance parameters, resolved by year (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct Unemployment {
    /// Insured ÷ the pension's actives.
    pub insured_share: Vec<f64>,
    /// The insured's mean contribution base ÷ the labour force's (1: the shared base).
    pub base_factor: Vec<f64>,
    /// Employer rate `e` (2 %) and employee rate `w` (1 %) on the contribution base.
    pub employer_rate: Vec<f64>,
    pub employee_rate: Vec<f64>,
    /// `x_t`: share of the insured who pay no employee contribution (rural contract
    /// workers, Art. 6).
    pub exempt_share: Vec<f64>,
    /// Involuntary separations per insured per unit of the unemployment rate.
    pub inflow: Vec<f64>,
    /// Share of separations eligible (≥ 1 contribution year, involuntary) and share of
    /// those who claim.
    pub eligible_share: Vec<f64>,
    pub take_up: Vec<f64>,
    /// Shares of claimants with 1–5, 5–10 and 10+ contribution years.
    pub tenure_mix: [f64; 3],
    /// Share of the maximum duration a claim lasts on average.
    pub duration_use: f64,
    /// Benefit as a share of the minimum wage.
    pub benefit_share: Vec<f64>,
    /// Minimum wage and urban minimum living standard as ratios to `W_t` (yearly).
    pub minimum_wage: Vec<f64>,
    pub minimum_living: Vec<f64>,
    /// Medical subsidy of claimants as a share of their benefits.
    pub medical_loading: Vec<f64>,
    /// Re-employment and training spending as a share of contributions.
    pub reemployment_share: Vec<f64>,
    /// Extra claimants entering each year (persons) and the months they draw.
    pub extra_claims: Vec<f64>,
    pub extra_months: f64,
    pub reserve: Reserve,
}

/// Shares of a claim of `d` years (`0 ≤ d ≤ 2`), started evenly through a year, that fall
/// in that year and the next two: `f_0 + f_1 + f_2 = d`.
///
/// `d ≤ 1`: `(d − d²/2, d²/2, 0)`; else, with `a = d − 1`:
/// `(1/2, a(1 − a) + (1 − a)²/2 + a, a²/2)`.
pub fn spread(d: f64) -> [f64; 3] {
    if d <= 1.0 {
        [d - d * d / 2.0, d * d / 2.0, 0.0]
    } else {
        let a = d - 1.0;
        [
            0.5,
            a * (1.0 - a) + (1.0 - a) * (1.0 - a) / 2.0 + a,
            a * a / 2.0,
        ]
    }
}

/// One path's state: the claims of the last two years.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnemploymentPath {
    pub fund: f64,
    /// `F_k` and `G_k` ([`Unemployment::claim_spread`], [`Unemployment::extra_spread`]).
    spread: [[f64; 3]; 2],
    /// New claims and extra claims of years t−1 and t−2.
    claims: [f64; 2],
    extra: [f64; 2],
    depleted: Depletion,
}

impl Unemployment {
    pub fn path(&self) -> UnemploymentPath {
        UnemploymentPath {
            fund: self.reserve.initial,
            spread: [self.claim_spread(), self.extra_spread()],
            ..UnemploymentPath::default()
        }
    }

    /// `F_k`: the shares of a claim of the tenure mix in its year and the next two.
    pub fn claim_spread(&self) -> [f64; 3] {
        let mut f = [0.0; 3];
        for (share, months) in self.tenure_mix.iter().zip(MAX_MONTHS) {
            let s = spread(months * self.duration_use / 12.0);
            for k in 0..3 {
                f[k] += share * s[k];
            }
        }
        f
    }

    /// `G_k` of the extra cohort.
    pub fn extra_spread(&self) -> [f64; 3] {
        spread(self.extra_months / 12.0)
    }

    /// The benefit per claimant-year: `clamp(share · mw, ml, mw) · W_t`.
    pub fn benefit(&self, t: usize, wage: f64) -> f64 {
        let mw = self.minimum_wage[t];
        (self.benefit_share[t] * mw).clamp(self.minimum_living[t].min(mw), mw) * wage
    }

    /// Year `y` of a path into `row`.
    pub fn year(&self, y: &Year, p: &mut UnemploymentPath, row: &mut Row) {
        let t = y.t;
        let u = y.econ.unemployment_rate[t];
        let insured = self.insured_share[t] * y.labour.actives();
        let base = y.collected_base(insured, self.base_factor[t]);
        let contributions =
            (self.employer_rate[t] + self.employee_rate[t] * (1.0 - self.exempt_share[t])) * base;
        let claims = insured * u * self.inflow[t] * self.eligible_share[t] * self.take_up[t];
        if t == 0 {
            // Before the base year, claims as in it (a steady state).
            p.claims = [claims; 2];
        }
        let extra = self.extra_claims[t];
        let [f, g] = p.spread;
        let claimants = (claims * f[0] + p.claims[0] * f[1] + p.claims[1] * f[2])
            + (extra * g[0] + p.extra[0] * g[1] + p.extra[1] * g[2]);
        let benefits = claimants * self.benefit(t, y.wage()) * (1.0 + self.medical_loading[t]);
        let other = self.reemployment_share[t] * contributions;
        let year = self
            .reserve
            .roll(p.fund, contributions, benefits + other, y.r());
        p.fund = year.end;
        p.claims = [claims, p.claims[0]];
        p.extra = [extra, p.extra[0]];
        use metric::*;
        row[UNEMPLOYMENT_RATE] = u;
        row[UNEMPLOYMENT_INSURED] = insured;
        row[UNEMPLOYMENT_NEW_CLAIMS] = claims + extra;
        row[UNEMPLOYMENT_CLAIMANTS] = claimants;
        row[UNEMPLOYMENT_CONTRIBUTIONS] = contributions;
        row[UNEMPLOYMENT_BENEFITS] = benefits;
        row[UNEMPLOYMENT_OTHER_SPENDING] = other;
        row[UNEMPLOYMENT_SUBSIDY] = year.subsidy;
        row[UNEMPLOYMENT_FUND_END] = year.end;
        row[UNEMPLOYMENT_RESERVE_MONTHS] = reserve_months(year.end, benefits + other);
        row[UNEMPLOYMENT_DEPLETED] = p.depleted.note(year.before_subsidy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_by_hand() {
        // half a year: 0.5 − 0.125 in its year, 0.125 in the next
        assert_eq!(spread(0.5), [0.375, 0.125, 0.0]);
        assert_eq!(spread(1.0), [0.5, 0.5, 0.0]);
        // 18 months: a = 0.5: 0.5, 0.25 + 0.125 + 0.5 = 0.875, 0.125
        assert_eq!(spread(1.5), [0.5, 0.875, 0.125]);
        assert_eq!(spread(2.0), [0.5, 1.0, 0.5]);
        for d in [0.1, 0.7, 1.0, 1.3, 1.9, 2.0] {
            let s = spread(d);
            assert!((s.iter().sum::<f64>() - d).abs() < 1e-15, "{d}");
        }
    }
}
