//! `--save-paths FILE`: every path's yearly metrics, in long format, streamed to a file
//! as the Monte Carlo run goes.
//!
//! Takes each block of paths from the Monte Carlo workers ([`BlockSink`]) and writes
//! its rows, `path, year,` then one column per yearly metric of the model (the
//! registry's [`METRICS`], as many as [`metrics_of`] gives: the columns of
//! `deterministic.csv`), in path order: a block that comes before the blocks ahead of it
//! waits (at most the Monte Carlo's `AHEAD` blocks do), so the file is the same bytes
//! whatever the number of threads, and memory stays that of a few blocks whatever the
//! number of paths. Nothing of the run is held beyond that.
//!
//! CSV (`.csv`): numbers as in `deterministic.csv`, the shortest text that reads back as
//! the same `f64`; each block's text is made by the worker that projected it, in
//! parallel, and written in order. Parquet (`.parquet`, with the cargo feature
//! `parquet`): `path` and `year` as `INT64`, each metric as `DOUBLE`, in row groups of
//! about [`ROW_GROUP`] rows.
//!
//! The file is written under a temporary name beside it and renamed once complete (after
//! the other outputs), so it is never half-written; a failed or interrupted run removes
//! it.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::formats::OutputError;
use crate::metrics::{metrics_of, METRICS};
use crate::model::Model;
use crate::montecarlo::{series, BlockSink, BLOCK};

/// Rows of a Parquet row group (about; a group holds whole blocks).
pub const ROW_GROUP: usize = 1 << 16;

/// The temporary file being written, removed by [`remove_temporary`] on Ctrl-C.
static TEMPORARY: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes the file of paths being written, if any (Ctrl-C: nothing is left behind).
pub fn remove_temporary() {
    if let Ok(mut t) = TEMPORARY.lock() {
        if let Some(p) = t.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The format of a file of paths, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathsFormat {
    Csv,
    Parquet,
}

impl PathsFormat {
    /// `.csv` or `.parquet` (the latter only with the `parquet` feature).
    pub fn of(path: &Path) -> Result<PathsFormat, OutputError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Ok(PathsFormat::Csv),
            Some("parquet") if crate::formats::PARQUET => Ok(PathsFormat::Parquet),
            Some("parquet") => Err(OutputError::ParquetOff {
                flag: "--save-paths",
                value: path.display().to_string(),
            }),
            _ => Err(OutputError::Extension {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// The columns of a file of paths: `path`, `year`, then the model's yearly metrics.
pub fn header(model: &Model) -> Vec<&'static str> {
    let mut h = vec!["path", "year"];
    h.extend(&METRICS[..metrics_of(model)]);
    h
}

enum Encoder {
    Csv(BufWriter<std::fs::File>),
    #[cfg(feature = "parquet")]
    Parquet(Box<crate::parquet_io::PathsWriter>),
}

/// A block waiting for the blocks before it.
enum Pending {
    Text(Vec<u8>),
    #[cfg(feature = "parquet")]
    Values(Vec<f64>),
}

struct Ordered {
    /// The next block to write.
    next: usize,
    pending: BTreeMap<usize, Pending>,
    encoder: Option<Encoder>,
    /// The first write error (later blocks are then dropped).
    error: Option<std::io::Error>,
    /// Text buffers written out, for the next blocks.
    spare: Vec<Vec<u8>>,
}

/// A file of paths being written: a [`BlockSink`] for [`crate::montecarlo::run_with`].
pub struct PathsFile {
    path: PathBuf,
    tmp: PathBuf,
    format: PathsFormat,
    base_year: i32,
    years: usize,
    metrics: usize,
    series: usize,
    ordered: Mutex<Ordered>,
    committed: bool,
}

impl PathsFile {
    /// Creates the temporary file and writes the header (CSV) or the schema (Parquet).
    pub fn create(path: &Path, model: &Model) -> Result<PathsFile, OutputError> {
        PathsFile::create_from(path, model, 0)
    }

    /// [`Self::create`] for a run whose first block is `first_block` (a shard of a run,
    /// [`crate::shard`]): its blocks are written in order from that one.
    pub fn create_from(
        path: &Path,
        model: &Model,
        first_block: usize,
    ) -> Result<PathsFile, OutputError> {
        let format = PathsFormat::of(path)?;
        let io = |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("paths");
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(io)?;
        if let Ok(mut t) = TEMPORARY.lock() {
            *t = Some(tmp.clone());
        }
        let header = header(model);
        let encoder = match format {
            PathsFormat::Csv => {
                let mut w = BufWriter::with_capacity(1 << 20, file);
                let line = header.join(",") + "\n";
                w.write_all(line.as_bytes()).map_err(io)?;
                Encoder::Csv(w)
            }
            #[cfg(feature = "parquet")]
            PathsFormat::Parquet => Encoder::Parquet(Box::new(
                crate::parquet_io::PathsWriter::new(file, &header).map_err(io)?,
            )),
            #[cfg(not(feature = "parquet"))]
            PathsFormat::Parquet => unreachable!("PathsFormat::of refuses Parquet"),
        };
        Ok(PathsFile {
            path: path.to_path_buf(),
            tmp,
            format,
            base_year: model.frame.base_year,
            years: model.frame.years(),
            metrics: metrics_of(model),
            series: series(model),
            ordered: Mutex::new(Ordered {
                next: first_block,
                pending: BTreeMap::new(),
                encoder: Some(encoder),
                error: None,
                spare: Vec::new(),
            }),
            committed: false,
        })
    }

    /// Whether it writes CSV (else Parquet).
    pub fn is_csv(&self) -> bool {
        matches!(self.format, PathsFormat::Csv)
    }

    /// The file it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A block's rows as CSV text, appended to `out`.
    fn block_text(&self, b: usize, values: &[f64], out: &mut Vec<u8>) {
        for (j, path) in values.chunks_exact(self.series).enumerate() {
            let p = b * BLOCK + j;
            for (t, row) in path[..self.years * self.metrics]
                .chunks_exact(self.metrics)
                .enumerate()
            {
                let _ = write!(out, "{p},{}", self.base_year + t as i32);
                for &x in row {
                    // As `export::num`: `0` for either zero, else the shortest text.
                    if x == 0.0 {
                        out.extend_from_slice(b",0");
                    } else {
                        let _ = write!(out, ",{x}");
                    }
                }
                out.push(b'\n');
            }
        }
    }

    /// Writes the block, which is the next in order.
    #[cfg_attr(not(feature = "parquet"), allow(unused_variables))]
    fn write(&self, o: &mut Ordered, b: usize, block: Pending) {
        if o.error.is_some() {
            return;
        }
        let result = match (o.encoder.as_mut().expect("open until finished"), block) {
            (Encoder::Csv(w), Pending::Text(text)) => {
                let r = w.write_all(&text);
                let mut text = text;
                text.clear();
                o.spare.push(text);
                r
            }
            #[cfg(feature = "parquet")]
            (Encoder::Parquet(w), Pending::Values(values)) => w.push_block(
                (b * BLOCK) as i64,
                self.base_year,
                self.years,
                self.metrics,
                self.series,
                &values,
            ),
            #[cfg(feature = "parquet")]
            _ => unreachable!("a block of the file's format"),
        };
        if let Err(e) = result {
            o.error = Some(e);
        }
    }

    /// Flushes and closes the file (after the run): the first write error, if any.
    pub fn finish(mut self) -> Result<PathsFile, OutputError> {
        let o = self.ordered.get_mut().unwrap_or_else(|e| e.into_inner());
        let path = self.path.clone();
        let io = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        if let Some(e) = o.error.take() {
            return Err(io(e));
        }
        debug_assert!(o.pending.is_empty(), "every block was written");
        match o.encoder.take() {
            Some(Encoder::Csv(mut w)) => {
                w.flush().map_err(io)?;
                w.get_ref().sync_all().map_err(io)?;
            }
            #[cfg(feature = "parquet")]
            Some(Encoder::Parquet(w)) => w.close().map_err(io)?,
            None => {}
        }
        Ok(self)
    }

    /// Renames the finished file into place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        std::fs::rename(&self.tmp, &self.path).map_err(|source| OutputError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.committed = true;
        if let Ok(mut t) = TEMPORARY.lock() {
            *t = None;
        }
        Ok(())
    }
}

impl Drop for PathsFile {
    /// Not committed (a failed run): the temporary file is removed.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
            if let Ok(mut t) = TEMPORARY.lock() {
                *t = None;
            }
        }
    }
}

impl BlockSink for PathsFile {
    fn block(&self, b: usize, values: &[f64]) {
        // The text is made here, by the worker, outside the lock.
        let pending = match self.format {
            PathsFormat::Csv => {
                let spare = self
                    .ordered
                    .lock()
                    .ok()
                    .and_then(|mut o| o.spare.pop())
                    .unwrap_or_default();
                let mut text = spare;
                self.block_text(b, values, &mut text);
                Pending::Text(text)
            }
            #[cfg(feature = "parquet")]
            PathsFormat::Parquet => Pending::Values(values.to_vec()),
            #[cfg(not(feature = "parquet"))]
            PathsFormat::Parquet => unreachable!("PathsFormat::of refuses Parquet"),
        };
        let mut guard = self.ordered.lock().unwrap_or_else(|e| e.into_inner());
        let o = &mut *guard;
        if b != o.next {
            o.pending.insert(b, pending);
            return;
        }
        self.write(o, b, pending);
        o.next += 1;
        while let Some(later) = o.pending.remove(&o.next) {
            let n = o.next;
            self.write(o, n, later);
            o.next += 1;
        }
    }
}

/// Writes `out` (CSV or Parquet by its name, as `--save-paths`) from files of paths in
/// CSV (a header line each, then `path,year,metrics…` in path order, the files one after
/// the other: the shards' files of a run, [`crate::shard::paths_files`]): the file a
/// single run's `--save-paths out` writes, byte for byte. The values read back exactly:
/// the CSV holds each value's shortest round-trip text and either zero as `0`, as the
/// Parquet file does. One block of paths is held at a time.
pub fn join_csv(files: &[PathBuf], model: &Model, out: &Path) -> Result<(), OutputError> {
    use std::io::BufRead;
    let sink = PathsFile::create(out, model)?;
    let expected = header(model).join(",");
    let (years, metrics, series) = (sink.years, sink.metrics, sink.series);
    let base_year = i64::from(sink.base_year);
    let mut values = vec![0.0; BLOCK * series];
    let (mut block, mut count) = (None::<usize>, 0);
    for file in files {
        let bad = |why: String| OutputError::Io {
            path: file.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, why),
        };
        let io = |source| OutputError::Io {
            path: file.clone(),
            source,
        };
        let r = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(file).map_err(io)?);
        let mut lines = r.lines();
        let first = lines.next().transpose().map_err(io)?.unwrap_or_default();
        if first != expected {
            return Err(bad("its columns are not the model's".into()));
        }
        for (n, line) in lines.enumerate() {
            let line = line.map_err(io)?;
            let mut cells = line.split(',');
            let mut next_int = || -> Option<i64> { cells.next()?.parse().ok() };
            let (Some(p), Some(year)) = (next_int(), next_int()) else {
                return Err(bad(format!("line {}: no path and year", n + 2)));
            };
            let t = year - base_year;
            if p < 0 || t < 0 || t as usize >= years {
                return Err(bad(format!("line {}: path or year out of range", n + 2)));
            }
            let (p, t) = (p as usize, t as usize);
            let b = p / BLOCK;
            if block != Some(b) {
                if let Some(prev) = block {
                    sink.block(prev, &values[..count * series]);
                }
                block = Some(b);
                values.fill(0.0);
                count = 0;
            }
            let j = p - b * BLOCK;
            let row = &mut values[j * series + t * metrics..j * series + (t + 1) * metrics];
            for x in row.iter_mut() {
                *x = cells.next().and_then(|c| c.parse().ok()).ok_or_else(|| {
                    bad(format!(
                        "line {}: a value is missing or not a number",
                        n + 2
                    ))
                })?;
            }
            count = count.max(j + 1);
        }
    }
    if let Some(prev) = block {
        sink.block(prev, &values[..count * series]);
    }
    sink.finish()?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks handed over out of order are written in block order: the same bytes as in
    /// order.
    #[test]
    fn blocks_are_written_in_block_order_whatever_order_they_come_in() {
        let model = crate::scenario::load(Path::new("scenarios/minimal.toml")).unwrap();
        let n = series(&model);
        let block = |b: usize| -> Vec<f64> {
            (0..BLOCK * n)
                .map(|i| (b * 1000 + i) as f64 * 0.5)
                .collect()
        };
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, order: &[usize]| -> Vec<u8> {
            let path = dir.path().join(name);
            let f = PathsFile::create(&path, &model).unwrap();
            for &b in order {
                f.block(b, &block(b));
            }
            f.finish().unwrap().commit().unwrap();
            std::fs::read(&path).unwrap()
        };
        let a = write("a.csv", &[0, 1, 2, 3]);
        let b = write("b.csv", &[2, 0, 3, 1]);
        assert!(a == b, "the order blocks come in changed the file");
        let text = String::from_utf8(a).unwrap();
        let years = model.frame.years();
        assert_eq!(text.lines().count(), 1 + 4 * BLOCK * years);
        // The first row of block 1 is path BLOCK, its first value block 1's first.
        let row = text.lines().nth(1 + BLOCK * years).unwrap();
        assert!(
            row.starts_with(&format!("{BLOCK},{},500,", model.frame.base_year)),
            "{row}"
        );
        // Nothing but the two files is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn the_extension_chooses_the_format() {
        assert_eq!(
            PathsFormat::of(Path::new("p.csv")).unwrap(),
            PathsFormat::Csv
        );
        assert!(PathsFormat::of(Path::new("p")).is_err());
        assert_eq!(
            PathsFormat::of(Path::new("p.parquet")).is_ok(),
            crate::formats::PARQUET
        );
    }
}
