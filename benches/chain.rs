//! The real-time chain's cost per callback buffer: a 256-frame stereo buffer, the size of a
//! typical low-latency callback (5.333 ms at 48 kHz). Issue 7's budget: shaped dither and a
//! mu-law round trip in at most 1% of that period, 53.3 µs.
//!
//! `mulaw_shaped` is exactly that chain, in the chain's order: noise-shaped TPDF dither (the
//! `shaped` preset designed for 48 kHz, order 16) from float to 16 bits, then G.711 mu-law
//! encode and decode, back to float. Besides criterion's wall-clock figures, the bench prints
//! the thread's CPU time per buffer (`CLOCK_THREAD_CPUTIME_ID`, best of several batches) and
//! its share of the period: wall time is noisy on a shared machine.

use aquant::chain::{Chain, ChainFormat, ChainOptions, DenoiseStage};
use aquant::codecs::CodecId;
use aquant::shaping::Preset;
use aquant::{Dither, DitherKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FRAMES: usize = 256;
const CHANNELS: usize = 2;
const RATE: u32 = 48_000;

fn buffer() -> Vec<f32> {
    (0..FRAMES * CHANNELS)
        .map(|i| 0.5 * (i as f32 * 0.0123).sin())
        .collect()
}

fn chain(
    format: ChainFormat,
    bits: Option<u32>,
    kind: DitherKind,
    shaping: Option<Preset>,
) -> Chain {
    Chain::new(&ChainOptions {
        bits,
        dither: Dither::new(kind),
        max_frames: FRAMES,
        shaping,
        sample_rate: Some(RATE),
        ..ChainOptions::new(CHANNELS, format)
    })
    .unwrap()
}

fn bench_chain(c: &mut Criterion, name: &str, mut chain: Chain) {
    let input = buffer();
    let mut buf = input.clone();
    let mut g = c.benchmark_group("chain_256x2");
    g.throughput(Throughput::Elements(FRAMES as u64));
    g.bench_function(name, |b| {
        b.iter(|| {
            buf.copy_from_slice(&input);
            chain
                .process_in_place(std::hint::black_box(&mut buf))
                .unwrap();
        })
    });
    g.finish();
}

/// CPU time this thread has run, in ns (`CLOCK_THREAD_CPUTIME_ID`: exact, unlike the
/// tick-updated `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// Best per-buffer CPU time over several batches, in µs.
fn cpu_per_buffer_us(chain: &mut Chain) -> Option<f64> {
    let input = buffer();
    let mut buf = input.clone();
    let batch = 4000;
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let start = thread_cpu_ns()?;
        for _ in 0..batch {
            buf.copy_from_slice(&input);
            chain
                .process_in_place(std::hint::black_box(&mut buf))
                .unwrap();
        }
        let ns = (thread_cpu_ns()? - start) as f64;
        best = best.min(ns / batch as f64 / 1000.0);
    }
    Some(best)
}

fn report_cpu(name: &str, mut chain: Chain) {
    let period_us = FRAMES as f64 / RATE as f64 * 1e6;
    match cpu_per_buffer_us(&mut chain) {
        Some(us) => eprintln!(
            "chain_256x2/{name}: CPU {us:.2} µs per buffer = {:.3}% of the {period_us:.1} µs \
             period at 48 kHz (budget 1%: {:.1} µs)",
            100.0 * us / period_us,
            period_us / 100.0
        ),
        None => eprintln!("chain_256x2/{name}: no per-thread CPU clock on this system"),
    }
}

/// Builds one benchmarked chain (twice: for the CPU figure and for criterion).
type MakeChain = fn() -> Chain;

fn benches(c: &mut Criterion) {
    const MULAW: ChainFormat = ChainFormat::Codec(CodecId::MuLaw);
    let cases: [(&str, MakeChain); 6] = [
        ("mulaw_shaped", || {
            chain(MULAW, None, DitherKind::Tpdf, Some(Preset::Shaped))
        }),
        ("mulaw_shaped_strong", || {
            chain(MULAW, None, DitherKind::Tpdf, Some(Preset::ShapedStrong))
        }),
        ("mulaw_tpdf", || chain(MULAW, None, DitherKind::Tpdf, None)),
        ("pcm16_shaped", || {
            chain(
                ChainFormat::pcm16(),
                None,
                DitherKind::Tpdf,
                Some(Preset::Shaped),
            )
        }),
        ("pcm16_8bit_tpdf", || {
            chain(ChainFormat::pcm16(), Some(8), DitherKind::Tpdf, None)
        }),
        ("pcm24_tpdf", || {
            chain(
                ChainFormat::Pcm(aquant::io::Encoding::I24),
                None,
                DitherKind::Tpdf,
                None,
            )
        }),
    ];
    for (name, make) in cases {
        report_cpu(name, make());
        bench_chain(c, name, make());
    }
    // Construction (off the audio thread) designs the three rate-dependent presets.
    let start = std::time::Instant::now();
    let built = std::hint::black_box(chain(MULAW, None, DitherKind::Tpdf, Some(Preset::Shaped)));
    eprintln!(
        "Chain::new with shaping at 48 kHz: {:.1} ms (wall)",
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(built);
    // `live --denoise`: RNNoise in front of the chain; the cost per 256-frame buffer is the
    // average over whole 480-frame model frames (one buffer in about two runs a frame).
    let denoising = || {
        chain(ChainFormat::pcm16(), None, DitherKind::Tpdf, None)
            .with_pre_stage(Box::new(DenoiseStage::new(CHANNELS).unwrap()))
    };
    report_cpu("denoise_pcm16_tpdf", denoising());
    bench_chain(c, "denoise_pcm16_tpdf", denoising());
}

criterion_group!(chain_benches, benches);
criterion_main!(chain_benches);
