//! Value-stability pins of the `portable-math` build: with every transcendental through
//! `libm` (`src/math.rs`), these bit patterns are what every platform with IEEE binary64
//! arithmetic gives (docs/montecarlo.md). Run with
//! `cargo test --release --features portable-math portable`.
//!
//! Each pin is an output's `f64::to_bits`, and a SHA-256 of the bits of every output of
//! the run, in order, so that no number can move unseen. The scenarios go through every
//! transcendental the engine uses: Gompertz–Makeham (`powf`, `ln`, `exp`), mortality
//! improvement (`powf`), the period factor (`exp`), the discount factors (`powf`), normal
//! entry profiles (the normal density), China's 15-year rule (the normal distribution
//! function) and the normal sampler (`exp` and `ln` in its wedges and tail).
//!
//! If a pin moves, the numbers of the portable build changed: intended (a model change,
//! a new `libm` version that rounds differently) only with a commit that says why and
//! updates the pins; else it is a bug.

use std::path::Path;

use fundcast::model::Model;
use fundcast::montecarlo::{self, LaneRunner, Options};
use fundcast::projection::metric;
use fundcast::simd::Isa;
use sha2::{Digest, Sha256};

fn load(name: &str) -> Model {
    fundcast::scenario::load(Path::new(name)).expect("valid scenario")
}

/// SHA-256 of the bits of `values`, in order, little-endian, as hex.
fn digest(values: impl IntoIterator<Item = f64>) -> String {
    let mut h = Sha256::new();
    for v in values {
        h.update(v.to_bits().to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The pins of one test: every mismatch is listed (with the value got, to update a pin
/// deliberately) before the test fails.
#[derive(Default)]
struct Pins(Vec<String>);

impl Pins {
    fn bits(&mut self, what: &str, got: f64, want: u64) {
        if got.to_bits() != want {
            self.0.push(format!(
                "{what}: got {got:e} = 0x{:016x}, pinned {:e} = 0x{want:016x}",
                got.to_bits(),
                f64::from_bits(want)
            ));
        }
    }

    fn digest(&mut self, what: &str, got: &str, want: &str) {
        if got != want {
            self.0.push(format!("{what}: digest {got}, pinned {want}"));
        }
    }

    #[track_caller]
    fn assert(self) {
        assert!(self.0.is_empty(), "pins moved:\n{}", self.0.join("\n"));
    }
}

/// The deterministic projection: every row of every year.
fn deterministic(name: &str) -> (Vec<f64>, Vec<[f64; fundcast::projection::N_METRICS]>) {
    let model = load(name);
    let (rows, s) = fundcast::deterministic(&model);
    // The pension's metrics (the pinned rows; the other funds' come after them).
    let n = fundcast::projection::N_PENSION_METRICS;
    let mut all: Vec<f64> = rows.iter().flat_map(|r| r[..n].iter().copied()).collect();
    all.extend([s.cumulative_deficit, s.cumulative_subsidy, s.pv_deficits]);
    (all, rows)
}

#[test]
fn portable_deterministic_projection_is_pinned() {
    let mut p = Pins::default();
    let (all, rows) = deterministic("tests/data/all-features.toml");
    let last = rows.last().unwrap();
    p.bits(
        "all-features payouts, last year",
        last[metric::PAYOUTS],
        0x4198_94dc_ee9f_8ef0,
    );
    p.bits(
        "all-features pensioners, last year",
        last[metric::PENSIONERS],
        0x40c2_7446_4700_617f,
    );
    p.digest(
        "all-features",
        &digest(all),
        "a7b121ce28ff28096d286b325abfa28366fd7c0c87bf8ea5c13e6a5da539574f",
    );

    let (all, rows) = deterministic("tests/data/china-moves.toml");
    let last = rows.last().unwrap();
    p.bits(
        "china-moves fund_end, last year",
        last[metric::FUND_END],
        0xc1e1_b58f_c170_acbd,
    );
    p.bits(
        "china-moves payouts, last year",
        last[metric::PAYOUTS],
        0x41cd_526b_f935_3c8e,
    );
    p.digest(
        "china-moves",
        &digest(all),
        "14c5cdf200aebb93d2c9cb761717cad5c5e1cad94b421214d58f40c3b033e0c8",
    );
    p.assert();
}

/// Two of path 0's draws and a digest of 200,000 more (paths 1..=2,000 of seed 7, 20 years):
/// enough to pass through the sampler's tail and wedges hundreds of times.
#[test]
fn portable_normal_draws_are_pinned() {
    let mut p = Pins::default();
    let mut shocks = vec![0.0; 5 * 21];
    montecarlo::draw_shocks(7, 0, &mut shocks);
    p.bits("path 0, first draw", shocks[5], 0xbfe8_cfd8_cced_03f8);
    p.bits("path 0, last draw", shocks[104], 0x3fec_9171_5d4e_4f67);
    let mut all = Vec::with_capacity(2000 * 100);
    for i in 1..=2000 {
        montecarlo::draw_shocks(7, i, &mut shocks);
        all.extend_from_slice(&shocks[5..]);
    }
    p.digest(
        "draws of paths 1..=2000",
        &digest(all),
        "84c700526b19a60b66937d4a45add410d1739c9a6edf40f7e0a94ab9ab1dd079",
    );
    p.assert();
}

/// A small Monte Carlo run (200 paths, one thread and two: the same numbers), and the
/// paths of one lane group with every instruction set this processor has.
#[test]
fn portable_monte_carlo_run_is_pinned() {
    let mut p = Pins::default();
    let model = load("tests/data/all-features.toml");
    for threads in [1, 2] {
        let opts = Options {
            paths: 200,
            seed: 7,
            threads,
        };
        let run = montecarlo::run(&model, opts, &|_| ());
        let s = &run.summary;
        let years = model.frame.years();
        let metrics = (montecarlo::series(&model) - 3) / years;
        let payouts_last = (years - 1) * metrics + metric::PAYOUTS;
        p.bits(
            "payouts, last year, mean",
            s.stats[payouts_last][0],
            0x4198_9278_8474_ff7b,
        );
        p.bits(
            "payouts, last year, sd",
            s.stats[payouts_last][1],
            0x4167_7fac_9b29_1aea,
        );
        p.bits(
            "payouts, last year, median",
            s.stats[payouts_last][6],
            0x4198_a89d_e09a_5fc6,
        );
        let pv_deficits = montecarlo::series(&model) - 1;
        p.bits(
            "pv_deficits, mean",
            s.stats[pv_deficits][0],
            0x41a6_0359_ab4c_3206,
        );
        let counts = s.depletion.iter().map(|&c| c as f64);
        let d = digest(s.stats.iter().flatten().copied().chain(counts));
        p.digest(
            "summary",
            &d,
            "cf8ca5fff15c59b0af8e132296192f5d79c19193776fe3ee90e437be56dd92e1",
        );
    }

    let series = montecarlo::series(&model);
    for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
        let mut runner = LaneRunner::with_isa(&model, isa);
        let lanes = runner.lanes();
        let mut values = vec![0.0; 8 * series];
        let mut depletion = [None; 8];
        for first in (0..8).step_by(lanes) {
            let at = first * series;
            runner.paths(
                7,
                first as u64,
                lanes,
                &mut values[at..at + lanes * series],
                &mut depletion[first..first + lanes],
            );
        }
        p.digest(
            &format!("paths 0..8 with {}", isa.name()),
            &digest(values),
            "87da9c213d28afccf9e245074986ffb202616d33fe8c5ea1116e6171c9c55ac5",
        );
    }
    p.assert();
}
