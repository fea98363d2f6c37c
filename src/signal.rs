//! Test signals: the demo's built-in signal, and the sines, sweeps and noise that tests and
//! benchmarks use. Deterministic: the same arguments give the same samples everywhere.

use crate::dither::rng;

/// A sine of `freq` Hz at `amplitude` (full scale 1.0) and `phase` radians, `frames` long.
pub fn sine(freq: f64, amplitude: f64, phase: f64, rate: u32, frames: usize) -> Vec<f64> {
    let w = 2.0 * std::f64::consts::PI * freq / rate as f64;
    (0..frames)
        .map(|n| amplitude * (w * n as f64 + phase).sin())
        .collect()
}

/// A logarithmic sweep from `f0` to `f1` Hz at `amplitude`, `frames` long.
pub fn log_sweep(f0: f64, f1: f64, amplitude: f64, rate: u32, frames: usize) -> Vec<f64> {
    let t_total = frames as f64 / rate as f64;
    let k = (f1 / f0).ln() / t_total;
    (0..frames)
        .map(|n| {
            let t = n as f64 / rate as f64;
            let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
            amplitude * phase.sin()
        })
        .collect()
}

/// Gaussian-like noise (sum of four uniforms) with RMS `rms`, from `seed`.
pub fn noise(rms: f64, seed: u64, frames: usize) -> Vec<f64> {
    let key = rng::channel_key(seed, 0x4e4f);
    // The sum of 4 uniforms on (-0.5, 0.5) has variance 4/12.
    let scale = rms / (4.0f64 / 12.0).sqrt();
    (0..frames)
        .map(|n| {
            let a = rng::value(key, 2 * n as u32);
            let b = rng::value(key, 2 * n as u32 + 1);
            let u = |v: u32| v as f64 / 65536.0 - 0.5;
            scale * (u(a >> 16) + u(a & 0xffff) + u(b >> 16) + u(b & 0xffff))
        })
        .collect()
}

/// dBFS of an amplitude.
pub fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// The amplitude of `dbfs`.
pub fn from_db(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// The demo's built-in signal, interleaved stereo at `rate`: a −60 dBFS 1 kHz sine (where
/// dither matters most), a −12 dBFS log sweep 20 Hz–20 kHz, and −70 dBFS noise, each channel
/// with its own phase and noise.
pub fn demo_signal(rate: u32, seconds: f64) -> Vec<f64> {
    let frames = (rate as f64 * seconds) as usize;
    let mut out = vec![0.0; frames * 2];
    for ch in 0..2 {
        let s = sine(1000.0, from_db(-60.0), ch as f64, rate, frames);
        let w = log_sweep(
            20.0,
            20000.0_f64.min(rate as f64 * 0.45),
            from_db(-12.0),
            rate,
            frames,
        );
        let n = noise(from_db(-70.0), 17 + ch as u64, frames);
        for i in 0..frames {
            out[2 * i + ch] = s[i] + w[i] + n[i];
        }
    }
    out
}

/// Measures a degraded signal against its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorFigures {
    /// Signal-to-error ratio in dB.
    pub snr_db: f64,
    /// RMS of the error in dBFS.
    pub error_dbfs: f64,
    /// Mean of the error.
    pub error_mean: f64,
}

/// Compares `test` with `reference` sample by sample (same length).
pub fn error_figures(reference: &[f64], test: &[f64]) -> ErrorFigures {
    let n = reference.len().min(test.len()).max(1) as f64;
    let (mut sig, mut err, mut sum) = (0.0, 0.0, 0.0);
    for (r, t) in reference.iter().zip(test) {
        let e = t - r;
        sig += r * r;
        err += e * e;
        sum += e;
    }
    ErrorFigures {
        snr_db: 10.0 * (sig / err).log10(),
        error_dbfs: 10.0 * (err / n).log10(),
        error_mean: sum / n,
    }
}
