//! AVX-512 G.711 kernels (F, BW, DQ, VL): the AVX2 formulas in 16 x 32-bit lanes for
//! encoding and 32 x 16-bit lanes for decoding, with mask registers for the sign.

use std::arch::x86_64::*;

use super::scalar;
use crate::simd::SimdLevel;

/// Encodes with the ITU rule; falls back to AVX2 on a CPU without AVX-512.
pub(crate) fn encode(alaw: bool, input: &[i16], output: &mut [u8]) {
    if SimdLevel::detected() < SimdLevel::Avx512 {
        return super::avx2::encode(alaw, input, output);
    }
    // SAFETY: the CPU supports AVX-512 F, BW, DQ and VL (checked just above).
    unsafe { encode_avx512(alaw, input, output) }
}

/// Decodes; falls back to AVX2 on a CPU without AVX-512.
pub(crate) fn decode(alaw: bool, input: &[u8], output: &mut [i16]) {
    if SimdLevel::detected() < SimdLevel::Avx512 {
        return super::avx2::decode(alaw, input, output);
    }
    // SAFETY: the CPU supports AVX-512 F, BW, DQ and VL (checked just above).
    unsafe { decode_avx512(alaw, input, output) }
}

/// mu-law codes of 16 samples widened to i32 (see `scalar::ulaw_encode`).
#[inline(always)]
unsafe fn ulaw16(x: __m512i) -> __m512i {
    let negative = _mm512_srai_epi32(x, 31);
    let magnitude = _mm512_srai_epi32(_mm512_xor_si512(x, negative), 2);
    let biased = _mm512_min_epi32(
        _mm512_add_epi32(magnitude, _mm512_set1_epi32(33)),
        _mm512_set1_epi32(0x1FFF),
    );
    let exponent = _mm512_srli_epi32(_mm512_castps_si512(_mm512_cvtepi32_ps(biased)), 23);
    let segment = _mm512_sub_epi32(exponent, _mm512_set1_epi32(131));
    let level = _mm512_sub_epi32(
        _mm512_add_epi32(
            _mm512_slli_epi32(segment, 4),
            _mm512_srlv_epi32(biased, segment),
        ),
        _mm512_set1_epi32(32),
    );
    let flip = _mm512_xor_si512(
        _mm512_set1_epi32(0xFF),
        _mm512_and_si512(negative, _mm512_set1_epi32(0x80)),
    );
    _mm512_xor_si512(level, flip)
}

/// A-law codes of 16 samples widened to i32 (see `scalar::alaw_encode`).
#[inline(always)]
unsafe fn alaw16(x: __m512i) -> __m512i {
    let negative = _mm512_srai_epi32(x, 31);
    let magnitude = _mm512_srai_epi32(_mm512_xor_si512(x, negative), 4);
    let exponent = _mm512_srli_epi32(_mm512_castps_si512(_mm512_cvtepi32_ps(magnitude)), 23);
    let shift = _mm512_max_epi32(
        _mm512_sub_epi32(exponent, _mm512_set1_epi32(131)),
        _mm512_setzero_si512(),
    );
    let level = _mm512_add_epi32(
        _mm512_slli_epi32(shift, 4),
        _mm512_srlv_epi32(magnitude, shift),
    );
    let sign = _mm512_andnot_si512(negative, _mm512_set1_epi32(0x80));
    _mm512_xor_si512(_mm512_or_si512(level, sign), _mm512_set1_epi32(0x55))
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2")]
unsafe fn encode_avx512(alaw: bool, input: &[i16], output: &mut [u8]) {
    let n = input.len().min(output.len());
    let steps = n / 32;
    for s in 0..steps {
        let p = input.as_ptr().add(s * 32);
        let a = _mm512_cvtepi16_epi32(_mm256_loadu_si256(p as *const __m256i));
        let b = _mm512_cvtepi16_epi32(_mm256_loadu_si256(p.add(16) as *const __m256i));
        let (a, b) = if alaw {
            (alaw16(a), alaw16(b))
        } else {
            (ulaw16(a), ulaw16(b))
        };
        // Codes are 0..=255: packing words to unsigned bytes is exact.
        let words = _mm512_packus_epi32(a, b);
        let bytes = _mm512_cvtepi16_epi8(words);
        // packus interleaves 128-bit lanes: a0 b0 a1 b1 a2 b2 a3 b3 (4 words each, as bytes).
        let order = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        let bytes = _mm256_permutevar8x32_epi32(bytes, order);
        _mm256_storeu_si256(output.as_mut_ptr().add(s * 32) as *mut __m256i, bytes);
    }
    let done = steps * 32;
    if alaw {
        scalar::encode_alaw(&input[done..n], &mut output[done..n]);
    } else {
        scalar::encode_ulaw(&input[done..n], &mut output[done..n]);
    }
}

/// A `pshufb` table of 8 byte entries, repeated in all four 128-bit lanes.
#[inline(always)]
unsafe fn table8(t: [u8; 8]) -> __m512i {
    let mut b = [0u8; 64];
    for lane in 0..4 {
        b[lane * 16..lane * 16 + 8].copy_from_slice(&t);
    }
    _mm512_loadu_si512(b.as_ptr() as *const _)
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2")]
unsafe fn decode_avx512(alaw: bool, input: &[u8], output: &mut [i16]) {
    let n = input.len().min(output.len());
    let steps = n / 32;
    let (pow, lead, invert, shift) = if alaw {
        (
            table8([1, 1, 2, 4, 8, 16, 32, 64]),
            table8([1, 33, 33, 33, 33, 33, 33, 33]),
            0x55,
            3,
        )
    } else {
        (
            table8([1, 2, 4, 8, 16, 32, 64, 128]),
            table8([33; 8]),
            0xFF,
            2,
        )
    };
    let bias = _mm512_set1_epi16(if alaw { 0 } else { 132 });
    let invert = _mm512_set1_epi16(invert);
    let seven = _mm512_set1_epi16(7);
    let fifteen = _mm512_set1_epi16(15);
    let zero_high = _mm512_set1_epi16(0x8000u16 as i16);
    let half = _mm512_set1_epi16(128);
    let shift = _mm_cvtsi32_si128(shift);
    for s in 0..steps {
        let c = _mm512_cvtepu8_epi16(_mm256_loadu_si256(
            input.as_ptr().add(s * 32) as *const __m256i
        ));
        let m = _mm512_xor_si512(c, invert);
        let e = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(m, 4), seven), zero_high);
        let mantissa = _mm512_and_si512(m, fifteen);
        let odd = _mm512_add_epi16(
            _mm512_add_epi16(mantissa, mantissa),
            _mm512_shuffle_epi8(lead, e),
        );
        let magnitude = _mm512_sub_epi16(
            _mm512_sll_epi16(_mm512_mullo_epi16(odd, _mm512_shuffle_epi8(pow, e)), shift),
            bias,
        );
        let negative = _mm512_cmplt_epu16_mask(c, half);
        let value = _mm512_mask_sub_epi16(magnitude, negative, _mm512_setzero_si512(), magnitude);
        _mm512_storeu_si512(output.as_mut_ptr().add(s * 32) as *mut _, value);
    }
    let done = steps * 32;
    if alaw {
        scalar::decode_alaw(&input[done..n], &mut output[done..n]);
    } else {
        scalar::decode_ulaw(&input[done..n], &mut output[done..n]);
    }
}
