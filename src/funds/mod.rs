//! The other four funds of a city's social insurance system (the seed's 五险 less the
//! pension): unemployment, employee medical, work-injury and maternity insurance, and
//! the five-fund social budget.
//!
//! They run on the pension projection's labour force and economy: each year the year
//! loop of [`crate::projection`] takes, from the start-of-year stocks, what the funds
//! read of the labour force ([`Labour`]: actives by sex, their contribution base with
//! the 60–300 % floor and cap, the payroll, insured retirees, the medical cost and
//! fertility curves summed over ages), and once a path's years are projected each fund rolls its own
//! reserve forward year by year on that path's economy ([`crate::economy::EconPath`]:
//! wages, prices, the fund return, and the funds' own unemployment-rate and
//! excess-medical-inflation processes), with the pension's collection rate, and writes
//! its metrics into the path's rows. The funds never feed back into the pension: a
//! scenario that turns a fund on keeps every pension number of the same path.
//!
//! Each fund is optional, off by default, and lives in its own file with its own
//! scenario section: [`unemployment`], [`medical`], [`injury`], [`maternity`]; the
//! combined view is [`budget`]. Their reserves share the roll-forward of
//! [`crate::fund`] (`F_{t+1} = F_t (1 + r_t) + (C_t − B_t − A_t)(1 + r_t / 2) + S_t`) and
//! the subsidy rules of [`SubsidyRule`]. The equations are in docs/model.md ("The other
//! four funds").

pub mod budget;
pub mod injury;
pub mod maternity;
pub mod medical;
pub mod unemployment;

use crate::economy::EconPath;
use crate::model::Model;
use crate::projection::{ratio, Row};

pub use budget::Budget;
pub use injury::Injury;
pub use maternity::Maternity;
pub use medical::Medical;
pub use unemployment::Unemployment;

/// The four funds of a scenario (each `None` when its section is absent) and what they
/// share.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Funds {
    pub unemployment: Option<Unemployment>,
    pub medical: Option<Medical>,
    pub injury: Option<Injury>,
    pub maternity: Option<Maternity>,
    pub budget: Budget,
    /// The contribution base of the four funds by cell (sex × age), in units of the
    /// average wage `W_t`: `clamp(w_rel[s,x], floor, cap)` (`[social_budget]`
    /// `base_floor` 0.6, `base_cap` 3.0).
    pub base_rel: Vec<f64>,
    /// The medical cost curves by cell: relative yearly cost of an insured active and of
    /// an insured retiree (0 without medical insurance).
    pub active_cost: Vec<f64>,
    pub retiree_cost: Vec<f64>,
    /// Births per insured woman and year, by age (0 without maternity insurance).
    pub fertility: Vec<f64>,
}

impl Funds {
    /// Whether any of the four funds is on.
    pub fn any(&self) -> bool {
        self.unemployment.is_some()
            || self.medical.is_some()
            || self.injury.is_some()
            || self.maternity.is_some()
    }
}

/// What the funds read of one year's labour force, at the start of the year (one path).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Labour {
    /// `Σ N^A` by sex.
    pub actives: [f64; 2],
    /// `Σ N^A · clamp(w_rel, floor, cap)`: the four funds' contribution base in units of
    /// `W_t`.
    pub base: f64,
    /// `W_t Σ N^A · w_rel`: the payroll (currency unit; the pension's fund step sums it).
    pub payroll: f64,
    /// `Σ N^R + Σ N^I`: the pensioners.
    pub pensioners: f64,
    /// `Σ N^A · cost_A` and `Σ (N^R + N^I) · cost_R` (the medical cost curves).
    pub active_cost: f64,
    pub retiree_cost: f64,
    /// `Σ_x N^A[female, x] · fertility[x]`.
    pub births: f64,
}

impl Labour {
    /// `Σ N^A`.
    pub fn actives(&self) -> f64 {
        self.actives[0] + self.actives[1]
    }

    /// The mean contribution base of an active in units of `W_t` (0 with no actives).
    pub fn base_per_active(&self) -> f64 {
        ratio(self.base, self.actives())
    }
}

/// How a fund's shortfall is met, the same each year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubsidyRule {
    None,
    /// `max(0, D_t)`: the year's deficit.
    CoverDeficit,
    /// `max(0, −F*_{t+1})`: local finance underwrites the fund (兜底).
    KeepSolvent,
    /// `max(0, floor_months / 12 · B_t − F*_{t+1})`: the fund is kept at a reserve of
    /// `floor_months` months of the year's spending.
    KeepReserve,
}

/// Scenario names of the rules, in [`SubsidyRule`]'s order.
pub const SUBSIDY_RULES: [&str; 4] = ["none", "cover_deficit", "keep_solvent", "keep_reserve"];

impl SubsidyRule {
    pub fn from_index(i: usize) -> SubsidyRule {
        [
            SubsidyRule::None,
            SubsidyRule::CoverDeficit,
            SubsidyRule::KeepSolvent,
            SubsidyRule::KeepReserve,
        ][i]
    }
}

/// A fund's reserve: its balance at the start of the base year and its subsidy rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reserve {
    /// `F_y0` (currency unit).
    pub initial: f64,
    pub rule: SubsidyRule,
    /// Months of spending the `keep_reserve` rule keeps.
    pub floor_months: f64,
}

impl Default for Reserve {
    fn default() -> Self {
        Reserve {
            initial: 0.0,
            rule: SubsidyRule::None,
            floor_months: 0.0,
        }
    }
}

/// A fund through one year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FundYear {
    /// `F*_{t+1}`, before subsidy.
    pub before_subsidy: f64,
    /// `D_t = B_t + A_t − C_t`.
    pub deficit: f64,
    pub subsidy: f64,
    /// `F_{t+1}`.
    pub end: f64,
}

impl Reserve {
    /// Rolls `start` forward through a year with income `income` and spending `spending`
    /// (benefits and other spending) at the return `r`: [`crate::fund::accumulate`], then
    /// the subsidy.
    pub fn roll(&self, start: f64, income: f64, spending: f64, r: f64) -> FundYear {
        let net = income - spending;
        let before_subsidy = crate::fund::accumulate(start, net, r);
        let subsidy = match self.rule {
            SubsidyRule::None => 0.0,
            SubsidyRule::CoverDeficit => (-net).max(0.0),
            SubsidyRule::KeepSolvent => (-before_subsidy).max(0.0),
            SubsidyRule::KeepReserve => {
                (self.floor_months / 12.0 * spending - before_subsidy).max(0.0)
            }
        };
        FundYear {
            before_subsidy,
            deficit: -net,
            subsidy,
            end: before_subsidy + subsidy,
        }
    }
}

/// Months of spending a year-end balance holds: `F_{t+1} / (B_t / 12)` (0 without
/// spending).
#[inline]
pub fn reserve_months(end: f64, spending: f64) -> f64 {
    ratio(end, spending / 12.0)
}

/// What every fund shares in a year of one path: the year index, its labour force, the
/// economy, the collection rate and the pension's row (already written).
pub struct Year<'a> {
    pub t: usize,
    pub labour: &'a Labour,
    pub econ: &'a EconPath,
    /// `k_t`, the share of due contributions collected (the pension's, for all five).
    pub collection: f64,
}

impl Year<'_> {
    /// `W_t`.
    pub fn wage(&self) -> f64 {
        self.econ.wage[self.t]
    }

    /// `r_t`, the return on every fund's reserve.
    pub fn r(&self) -> f64 {
        self.econ.fund_return[self.t]
    }

    /// The contribution base collected from `insured` insured actives whose mean base is
    /// `factor` times the labour force's, in currency:
    /// `insured × factor × base per active × W_t × k_t`.
    pub fn collected_base(&self, insured: f64, factor: f64) -> f64 {
        insured * factor * self.labour.base_per_active() * self.wage() * self.collection
    }
}

/// Whether a fund's balance before subsidy has been below zero in a year up to now.
#[derive(Clone, Copy, Debug, Default)]
pub struct Depletion(bool);

impl Depletion {
    /// Notes the year's balance before subsidy; 1 once the fund has run out, else 0.
    pub fn note(&mut self, before_subsidy: f64) -> f64 {
        self.0 |= before_subsidy < 0.0;
        if self.0 {
            1.0
        } else {
            0.0
        }
    }
}

/// The four funds and the social budget over one path: each fund's year, in years'
/// order, into `rows` (whose pension metrics are written), from `labour` (one per
/// year). Allocates nothing.
pub fn project(model: &Model, labour: &[Labour], econ: &EconPath, rows: &mut [Row]) {
    let f = &model.funds;
    let mut ui = f.unemployment.as_ref().map(|u| u.path());
    let mut med = f.medical.as_ref().map(|m| m.path());
    let mut inj = f.injury.as_ref().map(|i| i.path());
    let mut mat = f.maternity.as_ref().map(|m| m.path());
    for (t, row) in rows.iter_mut().enumerate() {
        let year = Year {
            t,
            labour: &labour[t],
            econ,
            collection: model.contributions.collection_rate[t],
        };
        if let (Some(u), Some(p)) = (&f.unemployment, ui.as_mut()) {
            u.year(&year, p, row);
        }
        if let (Some(m), Some(p)) = (&f.medical, med.as_mut()) {
            m.year(&year, p, row);
        }
        if let (Some(i), Some(p)) = (&f.injury, inj.as_mut()) {
            i.year(&year, p, row);
        }
        if let (Some(m), Some(p)) = (&f.maternity, mat.as_mut()) {
            let cost_index = med.as_ref().map(|p| p.cost_index);
            m.year(&year, p, cost_index, row);
        }
        f.budget.year(model, &year, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsidy_rules_by_hand() {
        let mut r = Reserve {
            initial: 0.0,
            rule: SubsidyRule::None,
            floor_months: 6.0,
        };
        // start 100, income 50, spending 120 at 4 %: 104 − 70 · 1.02 = 32.6
        let y = r.roll(100.0, 50.0, 120.0, 0.04);
        assert!((y.before_subsidy - 32.6).abs() < 1e-12);
        assert_eq!(y.deficit, 70.0);
        assert_eq!(y.subsidy, 0.0);
        r.rule = SubsidyRule::CoverDeficit;
        assert_eq!(r.roll(100.0, 50.0, 120.0, 0.04).subsidy, 70.0);
        r.rule = SubsidyRule::KeepSolvent;
        assert_eq!(r.roll(100.0, 50.0, 120.0, 0.04).subsidy, 0.0);
        assert!((r.roll(0.0, 50.0, 120.0, 0.04).subsidy - 71.4).abs() < 1e-12);
        // keep_reserve: 6 months of 120 = 60 > 32.6: subsidy 27.4, the fund ends at 60
        r.rule = SubsidyRule::KeepReserve;
        let y = r.roll(100.0, 50.0, 120.0, 0.04);
        assert!((y.subsidy - 27.4).abs() < 1e-12);
        assert!((y.end - 60.0).abs() < 1e-12);
    }

    #[test]
    fn reserve_months_and_depletion() {
        assert_eq!(reserve_months(60.0, 120.0), 6.0);
        assert_eq!(reserve_months(60.0, 0.0), 0.0);
        let mut d = Depletion::default();
        assert_eq!(d.note(1.0), 0.0);
        assert_eq!(d.note(-1.0), 1.0);
        assert_eq!(d.note(5.0), 1.0);
    }
}
