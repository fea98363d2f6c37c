//! AVX-512 greedy kernel: 16 chains in 32-bit lanes. The nearest code magnitude is found by a
//! three-level binary search on the midpoints between reconstructions (the reconstructions grow
//! with the magnitude, so this equals the scalar kernel's count of midpoints below the target);
//! the rare lanes where the decoder's clamp can act are finished by the scalar
//! [`nearest_code`]. Bit-identical to `scalar::greedy`.

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use super::{Chains, LANES};
use crate::codecs::ima_adpcm::encoder::nearest_code;
use crate::codecs::ima_adpcm::{ImaParams, ImaState, INDEX_TABLE, MAX_STEP_INDEX, STEP_TABLE};
use crate::simd::SimdLevel;

pub(crate) fn greedy(c: &mut Chains) {
    if SimdLevel::detected() < SimdLevel::Avx512 {
        return super::scalar::greedy(c);
    }
    // SAFETY: the CPU supports AVX-512 F/BW/DQ/VL (checked above); the caller (`super::greedy`)
    // checked that every gathered 4-byte load, `samples[offsets[l] + i .. + 2]` for
    // `i < len`, lies inside `samples`, and that `codes` holds `len * LANES` bytes.
    unsafe { greedy_avx512(c) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn greedy_avx512(c: &mut Chains) {
    let mut table = [0i32; 96];
    table[..89].copy_from_slice(&STEP_TABLE);
    let mut index_table = [0i32; 16];
    for (k, slot) in index_table.iter_mut().enumerate() {
        *slot = INDEX_TABLE[k & 7] as i32;
    }
    // SAFETY (whole function): loads and stores below are of local arrays of the stated sizes,
    // and the gathers stay inside `samples` (see `greedy`).
    let t: [__m512i; 6] =
        std::array::from_fn(|k| _mm512_loadu_si512(table[16 * k..].as_ptr().cast()));
    let index_adjust = _mm512_loadu_si512(index_table.as_ptr().cast());
    let mut pred = _mm512_loadu_si512(c.states.map(|s| s.predictor).as_ptr().cast());
    let mut idx = _mm512_loadu_si512(c.states.map(|s| s.step_index as i32).as_ptr().cast());
    let offsets = _mm512_loadu_si512(c.offsets.as_ptr().cast());
    let base = c.samples.as_ptr().cast::<u8>();
    let (zero, max_index) = (_mm512_setzero_si512(), _mm512_set1_epi32(88));
    let (top, bottom) = (_mm512_set1_epi32(32767), _mm512_set1_epi32(-32768));
    let (sign_bit, four, two, one) = (
        _mm512_set1_epi32(8),
        _mm512_set1_epi32(4),
        _mm512_set1_epi32(2),
        _mm512_set1_epi32(1),
    );
    let low_half = _mm512_set1_epi64(0xFFFF_FFFF);
    let (mut cost_even, mut cost_odd) = (zero, zero);
    for i in 0..c.len {
        let at = _mm512_add_epi32(offsets, _mm512_set1_epi32(i as i32));
        let raw = _mm512_i32gather_epi32::<2>(at, base.cast());
        let x = _mm512_srai_epi32::<16>(_mm512_slli_epi32::<16>(raw));
        // Step size of each lane's index (0..=88): three 32-entry permutes, then a select.
        let low = _mm512_permutex2var_epi32(t[0], idx, t[1]);
        let mid = _mm512_permutex2var_epi32(t[2], idx, t[3]);
        let high = _mm512_permutex2var_epi32(t[4], idx, t[5]);
        let step = _mm512_mask_mov_epi32(
            low,
            _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(32)),
            mid,
        );
        let step = _mm512_mask_mov_epi32(
            step,
            _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(64)),
            high,
        );
        let s1 = _mm512_srai_epi32::<1>(step);
        let s2 = _mm512_srai_epi32::<2>(step);
        let s3 = _mm512_srai_epi32::<3>(step);
        let s12 = _mm512_add_epi32(s1, s2);
        let largest = _mm512_add_epi32(_mm512_add_epi32(s3, step), s12);
        let clamp_lanes = _mm512_cmpgt_epi32_mask(_mm512_add_epi32(pred, largest), top)
            | _mm512_cmplt_epi32_mask(_mm512_sub_epi32(pred, largest), bottom);
        let d = _mm512_sub_epi32(x, pred);
        let a = _mm512_abs_epi32(d);
        let negative = _mm512_cmplt_epi32_mask(d, zero);
        // Binary search over the 8 reconstructions s3 + {0, s2, s1, s1+s2} (+ step).
        let edge2 = _mm512_add_epi32(s3, _mm512_srai_epi32::<1>(_mm512_add_epi32(s12, step)));
        let b2 = _mm512_cmpgt_epi32_mask(a, edge2);
        let r = _mm512_mask_add_epi32(s3, b2, s3, step);
        let b1 = _mm512_cmpgt_epi32_mask(a, _mm512_add_epi32(r, _mm512_srai_epi32::<1>(s12)));
        let r = _mm512_mask_add_epi32(r, b1, r, s1);
        let b0 = _mm512_cmpgt_epi32_mask(a, _mm512_add_epi32(r, _mm512_srai_epi32::<1>(s2)));
        let diff = _mm512_mask_add_epi32(r, b0, r, s2);
        let m = _mm512_or_epi32(
            _mm512_or_epi32(
                _mm512_maskz_mov_epi32(b2, four),
                _mm512_maskz_mov_epi32(b1, two),
            ),
            _mm512_maskz_mov_epi32(b0, one),
        );
        let mut code = _mm512_mask_or_epi32(m, negative, m, sign_bit);
        let mut next_pred =
            _mm512_mask_sub_epi32(_mm512_add_epi32(pred, diff), negative, pred, diff);
        let moved = _mm512_add_epi32(idx, _mm512_permutexvar_epi32(m, index_adjust));
        let mut next_idx = _mm512_min_epi32(_mm512_max_epi32(moved, zero), max_index);
        if clamp_lanes != 0 {
            // Near the rails every code is tried exactly, as the scalar kernel does.
            let mut lanes = [[0i32; LANES]; 6];
            for (k, v) in [x, pred, idx, code, next_pred, next_idx]
                .into_iter()
                .enumerate()
            {
                _mm512_storeu_si512(lanes[k].as_mut_ptr().cast(), v);
            }
            for l in 0..LANES {
                if clamp_lanes >> l & 1 != 0 {
                    let state = ImaState {
                        predictor: lanes[1][l],
                        step_index: lanes[2][l] as u8,
                    };
                    let (k, next, _) = nearest_code(&state, lanes[0][l]);
                    lanes[3][l] = k as i32;
                    lanes[4][l] = next.predictor;
                    lanes[5][l] = next.step_index as i32;
                }
            }
            code = _mm512_loadu_si512(lanes[3].as_ptr().cast());
            next_pred = _mm512_loadu_si512(lanes[4].as_ptr().cast());
            next_idx = _mm512_loadu_si512(lanes[5].as_ptr().cast());
        }
        if let Some(codes) = c.codes.as_deref_mut() {
            _mm_storeu_si128(
                codes[i * LANES..].as_mut_ptr().cast(),
                _mm512_cvtepi32_epi8(code),
            );
        }
        // |e| <= 65535, so e * e fits 32 unsigned bits; sum in 64-bit halves.
        let e = _mm512_sub_epi32(x, next_pred);
        let square = _mm512_mullo_epi32(e, e);
        cost_even = _mm512_add_epi64(cost_even, _mm512_and_si512(square, low_half));
        cost_odd = _mm512_add_epi64(cost_odd, _mm512_srli_epi64::<32>(square));
        pred = next_pred;
        idx = next_idx;
    }
    let mut even = [0u64; 8];
    let mut odd = [0u64; 8];
    _mm512_storeu_si512(even.as_mut_ptr().cast(), cost_even);
    _mm512_storeu_si512(odd.as_mut_ptr().cast(), cost_odd);
    for k in 0..8 {
        c.costs[2 * k] = even[k];
        c.costs[2 * k + 1] = odd[k];
    }
    let mut p = [0i32; LANES];
    let mut s = [0i32; LANES];
    _mm512_storeu_si512(p.as_mut_ptr().cast(), pred);
    _mm512_storeu_si512(s.as_mut_ptr().cast(), idx);
    for l in 0..LANES {
        c.states[l] = ImaState {
            predictor: p[l],
            step_index: s[l] as u8,
        };
    }
}

/// Groups of 8 samples decoded before the transposed scratch is copied out.
const DECODE_CHUNK_GROUPS: usize = 8;

/// Decodes the whole blocks of `bytes` into `pcm` with 16 (block, channel) lanes per step;
/// blocks that do not fill a lane group go through the scalar
/// [`decode_block`](crate::codecs::ima_adpcm::decode_block). Returns the warnings.
/// Bit-identical to decoding each block with `decode_block`.
pub(crate) fn decode_blocks(params: &ImaParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let (ch, align, spb) = (
        params.channels(),
        params.block_align(),
        params.samples_per_block(),
    );
    let blocks = (bytes.len() / align).min(pcm.len() / (spb * ch));
    let per_group = LANES / ch;
    let mut warnings = 0;
    let simd_blocks = if SimdLevel::detected() >= SimdLevel::Avx512 && per_group > 0 {
        blocks / per_group * per_group
    } else {
        0
    };
    for b0 in (0..simd_blocks).step_by(per_group.max(1)) {
        // SAFETY: AVX-512 F/BW/DQ/VL is present (checked above); blocks `b0..b0 + per_group`
        // lie wholly inside `bytes` and `pcm` (`simd_blocks <= blocks`).
        warnings += unsafe {
            decode_group_avx512(
                params,
                &bytes[b0 * align..],
                &mut pcm[b0 * spb * ch..],
                per_group,
            )
        };
    }
    for b in simd_blocks..blocks {
        crate::codecs::ima_adpcm::decode_block(
            params,
            &bytes[b * align..(b + 1) * align],
            &mut pcm[b * spb * ch..(b + 1) * spb * ch],
            &mut warnings,
        );
    }
    warnings
}

/// Decodes `blocks` whole blocks (`blocks * channels <= LANES`) from the start of `bytes`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn decode_group_avx512(
    params: &ImaParams,
    bytes: &[u8],
    pcm: &mut [i16],
    blocks: usize,
) -> u64 {
    let (ch, align, spb) = (
        params.channels(),
        params.block_align(),
        params.samples_per_block(),
    );
    let active = blocks * ch;
    let mut warnings = 0;
    let mut offsets = [0i32; LANES];
    let mut pred0 = [0i32; LANES];
    let mut idx0 = [0i32; LANES];
    for l in 0..LANES {
        let lane = if l < active { l } else { 0 };
        let (b, c) = (lane / ch, lane % ch);
        let header = &bytes[b * align + 4 * c..b * align + 4 * c + 4];
        let mut index = header[2];
        if index > MAX_STEP_INDEX {
            if l < active {
                warnings += 1;
            }
            index = MAX_STEP_INDEX;
        }
        pred0[l] = i16::from_le_bytes([header[0], header[1]]) as i32;
        idx0[l] = index as i32;
        offsets[l] = (b * align + 4 * ch + 4 * c) as i32;
        if l < active {
            pcm[b * spb * ch + c] = pred0[l] as i16;
        }
    }
    let mut table = [0i32; 96];
    table[..89].copy_from_slice(&STEP_TABLE);
    let mut index_table = [0i32; 16];
    for (k, slot) in index_table.iter_mut().enumerate() {
        *slot = INDEX_TABLE[k & 7] as i32;
    }
    // SAFETY (whole function): the loads and stores are of local arrays of the sizes stated;
    // the gathers read 4 bytes at `offsets[l] + 4 * channels * g` for `g < groups`, inside
    // block `l / channels` (a group's 4 bytes per channel end before the block does).
    let t: [__m512i; 6] =
        std::array::from_fn(|k| _mm512_loadu_si512(table[16 * k..].as_ptr().cast()));
    let index_adjust = _mm512_loadu_si512(index_table.as_ptr().cast());
    let mut pred = _mm512_loadu_si512(pred0.as_ptr().cast());
    let mut idx = _mm512_loadu_si512(idx0.as_ptr().cast());
    let offsets = _mm512_loadu_si512(offsets.as_ptr().cast());
    let (zero, max_index) = (_mm512_setzero_si512(), _mm512_set1_epi32(88));
    let (top, bottom) = (_mm512_set1_epi32(32767), _mm512_set1_epi32(-32768));
    let (nibble, sign, four, two, one) = (
        _mm512_set1_epi32(15),
        _mm512_set1_epi32(8),
        _mm512_set1_epi32(4),
        _mm512_set1_epi32(2),
        _mm512_set1_epi32(1),
    );
    let groups = (spb - 1) / 8;
    let mut scratch = [0i16; DECODE_CHUNK_GROUPS * 8 * LANES];
    let base = bytes.as_ptr();
    for first in (0..groups).step_by(DECODE_CHUNK_GROUPS) {
        let n = (groups - first).min(DECODE_CHUNK_GROUPS);
        for g in 0..n {
            let at = _mm512_add_epi32(offsets, _mm512_set1_epi32((4 * ch * (first + g)) as i32));
            let mut word = _mm512_i32gather_epi32::<1>(at, base.cast());
            for k in 0..8 {
                let code = _mm512_and_si512(word, nibble);
                word = _mm512_srli_epi32::<4>(word);
                let low = _mm512_permutex2var_epi32(t[0], idx, t[1]);
                let mid = _mm512_permutex2var_epi32(t[2], idx, t[3]);
                let high = _mm512_permutex2var_epi32(t[4], idx, t[5]);
                let step = _mm512_mask_mov_epi32(
                    low,
                    _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(32)),
                    mid,
                );
                let step = _mm512_mask_mov_epi32(
                    step,
                    _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(64)),
                    high,
                );
                let mut diff = _mm512_srai_epi32::<3>(step);
                diff = _mm512_mask_add_epi32(diff, _mm512_test_epi32_mask(code, four), diff, step);
                diff = _mm512_mask_add_epi32(
                    diff,
                    _mm512_test_epi32_mask(code, two),
                    diff,
                    _mm512_srai_epi32::<1>(step),
                );
                diff = _mm512_mask_add_epi32(
                    diff,
                    _mm512_test_epi32_mask(code, one),
                    diff,
                    _mm512_srai_epi32::<2>(step),
                );
                let up = _mm512_min_epi32(_mm512_add_epi32(pred, diff), top);
                let down = _mm512_max_epi32(_mm512_sub_epi32(pred, diff), bottom);
                pred = _mm512_mask_mov_epi32(up, _mm512_test_epi32_mask(code, sign), down);
                let moved = _mm512_add_epi32(idx, _mm512_permutexvar_epi32(code, index_adjust));
                idx = _mm512_min_epi32(_mm512_max_epi32(moved, zero), max_index);
                _mm256_storeu_si256(
                    scratch[(8 * g + k) * LANES..].as_mut_ptr().cast(),
                    _mm512_cvtepi32_epi16(pred),
                );
            }
        }
        // Transpose out: lane (b, c) sample 1 + 8 * first + t.
        for l in 0..active {
            let (b, c) = (l / ch, l % ch);
            let out = &mut pcm[b * spb * ch + (1 + 8 * first) * ch + c..];
            for t in 0..8 * n {
                out[t * ch] = scratch[t * LANES + l];
            }
        }
    }
    warnings
}
