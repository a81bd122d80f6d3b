//! The fund: roll-forward with mid-year cash flows, the subsidy rules, depletion.
//!
//! Takes a year's flows (contributions, other income, payouts, admin) and the fund
//! return; feeds the projection the year-end balance, the deficit and the subsidy.
//!
//! `F*_{t+1} = F_t (1 + r_t) + (C_t + O_t − B_t − Adm_t)(1 + r_t / 2)`,
//! `D_t = B_t + Adm_t − C_t − O_t`, `F_{t+1} = F*_{t+1} + S_t`; depletion is the first t
//! with `F*_{t+1} < 0`.

/// `F* = F_t (1 + r_t) + net (1 + r_t / 2)`: a balance rolled through a year whose net
/// cash flow `net` comes in mid-year on average. The one roll-forward of every fund (the
/// pension's and the four of [`crate::funds`]).
#[inline(always)]
pub fn accumulate(start: f64, net: f64, r: f64) -> f64 {
    start * (1.0 + r) + net * (1.0 + r / 2.0)
}

/// How the government subsidises the fund in a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubsidyRule {
    None,
    /// A yearly amount (schedule).
    Fixed,
    /// `s · B_t`.
    ShareOfPayouts,
    /// `max(0, D_t)`.
    CoverDeficit,
    /// `max(0, −F*_{t+1})`: local finance underwrites the fund.
    KeepSolvent,
}

/// Scenario keys of the subsidy rules.
pub const SUBSIDY_RULES: [&str; 5] = [
    "none",
    "fixed",
    "share_of_payouts",
    "cover_deficit",
    "keep_solvent",
];

impl SubsidyRule {
    pub fn from_index(i: usize) -> SubsidyRule {
        [
            SubsidyRule::None,
            SubsidyRule::Fixed,
            SubsidyRule::ShareOfPayouts,
            SubsidyRule::CoverDeficit,
            SubsidyRule::KeepSolvent,
        ][i]
    }
}

/// Fund parameters, resolved by year.
#[derive(Clone, Debug, PartialEq)]
pub struct FundRules {
    /// `F_y0`, balance at the start of the base year.
    pub initial: f64,
    /// `a_t`, admin cost as a share of contributions.
    pub admin_rate: Vec<f64>,
    /// Other income: a scheduled amount …
    pub other_amount: Vec<f64>,
    /// … plus a share of payouts …
    pub other_share_of_payouts: Vec<f64>,
    /// … plus a share of contributions.
    pub other_share_of_contributions: Vec<f64>,
    pub subsidy_rule: Vec<SubsidyRule>,
    pub subsidy_amount: Vec<f64>,
    pub subsidy_share: Vec<f64>,
    /// Subsidy cap as a share of payouts, by year (`S_t ≤ cap · B_t`); infinite: none.
    pub subsidy_cap_share: Vec<f64>,
    /// Subsidy cap as a yearly amount, by year; infinite: none.
    pub subsidy_cap_amount: Vec<f64>,
}

/// A year of the fund.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FundYear {
    /// `F*_{t+1}`, before subsidy.
    pub before_subsidy: f64,
    pub deficit: f64,
    pub subsidy: f64,
    /// `F_{t+1}`.
    pub end: f64,
}

/// The year's cash flows (currency unit).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Flows {
    pub contributions: f64,
    pub other_income: f64,
    pub payouts: f64,
    pub admin: f64,
}

impl FundRules {
    /// Admin cost and other income of year index `t`, given contributions and payouts.
    #[inline(always)]
    pub fn flows(&self, t: usize, contributions: f64, payouts: f64) -> Flows {
        Flows {
            contributions,
            payouts,
            admin: self.admin_rate[t] * contributions,
            other_income: self.other_amount[t]
                + self.other_share_of_payouts[t] * payouts
                + self.other_share_of_contributions[t] * contributions,
        }
    }

    /// Rolls the balance `start` forward through year index `t` at return `r`.
    #[inline(always)]
    pub fn roll_forward(&self, t: usize, start: f64, flows: &Flows, r: f64) -> FundYear {
        let net = flows.contributions + flows.other_income - flows.payouts - flows.admin;
        let before_subsidy = accumulate(start, net, r);
        let deficit = -net;
        let subsidy = match self.subsidy_rule[t] {
            SubsidyRule::None => 0.0,
            SubsidyRule::Fixed => self.subsidy_amount[t],
            SubsidyRule::ShareOfPayouts => self.subsidy_share[t] * flows.payouts,
            SubsidyRule::CoverDeficit => deficit.max(0.0),
            SubsidyRule::KeepSolvent => (-before_subsidy).max(0.0),
        }
        .min(self.subsidy_cap_share[t] * flows.payouts)
        .min(self.subsidy_cap_amount[t]);
        FundYear {
            before_subsidy,
            deficit,
            subsidy,
            end: before_subsidy + subsidy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(rule: SubsidyRule) -> FundRules {
        FundRules {
            initial: 0.0,
            admin_rate: vec![0.02],
            other_amount: vec![5.0],
            other_share_of_payouts: vec![0.1],
            other_share_of_contributions: vec![0.0],
            subsidy_rule: vec![rule],
            subsidy_amount: vec![30.0],
            subsidy_share: vec![0.15],
            subsidy_cap_share: vec![f64::INFINITY],
            subsidy_cap_amount: vec![f64::INFINITY],
        }
    }

    fn year(rule: SubsidyRule) -> FundYear {
        let r = rules(rule);
        // C = 100, B = 200: Adm = 2, O = 5 + 20 = 25, net = 100 + 25 − 200 − 2 = −77
        let flows = r.flows(0, 100.0, 200.0);
        assert_eq!(flows.admin, 2.0);
        assert_eq!(flows.other_income, 25.0);
        r.roll_forward(0, 50.0, &flows, 0.04)
    }

    #[test]
    fn roll_forward_with_mid_year_flows_by_hand() {
        let y = year(SubsidyRule::None);
        // 50 · 1.04 − 77 · 1.02 = 52 − 78.54 = −26.54
        assert!((y.before_subsidy - (-26.54)).abs() < 1e-12);
        assert_eq!(y.deficit, 77.0);
        assert_eq!(y.subsidy, 0.0);
        assert_eq!(y.end, y.before_subsidy);
    }

    #[test]
    fn each_subsidy_rule_by_hand() {
        assert_eq!(year(SubsidyRule::Fixed).subsidy, 30.0);
        assert!((year(SubsidyRule::ShareOfPayouts).subsidy - 30.0).abs() < 1e-12);
        assert_eq!(year(SubsidyRule::CoverDeficit).subsidy, 77.0);
        let k = year(SubsidyRule::KeepSolvent);
        assert!((k.subsidy - 26.54).abs() < 1e-12);
        assert!(k.end.abs() < 1e-12);
    }

    #[test]
    fn subsidy_caps_bind() {
        let mut r = rules(SubsidyRule::CoverDeficit);
        r.subsidy_cap_share = vec![0.25];
        let flows = r.flows(0, 100.0, 200.0);
        // deficit 77, cap 0.25 · 200 = 50
        assert_eq!(r.roll_forward(0, 50.0, &flows, 0.04).subsidy, 50.0);
        r.subsidy_cap_amount = vec![40.0];
        assert_eq!(r.roll_forward(0, 50.0, &flows, 0.04).subsidy, 40.0);
    }
}
