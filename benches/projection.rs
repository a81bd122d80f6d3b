//! Benchmarks of the projection (one path; a group of paths in lanes, as the Monte
//! Carlo runs them) and of a whole Monte Carlo run, on the two benchmark scenarios
//! (`scenarios/bench-2050-basic.toml`, `scenarios/bench-2050.toml`). Throughput is
//! reported in path-years (one path projected through one year).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fundcast::montecarlo::{self, Options, PathRunner, Runner};
use fundcast::scenario;

fn scenarios() -> Vec<(&'static str, fundcast::Model)> {
    ["bench-2050-basic", "bench-2050"]
        .into_iter()
        .filter_map(|name| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(format!("{name}.toml"));
            scenario::load(&path).ok().map(|m| (name, m))
        })
        .collect()
}

/// One path: draw its shocks, build its economy, project it (what each worker does per path).
fn per_path(c: &mut Criterion) {
    for (name, model) in scenarios() {
        let mut group = c.benchmark_group(format!("path/{name}"));
        group.throughput(Throughput::Elements(model.frame.years() as u64));
        let mut runner = PathRunner::new(&model);
        let mut i = 0u64;
        group.bench_function("draw+project", |b| {
            b.iter(|| {
                i += 1;
                runner.path(model.seed, i)
            })
        });
        runner.draw(model.seed, 1);
        group.bench_function("project only", |b| b.iter(|| runner.project(true)));
        group.finish();
    }
}

/// A group of paths in the lanes of one projector (4 and 8 lanes), shocks drawn per
/// group: what a Monte Carlo worker does for each group, before recording.
fn per_group(c: &mut Criterion) {
    fn bench<const L: usize>(c: &mut Criterion, name: &str, model: &fundcast::Model) {
        let mut group = c.benchmark_group(format!("lanes/{name}"));
        group.throughput(Throughput::Elements((L * model.frame.years()) as u64));
        let mut runner: Runner<L> = Runner::lanes(model);
        let mut first = 0u64;
        group.bench_function(format!("{L} lanes, draw+project"), |b| {
            b.iter(|| {
                first += L as u64;
                runner.draw_group(model.seed, first, L);
                runner.project_group(true)
            })
        });
        group.finish();
    }
    for (name, model) in scenarios() {
        bench::<4>(c, name, &model);
        bench::<8>(c, name, &model);
    }
}

/// A whole run of 2,000 paths on one thread, aggregation included.
fn whole_run(c: &mut Criterion) {
    for (name, model) in scenarios() {
        let paths = 2_000;
        let mut group = c.benchmark_group(format!("run/{name}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements((paths * model.frame.years()) as u64));
        let opts = Options {
            paths,
            seed: model.seed,
            threads: 1,
        };
        group.bench_function("2000 paths, 1 thread", |b| {
            b.iter(|| montecarlo::run(&model, opts, &|_| {}))
        });
        group.finish();
    }
}

criterion_group!(benches, per_path, per_group, whole_run);
criterion_main!(benches);
