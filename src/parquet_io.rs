//! Parquet files, with the `parquet` crate's low-level writer (no Arrow, no compression
//! codec: the leanest build; see docs/outputs.md for its cost).
//!
//! Two writers: [`write_table`], a whole table at once (a CSV file's columns, for
//! `--format parquet`), and [`PathsWriter`], the rows of `--save-paths` block by block
//! in row groups of about [`crate::paths_out::ROW_GROUP`] rows. Files carry a fixed
//! `created_by` (`fundcast VERSION`), so the same values give the same bytes.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::formats::{column_type, ColumnType};

fn io(e: ParquetError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn properties() -> Arc<WriterProperties> {
    Arc::new(
        WriterProperties::builder()
            .set_created_by(format!("fundcast {}", crate::VERSION))
            .build(),
    )
}

/// The schema of `columns` (name and type), each `repetition`.
fn schema(columns: &[(&str, ColumnType)], repetition: Repetition) -> Result<Arc<Type>, String> {
    let fields = columns
        .iter()
        .map(|(name, ty)| {
            let b = match ty {
                ColumnType::Int => Type::primitive_type_builder(name, Physical::INT64),
                ColumnType::Double => Type::primitive_type_builder(name, Physical::DOUBLE),
                ColumnType::Text => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
            };
            b.with_repetition(repetition)
                .build()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Type::group_type_builder("fundcast")
        .with_fields(fields)
        .build()
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// One column of a [`Table`], nulls where the CSV field is empty.
enum Column {
    Int(Vec<Option<i64>>),
    Double(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

/// A whole table (a CSV file's columns), every column optional.
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
}

impl Table {
    /// An empty table of these columns.
    pub fn new(names: &[String]) -> Table {
        Table {
            names: names.to_vec(),
            columns: names
                .iter()
                .map(|n| match column_type(n) {
                    ColumnType::Int => Column::Int(Vec::new()),
                    ColumnType::Double => Column::Double(Vec::new()),
                    ColumnType::Text => Column::Text(Vec::new()),
                })
                .collect(),
        }
    }

    /// Column `c`'s cells from their CSV text (empty: null).
    pub fn push_column(&mut self, c: usize, cells: &[String]) -> Result<(), String> {
        let name = &self.names[c];
        let bad = |s: &str| format!("column `{name}`: `{s}` is not a number");
        match &mut self.columns[c] {
            Column::Int(v) => {
                for s in cells {
                    v.push(if s.is_empty() {
                        None
                    } else {
                        Some(s.parse().map_err(|_| bad(s))?)
                    });
                }
            }
            Column::Double(v) => {
                for s in cells {
                    v.push(if s.is_empty() {
                        None
                    } else {
                        Some(s.parse().map_err(|_| bad(s))?)
                    });
                }
            }
            Column::Text(v) => {
                v.extend(cells.iter().map(|s| (!s.is_empty()).then(|| s.clone())));
            }
        }
        Ok(())
    }
}

/// The present values of `cells` and the definition levels (1 present, 0 null).
fn levels<T: Clone>(cells: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    let values = cells.iter().flatten().cloned().collect();
    let defs = cells.iter().map(|c| i16::from(c.is_some())).collect();
    (values, defs)
}

/// Writes `table` as one Parquet file of one row group.
pub fn write_table<W: Write + Send>(out: W, table: &Table) -> Result<(), String> {
    let cols: Vec<(&str, ColumnType)> = table
        .names
        .iter()
        .map(|n| (n.as_str(), column_type(n)))
        .collect();
    let schema = schema(&cols, Repetition::OPTIONAL)?;
    let e = |e: ParquetError| e.to_string();
    let mut w = SerializedFileWriter::new(out, schema, properties()).map_err(e)?;
    let mut rg = w.next_row_group().map_err(e)?;
    let mut c = 0;
    while let Some(mut col) = rg.next_column().map_err(e)? {
        match &table.columns[c] {
            Column::Int(cells) => {
                let (v, d) = levels(cells);
                col.typed::<Int64Type>()
                    .write_batch(&v, Some(&d), None)
                    .map_err(e)?;
            }
            Column::Double(cells) => {
                let (v, d) = levels(cells);
                col.typed::<DoubleType>()
                    .write_batch(&v, Some(&d), None)
                    .map_err(e)?;
            }
            Column::Text(cells) => {
                let (v, d) = levels(cells);
                let v: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&d), None)
                    .map_err(e)?;
            }
        }
        col.close().map_err(e)?;
        c += 1;
    }
    rg.close().map_err(e)?;
    w.close().map_err(e)?;
    Ok(())
}

/// The file of `--save-paths` as Parquet: `path`, `year` (`INT64`), then a `DOUBLE` per
/// metric, every column required; rows buffered column by column up to a row group.
pub struct PathsWriter {
    w: SerializedFileWriter<std::io::BufWriter<std::fs::File>>,
    path: Vec<i64>,
    year: Vec<i64>,
    metrics: Vec<Vec<f64>>,
}

impl PathsWriter {
    /// A writer of the columns `header` (`path`, `year`, then the metrics) into `file`.
    pub fn new(file: std::fs::File, header: &[&str]) -> std::io::Result<PathsWriter> {
        let cols: Vec<(&str, ColumnType)> = header.iter().map(|n| (*n, column_type(n))).collect();
        let schema = schema(&cols, Repetition::REQUIRED).map_err(std::io::Error::other)?;
        let w = SerializedFileWriter::new(
            std::io::BufWriter::with_capacity(1 << 20, file),
            schema,
            properties(),
        )
        .map_err(io)?;
        Ok(PathsWriter {
            w,
            path: Vec::new(),
            year: Vec::new(),
            metrics: vec![Vec::new(); header.len() - 2],
        })
    }

    /// Adds a block's rows (paths `first..`, `series` values per path, of which the
    /// first `years × metrics` are the yearly metrics); writes a row group when enough
    /// rows are buffered.
    pub fn push_block(
        &mut self,
        first: i64,
        base_year: i32,
        years: usize,
        metrics: usize,
        series: usize,
        values: &[f64],
    ) -> std::io::Result<()> {
        for (j, path) in values.chunks_exact(series).enumerate() {
            for (t, row) in path[..years * metrics].chunks_exact(metrics).enumerate() {
                self.path.push(first + j as i64);
                self.year.push(i64::from(base_year) + t as i64);
                for (m, x) in row.iter().enumerate() {
                    // As the CSV: either zero is 0.
                    self.metrics[m].push(if *x == 0.0 { 0.0 } else { *x });
                }
            }
        }
        if self.path.len() >= crate::paths_out::ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as a row group.
    fn flush(&mut self) -> std::io::Result<()> {
        if self.path.is_empty() {
            return Ok(());
        }
        let mut rg = self.w.next_row_group().map_err(io)?;
        let mut c = 0;
        while let Some(mut col) = rg.next_column().map_err(io)? {
            match c {
                0 => col.typed::<Int64Type>().write_batch(&self.path, None, None),
                1 => col.typed::<Int64Type>().write_batch(&self.year, None, None),
                m => col
                    .typed::<DoubleType>()
                    .write_batch(&self.metrics[m - 2], None, None),
            }
            .map_err(io)?;
            col.close().map_err(io)?;
            c += 1;
        }
        rg.close().map_err(io)?;
        self.path.clear();
        self.year.clear();
        for m in &mut self.metrics {
            m.clear();
        }
        Ok(())
    }

    /// Writes the last row group and the footer.
    pub fn close(mut self) -> std::io::Result<()> {
        self.flush()?;
        let mut inner = self.w.into_inner().map_err(io)?;
        inner.flush()?;
        inner.get_ref().sync_all()
    }
}
