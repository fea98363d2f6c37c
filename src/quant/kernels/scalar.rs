//! Scalar reference of the float32 → 16-bit kernel.

use super::F32ToI16;
use crate::dither::{rng, DitherKind};
use crate::quant::QuantStats;
use crate::stream::ChannelPhase;

/// The dither value, in the generator's 16-bit units (multiply by `amp`), of channel key `key`
/// at frame `frame`. Exact small integers (or half-integers), so f32 and f64 agree.
#[inline(always)]
pub(crate) fn dither_units(kind: DitherKind, key: u32, frame: u32) -> f32 {
    match kind {
        DitherKind::None => 0.0,
        DitherKind::Rpdf => (rng::value(key, frame) >> 16) as f32 - 32767.5,
        DitherKind::Tpdf => {
            let h = rng::value(key, frame);
            ((h >> 16) as f32 + (h & 0xffff) as f32) - 65535.0
        }
        DitherKind::TpdfHighPass => {
            let h = rng::value(key, frame) >> 16;
            let h1 = rng::value(key, frame.wrapping_sub(1)) >> 16;
            h as f32 - h1 as f32
        }
    }
}

/// The float arithmetic the quantizer runs in: `f32` for float32 input to at most 16 bits
/// (the SIMD path), `f64` otherwise.
pub(crate) trait Real:
    Copy + PartialOrd + std::ops::Mul<Output = Self> + std::ops::Add<Output = Self>
{
    fn round_even(self) -> Self;
    fn nan(self) -> bool;
    fn to_i32(self) -> i32;
    fn from_f64(x: f64) -> Self;
    fn from_f32(x: f32) -> Self;
}

/// Round half to even by the add-and-subtract of 2^(mantissa bits), which the FPU rounds in
/// its default mode: the same result as `round_ties_even` (up to the sign of zero, which no
/// integer code sees) without the libm call that baseline x86-64 makes for it.
macro_rules! magic_round {
    ($x:expr, $t:ty, $m:expr) => {{
        let x: $t = $x;
        if x.abs() < $m {
            let m = <$t>::copysign($m, x);
            (x + m) - m
        } else {
            x // already integral, infinite or NaN
        }
    }};
}

impl Real for f32 {
    #[inline(always)]
    fn round_even(self) -> Self {
        magic_round!(self, f32, 8388608.0)
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x
    }
}

impl Real for f64 {
    #[inline(always)]
    fn round_even(self) -> Self {
        magic_round!(self, f64, 4503599627370496.0)
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x as f64
    }
}

/// Quantizes one sample: the definition every kernel follows.
///
/// `y = x·scale`; NaN gives 0 (counted); a `y` already on the grid is kept as is (no dither:
/// nothing is lost); otherwise `round_half_even(y + d)`; then saturation to `[min, max]`
/// (counted). Returns the code and whether it was NaN or clipped.
#[inline(always)]
pub(crate) fn quantize<R: Real>(x: R, d: R, scale: R, min: R, max: R) -> (i32, bool, bool) {
    if x.nan() {
        return (0, true, false);
    }
    let y = x * scale;
    let r = y.round_even();
    let v = if r == y { r } else { (y + d).round_even() };
    if v > max {
        (max.to_i32(), false, true)
    } else if v < min {
        (min.to_i32(), false, true)
    } else {
        (v.to_i32(), false, false)
    }
}

pub(crate) fn f32_to_i16(
    k: &F32ToI16,
    phase: &mut ChannelPhase,
    input: &[f32],
    output: &mut [i16],
    stats: &mut QuantStats,
) {
    let channels = phase.channels();
    let (mut c, mut frame) = (phase.channel, phase.frame);
    let (mut nan, mut clipped) = (0u64, 0u64);
    for (x, o) in input.iter().zip(output.iter_mut()) {
        let d = dither_units(k.kind, k.keys[c], frame) * k.amp;
        let (q, n, cl) = quantize(*x, d, k.scale, k.min, k.max);
        nan += n as u64;
        clipped += cl as u64;
        *o = (q << k.shift) as i16;
        c += 1;
        if c == channels {
            c = 0;
            frame = frame.wrapping_add(1);
        }
    }
    phase.channel = c;
    phase.frame = frame;
    stats.nan += nan;
    stats.clipped += clipped;
}

#[cfg(test)]
mod tests {
    use super::Real;

    #[test]
    fn magic_rounding_equals_round_ties_even() {
        let mut x = 1.0e-3f32;
        let specials = [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            8388607.5,
            -8388607.5,
            8388608.0,
            4194303.5,
            1e30,
            -1e30,
            f32::INFINITY,
        ];
        for v in specials {
            assert_eq!(v.round_even(), v.round_ties_even(), "{v}");
            assert_eq!((v as f64).round_even(), (v as f64).round_ties_even(), "{v}");
        }
        while x < 3.0e7 {
            for v in [x, -x, x + 0.5, -x - 0.5] {
                assert_eq!(v.round_even(), v.round_ties_even(), "{v}");
                let w = v as f64 * 1.000_000_1;
                assert_eq!(w.round_even(), w.round_ties_even(), "{w}");
            }
            x *= 1.000_37;
        }
        assert!(f32::NAN.round_even().is_nan());
    }
}
