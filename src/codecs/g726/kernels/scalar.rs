//! Scalar FMULT/ACCUM and UPB: the reference the SIMD kernels match bit for bit.

use crate::codecs::g726::adpcm::{bit_length, log2_magnitude, to_float, RateTables};

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

/// The quantized difference signal of one sample, as the predictor update and the stored
/// signals take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signals {
    /// `DQ`, 16-bit two's complement (0 for either sign of a zero magnitude).
    pub(crate) dq: i32,
    /// `DQ + SEZ` in 16-bit two's complement (block ADDC).
    pub(crate) dqsez: i32,
    /// The sign of `DQ` (that of the codeword, also for a zero magnitude).
    pub(crate) dq_negative: bool,
    /// The magnitude of `DQ` (15 bits).
    pub(crate) dq_magnitude: i32,
    /// The reconstructed signal `SR = DQ + SE` (block ADDB), 16-bit two's complement.
    pub(crate) sr: i16,
}

impl Signals {
    /// The signals of a `DQ` with sign `dq_negative` and magnitude `dq_magnitude`, given the
    /// estimates `SEZ` and `SE` (16-bit words, signed).
    #[inline(always)]
    pub(crate) fn new(dq_negative: bool, dq_magnitude: i32, sez: i32, se: i32) -> Self {
        let dq = std::hint::select_unpredictable(dq_negative, -dq_magnitude, dq_magnitude) as i16;
        Signals {
            dq: dq as i32,
            dqsez: dq.wrapping_add(sez as i16) as i32,
            dq_negative,
            dq_magnitude,
            sr: dq.wrapping_add(se as i16),
        }
    }
}

/// Blocks UPB, UPA2 + LIMC and UPA1 + LIMD, as the Recommendation words them: the new
/// `B1..B6` (lanes 0..6), `A2` (lane 6) and `A1` (lane 7) after a sample whose quantized
/// difference is `dq` and whose `DQ + SEZ` is `dqsez` (both 16-bit, signed), with `pk` holding
/// the previous signs `PK1` (bit 0) and `PK2` (bit 1). Returns TONE (`A2 < -11776`, block
/// TONE's `A2 < -0.71875`).
#[inline(always)]
pub(crate) fn update_predictor(
    coef: &mut [i32; 8],
    hist: &[i32; 8],
    dq: i32,
    dqsez: i32,
    pk: u8,
    leak: u32,
) -> bool {
    // UPB: ±128 by the sign agreement of DQ with each stored DQ, none when DQ is 0; leak by
    // 2^-leak; 16-bit wrap.
    for i in 0..6 {
        let differ = ((hist[i] >> 10) & 1 != 0) != (dq < 0);
        let gain = match (dq == 0, differ) {
            (true, _) => 0,
            (false, true) => -128,
            (false, false) => 128,
        };
        coef[i] = (coef[i] + gain - (coef[i] >> leak)) as i16 as i32;
    }
    // UPA2, UPA1: no step when DQ + SEZ is 0 (SIGPK); PK0 is its sign.
    let pk0 = dqsez < 0;
    let pk1 = pk & 1 != 0;
    let pk2 = pk & 2 != 0;
    let (a2, a1) = (coef[6], coef[7]);
    let (a2_step, a1_step) = if dqsez == 0 {
        (0, 0)
    } else {
        let fa1 = 4 * a1.clamp(-8191, 8191);
        let fa = if pk0 != pk1 { fa1 } else { -fa1 };
        let base = if pk0 != pk2 { -16384 } else { 16384 };
        ((base + fa) >> 7, if pk0 != pk1 { -192 } else { 192 })
    };
    let a2p = (a2 + a2_step - (a2 >> 7)).clamp(-12288, 12288);
    let a1_limit = 15360 - a2p;
    let a1p = (a1 + a1_step - (a1 >> 8)).clamp(-a1_limit, a1_limit);
    coef[6] = a2p;
    coef[7] = a1p;
    a2p < -11776
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
