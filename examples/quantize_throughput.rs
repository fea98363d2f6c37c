//! Quantizes float32 to 16-bit with TPDF and prints the throughput per SIMD level, in wall time
//! and (on Linux) in this thread's CPU time, which stays meaningful on a busy machine:
//! `cargo run --release --example quantize_throughput`.

use aquant::{Dither, Processor, SimdLevel, UniformQuantizer};
use std::time::Instant;

/// This thread's CPU time in seconds (Linux), if available.
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn main() {
    for (label, n, reps) in [
        ("4096 samples", 4096usize, 8192usize),
        ("64 MiB", 16 << 20, 4),
    ] {
        let input: Vec<f32> = (0..n)
            .map(|i| ((i as f32) * 0.000_731).sin() * 0.8)
            .collect();
        let mut out = vec![0i16; n];
        for level in SimdLevel::available() {
            let mut q = UniformQuantizer::new(2, None, Dither::tpdf())
                .unwrap()
                .with_simd(level);
            let (mut best_wall, mut best_cpu) = (f64::MAX, f64::MAX);
            for _ in 0..3 {
                let (t, c) = (Instant::now(), thread_cpu_seconds());
                for _ in 0..reps {
                    q.process(std::hint::black_box(&input), &mut out).unwrap();
                }
                best_wall = best_wall.min(t.elapsed().as_secs_f64());
                if let (Some(c0), Some(c1)) = (c, thread_cpu_seconds()) {
                    best_cpu = best_cpu.min(c1 - c0);
                }
            }
            let total = (n * reps) as f64;
            println!(
                "{label:>13} {:>7}: {:.2} G samples/s wall, {:.2} G samples/s per CPU-second",
                level.name(),
                total / best_wall / 1e9,
                total / best_cpu / 1e9
            );
        }
    }
}
