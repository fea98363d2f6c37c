//! Portable kernels, the reference for `avx2` and `avx512`. Each works on blocks of
//! [`LANES`] outputs held in a local array across the whole input loop (which the compiler
//! keeps in SSE registers), so every output's sum runs sequentially over the input index.

use realfft::num_complex::Complex32;

use super::LANES;

#[inline]
pub(crate) fn mat_acc(acc: &mut [f32], w: &[f32], x: &[f32]) {
    let cols = acc.len();
    debug_assert!(cols.is_multiple_of(LANES) && w.len() >= x.len() * cols);
    for (b, block) in acc.chunks_exact_mut(LANES).enumerate() {
        let mut a = [0.0f32; LANES];
        a.copy_from_slice(block);
        for (row, &xj) in w.chunks_exact(cols).zip(x) {
            let wr = &row[b * LANES..b * LANES + LANES];
            for l in 0..LANES {
                a[l] += wr[l] * xj;
            }
        }
        block.copy_from_slice(&a);
    }
}

#[inline]
pub(crate) fn mat_acc_gated(acc: &mut [f32], w: &[f32], x: &[f32], r: &[f32]) {
    let cols = acc.len();
    debug_assert!(cols.is_multiple_of(LANES) && w.len() >= x.len() * cols);
    for (b, block) in acc.chunks_exact_mut(LANES).enumerate() {
        let mut a = [0.0f32; LANES];
        a.copy_from_slice(block);
        for ((row, &xj), &rj) in w.chunks_exact(cols).zip(x).zip(r) {
            let wr = &row[b * LANES..b * LANES + LANES];
            for l in 0..LANES {
                a[l] += (wr[l] * xj) * rj;
            }
        }
        block.copy_from_slice(&a);
    }
}

/// Whether a row of `mat_acc` (input `x`) or of `mat_acc_gated` (input `x`, gate `r`) must
/// take [`exact_row`]: when its products may be subnormal. x86 computes a multiply with a
/// subnormal input or result in a microcode assist costing hundreds of cycles per vector
/// instruction, and the GRU states decay into subnormals in about half of the frames of real
/// speech (their ReLU units fade out geometrically). The weights are integers (widened int8),
/// so `|w·x| >= |x|` unless `w = 0`: a row with a normal `x` (and `|x·r|` well above the
/// smallest normal) has only normal products.
#[inline(always)]
pub(crate) fn row_needs_exact<const GATED: bool>(x: f32, r: f32) -> bool {
    if GATED {
        // The f64 product is exact; 2^-125 leaves room for the rounding of w·x.
        let xr = (x as f64 * r as f64).abs();
        xr != 0.0 && xr < TWO_POW_M125
    } else {
        x != 0.0 && x.abs() < f32::MIN_POSITIVE
    }
}

/// 2^e, exactly (decimal literals of these would be rounded).
const fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

const TWO_POW_M125: f64 = pow2(-125);
const TWO_POW_149: f64 = pow2(149);
/// 1.5·2^-97: the f64 numbers near it are spaced 2^-149 apart, the spacing of the f32
/// subnormals, so `(v + GRID) - GRID` rounds `|v| < 2^-126` to that grid (ties to even).
const GRID: f64 = 1.5 * pow2(-97);

/// `v` rounded to the nearest f32 (ties to even, subnormals included), returned as f64,
/// without an f32 operation on a subnormal.
#[inline(always)]
fn round_to_f32(v: f64) -> f64 {
    if v.abs() >= f32::MIN_POSITIVE as f64 {
        (v as f32) as f64
    } else {
        (v + GRID) - GRID
    }
}

/// An f64 that holds an f32 value, as that f32 (built from bits when subnormal).
#[inline(always)]
fn to_f32(v: f64) -> f32 {
    if v.abs() >= f32::MIN_POSITIVE as f64 {
        v as f32
    } else {
        let magnitude = (v.abs() * TWO_POW_149) as u32;
        f32::from_bits(magnitude | ((v.is_sign_negative() as u32) << 31))
    }
}

/// One row of `mat_acc` (`acc[l] += w[l]·x`) or `mat_acc_gated` (`acc[l] += (w[l]·x)·r`),
/// each product rounded to f32 exactly as the hardware does, but computed in f64 (where it is
/// exact) and rounded in software, so that no f32 multiply sees a subnormal. The final add
/// runs in f32 (a subnormal addend costs an add nothing). Bit-identical to the plain loop.
#[inline(never)]
pub(crate) fn exact_row<const GATED: bool>(acc: &mut [f32], w: &[f32], x: f32, r: f32) {
    let (xd, rd) = (x as f64, r as f64);
    for (a, &wl) in acc.iter_mut().zip(w) {
        let mut p = round_to_f32(wl as f64 * xd);
        if GATED {
            p = round_to_f32(p * rd);
        }
        *a += to_f32(p);
    }
}

#[inline]
pub(crate) fn xcorr(x: &[f32], y: &[f32], xcorr: &mut [f32]) {
    let lags = xcorr.len();
    debug_assert!(lags.is_multiple_of(LANES));
    xcorr.fill(0.0);
    if y.len() < x.len() + lags {
        return;
    }
    for (b, block) in xcorr.chunks_exact_mut(LANES).enumerate() {
        let mut a = [0.0f32; LANES];
        for (j, &xj) in x.iter().enumerate() {
            let yw = &y[b * LANES + j..b * LANES + j + LANES];
            for l in 0..LANES {
                a[l] += xj * yw[l];
            }
        }
        block.copy_from_slice(&a);
    }
}

/// `out[l] = Σ_j x[j] * y[offsets[l] + j]` for up to `MAX_LAGS` (pitch.rs) offsets, each sum
/// sequential in j (the reference's order), eight independent sums interleaved per pass so that
/// the adds overlap instead of waiting on each other.
pub(crate) fn corr_at(x: &[f32], y: &[f32], offsets: &[usize], out: &mut [f32]) {
    let n = x.len();
    for (offs, outs) in offsets.chunks(8).zip(out.chunks_mut(8)) {
        let mut o = [0usize; 8];
        o[..offs.len()].copy_from_slice(offs);
        // Every window must lie inside y; unused slots repeat the first offset.
        for v in o.iter_mut().skip(offs.len()) {
            *v = offs[0];
        }
        if o.iter().any(|&v| v + n > y.len()) {
            // Never in RNNoise: one offset at a time, 0 for a window that leaves y.
            for (out, &v) in outs.iter_mut().zip(offs) {
                *out = match y.get(v..v + n) {
                    Some(w) => x.iter().zip(w).fold(0.0, |a, (&xj, &wj)| a + xj * wj),
                    None => 0.0,
                };
            }
            continue;
        }
        let w: [&[f32]; 8] = std::array::from_fn(|l| &y[o[l]..o[l] + n]);
        let (mut a0, mut a1, mut a2, mut a3) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let (mut a4, mut a5, mut a6, mut a7) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for j in 0..n {
            let xj = x[j];
            a0 += xj * w[0][j];
            a1 += xj * w[1][j];
            a2 += xj * w[2][j];
            a3 += xj * w[3][j];
            a4 += xj * w[4][j];
            a5 += xj * w[5][j];
            a6 += xj * w[6][j];
            a7 += xj * w[7][j];
        }
        let all = [a0, a1, a2, a3, a4, a5, a6, a7];
        outs.copy_from_slice(&all[..outs.len()]);
    }
}

/// The reference's `tansig_approx`: table lookup with a first-order correction.
#[inline]
pub(crate) fn tanh(table: &[f32; 201], x: f32) -> f32 {
    // NaN takes the first branch, as in the C code (whose tests are reversed for that).
    if x.is_nan() || x >= 8.0 {
        return 1.0;
    }
    if x <= -8.0 {
        return -1.0;
    }
    let (sign, x) = if x < 0.0 { (-1.0f32, -x) } else { (1.0, x) };
    // Truncation is floor here (the argument is positive), and at most 200.
    let i = (0.5f32 + 25.0 * x) as usize;
    let x = x - 0.04f32 * i as f32;
    let y = table[i.min(200)];
    let dy = 1.0 - y * y;
    let y = y + (x * dy) * (1.0 - y * x);
    sign * y
}

/// The reference's `sigmoid_approx` (its final sum is evaluated in double).
#[inline]
pub(crate) fn sigmoid(table: &[f32; 201], x: f32) -> f32 {
    (0.5 + 0.5 * tanh(table, 0.5 * x) as f64) as f32
}

/// `out[i] = act(scale * acc[i])` with act = sigmoid (`SIGMOID`) or tanh.
#[inline]
pub(crate) fn activate<const SIGMOID: bool>(
    table: &[f32; 201],
    scale: f32,
    acc: &[f32],
    out: &mut [f32],
) {
    for (o, &a) in out.iter_mut().zip(acc) {
        *o = if SIGMOID {
            sigmoid(table, scale * a)
        } else {
            tanh(table, scale * a)
        };
    }
}

/// High-pass biquad coefficients of the reference: `b = [-2, 1]`, `a = [-1.99599, 0.996]`.
const HP_B: [f32; 2] = [-2.0, 1.0];
const HP_A: [f32; 2] = [-1.99599, 0.99600];

/// The reference's DC-blocking biquad `(1 - 2z⁻¹ + z⁻²) / (1 - 1.99599z⁻¹ + 0.996z⁻²)`, in
/// transposed form with the state update in double, in place.
#[inline]
pub(crate) fn high_pass(mem: &mut [f32; 2], x: &mut [f32]) {
    let [mut m0, mut m1] = *mem;
    for v in x.iter_mut() {
        let xi = *v;
        let yi = xi + m0;
        let (xd, yd) = (xi as f64, yi as f64);
        m0 = (m1 as f64 + (HP_B[0] as f64 * xd - HP_A[0] as f64 * yd)) as f32;
        m1 = (HP_B[1] as f64 * xd - HP_A[1] as f64 * yd) as f32;
        *v = yi;
    }
    *mem = [m0, m1];
}

/// [`high_pass`] with fused multiply-adds, for callers compiled with FMA. Bit-identical: the
/// products of two f32 values are exact in f64, so `fma(-a, y, b·x)` rounds the same
/// difference once, as the reference's separate multiply and subtract do. The filter is one
/// long chain of dependent operations; `side` advances two steps per sample in its shadow.
#[inline(always)]
pub(crate) fn high_pass_fused<S: super::Interleaved>(
    mem: &mut [f32; 2],
    x: &mut [f32],
    side: &mut S,
) {
    let [mut m0, mut m1] = *mem;
    for v in x.iter_mut() {
        let xi = *v;
        let yi = xi + m0;
        let (xd, yd) = (xi as f64, yi as f64);
        m0 = (m1 as f64 + (-(HP_A[0] as f64)).mul_add(yd, HP_B[0] as f64 * xd)) as f32;
        m1 = (-(HP_A[1] as f64)).mul_add(yd, HP_B[1] as f64 * xd) as f32;
        *v = yi;
        side.step();
        side.step();
    }
    *mem = [m0, m1];
}

/// Turns `z[..n]`, the `n`-point complex FFT of a `2n`-sample real signal packed as
/// `z[m] = x[2m] + i·x[2m+1]`, into bins `0..=n` of the signal's real FFT, in place
/// (`z.len() == n + 1`, `n` a multiple of 4). Bins `k` and `n - k` come from `Z[k]` and
/// `Z[n-k]` and the forward twiddle `t` (see [`super::RealFftTwiddles`]).
#[inline(always)]
pub(crate) fn real_fft_post(z: &mut [Complex32], t: &super::RealFftTwiddles) {
    let n = z.len() - 1;
    let z0 = z[0];
    z[0] = Complex32::new(z0.re + z0.im, 0.0);
    z[n] = Complex32::new(z0.re - z0.im, 0.0);
    for k in 1..n / 2 {
        real_fft_post_pair(z, k, t);
    }
    z[n / 2].im = -z[n / 2].im;
}

/// One pair of bins of [`real_fft_post`], lane for lane the operations of the AVX2 kernel.
#[inline(always)]
pub(crate) fn real_fft_post_pair(z: &mut [Complex32], k: usize, t: &super::RealFftTwiddles) {
    let r = z.len() - 1 - k;
    let (a, b) = (z[k], z[r]);
    let (p_re, p_im, h_re, h_im) = pair_terms(a, b, t, k);
    let (h_re, h_im) = (0.5 * h_re, 0.5 * h_im);
    z[k] = Complex32::new(h_re + p_re, h_im + p_im);
    z[r] = Complex32::new(h_re - p_re, -(h_im - p_im));
}

/// The shared terms of a bin pair: `P = (Σ.im·t1.re + Δ.re·t2.re, Σ.im·t1.im + Δ.re·t2.im)`
/// and `H = (Σ.re, Δ.im)`, where `Σ = a + b` and `Δ = a - b`.
#[inline(always)]
fn pair_terms(
    a: Complex32,
    b: Complex32,
    t: &super::RealFftTwiddles,
    k: usize,
) -> (f32, f32, f32, f32) {
    let (s_re, s_im) = (a.re + b.re, a.im + b.im);
    let (d_re, d_im) = (a.re - b.re, a.im - b.im);
    let i = 2 * (k - 1);
    let p_re = s_im * t.t1[i] + d_re * t.t2[i];
    let p_im = s_im * t.t1[i + 1] + d_re * t.t2[i + 1];
    (p_re, p_im, s_re, d_im)
}

/// The inverse of [`real_fft_post`] (up to the factor `n`): from bins `0..=n` of a real
/// spectrum (the imaginary parts of bins 0 and `n` are taken as 0), the `n` complex values
/// whose inverse complex FFT is the packed signal, with the inverse twiddle `t`.
#[inline(always)]
pub(crate) fn real_ifft_pre(x: &[Complex32], z: &mut [Complex32], t: &super::RealFftTwiddles) {
    let n = z.len();
    z[0] = Complex32::new(x[0].re + x[n].re, x[0].re - x[n].re);
    for k in 1..n / 2 {
        real_ifft_pre_pair(x, z, k, t);
    }
    let c = x[n / 2];
    z[n / 2] = Complex32::new(c.re + c.re, -(c.im + c.im));
}

/// One pair of [`real_ifft_pre`], lane for lane the operations of the AVX2 kernel.
#[inline(always)]
pub(crate) fn real_ifft_pre_pair(
    x: &[Complex32],
    z: &mut [Complex32],
    k: usize,
    t: &super::RealFftTwiddles,
) {
    let r = z.len() - k;
    let (p_re, p_im, h_re, h_im) = pair_terms(x[k], x[r], t, k);
    z[k] = Complex32::new(h_re - p_re, h_im - p_im);
    z[r] = Complex32::new(h_re + p_re, -(h_im + p_im));
}
