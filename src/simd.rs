//! Lanes: the vector type the projection computes with, and the one place where the
//! instruction set is chosen.
//!
//! A cell of the projection holds one value per path projected together. [`Real`] is
//! the arithmetic of such a cell, shared by `f64` (one path) and the lane types, so that a
//! formula is written once and reads as maths (`a = b * stay + v * e`). The lane types
//! are explicit vector code: [`Avx512x8`] (eight lanes in one AVX-512 register),
//! [`Avx2x4`] (four lanes in one AVX2 register) and [`Portable`] (any number of lanes, a
//! loop per operation: the baseline). Every lane takes exactly the IEEE operations a lone
//! `f64` would take, in the same order, and Rust never fuses a multiplication and an
//! addition: the three give the same bits (tests check it on every shipped scenario).
//!
//! [`Isa::chosen`] picks the instruction set once per run from the processor, or from
//! the environment variable `FUNDCAST_ISA` (`baseline`, `avx2` or `avx512`; an
//! instruction set the processor lacks falls back to the best it has). [`Real::enter`]
//! runs a [`Kernel`] compiled for the lane type's instruction set: the kernel and
//! everything it calls are `#[inline(always)]`, so they are compiled into the entry
//! function with its target features.
//!
//! All the crate's `unsafe` code is in this module. Soundness rests on one invariant: a
//! value of [`Avx2x4`] or [`Avx512x8`] exists only where the processor has the
//! instruction set. The types have no public constructor: the first value of each
//! comes from [`Isa::zero`], which checks the processor, and
//! every other value is made from an existing one (operators, [`Real::splat`] takes
//! `self`).

#![allow(unsafe_code)]

use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Most lanes of any lane type.
pub const MAX_LANES: usize = 8;

/// The arithmetic of a cell: one `f64` per lane, each lane computed on its own.
pub trait Real:
    Copy
    + fmt::Debug
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// Lanes of the type.
    const LANES: usize;
    /// A value of this type with `x` in every lane (`self` only vouches for the type).
    fn splat(self, x: f64) -> Self;
    /// Lane `l`'s value.
    fn lane(self, l: usize) -> f64;
    /// A value of this type with lane `l` from `f(l)` (`self` only vouches for the type).
    #[allow(clippy::wrong_self_convention)]
    fn from_fn(self, f: impl FnMut(usize) -> f64) -> Self;
    /// `self < o ? self : o` in each lane (x86's `minpd`; `f64::min` except for NaN).
    fn min(self, o: Self) -> Self;
    /// `o > self ? o : self` in each lane (x86's `maxpd` with the operands as LLVM lowers
    /// `f64::max`: the same bits except for NaN).
    fn max(self, o: Self) -> Self;
    /// Each lane of `self` through `f` (a call per lane: for `exp` and the like).
    #[inline(always)]
    fn map(self, mut f: impl FnMut(f64) -> f64) -> Self {
        self.from_fn(|l| f(self.lane(l)))
    }
    /// Runs `kernel` compiled for this type's instruction set.
    fn enter<K: Kernel>(self, kernel: K) -> K::Output;
    /// Every lane, into `out[..LANES]`.
    #[inline(always)]
    fn write(self, out: &mut [f64]) {
        for (l, o) in out[..Self::LANES].iter_mut().enumerate() {
            *o = self.lane(l);
        }
    }
    /// Whether every lane is exactly zero (`== 0.0`: either sign; NaN is not).
    #[inline(always)]
    fn all_zero(self) -> bool {
        (0..Self::LANES).all(|l| self.lane(l) == 0.0)
    }
}

/// Work run by [`Real::enter`]: its `run` must be `#[inline(always)]` (and so must what
/// it calls) to be compiled for the instruction set.
pub trait Kernel {
    type Output;
    fn run(self) -> Self::Output;
}

impl Real for f64 {
    const LANES: usize = 1;
    #[inline(always)]
    fn splat(self, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn lane(self, _: usize) -> f64 {
        self
    }
    #[inline(always)]
    fn from_fn(self, mut f: impl FnMut(usize) -> f64) -> f64 {
        f(0)
    }
    #[inline(always)]
    fn min(self, o: f64) -> f64 {
        if self < o {
            self
        } else {
            o
        }
    }
    #[inline(always)]
    fn max(self, o: f64) -> f64 {
        if o > self {
            o
        } else {
            self
        }
    }
    #[inline(always)]
    fn enter<K: Kernel>(self, kernel: K) -> K::Output {
        kernel.run()
    }
}

/// `L` lanes as an array, one loop per operation: the baseline (any processor), and
/// any width for tests.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(32))]
pub struct Portable<const L: usize>(pub [f64; L]);

impl<const L: usize> Portable<L> {
    pub const ZERO: Portable<L> = Portable([0.0; L]);
}

macro_rules! portable_op {
    ($trait:ident, $f:ident, $assign:ident, $fa:ident, $op:tt) => {
        impl<const L: usize> $trait for Portable<L> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, o: Self) -> Self {
                let mut out = self.0;
                for l in 0..L {
                    out[l] = self.0[l] $op o.0[l];
                }
                Portable(out)
            }
        }
        impl<const L: usize> $assign for Portable<L> {
            #[inline(always)]
            fn $fa(&mut self, o: Self) {
                *self = *self $op o;
            }
        }
    };
}
portable_op!(Add, add, AddAssign, add_assign, +);
portable_op!(Sub, sub, SubAssign, sub_assign, -);
portable_op!(Mul, mul, MulAssign, mul_assign, *);

impl<const L: usize> Div for Portable<L> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let mut out = self.0;
        for (v, d) in out.iter_mut().zip(o.0) {
            *v /= d;
        }
        Portable(out)
    }
}

impl<const L: usize> Real for Portable<L> {
    const LANES: usize = L;
    #[inline(always)]
    fn splat(self, x: f64) -> Self {
        Portable([x; L])
    }
    #[inline(always)]
    fn lane(self, l: usize) -> f64 {
        self.0[l]
    }
    #[inline(always)]
    fn from_fn(self, mut f: impl FnMut(usize) -> f64) -> Self {
        let mut out = [0.0; L];
        for (l, o) in out.iter_mut().enumerate() {
            *o = f(l);
        }
        Portable(out)
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        self.from_fn(|l| Real::min(self.0[l], o.0[l]))
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        self.from_fn(|l| Real::max(self.0[l], o.0[l]))
    }
    #[inline(always)]
    fn enter<K: Kernel>(self, kernel: K) -> K::Output {
        kernel.run()
    }
}

/// Four lanes in one AVX2 register (x86-64 only).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub struct Avx2x4(__m256d);

/// Eight lanes in one AVX-512 register (x86-64 only).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub struct Avx512x8(__m512d);

#[cfg(target_arch = "x86_64")]
macro_rules! x86_lanes {
    ($t:ident, $n:expr, $feature:literal, $entry:ident, $set1:ident, $load:ident, $store:ident,
     $add:ident, $sub:ident, $mul:ident, $div:ident, $min:ident, $max:ident,
     $all_zero:expr) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries((0..$n).map(|l| self.lane(l)))
                    .finish()
            }
        }
        impl $t {
            #[inline(always)]
            fn to_array(self) -> [f64; $n] {
                let mut out = [0.0; $n];
                // SAFETY: a value of this type exists only on a processor with the
                // instruction set (module invariant); `out` has room for every lane.
                unsafe { $store(out.as_mut_ptr(), self.0) };
                out
            }
            #[inline(always)]
            fn of_array(a: [f64; $n]) -> Self {
                // SAFETY: called only with a value of this type in hand (module
                // invariant); `a` holds every lane.
                $t(unsafe { $load(a.as_ptr()) })
            }
        }
        impl Add for $t {
            type Output = Self;
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                // SAFETY: the operands exist, so the processor has the instruction set.
                $t(unsafe { $add(self.0, o.0) })
            }
        }
        impl Sub for $t {
            type Output = Self;
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                // SAFETY: as for `add`.
                $t(unsafe { $sub(self.0, o.0) })
            }
        }
        impl Mul for $t {
            type Output = Self;
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                // SAFETY: as for `add`.
                $t(unsafe { $mul(self.0, o.0) })
            }
        }
        impl Div for $t {
            type Output = Self;
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                // SAFETY: as for `add`.
                $t(unsafe { $div(self.0, o.0) })
            }
        }
        impl AddAssign for $t {
            #[inline(always)]
            fn add_assign(&mut self, o: Self) {
                *self = *self + o;
            }
        }
        impl SubAssign for $t {
            #[inline(always)]
            fn sub_assign(&mut self, o: Self) {
                *self = *self - o;
            }
        }
        impl MulAssign for $t {
            #[inline(always)]
            fn mul_assign(&mut self, o: Self) {
                *self = *self * o;
            }
        }
        impl Real for $t {
            const LANES: usize = $n;
            #[inline(always)]
            fn splat(self, x: f64) -> Self {
                // SAFETY: `self` exists, so the processor has the instruction set.
                $t(unsafe { $set1(x) })
            }
            #[inline(always)]
            fn lane(self, l: usize) -> f64 {
                self.to_array()[l]
            }
            #[inline(always)]
            fn from_fn(self, mut f: impl FnMut(usize) -> f64) -> Self {
                let mut a = [0.0; $n];
                for (l, v) in a.iter_mut().enumerate() {
                    *v = f(l);
                }
                Self::of_array(a)
            }
            #[inline(always)]
            fn min(self, o: Self) -> Self {
                // SAFETY: as for `add`. `min_pd(a, b)` is `a < b ? a : b`.
                $t(unsafe { $min(self.0, o.0) })
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                // SAFETY: as for `add`. `max_pd(o, a)` is `o > a ? o : a`.
                $t(unsafe { $max(o.0, self.0) })
            }
            #[inline(always)]
            fn write(self, out: &mut [f64]) {
                let out: &mut [f64; $n] = (&mut out[..$n]).try_into().expect("room for every lane");
                *out = self.to_array();
            }
            #[inline(always)]
            fn all_zero(self) -> bool {
                // SAFETY: `self` exists, so the processor has the instruction set.
                unsafe { ($all_zero)(self.0) }
            }
            #[inline(always)]
            fn enter<K: Kernel>(self, kernel: K) -> K::Output {
                // SAFETY: `self` exists, so the processor has the instruction set that
                // `$entry` is compiled for.
                unsafe { $entry(kernel) }
            }
        }

        #[target_feature(enable = $feature)]
        fn $entry<K: Kernel>(kernel: K) -> K::Output {
            kernel.run()
        }
    };
}

#[cfg(target_arch = "x86_64")]
x86_lanes!(
    Avx2x4,
    4,
    "avx2",
    enter_avx2,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_add_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_div_pd,
    _mm256_min_pd,
    _mm256_max_pd,
    // `!=` unordered: true for NaN, false for either zero.
    |v| _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_NEQ_UQ>(v, _mm256_setzero_pd())) == 0
);

#[cfg(target_arch = "x86_64")]
x86_lanes!(
    Avx512x8,
    8,
    "avx512f",
    enter_avx512,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_add_pd,
    _mm512_sub_pd,
    _mm512_mul_pd,
    _mm512_div_pd,
    _mm512_min_pd,
    _mm512_max_pd,
    |v| _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(v, _mm512_setzero_pd()) == 0
);

/// An instruction set the engine has code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// [`Portable`] lanes, no target features: any processor.
    Baseline,
    /// [`Avx2x4`].
    Avx2,
    /// [`Avx512x8`].
    Avx512,
}

impl Isa {
    /// Every instruction set, the baseline first.
    pub const ALL: [Isa; 3] = [Isa::Baseline, Isa::Avx2, Isa::Avx512];

    /// Its name, as `FUNDCAST_ISA` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this processor runs it.
    pub fn available(self) -> bool {
        match self {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The best instruction set of this processor.
    pub fn best() -> Isa {
        *Isa::ALL
            .iter()
            .rev()
            .find(|i| i.available())
            .unwrap_or(&Isa::Baseline)
    }

    /// The instruction set of a run: `FUNDCAST_ISA` when it names one this processor
    /// has, else the best it has (read once per process).
    pub fn chosen() -> Isa {
        static CHOSEN: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let asked = std::env::var("FUNDCAST_ISA").ok();
            Isa::ALL
                .into_iter()
                .find(|i| asked.as_deref() == Some(i.name()) && i.available())
                .unwrap_or_else(Isa::best)
        })
    }

    /// Paths projected together with it.
    pub fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 8,
            _ => 4,
        }
    }

    /// Runs `kernel` compiled for this instruction set (the baseline where it is not
    /// available): for code that needs the target features without lanes.
    pub fn enter<K: Kernel>(self, kernel: K) -> K::Output {
        match self.zero() {
            #[cfg(target_arch = "x86_64")]
            Zero::Avx512(z) => z.enter(kernel),
            #[cfg(target_arch = "x86_64")]
            Zero::Avx2(z) => z.enter(kernel),
            Zero::Baseline(z) => z.enter(kernel),
        }
    }

    /// A zero of this instruction set's lane type, if the processor has it (the
    /// baseline's otherwise).
    pub fn zero(self) -> Zero {
        #[cfg(target_arch = "x86_64")]
        {
            if self == Isa::Avx512 && self.available() {
                // SAFETY: the processor has AVX-512F, checked just above.
                return Zero::Avx512(Avx512x8(unsafe { enter_avx512(ZeroKernel512) }));
            }
            if self == Isa::Avx2 && self.available() {
                // SAFETY: the processor has AVX2, checked just above.
                return Zero::Avx2(Avx2x4(unsafe { enter_avx2(ZeroKernel256) }));
            }
        }
        Zero::Baseline(Portable::ZERO)
    }
}

/// The first value of a lane type: the proof that its instruction set may be used.
#[derive(Clone, Copy, Debug)]
pub enum Zero {
    Baseline(Portable<4>),
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2x4),
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512x8),
}

#[cfg(target_arch = "x86_64")]
struct ZeroKernel256;
#[cfg(target_arch = "x86_64")]
impl Kernel for ZeroKernel256 {
    type Output = __m256d;
    #[inline(always)]
    fn run(self) -> __m256d {
        // SAFETY: run only through `enter_avx2`, on a processor with AVX2.
        unsafe { _mm256_setzero_pd() }
    }
}

#[cfg(target_arch = "x86_64")]
struct ZeroKernel512;
#[cfg(target_arch = "x86_64")]
impl Kernel for ZeroKernel512 {
    type Output = __m512d;
    #[inline(always)]
    fn run(self) -> __m512d {
        // SAFETY: run only through `enter_avx512`, on a processor with AVX-512F.
        unsafe { _mm512_setzero_pd() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of every lane type against `f64`, bit for bit, on awkward values.
    fn same_bits<R: Real>(zero: R) {
        let vals = [
            0.3,
            -0.0,
            0.0,
            1.0,
            1.5,
            -2.25,
            1e-300,
            1e300,
            f64::INFINITY,
            7.0 / 3.0,
        ];
        for &a in &vals {
            for &b in &vals {
                let (x, y) = (
                    zero.from_fn(|l| if l % 2 == 0 { a } else { b }),
                    zero.from_fn(|l| if l % 2 == 0 { b } else { a }),
                );
                type Pair<R> = (fn(R, R) -> R, fn(f64, f64) -> f64);
                let ops: [Pair<R>; 6] = [
                    (|x, y| x + y, |x, y| x + y),
                    (|x, y| x - y, |x, y| x - y),
                    (|x, y| x * y, |x, y| x * y),
                    (|x, y| x / y, |x, y| x / y),
                    (|x, y| x.min(y), |x, y| Real::min(x, y)),
                    (|x, y| x.max(y), |x, y| Real::max(x, y)),
                ];
                for (v, s) in ops {
                    let got = v(x, y);
                    for l in 0..R::LANES {
                        let want = s(x.lane(l), y.lane(l));
                        assert_eq!(got.lane(l).to_bits(), want.to_bits(), "{a} {b} lane {l}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_lane_type_computes_as_f64() {
        same_bits(0.0f64);
        same_bits(Portable::<4>::ZERO);
        same_bits(Portable::<3>::ZERO);
        for isa in Isa::ALL {
            match isa.zero() {
                Zero::Baseline(z) => same_bits(z),
                #[cfg(target_arch = "x86_64")]
                Zero::Avx2(z) => same_bits(z),
                #[cfg(target_arch = "x86_64")]
                Zero::Avx512(z) => same_bits(z),
            }
        }
    }

    fn zero_test<R: Real>(z: R) {
        assert!(z.all_zero());
        assert!(z.splat(-0.0).all_zero());
        for l in 0..R::LANES {
            for v in [1e-300, f64::NAN, -1.0] {
                let one = z.from_fn(|j| if j == l { v } else { 0.0 });
                assert!(!one.all_zero(), "lane {l} = {v}");
            }
        }
    }

    #[test]
    fn all_zero_means_every_lane_equals_zero() {
        zero_test(0.0f64);
        for isa in Isa::ALL {
            match isa.zero() {
                Zero::Baseline(z) => zero_test(z),
                #[cfg(target_arch = "x86_64")]
                Zero::Avx2(z) => zero_test(z),
                #[cfg(target_arch = "x86_64")]
                Zero::Avx512(z) => zero_test(z),
            }
        }
    }

    #[test]
    fn min_and_max_match_f64_on_numbers() {
        for (a, b) in [(1.0, 2.0), (2.0, 1.0), (-1.0, 3.0), (5.0, 5.0)] {
            assert_eq!(Real::min(a, b), f64::min(a, b));
            assert_eq!(Real::max(a, b), f64::max(a, b));
        }
    }

    #[test]
    fn an_unavailable_isa_falls_back() {
        for isa in Isa::ALL {
            let z = isa.zero();
            let got = match z {
                Zero::Baseline(_) => Isa::Baseline,
                #[cfg(target_arch = "x86_64")]
                Zero::Avx2(_) => Isa::Avx2,
                #[cfg(target_arch = "x86_64")]
                Zero::Avx512(_) => Isa::Avx512,
            };
            assert_eq!(got, if isa.available() { isa } else { Isa::Baseline });
        }
    }
}
