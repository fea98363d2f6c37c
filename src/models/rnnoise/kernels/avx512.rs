//! AVX-512 kernels: the `scalar` loops with 16 outputs per register and up to eight registers
//! of accumulators kept live across the input loop. Per output the operations are those of
//! `scalar` (multiply, then add; no FMA), so the results are bit-identical.

use std::arch::x86_64::*;

use super::{scalar, LANES};

/// Outputs per register.
const W: usize = 16;

/// `N` registers of outputs starting at column `c`.
///
/// # Safety
/// AVX-512F; `c + N*W <= cols`, `w.len() >= x.len() * cols`, `acc.len() == cols`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn mat_block<const N: usize, const GATED: bool>(
    acc: &mut [f32],
    w: &[f32],
    x: &[f32],
    r: &[f32],
    c: usize,
) {
    let cols = acc.len();
    let (wp, ap) = (w.as_ptr(), acc.as_mut_ptr());
    // SAFETY: the caller guarantees the ranges (see above).
    unsafe {
        let mut a = [_mm512_setzero_ps(); N];
        for (k, ak) in a.iter_mut().enumerate() {
            *ak = _mm512_loadu_ps(ap.add(c + k * W));
        }
        for (j, &xj) in x.iter().enumerate() {
            let p = wp.add(j * cols + c);
            let rj = if GATED { r[j] } else { 1.0 };
            if scalar::row_needs_exact::<GATED>(xj, rj) {
                if !GATED {
                    // A subnormal input: exact products without the multiply.
                    for (k, ak) in a.iter_mut().enumerate() {
                        let wv = _mm512_loadu_ps(p.add(k * W));
                        *ak = _mm512_add_ps(*ak, mul_subnormal(wv, xj));
                    }
                    continue;
                }
                // Rare (tiny gated GRU states): spill the lanes, take the exact slow path.
                let mut lanes = [0.0f32; 8 * W];
                for (k, ak) in a.iter().enumerate() {
                    _mm512_storeu_ps(lanes.as_mut_ptr().add(k * W), *ak);
                }
                // In bounds: row j, columns c..c + N*W of w (see the safety contract).
                let row = std::slice::from_raw_parts(p, N * W);
                scalar::exact_row::<GATED>(&mut lanes[..N * W], row, xj, rj);
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm512_loadu_ps(lanes.as_ptr().add(k * W));
                }
                continue;
            }
            let xv = _mm512_set1_ps(xj);
            if GATED {
                let rv = _mm512_set1_ps(r[j]);
                for (k, ak) in a.iter_mut().enumerate() {
                    let prod = _mm512_mul_ps(_mm512_loadu_ps(p.add(k * W)), xv);
                    *ak = _mm512_add_ps(*ak, _mm512_mul_ps(prod, rv));
                }
            } else {
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm512_add_ps(*ak, _mm512_mul_ps(_mm512_loadu_ps(p.add(k * W)), xv));
                }
            }
        }
        for (k, ak) in a.iter().enumerate() {
            _mm512_storeu_ps(ap.add(c + k * W), *ak);
        }
    }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn mat<const GATED: bool>(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    let cols = acc.len();
    let x = if GATED { &x[..x.len().min(r.len())] } else { x };
    assert!(cols.is_multiple_of(LANES) && w.len() >= x.len() * cols);
    let mut c = 0;
    // SAFETY: each call covers columns c..c+N*W within cols (checked by the loop conditions),
    // and the lengths were asserted above.
    unsafe {
        while c + 8 * W <= cols {
            mat_block::<8, GATED>(acc, w, x, r, c);
            c += 8 * W;
        }
        match (cols - c) / W {
            7 => mat_block::<7, GATED>(acc, w, x, r, c),
            6 => mat_block::<6, GATED>(acc, w, x, r, c),
            5 => mat_block::<5, GATED>(acc, w, x, r, c),
            4 => mat_block::<4, GATED>(acc, w, x, r, c),
            3 => mat_block::<3, GATED>(acc, w, x, r, c),
            2 => mat_block::<2, GATED>(acc, w, x, r, c),
            1 => mat_block::<1, GATED>(acc, w, x, r, c),
            _ => {}
        }
    }
}

/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn mat_acc(acc: &mut [f32], w: &[f32], x: &[f32]) {
    mat::<false>(acc, w, x, &[])
}

/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn mat_acc_gated(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    mat::<true>(acc, w, x, r)
}

/// `w·x` for 16 integer-valued weights and a subnormal `x = ±m·2^-149`, bit-identical to
/// `_mm512_mul_ps` but without its microcode assist: the exact product is `w·m·2^-149` with
/// `|w·m| < 2^31`; below 2^23 that integer is the subnormal's bit pattern, above it is
/// rounded to 24 bits (ties to even, as the multiply rounds) and rescaled in the exponent.
///
/// # Safety
/// AVX-512F; every lane of `w` an integer of magnitude at most 128.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn mul_subnormal(w: __m512, x: f32) -> __m512 {
    let bits = x.to_bits();
    let m = _mm512_set1_epi32((bits & 0x007f_ffff) as i32);
    let magnitude = _mm512_abs_epi32(_mm512_mullo_epi32(_mm512_cvttps_epi32(w), m));
    let normal = _mm512_sub_epi32(
        _mm512_castps_si512(_mm512_cvtepi32_ps(magnitude)),
        _mm512_set1_epi32(149 << 23),
    );
    let subnormal = _mm512_cmplt_epi32_mask(magnitude, _mm512_set1_epi32(1 << 23));
    let value = _mm512_mask_blend_epi32(subnormal, normal, magnitude);
    let sign = _mm512_xor_si512(
        _mm512_and_si512(_mm512_castps_si512(w), _mm512_set1_epi32(i32::MIN)),
        _mm512_set1_epi32((bits & 0x8000_0000) as i32),
    );
    _mm512_castsi512_ps(_mm512_or_si512(value, sign))
}

/// `N` registers of lags starting at lag `c`.
///
/// # Safety
/// AVX-512F; `c + N*W <= xcorr.len()` and `x.len() + xcorr.len() <= y.len()`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn xcorr_block<const N: usize>(x: &[f32], y: &[f32], xcorr: &mut [f32], c: usize) {
    let (yp, op) = (y.as_ptr(), xcorr.as_mut_ptr());
    // SAFETY: reads stay below c + N*W + x.len() <= y.len(); stores within xcorr.
    unsafe {
        let mut a = [_mm512_setzero_ps(); N];
        for (j, &xj) in x.iter().enumerate() {
            let xv = _mm512_set1_ps(xj);
            let p = yp.add(c + j);
            for (k, ak) in a.iter_mut().enumerate() {
                *ak = _mm512_add_ps(*ak, _mm512_mul_ps(xv, _mm512_loadu_ps(p.add(k * W))));
            }
        }
        for (k, ak) in a.iter().enumerate() {
            _mm512_storeu_ps(op.add(c + k * W), *ak);
        }
    }
}

/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn xcorr(x: &[f32], y: &[f32], xcorr: &mut [f32]) {
    let lags = xcorr.len();
    assert!(lags.is_multiple_of(LANES));
    if y.len() < x.len() + lags {
        xcorr.fill(0.0);
        return;
    }
    let mut c = 0;
    // SAFETY: each call covers lags c..c+N*W within `lags`; y is long enough (checked).
    unsafe {
        // Ten registers of lags per pass (of the 32): the coarse search's 160 lags in one
        // pass over x.
        while c + 10 * W <= lags {
            xcorr_block::<10>(x, y, xcorr, c);
            c += 10 * W;
        }
        match (lags - c) / W {
            9 => xcorr_block::<9>(x, y, xcorr, c),
            8 => xcorr_block::<8>(x, y, xcorr, c),
            7 => xcorr_block::<7>(x, y, xcorr, c),
            6 => xcorr_block::<6>(x, y, xcorr, c),
            5 => xcorr_block::<5>(x, y, xcorr, c),
            4 => xcorr_block::<4>(x, y, xcorr, c),
            3 => xcorr_block::<3>(x, y, xcorr, c),
            2 => xcorr_block::<2>(x, y, xcorr, c),
            1 => xcorr_block::<1>(x, y, xcorr, c),
            _ => {}
        }
    }
}

/// `G` registers of correlations at arbitrary offsets, one gather per register and input
/// sample. The `G` sums advance in the same loop so that their add latencies overlap.
///
/// # Safety
/// AVX-512F; every lane of `idx` must satisfy `idx + x.len() <= y.len()`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn corr_block<const G: usize>(x: &[f32], y: &[f32], idx: &[__m512i; G]) -> [[f32; W]; G] {
    // SAFETY: every lane reads y[idx + j] with idx + j < idx + x.len() <= y.len().
    unsafe {
        let mut acc = [_mm512_setzero_ps(); G];
        for (j, &xj) in x.iter().enumerate() {
            let base = y.as_ptr().add(j);
            let xv = _mm512_set1_ps(xj);
            for (k, a) in acc.iter_mut().enumerate() {
                let v = _mm512_i32gather_ps::<4>(idx[k], base);
                *a = _mm512_add_ps(*a, _mm512_mul_ps(xv, v));
            }
        }
        let mut all = [[0.0f32; W]; G];
        for (o, a) in all.iter_mut().zip(&acc) {
            _mm512_storeu_ps(o.as_mut_ptr(), *a);
        }
        all
    }
}

/// Correlations at arbitrary offsets, up to 2 registers of 16 per pass.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn corr_at(x: &[f32], y: &[f32], offsets: &[usize], out: &mut [f32]) {
    let n = x.len();
    for (offs, outs) in offsets.chunks(2 * W).zip(out.chunks_mut(2 * W)) {
        // Per register, unused lanes repeat the register's first offset.
        let mut idx = [_mm512_setzero_si512(); 2];
        let mut inside = y.len() <= i32::MAX as usize;
        for (i, chunk) in offs.chunks(W).enumerate() {
            let mut o = [chunk[0] as i32; W];
            for (d, &v) in o.iter_mut().zip(chunk) {
                inside &= v + n <= y.len();
                *d = v as i32;
            }
            // SAFETY: `o` holds W i32 values.
            idx[i] = unsafe { _mm512_loadu_si512(o.as_ptr().cast()) };
        }
        if !inside {
            // Some window leaves y (never in RNNoise): the scalar code, same sums.
            super::scalar::corr_at(x, y, offs, outs);
            continue;
        }
        // SAFETY: every lane's window lies inside y (checked above); only the registers
        // that hold offsets are computed.
        let all: [[f32; W]; 2] = unsafe {
            match offs.len().div_ceil(W) {
                2 => pad(corr_block::<2>(x, y, idx[..2].try_into().unwrap())),
                1 => pad(corr_block::<1>(x, y, idx[..1].try_into().unwrap())),
                _ => [[0.0; W]; 2],
            }
        };
        for (o, a) in outs.chunks_mut(W).zip(&all) {
            o.copy_from_slice(&a[..o.len()]);
        }
    }
}

/// `G` registers' results in an array of 2.
fn pad<const G: usize>(r: [[f32; W]; G]) -> [[f32; W]; 2] {
    let mut all = [[0.0; W]; 2];
    all[..G].copy_from_slice(&r);
    all
}

/// 16 lanes of the reference's `tansig_approx`, lane for lane the operations of
/// `scalar::tanh` (the table read is a gather).
///
/// # Safety
/// AVX-512F; `table` points to 201 floats.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn tanh16(x: __m512, table: *const f32) -> __m512 {
    let one = _mm512_set1_ps(1.0);
    let below8 = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_set1_ps(8.0));
    let above_m8 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, _mm512_set1_ps(-8.0));
    let negative = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_setzero_ps());
    let inside = below8 & above_m8;
    let ax = _mm512_abs_ps(x);
    let t = _mm512_add_ps(_mm512_set1_ps(0.5), _mm512_mul_ps(_mm512_set1_ps(25.0), ax));
    // Lanes outside (-8, 8) or NaN read entry 0 and are replaced below.
    let i = _mm512_maskz_mov_epi32(inside, _mm512_cvttps_epi32(t));
    let xr = _mm512_sub_ps(
        ax,
        _mm512_mul_ps(_mm512_set1_ps(0.04), _mm512_cvtepi32_ps(i)),
    );
    // SAFETY: every index is in 0..=200 (|x| < 8 on the lanes that keep their index).
    let y = unsafe { _mm512_i32gather_ps::<4>(i, table) };
    let dy = _mm512_sub_ps(one, _mm512_mul_ps(y, y));
    let corr = _mm512_mul_ps(
        _mm512_mul_ps(xr, dy),
        _mm512_sub_ps(one, _mm512_mul_ps(y, xr)),
    );
    let y = _mm512_add_ps(y, corr);
    let y = _mm512_mask_mul_ps(y, negative, y, _mm512_set1_ps(-1.0));
    let saturated = _mm512_mask_blend_ps(below8, one, _mm512_set1_ps(-1.0));
    _mm512_mask_blend_ps(inside, saturated, y)
}

/// `out[i] = act(scale * acc[i])`, act = sigmoid (`SIGMOID`) or tanh, 16 lanes at a time with
/// the final sigmoid sum in double as in the reference. Lengths: multiples of 16.
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn activate<const SIGMOID: bool>(
    table: &[f32; 201],
    scale: f32,
    acc: &[f32],
    out: &mut [f32],
) {
    let sv = _mm512_set1_ps(scale);
    for (o, a) in out.chunks_exact_mut(W).zip(acc.chunks_exact(W)) {
        // SAFETY: `a` and `o` hold 16 floats each; the table has 201 entries.
        unsafe {
            let x = _mm512_mul_ps(sv, _mm512_loadu_ps(a.as_ptr()));
            let r = if SIGMOID {
                let t = tanh16(_mm512_mul_ps(_mm512_set1_ps(0.5), x), table.as_ptr());
                let half = _mm512_set1_pd(0.5);
                let lo = _mm512_cvtps_pd(_mm512_castps512_ps256(t));
                let hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                    _mm512_castps_pd(t),
                )));
                let lo = _mm512_cvtpd_ps(_mm512_add_pd(half, _mm512_mul_pd(half, lo)));
                let hi = _mm512_cvtpd_ps(_mm512_add_pd(half, _mm512_mul_pd(half, hi)));
                _mm512_castpd_ps(_mm512_insertf64x4::<1>(
                    _mm512_castps_pd(_mm512_castps256_ps512(lo)),
                    _mm256_castps_pd(hi),
                ))
            } else {
                tanh16(x, table.as_ptr())
            };
            _mm512_storeu_ps(o.as_mut_ptr(), r);
        }
    }
}
