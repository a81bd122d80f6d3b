//! Plans of the year loop ([`Plan`]): the spec plan (MODEL.md's order, step by step) and
//! the fused plan (steps 3–4 before the fund, step 1's sums taken in their passes) give
//! identical bits — rows and summaries, `f64::to_bits` — on every shipped scenario and
//! `tests/data/all-features.toml`, for the deterministic path and stochastic paths, in
//! one lane and in lanes of 4; and a plan a model cannot run is refused with the reason.

use std::path::{Path, PathBuf};

use fundcast::economy::EconPath;
use fundcast::montecarlo::draw_shocks;
use fundcast::projection::{PathSummary, Plan, Projector, Row, N_METRICS};
use fundcast::simd::Portable;
use fundcast::{scenario, Model};

/// Stochastic paths compared per scenario (besides the deterministic one).
const PATHS: u64 = 6;

/// The shipped scenarios, and the file with every optional feature on.
fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.push(root.join("tests/data/all-features.toml"));
    files
}

/// The economies of the deterministic path and of paths `0..PATHS` of the model's seed.
fn economies(model: &Model) -> Vec<EconPath> {
    let years = model.frame.years();
    let mut out = Vec::new();
    let mut det = EconPath::with_years(years);
    model.economy.fill_path(None, &mut det);
    out.push(det);
    let mut shocks = vec![0.0; model.economy.shocks_per_path(years)];
    for i in 0..PATHS {
        draw_shocks(model.seed, i, &mut shocks);
        let mut e = EconPath::with_years(years);
        model.economy.fill_path(Some(&shocks), &mut e);
        out.push(e);
    }
    out
}

fn project(p: &mut Projector<'_>, econ: &EconPath, years: usize) -> (Vec<Row>, PathSummary) {
    let mut rows = vec![[0.0; N_METRICS]; years];
    let summary = p.run(econ, &mut rows);
    (rows, summary)
}

#[track_caller]
fn assert_same(a: &(Vec<Row>, PathSummary), b: &(Vec<Row>, PathSummary), what: &str) {
    for (t, (ra, rb)) in a.0.iter().zip(&b.0).enumerate() {
        for (m, (x, y)) in ra.iter().zip(rb).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{what}: year {t}, metric {m}: {x} vs {y}"
            );
        }
    }
    let (sa, sb) = (&a.1, &b.1);
    assert_eq!(sa.depletion, sb.depletion, "{what}: depletion");
    for (x, y) in [
        (sa.cumulative_deficit, sb.cumulative_deficit),
        (sa.cumulative_subsidy, sb.cumulative_subsidy),
        (sa.pv_deficits, sb.pv_deficits),
    ] {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: summary {x} vs {y}");
    }
}

/// Every valid plan of every scenario gives the spec plan's bits, path by path; the
/// fused plans are exercised (some scenario runs each).
#[test]
fn every_plan_gives_the_spec_plans_bits_on_every_shipped_scenario() {
    let plans = [
        Plan::Fused { actives: false },
        Plan::Fused { actives: true },
    ];
    let mut ran = [0usize; 2];
    for file in scenario_files() {
        let name = file.display().to_string();
        let model = scenario::load(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let years = model.frame.years();
        let econ = economies(&model);
        let mut spec = Projector::new(&model)
            .with_plan(Plan::Spec)
            .expect("every model runs the spec plan");
        let want: Vec<_> = econ.iter().map(|e| project(&mut spec, e, years)).collect();
        for (k, plan) in plans.into_iter().enumerate() {
            let Ok(mut p) = Projector::new(&model).with_plan(plan) else {
                continue;
            };
            ran[k] += 1;
            for (i, e) in econ.iter().enumerate() {
                let what = format!("{name}, {plan:?}, path {i}");
                assert_same(&project(&mut p, e, years), &want[i], &what);
            }
        }
        // The plan a projector picks by itself is one of them.
        let mut best = Projector::new(&model);
        assert_ne!(
            best.plan() == Plan::Spec,
            model.china.is_none() && model.adjustments.indexation_brake.is_none(),
            "{name}: the fused plan is chosen where valid"
        );
        assert_same(&project(&mut best, &econ[1], years), &want[1], &name);
    }
    assert!(ran[0] >= 5, "the fused plan ran on {} scenarios", ran[0]);
    assert!(
        ran[1] >= 1,
        "the fused plan with actives ran on {} scenarios",
        ran[1]
    );
}

/// The same in lanes of 4: each lane of a fused projection is the spec projection of its
/// path.
#[test]
fn plans_agree_in_lanes() {
    for file in scenario_files() {
        let name = file.display().to_string();
        let model = scenario::load(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        let years = model.frame.years();
        let econ = economies(&model);
        let lanes: Vec<&EconPath> = econ[1..5].iter().collect();
        let run = |plan: Plan| {
            let p = Projector::lanes(&model, Portable::<4>::ZERO).with_plan(plan);
            p.ok().map(|mut p| {
                let mut rows = vec![vec![[0.0; N_METRICS]; years]; 4];
                let mut views: Vec<&mut [Row]> = rows.iter_mut().map(|r| &mut r[..]).collect();
                let summaries = p.run_lanes(&lanes, &mut views);
                (rows, summaries)
            })
        };
        let (want_rows, want) = run(Plan::Spec).expect("spec plan");
        for plan in [
            Plan::Fused { actives: false },
            Plan::Fused { actives: true },
        ] {
            if let Some((rows, summaries)) = run(plan) {
                for l in 0..4 {
                    assert_same(
                        &(rows[l].clone(), summaries[l]),
                        &(want_rows[l].clone(), want[l]),
                        &format!("{name}, {plan:?}, lane {l}"),
                    );
                }
            }
        }
    }
}

/// A plan the model cannot run is an error that says why.
#[test]
fn a_plan_the_model_cannot_run_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let china =
        scenario::load(&root.join("scenarios/ganzhou-2006-2010-china-rules.toml")).expect("valid");
    let err = Projector::new(&china)
        .with_plan(Plan::Fused { actives: false })
        .err()
        .expect("China's rules cannot fuse");
    assert!(err.to_string().contains("scheme"), "{err}");
    let basic = scenario::load(&root.join("scenarios/minimal.toml")).expect("valid");
    let err = Projector::new(&basic)
        .with_ledger()
        .with_plan(Plan::Fused { actives: false })
        .err()
        .expect("the ledger runs the spec plan");
    assert!(err.to_string().contains("ledger"), "{err}");
    assert_eq!(Projector::new(&basic).with_ledger().plan(), Plan::Spec);
}
