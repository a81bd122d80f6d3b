//! The year loop: paths of the projection, MODEL.md's year step by step.
//!
//! Takes a [`Model`] and one economy ([`EconPath`]) per path; writes one row of metrics
//! per year and returns each path's summary (depletion year, cumulative deficit and
//! subsidy, present value of deficits). A [`Projector`] owns its work arrays and reuses
//! them for every path: the loop allocates nothing.
//!
//! A `Projector<R>` projects `R::LANES` paths at once, one per lane of every cell (a
//! [`Real`]: `f64` for one path, a lane type of [`crate::simd`] for several), so that each
//! operation on a cell is one vector operation over paths. Every lane does exactly the
//! scalar operations of a one-path projection, in the same order, and sums over ages are
//! grouped by age mod 4 (see `cohorts::range_sum`): a path's numbers are bit for bit the
//! same whatever the lane type and whichever paths share its lanes.

use crate::china::ChinaRules;
use crate::cohorts::{
    nonzero_range, range_dot_lanes, range_fold, range_sum_dot, Cohorts, Term, A, A_D, A_IA, A_N,
    A_S, A_W, I, I_N, I_P, N_ARRAYS, R, R_N, R_P, R_PIA, V, V_D, V_IA, V_N, V_S, V_W,
};
use crate::demography::{whole_age, State};
use crate::economy::EconPath;
use crate::model::Model;
use crate::simd::{Kernel, Real, MAX_LANES};

/// Names of the yearly metrics, in the column order of `deterministic.csv` (after `year`).
pub const METRICS: [&str; 23] = [
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
    "ia_contributions",
    "ia_fund_end",
    "ia_balances",
    "ia_implicit_debt",
    "basic_pension_avg",
];
/// Metrics of MODEL.md (the columns of every scenario); the rest exist only under China's
/// rules (`china_urban_employee`).
pub const N_BASE_METRICS: usize = 18;

/// Metrics a model reports: MODEL.md's, plus the individual-account ones under China's
/// rules. Monte Carlo series and output columns use the first this many of a [`Row`].
pub fn metrics_of(model: &Model) -> usize {
    if model.china.is_some() {
        N_METRICS
    } else {
        N_BASE_METRICS
    }
}
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
    /// Employee contributions credited to individual accounts.
    pub const IA_CONTRIBUTIONS: usize = 18;
    /// Individual-account fund at year end (funded accounts).
    pub const IA_FUND_END: usize = 19;
    /// Notional balances of all individual accounts at year end.
    pub const IA_BALANCES: usize = 20;
    /// Balances minus the individual-account fund: the debt of empty accounts (negative
    /// when the fund holds more than the balances).
    pub const IA_IMPLICIT_DEBT: usize = 21;
    /// Average first basic + transitional pension of the year's awards.
    pub const BASIC_PENSION_AVG: usize = 22;
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

/// Individual-account balances through one year (China's rules), for the roll-forward
/// identity `start + interest + credits − refunds − converted = end`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AccountLedger {
    pub start: f64,
    pub interest: f64,
    pub credits: f64,
    /// Balances paid out: members who died, left without rights, became disabled, or
    /// retired short of the minimum years.
    pub refunds: f64,
    /// Balances turned into account pensions at retirement.
    pub converted: f64,
    pub end: f64,
}

impl AccountLedger {
    pub fn imbalance(&self) -> f64 {
        self.start + self.interest + self.credits - self.refunds - self.converted - self.end
    }
}

/// Projects paths of one model, `R::LANES` at a time (one per lane), reusing its work
/// arrays. `Projector::new` makes the one-path projector; [`Projector::lanes`] one of
/// any lane type.
pub struct Projector<'m, R: Real = f64> {
    model: &'m Model,
    /// A zero of the lane type (every other value is made from it).
    zero: R,
    cohorts: Cohorts<R>,
    used: [bool; N_ARRAYS],
    /// Scratch: one sex's q for the year.
    q: Vec<R>,
    /// Discount factor of each year index for the present value of deficits.
    discount: Vec<f64>,
    /// For each year index t1 and sex, the first age at which anyone may retire.
    retire_from: Vec<[usize; 2]>,
    /// Retirement rates of actives and of vested members in force at each age (`ρ` at
    /// ages ≥ RA, the early rate below), and the age adjustment of a pension starting at
    /// that age: `[t1][s][x]`, resolved once per run.
    retire_rate: Vec<f64>,
    vested_retire_rate: Vec<f64>,
    start_factor: Vec<f64>,
    /// Age ranges of equal β: (from, to, index into beta values).
    beta_ranges: Vec<(usize, usize, usize)>,
    factors: Vec<R>,
    /// Ages at which entrants and pensioner entrants arrive, by sex.
    entry_range: [(usize, usize); 2],
    pensioner_range: [(usize, usize); 2],
    has_vested: bool,
    has_disabled: bool,
    has_exits: bool,
    /// Whether the benefit formula reads service and career wages (else the service and
    /// wage-index masses are not tracked at all: the `replacement` formula needs neither).
    track_records: bool,
    ledger: Option<Vec<YearLedger>>,
    /// Automatic adjustments, path state: contribution rate added by step-ups, whether
    /// the indexation brake holds this year, life expectancy at 60 by sex (base year,
    /// this year).
    extra_rate: [f64; MAX_LANES],
    brake: [bool; MAX_LANES],
    e60_base: [[f64; MAX_LANES]; 2],
    e60: [[f64; MAX_LANES]; 2],
    /// Scratch for retirement rules that depend on the path (retirement age linked to
    /// life expectancy): rates of actives and vested members and the age adjustment.
    dyn_rate: Vec<R>,
    dyn_vrate: Vec<R>,
    dyn_factor: Vec<R>,
    /// China's rules, path state: each cell's contribution base relative to `W_t` this
    /// year, the individual-account fund, refunds decided this year (paid next year).
    base_rel: Vec<R>,
    ia_fund: [f64; MAX_LANES],
    refunds_due: R,
    refunds_now: R,
    /// Account ledger of the last path (with the head-count ledger, China's rules).
    accounts: Vec<AccountLedger>,
    converted: R,
}

impl<'m> Projector<'m> {
    /// A projector of one path at a time.
    pub fn new(model: &'m Model) -> Projector<'m> {
        Projector::lanes(model, 0.0)
    }

    /// Turns on the head-count ledger (for audits and tests; costs a little time).
    pub fn with_ledger(mut self) -> Self {
        self.ledger = Some(vec![YearLedger::default(); self.model.frame.years()]);
        self
    }

    /// Projects one path; `rows` gets one row per year (base year first).
    pub fn run(&mut self, econ: &EconPath, rows: &mut [Row]) -> PathSummary {
        self.run_lanes(&[econ], &mut [rows])[0]
    }

    /// The stocks after the last projected year's step (start of yH+1), by age.
    pub fn state(&self) -> State {
        self.cohorts.to_state(self.model.frame.ages(), 0)
    }
}

impl<'m, R: Real> Projector<'m, R> {
    /// A projector of `R::LANES` paths at a time; `zero` is a zero of the lane type.
    pub fn lanes(model: &'m Model, zero: R) -> Projector<'m, R> {
        let f = model.frame;
        let (ages, cells) = (f.ages(), f.cells());
        let d = model.economy.discount_rate;
        let discount = (0..f.years())
            .map(|t| crate::math::powf(1.0 + d, -(t as f64 - 0.5)))
            .collect();
        let has_vested = model.has_vested();
        let has_disabled = model.has_disabled();
        let track_records =
            model.benefits.formula != crate::benefits::Formula::Replacement || has_vested;
        let mut used = [true; N_ARRAYS];
        if model.china.is_none() {
            for k in [A_IA, A_D, V_IA, V_D, R_PIA] {
                used[k] = false;
            }
        }
        if !track_records {
            used[A_S] = false;
            used[A_W] = false;
        }
        if !has_vested {
            used[V_N] = false;
            used[V_S] = false;
            used[V_W] = false;
        }
        if !has_disabled {
            used[I_N] = false;
            used[I_P] = false;
        }
        let r = &model.retirement;
        let retire_from = (0..f.sched_len())
            .map(|t1| {
                let mut from = [ages; 2];
                for (s, first) in from.iter_mut().enumerate() {
                    let ra = whole_age(r.age[s][t1]);
                    let rate = r.rate.year(t1, cells);
                    let early = r.early_rate.year(t1, cells);
                    let vrate = r.vested_rate.year(t1, cells);
                    let vearly = r.vested_early_rate.year(t1, cells);
                    let conversion = match &model.moves.conversion_age {
                        Some(a) => whole_age(a[s][t1]),
                        None => ra,
                    };
                    *first = (0..ages)
                        .find(|&x| {
                            let c = s * ages + x;
                            let (a, v) = if x >= ra {
                                (rate[c], vrate[c])
                            } else {
                                (early[c], vearly[c])
                            };
                            a > 0.0 || (has_vested && v > 0.0) || (has_disabled && x >= conversion)
                        })
                        .unwrap_or(ages);
                }
                from
            })
            .collect();
        let mut retire_rate = vec![0.0; f.sched_len() * cells];
        let mut vested_retire_rate = vec![0.0; f.sched_len() * cells];
        let mut start_factor = vec![0.0; f.sched_len() * cells];
        for t1 in 0..f.sched_len() {
            let rate = r.rate.year(t1, cells);
            let early = r.early_rate.year(t1, cells);
            let vrate = r.vested_rate.year(t1, cells);
            let vearly = r.vested_early_rate.year(t1, cells);
            for s in 0..2 {
                let ra = whole_age(r.age[s][t1]);
                for x in 0..ages {
                    let c = s * ages + x;
                    let i = t1 * cells + c;
                    let above = x >= ra;
                    retire_rate[i] = if above { rate[c] } else { early[c] };
                    vested_retire_rate[i] = if above { vrate[c] } else { vearly[c] };
                    start_factor[i] = model.benefits.age_factor(t1, x, ra);
                }
            }
        }
        let beta_ranges = model.mortality.beta_ranges();
        let moves = &model.moves;
        Projector {
            model,
            zero,
            cohorts: Cohorts::new(zero, f.years(), ages),
            used,
            q: vec![zero; ages],
            discount,
            retire_from,
            retire_rate,
            vested_retire_rate,
            start_factor,
            beta_ranges,
            factors: vec![zero; model.mortality.beta_values.len()],
            entry_range: [
                nonzero_range(&model.entrants.profile[0]),
                nonzero_range(&model.entrants.profile[1]),
            ],
            pensioner_range: match &model.pensioner_entrants {
                Some(pe) => [nonzero_range(&pe.profile[0]), nonzero_range(&pe.profile[1])],
                None => [(0, 0); 2],
            },
            has_vested,
            has_disabled,
            has_exits: moves.exit.any_nonzero || moves.reentry.any_nonzero,
            track_records,
            ledger: None,
            extra_rate: [0.0; MAX_LANES],
            brake: [false; MAX_LANES],
            e60_base: [[0.0; MAX_LANES]; 2],
            e60: [[0.0; MAX_LANES]; 2],
            dyn_rate: vec![zero; ages],
            dyn_vrate: vec![zero; ages],
            dyn_factor: vec![zero; ages],
            base_rel: vec![zero; cells],
            ia_fund: [0.0; MAX_LANES],
            refunds_due: zero,
            refunds_now: zero,
            accounts: Vec::new(),
            converted: zero,
        }
    }

    /// The individual-account ledger of the last path (China's rules, with the ledger on).
    pub fn account_ledger(&self) -> &[AccountLedger] {
        &self.accounts
    }

    /// The ledger of the last path projected, one entry per year.
    pub fn ledger(&self) -> Option<&[YearLedger]> {
        self.ledger.as_deref()
    }

    /// Projects `R::LANES` paths, one per lane: path `l` reads `econ[l]` and writes one
    /// row per year into `rows[l]` (base year first); returns the paths' summaries in
    /// lanes `0..R::LANES`. The ledger, when on, follows lane 0. The year loop is
    /// compiled for the lane type's instruction set ([`Real::enter`]).
    pub fn run_lanes(
        &mut self,
        econ: &[&EconPath],
        rows: &mut [&mut [Row]],
    ) -> [PathSummary; MAX_LANES] {
        assert!(
            econ.len() == R::LANES && rows.len() == R::LANES,
            "one path per lane"
        );
        self.zero.enter(Project {
            projector: self,
            econ,
            rows,
        })
    }

    /// The year loop of [`Self::run_lanes`]; everything it calls is inlined into it, so
    /// that it is compiled for the instruction set of its caller.
    #[inline(always)]
    fn project(&mut self, econ: &[&EconPath], rows: &mut [&mut [Row]]) -> [PathSummary; MAX_LANES] {
        let m = self.model;
        let z = self.zero;
        let ages = m.frame.ages();
        let years = m.frame.years();
        self.cohorts.load(&m.initial, years, &self.used);
        let mut fund = [m.fund.initial; MAX_LANES];
        let mut growth = z.splat(1.0);
        let mut summary = [PathSummary::default(); MAX_LANES];
        let audit = self.ledger.is_some();
        self.extra_rate = [0.0; MAX_LANES];
        self.brake = [false; MAX_LANES];
        let adj = &m.adjustments;
        let china = m.china.as_ref();
        self.ia_fund = [china.map_or(0.0, |c| c.fund_initial); MAX_LANES];
        self.refunds_due = z;
        self.accounts.clear();
        // Step 3's passes over R (and over A, when actives are the only members and
        // carry no records) also take the start-of-year sums of step 1, and then run
        // before the fund step: possible when step 3 does not depend on the fund (no
        // indexation brake), without China's rules (whose flows read the stocks first)
        // and without the ledger. The sums are the same numbers either way.
        let fused = !audit && china.is_none() && adj.indexation_brake.is_none();
        let fuse_actives = fused && !self.track_records && !self.has_vested && !self.has_disabled;

        for t in 0..years {
            let wage = z.from_fn(|l| econ[l].wage[t]);
            if t >= 1 && m.economy.has_entrant_growth {
                growth *= z.from_fn(|l| 1.0 + econ[l].entrant_growth[t]);
            }
            let mut ledger = YearLedger::default();
            let co = &self.cohorts;
            if audit {
                for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                    e.start = co.total(k, ages).lane(0);
                }
            }

            // 1. Flows on start-of-year stocks.
            let wrel = &m.contributions.relative_wage;
            let mut contributors = z;
            let mut wage_base = z;
            if !fuse_actives {
                for s in 0..2 {
                    let (lo, hi) = co.live(A, s);
                    let (n, w) =
                        range_sum_dot(z, co.window(A_N, s, ages), &wrel[s * ages..], lo, hi);
                    contributors += n;
                    wage_base += w;
                }
            }
            let [mut retired, mut retired_payouts] = if fused {
                [z; 2]
            } else {
                co.total_pair(R_N, R_P, ages)
            };
            let [disabled, disability_payouts] = if self.has_disabled {
                co.total_pair(I_N, I_P, ages)
            } else {
                [z; 2]
            };
            let vested = if self.has_vested {
                co.total(V_N, ages)
            } else {
                z
            };
            let china_year = match china {
                Some(ch) => {
                    let growth_now = z.from_fn(|l| econ[l].wage_growth[t]);
                    self.china_flows(ch, t, wage, growth_now)
                }
                None => [ChinaYear::default(); MAX_LANES],
            };
            let k = z.from_fn(|l| econ[l].mortality_k[t]);
            let mut awards = Awards::new(z);
            // The indexation of step 6 (set with step 3, which indexes R).
            let mut idx = z.splat(1.0);
            if fused {
                // 3. and 4., with the start-of-year sums.
                idx = self.indexation(t, econ);
                let sums = self.deaths_and_service(t, k, idx, wage, &mut awards, &mut ledger);
                [retired, retired_payouts] = [sums.retired, sums.payouts];
                if fuse_actives {
                    [contributors, wage_base] = [sums.contributors, sums.wage_base];
                }
            }
            let [wage_l, contributors, wage_base, retired, disabled, vested] =
                [wage, contributors, wage_base, retired, disabled, vested].map(each_lane);
            let pension_mass = each_lane(retired_payouts + disability_payouts);
            for l in 0..R::LANES {
                let cy = &china_year[l];
                let rate = match &adj.contribution_step {
                    Some(c) => (m.contributions.rate[t] + self.extra_rate[l])
                        .min(c.max_rate.max(m.contributions.rate[t])),
                    None => m.contributions.rate[t],
                };
                let mut contributions =
                    m.contributions
                        .collected_from(t, wage_l[l], rate, wage_base[l]);
                let pension_mass = pension_mass[l];
                let mut payouts = pension_mass;
                if china.is_some() {
                    contributions = cy.pooled_contributions;
                    payouts -= cy.account_pensions_from_fund;
                    payouts += cy.refunds_from_pool;
                }
                let mut flows = m.fund.flows(t, contributions, payouts);
                flows.other_income += cy.transfer;

                // 2. Fund.
                let r = econ[l].fund_return[t];
                let year = m.fund.roll_forward(t, fund[l], &flows, r);
                fund[l] = year.end;
                let sm = &mut summary[l];
                if sm.depletion.is_none() && year.before_subsidy < 0.0 {
                    sm.depletion = Some(t);
                }
                if t >= 1 {
                    sm.cumulative_deficit += year.deficit;
                    sm.cumulative_subsidy += year.subsidy;
                    sm.pv_deficits += year.deficit * self.discount[t];
                }
                // Automatic adjustments triggered by the fund ratio F_{t+1} / B_t.
                let low_reserve = |threshold: f64| payouts > 0.0 && year.end < threshold * payouts;
                if let Some(c) = &adj.contribution_step {
                    if low_reserve(c.threshold) {
                        self.extra_rate[l] += c.step;
                    }
                }
                self.brake[l] = adj
                    .indexation_brake
                    .is_some_and(|b| low_reserve(b.threshold));
                if china.is_some() {
                    self.ia_fund[l] = self.ia_fund[l] * (1.0 + r)
                        + (cy.invested - cy.account_pensions_from_fund - cy.refunds_from_fund)
                            * (1.0 + r / 2.0);
                }
                let pensioners = retired[l] + disabled[l];
                let average_pension = ratio(pension_mass, pensioners);
                use metric::*;
                let row = &mut rows[l][t];
                row[CONTRIBUTORS] = contributors[l];
                row[PENSIONERS] = pensioners;
                row[DEPENDENCY_RATIO] = ratio(pensioners, contributors[l]);
                row[AVERAGE_WAGE] = wage_l[l];
                row[AVERAGE_PENSION] = average_pension;
                row[REPLACEMENT_RATIO] = ratio(average_pension, wage_l[l]);
                row[CONTRIBUTIONS] = contributions;
                row[PAYOUTS] = payouts;
                row[ADMIN] = flows.admin;
                row[DEFICIT] = year.deficit;
                row[SUBSIDY] = year.subsidy;
                row[FUND_END] = year.end;
                row[CUMULATIVE_DEFICIT] = sm.cumulative_deficit;
                row[VESTED] = vested[l];
                row[DISABLED] = disabled[l];
                row[OTHER_INCOME] = flows.other_income;
            }

            if !fused {
                // 3. Deaths, then service; 4. moves among the living (disability and
                // exits in the same pass).
                idx = self.indexation(t, econ);
                self.deaths_and_service(t, k, idx, wage, &mut awards, &mut ledger);
            }
            if china.is_some() && (self.has_exits || m.moves.disability.any_nonzero) {
                self.china_moves(t);
            }

            // 5. Ageing.
            if audit {
                let co = &self.cohorts;
                for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                    e.left += co.window(k, 0, ages)[ages - 1].lane(0)
                        + co.window(k, 1, ages)[ages - 1].lane(0);
                }
            }
            self.cohorts.age_one_year(ages);

            // 6. Indexation with the weights of year t+1 (old-age pension masses are
            // indexed in step 3's pass over R: nothing enters R in between).
            let indexed = [(I, I_P, self.has_disabled), (R, R_PIA, china.is_some())];
            for s in 0..2 {
                for (state, k, on) in indexed {
                    if !on {
                        continue;
                    }
                    let (lo, hi) = self.cohorts.live(state, s);
                    for p in &mut self.cohorts.window_mut(k, s, ages)[lo..hi] {
                        *p *= idx;
                    }
                }
            }

            // 7. Retirement with the rules of year t+1.
            self.retirement(t + 1, wage, &mut awards, &mut ledger);

            // 8. Entrants at the start of t+1.
            self.entrants(t + 1, wage, growth, &mut ledger);

            let balances = each_lane(if china.is_some() {
                self.cohorts.total(A_IA, ages) + self.cohorts.total(V_IA, ages)
            } else {
                z
            });
            let [count, amount, basic] = [awards.count, awards.amount, awards.basic].map(each_lane);
            for l in 0..R::LANES {
                use metric::*;
                let row = &mut rows[l][t];
                row[NEW_PENSIONS] = count[l];
                row[AVERAGE_FIRST_PENSION] = ratio(amount[l], count[l]);
                if china.is_some() {
                    row[IA_CONTRIBUTIONS] = china_year[l].credits;
                    row[IA_FUND_END] = self.ia_fund[l];
                    row[IA_BALANCES] = balances[l];
                    row[IA_IMPLICIT_DEBT] = balances[l] - self.ia_fund[l];
                    row[BASIC_PENSION_AVG] = ratio(basic[l], count[l]);
                }
            }
            if china.is_some() {
                if audit {
                    let cy = &china_year[0];
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
            if let Some(book) = self.ledger.as_mut() {
                let co = &self.cohorts;
                for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                    e.end = co.total(k, ages).lane(0);
                }
                book[t] = ledger;
            }
        }
        summary
    }

    /// The indexation of step 6 (`1 + rise`), with the weights of year t+1; the brake
    /// holds where this year's fund step set it.
    #[inline(always)]
    fn indexation(&self, t: usize, econ: &[&EconPath]) -> R {
        let ix = &self.model.indexation;
        let brake = &self.model.adjustments.indexation_brake;
        self.zero.from_fn(|l| {
            let mut rise = ix.wage_weight[t + 1] * econ[l].wage_growth[t]
                + ix.price_weight[t + 1] * econ[l].inflation[t]
                + ix.constant[t + 1];
            if let (true, Some(b)) = (self.brake[l], brake) {
                if rise > 0.0 {
                    rise *= b.factor;
                }
            }
            1.0 + rise
        })
    }

    /// China's rules, step 1: contribution bases, credits to the accounts (with a year's
    /// interest on their balances), the split of employee contributions between the
    /// pooled fund and the individual-account fund, the central transfer, and who pays
    /// account pensions and last year's refunds (the account fund pays its funded share
    /// `φ = F_IA / Σ balances`, capped at 1; `φ = f_t` when no balances exist).
    #[inline(always)]
    fn china_flows(
        &mut self,
        ch: &ChinaRules,
        t: usize,
        wage: R,
        growth: R,
    ) -> [ChinaYear; MAX_LANES] {
        let m = self.model;
        let z = self.zero;
        let ages = m.frame.ages();
        let wrel = &m.contributions.relative_wage;
        let previous = each_lane(z.splat(1.0) / (z.splat(1.0) + growth));
        for (b, w) in self.base_rel.iter_mut().zip(wrel) {
            *b = z.from_fn(|l| ch.relative_base(t, *w, previous[l]));
        }
        let k = m.contributions.collection_rate[t];
        let credit_rate = z.splat(ch.employee_rate[t]) * z.splat(k) * wage;
        let interest = z.splat(1.0 + ch.crediting_rate[t]);
        let co = &mut self.cohorts;
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

    /// China's rules, step 4: account balances and deemed years move with their members
    /// (`A ← A (1 − δ − ℓ) + η V`, `V ← V (1 − η) + v ℓ A`); the accounts of the disabled
    /// and of leavers who keep no rights are refunded.
    #[inline(always)]
    fn china_moves(&mut self, t: usize) {
        let m = self.model;
        let (ages, cells) = (m.frame.ages(), m.frame.cells());
        let mv = &m.moves;
        let vesting = mv.vesting_share[t];
        let with_disability = self.has_disabled && mv.disability.any_nonzero;
        for s in 0..2 {
            let range = s * ages..(s + 1) * ages;
            let delta = &mv.disability.year(t, cells)[range.clone()];
            let ell = &mv.exit.year(t, cells)[range.clone()];
            let eta = &mv.reentry.year(t, cells)[range];
            let co = &mut self.cohorts;
            let [a_acc, a_d, v_acc, v_d] = co.windows_mut([A_IA, A_D, V_IA, V_D], s, ages);
            let z = self.zero;
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

    /// Step 3: survival factors on every mass, then a year of service for surviving
    /// actives; old-age pension masses are also multiplied by the indexation factor `idx`
    /// of step 6 (the same two multiplications, in the same order, as two passes).
    /// Returns step 1's start-of-year sums of R, and of A where [`Self::members`] takes
    /// them (see [`StartSums`]), read from each cell before it is updated.
    #[inline(always)]
    fn deaths_and_service(
        &mut self,
        t: usize,
        k: R,
        idx: R,
        wage: R,
        awards: &mut Awards<R>,
        ledger: &mut YearLedger,
    ) -> StartSums<R> {
        let m = self.model;
        let z = self.zero;
        let ages = m.frame.ages();
        let audit = self.ledger.is_some();
        self.refunds_now = z;
        self.converted = z;
        let mut sums = StartSums {
            retired: z,
            payouts: z,
            contributors: z,
            wage_base: z,
        };
        for (f, b) in self.factors.iter_mut().zip(&m.mortality.beta_values) {
            *f = k.map(|k| {
                if k == 0.0 {
                    1.0
                } else {
                    crate::math::exp(b * k)
                }
            });
        }
        let mi = m.mortality.disability_multiplier;
        for s in 0..2 {
            // q is needed at the ages someone can be at (every age for the ledger and for
            // life expectancy at 60).
            let first = if audit || m.adjustments.retirement_age.is_some() {
                0
            } else {
                [A, V, I, R]
                    .iter()
                    .map(|&state| self.cohorts.live(state, s))
                    .filter(|(lo, hi)| lo < hi)
                    .map(|(lo, _)| lo)
                    .min()
                    .unwrap_or(ages)
            };
            m.mortality
                .fill_sex(t, s, &self.beta_ranges, &self.factors, first, &mut self.q);
            let q = &self.q[..];
            if m.adjustments.retirement_age.is_some() {
                for l in 0..R::LANES {
                    self.e60[s][l] = life_expectancy(q.iter().map(|q| q.lane(l)), 60);
                    if t == 0 {
                        self.e60_base[s][l] = self.e60[s][l];
                    }
                }
            }
            let co = &mut self.cohorts;
            if audit {
                for (e, k) in [(0, A_N), (1, V_N), (3, R_N)] {
                    ledger[e].deaths +=
                        range_dot_lanes(z, co.window(k, s, ages), q, 0, ages).lane(0);
                }
                if self.has_disabled {
                    ledger[2].deaths += co
                        .window(I_N, s, ages)
                        .iter()
                        .zip(q)
                        .map(|(n, q)| n.lane(0) * (mi * q.lane(0)).min(1.0))
                        .sum::<f64>();
                }
            }
            if m.china.is_some() {
                // Accounts of members who die are paid to their heirs (next year).
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
            let (lo, hi) = co.live(R, s);
            let [rn, rp] = co.windows_mut([R_N, R_P], s, ages);
            let one = z.splat(1.0);
            let [n, p] = range_fold(
                z,
                lo,
                hi,
                PensionerDeaths {
                    rn,
                    rp,
                    q,
                    idx,
                    one,
                },
            );
            sums.retired += n;
            sums.payouts += p;
            // Actives, vested members and the disabled: deaths, service, disability, exits.
            let [n, w] = self.members(t, s, wage, awards, ledger);
            sums.contributors += n;
            sums.wage_base += w;
        }
        sums
    }

    /// Steps 3 and 4 for the members of sex `s`, in one pass over the ages of actives,
    /// vested members and the disabled, cell by cell in MODEL.md's order: deaths and a
    /// year of service of actives (the wage index accrues the relative wage, or under
    /// China's rules the relative contribution base), deaths of vested members and of the
    /// disabled, disability (a share `δ` of the post-accrual actives becomes disabled
    /// with a first pension by the formula of year index `t`, wage `W_t`, `w_rel[s,x]`,
    /// floored, times `d_I`, without age adjustment), then exits and re-entry
    /// (`A ← A (1 − δ − ℓ) + η V`, `V ← V (1 − η) + v ℓ A`, all from the post-accrual
    /// stocks). Each mass takes the same operations in the same order as step after step;
    /// cells outside a state's live range are zero and stay zero. Returns the
    /// start-of-year contributors and wage base of sex `s` (`[N, N w_rel]`) when actives
    /// are the only members and carry no records, else zeros.
    #[inline(always)]
    fn members(
        &mut self,
        t: usize,
        s: usize,
        wage: R,
        awards: &mut Awards<R>,
        ledger: &mut YearLedger,
    ) -> [R; 2] {
        let m = self.model;
        let z = self.zero;
        let (ages, cells) = (m.frame.ages(), m.frame.cells());
        let mv = &m.moves;
        let b = &m.benefits;
        let rules = b.year(t);
        let d_i = b.disability_factor[t];
        let mi = m.mortality.disability_multiplier;
        let vesting = mv.vesting_share[t];
        let audit = self.ledger.is_some();
        let (records, vested, disabled, exits) = (
            self.track_records,
            self.has_vested,
            self.has_disabled,
            self.has_exits,
        );
        let disabling = disabled && mv.disability.any_nonzero;
        let range = s * ages..(s + 1) * ages;
        let delta = &mv.disability.year(t, cells)[range.clone()];
        let ell = &mv.exit.year(t, cells)[range.clone()];
        let eta = &mv.reentry.year(t, cells)[range.clone()];
        let wrel = &m.contributions.relative_wage[range.clone()];
        let base = &self.base_rel[range];
        let china = m.china.is_some();
        let q = &self.q[..];
        let co = &mut self.cohorts;
        let a_live = co.live(A, s);
        // Ledger (lane 0): actives leaving, vested members coming back.
        let (mut leavers, mut back) = (0.0, 0.0);
        if !records && !vested && !disabled {
            // Actives alone, without records: deaths, then exits; with the start-of-year
            // contributors and wage base of step 1 (`N` and `N w_rel`).
            let (lo, hi) = a_live;
            let an = co.window_mut(A_N, s, ages);
            if audit {
                for ((n, qx), &l_x) in an[lo..hi].iter().zip(&q[lo..hi]).zip(&ell[lo..hi]) {
                    leavers += (n.lane(0) * (1.0 - qx.lane(0))) * l_x;
                }
            }
            let one = z.splat(1.0);
            let start = range_fold(
                z,
                lo,
                hi,
                ActiveDeaths {
                    an,
                    q,
                    ell,
                    wrel,
                    one,
                },
            );
            if exits {
                exit_ledger(ledger, leavers, back, vesting);
            }
            return start;
        }
        let v_live = if vested { co.live(V, s) } else { (0, 0) };
        let i_live = if disabled { co.live(I, s) } else { (0, 0) };
        let (lo, hi) = [a_live, v_live, i_live]
            .into_iter()
            .filter(|(lo, hi)| lo < hi)
            .fold((ages, 0), |(lo, hi), r| (lo.min(r.0), hi.max(r.1)));
        let [an, asv, aw, vn, vs, vw, inn, ip] =
            co.windows_mut([A_N, A_S, A_W, V_N, V_S, V_W, I_N, I_P], s, ages);
        let (mut count, mut amount) = (z, z);
        let one = z.splat(1.0);
        let mi = z.splat(mi);
        let vesting_v = z.splat(vesting);
        for x in lo..hi {
            let qx = q[x];
            let p = one - qx;
            // Deaths and a year of service of actives.
            let mut a0 = an[x] * p;
            let (mut a1, mut a2) = (z, z);
            if records {
                let wr = if china { base[x] } else { z.splat(wrel[x]) };
                a1 = asv[x] * p + a0;
                a2 = aw[x] * p + a0 * wr;
            }
            // Deaths of vested members and of the disabled.
            let (mut v0, mut v1, mut v2) = (z, z, z);
            if vested {
                v0 = vn[x] * p;
                v1 = vs[x] * p;
                v2 = vw[x] * p;
            }
            let (mut i0, mut i1) = (z, z);
            if disabled {
                let pi = one - (mi * qx).min(one);
                i0 = inn[x] * pi;
                i1 = ip[x] * pi;
            }
            // Disability.
            if disabling {
                let d = z.splat(delta[x]);
                let to_i = d * a0;
                let pm = rules.pension_masses(wage, a0, a1, a2, wrel[x]);
                let mass = d * z.splat(d_i) * pm;
                i0 += to_i;
                i1 += mass;
                count += to_i;
                amount += mass;
                if !exits {
                    let keep = one - d;
                    a0 -= to_i;
                    a1 *= keep;
                    a2 *= keep;
                }
            }
            // Exits and re-entry.
            if exits {
                let d = if disabling { delta[x] } else { 0.0 };
                let (l_x, e) = (ell[x], eta[x]);
                let stay = z.splat(1.0 - d - l_x);
                if audit {
                    leavers += a0.lane(0) * l_x;
                    back += v0.lane(0) * e;
                }
                if vested {
                    let to_v = vesting_v * z.splat(l_x);
                    let (e, keep) = (z.splat(e), z.splat(1.0 - e));
                    let (b0, b1, b2) = (a0, a1, a2);
                    a0 = b0 * stay + e * v0;
                    a1 = b1 * stay + e * v1;
                    a2 = b2 * stay + e * v2;
                    v0 = v0 * keep + to_v * b0;
                    v1 = v1 * keep + to_v * b1;
                    v2 = v2 * keep + to_v * b2;
                } else {
                    a0 *= stay;
                    a1 *= stay;
                    a2 *= stay;
                }
            }
            an[x] = a0;
            if records {
                asv[x] = a1;
                aw[x] = a2;
            }
            if vested {
                (vn[x], vs[x], vw[x]) = (v0, v1, v2);
            }
            if disabled {
                (inn[x], ip[x]) = (i0, i1);
            }
        }
        if disabling {
            awards.count += count;
            awards.amount += amount;
            // China's rules: a disability pension is a basic pension (the career
            // formula, paid by the pool, no account part), so it counts in
            // `basic_pension_avg`.
            awards.basic += amount;
            ledger[0].moved_out += count.lane(0);
            ledger[2].moved_in += count.lane(0);
            co.widen(I, s, a_live);
        }
        if exits {
            exit_ledger(ledger, leavers, back, vesting);
            if vested {
                let both = if v_live.0 < v_live.1 {
                    (a_live.0.min(v_live.0), a_live.1.max(v_live.1))
                } else {
                    a_live
                };
                co.widen(A, s, both);
                co.widen(V, s, both);
            }
        }
        [z; 2]
    }

    /// Step 7: retirement of actives and vested members and disability conversion, with
    /// the rules of year index `t1` (= t+1) and the wage `W_t`; ages are after ageing.
    #[inline(always)]
    fn retirement(&mut self, t1: usize, wage: R, awards: &mut Awards<R>, ledger: &mut YearLedger) {
        let m = self.model;
        let ages = m.frame.ages();
        let cells = m.frame.cells();
        let b = &m.benefits;
        let shape = Shape {
            has_vested: self.has_vested,
            has_disabled: self.has_disabled,
            track_records: self.track_records,
        };
        let mut books = Books {
            awards,
            ledger,
            refunds: &mut self.refunds_now,
            converted: &mut self.converted,
        };
        for s in 0..2 {
            let scheduled = whole_age(m.retirement.age[s][t1]);
            match &m.adjustments.retirement_age {
                None => {
                    let range = t1 * cells + s * ages..t1 * cells + (s + 1) * ages;
                    let sex = SexYear {
                        m,
                        shape,
                        s,
                        t1,
                        wage,
                        ra: [scheduled; MAX_LANES],
                        from: self.retire_from[t1][s],
                        rate: Same(&self.retire_rate[range.clone()]),
                        vested_rate: Same(&self.vested_retire_rate[range.clone()]),
                        factor: Same(&self.start_factor[range]),
                    };
                    sex.retire(&mut self.cohorts, &mut books);
                }
                Some(link) => {
                    // RA follows life expectancy at 60 on each path, to the nearest
                    // whole age (a gain of a few weeks does not move it a full year).
                    // The scheduled age acts as its whole age (convention 8); the
                    // gain is added in whole years, to the nearest.
                    let ra: [usize; MAX_LANES] = std::array::from_fn(|l| {
                        let gain = (link.share * (self.e60[s][l] - self.e60_base[s][l])).round();
                        let linked = scheduled as f64 + gain;
                        whole_age(linked.min(link.max_age).max(0.0))
                    });
                    let r = &m.retirement;
                    let c = s * ages..(s + 1) * ages;
                    let (rho, early) = (
                        &r.rate.year(t1, cells)[c.clone()],
                        &r.early_rate.year(t1, cells)[c.clone()],
                    );
                    let (vr, ve) = (
                        &r.vested_rate.year(t1, cells)[c.clone()],
                        &r.vested_early_rate.year(t1, cells)[c],
                    );
                    let z = self.zero;
                    for x in 0..ages {
                        let above = |l: usize| x >= ra[l];
                        self.dyn_rate[x] = z.from_fn(|l| if above(l) { rho[x] } else { early[x] });
                        self.dyn_vrate[x] = z.from_fn(|l| if above(l) { vr[x] } else { ve[x] });
                        self.dyn_factor[x] = z.from_fn(|l| b.age_factor(t1, x, ra[l]));
                    }
                    let sex = SexYear {
                        m,
                        shape,
                        s,
                        t1,
                        wage,
                        ra,
                        from: 0,
                        rate: &self.dyn_rate[..],
                        vested_rate: &self.dyn_vrate[..],
                        factor: &self.dyn_factor[..],
                    };
                    sex.retire(&mut self.cohorts, &mut books);
                }
            }
        }
    }

    /// Step 8: new contributors and pensioner entrants at the start of year index `t1`.
    #[inline(always)]
    fn entrants(&mut self, t1: usize, wage: R, growth: R, ledger: &mut YearLedger) {
        let m = self.model;
        let z = self.zero;
        let ages = m.frame.ages();
        let e = &m.entrants;
        let total = each_lane(z.splat(e.count[t1]) * growth);
        let co = &mut self.cohorts;
        if total[..R::LANES].iter().any(|v| *v > 0.0) {
            for s in 0..2 {
                // A lane without entrants adds zeros.
                let n = z.from_fn(|l| {
                    if total[l] > 0.0 {
                        total[l] * sex_share(e.male_share[t1], s)
                    } else {
                        0.0
                    }
                });
                let (lo, hi) = self.entry_range[s];
                let an = &mut co.window_mut(A_N, s, ages)[lo..hi];
                for (a, &w) in an.iter_mut().zip(&e.profile[s][lo..hi]) {
                    *a += n * z.splat(w);
                }
                co.widen(A, s, (lo, hi));
            }
            if total[0] > 0.0 {
                ledger[0].entered += total[0];
            }
        }
        if let Some(pe) = &m.pensioner_entrants {
            let total = pe.count[t1];
            if total > 0.0 {
                let pension = z.splat(pe.pension[t1]) * wage;
                for s in 0..2 {
                    let n = total * sex_share(pe.male_share[t1], s);
                    let [rn, rp] = co.windows_mut([R_N, R_P], s, ages);
                    let (lo, hi) = self.pensioner_range[s];
                    for x in lo..hi {
                        let k = z.splat(n * pe.profile[s][x]);
                        rn[x] += k;
                        rp[x] += k * pension;
                    }
                    co.widen(R, s, (lo, hi));
                }
                ledger[3].entered += total;
            }
        }
    }
}

/// Start-of-year sums of step 1 taken by step 3's passes, by lane: old-age pensioners
/// and their pensions, contributors and their wage base (those two only where actives
/// are the only members and carry no records; zero otherwise).
struct StartSums<R> {
    retired: R,
    payouts: R,
    contributors: R,
    wage_base: R,
}

/// Step 3 for old-age pensioners, one age at a time: deaths, and the indexation of the
/// survivors' pensions (`N ← N (1 − q)`, `P ← P (1 − q) · idx`); the term is the
/// start-of-year `[N, P]`.
struct PensionerDeaths<'a, R> {
    rn: &'a mut [R],
    rp: &'a mut [R],
    q: &'a [R],
    idx: R,
    one: R,
}

impl<R: Real> Term<R, 2> for PensionerDeaths<'_, R> {
    #[inline(always)]
    fn at(&mut self, x: usize) -> [R; 2] {
        let (n0, p0) = (self.rn[x], self.rp[x]);
        let p = self.one - self.q[x];
        self.rn[x] = n0 * p;
        self.rp[x] = (p0 * p) * self.idx;
        [n0, p0]
    }
}

/// Steps 3 and 4 for actives without records when they are the only members, one age
/// at a time: deaths, then exits (`N ← N (1 − q) (1 − ℓ)`); the term is the
/// start-of-year `[N, N w_rel]` (contributors and wage base).
struct ActiveDeaths<'a, R> {
    an: &'a mut [R],
    q: &'a [R],
    ell: &'a [f64],
    wrel: &'a [f64],
    one: R,
}

impl<R: Real> Term<R, 2> for ActiveDeaths<'_, R> {
    #[inline(always)]
    fn at(&mut self, x: usize) -> [R; 2] {
        let n0 = self.an[x];
        // Without exits every ℓ is 0 and `stay` is exactly 1.
        let stay = self.one.splat(1.0 - self.ell[x]);
        self.an[x] = (n0 * (self.one - self.q[x])) * stay;
        [n0, n0 * self.one.splat(self.wrel[x])]
    }
}

/// Which masses a projection tracks.
#[derive(Clone, Copy)]
struct Shape {
    has_vested: bool,
    has_disabled: bool,
    track_records: bool,
}

/// Where retirement writes: each lane's awards, the ledger (lane 0), and each lane's
/// account refunds and conversions (China's rules).
struct Books<'a, R> {
    awards: &'a mut Awards<R>,
    ledger: &'a mut YearLedger,
    refunds: &'a mut R,
    converted: &'a mut R,
}

/// A value by age, the same for every lane or one per lane.
trait ByAge<R: Real> {
    fn at(&self, z: R, x: usize) -> R;
}

/// A value by age that every lane shares.
struct Same<'a>(&'a [f64]);

impl<R: Real> ByAge<R> for Same<'_> {
    #[inline(always)]
    fn at(&self, z: R, x: usize) -> R {
        z.splat(self.0[x])
    }
}

impl<R: Real> ByAge<R> for &[R] {
    #[inline(always)]
    fn at(&self, _: R, x: usize) -> R {
        self[x]
    }
}

/// Retirement of one sex in one year: the rules in force (retirement age of each lane,
/// first age anyone may retire, rates and age adjustment by age).
struct SexYear<'a, R, T> {
    m: &'a Model,
    shape: Shape,
    s: usize,
    t1: usize,
    wage: R,
    ra: [usize; MAX_LANES],
    from: usize,
    rate: T,
    vested_rate: T,
    factor: T,
}

impl<R: Real, T: ByAge<R>> SexYear<'_, R, T> {
    #[inline(always)]
    fn retire(&self, co: &mut Cohorts<R>, books: &mut Books<'_, R>) {
        let m = self.m;
        let ages = m.frame.ages();
        let b = &m.benefits;
        let (s, t1, wage, from) = (self.s, self.t1, self.wage, self.from);
        let z = wage.splat(0.0);
        let Shape {
            has_vested,
            has_disabled,
            track_records,
        } = self.shape;
        let wrel = &m.contributions.relative_wage[s * ages..(s + 1) * ages];
        if let Some(ch) = &m.china {
            let mut refunds = [0.0; MAX_LANES];
            let mut converted = [0.0; MAX_LANES];
            // Added into the year's awards cell by cell (the order of the sums).
            let (mut count, mut amount, mut basic) = (
                each_lane(books.awards.count),
                each_lane(books.awards.amount),
                each_lane(books.awards.basic),
            );
            let wage = each_lane(wage);
            for (state, k, rates, e) in [
                (A, [A_N, A_S, A_W, A_IA, A_D], &self.rate, 0),
                (V, [V_N, V_S, V_W, V_IA, V_D], &self.vested_rate, 1),
            ] {
                if state == V && !has_vested {
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
                    let (rho_x, f_x) = (each_lane(rates.at(z, x)), each_lane(self.factor.at(z, x)));
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
                            let (pooled, own) = ch.first_pension(
                                t1, wage[l], service, deemed, wage_index, account, x,
                            );
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
            *books.refunds += v(refunds);
            *books.converted += v(converted);
            books.awards.count = v(count);
            books.awards.amount = v(amount);
            books.awards.basic = v(basic);
        } else {
            let (alo, ahi) = co.live(A, s);
            let lo = from.max(alo).max(1);
            if lo < ahi {
                // Without records (no vested members), the replacement formula needs
                // neither service nor wage index: the fast path.
                let awarded =
                    if b.formula == crate::benefits::Formula::Replacement && !track_records {
                        // p = max(rr W w_rel[s,x−1], f W) × adjustment: no records needed.
                        let rr = z.splat(b.replacement_rate[t1]) * wage;
                        let floor = z.splat(b.floor[t1]) * wage;
                        let [an, rn, rp] = co.windows_mut([A_N, R_N, R_P], s, ages);
                        let (mut count, mut amount) = (z, z);
                        for x in lo..ahi {
                            let (rate, f) = (self.rate.at(z, x), self.factor.at(z, x));
                            let a0 = an[x];
                            let n = rate * a0;
                            let p = (rr * z.splat(wrel[x - 1])).max(floor) * f;
                            rn[x] += n;
                            rp[x] += n * p;
                            an[x] = a0 - n;
                            count += n;
                            amount += n * p;
                        }
                        awards_of(count, amount)
                    } else {
                        let cells = co.windows_mut([A_N, A_S, A_W, R_N, R_P], s, ages);
                        retire_cells(
                            b,
                            t1,
                            wage,
                            (lo, ahi),
                            &self.rate,
                            &self.factor,
                            wrel,
                            cells,
                        )
                    };
                books.add(awarded, 0);
                co.widen(R, s, (lo, ahi));
                co.trim_top(A, A_N, s, ages);
            }
            if has_vested {
                let (vlo, vhi) = co.live(V, s);
                let lo = from.max(vlo).max(1);
                if lo < vhi {
                    let cells = co.windows_mut([V_N, V_S, V_W, R_N, R_P], s, ages);
                    let awarded = retire_cells(
                        b,
                        t1,
                        wage,
                        (lo, vhi),
                        &self.vested_rate,
                        &self.factor,
                        wrel,
                        cells,
                    );
                    books.add(awarded, 1);
                    co.widen(R, s, (lo, vhi));
                    co.trim_top(V, V_N, s, ages);
                }
            }
        }
        if has_disabled {
            let conversion = match &m.moves.conversion_age {
                Some(a) => [whole_age(a[s][t1]); MAX_LANES],
                None => self.ra,
            };
            let (ilo, ihi) = co.live(I, s);
            let first = conversion[..R::LANES].iter().copied().min().unwrap_or(ages);
            let lo = first.max(ilo);
            if lo < ihi {
                let [inn, ip, rn, rp] = co.windows_mut([I_N, I_P, R_N, R_P], s, ages);
                for x in lo..ihi {
                    let (n, p) = (each_lane(inn[x]), each_lane(ip[x]));
                    let moves = |l: usize| x >= conversion[l] && n[l] > 0.0;
                    if !(0..R::LANES).any(moves) {
                        continue;
                    }
                    if moves(0) {
                        books.ledger[2].moved_out += n[0];
                        books.ledger[3].moved_in += n[0];
                    }
                    let (rn0, rp0) = (each_lane(rn[x]), each_lane(rp[x]));
                    rn[x] = z.from_fn(|l| if moves(l) { rn0[l] + n[l] } else { rn0[l] });
                    rp[x] = z.from_fn(|l| if moves(l) { rp0[l] + p[l] } else { rp0[l] });
                    inn[x] = z.from_fn(|l| if moves(l) { 0.0 } else { n[l] });
                    ip[x] = z.from_fn(|l| if moves(l) { 0.0 } else { p[l] });
                }
                co.widen(R, s, (lo, ihi));
                co.trim_top(I, I_N, s, ages);
            }
        }
    }
}

impl<R: Real> Books<'_, R> {
    /// Adds retirements from state `e` (0: actives, 1: vested) into R.
    #[inline(always)]
    fn add(&mut self, awarded: Awards<R>, e: usize) {
        self.awards.add(&awarded);
        self.ledger[e].moved_out += awarded.count.lane(0);
        self.ledger[3].moved_in += awarded.count.lane(0);
    }
}

/// Retirement of the share `rate[x]` of member cells (`[N, S, Ω]` of A or V, then R's
/// `[N, P]`) at ages `lo..hi` into R, with first pensions by the scenario's formula of
/// year index `t1`, the wage `W_t`, `w_rel[s,x−1]` and the age adjustment `factor[x]`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn retire_cells<R: Real, T: ByAge<R>>(
    b: &crate::benefits::BenefitRules,
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
    awards_of(count, amount)
}

/// Awards of each lane from its count and amount.
#[inline(always)]
fn awards_of<R: Real>(count: R, amount: R) -> Awards<R> {
    Awards {
        count,
        amount,
        basic: count.splat(0.0),
    }
}

/// Exits and re-entry in the ledger: `leavers` actives left (a share `vesting` of them
/// keeping rights), `back` vested members came back.
fn exit_ledger(ledger: &mut YearLedger, leavers: f64, back: f64, vesting: f64) {
    ledger[0].moved_out += leavers * vesting;
    ledger[0].left += leavers * (1.0 - vesting);
    ledger[1].moved_in += leavers * vesting;
    ledger[1].moved_out += back;
    ledger[0].moved_in += back;
}

/// Period life expectancy at age `from` (curtate plus half a year) from one year's
/// probabilities of dying `q` by age: `Σ_{k≥1} Π_{j<k} (1 − q[from+j]) + 0.5`.
fn life_expectancy(q: impl Iterator<Item = f64>, from: usize) -> f64 {
    let mut alive = 1.0;
    let mut years = 0.5;
    for qx in q.skip(from) {
        alive *= 1.0 - qx;
        years += alive;
    }
    years
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

/// Every lane of a cell, in an array (lanes past `R::LANES` are 0).
#[inline(always)]
fn each_lane<R: Real>(v: R) -> [f64; MAX_LANES] {
    let mut out = [0.0; MAX_LANES];
    v.write(&mut out);
    out
}

/// China's rules: a year's flows between members, the pooled fund and the
/// individual-account fund (currency unit).
#[derive(Default, Clone, Copy)]
struct ChinaYear {
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

/// New pensions awarded in a year, one lane per path: count and total first pension.
#[derive(Clone, Copy)]
struct Awards<R> {
    count: R,
    amount: R,
    /// China's rules: the basic + transitional part of `amount`.
    basic: R,
}

impl<R: Real> Awards<R> {
    fn new(zero: R) -> Self {
        Awards {
            count: zero,
            amount: zero,
            basic: zero,
        }
    }

    #[inline(always)]
    fn add(&mut self, other: &Awards<R>) {
        self.count += other.count;
        self.amount += other.amount;
        self.basic += other.basic;
    }
}

/// The year loop of [`Projector::run_lanes`] as a [`Kernel`], to be compiled for the
/// lane type's instruction set.
struct Project<'a, 'e, 'r, 'm, R: Real> {
    projector: &'a mut Projector<'m, R>,
    econ: &'a [&'e EconPath],
    rows: &'a mut [&'r mut [Row]],
}

impl<R: Real> Kernel for Project<'_, '_, '_, '_, R> {
    type Output = [PathSummary; MAX_LANES];
    #[inline(always)]
    fn run(self) -> Self::Output {
        self.projector.project(self.econ, self.rows)
    }
}
