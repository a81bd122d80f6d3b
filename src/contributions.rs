//! Contributions: `C_t = Σ N^A[s,x] · W_t · w_rel[s,x] · c_t · k_t`.
//!
//! Takes the actives at the start of the year and the average wage; feeds the fund.

use crate::demography::dot;
use crate::simd::Real;

/// Contribution parameters, resolved by year (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct ContributionRules {
    /// `c_t`, total contribution rate (employer + employee) on covered wages.
    pub rate: Vec<f64>,
    /// `k_t`, share of due contributions actually collected.
    pub collection_rate: Vec<f64>,
    /// `w_rel[s,x]`, wage by sex and age relative to the average covered wage (cells).
    pub relative_wage: Vec<f64>,
}

impl ContributionRules {
    /// Contributions collected in year index `t` from `actives` (counts by cell) when the
    /// average wage is `wage`.
    #[inline]
    pub fn collected(&self, t: usize, wage: f64, actives: &[f64]) -> f64 {
        self.collected_from(t, wage, self.rate[t], dot(actives, &self.relative_wage))
    }

    /// Contributions collected in year index `t` at the rate `rate` in force (`c_t`, or
    /// `c_t` raised by automatic step-ups) from the wage base `Σ N^A w_rel`:
    /// `W_t · rate · k_t · wage base`, lane by lane.
    #[inline(always)]
    pub fn collected_from<R: Real>(&self, t: usize, wage: R, rate: R, wage_base: R) -> R {
        wage * rate * wage.splat(self.collection_rate[t]) * wage_base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_by_hand() {
        let rules = ContributionRules {
            rate: vec![0.28],
            collection_rate: vec![0.9],
            relative_wage: vec![1.0, 1.2, 0.8, 1.0],
        };
        // wage base = 100·1 + 50·1.2 + 10·0.8 + 0 = 168 → 168 · 1000 · 0.28 · 0.9
        let c = rules.collected(0, 1000.0, &[100.0, 50.0, 10.0, 0.0]);
        assert!((c - 42_336.0).abs() < 1e-9);
    }
}
