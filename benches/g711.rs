//! G.711 encode/decode throughput, in cache (4096 samples), at every SIMD level.
//! Run: `cargo bench --bench g711 -- --quick`

use aquant::codecs::g711::{decode_at, encode_at, G711Quantizer, Law, Rule};
use aquant::{Dither, Processor, SimdLevel};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const N: usize = 4096;

fn bench(c: &mut Criterion) {
    let pcm: Vec<i16> = (0..N)
        .map(|i| ((i as f32 * 0.37).sin() * 30000.0) as i16 ^ (i as i16 & 7))
        .collect();
    let float: Vec<f32> = pcm.iter().map(|&x| x as f32 / 32768.0).collect();
    let mut codes = vec![0u8; N];
    let mut back = vec![0i16; N];
    let mut g = c.benchmark_group("g711");
    g.throughput(Throughput::Elements(N as u64));
    for level in SimdLevel::available() {
        for law in [Law::MuLaw, Law::ALaw] {
            let name = format!("{}/{}", law.name(), level.name());
            g.bench_function(BenchmarkId::new("encode_itu", &name), |b| {
                b.iter(|| encode_at(level, law, Rule::Itu, black_box(&pcm), &mut codes).unwrap())
            });
            g.bench_function(BenchmarkId::new("decode", &name), |b| {
                b.iter(|| decode_at(level, law, black_box(&codes), &mut back).unwrap())
            });
        }
    }
    for law in [Law::MuLaw, Law::ALaw] {
        g.bench_function(BenchmarkId::new("encode_nearest", law.name()), |b| {
            b.iter(|| {
                encode_at(SimdLevel::Scalar, law, Rule::Nearest, black_box(&pcm), &mut codes)
                    .unwrap()
            })
        });
        let mut q = G711Quantizer::new(law, Rule::Itu, 1, Dither::tpdf()).unwrap();
        g.bench_function(BenchmarkId::new("f32_tpdf_encode", law.name()), |b| {
            b.iter(|| q.process(black_box(&float), &mut codes).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
