//! Aggregation over paths: means, standard deviations, quantiles and the depletion-year
//! distribution, in memory that does not grow with the number of paths.
//!
//! Takes each path's values (every yearly metric, then the per-path measures) and its
//! depletion year; gives a [`Summary`]. Two parts:
//! - a [`Tally`] of integer counts in fixed bins, exact minima and maxima, and depletion
//!   counts: merging tallies is exact and order-free, so any split of paths over threads
//!   gives the same tally;
//! - [`Sums`] of shifted values and squares, kept per block of paths and merged in block
//!   order, so floating-point rounding never depends on the thread count.
//!
//! Quantile method: each series' range is fixed from a pilot (the first paths of the
//! run), widened by a quarter of its span on each side and cut into [`BINS`] equal bins;
//! a quantile is located by rank (type 7: position `p (n − 1)`) in the cumulative counts
//! and interpolated inside its bin, then clamped to the exact minimum and maximum. The
//! error of any quantile that falls inside the binned range is at most one bin width,
//! `1.5 × pilot span / BINS` (0.073 % of the pilot's span). Values outside the widened
//! range go to the end bins.

/// Statistics reported for every series, in the order of `summary.csv`.
pub const STATS: [&str; 11] = [
    "mean", "sd", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99",
];
/// Probabilities of the quantile statistics (after mean and sd).
pub const QUANTILES: [f64; 9] = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99];
/// Bins per series.
pub const BINS: usize = 2048;

/// Fixed bins of every series, set once per run from a pilot.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    lo: Vec<f64>,
    width: Vec<f64>,
    inv_width: Vec<f64>,
    /// A central value of each series: sums are kept relative to it.
    shift: Vec<f64>,
}

impl Grid {
    /// Bins covering `[min − span/4, max + span/4]` of the pilot's values.
    pub fn from_pilot(min: &[f64], max: &[f64]) -> Grid {
        let n = min.len();
        let (mut lo, mut width, mut inv_width, mut shift) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for s in 0..n {
            let (a, b) = if min[s].is_finite() && max[s].is_finite() {
                (min[s], max[s])
            } else {
                (0.0, 0.0)
            };
            let mut span = b - a;
            if span <= 0.0 {
                span = (a.abs() * 1e-6).max(1e-9);
            }
            lo[s] = a - 0.25 * span;
            width[s] = 1.5 * span / BINS as f64;
            inv_width[s] = 1.0 / width[s];
            shift[s] = 0.5 * (a + b);
        }
        Grid {
            lo,
            width,
            inv_width,
            shift,
        }
    }

    pub fn series(&self) -> usize {
        self.lo.len()
    }

    /// The bins' definition, series by series: lower bound, width, its inverse and the
    /// shift of the sums (to write it in a shard's partial result).
    pub fn parts(&self) -> [&[f64]; 4] {
        [&self.lo, &self.width, &self.inv_width, &self.shift]
    }

    /// The grid of [`Self::parts`] (all four of the same length).
    pub fn from_parts([lo, width, inv_width, shift]: [Vec<f64>; 4]) -> Grid {
        assert!(
            [width.len(), inv_width.len(), shift.len()] == [lo.len(); 3],
            "one value per series"
        );
        Grid {
            lo,
            width,
            inv_width,
            shift,
        }
    }

    /// Width of the bins of series `s`: the bound on its quantile error.
    pub fn bin_width(&self, s: usize) -> f64 {
        self.width[s]
    }

    #[inline]
    fn bin(&self, s: usize, x: f64) -> usize {
        bin_of((x - self.lo[s]) * self.inv_width[s])
    }
}

/// Order-free part of the aggregation: counts, extremes, depletion years.
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    pub n: u64,
    /// Bin counts modulo 256: one byte per bin keeps a worker's bins in a core's cache.
    low: Vec<u8>,
    /// The rest of each bin count (a multiple of 256), touched once per 256 increments.
    high: Vec<u32>,
    /// Whether any bin of a series has a nonzero `high` (else its `high` is never read
    /// nor written, so its pages are never touched).
    carried: Vec<bool>,
    pub min: Vec<f64>,
    pub max: Vec<f64>,
    /// Paths depleted in each year (index = year index), the last entry: never; one such
    /// histogram per group (`groups × (years + 1)`).
    pub depletion: Vec<u64>,
    years: usize,
}

impl Tally {
    pub fn new(series: usize, years: usize, groups: usize) -> Tally {
        Tally {
            n: 0,
            low: vec![0; series * BINS],
            high: vec![0; series * BINS],
            carried: vec![false; series],
            min: vec![f64::INFINITY; series],
            max: vec![f64::NEG_INFINITY; series],
            depletion: vec![0; groups * (years + 1)],
            years,
        }
    }

    /// Years of each depletion histogram.
    pub fn years(&self) -> usize {
        self.years
    }

    /// Series tallied.
    pub fn series(&self) -> usize {
        self.min.len()
    }

    /// The count of every bin, series after series ([`BINS`] each).
    pub fn bin_counts(&self) -> Vec<u32> {
        (0..self.low.len()).map(|i| self.count(i)).collect()
    }

    /// A tally of `n` paths from its bin counts ([`Self::bin_counts`]), extremes and
    /// depletion counts (`groups × (years + 1)`).
    pub fn from_counts(
        n: u64,
        counts: &[u32],
        min: Vec<f64>,
        max: Vec<f64>,
        depletion: Vec<u64>,
        years: usize,
    ) -> Tally {
        let series = min.len();
        assert!(
            counts.len() == series * BINS && max.len() == series,
            "whole series"
        );
        let mut t = Tally {
            n,
            low: counts.iter().map(|c| (c & 0xff) as u8).collect(),
            high: counts.iter().map(|c| c - (c & 0xff)).collect(),
            carried: vec![false; series],
            min,
            max,
            depletion,
            years,
        };
        for (s, carried) in t.carried.iter_mut().enumerate() {
            *carried = t.high[s * BINS..(s + 1) * BINS].iter().any(|h| *h != 0);
        }
        t
    }

    /// Extremes only (for the pilot): no bins yet.
    pub fn extremes(series: usize) -> (Vec<f64>, Vec<f64>) {
        (vec![f64::INFINITY; series], vec![f64::NEG_INFINITY; series])
    }

    #[inline]
    pub fn add(&mut self, grid: &Grid, values: &[f64], depletion: &[Option<usize>]) {
        self.n += 1;
        for (s, &x) in values.iter().enumerate() {
            self.increment(s * BINS + grid.bin(s, x));
            self.min[s] = self.min[s].min(x);
            self.max[s] = self.max[s].max(x);
        }
        let years = self.years;
        for (g, d) in depletion.iter().enumerate() {
            self.depletion[g * (years + 1) + d.unwrap_or(years)] += 1;
        }
    }

    /// Count of bin `i` (series `i / BINS`).
    #[inline]
    fn count(&self, i: usize) -> u32 {
        let high = if self.carried[i / BINS] {
            self.high[i]
        } else {
            0
        };
        high + self.low[i] as u32
    }

    /// Adds one to bin `i` (series `i / BINS`).
    #[inline(always)]
    fn increment(&mut self, i: usize) {
        let c = self.low[i].wrapping_add(1);
        self.low[i] = c;
        if c == 0 {
            self.high[i] += 256;
            self.carried[i / BINS] = true;
        }
    }

    /// Adds `other` (exact, in any order).
    pub fn merge(&mut self, other: &Tally) {
        self.merge_all(&[other]);
    }

    /// Adds every tally of `others` (exact, in any order); the bins in parallel.
    pub fn merge_all(&mut self, others: &[&Tally]) {
        use rayon::prelude::*;
        if others.is_empty() {
            return;
        }
        // Whole series per chunk, so that each chunk owns its series' `carried` flags.
        const SERIES: usize = 32;
        const CHUNK: usize = SERIES * BINS;
        self.low
            .par_chunks_mut(CHUNK)
            .zip(self.high.par_chunks_mut(CHUNK))
            .zip(self.carried.par_chunks_mut(SERIES))
            .enumerate()
            .for_each(|(c, ((low, high), carried))| {
                for (j, flag) in carried.iter_mut().enumerate() {
                    let s = c * SERIES + j;
                    let bins = j * BINS..(j + 1) * BINS;
                    let mut any = *flag;
                    for (b, (lo, hi)) in low[bins.clone()]
                        .iter_mut()
                        .zip(&mut high[bins])
                        .enumerate()
                    {
                        let i = s * BINS + b;
                        let own = (if *flag { *hi } else { 0 }) + *lo as u32;
                        let total = others.iter().fold(own, |sum, t| sum + t.count(i));
                        *lo = (total & 0xff) as u8;
                        let rest = total - (total & 0xff);
                        // `high` is written only where it holds something.
                        if rest != 0 || *flag {
                            *hi = rest;
                            any = true;
                        }
                    }
                    *flag = any;
                }
            });
        for other in others {
            self.merge_extremes(other);
        }
    }

    /// The order-free rest of [`Self::merge`]: paths, extremes and depletion counts.
    fn merge_extremes(&mut self, other: &Tally) {
        self.n += other.n;
        for s in 0..self.min.len() {
            self.min[s] = self.min[s].min(other.min[s]);
            self.max[s] = self.max[s].max(other.max[s]);
        }
        for (a, b) in self.depletion.iter_mut().zip(&other.depletion) {
            *a += b;
        }
    }

    /// Quantile `p` of series `s` (see the module docs for the method): the type-7
    /// interpolation between the estimated order statistics `⌊h⌋` and `⌊h⌋ + 1`,
    /// `h = p (n − 1)`.
    pub fn quantile(&self, grid: &Grid, s: usize, p: f64) -> f64 {
        self.quantiles(grid, s, &[p])[0]
    }

    /// [`Self::quantile`] of several probabilities at once, in one scan of the bins.
    pub fn quantiles<const Q: usize>(&self, grid: &Grid, s: usize, ps: &[f64; Q]) -> [f64; Q] {
        // No finite value at all (a series that is NaN on every path): no quantile.
        if self.n == 0 || self.min[s] > self.max[s] {
            return [f64::NAN; Q];
        }
        if self.min[s] == self.max[s] {
            return [self.min[s]; Q];
        }
        // The order statistics wanted: ⌊h⌋ of each p, and ⌊h⌋ + 1 where it is used.
        let mut wanted = Vec::with_capacity(2 * Q);
        let ranks: Vec<(u64, f64)> = ps
            .iter()
            .map(|p| {
                let h = p * (self.n - 1) as f64;
                let k = h.floor() as u64;
                let frac = h - k as f64;
                wanted.push(k);
                if frac > 0.0 && k + 1 < self.n {
                    wanted.push(k + 1);
                }
                (k, frac)
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let values = self.order_statistics(grid, s, &wanted);
        let at = |k: u64| values[wanted.binary_search(&k).expect("rank wanted")];
        let mut out = [0.0; Q];
        for (o, &(k, frac)) in out.iter_mut().zip(&ranks) {
            let lo = at(k);
            let hi = if frac > 0.0 && k + 1 < self.n {
                at(k + 1)
            } else {
                lo
            };
            *o = lo + frac * (hi - lo);
        }
        out
    }

    /// Estimates of the `k`-th smallest values (0-based, `ks` rising): the values of a
    /// bin are taken as evenly spread across it; each is clamped to the exact extremes.
    fn order_statistics(&self, grid: &Grid, s: usize, ks: &[u64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(ks.len());
        let mut next = ks.iter().peekable();
        let mut before = 0u64;
        for b in 0..BINS {
            let c = self.count(s * BINS + b) as u64;
            while let Some(&&k) = next.peek() {
                if before + c <= k {
                    break;
                }
                let inside = ((k - before) as f64 + 0.5) / c as f64;
                let x = grid.lo[s] + grid.width[s] * (b as f64 + inside);
                out.push(x.clamp(self.min[s], self.max[s]));
                next.next();
            }
            before += c;
        }
        out.resize(ks.len(), self.max[s]);
        out
    }
}

/// Records paths in a tally and a block's sums at once: `values` holds the paths one
/// after the other ([`Grid::series`] values each), `depletion` their depletion years
/// (the same number per path). The same as [`Tally::add`] then [`Sums::add`] path after
/// path: each series' sums take the paths in order. Compiled a second time for AVX-512
/// and for AVX2 and chosen at run time (the same bits).
#[inline]
pub fn record(
    tally: &mut Tally,
    sums: &mut Sums,
    grid: &Grid,
    values: &[f64],
    depletion: &[Option<usize>],
) {
    crate::simd::Isa::chosen().enter(Record {
        tally,
        sums,
        grid,
        values,
        depletion,
    });
}

/// [`record_values`] as a [`crate::simd::Kernel`], compiled for the run's instruction set.
struct Record<'a> {
    tally: &'a mut Tally,
    sums: &'a mut Sums,
    grid: &'a Grid,
    values: &'a [f64],
    depletion: &'a [Option<usize>],
}

impl crate::simd::Kernel for Record<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        record_values(
            self.tally,
            self.sums,
            self.grid,
            self.values,
            self.depletion,
        );
    }
}

/// Series taken together by [`record_values`]: one vector of them.
const GROUP: usize = 8;
/// Paths taken together by [`record_values`]: their values of a series fall in
/// neighbouring bins, so a group of series costs one cache miss per bin line, not per path.
const PATHS: usize = 8;

#[inline(always)]
fn record_values(
    tally: &mut Tally,
    sums: &mut Sums,
    grid: &Grid,
    values: &[f64],
    depletion: &[Option<usize>],
) {
    let n = grid.series();
    // Depletion years per path: the tally's groups (every path has one per group).
    let groups = tally.depletion.len() / (tally.years + 1);
    let paths = match values.len().checked_div(n) {
        Some(p) => p,
        None => depletion.len() / groups.max(1),
    };
    assert!(
        values.len() == paths * n && depletion.len() == paths * groups,
        "whole paths"
    );
    tally.n += paths as u64;
    sums.n += paths as u64;
    // Series by series (a group of them at a time) over a few paths: first the bins,
    // extremes and sums (kept in registers across the paths), then the bin increments
    // alone, whose cache misses the processor can then wait on together.
    let mut cells = [0usize; GROUP * PATHS];
    for chunk in values.chunks(PATHS * n.max(1)) {
        let np = chunk.len() / n.max(1);
        let mut k = 0;
        while k + GROUP <= n {
            let r = k..k + GROUP;
            let lo: &[f64; GROUP] = grid.lo[r.clone()].try_into().expect("group");
            let inv: &[f64; GROUP] = grid.inv_width[r.clone()].try_into().expect("group");
            let shift: &[f64; GROUP] = grid.shift[r.clone()].try_into().expect("group");
            let mn: &mut [f64; GROUP] = (&mut tally.min[r.clone()]).try_into().expect("group");
            let mx: &mut [f64; GROUP] = (&mut tally.max[r.clone()]).try_into().expect("group");
            let sum: &mut [f64; GROUP] = (&mut sums.sum[r.clone()]).try_into().expect("group");
            let sq: &mut [f64; GROUP] = (&mut sums.sumsq[r]).try_into().expect("group");
            let (mut m0, mut m1, mut s0, mut q0) = (*mn, *mx, *sum, *sq);
            for p in 0..np {
                let x: &[f64; GROUP] = chunk[p * n + k..p * n + k + GROUP]
                    .try_into()
                    .expect("group");
                for j in 0..GROUP {
                    m0[j] = m0[j].min(x[j]);
                }
                for j in 0..GROUP {
                    m1[j] = m1[j].max(x[j]);
                }
                for j in 0..GROUP {
                    let d = x[j] - shift[j];
                    s0[j] += d;
                    q0[j] += d * d;
                }
                for j in 0..GROUP {
                    cells[p * GROUP + j] = (k + j) * BINS + bin_of((x[j] - lo[j]) * inv[j]);
                }
            }
            (*mn, *mx, *sum, *sq) = (m0, m1, s0, q0);
            for &i in &cells[..np * GROUP] {
                tally.increment(i);
            }
            k += GROUP;
        }
        for i in k..n {
            for p in 0..np {
                let x = chunk[p * n + i];
                let cell = i * BINS + bin_of((x - grid.lo[i]) * grid.inv_width[i]);
                tally.increment(cell);
                tally.min[i] = tally.min[i].min(x);
                tally.max[i] = tally.max[i].max(x);
                let d = x - grid.shift[i];
                sums.sum[i] += d;
                sums.sumsq[i] += d * d;
            }
        }
    }
    let years = tally.years;
    for path in depletion.chunks(groups.max(1)) {
        for (g, d) in path.iter().enumerate() {
            tally.depletion[g * (years + 1) + d.unwrap_or(years)] += 1;
        }
    }
}

/// The bin of a value at `b` bin widths above the grid's bottom: its whole part, within
/// `0..BINS` (a NaN goes to bin 0).
///
/// The whole part is read from the bits of `⌊b⌋ + 2⁵²` (exact for `0 ≤ ⌊b⌋ < 2⁵²`), so
/// that groups of values are binned in vector registers without a conversion per value.
#[inline(always)]
fn bin_of(b: f64) -> usize {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let whole = b.max(0.0).min((BINS - 1) as f64).floor();
    ((whole + TWO_52).to_bits() - TWO_52.to_bits()) as usize
}

/// Sums of `x − shift` and `(x − shift)²` over a block of paths.
#[derive(Clone, Debug, PartialEq)]
pub struct Sums {
    pub n: u64,
    sum: Vec<f64>,
    sumsq: Vec<f64>,
}

impl Sums {
    pub fn new(series: usize) -> Sums {
        Sums {
            n: 0,
            sum: vec![0.0; series],
            sumsq: vec![0.0; series],
        }
    }

    /// Paths added, and the sums of shifted values and of their squares by series.
    pub fn parts(&self) -> (u64, &[f64], &[f64]) {
        (self.n, &self.sum, &self.sumsq)
    }

    /// The sums of [`Self::parts`].
    pub fn from_parts(n: u64, sum: Vec<f64>, sumsq: Vec<f64>) -> Sums {
        assert_eq!(sum.len(), sumsq.len(), "one value per series");
        Sums { n, sum, sumsq }
    }

    pub fn clear(&mut self) {
        self.n = 0;
        self.sum.fill(0.0);
        self.sumsq.fill(0.0);
    }

    #[inline]
    pub fn add(&mut self, grid: &Grid, values: &[f64]) {
        self.n += 1;
        for (s, &x) in values.iter().enumerate() {
            let d = x - grid.shift[s];
            self.sum[s] += d;
            self.sumsq[s] += d * d;
        }
    }

    /// Adds the next block's sums (callers keep block order).
    pub fn merge(&mut self, other: &Sums) {
        self.n += other.n;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (a, b) in self.sumsq.iter_mut().zip(&other.sumsq) {
            *a += b;
        }
    }

    pub fn mean(&self, grid: &Grid, s: usize) -> f64 {
        grid.shift[s] + self.sum[s] / self.n as f64
    }

    /// Sample standard deviation (n − 1).
    pub fn sd(&self, s: usize) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        let var = (self.sumsq[s] - self.sum[s] * self.sum[s] / n) / (n - 1.0);
        var.max(0.0).sqrt()
    }
}

/// Everything known over paths at the end of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub paths: u64,
    /// `stats[s]` = mean, sd, then the quantiles of series `s`.
    pub stats: Vec<[f64; 11]>,
    /// Paths depleted in each year index, then never (for each group in turn).
    pub depletion: Vec<u64>,
    /// Years of each group's depletion histogram.
    pub years: usize,
    /// Quantile error bound of each series.
    pub bin_width: Vec<f64>,
}

impl Summary {
    pub fn new(grid: &Grid, tally: &Tally, sums: &Sums) -> Summary {
        use rayon::prelude::*;
        // Each series on its own: the same numbers in any order, on any thread.
        let stats = (0..grid.series())
            .into_par_iter()
            .map(|s| {
                let mut out = [0.0; 11];
                out[0] = sums.mean(grid, s);
                out[1] = sums.sd(s);
                out[2..].copy_from_slice(&tally.quantiles(grid, s, &QUANTILES));
                out
            })
            .collect();
        Summary {
            paths: tally.n,
            stats,
            depletion: tally.depletion.clone(),
            years: tally.years,
            bin_width: (0..grid.series()).map(|s| grid.bin_width(s)).collect(),
        }
    }

    /// The depletion histogram of group `g`.
    fn depletion_of(&self, g: usize) -> &[u64] {
        &self.depletion[g * (self.years + 1)..(g + 1) * (self.years + 1)]
    }

    /// `P(depletion year ≤ year index t)`.
    pub fn p_depleted_by(&self, t: usize) -> f64 {
        self.group_p_depleted_by(0, t)
    }

    /// `P(depletion year ≤ year index t)` in group `g`.
    pub fn group_p_depleted_by(&self, g: usize, t: usize) -> f64 {
        self.depletion_of(g)[..=t].iter().sum::<u64>() as f64 / self.paths as f64
    }

    /// `P(depletion year = year index t)`.
    pub fn p_depleted_in(&self, t: usize) -> f64 {
        self.depletion_of(0)[t] as f64 / self.paths as f64
    }

    /// Quantile `p` of the depletion year index (`None`: not within the horizon), counting
    /// paths never depleted as later than every year.
    pub fn depletion_quantile(&self, p: f64) -> Option<usize> {
        self.group_depletion_quantile(0, p)
    }

    /// [`Self::depletion_quantile`] of group `g`.
    pub fn group_depletion_quantile(&self, g: usize, p: f64) -> Option<usize> {
        let counts = self.depletion_of(g);
        let need = p * self.paths as f64;
        let mut cum = 0u64;
        for (t, c) in counts[..self.years].iter().enumerate() {
            cum += c;
            if cum as f64 >= need && cum > 0 {
                return Some(t);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_clamp_like_the_integer_conversion() {
        for b in [
            -1.0,
            -0.0,
            0.0,
            0.4,
            1.0,
            2046.9,
            2047.0,
            2047.9,
            5e9,
            f64::INFINITY,
            f64::NAN,
        ] {
            let old = if b >= 0.0 {
                (b as usize).min(BINS - 1)
            } else {
                0
            };
            assert_eq!(bin_of(b), old, "{b}");
        }
    }

    #[test]
    fn quantiles_within_one_bin_of_exact() {
        // 1000 values 0, 1, …, 999 (pilot: the same): exact p-quantile is p · 999.
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let grid = Grid::from_pilot(&[0.0], &[999.0]);
        let mut t = Tally::new(1, 1, 1);
        let mut s = Sums::new(1);
        for v in &values {
            t.add(&grid, &[*v], &[None]);
            s.add(&grid, &[*v]);
        }
        for p in QUANTILES {
            let q = t.quantile(&grid, 0, p);
            assert!(
                (q - p * 999.0).abs() <= grid.bin_width(0) + 1e-9,
                "p={p}: {q}"
            );
        }
        assert!((s.mean(&grid, 0) - 499.5).abs() < 1e-9);
        // sd of 0..999 with n − 1: sqrt(1000·1001/12)
        assert!((s.sd(0) - (1000.0 * 1001.0 / 12.0f64).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn record_is_add_then_add() {
        let grid = Grid::from_pilot(&[0.0, -5.0], &[10.0, 5.0]);
        let (mut t1, mut s1) = (Tally::new(2, 2, 1), Sums::new(2));
        let (mut t2, mut s2) = (Tally::new(2, 2, 1), Sums::new(2));
        for (v, d) in [
            ([1.0, -2.0], Some(1)),
            ([12.0, 3.0], None),
            ([-1.0, 0.5], Some(0)),
        ] {
            t1.add(&grid, &v, &[d]);
            s1.add(&grid, &v);
            record(&mut t2, &mut s2, &grid, &v, &[d]);
        }
        assert_eq!(t1, t2);
        assert_eq!(s1, s2);
    }

    #[test]
    fn record_of_several_paths_is_add_path_after_path() {
        // 13 series (a group of 8 and a tail of 5), 11 paths (a group of 8 and 3),
        // two depletion groups: the same tally and the same sums, bit for bit.
        let n = 13;
        let lo: Vec<f64> = (0..n).map(|s| -(s as f64)).collect();
        let hi: Vec<f64> = (0..n).map(|s| 10.0 + s as f64).collect();
        let grid = Grid::from_pilot(&lo, &hi);
        let paths = 11;
        let values: Vec<f64> = (0..paths * n)
            .map(|i| ((i * 7919) % 1013) as f64 / 37.0 - 3.0)
            .collect();
        let depletion: Vec<Option<usize>> = (0..paths * 2)
            .map(|i| (i % 3 != 0).then_some(i % 4))
            .collect();
        let (mut t1, mut s1) = (Tally::new(n, 4, 2), Sums::new(n));
        for (v, d) in values.chunks(n).zip(depletion.chunks(2)) {
            t1.add(&grid, v, d);
            s1.add(&grid, v);
        }
        let (mut t2, mut s2) = (Tally::new(n, 4, 2), Sums::new(n));
        record(&mut t2, &mut s2, &grid, &values, &depletion);
        assert_eq!(t1, t2);
        assert_eq!(s1, s2);
        assert_eq!(t2.n, 11);
        assert_eq!(t2.depletion.iter().sum::<u64>(), 22);
    }

    #[test]
    fn carries_from_the_merge_alone_or_from_another_tally() {
        let grid = Grid::from_pilot(&[0.0], &[10.0]);
        let fill = |count: usize| {
            let mut t = Tally::new(1, 1, 1);
            for _ in 0..count {
                t.add(&grid, &[5.0], &[None]);
            }
            t
        };
        let bin = grid.bin(0, 5.0);
        // 128 + 128: neither has carried, the sum does.
        let mut a = fill(128);
        a.merge_all(&[&fill(128)]);
        assert_eq!((a.count(bin), a.carried[0]), (256, true));
        assert_eq!(a, fill(256));
        // Only the other tally has carried.
        let mut b = fill(3);
        b.merge_all(&[&fill(300)]);
        assert_eq!(b.count(bin), 303);
        assert_eq!(b, fill(303));
    }

    #[test]
    fn merged_counts_carry_like_one_tally() {
        // Bin counts past 256 (the byte's carry) in the tally merged into and in the
        // sum; series 0 never reaches 256 in any bin.
        let grid = Grid::from_pilot(&[0.0, 0.0], &[10.0, 10.0]);
        let mut one = Tally::new(2, 1, 1);
        let mut parts = [
            Tally::new(2, 1, 1),
            Tally::new(2, 1, 1),
            Tally::new(2, 1, 1),
        ];
        for (k, n) in [(0, 300), (1, 200), (2, 100)] {
            for i in 0..n {
                let v = [1.0 + (i % 3) as f64, 9.0];
                one.add(&grid, &v, &[None]);
                parts[k].add(&grid, &v, &[None]);
            }
        }
        let mut merged = parts[0].clone();
        merged.merge_all(&[&parts[1], &parts[2]]);
        assert_eq!(merged, one);
        assert_eq!(merged.carried, vec![false, true]);
        let bin = BINS + grid.bin(1, 9.0);
        assert_eq!(merged.count(bin), 600);
        assert_eq!(parts[0].count(bin), 300);
        assert_eq!(merged.count(grid.bin(0, 1.0)), 201); // 100 + 67 + 34 of the values 1.0
    }

    #[test]
    fn constant_series_gives_exact_value() {
        let grid = Grid::from_pilot(&[5.0], &[5.0]);
        let mut t = Tally::new(1, 1, 1);
        for _ in 0..10 {
            t.add(&grid, &[5.0], &[None]);
        }
        assert_eq!(t.quantile(&grid, 0, 0.01), 5.0);
    }

    #[test]
    fn merge_is_order_free() {
        let grid = Grid::from_pilot(&[0.0], &[10.0]);
        let mut a = Tally::new(1, 2, 1);
        let mut b = Tally::new(1, 2, 1);
        a.add(&grid, &[1.0], &[Some(0)]);
        b.add(&grid, &[7.0], &[None]);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.depletion, vec![1, 0, 1]);
    }

    #[test]
    fn depletion_quantiles_count_never_as_late() {
        let grid = Grid::from_pilot(&[0.0], &[1.0]);
        let mut t = Tally::new(1, 3, 1);
        for d in [Some(1), Some(2), None, None] {
            t.add(&grid, &[0.0], &[d]);
        }
        let s = Summary::new(&grid, &t, &Sums::new(1));
        assert_eq!(s.depletion_quantile(0.05), Some(1));
        assert_eq!(s.depletion_quantile(0.5), Some(2));
        assert_eq!(s.depletion_quantile(0.95), None);
        assert_eq!(s.p_depleted_by(2), 0.5);
        assert_eq!(s.p_depleted_in(1), 0.25);
    }
}
