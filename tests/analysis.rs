//! Analysis against first principles: known powers, the standards' curve values at single
//! frequencies, spurs and modulation of signals built for the purpose, and plots.

use aquant::analysis::{analyze, measured_band, noise_modulation, plot, spectrum};
use aquant::shaping::{Curve, Preset};

/// Uniform noise with variance `variance` (xorshift, deterministic).
fn white(n: usize, variance: f64, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    let amp = (12.0 * variance).sqrt();
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * amp
        })
        .collect()
}

fn sine(n: usize, rate: f64, freq: f64, amp: f64) -> Vec<f64> {
    (0..n)
        .map(|i| amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate).sin())
        .collect()
}

fn db(x: f64) -> f64 {
    10.0 * x.log10()
}

#[test]
fn white_noise_power_in_band() {
    for rate in [8000.0, 44100.0, 48000.0, 96000.0] {
        let variance = 1e-8;
        let err = white(rate as usize * 4, variance, 3);
        let zero = vec![0.0; err.len()];
        let r = analyze(&zero, &err, 1, rate).unwrap();
        let (lo, hi) = measured_band(rate);
        let want = db(variance * (hi - lo) / (rate / 2.0));
        assert!(
            (r.unweighted_dbfs - want).abs() < 0.15,
            "{rate}: {} vs {want}",
            r.unweighted_dbfs
        );
        assert!((r.total_error_dbfs - db(variance)).abs() < 0.05);
        assert!(r.modulation.std_db < 0.3, "{:?}", r.modulation);
        let spur = r.spur.unwrap();
        assert!(spur.above_floor_db < 6.0, "{spur:?}");
    }
}

#[test]
fn sine_levels_follow_the_standard_tables() {
    // A sine of amplitude a has power a²/2; weighted, it is scaled by the curve's gain at its
    // frequency: IEC 61672-1 Table 3 gives A(100 Hz) = −19.1 dB, A(1 kHz) = 0; ITU-R BS.468-4
    // gives +12.2 dB at 6.3 kHz and 0 at 1 kHz.
    let rate = 48000.0;
    let zero = vec![0.0; 96000];
    for (freq, a_gain, r468_gain) in [
        (1000.0, 0.0, 0.0),
        (100.0, -19.1, -19.8),
        (6300.0, -0.1, 12.2),
    ] {
        let amp = 0.01;
        let err = sine(96000, rate, freq, amp);
        let r = analyze(&zero, &err, 1, rate).unwrap();
        let level = db(amp * amp / 2.0);
        assert!(
            (r.unweighted_dbfs - level).abs() < 0.05,
            "{freq}: {}",
            r.unweighted_dbfs
        );
        assert!(
            (r.a_weighted_dbfs - level - a_gain).abs() < 0.15,
            "{freq}: A {}",
            r.a_weighted_dbfs - level
        );
        assert!(
            (r.r468_dbfs - level - r468_gain).abs() < 0.15,
            "{freq}: 468 {}",
            r.r468_dbfs - level
        );
        let spur = r.spur.unwrap();
        assert!((spur.freq - freq).abs() <= r.spectrum.bin_hz, "{spur:?}");
    }
}

#[test]
fn snr_spur_and_modulation() {
    let rate = 48000.0;
    let n = 48000 * 4;
    let reference = sine(n, rate, 997.0, 0.5);
    // Error: white noise (σ² = 1e-6) plus a 3 kHz spur of amplitude 1e-3.
    let noise = white(n, 1e-6, 9);
    let spur = sine(n, rate, 3000.0, 1e-3);
    let test: Vec<f64> = (0..n).map(|i| reference[i] + noise[i] + spur[i]).collect();
    let r = analyze(&reference, &test, 1, rate).unwrap();
    let err_power = 1e-6 + 0.5e-6;
    assert!(
        (r.snr_db - db(0.125 / err_power)).abs() < 0.1,
        "{}",
        r.snr_db
    );
    let s = r.spur.unwrap();
    assert!((s.freq - 3000.0).abs() <= r.spectrum.bin_hz, "{s:?}");
    // Per-bin floor σ²·bin/(rate/2); the Hann-windowed sine puts a²/2 over about 1.5 bins
    // (its equivalent noise bandwidth), so it stands ≈ 10·log10(0.5e-6 / (1.5·1e-6·bin/24000))
    // above the floor, give or take the split of its power between two bins.
    let expected = db(0.5e-6 / (1.5 * 1e-6 * r.spectrum.bin_hz / 24000.0));
    assert!(
        (s.above_floor_db - expected).abs() < 3.0,
        "{} vs {expected}",
        s.above_floor_db
    );

    // Noise modulation: a 10 dB step in the error's level halfway through.
    let mut stepped = white(n, 1e-6, 5);
    for x in &mut stepped[n / 2..] {
        *x *= 10f64.sqrt();
    }
    let m = noise_modulation(&stepped, 1, rate).unwrap();
    assert!((m.range_db - 10.0).abs() < 0.6, "{m:?}");
    assert!((m.std_db - 5.0).abs() < 0.3, "{m:?}");
}

#[test]
fn interleaved_channels_average() {
    // Channel 0 silent, channel 1 white at 1e-8: the average density is half, −3 dB.
    let rate = 44100.0;
    let w = white(88200, 1e-8, 1);
    let stereo: Vec<f64> = w.iter().flat_map(|&x| [0.0, x]).collect();
    let s = spectrum(&stereo, 2, rate).unwrap();
    let (lo, hi) = measured_band(rate);
    let got = s.band_power_dbfs((lo, hi), None);
    let want = db(0.5e-8 * (hi - lo) / (rate / 2.0));
    assert!((got - want).abs() < 0.15, "{got} vs {want}");
}

#[test]
fn bad_input_is_an_error() {
    let x = vec![0.0; 1000];
    assert!(analyze(&x, &x, 0, 48000.0).is_err());
    assert!(analyze(&x, &x, 1, f64::NAN).is_err());
    assert!(analyze(&x[..10], &x[..10], 1, 48000.0).is_err());
    assert!(analyze(&[], &[], 1, 48000.0).is_err());
    let mut y = x.clone();
    y[5] = f64::NAN;
    assert!(analyze(&x, &y, 1, 48000.0).is_err());
}

#[test]
fn plots_render_png_and_svg_without_system_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let rate = 48000.0;
    let zero = vec![0.0; 48000];
    let err = white(48000, 1e-9, 2);
    let r = analyze(&zero, &err, 1, rate).unwrap();
    let png = dir.path().join("e.png");
    let svg = dir.path().join("e.svg");
    plot::plot_report(&r, "white", &png).unwrap();
    plot::plot_report(&r, "white", &svg).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("<svg") && text.contains("468-wtd"),
        "{}",
        &text[..200]
    );
    let d = Preset::Shaped.design(96000.0).unwrap();
    let dpng = dir.path().join("d.png");
    plot::plot_design(&d, &dpng).unwrap();
    assert!(std::fs::metadata(&dpng).unwrap().len() > 10_000);
    assert!(plot::plot_report(&r, "x", &dir.path().join("e.jpg")).is_err());
    assert_eq!(Curve::Itu468.name(), "r468");
}
