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

use crate::cohorts::{
    nonzero_range, range_dot_lanes, range_fold, range_sum_dot, Cohorts, Term, A, A_N, A_S, A_W, I,
    I_N, I_P, N_ARRAYS, R, R_N, R_P, V, V_N, V_S, V_W,
};
use crate::demography::{whole_age, State};
use crate::economy::EconPath;
use crate::funds::Labour;
use crate::model::Model;
use crate::scheme::{Awards, Books, ByAge, Same, Scheme, Schemes, SexYear, Shape};
use crate::simd::{Kernel, Real, MAX_LANES};

pub use crate::metrics::{
    metric, metrics_of, METRICS, N_BASE_METRICS, N_METRICS, N_PENSION_METRICS,
};

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

/// The order in which a projection runs the steps of a year: chosen once per model
/// ([`Projector::plan`]), the same for every path and year.
///
/// Every plan gives the same bits (`tests/integration/plans.rs` checks it on every
/// shipped scenario): a plan only changes which passes over the cohorts are merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// MODEL.md's order, step by step: flows on start-of-year stocks, fund, deaths and
    /// service, moves, ageing, indexation, retirement, entrants. Valid for every model.
    Spec,
    /// Steps 3–4 run before step 2, and their pass over R takes step 1's start-of-year
    /// sums of R (pensioners and their pensions) as it goes, saving a pass; with
    /// `actives`, their pass over A also takes step 1's contributors and wage base.
    /// Valid when step 3 does not depend on the fund (no indexation brake), the scheme
    /// allows it (`Scheme::FUSABLE` in `src/scheme/`; China's rules do not) and the
    /// ledger is off; `actives` also needs actives to be the only members and to carry
    /// no records (no vested members, no disabled, the `replacement` formula).
    Fused {
        /// Whether the pass over actives takes step 1's sums too.
        actives: bool,
    },
}

/// A plan that a model cannot run ([`Projector::with_plan`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the {plan:?} plan is not valid for this model: {why}")]
pub struct PlanError {
    pub plan: Plan,
    pub why: &'static str,
}

/// Projects paths of one model, `R::LANES` at a time (one per lane), reusing its work
/// arrays. `Projector::new` makes the one-path projector; [`Projector::lanes`] one of
/// any lane type. The model's pension scheme (`src/scheme/`) is chosen when it is
/// made; the year loop is compiled once per scheme.
pub struct Projector<'m, R: Real = f64> {
    core: Core<'m, R>,
    scheme: Schemes<'m, R>,
}

/// What every scheme's year loop shares: the model, the cohorts, the rules resolved
/// once per run, and the path state of the automatic adjustments.
struct Core<'m, R: Real> {
    model: &'m Model,
    /// A zero of the lane type (every other value is made from it).
    zero: R,
    plan: Plan,
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
    shape: Shape,
    has_exits: bool,
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
    /// What the other four funds read of each year's start-of-year labour force, per
    /// lane ([`crate::funds::Labour`]): `[lane][year]`; empty when no fund is on.
    labour: Vec<Vec<Labour>>,
    /// Covered payroll `W_t Σ N^A w_rel` of each year and lane (for the valuation).
    payroll: Vec<[f64; MAX_LANES]>,
}

impl<'m> Projector<'m> {
    /// A projector of one path at a time.
    pub fn new(model: &'m Model) -> Projector<'m> {
        Projector::lanes(model, 0.0)
    }

    /// Turns on the head-count ledger (for audits and tests; costs a little time). The
    /// ledger runs the [`Plan::Spec`] plan.
    pub fn with_ledger(mut self) -> Self {
        self.core.ledger = Some(vec![YearLedger::default(); self.core.model.frame.years()]);
        self.core.plan = Plan::Spec;
        self
    }

    /// Projects one path; `rows` gets one row per year (base year first).
    pub fn run(&mut self, econ: &EconPath, rows: &mut [Row]) -> PathSummary {
        self.run_lanes(&[econ], &mut [rows])[0]
    }

    /// The stocks after the last projected year's step (start of yH+1), by age.
    pub fn state(&self) -> State {
        self.core.cohorts.to_state(self.core.model.frame.ages(), 0)
    }
}

impl<'m, R: Real> Projector<'m, R> {
    /// A projector of `R::LANES` paths at a time; `zero` is a zero of the lane type.
    pub fn lanes(model: &'m Model, zero: R) -> Projector<'m, R> {
        let scheme = Schemes::of(model, zero);
        let core = Core::new(model, zero, &scheme);
        Projector { core, scheme }
    }

    /// The plan the projector runs: the fastest valid for the model unless
    /// [`Self::with_plan`] chose another.
    pub fn plan(&self) -> Plan {
        self.core.plan
    }

    /// Runs `plan` instead of the fastest valid one (to check that every plan gives the
    /// same bits); an error when the model cannot run it.
    pub fn with_plan(mut self, plan: Plan) -> Result<Self, PlanError> {
        let why = match plan {
            Plan::Spec => None,
            Plan::Fused { actives } => {
                let c = &self.core;
                if c.ledger.is_some() {
                    Some("the ledger follows MODEL.md's order")
                } else if !self.scheme.fusable() {
                    Some("the scheme's flows read stocks that steps 3–4 change")
                } else if c.model.adjustments.indexation_brake.is_some() {
                    Some("the indexation brake makes step 3 depend on the fund")
                } else if actives && !c.actives_alone() {
                    Some("actives are not the only members, or they carry records")
                } else {
                    None
                }
            }
        };
        match why {
            Some(why) => Err(PlanError { plan, why }),
            None => {
                self.core.plan = plan;
                Ok(self)
            }
        }
    }

    /// The individual-account ledger of the last path (China's rules, with the ledger on).
    pub fn account_ledger(&self) -> &[AccountLedger] {
        self.scheme.account_ledger()
    }

    /// The covered payroll `W_t Σ N^A w_rel` (the wages of the contributors at the start
    /// of each year, before the contribution rate and the collection rate) of the last
    /// projection, year by year (base year first), one entry per lane.
    pub fn payroll(&self) -> &[[f64; MAX_LANES]] {
        &self.core.payroll
    }

    /// The ledger of the last path projected, one entry per year.
    pub fn ledger(&self) -> Option<&[YearLedger]> {
        self.core.ledger.as_deref()
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
        let summaries = self.core.zero.enter(Project {
            projector: &mut *self,
            econ,
            rows: &mut *rows,
        });
        // The other four funds, path by path, on the labour force the loop took (and the
        // payroll of its fund step).
        let core = &mut self.core;
        for (l, ((labour, econ), rows)) in core
            .labour
            .iter_mut()
            .zip(econ)
            .zip(rows.iter_mut())
            .enumerate()
        {
            for (lab, payroll) in labour.iter_mut().zip(&core.payroll) {
                lab.payroll = payroll[l];
            }
            crate::funds::project(core.model, labour, econ, rows);
        }
        summaries
    }
}

impl<'m, R: Real> Core<'m, R> {
    fn new(model: &'m Model, zero: R, scheme: &Schemes<'m, R>) -> Core<'m, R> {
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
        let mut used = scheme.stocks();
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
        let shape = Shape {
            has_vested,
            has_disabled,
            track_records,
        };
        let mut core = Core {
            model,
            zero,
            plan: Plan::Spec,
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
            shape,
            has_exits: moves.exit.any_nonzero || moves.reentry.any_nonzero,
            ledger: None,
            extra_rate: [0.0; MAX_LANES],
            brake: [false; MAX_LANES],
            e60_base: [[0.0; MAX_LANES]; 2],
            e60: [[0.0; MAX_LANES]; 2],
            dyn_rate: vec![zero; ages],
            dyn_vrate: vec![zero; ages],
            dyn_factor: vec![zero; ages],
            labour: if model.funds.any() {
                vec![vec![Labour::default(); f.years()]; R::LANES]
            } else {
                Vec::new()
            },
            payroll: vec![[0.0; MAX_LANES]; f.years()],
        };
        if scheme.fusable() && model.adjustments.indexation_brake.is_none() {
            core.plan = Plan::Fused {
                actives: core.actives_alone(),
            };
        }
        core
    }

    /// Whether actives are the only members and carry no records.
    fn actives_alone(&self) -> bool {
        let s = self.shape;
        !s.track_records && !s.has_vested && !s.has_disabled
    }

    /// The year loop of [`Projector::run_lanes`]: MODEL.md's year, step by step, in the
    /// order of the projector's [`Plan`]. Everything it calls is inlined into it, so
    /// that it is compiled for the instruction set of its caller, once per scheme.
    #[inline(always)]
    fn project<S: Scheme<R>>(
        &mut self,
        scheme: &mut S,
        econ: &[&EconPath],
        rows: &mut [&mut [Row]],
    ) -> [PathSummary; MAX_LANES] {
        let m = self.model;
        let z = self.zero;
        let years = m.frame.years();
        self.cohorts.load(&m.initial, years, &self.used);
        let mut fund = [m.fund.initial; MAX_LANES];
        let mut growth = z.splat(1.0);
        let mut summary = [PathSummary::default(); MAX_LANES];
        self.extra_rate = [0.0; MAX_LANES];
        self.brake = [false; MAX_LANES];
        scheme.begin_path();
        for t in 0..years {
            let wage = z.from_fn(|l| econ[l].wage[t]);
            if t >= 1 && m.economy.has_entrant_growth {
                growth *= z.from_fn(|l| 1.0 + econ[l].entrant_growth[t]);
            }
            let k = z.from_fn(|l| econ[l].mortality_k[t]);
            scheme.begin_year();
            if !self.labour.is_empty() {
                self.take_labour(t);
            }
            let mut ledger = self.open_ledger();
            let mut awards = Awards::new(z);

            // 1. Flows on start-of-year stocks.
            let mut start = self.start_of_year();
            let own = scheme.flows(m, &mut self.cohorts, t, econ, wage);
            // The indexation of step 6 (set with step 3, which indexes R).
            let mut idx = z.splat(1.0);
            if let Plan::Fused { actives } = self.plan {
                // 3. and 4. before the fund, taking step 1's sums as they pass.
                idx = self.indexation(t, econ);
                let sums =
                    self.deaths_and_service(scheme, t, k, idx, wage, &mut awards, &mut ledger);
                start.take(sums, actives);
            }

            // 2. Fund.
            self.fund(
                scheme,
                t,
                econ,
                wage,
                &start,
                &own,
                &mut fund,
                &mut summary,
                rows,
            );

            if self.plan == Plan::Spec {
                // 3. Deaths, then service; 4. moves among the living (disability and
                // exits in the same pass).
                idx = self.indexation(t, econ);
                self.deaths_and_service(scheme, t, k, idx, wage, &mut awards, &mut ledger);
            }
            scheme.moves(m, &mut self.cohorts, t);

            // 5. Ageing.
            self.ageing(&mut ledger);

            // 6. Indexation with the weights of year t+1 (old-age pension masses are
            // indexed in step 3's pass over R: nothing enters R in between).
            self.index(scheme, idx);

            // 7. Retirement with the rules of year t+1.
            self.retirement(scheme, t + 1, wage, &mut awards, &mut ledger);

            // 8. Entrants at the start of t+1.
            self.entrants(t + 1, wage, growth, &mut ledger);

            self.record_awards(t, &awards, rows);
            scheme.end_year(
                m,
                &self.cohorts,
                t,
                &own,
                &awards,
                rows,
                self.ledger.is_some(),
            );
            self.close_ledger(t, ledger);
        }
        summary
    }

    /// What the other four funds read of year index `t`'s start-of-year stocks, lane by
    /// lane: actives by sex, their base and payroll, pensioners, the medical cost curves
    /// and the fertility rates summed over ages ([`Labour`]). Inlined into the year loop
    /// (compiled for its instruction set).
    #[inline(always)]
    fn take_labour(&mut self, t: usize) {
        let m = self.model;
        let f = &m.funds;
        let z = self.zero;
        let ages = m.frame.ages();
        let co = &self.cohorts;
        let mut actives = [z; 2];
        let (mut base, mut active_cost, mut births) = (z, z, z);
        for (s, n_s) in actives.iter_mut().enumerate() {
            let (lo, hi) = co.live(A, s);
            let a = co.window(A_N, s, ages);
            let c = s * ages;
            let term = LabourTerm {
                a,
                base: &f.base_rel[c..c + ages],
                cost: &f.active_cost[c..c + ages],
                fert: if s == 1 { &f.fertility[..] } else { &[] },
                z,
            };
            let [n, b, cost, fert] = range_fold(z, lo, hi, term);
            *n_s = n;
            base += b;
            active_cost += cost;
            births += fert;
        }
        let (mut pensioners, mut retiree_cost) = (z, z);
        for (k, state) in [(R_N, R), (I_N, I)] {
            if k == I_N && !self.shape.has_disabled {
                continue;
            }
            for s in 0..2 {
                let (lo, hi) = co.live(state, s);
                let v = co.window(k, s, ages);
                let c = s * ages;
                let term = WeightedTerm {
                    v,
                    w: &f.retiree_cost[c..c + ages],
                    z,
                };
                let [n, cost] = range_fold(z, lo, hi, term);
                pensioners += n;
                retiree_cost += cost;
            }
        }
        for (l, lane) in self.labour.iter_mut().enumerate() {
            lane[t] = Labour {
                actives: [actives[0].lane(l), actives[1].lane(l)],
                base: base.lane(l),
                // W_t Σ N^A w_rel, from the fund step's sums (after the loop).
                payroll: 0.0,
                pensioners: pensioners.lane(l),
                active_cost: active_cost.lane(l),
                retiree_cost: retiree_cost.lane(l),
                births: births.lane(l),
            };
        }
    }

    /// A year's ledger with the start-of-year head counts (when the ledger is on).
    #[inline(always)]
    fn open_ledger(&self) -> YearLedger {
        let mut ledger = YearLedger::default();
        if self.ledger.is_some() {
            let ages = self.model.frame.ages();
            for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                e.start = self.cohorts.total(k, ages).lane(0);
            }
        }
        ledger
    }

    /// Closes a year's ledger with the end-of-year head counts.
    #[inline(always)]
    fn close_ledger(&mut self, t: usize, mut ledger: YearLedger) {
        if let Some(book) = self.ledger.as_mut() {
            let ages = self.model.frame.ages();
            for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                e.end = self.cohorts.total(k, ages).lane(0);
            }
            book[t] = ledger;
        }
    }

    /// Step 1's sums on start-of-year stocks, but those the plan has step 3 take.
    #[inline(always)]
    fn start_of_year(&self) -> StartSums<R> {
        let m = self.model;
        let z = self.zero;
        let ages = m.frame.ages();
        let co = &self.cohorts;
        let mut sums = StartSums::zero(z);
        if self.plan != (Plan::Fused { actives: true }) {
            let wrel = &m.contributions.relative_wage;
            for s in 0..2 {
                let (lo, hi) = co.live(A, s);
                let (n, w) = range_sum_dot(z, co.window(A_N, s, ages), &wrel[s * ages..], lo, hi);
                sums.contributors += n;
                sums.wage_base += w;
            }
        }
        if self.plan == Plan::Spec {
            [sums.retired, sums.payouts] = co.total_pair(R_N, R_P, ages);
        }
        if self.shape.has_disabled {
            [sums.disabled, sums.disability_payouts] = co.total_pair(I_N, I_P, ages);
        }
        if self.shape.has_vested {
            sums.vested = co.total(V_N, ages);
        }
        sums
    }

    /// Step 2, lane by lane: contributions, payouts, admin cost and other income, the
    /// fund's roll-forward, depletion and the path's sums, the automatic adjustments
    /// triggered by the fund ratio `F_{t+1} / B_t`, and the year's metrics.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn fund<S: Scheme<R>>(
        &mut self,
        scheme: &mut S,
        t: usize,
        econ: &[&EconPath],
        wage: R,
        start: &StartSums<R>,
        own: &[S::Flows; MAX_LANES],
        fund: &mut [f64; MAX_LANES],
        summary: &mut [PathSummary; MAX_LANES],
        rows: &mut [&mut [Row]],
    ) {
        let m = self.model;
        let adj = &m.adjustments;
        // Lane by lane, each `each_lane` inlined (an array `map` would be a call, whose
        // stores are not compiled for the lane type's instruction set).
        let (wage_l, contributors, wage_base) = (
            each_lane(wage),
            each_lane(start.contributors),
            each_lane(start.wage_base),
        );
        let (retired, disabled, vested) = (
            each_lane(start.retired),
            each_lane(start.disabled),
            each_lane(start.vested),
        );
        let pension_mass = each_lane(start.payouts + start.disability_payouts);
        for l in 0..R::LANES {
            let rate = match &adj.contribution_step {
                Some(c) => (m.contributions.rate[t] + self.extra_rate[l])
                    .min(c.max_rate.max(m.contributions.rate[t])),
                None => m.contributions.rate[t],
            };
            self.payroll[t][l] = wage_l[l] * wage_base[l];
            let mut contributions =
                m.contributions
                    .collected_from(t, wage_l[l], rate, wage_base[l]);
            let pension_mass = pension_mass[l];
            let mut payouts = pension_mass;
            scheme.pool(&own[l], &mut contributions, &mut payouts);
            let mut flows = m.fund.flows(t, contributions, payouts);
            flows.other_income += scheme.other_income(&own[l]);

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
            scheme.after_fund(l, &own[l], r);
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
    }

    /// Step 5: everyone a year older (the last age leaves, in the ledger).
    #[inline(always)]
    fn ageing(&mut self, ledger: &mut YearLedger) {
        let ages = self.model.frame.ages();
        if self.ledger.is_some() {
            let co = &self.cohorts;
            for (e, k) in ledger.iter_mut().zip([A_N, V_N, I_N, R_N]) {
                e.left += co.window(k, 0, ages)[ages - 1].lane(0)
                    + co.window(k, 1, ages)[ages - 1].lane(0);
            }
        }
        self.cohorts.age_one_year(ages);
    }

    /// Step 6: disability pension masses (and the scheme's own) indexed by `idx`.
    #[inline(always)]
    fn index<S: Scheme<R>>(&mut self, scheme: &S, idx: R) {
        let ages = self.model.frame.ages();
        for s in 0..2 {
            if self.shape.has_disabled {
                let (lo, hi) = self.cohorts.live(I, s);
                for p in &mut self.cohorts.window_mut(I_P, s, ages)[lo..hi] {
                    *p *= idx;
                }
            }
            scheme.index(&mut self.cohorts, s, ages, idx);
        }
    }

    /// The year's new pensions into each lane's row.
    #[inline(always)]
    fn record_awards(&self, t: usize, awards: &Awards<R>, rows: &mut [&mut [Row]]) {
        let (count, amount) = (each_lane(awards.count), each_lane(awards.amount));
        for l in 0..R::LANES {
            let row = &mut rows[l][t];
            row[metric::NEW_PENSIONS] = count[l];
            row[metric::AVERAGE_FIRST_PENSION] = ratio(amount[l], count[l]);
        }
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

    /// Step 3: survival factors on every mass, then a year of service for surviving
    /// actives; old-age pension masses are also multiplied by the indexation factor `idx`
    /// of step 6 (the same two multiplications, in the same order, as two passes).
    /// Returns step 1's start-of-year sums of R, and of A where [`Self::members`] takes
    /// them (see [`StartSums`]), read from each cell before it is updated.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn deaths_and_service<S: Scheme<R>>(
        &mut self,
        scheme: &mut S,
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
        let mut sums = StartSums::zero(z);
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
                if self.shape.has_disabled {
                    ledger[2].deaths += co
                        .window(I_N, s, ages)
                        .iter()
                        .zip(q)
                        .map(|(n, q)| n.lane(0) * (mi * q.lane(0)).min(1.0))
                        .sum::<f64>();
                }
            }
            scheme.deaths(m, co, s, q);
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
            let [n, w] = self.members(scheme, t, s, wage, awards, ledger);
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
    fn members<S: Scheme<R>>(
        &mut self,
        scheme: &S,
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
            self.shape.track_records,
            self.shape.has_vested,
            self.shape.has_disabled,
            self.has_exits,
        );
        let disabling = disabled && mv.disability.any_nonzero;
        let range = s * ages..(s + 1) * ages;
        let delta = &mv.disability.year(t, cells)[range.clone()];
        let ell = &mv.exit.year(t, cells)[range.clone()];
        let eta = &mv.reentry.year(t, cells)[range.clone()];
        let wrel = &m.contributions.relative_wage[range];
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
                let wr = scheme.accrual(z, s * ages + x, wrel[x]);
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
    fn retirement<S: Scheme<R>>(
        &mut self,
        scheme: &mut S,
        t1: usize,
        wage: R,
        awards: &mut Awards<R>,
        ledger: &mut YearLedger,
    ) {
        let m = self.model;
        let ages = m.frame.ages();
        let cells = m.frame.cells();
        let b = &m.benefits;
        let shape = self.shape;
        let mut books = Books { awards, ledger };
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
                    scheme.retire(&sex, &mut self.cohorts, &mut books);
                    sex.convert_disabled(&mut self.cohorts, &mut books);
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
                    scheme.retire(&sex, &mut self.cohorts, &mut books);
                    sex.convert_disabled(&mut self.cohorts, &mut books);
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

/// Step 1's sums on start-of-year stocks, by lane: contributors and their wage base,
/// old-age pensioners and their pensions, the disabled and their pensions, vested
/// members. Under a fused plan step 3's passes take some of them ([`Plan::Fused`]).
struct StartSums<R> {
    contributors: R,
    wage_base: R,
    retired: R,
    payouts: R,
    disabled: R,
    disability_payouts: R,
    vested: R,
}

impl<R: Real> StartSums<R> {
    fn zero(z: R) -> Self {
        StartSums {
            contributors: z,
            wage_base: z,
            retired: z,
            payouts: z,
            disabled: z,
            disability_payouts: z,
            vested: z,
        }
    }

    /// The sums step 3's passes took: those of R, and of A with `actives`.
    #[inline(always)]
    fn take(&mut self, passes: StartSums<R>, actives: bool) {
        [self.retired, self.payouts] = [passes.retired, passes.payouts];
        if actives {
            [self.contributors, self.wage_base] = [passes.contributors, passes.wage_base];
        }
    }
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

/// What the other funds read of one sex's actives, one age at a time: heads, their
/// base, medical cost and births ([`Core::take_labour`]).
struct LabourTerm<'a, R> {
    a: &'a [R],
    base: &'a [f64],
    cost: &'a [f64],
    /// Fertility by age (women), empty for men.
    fert: &'a [f64],
    z: R,
}

impl<R: Real> Term<R, 4> for LabourTerm<'_, R> {
    #[inline(always)]
    fn at(&mut self, x: usize) -> [R; 4] {
        let n = self.a[x];
        let z = self.z;
        let fert = if self.fert.is_empty() {
            0.0
        } else {
            self.fert[x]
        };
        [
            n,
            n * z.splat(self.base[x]),
            n * z.splat(self.cost[x]),
            n * z.splat(fert),
        ]
    }
}

/// Heads and heads × weight, one age at a time.
struct WeightedTerm<'a, R> {
    v: &'a [R],
    w: &'a [f64],
    z: R,
}

impl<R: Real> Term<R, 2> for WeightedTerm<'_, R> {
    #[inline(always)]
    fn at(&mut self, x: usize) -> [R; 2] {
        [self.v[x], self.v[x] * self.z.splat(self.w[x])]
    }
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

impl<R: Real, T: ByAge<R>> SexYear<'_, R, T> {
    /// Step 7 for the disabled: at the conversion age (the retirement age unless the
    /// scenario sets one) disability pensioners become old-age pensioners, pension and
    /// all.
    #[inline(always)]
    fn convert_disabled(&self, co: &mut Cohorts<R>, books: &mut Books<'_, R>) {
        let m = self.m;
        let ages = m.frame.ages();
        let (s, t1) = (self.s, self.t1);
        let z = self.wage.splat(0.0);
        let has_disabled = self.shape.has_disabled;
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

/// `a / b`, 0 unless `b > 0` (a ratio whose denominator is a count or a flow).
#[inline]
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Every lane of a cell, in an array (lanes past `R::LANES` are 0).
#[inline(always)]
pub(crate) fn each_lane<R: Real>(v: R) -> [f64; MAX_LANES] {
    let mut out = [0.0; MAX_LANES];
    v.write(&mut out);
    out
}

/// The year loop of [`Projector::run_lanes`] as a [`Kernel`], to be compiled for the
/// lane type's instruction set; the scheme is matched once, outside the loop.
struct Project<'a, 'e, 'r, 'm, R: Real> {
    projector: &'a mut Projector<'m, R>,
    econ: &'a [&'e EconPath],
    rows: &'a mut [&'r mut [Row]],
}

impl<R: Real> Kernel for Project<'_, '_, '_, '_, R> {
    type Output = [PathSummary; MAX_LANES];
    #[inline(always)]
    fn run(self) -> Self::Output {
        let Projector { core, scheme } = self.projector;
        match scheme {
            Schemes::Basic(s) => core.project(s, self.econ, self.rows),
            Schemes::China(s) => core.project(s, self.econ, self.rows),
        }
    }
}
