//! Kernels of the G.726 predictor: the eight FMULT products of block ACCUM and the UPB update
//! of the predictor coefficients, and the shift of the stored signals: the eight-lane steps of
//! every sample, and the encoder's quantizer. One file per level; `scalar` is the reference
//! `avx2` matches bit for bit. AVX-512 runs the AVX2 kernels (the work is eight 32-bit lanes),
//! compiled with AVX-512 enabled for its 32 vector registers.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

use super::adpcm::RateTables;
use crate::simd::SimdLevel;

/// A kernel level. The per-sample code is generic over it, so each level's calls inline.
pub(crate) trait Kernel: Copy {
    /// The predictor's sums, in the level's own layout.
    type Sums: Copy;
    /// See [`scalar::predict`].
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> Self::Sums;
    /// The partial and full signal estimates `(SEZ, SE)` of the sums (ACCUM's 16-bit words,
    /// halved).
    fn estimates(self, sums: Self::Sums) -> (i32, i32);
    /// The encoder's quantizer for scale factor `y`, in the level's own form.
    type Quantizer;
    /// Prepares the quantizer for scale factor `y` (see [`scalar::quantize`]).
    fn quantizer(self, tables: &RateTables, y: i32) -> Self::Quantizer;
    /// Blocks SUBTA, LOG, SUBTB and QUAN: the quantizer magnitude of `SL - SE` (`sl` the
    /// 14-bit input, `SE` from `sums`) and whether the difference is negative. See
    /// [`scalar::quantize`].
    fn quantize(
        self,
        tables: &RateTables,
        quantizer: &Self::Quantizer,
        sums: Self::Sums,
        sl: i32,
    ) -> (usize, bool);
    /// The magnitude of `DQ` for a quantizer magnitude (blocks RECONST, ADDA, ANTILOG).
    fn dq_magnitude(
        self,
        tables: &RateTables,
        quantizer: &Self::Quantizer,
        magnitude: usize,
    ) -> i32;
    /// See [`scalar::update_predictor`].
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq: i32,
        dqsez: i32,
        pk: u8,
        leak: u32,
    ) -> bool;
    /// See [`scalar::push_signals`].
    fn push_signals(self, hist: &mut [i32; 8], dq_negative: bool, dq_magnitude: i32, sr: i16);
}

/// The portable kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scalar;

impl Kernel for Scalar {
    type Sums = (i32, i32);
    #[inline(always)]
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32) {
        scalar::predict(coef, hist, rounding)
    }
    #[inline(always)]
    fn estimates(self, (zeros, all): (i32, i32)) -> (i32, i32) {
        scalar::estimates(zeros, all)
    }
    /// The scale factor itself.
    type Quantizer = i32;
    #[inline(always)]
    fn quantizer(self, _tables: &RateTables, y: i32) -> i32 {
        y
    }
    #[inline(always)]
    fn quantize(self, tables: &RateTables, &y: &i32, sums: (i32, i32), sl: i32) -> (usize, bool) {
        scalar::quantize(tables, y, sl - self.estimates(sums).1)
    }
    #[inline(always)]
    fn dq_magnitude(self, tables: &RateTables, &y: &i32, magnitude: usize) -> i32 {
        super::adpcm::AdpcmState::inverse_quantize(tables, magnitude, y)
    }
    #[inline(always)]
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq: i32,
        dqsez: i32,
        pk: u8,
        leak: u32,
    ) -> bool {
        scalar::update_predictor(coef, hist, dq, dqsez, pk, leak)
    }
    #[inline(always)]
    fn push_signals(self, hist: &mut [i32; 8], dq_negative: bool, dq_magnitude: i32, sr: i16) {
        scalar::push_signals(hist, dq_negative, dq_magnitude, sr)
    }
}

/// Whether the CPU has the scalar extensions the AVX2 level is compiled with besides AVX2
/// (all AVX2 CPUs do; checked anyway).
#[cfg(target_arch = "x86_64")]
fn scalar_extensions() -> bool {
    is_x86_feature_detected!("popcnt")
        && is_x86_feature_detected!("lzcnt")
        && is_x86_feature_detected!("bmi1")
        && is_x86_feature_detected!("bmi2")
}

/// The AVX2 kernel. A value exists only when the CPU supports AVX2 and the scalar extensions of
/// [`avx2::run`] (see [`Choice::select`]).
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx2 {
    _cpu_checked: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// Runs `f` compiled for AVX2, so that the kernels it calls inline into it.
    #[inline(always)]
    pub(crate) fn run<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2, POPCNT, LZCNT, BMI1, BMI2.
        unsafe { avx2::run(f) }
    }

    /// [`run`](Self::run) with AVX-512 enabled as well, given the proof that the CPU has it.
    #[inline(always)]
    pub(crate) fn run_with_avx512<R>(self, _cpu: Avx512Checked, f: impl FnOnce() -> R) -> R {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2, POPCNT, LZCNT, BMI1, BMI2,
        // and an `Avx512Checked` only when it supports AVX-512 F, VL, BW, DQ.
        unsafe { avx2::run_with_avx512(f) }
    }
}

/// Proof that the CPU supports AVX-512 F, VL, BW and DQ ([`SimdLevel::Avx512`]).
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx512Checked {
    _cpu_checked: (),
}

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx2 {
    type Sums = avx2::Sums;
    #[inline(always)]
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> avx2::Sums {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::predict(coef, hist, rounding) }
    }
    #[inline(always)]
    fn estimates(self, sums: avx2::Sums) -> (i32, i32) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::estimates(sums) }
    }
    type Quantizer = avx2::Quantizer;
    #[inline(always)]
    fn quantizer(self, tables: &RateTables, y: i32) -> avx2::Quantizer {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::quantizer(tables, y) }
    }
    #[inline(always)]
    fn quantize(
        self,
        tables: &RateTables,
        quantizer: &avx2::Quantizer,
        sums: avx2::Sums,
        sl: i32,
    ) -> (usize, bool) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2 and POPCNT.
        unsafe { avx2::quantize(tables, quantizer, sums, sl) }
    }
    #[inline(always)]
    fn dq_magnitude(
        self,
        _tables: &RateTables,
        quantizer: &avx2::Quantizer,
        magnitude: usize,
    ) -> i32 {
        quantizer.dq_magnitude(magnitude)
    }
    #[inline(always)]
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq: i32,
        dqsez: i32,
        pk: u8,
        leak: u32,
    ) -> bool {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::update_predictor(coef, hist, dq, dqsez, pk, leak) }
    }
    #[inline(always)]
    fn push_signals(self, hist: &mut [i32; 8], dq_negative: bool, dq_magnitude: i32, sr: i16) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::push_signals(hist, dq_negative, dq_magnitude, sr) }
    }
}

/// The kernel a coder runs, chosen once at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    Scalar(Scalar),
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
    /// The AVX2 kernels, with the encoder's loop compiled for AVX-512.
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx2, Avx512Checked),
}

impl Choice {
    /// The best kernel for [`SimdLevel::select`] (which honours `AQUANT_SIMD`).
    pub(crate) fn select() -> Self {
        Self::for_level(SimdLevel::select())
    }

    /// The best kernel at or below `level` that this CPU runs.
    pub(crate) fn for_level(level: SimdLevel) -> Self {
        match level.clamp_to_cpu() {
            // `clamp_to_cpu` gives `Avx512` only on CPUs with AVX-512 F, VL, BW and DQ.
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 if scalar_extensions() => Choice::Avx512(
                Avx2 { _cpu_checked: () },
                Avx512Checked { _cpu_checked: () },
            ),
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 if scalar_extensions() => Choice::Avx2(Avx2 { _cpu_checked: () }),
            _ => Choice::Scalar(Scalar),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coefficient words from a seed: every 16-bit value is reachable, with the limits of
    /// LIMC/LIMD and their neighbours often.
    fn words(seed: u64, count: usize) -> Vec<i32> {
        const EDGES: [i32; 12] = [
            -32768, -15360, -12289, -12288, -8192, -8191, 0, 8191, 8192, 12288, 12289, 32767,
        ];
        let mut x = seed | 1;
        (0..count)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 3 == 0 {
                    EDGES[(x >> 32) as usize % EDGES.len()] + ((x >> 20) & 3) as i32 - 1
                } else {
                    (x >> 48) as i16 as i32
                }
            })
            .collect()
    }

    /// The predictor update of `kernel` for each previous sign pair, leak, and a spread of new
    /// `DQ` and `DQ + SEZ` (both signs, zero, the 16-bit ends), with its TONE.
    fn updates<K: Kernel>(kernel: K, coef: &[i32; 8], hist: &[i32; 8]) -> Vec<([i32; 8], bool)> {
        const DQ: [i32; 7] = [0, 1, -1, 1234, -1234, 32767, -32767];
        const DQSEZ: [i32; 5] = [-32768, -1, 0, 1, 32767];
        let mut out = Vec::new();
        for pk in 0..4 {
            for leak in [8, 9] {
                for dq in DQ {
                    for dqsez in DQSEZ {
                        let mut next = *coef;
                        let tone = kernel.update_predictor(&mut next, hist, dq, dqsez, pk, leak);
                        out.push((next, tone));
                    }
                }
            }
        }
        out
    }

    /// Every level converts every `SR` and `DQ` magnitude (both signs) to floats as the scalar
    /// reference does.
    #[test]
    fn pushed_signals_match_scalar() {
        let hist: [i32; 8] = std::array::from_fn(|i| 100 + i as i32);
        for level in SimdLevel::available() {
            let push = |dq_negative: bool, dq_magnitude: i32, sr: i16| {
                let mut next = hist;
                match Choice::for_level(level) {
                    Choice::Scalar(k) => k.push_signals(&mut next, dq_negative, dq_magnitude, sr),
                    #[cfg(target_arch = "x86_64")]
                    Choice::Avx2(k) | Choice::Avx512(k, _) => {
                        k.run(|| k.push_signals(&mut next, dq_negative, dq_magnitude, sr))
                    }
                }
                next
            };
            for sr in i16::MIN..=i16::MAX {
                // DQ magnitudes cover 0..2^15 (ANTILOG's range) as SR runs.
                let dq_magnitude = (sr as i32 + 32768) >> 1;
                for dq_negative in [false, true] {
                    let mut reference = hist;
                    scalar::push_signals(&mut reference, dq_negative, dq_magnitude, sr);
                    assert_eq!(
                        push(dq_negative, dq_magnitude, sr),
                        reference,
                        "{level:?} {dq_negative} {dq_magnitude} {sr}"
                    );
                }
            }
        }
    }

    /// The quantizer magnitude and sign of `difference`, and the DQ magnitude of each quantizer
    /// magnitude, at scale factor `y`, by `kernel`.
    fn quantized<K: Kernel>(
        kernel: K,
        sums: K::Sums,
        tables: &RateTables,
        y: i32,
        differences: &[i32],
    ) -> (Vec<(usize, bool)>, Vec<i32>) {
        let quantizer = kernel.quantizer(tables, y);
        (
            differences
                .iter()
                .map(|&d| kernel.quantize(tables, &quantizer, sums, d))
                .collect(),
            (0..=tables.levels())
                .map(|m| kernel.dq_magnitude(tables, &quantizer, m))
                .collect(),
        )
    }

    /// Every level's quantizer equals the scalar reference (blocks LOG, SUBTB and QUAN by
    /// table) at every scale factor `Y/4` can take, at every rate, on both sides of every
    /// decision level and at the ends of the range of `D`, and its DQ magnitudes equal
    /// ANTILOG's.
    #[test]
    fn quantizers_match_scalar() {
        use crate::codecs::g726::adpcm::AdpcmState;
        use crate::codecs::g726::Rate;
        for rate in Rate::ALL {
            let tables = RateTables::of(rate);
            // Y is within 544..=5120 (the limits of YU, which YL follows); every Y/4.
            for y in (544..=5120).step_by(4) {
                let reference = |d: i32| scalar::quantize(tables, y, d);
                let mut probes = vec![0, 1, 2, 3, 24575];
                for level in 1..=tables.levels() {
                    // The least |D| the reference gives magnitude `level` or more, by bisection
                    // (the magnitude does not decrease with |D|).
                    let (mut lo, mut hi) = (0, 24576);
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if reference(mid).0 >= level {
                            hi = mid;
                        } else {
                            lo = mid + 1;
                        }
                    }
                    probes.extend([lo - 1, lo, lo + 1]);
                }
                let differences: Vec<i32> = probes.iter().flat_map(|&d| [d, -d]).collect();
                let expected = (
                    differences
                        .iter()
                        .map(|&d| reference(d))
                        .collect::<Vec<_>>(),
                    (0..=tables.levels())
                        .map(|m| AdpcmState::inverse_quantize(tables, m, y))
                        .collect::<Vec<_>>(),
                );
                for level in SimdLevel::available() {
                    let got = match Choice::for_level(level) {
                        Choice::Scalar(k) => quantized(k, (0, 0), tables, y, &differences),
                        #[cfg(target_arch = "x86_64")]
                        Choice::Avx2(k) | Choice::Avx512(k, _) => {
                            k.run(|| quantized(k, avx2::Sums::of_total(0), tables, y, &differences))
                        }
                    };
                    assert_eq!(got, expected, "{level:?} {rate:?} y {y}");
                }
            }
        }
    }

    /// Every level's predictor update equals the scalar reference, for zero coefficients of
    /// any 16-bit value and poles anywhere LIMC and LIMD keep them (`|A2| <= 12288`,
    /// `|A1| <= 15360 - A2`), their limits and the TONE threshold among them.
    #[test]
    fn predictor_updates_match_scalar() {
        const A2_EDGES: [i32; 9] = [
            -12288, -12287, -11777, -11776, -11775, 0, 11776, 12287, 12288,
        ];
        let values = words(0x9E37_79B9, 16 * 4000);
        // Every A2 from LIMC's lower limit past TONE's threshold, whatever the step.
        let sweep =
            (-12288..=-11264).flat_map(|a2| [-8192, 0, 8191, 15360 - a2].map(move |a1| (a2, a1)));
        for level in SimdLevel::available() {
            for (a2, a1) in sweep.clone() {
                let coef = [100, -200, 3000, -32768, 32767, 0, a2, a1];
                let hist: [i32; 8] = std::array::from_fn(|i| (i as i32 * 299) & 0x7FF | 32);
                let reference = updates(Scalar, &coef, &hist);
                match Choice::for_level(level) {
                    Choice::Scalar(k) => assert_eq!(updates(k, &coef, &hist), reference),
                    #[cfg(target_arch = "x86_64")]
                    Choice::Avx2(k) | Choice::Avx512(k, _) => assert_eq!(
                        k.run(|| updates(k, &coef, &hist)),
                        reference,
                        "{level:?} {coef:?}"
                    ),
                }
            }
            for (n, chunk) in values.chunks_exact(16).enumerate() {
                let mut coef: [i32; 8] = chunk[..8].try_into().unwrap();
                let a2 = if n % 2 == 0 {
                    A2_EDGES[n / 2 % A2_EDGES.len()]
                } else {
                    coef[6].rem_euclid(24577) - 12288
                };
                let a1_limit = 15360 - a2;
                let a1 = match n % 5 {
                    0 => a1_limit,
                    1 => -a1_limit,
                    _ => coef[7].rem_euclid(2 * a1_limit + 1) - a1_limit,
                };
                coef[6] = a2;
                coef[7] = a1;
                // Stored floats: any sign and exponent, a mantissa with its leading one.
                let hist: [i32; 8] = std::array::from_fn(|i| chunk[8 + i] & 0x7FF | 32);
                let reference = updates(Scalar, &coef, &hist);
                match Choice::for_level(level) {
                    Choice::Scalar(k) => assert_eq!(updates(k, &coef, &hist), reference),
                    #[cfg(target_arch = "x86_64")]
                    Choice::Avx2(k) | Choice::Avx512(k, _) => assert_eq!(
                        k.run(|| updates(k, &coef, &hist)),
                        reference,
                        "{level:?} {coef:?}"
                    ),
                }
            }
        }
    }
}
