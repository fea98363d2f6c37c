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
const BLOCK: usize = 64;

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

#[inline(always)]
pub(crate) fn frames<
    I: AudioSample,
    O: AudioSample,
    const G: usize,
    const TAPS: usize,
    S: Feedback<TAPS>,
>(
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    let taps = S::taps(&p.h);
    let (h1, h2) = (p.h[0], p.h[1]);
    let mut w: [S; G] = std::array::from_fn(|g| S::load(&states[first + g].w));
    let mut e1: [f64; G] = std::array::from_fn(|g| states[first + g].e1);
    let mut e2: [f64; G] = std::array::from_fn(|g| states[first + g].e2);
    let channels = p.channels;
    let frames = input.len().min(output.len()) / channels;
    let mut y = [[0.0f64; BLOCK]; G];
    let mut yd = [[0.0f64; BLOCK]; G];
    let mut q = [[0.0f64; BLOCK]; G];
    let mut nan_at = [[false; BLOCK]; G];
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut start = 0;
    while start < frames {
        let n = BLOCK.min(frames - start);
        let base = frame0.wrapping_add(start as u32);
        let xs = &input[start * channels..(start + n) * channels];
        let mut prepare = |g: usize, j: usize, x: I| {
            (y[g][j], nan_at[g][j]) = scalar::scaled(x.to_f64(), p.scale);
        };
        if channels == G {
            // Every channel of the frame is in this group: contiguous frames.
            for (j, frame) in xs.chunks_exact(G).enumerate() {
                for (g, &x) in frame.iter().enumerate() {
                    prepare(g, j, x);
                }
            }
        } else {
            for (j, frame) in xs.chunks_exact(channels).enumerate() {
                for (g, &x) in frame[first..first + G].iter().enumerate() {
                    prepare(g, j, x);
                }
            }
        }
        for g in 0..G {
            fill_dither(p.kind, p.keys[first + g], base, p.amp, &mut yd[g][..n]);
            for (a, &b) in yd[g][..n].iter_mut().zip(&y[g][..n]) {
                *a += b;
            }
        }
        for j in 0..n {
            for g in 0..G {
                // `scalar::step`, operation for operation.
                let older = h2.mul_add(e2[g], w[g].third());
                let (qj, ej) = scalar::core(y[g][j], yd[g][j], older, h1, e1[g], nan_at[g][j]);
                w[g].feed(e2[g], &taps);
                (e2[g], e1[g]) = (e1[g], ej);
                q[g][j] = qj;
            }
        }
        let ys = &mut output[start * channels..(start + n) * channels];
        // Saturation as `quantize` does it, branch-free so that it vectorizes.
        let mut finish = |g: usize, j: usize, o: &mut O| {
            let (code, sat) = scalar::saturate(q[g][j], p.min, p.max);
            let is_nan = nan_at[g][j];
            clipped += (!is_nan && sat) as u64;
            nan += is_nan as u64;
            *o = p.output(if is_nan { 0 } else { code });
        };
        if channels == G {
            for (j, frame) in ys.chunks_exact_mut(G).enumerate() {
                for (g, o) in frame.iter_mut().enumerate() {
                    finish(g, j, o);
                }
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
    for g in 0..G {
        w[g].store(&mut states[first + g].w);
        (states[first + g].e1, states[first + g].e2) = (e1[g], e2[g]);
    }
    stats.nan += nan;
    stats.clipped += clipped;
}
