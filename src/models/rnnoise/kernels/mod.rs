//! Inner loops of RNNoise: output-lane multiply-accumulates for the network and the pitch
//! correlations. One file per level; `scalar` holds the generic code that `avx2` and `avx512`
//! compile with wider vectors. Every kernel keeps the reference C code's float evaluation
//! order for each output (a sequential sum over the input index, separate multiply and add, no
//! FMA), so all levels give bit-identical results: the vectors run across *outputs*, never
//! across the terms of one sum.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use crate::simd::SimdLevel;

/// Column padding of every weight matrix and length granule of every accumulator.
pub(crate) const LANES: usize = 16;

/// The kernels at one SIMD level, chosen once at construction (clamped to what the CPU has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernels {
    level: SimdLevel,
}

impl Kernels {
    pub(crate) fn new(level: SimdLevel) -> Self {
        Self {
            level: level.clamp_to_cpu(),
        }
    }

    pub(crate) fn level(&self) -> SimdLevel {
        self.level
    }

    /// `acc[c] += w[j*cols + c] * x[j]` for j = 0.. in order, where `cols = acc.len()` (a
    /// multiple of [`LANES`]) and `w.len() == x.len() * cols`.
    #[inline]
    pub(crate) fn mat_acc(&self, acc: &mut [f32], w: &[f32], x: &[f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::mat_acc(acc, w, x) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { avx2::mat_acc(acc, w, x) },
            _ => scalar::mat_acc(acc, w, x),
        }
    }

    /// `acc[c] += (w[j*cols + c] * x[j]) * r[j]`: the GRU candidate's recurrent term with the
    /// reset gate applied to the previous state, in the C code's multiplication order.
    #[inline]
    pub(crate) fn mat_acc_gated(&self, acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::mat_acc_gated(acc, w, x, r) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { avx2::mat_acc_gated(acc, w, x, r) },
            _ => scalar::mat_acc_gated(acc, w, x, r),
        }
    }

    /// Cross-correlation at `xcorr.len()` lags (a multiple of [`LANES`]):
    /// `xcorr[i] = Σ_j x[j] * y[i + j]`, each sum sequential in j from 0.
    /// Needs `y.len() >= x.len() + xcorr.len()`.
    #[inline]
    pub(crate) fn xcorr(&self, x: &[f32], y: &[f32], xcorr: &mut [f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::xcorr(x, y, xcorr) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { avx2::xcorr(x, y, xcorr) },
            _ => scalar::xcorr(x, y, xcorr),
        }
    }

    /// Correlations at arbitrary offsets: `out[l] = Σ_j x[j] * y[offsets[l] + j]`, each sum
    /// sequential in j from 0. Offsets whose window would leave `y` give 0.
    #[inline]
    pub(crate) fn corr_at(&self, x: &[f32], y: &[f32], offsets: &[usize], out: &mut [f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::corr_at(x, y, offsets, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { avx2::corr_at(x, y, offsets, out) },
            _ => scalar::corr_at(x, y, offsets, out),
        }
    }

    /// `out[i] = sigmoid(scale * acc[i])` (`SIGMOID`) or `tanh(scale * acc[i])` with the
    /// reference's table approximations; `acc.len()` a multiple of [`LANES`].
    #[inline]
    pub(crate) fn activate<const SIGMOID: bool>(
        &self,
        table: &[f32; 201],
        scale: f32,
        acc: &[f32],
        out: &mut [f32],
    ) {
        debug_assert!(acc.len().is_multiple_of(LANES) && out.len() >= acc.len());
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::activate::<SIGMOID>(table, scale, acc, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { avx2::activate::<SIGMOID>(table, scale, acc, out) },
            _ => scalar::activate::<SIGMOID>(table, scale, acc, out),
        }
    }

    /// The reference's high-pass biquad on one frame, in place.
    #[inline]
    pub(crate) fn high_pass(&self, mem: &mut [f32; 2], x: &mut [f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction, and FMA (not
            // part of that level's detection) is checked here.
            SimdLevel::Avx512 if std::arch::is_x86_feature_detected!("fma") => unsafe {
                avx512::high_pass(mem, x)
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: clamped at construction; the AVX2 level's detection includes FMA.
            SimdLevel::Avx2 => unsafe { avx2::high_pass(mem, x) },
            _ => scalar::high_pass(mem, x),
        }
    }
}
