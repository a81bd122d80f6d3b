//! Times the phases of a Monte Carlo run on one thread, as `fundcast run` interleaves
//! them (draw a group of paths, project it, record its paths), with the quantile bins
//! fixed from a pilot of 1,024 paths:
//! `cargo run --release --example phase_timing -- SCENARIO [PATHS]`.
use std::time::Instant;

use fundcast::aggregate::{record, Grid, Sums, Tally};
use fundcast::montecarlo::{series, LaneRunner};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = fundcast::scenario::load(std::path::Path::new(&args[1])).expect("scenario");
    let paths: usize = args.get(2).map_or(20_000, |p| p.parse().expect("paths"));
    let years = model.frame.years();
    let n = series(&model);
    // The lanes of the run's instruction set (`FUNDCAST_ISA` chooses another).
    let mut runner = LaneRunner::new(&model);
    let lanes = runner.lanes();
    let (mut lo, mut hi) = (vec![f64::INFINITY; n], vec![f64::NEG_INFINITY; n]);
    for g in 0..1024 / lanes {
        runner.draw_group(model.seed, (g * lanes) as u64, lanes);
        runner.project_group(true);
        for l in 0..lanes {
            for (s, &v) in runner.lane_values(l).iter().enumerate() {
                lo[s] = lo[s].min(v);
                hi[s] = hi[s].max(v);
            }
        }
    }
    let grid = Grid::from_pilot(&lo, &hi);
    let mut tally = Tally::new(n, years, 1);
    let mut sums = Sums::new(n);
    let groups = paths / lanes;
    let (mut draw, mut project, mut rec) = (0.0, 0.0, 0.0);
    for g in 0..groups {
        let t0 = Instant::now();
        runner.draw_group(model.seed, (g * lanes) as u64, lanes);
        let t1 = Instant::now();
        runner.project_group(true);
        let t2 = Instant::now();
        record(
            &mut tally,
            &mut sums,
            &grid,
            runner.group_values(),
            &vec![None; lanes],
        );
        draw += (t1 - t0).as_secs_f64();
        project += (t2 - t1).as_secs_f64();
        rec += t2.elapsed().as_secs_f64();
    }
    let py = (groups * lanes * years) as f64;
    for (name, s) in [("draw", draw), ("project", project), ("record", rec)] {
        println!("{name:>8}: {:7.1} ns per path-year", s / py * 1e9);
    }
    println!(
        "   total: {:7.1} ns per path-year",
        (draw + project + rec) / py * 1e9
    );
}
