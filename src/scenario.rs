//! Scenario files: TOML text → validated [`Model`].
//!
//! Takes a scenario file (and the files it names: `extends` bases, life tables, age
//! profiles); gives a [`Model`] or every problem found, each with its file, key path,
//! line and column. Every optional feature defaults to off. The keys, units, defaults and
//! ranges are documented in `docs/scenario-format.md`.

use std::path::{Path, PathBuf};

use crate::benefits::{BenefitRules, Formula};
use crate::china::ChinaRules;
use crate::contributions::ContributionRules;
use crate::demography::{Entrants, Moves, PensionerEntrants, Profile, Retirement, State};
use crate::document::{self, Loc, Node, Sources, Value};
use crate::economy::{self, Economy, Process, VARIABLE_KEYS};
use crate::error::{Diagnostic, ScenarioError};
use crate::fund::{FundRules, SubsidyRule, SUBSIDY_RULES};
use crate::model::{
    Adjustments, ContributionStep, Indexation, IndexationBrake, LifeExpectancyLink, Model,
};
use crate::mortality::{GompertzMakeham, Mortality};
use crate::params::{Bounds, Frame, Reader, Section, SEXES};

mod funds;

/// Counts of people and money amounts: finite and not negative.
const COUNT: Bounds = Bounds::new(0.0, 1e15, "a number in [0, 1e15]");
/// Money amounts that may be negative (a fund balance, a transfer).
const AMOUNT: Bounds = Bounds::new(-1e15, 1e15, "a number in [-1e15, 1e15]");
const AGE: Bounds = Bounds::new(0.0, 150.0, "an age in [0, 150]");
const IMPROVEMENT: Bounds = Bounds::new(-0.5, 0.5, "a yearly improvement in [-0.5, 0.5]");
const SHARE_OF_WAGE: Bounds = Bounds::new(0.0, 10.0, "a multiple of the average wage in [0, 10]");
const WEIGHT: Bounds = Bounds::new(-5.0, 5.0, "a weight in [-5, 5]");

/// Reads, merges (`extends`) and validates a scenario file.
pub fn load(path: &Path) -> Result<Model, ScenarioError> {
    let (node, sources) = document::load(path)?;
    build(&node, &sources)
}

/// The name of a model: its `name`, else the stem of the file it was read from.
fn default_name(sources: &Sources) -> String {
    sources
        .files
        .first()
        .and_then(|f| f.path.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

/// Validates a scenario given as text (relative file names resolve against `name`'s folder).
pub fn from_text(name: &Path, text: &str) -> Result<Model, ScenarioError> {
    let mut sources = Sources::default();
    let node = document::parse_text(name, text, &mut sources)?;
    build(&node, &sources)
}

/// Validates a merged scenario tree.
pub fn build(node: &Node, sources: &Sources) -> Result<Model, ScenarioError> {
    let frame = read_frame(node);
    let reader = Reader::new(sources, frame);
    let root = reader.root(node);
    let model = read_model(&root, frame);
    root.finish();
    let diags = reader.into_diagnostics();
    if diags.is_empty() {
        Ok(model)
    } else {
        Err(ScenarioError::Invalid(diags))
    }
}

fn int_of(node: &Node, key: &str) -> Option<i64> {
    match &node.value {
        Value::Table(t) => match t.get(key).map(|n| &n.value) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        },
        _ => None,
    }
}

/// Years and ages, read before anything else (schedules are checked against them).
fn read_frame(node: &Node) -> Frame {
    let base_year = int_of(node, "base_year").unwrap_or(2000).clamp(1800, 2500) as i32;
    let horizon = int_of(node, "horizon")
        .unwrap_or(base_year as i64)
        .clamp(base_year as i64, base_year as i64 + 300) as i32;
    let max_age = int_of(node, "max_age").unwrap_or(100).clamp(1, 150) as usize;
    Frame {
        base_year,
        horizon,
        max_age,
    }
}

fn read_model(root: &Section, frame: Frame) -> Model {
    let r = root.reader();
    let name = root
        .string("name")
        .map(|s| s.0)
        .unwrap_or_else(|| default_name(r.sources));
    let currency = root
        .string("currency")
        .map(|s| s.0)
        .unwrap_or_else(|| "currency units".into());
    if root.required("base_year").is_some() {
        root.integer("base_year", 2000, 1800, 2500);
    }
    if let Some(h) = root.required("horizon") {
        if let Value::Int(y) = h.value {
            if y < frame.base_year as i64 {
                r.error(
                    Some(h.loc),
                    "horizon",
                    format!("horizon {y} is before the base year {}", frame.base_year),
                );
            } else if y > frame.base_year as i64 + 300 {
                r.error(Some(h.loc), "horizon", "horizon is more than 300 years out");
            }
        } else {
            root.integer("horizon", 0, 0, 0);
        }
    }
    root.integer("max_age", 100, 1, 150);
    let seed = root.integer("seed", 1, 0, i64::MAX) as u64;
    let paths = root
        .has("paths")
        .then(|| root.integer("paths", 1000, 1, 100_000_000) as usize);
    let marked_years = read_marked_years(root, frame);

    let relative_wage = {
        let wages = root.section("wages");
        let w = wages.sex_age_map(
            "relative",
            1.0,
            Bounds::new(0.0, 100.0, "a relative wage in [0, 100]"),
        );
        wages.finish();
        [w[0].clone(), w[1].clone()].concat()
    };

    let mut economy = read_economy(root, frame);
    let mortality = read_mortality(root, frame);
    let contributions = {
        let c = root.section("contributions");
        let rules = ContributionRules {
            rate: if is_china_formula(root) {
                if let Some(n) = c.get("rate") {
                    r.error(
                        Some(n.loc),
                        &c.key("rate"),
                        "under china_urban_employee rules the rates are china.employer_rate and china.employee_rate",
                    );
                }
                vec![0.0; frame.sched_len()]
            } else {
                sched_required(&c, "rate", Bounds::PROBABILITY)
            },
            collection_rate: c.sched("collection_rate", 1.0, Bounds::PROBABILITY),
            relative_wage: relative_wage.clone(),
        };
        c.finish();
        rules
    };
    let (mut benefits, is_china) = read_benefits(root, frame);
    let china = is_china.then(|| read_china(root, frame, &mut benefits));
    let mut contributions = contributions;
    if let Some(c) = &china {
        // The total rate: employer (pooled fund) + employee (individual account).
        contributions.rate = c
            .employer_rate
            .iter()
            .zip(&c.employee_rate)
            .map(|(a, b)| a + b)
            .collect();
    }
    let indexation = {
        let s = root.section("indexation");
        let ix = Indexation {
            wage_weight: s.sched("wage_weight", 0.0, WEIGHT),
            price_weight: s.sched("price_weight", 0.0, WEIGHT),
            constant: s.sched("constant", 0.0, Bounds::RATE),
        };
        s.finish();
        ix
    };
    let retirement = {
        let s = root.section("retirement");
        let age = match s.required("age") {
            Some(n) => r.sex_sched(n, &s.key("age"), AGE),
            None => [vec![60.0; frame.sched_len()], vec![60.0; frame.sched_len()]],
        };
        let rt = Retirement {
            age,
            rate: s.age_time_rate("rate", 1.0, Bounds::PROBABILITY),
            early_rate: s.age_time_rate("early_rate", 0.0, Bounds::PROBABILITY),
            vested_rate: s.age_time_rate("vested_rate", 1.0, Bounds::PROBABILITY),
            vested_early_rate: s.age_time_rate("vested_early_rate", 0.0, Bounds::PROBABILITY),
        };
        s.finish();
        rt
    };
    let moves = read_moves(root, frame);
    let entrants = {
        let s = root.section("entrants");
        let count = s.sched("count", 0.0, COUNT);
        let male_share = s.sched("male_share", 0.5, Bounds::PROBABILITY);
        let profile = match s.get("profile") {
            Some(n) => {
                let before = r.error_count();
                let p = read_profile(r, n, &s.key("profile"), frame);
                if r.error_count() == before {
                    check_profile_covers(r, n, &s.key("profile"), &p, &male_share);
                }
                p
            }
            None => {
                if count.iter().any(|c| *c > 0.0) {
                    r.error(
                        s.loc(),
                        &s.key("profile"),
                        "entrants need an entry-age profile",
                    );
                }
                [vec![0.0; frame.ages()], vec![0.0; frame.ages()]]
            }
        };
        s.finish();
        Entrants {
            count,
            male_share,
            profile,
        }
    };
    let pensioner_entrants = {
        let s = root.section("pensioner_entrants");
        let pe = if s.is_present() {
            let count = s.sched("count", 0.0, COUNT);
            let male_share = s.sched("male_share", 0.5, Bounds::PROBABILITY);
            let profile = match s.required("profile") {
                Some(n) => {
                    let before = r.error_count();
                    let p = read_profile(r, n, &s.key("profile"), frame);
                    if r.error_count() == before {
                        check_profile_covers(r, n, &s.key("profile"), &p, &male_share);
                    }
                    p
                }
                None => [vec![0.0; frame.ages()], vec![0.0; frame.ages()]],
            };
            let pension = sched_required(&s, "pension", SHARE_OF_WAGE);
            Some(PensionerEntrants {
                count,
                male_share,
                profile,
                pension,
            })
        } else {
            None
        };
        s.finish();
        pe
    };
    let fund = read_fund(root, frame);
    let adjustments = read_adjustments(root);
    let initial = read_population(root, frame, &relative_wage);
    let funds = funds::read_funds(root, frame, &relative_wage, &mut economy);
    let valuation = {
        let s = root.section("valuation");
        let basis = crate::valuation::Basis {
            discount_rate: s.number("discount_rate", economy.discount_rate, Bounds::RATE),
        };
        s.finish();
        basis
    };

    let mut model = Model {
        name,
        currency,
        frame,
        economy,
        mortality,
        contributions,
        benefits,
        indexation,
        retirement,
        moves,
        entrants,
        pensioner_entrants,
        fund,
        adjustments,
        china,
        initial,
        seed,
        paths,
        marked_years,
        funds,
        valuation,
    };
    if model.funds.any() {
        let (fiscal, levy) = crate::funds::Budget::resolve(&model);
        model.funds.budget.fiscal_by_year = fiscal;
        model.funds.budget.levy_by_year = levy;
    }
    model
}

/// Whether the scenario selects China's rules (read before the benefit table itself).
fn is_china_formula(root: &Section) -> bool {
    let Some(node) = root.get("benefit") else {
        return false;
    };
    matches!(&node.value, Value::Table(t) if matches!(
        t.get("formula").map(|n| &n.value),
        Some(Value::Str(s)) if s == "china_urban_employee"
    ))
}

fn read_marked_years(root: &Section, frame: Frame) -> Vec<i32> {
    let r = root.reader();
    let Some(node) = root.get("marked_years") else {
        return Vec::new();
    };
    let key = root.key("marked_years");
    let Value::Array(items) = &node.value else {
        r.error(Some(node.loc), &key, "expected an array of years");
        return Vec::new();
    };
    let mut years = Vec::new();
    for item in items {
        match item.value {
            Value::Int(y) if y >= frame.base_year as i64 && y <= frame.horizon as i64 => {
                years.push(y as i32)
            }
            _ => r.error(
                Some(item.loc),
                &key,
                format!("expected a year in {}..={}", frame.base_year, frame.horizon),
            ),
        }
    }
    years
}

fn sched_required(s: &Section, key: &'static str, bounds: Bounds) -> Vec<f64> {
    match s.required(key) {
        Some(n) => s.reader().sched(n, &s.key(key), bounds),
        None => vec![0.0; s.reader().frame.sched_len()],
    }
}

fn read_economy(root: &Section, frame: Frame) -> Economy {
    let r = root.reader();
    let s = root.section("economy");
    let years = frame.sched_len();
    let initial_wage = s.required_number("average_wage", COUNT);
    let discount_rate = s.number("discount_rate", 0.0, Bounds::RATE);
    let mut processes = [
        Process::constant(0.0, years),
        Process::constant(0.0, years),
        Process::constant(0.0, years),
        Process::constant(0.0, years),
    ];
    let mut present = [false; 4];
    for (k, key) in VARIABLE_KEYS.iter().enumerate() {
        let Some(node) = s.get(key) else { continue };
        present[k] = true;
        let path = s.key(key);
        processes[k] = read_process(r, node, &path);
    }
    for (k, key) in VARIABLE_KEYS.iter().enumerate().take(3) {
        if !present[k] {
            r.error(s.loc(), &s.key(key), "missing required key");
        }
    }
    let has_entrant_growth = present[economy::ENTRANT_GROWTH];
    let dim = if has_entrant_growth { 4 } else { 3 };
    let mut cholesky = [[0.0; 4]; 4];
    for (i, row) in cholesky.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    if let Some(node) = s.get("correlation") {
        let key = s.key("correlation");
        match read_matrix(node) {
            Some(m) if m.len() == dim => match economy::cholesky(&m) {
                Ok(l) => {
                    for i in 0..dim {
                        for j in 0..dim {
                            cholesky[i][j] = l[i][j];
                        }
                    }
                }
                Err(e) => r.error(
                    Some(node.loc),
                    &key,
                    format!("not a valid correlation matrix: {e}"),
                ),
            },
            Some(m) => r.error(
                Some(node.loc),
                &key,
                format!(
                    "expected a {dim}×{dim} matrix (order: {}), found {} rows",
                    VARIABLE_KEYS[..dim].join(", "),
                    m.len()
                ),
            ),
            None => r.error(
                Some(node.loc),
                &key,
                "expected an array of arrays of numbers",
            ),
        }
    }
    s.finish();
    let m = root.section("mortality");
    let mortality_sigma = m.number(
        "period_sigma",
        0.0,
        Bounds::new(0.0, 1.0, "sigma in [0, 1]"),
    );
    Economy {
        processes,
        has_entrant_growth,
        cholesky,
        initial_wage,
        discount_rate,
        mortality_sigma,
        unemployment: None,
        medical_inflation: None,
    }
}

/// An AR(1) process: a table with `mean` (a schedule), `phi`, `sigma`, `initial`, or a
/// plain schedule (a deterministic path).
fn read_process(r: &Reader, node: &Node, path: &str) -> Process {
    match &node.value {
        Value::Table(t)
            if t.get("mean").is_some()
                || t.get("sigma").is_some()
                || t.get("phi").is_some()
                || t.get("initial").is_some() =>
        {
            let p = Section::sub_of(r, node, path);
            let process = read_process_keys(&p);
            p.finish();
            process
        }
        _ => {
            let mean = r.sched(node, path, Bounds::RATE);
            let initial = mean[0];
            Process {
                mean,
                phi: 0.0,
                sigma: 0.0,
                initial,
            }
        }
    }
}

/// The keys `mean`, `phi`, `sigma`, `initial` of a process's table.
fn read_process_keys(p: &Section) -> Process {
    let mean = sched_required(p, "mean", Bounds::RATE);
    let phi = p.number("phi", 0.0, Bounds::new(-0.999, 0.999, "phi in (-1, 1)"));
    let sigma = p.number("sigma", 0.0, Bounds::new(0.0, 1.0, "sigma in [0, 1]"));
    let initial = p.number("initial", mean[0], Bounds::RATE);
    Process {
        mean,
        phi,
        sigma,
        initial,
    }
}

fn read_matrix(node: &Node) -> Option<Vec<Vec<f64>>> {
    let Value::Array(rows) = &node.value else {
        return None;
    };
    rows.iter()
        .map(|row| match &row.value {
            Value::Array(cells) => cells
                .iter()
                .map(|c| match c.value {
                    Value::Int(i) => Some(i as f64),
                    Value::Float(f) => Some(f),
                    _ => None,
                })
                .collect(),
            _ => None,
        })
        .collect()
}

fn read_mortality(root: &Section, frame: Frame) -> Mortality {
    let r = root.reader();
    let s = root.section("mortality");
    let ages = frame.ages();
    let mut q0 = [vec![0.0; ages], vec![0.0; ages]];
    let table = s.get("table");
    let law = s.get("gompertz");
    match (table, law) {
        (Some(_), Some(n)) => r.error(
            Some(n.loc),
            &s.key("gompertz"),
            "give either `table` or `gompertz`, not both",
        ),
        (None, None) => r.error(
            s.loc(),
            &s.key("table"),
            "missing mortality: give `table` (a CSV life table) or `gompertz`",
        ),
        (Some(n), None) => {
            if let Some(t) = read_age_csv(
                r,
                n,
                &s.key("table"),
                frame.max_age,
                Bounds::PROBABILITY,
                LastAge::Dies,
            ) {
                q0 = t;
            }
        }
        (None, Some(n)) => {
            let key = s.key("gompertz");
            for (sex, (node, k)) in r.by_sex(n, &key).iter().enumerate() {
                let p = Section::sub_of(r, node, k);
                let law = GompertzMakeham {
                    a: p.required_number("a", Bounds::new(0.0, 1.0, "a in [0, 1]")),
                    b: p.required_number("b", Bounds::new(0.0, 1.0, "b in [0, 1]")),
                    c: p.required_number("c", Bounds::new(1.0, 2.0, "c in [1, 2]")),
                };
                p.finish();
                for (x, q) in q0[sex].iter_mut().enumerate() {
                    *q = law.q(x as f64);
                }
            }
        }
    }
    let table_year = s.integer("table_year", frame.base_year as i64, 1800, 2500) as i32;
    let improvement = s.sex_age_map("improvement", 0.0, IMPROVEMENT);
    let beta = s.age_map(
        "beta",
        1.0,
        Bounds::new(-10.0, 10.0, "a loading in [-10, 10]"),
    );
    let disability_multiplier = s.number(
        "disability_multiplier",
        1.0,
        Bounds::new(1.0, 100.0, "a multiplier in [1, 100]"),
    );
    s.has("period_sigma");
    s.finish();
    Mortality::new(
        &q0,
        &improvement,
        table_year,
        frame.base_year,
        frame.years(),
        &beta,
        disability_multiplier,
    )
}

/// What a CSV table without a row for `max_age` holds there.
#[derive(Clone, Copy)]
enum LastAge {
    /// A life table: nobody survives past ω (`q0[ω] = 1`).
    Dies,
    /// An age profile: no weight at an age the table does not give.
    Empty,
}

/// Reads a CSV table `age,male,female` with a row for each age `0..max_age` at least
/// (a row for `max_age` is optional: `q = 1` for a life table, no weight for a profile).
fn read_age_csv(
    r: &Reader,
    node: &Node,
    key: &str,
    max_age: usize,
    bounds: Bounds,
    last_age: LastAge,
) -> Option<[Vec<f64>; 2]> {
    let Value::Str(name) = &node.value else {
        r.error(Some(node.loc), key, "expected a CSV file name (a string)");
        return None;
    };
    let path = r.sources.dir_of(node.loc.file).join(name);
    let mut out = [vec![f64::NAN; max_age + 1], vec![f64::NAN; max_age + 1]];
    let csv_error = |line: usize, msg: String| {
        r.push(Diagnostic {
            file: path.clone(),
            line,
            column: 1,
            key: key.to_string(),
            message: msg,
        })
    };
    // A regular file of at most 16 MiB (a device or a FIFO would never end).
    let bytes = match crate::error::read_input(&path) {
        Ok(b) => b,
        Err(e) => {
            r.error(
                Some(node.loc),
                key,
                format!("cannot read `{}`: {e}", path.display()),
            );
            return None;
        }
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            csv_error(1, format!("bad CSV header: {e}"));
            return None;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ca), Some(cm), Some(cf)) = (col("age"), col("male"), col("female")) else {
        csv_error(1, "expected the columns `age,male,female`".into());
        return None;
    };
    let mut ok = true;
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                csv_error(line, format!("bad CSV row: {e}"));
                ok = false;
                continue;
            }
        };
        let field = |c: usize| rec.get(c).unwrap_or("").parse::<f64>();
        let Ok(age) = rec.get(ca).unwrap_or("").parse::<usize>() else {
            csv_error(line, "age is not a whole number".into());
            ok = false;
            continue;
        };
        if age > max_age {
            continue;
        }
        for (s, c) in [cm, cf].into_iter().enumerate() {
            match field(c) {
                Ok(v) if v.is_finite() && v >= bounds.min && v <= bounds.max => out[s][age] = v,
                _ => {
                    csv_error(
                        line,
                        format!("{} value at age {age} is not {}", SEXES[s], bounds.what),
                    );
                    // The age is given (badly): not also reported as missing.
                    out[s][age] = 0.0;
                    ok = false;
                }
            }
        }
    }
    for (s, column) in out.iter_mut().enumerate() {
        if let Some(x) = (0..max_age).find(|x| column[*x].is_nan()) {
            csv_error(
                0,
                format!(
                    "missing age {x} for {} (the table needs ages 0..={})",
                    SEXES[s],
                    max_age - 1
                ),
            );
            ok = false;
        }
        if column[max_age].is_nan() {
            column[max_age] = match last_age {
                LastAge::Dies => 1.0,
                LastAge::Empty => 0.0,
            };
        }
    }
    ok.then_some(out)
}

/// A sex that has a share of the people (in any year) needs weight at some age in the
/// profile, else its people would silently vanish.
fn check_profile_covers(
    r: &Reader,
    node: &Node,
    key: &str,
    profile: &[Vec<f64>; 2],
    male_shares: &[f64],
) {
    for (sex, weights) in profile.iter().enumerate() {
        let has_people = male_shares
            .iter()
            .any(|m| if sex == 0 { *m > 0.0 } else { *m < 1.0 });
        if has_people && !weights.iter().any(|w| *w > 0.0) {
            r.error(
                Some(node.loc),
                key,
                format!(
                    "the profile gives no weight to any age for {}, who have a share of the people",
                    crate::params::SEXES[sex]
                ),
            );
        }
    }
}

fn read_profile(r: &Reader, node: &Node, key: &str, frame: Frame) -> [Vec<f64>; 2] {
    let ages = frame.ages();
    let mut out = [vec![0.0; ages], vec![0.0; ages]];
    // A CSV table gives both sexes at once.
    if let Value::Table(t) = &node.value {
        if let Some(file) = t.get("table") {
            let p = Section::sub_of(r, node, key);
            p.has("table");
            p.finish();
            if let Some(tab) = read_age_csv(
                r,
                file,
                &document::join(key, "table"),
                frame.max_age,
                COUNT,
                LastAge::Empty,
            ) {
                for s in 0..2 {
                    out[s] = Profile::Table(tab[s].clone()).weights(ages);
                }
            }
            return out;
        }
    }
    for (s, (n, k)) in r.by_sex(node, key).iter().enumerate() {
        let p = Section::sub_of(r, n, k);
        let profile = if let Some(u) = p.get("uniform") {
            let u = Section::sub_of(r, u, &p.key("uniform"));
            let from = u.required_number("from", AGE) as usize;
            let to = u.required_number("to", AGE) as usize;
            if to < from && u.has("to") && u.has("from") {
                r.error(u.loc(), &u.key("to"), "`to` is below `from`");
            }
            u.finish();
            Some(Profile::Uniform { from, to })
        } else if let Some(nn) = p.get("normal") {
            let u = Section::sub_of(r, nn, &p.key("normal"));
            let mean = u.required_number("mean", AGE);
            let sd = u.required_number(
                "sd",
                Bounds::new(0.01, 100.0, "a standard deviation in [0.01, 100]"),
            );
            let from = u.required_number("from", AGE) as usize;
            let to = u.required_number("to", AGE) as usize;
            if to < from && u.has("to") && u.has("from") {
                r.error(u.loc(), &u.key("to"), "`to` is below `from`");
            }
            u.finish();
            Some(Profile::Normal { mean, sd, from, to })
        } else {
            r.error(
                Some(n.loc),
                k,
                "expected a profile: {uniform = {from, to}}, {normal = {mean, sd, from, to}} or {table = \"file.csv\"}",
            );
            None
        };
        p.has("table");
        p.finish();
        if let Some(profile) = profile {
            out[s] = profile.weights(ages);
            if out[s].iter().all(|w| *w == 0.0) {
                r.error(
                    Some(n.loc),
                    k,
                    "the profile has no weight at any age 0..=max_age",
                );
            }
        }
    }
    out
}

fn read_benefits(root: &Section, frame: Frame) -> (BenefitRules, bool) {
    let r = root.reader();
    let s = root.section("benefit");
    let kinds = [
        "replacement",
        "career",
        "bend_points",
        "china_urban_employee",
    ];
    let choice = s.choice("formula", &kinds, 0);
    // China's rules: disability pensions (and the `floored_pension` of the engine) use
    // the basic-pension formula, a career formula; retirement uses crate::china.
    let formula = [
        Formula::Replacement,
        Formula::Career,
        Formula::BendPoints,
        Formula::Career,
    ][choice];
    let n = frame.sched_len();
    let mut rules = BenefitRules::replacement(vec![0.0; n]);
    rules.formula = formula;
    match formula {
        Formula::Replacement => {
            rules.replacement_rate = sched_required(&s, "replacement_rate", SHARE_OF_WAGE)
        }
        Formula::Career if choice == 3 => {}
        Formula::Career => {
            rules.accrual = sched_required(
                &s,
                "accrual",
                Bounds::new(0.0, 0.1, "an accrual in [0, 0.1]"),
            );
            rules.wage_weight = s.sched("wage_weight", 0.5, Bounds::PROBABILITY);
        }
        Formula::BendPoints => {
            rules.averaging_years = s.required_number(
                "averaging_years",
                Bounds::new(1.0, 60.0, "years in [1, 60]"),
            );
            let points = read_list(&s, "bend_points");
            let rates = read_list(&s, "bend_rates");
            let points_loc = s.get("bend_points").map(|n| n.loc).or(s.loc());
            let rates_loc = s.get("bend_rates").map(|n| n.loc).or(s.loc());
            if rates
                .iter()
                .any(|r| !r.is_finite() || *r < 0.0 || *r > 10.0)
            {
                r.error(
                    rates_loc,
                    &s.key("bend_rates"),
                    "bend rates must be finite numbers in [0, 10]",
                );
            }
            if points.iter().any(|b| !b.is_finite())
                || !points.windows(2).all(|w| w[1] > w[0])
                || !points.iter().all(|b| *b > 0.0)
            {
                r.error(
                    points_loc,
                    &s.key("bend_points"),
                    "bend points must be finite, positive and increasing",
                );
            }
            if rates.len() != points.len() + 1 {
                r.error(
                    rates_loc,
                    &s.key("bend_rates"),
                    format!(
                        "expected {} rates (one more than bend points), found {}",
                        points.len() + 1,
                        rates.len()
                    ),
                );
            }
            rules.bend_points = points;
            rules.bend_rates = rates;
        }
    }
    rules.floor = s.sched("floor", 0.0, SHARE_OF_WAGE);
    rules.early_reduction = s.sched("early_reduction", 0.0, Bounds::PROBABILITY);
    rules.late_increase = s.sched("late_increase", 0.0, Bounds::PROBABILITY);
    rules.disability_factor = s.sched("disability_factor", 1.0, SHARE_OF_WAGE);
    for key in [
        "replacement_rate",
        "accrual",
        "wage_weight",
        "averaging_years",
        "bend_points",
        "bend_rates",
    ] {
        if let Some(n) = s.get(key) {
            let applies = match choice {
                0 => key == "replacement_rate",
                1 => matches!(key, "accrual" | "wage_weight"),
                2 => matches!(key, "averaging_years" | "bend_points" | "bend_rates"),
                _ => false,
            };
            if !applies {
                r.error(
                    Some(n.loc),
                    &s.key(key),
                    format!(
                        "`{key}` does not apply to the `{}` formula{}",
                        kinds[choice],
                        if choice == 3 {
                            " (its parameters are in the [china] table)"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
    }
    s.finish();
    (rules, choice == 3)
}

/// China's urban employee rules (`[china]`), read when the formula is
/// `china_urban_employee`; the basic-pension parameters also serve disability awards.
fn read_china(root: &Section, frame: Frame, benefits: &mut BenefitRules) -> ChinaRules {
    let r = root.reader();
    let s = root.section("china");
    let share = Bounds::new(0.0, 10.0, "a multiple of the average wage in [0, 10]");
    let ages = frame.ages();
    let divisor = match s.get("divisor") {
        Some(n) => r.age_map(
            n,
            &s.key("divisor"),
            Bounds::new(1.0, 1000.0, "months in [1, 1000]"),
        ),
        None => (0..ages)
            .map(|x| match x {
                x if x >= 60 => 139.0,
                x if x >= 55 => 170.0,
                _ => 195.0,
            })
            .collect(),
    };
    let rules = ChinaRules {
        base_floor: s.sched("base_floor", 0.6, share),
        base_cap: s.sched("base_cap", 3.0, share),
        employer_rate: sched_required(&s, "employer_rate", Bounds::PROBABILITY),
        employee_rate: s.sched("employee_rate", 0.08, Bounds::PROBABILITY),
        crediting_rate: s.sched("crediting_rate", 0.0, Bounds::RATE),
        funded_share: s.sched("funded_share", 0.0, Bounds::PROBABILITY),
        central_transfer: s.sched(
            "central_transfer",
            0.0,
            Bounds::new(-1.0, 1.0, "a share of the contribution base in [-1, 1]"),
        ),
        basic_accrual: s.sched(
            "basic_accrual",
            0.01,
            Bounds::new(0.0, 0.1, "an accrual in [0, 0.1]"),
        ),
        wage_weight: s.sched("wage_weight", 0.5, Bounds::PROBABILITY),
        transitional_accrual: s.sched(
            "transitional_accrual",
            0.0,
            Bounds::new(0.0, 0.1, "an accrual in [0, 0.1]"),
        ),
        divisor,
        minimum_years: s.number(
            "minimum_years",
            15.0,
            Bounds::new(0.0, 60.0, "years in [0, 60]"),
        ),
        years_sd: s.number("years_sd", 0.0, Bounds::new(0.0, 30.0, "years in [0, 30]")),
        ineligible_by_age: s
            .get("ineligible_share")
            .map(|n| r.age_map(n, &s.key("ineligible_share"), Bounds::PROBABILITY)),
        fund_initial: s.number("account_fund_initial", 0.0, COUNT),
    };
    if let (Some(_), Some(n)) = (&rules.ineligible_by_age, s.get("years_sd")) {
        r.error(
            Some(n.loc),
            &s.key("years_sd"),
            "give either `years_sd` or `ineligible_share`, not both",
        );
    }
    if rules
        .base_floor
        .iter()
        .zip(&rules.base_cap)
        .any(|(lo, hi)| lo > hi)
    {
        r.error(
            s.loc(),
            &s.key("base_cap"),
            "the base cap is below the base floor",
        );
    }
    s.finish();
    benefits.accrual = rules.basic_accrual.clone();
    benefits.wage_weight = rules.wage_weight.clone();
    rules
}

fn read_list(s: &Section, key: &'static str) -> Vec<f64> {
    let r = s.reader();
    match s.required(key) {
        Some(Node {
            value: Value::Array(items),
            ..
        }) => items
            .iter()
            .filter_map(|n| match n.value {
                Value::Int(i) => Some(i as f64),
                Value::Float(f) => Some(f),
                _ => {
                    r.error(Some(n.loc), &s.key(key), "expected a number");
                    None
                }
            })
            .collect(),
        Some(n) => {
            r.error(Some(n.loc), &s.key(key), "expected an array of numbers");
            Vec::new()
        }
        None => Vec::new(),
    }
}

fn read_moves(root: &Section, frame: Frame) -> Moves {
    let r = root.reader();
    let d = root.section("disability");
    let disability = d.age_time_rate("rate", 0.0, Bounds::PROBABILITY);
    let conversion_age = d
        .get("conversion_age")
        .map(|n| r.sex_sched(n, &d.key("conversion_age"), AGE));
    d.finish();
    let e = root.section("exits");
    let exit = e.age_time_rate("rate", 0.0, Bounds::PROBABILITY);
    let vesting_share = e.sched("vesting_share", 0.0, Bounds::PROBABILITY);
    let reentry = e.age_time_rate("reentry_rate", 0.0, Bounds::PROBABILITY);
    if let Some((i, sum)) = disability
        .values
        .iter()
        .zip(&exit.values)
        .map(|(a, b)| a + b)
        .enumerate()
        .find(|(_, s)| *s > 1.0 + 1e-12)
    {
        let cells = frame.cells();
        let t = i / cells;
        let c = i % cells;
        r.error(
            e.get("rate").map(|n| n.loc).or(e.loc()),
            &e.key("rate"),
            format!(
                "disability rate + exit rate is {sum} > 1 in {} for {} aged {}",
                frame.base_year + t as i32,
                SEXES[c / frame.ages()],
                c % frame.ages()
            ),
        );
    }
    e.finish();
    Moves {
        disability,
        exit,
        vesting_share,
        reentry,
        conversion_age,
    }
}

/// Automatic adjustment rules (each off unless its table is written).
fn read_adjustments(root: &Section) -> Adjustments {
    let a = root.section("adjustment");
    let ratio = Bounds::new(0.0, 1000.0, "a fund ratio (years of payouts) in [0, 1000]");
    let brake = a.section("indexation_brake");
    let indexation_brake = brake.is_present().then(|| IndexationBrake {
        threshold: brake.required_number("threshold", ratio),
        factor: brake.number("factor", 0.0, Bounds::PROBABILITY),
    });
    brake.finish();
    let step = a.section("contribution_step");
    let china = is_china_formula(root);
    if step.is_present() && china {
        root.reader().error(
            step.loc(),
            &step.key("step"),
            "the contribution step-up is not available under the china_urban_employee formula (its rates are china.employer_rate and china.employee_rate)",
        );
        for k in ["threshold", "step", "max_rate"] {
            step.has(k);
        }
    }
    let contribution_step = (step.is_present() && !china).then(|| ContributionStep {
        threshold: step.required_number("threshold", ratio),
        step: step.required_number("step", Bounds::PROBABILITY),
        max_rate: step.number("max_rate", 1.0, Bounds::PROBABILITY),
    });
    step.finish();
    let ra = a.section("retirement_age");
    let retirement_age = ra.is_present().then(|| LifeExpectancyLink {
        share: ra.required_number("share", Bounds::new(0.0, 2.0, "a share in [0, 2]")),
        max_age: ra.number("max", 75.0, AGE),
    });
    ra.finish();
    a.finish();
    Adjustments {
        indexation_brake,
        contribution_step,
        retirement_age,
    }
}

fn read_fund(root: &Section, _frame: Frame) -> FundRules {
    let r = root.reader();
    let s = root.section("fund");
    let initial = s.number("initial", 0.0, AMOUNT);
    let admin_rate = s.sched("admin_rate", 0.0, Bounds::PROBABILITY);
    let other_amount = s.sched("other_income", 0.0, AMOUNT);
    let other_share_of_payouts = s.sched("other_income_share_of_payouts", 0.0, Bounds::PROBABILITY);
    let other_share_of_contributions = s.sched(
        "other_income_share_of_contributions",
        0.0,
        Bounds::PROBABILITY,
    );
    s.finish();
    let sub = root.section("subsidy");
    let n = r.frame.sched_len();
    let subsidy_rule = match sub.get("rule") {
        None => vec![SubsidyRule::None; n],
        Some(node) => read_rule_schedule(r, node, &sub.key("rule")),
    };
    let subsidy_amount = sub.sched("amount", 0.0, COUNT);
    let subsidy_share = sub.sched(
        "share",
        0.0,
        Bounds::new(0.0, 10.0, "a share of payouts in [0, 10]"),
    );
    let subsidy_cap_share = sub.sched(
        "cap_share_of_payouts",
        f64::INFINITY,
        Bounds::new(0.0, 10.0, "a share of payouts in [0, 10]"),
    );
    let subsidy_cap_amount = sub.sched("cap_amount", f64::INFINITY, COUNT);
    if subsidy_rule.contains(&SubsidyRule::Fixed) && !sub.has("amount") {
        r.error(
            sub.loc(),
            &sub.key("amount"),
            "the `fixed` rule needs an `amount`",
        );
    }
    if subsidy_rule.contains(&SubsidyRule::ShareOfPayouts) && !sub.has("share") {
        r.error(
            sub.loc(),
            &sub.key("share"),
            "the `share_of_payouts` rule needs a `share`",
        );
    }
    sub.finish();
    FundRules {
        initial,
        admin_rate,
        other_amount,
        other_share_of_payouts,
        other_share_of_contributions,
        subsidy_rule,
        subsidy_amount,
        subsidy_share,
        subsidy_cap_share,
        subsidy_cap_amount,
    }
}

fn read_rule_schedule(r: &Reader, node: &Node, key: &str) -> Vec<SubsidyRule> {
    let frame = r.frame;
    let parse = |n: &Node, k: &str| -> SubsidyRule {
        match &n.value {
            Value::Str(s) => match SUBSIDY_RULES.iter().position(|c| c == s) {
                Some(i) => SubsidyRule::from_index(i),
                None => {
                    r.error(
                        Some(n.loc),
                        k,
                        format!("`{s}` is not one of: {}", SUBSIDY_RULES.join(", ")),
                    );
                    SubsidyRule::None
                }
            },
            other => {
                r.error(
                    Some(n.loc),
                    k,
                    format!("expected a rule name, found {}", other.type_name()),
                );
                SubsidyRule::None
            }
        }
    };
    match &node.value {
        Value::Table(t) => {
            if t.entries.is_empty() {
                r.error(
                    Some(node.loc),
                    key,
                    "empty table: give a rule, or {year = rule, ...}",
                );
            }
            let mut points: Vec<(i64, SubsidyRule)> = Vec::new();
            for e in &t.entries {
                let k = document::join(key, &e.key);
                match e.key.trim().parse::<i64>() {
                    Ok(y) if points.iter().any(|p| p.0 == y) => {
                        r.error(Some(e.key_loc), &k, format!("year {y} is written twice"))
                    }
                    Ok(y) if y >= frame.base_year as i64 && y <= frame.horizon as i64 => {
                        points.push((y, parse(&e.node, &k)))
                    }
                    _ => r.error(
                        Some(e.key_loc),
                        &k,
                        format!(
                            "expected a year in {}..={} as a key",
                            frame.base_year, frame.horizon
                        ),
                    ),
                }
            }
            points.sort_by_key(|p| p.0);
            (0..frame.sched_len())
                .map(|t| {
                    let year = frame.base_year as i64 + t as i64;
                    points
                        .iter()
                        .rev()
                        .find(|p| p.0 <= year)
                        .or(points.first())
                        .map(|p| p.1)
                        .unwrap_or(SubsidyRule::None)
                })
                .collect()
        }
        _ => vec![parse(node, key); frame.sched_len()],
    }
}

/// Initial stocks of the four states.
fn read_population(root: &Section, frame: Frame, relative_wage: &[f64]) -> State {
    let r = root.reader();
    let ages = frame.ages();
    let mut state = State::empty(ages);
    let pop = root.section("population");
    if !pop.is_present() {
        r.error(root.loc(), "population", "missing required table");
    }
    for (key, is_member) in [
        ("actives", true),
        ("vested", true),
        ("disabled", false),
        ("pensioners", false),
    ] {
        let s = pop.section(key);
        if !s.is_present() {
            if key == "actives" && pop.is_present() {
                r.error(pop.loc(), &pop.key(key), "missing required table");
            }
            continue;
        }
        let total = s.required_number("total", COUNT);
        let male_share = s.number("male_share", 0.5, Bounds::PROBABILITY);
        let profile = match s.required("profile") {
            Some(n) => {
                let before = r.error_count();
                let p = read_profile(r, n, &s.key("profile"), frame);
                if r.error_count() == before {
                    check_profile_covers(r, n, &s.key("profile"), &p, &[male_share]);
                }
                p
            }
            None => [vec![0.0; ages], vec![0.0; ages]],
        };
        let counts: Vec<f64> = (0..2)
            .flat_map(|sex| {
                let share = if sex == 0 {
                    male_share
                } else {
                    1.0 - male_share
                };
                profile[sex]
                    .iter()
                    .map(move |w| total * share * w)
                    .collect::<Vec<_>>()
            })
            .collect();
        if is_member {
            let service = read_service(&s, frame);
            let wage_index = match s.get("wage_index") {
                Some(n) => {
                    let m = r.sex_age_map(
                        n,
                        &s.key("wage_index"),
                        Bounds::new(0.0, 100.0, "a wage index in [0, 100]"),
                    );
                    [m[0].clone(), m[1].clone()].concat()
                }
                None => relative_wage.to_vec(),
            };
            if !is_china_formula(root) {
                for k in ["account", "deemed_years"] {
                    if let Some(n) = s.get(k) {
                        r.error(
                            Some(n.loc),
                            &s.key(k),
                            "applies only under the china_urban_employee formula",
                        );
                    }
                }
            }
            let account = s.sex_age_map("account", 0.0, COUNT);
            let deemed = s.sex_age_map(
                "deemed_years",
                0.0,
                Bounds::new(0.0, 100.0, "years in [0, 100]"),
            );
            let (acc_mass, deemed_mass) = if key == "actives" {
                (&mut state.active_account, &mut state.active_deemed)
            } else {
                (&mut state.vested_account, &mut state.vested_deemed)
            };
            for c in 0..2 * ages {
                acc_mass[c] = counts[c] * account[c / ages][c % ages];
                deemed_mass[c] = counts[c] * deemed[c / ages][c % ages];
            }
            let (n, sv, w) = if key == "actives" {
                (
                    &mut state.active_n,
                    &mut state.active_service,
                    &mut state.active_wage,
                )
            } else {
                (
                    &mut state.vested_n,
                    &mut state.vested_service,
                    &mut state.vested_wage,
                )
            };
            for c in 0..2 * ages {
                n[c] = counts[c];
                sv[c] = counts[c] * service[c];
                w[c] = sv[c] * wage_index[c];
            }
        } else {
            let pension = match s.required("pension") {
                Some(n) => {
                    let m = r.sex_age_map(n, &s.key("pension"), COUNT);
                    [m[0].clone(), m[1].clone()].concat()
                }
                None => vec![0.0; 2 * ages],
            };
            let (n, p) = if key == "pensioners" {
                (&mut state.retired_n, &mut state.retired_pension)
            } else {
                (&mut state.disabled_n, &mut state.disabled_pension)
            };
            for c in 0..2 * ages {
                n[c] = counts[c];
                p[c] = counts[c] * pension[c];
            }
        }
        s.finish();
    }
    pop.finish();
    state
}

/// Average service by cell: `{entry_age = 20}` (`max(0, x − entry_age)`) or an age map.
fn read_service(s: &Section, frame: Frame) -> Vec<f64> {
    let r = s.reader();
    let ages = frame.ages();
    let key = s.key("service");
    match s.get("service") {
        None => vec![0.0; 2 * ages],
        Some(n) => {
            let entry_age = match &n.value {
                Value::Table(t) if t.get("entry_age").is_some() => {
                    let p = Section::sub_of(r, n, &key);
                    let a = p.required_number("entry_age", AGE);
                    p.finish();
                    Some(a)
                }
                _ => None,
            };
            match entry_age {
                Some(a) => (0..2 * ages)
                    .map(|c| ((c % ages) as f64 - a).max(0.0))
                    .collect(),
                None => {
                    let m = r.sex_age_map(
                        n,
                        &key,
                        Bounds::new(0.0, 100.0, "years of service in [0, 100]"),
                    );
                    [m[0].clone(), m[1].clone()].concat()
                }
            }
        }
    }
}

impl<'a> Section<'a> {
    /// A section over any node (an error if it is not a table).
    pub fn sub_of(r: &'a Reader<'a>, node: &'a Node, path: &str) -> Section<'a> {
        Section::over(r, node, path)
    }
}

/// Where a relative file name in a scenario resolves.
pub fn resolve(sources: &Sources, loc: Loc, name: &str) -> PathBuf {
    sources.dir_of(loc.file).join(name)
}
