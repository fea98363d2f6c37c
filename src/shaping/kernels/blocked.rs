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
        for g in 0..G {
            for (j, x) in xs.iter().skip(first + g).step_by(channels).enumerate() {
                let x = x.to_f64();
                nan_at[g][j] = x.is_nan();
                y[g][j] = if x.is_nan() {
                    0.0
                } else {
                    (x * p.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT)
                };
            }
            fill_dither(p.kind, p.keys[first + g], base, p.amp, &mut d[g][..n]);
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
        for g in 0..G {
            for (j, o) in ys.iter_mut().skip(first + g).step_by(channels).enumerate() {
                let qj = q[g][j];
                let code = if nan_at[g][j] {
                    nan += 1;
                    0
                } else if qj > p.max {
                    clipped += 1;
                    p.max as i32
                } else if qj < p.min {
                    clipped += 1;
                    p.min as i32
                } else {
                    qj as i32
                };
                *o = p.output(code);
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
