//! MODEL.md's pension scheme: one pooled fund, first pensions by the scenario's benefit
//! formula (`replacement`, `career_average` or `final_salary`, see
//! [`crate::benefits`]). It keeps no stocks of its own and uses no hook but retirement.

use super::{Awards, Books, ByAge, Scheme, SexYear};
use crate::benefits::{BenefitRules, Formula};
use crate::cohorts::{Cohorts, A, A_N, A_S, A_W, R, R_N, R_P, V, V_N, V_S, V_W};
use crate::simd::Real;

/// MODEL.md's scheme (the default).
pub(crate) struct Basic;

impl<R: Real> Scheme<R> for Basic {
    const STOCKS: &'static [usize] = &[];
    const FUSABLE: bool = true;
    type Flows = ();

    /// Step 7: a share `ρ` of the actives (then of the vested members) of each age
    /// retires, with first pensions by the formula of year index `t1` from the cell's
    /// records, times the age adjustment.
    #[inline(always)]
    fn retire<T: ByAge<R>>(
        &mut self,
        sex: &SexYear<'_, R, T>,
        co: &mut Cohorts<R>,
        books: &mut Books<'_, R>,
    ) {
        let m = sex.m;
        let ages = m.frame.ages();
        let b = &m.benefits;
        let (s, t1, wage, from) = (sex.s, sex.t1, sex.wage, sex.from);
        let z = wage.splat(0.0);
        let wrel = &m.contributions.relative_wage[s * ages..(s + 1) * ages];
        let (alo, ahi) = co.live(A, s);
        let lo = from.max(alo).max(1);
        if lo < ahi {
            // Without records (no vested members), the replacement formula needs
            // neither service nor wage index: the fast path.
            let awarded = if b.formula == Formula::Replacement && !sex.shape.track_records {
                // p = max(rr W w_rel[s,x−1], f W) × adjustment: no records needed.
                let rr = z.splat(b.replacement_rate[t1]) * wage;
                let floor = z.splat(b.floor[t1]) * wage;
                let [an, rn, rp] = co.windows_mut([A_N, R_N, R_P], s, ages);
                let (mut count, mut amount) = (z, z);
                for x in lo..ahi {
                    let (rate, f) = (sex.rate.at(z, x), sex.factor.at(z, x));
                    let a0 = an[x];
                    let n = rate * a0;
                    let p = (rr * z.splat(wrel[x - 1])).max(floor) * f;
                    rn[x] += n;
                    rp[x] += n * p;
                    an[x] = a0 - n;
                    count += n;
                    amount += n * p;
                }
                Awards::of(count, amount)
            } else {
                let cells = co.windows_mut([A_N, A_S, A_W, R_N, R_P], s, ages);
                retire_cells(b, t1, wage, (lo, ahi), &sex.rate, &sex.factor, wrel, cells)
            };
            books.add(awarded, 0);
            co.widen(R, s, (lo, ahi));
            co.trim_top(A, A_N, s, ages);
        }
        if sex.shape.has_vested {
            let (vlo, vhi) = co.live(V, s);
            let lo = from.max(vlo).max(1);
            if lo < vhi {
                let cells = co.windows_mut([V_N, V_S, V_W, R_N, R_P], s, ages);
                let awarded = retire_cells(
                    b,
                    t1,
                    wage,
                    (lo, vhi),
                    &sex.vested_rate,
                    &sex.factor,
                    wrel,
                    cells,
                );
                books.add(awarded, 1);
                co.widen(R, s, (lo, vhi));
                co.trim_top(V, V_N, s, ages);
            }
        }
    }
}

/// Retirement of the share `rate[x]` of member cells (`[N, S, Ω]` of A or V, then R's
/// `[N, P]`) at ages `lo..hi` into R, with first pensions by the scenario's formula of
/// year index `t1`, the wage `W_t`, `w_rel[s,x−1]` and the age adjustment `factor[x]`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn retire_cells<R: Real, T: ByAge<R>>(
    b: &BenefitRules,
    t1: usize,
    wage: R,
    (lo, hi): (usize, usize),
    rate: &T,
    factor: &T,
    wrel: &[f64],
    [n, sv, w, rn, rp]: [&mut [R]; 5],
) -> Awards<R> {
    let z = wage.splat(0.0);
    let one = z.splat(1.0);
    let (mut count, mut amount) = (z, z);
    let rules = b.year(t1);
    for x in lo..hi {
        let (rho, f) = (rate.at(z, x), factor.at(z, x));
        let (n0, s0, w0) = (n[x], sv[x], w[x]);
        let retiring = rho * n0;
        let pm = rules.pension_masses(wage, n0, s0, w0, wrel[x - 1]);
        let mass = rho * f * pm;
        rn[x] += retiring;
        rp[x] += mass;
        n[x] = n0 - retiring;
        sv[x] = s0 * (one - rho);
        w[x] = w0 * (one - rho);
        count += retiring;
        amount += mass;
    }
    Awards::of(count, amount)
}
