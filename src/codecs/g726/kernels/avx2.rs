//! AVX2 FMULT/ACCUM and UPB: the eight predictor products of a sample in one 8-lane pass.
//! Follows `scalar` operation for operation, so results are identical.

use std::arch::x86_64::*;

use crate::codecs::g726::adpcm::RateTables;

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

/// [`run`] with AVX-512 F, VL, BW and DQ enabled too: the same kernels, but the compiler may
/// use 32 vector registers and the EVEX encodings, which spares the encoder's loop the
/// register spills it has with 16 (about 10% of its time).
///
/// # Safety
/// The CPU must support AVX2, POPCNT, LZCNT, BMI1, BMI2 and AVX-512 F, VL, BW, DQ.
#[target_feature(enable = "avx2,popcnt,lzcnt,bmi1,bmi2,avx512f,avx512vl,avx512bw,avx512dq")]
pub(crate) unsafe fn run_with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The predictor's products: the signed FMULT products by lane, and their total in every lane of
/// a 128-bit vector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sums {
    products: __m256i,
    total: __m128i,
}

impl Sums {
    /// Sums whose zero section totals `zeros` and whose eight products total `all` (for
    /// tests of the quantizer): the poles' share in lane 6.
    #[cfg(test)]
    pub(crate) fn of(zeros: i32, all: i32) -> Self {
        // SAFETY: AVX only (plain vector constructions).
        unsafe {
            Sums {
                products: _mm256_set_epi32(0, all - zeros, 0, 0, 0, 0, 0, zeros),
                total: _mm_set1_epi32(all),
            }
        }
    }
}

/// See [`super::scalar::predict`], for zeros in any form whose low 16 bits are theirs (see
/// [`update_predictor`]); the total is summed across lanes so that every lane holds it
/// (the encoder's quantizer compares it in all lanes at once).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn predict(coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> Sums {
    // SAFETY: both arrays are 8 `i32`s (32 bytes); unaligned loads.
    let (c, v) = unsafe {
        (
            _mm256_loadu_si256(coef.as_ptr().cast()),
            _mm256_loadu_si256(hist.as_ptr().cast()),
        )
    };
    // The coefficients are their low 16 bits (the zeros are kept unwrapped, see
    // `update_predictor`), so the top 14 bits come as a 13-bit magnitude from 16-bit lanes:
    // the arithmetic shift, then the magnitude (-2^13 from -2^15 maps to 0 with the mask,
    // which also clears the high halves).
    let sign = _mm256_srai_epi32(_mm256_slli_epi32(c, 16), 31);
    let magnitude = _mm256_and_si256(
        _mm256_abs_epi16(_mm256_srai_epi16(c, 2)),
        _mm256_set1_epi32(0x1FFF),
    );
    // Exponent and mantissa from the magnitude as an `f32` (exact below 2^24): the bit length
    // is the biased exponent less 126 (the saturating subtraction makes it 0 for 0), and the
    // six-bit mantissa is the leading one (bit 5, added below) over the top five fraction
    // bits (0 for 0, whose mantissa is 32, 1.0).
    let float_bits = _mm256_castps_si256(_mm256_cvtepi32_ps(magnitude));
    let exponent = _mm256_subs_epu16(_mm256_srli_epi32(float_bits, 23), _mm256_set1_epi32(126));
    let fraction = _mm256_and_si256(_mm256_srli_epi32(float_bits, 18), _mm256_set1_epi32(31));
    let value_exponent = _mm256_and_si256(_mm256_srli_epi32(v, 6), _mm256_set1_epi32(15));
    let value_mantissa = _mm256_and_si256(v, _mm256_set1_epi32(63));
    // 28 - (value exponent + coefficient exponent) is within 0..=28; `& 31` says so, which
    // lets the shift below be the bare instruction.
    let shift = _mm256_and_si256(
        _mm256_sub_epi32(
            _mm256_sub_epi32(_mm256_set1_epi32(28), exponent),
            value_exponent,
        ),
        _mm256_set1_epi32(31),
    );
    // The mantissas' product is the value mantissa times the fraction bits, plus 32 times
    // the value mantissa (the coefficient mantissa's leading one), which with the rounding is
    // known before the coefficients. Both factors are below 64: the 16-bit multiply is exact.
    let leading_one = _mm256_add_epi32(
        _mm256_slli_epi32(value_mantissa, 5),
        _mm256_set1_epi32(rounding),
    );
    let product_mantissa = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_mullo_epi16(value_mantissa, fraction), leading_one),
        4,
    );
    let product = _mm256_and_si256(
        _mm256_srlv_epi32(_mm256_slli_epi32(product_mantissa, 9), shift),
        _mm256_set1_epi32(0x7FFF),
    );
    // The product's sign: the stored float's sign bit (bit 10, moved to bit 31) against the
    // coefficient's. The word is never 0 (a float's mantissa has bit 5 set, and an all-ones
    // sign keeps the low bits set), so `sign_epi32` only negates or keeps.
    let products = _mm256_sign_epi32(product, _mm256_xor_si256(_mm256_slli_epi32(v, 21), sign));
    // All eight lanes summed into every lane of a 128-bit vector: within each half first
    // (pairs, then neighbours), then the two halves added, so that the one step across
    // 128-bit lanes (several cycles on some CPUs) comes last. The sums are exact in `i32`
    // (each product is below 2^15).
    let pairs = _mm256_add_epi32(products, _mm256_shuffle_epi32::<0b01_00_11_10>(products));
    let halves = _mm256_add_epi32(pairs, _mm256_shuffle_epi32::<0b10_11_00_01>(pairs));
    let total = _mm_add_epi32(
        _mm256_castsi256_si128(halves),
        _mm256_extracti128_si256::<1>(halves),
    );
    Sums { products, total }
}

/// See [`super::scalar::estimates`]: the zero section is the total less the pole lanes 6 and
/// 7.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn estimates(sums: Sums) -> (i32, i32) {
    let all = _mm_cvtsi128_si32(sums.total);
    let high = _mm256_extracti128_si256::<1>(sums.products);
    let poles = _mm_add_epi32(high, _mm_shuffle_epi32::<0b11_11_11_11>(high));
    let poles = _mm_extract_epi32::<2>(poles);
    super::scalar::estimates(all - poles, all)
}

/// The encoder's quantizer at one scale factor: the least `|D|` of each magnitude, less one,
/// and the `DQ` magnitude of each, from the row of
/// [`RateTables::quantizer_row`](crate::codecs::g726::adpcm::RateTables::quantizer_row).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantizer {
    /// Word `j` of the 16: one less than the least `|D|` whose normalized logarithm reaches
    /// decision level `j` (magnitude `j + 1`); past the rate's levels, above every `|D|`. All
    /// within `i16` (capped at `i16::MAX`), like `|D|` (at most 24575).
    below: [__m128i; 2],
    /// Word `j` of the 16: the `DQ` magnitude of magnitude `j`; past the rate's magnitudes,
    /// `u16::MAX`.
    dq_words: [__m128i; 2],
    /// ANTILOG of `DQLN + Y/4` by magnitude (8 or 16 of them).
    dq: &'static [u16],
}

impl Quantizer {
    /// The `DQ` magnitude of quantizer magnitude `magnitude`.
    #[inline(always)]
    pub(crate) fn dq_magnitude(&self, magnitude: usize) -> i32 {
        // The row has 8 or 16 entries and the magnitude is below that.
        self.dq[magnitude & (self.dq.len() - 1)] as i32
    }
}

/// The quantizer of `tables` at scale factor `y` (see [`Quantizer`]): one load per eight
/// bounds or eight `DQ` magnitudes.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn quantizer(tables: &RateTables, y: i32) -> Quantizer {
    let (bounds, dq) = tables.quantizer_row(y);
    let mut below = [_mm_set1_epi16(i16::MAX); 2];
    let mut dq_words = [_mm_set1_epi16(-1); 2];
    // Each row part has 8 entries per half (16 at 40 kbit/s).
    for half in 0..bounds.len() / 8 {
        // SAFETY: entries `8·half..8·half + 8` are within both row parts.
        unsafe {
            below[half] = _mm_loadu_si128(bounds.as_ptr().add(half * 8).cast());
            dq_words[half] = _mm_loadu_si128(dq.as_ptr().add(half * 8).cast());
        }
    }
    Quantizer {
        below,
        dq_words,
        dq,
    }
}

/// The quantized difference signal of one sample in vector form: each lane holds a signal in
/// its high 16 bits, whose sign and zeroness (of the whole lane) are the signal's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signals {
    /// What each predictor coefficient's update follows: `DQ` in lanes 0..6 (the zeros),
    /// `DQ + SEZ` (16-bit wrap) in lanes 6 and 7 (the poles); low halves 0.
    follows: __m256i,
    /// The signals to store: `DQ` in lane 0, whose low half is 1 for a positive zero (so that
    /// the sign of the lane less one is `DQ`'s sign, also for a zero magnitude), and `SR`
    /// (16-bit wrap) in lane 7, low half 0. Other lanes unused.
    stored: __m256i,
}

/// See [`super::scalar::quantize`] and [`super::scalar::Signals::new`], by comparing `|D|`
/// with the bounds of [`Quantizer`] in all lanes at once: the magnitude is the count of bounds
/// passed, and `DQ`'s magnitude the least of the `DQ` magnitudes of the bounds not passed (they
/// ascend), so that the signals follow from the comparison in vector registers. The sign of
/// `D` rides in the last lane's mask bits (a padding lane, never passed).
///
/// # Safety
/// The CPU must support AVX2 and POPCNT.
#[inline]
#[target_feature(enable = "avx2,popcnt")]
pub(crate) unsafe fn quantize(
    tables: &RateTables,
    quantizer: &Quantizer,
    sums: Sums,
    sl: i32,
) -> (usize, bool, Signals) {
    // SE: ACCUM's 16-bit word (the low half of the total's lanes), halved, in every word;
    // D = SL - SE in every word (SL has 14 bits and SE 15, so D and |D| fit in 16).
    let se = _mm_broadcastw_epi16(_mm_srai_epi16(sums.total, 1));
    let difference = _mm_sub_epi16(_mm_set1_epi16(sl as i16), se);
    let magnitude = _mm_abs_epi16(difference);
    // Eight bounds at a time in 16-bit lanes, whose byte mask (a short move from vector to
    // integer register, unlike the 256-bit one) has two bits per bound; D takes the padding
    // word 7, so that its sign is the mask's bit 15.
    let passed = |below: __m128i| _mm_cmpgt_epi16(magnitude, below);
    let last = if tables.levels() >= 8 { 1 } else { 0 };
    let passed_last = passed(quantizer.below[last]);
    let with_sign =
        _mm_movemask_epi8(_mm_blend_epi16::<0b1000_0000>(passed_last, difference)) as u32;
    let mut count = (with_sign & 0x3FFF).count_ones() / 2;
    // The DQ magnitudes of the bounds not passed (passed ones all ones).
    let mut not_passed = _mm_or_si128(passed_last, quantizer.dq_words[last]);
    if last == 1 {
        let passed_first = passed(quantizer.below[0]);
        count += (_mm_movemask_epi8(passed_first) as u32).count_ones() / 2;
        not_passed = _mm_min_epu16(
            not_passed,
            _mm_or_si128(passed_first, quantizer.dq_words[0]),
        );
    }
    // The least in word 0 (its index in word 1, shifted out).
    let dq_magnitude = _mm_slli_epi32(_mm_minpos_epu16(not_passed), 16);
    // DQ with the sign of D (a zero D counts positive; each 32-bit lane of `difference` is
    // D in both halves, so its sign and zeroness are D's). A zero magnitude is 0 whatever the
    // sign, and its lane less one negative: the codeword of a zero magnitude is negative
    // exactly at the rates where its DQ is 0 (those with a zero level).
    let dq = _mm256_broadcastd_epi32(_mm_sign_epi32(
        dq_magnitude,
        _mm_or_si128(difference, _mm_set1_epi32(1)),
    ));
    // SEZ (the total less the poles, lanes 6 and 7) and SE, halved 16-bit words in the high
    // halves (the 16-bit arithmetic shift leaves the low halves 0).
    let total = _mm256_broadcastsi128_si256(sums.total);
    let poles = _mm256_add_epi32(
        sums.products,
        _mm256_shuffle_epi32::<0b10_11_00_01>(sums.products),
    );
    let high_half = |x: __m256i| _mm256_srai_epi16(_mm256_slli_epi32(x, 16), 1);
    let sez = _mm256_and_si256(
        high_half(_mm256_sub_epi32(total, poles)),
        _mm256_set_epi32(-1, -1, 0, 0, 0, 0, 0, 0),
    );
    let se = _mm256_and_si256(high_half(total), _mm256_set_epi32(-1, 0, 0, 0, 0, 0, 0, 0));
    let signals = Signals {
        follows: _mm256_add_epi32(dq, sez),
        stored: _mm256_add_epi32(dq, se),
    };
    (count as usize, with_sign >> 15 != 0, signals)
}

/// See [`super::scalar::Signals::new`], in the form of [`Signals`].
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn signals(dq_negative: bool, dq_magnitude: i32, sez: i32, se: i32) -> Signals {
    let s = super::scalar::Signals::new(dq_negative, dq_magnitude, sez, se);
    let dq = s.dq << 16;
    let dqsez = s.dqsez << 16;
    // A positive zero: low half 1.
    let stored_dq = dq | (!dq_negative & (dq_magnitude == 0)) as i32;
    Signals {
        follows: _mm256_set_epi32(dqsez, dqsez, dq, dq, dq, dq, dq, dq),
        stored: _mm256_set_epi32((s.sr as i32) << 16, 0, 0, 0, 0, 0, 0, stored_dq),
    }
}

/// PK0, the sign of `DQ + SEZ`, from [`Signals`].
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn pk0(signals: &Signals) -> bool {
    _mm256_movemask_ps(_mm256_castsi256_ps(signals.follows)) & 1 << 7 != 0
}

/// Per `pk1 | pk2 << 1`: the pole lanes of the gain words before the sign of `DQ + SEZ` is
/// applied, `[16384·s2, 192·s1]` (UPA2's base and UPA1's step), and the sign FA takes in UPA2,
/// `-s1` in lane 6; `s1`, `s2` are +1 where `PK1`, `PK2` are 0 and -1 where they are 1.
const POLE_GAINS: [[[i32; 8]; 2]; 4] = {
    let mut table = [[[0; 8]; 2]; 4];
    let mut pk = 0;
    while pk < 4 {
        let s1 = if pk & 1 != 0 { -1 } else { 1 };
        let s2 = if pk & 2 != 0 { -1 } else { 1 };
        table[pk][0][6] = 16384 * s2;
        table[pk][0][7] = 192 * s1;
        table[pk][1][6] = -s1;
        pk += 1;
    }
    table
};

/// See [`super::scalar::update_predictor`]: UPB on lanes 0..6 and UPA2 + LIMC, UPA1 + LIMD on
/// lanes 6 and 7 in one pass. Every lane's step is a gain word signed by the new signal it
/// follows (`DQ` for the zeros, `DQ + SEZ` for the poles: a zero sign gives no step, as UPB and
/// UPA1/UPA2 want), so one `sign` serves all eight. The zeros `B1..B6` are stored before
/// their wrap to 16 bits (17 bits), and taken in any form whose low 16 bits are theirs; the
/// wrap is made on the way into [`predict`] and into the next update, off the dependency chain
/// from the signals to the next prediction. The stored floats of `hist` must have their
/// mantissa's leading one (bit 5), as FLOATA/FLOATB make them, and the poles within the range
/// LIMC and LIMD keep them (`|A2| <= 12288`, `|A1| <= 15360 - A2`). Returns TONE
/// (`A2 < -11776`).
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn update_predictor(
    coef: &mut [i32; 8],
    hist: &[i32; 8],
    signals: &Signals,
    pk: u8,
    leak: u32,
) -> bool {
    // SAFETY: all arrays are 8 `i32`s; unaligned loads.
    let (unwrapped, v, pole_gain, fa_sign) = unsafe {
        let row = &POLE_GAINS[pk as usize & 3];
        (
            _mm256_loadu_si256(coef.as_ptr().cast()),
            _mm256_loadu_si256(hist.as_ptr().cast()),
            _mm256_loadu_si256(row[0].as_ptr().cast()),
            _mm256_loadu_si256(row[1].as_ptr().cast()),
        )
    };
    // The zeros as 16-bit values (see below).
    let c = _mm256_srai_epi32(_mm256_slli_epi32(unwrapped, 16), 16);
    // The signal each lane follows, as a word whose sign and zeroness are the signal's: DQ
    // in lanes 0..6, DQ + SEZ in lanes 6 and 7.
    let follows = signals.follows;
    // Zeros: ±128 by the stored DQ's sign (bit 10 moved to bit 31; the word is never 0, a
    // float's mantissa having bit 5 set).
    let zero_gain = _mm256_sign_epi32(_mm256_set1_epi32(128), _mm256_slli_epi32(v, 21));
    // A2: 16384·s2 + FA, FA = -s1·4·A1 (A1 limited to ±8191), shifted by 7 after its sign.
    let a1 = _mm256_shuffle_epi32::<0b11_11_11_11>(c);
    let fa1 = _mm256_slli_epi32(
        _mm256_min_epi32(
            _mm256_max_epi32(a1, _mm256_set1_epi32(-8191)),
            _mm256_set1_epi32(8191),
        ),
        2,
    );
    let pole_gain = _mm256_add_epi32(pole_gain, _mm256_sign_epi32(fa1, fa_sign));
    let gain = _mm256_blend_epi32::<0b1100_0000>(zero_gain, pole_gain);
    let step = _mm256_srav_epi32(
        _mm256_sign_epi32(gain, follows),
        _mm256_set_epi32(0, 7, 0, 0, 0, 0, 0, 0),
    );
    let leak = leak as i32;
    let leaked = _mm256_srav_epi32(
        c,
        _mm256_set_epi32(8, 7, leak, leak, leak, leak, leak, leak),
    );
    let next = _mm256_add_epi32(_mm256_sub_epi32(c, leaked), step);
    // TONE from A2 before its limits (LIMC cannot move it across -11776, its lower limit
    // being below): the speed control, and through it the next scale factor, waits on it.
    let tone = _mm256_cmpgt_epi32(_mm256_set1_epi32(-11776), next);
    // The zeros are stored without their wrap to 16 bits (at most 17 bits), which FMULT and
    // the next update make on the way in: the wrap is then off the loop's longest dependency
    // chain, which runs from the signals through this update to the next prediction. The
    // poles stay within 16 bits (|A2| <= 12288 + 383 and |A1| <= 27648 + 192 before their
    // limits). LIMC on lane 6, then LIMD on lane 7: |A1| <= 15360 - A2 (A2 moved to lane 7;
    // the limits of the other lanes are out of reach).
    let next = _mm256_min_epi32(
        _mm256_max_epi32(next, pole_lanes(-OUT_OF_REACH, -12288, -OUT_OF_REACH)),
        pole_lanes(OUT_OF_REACH, 12288, OUT_OF_REACH),
    );
    let a2 = _mm256_shuffle_epi32::<0b10_10_01_00>(next);
    let reach = pole_lanes(OUT_OF_REACH, OUT_OF_REACH, 15360);
    let next = _mm256_min_epi32(
        _mm256_max_epi32(next, _mm256_sub_epi32(a2, reach)),
        _mm256_sub_epi32(reach, a2),
    );
    // SAFETY: `coef` is 8 `i32`s.
    unsafe { _mm256_storeu_si256(coef.as_mut_ptr().cast(), next) };
    _mm256_movemask_ps(_mm256_castsi256_ps(tone)) & 1 << 6 != 0
}

/// A limit no coefficient reaches, stored form included (17 bits at most).
const OUT_OF_REACH: i32 = 1 << 20;

/// `others` in lanes 0..6 (the zeros), `a2` in lane 6 and `a1` in lane 7.
#[inline]
#[target_feature(enable = "avx2")]
fn pole_lanes(others: i32, a2: i32, a1: i32) -> __m256i {
    _mm256_set_epi32(a1, a2, others, others, others, others, others, others)
}

/// See [`super::scalar::push_signals`]: both floats in one pass over the vector of
/// [`Signals::stored`] (lanes 0 and 7), then a lane permutation of the history and one 32-byte
/// store.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn push_signals(hist: &mut [i32; 8], signals: &Signals) {
    let signals = signals.stored;
    // 15-bit magnitudes (-32768 has magnitude 0, as in FLOATB).
    let magnitude = _mm256_and_si256(
        _mm256_srli_epi32(_mm256_abs_epi32(signals), 16),
        _mm256_set1_epi32(0x7FFF),
    );
    // The signs (of lane 0 less one, of lane 7 itself: see `Signals::stored`) to bit 10.
    let sign = _mm256_and_si256(
        _mm256_srli_epi32(
            _mm256_sub_epi32(signals, _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, 1)),
            21,
        ),
        _mm256_set1_epi32(1 << 10),
    );
    let floats = _mm256_or_si256(to_float_unsigned(magnitude), sign);
    // SAFETY: `hist` is 8 `i32`s.
    let h = unsafe { _mm256_loadu_si256(hist.as_ptr().cast()) };
    // Lane i of the result takes lane INDEX[i] of `h`: [_, 0, 1, 2, 3, 4, 7, _].
    let shifted = _mm256_permutevar8x32_epi32(h, _mm256_set_epi32(0, 7, 4, 3, 2, 1, 0, 0));
    let next = _mm256_blend_epi32::<0b1000_0001>(shifted, floats);
    // SAFETY: `hist` is 8 `i32`s.
    unsafe { _mm256_storeu_si256(hist.as_mut_ptr().cast(), next) };
}

/// FLOATA/FLOATB without the sign, of magnitudes below 2^15. From the bits of the magnitude
/// as an `f32` (exact): `t = bits >> 18` is the biased exponent `E` times 32 plus the five
/// fraction bits below the leading one, so `t + (t & !31)` is `E·64` plus them; less
/// `(2·126 - 1)·32` that is `bit length·64 + 32 + fraction`, the float with its mantissa's
/// leading one in bit 5. Zero comes out negative, and the maximum with 32 makes it FLOATA/
/// FLOATB's zero (mantissa 32, exponent 0).
#[inline]
#[target_feature(enable = "avx2")]
fn to_float_unsigned(magnitude: __m256i) -> __m256i {
    let t = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(magnitude)), 18);
    let float = _mm256_add_epi32(
        _mm256_add_epi32(t, _mm256_and_si256(t, _mm256_set1_epi32(!31))),
        _mm256_set1_epi32(-(2 * 126 - 1) * 32),
    );
    _mm256_max_epi32(float, _mm256_set1_epi32(32))
}
