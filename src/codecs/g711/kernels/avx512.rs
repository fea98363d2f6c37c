//! AVX-512 G.711 kernels (F, BW, DQ, VL), all in 32 x 16-bit lanes: encoding finds the
//! segment with a 64-entry `vpermt2w` table and shifts with `vpsrlvw`; decoding uses the
//! AVX2 formulas with a mask register for the sign.

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

/// Bit length of `i` (0 for 0).
const fn bit_length(i: u16) -> u16 {
    16 - i.leading_zeros() as u16
}

/// Segment of a biased mu-law magnitude `b` (33..=8191), indexed by
/// `min(b >> 5, 7) + (b >> 8)`: `bit_length(b) - 5` in 64 16-bit entries.
const ULAW_SEGMENT: [u16; 64] = {
    let mut t = [0u16; 64];
    let mut i = 1;
    while i < 64 {
        t[i] = if i <= 7 {
            bit_length(i as u16)
        } else if i <= 38 {
            bit_length(i as u16 - 7) + 3
        } else {
            8
        };
        i += 1;
    }
    t
};

/// Exponent of an A-law magnitude `m` (0..=2047), indexed by `m >> 5`: `bit_length(m >> 5)`.
const ALAW_EXPONENT: [u16; 64] = {
    let mut t = [0u16; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = bit_length(i as u16);
        i += 1;
    }
    t
};

/// Two 32-entry halves of a 64-entry `vpermt2w` table.
#[inline(always)]
unsafe fn table64(t: &[u16; 64]) -> (__m512i, __m512i) {
    (
        _mm512_loadu_si512(t.as_ptr() as *const _),
        _mm512_loadu_si512(t.as_ptr().add(32) as *const _),
    )
}

/// mu-law codes of 32 samples, one per 16-bit lane (see `scalar::ulaw_encode`); the segment
/// comes from a 64-entry table lookup instead of a bit scan.
#[inline(always)]
unsafe fn ulaw32(x: __m512i, table: (__m512i, __m512i)) -> __m512i {
    let negative = _mm512_srai_epi16(x, 15);
    let magnitude = _mm512_srai_epi16(_mm512_xor_si512(x, negative), 2);
    let biased = _mm512_min_epi16(
        _mm512_add_epi16(magnitude, _mm512_set1_epi16(33)),
        _mm512_set1_epi16(0x1FFF),
    );
    let index = _mm512_add_epi16(
        _mm512_min_epi16(_mm512_srli_epi16(biased, 5), _mm512_set1_epi16(7)),
        _mm512_srli_epi16(biased, 8),
    );
    let segment = _mm512_permutex2var_epi16(table.0, index, table.1);
    let level = _mm512_sub_epi16(
        _mm512_add_epi16(
            _mm512_slli_epi16(segment, 4),
            _mm512_srlv_epi16(biased, segment),
        ),
        _mm512_set1_epi16(32),
    );
    let flip = _mm512_xor_si512(
        _mm512_set1_epi16(0xFF),
        _mm512_and_si512(negative, _mm512_set1_epi16(0x80)),
    );
    _mm512_xor_si512(level, flip)
}

/// A-law codes of 32 samples, one per 16-bit lane (see `scalar::alaw_encode`).
#[inline(always)]
unsafe fn alaw32(x: __m512i, table: (__m512i, __m512i)) -> __m512i {
    let negative = _mm512_srai_epi16(x, 15);
    let magnitude = _mm512_srli_epi16(_mm512_xor_si512(x, negative), 4);
    let exponent = _mm512_permutex2var_epi16(table.0, _mm512_srli_epi16(magnitude, 5), table.1);
    let level = _mm512_add_epi16(
        _mm512_slli_epi16(exponent, 4),
        _mm512_srlv_epi16(magnitude, exponent),
    );
    let sign = _mm512_andnot_si512(negative, _mm512_set1_epi16(0x80));
    _mm512_xor_si512(_mm512_or_si512(level, sign), _mm512_set1_epi16(0x55))
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2")]
unsafe fn encode_avx512(alaw: bool, input: &[i16], output: &mut [u8]) {
    let n = input.len().min(output.len());
    let steps = n / 64;
    let table = table64(if alaw { &ALAW_EXPONENT } else { &ULAW_SEGMENT });
    for s in 0..steps {
        let p = input.as_ptr().add(s * 64);
        let a = _mm512_loadu_si512(p as *const _);
        let b = _mm512_loadu_si512(p.add(32) as *const _);
        let (a, b) = if alaw {
            (alaw32(a, table), alaw32(b, table))
        } else {
            (ulaw32(a, table), ulaw32(b, table))
        };
        // Codes are 0..=255 in each 16-bit lane: truncating to bytes is exact.
        let out = output.as_mut_ptr().add(s * 64);
        _mm256_storeu_si256(out as *mut __m256i, _mm512_cvtepi16_epi8(a));
        _mm256_storeu_si256(out.add(32) as *mut __m256i, _mm512_cvtepi16_epi8(b));
    }
    let done = steps * 64;
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
