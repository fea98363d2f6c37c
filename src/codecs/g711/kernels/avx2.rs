//! AVX2 G.711 kernels. Encoding runs in 32-bit lanes, 16 samples per step; the segment is
//! the exponent of the magnitude converted to float (exact: magnitudes are below 2^13).
//! Decoding runs in 16-bit lanes, 16 codes per step, with `pshufb` tables for the
//! per-segment factors. Both compute exactly the integer formulas of `scalar`.

use std::arch::x86_64::*;

use super::scalar;
use crate::simd::SimdLevel;

/// Encodes with the ITU rule; falls back to scalar on a CPU without AVX2.
pub(crate) fn encode(alaw: bool, input: &[i16], output: &mut [u8]) {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return if alaw {
            scalar::encode_alaw(input, output)
        } else {
            scalar::encode_ulaw(input, output)
        };
    }
    // SAFETY: the CPU supports AVX2 (checked just above).
    unsafe { encode_avx2(alaw, input, output) }
}

/// Decodes; falls back to scalar on a CPU without AVX2.
pub(crate) fn decode(alaw: bool, input: &[u8], output: &mut [i16]) {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return if alaw {
            scalar::decode_alaw(input, output)
        } else {
            scalar::decode_ulaw(input, output)
        };
    }
    // SAFETY: the CPU supports AVX2 (checked just above).
    unsafe { decode_avx2(alaw, input, output) }
}

/// mu-law codes of 8 samples widened to i32 (see `scalar::ulaw_encode`).
#[inline(always)]
unsafe fn ulaw8(x: __m256i) -> __m256i {
    let negative = _mm256_srai_epi32(x, 31);
    let magnitude = _mm256_srai_epi32(_mm256_xor_si256(x, negative), 2);
    let biased = _mm256_min_epi32(
        _mm256_add_epi32(magnitude, _mm256_set1_epi32(33)),
        _mm256_set1_epi32(0x1FFF),
    );
    // Biased exponent of the float is 127 + bit_length - 1; segment = bit_length - 5.
    let exponent = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(biased)), 23);
    let segment = _mm256_sub_epi32(exponent, _mm256_set1_epi32(131));
    let level = _mm256_sub_epi32(
        _mm256_add_epi32(
            _mm256_slli_epi32(segment, 4),
            _mm256_srlv_epi32(biased, segment),
        ),
        _mm256_set1_epi32(32),
    );
    let flip = _mm256_xor_si256(
        _mm256_set1_epi32(0xFF),
        _mm256_and_si256(negative, _mm256_set1_epi32(0x80)),
    );
    _mm256_xor_si256(level, flip)
}

/// A-law codes of 8 samples widened to i32 (see `scalar::alaw_encode`).
#[inline(always)]
unsafe fn alaw8(x: __m256i) -> __m256i {
    let negative = _mm256_srai_epi32(x, 31);
    let magnitude = _mm256_srai_epi32(_mm256_xor_si256(x, negative), 4);
    // Exponent field of 0.0 is 0, which the max with 0 absorbs.
    let exponent = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(magnitude)), 23);
    let shift = _mm256_max_epi32(
        _mm256_sub_epi32(exponent, _mm256_set1_epi32(131)),
        _mm256_setzero_si256(),
    );
    let level = _mm256_add_epi32(
        _mm256_slli_epi32(shift, 4),
        _mm256_srlv_epi32(magnitude, shift),
    );
    let sign = _mm256_andnot_si256(negative, _mm256_set1_epi32(0x80));
    _mm256_xor_si256(_mm256_or_si256(level, sign), _mm256_set1_epi32(0x55))
}

#[target_feature(enable = "avx2")]
unsafe fn encode_avx2(alaw: bool, input: &[i16], output: &mut [u8]) {
    let n = input.len().min(output.len());
    let steps = n / 16;
    for s in 0..steps {
        let p = input.as_ptr().add(s * 16);
        let lo = _mm256_cvtepi16_epi32(_mm_loadu_si128(p as *const __m128i));
        let hi = _mm256_cvtepi16_epi32(_mm_loadu_si128(p.add(8) as *const __m128i));
        let (lo, hi) = if alaw {
            (alaw8(lo), alaw8(hi))
        } else {
            (ulaw8(lo), ulaw8(hi))
        };
        // Codes are 0..=255: the saturating packs are exact.
        let words = _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), 0b11_01_10_00);
        let bytes = _mm_packus_epi16(
            _mm256_castsi256_si128(words),
            _mm256_extracti128_si256(words, 1),
        );
        _mm_storeu_si128(output.as_mut_ptr().add(s * 16) as *mut __m128i, bytes);
    }
    let done = steps * 16;
    if alaw {
        scalar::encode_alaw(&input[done..n], &mut output[done..n]);
    } else {
        scalar::encode_ulaw(&input[done..n], &mut output[done..n]);
    }
}

/// A `pshufb` table of 8 byte entries, repeated in both 128-bit lanes.
#[inline(always)]
unsafe fn table8(t: [u8; 8]) -> __m256i {
    let mut b = [0u8; 32];
    b[..8].copy_from_slice(&t);
    b[16..24].copy_from_slice(&t);
    _mm256_loadu_si256(b.as_ptr() as *const __m256i)
}

#[target_feature(enable = "avx2")]
unsafe fn decode_avx2(alaw: bool, input: &[u8], output: &mut [i16]) {
    let n = input.len().min(output.len());
    let steps = n / 16;
    // Segment factors: mu-law 2^e; A-law 1,1,2,..,64 with the implicit leading 1 (33 vs 1).
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
    let bias = _mm256_set1_epi16(if alaw { 0 } else { 132 });
    let invert = _mm256_set1_epi16(invert);
    let seven = _mm256_set1_epi16(7);
    let fifteen = _mm256_set1_epi16(15);
    // High byte 0x80 makes `pshufb` write 0 there: the lookups yield 16-bit values.
    let zero_high = _mm256_set1_epi16(0x8000u16 as i16);
    let half = _mm256_set1_epi16(128);
    let shift = _mm_cvtsi32_si128(shift);
    for s in 0..steps {
        let c = _mm256_cvtepu8_epi16(_mm_loadu_si128(input.as_ptr().add(s * 16) as *const __m128i));
        let m = _mm256_xor_si256(c, invert);
        let e = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(m, 4), seven), zero_high);
        let mantissa = _mm256_and_si256(m, fifteen);
        let odd = _mm256_add_epi16(
            _mm256_add_epi16(mantissa, mantissa),
            _mm256_shuffle_epi8(lead, e),
        );
        let magnitude = _mm256_sub_epi16(
            _mm256_sll_epi16(_mm256_mullo_epi16(odd, _mm256_shuffle_epi8(pow, e)), shift),
            bias,
        );
        let negative = _mm256_cmpgt_epi16(half, c);
        let value = _mm256_sub_epi16(_mm256_xor_si256(magnitude, negative), negative);
        _mm256_storeu_si256(output.as_mut_ptr().add(s * 16) as *mut __m256i, value);
    }
    let done = steps * 16;
    if alaw {
        scalar::decode_alaw(&input[done..n], &mut output[done..n]);
    } else {
        scalar::decode_ulaw(&input[done..n], &mut output[done..n]);
    }
}
