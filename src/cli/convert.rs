use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use aquant::convert::{convert_file, ConvertOptions, OutputFormat};
use aquant::DitherKind;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input file.
    input: PathBuf,
    /// Output file (written to a temporary file first, renamed when complete).
    output: PathBuf,
    /// Output format: pcm8, pcm16, pcm24, pcm32, f32.
    #[arg(long, short = 'f', default_value = "pcm16")]
    format: String,
    /// Target depth in bits within the container (1 to the container's width).
    #[arg(long, short = 'b')]
    bits: Option<u32>,
    /// Dither: none, rpdf, tpdf, tpdf-hp. Default: tpdf when precision is lost, none otherwise.
    #[arg(long, short = 'd')]
    dither: Option<String>,
    /// Dither amplitude in LSB.
    #[arg(long, default_value_t = 1.0)]
    dither_amplitude: f64,
    /// Seed of the dither generators.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn parse_dither(name: &str) -> Result<DitherKind> {
    Ok(match name {
        "none" => DitherKind::None,
        "rpdf" => DitherKind::Rpdf,
        "tpdf" => DitherKind::Tpdf,
        "tpdf-hp" | "tpdf_hp" | "hp" => DitherKind::TpdfHighPass,
        other => bail!("unknown dither {other:?}: expected none, rpdf, tpdf or tpdf-hp"),
    })
}

pub fn run(a: Args) -> Result<ExitCode> {
    let Some(format) = OutputFormat::from_name(&a.format) else {
        bail!(
            "unknown format {:?}: expected pcm8, pcm16, pcm24, pcm32 or f32",
            a.format
        );
    };
    let options = ConvertOptions {
        format,
        bits: a.bits,
        dither: a.dither.as_deref().map(parse_dither).transpose()?,
        dither_amplitude: a.dither_amplitude,
        seed: a.seed,
    };
    let bar = super::progress_bar(0, "converting");
    let report = convert_file(&a.input, &a.output, &options, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let s = report.stats;
    if s.clipped > 0 {
        eprintln!("aquant: {} samples clipped", s.clipped);
    }
    if s.nan > 0 {
        eprintln!("aquant: {} NaN samples written as 0", s.nan);
    }
    Ok(ExitCode::SUCCESS)
}
