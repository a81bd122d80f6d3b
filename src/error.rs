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
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

/// The most bytes a scenario file, or a CSV file it names, may have (16 MiB: the shipped
/// scenarios are a few kilobytes, a life table a few more).
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Why an input file (a scenario or a CSV table) cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("not a regular file but {kind} (an input must be a file)")]
    NotAFile { kind: &'static str },
    #[error("it has {size} bytes or more, over the limit of {limit} bytes (16 MiB)")]
    TooLarge { size: u64, limit: u64 },
}

/// Reads an input file: a regular file (not a device, a FIFO or a folder, which could
/// block or never end) of at most [`MAX_INPUT_BYTES`].
pub fn read_input(path: &std::path::Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let kind = if ft.is_dir() {
            "a folder"
        } else {
            special_kind(&ft)
        };
        return Err(ReadError::NotAFile { kind });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let mut bytes = Vec::new();
    // The file may grow while it is read: never read past the limit.
    std::fs::File::open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Problems as the lines of one message.
pub fn render(diags: &[Diagnostic]) -> String {
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
            ScenarioError::Io { .. } | ScenarioError::Unreadable { .. } => &[],
        }
    }
}
