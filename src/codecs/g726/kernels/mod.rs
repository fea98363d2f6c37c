//! Kernels of the G.726 predictor: the eight FMULT products of block ACCUM and the UPB update
//! of the predictor coefficients, and the shift of the stored signals: the eight-lane steps of
//! every sample. One file per level;
//! `scalar` is the reference `avx2` matches bit for bit. AVX-512 runs the AVX2 kernel: the work
//! is exactly eight 32-bit lanes.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

use crate::simd::SimdLevel;

/// A kernel level. The per-sample code is generic over it, so each level's calls inline.
pub(crate) trait Kernel: Copy {
    /// See [`scalar::predict`].
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32);
    /// See [`scalar::update_coefficients`].
    fn update_coefficients(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq_negative: bool,
        gain: i32,
        leak: u32,
        poles: [i32; 2],
    );
    /// See [`scalar::push_history`].
    fn push_history(self, hist: &mut [i32; 8], dq: i32, sr: i32);
}

/// The portable kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scalar;

impl Kernel for Scalar {
    #[inline(always)]
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32) {
        scalar::predict(coef, hist, rounding)
    }
    #[inline(always)]
    fn update_coefficients(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq_negative: bool,
        gain: i32,
        leak: u32,
        poles: [i32; 2],
    ) {
        scalar::update_coefficients(coef, hist, dq_negative, gain, leak, poles)
    }
    #[inline(always)]
    fn push_history(self, hist: &mut [i32; 8], dq: i32, sr: i32) {
        scalar::push_history(hist, dq, sr)
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
}

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx2 {
    #[inline(always)]
    fn predict(self, coef: &[i32; 8], hist: &[i32; 8], rounding: i32) -> (i32, i32) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::predict(coef, hist, rounding) }
    }
    #[inline(always)]
    fn update_coefficients(
        self,
        coef: &mut [i32; 8],
        hist: &[i32; 8],
        dq_negative: bool,
        gain: i32,
        leak: u32,
        poles: [i32; 2],
    ) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::update_coefficients(coef, hist, dq_negative, gain, leak, poles) }
    }
    #[inline(always)]
    fn push_history(self, hist: &mut [i32; 8], dq: i32, sr: i32) {
        // SAFETY: an `Avx2` exists only when the CPU supports AVX2.
        unsafe { avx2::push_history(hist, dq, sr) }
    }
}

/// The kernel a coder runs, chosen once at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    Scalar(Scalar),
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
}

impl Choice {
    /// The best kernel for [`SimdLevel::select`] (which honours `AQUANT_SIMD`).
    pub(crate) fn select() -> Self {
        Self::for_level(SimdLevel::select())
    }

    /// The best kernel at or below `level` that this CPU runs.
    pub(crate) fn for_level(level: SimdLevel) -> Self {
        match level.clamp_to_cpu() {
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 | SimdLevel::Avx512 if scalar_extensions() => {
                Choice::Avx2(Avx2 { _cpu_checked: () })
            }
            _ => Choice::Scalar(Scalar),
        }
    }
}
