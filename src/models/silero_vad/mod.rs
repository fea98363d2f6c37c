//! Silero VAD v6 at 16 kHz: a speech probability for every 512-sample chunk (32 ms).
//!
//! The model, as ONNX Runtime runs it (`silero_vad.onnx` of the PyPI wheel 6.2.3):
//! 1. `x = [context(64) | chunk(512)]`, right reflect-padded by 64 → 640 samples.
//! 2. STFT: 4 frames of 256 samples, hop 128, periodic Hann window, magnitude of bins 0..=128.
//!    The model does it as a strided convolution with a fixed basis; here it is a real FFT
//!    (the basis is checked against the FFT definition when the weights are loaded).
//! 3. Encoder: 4 convolutions (kernel 3, padding 1, strides 1, 2, 2, 1) with ReLU:
//!    129 → 128 → 64 → 64 → 128 channels, 4 → 4 → 2 → 1 → 1 frames.
//! 4. LSTM cell (128 → 128, PyTorch gate order), state carried between chunks.
//! 5. `p = σ(w · relu(h) + b)`.
//!
//! [`Precision::Int8`] quantizes the convolutions and the LSTM after training (int8 weights,
//! one scale per row): the convolutions' and the LSTM input's activations are ReLU outputs
//! (unbounded) and stay float; the LSTM state `h ∈ (-1, 1)` is quantized to 8 bits for the
//! recurrent product, which runs on the exact integer kernel.
//!
//! ```
//! use aquant::models::silero_vad::{Precision, SileroVad, CHUNK};
//! let mut vad = SileroVad::bundled(Precision::Float).unwrap();
//! let silence = [0.0f32; CHUNK];
//! let p = vad.process_chunk(&silence);
//! assert!(p < 0.5);
//! ```

mod segments;

pub use segments::{speech_segments, Segment, SegmentOptions};

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::nn::layers::{Activation, Conv1d, Conv1dConfig, Lstm, LstmConfig, MatrixFormat};
use crate::nn::{KernelLevel, TensorFile};
use crate::{Error, Result};

/// Sample rate the model runs at.
pub const SAMPLE_RATE: u32 = 16_000;
/// New samples per call.
pub const CHUNK: usize = 512;
/// Samples of the previous chunk seen again at the start of each call.
pub const CONTEXT: usize = 64;
/// The bundled weights: `models/silero-vad-v6/silero_vad_16k_v6_onnx.safetensors` (MIT,
/// © Silero Team; see the LICENSE file next to it).
pub static BUNDLED_WEIGHTS: &[u8] =
    include_bytes!("../../../models/silero-vad-v6/silero_vad_16k_v6_onnx.safetensors");

const WINDOW: usize = CONTEXT + CHUNK; // 576
const PAD: usize = 64;
const PADDED: usize = WINDOW + PAD; // 640
const FFT_LEN: usize = 256;
const HOP: usize = 128;
const FRAMES: usize = 4;
const BINS: usize = FFT_LEN / 2 + 1; // 129
const HIDDEN: usize = 128;

/// Which weights and kernels the model runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// The original float32 weights.
    Float,
    /// Int8 post-training quantization of the convolutions and the LSTM.
    Int8,
}

/// One weight matrix's storage and quantization error.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerReport {
    /// Layer and matrix name.
    pub name: &'static str,
    /// How it is stored.
    pub format: MatrixFormat,
    /// Parameters (weights only).
    pub params: usize,
    /// Bytes as stored (packed, with scales).
    pub bytes: usize,
    /// Signal-to-quantization-noise ratio of the weights in dB (∞ when float).
    pub sqnr_db: f64,
}

/// The Silero VAD v6 model with its streaming state (LSTM state and 64 samples of context).
pub struct SileroVad {
    precision: Precision,
    window: [f32; FFT_LEN],
    fft: Arc<dyn RealToComplex<f32>>,
    fft_input: Vec<f32>,
    fft_output: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
    padded: [f32; PADDED],
    spectrum: Vec<f32>,
    convs: [Conv1d; 4],
    conv_out: [Vec<f32>; 4],
    lstm: Lstm,
    decoder_weights: Vec<f32>,
    decoder_bias: f32,
    pending: [f32; CHUNK],
    pending_len: usize,
}

impl std::fmt::Debug for SileroVad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SileroVad")
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

fn bad_weights(what: String) -> Error {
    Error::Corrupt {
        codec: "silero-vad weights",
        what,
    }
}

impl SileroVad {
    /// The model with the bundled v6 weights.
    pub fn bundled(precision: Precision) -> Result<Self> {
        Self::new(&TensorFile::from_bytes(BUNDLED_WEIGHTS)?, precision)
    }

    /// The model from a safetensors file with the 15 tensors of `silero_vad_16k_v6_onnx`
    /// (names and shapes as in the wheel's `silero_vad_16k.safetensors`).
    pub fn load(path: impl AsRef<std::path::Path>, precision: Precision) -> Result<Self> {
        Self::new(&TensorFile::load(path)?, precision)
    }

    /// The model from loaded tensors.
    pub fn new(weights: &TensorFile, precision: Precision) -> Result<Self> {
        Self::with_level(weights, precision, KernelLevel::select())
    }

    /// As [`SileroVad::new`] at a given kernel level (clamped to the CPU).
    pub fn with_level(
        weights: &TensorFile,
        precision: Precision,
        level: KernelLevel,
    ) -> Result<Self> {
        let basis = weights.f32("stft_conv.weight", &[2 * BINS, 1, FFT_LEN])?;
        let window: [f32; FFT_LEN] = basis[..FFT_LEN]
            .try_into()
            .map_err(|_| bad_weights("basis".into()))?;
        check_basis(basis, &window)?;

        let (conv_format, input_format, recurrent_format) = match precision {
            Precision::Float => (MatrixFormat::F32, MatrixFormat::F32, MatrixFormat::F32),
            Precision::Int8 => (
                MatrixFormat::Int8,
                MatrixFormat::Int8,
                MatrixFormat::Int8Bounded,
            ),
        };
        let conv = |name: &str, cin: usize, cout: usize, stride: usize, frames: usize| {
            let w = weights.f32(&format!("{name}.weight"), &[cout, cin, 3])?;
            let b = weights.f32(&format!("{name}.bias"), &[cout])?;
            Conv1d::new_at_level(
                Conv1dConfig {
                    in_channels: cin,
                    out_channels: cout,
                    kernel: 3,
                    stride,
                    dilation: 1,
                    weights: w,
                    bias: Some(b),
                    activation: Activation::Relu,
                    format: conv_format,
                    max_block_frames: frames,
                },
                level,
            )
        };
        let convs = [
            conv("conv1", BINS, 128, 1, 4)?,
            conv("conv2", 128, 64, 2, 2)?,
            conv("conv3", 64, 64, 2, 1)?,
            conv("conv4", 64, 128, 1, 1)?,
        ];
        let lstm = Lstm::new_at_level(
            LstmConfig {
                inputs: HIDDEN,
                hidden: HIDDEN,
                input_weights: weights.f32("lstm_cell.weight_ih", &[4 * HIDDEN, HIDDEN])?,
                recurrent_weights: weights.f32("lstm_cell.weight_hh", &[4 * HIDDEN, HIDDEN])?,
                input_bias: weights.f32("lstm_cell.bias_ih", &[4 * HIDDEN])?,
                recurrent_bias: Some(weights.f32("lstm_cell.bias_hh", &[4 * HIDDEN])?),
                input_format,
                recurrent_format,
            },
            level,
        )?;
        let decoder_weights = weights.f32("final_conv.weight", &[1, HIDDEN, 1])?.to_vec();
        let decoder_bias = weights.f32("final_conv.bias", &[1])?[0];
        if decoder_weights.iter().any(|v| !v.is_finite()) || !decoder_bias.is_finite() {
            return Err(bad_weights("final_conv has NaN or infinity".into()));
        }

        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LEN);
        Ok(SileroVad {
            precision,
            window,
            fft_input: fft.make_input_vec(),
            fft_output: fft.make_output_vec(),
            fft_scratch: fft.make_scratch_vec(),
            fft,
            padded: [0.0; PADDED],
            spectrum: vec![0.0; FRAMES * BINS],
            convs,
            conv_out: [
                vec![0.0; 4 * 128],
                vec![0.0; 2 * 64],
                vec![0.0; 64],
                vec![0.0; 128],
            ],
            lstm,
            decoder_weights,
            decoder_bias,
            pending: [0.0; CHUNK],
            pending_len: 0,
        })
    }

    /// The precision chosen at construction.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Per weight matrix: format, size and quantization SQNR.
    pub fn quantization_report(&self) -> Vec<LayerReport> {
        let names = ["conv1", "conv2", "conv3", "conv4"];
        let mut out: Vec<LayerReport> = names
            .iter()
            .zip(&self.convs)
            .map(|(&name, c)| report(name, c.linear()))
            .collect();
        let [ih, hh] = self.lstm.matrices();
        out.push(report("lstm.weight_ih", ih));
        out.push(report("lstm.weight_hh", hh));
        out
    }

    /// Back to the state after construction: zero LSTM state, zero context, no pending samples.
    pub fn reset(&mut self) {
        self.lstm.reset();
        self.padded[..CONTEXT].fill(0.0);
        self.pending_len = 0;
    }

    /// The LSTM state `(h, c)` after the last chunk.
    pub fn state(&self) -> (&[f32], &[f32]) {
        (self.lstm.hidden_state(), self.lstm.cell_state())
    }

    /// STFT magnitude of the last chunk, `[frame][bin]` (4 × 129).
    pub fn last_spectrum(&self) -> &[f32] {
        &self.spectrum
    }

    /// Encoder output (the LSTM input) of the last chunk, 128 values.
    pub fn last_encoder_output(&self) -> &[f32] {
        &self.conv_out[3]
    }

    /// Runs one 512-sample chunk (16 kHz, nominally in [-1, 1]) and returns its speech
    /// probability. NaN and infinite samples are treated as 0 (the model would otherwise carry
    /// NaN in its state forever).
    pub fn process_chunk(&mut self, chunk: &[f32; CHUNK]) -> f32 {
        for (d, &s) in self.padded[CONTEXT..WINDOW].iter_mut().zip(chunk) {
            *d = if s.is_finite() { s } else { 0.0 };
        }
        // Right reflect pad: x[574], x[573], …, x[511] (the edge sample is not repeated).
        for i in 0..PAD {
            self.padded[WINDOW + i] = self.padded[WINDOW - 2 - i];
        }
        self.stft();
        let [c1, c2, c3, c4] = &mut self.convs;
        let [o1, o2, o3, o4] = &mut self.conv_out;
        // The shapes are fixed at construction, so these cannot fail.
        let ok = c1.forward_padded(&self.spectrum, 1, 1, o1).is_ok()
            && c2.forward_padded(o1, 1, 1, o2).is_ok()
            && c3.forward_padded(o2, 1, 1, o3).is_ok()
            && c4.forward_padded(o3, 1, 1, o4).is_ok();
        debug_assert!(ok);
        let h = self.lstm.step(o4);
        let logit = self.decoder_bias
            + h.iter()
                .zip(&self.decoder_weights)
                .map(|(&h, &w)| h.max(0.0) * w)
                .sum::<f32>();
        // The next call's context: the last 64 samples of this window.
        self.padded.copy_within(WINDOW - CONTEXT..WINDOW, 0);
        crate::nn::layers::activations::sigmoid(logit)
    }

    fn stft(&mut self) {
        for t in 0..FRAMES {
            let frame = &self.padded[t * HOP..t * HOP + FFT_LEN];
            for ((d, &x), &w) in self.fft_input.iter_mut().zip(frame).zip(&self.window) {
                *d = x * w;
            }
            // Lengths are the planner's own, so this cannot fail.
            let ok = self
                .fft
                .process_with_scratch(
                    &mut self.fft_input,
                    &mut self.fft_output,
                    &mut self.fft_scratch,
                )
                .is_ok();
            debug_assert!(ok);
            for (d, c) in self.spectrum[t * BINS..(t + 1) * BINS]
                .iter_mut()
                .zip(&self.fft_output)
            {
                *d = (c.re * c.re + c.im * c.im).sqrt();
            }
        }
    }

    /// Streams samples of any length: every completed 512-sample chunk is processed and its
    /// probability passed to `on_chunk`; the remainder waits for the next call. Never
    /// allocates.
    pub fn push(&mut self, samples: &[f32], mut on_chunk: impl FnMut(f32)) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (CHUNK - self.pending_len).min(rest.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&rest[..take]);
            self.pending_len += take;
            rest = &rest[take..];
            if self.pending_len == CHUNK {
                let chunk = self.pending;
                self.pending_len = 0;
                on_chunk(self.process_chunk(&chunk));
            }
        }
    }

    /// Processes the pending partial chunk zero-padded to 512 samples (as the package's
    /// `audio_forward` does with the last chunk); returns its probability, or `None` if nothing
    /// was pending.
    pub fn flush(&mut self) -> Option<f32> {
        if self.pending_len == 0 {
            return None;
        }
        let mut chunk = self.pending;
        chunk[self.pending_len..].fill(0.0);
        self.pending_len = 0;
        Some(self.process_chunk(&chunk))
    }

    /// Speech probability of every chunk of a whole 16 kHz signal (the last partial chunk
    /// zero-padded), from the current state.
    pub fn probabilities(&mut self, samples: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(samples.len().div_ceil(CHUNK));
        self.push(samples, |p| out.push(p));
        out.extend(self.flush());
        out
    }
}

/// Probabilities and speech segments of a whole signal (what `aquant vad` prints).
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Speech probability of every 512-sample chunk (chunk k starts at sample 512·k).
    pub probabilities: Vec<f32>,
    /// Speech segments, in samples at 16 kHz.
    pub segments: Vec<Segment>,
}

/// Runs the detector over a whole 16 kHz mono signal from a fresh state and finds its speech
/// segments.
///
/// ```
/// use aquant::models::silero_vad::{detect, Precision, SegmentOptions, SileroVad};
/// let mut vad = SileroVad::bundled(Precision::Int8).unwrap();
/// let d = detect(&mut vad, &vec![0.0; 16_000], &SegmentOptions::default());
/// assert_eq!(d.probabilities.len(), 32); // 1 s = 31.25 chunks, the last one zero-padded
/// assert!(d.segments.is_empty());
/// ```
pub fn detect(vad: &mut SileroVad, samples_16k: &[f32], opts: &SegmentOptions) -> Detection {
    vad.reset();
    let probabilities = vad.probabilities(samples_16k);
    let segments = speech_segments(&probabilities, samples_16k.len(), opts);
    Detection {
        probabilities,
        segments,
    }
}

fn report(name: &'static str, linear: &crate::nn::Linear) -> LayerReport {
    LayerReport {
        name,
        format: linear.format(),
        params: linear.rows() * linear.cols(),
        bytes: linear.weight_bytes(),
        sqnr_db: linear.sqnr_db(),
    }
}

/// Checks that the stored STFT basis is `w[n]·cos(2πkn/256)` and `−w[n]·sin(2πkn/256)`, so the
/// FFT computes exactly what the model's convolution does.
fn check_basis(basis: &[f32], window: &[f32; FFT_LEN]) -> Result<()> {
    let mut worst = 0.0f64;
    for k in 0..BINS {
        for n in 0..FFT_LEN {
            let phase = 2.0 * std::f64::consts::PI * (k * n % FFT_LEN) as f64 / FFT_LEN as f64;
            let w = window[n] as f64;
            let re = basis[k * FFT_LEN + n] as f64 - w * phase.cos();
            let im = basis[(BINS + k) * FFT_LEN + n] as f64 + w * phase.sin();
            worst = worst.max(re.abs()).max(im.abs());
        }
    }
    if worst > 1e-5 {
        return Err(bad_weights(format!(
            "stft_conv.weight is not a windowed DFT basis (max deviation {worst:.2e})"
        )));
    }
    Ok(())
}
