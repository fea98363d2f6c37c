//! Measuring quantization error: the error `test − reference`, sample by sample, reported as
//! unweighted, A-weighted and ITU-R 468-weighted noise power, SNR, the largest spur and noise
//! modulation. Pure numbers from sample slices; [`plot`] renders the spectrum.
//!
//! # Definitions
//!
//! * **dBFS** is `10·log10(power)` with full scale ±1: a mean square of 1 is 0 dBFS (so a
//!   full-scale sine is −3 dBFS, and white TPDF error at 16 bits, `Δ²/4`, is −96.3 dBFS over
//!   the whole band).
//! * **Weighted noise power** integrates the error's power spectral density times the curve's
//!   power gain over 20 Hz to min(20 kHz, rate/2) ([`measured_band`]). The density is Welch's
//!   estimate (Hann windows of [`segment_len`] samples, half overlapping, averaged over
//!   segments and channels).
//! * **SNR** is the reference's mean square over the error's, both over the whole band.
//! * **Spur**: the spectrum bin inside the band that stands highest above the local noise
//!   floor (the median of the bins around it).
//! * **Noise modulation**: the error's mean square in consecutive 100 ms blocks, in dB; the
//!   spread is their standard deviation and their range (max − min).
//!
//! ```
//! use aquant::analysis::analyze;
//! // White error of variance 1e-8 at 48 kHz: −80 dBFS over the whole band, and
//! // 10·log10(19980/24000) ≈ −0.8 dB of that inside 20 Hz–20 kHz.
//! let reference = vec![0.0f64; 48_000];
//! let mut s = 1u32;
//! let test: Vec<f64> = (0..48_000).map(|_| {
//!     s ^= s << 13; s ^= s >> 17; s ^= s << 5;
//!     (s as f64 / u32::MAX as f64 - 0.5) * (12e-8f64).sqrt()
//! }).collect();
//! let r = analyze(&reference, &test, 1, 48_000.0).unwrap();
//! assert!((r.unweighted_dbfs - (-80.8)).abs() < 0.2);
//! ```

pub mod plot;

use realfft::RealFftPlanner;

pub use crate::shaping::design::measured_band;
use crate::shaping::Curve;
use crate::{Error, Result};

/// The largest spur in the band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spur {
    /// Its frequency, Hz.
    pub freq: f64,
    /// How far it stands above the local noise floor, dB.
    pub above_floor_db: f64,
    /// Its level (power in its bin), dBFS.
    pub level_dbfs: f64,
}

/// Noise modulation: how the error's power varies over time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Modulation {
    /// Standard deviation of the per-block error power, dB.
    pub std_db: f64,
    /// Largest minus smallest per-block error power, dB.
    pub range_db: f64,
    /// Blocks measured.
    pub blocks: usize,
}

/// The error's power spectral density (one-sided, averaged over channels).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Sample rate, Hz.
    pub rate: f64,
    /// Bin spacing, Hz.
    pub bin_hz: f64,
    /// Density per bin, in full-scale² per Hz: bin `k` is at `k·bin_hz`.
    pub psd: Vec<f64>,
}

impl Spectrum {
    /// The frequency of bin `k`.
    pub fn freq(&self, k: usize) -> f64 {
        k as f64 * self.bin_hz
    }

    /// Power in `band` (Hz), weighted by `curve`'s power gain (`None`: unweighted), dBFS.
    pub fn band_power_dbfs(&self, band: (f64, f64), curve: Option<&Curve>) -> f64 {
        let mut total = 0.0;
        for (k, &p) in self.psd.iter().enumerate() {
            let f = self.freq(k);
            if f >= band.0 && f <= band.1 {
                total += p * curve.map_or(1.0, |c| c.power(f));
            }
        }
        10.0 * (total * self.bin_hz).log10()
    }

    /// The bin standing highest above the median of its neighbours, inside `band`.
    pub fn largest_spur(&self, band: (f64, f64)) -> Option<Spur> {
        const HALF: usize = 32;
        const GUARD: usize = 3;
        let n = self.psd.len();
        let mut best: Option<Spur> = None;
        let mut window = Vec::with_capacity(2 * HALF);
        for k in 0..n {
            let f = self.freq(k);
            if f < band.0 || f > band.1 || self.psd[k] <= 0.0 {
                continue;
            }
            window.clear();
            let (lo, hi) = (k.saturating_sub(HALF), (k + HALF).min(n - 1));
            for j in lo..=hi {
                if j.abs_diff(k) > GUARD {
                    window.push(self.psd[j]);
                }
            }
            if window.is_empty() {
                continue;
            }
            let mid = window.len() / 2;
            let (_, median, _) = window.select_nth_unstable_by(mid, f64::total_cmp);
            let floor = *median;
            if floor <= 0.0 {
                continue;
            }
            let above = 10.0 * (self.psd[k] / floor).log10();
            if best.is_none_or(|b| above > b.above_floor_db) {
                best = Some(Spur {
                    freq: f,
                    above_floor_db: above,
                    level_dbfs: 10.0 * (self.psd[k] * self.bin_hz).log10(),
                });
            }
        }
        best
    }
}

/// Everything [`analyze`] measures.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseReport {
    /// Sample rate, Hz.
    pub rate: f64,
    /// Channels.
    pub channels: usize,
    /// Frames compared (the shorter input's).
    pub frames: usize,
    /// The band of the figures below, Hz.
    pub band: (f64, f64),
    /// Unweighted error power in the band, dBFS.
    pub unweighted_dbfs: f64,
    /// A-weighted error power in the band, dBFS.
    pub a_weighted_dbfs: f64,
    /// ITU-R 468-weighted error power in the band, dBFS.
    pub r468_dbfs: f64,
    /// Whole-band error power, dBFS.
    pub total_error_dbfs: f64,
    /// Reference power over error power, whole band, dB.
    pub snr_db: f64,
    /// Largest error in one sample, in full-scale units.
    pub peak_error: f64,
    /// Largest spur in the band.
    pub spur: Option<Spur>,
    /// Noise modulation.
    pub modulation: Modulation,
    /// The error spectrum (for plots).
    pub spectrum: Spectrum,
}

/// Welch segment length for `rate`: the power of two nearest `rate/6` (about 6 Hz bins),
/// at least 256.
pub fn segment_len(rate: f64) -> usize {
    let target = (rate / 6.0).max(256.0);
    let lower = 1usize << (target.log2().floor() as u32);
    if target / lower as f64 > 1.5 {
        lower * 2
    } else {
        lower
    }
}

/// The error `test − reference` (interleaved, `channels` channels, as floats with full scale
/// ±1) over the shorter of the two.
pub fn error_signal(reference: &[f64], test: &[f64]) -> Vec<f64> {
    reference.iter().zip(test).map(|(r, t)| t - r).collect()
}

/// Welch's power spectral density of an interleaved signal, averaged over channels.
pub fn spectrum(signal: &[f64], channels: usize, rate: f64) -> Result<Spectrum> {
    check(channels, rate)?;
    let frames = signal.len() / channels;
    if frames < 16 {
        return Err(Error::invalid(
            "signal",
            format!("{frames} frames is too short to analyze (at least 16)"),
        ));
    }
    let mut len = segment_len(rate);
    while len > frames {
        len /= 2;
    }
    let window: Vec<f64> = (0..len)
        .map(|i| {
            let t = std::f64::consts::PI * 2.0 * i as f64 / len as f64;
            0.5 - 0.5 * t.cos()
        })
        .collect();
    let window_power: f64 = window.iter().map(|w| w * w).sum();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(len);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut psd = vec![0.0; len / 2 + 1];
    let mut count = 0usize;
    let hop = len / 2;
    for c in 0..channels {
        let mut start = 0;
        while start + len <= frames {
            for (i, slot) in input.iter_mut().enumerate() {
                *slot = signal[(start + i) * channels + c] * window[i];
            }
            fft.process(&mut input, &mut output)
                .expect("buffer sizes come from the plan");
            for (p, x) in psd.iter_mut().zip(&output) {
                *p += x.norm_sqr();
            }
            count += 1;
            start += hop;
        }
    }
    let norm = 1.0 / (count as f64 * window_power * rate);
    let last = psd.len() - 1;
    for (k, p) in psd.iter_mut().enumerate() {
        // One-sided: every bin but DC and Nyquist holds both signs of frequency.
        *p *= if k == 0 || k == last {
            norm
        } else {
            2.0 * norm
        };
    }
    Ok(Spectrum {
        rate,
        bin_hz: rate / len as f64,
        psd,
    })
}

/// Noise modulation of an error signal: power per 100 ms block (all channels), in dB.
/// Silent blocks (zero error) are skipped.
pub fn noise_modulation(error: &[f64], channels: usize, rate: f64) -> Result<Modulation> {
    check(channels, rate)?;
    let block = ((rate / 10.0).round() as usize).max(1) * channels;
    let levels: Vec<f64> = error
        .chunks_exact(block)
        .map(|b| b.iter().map(|e| e * e).sum::<f64>() / b.len() as f64)
        .filter(|&p| p > 0.0)
        .map(|p| 10.0 * p.log10())
        .collect();
    if levels.is_empty() {
        return Ok(Modulation {
            std_db: 0.0,
            range_db: 0.0,
            blocks: 0,
        });
    }
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    let var = levels.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / levels.len() as f64;
    let (lo, hi) = levels
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &l| {
            (lo.min(l), hi.max(l))
        });
    Ok(Modulation {
        std_db: var.sqrt(),
        range_db: hi - lo,
        blocks: levels.len(),
    })
}

/// Measures `test` against `reference` (interleaved, `channels` channels, full scale ±1,
/// aligned by sample; the longer one is cut to the shorter). See the [module docs](self).
pub fn analyze(reference: &[f64], test: &[f64], channels: usize, rate: f64) -> Result<NoiseReport> {
    check(channels, rate)?;
    let n = reference.len().min(test.len()) / channels * channels;
    let (reference, test) = (&reference[..n], &test[..n]);
    if reference.iter().chain(test).any(|x| !x.is_finite()) {
        return Err(Error::invalid("signal", "contains NaN or infinite samples"));
    }
    let error = error_signal(reference, test);
    let spectrum = spectrum(&error, channels, rate)?;
    let band = measured_band(rate);
    let error_power = error.iter().map(|e| e * e).sum::<f64>() / n as f64;
    let ref_power = reference.iter().map(|e| e * e).sum::<f64>() / n as f64;
    Ok(NoiseReport {
        rate,
        channels,
        frames: n / channels,
        band,
        unweighted_dbfs: spectrum.band_power_dbfs(band, None),
        a_weighted_dbfs: spectrum.band_power_dbfs(band, Some(&Curve::A)),
        r468_dbfs: spectrum.band_power_dbfs(band, Some(&Curve::Itu468)),
        total_error_dbfs: 10.0 * error_power.log10(),
        snr_db: 10.0 * (ref_power / error_power).log10(),
        peak_error: error.iter().fold(0.0, |m, e| m.max(e.abs())),
        spur: spectrum.largest_spur(band),
        modulation: noise_modulation(&error, channels, rate)?,
        spectrum,
    })
}

fn check(channels: usize, rate: f64) -> Result<()> {
    if channels == 0 {
        return Err(Error::invalid("channels", "must be at least 1"));
    }
    if !(rate.is_finite() && rate >= 1000.0) {
        return Err(Error::invalid("rate", format!("{rate} Hz")));
    }
    Ok(())
}
