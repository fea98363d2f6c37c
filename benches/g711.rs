//! G.711 encode/decode throughput, in cache (4096 samples), at every SIMD level.
//! Run: `cargo bench --bench g711 -- --quick`
//!
//! Time is the benchmark thread's own CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time, so
//! the figures hold for one core even on a machine shared with other jobs.

use aquant::codecs::g711::{decode_at, encode_at, G711Quantizer, Law, Rule};
use aquant::{Dither, Processor, SimdLevel};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

/// CPU time of the calling thread.
struct ThreadCpuTime;

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write into; the clock id is a constant Linux knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time() - start
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

const N: usize = 4096;

fn bench(c: &mut Criterion<ThreadCpuTime>) {
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
                encode_at(
                    SimdLevel::Scalar,
                    law,
                    Rule::Nearest,
                    black_box(&pcm),
                    &mut codes,
                )
                .unwrap()
            })
        });
        let mut q = G711Quantizer::new(law, Rule::Itu, 1, Dither::tpdf()).unwrap();
        g.bench_function(BenchmarkId::new("f32_tpdf_encode", law.name()), |b| {
            b.iter(|| q.process(black_box(&float), &mut codes).unwrap())
        });
    }
    // For reference: the uniform quantizer alone (the first stage of the float path).
    let mut u = aquant::UniformQuantizer::new(1, Some(14), Dither::tpdf()).unwrap();
    g.bench_function("uniform_f32_to_14bit_tpdf", |b| {
        b.iter(|| u.process(black_box(&float), &mut back).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench
}
criterion_main!(benches);
