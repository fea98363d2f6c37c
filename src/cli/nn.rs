use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aquant::convert::write_atomically;
use aquant::nn::quantize::{format_report, quantize_safetensors, Granularity, QuantizeOptions};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Quantize a safetensors model's float weights to 8 or 4 bits, with a table of sizes and
    /// SQNR per tensor.
    Quantize(QuantizeArgs),
}

#[derive(clap::Args, Debug)]
pub struct QuantizeArgs {
    /// Input model (float safetensors).
    input: PathBuf,
    /// Output model.
    output: PathBuf,
    /// Bits per weight: 8 or 4.
    #[arg(long, default_value_t = 8)]
    bits: u8,
    /// Which weights share a scale: tensor, row, or group:N.
    #[arg(long, default_value = "row")]
    granularity: String,
    /// Keep tensors whose name contains this string in float (repeatable).
    #[arg(long)]
    keep: Vec<String>,
}

pub fn run(c: Command) -> Result<ExitCode> {
    match c {
        Command::Quantize(a) => {
            aquant::convert::refuse_same_file(&a.input, &a.output)?;
            let bytes = std::fs::read(&a.input)
                .with_context(|| format!("reading {}", a.input.display()))?;
            let opts = QuantizeOptions {
                bits: a.bits,
                granularity: Granularity::parse(&a.granularity)?,
                keep: a.keep,
                ..Default::default()
            };
            let (out, report) = quantize_safetensors(&bytes, &opts)?;
            write_atomically(&a.output, |mut file| {
                std::io::Write::write_all(&mut file, &out).map_err(|source| aquant::Error::Io {
                    path: a.output.clone(),
                    source,
                })
            })?;
            print!("{}", format_report(&report));
            Ok(ExitCode::SUCCESS)
        }
    }
}
