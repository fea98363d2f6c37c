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
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput};

/// CPU time of the calling thread.
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for clock_gettime to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if ns < 1e3 {
            (1.0, "ns (cpu)")
        } else if ns < 1e6 {
            (1e-3, "µs (cpu)")
        } else {
            (1e-6, "ms (cpu)")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per_iter = match *t {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n,
            Throughput::Bits(n) => n,
        } as f64;
        values.iter_mut().for_each(|v| *v = per_iter / *v);
        "G/s (cpu)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

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
