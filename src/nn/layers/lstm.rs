//! LSTM cell in PyTorch's form (`nn.LSTMCell`, gate rows i, f, g, o):
//!
//! ```text
//! a = W·x + b_ih + U·h + b_hh
//! i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
//! c' = f ⊙ c + i ⊙ g      h' = o ⊙ tanh(c')
//! ```

use super::{check_weights, Linear, MatrixFormat};
use crate::nn::kernels::{map_in_place, Elementwise};
use crate::nn::KernelLevel;
use crate::{Error, Result};

/// Everything an [`Lstm`] is built from; matrices row-major `[4·hidden][inputs]` and
/// `[4·hidden][hidden]`, gate rows i, f, g, o.
#[derive(Debug, Clone, Copy, Default)]
pub struct LstmConfig<'a> {
    /// Input size.
    pub inputs: usize,
    /// State size.
    pub hidden: usize,
    /// `[4·hidden][inputs]`.
    pub input_weights: &'a [f32],
    /// `[4·hidden][hidden]`.
    pub recurrent_weights: &'a [f32],
    /// `4·hidden` (PyTorch `bias_ih`).
    pub input_bias: &'a [f32],
    /// `4·hidden` (PyTorch `bias_hh`), if any.
    pub recurrent_bias: Option<&'a [f32]>,
    /// Storage of the input matrix.
    pub input_format: MatrixFormat,
    /// Storage of the recurrent matrix (`h` is in [-1, 1], so `Int8Bounded` fits).
    pub recurrent_format: MatrixFormat,
}

/// An LSTM cell with its state (h, c).
///
/// ```
/// use aquant::nn::layers::{Lstm, LstmConfig};
/// let (inputs, hidden) = (2, 3);
/// let (w, u, b) = (vec![0.1; 4 * hidden * inputs], vec![0.1; 4 * hidden * hidden], vec![0.0; 4 * hidden]);
/// let mut lstm = Lstm::new(LstmConfig {
///     inputs, hidden, input_weights: &w, recurrent_weights: &u, input_bias: &b,
///     ..Default::default()
/// }).unwrap();
/// lstm.step(&[1.0, -1.0]);
/// assert_eq!(lstm.hidden_state().len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct Lstm {
    hidden: usize,
    input: Linear,
    recurrent: Linear,
    bias: Vec<f32>,
    h: Vec<f32>,
    c: Vec<f32>,
    gates: Vec<f32>,
    from_state: Vec<f32>,
}

impl Lstm {
    /// Builds the cell; the state starts at zero. Kernels at [`KernelLevel::select`].
    pub fn new(cfg: LstmConfig) -> Result<Self> {
        Self::new_at_level(cfg, KernelLevel::select())
    }

    /// As [`Lstm::new`] at a given kernel level (clamped to the CPU).
    pub fn new_at_level(cfg: LstmConfig, level: KernelLevel) -> Result<Self> {
        let (inputs, hidden) = (cfg.inputs, cfg.hidden);
        if inputs == 0 || hidden == 0 {
            return Err(Error::invalid("lstm", "inputs and hidden must be > 0"));
        }
        check_weights("input_weights", cfg.input_weights, 4 * hidden * inputs)?;
        check_weights(
            "recurrent_weights",
            cfg.recurrent_weights,
            4 * hidden * hidden,
        )?;
        check_weights("input_bias", cfg.input_bias, 4 * hidden)?;
        let mut bias = cfg.input_bias.to_vec();
        if let Some(b) = cfg.recurrent_bias {
            check_weights("recurrent_bias", b, 4 * hidden)?;
            bias.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        Ok(Lstm {
            hidden,
            input: Linear::with_level(
                4 * hidden,
                inputs,
                cfg.input_weights,
                cfg.input_format,
                1,
                level,
            )?,
            recurrent: Linear::with_level(
                4 * hidden,
                hidden,
                cfg.recurrent_weights,
                cfg.recurrent_format,
                1,
                level,
            )?,
            bias,
            h: vec![0.0; hidden],
            c: vec![0.0; hidden],
            gates: vec![0.0; 4 * hidden],
            from_state: vec![0.0; 4 * hidden],
        })
    }

    /// Input size.
    pub fn inputs(&self) -> usize {
        self.input.cols()
    }
    /// State size.
    pub fn hidden(&self) -> usize {
        self.hidden
    }
    /// `h`.
    pub fn hidden_state(&self) -> &[f32] {
        &self.h
    }
    /// `c`.
    pub fn cell_state(&self) -> &[f32] {
        &self.c
    }
    /// Sets `h` and `c`.
    ///
    /// # Panics
    /// If either length differs from `hidden`.
    pub fn set_state(&mut self, h: &[f32], c: &[f32]) {
        self.h.copy_from_slice(h);
        self.c.copy_from_slice(c);
    }
    /// Zeroes the state.
    pub fn reset(&mut self) {
        self.h.fill(0.0);
        self.c.fill(0.0);
    }
    /// The input and recurrent matrices (for SQNR reports).
    pub fn matrices(&self) -> [&Linear; 2] {
        [&self.input, &self.recurrent]
    }

    /// Advances one step and returns the new `h`.
    ///
    /// # Panics
    /// If `input` is shorter than [`Lstm::inputs`].
    pub fn step(&mut self, input: &[f32]) -> &[f32] {
        let n = self.hidden;
        self.input.forward(input, 1, &mut self.gates);
        self.recurrent.forward(&self.h, 1, &mut self.from_state);
        for ((g, s), b) in self.gates.iter_mut().zip(&self.from_state).zip(&self.bias) {
            *g += s + b;
        }
        let level = self.input.level();
        map_in_place(level, Elementwise::Sigmoid, &mut self.gates[..2 * n]);
        map_in_place(level, Elementwise::Tanh, &mut self.gates[2 * n..3 * n]);
        map_in_place(level, Elementwise::Sigmoid, &mut self.gates[3 * n..]);
        let (i, rest) = self.gates.split_at(n);
        let (f, rest) = rest.split_at(n);
        let (g, o) = rest.split_at(n);
        for k in 0..n {
            self.c[k] = f[k] * self.c[k] + i[k] * g[k];
        }
        // tanh(c') goes where the recurrent sums were (no longer needed).
        let tanh_c = &mut self.from_state[..n];
        tanh_c.copy_from_slice(&self.c);
        map_in_place(level, Elementwise::Tanh, tanh_c);
        for k in 0..n {
            self.h[k] = o[k] * tanh_c[k];
        }
        &self.h
    }
}
