//! The G.726 adaptive quantizer and predictor (ITU-T G.726 §4.2, blocks 4.2.2–4.2.7).
//!
//! Every quantity keeps the word length the Recommendation gives it. The arithmetic is written
//! with signed integers where the Recommendation's modular words cannot overflow (the ranges are
//! noted), and with explicit 16-bit wrapping where they can (the predictor sums, `SR`, `DQ+SEZ`).

use super::kernels::{scalar, Choice, Kernel};
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
#[inline(always)]
pub(crate) fn bit_length(x: i32) -> i32 {
    32 - (x as u32).leading_zeros() as i32
}

/// `x.clamp(lo, hi)` (for `lo <= hi`) as conditional moves. The compiler otherwise turns some
/// of the coder's limits into branches, which mispredict on audio.
#[inline(always)]
pub(crate) fn clamp_unpredictable(x: i32, lo: i32, hi: i32) -> i32 {
    let x = std::hint::select_unpredictable(x < lo, lo, x);
    std::hint::select_unpredictable(x > hi, hi, x)
}

/// Blocks FLOATA/FLOATB: a sign and a 15-bit magnitude to the 11-bit float.
#[inline(always)]
pub(crate) fn to_float(negative: bool, magnitude: i32) -> Float11 {
    let exponent = bit_length(magnitude);
    // Mantissa with its leading one in bit 5; 32 (1.0) for a zero magnitude.
    let mantissa = ((magnitude << 6) >> exponent) | (((magnitude == 0) as i32) << 5);
    ((negative as i32) << 10 | exponent << 6 | mantissa) as Float11
}

/// Block LOG: a difference signal to its sign and 11-bit logarithm (4-bit exponent, 7-bit
/// mantissa).
#[inline(always)]
pub(crate) fn log2_magnitude(difference: i32) -> (i32, bool) {
    let magnitude = difference.abs();
    // `| 1` makes the exponent of 0 come out as 0 without a comparison.
    let exponent = bit_length(magnitude | 1) - 1;
    let mantissa = ((magnitude << 7) >> exponent) & 127;
    ((exponent << 7) + mantissa, difference < 0)
}

/// Block ANTILOG: the log-domain quantized difference `DQL` (signed) to the 15-bit magnitude of
/// `DQ`.
const fn antilog(dql: i32) -> i32 {
    // dql < 2048 in use (|dqln| + y/4 <= 566 + 1280), so the exponent is at most 14. A negative
    // dql means 0; its shift (`& 15` keeps it in range) does not matter.
    let exponent = (dql >> 7) & 15;
    (((128 + (dql & 127)) << 7) >> ((14 - exponent) & 15)) & !(dql >> 31)
}

/// [`antilog`] by `DQL + 2048` for `DQL` within -2048..2048: one load instead of the shifts
/// and masks on the encoder's and decoder's update.
static ANTILOG: [u16; 4096] = {
    let mut table = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = antilog(i as i32 - 2048) as u16;
        i += 1;
    }
    table
};

/// Block TRANS's bound on `|DQ|` for a slow scale factor `YL` (19 bits): `DQTHR / 2`, where
/// `DQTHR` is 1.5 times `YL`'s integer and fraction bits as a power of two (capped for an
/// integer part above 9).
const fn transition_bound_of(yl: i32) -> i32 {
    let yl_int = yl >> 15;
    let yl_frac = (yl >> 10) & 31;
    let threshold = if yl_int > 9 {
        31 << 10
    } else {
        (yl_frac + 32) << yl_int
    };
    (threshold + (threshold >> 1)) >> 1
}

/// [`transition_bound_of`] by `YL >> 10` (it reads no lower bits of `YL`, which is below
/// 2^19): one load instead of a dozen operations per sample.
static TRANSITION_BOUNDS: [u16; 512] = {
    let mut table = [0u16; 512];
    let mut i = 0;
    while i < 512 {
        table[i] = transition_bound_of((i as i32) << 10) as u16;
        i += 1;
    }
    table
};

/// [`transition_bound_of`] by table.
#[inline(always)]
fn transition_bound(yl: i32) -> i32 {
    TRANSITION_BOUNDS[(yl >> 10) as usize & 511] as i32
}

/// Per-rate tables of Tables 1–4/G.726 (quantizer decision levels and the maps of the
/// quantizer output to `DQLN`, `W(I)` and `F(I)`).
pub(crate) struct RateTables {
    /// Bits per codeword.
    pub bits: u32,
    /// Lower edges of `|I|` = 1, 2, ... on the normalized log scale `DLN` (signed), padded to
    /// 16 with a level `DLN` never reaches (it is below 2048), so the count is a fixed-length,
    /// vectorizable loop.
    decision: [i16; 16],
    /// Reconstruction `DQLN` (12-bit two's complement, signed here) by magnitude index; the
    /// per-magnitude tables are padded to 16 so that a masked index needs no bounds check.
    reconstruction: [i16; 16],
    /// Scale factor multiplier `W` (signed) by magnitude index.
    scale_multiplier: [i16; 16],
    /// Speed control `F` by magnitude index.
    speed: [u8; 16],
    /// Whether magnitude 0 is sent as the all-ones code (every rate but 16 kbit/s: G.726 has no
    /// all-zeros codeword there).
    zero_as_all_ones: bool,
    /// Leak shift of the sixth-order predictor coefficients (block UPB).
    zero_leak: u32,
}

/// A codeword with its magnitude index (its row in Tables 1–4) and its sign bit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantized {
    pub(crate) code: u8,
    pub(crate) magnitude: usize,
    pub(crate) negative: bool,
}

/// Padding of the decision levels: above every reachable `DLN`.
const NEVER: i16 = i16::MAX;

const TABLES_16: RateTables = RateTables {
    bits: 2,
    decision: [
        261, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,
        NEVER, NEVER, NEVER,
    ],
    reconstruction: [116, 365, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    scale_multiplier: [-22, 439, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    speed: [0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    zero_as_all_ones: false,
    zero_leak: 8,
};
const TABLES_24: RateTables = RateTables {
    bits: 3,
    decision: [
        8, 218, 331, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,
        NEVER, NEVER,
    ],
    reconstruction: [-2048, 135, 273, 373, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    scale_multiplier: [-4, 30, 137, 582, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    speed: [0, 1, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    zero_as_all_ones: true,
    zero_leak: 8,
};
const TABLES_32: RateTables = RateTables {
    bits: 4,
    decision: [
        -124, 80, 178, 246, 300, 349, 400, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER,
        NEVER,
    ],
    reconstruction: [
        -2048, 4, 135, 213, 273, 323, 373, 425, 0, 0, 0, 0, 0, 0, 0, 0,
    ],
    scale_multiplier: [-12, 18, 41, 64, 112, 198, 355, 1122, 0, 0, 0, 0, 0, 0, 0, 0],
    speed: [0, 0, 0, 1, 1, 1, 3, 7, 0, 0, 0, 0, 0, 0, 0, 0],
    zero_as_all_ones: true,
    zero_leak: 8,
};
const TABLES_40: RateTables = RateTables {
    bits: 5,
    decision: [
        -122, -16, 68, 139, 198, 250, 298, 339, 378, 413, 445, 475, 502, 528, 553, NEVER,
    ],
    reconstruction: [
        -2048, -66, 28, 104, 169, 224, 274, 318, 358, 395, 429, 459, 488, 514, 539, 566,
    ],
    scale_multiplier: [
        14, 14, 24, 39, 40, 41, 58, 100, 141, 179, 219, 280, 358, 440, 529, 696,
    ],
    speed: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6],
    zero_as_all_ones: true,
    zero_leak: 9,
};

/// The quantizer magnitude by `DLN + 2048` for `DLN` within -2048..2048: the count of decision
/// levels reached (block QUAN), one load instead of the comparisons.
const fn magnitude_table(tables: &RateTables) -> [u8; 4096] {
    let mut table = [0u8; 4096];
    let mut i = 0;
    while i < 4096 {
        let dln = i as i32 - 2048;
        let mut count = 0;
        let mut j = 0;
        while j < 16 {
            if dln >= tables.decision[j] as i32 {
                count += 1;
            }
            j += 1;
        }
        table[i] = count;
        i += 1;
    }
    table
}

/// The least `Y/4`: `Y` is within 544..=5120 (the limits of `YU`, which `YL` follows).
const Y4_MIN: usize = 136;
/// Rows of the encoder's vector quantizer tables: one per `Y/4` from [`Y4_MIN`] to 1280.
const Y4_ROWS: usize = 1280 - Y4_MIN + 1;

/// One less than the least `|D|` whose block-LOG value reaches `t` (clamped to 2047), capped at
/// `i16::MAX` (above every `|D|`). `LOG(d)` is `E·128 + ⌊d·128/2^E⌋ - 128` for `d` in
/// `2^E..2^(E+1)`: non-decreasing, so `LOG(d) >= E·128 + F` exactly when `d >= ⌈(128 +
/// F)·2^E/128⌉`, which less one is `((128 + F)·2^E - 1) >> 7`. Valid for `t >= 1`: the levels
/// are above -125 and `Y/4` at least 136.
const fn bound_below(t: i32) -> u16 {
    // Checked where the tables are built, at compile time.
    assert!(t >= 1);
    let t = if t > 2047 { 2047 } else { t };
    let below = (((128 + (t & 127)) << (t >> 7)) - 1) >> 7;
    if below > i16::MAX as i32 {
        i16::MAX as u16
    } else {
        below as u16
    }
}

/// The encoder's vector quantizer table of a rate with `width` lanes (8, or 16 for 40 kbit/s):
/// row `Y/4 - Y4_MIN` holds [`bound_below`] of each decision level plus `Y/4` (padding levels never
/// passed), then ANTILOG of each `DQLN` plus `Y/4`. Built at compile time from Tables 1–4.
const fn quantizer_rows<const LEN: usize>(tables: &RateTables, width: usize) -> [u16; LEN] {
    let mut rows = [0u16; LEN];
    let mut y4 = 0;
    while y4 < Y4_ROWS {
        let mut j = 0;
        while j < width {
            let row = y4 * 2 * width;
            let y4_value = (y4 + Y4_MIN) as i32;
            rows[row + j] = bound_below(tables.decision[j] as i32 + y4_value);
            // Past the rate's magnitudes, above every DQ: the AVX2 quantizer takes the least
            // entry of the magnitudes it did not pass.
            rows[row + width + j] = if j < 1 << (tables.bits - 1) {
                antilog(tables.reconstruction[j] as i32 + y4_value) as u16
            } else {
                u16::MAX
            };
            j += 1;
        }
        y4 += 1;
    }
    rows
}

static QUANTIZER_16: [u16; Y4_ROWS * 16] = quantizer_rows(&TABLES_16, 8);
static QUANTIZER_24: [u16; Y4_ROWS * 16] = quantizer_rows(&TABLES_24, 8);
static QUANTIZER_32: [u16; Y4_ROWS * 16] = quantizer_rows(&TABLES_32, 8);
static QUANTIZER_40: [u16; Y4_ROWS * 32] = quantizer_rows(&TABLES_40, 16);

static MAGNITUDES_16: [u8; 4096] = magnitude_table(&TABLES_16);
static MAGNITUDES_24: [u8; 4096] = magnitude_table(&TABLES_24);
static MAGNITUDES_32: [u8; 4096] = magnitude_table(&TABLES_32);
static MAGNITUDES_40: [u8; 4096] = magnitude_table(&TABLES_40);

impl RateTables {
    pub(crate) fn of(rate: Rate) -> &'static RateTables {
        match rate {
            Rate::Kbps16 => &TABLES_16,
            Rate::Kbps24 => &TABLES_24,
            Rate::Kbps32 => &TABLES_32,
            Rate::Kbps40 => &TABLES_40,
        }
    }

    /// The quantizer magnitude by `DLN + 2048`.
    #[inline(always)]
    fn magnitudes(&self) -> &'static [u8; 4096] {
        match self.bits {
            2 => &MAGNITUDES_16,
            3 => &MAGNITUDES_24,
            4 => &MAGNITUDES_32,
            _ => &MAGNITUDES_40,
        }
    }

    /// The row of the encoder's vector quantizer table for scale factor `y` (see
    /// [`quantizer_rows`]): the bounds on `|D|` less one by decision level, and the `DQ`
    /// magnitudes by quantizer magnitude, 8 of each (16 at 40 kbit/s).
    #[inline(always)]
    pub(crate) fn quantizer_row(&self, y: i32) -> (&'static [u16], &'static [u16]) {
        let (rows, width): (&'static [u16], usize) = match self.bits {
            2 => (&QUANTIZER_16, 8),
            3 => (&QUANTIZER_24, 8),
            4 => (&QUANTIZER_32, 8),
            _ => (&QUANTIZER_40, 16),
        };
        // Y/4 is within 136..=1280 (see `Y4_MIN`); the limit only spares the bounds check
        // (below the least, the difference wraps to a huge index and is limited too).
        let y4 = ((y >> 2) as usize).wrapping_sub(Y4_MIN).min(Y4_ROWS - 1);
        rows[y4 * 2 * width..(y4 + 1) * 2 * width].split_at(width)
    }

    /// The code of the top (sign) bit.
    #[inline(always)]
    fn sign_bit(&self) -> u8 {
        1 << (self.bits - 1)
    }

    /// Block QUAN: the normalized log difference `DLN` (signed) and its sign to a codeword.
    #[inline(always)]
    pub(crate) fn quantize(&self, dln: i32, negative: bool) -> u8 {
        self.quantize_parts(dln, negative).code
    }

    /// [`quantize`](Self::quantize), with the magnitude index and sign it knows on the way, so
    /// that the encoder's update need not recover them from the codeword.
    #[inline(always)]
    fn quantize_parts(&self, dln: i32, negative: bool) -> Quantized {
        self.codeword(self.quantized_magnitude(dln), negative)
    }

    /// Block QUAN's magnitude: how many decision levels the normalized log difference `DLN`
    /// reaches (they ascend), looked up (`dln` is within -1280..1784: `DL` < 2048, `Y/4`
    /// within 136..=1280).
    #[inline(always)]
    pub(crate) fn quantized_magnitude(&self, dln: i32) -> usize {
        self.magnitudes()[((dln + 2048) & 4095) as usize] as usize
    }

    /// The codeword of a quantizer magnitude and the difference's sign, with its parts.
    #[inline(always)]
    pub(crate) fn codeword(&self, magnitude: usize, negative: bool) -> Quantized {
        let magnitude = magnitude as u8;
        let all_ones = ((1u32 << self.bits) - 1) as u8;
        // A negative difference sends `all_ones - magnitude`, which is `magnitude ^ all_ones`
        // (magnitude <= all_ones); so does magnitude 0 where it is sent as all ones. Masks, not
        // branches: the sign is a coin toss.
        let flip = negative | ((magnitude == 0) & self.zero_as_all_ones);
        Quantized {
            code: magnitude ^ (all_ones & (flip as u8).wrapping_neg()),
            // Below the sign bit (there are fewer levels than codes of one sign).
            magnitude: magnitude as usize & 15,
            // The sign bit of the code: set exactly when the magnitude was flipped.
            negative: flip,
        }
    }

    /// The number of decision levels (magnitudes less one).
    #[inline(always)]
    pub(crate) fn levels(&self) -> usize {
        self.sign_bit() as usize - 1
    }

    /// A received codeword's parts.
    #[inline(always)]
    fn split(&self, code: u8) -> Quantized {
        Quantized {
            code,
            magnitude: self.magnitude(code),
            negative: code & self.sign_bit() != 0,
        }
    }

    /// The magnitude index of a codeword (its position in Tables 1–4).
    #[inline(always)]
    fn magnitude(&self, code: u8) -> usize {
        let all_ones = ((1u32 << self.bits) - 1) as u8;
        let code = code & all_ones;
        (if code & self.sign_bit() != 0 {
            all_ones - code
        } else {
            code
        }) as usize
            & (self.sign_bit() as usize - 1)
            & 15
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

/// Coefficients in any kernel's stored form as 16-bit values (the AVX2 kernel stores the zeros
/// without their wrap).
pub(crate) fn wrap_coefficients(coef: &[i32; 8]) -> [i32; 8] {
    coef.map(|c| c as i16 as i32)
}

/// The adaptive state of one G.726 coder (encoder or decoder), as in Figure 4/G.726.
#[derive(Debug, Clone)]
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
    /// Predictor coefficients `B1..B6`, `A2`, `A1` (16-bit two's complement), in the order
    /// FMULT pairs them with `hist`. The AVX2 kernel stores the zeros `B1..B6` before their
    /// wrap to 16 bits (17 bits; see [`coefficients`](Self::coefficients)).
    coef: [i32; 8],
    /// Signs of `DQ + SEZ` for the last two samples: `PK1` in bit 0, `PK2` in bit 1 (one small
    /// integer, so that the encoder's loop keeps it in a register and indexes by it directly).
    pk: u8,
    /// Tone detector output `TD`.
    td: bool,
    /// Stored signals as floats: `DQ(k-1)..DQ(k-6)`, then `SR(k-2)`, `SR(k-1)`.
    hist: [i32; 8],
    /// The rounding term of FMULT (48 in G.726; 0 in libsndfile's variant). Kept by reset.
    rounding: i32,
    /// The FMULT/UPB kernel, chosen at construction. Kept by reset.
    kernel: Choice,
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

/// States are equal when their coefficients are, as 16-bit values, and all else is.
impl PartialEq for AdpcmState {
    fn eq(&self, other: &Self) -> bool {
        let Self {
            yl,
            yu,
            dms,
            dml,
            ap,
            coef: _,
            pk,
            td,
            hist,
            rounding,
            kernel,
        } = self;
        (
            *yl, *yu, *dms, *dml, *ap, *pk, *td, hist, *rounding, *kernel,
        ) == (
            other.yl,
            other.yu,
            other.dms,
            other.dml,
            other.ap,
            other.pk,
            other.td,
            &other.hist,
            other.rounding,
            other.kernel,
        ) && self.coefficients() == other.coefficients()
    }
}

impl Eq for AdpcmState {}

impl AdpcmState {
    /// The predictor coefficients as the Recommendation's 16-bit values, whatever form the
    /// kernel stores them in.
    pub(crate) fn coefficients(&self) -> [i32; 8] {
        wrap_coefficients(&self.coef)
    }

    /// The reset state with FMULT rounding `rounding` and kernel `level`.
    const fn initial(rounding: i32, kernel: Choice) -> Self {
        Self {
            yl: YL_RESET,
            yu: YU_MIN,
            dms: 0,
            dml: 0,
            ap: 0,
            coef: [0; 8],
            pk: 0,
            td: false,
            hist: [FLOAT_ZERO as i32; 8],
            rounding,
            kernel,
        }
    }

    /// The reset state of the given dialect.
    pub(crate) fn new(dialect: super::Dialect) -> Self {
        Self::with_kernel(dialect, Choice::select())
    }

    /// The reset state of the given dialect running `kernel`.
    pub(crate) fn with_kernel(dialect: super::Dialect, kernel: Choice) -> Self {
        let rounding = match dialect {
            super::Dialect::Itu => 48,
            super::Dialect::Libsndfile => 0,
        };
        Self::initial(rounding, kernel)
    }

    /// Whether this is libsndfile's dialect.
    #[inline]
    pub(crate) fn is_libsndfile(&self) -> bool {
        self.rounding == 0
    }

    /// Returns to the reset state, keeping the dialect and kernel.
    pub(crate) fn reset(&mut self) {
        *self = Self::initial(self.rounding, self.kernel);
    }

    /// [`estimate_with`](Self::estimate_with) the kernel chosen at construction.
    #[inline(always)]
    pub(crate) fn estimate(&self) -> Estimate {
        match self.kernel {
            Choice::Scalar(k) => self.estimate_with(k),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(k) | Choice::Avx512(k, _) => self.estimate_with(k),
        }
    }

    /// [`update_with`](Self::update_with) the kernel chosen at construction.
    #[inline(always)]
    pub(crate) fn update(&mut self, tables: &RateTables, code: u8, est: Estimate) -> i16 {
        match self.kernel {
            Choice::Scalar(k) => self.update_with(k, tables, code, est),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(k) | Choice::Avx512(k, _) => self.update_with(k, tables, code, est),
        }
    }

    /// Encodes `input` (16-bit linear; its top 14 bits are coded) to `codes`, one codeword
    /// per sample, the whole loop compiled for the chosen kernel's instruction set so that the
    /// kernels inline.
    pub(crate) fn encode_slice(&mut self, tables: &RateTables, input: &[i16], codes: &mut [u8]) {
        match self.kernel {
            Choice::Scalar(k) => self.encode_slice_for_rate(k, tables, input, codes),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(k) => k.run(
                #[inline(always)]
                || self.encode_slice_for_rate(k, tables, input, codes),
            ),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx512(k, cpu) => k.run_with_avx512(
                cpu,
                #[inline(always)]
                || self.encode_slice_for_rate(k, tables, input, codes),
            ),
        }
    }

    /// [`encode_slice_with`](Self::encode_slice_with) one loop per rate, each seeing its
    /// tables as constants, so that the codeword masks, sign bits and leak shifts fold into
    /// the instructions instead of being loaded and computed every sample.
    #[inline(always)]
    fn encode_slice_for_rate<K: Kernel>(
        &mut self,
        kernel: K,
        tables: &RateTables,
        input: &[i16],
        codes: &mut [u8],
    ) {
        match tables.bits {
            2 => self.encode_slice_with(kernel, &TABLES_16, input, codes),
            3 => self.encode_slice_with(kernel, &TABLES_24, input, codes),
            4 => self.encode_slice_with(kernel, &TABLES_32, input, codes),
            _ => self.encode_slice_with(kernel, &TABLES_40, input, codes),
        }
    }

    #[inline(always)]
    fn encode_slice_with<K: Kernel>(
        &mut self,
        kernel: K,
        tables: &RateTables,
        input: &[i16],
        codes: &mut [u8],
    ) {
        // A local copy the compiler can keep in registers across the loop.
        let mut state = self.clone();
        for (code, &x) in codes.iter_mut().zip(input) {
            // The quantizer is prepared from Y while the prediction runs; the difference
            // signal then goes from the predictor's sums to the codeword in the kernel's own
            // registers (a vector compare with precomputed thresholds on the AVX2 level), and
            // so do the signals the predictor is updated with: on the AVX2 level they never
            // leave vector registers, which takes the integer registers, the codeword and a
            // table load off the loop's longest dependency chains (about a fifth of its time
            // on a Zen 3).
            let sums = kernel.predict(&state.coef, &state.hist, state.rounding);
            let y = state.scale_factor();
            let quantizer = kernel.quantizer(tables, y);
            let (magnitude, negative, signals) =
                kernel.quantize(tables, &quantizer, sums, x as i32 >> 2);
            let quantized = tables.codeword(magnitude, negative);
            let dq_magnitude = kernel.dq_magnitude(tables, &quantizer, magnitude);
            state.update_parts(kernel, tables, magnitude, dq_magnitude, y, signals);
            *code = quantized.code;
        }
        *self = state;
    }

    /// Blocks FMULT and ACCUM, then MIX: the signal estimate and scale factor for the next
    /// sample.
    #[inline(always)]
    fn estimate_with<K: Kernel>(&self, kernel: K) -> Estimate {
        let (sez, se) = kernel.estimates(kernel.predict(&self.coef, &self.hist, self.rounding));
        Estimate {
            se,
            sez,
            y: self.scale_factor(),
        }
    }

    /// Blocks LIMA and MIX: the quantizer scale factor `Y`, the fast and slow scale factors
    /// blended by the speed control. AP is at most 1023, so AL = min(AP/4, 64) is LIMA's "64
    /// if AP >= 256".
    #[inline(always)]
    fn scale_factor(&self) -> i32 {
        let al = std::hint::select_unpredictable(self.ap >= 256, 64, self.ap >> 2);
        let ylp = self.yl >> 6;
        let product = (self.yu - ylp) * al;
        // MIX scales the difference's magnitude: division by 64 truncating towards zero, done
        // without a branch on the sign (which flips often and mispredicts): a negative product
        // is biased by 63 before the arithmetic shift.
        ylp + ((product + ((product >> 31) & 63)) >> 6)
    }

    /// Blocks RECONST, ADDA, ANTILOG: a codeword's magnitude index to the 15-bit magnitude of
    /// the quantized difference (its sign is the codeword's).
    #[inline(always)]
    pub(crate) fn inverse_quantize(tables: &RateTables, magnitude_index: usize, y: i32) -> i32 {
        let dql = tables.reconstruction[magnitude_index] as i32 + (y >> 2);
        // DQLN is within -2048..=566 and Y/4 within 136..=1280, so DQL + 2048 indexes the
        // table (the mask only spares the bounds check).
        ANTILOG[((dql + 2048) & 4095) as usize] as i32
    }

    /// Block SUBTB + QUAN: the encoder's quantization of a difference signal.
    #[inline(always)]
    pub(crate) fn quantize(tables: &RateTables, difference: i32, y: i32) -> u8 {
        let (dl, negative) = log2_magnitude(difference);
        tables.quantize(dl - (y >> 2), negative)
    }

    /// Runs the state update for `code` after [`estimate`](Self::estimate) returned `est`;
    /// returns the reconstructed signal `SR` (16-bit two's complement).
    #[inline(always)]
    fn update_with<K: Kernel>(
        &mut self,
        kernel: K,
        tables: &RateTables,
        code: u8,
        est: Estimate,
    ) -> i16 {
        let quantized = tables.split(code);
        let dq_magnitude = Self::inverse_quantize(tables, quantized.magnitude, est.y);
        let signals = scalar::Signals::new(quantized.negative, dq_magnitude, est.sez, est.se);
        let kernel_signals = kernel.signals(quantized.negative, dq_magnitude, est.sez, est.se);
        self.update_parts(
            kernel,
            tables,
            quantized.magnitude,
            dq_magnitude,
            est.y,
            kernel_signals,
        );
        signals.sr
    }

    /// The state update after a sample with quantizer magnitude `magnitude_index`, whose
    /// `DQ` has magnitude `dq_magnitude`, at scale factor `y`; `signals` are the kernel's
    /// form of its `DQ`, `DQ + SEZ` and `SR`.
    #[inline(always)]
    fn update_parts<K: Kernel>(
        &mut self,
        kernel: K,
        tables: &RateTables,
        magnitude_index: usize,
        dq_magnitude: i32,
        y: i32,
        signals: K::Signals,
    ) {
        // 4.2.5 (part): short- and long-term averages of F(I) (FILTA, FILTB). FILTA's
        // `DMS + ((F << 9) - DMS) >> 5` is `DMS + ((-DMS) >> 5) + (F << 4)`, `F << 9` being a
        // multiple of 32, and FILTB's likewise: the parts without F(I) are ready before the
        // codeword, whose table load then leads to the speed control's test in two additions
        // (this chain sets the next sample's scale factor). DML's `(-DML) >> 7` is written
        // `-((DML + 127) >> 7)` (the same floor) so that the compiler does not pair the two
        // into a vector, whose moves to and from the integer registers would lengthen the chain.
        let dms_part = self.dms + ((-self.dms) >> 5);
        let dml_part = self.dml - ((self.dml + 127) >> 7);
        let fi = (tables.speed[magnitude_index] as i32) << 4;
        self.dms = dms_part + fi;
        self.dml = dml_part + fi;

        // 4.2.7 (part): transition detector TRANS, on the previous YL and TD. `&`, not `&&`: TD
        // is on for long stretches of some signals and off in others, and a branch on it
        // mispredicts at every change; a transition itself is rare.
        let transition = self.td & (dq_magnitude > transition_bound(self.yl));

        // 4.2.4: scale factor adaptation (FUNCTW, FILTD, LIMB, FILTE).
        // FILTD's `Y + ((WI << 5) - Y) >> 5` is `Y + WI + ((-Y) >> 5)`, `WI << 5` being a
        // multiple of 32: the part without WI is ready before the codeword, whose table load
        // then leads to YU in one addition (this chain sets the next sample's quantizer).
        let wi = tables.scale_multiplier[magnitude_index] as i32;
        let y_part = y + ((-y) >> 5);
        self.yu = clamp_unpredictable(y_part + wi, YU_MIN, YU_MAX);
        self.yl += self.yu + ((-self.yl) >> 6);

        // 4.2.6: the sign of the quantized difference plus the zero-section estimate (ADDC).
        let pk0 = kernel.pk0(&signals);

        // UPB, UPA2 + LIMC, UPA1 + LIMD in one pass of the kernel (see below for TRIGB), and
        // TONE: partial band signal (A2 < -0.71875).
        let tone = kernel.update_predictor(
            &mut self.coef,
            &self.hist,
            &signals,
            self.pk,
            tables.zero_leak,
        );

        // 4.2.5 (rest): speed control (SUBTC, FILTC, TRIGA), with F(I)'s share separated as
        // above: `DIF = 4·DMS - DML` is `4·dms_part - dml_part + 3·(F << 4)`, and `DML >> 3` is
        // `(dml_part >> 3) + ((F << 4) >> 3)` (`F << 4` a multiple of 8).
        let dif = ((dms_part << 2) - dml_part) + 3 * fi;
        // Non-short-circuit `&`: the three tests are cheap and their outcomes hard to predict.
        let ax = !((y >= 1536) & (dif.abs() < (dml_part >> 3) + (fi >> 3)) & !tone);
        // FILTC's `AP + ((AX << 9) - AP) >> 4` as `AP + ((-AP) >> 4) + (AX << 5)`.
        let app = self.ap + ((-self.ap) >> 4) + ((ax as i32) << 5);

        // TRIGB/TRIGA: a transition resets the predictor and speeds up adaptation.
        if transition {
            self.coef = [0; 8];
            self.td = false;
            self.ap = 256;
        } else {
            self.td = tone;
            self.ap = app;
        }

        // Delay lines.
        self.pk = (self.pk << 1 | pk0 as u8) & 3;
        kernel.push_signals(&mut self.hist, &signals);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codecs::g726::Dialect;
    use crate::simd::SimdLevel;
    use proptest::prelude::*;

    /// Codes of `input` (16-bit linear) through the encoder's slice loop, then the decoder's
    /// reconstruction of them, at `kernel`.
    fn run(kernel: Choice, rate: Rate, dialect: Dialect, input: &[i16]) -> (Vec<u8>, Vec<i16>) {
        let tables = RateTables::of(rate);
        let mut encoder = AdpcmState::with_kernel(dialect, kernel);
        let mut codes = vec![0u8; input.len()];
        encoder.encode_slice(tables, input, &mut codes);
        let mut decoder = AdpcmState::with_kernel(dialect, kernel);
        let decoded = codes
            .iter()
            .map(|&code| {
                let est = decoder.estimate();
                decoder.update(tables, code, est)
            })
            .collect();
        (codes, decoded)
    }

    /// A signal that exercises the whole state: loud random walks (saturation, transitions),
    /// tones, and silence, from a seed.
    fn signal(seed: u64, len: usize) -> Vec<i16> {
        let mut x = seed | 1;
        let mut level = 0i32;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let r = (x >> 40) as i32 - (1 << 23);
                match (i / 500 + seed as usize) % 4 {
                    0 => (r >> 8) as i16,
                    1 => {
                        level = (level + (r >> 12)).clamp(-32768, 32767);
                        level as i16
                    }
                    2 => ((i as f64 * 0.3).sin() * 20000.0) as i16,
                    _ => 0,
                }
            })
            .collect()
    }

    /// States are equal when their coefficients have the same 16-bit values, whatever form
    /// a kernel stores them in, and unequal when the values differ.
    #[test]
    fn states_compare_coefficients_as_16_bit_values() {
        let reset =
            AdpcmState::with_kernel(Dialect::Itu, Choice::Scalar(super::super::kernels::Scalar));
        let mut a = reset.clone();
        let mut b = reset.clone();
        a.coef = [-32768, 32767, 5, 0, 0, 0, 100, -200];
        b.coef = [32768, -32769, 5 - (1 << 16), 0, 0, 0, 100, -200];
        assert_eq!(a, b);
        b.coef[0] = -32767;
        assert_ne!(a, b);
        assert_ne!(a, reset);
        b.coef = a.coef;
        b.ap += 1;
        assert_ne!(a, b);
    }

    /// The transition bound by table equals the formula at every `YL` (19 bits).
    #[test]
    fn transition_bound_table_matches_formula() {
        for yl in 0..1 << 19 {
            assert_eq!(transition_bound(yl), transition_bound_of(yl), "YL {yl}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Every SIMD level this CPU has codes and decodes exactly as the scalar reference.
        #[test]
        fn simd_levels_match_scalar(
            seed in any::<u64>(),
            len in 0usize..3000,
            rate in prop::sample::select(Rate::ALL.to_vec()),
            libsndfile in any::<bool>(),
            raw in prop::collection::vec(any::<i16>(), 0..200),
        ) {
            let dialect = if libsndfile { Dialect::Libsndfile } else { Dialect::Itu };
            let mut input = signal(seed, len);
            input.extend(raw);
            // The reference: the scalar kernel, one sample at a time (estimate, quantize,
            // update), in the order of the Recommendation.
            let scalar = Choice::Scalar(super::super::kernels::Scalar);
            let tables = RateTables::of(rate);
            let mut state = AdpcmState::with_kernel(dialect, scalar);
            let codes: Vec<u8> = input
                .iter()
                .map(|&x| {
                    let est = state.estimate();
                    let code = AdpcmState::quantize(tables, (x as i32 >> 2) - est.se, est.y);
                    state.update(tables, code, est);
                    code
                })
                .collect();
            let reference = run(scalar, rate, dialect, &input);
            prop_assert_eq!(&reference.0, &codes, "scalar slice loop");
            for level in SimdLevel::available() {
                let kernel = Choice::for_level(level);
                prop_assert_eq!(&run(kernel, rate, dialect, &input), &reference, "{:?}", level);
            }
        }
    }

    /// The levels tested above are really different kernels on this machine (when it has AVX2).
    #[test]
    fn avx2_level_selects_the_avx2_kernel() {
        #[cfg(target_arch = "x86_64")]
        {
            if SimdLevel::available().contains(&SimdLevel::Avx2) {
                assert!(matches!(
                    Choice::for_level(SimdLevel::Avx2),
                    Choice::Avx2(_)
                ));
            }
            if SimdLevel::available().contains(&SimdLevel::Avx512) {
                assert!(matches!(
                    Choice::for_level(SimdLevel::Avx512),
                    Choice::Avx512(..)
                ));
            }
        }
        assert!(matches!(
            Choice::for_level(SimdLevel::Scalar),
            Choice::Scalar(_)
        ));
    }
}
