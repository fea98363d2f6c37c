use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use aquant::convert::{quantize_buf, read_all_f32, refuse_same_file, write_atomically};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf, SampleSink};
use aquant::models::rnnoise::Denoiser;
use aquant::resample::StreamResampler;
use aquant::stream::drive_stream;
use aquant::{Dither, DitherKind, UniformQuantizer};

/// RNNoise runs at this rate.
const MODEL_RATE: u32 = 48000;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Noisy input (any rate: resampled to 48 kHz for the model and back).
    input: PathBuf,
    /// Denoised output WAV, in the input's sample format (TPDF-dithered where it is integer).
    output: PathBuf,
}

/// Resamples one channel offline.
fn resample(x: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to {
        return Ok(x.to_vec());
    }
    let mut r = StreamResampler::new(from, to, 1)?;
    let mut out = Vec::with_capacity((x.len() as f64 * to as f64 / from as f64) as usize + 16);
    r.process(x, &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

pub fn run(a: Args) -> Result<ExitCode> {
    refuse_same_file(&a.input, &a.output)?;
    let (spec, samples) = read_all_f32(&a.input, None)?;
    let ch = spec.channels as usize;
    let frames = samples.len() / ch.max(1);
    let mut out = vec![0f32; samples.len()];
    for c in 0..ch {
        let channel: Vec<f32> = samples.iter().skip(c).step_by(ch).copied().collect();
        let at_48k = resample(&channel, spec.sample_rate, MODEL_RATE)?;
        let mut denoised = Vec::with_capacity(at_48k.len());
        drive_stream(
            &mut Denoiser::new(),
            &at_48k,
            &mut [0.0; 4096],
            &mut denoised,
        )?;
        let back = resample(&denoised, MODEL_RATE, spec.sample_rate)?;
        for (i, v) in back.iter().take(frames).enumerate() {
            out[i * ch + c] = *v;
        }
    }
    let encoding = spec.encoding;
    let mut buf = SampleBuf::new(encoding);
    buf.reset_to(encoding, out.len());
    let kind = if encoding == Encoding::F32 {
        DitherKind::None
    } else {
        DitherKind::Tpdf
    };
    quantize_buf(
        &mut UniformQuantizer::new(ch, None, Dither::new(kind))?,
        &SampleBuf::F32(out),
        &mut buf,
    )?;
    write_atomically(&a.output, |file| {
        let mut w = Box::new(WavPcmWriter::new(
            file,
            &a.output,
            PcmSpec { encoding, ..spec },
        )?);
        w.write(&buf)?;
        SampleSink::finalize(w)
    })?;
    Ok(ExitCode::SUCCESS)
}
