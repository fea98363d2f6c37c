//! The filter designer: for a rate, an order and a hearing curve, the monic minimum-phase
//! noise-transfer filter `H(z) = 1 + h₁z⁻¹ + … + h_Nz⁻ᴺ` that minimizes the weighted noise
//! `∫ |H(f)|² W(f) df`, with its peak gain held under a limit.
//!
//! # Method
//!
//! Minimizing `∫ |A(f)|² W(f) df` over monic polynomials `A` of order `N` is linear prediction
//! on a process whose power spectrum is `W`: the normal equations are the Toeplitz system of
//! `W`'s autocorrelation, and Levinson–Durbin solves them. Its solution is minimum phase
//! whenever the autocorrelation is positive definite, which any `W` with a positive floor
//! guarantees. So:
//!
//! 1. `W(f)` is the curve's power gain inside the measured band (20 Hz to
//!    min(20 kHz, rate/2)) and 0 outside it, sampled on a fine grid;
//! 2. its autocorrelation is one inverse real FFT (realfft);
//! 3. a white floor `ε·max W` is added, which only raises `r[0]` and amounts to charging the
//!    filter for its total noise power `ε·Σhₖ²`. A small `ε` lets the filter push noise hard
//!    into the bands the curve ignores (high peak gain); a large one flattens it. The smallest
//!    `ε` whose filter stays under the peak-gain limit is found by bisection.
//!
//! ```
//! use aquant::shaping::{design, Curve};
//! let d = design(48_000.0, 12, &Curve::Itu468, 18.0).unwrap();
//! assert_eq!(d.coefficients().len(), 12);
//! assert!(d.peak_gain_db() <= 18.0 + 1e-6);
//! assert!(d.is_minimum_phase());
//! ```

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use super::weighting::Curve;
use crate::{Error, Result};

/// Longest filter the designer makes and the shaper runs.
pub const MAX_ORDER: usize = 32;

/// Lowest and highest rate the designer accepts, Hz.
pub const RATE_RANGE: (f64, f64) = (8_000.0, 384_000.0);

/// The band every weighted figure covers: 20 Hz to min(20 kHz, rate/2).
pub fn measured_band(rate: f64) -> (f64, f64) {
    (20.0, (rate / 2.0).min(20_000.0))
}

/// A designed noise-transfer filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ShaperDesign {
    rate: f64,
    curve: Curve,
    max_gain_db: f64,
    /// h₁..h_N (h₀ = 1 is implied).
    coefs: Vec<f64>,
    peak_gain_db: f64,
    floor: f64,
}

/// Designs the filter; see the [module docs](self).
///
/// `rate` in 8–384 kHz, `order` in 1–32, `max_gain_db` ≥ 0 (a monic minimum-phase filter's
/// log-gain averages 0 dB, so its peak is never below 0 dB).
pub fn design(rate: f64, order: usize, curve: &Curve, max_gain_db: f64) -> Result<ShaperDesign> {
    if !(rate.is_finite() && (RATE_RANGE.0..=RATE_RANGE.1).contains(&rate)) {
        return Err(Error::invalid(
            "rate",
            format!("{rate} Hz is not in 8000..=384000"),
        ));
    }
    if !(1..=MAX_ORDER).contains(&order) {
        return Err(Error::invalid(
            "order",
            format!("{order} is not in 1..={MAX_ORDER}"),
        ));
    }
    if !(max_gain_db.is_finite() && (0.0..=60.0).contains(&max_gain_db)) {
        return Err(Error::invalid(
            "max gain",
            format!("{max_gain_db} dB is not in 0..=60"),
        ));
    }
    curve.validate()?;

    let weight_autocorr = weighting_autocorrelation(rate, curve);
    let r0 = weight_autocorr[0];
    if !(r0.is_finite() && r0 > 0.0) {
        return Err(Error::invalid(
            "curve",
            "the curve has no weight inside the measured band",
        ));
    }
    let mut gain = GainMeter::new();
    let solve = |floor: f64, gain: &mut GainMeter| -> (Vec<f64>, f64) {
        let mut r = weight_autocorr[..=order].to_vec();
        r[0] += floor;
        let a = levinson_durbin(&r);
        let peak = gain.peak_db(&a);
        (a, peak)
    };

    // The floor is relative to the weight's mean (r[0]); bisect its logarithm.
    let (mut lo, mut hi) = (-14.0f64, 4.0f64);
    let (mut best, mut best_peak) = solve(r0 * 10f64.powf(hi), &mut gain);
    let mut best_floor = r0 * 10f64.powf(hi);
    let (a_lo, peak_lo) = solve(r0 * 10f64.powf(lo), &mut gain);
    if peak_lo <= max_gain_db {
        best = a_lo;
        best_peak = peak_lo;
        best_floor = r0 * 10f64.powf(lo);
    } else {
        for _ in 0..48 {
            let mid = 0.5 * (lo + hi);
            let (a, peak) = solve(r0 * 10f64.powf(mid), &mut gain);
            if peak <= max_gain_db {
                hi = mid;
                best = a;
                best_peak = peak;
                best_floor = r0 * 10f64.powf(mid);
            } else {
                lo = mid;
            }
            if hi - lo < 1e-4 {
                break;
            }
        }
    }
    Ok(ShaperDesign {
        rate,
        curve: curve.clone(),
        max_gain_db,
        coefs: best[1..].to_vec(),
        peak_gain_db: best_peak,
        floor: best_floor / r0,
    })
}

impl ShaperDesign {
    /// A filter from given coefficients h₁..h_N (a published design, say). Errors unless
    /// 1 ≤ N ≤ 32 and every coefficient is finite. Minimum phase is not required here (check
    /// [`is_minimum_phase`](Self::is_minimum_phase)); the shaper's error bound keeps any
    /// filter safe.
    pub fn from_coefficients(rate: f64, coefs: &[f64]) -> Result<Self> {
        if coefs.is_empty() || coefs.len() > MAX_ORDER || coefs.iter().any(|c| !c.is_finite()) {
            return Err(Error::invalid(
                "coefficients",
                format!("need 1..={MAX_ORDER} finite values, got {}", coefs.len()),
            ));
        }
        if !(rate.is_finite() && rate > 0.0) {
            return Err(Error::invalid("rate", format!("{rate} Hz")));
        }
        let mut a = vec![1.0];
        a.extend_from_slice(coefs);
        let peak = GainMeter::new().peak_db(&a);
        Ok(Self {
            rate,
            curve: Curve::Custom(vec![(1000.0, 0.0)]),
            max_gain_db: peak,
            coefs: coefs.to_vec(),
            peak_gain_db: peak,
            floor: 0.0,
        })
    }

    /// The rate the filter was designed for, Hz.
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// The hearing curve it minimizes.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }
    /// The peak-gain limit it was designed under, dB.
    pub fn max_gain_db(&self) -> f64 {
        self.max_gain_db
    }
    /// h₁..h_N: the noise-transfer filter is `1 + Σ hₖ z⁻ᵏ`.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefs
    }
    /// The filter order N.
    pub fn order(&self) -> usize {
        self.coefs.len()
    }
    /// The filter's largest gain over 0..rate/2, dB.
    pub fn peak_gain_db(&self) -> f64 {
        self.peak_gain_db
    }
    /// The white floor the bisection settled on, relative to the weight's mean.
    pub fn floor(&self) -> f64 {
        self.floor
    }
    /// Total noise power gain `1 + Σ hₖ²` (how much the shaped error exceeds the unshaped one
    /// over the whole band 0..rate/2).
    pub fn power_gain(&self) -> f64 {
        1.0 + self.coefs.iter().map(|c| c * c).sum::<f64>()
    }

    /// `|H(f)|²` at `freq` Hz.
    pub fn power_response(&self, freq: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / self.rate;
        let (mut re, mut im) = (1.0, 0.0);
        for (k, c) in self.coefs.iter().enumerate() {
            let phase = w * (k + 1) as f64;
            re += c * phase.cos();
            im -= c * phase.sin();
        }
        re * re + im * im
    }

    /// `|H(f)|` in dB at `freq` Hz.
    pub fn response_db(&self, freq: f64) -> f64 {
        10.0 * self.power_response(freq).log10()
    }

    /// Whether every zero of `H` lies strictly inside the unit circle (step-down recursion:
    /// every reflection coefficient below 1 in magnitude).
    pub fn is_minimum_phase(&self) -> bool {
        let mut a: Vec<f64> = std::iter::once(1.0)
            .chain(self.coefs.iter().copied())
            .collect();
        while a.len() > 1 {
            let n = a.len() - 1;
            let k = a[n];
            if k.is_nan() || k.abs() >= 1.0 {
                return false;
            }
            let d = 1.0 - k * k;
            let next: Vec<f64> = (0..n).map(|i| (a[i] - k * a[n - i]) / d).collect();
            a = next;
        }
        true
    }

    /// The noise this filter should leave after a conversion to `bits` with TPDF dither of
    /// `dither_lsb` LSB (1.0 is standard), weighted by `curve` over [`measured_band`], as a
    /// power in dBFS (0 dBFS = a mean square of 1, full scale being ±1). `None` weights nothing
    /// (the unweighted in-band figure).
    ///
    /// The error fed back is white with variance `Δ²(1/12 + a²/6)` (rounding after TPDF dither of
    /// amplitude `a`), so the output error's one-sided density is `2σ²|H(f)|²/rate`.
    pub fn predicted_noise_dbfs(&self, bits: u32, dither_lsb: f64, curve: Option<&Curve>) -> f64 {
        let step = 1.0 / (1u64 << (bits.clamp(1, 32) - 1)) as f64;
        let variance = step * step * (1.0 / 12.0 + dither_lsb * dither_lsb / 6.0);
        let density = 2.0 * variance / self.rate;
        let (f_lo, f_hi) = measured_band(self.rate);
        let steps = 20_000;
        let df = (f_hi - f_lo) / steps as f64;
        let mut total = 0.0;
        for i in 0..=steps {
            let f = f_lo + i as f64 * df;
            let w = curve.map_or(1.0, |c| c.power(f));
            let edge = if i == 0 || i == steps { 0.5 } else { 1.0 };
            total += edge * w * self.power_response(f);
        }
        10.0 * (total * df * density).log10()
    }
}

/// Grid size of the design (bins over 0..rate).
const DESIGN_FFT: usize = 1 << 16;

/// Autocorrelation r[0..=MAX_ORDER] of the band-limited weight, normalized per bin.
fn weighting_autocorrelation(rate: f64, curve: &Curve) -> Vec<f64> {
    let n = DESIGN_FFT;
    let (f_lo, f_hi) = measured_band(rate);
    let mut spectrum: Vec<Complex<f64>> = (0..=n / 2)
        .map(|k| {
            let f = k as f64 * rate / n as f64;
            let w = if (f_lo..=f_hi).contains(&f) {
                curve.power(f)
            } else {
                0.0
            };
            Complex::new(if w.is_finite() { w } else { 0.0 }, 0.0)
        })
        .collect();
    let mut planner = RealFftPlanner::<f64>::new();
    let c2r = planner.plan_fft_inverse(n);
    let mut out = c2r.make_output_vec();
    // A real, even spectrum: its inverse is the (real, even) autocorrelation.
    c2r.process(&mut spectrum, &mut out)
        .expect("buffer sizes come from the plan");
    out.truncate(MAX_ORDER + 1);
    for v in &mut out {
        *v /= n as f64;
    }
    out
}

/// Levinson–Durbin: the monic prediction-error filter `[1, a₁, …, a_N]` of autocorrelation
/// `r[0..=N]`.
fn levinson_durbin(r: &[f64]) -> Vec<f64> {
    let order = r.len() - 1;
    let mut a = vec![0.0; order + 1];
    let mut prev = vec![0.0; order + 1];
    a[0] = 1.0;
    let mut err = r[0];
    for i in 1..=order {
        let acc: f64 = (0..i).map(|j| a[j] * r[i - j]).sum();
        let k = -acc / err;
        prev[..i].copy_from_slice(&a[..i]);
        for j in 1..i {
            a[j] = prev[j] + k * prev[i - j];
        }
        a[i] = k;
        err *= 1.0 - k * k;
        if err <= 0.0 {
            break;
        }
    }
    a
}

/// Evaluates filters' peak gain on a dense grid (one forward FFT).
struct GainMeter {
    fft: Arc<dyn realfft::RealToComplex<f64>>,
    input: Vec<f64>,
    output: Vec<Complex<f64>>,
}

impl GainMeter {
    const SIZE: usize = 1 << 14;

    fn new() -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(Self::SIZE);
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        Self { fft, input, output }
    }

    fn peak_db(&mut self, a: &[f64]) -> f64 {
        self.input.fill(0.0);
        self.input[..a.len()].copy_from_slice(a);
        self.fft
            .process(&mut self.input, &mut self.output)
            .expect("buffer sizes come from the plan");
        let peak = self.output.iter().map(|c| c.norm_sqr()).fold(0.0, f64::max);
        10.0 * peak.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levinson_solves_a_known_ar1() {
        // An AR(1) process x[n] = 0.5 x[n-1] + w[n] has r[k] ∝ 0.5^k: the predictor is
        // [1, -0.5, 0, ...].
        let r: Vec<f64> = (0..5).map(|k| 0.5f64.powi(k)).collect();
        let a = levinson_durbin(&r);
        assert!((a[1] + 0.5).abs() < 1e-12);
        for &c in &a[2..] {
            assert!(c.abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(design(4000.0, 8, &Curve::A, 10.0).is_err());
        assert!(design(48000.0, 0, &Curve::A, 10.0).is_err());
        assert!(design(48000.0, 33, &Curve::A, 10.0).is_err());
        assert!(design(48000.0, 8, &Curve::A, -1.0).is_err());
        assert!(design(48000.0, 8, &Curve::A, f64::NAN).is_err());
        assert!(design(48000.0, 8, &Curve::Custom(vec![]), 10.0).is_err());
    }
}
