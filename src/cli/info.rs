use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use aquant::convert::open_input;
use aquant::io::SampleBuf;
use aquant::signal::db;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file to describe.
    file: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let format = describe(&a.file);
    let mut reader = open_input(&a.file)?;
    let spec = reader.spec();
    let mut frames = 0u64;
    let mut buf = SampleBuf::new(spec.encoding);
    let (mut peak, mut sum_sq, mut n) = (0f64, 0f64, 0u64);
    loop {
        let got = reader.read_frames(&mut buf, 1 << 16)?;
        if got == 0 {
            break;
        }
        frames += got as u64;
        for x in buf.to_f64_vec() {
            peak = peak.max(x.abs());
            sum_sq += x * x;
            n += 1;
        }
    }
    let rms = (sum_sq / n.max(1) as f64).sqrt();
    println!("file:     {}", a.file.display());
    println!("format:   {format} (decoded as {})", spec.encoding.name());
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

/// The container and encoding as stored, for the `format:` line.
fn describe(path: &std::path::Path) -> String {
    use aquant::codec_io::Container;
    match Container::of(path) {
        Container::Au => "Sun/NeXT AU".into(),
        Container::Raw => "raw".into(),
        Container::Wav => match aquant::io::peek_wav_fmt(path) {
            Some(f) => format!(
                "WAV 0x{:04X} {}, block align {}",
                f.tag,
                aquant::io::format_tag_name(f.tag),
                f.block_align
            ),
            None => "not a WAV file (read through the general decoders)".into(),
        },
    }
}
