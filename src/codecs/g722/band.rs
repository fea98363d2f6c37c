//! The two sub-band ADPCM coders of G.722 (§3.3–3.6, §4.2–4.3 of the Recommendation), in the
//! 16-bit fixed-point arithmetic of its reference implementation (saturating adds, `mult` =
//! `(a·b) >> 15`).

use super::Mode;

/// Saturates to the 16-bit range.
#[inline]
fn sat(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// Saturating 16-bit addition.
#[inline]
fn add(a: i16, b: i16) -> i16 {
    sat(a as i32 + b as i32)
}

/// Saturating 16-bit subtraction.
#[inline]
fn sub(a: i16, b: i16) -> i16 {
    sat(a as i32 - b as i32)
}

/// Fractional multiplication `(a·b) >> 15`, saturated.
#[inline]
fn mult(a: i16, b: i16) -> i16 {
    sat((a as i32 * b as i32) >> 15)
}

/// Clamps a reconstructed sub-band signal to the 15-bit range of the QMF input (block LIMIT).
#[inline]
pub(crate) fn limit(x: i16) -> i16 {
    x.clamp(-16384, 16383)
}

/// Lower-band quantizer decision levels (Table 6/G.722, `Q6`).
const Q6: [i16; 31] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 3200,
];
/// 4-bit inverse quantizer output levels (`QQ4`, used by the predictor and mode 3).
const OQ4: [i16; 8] = [0, 150, 323, 530, 786, 1121, 1612, 2557];
/// 5-bit inverse quantizer output levels (`QQ5`, mode 2).
const OQ5: [i16; 16] = [
    0, 35, 110, 190, 276, 370, 473, 587, 714, 858, 1023, 1219, 1458, 1765, 2195, 2919,
];
/// 6-bit inverse quantizer output levels (`QQ6`, mode 1).
const OQ6: [i16; 31] = [
    0, 17, 54, 91, 130, 170, 211, 254, 300, 347, 396, 447, 501, 558, 618, 682, 750, 822, 899, 982,
    1072, 1170, 1279, 1399, 1535, 1689, 1873, 2088, 2376, 2738, 3101,
];
/// Lower-band log scale factor multipliers by 4-bit magnitude (`WL`).
const WL: [i16; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/// Higher-band decision level (`Q2`), output levels (`QQ2`) and multipliers (`WH`).
const Q2: i16 = 564;
const OQ2: [i16; 3] = [0, 202, 926];
const WH: [i16; 3] = [0, -214, 798];

/// Log-to-linear scale factor table (`ILA`, block SCALEL/SCALEH): `ILA[i] ≈ 2^(i/32 + 1) - 1`.
const ILA: [i16; 353] = [
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6,
    7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 13,
    13, 13, 13, 14, 14, 15, 15, 15, 16, 16, 16, 17, 17, 18, 18, 18, 19, 19, 20, 20, 21, 21, 22, 22,
    23, 23, 24, 24, 25, 25, 26, 27, 27, 28, 28, 29, 30, 31, 31, 32, 33, 33, 34, 35, 36, 37, 37, 38,
    39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 54, 55, 56, 57, 58, 60, 61, 63, 64, 65,
    67, 68, 70, 71, 73, 75, 76, 78, 80, 82, 83, 85, 87, 89, 91, 93, 95, 97, 99, 102, 104, 106, 109,
    111, 113, 116, 118, 121, 124, 127, 129, 132, 135, 138, 141, 144, 147, 151, 154, 157, 161, 165,
    168, 172, 176, 180, 184, 188, 192, 196, 200, 205, 209, 214, 219, 223, 228, 233, 238, 244, 249,
    255, 260, 266, 272, 278, 284, 290, 296, 303, 310, 316, 323, 331, 338, 345, 353, 361, 369, 377,
    385, 393, 402, 411, 420, 429, 439, 448, 458, 468, 478, 489, 500, 511, 522, 533, 545, 557, 569,
    582, 594, 607, 621, 634, 648, 663, 677, 692, 707, 723, 739, 755, 771, 788, 806, 823, 841, 860,
    879, 898, 918, 938, 958, 979, 1001, 1023, 1045, 1068, 1092, 1115, 1140, 1165, 1190, 1216, 1243,
    1270, 1298, 1327, 1356, 1386, 1416, 1447, 1479, 1511, 1544, 1578, 1613, 1648, 1684, 1721, 1759,
    1797, 1837, 1877, 1918, 1960, 2003, 2047, 2092, 2138, 2185, 2232, 2281, 2331, 2382, 2434, 2488,
    2542, 2598, 2655, 2713, 2773, 2833, 2895, 2959, 3024, 3090, 3157, 3227, 3297, 3370, 3443, 3519,
    3596, 3675, 3755, 3837, 3921, 4007, 4095,
];

/// 4-bit magnitude index of the top four bits of a lower-band code (`RIL4` applied to `IL >> 2`).
#[inline]
fn magnitude4(il4: u8) -> usize {
    const RIL4: [u8; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
    RIL4[il4 as usize & 15] as usize
}

/// Whether a 4-bit lower-band code (`IL >> 2`) is negative: codes 1..=7 (`RISIL`).
#[inline]
fn negative4(il4: u8) -> bool {
    (1..=7).contains(&(il4 & 15))
}

/// Inverse quantizer output for a level magnitude and sign, scaled by the step `det`.
#[inline]
fn inverse(level: i16, negative: bool, det: i16) -> i16 {
    let wd1 = level << 3;
    mult(det, if negative { -wd1 } else { wd1 })
}

/// The adaptive predictor shared by both bands (blocks PARREC, RECONS, UPZERO, UPPOL2, UPPOL1,
/// FILTEZ, FILTEP, PREDIC) and the band's quantizer step.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Predictor {
    /// Quantizer scale factor (`DETL` / `DETH`).
    det: i16,
    /// Log scale factor (`NBL` / `NBH`).
    nb: i16,
    /// Signal estimate `S`, pole and zero parts `SP`, `SZ`.
    s: i16,
    sp: i16,
    sz: i16,
    /// Pole coefficients `A1`, `A2` (index 0 unused).
    a: [i16; 3],
    /// Zero coefficients `B1..B6` (index 0 unused).
    b: [i16; 7],
    /// Quantized differences `D(k)..D(k-6)`.
    d: [i16; 7],
    /// Partially reconstructed signals `P(k)..P(k-2)`.
    p: [i16; 3],
    /// Reconstructed signals `R(k)..R(k-2)`.
    r: [i16; 3],
}

impl Predictor {
    const fn reset(det: i16) -> Self {
        Self {
            det,
            nb: 0,
            s: 0,
            sp: 0,
            sz: 0,
            a: [0; 3],
            b: [0; 7],
            d: [0; 7],
            p: [0; 3],
            r: [0; 3],
        }
    }

    /// Updates the predictor with the quantized difference `dq` of the current sample.
    #[inline]
    fn update(&mut self, dq: i16) {
        self.d[0] = dq;
        self.p[0] = add(dq, self.sz);
        self.r[0] = add(self.s, dq);

        // UPZERO: sign-sign update of the zero coefficients with leak 1 - 2^-8, then shift D.
        let gain = if dq == 0 { 0 } else { 128 };
        let sign0 = dq < 0;
        for i in (1..7).rev() {
            let g = if (self.d[i] < 0) == sign0 {
                gain
            } else {
                -gain
            };
            self.b[i] = add(g, mult(self.b[i], 32640));
            self.d[i] = self.d[i - 1];
        }

        // UPPOL2.
        let sg0 = self.p[0] < 0;
        let sg1 = self.p[1] < 0;
        let sg2 = self.p[2] < 0;
        let wd1 = sat((self.a[1] as i32) << 2);
        let wd2 = (if sg0 == sg1 { sub(0, wd1) } else { wd1 }) >> 7;
        let wd3: i16 = if sg0 == sg2 { 128 } else { -128 };
        let apl2 = add(add(wd2, wd3), mult(self.a[2], 32512)).clamp(-12288, 12288);
        self.a[2] = apl2;

        // UPPOL1, limited by the new A2.
        let wd1: i16 = if sg0 == sg1 { 192 } else { -192 };
        let apl1 = add(wd1, mult(self.a[1], 32640));
        let bound = sub(15360, apl2);
        self.a[1] = apl1.clamp(-bound, bound);
        self.p[2] = self.p[1];
        self.p[1] = self.p[0];

        // FILTEZ.
        let mut sz: i16 = 0;
        for i in (1..7).rev() {
            sz = add(sz, mult(add(self.d[i], self.d[i]), self.b[i]));
        }
        self.sz = sz;
        // FILTEP.
        self.r[2] = self.r[1];
        self.r[1] = self.r[0];
        let wd1 = mult(self.a[1], add(self.r[1], self.r[1]));
        let wd2 = mult(self.a[2], add(self.r[2], self.r[2]));
        self.sp = add(wd1, wd2);
        // PREDIC.
        self.s = add(self.sp, self.sz);
    }
}

/// The lower sub-band ADPCM coder (6-bit codes; the decoder may use only the top 5 or 4 bits).
///
/// One value holds the state of one direction: use separate values for encoding and decoding.
/// This is the level of the G.722 Appendix II test 2 (QMF bypassed): its encoder input feeds
/// [`encode`](Self::encode) directly and its decoder outputs are [`decode`](Self::decode)'s.
///
/// ```
/// use aquant::codecs::g722::{LowBand, Mode};
/// let mut enc = LowBand::new();
/// let mut dec = LowBand::new();
/// let x: Vec<i16> = (0..200).map(|i| ((i as f64 * 0.3).sin() * 3000.0) as i16).collect();
/// let y: Vec<i16> = x.iter().map(|&v| dec.decode(enc.encode(v), Mode::Kbps64)).collect();
/// assert!((x[199] - y[199]).abs() < 300);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowBand {
    predictor: Predictor,
}

impl Default for LowBand {
    fn default() -> Self {
        Self::new()
    }
}

impl LowBand {
    /// A coder in the reset state.
    pub const fn new() -> Self {
        Self {
            predictor: Predictor::reset(32),
        }
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Adapts the step size and predictor after code `il` (uses only its top 4 bits).
    #[inline]
    fn adapt(&mut self, il: u8) {
        let p = &mut self.predictor;
        let il4 = il >> 2;
        let dq = inverse(OQ4[magnitude4(il4)], negative4(il4), p.det);
        // LOGSCL and SCALEL.
        let nb = add(mult(p.nb, 32512), WL[magnitude4(il4)]).clamp(0, 18432);
        p.nb = nb;
        let index = (((nb >> 6) & 511) + 64) as usize;
        p.det = (ILA[index] + 1) << 2;
        p.update(dq);
    }

    /// Encodes one lower-band sample to a 6-bit code.
    #[inline]
    pub fn encode(&mut self, xl: i16) -> u8 {
        let p = &self.predictor;
        let el = sub(xl, p.s);
        // QUANTL: the magnitude (one's complement for negatives) against the scaled levels.
        let wd = if el >= 0 { el } else { -1 - el };
        let mut level = 1;
        while level < 30 && mult(Q6[level] << 3, p.det) <= wd {
            level += 1;
        }
        let il = if el >= 0 {
            0x3E - level as u8
        } else if level <= 2 {
            0x40 - level as u8
        } else {
            0x22 - level as u8
        };
        self.adapt(il);
        il
    }

    /// Decodes one 6-bit code (higher bits ignored) to a lower-band sample; in
    /// [`Mode::Kbps56`] / [`Mode::Kbps48`] its lowest 1 / 2 bits are ignored.
    #[inline]
    pub fn decode(&mut self, il: u8, mode: Mode) -> i16 {
        let il = il & 0x3F;
        let p = &self.predictor;
        let dl = match mode {
            Mode::Kbps64 => {
                // Codes 0..3 are unused by the encoder; they decode as the smallest negative
                // level (RIL6/RISI6 of the Recommendation).
                let (level, negative) = match il {
                    0..=3 => (1, true),
                    4..=31 => (34 - il as usize, true),
                    32..=61 => (62 - il as usize, false),
                    62 => (2, true),
                    _ => (1, true),
                };
                inverse(OQ6[level], negative, p.det)
            }
            Mode::Kbps56 => {
                let i5 = il >> 1;
                let (level, negative) = match i5 {
                    0 | 1 => (1, true),
                    2..=15 => (17 - i5 as usize, true),
                    16..=30 => (31 - i5 as usize, false),
                    _ => (1, true),
                };
                inverse(OQ5[level], negative, p.det)
            }
            Mode::Kbps48 => {
                let i4 = il >> 2;
                inverse(OQ4[magnitude4(i4)], negative4(i4), p.det)
            }
        };
        let yl = limit(add(p.s, dl));
        self.adapt(il);
        yl
    }
}

/// The higher sub-band ADPCM coder (2-bit codes). See [`LowBand`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighBand {
    predictor: Predictor,
}

impl Default for HighBand {
    fn default() -> Self {
        Self::new()
    }
}

impl HighBand {
    /// A coder in the reset state.
    pub const fn new() -> Self {
        Self {
            predictor: Predictor::reset(8),
        }
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Adapts after code `ih`; returns the quantized difference.
    #[inline]
    fn adapt(&mut self, ih: u8) -> i16 {
        let p = &mut self.predictor;
        // IH2/SIH: codes 0 and 2 are the outer level, 0 and 1 negative.
        let level = if ih & 1 == 0 { 2 } else { 1 };
        let dq = inverse(OQ2[level], ih < 2, p.det);
        // LOGSCH and SCALEH.
        let nb = add(mult(p.nb, 32512), WH[level]).clamp(0, 22528);
        p.nb = nb;
        p.det = (ILA[((nb >> 6) & 511) as usize] + 1) << 2;
        let reconstructed = add(p.s, dq);
        p.update(dq);
        reconstructed
    }

    /// Encodes one higher-band sample to a 2-bit code.
    #[inline]
    pub fn encode(&mut self, xh: i16) -> u8 {
        let p = &self.predictor;
        let eh = sub(xh, p.s);
        let wd = if eh >= 0 { eh } else { -1 - eh };
        let outer = wd >= mult(Q2 << 3, p.det);
        let ih = match (eh >= 0, outer) {
            (true, false) => 3,
            (true, true) => 2,
            (false, false) => 1,
            (false, true) => 0,
        };
        self.adapt(ih);
        ih
    }

    /// Decodes one 2-bit code (higher bits ignored) to a higher-band sample.
    #[inline]
    pub fn decode(&mut self, ih: u8) -> i16 {
        limit(self.adapt(ih & 3))
    }
}
