//! Noise shaping and analysis on WAV files, for `scripts/shaping-vs-sox.sh` and experiments
//! (the `aquant` CLI offers the same as `convert --dither shaped`, `analyze` and
//! `design-shaper`).
//!
//! ```text
//! cargo run --release --example shape_file -- shape IN.wav OUT.wav [PRESET] [--seed N]
//! cargo run --release --example shape_file -- tpdf IN.wav OUT.wav
//! cargo run --release --example shape_file -- analyze REF.wav TEST.wav [--plot FILE.png|svg]
//! cargo run --release --example shape_file -- design RATE ORDER CURVE MAX_GAIN_DB [--plot F]
//! ```
//!
//! `shape` writes 16-bit PCM from any WAV; PRESET is `shaped` (default), `shaped-light`,
//! `shaped-strong`, `lipshitz` or `wannamaker-f`. `analyze` prints one line:
//! `unweighted A-weighted 468-weighted` (dBFS), then the rest of the report.

use std::path::Path;

use aquant::analysis::{analyze, plot};
use aquant::shaping::{design, Curve, NoiseShaper, Preset};
use aquant::{Dither, Processor, UniformQuantizer};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn read_wav(path: &str) -> Res<(Vec<f32>, hound::WavSpec)> {
    let mut r = hound::WavReader::open(path)?;
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f64;
            r.samples::<i32>()
                .map(|s| s.map(|v| (v as f64 * scale) as f32))
                .collect::<Result<_, _>>()?
        }
    };
    Ok((samples, spec))
}

fn read_f64(path: &str) -> Res<(Vec<f64>, hound::WavSpec)> {
    let (s, spec) = read_wav(path)?;
    Ok((s.into_iter().map(f64::from).collect(), spec))
}

fn write_i16(path: &str, spec: hound::WavSpec, data: &[i16]) -> Res<()> {
    let spec = hound::WavSpec {
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
        ..spec
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    {
        let mut w16 = w.get_i16_writer(data.len() as u32);
        for &s in data {
            w16.write_sample(s);
        }
        w16.flush()?;
    }
    w.finalize()?;
    Ok(())
}

/// CPU time this thread has run, seconds (Linux `schedstat`; 0 elsewhere). Wall time means
/// little on a shared machine.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns * 1e-9)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("");
    match cmd {
        "shape" | "tpdf" => {
            let (input, spec) = read_wav(&args[1])?;
            let channels = spec.channels as usize;
            let seed: u64 = flag(&args, "--seed").map_or(Ok(1), |s| s.parse())?;
            let mut out = vec![0i16; input.len()];
            if cmd == "tpdf" {
                UniformQuantizer::new(channels, Some(16), Dither::tpdf().with_seed(seed))?
                    .process(&input, &mut out)?;
            } else {
                let name = args.get(3).filter(|a| !a.starts_with("--"));
                let preset = match name {
                    Some(n) => Preset::from_name(n).ok_or(format!("unknown preset {n}"))?,
                    None => Preset::Shaped,
                };
                let t = std::time::Instant::now();
                let mut shaper =
                    NoiseShaper::preset(channels, Some(16), spec.sample_rate as f64, preset, seed)?;
                let design_time = t.elapsed();
                let (t, cpu) = (std::time::Instant::now(), thread_cpu_seconds());
                shaper.process(&input, &mut out)?;
                eprintln!(
                    "design {:.1} ms, shaping {:.1} ms wall, {:.1} ms CPU ({} samples, {:?})",
                    design_time.as_secs_f64() * 1e3,
                    t.elapsed().as_secs_f64() * 1e3,
                    (thread_cpu_seconds() - cpu) * 1e3,
                    input.len(),
                    shaper.simd_level()
                );
            }
            write_i16(&args[2], spec, &out)?;
        }
        "analyze" => {
            let (reference, spec) = read_f64(&args[1])?;
            let (test, spec2) = read_f64(&args[2])?;
            if spec.channels != spec2.channels || spec.sample_rate != spec2.sample_rate {
                return Err("the files differ in channels or rate".into());
            }
            let r = analyze(
                &reference,
                &test,
                spec.channels as usize,
                spec.sample_rate as f64,
            )?;
            println!(
                "{:.2} {:.2} {:.2}",
                r.unweighted_dbfs, r.a_weighted_dbfs, r.r468_dbfs
            );
            println!(
                "snr {:.2} dB, total error {:.2} dBFS, peak error {:.3e}, spur {:?}, modulation {:?}",
                r.snr_db, r.total_error_dbfs, r.peak_error, r.spur, r.modulation
            );
            if let Some(p) = flag(&args, "--plot") {
                plot::plot_report(&r, &args[2], Path::new(&p))?;
            }
        }
        "design" => {
            let rate: f64 = args[1].parse()?;
            let order: usize = args[2].parse()?;
            let curve = Curve::from_name(&args[3]).ok_or("unknown curve")?;
            let gain: f64 = args[4].parse()?;
            let d = design(rate, order, &curve, gain)?;
            println!("h = {:?}", d.coefficients());
            println!(
                "peak {:.2} dB, power gain {:.2} dB, predicted at 16 bits: unweighted {:.2}, A {:.2}, 468 {:.2} dBFS",
                d.peak_gain_db(),
                10.0 * d.power_gain().log10(),
                d.predicted_noise_dbfs(16, 1.0, None),
                d.predicted_noise_dbfs(16, 1.0, Some(&Curve::A)),
                d.predicted_noise_dbfs(16, 1.0, Some(&Curve::Itu468)),
            );
            if let Some(p) = flag(&args, "--plot") {
                plot::plot_design(&d, Path::new(&p))?;
            }
        }
        _ => return Err("usage: shape_file shape|tpdf|analyze|design ...".into()),
    }
    Ok(())
}
