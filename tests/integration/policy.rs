//! Policy tools: `extends` chains, `show`/`diff`, comparisons on common random numbers,
//! the goal seek (`solve`), sensitivity tables, the automatic adjustment rules and the
//! subsidy caps, each checked against numbers worked out by hand (in the comments).
//!
//! The hand computations start from `common::tiny()` (see tests/integration/common.rs): male q =
//! 0.1, 0.1, 0.2, 0.25, 0.5 at ages 0–4; W_2005 = 1000, g = 0.1, r = 0.05; c = 0.2,
//! k = 0.9; pensions rise by 1 + 0.5·g = 1.05; RA = 4; 1000 active men aged 1, 100
//! retired men aged 2 with 500 a year each; fund 10 000. Its years:
//! - 2005: C = 1000 · 1000 · c · 0.9 = 900 000 c; B = 50 000;
//!   F*_2006 = 10 000 · 1.05 + (C − B) · 1.025.
//! - 2006: actives 900 (aged 2), W = 1100: C = 900 · 1100 · c · 0.9 = 891 000 c;
//!   pensioners 80 (aged 3), mass 40 000 · 1.05 = 42 000 = B.
//! - 2007 (when the horizon allows): actives 720 (aged 3), W = 1210:
//!   C = 720 · 1210 · c · 0.9 = 784 080 c; pensioners 60 (aged 4), B = 42 000 · 0.75 · 1.05
//!   = 33 075.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{close, tiny, Builder};
use fundcast::compare::{self, Entry};
use fundcast::document::{self, Node, Sources};
use fundcast::measure::{evaluate, Measure, Target};
use fundcast::montecarlo::{Options, PathRunner};
use fundcast::policy::{self, default_varies, sensitivity, solve};
use fundcast::projection::metric::*;
use fundcast::variants::{self, Change};
use fundcast::{scenario, Model, ScenarioError};

const CHAIN_TOP: &str = "tests/data/policy-variants/policy-a.toml";
const CHAIN_MERGED: &str = "tests/data/policy-merged.toml";
const GANZHOU: &str = "scenarios/ganzhou-2006-2010.toml";
const GANZHOU_2050: &str = "scenarios/ganzhou-2050.toml";

fn load(path: &str) -> (Node, Sources) {
    document::load(Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn model_of(path: &str) -> Model {
    scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A builder's scenario as a tree (file names resolve against tests/data).
fn tree_of(b: &Builder) -> (Node, Sources) {
    let mut sources = Sources::default();
    let node = document::parse_text(Path::new(common::TINY_NAME), &b.text(), &mut sources)
        .unwrap_or_else(|e| panic!("{e}"));
    (node, sources)
}

/// Whether an inline TOML value is `expected` (key order aside).
#[track_caller]
fn assert_value(got: &str, expected: &str) {
    let parse = |v: &str| -> toml::Table {
        toml::from_str(&format!("v = {v}")).unwrap_or_else(|e| panic!("`{v}`: {e}"))
    };
    assert_eq!(parse(got), parse(expected), "`{got}` is not `{expected}`");
}

/// The value of a leaf of a tree, as inline TOML.
fn leaf(tree: &Node, key: &str) -> String {
    variants::leaves(tree)
        .into_iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no leaf `{key}`"))
        .1
}

fn invalid(e: ScenarioError) -> Vec<fundcast::Diagnostic> {
    match e {
        ScenarioError::Invalid(d) => d,
        other => panic!("expected an invalid scenario, got {other}"),
    }
}

#[track_caller]
fn file_is(diag: &fundcast::Diagnostic, name: &str) {
    assert_eq!(
        diag.file.file_name().and_then(|n| n.to_str()),
        Some(name),
        "{diag}"
    );
}

// ---------------------------------------------------------------------------------------
// 1. `extends`: merge rules, relative paths, cycles, unknown keys, missing bases.
// ---------------------------------------------------------------------------------------

#[test]
fn chain_merges_leaves_sections_and_replaces_value_tables_whole() {
    // A (tests/data/policy-variants) extends "../policy-b.toml", which extends
    // "policy-c.toml": each name resolves against the folder of the file that writes it
    // (from A's folder, "policy-c.toml" does not exist; from the working directory,
    // "../policy-b.toml" does not either).
    let (tree, sources) = load(CHAIN_TOP);
    let names: Vec<String> = sources
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["policy-a.toml", "policy-b.toml", "policy-c.toml"]);

    // Leaf overrides at each level; `extends` itself is gone from the merged tree.
    assert_eq!(leaf(&tree, "name"), "\"policy A\"");
    assert_eq!(leaf(&tree, "horizon"), "2009");
    assert_eq!(leaf(&tree, "contributions.collection_rate"), "0.8");
    assert_eq!(leaf(&tree, "indexation.price_weight"), "0.1");
    assert_eq!(leaf(&tree, "population.actives.total"), "1200");
    assert!(variants::leaves(&tree).iter().all(|(k, _)| k != "extends"));
    // Sections merge key by key: the keys nobody overrode stay.
    assert_eq!(leaf(&tree, "indexation.wage_weight"), "0.5");
    assert_eq!(leaf(&tree, "population.actives.male_share"), "0.6");
    assert_eq!(leaf(&tree, "fund.initial"), "10000");
    assert_eq!(leaf(&tree, "fund.admin_rate"), "0.01");
    // A section C wrote with the single key `table` is a section, not a value: B's
    // `improvement` is added to it and C's table stays.
    assert_eq!(leaf(&tree, "mortality.table"), "\"q-tiny.csv\"");
    assert_eq!(leaf(&tree, "mortality.improvement"), "0.01");
    // A schedule is replaced whole (C's 2005 and 2007 keys are gone).
    assert_eq!(leaf(&tree, "contributions.rate"), "{ 2006 = 0.22 }");
    // A profile form is replaced whole (no `uniform` left beside B's `normal`).
    assert_value(
        &leaf(&tree, "population.actives.profile"),
        "{ normal = { mean = 2, sd = 1, from = 1, to = 3 } }",
    );
    // A pair by sex is replaced whole (C's male age 3 = 0.1 is gone).
    assert_value(
        &leaf(&tree, "retirement.early_rate"),
        "{ male = { 0 = 0, 4 = 0.3 }, female = 0 }",
    );
    // Each value remembers the file that wrote it.
    let file_of = |key: &str| {
        let mut node = &tree;
        for part in key.split('.') {
            let document::Value::Table(t) = &node.value else {
                panic!("{key}")
            };
            node = t.get(part).unwrap();
        }
        names[node.loc.file].clone()
    };
    assert_eq!(file_of("contributions.rate"), "policy-a.toml");
    assert_eq!(file_of("contributions.collection_rate"), "policy-b.toml");
    assert_eq!(file_of("mortality.table"), "policy-c.toml");

    // The whole model is the one of the same scenario written flat.
    let chain = scenario::build(&tree, &sources).unwrap_or_else(|e| panic!("{e}"));
    let flat = model_of(CHAIN_MERGED);
    assert_eq!(chain, flat);
    let (flat_tree, _) = load(CHAIN_MERGED);
    assert_eq!(variants::diff(&tree, &flat_tree), vec![]);
    // And, read from the model: the rate is 0.22 in every year (0.2 before 2006 and
    // 0.25 from 2007 would mean the schedules were merged key by key).
    assert!(chain.contributions.rate.iter().all(|r| *r == 0.22));
    assert_eq!(chain.fund.admin_rate[0], 0.01);
}

#[test]
fn an_override_of_a_single_key_section_keeps_the_base_s_other_keys() {
    // The reverse of the chain's case: the base has `table` and `improvement`, the
    // variant writes `[mortality]` with only `table`: the improvement must stay.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("tests/data/q-tiny.csv", dir.path().join("q-tiny.csv")).unwrap();
    std::fs::copy("tests/data/q-tiny.csv", dir.path().join("q-other.csv")).unwrap();
    let base = tiny().set("mortality", "table = \"q-tiny.csv\"\nimprovement = 0.02");
    std::fs::write(dir.path().join("base.toml"), base.text()).unwrap();
    std::fs::write(
        dir.path().join("variant.toml"),
        "extends = \"base.toml\"\n[mortality]\ntable = \"q-other.csv\"\n",
    )
    .unwrap();
    let (tree, sources) = document::load(&dir.path().join("variant.toml")).unwrap();
    assert_eq!(leaf(&tree, "mortality.table"), "\"q-other.csv\"");
    assert_eq!(leaf(&tree, "mortality.improvement"), "0.02");
    let m = scenario::build(&tree, &sources).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m, base.model());
}

#[test]
fn a_cycle_of_extends_is_an_error_at_the_extends_key() {
    let e = document::load(Path::new("tests/data/policy-cycle-a.toml")).unwrap_err();
    let d = invalid(e);
    assert_eq!(d.len(), 1, "{d:?}");
    // a → b → a: the error is where the chain closes, at b's `extends`, line 2.
    file_is(&d[0], "policy-cycle-b.toml");
    assert_eq!(d[0].key, "extends");
    assert_eq!(d[0].line, 2);
    assert!(d[0].message.contains("cycle"), "{}", d[0]);
    assert!(d[0].message.contains("policy-cycle-a.toml"), "{}", d[0]);

    // A file extending itself.
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own.toml");
    std::fs::write(&own, "name = \"x\"\nextends = \"own.toml\"\n").unwrap();
    let d = invalid(document::load(&own).unwrap_err());
    file_is(&d[0], "own.toml");
    assert_eq!((d[0].key.as_str(), d[0].line), ("extends", 2));
    assert!(d[0].message.contains("cycle"), "{}", d[0]);
}

#[test]
fn an_unknown_key_of_a_variant_names_the_variant_file_and_line() {
    let path = "tests/data/policy-variants/policy-typo.toml";
    let e = scenario::load(Path::new(path)).unwrap_err();
    let d = invalid(e);
    assert_eq!(d.len(), 1, "{d:?}");
    file_is(&d[0], "policy-typo.toml");
    assert_eq!(d[0].key, "contributions.colection_rate");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(d[0].line, common::line_of(&text, "colection_rate"));
    assert_eq!(d[0].column, 1);
    assert!(d[0].message.contains("unknown key"), "{}", d[0]);

    // A bad value written by the variant is also the variant's, even where it overrides
    // a good value of the base.
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.toml");
    let base = std::fs::canonicalize("tests/data/policy-b.toml").unwrap();
    std::fs::write(
        &v,
        format!(
            "extends = {:?}\n\n[contributions]\ncollection_rate = 1.5\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let d = invalid(scenario::load(&v).unwrap_err());
    assert_eq!(d.len(), 1, "{d:?}");
    file_is(&d[0], "v.toml");
    assert_eq!(
        (d[0].key.as_str(), d[0].line),
        ("contributions.collection_rate", 4)
    );
}

#[test]
fn a_missing_base_is_an_error() {
    let d = invalid(document::load(Path::new("tests/data/policy-missing-base.toml")).unwrap_err());
    assert_eq!(d.len(), 1, "{d:?}");
    file_is(&d[0], "policy-missing-base.toml");
    assert_eq!((d[0].key.as_str(), d[0].line), ("extends", 2));
    assert!(
        d[0].message.contains("policy-no-such-base.toml") && d[0].message.contains("not exist"),
        "{}",
        d[0]
    );
    // The scenario file itself missing is an I/O error.
    assert!(matches!(
        document::load(Path::new("tests/data/policy-nothing-here.toml")),
        Err(ScenarioError::Io { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// 2. `fundcast show` and `fundcast diff`.
// ---------------------------------------------------------------------------------------

fn fundcast(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(args)
        .output()
        .expect("run fundcast")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn show_prints_toml_of_the_same_model() {
    for path in [CHAIN_TOP, "scenarios/ganzhou-2050-automatic.toml"] {
        let out = fundcast(&["show".as_ref(), path.as_ref()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        let parsed: toml::Table = toml::from_str(&shown).unwrap_or_else(|e| panic!("{e}"));
        assert!(!parsed.contains_key("extends"));
        // Relative file names in the output are those the files wrote (the chain's life
        // table is C's, in tests/data): read the text as if it were there.
        let folder = Path::new(path).parent().unwrap();
        let folder = if path == CHAIN_TOP {
            Path::new("tests/data")
        } else {
            folder
        };
        let again = scenario::from_text(&folder.join("shown.toml"), &shown)
            .unwrap_or_else(|e| panic!("{path}: {e}\n{shown}"));
        let original = model_of(path);
        assert_eq!(again, original, "{path}");
        let (rows_a, sum_a) = fundcast::deterministic(&again);
        let (rows_o, sum_o) = fundcast::deterministic(&original);
        assert_eq!(rows_a, rows_o, "{path}");
        assert_eq!(sum_a, sum_o, "{path}");
    }
}

#[test]
fn diff_lists_exactly_the_changed_keys() {
    let out = fundcast(&[
        "diff".as_ref(),
        GANZHOU.as_ref(),
        "scenarios/ganzhou-collection.toml".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<(&str, &str)> = stdout
        .lines()
        .map(|l| l.split_once(": ").expect("KEY: A -> B"))
        .collect();
    let keys: BTreeSet<&str> = lines.iter().map(|l| l.0).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(
        keys,
        BTreeSet::from(["name", "contributions.collection_rate"]),
        "{stdout}"
    );
    let rate = lines
        .iter()
        .find(|l| l.0 == "contributions.collection_rate")
        .unwrap()
        .1;
    let (a, b) = rate.split_once(" -> ").unwrap();
    assert_value(a, "0.432");
    assert_value(
        b,
        "{ 2005 = 0.432, 2006 = 0.46, 2007 = 0.49, 2008 = 0.52, 2009 = 0.55, 2010 = 0.58 }",
    );

    // The chain and its flat form do not differ; a file against itself neither.
    let out = fundcast(&["diff".as_ref(), CHAIN_TOP.as_ref(), CHAIN_MERGED.as_ref()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("do not differ"),
        "{}",
        text(&out.stdout)
    );
}

// ---------------------------------------------------------------------------------------
// 3. Common random numbers in comparisons.
// ---------------------------------------------------------------------------------------

fn line<'c>(c: &'c compare::Comparison, scenario: &str, measure: &str) -> &'c compare::Line {
    c.lines
        .iter()
        .find(|l| l.scenario == scenario && l.measure == measure)
        .unwrap_or_else(|| panic!("no line {scenario} / {measure}"))
}

#[test]
fn comparisons_pair_the_paths() {
    let (tree, sources) = load(GANZHOU);
    let base = scenario::build(&tree, &sources).unwrap();
    let higher = policy::variant(&tree, &sources, "contributions.rate", Change::Shift(0.01))
        .unwrap_or_else(|e| panic!("{e}"));
    let same = policy::variant(&tree, &sources, "contributions.rate", Change::Shift(0.0))
        .unwrap_or_else(|e| panic!("{e}"));
    let (paths, seed) = (1000, 77);
    let entries = [
        Entry {
            name: "base".into(),
            model: &base,
        },
        Entry {
            name: "higher".into(),
            model: &higher,
        },
        Entry {
            name: "same".into(),
            model: &same,
        },
    ];
    let c = compare::compare(&entries, paths, seed, 2).unwrap_or_else(|e| panic!("{e}"));
    let measure = "cumulative_deficit_mean";
    let h = line(&c, "higher", measure);
    let (diff, se_p, se_u) = (
        h.difference.unwrap(),
        h.se_paired.unwrap(),
        h.se_unpaired.unwrap(),
    );
    assert!(diff < 0.0, "more contributions, less deficit: {diff}");
    assert!(
        se_p < se_u / 5.0,
        "paired s.e. {se_p} is not far below the unpaired {se_u}"
    );
    assert!(se_p > 0.0);

    // By hand: path i of each scenario on its own stream (seed, i), differences taken
    // path by path.
    let (mut rb, mut rh) = (PathRunner::new(&base), PathRunner::new(&higher));
    let (mut sb, mut sh, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..paths as u64 {
        let b = rb.path(seed, i).cumulative_deficit;
        let v = rh.path(seed, i).cumulative_deficit;
        sb.push(b);
        sh.push(v);
        d.push(v - b);
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let sd = |x: &[f64]| {
        let m = mean(x);
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
    };
    let n = (paths as f64).sqrt();
    let near = |a: f64, b: f64| {
        assert!(
            (a - b).abs() <= 1e-6 * a.abs().max(b.abs()),
            "{a} != {b} (by hand)"
        )
    };
    near(line(&c, "base", measure).value.unwrap(), mean(&sb));
    near(h.value.unwrap(), mean(&sh));
    near(diff, mean(&d));
    near(se_p, sd(&d) / n);
    near(se_u, (sd(&sb).powi(2) + sd(&sh).powi(2)).sqrt() / n);

    // A variant identical to the base: every difference exactly 0, with s.e. 0.
    let mut checked = 0;
    for l in c.lines.iter().filter(|l| l.scenario == "same") {
        let Some(d) = l.difference else { continue };
        if d.is_nan() {
            continue;
        }
        assert_eq!(d, 0.0, "{l:?}");
        if let Some(se) = l.se_paired.filter(|s| !s.is_nan()) {
            assert_eq!(se, 0.0, "{l:?}");
            checked += 1;
        }
        assert_eq!(l.value, line(&c, "base", &l.measure).value, "{l:?}");
    }
    assert!(checked >= 5, "only {checked} lines with a paired s.e.");
}

// ---------------------------------------------------------------------------------------
// 4. The goal seek.
// ---------------------------------------------------------------------------------------

#[test]
fn solve_finds_the_contribution_rate_that_closes_the_gap() {
    // tiny (2005–2006): the cumulative deficit is D_2006 = 42 000 − 891 000 c, so
    // cumulative_deficit <= 0 from c* = 42 000 / 891 000.
    let (tree, sources) = tree_of(&tiny());
    let target = Target::parse("cumulative_deficit <= 0").unwrap();
    let tol = 1e-7;
    let s = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.0, 1.0),
        &target,
        None,
        Some(tol),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let c_star = 42_000.0 / 891_000.0;
    assert!(!s.whole_range);
    assert!(
        s.value >= c_star - 1e-12 && s.value <= c_star + tol,
        "{} vs {c_star}",
        s.value
    );
    assert!(s.achieved.value <= 0.0);
    close(s.achieved.value, 42_000.0 - 891_000.0 * s.value);
    assert_eq!(s.achieved.standard_error, 0.0);
    // Both ends, then bisection: about log2(1 / tol) more evaluations.
    assert!((20..=30).contains(&s.tried.len()), "{}", s.tried.len());

    // On Ganzhou (2005–2010) payouts do not depend on the rate and contributions are
    // linear in it: c* = Σ B_t / Σ (C_t / 0.28) over 2006–2010 (admin 0).
    let (tree, sources) = load(GANZHOU);
    let (rows, _) = fundcast::deterministic(&model_of(GANZHOU));
    let b: f64 = rows[1..].iter().map(|r| r[PAYOUTS]).sum();
    let x: f64 = rows[1..].iter().map(|r| r[CONTRIBUTIONS] / 0.28).sum();
    let s = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.0, 1.0),
        &target,
        Some(Options {
            paths: 0,
            seed: 1,
            threads: 1,
        }),
        Some(1e-6),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let c_star = b / x;
    assert!(
        s.value >= c_star - 1e-9 && s.value <= c_star + 1e-6 + 1e-9,
        "{} vs {c_star}",
        s.value
    );
}

#[test]
fn solve_finds_the_rate_that_delays_depletion() {
    // tiny (2005–2006) without subsidy.
    // depletion_year >= 2006: F*_2006 = 10 500 + (900 000 c − 50 000) 1.025 >= 0,
    //   c >= (50 000 − 10 500 / 1.025) / 900 000.
    // depletion_year >= 2007 (no depletion): also F*_2007 = F_2006 · 1.05 +
    //   (891 000 c − 42 000) 1.025 >= 0, which binds:
    //   c >= (1.05 · 1.025 · 50 000 + 1.025 · 42 000 − 1.05 · 10 500)
    //        / (1.05 · 1.025 · 900 000 + 1.025 · 891 000).
    let (tree, sources) = tree_of(&tiny());
    let tol = 1e-8;
    let cases = [
        (
            "depletion_year >= 2006",
            (50_000.0 - 10_500.0 / 1.025) / 900_000.0,
        ),
        (
            "depletion_year >= 2007",
            (1.05 * 1.025 * 50_000.0 + 1.025 * 42_000.0 - 1.05 * 10_500.0)
                / (1.05 * 1.025 * 900_000.0 + 1.025 * 891_000.0),
        ),
    ];
    for (target, c_star) in cases {
        let t = Target::parse(target).unwrap();
        let s = solve(
            &tree,
            &sources,
            "contributions.rate",
            (0.0, 1.0),
            &t,
            None,
            Some(tol),
        )
        .unwrap_or_else(|e| panic!("{target}: {e}"));
        assert!(
            s.value >= c_star - 1e-12 && s.value <= c_star + tol + 1e-12,
            "{target}: {} vs {c_star}",
            s.value
        );
        assert!(t.met_by(s.achieved.value), "{target}: {:?}", s.achieved);
        let below = policy::variant(
            &tree,
            &sources,
            "contributions.rate",
            Change::Set(c_star - 1e-6),
        )
        .unwrap();
        let e = evaluate(&below, Measure::DepletionYear, None).unwrap();
        assert!(!t.met_by(e.value), "{target}: {e:?} just below c*");
    }

    // A target met everywhere: the end of the range the search moves towards.
    let t = Target::parse("depletion_year >= 2005").unwrap();
    let s = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.0, 1.0),
        &t,
        None,
        None,
    )
    .unwrap();
    assert!(s.whole_range);
}

#[test]
fn solve_reports_an_impossible_target() {
    let (tree, sources) = tree_of(&tiny());
    // At c = 1 the deficit is 42 000 − 891 000 = −849 000: never −10⁹.
    let t = Target::parse("cumulative_deficit <= -1e9").unwrap();
    let e = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.0, 1.0),
        &t,
        None,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, policy::PolicyError::Unmet { .. }), "{e:?}");
    let e = e.to_string();
    for part in [
        "no value of `contributions.rate`",
        "[0, 1]",
        "cumulative_deficit",
        "-849000",
    ] {
        assert!(e.contains(part), "`{part}` not in: {e}");
    }
    // An empty range, an unknown key and a measure that needs paths are errors too.
    assert!(solve(
        &tree,
        &sources,
        "contributions.rate",
        (1.0, 0.0),
        &t,
        None,
        None
    )
    .is_err());
    let t = Target::parse("p_depleted_by(2006) <= 0.05").unwrap();
    let e = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.0, 1.0),
        &t,
        None,
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            policy::PolicyError::Measure(fundcast::measure::MeasureError::NeedsPaths { .. })
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("paths"), "{e}");
}

#[test]
fn solve_meets_a_monte_carlo_target() {
    let (tree, sources) = load(GANZHOU_2050);
    let t = Target::parse("p_depleted_by(2030) <= 0.05").unwrap();
    let opts = Options {
        paths: 300,
        seed: 2006,
        threads: 2,
    };
    let tol = 0.005;
    let s = solve(
        &tree,
        &sources,
        "contributions.rate",
        (0.1, 0.6),
        &t,
        Some(opts),
        Some(tol),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!s.whole_range);
    assert!(s.achieved.value <= 0.05, "{:?}", s.achieved);
    let at = |c: f64| {
        let m = policy::variant(&tree, &sources, "contributions.rate", Change::Set(c)).unwrap();
        (evaluate(&m, t.measure, Some(opts)).unwrap(), m)
    };
    let (here, m) = at(s.value);
    assert_eq!(here, s.achieved);
    assert!(t.met_by(here.value));
    let (below, _) = at(s.value - 2.0 * tol);
    assert!(
        !t.met_by(below.value),
        "the target still holds at {}: {below:?}",
        s.value - 2.0 * tol
    );
    // By hand: the share of the 300 paths depleted in 2030 or before.
    let mut runner = PathRunner::new(&m);
    let by = (2030 - 2005) as usize;
    let depleted = (0..300)
        .filter(|&i| matches!(runner.path(opts.seed, i).depletion, Some(y) if y <= by))
        .count();
    assert_eq!(here.value, depleted as f64 / 300.0);
}

// ---------------------------------------------------------------------------------------
// 5. Sensitivity.
// ---------------------------------------------------------------------------------------

#[test]
fn sensitivity_rows_are_ordered_by_swing_and_match_hand_computation() {
    let (tree, sources) = load(GANZHOU);
    let (rows, _) = fundcast::deterministic(&model_of(GANZHOU));
    // Cumulative deficit = Σ B − c Σ X over 2006–2010, X = C / 0.28.
    let x: f64 = rows[1..].iter().map(|r| r[CONTRIBUTIONS] / 0.28).sum();
    let varies = vec![
        (
            "contributions.rate".to_string(),
            Change::Shift(-0.01),
            Change::Shift(0.01),
        ),
        (
            "contributions.collection_rate".to_string(),
            Change::Scale(0.9),
            Change::Set(1.5),
        ),
        (
            "indexation.wage_weight".to_string(),
            Change::Scale(0.9),
            Change::Scale(1.1),
        ),
        (
            "contributions.rate".to_string(),
            Change::Shift(-0.05),
            Change::Shift(0.05),
        ),
    ];
    let (base, out) = sensitivity(&tree, &sources, Measure::CumulativeDeficit, &varies, None)
        .unwrap_or_else(|e| panic!("{e}"));
    close(base.value, rows[rows.len() - 1][CUMULATIVE_DEFICIT]);
    assert_eq!(out.len(), 4);
    for w in out.windows(2) {
        assert!(w[0].size() >= w[1].size(), "not by swing: {out:?}");
    }
    // ±5 points first, ±1 point after; the swing is 2 · Δc · Σ X.
    assert_eq!(out[0].key, "contributions.rate");
    assert_eq!(out[0].low, Change::Shift(-0.05));
    let rel = |a: f64, b: f64| assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    rel(out[0].size(), 0.10 * x);
    let one = out
        .iter()
        .find(|r| r.low == Change::Shift(-0.01))
        .expect("the ±1 point row");
    rel(one.size(), 0.02 * x);
    // Direction: more contributions, less deficit; more indexation, more deficit.
    let v =
        |r: &Result<fundcast::measure::Evaluation, policy::PolicyError>| r.as_ref().unwrap().value;
    rel(v(&out[0].at_low) - base.value, 0.05 * x);
    rel(base.value - v(&out[0].at_high), 0.05 * x);
    let ww = out
        .iter()
        .find(|r| r.key == "indexation.wage_weight")
        .unwrap();
    assert!(v(&ww.at_high) > base.value && base.value > v(&ww.at_low));
    // The invalid change is reported in its row, which comes last (no swing).
    let bad = &out[3];
    assert_eq!(bad.key, "contributions.collection_rate");
    assert!(bad.at_low.is_ok());
    let err = bad.at_high.as_ref().unwrap_err();
    assert!(
        matches!(err, policy::PolicyError::InvalidVariant { .. }),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("collection_rate") && err.contains("1.5"),
        "{err}"
    );
    assert_eq!(bad.size(), 0.0);
}

#[test]
fn default_varies_cover_the_main_assumptions_of_ganzhou() {
    let (tree, sources) = load(GANZHOU);
    let varies = default_varies(&tree);
    let keys: BTreeSet<&str> = varies.iter().map(|(k, _, _)| k.as_str()).collect();
    let expected = [
        "economy.wage_growth.mean",
        "economy.inflation.mean",
        "economy.fund_return.mean",
        "contributions.rate",
        "contributions.collection_rate",
        "retirement.age",
        "entrants.count",
        "mortality.improvement",
        "indexation.wage_weight",
    ];
    assert_eq!(keys, expected.into_iter().collect(), "{varies:?}");
    assert_eq!(keys.len(), varies.len());
    let find = |k: &str| varies.iter().find(|v| v.0 == k).unwrap();
    assert_eq!(
        (find("contributions.rate").1, find("contributions.rate").2),
        (Change::Shift(-0.01), Change::Shift(0.01))
    );
    assert_eq!(
        (find("retirement.age").1, find("retirement.age").2),
        (Change::Shift(-1.0), Change::Shift(1.0))
    );
    // Every default change gives a valid scenario, and moves the deficit except
    // inflation (Ganzhou indexes on wages only, and no other figure reads prices) and
    // the fund return (the deficit is a flow: B + Adm − C − O).
    let (_, rows) = sensitivity(&tree, &sources, Measure::CumulativeDeficit, &varies, None)
        .unwrap_or_else(|e| panic!("{e}"));
    for r in &rows {
        assert!(r.at_low.is_ok() && r.at_high.is_ok(), "{r:?}");
        if r.key == "economy.inflation.mean" || r.key == "economy.fund_return.mean" {
            assert_eq!(r.size(), 0.0, "{r:?}");
        } else {
            assert!(r.size() > 0.0, "{r:?}");
        }
    }
    // A scalar economy gets the key itself.
    let (tree, _) = tree_of(&tiny());
    let keys: Vec<String> = default_varies(&tree).into_iter().map(|v| v.0).collect();
    assert!(
        keys.contains(&"economy.wage_growth".to_string()),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|k| k == "entrants.count"), "{keys:?}");
}

// ---------------------------------------------------------------------------------------
// 6. Automatic adjustment rules and subsidy caps, by hand.
// ---------------------------------------------------------------------------------------

fn tiny_to_2007() -> Builder {
    tiny().set(
        "",
        "name = \"tiny\"\ncurrency = \"yuan\"\nbase_year = 2005\nhorizon = 2007\nmax_age = 5",
    )
}

#[test]
fn tiny_to_2007_without_rules_by_hand() {
    let (rows, _) = fundcast::deterministic(&tiny_to_2007().model());
    close(rows[0][FUND_END], 143_750.0);
    close(rows[1][PAYOUTS], 42_000.0);
    close(rows[2][PAYOUTS], 33_075.0);
    close(rows[2][CONTRIBUTIONS], 784_080.0 * 0.2);
}

#[test]
fn indexation_brake_halves_the_next_rise() {
    // Fund ratio at the end of 2005: F_2006 / B_2005 = 143 750 / 50 000 = 2.875 < 3: the
    // rise idx_2006 (applied at the end of 2005, paid from 2006) is halved:
    // B_2006 = 40 000 · (1 + 0.5 · 0.05) = 41 000 (instead of 42 000).
    // 2006: C = 178 200; F_2007 = 143 750 · 1.05 + (178 200 − 41 000) · 1.025
    // = 291 567.5, ratio 7.1 > 3: idx_2007 is the full 5 %:
    // B_2007 = 41 000 · 0.75 · 1.05 = 32 287.5.
    let m = tiny_to_2007()
        .set("adjustment.indexation_brake", "threshold = 3\nfactor = 0.5")
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[0][PAYOUTS], 50_000.0);
    close(rows[1][PAYOUTS], 41_000.0);
    close(rows[1][FUND_END], 291_567.5);
    close(rows[2][PAYOUTS], 32_287.5);

    // Below the threshold every year, factor 0: pensions are frozen.
    // B_2006 = 40 000, B_2007 = 40 000 · 0.75 = 30 000.
    let m = tiny_to_2007()
        .set("adjustment.indexation_brake", "threshold = 100")
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[1][PAYOUTS], 40_000.0);
    close(rows[2][PAYOUTS], 30_000.0);

    // Above the threshold: nothing changes.
    let m = tiny_to_2007()
        .set("adjustment.indexation_brake", "threshold = 1\nfactor = 0")
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[1][PAYOUTS], 42_000.0);
    close(rows[2][PAYOUTS], 33_075.0);
}

#[test]
fn contribution_step_raises_the_rate_from_the_next_year_up_to_the_cap() {
    // Ratio 2.875 < 3 at the end of 2005 only: c = 0.2 in 2005, 0.21 from 2006.
    // C_2006 = 891 000 · 0.21 = 187 110; F_2007 = 150 937.5 + (187 110 − 42 000) · 1.025
    // = 299 675.25 (ratio 7.1: no second step); C_2007 = 784 080 · 0.21 = 164 656.8.
    let m = tiny_to_2007()
        .set(
            "adjustment.contribution_step",
            "threshold = 3\nstep = 0.01\nmax_rate = 0.3",
        )
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[0][CONTRIBUTIONS], 180_000.0);
    close(rows[1][CONTRIBUTIONS], 187_110.0);
    close(rows[1][FUND_END], 299_675.25);
    close(rows[2][CONTRIBUTIONS], 164_656.8);

    // Below the threshold every year: 0.2, 0.21, then 0.22 capped at 0.215.
    let m = tiny_to_2007()
        .set(
            "adjustment.contribution_step",
            "threshold = 100\nstep = 0.01\nmax_rate = 0.215",
        )
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[0][CONTRIBUTIONS], 180_000.0);
    close(rows[1][CONTRIBUTIONS], 187_110.0);
    close(rows[2][CONTRIBUTIONS], 784_080.0 * 0.215);
}

/// Period life expectancy at 60 of the policy-q70.csv table (q = 0.1 at 60..=69, 1 at
/// 70) improved by 10 % a year for `t` years: 0.5 + Σ_{k=1..10} (1 − q)^k.
fn e60(t: i32) -> f64 {
    let q = 0.1 * 0.9f64.powi(t);
    0.5 + (1..=10).map(|k| (1.0 - q).powi(k)).sum::<f64>()
}

/// 1000 active men, 200 at each age 55..=59, nobody dies before 60; RA 60.
fn linked(link: Option<&str>) -> Model {
    let mut b = Builder::new("name = \"linked\"\nbase_year = 2005\nhorizon = 2008\nmax_age = 70")
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = 0.0\ninflation = 0.0\nfund_return = 0.0",
        )
        .set("mortality", "table = \"policy-q70.csv\"\nimprovement = 0.1")
        .set("contributions", "rate = 0.2")
        .set("benefit", "replacement_rate = 0.5")
        .set("retirement", "age = 60")
        .set(
            "population.actives",
            "total = 1000\nmale_share = 1\nprofile = { uniform = { from = 55, to = 59 } }",
        )
        .set("fund", "initial = 0");
    if let Some(l) = link {
        b = b.set("adjustment.retirement_age", l);
    }
    b.model()
}

#[test]
fn retirement_age_follows_life_expectancy_at_60() {
    // RA_{t+1} = round(min(max, 60 + share · (e60_t − e60_2005))): the linked age is
    // rounded to the nearest whole age. Gains: 0.31 (2006), 0.61 (2007), 0.89 (2008).
    // With share 1: RA_2006 = RA_2007 = 60, RA_2008 = RA_2009 = 61.
    let gain = |t: i32| e60(t) - e60(0);
    for (t, lo, hi) in [(1, 0.25, 0.5), (2, 0.5, 0.75), (3, 0.75, 1.0)] {
        assert!(gain(t) > lo && gain(t) < hi, "gain {t}: {}", gain(t));
    }
    let q60 = |t: i32| 0.1 * 0.9f64.powi(t);
    let fixed = fundcast::deterministic(&linked(None)).0;
    let pensions = |rows: &[fundcast::projection::Row]| -> Vec<f64> {
        rows.iter().map(|r| r[NEW_PENSIONS]).collect()
    };
    // Without the link, each year's 60-year-olds (200, no deaths before 60) retire.
    for p in pensions(&fixed) {
        close(p, 200.0);
    }
    let rows = fundcast::deterministic(&linked(Some("share = 1\nmax = 65"))).0;
    let got = pensions(&rows);
    // 2005 and 2006: the cell aged 60 after ageing retires (RA 60).
    close(got[0], 200.0);
    close(got[1], 200.0);
    // 2007: RA_2008 = 61: the cell aged 60 stays; the one at 61 retired last year.
    close(got[2], 0.0);
    // 2008: the cohort that stayed, at 61 after ageing, less its deaths at 60 in 2008.
    close(got[3], 200.0 * (1.0 - q60(3)));
    // Those who stay pay contributions: 2008 has 3 cells of 200 instead of 2.
    close(rows[3][CONTRIBUTORS], 600.0);
    close(fixed[3][CONTRIBUTORS], 400.0);

    // Share 2: RA_2007 = round(60.62) = 61, RA_2008 = round(61.22) = 61,
    // RA_2009 = round(61.78) = 62.
    let got = pensions(&fundcast::deterministic(&linked(Some("share = 2\nmax = 65"))).0);
    close(got[0], 200.0);
    close(got[1], 0.0);
    // 2007: the cohort that stayed in 2006, at 61 after ageing, less deaths at 60 in 2007.
    close(got[2], 200.0 * (1.0 - q60(2)));
    // 2008: RA 62: the cohort at 61 after ageing stays, the one at 62 retired in 2007.
    close(got[3], 0.0);

    // Share 2 with a maximum of 61: RA is 61 from 2007 on.
    let got = pensions(&fundcast::deterministic(&linked(Some("share = 2\nmax = 61"))).0);
    close(got[1], 0.0);
    close(got[2], 200.0 * (1.0 - q60(2)));
    close(got[3], 200.0 * (1.0 - q60(3)));
}

#[test]
fn subsidy_caps_bind() {
    // tiny (2005–2006) with c = 0.01: C_2005 = 9 000, B_2005 = 50 000, D_2005 = 41 000;
    // C_2006 = 8 910, B_2006 = 42 000, D_2006 = 33 090.
    let low = || tiny().set("contributions", "rate = 0.01\ncollection_rate = 0.9");
    // cover_deficit capped at 25 % of payouts: S_2005 = 12 500, S_2006 = 10 500.
    let m = low()
        .set(
            "subsidy",
            "rule = \"cover_deficit\"\ncap_share_of_payouts = 0.25",
        )
        .model();
    let (rows, s) = fundcast::deterministic(&m);
    close(rows[0][DEFICIT], 41_000.0);
    close(rows[0][SUBSIDY], 12_500.0);
    // F*_2006 = 10 500 − 41 000 · 1.025 = −31 525: depleted in 2005 whatever the subsidy.
    close(rows[0][FUND_END], -31_525.0 + 12_500.0);
    assert_eq!(s.depletion, Some(0));
    close(rows[1][DEFICIT], 33_090.0);
    close(rows[1][SUBSIDY], 10_500.0);
    close(s.cumulative_subsidy, 10_500.0);

    // Add an amount cap by year: 10 000 binds in 2005, 20 000 does not in 2006.
    let m = low()
        .set(
            "subsidy",
            "rule = \"cover_deficit\"\ncap_share_of_payouts = 0.25\ncap_amount = { 2005 = 10000, 2006 = 20000 }",
        )
        .model();
    let (rows, _) = fundcast::deterministic(&m);
    close(rows[0][SUBSIDY], 10_000.0);
    close(rows[1][SUBSIDY], 10_500.0);

    // keep_solvent capped at 20 000: 2005 needs 31 525, gets 20 000: F_2006 = −11 525;
    // 2006: F*_2007 = −11 525 · 1.05 − 33 090 · 1.025 = −46 018.5, gets 20 000.
    let m = low()
        .set("subsidy", "rule = \"keep_solvent\"\ncap_amount = 20000")
        .model();
    let (rows, s) = fundcast::deterministic(&m);
    close(rows[0][SUBSIDY], 20_000.0);
    close(rows[0][FUND_END], -11_525.0);
    close(rows[1][SUBSIDY], 20_000.0);
    close(rows[1][FUND_END], -26_018.5);
    assert_eq!(s.depletion, Some(0));
}

// ---------------------------------------------------------------------------------------
// 7. The command line: compare, solve, sensitivity.
// ---------------------------------------------------------------------------------------

fn write_tiny(dir: &Path) -> PathBuf {
    std::fs::copy("tests/data/q-tiny.csv", dir.join("q-tiny.csv")).unwrap();
    let path = dir.join("tiny.toml");
    std::fs::write(&path, tiny().text()).unwrap();
    path
}

#[test]
fn cli_compare_writes_comparison_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = fundcast(&[
        "compare".as_ref(),
        GANZHOU.as_ref(),
        "scenarios/ganzhou-collection.toml".as_ref(),
        "scenarios/ganzhou-subsidy-15.toml".as_ref(),
        "--paths".as_ref(),
        "200".as_ref(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(dir.path().join("comparison.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,measure,value,difference,se_paired,se_unpaired")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6), "{csv}");
    let names = [
        "ganzhou-2006-2010",
        "ganzhou-collection",
        "ganzhou-subsidy-15",
    ];
    let measures =
        |name: &str| -> Vec<&str> { rows.iter().filter(|r| r[0] == name).map(|r| r[1]).collect() };
    let base_measures = measures(names[0]);
    assert!(base_measures.contains(&"cumulative_deficit_mean"));
    assert!(base_measures.contains(&"p_depleted_by(2008)"));
    for name in names {
        assert_eq!(measures(name), base_measures, "{name}");
    }
    assert_eq!(rows.len(), 3 * base_measures.len());
    // The base has no differences; a variant has them, with a paired s.e.
    for r in rows.iter().filter(|r| r[0] == names[0]) {
        assert!(
            r[3].is_empty() && r[4].is_empty() && r[5].is_empty(),
            "{r:?}"
        );
    }
    let collection = rows
        .iter()
        .find(|r| r[0] == names[1] && r[1] == "cumulative_deficit_mean")
        .unwrap();
    let num = |s: &str| s.parse::<f64>().unwrap_or_else(|_| panic!("`{s}`"));
    assert!(num(collection[3]) < 0.0, "{collection:?}");
    assert!(num(collection[4]) < num(collection[5]), "{collection:?}");
}

#[test]
fn cli_solve_finds_a_rate_and_fails_on_an_impossible_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_tiny(dir.path());
    let out = fundcast(&[
        "solve".as_ref(),
        path.as_os_str(),
        "--lever".as_ref(),
        "contributions.rate".as_ref(),
        "--target".as_ref(),
        "cumulative_deficit <= 0".as_ref(),
        "--tolerance".as_ref(),
        "1e-7".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // c* = 42 000 / 891 000 = 0.0471380…
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("contributions.rate = 0.04713"),
        "{stdout}"
    );

    let out = fundcast(&[
        "solve".as_ref(),
        path.as_os_str(),
        "--lever".as_ref(),
        "contributions.rate".as_ref(),
        "--target".as_ref(),
        "cumulative_deficit <= -1e9".as_ref(),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(out.status.code().is_some());
    let err = text(&out.stderr);
    assert!(err.contains("no value of `contributions.rate`"), "{err}");
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
}

#[test]
fn cli_sensitivity_writes_sensitivity_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = fundcast(&[
        "sensitivity".as_ref(),
        GANZHOU.as_ref(),
        "--measure".as_ref(),
        "cumulative_deficit".as_ref(),
        "--paths".as_ref(),
        "0".as_ref(),
        "--vary".as_ref(),
        "contributions.rate=d-0.01,d+0.01".as_ref(),
        "--vary".as_ref(),
        "contributions.collection_rate=x0.9,1.5".as_ref(),
        "--vary".as_ref(),
        "contributions.rate=d-0.05,d+0.05".as_ref(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut rdr = csv::Reader::from_path(dir.path().join("sensitivity.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["key", "low", "high", "measure", "base", "at_low", "at_high", "swing", "note"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let swing = |r: &csv::StringRecord| r[7].parse::<f64>().unwrap();
    assert_eq!(&rows[0][0], "contributions.rate");
    assert!(swing(&rows[0]) > swing(&rows[1]) && swing(&rows[1]) > 0.0);
    // ±5 points swing five times ±1 point (contributions are linear in the rate).
    let ratio = swing(&rows[0]) / swing(&rows[1]);
    assert!((ratio - 5.0).abs() < 1e-6, "{ratio}");
    assert_eq!(&rows[2][0], "contributions.collection_rate");
    assert!(rows[2][6].is_empty() && rows[2][8].contains("collection_rate"));
    assert!(
        text(&out.stdout).contains("invalid"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn levers_must_be_known_keys_that_take_any_number() {
    use policy::{check_lever, PolicyError};
    let (tree, sources) = tree_of(&tiny());
    let set = Change::Set(0.5);
    assert_eq!(
        check_lever(&tree, &sources, "contributions.rate", set),
        Ok(())
    );
    // Absent but known: it takes its default there.
    assert_eq!(
        check_lever(&tree, &sources, "fund.admin_rate", Change::Set(0.01)),
        Ok(())
    );
    assert!(matches!(
        check_lever(&tree, &sources, "economy", set),
        Err(PolicyError::NotANumber { .. })
    ));
    assert!(matches!(
        check_lever(&tree, &sources, "no.such", set),
        Err(PolicyError::UnknownKey { .. })
    ));
    assert!(matches!(
        check_lever(&tree, &sources, "name", set),
        Err(PolicyError::NotANumber { .. })
    ));
    assert!(matches!(
        check_lever(&tree, &sources, "horizon", set),
        Err(PolicyError::NotALever { .. })
    ));
    assert!(matches!(
        check_lever(&tree, &sources, "no.such", Change::Scale(2.0)),
        Err(PolicyError::Change {
            source: variants::VariantError::Absent { .. },
            ..
        })
    ));
}

#[test]
fn tolerances_lie_between_a_trillionth_of_the_range_and_all_of_it() {
    use policy::check_tolerance;
    assert_eq!(check_tolerance((0.0, 2.0), None), Ok(2e-4));
    assert_eq!(check_tolerance((0.0, 2.0), Some(0.5)), Ok(0.5));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-13, 3.0] {
        assert!(check_tolerance((0.0, 2.0), Some(bad)).is_err(), "{bad}");
    }
}
