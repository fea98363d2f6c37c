//! Scalar FMULT/ACCUM and UPB: the reference the SIMD kernels match bit for bit.

use crate::codecs::g726::adpcm::{
    bit_length, clamp_unpredictable, log2_magnitude, to_float, RateTables,
};

/// Block FMULT: a predictor coefficient (16-bit two's complement) times a stored float, as a
/// two's complement product in -32767..=32767 (the caller wraps sums to 16 bits). `rounding`
/// is the Recommendation's 48 (libsndfile: 0). Branch-free: it runs 8 times per sample.
#[inline(always)]
pub(crate) fn float_multiply(coefficient: i32, value: i32, rounding: i32) -> i32 {
    // The coefficient's sign (0 or -1) and its top 14 bits as a 13-bit magnitude (-2^15 maps
    // to 0: the word is 13 bits).
    let coef_sign = coefficient >> 31;
    let magnitude = (((coefficient >> 2) ^ coef_sign) - coef_sign) & 0x1FFF;
    let exponent = bit_length(magnitude);
    let mantissa = ((magnitude << 6) >> exponent) | (((magnitude == 0) as i32) << 5);
    let product_exponent = ((value >> 6) & 15) + exponent; // 0..=28
    let product_mantissa = ((value & 63) * mantissa + rounding) >> 4; // < 2^8
                                                                      // (m << 7) >> (26 - e) for e <= 26, ((m << 7) << (e - 26)) mod 2^15 above: one shift.
    let product = ((product_mantissa << 9) >> (28 - product_exponent)) & 0x7FFF;
    let negative = ((value >> 10) & 1) ^ (coef_sign & 1);
    (product ^ -negative) + negative
}

/// The eight FMULT products summed: `(B1·DQ1 + … + B6·DQ6, that + A2·SR2 + A1·SR1)`, each
/// exact in `i32` (callers wrap them to 16 bits).
#[inline(always)]
pub(crate) fn predict(coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32) {
    let mut zeros = 0;
    for i in 0..6 {
        zeros += float_multiply(coef[i], hist[i], rounding);
    }
    let all = zeros
        + float_multiply(coef[6], hist[6], rounding)
        + float_multiply(coef[7], hist[7], rounding);
    (zeros, all)
}

/// ACCUM's 16-bit words of the sums of [`predict`], halved: `(SEZ, SE)`.
#[inline(always)]
pub(crate) fn estimates(zeros: i32, all: i32) -> (i32, i32) {
    (((zeros as i16) >> 1) as i32, ((all as i16) >> 1) as i32)
}

/// Blocks LOG, SUBTB and QUAN: the difference signal `D` to the quantizer magnitude (how many
/// decision levels its normalized logarithm reaches) and its sign, at scale factor `y`.
#[inline(always)]
pub(crate) fn quantize(tables: &RateTables, y: i32, difference: i32) -> (usize, bool) {
    let (dl, negative) = log2_magnitude(difference);
    (tables.quantized_magnitude(dl - (y >> 2)), negative)
}

/// Blocks UPA2 + LIMC and UPA1 + LIMD: the updated `[A2, A1]` for each sign class of the new
/// `DQ + SEZ` (negative, zero, positive: see [`pole_class`]), given the current `A2 = coef[6]`,
/// `A1 = coef[7]` and the previous signs `pk1`, `pk2`; and the tone bits (`A2 < -0.71875`, bit
/// `class`) of the three. Computed before `DQ + SEZ` is known, so that picking one is all that
/// is left on the chain from the codeword to the next estimate.
#[inline(always)]
pub(crate) fn pole_candidates(coef: &[i32; 8], pk1: bool, pk2: bool) -> ([[i32; 2]; 3], u32) {
    let a2 = coef[6];
    let a1 = coef[7];
    let fa1 = 4 * clamp_unpredictable(a1, -8191, 8191);
    let mut poles = [[0; 2]; 3];
    let mut tones = 0;
    for (class, pair) in poles.iter_mut().enumerate() {
        let pk0 = class == 0;
        let sigpk = class == 1;
        // The updates of both poles are zero when DQ + SEZ is.
        let fa = if pk0 != pk1 { fa1 } else { -fa1 };
        let base = if pk0 != pk2 { -16384 } else { 16384 };
        let a2_update = if sigpk { 0 } else { (base + fa) >> 7 };
        let a2p = clamp_unpredictable(a2 + a2_update - (a2 >> 7), -12288, 12288);
        let a1_update = if sigpk {
            0
        } else if pk0 != pk1 {
            -192
        } else {
            192
        };
        let a1_limit = 15360 - a2p;
        let a1p = clamp_unpredictable(a1 + a1_update - (a1 >> 8), -a1_limit, a1_limit);
        *pair = [a2p, a1p];
        tones |= ((a2p < -11776) as u32) << class;
    }
    (poles, tones)
}

/// The class of `DQ + SEZ` (16-bit) that [`pole_candidates`] orders by: 0 negative, 1 zero,
/// 2 positive.
#[inline(always)]
pub(crate) fn pole_class(dqsez: i16) -> usize {
    ((dqsez > 0) as i32 - (dqsez < 0) as i32 + 1) as usize
}

/// Block UPB on `B1..B6` (lanes 0..6): leak by `2^-leak`, then `±gain` by the sign agreement of
/// each stored `DQ(k-i)` with the new `DQ`, wrapped to 16 bits; lanes 6 and 7 take the new
/// `[A2, A1]`.
#[inline(always)]
pub(crate) fn update_coefficients(
    coef: &mut [i32; 8],
    hist: &[i32; 8],
    dq_negative: bool,
    gain: i32,
    leak: u32,
    poles: [i32; 2],
) {
    for i in 0..6 {
        let differ = ((hist[i] >> 10) & 1) ^ dq_negative as i32;
        let g = (gain ^ -differ) + differ;
        coef[i] = (coef[i] + g - (coef[i] >> leak)) as i16 as i32;
    }
    coef[6] = poles[0];
    coef[7] = poles[1];
}

/// Shifts the stored floats: `DQ(k)` in front of `DQ(k-1)..DQ(k-5)`, `SR(k-1)` becomes
/// `SR(k-2)` and `SR(k)` the new `SR(k-1)`.
#[inline(always)]
pub(crate) fn push_history(hist: &mut [i32; 8], dq: i32, sr: i32) {
    let h = *hist;
    *hist = [dq, h[0], h[1], h[2], h[3], h[4], h[7], sr];
}

/// Blocks FLOATA and FLOATB, then [`push_history`]: the new `DQ` (its sign and 15-bit
/// magnitude) and `SR` (16-bit two's complement) as floats into the stored signals.
#[inline(always)]
pub(crate) fn push_signals(hist: &mut [i32; 8], dq_negative: bool, dq_magnitude: i32, sr: i16) {
    let sr = sr as i32;
    let sr_magnitude = std::hint::select_unpredictable(sr < 0, (-sr) & 0x7FFF, sr);
    push_history(
        hist,
        to_float(dq_negative, dq_magnitude) as i32,
        to_float(sr < 0, sr_magnitude) as i32,
    );
}
