//! Kernels of the G.726 predictor: the eight FMULT products of block ACCUM and the UPB update
//! of the six zero coefficients, the two eight-lane steps of every sample. One file per level;
//! `scalar` is the reference `avx2` matches bit for bit. AVX-512 runs the AVX2 kernel: the work
//! is exactly eight 32-bit lanes.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

use crate::simd::SimdLevel;

/// The level the kernels run at for a requested level (already clamped to the CPU).
pub(crate) fn level(requested: SimdLevel) -> SimdLevel {
    match requested.clamp_to_cpu() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 | SimdLevel::Avx512 => SimdLevel::Avx2,
        _ => SimdLevel::Scalar,
    }
}

/// See [`scalar::predict`]. `level` comes from [`level`].
#[inline(always)]
pub(crate) fn predict(
    level: SimdLevel,
    coef: &[i32; 8],
    hist: &[i32; 8],
    rounding: i32,
) -> (i32, i32) {
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` returns Avx2 only when the CPU supports it.
        SimdLevel::Avx2 => unsafe { avx2::predict(coef, hist, rounding) },
        _ => scalar::predict(coef, hist, rounding),
    }
}

/// See [`scalar::update_zeros`]. `level` comes from [`level`].
#[inline(always)]
pub(crate) fn update_zeros(
    level: SimdLevel,
    coef: &mut [i32; 8],
    hist: &[i32; 8],
    dq_negative: bool,
    gain: i32,
    leak: u32,
) {
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` returns Avx2 only when the CPU supports it.
        SimdLevel::Avx2 => unsafe { avx2::update_zeros(coef, hist, dq_negative, gain, leak) },
        _ => scalar::update_zeros(coef, hist, dq_negative, gain, leak),
    }
}
