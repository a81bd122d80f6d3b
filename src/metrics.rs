//! The metric registry: one table of everything fundcast reports.
//!
//! Each [`Metric`] of [`REGISTRY`] has its key (its name in CSV files, in `run.json` and
//! on the command line), its [`Unit`], its [`Scope`] (the scheme or fund that reports it)
//! its [`Kind`] (a yearly column, a per-path measure, a measure of a comparison or of a
//! whole scenario) and a one-line doc. Everything else comes from the table:
//!
//! - the yearly columns of `deterministic.csv` and `summary.csv` and their order
//!   ([`METRICS`]), the index of each in a [`Row`](crate::projection::Row) ([`metric`]),
//!   how many a model reports ([`metrics_of`]);
//! - the per-path measures summarised after the yearly series ([`PATH_MEASURES`], the
//!   `path_measures` of `run.json`);
//! - the per-scenario measures of `fundcast compare` ([`COMPARED_MEASURES`],
//!   [`COMPARED_CHINA_MEASURES`]), whose names the lines of `comparison.csv` carry;
//! - the measures that `solve` and `sensitivity` accept ([`MEASURE_NAMES`]);
//! - the tables of `docs/model.md` (and the names of `docs/scenario-format.md` and
//!   `docs/montecarlo.md`), which the tests at the bottom of this file compare with the
//!   registry, so that the docs cannot drift from it.
//!
//! **Adding a yearly metric** is one entry in the `yearly` block below (after the last
//! entry of its scope: a model's columns are the first [`metrics_of`] of a row), then its
//! value, written to `row[metric::NEW_NAME]` in the projection; the failing doc test then
//! prints the table row to paste into `docs/model.md`. A per-path or compared measure is
//! one entry and one arm computing it (`montecarlo::path_measures`,
//! `compare`'s `compared_value`); a measure of `solve` also needs its `Measure` variant.
//!
//! **Adding a fund** (unemployment, medical, work-injury or maternity insurance): a
//! [`Scope`] variant, with [`Scope::applies_to`] and [`Scope::name`], and its entries.

use crate::model::Model;

/// Which scheme or fund reports a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// MODEL.md's pension scheme: reported by every scenario.
    Base,
    /// China's urban employee rules (`benefit.formula = "china_urban_employee"`): the
    /// individual accounts and their fund.
    ChinaUrbanEmployee,
    /// Unemployment insurance (`[unemployment]`, `src/funds/unemployment.rs`).
    Unemployment,
    /// Employee medical insurance (`[medical]`, `src/funds/medical.rs`).
    Medical,
    /// Work-injury insurance (`[work_injury]`, `src/funds/injury.rs`).
    WorkInjury,
    /// Maternity insurance (`[maternity]`, `src/funds/maternity.rs`).
    Maternity,
    /// The five-fund social budget: reported when any of the four funds is on.
    SocialBudget,
}

impl Scope {
    /// Whether a model reports the metrics of this scope.
    pub fn applies_to(self, model: &Model) -> bool {
        match self {
            Scope::Base => true,
            Scope::ChinaUrbanEmployee => model.china.is_some(),
            Scope::Unemployment => model.funds.unemployment.is_some(),
            Scope::Medical => model.funds.medical.is_some(),
            Scope::WorkInjury => model.funds.injury.is_some(),
            Scope::Maternity => model.funds.maternity.is_some(),
            Scope::SocialBudget => model.funds.any(),
        }
    }

    /// Whether the scope is the pension's (its metrics are the columns of
    /// `deterministic.csv`), else one of the other four funds' or the social budget's
    /// (`funds.csv`, `social-budget.csv`).
    pub const fn is_pension(self) -> bool {
        matches!(self, Scope::Base | Scope::ChinaUrbanEmployee)
    }

    /// The fund a scope's metrics belong to, as `funds.csv` names it.
    pub const fn fund(self) -> &'static str {
        match self {
            Scope::Base | Scope::ChinaUrbanEmployee => "pension",
            Scope::Unemployment => "unemployment",
            Scope::Medical => "medical",
            Scope::WorkInjury => "work_injury",
            Scope::Maternity => "maternity",
            Scope::SocialBudget => "social_budget",
        }
    }

    /// The scope as the docs' tables name it.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::Base => "every scenario",
            Scope::ChinaUrbanEmployee => "`china_urban_employee`",
            Scope::Unemployment => "`[unemployment]`",
            Scope::Medical => "`[medical]`",
            Scope::WorkInjury => "`[work_injury]`",
            Scope::Maternity => "`[maternity]`",
            Scope::SocialBudget => "any of the four funds",
        }
    }
}

/// What a metric is a value of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One value per year and path: a column of `deterministic.csv`, a metric of
    /// `summary.csv`.
    Yearly,
    /// One value per path over the whole horizon, summarised after the yearly series.
    PerPath,
    /// One value per path and scenario of `fundcast compare`, after the per-path measures.
    Compared,
    /// One value per scenario, a target of `solve` or the measure of `sensitivity` (as the
    /// per-path measures are).
    Scenario,
}

impl Kind {
    /// The kind as the docs' tables name it.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Yearly => "yearly",
            Kind::PerPath => "per path",
            Kind::Compared => "compared",
            Kind::Scenario => "scenario",
        }
    }
}

/// The unit of a metric's values (money in the scenario's currency unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A head count (fractional: the model works with expected numbers).
    Persons,
    /// A head count of events in a year.
    PersonsPerYear,
    /// A quotient of two values of the same unit (0 when the denominator is 0).
    Ratio,
    /// A flow of money over a year.
    CurrencyPerYear,
    /// A stock or a sum of money.
    Currency,
    /// 1 or 0 (its mean over paths is a probability).
    Indicator,
    /// A share of paths.
    Probability,
    /// A calendar year.
    Year,
}

impl Unit {
    /// The unit as the docs' tables name it.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Persons => "persons",
            Unit::PersonsPerYear => "persons per year",
            Unit::Ratio => "ratio",
            Unit::CurrencyPerYear => "currency unit per year",
            Unit::Currency => "currency unit",
            Unit::Indicator => "0 or 1",
            Unit::Probability => "probability",
            Unit::Year => "year",
        }
    }
}

/// One entry of the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    /// The name in output files and on the command line (`(YEAR)` at the end: the
    /// measure takes a year, e.g. `p_depleted_by(2050)`).
    pub key: &'static str,
    pub unit: Unit,
    pub scope: Scope,
    pub kind: Kind,
    /// What the value is, in one line (the definition column of the docs' tables).
    pub doc: &'static str,
}

/// Defines [`REGISTRY`] and the index constants of [`metric`] from one list of entries;
/// an entry's doc comment is its one-line doc (lines joined).
macro_rules! registry {
    (
        yearly {
            $( $(#[doc = $doc:literal])+ $name:ident = $key:literal, $unit:ident, $scope:ident; )*
        }
        $( $kind:ident {
            $( $(#[doc = $odoc:literal])+ $okey:literal, $ounit:ident, $oscope:ident; )*
        } )*
    ) => {
        /// Every metric, the yearly ones first in their column order.
        pub const REGISTRY: &[Metric] = &[
            $( Metric {
                key: $key,
                unit: Unit::$unit,
                scope: Scope::$scope,
                kind: Kind::Yearly,
                doc: concat!($($doc),+).trim_ascii(),
            }, )*
            $( $( Metric {
                key: $okey,
                unit: Unit::$ounit,
                scope: Scope::$oscope,
                kind: Kind::$kind,
                doc: concat!($($odoc),+).trim_ascii(),
            }, )* )*
        ];

        /// Index of each yearly metric in a [`Row`](crate::projection::Row): its position
        /// in [`METRICS`](crate::metrics::METRICS).
        pub mod metric {
            $( $(#[doc = $doc])+ pub const $name: usize = super::index_of($key); )*

            /// Every constant with its name, for the tests.
            #[cfg(test)]
            pub(super) const ALL: &[(&str, usize)] = &[$((stringify!($name), $name)),*];
        }
    };
}

registry! {
    yearly {
        /// `Σ N^A`
        CONTRIBUTORS = "contributors", Persons, Base;
        /// `Σ N^R + Σ N^I`
        PENSIONERS = "pensioners", Persons, Base;
        /// `pensioners / contributors`
        DEPENDENCY_RATIO = "dependency_ratio", Ratio, Base;
        /// `W_t`
        AVERAGE_WAGE = "average_wage", CurrencyPerYear, Base;
        /// `B_t / pensioners`
        AVERAGE_PENSION = "average_pension", CurrencyPerYear, Base;
        /// `average_pension / W_t`
        REPLACEMENT_RATIO = "replacement_ratio", Ratio, Base;
        /// `C_t`
        CONTRIBUTIONS = "contributions", CurrencyPerYear, Base;
        /// `B_t`
        PAYOUTS = "payouts", CurrencyPerYear, Base;
        /// `Adm_t`
        ADMIN = "admin", CurrencyPerYear, Base;
        /// `D_t = B_t + Adm_t − C_t − O_t`
        DEFICIT = "deficit", CurrencyPerYear, Base;
        /// `S_t`
        SUBSIDY = "subsidy", CurrencyPerYear, Base;
        /// `F_{t+1}`, after subsidy
        FUND_END = "fund_end", Currency, Base;
        /// `Σ_{u=y0+1..t} D_u` (0 in the base year)
        CUMULATIVE_DEFICIT = "cumulative_deficit", Currency, Base;
        /// `Σ N^V`
        VESTED = "vested", Persons, Base;
        /// `Σ N^I`
        DISABLED = "disabled", Persons, Base;
        /// `O_t`
        OTHER_INCOME = "other_income", CurrencyPerYear, Base;
        /// awards of year t's moves: disability (step 4) and retirements of `A` and `V`
        /// (step 7, first paid in t+1); not conversions, nor pensioner entrants
        NEW_PENSIONS = "new_pensions", PersonsPerYear, Base;
        /// the mean first pension of those awards (including `d_I` and the age
        /// adjustment); **0 when no pension is awarded**
        AVERAGE_FIRST_PENSION = "average_first_pension", CurrencyPerYear, Base;
        /// `E_t`: employee contributions credited to the individual accounts
        IA_CONTRIBUTIONS = "ia_contributions", CurrencyPerYear, ChinaUrbanEmployee;
        /// `F^IA_{t+1}`: the individual-account fund at year end (funded accounts)
        IA_FUND_END = "ia_fund_end", Currency, ChinaUrbanEmployee;
        /// `Bal_{t+1}`: the notional balances of all individual accounts at year end
        IA_BALANCES = "ia_balances", Currency, ChinaUrbanEmployee;
        /// `Bal_{t+1} − F^IA_{t+1}`: the debt of empty accounts (negative when the fund
        /// holds more than the balances)
        IA_IMPLICIT_DEBT = "ia_implicit_debt", Currency, ChinaUrbanEmployee;
        /// the mean first basic + transitional pension of the year's awards (disability
        /// awards with their whole pension)
        BASIC_PENSION_AVG = "basic_pension_avg", CurrencyPerYear, ChinaUrbanEmployee;
        /// `u_t`, the registered unemployment rate
        UNEMPLOYMENT_RATE = "unemployment_rate", Ratio, Unemployment;
        /// insured: `insured_share · Σ N^A`
        UNEMPLOYMENT_INSURED = "unemployment_insured", Persons, Unemployment;
        /// new claims: insured `· u_t ·` inflow `·` eligible share `·` take-up, plus the
        /// extra claimants
        UNEMPLOYMENT_NEW_CLAIMS = "unemployment_new_claims", PersonsPerYear, Unemployment;
        /// the mean stock of claimants through the year
        UNEMPLOYMENT_CLAIMANTS = "unemployment_claimants", Persons, Unemployment;
        /// employer and employee contributions collected
        UNEMPLOYMENT_CONTRIBUTIONS = "unemployment_contributions", CurrencyPerYear, Unemployment;
        /// benefits with the claimants' medical subsidy
        UNEMPLOYMENT_BENEFITS = "unemployment_benefits", CurrencyPerYear, Unemployment;
        /// re-employment and training spending
        UNEMPLOYMENT_OTHER_SPENDING = "unemployment_other_spending", CurrencyPerYear, Unemployment;
        /// `S_t` of the unemployment fund
        UNEMPLOYMENT_SUBSIDY = "unemployment_subsidy", CurrencyPerYear, Unemployment;
        /// the unemployment fund at year end, after subsidy
        UNEMPLOYMENT_FUND_END = "unemployment_fund_end", Currency, Unemployment;
        /// the fund at year end in months of the year's spending
        UNEMPLOYMENT_RESERVE_MONTHS = "unemployment_reserve_months", Ratio, Unemployment;
        /// 1 once the fund's balance before subsidy has been below 0
        UNEMPLOYMENT_DEPLETED = "unemployment_depleted", Indicator, Unemployment;
        /// insured actives and retirees
        MEDICAL_INSURED = "medical_insured", Persons, Medical;
        /// insured actives (they alone contribute)
        MEDICAL_CONTRIBUTORS = "medical_contributors", Persons, Medical;
        /// insured retirees (covered without contributing)
        MEDICAL_RETIREES = "medical_retirees", Persons, Medical;
        /// `K_t`: the mean yearly cost of an insured person at relative cost 1
        MEDICAL_COST_INDEX = "medical_cost_index", CurrencyPerYear, Medical;
        /// the pool's share of contributions collected
        MEDICAL_POOL_INCOME = "medical_pool_income", CurrencyPerYear, Medical;
        /// the pool's reimbursements between the deductible and the ceiling
        MEDICAL_POOL_SPENDING = "medical_pool_spending", CurrencyPerYear, Medical;
        /// the pool's current-year deficit: spending − income
        MEDICAL_POOL_DEFICIT = "medical_pool_deficit", CurrencyPerYear, Medical;
        /// `S_t` of the pool
        MEDICAL_SUBSIDY = "medical_subsidy", CurrencyPerYear, Medical;
        /// the pool at year end, after subsidy
        MEDICAL_POOL_END = "medical_pool_end", Currency, Medical;
        /// the pool at year end in months of the year's pool spending
        MEDICAL_RESERVE_MONTHS = "medical_reserve_months", Ratio, Medical;
        /// the early warning: 1 when the pool holds less than `warning_months` of spending
        MEDICAL_WARNING = "medical_warning", Indicator, Medical;
        /// 1 once the pool's balance before subsidy has been below 0
        MEDICAL_DEPLETED = "medical_depleted", Indicator, Medical;
        /// the individual accounts' share of contributions collected
        MEDICAL_ACCOUNT_INCOME = "medical_account_income", CurrencyPerYear, Medical;
        /// spending from the individual accounts (below the deductible, within balances)
        MEDICAL_ACCOUNT_SPENDING = "medical_account_spending", CurrencyPerYear, Medical;
        /// the individual accounts' balance at year end
        MEDICAL_ACCOUNT_END = "medical_account_end", Currency, Medical;
        /// insured: `insured_share · Σ N^A`
        INJURY_INSURED = "injury_insured", Persons, WorkInjury;
        /// new injuries (every grade, deaths and cases healed without disability)
        INJURY_NEW_CASES = "injury_new_cases", PersonsPerYear, WorkInjury;
        /// disability and survivor annuitants in payment
        INJURY_ANNUITANTS = "injury_annuitants", Persons, WorkInjury;
        /// employer contributions collected
        INJURY_CONTRIBUTIONS = "injury_contributions", CurrencyPerYear, WorkInjury;
        /// spending charged: lump sums, treatment and annuities paid (pay-as-you-go) or the
        /// capitals of the year's new annuities (constituent capitals)
        INJURY_BENEFITS = "injury_benefits", CurrencyPerYear, WorkInjury;
        /// disability lump sums and death grants
        INJURY_LUMP_SUMS = "injury_lump_sums", CurrencyPerYear, WorkInjury;
        /// disability and survivor annuities paid
        INJURY_ANNUITIES_PAID = "injury_annuities_paid", CurrencyPerYear, WorkInjury;
        /// `S_t` of the work-injury fund
        INJURY_SUBSIDY = "injury_subsidy", CurrencyPerYear, WorkInjury;
        /// the work-injury fund at year end, after subsidy
        INJURY_FUND_END = "injury_fund_end", Currency, WorkInjury;
        /// the reserve fund (pay-as-you-go) or the capital fund (constituent capitals)
        INJURY_RESERVE = "injury_reserve", Currency, WorkInjury;
        /// the fund at year end in months of the year's spending
        INJURY_RESERVE_MONTHS = "injury_reserve_months", Ratio, WorkInjury;
        /// 1 once the fund's balance before subsidy has been below 0
        INJURY_DEPLETED = "injury_depleted", Indicator, WorkInjury;
        /// insured: `insured_share · Σ N^A`
        MATERNITY_INSURED = "maternity_insured", Persons, Maternity;
        /// births to insured women
        MATERNITY_BIRTHS = "maternity_births", PersonsPerYear, Maternity;
        /// employer contributions collected
        MATERNITY_CONTRIBUTIONS = "maternity_contributions", CurrencyPerYear, Maternity;
        /// maternity allowances and childbirth medical lump sums
        MATERNITY_BENEFITS = "maternity_benefits", CurrencyPerYear, Maternity;
        /// `S_t` of the maternity fund
        MATERNITY_SUBSIDY = "maternity_subsidy", CurrencyPerYear, Maternity;
        /// the maternity fund at year end, after subsidy
        MATERNITY_FUND_END = "maternity_fund_end", Currency, Maternity;
        /// the fund at year end in months of the year's spending
        MATERNITY_RESERVE_MONTHS = "maternity_reserve_months", Ratio, Maternity;
        /// 1 once the fund's balance before subsidy has been below 0
        MATERNITY_DEPLETED = "maternity_depleted", Indicator, Maternity;
        /// contributions collected by the five funds
        BUDGET_CONTRIBUTIONS = "budget_contributions", CurrencyPerYear, SocialBudget;
        /// the five funds' statutory rates on the contribution base, each weighted by its
        /// insured share of the actives
        BUDGET_STATUTORY_LEVY = "budget_statutory_levy", Ratio, SocialBudget;
        /// `budget_contributions / (W_t Σ N^A w_rel)`: collected, as a share of payroll
        BUDGET_COLLECTED_LEVY = "budget_collected_levy", Ratio, SocialBudget;
        /// the five funds' subsidies
        BUDGET_SUBSIDY = "budget_subsidy", CurrencyPerYear, SocialBudget;
        /// other social spending: `other_social_share · FS_t`
        BUDGET_OTHER_SOCIAL = "budget_other_social", CurrencyPerYear, SocialBudget;
        /// `FS_t`, local fiscal spending
        BUDGET_FISCAL_SPENDING = "budget_fiscal_spending", CurrencyPerYear, SocialBudget;
        /// `(budget_subsidy + budget_other_social) / FS_t`
        BUDGET_SOCIAL_SHARE = "budget_social_share", Ratio, SocialBudget;
        /// 1 when the share reaches `target_share` (the plan's 15 %)
        BUDGET_SHARE_MET = "budget_share_met", Indicator, SocialBudget;
    }
    PerPath {
        /// `Σ_{t=y0+1..yH} D_t` (net: surpluses offset deficits)
        "cumulative_deficit", Currency, Base;
        /// `Σ_{t=y0+1..yH} S_t`
        "cumulative_subsidy", Currency, Base;
        /// `Σ_{t=y0+1..yH} D_t (1 + d)^−(t − y0 − 0.5)`, at 1 January of `y0 + 1`
        "pv_deficits", Currency, Base;
    }
    Compared {
        /// the dependency ratio of the year `yH`
        "dependency_ratio_horizon", Ratio, Base;
        /// the replacement ratio of the year `yH`
        "replacement_ratio_horizon", Ratio, Base;
        /// 1 if the fund is depleted in `y0..=yH`, else 0
        "depleted_by_horizon", Indicator, Base;
        /// `ia_fund_end` of the year `yH` (0 for a scenario under another formula)
        "ia_fund_end_horizon", Currency, ChinaUrbanEmployee;
        /// `ia_implicit_debt` of the year `yH` (0 for a scenario under another formula)
        "ia_implicit_debt_horizon", Currency, ChinaUrbanEmployee;
        /// `unemployment_fund_end` of the year `yH` (0 for a scenario without the fund)
        "unemployment_fund_end_horizon", Currency, Unemployment;
        /// `unemployment_depleted` of the year `yH` (its mean: P(depleted by `yH`))
        "unemployment_depleted_by_horizon", Indicator, Unemployment;
        /// `medical_pool_end` of the year `yH` (0 for a scenario without the fund)
        "medical_pool_end_horizon", Currency, Medical;
        /// `medical_depleted` of the year `yH`
        "medical_depleted_by_horizon", Indicator, Medical;
        /// `injury_fund_end` of the year `yH` (0 for a scenario without the fund)
        "injury_fund_end_horizon", Currency, WorkInjury;
        /// `injury_depleted` of the year `yH`
        "injury_depleted_by_horizon", Indicator, WorkInjury;
        /// `maternity_fund_end` of the year `yH` (0 for a scenario without the fund)
        "maternity_fund_end_horizon", Currency, Maternity;
        /// `maternity_depleted` of the year `yH`
        "maternity_depleted_by_horizon", Indicator, Maternity;
        /// `budget_social_share` of the year `yH` (0 for a scenario without the funds)
        "budget_social_share_horizon", Ratio, SocialBudget;
        /// `budget_share_met` of the year `yH` (its mean: P(share ≥ target in `yH`))
        "budget_share_met_horizon", Indicator, SocialBudget;
    }
    Scenario {
        /// year of depletion of the **deterministic** projection, `yH + 1` when the fund
        /// lasts
        "depletion_year", Year, Base;
        /// Monte Carlo `P(depletion year ≤ YEAR)`, `YEAR` in `y0..=yH`; needs paths
        "p_depleted_by(YEAR)", Probability, Base;
    }
}

/// Whether two keys are the same (in a constant).
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `m` is of one of `kinds` and, if given, of `scope`.
const fn selected(m: &Metric, kinds: &[Kind], scope: Option<Scope>) -> bool {
    let in_scope = match scope {
        Some(s) => m.scope as u8 == s as u8,
        None => true,
    };
    let mut k = 0;
    while k < kinds.len() {
        if m.kind as u8 == kinds[k] as u8 {
            return in_scope;
        }
        k += 1;
    }
    false
}

/// How many entries are of one of `kinds` (and of `scope`, if given).
const fn count(kinds: &[Kind], scope: Option<Scope>) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < REGISTRY.len() {
        if selected(&REGISTRY[i], kinds, scope) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The keys of the entries of `kinds` (and of `scope`, if given): those of `kinds[0]`
/// first, each kind in the registry's order.
const fn keys<const N: usize>(kinds: &[Kind], scope: Option<Scope>) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut k, mut n) = (0, 0);
    while k < kinds.len() {
        let mut i = 0;
        while i < REGISTRY.len() {
            if selected(&REGISTRY[i], &[kinds[k]], scope) {
                out[n] = REGISTRY[i].key;
                n += 1;
            }
            i += 1;
        }
        k += 1;
    }
    assert!(n == N, "the length is the count");
    out
}

/// Position of `key` in `keys` (in a constant: a key that is not there fails the build).
pub const fn position(keys: &[&str], key: &str) -> usize {
    let mut i = 0;
    while i < keys.len() {
        if same(keys[i], key) {
            return i;
        }
        i += 1;
    }
    panic!("not in the list")
}

/// Position of a yearly metric in [`METRICS`].
const fn index_of(key: &str) -> usize {
    position(&METRICS, key)
}

/// Number of yearly metrics: the length of a [`Row`](crate::projection::Row).
pub const N_METRICS: usize = count(&[Kind::Yearly], None);

/// Names of the yearly metrics, in the column order of `deterministic.csv` (after `year`).
pub const METRICS: [&str; N_METRICS] = keys(&[Kind::Yearly], None);

/// Metrics of MODEL.md (the columns of every scenario); the rest exist only under China's
/// rules (`china_urban_employee`).
pub const N_BASE_METRICS: usize = count(&[Kind::Yearly], Some(Scope::Base));

/// Metrics a model reports: those of the scopes that apply to it, which are the first
/// this many of a [`Row`](crate::projection::Row) (MODEL.md's, plus the individual-account
/// ones under China's rules). Monte Carlo series and output columns use these.
pub fn metrics_of(model: &Model) -> usize {
    REGISTRY[..N_METRICS]
        .iter()
        .take_while(|m| m.scope.is_pension() && m.scope.applies_to(model))
        .count()
}

/// Number of the pension's yearly metrics (MODEL.md's and China's rules'): the fund
/// metrics come after them in a [`Row`](crate::projection::Row).
pub const N_PENSION_METRICS: usize =
    N_BASE_METRICS + count(&[Kind::Yearly], Some(Scope::ChinaUrbanEmployee));

/// The yearly metrics of the other four funds and the social budget that a model
/// reports, as indices into a [`Row`](crate::projection::Row), in the registry's order:
/// the Monte Carlo series keep them after the per-path measures (empty when no fund is
/// on).
pub fn fund_metrics_of(model: &Model) -> Vec<usize> {
    (N_PENSION_METRICS..N_METRICS)
        .filter(|&i| REGISTRY[i].scope.applies_to(model))
        .collect()
}

/// Number of per-path measures.
pub const N_PATH_MEASURES: usize = count(&[Kind::PerPath], None);

/// Per-path measures kept after the yearly metrics, in this order.
pub const PATH_MEASURES: [&str; N_PATH_MEASURES] = keys(&[Kind::PerPath], None);

/// Per-path measures of each scenario of a comparison, in this order (the per-path
/// measures, then the compared ones of every scenario), then one indicator "depleted by
/// year" for each marked year.
pub const COMPARED_MEASURES: [&str; count(&[Kind::PerPath, Kind::Compared], Some(Scope::Base))] =
    keys(&[Kind::PerPath, Kind::Compared], Some(Scope::Base));

/// The other funds' yearly metrics that Monte Carlo runs summarise over paths (their
/// percentiles in `summary.csv`, depletion probabilities, the measures `METRIC(YEAR)`
/// with paths): each fund's spending, subsidy, balance and depletion indicator, the
/// unemployment rate and claimants, the medical pool's deficit, reserve in months and
/// early warning, and the social budget's subsidies,
/// share, target indicator and collected levy. The others (contributions, head counts
/// of the insured, new cases, births, the accounts, …) are in the deterministic files
/// only: each summarised series costs about 0.5 % of a five-fund run's time
/// (`docs/performance.md`).
pub const FUND_SERIES: [usize; 25] = {
    use metric::*;
    [
        UNEMPLOYMENT_RATE,
        UNEMPLOYMENT_CLAIMANTS,
        UNEMPLOYMENT_BENEFITS,
        UNEMPLOYMENT_SUBSIDY,
        UNEMPLOYMENT_FUND_END,
        UNEMPLOYMENT_DEPLETED,
        MEDICAL_POOL_SPENDING,
        MEDICAL_POOL_DEFICIT,
        MEDICAL_SUBSIDY,
        MEDICAL_POOL_END,
        MEDICAL_RESERVE_MONTHS,
        MEDICAL_WARNING,
        MEDICAL_DEPLETED,
        INJURY_BENEFITS,
        INJURY_SUBSIDY,
        INJURY_FUND_END,
        INJURY_DEPLETED,
        MATERNITY_BENEFITS,
        MATERNITY_SUBSIDY,
        MATERNITY_FUND_END,
        MATERNITY_DEPLETED,
        BUDGET_SUBSIDY,
        BUDGET_SOCIAL_SHARE,
        BUDGET_SHARE_MET,
        BUDGET_COLLECTED_LEVY,
    ]
};

/// The other funds' metrics of a model that Monte Carlo runs summarise ([`FUND_SERIES`]
/// of [`fund_metrics_of`]), in the registry's order: the series after the per-path
/// measures.
pub fn fund_series_of(model: &Model) -> Vec<usize> {
    fund_metrics_of(model)
        .into_iter()
        .filter(|i| FUND_SERIES.contains(i))
        .collect()
}

/// Extra per-path measures of a comparison when a scenario uses China's rules (after the
/// marked years).
pub const COMPARED_CHINA_MEASURES: [&str;
    count(&[Kind::Compared], Some(Scope::ChinaUrbanEmployee))] =
    keys(&[Kind::Compared], Some(Scope::ChinaUrbanEmployee));

/// Extra per-path measures of a comparison when a scenario has any of the other four
/// funds on (after China's): every fund's and the social budget's, 0 for a scenario
/// without that fund.
pub const COMPARED_FUND_MEASURES: [&str; count_funds_compared()] = fund_compared_keys();

const fn count_funds_compared() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < REGISTRY.len() {
        if REGISTRY[i].kind as u8 == Kind::Compared as u8 && !REGISTRY[i].scope.is_pension() {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn fund_compared_keys<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let (mut i, mut j) = (0, 0);
    while i < REGISTRY.len() {
        if REGISTRY[i].kind as u8 == Kind::Compared as u8 && !REGISTRY[i].scope.is_pension() {
            out[j] = REGISTRY[i].key;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Measures that `solve` and `sensitivity` accept: the scenario measures, then the
/// per-path ones.
pub const MEASURE_NAMES: [&str; count(&[Kind::Scenario, Kind::PerPath], None)] =
    keys(&[Kind::Scenario, Kind::PerPath], None);

/// The unit of a measure or line named after a registry key (the longest key it starts
/// with: `medical_depleted(2010)`, `unemployment_fund_end_horizon_mean`), if any.
pub fn unit_of_name(name: &str) -> Option<Unit> {
    REGISTRY
        .iter()
        .filter(|m| name.starts_with(m.key))
        .max_by_key(|m| m.key.len())
        .map(|m| m.unit)
}

/// Entries of `kind`, in the registry's order.
pub fn of_kind(kind: Kind) -> impl Iterator<Item = &'static Metric> {
    REGISTRY.iter().filter(move |m| m.kind == kind)
}

/// The registry's entries as rows of a markdown table: `| key | unit | scope | doc |`.
pub fn markdown_rows<'a>(entries: impl IntoIterator<Item = &'a Metric>) -> Vec<String> {
    entries
        .into_iter()
        .map(|m| {
            format!(
                "| `{}` | {} | {} | {} |",
                m.key,
                m.unit.name(),
                m.scope.name(),
                m.doc
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_constants_are_positions_of_their_entries() {
        assert_eq!(metric::ALL.len(), N_METRICS);
        for (i, (name, index)) in metric::ALL.iter().enumerate() {
            assert_eq!(*index, i, "{name}");
            assert_eq!(REGISTRY[i].kind, Kind::Yearly, "{name}");
            assert_eq!(REGISTRY[i].key, name.to_lowercase(), "{name}");
            assert_eq!(METRICS[*index], name.to_lowercase());
        }
        assert_eq!(metric::CONTRIBUTORS, 0);
        assert_eq!(metric::BASIC_PENSION_AVG, 22);
    }

    #[test]
    fn yearly_columns_are_unchanged() {
        // The columns of deterministic.csv, as they were before the registry.
        let expected = [
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
        assert_eq!(METRICS[..N_PENSION_METRICS], expected);
        assert_eq!(METRICS[N_PENSION_METRICS], "unemployment_rate");
        assert_eq!(METRICS[N_METRICS - 1], "budget_share_met");
        assert_eq!(N_BASE_METRICS, 18);
        assert_eq!(
            PATH_MEASURES,
            ["cumulative_deficit", "cumulative_subsidy", "pv_deficits"]
        );
        assert_eq!(
            MEASURE_NAMES,
            [
                "depletion_year",
                "p_depleted_by(YEAR)",
                "cumulative_deficit",
                "cumulative_subsidy",
                "pv_deficits",
            ]
        );
        assert_eq!(
            COMPARED_MEASURES[N_PATH_MEASURES..],
            [
                "dependency_ratio_horizon",
                "replacement_ratio_horizon",
                "depleted_by_horizon"
            ]
        );
        assert_eq!(
            COMPARED_CHINA_MEASURES,
            ["ia_fund_end_horizon", "ia_implicit_debt_horizon"]
        );
    }

    #[test]
    fn keys_are_unique_within_a_kind_and_yearly_entries_come_first() {
        for (i, a) in REGISTRY.iter().enumerate() {
            assert!(!a.key.is_empty() && !a.doc.is_empty(), "{a:?}");
            assert!(!a.doc.contains('|'), "a doc in a table cell: {}", a.key);
            for b in &REGISTRY[i + 1..] {
                assert!(a.key != b.key || a.kind != b.kind, "{} twice", a.key);
            }
            assert_eq!(a.kind == Kind::Yearly, i < N_METRICS, "{}", a.key);
        }
    }

    #[test]
    fn a_models_metrics_are_a_prefix_of_a_row() {
        // The scopes of the yearly entries come in order: every scope's entries after
        // those of the scopes that every model with it also reports.
        let order = |s: Scope| match s {
            Scope::Base => 0,
            Scope::ChinaUrbanEmployee => 1,
            Scope::Unemployment => 2,
            Scope::Medical => 3,
            Scope::WorkInjury => 4,
            Scope::Maternity => 5,
            Scope::SocialBudget => 6,
        };
        assert!(REGISTRY[..N_PENSION_METRICS]
            .iter()
            .all(|m| m.scope.is_pension()));
        assert!(REGISTRY[N_PENSION_METRICS..N_METRICS]
            .iter()
            .all(|m| !m.scope.is_pension()));
        let yearly = &REGISTRY[..N_METRICS];
        assert!(yearly
            .windows(2)
            .all(|w| order(w[0].scope) <= order(w[1].scope)));
        // Per-path measures are in every model's series.
        assert!(of_kind(Kind::PerPath).all(|m| m.scope == Scope::Base));
    }

    /// The rows of the first table after the line `heading` of a doc file.
    fn table_after(file: &str, heading: &str) -> Vec<String> {
        let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut lines = text
            .lines()
            .skip_while(|l| l.trim() != heading)
            .skip(1)
            .skip_while(|l| !l.starts_with('|'));
        assert!(
            lines.next().is_some(),
            "no table after `{heading}` in {file}"
        );
        lines
            .skip(1) // |---|
            .take_while(|l| l.starts_with('|'))
            .map(str::to_string)
            .collect()
    }

    /// The names in backquotes of a table's first column (rows whose first cell starts
    /// with a backquote).
    fn first_column_keys(rows: &[String]) -> Vec<String> {
        rows.iter()
            .filter_map(|r| r.split('|').nth(1))
            .map(str::trim)
            .filter(|c| c.starts_with('`'))
            .flat_map(|c| c.split(", ").map(|k| k.trim_matches('`').to_string()))
            .collect()
    }

    fn check_table(file: &str, heading: &str, entries: Vec<&Metric>) {
        let expected = markdown_rows(entries);
        // Rows of names in backquotes (a table may add rows of its own, e.g. a family
        // of measures with a parameter).
        let got: Vec<String> = table_after(file, heading)
            .into_iter()
            .filter(|r| r.starts_with("| `"))
            .collect();
        assert!(
            got == expected,
            "the table after `{heading}` in {file} differs from the registry; it should read\n\n\
             | metric | unit | scope | definition |\n|---|---|---|---|\n{}\n",
            expected.join("\n")
        );
    }

    #[test]
    fn docs_table_of_yearly_metrics_is_the_registry() {
        check_table(
            "docs/model.md",
            "### Yearly metrics",
            of_kind(Kind::Yearly).collect(),
        );
    }

    #[test]
    fn docs_table_of_per_path_measures_is_the_registry() {
        check_table(
            "docs/model.md",
            "### Per path",
            of_kind(Kind::PerPath).collect(),
        );
        check_table(
            "docs/model.md",
            "### `fundcast compare`: measures of a comparison",
            of_kind(Kind::PerPath)
                .chain(of_kind(Kind::Compared))
                .collect(),
        );
    }

    #[test]
    fn docs_name_the_registrys_measures() {
        let rows = table_after("docs/model.md", "### Measures of `solve` and `sensitivity`");
        assert_eq!(first_column_keys(&rows), MEASURE_NAMES);
        let china: Vec<&str> = of_kind(Kind::Yearly)
            .filter(|m| m.scope == Scope::ChinaUrbanEmployee)
            .map(|m| m.key)
            .collect();
        let rows = table_after(
            "docs/scenario-format.md",
            "#### Outputs under China's rules",
        );
        assert_eq!(first_column_keys(&rows), china);
        let path = format!("{}/docs/montecarlo.md", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        let series = format!(
            "series = years × metrics + {N_PATH_MEASURES}        metrics = {N_BASE_METRICS} \
             ({N_PENSION_METRICS} with the china_urban_employee formula)"
        );
        assert!(text.contains(&series), "docs/montecarlo.md: {series}");
    }
}
