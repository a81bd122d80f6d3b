//! Every kind of invalid scenario is rejected with a diagnostic that names the file, the
//! key path and the line (and says what is wrong), each problem once.

use crate::common;

use common::{line_of, tiny, Builder, TINY_NAME};
use fundcast::Diagnostic;

/// The diagnostics of a scenario that must be invalid.
#[track_caller]
fn diagnostics(b: &Builder) -> Vec<Diagnostic> {
    match b.try_model() {
        Ok(_) => panic!("scenario should be invalid:\n{}", b.text()),
        Err(e) => {
            let d = e.diagnostics().to_vec();
            assert!(!d.is_empty());
            // The error's text lists every diagnostic.
            let text = e.to_string();
            for diag in &d {
                assert!(text.contains(&diag.to_string()), "{text}");
            }
            d
        }
    }
}

/// The one diagnostic with `key` (fails if there is none or more than one).
#[track_caller]
fn only<'a>(diags: &'a [Diagnostic], key: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.key == key).collect();
    assert_eq!(found.len(), 1, "diagnostics for `{key}`: {diags:#?}");
    found[0]
}

/// Checks file, line and a piece of the message of a diagnostic of the tiny scenario.
#[track_caller]
fn at(d: &Diagnostic, text: &str, line_with: &str, message: &str) {
    assert_eq!(d.file.to_str(), Some(TINY_NAME), "{d}");
    assert_eq!(d.line, line_of(text, line_with), "{d}");
    assert!(d.column >= 1, "{d}");
    assert!(d.message.contains(message), "{d}");
    // As printed: `file:line:column: `key`: message`.
    let shown = d.to_string();
    assert!(
        shown.starts_with(&format!("{TINY_NAME}:{}:{}: `{}`", d.line, d.column, d.key)),
        "{shown}"
    );
}

#[test]
fn the_base_scenario_is_valid() {
    tiny().model();
}

#[test]
fn probability_outside_the_unit_interval() {
    let b = tiny().set("contributions", "rate = 0.2\ncollection_rate = 1.2");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 1, "{d:#?}");
    at(
        only(&d, "contributions.collection_rate"),
        &b.text(),
        "collection_rate = 1.2",
        "1.2 is out of range: expected a probability in [0, 1]",
    );

    // Inside a schedule, and inside an age map by sex.
    let b = tiny()
        .set("contributions", "rate = { 2005 = 0.2, 2006 = -0.1 }")
        .set(
            "retirement",
            "age = 4\nearly_rate = { male = { 0 = 0, 3 = 1.5 }, female = 0 }",
        );
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    at(
        only(&d, "contributions.rate.2006"),
        &b.text(),
        "rate = { 2005",
        "-0.1 is out of range",
    );
    at(
        only(&d, "retirement.early_rate.male.3"),
        &b.text(),
        "early_rate",
        "expected a probability in [0, 1]",
    );
}

#[test]
fn a_value_for_both_sexes_is_reported_once() {
    // One value serves men and women: it is read twice but wrong once.
    let b = tiny()
        .set("retirement", "age = 4\nearly_rate = { 0 = 0, 3 = 1.5 }")
        .set("wages", "relative = -1");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    at(
        only(&d, "retirement.early_rate.3"),
        &b.text(),
        "early_rate",
        "probability",
    );
    at(
        only(&d, "wages.relative"),
        &b.text(),
        "relative = -1",
        "a relative wage in [0, 100]",
    );
}

#[test]
fn negative_counts() {
    let b = tiny()
        .set(
            "population.actives",
            "total = -5\nmale_share = 1\nprofile = { uniform = { from = 1, to = 1 } }",
        )
        .set(
            "entrants",
            "count = { 2005 = 10, 2006 = -10 }\nprofile = { uniform = { from = 0, to = 1 } }",
        );
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    at(
        only(&d, "population.actives.total"),
        &b.text(),
        "total = -5",
        "-5 is out of range: expected a number in [0, 1e15]",
    );
    at(
        only(&d, "entrants.count.2006"),
        &b.text(),
        "count = { 2005 = 10",
        "expected a number in [0, 1e15]",
    );
}

#[test]
fn horizon_before_the_base_year() {
    let b = tiny().set(
        "",
        "name = \"tiny\"\nbase_year = 2005\nhorizon = 2004\nmax_age = 5",
    );
    let d = diagnostics(&b);
    at(
        only(&d, "horizon"),
        &b.text(),
        "horizon = 2004",
        "horizon 2004 is before the base year 2005",
    );
}

#[test]
fn unknown_keys_at_every_level() {
    let b = tiny()
        .set(
            "",
            "name = \"tiny\"\nbase_year = 2005\nhorizon = 2006\nmax_age = 5\nsead = 3",
        )
        .set("fund", "intial = 10000")
        .set(
            "economy",
            "average_wage = 1000\nwage_growth = { mean = 0.1, sigam = 0.01 }\ninflation = 0.02\nfund_return = 0.05",
        )
        .set("subsidies", "rule = \"none\"");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 4, "{d:#?}");
    let text = b.text();
    at(only(&d, "sead"), &text, "sead", "unknown key");
    at(only(&d, "fund.intial"), &text, "intial", "unknown key");
    at(
        only(&d, "economy.wage_growth.sigam"),
        &text,
        "sigam",
        "unknown key (expected one of: ",
    );
    at(only(&d, "subsidies"), &text, "[subsidies]", "unknown key");
    assert!(only(&d, "economy.wage_growth.sigam")
        .message
        .contains("sigma"));
}

#[test]
fn misspelt_nested_key() {
    // `too` for `to` in an inline profile: the unknown key, and the missing one, once each.
    let b = tiny().set(
        "population.actives",
        "total = 1000\nmale_share = 1\nprofile = { uniform = { from = 1, too = 1 } }",
    );
    let d = diagnostics(&b);
    let text = b.text();
    let unknown = only(&d, "population.actives.profile.uniform.too");
    at(
        unknown,
        &text,
        "too = 1",
        "unknown key (expected one of: from, to)",
    );
    assert_eq!(unknown.column, line_of_col(&text, "too = 1"));
    at(
        only(&d, "population.actives.profile.uniform.to"),
        &text,
        "too = 1",
        "missing required key",
    );
    // A missing `to` is not also "below `from`".
    assert!(d.iter().all(|x| !x.message.contains("below")), "{d:#?}");

    // A misspelt table name.
    let b = tiny().set(
        "population.activs",
        "total = 1000\nprofile = { uniform = { from = 1, to = 1 } }",
    );
    let d = diagnostics(&b);
    at(
        only(&d, "population.activs"),
        &b.text(),
        "[population.activs]",
        "unknown key (expected one of: actives, disabled, pensioners, vested)",
    );
}

/// 1-based column of `needle` in the line that holds it.
fn line_of_col(text: &str, needle: &str) -> usize {
    let line = text.lines().find(|l| l.contains(needle)).unwrap();
    line.find(needle).unwrap() + 1
}

#[test]
fn schedule_year_outside_the_projection() {
    let b = tiny().set(
        "contributions",
        "rate = { 2004 = 0.2, 2006 = 0.25, 2007 = 0.3 }",
    );
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    let text = b.text();
    let before = only(&d, "contributions.rate.2004");
    let after = only(&d, "contributions.rate.2007");
    at(
        before,
        &text,
        "2004 = 0.2",
        "year 2004 is outside 2005..=2006",
    );
    at(
        after,
        &text,
        "2004 = 0.2",
        "year 2007 is outside 2005..=2006",
    );
    // The columns point at the keys themselves.
    assert_eq!(before.column, line_of_col(&text, "2004"));
    assert_eq!(after.column, line_of_col(&text, "2007"));

    // The same for a year-by-age rate and a rule schedule.
    let b = tiny()
        .set("exits", "rate = { by_year = { 2005 = 0.1, 2010 = 0.2 } }")
        .set("subsidy", "rule = { 2003 = \"none\" }");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    at(
        only(&d, "exits.rate.by_year.2010"),
        &b.text(),
        "by_year",
        "outside 2005..=2006",
    );
    at(
        only(&d, "subsidy.rule.2003"),
        &b.text(),
        "2003",
        "2005..=2006",
    );
}

#[test]
fn life_table_with_a_missing_age() {
    // tests/data/q-missing.csv has ages 0, 1, 3, 4: age 2 is missing for both sexes.
    let b = tiny().set("mortality", "table = \"q-missing.csv\"");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 2, "{d:#?}");
    for (diag, sex) in d.iter().zip(["male", "female"]) {
        assert_eq!(diag.key, "mortality.table");
        assert_eq!(diag.file.to_str(), Some("tests/data/q-missing.csv"));
        // No line of the file holds a missing age.
        assert_eq!(diag.line, 0);
        assert_eq!(
            diag.message,
            format!("missing age 2 for {sex} (the table needs ages 0..=4)")
        );
        assert_eq!(
            diag.to_string(),
            format!(
                "tests/data/q-missing.csv: `mortality.table`: {}",
                diag.message
            )
        );
    }

    // A bad value is reported at its line of the CSV (line 4: header, ages 0, 1, 2),
    // and only as a bad value.
    let b = tiny().set("mortality", "table = \"q-bad-value.csv\"");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].file.to_str(), Some("tests/data/q-bad-value.csv"));
    assert_eq!(d[0].line, 4);
    assert_eq!(d[0].key, "mortality.table");
    assert!(d[0]
        .message
        .contains("male value at age 2 is not a probability in [0, 1]"));

    // A file that does not exist: at the scenario's line.
    let b = tiny().set("mortality", "table = \"no-such-table.csv\"");
    let d = diagnostics(&b);
    at(
        only(&d, "mortality.table"),
        &b.text(),
        "no-such-table.csv",
        "cannot read",
    );
}

#[test]
fn correlation_matrix_not_positive_definite() {
    let economy = |corr: &str| {
        format!(
            "average_wage = 1000\nwage_growth = 0.1\ninflation = 0.02\nfund_return = 0.05\ncorrelation = {corr}"
        )
    };
    let b = tiny().set(
        "economy",
        &economy("[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]"),
    );
    let d = diagnostics(&b);
    assert_eq!(d.len(), 1, "{d:#?}");
    at(
        only(&d, "economy.correlation"),
        &b.text(),
        "correlation",
        "not a valid correlation matrix: the matrix is not positive definite",
    );
    // A correlation of exactly 1 is rejected too (convention 10), and so is a matrix of
    // the wrong order (g, π, r without entrant growth: 3 × 3).
    let b = tiny().set("economy", &economy("[[1, 1, 0], [1, 1, 0], [0, 0, 1]]"));
    let d = diagnostics(&b);
    assert!(only(&d, "economy.correlation").message.contains("strictly"));
    let b = tiny().set("economy", &economy("[[1, 0.2], [0.2, 1]]"));
    let d = diagnostics(&b);
    assert!(only(&d, "economy.correlation")
        .message
        .contains("expected a 3×3 matrix"));
}

#[test]
fn disability_plus_exit_rate_above_one() {
    // Disability 0.7 at age 2 (all years: a schedule's first value holds before its
    // first key) and exits 0.5 for women at 2 and over: 1.2 for women aged 2 in 2005.
    let b = tiny()
        .set(
            "disability",
            "rate = { by_year = { 2006 = { 0 = 0, 2 = 0.7, 3 = 0 } } }",
        )
        .set(
            "exits",
            "vesting_share = 0.5\nrate = { male = 0.1, female = { 0 = 0, 2 = 0.5 } }",
        );
    let d = diagnostics(&b);
    assert_eq!(d.len(), 1, "{d:#?}");
    // At the exit rate's own line, not the table's header.
    at(
        only(&d, "exits.rate"),
        &b.text(),
        "rate = { male = 0.1",
        "disability rate + exit rate is 1.2 > 1 in 2005 for female aged 2",
    );
    // A total of exactly 1 is allowed.
    tiny()
        .set("disability", "rate = 0.5")
        .set("exits", "rate = 0.5")
        .model();
}

#[test]
fn every_problem_is_reported_at_once() {
    let b = tiny()
        .set("contributions", "rate = 2")
        .set("benefit", "replacement_rate = \"sixty\"")
        .set("fund", "initial = 10000\nadmin = 0.01");
    let d = diagnostics(&b);
    assert_eq!(d.len(), 3, "{d:#?}");
    only(&d, "contributions.rate");
    at(
        only(&d, "benefit.replacement_rate"),
        &b.text(),
        "sixty",
        "found a string",
    );
    only(&d, "fund.admin");
}

#[test]
fn toml_syntax_error_has_a_line() {
    let text = "name = \"x\"\nbase_year = 2005\nhorizon = = 2006\n";
    let e = fundcast::scenario::from_text(std::path::Path::new(TINY_NAME), text).unwrap_err();
    let d = e.diagnostics();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, 3);
    assert!(d[0].message.starts_with("TOML syntax"), "{}", d[0]);
}
