//! Measures the quantile error of a Monte Carlo run against exact quantiles of the same
//! paths: `cargo run --release --example quantile_error -- SCENARIO PATHS`.
//! Prints, over every yearly series, the largest error in bin widths and relative to the
//! series' standard deviation.

use fundcast::aggregate::QUANTILES;
use fundcast::montecarlo::{self, Options, PathRunner};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "scenarios/bench-2050-basic.toml".into());
    let paths: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(5000);
    let model = fundcast::scenario::load(std::path::Path::new(&path)).expect("scenario");
    let opts = Options {
        paths,
        seed: model.seed,
        threads: 1,
    };
    let run = montecarlo::run(&model, opts, &|_| {});
    let series = montecarlo::series(&model);
    let mut values = vec![Vec::with_capacity(paths); series];
    let mut runner = PathRunner::new(&model);
    for i in 0..paths {
        runner.path(opts.seed, i as u64);
        for (s, v) in runner.values().iter().enumerate() {
            values[s].push(*v);
        }
    }
    let (mut worst_bins, mut worst_sd) = (0.0f64, 0.0f64);
    for (s, v) in values.iter_mut().enumerate() {
        v.sort_by(f64::total_cmp);
        let sd = run.summary.stats[s][1];
        for (k, p) in QUANTILES.iter().enumerate() {
            let h = p * (paths - 1) as f64;
            let (i, frac) = (h.floor() as usize, h - h.floor());
            let exact = v[i] + frac * (v[(i + 1).min(paths - 1)] - v[i]);
            let err = (run.summary.stats[s][2 + k] - exact).abs();
            let width = run.summary.bin_width[s];
            if width > 0.0 && v[0] != v[paths - 1] {
                worst_bins = worst_bins.max(err / width);
            }
            if sd > 0.0 {
                worst_sd = worst_sd.max(err / sd);
            }
        }
    }
    println!(
        "{path}, {paths} paths: largest quantile error {worst_bins:.3} bin widths, {:.4} % of the series' sd",
        100.0 * worst_sd
    );
}
