//! The frame loop of the SIMD levels, in blocks: inputs and dither for a block are prepared
//! first (loops the compiler vectorizes), then the serial recursion touches only what it must
//! (add, round, subtract, feed), then saturation and output conversion run over the block.
//! The result is `scalar::frames`, bit for bit: the same operations on the same values.

use super::scalar::{Params, State, INPUT_LIMIT};
use crate::dither::DitherKind;
use crate::quant::kernels::scalar::dither_units;
use crate::quant::QuantStats;
use crate::sample::AudioSample;

/// A channel's filter state as a SIMD level holds it.
pub(crate) trait Feedback<const TAPS: usize>: Copy {
    /// The coefficients in the level's registers.
    type Taps: Copy;
    fn taps(h: &[f64; TAPS]) -> Self::Taps;
    fn load(state: &State) -> Self;
    fn store(&self, state: &mut State);
    /// `acc[0]`: the feedback for the current sample.
    fn first(&self) -> f64;
    /// `scalar::feed`: `acc[k] ← h[k]·e + acc[k+1]` (fused), zero shifted in.
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
    let mut s: [S; G] = std::array::from_fn(|g| S::load(&states[first + g]));
    let channels = p.channels;
    let frames = input.len().min(output.len()) / channels;
    let mut y = [[0.0f64; BLOCK]; G];
    let mut d = [[0.0f64; BLOCK]; G];
    let mut q = [[0.0f64; BLOCK]; G];
    let mut nan_at = [[false; BLOCK]; G];
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut start = 0;
    while start < frames {
        let n = BLOCK.min(frames - start);
        let base = frame0.wrapping_add(start as u32);
        let xs = &input[start * channels..(start + n) * channels];
        let mut prepare = |g: usize, j: usize, x: I| {
            let y0 = (x.to_f64() * p.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT);
            nan_at[g][j] = y0.is_nan();
            y[g][j] = if y0.is_nan() { 0.0 } else { y0 };
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
        for (g, dg) in d.iter_mut().enumerate() {
            fill_dither(p.kind, p.keys[first + g], base, p.amp, &mut dg[..n]);
        }
        for j in 0..n {
            for g in 0..G {
                let v = y[g][j] + s[g].first();
                let r = v.round_ties_even();
                let qj = if r == v {
                    r
                } else {
                    (v + d[g][j]).round_ties_even()
                };
                q[g][j] = qj;
                let e = if nan_at[g][j] { 0.0 } else { qj - v };
                s[g].feed(e, &taps);
            }
        }
        let ys = &mut output[start * channels..(start + n) * channels];
        // Saturation as `quantize` does it, branch-free so that it vectorizes.
        let mut finish = |g: usize, j: usize, o: &mut O| {
            let qj = q[g][j];
            let sat = qj.clamp(p.min, p.max);
            let is_nan = nan_at[g][j];
            clipped += (!is_nan && sat != qj) as u64;
            nan += is_nan as u64;
            *o = p.output(if is_nan { 0 } else { sat as i32 });
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
    for (g, st) in s.iter().enumerate() {
        st.store(&mut states[first + g]);
    }
    stats.nan += nan;
    stats.clipped += clipped;
}
