//! Stand-in for `aquant convert` until the CLI has ADPCM: encodes a 16-bit PCM WAV to IMA or
//! MS ADPCM WAV, or decodes one back to 16-bit PCM.
//!
//! ```text
//! cargo run --release --example adpcm_convert -- ima-adpcm IN.wav OUT.wav [BLOCK_ALIGN] [EFFORT]
//! cargo run --release --example adpcm_convert -- ms-adpcm IN.wav OUT.wav [BLOCK_ALIGN] [EFFORT]
//! cargo run --release --example adpcm_convert -- pcm16 IN.wav OUT.wav
//! ```

#[path = "../tests/common/wavchunks.rs"]
mod wavchunks;

use aquant::codecs::ima_adpcm::{self, Effort, ImaParams};
use aquant::codecs::ms_adpcm::{self, MsParams};
use std::time::Instant;

/// Process CPU time (user + system, all threads) in seconds, from /proc (10 ms resolution).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().map(|v| v.parse::<f64>().unwrap_or(0.0)).sum()
    });
    ticks / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (format, input, output) = (&args[0], &args[1], &args[2]);
    let block_align: Option<usize> = args.get(3).and_then(|s| s.parse().ok()).filter(|&b| b > 0);
    let effort = Effort(args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1));
    let bytes = std::fs::read(input).expect("read input");
    let t = Instant::now();
    match format.as_str() {
        "pcm16" => {
            let w = wavchunks::parse(&bytes);
            let (pcm, warnings) = match w.format_tag {
                ima_adpcm::WAV_FORMAT_TAG => {
                    let p =
                        ImaParams::from_wav_fmt(w.channels, w.block_align, &w.fmt_extra).unwrap();
                    ima_adpcm::decode_all(&p, &w.data, w.fact.map(u64::from))
                }
                ms_adpcm::WAV_FORMAT_TAG => {
                    let p =
                        MsParams::from_wav_fmt(w.channels, w.block_align, &w.fmt_extra).unwrap();
                    ms_adpcm::decode_all(&p, &w.data, w.fact.map(u64::from))
                }
                t => panic!("format tag {t:#x} is not ADPCM"),
            };
            let decode_time = t.elapsed();
            let spec = hound::WavSpec {
                channels: w.channels as u16,
                sample_rate: w.sample_rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut writer = hound::WavWriter::create(output, spec).unwrap();
            let mut i16w = writer.get_i16_writer(pcm.len() as u32);
            for s in pcm {
                i16w.write_sample(s);
            }
            i16w.flush().unwrap();
            writer.finalize().unwrap();
            eprintln!(
                "decode {:.3} ms, {warnings} warnings",
                decode_time.as_secs_f64() * 1e3
            );
        }
        "ima-adpcm" | "ms-adpcm" => {
            let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
            let spec = reader.spec();
            let pcm: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
            let ch = spec.channels as usize;
            let frames = (pcm.len() / ch) as u32;
            let t = Instant::now();
            let cpu = cpu_seconds();
            let file = if format == "ima-adpcm" {
                let ba = block_align
                    .unwrap_or_else(|| ImaParams::default_block_align(ch, spec.sample_rate));
                let p = ImaParams::new(ch, ba).unwrap();
                let data = ima_adpcm::encode_all(&p, &pcm, effort);
                eprintln!(
                    "encode {:.3} ms wall, {:.2} s cpu",
                    t.elapsed().as_secs_f64() * 1e3,
                    cpu_seconds() - cpu
                );
                wavchunks::write_adpcm_wav(
                    ima_adpcm::WAV_FORMAT_TAG,
                    ch,
                    spec.sample_rate,
                    p.avg_bytes_per_sec(spec.sample_rate),
                    ba,
                    4,
                    &p.wav_fmt_extra(),
                    frames,
                    &data,
                )
            } else {
                let ba = block_align
                    .unwrap_or_else(|| MsParams::default_block_align(ch, spec.sample_rate));
                let p = MsParams::new(ch, ba).unwrap();
                let data = ms_adpcm::encode_all(&p, &pcm, effort);
                eprintln!(
                    "encode {:.3} ms wall, {:.2} s cpu",
                    t.elapsed().as_secs_f64() * 1e3,
                    cpu_seconds() - cpu
                );
                wavchunks::write_adpcm_wav(
                    ms_adpcm::WAV_FORMAT_TAG,
                    ch,
                    spec.sample_rate,
                    p.avg_bytes_per_sec(spec.sample_rate),
                    ba,
                    4,
                    &p.wav_fmt_extra(),
                    frames,
                    &data,
                )
            };
            std::fs::write(output, file).unwrap();
        }
        f => panic!("unknown format {f}"),
    }
}
