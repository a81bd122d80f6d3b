//! Output formats besides CSV: the tables as Parquet (`--format parquet`, behind the
//! cargo feature `parquet`) and the files of a run gathered for writing.
//!
//! Takes the CSV texts that `export` makes (so a Parquet table holds exactly the CSV
//! file's values: the CSV numbers are the shortest text that reads back as the same
//! `f64`) and the workbook's bytes; gives the files to write. No file I/O here.
//!
//! A Parquet table has the CSV file's columns in its order: `year` and `path` as
//! `INT64`, the text columns ([`TEXT_COLUMNS`]) as UTF-8 strings, every other column as
//! `DOUBLE`; every column is optional, an empty CSV field being a null.

use std::path::PathBuf;
use std::str::FromStr;

/// A format of the tables (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim() {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            _ => Err("expected csv or parquet (or csv,parquet)".into()),
        }
    }
}

/// Whether this build writes Parquet (the cargo feature `parquet`).
pub const PARQUET: bool = cfg!(feature = "parquet");

/// Why outputs cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Parquet asked of a build without the `parquet` feature.
    #[error("{flag} `{value}`: this fundcast was built without Parquet; build it with `cargo build --release --features parquet`")]
    ParquetOff { flag: &'static str, value: String },
    /// A `--save-paths` file that is neither `.csv` nor `.parquet`.
    #[error("--save-paths `{}`: expected a file name ending in .csv or .parquet", path.display())]
    Extension { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The workbook or a Parquet table could not be encoded.
    #[error("cannot make {what}: {message}")]
    Encode { what: String, message: String },
}

impl OutputError {
    /// Whether the error is the user's (exit status 2) rather than a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            OutputError::ParquetOff { .. } | OutputError::Extension { .. }
        )
    }
}

/// Checks that this build writes every format asked for (exit status 2 before any work
/// when not).
pub fn check(formats: &[Format]) -> Result<(), OutputError> {
    if formats.contains(&Format::Parquet) && !PARQUET {
        return Err(OutputError::ParquetOff {
            flag: "--format",
            value: "parquet".into(),
        });
    }
    Ok(())
}

/// The files to write: the text files and the binary ones.
#[derive(Debug, Default)]
pub struct Files<'a> {
    /// The CSV files (when `csv` is among the formats) and the other text files
    /// (`run.json`), in the order given.
    pub csv: Vec<(&'a str, String)>,
    /// Each CSV file as Parquet (when `parquet` is among the formats), then the
    /// workbook.
    pub binary: Vec<(String, Vec<u8>)>,
}

/// `files` in the formats asked for, then the workbook (`book`) as `results.xlsx`.
pub fn extra_files<'a>(
    files: &[(&'a str, String)],
    formats: &[Format],
    book: Option<Result<Vec<u8>, rust_xlsxwriter::XlsxError>>,
) -> Result<Files<'a>, OutputError> {
    check(formats)?;
    let mut out = Files::default();
    for (name, text) in files {
        match name.strip_suffix(".csv") {
            Some(stem) => {
                if formats.contains(&Format::Csv) {
                    out.csv.push((name, text.clone()));
                }
                if formats.contains(&Format::Parquet) {
                    let bytes = csv_to_parquet(text).map_err(|message| OutputError::Encode {
                        what: format!("{stem}.parquet"),
                        message,
                    })?;
                    out.binary.push((format!("{stem}.parquet"), bytes));
                }
            }
            None => out.csv.push((name, text.clone())),
        }
    }
    if let Some(book) = book {
        let bytes = book.map_err(|e| OutputError::Encode {
            what: crate::workbook::FILE_NAME.into(),
            message: e.to_string(),
        })?;
        out.binary
            .push((crate::workbook::FILE_NAME.to_string(), bytes));
    }
    Ok(out)
}

/// Columns of text in the CSV files (every other column but `year` and `path` is a
/// number).
pub const TEXT_COLUMNS: [&str; 8] = [
    "scenario", "measure", "metric", "stat", "key", "low", "high", "note",
];

/// The type of a column of a table, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Double,
    Text,
}

/// The type of the column `name`.
pub fn column_type(name: &str) -> ColumnType {
    if name == "year" || name == "path" {
        ColumnType::Int
    } else if TEXT_COLUMNS.contains(&name) {
        ColumnType::Text
    } else {
        ColumnType::Double
    }
}

/// A CSV text (a header, then rows) as a Parquet file.
#[cfg(feature = "parquet")]
pub fn csv_to_parquet(text: &str) -> Result<Vec<u8>, String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        for (c, field) in rec.iter().enumerate() {
            columns[c].push(field.to_string());
        }
    }
    let mut table = crate::parquet_io::Table::new(&header);
    for (c, cells) in columns.iter().enumerate() {
        table.push_column(c, cells)?;
    }
    let mut out = Vec::new();
    crate::parquet_io::write_table(&mut out, &table).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Without the `parquet` feature: never called ([`check`] stops first).
#[cfg(not(feature = "parquet"))]
pub fn csv_to_parquet(_text: &str) -> Result<Vec<u8>, String> {
    Err("this fundcast was built without Parquet".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
        assert_eq!("parquet".parse::<Format>(), Ok(Format::Parquet));
        assert!("xls".parse::<Format>().is_err());
    }

    #[test]
    fn csv_only_keeps_every_file_as_it_is() {
        let files = [("a.csv", "x\n1\n".to_string()), ("run.json", "{}\n".into())];
        let out = extra_files(&files, &[Format::Csv], None).unwrap();
        assert_eq!(out.csv, files.to_vec());
        assert!(out.binary.is_empty());
    }

    #[test]
    fn column_types_are_by_name() {
        assert_eq!(column_type("year"), ColumnType::Int);
        assert_eq!(column_type("measure"), ColumnType::Text);
        assert_eq!(column_type("fund_end"), ColumnType::Double);
    }
}
