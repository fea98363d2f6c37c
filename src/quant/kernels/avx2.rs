//! AVX2 kernel of the float32 → 16-bit quantizer: 16 samples per step as two 8-lane halves.
//! Follows `scalar::quantize` operation for operation (no FMA), so results are identical.

use std::arch::x86_64::*;

use super::{scalar, F32ToI16, LANES};
use crate::dither::DitherKind;
use crate::quant::QuantStats;
use crate::stream::ChannelPhase;

pub(crate) fn f32_to_i16(
    k: &F32ToI16,
    phase: &mut ChannelPhase,
    input: &[f32],
    output: &mut [i16],
    stats: &mut QuantStats,
) {
    if crate::simd::SimdLevel::detected() < crate::simd::SimdLevel::Avx2 {
        return scalar::f32_to_i16(k, phase, input, output, stats);
    }
    // SAFETY: the CPU supports AVX2, FMA and POPCNT (checked just above).
    unsafe {
        match k.kind {
            DitherKind::None => run::<0>(k, phase, input, output, stats),
            DitherKind::Rpdf => run::<1>(k, phase, input, output, stats),
            DitherKind::Tpdf => run::<2>(k, phase, input, output, stats),
            DitherKind::TpdfHighPass => run::<3>(k, phase, input, output, stats),
        }
    }
}

#[inline(always)]
fn hash(x: __m256i) -> __m256i {
    // SAFETY: only inlined into `run`, which enables AVX2.
    unsafe {
        let x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
        let x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x7feb_352d));
        let x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
        let x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x846c_a68bu32 as i32));
        _mm256_xor_si256(x, _mm256_srli_epi32(x, 16))
    }
}

#[target_feature(enable = "avx2,fma,popcnt")]
unsafe fn run<const KIND: u8>(
    k: &F32ToI16,
    phase: &mut ChannelPhase,
    input: &[f32],
    output: &mut [i16],
    stats: &mut QuantStats,
) {
    let n = input.len().min(output.len());
    let (mut ch, mut frame) = (phase.channel, phase.frame);
    let scale = _mm256_set1_ps(k.scale);
    let minv = _mm256_set1_ps(k.min);
    let maxv = _mm256_set1_ps(k.max);
    let amp = _mm256_set1_ps(k.amp);
    let shift = _mm_cvtsi32_si128(k.shift as i32);
    let (mut nan, mut clipped) = (0u64, 0u64);
    let mut i = 0;
    while i + LANES <= n {
        let mut q = [_mm256_setzero_si256(); 2];
        for (half, qh) in q.iter_mut().enumerate() {
            let o = half * 8;
            // SAFETY: i + o + 8 <= n <= input.len(); the table rows have 16 entries.
            let (x, keys, fr) = unsafe {
                (
                    _mm256_loadu_ps(input.as_ptr().add(i + o)),
                    _mm256_loadu_si256(k.lanes[ch].keys.as_ptr().add(o) as *const __m256i),
                    _mm256_loadu_si256(k.lanes[ch].frames.as_ptr().add(o) as *const __m256i),
                )
            };
            let fr = _mm256_add_epi32(fr, _mm256_set1_epi32(frame as i32));
            let d = match KIND {
                1 => {
                    let h = _mm256_srli_epi32(hash(_mm256_xor_si256(fr, keys)), 16);
                    _mm256_sub_ps(_mm256_cvtepi32_ps(h), _mm256_set1_ps(32767.5))
                }
                2 => {
                    let h = hash(_mm256_xor_si256(fr, keys));
                    let hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(h, 16));
                    let lo = _mm256_cvtepi32_ps(_mm256_and_si256(h, _mm256_set1_epi32(0xffff)));
                    _mm256_sub_ps(_mm256_add_ps(hi, lo), _mm256_set1_ps(65535.0))
                }
                3 => {
                    let h = _mm256_srli_epi32(hash(_mm256_xor_si256(fr, keys)), 16);
                    let prev = _mm256_sub_epi32(fr, _mm256_set1_epi32(1));
                    let h1 = _mm256_srli_epi32(hash(_mm256_xor_si256(prev, keys)), 16);
                    _mm256_sub_ps(_mm256_cvtepi32_ps(h), _mm256_cvtepi32_ps(h1))
                }
                _ => _mm256_setzero_ps(),
            };
            let isnan = _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x);
            let y = _mm256_mul_ps(x, scale);
            let r = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(y);
            let v = if KIND == 0 {
                r
            } else {
                let exact = _mm256_cmp_ps::<_CMP_EQ_OQ>(r, y);
                let rd = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
                    _mm256_add_ps(y, _mm256_mul_ps(d, amp)),
                );
                _mm256_blendv_ps(rd, r, exact)
            };
            let out_of_range = _mm256_or_ps(
                _mm256_cmp_ps::<_CMP_GT_OQ>(v, maxv),
                _mm256_cmp_ps::<_CMP_LT_OQ>(v, minv),
            );
            clipped += _mm256_movemask_ps(out_of_range).count_ones() as u64;
            nan += _mm256_movemask_ps(isnan).count_ones() as u64;
            // max/min return their second operand for NaN; NaN lanes are then zeroed.
            let v = _mm256_min_ps(_mm256_max_ps(v, minv), maxv);
            let v = _mm256_andnot_ps(isnan, v);
            *qh = _mm256_sll_epi32(_mm256_cvtps_epi32(v), shift);
        }
        let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(q[0], q[1]));
        // SAFETY: i + 16 <= n <= output.len().
        unsafe { _mm256_storeu_si256(output.as_mut_ptr().add(i) as *mut __m256i, packed) };
        frame = frame.wrapping_add(k.lanes[ch].frame_advance);
        ch = k.lanes[ch].next_channel;
        i += LANES;
    }
    phase.channel = ch;
    phase.frame = frame;
    stats.nan += nan;
    stats.clipped += clipped;
    scalar::f32_to_i16(k, phase, &input[i..n], &mut output[i..n], stats);
}
