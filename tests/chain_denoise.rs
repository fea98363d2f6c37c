//! RNNoise as a chain stage ([`DenoiseStage`], what `aquant live --denoise` runs): driven with
//! arbitrary callback sizes, each channel's output is the offline denoiser's (the `denoise`
//! command's stream) delayed by exactly the stage's latency, bit for bit.

use aquant::chain::{Chain, ChainFormat, ChainOptions, DenoiseStage, PreStage};
use aquant::models::rnnoise::Denoiser;
use aquant::stream::drive_stream;
use proptest::prelude::*;

/// Deterministic noisy "speech" per channel: two tones with a slow envelope plus noise;
/// channels differ in pitch and noise.
fn signal(channels: usize, frames: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..frames * channels)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let (t, c) = ((i / channels) as f32 / 48_000.0, (i % channels) as f32);
            let noise = (state as f32 / u32::MAX as f32 - 0.5) * (0.05 + 0.03 * c);
            let env = 0.5 + 0.5 * (t * 6.0).sin();
            let pitch = 180.0 + 40.0 * c;
            env * (0.2 * (t * 2.0 * std::f32::consts::PI * pitch).sin()
                + 0.1 * (t * 4.0 * std::f32::consts::PI * pitch).sin())
                + noise
        })
        .collect()
}

/// The offline denoiser on one channel: what `aquant denoise` writes for a 48 kHz file.
fn offline(input: &[f32], channels: usize, channel: usize) -> Vec<f32> {
    let mono: Vec<f32> = input
        .iter()
        .skip(channel)
        .step_by(channels)
        .copied()
        .collect();
    let mut out = Vec::new();
    drive_stream(&mut Denoiser::new(), &mono, &mut [0.0; 4096], &mut out).unwrap();
    out
}

fn staged(stage: &mut dyn PreStage, input: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut out = input.to_vec();
    let (mut at, mut i) = (0, 0);
    while at < out.len() {
        let n = sizes[i % sizes.len()].min(out.len() - at);
        stage.process(&mut out[at..at + n]).unwrap();
        at += n;
        i += 1;
    }
    out
}

fn assert_delayed_offline(got: &[f32], input: &[f32], channels: usize) {
    let delay = DenoiseStage::LATENCY_FRAMES;
    let frames = input.len() / channels;
    assert!(frames > delay + 960, "signal too short to compare");
    for c in 0..channels {
        let expected = offline(input, channels, c);
        let channel: Vec<f32> = got.iter().skip(c).step_by(channels).copied().collect();
        assert!(
            channel[..delay].iter().all(|&v| v == 0.0),
            "channel {c}: leading silence"
        );
        let (a, b) = (&channel[delay..], &expected[..frames - delay]);
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "channel {c}"
        );
        // Not a vacuous comparison: the denoiser changed the signal and kept it audible.
        let energy: f32 = a.iter().map(|v| v * v).sum();
        assert!(energy > 1.0, "channel {c} energy {energy}");
    }
}

#[test]
fn stage_is_the_offline_denoiser_delayed_by_its_latency() {
    let channels = 2;
    let input = signal(channels, 48_000 / 2, 3);
    let mut stage = DenoiseStage::new(channels).unwrap();
    // Callback sizes of real devices, odd sizes and partial frames.
    let got = staged(&mut stage, &input, &[256, 1, 441, 1024, 3, 480, 127]);
    assert_delayed_offline(&got, &input, channels);
    // Reset: the same again.
    stage.reset();
    let again = staged(&mut stage, &input, &[4096]);
    assert_eq!(again, got);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn any_callback_sizes_give_the_same_output(
        sizes in prop::collection::vec(1usize..1500, 1..8),
        channels in 1usize..3,
    ) {
        let input = signal(channels, 3000, 8);
        let whole = staged(&mut DenoiseStage::new(channels).unwrap(), &input, &[input.len()]);
        let chunked = staged(&mut DenoiseStage::new(channels).unwrap(), &input, &sizes);
        prop_assert_eq!(whole, chunked);
    }
}

#[test]
fn denoising_chain_quantizes_the_denoised_signal_and_bypass_stays_aligned() {
    let channels = 1;
    let input = signal(channels, 20_000, 5);
    let opts = ChainOptions::new(channels, ChainFormat::pcm16());
    let mut chain = Chain::new(&opts)
        .unwrap()
        .with_pre_stage(Box::new(DenoiseStage::new(channels).unwrap()));
    assert_eq!(chain.latency_frames(), DenoiseStage::LATENCY_FRAMES);
    let mut out = input.clone();
    for piece in out.chunks_mut(256) {
        chain.process_in_place(piece).unwrap();
    }
    // The 16-bit quantizer after the denoiser: the denoised signal rounded to the grid
    // (ties to even, as the quantizer documents).
    let denoised = staged(&mut DenoiseStage::new(channels).unwrap(), &input, &[256]);
    for (&y, &d) in out.iter().zip(&denoised) {
        assert_eq!(
            y as f64,
            (d as f64 * 32768.0)
                .round_ties_even()
                .clamp(-32768.0, 32767.0)
                / 32768.0
        );
    }
    // Bypass gives the input delayed by the same latency.
    let control = chain.control();
    control.set_bypass(true);
    chain.reset();
    control.set_bypass(true);
    let mut dry = input.clone();
    chain.process_in_place(&mut dry).unwrap();
    let delay = DenoiseStage::LATENCY_FRAMES;
    assert_eq!(&dry[delay..], &input[..input.len() - delay]);
}

#[test]
fn hostile_input_gives_finite_output() {
    let mut stage = DenoiseStage::new(2).unwrap();
    let mut buf: Vec<f32> = (0..4000)
        .map(|i| match i % 5 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => -1e30,
            3 => 0.5,
            _ => 0.0,
        })
        .collect();
    stage.process(&mut buf).unwrap();
    assert!(buf.iter().all(|v| v.is_finite()));
    stage.process(&mut []).unwrap();
    assert!(DenoiseStage::new(0).is_err());
}
