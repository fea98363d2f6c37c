//! The uniform quantizer against first principles: rounding, saturation, exactness, dither
//! statistics, streaming invariance and SIMD = scalar.

use aquant::signal::sine;
use aquant::{Dither, DitherKind, Processor, SimdLevel, UniformQuantizer, I24};
use proptest::prelude::*;

fn quantize_f32_to_i16(
    input: &[f32],
    channels: usize,
    bits: Option<u32>,
    dither: Dither,
) -> Vec<i16> {
    let mut q = UniformQuantizer::new(channels, bits, dither).unwrap();
    let mut out = vec![0i16; input.len()];
    q.process(input, &mut out).unwrap();
    out
}

#[test]
fn rounds_half_to_even_without_dither() {
    let lsb = 1.0f32 / 32768.0;
    let input = [
        0.5 * lsb,
        1.5 * lsb,
        2.5 * lsb,
        -0.5 * lsb,
        -1.5 * lsb,
        -2.5 * lsb,
        0.49 * lsb,
        0.51 * lsb,
    ];
    let out = quantize_f32_to_i16(&input, 1, None, Dither::none());
    assert_eq!(out, [0, 2, 2, 0, -2, -2, 0, 1]);
}

#[test]
fn saturates_counts_clips_and_zeroes_nan() {
    let input = [
        1.0f32,
        -1.0,
        1.5,
        -1.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        0.0,
    ];
    for level in SimdLevel::available() {
        let mut q = UniformQuantizer::new(1, None, Dither::tpdf())
            .unwrap()
            .with_simd(level);
        let mut out = vec![0i16; 16];
        let mut inp = input.to_vec();
        inp.extend_from_slice(&input); // 16 samples: one full SIMD step
        q.process(&inp, &mut out).unwrap();
        assert_eq!(
            &out[..7],
            &[32767, -32768, 32767, -32768, 32767, -32768, 0],
            "{level:?}"
        );
        // 1.0, 1.5, -1.5, +inf, -inf clip (-1.0 is exactly the lowest code): 5 per copy.
        assert_eq!(q.stats().clipped, 10, "{level:?}");
        assert_eq!(q.stats().nan, 2, "{level:?}");
    }
}

#[test]
fn depth_below_container_is_left_aligned() {
    // 12 bits in an i16: steps of 16 codes.
    let input = [0.25f32, 1.0 / 2048.0, 0.4 / 2048.0, -1.0];
    let out = quantize_f32_to_i16(&input, 1, Some(12), Dither::none());
    assert_eq!(out, [8192, 16, 0, -32768]);
    // 1 bit: only -1 and 0.
    let out = quantize_f32_to_i16(&[0.7, -0.2, -0.7, 0.2], 1, Some(1), Dither::none());
    assert_eq!(out, [0, 0, -32768, 0]);
}

#[test]
fn integer_requantization_24_to_16_is_round_half_even_of_the_division() {
    let codes: Vec<i32> = (-(1 << 23)..(1 << 23))
        .step_by(37)
        .chain([-(1 << 23), (1 << 23) - 1, 128, 384, -128, -384, 127, 129])
        .collect();
    let input: Vec<I24> = codes.iter().map(|&c| I24::new_unchecked(c)).collect();
    let mut out = vec![0i16; input.len()];
    UniformQuantizer::new(1, None, Dither::none())
        .unwrap()
        .process(&input, &mut out)
        .unwrap();
    for (c, o) in codes.iter().zip(&out) {
        // First principles: c / 256 rounded half to even, saturated to i16.
        let (q, r) = (c.div_euclid(256), c.rem_euclid(256));
        let rounded = if r > 128 || (r == 128 && q % 2 != 0) {
            q + 1
        } else {
            q
        };
        assert_eq!(*o as i32, rounded.clamp(-32768, 32767), "code {c}");
    }
}

#[test]
fn sixteen_to_eight_bit_unsigned() {
    let input: Vec<i16> = vec![-32768, -128, -129, 128, 383, 384, 32767, 0, 32640, 32639];
    let mut out = vec![0u8; input.len()];
    UniformQuantizer::new(1, None, Dither::none())
        .unwrap()
        .process(&input, &mut out)
        .unwrap();
    // code = round_half_even(x / 256) saturated to [-128, 127], stored offset by 128.
    assert_eq!(out, [0, 128, 127, 128, 129, 130, 255, 128, 255, 255]);
}

#[test]
fn integer_to_float_is_exact() {
    let input: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let mut out = vec![0f32; input.len()];
    UniformQuantizer::new(1, None, Dither::tpdf())
        .unwrap()
        .process(&input, &mut out)
        .unwrap();
    for (i, o) in input.iter().zip(&out) {
        assert_eq!(*o, *i as f32 / 32768.0);
    }
    let input: Vec<I24> = [-(1 << 23), (1 << 23) - 1, 1, -1, 12345]
        .map(I24::new_unchecked)
        .to_vec();
    let mut out = vec![0f64; input.len()];
    UniformQuantizer::new(1, None, Dither::tpdf())
        .unwrap()
        .process(&input, &mut out)
        .unwrap();
    assert_eq!(
        out,
        [
            -1.0,
            8388607.0 / 8388608.0,
            1.0 / 8388608.0,
            -1.0 / 8388608.0,
            12345.0 / 8388608.0
        ]
    );
}

#[test]
fn exactly_representable_input_passes_through_unchanged_with_dither() {
    for kind in [DitherKind::Rpdf, DitherKind::Tpdf, DitherKind::TpdfHighPass] {
        let dither = Dither::new(kind).with_seed(5).with_amplitude(2.0);
        // 16-bit content in a float file.
        let codes: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        let floats: Vec<f32> = codes.iter().map(|&c| c as f32 / 32768.0).collect();
        for level in SimdLevel::available() {
            let mut q = UniformQuantizer::new(2, None, dither)
                .unwrap()
                .with_simd(level);
            let mut out = vec![0i16; floats.len()];
            q.process(&floats, &mut out).unwrap();
            assert_eq!(out, codes, "{kind:?} {level:?}");
        }
        // 16-bit to 16-bit.
        let mut out = vec![0i16; codes.len()];
        UniformQuantizer::new(1, None, dither)
            .unwrap()
            .process(&codes, &mut out)
            .unwrap();
        assert_eq!(out, codes);
        // 16-bit content in a 24-bit file.
        let wide: Vec<I24> = codes
            .iter()
            .map(|&c| I24::new_unchecked((c as i32) << 8))
            .collect();
        let mut out = vec![0i16; codes.len()];
        UniformQuantizer::new(1, None, dither)
            .unwrap()
            .process(&wide, &mut out)
            .unwrap();
        assert_eq!(out, codes);
    }
}

/// Uniform test input off the 16-bit grid (never exactly representable).
fn off_grid(n: usize) -> Vec<f32> {
    let mut s = 0x1234_5678_u64;
    (0..n)
        .map(|_| {
            s = aquant::dither::rng::splitmix64(s);
            let code = ((s >> 40) % 60000) as f32 - 30000.0;
            (code + 0.03 + 0.94 * ((s & 0xffff) as f32 / 65536.0)) / 32768.0
        })
        .collect()
}

#[test]
fn tpdf_error_has_mean_zero_and_variance_a_quarter_lsb_squared() {
    let n = 1 << 20;
    let input = off_grid(n);
    let out = quantize_f32_to_i16(&input, 1, None, Dither::tpdf().with_seed(3));
    let errors: Vec<f64> = input
        .iter()
        .zip(&out)
        .map(|(&x, &q)| q as f64 - x as f64 * 32768.0)
        .collect();
    let mean = errors.iter().sum::<f64>() / n as f64;
    let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n as f64;
    // Total error = TPDF (variance 1/6) + independent rounding (1/12) = 1/4 LSB².
    // Standard errors at n = 2^20: mean 0.5/1024 ≈ 5e-4, variance ≈ 3e-4.
    assert!(mean.abs() < 2.5e-3, "mean {mean}");
    assert!((var - 0.25).abs() < 2.5e-3, "variance {var}");
    // The error never exceeds 1.5 LSB (dither within ±1, rounding within ±0.5).
    assert!(errors.iter().all(|e| e.abs() <= 1.5));
}

#[test]
fn rpdf_and_high_pass_tpdf_have_their_variances() {
    let n = 1 << 20;
    let input = off_grid(n);
    // RPDF of one LSB: a sample at fractional position f rounds down with probability 1 − f,
    // so its error variance is f(1 − f) (it modulates with the signal, which is why TPDF is
    // preferred). High-pass TPDF is triangular per sample, so its total variance is 1/4 LSB².
    let rpdf_expected = input
        .iter()
        .map(|&x| {
            let y = x as f64 * 32768.0;
            let f = y - y.floor();
            f * (1.0 - f)
        })
        .sum::<f64>()
        / n as f64;
    for (kind, expected) in [
        (DitherKind::Rpdf, rpdf_expected),
        (DitherKind::TpdfHighPass, 0.25),
    ] {
        let out = quantize_f32_to_i16(&input, 1, None, Dither::new(kind).with_seed(8));
        let var = input
            .iter()
            .zip(&out)
            .map(|(&x, &q)| (q as f64 - x as f64 * 32768.0).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!(
            (var - expected).abs() < 0.01 * expected,
            "{kind:?}: variance {var}, expected {expected}"
        );
    }
}

#[test]
fn high_pass_tpdf_noise_rises_with_frequency() {
    // d[k] = u[k] − u[k−1] has the power spectrum 2σ²(1 − cos ω): its lag-1 autocorrelation
    // is −1/2 of its variance, where white TPDF has 0.
    let n = 1 << 18;
    let zeros = vec![0.3f32 / 32768.0; n];
    for (kind, expected) in [(DitherKind::TpdfHighPass, -0.5), (DitherKind::Tpdf, 0.0)] {
        // At a large amplitude the (white) rounding error is negligible beside the dither.
        let mut out = vec![0i16; n];
        let mut q =
            UniformQuantizer::new(1, None, Dither::new(kind).with_seed(4).with_amplitude(60.0))
                .unwrap();
        q.process(&zeros, &mut out).unwrap();
        let e: Vec<f64> = out.iter().map(|&v| v as f64 - 0.3).collect();
        let var = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
        let lag1 = e.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / (n - 1) as f64;
        assert!(
            (lag1 / var - expected).abs() < 0.02,
            "{kind:?}: lag-1 correlation {}",
            lag1 / var
        );
    }
}

/// Power of the error of quantizing a sine at `dbfs` to 16 bits, in dB re 1 LSB², and the
/// power at the 3rd and 5th harmonic bins relative to the noise per bin.
fn sine_error(dbfs: f64, dither: Dither) -> (f64, f64) {
    let n = 1 << 16;
    let rate = 48000;
    let bin = 1365; // the sine sits exactly on a DFT bin: no leakage
    let freq = bin as f64 * rate as f64 / n as f64;
    let x: Vec<f32> = sine(freq, 10f64.powf(dbfs / 20.0), 0.3, rate, n)
        .iter()
        .map(|&v| v as f32)
        .collect();
    let q = quantize_f32_to_i16(&x, 1, None, dither);
    let e: Vec<f64> = x
        .iter()
        .zip(&q)
        .map(|(&x, &q)| q as f64 - x as f64 * 32768.0)
        .collect();
    let power = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
    let bin_power = |k: usize| {
        let w = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in e.iter().enumerate() {
            re += v * (w * i as f64).cos();
            im -= v * (w * i as f64).sin();
        }
        (re * re + im * im) / n as f64
    };
    // Noise per bin for white error is `power`; harmonics are compared to it.
    let harmonics = (bin_power(3 * bin) + bin_power(5 * bin)) / 2.0;
    (10.0 * power.log10(), 10.0 * (harmonics / power).log10())
}

#[test]
fn dithered_error_power_does_not_depend_on_level() {
    let levels = [-80.0, -70.0, -60.0, -50.0, -40.0, -30.0, -20.0, -12.0, -6.0];
    let powers: Vec<f64> = levels
        .iter()
        .map(|&l| sine_error(l, Dither::tpdf().with_seed(11)).0)
        .collect();
    let spread = powers.iter().cloned().fold(f64::MIN, f64::max)
        - powers.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread < 0.1,
        "error power spread {spread} dB over levels: {powers:?}"
    );
    // And it is the theoretical 1/4 LSB² (−6.02 dB).
    for p in &powers {
        assert!((p - 10.0 * 0.25f64.log10()).abs() < 0.1, "{p}");
    }
}

#[test]
fn undithered_low_level_sines_show_harmonics_and_dithered_do_not() {
    for level in [-80.0, -70.0] {
        let (_, plain) = sine_error(level, Dither::none());
        let (_, dithered) = sine_error(level, Dither::tpdf().with_seed(2));
        // Undithered error is correlated with the signal: its odd harmonics stand far above
        // the per-bin noise. Dithered, they are at the noise level (χ² scatter aside).
        assert!(
            plain > 20.0,
            "{level} dBFS undithered: harmonics {plain:.1} dB over noise"
        );
        assert!(
            dithered < 10.0,
            "{level} dBFS dithered: harmonics {dithered:.1} dB over noise"
        );
    }
}

#[test]
fn wrong_lengths_and_bad_parameters_are_errors() {
    let mut q = UniformQuantizer::new(1, None, Dither::none()).unwrap();
    assert!(q.process(&[0.0f32; 3], &mut [0i16; 2]).is_err());
    assert!(q.process(&[0.0f32; 0], &mut [0i16; 0]).is_ok());
    let mut q = UniformQuantizer::new(1, Some(20), Dither::none()).unwrap();
    assert!(
        q.process(&[0.0f32; 1], &mut [0i16; 1]).is_err(),
        "20 bits do not fit i16"
    );
    assert!(UniformQuantizer::new(0, None, Dither::none()).is_err());
    assert!(UniformQuantizer::new(1, Some(0), Dither::none()).is_err());
    assert!(UniformQuantizer::new(1, Some(33), Dither::none()).is_err());
    assert!(UniformQuantizer::new(1, None, Dither::tpdf().with_amplitude(f64::NAN)).is_err());
}

#[test]
fn float_outputs_keep_values_and_map_non_finite() {
    let input = [0.5f64, 1.5, f64::INFINITY, f64::NAN, -2.0];
    let mut out = [0f32; 5];
    let mut q = UniformQuantizer::new(1, None, Dither::tpdf()).unwrap();
    q.process(&input, &mut out).unwrap();
    assert_eq!(out[..3], [0.5, 1.5, 1.0]);
    assert_eq!(out[3], 0.0);
    assert_eq!(out[4], -2.0);
    assert_eq!((q.stats().clipped, q.stats().nan), (1, 1));
}

fn arb_sample() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -1.2f32..1.2f32,
        1 => -1e-4f32..1e-4f32,
        1 => prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0, -1.0, 0.0, -0.0, 1e-40, -1e-40]),
    ]
}

fn arb_dither() -> impl Strategy<Value = Dither> {
    (0usize..4, 0u64..1000, 0.0f64..3.0).prop_map(|(k, seed, amp)| {
        let kind = [
            DitherKind::None,
            DitherKind::Rpdf,
            DitherKind::Tpdf,
            DitherKind::TpdfHighPass,
        ][k];
        Dither::new(kind).with_seed(seed).with_amplitude(amp)
    })
}

/// Splits `len` into chunks at the given cut points.
fn chunks(len: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
    points.push(0);
    points.push(len);
    points.sort_unstable();
    points.windows(2).map(|w| (w[0], w[1])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn streaming_invariance_f32_to_i16(
        input in prop::collection::vec(arb_sample(), 0..3000),
        channels in 1usize..7,
        bits in prop::option::of(1u32..=16),
        dither in arb_dither(),
        cuts in prop::collection::vec(0usize..4000, 0..12),
    ) {
        let whole = quantize_f32_to_i16(&input, channels, bits, dither);
        let mut q = UniformQuantizer::new(channels, bits, dither).unwrap();
        let mut out = vec![0i16; input.len()];
        for (a, b) in chunks(input.len(), &cuts) {
            q.process(&input[a..b], &mut out[a..b]).unwrap();
        }
        prop_assert_eq!(out, whole);
    }

    #[test]
    fn streaming_invariance_generic_paths(
        input in prop::collection::vec(-1.1f64..1.1, 0..2000),
        channels in 1usize..5,
        dither in arb_dither(),
        cuts in prop::collection::vec(0usize..2500, 0..10),
    ) {
        // f64 → 24-bit container at 20 bits, and f64 → u8.
        let run = |splits: &[(usize, usize)]| {
            let mut q24 = UniformQuantizer::new(channels, Some(20), dither).unwrap();
            let mut q8 = UniformQuantizer::new(channels, None, dither).unwrap();
            let mut o24 = vec![I24::new_unchecked(0); input.len()];
            let mut o8 = vec![0u8; input.len()];
            for &(a, b) in splits {
                q24.process(&input[a..b], &mut o24[a..b]).unwrap();
                q8.process(&input[a..b], &mut o8[a..b]).unwrap();
            }
            (o24, o8)
        };
        prop_assert_eq!(run(&chunks(input.len(), &cuts)), run(&[(0, input.len())]));
    }

    #[test]
    fn every_simd_level_equals_scalar(
        input in prop::collection::vec(arb_sample(), 0..2000),
        channels in 1usize..20,
        bits in prop::option::of(1u32..=16),
        dither in arb_dither(),
    ) {
        let mut scalar = UniformQuantizer::new(channels, bits, dither).unwrap().with_simd(SimdLevel::Scalar);
        let mut expected = vec![0i16; input.len()];
        scalar.process(&input, &mut expected).unwrap();
        for level in SimdLevel::available() {
            let mut q = UniformQuantizer::new(channels, bits, dither).unwrap().with_simd(level);
            let mut out = vec![0i16; input.len()];
            q.process(&input, &mut out).unwrap();
            prop_assert_eq!(&out, &expected, "{:?}", level);
            prop_assert_eq!(q.stats(), scalar.stats());
        }
    }
}

/// Buffers larger than the caches take the kernels' non-temporal store path, which first peels
/// samples until the output is aligned: every level must still equal scalar, whatever the output's
/// alignment and the channel phase at the start.
#[test]
fn every_simd_level_equals_scalar_on_large_misaligned_buffers() {
    let n = (3 << 20) + 7;
    let input: Vec<f32> = (0..n)
        .map(|i| match i % 100_003 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => 1.5,
            _ => ((i as f32) * 0.000_731).sin() * 0.9,
        })
        .collect();
    for dither in [
        Dither::none(),
        Dither::tpdf(),
        Dither::new(DitherKind::TpdfHighPass),
    ] {
        for offset in [0usize, 1, 5] {
            let mut scalar = UniformQuantizer::new(3, None, dither)
                .unwrap()
                .with_simd(SimdLevel::Scalar);
            let mut expected = vec![0i16; n + offset];
            scalar.process(&input[..1], &mut expected[..1]).unwrap();
            scalar
                .process(&input[1..], &mut expected[offset + 1..offset + n])
                .unwrap();
            for level in SimdLevel::available() {
                let mut q = UniformQuantizer::new(3, None, dither)
                    .unwrap()
                    .with_simd(level);
                let mut out = vec![0i16; n + offset];
                q.process(&input[..1], &mut out[..1]).unwrap();
                q.process(&input[1..], &mut out[offset + 1..offset + n])
                    .unwrap();
                assert!(out == expected, "{level:?} {dither:?} offset {offset}");
                assert_eq!(q.stats(), scalar.stats(), "{level:?} {dither:?}");
            }
        }
    }
}
