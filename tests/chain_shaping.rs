//! Noise-shaped dither in the real-time chain: the chain reproduces the offline noise shaper
//! (what `convert --dither shaped` runs) bit for bit under any chunking, switching into a
//! shaped setting restarts that shaper, and no switch adds error beyond the new setting's own.

mod chain_support;

use aquant::chain::{Chain, ChainControl, ChainDither, ChainFormat, ChainOptions};
use aquant::codecs::{new_decoder, new_encoder, CodecId};
use aquant::io::Encoding;
use aquant::shaping::{NoiseShaper, Preset};
use aquant::stream::{Flush, Processor};
use aquant::{AudioSample, Dither, DitherKind};
use chain_support::signal;
use proptest::prelude::*;

const SEED: u64 = 11;

/// The offline conversion: one shaper (the preset designed for `rate`, TPDF, `SEED`) over the
/// whole signal into the container, read back as float.
fn offline_shaped(
    input: &[f32],
    channels: usize,
    enc: Encoding,
    bits: Option<u32>,
    rate: u32,
    preset: Preset,
) -> Vec<f32> {
    fn run<T: AudioSample + Default + Clone>(s: &mut NoiseShaper, input: &[f32]) -> Vec<f32> {
        let mut out = vec![T::default(); input.len()];
        s.process(input, &mut out).unwrap();
        out.iter().map(|s| s.to_f64() as f32).collect()
    }
    let mut s = NoiseShaper::preset(channels, bits, rate as f64, preset, SEED).unwrap();
    match enc {
        Encoding::U8 => run::<u8>(&mut s, input),
        Encoding::I16 => run::<i16>(&mut s, input),
        Encoding::I24 => run::<aquant::I24>(&mut s, input),
        Encoding::I32 => run::<i32>(&mut s, input),
        Encoding::F32 => run::<f32>(&mut s, input),
    }
}

fn shaped_options(
    channels: usize,
    format: ChainFormat,
    bits: Option<u32>,
    rate: u32,
    preset: Preset,
) -> ChainOptions {
    ChainOptions {
        bits,
        dither: Dither::tpdf().with_seed(SEED),
        max_frames: 256,
        shaping: Some(preset),
        sample_rate: Some(rate),
        ..ChainOptions::new(channels, format)
    }
}

fn run_chunked(chain: &mut Chain, input: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut out = input.to_vec();
    let mut at = 0;
    let mut i = 0;
    while at < out.len() {
        let n = sizes[i % sizes.len()].clamp(1, out.len() - at);
        chain.process_in_place(&mut out[at..at + n]).unwrap();
        at += n;
        i += 1;
    }
    out
}

#[test]
fn shaped_chain_equals_the_offline_noise_shaper() {
    let cases = [
        (2, Encoding::I16, Some(8), 48_000, Preset::Shaped),
        (2, Encoding::I16, None, 44_100, Preset::ShapedStrong),
        (1, Encoding::U8, None, 22_050, Preset::ShapedLight),
        (3, Encoding::I24, Some(12), 96_000, Preset::Shaped),
        (2, Encoding::F32, Some(10), 44_100, Preset::Lipshitz),
        (2, Encoding::I32, Some(6), 44_100, Preset::WannamakerF),
    ];
    for (channels, enc, bits, rate, preset) in cases {
        let input = signal(channels, 3000, 5);
        let expected = offline_shaped(&input, channels, enc, bits, rate, preset);
        let mut chain = Chain::new(&shaped_options(
            channels,
            ChainFormat::Pcm(enc),
            bits,
            rate,
            preset,
        ))
        .unwrap();
        // Partial frames and pieces longer than max_frames (split inside).
        let got = run_chunked(&mut chain, &input, &[1, 255, 7, 1000, 64, 3]);
        assert_eq!(
            got, expected,
            "{channels} ch {enc:?} {bits:?} {rate} {preset:?}"
        );
        // Reset returns to the shaper's initial state.
        chain.reset();
        let again = run_chunked(&mut chain, &input, &[4096]);
        assert_eq!(again, expected, "after reset");
    }
}

#[test]
fn shaped_mulaw_chain_equals_shaper_then_offline_g711() {
    // The chain's order: shaped dither to 16 bits, then G.711 mu-law encode and decode.
    let channels = 2;
    let input = signal(channels, 4000, 9);
    let mut shaper = NoiseShaper::preset(channels, None, 48_000.0, Preset::Shaped, SEED).unwrap();
    let mut pcm = vec![0i16; input.len()];
    shaper.process(&input, &mut pcm).unwrap();
    let mut enc = new_encoder(CodecId::MuLaw, channels).unwrap();
    let mut dec = new_decoder(CodecId::MuLaw, channels).unwrap();
    let mut bytes = vec![0u8; pcm.len()];
    let p = enc.encode(&pcm, &mut bytes, Flush::Finish).unwrap();
    assert_eq!(p.consumed, pcm.len());
    let mut decoded = vec![0i16; p.produced];
    let d = dec
        .decode(&bytes[..p.produced], &mut decoded, Flush::Finish)
        .unwrap();
    assert_eq!(d.produced, pcm.len());
    let expected: Vec<f32> = decoded.iter().map(|&s| s as f32 / 32768.0).collect();

    let mut chain = Chain::new(&shaped_options(
        channels,
        ChainFormat::Codec(CodecId::MuLaw),
        None,
        48_000,
        Preset::Shaped,
    ))
    .unwrap();
    assert_eq!(run_chunked(&mut chain, &input, &[256, 5, 77]), expected);
}

proptest! {
    // Few cases: designing the filters takes a while in debug builds.
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn chunking_does_not_change_shaped_output(
        sizes in prop::collection::vec(1usize..700, 1..12),
        channels in 1usize..4,
        preset in 0usize..3,
    ) {
        let preset = Preset::ALL[preset];
        let input = signal(channels, 2000, 3);
        let opts = shaped_options(channels, ChainFormat::pcm16(), Some(9), 48_000, preset);
        let mut chain = Chain::new(&opts).unwrap();
        let whole = run_chunked(&mut chain, &input, &[input.len()]);
        chain.reset();
        let chunked = run_chunked(&mut chain, &input, &sizes);
        prop_assert_eq!(whole, chunked);
    }
}

#[test]
fn switching_into_shaping_starts_a_fresh_shaper() {
    let channels = 2;
    let frames = 4000;
    let input = signal(channels, frames, 21);
    let mut chain = Chain::new(&ChainOptions {
        dither: Dither::tpdf().with_seed(SEED),
        sample_rate: Some(48_000),
        max_frames: 512,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })
    .unwrap();
    let control = chain.control();
    let mut out = input.clone();
    // Plain TPDF for 1000 frames, then shaped at 8 bits, then shaped-strong at 8 bits, then
    // shaped at 12 bits, each from a buffer boundary.
    let switches: [(usize, Option<u32>, ChainDither); 4] = [
        (0, None, ChainDither::Plain(DitherKind::Tpdf)),
        (1000, Some(8), ChainDither::Shaped(Preset::Shaped)),
        (2000, Some(8), ChainDither::Shaped(Preset::ShapedStrong)),
        (3000, Some(12), ChainDither::Shaped(Preset::Shaped)),
    ];
    for (i, &(start, bits, dither)) in switches.iter().enumerate() {
        control.set_bits(bits).unwrap();
        control.set_chain_dither(dither).unwrap();
        let end = switches.get(i + 1).map_or(frames, |s| s.0);
        for piece in out[start * channels..end * channels].chunks_mut(300) {
            chain.process_in_place(piece).unwrap();
        }
        if let ChainDither::Shaped(preset) = dither {
            let expected = offline_shaped(
                &input[start * channels..end * channels],
                channels,
                Encoding::I16,
                bits,
                48_000,
                preset,
            );
            assert_eq!(
                &out[start * channels..end * channels],
                &expected[..],
                "{dither:?}"
            );
        }
    }
    // Back to shaped at 8 bits: that shaper restarts too, rather than resuming the error
    // history it had 2000 frames ago.
    control.set_bits(Some(8)).unwrap();
    control
        .set_chain_dither(ChainDither::Shaped(Preset::Shaped))
        .unwrap();
    let mut again = input[..1000 * channels].to_vec();
    chain.process_in_place(&mut again).unwrap();
    let expected = offline_shaped(
        &input[..1000 * channels],
        channels,
        Encoding::I16,
        Some(8),
        48_000,
        Preset::Shaped,
    );
    assert_eq!(again, expected);
}

/// How much a setting can amplify the error made before feedback: 1 for plain dither, at most
/// `1 + Σ|hₖ|` for a shaper (its output error is `(1 + Σ hₖ z⁻ᵏ)·e`).
fn feedback_gain(dither: ChainDither, rate: f64) -> f64 {
    match dither {
        ChainDither::Plain(_) => 1.0,
        ChainDither::Shaped(p) => {
            1.0 + p
                .design(rate)
                .unwrap()
                .coefficients()
                .iter()
                .map(|h| h.abs())
                .sum::<f64>()
        }
    }
}

#[test]
fn switches_at_buffer_boundaries_add_no_error_beyond_the_new_setting() {
    // A loud low tone, where a stale or mis-scaled error history would show as a click.
    let channels = 2;
    let rate = 48_000.0;
    let input: Vec<f32> = (0..channels * 48_000)
        .map(|i| {
            0.5 * ((i / channels) as f32 * 2.0 * std::f32::consts::PI * 100.0 / 48_000.0).sin()
        })
        .collect();
    let mut chain = Chain::new(&ChainOptions {
        dither: Dither::tpdf().with_seed(SEED),
        sample_rate: Some(48_000),
        max_frames: 256,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })
    .unwrap();
    let control: ChainControl = chain.control();
    let settings = [
        ChainDither::Plain(DitherKind::Tpdf),
        ChainDither::Shaped(Preset::Shaped),
        ChainDither::Plain(DitherKind::None),
        ChainDither::Shaped(Preset::ShapedStrong),
        ChainDither::Shaped(Preset::ShapedLight),
    ];
    let gains: Vec<f64> = settings.iter().map(|&d| feedback_gain(d, rate)).collect();
    let mut out = input.clone();
    let mut state = 7u32;
    let mut at = 0;
    let mut switches = 0;
    while at < out.len() {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let frames = 32 + (state >> 20) as usize % 400;
        let bits = 8 + (state >> 8) % 9;
        let which = (state >> 4) as usize % settings.len();
        let dither = settings[which];
        control.set_bits(Some(bits)).unwrap();
        control.set_chain_dither(dither).unwrap();
        switches += 1;
        let n = (frames * channels).min(out.len() - at);
        chain.process_in_place(&mut out[at..at + n]).unwrap();
        // From first principles: the error before feedback is at most ½ LSB of rounding plus
        // 1 LSB of TPDF dither, amplified at most by the feedback gain.
        let bound = 1.5 / (1u64 << (bits - 1)) as f64 * gains[which] + 1e-7;
        for (k, (&y, &x)) in out[at..at + n].iter().zip(&input[at..at + n]).enumerate() {
            let err = (y as f64 - x as f64).abs();
            assert!(
                err <= bound,
                "sample {} after switch {switches} to {bits} bits {dither:?}: error {err} > {bound}",
                k
            );
        }
        at += n;
    }
    assert!(switches > 100);
}

#[test]
fn a_change_waits_for_the_end_of_a_partial_frame() {
    // Stereo; a call ends in the middle of frame 1, then bits change from 16 to 4 with no
    // dither: sample 3 (frame 1's right channel) is still on the 16-bit grid, sample 4 on
    // the 4-bit one (steps of 1/8).
    let mut chain = Chain::new(&ChainOptions::new(2, ChainFormat::pcm16())).unwrap();
    let control = chain.control();
    let mut buf = [0.1f32; 8];
    chain.process_in_place(&mut buf[..3]).unwrap();
    control.set_bits(Some(4)).unwrap();
    chain.process_in_place(&mut buf[3..]).unwrap();
    let on16 = (0.1f64 * 32768.0).round() / 32768.0;
    for &y in &buf[..4] {
        assert_eq!(y as f64, on16);
    }
    for &y in &buf[4..] {
        assert_eq!(y, 0.125);
    }
}

#[test]
fn shaping_needs_a_rate_it_can_be_designed_for() {
    let base = ChainOptions::new(2, ChainFormat::pcm16());
    // No rate: no shaped setting, neither at construction nor later.
    assert!(Chain::new(&ChainOptions {
        shaping: Some(Preset::Shaped),
        ..base.clone()
    })
    .is_err());
    let chain = Chain::new(&base).unwrap();
    let c = chain.control();
    assert!(c
        .set_chain_dither(ChainDither::Shaped(Preset::Shaped))
        .is_err());
    assert!(!c.shaping_available(Preset::Shaped));
    assert_eq!(c.chain_dither(), ChainDither::Plain(DitherKind::None));
    // The published filters exist at 44.1 kHz only.
    let at48 = Chain::new(&ChainOptions {
        sample_rate: Some(48_000),
        ..base.clone()
    })
    .unwrap()
    .control();
    assert!(at48.shaping_available(Preset::ShapedStrong));
    assert!(!at48.shaping_available(Preset::Lipshitz));
    assert!(at48
        .set_chain_dither(ChainDither::Shaped(Preset::WannamakerF))
        .is_err());
    assert!(Chain::new(&ChainOptions {
        sample_rate: Some(48_000),
        shaping: Some(Preset::Lipshitz),
        ..base.clone()
    })
    .is_err());
    // Rates the designer refuses leave plain dither working.
    let odd = Chain::new(&ChainOptions {
        sample_rate: Some(4_000),
        ..base.clone()
    })
    .unwrap();
    assert!(!odd.control().shaping_available(Preset::Shaped));
    // Setting and reading back.
    at48.set_chain_dither(ChainDither::Shaped(Preset::ShapedLight))
        .unwrap();
    assert_eq!(
        at48.chain_dither(),
        ChainDither::Shaped(Preset::ShapedLight)
    );
    assert_eq!(at48.dither(), DitherKind::Tpdf);
    at48.set_dither(DitherKind::Rpdf);
    assert_eq!(at48.chain_dither(), ChainDither::Plain(DitherKind::Rpdf));
    for d in ChainDither::ALL {
        assert_eq!(ChainDither::from_name(d.name()), Some(d));
    }
    assert_eq!(ChainDither::from_name("bogus"), None);
}

#[test]
fn float_without_a_grid_passes_through_when_shaped() {
    let input = signal(2, 500, 1);
    let mut chain = Chain::new(&ChainOptions {
        sample_rate: Some(48_000),
        shaping: Some(Preset::Shaped),
        ..ChainOptions::new(2, ChainFormat::Pcm(Encoding::F32))
    })
    .unwrap();
    let mut out = input.clone();
    chain.process_in_place(&mut out).unwrap();
    assert_eq!(out, input);
}

#[test]
fn hostile_samples_are_counted_not_fatal() {
    let mut chain = Chain::new(&shaped_options(
        1,
        ChainFormat::pcm16(),
        Some(8),
        48_000,
        Preset::ShapedStrong,
    ))
    .unwrap();
    let mut buf = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.5,
        1e30,
        -1e30,
        0.0,
    ];
    chain.process_in_place(&mut buf).unwrap();
    assert!(
        buf.iter().all(|x| x.is_finite() && x.abs() <= 1.0),
        "{buf:?}"
    );
    let stats = chain.stats();
    assert_eq!(stats.nan, 1);
    assert!(stats.clipped >= 4, "{stats:?}");
    chain.process_in_place(&mut []).unwrap();
}
