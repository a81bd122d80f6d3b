//! Errors of the library: bad scenarios (with their locations) and I/O.

use std::fmt;
use std::path::PathBuf;

/// One problem in a scenario: where it was written and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line of the offending value (0 when no line applies, e.g. a CSV file).
    pub line: usize,
    pub column: usize,
    /// Key path such as `retirement.age.male`, empty for a syntax error.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a scenario could not be turned into a model.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render(diags: &[Diagnostic]) -> String {
    let mut out = format!(
        "invalid scenario ({} problem{}):",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    );
    for d in diags {
        out.push_str("\n  ");
        out.push_str(&d.to_string());
    }
    out
}

impl ScenarioError {
    /// The diagnostics of an invalid scenario (empty for an I/O error).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Invalid(d) => d,
            ScenarioError::Io { .. } => &[],
        }
    }
}
