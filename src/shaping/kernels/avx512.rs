//! The scalar definition compiled with AVX-512 (F, BW, DQ, VL) and FMA enabled.

use super::scalar::{self, Params, State};
use crate::quant::QuantStats;
use crate::sample::AudioSample;

/// # Safety
/// The CPU must support AVX-512 F, BW, DQ, VL and FMA.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn frames<I: AudioSample, O: AudioSample, const G: usize, const TAPS: usize>(
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    scalar::frames::<I, O, G, TAPS>(p, states, first, frame0, input, output, stats)
}
