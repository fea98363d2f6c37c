use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aquant::analysis::analyze;
use aquant::convert::{
    convert_file, quantize_buf, read_all_f32, shape_buf, write_atomically, ConvertOptions,
    OutputFormat,
};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::shaping::{NoiseShaper, Preset};
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

    // Noise shaping at 16 bits: the weighted figures are what it improves.
    println!();
    println!(
        "{:<20} {:>12} {:>12} {:>12}",
        "16-bit shaping", "unweighted", "A-weighted", "ITU-R 468"
    );
    let mut shaped_rows: Vec<(&str, SampleBuf)> = Vec::new();
    let mut tpdf = SampleBuf::new(Encoding::I16);
    tpdf.reset_to(Encoding::I16, input.len());
    quantize_buf(
        &mut UniformQuantizer::new(2, None, Dither::tpdf().with_seed(1))?,
        &input,
        &mut tpdf,
    )?;
    shaped_rows.push(("tpdf (no shaping)", tpdf));
    for preset in [Preset::Shaped, Preset::ShapedLight, Preset::ShapedStrong] {
        let mut shaper = NoiseShaper::preset(2, None, RATE as f64, preset, 1)?;
        let mut out = SampleBuf::new(Encoding::I16);
        out.reset_to(Encoding::I16, input.len());
        shape_buf(&mut shaper, &input, &mut out)?;
        write_wav(&a.out.join(format!("pcm16-{}.wav", preset.name())), &out)?;
        shaped_rows.push((preset.name(), out));
    }
    for (name, out) in &shaped_rows {
        let r = analyze(&reference64, &out.to_f64_vec(), 2, RATE as f64)?;
        println!(
            "{:<20} {:>12.2} {:>12.2} {:>12.2}",
            name, r.unweighted_dbfs, r.a_weighted_dbfs, r.r468_dbfs
        );
    }

    // Codecs, through the same conversion path as `aquant convert` (TPDF from float), each at
    // its rate: the reference is resampled first and each codec is measured against it.
    println!();
    println!(
        "{:<16} {:>8} {:>9} {:>9} {:>13} {:>6}",
        "codec (stereo)", "rate", "kbit/s", "SNR dB", "error dBFS", "delay"
    );
    let source = a.out.join("reference-f32.wav");
    for (name, rate) in CODECS {
        let reference_path = if *rate == RATE {
            source.clone()
        } else {
            let p = a.out.join(format!("reference-{}k.wav", rate / 1000));
            if !p.exists() {
                let opts = ConvertOptions {
                    format: OutputFormat::Pcm(Encoding::F32),
                    rate: Some(*rate),
                    ..Default::default()
                };
                convert_file(&source, &p, &opts, &mut |_, _| {})?;
            }
            p
        };
        let format = OutputFormat::from_name(name).context("codec in the registry")?;
        let coded = a.out.join(format!("{name}.wav"));
        let opts = ConvertOptions {
            format,
            seed: 1,
            ..Default::default()
        };
        convert_file(&reference_path, &coded, &opts, &mut |_, _| {})?;
        let (_, reference) = read_all_f32(&reference_path, None)?;
        let (_, decoded) = read_all_f32(&coded, None)?;
        let r: Vec<f64> = reference.iter().map(|&x| x as f64).collect();
        let d: Vec<f64> = decoded.iter().map(|&x| x as f64).collect();
        // Codecs with filter banks (G.722's QMF) delay their output: measure at the best lag.
        let (lag, f) = (0..64usize)
            .map(|lag| {
                let n = r.len().min(d.len().saturating_sub(2 * lag));
                (lag, error_figures(&r[..n], &d[2 * lag..2 * lag + n]))
            })
            .max_by(|a, b| a.1.snr_db.total_cmp(&b.1.snr_db))
            .expect("lags");
        let seconds = r.len() as f64 / 2.0 / *rate as f64;
        let kbps =
            std::fs::metadata(&coded).map(|m| m.len()).unwrap_or(0) as f64 * 8.0 / seconds / 1000.0;
        println!(
            "{:<16} {:>8} {:>9.1} {:>9.2} {:>13.2} {:>6}",
            name, rate, kbps, f.snr_db, f.error_dbfs, lag
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Codec rows of the demo: `--format` name and the rate it runs at.
const CODECS: &[(&str, u32)] = &[
    ("mulaw", RATE),
    ("alaw", RATE),
    ("ima-adpcm", RATE),
    ("ms-adpcm", RATE),
    ("g722-64", 16000),
    ("g722-56", 16000),
    ("g722-48", 16000),
    ("g726-40", 8000),
    ("g726-32", 8000),
    ("g726-24", 8000),
    ("g726-16", 8000),
];
