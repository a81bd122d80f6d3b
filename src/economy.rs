//! The economy: wage growth, inflation, fund return and entrant growth as correlated AR(1)
//! processes around scheduled means, the mortality period factor `K_t`, and the average
//! wage `W_t` they imply.
//!
//! Takes the scenario's process parameters and one path's standard normal shocks; feeds
//! the projection one value per year of each variable ([`EconPath`]).
//!
//! `X[k,t] = μ_k,t + φ_k (X[k,t−1] − μ_k,t−1) + σ_k ε[k,t]`, `ε_t = L z_t`, with `L` the
//! Cholesky factor of the correlation matrix (order g, π, r, e); `X[k,y0]` is the
//! scenario's initial value; `K_t = K_{t−1} + σ_K z_K,t`, `K_y0 = 0`;
//! `W_t = W_{t−1} (1 + g_t)`. The deterministic projection is the same with every z = 0.

use nalgebra::DMatrix;
use rand::distr::Distribution;
use rand::Rng;

use crate::math::StandardNormal;

/// Index of each economic variable in [`Economy::processes`] and in a year's shocks.
pub const WAGE_GROWTH: usize = 0;
pub const INFLATION: usize = 1;
pub const FUND_RETURN: usize = 2;
pub const ENTRANT_GROWTH: usize = 3;
/// Scenario keys of the variables, in the correlation matrix's order.
pub const VARIABLE_KEYS: [&str; 4] = ["wage_growth", "inflation", "fund_return", "entrant_growth"];
/// Normal draws per path and projected year: four economic shocks and `z_K`, always
/// drawn (MODEL.md convention 15) so that scenarios share their random numbers.
pub const SHOCKS_PER_YEAR: usize = 5;
/// Position of the mortality shock among a year's draws.
pub const MORTALITY_SHOCK: usize = 4;
/// Normal draws per projected year of the funds' own processes (the unemployment rate,
/// excess medical inflation), drawn after all of a path's [`SHOCKS_PER_YEAR`] draws and
/// only when a fund adds a process ([`Economy::has_fund_processes`]): a scenario without
/// them draws exactly what it drew before.
pub const FUND_SHOCKS_PER_YEAR: usize = 2;

/// One AR(1) process; `mean` is resolved per year (index 0 = base year).
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub mean: Vec<f64>,
    pub phi: f64,
    pub sigma: f64,
    pub initial: f64,
}

impl Process {
    /// A constant process with no randomness.
    pub fn constant(value: f64, years: usize) -> Process {
        Process {
            mean: vec![value; years],
            phi: 0.0,
            sigma: 0.0,
            initial: value,
        }
    }
}

/// A process that a fund adds to the economy (`src/funds/`): an AR(1) like the others,
/// whose innovation is correlated with theirs. `loading` is its row of the Cholesky
/// factor of the whole correlation matrix: `ε = Σ_k loading[k] z_k` over the year's four
/// economic shocks, then the funds' two (`z_u`, `z_m`).
#[derive(Clone, Debug, PartialEq)]
pub struct FundProcess {
    pub process: Process,
    pub loading: [f64; 6],
}

impl FundProcess {
    /// The process with its correlations `corr` with wage growth, inflation, fund return,
    /// entrant growth and the earlier fund process (`index`: 0 the unemployment rate, 1
    /// excess medical inflation), given the Cholesky factor of the four economic
    /// variables and the earlier fund process's loading; `None` when the whole matrix is
    /// not positive definite.
    pub fn correlated(
        process: Process,
        corr: [f64; 5],
        base: &[[f64; 4]; 4],
        earlier: Option<&[f64; 6]>,
        index: usize,
    ) -> Option<FundProcess> {
        // Forward substitution: row i of L solves L[..i,..i] l = c.
        let mut l = [0.0; 6];
        for j in 0..4 {
            let s: f64 = (0..j).map(|k| l[k] * base[j][k]).sum();
            l[j] = (corr[j] - s) / base[j][j];
        }
        if index == 1 {
            if let Some(u) = earlier {
                let s: f64 = (0..4).map(|k| l[k] * u[k]).sum();
                l[4] = (corr[4] - s) / u[4];
            }
        }
        let rest = 1.0 - l.iter().map(|x| x * x).sum::<f64>();
        if rest <= 1e-12 {
            return None;
        }
        l[4 + index] = rest.sqrt();
        Some(FundProcess {
            process,
            loading: l,
        })
    }
}

/// Economic assumptions of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Economy {
    pub processes: [Process; 4],
    /// Whether the scenario defines entrant growth (else `e` plays no part).
    pub has_entrant_growth: bool,
    /// Lower Cholesky factor of the correlation matrix, row-major 4×4 (identity where
    /// a variable is absent).
    pub cholesky: [[f64; 4]; 4],
    /// `W_y0`, the base year's average covered wage (annual, currency unit).
    pub initial_wage: f64,
    /// Rate for the present value of deficits.
    pub discount_rate: f64,
    /// `σ_K` of the mortality random walk.
    pub mortality_sigma: f64,
    /// The registered unemployment rate (unemployment insurance), when a fund adds it.
    pub unemployment: Option<FundProcess>,
    /// Excess medical inflation (medical insurance), when a fund adds it.
    pub medical_inflation: Option<FundProcess>,
}

/// One path's economic variables, one value per projected year (index 0 = base year).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EconPath {
    pub wage_growth: Vec<f64>,
    pub inflation: Vec<f64>,
    pub fund_return: Vec<f64>,
    pub entrant_growth: Vec<f64>,
    /// Mortality period factor `K_t`.
    pub mortality_k: Vec<f64>,
    /// Average covered wage `W_t`.
    pub wage: Vec<f64>,
    /// The registered unemployment rate `u_t` (0 without unemployment insurance).
    pub unemployment_rate: Vec<f64>,
    /// Excess medical inflation `m_t` (0 without medical insurance).
    pub medical_inflation: Vec<f64>,
}

impl EconPath {
    pub fn with_years(years: usize) -> EconPath {
        EconPath {
            wage_growth: vec![0.0; years],
            inflation: vec![0.0; years],
            fund_return: vec![0.0; years],
            entrant_growth: vec![0.0; years],
            mortality_k: vec![0.0; years],
            wage: vec![0.0; years],
            unemployment_rate: vec![0.0; years],
            medical_inflation: vec![0.0; years],
        }
    }
}

/// Why a matrix is not a valid correlation matrix (entries are 1-based, as written).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CholeskyError {
    #[error("row {row} has {len} entries, expected {expected}")]
    Ragged {
        row: usize,
        len: usize,
        expected: usize,
    },
    #[error("diagonal entry {index} is {value}, expected 1")]
    Diagonal { index: usize, value: f64 },
    #[error("not symmetric: entry ({i},{j}) is {value} but ({j},{i}) is {mirror}")]
    Asymmetric {
        i: usize,
        j: usize,
        value: f64,
        mirror: f64,
    },
    #[error("entry ({i},{j}) is {value}: correlations must lie strictly between -1 and 1")]
    OutOfRange { i: usize, j: usize, value: f64 },
    #[error("the matrix is not positive definite")]
    NotPositiveDefinite,
}

/// Cholesky factor of a correlation matrix, or why it is not a valid one.
pub fn cholesky(corr: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, CholeskyError> {
    let n = corr.len();
    if let Some((i, row)) = corr.iter().enumerate().find(|(_, r)| r.len() != n) {
        return Err(CholeskyError::Ragged {
            row: i + 1,
            len: row.len(),
            expected: n,
        });
    }
    for (i, row) in corr.iter().enumerate() {
        if (row[i] - 1.0).abs() > 1e-12 {
            return Err(CholeskyError::Diagonal {
                index: i + 1,
                value: row[i],
            });
        }
        for (j, v) in row.iter().enumerate() {
            if (v - corr[j][i]).abs() > 1e-12 {
                return Err(CholeskyError::Asymmetric {
                    i: i + 1,
                    j: j + 1,
                    value: *v,
                    mirror: corr[j][i],
                });
            }
            if i != j && v.abs() >= 1.0 {
                return Err(CholeskyError::OutOfRange {
                    i: i + 1,
                    j: j + 1,
                    value: *v,
                });
            }
        }
    }
    let m = DMatrix::from_fn(n, n, |i, j| corr[i][j]);
    let chol = m.cholesky().ok_or(CholeskyError::NotPositiveDefinite)?;
    let l = chol.l();
    Ok((0..n)
        .map(|i| (0..n).map(|j| l[(i, j)]).collect())
        .collect())
}

impl Economy {
    /// Whether a fund adds a process, and with it [`FUND_SHOCKS_PER_YEAR`] draws a year.
    pub fn has_fund_processes(&self) -> bool {
        self.unemployment.is_some() || self.medical_inflation.is_some()
    }

    /// Normal draws of one path over `years` years: [`SHOCKS_PER_YEAR`] a year, then, when
    /// a fund adds a process, [`FUND_SHOCKS_PER_YEAR`] a year after them.
    pub fn shocks_per_path(&self, years: usize) -> usize {
        let funds = if self.has_fund_processes() {
            FUND_SHOCKS_PER_YEAR
        } else {
            0
        };
        years * (SHOCKS_PER_YEAR + funds)
    }

    /// Draws one path's shocks: `SHOCKS_PER_YEAR` standard normals for each year after the
    /// base year, in year order; the base year's slots stay zero. A longer slice (the
    /// funds' draws after them, [`Economy::shocks_per_path`]) is drawn on in order: the
    /// first draws are the same whatever follows.
    pub fn draw_shocks<R: Rng + ?Sized>(rng: &mut R, shocks: &mut [f64]) {
        shocks[..SHOCKS_PER_YEAR].fill(0.0);
        for z in shocks[SHOCKS_PER_YEAR..].iter_mut() {
            *z = StandardNormal.sample(rng);
        }
    }

    /// Fills `path` from the shocks (`None`: the deterministic path, every z = 0).
    pub fn fill_path(&self, shocks: Option<&[f64]>, path: &mut EconPath) {
        let years = path.wage.len();
        let mut x = [0.0; 4];
        for (k, p) in self.processes.iter().enumerate() {
            x[k] = p.initial;
        }
        let mut k_factor = 0.0;
        let mut wage = self.initial_wage;
        for t in 0..years {
            if t > 0 {
                let z = match shocks {
                    Some(s) => &s[t * SHOCKS_PER_YEAR..(t + 1) * SHOCKS_PER_YEAR],
                    None => &[0.0; SHOCKS_PER_YEAR][..],
                };
                for (k, p) in self.processes.iter().enumerate() {
                    let row = &self.cholesky[k];
                    let eps = row[0] * z[0] + row[1] * z[1] + row[2] * z[2] + row[3] * z[3];
                    x[k] = p.mean[t] + p.phi * (x[k] - p.mean[t - 1]) + p.sigma * eps;
                }
                k_factor += self.mortality_sigma * z[MORTALITY_SHOCK];
                wage *= 1.0 + x[WAGE_GROWTH];
            }
            path.wage_growth[t] = x[WAGE_GROWTH];
            path.inflation[t] = x[INFLATION];
            path.fund_return[t] = x[FUND_RETURN];
            path.entrant_growth[t] = if self.has_entrant_growth {
                x[ENTRANT_GROWTH]
            } else {
                0.0
            };
            path.mortality_k[t] = k_factor;
            path.wage[t] = wage;
        }
        if self.has_fund_processes() {
            self.fill_fund_processes(shocks, path);
        }
    }

    /// The funds' processes of one path: `u_t` and `m_t`, each
    /// `μ_t + φ (X_{t−1} − μ_{t−1}) + σ ε_t` with `ε_t` its row of the Cholesky factor
    /// times the year's six shocks (the four economic ones and the funds' two, read
    /// after the path's [`SHOCKS_PER_YEAR`] draws). The unemployment rate is kept in
    /// `[0, 1]`.
    fn fill_fund_processes(&self, shocks: Option<&[f64]>, path: &mut EconPath) {
        let years = path.wage.len();
        let main = years * SHOCKS_PER_YEAR;
        let fund = [&self.unemployment, &self.medical_inflation];
        let mut x = [0.0; 2];
        for (k, f) in fund.iter().enumerate() {
            if let Some(f) = f {
                x[k] = f.process.initial;
            }
        }
        for t in 0..years {
            if t > 0 {
                let mut z = [0.0; 6];
                if let Some(s) = shocks {
                    z[..4].copy_from_slice(&s[t * SHOCKS_PER_YEAR..t * SHOCKS_PER_YEAR + 4]);
                    let at = main + t * FUND_SHOCKS_PER_YEAR;
                    z[4..].copy_from_slice(&s[at..at + FUND_SHOCKS_PER_YEAR]);
                }
                for (k, f) in fund.iter().enumerate() {
                    if let Some(f) = f {
                        let p = &f.process;
                        let eps: f64 = (0..6).map(|j| f.loading[j] * z[j]).sum();
                        x[k] = p.mean[t] + p.phi * (x[k] - p.mean[t - 1]) + p.sigma * eps;
                    }
                }
                x[0] = x[0].clamp(0.0, 1.0);
            }
            path.unemployment_rate[t] = x[0];
            path.medical_inflation[t] = x[1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn economy(years: usize) -> Economy {
        let mut cholesky = [[0.0; 4]; 4];
        for (i, row) in cholesky.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        Economy {
            processes: [
                Process::constant(0.1, years),
                Process::constant(0.02, years),
                Process::constant(0.05, years),
                Process::constant(0.0, years),
            ],
            has_entrant_growth: false,
            cholesky,
            initial_wage: 1000.0,
            discount_rate: 0.0,
            mortality_sigma: 0.0,
            unemployment: None,
            medical_inflation: None,
        }
    }

    #[test]
    fn deterministic_wage_compounds_from_base_year() {
        let e = economy(3);
        let mut p = EconPath::with_years(3);
        e.fill_path(None, &mut p);
        // 1000 · 1.1 = 1100 and 1100 · 1.1 = 1210 both round to the exact value in f64.
        assert_eq!(p.wage, vec![1000.0, 1100.0, 1210.0]);
    }

    #[test]
    fn ar1_follows_its_recursion_by_hand() {
        let mut e = economy(3);
        e.processes[FUND_RETURN] = Process {
            mean: vec![0.05, 0.05, 0.03],
            phi: 0.5,
            sigma: 0.1,
            initial: 0.07,
        };
        let mut shocks = vec![0.0; 3 * SHOCKS_PER_YEAR];
        shocks[SHOCKS_PER_YEAR + FUND_RETURN] = 1.0;
        shocks[2 * SHOCKS_PER_YEAR + FUND_RETURN] = -2.0;
        let mut p = EconPath::with_years(3);
        e.fill_path(Some(&shocks), &mut p);
        // r1 = 0.05 + 0.5 (0.07 − 0.05) + 0.1 = 0.16; r2 = 0.03 + 0.5 (0.16 − 0.05) − 0.2
        assert!((p.fund_return[1] - 0.16).abs() < 1e-15);
        assert!((p.fund_return[2] - (0.03 + 0.5 * 0.11 - 0.2)).abs() < 1e-15);
    }

    #[test]
    fn cholesky_rejects_non_positive_definite_and_unit_correlation() {
        let bad = vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert!(cholesky(&bad)
            .unwrap_err()
            .to_string()
            .contains("positive definite"));
        let one = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        assert!(cholesky(&one).unwrap_err().to_string().contains("strictly"));
        let asym = vec![vec![1.0, 0.2], vec![0.1, 1.0]];
        assert!(cholesky(&asym)
            .unwrap_err()
            .to_string()
            .contains("symmetric"));
        let ragged = vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0], vec![0.0]];
        assert!(cholesky(&ragged).unwrap_err().to_string().contains("row 3"));
    }

    #[test]
    fn cholesky_of_two_by_two_by_hand() {
        let l = cholesky(&[vec![1.0, 0.6], vec![0.6, 1.0]]).unwrap();
        assert!((l[1][0] - 0.6).abs() < 1e-15);
        assert!((l[1][1] - 0.8).abs() < 1e-15);
        assert_eq!(l[0][1], 0.0);
    }
}
