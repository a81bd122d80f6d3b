//! Times the phases of a Monte Carlo run (drawing shocks, projecting, recording) on one
//! thread: `cargo run --release --example phase_timing -- SCENARIO [PATHS]`.
use std::time::Instant;

use fundcast::aggregate::{record, Grid, Sums, Tally};
use fundcast::montecarlo::{series, Runner};

const L: usize = 8;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = fundcast::scenario::load(std::path::Path::new(&args[1])).expect("scenario");
    let paths: usize = args.get(2).map_or(20_000, |p| p.parse().expect("paths"));
    let years = model.frame.years();
    let n = series(&model);
    let mut runner: Runner<L> = Runner::lanes(&model);
    let groups = paths / L;
    let t0 = Instant::now();
    for g in 0..groups {
        runner.draw_group(model.seed, (g * L) as u64, L);
    }
    let draw = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    for _ in 0..groups {
        runner.project_group(true);
    }
    let project = t0.elapsed().as_secs_f64();
    let (lo, hi): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|s| {
            let v = runner.lane_values(0)[s];
            (v - v.abs() * 0.1 - 1.0, v + v.abs() * 0.1 + 1.0)
        })
        .unzip();
    let grid = Grid::from_pilot(&lo, &hi);
    let mut tally = Tally::new(n, years, 1);
    let mut sums = Sums::new(n);
    let t0 = Instant::now();
    for _ in 0..groups {
        for l in 0..L {
            record(&mut tally, &mut sums, &grid, runner.lane_values(l), &[None]);
        }
    }
    let rec = t0.elapsed().as_secs_f64();
    let py = (groups * L * years) as f64;
    for (name, s) in [("draw", draw), ("project", project), ("record", rec)] {
        println!("{name:>8}: {:7.1} ns per path-year", s / py * 1e9);
    }
}
