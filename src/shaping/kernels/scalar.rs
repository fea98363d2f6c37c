//! The definition of the shaper's per-sample step, and the frame loop every level compiles.

use crate::dither::DitherKind;
use crate::quant::kernels::scalar::{dither_units, quantize};
use crate::quant::QuantStats;
use crate::sample::{AudioSample, SampleKind};
use crate::shaping::design::MAX_ORDER;

/// One channel's filter state: `acc[k]` is the part of the feedback already known for the
/// sample `k` steps ahead (transposed direct form).
pub(crate) type State = [f64; MAX_ORDER];

/// Input codes beyond this magnitude saturate whatever the feedback adds; clamping them keeps
/// the arithmetic finite (±∞ and huge floats) without changing any output.
pub(crate) const INPUT_LIMIT: f64 = (1u64 << 40) as f64;

/// Everything the kernels need, prepared per call.
pub(crate) struct Params<'a, const TAPS: usize> {
    /// h₁..h_TAPS (zero padded).
    pub h: [f64; TAPS],
    pub kind: DitherKind,
    /// Dither amplitude in LSB divided by 65536 (the generator's 16-bit unit).
    pub amp: f64,
    /// 2^(bits-1).
    pub scale: f64,
    pub min: f64,
    pub max: f64,
    /// Left shift from the depth into an integer container.
    pub shift: u32,
    pub channels: usize,
    /// Generator key per channel.
    pub keys: &'a [u32],
}

impl<const TAPS: usize> Params<'_, TAPS> {
    #[inline(always)]
    pub(crate) fn output<O: AudioSample>(&self, code: i32) -> O {
        if matches!(O::KIND, SampleKind::Int { .. }) {
            O::from_code(((code as i64) << self.shift) as i32)
        } else {
            O::from_f64(code as f64 / self.scale)
        }
    }
}

/// Quantizes `v` by the uniform quantizer's own definition ([`quantize`] with scale 1 and the
/// same dither value `d`) and returns the code, whether it saturated, and the error of the
/// rounding *before* saturation, `q − v`. That error is bounded by ½ LSB plus the dither's
/// amplitude whatever the input, so clipping never enters the feedback loop and the loop
/// cannot run away.
#[inline(always)]
pub(crate) fn quantize_with_error(v: f64, d: f64, min: f64, max: f64) -> (i32, bool, f64) {
    let (code, _, clipped) = quantize(v, d, 1.0, min, max);
    // The same rounding as `quantize`, before saturation.
    let r = v.round_ties_even();
    let q = if r == v { r } else { (v + d).round_ties_even() };
    (code, clipped, q - v)
}

/// Feeds `e` into the transposed filter state: `acc[k] ← h[k]·e + acc[k+1]` (fused), with a
/// zero shifted in at the end. The SIMD kernels do exactly this, lane for lane.
#[inline(always)]
pub(crate) fn feed<const TAPS: usize>(e: f64, acc: &mut [f64; TAPS], h: &[f64; TAPS]) {
    for k in 0..TAPS - 1 {
        acc[k] = h[k].mul_add(e, acc[k + 1]);
    }
    acc[TAPS - 1] = h[TAPS - 1].mul_add(e, 0.0);
}

/// One sample: `v = y + acc[0]` quantized, its error fed back. Returns the code and whether
/// it saturated.
#[inline(always)]
pub(crate) fn step<const TAPS: usize>(
    y: f64,
    d: f64,
    acc: &mut [f64; TAPS],
    h: &[f64; TAPS],
    min: f64,
    max: f64,
) -> (i32, bool) {
    let (code, clipped, e) = quantize_with_error(y + acc[0], d, min, max);
    feed(e, acc, h);
    (code, clipped)
}

/// A NaN input: written as 0 (as the quantizer does) and no error fed back.
#[inline(always)]
fn skip<const TAPS: usize>(acc: &mut [f64; TAPS], h: &[f64; TAPS]) {
    feed(0.0, acc, h);
}

/// One sample of channel `c` at `frame`, with the state loaded and stored (for partial frames).
#[inline]
pub(crate) fn single<I: AudioSample, O: AudioSample, const TAPS: usize>(
    p: &Params<TAPS>,
    state: &mut State,
    c: usize,
    frame: u32,
    x: I,
    stats: &mut QuantStats,
) -> O {
    let mut acc = [0.0; TAPS];
    acc.copy_from_slice(&state[..TAPS]);
    let x = x.to_f64();
    let out = if x.is_nan() {
        stats.nan += 1;
        skip(&mut acc, &p.h);
        p.output(0)
    } else {
        let d = dither_units(p.kind, p.keys[c], frame) as f64 * p.amp;
        let y = (x * p.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT);
        let (code, clipped) = step(y, d, &mut acc, &p.h, p.min, p.max);
        stats.clipped += clipped as u64;
        p.output(code)
    };
    state[..TAPS].copy_from_slice(&acc);
    out
}

/// Whole frames of channels `first..first + G`, states kept in locals across the loop.
#[inline(always)]
pub(crate) fn frames<I: AudioSample, O: AudioSample, const G: usize, const TAPS: usize>(
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    let mut acc = [[0.0; TAPS]; G];
    for (g, a) in acc.iter_mut().enumerate() {
        a.copy_from_slice(&states[first + g][..TAPS]);
    }
    let mut keys = [0u32; G];
    keys.copy_from_slice(&p.keys[first..first + G]);
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut frame = frame0;
    let channels = p.channels;
    for (xs, ys) in input
        .chunks_exact(channels)
        .zip(output.chunks_exact_mut(channels))
    {
        let xs = &xs[first..first + G];
        let ys = &mut ys[first..first + G];
        for g in 0..G {
            let x = xs[g].to_f64();
            if x.is_nan() {
                nan += 1;
                skip(&mut acc[g], &p.h);
                ys[g] = p.output(0);
                continue;
            }
            let d = dither_units(p.kind, keys[g], frame) as f64 * p.amp;
            let y = (x * p.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT);
            let (code, cl) = step(y, d, &mut acc[g], &p.h, p.min, p.max);
            clipped += cl as u64;
            ys[g] = p.output(code);
        }
        frame = frame.wrapping_add(1);
    }
    for (g, a) in acc.iter().enumerate() {
        states[first + g][..TAPS].copy_from_slice(a);
    }
    stats.nan += nan;
    stats.clipped += clipped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_quantizes_exactly_as_the_uniform_quantizer() {
        // With a zero filter the step is the quantizer; with any filter its output is the
        // quantizer's output for v = y + feedback.
        let h = [0.7, -0.2, 0.1, 0.05];
        let mut s = 1u64;
        let mut acc = [0.0; 4];
        for i in 0..100_000 {
            s = crate::dither::rng::splitmix64(s);
            let y = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 70000.0;
            let y = if i % 7 == 0 { y.round() } else { y };
            let d = ((s & 0xffff) as f64 - 32767.5) / 65536.0;
            let v = y + acc[0];
            let want = quantize(v, d, 1.0, -32768.0, 32767.0);
            let (code, clipped) = step(y, d, &mut acc, &h, -32768.0, 32767.0);
            assert_eq!((code, clipped), (want.0, want.2));
            // The fed-back error never exceeds ½ LSB plus the dither, even when clipping.
            assert!(acc.iter().all(|a| a.abs() < 2.0));
        }
    }
}
