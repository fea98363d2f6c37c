//! The G.726 adaptive quantizer and predictor (ITU-T G.726 §4.2, blocks 4.2.2–4.2.7).
//!
//! Every quantity keeps the word length the Recommendation gives it. The arithmetic is written
//! with signed integers where the Recommendation's modular words cannot overflow (the ranges are
//! noted), and with explicit 16-bit wrapping where they can (the predictor sums, `SR`, `DQ+SEZ`).

use super::Rate;

/// A 4-bit-exponent, 6-bit-mantissa float with a sign bit (bit 10): the format of the stored
/// `DQ(k-n)` and `SR(k-n)` (blocks FLOATA/FLOATB).
type Float11 = u16;

/// The float for +0 (exponent 0, mantissa 32): the reset value of every stored signal.
const FLOAT_ZERO: Float11 = 32;

/// Reset value of the slow scale factor `YL` (19 bits).
const YL_RESET: i32 = 34816;
/// Lower and upper limits of the fast scale factor `YU` (block LIMB); `YU` resets to the lower.
const YU_MIN: i32 = 544;
const YU_MAX: i32 = 5120;

/// Number of significant bits of a non-negative value (0 for 0).
#[inline]
fn bit_length(x: i32) -> i32 {
    32 - (x as u32).leading_zeros() as i32
}

/// Blocks FLOATA/FLOATB: a sign and a 15-bit magnitude to the 11-bit float.
#[inline]
fn to_float(negative: bool, magnitude: i32) -> Float11 {
    let exponent = bit_length(magnitude);
    let mantissa = if magnitude == 0 {
        32
    } else {
        (magnitude << 6) >> exponent
    };
    ((negative as i32) << 10 | exponent << 6 | mantissa) as Float11
}

/// Block FMULT: a predictor coefficient (16-bit two's complement) times a stored float, as a
/// 16-bit two's complement product. `rounding` is the Recommendation's 48 (libsndfile: 0).
#[inline]
fn float_multiply(coefficient: i32, value: Float11, rounding: i32) -> i16 {
    let coef_negative = coefficient < 0;
    // The coefficient's top 14 bits as a 13-bit magnitude (-2 maps to 0: the word is 13 bits).
    let magnitude = if coef_negative {
        (-(coefficient >> 2)) & 0x1FFF
    } else {
        coefficient >> 2
    };
    let exponent = bit_length(magnitude);
    let mantissa = if magnitude == 0 {
        32
    } else {
        (magnitude << 6) >> exponent
    };
    let value = value as i32;
    let product_exponent = ((value >> 6) & 15) + exponent;
    let product_mantissa = ((value & 63) * mantissa + rounding) >> 4;
    let product = if product_exponent <= 26 {
        (product_mantissa << 7) >> (26 - product_exponent)
    } else {
        ((product_mantissa << 7) << (product_exponent - 26)) & 0x7FFF
    };
    let negative = ((value >> 10) & 1 == 1) != coef_negative;
    (if negative { -product } else { product }) as i16
}

/// Block LOG: a difference signal to its sign and 11-bit logarithm (4-bit exponent, 7-bit
/// mantissa).
#[inline]
fn log2_magnitude(difference: i32) -> (i32, bool) {
    let magnitude = difference.abs();
    let exponent = (bit_length(magnitude) - 1).max(0);
    let mantissa = ((magnitude << 7) >> exponent) & 127;
    ((exponent << 7) + mantissa, difference < 0)
}

/// Per-rate tables of Tables 1–4/G.726 (quantizer decision levels and the maps of the
/// quantizer output to `DQLN`, `W(I)` and `F(I)`).
pub(crate) struct RateTables {
    /// Bits per codeword.
    pub bits: u32,
    /// Lower edges of `|I|` = 1, 2, ... on the normalized log scale `DLN` (signed).
    decision: &'static [i16],
    /// Reconstruction `DQLN` (12-bit two's complement, signed here) by magnitude index.
    reconstruction: &'static [i16],
    /// Scale factor multiplier `W` (signed) by magnitude index.
    scale_multiplier: &'static [i16],
    /// Speed control `F` by magnitude index.
    speed: &'static [u8],
    /// Whether magnitude 0 is sent as the all-ones code (every rate but 16 kbit/s: G.726 has no
    /// all-zeros codeword there).
    zero_as_all_ones: bool,
    /// Leak shift of the sixth-order predictor coefficients (block UPB).
    zero_leak: u32,
}

const TABLES_16: RateTables = RateTables {
    bits: 2,
    decision: &[261],
    reconstruction: &[116, 365],
    scale_multiplier: &[-22, 439],
    speed: &[0, 7],
    zero_as_all_ones: false,
    zero_leak: 8,
};
const TABLES_24: RateTables = RateTables {
    bits: 3,
    decision: &[8, 218, 331],
    reconstruction: &[-2048, 135, 273, 373],
    scale_multiplier: &[-4, 30, 137, 582],
    speed: &[0, 1, 2, 7],
    zero_as_all_ones: true,
    zero_leak: 8,
};
const TABLES_32: RateTables = RateTables {
    bits: 4,
    decision: &[-124, 80, 178, 246, 300, 349, 400],
    reconstruction: &[-2048, 4, 135, 213, 273, 323, 373, 425],
    scale_multiplier: &[-12, 18, 41, 64, 112, 198, 355, 1122],
    speed: &[0, 0, 0, 1, 1, 1, 3, 7],
    zero_as_all_ones: true,
    zero_leak: 8,
};
const TABLES_40: RateTables = RateTables {
    bits: 5,
    decision: &[
        -122, -16, 68, 139, 198, 250, 298, 339, 378, 413, 445, 475, 502, 528, 553,
    ],
    reconstruction: &[
        -2048, -66, 28, 104, 169, 224, 274, 318, 358, 395, 429, 459, 488, 514, 539, 566,
    ],
    scale_multiplier: &[
        14, 14, 24, 39, 40, 41, 58, 100, 141, 179, 219, 280, 358, 440, 529, 696,
    ],
    speed: &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6],
    zero_as_all_ones: true,
    zero_leak: 9,
};

impl RateTables {
    pub(crate) fn of(rate: Rate) -> &'static RateTables {
        match rate {
            Rate::Kbps16 => &TABLES_16,
            Rate::Kbps24 => &TABLES_24,
            Rate::Kbps32 => &TABLES_32,
            Rate::Kbps40 => &TABLES_40,
        }
    }

    /// The code of the top (sign) bit.
    #[inline]
    fn sign_bit(&self) -> u8 {
        1 << (self.bits - 1)
    }

    /// Block QUAN: the normalized log difference `DLN` (signed) and its sign to a codeword.
    #[inline]
    pub(crate) fn quantize(&self, dln: i32, negative: bool) -> u8 {
        let magnitude = self
            .decision
            .iter()
            .take_while(|&&d| dln >= d as i32)
            .count() as u8;
        let all_ones = ((1u32 << self.bits) - 1) as u8;
        if magnitude == 0 && self.zero_as_all_ones {
            all_ones
        } else if negative {
            all_ones - magnitude
        } else {
            magnitude
        }
    }

    /// The magnitude index of a codeword (its position in Tables 1–4).
    #[inline]
    fn magnitude(&self, code: u8) -> usize {
        let all_ones = ((1u32 << self.bits) - 1) as u8;
        let code = code & all_ones;
        (if code & self.sign_bit() != 0 {
            all_ones - code
        } else {
            code
        }) as usize
            & (self.sign_bit() as usize - 1)
    }

    /// The codeword's rank on the signed quantizer scale (most negative first), as the
    /// synchronous coding adjustment compares codewords (Tables 16–19/G.726).
    #[inline]
    pub(crate) fn rank(&self, code: u8) -> u8 {
        let half = self.sign_bit();
        if code & half != 0 {
            code & (half - 1)
        } else {
            code + half
        }
    }
}

/// The adaptive state of one G.726 coder (encoder or decoder), as in Figure 4/G.726.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdpcmState {
    /// Slow (locked) quantizer scale factor `YL`, 19 bits.
    yl: i32,
    /// Fast (unlocked) quantizer scale factor `YU`, 13 bits.
    yu: i32,
    /// Short- and long-term averages of `F(I)` (`DMS`, 12 bits; `DML`, 14 bits).
    dms: i32,
    dml: i32,
    /// Speed control parameter `AP`, 10 bits.
    ap: i32,
    /// Second-order predictor coefficients `A1`, `A2` (16-bit two's complement).
    a1: i32,
    a2: i32,
    /// Sixth-order predictor coefficients `B1..B6`.
    b: [i32; 6],
    /// Signs of `DQ + SEZ` for the last two samples (`PK1`, `PK2`).
    pk: [bool; 2],
    /// Tone detector output `TD`.
    td: bool,
    /// Reconstructed signal `SR(k-1)`, `SR(k-2)` as floats.
    sr: [Float11; 2],
    /// Quantized difference `DQ(k-1)..DQ(k-6)` as floats.
    dq: [Float11; 6],
    /// The rounding term of FMULT (48 in G.726; 0 in libsndfile's variant). Kept by reset.
    rounding: i32,
}

impl Default for AdpcmState {
    fn default() -> Self {
        Self {
            yl: YL_RESET,
            yu: YU_MIN,
            dms: 0,
            dml: 0,
            ap: 0,
            a1: 0,
            a2: 0,
            b: [0; 6],
            pk: [false; 2],
            td: false,
            sr: [FLOAT_ZERO; 2],
            dq: [FLOAT_ZERO; 6],
            rounding: 48,
        }
    }
}

/// What one step of the coder computed before its state update, needed by the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Estimate {
    /// Signal estimate `SE` (15-bit two's complement, signed here).
    pub se: i32,
    /// Partial (zero-section) estimate `SEZ`.
    sez: i32,
    /// Quantizer scale factor `Y` (13 bits).
    pub y: i32,
}

impl AdpcmState {
    /// The reset state of the given dialect.
    pub(crate) fn new(dialect: super::Dialect) -> Self {
        Self {
            rounding: match dialect {
                super::Dialect::Itu => 48,
                super::Dialect::Libsndfile => 0,
            },
            ..Self::default()
        }
    }

    /// Whether this is libsndfile's dialect.
    #[inline]
    pub(crate) fn is_libsndfile(&self) -> bool {
        self.rounding == 0
    }

    /// Returns to the reset state, keeping the dialect.
    pub(crate) fn reset(&mut self) {
        *self = Self {
            rounding: self.rounding,
            ..Self::default()
        };
    }

    /// Blocks FMULT and ACCUM, then MIX: the signal estimate and scale factor for the next sample.
    #[inline]
    pub(crate) fn estimate(&self) -> Estimate {
        let mut sezi: i16 = 0;
        for (&b, &dq) in self.b.iter().zip(&self.dq) {
            sezi = sezi.wrapping_add(float_multiply(b, dq, self.rounding));
        }
        let sei = sezi
            .wrapping_add(float_multiply(self.a2, self.sr[1], self.rounding))
            .wrapping_add(float_multiply(self.a1, self.sr[0], self.rounding));
        // LIMA + MIX: blend the fast and slow scale factors by the speed control.
        let al = if self.ap >= 256 { 64 } else { self.ap >> 2 };
        let ylp = self.yl >> 6;
        let dif = self.yu - ylp;
        let y = if dif >= 0 {
            ylp + ((dif * al) >> 6)
        } else {
            ylp - ((-dif * al) >> 6)
        };
        Estimate {
            se: (sei >> 1) as i32,
            sez: (sezi >> 1) as i32,
            y,
        }
    }

    /// Blocks RECONST, ADDA, ANTILOG: the codeword to the quantized difference (sign, 15-bit
    /// magnitude).
    #[inline]
    fn inverse_quantize(tables: &RateTables, code: u8, y: i32) -> (bool, i32) {
        let negative = code & tables.sign_bit() != 0;
        let dql = tables.reconstruction[tables.magnitude(code)] as i32 + (y >> 2);
        let magnitude = if dql < 0 {
            0
        } else {
            // dql < 2048 here (|dqln| + y/4 <= 566 + 1280), so the exponent is at most 14.
            let exponent = (dql >> 7) & 15;
            ((128 + (dql & 127)) << 7) >> (14 - exponent).max(0)
        };
        (negative, magnitude)
    }

    /// Block SUBTB + QUAN: the encoder's quantization of a difference signal.
    #[inline]
    pub(crate) fn quantize(tables: &RateTables, difference: i32, y: i32) -> u8 {
        let (dl, negative) = log2_magnitude(difference);
        tables.quantize(dl - (y >> 2), negative)
    }

    /// Runs the state update for `code` after [`estimate`](Self::estimate) returned `est`;
    /// returns the reconstructed signal `SR` (16-bit two's complement).
    #[inline]
    pub(crate) fn update(&mut self, tables: &RateTables, code: u8, est: Estimate) -> i16 {
        let y = est.y;
        let (dq_negative, dq_magnitude) = Self::inverse_quantize(tables, code, y);
        let dq = if dq_negative {
            -dq_magnitude
        } else {
            dq_magnitude
        } as i16;
        let magnitude_index = tables.magnitude(code);

        // 4.2.5 (part): short- and long-term averages of F(I) (FILTA, FILTB).
        let fi = tables.speed[magnitude_index] as i32;
        self.dms += ((fi << 9) - self.dms) >> 5;
        self.dml += ((fi << 11) - self.dml) >> 7;

        // 4.2.7 (part): transition detector TRANS, on the previous YL and TD.
        let yl_int = self.yl >> 15;
        let yl_frac = (self.yl >> 10) & 31;
        let threshold = if yl_int > 9 {
            31 << 10
        } else {
            (yl_frac + 32) << yl_int
        };
        let transition = self.td && dq_magnitude > (threshold + (threshold >> 1)) >> 1;

        // 4.2.4: scale factor adaptation (FUNCTW, FILTD, LIMB, FILTE).
        let wi = tables.scale_multiplier[magnitude_index] as i32;
        self.yu = (y + (((wi << 5) - y) >> 5)).clamp(YU_MIN, YU_MAX);
        self.yl += self.yu + ((-self.yl) >> 6);

        // 4.2.6: reconstructed signal and its sign with the zero-section estimate (ADDB, ADDC).
        let sr = dq.wrapping_add(est.se as i16);
        let dqsez = dq.wrapping_add(est.sez as i16);
        let pk0 = dqsez < 0;
        let sigpk = dqsez == 0;
        let [pk1, pk2] = self.pk;

        // UPA2 + LIMC.
        let a1 = self.a1;
        let a2_update = if sigpk {
            0
        } else {
            let fa1 = 4 * a1.clamp(-8191, 8191);
            let fa = if pk0 != pk1 { fa1 } else { -fa1 };
            let base = if pk0 != pk2 { -16384 } else { 16384 };
            (base + fa) >> 7
        };
        let a2p = (self.a2 + a2_update - (self.a2 >> 7)).clamp(-12288, 12288);
        // UPA1 + LIMD.
        let a1_update = if sigpk {
            0
        } else if pk0 != pk1 {
            -192
        } else {
            192
        };
        let a1_limit = 15360 - a2p;
        let a1p = (a1 + a1_update - (a1 >> 8)).clamp(-a1_limit, a1_limit);
        // TONE: partial band signal (a2 < -0.71875).
        let tone = a2p < -11776;

        // 4.2.5 (rest): speed control (SUBTC, FILTC, TRIGA).
        let dif = (self.dms << 2) - self.dml;
        let ax = !(y >= 1536 && dif.abs() < (self.dml >> 3) && !tone);
        let app = self.ap + ((((ax as i32) << 9) - self.ap) >> 4);

        // UPB (with XOR) on the sixth-order coefficients, before the DQ history shifts.
        let b_leak = tables.zero_leak;
        let mut b_next = [0i32; 6];
        for ((next, &b), &dq_n) in b_next.iter_mut().zip(&self.b).zip(&self.dq) {
            let signs_differ = ((dq_n >> 10) & 1 == 1) != dq_negative;
            let gain = if dq_magnitude == 0 {
                0
            } else if signs_differ {
                -128
            } else {
                128
            };
            *next = (b + gain - (b >> b_leak)) as i16 as i32;
        }

        // TRIGB/TRIGA: a transition resets the predictor and speeds up adaptation.
        if transition {
            self.a1 = 0;
            self.a2 = 0;
            self.b = [0; 6];
            self.td = false;
            self.ap = 256;
        } else {
            self.a1 = a1p;
            self.a2 = a2p;
            self.b = b_next;
            self.td = tone;
            self.ap = app;
        }

        // Delay lines.
        self.pk = [pk0, pk1];
        self.dq.copy_within(0..5, 1);
        self.dq[0] = to_float(dq_negative, dq_magnitude);
        let sr32 = sr as i32;
        self.sr = [
            to_float(sr32 < 0, if sr32 < 0 { (-sr32) & 0x7FFF } else { sr32 }),
            self.sr[0],
        ];
        sr
    }
}
