//! Demography: the four member states and their masses, age profiles, and the rules that
//! move people between states (deaths, disability, exits and re-entry, ageing, retirement,
//! entrants).
//!
//! Takes the initial stocks and the resolved rates; feeds the projection a [`State`] that
//! it updates in place, year by year, in MODEL.md's order.

use crate::params::AgeTimeRate;

/// Stocks at the start of a year. Every vector has one entry per cell (`s * ages + x`).
/// Cells carry masses, not averages: `A` and `V` a count, a service mass (years) and a
/// wage-index mass; `I` and `R` a count and a pension mass (annual, currency unit).
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub ages: usize,
    pub active_n: Vec<f64>,
    pub active_service: Vec<f64>,
    pub active_wage: Vec<f64>,
    pub vested_n: Vec<f64>,
    pub vested_service: Vec<f64>,
    pub vested_wage: Vec<f64>,
    pub disabled_n: Vec<f64>,
    pub disabled_pension: Vec<f64>,
    pub retired_n: Vec<f64>,
    pub retired_pension: Vec<f64>,
    /// China's rules: individual-account balances and deemed years (service before the
    /// reform) of actives and vested members, and the account part of pensions in payment
    /// (included in `retired_pension`).
    pub active_account: Vec<f64>,
    pub active_deemed: Vec<f64>,
    pub vested_account: Vec<f64>,
    pub vested_deemed: Vec<f64>,
    pub retired_account_pension: Vec<f64>,
}

impl State {
    pub fn empty(ages: usize) -> State {
        let z = vec![0.0; 2 * ages];
        State {
            ages,
            active_n: z.clone(),
            active_service: z.clone(),
            active_wage: z.clone(),
            vested_n: z.clone(),
            vested_service: z.clone(),
            vested_wage: z.clone(),
            disabled_n: z.clone(),
            disabled_pension: z.clone(),
            retired_n: z.clone(),
            retired_pension: z.clone(),
            active_account: z.clone(),
            active_deemed: z.clone(),
            vested_account: z.clone(),
            vested_deemed: z.clone(),
            retired_account_pension: z,
        }
    }

    /// Copies `other` into `self` without allocating.
    pub fn copy_from(&mut self, other: &State) {
        self.active_n.copy_from_slice(&other.active_n);
        self.active_service.copy_from_slice(&other.active_service);
        self.active_wage.copy_from_slice(&other.active_wage);
        self.vested_n.copy_from_slice(&other.vested_n);
        self.vested_service.copy_from_slice(&other.vested_service);
        self.vested_wage.copy_from_slice(&other.vested_wage);
        self.disabled_n.copy_from_slice(&other.disabled_n);
        self.disabled_pension
            .copy_from_slice(&other.disabled_pension);
        self.retired_n.copy_from_slice(&other.retired_n);
        self.retired_pension.copy_from_slice(&other.retired_pension);
        self.active_account.copy_from_slice(&other.active_account);
        self.active_deemed.copy_from_slice(&other.active_deemed);
        self.vested_account.copy_from_slice(&other.vested_account);
        self.vested_deemed.copy_from_slice(&other.vested_deemed);
        self.retired_account_pension
            .copy_from_slice(&other.retired_account_pension);
    }

    /// Everyone moves from age x to x+1; those at ω leave.
    pub fn age_one_year(&mut self) {
        let ages = self.ages;
        for v in [
            &mut self.active_n,
            &mut self.active_service,
            &mut self.active_wage,
            &mut self.vested_n,
            &mut self.vested_service,
            &mut self.vested_wage,
            &mut self.disabled_n,
            &mut self.disabled_pension,
            &mut self.retired_n,
            &mut self.retired_pension,
            &mut self.active_account,
            &mut self.active_deemed,
            &mut self.vested_account,
            &mut self.vested_deemed,
            &mut self.retired_account_pension,
        ] {
            for s in 0..2 {
                let sex = &mut v[s * ages..(s + 1) * ages];
                sex.copy_within(0..ages - 1, 1);
                sex[0] = 0.0;
            }
        }
    }

    pub fn total(v: &[f64]) -> f64 {
        sum(v)
    }
}

/// Sum in four interleaved lanes: a fixed order (so results never depend on threads)
/// that the compiler can vectorise.
#[inline]
pub fn sum(v: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = v.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..4 {
            acc[i] += c[i];
        }
    }
    let mut tail = 0.0;
    for x in rest {
        tail += x;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ a·b in the same fixed order as [`sum`].
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Shape of a population over integer ages, normalised to sum to 1.
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// Equal weight at every age `from..=to`.
    Uniform { from: usize, to: usize },
    /// Normal density at the integer ages `from..=to`, normalised.
    Normal {
        mean: f64,
        sd: f64,
        from: usize,
        to: usize,
    },
    /// Weights by age from a table (any scale).
    Table(Vec<f64>),
}

impl Profile {
    /// Weights over ages `0..ages`, summing to 1 (all zero if the shape has no mass).
    pub fn weights(&self, ages: usize) -> Vec<f64> {
        let mut w = vec![0.0; ages];
        match self {
            Profile::Uniform { from, to } => {
                let to = (*to).min(ages - 1);
                if *from <= to {
                    w[*from..=to].fill(1.0);
                }
            }
            Profile::Normal { mean, sd, from, to } => {
                let to = (*to).min(ages - 1);
                for (x, v) in w.iter_mut().enumerate().take(to + 1).skip(*from) {
                    *v = crate::math::normal_pdf(x as f64, *mean, *sd);
                }
            }
            Profile::Table(t) => {
                for (x, v) in t.iter().enumerate().take(ages) {
                    w[x] = *v;
                }
            }
        }
        let total: f64 = w.iter().sum();
        if total > 0.0 {
            for v in &mut w {
                *v /= total;
            }
        }
        w
    }
}

/// Moves among the living (step 4) and disability conversion (step 7).
#[derive(Clone, Debug, PartialEq)]
pub struct Moves {
    /// `δ[s,x,t]`, share of actives becoming disabled.
    pub disability: AgeTimeRate,
    /// `ℓ[s,x,t]`, share of actives leaving coverage.
    pub exit: AgeTimeRate,
    /// `v_t`, share of leavers who keep their rights (into `V`).
    pub vesting_share: Vec<f64>,
    /// `η[s,x,t]`, share of vested members returning to `A`.
    pub reentry: AgeTimeRate,
    /// Age at which disability pensions become old-age pensions, by sex and year
    /// (`None`: the retirement age).
    pub conversion_age: Option<[Vec<f64>; 2]>,
}

/// Retirement (step 7).
#[derive(Clone, Debug, PartialEq)]
pub struct Retirement {
    /// `RA[s,t]` (fractional ages act as the next whole age).
    pub age: [Vec<f64>; 2],
    /// `ρ` at ages ≥ RA (default 1).
    pub rate: AgeTimeRate,
    /// Early-retirement rate below RA (default 0).
    pub early_rate: AgeTimeRate,
    /// `ρ^V` at ages ≥ RA (default 1).
    pub vested_rate: AgeTimeRate,
    /// `ρ^V` below RA (default 0).
    pub vested_early_rate: AgeTimeRate,
}

/// Whole age from which a (possibly fractional) age applies: 60.5 acts as 61.
#[inline]
pub fn whole_age(age: f64) -> usize {
    age.ceil().max(0.0) as usize
}

/// New members (step 8).
#[derive(Clone, Debug, PartialEq)]
pub struct Entrants {
    /// `E_sched`, by year (persons).
    pub count: Vec<f64>,
    /// Share of men, by year.
    pub male_share: Vec<f64>,
    /// Entry-age profile by sex, each summing to 1.
    pub profile: [Vec<f64>; 2],
}

/// Pensioner entrants (step 8): people brought in already retired.
#[derive(Clone, Debug, PartialEq)]
pub struct PensionerEntrants {
    pub count: Vec<f64>,
    pub male_share: Vec<f64>,
    pub profile: [Vec<f64>; 2],
    /// `π^R`, each one's pension as a share of `W_t`, by year.
    pub pension: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ageing_shifts_and_drops_last_age() {
        let mut s = State::empty(3);
        s.active_n = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        s.age_one_year();
        assert_eq!(s.active_n, vec![0.0, 1.0, 2.0, 0.0, 4.0, 5.0]);
    }

    #[test]
    fn profiles_normalise() {
        let u = Profile::Uniform { from: 1, to: 2 }.weights(4);
        assert_eq!(u, vec![0.0, 0.5, 0.5, 0.0]);
        let n = Profile::Normal {
            mean: 1.0,
            sd: 1.0,
            from: 0,
            to: 2,
        }
        .weights(4);
        // densities e^-0.5, 1, e^-0.5 normalised
        let d = 1.0 + 2.0 * (-0.5f64).exp();
        assert!((n[1] - 1.0 / d).abs() < 1e-15);
        assert!((n[0] - (-0.5f64).exp() / d).abs() < 1e-15);
        assert_eq!(n[3], 0.0);
    }

    #[test]
    fn lane_sums_match_plain_sums() {
        let v: Vec<f64> = (1..=7).map(f64::from).collect();
        assert_eq!(sum(&v), 28.0);
        assert_eq!(dot(&v, &v), 140.0);
    }

    #[test]
    fn fractional_retirement_age_acts_as_next_whole_age() {
        assert_eq!(whole_age(60.5), 61);
        assert_eq!(whole_age(60.0), 60);
    }
}
