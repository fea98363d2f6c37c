//! AVX-VNNI int8 kernel: the VEX-encoded 256-bit `vpdpbusd` (8 rows × 4 inputs per
//! instruction, no int16 intermediate), with the activations offset to unsigned as in the
//! AVX-512 VNNI kernel. The float kernels of this level are the AVX2 ones.

// These intrinsics are stable since Rust 1.89; the crate's `rust-version` must be raised to
// 1.89 for them (as for src/quant/kernels/avx512.rs). Remove this allow when it is.

use std::arch::x86_64::*;

use super::{scalar, KernelLevel, PackedI8x4, ROW_BLOCK};

/// Input vectors processed per pass over the weights.
const GROUP: usize = 2;
/// Independent accumulators per half and input vector.
const UNROLL: usize = 2;
/// XOR of four activation bytes that turns signed `x` into unsigned `x + 128`.
const OFFSET: i32 = 0x8080_8080u32 as i32;

pub(crate) fn gemm_i8_i8(w: &PackedI8x4, x: &[i8], n: usize, out: &mut [i32]) {
    if !KernelLevel::AvxVnni.supported() {
        return scalar::gemm_i8_i8(w, x, n, out);
    }
    let mut j0 = 0;
    while j0 < n {
        let group = (n - j0).min(GROUP);
        // SAFETY: AVX2 and AVX-VNNI are supported (checked above); shapes checked by the
        // caller.
        unsafe {
            if group == 1 {
                run::<1>(w, x, j0, out)
            } else {
                run::<2>(w, x, j0, out)
            }
        }
        j0 += group;
    }
}

#[target_feature(enable = "avx2,avxvnni")]
unsafe fn run<const NC: usize>(w: &PackedI8x4, x: &[i8], j0: usize, out: &mut [i32]) {
    let (rows, pc) = (w.rows(), w.padded_cols());
    let blocks = pc / 4;
    let data = w.data().as_ptr();
    let xp = x.as_ptr();
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
                        // Signed → unsigned activations: x + 128 in every byte.
                        let xv = _mm256_set1_epi32(xj.read_unaligned() ^ OFFSET);
                        accj[u][0] = _mm256_dpbusd_avx_epi32(accj[u][0], xv, lo);
                        accj[u][1] = _mm256_dpbusd_avx_epi32(accj[u][1], xv, hi);
                    }
                }
                b += step;
            }
            // Σ (x + 128)·w − 128·Σ w = Σ x·w.
            let sums = w.row_sums().as_ptr().add(rb * ROW_BLOCK) as *const __m256i;
            let off_lo = _mm256_slli_epi32::<7>(_mm256_loadu_si256(sums));
            let off_hi = _mm256_slli_epi32::<7>(_mm256_loadu_si256(sums.add(1)));
            for (j, accj) in acc.iter().enumerate() {
                let mut lanes = [0i32; 16];
                let lo = _mm256_sub_epi32(_mm256_add_epi32(accj[0][0], accj[1][0]), off_lo);
                let hi = _mm256_sub_epi32(_mm256_add_epi32(accj[0][1], accj[1][1]), off_hi);
                _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, lo);
                _mm256_storeu_si256(lanes.as_mut_ptr().add(8) as *mut __m256i, hi);
                let valid = (rows - rb * ROW_BLOCK).min(ROW_BLOCK);
                let offset = (j0 + j) * rows + rb * ROW_BLOCK;
                out[offset..offset + valid].copy_from_slice(&lanes[..valid]);
            }
        }
    }
}
