//! Spectral analysis of RNNoise: the window, the 960-point transforms, the 22 triangular
//! bands (energies, correlations, gain interpolation), the DCT, and the 42 features.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use super::kernels::{complex_floats, complex_floats_mut, Kernels, RealFftTwiddles};
use super::network::{NB_BANDS, NB_FEATURES};

/// Samples per frame (10 ms at 48 kHz).
pub const FRAME_SIZE: usize = 480;
/// Analysis window length (two frames, 50 % overlap).
pub const WINDOW_SIZE: usize = 2 * FRAME_SIZE;
/// Bins kept from the 960-point transform (0 to 24 kHz in 50 Hz steps).
pub const FREQ_SIZE: usize = FRAME_SIZE + 1;
/// Cepstral history length (for the deltas and the spectral variability).
pub const CEPS_MEM: usize = 8;
/// Number of cepstral coefficients with deltas.
pub const NB_DELTA_CEPS: usize = 6;

/// Band edges in units of 200 Hz (4 bins): the Opus 5 ms band layout up to 20 kHz.
pub const EBAND_5MS: [usize; NB_BANDS] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 34, 40, 48, 60, 78, 100,
];
const BAND_SHIFT: usize = 2;

/// Constant tables: the half window and the DCT matrix, computed as the reference does (in
/// double, rounded to f32), and the twiddles of the real FFT's post-processing.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub half_window: [f32; FRAME_SIZE],
    /// `dct[j * NB_BANDS + i] = cos((j + 0.5) i π / 22)`, column 0 scaled by √½.
    pub dct: [f32; NB_BANDS * NB_BANDS],
    forward_twiddles: RealFftTwiddles,
    inverse_twiddles: RealFftTwiddles,
}

impl Tables {
    pub(crate) fn new() -> Self {
        let mut half_window = [0.0f32; FRAME_SIZE];
        for (i, w) in half_window.iter_mut().enumerate() {
            let s = (0.5 * std::f64::consts::PI * (i as f64 + 0.5) / FRAME_SIZE as f64).sin();
            *w = (0.5 * std::f64::consts::PI * s * s).sin() as f32;
        }
        let mut dct = [0.0f32; NB_BANDS * NB_BANDS];
        for i in 0..NB_BANDS {
            for j in 0..NB_BANDS {
                let mut v = ((i as f64 + 0.5) * j as f64 * std::f64::consts::PI / NB_BANDS as f64)
                    .cos() as f32;
                if j == 0 {
                    v = (v as f64 * 0.5f64.sqrt()) as f32;
                }
                dct[i * NB_BANDS + j] = v;
            }
        }
        Self {
            half_window,
            dct,
            forward_twiddles: RealFftTwiddles::new(FRAME_SIZE, true),
            inverse_twiddles: RealFftTwiddles::new(FRAME_SIZE, false),
        }
    }

    /// The DCT-II of the 22 band values, orthonormal (the reference's `dct`).
    #[inline(always)]
    pub(crate) fn dct(&self, out: &mut [f32], input: &[f32; NB_BANDS]) {
        let scale = (2.0f64 / 22.0).sqrt();
        for (i, o) in out[..NB_BANDS].iter_mut().enumerate() {
            let mut sum = 0.0f32;
            for (j, &v) in input.iter().enumerate() {
                sum += v * self.dct[j * NB_BANDS + i];
            }
            *o = (sum as f64 * scale) as f32;
        }
    }
}

/// The 960-point real transforms with their scratch space (allocated once): a 480-point
/// complex FFT (rustfft) of the samples packed in pairs, plus the pre- or post-processing
/// that makes it a real transform (`kernels`, vectorized).
pub(crate) struct Transforms {
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
    scratch: Vec<Complex32>,
    /// Input of the complex FFTs: the forward one's samples in pairs, `(x[2m], x[2m+1])`.
    packed: [Complex32; FRAME_SIZE],
    /// Output of the inverse complex FFT: the real signal in pairs.
    time: [Complex32; FRAME_SIZE],
}

impl std::fmt::Debug for Transforms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transforms(960)")
    }
}

impl Clone for Transforms {
    fn clone(&self) -> Self {
        Self {
            forward: self.forward.clone(),
            inverse: self.inverse.clone(),
            scratch: self.scratch.clone(),
            packed: self.packed,
            time: self.time,
        }
    }
}

impl Transforms {
    pub(crate) fn new() -> Self {
        let mut planner = FftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(FRAME_SIZE);
        let inverse = planner.plan_fft_inverse(FRAME_SIZE);
        let len = forward
            .get_outofplace_scratch_len()
            .max(inverse.get_outofplace_scratch_len())
            .max(1);
        Self {
            forward,
            inverse,
            scratch: vec![Complex32::new(0.0, 0.0); len],
            packed: [Complex32::new(0.0, 0.0); FRAME_SIZE],
            time: [Complex32::new(0.0, 0.0); FRAME_SIZE],
        }
    }

    /// `out[k] = (1/960) Σ x[n] w[n] e^{-2πikn/960}` for k = 0..=480, where `x` is `first`
    /// followed by `second` and `w` the analysis window: windowing and scaling in one pass
    /// (each sample is multiplied by its window value, then by 1/960, as in two passes).
    #[inline(always)]
    pub(crate) fn forward_windowed(
        &mut self,
        kernels: &Kernels,
        tables: &Tables,
        first: &[f32; FRAME_SIZE],
        second: &[f32; FRAME_SIZE],
        out: &mut [Complex32; FREQ_SIZE],
    ) {
        let scale = 1.0f32 / WINDOW_SIZE as f32;
        let (lo, hi) = complex_floats_mut(&mut self.packed).split_at_mut(FRAME_SIZE);
        let w = &tables.half_window;
        for ((t, &v), &wi) in lo.iter_mut().zip(first).zip(w) {
            *t = (v * wi) * scale;
        }
        for ((t, &v), &wi) in hi.iter_mut().zip(second).zip(w.iter().rev()) {
            *t = (v * wi) * scale;
        }
        self.forward.process_outofplace_with_scratch(
            &mut self.packed,
            &mut out[..FRAME_SIZE],
            &mut self.scratch,
        );
        kernels.real_fft_post(out, &tables.forward_twiddles);
    }

    /// `out[n] = Σ_k X[k] e^{2πikn/960}` over the Hermitian extension of `X` (no scaling;
    /// the imaginary parts of DC and Nyquist do not reach the real output), n = 0..960.
    #[inline(always)]
    pub(crate) fn inverse(
        &mut self,
        kernels: &Kernels,
        tables: &Tables,
        x: &[Complex32; FREQ_SIZE],
    ) -> &[f32] {
        kernels.real_ifft_pre(x, &mut self.packed, &tables.inverse_twiddles);
        self.inverse.process_outofplace_with_scratch(
            &mut self.packed,
            &mut self.time,
            &mut self.scratch,
        );
        complex_floats(&self.time)
    }
}

/// The three band sums of the analysis in one pass over the bins: energies of `x` and `p`
/// and their correlation (see [`band_sums`]).
#[inline(always)]
pub(crate) fn band_energies_and_corr(
    ex: &mut [f32; NB_BANDS],
    ep: &mut [f32; NB_BANDS],
    exp: &mut [f32; NB_BANDS],
    x: &[Complex32; FREQ_SIZE],
    p: &[Complex32; FREQ_SIZE],
) {
    [*ex, *ep, *exp] = band_sums(|k| {
        let (a, b) = (x[k], p[k]);
        [
            a.re * a.re + a.im * a.im,
            b.re * b.re + b.im * b.im,
            a.re * b.re + a.im * b.im,
        ]
    });
}

/// Band energies `Σ |X|²` with triangular weights; the edge bands are doubled.
#[inline(always)]
pub(crate) fn band_energy(out: &mut [f32; NB_BANDS], x: &[Complex32; FREQ_SIZE]) {
    [*out] = band_sums(|k| [x[k].re * x[k].re + x[k].im * x[k].im]);
}

/// `Q` sums per band of `value(bin)` weighted by the band triangles: band i gets the rising
/// edge of band i-1's triangle and its own falling edge; the edge bands are doubled.
///
/// Each triangle edge is summed in four partial sums (bins `k mod 4`), added pairwise at the
/// end of the band: the reference adds bin after bin into one accumulator, a chain of 400
/// dependent additions per sum that dominates the time. The results differ by rounding only.
#[inline(always)]
fn band_sums<const Q: usize>(value: impl Fn(usize) -> [f32; Q]) -> [[f32; NB_BANDS]; Q] {
    // The values first, bin by bin (vectorizes across bins), then the weighted sums.
    let mut values = [[0.0f32; BAND_BINS]; Q];
    for k in 0..BAND_BINS {
        for (row, v) in values.iter_mut().zip(value(k)) {
            row[k] = v;
        }
    }
    let sum4 = |a: [f32; 4]| (a[0] + a[1]) + (a[2] + a[3]);
    let mut out = [[0.0f32; NB_BANDS]; Q];
    let mut carry = [0.0f32; Q];
    for i in 0..NB_BANDS - 1 {
        let start = EBAND_5MS[i] << BAND_SHIFT;
        let end = EBAND_5MS[i + 1] << BAND_SHIFT;
        let fall = BAND_WEIGHTS.falling[start..end].chunks_exact(4);
        let rise = BAND_WEIGHTS.rising[start..end].chunks_exact(4);
        for s in 0..Q {
            let (mut falling, mut rising) = ([0.0f32; 4], [0.0f32; 4]);
            // Band widths are multiples of 4 bins.
            let v = values[s][start..end].chunks_exact(4);
            for ((v, f), r) in v.zip(fall.clone()).zip(rise.clone()) {
                for l in 0..4 {
                    falling[l] += f[l] * v[l];
                    rising[l] += r[l] * v[l];
                }
            }
            out[s][i] = carry[s] + sum4(falling);
            carry[s] = sum4(rising);
        }
    }
    for (o, c) in out.iter_mut().zip(carry) {
        o[NB_BANDS - 1] = c;
        o[0] *= 2.0;
        o[NB_BANDS - 1] *= 2.0;
    }
    out
}

/// Triangle weights per bin below 20 kHz: `rising = j/L` and `falling = 1 - j/L` for bin
/// `j` of a band of `L` bins, computed in f32 as the reference does.
struct BandWeights {
    rising: [f32; BAND_BINS],
    falling: [f32; BAND_BINS],
}

/// Bins covered by the bands (0 to 20 kHz).
const BAND_BINS: usize = EBAND_5MS[NB_BANDS - 1] << BAND_SHIFT;

static BAND_WEIGHTS: BandWeights = band_weights();

const fn band_weights() -> BandWeights {
    let mut w = BandWeights {
        rising: [0.0; BAND_BINS],
        falling: [0.0; BAND_BINS],
    };
    let mut i = 0;
    while i < NB_BANDS - 1 {
        let start = EBAND_5MS[i] << BAND_SHIFT;
        let size = (EBAND_5MS[i + 1] - EBAND_5MS[i]) << BAND_SHIFT;
        let mut j = 0;
        while j < size {
            let frac = j as f32 / size as f32;
            w.rising[start + j] = frac;
            w.falling[start + j] = 1.0 - frac;
            j += 1;
        }
        i += 1;
    }
    w
}

/// Linear interpolation of per-band values to bins 0..400 with the band triangles; bins from
/// 20 kHz up get 0.
#[inline(always)]
pub(crate) fn interp_band_gain(out: &mut [f32; FREQ_SIZE], band: &[f32; NB_BANDS]) {
    for i in 0..NB_BANDS - 1 {
        let start = EBAND_5MS[i] << BAND_SHIFT;
        let end = EBAND_5MS[i + 1] << BAND_SHIFT;
        let (a, b) = (band[i], band[i + 1]);
        let bins = out[start..end]
            .iter_mut()
            .zip(&BAND_WEIGHTS.falling[start..end])
            .zip(&BAND_WEIGHTS.rising[start..end]);
        for ((o, &fall), &rise) in bins {
            *o = fall * a + rise * b;
        }
    }
    out[BAND_BINS..].fill(0.0);
}

/// The reference's `MAX16`: `a > b ? a : b`.
#[inline]
pub(crate) fn max(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Cepstral part of the features (indices 0..34 and 41) from the band energies, and the
/// cepstral history with the squared distances between its entries (`dist`, kept up to date
/// with `ceps_mem`). `features[34..41]` must already hold the pitch features. Returns `false`
/// (and zeroes the features, leaving the history alone) on the silence path (`Σ Ex < 0.04`).
#[inline(always)]
pub(crate) fn cepstral_features(
    tables: &Tables,
    ex: &[f32; NB_BANDS],
    ceps_mem: &mut [[f32; NB_BANDS]; CEPS_MEM],
    dist: &mut [[f32; CEPS_MEM]; CEPS_MEM],
    memid: &mut usize,
    features: &mut [f32; NB_FEATURES],
) -> bool {
    let mut ly = [0.0f32; NB_BANDS];
    let mut log_max = -2.0f32;
    let mut follow = -2.0f32;
    let mut e = 0.0f32;
    for i in 0..NB_BANDS {
        let l = (1e-2f64 + ex[i] as f64).log10() as f32;
        // The reference compares in double here (its constants are double).
        let inner = max64(follow as f64 - 1.5, l as f64);
        let l = max64((log_max - 7.0) as f64, inner) as f32;
        ly[i] = l;
        log_max = max(log_max, l);
        follow = max64(follow as f64 - 1.5, l as f64) as f32;
        e += ex[i];
    }
    // NaN energy also takes the silence path (the reference would run the network on it).
    if e.is_nan() || e < 0.04 {
        features.fill(0.0);
        return false;
    }
    tables.dct(&mut features[..NB_BANDS], &ly);
    features[0] -= 12.0;
    features[1] -= 4.0;
    let id = *memid;
    ceps_mem[id].copy_from_slice(&features[..NB_BANDS]);
    let c0 = ceps_mem[id];
    let c1 = ceps_mem[(id + CEPS_MEM - 1) % CEPS_MEM];
    let c2 = ceps_mem[(id + CEPS_MEM - 2) % CEPS_MEM];
    *memid = (id + 1) % CEPS_MEM;
    for i in 0..NB_DELTA_CEPS {
        features[i] = c0[i] + c1[i] + c2[i];
        features[NB_BANDS + i] = c0[i] - c2[i];
        features[NB_BANDS + NB_DELTA_CEPS + i] = c0[i] - 2.0 * c1[i] + c2[i];
    }
    // Spectral variability: mean distance of each cepstrum to its nearest neighbour. Only
    // the distances to the new cepstrum change; the others are kept from earlier frames
    // (the same sums: `(a - b)²` and `(b - a)²` are equal).
    for j in 0..CEPS_MEM {
        let mut d = 0.0f32;
        for (a, b) in ceps_mem[id].iter().zip(&ceps_mem[j]) {
            let t = a - b;
            d += t * t;
        }
        dist[id][j] = d;
        dist[j][id] = d;
    }
    let mut variability = 0.0f32;
    for (i, row) in dist.iter().enumerate() {
        let mut mindist = 1e15f32;
        for (j, &d) in row.iter().enumerate() {
            if j != i {
                mindist = if mindist < d { mindist } else { d };
            }
        }
        variability += mindist;
    }
    features[NB_BANDS + 3 * NB_DELTA_CEPS + 1] =
        ((variability / CEPS_MEM as f32) as f64 - 2.1) as f32;
    true
}

#[inline]
fn max64(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}
