//! AVX-512 kernel: each channel's filter state lives in 8-lane registers; feeding an error is
//! one `valignq` (shift by a lane) and one fused multiply-add per register, which is
//! `scalar::feed` lane for lane, so the output is bit-identical to the scalar definition.

// AVX-512 intrinsics are stable since Rust 1.89 (as the quantizer's kernel also needs).
#![allow(clippy::incompatible_msrv)]

use std::arch::x86_64::*;

use super::blocked::{self, Feedback};
use super::scalar::{Params, State};
use crate::quant::QuantStats;
use crate::sample::AudioSample;
use crate::shaping::design::MAX_ORDER;

const LANES: usize = 8;
const MAX_REGS: usize = MAX_ORDER / LANES;

/// TAPS/8 registers of state (the rest unused and optimized away).
#[derive(Clone, Copy)]
pub(crate) struct Zmm<const TAPS: usize>([__m512d; MAX_REGS]);

// SAFETY (all methods): only called from `frames` below, which enables AVX-512F; every
// pointer covers TAPS ≤ MAX_ORDER values.
impl<const TAPS: usize> Feedback<TAPS> for Zmm<TAPS> {
    type Taps = [__m512d; MAX_REGS];

    #[inline(always)]
    fn taps(h: &[f64; TAPS]) -> Self::Taps {
        // SAFETY: see the impl.
        unsafe {
            let mut t = [_mm512_setzero_pd(); MAX_REGS];
            for (i, r) in t.iter_mut().enumerate().take(TAPS / LANES) {
                *r = _mm512_loadu_pd(h.as_ptr().add(LANES * i));
            }
            t
        }
    }

    #[inline(always)]
    fn load(w: &[f64; MAX_ORDER]) -> Self {
        // SAFETY: see the impl.
        unsafe {
            let mut t = [_mm512_setzero_pd(); MAX_REGS];
            for (i, r) in t.iter_mut().enumerate().take(TAPS / LANES) {
                *r = _mm512_loadu_pd(w.as_ptr().add(LANES * i));
            }
            Zmm(t)
        }
    }

    #[inline(always)]
    fn store(&self, w: &mut [f64; MAX_ORDER]) {
        // SAFETY: see the impl.
        unsafe {
            for (i, r) in self.0.iter().enumerate().take(TAPS / LANES) {
                _mm512_storeu_pd(w.as_mut_ptr().add(LANES * i), *r);
            }
        }
    }

    #[inline(always)]
    fn third(&self) -> f64 {
        // SAFETY: see the impl.
        unsafe {
            _mm_cvtsd_f64(_mm256_extractf128_pd::<1>(_mm512_castpd512_pd256(
                self.0[0],
            )))
        }
    }

    // Register i reads register i + 1 before that one is updated: an index loop says so.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn feed(&mut self, e: f64, taps: &Self::Taps) {
        // SAFETY: see the impl.
        unsafe {
            let e = _mm512_set1_pd(e);
            let regs = TAPS / LANES;
            for i in 0..regs {
                let next = if i + 1 < regs {
                    self.0[i + 1]
                } else {
                    _mm512_setzero_pd()
                };
                // [acc[8i+1], …, acc[8i+7], acc[8i+8]]: the state moved one step on.
                let shifted = _mm512_castsi512_pd(_mm512_alignr_epi64::<1>(
                    _mm512_castpd_si512(next),
                    _mm512_castpd_si512(self.0[i]),
                ));
                self.0[i] = _mm512_fmadd_pd(taps[i], e, shifted);
            }
        }
    }
}

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
    blocked::frames::<I, O, G, TAPS, Zmm<TAPS>>(p, states, first, frame0, input, output, stats)
}
