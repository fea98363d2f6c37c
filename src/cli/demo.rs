use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aquant::convert::{quantize_buf, write_atomically};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::signal::{demo_signal, error_figures};
use aquant::{Dither, DitherKind, UniformQuantizer};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder for the WAV files (created if missing).
    #[arg(long, default_value = "aquant-demo")]
    out: PathBuf,
    /// Length of the built-in signal in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
}

const RATE: u32 = 48000;

struct Variant {
    name: &'static str,
    encoding: Encoding,
    bits: Option<u32>,
    dither: DitherKind,
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "pcm24",
        encoding: Encoding::I24,
        bits: None,
        dither: DitherKind::Tpdf,
    },
    Variant {
        name: "pcm16",
        encoding: Encoding::I16,
        bits: None,
        dither: DitherKind::None,
    },
    Variant {
        name: "pcm16-rpdf",
        encoding: Encoding::I16,
        bits: None,
        dither: DitherKind::Rpdf,
    },
    Variant {
        name: "pcm16-tpdf",
        encoding: Encoding::I16,
        bits: None,
        dither: DitherKind::Tpdf,
    },
    Variant {
        name: "pcm16-tpdf-hp",
        encoding: Encoding::I16,
        bits: None,
        dither: DitherKind::TpdfHighPass,
    },
    Variant {
        name: "pcm12",
        encoding: Encoding::I16,
        bits: Some(12),
        dither: DitherKind::None,
    },
    Variant {
        name: "pcm12-tpdf",
        encoding: Encoding::I16,
        bits: Some(12),
        dither: DitherKind::Tpdf,
    },
    Variant {
        name: "pcm8",
        encoding: Encoding::U8,
        bits: None,
        dither: DitherKind::None,
    },
    Variant {
        name: "pcm8-tpdf",
        encoding: Encoding::U8,
        bits: None,
        dither: DitherKind::Tpdf,
    },
];

fn write_wav(path: &std::path::Path, buf: &SampleBuf) -> Result<()> {
    write_atomically(path, |file| {
        let spec = PcmSpec {
            channels: 2,
            sample_rate: RATE,
            encoding: buf.encoding(),
        };
        let mut w = WavPcmWriter::new(file, path, spec)?;
        w.write(buf)?;
        w.finalize()
    })?;
    Ok(())
}

pub fn run(a: Args) -> Result<ExitCode> {
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let signal = demo_signal(RATE, a.seconds);
    let reference: Vec<f32> = signal.iter().map(|&x| x as f32).collect();
    let reference64: Vec<f64> = reference.iter().map(|&x| x as f64).collect();
    let input = SampleBuf::F32(reference);
    write_wav(&a.out.join("reference-f32.wav"), &input)?;

    println!("aquant demo: {:.1} s of 48 kHz stereo (−60 dBFS 1 kHz sine + −12 dBFS sweep + −70 dBFS noise)", a.seconds);
    println!("files in {}/", a.out.display());
    println!();
    println!(
        "{:<16} {:>5} {:>8} {:>9} {:>13} {:>8}",
        "variant", "bits", "dither", "SNR dB", "error dBFS", "clipped"
    );
    for v in VARIANTS {
        let mut q = UniformQuantizer::new(2, v.bits, Dither::new(v.dither).with_seed(1))?;
        let mut out = SampleBuf::new(v.encoding);
        out.reset_to(v.encoding, input.len());
        quantize_buf(&mut q, &input, &mut out)?;
        write_wav(&a.out.join(format!("{}.wav", v.name)), &out)?;
        let f = error_figures(&reference64, &out.to_f64_vec());
        println!(
            "{:<16} {:>5} {:>8} {:>9.2} {:>13.2} {:>8}",
            v.name,
            v.bits.unwrap_or(v.encoding.bits()),
            v.dither.name(),
            f.snr_db,
            f.error_dbfs,
            q.stats().clipped
        );
    }
    Ok(ExitCode::SUCCESS)
}
