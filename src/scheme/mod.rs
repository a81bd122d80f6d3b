//! Pension schemes: what varies from one set of pension rules to another, behind one
//! trait that the year loop of [`crate::projection`] is generic over.
//!
//! The year loop owns what every scheme shares: the labour force and its four member
//! states (MODEL.md's mass arrays), the stochastic economy, the pooled fund's
//! roll-forward, mortality, ageing, entrants, disability and the automatic adjustments.
//! A [`Scheme`] adds what its rules need at fixed hooks, one per step of MODEL.md's year:
//!
//! | step | hook | basic scheme | China's urban employee rules |
//! |---|---|---|---|
//! | 1. flows | [`Scheme::flows`], [`Scheme::pool`], [`Scheme::other_income`] | — | contribution bases, account credits, the pooled / account split, the central transfer |
//! | 2. fund | [`Scheme::after_fund`] | — | the individual-account fund's roll-forward |
//! | 3. deaths, service | [`Scheme::deaths`], [`Scheme::accrual`] | the wage index accrues `w_rel` | accounts of the dead refunded; the wage index accrues the contribution base |
//! | 4. moves | [`Scheme::moves`] | — | accounts move with their members |
//! | 6. indexation | [`Scheme::index`] | — | account pensions indexed |
//! | 7. retirement | [`Scheme::retire`] | MODEL.md's benefit formula | basic + account + transitional pension, the 15-year rule |
//! | after 8. | [`Scheme::end_year`] | — | the individual-account metrics and ledger |
//!
//! A scheme's own stocks are cohort arrays of [`crate::cohorts`] ([`Scheme::STOCKS`]),
//! aged with the members they belong to; its metrics are entries of the metric table.
//! Each hook is `#[inline(always)]` and the loop is compiled once per scheme, so a hook
//! the scheme does not use costs nothing and the loop has no branch on which scheme runs.
//!
//! To add a scheme: a file in this folder with a type implementing [`Scheme`], a variant
//! of [`Schemes`] and the line of [`Schemes::of`] that chooses it from the model
//! (docs/architecture.md walks through it).

pub(crate) mod basic;
pub(crate) mod china;

use crate::cohorts::{Cohorts, N_ARRAYS};
use crate::economy::EconPath;
use crate::model::Model;
use crate::projection::{AccountLedger, Row, YearLedger};
use crate::simd::{Real, MAX_LANES};

pub(crate) use basic::Basic;
pub(crate) use china::ChinaScheme;

/// The rules of a pension scheme, as hooks into the year loop (see the module docs).
/// Hooks that a scheme does not override do nothing.
pub(crate) trait Scheme<R: Real> {
    /// Cohort arrays the scheme keeps beyond MODEL.md's ten.
    const STOCKS: &'static [usize];
    /// Whether the scheme's hooks leave the fused plan's reordering valid: its step 1
    /// reads no stock that steps 3–4 change and its fund step reads nothing of theirs
    /// (see [`crate::projection::Plan`]).
    const FUSABLE: bool;
    /// What the scheme's step 1 hands its later steps, per lane.
    type Flows: Copy + Default;

    /// Resets the scheme's path state at the start of a path.
    fn begin_path(&mut self) {}

    /// Resets what the scheme counts through one year.
    #[inline(always)]
    fn begin_year(&mut self) {}

    /// Step 1: the scheme's flows on start-of-year stocks, per lane (lanes past
    /// `R::LANES` are left at their default).
    #[inline(always)]
    fn flows(
        &mut self,
        _m: &Model,
        _co: &mut Cohorts<R>,
        _t: usize,
        _econ: &[&EconPath],
        _wage: R,
    ) -> [Self::Flows; MAX_LANES] {
        [Self::Flows::default(); MAX_LANES]
    }

    /// Step 1, one lane: the pooled fund's contributions and payouts, given MODEL.md's.
    #[inline(always)]
    fn pool(&self, _flows: &Self::Flows, _contributions: &mut f64, _payouts: &mut f64) {}

    /// Step 1, one lane: other income of the pooled fund that the scheme adds to
    /// MODEL.md's (currency unit).
    #[inline(always)]
    fn other_income(&self, _flows: &Self::Flows) -> f64 {
        0.0
    }

    /// Step 2, lane `l`: after the pooled fund's roll-forward at the return `r`.
    #[inline(always)]
    fn after_fund(&mut self, _l: usize, _flows: &Self::Flows, _r: f64) {}

    /// Step 3: what a year of service of the actives in cell `c` (sex × age) adds to
    /// their wage index, given MODEL.md's relative wage `wrel`.
    #[inline(always)]
    fn accrual(&self, zero: R, _c: usize, wrel: f64) -> R {
        zero.splat(wrel)
    }

    /// Step 3: deaths in the scheme's own stocks of sex `s` (`q` by age), before the
    /// members' masses.
    #[inline(always)]
    fn deaths(&mut self, _m: &Model, _co: &mut Cohorts<R>, _s: usize, _q: &[R]) {}

    /// Step 4: the scheme's stocks move with the members (after MODEL.md's moves).
    #[inline(always)]
    fn moves(&mut self, _m: &Model, _co: &mut Cohorts<R>, _t: usize) {}

    /// Step 6: indexation of the scheme's own pension masses of sex `s` by `idx`.
    #[inline(always)]
    fn index(&self, _co: &mut Cohorts<R>, _s: usize, _ages: usize, _idx: R) {}

    /// Step 7: retirement of the actives and vested members of one sex into R, with
    /// first pensions by the scheme's rules (disability conversion follows, the same
    /// for every scheme).
    fn retire<T: ByAge<R>>(
        &mut self,
        sex: &SexYear<'_, R, T>,
        co: &mut Cohorts<R>,
        books: &mut Books<'_, R>,
    );

    /// After step 8: the scheme's metrics of year index `t` into each lane's row, and
    /// its ledger (lane 0) when `audit`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn end_year(
        &mut self,
        _m: &Model,
        _co: &Cohorts<R>,
        _t: usize,
        _flows: &[Self::Flows; MAX_LANES],
        _awards: &Awards<R>,
        _rows: &mut [&mut [Row]],
        _audit: bool,
    ) {
    }
}

/// The scheme of a model, chosen once when a projector is made.
pub(crate) enum Schemes<'m, R: Real> {
    Basic(Basic),
    China(ChinaScheme<'m, R>),
}

impl<'m, R: Real> Schemes<'m, R> {
    /// The scheme the model's benefit formula names.
    pub(crate) fn of(model: &'m Model, zero: R) -> Self {
        match &model.china {
            Some(rules) => Schemes::China(ChinaScheme::new(model, rules, zero)),
            None => Schemes::Basic(Basic),
        }
    }

    /// Which cohort arrays a projection of this scheme uses, before the model's own
    /// choices (vested, disabled, records) turn more off.
    pub(crate) fn stocks(&self) -> [bool; N_ARRAYS] {
        match self {
            Schemes::Basic(_) => stocks_of::<R, Basic>(),
            Schemes::China(_) => stocks_of::<R, ChinaScheme<'m, R>>(),
        }
    }

    /// Whether the scheme allows the fused plan ([`Scheme::FUSABLE`]).
    pub(crate) fn fusable(&self) -> bool {
        match self {
            Schemes::Basic(_) => <Basic as Scheme<R>>::FUSABLE,
            Schemes::China(_) => <ChinaScheme<'m, R> as Scheme<R>>::FUSABLE,
        }
    }

    /// The individual-account ledger of the last path (China's rules, ledger on).
    pub(crate) fn account_ledger(&self) -> &[AccountLedger] {
        match self {
            Schemes::Basic(_) => &[],
            Schemes::China(c) => c.accounts(),
        }
    }
}

/// MODEL.md's ten arrays plus the scheme's own.
fn stocks_of<R: Real, S: Scheme<R>>() -> [bool; N_ARRAYS] {
    let mut used = [false; N_ARRAYS];
    for (k, u) in used.iter_mut().enumerate() {
        *u = k < crate::cohorts::N_MODEL_ARRAYS || S::STOCKS.contains(&k);
    }
    used
}

/// New pensions awarded in a year, one lane per path: count and total first pension.
#[derive(Clone, Copy)]
pub(crate) struct Awards<R> {
    pub(crate) count: R,
    pub(crate) amount: R,
    /// China's rules: the basic + transitional part of `amount` (disability pensions
    /// are basic pensions).
    pub(crate) basic: R,
}

impl<R: Real> Awards<R> {
    pub(crate) fn new(zero: R) -> Self {
        Awards {
            count: zero,
            amount: zero,
            basic: zero,
        }
    }

    /// Awards of each lane from its count and amount.
    #[inline(always)]
    pub(crate) fn of(count: R, amount: R) -> Self {
        Awards {
            count,
            amount,
            basic: count.splat(0.0),
        }
    }

    #[inline(always)]
    pub(crate) fn add(&mut self, other: &Awards<R>) {
        self.count += other.count;
        self.amount += other.amount;
        self.basic += other.basic;
    }
}

/// Where retirement writes: each lane's awards and the ledger (lane 0).
pub(crate) struct Books<'a, R> {
    pub(crate) awards: &'a mut Awards<R>,
    pub(crate) ledger: &'a mut YearLedger,
}

impl<R: Real> Books<'_, R> {
    /// Adds retirements from state `e` (0: actives, 1: vested) into R.
    #[inline(always)]
    pub(crate) fn add(&mut self, awarded: Awards<R>, e: usize) {
        self.awards.add(&awarded);
        self.ledger[e].moved_out += awarded.count.lane(0);
        self.ledger[3].moved_in += awarded.count.lane(0);
    }
}

/// Which masses a projection tracks.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) has_vested: bool,
    pub(crate) has_disabled: bool,
    pub(crate) track_records: bool,
}

/// A value by age, the same for every lane or one per lane.
pub(crate) trait ByAge<R: Real> {
    fn at(&self, z: R, x: usize) -> R;
}

/// A value by age that every lane shares.
pub(crate) struct Same<'a>(pub(crate) &'a [f64]);

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
/// first age anyone may retire, rates and age adjustment by age, after ageing) and the
/// wage `W_t`.
pub(crate) struct SexYear<'a, R, T> {
    pub(crate) m: &'a Model,
    pub(crate) shape: Shape,
    pub(crate) s: usize,
    pub(crate) t1: usize,
    pub(crate) wage: R,
    pub(crate) ra: [usize; MAX_LANES],
    pub(crate) from: usize,
    pub(crate) rate: T,
    pub(crate) vested_rate: T,
    pub(crate) factor: T,
}
