//! AVX-512 kernel of the float32 → 16-bit quantizer: 16 lanes per step.
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
    if crate::simd::SimdLevel::detected() < crate::simd::SimdLevel::Avx512 {
        return scalar::f32_to_i16(k, phase, input, output, stats);
    }
    let n = input.len().min(output.len());
    let (mut input, mut output) = (&input[..n], &mut output[..n]);
    // Buffers far larger than the caches: write around them (non-temporal stores), which saves
    // the read-for-ownership of every output line. Those stores need 32-byte alignment, so a
    // few leading samples go through the scalar reference first (same results by construction).
    let streaming = n >= NON_TEMPORAL_MIN_SAMPLES;
    if streaming {
        let misalignment = (output.as_ptr() as usize) % 32;
        let peel = if misalignment.is_multiple_of(2) {
            ((32 - misalignment) % 32) / 2
        } else {
            n // an odd address cannot be aligned: stay on the ordinary path
        };
        let peel = peel.min(n);
        scalar::f32_to_i16(k, phase, &input[..peel], &mut output[..peel], stats);
        input = &input[peel..];
        output = &mut output[peel..];
    }
    for (input, output) in input.chunks(1 << 27).zip(output.chunks_mut(1 << 27)) {
        // SAFETY: the CPU supports AVX-512 F/BW/DQ/VL (checked just above); with `streaming`,
        // `output` starts 32-byte aligned (peeled above) and every chunk is a multiple of 16
        // samples long except the last, so each 16-sample store stays aligned.
        unsafe {
            match (k.kind, streaming) {
                (DitherKind::None, false) => run::<0, false>(k, phase, input, output, stats),
                (DitherKind::Rpdf, false) => run::<1, false>(k, phase, input, output, stats),
                (DitherKind::Tpdf, false) => run::<2, false>(k, phase, input, output, stats),
                (DitherKind::TpdfHighPass, false) => {
                    run::<3, false>(k, phase, input, output, stats)
                }
                (DitherKind::None, true) => run::<0, true>(k, phase, input, output, stats),
                (DitherKind::Rpdf, true) => run::<1, true>(k, phase, input, output, stats),
                (DitherKind::Tpdf, true) => run::<2, true>(k, phase, input, output, stats),
                (DitherKind::TpdfHighPass, true) => run::<3, true>(k, phase, input, output, stats),
            }
        }
    }
}

/// From this many samples on (4 MiB of i16 output, more than a core's L2), stores bypass the cache.
pub(crate) const NON_TEMPORAL_MIN_SAMPLES: usize = 2 << 20;

#[inline(always)]
fn hash(x: __m512i) -> __m512i {
    // SAFETY: only inlined into `run`, which enables AVX-512F.
    unsafe {
        let x = _mm512_xor_si512(x, _mm512_srli_epi32::<16>(x));
        let x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7feb_352d));
        let x = _mm512_xor_si512(x, _mm512_srli_epi32::<15>(x));
        let x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x846c_a68bu32 as i32));
        _mm512_xor_si512(x, _mm512_srli_epi32::<16>(x))
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,popcnt")]
unsafe fn run<const KIND: u8, const NON_TEMPORAL: bool>(
    k: &F32ToI16,
    phase: &mut ChannelPhase,
    input: &[f32],
    output: &mut [i16],
    stats: &mut QuantStats,
) {
    const ROUND: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    let n = input.len().min(output.len());
    let (mut ch, mut frame) = (phase.channel, phase.frame);
    let scale = _mm512_set1_ps(k.scale);
    let minv = _mm512_set1_ps(k.min);
    let maxv = _mm512_set1_ps(k.max);
    let amp = _mm512_set1_ps(k.amp);
    let shift = _mm_cvtsi32_si128(k.shift as i32);
    // Per-lane counts (masked add) are cheaper than a popcount per step; the caller's chunks of
    // at most 2^27 samples keep their 16-lane sum within i32.
    let (mut nan_lanes, mut clip_lanes) = (_mm512_setzero_si512(), _mm512_setzero_si512());
    let ones = _mm512_set1_epi32(1);
    let mut i = 0;
    while i + LANES <= n {
        // SAFETY: i + 16 <= n <= input.len(); the table rows have 16 entries.
        let (x, keys, fr) = unsafe {
            (
                _mm512_loadu_ps(input.as_ptr().add(i)),
                _mm512_loadu_si512(k.lanes[ch].keys.as_ptr() as *const __m512i),
                _mm512_loadu_si512(k.lanes[ch].frames.as_ptr() as *const __m512i),
            )
        };
        let fr = _mm512_add_epi32(fr, _mm512_set1_epi32(frame as i32));
        let d = match KIND {
            1 => {
                let h = _mm512_srli_epi32::<16>(hash(_mm512_xor_si512(fr, keys)));
                _mm512_sub_ps(_mm512_cvtepi32_ps(h), _mm512_set1_ps(32767.5))
            }
            2 => {
                let h = hash(_mm512_xor_si512(fr, keys));
                let hi = _mm512_cvtepi32_ps(_mm512_srli_epi32::<16>(h));
                let lo = _mm512_cvtepi32_ps(_mm512_and_si512(h, _mm512_set1_epi32(0xffff)));
                _mm512_sub_ps(_mm512_add_ps(hi, lo), _mm512_set1_ps(65535.0))
            }
            3 => {
                let h = _mm512_srli_epi32::<16>(hash(_mm512_xor_si512(fr, keys)));
                let prev = _mm512_sub_epi32(fr, _mm512_set1_epi32(1));
                let h1 = _mm512_srli_epi32::<16>(hash(_mm512_xor_si512(prev, keys)));
                _mm512_sub_ps(_mm512_cvtepi32_ps(h), _mm512_cvtepi32_ps(h1))
            }
            _ => _mm512_setzero_ps(),
        };
        let isnan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(x, x);
        let y = _mm512_mul_ps(x, scale);
        let r = _mm512_roundscale_ps::<ROUND>(y);
        let v = if KIND == 0 {
            r
        } else {
            let exact = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(r, y);
            let rd = _mm512_roundscale_ps::<ROUND>(_mm512_add_ps(y, _mm512_mul_ps(d, amp)));
            _mm512_mask_blend_ps(exact, rd, r)
        };
        let out_of_range =
            _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, maxv) | _mm512_cmp_ps_mask::<_CMP_LT_OQ>(v, minv);
        clip_lanes = _mm512_mask_add_epi32(clip_lanes, out_of_range, clip_lanes, ones);
        nan_lanes = _mm512_mask_add_epi32(nan_lanes, isnan, nan_lanes, ones);
        let v = _mm512_min_ps(_mm512_max_ps(v, minv), maxv);
        let v = _mm512_maskz_mov_ps(!isnan, v);
        let q = _mm512_sll_epi32(_mm512_cvtps_epi32(v), shift);
        let packed = _mm512_cvtepi32_epi16(q);
        let dst = output.as_mut_ptr().wrapping_add(i) as *mut __m256i;
        if NON_TEMPORAL {
            // SAFETY: i + 16 <= n <= output.len(); the caller aligned `output` to 32 bytes and
            // i is a multiple of 16 samples, so `dst` is 32-byte aligned.
            unsafe { _mm256_stream_si256(dst, packed) };
        } else {
            // SAFETY: i + 16 <= n <= output.len().
            unsafe { _mm256_storeu_si256(dst, packed) };
        }
        frame = frame.wrapping_add(k.lanes[ch].frame_advance);
        ch = k.lanes[ch].next_channel;
        i += LANES;
    }
    if NON_TEMPORAL {
        // Order the streaming stores before anything the caller does with `output`.
        _mm_sfence();
    }
    phase.channel = ch;
    phase.frame = frame;
    stats.nan += _mm512_reduce_add_epi32(nan_lanes) as u32 as u64;
    stats.clipped += _mm512_reduce_add_epi32(clip_lanes) as u32 as u64;
    scalar::f32_to_i16(k, phase, &input[i..n], &mut output[i..n], stats);
}
