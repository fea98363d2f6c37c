//! AVX-512 kernel: each channel's filter state lives in 8-lane registers; feeding an error is
//! one `valignq` (shift by a lane) and one fused multiply-add per register, which is
//! `scalar::feed` lane for lane, so the output is bit-identical to the scalar definition.

// AVX-512 intrinsics are stable since Rust 1.89 (as the quantizer's kernel also needs).
#![allow(clippy::incompatible_msrv)]

use std::arch::x86_64::*;

use super::blocked::{self, Feedback, PerChannel, Recursion};
use super::scalar::ROUNDER;
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

/// Two channels at once: their states interleaved (register `r` holds `w[4r..4r+4]` of both
/// channels, lane pairs `[ch0, ch1]`) so that one `valignq` by two lanes and one fused
/// multiply-add per register feed both, and the serial path runs on both channels' values in
/// one 128-bit register: the same operations as `scalar::step` on each lane.
pub(crate) struct Pair<const TAPS: usize> {
    w: [__m512d; PAIR_REGS],
    /// `h[4r..4r+4]`, each doubled.
    taps: [__m512d; PAIR_REGS],
    e1: __m128d,
    e2: __m128d,
    h1: __m128d,
    h2: __m128d,
}

const PAIR_REGS: usize = 2 * MAX_ORDER / LANES;

impl<const TAPS: usize> Pair<TAPS> {
    const REGS: usize = 2 * TAPS / LANES;
}

// SAFETY (all methods): only called from `frames` below, which enables AVX-512F/DQ and FMA;
// every array access is within TAPS ≤ MAX_ORDER values, REGS ≤ PAIR_REGS registers.
impl<const TAPS: usize> Recursion<2, TAPS> for Pair<TAPS> {
    #[inline(always)]
    fn load(states: &[State], h: &[f64; TAPS]) -> Self {
        // SAFETY: see the impl.
        unsafe {
            let mut w = [_mm512_setzero_pd(); PAIR_REGS];
            let mut taps = [_mm512_setzero_pd(); PAIR_REGS];
            for r in 0..Self::REGS {
                let mut wl = [0.0; LANES];
                let mut hl = [0.0; LANES];
                for i in 0..LANES / 2 {
                    let k = LANES / 2 * r + i;
                    wl[2 * i] = states[0].w[k];
                    wl[2 * i + 1] = states[1].w[k];
                    hl[2 * i] = h[k];
                    hl[2 * i + 1] = h[k];
                }
                w[r] = _mm512_loadu_pd(wl.as_ptr());
                taps[r] = _mm512_loadu_pd(hl.as_ptr());
            }
            Self {
                w,
                taps,
                e1: _mm_set_pd(states[1].e1, states[0].e1),
                e2: _mm_set_pd(states[1].e2, states[0].e2),
                h1: _mm_set1_pd(h[0]),
                h2: _mm_set1_pd(h[1]),
            }
        }
    }

    #[inline(always)]
    fn store(&self, states: &mut [State]) {
        // SAFETY: see the impl.
        unsafe {
            for r in 0..Self::REGS {
                let mut wl = [0.0; LANES];
                _mm512_storeu_pd(wl.as_mut_ptr(), self.w[r]);
                for i in 0..LANES / 2 {
                    let k = LANES / 2 * r + i;
                    states[0].w[k] = wl[2 * i];
                    states[1].w[k] = wl[2 * i + 1];
                }
            }
            let (mut e1, mut e2) = ([0.0; 2], [0.0; 2]);
            _mm_storeu_pd(e1.as_mut_ptr(), self.e1);
            _mm_storeu_pd(e2.as_mut_ptr(), self.e2);
            (states[0].e1, states[1].e1) = (e1[0], e1[1]);
            (states[0].e2, states[1].e2) = (e2[0], e2[1]);
        }
    }

    // Register r reads register r + 1 before that one is updated: an index loop says so.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn run(
        &mut self,
        y: &[[f64; 2]],
        yd: &[[f64; 2]],
        nan: &[[bool; 2]],
        any_nan: bool,
        q: &mut [[f64; 2]],
    ) {
        // SAFETY: see the impl; `y`, `yd`, `nan` and `q` have `q.len()` frames of 2 values.
        unsafe {
            let rounder = _mm_set1_pd(ROUNDER);
            let round = |x: __m128d| _mm_sub_pd(_mm_add_pd(x, rounder), rounder);
            let n = q.len().min(y.len()).min(yd.len()).min(nan.len());
            for j in 0..n {
                // older = h₂·e2 + w[2] (lanes 4 and 5 of the first register).
                let w2 = _mm512_extractf64x2_pd::<2>(self.w[0]);
                let older = _mm_fmadd_pd(self.h2, self.e2, w2);
                let v = _mm_fmadd_pd(
                    self.h1,
                    self.e1,
                    _mm_add_pd(_mm_loadu_pd(y[j].as_ptr()), older),
                );
                let u = _mm_fmadd_pd(
                    self.h1,
                    self.e1,
                    _mm_add_pd(_mm_loadu_pd(yd[j].as_ptr()), older),
                );
                let ru = round(u);
                let mut e = _mm_sub_pd(ru, v);
                let mut qj = ru;
                // On the grid (or NaN): q = v and nothing fed back. Rare, and a predicted
                // branch keeps the test off the serial path.
                let mut grid = _mm_cmp_pd_mask::<_CMP_EQ_OQ>(round(v), v);
                if any_nan {
                    grid |= (nan[j][0] as u8) | ((nan[j][1] as u8) << 1);
                }
                if grid != 0 {
                    qj = _mm_mask_blend_pd(grid, ru, v);
                    e = _mm_mask_blend_pd(grid, e, _mm_setzero_pd());
                }
                _mm_storeu_pd(q[j].as_mut_ptr(), qj);
                // feed(e2): w[k] ← h[k]·e2 + w[k+1], both channels.
                let e2 = _mm512_broadcast_f64x2(self.e2);
                let regs = Self::REGS;
                for r in 0..regs {
                    let next = if r + 1 < regs {
                        self.w[r + 1]
                    } else {
                        _mm512_setzero_pd()
                    };
                    let shifted = _mm512_castsi512_pd(_mm512_alignr_epi64::<2>(
                        _mm512_castpd_si512(next),
                        _mm512_castpd_si512(self.w[r]),
                    ));
                    self.w[r] = _mm512_fmadd_pd(self.taps[r], e2, shifted);
                }
                self.e2 = self.e1;
                self.e1 = e;
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
    if G == 2 {
        blocked::frames::<I, O, 2, TAPS, Pair<TAPS>>(p, states, first, frame0, input, output, stats)
    } else {
        blocked::frames::<I, O, G, TAPS, PerChannel<Zmm<TAPS>, G, TAPS>>(
            p, states, first, frame0, input, output, stats,
        )
    }
}
