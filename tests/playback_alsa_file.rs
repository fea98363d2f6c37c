//! The real cpal/ALSA path, headless: `HOME` points at a temporary folder whose `.asoundrc`
//! makes the default PCM ALSA's `file` plugin (raw samples to a file, slave `null`). What
//! the device received must equal the offline conversion of the same signal bit for bit,
//! apart from silence the device adds before and after.
//!
//! ALSA reads its configuration once per process, so this binary holds a single test that
//! sets `HOME` before anything touches ALSA, and runs its cases one after another.
#![cfg(all(feature = "playback", target_os = "linux"))]

#[path = "chain_support/mod.rs"]
mod chain_support;

use std::path::Path;

use aquant::chain::{Chain, ChainFormat, ChainOptions};
use aquant::codecs::{Decoder, Encoder};
use aquant::convert::{convert_file, open_input, ConvertOptions, OutputFormat};
use aquant::io::Encoding;
use aquant::playback::{MemorySource, PlayOptions, Player};
use aquant::stream::Flush;
use aquant::{Dither, DitherKind, Processor, UniformQuantizer};
use chain_support::{signal, ToyBlockDecoder, ToyBlockEncoder};

const RATE: u32 = 44100;

fn write_f32_wav(path: &Path, samples: &[f32], channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn read_raw(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn as_i16(raw: &[u8]) -> Vec<i16> {
    raw.chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn as_f32(raw: &[u8]) -> Vec<f32> {
    raw.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Asserts `captured` is `expected` with only silence (whole frames) before and after.
/// Returns the frames of leading silence.
fn assert_equal_but_silence<T: PartialEq + Default + Copy + std::fmt::Debug>(
    captured: &[T],
    expected: &[T],
    channels: usize,
    what: &str,
) -> usize {
    let zero = T::default();
    assert!(
        captured.len() >= expected.len(),
        "{what}: captured {} samples, expected at least {}",
        captured.len(),
        expected.len()
    );
    let mut lead = 0;
    loop {
        let end = lead + expected.len();
        assert!(
            end <= captured.len(),
            "{what}: no alignment of the expected samples found"
        );
        if captured[lead..end] == expected[..] {
            assert!(
                captured[end..].iter().all(|&s| s == zero),
                "{what}: non-silent samples after the signal"
            );
            return lead / channels;
        }
        // Only silence may precede the signal.
        assert!(
            captured[lead..lead + channels].iter().all(|&s| s == zero),
            "{what}: captured differs from the offline conversion at sample {}",
            lead + captured[lead..end]
                .iter()
                .zip(expected)
                .position(|(a, b)| a != b)
                .unwrap_or(0)
        );
        lead += channels;
    }
}

/// Plays to the end. The ring is primed before the first callback; with a ring that holds
/// the whole signal there can be no underrun even though the `null` device consumes as fast
/// as the CPU allows.
fn play(
    source: Box<dyn aquant::io::SampleSource>,
    chain: Chain,
    options: &PlayOptions,
) -> aquant::playback::StatsSnapshot {
    let player = Player::start(source, chain, options).expect("start playback");
    eprintln!("  {}", player.info());
    DEVICE_CHANNELS.store(
        player.info().choice.config.channels as usize,
        std::sync::atomic::Ordering::Relaxed,
    );
    let stats = player.wait().expect("playback");
    eprintln!("  {stats}");
    assert_eq!(stats.chain_errors, 0);
    stats
}

static DEVICE_CHANNELS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Frames that are not all zero.
fn non_silent_frames(samples: &[f32], channels: usize) -> Vec<f32> {
    samples
        .chunks_exact(channels)
        .filter(|f| f.iter().any(|&s| s != 0.0))
        .flatten()
        .copied()
        .collect()
}

#[test]
fn alsa_file_plugin_captures_exactly_the_offline_conversion() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out.raw");
    std::fs::write(
        home.path().join(".asoundrc"),
        format!(
            "pcm.!default {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
            out.display()
        ),
    )
    .unwrap();
    // SAFETY: nothing else runs in this process yet (one test per binary), and ALSA reads
    // HOME on first use, which is below.
    unsafe { std::env::set_var("HOME", home.path()) };
    std::env::remove_var("XDG_CONFIG_HOME");

    let channels = 2usize;
    let input = signal(channels, RATE as usize * 6 / 10, 11);
    let wav = home.path().join("in.wav");
    write_f32_wav(&wav, &input, channels as u16);

    // 1. A file → 8-bit TPDF quantizer → 16-bit device: the raw capture is the converted
    //    file's data chunk.
    let converted = home.path().join("conv.wav");
    let opts = ConvertOptions {
        format: OutputFormat::Pcm(Encoding::I16),
        bits: Some(8),
        dither: Some(DitherKind::Tpdf),
        seed: 3,
        ..ConvertOptions::default()
    };
    convert_file(&wav, &converted, &opts, &mut |_, _| {}).unwrap();
    let expected: Vec<i16> = hound::WavReader::open(&converted)
        .unwrap()
        .samples::<i16>()
        .map(|s| s.unwrap())
        .collect();
    let chain = |max_frames| {
        Chain::new(&ChainOptions {
            bits: Some(8),
            dither: Dither::tpdf().with_seed(3),
            max_frames,
            ..ChainOptions::new(channels, ChainFormat::pcm16())
        })
        .unwrap()
    };
    eprintln!("case 1: file, 16-bit device");
    let whole_signal = PlayOptions {
        ring_seconds: 1.0,
        ..PlayOptions::default()
    };
    let stats = play(
        open_input(&wav).unwrap(),
        chain(4096),
        &PlayOptions {
            sample_format: Some(cpal::SampleFormat::I16),
            ..whole_signal.clone()
        },
    );
    assert_eq!(stats.source_frames, (input.len() / channels) as u64);
    assert_eq!(stats.underruns, 0);
    let lead =
        assert_equal_but_silence(&as_i16(&read_raw(&out)), &expected, channels, "i16 device");
    eprintln!("  leading silence: {lead} frames");

    // 2. Same chain, float device with a fixed 256-frame buffer: the floats are the 16-bit
    //    codes / 32768.
    eprintln!("case 2: file, float device, 256-frame buffer");
    let stats = play(
        open_input(&wav).unwrap(),
        chain(256),
        &PlayOptions {
            sample_format: Some(cpal::SampleFormat::F32),
            buffer_frames: Some(256),
            ..whole_signal.clone()
        },
    );
    assert_eq!(stats.underruns, 0);
    let expected_f32: Vec<f32> = expected.iter().map(|&s| s as f32 / 32768.0).collect();
    assert_equal_but_silence(
        &as_f32(&read_raw(&out)),
        &expected_f32,
        channels,
        "f32 device",
    );

    // 3. A 20 ms ring that the reader refills while the `null` device drains it as fast as
    //    the CPU allows: the reader falls behind, the callback writes silence and counts
    //    underruns, and no sample is lost or repeated: without the silent frames the capture
    //    is the conversion.
    eprintln!("case 3: 20 ms ring against an unpaced device");
    let stats = play(
        open_input(&wav).unwrap(),
        chain(256),
        &PlayOptions {
            sample_format: Some(cpal::SampleFormat::F32),
            buffer_frames: Some(256),
            ring_seconds: 0.02,
            ..PlayOptions::default()
        },
    );
    assert_eq!(stats.source_frames, (input.len() / channels) as u64);
    assert_eq!(
        non_silent_frames(&as_f32(&read_raw(&out)), channels),
        non_silent_frames(&expected_f32, channels),
        "frames lost, repeated or altered"
    );

    // 4. A block codec round trip (test codec, 37-frame blocks): the capture is the offline
    //    round trip after the chain's latency, which is leading silence.
    eprintln!("case 4: block codec");
    let block = 37;
    let codec_opts = ChainOptions {
        dither: Dither::tpdf().with_seed(1),
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    };
    let codec_chain = Chain::with_codec(
        &codec_opts,
        Box::new(ToyBlockEncoder::new(channels, block)),
        Box::new(ToyBlockDecoder::new(channels, block)),
    )
    .unwrap();
    let latency = codec_chain.latency_frames();
    assert!(latency > 0);
    play(
        Box::new(MemorySource::new(input.clone(), channels as u16, RATE)),
        codec_chain,
        &PlayOptions {
            sample_format: Some(cpal::SampleFormat::I16),
            ..whole_signal.clone()
        },
    );
    let offline = offline_toy_round_trip(&input, channels, block);
    let lead =
        assert_equal_but_silence(&as_i16(&read_raw(&out)), &offline, channels, "block codec");
    assert!(lead >= latency, "lead {lead} < latency {latency}");

    // 5. The device at 48 kHz: the chain runs at 44.1 kHz and its output is resampled. A
    //    1 kHz tone must come out with 48000/44100 as many samples and still at 1 kHz.
    eprintln!("case 5: resampled to 48 kHz");
    let frames = RATE as usize;
    let tone: Vec<f32> = (0..frames)
        .map(|i| 0.5 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / RATE as f64).sin() as f32)
        .collect();
    let stats = play(
        Box::new(MemorySource::new(tone, 1, RATE)),
        Chain::new(&ChainOptions::new(1, ChainFormat::Pcm(Encoding::F32))).unwrap(),
        &PlayOptions {
            sample_format: Some(cpal::SampleFormat::F32),
            device_rate: Some(48000),
            ..whole_signal.clone()
        },
    );
    assert_eq!(stats.source_frames, frames as u64);
    let got = as_f32(&read_raw(&out));
    // The device may have more channels than the mono source; take channel 0.
    let dev_ch = DEVICE_CHANNELS.load(std::sync::atomic::Ordering::Relaxed);
    let ch0: Vec<f32> = got.iter().step_by(dev_ch).copied().collect();
    let active: Vec<f32> = ch0.iter().copied().skip_while(|x| x.abs() < 1e-3).collect();
    let active = &active[..active.iter().rposition(|x| x.abs() >= 1e-3).unwrap() + 1];
    assert!(
        (active.len() as i64 - 48000).abs() < 300,
        "resampled length {} (expected about 48000)",
        active.len()
    );
    let crossings = active[1000..47000]
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count();
    // 46000 samples at 48 kHz of a 1 kHz tone: 958.3 periods.
    assert!(
        (957..=960).contains(&crossings),
        "{crossings} upward zero crossings"
    );
    let peak = active[1000..47000].iter().fold(0f32, |m, x| m.max(x.abs()));
    assert!((peak - 0.5).abs() < 0.01, "peak {peak}");
}

fn offline_toy_round_trip(input: &[f32], channels: usize, block: usize) -> Vec<i16> {
    let mut pcm = vec![0i16; input.len()];
    UniformQuantizer::new(channels, None, Dither::tpdf().with_seed(1))
        .unwrap()
        .process(input, &mut pcm)
        .unwrap();
    let mut enc = ToyBlockEncoder::new(channels, block);
    let mut dec = ToyBlockDecoder::new(channels, block);
    let mut bytes = vec![0u8; input.len() * 2 + 1000];
    // The last block is padded with silence, as the chain's latency tail pads it.
    let p = enc.encode(&pcm, &mut bytes, Flush::Finish).unwrap();
    assert!(p.finished);
    let mut out = vec![0i16; input.len() + 1000];
    let d = dec
        .decode(&bytes[..p.produced], &mut out, Flush::Finish)
        .unwrap();
    out.truncate(input.len());
    assert!(d.produced >= input.len());
    out
}
