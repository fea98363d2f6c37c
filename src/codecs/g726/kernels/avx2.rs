//! AVX2 FMULT/ACCUM and UPB: the eight predictor products of a sample in one 8-lane pass.
//! Follows `scalar` operation for operation, so results are identical.

use std::arch::x86_64::*;

/// Calls `f` in a function compiled for AVX2 (with POPCNT, LZCNT, BMI1 and BMI2, which every
/// AVX2 CPU has and [`Avx2`](super::Avx2) checks): `f`'s body and the kernels it calls inline
/// here, and its scalar bit counts and shifts become single instructions.
///
/// # Safety
/// The CPU must support AVX2, POPCNT, LZCNT, BMI1 and BMI2.
#[target_feature(enable = "avx2,popcnt,lzcnt,bmi1,bmi2")]
pub(crate) unsafe fn run<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// See [`super::scalar::predict`].
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn predict(coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32) {
    // SAFETY: both arrays are 8 `i32`s (32 bytes); unaligned loads.
    let (c, v) = unsafe {
        (
            _mm256_loadu_si256(coef.as_ptr().cast()),
            _mm256_loadu_si256(hist.as_ptr().cast()),
        )
    };
    let zero = _mm256_setzero_si256();
    let sign = _mm256_srai_epi32(c, 31);
    let quarter = _mm256_srai_epi32(c, 2);
    let magnitude = _mm256_and_si256(
        _mm256_sub_epi32(_mm256_xor_si256(quarter, sign), sign),
        _mm256_set1_epi32(0x1FFF),
    );
    // Bit length from the float exponent (exact: magnitudes are below 2^13); 0 for 0.
    let float_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(magnitude));
    let exponent = _mm256_max_epi32(
        _mm256_sub_epi32(_mm256_srli_epi32(float_bits, 23), _mm256_set1_epi32(126)),
        zero,
    );
    let is_zero = _mm256_cmpeq_epi32(magnitude, zero);
    let mantissa = _mm256_or_si256(
        _mm256_srlv_epi32(_mm256_slli_epi32(magnitude, 6), exponent),
        _mm256_and_si256(is_zero, _mm256_set1_epi32(32)),
    );
    let value_exponent = _mm256_and_si256(_mm256_srli_epi32(v, 6), _mm256_set1_epi32(15));
    let value_mantissa = _mm256_and_si256(v, _mm256_set1_epi32(63));
    let product_exponent = _mm256_add_epi32(value_exponent, exponent);
    // Both mantissas are below 64: the 16-bit multiply is exact.
    let product_mantissa = _mm256_srli_epi32(
        _mm256_add_epi32(
            _mm256_mullo_epi16(value_mantissa, mantissa),
            _mm256_set1_epi32(rounding),
        ),
        4,
    );
    let product = _mm256_and_si256(
        _mm256_srlv_epi32(
            _mm256_slli_epi32(product_mantissa, 9),
            _mm256_sub_epi32(_mm256_set1_epi32(28), product_exponent),
        ),
        _mm256_set1_epi32(0x7FFF),
    );
    let negative = _mm256_xor_si256(
        _mm256_and_si256(_mm256_srli_epi32(v, 10), _mm256_set1_epi32(1)),
        _mm256_and_si256(sign, _mm256_set1_epi32(1)),
    );
    let signed = _mm256_add_epi32(
        _mm256_xor_si256(product, _mm256_sub_epi32(zero, negative)),
        negative,
    );
    // All eight lanes summed in registers (halves, then pairs, then the last two), and the
    // pole lanes 6 and 7 summed beside it: the zero section is their difference. The sums are
    // exact in `i32` (each product is below 2^15).
    let low = _mm256_castsi256_si128(signed);
    let high = _mm256_extracti128_si256::<1>(signed);
    let fours = _mm_add_epi32(low, high);
    let twos = _mm_add_epi32(fours, _mm_unpackhi_epi64(fours, fours));
    let all = _mm_cvtsi128_si32(_mm_add_epi32(twos, _mm_shuffle_epi32::<0b01>(twos)));
    let poles = _mm_add_epi32(high, _mm_shuffle_epi32::<0b11_11_11_11>(high));
    let poles = _mm_extract_epi32::<2>(poles);
    (all - poles, all)
}

/// See [`super::scalar::update_coefficients`]. One 32-byte store, so the next sample's load of
/// `coef` is forwarded from it without a stall.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn update_coefficients(
    coef: &mut [i32; 8],
    hist: &[i32; 8],
    dq_negative: bool,
    gain: i32,
    leak: u32,
    poles: [i32; 2],
) {
    // SAFETY: both arrays are 8 `i32`s.
    let (c, v) = unsafe {
        (
            _mm256_loadu_si256(coef.as_ptr().cast()),
            _mm256_loadu_si256(hist.as_ptr().cast()),
        )
    };
    let differ = _mm256_xor_si256(
        _mm256_and_si256(_mm256_srli_epi32(v, 10), _mm256_set1_epi32(1)),
        _mm256_set1_epi32(dq_negative as i32),
    );
    let g = _mm256_add_epi32(
        _mm256_xor_si256(
            _mm256_set1_epi32(gain),
            _mm256_sub_epi32(_mm256_setzero_si256(), differ),
        ),
        differ,
    );
    let leaked = _mm256_sra_epi32(c, _mm_cvtsi32_si128(leak as i32));
    let next = _mm256_sub_epi32(_mm256_add_epi32(c, g), leaked);
    // Wrap to 16 bits, sign-extended; then the pole coefficients into lanes 6 and 7.
    let next = _mm256_srai_epi32(_mm256_slli_epi32(next, 16), 16);
    let poles = _mm256_set_epi32(poles[1], poles[0], 0, 0, 0, 0, 0, 0);
    let next = _mm256_blend_epi32::<0b1100_0000>(next, poles);
    // SAFETY: `coef` is 8 `i32`s.
    unsafe { _mm256_storeu_si256(coef.as_mut_ptr().cast(), next) };
}

/// See [`super::scalar::push_history`]: a lane permutation and one 32-byte store.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn push_history(hist: &mut [i32; 8], dq: i32, sr: i32) {
    // SAFETY: `hist` is 8 `i32`s.
    let h = unsafe { _mm256_loadu_si256(hist.as_ptr().cast()) };
    // Lane i of the result takes lane INDEX[i] of `h`: [_, 0, 1, 2, 3, 4, 7, _].
    let shifted = _mm256_permutevar8x32_epi32(h, _mm256_set_epi32(0, 7, 4, 3, 2, 1, 0, 0));
    let ends = _mm256_set_epi32(sr, 0, 0, 0, 0, 0, 0, dq);
    let next = _mm256_blend_epi32::<0b1000_0001>(shifted, ends);
    // SAFETY: `hist` is 8 `i32`s.
    unsafe { _mm256_storeu_si256(hist.as_mut_ptr().cast(), next) };
}
