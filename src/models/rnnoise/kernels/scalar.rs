//! Portable kernels. Written so that the compiler vectorizes them across outputs at whatever
//! width the enclosing function is compiled for (`avx2` and `avx512` inline these bodies).

use super::LANES;

#[inline(always)]
pub(crate) fn mat_acc(acc: &mut [f32], w: &[f32], x: &[f32]) {
    let cols = acc.len();
    debug_assert!(cols.is_multiple_of(LANES) && w.len() >= x.len() * cols);
    for (row, &xj) in w.chunks_exact(cols).zip(x) {
        for (a, b) in acc.chunks_exact_mut(LANES).zip(row.chunks_exact(LANES)) {
            for l in 0..LANES {
                a[l] += b[l] * xj;
            }
        }
    }
}

#[inline(always)]
pub(crate) fn mat_acc_gated(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    let cols = acc.len();
    debug_assert!(cols.is_multiple_of(LANES) && w.len() >= x.len() * cols);
    for ((row, &xj), &rj) in w.chunks_exact(cols).zip(x).zip(r) {
        for (a, b) in acc.chunks_exact_mut(LANES).zip(row.chunks_exact(LANES)) {
            for l in 0..LANES {
                a[l] += (b[l] * xj) * rj;
            }
        }
    }
}

#[inline(always)]
pub(crate) fn xcorr(x: &[f32], y: &[f32], xcorr: &mut [f32]) {
    let lags = xcorr.len();
    debug_assert!(lags.is_multiple_of(LANES));
    xcorr.fill(0.0);
    if y.len() < x.len() + lags {
        return;
    }
    for (j, &xj) in x.iter().enumerate() {
        let window = &y[j..j + lags];
        for (a, b) in xcorr
            .chunks_exact_mut(LANES)
            .zip(window.chunks_exact(LANES))
        {
            for l in 0..LANES {
                a[l] += xj * b[l];
            }
        }
    }
}
