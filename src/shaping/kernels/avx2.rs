//! AVX2 kernel: each channel's filter state lives in 4-lane registers; feeding an error is a
//! lane shift (`vperm2f128` + `vshufpd`) and one fused multiply-add per register, which is
//! `scalar::feed` lane for lane, so the output is bit-identical to the scalar definition.

use std::arch::x86_64::*;

use super::blocked::{self, Feedback, PerChannel};
use super::scalar::{Params, State};
use crate::quant::QuantStats;
use crate::sample::AudioSample;
use crate::shaping::design::MAX_ORDER;

const LANES: usize = 4;
const MAX_REGS: usize = MAX_ORDER / LANES;

/// TAPS/4 registers of state (the rest unused and optimized away).
#[derive(Clone, Copy)]
pub(crate) struct Ymm<const TAPS: usize>([__m256d; MAX_REGS]);

// SAFETY (all methods): only called from `frames` below, which enables AVX2 and FMA; every
// pointer covers TAPS ≤ MAX_ORDER values.
impl<const TAPS: usize> Feedback<TAPS> for Ymm<TAPS> {
    type Taps = [__m256d; MAX_REGS];

    #[inline(always)]
    fn taps(h: &[f64; TAPS]) -> Self::Taps {
        // SAFETY: see the impl.
        unsafe {
            let mut t = [_mm256_setzero_pd(); MAX_REGS];
            for (i, r) in t.iter_mut().enumerate().take(TAPS / LANES) {
                *r = _mm256_loadu_pd(h.as_ptr().add(LANES * i));
            }
            t
        }
    }

    #[inline(always)]
    fn load(w: &[f64; MAX_ORDER]) -> Self {
        // SAFETY: see the impl.
        unsafe {
            let mut t = [_mm256_setzero_pd(); MAX_REGS];
            for (i, r) in t.iter_mut().enumerate().take(TAPS / LANES) {
                *r = _mm256_loadu_pd(w.as_ptr().add(LANES * i));
            }
            Ymm(t)
        }
    }

    #[inline(always)]
    fn store(&self, w: &mut [f64; MAX_ORDER]) {
        // SAFETY: see the impl.
        unsafe {
            for (i, r) in self.0.iter().enumerate().take(TAPS / LANES) {
                _mm256_storeu_pd(w.as_mut_ptr().add(LANES * i), *r);
            }
        }
    }

    #[inline(always)]
    fn third(&self) -> f64 {
        // SAFETY: see the impl.
        unsafe { _mm_cvtsd_f64(_mm256_extractf128_pd::<1>(self.0[0])) }
    }

    // Register i reads register i + 1 before that one is updated: an index loop says so.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn feed(&mut self, e: f64, taps: &Self::Taps) {
        // SAFETY: see the impl.
        unsafe {
            let e = _mm256_set1_pd(e);
            let regs = TAPS / LANES;
            for i in 0..regs {
                let cur = self.0[i];
                let next = if i + 1 < regs {
                    self.0[i + 1]
                } else {
                    _mm256_setzero_pd()
                };
                // [cur1, cur2, cur3, next0]: the state moved one step on.
                let straddle = _mm256_permute2f128_pd::<0x21>(cur, next);
                let shifted = _mm256_shuffle_pd::<0b0101>(cur, straddle);
                self.0[i] = _mm256_fmadd_pd(taps[i], e, shifted);
            }
        }
    }
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn frames<I: AudioSample, O: AudioSample, const G: usize, const TAPS: usize>(
    p: &Params<TAPS>,
    states: &mut [State],
    first: usize,
    frame0: u32,
    input: &[I],
    output: &mut [O],
    stats: &mut QuantStats,
) {
    blocked::frames::<I, O, G, TAPS, PerChannel<Ymm<TAPS>, G, TAPS>>(
        p, states, first, frame0, input, output, stats,
    )
}
