//! The working stocks of a projection, laid out by birth cohort so that ageing moves no
//! memory, with the live age range of each state.
//!
//! Used by [`crate::projection`] only: it takes the initial [`State`] of a model and gives
//! the projector windows of its mass arrays, one per state, sex and year.

use crate::demography::{sum, State};

/// The working stocks of a projector, laid out by birth cohort: within each sex's
/// stretch of `span` slots, the person aged x in year index t sits at slot
/// `base_t + x` with `base_t = years − t`. Ageing a year is then `base −= 1`: nobody
/// moves in memory, and the age-indexed window of every state stays contiguous.
pub(crate) struct Cohorts {
    span: usize,
    base: usize,
    arrays: [Vec<f64>; N_ARRAYS],
    /// For each state (A, V, I, R) and sex, the half-open age range outside which every
    /// mass is exactly zero: loops skip the ages nobody can be at.
    live: [[(usize, usize); 2]; 4],
}

/// State (A, V, I, R) of each mass array.
pub(crate) const STATE_OF: [usize; N_ARRAYS] = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 3];
/// Number of mass arrays: the ten of MODEL.md and five of China's rules.
pub(crate) const N_ARRAYS: usize = 15;
pub(crate) const A: usize = 0;
pub(crate) const V: usize = 1;
pub(crate) const I: usize = 2;
pub(crate) const R: usize = 3;

/// First and one-past-last index of the non-zero entries (`(0, 0)` when all are zero).
pub(crate) fn nonzero_range(v: &[f64]) -> (usize, usize) {
    match v.iter().position(|x| *x != 0.0) {
        Some(lo) => (lo, v.iter().rposition(|x| *x != 0.0).unwrap_or(lo) + 1),
        None => (0, 0),
    }
}

/// Positions of the ten mass arrays in [`Cohorts::arrays`].
pub(crate) const A_N: usize = 0;
pub(crate) const A_S: usize = 1;
pub(crate) const A_W: usize = 2;
pub(crate) const V_N: usize = 3;
pub(crate) const V_S: usize = 4;
pub(crate) const V_W: usize = 5;
pub(crate) const I_N: usize = 6;
pub(crate) const I_P: usize = 7;
pub(crate) const R_N: usize = 8;
pub(crate) const R_P: usize = 9;
/// China's rules: account balances and deemed years of A and V, account part of R's
/// pension mass.
pub(crate) const A_IA: usize = 10;
pub(crate) const A_D: usize = 11;
pub(crate) const V_IA: usize = 12;
pub(crate) const V_D: usize = 13;
pub(crate) const R_PIA: usize = 14;

impl Cohorts {
    pub(crate) fn new(years: usize, ages: usize) -> Cohorts {
        let span = years + ages + 1;
        Cohorts {
            span,
            base: years,
            arrays: std::array::from_fn(|_| vec![0.0; 2 * span]),
            live: [[(0, 0); 2]; 4],
        }
    }

    /// The live age range of `state` for sex `s`.
    #[inline]
    pub(crate) fn live(&self, state: usize, s: usize) -> (usize, usize) {
        self.live[state][s]
    }

    /// Widens a live range to cover `lo..hi`.
    #[inline]
    pub(crate) fn widen(&mut self, state: usize, s: usize, (lo, hi): (usize, usize)) {
        if lo >= hi {
            return;
        }
        let r = &mut self.live[state][s];
        *r = if r.0 >= r.1 {
            (lo, hi)
        } else {
            (r.0.min(lo), r.1.max(hi))
        };
    }

    /// Narrows the top of a live range past trailing cells whose count is exactly zero.
    #[inline]
    pub(crate) fn trim_top(&mut self, state: usize, count: usize, s: usize, ages: usize) {
        let (lo, mut hi) = self.live[state][s];
        let w = self.window(count, s, ages);
        while hi > lo && w[hi - 1] == 0.0 {
            hi -= 1;
        }
        self.live[state][s] = if hi > lo { (lo, hi) } else { (0, 0) };
    }

    /// The age window `0..ages` of array `k` for sex `s`.
    #[inline]
    pub(crate) fn window(&self, k: usize, s: usize, ages: usize) -> &[f64] {
        let start = s * self.span + self.base;
        &self.arrays[k][start..start + ages]
    }

    #[inline]
    pub(crate) fn window_mut(&mut self, k: usize, s: usize, ages: usize) -> &mut [f64] {
        let start = s * self.span + self.base;
        &mut self.arrays[k][start..start + ages]
    }

    /// Mutable windows of several distinct arrays at once.
    #[inline]
    pub(crate) fn windows_mut<const N: usize>(
        &mut self,
        ks: [usize; N],
        s: usize,
        ages: usize,
    ) -> [&mut [f64]; N] {
        let start = s * self.span + self.base;
        self.arrays
            .get_disjoint_mut(ks)
            .expect("distinct arrays")
            .map(|v| &mut v[start..start + ages])
    }

    /// Σ of array `k` over both sexes' live ranges.
    #[inline]
    pub(crate) fn total(&self, k: usize, ages: usize) -> f64 {
        let mut total = 0.0;
        for s in 0..2 {
            let (lo, hi) = self.live(STATE_OF[k], s);
            total += sum(&self.window(k, s, ages)[lo..hi]);
        }
        total
    }

    /// Resets to the initial stocks (only the arrays in use are touched).
    pub(crate) fn load(&mut self, initial: &State, years: usize, used: &[bool; N_ARRAYS]) {
        self.base = years;
        let ages = initial.ages;
        for (state, n) in [
            (A, &initial.active_n),
            (V, &initial.vested_n),
            (I, &initial.disabled_n),
            (R, &initial.retired_n),
        ] {
            for s in 0..2 {
                self.live[state][s] = nonzero_range(&n[s * ages..(s + 1) * ages]);
            }
        }
        let ages = initial.ages;
        let sources: [&Vec<f64>; N_ARRAYS] = [
            &initial.active_n,
            &initial.active_service,
            &initial.active_wage,
            &initial.vested_n,
            &initial.vested_service,
            &initial.vested_wage,
            &initial.disabled_n,
            &initial.disabled_pension,
            &initial.retired_n,
            &initial.retired_pension,
            &initial.active_account,
            &initial.active_deemed,
            &initial.vested_account,
            &initial.vested_deemed,
            &initial.retired_account_pension,
        ];
        for (k, src) in sources.iter().enumerate() {
            if !used[k] {
                continue;
            }
            let v = &mut self.arrays[k];
            v.fill(0.0);
            for s in 0..2 {
                let start = s * self.span + self.base;
                v[start..start + ages].copy_from_slice(&src[s * ages..(s + 1) * ages]);
            }
        }
    }

    /// One year older: the window slides down by one slot; the new age-0 slots are empty
    /// (they were never used) and the old age-ω slots fall out of the window.
    #[inline]
    pub(crate) fn age_one_year(&mut self, ages: usize) {
        self.base -= 1;
        for r in self.live.iter_mut().flatten() {
            if r.0 < r.1 {
                *r = (r.0 + 1, (r.1 + 1).min(ages));
                if r.0 >= r.1 {
                    *r = (0, 0);
                }
            }
        }
    }

    /// The stocks as an age-indexed [`State`].
    pub(crate) fn to_state(&self, ages: usize) -> State {
        let mut st = State::empty(ages);
        let targets: [&mut Vec<f64>; N_ARRAYS] = [
            &mut st.active_n,
            &mut st.active_service,
            &mut st.active_wage,
            &mut st.vested_n,
            &mut st.vested_service,
            &mut st.vested_wage,
            &mut st.disabled_n,
            &mut st.disabled_pension,
            &mut st.retired_n,
            &mut st.retired_pension,
            &mut st.active_account,
            &mut st.active_deemed,
            &mut st.vested_account,
            &mut st.vested_deemed,
            &mut st.retired_account_pension,
        ];
        for (k, t) in targets.into_iter().enumerate() {
            for s in 0..2 {
                t[s * ages..(s + 1) * ages].copy_from_slice(self.window(k, s, ages));
            }
        }
        st
    }
}
