//! The frame loop of the SIMD levels, in blocks: inputs and dither for a block are prepared
//! first (loops the compiler vectorizes), then the serial recursion touches only what it must,
//! then saturation and output conversion run over the block. The result is `scalar::frames`,
//! bit for bit: the same operations on the same values.
//!
//! The recursion's serial path, from one error to the next, is one fused multiply-add, a
//! rounding (two additions) and a subtraction (`scalar::core`); the next newest error's term
//! is one more multiply-add beside it, and the filter state of the older errors is fed two
//! samples late, so that its update (broadcast, shift, multiply-add, lane extraction) runs
//! beside the serial path instead of on it.

use super::scalar::{self, Params, State};
use crate::dither::DitherKind;
use crate::quant::kernels::scalar::dither_units;
use crate::quant::QuantStats;
use crate::sample::AudioSample;
use crate::shaping::design::MAX_ORDER;

/// A channel's filter state as a SIMD level holds it.
pub(crate) trait Feedback<const TAPS: usize>: Copy {
    /// The coefficients in the level's registers.
    type Taps: Copy;
    fn taps(h: &[f64; TAPS]) -> Self::Taps;
    fn load(w: &[f64; MAX_ORDER]) -> Self;
    fn store(&self, w: &mut [f64; MAX_ORDER]);
    /// `w[2]`.
    fn third(&self) -> f64;
    /// `scalar::feed`: `w[k] ← h[k]·e + w[k+1]` (fused), zero shifted in.
    fn feed(&mut self, e: f64, taps: &Self::Taps);
}

/// Frames per block.
const BLOCK: usize = 256;

#[inline(always)]
fn fill_dither(kind: DitherKind, key: u32, frame: u32, amp: f64, out: &mut [f64]) {
    #[inline(always)]
    fn fill<const K: u8>(kind: DitherKind, key: u32, frame: u32, amp: f64, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = dither_units(kind, key, frame.wrapping_add(j as u32)) as f64 * amp;
        }
    }
    // One loop per kind, so each is a straight line the compiler can vectorize.
    match kind {
        DitherKind::None => fill::<0>(DitherKind::None, key, frame, amp, out),
        DitherKind::Rpdf => fill::<1>(DitherKind::Rpdf, key, frame, amp, out),
        DitherKind::Tpdf => fill::<2>(DitherKind::Tpdf, key, frame, amp, out),
        DitherKind::TpdfHighPass => fill::<3>(DitherKind::TpdfHighPass, key, frame, amp, out),
    }
}

/// The serial recursion of a group of `G` channels over one block, as a level runs it.
pub(crate) trait Recursion<const G: usize, const TAPS: usize>: Sized {
    /// Takes the state of channels `states[..G]`.
    fn load(states: &[State], h: &[f64; TAPS]) -> Self;
    fn store(&self, states: &mut [State]);
    /// `scalar::step`'s recursion over a block: `y[j][g]` the input in LSB, `yd` with the
    /// dither, `nan` the NaN flags (`any_nan` whether one is set); writes the unsaturated
    /// codes to `q`.
    fn run(
        &mut self,
        y: &[[f64; G]],
        yd: &[[f64; G]],
        nan: &[[bool; G]],
        any_nan: bool,
        q: &mut [[f64; G]],
    );
}

/// Each channel's state in its own registers ([`Feedback`]), the chains interleaved.
pub(crate) struct PerChannel<S: Feedback<TAPS>, const G: usize, const TAPS: usize> {
    w: [S; G],
    e1: [f64; G],
    e2: [f64; G],
    taps: S::Taps,
    h1: f64,
    h2: f64,
}

impl<S: Feedback<TAPS>, const G: usize, const TAPS: usize> Recursion<G, TAPS>
    for PerChannel<S, G, TAPS>
{
    #[inline(always)]
    fn load(states: &[State], h: &[f64; TAPS]) -> Self {
        Self {
            w: std::array::from_fn(|g| S::load(&states[g].w)),
            e1: std::array::from_fn(|g| states[g].e1),
            e2: std::array::from_fn(|g| states[g].e2),
            taps: S::taps(h),
            h1: h[0],
            h2: h[1],
        }
    }

    #[inline(always)]
    fn store(&self, states: &mut [State]) {
        for (g, st) in states[..G].iter_mut().enumerate() {
            self.w[g].store(&mut st.w);
            (st.e1, st.e2) = (self.e1[g], self.e2[g]);
        }
    }

    #[inline(always)]
    fn run(
        &mut self,
        y: &[[f64; G]],
        yd: &[[f64; G]],
        nan: &[[bool; G]],
        _any_nan: bool,
        q: &mut [[f64; G]],
    ) {
        for j in 0..q.len() {
            for g in 0..G {
                // `scalar::step`, operation for operation.
                let older = self.h2.mul_add(self.e2[g], self.w[g].third());
                let (qj, ej) =
                    scalar::core(y[j][g], yd[j][g], older, self.h1, self.e1[g], nan[j][g]);
                self.w[g].feed(self.e2[g], &self.taps);
                (self.e2[g], self.e1[g]) = (self.e1[g], ej);
                q[j][g] = qj;
            }
        }
    }
}

#[inline(always)]
pub(crate) fn frames<
    I: AudioSample,
    O: AudioSample,
    const G: usize,
    const TAPS: usize,
    R: Recursion<G, TAPS>,
>(
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    let mut rec = R::load(&states[first..first + G], &p.h);
    let channels = p.channels;
    let frames = input.len().min(output.len()) / channels;
    let mut y = [[0.0f64; G]; BLOCK];
    let mut yd = [[0.0f64; G]; BLOCK];
    let mut q = [[0.0f64; G]; BLOCK];
    let mut d = [[0.0f64; BLOCK]; G];
    let mut nan_at = [[false; G]; BLOCK];
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut start = 0;
    while start < frames {
        let n = BLOCK.min(frames - start);
        let base = frame0.wrapping_add(start as u32);
        let xs = &input[start * channels..(start + n) * channels];
        let mut any_nan = false;
        let mut prepare = |g: usize, j: usize, x: I| {
            let (yj, is_nan) = scalar::scaled(x.to_f64(), p.scale);
            y[j][g] = yj;
            nan_at[j][g] = is_nan;
            any_nan |= is_nan;
        };
        if channels == G {
            // Every channel of the frame is in this group: one flat loop.
            let flags = nan_at[..n].as_flattened_mut();
            for ((yi, flag), &x) in y[..n].as_flattened_mut().iter_mut().zip(flags).zip(xs) {
                let (v, is_nan) = scalar::scaled(x.to_f64(), p.scale);
                *yi = v;
                *flag = is_nan;
                any_nan |= is_nan;
            }
        } else {
            for (j, frame) in xs.chunks_exact(channels).enumerate() {
                for (g, &x) in frame[first..first + G].iter().enumerate() {
                    prepare(g, j, x);
                }
            }
        }
        for (g, dg) in d.iter_mut().enumerate() {
            fill_dither(p.kind, p.keys[first + g], base, p.amp, &mut dg[..n]);
        }
        for (j, (ydj, yj)) in yd[..n].iter_mut().zip(&y[..n]).enumerate() {
            for g in 0..G {
                ydj[g] = yj[g] + d[g][j];
            }
        }
        rec.run(&y[..n], &yd[..n], &nan_at[..n], any_nan, &mut q[..n]);
        let ys = &mut output[start * channels..(start + n) * channels];
        // Saturation as `quantize` does it, branch-free so that it vectorizes.
        let mut finish = |g: usize, j: usize, o: &mut O| {
            let (code, sat) = scalar::saturate(q[j][g], p.min, p.max);
            let is_nan = nan_at[j][g];
            clipped += (!is_nan && sat) as u64;
            nan += is_nan as u64;
            *o = p.output(if is_nan { 0 } else { code });
        };
        if channels == G {
            // The block's codes are in the output's order: one flat loop.
            let flags = nan_at[..n].as_flattened();
            for ((o, &qi), &is_nan) in ys.iter_mut().zip(q[..n].as_flattened()).zip(flags) {
                let (code, sat) = scalar::saturate(qi, p.min, p.max);
                clipped += (!is_nan && sat) as u64;
                nan += is_nan as u64;
                *o = p.output(if is_nan { 0 } else { code });
            }
        } else {
            for (j, frame) in ys.chunks_exact_mut(channels).enumerate() {
                for (g, o) in frame[first..first + G].iter_mut().enumerate() {
                    finish(g, j, o);
                }
            }
        }
        start += n;
    }
    rec.store(&mut states[first..first + G]);
    stats.nan += nan;
    stats.clipped += clipped;
}
