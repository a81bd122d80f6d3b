//! Benchmarks of the projection (one path; a group of paths in lanes, as the Monte
//! Carlo runs them) and of a whole Monte Carlo run, on the two benchmark scenarios
//! (`scenarios/bench-2050-basic.toml`, `scenarios/bench-2050.toml`) and the full one with
//! all five funds (`scenarios/bench-2050-five-funds.toml`). Throughput is
//! reported in path-years (one path projected through one year).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fundcast::montecarlo::{self, LaneRunner, Options, PathRunner};
use fundcast::scenario;
use fundcast::simd::Isa;

fn scenarios() -> Vec<(&'static str, fundcast::Model)> {
    ["bench-2050-basic", "bench-2050", "bench-2050-five-funds"]
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

/// A group of paths in the lanes of one projector (each instruction set of the
/// processor: 4 lanes baseline and AVX2, 8 AVX-512), shocks drawn per group: what a Monte Carlo worker does for each group, before recording.
fn per_group(c: &mut Criterion) {
    fn bench(c: &mut Criterion, name: &str, model: &fundcast::Model, isa: Isa) {
        let mut runner = LaneRunner::with_isa(model, isa);
        let l = runner.lanes();
        let mut group = c.benchmark_group(format!("lanes/{name}"));
        group.throughput(Throughput::Elements((l * model.frame.years()) as u64));
        let mut first = 0u64;
        group.bench_function(format!("{} ({l} lanes), draw+project", isa.name()), |b| {
            b.iter(|| {
                first += l as u64;
                runner.draw_group(model.seed, first, l);
                runner.project_group(true)
            })
        });
        group.finish();
    }
    for (name, model) in scenarios() {
        for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
            bench(c, name, &model, isa);
        }
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
