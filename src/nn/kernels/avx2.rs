//! AVX2 + FMA kernels: float, and int8 through `vpmaddubsw` (u8 × i8 pairs to saturating
//! int16) and `vpmaddwd` (pairs of int16 to int32). `vpmaddubsw` gets `|x|` and `w` signed
//! like `x` (`vpsignb`), so with `|x|, |w| ≤ 127` a pair sum is at most 32258 and never
//! saturates (see the module docs of `kernels`).
//!
//! A 16-row block is two 8-lane halves; 2 input vectors share each weight load and columns are
//! unrolled by 2, which keeps the accumulators within the 16 ymm registers.

use std::arch::x86_64::*;

use super::{scalar, Elementwise, KernelLevel, PackedF32, PackedI8, PackedI8x4, ROW_BLOCK};

/// Input vectors processed per pass over the weights.
const GROUP: usize = 2;
/// Independent accumulators per half and input vector.
const UNROLL: usize = 2;

/// Writes the valid rows of a block from a 16-lane temporary (the rows past the end are not
/// written).
fn store_rows<T: Copy>(out: &mut [T], offset: usize, rows: usize, rb: usize, lanes: &[T; 16]) {
    let valid = (rows - rb * ROW_BLOCK).min(ROW_BLOCK);
    out[offset..offset + valid].copy_from_slice(&lanes[..valid]);
}

pub(crate) fn gemm_f32(w: &PackedF32, x: &[f32], n: usize, out: &mut [f32]) {
    if !KernelLevel::Avx2.supported() {
        return scalar::gemm_f32(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: AVX2 and FMA are supported (checked above); the caller checked that `x` and
        // `out` hold `n` vectors.
        unsafe {
            if group == 1 {
                run_f32::<1>(w, x, j0, out)
            } else {
                run_f32::<2>(w, x, j0, out)
            }
        }
        j0 += group;
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn run_f32<const NC: usize>(w: &PackedF32, x: &[f32], j0: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    for rb in 0..rows.div_ceil(ROW_BLOCK) {
        // SAFETY (whole block): the packed data holds cols × 16 floats per row block and `x`
        // holds cols floats per vector.
        unsafe {
            let wb = data.add(rb * cols * ROW_BLOCK);
            let mut acc = [[[_mm256_setzero_ps(); 2]; UNROLL]; NC];
            let mut c = 0;
            while c < cols {
                let step = (cols - c).min(UNROLL);
                for u in 0..step {
                    let lo = _mm256_loadu_ps(wb.add((c + u) * ROW_BLOCK));
                    let hi = _mm256_loadu_ps(wb.add((c + u) * ROW_BLOCK + 8));
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xv = _mm256_set1_ps(*xp.add((j0 + j) * cols + c + u));
                        accj[u][0] = _mm256_fmadd_ps(lo, xv, accj[u][0]);
                        accj[u][1] = _mm256_fmadd_ps(hi, xv, accj[u][1]);
                    }
                }
                c += step;
            }
            for (j, accj) in acc.iter().enumerate() {
                let mut lanes = [0.0f32; 16];
                _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(accj[0][0], accj[1][0]));
                _mm256_storeu_ps(
                    lanes.as_mut_ptr().add(8),
                    _mm256_add_ps(accj[0][1], accj[1][1]),
                );
                store_rows(out, (j0 + j) * rows + rb * ROW_BLOCK, rows, rb, &lanes);
            }
        }
    }
}

pub(crate) fn gemm_i8_f32(w: &PackedI8, x: &[f32], n: usize, out: &mut [f32]) {
    if !KernelLevel::Avx2.supported() {
        return scalar::gemm_i8_f32(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: as in `gemm_f32`.
        unsafe {
            if group == 1 {
                run_i8_f32::<1>(w, x, j0, out)
            } else {
                run_i8_f32::<2>(w, x, j0, out)
            }
        }
        j0 += group;
    }
}

#[inline(always)]
unsafe fn load_i8x8_as_f32(p: *const i8) -> __m256 {
    // SAFETY: only inlined into AVX2 functions; `p` points at 8 readable bytes.
    unsafe { _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(p as *const __m128i))) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn run_i8_f32<const NC: usize>(w: &PackedI8, x: &[f32], j0: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    for rb in 0..rows.div_ceil(ROW_BLOCK) {
        // SAFETY (whole block): 16 bytes per column per row block; scales padded to blocks.
        unsafe {
            let wb = data.add(rb * cols * ROW_BLOCK);
            let mut acc = [[[_mm256_setzero_ps(); 2]; UNROLL]; NC];
            let mut c = 0;
            while c < cols {
                let step = (cols - c).min(UNROLL);
                for u in 0..step {
                    let lo = load_i8x8_as_f32(wb.add((c + u) * ROW_BLOCK));
                    let hi = load_i8x8_as_f32(wb.add((c + u) * ROW_BLOCK + 8));
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xv = _mm256_set1_ps(*xp.add((j0 + j) * cols + c + u));
                        accj[u][0] = _mm256_fmadd_ps(lo, xv, accj[u][0]);
                        accj[u][1] = _mm256_fmadd_ps(hi, xv, accj[u][1]);
                    }
                }
                c += step;
            }
            let scales = w.scales().as_ptr().add(rb * ROW_BLOCK);
            let (s_lo, s_hi) = (_mm256_loadu_ps(scales), _mm256_loadu_ps(scales.add(8)));
            for (j, accj) in acc.iter().enumerate() {
                let mut lanes = [0.0f32; 16];
                let lo = _mm256_mul_ps(_mm256_add_ps(accj[0][0], accj[1][0]), s_lo);
                let hi = _mm256_mul_ps(_mm256_add_ps(accj[0][1], accj[1][1]), s_hi);
                _mm256_storeu_ps(lanes.as_mut_ptr(), lo);
                _mm256_storeu_ps(lanes.as_mut_ptr().add(8), hi);
                store_rows(out, (j0 + j) * rows + rb * ROW_BLOCK, rows, rb, &lanes);
            }
        }
    }
}

pub(crate) fn gemm_i8_i8(w: &PackedI8x4, x: &[i8], n: usize, out: &mut [i32]) {
    if !KernelLevel::Avx2.supported() {
        return scalar::gemm_i8_i8(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: AVX2 is supported (checked above); shapes checked by the caller.
        unsafe {
            if group == 1 {
                run_i8_i8::<1>(w, x, j0, out)
            } else {
                run_i8_i8::<2>(w, x, j0, out)
            }
        }
        j0 += group;
    }
}

#[target_feature(enable = "avx2")]
unsafe fn run_i8_i8<const NC: usize>(w: &PackedI8x4, x: &[i8], j0: usize, out: &mut [i32]) {
    let (rows, pc) = (w.rows(), w.padded_cols());
    let blocks = pc / 4;
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    let ones = _mm256_set1_epi16(1);
    for rb in 0..rows.div_ceil(ROW_BLOCK) {
        // SAFETY (whole block): each row block holds `blocks` 64-byte blocks (two 32-byte
        // halves); each input vector holds `pc` bytes, read 4 at a time.
        unsafe {
            let wb = data.add(rb * blocks * 64);
            let mut acc = [[[_mm256_setzero_si256(); 2]; UNROLL]; NC];
            let mut b = 0;
            while b < blocks {
                let step = (blocks - b).min(UNROLL);
                for u in 0..step {
                    let lo = _mm256_loadu_si256(wb.add((b + u) * 64) as *const __m256i);
                    let hi = _mm256_loadu_si256(wb.add((b + u) * 64 + 32) as *const __m256i);
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xj = xp.add((j0 + j) * pc + (b + u) * 4) as *const i32;
                        let xv = _mm256_set1_epi32(xj.read_unaligned());
                        // |x| · (w signed like x) = x · w; pair sums ≤ 2·127·127, exact.
                        let ax = _mm256_abs_epi8(xv);
                        let slo = _mm256_sign_epi8(lo, xv);
                        let shi = _mm256_sign_epi8(hi, xv);
                        let plo = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, slo), ones);
                        let phi = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, shi), ones);
                        accj[u][0] = _mm256_add_epi32(accj[u][0], plo);
                        accj[u][1] = _mm256_add_epi32(accj[u][1], phi);
                    }
                }
                b += step;
            }
            for (j, accj) in acc.iter().enumerate() {
                let mut lanes = [0i32; 16];
                let lo = _mm256_add_epi32(accj[0][0], accj[1][0]);
                let hi = _mm256_add_epi32(accj[0][1], accj[1][1]);
                _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, lo);
                _mm256_storeu_si256(lanes.as_mut_ptr().add(8) as *mut __m256i, hi);
                store_rows(out, (j0 + j) * rows + rb * ROW_BLOCK, rows, rb, &lanes);
            }
        }
    }
}

pub(crate) fn map_in_place(f: Elementwise, x: &mut [f32]) {
    if !KernelLevel::Avx2.supported() {
        return scalar::map_in_place(f, x);
    }
    // SAFETY: the CPU supports the target features of `map` (checked above).
    unsafe { map(f, x) }
}

/// The scalar code, inlined and vectorised by the compiler for this level.
#[target_feature(enable = "avx2,fma")]
unsafe fn map(f: Elementwise, x: &mut [f32]) {
    scalar::map_in_place(f, x)
}
