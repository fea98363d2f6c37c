//! Throughput of the uniform quantizer: float32 → 16-bit with TPDF dither, at every SIMD level
//! this machine has, in cache (4096 samples) and from memory (64 MiB of input).

use aquant::{Dither, Processor, SimdLevel, UniformQuantizer};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn input(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as f32) * 0.000_731).sin() * 0.8 + (i % 7) as f32 * 1e-5)
        .collect()
}

fn bench(c: &mut Criterion) {
    for (name, n) in [
        ("f32_to_i16_tpdf_4096", 4096usize),
        ("f32_to_i16_tpdf_64MiB", 16 << 20),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(n as u64));
        if n > 4096 {
            group.sample_size(10);
        }
        let x = input(n);
        let mut out = vec![0i16; n];
        for level in SimdLevel::available() {
            let mut q = UniformQuantizer::new(2, None, Dither::tpdf())
                .unwrap()
                .with_simd(level);
            group.bench_with_input(BenchmarkId::from_parameter(level.name()), &level, |b, _| {
                b.iter(|| q.process(black_box(&x), black_box(&mut out)).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
