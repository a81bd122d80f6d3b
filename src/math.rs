//! The transcendental functions the engine's numbers depend on, in one place: `exp`,
//! `ln`, `powf`, `log10`, the normal density and distribution function, and the standard
//! normal sampler that draws every shock.
//!
//! Without the cargo feature `portable-math` (the default) they are the standard
//! library's (`f64::exp`, which calls the system's C math library), `statrs`' normal
//! density and distribution function, and `rand_distr::StandardNormal`: the numbers of
//! every earlier version. Outputs are then bit-identical across thread counts and
//! instruction sets on one platform, but another C math library may differ in the last
//! bit ([montecarlo.md](../docs/montecarlo.md#what-is-promised-across-machines)).
//!
//! With `portable-math` every one of them goes through the `libm` crate (a Rust port of
//! musl's math library, the same code on every target): `exp`, `ln`, `powf` and `log10`
//! are `libm`'s; the normal density is `exp(−d²/2) / (√(2π) σ)` with `libm::exp`; the
//! normal distribution function is `½ erfc((μ − x) / (σ √2))` with `libm::erfc`; and the
//! sampler is [`StandardNormal`], the ziggurat of `rand_distr` (same algorithm, same
//! tables, same use of the random stream) with its `exp` and `ln` taken from `libm`. The
//! rest of the engine's arithmetic is IEEE 754 (`+ − × ÷ √`, no fused multiply-add), so
//! the results are then the same bits on every platform with IEEE binary64 arithmetic
//! (every 64-bit target; not x87-only 32-bit x86, where `libm` itself uses the x87 unit).
//!
//! The numbers differ between the two builds (the functions round differently in the
//! last bit for some arguments); each build is stable on its own.

mod ziggurat_tables;

use rand::distr::{Distribution, Open01};
use rand::{Rng, RngExt};

/// `eˣ`.
#[inline]
pub fn exp(x: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return x.exp();
    #[cfg(feature = "portable-math")]
    return libm::exp(x);
}

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return x.ln();
    #[cfg(feature = "portable-math")]
    return libm::log(x);
}

/// `xʸ`.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return x.powf(y);
    #[cfg(feature = "portable-math")]
    return libm::pow(x, y);
}

/// The base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return x.log10();
    #[cfg(feature = "portable-math")]
    return libm::log10(x);
}

/// The density of `N(mean, sd²)` at `x`: `exp(−d²/2) / (√(2π) sd)`, `d = (x − mean) / sd`;
/// `sd > 0`.
pub fn normal_pdf(x: f64, mean: f64, sd: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return statrs::distribution::Continuous::pdf(
        &statrs::distribution::Normal::new(mean, sd).expect("sd validated > 0"),
        x,
    );
    #[cfg(feature = "portable-math")]
    {
        let d = (x - mean) / sd;
        libm::exp(-0.5 * d * d) / (SQRT_2PI * sd)
    }
}

/// `√(2π)`, as `statrs` writes it.
#[cfg(feature = "portable-math")]
#[allow(clippy::excessive_precision)]
const SQRT_2PI: f64 = 2.5066282746310005024157652848110452530069867406099;

/// The distribution function of `N(mean, sd²)` at `x`: `½ erfc((mean − x) / (sd √2))`;
/// `sd > 0`.
pub fn normal_cdf(x: f64, mean: f64, sd: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return statrs::distribution::ContinuousCDF::cdf(
        &statrs::distribution::Normal::new(mean, sd).expect("sd validated > 0"),
        x,
    );
    #[cfg(feature = "portable-math")]
    return 0.5 * libm::erfc((mean - x) / (sd * std::f64::consts::SQRT_2));
}

/// The standard normal distribution function at `x`, `½ erfc(−x / √2)`: the same
/// bits as [`normal_cdf`]`(x, 0, 1)` without building a distribution per call.
#[inline]
pub fn std_normal_cdf(x: f64) -> f64 {
    #[cfg(not(feature = "portable-math"))]
    return 0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2);
    #[cfg(feature = "portable-math")]
    return 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
}

/// The sampler of every shock: `rand_distr::StandardNormal` without `portable-math`, else
/// [`Ziggurat`] with `libm`'s `exp` and `ln` (the same draws but where those round
/// differently).
#[cfg(not(feature = "portable-math"))]
pub use rand_distr::StandardNormal;

/// The sampler of every shock: `rand_distr::StandardNormal` without `portable-math`, else
/// [`Ziggurat`] with `libm`'s `exp` and `ln` (the same draws but where those round
/// differently).
#[cfg(feature = "portable-math")]
#[derive(Clone, Copy, Debug)]
pub struct StandardNormal;

#[cfg(feature = "portable-math")]
impl Distribution<f64> for StandardNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        Ziggurat { exp, ln }.sample(rng)
    }
}

/// The standard normal by the ziggurat method (Doornik's ZIGNOR, 2005), as
/// `rand_distr::StandardNormal` 0.6 draws it, operation for operation and random number
/// for random number, with its tables (`src/math/ziggurat_tables.rs`) and with the `exp` and `ln`
/// it is given: with `f64::exp` and `f64::ln` it returns `rand_distr`'s numbers bit for
/// bit (tested), with `libm`'s the portable ones.
///
/// Each draw takes one `u64`: its low 8 bits pick a box `i`, its top 52 bits a `u` in
/// `[−1, 1)`, `x = u x_i`; `|x| < x_{i+1}` (about 99 % of draws) returns `x`. Else box 0
/// samples the tail beyond `R` (two `Open01` per try, `ln` of each); another box tests
/// `f_{i+1} + (f_i − f_{i+1}) v < exp(−x²/2)` with one more uniform `v`, and starts over
/// with a new `u64` if it fails.
#[derive(Clone, Copy, Debug)]
pub struct Ziggurat {
    /// `eˣ`.
    pub exp: fn(f64) -> f64,
    /// The natural logarithm.
    pub ln: fn(f64) -> f64,
}

impl Distribution<f64> for Ziggurat {
    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use ziggurat_tables::{ZIG_NORM_F as F, ZIG_NORM_R, ZIG_NORM_X as X};
        loop {
            let bits = rng.next_u64();
            let i = bits as usize & 0xff;
            // The top 52 bits as the mantissa of a number in [2, 4), minus 3: [−1, 1)
            // (rand's `into_float_with_exponent(1) - 3.0`).
            let u = f64::from_bits((bits >> 12) | (1024u64 << 52)) - 3.0;
            let x = u * X[i];
            if x.abs() < X[i + 1] {
                return x;
            }
            if i == 0 {
                // The tail beyond R (Marsaglia's method).
                let mut x = 1.0f64;
                let mut y = 0.0f64;
                while -2.0 * y < x * x {
                    let x_: f64 = rng.sample(Open01);
                    let y_: f64 = rng.sample(Open01);
                    x = (self.ln)(x_) / ZIG_NORM_R;
                    y = (self.ln)(y_);
                }
                return if u < 0.0 {
                    x - ZIG_NORM_R
                } else {
                    ZIG_NORM_R - x
                };
            }
            if F[i + 1] + (F[i] - F[i + 1]) * rng.random::<f64>() < (self.exp)(-x * x / 2.0) {
                return x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::SeedableRng;

    /// The port is `rand_distr`'s sampler: with the standard library's `exp` and `ln`, the
    /// same bits and the same use of the stream, on enough draws to pass through the
    /// tail (box 0) and the wedges many times.
    #[test]
    fn ziggurat_with_std_maths_draws_what_rand_distr_draws() {
        let ours = Ziggurat {
            exp: f64::exp,
            ln: f64::ln,
        };
        let (mut tails, mut far) = (0, 0);
        for seed in [1u64, 2, 12345] {
            let mut a = ChaCha8Rng::seed_from_u64(seed);
            let mut b = ChaCha8Rng::seed_from_u64(seed);
            for n in 0..300_000 {
                let x: f64 = ours.sample(&mut a);
                let y: f64 = rand_distr::StandardNormal.sample(&mut b);
                assert_eq!(x.to_bits(), y.to_bits(), "seed {seed}, draw {n}");
                tails += usize::from(x.abs() > ziggurat_tables::ZIG_NORM_R);
                far += usize::from(x.abs() > 4.0);
            }
            assert_eq!(a.next_u64(), b.next_u64(), "the same use of the stream");
        }
        assert!(tails > 50 && far > 5, "tails {tails}, beyond 4: {far}");
    }

    /// The functions are the standard library's without the feature.
    #[cfg(not(feature = "portable-math"))]
    #[test]
    fn without_the_feature_the_functions_are_std() {
        for x in [0.3, 1.7, -2.5, 40.1] {
            assert_eq!(exp(x).to_bits(), x.exp().to_bits());
            assert_eq!(powf(1.03, x).to_bits(), 1.03f64.powf(x).to_bits());
            assert_eq!(ln(x.abs()).to_bits(), x.abs().ln().to_bits());
        }
    }

    /// The portable normal density and distribution function are the formulas they say,
    /// close to `statrs`' (whose `erfc` is another approximation, and in the far tail the
    /// less exact one: Φ(−3.75) is 8.8417285200803868e-5, `libm` gives
    /// 8.841728520080404e-5, `statrs` 8.841728520795281e-5).
    #[cfg(feature = "portable-math")]
    #[test]
    fn portable_normal_functions_match_statrs_closely() {
        use statrs::distribution::{Continuous, ContinuousCDF, Normal};
        let n = Normal::new(20.0, 4.0).unwrap();
        for x in [5.0, 15.0, 19.5, 20.0, 27.0, 40.0] {
            let (p, c) = (normal_pdf(x, 20.0, 4.0), normal_cdf(x, 20.0, 4.0));
            assert!((p - n.pdf(x)).abs() <= 1e-15 * n.pdf(x), "pdf({x}) {p}");
            assert!((c - n.cdf(x)).abs() <= 1e-9 * n.cdf(x), "cdf({x}) {c}");
        }
        let tail = normal_cdf(5.0, 20.0, 4.0);
        assert!(
            (tail - 8.841_728_520_080_387e-5).abs() < 1e-14 * tail,
            "{tail}"
        );
    }
}
