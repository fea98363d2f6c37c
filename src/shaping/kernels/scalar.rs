//! The definition of the shaper's per-sample step, and the frame loop every level compiles.

use crate::dither::DitherKind;
use crate::quant::kernels::scalar::dither_units;
use crate::quant::QuantStats;
use crate::sample::{AudioSample, SampleKind};
use crate::shaping::design::MAX_ORDER;

/// One channel's loop state. The feedback for sample `n` is `h₁·e[n−1] + h₂·e[n−2]` plus
/// the older errors' share; only the newest term is on the serial path from one error to the
/// next, and the next newest has two samples' time, so the state keeps them apart: `w` is the
/// transposed-form filter state fed up to `e[n−3]` (`w[2]` is the older errors' share of
/// sample `n`'s feedback), `e1 = e[n−1]` and `e2 = e[n−2]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct State {
    pub w: [f64; MAX_ORDER],
    pub e1: f64,
    pub e2: f64,
}

impl Default for State {
    fn default() -> Self {
        Self {
            w: [0.0; MAX_ORDER],
            e1: 0.0,
            e2: 0.0,
        }
    }
}

/// Adding and subtracting 1.5·2⁵² rounds a double of magnitude below 2⁵¹ to an integer, ties
/// to even (the ulp at that size is 1): `round_ties_even` in two additions, half the latency
/// of the rounding instruction on the serial path.
pub(crate) const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// Largest `Σ|hₖ|` a shaper accepts: with inputs clamped to ±[`INPUT_LIMIT`] and errors of at
/// most 65.5 LSB, every value rounded stays far below 2⁵¹, where [`ROUNDER`] is exact.
pub(crate) const MAX_COEFFICIENT_SUM: f64 = 1e6;

/// `x.round_ties_even()` for `|x| < 2⁵¹`.
#[inline(always)]
pub(crate) fn round_even(x: f64) -> f64 {
    (x + ROUNDER) - ROUNDER
}

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

/// Feeds `e` into the transposed filter state: `w[k] ← h[k]·e + w[k+1]` (fused), with a
/// zero shifted in at the end. The SIMD kernels do exactly this, lane for lane.
#[inline(always)]
pub(crate) fn feed<const TAPS: usize>(e: f64, w: &mut [f64; TAPS], h: &[f64; TAPS]) {
    for k in 0..TAPS - 1 {
        w[k] = h[k].mul_add(e, w[k + 1]);
    }
    w[TAPS - 1] = h[TAPS - 1].mul_add(e, 0.0);
}

/// The serial core of one sample, the definition every level follows operation for operation.
/// `y` is the input in LSB, `yd = y + d` with the dither, `older = h₂·e[n−2] + w[2]` (fused:
/// every error but the newest), `h1 = h₁` and `e1 = e[n−1]`. The value quantized is
/// `v = h₁·e[n−1] + (y + older)` (fused): on the grid it passes unchanged (digital silence,
/// content already at the depth), otherwise it becomes `round(h₁·e[n−1] + (yd + older))`, the
/// uniform quantizer's rounding with the dither. Returns the unsaturated code and the error
/// `q − v` fed back, 0 for a NaN input (`nan`, with `y = 0`). With nothing fed back this is
/// [`quantize`](crate::quant::kernels::scalar::quantize) exactly; the error never exceeds
/// ½ LSB plus the dither (plus rounding, of the order 2⁻³⁰), so clipping never enters the loop
/// and the loop cannot run away.
#[inline(always)]
pub(crate) fn core(y: f64, yd: f64, older: f64, h1: f64, e1: f64, nan: bool) -> (f64, f64) {
    let v = h1.mul_add(e1, y + older);
    let u = h1.mul_add(e1, yd + older);
    let ru = round_even(u);
    let on_grid = (round_even(v) == v) | nan;
    // Written as selects: the compiler picks branches or blends.
    let q = if on_grid { v } else { ru };
    let e = if on_grid { 0.0 } else { ru - v };
    (q, e)
}

/// The input sample in LSB (clamped, NaN as 0) and whether it was NaN.
#[inline(always)]
pub(crate) fn scaled(x: f64, scale: f64) -> (f64, bool) {
    let y = (x * scale).clamp(-INPUT_LIMIT, INPUT_LIMIT);
    if y.is_nan() {
        (0.0, true)
    } else {
        (y, false)
    }
}

/// Saturates a code as [`quantize`](crate::quant::kernels::scalar::quantize) does:
/// `(code, clipped)`. The conversion to `i32` reads the integer out of the low bits of
/// `sat + 1.5·2⁵²` (exact for the integers of any depth up to 32 bits), which, unlike `as`,
/// vectorizes.
#[inline(always)]
pub(crate) fn saturate(q: f64, min: f64, max: f64) -> (i32, bool) {
    let sat = q.clamp(min, max);
    ((sat + ROUNDER).to_bits() as u32 as i32, sat != q)
}

/// One sample of one channel: quantized, the state moved on. Returns the code and whether it
/// saturated (a NaN input gives code 0, not counted as clipped).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn step<const TAPS: usize>(
    y: f64,
    d: f64,
    nan: bool,
    w: &mut [f64; TAPS],
    e1: &mut f64,
    e2: &mut f64,
    h: &[f64; TAPS],
    min: f64,
    max: f64,
) -> (i32, bool) {
    // What `feed(e2)` is about to put in w[1], computed apart (the SIMD levels do so too).
    let older = h[1].mul_add(*e2, w[2]);
    let (q, e) = core(y, y + d, older, h[0], *e1, nan);
    feed(*e2, w, h);
    (*e2, *e1) = (*e1, e);
    if nan {
        return (0, false);
    }
    saturate(q, min, max)
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
    let mut w = [0.0; TAPS];
    w.copy_from_slice(&state.w[..TAPS]);
    let (y, nan) = scaled(x.to_f64(), p.scale);
    let d = dither_units(p.kind, p.keys[c], frame) as f64 * p.amp;
    let (code, clipped) = step(
        y,
        d,
        nan,
        &mut w,
        &mut state.e1,
        &mut state.e2,
        &p.h,
        p.min,
        p.max,
    );
    state.w[..TAPS].copy_from_slice(&w);
    stats.nan += nan as u64;
    stats.clipped += clipped as u64;
    p.output(code)
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
    let mut w = [[0.0; TAPS]; G];
    let mut e1 = [0.0; G];
    let mut e2 = [0.0; G];
    for g in 0..G {
        w[g].copy_from_slice(&states[first + g].w[..TAPS]);
        (e1[g], e2[g]) = (states[first + g].e1, states[first + g].e2);
    }
    let mut keys = [0u32; G];
    keys.copy_from_slice(&p.keys[first..first + G]);
    let (mut nans, mut clipped) = (0u64, 0u64);
    let mut frame = frame0;
    let channels = p.channels;
    for (xs, ys) in input
        .chunks_exact(channels)
        .zip(output.chunks_exact_mut(channels))
    {
        let xs = &xs[first..first + G];
        let ys = &mut ys[first..first + G];
        for g in 0..G {
            let (y, nan) = scaled(xs[g].to_f64(), p.scale);
            let d = dither_units(p.kind, keys[g], frame) as f64 * p.amp;
            let (code, cl) = step(
                y, d, nan, &mut w[g], &mut e1[g], &mut e2[g], &p.h, p.min, p.max,
            );
            nans += nan as u64;
            clipped += cl as u64;
            ys[g] = p.output(code);
        }
        frame = frame.wrapping_add(1);
    }
    for g in 0..G {
        states[first + g].w[..TAPS].copy_from_slice(&w[g]);
        (states[first + g].e1, states[first + g].e2) = (e1[g], e2[g]);
    }
    stats.nan += nans;
    stats.clipped += clipped;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::kernels::scalar::quantize;

    #[test]
    fn round_even_is_round_ties_even_below_2_to_the_51() {
        let mut s = 7u64;
        // Equal as numbers: the sign of a zero result may differ, which no code sees.
        let check = |x: f64| assert_eq!(round_even(x), x.round_ties_even(), "{x}");
        for k in -60..=50 {
            let big = (2.0f64).powi(k);
            for t in [0.0, 0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994] {
                check(big.floor() + t);
            }
        }
        for _ in 0..200_000 {
            s = crate::dither::rng::splitmix64(s);
            let mag = (2.0f64).powi((s % 51) as i32);
            let x = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0 * mag;
            check(x);
            check(x.trunc() + 0.5);
        }
    }

    #[test]
    fn with_nothing_fed_back_the_step_is_the_uniform_quantizer() {
        let h = [0.0; 8];
        let (mut w, mut e1, mut e2) = ([0.0; 8], 0.0, 0.0);
        let mut s = 1u64;
        for i in 0..100_000 {
            s = crate::dither::rng::splitmix64(s);
            let y = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 70000.0;
            let y = if i % 7 == 0 { y.round() } else { y };
            let d = ((s & 0xffff) as f64 - 32767.5) / 65536.0;
            let want = quantize(y, d, 1.0, -32768.0, 32767.0);
            let got = step(y, d, false, &mut w, &mut e1, &mut e2, &h, -32768.0, 32767.0);
            assert_eq!(got, (want.0, want.2));
        }
    }

    #[test]
    fn the_step_rounds_the_fed_back_value_and_its_error_stays_bounded() {
        // Against a plain model of error feedback: v = y + Σ hₖ·e[n−k] summed in any order
        // differs from the step's v by rounding only, so the codes agree wherever v + d is not
        // within 1e-6 of a rounding boundary; the fed-back error never exceeds ½ LSB plus the
        // dither, even when clipping.
        let h = [0.7, -0.2, 0.1, 0.05, 0.0, 0.0, 0.0, 0.0];
        let (mut w, mut e1, mut e2) = ([0.0; 8], 0.0, 0.0);
        let mut history = [0.0f64; 8];
        let mut s = 1u64;
        let mut compared = 0;
        for i in 0..100_000 {
            s = crate::dither::rng::splitmix64(s);
            let y = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 70000.0;
            let y = if i % 7 == 0 { y.round() } else { y };
            let d = ((s & 0xffff) as f64 - 32767.5) / 65536.0;
            let v: f64 = y + h.iter().zip(&history).map(|(a, b)| a * b).sum::<f64>();
            let (code, clipped) =
                step(y, d, false, &mut w, &mut e1, &mut e2, &h, -32768.0, 32767.0);
            let e = e1;
            assert!(e.abs() <= 0.5 + 0.5 + 1e-9, "{e}");
            let frac = (v + d) - (v + d).floor();
            if (frac - 0.5).abs() > 1e-6 && v.fract() != 0.0 {
                let want = quantize(v, d, 1.0, -32768.0, 32767.0);
                assert_eq!((code, clipped), (want.0, want.2), "sample {i}");
                compared += 1;
            }
            history.rotate_right(1);
            history[0] = e;
        }
        assert!(compared > 80_000);
    }
}
