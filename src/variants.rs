//! Variants of a scenario: reading the merged tree as key paths, listing the keys two
//! scenarios differ in, and changing one key (the levers of `solve` and `sensitivity`).
//!
//! Takes merged scenario trees ([`crate::document`]); gives trees, or text for people.

use crate::document::{join, Entry, Loc, Node, Table, Value};

/// Every leaf of a tree as `(key path, value as TOML text)`, in written order. A table
/// that is one value (a schedule, an age map, a profile) is one leaf.
pub fn leaves(node: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect(node, "", &mut out);
    out
}

fn collect(node: &Node, path: &str, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Table(t) if !path.is_empty() && crate::document::is_value_table(t) => {
            out.push((path.to_string(), inline(node)))
        }
        Value::Table(t) => {
            for e in &t.entries {
                collect(&e.node, &join(path, &e.key), out);
            }
        }
        _ => out.push((path.to_string(), inline(node))),
    }
}

/// A value as inline TOML.
pub fn inline(node: &Node) -> String {
    match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => {
            let s = format!("{f}");
            if s.contains(['.', 'e', 'E', 'n', 'i']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::Str(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Table(t) => format!(
            "{{ {} }}",
            t.entries
                .iter()
                .map(|e| format!("{} = {}", quote_key(&e.key), inline(&e.node)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn quote_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// One difference between two scenarios.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// The keys whose values differ between `a` and `b` (in `a`'s order, then keys only in `b`).
pub fn diff(a: &Node, b: &Node) -> Vec<Difference> {
    let la = leaves(a);
    let lb = leaves(b);
    let mut out = Vec::new();
    for (k, va) in &la {
        match lb.iter().find(|(kb, _)| kb == k) {
            Some((_, vb)) if vb == va => {}
            Some((_, vb)) => out.push(Difference {
                key: k.clone(),
                a: Some(va.clone()),
                b: Some(vb.clone()),
            }),
            None => out.push(Difference {
                key: k.clone(),
                a: Some(va.clone()),
                b: None,
            }),
        }
    }
    for (k, vb) in &lb {
        if !la.iter().any(|(ka, _)| ka == k) {
            out.push(Difference {
                key: k.clone(),
                a: None,
                b: Some(vb.clone()),
            });
        }
    }
    out
}

/// How a lever changes a key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// The key becomes this number (a schedule or table there is replaced).
    Set(f64),
    /// Every number under the key is multiplied by this factor.
    Scale(f64),
    /// This amount is added to every number under the key.
    Shift(f64),
}

/// Why a lever change cannot be read or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    #[error("`{text}` is not a number, `x<factor>` or `d<shift>`")]
    BadChange { text: String },
    #[error("`{text}` is not a finite number")]
    NotFinite { text: String },
    #[error("`{parent}` is not a table, so `{path}` cannot be set")]
    NotATable { path: String, parent: String },
    #[error("`{path}` is not in the scenario")]
    Absent { path: String },
    #[error("`{path}` holds no numbers")]
    NoNumbers { path: String },
}

impl Change {
    /// Parses `0.3` (set), `x1.1` (scale) or `d+0.01` / `d-0.01` (shift); the number
    /// must be finite (`nan` and `inf` are refused).
    pub fn parse(text: &str) -> Result<Change, VariantError> {
        let t = text.trim();
        let num = |s: &str| {
            let x = s
                .trim()
                .parse::<f64>()
                .map_err(|_| VariantError::BadChange { text: t.into() })?;
            if x.is_finite() {
                Ok(x)
            } else {
                Err(VariantError::NotFinite { text: t.into() })
            }
        };
        if let Some(rest) = t.strip_prefix('x') {
            Ok(Change::Scale(num(rest)?))
        } else if let Some(rest) = t.strip_prefix('d') {
            Ok(Change::Shift(num(rest)?))
        } else {
            Ok(Change::Set(num(t)?))
        }
    }
}

/// Applies `change` to the key `path` (dot-separated) of the scenario tree. `Set`
/// creates the key (and its tables) when absent; `Scale` and `Shift` need it present.
pub fn apply(root: &mut Node, path: &str, change: Change) -> Result<(), VariantError> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let loc = node.loc;
        let Value::Table(t) = &mut node.value else {
            return Err(VariantError::NotATable {
                path: path.into(),
                parent: parts[..i].join("."),
            });
        };
        let pos = t.entries.iter().position(|e| e.key == *part);
        let pos = match pos {
            Some(p) => p,
            None => {
                if !matches!(change, Change::Set(_)) {
                    return Err(VariantError::Absent { path: path.into() });
                }
                let value = if i + 1 == parts.len() {
                    Value::Float(0.0)
                } else {
                    Value::Table(Table::default())
                };
                t.entries.push(Entry {
                    key: part.to_string(),
                    key_loc: loc,
                    node: Node { value, loc },
                });
                t.entries.len() - 1
            }
        };
        node = &mut t.entries[pos].node;
    }
    let no_numbers = || VariantError::NoNumbers { path: path.into() };
    match change {
        Change::Set(x) => {
            node.value = Value::Float(x);
            Ok(())
        }
        Change::Scale(f) => map_numbers(node, &|v| v * f).ok_or_else(no_numbers),
        Change::Shift(d) => map_numbers(node, &|v| v + d).ok_or_else(no_numbers),
    }
}

/// Applies `f` to every number under `node`; `None` when a value there is not a number.
fn map_numbers(node: &mut Node, f: &dyn Fn(f64) -> f64) -> Option<()> {
    match &mut node.value {
        Value::Int(i) => {
            node.value = Value::Float(f(*i as f64));
            Some(())
        }
        Value::Float(x) => {
            *x = f(*x);
            Some(())
        }
        Value::Table(t) => {
            for e in &mut t.entries {
                map_numbers(&mut e.node, f)?;
            }
            Some(())
        }
        Value::Array(a) => {
            for n in a {
                map_numbers(n, f)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// The node at `path` (dot-separated), when the tree has it.
pub fn node_at<'a>(root: &'a Node, path: &str) -> Option<&'a Node> {
    let mut node = root;
    for part in path.split('.') {
        let Value::Table(t) = &node.value else {
            return None;
        };
        node = t.get(part)?;
    }
    Some(node)
}

/// The number at `path`, when it is a single number.
pub fn number_at(root: &Node, path: &str) -> Option<f64> {
    match node_at(root, path)?.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

/// A placeholder location for values made by a lever (they were written by no file).
pub fn lever_loc() -> Loc {
    Loc {
        file: 0,
        start: 0,
        end: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{parse_text, Sources};
    use std::path::Path;

    fn tree(text: &str) -> Node {
        parse_text(Path::new("t.toml"), text, &mut Sources::default()).unwrap()
    }

    #[test]
    fn diff_lists_changed_added_and_removed_keys() {
        let a = tree("[c]\nrate = 0.2\nk = 1\n[x]\ny = {2005 = 1}\n");
        let b = tree("[c]\nrate = 0.25\nk = 1\nnew = 3\n[x]\ny = {2005 = 1}\n");
        let d = diff(&a, &b);
        assert_eq!(
            d,
            vec![
                Difference {
                    key: "c.rate".into(),
                    a: Some("0.2".into()),
                    b: Some("0.25".into())
                },
                Difference {
                    key: "c.new".into(),
                    a: None,
                    b: Some("3".into())
                },
            ]
        );
    }

    #[test]
    fn levers_set_scale_and_shift() {
        let mut t = tree("[c]\nrate = {2005 = 0.2, 2010 = 0.3}\n");
        apply(&mut t, "c.rate", Change::Scale(2.0)).unwrap();
        assert_eq!(leaves(&t)[0].1, "{ 2005 = 0.4, 2010 = 0.6 }");
        apply(&mut t, "c.rate", Change::Shift(-0.1)).unwrap();
        assert_eq!(
            leaves(&t)[0].1,
            "{ 2005 = 0.30000000000000004, 2010 = 0.5 }"
        );
        apply(&mut t, "c.rate", Change::Set(0.25)).unwrap();
        assert_eq!(number_at(&t, "c.rate"), Some(0.25));
        apply(&mut t, "d.e", Change::Set(1.0)).unwrap();
        assert_eq!(number_at(&t, "d.e"), Some(1.0));
        assert!(apply(&mut t, "z", Change::Scale(2.0)).is_err());
        assert_eq!(Change::parse("x1.1"), Ok(Change::Scale(1.1)));
        assert_eq!(Change::parse("d-0.01"), Ok(Change::Shift(-0.01)));
        assert_eq!(Change::parse("62"), Ok(Change::Set(62.0)));
        assert!(matches!(
            Change::parse("xnan"),
            Err(VariantError::NotFinite { .. })
        ));
        assert!(matches!(
            Change::parse("inf"),
            Err(VariantError::NotFinite { .. })
        ));
    }
}
