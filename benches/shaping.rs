//! Noise shaping throughput: float32 stereo at 48 kHz to 16-bit, each preset and SIMD level,
//! against plain TPDF quantization; mono (one serial chain, no channel to overlap it with);
//! and the designer. Throughput is in samples: 1 / (elements/s) is the cost per sample.

use aquant::shaping::{NoiseShaper, Preset};
use aquant::{Dither, Processor, SimdLevel, UniformQuantizer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn input(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (i as f32 * 0.0131).sin() * 0.6 + (i as f32 * 0.377).sin() * 0.1)
        .collect()
}

fn shaping(c: &mut Criterion) {
    let x = input(1 << 20);
    let mut y = vec![0i16; x.len()];
    let mut g = c.benchmark_group("f32_stereo_to_i16");
    g.throughput(Throughput::Elements(x.len() as u64));
    let mut q = UniformQuantizer::new(2, Some(16), Dither::tpdf()).unwrap();
    g.bench_function("tpdf", |b| b.iter(|| q.process(&x, &mut y).unwrap()));
    for preset in [Preset::Shaped, Preset::ShapedLight, Preset::ShapedStrong] {
        for level in SimdLevel::available() {
            let mut s = NoiseShaper::preset(2, Some(16), 48000.0, preset, 1)
                .unwrap()
                .with_simd(level);
            g.bench_function(format!("{}/{}", preset.name(), level.name()), |b| {
                b.iter(|| s.process(&x, &mut y).unwrap())
            });
        }
    }
    g.finish();
    let mut g = c.benchmark_group("f32_mono_to_i16");
    g.throughput(Throughput::Elements(x.len() as u64));
    for level in SimdLevel::available() {
        let mut s = NoiseShaper::preset(1, Some(16), 48000.0, Preset::Shaped, 1)
            .unwrap()
            .with_simd(level);
        g.bench_function(format!("shaped/{}", level.name()), |b| {
            b.iter(|| s.process(&x, &mut y).unwrap())
        });
    }
    g.finish();
    c.bench_function("design_shaped_96k", |b| {
        b.iter(|| Preset::Shaped.design(96000.0).unwrap())
    });
}

criterion_group!(benches, shaping);
criterion_main!(benches);
