//! China's urban employee basic pension (统账结合) in the year loop: a pooled fund plus
//! individual accounts. The rules themselves (contribution base, first pension, the
//! 15-year rule) are [`crate::china::ChinaRules`]; this file runs them at the hooks of
//! [`Scheme`].
//!
//! Its own stocks: account balances and deemed years of actives and vested members
//! (`A_IA`, `A_D`, `V_IA`, `V_D`) and the account part of R's pension mass (`R_PIA`).
//! Its own path state: each cell's contribution base relative to `W_t` this year, the
//! individual-account fund, and refunds decided this year (paid next year).

use super::{Books, ByAge, Scheme, SexYear};
use crate::china::ChinaRules;
use crate::cohorts::{
    range_dot_lanes, Cohorts, A, A_D, A_IA, A_N, A_S, A_W, R, R_N, R_P, R_PIA, V, V_D, V_IA, V_N,
    V_S, V_W,
};
use crate::economy::EconPath;
use crate::model::Model;
use crate::projection::{each_lane, metric, ratio, AccountLedger, Row};
use crate::scheme::Awards;
use crate::simd::{Real, MAX_LANES};

/// China's urban employee rules, with their path state.
pub(crate) struct ChinaScheme<'m, R: Real> {
    rules: &'m ChinaRules,
    zero: R,
    has_disabled: bool,
    has_exits: bool,
    /// Each cell's contribution base relative to `W_t` this year (sex × age).
    base_rel: Vec<R>,
    /// The individual-account fund, by lane.
    ia_fund: [f64; MAX_LANES],
    /// Refunds decided last year (paid this year) and this year.
    refunds_due: R,
    refunds_now: R,
    /// Balances turned into account pensions this year.
    converted: R,
    /// Account ledger of the last path (lane 0, with the head-count ledger).
    accounts: Vec<AccountLedger>,
}

impl<'m, R: Real> ChinaScheme<'m, R> {
    pub(crate) fn new(model: &'m Model, rules: &'m ChinaRules, zero: R) -> Self {
        let moves = &model.moves;
        ChinaScheme {
            rules,
            zero,
            has_disabled: model.has_disabled(),
            has_exits: moves.exit.any_nonzero || moves.reentry.any_nonzero,
            base_rel: vec![zero; model.frame.cells()],
            ia_fund: [0.0; MAX_LANES],
            refunds_due: zero,
            refunds_now: zero,
            converted: zero,
            accounts: Vec::new(),
        }
    }

    /// The account ledger of the last path (with the head-count ledger on).
    pub(crate) fn accounts(&self) -> &[AccountLedger] {
        &self.accounts
    }
}

/// A year's flows between members, the pooled fund and the individual-account fund, one
/// lane (currency unit).
#[derive(Default, Clone, Copy)]
pub(crate) struct ChinaYear {
    /// Account balances at the start of the year, and the year's interest on them.
    balances: f64,
    interest: f64,
    /// Employer contributions and the unfunded share of employee contributions.
    pooled_contributions: f64,
    /// Employee contributions credited to accounts.
    credits: f64,
    /// The funded share of them, invested in the account fund.
    invested: f64,
    /// Central adjustment transfer into the pooled fund (other income).
    transfer: f64,
    /// Account pensions and refunds paid by the account fund, and refunds paid by the
    /// pooled fund (the unfunded share).
    account_pensions_from_fund: f64,
    refunds_from_fund: f64,
    refunds_from_pool: f64,
}

impl<R: Real> Scheme<R> for ChinaScheme<'_, R> {
    const STOCKS: &'static [usize] = &[A_IA, A_D, V_IA, V_D, R_PIA];
    /// Step 1 reads the account balances and the stocks of R's account pensions.
    const FUSABLE: bool = false;
    type Flows = ChinaYear;

    fn begin_path(&mut self) {
        self.ia_fund = [self.rules.fund_initial; MAX_LANES];
        self.refunds_due = self.zero;
        self.accounts.clear();
    }

    #[inline(always)]
    fn begin_year(&mut self) {
        self.refunds_now = self.zero;
        self.converted = self.zero;
    }

    /// Contribution bases, credits to the accounts (with a year's interest on their
    /// balances), the split of employee contributions between the pooled fund and the
    /// individual-account fund, the central transfer, and who pays account pensions and
    /// last year's refunds (the account fund pays its funded share
    /// `φ = F_IA / Σ balances`, capped at 1; `φ = f_t` when no balances exist).
    #[inline(always)]
    fn flows(
        &mut self,
        m: &Model,
        co: &mut Cohorts<R>,
        t: usize,
        econ: &[&EconPath],
        wage: R,
    ) -> [ChinaYear; MAX_LANES] {
        let ch = self.rules;
        let z = self.zero;
        let ages = m.frame.ages();
        let wrel = &m.contributions.relative_wage;
        let growth = z.from_fn(|l| econ[l].wage_growth[t]);
        let previous = each_lane(z.splat(1.0) / (z.splat(1.0) + growth));
        for (b, w) in self.base_rel.iter_mut().zip(wrel) {
            *b = z.from_fn(|l| ch.relative_base(t, *w, previous[l]));
        }
        let k = m.contributions.collection_rate[t];
        let credit_rate = z.splat(ch.employee_rate[t]) * z.splat(k) * wage;
        let interest = z.splat(1.0 + ch.crediting_rate[t]);
        let balances = each_lane(co.total(A_IA, ages) + co.total(V_IA, ages));
        let mut declared = z;
        for s in 0..2 {
            let (lo, hi) = co.live(A, s);
            let base = &self.base_rel[s * ages..(s + 1) * ages];
            declared += range_dot_lanes(z, co.window(A_N, s, ages), base, lo, hi);
            let [an, acc] = co.windows_mut([A_N, A_IA], s, ages);
            for x in lo..hi {
                acc[x] = acc[x] * interest + an[x] * credit_rate * base[x];
            }
            let (lo, hi) = co.live(V, s);
            for a in &mut co.window_mut(V_IA, s, ages)[lo..hi] {
                *a *= interest;
            }
        }
        let funded = ch.funded_share[t];
        let account_pensions = each_lane(co.total(R_PIA, ages));
        let (wage, declared, refunds_due) = (
            each_lane(wage),
            each_lane(declared),
            each_lane(self.refunds_due),
        );
        std::array::from_fn(|l| {
            if l >= R::LANES {
                return ChinaYear::default();
            }
            let declared = wage[l] * declared[l];
            let employee = ch.employee_rate[t] * k * declared;
            let phi = if balances[l] > 0.0 {
                (self.ia_fund[l] / balances[l]).clamp(0.0, 1.0)
            } else {
                funded
            };
            ChinaYear {
                balances: balances[l],
                interest: balances[l] * ch.crediting_rate[t],
                pooled_contributions: ch.employer_rate[t] * k * declared
                    + (1.0 - funded) * employee,
                credits: employee,
                invested: funded * employee,
                transfer: ch.central_transfer[t] * declared,
                account_pensions_from_fund: phi * account_pensions[l],
                refunds_from_fund: phi * refunds_due[l],
                refunds_from_pool: (1.0 - phi) * refunds_due[l],
            }
        })
    }

    /// The pooled fund collects the employer's contributions and the unfunded share of
    /// the employee's; it pays the pensions less the account pensions the account fund
    /// pays, plus the unfunded share of refunds.
    #[inline(always)]
    fn pool(&self, cy: &ChinaYear, contributions: &mut f64, payouts: &mut f64) {
        *contributions = cy.pooled_contributions;
        *payouts -= cy.account_pensions_from_fund;
        *payouts += cy.refunds_from_pool;
    }

    #[inline(always)]
    fn other_income(&self, cy: &ChinaYear) -> f64 {
        cy.transfer
    }

    /// The individual-account fund earns the pooled fund's return; its flows earn half
    /// a year's: `F_IA ← F_IA (1 + r) + (invested − account pensions − refunds)(1 + r/2)`.
    #[inline(always)]
    fn after_fund(&mut self, l: usize, cy: &ChinaYear, r: f64) {
        self.ia_fund[l] = self.ia_fund[l] * (1.0 + r)
            + (cy.invested - cy.account_pensions_from_fund - cy.refunds_from_fund)
                * (1.0 + r / 2.0);
    }

    /// A year of service adds the member's contribution base (relative to `W_t`).
    #[inline(always)]
    fn accrual(&self, _zero: R, c: usize, _wrel: f64) -> R {
        self.base_rel[c]
    }

    /// Accounts of members who die are paid to their heirs (next year); every account
    /// stock and R's account pension mass survive with their members.
    #[inline(always)]
    fn deaths(&mut self, m: &Model, co: &mut Cohorts<R>, s: usize, q: &[R]) {
        let z = self.zero;
        let ages = m.frame.ages();
        for (k, state) in [(A_IA, A), (V_IA, V)] {
            let (lo, hi) = co.live(state, s);
            self.refunds_now += range_dot_lanes(z, co.window(k, s, ages), q, lo, hi);
        }
        let one = z.splat(1.0);
        for (k, state) in [(A_IA, A), (A_D, A), (V_IA, V), (V_D, V), (R_PIA, R)] {
            let (lo, hi) = co.live(state, s);
            for (v, q) in co.window_mut(k, s, ages)[lo..hi].iter_mut().zip(&q[lo..hi]) {
                *v *= one - *q;
            }
        }
    }

    /// Account balances and deemed years move with their members
    /// (`A ← A (1 − δ − ℓ) + η V`, `V ← V (1 − η) + v ℓ A`); the accounts of the disabled
    /// and of leavers who keep no rights are refunded.
    #[inline(always)]
    fn moves(&mut self, m: &Model, co: &mut Cohorts<R>, t: usize) {
        if !(self.has_exits || m.moves.disability.any_nonzero) {
            return;
        }
        let (ages, cells) = (m.frame.ages(), m.frame.cells());
        let mv = &m.moves;
        let vesting = mv.vesting_share[t];
        let with_disability = self.has_disabled && mv.disability.any_nonzero;
        let z = self.zero;
        for s in 0..2 {
            let range = s * ages..(s + 1) * ages;
            let delta = &mv.disability.year(t, cells)[range.clone()];
            let ell = &mv.exit.year(t, cells)[range.clone()];
            let eta = &mv.reentry.year(t, cells)[range];
            let [a_acc, a_d, v_acc, v_d] = co.windows_mut([A_IA, A_D, V_IA, V_D], s, ages);
            let mut refunds = z;
            for x in 0..ages {
                let d = if with_disability { delta[x] } else { 0.0 };
                let (l, e) = (ell[x], eta[x]);
                let stay = z.splat(1.0 - d - l);
                let (refund, to_v) = (z.splat(d + (1.0 - vesting) * l), z.splat(vesting * l));
                let (e, keep) = (z.splat(e), z.splat(1.0 - e));
                let (a0, a1, v0, v1) = (a_acc[x], a_d[x], v_acc[x], v_d[x]);
                refunds += refund * a0;
                a_acc[x] = a0 * stay + e * v0;
                a_d[x] = a1 * stay + e * v1;
                v_acc[x] = v0 * keep + to_v * a0;
                v_d[x] = v1 * keep + to_v * a1;
            }
            self.refunds_now += refunds;
        }
    }

    /// Account pensions are indexed with the rest of the pension.
    #[inline(always)]
    fn index(&self, co: &mut Cohorts<R>, s: usize, ages: usize, idx: R) {
        let (lo, hi) = co.live(R, s);
        for p in &mut co.window_mut(R_PIA, s, ages)[lo..hi] {
            *p *= idx;
        }
    }

    /// A share `ρ` of each cell retires; of them the share meeting the minimum years
    /// gets the basic + transitional pension and the account pension (balance × 12 ÷
    /// divisor), the others get their balance refunded.
    #[inline(always)]
    fn retire<T: ByAge<R>>(
        &mut self,
        sex: &SexYear<'_, R, T>,
        co: &mut Cohorts<R>,
        books: &mut Books<'_, R>,
    ) {
        let ch = self.rules;
        let m = sex.m;
        let ages = m.frame.ages();
        let (s, t1, from) = (sex.s, sex.t1, sex.from);
        let z = sex.wage.splat(0.0);
        let wrel = &m.contributions.relative_wage[s * ages..(s + 1) * ages];
        let mut refunds = [0.0; MAX_LANES];
        let mut converted = [0.0; MAX_LANES];
        // Added into the year's awards cell by cell (the order of the sums).
        let (mut count, mut amount, mut basic) = (
            each_lane(books.awards.count),
            each_lane(books.awards.amount),
            each_lane(books.awards.basic),
        );
        let wage = each_lane(sex.wage);
        for (state, k, rates, e) in [
            (A, [A_N, A_S, A_W, A_IA, A_D], &sex.rate, 0),
            (V, [V_N, V_S, V_W, V_IA, V_D], &sex.vested_rate, 1),
        ] {
            if state == V && !sex.shape.has_vested {
                continue;
            }
            let (slo, shi) = co.live(state, s);
            let lo = from.max(slo).max(1);
            if lo >= shi {
                continue;
            }
            let mut cells =
                co.windows_mut([k[0], k[1], k[2], k[3], k[4], R_N, R_P, R_PIA], s, ages);
            for x in lo..shi {
                let (rho_x, f_x) = (each_lane(rates.at(z, x)), each_lane(sex.factor.at(z, x)));
                let [mut n, mut sv, mut w, mut acc, mut dm, mut rn, mut rp, mut rpia] =
                    std::array::from_fn(|i| each_lane(cells[i][x]));
                for l in 0..R::LANES {
                    let (rho, n0) = (rho_x[l], n[l]);
                    if rho > 0.0 && n0 > 0.0 {
                        let service = sv[l] / n0;
                        let deemed = dm[l] / n0;
                        let wage_index = if sv[l] > 0.0 {
                            w[l] / sv[l]
                        } else {
                            wrel[x - 1]
                        };
                        let account = acc[l] / n0;
                        let eligible = ch.eligible_share_at(x, service + deemed);
                        let (pooled, own) =
                            ch.first_pension(t1, wage[l], service, deemed, wage_index, account, x);
                        let f = f_x[l];
                        let retiring = rho * n0;
                        let pensioners = retiring * eligible;
                        rn[l] += pensioners;
                        rp[l] += pensioners * (pooled + own) * f;
                        rpia[l] += pensioners * own * f;
                        refunds[l] += (retiring - pensioners) * account;
                        converted[l] += pensioners * account;
                        count[l] += pensioners;
                        amount[l] += pensioners * (pooled + own) * f;
                        basic[l] += pensioners * pooled * f;
                        if l == 0 {
                            books.ledger[e].moved_out += pensioners;
                            books.ledger[e].left += retiring - pensioners;
                            books.ledger[3].moved_in += pensioners;
                        }
                        n[l] = n0 - retiring;
                        for v in [&mut sv[l], &mut w[l], &mut acc[l], &mut dm[l]] {
                            *v *= 1.0 - rho;
                        }
                    }
                }
                for (cell, v) in cells.iter_mut().zip([n, sv, w, acc, dm, rn, rp, rpia]) {
                    cell[x] = z.from_fn(|l| v[l]);
                }
            }
            co.widen(R, s, (lo, shi));
            co.trim_top(state, k[0], s, ages);
        }
        let v = |a: [f64; MAX_LANES]| z.from_fn(|l| a[l]);
        self.refunds_now += v(refunds);
        self.converted += v(converted);
        books.awards.count = v(count);
        books.awards.amount = v(amount);
        books.awards.basic = v(basic);
    }

    /// The individual-account metrics of the year, the account ledger, and this year's
    /// refunds falling due next year.
    #[inline(always)]
    fn end_year(
        &mut self,
        m: &Model,
        co: &Cohorts<R>,
        t: usize,
        flows: &[ChinaYear; MAX_LANES],
        awards: &Awards<R>,
        rows: &mut [&mut [Row]],
        audit: bool,
    ) {
        let ages = m.frame.ages();
        let balances = each_lane(co.total(A_IA, ages) + co.total(V_IA, ages));
        let (count, basic) = (each_lane(awards.count), each_lane(awards.basic));
        for l in 0..R::LANES {
            use metric::*;
            let row = &mut rows[l][t];
            row[IA_CONTRIBUTIONS] = flows[l].credits;
            row[IA_FUND_END] = self.ia_fund[l];
            row[IA_BALANCES] = balances[l];
            row[IA_IMPLICIT_DEBT] = balances[l] - self.ia_fund[l];
            row[BASIC_PENSION_AVG] = ratio(basic[l], count[l]);
        }
        if audit {
            let cy = &flows[0];
            self.accounts.push(AccountLedger {
                start: cy.balances,
                interest: cy.interest,
                credits: cy.credits,
                refunds: self.refunds_now.lane(0),
                converted: self.converted.lane(0),
                end: balances[0],
            });
        }
        self.refunds_due = self.refunds_now;
    }
}
