use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result};
use aquant::batch::{self, BatchEvent, BatchOptions, Existing, FileStatus, Shard};
use aquant::convert::write_atomically;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A folder (walked recursively; its tree is mirrored under OUT_DIR) or a manifest file
    /// (one path per line, relative to the manifest's folder).
    input: PathBuf,
    /// Output folder. Each output keeps its input's relative path, with the output extension.
    out_dir: PathBuf,
    #[command(flatten)]
    convert: super::convert::ConvertArgs,
    /// Files converted at once (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    jobs: usize,
    /// Leave outputs that exist alone (resumes an interrupted run).
    #[arg(long, conflicts_with = "overwrite")]
    skip_existing: bool,
    /// Replace outputs that exist.
    #[arg(long)]
    overwrite: bool,
    /// Write a JSON report of every file here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Convert only shard I of N (0-based, balanced by size, deterministic), as in 3/8.
    #[arg(long)]
    shard: Option<String>,
    /// Extension of the output files.
    #[arg(long, default_value = "wav")]
    extension: String,
}

/// What the progress display adds up, updated from the workers.
#[derive(Default)]
struct Tally {
    files_done: usize,
    failed: usize,
    bytes_done: u64,
    audio_done: f64,
    /// Bytes and audio seconds of the files in progress.
    running: HashMap<PathBuf, (u64, f64)>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let options = BatchOptions {
        convert: a.convert.to_options()?,
        jobs: a.jobs,
        existing: if a.skip_existing {
            Existing::Skip
        } else if a.overwrite {
            Existing::Overwrite
        } else {
            Existing::Refuse
        },
        shard: a.shard.as_deref().map(Shard::parse).transpose()?,
        extension: a.extension.clone(),
    };
    let plan = batch::plan(&a.input, &a.out_dir, &options)
        .with_context(|| format!("planning the batch of {}", a.input.display()))?;
    let total_files = plan.jobs.len();
    let total_bytes: u64 = plan.jobs.iter().map(|j| j.input_bytes).sum();
    let shard_note = match options.shard {
        Some(s) => format!(
            " (shard {}/{} of {} files)",
            s.index, s.count, plan.corpus_jobs
        ),
        None => String::new(),
    };
    eprintln!(
        "aquant: {total_files} files, {:.1} MiB{shard_note}{}",
        total_bytes as f64 / (1 << 20) as f64,
        if plan.ignored > 0 {
            format!("; {} non-audio files left alone", plan.ignored)
        } else {
            String::new()
        }
    );

    let terminal = std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = indicatif::ProgressBar::new(total_bytes.max(1));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {percent:>3}% {elapsed_precise} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let started = Instant::now();
    let tally = Mutex::new(Tally::default());
    let show = |t: &Tally| {
        let running_bytes: u64 = t.running.values().map(|r| r.0).sum();
        let running_audio: f64 = t.running.values().map(|r| r.1).sum();
        let audio = t.audio_done + running_audio;
        let speed = audio / started.elapsed().as_secs_f64().max(1e-9);
        bar.set_position(t.bytes_done + running_bytes);
        bar.set_message(format!(
            "{}/{total_files} files, {:.2} h audio, {speed:.0}x real time",
            t.files_done,
            audio / 3600.0
        ));
    };
    let observer = |event: &BatchEvent| {
        let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            BatchEvent::Started { .. } => {}
            BatchEvent::Progress {
                job,
                frames_done,
                frames_total,
                sample_rate,
            } => {
                let fraction = if *frames_total > 0 {
                    (*frames_done as f64 / *frames_total as f64).min(1.0)
                } else {
                    0.0
                };
                let bytes = (job.input_bytes as f64 * fraction) as u64;
                let audio = *frames_done as f64 / (*sample_rate).max(1) as f64;
                t.running.insert(job.input.clone(), (bytes, audio));
                show(&t);
            }
            BatchEvent::Finished { job, report } => {
                t.running.remove(&job.input);
                t.files_done += 1;
                t.bytes_done += job.input_bytes;
                t.audio_done += report.audio_seconds;
                let n = t.files_done;
                match report.status {
                    FileStatus::Failed => {
                        t.failed += 1;
                        let line = format!(
                            "[{n}/{total_files}] FAILED {}: {}",
                            job.relative.display(),
                            report.error.as_deref().unwrap_or("unknown error")
                        );
                        bar.suspend(|| eprintln!("{line}"));
                    }
                    status if !terminal => {
                        let what = if status == FileStatus::Skipped {
                            "skipped (exists)"
                        } else {
                            "ok"
                        };
                        eprintln!(
                            "[{n}/{total_files}] {what} {} ({:.1} s audio in {:.2} s)",
                            job.relative.display(),
                            report.audio_seconds,
                            report.wall_seconds
                        );
                    }
                    _ => {}
                }
                show(&t);
            }
        }
    };
    let report = batch::run(&plan, &options, &observer);
    bar.finish_and_clear();

    let t = &report.totals;
    eprintln!(
        "aquant: {} converted, {} skipped, {} failed; {:.2} h audio in {:.1} s ({:.0}x real time, {} jobs)",
        t.converted,
        t.skipped,
        t.failed,
        t.audio_seconds / 3600.0,
        t.wall_seconds,
        t.speed_x_realtime,
        report.jobs
    );
    if t.clipped > 0 || t.nan > 0 {
        eprintln!(
            "aquant: {} samples clipped, {} NaN samples written as 0 (see the report per file)",
            t.clipped, t.nan
        );
    }
    if let Some(path) = &a.report {
        let json = report.to_json();
        write_atomically(path, |file| {
            use std::io::Write;
            let mut w = std::io::BufWriter::new(file);
            w.write_all(json.as_bytes())
                .and_then(|_| w.flush())
                .map_err(|source| aquant::Error::Io {
                    path: path.clone(),
                    source,
                })
        })
        .with_context(|| format!("writing the report {}", path.display()))?;
    }
    Ok(if t.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
