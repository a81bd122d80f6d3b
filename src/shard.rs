//! Sharded runs: a Monte Carlo run split into parts that run anywhere (other processes,
//! other machines, a cluster's job array) and merge into exactly the results of one run.
//!
//! Shard `k` of `n` projects the blocks [`crate::montecarlo::shard_blocks`] gives it and
//! writes a [`Part`]: a self-checking file with what the run is (engine version, the
//! scenario files and their SHA-256, seed, paths, the quantile bins), which blocks it
//! holds, and its partial tallies in exact form — bin counts, extremes and depletion
//! counts (integers, order-free) and each block's own sums. [`merge`] checks that the
//! parts belong to one run and tile its blocks, adds the counts, and adds the block sums
//! in block order, as a single run does: the summary is bit for bit the single run's,
//! whatever the number of shards, their order, or the threads each used.
//!
//! File layout (version 1): the line `fundcast-part 1`, one line of JSON (the
//! [`PartHeader`]), a binary body (little-endian: the grid, the tally with sparse bin
//! counts, each block's sums), then the SHA-256 of everything before it (32 bytes).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aggregate::{Grid, Summary, Sums, Tally, BINS};
use crate::montecarlo::{shard_blocks, Partial, BLOCK, PILOT};

/// The first line of every part file.
pub const MAGIC: &str = "fundcast-part 1";
/// The format version of part files (the number in [`MAGIC`]).
pub const FORMAT: u32 = 1;

/// What a part belongs to and holds (the JSON line of the file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartHeader {
    pub format: u32,
    pub engine_version: String,
    /// `run` or `compare`.
    pub kind: String,
    /// The scenario as named on the shard's command line (of a comparison: the base),
    /// and every file read for it (the scenario, then the bases it extends; of a
    /// comparison, those of the base then of each variant) with its SHA-256.
    pub scenario: String,
    /// The variants of a comparison, as named on the command line.
    #[serde(default)]
    pub variants: Vec<String>,
    pub scenario_files: Vec<(String, String)>,
    pub seed: u64,
    /// Paths of the whole run.
    pub paths: usize,
    /// This shard, `[k, n]` (0-based `k`).
    pub shard: [usize; 2],
    /// The blocks it holds, `[first, end)`, of [`BLOCK`] paths each.
    pub blocks: [usize; 2],
    /// The quantile bin specification: paths per block, pilot paths, bins per series.
    pub block_size: usize,
    pub pilot: usize,
    pub bins: usize,
    /// Values per path, years of the depletion histograms, depletion years per path.
    pub series: usize,
    pub years: usize,
    pub groups: usize,
    /// Threads the shard ran on and its time (for `run.json`).
    pub threads: usize,
    pub elapsed_seconds: f64,
    /// The deterministic projection's depletion year index (for `run.json`).
    pub deterministic_depletion: Option<usize>,
    /// The file of the shard's paths (`--save-paths`, CSV), when it wrote one.
    #[serde(default)]
    pub paths_file: Option<PathsRecord>,
}

/// A shard's file of paths: where it was written (as named on its command line), its
/// size and SHA-256, so that a merge finds it and knows it unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathsRecord {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A shard's partial result.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub header: PartHeader,
    pub partial: Partial,
}

/// Why parts cannot be read or merged; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a fundcast part file ({why})")]
    NotAPart { path: PathBuf, why: String },
    #[error("{path}: the file is damaged: its checksum does not match its contents")]
    Checksum { path: PathBuf },
    #[error("{path}: {what} is {found}, but {first} has {expected}: parts of another run cannot be merged")]
    Mismatch {
        path: PathBuf,
        what: &'static str,
        found: String,
        first: PathBuf,
        expected: String,
    },
    #[error(
        "{path}: blocks {from}..{to} are also in {other}: parts overlap (or one is given twice)"
    )]
    Overlap {
        path: PathBuf,
        other: PathBuf,
        from: usize,
        to: usize,
    },
    #[error(
        "blocks {from}..{to} (paths {paths_from}..{paths_to}) are in no part: a shard is missing"
    )]
    Gap {
        from: usize,
        to: usize,
        paths_from: usize,
        paths_to: usize,
    },
    #[error("no part files given")]
    Empty,
    #[error("{path}: {why}")]
    PathsFile { path: PathBuf, why: String },
    #[error("{scenario}: the scenario's files are not those the shards ran ({found} now, {expected} then)")]
    ScenarioChanged {
        scenario: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{path}: bin counts overflow")]
    Overflow { path: PathBuf },
}

impl Part {
    /// The part of shard `shard = [k, n]` from its partial result.
    pub fn new(header: PartHeader, partial: Partial) -> Part {
        Part { header, partial }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(
            serde_json::to_string(&self.header)
                .expect("header JSON")
                .as_bytes(),
        );
        out.push(b'\n');
        let p = &self.partial;
        for part in p.grid.parts() {
            put_f64s(&mut out, part);
        }
        let t = &p.tally;
        put_u64(&mut out, t.n);
        let counts = t.bin_counts();
        for series in counts.chunks_exact(BINS) {
            let nonzero = series.iter().filter(|c| **c != 0).count();
            put_u64(&mut out, nonzero as u64);
            for (b, &c) in series.iter().enumerate().filter(|(_, c)| **c != 0) {
                out.extend_from_slice(&(b as u32).to_le_bytes());
                out.extend_from_slice(&c.to_le_bytes());
            }
        }
        put_f64s(&mut out, &t.min);
        put_f64s(&mut out, &t.max);
        for d in &t.depletion {
            put_u64(&mut out, *d);
        }
        put_u64(&mut out, p.blocks.len() as u64);
        for b in &p.blocks {
            let (n, sum, sumsq) = b.parts();
            put_u64(&mut out, n);
            put_f64s(&mut out, sum);
            put_f64s(&mut out, sumsq);
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Reads a part file, checking its checksum and every length.
    pub fn read(path: &Path) -> Result<Part, ShardError> {
        let bytes = std::fs::read(path).map_err(|source| ShardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Part::from_bytes(path, &bytes)
    }

    /// A part from a file's bytes (`path` names it in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Part, ShardError> {
        let not = |why: &str| ShardError::NotAPart {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        let magic = format!("{MAGIC}\n");
        if !bytes.starts_with(magic.as_bytes()) {
            return Err(not("it does not start with `fundcast-part 1`"));
        }
        if bytes.len() < magic.len() + 32 {
            return Err(not("it is too short"));
        }
        let (content, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(content).as_slice() != digest {
            return Err(ShardError::Checksum {
                path: path.to_path_buf(),
            });
        }
        let rest = &content[magic.len()..];
        let eol = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| not("no header line"))?;
        let header: PartHeader = serde_json::from_slice(&rest[..eol])
            .map_err(|e| not(&format!("its header is not valid: {e}")))?;
        if header.format != FORMAT {
            return Err(not(&format!(
                "format {} (this engine reads {FORMAT})",
                header.format
            )));
        }
        let mut r = Reader {
            bytes: &rest[eol + 1..],
        };
        let short = || not("its body is shorter than its header says");
        let n = header.series;
        if n > (1 << 24) || header.bins != BINS {
            return Err(not("its sizes are out of range"));
        }
        let mut grid = Vec::new();
        for _ in 0..4 {
            grid.push(r.f64s(n).ok_or_else(short)?);
        }
        let grid: [Vec<f64>; 4] = grid.try_into().expect("four parts");
        let paths = r.u64().ok_or_else(short)?;
        let mut counts = vec![0u32; n * BINS];
        for s in 0..n {
            let nonzero = r.u64().ok_or_else(short)? as usize;
            if nonzero > BINS {
                return Err(not("a series has more bins than the format allows"));
            }
            for _ in 0..nonzero {
                let b = r.u32().ok_or_else(short)? as usize;
                let c = r.u32().ok_or_else(short)?;
                if b >= BINS {
                    return Err(not("a bin index is out of range"));
                }
                counts[s * BINS + b] = c;
            }
        }
        let min = r.f64s(n).ok_or_else(short)?;
        let max = r.f64s(n).ok_or_else(short)?;
        let hist = header
            .groups
            .checked_mul(header.years + 1)
            .filter(|h| *h <= 1 << 24)
            .ok_or_else(|| not("its sizes are out of range"))?;
        let mut depletion = Vec::with_capacity(hist);
        for _ in 0..hist {
            depletion.push(r.u64().ok_or_else(short)?);
        }
        let count = r.u64().ok_or_else(short)? as usize;
        let [first, end] = header.blocks;
        if first > end || count != end - first {
            return Err(not("its block count does not match its block range"));
        }
        let mut blocks = Vec::with_capacity(count.min(1 << 20));
        let mut total = Sums::new(n);
        for _ in 0..count {
            let m = r.u64().ok_or_else(short)?;
            let sum = r.f64s(n).ok_or_else(short)?;
            let sumsq = r.f64s(n).ok_or_else(short)?;
            let b = Sums::from_parts(m, sum, sumsq);
            total.merge(&b);
            blocks.push(b);
        }
        if !r.bytes.is_empty() {
            return Err(not("it has bytes after its last block"));
        }
        let tally = Tally::from_counts(paths, &counts, min, max, depletion, header.years);
        Ok(Part {
            header,
            partial: Partial {
                grid: Grid::from_parts(grid),
                tally,
                total,
                blocks,
            },
        })
    }
}

/// The header of shard `[k, n]` of a run, without its timing (set when it has run).
#[allow(clippy::too_many_arguments)]
pub fn header(
    scenario: &str,
    scenario_files: Vec<(String, String)>,
    seed: u64,
    paths: usize,
    shard: [usize; 2],
    series: usize,
    years: usize,
    groups: usize,
) -> PartHeader {
    let blocks = shard_blocks(paths, shard[0], shard[1]);
    PartHeader {
        format: FORMAT,
        engine_version: crate::VERSION.to_string(),
        kind: "run".to_string(),
        scenario: scenario.to_string(),
        variants: Vec::new(),
        scenario_files,
        seed,
        paths,
        shard,
        blocks: [blocks.start, blocks.end],
        block_size: BLOCK,
        pilot: PILOT,
        bins: BINS,
        series,
        years,
        groups,
        threads: 1,
        elapsed_seconds: 0.0,
        deterministic_depletion: None,
        paths_file: None,
    }
}

/// A merge of parts: the run's summary and what `run.json` needs.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The first part's header (the run's: every part agrees on it but for its shard).
    pub header: PartHeader,
    pub summary: Summary,
    /// The most threads any shard ran on, and the shards' time added up.
    pub threads: usize,
    pub elapsed_seconds: f64,
}

/// Merges parts of one run, given in any order: checks that they belong to the same run
/// (engine version, scenario files, seed, paths, bins) and tile its blocks without gap
/// or overlap, then adds their tallies and their blocks' sums in block order.
pub fn merge(parts: &[(PathBuf, Part)]) -> Result<Merged, ShardError> {
    let (first_path, first) = parts.first().ok_or(ShardError::Empty)?;
    let h0 = &first.header;
    for (path, p) in parts {
        let h = &p.header;
        let checks: [(&'static str, String, String); 9] = [
            (
                "the engine version",
                h.engine_version.clone(),
                h0.engine_version.clone(),
            ),
            ("the kind of run", h.kind.clone(), h0.kind.clone()),
            (
                "the variants",
                h.variants.join(", "),
                h0.variants.join(", "),
            ),
            (
                "the scenario files",
                files_text(&h.scenario_files),
                files_text(&h0.scenario_files),
            ),
            ("the seed", h.seed.to_string(), h0.seed.to_string()),
            ("the run's paths", h.paths.to_string(), h0.paths.to_string()),
            (
                "the bin specification (block, pilot, bins)",
                format!("{}, {}, {}", h.block_size, h.pilot, h.bins),
                format!("{}, {}, {}", h0.block_size, h0.pilot, h0.bins),
            ),
            (
                "the shape (series, years, groups)",
                format!("{}, {}, {}", h.series, h.years, h.groups),
                format!("{}, {}, {}", h0.series, h0.years, h0.groups),
            ),
            (
                "the quantile bins",
                grid_text(&p.partial.grid),
                grid_text(&first.partial.grid),
            ),
        ];
        for (what, found, expected) in checks {
            if found != expected {
                return Err(ShardError::Mismatch {
                    path: path.clone(),
                    what,
                    found,
                    first: first_path.clone(),
                    expected,
                });
            }
        }
    }
    // The blocks, in order: every block of the run in exactly one part.
    let total_blocks = h0.paths.div_ceil(h0.block_size);
    let mut order: Vec<usize> = (0..parts.len())
        .filter(|&i| {
            let [a, b] = parts[i].1.header.blocks;
            a < b
        })
        .collect();
    order.sort_by_key(|&i| parts[i].1.header.blocks);
    let mut covered = 0;
    let mut last: Option<usize> = None;
    for &i in &order {
        let [a, b] = parts[i].1.header.blocks;
        if a < covered {
            return Err(ShardError::Overlap {
                path: parts[i].0.clone(),
                other: parts[last.expect("an earlier part")].0.clone(),
                from: a,
                to: b.min(covered),
            });
        }
        if a > covered {
            return Err(gap(covered, a, h0));
        }
        covered = b;
        last = Some(i);
    }
    if covered < total_blocks {
        return Err(gap(covered, total_blocks, h0));
    }
    let n = h0.series;
    let mut counts = vec![0u64; n * BINS];
    let (mut min, mut max) = Tally::extremes(n);
    let mut depletion = vec![0u64; h0.groups * (h0.years + 1)];
    let mut paths = 0;
    let mut total = Sums::new(n);
    for &i in &order {
        let (path, part) = &parts[i];
        let t = &part.partial.tally;
        paths += t.n;
        for (c, x) in counts.iter_mut().zip(t.bin_counts()) {
            *c += x as u64;
        }
        for s in 0..n {
            min[s] = min[s].min(t.min[s]);
            max[s] = max[s].max(t.max[s]);
        }
        for (d, x) in depletion.iter_mut().zip(&t.depletion) {
            *d += x;
        }
        for b in &part.partial.blocks {
            total.merge(b);
        }
        if counts.iter().any(|c| *c > u32::MAX as u64) {
            return Err(ShardError::Overflow { path: path.clone() });
        }
    }
    let counts: Vec<u32> = counts.into_iter().map(|c| c as u32).collect();
    let tally = Tally::from_counts(paths, &counts, min, max, depletion, h0.years);
    let grid = &first.partial.grid;
    Ok(Merged {
        header: h0.clone(),
        summary: Summary::new(grid, &tally, &total),
        threads: parts
            .iter()
            .map(|(_, p)| p.header.threads)
            .max()
            .unwrap_or(1),
        elapsed_seconds: parts.iter().map(|(_, p)| p.header.elapsed_seconds).sum(),
    })
}

/// A file's size and SHA-256 (hex), read a megabyte at a time.
pub fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut r = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok((size, format!("{:x}", hasher.finalize())));
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
}

/// Where a part's file of paths is: where it was recorded, else beside the part file.
fn locate(part_path: &Path, record: &PathsRecord) -> PathBuf {
    let recorded = PathBuf::from(&record.file);
    if recorded.exists() {
        return recorded;
    }
    let beside = part_path
        .parent()
        .unwrap_or(Path::new("."))
        .join(recorded.file_name().unwrap_or_default());
    if beside.exists() {
        beside
    } else {
        recorded
    }
}

/// The parts' files of paths (`run --shard K/N --save-paths F.csv`), in block order,
/// each checked before anything is written: present (where its part recorded it, else
/// beside the part file) and unchanged (size and SHA-256).
pub fn paths_files(parts: &[(PathBuf, Part)]) -> Result<Vec<PathBuf>, ShardError> {
    let mut order: Vec<&(PathBuf, Part)> = parts
        .iter()
        .filter(|(_, p)| p.header.blocks[0] < p.header.blocks[1])
        .collect();
    order.sort_by_key(|(_, p)| p.header.blocks);
    let mut files = Vec::with_capacity(order.len());
    for (part_path, part) in order {
        let record = part
            .header
            .paths_file
            .as_ref()
            .ok_or_else(|| ShardError::PathsFile {
                path: part_path.clone(),
                why: "this shard wrote no file of paths (run it with --save-paths FILE.csv)".into(),
            })?;
        let file = locate(part_path, record);
        let (size, digest) = file_digest(&file).map_err(|e| ShardError::PathsFile {
            path: file.clone(),
            why: e.to_string(),
        })?;
        if size != record.bytes || digest != record.sha256 {
            return Err(ShardError::PathsFile {
                path: file,
                why: "the file of paths changed since its shard wrote it (size or SHA-256)".into(),
            });
        }
        files.push(file);
    }
    Ok(files)
}

fn gap(from: usize, to: usize, h: &PartHeader) -> ShardError {
    ShardError::Gap {
        from,
        to,
        paths_from: (from * h.block_size).min(h.paths),
        paths_to: (to * h.block_size).min(h.paths),
    }
}

/// Checks that the scenario files read now are those the shards read (by content).
pub fn check_scenario(
    scenario: &Path,
    now: &[(String, String)],
    header: &PartHeader,
) -> Result<(), ShardError> {
    let hashes = |f: &[(String, String)]| f.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>();
    if hashes(now) != hashes(&header.scenario_files) {
        return Err(ShardError::ScenarioChanged {
            scenario: scenario.to_path_buf(),
            found: files_text(now),
            expected: files_text(&header.scenario_files),
        });
    }
    Ok(())
}

fn files_text(files: &[(String, String)]) -> String {
    files
        .iter()
        .map(|(p, h)| format!("{p} ({})", &h[..h.len().min(12)]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn grid_text(g: &Grid) -> String {
    let mut h = Sha256::new();
    for part in g.parts() {
        for x in part {
            h.update(x.to_bits().to_le_bytes());
        }
    }
    format!("SHA-256 {:x}", h.finalize())
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn put_f64s(out: &mut Vec<u8>, xs: &[f64]) {
    for x in xs {
        out.extend_from_slice(&x.to_bits().to_le_bytes());
    }
}

/// Reads little-endian numbers off the front of a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take::<8>().map(u64::from_le_bytes)
    }

    fn f64s(&mut self, n: usize) -> Option<Vec<f64>> {
        if self.bytes.len() < n.checked_mul(8)? {
            return None;
        }
        (0..n)
            .map(|_| {
                self.take::<8>()
                    .map(|b| f64::from_bits(u64::from_le_bytes(b)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(blocks: [usize; 2]) -> Part {
        let mut h = header(
            "s.toml",
            vec![("s.toml".into(), "ab".repeat(32))],
            7,
            3 * BLOCK,
            [0, 3],
            2,
            3,
            1,
        );
        h.blocks = blocks;
        let grid = Grid::from_pilot(&[0.0, -1.0], &[1.0, 1.0]);
        let mut tally = Tally::new(2, 3, 1);
        let mut blocks_sums = Vec::new();
        for b in blocks[0]..blocks[1] {
            let mut s = Sums::new(2);
            let v = [0.1 * b as f64, -0.3];
            tally.add(&grid, &v, &[Some(b % 4)]);
            s.add(&grid, &v);
            blocks_sums.push(s);
        }
        let mut total = Sums::new(2);
        for b in &blocks_sums {
            total.merge(b);
        }
        Part::new(
            h,
            Partial {
                grid,
                tally,
                total,
                blocks: blocks_sums,
            },
        )
    }

    #[test]
    fn a_part_reads_back_as_written() {
        let p = part([1, 3]);
        let back = Part::from_bytes(Path::new("p"), &p.to_bytes()).expect("valid");
        assert_eq!(back, p);
    }

    #[test]
    fn a_changed_byte_is_caught_by_the_checksum() {
        let mut bytes = part([0, 2]).to_bytes();
        let i = bytes.len() - 40;
        bytes[i] ^= 1;
        let err = Part::from_bytes(Path::new("p.part"), &bytes).unwrap_err();
        assert!(matches!(err, ShardError::Checksum { .. }), "{err}");
        assert!(err.to_string().starts_with("p.part: "), "{err}");
        let err = Part::from_bytes(Path::new("q"), b"hello").unwrap_err();
        assert!(matches!(err, ShardError::NotAPart { .. }), "{err}");
    }

    #[test]
    fn gaps_overlaps_and_other_runs_are_refused() {
        let named = |p: Part, n: &str| (PathBuf::from(n), p);
        let ok = merge(&[named(part([1, 3]), "b"), named(part([0, 1]), "a")]).expect("tiles");
        assert_eq!(ok.summary.paths, 3);
        let err = merge(&[named(part([0, 1]), "a")]).unwrap_err();
        assert!(
            matches!(err, ShardError::Gap { from: 1, to: 3, .. }),
            "{err}"
        );
        let err = merge(&[named(part([0, 2]), "a"), named(part([1, 3]), "b")]).unwrap_err();
        assert!(matches!(err, ShardError::Overlap { .. }), "{err}");
        let err = merge(&[named(part([0, 3]), "a"), named(part([0, 3]), "a2")]).unwrap_err();
        assert!(err.to_string().starts_with("a2: "), "{err}");
        let mut other = part([1, 3]);
        other.header.seed = 8;
        let err = merge(&[named(part([0, 1]), "a"), named(other, "b")]).unwrap_err();
        assert!(
            err.to_string().contains("b: the seed is 8, but a has 7"),
            "{err}"
        );
    }

    #[test]
    fn merged_sums_are_added_in_block_order_whatever_the_order_of_parts() {
        let whole = part([0, 3]);
        let named = |p: Part, n: &str| (PathBuf::from(n), p);
        let a = merge(&[named(part([2, 3]), "c"), named(part([0, 2]), "a")]).expect("tiles");
        let b = merge(&[named(whole.clone(), "w")]).expect("one part");
        assert_eq!(a.summary, b.summary);
        let single = Summary::new(
            &whole.partial.grid,
            &whole.partial.tally,
            &whole.partial.total,
        );
        assert_eq!(a.summary, single);
    }
}
