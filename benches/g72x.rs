//! G.726 and G.722 throughput. The headline figure is G.726-32 encoding of 8 kHz audio
//! (`g726_encode/32k`): multiply the time per 10 s block by 360 for one hour, and compare with
//! `ffmpeg -f s16le -ar 8000 -ac 1 -i hour.raw -c:a g726 -b:a 32k -f g726 out.g726`.
//! The kernel level is the one `SimdLevel::select()` picks (set `AQUANT_SIMD=scalar|avx2|avx512`
//! to compare levels); its name is part of the benchmark id.

use aquant::codecs::g722::{G722Decoder, G722Encoder, Mode};
use aquant::codecs::g726::{G726Decoder, G726Encoder, Packing, Rate};
use aquant::codecs::{Decoder, Encoder};
use aquant::{Flush, SimdLevel};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// Deterministic speech-like test signal: two sines plus LCG noise.
fn signal(len: usize, rate: f64) -> Vec<i16> {
    let mut x: u32 = 12345;
    (0..len)
        .map(|i| {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = i as f64 / rate;
            let noise = (x >> 16) as f64 / 65536.0 - 0.5;
            ((t * 440.0 * std::f64::consts::TAU).sin() * 6000.0
                + (t * 1370.0 * std::f64::consts::TAU).sin() * 3000.0
                + noise * 2000.0) as i16
        })
        .collect()
}

fn g726(c: &mut Criterion) {
    let input = signal(80_000, 8000.0); // 10 s
    let level = SimdLevel::select().clamp_to_cpu().name();
    let mut group = c.benchmark_group("g726_encode");
    group.throughput(Throughput::Elements(input.len() as u64));
    for rate in Rate::ALL {
        let mut out = vec![0u8; input.len()];
        let mut enc = G726Encoder::new(rate, Packing::MsbFirst, 1).unwrap();
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{}k/{level}", rate.kbps())),
            &input,
            |b, input| {
                b.iter(|| {
                    enc.reset();
                    black_box(enc.encode(input, &mut out, Flush::Finish).unwrap());
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("g726_decode");
    group.throughput(Throughput::Elements(input.len() as u64));
    for rate in Rate::ALL {
        let mut bytes = vec![0u8; input.len()];
        let mut enc = G726Encoder::new(rate, Packing::MsbFirst, 1).unwrap();
        let n = enc
            .encode(&input, &mut bytes, Flush::Finish)
            .unwrap()
            .produced;
        let mut out = vec![0i16; input.len() + 8];
        let mut dec = G726Decoder::new(rate, Packing::MsbFirst, 1).unwrap();
        group.bench_function(
            BenchmarkId::from_parameter(format!("{}k", rate.kbps())),
            |b| {
                b.iter(|| {
                    dec.reset();
                    black_box(dec.decode(&bytes[..n], &mut out, Flush::Finish).unwrap());
                })
            },
        );
    }
    group.finish();
}

fn g722(c: &mut Criterion) {
    let input = signal(160_000, 16000.0); // 10 s
    let mut group = c.benchmark_group("g722");
    group.throughput(Throughput::Elements(input.len() as u64));
    let mut bytes = vec![0u8; input.len() / 2];
    let mut enc = G722Encoder::new(Mode::Kbps64, 1).unwrap();
    group.bench_function("encode", |b| {
        b.iter(|| {
            enc.reset();
            black_box(enc.encode(&input, &mut bytes, Flush::Finish).unwrap());
        })
    });
    let mut out = vec![0i16; input.len()];
    let mut dec = G722Decoder::new(Mode::Kbps64, 1).unwrap();
    group.bench_function("decode", |b| {
        b.iter(|| {
            dec.reset();
            black_box(dec.decode(&bytes, &mut out, Flush::Finish).unwrap());
        })
    });
    group.finish();
}

criterion_group!(benches, g726, g722);
criterion_main!(benches);
