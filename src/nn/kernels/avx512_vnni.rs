//! AVX-512 kernels: float (AVX-512F, also used by the `Avx512` level) and int8 with
//! AVX-512 VNNI `vpdpbusd` (16 rows × 4 inputs per instruction; signed activations offset to
//! unsigned, the offset removed with the row sums).
//!
//! Each row block's 16 outputs live in one register, so no horizontal sums are needed; up to
//! 4 input vectors share every weight load, and columns are unrolled by 4 into independent
//! accumulators to hide the FMA / `vpdpbusd` latency. The float-input kernels skip the columns
//! whose inputs are all zero (most ReLU outputs are), gathered with `vpcompressd`: adding
//! `0 · w` changes no sum, so this only saves work.

// These intrinsics are stable since Rust 1.89; the crate's `rust-version` must be raised to
// 1.89 for them (as for src/quant/kernels/avx512.rs). Remove this allow when it is.

use std::arch::x86_64::*;

use super::{scalar, Elementwise, KernelLevel, PackedF32, PackedI8, PackedI8x4, ROW_BLOCK};

/// Input vectors processed per pass over the weights.
const GROUP: usize = 4;
/// Independent accumulators per input vector.
const UNROLL: usize = 4;
/// XOR of four activation bytes that turns signed `x` into unsigned `x + 128`.
const OFFSET: i32 = 0x8080_8080u32 as i32;

pub(crate) fn gemm_f32(w: &PackedF32, x: &[f32], n: usize, out: &mut [f32]) {
    if !KernelLevel::Avx512.supported() {
        return scalar::gemm_f32(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: AVX-512F is supported (checked above); the caller checked that `x` and
        // `out` hold `n` vectors, and `run_f32` reads only vectors j0..j0+group of them.
        unsafe {
            match group {
                1 => run_f32::<1>(w, x, j0, out),
                2 => run_f32::<2>(w, x, j0, out),
                3 => run_f32::<3>(w, x, j0, out),
                _ => run_f32::<4>(w, x, j0, out),
            }
        }
        j0 += group;
    }
}

/// Mask of the valid rows of block `rb`.
fn row_mask(rows: usize, rb: usize) -> u16 {
    let valid = (rows - rb * ROW_BLOCK).min(ROW_BLOCK);
    if valid == ROW_BLOCK {
        u16::MAX
    } else {
        (1u16 << valid) - 1
    }
}

/// Columns gathered per pass of the sparse float kernels.
const PIECE: usize = 512;

/// Writes to `idx` the columns in `start..end` where any of the `nc` input vectors from `j0` is
/// non-zero (ReLU outputs are mostly zeros, and a zero input adds nothing: skipping it gives
/// the same sums); returns how many.
#[target_feature(enable = "avx512f")]
unsafe fn nonzero_columns(
    x: &[f32],
    cols: usize,
    j0: usize,
    nc: usize,
    start: usize,
    end: usize,
    idx: &mut [u32; PIECE],
) -> usize {
    let mut count = 0;
    let iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let mut c = start;
    while c < end {
        let valid = (end - c).min(16);
        let lanes: u16 = if valid == 16 {
            u16::MAX
        } else {
            (1 << valid) - 1
        };
        let mut mask: u16 = 0;
        for j in 0..nc {
            // SAFETY: the masked load reads only columns c..c + valid of vector j0 + j, which
            // exist (end ≤ cols and the caller checked x holds the vectors).
            let v = unsafe { _mm512_maskz_loadu_ps(lanes, x.as_ptr().add((j0 + j) * cols + c)) };
            mask |= _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(v, _mm512_setzero_ps());
        }
        let indices = _mm512_add_epi32(_mm512_set1_epi32(c as i32), iota);
        // SAFETY: count + popcount(mask) ≤ end − start ≤ PIECE, so the compressed store stays
        // inside `idx`.
        unsafe {
            _mm512_mask_compressstoreu_epi32(idx.as_mut_ptr().add(count) as *mut _, mask, indices)
        };
        count += mask.count_ones() as usize;
        c += 16;
    }
    count
}

#[target_feature(enable = "avx512f")]
unsafe fn run_f32<const NC: usize>(w: &PackedF32, x: &[f32], j0: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    let mut idx = [0u32; PIECE];
    let mut start = 0;
    while start < cols || start == 0 {
        let end = (start + PIECE).min(cols);
        // SAFETY: start..end are columns of the matrix; the caller checked x.
        let count = unsafe { nonzero_columns(x, cols, j0, NC, start, end, &mut idx) };
        let cs = &idx[..count];
        for rb in 0..rows.div_ceil(ROW_BLOCK) {
            // SAFETY (whole block): every index in `cs` is a column < cols; the packed data
            // holds cols × 16 floats per row block, `x` holds cols floats per vector, and
            // loads/stores of `out` are masked to the rows that exist.
            unsafe {
                let wb = data.add(rb * cols * ROW_BLOCK);
                let mut acc = [[_mm512_setzero_ps(); UNROLL]; NC];
                let mut quads = cs.chunks_exact(UNROLL);
                for q in &mut quads {
                    let wv: [__m512; UNROLL] =
                        std::array::from_fn(|u| _mm512_loadu_ps(wb.add(q[u] as usize * ROW_BLOCK)));
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xj = xp.add((j0 + j) * cols);
                        for u in 0..UNROLL {
                            let xv = _mm512_set1_ps(*xj.add(q[u] as usize));
                            accj[u] = _mm512_fmadd_ps(wv[u], xv, accj[u]);
                        }
                    }
                }
                for &c in quads.remainder() {
                    let wv = _mm512_loadu_ps(wb.add(c as usize * ROW_BLOCK));
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xv = _mm512_set1_ps(*xp.add((j0 + j) * cols + c as usize));
                        accj[0] = _mm512_fmadd_ps(wv, xv, accj[0]);
                    }
                }
                let mask = row_mask(rows, rb);
                for (j, accj) in acc.iter().enumerate() {
                    let mut sum = _mm512_add_ps(
                        _mm512_add_ps(accj[0], accj[1]),
                        _mm512_add_ps(accj[2], accj[3]),
                    );
                    let dst = out.as_mut_ptr().add((j0 + j) * rows + rb * ROW_BLOCK);
                    if start > 0 {
                        sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(mask, dst));
                    }
                    _mm512_mask_storeu_ps(dst, mask, sum);
                }
            }
        }
        if end >= cols {
            break;
        }
        start = end;
    }
}

pub(crate) fn gemm_i8_f32(w: &PackedI8, x: &[f32], n: usize, out: &mut [f32]) {
    if !KernelLevel::Avx512.supported() {
        return scalar::gemm_i8_f32(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: as in `gemm_f32`.
        unsafe {
            match group {
                1 => run_i8_f32::<1>(w, x, j0, out),
                2 => run_i8_f32::<2>(w, x, j0, out),
                3 => run_i8_f32::<3>(w, x, j0, out),
                _ => run_i8_f32::<4>(w, x, j0, out),
            }
        }
        j0 += group;
    }
}

#[inline(always)]
unsafe fn load_i8x16_as_f32(p: *const i8) -> __m512 {
    // SAFETY: only inlined into AVX-512F functions; `p` points at 16 readable bytes.
    unsafe { _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(p as *const __m128i))) }
}

#[target_feature(enable = "avx512f")]
unsafe fn run_i8_f32<const NC: usize>(w: &PackedI8, x: &[f32], j0: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    let mut idx = [0u32; PIECE];
    let mut start = 0;
    while start < cols || start == 0 {
        let end = (start + PIECE).min(cols);
        // SAFETY: start..end are columns of the matrix; the caller checked x.
        let count = unsafe { nonzero_columns(x, cols, j0, NC, start, end, &mut idx) };
        let cs = &idx[..count];
        for rb in 0..rows.div_ceil(ROW_BLOCK) {
            // SAFETY (whole block): as in `run_f32`, with 16 bytes per column per block and
            // the scales padded to whole blocks.
            unsafe {
                let wb = data.add(rb * cols * ROW_BLOCK);
                let mut acc = [[_mm512_setzero_ps(); UNROLL]; NC];
                let mut quads = cs.chunks_exact(UNROLL);
                for q in &mut quads {
                    let wv: [__m512; UNROLL] = std::array::from_fn(|u| {
                        load_i8x16_as_f32(wb.add(q[u] as usize * ROW_BLOCK))
                    });
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xj = xp.add((j0 + j) * cols);
                        for u in 0..UNROLL {
                            let xv = _mm512_set1_ps(*xj.add(q[u] as usize));
                            accj[u] = _mm512_fmadd_ps(wv[u], xv, accj[u]);
                        }
                    }
                }
                for &c in quads.remainder() {
                    let wv = load_i8x16_as_f32(wb.add(c as usize * ROW_BLOCK));
                    for (j, accj) in acc.iter_mut().enumerate() {
                        let xv = _mm512_set1_ps(*xp.add((j0 + j) * cols + c as usize));
                        accj[0] = _mm512_fmadd_ps(wv, xv, accj[0]);
                    }
                }
                let scale = _mm512_loadu_ps(w.scales().as_ptr().add(rb * ROW_BLOCK));
                let mask = row_mask(rows, rb);
                for (j, accj) in acc.iter().enumerate() {
                    let sum = _mm512_add_ps(
                        _mm512_add_ps(accj[0], accj[1]),
                        _mm512_add_ps(accj[2], accj[3]),
                    );
                    let mut y = _mm512_mul_ps(sum, scale);
                    let dst = out.as_mut_ptr().add((j0 + j) * rows + rb * ROW_BLOCK);
                    if start > 0 {
                        y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask, dst));
                    }
                    _mm512_mask_storeu_ps(dst, mask, y);
                }
            }
        }
        if end >= cols {
            break;
        }
        start = end;
    }
}

pub(crate) fn gemm_i8_i8(w: &PackedI8x4, x: &[i8], n: usize, out: &mut [i32]) {
    if !KernelLevel::Avx512Vnni.supported() {
        return scalar::gemm_i8_i8(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: AVX-512F/BW and VNNI are supported (checked above); shapes checked by the
        // caller.
        unsafe {
            match group {
                1 => run_i8_i8::<1>(w, x, j0, out),
                2 => run_i8_i8::<2>(w, x, j0, out),
                3 => run_i8_i8::<3>(w, x, j0, out),
                _ => run_i8_i8::<4>(w, x, j0, out),
            }
        }
        j0 += group;
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn run_i8_i8<const NC: usize>(w: &PackedI8x4, x: &[i8], j0: usize, out: &mut [i32]) {
    let (rows, pc) = (w.rows(), w.padded_cols());
    let blocks = pc / 4;
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
    for rb in 0..rows.div_ceil(ROW_BLOCK) {
        // SAFETY (whole block): each row block holds `blocks` 64-byte blocks; each input vector
        // holds `pc` bytes, read 4 at a time (unaligned); stores are masked to existing rows.
        unsafe {
            let wb = data.add(rb * blocks * 64);
            let mut acc = [[_mm512_setzero_si512(); UNROLL]; NC];
            let mut b = 0;
            while b + UNROLL <= blocks {
                let wv: [__m512i; UNROLL] = std::array::from_fn(|u| {
                    _mm512_loadu_si512(wb.add((b + u) * 64) as *const __m512i)
                });
                for (j, accj) in acc.iter_mut().enumerate() {
                    let xj = xp.add((j0 + j) * pc + b * 4) as *const i32;
                    for u in 0..UNROLL {
                        // Signed → unsigned activations: x + 128 in every byte.
                        let xv = _mm512_set1_epi32(xj.add(u).read_unaligned() ^ OFFSET);
                        accj[u] = _mm512_dpbusd_epi32(accj[u], xv, wv[u]);
                    }
                }
                b += UNROLL;
            }
            while b < blocks {
                let wv = _mm512_loadu_si512(wb.add(b * 64) as *const __m512i);
                for (j, accj) in acc.iter_mut().enumerate() {
                    let xj = xp.add((j0 + j) * pc + b * 4) as *const i32;
                    let xv = _mm512_set1_epi32(xj.read_unaligned() ^ OFFSET);
                    accj[0] = _mm512_dpbusd_epi32(accj[0], xv, wv);
                }
                b += 1;
            }
            let mask = row_mask(rows, rb);
            // Σ (x + 128)·w − 128·Σ w = Σ x·w.
            let sums =
                _mm512_loadu_si512(w.row_sums().as_ptr().add(rb * ROW_BLOCK) as *const __m512i);
            let offset = _mm512_slli_epi32::<7>(sums);
            for (j, accj) in acc.iter().enumerate() {
                let sum = _mm512_add_epi32(
                    _mm512_add_epi32(accj[0], accj[1]),
                    _mm512_add_epi32(accj[2], accj[3]),
                );
                let sum = _mm512_sub_epi32(sum, offset);
                let dst = out.as_mut_ptr().add((j0 + j) * rows + rb * ROW_BLOCK);
                _mm512_mask_storeu_epi32(dst, mask, sum);
            }
        }
    }
}

pub(crate) fn map_in_place(f: Elementwise, x: &mut [f32]) {
    if !KernelLevel::Avx512.supported() {
        return scalar::map_in_place(f, x);
    }
    // SAFETY: the CPU supports the target features of `map` (checked above).
    unsafe { map(f, x) }
}

/// The scalar code, inlined and vectorised by the compiler for this level.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn map(f: Elementwise, x: &mut [f32]) {
    scalar::map_in_place(f, x)
}
