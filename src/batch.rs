//! Batch conversion of whole corpora: plan the job list from a folder tree or a manifest, check
//! it (collisions, outputs that would overwrite inputs, existing outputs) before anything is
//! written, select a deterministic shard, and run the files in parallel on a rayon pool.
//!
//! Guarantees:
//! - Inputs are only read. Each output is written to a hidden temporary file in its
//!   destination folder (`.aquant-*.part`), synced, and renamed: a run killed at any moment
//!   leaves no partial file under a final name, and [`Existing::Skip`] resumes it.
//! - One bad file never stops the batch: it gets [`FileStatus::Failed`] with its reason.
//! - Memory is bounded per worker, whatever the file sizes: each file is streamed in blocks of
//!   at most [`BLOCK_SAMPLES`](crate::convert::BLOCK_SAMPLES) samples, so a worker holds about
//!   [`WORKER_MEMORY_BOUND`] bytes; a run holds `jobs` times that.
//! - Each file's dither seed is the batch seed mixed with a hash of its relative path: the same
//!   file gets the same output in every run and on every shard, and different files (stems of
//!   one mix, say) get independent dither.
//!
//! ```no_run
//! use std::path::Path;
//! use aquant::batch::{plan, run, BatchOptions};
//!
//! let options = BatchOptions::default();
//! let plan = plan(Path::new("masters"), Path::new("out"), &options).unwrap();
//! let report = run(&plan, &options, &|_event| {});
//! assert_eq!(report.totals.failed, 0);
//! ```

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::convert::{convert_source, open_input, refuse_same_file, ConvertOptions};
use crate::{Error, Result};

/// Extensions (lower case) a folder walk picks up; other files are left alone and counted in
/// [`Plan::ignored`]. A manifest may list any file.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "mp3", "ogg", "oga", "aif", "aiff", "aifc", "caf", "au", "snd",
];

/// An upper bound on the memory one worker uses while converting a file, whatever its size:
/// input, raw and output blocks of [`BLOCK_SAMPLES`](crate::convert::BLOCK_SAMPLES) samples (at
/// most 4 bytes each), a decoder's packet twice over (FLAC's largest: 65535 frames × 8 channels
/// × 4 bytes), and the 64 KiB read and write buffers.
pub const WORKER_MEMORY_BOUND: usize =
    3 * crate::convert::BLOCK_SAMPLES * 4 + 2 * 65535 * 8 * 4 + 2 * 65536;

/// What to do with outputs that exist already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Existing {
    /// Refuse to start (nothing is written) when any output exists.
    #[default]
    Refuse,
    /// Leave existing outputs alone (they are complete: outputs appear only by rename), so a
    /// killed run resumes.
    Skip,
    /// Replace them (atomically).
    Overwrite,
}

/// One part of a corpus split across machines: shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// How many shards the corpus is split into.
    pub count: usize,
}

impl Shard {
    /// Parses `I/N` (0 ≤ I < N).
    ///
    /// ```
    /// use aquant::batch::Shard;
    /// assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
    /// assert!(Shard::parse("8/8").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "shard",
                format!("{text:?}: expected I/N with 0 <= I < N, as in 0/4"),
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// Settings of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOptions {
    /// How each file is converted (the seed is mixed with each file's path).
    pub convert: ConvertOptions,
    /// Files converted at once; 0 means one per core.
    pub jobs: usize,
    /// What to do with existing outputs.
    pub existing: Existing,
    /// Convert only this shard of the corpus.
    pub shard: Option<Shard>,
    /// Extension of the outputs (without the dot).
    pub extension: String,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            convert: ConvertOptions::default(),
            jobs: 0,
            existing: Existing::Refuse,
            shard: None,
            extension: "wav".into(),
        }
    }
}

/// One file to convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// Its path relative to the corpus root (mirrored under the output folder).
    pub relative: PathBuf,
    /// The output file.
    pub output: PathBuf,
    /// The input's size in bytes (0 if it could not be read: the run reports why).
    pub input_bytes: u64,
}

/// The checked job list of a batch (this shard's part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// This shard's jobs, sorted by relative path.
    pub jobs: Vec<Job>,
    /// Jobs in the whole corpus, before sharding.
    pub corpus_jobs: usize,
    /// Files of the folder walk left alone (not audio by their extension).
    pub ignored: usize,
}

/// Builds the job list: `input` is a folder (walked recursively, hidden entries skipped) or a
/// manifest file (one path per line; blank lines and lines starting with `#` skipped; relative
/// paths are relative to the manifest's folder). Before anything is written it refuses two
/// inputs mapping to one output and an output that would overwrite an input (in the whole
/// corpus, so every shard agrees), and (unless [`Existing::Skip`] or [`Existing::Overwrite`])
/// outputs of this shard that exist already.
pub fn plan(input: &Path, out_dir: &Path, options: &BatchOptions) -> Result<Plan> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let out_abs = absolute(out_dir)?;
    let (root, inputs, ignored) = if input.is_dir() {
        let root = absolute(input)?;
        let mut files = Vec::new();
        let mut ignored = 0;
        // An output folder inside the input tree is not walked, so a rerun does not take
        // outputs for inputs (unless they are the same folder: then collisions are refused).
        let exclude = (out_abs != root && out_abs.starts_with(&root)).then_some(&out_abs);
        walk(&root, exclude, &mut files, &mut ignored)?;
        (root, files, ignored)
    } else {
        let text = std::fs::read_to_string(input).map_err(io(input))?;
        let base = absolute(input)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let files: Vec<PathBuf> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| normalize(&base.join(l)))
            .collect();
        (common_folder(&files), files, 0)
    };

    let mut jobs: Vec<Job> = inputs
        .into_iter()
        .map(|input| {
            let relative = input
                .strip_prefix(&root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| input.file_name().map(PathBuf::from).unwrap_or_default());
            let output = out_abs.join(&relative).with_extension(&options.extension);
            let input_bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
            Job {
                input,
                relative,
                output,
                input_bytes,
            }
        })
        .collect();
    jobs.sort_by(|a, b| a.relative.cmp(&b.relative));
    jobs.dedup_by(|a, b| a.input == b.input);
    check_collisions(&jobs)?;
    let corpus_jobs = jobs.len();
    if let Some(shard) = options.shard {
        jobs = select_shard(jobs, shard);
    }
    // Only this shard's outputs: other shards may be writing theirs into the same folder.
    if options.existing == Existing::Refuse {
        let existing: Vec<&Job> = jobs.iter().filter(|j| j.output.exists()).collect();
        if let Some(first) = existing.first() {
            return Err(Error::invalid(
                "output",
                format!(
                    "{} output(s) exist already, the first {}: pass --skip-existing to resume \
                     an earlier run or --overwrite to replace them",
                    existing.len(),
                    first.output.display()
                ),
            ));
        }
    }
    Ok(Plan {
        jobs,
        corpus_jobs,
        ignored,
    })
}

/// Splits jobs into `shard.count` parts balanced by input bytes (largest first, each to the
/// lightest part so far; ties by relative path), and keeps part `shard.index`. Every node that
/// sees the same corpus computes the same parts; they are disjoint and cover the corpus, and
/// the heaviest and lightest differ by at most one file's size.
pub fn select_shard(jobs: Vec<Job>, shard: Shard) -> Vec<Job> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| {
        jobs[b]
            .input_bytes
            .cmp(&jobs[a].input_bytes)
            .then_with(|| jobs[a].relative.cmp(&jobs[b].relative))
    });
    let mut load = vec![0u64; shard.count];
    let mut part_of = vec![0usize; jobs.len()];
    for i in order {
        // The lightest part, the lowest index among equals: deterministic.
        let (part, _) = load
            .iter()
            .enumerate()
            .min_by_key(|&(p, &l)| (l, p))
            .expect("count > 0");
        load[part] += jobs[i].input_bytes.max(1);
        part_of[i] = part;
    }
    jobs.into_iter()
        .zip(part_of)
        .filter(|&(_, p)| p == shard.index)
        .map(|(j, _)| j)
        .collect()
}

fn check_collisions(jobs: &[Job]) -> Result<()> {
    let mut by_output: HashMap<&Path, &Path> = HashMap::new();
    for job in jobs {
        if let Some(other) = by_output.insert(&job.output, &job.input) {
            return Err(Error::invalid(
                "output",
                format!(
                    "{} and {} would both be written to {}: rename one, or convert them in \
                     separate runs",
                    other.display(),
                    job.input.display(),
                    job.output.display()
                ),
            ));
        }
    }
    for job in jobs {
        if let Some(owner) = by_output.get(job.input.as_path()) {
            return Err(Error::invalid(
                "output",
                format!(
                    "converting {} would overwrite the input {}: choose an output folder \
                     outside the input tree",
                    owner.display(),
                    job.input.display()
                ),
            ));
        }
    }
    Ok(())
}

fn walk(
    dir: &Path,
    exclude: Option<&PathBuf>,
    files: &mut Vec<PathBuf>,
    ignored: &mut usize,
) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<std::io::Result<_>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if Some(&path) == exclude {
            continue;
        }
        let file_type = entry.file_type().map_err(io)?;
        if file_type.is_dir() {
            // Symbolic links to folders are not followed (no cycles, no escaping the tree).
            walk(&path, exclude, files, ignored)?;
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            let audio = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if audio {
                files.push(path);
            } else {
                *ignored += 1;
            }
        }
    }
    Ok(())
}

/// `path` made absolute (against the current folder) and normalized lexically.
fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(normalize(&abs))
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The deepest folder holding every file.
fn common_folder(files: &[PathBuf]) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for f in files {
        let parent = f.parent().unwrap_or(Path::new("/"));
        common = Some(match common {
            None => parent.to_path_buf(),
            Some(c) => c
                .components()
                .zip(parent.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.unwrap_or_default()
}

/// The dither seed of one file: the batch seed mixed with a hash (FNV-1a) of its relative
/// path, with `/` separators on every platform.
pub fn file_seed(batch_seed: u64, relative: &Path) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    for byte in text.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    batch_seed ^ hash
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Converted; the output is complete.
    Converted,
    /// The output existed and was left alone ([`Existing::Skip`]).
    Skipped,
    /// Not converted; see the error. No output was written.
    Failed,
}

/// The report of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The input file.
    pub input: PathBuf,
    /// The output file.
    pub output: PathBuf,
    /// What happened.
    pub status: FileStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// Input encoding (`pcm16`, `f32`, ...), when the file could be opened.
    pub input_format: Option<String>,
    /// Input channels.
    pub channels: Option<u16>,
    /// Input sample rate in Hz.
    pub sample_rate: Option<u32>,
    /// Frames converted.
    pub frames: u64,
    /// Audio converted, in seconds.
    pub audio_seconds: f64,
    /// Wall-clock time spent on the file, in seconds.
    pub wall_seconds: f64,
    /// Samples clipped.
    pub clipped: u64,
    /// NaN samples (written as 0).
    pub nan: u64,
    /// The dither used.
    pub dither: Option<String>,
    /// The dither seed used (see [`file_seed`]).
    pub seed: u64,
}

/// Totals of a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Files in this run (this shard).
    pub files: usize,
    /// Converted.
    pub converted: usize,
    /// Skipped (output existed).
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// Audio converted, in seconds.
    pub audio_seconds: f64,
    /// Wall-clock time of the run, in seconds.
    pub wall_seconds: f64,
    /// Audio seconds converted per wall-clock second.
    pub speed_x_realtime: f64,
    /// Samples clipped, all files.
    pub clipped: u64,
    /// NaN samples, all files.
    pub nan: u64,
}

/// The report of a batch: every file, in relative-path order, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchReport {
    /// Output format name.
    pub format: String,
    /// Workers used.
    pub jobs: usize,
    /// The shard run, if any.
    pub shard: Option<Shard>,
    /// Jobs in the whole corpus (all shards).
    pub corpus_files: usize,
    /// Totals.
    pub totals: Totals,
    /// Every file of this run.
    pub files: Vec<FileReport>,
}

impl BatchReport {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serializes")
    }
}

/// What a running batch tells its observer (from worker threads).
#[derive(Debug)]
pub enum BatchEvent<'a> {
    /// A file was opened and is being converted.
    Started {
        /// The job.
        job: &'a Job,
        /// Frames it declares, if known.
        frames: Option<u64>,
        /// Its sample rate.
        sample_rate: u32,
    },
    /// More of a file was converted.
    Progress {
        /// The job.
        job: &'a Job,
        /// Frames done so far in this file.
        frames_done: u64,
        /// Frames declared (0 if unknown).
        frames_total: u64,
        /// Its sample rate.
        sample_rate: u32,
    },
    /// A file is done (converted, skipped or failed).
    Finished {
        /// The job.
        job: &'a Job,
        /// Its report.
        report: &'a FileReport,
    },
}

/// Runs a plan: files in parallel (largest first, so the run ends evenly) on `options.jobs`
/// workers. Never stops on a bad file.
pub fn run(
    plan: &Plan,
    options: &BatchOptions,
    observer: &(dyn Fn(&BatchEvent) + Sync),
) -> BatchReport {
    let start = Instant::now();
    let jobs = if options.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.jobs
    };
    let workers = jobs.min(plan.jobs.len()).max(1);
    let mut order: Vec<usize> = (0..plan.jobs.len()).collect();
    order.sort_by(|&a, &b| {
        plan.jobs[b]
            .input_bytes
            .cmp(&plan.jobs[a].input_bytes)
            .then(a.cmp(&b))
    });
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; plan.jobs.len()]);
    let next = AtomicUsize::new(0);
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(&i) = order.get(k) else { break };
        let job = &plan.jobs[i];
        let report = run_one(job, options, observer);
        observer(&BatchEvent::Finished {
            job,
            report: &report,
        });
        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(report);
    };
    match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(pool) => pool.scope(|s| {
            for _ in 0..workers {
                s.spawn(|_| work());
            }
        }),
        // No threads to be had: run here, one file at a time.
        Err(_) => work(),
    }
    let files: Vec<FileReport> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect();
    let mut totals = Totals {
        files: files.len(),
        wall_seconds: start.elapsed().as_secs_f64(),
        ..Totals::default()
    };
    for f in &files {
        match f.status {
            FileStatus::Converted => totals.converted += 1,
            FileStatus::Skipped => totals.skipped += 1,
            FileStatus::Failed => totals.failed += 1,
        }
        totals.audio_seconds += f.audio_seconds;
        totals.clipped += f.clipped;
        totals.nan += f.nan;
    }
    totals.speed_x_realtime = if totals.wall_seconds > 0.0 {
        totals.audio_seconds / totals.wall_seconds
    } else {
        0.0
    };
    BatchReport {
        format: options.convert.format.name().to_string(),
        jobs: workers,
        shard: options.shard,
        corpus_files: plan.corpus_jobs,
        totals,
        files,
    }
}

fn run_one(
    job: &Job,
    options: &BatchOptions,
    observer: &(dyn Fn(&BatchEvent) + Sync),
) -> FileReport {
    let start = Instant::now();
    let seed = file_seed(options.convert.seed, &job.relative);
    let mut report = FileReport {
        input: job.input.clone(),
        output: job.output.clone(),
        status: FileStatus::Failed,
        error: None,
        input_format: None,
        channels: None,
        sample_rate: None,
        frames: 0,
        audio_seconds: 0.0,
        wall_seconds: 0.0,
        clipped: 0,
        nan: 0,
        dither: None,
        seed,
    };
    if options.existing == Existing::Skip && job.output.exists() {
        report.status = FileStatus::Skipped;
        return report;
    }
    let convert = || -> Result<()> {
        refuse_same_file(&job.input, &job.output)?;
        let source = open_input(&job.input)?;
        let spec = source.spec();
        report.input_format = Some(spec.encoding.name().to_string());
        report.channels = Some(spec.channels);
        report.sample_rate = Some(spec.sample_rate);
        observer(&BatchEvent::Started {
            job,
            frames: source.frames_remaining(),
            sample_rate: spec.sample_rate,
        });
        if let Some(parent) = job.output.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        // One thread per job: the pool runs the files in parallel.
        let convert = ConvertOptions {
            seed,
            read_ahead: false,
            ..options.convert.clone()
        };
        let done = convert_source(
            source,
            &job.output,
            &convert,
            &mut |frames_done, frames_total| {
                observer(&BatchEvent::Progress {
                    job,
                    frames_done,
                    frames_total,
                    sample_rate: spec.sample_rate,
                })
            },
        )?;
        report.frames = done.frames;
        report.audio_seconds = done.frames as f64 / spec.sample_rate as f64;
        report.clipped = done.stats.clipped;
        report.nan = done.stats.nan;
        report.dither = Some(done.dither.name().to_string());
        Ok(())
    };
    // A panic anywhere below (a third-party decoder on hostile data, say) fails this file,
    // not the batch.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(convert)) {
        Ok(Ok(())) => report.status = FileStatus::Converted,
        Ok(Err(e)) => report.error = Some(e.to_string()),
        Err(_) => report.error = Some("internal error: the conversion panicked".into()),
    }
    report.wall_seconds = start.elapsed().as_secs_f64();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, bytes: u64) -> Job {
        Job {
            input: PathBuf::from("/in").join(name),
            relative: PathBuf::from(name),
            output: PathBuf::from("/out").join(name),
            input_bytes: bytes,
        }
    }

    #[test]
    fn shards_are_disjoint_cover_the_corpus_and_balance_bytes() {
        // Sizes from a fixed pseudo-random sequence (an LCG), so the test is reproducible.
        let mut x: u64 = 12345;
        let jobs: Vec<Job> = (0..500)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                job(&format!("f{i:04}.wav"), 1000 + (x >> 40) % 1_000_000)
            })
            .collect();
        let largest = jobs.iter().map(|j| j.input_bytes).max().unwrap();
        for count in [1, 2, 3, 7, 16] {
            let mut seen = std::collections::BTreeSet::new();
            let mut loads = Vec::new();
            for index in 0..count {
                let part = select_shard(jobs.clone(), Shard { index, count });
                // Deterministic: the same call gives the same part.
                assert_eq!(part, select_shard(jobs.clone(), Shard { index, count }));
                loads.push(part.iter().map(|j| j.input_bytes).sum::<u64>());
                for j in part {
                    assert!(
                        seen.insert(j.relative.clone()),
                        "{:?} in two shards",
                        j.relative
                    );
                }
            }
            assert_eq!(seen.len(), jobs.len(), "shards cover the corpus");
            let spread = loads.iter().max().unwrap() - loads.iter().min().unwrap();
            assert!(spread <= largest, "{count} shards: loads {loads:?}");
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("0/1").unwrap(), Shard { index: 0, count: 1 });
        for bad in ["", "1", "1/0", "3/3", "-1/2", "a/b", "1/2/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn collisions_are_refused() {
        let mut a = job("a.wav", 1);
        let mut b = job("a.flac", 1);
        a.output = PathBuf::from("/out/a.wav");
        b.output = PathBuf::from("/out/a.wav");
        let e = check_collisions(&[a, b]).unwrap_err().to_string();
        assert!(e.contains("would both be written to /out/a.wav"), "{e}");

        let mut c = job("c.flac", 1);
        c.output = PathBuf::from("/in/d.wav");
        let d = job("d.wav", 1);
        let e = check_collisions(&[c, d]).unwrap_err().to_string();
        assert!(e.contains("would overwrite the input /in/d.wav"), "{e}");
    }

    #[test]
    fn file_seeds_differ_by_path_and_are_stable() {
        let a = file_seed(7, Path::new("x/a.wav"));
        assert_eq!(a, file_seed(7, Path::new("x/a.wav")));
        assert_ne!(a, file_seed(7, Path::new("x/b.wav")));
        assert_ne!(a, file_seed(8, Path::new("x/a.wav")));
        // FNV-1a of the empty string is its offset basis.
        assert_eq!(file_seed(0, Path::new("")), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn common_folder_of_manifest_entries() {
        let files = [PathBuf::from("/a/b/c/x.wav"), PathBuf::from("/a/b/d/y.wav")];
        assert_eq!(common_folder(&files), PathBuf::from("/a/b"));
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
