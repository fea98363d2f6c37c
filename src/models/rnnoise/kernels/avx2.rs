//! AVX2 kernels: the `scalar` loops with 8 outputs per register and up to eight registers
//! of accumulators kept live across the input loop. Per output the operations are those of
//! `scalar` (multiply, then add; no FMA), so the results are bit-identical.

use std::arch::x86_64::*;

use realfft::num_complex::Complex32;

use super::{scalar, Interleaved, LANES};

/// Outputs per register.
const W: usize = 8;

/// `N` registers of outputs starting at column `c`.
///
/// # Safety
/// AVX2; `c + N*W <= cols`, `w.len() >= x.len() * cols`, `acc.len() == cols`.
#[inline]
#[target_feature(enable = "avx2")]
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
        let mut a = [_mm256_setzero_ps(); N];
        for (k, ak) in a.iter_mut().enumerate() {
            *ak = _mm256_loadu_ps(ap.add(c + k * W));
        }
        for (j, &xj) in x.iter().enumerate() {
            let p = wp.add(j * cols + c);
            let rj = if GATED { r[j] } else { 1.0 };
            if scalar::row_needs_exact::<GATED>(xj, rj) {
                if !GATED {
                    // A subnormal input: exact products without the multiply.
                    for (k, ak) in a.iter_mut().enumerate() {
                        let wv = _mm256_loadu_ps(p.add(k * W));
                        *ak = _mm256_add_ps(*ak, mul_subnormal(wv, xj));
                    }
                    continue;
                }
                // Rare (tiny gated GRU states): spill the lanes, take the exact slow path.
                let mut lanes = [0.0f32; 8 * W];
                for (k, ak) in a.iter().enumerate() {
                    _mm256_storeu_ps(lanes.as_mut_ptr().add(k * W), *ak);
                }
                // In bounds: row j, columns c..c + N*W of w (see the safety contract).
                let row = std::slice::from_raw_parts(p, N * W);
                scalar::exact_row::<GATED>(&mut lanes[..N * W], row, xj, rj);
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm256_loadu_ps(lanes.as_ptr().add(k * W));
                }
                continue;
            }
            let xv = _mm256_set1_ps(xj);
            if GATED {
                let rv = _mm256_set1_ps(r[j]);
                for (k, ak) in a.iter_mut().enumerate() {
                    let prod = _mm256_mul_ps(_mm256_loadu_ps(p.add(k * W)), xv);
                    *ak = _mm256_add_ps(*ak, _mm256_mul_ps(prod, rv));
                }
            } else {
                for (k, ak) in a.iter_mut().enumerate() {
                    *ak = _mm256_add_ps(*ak, _mm256_mul_ps(_mm256_loadu_ps(p.add(k * W)), xv));
                }
            }
        }
        for (k, ak) in a.iter().enumerate() {
            _mm256_storeu_ps(ap.add(c + k * W), *ak);
        }
    }
}

#[inline]
#[target_feature(enable = "avx2")]
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
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn mat_acc(acc: &mut [f32], w: &[f32], x: &[f32]) {
    mat::<false>(acc, w, x, &[])
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn mat_acc_gated(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    mat::<true>(acc, w, x, r)
}

/// `w·x` for 8 integer-valued weights and a subnormal `x = ±m·2^-149`, bit-identical to
/// `_mm256_mul_ps` but without its microcode assist: the exact product is `w·m·2^-149` with
/// `|w·m| < 2^31`; below 2^23 that integer is the subnormal's bit pattern, above it is
/// rounded to 24 bits (ties to even, as the multiply rounds) and rescaled in the exponent.
///
/// # Safety
/// AVX2; every lane of `w` an integer of magnitude at most 128.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn mul_subnormal(w: __m256, x: f32) -> __m256 {
    let bits = x.to_bits();
    let m = _mm256_set1_epi32((bits & 0x007f_ffff) as i32);
    let magnitude = _mm256_abs_epi32(_mm256_mullo_epi32(_mm256_cvttps_epi32(w), m));
    let normal = _mm256_sub_epi32(
        _mm256_castps_si256(_mm256_cvtepi32_ps(magnitude)),
        _mm256_set1_epi32(149 << 23),
    );
    let subnormal = _mm256_cmpgt_epi32(_mm256_set1_epi32(1 << 23), magnitude);
    let value = _mm256_blendv_epi8(normal, magnitude, subnormal);
    let sign = _mm256_xor_si256(
        _mm256_and_si256(_mm256_castps_si256(w), _mm256_set1_epi32(i32::MIN)),
        _mm256_set1_epi32((bits & 0x8000_0000) as i32),
    );
    _mm256_castsi256_ps(_mm256_or_si256(value, sign))
}

/// `N` registers of lags starting at lag `c`.
///
/// # Safety
/// AVX2; `c + N*W <= xcorr.len()` and `x.len() + xcorr.len() <= y.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn xcorr_block<const N: usize, S: Interleaved>(
    x: &[f32],
    y: &[f32],
    xcorr: &mut [f32],
    c: usize,
    side: &mut S,
) {
    let (yp, op) = (y.as_ptr(), xcorr.as_mut_ptr());
    // SAFETY: reads stay below c + N*W + x.len() <= y.len(); stores within xcorr.
    unsafe {
        let mut a = [_mm256_setzero_ps(); N];
        for (j, &xj) in x.iter().enumerate() {
            side.step();
            let xv = _mm256_set1_ps(xj);
            let p = yp.add(c + j);
            for (k, ak) in a.iter_mut().enumerate() {
                *ak = _mm256_add_ps(*ak, _mm256_mul_ps(xv, _mm256_loadu_ps(p.add(k * W))));
            }
        }
        for (k, ak) in a.iter().enumerate() {
            _mm256_storeu_ps(op.add(c + k * W), *ak);
        }
    }
}

/// [`super::Kernels::xcorr_interleaved`]: `side` advances one step per input sample of
/// each pass over the lags.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn xcorr<S: Interleaved>(x: &[f32], y: &[f32], xcorr: &mut [f32], side: &mut S) {
    let lags = xcorr.len();
    assert!(lags.is_multiple_of(LANES));
    if y.len() < x.len() + lags {
        xcorr.fill(0.0);
        return;
    }
    let mut c = 0;
    // SAFETY: each call covers lags c..c+N*W within `lags`; y is long enough (checked).
    unsafe {
        // Eight registers of lags per pass (of the 16): enough independent sums to hide the
        // add latency, few passes over x.
        while c + 8 * W <= lags {
            xcorr_block::<8, S>(x, y, xcorr, c, side);
            c += 8 * W;
        }
        match (lags - c) / W {
            7 => xcorr_block::<7, S>(x, y, xcorr, c, side),
            6 => xcorr_block::<6, S>(x, y, xcorr, c, side),
            5 => xcorr_block::<5, S>(x, y, xcorr, c, side),
            4 => xcorr_block::<4, S>(x, y, xcorr, c, side),
            3 => xcorr_block::<3, S>(x, y, xcorr, c, side),
            2 => xcorr_block::<2, S>(x, y, xcorr, c, side),
            1 => xcorr_block::<1, S>(x, y, xcorr, c, side),
            _ => {}
        }
    }
}

/// `G` registers of correlations at arbitrary offsets. The `G` sums advance in the same loop
/// so that their add latencies overlap. For each block of 8 input samples the 8 windows of a
/// register are read with contiguous loads and transposed in registers (two in-lane 4×4
/// transposes), which is much cheaper than one gather per sample; the last `n % 8` samples
/// use gathers. Each lane still adds its products one sample at a time, in order.
///
/// # Safety
/// AVX2; every lane of `idx` (with `offs` holding the same offsets) must satisfy
/// `idx + x.len() <= y.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn corr_block<const G: usize>(
    x: &[f32],
    y: &[f32],
    idx: &[__m256i; G],
    offs: &[[usize; W]; G],
) -> [[f32; W]; G] {
    let n = x.len();
    let full = n - n % W;
    let yp = y.as_ptr();
    // SAFETY: every lane reads y[o + j] with o + j < o + x.len() <= y.len() (contiguous loads
    // read y[o + j .. o + j + 8] with j + 8 <= full <= x.len()).
    unsafe {
        let mut acc = [_mm256_setzero_ps(); G];
        let mut j = 0;
        while j < full {
            for (a, o) in acc.iter_mut().zip(offs) {
                // Rows: lane l of the register takes window o[l]: low 128 bits from o[l], high
                // from o[l + 4], samples j + s .. j + s + 4.
                let row = |l: usize, s: usize| pair(yp.add(o[l] + j + s), yp.add(o[l + 4] + j + s));
                for s in [0, 4] {
                    let (r0, r1, r2, r3) = (row(0, s), row(1, s), row(2, s), row(3, s));
                    let t0 = _mm256_unpacklo_ps(r0, r1);
                    let t1 = _mm256_unpackhi_ps(r0, r1);
                    let t2 = _mm256_unpacklo_ps(r2, r3);
                    let t3 = _mm256_unpackhi_ps(r2, r3);
                    // Column m holds sample j + s + m of all 8 windows.
                    let cols = [
                        _mm256_shuffle_ps::<0x44>(t0, t2),
                        _mm256_shuffle_ps::<0xEE>(t0, t2),
                        _mm256_shuffle_ps::<0x44>(t1, t3),
                        _mm256_shuffle_ps::<0xEE>(t1, t3),
                    ];
                    for (m, c) in cols.iter().enumerate() {
                        let xv = _mm256_set1_ps(*x.get_unchecked(j + s + m));
                        *a = _mm256_add_ps(*a, _mm256_mul_ps(xv, *c));
                    }
                }
            }
            j += W;
        }
        for (j, &xj) in x.iter().enumerate().skip(full) {
            let base = yp.add(j);
            let xv = _mm256_set1_ps(xj);
            for (k, a) in acc.iter_mut().enumerate() {
                let v = _mm256_i32gather_ps::<4>(base, idx[k]);
                *a = _mm256_add_ps(*a, _mm256_mul_ps(xv, v));
            }
        }
        let mut all = [[0.0f32; W]; G];
        for (o, a) in all.iter_mut().zip(&acc) {
            _mm256_storeu_ps(o.as_mut_ptr(), *a);
        }
        all
    }
}

/// Four floats from `lo` in the low half, four from `hi` in the high half.
///
/// # Safety
/// AVX2; both pointers readable for 4 floats.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn pair(lo: *const f32, hi: *const f32) -> __m256 {
    // SAFETY: the caller guarantees both reads.
    unsafe { _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi)) }
}

/// Correlations at arbitrary offsets, up to 4 registers of 8 per pass.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn corr_at(x: &[f32], y: &[f32], offsets: &[usize], out: &mut [f32]) {
    let n = x.len();
    for (offs, outs) in offsets.chunks(4 * W).zip(out.chunks_mut(4 * W)) {
        // Per register, unused lanes repeat the register's first offset.
        let mut idx = [_mm256_setzero_si256(); 4];
        let mut lanes = [[0usize; W]; 4];
        let mut inside = y.len() <= i32::MAX as usize;
        for (i, chunk) in offs.chunks(W).enumerate() {
            let mut o = [chunk[0] as i32; W];
            lanes[i] = [chunk[0]; W];
            for ((d, l), &v) in o.iter_mut().zip(lanes[i].iter_mut()).zip(chunk) {
                inside &= v + n <= y.len();
                *d = v as i32;
                *l = v;
            }
            // SAFETY: `o` holds W i32 values.
            idx[i] = unsafe { _mm256_loadu_si256(o.as_ptr().cast()) };
        }
        if !inside {
            // Some window leaves y (never in RNNoise): the scalar code, same sums.
            super::scalar::corr_at(x, y, offs, outs);
            continue;
        }
        // SAFETY: every lane's window lies inside y (checked above); only the registers
        // that hold offsets are computed.
        let all: [[f32; W]; 4] = unsafe {
            match offs.len().div_ceil(W) {
                4 => pad(corr_block::<4>(
                    x,
                    y,
                    idx[..4].try_into().unwrap(),
                    lanes[..4].try_into().unwrap(),
                )),
                3 => pad(corr_block::<3>(
                    x,
                    y,
                    idx[..3].try_into().unwrap(),
                    lanes[..3].try_into().unwrap(),
                )),
                2 => pad(corr_block::<2>(
                    x,
                    y,
                    idx[..2].try_into().unwrap(),
                    lanes[..2].try_into().unwrap(),
                )),
                1 => pad(corr_block::<1>(
                    x,
                    y,
                    idx[..1].try_into().unwrap(),
                    lanes[..1].try_into().unwrap(),
                )),
                _ => [[0.0; W]; 4],
            }
        };
        for (o, a) in outs.chunks_mut(W).zip(&all) {
            o.copy_from_slice(&a[..o.len()]);
        }
    }
}

/// `G` registers' results in an array of 4.
fn pad<const G: usize>(r: [[f32; W]; G]) -> [[f32; W]; 4] {
    let mut all = [[0.0; W]; 4];
    all[..G].copy_from_slice(&r);
    all
}

/// 8 lanes of the reference's `tansig_approx`, lane for lane the operations of
/// `scalar::tanh` (the table read is a gather).
///
/// # Safety
/// AVX2; `table` points to 201 floats.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn tanh8(x: __m256, table: *const f32) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let below8 = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_set1_ps(8.0));
    let above_m8 = _mm256_cmp_ps::<_CMP_GT_OQ>(x, _mm256_set1_ps(-8.0));
    let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_setzero_ps());
    let inside = _mm256_and_ps(below8, above_m8);
    let ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0), x);
    let t = _mm256_add_ps(_mm256_set1_ps(0.5), _mm256_mul_ps(_mm256_set1_ps(25.0), ax));
    // Lanes outside (-8, 8) or NaN read entry 0 and are replaced below.
    let i = _mm256_and_si256(_mm256_cvttps_epi32(t), _mm256_castps_si256(inside));
    let xr = _mm256_sub_ps(
        ax,
        _mm256_mul_ps(_mm256_set1_ps(0.04), _mm256_cvtepi32_ps(i)),
    );
    // SAFETY: every index is in 0..=200 (|x| < 8 on the lanes that keep their index).
    let y = unsafe { _mm256_i32gather_ps::<4>(table, i) };
    let dy = _mm256_sub_ps(one, _mm256_mul_ps(y, y));
    let corr = _mm256_mul_ps(
        _mm256_mul_ps(xr, dy),
        _mm256_sub_ps(one, _mm256_mul_ps(y, xr)),
    );
    let y = _mm256_add_ps(y, corr);
    let sign = _mm256_blendv_ps(one, _mm256_set1_ps(-1.0), negative);
    let y = _mm256_mul_ps(sign, y);
    let saturated = _mm256_blendv_ps(one, _mm256_set1_ps(-1.0), below8);
    _mm256_blendv_ps(saturated, y, inside)
}

/// `out[i] = act(scale * acc[i])`, act = sigmoid (`SIGMOID`) or tanh, 8 lanes at a time with
/// the final sigmoid sum in double as in the reference. Lengths: multiples of 8.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn activate<const SIGMOID: bool>(
    table: &[f32; 201],
    scale: f32,
    acc: &[f32],
    out: &mut [f32],
) {
    let sv = _mm256_set1_ps(scale);
    for (o, a) in out.chunks_exact_mut(W).zip(acc.chunks_exact(W)) {
        // SAFETY: `a` and `o` hold 8 floats each; the table has 201 entries.
        unsafe {
            let x = _mm256_mul_ps(sv, _mm256_loadu_ps(a.as_ptr()));
            let r = if SIGMOID {
                let t = tanh8(_mm256_mul_ps(_mm256_set1_ps(0.5), x), table.as_ptr());
                let half = _mm256_set1_pd(0.5);
                let lo = _mm256_cvtps_pd(_mm256_castps256_ps128(t));
                let hi = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(t));
                let lo = _mm256_cvtpd_ps(_mm256_add_pd(half, _mm256_mul_pd(half, lo)));
                let hi = _mm256_cvtpd_ps(_mm256_add_pd(half, _mm256_mul_pd(half, hi)));
                _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(lo), hi)
            } else {
                tanh8(x, table.as_ptr())
            };
            _mm256_storeu_ps(o.as_mut_ptr(), r);
        }
    }
}

/// The high-pass biquad with FMA (bit-identical to `scalar::high_pass`, see there), with
/// `side` advanced in its shadow (see `scalar::high_pass_fused`).
///
/// # Safety
/// The CPU must support AVX2,FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn high_pass<S: Interleaved>(mem: &mut [f32; 2], x: &mut [f32], side: &mut S) {
    super::scalar::high_pass_fused(mem, x, side)
}

/// Four complex values in reverse order.
#[inline]
#[target_feature(enable = "avx2")]
fn reverse_complex(v: __m256) -> __m256 {
    _mm256_castpd_ps(_mm256_permute4x64_pd::<0x1B>(_mm256_castps_pd(v)))
}

/// `P` and `H` of `scalar::pair_terms` for four pairs: `a` holds `Z[k..k+4]`, `b` holds
/// `Z[r-3..=r]` already reversed (lane `m` pairs with `a`'s lane `m`).
///
/// # Safety
/// AVX2; `t1`, `t2` readable for 8 floats.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn pair_terms(a: __m256, b: __m256, t1: *const f32, t2: *const f32) -> (__m256, __m256) {
    let sum = _mm256_add_ps(a, b);
    let diff = _mm256_sub_ps(a, b);
    // SAFETY: the caller guarantees the reads.
    let (t1, t2) = unsafe { (_mm256_loadu_ps(t1), _mm256_loadu_ps(t2)) };
    let p = _mm256_add_ps(
        _mm256_mul_ps(_mm256_movehdup_ps(sum), t1),
        _mm256_mul_ps(_mm256_moveldup_ps(diff), t2),
    );
    // Real slots from the sum, imaginary slots from the difference.
    let h = _mm256_blend_ps::<0b1010_1010>(sum, diff);
    (p, h)
}

/// Sign bits of the imaginary slots.
#[inline]
#[target_feature(enable = "avx2")]
fn imag_sign() -> __m256 {
    _mm256_castsi256_ps(_mm256_set1_epi64x(i64::MIN))
}

/// `scalar::real_fft_post` with four bin pairs per step (bit-identical).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn real_fft_post(z: &mut [Complex32], t: &super::RealFftTwiddles) {
    let n = z.len() - 1;
    assert!(n.is_multiple_of(4) && t.t1.len() >= n && t.t2.len() >= n);
    let z0 = z[0];
    z[0] = Complex32::new(z0.re + z0.im, 0.0);
    z[n] = Complex32::new(z0.re - z0.im, 0.0);
    let zp = z.as_mut_ptr().cast::<f32>();
    let half = _mm256_set1_ps(0.5);
    let mut k = 1;
    // Blocks k..k+4 and r-3..=r (r = n - k) must not overlap: k + 3 < r - 3.
    while 2 * k + 6 < n {
        let r = n - k;
        // SAFETY: Complex32 is two f32 (repr(C)); k + 3 <= n and r - 3 >= 1 are in bounds;
        // the twiddles hold n floats (index 2(k-1) + 8 <= n).
        unsafe {
            let a = _mm256_loadu_ps(zp.add(2 * k));
            let b = reverse_complex(_mm256_loadu_ps(zp.add(2 * (r - 3))));
            let i = 2 * (k - 1);
            let (p, h) = pair_terms(a, b, t.t1.as_ptr().add(i), t.t2.as_ptr().add(i));
            let h = _mm256_mul_ps(half, h);
            _mm256_storeu_ps(zp.add(2 * k), _mm256_add_ps(h, p));
            let hi = _mm256_xor_ps(_mm256_sub_ps(h, p), imag_sign());
            _mm256_storeu_ps(zp.add(2 * (r - 3)), reverse_complex(hi));
        }
        k += 4;
    }
    for k in k..n / 2 {
        scalar::real_fft_post_pair(z, k, t);
    }
    z[n / 2].im = -z[n / 2].im;
}

/// `scalar::real_ifft_pre` with four bin pairs per step (bit-identical).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn real_ifft_pre(
    x: &[Complex32],
    z: &mut [Complex32],
    t: &super::RealFftTwiddles,
) {
    let n = z.len();
    assert!(n.is_multiple_of(4) && x.len() > n && t.t1.len() >= n && t.t2.len() >= n);
    z[0] = Complex32::new(x[0].re + x[n].re, x[0].re - x[n].re);
    let (xp, zp) = (x.as_ptr().cast::<f32>(), z.as_mut_ptr().cast::<f32>());
    let mut k = 1;
    while 2 * k + 6 < n {
        let r = n - k;
        // SAFETY: as in `real_fft_post`: k + 3 < r - 3 < n, twiddle index 2(k-1) + 8 <= n.
        unsafe {
            let a = _mm256_loadu_ps(xp.add(2 * k));
            let b = reverse_complex(_mm256_loadu_ps(xp.add(2 * (r - 3))));
            let i = 2 * (k - 1);
            let (p, h) = pair_terms(a, b, t.t1.as_ptr().add(i), t.t2.as_ptr().add(i));
            _mm256_storeu_ps(zp.add(2 * k), _mm256_sub_ps(h, p));
            let hi = _mm256_xor_ps(_mm256_add_ps(h, p), imag_sign());
            _mm256_storeu_ps(zp.add(2 * (r - 3)), reverse_complex(hi));
        }
        k += 4;
    }
    for k in k..n / 2 {
        scalar::real_ifft_pre_pair(x, z, k, t);
    }
    let c = x[n / 2];
    z[n / 2] = Complex32::new(c.re + c.re, -(c.im + c.im));
}

/// Runs `body` compiled for AVX2 and FMA (see `super::Kernels::frame_path`).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn frame_path<B: super::FrameBody>(body: B) -> B::Output {
    body.run()
}
