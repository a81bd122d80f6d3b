//! Bounded nonlinear least squares by Levenberg–Marquardt, the solver of
//! `fundcast calibrate` ([`crate::calibrate`]).
//!
//! Takes a function giving the residuals `r(x)` (or `None` where it cannot be evaluated,
//! e.g. a scenario made invalid by a trial value) and a box `lower ≤ x ≤ upper`; gives the
//! point that minimises `S(x) = Σ r_i(x)²` found from a start, with the residuals and the
//! Jacobian there (for standard errors).
//!
//! The method (Marquardt 1963, with Nielsen's update of the damping, as in MINPACK's
//! `lmder` family and the `levenberg-marquardt` crate, which a test checks this against):
//!
//! - The Jacobian `J_ij = ∂r_i/∂x_j` by central differences with the step
//!   `h_j = 10⁻⁶ · max(|x_j|, scale_j)` (`scale_j` the parameter's typical size, given
//!   by the caller), one-sided where `x_j ± h_j` would leave the box or cannot be
//!   evaluated. Central differences have a truncation error of order `h²` and a rounding
//!   error of order `ε·|r|/h`: about 10⁻¹⁰ relative at this step.
//! - Each step solves `(JᵀJ + λ D) δ = −Jᵀr` with `D = diag(JᵀJ)` (Marquardt's scaling:
//!   the steps do not depend on the units of the parameters). The trial point is
//!   `x + δ` projected on the box. A trial that lowers `S` is taken and `λ` is multiplied
//!   by `max(1/3, 1 − (2ρ − 1)³)`, where `ρ` is the actual over the predicted reduction;
//!   otherwise (or where the residuals cannot be evaluated) `λ` is multiplied by `ν`,
//!   which doubles at each refusal in a row.
//! - Bounds: a parameter at a bound whose gradient points out of the box is held there
//!   for the step (an active set); the others take the step, projected on the box.
//! - It stops when `S` is 0, when the actual and the predicted relative reductions of `S`
//!   are both below `ftol`, when every step `|δ_j|` is below `xtol · (|x_j| + scale_j)`,
//!   when the scaled gradient (the cosine between `r` and each free column of `J`) is
//!   below `gtol`, or after `max_iterations` iterations.
//!
//! Everything is sequential and in a fixed order: the same inputs give the same bits.

use nalgebra::{DMatrix, DVector};

/// When to stop, and the finite-difference step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// The most iterations (Jacobians).
    pub max_iterations: usize,
    /// Stop when the actual and predicted relative reductions of `S` are both below this.
    pub ftol: f64,
    /// Stop when every step is below `xtol · (|x_j| + scale_j)`.
    pub xtol: f64,
    /// Stop when the scaled gradient of every free parameter is below this.
    pub gtol: f64,
    /// The finite-difference step as a share of `max(|x_j|, scale_j)`.
    pub relative_step: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_iterations: 200,
            ftol: 1e-15,
            xtol: 1e-13,
            gtol: 1e-13,
            relative_step: 1e-6,
        }
    }
}

/// Why the solver stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `S = 0`: every residual is exactly zero.
    Exact,
    /// The relative reduction of `S` fell below `ftol`.
    SmallReduction,
    /// The step fell below `xtol`.
    SmallStep,
    /// The scaled gradient fell below `gtol`.
    SmallGradient,
    /// `max_iterations` were used up (not converged).
    MaxIterations,
    /// No step lowered `S`, however short (`λ` above 10²⁰): as low as the solver gets.
    NoProgress,
}

impl Stop {
    /// Whether this is a convergence (all but [`Stop::MaxIterations`]).
    pub fn converged(self) -> bool {
        !matches!(self, Stop::MaxIterations)
    }

    /// The reason in words.
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Exact => "every residual is zero",
            Stop::SmallReduction => {
                "the sum of squares stopped falling (relative change below 1e-15)"
            }
            Stop::SmallStep => "the step became negligible (below 1e-13 of each parameter)",
            Stop::SmallGradient => "the gradient vanished (scaled gradient below 1e-13)",
            Stop::MaxIterations => "NOT CONVERGED: the iteration limit was reached",
            Stop::NoProgress => "no shorter step lowers the sum of squares any further",
        }
    }
}

/// The result of [`minimize`].
#[derive(Clone, Debug)]
pub struct Fit {
    /// The minimising point found.
    pub x: Vec<f64>,
    /// `r(x)`.
    pub residuals: Vec<f64>,
    /// `J(x)`, by finite differences, rows the residuals, columns the parameters.
    pub jacobian: DMatrix<f64>,
    /// `S(x) = Σ r_i²`.
    pub sum_of_squares: f64,
    /// Iterations (Jacobians computed after the first).
    pub iterations: usize,
    /// Evaluations of the residuals, the Jacobians' included.
    pub evaluations: usize,
    pub stop: Stop,
}

/// Why [`minimize`] cannot run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LeastSquaresError {
    #[error("the residuals cannot be evaluated at the starting point")]
    StartInvalid,
    #[error("parameter {index}: bounds [{lower}, {upper}] are not LO <= HI")]
    BadBounds {
        index: usize,
        lower: f64,
        upper: f64,
    },
    #[error("parameter {index}: the residuals cannot be evaluated on either side of {at}")]
    NoDerivative { index: usize, at: f64 },
    #[error("{parameters} parameters, {bounds} bounds and {scales} scales: expected one each")]
    Shape {
        parameters: usize,
        bounds: usize,
        scales: usize,
    },
}

/// Minimises `Σ r_i(x)²` over `lower ≤ x ≤ upper` from `x0` (projected on the box).
/// `residuals` returns `None` where it cannot be evaluated, or gives a value that is not
/// finite (a trial point there is refused); `scale` is each parameter's typical size
/// (for the finite-difference step and the step test; any positive number).
pub fn minimize(
    mut residuals: impl FnMut(&[f64]) -> Option<Vec<f64>>,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    scale: &[f64],
    opts: &Options,
) -> Result<Fit, LeastSquaresError> {
    let p = x0.len();
    if lower.len() != p || upper.len() != p || scale.len() != p {
        return Err(LeastSquaresError::Shape {
            parameters: p,
            bounds: lower.len().min(upper.len()),
            scales: scale.len(),
        });
    }
    for i in 0..p {
        if lower[i].partial_cmp(&upper[i]).is_none_or(|o| o.is_gt()) {
            return Err(LeastSquaresError::BadBounds {
                index: i,
                lower: lower[i],
                upper: upper[i],
            });
        }
    }
    let mut evaluations = 0;
    let mut eval = |x: &[f64]| {
        evaluations += 1;
        residuals(x).filter(|r| r.iter().all(|v| v.is_finite()))
    };
    let project = |x: &mut [f64]| {
        for i in 0..p {
            x[i] = x[i].clamp(lower[i], upper[i]);
        }
    };
    let mut x = x0.to_vec();
    project(&mut x);
    let mut r = eval(&x).ok_or(LeastSquaresError::StartInvalid)?;
    let mut s = sum_sq(&r);
    let mut jac = jacobian(&mut eval, &x, &r, lower, upper, scale, opts)?;
    let mut lambda = 1e-3;
    let mut nu = 2.0;
    let mut iterations = 0;
    let stop = loop {
        if s == 0.0 {
            break Stop::Exact;
        }
        if iterations >= opts.max_iterations {
            break Stop::MaxIterations;
        }
        let a = jac.transpose() * &jac;
        let g = jac.transpose() * DVector::from_column_slice(&r);
        // The active set: a parameter at a bound that the gradient pushes out is held.
        let free: Vec<usize> = (0..p)
            .filter(|&k| !(x[k] <= lower[k] && g[k] > 0.0 || x[k] >= upper[k] && g[k] < 0.0))
            .collect();
        let gradient = free
            .iter()
            .filter(|&&k| a[(k, k)] > 0.0)
            .map(|&k| g[k].abs() / (a[(k, k)] * s).sqrt())
            .fold(0.0, f64::max);
        if free.is_empty() || gradient <= opts.gtol {
            break Stop::SmallGradient;
        }
        let max_diag = free.iter().map(|&k| a[(k, k)]).fold(0.0, f64::max);
        let floor = if max_diag > 0.0 {
            max_diag * 1e-30
        } else {
            1.0
        };
        let d: Vec<f64> = free.iter().map(|&k| a[(k, k)].max(floor)).collect();
        let n = free.len();
        // Refused trials: more damping, until a step lowers S or none can.
        let taken = loop {
            let mut m = DMatrix::from_fn(n, n, |i, j| a[(free[i], free[j])]);
            for i in 0..n {
                m[(i, i)] += lambda * d[i];
            }
            let rhs = DVector::from_fn(n, |i, _| -g[free[i]]);
            let Some(delta) = m.cholesky().map(|c| c.solve(&rhs)) else {
                lambda *= nu;
                nu *= 2.0;
                if lambda > 1e20 {
                    break None;
                }
                continue;
            };
            let mut trial = x.clone();
            for (i, &k) in free.iter().enumerate() {
                trial[k] += delta[i];
            }
            project(&mut trial);
            let step: Vec<f64> = (0..p).map(|k| trial[k] - x[k]).collect();
            if (0..p).all(|k| step[k].abs() <= opts.xtol * (x[k].abs() + scale[k])) {
                break Some(Err(Stop::SmallStep));
            }
            let accepted = eval(&trial).and_then(|r_new| {
                let s_new = sum_sq(&r_new);
                let sv = DVector::from_column_slice(&step);
                let predicted = -2.0 * g.dot(&sv) - sv.dot(&(&a * &sv));
                let actual = s - s_new;
                (actual > 0.0).then_some((r_new, s_new, actual, predicted))
            });
            match accepted {
                Some((r_new, s_new, actual, predicted)) => {
                    let rho = if predicted > 0.0 {
                        actual / predicted
                    } else {
                        1.0
                    };
                    lambda *= f64::max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0).powi(3));
                    nu = 2.0;
                    let small = actual <= opts.ftol * s && predicted <= opts.ftol * s;
                    x = trial;
                    r = r_new;
                    s = s_new;
                    break Some(Ok(small));
                }
                None => {
                    lambda *= nu;
                    nu *= 2.0;
                    if lambda > 1e20 {
                        break None;
                    }
                }
            }
        };
        iterations += 1;
        match taken {
            None => break Stop::NoProgress,
            Some(Err(stop)) => break stop,
            Some(Ok(small)) => {
                jac = jacobian(&mut eval, &x, &r, lower, upper, scale, opts)?;
                if small {
                    break Stop::SmallReduction;
                }
            }
        }
    };
    Ok(Fit {
        x,
        residuals: r,
        jacobian: jac,
        sum_of_squares: s,
        iterations,
        evaluations,
        stop,
    })
}

fn sum_sq(r: &[f64]) -> f64 {
    r.iter().map(|v| v * v).sum()
}

/// `J(x)` by central differences (one-sided at a bound or where one side cannot be
/// evaluated): the step `h_j = relative_step · max(|x_j|, scale_j)`.
fn jacobian(
    eval: &mut impl FnMut(&[f64]) -> Option<Vec<f64>>,
    x: &[f64],
    r: &[f64],
    lower: &[f64],
    upper: &[f64],
    scale: &[f64],
    opts: &Options,
) -> Result<DMatrix<f64>, LeastSquaresError> {
    let (m, p) = (r.len(), x.len());
    let mut jac = DMatrix::zeros(m, p);
    for j in 0..p {
        let h = opts.relative_step * x[j].abs().max(scale[j]);
        let at = |v: f64| {
            let mut t = x.to_vec();
            t[j] = v;
            t
        };
        let up = (x[j] + h <= upper[j])
            .then(|| eval(&at(x[j] + h)))
            .flatten();
        let down = (x[j] - h >= lower[j])
            .then(|| eval(&at(x[j] - h)))
            .flatten();
        let column: Vec<f64> = match (up, down) {
            (Some(u), Some(d)) => (0..m).map(|i| (u[i] - d[i]) / (2.0 * h)).collect(),
            (Some(u), None) => (0..m).map(|i| (u[i] - r[i]) / h).collect(),
            (None, Some(d)) => (0..m).map(|i| (r[i] - d[i]) / h).collect(),
            (None, None) => {
                // A box narrower than the step: the widest one-sided step inside it.
                let room_up = upper[j] - x[j];
                let room_down = x[j] - lower[j];
                let (t, hh) = if room_up >= room_down {
                    (x[j] + room_up, room_up)
                } else {
                    (x[j] - room_down, -room_down)
                };
                let v = (hh != 0.0).then(|| eval(&at(t))).flatten();
                match v {
                    Some(v) => (0..m).map(|i| (v[i] - r[i]) / hh).collect(),
                    None if hh == 0.0 => vec![0.0; m],
                    None => return Err(LeastSquaresError::NoDerivative { index: j, at: x[j] }),
                }
            }
        };
        for i in 0..m {
            jac[(i, j)] = column[i];
        }
    }
    Ok(jac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn a_straight_line_fit_is_the_closed_form() {
        // y = a + b t on t = 0..4: the normal equations give b = Σ(t − t̄)(y − ȳ)/Σ(t − t̄)².
        let t = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 2.9, 5.2, 7.1, 8.8];
        let (tm, ym) = (2.0, 5.0);
        let b: f64 = t
            .iter()
            .zip(&y)
            .map(|(t, y)| (t - tm) * (y - ym))
            .sum::<f64>()
            / 10.0;
        let a = ym - b * tm;
        let fit = minimize(
            |x| Some(t.iter().zip(&y).map(|(t, y)| x[0] + x[1] * t - y).collect()),
            &[0.0, 0.0],
            &[-INF, -INF],
            &[INF, INF],
            &[1.0, 1.0],
            &Options::default(),
        )
        .unwrap();
        assert!((fit.x[0] - a).abs() < 1e-9, "{} vs {a}", fit.x[0]);
        assert!((fit.x[1] - b).abs() < 1e-9, "{} vs {b}", fit.x[1]);
        assert!(fit.stop.converged());
        // The Jacobian of a linear model is its design matrix.
        assert!((fit.jacobian[(3, 1)] - 3.0).abs() < 1e-6);
    }

    #[test]
    fn rosenbrock_reaches_its_minimum_and_bounds_hold() {
        let rosen = |x: &[f64]| Some(vec![10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0]]);
        let fit = minimize(
            rosen,
            &[-1.2, 1.0],
            &[-INF, -INF],
            &[INF, INF],
            &[1.0, 1.0],
            &Options::default(),
        )
        .unwrap();
        assert!(
            (fit.x[0] - 1.0).abs() < 1e-8 && (fit.x[1] - 1.0).abs() < 1e-8,
            "{:?}",
            fit.x
        );
        // With x0 <= 0.5 the minimum is on the bound: x0 = 0.5, x1 = 0.25.
        let fit = minimize(
            rosen,
            &[-1.2, 1.0],
            &[-INF, -INF],
            &[0.5, INF],
            &[1.0, 1.0],
            &Options::default(),
        )
        .unwrap();
        assert_eq!(fit.x[0], 0.5);
        assert!((fit.x[1] - 0.25).abs() < 1e-8, "{:?}", fit.x);
    }

    #[test]
    fn points_that_cannot_be_evaluated_are_refused() {
        // r = ln(x) − 1 is undefined for x <= 0: from x = 0.1 a full Gauss–Newton step
        // may go there; the fit still ends at e.
        let fit = minimize(
            |x| (x[0] > 0.0).then(|| vec![x[0].ln() - 1.0]),
            &[0.1],
            &[-INF],
            &[INF],
            &[1.0],
            &Options::default(),
        )
        .unwrap();
        assert!((fit.x[0] - std::f64::consts::E).abs() < 1e-9);
        assert_eq!(
            minimize(
                |_| None,
                &[1.0],
                &[-INF],
                &[INF],
                &[1.0],
                &Options::default()
            )
            .unwrap_err(),
            LeastSquaresError::StartInvalid
        );
    }
}
