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

use realfft::num_complex::Complex32;

use crate::simd::SimdLevel;

/// Column padding of every weight matrix and length granule of every accumulator.
pub(crate) const LANES: usize = 16;

/// Scalar work advanced step by step inside a vector kernel (see
/// [`Kernels::xcorr_interleaved`]). `step` must do nothing once the work is complete.
pub(crate) trait Interleaved {
    fn step(&mut self);
}

/// No work to interleave.
pub(crate) struct NoSideWork;

impl Interleaved for NoSideWork {
    #[inline(always)]
    fn step(&mut self) {}
}

/// The interleaved floats (`re, im, re, …`) of complex values, in place.
#[inline(always)]
pub(crate) fn complex_floats(v: &[Complex32]) -> &[f32] {
    // SAFETY: `Complex<f32>` is `#[repr(C)]` with two `f32` fields (size 8, alignment 4):
    // `n` of them are `2n` contiguous, initialized `f32`, borrowed for the same lifetime.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<f32>(), 2 * v.len()) }
}

/// [`complex_floats`], mutable.
#[inline(always)]
pub(crate) fn complex_floats_mut(v: &mut [Complex32]) -> &mut [f32] {
    // SAFETY: as in `complex_floats`; the borrow is exclusive, every bit pattern is a valid
    // `f32`, and every `f32` pair a valid `Complex<f32>`.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<f32>(), 2 * v.len()) }
}

/// Work that [`Kernels::frame_path`] compiles for the chosen level: `run` must be
/// `#[inline(always)]`, as must everything it calls that should get the wider vectors.
/// (A trait rather than a closure: closures cannot be marked `#[inline(always)]`.)
pub(crate) trait FrameBody {
    type Output;
    fn run(self) -> Self::Output;
}

/// The kernels at one SIMD level, chosen once at construction (clamped to what the CPU has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernels {
    level: SimdLevel,
    /// Whether AVX2 and FMA are usable (at the AVX2 level, and at the AVX-512 level when
    /// the CPU has them too): the AVX2 kernels serve the AVX-512 level where 16 lanes are
    /// too wide, and the per-frame code is compiled for AVX2 and FMA.
    avx2: bool,
}

/// Twiddle factors of the post-processing that turns a complex FFT of `n` points into the
/// real FFT of `2n` samples (or back): for bin pair `k`, `n - k` (`k = 1..n/2`), with
/// `w = e^{-iπk/n}` (times ½ forward, conjugated inverse), `t1[2(k-1)..][..2] = (w.re, w.im)`
/// and `t2[2(k-1)..][..2] = (w.im, -w.re)`: the factors of `Σ.im` and `Δ.re` in the real and
/// imaginary slots of a bin (see `scalar::real_fft_post`).
#[derive(Debug, Clone)]
pub(crate) struct RealFftTwiddles {
    pub t1: Vec<f32>,
    pub t2: Vec<f32>,
}

impl RealFftTwiddles {
    /// Twiddles for a real FFT of `2n` samples, forward or inverse.
    pub(crate) fn new(n: usize, forward: bool) -> Self {
        let (mut t1, mut t2) = (vec![0.0f32; n], vec![0.0f32; n]);
        for k in 1..n / 2 {
            let angle = -std::f64::consts::PI / n as f64 * k as f64;
            let (mut re, mut im) = (angle.cos() as f32, angle.sin() as f32);
            if forward {
                (re, im) = (re * 0.5, im * 0.5);
            } else {
                im = -im;
            }
            let i = 2 * (k - 1);
            t1[i] = re;
            t1[i + 1] = im;
            t2[i] = im;
            t2[i + 1] = -re;
        }
        Self { t1, t2 }
    }
}

/// The level RNNoise runs at unless told otherwise: [`SimdLevel::select`], except that
/// AVX-512 is only used when `AQUANT_SIMD=avx512` asks for it. This model's matrices are
/// small (24 to 192 columns, 16 to 90 rows), so 16-lane registers leave many lanes of padding
/// and few independent sums per pass, and the correlations at scattered lags gather: on an
/// AVX-512+VNNI Xeon a frame took 30.9 µs at AVX-512 against 30.0 µs at AVX2.
pub(crate) fn default_level() -> SimdLevel {
    let level = SimdLevel::select();
    let asked = std::env::var("AQUANT_SIMD")
        .is_ok_and(|v| SimdLevel::from_name(&v) == Some(SimdLevel::Avx512));
    if level == SimdLevel::Avx512 && !asked {
        SimdLevel::Avx2
    } else {
        level
    }
}

impl Kernels {
    pub(crate) fn new(level: SimdLevel) -> Self {
        let level = level.clamp_to_cpu();
        #[cfg(target_arch = "x86_64")]
        let avx2 = match level {
            SimdLevel::Avx2 => true,
            SimdLevel::Avx512 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            _ => false,
        };
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Self { level, avx2 }
    }

    /// Runs `body`, the per-frame signal path, compiled for AVX2 and FMA when they are
    /// usable. [`FrameBody::run`] and the functions it calls are `#[inline(always)]`, so that
    /// the whole path is compiled inside the target-feature function. Rust never fuses a
    /// multiply and an add by itself, so the results are those of the baseline build, bit for
    /// bit.
    #[inline(always)]
    pub(crate) fn frame_path<B: FrameBody>(&self, body: B) -> B::Output {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2 and FMA.
            return unsafe { avx2::frame_path(body) };
        }
        body.run()
    }

    /// See `scalar::real_fft_post`.
    #[inline(always)]
    pub(crate) fn real_fft_post(&self, z: &mut [Complex32], t: &RealFftTwiddles) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2.
            return unsafe { avx2::real_fft_post(z, t) };
        }
        scalar::real_fft_post(z, t)
    }

    /// See `scalar::real_ifft_pre`.
    #[inline(always)]
    pub(crate) fn real_ifft_pre(&self, x: &[Complex32], z: &mut [Complex32], t: &RealFftTwiddles) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2.
            return unsafe { avx2::real_ifft_pre(x, z, t) };
        }
        scalar::real_ifft_pre(x, z, t)
    }

    pub(crate) fn level(&self) -> SimdLevel {
        self.level
    }

    /// `acc[c] += w[j*cols + c] * x[j]` for j = 0.. in order, where `cols = acc.len()` (a
    /// multiple of [`LANES`]) and `w.len() == x.len() * cols`. The weights must be integers
    /// of magnitude at most 128 (widened int8): the vector levels compute the products of a
    /// subnormal `x[j]` with integer arithmetic (see `row_needs_exact`).
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
            SimdLevel::Avx2 => unsafe { avx2::xcorr(x, y, xcorr, &mut NoSideWork) },
            _ => scalar::xcorr(x, y, xcorr),
        }
    }

    /// [`Self::xcorr`], with `side.step()` called between its vector operations (when AVX2 is
    /// usable: once per input sample and pass; elsewhere not at all). The caller finishes
    /// whatever steps remain. For latency-bound scalar work (chains of dependent additions)
    /// that would otherwise leave the vector units idle; it changes no result.
    #[inline]
    pub(crate) fn xcorr_interleaved<S: Interleaved>(
        &self,
        x: &[f32],
        y: &[f32],
        xcorr: &mut [f32],
        side: &mut S,
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2.
            return unsafe { avx2::xcorr(x, y, xcorr, side) };
        }
        self.xcorr(x, y, xcorr)
    }

    /// Correlations at arbitrary offsets: `out[l] = Σ_j x[j] * y[offsets[l] + j]`, each sum
    /// sequential in j from 0. Offsets whose window would leave `y` give 0.
    #[inline]
    pub(crate) fn corr_at(&self, x: &[f32], y: &[f32], offsets: &[usize], out: &mut [f32]) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `avx2` is set only when the CPU has AVX2 (the AVX2 kernel transposes
            // 8-lane blocks, faster than the AVX-512 kernel's 16-lane gathers).
            _ if self.avx2 => unsafe { avx2::corr_at(x, y, offsets, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `level` was clamped to the CPU's level at construction.
            SimdLevel::Avx512 => unsafe { avx512::corr_at(x, y, offsets, out) },
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

    /// The reference's high-pass biquad on one frame, in place. When AVX2 and FMA are usable
    /// `side.step()` is called twice per sample (the filter is latency-bound and leaves the
    /// execution units mostly idle); the caller finishes whatever steps remain.
    #[inline]
    pub(crate) fn high_pass<S: Interleaved>(
        &self,
        mem: &mut [f32; 2],
        x: &mut [f32],
        side: &mut S,
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2 and FMA.
            return unsafe { avx2::high_pass(mem, x, side) };
        }
        scalar::high_pass(mem, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift32, for reproducible test data.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }

        fn weight(&mut self) -> f32 {
            (self.next() % 256) as i32 as f32 - 128.0
        }

        /// Mostly ordinary values, with zeros, subnormals of every size (both signs), tiny
        /// normals and the occasional large value.
        fn input(&mut self) -> f32 {
            let sign = if self.next() & 1 == 0 { 1.0 } else { -1.0 };
            match self.next() % 8 {
                0 => 0.0,
                1 => sign * f32::from_bits(1 + self.next() % 0x007f_ffff),
                2 => sign * f32::from_bits(1 + self.next() % 64),
                3 => sign * f32::MIN_POSITIVE * (1.0 + (self.next() % 1000) as f32),
                4 => sign * 1e3 * (self.next() % 1000) as f32,
                _ => sign * (self.next() % 100_000) as f32 / 1e4,
            }
        }

        /// Gate values in [0, 1], some zero, some tiny (subnormal products with tiny x).
        fn gate(&mut self) -> f32 {
            match self.next() % 6 {
                0 => 0.0,
                1 => f32::from_bits(1 + self.next() % 0x007f_ffff),
                2 => 1e-30 * (self.next() % 1000) as f32,
                _ => (self.next() % 10_000) as f32 / 1e4,
            }
        }
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// The vector kernels, including their exact path for rows with subnormal products, give
    /// the scalar reference's results bit for bit.
    #[test]
    fn matrix_kernels_match_scalar_with_subnormal_inputs() {
        let mut rng = Rng(0x1234_5678);
        for &(rows, cols) in &[(24usize, 48usize), (90, 96), (114, 192), (96, 112), (7, 16)] {
            for round in 0..20 {
                let w: Vec<f32> = (0..rows * cols).map(|_| rng.weight()).collect();
                let x: Vec<f32> = (0..rows).map(|_| rng.input()).collect();
                let r: Vec<f32> = (0..rows).map(|_| rng.gate()).collect();
                // Accumulators: bias-like integers, sometimes tiny values.
                let acc0: Vec<f32> = (0..cols)
                    .map(|_| match rng.next() % 4 {
                        0 => 0.0,
                        1 => f32::from_bits(rng.next() % 0x0080_0000),
                        _ => rng.weight(),
                    })
                    .collect();
                let mut expected = acc0.clone();
                scalar::mat_acc(&mut expected, &w, &x);
                let mut expected_gated = acc0.clone();
                scalar::mat_acc_gated(&mut expected_gated, &w, &x, &r);
                for level in SimdLevel::available() {
                    let k = Kernels::new(level);
                    let mut acc = acc0.clone();
                    k.mat_acc(&mut acc, &w, &x);
                    assert_eq!(
                        bits(&acc),
                        bits(&expected),
                        "{level:?} {rows}x{cols} #{round}"
                    );
                    let mut acc = acc0.clone();
                    k.mat_acc_gated(&mut acc, &w, &x, &r);
                    let want = bits(&expected_gated);
                    assert_eq!(bits(&acc), want, "gated {level:?} {rows}x{cols} #{round}");
                }
            }
        }
    }

    /// The exact path itself, on the hardest rows: every input subnormal.
    #[test]
    fn exact_rows_match_the_hardware_products() {
        let mut rng = Rng(0x0bad_cafe);
        let (rows, cols) = (64usize, 64usize);
        let w: Vec<f32> = (0..rows * cols).map(|_| rng.weight()).collect();
        let x: Vec<f32> = (0..rows)
            .map(|i| f32::from_bits((rng.next() % 0x007f_ffff) | ((i as u32 & 1) << 31)))
            .collect();
        let r: Vec<f32> = (0..rows).map(|_| rng.gate()).collect();
        for gated in [false, true] {
            let mut expected = vec![0.0f32; cols];
            let mut got = vec![0.0f32; cols];
            for j in 0..rows {
                let row = &w[j * cols..(j + 1) * cols];
                if gated {
                    for (e, &wl) in expected.iter_mut().zip(row) {
                        *e += (wl * x[j]) * r[j];
                    }
                    scalar::exact_row::<true>(&mut got, row, x[j], r[j]);
                } else {
                    for (e, &wl) in expected.iter_mut().zip(row) {
                        *e += wl * x[j];
                    }
                    scalar::exact_row::<false>(&mut got, row, x[j], r[j]);
                }
            }
            assert_eq!(bits(&got), bits(&expected), "gated {gated}");
        }
    }

    /// The correlation kernels match the scalar reference bit for bit.
    #[test]
    fn correlation_kernels_match_scalar() {
        let mut rng = Rng(0x5eed_0001);
        let y: Vec<f32> = (0..900).map(|_| rng.input()).collect();
        let x: Vec<f32> = (0..480).map(|_| rng.input()).collect();
        let mut expected = [0.0f32; 160];
        scalar::xcorr(&x[..240], &y, &mut expected);
        for level in SimdLevel::available() {
            let k = Kernels::new(level);
            let mut got = [0.0f32; 160];
            k.xcorr(&x[..240], &y, &mut got);
            assert_eq!(bits(&got), bits(&expected), "{level:?}");
        }
        // Every count of offsets up to 32; windows inside y, then some leaving it (zeros).
        for (count, range) in (1..=32).map(|c| (c, 421)).chain((1..=32).map(|c| (c, 480))) {
            let offsets: Vec<usize> = (0..count).map(|_| rng.next() as usize % range).collect();
            let mut expected_at = vec![0.0f32; count];
            scalar::corr_at(&x, &y, &offsets, &mut expected_at);
            for level in SimdLevel::available() {
                let mut got_at = vec![0.0f32; count];
                Kernels::new(level).corr_at(&x, &y, &offsets, &mut got_at);
                assert_eq!(
                    bits(&got_at),
                    bits(&expected_at),
                    "{level:?} {count} {range}"
                );
            }
        }
    }

    /// The real-FFT post- and pre-processing at every level match the scalar code bit for
    /// bit, and together with a naive complex DFT give the real DFT of a signal.
    #[test]
    fn real_fft_processing_matches_scalar_and_the_dft() {
        use realfft::num_complex::Complex32;
        let n = 48; // complex points; a real signal of 96 samples
        let mut rng = Rng(0x0f0f_1234);
        let signal: Vec<f32> = (0..2 * n)
            .map(|_| (rng.next() % 20_001) as f32 / 10_000.0 - 1.0)
            .collect();
        let dft = |z: &[Complex32], sign: f64| -> Vec<Complex32> {
            (0..z.len())
                .map(|k| {
                    let (mut re, mut im) = (0.0f64, 0.0f64);
                    for (m, c) in z.iter().enumerate() {
                        let a = sign * 2.0 * std::f64::consts::PI * (k * m) as f64 / z.len() as f64;
                        re += c.re as f64 * a.cos() - c.im as f64 * a.sin();
                        im += c.re as f64 * a.sin() + c.im as f64 * a.cos();
                    }
                    Complex32::new(re as f32, im as f32)
                })
                .collect()
        };
        let packed: Vec<Complex32> = signal
            .chunks(2)
            .map(|p| Complex32::new(p[0], p[1]))
            .collect();
        let mut spectrum = dft(&packed, -1.0);
        spectrum.push(Complex32::new(0.0, 0.0));
        let forward = RealFftTwiddles::new(n, true);
        let mut expected = spectrum.clone();
        scalar::real_fft_post(&mut expected, &forward);
        // Against the real DFT (direct sum in f64).
        for (k, v) in expected.iter().enumerate() {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (m, &x) in signal.iter().enumerate() {
                let a = -2.0 * std::f64::consts::PI * (k * m) as f64 / (2 * n) as f64;
                re += x as f64 * a.cos();
                im += x as f64 * a.sin();
            }
            assert!(
                (v.re as f64 - re).abs() < 1e-4 && (v.im as f64 - im).abs() < 1e-4,
                "{k}"
            );
        }
        let inverse = RealFftTwiddles::new(n, false);
        let mut expected_pre = vec![Complex32::new(0.0, 0.0); n];
        scalar::real_ifft_pre(&expected, &mut expected_pre, &inverse);
        // The inverse complex DFT of the pre-processed spectrum is 2n times the signal.
        for (m, c) in dft(&expected_pre, 1.0).iter().enumerate() {
            let scale = (2 * n) as f32;
            assert!((c.re / scale - signal[2 * m]).abs() < 1e-5, "{m}");
            assert!((c.im / scale - signal[2 * m + 1]).abs() < 1e-5, "{m}");
        }
        let flat = |v: &[Complex32]| -> Vec<u32> {
            v.iter()
                .flat_map(|c| [c.re.to_bits(), c.im.to_bits()])
                .collect()
        };
        for level in SimdLevel::available() {
            let k = Kernels::new(level);
            let mut got = spectrum.clone();
            k.real_fft_post(&mut got, &forward);
            assert_eq!(flat(&got), flat(&expected), "{level:?}");
            let mut got_pre = vec![Complex32::new(0.0, 0.0); n];
            k.real_ifft_pre(&expected, &mut got_pre, &inverse);
            assert_eq!(flat(&got_pre), flat(&expected_pre), "{level:?}");
        }
    }
}
