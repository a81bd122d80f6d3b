//! First pensions: the three formulas of MODEL.md, the floor and the adjustment for the
//! age at which a pension starts.
//!
//! Takes a cell's averages (service `s̄`, career wage index `ω̄`, the final relative wage)
//! and the average wage `W`; feeds the projection the annual first pension of each member
//! of the cell. Parameters are resolved by year (index 0 = base year).

use crate::simd::Real;

/// Which first-pension formula the scenario uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formula {
    /// `p = rr · W · w_rel[s, x−1]` (final salary).
    Replacement,
    /// `p = W · a · s̄ · (λ + (1 − λ) ω̄)` (career-average accrual).
    Career,
    /// `p = W · Σ_j r_j · clamp(m − b_{j−1}, 0, b_j − b_{j−1})`, `m = ω̄ · min(s̄, n) / n`.
    BendPoints,
}

/// The benefit rules of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct BenefitRules {
    pub formula: Formula,
    /// `rr`, by year.
    pub replacement_rate: Vec<f64>,
    /// `a`, accrual per year of service, by year.
    pub accrual: Vec<f64>,
    /// `λ`, weight of the average wage in the career formula, by year.
    pub wage_weight: Vec<f64>,
    /// `n`, averaging period of the bend-point formula (years).
    pub averaging_years: f64,
    /// `b_1 < b_2 < …`, relative to W.
    pub bend_points: Vec<f64>,
    /// `r_1, r_2, …`: one more rate than bend points (the last band has no top).
    pub bend_rates: Vec<f64>,
    /// `f`: floor as a share of W, by year.
    pub floor: Vec<f64>,
    /// `e_early`, reduction per year below the retirement age, by year.
    pub early_reduction: Vec<f64>,
    /// `e_late`, increase per year above the retirement age, by year.
    pub late_increase: Vec<f64>,
    /// `d_I`, disability pensions as a multiple of the formula, by year.
    pub disability_factor: Vec<f64>,
}

/// What the formulas need to know of a cell: its masses (MODEL.md's convention: a cell
/// carries sums over its members, not averages).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// `N`, members (> 0).
    pub members: f64,
    /// `S`, service mass: Σ years of service; `s̄ = S / N`.
    pub service: f64,
    /// `Ω`, wage-index mass; `ω̄ = Ω / S` (the final relative wage when S = 0).
    pub wage_index: f64,
    /// Relative wage of the last working year (`w_rel[s, x−1]` at retirement).
    pub final_wage: f64,
}

impl Record {
    /// One member with average service `s̄` and career wage index `ω̄`.
    pub fn of_averages(service: f64, wage_index: f64, final_wage: f64) -> Record {
        Record {
            members: 1.0,
            service,
            wage_index: service * wage_index,
            final_wage,
        }
    }
}

impl BenefitRules {
    /// A rule set with the `replacement` formula and every option off.
    pub fn replacement(rate: Vec<f64>) -> BenefitRules {
        let n = rate.len();
        BenefitRules {
            formula: Formula::Replacement,
            replacement_rate: rate,
            accrual: vec![0.0; n],
            wage_weight: vec![0.0; n],
            averaging_years: 1.0,
            bend_points: Vec::new(),
            bend_rates: Vec::new(),
            floor: vec![0.0; n],
            early_reduction: vec![0.0; n],
            late_increase: vec![0.0; n],
            disability_factor: vec![1.0; n],
        }
    }

    /// The formula's pension of each member of a cell, with the floor `p ≥ f · W`,
    /// before any age adjustment, with the parameters of year index `t`: the cell's
    /// [`Self::pension_mass`] over its members (`N > 0`), except for the bend-point
    /// formula, which is defined per member (on the averages `s̄ = S / N`, `ω̄ = Ω / S`)
    /// and whose mass is `N ×` this.
    #[inline(always)]
    pub fn floored_pension(&self, t: usize, wage: f64, r: &Record) -> f64 {
        match self.formula {
            Formula::BendPoints => {
                let n = self.averaging_years;
                let service = r.service / r.members;
                let wage_index = if r.service > 0.0 {
                    r.wage_index / r.service
                } else {
                    r.final_wage
                };
                let m = wage_index * service.min(n) / n;
                let mut total = 0.0;
                let mut lower = 0.0;
                for (j, rate) in self.bend_rates.iter().enumerate() {
                    let upper = self.bend_points.get(j).copied().unwrap_or(f64::INFINITY);
                    total += rate * (m - lower).clamp(0.0, upper - lower);
                    lower = upper;
                }
                (wage * total).max(self.floor[t] * wage)
            }
            _ => self.pension_mass(t, wage, r) / r.members,
        }
    }

    /// `N ×` [`Self::floored_pension`]: the first pensions of a whole cell. Without any
    /// division for the replacement and career formulas (`max(W a (λ S + (1 − λ) Ω),
    /// f W N)`), so cells with `N = 0` give 0 and loops need no branch.
    #[inline(always)]
    pub fn pension_mass(&self, t: usize, wage: f64, r: &Record) -> f64 {
        self.year(t).pension_mass(wage, r)
    }

    /// The parameters of year index `t`, resolved once for a loop over cells.
    #[inline(always)]
    pub fn year(&self, t: usize) -> YearRules<'_> {
        YearRules {
            rules: self,
            t,
            formula: self.formula,
            replacement_rate: self.replacement_rate[t],
            accrual: self.accrual[t],
            wage_weight: self.wage_weight[t],
            floor: self.floor[t],
        }
    }

    /// Adjustment for starting a pension at age `age` when the retirement age is `ra`:
    /// `max(0, 1 − e_early (RA − x))` below it, `1 + e_late (x − RA)` above it.
    #[inline(always)]
    pub fn age_factor(&self, t: usize, age: usize, ra: usize) -> f64 {
        if age < ra {
            (1.0 - self.early_reduction[t] * (ra - age) as f64).max(0.0)
        } else {
            1.0 + self.late_increase[t] * (age - ra) as f64
        }
    }
}

/// One year's benefit parameters, held by value: a loop over cells reads them from
/// registers rather than from the schedules.
#[derive(Clone, Copy, Debug)]
pub struct YearRules<'a> {
    rules: &'a BenefitRules,
    t: usize,
    formula: Formula,
    replacement_rate: f64,
    accrual: f64,
    wage_weight: f64,
    floor: f64,
}

impl YearRules<'_> {
    /// [`BenefitRules::pension_mass`] of this year.
    #[inline(always)]
    pub fn pension_mass(&self, wage: f64, r: &Record) -> f64 {
        match self.formula {
            Formula::BendPoints if r.members > 0.0 => {
                r.members * self.rules.floored_pension(self.t, wage, r)
            }
            Formula::BendPoints => 0.0,
            _ => self.pension_masses(wage, r.members, r.service, r.wage_index, r.final_wage),
        }
    }

    /// [`Self::pension_mass`] of a cell of any lane type ([`Real`]: `f64` for one path,
    /// a lane type for one path per lane; all lanes with the relative final wage
    /// `final_wage`): the formula is chosen once, then each lane takes the same
    /// operations as alone, so the lanes give the same bits.
    #[inline(always)]
    pub fn pension_masses<R: Real>(
        &self,
        wage: R,
        members: R,
        service: R,
        wage_index: R,
        final_wage: f64,
    ) -> R {
        let c = |x: f64| wage.splat(x);
        match self.formula {
            Formula::Replacement => {
                let floor = c(self.floor) * wage * members;
                (c(self.replacement_rate) * wage * c(final_wage) * members).max(floor)
            }
            Formula::Career => {
                let lambda = self.wage_weight;
                let floor = c(self.floor) * wage * members;
                (wage * c(self.accrual) * (c(lambda) * service + c(1.0 - lambda) * wage_index))
                    .max(floor)
            }
            Formula::BendPoints => wage.from_fn(|l| {
                let record = Record {
                    members: members.lane(l),
                    service: service.lane(l),
                    wage_index: wage_index.lane(l),
                    final_wage,
                };
                self.pension_mass(wage.lane(l), &record)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(formula: Formula) -> BenefitRules {
        let mut r = BenefitRules::replacement(vec![0.6]);
        r.formula = formula;
        r
    }

    const REC: Record = Record {
        members: 1.0,
        service: 30.0,
        wage_index: 36.0,
        final_wage: 1.5,
    };

    #[test]
    fn replacement_uses_final_relative_wage() {
        // 0.6 · 10 000 · 1.5 = 9 000
        assert_eq!(
            rules(Formula::Replacement).floored_pension(0, 10_000.0, &REC),
            9_000.0
        );
    }

    #[test]
    fn career_formula_by_hand() {
        let mut r = rules(Formula::Career);
        r.accrual = vec![0.01];
        r.wage_weight = vec![0.5];
        // 10 000 · 0.01 · 30 · (0.5 + 0.5 · 1.2) = 3 300
        assert!((r.floored_pension(0, 10_000.0, &REC) - 3_300.0).abs() < 1e-9);
    }

    #[test]
    fn bend_points_cross_both_bends() {
        let mut r = rules(Formula::BendPoints);
        r.averaging_years = 35.0;
        r.bend_points = vec![0.2, 1.0];
        r.bend_rates = vec![0.9, 0.32, 0.15];
        // m = 1.5 · 35/35 = 1.5 (service 40 capped at n): 0.9·0.2 + 0.32·0.8 + 0.15·0.5
        let rec = Record::of_averages(40.0, 1.5, 1.0);
        let expected = 10_000.0 * (0.18 + 0.256 + 0.075);
        assert!((r.floored_pension(0, 10_000.0, &rec) - expected).abs() < 1e-9);
        // short career: m = 1.5 · 7/35 = 0.3: 0.9·0.2 + 0.32·0.1 = 0.212
        let short = Record::of_averages(7.0, 1.5, 1.0);
        assert!((r.floored_pension(0, 10_000.0, &short) - 2_120.0).abs() < 1e-9);
    }

    #[test]
    fn cell_mass_is_members_times_the_pension() {
        for formula in [Formula::Replacement, Formula::Career, Formula::BendPoints] {
            let mut r = rules(formula);
            r.accrual = vec![0.01];
            r.wage_weight = vec![0.5];
            r.averaging_years = 35.0;
            r.bend_points = vec![0.2, 1.0];
            r.bend_rates = vec![0.9, 0.32, 0.15];
            r.floor = vec![0.3];
            let cell = Record {
                members: 4.0,
                service: 4.0 * 30.0,
                wage_index: 4.0 * 36.0,
                final_wage: 1.5,
            };
            let one = r.floored_pension(0, 10_000.0, &cell);
            assert!((r.pension_mass(0, 10_000.0, &cell) - 4.0 * one).abs() < 1e-9);
            let empty = Record {
                members: 0.0,
                service: 0.0,
                wage_index: 0.0,
                final_wage: 1.5,
            };
            assert_eq!(r.pension_mass(0, 10_000.0, &empty), 0.0);
        }
    }

    #[test]
    fn floor_lifts_a_small_pension() {
        let mut r = rules(Formula::Replacement);
        r.floor = vec![0.95];
        assert_eq!(r.floored_pension(0, 10_000.0, &REC), 9_500.0);
    }

    #[test]
    fn early_adjustment_and_its_zero_floor() {
        let mut r = rules(Formula::Replacement);
        r.early_reduction = vec![0.06];
        r.late_increase = vec![0.08];
        assert!((r.age_factor(0, 57, 60) - 0.82).abs() < 1e-15);
        assert!((r.age_factor(0, 62, 60) - 1.16).abs() < 1e-15);
        assert_eq!(r.age_factor(0, 60, 60), 1.0);
        assert_eq!(r.age_factor(0, 40, 60), 0.0);
    }
}
