//! RNNoise v0.1 speed: one full frame (high-pass, analysis, pitch, features, network, pitch
//! filter, synthesis) of aquant's port at each SIMD level, side by side with nnnoiseless (the
//! other Rust port of the same model). Input: the golden input of
//! `$AQUANT_MODELS/rnnoise-v0.1/golden/` if present (noisy speech, 465 frames), else a
//! synthetic noisy signal. Run single core: `taskset -c 1 cargo bench --bench rnnoise`.
//!
//! Times are the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: on a
//! shared machine wall time also counts the time other processes hold the core. Set
//! `AQUANT_BENCH_WALL=1` for wall time.

use std::hint::black_box;
use std::path::PathBuf;

use aquant::models::rnnoise::{Denoiser, Network, RnnoiseModel, FRAME_SIZE, INT16_SCALE};
use aquant::SimdLevel;
use criterion::measurement::{Measurement, WallTime};
use criterion::Criterion;

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;

/// Noisy speech on the ±1.0 scale, a whole number of frames.
fn input() -> Vec<f32> {
    let base = std::env::var_os("AQUANT_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/models"));
    if let Ok(bytes) = std::fs::read(base.join("rnnoise-v0.1/golden/input.f32le")) {
        return bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) / INT16_SCALE)
            .collect();
    }
    eprintln!("golden input not found: benchmarking a synthetic signal");
    let mut s = 1u32;
    (0..400 * FRAME_SIZE)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            0.3 * (i as f32 * 0.021).sin() * (i as f32 * 0.0002).sin()
                + (s as f32 / u32::MAX as f32 - 0.5) * 0.1
        })
        .collect()
}

fn frames<M: Measurement>(c: &mut Criterion<M>) {
    let signal = input();
    let frames: Vec<[f32; FRAME_SIZE]> = signal
        .chunks_exact(FRAME_SIZE)
        .map(|f| f.try_into().unwrap())
        .collect();
    let mut group = c.benchmark_group("rnnoise_v0.1_frame");
    for level in SimdLevel::available() {
        let mut dn = Denoiser::with_model(RnnoiseModel::builtin(), level);
        let mut out = [0.0f32; FRAME_SIZE];
        let mut i = 0;
        group.bench_function(format!("aquant_{}", level.name()), |b| {
            b.iter(|| {
                i = (i + 1) % frames.len();
                black_box(dn.process_frame(black_box(&frames[i]), &mut out))
            })
        });
    }
    // nnnoiseless works on the int16 scale.
    let frames16: Vec<Vec<f32>> = frames
        .iter()
        .map(|f| f.iter().map(|v| v * INT16_SCALE).collect())
        .collect();
    let mut nn = nnnoiseless::DenoiseState::new();
    let mut out = [0.0f32; FRAME_SIZE];
    let mut i = 0;
    group.bench_function("nnnoiseless", |b| {
        b.iter(|| {
            i = (i + 1) % frames16.len();
            black_box(nn.process_frame(&mut out, black_box(&frames16[i])))
        })
    });
    group.finish();

    // The network alone, fed the features of the input's non-silent frames in turn (constant
    // features would drive the GRU states into subnormal numbers and time those instead).
    let mut features = Vec::new();
    let mut dn = Denoiser::new();
    let mut out = [0.0f32; FRAME_SIZE];
    for f in &frames {
        dn.process_frame(f, &mut out);
        if !dn.last_frame().silence {
            features.push(dn.last_frame().features);
        }
    }
    let mut group = c.benchmark_group("rnnoise_v0.1_network");
    for level in SimdLevel::available() {
        let mut net = Network::with_simd(RnnoiseModel::builtin(), level);
        let mut gains = [0.0f32; 22];
        let mut i = 0;
        group.bench_function(format!("aquant_{}", level.name()), |b| {
            b.iter(|| {
                i = (i + 1) % features.len();
                black_box(net.run(black_box(&features[i]), &mut gains))
            })
        });
    }
    group.finish();
}

fn main() {
    if std::env::var_os("AQUANT_BENCH_WALL").is_some() {
        let mut c = Criterion::<WallTime>::default().configure_from_args();
        frames(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args();
        frames(&mut c);
        c.final_summary();
    }
}
