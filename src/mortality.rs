//! Mortality: the base table (a CSV life table or Gompertz–Makeham), improvement by age,
//! and the Lee–Carter style period factor.
//!
//! Takes the scenario's mortality settings; feeds the projection `q[s,x,t]`, the
//! probability of dying within year t for a person aged x at its start.
//!
//! `q_det[s,x,t] = q0[s,x] (1 − i[s,x])^(t − y_table)` is computed once per run;
//! per path and year, `q = min(1, q_det · exp(β_x K_t))`, with `q[s,ω,t] = 1`.
//! Disability pensioners die at `min(1, m_I q)`.

use crate::math;
use crate::simd::Real;

/// Gompertz–Makeham law `μ(x) = a + b c^x`, one per sex.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GompertzMakeham {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl GompertzMakeham {
    /// `q = 1 − exp(−∫_x^{x+1} μ)`, with `∫ b c^u du = b c^x (c − 1) / ln c`.
    pub fn q(&self, x: f64) -> f64 {
        let integral = if (self.c - 1.0).abs() < 1e-15 {
            self.a + self.b
        } else {
            self.a + self.b * math::powf(self.c, x) * (self.c - 1.0) / math::ln(self.c)
        };
        1.0 - math::exp(-integral)
    }
}

/// Mortality of a run: deterministic rates by year and the stochastic loadings.
#[derive(Clone, Debug, PartialEq)]
pub struct Mortality {
    /// `q_det`, `years × 2 × ages`, index `(t * 2 + s) * ages + x`.
    pub q_det: Vec<f64>,
    /// The distinct values of `β_x`.
    pub beta_values: Vec<f64>,
    /// For each cell (sex × age), the index of its β in `beta_values`.
    pub beta_group: Vec<usize>,
    /// `m_I`, the multiplier of disability pensioners' mortality.
    pub disability_multiplier: f64,
}

impl Mortality {
    /// Builds `q_det` from a base table `q0[s][x]` (ages `0..=ω`), improvement `i[s][x]`,
    /// the table's year and β by age.
    pub fn new(
        q0: &[Vec<f64>; 2],
        improvement: &[Vec<f64>; 2],
        table_year: i32,
        base_year: i32,
        years: usize,
        beta: &[f64],
        disability_multiplier: f64,
    ) -> Mortality {
        let ages = q0[0].len();
        let mut q_det = vec![0.0; years * 2 * ages];
        for t in 0..years {
            let n = (base_year + t as i32 - table_year) as f64;
            for s in 0..2 {
                for x in 0..ages {
                    let q = if x + 1 == ages {
                        1.0
                    } else {
                        (q0[s][x] * math::powf(1.0 - improvement[s][x], n)).min(1.0)
                    };
                    q_det[(t * 2 + s) * ages + x] = q;
                }
            }
        }
        let mut beta_values: Vec<f64> = Vec::new();
        let mut by_age = Vec::with_capacity(ages);
        for b in beta {
            let idx = match beta_values.iter().position(|v| v == b) {
                Some(i) => i,
                None => {
                    beta_values.push(*b);
                    beta_values.len() - 1
                }
            };
            by_age.push(idx);
        }
        let beta_group = [by_age.clone(), by_age].concat();
        Mortality {
            q_det,
            beta_values,
            beta_group,
            disability_multiplier,
        }
    }

    /// The age ranges of equal β: `(from, to, index into beta_values)`, ages `from..to`.
    pub fn beta_ranges(&self) -> Vec<(usize, usize, usize)> {
        let ages = self.beta_group.len() / 2;
        let groups = &self.beta_group[..ages];
        let mut ranges = Vec::new();
        let mut from = 0;
        for x in 1..=ages {
            if x == ages || groups[x] != groups[from] {
                ranges.push((from, x, groups[from]));
                from = x;
            }
        }
        ranges
    }

    /// Writes sex `s`'s `q` of year index `t` at ages `first..=ω` into `q` (one entry
    /// per age, one lane per path): `min(1, q_det · factors[β group])`, with
    /// `factors[g] = exp(β_g K_t)` of each lane computed by the caller once per year, and
    /// `q[ω] = 1`. Ages below `first` are left as they are.
    #[inline(always)]
    pub fn fill_sex<R: Real>(
        &self,
        t: usize,
        s: usize,
        ranges: &[(usize, usize, usize)],
        factors: &[R],
        first: usize,
        q: &mut [R],
    ) {
        let ages = q.len();
        let one = q[ages - 1].splat(1.0);
        let det = &self.q_det[(t * 2 + s) * ages..(t * 2 + s + 1) * ages];
        for &(from, to, g) in ranges {
            let f = factors[g];
            let from = from.max(first);
            if from >= to {
                continue;
            }
            for (qx, &d) in q[from..to].iter_mut().zip(&det[from..to]) {
                // `at_most_one(d f)` in every lane.
                *qx = (one.splat(d) * f).min(one);
            }
        }
        q[ages - 1] = one;
    }
}

/// `min(v, 1)`, as `f64::min` gives it for every `v` (NaN included), in one
/// compare-and-select.
#[inline(always)]
pub fn at_most_one(v: f64) -> f64 {
    if v < 1.0 {
        v
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::Portable;

    #[test]
    fn at_most_one_is_min_with_one() {
        for v in [0.3, 1.0, 1.5, -0.0, 0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(at_most_one(v).to_bits(), v.min(1.0).to_bits(), "{v}");
        }
    }

    #[test]
    fn gompertz_makeham_by_hand() {
        let g = GompertzMakeham {
            a: 0.001,
            b: 0.0001,
            c: 1.1,
        };
        // ∫_60^61 = 0.001 + 0.0001 · 1.1^60 · 0.1 / ln 1.1
        let integral = 0.001 + 0.0001 * 1.1f64.powi(60) * 0.1 / 1.1f64.ln();
        assert!((g.q(60.0) - (1.0 - (-integral).exp())).abs() < 1e-15);
        // 1.1^60 = 304.4816, × 0.1 / ln 1.1 = 319.4639: 0.001 + 0.0319464 = 0.0329464
        assert!((integral - 0.0329464).abs() < 1e-6);
    }

    #[test]
    fn improvement_compounds_from_table_year_and_last_age_dies() {
        let q0 = [vec![0.1, 0.2, 1.0], vec![0.1, 0.2, 1.0]];
        let imp = [vec![0.1, 0.0, 0.0], vec![0.0, 0.0, 0.0]];
        let m = Mortality::new(&q0, &imp, 2004, 2005, 2, &[1.0, 1.0, 1.0], 1.0);
        // year 2006 is 2 years after the table: 0.1 · 0.9² = 0.081
        assert!((m.q_det[6] - 0.081).abs() < 1e-15);
        assert_eq!(m.q_det[8], 1.0);
    }

    #[test]
    fn period_factor_scales_and_caps() {
        let q0 = [vec![0.5, 0.2, 1.0], vec![0.1, 0.2, 1.0]];
        let imp = [vec![0.0; 3], vec![0.0; 3]];
        let m = Mortality::new(&q0, &imp, 2005, 2005, 1, &[2.0, 1.0, 1.0], 1.0);
        let ranges = m.beta_ranges();
        assert_eq!(ranges, vec![(0, 1, 0), (1, 3, 1)]);
        let k: f64 = 0.5;
        // Two lanes: K = 0.5 and K = 0 (factor 1).
        let factors: Vec<Portable<2>> = m
            .beta_values
            .iter()
            .map(|b| Portable([(b * k).exp(), 1.0]))
            .collect();
        let mut q = vec![Portable::ZERO; 3];
        m.fill_sex(0, 0, &ranges, &factors, 0, &mut q);
        assert_eq!(q[0].0[0], 1.0); // 0.5 e^1 capped
        assert_eq!(q[0].0[1], 0.5);
        assert!((q[1].0[0] - 0.2 * 0.5f64.exp()).abs() < 1e-15);
        assert_eq!(q[1].0[1], 0.2);
        assert_eq!(q[2].0, [1.0, 1.0]);
        m.fill_sex(0, 1, &ranges, &factors, 0, &mut q);
        assert!((q[0].0[0] - 0.1 * 1f64.exp()).abs() < 1e-15);
    }
}
