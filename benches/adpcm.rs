//! IMA and MS ADPCM throughput: batch (parallel) and streaming encode per effort, and decode.
//! Input: 10 s of 48 kHz stereo, a tone plus noise.

use aquant::codecs::block::{self, BlockDecoder, BlockEncoder};
use aquant::codecs::ima_adpcm::{
    self, Effort, ImaBlockDecoder, ImaBlockEncoder, ImaDecoder, ImaEncoder, ImaParams,
};
use aquant::codecs::ms_adpcm::{self, MsEncoder, MsParams};
use aquant::codecs::{Decoder, Encoder};
use aquant::simd::SimdLevel;
use aquant::stream::Flush;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn input() -> Vec<i16> {
    let mut seed = 1u32;
    (0..48000 * 10 * 2)
        .map(|i| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = (i / 2) as f64 / 48000.0;
            ((t * 440.0 * std::f64::consts::TAU).sin() * 12000.0
                + (t * 3150.0 * std::f64::consts::TAU).sin() * 3000.0
                + ((seed >> 20) as f64 - 2048.0)) as i16
        })
        .collect()
}

fn stream_encode(enc: &mut dyn Encoder, pcm: &[i16], out: &mut [u8]) -> usize {
    let mut total = 0;
    for (i, chunk) in pcm.chunks(4096).enumerate() {
        let last = (i + 1) * 4096 >= pcm.len();
        let flush = if last { Flush::Finish } else { Flush::None };
        let mut rest = chunk;
        loop {
            let p = enc.encode(rest, out, flush).unwrap();
            total += p.produced;
            rest = &rest[p.consumed..];
            if p.finished || (rest.is_empty() && !last) {
                break;
            }
        }
    }
    enc.reset();
    total
}

fn bench(c: &mut Criterion) {
    let pcm = input();
    let ima = ImaParams::new(2, 2048).unwrap();
    let ms = MsParams::new(2, 2048).unwrap();
    let mut g = c.benchmark_group("adpcm");
    g.throughput(Throughput::Elements(pcm.len() as u64));
    g.sample_size(10);
    for effort in [0u8, 1, 2, 3] {
        g.bench_function(format!("ima_encode_all_e{effort}"), |b| {
            b.iter(|| ima_adpcm::encode_all(&ima, black_box(&pcm), Effort(effort)))
        });
        g.bench_function(format!("ms_encode_all_e{effort}"), |b| {
            b.iter(|| ms_adpcm::encode_all(&ms, black_box(&pcm), Effort(effort)))
        });
    }
    let mut out = vec![0u8; 8192];
    let mut enc = ImaEncoder::new(ima, Effort::DEFAULT);
    g.bench_function("ima_stream_encode_e1", |b| {
        b.iter(|| stream_encode(&mut enc, black_box(&pcm), &mut out))
    });
    let mut enc = MsEncoder::new(ms.clone(), Effort::DEFAULT);
    g.bench_function("ms_stream_encode_e1", |b| {
        b.iter(|| stream_encode(&mut enc, black_box(&pcm), &mut out))
    });
    let ima_bytes = ima_adpcm::encode_all(&ima, &pcm, Effort::DEFAULT);
    let ms_bytes = ms_adpcm::encode_all(&ms, &pcm, Effort::DEFAULT);
    g.bench_function("ima_decode_all", |b| {
        b.iter(|| ima_adpcm::decode_all(&ima, black_box(&ima_bytes), None))
    });
    g.bench_function("ms_decode_all", |b| {
        b.iter(|| ms_adpcm::decode_all(&ms, black_box(&ms_bytes), None))
    });
    // The file path of `aquant convert`: whole blocks through the block codec traits, one
    // encoder per rayon thread, at each SIMD level this CPU has.
    let whole = pcm.len() / (2 * ima.samples_per_block()) * 2 * ima.samples_per_block();
    let mut block_bytes = vec![0u8; whole / (2 * ima.samples_per_block()) * ima.block_align()];
    let mut block_pcm = vec![0i16; whole];
    for level in SimdLevel::available() {
        let first: Box<dyn BlockEncoder> =
            Box::new(ImaBlockEncoder::with_level(ima, Effort::DEFAULT, level));
        let mut workers: Vec<Box<dyn BlockEncoder>> = (1..rayon::current_num_threads())
            .map(|_| first.boxed_clone())
            .collect();
        workers.insert(0, first);
        g.bench_function(format!("ima_block_encode_e1_{}", level.name()), |b| {
            b.iter(|| {
                block::encode_parallel(&mut workers, black_box(&pcm[..whole]), &mut block_bytes)
            })
        });
        let mut single = ImaBlockEncoder::with_level(ima, Effort::DEFAULT, level);
        g.bench_function(
            format!("ima_block_encode_e1_1thread_{}", level.name()),
            |b| b.iter(|| single.encode_blocks(black_box(&pcm[..whole]), &mut block_bytes)),
        );
        // The bucketed beam at effort 4 (3 paths per step index): its kernels per level.
        let mut beam = ImaBlockEncoder::with_level(ima, Effort(4), level);
        g.bench_function(
            format!("ima_block_encode_e4_1thread_{}", level.name()),
            |b| b.iter(|| beam.encode_blocks(black_box(&pcm[..whole]), &mut block_bytes)),
        );
        let dec = ImaBlockDecoder::with_level(ima, level);
        g.bench_function(format!("ima_block_decode_{}", level.name()), |b| {
            b.iter(|| block::decode_parallel(&dec, black_box(&block_bytes), &mut block_pcm))
        });
        g.bench_function(format!("ima_block_decode_1thread_{}", level.name()), |b| {
            b.iter(|| dec.decode_blocks(black_box(&block_bytes), &mut block_pcm))
        });
    }
    let mut dec = ImaDecoder::new(ima);
    let mut pcm_out = vec![0i16; 8192];
    g.bench_function("ima_stream_decode", |b| {
        b.iter(|| {
            let mut rest = &ima_bytes[..];
            loop {
                let p = dec.decode(rest, &mut pcm_out, Flush::Finish).unwrap();
                rest = &rest[p.consumed..];
                if p.finished {
                    break;
                }
            }
            dec.reset();
        })
    });
    g.finish();
}

/// MS ADPCM's block codec on one thread (what each worker of a parallel file conversion runs):
/// whole-block encode at the default effort and decode.
fn bench_ms_blocks(c: &mut Criterion) {
    use aquant::codecs::ms_adpcm::{MsBlockDecoder, MsBlockEncoder};
    let ms = MsParams::new(2, 2048).unwrap();
    let block_samples = ms.samples_per_block() * 2;
    let mut pcm = input();
    pcm.truncate(pcm.len() / block_samples * block_samples);
    let blocks = pcm.len() / block_samples;
    let mut g = c.benchmark_group("ms_adpcm_blocks");
    g.throughput(Throughput::Elements(pcm.len() as u64));
    g.sample_size(10);
    let mut bytes = vec![0u8; blocks * ms.block_align()];
    let mut enc = MsBlockEncoder::new(ms.clone(), Effort::DEFAULT);
    g.bench_function("ms_block_encode_e1_1thread", |b| {
        b.iter(|| enc.encode_blocks(black_box(&pcm), &mut bytes))
    });
    let dec = MsBlockDecoder::new(ms);
    let mut decoded = vec![0i16; pcm.len()];
    g.bench_function("ms_block_decode_1thread", |b| {
        b.iter(|| dec.decode_blocks(black_box(&bytes), &mut decoded))
    });
    g.finish();
}

/// MS ADPCM whole-block decode on one thread at each SIMD level this CPU has (the kernel each
/// worker of `aquant convert` runs), stereo and mono in the customary 48 kHz block sizes.
fn bench_ms_decode_levels(c: &mut Criterion) {
    use aquant::codecs::ms_adpcm::{MsBlockDecoder, MsBlockEncoder};
    let stereo = input();
    let mono: Vec<i16> = stereo.iter().step_by(2).copied().collect();
    let mut g = c.benchmark_group("ms_adpcm_decode_levels");
    g.sample_size(10);
    for (name, channels, align, mut pcm) in [("stereo", 2, 2048, stereo), ("mono", 1, 1024, mono)] {
        let ms = MsParams::new(channels, align).unwrap();
        let block_samples = ms.samples_per_block() * channels;
        pcm.truncate(pcm.len() / block_samples * block_samples);
        let mut bytes = vec![0u8; pcm.len() / block_samples * align];
        MsBlockEncoder::new(ms.clone(), Effort::DEFAULT).encode_blocks(&pcm, &mut bytes);
        let mut decoded = vec![0i16; pcm.len()];
        g.throughput(Throughput::Elements(pcm.len() as u64));
        for level in SimdLevel::available() {
            let dec = MsBlockDecoder::with_level(ms.clone(), level);
            g.bench_function(format!("ms_block_decode_{name}_{}", level.name()), |b| {
                b.iter(|| dec.decode_blocks(black_box(&bytes), &mut decoded))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench, bench_ms_blocks, bench_ms_decode_levels);
criterion_main!(benches);
