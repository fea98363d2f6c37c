//! AVX2 instantiation of the portable kernels in `scalar`: the same code compiled with
//! AVX2 enabled, so the compiler vectorizes it at that width. The operations per output are
//! the same as in `scalar` (multiply then add, never contracted to FMA by Rust), so the
//! results are bit-identical.

use super::scalar;

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn mat_acc(acc: &mut [f32], w: &[f32], x: &[f32]) {
    scalar::mat_acc(acc, w, x)
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn mat_acc_gated(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    scalar::mat_acc_gated(acc, w, x, r)
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn xcorr(x: &[f32], y: &[f32], xcorr: &mut [f32]) {
    scalar::xcorr(x, y, xcorr)
}
