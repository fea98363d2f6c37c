//! The uniform quantizer: any depth from 1 to 32 bits in 8/16/24/32-bit integer containers, and
//! conversion to float32/float64, with optional [dither](crate::dither).
//!
//! # Conventions
//!
//! * **Full scale** is `2^(bits-1)`, as sox, ffmpeg and hound read it: a float `x` maps to the
//!   code `x·2^(bits-1)`, so +1.0 is one step above the largest code and clips.
//! * **Rounding** is round half to even, after adding dither.
//! * **Saturation**: codes beyond `[-2^(bits-1), 2^(bits-1)-1]` saturate and are counted in
//!   [`QuantStats::clipped`]; ±∞ saturate too. **NaN** becomes 0 and is counted in
//!   [`QuantStats::nan`].
//! * **Nothing lost, nothing added**: a sample already on the target grid (16-bit content in a
//!   float file, or 16-bit to 16-bit) is written unchanged, with no dither.
//! * A depth below the container's is left-aligned: 12 bits in an `i16` occupy its top 12 bits.
//! * **Arithmetic** is `f32` when the input is `f32` and the depth at most 16 bits (the SIMD
//!   path), `f64` otherwise; integer inputs convert to `f64` exactly.
//! * Float outputs without a depth are a plain conversion (values beyond ±1 are kept, floats
//!   do not clip); ±∞ become ±1.0 (counted as clipped) and NaN 0. With a depth they hold the
//!   quantized grid value `code / 2^(bits-1)`.
//!
//! # Example
//!
//! ```
//! use aquant::{Dither, Processor, UniformQuantizer};
//!
//! // Stereo float to 16-bit with TPDF dither.
//! let mut q = UniformQuantizer::new(2, None, Dither::tpdf().with_seed(1)).unwrap();
//! let input = [0.25f32, -0.5, 1.5, f32::NAN];
//! let mut output = [0i16; 4];
//! q.process(&input, &mut output).unwrap();
//! assert_eq!(&output[..2], &[8192, -16384]); // on the grid: kept exactly, no dither
//! assert_eq!(output[2], i16::MAX);             // clipped
//! assert_eq!(output[3], 0);                    // NaN
//! assert_eq!((q.stats().clipped, q.stats().nan), (1, 1));
//! ```

pub mod adaptive;
pub(crate) mod kernels;
pub mod mulaw;

use crate::dither::{rng, Dither, DitherKind};
use crate::sample::{AudioSample, SampleKind};
use crate::simd::SimdLevel;
use crate::stream::{ChannelPhase, Processor};
use crate::{Error, Result};

use kernels::scalar::{dither_units, quantize, Real};
use kernels::{F32ToI16, LaneRow};

/// Counts of samples the quantizer could not represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuantStats {
    /// Samples saturated at the target's limits (including ±∞).
    pub clipped: u64,
    /// NaN samples, written as 0.
    pub nan: u64,
}

/// Most channels a stream may have (the WAV format's limit).
pub const MAX_CHANNELS: usize = 65535;

/// A uniform quantizer with dither; see the [module docs](self) for the conventions.
#[derive(Debug, Clone)]
pub struct UniformQuantizer {
    bits: Option<u32>,
    dither: Dither,
    level: SimdLevel,
    phase: ChannelPhase,
    keys: Vec<u32>,
    lanes: Vec<LaneRow>,
    stats: QuantStats,
}

impl UniformQuantizer {
    /// A quantizer for `channels` interleaved channels to depth `bits` (1–32; `None` means the
    /// output container's own depth), with `dither`.
    pub fn new(channels: usize, bits: Option<u32>, dither: Dither) -> Result<Self> {
        if channels == 0 || channels > MAX_CHANNELS {
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
        let keys: Vec<u32> = (0..channels)
            .map(|c| rng::channel_key(dither.seed, c))
            .collect();
        let lanes = LaneRow::table(&keys);
        Ok(Self {
            bits,
            dither,
            level: SimdLevel::select(),
            phase: ChannelPhase::new(channels),
            keys,
            lanes,
            stats: QuantStats::default(),
        })
    }

    /// Interleaved channel count.
    pub fn channels(&self) -> usize {
        self.phase.channels()
    }

    /// Returns to the state right after construction (generators restart, counts cleared).
    pub fn reset(&mut self) {
        self.phase = ChannelPhase::new(self.phase.channels());
        self.stats = QuantStats::default();
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

    /// Returns the counts and sets them to zero.
    pub fn take_stats(&mut self) -> QuantStats {
        std::mem::take(&mut self.stats)
    }

    /// The grid of an output container: (depth, shift into the container), or `None` for a
    /// plain float conversion.
    fn grid(&self, out: SampleKind) -> Result<Option<(u32, u32)>> {
        let cb = out.container_bits();
        match (out, self.bits) {
            (SampleKind::Int { .. }, None) => Ok(Some((cb, 0))),
            (SampleKind::Int { .. }, Some(b)) if b <= cb => Ok(Some((b, cb - b))),
            (SampleKind::Int { .. }, Some(b)) => Err(Error::DepthExceedsContainer {
                bits: b,
                container: out.name(),
                max: cb,
            }),
            (_, None) => Ok(None),
            (SampleKind::F32, Some(b)) if b > 24 => Err(Error::DepthExceedsContainer {
                bits: b,
                container: out.name(),
                max: 24,
            }),
            (_, Some(b)) => Ok(Some((b, 0))),
        }
    }

    fn process_grid<I: AudioSample, O: AudioSample, R: Real>(
        &mut self,
        input: &[I],
        output: &mut [O],
        bits: u32,
        shift: u32,
        to_real: impl Fn(I) -> R,
    ) {
        let scale_f = (1u64 << (bits - 1)) as f64;
        let (scale, min, max) = (
            R::from_f64(scale_f),
            R::from_f64(-scale_f),
            R::from_f64(scale_f - 1.0),
        );
        let amp = R::from_f64(self.dither.amplitude / 65536.0);
        let kind = self.dither.kind;
        let float_out = !matches!(O::KIND, SampleKind::Int { .. });
        let channels = self.phase.channels();
        let (mut c, mut frame) = (self.phase.channel, self.phase.frame);
        for (x, o) in input.iter().zip(output.iter_mut()) {
            let d = R::from_f32(dither_units(kind, self.keys[c], frame)) * amp;
            let (q, n, cl) = quantize(to_real(*x), d, scale, min, max);
            self.stats.nan += n as u64;
            self.stats.clipped += cl as u64;
            *o = if float_out {
                O::from_f64(q as f64 / scale_f)
            } else {
                O::from_code(((q as i64) << shift) as i32)
            };
            c += 1;
            if c == channels {
                c = 0;
                frame = frame.wrapping_add(1);
            }
        }
        self.phase.channel = c;
        self.phase.frame = frame;
    }
}

impl<I: AudioSample, O: AudioSample> Processor<I, O> for UniformQuantizer {
    fn channels(&self) -> usize {
        UniformQuantizer::channels(self)
    }

    fn process(&mut self, input: &[I], output: &mut [O]) -> Result<()> {
        if input.len() != output.len() {
            return Err(Error::LengthMismatch {
                input: input.len(),
                output: output.len(),
            });
        }
        let Some((bits, shift)) = self.grid(O::KIND)? else {
            // Plain float conversion.
            for (x, o) in input.iter().zip(output.iter_mut()) {
                let v = x.to_f64();
                *o = if v.is_nan() {
                    self.stats.nan += 1;
                    O::from_f64(0.0)
                } else if v.is_infinite() {
                    self.stats.clipped += 1;
                    O::from_f64(v.signum())
                } else {
                    O::from_f64(v)
                };
            }
            self.phase.advance(input.len());
            return Ok(());
        };
        if I::KIND == SampleKind::F32 && bits <= 16 {
            if let (Some(x), Some(y)) = (I::as_f32_slice(input), O::as_i16_slice_mut(output)) {
                let scale = (1u32 << (bits - 1)) as f32;
                let k = F32ToI16 {
                    kind: self.dither.kind,
                    amp: (self.dither.amplitude / 65536.0) as f32,
                    scale,
                    min: -scale,
                    max: scale - 1.0,
                    shift,
                    keys: &self.keys,
                    lanes: &self.lanes,
                };
                kernels::f32_to_i16(self.level, &k, &mut self.phase, x, y, &mut self.stats);
                return Ok(());
            }
            self.process_grid::<I, O, f32>(input, output, bits, shift, |x| x.to_f64() as f32);
        } else {
            self.process_grid::<I, O, f64>(input, output, bits, shift, |x| x.to_f64());
        }
        Ok(())
    }

    fn reset(&mut self) {
        UniformQuantizer::reset(self)
    }
}

impl DitherKind {
    /// The default for a conversion: TPDF when precision is lost, none otherwise.
    pub fn default_for(precision_lost: bool) -> Self {
        if precision_lost {
            DitherKind::Tpdf
        } else {
            DitherKind::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specials_and_random(n: usize, seed: u64) -> Vec<f32> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.999_999_9,
            -0.999_999_9,
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
            f32::MIN_POSITIVE / 8.0,
            -f32::MIN_POSITIVE / 3.0,
            f32::MAX,
            f32::MIN,
            1.0 / 32768.0,
            0.5 / 32768.0,
            1.5 / 32768.0,
            2.5 / 32768.0,
        ];
        let mut s = seed;
        while v.len() < n {
            s = rng::splitmix64(s);
            let u = (s >> 40) as f32 / (1u64 << 24) as f32 * 2.4 - 1.2;
            v.push(if s & 0x70 == 0 { u * 1e-4 } else { u });
        }
        v
    }

    #[test]
    fn every_simd_level_matches_scalar_bit_for_bit() {
        for &channels in &[1usize, 2, 3, 5, 8, 17] {
            for kind in [
                DitherKind::None,
                DitherKind::Rpdf,
                DitherKind::Tpdf,
                DitherKind::TpdfHighPass,
            ] {
                for bits in [16u32, 12, 8, 1] {
                    let input = specials_and_random(4099, channels as u64 * 31 + bits as u64);
                    let dither = Dither::new(kind).with_seed(99).with_amplitude(0.75);
                    let mut reference = vec![0i16; input.len()];
                    let mut q = UniformQuantizer::new(channels, Some(bits), dither)
                        .unwrap()
                        .with_simd(SimdLevel::Scalar);
                    q.process(&input, &mut reference).unwrap();
                    let ref_stats = q.stats();
                    for level in SimdLevel::available() {
                        let mut out = vec![0i16; input.len()];
                        let mut q = UniformQuantizer::new(channels, Some(bits), dither)
                            .unwrap()
                            .with_simd(level);
                        // Uneven chunks so that the SIMD tails and phases are exercised.
                        let mut at = 0;
                        for chunk in [7usize, 100, 33, 1000, 2959] {
                            let end = (at + chunk).min(input.len());
                            q.process(&input[at..end], &mut out[at..end]).unwrap();
                            at = end;
                        }
                        assert_eq!(
                            out, reference,
                            "{level:?} {channels}ch {kind:?} {bits} bits"
                        );
                        assert_eq!(q.stats(), ref_stats, "{level:?} stats");
                    }
                }
            }
        }
    }
}
