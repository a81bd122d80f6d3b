//! Reading parameters from a scenario tree into dense arrays, once per run.
//!
//! A parameter is written as a constant, a schedule by year (`{2006 = 0.2, 2010 = 0.18}`,
//! a step function that holds its last value and takes its first value before its first
//! key), an age map (`{0 = 0, 55 = 0.1}`, the same step rule over ages), a pair by sex
//! (`{male = …, female = …}`), or for rates that vary by age and time a schedule of age maps
//! (`{by_year = {2006 = {55 = 0.1}, 2010 = 0.05}}`). Every form is resolved here into a
//! flat array indexed by year, sex and age, so the projection only reads numbers.
//! Problems are collected, with their key paths and locations, and reported all at once.

use std::cell::RefCell;

use crate::document::{join, Loc, Node, Sources, Table, Value};
use crate::error::Diagnostic;

/// Index of a sex in every `[male, female]` array.
pub const MALE: usize = 0;
pub const FEMALE: usize = 1;
pub const SEXES: [&str; 2] = ["male", "female"];

/// Allowed range of a number, with the words used in error messages.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub min: f64,
    pub max: f64,
    pub what: &'static str,
}

impl Bounds {
    pub const ANY: Bounds = Bounds {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
        what: "a finite number",
    };
    pub const PROBABILITY: Bounds = Bounds {
        min: 0.0,
        max: 1.0,
        what: "a probability in [0, 1]",
    };
    pub const NON_NEGATIVE: Bounds = Bounds {
        min: 0.0,
        max: f64::INFINITY,
        what: "a number >= 0",
    };
    pub const RATE: Bounds = Bounds {
        min: -0.99,
        max: 10.0,
        what: "a yearly rate in [-0.99, 10]",
    };
    pub const fn new(min: f64, max: f64, what: &'static str) -> Bounds {
        Bounds { min, max, what }
    }
    fn admits(&self, x: f64) -> bool {
        x.is_finite() && x >= self.min && x <= self.max
    }
}

/// The projection's frame: years `base_year..=horizon` (plus one for "year t+1"
/// parameters of the horizon year) and ages `0..=max_age`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub base_year: i32,
    pub horizon: i32,
    pub max_age: usize,
}

impl Frame {
    /// Number of projected years, base year included.
    pub fn years(&self) -> usize {
        (self.horizon - self.base_year + 1) as usize
    }
    /// Length of a schedule array: the projected years and the year after the horizon.
    pub fn sched_len(&self) -> usize {
        self.years() + 1
    }
    pub fn ages(&self) -> usize {
        self.max_age + 1
    }
    /// Cells of one state: sex × age.
    pub fn cells(&self) -> usize {
        2 * self.ages()
    }
}

/// A parameter by sex, age and year, resolved: `values[(t * 2 + s) * ages + x]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AgeTimeRate {
    pub values: Vec<f64>,
    /// Whether any value differs from zero (lets the projection skip a step).
    pub any_nonzero: bool,
}

impl AgeTimeRate {
    /// The `2 × ages` slice of year index `t`.
    pub fn year(&self, t: usize, cells: usize) -> &[f64] {
        &self.values[t * cells..(t + 1) * cells]
    }
}

/// Reads the scenario tree, collecting every problem.
pub struct Reader<'a> {
    pub sources: &'a Sources,
    pub frame: Frame,
    diags: RefCell<Vec<Diagnostic>>,
}

/// A table of the scenario being read; remembers which keys were asked for, so that
/// [`Section::finish`] can reject the others as unknown.
pub struct Section<'a> {
    reader: &'a Reader<'a>,
    table: Option<&'a Table>,
    path: String,
    loc: Option<Loc>,
    asked: RefCell<Vec<&'static str>>,
}

impl<'a> Reader<'a> {
    pub fn new(sources: &'a Sources, frame: Frame) -> Reader<'a> {
        Reader {
            sources,
            frame,
            diags: RefCell::new(Vec::new()),
        }
    }

    pub fn error(&self, loc: Option<Loc>, key: &str, message: impl Into<String>) {
        let diag = match loc {
            Some(loc) => self.sources.diag(loc, key, message),
            None => Diagnostic {
                file: self
                    .sources
                    .files
                    .first()
                    .map(|f| f.path.clone())
                    .unwrap_or_default(),
                line: 0,
                column: 0,
                key: key.to_string(),
                message: message.into(),
            },
        };
        self.push(diag);
    }

    /// Records a problem once: a value that serves both sexes is read twice, and its
    /// problem must not be reported twice.
    pub fn push(&self, diag: Diagnostic) {
        let mut diags = self.diags.borrow_mut();
        if !diags.contains(&diag) {
            diags.push(diag);
        }
    }

    /// Number of problems found so far.
    pub fn error_count(&self) -> usize {
        self.diags.borrow().len()
    }

    pub fn has_errors(&self) -> bool {
        !self.diags.borrow().is_empty()
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags.into_inner()
    }

    /// The root table as a section.
    pub fn root(&'a self, node: &'a Node) -> Section<'a> {
        let table = match &node.value {
            Value::Table(t) => Some(t),
            _ => None,
        };
        Section {
            reader: self,
            table,
            path: String::new(),
            loc: Some(node.loc),
            asked: RefCell::new(Vec::new()),
        }
    }

    /// A number within `bounds` (an error naming `key` and the value's line otherwise).
    pub fn number(&self, node: &Node, key: &str, bounds: Bounds) -> f64 {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            ref other => {
                self.error(
                    Some(node.loc),
                    key,
                    format!("expected {}, found {}", bounds.what, other.type_name()),
                );
                return clamp_default(bounds);
            }
        };
        if !bounds.admits(x) {
            self.error(
                Some(node.loc),
                key,
                format!("{x} is out of range: expected {}", bounds.what),
            );
            return clamp_default(bounds);
        }
        x
    }

    /// Integer keys of a step-function table, sorted, with their values.
    fn steps<'n>(
        &self,
        table: &'n Table,
        loc: Loc,
        key: &str,
        what: &str,
        lo: i64,
        hi: i64,
    ) -> Vec<(i64, String, &'n Node)> {
        let mut out = Vec::new();
        for e in &table.entries {
            let path = join(key, &e.key);
            match e.key.trim().parse::<i64>() {
                Ok(k) if k >= lo && k <= hi => out.push((k, path, &e.node)),
                Ok(k) => self.error(
                    Some(e.key_loc),
                    &path,
                    format!("{what} {k} is outside {lo}..={hi}"),
                ),
                Err(_) => self.error(
                    Some(e.key_loc),
                    &path,
                    format!("expected {what} as a key, found `{}`", e.key),
                ),
            }
        }
        out.sort_by_key(|(k, _, _)| *k);
        for pair in out.windows(2) {
            if pair[0].0 == pair[1].0 {
                self.error(
                    Some(pair[1].2.loc),
                    &pair[1].1,
                    format!("{what} {} is written twice", pair[1].0),
                );
            }
        }
        if table.entries.is_empty() {
            self.error(
                Some(loc),
                key,
                format!("empty table: give at least one {what}"),
            );
        }
        out
    }

    /// A scalar that may follow a schedule by year, resolved over the frame's years
    /// (`sched_len` values, index 0 = base year).
    pub fn sched(&self, node: &Node, key: &str, bounds: Bounds) -> Vec<f64> {
        let n = self.frame.sched_len();
        match &node.value {
            Value::Table(t) => {
                let f = self.frame;
                let steps = self.steps(
                    t,
                    node.loc,
                    key,
                    "year",
                    f.base_year as i64,
                    f.horizon as i64,
                );
                let points: Vec<(i64, f64)> = steps
                    .iter()
                    .map(|(k, p, n)| (*k, self.number(n, p, bounds)))
                    .collect();
                (0..n)
                    .map(|i| step_value(&points, f.base_year as i64 + i as i64, 0.0))
                    .collect()
            }
            _ => vec![self.number(node, key, bounds); n],
        }
    }

    /// A scalar by age (constant or age map), resolved over ages `0..=max_age`.
    pub fn age_map(&self, node: &Node, key: &str, bounds: Bounds) -> Vec<f64> {
        let n = self.frame.ages();
        match &node.value {
            Value::Table(t) => {
                let steps = self.steps(t, node.loc, key, "age", 0, self.frame.max_age as i64);
                let points: Vec<(i64, f64)> = steps
                    .iter()
                    .map(|(k, p, n)| (*k, self.number(n, p, bounds)))
                    .collect();
                (0..n).map(|x| step_value(&points, x as i64, 0.0)).collect()
            }
            _ => vec![self.number(node, key, bounds); n],
        }
    }

    /// Splits `{male = …, female = …}` into its two parts; any other value serves both.
    pub fn by_sex<'n>(&self, node: &'n Node, key: &str) -> [(&'n Node, String); 2] {
        if let Value::Table(t) = &node.value {
            let is_sex = |k: &str| k == "male" || k == "female";
            if t.entries.iter().any(|e| is_sex(&e.key)) {
                if let Some(e) = t.entries.iter().find(|e| !is_sex(&e.key)) {
                    self.error(
                        Some(e.key_loc),
                        &join(key, &e.key),
                        "a table by sex takes only the keys `male` and `female`",
                    );
                }
                let m = t.get("male");
                let f = t.get("female");
                match (m, f) {
                    (Some(m), Some(f)) => {
                        return [(m, join(key, "male")), (f, join(key, "female"))]
                    }
                    _ => {
                        self.error(
                            Some(node.loc),
                            key,
                            "give both `male` and `female`, or one value for both",
                        );
                        let one = m.or(f).unwrap_or(node);
                        return [(one, key.to_string()), (one, key.to_string())];
                    }
                }
            }
        }
        [(node, key.to_string()), (node, key.to_string())]
    }

    /// An age map by sex: `[male, female]`.
    pub fn sex_age_map(&self, node: &Node, key: &str, bounds: Bounds) -> [Vec<f64>; 2] {
        let [(m, mk), (f, fk)] = self.by_sex(node, key);
        [self.age_map(m, &mk, bounds), self.age_map(f, &fk, bounds)]
    }

    /// A schedule by sex: `[male, female]`.
    pub fn sex_sched(&self, node: &Node, key: &str, bounds: Bounds) -> [Vec<f64>; 2] {
        let [(m, mk), (f, fk)] = self.by_sex(node, key);
        [self.sched(m, &mk, bounds), self.sched(f, &fk, bounds)]
    }

    /// A rate by sex, age and year: per sex a constant, an age map, or
    /// `{by_year = {year = constant or age map}}`.
    pub fn age_time_rate(&self, node: &Node, key: &str, bounds: Bounds) -> AgeTimeRate {
        let f = self.frame;
        let (ages, years) = (f.ages(), f.sched_len());
        let mut values = vec![0.0; years * 2 * ages];
        let sexes = self.by_sex(node, key);
        for (s, (n, k)) in sexes.iter().enumerate() {
            let per_year = self.age_maps_by_year(n, k, bounds);
            for t in 0..years {
                let year = f.base_year as i64 + t as i64;
                let idx = step_index(&per_year, year);
                let map = &per_year[idx].1;
                values[(t * 2 + s) * ages..(t * 2 + s + 1) * ages].copy_from_slice(map);
            }
        }
        let any_nonzero = values.iter().any(|v| *v != 0.0);
        AgeTimeRate {
            values,
            any_nonzero,
        }
    }

    fn age_maps_by_year(&self, node: &Node, key: &str, bounds: Bounds) -> Vec<(i64, Vec<f64>)> {
        if let Value::Table(t) = &node.value {
            if let Some(by_year) = t.get("by_year") {
                let by_year_key = join(key, "by_year");
                if t.entries.len() > 1 {
                    self.error(
                        Some(node.loc),
                        key,
                        "`by_year` must be the only key of its table",
                    );
                }
                let Value::Table(years) = &by_year.value else {
                    self.error(
                        Some(by_year.loc),
                        &by_year_key,
                        "expected a table {year = value or age map}",
                    );
                    return vec![(0, vec![0.0; self.frame.ages()])];
                };
                let f = self.frame;
                let steps = self.steps(
                    years,
                    by_year.loc,
                    &by_year_key,
                    "year",
                    f.base_year as i64,
                    f.horizon as i64,
                );
                let out: Vec<(i64, Vec<f64>)> = steps
                    .iter()
                    .map(|(y, p, n)| (*y, self.age_map(n, p, bounds)))
                    .collect();
                if out.is_empty() {
                    return vec![(0, vec![0.0; self.frame.ages()])];
                }
                return out;
            }
        }
        vec![(0, self.age_map(node, key, bounds))]
    }
}

fn clamp_default(bounds: Bounds) -> f64 {
    if bounds.admits(0.0) {
        0.0
    } else if bounds.min.is_finite() {
        bounds.min
    } else {
        bounds.max
    }
}

/// The value of a step function at `at`: the last point at or before it, or the first
/// point when `at` comes before every key.
pub fn step_value(points: &[(i64, f64)], at: i64, empty: f64) -> f64 {
    if points.is_empty() {
        return empty;
    }
    let mut v = points[0].1;
    for (k, x) in points {
        if *k <= at {
            v = *x;
        } else {
            break;
        }
    }
    v
}

fn step_index<T>(points: &[(i64, T)], at: i64) -> usize {
    let mut idx = 0;
    for (i, (k, _)) in points.iter().enumerate() {
        if *k <= at {
            idx = i;
        }
    }
    idx
}

impl<'a> Section<'a> {
    /// A section over `node`, which must be a table (else an error, and an empty section).
    pub fn over(reader: &'a Reader<'a>, node: &'a Node, path: &str) -> Section<'a> {
        let table = match &node.value {
            Value::Table(t) => Some(t),
            other => {
                reader.error(
                    Some(node.loc),
                    path,
                    format!("expected a table, found {}", other.type_name()),
                );
                None
            }
        };
        Section {
            reader,
            table,
            path: path.to_string(),
            loc: Some(node.loc),
            asked: RefCell::new(Vec::new()),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn loc(&self) -> Option<Loc> {
        self.loc
    }

    pub fn reader(&self) -> &'a Reader<'a> {
        self.reader
    }

    pub fn is_present(&self) -> bool {
        self.table.is_some()
    }

    /// The key's full path.
    pub fn key(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`, marking the key as known.
    pub fn get(&self, key: &'static str) -> Option<&'a Node> {
        self.asked.borrow_mut().push(key);
        self.table.and_then(|t| t.get(key))
    }

    /// Whether `key` is written (marks it as known).
    pub fn has(&self, key: &'static str) -> bool {
        self.get(key).is_some()
    }

    /// A sub-table; an absent one reads as empty.
    pub fn section(&self, key: &'static str) -> Section<'a> {
        let node = self.get(key);
        let path = self.key(key);
        let table = match node {
            Some(Node {
                value: Value::Table(t),
                ..
            }) => Some(t),
            Some(n) => {
                self.reader.error(
                    Some(n.loc),
                    &path,
                    format!("expected a table, found {}", n.value.type_name()),
                );
                None
            }
            None => None,
        };
        Section {
            reader: self.reader,
            table,
            path,
            loc: node.map(|n| n.loc),
            asked: RefCell::new(Vec::new()),
        }
    }

    /// Reports every key that no reader asked for.
    pub fn finish(self) {
        let Some(table) = self.table else { return };
        let asked = self.asked.borrow();
        for e in &table.entries {
            if !asked.contains(&e.key.as_str()) {
                let mut known: Vec<&str> = asked.clone();
                known.sort_unstable();
                known.dedup();
                self.reader.error(
                    Some(e.key_loc),
                    &self.key(&e.key),
                    format!("unknown key (expected one of: {})", known.join(", ")),
                );
            }
        }
    }

    pub fn required(&self, key: &'static str) -> Option<&'a Node> {
        let node = self.get(key);
        if node.is_none() {
            self.reader
                .error(self.loc, &self.key(key), "missing required key");
        }
        node
    }

    pub fn number(&self, key: &'static str, default: f64, bounds: Bounds) -> f64 {
        match self.get(key) {
            Some(n) => self.reader.number(n, &self.key(key), bounds),
            None => default,
        }
    }

    pub fn required_number(&self, key: &'static str, bounds: Bounds) -> f64 {
        match self.required(key) {
            Some(n) => self.reader.number(n, &self.key(key), bounds),
            None => clamp_default(bounds),
        }
    }

    pub fn opt_number(&self, key: &'static str, bounds: Bounds) -> Option<f64> {
        self.get(key)
            .map(|n| self.reader.number(n, &self.key(key), bounds))
    }

    pub fn integer(&self, key: &'static str, default: i64, lo: i64, hi: i64) -> i64 {
        let Some(n) = self.get(key) else {
            return default;
        };
        match n.value {
            Value::Int(i) if i >= lo && i <= hi => i,
            Value::Int(i) => {
                self.reader.error(
                    Some(n.loc),
                    &self.key(key),
                    format!("{i} is out of range: expected an integer in {lo}..={hi}"),
                );
                default
            }
            ref other => {
                self.reader.error(
                    Some(n.loc),
                    &self.key(key),
                    format!("expected an integer, found {}", other.type_name()),
                );
                default
            }
        }
    }

    pub fn string(&self, key: &'static str) -> Option<(String, Loc)> {
        let n = self.get(key)?;
        match &n.value {
            Value::Str(s) => Some((s.clone(), n.loc)),
            other => {
                self.reader.error(
                    Some(n.loc),
                    &self.key(key),
                    format!("expected a string, found {}", other.type_name()),
                );
                None
            }
        }
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice(&self, key: &'static str, choices: &[&'static str], default: usize) -> usize {
        match self.string(key) {
            Some((s, loc)) => match choices.iter().position(|c| *c == s) {
                Some(i) => i,
                None => {
                    self.reader.error(
                        Some(loc),
                        &self.key(key),
                        format!("`{s}` is not one of: {}", choices.join(", ")),
                    );
                    default
                }
            },
            None => default,
        }
    }

    pub fn sched(&self, key: &'static str, default: f64, bounds: Bounds) -> Vec<f64> {
        match self.get(key) {
            Some(n) => self.reader.sched(n, &self.key(key), bounds),
            None => vec![default; self.reader.frame.sched_len()],
        }
    }

    pub fn sex_sched(&self, key: &'static str, default: f64, bounds: Bounds) -> [Vec<f64>; 2] {
        match self.get(key) {
            Some(n) => self.reader.sex_sched(n, &self.key(key), bounds),
            None => {
                let v = vec![default; self.reader.frame.sched_len()];
                [v.clone(), v]
            }
        }
    }

    pub fn age_map(&self, key: &'static str, default: f64, bounds: Bounds) -> Vec<f64> {
        match self.get(key) {
            Some(n) => self.reader.age_map(n, &self.key(key), bounds),
            None => vec![default; self.reader.frame.ages()],
        }
    }

    pub fn sex_age_map(&self, key: &'static str, default: f64, bounds: Bounds) -> [Vec<f64>; 2] {
        match self.get(key) {
            Some(n) => self.reader.sex_age_map(n, &self.key(key), bounds),
            None => {
                let v = vec![default; self.reader.frame.ages()];
                [v.clone(), v]
            }
        }
    }

    pub fn age_time_rate(&self, key: &'static str, default: f64, bounds: Bounds) -> AgeTimeRate {
        match self.get(key) {
            Some(n) => self.reader.age_time_rate(n, &self.key(key), bounds),
            None => {
                let f = self.reader.frame;
                AgeTimeRate {
                    values: vec![default; f.sched_len() * f.cells()],
                    any_nonzero: default != 0.0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse_text;
    use std::path::Path;

    fn frame() -> Frame {
        Frame {
            base_year: 2005,
            horizon: 2010,
            max_age: 3,
        }
    }

    fn read<T>(text: &str, f: impl FnOnce(&Section) -> T) -> (T, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let node = parse_text(Path::new("t.toml"), text, &mut sources).unwrap();
        let reader = Reader::new(&sources, frame());
        let root = reader.root(&node);
        let out = f(&root);
        root.finish();
        (out, reader.into_diagnostics())
    }

    #[test]
    fn schedule_is_a_step_function_holding_first_and_last_values() {
        let (v, d) = read("x = {2007 = 0.2, 2009 = 0.1}", |s| {
            s.sched("x", 0.0, Bounds::PROBABILITY)
        });
        assert!(d.is_empty());
        // 2005 2006 take the first value; 2011 (horizon + 1) holds the last.
        assert_eq!(v, vec![0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1]);
    }

    #[test]
    fn age_map_takes_first_value_before_first_key() {
        let (v, _) = read("x = {1 = 0.5, 3 = 0.7}", |s| {
            s.age_map("x", 0.0, Bounds::PROBABILITY)
        });
        assert_eq!(v, vec![0.5, 0.5, 0.5, 0.7]);
    }

    #[test]
    fn schedule_year_outside_projection_is_an_error_with_line() {
        let (_, d) = read("\nx = {2004 = 0.2}", |s| {
            s.sched("x", 0.0, Bounds::PROBABILITY)
        });
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, "x.2004");
        assert_eq!(d[0].line, 2);
        assert!(
            d[0].message.contains("outside 2005..=2010"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn probability_out_of_range_names_key() {
        let (_, d) = read("x = 1.5", |s| s.sched("x", 0.0, Bounds::PROBABILITY));
        assert_eq!(d[0].key, "x");
        assert!(d[0].message.contains("probability"));
    }

    #[test]
    fn unknown_key_is_reported() {
        let (_, d) = read("x = 1\ny = 2", |s| s.number("x", 0.0, Bounds::ANY));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, "y");
        assert_eq!(d[0].line, 2);
        assert!(d[0].message.contains("unknown key"));
    }

    #[test]
    fn age_time_rate_by_sex_and_year() {
        let (r, d) = read(
            "x = {male = {by_year = {2005 = {2 = 0.5}, 2008 = 0.1}}, female = 0.3}",
            |s| s.age_time_rate("x", 0.0, Bounds::PROBABILITY),
        );
        assert!(d.is_empty(), "{d:?}");
        let cells = frame().cells();
        assert_eq!(
            r.year(0, cells),
            &[0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3][..]
        );
        assert_eq!(
            r.year(3, cells),
            &[0.1, 0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3][..]
        );
    }
}
