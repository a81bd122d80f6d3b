//! Scenarios from Python: a path, a TOML string or a dict, with overrides by key path.
//!
//! The Python objects are read while the GIL is held ([`Source::extract`],
//! [`overrides`]); loading, merging `extends`, applying the overrides and validating
//! ([`Source::load`]) is plain Rust, run with the GIL released.

use std::path::{Path, PathBuf};

use fundcast::document::{Node, Sources};
use fundcast::variants::Change;
use fundcast::Model;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use sha2::{Digest, Sha256};

use crate::errors::{Fail, Fallible};

/// Where a scenario comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file: `extends` resolves against its folder.
    Path(PathBuf),
    /// TOML text (from a string, or written from a dict), cited in diagnostics as `name`
    /// (`<string>`, `<dict>`); `extends` resolves against the current folder.
    Text { name: PathBuf, text: String },
}

/// A scenario loaded and validated, with what a run records of it.
pub struct Loaded {
    pub node: Node,
    pub sources: Sources,
    pub model: Model,
    /// The scenario as `run.json` and part files name it: the path as given, or
    /// `<string>` / `<dict>`.
    pub label: String,
    /// Its name in a comparison: the file's stem (as the command line), else the
    /// scenario's name.
    pub stem: String,
    /// Every file read with its SHA-256 (as the command line records them), then
    /// `<overrides>` with the SHA-256 of the overrides when there are any.
    pub inputs: Vec<(String, String)>,
}

impl Source {
    /// `scenario` as given from Python: an `os.PathLike` is a file; a `str` with a
    /// newline or an `=` in it is TOML text, another `str` a file name; a `dict` is the
    /// scenario's tables.
    pub fn extract(scenario: &Bound<'_, PyAny>) -> PyResult<Source> {
        if let Ok(d) = scenario.cast::<PyDict>() {
            let table = to_table(d, "")?;
            let text = toml::to_string(&table).map_err(|e| {
                PyTypeError::new_err(format!("the scenario dict cannot be written as TOML: {e}"))
            })?;
            return Ok(Source::Text {
                name: PathBuf::from("<dict>"),
                text,
            });
        }
        if let Ok(s) = scenario.cast::<PyString>() {
            let s: String = s.extract()?;
            let s = s.as_str();
            if s.contains('\n') || s.contains('=') {
                return Ok(Source::Text {
                    name: PathBuf::from("<string>"),
                    text: s.to_string(),
                });
            }
            return Ok(Source::Path(PathBuf::from(s)));
        }
        let os = scenario.py().import("os")?;
        match os.call_method1("fspath", (scenario,)) {
            Ok(p) => Ok(Source::Path(PathBuf::from(p.extract::<String>()?))),
            Err(_) => Err(PyTypeError::new_err(format!(
                "scenario: expected a path, a TOML string or a dict, not {}",
                scenario.get_type().name()?
            ))),
        }
    }

    /// Reads, merges, applies `overrides` in order and validates.
    pub fn load(&self, overrides: &[(String, Change)]) -> Fallible<Loaded> {
        let (mut node, sources, label, stem) = match self {
            Source::Path(p) => {
                let (node, sources) = fundcast::document::load(p)?;
                (node, sources, p.display().to_string(), stem(p))
            }
            Source::Text { name, text } => {
                let (node, sources) = fundcast::document::load_text(name, text)?;
                (node, sources, name.display().to_string(), String::new())
            }
        };
        for (key, change) in overrides {
            fundcast::variants::apply(&mut node, key, *change)
                .map_err(|e| Fail::input(format!("overrides: `{key}`: {e}")))?;
        }
        let model = fundcast::scenario::build(&node, &sources)?;
        let mut inputs: Vec<(String, String)> = sources
            .files
            .iter()
            .map(|f| (f.path.display().to_string(), sha256_hex(f.text.as_bytes())))
            .collect();
        if !overrides.is_empty() {
            inputs.push((
                "<overrides>".into(),
                sha256_hex(overrides_text(overrides).as_bytes()),
            ));
        }
        let stem = if stem.is_empty() {
            model.name.clone()
        } else {
            stem
        };
        Ok(Loaded {
            node,
            sources,
            model,
            label,
            stem,
            inputs,
        })
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The overrides as `KEY=CHANGE` lines, as the command line writes changes.
fn overrides_text(overrides: &[(String, Change)]) -> String {
    overrides
        .iter()
        .map(|(k, c)| format!("{k}={}\n", fundcast::export::change_text(*c)))
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A change as given from Python: a number sets the key; a string is read as on the
/// command line (`0.3`, `x1.1` scales, `d+0.01` / `d-0.01` shifts).
pub fn change(key: &str, value: &Bound<'_, PyAny>) -> PyResult<Change> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "`{key}`: a change is a number or a string such as \"x1.1\" or \"d+0.01\", not a bool"
        )));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Change::parse(&s.extract::<String>()?)
            .map_err(|e| crate::errors::Fail::input(format!("`{key}`: {e}")).into_py(value.py()));
    }
    let x: f64 = value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{key}`: a change is a number or a string such as \"x1.1\" or \"d+0.01\""
        ))
    })?;
    if !x.is_finite() {
        return Err(
            Fail::input(format!("`{key}`: `{x}` is not a finite number")).into_py(value.py()),
        );
    }
    Ok(Change::Set(x))
}

/// `overrides` as given from Python: a dict `{key path: change}`, applied in its order.
pub fn overrides(overrides: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, Change)>> {
    let Some(d) = overrides else {
        return Ok(Vec::new());
    };
    d.iter()
        .map(|(k, v)| {
            let key: String = k.extract().map_err(|_| {
                PyTypeError::new_err("overrides: keys are key paths such as \"contributions.rate\"")
            })?;
            Ok((key.clone(), change(&key, &v)?))
        })
        .collect()
}

/// A dict as a TOML table (`path`: where it is, for messages).
fn to_table(d: &Bound<'_, PyDict>, path: &str) -> PyResult<toml::Table> {
    let mut t = toml::Table::new();
    for (k, v) in d.iter() {
        let key: String = k.extract().map_err(|_| {
            PyTypeError::new_err(format!("scenario dict{path}: keys must be strings"))
        })?;
        let here = format!("{path}.{key}");
        t.insert(key, to_value(&v, &here)?);
    }
    Ok(t)
}

fn to_value(v: &Bound<'_, PyAny>, path: &str) -> PyResult<toml::Value> {
    let where_ = path.trim_start_matches('.');
    if v.is_instance_of::<PyBool>() {
        Ok(toml::Value::Boolean(v.extract()?))
    } else if v.is_instance_of::<PyInt>() {
        Ok(toml::Value::Integer(v.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "scenario dict: `{where_}`: an integer beyond 64 bits"
            ))
        })?))
    } else if v.is_instance_of::<PyFloat>() {
        Ok(toml::Value::Float(v.extract()?))
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(toml::Value::String(s.extract::<String>()?))
    } else if let Ok(d) = v.cast::<PyDict>() {
        Ok(toml::Value::Table(to_table(d, path)?))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, x) in v.try_iter()?.enumerate() {
            out.push(to_value(&x?, &format!("{path}[{i}]"))?);
        }
        Ok(toml::Value::Array(out))
    } else {
        Err(PyTypeError::new_err(format!(
            "scenario dict: `{where_}`: expected a number, a string, a bool, a list or a dict, not {}",
            v.get_type().name()?
        )))
    }
}
