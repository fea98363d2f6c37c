//! AVX-512 kernel: each channel's filter state lives in 8-lane registers; feeding an error is
//! one `valignq` (shift by a lane) and one fused multiply-add per register, which is
//! `scalar::feed` lane for lane, so the output is bit-identical to the scalar definition.

// AVX-512 intrinsics are stable since Rust 1.89 (as the quantizer's kernel also needs).
#![allow(clippy::incompatible_msrv)]

use std::arch::x86_64::*;

use super::scalar::{quantize_with_error, Params, State, INPUT_LIMIT};
use crate::quant::kernels::scalar::dither_units;
use crate::quant::QuantStats;
use crate::sample::AudioSample;
use crate::shaping::design::MAX_ORDER;

const LANES: usize = 8;
const MAX_REGS: usize = MAX_ORDER / LANES;

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
    let regs = TAPS / LANES;
    debug_assert!(regs * LANES == TAPS && regs <= MAX_REGS);
    let zero = _mm512_setzero_pd();
    let mut h = [zero; MAX_REGS];
    let mut acc = [[zero; MAX_REGS]; G];
    for i in 0..regs {
        // SAFETY: `p.h` has TAPS = regs·8 values, so lanes 8i..8i+8 are in bounds.
        h[i] = unsafe { _mm512_loadu_pd(p.h.as_ptr().add(LANES * i)) };
        for (g, a) in acc.iter_mut().enumerate() {
            // SAFETY: a state holds MAX_ORDER ≥ TAPS values.
            a[i] = unsafe { _mm512_loadu_pd(states[first + g].as_ptr().add(LANES * i)) };
        }
    }
    let mut keys = [0u32; G];
    keys.copy_from_slice(&p.keys[first..first + G]);
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut frame = frame0;
    for (xs, ys) in input
        .chunks_exact(p.channels)
        .zip(output.chunks_exact_mut(p.channels))
    {
        let xs = &xs[first..first + G];
        let ys = &mut ys[first..first + G];
        for g in 0..G {
            let x = xs[g].to_f64();
            let e = if x.is_nan() {
                nan += 1;
                ys[g] = p.output(0);
                0.0
            } else {
                let d = dither_units(p.kind, keys[g], frame) as f64 * p.amp;
                let y = (x * p.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT);
                let acc0 = _mm_cvtsd_f64(_mm512_castpd512_pd128(acc[g][0]));
                let (code, cl, e) = quantize_with_error(y + acc0, d, p.min, p.max);
                clipped += cl as u64;
                ys[g] = p.output(code);
                e
            };
            let e = _mm512_set1_pd(e);
            for i in 0..regs {
                let next = if i + 1 < regs { acc[g][i + 1] } else { zero };
                // [acc[8i+1], …, acc[8i+7], acc[8i+8]]: the state moved one step on.
                let shifted = _mm512_castsi512_pd(_mm512_alignr_epi64::<1>(
                    _mm512_castpd_si512(next),
                    _mm512_castpd_si512(acc[g][i]),
                ));
                acc[g][i] = _mm512_fmadd_pd(h[i], e, shifted);
            }
        }
        frame = frame.wrapping_add(1);
    }
    for i in 0..regs {
        for (g, a) in acc.iter().enumerate() {
            // SAFETY: as for the loads.
            unsafe { _mm512_storeu_pd(states[first + g].as_mut_ptr().add(LANES * i), a[i]) };
        }
    }
    stats.nan += nan;
    stats.clipped += clipped;
}
