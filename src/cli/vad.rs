use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use aquant::convert::{mix_to_mono, read_all_f32};
use aquant::models::silero_vad::{detect, Precision, SegmentOptions, SileroVad, CHUNK};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input audio (any rate; mixed to mono and resampled to 16 kHz).
    input: PathBuf,
    /// Speech probability threshold.
    #[arg(long, default_value_t = 0.5)]
    threshold: f32,
    /// Model precision: float (matches ONNX Runtime) or int8.
    #[arg(long, default_value = "float")]
    precision: String,
    /// Print JSON: the segments and every 32 ms chunk's probability.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let precision = match a.precision.as_str() {
        "float" | "f32" => Precision::Float,
        "int8" => Precision::Int8,
        other => bail!("unknown precision {other:?}: expected float or int8"),
    };
    if !(0.0..=1.0).contains(&a.threshold) {
        bail!("--threshold {} is not in 0..=1", a.threshold);
    }
    let (spec, samples) = read_all_f32(&a.input, Some(16000))?;
    let mono = mix_to_mono(&samples, spec.channels as usize);
    let mut vad = SileroVad::bundled(precision)?;
    let opts = SegmentOptions {
        threshold: a.threshold,
        ..Default::default()
    };
    let d = detect(&mut vad, &mono, &opts);
    if a.json {
        let json = serde_json::json!({
            "segments": d.segments.iter().map(|s| serde_json::json!({
                "start": s.start_seconds(),
                "end": s.end_seconds(),
            })).collect::<Vec<_>>(),
            "chunk_seconds": CHUNK as f64 / 16000.0,
            "probabilities": d.probabilities,
        });
        println!("{json}");
    } else {
        for s in &d.segments {
            println!("{:9.3} {:9.3}", s.start_seconds(), s.end_seconds());
        }
        if d.segments.is_empty() {
            eprintln!("aquant: no speech found");
        }
    }
    Ok(ExitCode::SUCCESS)
}
