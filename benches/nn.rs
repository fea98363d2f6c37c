//! nn engine benchmarks (single thread): Silero VAD per 512-sample chunk in float and int8, and
//! the matrix kernels at every level this CPU has. For the kernels the throughput is in
//! elements = operations (one multiply-add counts 2), so criterion's "Gelem/s" reads as GOPS.
//!
//! Times are the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: on a
//! shared machine wall time also counts the time other processes hold the core. Set
//! `AQUANT_BENCH_WALL=1` for wall time.

use std::hint::black_box;

use aquant::models::silero_vad::{Precision, SileroVad, BUNDLED_WEIGHTS, CHUNK};
use aquant::nn::kernels::{
    gemm_f32, gemm_i8_f32, gemm_i8_i8, KernelLevel, PackedF32, PackedI8, PackedI8x4,
};
use aquant::nn::quantize::quantize_rows;
use aquant::nn::TensorFile;
use criterion::measurement::{Measurement, WallTime};
use criterion::{Criterion, Throughput};

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;

fn silero<M: Measurement>(c: &mut Criterion<M>) {
    let weights = TensorFile::from_bytes(BUNDLED_WEIGHTS).unwrap();
    // A speech-like test signal: a few harmonics with a slow envelope plus noise.
    let signal: Vec<f32> = (0..CHUNK * 64)
        .map(|i| {
            let t = i as f32 / 16000.0;
            let env = (t * 3.0).sin().abs();
            let noise = ((i * 2_654_435_761usize) % 1000) as f32 / 1000.0 - 0.5;
            let tau = std::f32::consts::TAU;
            env * 0.3 * ((t * tau * 180.0).sin() + 0.5 * (t * tau * 360.0).sin()) + 0.01 * noise
        })
        .collect();
    let mut group = c.benchmark_group("silero_vad_chunk");
    let mut levels = vec![KernelLevel::select()];
    if KernelLevel::select() != KernelLevel::Scalar {
        levels.push(KernelLevel::Scalar);
    }
    for level in levels {
        for (precision, name) in [(Precision::Float, "float"), (Precision::Int8, "int8")] {
            let mut vad = SileroVad::with_level(&weights, precision, level).unwrap();
            let mut k = 0;
            group.bench_function(format!("{name}/{}", level.name()), |b| {
                b.iter(|| {
                    let chunk: &[f32; CHUNK] =
                        signal[k * CHUNK..(k + 1) * CHUNK].try_into().unwrap();
                    k = (k + 1) % 64;
                    black_box(vad.process_chunk(black_box(chunk)))
                })
            });
        }
    }
    group.finish();
}

fn kernels<M: Measurement>(c: &mut Criterion<M>) {
    // The LSTM's recurrent product (512 × 128, one vector) and a conv-like product
    // (128 × 384, 4 vectors).
    for (rows, cols, n) in [(512usize, 128usize, 1usize), (128, 384, 4)] {
        let w: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let q = quantize_rows(&w, rows, cols);
        let packed_i8x4 = PackedI8x4::from_rows(rows, cols, &q.q, &q.scales).unwrap();
        let packed_i8 = PackedI8::from_rows(rows, cols, &q.q, &q.scales);
        let packed_f32 = PackedF32::from_rows(rows, cols, &w);
        let pc = packed_i8x4.padded_cols();
        let xq: Vec<i8> = (0..n * pc).map(|i| ((i * 31) % 255) as i32 as i8).collect();
        let xf: Vec<f32> = (0..n * cols).map(|i| (i % 17) as f32 / 17.0).collect();
        let mut out_i = vec![0i32; n * rows];
        let mut out_f = vec![0f32; n * rows];
        let mut group = c.benchmark_group(format!("gemm_{rows}x{cols}x{n}"));
        group.throughput(Throughput::Elements((2 * rows * cols * n) as u64));
        for level in KernelLevel::available() {
            group.bench_function(format!("i8xi8/{}", level.name()), |b| {
                b.iter(|| gemm_i8_i8(level, &packed_i8x4, black_box(&xq), n, &mut out_i))
            });
            group.bench_function(format!("i8xf32/{}", level.name()), |b| {
                b.iter(|| gemm_i8_f32(level, &packed_i8, black_box(&xf), n, &mut out_f))
            });
            group.bench_function(format!("f32/{}", level.name()), |b| {
                b.iter(|| gemm_f32(level, &packed_f32, black_box(&xf), n, &mut out_f))
            });
        }
        group.finish();
    }
}

fn main() {
    if std::env::var_os("AQUANT_BENCH_WALL").is_some() {
        let mut c = Criterion::<WallTime>::default().configure_from_args();
        silero(&mut c);
        kernels(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args();
        silero(&mut c);
        kernels(&mut c);
        c.final_summary();
    }
}
