//! The RNNoise v0.1 denoiser: per-frame signal path and the streaming wrapper.

use std::sync::Arc;

use realfft::num_complex::Complex32;

use super::features::{
    band_energies_and_corr, band_energy, cepstral_features, interp_band_gain, Tables, Transforms,
    CEPS_MEM, FRAME_SIZE, FREQ_SIZE, NB_DELTA_CEPS, WINDOW_SIZE,
};
use super::kernels::{FrameBody, Kernels};
use super::network::{self, NetworkState, RnnoiseModel, NB_BANDS, NB_FEATURES};
use super::pitch::{self, PitchScratch, PITCH_BUF_SIZE};
use crate::stream::{Flush, Progress, Stream};
use crate::{Result, SimdLevel};

/// Scale between the crate's float convention (±1.0 full scale) and the reference's int16
/// scale (±32768), a power of two so that converting is exact.
pub const INT16_SCALE: f32 = 32768.0;

/// Largest input magnitude accepted on the ±1.0 scale; larger values are clamped (so that
/// energies stay finite). Non-finite samples are replaced by 0.
pub const INPUT_LIMIT: f32 = 8.0;

/// What one frame of analysis found, for inspection and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameInfo {
    /// The 42 network inputs (all zero on the silence path).
    pub features: [f32; NB_FEATURES],
    /// The 22 band gains the network produced (before smoothing and pitch filtering).
    /// NaN on the silence path, where the network does not run.
    pub gains: [f32; NB_BANDS],
    /// Voice activity probability (0 on the silence path).
    pub vad: f32,
    /// Whether the frame took the silence path (energy below the threshold).
    pub silence: bool,
    /// Pitch period in samples at 48 kHz.
    pub pitch_period: usize,
}

impl Default for FrameInfo {
    fn default() -> Self {
        Self {
            features: [0.0; NB_FEATURES],
            gains: [f32::NAN; NB_BANDS],
            vad: 0.0,
            silence: true,
            pitch_period: 0,
        }
    }
}

/// RNNoise v0.1: a real-time noise suppressor for 48 kHz mono speech, in 480-sample frames.
///
/// Two interfaces:
/// * [`Denoiser::process_frame`]: one 480-sample frame in, one out, exactly like the
///   reference `rnnoise_process_frame` (output delayed by 480 samples), returns the voice
///   activity probability.
/// * [`Stream`]: any chunking in and out; the stream compensates the 480-sample delay so that
///   the output lines up with the input and has the same length (see [`Stream`] below).
///
/// Samples use the crate's float convention, ±1.0 full scale (the reference works on the int16
/// scale; the conversion, by 32768, is exact). Non-finite input samples count as 0 and
/// magnitudes above [`INPUT_LIMIT`] are clamped.
///
/// ```
/// use aquant::models::rnnoise::{Denoiser, FRAME_SIZE};
///
/// let mut dn = Denoiser::new();
/// let input = [0.0f32; FRAME_SIZE];
/// let mut output = [0.0f32; FRAME_SIZE];
/// let vad = dn.process_frame(&input, &mut output);
/// assert_eq!(vad, 0.0); // digital silence: the network does not even run
/// ```
#[derive(Debug, Clone)]
pub struct Denoiser {
    model: Arc<RnnoiseModel>,
    kernels: Kernels,
    tables: Arc<Tables>,
    transforms: Transforms,
    // Signal state.
    hp_mem: [f32; 2],
    analysis_mem: [f32; FRAME_SIZE],
    synthesis_mem: [f32; FRAME_SIZE],
    pitch_buf: [f32; PITCH_BUF_SIZE],
    last_period: usize,
    last_gain: f32,
    ceps_mem: [[f32; NB_BANDS]; CEPS_MEM],
    ceps_dist: [[f32; CEPS_MEM]; CEPS_MEM],
    memid: usize,
    net: NetworkState,
    // Per-frame scratch.
    pitch: PitchScratch,
    spectrum: [Complex32; FREQ_SIZE],
    pitch_spectrum: [Complex32; FREQ_SIZE],
    bin_gains: [f32; FREQ_SIZE],
    band: BandValues,
    info: FrameInfo,
    // Stream state.
    stream: StreamState,
}

/// One call of [`Denoiser::process_frame`], for [`Kernels::frame_path`].
struct FrameCall<'a> {
    denoiser: &'a mut Denoiser,
    input: &'a [f32; FRAME_SIZE],
    output: &'a mut [f32; FRAME_SIZE],
}

impl FrameBody for FrameCall<'_> {
    type Output = f32;

    #[inline(always)]
    fn run(self) -> f32 {
        self.denoiser.process_frame_body(self.input, self.output)
    }
}

/// Per-band values of the current frame that the post-processing needs.
#[derive(Debug, Clone, Copy, Default)]
struct BandValues {
    ex: [f32; NB_BANDS],
    ep: [f32; NB_BANDS],
    exp: [f32; NB_BANDS],
}

#[derive(Debug, Clone, Copy)]
struct StreamState {
    input: [f32; FRAME_SIZE],
    input_len: usize,
    output: [f32; FRAME_SIZE],
    output_pos: usize,
    output_len: usize,
    /// Leading output samples still to drop (the reference's 480-sample delay).
    skip: usize,
    /// Input samples consumed since the start (the output owed in total at the end).
    consumed: u64,
    /// Output samples produced since the start.
    produced: u64,
    finished: bool,
}

impl Default for Denoiser {
    fn default() -> Self {
        Self::new()
    }
}

impl Denoiser {
    /// A denoiser with the built-in v0.1 weights at the fastest SIMD level for this model
    /// (AVX2 on AVX-512 machines unless `AQUANT_SIMD=avx512`; see `kernels::default_level`).
    pub fn new() -> Self {
        Self::with_model(RnnoiseModel::builtin(), super::kernels::default_level())
    }

    /// A denoiser with the given weights, using kernels at `level` (clamped to the CPU).
    /// Every level gives bit-identical output.
    pub fn with_model(model: Arc<RnnoiseModel>, level: SimdLevel) -> Self {
        let mut dn = Self {
            model,
            kernels: Kernels::new(level),
            tables: Arc::new(Tables::new()),
            transforms: Transforms::new(),
            hp_mem: [0.0; 2],
            analysis_mem: [0.0; FRAME_SIZE],
            synthesis_mem: [0.0; FRAME_SIZE],
            pitch_buf: [0.0; PITCH_BUF_SIZE],
            last_period: 0,
            last_gain: 0.0,
            ceps_mem: [[0.0; NB_BANDS]; CEPS_MEM],
            ceps_dist: [[0.0; CEPS_MEM]; CEPS_MEM],
            memid: 0,
            net: NetworkState::default(),
            pitch: PitchScratch::default(),
            spectrum: [Complex32::new(0.0, 0.0); FREQ_SIZE],
            pitch_spectrum: [Complex32::new(0.0, 0.0); FREQ_SIZE],
            bin_gains: [0.0; FREQ_SIZE],
            band: BandValues::default(),
            info: FrameInfo::default(),
            stream: StreamState::new(),
        };
        dn.reset();
        dn
    }

    /// The SIMD level the kernels run at.
    pub fn simd_level(&self) -> SimdLevel {
        self.kernels.level()
    }

    /// Features, gains, VAD and pitch of the last processed frame.
    pub fn last_frame(&self) -> &FrameInfo {
        &self.info
    }

    /// The network's recurrent state after the last frame.
    pub fn network_state(&self) -> &NetworkState {
        &self.net
    }

    /// Denoises one frame of 480 samples (±1.0 scale) and returns the voice activity
    /// probability. The output is delayed by one frame: `output` is the denoised previous
    /// input frame (the first call returns the reconstruction of the silent history).
    pub fn process_frame(
        &mut self,
        input: &[f32; FRAME_SIZE],
        output: &mut [f32; FRAME_SIZE],
    ) -> f32 {
        let kernels = self.kernels;
        kernels.frame_path(FrameCall {
            denoiser: self,
            input,
            output,
        })
    }

    /// [`Self::process_frame`], inlined into [`Kernels::frame_path`].
    #[inline(always)]
    fn process_frame_body(
        &mut self,
        input: &[f32; FRAME_SIZE],
        output: &mut [f32; FRAME_SIZE],
    ) -> f32 {
        let mut x = [0.0f32; FRAME_SIZE];
        for (d, &s) in x.iter_mut().zip(input.iter()) {
            // `abs() <= MAX` is `is_finite()` in a form the compiler vectorizes.
            let s = if s.abs() <= f32::MAX { s } else { 0.0 };
            *d = s.clamp(-INPUT_LIMIT, INPUT_LIMIT) * INT16_SCALE;
        }
        let vad = self.process_int16_scale(&mut x);
        for (o, &v) in output.iter_mut().zip(x.iter()) {
            *o = v * (1.0 / INT16_SCALE);
        }
        vad
    }

    /// The reference's `rnnoise_process_frame` on the int16 scale, in place.
    #[inline(always)]
    fn process_int16_scale(&mut self, frame: &mut [f32; FRAME_SIZE]) -> f32 {
        // The pitch history moves by one frame; the part of the pitch analysis that needs
        // only the history runs in the shadow of the high-pass filter.
        self.pitch_buf.copy_within(FRAME_SIZE.., 0);
        let mut side = pitch::start_frame(&self.pitch_buf, &mut self.pitch);
        self.kernels.high_pass(&mut self.hp_mem, frame, &mut side);
        let silence = !self.analyze(frame);
        let info = &mut self.info;
        info.silence = silence;
        info.vad = 0.0;
        if silence {
            info.gains = [f32::NAN; NB_BANDS];
        } else {
            let mut gains = [0.0f32; NB_BANDS];
            info.vad = network::run(
                &self.model,
                &self.kernels,
                &mut self.net,
                &info.features,
                &mut gains,
            );
            info.gains = gains;
            self.pitch_filter(&gains);
            // v0.1 applies the network's gains as they are (later versions smooth them over
            // time with max(g, 0.6·g_prev); the golden data confirms v0.1 does not).
            interp_band_gain(&mut self.bin_gains, &gains);
            for (x, &g) in self.spectrum.iter_mut().zip(self.bin_gains.iter()) {
                x.re *= g;
                x.im *= g;
            }
        }
        self.synthesize(frame);
        self.info.vad
    }

    /// Analysis of one high-passed frame: spectrum, pitch, features. Returns `false` on the
    /// silence path.
    #[inline(always)]
    fn analyze(&mut self, x: &[f32; FRAME_SIZE]) -> bool {
        // Spectrum of the previous and current frame.
        self.transforms.forward_windowed(
            &self.kernels,
            &self.tables,
            &self.analysis_mem,
            x,
            &mut self.spectrum,
        );
        self.analysis_mem.copy_from_slice(x);

        // Pitch.
        self.pitch_buf[PITCH_BUF_SIZE - FRAME_SIZE..].copy_from_slice(x);
        let (period, gain) = pitch::estimate(
            &self.kernels,
            &mut self.pitch,
            &self.pitch_buf,
            self.last_period,
            self.last_gain,
        );
        self.last_period = period;
        self.last_gain = gain;
        let start = PITCH_BUF_SIZE - WINDOW_SIZE - period;
        let (first, second) = self.pitch_buf[start..start + WINDOW_SIZE].split_at(FRAME_SIZE);
        // Both halves are FRAME_SIZE long by construction.
        let (first, second) = (first.try_into().unwrap(), second.try_into().unwrap());
        self.transforms.forward_windowed(
            &self.kernels,
            &self.tables,
            first,
            second,
            &mut self.pitch_spectrum,
        );
        let (mut ex, mut ep, mut exp) =
            ([0.0f32; NB_BANDS], [0.0f32; NB_BANDS], [0.0f32; NB_BANDS]);
        band_energies_and_corr(
            &mut ex,
            &mut ep,
            &mut exp,
            &self.spectrum,
            &self.pitch_spectrum,
        );
        for i in 0..NB_BANDS {
            exp[i] = (exp[i] as f64 / (0.001f64 + (ex[i] * ep[i]) as f64).sqrt()) as f32;
        }
        let info = &mut self.info;
        info.pitch_period = period;
        let mut tmp = [0.0f32; NB_BANDS];
        self.tables.dct(&mut tmp, &exp);
        let f = &mut info.features;
        let base = NB_BANDS + 2 * NB_DELTA_CEPS;
        f[base..base + NB_DELTA_CEPS].copy_from_slice(&tmp[..NB_DELTA_CEPS]);
        f[base] = (f[base] as f64 - 1.3) as f32;
        f[base + 1] = (f[base + 1] as f64 - 0.9) as f32;
        f[NB_BANDS + 3 * NB_DELTA_CEPS] = (0.01 * (period as f64 - 300.0)) as f32;
        self.band.ex = ex;
        self.band.ep = ep;
        self.band.exp = exp;
        cepstral_features(
            &self.tables,
            &ex,
            &mut self.ceps_mem,
            &mut self.ceps_dist,
            &mut self.memid,
            f,
        )
    }

    /// Comb filtering between pitch harmonics: adds the pitch-delayed spectrum per band, with
    /// a strength from the pitch correlation and the gain, then restores each band's energy.
    #[inline(always)]
    fn pitch_filter(&mut self, g: &[f32; NB_BANDS]) {
        let BandValues { ex, ep, exp } = self.band;
        let mut r = [0.0f32; NB_BANDS];
        for i in 0..NB_BANDS {
            let v = if exp[i] > g[i] {
                1.0
            } else {
                let (e2, g2) = (exp[i] * exp[i], g[i] * g[i]);
                ((e2 * (1.0 - g2)) as f64 / (0.001f64 + (g2 * (1.0 - e2)) as f64)) as f32
            };
            let v = if 0.0 > v { 0.0 } else { v };
            let v = if 1.0 < v { 1.0 } else { v };
            // v0.1 takes the square root of the clamped ratio (confirmed by the golden data).
            let v = (v as f64).sqrt() as f32;
            r[i] = (v as f64 * (ex[i] as f64 / (1e-8f64 + ep[i] as f64)).sqrt()) as f32;
        }
        interp_band_gain(&mut self.bin_gains, &r);
        for ((x, p), &rf) in self
            .spectrum
            .iter_mut()
            .zip(self.pitch_spectrum.iter())
            .zip(self.bin_gains.iter())
        {
            x.re += rf * p.re;
            x.im += rf * p.im;
        }
        let mut new_e = [0.0f32; NB_BANDS];
        band_energy(&mut new_e, &self.spectrum);
        let mut norm = [0.0f32; NB_BANDS];
        for i in 0..NB_BANDS {
            norm[i] = (ex[i] as f64 / (1e-8f64 + new_e[i] as f64)).sqrt() as f32;
        }
        interp_band_gain(&mut self.bin_gains, &norm);
        for (x, &n) in self.spectrum.iter_mut().zip(self.bin_gains.iter()) {
            x.re *= n;
            x.im *= n;
        }
    }

    /// Inverse transform, window, overlap-add: writes the first half, keeps the second.
    #[inline(always)]
    fn synthesize(&mut self, out: &mut [f32; FRAME_SIZE]) {
        let time = self
            .transforms
            .inverse(&self.kernels, &self.tables, &self.spectrum);
        // Window and overlap-add in one pass.
        let (lo, hi) = time.split_at(FRAME_SIZE);
        let w = &self.tables.half_window;
        for (((o, &v), &wi), &m) in out.iter_mut().zip(lo).zip(w).zip(&self.synthesis_mem) {
            *o = v * wi + m;
        }
        for ((m, &v), &wi) in self.synthesis_mem.iter_mut().zip(hi).zip(w.iter().rev()) {
            *m = v * wi;
        }
    }

    /// Returns to the freshly constructed state (signal, network and stream state).
    pub fn reset(&mut self) {
        self.hp_mem = [0.0; 2];
        self.analysis_mem = [0.0; FRAME_SIZE];
        self.synthesis_mem = [0.0; FRAME_SIZE];
        self.pitch_buf = [0.0; PITCH_BUF_SIZE];
        self.last_period = 0;
        self.last_gain = 0.0;
        self.ceps_mem = [[0.0; NB_BANDS]; CEPS_MEM];
        self.ceps_dist = [[0.0; CEPS_MEM]; CEPS_MEM];
        self.memid = 0;
        self.net.reset();
        self.info = FrameInfo::default();
        self.stream = StreamState::new();
    }
}

impl StreamState {
    fn new() -> Self {
        Self {
            input: [0.0; FRAME_SIZE],
            input_len: 0,
            output: [0.0; FRAME_SIZE],
            output_pos: 0,
            output_len: 0,
            skip: FRAME_SIZE,
            consumed: 0,
            produced: 0,
            finished: false,
        }
    }
}

/// The denoiser as a stream of f32 samples (±1.0 scale), mono, 48 kHz.
///
/// The output lines up with the input: the reference's one-frame delay is removed by dropping
/// the first 480 output samples, and [`Flush::Finish`] pads the last partial frame with zeros
/// and runs one more frame, so the whole output has exactly as many samples as the input.
/// While streaming, output lags input by 480 to 959 samples (a whole frame must arrive before
/// it is processed). Any chunking gives bit-identical output.
///
/// ```
/// use aquant::models::rnnoise::Denoiser;
/// use aquant::stream::drive_stream;
///
/// let input: Vec<f32> = (0..4800).map(|i| 0.1 * (i as f32 * 0.05).sin()).collect();
/// let mut out = Vec::new();
/// drive_stream(&mut Denoiser::new(), &input, &mut [0.0; 1024], &mut out).unwrap();
/// assert_eq!(out.len(), input.len());
/// ```
impl Stream for Denoiser {
    type In = f32;
    type Out = f32;

    fn process_stream(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        flush: Flush,
    ) -> Result<Progress> {
        let (mut consumed, mut produced) = (0usize, 0usize);
        loop {
            // Hand out pending output first.
            let st = &mut self.stream;
            let n = (st.output_len - st.output_pos).min(output.len() - produced);
            output[produced..produced + n]
                .copy_from_slice(&st.output[st.output_pos..st.output_pos + n]);
            st.output_pos += n;
            produced += n;
            st.produced += n as u64;
            if st.output_pos < st.output_len || st.finished {
                break;
            }
            // Gather input into the frame buffer.
            let take = (FRAME_SIZE - st.input_len).min(input.len() - consumed);
            st.input[st.input_len..st.input_len + take]
                .copy_from_slice(&input[consumed..consumed + take]);
            st.input_len += take;
            consumed += take;
            st.consumed += take as u64;
            let at_end = flush == Flush::Finish && consumed == input.len();
            if st.input_len < FRAME_SIZE {
                if !at_end {
                    break;
                }
                // Output owed beyond what the frames so far deliver: pad with zeros.
                let delivered = st.produced + (st.output_len - st.output_pos) as u64;
                if delivered >= st.consumed {
                    st.finished = true;
                    break;
                }
                st.input[st.input_len..].fill(0.0);
                st.input_len = FRAME_SIZE;
            }
            let frame = st.input;
            let mut out = [0.0f32; FRAME_SIZE];
            self.process_frame(&frame, &mut out);
            let st = &mut self.stream;
            st.input_len = 0;
            st.output = out;
            st.output_pos = st.skip;
            st.skip = 0;
            st.output_len = FRAME_SIZE;
            if at_end {
                // Never hand out more than the input's length in total.
                let owed = st.consumed - st.produced;
                let available = (FRAME_SIZE - st.output_pos) as u64;
                if available > owed {
                    st.output_len = st.output_pos + owed as usize;
                }
            }
        }
        Ok(Progress {
            consumed,
            produced,
            finished: self.stream.finished,
        })
    }

    fn reset(&mut self) {
        Denoiser::reset(self);
    }
}
