//! The working stocks of a projection, laid out by birth cohort so that ageing moves no
//! memory, with the live age range of each state.
//!
//! Used by [`crate::projection`] only: it takes the initial [`State`] of a model and gives
//! the projector windows of its mass arrays, one per state, sex and year. Every cell
//! holds `L` lanes, one per path projected together (`[age][lane]`): each lane is a
//! path of its own, and every sum over ages is grouped so that a lane's result never
//! depends on the other lanes (see [`range_sum`]).

use crate::demography::State;
use crate::simd::Real;

/// The working stocks of a projector, laid out by birth cohort: within each sex's
/// stretch of `span` slots, the person aged x in year index t sits at slot
/// `base_t + x` with `base_t = years − t`. Ageing a year is then `base −= 1`: nobody
/// moves in memory, and the age-indexed window of every state stays contiguous.
pub(crate) struct Cohorts<R: Real> {
    span: usize,
    base: usize,
    /// Every mass array in one buffer: array `k` from cell `k × stride`. Arrays start
    /// 9 cache lines apart modulo 4 KiB, so that the same cell of different arrays
    /// falls in different sets of the cache. (A cell is aligned to its own size, 64
    /// bytes for eight lanes: it never straddles two cache lines.)
    cells: Vec<R>,
    zero: R,
    stride: usize,
    /// For each state (A, V, I, R) and sex, the half-open age range outside which every
    /// mass of every lane is exactly zero: loops skip the ages nobody can be at.
    live: [[(usize, usize); 2]; 4],
}

/// State (A, V, I, R) of each mass array.
pub(crate) const STATE_OF: [usize; N_ARRAYS] = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 3];
/// Number of mass arrays: the ten of MODEL.md and five of China's rules.
pub(crate) const N_ARRAYS: usize = 15;
/// The first ten arrays are MODEL.md's; the rest belong to schemes ([`crate::scheme`]).
pub(crate) const N_MODEL_ARRAYS: usize = 10;
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

/// Σ `v[x]` over ages `lo..hi` for each lane, with four accumulators by age mod 4 added
/// as `(a0 + a1) + (a2 + a3)`. Entries outside the range that are exactly zero would not
/// change a bit of it, so a lane's sum does not depend on how wide the live range is,
/// hence not on which paths share its lanes.
#[inline(always)]
pub(crate) fn range_sum<R: Real>(zero: R, v: &[R], lo: usize, hi: usize) -> R {
    range_fold(zero, lo, hi, |x: usize| [v[x]])[0]
}

/// Σ `v[x] w[x]` over ages `lo..hi`, lane by lane, grouped as [`range_sum`].
#[inline(always)]
pub(crate) fn range_dot_lanes<R: Real>(zero: R, v: &[R], w: &[R], lo: usize, hi: usize) -> R {
    range_fold(zero, lo, hi, |x: usize| [v[x] * w[x]])[0]
}

/// `(Σ v[x], Σ v[x] w[x])` over ages `lo..hi` in one pass, each grouped as [`range_sum`].
#[inline(always)]
pub(crate) fn range_sum_dot<R: Real>(zero: R, v: &[R], w: &[f64], lo: usize, hi: usize) -> (R, R) {
    let both = range_fold(zero, lo, hi, |x: usize| [v[x], v[x] * zero.splat(w[x])]);
    (both[0], both[1])
}

/// The terms of a [`range_fold`], age by age. A closure is one; a pass that also updates
/// its cells is written as a type with an `#[inline(always)]` method, so that it is
/// compiled into the loop (a large closure may be left as a call).
pub(crate) trait Term<R: Real, const M: usize> {
    fn at(&mut self, x: usize) -> [R; M];
}

impl<R: Real, const M: usize, F: FnMut(usize) -> [R; M]> Term<R, M> for F {
    #[inline(always)]
    fn at(&mut self, x: usize) -> [R; M] {
        self(x)
    }
}

/// The grouping of [`range_sum`] over the terms `term(x)` (`M` sums at once, one per
/// row of the term): accumulator `x mod 4` takes the terms of its ages in rising order.
/// `term` is called once per age, in rising order, so it may also update the cell it
/// reads (a pass that sums the start-of-year stocks while it moves them).
#[inline(always)]
pub(crate) fn range_fold<R: Real, const M: usize>(
    zero: R,
    lo: usize,
    hi: usize,
    mut term: impl Term<R, M>,
) -> [R; M] {
    let mut acc = [[zero; M]; 4];
    // Groups of four ages from a multiple of 4; each accumulator has a fixed index
    // (so it stays in a register) and skips the ages outside the range.
    let mut base = lo & !3;
    while base < hi {
        for (j, a) in acc.iter_mut().enumerate() {
            let x = base + j;
            if x >= lo && x < hi {
                add(a, term.at(x));
            }
        }
        base += 4;
    }
    // A loop, not `array::from_fn` (which, for wide folds, is left as a call compiled
    // without the kernel's instruction set).
    let mut out = [zero; M];
    for (m, o) in out.iter_mut().enumerate() {
        *o = (acc[0][m] + acc[1][m]) + (acc[2][m] + acc[3][m]);
    }
    out
}

#[inline(always)]
fn add<R: Real, const M: usize>(a: &mut [R; M], b: [R; M]) {
    for m in 0..M {
        a[m] += b[m];
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

impl<R: Real> Cohorts<R> {
    pub(crate) fn new(zero: R, years: usize, ages: usize) -> Cohorts<R> {
        let span = years + ages + 1;
        let cell = std::mem::size_of::<R>();
        let stride = ((2 * span * cell).next_multiple_of(4096) + 9 * 64).div_ceil(cell);
        Cohorts {
            span,
            base: years,
            cells: vec![zero; N_ARRAYS * stride],
            zero,
            stride,
            live: [[(0, 0); 2]; 4],
        }
    }

    /// The live age range of `state` for sex `s`.
    #[inline(always)]
    pub(crate) fn live(&self, state: usize, s: usize) -> (usize, usize) {
        self.live[state][s]
    }

    /// Widens a live range to cover `lo..hi`.
    #[inline(always)]
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

    /// Narrows the top of a live range past trailing cells whose count is exactly zero
    /// in every lane.
    #[inline(always)]
    pub(crate) fn trim_top(&mut self, state: usize, count: usize, s: usize, ages: usize) {
        let (lo, mut hi) = self.live[state][s];
        let w = self.window(count, s, ages);
        while hi > lo && w[hi - 1].all_zero() {
            hi -= 1;
        }
        self.live[state][s] = if hi > lo { (lo, hi) } else { (0, 0) };
    }

    /// The age window `0..ages` of array `k` for sex `s`.
    #[inline(always)]
    pub(crate) fn window(&self, k: usize, s: usize, ages: usize) -> &[R] {
        let start = k * self.stride + s * self.span + self.base;
        &self.cells[start..start + ages]
    }

    #[inline(always)]
    pub(crate) fn window_mut(&mut self, k: usize, s: usize, ages: usize) -> &mut [R] {
        let start = k * self.stride + s * self.span + self.base;
        &mut self.cells[start..start + ages]
    }

    /// Mutable windows of several distinct arrays at once.
    #[inline(always)]
    pub(crate) fn windows_mut<const N: usize>(
        &mut self,
        ks: [usize; N],
        s: usize,
        ages: usize,
    ) -> [&mut [R]; N] {
        let start = s * self.span + self.base;
        let stride = self.stride;
        self.cells
            .get_disjoint_mut(ks.map(|k| k * stride + start..k * stride + start + ages))
            .expect("distinct arrays")
    }

    /// Σ of array `k` over both sexes' live ranges, for each lane.
    #[inline(always)]
    pub(crate) fn total(&self, k: usize, ages: usize) -> R {
        let mut total = self.zero;
        for s in 0..2 {
            let (lo, hi) = self.live(STATE_OF[k], s);
            total += range_sum(self.zero, self.window(k, s, ages), lo, hi);
        }
        total
    }

    /// Σ of arrays `k1` and `k2` of one state over both sexes' live ranges, for each
    /// lane, in one pass (the same sums as two [`Self::total`]).
    #[inline(always)]
    pub(crate) fn total_pair(&self, k1: usize, k2: usize, ages: usize) -> [R; 2] {
        debug_assert_eq!(STATE_OF[k1], STATE_OF[k2]);
        let mut total = [self.zero; 2];
        for s in 0..2 {
            let (lo, hi) = self.live(STATE_OF[k1], s);
            let (a, b) = (self.window(k1, s, ages), self.window(k2, s, ages));
            let part = range_fold(self.zero, lo, hi, |x: usize| [a[x], b[x]]);
            add(&mut total, part);
        }
        total
    }

    /// Resets every lane to the initial stocks (only the arrays in use are touched).
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
            let (span, base, zero) = (self.span, self.base, self.zero);
            let first = k * self.stride;
            let v = &mut self.cells[first..first + 2 * span];
            v.fill(zero);
            for s in 0..2 {
                let start = s * span + base;
                for (cell, x) in v[start..start + ages]
                    .iter_mut()
                    .zip(&src[s * ages..(s + 1) * ages])
                {
                    *cell = zero.splat(*x);
                }
            }
        }
    }

    /// One year older: the window slides down by one slot; the new age-0 slots are empty
    /// (they were never used) and the old age-ω slots fall out of the window.
    #[inline(always)]
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

    /// Lane `lane`'s stocks as an age-indexed [`State`].
    pub(crate) fn to_state(&self, ages: usize, lane: usize) -> State {
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
                for (out, cell) in t[s * ages..(s + 1) * ages]
                    .iter_mut()
                    .zip(self.window(k, s, ages))
                {
                    *out = cell.lane(lane);
                }
            }
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::Portable;

    #[test]
    fn range_sums_group_by_age_not_by_range() {
        // Entries outside the range are zero: widening the range changes no bit.
        let zero = Portable::<2>::ZERO;
        let mut v = vec![zero; 12];
        for (x, c) in v.iter_mut().enumerate().take(9).skip(3) {
            *c = Portable([1.0 / (x as f64 + 0.1), 1e16 / (x as f64 + 0.3)]);
        }
        let narrow = range_sum(zero, &v, 3, 9);
        for (lo, hi) in [(0, 12), (1, 9), (3, 11), (2, 10)] {
            let wide = range_sum(zero, &v, lo, hi);
            assert_eq!(
                wide.0.map(f64::to_bits),
                narrow.0.map(f64::to_bits),
                "{lo}..{hi}"
            );
        }
        // By hand: ages 3..9 go to accumulators 3, 0, 1, 2, 3, 0 (age mod 4), each
        // from 0 in rising age; then (a0 + a1) + (a2 + a3).
        let t = |x: usize| v[x].0[0];
        let by_hand = ((t(4) + t(8)) + t(5)) + (t(6) + (t(3) + t(7)));
        assert_eq!(narrow.0[0].to_bits(), by_hand.to_bits());
    }
}
