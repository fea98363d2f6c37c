//! Pitch analysis of RNNoise (the CELT/Opus float pitch estimator as RNNoise v0.1 uses it):
//! 2× decimation with LPC whitening, a coarse then fine normalized cross-correlation search,
//! and the removal of period doubling. The float evaluation order follows the reference so
//! that the chosen period matches it frame by frame.

use super::kernels::{Interleaved, Kernels, LANES};
use super::FRAME_SIZE;

/// Shortest period searched, in samples at 48 kHz.
pub const PITCH_MIN_PERIOD: usize = 60;
/// Longest period searched, in samples at 48 kHz.
pub const PITCH_MAX_PERIOD: usize = 768;
/// Length of the correlation window, in samples at 48 kHz.
pub const PITCH_FRAME_SIZE: usize = 960;
/// Samples of high-passed history the estimator keeps.
pub const PITCH_BUF_SIZE: usize = PITCH_MAX_PERIOD + PITCH_FRAME_SIZE;

const HALF_BUF: usize = PITCH_BUF_SIZE / 2; // 864
const SEARCH_LEN: usize = PITCH_FRAME_SIZE; // len argument of pitch_search
const SEARCH_MAX: usize = PITCH_MAX_PERIOD - 3 * PITCH_MIN_PERIOD; // 588
const COARSE_X: usize = SEARCH_LEN / 4; // 240
const COARSE_Y: usize = (SEARCH_LEN + SEARCH_MAX) / 4; // 387
const COARSE_LAGS: usize = SEARCH_MAX / 4; // 147
const COARSE_LAGS_PADDED: usize = COARSE_LAGS.div_ceil(LANES) * LANES; // 160
const FINE_LEN: usize = SEARCH_LEN / 2; // 480
const FINE_LAGS: usize = SEARCH_MAX / 2; // 294
/// Lags of the LPC autocorrelation summed together (one AVX2 register; 0..=4 are used).
const AC_LAGS: usize = 8;
/// Terms of the autocorrelation summed in lanes (the rest, at the end, are added per lag).
const AC_FAST: usize = HALF_BUF - 4; // 860
/// Decimated samples that depend only on the history before the new frame.
const OLD_LP: usize = (PITCH_BUF_SIZE - FRAME_SIZE) / 2; // 624
/// Autocorrelation steps that need only those (the last one reads up to `OLD_LP - 1`).
pub(crate) const AC_EARLY: usize = OLD_LP - AC_LAGS + 1; // 617

/// Buffers of the estimator, sized once.
#[derive(Debug, Clone)]
pub(crate) struct PitchScratch {
    x_lp: [f32; HALF_BUF],
    x_lp4: [f32; COARSE_X],
    y_lp4: [f32; COARSE_X + COARSE_LAGS_PADDED],
    coarse: [f32; COARSE_LAGS_PADDED],
    fine: [f32; FINE_LAGS],
    padded: [f32; HALF_BUF + LANES],
    /// The autocorrelation's lanes and the steps done (see [`AutocorrSteps`]).
    ac_lanes: [f32; AC_LAGS],
    ac_pos: usize,
    offsets: [usize; MAX_LAGS],
    corr: [f32; MAX_LAGS],
    yy_lookup: [f32; PITCH_MAX_PERIOD / 2 + 1],
    /// `x_lp[i]²`, for [`EnergyChains`].
    sq: [f32; HALF_BUF],
    /// `Σy²` of the coarse and the fine search at each lag (see [`EnergyChains`]).
    syy_coarse: [f32; COARSE_LAGS],
    syy_fine: [f32; FINE_LAGS],
}

impl Default for PitchScratch {
    fn default() -> Self {
        Self {
            x_lp: [0.0; HALF_BUF],
            x_lp4: [0.0; COARSE_X],
            y_lp4: [0.0; COARSE_X + COARSE_LAGS_PADDED],
            coarse: [0.0; COARSE_LAGS_PADDED],
            fine: [0.0; FINE_LAGS],
            padded: [0.0; HALF_BUF + LANES],
            ac_lanes: [0.0; AC_LAGS],
            ac_pos: 0,
            offsets: [0; MAX_LAGS],
            corr: [0.0; MAX_LAGS],
            yy_lookup: [0.0; PITCH_MAX_PERIOD / 2 + 1],
            sq: [0.0; HALF_BUF],
            syy_coarse: [0.0; COARSE_LAGS],
            syy_fine: [0.0; FINE_LAGS],
        }
    }
}

/// Most lags `corr_at` is asked for at once (remove_doubling: T0 and two per k = 2..=15).
const MAX_LAGS: usize = 32;

/// Float `_celt_lpc`: Levinson-Durbin on `ac[0..=4]`.
#[inline(always)]
fn lpc4(ac: &[f32; 5]) -> [f32; 4] {
    let mut lpc = [0.0f32; 4];
    let mut error = ac[0];
    if ac[0] != 0.0 {
        for i in 0..4 {
            let mut rr = 0.0f32;
            for j in 0..i {
                rr += lpc[j] * ac[i - j];
            }
            rr += ac[i + 1];
            let r = -rr / error;
            lpc[i] = r;
            for j in 0..(i + 1) >> 1 {
                let tmp1 = lpc[j];
                let tmp2 = lpc[i - 1 - j];
                lpc[j] = tmp1 + r * tmp2;
                lpc[i - 1 - j] = tmp2 + r * tmp1;
            }
            error -= (r * r) * error;
            if error < 0.001f32 * ac[0] {
                break;
            }
        }
    }
    lpc
}

/// `out[i] = x_lp[i]` of `pitch_downsample` (the 2× decimation) for `i` in `range`.
#[inline(always)]
fn decimate(x: &[f32; PITCH_BUF_SIZE], out: &mut [f32], range: std::ops::Range<usize>) {
    let start = range.start.max(1);
    for i in start..range.end {
        out[i] = 0.5 * (0.5 * (x[2 * i - 1] + x[2 * i + 1]) + x[2 * i]);
    }
    if range.start == 0 {
        out[0] = 0.5 * (0.5 * x[1] + x[0]);
    }
}

/// The first part of `pitch_downsample`, on the history alone: `history` must already hold
/// the previous frames in place (shifted) but not the new frame. Decimates what does not
/// depend on the new frame and returns the autocorrelation steps that can run on it (meant
/// to run in the shadow of the high-pass filter that produces the new frame).
#[inline(always)]
pub(crate) fn start_frame<'a>(
    history: &[f32; PITCH_BUF_SIZE],
    s: &'a mut PitchScratch,
) -> AutocorrSteps<'a> {
    decimate(history, &mut s.padded, 0..OLD_LP);
    s.ac_lanes = [0.0; AC_LAGS];
    s.ac_pos = 0;
    AutocorrSteps {
        y: &s.padded,
        lanes: &mut s.ac_lanes,
        pos: &mut s.ac_pos,
        end: AC_EARLY,
    }
}

/// The LPC autocorrelation `ac[l] = Σ_j y[j]·y[j+l]` for j in `0..AC_FAST`, lags
/// `0..AC_LAGS` in lanes, one term per lane and step, each sum in order of j.
pub(crate) struct AutocorrSteps<'a> {
    y: &'a [f32; HALF_BUF + LANES],
    lanes: &'a mut [f32; AC_LAGS],
    pos: &'a mut usize,
    end: usize,
}

impl Interleaved for AutocorrSteps<'_> {
    #[inline(always)]
    fn step(&mut self) {
        let j = *self.pos;
        if j < self.end {
            let yj = self.y[j];
            for (a, &v) in self.lanes.iter_mut().zip(&self.y[j..j + AC_LAGS]) {
                *a += yj * v;
            }
            *self.pos = j + 1;
        }
    }
}

impl AutocorrSteps<'_> {
    /// The remaining steps, with the lanes in a local (a register) rather than behind the
    /// reference: the same operations.
    #[inline(always)]
    fn finish(&mut self) {
        let mut lanes = *self.lanes;
        for j in *self.pos..self.end {
            let yj = self.y[j];
            for (a, &v) in lanes.iter_mut().zip(&self.y[j..j + AC_LAGS]) {
                *a += yj * v;
            }
        }
        *self.lanes = lanes;
        *self.pos = (*self.pos).max(self.end);
    }
}

/// `pitch_downsample`: 2× decimation of `x` into `x_lp`, then a 4th-order LPC whitening
/// filter with an added zero. [`start_frame`] must have run on the history first.
#[inline(always)]
fn downsample(x: &[f32; PITCH_BUF_SIZE], s: &mut PitchScratch) {
    decimate(x, &mut s.padded, OLD_LP..HALF_BUF);
    // Autocorrelation at lags 0..=4, each a sequential sum over the whole signal: the
    // steps the high-pass filter left, then the last terms lag by lag.
    AutocorrSteps {
        y: &s.padded,
        lanes: &mut s.ac_lanes,
        pos: &mut s.ac_pos,
        end: AC_FAST,
    }
    .finish();
    let x_lp = &mut s.x_lp;
    x_lp.copy_from_slice(&s.padded[..HALF_BUF]);
    let mut ac = [0.0f32; 5];
    for (k, a) in ac.iter_mut().enumerate() {
        *a = s.ac_lanes[k];
        let mut d = 0.0f32;
        for i in k + AC_FAST..HALF_BUF {
            d += x_lp[i] * x_lp[i - k];
        }
        *a += d;
    }
    // Noise floor at -40 dB, then lag windowing.
    ac[0] *= 1.0001f32;
    for (i, a) in ac.iter_mut().enumerate().skip(1) {
        let w = 0.008f32 * i as f32;
        *a -= (*a * w) * w;
    }
    let mut lpc = lpc4(&ac);
    let mut tmp = 1.0f32;
    for l in lpc.iter_mut() {
        tmp *= 0.9f32;
        *l *= tmp;
    }
    let c1 = 0.8f32;
    let num = [
        lpc[0] + 0.8f32,
        lpc[1] + c1 * lpc[0],
        lpc[2] + c1 * lpc[1],
        lpc[3] + c1 * lpc[2],
        c1 * lpc[3],
    ];
    // The FIR filter `x[i] + num[0]·x[i-1] + … + num[4]·x[i-5]` (zero history), summed left to
    // right as the reference does, on a copy with five leading zeros: one pass per tap over
    // all outputs, which vectorizes across outputs and adds each output's terms in order.
    let src = &mut s.padded[..HALF_BUF + 5];
    src[..5].fill(0.0);
    src[5..].copy_from_slice(&x_lp[..]);
    for (t, &c) in num.iter().enumerate() {
        // Tap t multiplies x[i - 1 - t] = src[i + 4 - t].
        for (v, &h) in x_lp.iter_mut().zip(&src[4 - t..4 - t + HALF_BUF]) {
            *v += c * h;
        }
    }
}

/// The running energies that the searches need, which depend only on the whitened signal:
/// the `Σy²` of the coarse and the fine search at each lag (`find_best_pitch`'s `Syy`), and
/// remove_doubling's `xx` and `yy_lookup`. Each is a long chain of dependent additions; here
/// the four chains advance together, one step at a time, so that their latencies overlap with
/// each other and (see [`Kernels::xcorr_interleaved`]) with the coarse correlation. Each
/// chain keeps its own order of operations, so the values are those of the reference's
/// separate loops.
struct EnergyChains<'a> {
    /// `x_lp[i]²` (the squares of the coarse search's `y4[j] = x_lp[2j]` are `sq[2j]`).
    sq: &'a [f32; HALF_BUF],
    syy_coarse: &'a mut [f32; COARSE_LAGS],
    syy_fine: &'a mut [f32; FINE_LAGS],
    yy_lookup: &'a mut [f32; PITCH_MAX_PERIOD / 2 + 1],
    coarse: f32,
    fine: f32,
    xx: f32,
    yy: f32,
    /// Steps done: first the initial sums (`FINE_LEN` steps), then the lag updates.
    pos: usize,
}

/// Initial sums, then one update per lag of remove_doubling's `yy` (the longest sequence).
const ENERGY_STEPS: usize = FINE_LEN + PITCH_MAX_PERIOD / 2;

impl Interleaved for EnergyChains<'_> {
    #[inline(always)]
    fn step(&mut self) {
        const MAXPERIOD: usize = PITCH_MAX_PERIOD / 2;
        const N: usize = PITCH_FRAME_SIZE / 2;
        let sq = self.sq;
        let p = self.pos;
        if p < FINE_LEN {
            // Initial sums: coarse over y4[0..240], fine over x_lp[0..480], xx over
            // x_lp[384..864] (xx starts from 0, the others from 1).
            let j = p;
            if j < COARSE_X {
                self.coarse += sq[2 * j];
            }
            self.fine += sq[j];
            self.xx += sq[MAXPERIOD + j];
            if j == FINE_LEN - 1 {
                self.yy_lookup[0] = self.xx;
                self.yy = self.xx;
            }
        } else if p < ENERGY_STEPS {
            // The updates lag by lag.
            let clamp1 = |v: f32| if 1.0 > v { 1.0 } else { v };
            let i = p - FINE_LEN;
            if i < COARSE_LAGS {
                self.syy_coarse[i] = self.coarse;
                self.coarse = clamp1(self.coarse + (sq[2 * (i + COARSE_X)] - sq[2 * i]));
            }
            if i < FINE_LAGS {
                self.syy_fine[i] = self.fine;
                self.fine = clamp1(self.fine + (sq[i + FINE_LEN] - sq[i]));
            }
            self.yy = self.yy + sq[MAXPERIOD - 1 - i] - sq[MAXPERIOD + N - 1 - i];
            self.yy_lookup[i + 1] = if 0.0 > self.yy { 0.0 } else { self.yy };
        } else {
            return;
        }
        self.pos = p + 1;
    }
}

impl EnergyChains<'_> {
    #[inline(always)]
    fn finish(&mut self) {
        while self.pos < ENERGY_STEPS {
            self.step();
        }
    }
}

/// `find_best_pitch`: the two lags with the highest normalized correlation `xcorr²/Σy²`,
/// where `syy[i]` is the `Σy²` at lag `i` (from [`EnergyChains`]). `lags` yields
/// `(lag, xcorr)` in increasing lag order; lags left out must have `xcorr <= 0`.
#[inline(always)]
fn find_best_pitch(lags: impl Iterator<Item = (usize, f32)>, syy: &[f32]) -> [usize; 2] {
    let mut best_num = [-1.0f32; 2];
    let mut best_den = [0.0f32; 2];
    let mut best = [0usize, 1];
    for (i, xc) in lags {
        if xc > 0.0 {
            // Scaled as in the reference so that squaring neither underflows nor overflows.
            let x16 = xc * 1e-12f32;
            let num = x16 * x16;
            let syy = syy[i];
            if num * best_den[1] > best_num[1] * syy {
                if num * best_den[0] > best_num[0] * syy {
                    best_num[1] = best_num[0];
                    best_den[1] = best_den[0];
                    best[1] = best[0];
                    best_num[0] = num;
                    best_den[0] = syy;
                    best[0] = i;
                } else {
                    best_num[1] = num;
                    best_den[1] = syy;
                    best[1] = i;
                }
            }
        }
    }
    best
}

/// `pitch_search` on the decimated signal: returns the lag (at the 2× decimated rate ×2) of
/// the best correlation between the last 960 samples and the history.
#[inline(always)]
fn search(k: &Kernels, s: &mut PitchScratch) -> usize {
    let x_lp = &s.x_lp[PITCH_MAX_PERIOD / 2..];
    let y = &s.x_lp[..];
    for j in 0..COARSE_X {
        s.x_lp4[j] = x_lp[2 * j];
    }
    for j in 0..COARSE_Y {
        s.y_lp4[j] = y[2 * j];
    }
    s.y_lp4[COARSE_Y..].fill(0.0);

    // Coarse search with 4× decimation, with the energy sequences computed alongside (from
    // the squares, computed beforehand in vectors: the chains are left with their additions).
    for (q, &v) in s.sq.iter_mut().zip(&s.x_lp) {
        *q = v * v;
    }
    let mut chains = EnergyChains {
        sq: &s.sq,
        syy_coarse: &mut s.syy_coarse,
        syy_fine: &mut s.syy_fine,
        yy_lookup: &mut s.yy_lookup,
        coarse: 1.0,
        fine: 1.0,
        xx: 0.0,
        yy: 0.0,
        pos: 0,
    };
    k.xcorr_interleaved(&s.x_lp4, &s.y_lp4, &mut s.coarse, &mut chains);
    chains.finish();
    let x_lp = &s.x_lp[PITCH_MAX_PERIOD / 2..];
    let y = &s.x_lp[..];
    let coarse = s.coarse[..COARSE_LAGS].iter().copied().enumerate();
    let best = find_best_pitch(coarse, &s.syy_coarse);

    // Finer search with 2× decimation, only around the two coarse candidates.
    s.fine.fill(0.0);
    let mut count = 0;
    for i in 0..FINE_LAGS {
        if (i as isize - 2 * best[0] as isize).abs() <= 2
            || (i as isize - 2 * best[1] as isize).abs() <= 2
        {
            s.offsets[count] = i;
            count += 1;
        }
    }
    k.corr_at(
        &x_lp[..FINE_LEN],
        y,
        &s.offsets[..count],
        &mut s.corr[..count],
    );
    for (&i, &v) in s.offsets[..count].iter().zip(&s.corr[..count]) {
        s.fine[i] = if -1.0 > v { -1.0 } else { v };
    }
    // Only the lags around the candidates can have a positive correlation.
    let fine = s.offsets[..count].iter().map(|&i| (i, s.fine[i]));
    let best = find_best_pitch(fine, &s.syy_fine);

    // Refine by pseudo-interpolation.
    let offset: isize = if best[0] > 0 && best[0] < FINE_LAGS - 1 {
        let (a, b, c) = (s.fine[best[0] - 1], s.fine[best[0]], s.fine[best[0] + 1]);
        if (c - a) > 0.7f32 * (b - a) {
            1
        } else if (a - c) > 0.7f32 * (b - c) {
            -1
        } else {
            0
        }
    } else {
        0
    };
    (2 * best[0] as isize - offset).max(0) as usize
}

#[inline]
fn pitch_gain(xy: f32, xx: f32, yy: f32) -> f32 {
    (xy as f64 / ((1.0f32 + xx * yy) as f64).sqrt()) as f32
}

const SECOND_CHECK: [usize; 16] = [0, 0, 3, 2, 3, 2, 5, 2, 3, 2, 3, 2, 5, 2, 3, 2];

/// `remove_doubling`: checks whether a submultiple of the period explains the signal as well,
/// and refines the result by one sample. Returns (period, gain).
#[inline(always)]
fn remove_doubling(
    k: &Kernels,
    s: &mut PitchScratch,
    period: usize,
    prev_period: usize,
    prev_gain: f32,
) -> (usize, f32) {
    let maxperiod = PITCH_MAX_PERIOD / 2;
    let minperiod = PITCH_MIN_PERIOD / 2;
    let n = PITCH_FRAME_SIZE / 2;
    let prev_period = prev_period / 2;
    let t0 = (period / 2).min(maxperiod - 1);
    let buf = &s.x_lp;
    // `x` of the reference is `buf[maxperiod..]`; x[-t] is buf[maxperiod - t].
    let x = &buf[maxperiod..maxperiod + n];
    let at = |t: usize| maxperiod - t;

    // Every correlation the search may need depends only on T0: compute them in one pass.
    let offsets = &mut s.offsets;
    offsets[0] = at(0);
    offsets[1] = at(t0);
    let mut count = 2;
    let mut candidates = [(0usize, 0usize); 16];
    let mut last_k = 1;
    for (k, &second) in SECOND_CHECK.iter().enumerate().skip(2) {
        let t1 = (2 * t0 + k) / (2 * k);
        if t1 < minperiod {
            break;
        }
        let t1b = if k == 2 {
            if t1 + t0 > maxperiod {
                t0
            } else {
                t0 + t1
            }
        } else {
            (2 * second * t0 + k) / (2 * k)
        };
        candidates[k] = (t1, t1b);
        offsets[count] = at(t1);
        offsets[count + 1] = at(t1b);
        count += 2;
        last_k = k;
    }
    k.corr_at(x, buf, &offsets[..count], &mut s.corr[..count]);
    // yy_lookup (and xx = yy_lookup[0], the same sum as corr[0]) came from EnergyChains.
    let yy_lookup = &s.yy_lookup;
    let (xx, mut xy) = (yy_lookup[0], s.corr[1]);
    debug_assert_eq!(xx.to_bits(), s.corr[0].to_bits());
    let mut yy = yy_lookup[t0];
    let mut best_xy = xy;
    let mut best_yy = yy;
    let g0 = pitch_gain(xy, xx, yy);
    let mut g = g0;
    let mut t = t0;
    for (k, &(t1, t1b)) in candidates.iter().enumerate().take(last_k + 1).skip(2) {
        let (xy1, xy2) = (s.corr[2 * k - 2], s.corr[2 * k - 1]);
        xy = 0.5 * (xy1 + xy2);
        yy = 0.5 * (yy_lookup[t1] + yy_lookup[t1b]);
        let g1 = pitch_gain(xy, xx, yy);
        let dist = t1.abs_diff(prev_period);
        let cont = if dist <= 1 {
            prev_gain
        } else if dist <= 2 && 5 * k * k < t0 {
            0.5 * prev_gain
        } else {
            0.0
        };
        let mut thresh = max(0.3f32, 0.7f32 * g0 - cont);
        // Bias against very short periods (false positives from short-term correlation).
        // The reference's second branch (T1 < 2*minperiod, threshold 0.5) is unreachable.
        if t1 < 3 * minperiod {
            thresh = max(0.4f32, 0.85f32 * g0 - cont);
        }
        if g1 > thresh {
            best_xy = xy;
            best_yy = yy;
            t = t1;
            g = g1;
        }
    }
    best_xy = max(0.0, best_xy);
    let mut pg = if best_yy <= best_xy {
        1.0
    } else {
        best_xy / (best_yy + 1.0)
    };
    let mut xc = [0.0f32; 3];
    k.corr_at(x, buf, &[at(t - 1), at(t), at(t + 1)], &mut xc);
    let offset: isize = if (xc[2] - xc[0]) > 0.7f32 * (xc[1] - xc[0]) {
        1
    } else if (xc[0] - xc[2]) > 0.7f32 * (xc[1] - xc[2]) {
        -1
    } else {
        0
    };
    if pg > g {
        pg = g;
    }
    let period = ((2 * t) as isize + offset).max(PITCH_MIN_PERIOD as isize) as usize;
    (period, pg)
}

/// The reference's `MAX16`/`MAX32`: `a > b ? a : b` (keeps `b` when either is NaN).
#[inline]
fn max(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Estimates the pitch period of the last [`PITCH_FRAME_SIZE`] samples of `history`, given
/// the previous frame's period and gain. Returns (period in samples, gain); the period is in
/// `[PITCH_MIN_PERIOD, PITCH_MAX_PERIOD)`. [`start_frame`] must have run on the history
/// before the new frame was added.
#[inline(always)]
pub(crate) fn estimate(
    k: &Kernels,
    s: &mut PitchScratch,
    history: &[f32; PITCH_BUF_SIZE],
    prev_period: usize,
    prev_gain: f32,
) -> (usize, f32) {
    downsample(history, s);
    let lag = search(k, s);
    let period = PITCH_MAX_PERIOD.saturating_sub(lag);
    let (period, gain) = remove_doubling(k, s, period, prev_period, prev_gain);
    (period.min(PITCH_MAX_PERIOD - 1), gain)
}
