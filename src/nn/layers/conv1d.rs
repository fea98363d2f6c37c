//! 1-D convolution over frames of channels, with stride and dilation.
//!
//! Two uses:
//! * [`Conv1d::process`]: streaming and causal, `y[m] = b + Σ_j W[:, :, j] · x[m·s − (K−1−j)·d]`
//!   (PyTorch `Conv1d` after a left zero-pad of `(K−1)·d` frames): output `m` is ready once
//!   input frame `m·s` has arrived, and the last `(K−1)·d` frames are kept between calls.
//! * [`Conv1d::forward_padded`]: one stateless block with explicit zero padding, as a
//!   non-streaming `Conv1d(padding=…)` computes it (all outputs in one matrix × matrix).
//!
//! Frames are stored frame-major: `x[t·channels + c]`.

use super::{check_weights, Activation, Linear, MatrixFormat};
use crate::nn::KernelLevel;
use crate::{Error, Result};

/// Everything a [`Conv1d`] is built from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conv1dConfig<'a> {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Taps (K).
    pub kernel: usize,
    /// Input frames per output frame (0 is taken as 1).
    pub stride: usize,
    /// Spacing of the taps in frames (0 is taken as 1).
    pub dilation: usize,
    /// PyTorch layout `[out][in][kernel]`.
    pub weights: &'a [f32],
    /// `out_channels` biases, if any.
    pub bias: Option<&'a [f32]>,
    /// Applied to every output frame.
    pub activation: Activation,
    /// Weight storage.
    pub format: MatrixFormat,
    /// Most output frames one [`Conv1d::forward_padded`] call may produce (0 is taken as 1).
    pub max_block_frames: usize,
}

/// A 1-D convolution layer; see the module docs.
///
/// ```
/// use aquant::nn::layers::{Conv1d, Conv1dConfig};
/// // One channel, kernel [1, 1] (a causal sum of the last two frames).
/// let mut conv = Conv1d::new(Conv1dConfig {
///     in_channels: 1, out_channels: 1, kernel: 2, weights: &[1.0, 1.0], ..Default::default()
/// }).unwrap();
/// let mut y = [0.0; 3];
/// assert_eq!(conv.process(&[1.0, 2.0, 3.0], &mut y).unwrap(), 3);
/// assert_eq!(y, [1.0, 3.0, 5.0]);
/// ```
#[derive(Debug, Clone)]
pub struct Conv1d {
    in_channels: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    linear: Linear,
    bias: Vec<f32>,
    activation: Activation,
    max_block_frames: usize,
    /// The last `(K−1)·d + 1` input frames, oldest first.
    history: Vec<f32>,
    /// Input frames since the last output, modulo the stride.
    phase: usize,
    columns: Vec<f32>,
}

impl Conv1d {
    /// Builds the layer; the history starts at zero. Kernels at [`KernelLevel::select`].
    pub fn new(cfg: Conv1dConfig) -> Result<Self> {
        Self::new_at_level(cfg, KernelLevel::select())
    }

    /// As [`Conv1d::new`] at a given kernel level (clamped to the CPU).
    pub fn new_at_level(cfg: Conv1dConfig, level: KernelLevel) -> Result<Self> {
        let (cin, cout, k) = (cfg.in_channels, cfg.out_channels, cfg.kernel);
        if cin == 0 || cout == 0 || k == 0 {
            return Err(Error::invalid("conv1d", "channels and kernel must be > 0"));
        }
        let stride = cfg.stride.max(1);
        let dilation = cfg.dilation.max(1);
        let max_block_frames = cfg.max_block_frames.max(1);
        check_weights("weights", cfg.weights, cout * cin * k)?;
        let bias = match cfg.bias {
            Some(b) => {
                check_weights("bias", b, cout)?;
                b.to_vec()
            }
            None => vec![0.0; cout],
        };
        // Columns are tap-major (column j·in + i is input channel i at tap j), so gathering a
        // column copies whole frames.
        let mut reordered = vec![0.0; cout * cin * k];
        for o in 0..cout {
            for i in 0..cin {
                for j in 0..k {
                    reordered[o * cin * k + j * cin + i] = cfg.weights[(o * cin + i) * k + j];
                }
            }
        }
        let linear = Linear::with_level(
            cout,
            cin * k,
            &reordered,
            cfg.format,
            max_block_frames,
            level,
        )?;
        let span = (k - 1) * dilation + 1;
        Ok(Conv1d {
            in_channels: cin,
            kernel: k,
            stride,
            dilation,
            linear,
            bias,
            activation: cfg.activation,
            max_block_frames,
            history: vec![0.0; span * cin],
            phase: 0,
            columns: vec![0.0; max_block_frames * cin * k],
        })
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }
    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.linear.rows()
    }
    /// The weight matrix (format, level, SQNR).
    pub fn linear(&self) -> &Linear {
        &self.linear
    }

    /// Clears the history (as at construction).
    pub fn reset(&mut self) {
        self.history.fill(0.0);
        self.phase = 0;
    }

    /// Output frames the next [`Conv1d::process`] call with `frames` input frames produces.
    pub fn outputs_for(&self, frames: usize) -> usize {
        if frames == 0 {
            return 0;
        }
        // Outputs at input frames where the phase is 0.
        let first = (self.stride - self.phase) % self.stride;
        if first >= frames {
            0
        } else {
            (frames - first - 1) / self.stride + 1
        }
    }

    fn finish(&mut self, out: &mut [f32]) {
        out.iter_mut().zip(&self.bias).for_each(|(y, b)| *y += b);
        self.activation.apply(out);
    }

    /// Streams `input` (whole frames of `in_channels`) through the causal convolution and
    /// writes the produced frames to `output`; returns how many frames were produced.
    /// Splitting the input into any sequence of calls gives the same output.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) -> Result<usize> {
        let cin = self.in_channels;
        let cout = self.out_channels();
        if !input.len().is_multiple_of(cin) {
            return Err(Error::invalid("input", "not a whole number of frames"));
        }
        let frames = input.len() / cin;
        let produced = self.outputs_for(frames);
        if output.len() < produced * cout {
            return Err(Error::invalid(
                "output",
                format!("room for {} frames needed", produced),
            ));
        }
        let column_len = cin * self.kernel;
        let mut written = 0;
        for frame in input.chunks_exact(cin) {
            self.history.copy_within(cin.., 0);
            let len = self.history.len();
            self.history[len - cin..].copy_from_slice(frame);
            if self.phase == 0 {
                for j in 0..self.kernel {
                    let at = j * self.dilation * cin;
                    self.columns[j * cin..(j + 1) * cin]
                        .copy_from_slice(&self.history[at..at + cin]);
                }
                let out = &mut output[written * cout..(written + 1) * cout];
                self.linear.forward(&self.columns[..column_len], 1, out);
                self.finish_frame(written, output);
                written += 1;
            }
            self.phase = (self.phase + 1) % self.stride;
        }
        Ok(written)
    }

    fn finish_frame(&mut self, index: usize, output: &mut [f32]) {
        let cout = self.out_channels();
        let frame = &mut output[index * cout..(index + 1) * cout];
        self.finish(frame);
    }

    /// Output frames of [`Conv1d::forward_padded`] for a block of `frames` with the padding.
    pub fn padded_outputs(&self, frames: usize, pad_left: usize, pad_right: usize) -> usize {
        let span = (self.kernel - 1) * self.dilation + 1;
        let total = frames + pad_left + pad_right;
        if total < span {
            0
        } else {
            (total - span) / self.stride + 1
        }
    }

    /// Convolves one block (stateless): `frames` input frames zero-padded by `pad_left` and
    /// `pad_right` frames; writes and returns the output frames. The history is untouched.
    pub fn forward_padded(
        &mut self,
        input: &[f32],
        pad_left: usize,
        pad_right: usize,
        output: &mut [f32],
    ) -> Result<usize> {
        let cin = self.in_channels;
        let cout = self.out_channels();
        if !input.len().is_multiple_of(cin) {
            return Err(Error::invalid("input", "not a whole number of frames"));
        }
        let frames = input.len() / cin;
        let n = self.padded_outputs(frames, pad_left, pad_right);
        if n > self.max_block_frames || output.len() < n * cout {
            return Err(Error::invalid(
                "output",
                format!("{n} frames: more than max_block_frames or the output holds"),
            ));
        }
        let column_len = cin * self.kernel;
        for m in 0..n {
            for j in 0..self.kernel {
                let dst = &mut self.columns[m * column_len + j * cin..][..cin];
                // Padded position m·s + j·d → input frame (that − pad_left), zero outside.
                let t = (m * self.stride + j * self.dilation) as isize - pad_left as isize;
                if t >= 0 && (t as usize) < frames {
                    let t = t as usize;
                    dst.copy_from_slice(&input[t * cin..(t + 1) * cin]);
                } else {
                    dst.fill(0.0);
                }
            }
        }
        self.linear
            .forward(&self.columns[..n * column_len], n, &mut output[..n * cout]);
        for m in 0..n {
            self.finish_frame(m, output);
        }
        Ok(n)
    }
}
