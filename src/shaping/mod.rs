//! Noise shaping: error-feedback quantization that moves the quantization noise to where the
//! ear is least sensitive, with filters designed for the stream's own rate.
//!
//! * [`weighting`]: hearing curves (ITU-R BS.468, IEC 61672 A-weighting, the absolute threshold
//!   of hearing, or your own);
//! * [`design`](mod@design): the designer, linear prediction on the curve's power spectrum with
//!   a limit on the filter's peak gain;
//! * [`Preset`]: `shaped` (the default), `shaped-light`, `shaped-strong` and two classic
//!   published 44.1 kHz designs;
//! * [`NoiseShaper`]: the [`Processor`] that quantizes with dither and shapes the error.
//!
//! # How the shaper works
//!
//! For each sample, `v = x·2^(bits−1) + Σₖ hₖ·e[n−k]` is quantized as
//! [`UniformQuantizer`](crate::UniformQuantizer) quantizes a sample (same dither generator,
//! same keys, same rounding and saturation; bit for bit when nothing is fed back), and the
//! rounding error before saturation, `e[n] = round(v + d) − v`, is fed back. The output error
//! is then `H(z)·e` with `H(z) = 1 + Σ hₖ z⁻ᵏ`. Because `e` is the error *before* saturation,
//! it never exceeds ½ LSB plus the dither amplitude: clipping cannot feed a large error back, so
//! a full-scale signal cannot make the loop oscillate or burst. A sample already on the grid
//! (digital silence, 16-bit content in a float file) passes unchanged. The sum is grouped so
//! that only `h₁·e[n−1]` lies on the serial path from one error to the next (see the kernels),
//! and every SIMD level computes exactly the scalar definition.
//!
//! ```
//! use aquant::shaping::{NoiseShaper, Preset};
//! use aquant::Processor;
//!
//! // Stereo float at 96 kHz to 16-bit with the default shaped dither.
//! let mut shaper = NoiseShaper::preset(2, Some(16), 96_000.0, Preset::Shaped, 1).unwrap();
//! let input: Vec<f32> = (0..960).map(|i| (i as f32 * 0.05).sin() * 0.25).collect();
//! let mut output = vec![0i16; input.len()];
//! shaper.process(&input, &mut output).unwrap();
//! assert!(output.iter().zip(&input).all(|(&o, &x)| (o as f32 / 32768.0 - x).abs() < 0.01));
//! ```

pub mod design;
mod kernels;
pub mod weighting;

pub use design::{design, measured_band, ShaperDesign, MAX_ORDER};
pub use weighting::Curve;

use crate::dither::{rng, Dither, DitherKind};
use crate::quant::{QuantStats, MAX_CHANNELS};
use crate::sample::{AudioSample, SampleKind};
use crate::simd::SimdLevel;
use crate::stream::{ChannelPhase, Processor};
use crate::{Error, Result};

use kernels::{Params, State};

/// Named shaping settings. The designed presets are made at construction for the stream's
/// rate; the published ones exist only at the rate their papers give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Balanced: ITU-R 468-weighted design, order 16, peak gain ≤ 15 dB.
    Shaped,
    /// Gentle: ITU-R 468-weighted design, order 12, peak gain ≤ 8 dB: less total noise power.
    ShapedLight,
    /// Aggressive: ITU-R 468-weighted design, order 32, peak gain ≤ 22 dB: least audible
    /// noise, most total noise power.
    ShapedStrong,
    /// Lipshitz, Wannamaker and Vanderkooy's 5-tap E-weighted filter, 44.1 kHz ("Minimally
    /// audible noise shaping", J. AES 39(11), 1991).
    Lipshitz,
    /// Wannamaker's 9-tap F-weighted filter, 44.1 kHz ("Psychoacoustically optimal noise
    /// shaping", J. AES 40(7/8), 1992).
    WannamakerF,
}

impl Preset {
    /// Every preset, designed ones first.
    pub const ALL: [Preset; 5] = [
        Preset::Shaped,
        Preset::ShapedLight,
        Preset::ShapedStrong,
        Preset::Lipshitz,
        Preset::WannamakerF,
    ];

    /// The CLI name (`shaped`, `shaped-light`, `shaped-strong`, `lipshitz`, `wannamaker-f`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Shaped => "shaped",
            Preset::ShapedLight => "shaped-light",
            Preset::ShapedStrong => "shaped-strong",
            Preset::Lipshitz => "lipshitz",
            Preset::WannamakerF => "wannamaker-f",
        }
    }

    /// Parses a CLI name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// `(curve, order, peak-gain limit in dB)` of a designed preset; `None` for published ones.
    pub fn recipe(self) -> Option<(Curve, usize, f64)> {
        match self {
            Preset::Shaped => Some((Curve::Itu468, 16, 15.0)),
            Preset::ShapedLight => Some((Curve::Itu468, 12, 8.0)),
            Preset::ShapedStrong => Some((Curve::Itu468, 32, 22.0)),
            Preset::Lipshitz | Preset::WannamakerF => None,
        }
    }

    /// The filter for a stream at `rate` Hz.
    pub fn design(self, rate: f64) -> Result<ShaperDesign> {
        if let Some((curve, order, gain)) = self.recipe() {
            return design(rate, order, &curve, gain);
        }
        // The papers give h as the error predictor: the noise-transfer filter is 1 − Σ cₖz⁻ᵏ.
        let published: &[f64] = match self {
            Preset::Lipshitz => &[2.033, -2.165, 1.959, -1.590, 0.6149],
            _ => &[
                2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847,
            ],
        };
        if rate != 44_100.0 {
            return Err(Error::invalid(
                "rate",
                format!("the {} filter is published for 44100 Hz only", self.name()),
            ));
        }
        let h: Vec<f64> = published.iter().map(|c| -c).collect();
        ShaperDesign::from_coefficients(rate, &h)
    }
}

/// The noise shaper: quantization to a depth with dither and error feedback through a
/// [`ShaperDesign`]. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct NoiseShaper {
    bits: Option<u32>,
    dither: Dither,
    design: ShaperDesign,
    level: SimdLevel,
    phase: ChannelPhase,
    keys: Vec<u32>,
    states: Vec<State>,
    /// h₁..h₃₂, zero padded.
    h: [f64; MAX_ORDER],
    /// Taps the kernels run: 8, 16 or 32 (the order rounded up).
    taps: usize,
    stats: QuantStats,
}

impl NoiseShaper {
    /// A shaper for `channels` interleaved channels to depth `bits` (1–32; `None` means the
    /// output container's depth, required for float outputs), with the filter `design` and
    /// `dither` (TPDF at 1 LSB is the usual choice; the error fed back includes the dither,
    /// so the dither is shaped too).
    pub fn new(
        channels: usize,
        bits: Option<u32>,
        design: ShaperDesign,
        dither: Dither,
    ) -> Result<Self> {
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(Error::invalid(
                "channels",
                format!("{channels} is not in 1..={MAX_CHANNELS}"),
            ));
        }
        if let Some(b) = bits {
            if !(1..=32).contains(&b) {
                return Err(Error::invalid("bits", format!("{b} is not in 1..=32")));
            }
        }
        if !(dither.amplitude.is_finite() && (0.0..=64.0).contains(&dither.amplitude)) {
            return Err(Error::invalid(
                "dither amplitude",
                format!("{} LSB is not in 0..=64", dither.amplitude),
            ));
        }
        let sum: f64 = design.coefficients().iter().map(|c| c.abs()).sum();
        if sum > kernels::scalar::MAX_COEFFICIENT_SUM {
            return Err(Error::invalid(
                "coefficients",
                format!(
                    "Σ|h| = {sum:e} exceeds {:e}: such a filter amplifies its own error past any use",
                    kernels::scalar::MAX_COEFFICIENT_SUM
                ),
            ));
        }
        let mut h = [0.0; MAX_ORDER];
        h[..design.order()].copy_from_slice(design.coefficients());
        let taps = match design.order() {
            0..=8 => 8,
            9..=16 => 16,
            _ => 32,
        };
        Ok(Self {
            bits,
            dither,
            design,
            level: SimdLevel::select(),
            phase: ChannelPhase::new(channels),
            keys: (0..channels)
                .map(|c| rng::channel_key(dither.seed, c))
                .collect(),
            states: vec![State::default(); channels],
            h,
            taps,
            stats: QuantStats::default(),
        })
    }

    /// A shaper with a [`Preset`] designed for `rate` Hz and TPDF dither with `seed`.
    pub fn preset(
        channels: usize,
        bits: Option<u32>,
        rate: f64,
        preset: Preset,
        seed: u64,
    ) -> Result<Self> {
        Self::new(
            channels,
            bits,
            preset.design(rate)?,
            Dither::new(DitherKind::Tpdf).with_seed(seed),
        )
    }

    /// Forces a SIMD level (lowered to what this CPU supports).
    pub fn with_simd(mut self, level: SimdLevel) -> Self {
        self.level = level.clamp_to_cpu();
        self
    }

    /// The SIMD level in use.
    pub fn simd_level(&self) -> SimdLevel {
        self.level
    }

    /// The filter.
    pub fn design(&self) -> &ShaperDesign {
        &self.design
    }

    /// The target depth, if one was set.
    pub fn bits(&self) -> Option<u32> {
        self.bits
    }

    /// The dither settings.
    pub fn dither(&self) -> Dither {
        self.dither
    }

    /// Counts since construction, reset or the last [`take_stats`](Self::take_stats).
    pub fn stats(&self) -> QuantStats {
        self.stats
    }

    /// Returns to the state right after construction (the same as [`Processor::reset`], without
    /// naming the sample types).
    pub fn reset(&mut self) {
        self.phase = ChannelPhase::new(self.phase.channels());
        for s in &mut self.states {
            *s = State::default();
        }
        self.stats = QuantStats::default();
    }

    /// Returns the counts and sets them to zero.
    pub fn take_stats(&mut self) -> QuantStats {
        std::mem::take(&mut self.stats)
    }

    fn grid(&self, out: SampleKind) -> Result<(u32, u32)> {
        let cb = out.container_bits();
        match (out, self.bits) {
            (SampleKind::Int { .. }, None) => Ok((cb, 0)),
            (SampleKind::Int { .. }, Some(b)) if b <= cb => Ok((b, cb - b)),
            (SampleKind::Int { .. }, Some(b)) => Err(Error::invalid(
                "bits",
                format!("{b}-bit depth does not fit a {cb}-bit container"),
            )),
            (_, None) => Err(Error::invalid(
                "bits",
                "noise shaping to a float output needs a target depth",
            )),
            (SampleKind::F32, Some(b)) if b > 24 => Err(Error::invalid(
                "bits",
                format!("a {b}-bit grid is not exact in float32 (at most 24)"),
            )),
            (_, Some(b)) => Ok((b, 0)),
        }
    }

    fn run<I: AudioSample, O: AudioSample, const TAPS: usize>(
        &mut self,
        input: &[I],
        output: &mut [O],
        bits: u32,
        shift: u32,
    ) {
        let scale = (1u64 << (bits - 1)) as f64;
        let mut h = [0.0; TAPS];
        h.copy_from_slice(&self.h[..TAPS]);
        let p = Params {
            h,
            kind: self.dither.kind,
            amp: self.dither.amplitude / 65536.0,
            scale,
            min: -scale,
            max: scale - 1.0,
            shift,
            channels: self.phase.channels(),
            keys: &self.keys,
        };
        let channels = p.channels;
        let n = input.len();
        let mut i = 0;
        // A partial frame left by the previous call.
        while i < n && self.phase.channel != 0 {
            let c = self.phase.channel;
            output[i] = kernels::scalar::single(
                &p,
                &mut self.states[c],
                c,
                self.phase.frame,
                input[i],
                &mut self.stats,
            );
            self.phase.advance(1);
            i += 1;
        }
        let whole = (n - i) / channels * channels;
        if whole > 0 {
            let (x, y) = (&input[i..i + whole], &mut output[i..i + whole]);
            let mut first = 0;
            while first + 2 <= channels {
                kernels::frames::<I, O, 2, TAPS>(
                    self.level,
                    &p,
                    &mut self.states,
                    first,
                    self.phase.frame,
                    x,
                    y,
                    &mut self.stats,
                );
                first += 2;
            }
            if first < channels {
                kernels::frames::<I, O, 1, TAPS>(
                    self.level,
                    &p,
                    &mut self.states,
                    first,
                    self.phase.frame,
                    x,
                    y,
                    &mut self.stats,
                );
            }
            self.phase.advance(whole);
            i += whole;
        }
        // A trailing partial frame.
        while i < n {
            let c = self.phase.channel;
            output[i] = kernels::scalar::single(
                &p,
                &mut self.states[c],
                c,
                self.phase.frame,
                input[i],
                &mut self.stats,
            );
            self.phase.advance(1);
            i += 1;
        }
    }
}

impl<I: AudioSample, O: AudioSample> Processor<I, O> for NoiseShaper {
    fn channels(&self) -> usize {
        self.phase.channels()
    }

    fn process(&mut self, input: &[I], output: &mut [O]) -> Result<()> {
        if input.len() != output.len() {
            return Err(Error::LengthMismatch {
                input: input.len(),
                output: output.len(),
            });
        }
        let (bits, shift) = self.grid(O::KIND)?;
        match self.taps {
            8 => self.run::<I, O, 8>(input, output, bits, shift),
            16 => self.run::<I, O, 16>(input, output, bits, shift),
            _ => self.run::<I, O, 32>(input, output, bits, shift),
        }
        Ok(())
    }

    fn reset(&mut self) {
        NoiseShaper::reset(self);
    }
}
