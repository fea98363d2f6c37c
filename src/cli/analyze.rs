use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use aquant::analysis::{analyze, plot};
use aquant::convert::read_all_f32;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The reference file.
    reference: PathBuf,
    /// The file under test (same rate and channels), compared sample by sample.
    test: PathBuf,
    /// Write a plot of the error spectrum with the weighting curves (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let (rs, reference) = read_all_f32(&a.reference, None)?;
    let (ts, test) = read_all_f32(&a.test, None)?;
    if (rs.sample_rate, rs.channels) != (ts.sample_rate, ts.channels) {
        bail!(
            "{} is {} Hz × {} channels but {} is {} Hz × {} channels",
            a.reference.display(),
            rs.sample_rate,
            rs.channels,
            a.test.display(),
            ts.sample_rate,
            ts.channels
        );
    }
    let to64 = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<f64>>();
    let r = analyze(
        &to64(reference),
        &to64(test),
        rs.channels as usize,
        rs.sample_rate as f64,
    )?;
    println!(
        "error TEST − REF over {:.0}–{:.0} Hz ({} frames, {} channels, {} Hz)",
        r.band.0, r.band.1, r.frames, r.channels, r.rate
    );
    println!("unweighted noise:    {:8.2} dBFS", r.unweighted_dbfs);
    println!("A-weighted noise:    {:8.2} dBFS", r.a_weighted_dbfs);
    println!("ITU-R 468 noise:     {:8.2} dBFS", r.r468_dbfs);
    println!("total error:         {:8.2} dBFS", r.total_error_dbfs);
    println!("SNR:                 {:8.2} dB", r.snr_db);
    println!(
        "peak error:          {:8.2} dBFS",
        20.0 * r.peak_error.max(1e-30).log10()
    );
    match &r.spur {
        Some(s) => println!(
            "largest spur:        {:8.1} Hz, {:.1} dB above the local floor ({:.1} dBFS)",
            s.freq, s.above_floor_db, s.level_dbfs
        ),
        None => println!("largest spur:        none"),
    }
    println!(
        "noise modulation:    {:8.2} dB std, {:.2} dB range over {} blocks of 100 ms",
        r.modulation.std_db, r.modulation.range_db, r.modulation.blocks
    );
    if let Some(path) = &a.plot {
        plot::plot_report(
            &r,
            &format!("{} vs {}", a.test.display(), a.reference.display()),
            path,
        )?;
        eprintln!("aquant: plot written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
