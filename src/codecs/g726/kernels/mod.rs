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
    /// The quantized difference signal of one sample, in the level's own form: what the
    /// predictor update and the stored signals need of `DQ`, `DQ + SEZ` and `SR`.
    type Signals: Copy;
    /// Blocks SUBTA, LOG, SUBTB and QUAN: the quantizer magnitude of `SL - SE` (`sl` the
    /// 14-bit input, `SE` from `sums`) and whether the difference is negative, then blocks
    /// RECONST, ADDA, ANTILOG, ADDB and ADDC: the signals of the codeword they make (as
    /// [`signals`](Self::signals) of its `DQ`). See [`scalar::quantize`].
    fn quantize(
        self,
        tables: &RateTables,
        quantizer: &Self::Quantizer,
        sums: Self::Sums,
        sl: i32,
    ) -> (usize, bool, Self::Signals);
    /// The magnitude of `DQ` for a quantizer magnitude (blocks RECONST, ADDA, ANTILOG).
    fn dq_magnitude(
        self,
        tables: &RateTables,
        quantizer: &Self::Quantizer,
        magnitude: usize,
    ) -> i32;
    /// The signals of a quantized difference with sign `dq_negative` and magnitude
    /// `dq_magnitude`, given the estimates `(SEZ, SE)`. See [`scalar::Signals`].
    fn signals(self, dq_negative: bool, dq_magnitude: i32, sez: i32, se: i32) -> Self::Signals;
    /// The sign of `DQ + SEZ` (PK0).
    fn pk0(self, signals: &Self::Signals) -> bool;
    /// See [`scalar::update_predictor`].
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        signals: &Self::Signals,
        pk: u8,
        leak: u32,
    ) -> bool;
    /// See [`scalar::push_signals`].
    fn push_signals(self, hist: &mut [i32; 8], signals: &Self::Signals);
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
    type Signals = scalar::Signals;
    #[inline(always)]
    fn quantize(
        self,
        tables: &RateTables,
        &y: &i32,
        sums: (i32, i32),
        sl: i32,
    ) -> (usize, bool, scalar::Signals) {
        let (sez, se) = self.estimates(sums);
        let (magnitude, negative) = scalar::quantize(tables, y, sl - se);
        let dq_magnitude = self.dq_magnitude(tables, &y, magnitude);
        let dq_negative = tables.codeword(magnitude, negative).negative;
        let signals = scalar::Signals::new(dq_negative, dq_magnitude, sez, se);
        (magnitude, negative, signals)
    }
    #[inline(always)]
    fn dq_magnitude(self, tables: &RateTables, &y: &i32, magnitude: usize) -> i32 {
        super::adpcm::AdpcmState::inverse_quantize(tables, magnitude, y)
    }
    #[inline(always)]
    fn signals(self, dq_negative: bool, dq_magnitude: i32, sez: i32, se: i32) -> scalar::Signals {
        scalar::Signals::new(dq_negative, dq_magnitude, sez, se)
    }
    #[inline(always)]
    fn pk0(self, signals: &scalar::Signals) -> bool {
        signals.dqsez < 0
    }
    #[inline(always)]
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        signals: &scalar::Signals,
        pk: u8,
        leak: u32,
    ) -> bool {
        scalar::update_predictor(coef, hist, signals.dq, signals.dqsez, pk, leak)
    }
    #[inline(always)]
    fn push_signals(self, hist: &mut [i32; 8], signals: &scalar::Signals) {
        scalar::push_signals(hist, signals.dq_negative, signals.dq_magnitude, signals.sr)
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
    type Signals = avx2::Signals;
    #[inline(always)]
    fn quantize(
        self,
        tables: &RateTables,
        quantizer: &avx2::Quantizer,
        sums: avx2::Sums,
        sl: i32,
    ) -> (usize, bool, avx2::Signals) {
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
    fn signals(self, dq_negative: bool, dq_magnitude: i32, sez: i32, se: i32) -> avx2::Signals {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::signals(dq_negative, dq_magnitude, sez, se) }
    }
    #[inline(always)]
    fn pk0(self, signals: &avx2::Signals) -> bool {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::pk0(signals) }
    }
    #[inline(always)]
    fn update_predictor(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        signals: &avx2::Signals,
        pk: u8,
        leak: u32,
    ) -> bool {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::update_predictor(coef, hist, signals, pk, leak) }
    }
    #[inline(always)]
    fn push_signals(self, hist: &mut [i32; 8], signals: &avx2::Signals) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::push_signals(hist, signals) }
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
    use crate::codecs::g726::adpcm::wrap_coefficients;

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
                        // The SEZ that makes this DQ + SEZ.
                        let sez = (dqsez - dq) as i16 as i32;
                        let signals = kernel.signals(dq < 0, dq.abs(), sez, 0);
                        let tone = kernel.update_predictor(&mut next, hist, &signals, pk, leak);
                        // The AVX2 kernel keeps the zeros unwrapped: 17 bits at most.
                        assert!(next.iter().all(|c| (-1 << 16..1 << 16).contains(c)));
                        out.push((wrap_coefficients(&next), tone));
                    }
                }
            }
        }
        out
    }

    /// The 17-bit form the AVX2 kernel may store the zeros of `coef` in (as an update past
    /// the 16-bit ends leaves them): each moved by 2^16 towards the other sign.
    fn unwrapped_zeros(coef: &[i32; 8]) -> [i32; 8] {
        std::array::from_fn(|i| match (i < 6, coef[i] < 0) {
            (true, true) => coef[i] + (1 << 16),
            (true, false) => coef[i] - (1 << 16),
            (false, _) => coef[i],
        })
    }

    /// Every level's prediction (the estimates SEZ and SE) equals the scalar reference's for
    /// any 16-bit coefficients, and for the zeros in the 17-bit form the AVX2 kernel stores
    /// (the same 16-bit values plus or minus 2^16), with either FMULT rounding.
    #[test]
    fn predictions_match_scalar() {
        let values = words(0x2545_F491, 16 * 4000);
        for level in SimdLevel::available() {
            for (n, chunk) in values.chunks_exact(16).enumerate() {
                let coef = std::array::from_fn(|i| chunk[i] as i16 as i32);
                // Stored floats: any sign and exponent, a mantissa with its leading one.
                let hist: [i32; 8] = std::array::from_fn(|i| chunk[8 + i] & 0x7FF | 32);
                let stored = unwrapped_zeros(&coef);
                let rounding = [48, 0][n % 2];
                let reference = Scalar.estimates(Scalar.predict(&coef, &hist, rounding));
                #[cfg(target_arch = "x86_64")]
                if let Choice::Avx2(k) | Choice::Avx512(k, _) = Choice::for_level(level) {
                    for form in [&coef, &stored] {
                        let got = k.run(|| k.estimates(k.predict(form, &hist, rounding)));
                        assert_eq!(got, reference, "{level:?} {form:?} {hist:?}");
                    }
                }
            }
        }
    }

    /// Every level converts every `SR` and `DQ` magnitude (both signs) to floats as the scalar
    /// reference does.
    #[test]
    fn pushed_signals_match_scalar() {
        let hist: [i32; 8] = std::array::from_fn(|i| 100 + i as i32);
        for level in SimdLevel::available() {
            let push = |dq_negative: bool, dq_magnitude: i32, sr: i16| {
                let mut next = hist;
                // The SE that makes this SR.
                let dq = if dq_negative {
                    -dq_magnitude
                } else {
                    dq_magnitude
                };
                let se = (sr as i32 - dq) as i16 as i32;
                match Choice::for_level(level) {
                    Choice::Scalar(k) => {
                        k.push_signals(&mut next, &k.signals(dq_negative, dq_magnitude, 0, se))
                    }
                    #[cfg(target_arch = "x86_64")]
                    Choice::Avx2(k) | Choice::Avx512(k, _) => k.run(|| {
                        k.push_signals(&mut next, &k.signals(dq_negative, dq_magnitude, 0, se))
                    }),
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

    /// Predictor coefficients and stored floats the quantizer tests update with its signals.
    const COEF: [i32; 8] = [100, -200, 3000, -32768, 32767, 0, -5000, 9000];
    const HIST: [i32; 8] = [32, 1100, 77, 1600, 45, 700, 1500, 60];

    /// What a quantized sample does: its magnitude and sign, the stored signals and the
    /// predictor coefficients after it (with TONE), and PK0.
    type Effect = (usize, bool, [i32; 8], [i32; 8], bool, bool);

    /// The effects of the differences `differences` through the quantizer of `kernel` at scale
    /// factor `y`, with the estimates of `sums`, and the DQ magnitude of each quantizer
    /// magnitude.
    fn quantized<K: Kernel>(
        kernel: K,
        sums: K::Sums,
        tables: &RateTables,
        y: i32,
        differences: &[i32],
    ) -> (Vec<Effect>, Vec<i32>) {
        let quantizer = kernel.quantizer(tables, y);
        let se = kernel.estimates(sums).1;
        (
            differences
                .iter()
                .map(|&d| {
                    let (m, negative, signals) = kernel.quantize(tables, &quantizer, sums, d + se);
                    let (mut hist, mut coef) = (HIST, COEF);
                    kernel.push_signals(&mut hist, &signals);
                    let tone = kernel.update_predictor(&mut coef, &HIST, &signals, 1, 8);
                    (
                        m,
                        negative,
                        hist,
                        wrap_coefficients(&coef),
                        tone,
                        kernel.pk0(&signals),
                    )
                })
                .collect(),
            (0..=tables.levels())
                .map(|m| kernel.dq_magnitude(tables, &quantizer, m))
                .collect(),
        )
    }

    /// The scalar reference's effect (see [`Effect`]) of difference `d` at scale factor `y`
    /// with the estimates of the sums `(zeros, all)`, from the Recommendation's blocks.
    fn reference_effect(tables: &RateTables, y: i32, (zeros, all): (i32, i32), d: i32) -> Effect {
        use crate::codecs::g726::adpcm::AdpcmState;
        let (m, negative) = scalar::quantize(tables, y, d);
        let dq_magnitude = AdpcmState::inverse_quantize(tables, m, y);
        let dq_negative = tables.codeword(m, negative).negative;
        let (sez, se) = scalar::estimates(zeros, all);
        let signals = scalar::Signals::new(dq_negative, dq_magnitude, sez, se);
        let (mut hist, mut coef) = (HIST, COEF);
        scalar::push_signals(&mut hist, dq_negative, dq_magnitude, signals.sr);
        let tone = scalar::update_predictor(&mut coef, &HIST, signals.dq, signals.dqsez, 1, 8);
        (m, negative, hist, coef, tone, signals.dqsez < 0)
    }

    /// Every level's quantizer equals the scalar reference (blocks LOG, SUBTB and QUAN by
    /// table) at every scale factor `Y/4` can take, at every rate, on both sides of every
    /// decision level and at the ends of the range of `D`; its DQ magnitudes equal ANTILOG's,
    /// and the signals it makes of them (with estimates of both signs, 16-bit wraps among
    /// them) store and update as the reference's `DQ`, `DQ + SEZ` and `SR` do.
    #[test]
    fn quantizers_match_scalar() {
        use crate::codecs::g726::adpcm::AdpcmState;
        use crate::codecs::g726::Rate;
        // (B1·DQ1 + … + B6·DQ6, all eight products): their 16-bit words are the estimates.
        const SUMS: [(i32, i32); 4] = [(0, 0), (1234, -2000), (-30000, 12345), (40000, -70001)];
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
                let dq_magnitudes = (0..=tables.levels())
                    .map(|m| AdpcmState::inverse_quantize(tables, m, y))
                    .collect::<Vec<_>>();
                for (i, sums) in SUMS.into_iter().enumerate() {
                    // Every sum at the first scale factors; then one per Y/4 in turn.
                    if y > 560 && (y / 4) as usize % SUMS.len() != i {
                        continue;
                    }
                    let expected = (
                        differences
                            .iter()
                            .map(|&d| reference_effect(tables, y, sums, d))
                            .collect::<Vec<_>>(),
                        dq_magnitudes.clone(),
                    );
                    for level in SimdLevel::available() {
                        let got = match Choice::for_level(level) {
                            Choice::Scalar(k) => quantized(k, sums, tables, y, &differences),
                            #[cfg(target_arch = "x86_64")]
                            Choice::Avx2(k) | Choice::Avx512(k, _) => k.run(|| {
                                let sums = avx2::Sums::of(sums.0, sums.1);
                                quantized(k, sums, tables, y, &differences)
                            }),
                        };
                        assert_eq!(got, expected, "{level:?} {rate:?} y {y} sums {sums:?}");
                    }
                }
            }
        }
    }

    /// Every level's predictor update equals the scalar reference, for zero coefficients of
    /// any 16-bit value and poles anywhere LIMC and LIMD keep them (`|A2| <= 12288`,
    /// `|A1| <= 15360 - A2`), their limits and the TONE threshold among them.
    /// Asserts that `level`'s predictor updates of `coef` with `hist` equal the scalar
    /// reference's (see [`updates`]).
    /// The AVX2 kernel also from the 17-bit form it stores the zeros in (see
    /// [`unwrapped_zeros`]).
    fn assert_updates_match(level: SimdLevel, coef: &[i32; 8], hist: &[i32; 8]) {
        let reference = updates(Scalar, coef, hist);
        match Choice::for_level(level) {
            Choice::Scalar(k) => assert_eq!(updates(k, coef, hist), reference),
            #[cfg(target_arch = "x86_64")]
            Choice::Avx2(k) | Choice::Avx512(k, _) => {
                let stored = unwrapped_zeros(coef);
                for form in [coef, &stored] {
                    assert_eq!(
                        k.run(|| updates(k, form, hist)),
                        reference,
                        "{level:?} {form:?}"
                    );
                }
            }
        }
    }

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
                assert_updates_match(level, &coef, &hist);
            }
            for (n, chunk) in values.chunks_exact(16).enumerate() {
                let mut coef: [i32; 8] = std::array::from_fn(|i| chunk[i] as i16 as i32);
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
                assert_updates_match(level, &coef, &hist);
            }
        }
    }
}
