use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use aquant::io::wav::WavPcmReader;
use aquant::io::SampleBuf;
use aquant::signal::db;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file to describe.
    file: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let mut reader = WavPcmReader::open(&a.file)?;
    let spec = reader.spec();
    let frames = reader.frames_remaining();
    let mut buf = SampleBuf::new(spec.encoding);
    let (mut peak, mut sum_sq, mut n) = (0f64, 0f64, 0u64);
    while reader.read_frames(&mut buf, 1 << 16)? > 0 {
        for x in buf.to_f64_vec() {
            peak = peak.max(x.abs());
            sum_sq += x * x;
            n += 1;
        }
    }
    let rms = (sum_sq / n.max(1) as f64).sqrt();
    println!("file:     {}", a.file.display());
    println!("format:   WAV {}", spec.encoding.name());
    println!("rate:     {} Hz", spec.sample_rate);
    println!("channels: {}", spec.channels);
    println!(
        "length:   {} frames ({:.3} s)",
        frames,
        frames as f64 / spec.sample_rate as f64
    );
    println!("peak:     {:.2} dBFS", db(peak));
    println!("rms:      {:.2} dBFS", db(rms));
    Ok(ExitCode::SUCCESS)
}
