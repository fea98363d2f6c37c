//! Kernels of the noise shaper. The recursion is serial in time, so the kernels run a group of
//! channels side by side (their chains are independent, so the CPU overlaps them) with each
//! channel's filter state held in registers. `scalar` is the definition; `avx2` and `avx512`
//! compile the same code with those instruction sets enabled (FMA and `vroundsd` replace the
//! library calls), so every level gives bit-identical output: `f64::mul_add` is a fused
//! multiply-add on every level.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
mod blocked;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use crate::quant::QuantStats;
use crate::sample::AudioSample;
use crate::simd::SimdLevel;

pub(crate) use scalar::{Params, State};

/// Runs `frames` whole frames of channels `first..first + G` at `level` (which the caller has
/// checked the CPU supports). `input` and `output` start at a frame boundary.
#[allow(clippy::too_many_arguments)]
pub(crate) fn frames<I: AudioSample, O: AudioSample, const G: usize, const TAPS: usize>(
    level: SimdLevel,
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller chose `level` with `SimdLevel::clamp_to_cpu`, so the CPU has AVX-512.
        SimdLevel::Avx512 => unsafe {
            avx512::frames::<I, O, G, TAPS>(p, states, first, frame0, input, output, stats)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, the CPU has AVX2 and FMA.
        SimdLevel::Avx2 => unsafe {
            avx2::frames::<I, O, G, TAPS>(p, states, first, frame0, input, output, stats)
        },
        _ => scalar::frames::<I, O, G, TAPS>(p, states, first, frame0, input, output, stats),
    }
}
