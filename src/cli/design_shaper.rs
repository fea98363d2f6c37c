use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aquant::analysis::plot;
use aquant::shaping::{design, Curve};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sample rate in Hz (8000–384000).
    #[arg(long)]
    rate: f64,
    /// Filter order (1–32).
    #[arg(long, default_value_t = 16)]
    order: usize,
    /// Hearing curve: r468 (ITU-R 468), a (A-weighting) or ath (threshold of hearing).
    #[arg(long, default_value = "r468")]
    curve: String,
    /// Largest gain of the noise-transfer filter, in dB.
    #[arg(long, default_value_t = 15.0)]
    max_gain: f64,
    /// Target depth for the predicted figures.
    #[arg(long, default_value_t = 16)]
    bits: u32,
    /// Write a plot of the filter's response (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let curve = Curve::from_name(&a.curve)
        .with_context(|| format!("unknown curve {:?}: expected r468, a or ath", a.curve))?;
    let d = design(a.rate, a.order, &curve, a.max_gain)?;
    println!(
        "noise-transfer filter 1 + Σ h[k] z^-k, order {}, {} Hz:",
        a.order, a.rate
    );
    for (k, h) in d.coefficients().iter().enumerate() {
        println!("h[{:2}] = {:+.9}", k + 1, h);
    }
    println!("peak gain:           {:8.2} dB", d.peak_gain_db());
    println!(
        "noise power gain:    {:8.2} dB",
        10.0 * d.power_gain().log10()
    );
    println!("predicted at {} bits with TPDF:", a.bits);
    println!(
        "  unweighted:        {:8.2} dBFS",
        d.predicted_noise_dbfs(a.bits, 1.0, None)
    );
    println!(
        "  A-weighted:        {:8.2} dBFS",
        d.predicted_noise_dbfs(a.bits, 1.0, Some(&Curve::A))
    );
    println!(
        "  ITU-R 468:         {:8.2} dBFS",
        d.predicted_noise_dbfs(a.bits, 1.0, Some(&Curve::Itu468))
    );
    if let Some(path) = &a.plot {
        plot::plot_design(&d, path)?;
        eprintln!("aquant: plot written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
