//! The year loop: one path of the projection, MODEL.md's year step by step.
//!
//! Takes a [`Model`] and one path's economy ([`EconPath`]); writes one row of metrics per
//! year and returns the path's summary (depletion year, cumulative deficit and subsidy,
//! present value of deficits). A [`Projector`] owns its work arrays and reuses them for
//! every path: the loop allocates nothing.

use crate::benefits::Record;
use crate::demography::{sum, whole_age, State};
use crate::economy::EconPath;
use crate::model::Model;

/// Names of the yearly metrics, in the column order of `deterministic.csv` (after `year`).
pub const METRICS: [&str; 18] = [
    "contributors",
    "pensioners",
    "dependency_ratio",
    "average_wage",
    "average_pension",
    "replacement_ratio",
    "contributions",
    "payouts",
    "admin",
    "deficit",
    "subsidy",
    "fund_end",
    "cumulative_deficit",
    "vested",
    "disabled",
    "other_income",
    "new_pensions",
    "average_first_pension",
];
pub const N_METRICS: usize = METRICS.len();

/// Index of each metric in a [`Row`].
pub mod metric {
    pub const CONTRIBUTORS: usize = 0;
    pub const PENSIONERS: usize = 1;
    pub const DEPENDENCY_RATIO: usize = 2;
    pub const AVERAGE_WAGE: usize = 3;
    pub const AVERAGE_PENSION: usize = 4;
    pub const REPLACEMENT_RATIO: usize = 5;
    pub const CONTRIBUTIONS: usize = 6;
    pub const PAYOUTS: usize = 7;
    pub const ADMIN: usize = 8;
    pub const DEFICIT: usize = 9;
    pub const SUBSIDY: usize = 10;
    pub const FUND_END: usize = 11;
    pub const CUMULATIVE_DEFICIT: usize = 12;
    pub const VESTED: usize = 13;
    pub const DISABLED: usize = 14;
    pub const OTHER_INCOME: usize = 15;
    pub const NEW_PENSIONS: usize = 16;
    pub const AVERAGE_FIRST_PENSION: usize = 17;
}

/// One year's metrics (ratios are 0 when their denominator is 0).
pub type Row = [f64; N_METRICS];

/// What a path adds up to over the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PathSummary {
    /// Year index (0 = base year) in which the fund ran out, if it did.
    pub depletion: Option<usize>,
    /// Σ D_t over y0+1..=yH.
    pub cumulative_deficit: f64,
    /// Σ S_t over y0+1..=yH.
    pub cumulative_subsidy: f64,
    /// Σ D_t (1+d)^−(t − y0 − 0.5) over y0+1..=yH.
    pub pv_deficits: f64,
}

/// Head counts of one state through one year, for the population identity
/// `start + entered + moved_in − deaths − moved_out − left = end`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StateLedger {
    pub start: f64,
    pub deaths: f64,
    pub moved_in: f64,
    pub moved_out: f64,
    pub entered: f64,
    /// Left the scheme alive (non-vested leavers) or past the last age.
    pub left: f64,
    pub end: f64,
}

impl StateLedger {
    /// `start + entered + moved_in − deaths − moved_out − left − end` (0 when it reconciles).
    pub fn imbalance(&self) -> f64 {
        self.start + self.entered + self.moved_in
            - self.deaths
            - self.moved_out
            - self.left
            - self.end
    }
}

/// Ledgers of the four states for one year: A, V, I, R.
pub type YearLedger = [StateLedger; 4];

/// Projects paths of one model, reusing its work arrays.
pub struct Projector<'m> {
    model: &'m Model,
    state: State,
    q: Vec<f64>,
    factors: Vec<f64>,
    discount: Vec<f64>,
    has_vested: bool,
    has_disabled: bool,
    has_moves: bool,
    ledger: Option<Vec<YearLedger>>,
}

impl<'m> Projector<'m> {
    pub fn new(model: &'m Model) -> Projector<'m> {
        let f = model.frame;
        let d = model.economy.discount_rate;
        let discount = (0..f.years())
            .map(|t| (1.0 + d).powf(-(t as f64 - 0.5)))
            .collect();
        let moves = &model.moves;
        Projector {
            model,
            state: State::empty(f.ages()),
            q: vec![0.0; f.cells()],
            factors: vec![0.0; model.mortality.beta_values.len()],
            discount,
            has_vested: model.has_vested(),
            has_disabled: model.has_disabled(),
            has_moves: moves.disability.any_nonzero
                || moves.exit.any_nonzero
                || moves.reentry.any_nonzero,
            ledger: None,
        }
    }

    /// Turns on the head-count ledger (for audits and tests; costs a little time).
    pub fn with_ledger(mut self) -> Self {
        self.ledger = Some(vec![YearLedger::default(); self.model.frame.years()]);
        self
    }

    /// The ledger of the last path projected, one entry per year.
    pub fn ledger(&self) -> Option<&[YearLedger]> {
        self.ledger.as_deref()
    }

    /// The stocks after the last projected year's step (start of yH+1).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Projects one path; `rows` gets one row per year (base year first).
    pub fn run(&mut self, econ: &EconPath, rows: &mut [Row]) -> PathSummary {
        let m = self.model;
        let ages = m.frame.ages();
        let cells = m.frame.cells();
        self.state.copy_from(&m.initial);
        let mut fund = m.fund.initial;
        let mut growth = 1.0;
        let mut summary = PathSummary::default();

        for (t, row) in rows.iter_mut().enumerate().take(m.frame.years()) {
            let wage = econ.wage[t];
            if t >= 1 && m.economy.has_entrant_growth {
                growth *= 1.0 + econ.entrant_growth[t];
            }
            let mut ledger = YearLedger::default();
            if self.ledger.is_some() {
                ledger[0].start = sum(&self.state.active_n);
                ledger[1].start = sum(&self.state.vested_n);
                ledger[2].start = sum(&self.state.disabled_n);
                ledger[3].start = sum(&self.state.retired_n);
            }

            // 1. Flows on start-of-year stocks.
            let st = &mut self.state;
            let contributors = sum(&st.active_n);
            let contributions = m.contributions.collected(t, wage, &st.active_n);
            let retired = sum(&st.retired_n);
            let (disabled, disability_payouts) = if self.has_disabled {
                (sum(&st.disabled_n), sum(&st.disabled_pension))
            } else {
                (0.0, 0.0)
            };
            let vested = if self.has_vested {
                sum(&st.vested_n)
            } else {
                0.0
            };
            let payouts = sum(&st.retired_pension) + disability_payouts;
            let flows = m.fund.flows(t, contributions, payouts);

            // 2. Fund.
            let year = m.fund.roll_forward(t, fund, &flows, econ.fund_return[t]);
            fund = year.end;
            if summary.depletion.is_none() && year.before_subsidy < 0.0 {
                summary.depletion = Some(t);
            }
            if t >= 1 {
                summary.cumulative_deficit += year.deficit;
                summary.cumulative_subsidy += year.subsidy;
                summary.pv_deficits += year.deficit * self.discount[t];
            }
            let pensioners = retired + disabled;
            let average_pension = ratio(payouts, pensioners);
            use metric::*;
            row[CONTRIBUTORS] = contributors;
            row[PENSIONERS] = pensioners;
            row[DEPENDENCY_RATIO] = ratio(pensioners, contributors);
            row[AVERAGE_WAGE] = wage;
            row[AVERAGE_PENSION] = average_pension;
            row[REPLACEMENT_RATIO] = ratio(average_pension, wage);
            row[CONTRIBUTIONS] = contributions;
            row[PAYOUTS] = payouts;
            row[ADMIN] = flows.admin;
            row[DEFICIT] = year.deficit;
            row[SUBSIDY] = year.subsidy;
            row[FUND_END] = year.end;
            row[CUMULATIVE_DEFICIT] = summary.cumulative_deficit;
            row[VESTED] = vested;
            row[DISABLED] = disabled;
            row[OTHER_INCOME] = flows.other_income;

            // 3. Deaths, then service.
            m.mortality
                .fill_year(t, econ.mortality_k[t], &mut self.factors, &mut self.q);
            self.deaths_and_service(&mut ledger);

            // 4. Moves among the living.
            let mut awards = Awards::default();
            if self.has_moves {
                self.moves(t, wage, &mut awards, &mut ledger);
            }

            // 5. Ageing.
            let st = &mut self.state;
            if self.ledger.is_some() {
                ledger[0].left += st.active_n[ages - 1] + st.active_n[cells - 1];
                ledger[1].left += st.vested_n[ages - 1] + st.vested_n[cells - 1];
                ledger[2].left += st.disabled_n[ages - 1] + st.disabled_n[cells - 1];
                ledger[3].left += st.retired_n[ages - 1] + st.retired_n[cells - 1];
            }
            st.age_one_year();

            // 6. Indexation with the weights of year t+1.
            let ix = &m.indexation;
            let idx = 1.0
                + ix.wage_weight[t + 1] * econ.wage_growth[t]
                + ix.price_weight[t + 1] * econ.inflation[t]
                + ix.constant[t + 1];
            for p in st.retired_pension.iter_mut() {
                *p *= idx;
            }
            if self.has_disabled {
                for p in st.disabled_pension.iter_mut() {
                    *p *= idx;
                }
            }

            // 7. Retirement with the rules of year t+1.
            self.retirement(t + 1, wage, &mut awards, &mut ledger);

            // 8. Entrants at the start of t+1.
            self.entrants(t + 1, wage, growth, &mut ledger);

            row[NEW_PENSIONS] = awards.count;
            row[AVERAGE_FIRST_PENSION] = ratio(awards.amount, awards.count);
            if let Some(l) = self.ledger.as_mut() {
                let st = &self.state;
                ledger[0].end = sum(&st.active_n);
                ledger[1].end = sum(&st.vested_n);
                ledger[2].end = sum(&st.disabled_n);
                ledger[3].end = sum(&st.retired_n);
                l[t] = ledger;
            }
        }
        summary
    }

    /// Step 3: survival factors on every mass, then a year of service for surviving actives.
    fn deaths_and_service(&mut self, ledger: &mut YearLedger) {
        let m = self.model;
        let st = &mut self.state;
        let q = &self.q;
        let audit = self.ledger.is_some();
        let wrel = &m.contributions.relative_wage;
        let mut dead = [0.0; 4];
        for c in 0..q.len() {
            let p = 1.0 - q[c];
            if audit {
                dead[0] += st.active_n[c] * q[c];
                dead[3] += st.retired_n[c] * q[c];
            }
            let n = st.active_n[c] * p;
            st.active_n[c] = n;
            st.active_service[c] = st.active_service[c] * p + n;
            st.active_wage[c] = st.active_wage[c] * p + n * wrel[c];
            st.retired_n[c] *= p;
            st.retired_pension[c] *= p;
        }
        if self.has_vested {
            for c in 0..q.len() {
                let p = 1.0 - q[c];
                dead[1] += st.vested_n[c] * q[c];
                st.vested_n[c] *= p;
                st.vested_service[c] *= p;
                st.vested_wage[c] *= p;
            }
        }
        if self.has_disabled {
            let mi = m.mortality.disability_multiplier;
            for c in 0..q.len() {
                let qi = (mi * q[c]).min(1.0);
                dead[2] += st.disabled_n[c] * qi;
                st.disabled_n[c] *= 1.0 - qi;
                st.disabled_pension[c] *= 1.0 - qi;
            }
        }
        for (l, d) in ledger.iter_mut().zip(dead) {
            l.deaths = d;
        }
    }

    /// Step 4: disability, exits (with vesting) and re-entry, all from the same
    /// post-accrual stocks, with the rates of year index `t` and the wage `W_t`.
    fn moves(&mut self, t: usize, wage: f64, awards: &mut Awards, ledger: &mut YearLedger) {
        let m = self.model;
        let cells = m.frame.cells();
        let ages = m.frame.ages();
        let mv = &m.moves;
        let delta = mv.disability.year(t, cells);
        let ell = mv.exit.year(t, cells);
        let eta = mv.reentry.year(t, cells);
        let vesting = mv.vesting_share[t];
        let d_i = m.benefits.disability_factor[t];
        let wrel = &m.contributions.relative_wage;
        let st = &mut self.state;
        for c in 0..cells {
            let (an, as_, aw) = (st.active_n[c], st.active_service[c], st.active_wage[c]);
            let (vn, vs, vw) = (st.vested_n[c], st.vested_service[c], st.vested_wage[c]);
            let (d, l, e) = (delta[c], ell[c], eta[c]);
            if an > 0.0 && d > 0.0 {
                let to_i = d * an;
                let record = Record {
                    service: as_ / an,
                    wage_index: if as_ > 0.0 { aw / as_ } else { wrel[c] },
                    final_wage: wrel[c],
                };
                let p = m.benefits.floored_pension(t, wage, &record) * d_i;
                st.disabled_n[c] += to_i;
                st.disabled_pension[c] += to_i * p;
                awards.add(to_i, p);
                ledger[0].moved_out += to_i;
                ledger[2].moved_in += to_i;
            }
            let stay = 1.0 - d - l;
            let to_v = vesting * l;
            ledger[0].moved_out += l * an * vesting;
            ledger[0].left += l * an * (1.0 - vesting);
            ledger[1].moved_in += l * an * vesting;
            ledger[1].moved_out += e * vn;
            ledger[0].moved_in += e * vn;
            st.active_n[c] = an * stay + e * vn;
            st.active_service[c] = as_ * stay + e * vs;
            st.active_wage[c] = aw * stay + e * vw;
            st.vested_n[c] = vn * (1.0 - e) + to_v * an;
            st.vested_service[c] = vs * (1.0 - e) + to_v * as_;
            st.vested_wage[c] = vw * (1.0 - e) + to_v * aw;
        }
        let _ = ages;
    }

    /// Step 7: retirement of actives and vested members and disability conversion, with
    /// the rules of year index `t1` (= t+1) and the wage `W_t`; ages are after ageing.
    fn retirement(&mut self, t1: usize, wage: f64, awards: &mut Awards, ledger: &mut YearLedger) {
        let m = self.model;
        let ages = m.frame.ages();
        let cells = m.frame.cells();
        let r = &m.retirement;
        let rate = r.rate.year(t1, cells);
        let early = r.early_rate.year(t1, cells);
        let vrate = r.vested_rate.year(t1, cells);
        let vearly = r.vested_early_rate.year(t1, cells);
        let wrel = &m.contributions.relative_wage;
        let b = &m.benefits;
        let st = &mut self.state;
        for s in 0..2 {
            let ra = whole_age(r.age[s][t1]);
            let conversion = match &m.moves.conversion_age {
                Some(a) => whole_age(a[s][t1]),
                None => ra,
            };
            for x in 0..ages {
                let c = s * ages + x;
                let final_wage = wrel[s * ages + x.saturating_sub(1)];
                let factor = b.age_factor(t1, x, ra);
                let rho = if x >= ra { rate[c] } else { early[c] };
                let an = st.active_n[c];
                if rho > 0.0 && an > 0.0 {
                    let record =
                        cell_record(an, st.active_service[c], st.active_wage[c], final_wage);
                    let p = b.floored_pension(t1, wage, &record) * factor;
                    let n = rho * an;
                    st.retired_n[c] += n;
                    st.retired_pension[c] += n * p;
                    st.active_n[c] = an - n;
                    st.active_service[c] *= 1.0 - rho;
                    st.active_wage[c] *= 1.0 - rho;
                    awards.add(n, p);
                    ledger[0].moved_out += n;
                    ledger[3].moved_in += n;
                }
                if self.has_vested {
                    let rho_v = if x >= ra { vrate[c] } else { vearly[c] };
                    let vn = st.vested_n[c];
                    if rho_v > 0.0 && vn > 0.0 {
                        let record =
                            cell_record(vn, st.vested_service[c], st.vested_wage[c], final_wage);
                        let p = b.floored_pension(t1, wage, &record) * factor;
                        let n = rho_v * vn;
                        st.retired_n[c] += n;
                        st.retired_pension[c] += n * p;
                        st.vested_n[c] = vn - n;
                        st.vested_service[c] *= 1.0 - rho_v;
                        st.vested_wage[c] *= 1.0 - rho_v;
                        awards.add(n, p);
                        ledger[1].moved_out += n;
                        ledger[3].moved_in += n;
                    }
                }
                if self.has_disabled && x >= conversion && st.disabled_n[c] > 0.0 {
                    ledger[2].moved_out += st.disabled_n[c];
                    ledger[3].moved_in += st.disabled_n[c];
                    st.retired_n[c] += st.disabled_n[c];
                    st.retired_pension[c] += st.disabled_pension[c];
                    st.disabled_n[c] = 0.0;
                    st.disabled_pension[c] = 0.0;
                }
            }
        }
    }

    /// Step 8: new contributors and pensioner entrants at the start of year index `t1`.
    fn entrants(&mut self, t1: usize, wage: f64, growth: f64, ledger: &mut YearLedger) {
        let m = self.model;
        let ages = m.frame.ages();
        let st = &mut self.state;
        let e = &m.entrants;
        let total = e.count[t1] * growth;
        if total > 0.0 {
            for s in 0..2 {
                let share = sex_share(e.male_share[t1], s);
                let n = total * share;
                let cells = &mut st.active_n[s * ages..(s + 1) * ages];
                for (a, w) in cells.iter_mut().zip(&e.profile[s]) {
                    *a += n * w;
                }
            }
            ledger[0].entered += total;
        }
        if let Some(pe) = &m.pensioner_entrants {
            let total = pe.count[t1];
            if total > 0.0 {
                let pension = pe.pension[t1] * wage;
                for s in 0..2 {
                    let n = total * sex_share(pe.male_share[t1], s);
                    for x in 0..ages {
                        let k = n * pe.profile[s][x];
                        st.retired_n[s * ages + x] += k;
                        st.retired_pension[s * ages + x] += k * pension;
                    }
                }
                ledger[3].entered += total;
            }
        }
    }
}

/// A cell's averages for the benefit formula: `s̄ = S/N`, `ω̄ = Ω/S` (the final relative
/// wage when S = 0).
#[inline]
fn cell_record(n: f64, service: f64, wage_mass: f64, final_wage: f64) -> Record {
    Record {
        service: service / n,
        wage_index: if service > 0.0 {
            wage_mass / service
        } else {
            final_wage
        },
        final_wage,
    }
}

#[inline]
fn sex_share(male_share: f64, s: usize) -> f64 {
    if s == 0 {
        male_share
    } else {
        1.0 - male_share
    }
}

#[inline]
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// New pensions awarded in a year: count and total first pension.
#[derive(Default)]
struct Awards {
    count: f64,
    amount: f64,
}

impl Awards {
    #[inline]
    fn add(&mut self, n: f64, pension: f64) {
        self.count += n;
        self.amount += n * pension;
    }
}
