//! Many callbacks through ALSA's `null` device (real cpal path, headless): nothing inside the
//! data callback allocates (a counting allocator counts every allocation made on a thread
//! while it is inside the callback), no sample is lost, and a starved reader makes the
//! callback write silence rather than wait.
#![cfg(all(feature = "playback", target_os = "linux"))]

#[path = "chain_support/mod.rs"]
mod chain_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aquant::chain::{Chain, ChainDither, ChainFormat, ChainOptions, DenoiseStage};
use aquant::codecs::CodecId;
use aquant::io::{PcmSpec, SampleBuf, SampleSource};
use aquant::playback::{Live, LiveOptions, MemorySource, PlayOptions, Player};
use aquant::shaping::Preset;
use aquant::{Dither, DitherKind};
use chain_support::{signal, ToyBlockDecoder, ToyBlockEncoder};

struct Counting;

static IN_CALLBACK_ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    IN_CALLBACK.try_with(|c| c.get()).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            IN_CALLBACK_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            IN_CALLBACK_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            IN_CALLBACK_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mark(inside: bool) {
    IN_CALLBACK.with(|c| c.set(inside));
}

const RATE: u32 = 44100;

fn check_the_counter_counts() {
    // The instrument must be able to fail: an allocation inside a marked region counts.
    let before = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed);
    std::thread::spawn(|| {
        mark(true);
        let v = std::hint::black_box(vec![1u8; 100]);
        drop(v);
        mark(false);
    })
    .join()
    .unwrap();
    assert_eq!(IN_CALLBACK_ALLOCS.load(Ordering::Relaxed), before + 2);
}

fn play_counting(chain: Chain, options: PlayOptions, seconds: f64, channels: usize) {
    let frames = (RATE as f64 * seconds) as usize;
    let input = signal(channels, frames, 21);
    let control = chain.control();
    let player = Player::start(
        Box::new(MemorySource::new(input, channels as u16, RATE)),
        chain,
        &PlayOptions {
            device: Some("null".into()),
            on_callback: Some(mark),
            ..options
        },
    )
    .expect("open the null device");
    eprintln!("{}", player.info());
    // Parameter changes from a control thread while playing.
    for i in 0..20 {
        control.set_bits(Some(4 + i % 8)).unwrap();
        control.set_dither(if i % 2 == 0 {
            DitherKind::Tpdf
        } else {
            DitherKind::None
        });
        control.set_bypass(i % 5 == 4);
        std::thread::sleep(Duration::from_micros(500));
    }
    let stats = player.wait().expect("playback");
    eprintln!("{stats}");
    assert!(stats.callbacks >= 500, "only {} callbacks", stats.callbacks);
    assert_eq!(stats.source_frames, frames as u64, "samples lost");
    assert_eq!(stats.underruns, 0);
    assert_eq!(stats.chain_errors, 0);
}

#[test]
fn callbacks_never_allocate_and_lose_nothing() {
    let channels = 2;
    // The whole signal fits the ring (primed before the first callback): the `null` device
    // drains as fast as the CPU allows, so any smaller ring would underrun by design.
    let whole = PlayOptions {
        ring_seconds: 4.0,
        buffer_frames: Some(256),
        ..PlayOptions::default()
    };
    check_the_counter_counts();
    let before = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed);
    // A quantizer chain, float device.
    let q = Chain::new(&ChainOptions {
        bits: Some(8),
        dither: Dither::tpdf(),
        max_frames: 256,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })
    .unwrap();
    play_counting(
        q,
        PlayOptions {
            sample_format: Some(cpal::SampleFormat::F32),
            ..whole.clone()
        },
        3.0,
        channels,
    );
    // A block codec chain, 16-bit device.
    let opts = ChainOptions {
        dither: Dither::tpdf(),
        max_frames: 256,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    };
    let codec = Chain::with_codec(
        &opts,
        Box::new(ToyBlockEncoder::new(channels, 100)),
        Box::new(ToyBlockDecoder::new(channels, 100)),
    )
    .unwrap();
    play_counting(
        codec,
        PlayOptions {
            sample_format: Some(cpal::SampleFormat::I16),
            ..whole.clone()
        },
        3.0,
        channels,
    );
    // The resampler after the chain (device at 48 kHz), 32-bit device.
    let q = Chain::new(&ChainOptions {
        bits: Some(12),
        max_frames: 256,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })
    .unwrap();
    play_counting(
        q,
        PlayOptions {
            sample_format: Some(cpal::SampleFormat::I32),
            device_rate: Some(48000),
            ..whole
        },
        3.0,
        channels,
    );
    let allocs = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed) - before;
    assert_eq!(allocs, 0, "{allocs} allocations inside the data callback");
}

/// A source that stalls for `stall` after every block: its reader falls behind.
struct Stalling {
    inner: MemorySource,
    stall: Duration,
}

impl SampleSource for Stalling {
    fn spec(&self) -> PcmSpec {
        self.inner.spec()
    }
    fn frames_remaining(&self) -> Option<u64> {
        self.inner.frames_remaining()
    }
    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> aquant::Result<usize> {
        std::thread::sleep(self.stall);
        self.inner.read_frames(buf, max_frames.min(2048))
    }
}

#[test]
fn a_starved_callback_writes_silence_and_counts_underruns() {
    let channels = 2;
    let frames = 3 * 2048;
    // Long against any preemption on a loaded machine (callbacks of tens of ms were seen
    // in debug builds on 2 shared cores), short enough for a test.
    let stall = Duration::from_millis(600);
    let chain = Chain::new(&ChainOptions::new(channels, ChainFormat::pcm16())).unwrap();
    let player = Player::start(
        Box::new(Stalling {
            inner: MemorySource::new(signal(channels, frames, 4), channels as u16, RATE),
            stall,
        }),
        chain,
        &PlayOptions {
            device: Some("null".into()),
            buffer_frames: Some(256),
            ring_seconds: 0.01,
            ..PlayOptions::default()
        },
    )
    .unwrap();
    let stats = player.wait().unwrap();
    eprintln!("{stats}");
    // Every stall leaves the callback without data: it must keep running, writing silence.
    assert!(stats.underruns >= 3, "{stats:?}");
    assert!(stats.underrun_frames > 0);
    // Nothing lost: every source frame was played once the reader caught up.
    assert_eq!(stats.source_frames, frames as u64);
    // A callback that waited for the reader would take about a stall.
    assert!(
        stats.worst_callback_seconds < stall.as_secs_f64() / 2.0,
        "worst callback {} s",
        stats.worst_callback_seconds
    );
}

#[test]
fn live_duplex_runs_and_its_output_callback_never_allocates() {
    // `null` capture gives silence as fast as the CPU allows and `null` playback takes it
    // as fast: a smoke test of the duplex path (ring, input conversion, output engine).
    let before = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed);
    let live = Live::start(
        |channels, _| {
            Chain::new(&ChainOptions {
                bits: Some(6),
                dither: Dither::tpdf(),
                max_frames: 256,
                ..ChainOptions::new(channels, ChainFormat::pcm16())
            })
        },
        &LiveOptions {
            input_device: Some("null".into()),
            output_device: Some("null".into()),
            buffer_frames: Some(256),
            on_callback: Some(mark),
            ..LiveOptions::default()
        },
    )
    .expect("open null for capture and playback");
    let control = live.control();
    for bits in 3..10 {
        control.set_bits(Some(bits)).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    let stats = live.stop();
    eprintln!("{stats}");
    assert!(stats.callbacks > 10, "{stats:?}");
    assert!(
        stats.source_frames > 0,
        "no captured frame reached the output: {stats:?}"
    );
    assert_eq!(stats.chain_errors, 0);
    let allocs = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed) - before;
    assert_eq!(allocs, 0, "{allocs} allocations inside the output callback");
}

#[test]
fn shaped_mulaw_and_denoising_chains_never_allocate_in_the_callback_and_lose_nothing() {
    // At 48 kHz, the denoiser's rate. Shaped dither switched on and off, and between
    // presets and depths, from a control thread while playing.
    // (The instrument is checked by `callbacks_never_allocate_and_lose_nothing` only: its
    // deliberate allocations would be counted by any test running at the same time.)
    const RATE_48K: u32 = 48_000;
    let before = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed);
    let channels = 2;
    let frames = RATE_48K as usize * 2;
    let shaped = Chain::new(&ChainOptions {
        dither: Dither::tpdf(),
        max_frames: 256,
        shaping: Some(Preset::Shaped),
        sample_rate: Some(RATE_48K),
        ..ChainOptions::new(channels, ChainFormat::Codec(CodecId::MuLaw))
    })
    .unwrap();
    let denoising = Chain::new(&ChainOptions {
        max_frames: 256,
        shaping: Some(Preset::ShapedLight),
        sample_rate: Some(RATE_48K),
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })
    .unwrap()
    .with_pre_stage(Box::new(DenoiseStage::new(channels).unwrap()));
    for chain in [shaped, denoising] {
        let latency = chain.latency_frames();
        let control = chain.control();
        let player = Player::start(
            Box::new(MemorySource::new(
                signal(channels, frames, 5),
                channels as u16,
                RATE_48K,
            )),
            chain,
            &PlayOptions {
                device: Some("null".into()),
                buffer_frames: Some(256),
                ring_seconds: 4.0,
                on_callback: Some(mark),
                ..PlayOptions::default()
            },
        )
        .expect("open the null device");
        for i in 0..20 {
            let dither = [
                ChainDither::Shaped(Preset::Shaped),
                ChainDither::Plain(DitherKind::Tpdf),
                ChainDither::Shaped(Preset::ShapedStrong),
                ChainDither::Plain(DitherKind::None),
            ][i % 4];
            control.set_chain_dither(dither).unwrap();
            control.set_bits(Some(8 + (i % 8) as u32)).unwrap();
            std::thread::sleep(Duration::from_micros(500));
        }
        let stats = player.wait().expect("playback");
        eprintln!("latency {latency} frames: {stats}");
        assert_eq!(stats.source_frames, frames as u64, "samples lost");
        assert_eq!(stats.underruns, 0);
        assert_eq!(stats.chain_errors, 0);
    }
    let allocs = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed) - before;
    assert_eq!(allocs, 0, "{allocs} allocations inside the data callback");
}

#[test]
fn live_denoise_duplex_never_allocates_in_its_output_callback() {
    let before = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed);
    let live = Live::start(
        |channels, rate| {
            assert_eq!(
                rate,
                DenoiseStage::SAMPLE_RATE,
                "null capture at the rate asked"
            );
            Ok(Chain::new(&ChainOptions {
                max_frames: 256,
                ..ChainOptions::new(channels, ChainFormat::pcm16())
            })?
            .with_pre_stage(Box::new(DenoiseStage::new(channels)?)))
        },
        &LiveOptions {
            input_device: Some("null".into()),
            output_device: Some("null".into()),
            buffer_frames: Some(256),
            rate: Some(DenoiseStage::SAMPLE_RATE),
            on_callback: Some(mark),
            ..LiveOptions::default()
        },
    )
    .expect("open null for capture and playback");
    std::thread::sleep(Duration::from_millis(300));
    let stats = live.stop();
    eprintln!("{stats}");
    assert!(stats.callbacks > 10, "{stats:?}");
    // More than the denoiser's latency went through it.
    assert!(
        stats.source_frames > 2 * DenoiseStage::LATENCY_FRAMES as u64,
        "{stats:?}"
    );
    assert_eq!(stats.chain_errors, 0);
    let allocs = IN_CALLBACK_ALLOCS.load(Ordering::Relaxed) - before;
    assert_eq!(allocs, 0, "{allocs} allocations inside the output callback");
}
