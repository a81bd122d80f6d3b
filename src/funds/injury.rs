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
//!   annuities `min(1, 0.4 · spouses + 0.3 · others) · w*`, first paid in t+1; the two
//!   masses in payment (disability, survivors) `M_{t+1} = M_t (1 − exit)(1 + j_{t+1}) +
//!   awards_t`, with `j = v g + (1 − v) π`.
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

/// One path's state: the annuity masses in payment (yearly amounts and heads) of
/// disability (grades 1–4, which share their exit rate) and of survivors, the fund, the
/// reserve fund or the capital fund, and the per-case constants of the scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct InjuryPath {
    pub fund: f64,
    /// 储备金 (pay-as-you-go) or the capital fund (constituent capitals).
    pub reserve: f64,
    amount: [f64; 2],
    heads: [f64; 2],
    /// Per case: lump sums in units of the own wage (grades) and of `W_t` (death);
    /// yearly annuities awarded in units of the own wage and their heads, by mass.
    per_case: PerCase,
    /// `Σ_c share_c rate_c`, `Σ_c share_c λ_c`.
    rate: f64,
    incidence: f64,
    /// The capital of a unit of yearly annuity of each mass (constituent capitals).
    capital: [f64; 2],
    depleted: Depletion,
}

/// What one new case brings, from the outcome shares.
#[derive(Clone, Copy, Debug, Default)]
struct PerCase {
    lump_own: f64,
    lump_death: f64,
    annuity: [f64; 2],
    heads: [f64; 2],
}

impl Injury {
    pub fn path(&self) -> InjuryPath {
        let o = &self.outcome;
        let per_case = PerCase {
            lump_own: (0..10).map(|g| o[g] * LUMP_MONTHS[g] / 12.0).sum(),
            lump_death: o[10] * self.death_months / 12.0,
            annuity: [
                (0..4).map(|g| o[g] * ANNUITY[g]).sum(),
                o[10] * self.survivor_share(),
            ],
            heads: [o[..4].iter().sum(), o[10] * (self.spouses + self.others)],
        };
        let capital = match self.financing {
            Financing::Capitals { rate, indexation } => {
                [0, 1].map(|m| self.capital_factor(m, rate, indexation))
            }
            Financing::PayAsYouGo { .. } => [0.0; 2],
        };
        InjuryPath {
            fund: self.reserve.initial,
            per_case,
            rate: self.classes.iter().map(|c| c.share * c.rate).sum(),
            incidence: self.classes.iter().map(|c| c.share * c.incidence).sum(),
            capital,
            ..InjuryPath::default()
        }
    }

    /// The survivors' annuity as a share of the deceased's wage.
    pub fn survivor_share(&self) -> f64 {
        (0.4 * self.spouses + 0.3 * self.others).min(1.0)
    }

    /// The exit rate of mass `m` (0 disability, 1 survivors).
    fn exit(&self, m: usize) -> f64 {
        if m == 0 {
            self.disability_exit
        } else {
            self.survivor_exit
        }
    }

    /// The capital of one unit of yearly annuity of mass `m` (0 disability, 1
    /// survivors), first paid a year after the award: `1/(1+i) · 1/(1 − x)`,
    /// `x = (1 − exit)(1 + j̄)/(1 + i)`.
    pub fn capital_factor(&self, m: usize, rate: f64, indexation: f64) -> f64 {
        let x = (1.0 - self.exit(m)) * (1.0 + indexation) / (1.0 + rate);
        1.0 / (1.0 + rate) / (1.0 - x)
    }

    /// Year `y` of a path into `row`.
    pub fn year(&self, y: &Year, p: &mut InjuryPath, row: &mut Row) {
        let t = y.t;
        let w = y.wage();
        if t > 0 {
            let v = self.index_wage_weight;
            let j = v * y.econ.wage_growth[t] + (1.0 - v) * y.econ.inflation[t];
            for m in 0..2 {
                p.amount[m] *= (1.0 - self.exit(m)) * (1.0 + j);
                p.heads[m] *= 1.0 - self.exit(m);
            }
        }
        let insured = self.insured_share[t] * y.labour.actives();
        let base = y.collected_base(insured, self.base_factor[t]);
        let contributions = p.rate * base;
        let cases = insured * p.incidence;
        let own = self.wage_ratio.clamp(0.6, 3.0) * w;
        let c = p.per_case;
        let lumps = cases * (c.lump_own * own + c.lump_death * w);
        let treatment = cases * self.treatment * w;
        let paid = p.amount[0] + p.amount[1];
        let annuitants = p.heads[0] + p.heads[1];
        let awards = [cases * c.annuity[0] * own, cases * c.annuity[1] * own];
        let r = y.r();
        let benefits = match self.financing {
            Financing::PayAsYouGo { .. } => lumps + treatment + paid,
            Financing::Capitals { .. } => {
                let capitals = awards[0] * p.capital[0] + awards[1] * p.capital[1];
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
        for ((amount, heads), (award, per_case)) in p
            .amount
            .iter_mut()
            .zip(&mut p.heads)
            .zip(awards.iter().zip(c.heads))
        {
            *amount += award;
            *heads += cases * per_case;
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
        assert!((i.capital_factor(1, 0.05, 0.0) - 10.0).abs() < 1e-12);
    }
}
