//! Work-injury insurance (工伤保险条例, 2003): employers pay by industry risk class; new
//! injuries by class, split by disability grade and death; lump sums, disability
//! annuities for grades 1–4 and survivor annuities as masses that exit (deaths,
//! retirement onto the pension) and are indexed; a reserve fund (储备金); financed
//! pay-as-you-go plus reserve, or by the ILO assessment of constituent capitals.
//!
//! Takes the year's insured actives, contribution base and average wage; feeds the
//! `injury_*` metrics and the social budget.
//!
//! - `C_t = Σ_c share_c · rate_c · base_t`; new cases `N_t = insured_t Σ_c share_c λ_c`.
//! - Own wage of the injured `w* = clamp(wage_ratio, 0.6, 3) · W_t`. A case of grade g
//!   (1–10) is paid `months_g / 12 · w*` at once, a death `death_months / 12 · W_t`;
//!   every case costs `treatment · W_t` of medical care.
//! - Grades 1–4 get annuities of `(90, 85, 80, 75 %) · w*` a year, deaths survivor
//!   annuities `min(1, 0.4 · spouses + 0.3 · others) · w*`, first paid in t+1; a mass
//!   in payment `M_{t+1} = M_t (1 − exit)(1 + j_{t+1}) + awards_t`, with
//!   `j = v g + (1 − v) π`.
//! - Pay-as-you-go: `B_t` = lump sums + treatment + annuities paid; the reserve fund takes
//!   `reserve_share · C_t` a year up to `reserve_target · B_t` (part of the fund).
//! - Constituent capitals: `B_t` = lump sums + treatment + the present value of the
//!   year's new annuities, `a = 1 / (1 + i) · 1 / (1 − (1 − exit)(1 + j̄)/(1 + i))` per
//!   unit of yearly annuity, paid into a capital fund that pays the annuities and earns
//!   the fund return.

use super::{reserve_months, Depletion, Reserve, Year};
use crate::metrics::metric;
use crate::projection::Row;

/// Annuity of grades 1–4, share of the own wage.
pub const ANNUITY: [f64; 4] = [0.90, 0.85, 0.80, 0.75];
/// One-time disability subsidy, months of own wage, grades 1–10 (2003 regulations).
pub const LUMP_MONTHS: [f64; 10] = [24.0, 22.0, 20.0, 18.0, 16.0, 14.0, 12.0, 10.0, 8.0, 6.0];

/// An industry risk class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskClass {
    /// Share of the insured.
    pub share: f64,
    /// Employer contribution rate on the base.
    pub rate: f64,
    /// New injuries per insured and year.
    pub incidence: f64,
}

/// How the fund is financed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Financing {
    /// Pay-as-you-go, with `reserve_share` of contributions set aside up to
    /// `reserve_target` times the year's spending.
    PayAsYouGo {
        reserve_share: f64,
        reserve_target: f64,
    },
    /// The capital of each new annuity charged in its award year, at the rate `rate`
    /// and the assumed indexation `indexation`.
    Capitals { rate: f64, indexation: f64 },
}

/// Work-injury insurance parameters (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct Injury {
    /// Insured ÷ the pension's actives.
    pub insured_share: Vec<f64>,
    /// The insured's mean contribution base ÷ the labour force's (1: the shared base).
    pub base_factor: Vec<f64>,
    pub classes: Vec<RiskClass>,
    /// Shares of cases by grade 1–10, then death (the rest heal without disability).
    pub outcome: [f64; 11],
    /// Own wage of the injured ÷ `W_t` (clamped to 0.6–3).
    pub wage_ratio: f64,
    /// Months of the average wage paid at a death (death grant and funeral grant).
    pub death_months: f64,
    /// Treatment and rehabilitation per case, multiple of `W_t`.
    pub treatment: f64,
    /// Mean surviving spouses and other dependants per death.
    pub spouses: f64,
    pub others: f64,
    /// Yearly exit rates from disability annuities (deaths, retirement) and from survivor
    /// annuities.
    pub disability_exit: f64,
    pub survivor_exit: f64,
    /// Weight of wage growth in the annuities' indexation (the rest: inflation).
    pub index_wage_weight: f64,
    pub financing: Financing,
    pub reserve: Reserve,
}

/// One path's state: the annuity masses in payment (yearly amounts and heads) of grades
/// 1–4 and of survivors, the fund, the reserve fund or the capital fund.
#[derive(Clone, Copy, Debug, Default)]
pub struct InjuryPath {
    pub fund: f64,
    /// `Σ_c share_c rate_c` and `Σ_c share_c λ_c`.
    rate: f64,
    incidence: f64,
    /// 储备金 (pay-as-you-go) or the capital fund (constituent capitals).
    pub reserve: f64,
    amount: [f64; 5],
    heads: [f64; 5],
    depleted: Depletion,
}

impl Injury {
    pub fn path(&self) -> InjuryPath {
        InjuryPath {
            fund: self.reserve.initial,
            rate: self.classes.iter().map(|c| c.share * c.rate).sum(),
            incidence: self.classes.iter().map(|c| c.share * c.incidence).sum(),
            ..InjuryPath::default()
        }
    }

    /// The survivors' annuity as a share of the deceased's wage.
    pub fn survivor_share(&self) -> f64 {
        (0.4 * self.spouses + 0.3 * self.others).min(1.0)
    }

    /// The exit rate of mass `g` (0–3 grades 1–4, 4 survivors).
    fn exit(&self, g: usize) -> f64 {
        if g < 4 {
            self.disability_exit
        } else {
            self.survivor_exit
        }
    }

    /// The capital of one unit of yearly annuity of mass `g`, first paid a year after the
    /// award: `1/(1+i) · 1/(1 − x)`, `x = (1 − exit)(1 + j̄)/(1 + i)`.
    pub fn capital_factor(&self, g: usize, rate: f64, indexation: f64) -> f64 {
        let x = (1.0 - self.exit(g)) * (1.0 + indexation) / (1.0 + rate);
        1.0 / (1.0 + rate) / (1.0 - x)
    }

    /// Year `y` of a path into `row`.
    pub fn year(&self, y: &Year, p: &mut InjuryPath, row: &mut Row) {
        let t = y.t;
        let w = y.wage();
        if t > 0 {
            let v = self.index_wage_weight;
            let j = v * y.econ.wage_growth[t] + (1.0 - v) * y.econ.inflation[t];
            for g in 0..5 {
                p.amount[g] *= (1.0 - self.exit(g)) * (1.0 + j);
                p.heads[g] *= 1.0 - self.exit(g);
            }
        }
        let insured = self.insured_share[t] * y.labour.actives();
        let base = y.collected_base(insured, self.base_factor[t]);
        let contributions = p.rate * base;
        let cases = insured * p.incidence;
        let own = self.wage_ratio.clamp(0.6, 3.0) * w;
        let mut lumps = cases * self.outcome[10] * self.death_months / 12.0 * w;
        for (g, months) in LUMP_MONTHS.iter().enumerate() {
            lumps += cases * self.outcome[g] * months / 12.0 * own;
        }
        let treatment = cases * self.treatment * w;
        let paid: f64 = p.amount.iter().sum();
        let annuitants: f64 = p.heads.iter().sum();
        let mut awards = [0.0; 5];
        let mut new_heads = [0.0; 5];
        for g in 0..4 {
            new_heads[g] = cases * self.outcome[g];
            awards[g] = new_heads[g] * ANNUITY[g] * own;
        }
        new_heads[4] = cases * self.outcome[10] * (self.spouses + self.others);
        awards[4] = cases * self.outcome[10] * self.survivor_share() * own;
        let r = y.r();
        let benefits = match self.financing {
            Financing::PayAsYouGo { .. } => lumps + treatment + paid,
            Financing::Capitals { rate, indexation } => {
                let capitals: f64 = (0..5)
                    .map(|g| awards[g] * self.capital_factor(g, rate, indexation))
                    .sum();
                p.reserve = crate::fund::accumulate(p.reserve, capitals - paid, r);
                lumps + treatment + capitals
            }
        };
        let year = self.reserve.roll(p.fund, contributions, benefits, r);
        p.fund = year.end;
        if let Financing::PayAsYouGo {
            reserve_share,
            reserve_target,
        } = self.financing
        {
            let target = reserve_target * benefits;
            let grown =
                (p.reserve * (1.0 + r) + reserve_share * contributions).min(target.max(p.reserve));
            p.reserve = grown.min(year.end.max(0.0)).max(0.0);
        }
        for g in 0..5 {
            p.amount[g] += awards[g];
            p.heads[g] += new_heads[g];
        }
        use metric::*;
        row[INJURY_INSURED] = insured;
        row[INJURY_NEW_CASES] = cases;
        row[INJURY_ANNUITANTS] = annuitants;
        row[INJURY_CONTRIBUTIONS] = contributions;
        row[INJURY_BENEFITS] = benefits;
        row[INJURY_LUMP_SUMS] = lumps;
        row[INJURY_ANNUITIES_PAID] = paid;
        row[INJURY_SUBSIDY] = year.subsidy;
        row[INJURY_FUND_END] = year.end;
        row[INJURY_RESERVE] = p.reserve;
        row[INJURY_RESERVE_MONTHS] = reserve_months(year.end, benefits);
        row[INJURY_DEPLETED] = p.depleted.note(year.before_subsidy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injury(financing: Financing) -> Injury {
        Injury {
            insured_share: vec![1.0],
            base_factor: vec![1.0],
            classes: vec![RiskClass {
                share: 1.0,
                rate: 0.01,
                incidence: 0.01,
            }],
            outcome: [0.0; 11],
            wage_ratio: 1.0,
            death_months: 54.0,
            treatment: 0.0,
            spouses: 1.0,
            others: 1.0,
            disability_exit: 0.05,
            survivor_exit: 0.05,
            index_wage_weight: 0.5,
            financing,
            reserve: Reserve::default(),
        }
    }

    #[test]
    fn survivor_share_and_capital_factor_by_hand() {
        let i = injury(Financing::Capitals {
            rate: 0.05,
            indexation: 0.0,
        });
        assert!((i.survivor_share() - 0.7).abs() < 1e-15);
        let mut big = i.clone();
        big.others = 3.0;
        assert_eq!(big.survivor_share(), 1.0);
        // x = 0.95 / 1.05; a = 1/1.05 / (1 − x) = 1/1.05 · 1.05/0.1 = 10
        assert!((i.capital_factor(0, 0.05, 0.0) - 10.0).abs() < 1e-12);
    }
}
