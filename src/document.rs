//! Scenario documents as trees of values that remember the file and span that wrote them.
//!
//! Takes TOML text (one file, or a chain of files joined by `extends`) and gives a merged
//! [`Node`] tree; feeds [`crate::scenario`], which validates it into a model. Keeping the
//! origin of every value lets an error name the file, the key path, the line and the column,
//! even after a variant has overridden part of its base.

use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, ReadError, ScenarioError};

/// Where a value was written: a file of [`Sources`] and a byte range in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

/// A TOML value with its origin.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

/// The TOML value kinds a scenario uses (dates are rejected on reading).
#[derive(Clone, Debug)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Array(Vec<Node>),
    Table(Table),
}

/// A table keeps its keys in the order they were written.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

/// One `key = value` of a table.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub node: Node,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// The files a document was read from, to turn a [`Loc`] into a file, line and column.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl Sources {
    /// File path, 1-based line and column of a byte offset.
    pub fn position(&self, loc: Loc) -> (PathBuf, usize, usize) {
        let file = &self.files[loc.file];
        let (line, col) = line_col(&file.text, loc.start);
        (file.path.clone(), line, col)
    }

    /// A diagnostic located at `loc`.
    pub fn diag(&self, loc: Loc, key: &str, message: impl Into<String>) -> Diagnostic {
        let (file, line, column) = self.position(loc);
        Diagnostic {
            file,
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// The folder that relative paths written in `file` are resolved against.
    pub fn dir_of(&self, file: usize) -> PathBuf {
        self.files[file]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Reads a scenario file, follows its `extends` chain and deep-merges the tables:
/// a key written by the extending file replaces the base's value, tables merge key by key.
pub fn load(path: &Path) -> Result<(Node, Sources), ScenarioError> {
    let mut sources = Sources::default();
    let mut chain = Vec::new();
    let bytes = crate::error::read_input(path).map_err(|e| match e {
        ReadError::Io(source) => ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        },
        source => ScenarioError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let text = utf8(path, bytes)?;
    let node = load_chain(path, &text, &mut sources, &mut chain)?;
    Ok((node, sources))
}

/// [`load`] for a scenario given as text, named `name` (the file its diagnostics cite):
/// its `extends` chain is followed from `name`'s folder (the current folder for a bare
/// name such as `<string>`), and the text is the first of the [`Sources`].
pub fn load_text(name: &Path, text: &str) -> Result<(Node, Sources), ScenarioError> {
    let mut sources = Sources::default();
    let node = load_chain(name, text, &mut sources, &mut Vec::new())?;
    Ok((node, sources))
}

/// A file's bytes as text, or a diagnostic at the line and column of the first byte
/// that is not UTF-8.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let (line, column) = line_col(valid, at);
        ScenarioError::Invalid(vec![Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            key: String::new(),
            message: format!(
                "not UTF-8 text (byte 0x{:02x}): a scenario file must be UTF-8",
                bytes[at]
            ),
        }])
    })
}

/// Parses one TOML text (no `extends` processing) as file `name`.
pub fn parse_text(name: &Path, text: &str, sources: &mut Sources) -> Result<Node, ScenarioError> {
    let file = sources.files.len();
    sources.files.push(SourceFile {
        path: name.to_path_buf(),
        text: text.to_string(),
    });
    let table = toml::de::DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (line, column) = line_col(text, span.start);
        ScenarioError::Invalid(vec![Diagnostic {
            file: name.to_path_buf(),
            line,
            column,
            key: String::new(),
            message: format!("TOML syntax: {}", e.message().trim()),
        }])
    })?;
    let span = table.span();
    let loc = Loc {
        file,
        start: span.start,
        end: span.end,
    };
    let mut diags = Vec::new();
    let table = convert_table(table.get_ref(), file, "", &mut diags, sources);
    if !diags.is_empty() {
        return Err(ScenarioError::Invalid(diags));
    }
    Ok(Node {
        value: Value::Table(table),
        loc,
    })
}

fn load_chain(
    path: &Path,
    text: &str,
    sources: &mut Sources,
    chain: &mut Vec<PathBuf>,
) -> Result<Node, ScenarioError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    chain.push(canonical);
    let mut node = parse_text(path, text, sources)?;
    let Value::Table(table) = &mut node.value else {
        unreachable!("a TOML document is a table")
    };
    let Some(pos) = table.entries.iter().position(|e| e.key == "extends") else {
        chain.pop();
        return Ok(node);
    };
    let entry = table.entries.remove(pos);
    let Value::Str(base_name) = &entry.node.value else {
        return Err(ScenarioError::Invalid(vec![sources.diag(
            entry.node.loc,
            "extends",
            format!(
                "expected a file name (a string), found {}",
                entry.node.value.type_name()
            ),
        )]));
    };
    let base_path = sources.dir_of(entry.node.loc.file).join(base_name);
    let base_canonical = base_path
        .canonicalize()
        .unwrap_or_else(|_| base_path.clone());
    if chain.contains(&base_canonical) {
        return Err(ScenarioError::Invalid(vec![sources.diag(
            entry.node.loc,
            "extends",
            format!(
                "`{}` is already in this chain of extends (a cycle)",
                base_path.display()
            ),
        )]));
    }
    if !base_path.exists() {
        return Err(ScenarioError::Invalid(vec![sources.diag(
            entry.node.loc,
            "extends",
            format!("base scenario `{}` does not exist", base_path.display()),
        )]));
    }
    let bytes = crate::error::read_input(&base_path).map_err(|e| {
        ScenarioError::Invalid(vec![sources.diag(
            entry.node.loc,
            "extends",
            format!("cannot read base scenario `{}`: {e}", base_path.display()),
        )])
    })?;
    let base_text = utf8(&base_path, bytes)?;
    let mut base = load_chain(&base_path, &base_text, sources, chain)?;
    chain.pop();
    merge(&mut base, node);
    Ok(base)
}

/// Whether a table is one value (a schedule, an age map, a pair by sex, a profile) rather
/// than a section of the scenario: such a table is replaced whole by an override.
///
/// A table whose only key is `table` is not taken for a value: `[mortality]` written with
/// just `table = "q.csv"` is a section (an override adding `improvement` must keep the
/// table, and one changing the table must keep the base's improvement). A CSV profile
/// `{ table = "…" }` still replaces a `uniform`/`normal`/by-sex profile whole (or is
/// replaced whole by one), since those are values.
pub fn is_value_table(t: &Table) -> bool {
    t.entries.iter().any(|e| {
        e.key.trim().parse::<i64>().is_ok()
            || matches!(
                e.key.as_str(),
                "male" | "female" | "by_year" | "uniform" | "normal"
            )
    })
}

/// Deep merge: sections merge key by key; any other value of `over` (a number, a string,
/// an array, or a table that is one value such as a schedule) replaces `base`'s whole.
pub fn merge(base: &mut Node, over: Node) {
    match (&mut base.value, over.value) {
        (Value::Table(b), Value::Table(o)) if !is_value_table(b) && !is_value_table(&o) => {
            for entry in o.entries {
                match b.entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => merge(&mut existing.node, entry.node),
                    None => b.entries.push(entry),
                }
            }
        }
        (_, value) => {
            base.value = value;
            base.loc = over.loc;
        }
    }
}

fn convert_table(
    table: &toml::de::DeTable<'_>,
    file: usize,
    path: &str,
    diags: &mut Vec<Diagnostic>,
    sources: &Sources,
) -> Table {
    let mut out = Table::default();
    for (key, value) in table.iter() {
        let ks = key.span();
        let key_loc = Loc {
            file,
            start: ks.start,
            end: ks.end,
        };
        let key_path = join(path, key.get_ref());
        let node = convert_value(value, file, &key_path, diags, sources);
        out.entries.push(Entry {
            key: key.get_ref().to_string(),
            key_loc,
            node,
        });
    }
    out
}

fn convert_value(
    value: &serde_spanned::Spanned<toml::de::DeValue<'_>>,
    file: usize,
    path: &str,
    diags: &mut Vec<Diagnostic>,
    sources: &Sources,
) -> Node {
    use toml::de::DeValue;
    let span = value.span();
    let loc = Loc {
        file,
        start: span.start,
        end: span.end,
    };
    let v = match value.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let (neg, body) = match digits.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let body = match i.radix() {
                16 => body.trim_start_matches("0x").to_string(),
                8 => body.trim_start_matches("0o").to_string(),
                2 => body.trim_start_matches("0b").to_string(),
                _ => body,
            };
            match i64::from_str_radix(&body, i.radix()) {
                Ok(n) => Value::Int(if neg { -n } else { n }),
                Err(_) => {
                    diags.push(sources.diag(loc, path, "integer out of range"));
                    Value::Int(0)
                }
            }
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|c| *c != '_').collect();
            match text.trim_start_matches('+').parse::<f64>() {
                Ok(x) => Value::Float(x),
                Err(_) => {
                    diags.push(sources.diag(loc, path, "not a valid number"));
                    Value::Float(0.0)
                }
            }
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => {
            diags.push(sources.diag(loc, path, "dates are not used in scenarios"));
            Value::Str(String::new())
        }
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| convert_value(item, file, &format!("{path}[{i}]"), diags, sources))
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(convert_table(t, file, path, diags, sources)),
    };
    Node { value: v, loc }
}

/// `a.b` joined with `c`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Writes a node back as TOML (for `fundcast show`).
pub fn to_toml(node: &Node) -> String {
    fn to_value(node: &Node) -> toml::Value {
        match &node.value {
            Value::Int(i) => toml::Value::Integer(*i),
            Value::Float(f) => toml::Value::Float(*f),
            Value::Str(s) => toml::Value::String(s.clone()),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Array(a) => toml::Value::Array(a.iter().map(to_value).collect()),
            Value::Table(t) => {
                let mut m = toml::map::Map::new();
                for e in &t.entries {
                    m.insert(e.key.clone(), to_value(&e.node));
                }
                toml::Value::Table(m)
            }
        }
    }
    match to_value(node) {
        toml::Value::Table(t) => toml::to_string(&t).unwrap_or_default(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn merge_overrides_leaves_and_keeps_other_keys() {
        let mut s = Sources::default();
        let mut base = parse_text(Path::new("a"), "x = 1\n[t]\na = 1\nb = 2\n", &mut s).unwrap();
        let over = parse_text(Path::new("b"), "[t]\nb = 3\nc = 4\n", &mut s).unwrap();
        merge(&mut base, over);
        let Value::Table(t) = &base.value else {
            panic!()
        };
        let Value::Table(inner) = &t.get("t").unwrap().value else {
            panic!()
        };
        assert!(matches!(inner.get("a").unwrap().value, Value::Int(1)));
        assert!(matches!(inner.get("b").unwrap().value, Value::Int(3)));
        assert_eq!(inner.get("b").unwrap().loc.file, 1);
        assert!(matches!(inner.get("c").unwrap().value, Value::Int(4)));
    }

    #[test]
    fn merge_replaces_schedules_and_profiles_whole() {
        let mut s = Sources::default();
        let mut base = parse_text(
            Path::new("a"),
            "r = {2005 = 1, 2010 = 2}\np = {uniform = {from = 1, to = 2}}\n",
            &mut s,
        )
        .unwrap();
        let over = parse_text(
            Path::new("b"),
            "r = {2007 = 3}\np = {normal = {mean = 1, sd = 1, from = 0, to = 2}}\n",
            &mut s,
        )
        .unwrap();
        merge(&mut base, over);
        let Value::Table(t) = &base.value else {
            panic!()
        };
        let Value::Table(r) = &t.get("r").unwrap().value else {
            panic!()
        };
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].key, "2007");
        let Value::Table(p) = &t.get("p").unwrap().value else {
            panic!()
        };
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].key, "normal");
    }
}
