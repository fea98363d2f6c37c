//! Denoises a 48 kHz WAV file with RNNoise v0.1, one denoiser per channel.
//!
//! ```text
//! cargo run --release --example denoise_file -- noisy.wav clean.wav
//! ```
//!
//! The output has the input's length, channel count and sample format (16-bit integer or
//! 32-bit float). Other sample rates are refused here; the `aquant denoise` command resamples.

use aquant::models::rnnoise::{Denoiser, SAMPLE_RATE};
use aquant::stream::{Flush, Stream};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} IN.wav OUT.wav", args[0]);
        std::process::exit(2);
    }
    let mut reader = hound::WavReader::open(&args[1])?;
    let spec = reader.spec();
    if spec.sample_rate != SAMPLE_RATE {
        return Err(format!(
            "{}: {} Hz; RNNoise needs {SAMPLE_RATE} Hz (resample first, e.g. with sox)",
            args[1], spec.sample_rate
        )
        .into());
    }
    // Read everything as f32 on the ±1.0 scale.
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()?
        }
    };
    let channels = spec.channels as usize;
    let frames = samples.len() / channels;

    // Deinterleave, denoise each channel as a stream, interleave again.
    let mut out = vec![0.0f32; frames * channels];
    for ch in 0..channels {
        let input: Vec<f32> = samples.iter().skip(ch).step_by(channels).copied().collect();
        let mut dn = Denoiser::new();
        let mut denoised = Vec::with_capacity(input.len());
        let mut buf = [0.0f32; 4096];
        let mut rest = &input[..];
        loop {
            let p = dn.process_stream(rest, &mut buf, Flush::Finish)?;
            denoised.extend_from_slice(&buf[..p.produced]);
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
        for (i, v) in denoised.iter().enumerate() {
            out[i * channels + ch] = *v;
        }
    }

    let mut writer = hound::WavWriter::create(&args[2], spec)?;
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for v in out {
                writer.write_sample(v)?;
            }
        }
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f32;
            let (lo, hi) = (-scale, scale - 1.0);
            for v in out {
                writer.write_sample((v * scale).round().clamp(lo, hi) as i32)?;
            }
        }
    }
    writer.finalize()?;
    eprintln!(
        "denoised {frames} samples x {channels} channel(s) into {}",
        args[2]
    );
    Ok(())
}
