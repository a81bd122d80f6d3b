//! Why a call failed, in Rust, and the Python exception each class becomes (the classes
//! live in `fundcast/errors.py`): `ScenarioError` with the library's diagnostics (file,
//! line, column, key, message), `NoSolution` for a target met nowhere in the range,
//! `PartError` for part files that cannot be merged, `InputError` for any other bad
//! argument. Messages are the command line's, without its `error: `.

use fundcast::compare::CompareError;
use fundcast::export::ExportError;
use fundcast::measure::MeasureError;
use fundcast::policy::PolicyError;
use fundcast::shard::ShardError;
use fundcast::variants::VariantError;
use fundcast::{Diagnostic, ScenarioError};
use pyo3::prelude::*;
use pyo3::types::PyList;

/// A failure, before it becomes a Python exception (made once the GIL is held again).
#[derive(Debug)]
pub enum Fail {
    /// A scenario that cannot be read or is invalid: its problems.
    Scenario {
        message: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// The target holds at neither end of the range.
    NoSolution { message: String, error: PolicyError },
    /// Part files that cannot be merged.
    Part(String),
    /// Any other bad input (an argument, a measure, a lever, numbers that overflow).
    Input(String),
}

/// A `Result` of the bindings.
pub type Fallible<T> = Result<T, Fail>;

impl Fail {
    pub fn input(message: impl Into<String>) -> Fail {
        Fail::Input(message.into())
    }

    /// `self` with `context: ` before its message.
    pub fn context(self, context: &str) -> Fail {
        match self {
            Fail::Scenario {
                message,
                diagnostics,
            } => Fail::Scenario {
                message: format!("{context}: {message}"),
                diagnostics,
            },
            Fail::NoSolution { message, error } => Fail::NoSolution {
                message: format!("{context}: {message}"),
                error,
            },
            Fail::Part(m) => Fail::Part(format!("{context}: {m}")),
            Fail::Input(m) => Fail::Input(format!("{context}: {m}")),
        }
    }

    /// The Python exception.
    pub fn into_py(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(e) | Err(e) => e,
        }
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let m = py.import("fundcast.errors")?;
        let err = match self {
            Fail::Scenario {
                message,
                diagnostics,
            } => {
                let class = m.getattr("Diagnostic")?;
                let list = PyList::empty(py);
                for d in &diagnostics {
                    list.append(class.call1((
                        d.file.display().to_string(),
                        d.line,
                        d.column,
                        d.key.as_str(),
                        d.message.as_str(),
                    ))?)?;
                }
                m.getattr("ScenarioError")?.call1((message, list))?
            }
            Fail::NoSolution { message, error } => {
                let PolicyError::Unmet {
                    key,
                    lo,
                    hi,
                    measure,
                    at_lo,
                    at_hi,
                } = error
                else {
                    unreachable!("NoSolution holds PolicyError::Unmet")
                };
                m.getattr("NoSolution")?
                    .call1((message, key, (lo, hi), measure, (at_lo, at_hi)))?
            }
            Fail::Part(message) => m.getattr("PartError")?.call1((message,))?,
            Fail::Input(message) => m.getattr("InputError")?.call1((message,))?,
        };
        Ok(PyErr::from_value(err))
    }
}

impl From<ScenarioError> for Fail {
    fn from(e: ScenarioError) -> Fail {
        let mut diagnostics = e.diagnostics().to_vec();
        if diagnostics.is_empty() {
            // A file that cannot be read: one diagnostic naming it, at no line.
            let file = match &e {
                ScenarioError::Io { path, .. } | ScenarioError::Unreadable { path, .. } => {
                    path.clone()
                }
                ScenarioError::Invalid(_) => Default::default(),
            };
            diagnostics.push(Diagnostic {
                file,
                line: 0,
                column: 0,
                key: String::new(),
                message: e.to_string(),
            });
        }
        Fail::Scenario {
            message: e.to_string(),
            diagnostics,
        }
    }
}

impl From<PolicyError> for Fail {
    fn from(e: PolicyError) -> Fail {
        let message = e.to_string();
        match e {
            PolicyError::InvalidBase { problems }
            | PolicyError::InvalidVariant { problems, .. }
            | PolicyError::RangeEnd { problems, .. } => Fail::Scenario {
                message,
                diagnostics: problems,
            },
            e @ PolicyError::Unmet { .. } => Fail::NoSolution { message, error: e },
            _ => Fail::Input(message),
        }
    }
}

impl From<ShardError> for Fail {
    fn from(e: ShardError) -> Fail {
        Fail::Part(e.to_string())
    }
}

macro_rules! input_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for Fail {
            fn from(e: $t) -> Fail {
                Fail::Input(e.to_string())
            }
        }
    )*};
}

input_errors!(MeasureError, VariantError, CompareError, ExportError);
